"""Review flags: per row, why a person should look at a decision.

* ``out_of_range``: a numeric value outside the training range (the model's schema; else
  the reference rows). A NAM extrapolates flat beyond it, other models guess;
* ``unseen_level``: a categorical value the model never saw;
* ``prototype_far``: a prototype model's nearest prototype is farther away (lower
  similarity) than for 99% of the reference rows;
* ``near_threshold``: the probability of the adverse class lies within ``margin`` of the
  decision threshold, so a small error in an input flips the decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FlagRules", "FLAG_KINDS"]

FLAG_KINDS = ("out_of_range", "unseen_level", "prototype_far", "near_threshold")


@dataclass
class FlagRules:
    """What counts as unusual, read once from the model and the reference.

    Attributes
    ----------
    ranges : dict
        Numeric feature -> (min, max) seen in training.
    levels : dict
        Categorical feature -> set of known levels.
    min_similarity : float or None
        Prototype models: the 1st percentile of the reference rows' largest similarity.
    threshold, margin : float
        Decision threshold on the adverse probability and the band around it.
    """

    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    levels: dict[str, set] = field(default_factory=dict)
    min_similarity: float | None = None
    threshold: float = 0.5
    margin: float = 0.05

    @classmethod
    def from_model(cls, model: Any, names: list[str], numeric: list[bool], reference: pd.DataFrame,
                   threshold: float, margin: float) -> FlagRules:
        schema = getattr(getattr(model, "encoder_", None), "schema_", None)
        ranges, levels = {}, {}
        for f, is_num in zip(names, numeric):
            spec = schema[f] if schema is not None and f in getattr(schema, "names", names) else None
            if is_num:
                if spec is not None and spec.min is not None and spec.max is not None:
                    ranges[f] = (float(spec.min), float(spec.max))
                else:
                    v = pd.to_numeric(reference[f], errors="coerce")
                    ranges[f] = (float(v.min()), float(v.max()))
            else:
                known = set(spec.categories) if spec is not None and spec.categories else set()
                levels[f] = known | set(reference[f].dropna().unique())
        return cls(ranges=ranges, levels=levels, threshold=threshold, margin=margin)

    def row_flags(self, Xf: pd.DataFrame, p_adverse: np.ndarray | None,
                  max_similarity: np.ndarray | None, text: bool = True
                  ) -> tuple[dict[str, np.ndarray], list[str] | None]:
        """Boolean flags per kind (and per feature for ranges / levels) and, with ``text``,
        one sentence per row saying why to review it ("" when nothing is unusual)."""
        n = len(Xf)
        why: list[list[str]] = [[] for _ in range(n if text else 0)]
        marks: dict[str, np.ndarray] = {}
        for f, (lo, hi) in self.ranges.items():
            v = Xf[f].to_numpy(dtype=float, na_value=np.nan)
            out = (v < lo) | (v > hi)
            marks[f"out_of_range:{f}"] = out
            for r in (np.flatnonzero(out) if text else ()):
                why[r].append(f"{f}={v[r]:.6g} outside training range [{lo:.6g}, {hi:.6g}]")
        for f, known in self.levels.items():
            s = Xf[f]
            unseen = (s.notna() & ~s.isin(known)).to_numpy()
            marks[f"unseen_level:{f}"] = unseen
            for r in (np.flatnonzero(unseen) if text else ()):
                why[r].append(f"{f}={s.iloc[r]!r} is a level the model never saw")
        if max_similarity is not None and self.min_similarity is not None:
            far = max_similarity < self.min_similarity
            marks["prototype_far"] = far
            for r in (np.flatnonzero(far) if text else ()):
                why[r].append(f"nearest prototype far (similarity {max_similarity[r]:.3g} < "
                              f"{self.min_similarity:.3g}, the reference 1st percentile)")
        if p_adverse is not None:
            near = np.abs(p_adverse - self.threshold) <= self.margin
            marks["near_threshold"] = near
            for r in (np.flatnonzero(near) if text else ()):
                why[r].append(f"probability {p_adverse[r]:.3f} within {self.margin:g} of the threshold "
                              f"{self.threshold:g}")
        return marks, (["; ".join(w) for w in why] if text else None)

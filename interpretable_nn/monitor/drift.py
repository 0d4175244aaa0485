"""Population and characteristic stability (PSI / CSI) and the nDCG of attribution rankings.

The formula, exactly
--------------------
Bins of a numeric quantity (the score, or a numeric feature) are cut on the **reference**
rows: the edges are the reference quantiles at 0.1, 0.2, ..., 0.9 (``numpy.quantile``,
linear interpolation, missing values left out), duplicates dropped, so there are at most 10
bins, each as close to 10% of the reference as the ties allow. Bin ``i`` holds the values
in ``(edge[i-1], edge[i]]`` (right-closed, left-open, ``numpy.digitize(x, edges,
right=True)``); the first bin is open to ``-inf`` and the last to ``+inf``. A missing value
goes to a separate ``"missing"`` bin. A categorical feature has one bin per reference level
(the training schema's levels when the model records them, plus any other level seen in the
reference), one ``"unseen"`` bin for any other value and one ``"missing"`` bin.

With ``e_i`` the reference proportion and ``a_i`` the current proportion of bin ``i``, both
floored at ``1e-4`` (an empty bin counts as 0.0001; the proportions are not renormalised)::

    PSI = sum_i (a_i - e_i) * ln(a_i / e_i)

This is Jeffreys' divergence of the two binned distributions (optbinning's
``binning.metrics.jeffrey``). CSI is the same figure on one input feature. The usual bands:
below 0.10 stable, 0.10-0.25 watch, 0.25 and above act.

Rankings
--------
:func:`ndcg` compares the global ranking of features by mean ``|contribution|`` now with
the reference: the gain of a feature is its reference mean ``|contribution|``; the current
order's discounted cumulative gain ``sum_r gain_(r) / log2(r + 1)`` is divided by that of
the reference order. 1.0 means the same ranking; cloud monitors alert below 0.90.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FLOOR", "Bins", "psi", "psi_terms", "ndcg", "ndcg_noise", "mean_abs_change"]

#: proportions below this count as this (empty bins)
FLOOR = 1e-4
_QUANTILES = np.linspace(0.1, 0.9, 9)


def psi_terms(expected: Any, actual: Any, floor: float = FLOOR) -> np.ndarray:
    """Per-bin terms ``(a - e) * ln(a / e)`` of two count (or proportion) vectors, each
    normalised to proportions and floored at ``floor``. Arrays of several such vectors (the
    bins on the last axis, e.g. simulated draws) give the terms of each pair of rows.

    Examples
    --------
    >>> psi_terms([50, 50], [50, 50]).tolist()
    [0.0, 0.0]
    """
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape or e.ndim < 1:
        raise ValueError(f"expected and actual need the same shape, bins last; got {e.shape} and {a.shape}.")
    e_sum, a_sum = e.sum(-1, keepdims=True), a.sum(-1, keepdims=True)
    if (e_sum <= 0).any() or (a_sum <= 0).any():
        raise ValueError("PSI needs at least one row on each side.")
    e = np.maximum(e / e_sum, floor)
    a = np.maximum(a / a_sum, floor)
    return (a - e) * np.log(a / e)


def psi(expected: Any, actual: Any, floor: float = FLOOR) -> float:
    """Population stability index of two count vectors over the same bins (see the module
    docstring for the formula).

    Examples
    --------
    >>> round(psi([25, 25, 25, 25], [10, 20, 30, 40]), 4)
    0.2282
    """
    return float(psi_terms(expected, actual, floor).sum())


@dataclass
class Bins:
    """The bins of one quantity, cut on the reference (see the module docstring).

    Parameters
    ----------
    name : str
    numeric : bool
    edges : ndarray
        Inner edges (numeric), at most 9.
    levels : list
        Reference levels (categorical).

    Examples
    --------
    >>> b = Bins.from_reference("x", np.arange(100.0))
    >>> b.labels()[:2], b.counts(np.array([0.0, 9.9, 10.0, np.nan])).tolist()[:3]
    (['<= 9.9', '(9.9, 19.8]'], [2, 1, 0])
    """

    name: str
    numeric: bool
    edges: np.ndarray = field(default_factory=lambda: np.zeros(0))
    levels: list = field(default_factory=list)

    @classmethod
    def from_reference(cls, name: str, values: Any, numeric: bool = True, levels: Any = None) -> Bins:
        """Cut bins on the reference ``values``; ``levels`` adds known categorical levels
        (e.g. the training schema's) before those seen in the reference."""
        if numeric:
            v = np.asarray(values, dtype=float)
            v = v[~np.isnan(v)]
            edges = np.unique(np.quantile(v, _QUANTILES)) if len(v) else np.zeros(0)
            return cls(name, True, edges=edges)
        seen = pd.Series(values, dtype=object).dropna()
        known = list(levels or []) + [x for x in pd.unique(seen) if x not in set(levels or [])]
        return cls(name, False, levels=list(dict.fromkeys(known)))

    @property
    def n_bins(self) -> int:
        """Bins including ``missing`` (and ``unseen`` for categorical features)."""
        return len(self.edges) + 2 if self.numeric else len(self.levels) + 2

    def index(self, values: Any) -> np.ndarray:
        """Bin index of each value (the last bin is ``missing``)."""
        if self.numeric:
            v = np.asarray(values, dtype=float)
            out = np.digitize(v, self.edges, right=True)
            out[np.isnan(v)] = self.n_bins - 1
            return out
        s = pd.Series(values, dtype=object).reset_index(drop=True)
        codes = pd.Index(self.levels, dtype=object).get_indexer(s.astype(object)).astype(np.int64)
        out = np.where(codes >= 0, codes, len(self.levels))  # unseen
        out[s.isna().to_numpy()] = self.n_bins - 1
        return out

    def counts(self, values: Any) -> np.ndarray:
        """Rows per bin, ``n_bins`` long."""
        return np.bincount(self.index(values), minlength=self.n_bins).astype(np.int64)

    def labels(self) -> list[str]:
        """Readable bin names, in order."""
        if not self.numeric:
            return [str(x) for x in self.levels] + ["unseen", "missing"]
        e = [f"{x:.4g}" for x in self.edges]
        if not e:
            return ["all", "missing"]
        out = [f"<= {e[0]}"] + [f"({a}, {b}]" for a, b in zip(e[:-1], e[1:])] + [f"> {e[-1]}"]
        return out + ["missing"]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "numeric": self.numeric, "edges": [float(x) for x in self.edges],
                "levels": [x if isinstance(x, (int, float, bool)) else str(x) for x in self.levels]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Bins:
        return cls(d["name"], bool(d["numeric"]), edges=np.asarray(d["edges"], dtype=float),
                   levels=list(d["levels"]))


def ndcg(reference: Any, current: Any) -> float:
    """nDCG of the current ranking of features against the reference (gains: the reference
    mean ``|contribution|``; see the module docstring).

    Examples
    --------
    >>> ndcg([3.0, 2.0, 1.0], [3.0, 2.0, 1.0])
    1.0
    >>> round(ndcg([3.0, 2.0, 1.0], [1.0, 2.0, 3.0]), 3)
    0.79
    """
    g = np.asarray(reference, dtype=float)
    c = np.asarray(current, dtype=float)
    if g.shape != c.shape:
        raise ValueError(f"reference and current need one figure per feature; got {g.shape} and {c.shape}.")
    discount = 1.0 / np.log2(np.arange(2, len(g) + 2))
    ideal = float((np.sort(g)[::-1] * discount).sum())
    if ideal <= 0:
        return 1.0
    order = np.argsort(-c, kind="stable")
    return float((g[order] * discount).sum() / ideal)


def ndcg_noise(reference: Any, se: Any, quantile: float | None, draws: int = 2000) -> float:
    """The nDCG that sampling noise alone falls below with probability ``1 - quantile``: the
    batch's mean |contribution| per feature drawn as the reference's plus normal noise of
    standard error ``se`` (seeded: the same report every time) and ranked against the
    reference. 1.0 (no allowance) when ``quantile`` is None or no ``se`` is finite.

    Examples
    --------
    >>> ndcg_noise([3.0, 2.0, 1.0], [0.0, 0.0, 0.0], 0.99)
    1.0
    >>> ndcg_noise([3.0, 2.0, 1.0], [5.0, 5.0, 5.0], 0.99) < 0.9
    True
    """
    g = np.asarray(reference, dtype=float)
    se = np.nan_to_num(np.asarray(se, dtype=float), nan=0.0, posinf=0.0)
    if quantile is None or not (se > 0).any():
        return 1.0
    discount = 1.0 / np.log2(np.arange(2, len(g) + 2))
    ideal = float((np.sort(g)[::-1] * discount).sum())
    if ideal <= 0:
        return 1.0
    sims = g + np.random.default_rng(0).normal(size=(draws, len(g))) * se
    order = np.argsort(-sims, axis=1, kind="stable")
    return float(np.quantile((g[order] * discount).sum(1) / ideal, 1.0 - quantile))


def mean_abs_change(reference: tuple, current: tuple, index: pd.Index) -> pd.DataFrame:
    """Per feature (or term) of ``index``: the mean |contribution| in the reference and now,
    the relative change, ``drift`` (|change| / the reference's total mean |contribution|) and,
    where both sides give the sums of squares, ``drift_se``: the standard error of that change
    in the same units (two independent samples, the batch's spread read as at least the
    reference's: a handful of rows can show almost none by chance, and without drift the two
    spreads are one). ``reference`` and ``current`` are (sum of |values|, sum of squares or
    None, rows)."""
    (rs, rq, rn), (cs, cq, cn) = reference, current
    ref, cur = np.asarray(rs, float) / rn, np.asarray(cs, float) / cn
    total = max(float(ref.sum()), 1e-12)
    out = pd.DataFrame({
        "reference_mean_abs": ref, "current_mean_abs": cur,
        "relative_change": np.where(ref > 1e-12, cur / np.maximum(ref, 1e-12) - 1, np.nan),
        "drift": np.abs(cur - ref) / total,
    }, index=index)
    if rq is not None and cq is not None:
        with np.errstate(over="ignore", invalid="ignore"):  # squares past float64: NaN, read as "no estimate"
            v_ref = np.maximum(np.asarray(rq, float) / rn - ref**2, 0.0)
            v_cur = np.maximum(np.asarray(cq, float) / cn - cur**2, 0.0)
            out["drift_se"] = np.sqrt(v_ref / rn + np.maximum(v_ref, v_cur) / cn) / total
    return out


"""The library's one explanation type.

Every model's ``explain(X)`` returns an :class:`Explanation`: one attribution per row and
original feature, a base value per row, and the check that goes with it (for additive
models the additivity gap, for gradient methods the completeness gap), in the spirit of
captum returning its convergence delta beside the attribution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .fidelity import Fidelity

__all__ = ["Explanation"]

#: what each known figure of an explanation's check compares (its ``Fidelity.compared``)
_COMPARED = {
    "additivity_gap": "base_values + values.sum(1) vs the model output",
    "completeness_gap": "values.sum(1) vs the model output minus the baseline's (completeness)",
}


def _as_check(check: Fidelity | Mapping | None, n_rows: int) -> Fidelity:
    """A check given as a plain dict of figures becomes the one check type."""
    if isinstance(check, Fidelity):
        return check
    figures = dict(check or {})
    compared = "; ".join(_COMPARED[k] for k in figures if k in _COMPARED)
    return Fidelity(compared, "explained", n_rows, figures)


@dataclass
class Explanation:
    """Per-row, per-feature attributions of a model's decision function.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_terms)
        Contribution of each term (an original feature, or an interaction ``"A x B"``)
        to the model output of each row.
    base_values : ndarray of shape (n_rows,)
        The model output when no term contributes (the mean prediction for centred
        additive models; the baseline's output for gradient methods).
    feature_names : list of str
        One name per column of ``values``.
    data : DataFrame or None
        The explained rows in raw units (same order as ``values``).
    output : str
        What is being explained: ``"log-odds"`` (classifiers' decision function) or
        ``"raw"`` (regression output).
    method : str
        How the values were computed (``"exact-additive"``, ``"integrated-gradients"``,
        ``"rules"``, ``"shap"``, ...).
    check : Fidelity (a plain dict of figures is turned into one)
        The figure that says how far to trust the values, e.g. ``{"additivity_gap": 3e-7}``:
        the largest ``|base_values + values.sum(1) - model output|`` over the rows; what was
        compared and on how many rows travel with it (:class:`~.fidelity.Fidelity`). Add a
        figure with :meth:`add_check`.

    Examples
    --------
    >>> import numpy as np
    >>> e = Explanation(values=np.array([[1.0, -0.5]]), base_values=np.array([0.2]),
    ...                 feature_names=["a", "b"])
    >>> float(e.output_values()[0])
    0.7
    >>> e.to_frame().columns.tolist()
    ['a', 'b']
    """

    values: np.ndarray
    base_values: np.ndarray
    feature_names: list[str]
    data: pd.DataFrame | None = None
    output: str = "log-odds"
    method: str = ""
    check: Fidelity | Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=float)
        if self.values.ndim != 2:
            raise ValueError(f"Explanation values must be 2-D (rows, terms); got shape {self.values.shape}.")
        self.base_values = np.broadcast_to(
            np.asarray(self.base_values, dtype=float), (self.values.shape[0],)
        ).copy()
        self.feature_names = [str(f) for f in self.feature_names]
        if len(self.feature_names) != self.values.shape[1]:
            raise ValueError(
                f"Explanation has {self.values.shape[1]} value columns but "
                f"{len(self.feature_names)} feature names."
            )
        self.check = _as_check(self.check, self.values.shape[0])

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return self.values.shape[0]

    def __getitem__(self, rows) -> Explanation:
        """Rows of the explanation (an int, slice, mask or index array)."""
        idx = np.arange(len(self))[rows]
        idx = np.atleast_1d(idx)
        return Explanation(
            values=self.values[idx],
            base_values=self.base_values[idx],
            feature_names=list(self.feature_names),
            data=None if self.data is None else self.data.iloc[idx],
            output=self.output,
            method=self.method,
            check=self.check,
        )

    def add_check(self, **figures: Any) -> Explanation:
        """Add figures to :attr:`check` (e.g. ``additivity_gap=...``); returns ``self``."""
        self.check = _as_check(self.check, len(self)).with_figures(**figures)
        if not self.check.compared:
            self.check = _as_check(dict(self.check), len(self))
        return self

    def with_index(self, index: pd.Index) -> Explanation:
        """The rows labelled by ``index`` (one label per row), so that ``to_frame()`` joins
        back onto the caller's frame; returns ``self``.

        Examples
        --------
        >>> e = Explanation(np.zeros((2, 1)), np.zeros(2), ["a"], data=pd.DataFrame({"a": [1, 2]}))
        >>> e.with_index(pd.Index(["x", "y"])).to_frame().index.tolist()
        ['x', 'y']
        """
        if len(index) != len(self):
            raise ValueError(f"index has {len(index)} labels for {len(self)} explained rows.")
        data = self.data if self.data is not None else pd.DataFrame(index=pd.RangeIndex(len(self)))
        self.data = data.set_axis(index, axis=0)
        return self

    def output_values(self) -> np.ndarray:
        """``base_values + values.sum(1)``: the model output the explanation accounts for."""
        return self.base_values + self.values.sum(axis=1)

    def to_frame(self, long: bool = False) -> pd.DataFrame:
        """Values as a DataFrame: one column per term (wide), or one row per (row, term)
        with the raw feature value beside it (``long=True``)."""
        index = self.data.index if self.data is not None else pd.RangeIndex(len(self))
        wide = pd.DataFrame(self.values, columns=self.feature_names, index=index)
        if not long:
            return wide
        out = wide.reset_index(names="row").melt(id_vars="row", var_name="feature", value_name="contribution")
        if self.data is not None:
            raw = self.data.reset_index(drop=True)
            pos = np.repeat(np.arange(len(self))[None, :], len(self.feature_names), axis=0).ravel()
            out["value"] = [
                raw.iloc[p][f] if f in raw.columns else None
                for p, f in zip(pos, out["feature"])
            ]
        return out

    def importance(self) -> pd.Series:
        """Global importance: mean absolute contribution per term, largest first."""
        return pd.Series(np.abs(self.values).mean(axis=0), index=self.feature_names).sort_values(
            ascending=False
        )

    def check_additivity(self, model_output: np.ndarray) -> float:
        """Largest ``|base + sum(values) - model_output|`` over the rows."""
        model_output = np.asarray(model_output, dtype=float).reshape(-1)
        return float(np.max(np.abs(self.output_values() - model_output))) if len(self) else 0.0

    def to_shap(self) -> Any:
        """A ``shap.Explanation`` of the same values for shap's plots (``waterfall``,
        ``beeswarm``, ``bar``, ...).

        Interaction columns ``"A x B"`` are split equally onto their features, so that
        ``values`` and ``data`` have the same columns (the original features, in the order
        of :attr:`data`). ``data`` is numeric, as shap's colouring needs (categorical
        levels as their codes in order of appearance, missing as NaN); the raw values go
        to ``display_data`` for the labels.

        Examples
        --------
        >>> e = Explanation(np.array([[1.0, -0.5, 0.2]]), np.array([0.1]), ["a", "b", "a x b"],
        ...                 data=pd.DataFrame({"a": [3.0], "b": ["rent"]}))
        >>> s = e.to_shap()
        >>> s.values.tolist(), s.feature_names, s.data.tolist()
        ([[1.1, -0.4]], ['a', 'b'], [[3.0, 0.0]])
        """
        import shap

        names = [str(c) for c in self.data.columns] if self.data is not None else []
        for c in self.feature_names:
            for p in (c.split(" x ") if " x " in c else [c]):
                if p.strip() not in names:
                    names.append(p.strip())
        col = {f: i for i, f in enumerate(names)}
        values = np.zeros((len(self), len(names)))
        for j, c in enumerate(self.feature_names):
            parts = [p.strip() for p in c.split(" x ")] if c not in col else [c]
            for p in parts:
                values[:, col[p]] += self.values[:, j] / len(parts)
        if self.data is not None:
            raw = self.data.reset_index(drop=True).reindex(columns=names)
        else:
            raw = pd.DataFrame(np.nan, index=range(len(self)), columns=names)
        data = np.empty((len(self), len(names)))
        for j, c in enumerate(names):
            s = raw[c]
            num = pd.to_numeric(s, errors="coerce")
            if s.isna().equals(num.isna()) and not pd.api.types.is_bool_dtype(s.dtype):
                data[:, j] = num.to_numpy(dtype=float)
            else:
                codes, _ = pd.factorize(s.astype(object))
                data[:, j] = np.where(codes < 0, np.nan, codes)
        return shap.Explanation(values=values, base_values=self.base_values.copy(), data=data,
                                display_data=raw.to_numpy(dtype=object), feature_names=names)

    # ------------------------------------------------------------------ plots
    def plot(self, row: int | None = None, max_features: int = 15, ax=None):
        """Bar chart: the contributions of one row (``row=i``) or, by default, the global
        mean absolute contribution per term. Returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.35 * min(max_features, len(self.feature_names)) + 1.2))
        if row is None:
            imp = self.importance().iloc[:max_features][::-1]
            ax.barh(imp.index, imp.values, color="#4C72B0")
            ax.set_xlabel(f"mean |contribution| ({self.output})")
            ax.set_title("Global importance")
        else:
            vals = pd.Series(self.values[row], index=self.feature_names)
            vals = vals.reindex(vals.abs().sort_values(ascending=False).index)[:max_features][::-1]
            colors = ["#C44E52" if v > 0 else "#4C72B0" for v in vals.values]
            labels = vals.index
            if self.data is not None:
                raw = self.data.iloc[row]
                labels = [f"{f} = {raw[f]}" if f in raw.index else f for f in vals.index]
            ax.barh(labels, vals.values, color=colors)
            ax.axvline(0, color="black", lw=0.8)
            ax.set_xlabel(f"contribution ({self.output})")
            ax.set_title(
                f"Row {row}: base {self.base_values[row]:.3f} -> output {self.output_values()[row]:.3f}"
            )
        ax.figure.tight_layout()
        return ax

    def __repr__(self) -> str:
        return (
            f"Explanation(rows={len(self)}, terms={len(self.feature_names)}, output={self.output!r}, "
            f"method={self.method!r}, check={self.check})"
        )

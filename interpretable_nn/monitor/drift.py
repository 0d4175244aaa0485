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

from ..data.dtypes import days_text, midnight_edges

__all__ = ["FLOOR", "Bins", "psi", "psi_terms", "ndcg", "attribution_noise", "mean_abs_change"]

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
    kind : {"", "date", "datetime", "timedelta"}
        A feature the model reads as days (:attr:`FeatureSpec.word_kind`): its labels are
        dates (``"date"``, fitted on dates without a time: edges at midnights where no two
        share a day, the same bins as the quantiles), instants or days.

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
    kind: str = ""

    @classmethod
    def from_reference(cls, name: str, values: Any, numeric: bool = True, levels: Any = None, kind: str = "") -> Bins:
        """Cut bins on the reference ``values``; ``levels`` adds known categorical levels
        (e.g. the training schema's) before those seen in the reference; ``kind`` as the
        attribute."""
        if numeric:
            v = np.asarray(values, dtype=float)
            v = v[~np.isnan(v)]
            edges = np.unique(np.quantile(v, _QUANTILES)) if len(v) else np.zeros(0)
            return cls(name, True, edges=midnight_edges(edges, kind), kind=kind)
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
        e = [days_text(x, self.kind, "floor") if self.kind in ("date", "datetime") else f"{x:.4g}" for x in self.edges]
        if not e:
            return ["all", "missing"]
        unit = " days" if self.kind == "timedelta" else ""
        out = [f"<= {e[0]}{unit}"] + [f"({a}, {b}]{unit}" for a, b in zip(e[:-1], e[1:])] + [f"> {e[-1]}{unit}"]
        return out + ["missing"]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "numeric": self.numeric, "edges": [float(x) for x in self.edges],
                "levels": [x if isinstance(x, (int, float, bool)) else str(x) for x in self.levels], "kind": self.kind}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Bins:
        return cls(d["name"], bool(d["numeric"]), edges=np.asarray(d["edges"], dtype=float),
                   levels=list(d["levels"]), kind=str(d.get("kind", "")))  # saved before stop 76: no kind


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
    if g.shape != c.shape or g.ndim != 1:
        raise ValueError(f"reference and current need one figure per feature; got {g.shape} and {c.shape}.")
    return float(_ndcg_rows(g[None, :], c[None, :])[0])


def _ndcg_rows(g: np.ndarray, c: np.ndarray) -> np.ndarray:
    """:func:`ndcg` of each row of ``c`` (n, d) against the same row of ``g``; 1.0 where a
    row's ideal gain is not positive."""
    discount = 1.0 / np.log2(np.arange(2, g.shape[1] + 2))
    ideal = (np.sort(g, axis=1)[:, ::-1] * discount).sum(1)
    got = (np.take_along_axis(g, np.argsort(-c, axis=1, kind="stable"), 1) * discount).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ideal > 0, got / ideal, 1.0)


def attribution_noise(sample: np.ndarray, n_reference: int, n_rows: int, quantile: float | None,
                      draws: int = 10000) -> tuple[np.ndarray, float]:
    """What sampling noise alone does to the attribution figures, when the batch's ``n_rows``
    and the reference's ``n_reference`` rows come from one distribution: both drawn many times
    from ``sample`` (the |contribution| of a seeded sample of the reference's rows, (m, d)),
    their means compared as the report compares them (rows drawn one by one up to
    :data:`EXACT_ROWS`, beyond that the mean's normal law with the sample's spread). Returns
    (per feature, the |change of mean| that noise exceeds with probability
    (1 - ``quantile``) / d, in ``drift``'s units; the nDCG noise falls below with probability
    1 - ``quantile``). No allowance (zeros, 1.0) when ``quantile`` is None. A
    resampled mean holds for any batch size and any shape of the contributions (a category's
    few levels, a skewed amount), where a normal bound fails at a handful of rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sample = np.abs(rng.normal(size=(500, 3))) * [3.0, 2.0, 1.0]
    >>> level, low = attribution_noise(sample, 500, 5, 0.99)
    >>> bool((level > 0.05).all() and low < 1.0), attribution_noise(sample, 500, 5, None)[1]
    (True, 1.0)
    """
    sample = np.asarray(sample, dtype=float)
    d = sample.shape[1]
    if quantile is None or len(sample) == 0:
        return np.zeros(d), 1.0
    rng = np.random.default_rng(0)
    cur, ref = (_resampled_means(sample, n, draws, rng) for n in (n_rows, n_reference))
    total = max(float(sample.mean(0).sum()), 1e-12)
    level = np.quantile(np.abs(cur - ref), 1.0 - (1.0 - quantile) / d, axis=0) / total
    return level, float(np.quantile(_ndcg_rows(ref, cur), 1.0 - quantile))


#: batch sizes up to which :func:`attribution_noise` draws every row (beyond, the mean is normal)
EXACT_ROWS = 200


def _resampled_means(sample: np.ndarray, n: int, draws: int, rng: np.random.Generator) -> np.ndarray:
    """(draws, d) means of ``n`` rows drawn with replacement from ``sample``."""
    if n > EXACT_ROWS:
        return sample.mean(0) + rng.standard_normal((draws, sample.shape[1])) * (sample.std(0) / np.sqrt(n))
    step = max(1, 2**20 // max(n * sample.shape[1], 1))  # about a million values at a time
    return np.concatenate([sample[rng.integers(0, len(sample), size=(min(step, draws - a), n))].mean(1)
                           for a in range(0, draws, step)])


def mean_abs_change(reference: tuple, current: tuple, index: pd.Index) -> pd.DataFrame:
    """Per feature (or term) of ``index``: the mean |contribution| in the reference and now,
    the relative change and ``drift`` (|change| / the reference's total mean |contribution|).
    ``reference`` and ``current`` are (sum of |values|, rows)."""
    (rs, rn), (cs, cn) = reference, current
    ref, cur = np.asarray(rs, float) / rn, np.asarray(cs, float) / cn
    total = max(float(ref.sum()), 1e-12)
    return pd.DataFrame({
        "reference_mean_abs": ref, "current_mean_abs": cur,
        "relative_change": np.where(ref > 1e-12, cur / np.maximum(ref, 1e-12) - 1, np.nan),
        "drift": np.abs(cur - ref) / total,
    }, index=index)

"""Heaped values: numeric columns whose exact values mean something.

An amount recorded in brackets (a family income written as its bracket's midpoint), a code
written inside an amount (``999`` for "not asked"), hours heaped on 40: a few exact values
hold far more rows than their neighbours, and their event rate can differ from the trend of
the values around them. A smooth shape cannot tell 45.00 from 45.01; EBM's fine bins can.

Here such a value (a *heap*) becomes a knot of its own between two *shoulder* knots, at the
midpoints to the next distinct training values on each side, and its knot value is the
shape's value plus a free offset with an empirical-Bayes prior (:func:`heap_prior`): rows
exactly on the heap read shape + offset; rows off it read the shape. The fitted model is still
a piecewise-linear table on knots, so every export (SQL, ONNX, PMML, the scorecard) reads it
as it reads any shape.

Which values are heaps depends on the column alone (:func:`heap_values`); whether a column's
heaps are used depends on the target (:func:`heap_test`, a chi-squared test of the heaps'
rates against the rows around them, Bonferroni over the columns), and then on the bags'
validation loss (``fit.py``: the refit is kept only when it beats the plain one by a margin).
"""

from __future__ import annotations

import numpy as np

from .layout import TermLayout, _subsample, main_mass
from .priors import empirical_logit, mean_one_weights
from .select import improves

__all__ = ["heap_values", "heap_test", "heap_layout", "heap_columns", "heap_stage"]

#: a heap holds at least this many training rows ...
HEAP_MIN_ROWS = 10
#: ... and this many times the median row count of the distinct values around it
HEAP_RATIO = 4.0
#: the distinct values around a value (a centred window over the sorted distinct values)
HEAP_WINDOW = 21
#: at most this many heaps per column (the ones holding the most rows)
HEAP_MAX = 32
#: each heap's rate is compared with that of about this many non-heap rows next to it
REF_ROWS = 40


def heap_values(v: np.ndarray) -> np.ndarray:
    """The heaps of one column's sorted non-missing training values ``v`` (float64): the
    distinct values holding at least :data:`HEAP_MIN_ROWS` rows and :data:`HEAP_RATIO` times
    the median count of the :data:`HEAP_WINDOW` distinct values around them, at most
    :data:`HEAP_MAX` (the largest), sorted. Empty where the column has fewer distinct values
    than the window (a coded column: every value is a knot already)."""
    from scipy.ndimage import median_filter

    if len(v) == 0:
        return np.zeros(0)
    first = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
    u, counts = v[first], np.diff(np.r_[first, len(v)])
    if len(u) < HEAP_WINDOW:
        return np.zeros(0)
    local = median_filter(counts.astype(np.float64), size=HEAP_WINDOW, mode="mirror")  # an end value is not its own neighbour
    heavy = np.flatnonzero((counts >= HEAP_MIN_ROWS) & (counts >= HEAP_RATIO * local))
    if len(heavy) > HEAP_MAX:
        heavy = np.sort(heavy[np.argsort(-counts[heavy], kind="stable")[:HEAP_MAX]])
    return u[heavy]


def heap_test(x: np.ndarray, y: np.ndarray, sw: np.ndarray, heaps: np.ndarray) -> tuple[float, float]:
    """(p-value, prior precision) of one column's ``heaps`` (binary ``y``, weights ``sw`` at
    mean 1, ``x`` the non-missing rows' values).

    Each heap's empirical logit (half an event added to each side) is compared with that of
    the :data:`REF_ROWS` non-heap rows nearest to it in value order, ``d = logit_heap -
    logit_ref`` with variance ``s2`` (binomial, both sides). ``Q = sum d^2 / s2`` is
    chi-squared on one degree of freedom per heap when the heaps follow the trend around them.
    The precision of the offsets' prior is ``1 / tau^2``, ``tau^2 = mean(d^2 - s2)`` (method of
    moments), clipped to [1, 100]; p = 1 and precision 100 with no non-heap rows."""
    from scipy.stats import chi2

    on = np.isin(x, heaps)
    order = np.argsort(x[~on], kind="stable")
    xo, yo, wo = x[~on][order], y[~on][order], sw[~on][order]
    if len(xo) == 0 or len(heaps) == 0:
        return 1.0, 100.0
    cy, cw = np.r_[0.0, np.cumsum(yo * wo)], np.r_[0.0, np.cumsum(wo)]
    pos = np.searchsorted(xo, heaps)
    half = REF_ROWS // 2
    lo = np.clip(pos - half, 0, max(len(xo) - REF_ROWS, 0))
    hi = np.minimum(lo + REF_ROWS, len(xo))
    k_ref, n_ref = cy[hi] - cy[lo], cw[hi] - cw[lo]
    idx = np.searchsorted(heaps, x[on])
    n_h = np.bincount(idx, weights=sw[on], minlength=len(heaps))
    k_h = np.bincount(idx, weights=(y * sw)[on], minlength=len(heaps))
    (lh, vh), (lr, vr) = empirical_logit(k_h, n_h), empirical_logit(k_ref, n_ref)
    d, s2 = lh - lr, vh + vr
    q = float((d * d / s2).sum())
    tau2 = max(float((d * d - s2).mean()), 0.0)
    prec = 100.0 if tau2 <= 0 else float(np.clip(1.0 / tau2, 1.0, 100.0))
    return float(chi2.sf(q, len(heaps))), prec


def heap_layout(lay: TermLayout, columns: dict[int, np.ndarray], pair_knots: int) -> tuple[TermLayout, np.ndarray]:
    """``lay`` with each column ``c`` of ``columns`` ({encoder column: (heaps, sorted distinct
    training values)}) given a knot at each heap and shoulder knots at the midpoints to the
    distinct training values on either side; (new layout, (n_numeric, K) bool: the heap knots,
    padded as :meth:`TermLayout.padded_knots` pads)."""
    knots = [list(t) for t in lay.knots]
    pk = [list(p) for p in lay.pair_knots]
    for c, (heaps, u) in columns.items():
        i = np.searchsorted(u, heaps)
        left = np.where(i > 0, u[np.maximum(i - 1, 0)] / 2 + heaps / 2, heaps)  # halves: no overflow
        right = np.where(i < len(u) - 1, u[np.minimum(i + 1, len(u) - 1)] / 2 + heaps / 2, heaps)
        z = np.unique(np.r_[np.asarray(knots[c], dtype=np.float64), heaps, left, right])
        knots[c] = [float(t) for t in z]
        pk[c] = _subsample(len(z), pair_knots)
    new = TermLayout(names=list(lay.names), is_numeric=list(lay.is_numeric), col=list(lay.col), knots=knots,
                     cat_sizes=list(lay.cat_sizes), monotone=list(lay.monotone), pair_knots=pk, pairs=list(lay.pairs))
    mask = np.zeros((len(knots), new.n_knots), dtype=bool)
    for c, (heaps, _) in columns.items():
        mask[c, np.searchsorted(np.asarray(knots[c]), heaps)] = True
    return new, mask


#: a column's heaps are tried when :func:`heap_test`'s p-value is below this over the number of
#: columns with heaps (Bonferroni)
HEAP_ALPHA = 0.01


def heap_columns(lay: TermLayout, enc, y: np.ndarray, sw: np.ndarray,
                 alpha: float = HEAP_ALPHA) -> tuple[dict[int, tuple[np.ndarray, np.ndarray]], np.ndarray, dict[str, float]]:
    """The free (not monotone) numeric columns of ``lay`` whose heaps (:func:`heap_values` of
    the training rows ``enc``) pass :func:`heap_test` (binary ``y``, weights ``sw``):
    ({encoder column: (heaps, sorted distinct training values)}, (n_numeric,) prior precision
    of the offsets (1 elsewhere), {name: p-value} of every column with heaps)."""
    yy, ww = np.asarray(y, dtype=np.float64).reshape(-1), mean_one_weights(sw)
    cand = {}
    for name, num, c in zip(lay.names, lay.is_numeric, lay.col):
        if not num or lay.monotone[c] != 0:
            continue
        ok = enc.missing[:, c] < 0.5
        x = enc.numeric[ok, c].astype(np.float64)
        heaps = heap_values(np.sort(x))
        if len(heaps):
            cand[c] = (name, heaps, x, ok)
    out, prec, pvals = {}, np.ones(len(lay.knots)), {}
    for c, (name, heaps, x, ok) in cand.items():
        p, prec_c = heap_test(x, yy[ok], ww[ok], heaps)
        pvals[name] = p
        if p < alpha / len(cand):
            out[c], prec[c] = (heaps, np.unique(x)), prec_c
    return out, prec, pvals


def heap_stage(best: tuple, enc, y: np.ndarray, sw: np.ndarray, pair_knots: int, margin_se: float | None,
               refit) -> tuple[tuple, tuple[np.ndarray, np.ndarray] | None, dict]:
    """The mains fitted again with the heaps of :func:`heap_columns` (``best``: (layout, lo, w,
    mass, mains fit) of the plain fit; ``refit(layout, lo, w, mass, (heap knots, precisions))``
    fits the mains); (``best`` or the heaps' fit where it lowers the bags' validation loss by
    more than ``margin_se`` paired SE, the heaps kept or None, {"heaps": record} or {})."""
    cols, prec, pvals = heap_columns(best[0], enc, y, sw)
    if not cols:
        return best, None, {}
    lay, mask = heap_layout(best[0], cols, pair_knots)
    lo, w = lay.encode_main(enc)
    mass = main_mass(lay, lo, w, sw)
    alt = refit(lay, lo, w, mass, (mask, prec))
    kept = bool(improves(alt[3], best[4][3], margin_se))
    record = {"p_values": {k: float(f"{v:.3g}") for k, v in pvals.items()},
              "columns": [n for n, num, c in zip(lay.names, lay.is_numeric, lay.col) if num and c in cols],
              "val_loss": float(alt[3].best_val_loss), "kept": kept}
    return ((lay, lo, w, mass, alt), (mask, prec), {"heaps": record}) if kept else (best, None, {"heaps": record})

"""Empirical-Bayes prior of the free knot values (``MainEffectNet``'s ``knot_free``)."""

from __future__ import annotations

import numpy as np

__all__ = ["knot_value_prior"]

#: the knot values' prior precision lies in [1, KNOT_MAX_PRECISION] (standard deviation 1 to
#: 0.01 logits): a feature whose residuals show no structure beyond noise keeps its network's
#: smooth shape
KNOT_MAX_PRECISION = 1e4


def knot_value_prior(lay, lo: np.ndarray, w: np.ndarray, logit: np.ndarray, y: np.ndarray,
                     sw: np.ndarray) -> np.ndarray:
    """Prior precision (n_numeric,) of each numeric feature's free knot values, in encoder
    order, from the residuals of a smooth fit (``logit``, (n,), binary log-odds).

    Each knot gathers the residuals ``y - p`` of the rows that read it, with their
    interpolation weights. Without structure the smooth fit missed, a knot's weighted mean
    residual is noise of known variance (``p (1 - p)``); what the feature's knots spread
    beyond that is the variance ``tau^2`` of the values the smooth shape cannot bend to (the
    one-way random-effects estimator, as the category levels' prior), turned into log-odds by
    the slope of the logit at the mean rate. Precision ``1 / tau^2``, clipped to
    [1, :data:`KNOT_MAX_PRECISION`]."""
    p = 1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30)))
    sw = np.asarray(sw, dtype=np.float64)
    sw = sw * (len(sw) / sw.sum())
    r, v = sw * (y - p), sw * p * (1.0 - p)
    v_bar = float(v.sum() / sw.sum())
    size = lay.main_size() + 1
    out = np.full(len(lay.knots), KNOT_MAX_PRECISION)
    if v_bar <= 0:
        return out
    for i, (num, c) in enumerate(zip(lay.is_numeric, lay.col)):
        if not num or len(lay.knots[c]) < 3:
            continue
        a0, a1 = 1.0 - w[:, i].astype(np.float64), w[:, i].astype(np.float64)
        sums = {}
        for name, x in (("m", sw), ("r", r), ("q", v)):
            sq = name == "q"
            sums[name] = (np.bincount(lo[:, i], x * (a0 ** 2 if sq else a0), size)
                          + np.bincount(lo[:, i] + 1, x * (a1 ** 2 if sq else a1), size))
        knots = lay.main_slot(i)[:-1]  # the real knots (not the missing slot)
        m, rs, q = sums["m"][knots], sums["r"][knots], sums["q"][knots]
        seen = m > 0
        spread = float(((rs[seen] ** 2 - q[seen]) / m[seen]).sum())  # sum_k m_k (mean_k^2 - noise_k)
        tau2 = max(spread, 0.0) / float(m[seen].sum()) / v_bar ** 2
        out[c] = KNOT_MAX_PRECISION if tau2 <= 0 else float(np.clip(1.0 / tau2, 1.0, KNOT_MAX_PRECISION))
    return out

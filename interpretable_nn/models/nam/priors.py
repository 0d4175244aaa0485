"""How the NAM holds back what few rows support: the empirical-Bayes prior of its free values
(category levels, and the numeric columns fitted as one free value per distinct value, as
EBM's bins are, instead of by a network), the weight of each numeric shape's spread penalty
(off by default), and the pace of the pair grids' sparse cells."""

from __future__ import annotations

import numpy as np

__all__ = ["mean_one_weights", "level_precision", "empirical_logit", "smooth_misfit_pvalue", "discrete_columns", "discrete_prior", "numeric_prior", "pair_scales"]


def mean_one_weights(sw) -> np.ndarray:
    """Sample weights as float64 scaled to mean 1: a row counts once, so scaling every weight
    changes nothing (the weights set the rates, not the number of rows)."""
    sw = np.asarray(sw, dtype=np.float64)
    return sw * (len(sw) / sw.sum())


def _binary_rate(y, sw) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(``y`` as float64, the weights at mean 1, the weighted event rate ``p``, ``p (1 - p)``)."""
    sw = mean_one_weights(sw)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    p_bar = float(np.average(y, weights=sw))
    return y, sw, p_bar, p_bar * (1.0 - p_bar)


def _knot_codes(lo: np.ndarray, w: np.ndarray, i: int, offset: int) -> np.ndarray:
    """Each row's knot of main term ``i`` when the rows read knots exactly (``w`` 0 or 1):
    the corner ``lo`` points at, or the next where the weight is 1."""
    return (lo[:, i] - offset) + np.rint(w[:, i]).astype(np.int64)


def level_precision(codes: np.ndarray, size: int, y: np.ndarray, sw: np.ndarray, p_bar: float, var: float,
                    max_precision: float) -> float:
    """Prior precision ``1 / tau^2`` of the values of one grouping (``codes`` in [0, size)),
    clipped to [1, ``max_precision``]. ``tau^2`` is the variance of the groups' true rates
    from the one-way random-effects ANOVA estimator (between-group sum of squares minus what
    binomial noise alone gives), turned into log-odds units by the slope of the logit at the
    mean rate ``p_bar`` (``var = p_bar (1 - p_bar)``). Groups that differ no more than chance
    would make them get ``max_precision``; fewer than two groups seen, 1."""
    m = np.bincount(codes, weights=sw, minlength=size)
    k = np.bincount(codes, weights=sw * y, minlength=size)
    seen = m > 0
    total = float(m.sum())
    denom = total - float((m[seen] ** 2).sum()) / total if total > 0 else 0.0
    if seen.sum() < 2 or denom <= 0:
        return 1.0
    between = float((m[seen] * (k[seen] / m[seen] - p_bar) ** 2).sum()) - (seen.sum() - 1) * var
    if var ** 2 <= 0:  # one class holds (almost) all the weight: rates cannot differ
        return max_precision
    tau2 = max(between / denom, 0.0) / var ** 2
    return max_precision if tau2 <= 0 else float(np.clip(1.0 / tau2, 1.0, max_precision))


def empirical_logit(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log-odds, their variance) of ``k`` events in ``n`` rows (weighted counts), half an
    event added to each side: finite for 0 and ``n`` events."""
    ev, non = k + 0.5, n - k + 0.5
    return np.log(ev / non), 1.0 / ev + 1.0 / non


def smooth_misfit_pvalue(codes: np.ndarray, size: int, y: np.ndarray, sw: np.ndarray) -> float:
    """p-value of a lack-of-fit test of a smooth trend in the event rate over ordered values
    (``codes`` in [0, ``size``), binary ``y``, weights ``sw`` as row counts): the empirical
    logits of the values seen (half an event added to each side) against their weighted
    least-squares cubic in the value's index (quadratic with four values seen),
    ``Q = sum (logit - fit)^2 / var`` on ``seen - degree - 1`` degrees of freedom
    (chi-squared under a smooth trend, which an S-shaped scale is). Small where the rate jumps
    between neighbouring codes; 1 with fewer than four values seen."""
    from scipy.stats import chi2

    m = np.bincount(codes, weights=sw, minlength=size)
    k = np.bincount(codes, weights=sw * y, minlength=size)
    seen = np.flatnonzero(m > 0)
    if len(seen) < 4:
        return 1.0
    logit, var = empirical_logit(k[seen], m[seen])
    x = (seen - seen.mean()) / max(float(np.ptp(seen)), 1.0)
    degree = min(3, len(seen) - 2)
    design = np.vander(x, degree + 1, increasing=True) / np.sqrt(var)[:, None]
    coef, *_ = np.linalg.lstsq(design, logit / np.sqrt(var), rcond=None)
    q = float(((logit / np.sqrt(var) - design @ coef) ** 2).sum())
    return float(chi2.sf(q, len(seen) - degree - 1))


def discrete_columns(lay, lo: np.ndarray, w: np.ndarray, max_values: int, y: np.ndarray | None = None,
                     sw: np.ndarray | None = None, alpha: float = 0.0) -> np.ndarray:
    """(n_numeric,) bool, encoder order: the free (not monotone) numeric columns with 3 to
    ``max_values`` knots that every non-missing training row reads exactly (a knot at each
    distinct value; ``lo``, ``w``: :meth:`TermLayout.encode_main` of the training rows).
    Their shapes are fitted as one free value per knot: a network's smooth shape cannot
    follow the jumps between the few values of a coded column (a rating, a band, a count).
    With ``alpha`` > 0 (binary ``y``, weights ``sw``), only the columns whose rate is not a
    smooth trend (:func:`smooth_misfit_pvalue` below ``alpha`` over the number of columns that
    qualify otherwise, Bonferroni): a count with a smooth trend keeps its network."""
    out = np.zeros(len(lay.knots), dtype=bool)
    if not max_values:
        return out
    off = lay.main_offsets()
    codes = {}
    for i, (num, c) in enumerate(zip(lay.is_numeric, lay.col)):
        if not num or lay.monotone[c] != 0 or not 3 <= (n_k := len(lay.knots[c])) <= max_values:
            continue
        real = (lo[:, i] - off[i]) < n_k  # rows not in the missing slot
        out[c] = bool(np.all((w[real, i] == 0.0) | (w[real, i] == 1.0)))
        if out[c] and alpha > 0:
            codes[c] = (_knot_codes(lo, w, i, off[i])[real], n_k, real)
    if codes:
        yy = np.asarray(y, dtype=np.float64).reshape(-1)
        ww = mean_one_weights(sw)
        for c, (code, n_k, real) in codes.items():
            out[c] = smooth_misfit_pvalue(code, n_k, yy[real], ww[real]) < alpha / len(codes)
    return out


def discrete_prior(lay, lo: np.ndarray, w: np.ndarray, discrete: np.ndarray, y: np.ndarray, sw: np.ndarray,
                   max_precision: float) -> np.ndarray:
    """(n_numeric,) prior precision of the free knot values of the ``discrete`` columns (1
    elsewhere, unused): :func:`level_precision` over the values the rows read, as a
    categorical column's levels get (binary targets; weights normalised to mean 1)."""
    out = np.ones(len(lay.knots))
    y, sw, p_bar, var = _binary_rate(y, sw)
    if var <= 0:
        return out
    off = lay.main_offsets()
    for i, (num, c) in enumerate(zip(lay.is_numeric, lay.col)):
        if num and discrete[c]:
            n_k = len(lay.knots[c])
            code = _knot_codes(lo, w, i, off[i])
            real = code < n_k
            out[c] = level_precision(code[real], n_k, y[real], sw[real], p_bar, var, max_precision)
    return out


def numeric_prior(lay, lo: np.ndarray, w: np.ndarray, y: np.ndarray, sw: np.ndarray, max_precision: float,
                  groups: int) -> np.ndarray:
    """(n_numeric,) weight of each numeric column's penalty on the spread of its contribution
    (0 where there is none): the empirical-Bayes precision :func:`level_precision` of the
    column's event rates over ``groups`` quantile groups of its rows (missing rows left out;
    binary targets), times ``groups / 2``: a Gaussian prior of that precision on ``groups``
    independent group effects, spread over the column's rows. A column whose groups differ no
    more than chance would make them (a noise column among many) is pulled hard toward flat
    while it trains; one with a real trend keeps a weight of ``groups / 2``, which a thousand
    rows outweigh. Divide by the training rows for the loss's scale."""
    out = np.zeros(len(lay.knots))
    y, sw, p_bar, var = _binary_rate(y, sw)
    if groups < 2 or var <= 0:
        return out
    off = lay.main_offsets()
    for i, (num, c) in enumerate(zip(lay.is_numeric, lay.col)):
        if not num:
            continue
        pos = (lo[:, i] - off[i]) + w[:, i]  # each row's place on the knot grid
        real = pos < len(lay.knots[c])  # the missing slot sits past the real knots
        if real.sum() < 2 * groups:
            continue
        ranks = np.argsort(np.argsort(pos[real], kind="stable"), kind="stable")
        code = (ranks * groups) // int(real.sum())
        out[c] = level_precision(code, groups, y[real], sw[real], p_bar, var, max_precision) * groups / 2.0
    return out


def pair_scales(lay, p_mass: np.ndarray) -> np.ndarray:
    """Per-cell scales of the interaction grids, ``sqrt(share / largest share)`` within each
    pair. Adam moves every parameter about ``lr`` per step whatever its gradient; scaled, a
    cell seen in a handful of rows moves slower than one seen in hundreds, so early stopping
    shrinks sparse cells, much as boosting's small steps do."""
    out = np.zeros(len(p_mass), dtype=np.float32)
    off, _ = lay.pair_offsets()
    for p, (a, b) in enumerate(lay.pairs):
        sl = slice(off[p], off[p] + lay.axis_size(a) * lay.axis_size(b))
        out[sl] = np.sqrt(p_mass[sl] / max(p_mass[sl].max(), 1e-12))
    return out

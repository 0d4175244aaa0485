"""Interaction ranking by the best small tree on each pair (EBM's FAST).

:func:`~interpretable_nn.models.nam.layout.rank_pairs` scores a pair by the loss reduction of
a full coarse grid beyond its two margins, less its degrees of freedom: a diffuse grid of many
weak cells can outrank a pair whose interaction sits in one region, and a pair with a mostly
missing column (e.g. a joint applicant's income) has few cells and little reduction. FAST
(Lou et al., 2013, the ranking EBM uses) instead scores each pair by its best two-level tree
on the residuals of the main effects: one cut on one axis, then one cut on the other axis
within each half, the best of both orders, which finds an interaction concentrated in one
region whatever the rest of the grid holds.
"""

from __future__ import annotations

import numpy as np

from ...data.encoding import EncodedData
from .layout import TermLayout, _rank_bins

__all__ = ["rank_pairs_fast"]


def _order_categories(layout: TermLayout, bins: list[np.ndarray], grad: np.ndarray, hess: np.ndarray,
                      reg: float) -> list[np.ndarray]:
    """Category codes renumbered by their residual ratio ``G / (H + reg)`` (numeric bins
    unchanged): a cut on the ordered codes is the best split of the levels into two sets."""
    out = []
    for num, b in zip(layout.is_numeric, bins):
        if num or not len(b):
            out.append(b)
            continue
        m = int(b.max()) + 1
        ratio = np.bincount(b, grad, m) / (np.bincount(b, hess, m) + reg)
        rank = np.empty(m, dtype=np.int64)
        rank[np.argsort(ratio, kind="stable")] = np.arange(m)
        out.append(rank[b])
    return out


def _halves_gain(g: np.ndarray, h: np.ndarray, c: np.ndarray, reg: float, min_rows: float) -> float:
    """Best gain of a two-level tree on the (A, C) cell sums: a cut on the first axis, then
    at most one cut on the second axis within each half. Gain = sum over leaves of
    ``G^2 / (H + reg)`` less the same for the whole grid."""
    def best_cut(xg, xh, xc):  # (A-1, C) sums of one half per first-axis cut: best second cut
        sg, sh, sc = xg.cumsum(-1), xh.cumsum(-1), xc.cumsum(-1)
        tg, th, tc = sg[:, -1:], sh[:, -1:], sc[:, -1:]
        lg, lh, lc = sg[:, :-1], sh[:, :-1], sc[:, :-1]
        split = lg**2 / (lh + reg) + (tg - lg) ** 2 / (th - lh + reg)
        split = np.where((lc < min_rows) | (tc - lc < min_rows), -np.inf, split)
        whole = tg[:, 0] ** 2 / (th[:, 0] + reg)
        return np.maximum(whole, split.max(-1) if split.shape[1] else whole), tc[:, 0]

    if g.shape[0] < 2:
        return 0.0
    cg, ch, cc = g.cumsum(0)[:-1], h.cumsum(0)[:-1], c.cumsum(0)[:-1]
    lo, lo_rows = best_cut(cg, ch, cc)
    up, up_rows = best_cut(g.sum(0) - cg, h.sum(0) - ch, c.sum(0) - cc)
    gain = np.where((lo_rows < min_rows) | (up_rows < min_rows), -np.inf, lo + up)
    return float(gain.max() - g.sum() ** 2 / (h.sum() + reg))


def _axis_gain(g: np.ndarray, h: np.ndarray, c: np.ndarray, reg: float, min_rows: float) -> float:
    """Best gain of a two-level tree on one axis (1-D sums): a cut, then at most one more
    cut within each half (up to four leaves, the pair tree's budget)."""
    def leaf(i, j):
        return g[i:j].sum() ** 2 / (h[i:j].sum() + reg) if c[i:j].sum() >= min_rows else -np.inf

    def half(i, j):
        return max([leaf(i, j)] + [leaf(i, k) + leaf(k, j) for k in range(i + 1, j)])

    m = len(g)
    best = max([half(0, t) + half(t, m) for t in range(1, m)], default=leaf(0, m))
    return float(best - g.sum() ** 2 / (h.sum() + reg))


def rank_pairs_fast(
    layout: TermLayout,
    enc: EncodedData,
    grad: np.ndarray,
    hess: np.ndarray,
    n_bins: int = 32,
    candidates: list[tuple[int, int]] | None = None,
    reg: float = 1.0,
    min_rows: float = 10.0,
) -> list[tuple[tuple[int, int], float]]:
    """Rank feature pairs by the gain of their best two-level tree on the residual
    gradients ``grad`` and hessians ``hess`` of the main effects (``n_bins`` quantile bins
    per numeric feature plus a missing bin; category codes ordered by their residual ratio),
    the better of the two cut orders; a leaf keeps at least ``min_rows`` rows. The score is
    that gain less the larger of the two margins' best gain with the same budget of
    cuts on one axis (what the tree would gain without any interaction), so a positive score is
    structure neither margin explains. Returns ((a, b), score), best first."""
    bins = _order_categories(layout, _rank_bins(layout, enc, n_bins), grad, hess, reg)
    f = len(layout.names)
    if candidates is None:
        candidates = [(a, b) for a in range(f) for b in range(a + 1, f)]
    scale = float(np.sum(grad**2) / max(np.sum(hess), 1e-12)) if np.allclose(hess, hess[0]) else 1.0
    scale = max(scale, 1e-12)
    ones = np.ones(len(grad))
    sizes = [int(b.max()) + 1 if len(b) else 1 for b in bins]
    margin = [_axis_gain(*(np.bincount(b, x, m) for x in (grad, hess, ones)), reg, min_rows)
              for b, m in zip(bins, sizes)]
    scores = []
    for a, b in candidates:
        ma, mb = sizes[a], sizes[b]
        cell = bins[a] * mb + bins[b]
        g, h, c = (np.bincount(cell, x, ma * mb).reshape(ma, mb) for x in (grad, hess, ones))
        gain = max(_halves_gain(g, h, c, reg, min_rows), _halves_gain(g.T, h.T, c.T, reg, min_rows))
        scores.append(((a, b), (gain - max(margin[a], margin[b])) / scale))
    return sorted(scores, key=lambda t: -t[1])

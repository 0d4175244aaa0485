"""Where every term of a neural additive model lives: knot grids, flat table layout, row
indexing, interaction ranking and the centring/purification that turns trained tables into
identifiable terms.

Main terms
    A numeric feature's axis is its knot grid in standardized units: its distinct training
    values when there are at most ``max_knots``, else the centres of ``max_knots`` equal-mass
    bins (training quantiles, see :meth:`TermLayout.from_encoder`), plus one *missing* slot. A row between two knots reads their values by linear interpolation; outside the
    range it reads the end knot (constant extrapolation). A categorical feature's axis is
    its codes (0 = missing, 1 = unseen, 2+ = levels).
Pair terms
    A numeric feature's pair axis is a subset of at most ``pair_knots`` of its main knots
    (always including both ends) plus the missing slot; a categorical feature's pair axis
    is again its codes. A pair's grid is read by bilinear interpolation.

Because pair knots are main knots, the part of a pair that depends on one feature only is
piecewise linear on that feature's main knots, so :func:`bake` can move it into the main
term *exactly* (purification); after that every term is centred on the training rows, so
the intercept is the mean training prediction.

Why this file passes 500 lines: every function here reads or writes the same flat offsets of
:class:`TermLayout` (knots, row encoding, pair axes, ranking grids, baking); kept together,
one change of the layout cannot miss one of its readers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ...data.encoding import EncodedData, TabularEncoder

__all__ = ["TermLayout", "knot_levels", "rank_pairs", "bake", "main_mass", "pair_mass"]


def _subsample(n: int, k: int) -> list[int]:
    """At most ``k`` indices of ``range(n)``, evenly spread, both ends included."""
    if n <= k:
        return list(range(n))
    return sorted({int(round(v)) for v in np.linspace(0, n - 1, k)})


#: the outermost knots still have about this many training rows around them
TAIL_ROWS = 10


def knot_levels(k: int, n: int) -> np.ndarray:
    """Quantile levels of the knots: the centres of ``k`` equal-mass bins, refined toward
    both tails by halving (1/(4k), 1/(8k), ...) while a knot keeps about ``TAIL_ROWS`` rows:
    the curve can bend in a sparse tail, yet its ends are not pinned by single outliers."""
    levels = list((np.arange(k) + 0.5) / k)
    p = 1.0 / (4 * k)
    while p * n >= TAIL_ROWS:
        levels += [p, 1.0 - p]
        p /= 2
    return np.sort(levels)


def quantile_knots(v: np.ndarray, k: int) -> np.ndarray:
    """Knots of the sorted values ``v`` (more than ``k`` distinct): the quantiles at
    :func:`knot_levels`, duplicates dropped."""
    return np.unique(np.quantile(v, knot_levels(k, len(v))))


def tie_aware_knots(v: np.ndarray, k: int, rounds: int = 4) -> np.ndarray:
    """:func:`quantile_knots`, except that a value holding at least ``1/k`` of the rows (a
    mass point: zero in a count column) is a knot of its own and the other knots are the
    quantiles of the remaining rows, so that ties do not eat the grid: with 85% zeros, 16
    quantile knots collapse to six or fewer, here about 16. Repeated while the remaining rows
    have new mass points (at most ``rounds`` times); never fewer knots than the plain rule."""
    plain = quantile_knots(v, k)
    first = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])  # ``v`` is sorted: runs of equal values
    u, counts = v[first], np.diff(np.r_[first, len(v)])
    heavy = np.zeros(len(u), dtype=bool)
    for _ in range(rounds):
        rest, budget = counts[~heavy].sum(), k - int(heavy.sum())
        new = ~heavy & (counts * budget >= rest) if budget > 1 else np.zeros_like(heavy)
        if not new.any():
            break
        heavy |= new
    if not heavy.any() or int(heavy.sum()) >= k or (~heavy).sum() <= k - heavy.sum():
        return plain
    z = np.unique(np.r_[u[heavy], quantile_knots(v[~np.repeat(heavy, counts)], k - int(heavy.sum()))])
    return z if len(z) > len(plain) else plain


@dataclass
class TermLayout:
    """Knot grids and flat-table offsets of an additive model (plain data, JSON round-trip).

    Attributes
    ----------
    names : list of str
        Features in schema order (the order of the main terms).
    is_numeric : list of bool
    col : list of int
        Column of each feature in ``EncodedData.numeric`` or ``EncodedData.codes``.
    knots : list of list of float
        Main knots (standardized units) of each numeric feature, in encoder order.
    cat_sizes : list of int
        Codes per categorical feature (levels + missing + unseen), encoder order.
    monotone : list of int
        +1 / -1 / 0 per numeric feature.
    pair_knots : list of list of int
        Per numeric feature, the indices of the main knots on its pair axis.
    pairs : list of [int, int]
        Interaction terms as schema indices.
    """

    names: list[str]
    is_numeric: list[bool]
    col: list[int]
    knots: list[list[float]]
    cat_sizes: list[int]
    monotone: list[int]
    pair_knots: list[list[int]]
    pairs: list[list[int]] = field(default_factory=list)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_encoder(
        cls, encoder: TabularEncoder, enc: EncodedData | None = None, max_knots: int = 32, pair_knots: int = 32,
        ties: bool = False,
    ) -> TermLayout:
        """Knot grids of every numeric feature.

        A feature with at most ``max_knots`` distinct training values gets a knot at each
        value. Otherwise the knots are the training quantiles at the centres of
        ``max_knots`` equal-mass bins, ``(i + 1/2) / max_knots``, plus tail knots at
        ``1/(4 max_knots), 1/(8 max_knots), ...`` (and their mirror images) as long as about
        ``TAIL_ROWS`` rows lie beyond them: an outlier reads the end knot's value (constant
        extrapolation) instead of pinning the end of the curve by itself. The
        quantiles are taken from the encoded training rows ``enc`` when given, else from
        :attr:`FeatureSpec.quantiles <interpretable_nn.data.schema.FeatureSpec>` (which keep
        the extremes). ``ties=True``: :func:`tie_aware_knots` instead of the plain quantiles.
        """
        schema = encoder.schema_
        num_pos = {n: j for j, n in enumerate(encoder.numeric_names_)}
        cat_pos = {n: j for j, n in enumerate(encoder.categorical_names_)}
        knots, mono, pk = [], [], []
        for j, f in enumerate(schema.numeric):
            if enc is not None:
                v = enc.numeric[enc.missing[:, j] < 0.5, j].astype(np.float64)
            else:
                v = encoder.from_raw(f.name, np.asarray(f.quantiles, dtype=float))
            v = np.sort(v)  # once: the distinct values and the quantiles both read it (np.unique sorted again)
            uniq = v[np.r_[True, v[1:] != v[:-1]]] if len(v) and not np.isnan(v[-1]) else np.unique(v)
            if len(uniq) == 0:
                z = np.zeros(1)
            elif len(uniq) <= max_knots:
                z = uniq
            else:
                z = (tie_aware_knots if ties else quantile_knots)(v, max_knots)
            knots.append([float(t) for t in z])
            mono.append(int(f.monotone))
            pk.append(_subsample(len(z), pair_knots))
        return cls(
            names=list(schema.names),
            is_numeric=[f.is_numeric for f in schema],
            col=[num_pos[f.name] if f.is_numeric else cat_pos[f.name] for f in schema],
            knots=knots,
            cat_sizes=[int(s) for s in encoder.cat_sizes_],
            monotone=mono,
            pair_knots=pk,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TermLayout:
        return cls(**d)

    # ------------------------------------------------------------------ sizes
    @property
    def n_knots(self) -> int:
        """Padded knot count K of the numeric block."""
        return max([len(k) for k in self.knots], default=1)

    @property
    def n_numeric(self) -> int:
        return len(self.knots)

    def main_offsets(self) -> np.ndarray:
        """Flat offset of each feature's segment (schema order)."""
        stride = self.n_knots + 1
        cat_off = np.concatenate([[0], np.cumsum(self.cat_sizes)]).astype(np.int64) + self.n_numeric * stride
        return np.array(
            [c * stride if num else cat_off[c] for num, c in zip(self.is_numeric, self.col)], dtype=np.int64
        )

    def main_size(self) -> int:
        return self.n_numeric * (self.n_knots + 1) + int(sum(self.cat_sizes)) + 1

    def padded_knots(self, knots: list[list[float]] | None = None) -> np.ndarray:
        """(n_numeric, K) knots (or other per-knot values of the same shape, such as
        :meth:`rank_coordinates`); padding repeats the last one (zero-width steps)."""
        k = self.n_knots
        out = np.zeros((self.n_numeric, k), dtype=np.float32)
        for j, t in enumerate(self.knots if knots is None else knots):
            out[j, : len(t)] = t
            out[j, len(t) :] = t[-1]
        return out

    def rank_coordinates(self, enc: EncodedData) -> list[list[float]]:
        """Each numeric knot's normal score on the training rows ``enc``: the standard
        normal quantile of its mid-rank, ``ndtri((#{x < t} + #{x == t} / 2) / n)`` (interpolated
        between training values), clipped to the ranks ``1/2`` and ``n - 1/2``. The main-effect networks read their knots in
        these coordinates (and the roughness penalty measures curvature in them), so a
        shape depends on the order of a feature's values and not on its scale, as a binned
        booster's does: a skewed feature's bulk is no longer squeezed next to its tail.
        Rows still read the fitted values by interpolation between the knots' own values;
        the fitted tables, and so every prediction and explanation, do not refer to them."""
        from scipy.special import ndtri

        out = []
        for j, t in enumerate(self.knots):
            v = np.sort(enc.numeric[enc.missing[:, j] < 0.5, j].astype(np.float64))
            n = len(v)
            if n == 0:
                out.append([0.0] * len(t))
                continue
            u, first, count = np.unique(v, return_index=True, return_counts=True)
            # a knot between two training values (a quantile) reads its rank by linear
            # interpolation, so distinct knots keep distinct, increasing coordinates
            mid = np.interp(np.asarray(t, dtype=np.float64), u, first + count / 2.0)
            out.append([float(x) for x in ndtri(np.clip(mid, 0.5, n - 0.5) / n)])
        return out

    def axis_size(self, i: int) -> int:
        """Length of feature ``i``'s pair axis (schema index)."""
        c = self.col[i]
        return len(self.pair_knots[c]) + 1 if self.is_numeric[i] else self.cat_sizes[c]

    def pair_offsets(self) -> tuple[np.ndarray, int]:
        sizes = [self.axis_size(a) * self.axis_size(b) for a, b in self.pairs]
        off = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        pad = max([self.axis_size(b) for _, b in self.pairs], default=0) + 2
        return off[:-1], int(off[-1] + pad)

    def pair_strides(self) -> np.ndarray:
        return np.array([self.axis_size(b) for _, b in self.pairs], dtype=np.int64)

    def monotone_terms(self) -> np.ndarray:
        """(n_features,) bool, schema order: the features with a monotone constraint."""
        return np.array([bool(num and self.monotone[c]) for num, c in zip(self.is_numeric, self.col)], dtype=bool)

    @property
    def pair_names(self) -> list[str]:
        return [f"{self.names[a]} x {self.names[b]}" for a, b in self.pairs]

    # ------------------------------------------------------------------ rows
    @staticmethod
    def _interp_index(z: np.ndarray, miss: np.ndarray, knots: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
        """Per numeric column: (lower knot index, weight toward the next knot); missing
        rows get index = len(knots) (the missing slot) and weight 0. Vectorised over
        features with a batched ``torch.searchsorted``."""
        n, f = z.shape
        if f == 0:
            return np.zeros((n, 0), np.int64), np.zeros((n, 0), np.float32)
        k = max(len(t) for t in knots)
        grid = np.full((f, k), np.inf, dtype=np.float64)
        for j, t in enumerate(knots):
            grid[j, : len(t)] = t
        # in torch, features by rows, a chunk of rows at a time (NumPy on the whole
        # transposed arrays took 8.9 s at 1M rows x 50 features, this 1.9 s), the same
        # operations elementwise
        g = torch.from_numpy(grid)
        sizes = torch.as_tensor([len(t) for t in knots], dtype=torch.int64)[:, None]
        top_lo, top = (sizes - 2).clamp(min=0), sizes - 1  # the last lower knot, the last knot
        z_t = torch.from_numpy(np.ascontiguousarray(z.T, dtype=np.float64))  # (f, n)
        miss_t = torch.from_numpy(np.ascontiguousarray(miss.T, dtype=bool))
        lo_out, w_out = np.empty((n, f), np.int64), np.empty((n, f), np.float32)
        step = max(1, (1 << 20) // f)
        for s in range(0, n, step):
            zz = z_t[:, s : s + step].contiguous()
            lo = torch.minimum((torch.searchsorted(g, zz, right=True) - 1).clamp(min=0), top_lo)
            hi = torch.minimum(lo + 1, top)
            t_lo, t_hi = torch.gather(g, 1, lo), torch.gather(g, 1, hi)
            inside = hi > lo
            w = torch.where(inside, ((zz - t_lo) / torch.where(inside, t_hi - t_lo, 1.0)).clamp(0.0, 1.0), 0.0)
            m = miss_t[:, s : s + step]
            lo_out[s : s + step] = torch.where(m, sizes, lo).T.numpy()
            w_out[s : s + step] = torch.where(m, 0.0, w).T.to(torch.float32).numpy()
        return lo_out, w_out

    def encode_main(self, enc: EncodedData) -> tuple[np.ndarray, np.ndarray]:
        """(lo, w), each (n, n_features) in schema order: flat table position of the lower
        knot (or missing slot / category code) and the interpolation weight."""
        miss = enc.missing > 0.5
        lo_n, w_n = self._interp_index(enc.numeric, miss, self.knots)
        lo_n = np.where(miss, self.n_knots, lo_n)  # the missing slot follows the padded knots
        off = self.main_offsets()
        n = len(enc)
        lo = np.zeros((n, len(self.names)), np.int64)
        w = np.zeros((n, len(self.names)), np.float32)
        num = np.array(self.is_numeric, dtype=bool)
        cols = np.array(self.col, dtype=np.int64)
        if num.any():
            lo[:, num] = lo_n[:, cols[num]]
            w[:, num] = w_n[:, cols[num]]
        if (~num).any():
            lo[:, ~num] = enc.codes[:, cols[~num]]
        return lo + off[None, :], w

    def encode_axes(self, enc: EncodedData) -> tuple[np.ndarray, np.ndarray]:
        """Pair-axis (index, weight), each (n, n_features) in schema order."""
        pk = [[t[i] for i in idx] for t, idx in zip(self.knots, self.pair_knots)]
        lo_n, w_n = self._interp_index(enc.numeric, enc.missing > 0.5, pk)
        n = len(enc)
        idx = np.zeros((n, len(self.names)), np.int64)
        w = np.zeros((n, len(self.names)), np.float32)
        for i, (num, c) in enumerate(zip(self.is_numeric, self.col)):
            if num:
                idx[:, i], w[:, i] = lo_n[:, c], w_n[:, c]
            else:
                idx[:, i] = enc.codes[:, c]
        return idx, w

    def encode_pairs(self, enc: EncodedData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(base, wa, wb), each (n, n_pairs): flat position of each pair's lower corner and
        the bilinear weights."""
        n = len(enc)
        if not self.pairs:
            z = np.zeros((n, 0))
            return z.astype(np.int64), z.astype(np.float32), z.astype(np.float32)
        idx, w = self.encode_axes(enc)
        a = np.array([p[0] for p in self.pairs])
        b = np.array([p[1] for p in self.pairs])
        off, _ = self.pair_offsets()
        base = off[None, :] + idx[:, a] * self.pair_strides()[None, :] + idx[:, b]
        return base.astype(np.int64), w[:, a], w[:, b]

    # ------------------------------------------------------------------ table maps
    def main_segments(self) -> np.ndarray:
        """Term index of every flat main entry (-1 for padding)."""
        seg = np.full(self.main_size(), -1, dtype=np.int64)
        off = self.main_offsets()
        for i, (num, c) in enumerate(zip(self.is_numeric, self.col)):
            size = len(self.knots[c]) + 1 if num else self.cat_sizes[c]
            if num:  # the real knots and the missing slot; padding knots stay -1
                seg[off[i] : off[i] + len(self.knots[c])] = i
                seg[off[i] + self.n_knots] = i
            else:
                seg[off[i] : off[i] + size] = i
        return seg

    def main_slot(self, i: int) -> np.ndarray:
        """Flat positions of feature ``i``'s entries: its knots then its missing slot (numeric),
        or its codes (categorical)."""
        off = int(self.main_offsets()[i])
        c = self.col[i]
        if self.is_numeric[i]:
            return np.r_[off + np.arange(len(self.knots[c])), off + self.n_knots]
        return off + np.arange(self.cat_sizes[c])

    def axis_to_main(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """(positions, M): a function given by its values ``v`` on feature ``i``'s pair axis
        equals ``v @ M.T`` at the main table's ``positions`` (linear interpolation between
        pair knots onto every main knot; the missing slot / codes map one to one)."""
        slot = self.main_slot(i)
        if not self.is_numeric[i]:
            return slot, np.eye(len(slot))
        c = self.col[i]
        z = np.asarray(self.knots[c], dtype=float)
        pk = np.asarray(self.pair_knots[c], dtype=np.int64)
        m = np.zeros((len(z) + 1, len(pk) + 1))
        for j in range(len(pk)):  # hat function of pair knot j evaluated at the main knots
            hat = np.zeros(len(pk))
            hat[j] = 1.0
            m[:-1, j] = np.interp(z, z[pk], hat)
        m[-1, -1] = 1.0
        return slot, m

    def pair_neighbours(self) -> np.ndarray:
        """(2, D) flat index pairs of adjacent knots along the numeric axes of every pair
        grid (missing slots and categorical axes excluded): the smoothness penalty's pairs."""
        off, _ = self.pair_offsets()
        out = []
        for p, (a, b) in enumerate(self.pairs):
            sa, sb = self.axis_size(a), self.axis_size(b)
            grid = off[p] + np.arange(sa * sb).reshape(sa, sb)
            if self.is_numeric[a] and sa > 2:
                out.append(np.stack([grid[:-2, :].ravel(), grid[1:-1, :].ravel()]))
            if self.is_numeric[b] and sb > 2:
                out.append(np.stack([grid[:, :-2].ravel(), grid[:, 1:-1].ravel()]))
        return np.concatenate(out, axis=1) if out else np.zeros((2, 0), np.int64)


# ---------------------------------------------------------------------- masses
def main_mass(layout: TermLayout, lo: np.ndarray, w: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Share of the training rows each flat main entry carries (interpolation weights)."""
    wt = np.ones(len(lo)) if weight is None else weight
    t = layout.main_size()
    m = np.bincount(lo.ravel(), ((1 - w) * wt[:, None]).ravel(), minlength=t)
    m += np.bincount((lo + 1).ravel(), (w * wt[:, None]).ravel(), minlength=t)
    return m[:t] / max(wt.sum(), 1e-12)


def pair_mass(layout: TermLayout, base, wa, wb, weight: np.ndarray | None = None) -> np.ndarray:
    """Share of the training rows each flat pair-grid entry carries (bilinear weights)."""
    _, size = layout.pair_offsets()
    if not layout.pairs:
        return np.zeros(size)
    wt = np.ones(len(base)) if weight is None else weight
    stride = layout.pair_strides()[None, :]
    m = np.zeros(size)
    for pos, wgt in (
        (base, (1 - wa) * (1 - wb)),
        (base + 1, (1 - wa) * wb),
        (base + stride, wa * (1 - wb)),
        (base + stride + 1, wa * wb),
    ):
        m += np.bincount(pos.ravel(), (wgt * wt[:, None]).ravel(), minlength=size)[:size]
    return m / max(wt.sum(), 1e-12)


# ---------------------------------------------------------------------- ranking
def _rank_bins(layout: TermLayout, enc: EncodedData, n_bins: int) -> list[np.ndarray]:
    """Coarse bins per feature for the interaction ranking: ``n_bins`` quantile bins (+1
    for missing) for numeric features, codes for categorical ones."""
    out = []
    for num, c in zip(layout.is_numeric, layout.col):
        if num:
            z, miss = enc.numeric[:, c], enc.missing[:, c] > 0.5
            v = z[~miss]
            edges = np.unique(np.quantile(v, np.linspace(0, 1, n_bins + 1)[1:-1])) if len(v) else np.zeros(0)
            b = np.searchsorted(edges, z, side="right")
            out.append(np.where(miss, len(edges) + 1, b).astype(np.int64))
        else:
            out.append(enc.codes[:, c].astype(np.int64))
    return out


def rank_pairs(
    layout: TermLayout,
    enc: EncodedData,
    grad: np.ndarray,
    hess: np.ndarray,
    n_bins: int = 8,
    candidates: list[tuple[int, int]] | None = None,
    reg: float = 1.0,
) -> list[tuple[tuple[int, int], float]]:
    """Rank feature pairs by the interaction left in the residuals of the main effects.

    On a coarse grid (``n_bins`` quantile bins per numeric feature plus a missing bin,
    category codes for categorical ones) every pair's cells get a Newton step on the
    residual gradients ``grad`` and hessians ``hess`` of the main-effect model (the idea
    behind EBM's FAST). The pair's score is the loss reduction of the cell model beyond
    what its two margins explain (two-way ANOVA inclusion-exclusion,
    ``sum_cells G^2/(H+reg) - sum_rows - sum_cols + total``), minus its interaction degrees
    of freedom (the reduction expected from noise alone; for a log-loss the Newton
    reduction per free cell is chi-square with one degree of freedom). A positive score is
    an interaction the data support. Cost: one ``bincount`` per pair, O(rows x pairs).

    Returns
    -------
    list of ((a, b), score), best first.
    """
    bins = _rank_bins(layout, enc, n_bins)
    f = len(layout.names)
    if candidates is None:
        candidates = [(a, b) for a in range(f) for b in range(a + 1, f)]
    # residual variance: 1 for log-loss (Var(g) = h), the mean squared residual otherwise
    scale = float(np.sum(grad**2) / max(np.sum(hess), 1e-12)) if np.allclose(hess, hess[0]) else 1.0
    scale = max(scale, 1e-12)

    def gain(g, h):
        nz = h > 0
        return float(np.sum(g[nz] ** 2 / (h[nz] + reg))), int(nz.sum())

    g_tot, _ = gain(np.array([grad.sum()]), np.array([hess.sum()]))
    margins = []
    for b in bins:
        m = int(b.max()) + 1 if len(b) else 1
        margins.append((gain(np.bincount(b, grad, m), np.bincount(b, hess, m)), m))
    scores = []
    for a, b in candidates:
        (ga, na), ma = margins[a]
        (gb, nb), mb = margins[b]
        cell = bins[a] * mb + bins[b]
        gc, nc = gain(np.bincount(cell, grad, ma * mb), np.bincount(cell, hess, ma * mb))
        df = nc - na - nb + 1
        scores.append(((a, b), (gc - ga - gb + g_tot) / scale - df))
    return sorted(scores, key=lambda t: -t[1])


def rank_on_residuals(layout: TermLayout, mono: set[str], task: str, enc, logit, target, weight, forced):
    """Score the candidate pairs on the residuals of the main effects (row logits ``logit``);
    the features named in ``mono`` (monotone) are no candidates (a pair would break their
    guarantee)."""
    names = layout.names
    free = [i for i, n in enumerate(names) if n not in mono]
    candidates = [(a, b) for k, a in enumerate(free) for b in free[k + 1 :]]
    candidates += [p for p in forced if p not in candidates]
    if task == "regression":
        grad, hess = (logit - target) * weight, weight.astype(float)
    else:
        prob = 1 / (1 + np.exp(-logit))
        grad, hess = (prob - target) * weight, prob * (1 - prob) * weight
    return rank_pairs(layout, enc, grad, hess, candidates=candidates)


# ---------------------------------------------------------------------- bake
def bake(
    layout: TermLayout,
    main: np.ndarray,
    pair: np.ndarray,
    bias: np.ndarray,
    m_mass: np.ndarray,
    p_mass: np.ndarray,
    purify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Identifiable tables from trained ones, per bag, without changing any prediction on
    the training rows' support.

    1. purification (``purify=True``): each pair loses the parts that depend on one of its
       features only (means under the product of its axes' marginal masses), moved exactly
       into the main terms;
    2. centring: every term gets mean zero over the training rows; the intercept absorbs
       the means;
    3. entries no training row reaches (unseen level, missing slot of a feature that had
       no missing values) are set to 0: such rows score as average on that term.

    Parameters are float64 arrays: ``main`` (B, T), ``pair`` (B, S), ``bias`` (B,), and the
    masses of :func:`main_mass` / :func:`pair_mass`.
    """
    main, pair, bias = main.astype(np.float64).copy(), pair.astype(np.float64).copy(), bias.astype(np.float64).copy()
    off, _ = layout.pair_offsets()
    dead_pair = np.zeros(len(p_mass), dtype=bool)  # cells on an axis slot no row reaches
    for p, (a, b) in enumerate(layout.pairs):
        sa, sb = layout.axis_size(a), layout.axis_size(b)
        sl = slice(off[p], off[p] + sa * sb)
        m = p_mass[sl].reshape(sa, sb)
        qa, qb = m.sum(1), m.sum(0)
        dead = (qa <= 0)[:, None] | (qb <= 0)[None, :]
        dead_pair[sl] = dead.ravel()
        g = pair[:, sl].reshape(-1, sa, sb) * ~dead
        if purify:
            qa, qb = qa / max(qa.sum(), 1e-300), qb / max(qb.sum(), 1e-300)
            row = g @ qb  # (B, sa): the part depending on a only
            g = g - row[:, :, None]
            col = np.einsum("bij,i->bj", g, qa)  # (B, sb)
            g = g - col[:, None, :]
            for i, v in ((a, row), (b, col)):
                pos, mat = layout.axis_to_main(i)
                main[:, pos] += v @ mat.T
        pair[:, sl] = g.reshape(len(g), -1)
    seg = layout.main_segments()
    for i in range(len(layout.names)):
        e = seg == i
        mean = main[:, e] @ m_mass[e]
        main[:, e] -= mean[:, None]
        bias += mean
    for p in range(len(layout.pairs)):
        sa, sb = layout.axis_size(layout.pairs[p][0]), layout.axis_size(layout.pairs[p][1])
        sl = slice(off[p], off[p] + sa * sb)
        mean = pair[:, sl] @ p_mass[sl]
        pair[:, sl] -= mean[:, None]
        bias += mean
    main[:, (m_mass <= 0) & (seg >= 0) & ~_knot_entries(layout)] = 0.0
    main[:, seg < 0] = 0.0
    pair[:, dead_pair] = 0.0
    return main, pair, bias


def _knot_entries(layout: TermLayout) -> np.ndarray:
    """Flat main entries that are numeric knots (kept even without mass: a knot between
    training values still shapes the interpolation)."""
    out = np.zeros(layout.main_size(), dtype=bool)
    for i, num in enumerate(layout.is_numeric):
        if num:
            out[layout.main_slot(i)[:-1]] = True
    return out

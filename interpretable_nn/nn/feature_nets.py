"""Batched feature networks and the lookup tables of additive models.

A neural additive model has one small network per feature. Evaluating them one by one (a
Python loop over an ``nn.ModuleList``, as the reference NAM implementations do) costs
O(rows x features) network evaluations per step and is bound by per-call overhead. Here:

* :class:`FeatureNets` holds the weights of all G = bags x features networks stacked in
  tensors and evaluates them together with batched matrix products (``torch.bmm``): no
  Python loop over features.
* The networks are evaluated only on a per-feature **knot grid** (training quantiles or
  unique values, at most a few hundred points), once per step; rows read the result by
  gather and linear interpolation (:func:`lerp_gather`). A step costs O(features x knots)
  network evaluations plus an O(rows x features) gather, and the model *is* the
  interpolated function, so explanations and shape plots that read the same tables are
  exact.
* :func:`monotone_values` turns network outputs into knot values that are monotone by
  construction (a cumulative sum of non-negative increments), for features with a
  monotone constraint.
* :class:`AdditiveTables` is the fitted, centred model: flat float64 tables for the main
  terms and the pairwise interaction grids (bilinear interpolation), with the per-bag
  tables kept for uncertainty bands.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from .table_reads import RowDesign, bilinear_gather, corner_weights, lerp_gather, lerp_sum

__all__ = [
    "FeatureNets",
    "monotone_values",
    "lerp_gather",
    "lerp_sum",
    "bilinear_gather",
    "corner_weights",
    "RowDesign",
    "AdditiveTables",
    "TermsOf",
    "MainEffectNet",
    "PairGridNet",
]

ACTIVATIONS = ("relu", "exu")


class FeatureNets(nn.Module):
    """G independent one-input, one-output MLPs with stacked weights.

    Parameters
    ----------
    n_groups : int
        Number of networks (bags x features).
    hidden_sizes : tuple of int
        Units per hidden layer, e.g. ``(64, 32)``.
    activation : {"relu", "exu"}
        First layer: ``relu(w x + b)`` or the NAM paper's exp-centred unit
        ``min(relu(exp(w) (x - b)), 1)`` (ReLU-1), which fits jagged shapes.
        Later layers use ReLU.
    dropout : float
        Dropout on the hidden units during training.
    centers : Tensor of shape (n_groups, n_points), optional
        Points (e.g. the feature's knots) from which the first layer's kinks are drawn,
        so every unit starts with its kink inside the data range.

    Examples
    --------
    >>> nets = FeatureNets(3, (8, 4))
    >>> nets(torch.linspace(-1, 1, 5).repeat(3, 1)).shape
    torch.Size([3, 5])
    """

    def __init__(
        self,
        n_groups: int,
        hidden_sizes: tuple[int, ...] = (64, 32),
        activation: str = "relu",
        dropout: float = 0.0,
        centers: torch.Tensor | None = None,
    ):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}; got {activation!r}.")
        if not hidden_sizes:
            raise ValueError("hidden_sizes needs at least one layer, e.g. (64, 32).")
        self.activation = activation
        self.dropout = float(dropout)
        g, h0 = int(n_groups), int(hidden_sizes[0])
        if centers is None:
            centers = torch.linspace(-2, 2, 33).repeat(g, 1)
        pick = torch.randint(0, centers.shape[1], (g, h0))
        kinks = torch.gather(centers.float(), 1, pick)
        if activation == "exu":
            # exp(w) around 1..3: kinks spread over the knots, moderately sharp
            self.w0 = nn.Parameter(torch.empty(g, h0).uniform_(0.0, 1.0))
            self.b0 = nn.Parameter(kinks.clone())
        else:
            sign = torch.where(torch.rand(g, h0) < 0.5, -1.0, 1.0)
            w = sign * torch.empty(g, h0).uniform_(0.5, 1.5)
            self.w0 = nn.Parameter(w)
            self.b0 = nn.Parameter(-w * kinks)
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for h_in, h_out in zip(hidden_sizes[:-1], hidden_sizes[1:]):
            bound = 1.0 / math.sqrt(h_in)
            self.weights.append(nn.Parameter(torch.empty(g, h_in, h_out).uniform_(-bound, bound)))
            self.biases.append(nn.Parameter(torch.empty(g, 1, h_out).uniform_(-bound, bound)))
        h_last = int(hidden_sizes[-1])
        # a small output layer: every shape function starts near zero
        self.w_out = nn.Parameter(torch.empty(g, h_last, 1).uniform_(-0.1, 0.1) / math.sqrt(h_last))
        self.b_out = nn.Parameter(torch.zeros(g, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Evaluate network g at the points ``x[g]``: (G, K) -> (G, K)."""
        x = x.unsqueeze(-1)  # (G, K, 1)
        if self.activation == "exu":
            h = torch.clamp(torch.exp(self.w0).unsqueeze(1) * (x - self.b0.unsqueeze(1)), 0.0, 1.0)
        else:
            h = F.relu(x * self.w0.unsqueeze(1) + self.b0.unsqueeze(1))
        for w, b in zip(self.weights, self.biases):
            if self.dropout and self.training:
                h = F.dropout(h, self.dropout)
            h = F.relu(torch.baddbmm(b, h, w))
        if self.dropout and self.training:
            h = F.dropout(h, self.dropout)
        return torch.baddbmm(self.b_out, h, self.w_out).squeeze(-1)


def monotone_values(raw: torch.Tensor, knots: torch.Tensor, sign: torch.Tensor) -> torch.Tensor:
    """Knot values, monotone by construction where ``sign != 0``.

    For a monotone feature the network output at knot j is read as a log-slope: the value
    at knot k is ``sign * sum_{j<k} softplus(raw_j) * (t_{j+1} - t_j)``, a cumulative sum
    of non-negative increments, so linear interpolation between knots is monotone too.
    Free features (``sign == 0``) keep ``raw``.

    Parameters
    ----------
    raw : Tensor (..., G, K)
        Network outputs at the knots.
    knots : Tensor (G, K)
        Increasing knots; padding knots repeat the last one (zero width).
    sign : Tensor (G,)
        +1, -1 or 0 per network.
    """
    width = (knots[:, 1:] - knots[:, :-1]).clamp(min=0.0)
    steps = F.softplus(raw[..., :-1] - 1.0) * width
    mono = torch.cat([torch.zeros_like(raw[..., :1]), torch.cumsum(steps, dim=-1)], dim=-1)
    s = sign.to(raw.dtype).unsqueeze(-1)
    return torch.where(s != 0, s * mono, raw)


class AdditiveTables(nn.Module):
    """A fitted additive model as lookup tables (float64 buffers, no trainable weights).

    ``decision = bias + sum_i main_i(x_i) + sum_p pair_p(x_a, x_b)``, each term read from
    ``main`` by linear interpolation and from ``pair`` by bilinear interpolation; the
    ``*_bags`` tables hold every bag's own (centred) tables for uncertainty bands.

    Parameters
    ----------
    main_bags : Tensor (B, T)
    pair_bags : Tensor (B, S)
    bias_bags : Tensor (B,)
    pair_stride : Tensor (P,) int64
    """

    def __init__(
        self,
        main_bags: torch.Tensor,
        pair_bags: torch.Tensor,
        bias_bags: torch.Tensor,
        pair_stride: torch.Tensor,
    ):
        super().__init__()
        self.register_buffer("main_bags", main_bags.double())
        self.register_buffer("pair_bags", pair_bags.double())
        self.register_buffer("bias_bags", bias_bags.double())
        self.register_buffer("main", main_bags.double().mean(0, keepdim=True))
        self.register_buffer("pair", pair_bags.double().mean(0, keepdim=True))
        self.register_buffer("bias", bias_bags.double().mean())
        self.register_buffer("pair_stride", pair_stride.long())

    def terms(self, lo, w, pair_base, pair_wa, pair_wb, bags: bool = False) -> torch.Tensor:
        """Contributions of every term: (n, F + P), or (B, n, F + P) with ``bags=True``."""
        main = self.main_bags if bags else self.main
        pair = self.pair_bags if bags else self.pair
        out = lerp_gather(main, lo, w)
        if pair_base.shape[1]:
            out = torch.cat([out, bilinear_gather(pair, pair_base, self.pair_stride, pair_wa, pair_wb)], -1)
        return out if bags else out[0]

    def forward(self, lo, w, pair_base, pair_wa, pair_wb) -> torch.Tensor:
        return self.bias + self.terms(lo, w, pair_base, pair_wa, pair_wb).sum(-1)


class TermsOf(nn.Module):
    """``tables.terms(...)`` (bags averaged) as a forward: chunked reads on any device."""

    def __init__(self, tables: AdditiveTables):
        super().__init__()
        self.tables = tables

    def forward(self, *inputs) -> torch.Tensor:
        return self.tables.terms(*inputs)


class MainEffectNet(nn.Module):
    """Training module of the main effects of ``n_bags`` additive models side by side.

    Flat table layout per bag (what :class:`AdditiveTables` and the row encoding use):
    numeric feature j owns entries ``[j (K + 1), (j + 1) (K + 1))`` (its K padded knots,
    then its learned missing value); the categorical levels of all categorical features
    follow in one block (``cat_size`` entries, codes 0 = missing, 1 = unseen, 2+ levels);
    one padding entry ends the table.

    ``forward(lo, w, *ignored)`` returns logits (n, n_bags); the output penalty and the
    feature dropout of the NAM paper apply to the per-feature contributions.
    """

    def __init__(
        self,
        knots: torch.Tensor,
        sign: torch.Tensor,
        cat_size: int,
        n_bags: int = 1,
        hidden_sizes: tuple[int, ...] = (64, 32),
        activation: str = "relu",
        dropout: float = 0.0,
        feature_dropout: float = 0.0,
        output_penalty: float = 0.0,
        init_bias: float = 0.0,
        mass: torch.Tensor | None = None,
        n_real: torch.Tensor | None = None,
        smoothness: float = 0.0,
        level_scale: float | torch.Tensor = 10.0,
        missing_scale: float | torch.Tensor = 10.0,
        level_prior: float | torch.Tensor = 0.0,
        keep: torch.Tensor | None = None,
        discrete: torch.Tensor | None = None,
        discrete_prior: float | torch.Tensor = 0.0,
        discrete_scale: float = 10.0,
        feature_penalty: torch.Tensor | None = None,
        heap: torch.Tensor | None = None,
        heap_prior: float | torch.Tensor = 0.0,
        heap_scale: float = 10.0,
    ):
        super().__init__()
        n_num, k = knots.shape
        self.n_bags, self.n_num, self.k = int(n_bags), int(n_num), int(k)
        self.register_buffer("knots", knots.float())
        self.register_buffer("sign", sign.float())
        self.feature_dropout = float(feature_dropout)
        self.output_penalty = float(output_penalty)
        self.smoothness = float(smoothness)
        # one weight per free value (numeric missing slots, then category codes) or one for all
        prior = torch.as_tensor(level_prior, dtype=torch.float32)
        self.register_buffer("level_prior", prior.expand(n_num + int(cat_size)).clone())
        real = torch.full((self.n_num,), self.k) if n_real is None else n_real.long()
        # second differences exist at interior real knots 1..n_real-2
        pos = torch.arange(1, max(self.k - 1, 1))
        self.register_buffer("curv_mask", (pos[None, :] < (real[:, None] - 1)).float()[:, : max(self.k - 2, 0)])
        # ``discrete`` (n_num,) bool: those features' knot values are free values (stored divided
        # by ``discrete_scale``, as the levels are) instead of their network's output, with the
        # Gaussian prior of precision ``discrete_prior`` and no roughness penalty: one value per
        # distinct value of a coded column, as a category's levels (and EBM's bins) get
        disc = torch.zeros(self.n_num, dtype=torch.bool) if discrete is None else discrete.bool()
        self.register_buffer("discrete", disc)
        self.curv_mask[disc] = 0.0
        self.register_buffer("discrete_prior", torch.as_tensor(discrete_prior, dtype=torch.float32).expand(self.n_num).clone())
        # (n_num,) weight of each numeric feature's penalty on the variance of its contribution
        # over the training rows (read at the knots with their mass); None: no such penalty
        self.register_buffer("feature_penalty", None if feature_penalty is None else feature_penalty.float())
        g = self.n_bags * self.n_num
        self.nets = (
            FeatureNets(g, tuple(hidden_sizes), activation, dropout, centers=self.knots.repeat(self.n_bags, 1))
            if g
            else None
        )
        # free values (category levels, numeric missing values) are stored divided by a
        # scale: with Adam every parameter moves about ``lr`` per step whatever its gradient,
        # and a network's output moves about ``lr`` times its width, so unscaled lookup
        # values would learn an order of magnitude slower than the shape functions they
        # compete with; a per-entry scale (e.g. growing with the entry's share of rows) also
        # keeps rare levels from moving as fast as common ones
        self.register_buffer("level_scale", torch.as_tensor(level_scale, dtype=torch.float32).expand(int(cat_size)).clone())
        self.register_buffer("missing_scale", torch.as_tensor(missing_scale, dtype=torch.float32).expand(self.n_num).clone())
        self.missing = nn.Parameter(torch.zeros(self.n_bags, self.n_num, 1))
        self.discrete_scale = float(discrete_scale)
        self.knot_values = nn.Parameter(torch.zeros(self.n_bags, self.n_num, self.k)) if bool(disc.any()) else None
        # ``heap`` (n_num, K) bool: knots (a heaped value of its column, ``heaps.py``) whose value is
        # the network's plus a free offset (stored divided by ``heap_scale``) with the Gaussian prior
        # of precision ``heap_prior`` (n_num,); the roughness penalty reads the network's values
        self.register_buffer("heap", None if heap is None else heap.bool())
        self.register_buffer("heap_prior", torch.as_tensor(heap_prior, dtype=torch.float32).expand(self.n_num).clone())
        self.heap_scale = float(heap_scale)
        self.heap_values = nn.Parameter(torch.zeros(self.n_bags, self.n_num, self.k)) if heap is not None else None
        self._heap_part: torch.Tensor | None = None
        self.levels = nn.Parameter(torch.zeros(self.n_bags, int(cat_size)))
        # intercept = prior log-odds + a learned offset (weight decay pulls toward the prior)
        self.register_buffer("init_bias", torch.tensor(float(init_bias)))
        self.bias_offset = nn.Parameter(torch.zeros(self.n_bags, 1))
        size = self.n_num * (self.k + 1) + int(cat_size) + 1
        self.register_buffer("mass", torch.zeros(size) if mass is None else mass.float())
        # (n_num, K) each numeric feature's knots' share of its rows: the spread penalty's
        # weights, fixed for the fit (computed once, not every step)
        share = self.mass[: self.n_num * (self.k + 1)].reshape(self.n_num, self.k + 1)[:, : self.k]
        self.register_buffer("knot_share", None if feature_penalty is None else
                             share / share.sum(1, keepdim=True).clamp(min=1e-12))
        # 1 per flat entry, 0 for the entries of a term left out (its contribution is 0)
        self.register_buffer("keep", torch.ones(size) if keep is None else keep.float())
        self._table: torch.Tensor | None = None
        # each bag's remembered tables and intercept (engine's member_stopping); plain
        # attributes, so that restoring the best common epoch's state_dict leaves them be
        self._kept: tuple[torch.Tensor, torch.Tensor] | None = None
        self._frozen = False
        self._design: RowDesign | None = None  # see fix_rows

    def keep_members(self, mask: torch.Tensor) -> None:
        """Remember the tables and intercepts of the bags where ``mask`` (B,) is true."""
        mode = self.training
        self.eval()
        with torch.no_grad():
            table, bias = self.tables().detach().clone(), self.bias.detach().clone()
        self.train(mode)
        if self._kept is None:
            self._kept = (table, bias)
        else:
            m = mask.to(table.device)
            self._kept[0][m], self._kept[1][m] = table[m], bias[m]

    def restore_members(self) -> None:
        """From now on every bag reads the tables and intercept it last remembered."""
        self._frozen = self._kept is not None

    def tables(self) -> torch.Tensor:
        """All bags' flat tables (B, T) from one batched evaluation of the feature nets."""
        if self._frozen:
            return self._kept[0].to(self.levels.device)
        b = self.n_bags
        parts = []
        if self.nets is not None:
            raw = self.nets(self.knots.repeat(b, 1)).reshape(b, self.n_num, self.k)
            if self.knot_values is not None:
                raw = torch.where(self.discrete[:, None], self._free_knots(), raw)
            vals = monotone_values(raw, self.knots, self.sign)
            if self.heap_values is not None:
                self._heap_part = self.heap_values * self.heap_scale * self.heap
                vals = vals + self._heap_part
            parts.append(torch.cat([vals, self.missing * self.missing_scale[:, None]], dim=-1).reshape(b, -1))
        parts.append(self.levels * self.level_scale)
        parts.append(torch.zeros(b, 1, dtype=self.levels.dtype, device=self.levels.device))
        return torch.cat(parts, dim=1) * self.keep

    def _free_knots(self) -> torch.Tensor:
        """(B, n_num, K) the discrete features' knot values."""
        return self.knot_values * self.discrete_scale

    def _knot_table(self) -> torch.Tensor:
        """(B, n_num, K) the numeric features' values at their knots in the last forward's tables."""
        stride = self.k + 1
        return self._table[:, : self.n_num * stride].reshape(self.n_bags, self.n_num, stride)[..., : self.k]

    def fix_rows(self, lo: torch.Tensor, w: torch.Tensor) -> None:
        """Build the sparse read of these (all the training) rows once: a call
        ``forward(lo[rows], w[rows], rows)`` then reads it (on the CPU, without feature
        dropout) instead of gathering."""
        self._design = RowDesign.linear(lo, w, self.keep.shape[0])

    def forward(self, lo: torch.Tensor, w: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        table = self.tables()
        mask = None
        if self.training and self.feature_dropout:
            mask = F.dropout(table.new_ones(self.n_bags, *lo.shape), self.feature_dropout)
        self._table = table
        if rows is not None and mask is None and self._design is not None and table.device.type == "cpu":
            return (self.bias + self._design.read(table, rows)).T
        return (self.bias + lerp_sum(table, lo, w, mask)).T

    @property
    def bias(self) -> torch.Tensor:
        """(B, 1) intercepts."""
        if self._frozen:
            return self._kept[1].to(self.levels.device)
        return self.init_bias + self.bias_offset

    def regularization(self, outputs, batch) -> torch.Tensor:
        """Output penalty (mean over features of each feature's mean squared contribution
        over the training rows, read at the knots with their interpolation mass), the
        roughness penalty ``smoothness * sum_features integral f''(u)^2 du`` over the knot
        coordinates u (second divided differences on the non-uniform grid), and
        ``level_prior * sum v^2`` over the free values v (category levels, missing values):
        with ``level_prior = 1 / (2 n)`` a Gaussian prior of standard deviation 1 on each,
        which pulls a level seen in few rows toward 0 and leaves common ones alone; with
        ``feature_penalty``, each numeric feature's weight times the variance of its
        contribution over the training rows (off by default); with ``heap``, the heaps'
        offsets' Gaussian prior ``heap_prior * sum v^2``."""
        loss = outputs.new_zeros(())
        if self._table is None:
            return loss
        if self.output_penalty:
            n_terms = self.mass.sum().clamp(min=1.0)
            loss = loss + self.output_penalty * (self._table.pow(2) @ self.mass).mean() / n_terms
        if bool((self.level_prior > 0).any()):
            free = torch.cat([(self.missing[..., 0] * self.missing_scale), self.levels * self.level_scale], dim=1)
            loss = loss + (free.pow(2) * self.level_prior).sum(1).mean()
        if self.smoothness and self.n_num and self.k > 2:
            v = self._knot_table()
            if self._heap_part is not None:  # the heaps' offsets are not the shape's roughness
                v = v - self._heap_part
            u = self.knots
            du = (u[:, 1:] - u[:, :-1]).clamp(min=1e-6)
            slope = (v[..., 1:] - v[..., :-1]) / du
            span = (du[:, 1:] + du[:, :-1]) / 2
            curv = (slope[..., 1:] - slope[..., :-1]) / span
            loss = loss + self.smoothness * (curv.pow(2) * span * self.curv_mask).sum((1, 2)).mean()
        if self.feature_penalty is not None and self.n_num:
            v, m = self._knot_table(), self.knot_share
            spread = (v.pow(2) * m).sum(2) - (v * m).sum(2).pow(2)  # (B, n_num)
            loss = loss + (spread * self.feature_penalty).sum(1).mean()
        if self.knot_values is not None:
            free = self._free_knots().pow(2).sum(2) * self.discrete
            loss = loss + (free * self.discrete_prior).sum(1).mean()
        if self._heap_part is not None:
            loss = loss + (self._heap_part.pow(2).sum(2) * self.heap_prior).sum(1).mean()
        return loss


class PairGridNet(nn.Module):
    """Training module of pairwise interaction grids on top of fixed main-effect logits.

    ``forward(main, base, wa, wb)``: ``main`` (n, B) are the fitted main effects' logits
    (an input, not trained); each pair is a free grid read by bilinear interpolation,
    smoothed by a squared-difference penalty between neighbouring knots (``neighbours``:
    flat index pairs) of weight ``smoothness``. A cell's value is its parameter times
    ``scale`` (e.g. growing with the cell's share of rows, so that under Adam, which moves
    every parameter about ``lr`` per step, sparse cells learn slower: shrinkage by early
    stopping, as boosting gets it).
    """

    def __init__(
        self,
        size: int,
        stride: torch.Tensor,
        neighbours: torch.Tensor,
        n_bags: int = 1,
        smoothness: float = 1.0,
        scale: torch.Tensor | None = None,
    ):
        super().__init__()
        self.grid = nn.Parameter(torch.zeros(int(n_bags), int(size)))
        self.register_buffer("scale", torch.ones(int(size)) if scale is None else scale.float())
        self.register_buffer("stride", stride.long())
        self.register_buffer("neighbours", neighbours.long().reshape(2, -1))
        self.smoothness = float(smoothness)
        self._kept: torch.Tensor | None = None  # each bag's remembered grid (member_stopping)

    def values(self) -> torch.Tensor:
        """The grids' values (B, S): parameters times their per-cell scale."""
        return self.grid * self.scale

    def keep_members(self, mask: torch.Tensor) -> None:
        """Remember the grids of the bags where ``mask`` (B,) is true."""
        grid = self.grid.detach().clone()
        if self._kept is None:
            self._kept = grid
        else:
            m = mask.to(grid.device)
            self._kept[m] = grid[m]

    def restore_members(self) -> None:
        """Put every bag's grid back to what it last remembered."""
        if self._kept is not None:
            with torch.no_grad():
                self.grid.copy_(self._kept.to(self.grid.device))

    def fix_rows(self, base: torch.Tensor, wa: torch.Tensor, wb: torch.Tensor) -> None:
        """Build the sparse read of these (all the training) rows once: a call
        ``forward(main, base[rows], wa[rows], wb[rows], rows)`` then reads it (on the CPU)
        instead of gathering."""
        self._design = RowDesign.bilinear(base, self.stride, wa, wb, self.grid.shape[1])

    def forward(self, main, base, wa, wb, rows: torch.Tensor | None = None) -> torch.Tensor:
        values = self.values()
        if rows is not None and self._design is not None and values.device.type == "cpu":
            return main + self._design.read(values, rows).T
        return main + bilinear_gather(values, base, self.stride, wa, wb).sum(-1).T

    def regularization(self, outputs, batch) -> torch.Tensor:
        if not self.smoothness or self.neighbours.shape[1] == 0:
            return outputs.new_zeros(())
        i, j = self.neighbours
        v = self.values()
        return self.smoothness * (v[:, i] - v[:, j]).pow(2).sum(1).mean()

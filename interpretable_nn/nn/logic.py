"""Differentiable logic: binarization, conjunction and disjunction layers, gradient grafting.

The building blocks of a rule network in the line of RRL (Wang et al., "Scalable Rule-Based
Representation Learning for Interpretable Classification", NeurIPS 2021) and DR-Net (Qiao
et al., ICLR 2021). Every layer computes two things at once:

* a **hard** (discrete) output in {0, 1}: what the extracted rule set computes;
* a **soft** (continuous) relaxation whose gradients train the weights.

:func:`graft` joins them RRL's way (*gradient grafting*): the value is the hard output, the
gradient is the soft one, ``soft + (hard - soft).detach()``.

Literals (:class:`Binarizer`)
    threshold literals ``x > t`` on standardized numeric columns (false when ``x`` is
    missing; ``t`` learnable or fixed), ``x is missing`` literals, and category literals
    ``code == k`` on the encoder's integer codes. Negations are added by the logic layers.
Conjunction (:class:`ConjunctionLayer`)
    node ``r`` with weights ``W[r, i] = sigmoid(theta[r, i])`` in [0, 1] over the literals
    and their negations. Hard: the AND of the inputs with ``W > 0.5`` (at most
    ``max_conditions`` of them, the largest weights). Soft: RRL's logarithmic activation
    ``1 / (1 + sum_i -log(1 - W_i) (1 - h_i))``, a product relaxation whose gradient does not
    vanish with many inputs; ``-log(1 - sigmoid(theta)) = softplus(theta)``.
Disjunction (:class:`DisjunctionLayer`)
    the dual, ``1 - 1 / (1 + sum_i softplus(theta_i) h_i)``; hard: the OR of the selected
    inputs.

Everything is vectorised: a forward pass is a handful of matrix products, with no loop over
rows, features or rules.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["graft", "Binarizer", "ConjunctionLayer", "DisjunctionLayer", "RuleNetwork"]


def graft(soft: torch.Tensor, hard: torch.Tensor) -> torch.Tensor:
    """Gradient grafting: the value of ``hard``, the gradient of ``soft``.

    Examples
    --------
    >>> s = torch.tensor([0.3], requires_grad=True)
    >>> y = graft(s * 2, torch.tensor([1.0]))
    >>> y.item()
    1.0
    >>> y.backward(); s.grad.item()
    2.0
    """
    return soft + (hard - soft).detach()


class Binarizer(nn.Module):
    """Literals from encoded rows: ``z > t`` thresholds, is-missing flags, category equalities.

    Parameters
    ----------
    thr_feature : LongTensor (T,)
        Numeric column (index into ``numeric``) of each threshold literal.
    thr_init : Tensor (T,)
        Initial thresholds in standardized units.
    miss_feature : LongTensor (M,)
        Numeric column of each is-missing literal.
    cat_feature, cat_code : LongTensor (C,)
        Categorical column and code of each equality literal.
    learn_thresholds : bool
        Whether thresholds are trained (through a sigmoid of width ``temperature``).
    temperature : float
        Width of the soft step in standardized units.

    The literal order is thresholds, then missing flags, then categories.
    """

    def __init__(self, thr_feature, thr_init, miss_feature, cat_feature, cat_code,
                 learn_thresholds: bool = True, temperature: float = 0.1):
        super().__init__()
        self.register_buffer("thr_feature", torch.as_tensor(thr_feature, dtype=torch.int64))
        self.register_buffer("miss_feature", torch.as_tensor(miss_feature, dtype=torch.int64))
        self.register_buffer("cat_feature", torch.as_tensor(cat_feature, dtype=torch.int64))
        self.register_buffer("cat_code", torch.as_tensor(cat_code, dtype=torch.int64))
        init = torch.as_tensor(thr_init, dtype=torch.float32).clone()
        self.thresholds = nn.Parameter(init, requires_grad=bool(learn_thresholds))
        self.temperature = float(temperature)

    @property
    def n_literals(self) -> int:
        return len(self.thr_feature) + len(self.miss_feature) + len(self.cat_feature)

    def forward(self, numeric: torch.Tensor, missing: torch.Tensor, codes: torch.Tensor,
                soft: bool = True) -> tuple[torch.Tensor | None, torch.Tensor]:
        """``(soft, hard)`` literal values, each (n, n_literals); ``soft`` is None when not asked."""
        z = numeric[:, self.thr_feature]
        present = 1.0 - missing[:, self.thr_feature]
        t = self.thresholds
        hard_thr = (z > t).float() * present
        miss = missing[:, self.miss_feature]
        cat = (codes[:, self.cat_feature] == self.cat_code).float()
        hard = torch.cat([hard_thr, miss, cat], dim=1)
        if not soft:
            return None, hard
        if self.thresholds.requires_grad:
            soft_thr = torch.sigmoid((z - t) / self.temperature) * present
            soft_thr = graft(soft_thr, hard_thr)  # hard values, gradients reach the thresholds
        else:
            soft_thr = hard_thr
        return torch.cat([soft_thr, miss, cat], dim=1), hard


class _LogicLayer(nn.Module):
    """Shared parts of the conjunction and disjunction layers: weights over the inputs and
    their negations, the hard selection mask, the sparsity statistics."""

    def __init__(self, n_in: int, n_nodes: int, max_inputs: int | None = None,
                 theta_init: torch.Tensor | None = None):
        super().__init__()
        self.n_in, self.n_nodes = int(n_in), int(n_nodes)
        self.max_inputs = None if max_inputs is None else int(max_inputs)
        if theta_init is None:
            theta_init = torch.full((n_nodes, 2 * n_in), -4.0)
        if tuple(theta_init.shape) != (n_nodes, 2 * n_in):
            raise ValueError(f"theta_init must have shape {(n_nodes, 2 * n_in)}; got {tuple(theta_init.shape)}.")
        self.theta = nn.Parameter(theta_init.clone().float())

    def weights(self) -> torch.Tensor:
        """``W`` in [0, 1], shape (n_nodes, 2 * n_in): positive literals then negations."""
        return torch.sigmoid(self.theta)

    @torch.no_grad()
    def mask(self) -> torch.Tensor:
        """Boolean (n_nodes, 2 * n_in): the inputs each hard node uses (``W > 0.5``, at most
        ``max_inputs`` per node, the largest weights, ties broken by position)."""
        on = self.theta > 0
        if self.max_inputs is not None and self.max_inputs < on.shape[1]:
            top = torch.topk(self.theta, self.max_inputs, dim=1).indices
            keep = torch.zeros_like(on)
            keep.scatter_(1, top, True)
            on = on & keep
        return on

    @staticmethod
    def _both(x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x, 1.0 - x], dim=1)


class ConjunctionLayer(_LogicLayer):
    """AND nodes over literals and their negations (see the module docstring).

    Examples
    --------
    >>> layer = ConjunctionLayer(n_in=2, n_nodes=1)
    >>> with torch.no_grad():
    ...     layer.theta[0, 0] = 3.0    # x0 AND NOT x1
    ...     layer.theta[0, 3] = 3.0
    >>> x = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    >>> layer(x, x)[1].flatten().tolist()
    [1.0, 0.0]
    """

    def forward(self, soft: torch.Tensor | None, hard: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        m = self.mask().float()
        violations = (1.0 - self._both(hard)) @ m.T
        out_hard = (violations < 0.5).float()
        if soft is None:
            return None, out_hard
        s = (1.0 - self._both(soft)) @ F.softplus(self.theta).T
        return 1.0 / (1.0 + s), out_hard


class DisjunctionLayer(_LogicLayer):
    """OR nodes over literals and their negations: the dual of :class:`ConjunctionLayer`.

    Examples
    --------
    >>> layer = DisjunctionLayer(n_in=2, n_nodes=1)
    >>> with torch.no_grad():
    ...     layer.theta[0, 0] = 3.0    # x0 OR x1
    ...     layer.theta[0, 1] = 3.0
    >>> x = torch.tensor([[0.0, 0.0], [0.0, 1.0]])
    >>> layer(x, x)[1].flatten().tolist()
    [0.0, 1.0]
    """

    def forward(self, soft: torch.Tensor | None, hard: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        m = self.mask().float()
        hits = self._both(hard) @ m.T
        out_hard = (hits > 0.5).float()
        if soft is None:
            return None, out_hard
        s = self._both(soft) @ F.softplus(self.theta).T
        return 1.0 - 1.0 / (1.0 + s), out_hard


class RuleNetwork(nn.Module):
    """Binarizer -> conjunction layer -> linear layer over [literals, conjunctions].

    The linear layer's weights are the rule points on the log-odds; the literals reach it
    through a skip connection (RRL's), so one-condition rules need no conjunction node.
    The forward value is always the hard network's (what the rule set computes); in
    training mode its gradient is the soft network's (:func:`graft`).

    Parameters
    ----------
    binarizer : Binarizer
    n_rules : int
        Conjunction nodes.
    max_conditions : int
        Literals per conjunction node (hard).
    theta_init : Tensor, optional
        Initial conjunction logits (n_rules, 2 * n_literals).
    rule_penalty, condition_penalty : float
        Strengths of the L1 penalty on the rule points and on the conjunction weights;
        :meth:`regularization` adds them to the loss. ``rule_penalty`` is adapted each
        epoch (:meth:`on_epoch_end`) so that about ``target_rules`` outputs stay active.
    target_rules : int
        The number of active outputs the adaptive rule penalty steers toward.
    """

    def __init__(self, binarizer: Binarizer, n_rules: int, max_conditions: int,
                 theta_init: torch.Tensor | None = None, rule_penalty: float = 1e-3,
                 condition_penalty: float = 1e-3, target_rules: int = 30):
        super().__init__()
        self.binarizer = binarizer
        p = binarizer.n_literals
        self.conj = ConjunctionLayer(p, n_rules, max_conditions, theta_init)
        self.head = nn.Linear(p + n_rules, 1)
        nn.init.zeros_(self.head.weight)
        self.register_buffer("rule_penalty", torch.tensor(float(rule_penalty)))
        self.condition_penalty = float(condition_penalty)
        self.max_conditions = int(max_conditions)
        self.target_rules = int(target_rules)

    def features(self, numeric, missing, codes, soft: bool = True):
        """``(soft, hard)`` rule activations (n, n_literals + n_rules)."""
        ls, lh = self.binarizer(numeric, missing, codes, soft=soft)
        cs, ch = self.conj(ls, lh)
        hard = torch.cat([lh, ch], dim=1)
        return (None if ls is None else torch.cat([ls, cs], dim=1)), hard

    def forward(self, numeric, missing, codes) -> torch.Tensor:
        soft, hard = self.features(numeric, missing, codes, soft=self.training)
        y_hard = self.head(hard).reshape(-1)
        if soft is None:
            return y_hard
        return graft(self.head(soft).reshape(-1), y_hard)

    def regularization(self, outputs, inputs) -> torch.Tensor:
        """L1 on the rule points (toward ``target_rules`` active rules) and on the conjunction
        weights, plus a penalty on the weight mass a node holds beyond ``max_conditions``."""
        w = self.conj.weights()
        mass = w.sum(dim=1)
        nodes = max(1, mass.shape[0])
        excess = F.relu(mass - self.max_conditions).sum() / nodes
        return (self.rule_penalty * self.head.weight.abs().sum()
                + self.condition_penalty * (mass.sum() / nodes + 10.0 * excess))

    @torch.no_grad()
    def active_rules(self, tol: float = 0.05) -> torch.Tensor:
        """Boolean (n_literals + n_rules,): outputs whose points exceed ``tol`` in magnitude."""
        return self.head.weight.abs().reshape(-1) > tol

    @torch.no_grad()
    def on_epoch_end(self, epoch: int) -> None:
        """Steer the rule penalty: x1.3 while more than ``target_rules`` outputs are active,
        /1.3 while fewer (bounded to [1e-5, 1])."""
        n = int(self.active_rules().sum())
        factor = 1.3 if n > self.target_rules else 1 / 1.3
        self.rule_penalty.mul_(factor).clamp_(1e-5, 1.0)

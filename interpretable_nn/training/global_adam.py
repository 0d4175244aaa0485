"""Adam with one second-moment estimate shared by every parameter (experimental)."""

from __future__ import annotations

import torch


class GlobalAdam(torch.optim.Optimizer):
    """Adam whose step is each parameter's first moment divided by the root of the mean
    squared gradient over *all* parameters: a parameter moves in proportion to its gradient
    relative to the others, so a term whose gradient is small (a weak feature) moves slowly,
    as in boosting, while the scale of the whole step stays ``lr``-sized."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))
        self.v, self.t = 0.0, 0

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        grads = [p.grad for g in self.param_groups for p in g["params"] if p.grad is not None]
        if not grads:
            return loss
        b1, b2 = self.param_groups[0]["betas"]
        self.t += 1
        sq = sum(float(g.pow(2).sum()) for g in grads) / max(sum(g.numel() for g in grads), 1)
        self.v = b2 * self.v + (1 - b2) * sq
        denom = (self.v / (1 - b2**self.t)) ** 0.5
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                m = st.setdefault("m", torch.zeros_like(p))
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                if group["weight_decay"]:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                p.add_(m, alpha=-group["lr"] / ((1 - b1**self.t) * (denom + group["eps"])))
        return loss

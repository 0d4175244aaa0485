"""Adam with one second-moment estimate shared by every parameter.

Adam divides each parameter's step by the root of *its own* mean squared gradient, so every
parameter moves about ``lr`` per step whatever the size of its gradient. For an additive
model that is a problem: the shape of a column that carries little signal moves as fast as
the shape of the strongest column, fits noise within a few steps, and early stopping has to
stop the whole model before the strong shapes have converged (measured on lending_club: the
mains stopped at epoch 9, and the NAM on all 22 columns scored below a NAM on two of them).
:class:`GlobalAdam` keeps Adam's first moment and bias corrections but divides by the root of
the mean squared gradient over *all* parameters: a parameter moves in proportion to its
gradient relative to the others, so weak shapes move slowly, as a boosting round moves a
column in proportion to its gain, while the whole step stays ``lr``-sized.
"""

from __future__ import annotations

import torch

__all__ = ["GlobalAdam"]


class GlobalAdam(torch.optim.Optimizer):
    """Adam with a single, shared second moment (see the module docstring); decoupled
    weight decay as in AdamW."""

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0):
        if lr <= 0:
            raise ValueError(f"lr must be positive; got {lr}.")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))
        # shared by every parameter, so kept beside ``state`` (whose keys must be parameters:
        # ``state_dict()`` maps each key to its parameter's index) and saved under "shared"
        self.n_steps, self.v = 0, None

    def state_dict(self) -> dict:
        """Torch's optimizer state, plus the shared step count and second moment."""
        out = super().state_dict()
        out["shared"] = {"n_steps": self.n_steps, "v": None if self.v is None else self.v.clone()}
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        """Inverse of :meth:`state_dict` (a state without "shared" starts the shared moment afresh)."""
        state_dict = dict(state_dict)
        shared = state_dict.pop("shared", {"n_steps": 0, "v": None})
        super().load_state_dict(state_dict)
        self.n_steps, self.v = int(shared["n_steps"]), shared["v"]

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        params = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
        if not params:
            return loss
        b1, b2 = self.param_groups[0]["betas"]
        self.n_steps += 1
        t = self.n_steps
        # the mean squared gradient over every parameter, on the device (no host sync)
        sq = torch.stack([p.grad.pow(2).sum(dtype=torch.float64) for p in params]).sum()
        sq = sq / sum(p.numel() for p in params)
        self.v = (1 - b2) * sq if self.v is None else b2 * self.v + (1 - b2) * sq
        denom = (self.v / (1 - b2**t)).sqrt()
        for group in self.param_groups:
            scale = (group["lr"] / ((1 - b1**t) * (denom + group["eps"]))).float()
            for p in group["params"]:
                if p.grad is None:
                    continue
                m = self.state[p].setdefault("m", torch.zeros_like(p))
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                if group["weight_decay"]:
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                p.sub_(m * scale.to(p.device))
        return loss

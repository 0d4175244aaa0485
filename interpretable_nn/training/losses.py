"""Row losses and their weighting, shared by the engine's single-process and data-parallel
paths.

A loss is computed per row (``(n,)``, or ``(n, m)`` for an ensemble of ``m`` members trained
side by side), then reduced with row weights to the mean over members of each member's
weighted mean row loss.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["class_weights", "loss_per_row", "weighted_sums", "weighted_loss"]


def class_weights(y: torch.Tensor, task: str, class_weight, n_classes: int) -> torch.Tensor | None:
    """Per-class loss weights (float32) for ``class_weight`` (None, "balanced" or a dict
    class index -> weight); None for regression or no class weights."""
    if class_weight is None or task == "regression":
        return None
    counts = torch.bincount(y.long(), minlength=n_classes).double()
    if class_weight == "balanced":
        w = counts.sum() / (n_classes * counts.clamp(min=1))
    elif isinstance(class_weight, dict):
        w = torch.ones(n_classes, dtype=torch.float64)
        for k, v in class_weight.items():
            k = int(k)
            if not 0 <= k < n_classes:
                raise ValueError(f"class_weight key {k} is not a class index in [0, {n_classes}).")
            w[k] = float(v)
    else:
        raise ValueError(f"class_weight must be None, 'balanced' or a dict; got {class_weight!r}.")
    return w.float()


def loss_per_row(out: torch.Tensor, y: torch.Tensor, task: str) -> torch.Tensor:
    """Row losses: (n,), or (n, m) for an (n, m) ensemble output (binary / regression)."""
    out = out.float()
    if task == "multiclass":
        return nn.functional.cross_entropy(out, y.long(), reduction="none")
    if out.ndim == 2 and out.shape[1] > 1:
        target = y.float()[:, None].expand_as(out)
    else:
        out, target = out.reshape(-1), y.float()
    if task == "binary":
        return nn.functional.binary_cross_entropy_with_logits(out, target, reduction="none")
    return (out - target) ** 2


def weighted_sums(per_row: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member (weighted loss sum, weight sum); members are columns of 2-D losses."""
    if per_row.ndim == 2 and w.ndim == 1:
        w = w[:, None]
    elif per_row.ndim == 1 and w.ndim == 2:
        per_row = per_row[:, None]
    w = w.expand_as(per_row)
    return (per_row * w).sum(0), w.sum(0)


def weighted_loss(per_row: torch.Tensor, w: torch.Tensor, total_weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over members of each member's weighted mean row loss (one member: the usual).
    ``total_weight`` replaces the rows' own weight sums (a rank's share of a global batch)."""
    total, wsum = weighted_sums(per_row, w)
    if total_weight is not None:
        wsum = total_weight
    return (total / wsum.clamp(min=1e-12)).mean()

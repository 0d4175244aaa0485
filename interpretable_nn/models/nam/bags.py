"""The NAM's bags: each holds out its own validation rows and trains on the rest."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from ...training.engine import weighed_rows

__all__ = ["bag_weights"]


class _Bags(NamedTuple):
    """The bags' training and validation weights (n, n_bags), training weight per bag and
    the fit's generator: shared by both stages."""

    fit_w: torch.Tensor
    val_w: torch.Tensor | None
    n_fit: float
    generator: torch.Generator


def bag_weights(y: np.ndarray, sw: np.ndarray, n_bags: int, fraction: float, stratify: bool,
                rng: np.random.Generator, balanced: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(training weights, validation weights), each (n, n_bags) float32.

    Every bag holds out its own ``fraction`` of the rows (stratified by class when
    ``stratify``) for early stopping and trains on the rest, as EBM's outer bags do. With
    ``fraction=0`` the bags are Poisson bootstrap weights and there is no validation.
    ``balanced``: the bags hold out consecutive stretches of one shuffle of each class (as
    cross-validation folds do, wrapping around), so that every row is held out by as many bags
    as any other, give or take one, instead of each bag drawing its own rows.
    """
    n = len(y)
    if fraction <= 0:
        fit = rng.poisson(1.0, (n, n_bags)).astype(float) if n_bags > 1 else np.ones((n, 1))
        return torch.as_tensor(sw[:, None] * fit, dtype=torch.float32), None
    # only rows the fit weighs are held out: a bag whose validation rows all weigh zero reads
    # a loss of 0 at epoch 0 and keeps its untrained network (rows of weight zero train nothing)
    weighed = weighed_rows(sw).numpy()
    rows = np.arange(n) if weighed.all() else np.flatnonzero(weighed)
    groups = [rows[y[rows] == c] for c in np.unique(y[rows])] if stratify else [rows]
    held = np.zeros((n, n_bags), dtype=bool)
    perms = [rng.permutation(idx) for idx in groups] if balanced else None
    for j in range(n_bags):
        for g, idx in enumerate(groups):
            k = min(max(int(round(len(idx) * fraction)), 1 if len(idx) >= 4 else 0), max(len(idx) - 1, 0))
            if balanced:
                held[np.roll(perms[g], -((j * k) % max(len(idx), 1)))[:k], j] = True
            else:
                held[rng.permutation(idx)[:k], j] = True
    if not held.any():  # too few rows to hold any out: no bag validation weights (not weights summing to 0)
        return torch.as_tensor(np.repeat(sw[:, None], n_bags, 1), dtype=torch.float32), None
    return (torch.as_tensor(sw[:, None] * ~held, dtype=torch.float32),
            torch.as_tensor(sw[:, None] * held, dtype=torch.float32))

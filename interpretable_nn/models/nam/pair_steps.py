"""Newton-scaled steps for the NAM's interaction grids.

Adam moves every stored parameter about ``lr`` per step whatever its evidence, so in a
jointly trained stage of many weak pairs every cell fits noise at the pace of the strongest
one, and early stopping ends the stage before weak pairs have learnt what generalises.
Boosting (EBM) moves a leaf by its gradient over its hessian, a Newton step. Here each cell's
value is its parameter times ``sqrt(members / H_c)``, where ``H_c`` is the diagonal of the
stage's Hessian at the frozen mains (the rows' loss curvature carried by the cell, plus the
smoothness penalty's, plus :data:`~interpretable_nn.models.nam.fit.PAIR_MIN_ROWS` rows'
worth as a floor); plain gradient descent on the parameters then moves each cell by
``lr`` times its diagonal Newton step: a cell with many rows and a consistent residual
moves fast, a sparse or noisy one slowly.
"""

from __future__ import annotations

import numpy as np
import torch

from .layout import TermLayout, pair_mass

__all__ = ["newton_pair_scales"]


def newton_pair_scales(lay: TermLayout, pair_inputs: tuple, main_logit: np.ndarray, fit_w: torch.Tensor, task: str,
                       smoothness: float, min_rows: float) -> np.ndarray:
    """Per-cell scales ``sqrt(members / H_c)`` (float32, one per flat pair-grid entry).

    ``main_logit`` (n, members): the frozen mains' logits; ``fit_w`` (n, members): each
    member's training weights; ``smoothness``: the stage's penalty weight per squared
    neighbour difference (already divided by the rows); ``min_rows``: the floor, in rows of
    average curvature. The engine's loss is the mean over members of each member's weighted
    mean row loss, so a member's gradient carries ``1 / members``, which the scale undoes."""
    base, wa, wb = (np.asarray(a) for a in pair_inputs)
    fw = fit_w.double().numpy()
    if task == "binary":
        p = 1.0 / (1.0 + np.exp(-np.clip(main_logit, -30, 30)))
        h = p * (1.0 - p)
    else:  # squared error
        h = np.full(main_logit.shape, 2.0)
    row_h = (fw * h).sum(1)  # curvature each row carries, summed over members
    total_w = max(float(fw.sum()), 1e-12)
    mean_h = float(row_h.sum()) / total_w
    curv = pair_mass(lay, base, wa, wb, row_h) * (float(row_h.sum()) / total_w)  # mean over members
    _, size = lay.pair_offsets()
    nb = lay.pair_neighbours()
    degree = np.bincount(nb.ravel(), minlength=size)[:size] if nb.size else np.zeros(size)
    rows = total_w / fw.shape[1]
    hess = curv + min_rows * mean_h / rows + 2.0 * smoothness * degree
    return np.sqrt(fw.shape[1] / np.maximum(hess, 1e-12)).astype(np.float32)

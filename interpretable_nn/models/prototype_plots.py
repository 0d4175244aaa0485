"""Plots of a fitted :class:`~interpretable_nn.models.prototype.PrototypeClassifier`: the
prototype images with their similarity heat-maps (CNN encoder), or the table of prototype
rows, optionally beside one case (:func:`plot_prototypes`). matplotlib is imported on use.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["plot_prototypes", "displayable"]


def displayable(img: np.ndarray) -> np.ndarray:
    """An image (H, W[, C]) as something ``imshow`` draws: grey for 1 channel, RGB scaled
    to [0, 1] for 3, the channel mean otherwise."""
    img = np.asarray(img, dtype=float)
    if img.ndim == 3:
        if img.shape[2] == 3:
            lo, hi = img.min(), img.max()
            return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        img = img.mean(axis=2)
    return img


def _plot_rows(model: Any, X, n_p: int):
    import matplotlib.pyplot as plt

    table = model.prototypes_.head(n_p).copy()
    if X is not None:
        sims = model.similarities(X)
        if len(sims) != 1:
            raise ValueError(f"plot_prototypes shows one case beside the prototypes; X has {len(sims)} rows.")
        table.insert(0, "similarity", np.round(sims[0, :n_p], 3))
    cells = table.map(lambda v: f"{v:.4g}" if isinstance(v, float) else str(v))
    fig, ax = plt.subplots(figsize=(min(2 + 1.1 * cells.shape[1], 24), 0.8 + 0.3 * n_p))
    ax.axis("off")
    tab = ax.table(cellText=cells.to_numpy(), colLabels=list(cells.columns), loc="center")
    tab.auto_set_font_size(False)
    tab.set_fontsize(7)
    ax.set_title("Prototypes (real training rows)")
    return fig


def plot_prototypes(model: Any, X=None, max_prototypes: int = 40):
    """See :meth:`PrototypeClassifier.plot_prototypes`; returns the matplotlib Figure."""
    import matplotlib.pyplot as plt

    check_is_fitted(model, "module_")
    info = model.prototype_info_
    n_p = min(len(info), int(max_prototypes))
    if model.input_kind_ == "tabular":
        return _plot_rows(model, X, n_p)
    heat = model._encoder_kind() == "cnn"
    protos = model.prototypes_[:n_p]
    query = None
    if X is not None:
        query = model.image_encoder_.check(X)
        if len(query) != 1:
            raise ValueError(f"plot_prototypes shows one image against the prototypes; X has {len(query)}.")
    ncols = min(n_p, 10)
    block = -(-n_p // ncols)
    nrows = block * (2 if query is not None else 1)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.5 * nrows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    own = model.similarity_maps(protos)[np.arange(n_p), np.arange(n_p)] if heat else None
    for j in range(n_p):
        ax = axes[j // ncols, j % ncols]
        ax.imshow(displayable(protos[j]), cmap="gray")
        if heat:
            ax.imshow(own[j], cmap="jet", alpha=0.35)
        ax.set_title(f"{info['prototype_class'].iloc[j]} (#{info['train_index'].iloc[j]})", fontsize=7)
    if query is not None:
        sims = model.similarities(query)[0]
        maps = model.similarity_maps(query)[0] if heat else None
        for j in range(n_p):
            ax = axes[block + j // ncols, j % ncols]
            ax.imshow(displayable(query[0]), cmap="gray")
            if heat:
                ax.imshow(maps[j], cmap="jet", alpha=0.35)
            ax.set_title(f"sim {sims[j]:.2f}", fontsize=7)
    fig.suptitle("Prototypes (real training images): class (#training index)", fontsize=9)
    fig.tight_layout()
    return fig

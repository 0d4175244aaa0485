"""The training schedule of :class:`~interpretable_nn.models.prototype.PrototypeClassifier`
(its fit template's ``_train`` hook): joint phase, projection onto real training cases,
optional tied phase, last-layer phase, each run by the shared engine, returned as one
:class:`ScheduleResult` (the phases combined, ``history`` with a ``phase`` column) that also
carries what the projection found, for the model's ``_after_fit``; and the allocation of
prototypes to classes (:func:`allocate_prototypes`, the model's ``_prepare``).

Rows of sample weight zero are rows the user told the fit to ignore: they train nothing,
so they are no candidates for a prototype either, and the projection report leaves them out.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..data.stacklevel import user_stacklevel
from ..nn.prototype import conv_grid_shape, nearest_training_patches
from ..training.engine import FitData, TrainResult, train
from .base import positive_ints

__all__ = ["ScheduleResult", "train_schedule", "allocate_prototypes", "positive_rows"]


def positive_rows(data: FitData) -> np.ndarray | None:
    """Positions of the rows that training counts (a weight that float32 holds as positive),
    or None when every row does."""
    if data.sample_weight is None:
        return None
    keep = np.asarray(data.sample_weight, dtype=np.float32) > 0
    return None if keep.all() else np.flatnonzero(keep)


def _patches_per_case(model: Any) -> int:
    """Latent patches of one case: 1 for the MLP encoder, the CNN's grid cells otherwise."""
    if model._encoder_kind() != "cnn":
        return 1
    channels = positive_ints(model.cnn_channels, "cnn_channels", "(32, 64)")
    h, w = conv_grid_shape(model.image_shape_[:2], len(channels))
    return h * w


def allocate_prototypes(model: Any, data: FitData) -> np.ndarray:
    """The class index of each prototype: ``prototypes_per_class`` each, or ``n_prototypes``
    split evenly (the remainder to the most frequent classes), or the default.

    A class gets at most as many prototypes as it has distinct (case, patch) candidates, i.e.
    rows of positive weight (times the CNN's patches): projection gives each prototype its own
    case, so more would repeat one (silently, before), and a :class:`UserWarning` names the
    class, the count asked and the count given. A class without a row of positive weight has
    no case to show and is refused."""
    y, k = data.y, len(model.classes_)
    if model.n_prototypes is not None and model.prototypes_per_class is not None:
        raise ValueError("Give n_prototypes or prototypes_per_class, not both.")
    if model.prototypes_per_class is not None:
        per = np.full(k, int(model.prototypes_per_class))
    elif model.n_prototypes is not None:
        if model.n_prototypes < k:
            raise ValueError(
                f"n_prototypes={model.n_prototypes} is fewer than the {k} classes; every class needs "
                f"at least one prototype: use n_prototypes >= {k}."
            )
        per = np.full(k, model.n_prototypes // k)
        per[np.argsort(-np.bincount(y, minlength=k), kind="stable")[: model.n_prototypes % k]] += 1
    else:
        per = np.full(k, max(3, 20 // k))
    keep = positive_rows(data)
    rows = np.bincount(y if keep is None else y[keep], minlength=k)
    empty = model.classes_[rows == 0].tolist()
    if empty:
        raise ValueError(
            f"Class(es) {empty} have no row of positive sample_weight, so none of their rows can be a "
            "prototype; give some of their rows a positive weight, or drop their rows from X and y."
        )
    cap, labels = rows * _patches_per_case(model), model.classes_.tolist()
    for c in np.flatnonzero(per > cap):
        warnings.warn(
            f"Class {labels[c]!r} gets {cap[c]} prototype(s), not the {per[c]} asked: it has "
            f"{rows[c]} training row(s) of positive weight, and each prototype is a distinct training "
            "case (CNN: case and latent patch). Ask for fewer prototypes (prototypes_per_class or n_prototypes), or add rows of that class.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    return np.repeat(np.arange(k), np.minimum(per, cap))


@dataclass
class ScheduleResult(TrainResult):
    """The phases as one result, plus ``projection``: ``rows``/``patches`` (the training case
    and latent patch of each prototype) and, on the training rows of positive weight (class
    indices ``y``), the decisions ``before`` the projection, right after it (``pushed``) and at
    the end (``after``)."""

    projection: dict | None = None


def train_schedule(model: Any, data: FitData) -> ScheduleResult:
    """Build ``model.module_`` and run the schedule on ``data`` (``data.encoded`` is the
    module's input tensor); the draws come from ``data.generator`` in a fixed order."""
    x, gen = data.encoded, data.generator
    model.module_ = net = model._build_module()
    sw = None if data.sample_weight is None else torch.as_tensor(data.sample_weight, dtype=torch.float32)
    labels = torch.as_tensor(data.y, dtype=torch.int64)
    inputs = (x, labels)  # the labels feed the cluster/separation costs only
    lr = model.settings_["lr"]
    joint = train(net, inputs, labels, model.task_, model._train_config(lr=lr, description="PrototypeClassifier"),
                  sample_weight=sw, generator=gen)
    net.to("cpu")
    keep = positive_rows(data)  # the candidates, and the rows the report counts
    kept = None if keep is None else torch.as_tensor(keep)
    counted = x if kept is None else x[kept]
    before = model._forward(counted)
    net.save_unprojected()
    if kept is None:
        rows, patches, latent = nearest_training_patches(net, x, labels)
    else:  # positions among the kept rows, mapped back to the training rows
        at, patches, latent = nearest_training_patches(net, counted, labels[kept])
        rows = kept[at]
    with torch.no_grad():
        net.prototypes.copy_(latent)
    pushed = model._forward(counted)
    results, phases = [joint], ["joint"]
    if model.tied_epochs > 0:
        net.tie(x[rows], patches)
        cfg = model._train_config(max_epochs=model.tied_epochs, lr=lr, description="PrototypeClassifier tied")
        results.append(train(net, inputs, labels, model.task_, cfg, sample_weight=sw, generator=gen))
        net.to("cpu")
        net.untie()
        phases.append("tied")
    if model.last_layer_epochs > 0:
        net.freeze_encoder(True)
        cfg = model._train_config(max_epochs=model.last_layer_epochs, lr=model.last_layer_lr,
                                  description="PrototypeClassifier last layer")
        results.append(train(net, inputs, labels, model.task_, cfg, sample_weight=sw, generator=gen,
                             parameters=list(net.last_layer.parameters())))
        net.freeze_encoder(False)
        net.to("cpu")
        phases.append("last_layer")
    net.eval()
    result = ScheduleResult.combine(results, phases)
    result.projection = {"rows": rows.numpy(), "patches": patches.numpy(), "before": before, "pushed": pushed,
                         "after": model._forward(counted), "y": data.y if keep is None else data.y[keep]}
    return result

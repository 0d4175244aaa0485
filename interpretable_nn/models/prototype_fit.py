"""The training schedule of :class:`~interpretable_nn.models.prototype.PrototypeClassifier`
(its fit template's ``_train`` hook): joint phase, projection onto real training cases,
optional tied phase, last-layer phase, each run by the shared engine, returned as one
:class:`ScheduleResult` (the phases combined, ``history`` with a ``phase`` column) that also
carries what the projection found, for the model's ``_after_fit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from ..nn.prototype import nearest_training_patches
from ..training.engine import FitData, TrainResult, train

__all__ = ["ScheduleResult", "train_schedule"]


@dataclass
class ScheduleResult(TrainResult):
    """The phases as one result, plus ``projection``: ``rows``/``patches`` (the training case
    and latent patch of each prototype) and the training-set decisions ``before`` the
    projection, right after it (``pushed``) and at the end (``after``)."""

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
    before = model._forward(x)
    net.save_unprojected()
    rows, patches, latent = nearest_training_patches(net, x, labels)
    with torch.no_grad():
        net.prototypes.copy_(latent)
    pushed = model._forward(x)
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
    result.projection = {"rows": rows.numpy(), "patches": patches.numpy(), "before": before,
                         "pushed": pushed, "after": model._forward(x)}
    return result

"""Persistence of a fitted :class:`~interpretable_nn.models.prototype.PrototypeClassifier`
(JSON state + safetensors, never pickle) and the table of its tabular prototypes.

Tabular models save the shared base state (the :class:`~interpretable_nn.data.encoding.TabularEncoder`)
and the prototype rows as JSON values; image models save the
:class:`~interpretable_nn.data.images.ImageEncoder`'s state (under the keys saved files have
always used) and the prototype images as a tensor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from ..data.encoding import TabularEncoder
from ..data.images import ImageEncoder
from ..data.schema import classes_from_state, classes_state, to_json_value

__all__ = ["prototype_table", "prototype_state", "load_prototype_state"]


def prototype_table(encoder: TabularEncoder, info: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """``info`` (class, training index, ...) beside the prototype rows' raw ``values`` in the
    schema's column order and types (numeric float, categorical object)."""
    values = values[encoder.schema_.names].copy()
    for spec in encoder.schema_:
        values[spec.name] = values[spec.name].astype(float if spec.is_numeric else object)
    out = pd.concat([info, values], axis=1)
    out.index.name = "prototype"
    return out


def prototype_state(model: Any) -> tuple[dict, dict[str, torch.Tensor]]:
    """(JSON-safe state, named tensors) of a fitted prototype model."""
    if model.input_kind_ == "tabular":
        state = model._base_state()
    else:
        state = {
            "n_features_in_": int(model.n_features_in_), "fit_info_": model.fit_info_,
            **classes_state(model.classes_),
            **model.image_encoder_.to_dict(),
        }
    state["input_kind_"] = model.input_kind_
    state["history_"] = model.history_.to_dict(orient="list")
    state["prototype_class_"] = model.prototype_class_.tolist()
    state["projection_report_"] = model.projection_report_
    info = model.prototype_info_
    state["prototype_info_"] = {c: [to_json_value(v) for v in info[c]] for c in info.columns}
    tensors = {f"module.{k}": v.detach().cpu().contiguous() for k, v in model.module_.state_dict().items()}
    tensors["baseline"] = torch.from_numpy(model.baseline_)
    if model.input_kind_ == "image":
        tensors["prototype_images"] = torch.from_numpy(np.ascontiguousarray(model.prototypes_))
    else:
        feats = model.prototypes_[model.feature_names_]
        state["prototype_values"] = {
            c: [None if pd.isna(v) else to_json_value(v) for v in feats[c]] for c in feats.columns
        }
    return state, tensors


def load_prototype_state(model: Any, state: dict, tensors: dict[str, torch.Tensor]) -> None:
    """Restore the fitted attributes written by :func:`prototype_state` onto ``model``."""
    model.input_kind_ = state["input_kind_"]
    if model.input_kind_ == "tabular":
        model._set_base_state(state)
    else:
        model.n_features_in_ = int(state["n_features_in_"])
        model.fit_info_ = dict(state["fit_info_"])
        model.classes_ = classes_from_state(state)
        model.image_encoder_ = ImageEncoder.from_dict(state)
    model.baseline_ = tensors["baseline"].numpy().copy()
    model.history_ = pd.DataFrame(state["history_"])
    model.prototype_class_ = np.asarray(state["prototype_class_"], dtype=np.int64)
    model.projection_report_ = dict(state["projection_report_"])
    info = pd.DataFrame(state["prototype_info_"])
    info.index.name = "prototype"
    info["prototype_class"] = model.classes_[model.prototype_class_]
    model.module_ = model._build_module()
    sd = {k[len("module."):]: v for k, v in tensors.items() if k.startswith("module.")}
    model.module_.load_state_dict(sd, strict=True)
    model.module_.eval()
    if model.input_kind_ == "image":
        model.prototypes_ = tensors["prototype_images"].numpy().copy()
    else:
        model.prototypes_ = prototype_table(model.encoder_, info, pd.DataFrame(state["prototype_values"]))
    model.prototype_info_ = info

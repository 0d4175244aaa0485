"""Persistence of a fitted :class:`~interpretable_nn.models.prototype.PrototypeClassifier`
(JSON state + safetensors, never pickle) and the table of its tabular prototypes.

Tabular models save the shared base state (the :class:`~interpretable_nn.data.encoding.TabularEncoder`)
and the prototype rows as JSON values (dates and durations as ISO 8601 text; files
written before stored them as float days, which load the same); image models save the
:class:`~interpretable_nn.data.images.ImageEncoder`'s state (under the keys saved files have
always used) and the prototype images as a tensor.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..data.dtypes import DAYS_UNIT, days_as_dates
from ..data.encoding import TabularEncoder
from ..data.images import ImageEncoder
from ..data.schema import FeatureSpec, classes_from_state, classes_state, to_json_value

__all__ = ["prototype_table", "prototype_state", "load_prototype_state"]


def prototype_table(encoder: TabularEncoder, info: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """``info`` (class, training index, ...) beside the prototype rows' ``values`` in the
    schema's column order, each column back in its training type (:func:`_as_trained`), so a
    prototype reads as its training row did. ``values`` are the encoder's readings of the rows
    (dates and durations as float days) or, from a saved model, :func:`_saved_cell` values."""
    values = values[encoder.schema_.names].copy()
    for spec in encoder.schema_:
        values[spec.name] = _as_trained(spec, values[spec.name])
    out = pd.concat([info, values], axis=1)
    out.index.name = "prototype"
    return out


def _as_trained(spec: FeatureSpec, s: pd.Series) -> pd.Series:
    """One prototype column in its training type: categorical as object; dates as
    ``datetime64[us]`` (naive, UTC: the encoder read every zone as UTC) and durations as
    ``timedelta64[us]``, to the microsecond (what float days resolve near today); other numeric
    columns in their training dtype (int, nullable Int64, float32...) where that holds the
    values exactly, float otherwise."""
    if not spec.is_numeric:
        return s.astype(object)
    if spec.converted_from:
        if pd.api.types.is_numeric_dtype(s) or s.isna().all():
            return days_as_dates(s.astype(float), spec.converted_from)
        read = pd.to_datetime(s, format="ISO8601") if spec.converted_from == "datetime" else pd.to_timedelta(s)
        return read.astype(DAYS_UNIT[spec.converted_from])
    v = s.astype(float)
    try:
        dtype = pd.api.types.pandas_dtype(spec.dtype)
    except TypeError:
        return v
    if not (pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype)):
        return v  # e.g. Decimal cells of an object column
    if pd.api.types.is_integer_dtype(dtype) and (v.abs() >= 2**53).any():
        return v  # the model read them as float64: an id of 2**53 + 1 would show as 2**53, typed as exact
    try:
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # out of range: caught below
            typed = v.astype(dtype)
    except (TypeError, ValueError, OverflowError):  # NaN in a numpy int column, 1.5 in Int64
        return v
    exact = np.array_equal(typed.to_numpy(dtype=float, na_value=np.nan), v.to_numpy(), equal_nan=True)
    return typed if exact else v


def _saved_cell(v: Any) -> Any:
    """A prototype cell as a JSON value: dates and durations as ISO 8601 text (exact to the
    microsecond, unlike float days far from 1970), missing as None."""
    if pd.isna(v):
        return None
    if isinstance(v, (pd.Timestamp, pd.Timedelta)):
        return v.isoformat()
    return to_json_value(v)


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
        state["prototype_values"] = {c: [_saved_cell(v) for v in feats[c]] for c in feats.columns}
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

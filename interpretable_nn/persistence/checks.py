"""What :func:`interpretable_nn.load_model` checks beyond checksums: the saved state must
make sense (finite tensors, scalar and distinct category levels and classes, feature lists
and layouts that agree with the schema, tensor shapes that fit the model ``model.json``
describes, one finite score for a row built from the schema). Each failure is a
:class:`ModelFileError` naming the file and the field."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import numpy as np
import torch

from ..data.schema import CLASS_DTYPES, classes_from_state
from .errors import ModelFileError

__all__ = ["check_tensors", "check_state", "shape_error", "check_scores"]


def _is_scalar(v) -> bool:
    return v is None or isinstance(v, (bool, int, str)) or (isinstance(v, float) and math.isfinite(v))


def _first_repeat(values: list):
    seen: set = set()
    for v in values:
        k = (type(v) is bool, v)  # True and 1 are different levels for a reviewer
        if k in seen:
            return v
        seen.add(k)
    return None


def check_tensors(path: Path, tensors: dict[str, torch.Tensor], cls: type) -> None:
    allowed = set(getattr(cls, "_nonfinite_tensors_ok", ()))
    for name, t in tensors.items():
        if t.is_floating_point() and name not in allowed:
            bad = int((~torch.isfinite(t)).sum())
            if bad:
                raise ModelFileError(
                    f"tensors.safetensors in {path}: tensor {name!r} holds {bad} non-finite value(s) "
                    "(NaN or inf), which a fitted model never stores; the file was edited or corrupted. "
                    "Save the model again from its source."
                )


def _check_schema(where: str, encoder) -> list[str]:
    """The feature names of a saved encoder, after checking each feature makes sense."""
    features = encoder.get("schema", {}).get("features") if isinstance(encoder, dict) else None
    if not isinstance(features, list):
        raise ModelFileError(f"{where}: state.encoder.schema.features must be a list of features.")
    names = []
    for i, f in enumerate(features):
        at = f"{where}: state.encoder.schema.features[{i}]"
        if not isinstance(f, dict) or not isinstance(f.get("name"), str):
            raise ModelFileError(f"{at} must be an object with a string 'name'.")
        at = f"{at} ({f['name']!r})"
        names.append(f["name"])
        for field in ("min", "max", "mean", "std"):
            v = f.get(field)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
                raise ModelFileError(f"{at}.{field} must be a finite number or null; got {v!r}.")
        q = f.get("quantiles", [])
        if not isinstance(q, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                              and math.isfinite(v) for v in q):
            raise ModelFileError(f"{at}.quantiles must be a list of finite numbers.")
        levels = f.get("categories", [])
        if not isinstance(levels, list):
            raise ModelFileError(f"{at}.categories must be a list of levels.")
        for v in levels:
            if not _is_scalar(v) or v is None:
                raise ModelFileError(
                    f"{at}.categories holds {v!r}; a category level must be a string, a number or a boolean."
                )
        rep = _first_repeat(levels)
        if rep is not None:
            raise ModelFileError(f"{at}.categories lists the level {rep!r} twice; levels must be distinct.")
    rep = _first_repeat(names)
    if rep is not None:
        raise ModelFileError(f"{where}: state.encoder.schema.features names the feature {rep!r} twice.")
    return names


def check_state(path: Path, doc: dict) -> None:
    """Fields every saved estimator shares: classes, schema and feature lists agree."""
    where = f"model.json in {path}"
    state = doc.get("state")
    if not isinstance(state, dict):
        raise ModelFileError(f"{where}: state must be an object.")
    if "classes_" in state:
        classes = state["classes_"]
        if not isinstance(classes, list) or not all(_is_scalar(c) and c is not None for c in classes):
            raise ModelFileError(f"{where}: state.classes_ must be a list of class labels (strings or numbers).")
        rep = _first_repeat(classes)
        if rep is not None:
            raise ModelFileError(f"{where}: state.classes_ lists the class {rep!r} twice; classes must be distinct.")
        dtype = state.get("classes_dtype_")
        if dtype is not None and dtype not in CLASS_DTYPES:
            raise ModelFileError(f"{where}: state.classes_dtype_ {dtype!r} is not a label dtype a model saves "
                                 f"(one of {sorted(CLASS_DTYPES)}).")
        try:
            labels = classes_from_state(state)
        except (ValueError, TypeError, OverflowError):
            labels = None
        kinds = {"b": (bool,), "i": (int,), "u": (int,), "f": (int, float)}.get(np.dtype(dtype).kind if dtype else "")
        if labels is None or len(set(labels.tolist())) != len(classes) or (
                dtype not in (None, "object") and labels.tolist() != classes) or (
                kinds is not None and not all(isinstance(c, kinds) and (bool in kinds or not isinstance(c, bool))
                                              for c in classes)):
            raise ModelFileError(f"{where}: state.classes_ {classes!r} cannot be labels of dtype {dtype!r} "
                                 "without changing them.")
    if "encoder" not in state:
        return
    names = _check_schema(where, state["encoder"])
    n = state.get("n_features_in_")
    if n != len(names):
        raise ModelFileError(
            f"{where}: state.n_features_in_ is {n!r} but the schema (state.encoder.schema) has {len(names)} features."
        )
    if "feature_names_in_" in state and state["feature_names_in_"] != names:
        raise ModelFileError(
            f"{where}: state.feature_names_in_ {state['feature_names_in_']!r} does not match the schema's features {names!r}."
        )
    extra = state.get("extra")
    layout = extra.get("layout") if isinstance(extra, dict) else None
    if isinstance(layout, dict):
        _check_layout(where, layout, state["encoder"]["schema"]["features"])


def _check_layout(where: str, layout: dict, features: list[dict]) -> None:
    """An additive model's term layout (state.extra.layout) must describe the schema's features."""
    names = [f["name"] for f in features]
    if layout.get("names") != names:
        raise ModelFileError(f"{where}: state.extra.layout.names {layout.get('names')!r} does not match the schema's features {names!r}.")
    sizes = [len(f.get("categories", [])) + 2 for f in features if f.get("kind") == "categorical"]
    if layout.get("cat_sizes") != sizes:
        raise ModelFileError(
            f"{where}: state.extra.layout.cat_sizes {layout.get('cat_sizes')!r} does not match the schema's "
            f"category levels (levels + missing + unseen: {sizes!r})."
        )


_SIZE_MISMATCH = re.compile(
    r"size mismatch for (\S+): copying a param with shape torch\.Size\(\[([^\]]*)\]\) from checkpoint, "
    r"the shape in current model is torch\.Size\(\[([^\]]*)\]\)"
)


def shape_error(path: Path, exc: Exception) -> ModelFileError | None:
    m = _SIZE_MISMATCH.search(str(exc))
    if m is None:
        return None
    return ModelFileError(
        f"tensors.safetensors in {path}: tensor 'module.{m.group(1)}' has shape ({m.group(2)}) but the model "
        f"model.json describes needs ({m.group(3)}); the files do not belong together. "
        "Save the model again from its source."
    )


def check_scores(path: Path, model) -> None:
    """Score one row built from the saved schema (every numeric feature at its training mean,
    every categorical one at its first level): it must run and give finite figures."""
    from ..data.encoding import N_RESERVED, EncodedData

    encoder = getattr(model, "encoder_", None)
    score = getattr(model, "_decision_encoded", None)
    if encoder is None or score is None or getattr(model, "input_kind_", "tabular") != "tabular":
        return
    cats = encoder.schema_.categorical
    enc = EncodedData(
        np.zeros((1, len(encoder.numeric_names_)), dtype=np.float32),
        np.zeros((1, len(encoder.numeric_names_)), dtype=np.float32),
        np.array([[N_RESERVED if f.categories else 0 for f in cats]], dtype=np.int64).reshape(1, len(cats)),
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = np.asarray(score(enc), dtype=float)
    except NotImplementedError:
        return  # this model scores only through its own input path; its tensors were checked above
    except Exception as exc:  # noqa: BLE001 - any failure here means the files disagree
        raise ModelFileError(
            f"model.json and tensors.safetensors in {path} do not agree: scoring one row built from the "
            f"saved schema failed ({type(exc).__name__}: {exc}). Save the model again from its source."
        ) from None
    if out.shape[0] != 1 or not np.isfinite(out).all():
        raise ModelFileError(
            f"model.json and tensors.safetensors in {path} do not agree: one row built from the saved schema "
            f"scores {out.tolist()!r} (expected one finite score). Save the model again from its source."
        )
    classes = getattr(model, "classes_", None)
    if classes is not None and getattr(model, "_task", "") == "classification":
        width = 1 if out.ndim == 1 or out.shape[1] == 1 else out.shape[1]
        if len(classes) < 2 or (len(classes) == 2) != (width == 1) or (len(classes) > 2 and width != len(classes)):
            raise ModelFileError(
                f"model.json and tensors.safetensors in {path} do not agree: state.classes_ lists "
                f"{len(classes)} class(es) but the network scores {'one log-odds' if width == 1 else f'{width} classes'}. "
                "Save the model again from its source.")

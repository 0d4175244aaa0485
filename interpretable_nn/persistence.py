"""Save and load models without pickle.

A saved model is a directory::

    model_dir/
      model.json            format, library version, class, parameters, fitted state (JSON)
      tensors.safetensors   every tensor (safetensors: no code execution on load)
      manifest.json         format version and the SHA-256 of the two files above

:func:`load_model` reads the manifest, refuses a newer format with a clear message,
refuses any file whose checksum differs (a flipped byte, an edited JSON), refuses file
names that leave the directory, and only instantiates registered estimator classes
(:func:`register_model_class`; every public estimator of this library registers itself
when its class is defined, so this module imports no model). Nothing is ever unpickled.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np
import torch

from ._version import __version__

__all__ = ["save_model", "load_model", "register_model_class", "FORMAT_VERSION", "ModelFileError"]

FORMAT = "interpretable_nn.model"
FORMAT_VERSION = 1
_FILES = ("model.json", "tensors.safetensors")
_MAX_JSON_BYTES = 256 * 1024 * 1024


class ModelFileError(ValueError):
    """A model directory that cannot be trusted or read (checksum, format, layout)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _json_safe(obj, where: str = "params"):
    """Parameters to JSON: tuples become lists; anything not representable is refused."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise TypeError(f"{where} holds a non-finite float {obj}; it cannot be saved as JSON.")
        return obj
    if isinstance(obj, np.generic):
        return _json_safe(obj.item(), where)
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        return {str(k): _json_safe(v, f"{where}[{k!r}]") for k, v in obj.items()}
    raise TypeError(
        f"{where} holds a {type(obj).__name__}, which cannot be saved without pickle; "
        "use plain numbers, strings, lists and dicts as parameters."
    )


def save_model(model, path) -> Path:
    """Save a fitted estimator of this library to directory ``path`` (created if needed).

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd, interpretable_nn as inn
    >>> X = pd.DataFrame({"a": np.arange(40.0)}); y = (X["a"] > 20).astype(int)
    >>> m = inn.MLPClassifier(max_epochs=2, verbose=0).fit(X, y)
    >>> d = tempfile.mkdtemp(); _ = save_model(m, d)
    >>> bool(np.allclose(load_model(d).predict_proba(X), m.predict_proba(X)))
    True
    """
    from safetensors.torch import save_file
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    state, tensors = model._get_state()
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "class": type(model).__name__,
        "params": _json_safe(model.get_params(deep=False)),
        "state": _json_safe(state, "state"),
    }
    (path / "model.json").write_text(json.dumps(doc, indent=1, allow_nan=False))
    tensors = {k: (v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v))).contiguous()
               for k, v in tensors.items()}
    save_file(tensors, str(path / "tensors.safetensors"), metadata={"format": FORMAT})
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "files": {name: _sha256(path / name) for name in _FILES},
    }
    (path / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return path


#: estimator classes load_model may instantiate, by class name (filled by
#: ``BaseModel.__init_subclass__`` for every public estimator class of this library)
_MODEL_CLASSES: dict[str, type] = {}


def register_model_class(cls: type) -> type:
    """Let :func:`load_model` instantiate ``cls`` (looked up by its class name). Every public
    estimator class of this library registers itself when it is defined; returns ``cls`` so
    it can decorate a class of your own."""
    _MODEL_CLASSES[cls.__name__] = cls
    return cls


def _model_classes() -> dict[str, type]:
    """The registered estimator classes, by name (the only ones load_model instantiates)."""
    return dict(_MODEL_CLASSES)


def _read_json(path: Path, what: str) -> dict:
    if not path.is_file():
        raise ModelFileError(f"{path.parent} is not a saved model: {path.name} is missing.")
    if path.stat().st_size > _MAX_JSON_BYTES:
        raise ModelFileError(f"{what} is larger than {_MAX_JSON_BYTES} bytes; refusing to read it.")

    def no_constants(c):
        raise ModelFileError(f"{what} holds the non-standard JSON constant {c}.")

    try:
        doc = json.loads(path.read_text(), parse_constant=no_constants)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelFileError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ModelFileError(f"{what} must hold a JSON object.")
    return doc


def _check_version(doc: dict, what: str) -> None:
    if doc.get("format") != FORMAT:
        raise ModelFileError(f"{what} is not an interpretable_nn model (format {doc.get('format')!r}).")
    v = doc.get("format_version")
    if not isinstance(v, int) or isinstance(v, bool):
        raise ModelFileError(f"{what} has no valid format_version.")
    if v > FORMAT_VERSION:
        raise ModelFileError(
            f"{what} was written in format version {v} by a newer interpretable_nn; this is "
            f"version {__version__} (format {FORMAT_VERSION}). Upgrade with: pip install -U interpretable-nn"
        )


def load_model(path):
    """Load a model saved with ``model.save(path)``; verifies every checksum first.

    Raises
    ------
    ModelFileError (a ValueError)
        Missing files, a checksum mismatch (tampered or corrupted file), a newer format,
        file names outside the directory, or an unknown model class.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_dir():
        raise ModelFileError(f"{path} is not a directory; pass the directory given to model.save().")
    manifest = _read_json(path / "manifest.json", "manifest.json")
    _check_version(manifest, "manifest.json")
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(_FILES):
        raise ModelFileError(f"manifest.json must list exactly {list(_FILES)}; got {files!r}.")
    root = path.resolve()
    for name, digest in files.items():
        target = (path / name).resolve()
        if os.path.dirname(name) or target.parent != root or name in ("", ".", ".."):
            raise ModelFileError(f"manifest.json names {name!r}, which lies outside the model directory.")
        if target.is_symlink() or not target.is_file():
            raise ModelFileError(f"{name} is missing from {path} (or is not a regular file).")
        if _sha256(target) != digest:
            raise ModelFileError(
                f"Checksum mismatch for {name} in {path}: the file was modified or corrupted after "
                "saving. Refusing to load it; save the model again from its source."
            )
    doc = _read_json(path / "model.json", "model.json")
    _check_version(doc, "model.json")
    classes = _model_classes()
    cls = classes.get(doc.get("class"))
    if cls is None:
        raise ModelFileError(f"model.json names an unknown model class {doc.get('class')!r}; known: {sorted(classes)}.")
    try:
        tensors = load_file(str(path / "tensors.safetensors"))
    except SafetensorError as exc:
        raise ModelFileError(f"tensors.safetensors could not be read: {exc}") from None
    params = doc.get("params", {})
    if not isinstance(params, dict):
        raise ModelFileError("model.json: params must be an object.")
    try:
        model = cls(**params)
        model._set_state(doc["state"], tensors)
    except ModelFileError:
        raise
    except (TypeError, KeyError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
        raise ModelFileError(
            f"model.json in {path} does not describe a valid {cls.__name__} "
            f"({type(exc).__name__}: {exc}); it was edited or written by another tool. "
            "Save the model again from its source."
        ) from None
    return model

"""Save and load models without pickle: atomic, confined to one directory, optionally signed.

A saved model is a directory::

    model_dir/
      model.json            format, library version, class, parameters, fitted state (JSON)
      tensors.safetensors   every tensor (safetensors: no code execution on load)
      manifest.json         format version, the SHA-256 of the two files above
                            [and an HMAC-SHA256 signature when saved with ``key=``]

Promises
--------
Confined
    :func:`save_model` writes only inside the target directory, through a handle on that
    directory, and never opens an existing file for writing: every file is written under a
    fresh temporary name (``O_CREAT | O_EXCL | O_NOFOLLOW``) and renamed over the old entry,
    so a ``model.json`` that is a symbolic link is replaced, never followed. Files of the
    directory that are not part of the model are left alone. (``path`` itself may be a link
    to a directory: that link is the caller's own choice.)
Atomic
    ``manifest.json`` is the one commit point. The data files are first written as
    ``.<name>.<sha256>.staged`` (the checksum is in the name), then the new manifest is
    renamed over the old one, then the staged files are renamed to their own names. Before
    the manifest is replaced the old model loads; after it, the new one does (the loader
    reads a staged file when the file under its own name does not match the manifest). A
    save that fails at any point leaves one of the two models loadable, never neither.
One permission mode
    Every file of a save is created with mode ``0o666`` filtered by the process umask
    (``0o644`` under the usual umask ``022``), like any file a program creates.
Integrity (no key)
    :func:`load_model` refuses a file whose SHA-256 differs from the manifest, file names
    that leave the directory, symbolic links, and state that does not make sense (see
    *Meaning* below). The manifest can be recomputed by anyone who edits the files, so
    without a key this protects against accidents (a truncated copy, a flipped byte, a
    hand edit), not against a deliberate edit.
Authenticity (``key=``)
    ``save_model(model, path, key=k)`` adds an HMAC-SHA256 of the manifest under ``k``
    (which covers both checksums, hence every byte of the model). ``load_model(path,
    key=k)`` refuses an unsigned directory and any signature that does not match
    (compared with :func:`hmac.compare_digest`), so an edit that also recomputes the
    checksums is refused. A signed model loaded *without* a key loads with an
    :class:`UnverifiedModelWarning` (its signature is not checked: pass the key to check it).
Meaning
    Beyond checksums, :func:`load_model` refuses (``ModelFileError`` naming the file and the
    field) non-finite tensors, category levels that are not scalars or repeat, classes that
    repeat, feature lists that disagree with the schema, tensors whose shape does not fit the
    model that ``model.json`` describes, and a model that cannot score one row built from
    its own schema or scores it as NaN or inf.

Only registered estimator classes are instantiated (:func:`register_model_class`; every
public estimator of this library registers itself when its class is defined, so this
module imports no model). Nothing is ever unpickled.

Modules: ``files`` (the writer: one directory, atomic, one mode), ``checks`` (meaning
beyond checksums), ``errors``; the format, the signature, :func:`save_model` and
:func:`load_model` live here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import stat
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._version import __version__
from ..data.validation import user_stacklevel
from ..training.devices import float32_default
from .checks import check_scores, check_state, check_tensors, shape_error
from .errors import ModelFileError, UnverifiedModelWarning
from .files import (
    _dir_path,
    check_save_path,
    commit,
    staged_name,
    write_figure_atomic,
    write_file_atomic,
    write_output,
)

__all__ = [
    "save_model", "load_model", "register_model_class", "check_save_path", "write_file_atomic", "write_figure_atomic", "write_output",
    "FORMAT_VERSION", "ModelFileError", "UnverifiedModelWarning",
]

FORMAT = "interpretable_nn.model"
#: 2 (stop 76): a date feature's schema may say ``whole_days``, which a reader of format 1
#: refused as a file "edited or written by another tool"; format 1 files are read as before
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
_FILES = ("model.json", "tensors.safetensors")
_MAX_JSON_BYTES = 256 * 1024 * 1024
_SIGNATURE_ALGORITHM = "HMAC-SHA256"
_SIGNATURE_DOMAIN = b"interpretable_nn.model manifest\n"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _check_key(key) -> bytes | None:
    if key is None:
        return None
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(key, bytearray):
        key = bytes(key)
    if not isinstance(key, bytes):
        raise TypeError(f"key must be bytes or str; got {type(key).__name__}.")
    if not key:
        raise ValueError("key is empty; pass a secret (e.g. secrets.token_bytes(32)) or key=None for no signature.")
    return key


# ---------------------------------------------------------------------------- saving
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
        if all(isinstance(k, str) for k in obj):
            return {k: _json_safe(v, f"{where}[{k!r}]") for k, v in obj.items()}
        # keys of other types (class_weight={0: 1.0, 1: 3.0}) keep their type: JSON keys are str
        return {_TYPED_ITEMS: [[_json_safe(k, f"{where} key {k!r}"), _json_safe(v, f"{where}[{k!r}]")]
                               for k, v in obj.items()]}
    raise TypeError(
        f"{where} holds a {type(obj).__name__}, which cannot be saved without pickle; "
        "use plain numbers, strings, lists and dicts as parameters."
    )


#: a dict whose keys are not all str, as JSON holds it: ``{"__typed_items__": [[key, value], ...]}``
_TYPED_ITEMS = "__typed_items__"


def _from_json_safe(obj):
    """:func:`_json_safe` undone where it had to: dicts with typed keys come back as dicts."""
    if isinstance(obj, list):
        return [_from_json_safe(v) for v in obj]
    if isinstance(obj, dict):
        items = obj.get(_TYPED_ITEMS)
        if len(obj) == 1 and isinstance(items, list) and all(isinstance(i, list) and len(i) == 2 for i in items):
            return {(tuple(k) if isinstance(k, list) else k): _from_json_safe(v) for k, v in items}
        return {k: _from_json_safe(v) for k, v in obj.items()}
    return obj


def _signable(manifest: dict) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return _SIGNATURE_DOMAIN + json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _sign(manifest: dict, key: bytes) -> str:
    return hmac.new(key, _signable(manifest), hashlib.sha256).hexdigest()


def save_model(model, path, *, key: bytes | str | None = None) -> Path:
    """Save a fitted estimator of this library to directory ``path`` (created if needed).

    Everything is serialised in memory first (nothing is written if the model cannot be
    saved), then committed atomically (see the module docstring): an interrupted save leaves
    the previous model in ``path`` loadable, and nothing is written outside ``path``.

    Parameters
    ----------
    model : fitted estimator of this library
    path : str or os.PathLike
        The directory; an empty string is refused (write ``"."`` for the working directory).
    key : bytes or str, optional
        Sign the manifest with HMAC-SHA256 under this secret; :func:`load_model` with the
        same key then refuses any edit, even one that recomputes the checksums.

    Examples
    --------
    >>> import tempfile, numpy as np, pandas as pd, interpretable_nn as inn
    >>> X = pd.DataFrame({"a": np.arange(40.0)}); y = (X["a"] > 20).astype(int)
    >>> m = inn.MLPClassifier(max_epochs=2, verbose=0).fit(X, y)
    >>> d = tempfile.mkdtemp(); _ = save_model(m, d, key=b"secret")
    >>> bool(np.allclose(load_model(d, key=b"secret").predict_proba(X), m.predict_proba(X)))
    True
    """
    from safetensors.torch import save as safetensors_bytes
    from sklearn.utils.validation import check_is_fitted

    path = check_save_path(path)  # a clear error for a file or a read-only directory
    key = _check_key(key)
    check_is_fitted(model)
    state, tensors = model._get_state()  # first: a model that cannot be saved says why
    _check_params_unchanged(model)
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "class": type(model).__name__,
        "params": _json_safe(model.get_params(deep=False)),
        "state": _json_safe(state, "state"),
    }
    tensors = {k: (v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v))).contiguous()
               for k, v in tensors.items()}
    files = {
        "model.json": json.dumps(doc, indent=1, allow_nan=False).encode("utf-8"),
        "tensors.safetensors": safetensors_bytes(tensors, metadata={"format": FORMAT}),
    }
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    if key is not None:
        manifest["signature"] = {"algorithm": _SIGNATURE_ALGORITHM, "value": _sign(manifest, key)}
    # under the save's lock: a save into the same directory could commit between two looks
    commit(path, files, MANIFEST, json.dumps(manifest, indent=1).encode("utf-8"),
           precheck=lambda: _refuse_foreign(path, [*files, MANIFEST]))
    return path


def _tuples_as_defaults(cls, params: dict) -> dict:
    """JSON has no tuple: a parameter whose default is a tuple (``hidden_sizes=(32, 16)``) and
    that reads back as a list is given back as a tuple, so get_params is the same after a
    load (nested lists become nested tuples)."""
    import inspect

    defaults = {k: v.default for k, v in inspect.signature(cls.__init__).parameters.items()}

    def tup(v):
        return tuple(tup(x) for x in v) if isinstance(v, list) else v

    return {k: tup(v) if isinstance(v, list) and isinstance(defaults.get(k), tuple) else v
            for k, v in params.items()}


#: parameters that change how a fitted model runs or explains, not what it is: set_params may
#: change them after the fit and the model still saves
RUNTIME_PARAMS = frozenset({"verbose", "device", "n_threads", "ig_steps"})


def snapshot_params(model) -> dict:
    """A deep copy of ``model.get_params(deep=False)``: a list or dict changed in place after
    the fit (``hidden_sizes.append(8)``) must not change the snapshot with it."""
    import copy

    params = model.get_params(deep=False)
    try:
        return copy.deepcopy(params)
    except Exception:  # noqa: BLE001 - a parameter that cannot be copied is compared as it is
        return dict(params)


def _check_params_unchanged(model) -> None:
    """Refuse to save a model whose parameters were changed (``set_params``) after its fit in
    a way that no longer describes the fitted network: the saved parameters would describe
    another network and the directory would not load (it replaced a good model there)."""
    fitted = getattr(model, "fitted_params_", None)
    if fitted is None:  # a model fitted before this check existed (an old pickle): not judged
        return
    now, then = _json_safe(model.get_params(deep=False)), _json_safe(fitted)
    changed = sorted(k for k in set(now) | set(then) if k not in RUNTIME_PARAMS and now.get(k) != then.get(k))
    if changed:
        raise ValueError(
            f"{type(model).__name__}: set_params changed {changed} after the fit, so the parameters no longer "
            f"describe the fitted model (fitted with {', '.join(f'{k}={then.get(k)!r}' for k in changed)}). "
            "Refit before saving, or set them back.")


def _refuse_foreign(path: Path, names: list[str]) -> None:
    """Refuse to save into a directory whose ``manifest.json`` (or, without one, whose
    ``model.json`` or ``tensors.safetensors``) is a regular file that is not part of a saved
    model: ``save(".")`` in a project folder replaced its own ``manifest.json`` silently."""
    def regular(name: str) -> bool:
        try:
            return stat.S_ISREG(os.lstat(path / name).st_mode)
        except (FileNotFoundError, NotADirectoryError):
            return False

    if regular(MANIFEST):
        try:
            ours = json.loads((path / MANIFEST).read_bytes()[:1_000_000]).get("format") == FORMAT
        except (ValueError, AttributeError, OSError):
            ours = False
        if not ours:
            raise ValueError(f"{path / MANIFEST} is not an interpretable_nn model's manifest; refusing to "
                             "replace it. Save the model into a new or empty directory.")
        return
    foreign = [n for n in names if n != MANIFEST and regular(n)]
    if foreign:
        raise ValueError(f"{path} holds {foreign} but no model manifest; refusing to replace them. Save the "
                         "model into a new or empty directory.")


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


# ---------------------------------------------------------------------------- reading
def _read_entry(path: Path, name: str, limit: int | None = None) -> bytes | None:
    """The bytes of regular file ``name`` of ``path`` (None when absent); a symbolic link is
    refused, never followed."""
    p = path / name
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise ModelFileError(
            f"{name!r} in {path} is a symbolic link, which may lead outside the model directory; "
            "a saved model holds regular files only. Save the model again from its source."
        )
    if not stat.S_ISREG(st.st_mode):
        raise ModelFileError(f"{name} in {path} is not a regular file.")
    if limit is not None and st.st_size > limit:
        raise ModelFileError(f"{name} is larger than {limit} bytes; refusing to read it.")
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read()


def _parse_json(data: bytes, what: str) -> dict:
    def no_constants(c):
        raise ModelFileError(f"{what} holds the non-standard JSON constant {c}.")

    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=no_constants)
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


def _read_manifest(path: Path, key: bytes | None) -> dict[str, str]:
    data = _read_entry(path, MANIFEST, _MAX_JSON_BYTES)
    if data is None:
        raise ModelFileError(f"{path} is not a saved model: {MANIFEST} is missing.")
    manifest = _parse_json(data, MANIFEST)
    _check_version(manifest, MANIFEST)
    _check_signature(path, manifest, key)
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != set(_FILES):
        raise ModelFileError(f"{MANIFEST} must list exactly {list(_FILES)}; got {files!r}.")
    for name, digest in files.items():
        if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
            raise ModelFileError(f"{MANIFEST}: files[{name!r}] must be a SHA-256 in lowercase hex; got {digest!r}.")
    return files


def _check_signature(path: Path, manifest: dict, key: bytes | None) -> None:
    sig = manifest.get("signature")
    if key is None:
        if sig is not None:
            warnings.warn(
                f"{path} is signed, but no key was given: its signature was not checked, so only "
                "accidental damage is detected. Pass key=... to load_model to check it.",
                UnverifiedModelWarning,
                stacklevel=user_stacklevel(),
            )
        return
    if sig is None:
        raise ModelFileError(
            f"{MANIFEST} in {path} is not signed, but a key was given; refusing an unsigned model. "
            "Save it with model.save(path, key=...) from its source."
        )
    if not isinstance(sig, dict) or sig.get("algorithm") != _SIGNATURE_ALGORITHM or not isinstance(sig.get("value"), str):
        raise ModelFileError(f"{MANIFEST} in {path}: signature must be {{'algorithm': 'HMAC-SHA256', 'value': hex}}.")
    if not hmac.compare_digest(sig["value"].encode("ascii", "replace"), _sign(manifest, key).encode("ascii")):
        raise ModelFileError(
            f"{MANIFEST} in {path}: the signature does not match; the model was modified after it was "
            "signed, or the key is not the one it was signed with. Refusing to load it."
        )


def _read_verified(path: Path, name: str, digest: str) -> bytes:
    """The bytes of ``name`` whose SHA-256 is ``digest``: the file under its own name, or the
    staged copy an interrupted save left behind (the manifest was committed, the rename not)."""
    limit = _MAX_JSON_BYTES if name.endswith(".json") else None
    found = False
    for _attempt in range(2):  # a save may rename the staged file between our two reads
        for entry in (name, staged_name(name, digest)):
            data = _read_entry(path, entry, limit)
            if data is None:
                continue
            found = True
            if hmac.compare_digest(hashlib.sha256(data).hexdigest(), digest):
                return data
    if not found:
        raise ModelFileError(f"{name} is missing from {path} (or is not a regular file).")
    raise ModelFileError(
        f"Checksum mismatch for {name} in {path}: the file was modified or corrupted after "
        "saving. Refusing to load it; save the model again from its source."
    )


def load_model(path, *, key: bytes | str | None = None):
    """Load a model saved with ``model.save(path)``; verifies checksums, meaning and, with
    ``key``, the signature, before any model object is built.

    Parameters
    ----------
    path : str or os.PathLike
        The directory given to ``model.save``.
    key : bytes or str, optional
        The key the model was saved with. With a key, an unsigned model and any signature
        mismatch are refused; without one, a signed model loads with an
        :class:`UnverifiedModelWarning`.

    Raises
    ------
    ModelFileError (a ValueError)
        Missing files, a checksum or signature mismatch (tampered or corrupted file), a newer
        format, file names outside the directory, symbolic links, an unknown model class, or
        state that makes no sense (non-finite tensors, repeated classes or levels, shapes that
        do not agree); the message names the file and the field.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load as safetensors_load

    path = _dir_path(path)
    key = _check_key(key)
    if not path.is_dir():
        raise ModelFileError(f"{path} is not a directory; pass the directory given to model.save().")
    files = _read_manifest(path, key)
    raw = {name: _read_verified(path, name, digest) for name, digest in files.items()}
    doc = _parse_json(raw["model.json"], "model.json")
    _check_version(doc, "model.json")
    classes = _model_classes()
    cls = classes.get(doc.get("class"))
    if cls is None:
        raise ModelFileError(f"model.json names an unknown model class {doc.get('class')!r}; known: {sorted(classes)}.")
    try:
        tensors = safetensors_load(raw["tensors.safetensors"])
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"tensors.safetensors could not be read: {exc}") from None
    params = doc.get("params", {})
    if not isinstance(params, dict):
        raise ModelFileError("model.json: params must be an object.")
    params = _tuples_as_defaults(cls, _from_json_safe(params))
    check_tensors(path, tensors, cls)
    check_state(path, doc)
    try:
        with float32_default():  # the saved modules are float32, whatever the process default
            model = cls(**params)
            model._set_state(doc["state"], tensors)
            check_scores(path, model)
    except ModelFileError:
        raise
    except (TypeError, KeyError, ValueError, IndexError, AttributeError, RuntimeError) as exc:
        raise shape_error(path, exc) or ModelFileError(
            f"model.json in {path} does not describe a valid {cls.__name__} "
            f"({type(exc).__name__}: {exc}); it was edited or written by another tool. "
            "Save the model again from its source."
        ) from None
    model.fitted_params_ = snapshot_params(model)
    return model

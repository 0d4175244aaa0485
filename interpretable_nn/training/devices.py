"""Where tensors live: device choice, one device copy per input tensor, chunked prediction,
mixed-precision contexts and the deterministic mode (used by the engine and by every
model's prediction).

Precision on CUDA
-----------------
By default the engine trains in float32 with torch's own TF32 setting (bf16 autocast,
:func:`autocast`, only for a module that opts in: :func:`amp_enabled`), and some CUDA kernels (scatter-add, index-add backward) sum in no fixed order: a
GPU fit is then close to, not identical with, the CPU fit of the same seed. Inside
:func:`deterministic_training` (or with ``TrainConfig(deterministic=True)``) the engine
trains in float32 with TF32 off and ``torch.use_deterministic_algorithms(True)``: repeated
GPU fits are identical and differ from the CPU fit only by rounding. On the CPU both modes
give the same bits. Prediction and explanations never autocast: they run in float32 (the
knot tables of additive models in float64).
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator, Sequence

import torch
from torch import nn

__all__ = [
    "resolve_device",
    "module_device",
    "predict_batched",
    "autocast",
    "amp_enabled",
    "on_device",
    "deterministic_training",
    "deterministic_requested",
    "deterministic_flags",
    "to_device",
]


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """``"auto"`` (or ``None``) -> ``cuda`` when available, else ``cpu``; explicit names are
    checked.

    Raises
    ------
    ValueError
        For a name torch does not know, or ``"cuda"`` (``"cuda:1"``...) on a machine where
        CUDA is not available (a CPU-only torch build or no visible GPU), naming the fix.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        if device.type not in ("cpu", "cuda"):
            raise ValueError(f"device={device!r}: the models train on 'cpu' or 'cuda' only; use device='auto', "
                             "'cpu' or 'cuda'.")
        return device
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, str):
        raise TypeError(f"device must be a string such as 'auto', 'cpu' or 'cuda'; got {type(device).__name__}.")
    try:
        dev = torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"device={device!r} is not a device name; use 'auto', 'cpu', 'cuda' or 'cuda:<index>'.") from err
    if dev.type not in ("cpu", "cuda"):  # 'mps', 'xpu', 'meta': torch knows them, the training does not
        raise ValueError(f"device={device!r}: the models train on 'cpu' or 'cuda' only; use 'auto', 'cpu', 'cuda' "
                         "or 'cuda:<index>'.")
    if dev.type == "cuda" and not torch.cuda.is_available():
        build = "this torch build has no CUDA support" if torch.version.cuda is None else "no GPU is visible"
        raise ValueError(
            f"device={device!r} was requested but CUDA is not available ({build}, torch {torch.__version__}); "
            "use device='auto' (CUDA when present, else the CPU) or device='cpu', or install a CUDA build of torch."
        )
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(f"device={device!r}: only {torch.cuda.device_count()} CUDA device(s) are visible.")
    return dev


_STATE = threading.local()


def deterministic_requested() -> bool:
    """Whether the calling thread is inside :func:`deterministic_training`."""
    return bool(getattr(_STATE, "deterministic", False))


@contextlib.contextmanager
def deterministic_training(enabled: bool = True) -> Iterator[None]:
    """Fits inside this block train deterministically: float32 (no bf16 autocast), TF32
    off and deterministic kernels (see :func:`deterministic_flags`), e.g. to compare a GPU
    fit with a CPU fit or to repeat a GPU fit bit for bit. ``enabled=False`` is a no-op
    block (handy in loops over both modes).

    Examples
    --------
    >>> import interpretable_nn as inn
    >>> from interpretable_nn.training.devices import deterministic_training
    >>> with deterministic_training():  # doctest: +SKIP
    ...     m = inn.NAMClassifier(device="cuda").fit(X, y)
    """
    before = deterministic_requested()
    _STATE.deterministic = bool(enabled) or before
    try:
        yield
    finally:
        _STATE.deterministic = before


_DTYPE = {"lock": threading.Lock(), "inside": 0, "before": torch.float32}


@contextlib.contextmanager
def float32_default() -> Iterator[None]:
    """torch's default dtype float32 inside the block: the models build their modules and read
    their inputs in float32, and a process that called ``torch.set_default_dtype(torch.float64)``
    built float64 layers for float32 inputs (a bare "mat1 and mat2 must have the same dtype" at
    fit, a load that blamed the saved files). torch keeps one default per process, so blocks in
    several threads share it: the first to enter sets float32, the last to leave restores the
    user's default (a float64 default reads float32 in every thread while a fit runs). Nothing
    changes where the default is float32 already."""
    with _DTYPE["lock"]:
        if _DTYPE["inside"] == 0:
            _DTYPE["before"] = torch.get_default_dtype()
            if _DTYPE["before"] != torch.float32:
                torch.set_default_dtype(torch.float32)
        _DTYPE["inside"] += 1
    try:
        yield
    finally:
        with _DTYPE["lock"]:
            _DTYPE["inside"] -= 1
            if _DTYPE["inside"] == 0 and _DTYPE["before"] != torch.float32:
                torch.set_default_dtype(_DTYPE["before"])


@contextlib.contextmanager
def deterministic_flags(enabled: bool) -> Iterator[None]:
    """torch's global switches for one deterministic fit, restored afterwards:
    ``use_deterministic_algorithms(True, warn_only=True)`` (an op without a deterministic
    kernel warns instead of failing), TF32 off for matmuls and cuDNN, cuDNN deterministic
    and not benchmarking. Sets ``CUBLAS_WORKSPACE_CONFIG`` when unset (cuBLAS reads it when
    it first starts, so set it before the first CUDA matmul for full effect)."""
    if not enabled:
        yield
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    saved = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
             torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32,
             torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved[2], saved[3]
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved[4], saved[5]


def amp_enabled(device: torch.device, amp: bool, deterministic: bool = False, module: nn.Module | None = None) -> bool:
    """Whether a fit trains under bf16 autocast: only on CUDA, only when ``amp``, never in
    the deterministic mode, and only for a module that opts in with the class attribute
    ``supports_amp = True`` (its author vouches that bf16 keeps the model's guarantees).
    Mixed precision is opt-in because it is not free of meaning: a NAM's knot tables
    evaluated in bf16 carry 8-bit mantissas, so the tables must stay float32, and small
    models gain no speed from it (their steps are launch-bound, not matmul-bound)."""
    opted_in = module is not None and getattr(module, "supports_amp", False) is True
    return bool(amp) and device.type == "cuda" and not deterministic and opted_in


def autocast(device: torch.device, amp: bool):
    """bf16 autocast on CUDA when ``amp``; a disabled context otherwise (the CPU never
    autocasts: CPU fits are float32 and bit-for-bit repeatable)."""
    if amp and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return torch.autocast(device_type="cpu", enabled=False)


_DEVICE_COPIES: dict[int, tuple] = {}


def on_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """``t`` on ``device``, copied at most once while ``t`` lives unmodified: the stages of
    one fit that pass the same CPU tensor (e.g. a prototype net's joint, tied and
    last-layer phases) share one device copy, which is freed with ``t``."""
    if device.type == "cpu" or t.device == device:
        return t.to(device)
    key = id(t)
    hit = _DEVICE_COPIES.get(key)
    if hit is not None:
        ref, version, dev, copied = hit
        if ref() is t and version == t._version and dev == device:
            return copied
    copied = t.to(device)
    _DEVICE_COPIES[key] = (weakref.ref(t), t._version, device, copied)
    weakref.finalize(t, _DEVICE_COPIES.pop, key, None)
    return copied


@torch.no_grad()
def predict_batched(
    module: nn.Module,
    inputs: Sequence[torch.Tensor],
    device: str | torch.device | None = None,
    chunk: int = 65536,
) -> torch.Tensor:
    """Evaluate ``module(*inputs)`` in chunks of rows (bounded memory); returns a CPU
    float64 tensor. Inputs stay where they are and each chunk is moved to ``device``
    (default: the device of the module's first parameter or buffer, else the CPU)."""
    with float32_default():
        return _predict_batched(module, inputs, device, chunk)


def _predict_batched(module: nn.Module, inputs: Sequence[torch.Tensor], device, chunk: int) -> torch.Tensor:
    device = module_device(module) if device is None else resolve_device(device)
    module.eval()
    n = inputs[0].shape[0]
    outs = []
    pin = device.type == "cuda"
    for s in range(0, n, chunk):
        outs.append(module(*[to_device(t[s : s + chunk], device, pin) for t in inputs]).double().cpu())
    if not outs:
        probe = module(*[t[:0].to(device) for t in inputs])
        return probe.double().cpu()
    return torch.cat(outs, dim=0)


def module_device(module: nn.Module) -> torch.device:
    """Where ``module``'s first parameter (or buffer) lives; the CPU for a stateless module."""
    for t in module.parameters():
        return t.device
    for t in module.buffers():
        return t.device
    return torch.device("cpu")


def to_device(t: torch.Tensor, device: torch.device, pin: bool = False) -> torch.Tensor:
    """``t`` on ``device``; a CPU tensor bound for CUDA goes through pinned (page-locked)
    memory when ``pin``, so the copy is asynchronous and runs at full bus speed."""
    if t.device == device:
        return t
    if pin and t.device.type == "cpu" and device.type == "cuda":
        return t.pin_memory().to(device, non_blocking=True)
    return t.to(device)

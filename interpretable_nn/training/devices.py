"""Where tensors live: device choice, one device copy per input tensor, chunked prediction
and mixed-precision contexts (used by the engine and by every model's prediction)."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["resolve_device", "module_device", "predict_batched", "autocast", "on_device"]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> ``cuda`` when available, else ``cpu``; explicit names are checked."""
    if isinstance(device, torch.device):
        return device
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was requested but CUDA is not available; use device='auto' or 'cpu'.")
    return dev


def autocast(device: torch.device, amp: bool):
    """bf16 autocast on CUDA when ``amp``; a disabled context otherwise."""
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
    device = module_device(module) if device is None else resolve_device(device)
    module.eval()
    n = inputs[0].shape[0]
    outs = []
    for s in range(0, n, chunk):
        outs.append(module(*[t[s : s + chunk].to(device) for t in inputs]).double().cpu())
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

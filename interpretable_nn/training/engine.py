"""The one training loop of the library.

Every torch model (MLP, NAM, rule net, prototype net) hands its ``nn.Module``, its input
tensors and its targets to :func:`train` and never writes a loop of its own. The engine
does the device choice (``"auto"``: CUDA when present), mixed precision on CUDA (bf16
autocast), mini-batch or full-batch AdamW with a learning-rate schedule, a stratified
validation split with early stopping and best-weights restore, class weights, seeding that
makes CPU runs bit-for-bit repeatable, a tqdm progress bar and a history DataFrame.

The module contract
-------------------
``module(*inputs)`` returns logits of shape (n,) for binary tasks and regression, (n, k)
for multiclass. A module may define

``regularization(outputs, inputs) -> Tensor``
    an extra loss term added to the data loss of every training step (output penalties,
    sparsity, cluster/separation losses);
``on_epoch_end(epoch) -> None``
    a hook called after each epoch (temperature annealing, pruning schedules);
``training_targets(y) -> Tensor``
    not used by the engine; models transform targets before calling :func:`train`.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

__all__ = ["TrainConfig", "TrainResult", "train", "resolve_device", "seed_everything", "predict_batched"]


@dataclass
class TrainConfig:
    """Training settings shared by every torch model.

    Attributes
    ----------
    max_epochs : int
        Upper bound on passes over the training rows.
    batch_size : int or None
        Mini-batch size; ``None`` (or a value >= the training rows) trains full-batch.
    lr, weight_decay : float
        AdamW settings.
    schedule : {"cosine", "onecycle", "constant"}
        Learning-rate schedule over ``max_epochs`` (cosine: linear warm-up for 5% of the
        steps then cosine decay to 1% of ``lr``).
    validation_fraction : float
        Share of rows held out (stratified for classification) for early stopping;
        0 disables early stopping.
    patience : int
        Epochs without a validation-loss improvement of ``min_delta`` before stopping; the
        best epoch's weights are restored.
    class_weight : None, "balanced" or dict
        Per-class loss weights (classification).
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"``, ``"cuda:1"``...
    amp : bool
        bf16 autocast on CUDA (ignored on CPU).
    random_state : int or None
    verbose : int
        0 silent; 1 a progress bar that appears only for fits longer than 2 s; 2 always.
    grad_clip : float or None
        Max gradient norm.
    """

    max_epochs: int = 200
    batch_size: int | None = 256
    lr: float = 1e-3
    weight_decay: float = 1e-4
    schedule: str = "cosine"
    validation_fraction: float = 0.15
    patience: int = 20
    min_delta: float = 1e-4
    class_weight: object = None
    device: str = "auto"
    amp: bool = True
    random_state: int | None = 0
    verbose: int = 1
    grad_clip: float | None = 5.0
    description: str = "training"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainResult:
    history: pd.DataFrame
    best_epoch: int
    n_epochs: int
    device: str
    fit_time: float
    stopped_early: bool
    best_val_loss: float | None = None
    extra: dict = field(default_factory=dict)


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


def seed_everything(random_state: int | None) -> torch.Generator:
    """Seed torch's global RNG (module initialisation) and return a dedicated CPU generator
    for shuffling and splits. ``None`` draws a fresh seed."""
    seed = int(random_state) if random_state is not None else int(np.random.SeedSequence().entropy % (2**31))
    torch.manual_seed(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def _split(y: torch.Tensor, task: str, fraction: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    n = y.shape[0]
    if fraction <= 0:
        return torch.arange(n), torch.arange(0)
    if task in ("binary", "multiclass"):
        tr, va = [], []
        for c in torch.unique(y.cpu()):
            idx = torch.nonzero(y.cpu() == c).flatten()
            idx = idx[torch.randperm(len(idx), generator=g)]
            k = int(round(len(idx) * fraction))
            k = min(max(k, 1 if len(idx) >= 4 else 0), len(idx) - 1)
            va.append(idx[:k])
            tr.append(idx[k:])
        tr, va = torch.cat(tr), torch.cat(va)
    else:
        perm = torch.randperm(n, generator=g)
        k = max(1, int(round(n * fraction)))
        va, tr = perm[:k], perm[k:]
    return torch.sort(tr).values, torch.sort(va).values


def _class_weights(y: torch.Tensor, task: str, class_weight, n_classes: int) -> torch.Tensor | None:
    if class_weight is None or task == "regression":
        return None
    counts = torch.bincount(y.long(), minlength=n_classes).double()
    if class_weight == "balanced":
        w = counts.sum() / (n_classes * counts.clamp(min=1))
    elif isinstance(class_weight, dict):
        w = torch.ones(n_classes, dtype=torch.float64)
        for k, v in class_weight.items():
            k = int(k)
            if not 0 <= k < n_classes:
                raise ValueError(f"class_weight key {k} is not a class index in [0, {n_classes}).")
            w[k] = float(v)
    else:
        raise ValueError(f"class_weight must be None, 'balanced' or a dict; got {class_weight!r}.")
    return w.float()


def _loss_per_row(out: torch.Tensor, y: torch.Tensor, task: str) -> torch.Tensor:
    out = out.float()
    if task == "binary":
        return nn.functional.binary_cross_entropy_with_logits(out.reshape(-1), y.float(), reduction="none")
    if task == "multiclass":
        return nn.functional.cross_entropy(out, y.long(), reduction="none")
    return (out.reshape(-1) - y.float()) ** 2


def _make_scheduler(opt, cfg: TrainConfig, steps_per_epoch: int):
    total = max(1, cfg.max_epochs * steps_per_epoch)
    if cfg.schedule == "constant":
        return None
    if cfg.schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total)
    if cfg.schedule == "cosine":
        warm = max(1, int(0.05 * total))

        def f(step: int) -> float:
            if step < warm:
                return (step + 1) / warm
            t = (step - warm) / max(1, total - warm)
            return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, t)))

        return torch.optim.lr_scheduler.LambdaLR(opt, f)
    raise ValueError(f"schedule must be 'cosine', 'onecycle' or 'constant'; got {cfg.schedule!r}.")


def _autocast(device: torch.device, amp: bool):
    if amp and device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return torch.autocast(device_type="cpu", enabled=False)


def train(
    module: nn.Module,
    inputs: Sequence[torch.Tensor],
    y: torch.Tensor,
    task: str,
    config: TrainConfig,
    sample_weight: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    parameters=None,
) -> TrainResult:
    """Fit ``module`` on ``inputs`` (a tuple of tensors with the same first dimension).

    Parameters
    ----------
    module : nn.Module
        Called as ``module(*batch_inputs)``; see the module contract in the module docstring.
    inputs : sequence of Tensor
        Model inputs (CPU tensors; moved to the device once).
    y : Tensor
        Targets: class indices (binary: 0/1) or floats (regression).
    task : {"binary", "multiclass", "regression"}
    config : TrainConfig
    sample_weight : Tensor, optional
        Per-row weights.
    generator : torch.Generator, optional
        Source of randomness for the split and the shuffles (default: seeded from
        ``config.random_state``).
    parameters : iterable of Parameter, optional
        What to optimise (default: all of the module's trainable parameters), e.g. only the
        last layer when fine-tuning.

    Returns
    -------
    TrainResult
        ``history`` (one row per epoch: epoch, train_loss, val_loss, lr, seconds), the best
        epoch, the device used and the fit time.
    """
    if task not in ("binary", "multiclass", "regression"):
        raise ValueError(f"task must be 'binary', 'multiclass' or 'regression'; got {task!r}.")
    cfg = config
    if cfg.max_epochs < 1:
        raise ValueError(f"max_epochs must be >= 1; got {cfg.max_epochs}.")
    if not 0 <= cfg.validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in [0, 1); got {cfg.validation_fraction}.")
    device = resolve_device(cfg.device)
    g = generator if generator is not None else seed_everything(cfg.random_state)
    n = y.shape[0]
    n_classes = int(y.max().item()) + 1 if task != "regression" and n else 1
    tr_idx, va_idx = _split(y, task, cfg.validation_fraction, g)
    if len(va_idx) == 0:
        tr_idx = torch.arange(n)

    inputs = [t.to(device) for t in inputs]
    y_dev = y.to(device)
    w = torch.ones(n, dtype=torch.float32) if sample_weight is None else sample_weight.float().cpu()
    cw = _class_weights(y.cpu(), task, cfg.class_weight, n_classes)
    if cw is not None:
        w = w * cw[y.cpu().long()]
    w = w.to(device)
    module.to(device)
    params = [p for p in (parameters if parameters is not None else module.parameters()) if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    n_tr = len(tr_idx)
    bs = n_tr if (cfg.batch_size is None or cfg.batch_size >= n_tr) else int(cfg.batch_size)
    steps = math.ceil(n_tr / bs)
    sched = _make_scheduler(opt, cfg, steps)
    tr_idx_dev, va_idx_dev = tr_idx.to(device), va_idx.to(device)
    has_reg = hasattr(module, "regularization")
    has_hook = hasattr(module, "on_epoch_end")

    from tqdm.auto import tqdm

    bar = tqdm(
        range(cfg.max_epochs),
        desc=cfg.description,
        disable=cfg.verbose <= 0,
        delay=0 if cfg.verbose >= 2 else 2.0,
        leave=cfg.verbose >= 2,
        unit="epoch",
    )
    history = []
    best, best_epoch, best_state, wait = math.inf, 0, None, 0
    stopped = False
    t0 = time.perf_counter()
    for epoch in bar:
        te = time.perf_counter()
        module.train()
        perm = tr_idx_dev[torch.randperm(n_tr, generator=g).to(device)] if steps > 1 else tr_idx_dev
        total, count = 0.0, 0.0
        for s in range(steps):
            idx = perm[s * bs : (s + 1) * bs]
            batch = [t[idx] for t in inputs]
            with _autocast(device, cfg.amp):
                out = module(*batch)
                per_row = _loss_per_row(out, y_dev[idx], task)
                wb = w[idx]
                loss = (per_row * wb).sum() / wb.sum().clamp(min=1e-12)
                if has_reg:
                    loss = loss + module.regularization(out, batch)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"{cfg.description}: the training loss became {loss.item()} at epoch {epoch}; "
                    "lower lr or check the inputs for extreme values."
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            if sched is not None:
                sched.step()
            total += float(loss.detach()) * len(idx)
            count += len(idx)
        if has_hook:
            module.on_epoch_end(epoch)
        row = {"epoch": epoch, "train_loss": total / max(count, 1), "lr": opt.param_groups[0]["lr"]}
        if len(va_idx):
            val = _eval_loss(module, inputs, y_dev, w, va_idx_dev, task, device, cfg.amp)
            row["val_loss"] = val
            if val < best - cfg.min_delta:
                best, best_epoch, wait = val, epoch, 0
                best_state = copy.deepcopy(module.state_dict())
            else:
                wait += 1
        row["seconds"] = time.perf_counter() - te
        history.append(row)
        bar.set_postfix({k: f"{v:.4f}" for k, v in row.items() if k.endswith("loss")}, refresh=False)
        if len(va_idx) and wait >= cfg.patience:
            stopped = True
            break
    bar.close()
    if best_state is not None:
        module.load_state_dict(best_state)
    else:
        best_epoch = len(history) - 1
    module.eval()
    return TrainResult(
        history=pd.DataFrame(history),
        best_epoch=best_epoch,
        n_epochs=len(history),
        device=str(device),
        fit_time=time.perf_counter() - t0,
        stopped_early=stopped,
        best_val_loss=None if math.isinf(best) else best,
    )


@torch.no_grad()
def _eval_loss(module, inputs, y, w, idx, task, device, amp, chunk: int = 65536) -> float:
    module.eval()
    total, wsum = 0.0, 0.0
    for s in range(0, len(idx), chunk):
        i = idx[s : s + chunk]
        with _autocast(device, amp):
            out = module(*[t[i] for t in inputs])
        per_row = _loss_per_row(out, y[i], task)
        total += float((per_row * w[i]).sum())
        wsum += float(w[i].sum())
    module.train()
    return total / max(wsum, 1e-12)


@torch.no_grad()
def predict_batched(
    module: nn.Module, inputs: Sequence[torch.Tensor], device: str | torch.device = "cpu", chunk: int = 65536
) -> torch.Tensor:
    """Evaluate ``module(*inputs)`` in chunks of rows (bounded memory); returns a CPU
    float64 tensor. Inputs stay where they are and each chunk is moved to ``device``."""
    device = resolve_device(device)
    module.eval()
    n = inputs[0].shape[0]
    outs = []
    for s in range(0, n, chunk):
        outs.append(module(*[t[s : s + chunk].to(device) for t in inputs]).double().cpu())
    if not outs:
        probe = module(*[t[:0].to(device) for t in inputs])
        return probe.double().cpu()
    return torch.cat(outs, dim=0)

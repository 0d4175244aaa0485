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

Side-by-side ensembles (bagging)
--------------------------------
For binary tasks and regression a module may return logits of shape (n, m): m ensemble
members trained in one loop. ``sample_weight`` may then be (n, m), each member's own row
weights (e.g. bootstrap counts). The loss is the mean over members of each member's
weighted mean row loss; the validation loss (early stopping) likewise. With
``validation_weight`` (n, m) each member validates on its own rows (out-of-bag early
stopping): the engine then makes no split of its own.
"""

from __future__ import annotations

import copy
import math
import time
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn

from .distributed import setup_distributed

__all__ = [
    "TrainConfig",
    "TrainResult",
    "train",
    "resolve_device",
    "seed_everything",
    "predict_batched",
    "module_device",
]


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
    num_threads : int or None
        torch CPU threads while training (restored afterwards); ``None`` keeps torch's
        setting. Small steps (e.g. knot-grid additive models) run faster on one thread: on a
        busy machine every parallel op waits for its slowest thread.
    description : str
        Label of the progress bar and of error messages.
    distributed : bool or "auto"
        Data-parallel training across the processes of a ``torchrun`` job ("auto": when
        more than one process is launched; see :mod:`interpretable_nn.training.distributed`).
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
    distributed: bool | str = "auto"
    num_threads: int | None = None

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
    """Row losses: (n,), or (n, m) for an (n, m) ensemble output (binary / regression)."""
    out = out.float()
    if task == "multiclass":
        return nn.functional.cross_entropy(out, y.long(), reduction="none")
    if out.ndim == 2 and out.shape[1] > 1:
        target = y.float()[:, None].expand_as(out)
    else:
        out, target = out.reshape(-1), y.float()
    if task == "binary":
        return nn.functional.binary_cross_entropy_with_logits(out, target, reduction="none")
    return (out - target) ** 2


def _weighted_sums(per_row: torch.Tensor, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-member (weighted loss sum, weight sum); members are columns of 2-D losses."""
    if per_row.ndim == 2 and w.ndim == 1:
        w = w[:, None]
    elif per_row.ndim == 1 and w.ndim == 2:
        per_row = per_row[:, None]
    w = w.expand_as(per_row)
    return (per_row * w).sum(0), w.sum(0)


def _weighted_loss(
    per_row: torch.Tensor, w: torch.Tensor, total_weight: torch.Tensor | None = None
) -> torch.Tensor:
    """Mean over members of each member's weighted mean row loss (one member: the usual).
    ``total_weight`` replaces the rows' own weight sums (a rank's share of a global batch)."""
    total, wsum = _weighted_sums(per_row, w)
    if total_weight is not None:
        wsum = total_weight
    return (total / wsum.clamp(min=1e-12)).mean()


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
    validation_weight: torch.Tensor | None = None,
) -> TrainResult:
    """Fit ``module`` on ``inputs`` (a tuple of tensors with the same first dimension).

    Launched with ``torchrun`` (more than one process) the fit is data-parallel
    (DistributedDataParallel); see :mod:`interpretable_nn.training.distributed`.

    Parameters
    ----------
    module : nn.Module
        Called as ``module(*batch_inputs)``; see the module contract in the module docstring.
    inputs : sequence of Tensor
        Model inputs (CPU tensors), moved to the device once: calls of one fit that pass
        the same tensor share its device copy.
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
    validation_weight : Tensor, optional
        Row weights of the validation loss, shaped like ``sample_weight`` ((n,) or (n, m)),
        e.g. each bagged member's out-of-bag rows (whose ``sample_weight`` the caller sets
        to 0). When given, every row is a training row, early stopping reads the validation
        loss under these weights and ``config.validation_fraction`` is not used.

    Returns
    -------
    TrainResult
        ``history`` (one row per epoch: epoch, train_loss, val_loss, lr, seconds), the best
        epoch, the device used and the fit time; ``extra["world_size"]`` is the number of
        data-parallel processes (1 for an ordinary fit).
    """
    if config.num_threads is not None and int(config.num_threads) < 1:
        raise ValueError(f"num_threads must be a positive integer or None; got {config.num_threads!r}.")
    if config.num_threads is None:
        return _train(module, inputs, y, task, config, sample_weight, generator, parameters, validation_weight)
    before = torch.get_num_threads()
    torch.set_num_threads(int(config.num_threads))
    try:
        return _train(module, inputs, y, task, config, sample_weight, generator, parameters, validation_weight)
    finally:
        torch.set_num_threads(before)


def _train(module, inputs, y, task, config, sample_weight, generator, parameters, validation_weight) -> TrainResult:
    if task not in ("binary", "multiclass", "regression"):
        raise ValueError(f"task must be 'binary', 'multiclass' or 'regression'; got {task!r}.")
    cfg = config
    if cfg.max_epochs < 1:
        raise ValueError(f"max_epochs must be >= 1; got {cfg.max_epochs}.")
    if not 0 <= cfg.validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in [0, 1); got {cfg.validation_fraction}.")
    device = resolve_device(cfg.device)
    ddp = setup_distributed(cfg.distributed, device)
    if ddp is not None:
        device = ddp.device
    world = ddp.world_size if ddp is not None else 1
    g = generator if generator is not None else seed_everything(cfg.random_state)
    if ddp is not None:
        ddp.sync_generator(g)
    n = y.shape[0]
    n_classes = int(y.max().item()) + 1 if task != "regression" and n else 1
    if validation_weight is not None:
        if validation_weight.shape[0] != n:
            raise ValueError(f"validation_weight has {validation_weight.shape[0]} rows; expected {n}.")
        tr_idx, va_idx = torch.arange(n), torch.arange(n)
    else:
        tr_idx, va_idx = _split(y, task, cfg.validation_fraction, g)
    if len(va_idx) == 0:
        tr_idx = torch.arange(n)

    inputs = [_on_device(t, device) for t in inputs]
    y_dev = y.to(device)
    w = torch.ones(n, dtype=torch.float32) if sample_weight is None else sample_weight.float().cpu()
    if w.ndim == 2 and task == "multiclass":
        raise ValueError("2-D sample_weight (one column per ensemble member) needs a binary or regression task.")
    cw = _class_weights(y.cpu(), task, cfg.class_weight, n_classes)
    if cw is not None:
        cw_rows = cw[y.cpu().long()]
        w = w * (cw_rows[:, None] if w.ndim == 2 else cw_rows)
    w_val = w
    if validation_weight is not None:
        w_val = validation_weight.float().cpu()
        if cw is not None:
            w_val = w_val * (cw_rows[:, None] if w_val.ndim == 2 else cw_rows)
    w, w_val = w.to(device), w_val.to(device)
    n_tr = len(tr_idx)
    if ddp is not None:
        if n_tr < world:
            raise ValueError(f"{n_tr} training rows cannot be shared by {world} processes; use fewer processes.")
        ddp.check_same_data([*inputs, y_dev, w, w_val, tr_idx, va_idx])
    core = module.to(device)  # weights, hooks and regularization live on the plain module
    net = ddp.wrap(core) if ddp is not None else core
    params = [p for p in (parameters if parameters is not None else core.parameters()) if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    bs = n_tr if (cfg.batch_size is None or cfg.batch_size >= n_tr) else int(cfg.batch_size)
    bounds = _batch_bounds(n_tr, bs, world)
    steps = len(bounds)
    sched = _make_scheduler(opt, cfg, steps)
    tr_idx_dev, va_idx_dev = tr_idx.to(device), va_idx.to(device)
    va_mine = ddp.shard(va_idx_dev) if ddp is not None else va_idx_dev
    has_reg = hasattr(core, "regularization")
    has_hook = hasattr(core, "on_epoch_end")

    from tqdm.auto import tqdm

    bar = tqdm(
        range(cfg.max_epochs),
        desc=cfg.description,
        disable=cfg.verbose <= 0 or (ddp is not None and ddp.rank != 0),
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
        core.train()
        perm = tr_idx_dev[torch.randperm(n_tr, generator=g).to(device)] if steps > 1 else tr_idx_dev
        total, count = 0.0, 0.0
        for lo, hi in bounds:
            idx = perm[lo:hi]
            mine = ddp.shard(idx) if ddp is not None else idx
            batch = [t[mine] for t in inputs]
            with _autocast(device, cfg.amp):
                out = net(*batch)
                per_row = _loss_per_row(out, y_dev[mine], task)
                if ddp is None:
                    loss = _weighted_loss(per_row, w[idx])
                else:  # this rank's share of the global batch loss; DDP averages over ranks
                    loss = world * _weighted_loss(per_row, w[mine], total_weight=w[idx].sum(0))
                if has_reg:
                    loss = loss + core.regularization(out, batch)
            if ddp is None and not torch.isfinite(loss):
                raise _nonfinite(cfg, loss, epoch)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if ddp is not None:
                # gradients are all-reduced: a non-finite loss on any rank shows on every rank
                norm = torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip or math.inf)
                if not torch.isfinite(norm):
                    raise _nonfinite(cfg, norm, epoch)
            elif cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            opt.step()
            if sched is not None:
                sched.step()
            total += float(loss.detach()) * (hi - lo) / world
            count += (hi - lo) / world
        if ddp is not None:
            total, count = ddp.all_reduce_sum(torch.tensor([total, count])).tolist()
        if has_hook:
            core.on_epoch_end(epoch)
        row = {"epoch": epoch, "train_loss": total / max(count, 1), "lr": opt.param_groups[0]["lr"]}
        if len(va_idx):
            t_sum, w_sum = _eval_sums(core, inputs, y_dev, w_val, va_mine, task, device, cfg.amp)
            if ddp is not None:
                both = ddp.all_reduce_sum(torch.stack([t_sum, w_sum]))
                t_sum, w_sum = both[0], both[1]
            val = float((t_sum / w_sum.clamp(min=1e-12)).mean())
            row["val_loss"] = val
            if val < best - cfg.min_delta:
                best, best_epoch, wait = val, epoch, 0
                best_state = copy.deepcopy(core.state_dict())
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
        core.load_state_dict(best_state)
    else:
        best_epoch = len(history) - 1
    core.eval()
    return TrainResult(
        history=pd.DataFrame(history),
        best_epoch=best_epoch,
        n_epochs=len(history),
        device=str(device),
        fit_time=time.perf_counter() - t0,
        stopped_early=stopped,
        best_val_loss=None if math.isinf(best) else best,
        extra={"world_size": world},
    )


def _nonfinite(cfg: TrainConfig, value: torch.Tensor, epoch: int) -> FloatingPointError:
    return FloatingPointError(
        f"{cfg.description}: the training loss became {value.item()} at epoch {epoch}; "
        "lower lr or check the inputs for extreme values."
    )


def _batch_bounds(n_tr: int, bs: int, world: int = 1) -> list[tuple[int, int]]:
    """(start, stop) of each mini-batch of an epoch. With ``world`` processes a last batch
    of fewer than ``world`` rows joins the one before it, so no rank gets an empty share."""
    bounds = [(s, min(s + bs, n_tr)) for s in range(0, n_tr, bs)]
    if world > 1 and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < world:
        bounds[-2:] = [(bounds[-2][0], n_tr)]
    return bounds


_DEVICE_COPIES: dict[int, tuple] = {}


def _on_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
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
def _eval_sums(module, inputs, y, w, idx, task, device, amp, chunk: int = 65536):
    """Per-member (weighted validation-loss sum, weight sum) over rows ``idx`` (float64).
    Evaluates at least one (possibly empty) chunk, so an empty shard of a distributed fit
    returns zeros of the right shape."""
    module.eval()
    total, wsum = 0.0, 0.0
    for s in range(0, max(len(idx), 1), chunk):
        i = idx[s : s + chunk]
        with _autocast(device, amp):
            out = module(*[t[i] for t in inputs])
        t_sum, w_sum = _weighted_sums(_loss_per_row(out, y[i], task), w[i])
        total, wsum = total + t_sum.double(), wsum + w_sum.double()
    module.train()
    return torch.as_tensor(total), torch.as_tensor(wsum)


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

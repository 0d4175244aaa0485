"""The one training loop of the library.

Every torch model (MLP, NAM, rule net, prototype net) hands its ``nn.Module``, its input
tensors and its targets to :func:`train` and never writes a loop of its own. The engine
does the device choice (``"auto"``: CUDA when present), mixed precision on CUDA (bf16
autocast for modules that opt in; float32 and deterministic kernels in the deterministic
mode, :func:`~interpretable_nn.training.devices.deterministic_training`), mini-batch or
full-batch AdamW with a learning-rate schedule, a stratified validation split with early
stopping and best-weights restore, class weights, seeding that makes CPU runs bit-for-bit
repeatable, a tqdm progress bar and a history DataFrame.

What an estimator hands over and gets back: :class:`FitData` (the validated frame, its
encoding, targets, weights and the seeded generator of one fit, built by
``TorchModel._fit_data``) and :class:`TrainResult` (history, best epoch, device, time;
:meth:`TrainResult.combine` joins the phases of a multi-phase fit into one result).
Neighbours: :mod:`~interpretable_nn.training.losses` (row losses and their weighting),
:mod:`~interpretable_nn.training.devices` (devices, chunked prediction) and
:mod:`~interpretable_nn.training.distributed` (the single-process and data-parallel
strategies the loop calls without branching).

The module contract
-------------------
``module(*inputs)`` returns logits of shape (n,) for binary tasks and regression, (n, k)
for multiclass. A module may define

``regularization(outputs, inputs) -> Tensor``
    an extra loss term added to the data loss of every training step (output penalties,
    sparsity, cluster/separation losses);
``on_epoch_end(epoch) -> None``
    a hook called after each epoch (temperature annealing, pruning schedules);
``keep_members(mask) -> None`` and ``restore_members() -> None``
    for :attr:`TrainConfig.member_stopping`: remember the current state of the side-by-side
    members where ``mask`` (m,) is true; put each member back to what it last remembered.

Side-by-side ensembles (bagging)
--------------------------------
For binary tasks and regression a module may return logits of shape (n, m): m ensemble
members trained in one loop. ``sample_weight`` may then be (n, m), each member's own row
weights (e.g. bootstrap counts). The loss is the mean over members of each member's
weighted mean row loss; the validation loss (early stopping) likewise. With
``validation_weight`` (n, m) each member validates on its own rows (out-of-bag early
stopping): the engine then makes no split of its own.

The hot loop
------------
A training step never waits for the device: the epoch's loss is summed on the device and
read (with its finiteness check) once per epoch, so a CUDA step queues its kernels and
returns. The inputs are copied to the device once when they fit (``data_on_device``) and
each batch is an index into them; otherwise they stay in host memory and each batch
travels through pinned memory. Neither choice changes a CPU fit's bits.

Why this file passes 500 lines: it is the one training loop and the types around it
(settings, what goes in, what comes out); the loss arithmetic, devices and data-parallel
strategies already live in the neighbouring modules, and splitting the loop from its
settings would spread one contract over two files.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from .devices import (
    amp_enabled,
    autocast,
    deterministic_flags,
    deterministic_requested,
    float32_default,
    module_device,
    on_device,
    predict_batched,
    resolve_device,
    to_device,
)
from .distributed import parallel_context
from .global_adam import GlobalAdam
from .losses import class_weights, loss_per_row, weighted_sums

__all__ = [
    "FitData",
    "TrainConfig",
    "TrainResult",
    "train",
    "resolve_device",
    "seed_everything",
    "predict_batched",
    "module_device",
    "float32_default",
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
        bf16 autocast on CUDA for a module that opts in with ``supports_amp = True``
        (ignored on CPU, in the deterministic mode and for every other module; see
        :func:`~interpretable_nn.training.devices.amp_enabled`).
    deterministic : bool or None
        float32, TF32 off and deterministic kernels on CUDA (the CPU is deterministic
        already); ``None`` follows
        :func:`~interpretable_nn.training.devices.deterministic_training`.
    data_on_device : bool or "auto"
        Copy the inputs to the device once and index batches there ("auto": when they take
        at most half the free device memory; always on the CPU); ``False`` keeps them in
        host memory and sends each batch through pinned memory.
    optimizer : {"adamw", "global_adam"}
        AdamW moves every parameter about ``lr`` per step whatever the size of its gradient;
        :class:`~interpretable_nn.training.global_adam.GlobalAdam` divides by one second
        moment shared by all parameters, so each moves in proportion to its gradient (the
        NAM's main effects: a weak column's shape moves slowly, as in boosting).
    member_stopping : bool
        Side-by-side members validated on their own rows (``validation_weight``) each keep
        the epoch of their own lowest validation loss, and training stops when no member has
        improved for ``patience`` epochs: each stops on its own, as EBM's outer bags do. The
        module must define ``keep_members`` and ``restore_members`` (see the module
        contract); ``best_val_by_member`` is then each member's own best, ``best_val_loss``
        their mean. Off: one epoch for all, the lowest mean validation loss.
    stop_se : float or None
        Side-by-side members validated on their own rows, without ``member_stopping``:
        restore instead the earliest epoch whose members' validation losses are within this
        many paired standard errors (over the members) of the best epoch's (the one-standard-
        error rule of CART and glmnet, :func:`round_within_se`: an earlier stop where the
        members disagree). The engine remembers at most :data:`STOP_SE_KEEP` epochs' weights
        (every other one dropped when full), so on a long fit the epoch restored is the
        earliest remembered one that qualifies. None: the best epoch.
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
    deterministic: bool | None = None
    data_on_device: bool | str = "auto"
    optimizer: str = "adamw"
    member_stopping: bool = False
    stop_se: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


#: what the engine itself reports in ``TrainResult.extra`` (not a figure of the fitted model)
ENGINE_EXTRA = ("world_size",)


@dataclass
class TrainResult:
    """What one training run (or the phases of a fit, :meth:`combine`) reports.

    ``extra`` holds the engine's ``world_size`` (see :data:`ENGINE_EXTRA`) and any figures
    a model adds for its ``fit_info_`` (e.g. a NAM's ``pair_epochs``)."""

    history: pd.DataFrame
    best_epoch: int
    n_epochs: int
    device: str
    fit_time: float
    stopped_early: bool
    best_val_loss: float | None = None
    extra: dict = field(default_factory=dict)
    #: each side-by-side member's validation loss at the best epoch (``best_val_loss`` is
    #: their mean): what a paired comparison of two fits on the same members needs
    best_val_by_member: list[float] | None = None

    @classmethod
    def combine(cls, results: Sequence[TrainResult], phases: Sequence[str], column: str = "phase") -> TrainResult:
        """The phases of one fit as one result: the histories stacked with a ``column``
        naming each row's phase; device, epochs, best epoch, early stop and best validation
        loss of the first phase; the fit times summed; the extras merged (later phases win)."""
        if not results or len(results) != len(phases):
            raise ValueError(f"combine needs one phase name per result; got {len(results)} results, {len(phases)} names.")
        first = results[0]
        history = pd.concat([r.history.assign(**{column: p}) for r, p in zip(results, phases)], ignore_index=True)
        extra: dict = {}
        for r in results:
            extra.update(r.extra)
        return cls(history=history, best_epoch=first.best_epoch, n_epochs=first.n_epochs, device=first.device,
                   fit_time=sum(r.fit_time for r in results), stopped_early=first.stopped_early,
                   best_val_loss=first.best_val_loss, extra=extra)


@dataclass
class FitData:
    """Everything a fit hook may need; built once per fit, never stored on the estimator.

    Attributes
    ----------
    frame : DataFrame (or the image array of an image model)
        The validated raw training input.
    encoded : EncodedData (or a tensor for images)
        The encoder's output for ``frame``.
    y : ndarray
        Validated targets (class indices for classifiers, floats for regressors).
    sample_weight : ndarray or None
        Validated float64 weights, one per row.
    generator : torch.Generator
        The seeded generator of this fit (:func:`seed_everything`): splits, shuffles and
        any other draw of the fit come from it, in a fixed order.
    """

    frame: Any
    encoded: Any
    y: np.ndarray
    sample_weight: np.ndarray | None
    generator: torch.Generator


def seed_everything(random_state: int | None) -> torch.Generator:
    """Seed torch's global RNG (module initialisation) and return a dedicated CPU generator
    for shuffling and splits. ``None`` draws a fresh seed."""
    seed = int(random_state) if random_state is not None else int(np.random.SeedSequence().entropy % (2**31))
    torch.manual_seed(seed)
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def _split(y: torch.Tensor, task: str, fraction: float, g: torch.Generator,
           weighed: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(training rows, validation rows); the validation rows are drawn among the rows the fit
    weighs (``weighed``, a mask; None: all): rows of weight zero would read a loss of 0."""
    n = y.shape[0]
    if fraction <= 0:
        return torch.arange(n), torch.arange(0)
    if weighed is not None and not bool(weighed.all()):
        keep = torch.nonzero(weighed.cpu()).flatten()
        tr, va = _split(y[keep], task, fraction, g)
        zero = torch.nonzero(~weighed.cpu()).flatten()
        return torch.sort(torch.cat([keep[tr], zero])).values, keep[va]
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
    _check_settings(task, config)
    par = parallel_context(config.distributed, resolve_device(config.device))
    g = generator if generator is not None else seed_everything(config.random_state)
    par.sync_generator(g)
    tr_idx, va_idx = _train_val_rows(y, task, config.validation_fraction, g, validation_weight, sample_weight)
    w, w_val = _row_weights(y, task, config.class_weight, sample_weight, validation_weight)
    det = deterministic_requested() if config.deterministic is None else bool(config.deterministic)
    with deterministic_flags(det and par.device.type == "cuda"):
        run = _Run(module, inputs, y, task, config, par, g, tr_idx, va_idx, w, w_val, parameters, det)
        return run.fit()


def data_fits_on_device(inputs: Sequence[torch.Tensor], device: torch.device, setting: bool | str = "auto") -> bool:
    """Whether the engine copies ``inputs`` to ``device`` once (batches are then indexed on
    the device) rather than sending each batch from host memory: always on the CPU;
    ``setting`` True/False decides on CUDA; "auto" when the inputs take at most half of
    the device's free memory."""
    if device.type != "cuda" or setting is True or setting is False:
        return device.type != "cuda" or bool(setting)
    need = sum(t.numel() * t.element_size() for t in inputs if t.device != device)
    free, _ = torch.cuda.mem_get_info(device)
    return need <= 0.5 * free


def _check_settings(task: str, cfg: TrainConfig) -> None:
    if task not in ("binary", "multiclass", "regression"):
        raise ValueError(f"task must be 'binary', 'multiclass' or 'regression'; got {task!r}.")
    if cfg.max_epochs < 1:
        raise ValueError(f"max_epochs must be >= 1; got {cfg.max_epochs}.")
    if not 0 <= cfg.validation_fraction < 1:
        raise ValueError(f"validation_fraction must be in [0, 1); got {cfg.validation_fraction}.")
    if cfg.data_on_device not in (True, False, "auto"):
        raise ValueError(f"data_on_device must be True, False or 'auto'; got {cfg.data_on_device!r}.")
    if cfg.optimizer not in ("adamw", "global_adam"):
        raise ValueError(f"optimizer must be 'adamw' or 'global_adam'; got {cfg.optimizer!r}.")
    if cfg.deterministic not in (True, False, None):
        raise ValueError(f"deterministic must be True, False or None; got {cfg.deterministic!r}.")
    se = cfg.stop_se
    if se is not None and (isinstance(se, bool) or not isinstance(se, Real) or not 0 <= se < math.inf):
        raise ValueError(f"stop_se must be None or a finite number of standard errors >= 0; got {se!r}.")


def weighed_rows(sample_weight) -> torch.Tensor:
    """The rows a fit weighs: a weight positive in float32, as the loss reads it (a weight below
    float32's least is zero there), in any column of 2-D weights; a bool mask (n,)."""
    pos = torch.as_tensor(sample_weight).float() > 0
    return pos if pos.ndim == 1 else pos.any(1)


def _train_val_rows(y, task, fraction, g, validation_weight, sample_weight=None) -> tuple[torch.Tensor, torch.Tensor]:
    """(training rows, validation rows): a split of its own (validation rows among those of
    positive ``sample_weight``), or every row for both when each member validates under
    ``validation_weight``."""
    n = y.shape[0]
    if validation_weight is not None:
        if validation_weight.shape[0] != n:
            raise ValueError(f"validation_weight has {validation_weight.shape[0]} rows; expected {n}.")
        tr_idx, va_idx = torch.arange(n), torch.arange(n)
    else:
        weighed = None if sample_weight is None or len(sample_weight) != n else weighed_rows(sample_weight)
        tr_idx, va_idx = _split(y, task, fraction, g, weighed)
    if len(va_idx) == 0:
        tr_idx = torch.arange(n)
    return tr_idx, va_idx


def _row_weights(y, task, class_weight, sample_weight, validation_weight) -> tuple[torch.Tensor, torch.Tensor]:
    """(training, validation) row weights on the CPU, class weights applied."""
    n = y.shape[0]
    n_classes = int(y.max().item()) + 1 if task != "regression" and n else 1
    w = torch.ones(n, dtype=torch.float32) if sample_weight is None else sample_weight.float().cpu()
    if w.ndim == 2 and task == "multiclass":
        raise ValueError("2-D sample_weight (one column per ensemble member) needs a binary or regression task.")
    cw = class_weights(y.cpu(), task, class_weight, n_classes)
    if cw is not None:
        cw_rows = cw[y.cpu().long()]
        w = w * (cw_rows[:, None] if w.ndim == 2 else cw_rows)
    w_val = w
    if validation_weight is not None:
        w_val = validation_weight.float().cpu()
        if cw is not None:
            w_val = w_val * (cw_rows[:, None] if w_val.ndim == 2 else cw_rows)
    return w, w_val


class _Run:
    """One engine fit: the module and its data on the device, the optimiser and schedule,
    and the strategy ``par`` (single process or data-parallel) that shards and reduces."""

    def __init__(self, module, inputs, y, task, cfg, par, g, tr_idx, va_idx, w, w_val, parameters, det=False):
        self.cfg, self.task, self.par, self.g = cfg, task, par, g
        self.device = device = par.device
        self.amp = amp_enabled(device, cfg.amp, det, module)
        on_dev = data_fits_on_device(inputs, device, cfg.data_on_device)
        # host batches: inputs stay in (CPU) memory, rows are picked there and travel pinned
        self.host = None if on_dev else torch.device("cpu")
        self.inputs = [on_device(t, device) for t in inputs] if on_dev else [t.cpu() for t in inputs]
        self.y = y.to(device)
        self.w, self.w_val = w.to(device), w_val.to(device)
        self.n_tr, self.n_val = len(tr_idx), len(va_idx)
        par.check_data(self.n_tr, [*self.inputs, self.y, self.w, self.w_val, tr_idx, va_idx])
        self.core = module.to(device)  # weights, hooks and regularization live on the plain module
        self.net = par.wrap(self.core)
        chosen = parameters if parameters is not None else self.core.parameters()
        self.params = [p for p in chosen if p.requires_grad]
        if cfg.optimizer == "global_adam":
            self.opt = GlobalAdam(self.params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        else:
            self.opt = torch.optim.AdamW(self.params, lr=cfg.lr, weight_decay=cfg.weight_decay)
        n_tr = self.n_tr
        bs = n_tr if (cfg.batch_size is None or cfg.batch_size >= n_tr) else int(cfg.batch_size)
        self.bounds = _batch_bounds(n_tr, bs, par.world_size)
        self.sched = _make_scheduler(self.opt, cfg, len(self.bounds))
        self.has_reg, self.has_hook = hasattr(module, "regularization"), hasattr(module, "on_epoch_end")
        self.tr_idx = tr_idx.to(self.host or device)
        self.va_mine = par.shard(va_idx.to(self.host or device))

    def batch(self, rows: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """The inputs' ``rows`` on the device and ``rows`` itself on the device (for the
        targets and weights, which always live there)."""
        if self.host is None:
            return [t[rows] for t in self.inputs], rows
        pin = self.device.type == "cuda"
        return [to_device(t[rows], self.device, pin) for t in self.inputs], to_device(rows, self.device, pin)

    def _error(self, epoch: int):
        return lambda value: _nonfinite(self.cfg, value, epoch, [*self.inputs, self.y])

    def epoch(self, epoch: int) -> float:
        """One pass over the training rows; the mean training loss."""
        core, par, cfg, world = self.core, self.par, self.cfg, self.par.world_size
        core.train()
        steps = len(self.bounds)
        perm = self.tr_idx[torch.randperm(self.n_tr, generator=self.g).to(self.tr_idx.device)] if steps > 1 else self.tr_idx
        # the epoch's loss sum stays on the device (float64: the same sums as Python floats)
        total, count = torch.zeros((), dtype=torch.float64, device=self.device), 0.0
        for lo, hi in self.bounds:
            idx = perm[lo:hi]
            batch, mine = self.batch(par.shard(idx))
            if self.host is not None:
                idx = to_device(idx, self.device, self.device.type == "cuda")
            with autocast(self.device, self.amp):
                out = self.net(*batch)
                loss = par.batch_loss(loss_per_row(out, self.y[mine], self.task), self.w, idx, mine)
                if self.has_reg:
                    loss = loss + core.regularization(out, batch)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            par.clip(self.params, cfg.grad_clip, self._error(epoch))
            self.opt.step()
            if self.sched is not None:
                self.sched.step()
            total += loss.detach().double() * (hi - lo) / world
            count += (hi - lo) / world
        total, count = par.reduce_epoch(total, count)  # the one wait for the device per epoch
        par.check_loss(torch.tensor(total), self._error(epoch))
        if self.has_hook:
            core.on_epoch_end(epoch)
        return total / max(count, 1)

    def validation_losses(self) -> torch.Tensor:
        """Each member's validation loss (the early-stopping figure is their mean)."""
        t_sum, w_sum = _eval_sums(self.core, self.batch, self.y, self.w_val, self.va_mine, self.task,
                                  self.device, self.amp)
        t_sum, w_sum = self.par.reduce_validation(t_sum, w_sum)
        return (t_sum / w_sum.clamp(min=1e-12)).reshape(-1)

    def fit(self) -> TrainResult:
        """Epochs until ``max_epochs`` or early stopping; the best epoch's weights restored."""
        from tqdm.auto import tqdm

        cfg = self.cfg
        bar = tqdm(range(cfg.max_epochs), desc=cfg.description, unit="epoch",
                   disable=cfg.verbose <= 0 or not self.par.shows_progress,
                   delay=0 if cfg.verbose >= 2 else 2.0, leave=cfg.verbose >= 2)
        history = []
        best, best_epoch, best_state, wait, best_by_member = math.inf, 0, None, 0, None
        stopped = False
        members = _MemberStops(self.core, cfg) if cfg.member_stopping and self.n_val else None
        path = _Path() if cfg.stop_se is not None and members is None and self.n_val else None
        t0 = time.perf_counter()
        for epoch in bar:
            te = time.perf_counter()
            row = {"epoch": epoch, "train_loss": self.epoch(epoch)}
            row["lr"] = self.opt.param_groups[0]["lr"]
            if self.n_val:
                by_member = self.validation_losses()
                row["val_loss"] = val = float(by_member.mean())
                if val < best - cfg.min_delta:
                    best, best_epoch, wait = val, epoch, 0
                    best_by_member = by_member.tolist()
                    best_state = copy.deepcopy(self.core.state_dict())
                else:
                    wait += 1
                if members is not None:
                    wait = members.update(by_member)
                if path is not None:
                    path.add(epoch, by_member, self.core)
            row["seconds"] = time.perf_counter() - te
            history.append(row)
            bar.set_postfix({k: f"{v:.4f}" for k, v in row.items() if k.endswith("loss")}, refresh=False)
            if self.n_val and wait >= cfg.patience:
                stopped = True
                break
        bar.close()
        extra = {"world_size": self.par.world_size}
        if best_state is not None:
            self.core.load_state_dict(best_state)
            if path is not None:
                keep = path.choose(best_epoch, cfg.stop_se)
                if keep != best_epoch:
                    self.core.load_state_dict(path.states[keep], strict=False)
                    best_epoch, best_by_member = keep, path.by_member[keep]
                    best, extra["stop_se_epoch"] = float(np.mean(best_by_member)), keep
        else:
            best_epoch = len(history) - 1
        if members is not None and members.best is not None:
            self.core.restore_members()
            best_by_member = members.best.tolist()
            best = float(members.best.mean())
        self.core.eval()
        return TrainResult(
            history=pd.DataFrame(history), best_epoch=best_epoch, n_epochs=len(history), device=str(self.device),
            fit_time=time.perf_counter() - t0, stopped_early=stopped,
            best_val_loss=None if math.isinf(best) else best, extra=extra,
            best_val_by_member=best_by_member,
        )


#: the most epochs' weights :attr:`TrainConfig.stop_se` remembers
STOP_SE_KEEP = 64


class _Path:
    """Every epoch's members' validation losses and some epochs' parameters, for
    :attr:`TrainConfig.stop_se`: each epoch divisible by the stride is remembered; when more
    than :data:`STOP_SE_KEEP` are, the stride doubles and the epochs off it are dropped."""

    def __init__(self):
        self.by_member: list[list[float]] = []
        self.states: dict[int, dict] = {}
        self.stride = 1

    def add(self, epoch: int, by_member: torch.Tensor, core) -> None:
        self.by_member.append(by_member.detach().double().cpu().tolist())
        if epoch % self.stride:
            return
        self.states[epoch] = {k: v.detach().clone() for k, v in core.named_parameters()}  # not the buffers
        if len(self.states) > STOP_SE_KEEP:
            self.stride *= 2
            self.states = {e: s for e, s in self.states.items() if e % self.stride == 0}

    def choose(self, best: int, se: float) -> int:
        """The earliest remembered epoch within ``se`` paired SE of ``best`` (else ``best``)."""
        return round_within_se(self.by_member, best, se, candidates=sorted(self.states))


def round_within_se(by_round: list, best: int, se: float | None, candidates=None) -> int:
    """The earliest round (of ``candidates``, default every round) whose members'
    validation losses ``by_round[r]`` are within ``se`` paired standard errors (over the
    members) of round ``best``'s mean; ``best`` when ``se`` is None or there is one member."""
    if se is None or best == 0 or len(by_round[best]) < 2:  # one member: no spread to read
        return best
    ref = np.asarray(by_round[best])
    for r in range(best) if candidates is None else [c for c in candidates if c < best]:
        d = np.asarray(by_round[r]) - ref
        if d.mean() <= se * d.std(ddof=1) / np.sqrt(len(d)):
            return r
    return best


class _MemberStops:
    """Each side-by-side member's own best validation loss (:attr:`TrainConfig.member_stopping`):
    the module remembers a member's state whenever its loss falls by ``min_delta``; the
    epochs since the last member improved decide when to stop."""

    def __init__(self, core, cfg: TrainConfig):
        if not (hasattr(core, "keep_members") and hasattr(core, "restore_members")):
            raise TypeError(f"member_stopping needs a module with keep_members and restore_members; "
                            f"{type(core).__name__} has not both.")
        self.core, self.min_delta = core, float(cfg.min_delta)
        self.best: torch.Tensor | None = None
        self.wait = 0

    def update(self, by_member: torch.Tensor) -> int:
        loss = by_member.detach().double().cpu()
        improved = torch.ones_like(loss, dtype=torch.bool) if self.best is None else loss < self.best - self.min_delta
        if bool(improved.any()):
            self.core.keep_members(improved)
            self.best = loss.clone() if self.best is None else torch.where(improved, loss, self.best)
            self.wait = 0
        else:
            self.wait += 1
        return self.wait


def _nonfinite(cfg: TrainConfig, value: torch.Tensor, epoch: int, data=()) -> FloatingPointError:
    """The error of a NaN/inf loss, with the cause it can see: NaN or inf in the inputs or
    targets (counted only now, on failure), else a diverging optimisation (lower ``lr``)."""
    bad = [(i, int((~torch.isfinite(t)).sum())) for i, t in enumerate(data) if t.is_floating_point()]
    bad = [(i, k) for i, k in bad if k]
    if bad:
        where = ", ".join(f"{k} in {'the targets' if i == len(data) - 1 else f'input tensor {i}'}" for i, k in bad)
        cause = f"the training data hold NaN or inf values ({where}); replace them before training."
    else:
        cause = f"the inputs and targets are finite, so the optimisation diverged: lower lr (now {cfg.lr})."
    return FloatingPointError(f"{cfg.description}: the training loss became {value.item()} at epoch {epoch}; {cause}")


def _batch_bounds(n_tr: int, bs: int, world: int = 1) -> list[tuple[int, int]]:
    """(start, stop) of each mini-batch of an epoch. With ``world`` processes a last batch
    of fewer than ``world`` rows joins the one before it, so no rank gets an empty share."""
    bounds = [(s, min(s + bs, n_tr)) for s in range(0, n_tr, bs)]
    if world > 1 and len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < world:
        bounds[-2:] = [(bounds[-2][0], n_tr)]
    return bounds


@torch.no_grad()
def _eval_sums(module, fetch, y, w, idx, task, device, amp, chunk: int = 65536):
    """Per-member (weighted validation-loss sum, weight sum) over rows ``idx`` (float64);
    ``fetch(rows)`` gives the inputs' rows and ``rows`` on the device. Evaluates at least
    one (possibly empty) chunk, so an empty shard of a distributed fit returns zeros of the
    right shape."""
    module.eval()
    total, wsum = 0.0, 0.0
    for s in range(0, max(len(idx), 1), chunk):
        batch, i = fetch(idx[s : s + chunk])
        with autocast(device, amp):
            out = module(*batch)
        t_sum, w_sum = weighted_sums(loss_per_row(out, y[i], task), w[i])
        total, wsum = total + t_sum.double(), wsum + w_sum.double()
    module.train()
    return torch.as_tensor(total), torch.as_tensor(wsum)

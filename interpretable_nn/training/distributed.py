"""Data-parallel training (``torch.distributed`` DistributedDataParallel) for the engine.

Launch any script that fits a torch model with ``torchrun`` and the one training loop of
:func:`interpretable_nn.training.engine.train` trains data-parallel, with no change to the
script or the model::

    torchrun --nproc_per_node 2 fit_nam.py            # 2 CPU processes (gloo)
    torchrun --nnodes 4 --nproc_per_node 8 ...        # a cluster (nccl on GPUs)

How it works (every rank runs the same script on the same data):

- the process group is set up from torchrun's environment (``WORLD_SIZE``, ``RANK``,
  ``LOCAL_RANK``, ``MASTER_ADDR``/``MASTER_PORT``): gloo on CPU, nccl on CUDA, one GPU per
  local rank (``device="auto"``/``"cuda"`` becomes ``cuda:<LOCAL_RANK>``);
- rank 0's shuffling generator is broadcast, so every rank draws the same split and the
  same permutation each epoch; a cheap fingerprint of the training tensors is compared
  across ranks and a clear ``ValueError`` says so when ranks hold different data;
- each global mini-batch (the single-process batch) is split across the ranks
  (``batch[rank::world_size]``), and each rank's loss is normalised by the weight of the
  *global* batch, so the averaged DDP gradient equals the single-process gradient;
- validation rows are sharded the same way and the (weighted loss, weight) sums are
  all-reduced, so every rank reads the same validation loss and stops at the same epoch.

Set ``INTERPRETABLE_NN_DISTRIBUTED=0`` (or ``TrainConfig(distributed=False)``) to train
independent models per rank inside a torchrun job (e.g. a study that gives each rank its
own cells).

The engine never branches on the mode: :func:`parallel_context` gives it either a
:class:`SingleProcess` (the ordinary fit) or a :class:`DistributedContext`, two strategies
with the same methods (shard a batch, weigh its loss, check and clip a step, all-reduce the
epoch's sums).
"""

from __future__ import annotations

import atexit
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from .losses import weighted_loss

__all__ = ["DistributedContext", "SingleProcess", "distributed_requested", "parallel_context", "setup_distributed"]

ENV_SWITCH = "INTERPRETABLE_NN_DISTRIBUTED"


def distributed_requested(setting: object = "auto") -> bool:
    """Whether the engine should train data-parallel.

    ``setting`` is ``TrainConfig.distributed``: ``True``/``False`` decide; ``"auto"`` reads
    the environment variable ``INTERPRETABLE_NN_DISTRIBUTED`` (``0``/``1``), else trains
    data-parallel when a process group with more than one rank is initialised or torchrun's
    ``WORLD_SIZE`` is above 1.
    """
    if setting is True or setting is False:
        return setting
    if setting != "auto":
        raise ValueError(f"distributed must be True, False or 'auto'; got {setting!r}.")
    env = os.environ.get(ENV_SWITCH, "auto").strip().lower()
    if env in ("0", "false", "no", "off"):
        return False
    if env not in ("1", "true", "yes", "on", "auto", ""):
        raise ValueError(f"{ENV_SWITCH} must be 0, 1 or auto; got {os.environ[ENV_SWITCH]!r}.")
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size() > 1
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


@dataclass
class DistributedContext:
    """The rank's view of a data-parallel fit: who it is, its device and its process group."""

    rank: int
    world_size: int
    device: torch.device
    group: object = None

    @property
    def shows_progress(self) -> bool:
        """Only rank 0 draws a progress bar."""
        return self.rank == 0

    # ------------------------------------------------------------------ collectives
    def _comm(self, t: torch.Tensor) -> torch.Tensor:
        """A tensor on the device the backend communicates on (nccl: CUDA, gloo: CPU)."""
        backend = dist.get_backend(self.group)
        return t.to(self.device) if backend == "nccl" else t.cpu()

    def all_reduce_sum(self, t: torch.Tensor) -> torch.Tensor:
        """Sum of ``t`` over the ranks (float64, returned on ``t``'s device)."""
        buf = self._comm(t.detach().double().clone())
        dist.all_reduce(buf, op=dist.ReduceOp.SUM, group=self.group)
        return buf.to(t.device)

    def sync_generator(self, g: torch.Generator) -> None:
        """Give every rank rank 0's generator state (same split, same shuffles)."""
        state = self._comm(g.get_state().clone())
        dist.broadcast(state, src=dist.get_global_rank(self.group, 0) if self.group else 0, group=self.group)
        g.set_state(state.cpu())

    def check_same_data(self, tensors: Sequence[torch.Tensor]) -> None:
        """Raise a ``ValueError`` on every rank when the ranks' training tensors differ.

        The fingerprint per tensor is its row count, sum and position-weighted sum; the
        ranks compare the extremes of each figure (relative tolerance 1e-6)."""
        figs = []
        for t in tensors:
            v = t.detach().reshape(t.shape[0], -1).double() if t.ndim else t.detach().double().reshape(1, 1)
            pos = torch.linspace(0.5, 1.5, v.shape[0], dtype=torch.float64, device=v.device)
            figs += [float(v.shape[0]), float(v.sum()), float((v * pos[:, None]).sum())]
        f = torch.tensor(figs, dtype=torch.float64)
        hi, lo = self._comm(f.clone()), self._comm(f.clone())
        dist.all_reduce(hi, op=dist.ReduceOp.MAX, group=self.group)
        dist.all_reduce(lo, op=dist.ReduceOp.MIN, group=self.group)
        hi, lo = hi.cpu(), lo.cpu()
        if not torch.all((hi - lo).abs() <= 1e-6 * (1.0 + torch.maximum(hi.abs(), lo.abs()))):
            raise ValueError(
                f"Distributed training (world size {self.world_size}): the ranks hold different training "
                "data. Every rank must call fit with the same X, y and sample_weight and an integer "
                f"random_state; to train independent models per rank set {ENV_SWITCH}=0."
            )

    # ------------------------------------------------------------------ sharding
    def shard(self, idx: torch.Tensor) -> torch.Tensor:
        """This rank's rows of a global batch (strided: sizes differ by at most one)."""
        return idx[self.rank :: self.world_size]

    def wrap(self, module: nn.Module) -> nn.Module:
        """``module`` (already on :attr:`device`) inside DistributedDataParallel."""
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids, process_group=self.group)

    # ------------------------------------------------------------------ the engine's strategy
    def check_data(self, n_train: int, tensors: Sequence[torch.Tensor]) -> None:
        """Enough training rows for every rank, and the same data on every rank."""
        if n_train < self.world_size:
            raise ValueError(
                f"{n_train} training rows cannot be shared by {self.world_size} processes; use fewer processes."
            )
        self.check_same_data(tensors)

    def batch_loss(self, per_row: torch.Tensor, w: torch.Tensor, idx: torch.Tensor, mine: torch.Tensor) -> torch.Tensor:
        """This rank's share of the global batch loss (DDP averages the ranks' gradients)."""
        return self.world_size * weighted_loss(per_row, w[mine], total_weight=w[idx].sum(0))

    def check_loss(self, loss: torch.Tensor, error: Callable[[torch.Tensor], Exception]) -> None:
        """Nothing here: a non-finite loss shows in the all-reduced gradient norm on every
        rank (see :meth:`clip`), so all ranks stop together."""

    def clip(self, params, grad_clip: float | None, error: Callable[[torch.Tensor], Exception]) -> None:
        """Clip the gradients (when ``grad_clip``) and raise ``error(norm)`` on every rank
        when the all-reduced gradient norm is not finite."""
        norm = torch.nn.utils.clip_grad_norm_(params, grad_clip or math.inf)
        if not torch.isfinite(norm):
            raise error(norm)

    def reduce_epoch(self, total: torch.Tensor, count: float) -> tuple[float, float]:
        """The epoch's (loss sum, rows) over the ranks; ``total`` is this rank's loss sum
        (a float64 scalar tensor on the device)."""
        both = torch.stack([total.double(), torch.tensor(float(count), dtype=torch.float64, device=total.device)])
        total, count = self.all_reduce_sum(both).tolist()
        return total, count

    def reduce_validation(self, t_sum: torch.Tensor, w_sum: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The validation (loss sums, weight sums) over the ranks' shards."""
        both = self.all_reduce_sum(torch.stack([t_sum, w_sum]))
        return both[0], both[1]


@dataclass
class SingleProcess:
    """The ordinary fit: one process, the whole batch, the same methods as
    :class:`DistributedContext` (each one the identity or the plain computation)."""

    device: torch.device
    rank: int = 0
    world_size: int = 1
    shows_progress: bool = True

    def sync_generator(self, g: torch.Generator) -> None:
        """Nothing to synchronise."""

    def check_data(self, n_train: int, tensors: Sequence[torch.Tensor]) -> None:
        """Nothing to compare."""

    def wrap(self, module: nn.Module) -> nn.Module:
        return module

    def shard(self, idx: torch.Tensor) -> torch.Tensor:
        return idx

    def batch_loss(self, per_row: torch.Tensor, w: torch.Tensor, idx: torch.Tensor, mine: torch.Tensor) -> torch.Tensor:
        return weighted_loss(per_row, w[idx])

    def check_loss(self, loss: torch.Tensor, error: Callable[[torch.Tensor], Exception]) -> None:
        """Raise ``error(loss)`` when the epoch's loss is not finite (checked once per
        epoch, so no training step waits for the device)."""
        if not torch.isfinite(loss):
            raise error(loss)

    def clip(self, params, grad_clip: float | None, error: Callable[[torch.Tensor], Exception]) -> None:
        if grad_clip:
            torch.nn.utils.clip_grad_norm_(params, grad_clip)

    def reduce_epoch(self, total: torch.Tensor, count: float) -> tuple[float, float]:
        """The epoch's (loss sum, rows): reading ``total`` is the epoch's one device sync."""
        return float(total), count

    def reduce_validation(self, t_sum: torch.Tensor, w_sum: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return t_sum, w_sum


def parallel_context(setting: object, device: torch.device) -> SingleProcess | DistributedContext:
    """The engine's strategy for one fit: :func:`setup_distributed`'s context when training
    data-parallel, else a :class:`SingleProcess` on ``device``."""
    ddp = setup_distributed(setting, device)
    return SingleProcess(device) if ddp is None else ddp


def _init_process_group(device: torch.device) -> None:
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(backend=backend)
    atexit.register(_destroy)


def _destroy() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def setup_distributed(setting: object, device: torch.device) -> DistributedContext | None:
    """The context of a data-parallel fit, or ``None`` for ordinary single-process training.

    Initialises the default process group from torchrun's environment when nobody has
    (gloo on CPU, nccl on CUDA) and picks the local GPU for CUDA devices without an index.
    A default group with the nccl backend and a CPU device gets a gloo side group.
    """
    if not distributed_requested(setting):
        return None
    if not dist.is_available():
        raise RuntimeError("torch.distributed is not available in this torch build; train single-process.")
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        _init_process_group(device)
    group = None
    if device.type != "cuda" and dist.get_backend() == "nccl":
        group = _gloo_group()
    return DistributedContext(
        rank=dist.get_rank(group), world_size=dist.get_world_size(group), device=device, group=group
    )


_GLOO: list = []


def _gloo_group():
    """One gloo group over all ranks, created once (CPU training under an nccl job)."""
    if not _GLOO:
        _GLOO.append(dist.new_group(backend="gloo"))
    return _GLOO[0]

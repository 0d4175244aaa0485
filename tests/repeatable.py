"""Same seed, same bits: on the CPU always; on CUDA only in the deterministic mode, since its
default kernels (``index_add``/``scatter_add`` backward, cuBLAS with TF32) sum in no fixed
order. Tests that compare two fits bit for bit fit inside :func:`repeatable`, which is the
deterministic mode on a CUDA machine and nothing on a CPU-only one (where the default mode is
itself the check)."""

from __future__ import annotations

import torch

from interpretable_nn.training.devices import deterministic_training


def repeatable():
    return deterministic_training(torch.cuda.is_available())

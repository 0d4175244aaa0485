"""Dropout whose masks come from the CPU's random stream on every device.

``nn.Dropout`` draws its masks where the activations are: on the CPU from torch's default
generator, on a GPU from the device's own (Philox) generator. So the same seed gives one model
on the CPU and another on a GPU, whatever the deterministic mode says: the first CUDA run
(``benchmarks/results/gpu_check_h200.json``) found the MLP's and the prototypes' GPU fits
.25 and .10 away from their CPU fits in probability, while the NAM and RuleNet, which drop
nothing by default, agreed to 1e-5.

:class:`HostDropout` draws each mask on the CPU, exactly as ``nn.Dropout`` does there
(``empty_like(x).bernoulli_(1 - p)``, divided by ``1 - p``, times ``x``: the same operations,
so on the CPU the same bits and the same use of the generator), and moves it to the
activations' device. A GPU fit then draws the masks a CPU fit draws. The cost is one small
host-to-device copy per dropout layer and step.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["HostDropout"]


class HostDropout(nn.Dropout):
    """``nn.Dropout`` (a subclass: exporters that skip dropout skip it) with its mask drawn on
    the CPU from torch's default generator, then moved to the input's device."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = float(self.p)
        if not self.training or p == 0.0 or x.numel() == 0:
            return x
        if p == 1.0:
            return x * torch.zeros_like(x)
        noise = torch.empty_like(x, device="cpu").bernoulli_(1.0 - p)  # x's layout, as empty_like(x) there
        noise.div_(1.0 - p)
        if self.inplace:
            return x.mul_(noise.to(x.device))
        return x * noise.to(x.device)

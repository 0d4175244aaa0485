"""``HostDropout`` is ``nn.Dropout`` on the CPU, bit for bit, and draws the same masks on any
device (its masks come from the CPU's generator), so a seed gives one model everywhere."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from interpretable_nn.nn.dropout import HostDropout

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _run(layer, x, seed):
    torch.manual_seed(seed)
    x = x.clone().requires_grad_(True)
    out = layer(x * 1.0)  # not the leaf: an in-place layer may write into it
    out.pow(2).sum().backward()
    return out.detach(), x.grad, torch.rand(3)  # the last: where the generator was left


@settings(max_examples=60, deadline=None)
@given(p=st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0]), rows=st.integers(0, 40), cols=st.integers(1, 20),
       dtype=st.sampled_from([torch.float32, torch.float64, torch.float16, torch.bfloat16]), transposed=st.booleans(), inplace=st.booleans(), training=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_host_dropout_is_torch_dropout_bit_for_bit_on_the_cpu(p, rows, cols, dtype, transposed, inplace, training,
                                                              seed):
    """The same outputs, gradients and generator use as ``nn.Dropout`` for any rate (0 and 1
    included), shape (no rows included), precision (half and bfloat16, as under autocast), memory layout, in-place flag and mode."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(cols, rows, generator=g).to(dtype)
    x = x.T if transposed else x.T.contiguous()
    ours, theirs = HostDropout(p, inplace=inplace), nn.Dropout(p, inplace=inplace)
    ours.train(training), theirs.train(training)
    for a, b in zip(_run(ours, x, seed), _run(theirs, x, seed)):
        assert a.dtype == b.dtype and torch.equal(a, b)


@pytest.mark.parametrize("device", DEVICES)
def test_host_dropout_draws_the_cpus_mask_on_every_device(device):
    """On any device the layer keeps and scales exactly the units the CPU run keeps."""
    x = torch.ones(64, 32)
    layer = HostDropout(0.3).train()
    torch.manual_seed(5)
    want = layer(x)
    torch.manual_seed(5)
    got = layer(x.to(device))
    assert got.device.type == device
    assert torch.equal(got.cpu(), want)
    assert 0.5 < float((want == 0).float().mean()) / 0.3 < 1.5  # it drops (about 30%)

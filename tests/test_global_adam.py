"""GlobalAdam (:mod:`interpretable_nn.training.global_adam`): Adam's step divided by one
second moment shared by every parameter, so parameters move in proportion to their
gradients (a weak column's shape moves slowly, as in boosting)."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretable_nn.training.global_adam import GlobalAdam


def _one_step(opt_cls, grads, lr=0.01):
    ps = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
    opt = opt_cls(ps, lr=lr)
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    opt.step()
    return [p.detach() for p in ps]


@settings(max_examples=40, deadline=None)
@given(st.floats(1e-2, 1e4), st.floats(1e-2, 1.0))
def test_steps_are_proportional_to_gradients(big, ratio):
    """Adam moves a parameter with a small gradient as far as one with a large gradient;
    GlobalAdam moves it ``ratio`` as far, and a common rescaling of every gradient changes
    nothing (the shared denominator absorbs it)."""
    grads = [torch.tensor([big]), torch.tensor([big * ratio])]
    a = _one_step(torch.optim.Adam, grads)
    assert float(a[1] / a[0]) == pytest.approx(1.0, rel=1e-2)  # eps aside
    g = _one_step(GlobalAdam, grads)
    assert float(g[1] / g[0]) == pytest.approx(ratio, rel=1e-4)
    g2 = _one_step(GlobalAdam, [x * 7.0 for x in grads])
    torch.testing.assert_close(g[0], g2[0], rtol=1e-4, atol=0)
    # the step's root mean square is lr, as Adam's is on a uniform gradient
    rms = torch.cat([x.reshape(-1) for x in g]).pow(2).mean().sqrt()
    assert float(rms) == pytest.approx(0.01, rel=1e-3)


def test_minimises_a_quadratic_and_handles_missing_grads_and_decay():
    torch.manual_seed(0)
    target = torch.randn(50)
    p = torch.nn.Parameter(torch.zeros(50))
    q = torch.nn.Parameter(torch.ones(3))  # never gets a gradient: left alone
    opt = GlobalAdam([p, q], lr=0.05)
    for _ in range(800):
        opt.zero_grad()
        ((p - target) ** 2).sum().backward()
        opt.step()
    torch.testing.assert_close(p.detach(), target, atol=1e-2, rtol=0)
    torch.testing.assert_close(q.detach(), torch.ones(3))
    d = torch.nn.Parameter(torch.ones(4))
    opt = GlobalAdam([d], lr=0.1, weight_decay=0.5)
    d.grad = torch.zeros(4)
    opt.step()  # zero gradient: only the decoupled decay moves it
    torch.testing.assert_close(d.detach(), torch.full((4,), 0.95))
    with pytest.raises(ValueError, match="lr must be positive"):
        GlobalAdam([d], lr=0.0)

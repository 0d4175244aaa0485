"""GlobalAdam (:mod:`interpretable_nn.training.global_adam`): Adam's step divided by one
second moment shared by every parameter, so parameters move in proportion to their
gradients (a weak column's shape moves slowly, as in boosting)."""

from __future__ import annotations

import io

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


def test_the_engine_trains_with_it_and_names_a_wrong_optimizer():
    from interpretable_nn.training.engine import TrainConfig, train

    g = torch.Generator().manual_seed(0)
    x = torch.randn(300, 3, generator=g)
    y = (x @ torch.tensor([2.0, -1.0, 0.0]) > 0).long()
    lin = torch.nn.Linear(3, 1)
    cfg = dict(max_epochs=80, batch_size=None, lr=0.05, verbose=0, device="cpu", validation_fraction=0.0)
    res = train(lin, (x,), y, "binary", TrainConfig(optimizer="global_adam", **cfg))
    h = res.history["train_loss"]
    assert h.iloc[-1] < 0.5 * h.iloc[0]
    with pytest.raises(ValueError, match="optimizer must be 'adamw' or 'global_adam'"):
        train(torch.nn.Linear(3, 1), (x,), y, "binary", TrainConfig(optimizer="sgd", **cfg))


def test_a_nam_with_globaladam_mains_explains_its_own_scores(monkeypatch):
    """The NAM's hook (``MAIN_OPTIMIZER``, explored on dev, off by default) fits and keeps
    the additive identity: the explanation sums to the score."""
    import numpy as np
    import pandas as pd

    from interpretable_nn.models import NAMClassifier
    from interpretable_nn.models.nam import fit as namfit

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600),
                      "c": rng.choice(["x", "y", "z"], 600)})
    y = (X.a - 0.5 * X.b + (X.c == "x") + rng.normal(size=600) > 0).astype(int)
    monkeypatch.setattr(namfit, "MAIN_OPTIMIZER", "global_adam")
    m = NAMClassifier(n_bags=2, interactions=0, max_epochs=40, verbose=0, random_state=0).fit(X, y)
    e = m.explain(X.iloc[:50])
    np.testing.assert_allclose(e.values.sum(1) + e.base_values, m.decision_function(X.iloc[:50]), atol=1e-5)
    monkeypatch.setattr(namfit, "MAIN_OPTIMIZER", "adamw")
    other = NAMClassifier(n_bags=2, interactions=0, max_epochs=40, verbose=0, random_state=0).fit(X, y)
    assert not np.allclose(other.decision_function(X.iloc[:50]), m.decision_function(X.iloc[:50]))  # the hook acts


def test_state_dict_works_after_a_step():
    p = torch.nn.Parameter(torch.ones(3))
    opt = GlobalAdam([p], lr=0.1)
    p.grad = torch.ones(3)
    opt.step()
    assert opt.state_dict()["state"][0]["m"].shape == (3,)  # every state key is a parameter


def test_state_dict_round_trip_continues_identically():
    """Saving and loading the optimizer is the identity: the shared step count and second
    moment come back, so the next step equals the one the original optimizer takes."""
    torch.manual_seed(0)
    a = torch.nn.Parameter(torch.randn(4))
    opt = GlobalAdam([a], lr=0.05, weight_decay=0.01)
    for _ in range(3):
        a.grad = torch.randn(4)
        opt.step()
    b = torch.nn.Parameter(a.detach().clone())
    twin = GlobalAdam([b], lr=0.05, weight_decay=0.01)
    buf = io.BytesIO()
    torch.save(opt.state_dict(), buf)  # through bytes, as a checkpoint is: no tensor shared
    buf.seek(0)
    twin.load_state_dict(torch.load(buf))
    assert twin.n_steps == 3 and torch.equal(twin.v, opt.v)
    g = torch.randn(4)
    a.grad, b.grad = g.clone(), g.clone()
    opt.step()
    twin.step()
    assert torch.equal(a, b)


"""Newton-scaled pair steps (:mod:`interpretable_nn.models.nam.pair_steps`, the NAM's
``PAIR_STEP = "newton"`` hook): one engine step at ``lr`` 1 moves each cell by its ridge
Newton step, the value a boosting leaf would take; a NAM fitted with it learns a real
interaction and keeps its additive identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from interpretable_nn.models.nam.layout import TermLayout
from interpretable_nn.models.nam.pair_steps import newton_pair_scales
from interpretable_nn.nn.feature_nets import PairGridNet
from interpretable_nn.training.engine import TrainConfig, train


def _pair_layout(k: int = 3) -> TermLayout:
    lay = TermLayout(names=["a", "b"], is_numeric=[True, True], col=[0, 1],
                     knots=[list(np.linspace(-1, 1, k))] * 2, cat_sizes=[], monotone=[0, 0],
                     pair_knots=[list(range(k))] * 2)
    lay.pairs = [[0, 1]]
    return lay


def _rows_on_cells(n: int, seed: int):
    """Rows sitting exactly on knots (bilinear weights 0): each reads one cell."""
    lay = _pair_layout()
    rng = np.random.default_rng(seed)
    ia, ib = rng.integers(0, 3, n), rng.integers(0, 3, n)
    base = (ia * lay.pair_strides()[0] + ib)[:, None].astype(np.int64)
    zeros = np.zeros((n, 1), np.float32)
    return lay, base, zeros


@pytest.mark.parametrize("members,min_rows", [(1, 0.5), (3, 5.0)])
def test_one_step_at_lr_1_is_the_ridge_newton_step(members, min_rows):
    """Squared error, no smoothness, frozen mains ``z``: after one full-batch SGD step at
    ``lr`` 1 from zero, each cell holds ``sum over its rows (y - z) / (rows + min_rows)``
    (every member trains on every row here, so all members agree)."""
    n = 240
    lay, base, zeros = _rows_on_cells(n, seed=members)
    rng = np.random.default_rng(7)
    z = np.repeat(rng.normal(size=(n, 1)), members, axis=1)
    y = rng.normal(size=n) + 0.8 * (base[:, 0] % 3 == 1)
    fit_w = torch.ones(n, members)
    scale = newton_pair_scales(lay, (base, zeros, zeros), z, fit_w, "regression", 0.0, min_rows)
    _, size = lay.pair_offsets()
    net = PairGridNet(size, torch.from_numpy(lay.pair_strides()), torch.from_numpy(lay.pair_neighbours()),
                      n_bags=members, smoothness=0.0, scale=torch.from_numpy(scale))
    cfg = TrainConfig(max_epochs=1, batch_size=None, lr=1.0, weight_decay=0.0, schedule="constant",
                      validation_fraction=0.0, optimizer="sgd", verbose=0, device="cpu")
    inputs = (torch.as_tensor(z, dtype=torch.float32), torch.from_numpy(base), torch.from_numpy(zeros),
              torch.from_numpy(zeros))
    train(net, inputs, torch.as_tensor(y, dtype=torch.float32), "regression", cfg, sample_weight=fit_w)
    got = net.values().detach().double().numpy()
    cells = base[:, 0]
    resid = np.bincount(cells, y - z[:, 0], minlength=size)
    count = np.bincount(cells, minlength=size)
    want = resid / (count + min_rows)
    for m in range(members):
        np.testing.assert_allclose(got[m], want, rtol=1e-4, atol=1e-5)


def test_scales_shrink_with_evidence_and_with_smoothness():
    """A cell read by more rows (more curvature) gets a smaller scale, a cell no row reads
    the largest (the floor alone); a smoothness penalty adds curvature and shrinks them."""
    n = 400
    lay, base, zeros = _rows_on_cells(n, seed=0)
    z = np.zeros((n, 2))
    fit_w = torch.ones(n, 2)
    s0 = newton_pair_scales(lay, (base, zeros, zeros), z, fit_w, "binary", 0.0, 5.0)
    count = np.bincount(base[:, 0], minlength=len(s0))
    order = np.argsort(count)
    assert np.all(np.diff(s0[order]) <= 1e-6)  # more rows, smaller step scale
    assert np.isfinite(s0).all() and (s0 > 0).all()
    s1 = newton_pair_scales(lay, (base, zeros, zeros), z, fit_w, "binary", 1e-2, 5.0)
    assert np.all(s1 <= s0 + 1e-7) and np.any(s1 < s0 - 1e-4)


def test_a_nam_with_newton_pairs_learns_an_interaction_and_explains_its_scores(monkeypatch):
    from sklearn.metrics import roc_auc_score

    from interpretable_nn.models import NAMClassifier
    from interpretable_nn.models.nam import fit as namfit

    rng = np.random.default_rng(0)
    n = 3000
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.choice(["x", "y"], n)})
    logit = 0.5 * X.a + 1.5 * X.a * X.b + 0.8 * ((X.c == "x") * np.sign(X.b))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    tr, te = slice(0, 2000), slice(2000, None)
    monkeypatch.setattr(namfit, "PAIR_STEP", "newton")
    kw = dict(n_bags=2, max_epochs=80, verbose=0, random_state=0, pair_lr=0.3)
    m = NAMClassifier(interactions=3, **kw).fit(X[tr], y[tr])
    mains = NAMClassifier(interactions=0, **kw).fit(X[tr], y[tr])
    auc = roc_auc_score(y[te], m.predict_proba(X[te])[:, 1])
    auc0 = roc_auc_score(y[te], mains.predict_proba(X[te])[:, 1])
    assert auc > auc0 + 0.05, (auc, auc0)
    assert m.fit_info_["pair_best_epoch"] > 0
    e = m.explain(X[te].iloc[:50])
    np.testing.assert_allclose(e.values.sum(1) + e.base_values, m.decision_function(X[te].iloc[:50]), atol=1e-5)
    monkeypatch.setattr(namfit, "PAIR_STEP", "adam")
    adam = NAMClassifier(interactions=3, **{**kw, "pair_lr": 0.05}).fit(X[tr], y[tr])
    assert not np.allclose(adam.decision_function(X[te]), m.decision_function(X[te]))  # the hook acts

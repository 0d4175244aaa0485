"""The NAM's empirical-Bayes prior on category levels (issue 16): a category whose levels
differ no more than chance is shrunk hard, one with real level effects keeps the weak prior,
and the shrinkage shows in the fitted model."""

import numpy as np
import pandas as pd
import pytest
import torch

from interpretable_nn.models import NAMClassifier
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.layout import TermLayout


def _frame(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.choice([f"s{i}" for i in range(50)], size=n)  # 50 levels, no effect
    strong = rng.choice(["a", "b", "c"], size=n)  # real level effects
    x = rng.normal(size=n)
    logit = -2.5 + 1.5 * (strong == "b") - 1.0 * (strong == "c") + 0.8 * x
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"noise": noise, "strong": strong, "x": x}), y


def _precisions(model, X, y, sw=None):
    enc = model.encoder_.transform(X)
    lay = TermLayout.from_encoder(model.encoder_, enc, 16, 32)
    target = torch.as_tensor(y, dtype=torch.float32)[:, None]
    sw = np.ones(len(y)) if sw is None else sw
    prior = namfit.free_value_prior(lay, enc, target, sw, "classification")
    n_num, offs = len(lay.knots), np.concatenate([[0], np.cumsum(lay.cat_sizes)])
    out = {}
    for i, name in enumerate(lay.names):
        if not lay.is_numeric[i]:
            c = lay.col[i]
            block = prior[n_num + offs[c]: n_num + offs[c + 1]]
            assert np.all(block == block[0])  # one precision per feature
            out[name] = float(block[0])
    assert np.all(prior[:n_num] == 1.0)  # missing slots keep the weak prior
    return out


@pytest.fixture(scope="module")
def fitted():
    X, y = _frame()
    return NAMClassifier(n_bags=2, interactions=0, max_epochs=40, verbose=0, device="cpu").fit(X, y), X, y


def test_noise_category_is_shrunk_and_real_one_is_not(fitted):
    model, X, y = fitted
    prec = _precisions(model, X, y)
    assert prec["noise"] >= 0.5 * namfit.MAX_LEVEL_PRECISION
    assert prec["strong"] == 1.0


def test_sample_weights_count_as_rows(fitted):
    # weights set the rates, not the number of rows: scaling them all changes nothing
    model, X, y = fitted
    a = _precisions(model, X, y)
    b = _precisions(model, X, y, sw=np.full(len(y), 2.0))
    assert a == b


def test_shrinkage_shows_in_the_fitted_levels(monkeypatch):
    X, y = _frame(seed=1)
    kw = dict(n_bags=2, interactions=0, max_epochs=60, verbose=0, device="cpu")
    on = NAMClassifier(**kw).fit(X, y)
    monkeypatch.setattr(namfit, "EMPIRICAL_LEVEL_PRIOR", False)
    off = NAMClassifier(**kw).fit(X, y)

    def spread(m):
        e = m.explain(X)
        return float(e.to_frame()["noise"].std())

    assert spread(on) < 0.5 * spread(off)

"""The empirical-Bayes penalty on each numeric shape's spread (issue 16, off by default:
``interpretable_nn.models.nam.fit.NUMERIC_PRIOR_GROUPS``; measured on dev as ``numprior`` in
``benchmarks/suite_tune.py`` and not adopted): which columns it weighs and how hard, that a
noise column is pulled flat while a real trend keeps its shape, that it leaves regressors and
categorical columns alone, and that the fitted model keeps its promises."""

import numpy as np
import pandas as pd
import pytest
import torch

from interpretable_nn.models import NAMClassifier, NAMRegressor
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.layout import TermLayout
from interpretable_nn.models.nam.priors import numeric_prior
from interpretable_nn.nn.feature_nets import MainEffectNet

GROUPS = 10


def _frame(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=["trend", "n1", "n2", "n3", "n4", "n5"])
    X["kind"] = rng.choice(["a", "b", "c"], size=n)
    X.loc[rng.random(n) < 0.1, "n1"] = np.nan  # missing rows sit in their own slot
    logit = -2.0 + 1.2 * X["trend"] + 0.5 * (X["kind"] == "b")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


#: the frame every test reads (cheap to build: made once at import)
DATA = _frame()


@pytest.fixture(scope="module")
def fits():
    X, y = DATA
    out = {}
    for groups in (0, GROUPS):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(namfit, "NUMERIC_PRIOR_GROUPS", groups)
            mp.setattr(namfit, "SELECT_TERMS", False)  # the prior's own effect: no term left out after
            out[groups] = NAMClassifier(n_bags=4, interactions=0, verbose=0, device="cpu", random_state=0).fit(X, y)
    return out


def _weights(model, X, y, groups=GROUPS, sw=None):
    enc = model.encoder_.transform(X)
    lay = TermLayout.from_encoder(model.encoder_, enc, 16, 8)
    lo, w = lay.encode_main(enc)
    sw = np.ones(len(y)) if sw is None else sw
    got = numeric_prior(lay, lo, w, np.asarray(y, dtype=float), sw, namfit.MAX_LEVEL_PRECISION, groups)
    names = [n for n, num in zip(lay.names, lay.is_numeric) if num]
    return dict(zip(names, got))


def test_a_trend_keeps_a_light_weight_and_noise_a_heavy_one(fits):
    X, y = DATA
    got = _weights(fits[0], X, y)
    assert set(got) == {"trend", "n1", "n2", "n3", "n4", "n5"}  # categorical columns get none
    assert got["trend"] == pytest.approx(GROUPS / 2)  # precision clipped at 1: a strong trend
    noise = [got[c] for c in ("n1", "n2", "n3", "n4", "n5")]
    assert min(noise) > 10 * got["trend"]
    assert max(noise) <= namfit.MAX_LEVEL_PRECISION * GROUPS / 2
    # weights set the rates, not the number of rows
    again = _weights(fits[0], X, y, sw=np.full(len(y), 3.0))
    assert again == pytest.approx(got)


def test_off_constant_targets_and_few_rows_give_no_weight(fits):
    X, y = DATA
    assert not any(_weights(fits[0], X, y, groups=0).values())
    assert not any(_weights(fits[0], X, np.zeros(len(y))).values())
    few = _weights(fits[0], X.iloc[: 2 * GROUPS - 1], y[: 2 * GROUPS - 1])
    assert not any(few.values())


def test_the_penalty_is_the_weighted_spread_of_each_shape():
    knots = torch.tensor([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    mass = torch.tensor([1.0, 2.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0])  # 2 x (3 knots + missing), pad
    net = MainEffectNet(knots, torch.zeros(2), 0, n_bags=1, mass=mass, feature_penalty=torch.tensor([2.0, 0.5]))
    table = torch.tensor([[1.0, 1.0, 1.0, 7.0, -1.0, 0.0, 1.0, 5.0, 0.0]])  # flat (missing aside); -1, 0, 1
    net._table = table
    got = net.regularization(torch.zeros(1, 1), None)
    assert float(got) == pytest.approx(0.5 * 2.0 / 3.0)  # only the second shape spreads: variance 2/3
    net.feature_penalty = None
    assert float(net.regularization(torch.zeros(1, 1), None)) == 0.0


def test_noise_shapes_flatten_and_the_trend_stays(fits):
    X, _ = DATA

    def spread(model, col):
        return float(np.std(pd.DataFrame(model.predict_terms(X), columns=model.terms_)[col]))

    off, on = fits[0], fits[GROUPS]
    for col in ("n2", "n3", "n4", "n5"):
        assert spread(on, col) < 0.5 * spread(off, col)
    assert spread(on, "trend") == pytest.approx(spread(off, "trend"), rel=0.1)


def test_promises_hold_with_the_prior(fits, tmp_path):
    from interpretable_nn.persistence import load_model, save_model

    X, _ = DATA
    model = fits[GROUPS]
    ex = model.explain(X.iloc[:200])
    assert ex.check["additivity_gap"] < 1e-9
    back = load_model(save_model(model, tmp_path / "m"))
    np.testing.assert_array_equal(back.predict_proba(X), model.predict_proba(X))


def test_regressors_are_left_alone(monkeypatch):
    X, _ = DATA
    target = X["trend"].fillna(0).to_numpy() + np.random.default_rng(1).normal(size=len(X))
    kw = dict(n_bags=2, interactions=0, max_epochs=30, verbose=0, device="cpu", random_state=0)
    base = NAMRegressor(**kw).fit(X, target).predict(X)
    monkeypatch.setattr(namfit, "NUMERIC_PRIOR_GROUPS", GROUPS)
    np.testing.assert_array_equal(NAMRegressor(**kw).fit(X, target).predict(X), base)

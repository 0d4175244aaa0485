"""``max_knots="auto"`` and ``smoothness="auto"`` (the defaults): the NAM fits its main effects
from stiff to flexible (:data:`~interpretable_nn.models.nam.fit.AUTO_LADDER`) while the bags'
validation loss falls, using finer knot grids only where the training rows can fill them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from interpretable_nn.models import NAMClassifier, NAMRegressor
from interpretable_nn.models.nam.fit import AUTO_LADDER, ROWS_PER_KNOT, flexibility_ladder


def test_ladder_follows_the_rows_per_knot_and_the_user():
    assert AUTO_LADDER[0] == (16, 3.0), "the first step is the stiff default the ladder starts from"
    assert flexibility_ladder("auto", "auto", 500, True) == [(16, 3.0), (16, 0.3), (16, 0.03)]
    assert flexibility_ladder("auto", "auto", ROWS_PER_KNOT * 64, True) == [(16, 3.0), (64, 0.3), (64, 0.03)]
    assert flexibility_ladder("auto", "auto", ROWS_PER_KNOT * 256, True) == list(AUTO_LADDER)
    assert flexibility_ladder(24, "auto", 10**6, True) == [(24, 3.0), (24, 0.3), (24, 0.03)]
    assert flexibility_ladder(24, 1.5, 10**6, True) == [(24, 1.5)], "both given: one fit, as asked"
    assert flexibility_ladder("auto", 1.5, 10**6, True) == [(16, 1.5), (64, 1.5), (256, 1.5)]
    assert flexibility_ladder("auto", "auto", 10**6, False) == [(16, 3.0)], "no validation rows: nothing to choose by"


def _steps(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Risk that jumps up and down six times across x: the stiff first step smooths it away."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, n)
    z = rng.normal(size=n)
    logit = 3.0 * (np.floor(6 * x) % 2) - 1.5 + 0.5 * z
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"x": x, "z": z}), y, logit


def test_auto_goes_flexible_when_the_data_need_it():
    X, y, _ = _steps(9000)
    Xt, yt, logit_t = _steps(4000, seed=1)
    kw = dict(n_bags=2, interactions=0, verbose=0, random_state=0)
    auto = NAMClassifier(**kw).fit(X, y)
    stiff = NAMClassifier(max_knots=16, smoothness=3.0, **kw).fit(X, y)
    info = auto.fit_info_
    losses = list(info["flexibility_search"].values())
    assert (info["max_knots"], info["smoothness"]) != (16, 3.0), info["flexibility_search"]
    assert min(losses) == info["flexibility_search"][f"{info['max_knots']}/{info['smoothness']:g}"]
    assert losses[0] == pytest.approx(stiff.fit_info_["flexibility_search"]["16/3"]), "step 1 is the stiff fit"
    a_auto = roc_auc_score(yt, auto.predict_proba(Xt)[:, 1])
    a_stiff = roc_auc_score(yt, stiff.predict_proba(Xt)[:, 1])
    oracle = roc_auc_score(yt, logit_t)
    assert a_auto > a_stiff + 0.05, (a_auto, a_stiff)
    assert a_auto > oracle - 0.04, (a_auto, oracle)
    json.dumps(info["flexibility_search"])  # travels in a saved model's fit_info_ as plain JSON


def test_auto_stays_stiff_on_a_straight_line():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=3000), "z": rng.normal(size=3000)})
    y = (rng.uniform(size=3000) < 1 / (1 + np.exp(-X.x))).astype(int)
    m = NAMClassifier(n_bags=2, interactions=0, verbose=0).fit(X, y)
    shape = m.shape_function("x")
    # whatever step was kept, the learned shape of a linear risk stays close to a line
    shape = shape[~shape["missing"]]
    fit = np.polyfit(shape["value"].astype(float), shape["contribution"], 1)
    resid = shape["contribution"] - np.polyval(fit, shape["value"].astype(float))
    assert np.abs(resid).max() < 0.35, (m.fit_info_["flexibility_search"], np.abs(resid).max())


def test_regressor_and_no_validation():
    X, _, logit = _steps(1500)
    m = NAMRegressor(n_bags=2, interactions=0, verbose=0).fit(X, logit)
    assert len(m.fit_info_["flexibility_search"]) >= 2
    m0 = NAMRegressor(n_bags=2, interactions=0, verbose=0, validation_fraction=0.0).fit(X, logit)
    assert list(m0.fit_info_["flexibility_search"]) == ["16/3"]


def test_bad_values_name_the_choices():
    X, y, _ = _steps(200)
    with pytest.raises(ValueError, match="max_knots"):
        NAMClassifier(max_knots="fine", verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="smoothness"):
        NAMClassifier(smoothness="smooth", verbose=0).fit(X, y)


def test_forced_pair_errors_come_before_any_training(monkeypatch):
    from interpretable_nn.models.nam import fit as namfit

    def boom(*a, **k):  # pragma: no cover - reached only if the check came too late
        raise AssertionError("trained before checking the interactions")

    monkeypatch.setattr(namfit, "_fit_mains", boom)
    X, y, _ = _steps(200)
    with pytest.raises(ValueError, match="not columns of X"):
        NAMClassifier(interactions=[("x", "nope")], verbose=0).fit(X, y)


def test_no_refits_when_no_shape_can_bend():
    """Categorical and binary columns do not depend on knots or smoothness: one fit, not three."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"c": rng.choice(list("abcd"), 2000), "b": rng.integers(0, 2, 2000)})
    y = ((X.c == "a") ^ (X.b == 1) ^ (rng.uniform(size=2000) < 0.2)).astype(int)
    m = NAMClassifier(n_bags=2, verbose=0).fit(X, y)
    assert list(m.fit_info_["flexibility_search"]) == ["16/3"]

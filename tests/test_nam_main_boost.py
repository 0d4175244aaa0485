"""The boosted main-effect stage (``interpretable_nn.models.nam.fit.MAIN_BOOST``,
``pair_boost.boost_mains``): stumps on each feature's own knots, stopped on the bags'
validation rows, added to the networks' tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import interpretable_nn.models.nam.fit as namfit

SETTINGS = {"lr": 0.1, "patience": 50, "stop_se": 1.0}
JUMPS = np.array([0.0, 1.5, -1.0, 0.5, 2.0, -1.5, 0.0, 1.0, -0.5, 0.8])


def _coded(n=4000, seed=0):
    """A 10-code column whose risk jumps from code to code, a smooth numeric column and a
    noise column."""
    rng = np.random.default_rng(seed)
    code = rng.integers(0, 10, n)
    x, z = rng.normal(size=n), rng.normal(size=n)
    logit = JUMPS[code] + np.sin(2 * x) - 1
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"code": code, "x": x, "z": z}), y


@pytest.fixture
def main_boost(monkeypatch):
    monkeypatch.setattr(namfit, "MAIN_BOOST", dict(SETTINGS))
    # beside the pair stage it was measured with (``boost_mains``: boost_grid_1se's), not today's
    monkeypatch.setattr(namfit, "PAIR_STAGE", "boost_grid")
    monkeypatch.setattr(namfit, "PAIR_BOOST", {"lr": 0.1, "patience": 50, "stop_se": 1.0})
    monkeypatch.setattr(namfit, "BOOST_ANY_SCORE", False)


@pytest.fixture
def captured(monkeypatch):
    """Every call of ``boost_main_tables`` inside fits: (args, kwargs, result)."""
    calls = []
    real = namfit.boost_main_tables

    def spy(*a, **k):
        out = real(*a, **k)
        calls.append((a, k, out))
        return out

    monkeypatch.setattr(namfit, "boost_main_tables", spy)
    return calls


def test_boosted_mains_follow_jumping_codes_and_the_model_stays_additive(main_boost, tmp_path):
    from sklearn.metrics import roc_auc_score

    from interpretable_nn import NAMClassifier
    from interpretable_nn.persistence import load_model, save_model

    X, y = _coded()
    tr, te = slice(0, 3000), slice(3000, None)
    m = NAMClassifier(n_bags=4, verbose=0, random_state=0).fit(X[tr], y[tr])
    rec = m.fit_info_["main_boost"]
    assert rec["rounds"] > 0 and "code" in rec["features"]
    assert rec["val_loss"]["after"] < rec["val_loss"]["before"]
    namfit.MAIN_BOOST = None  # the fixture restores it
    off = NAMClassifier(n_bags=4, verbose=0, random_state=0).fit(X[tr], y[tr])
    assert "main_boost" not in off.fit_info_
    auc = roc_auc_score(y[te], m.predict_proba(X[te])[:, 1])
    assert auc > roc_auc_score(y[te], off.predict_proba(X[te])[:, 1]) + 0.005
    # the shape of ``code`` now tracks the jumps: its values at the ten codes rank as JUMPS do
    terms = pd.DataFrame(np.asarray(m.predict_terms(X[te])), columns=m.terms_)
    by_code = terms.groupby(X[te].code.to_numpy())["code"].mean()
    assert np.corrcoef(by_code.to_numpy(), JUMPS)[0, 1] > 0.9
    np.testing.assert_allclose(terms.to_numpy().sum(1) + m.intercept_, m.decision_function(X[te]), atol=1e-6)
    back = load_model(save_model(m, tmp_path / "m"))
    np.testing.assert_array_equal(back.predict_proba(X[te]), m.predict_proba(X[te]))


def test_the_tables_returned_are_the_round_the_stop_kept(main_boost, captured):
    """The tables and row logits handed back score the bags' validation rows at the loss the
    boosting recorded for the round it kept (not its last round: the stop ran past it)."""
    from interpretable_nn import NAMClassifier

    X, y = _coded(n=2500, seed=1)
    NAMClassifier(n_bags=3, verbose=0, random_state=0).fit(X, y)
    (args, kw, (tab, logit, rec)), = captured
    lay, lo, w, tab0, logit0, yy, fit_w, val_w, skip = args
    assert rec["rounds"] > 0
    yv = torch.as_tensor(yy, dtype=torch.float64)[:, None]
    lt = torch.as_tensor(logit)
    bce = torch.nn.functional.softplus(lt) - yv * lt
    vw = val_w.double()
    member = (bce * vw).sum(0) / vw.sum(0)
    assert float(member.mean()) == pytest.approx(rec["val_loss"]["after"], abs=2e-5)
    # the row logits are the tables' reads: the added tables moved each row by what they read
    from interpretable_nn.nn.table_reads import lerp_sum
    part = lerp_sum(torch.from_numpy(tab - tab0), torch.as_tensor(lo), torch.as_tensor(w)).T.numpy()
    np.testing.assert_allclose(logit - logit0, part, atol=1e-5)


def test_monotone_features_and_the_terms_selection_left_out_are_not_stepped(main_boost, captured):
    from interpretable_nn import NAMClassifier

    X, y = _coded(n=2500, seed=2)
    X = X.assign(x=np.abs(X.x))  # sin(2|x|) is not monotone: a stump would break the constraint
    m = NAMClassifier(n_bags=3, verbose=0, random_state=0, monotone={"x": 1}).fit(X, y)
    assert "x" not in m.fit_info_["main_boost"]["features"]
    grid = pd.DataFrame({"code": 0, "x": np.linspace(0, 3, 200), "z": 0.0})
    shape = np.asarray(m.predict_terms(grid))[:, list(m.terms_).index("x")]
    assert np.all(np.diff(shape) >= -1e-9)
    (args, kw, (tab, _, _)), = captured
    lay, lo, w, tab0, logit0, yy, fit_w, val_w, _ = args
    again, _, rec = namfit.boost_main_tables(lay, lo, w, tab0, logit0, yy, fit_w, val_w, {"code", "z"}, **kw)
    assert rec["features"] == []  # x is monotone, code and z skipped: nothing left to step
    np.testing.assert_array_equal(again, tab0)


@pytest.mark.parametrize("case", ["regressor", "no_validation"])
def test_regressors_and_fits_without_validation_rows_have_no_main_boost(main_boost, case):
    from interpretable_nn import NAMClassifier, NAMRegressor

    X, y = _coded(n=800, seed=3)
    if case == "regressor":
        m = NAMRegressor(n_bags=2, verbose=0, random_state=0, max_epochs=20).fit(X, y + X.x.to_numpy())
    else:
        m = NAMClassifier(n_bags=2, verbose=0, random_state=0, max_epochs=20, validation_fraction=0.0).fit(X, y)
    assert "main_boost" not in m.fit_info_


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.booleans(), st.sampled_from([1e-3, 1.0, 1e6]))
def test_any_boosted_fit_is_additive_and_finite(seed, weights, scale):
    """Categories, missing values, sample weights of any scale and huge numbers: the boosted
    mains are the model's tables, so the terms sum to the score and nothing is NaN."""
    from interpretable_nn import NAMClassifier

    rng = np.random.default_rng(seed)
    n = 600
    X = pd.DataFrame({"num": rng.normal(size=n) * 1e9, "code": rng.integers(0, 6, n).astype(float),
                      "cat": rng.choice(list("abcd"), n)})
    X.loc[rng.random(n) < 0.1, "num"] = np.nan
    y = (rng.random(n) < 1 / (1 + np.exp(-(X.code.to_numpy() % 2 * 2 - 1)))).astype(int)
    sw = rng.uniform(0.5, 2.0, n) * scale if weights else None
    before = namfit.MAIN_BOOST
    namfit.MAIN_BOOST = dict(SETTINGS)
    try:
        m = NAMClassifier(n_bags=2, verbose=0, random_state=seed, max_epochs=30).fit(X, y, sample_weight=sw)
    finally:
        namfit.MAIN_BOOST = before
    assert "main_boost" in m.fit_info_
    dec = m.decision_function(X)
    assert np.isfinite(dec).all()
    terms = np.asarray(m.predict_terms(X))
    np.testing.assert_allclose(terms.sum(1) + m.intercept_, dec, atol=1e-6)

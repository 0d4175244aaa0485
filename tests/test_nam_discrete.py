"""Numeric columns of few values fitted as a free value per value (issue 16,
``interpretable_nn.models.nam.priors``; ``fit.DISCRETE_MAX_VALUES``), kept when the bags'
validation loss says so: which columns qualify, their empirical-Bayes prior, a jagged coded
column's shape followed where the networks smooth it away, a refused alternative leaving the
fit as it was, and every promise of the fitted model kept (additivity, save/load, the knot form)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from interpretable_nn.models import NAMClassifier, NAMRegressor
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.layout import TermLayout
from interpretable_nn.models.nam.priors import (
    discrete_columns,
    discrete_prior,
    smooth_misfit_pvalue,
)

#: the risk of each of 8 codes of a band: it jumps between neighbours (a smooth shape cannot follow)
ZIGZAG = np.array([0.0, 1.2, -0.8, 1.0, -1.0, 0.9, -0.6, 0.8])


def _frame(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    band = rng.integers(0, 8, size=n)
    count = rng.integers(0, 5, size=n)  # 5 values, no effect
    x = rng.normal(size=n)  # continuous: many values
    flag = rng.integers(0, 2, size=n)  # 2 values: a network's two knots are already free
    kind = rng.choice(["a", "b", "c"], size=n)  # a category: its levels are free values anyway
    logit = -1.0 + ZIGZAG[band] + 0.7 * x + 0.5 * flag + 0.4 * (kind == "b")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame({"kind": kind, "band": band, "count": count, "x": x, "flag": flag})
    return X, y


def _layout(model, X):
    enc = model.encoder_.transform(X)
    lay = TermLayout.from_encoder(model.encoder_, enc, 16, 32)
    lo, w = lay.encode_main(enc)
    return lay, lo, w


def _by_name(lay, arr):
    names = [n for n, num in zip(lay.names, lay.is_numeric) if num]
    return dict(zip(names, arr))


@pytest.fixture(scope="module")
def data():
    return _frame()


@pytest.fixture(scope="module")
def fits(data):
    X, y = data
    Xte, yte = _frame(4000, seed=1)
    out = {}
    for flag in (0, 16):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(namfit, "DISCRETE_MAX_VALUES", flag)
            m = NAMClassifier(n_bags=4, interactions=0, max_epochs=150, verbose=0, device="cpu").fit(X, y)
        out[flag] = (m, roc_auc_score(yte, m.predict_proba(Xte)[:, 1]))
    return out, Xte


def test_columns_of_three_to_max_values_qualify(fits, data):
    X, _ = data
    model = fits[0][16][0]
    lay, lo, w = _layout(model, X)
    got = _by_name(lay, discrete_columns(lay, lo, w, 16))
    assert got == {"band": True, "count": True, "x": False, "flag": False}
    assert not any(discrete_columns(lay, lo, w, 4))  # band has 8 values, count 5
    assert not any(discrete_columns(lay, lo, w, 0))  # 0: off


def test_a_monotone_column_never_qualifies(data):
    X, y = data
    m = NAMClassifier(n_bags=1, interactions=0, max_epochs=2, monotone={"band": 1}, verbose=0, device="cpu").fit(X, y)
    lay, lo, w = _layout(m, X)
    assert _by_name(lay, discrete_columns(lay, lo, w, 16))["band"] == False  # noqa: E712


def test_prior_shrinks_a_column_without_signal_and_frees_a_real_one(fits, data):
    X, y = data
    model = fits[0][16][0]
    lay, lo, w = _layout(model, X)
    disc = discrete_columns(lay, lo, w, 16)
    prec = _by_name(lay, discrete_prior(lay, lo, w, disc, y, np.ones(len(y)), namfit.MAX_LEVEL_PRECISION))
    assert prec["count"] >= 0.5 * namfit.MAX_LEVEL_PRECISION
    assert prec["band"] < 4.0  # the zigzag's spread: a standard deviation over half a logit
    # weights set the rates, not the number of rows
    again = _by_name(lay, discrete_prior(lay, lo, w, disc, y, np.full(len(y), 3.0), namfit.MAX_LEVEL_PRECISION))
    assert again == pytest.approx(prec)


def test_the_jagged_band_is_followed_where_the_networks_smooth_it(fits):
    (off, auc_off), (on, auc_on) = fits[0][0], fits[0][16]
    info = on.fit_info_["discrete"]
    assert info["columns"] == ["band", "count"] and info["kept"] is True
    assert "discrete" not in off.fit_info_
    shape_on = on.shape_function("band").query("not missing")
    shape_off = off.shape_function("band").query("not missing")
    truth = ZIGZAG - ZIGZAG.mean()
    err_on = np.abs(shape_on.contribution.to_numpy() - shape_on.contribution.mean() - truth).max()
    err_off = np.abs(shape_off.contribution.to_numpy() - shape_off.contribution.mean() - truth).max()
    assert err_on < 0.35 and err_on < 0.5 * err_off
    assert auc_on > auc_off + 0.005


def test_promises_hold_with_discrete_columns(fits, tmp_path):
    from interpretable_nn.persistence import load_model, save_model

    model, Xte = fits[0][16][0], fits[1]
    ex = model.explain(Xte)
    assert ex.check["additivity_gap"] < 1e-9
    back = load_model(save_model(model, tmp_path / "m"))
    np.testing.assert_array_equal(back.predict_proba(Xte), model.predict_proba(Xte))
    # the knot form: a value between two codes reads between their values, beyond the range the end
    shape = model.shape_function("band").query("not missing").contribution.to_numpy()  # codes 0..7
    probe = Xte.iloc[[0, 0, 0]].copy()
    probe["band"] = [2.5, 7.0, 40.0]
    t = pd.DataFrame(model.predict_terms(probe), columns=model.terms_)["band"].to_numpy()
    assert t[0] == pytest.approx((shape[2] + shape[3]) / 2, abs=1e-6)  # float32 weights
    assert t[2] == pytest.approx(t[1], abs=1e-12)


def test_a_refused_alternative_leaves_the_fit_as_it_was(fits, data, monkeypatch):
    X, y = data
    monkeypatch.setattr(namfit, "DISCRETE_MAX_VALUES", 16)
    monkeypatch.setattr(namfit, "DISCRETE_MARGIN_SE", 1e9)  # no fall clears it
    m = NAMClassifier(n_bags=4, interactions=0, max_epochs=150, verbose=0, device="cpu").fit(X, y)
    assert m.fit_info_["discrete"]["kept"] is False
    Xte = fits[1]
    np.testing.assert_array_equal(m.decision_function(Xte), fits[0][0][0].decision_function(Xte))


def test_regressors_keep_their_networks(data, monkeypatch):
    X, y = data
    monkeypatch.setattr(namfit, "DISCRETE_MAX_VALUES", 16)
    m = NAMRegressor(n_bags=2, interactions=0, max_epochs=3, verbose=0, device="cpu").fit(X, y.astype(float))
    assert np.isfinite(m.predict(X)).all()
    assert "discrete" not in m.fit_info_


def _rates(logit, n=200_000, seed=0):
    """Rows of codes 0..len(logit)-1 drawn evenly, with events at the given log-odds per code."""
    rng = np.random.default_rng(seed)
    code = rng.integers(0, len(logit), size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-np.asarray(logit)[code]))).astype(float)
    return code, y


def test_the_misfit_test_flags_jumps_and_passes_smooth_trends():
    # a zigzag between neighbouring codes: no cubic follows it
    code, y = _rates(ZIGZAG - 1.0, n=20_000)
    assert smooth_misfit_pvalue(code, 8, y, np.ones(len(y))) < 1e-6
    # a linear count passes even on 200,000 rows; a gentle S-shaped 7-point scale on 2,000
    line = np.linspace(-2, 1, 9)
    code, y = _rates(line)
    assert smooth_misfit_pvalue(code, 9, y, np.ones(len(y))) > 0.01
    s_shape = 1.5 * np.tanh(np.linspace(-2, 2, 7))
    for seed in range(5):
        code, y = _rates(s_shape, n=2000, seed=seed)
        assert smooth_misfit_pvalue(code, 7, y, np.ones(len(y))) > 0.01
    # a steep S-shape on many rows is flagged: a cubic cannot follow it, and where rows are this
    # many a free value per code costs little (the bags' validation loss still decides)
    code, y = _rates(2 * s_shape, n=200_000)
    assert smooth_misfit_pvalue(code, 7, y, np.ones(len(y))) < 1e-6


def test_the_misfit_p_value_is_a_p_value_under_a_smooth_trend():
    # under the null (a cubic in the code), p is about uniform: about 5% below .05
    logit = np.polyval([0.3, -0.2, 0.5, -1.0], np.linspace(-1, 1, 10))
    ps = [smooth_misfit_pvalue(code, 10, y, np.ones(len(y))) for code, y in (_rates(logit, n=5000, seed=s) for s in range(200))]
    assert 0.01 <= np.mean(np.array(ps) < 0.05) <= 0.11
    assert all(0.0 <= p <= 1.0 for p in ps)


def test_the_misfit_test_reads_weights_as_row_counts_and_needs_four_values():
    code, y = _rates(ZIGZAG - 1.0, n=4000)
    # duplicating every row is weight 2: the same evidence as weight 2 on each row
    twice = smooth_misfit_pvalue(np.r_[code, code], 8, np.r_[y, y], np.ones(2 * len(y)))
    assert smooth_misfit_pvalue(code, 8, y, np.full(len(y), 2.0)) == pytest.approx(twice, rel=1e-9)
    # three values seen: a quadratic fits them exactly, nothing to test
    assert smooth_misfit_pvalue(code % 3, 8, y, np.ones(len(y))) == 1.0


def test_with_the_test_on_only_the_jagged_column_qualifies(data, fits):
    X, y = data
    m = fits[0][0][0]
    lay, lo, w = _layout(m, X)
    sw = np.ones(len(y))
    both = _by_name(lay, discrete_columns(lay, lo, w, 16))
    tested = _by_name(lay, discrete_columns(lay, lo, w, 16, y.astype(float), sw, alpha=0.01))
    assert both["band"] and both["count"]
    # the band's rate jumps between codes; the count has no effect, a flat (smooth) trend
    assert tested["band"] and not tested["count"] and not tested["x"]

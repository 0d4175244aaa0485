"""Regression targets a careless or hostile user gives (stop 77's hostile pass of the regressor
path): rows of weight zero, validation rows of weight zero, a constant target, dates,
durations and complex numbers as targets, amounts near 1e300 and 1e12, classifier-only
parameters, and a CLI target of a few whole numbers."""

from __future__ import annotations

import subprocess
import sys
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretable_nn import MLPRegressor, NAMRegressor
from interpretable_nn.explain import crosscheck
from interpretable_nn.models import make_model
from interpretable_nn.models.magnitudes import stable_r2, target_moments
from interpretable_nn.models.nam.bags import bag_weights
from interpretable_nn.training.engine import _split

SMALL = {"n_bags": 2, "max_epochs": 15, "verbose": 0, "interactions": 0}


def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["x", "y", "z"], n)})
    return X, (2 * X.a + (X.b == "x") + 3).to_numpy()


@pytest.mark.parametrize("cls", [NAMRegressor, MLPRegressor])
def test_rows_of_weight_zero_move_neither_the_target_scale_nor_the_predictions(cls):
    """Ten rows of weight zero with a target of 1e9 used to set y_mean_ 5e7 and y_scale_ 2e8:
    the model then predicted millions for a target within ±6. Now the fit equals (to training
    noise) the fit without those rows, and the target's moments are those of the rows weighed."""
    X, y = _frame()
    y = y.copy()
    y[:10] = 1e9
    w = np.ones(len(y))
    w[:10] = 0.0
    kw = {"max_epochs": 15, "verbose": 0} | ({"n_bags": 2, "interactions": 0} if cls is NAMRegressor else {})
    m = cls(**kw).fit(X, y, sample_weight=w)
    assert m.y_mean_ == pytest.approx(y[10:].mean()) and m.y_scale_ == pytest.approx(y[10:].std())
    ref = cls(**kw).fit(X.iloc[10:], y[10:])
    assert np.abs(m.predict(X.iloc[10:]) - y[10:]).max() < 10
    assert np.sqrt(np.mean((m.predict(X.iloc[10:]) - y[10:]) ** 2)) < 3 * np.sqrt(
        np.mean((ref.predict(X.iloc[10:]) - y[10:]) ** 2)) + 0.1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=30), st.integers(0, 2**31 - 1))
def test_target_moments_ignore_zero_weights_and_equal_the_weighted_moments(values, seed):
    rng = np.random.default_rng(seed)
    y = np.asarray(values)
    w = rng.choice([0.0, 0.5, 2.0], len(y))
    w[0] = 1.0
    junk = y.copy()
    junk[w == 0] = 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mean, std = target_moments(junk, w)
    keep = w > 0
    want = np.average(y[keep], weights=w[keep])
    assert mean == pytest.approx(want, rel=1e-9, abs=1e-6)
    assert std == pytest.approx(np.sqrt(np.average((y[keep] - want) ** 2, weights=w[keep])), rel=1e-6, abs=1e-6)


def test_validation_rows_are_drawn_among_the_rows_the_fit_weighs():
    """A bag (or the engine's split) whose validation rows all weighed zero read a loss of 0 at
    epoch 0 and kept its untrained network, saying best_val_loss 0.0: seeds 4 and 7 of this
    fit gave R² .05 and -.005. Rows of weight zero are never held out now, and a fit of fewer
    rows than the bags can hold out leaves them no validation weights (the engine's own split
    then holds one row) instead of weights that sum to zero."""
    rng = np.random.default_rng(0)
    n = 300
    y = rng.normal(size=n)
    sw = np.zeros(n)
    sw[:15] = 1.0
    fit_w, val_w = bag_weights(y, sw, 8, 0.15, False, rng)
    assert (val_w[15:] == 0).all() and (val_w.sum(0) > 0).all()
    yt = torch.as_tensor(y)
    for task, yy in (("regression", yt), ("binary", torch.as_tensor((y > 0).astype(np.int64)))):
        tr, va = _split(yy, task, 0.15, torch.Generator().manual_seed(3), torch.as_tensor(sw > 0))
        assert len(va) and (va < 15).all() and sorted(torch.cat([tr, va]).tolist()) == list(range(n))
    X = pd.DataFrame({"a": rng.normal(size=n)})
    target = 3 * X.a.to_numpy() + 1
    for seed in (0, 4, 7):
        m = NAMRegressor(n_bags=1, max_epochs=40, verbose=0, interactions=0, random_state=seed)
        m.fit(X, target, sample_weight=sw)
        assert m.fit_info_["best_epoch"] > 0 and m.score(X[:15], target[:15]) > 0.9
    fit3, val3 = bag_weights(np.arange(3.0), np.ones(3), 2, 0.15, False, rng)
    assert val3 is None and (fit3 == 1).all()
    m3 = NAMRegressor(n_bags=2, max_epochs=40, verbose=0, interactions=0).fit(X.head(3), target[:3])
    assert m3.fit_info_["best_val_loss"] > 0  # a loss read on a row, not the 0.0 of none


@pytest.mark.parametrize("value", [5.0, 0.0, 2.0**-10])
def test_a_constant_target_is_predicted_exactly_with_a_warning(value, tmp_path):
    """A constant target got y_scale_ 1 and the networks' noise in target units (y == 2**-10
    predicted down to -0.016, 17 times its size and negative); reasons then explained noise."""
    X, _ = _frame(80)
    with pytest.warns(UserWarning, match="holds one value"):
        m = NAMRegressor(**SMALL).fit(X, np.full(len(X), value))
    assert (m.predict(X) == value).all() and m.y_scale_ == 0
    assert np.abs(np.asarray(m.predict_terms(X))).max() == 0 and m.intercept_ == value
    m.save(tmp_path / "m")
    from interpretable_nn import load_model

    assert (load_model(tmp_path / "m").predict(X) == value).all()


@pytest.mark.parametrize("y, words", [
    (pd.Series(pd.to_timedelta(np.arange(20.0), unit="D")), "durations; pass them in days"),
    (pd.Series(pd.date_range("2024-01-01", periods=20)).where(np.arange(20) != 3), "dates"),
    (pd.Series(pd.date_range("2024-01-01", periods=20, tz="Europe/Paris")), "dates"),
    (np.arange(20.0) + 1j, "complex numbers"),
])
def test_dates_durations_and_complex_numbers_are_refused_as_targets(y, words):
    """They were fitted as raw integers in the dtype's unit (a 10-day duration predicted 8.8e14;
    one NaT made y_mean_ -6e16) or with only numpy's ComplexWarning."""
    X = pd.DataFrame({"a": np.arange(20.0)})
    with pytest.raises(ValueError, match=words):
        NAMRegressor(**SMALL).fit(X, y)


def test_a_target_beyond_float64_is_named_as_such():
    X = pd.DataFrame({"a": np.arange(10.0)})
    with pytest.raises(ValueError, match="beyond float64"):
        NAMRegressor(**SMALL).fit(X, np.array([Decimal("1e400")] * 5 + [Decimal(1)] * 5, dtype=object))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)), min_size=3, max_size=30),
       st.sampled_from([1e-300, 1e-12, 1.0, 1e12, 1e300]))
def test_stable_r2_does_not_change_with_the_scale(pairs, scale):
    y, p = (np.array(v) for v in zip(*pairs))
    if np.ptp(y) < 1e-6:
        return
    from sklearn.metrics import r2_score

    assert stable_r2(y * scale, p * scale) == pytest.approx(r2_score(y, p), rel=1e-9, abs=1e-9)


def test_score_of_amounts_near_1e300_is_finite():
    """``score`` (R²) was NaN where the model's predictions were fine: the squares overflowed."""
    X, y = _frame(120)
    m = NAMRegressor(**SMALL).fit(X, y * 1e300)
    ref = NAMRegressor(**SMALL).fit(X, y)
    assert np.isfinite(m.score(X, y * 1e300)) and m.score(X, y * 1e300) > 0.5
    assert abs(m.score(X, y * 1e300) - ref.score(X, y)) < 0.05


@pytest.mark.parametrize("scale", [1e12, 1e-12])
def test_crosscheck_judges_a_regressor_in_units_of_its_target(scale):
    """An exact additive regressor of amounts near 1e12 failed the absolute 1e-5 (its
    differences were 0.0067, 3.5e-15 relative); near 1e-12 any explanation passed."""
    X, y = _frame(120)
    m = NAMRegressor(**SMALL).fit(X, y * scale)
    rep = crosscheck(m, X.head(10), background=X)
    assert rep.passed and rep.tolerance == pytest.approx(1e-5 * m.y_scale_)
    assert rep.tolerance < 1e-10 if scale < 1 else rep.tolerance > 1e5


def test_class_weight_for_a_regressor_names_the_fix():
    with pytest.raises(TypeError, match="no class_weight.*sample_weight"):
        make_model("nam", "regression", class_weight="balanced")


def test_cli_target_of_a_few_whole_numbers_says_task_regression(tmp_path):
    """``fit nam --csv`` on a target of 12 whole numbers told a shell user to wrap the Python
    class in OneVsRestClassifier; now it names --task regression (and says how it read it)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=120).round(3)})
    X.assign(t=(X.a * 3).round().astype(int)).to_csv(tmp_path / "f.csv", index=False)
    r = subprocess.run([sys.executable, "-m", "interpretable_nn.cli", "fit", "nam", "--csv", str(tmp_path / "f.csv"),
                        "--target", "t", "--param", "max_epochs=2", "--param", "verbose=0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert "read as" in r.stdout and "--task regression" in r.stderr and "OneVsRest" not in r.stderr


def test_second_pass_a_constant_target_explains_as_zeros_in_every_model():
    """Second hostile pass of stop 77: the MLP divided by the constant target's scale of 0
    (ZeroDivisionError out of explain, reason_codes, crosscheck and the monitor)."""
    from interpretable_nn.explain import reason_codes

    X, _ = _frame(80)
    with pytest.warns(UserWarning, match="holds one value"):
        m = MLPRegressor(max_epochs=5, verbose=0).fit(X, np.full(len(X), 3.5))
    e = m.explain(X.head(5))
    assert np.abs(e.values).max() == 0 and np.allclose(e.base_values, 3.5)
    assert reason_codes(m, X.head(5), background=X).empty
    assert crosscheck(m, X.head(5), background=X).max_abs_diff == 0


def test_second_pass_a_wild_prediction_scores_far_below_zero_not_zero():
    """stable_r2 scaled by the largest of targets and predictions: one prediction of 1e300 made
    the targets underflow to a constant and R² read 0, as good as the mean."""
    y = np.arange(1.0, 101.0)
    p = y.copy()
    p[0] = 1e300
    assert stable_r2(y, p) == -np.inf
    assert stable_r2(y * 1e-300, y * 1e-300 * 1.01) == pytest.approx(stable_r2(y, y * 1.01))


@pytest.mark.parametrize("y, words", [
    ([__import__("datetime").date(2020, 1, i + 1) for i in range(20)], "dates"),
    ([__import__("datetime").timedelta(days=i) for i in range(20)], "durations"),
    (pd.Series(pd.period_range("2020-01", periods=20, freq="M")), "dates"),
    (np.array([pd.Timestamp("2020-01-01")] * 20, dtype=object), "dates"),
    (np.array([10**400] + [1] * 19, dtype=object), "beyond float64"),
])
def test_second_pass_python_dates_periods_and_huge_ints_are_named(y, words):
    with pytest.raises(ValueError, match=words):
        NAMRegressor(**SMALL).fit(pd.DataFrame({"a": np.arange(20.0)}), y)


def test_second_pass_weights_float32_reads_as_zero_are_not_held_out():
    """Weights of 1e60 beside 1 become 0 in float32 (said by check_sample_weight); the bags
    chose validation rows by the float64 weights, so a bag could hold only weight-zero rows."""
    rng = np.random.default_rng(0)
    sw = np.ones(200)
    sw[:4] = 1e-60
    fit_w, val_w = bag_weights(rng.normal(size=200), sw, 8, 0.15, False, rng)
    assert (val_w[:4] == 0).all() and (val_w.sum(0) > 0).all()

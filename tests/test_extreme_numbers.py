"""Extreme but finite numbers (issue 18): never a NaN or inf out, never advice that points at
the wrong cause (:mod:`interpretable_nn.models.magnitudes`).

* predict: ``±1e308``, ``1e300``, values just past float32's ``3.4e38`` give finite scores,
  probabilities and explanations for every model; beyond the clipping band every value
  scores as the band's edge; training rows lie strictly inside the band (so in-range
  predictions are unchanged, bit for bit);
* fit: columns up to ``±1.8e308`` fit (moments that cannot overflow), the standardised
  column still varies, and the moments survive save/load;
* regression targets near ``1e155`` (and up to ``1e308``) predict finite values of their size;
* a NaN training loss names its cause: NaN/inf in the data, or a diverging optimisation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from test_contract import ALL, build, has_explain

from interpretable_nn import MLPRegressor, NAMRegressor, load_model
from interpretable_nn.models.magnitudes import Z_BAND, input_band, stable_moments
from interpretable_nn.training.engine import TrainConfig, train

TORCH = ["mlp", "rulenet", "prototype", "nam"]
FAR = [1.7976931348623157e308, -1.7976931348623157e308, 1e308, -1e308, 1e300, -1e300, 3.5e38, -3.5e38,
       5e-324]


def _frame(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(0, 1, n), "b": rng.normal(5, 2, n), "c": rng.choice(["x", "y"], n)})
    y = (X["a"] + rng.normal(0, 0.5, n) > 0).astype(int).to_numpy()
    return X, y


def _far_rows() -> pd.DataFrame:
    return pd.DataFrame({"a": FAR + [0.0], "b": FAR[::-1] + [np.nan], "c": ["x"] * (len(FAR) + 1)})


def _fit(name: str, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return build(name).fit(X, y)


def _assert_finite_outputs(m, rows: pd.DataFrame) -> None:
    d = m.decision_function(rows)
    p = m.predict_proba(rows)
    assert np.isfinite(d).all() and np.isfinite(p).all(), (d, p)
    np.testing.assert_allclose(p.sum(1), 1, atol=1e-9)
    if has_explain(m):
        e = m.explain(rows)
        assert np.isfinite(e.values).all() and np.isfinite(e.base_values).all()


# ------------------------------------------------------------------ predict
@pytest.mark.parametrize("name", ALL)
def test_far_values_at_predict_give_finite_outputs(name):
    X, y = _frame()
    m = _fit(name, X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warning leaks to the user
        _assert_finite_outputs(m, _far_rows())


@pytest.mark.parametrize("name", TORCH)
def test_beyond_the_band_every_value_scores_as_the_edge(name):
    X, y = _frame()
    m = _fit(name, X, y)
    enc = m.encoder_
    j = enc.numeric_names_.index("a")
    edge = enc.center_[j] + 1.5 * float(input_band(enc)[j]) * enc.scale_[j]  # past the band
    rows = pd.DataFrame({"a": [edge, 1e300, 1e308, 1.7976931348623157e308], "b": 5.0, "c": "x"})
    d = m.decision_function(rows)
    assert np.isfinite(d).all()
    np.testing.assert_array_equal(d, np.full(4, d[0]))


@pytest.mark.parametrize("name", TORCH)
def test_training_rows_lie_strictly_inside_the_band(name, small_credit):
    X, y, Xt, _ = small_credit
    m = _fit(name, X, y)
    band = input_band(m.encoder_)
    assert (band >= Z_BAND).all()
    for rows in (X, Xt):
        _, enc = m._encode(rows)
        assert (np.abs(enc.numeric) < band).all()  # the clip changes nothing on them


# ------------------------------------------------------------------ fit
def _huge_frame(n: int = 80, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], n)
    X = pd.DataFrame({"big": sign * 10.0 ** rng.uniform(300, 308, n), "b": rng.normal(0, 1, n)})
    X.loc[0, "big"], X.loc[1, "big"] = 1.7976931348623157e308, -1.7976931348623157e308
    return X, (sign > 0).astype(int)


@pytest.mark.parametrize("name", ALL)
def test_fit_on_values_near_float64_max(name, tmp_path):
    X, y = _huge_frame()
    if name == "rulenet":  # thresholds beyond 1e300 could not be written in RuleSet JSON
        with pytest.raises(ValueError, match=r"Column 'big' holds values up to 1.8e\+308.*rescale"):
            build(name).fit(X, y)
        X["big"] /= 1e10  # within 5e299: fits, and the model saves and loads
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", RuntimeWarning)
        m = build(name).fit(X, y)
    _assert_finite_outputs(m, X)
    _assert_finite_outputs(m, pd.DataFrame({"big": [0.0, 1e-300, -1e308], "b": [0.0, 1.0, -1.0]}))
    enc = m.encoder_
    assert np.isfinite(enc.center_).all() and np.isfinite(enc.scale_).all()
    j = enc.numeric_names_.index("big")
    _, e = m._encode(X)
    assert np.std(e.numeric[:, j]) > 0.1  # the column is read, not scaled to zeros by inf
    if name in TORCH:
        m.save(tmp_path / "m")
        back = load_model(tmp_path / "m")
        np.testing.assert_array_equal(back.encoder_.scale_, enc.scale_)
        np.testing.assert_array_equal(back.decision_function(X), m.decision_function(X))


@pytest.mark.parametrize("name", ["mlp", "nam", "prototype"])
def test_a_sign_column_near_float64_max_is_learned(name):
    """Its plain mean overflows (the sum passes 1.8e308): NaN inputs, "loss became nan" before."""
    rng = np.random.default_rng(2)
    sign = rng.choice([-1.0, 1.0], 300)
    X = pd.DataFrame({"big": sign * rng.uniform(0.5, 1.0, 300) * 1.7e308, "b": rng.normal(0, 1, 300)})
    y = (sign > 0).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = build(name, max_epochs=30).fit(X, y)
    assert (m.predict(X) == y).mean() > 0.8  # chance is 0.5
    assert np.isfinite(m.predict_proba(X)).all()


@pytest.mark.parametrize("name", TORCH)
@pytest.mark.parametrize("scale", [1e-40, 1e-300, 1e-310])
def test_a_column_of_tiny_values_is_learned(name, scale):
    """Values near 1e-300 are ordinary doubles: their plain standard deviation underflowed to 0
    (squares below 1e-308) and a spread under 1e-12 was read with scale 1, so the standardised
    column was 0 in float32 and the model lost it, silently (every prediction the same)."""
    rng = np.random.default_rng(3)
    v = rng.uniform(1.0, 2.0, 300)
    X = pd.DataFrame({"tiny": v * scale, "b": rng.normal(0, 1, 300)})
    y = (v > 1.5).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = build(name, max_epochs=30).fit(X, y)
        plain = build(name, max_epochs=30).fit(X.assign(tiny=v), y)  # the same column at scale 1
    acc, acc_plain = (m.predict(X) == y).mean(), (plain.predict(X.assign(tiny=v)) == y).mean()
    assert acc > 0.7 and acc >= acc_plain - 0.03, (acc, acc_plain)  # chance is 0.5
    assert np.unique(m.encoder_.transform(X).numeric[:, 0]).size > 250


def test_a_spread_of_rounding_noise_is_still_constant():
    X = pd.DataFrame({"flat": 1.0 + np.r_[0.0, 2.2e-16].repeat(50), "b": np.arange(100.0)})
    from interpretable_nn.data.encoding import TabularEncoder

    enc = TabularEncoder().fit(X)
    assert enc.scale_[0] == 1.0  # read as constant, not blown up to a signal


def test_stable_moments_agree_with_numpy_and_never_overflow():
    v = np.random.default_rng(0).normal(3, 2, 1000)
    assert stable_moments(v) == (float(v.mean()), float(v.std()))
    mean, std = stable_moments(np.array([1e308, -1e308, 1e308, -1e308]))
    assert mean == 0.0 and std == pytest.approx(1e308, rel=1e-12)
    big = 1.7976931348623157e308
    mean, std = stable_moments(np.array([big, big, big]))
    assert mean == pytest.approx(big, rel=1e-12) and std == 0.0
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.array([1e200, -1e200]).std())  # what the plain formula gives
    assert stable_moments(np.array([1e200, -1e200]))[1] == pytest.approx(1e200, rel=1e-12)
    # squares of values near 1e-300 underflow: the plain formula gives 0
    tiny = np.array([1e-300, 3e-300, 2e-300, 4e-300])
    assert tiny.std() == 0.0
    mean, std = stable_moments(tiny)
    # abs=0: pytest.approx's default absolute tolerance (1e-12) would take 0 for 1e-300
    assert mean == pytest.approx(2.5e-300, rel=1e-12, abs=0)
    assert std == pytest.approx(np.sqrt(1.25) * 1e-300, rel=1e-12, abs=0)
    assert stable_moments(np.zeros(3)) == (0.0, 0.0)


# ------------------------------------------------------------------ regression targets
REGRESSORS = [
    pytest.param(lambda: MLPRegressor(max_epochs=30, verbose=0, random_state=0), id="mlp"),
    pytest.param(lambda: NAMRegressor(n_bags=1, max_epochs=30, hidden_sizes=(8,), interactions=0, verbose=0,
                                      random_state=0), id="nam"),
]


@pytest.mark.parametrize("make", REGRESSORS)
@pytest.mark.parametrize("scale", [1e155, 1e200, 1e307])
def test_regression_target_of_extreme_size_predicts_finite_values_of_its_size(make, scale):
    X, _ = _frame(200)
    t = 3 * X["a"].to_numpy() + 1
    m = make().fit(X, t * scale)
    pred = m.predict(X)
    assert np.isfinite(pred).all()
    assert np.corrcoef(pred / scale, t)[0, 1] > 0.8  # it learned the target, in its own units
    assert np.isfinite(m.predict(_far_rows())).all()
    e = m.explain(X.head(5))
    assert np.isfinite(e.values).all() and np.isfinite(e.base_values).all()


# ------------------------------------------------------------------ the NaN-loss message
def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1), torch.nn.Flatten(0))


def test_a_nan_loss_from_nan_inputs_names_them_not_the_learning_rate():
    x = torch.randn(64, 2)
    x[3, 1] = float("inf")
    y = (x[:, 0] > 0).long()
    with pytest.raises(FloatingPointError, match=r"hold NaN or inf values \(1 in input tensor 0\)") as info:
        train(_net(), (x,), y, "binary", TrainConfig(max_epochs=2, verbose=0, batch_size=None))
    assert "lower lr" not in str(info.value)


def test_a_nan_loss_from_finite_inputs_points_at_the_learning_rate():
    x = torch.randn(64, 2) * 1e18
    y = torch.randn(64) * 1e18
    with pytest.raises(FloatingPointError, match="inputs and targets are finite.*lower lr"):
        train(_net(), (x,), y, "regression", TrainConfig(max_epochs=50, lr=1e6, verbose=0, batch_size=None))

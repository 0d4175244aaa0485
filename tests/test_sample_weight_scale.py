"""Weights beyond float32's range: the fit keeps their ratios instead of a NaN loss."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from interpretable_nn.data.validation import check_sample_weight
from interpretable_nn.models import make_model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    n = 300
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["x", "y", "z"], n)})
    y = (X["a"] + (X["b"] == "x") + rng.normal(size=n) > 0.5).astype(int).to_numpy()
    return X, y


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_rescaled_weights_keep_ratios(scale):
    w = np.array([1.0, 2.0, 0.0, 4.0]) * scale
    with pytest.warns(UserWarning, match="beyond what float32 training holds"):
        out = check_sample_weight(w, 4)
    np.testing.assert_allclose(out, [3 / 7, 6 / 7, 0.0, 12 / 7])
    assert np.isfinite(np.float32(out)).all() and (np.float32(out)[[0, 1, 3]] > 0).all()


def test_ordinary_weights_are_untouched():
    w = np.array([1e-20, 0.5, 3.0, 1e12])
    np.testing.assert_array_equal(check_sample_weight(w, 4), w)


@pytest.mark.parametrize("model", ["nam", "mlp"])
@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_models_fit_huge_and_tiny_uniform_weights_as_unit_weights(data, model, scale):
    """Uniform weights of 1e300 (or 1e-300) are the same fit as weights of one, not a NaN loss."""
    X, y = data
    kw = dict(random_state=0, verbose=0, device="cpu", max_epochs=15)
    if model == "nam":
        kw.update(n_bags=2, interactions=0)
    ref = make_model(model, **kw).fit(X, y, sample_weight=np.ones(len(y))).predict_proba(X)
    with pytest.warns(UserWarning, match="float32"):
        m = make_model(model, **kw).fit(X, y, sample_weight=np.full(len(y), scale))
    p = m.predict_proba(X)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p, ref, atol=1e-6)

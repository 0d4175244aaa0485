"""The main-effect networks read knots by rank (``TermLayout.rank_coordinates``): what a NAM
learns depends on the order of a feature's values, not on their scale or skew."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretable_nn.data.encoding import TabularEncoder
from interpretable_nn.models import NAMClassifier
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.layout import TermLayout


def _layout(X: pd.DataFrame, max_knots: int = 16):
    enc_ = TabularEncoder().fit(X)
    enc = enc_.transform(X)
    return TermLayout.from_encoder(enc_, enc, max_knots, 8), enc


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.0, 1.0, 1e300 / 1e290])),
                min_size=1, max_size=300),
       st.integers(2, 40))
def test_rank_coordinates_are_finite_and_increasing(values, max_knots):
    lay, enc = _layout(pd.DataFrame({"x": values}), max_knots)
    c = np.asarray(lay.rank_coordinates(enc)[0])
    assert len(c) == len(lay.knots[0])
    assert np.isfinite(c).all()
    assert (np.diff(c) > 0).all(), "distinct knots must keep distinct, increasing coordinates"
    n = len(values)
    if n > 1:  # clipped to the ranks 1/2 and n - 1/2
        from scipy.special import ndtri
        assert np.abs(c).max() <= ndtri(1 - 0.5 / n) + 1e-9


def test_missing_values_do_not_count_in_the_ranks():
    x = pd.DataFrame({"x": [1.0, 2.0, np.nan, 3.0, np.nan, 4.0]})
    lay, enc = _layout(x)
    c = np.asarray(lay.rank_coordinates(enc)[0])
    np.testing.assert_allclose(c, -c[::-1], atol=1e-12)  # 4 values, symmetric mid-ranks


def _fit(X, y):
    m = NAMClassifier(n_bags=2, interactions=0, max_epochs=40, verbose=0, random_state=0, device="cpu")
    return m.fit(X, y)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 600
    a = rng.integers(0, 12, n).astype(float)  # 12 distinct values: a knot at each
    b = rng.normal(size=n)
    logit = np.sin(a / 2.0) + 0.8 * b
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"a": a, "b": b}), y


def test_a_monotone_transform_of_a_feature_changes_nothing(data):
    """With a knot at every value, the knots' ranks are the same after any increasing
    transform, so the fitted model scores every row the same; standardized coordinates
    (the flag off) would not."""
    X, y = data
    Xt = X.assign(a=np.exp(1.5 * X["a"]))  # heavily skewed, same order
    p = _fit(X, y).predict_proba(X)[:, 1]
    pt = _fit(Xt, y).predict_proba(Xt)[:, 1]
    np.testing.assert_allclose(p, pt, atol=1e-6)
    namfit.RANK_COORDINATES = False
    try:
        q = _fit(X, y).predict_proba(X)[:, 1]
        qt = _fit(Xt, y).predict_proba(Xt)[:, 1]
    finally:
        namfit.RANK_COORDINATES = True
    assert np.abs(q - qt).max() > 1e-3, "the check can fail: scale-dependent coordinates change the fit"

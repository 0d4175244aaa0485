"""Knots that ties do not eat (``layout.tie_aware_knots``, the ``TIE_KNOTS`` dev hook): a
value that holds at least 1/k of the rows is a knot of its own and the other knots are the
quantiles of the remaining rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretable_nn.data.encoding import TabularEncoder
from interpretable_nn.models import NAMClassifier
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.layout import TermLayout, quantile_knots, tie_aware_knots


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.0, 1.0, 3.0])),
                min_size=2, max_size=400),
       st.integers(2, 40))
def test_tie_aware_knots_are_training_range_knots_never_fewer(values, k):
    v = np.sort(np.asarray(values, dtype=float))
    if len(np.unique(v)) <= k:
        return  # the layout puts a knot at every value there; neither rule is called
    plain, z = quantile_knots(v, k), tie_aware_knots(v, k)
    assert (np.diff(z) > 0).all(), "knots are distinct and increasing"
    assert z[0] >= v[0] and z[-1] <= v[-1], "knots stay inside the training range"
    assert len(z) >= len(plain)
    u, counts = np.unique(v, return_counts=True)
    if len(z) > len(plain):  # the mass points were set apart: each is a knot
        assert set(u[counts * k >= len(v)]) <= set(z)


def test_a_zero_inflated_column_keeps_its_grid_and_a_smooth_one_is_unchanged():
    rng = np.random.default_rng(0)
    zi = np.sort(np.where(rng.random(3000) < 0.85, 0.0, rng.exponential(1.0, 3000)))
    assert len(quantile_knots(zi, 16)) <= 6  # ties eat the plain grid
    z = tie_aware_knots(zi, 16)
    assert z[0] == 0.0 and len(z) >= 16
    # the knots above zero split the non-zero rows into about equal masses
    inner = np.searchsorted(z[1:], zi[zi > 0])
    counts = np.bincount(inner, minlength=len(z))[1:-1]
    assert counts.max() < 3 * counts[counts > 0].min()
    smooth = np.sort(rng.normal(size=3000))
    np.testing.assert_array_equal(tie_aware_knots(smooth, 16), quantile_knots(smooth, 16))


def test_the_hook_reaches_the_fit_and_is_off_by_default():
    rng = np.random.default_rng(1)
    n = 1500
    X = pd.DataFrame({"count": np.where(rng.random(n) < 0.8, 0.0, rng.poisson(6, n) + rng.random(n)),
                      "x": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-(X["count"] / 3 - 1 + X["x"])))).astype(int)
    assert namfit.TIE_KNOTS is False
    kw = dict(n_bags=2, max_epochs=20, interactions=0, max_knots=16, verbose=0)
    off = NAMClassifier(**kw).fit(X, y)
    enc_ = TabularEncoder().fit(X)
    plain = TermLayout.from_encoder(enc_, enc_.transform(X), 16, 32)
    namfit.TIE_KNOTS = True
    try:
        on = NAMClassifier(**kw).fit(X, y)
    finally:
        namfit.TIE_KNOTS = False
    assert off.layout_.knots == plain.knots
    assert len(on.layout_.knots[0]) > len(off.layout_.knots[0])
    assert on.layout_.knots[1] == off.layout_.knots[1]  # no ties: the same grid
    ex = on.explain(X.iloc[:200])  # the explanations still sum to the score on the new grid
    gap = np.abs(ex.base_values + ex.values.sum(1) - on.decision_function(X.iloc[:200]))
    assert np.isfinite(on.predict_proba(X)[:, 1]).all() and gap.max() < 1e-6

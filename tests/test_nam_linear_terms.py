"""Numeric terms made straight lines where their bends carry nothing (``linearize_terms``, a
dev variant of stop 66, off by default): a line is exact in the knot table, only candidates
change, the logits the pair stage reads are the returned tables', the change is kept only
when it lowers the bags' validation loss, and a fit with it on stays additive and exact."""

import numpy as np
import pandas as pd
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_nam_term_shrink import _setup, _val_loss

from interpretable_nn.models import NAMClassifier
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.bags import _Bags
from interpretable_nn.models.nam.select import _row_totals, linearize_terms


def _bags(val: torch.Tensor) -> _Bags:
    return _Bags(1.0 - val, val, float((1.0 - val).sum(0).mean()), torch.Generator())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_lines_are_exact_in_the_table_and_kept_only_when_the_validation_loss_falls(seed):
    lay, lo, w, mass, mains, y, val = _setup(seed)
    out, record = linearize_terms(lay, lo, w, mains, y, _bags(val), "binary", None, {})
    table, bias, logit, _ = out
    for b in range(table.shape[0]):
        np.testing.assert_allclose(logit[:, b], bias[b] + _row_totals(table[b], lo, w), atol=1e-9)
    if record is None or not record["kept"]:
        np.testing.assert_array_equal(table, mains[0])
        return
    assert _val_loss(logit, y, val).mean() < _val_loss(mains[2], y, val).mean()
    seg = lay.main_segments()
    for i, name in enumerate(lay.names):
        e = np.flatnonzero(seg == i)
        if name not in record["candidates"]:
            np.testing.assert_array_equal(table[:, e], mains[0][:, e])
            continue
        k = np.asarray(lay.knots[lay.col[i]])
        for b in range(table.shape[0]):
            slope, icpt = np.polyfit(k, table[b, e[:len(k)]], 1)
            np.testing.assert_allclose(table[b, e[:len(k)]], icpt + slope * k, atol=1e-9)
            assert table[b, e[-1]] == mains[0][b, e[-1]]  # the missing slot keeps its value


def test_one_bag_or_switched_off_changes_nothing():
    lay, lo, w, mass, mains, y, val = _setup(0)
    assert linearize_terms(lay, lo, w, mains, y, _bags(val[:, :1]), "binary", 2.0, {})[1] is None
    assert linearize_terms(lay, lo, w, mains, y, _bags(val), "binary", 2.0, {}, on=False) == (mains, None)


def test_a_fit_with_lines_keeps_the_bends_it_needs_and_stays_exact(monkeypatch):
    rng = np.random.default_rng(0)
    n = 1500
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"x{i}" for i in range(6)])
    z = X[["x0", "x1", "x2", "x3", "x4"]].to_numpy() @ np.array([1.0, -.8, .6, .4, -.3]) + 2.0 * np.abs(X["x5"]) - 1.6
    y = (z + rng.logistic(size=n) > 0).astype(int)
    monkeypatch.setattr(namfit, "LINEAR_TERMS", True)
    m = NAMClassifier(random_state=0, verbose=0, interactions=0).fit(X, y)
    record = m.fit_info_["linear_terms"]
    assert record["kept"] and "x5" not in record["candidates"] and len(record["candidates"]) >= 3
    sf = m.shape_function(record["candidates"][0])
    present = sf[~sf["missing"]] if "missing" in sf else sf
    slope, icpt = np.polyfit(present["value"], present["contribution"], 1)
    np.testing.assert_allclose(present["contribution"], icpt + slope * present["value"], atol=1e-6)
    e = m.explain(X.head(50))
    np.testing.assert_allclose(e.values.sum(1) + e.base_values, m.decision_function(X.head(50)), atol=1e-9)

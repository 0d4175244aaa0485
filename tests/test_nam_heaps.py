"""Heaped values (``interpretable_nn.models.nam.heaps``; ``fit.HEAP_VALUES``): a numeric column
whose exact values carry the target (an income recorded as its bracket's midpoint) gets a knot
at each heap between two shoulder knots and a free offset there, kept when the bags'
validation loss says so. Which values are heaps, the test that decides which columns try them
(a p-value under the null), the planted signal found where the smooth shape misses it, a
refused or absent alternative leaving the fit as it was, and every promise of the fitted model
kept (additivity, save/load, ONNX, the scorecard's SQL, the knot form off the heaps)."""

import sqlite3

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from interpretable_nn.models import NAMClassifier, NAMRegressor
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam import heaps as heapmod
from interpretable_nn.models.nam.heaps import heap_layout, heap_test, heap_values

#: the bracket midpoints an income is written as when it was asked in brackets
BRACKETS = np.linspace(5.0, 100.0, 20)


def _heaped(n=4000, seed=0, effect=2.5):
    """``income``: 40% of the rows on a bracket midpoint (those have ``effect`` more log-odds),
    the rest continuous; ``z``: a smooth effect."""
    rng = np.random.default_rng(seed)
    on = rng.random(n) < 0.4
    income = np.where(on, rng.choice(BRACKETS, n), np.round(rng.lognormal(3.6, 0.5, n), 2))
    z = rng.normal(size=n)
    logit = -1.5 + effect * on + 0.01 * (income - 40) + 0.6 * z
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"income": income, "z": z}), y


def _fit(X, y, **kw):
    kw = {"n_bags": 4, "interactions": 0, "max_epochs": 150, "verbose": 0, "device": "cpu", "random_state": 0} | kw
    return NAMClassifier(**kw).fit(X, y)


@pytest.fixture(scope="module")
def fits():
    X, y = _heaped()
    Xte, yte = _heaped(seed=1)
    out = {}
    for flag in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(namfit, "HEAP_VALUES", flag)
            m = _fit(X, y)
        out[flag] = (m, roc_auc_score(yte, m.predict_proba(Xte)[:, 1]))
    return out, (X, y), Xte


# ------------------------------------------------------------------------------ heap values
def test_heap_values_finds_planted_heaps_and_nothing_in_smooth_columns():
    X, _ = _heaped()
    got = heap_values(np.sort(X["income"].to_numpy()))
    assert set(BRACKETS) <= set(got) and len(got) == len(BRACKETS)
    rng = np.random.default_rng(0)
    assert len(heap_values(np.sort(rng.normal(size=5000)))) == 0  # continuous
    assert len(heap_values(np.sort(rng.poisson(40, 5000).astype(float)))) == 0  # many rows per value, no heap
    assert len(heap_values(np.sort(rng.integers(0, 20, 5000).astype(float)))) == 0  # a code: every value a knot
    assert len(heap_values(np.zeros(0))) == 0
    # hours heaped on 40 amid integers 1..80: only 40
    hours = np.r_[rng.integers(1, 81, 4000), np.full(600, 40)].astype(float)
    assert heap_values(np.sort(hours)).tolist() == [40.0]


def test_heap_values_keeps_the_largest_heaps_up_to_the_cap():
    rng = np.random.default_rng(0)
    sizes = np.arange(12, 12 + 2 * (heapmod.HEAP_MAX + 10), 2)  # more heaps than the cap, all sizes distinct
    points = np.arange(len(sizes)) * 10.0
    v = np.sort(np.r_[np.repeat(points, sizes), rng.uniform(-5, 10 * len(sizes), 6000)])
    got = heap_values(v)
    assert len(got) == heapmod.HEAP_MAX
    assert got.tolist() == sorted(points[-heapmod.HEAP_MAX:].tolist())  # the largest


# ------------------------------------------------------------------------------ the test
def _xy(seed, effect, n=3000):
    X, y = _heaped(n, seed, effect)
    return X["income"].to_numpy(), y.astype(float)


def test_heap_test_flags_heaps_with_their_own_rate():
    x, y = _xy(0, 2.5)
    p, prec = heap_test(x, y, np.ones(len(y)), BRACKETS)
    assert p < 1e-12
    assert prec < 2.0  # offsets of about 2.5 logits: a weak prior (precision 1 / tau^2)
    # weights are row counts: doubling every row is weight 2
    p2, _ = heap_test(np.r_[x, x], np.r_[y, y], np.ones(2 * len(y)), BRACKETS)
    assert heap_test(x, y, np.full(len(y), 2.0), BRACKETS)[0] == pytest.approx(p2, rel=1e-9)


def test_heap_test_is_a_p_value_when_the_heaps_follow_the_trend():
    # no effect of being on a heap: p about uniform (about 5% below .05), the prior strong
    ps, precs = zip(*(heap_test(*_xy(s, 0.0), np.ones(3000), BRACKETS) for s in range(200)))
    assert 0.01 <= np.mean(np.array(ps) < 0.05) <= 0.11
    assert all(0.0 <= p <= 1.0 for p in ps)
    assert np.median(precs) == 100.0


def test_heap_test_without_heaps_or_other_rows():
    assert heap_test(np.ones(50), np.r_[np.zeros(25), np.ones(25)], np.ones(50), np.array([1.0])) == (1.0, 100.0)
    assert heap_test(np.arange(5.0), np.ones(5), np.ones(5), np.zeros(0)) == (1.0, 100.0)


# ------------------------------------------------------------------------------ the layout
def test_each_heap_is_a_knot_between_shoulders(fits):
    m = fits[0][False][0]
    X = fits[1][0]
    enc = m.encoder_.transform(X)
    lay = m.layout_
    c = lay.col[lay.names.index("income")]
    x = np.sort(enc.numeric[:, c].astype(np.float64))
    u = np.unique(x)
    heaps = heap_values(x)
    new, mask = heap_layout(lay, {c: (heaps, u)}, 32)
    z = np.asarray(new.knots[c])
    assert set(lay.knots[c]) <= set(z) and set(heaps) <= set(z)
    padded = new.padded_knots()
    assert mask.shape == padded.shape and mask.sum() == len(heaps)
    assert np.array_equal(np.sort(padded[c][mask[c]].astype(np.float64)), heaps.astype(np.float32).astype(np.float64))
    for h in heaps:  # the midpoints to the next values are knots; no training value lies between them
        i, j = int(np.searchsorted(z, h)), int(np.searchsorted(u, h))
        if j > 0:
            mid = u[j - 1] / 2 + h / 2
            assert mid in set(z) and u[j - 1] < z[i - 1] >= mid
        if j < len(u) - 1:
            mid = u[j + 1] / 2 + h / 2
            assert mid in set(z) and h < z[i + 1] <= mid
    # rows on a heap read its knot exactly
    lo, w = new.encode_main(enc)
    on = np.isin(enc.numeric[:, c].astype(np.float64), heaps)
    i = lay.names.index("income")
    assert np.all((w[on, i] == 0.0) | (w[on, i] == 1.0))
    assert len(new.pair_knots[c]) <= 32 and new.pair_knots[c][-1] == len(z) - 1


def test_huge_values_give_finite_shoulders():
    u = np.array([-1e308, -3e307, 0.0, 5e307, 1.7e308])
    lay = namfit.TermLayout(names=["a"], is_numeric=[True], col=[0], knots=[[-1e308, 1.7e308]], cat_sizes=[],
                            monotone=[0], pair_knots=[[0, 1]])
    new, mask = heap_layout(lay, {0: (u[[0, 4]], u)}, 32)
    assert np.isfinite(new.knots[0]).all() and np.all(np.diff(new.knots[0]) > 0)
    assert mask[0].sum() == 2


# ------------------------------------------------------------------------------ fits
def _around(fits, b):
    """Bracket ``b``'s midpoint and the training incomes next to it on either side."""
    u = np.unique(fits[1][0]["income"])
    i = int(np.searchsorted(u, BRACKETS[b]))
    return [u[i - 1], BRACKETS[b], u[i + 1]]


def _income_terms(model, fits, b):
    probe = fits[2].iloc[[0] * 3].copy()
    probe["income"] = _around(fits, b)
    return pd.DataFrame(model.predict_terms(probe), columns=model.terms_)["income"].to_numpy()


def test_the_heaps_are_found_and_followed_where_the_smooth_shape_misses_them(fits):
    (off, auc_off), (on, auc_on) = fits[0][False], fits[0][True]
    info = on.fit_info_["heaps"]
    assert info["columns"] == ["income"] and info["kept"] is True
    assert info["p_values"]["income"] < 1e-6 and set(info["p_values"]) == {"income"}  # z has no heaps
    assert "heaps" not in off.fit_info_
    assert auc_on > auc_off + 0.03
    # the offset: a row on a bracket midpoint against the training values next to it
    for b in (5, 12):
        t = _income_terms(on, fits, b)
        assert t[1] - (t[0] + t[2]) / 2 > 1.5  # planted: 2.5


def test_promises_hold_with_heaps(fits, tmp_path):
    from interpretable_nn.persistence import load_model, save_model

    model, Xte = fits[0][True][0], fits[2]
    ex = model.explain(Xte)
    assert ex.check["additivity_gap"] < 1e-9
    back = load_model(save_model(model, tmp_path / "m"))
    np.testing.assert_array_equal(back.predict_proba(Xte), model.predict_proba(Xte))
    # a value between two knots reads between their values; beyond the range, the end's value
    probe = Xte.iloc[[0, 0, 0]].copy()
    probe["income"] = [1e9, 2e9, np.nan]
    t = pd.DataFrame(model.predict_terms(probe), columns=model.terms_)["income"].to_numpy()
    assert t[0] == pytest.approx(t[1], abs=1e-12) and np.isfinite(t).all()


def test_onnx_reads_the_heaps_as_the_model_does(fits, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from interpretable_nn.models.export_onnx import onnx_feed

    model, Xte = fits[0][True][0], fits[2]
    X = pd.concat([Xte, pd.DataFrame({"income": BRACKETS, "z": 0.0})], ignore_index=True)
    model.to_onnx(tmp_path / "m.onnx")
    proba, _ = ort.InferenceSession(str(tmp_path / "m.onnx")).run(["probabilities", "decision"], onnx_feed(model, X))
    assert np.max(np.abs(proba - model.predict_proba(X))) < 1e-5


def test_the_scorecard_and_its_sql_keep_the_heaps(fits):
    model, Xte = fits[0][True][0], fits[2]
    card = model.to_scorecard(max_bins=64)
    X = Xte.reset_index(drop=True).copy()
    X["id"] = np.arange(len(X))
    con = sqlite3.connect(":memory:")
    X.to_sql("applicants", con, index=False)
    sql = pd.read_sql_query(card.to_sql("applicants", id_column="id", reasons=0), con).sort_values("id")
    np.testing.assert_allclose(sql["score"].to_numpy(), card.score(X.drop(columns="id")), atol=1e-9)
    # the card keeps the heaps' jump: a midpoint scores apart from the training values next to it
    probe = X.iloc[[0, 0, 0]].drop(columns="id").copy()
    probe["income"] = _around(fits, 8)
    s = card.score(probe)
    assert min(abs(s[1] - s[0]), abs(s[1] - s[2])) > 10  # 2.5 logits at 20 points per doubling: about 70


def test_a_refused_alternative_leaves_the_fit_as_it_was(fits, monkeypatch):
    X, y = fits[1]
    monkeypatch.setattr(namfit, "HEAP_MARGIN_SE", 1e9)  # no fall clears it
    m = _fit(X, y)
    assert m.fit_info_["heaps"]["kept"] is False
    np.testing.assert_array_equal(m.decision_function(fits[2]), fits[0][False][0].decision_function(fits[2]))


def test_without_heaps_the_fit_is_the_plain_one(monkeypatch):
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"a": rng.normal(size=1500), "b": rng.lognormal(size=1500)})
    y = (rng.random(1500) < 1 / (1 + np.exp(-X["a"]))).astype(int)
    on = _fit(X, y, max_epochs=40)
    monkeypatch.setattr(namfit, "HEAP_VALUES", False)
    off = _fit(X, y, max_epochs=40)
    assert "heaps" not in on.fit_info_
    np.testing.assert_array_equal(on.decision_function(X), off.decision_function(X))


def test_heaps_at_the_ends_missing_values_and_float32(fits):
    X, y = _heaped(3000, seed=4)
    X["income"] = X["income"].where(np.arange(len(X)) % 17 != 0)  # missing values
    X.loc[X.index[::9], "income"] = 0.0  # a heap at the low end
    X["income"] = X["income"].astype(np.float32)
    m = _fit(X, y, max_epochs=60)
    p = m.predict_proba(X)
    assert np.isfinite(p).all()
    assert "income" in m.fit_info_["heaps"]["p_values"]
    assert m.explain(X.iloc[:200]).check["additivity_gap"] < 1e-9


def test_regressors_and_monotone_columns_have_no_heaps(monkeypatch):
    X, y = _heaped(2000)
    r = NAMRegressor(n_bags=2, interactions=0, max_epochs=3, verbose=0, device="cpu").fit(X, y.astype(float))
    assert "heaps" not in r.fit_info_
    m = _fit(X, y, max_epochs=20, monotone={"income": 1})
    assert "income" not in m.fit_info_.get("heaps", {}).get("p_values", {})

"""Shrinking each main term by a factor fitted on the bags' validation rows (``shrink_terms``,
issue 16): factors in [0, 1], each term keeps its training mean and its shape, the logits the
pair stage reads are the returned tables', no bag's validation loss rises, and a noise column
shrinks more than a real one."""

import numpy as np
import pandas as pd
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fuzz import check_fitted_on, datasets

from interpretable_nn.data.encoding import TabularEncoder
from interpretable_nn.models import NAMClassifier
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.layout import TermLayout, main_mass
from interpretable_nn.models.nam.select import _row_loss, shrink_terms
from interpretable_nn.training.engine import TrainResult


def _setup(seed: int, n: int = 200, bags: int = 3):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 5, n).astype(float),
                      "c": rng.choice(["x", "y", "z"], n)})
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    encoder = TabularEncoder().fit(X)
    enc = encoder.transform(X)
    lay = TermLayout.from_encoder(encoder, enc, 8, 8)
    lo, w = lay.encode_main(enc)
    mass = main_mass(lay, lo, w)
    table = rng.normal(scale=1.5, size=(bags, lay.main_size()))
    table[:, lay.main_segments() < 0] = 0.0
    bias = rng.normal(size=bags)
    logit = np.stack([bias[b] + (table[b][lo] * (1 - w) + table[b][lo + 1] * w).sum(1) for b in range(bags)], 1)
    y = torch.as_tensor((rng.random(n) < 0.4).astype(np.float32))
    val = torch.as_tensor((rng.random((n, bags)) < 0.3).astype(np.float32))
    res = TrainResult(history=pd.DataFrame(), best_epoch=0, n_epochs=1, device="cpu", fit_time=0.0, stopped_early=False)
    return lay, lo, w, mass, (table, bias, logit, res), y, val


def _val_loss(logit, y, val):
    v = val.double().numpy()
    return (v * _row_loss(logit, y.double().numpy()[:, None], "binary")).sum(0) / v.sum(0)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_shrinking_keeps_means_and_shapes_and_never_raises_a_bags_loss(seed):
    lay, lo, w, mass, mains, y, val = _setup(seed)
    (table, bias, logit, _), factors = shrink_terms(lay, lo, w, mass, mains, y, val, "binary")
    assert factors.shape == (3, len(lay.names))
    assert np.all(factors >= 0) and np.all(factors <= 1)
    seg = lay.main_segments()
    old = mains[0]
    for b in range(3):
        for j in range(len(lay.names)):
            e = seg == j
            np.testing.assert_allclose(table[b, e] @ mass[e], old[b, e] @ mass[e], atol=1e-9)  # training mean
            mean = old[b, e] @ mass[e]
            np.testing.assert_allclose(table[b, e] - mean, factors[b, j] * (old[b, e] - mean), atol=1e-9)  # shape
    # the logits handed to the pair stage are the returned tables' own
    again = np.stack([bias[b] + (table[b][lo] * (1 - w) + table[b][lo + 1] * w).sum(1) for b in range(3)], 1)
    np.testing.assert_allclose(logit, again, atol=1e-9)
    assert np.all(_val_loss(logit, y, val) <= _val_loss(mains[2], y, val) + 1e-9)


def test_terms_that_fit_the_validation_rows_keep_factor_one():
    lay, lo, w, mass, mains, _, val = _setup(0, n=6000)
    # labels drawn from the bags' own logits, validated on many rows: nothing to shrink much
    rng = np.random.default_rng(1)
    p = 1 / (1 + np.exp(-mains[2][:, 0]))
    y = torch.as_tensor((rng.random(len(p)) < p).astype(np.float32))
    _, factors = shrink_terms(lay, lo, w, mass, mains, y, torch.ones(len(p), 3), "binary")
    assert factors[0].min() > 0.85
    assert factors[1:].max() < 0.3  # the other bags' tables are noise to these labels: shrunk away


def test_a_noise_column_shrinks_more_than_a_real_one(monkeypatch):
    rng = np.random.default_rng(0)
    n = 1500
    X = pd.DataFrame({"real": rng.normal(size=n), **{f"noise{i}": rng.normal(size=n) for i in range(4)}})
    y = (rng.random(n) < 1 / (1 + np.exp(-1.2 * X["real"]))).astype(int)
    monkeypatch.setattr(namfit, "SHRINK_TERMS", True)
    monkeypatch.setattr(namfit, "SHRINK_MIN_FEATURES", 0)  # 5 columns: below the default's 20
    m = NAMClassifier(n_bags=4, interactions=0, random_state=0, verbose=0, device="cpu").fit(X, y)
    f = m.fit_info_["term_shrink"]
    assert f["real"] > 0.8
    assert max(f[c] for c in f if c.startswith("noise")) < f["real"]
    assert np.mean([f[c] for c in f if c.startswith("noise")]) < 0.7


# ------------------------------------------------------------------ on by default, wide data
#: test_fuzz's data, 20 to 24 columns (the default shrinks from 20; extreme but finite numbers,
#: missing values, hostile names, any row index), with enough rows for validation rows
wide_data = datasets(extreme=True, n_cols=(20, 24), sizes=(40, 90, 200))


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(data=wide_data)
def test_default_nam_shrinks_wide_data_and_keeps_every_promise(data):
    """On 20+ columns the defaults shrink (``fit_info_["term_shrink"]``, a factor in [0, 1]
    per column), and the model keeps what test_fuzz checks of every estimator: finite scores
    and probabilities, explanations that add up to the score, save/load bit for bit."""
    X, y, Xp = data
    m = NAMClassifier(max_epochs=2, n_bags=3, interactions=0, random_state=0, verbose=0, device="cpu").fit(X, y)
    f = m.fit_info_["term_shrink"]
    assert set(f) == set(X.columns)
    assert all(0.0 <= v <= 1.0 for v in f.values())
    check_fitted_on("nam", m, X, Xp)


def test_fewer_than_twenty_columns_are_not_shrunk():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({f"c{i}": rng.normal(size=300) for i in range(namfit.SHRINK_MIN_FEATURES - 1)})
    y = (X["c0"] + rng.normal(size=300) > 0).astype(int)
    m = NAMClassifier(max_epochs=2, n_bags=3, random_state=0, verbose=0, device="cpu").fit(X, y)
    assert "term_shrink" not in m.fit_info_
    X["extra"] = rng.normal(size=300)
    m = NAMClassifier(max_epochs=2, n_bags=3, random_state=0, verbose=0, device="cpu").fit(X, y)
    assert set(m.fit_info_["term_shrink"]) == set(X.columns)


def test_a_regressor_on_wide_data_keeps_its_signal_terms_and_stays_additive():
    """Squared error on the regressor's own target scale: the two real terms keep nearly all
    of their spread (a term left out by selection is 0 whatever its factor)."""
    from interpretable_nn.models import NAMRegressor

    rng = np.random.default_rng(2)
    n = 1200
    X = pd.DataFrame({f"c{i}": rng.normal(size=n) for i in range(22)})
    y = 3.0 * np.sin(X["c0"]) + 2.0 * X["c1"] + rng.normal(size=n) + 100.0
    m = NAMRegressor(n_bags=3, interactions=0, random_state=0, verbose=0, device="cpu").fit(X, y)
    f = m.fit_info_["term_shrink"]
    assert f["c0"] > 0.8 and f["c1"] > 0.8
    assert all(0.0 <= f[c] <= 1.0 for c in X.columns)
    e = m.explain(X.iloc[:50])
    np.testing.assert_allclose(np.asarray(e.base_values) + e.values.sum(1), m.predict(X.iloc[:50]), atol=1e-6 * 100)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 300), f=st.integers(1, 60), chunk=st.integers(1, 64), w32=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_row_reads_by_chunks_are_the_whole_reads_bits(n, f, chunk, w32, seed):
    """The shrunk tables' row logits, read a chunk of rows at a time, are the one-shot read's
    bits for any rows, chunk size and weight precision (each row is summed on its own)."""
    from interpretable_nn.models.nam import select

    rng = np.random.default_rng(seed)
    t = rng.normal(size=40) * 10.0 ** rng.integers(-3, 4)
    lo = rng.integers(0, 39, (n, f))
    w = rng.random((n, f)).astype(np.float32 if w32 else np.float64)
    want = (t[lo] * (1.0 - w) + t[lo + 1] * w).sum(1)
    assert select._row_totals(t, lo, w, chunk).tobytes() == want.tobytes()

"""Term selection (:mod:`interpretable_nn.models.nam.select`): the NAM leaves out the main
terms whose removal does not raise the bags' validation loss, when the refit without them
is better by a paired margin; columns that carry nothing stop costing accuracy."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import roc_auc_score

from interpretable_nn.models import NAMClassifier, NAMRegressor
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.layout import TermLayout
from interpretable_nn.models.nam.select import keep_mask, removal_deltas, terms_to_drop

SIGNAL = ["s0", "s1", "s2"]


def _noisy(n: int, n_noise: int = 30, seed: int = 0):
    """Three real columns and ``n_noise`` columns of pure noise, 10% positives."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3 + n_noise)), columns=SIGNAL + [f"z{i}" for i in range(n_noise)])
    logit = -2.6 + 0.9 * X["s0"] - 0.7 * X["s1"] + 0.6 * np.abs(X["s2"])
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y.to_numpy(), logit.to_numpy()


KW = dict(n_bags=4, interactions=0, max_knots=16, smoothness=3.0, verbose=0, random_state=0)


@pytest.fixture(scope="module")
def noisy_pair():
    """Selection on and off, term shrinking off in both (it acts on these 33 columns too:
    ``test_nam_term_shrink``), so the pair measures selection alone."""
    X, y, _ = _noisy(2500)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(namfit, "SHRINK_TERMS", False)
        on = NAMClassifier(**KW).fit(X, y)
        mp.setattr(namfit, "SELECT_TERMS", False)
        off = NAMClassifier(**KW).fit(X, y)
    return X, y, on, off


def test_noise_columns_are_left_out_and_signal_kept(noisy_pair):
    X, y, on, off = noisy_pair
    rec = on.fit_info_["term_selection"]
    json.dumps(rec)  # travels in a saved model's fit_info_ as plain JSON
    assert rec["refit"] is True and rec["kept"] is True, rec
    assert rec["val_loss"]["selected"] < rec["val_loss"]["all"]
    assert not set(rec["candidates"]) & set(SIGNAL), rec["candidates"]
    assert len(rec["candidates"]) >= 10, rec["candidates"]
    assert "term_selection" not in off.fit_info_, "off: nothing recorded"
    # a term left out contributes exactly 0 to every row, and the explanation still sums
    e = on.explain(X.iloc[:300])
    vals = pd.DataFrame(e.values, columns=e.feature_names)
    assert (vals[rec["candidates"]].to_numpy() == 0).all()
    assert e.check["additivity_gap"] < 1e-5
    assert (vals[SIGNAL].abs().max() > 0.1).all()


def test_selection_helps_on_fresh_rows(noisy_pair):
    _, _, on, off = noisy_pair
    Xt, yt, logit_t = _noisy(6000, seed=1)
    a_on = roc_auc_score(yt, on.predict_proba(Xt)[:, 1])
    a_off = roc_auc_score(yt, off.predict_proba(Xt)[:, 1])
    assert a_on > a_off + 0.003, (a_on, a_off, roc_auc_score(yt, logit_t))


def test_nothing_is_left_out_where_every_column_counts():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(3000, 4)), columns=list("abcd"))
    y = (rng.uniform(size=3000) < 1 / (1 + np.exp(-(X.a + X.b - X.c + X.d)))).astype(int)
    m = NAMClassifier(**KW).fit(X, y)
    rec = m.fit_info_.get("term_selection")
    assert rec is None or not rec["kept"] or not set(rec["candidates"]) & set("abcd"), rec


def test_monotone_columns_are_never_left_out():
    X, y, _ = _noisy(1500, n_noise=8)
    m = NAMClassifier(**KW, monotone={"z0": 1, "z1": -1}).fit(X, y)
    rec = m.fit_info_.get("term_selection") or {"candidates": []}
    assert not {"z0", "z1"} & set(rec["candidates"]), rec


def test_no_validation_rows_or_one_bag_no_selection_and_round_trip(tmp_path, noisy_pair):
    X, y, on, _ = noisy_pair
    m = NAMClassifier(**{**KW, "validation_fraction": 0.0, "max_epochs": 5}).fit(X.iloc[:500], y[:500])
    assert "term_selection" not in m.fit_info_
    one = NAMClassifier(**{**KW, "n_bags": 1}).fit(X, y)
    assert "term_selection" not in one.fit_info_, "one bag: no paired test, no selection"
    on.save(tmp_path / "m")
    back = NAMClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(back.predict_proba(X), on.predict_proba(X))
    assert back.fit_info_["term_selection"] == on.fit_info_["term_selection"]


def test_regressor_selects_too():
    X, _, logit = _noisy(2000, n_noise=20)
    rng = np.random.default_rng(5)
    reg = NAMRegressor(**KW).fit(X, logit + rng.normal(scale=0.5, size=len(X)))
    assert np.isfinite(reg.predict(X)).all()
    rec = reg.fit_info_.get("term_selection")
    assert rec is not None and not set(rec["candidates"]) & set(SIGNAL), rec


def _layout(n_terms: int, k: int = 3) -> TermLayout:
    knots = [list(np.linspace(-1, 1, k)) for _ in range(n_terms)]
    return TermLayout(names=[f"x{i}" for i in range(n_terms)], is_numeric=[True] * n_terms,
                      col=list(range(n_terms)), knots=knots, cat_sizes=[], monotone=[0] * n_terms,
                      pair_knots=[list(range(k))] * n_terms)


def test_removal_deltas_by_hand():
    """A constant term changes nothing when left out (delta 0 up to float32 masses); a term that is the
    whole signal raises the loss; a term that is the signal reversed lowers it."""
    lay = _layout(3)
    rng = np.random.default_rng(0)
    n = 400
    x = rng.uniform(-1, 1, size=n)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-3 * x))).astype(np.float32)
    # rows sit on knot 0 or 1 of every term with a weight: value = t[lo] (1 - w) + t[lo + 1] w
    lo1 = (x > 0).astype(np.int64)
    w1 = (np.where(x > 0, x, x + 1)).astype(np.float32)
    off = lay.main_offsets()
    lo = np.stack([lo1 + off[0], lo1 + off[1], lo1 + off[2]], 1)
    w = np.stack([w1, w1, w1], 1)
    t = np.zeros((1, lay.main_size()))
    t[0, off[0] : off[0] + 3] = [-3, 0, 3]  # the signal
    t[0, off[1] : off[1] + 3] = [0.5, 0.5, 0.5]  # a constant
    t[0, off[2] : off[2] + 3] = [1, 0, -1]  # the signal reversed, weaker
    logit = (t[0][lo] * (1 - w) + t[0][lo + 1] * w).sum(1)[:, None]
    from interpretable_nn.models.nam.layout import main_mass

    mass = main_mass(lay, lo, w)
    d = removal_deltas(lay, t, lo, w, mass, logit, torch.from_numpy(y), torch.ones(n, 1), "binary")
    assert d.shape == (1, 3)
    assert d[0, 0] > 0.1 and d[0, 1] == pytest.approx(0.0, abs=1e-8) and d[0, 2] < 0
    drop = set(terms_to_drop(d, np.zeros(3, bool)))
    assert 2 in drop and 0 not in drop, drop
    assert 2 not in set(terms_to_drop(d, np.array([False, False, True]))), "protected terms stay"
    assert list(terms_to_drop(np.array([[0.1, -0.2, 0.0], [0.1, 0.1, -0.1]]), np.zeros(3, bool))) == [1, 2]
    assert len(terms_to_drop(-np.ones((2, 3)), np.zeros(3, bool))) == 0, "never every term"
    keep = keep_mask(lay, np.array([1]))
    assert keep[off[1] : off[1] + 3].sum() == 0 and keep[off[0] : off[0] + 3].sum() == 3


def test_refit_gate_is_a_paired_test():
    from interpretable_nn.models.nam.select import _clears

    assert _clears(np.array([0.010, 0.011, 0.009, 0.010]), 2.0), "a steady gain clears"
    assert not _clears(np.array([0.05, -0.04, 0.03, -0.02]), 2.0), "a noisy gain of the same mean does not"
    assert _clears(np.array([0.05, -0.04, 0.03, -0.02]), None), "no margin: any gain"
    assert not _clears(np.array([-0.001]), 2.0) and _clears(np.array([0.001]), 2.0), "one bag: the sign"

"""``interactions="auto"``: the NAM fits 10 pairs, then three per column (EBM's default), and
keeps the larger count only when it lowers the bags' validation loss
(:data:`~interpretable_nn.models.nam.fit.AUTO_PAIRS`)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from interpretable_nn.models import NAMClassifier, NAMRegressor
from interpretable_nn.models.nam.fit import AUTO_PAIRS, pair_ladder


def test_ladder():
    assert AUTO_PAIRS == (10, "3x")
    assert pair_ladder("auto", 0, 13, True) == [10, 39]
    assert pair_ladder("auto", 0, 3, True) == [10], "3 columns: 9 pairs is no step up from 10"
    assert pair_ladder("auto", 0, 13, False) == [10], "no validation rows: nothing to choose by"
    assert pair_ladder(4, 0, 13, True) == [4], "a number is used as given"
    assert pair_ladder([("a", "b")], 1, 13, True) == [1], "forced pairs: those"


def _pairs(n: int, seed: int = 0):
    """Eight columns and 16 products of them: more real interactions than 10 pairs hold."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"x{i}" for i in range(8)])
    v = X.to_numpy()
    true = [(i, j) for i in range(8) for j in range(i + 1, 8)][::2][:16]
    logit = sum(0.8 * v[:, i] * v[:, j] for i, j in true)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y, logit


def test_auto_takes_more_pairs_where_there_are_more(monkeypatch):
    """The grid stage's count search (the stage of a regressor, and the grids a binary fit
    adds on top of its boosted pairs); today's binary default beats ten grid pairs too."""
    import interpretable_nn.models.nam.fit as namfit

    X, y, _ = _pairs(6000)
    Xt, yt, logit_t = _pairs(4000, seed=1)
    kw = dict(n_bags=2, max_knots=16, smoothness=3.0, verbose=0, random_state=0)
    default = NAMClassifier(**kw).fit(X, y)
    monkeypatch.setattr(namfit, "PAIR_STAGE", "grid")
    auto = NAMClassifier(interactions="auto", **kw).fit(X, y)
    ten = NAMClassifier(interactions=10, **kw).fit(X, y)
    search = auto.fit_info_["pair_search"]
    json.dumps(search)  # travels in a saved model's fit_info_ as plain JSON
    assert list(search)[0] == "10" and len(search) == 2, search
    assert search["10"] == pytest.approx(ten.fit_info_["best_val_loss"]), "step 1 is the 10-pair fit"
    kept = int(auto.pair_scores_["selected"].sum())
    assert kept > 10 and search[str(kept)] == min(search.values()), (kept, search)
    a_auto = roc_auc_score(yt, auto.predict_proba(Xt)[:, 1])
    a_ten = roc_auc_score(yt, ten.predict_proba(Xt)[:, 1])
    assert a_auto > a_ten + 0.01, (a_auto, a_ten, roc_auc_score(yt, logit_t))
    assert len([t for t in auto.terms_ if " x " in t]) == kept
    a_default = roc_auc_score(yt, default.predict_proba(Xt)[:, 1])
    assert a_default > a_ten + 0.01, (a_default, a_ten)
    pairs = [t for t in default.terms_ if " x " in t]  # the ranking marks the pairs the model holds
    assert sorted(default.pair_scores_.pair[default.pair_scores_.selected]) == sorted(pairs)


def test_auto_keeps_ten_where_more_pairs_do_not_help(monkeypatch):
    """The grid stage's count search (a binary fit's default boosts the ranking's top pairs
    whatever their count, stepping each only where it gains)."""
    import interpretable_nn.models.nam.fit as namfit

    monkeypatch.setattr(namfit, "PAIR_STAGE", "grid")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(3000, 6)), columns=[f"x{i}" for i in range(6)])
    y = (rng.uniform(size=3000) < 1 / (1 + np.exp(-(X["x0"] - X["x1"] + X["x2"] * X["x3"])))).astype(int)
    auto = NAMClassifier(interactions="auto", n_bags=2, verbose=0, random_state=0).fit(X, y)
    search = auto.fit_info_.get("pair_search", {})
    assert int(auto.pair_scores_["selected"].sum()) <= 10, search


def test_auto_round_trips_and_regresses(tmp_path):
    X, y, logit = _pairs(2000)
    reg = NAMRegressor(interactions="auto", n_bags=2, max_epochs=20, verbose=0, random_state=0).fit(X, logit)
    assert np.isfinite(reg.predict(X)).all()
    clf = NAMClassifier(interactions="auto", n_bags=2, max_epochs=20, verbose=0, random_state=0).fit(X, y)
    clf.save(tmp_path / "m")
    back = NAMClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    for key in ("pair_search", "pair_epochs", "pair_best_epoch"):
        assert back.fit_info_.get(key) == clf.fit_info_.get(key), key


def test_bad_values_name_the_parameter():
    X, y, _ = _pairs(200)
    with pytest.raises(ValueError, match="interactions"):
        NAMClassifier(interactions="3x", verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="interactions"):
        NAMClassifier(interactions=-1, verbose=0).fit(X, y)


def _result(by_member):
    from interpretable_nn.training.engine import TrainResult

    return TrainResult(history=pd.DataFrame(), best_epoch=0, n_epochs=1, device="cpu", fit_time=0.0,
                       stopped_early=False, best_val_loss=None if by_member is None else float(np.mean(by_member)),
                       best_val_by_member=by_member)


def test_improves_is_a_paired_comparison_over_the_bags():
    from interpretable_nn.models.nam.fit import improves

    old = _result([0.50, 0.52, 0.48, 0.51])
    steady = _result([0.49, 0.51, 0.47, 0.50])  # every bag .01 lower: no spread, a clear fall
    noisy = _result([0.45, 0.56, 0.44, 0.55])  # mean .0025 lower, bags disagree
    assert improves(steady, old, 2.0) and improves(noisy, old, None)
    assert not improves(noisy, old, 2.0), "a fall inside 2 paired SE is no fall"
    assert not improves(_result(None), old, None) and improves(old, _result(None), 2.0)
    one = _result([0.5])
    assert improves(_result([0.4]), one, 2.0), "one bag: no SE, any fall counts"


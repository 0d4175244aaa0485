"""RuleNet's second candidate source: node paths of small boosted trees
(``boosted_trees``, :mod:`interpretable_nn.models.rulenet_trees`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interpretable_nn.data.encoding import TabularEncoder
from interpretable_nn.models.rulenet import RuleNetClassifier
from interpretable_nn.models.rulenet_trees import _as_written, boosted_candidates
from interpretable_nn.rules import Condition, Rule, RuleSet

FAST = {"max_epochs": 4, "verbose": 0, "random_state": 0}
finite = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(st.one_of(finite, st.just(float("nan"))), min_size=2, max_size=40),
       pick=st.integers(0, 10_000), offset=st.floats(0.0, 0.999), op=st.sampled_from(["<=", ">"]),
       missing_side=st.booleans())
def test_a_written_threshold_selects_the_same_training_rows(values, pick, offset, op, missing_side):
    """A tree threshold on a column's ranks, written in raw units, still splits the training
    values where the tree did; ``OR missing`` survives only on a column that had missing
    values."""
    x = np.asarray(values, dtype=float)
    u = np.unique(x[~np.isnan(x)])
    if len(u) == 0:
        return
    t = float(pick % len(u)) + offset - 0.5  # any threshold on the ranks -0.5 .. len(u) - 0.5
    ranks = np.where(np.isnan(x), np.nan, np.searchsorted(u, x))
    seen = bool(np.isnan(x).any())
    on_ranks = Condition("x", op, t, if_missing=missing_side).evaluate(pd.Series(ranks))
    written = _as_written(Condition("x", op, t, if_missing=missing_side), {"x": u}, {"x": seen})
    got = written.evaluate(pd.Series(x))
    present = ~np.isnan(x)
    assert np.array_equal(got[present], on_ranks[present])
    assert written.if_missing == (missing_side and seen)
    if seen:
        assert np.array_equal(got, on_ranks)


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 5, n).astype(float),
                      "c": rng.choice(["u", "v", "w"], n), "noise": rng.normal(size=n)})
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    X.loc[rng.random(n) < 0.05, "c"] = np.nan
    logit = 1.5 * (X["a"].fillna(1.0) > 0) * (X["c"] == "u") - 1.0 * (X["b"] >= 3) + 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    return X, y


def test_boosted_candidates_are_raw_conjunctions_of_bounded_length():
    X, y = _frame()
    enc = TabularEncoder().fit(X)
    paths = boosted_candidates(enc, X, y, None, n_trees=5, max_depth=2, seed=0)
    assert 5 <= len(paths) <= 5 * 6  # every node of five depth-2 trees but the roots
    assert all(1 <= len(p) <= 2 for p in paths)
    fired = RuleSet([Rule(tuple(p), 0.0) for p in paths]).fire_matrix(X)
    assert fired.shape == (len(X), len(paths)) and fired.any(axis=0).all()
    feats = {c.feature for p in paths for c in p}
    assert feats <= set(X.columns) and "c" in feats  # categorical levels become == / != tests
    for c in (c for p in paths for c in p if c.feature == "b"):
        assert not c.if_missing  # b had no missing value in training
    assert boosted_candidates(enc, X, y, None, n_trees=0, max_depth=2) == []
    again = boosted_candidates(enc, X, y, None, n_trees=5, max_depth=2, seed=0)
    assert again == paths  # seeded


def test_boosted_candidates_take_values_beyond_float32():
    """Values up to 1e200 (beyond scikit-learn's float32 trees) are read by their ranks; the
    rules come back in raw units and select the rows the trees did."""
    X, y = _frame()
    X["a"] = X["a"] * 1e200
    on = RuleNetClassifier(max_rules=8, boosted_trees=5, **FAST).fit(X, y)
    assert on.fit_info_["n_boosted_candidates"] > 0
    assert np.array_equal(on.predict_proba(X), on.ruleset_.predict_proba(X))
    big = [c.value for r in on.ruleset_ for c in r.conditions if c.feature == "a" and c.op in ("<=", ">")]
    assert big and all(abs(v) > 1e150 for v in big)
    paths = boosted_candidates(on.encoder_, X, y, None, n_trees=5, max_depth=2)
    on_a = [c.value for p in paths for c in p if c.feature == "a" and c.op in ("<=", ">")]
    assert on_a and all(abs(v) > 1e150 for v in on_a)


def test_boosted_trees_enter_the_selection_and_the_model_stays_its_rule_set(monkeypatch):
    """With the pool choice off (``POOL_CHOICE_HALVES=0``) the trees' rules always join."""
    from interpretable_nn.models import rulenet_select

    monkeypatch.setattr(rulenet_select, "POOL_CHOICE_HALVES", 0)
    X, y = _frame()
    off = RuleNetClassifier(max_rules=8, max_conditions=2, boosted_trees=0, **FAST).fit(X, y)
    on = RuleNetClassifier(max_rules=8, max_conditions=2, boosted_trees=10, **FAST).fit(X, y)
    assert off.fit_info_["n_boosted_candidates"] == 0
    assert on.fit_info_["n_boosted_candidates"] > 0
    assert on.ruleset_.n_rules <= 8 and all(len(r.conditions) <= 2 for r in on.ruleset_)
    assert np.array_equal(on.predict_proba(X), on.ruleset_.predict_proba(X))
    assert on.ruleset_ != off.ruleset_


# ---------------------------------------------------------------- refit_c="auto"
def test_auto_refit_shrinks_weak_rules_more_than_strong_ones():
    from interpretable_nn.models.rulenet_select import REFIT_CS, choose_refit_c

    rng = np.random.default_rng(0)
    A = (rng.random((600, 20)) < 0.3).astype(float)
    noise_y = (rng.random(600) < 0.3).astype(int)  # rules unrelated to the label
    strong_y = ((A[:, 0] + A[:, 1] + 0.1 * rng.normal(size=600)) > 0.5).astype(int)
    weak, strong = choose_refit_c(A, noise_y, None), choose_refit_c(A, strong_y, None)
    assert weak in REFIT_CS and strong in REFIT_CS
    assert weak <= 0.03 and strong >= 1.0
    assert choose_refit_c(A, np.r_[1, np.zeros(599, int)], None) == 1.0  # one positive: no CV
    assert choose_refit_c(A[:, :0], noise_y, None) == 1.0  # no rule


def test_auto_refit_is_recorded_and_the_model_stays_its_rule_set():
    from interpretable_nn.models.rulenet_select import REFIT_CS

    X, y = _frame()
    m = RuleNetClassifier(max_rules=8, refit_c="auto", **FAST).fit(X, y)
    assert m.fit_info_["refit_c"] in REFIT_CS
    assert np.array_equal(m.predict_proba(X), m.ruleset_.predict_proba(X))
    fixed = RuleNetClassifier(max_rules=8, refit_c=m.fit_info_["refit_c"], **FAST).fit(X, y)
    assert fixed.ruleset_ == m.ruleset_  # "auto" is the fixed strength it chose, nothing else


def test_a_bad_refit_c_is_refused_naming_it():
    import pytest

    X, y = _frame(100)
    for bad in ("fast", 0.0, -1.0, None):
        with pytest.raises((ValueError, TypeError), match="refit_c"):
            RuleNetClassifier(refit_c=bad, **FAST).fit(X, y)


def _pool_choice_data(n=1200, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.random(n), "x2": rng.random(n), "z": rng.random(n)})
    both = (df["x1"] > 0.5) & (df["x2"] > 0.5)
    y = (rng.random(n) < np.where(both, 0.85, 0.15)).astype(int)
    return df, y, both.to_numpy()


@pytest.mark.parametrize("trees_hold_the_signal", [True, False])
def test_the_trees_join_the_pool_only_where_they_lower_the_held_out_loss(trees_hold_the_signal):
    """``choose_trees``: with the signal (a conjunction) only among the trees' rules they
    join; with it in the network's pool and only noise from the trees they do not. Inverting
    the choice fails one of the two cases."""
    from interpretable_nn.models.rulenet_select import choose_trees, stable_select

    df, y, both = _pool_choice_data()
    rng = np.random.default_rng(1)
    noise = rng.random((len(y), 3)) < 0.5
    net = noise if trees_hold_the_signal else np.column_stack([noise, both])
    M = net.astype(np.float64)
    halves: list = []
    stable_select(M, y, None, 4, subsamples=3, seed=0, record=halves)
    assert len(halves) == 3 and all(len(r) == len(y) // 2 for r, _ in halves)
    signal = [[Condition("x1", ">", 0.5), Condition("x2", ">", 0.5)]]
    junk = [[Condition("z", ">", 0.3)], [Condition("z", "<=", 0.7)]]
    calls = []

    def trees(rows):
        calls.append(rows)
        return [tuple(c) for c in (signal if trees_hold_the_signal else junk)]

    patterns = {np.packbits(net[:, i]).tobytes() for i in range(net.shape[1])}
    join, info = choose_trees(M, halves, patterns, trees, df, y, None, 4)
    assert join is trees_hold_the_signal
    assert info["pool"] == ("network+trees" if join else "network") and info["pool_halves"] == 3
    assert [len(r) for r in calls] == [len(y) // 2] * 3  # the trees saw the half-samples only
    gap = info["pool_loss"]["network"] - info["pool_loss"]["network+trees"]
    assert (gap > 0.1) if trees_hold_the_signal else (gap < 0)
    assert choose_trees(M, [], patterns, trees, df, y, None, 4)[0] is False  # no half: no evidence


def test_the_pool_choice_fits_through_its_rule_set(monkeypatch):
    """With the pool choice on (the default), RuleNet records it and still predicts exactly
    through its rule set; with it off, boosted trees always join (the library before it)."""
    from interpretable_nn.models import rulenet_select

    X, y = _frame(600)
    monkeypatch.setattr(rulenet_select, "POOL_CHOICE_HALVES", 2)
    m = RuleNetClassifier(max_rules=8, boosted_trees=10, **FAST).fit(X, y)
    assert m.fit_info_["pool"] in ("network", "network+trees") and m.fit_info_["pool_halves"] == 2
    assert np.array_equal(m.decision_function(X), m.ruleset_.decision_function(X))
    monkeypatch.setattr(rulenet_select, "POOL_CHOICE_HALVES", 0)
    off = RuleNetClassifier(max_rules=8, boosted_trees=10, **FAST).fit(X, y)
    assert "pool" not in off.fit_info_ and off.fit_info_["n_boosted_candidates"] > 0


def test_zero_weight_half_samples_fit_no_tree():
    """A half-sample whose rows all weigh zero fits no tree (scikit-learn refuses such a fit
    with a ValueError, which a class weighted to zero met in the sklearn contract checks);
    the other half-samples still give their conjunctions."""
    X, y = _frame(80)
    enc = TabularEncoder().fit(X)
    first = np.random.default_rng(0).choice(80, 40, replace=False)  # the first tree's half-sample
    w = np.ones(len(y))
    w[first] = 0.0
    paths = boosted_candidates(enc, X, y, w, n_trees=5, max_depth=2, seed=0)
    assert paths and all(1 <= len(p) <= 2 and all(c.feature in X.columns for c in p) for p in paths)


def test_a_class_weighted_to_zero_is_not_given_to_liblinear(monkeypatch):
    """A fit whose positives all weigh zero is not given to liblinear (it would drop those
    rows, print a warning to stdout and fit one class): ``select_rules`` selects nothing
    and ``stable_select`` skips such half-samples."""
    from interpretable_nn.models import rulenet_select
    from interpretable_nn.models.rulenet_select import select_rules, stable_select

    rng = np.random.default_rng(0)
    A = (rng.random((200, 12)) < 0.5).astype(float)
    y = (rng.random(200) < 0.4).astype(int)
    w = np.where(y == 1, 0.0, 1.0)
    calls = []
    real = rulenet_select._l1_logistic
    monkeypatch.setattr(rulenet_select, "_l1_logistic", lambda C: calls.append(C) or real(C))
    assert len(select_rules(A, y, w, 4)) == 0 and not calls
    w[np.flatnonzero(y == 1)[:2]] = 1.0  # two weighted positives: about a quarter of the halves have none
    halves: list = []
    stable_select(A, y, w, 4, subsamples=16, seed=0, record=halves)
    assert 0 < len(halves) < 16
    assert all((w[rows][y[rows] == 1] > 0).any() for rows, _ in halves)

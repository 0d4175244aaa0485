"""The non-greedy surrogate search (interpretable_nn.distill.search) and
SurrogateTree(search="lookahead", target_fidelity=...)."""

from __future__ import annotations

import json
import sqlite3
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import interpretable_nn as inn
from interpretable_nn.attribution.fidelity import Fidelity, wilson_interval
from interpretable_nn.data.encoding import UnseenCategoryWarning
from interpretable_nn.distill.search import (
    Binarizer,
    build_sklearn_tree,
    prune_sequence,
    search_tree,
)
from interpretable_nn.models import EncodedSklearnClassifier
from interpretable_nn.rules import RuleSet


def _leaf_loss(stats: np.ndarray, regression: bool) -> float:
    if regression:
        n, s1, s2 = stats
        return 0.0 if n == 0 else s2 - s1 * s1 / n
    return float(stats.sum() - stats.max())


def _brute(L: np.ndarray, S: np.ndarray, depth: int, regression: bool, min_leaf: int = 1) -> float:
    """Exact optimum by enumeration (tiny problems only)."""
    best = _leaf_loss(S.sum(0), regression)
    if depth == 0:
        return best
    for f in range(L.shape[1]):
        go = L[:, f]
        if go.sum() < min_leaf or (~go).sum() < min_leaf:
            continue
        best = min(best, _brute(L[go], S[go], depth - 1, regression, min_leaf)
                   + _brute(L[~go], S[~go], depth - 1, regression, min_leaf))
    return best


def _problem(seed: int, n: int = 80, f: int = 6, k: int = 2):
    rng = np.random.default_rng(seed)
    L = rng.random((n, f)) < rng.uniform(0.2, 0.8, f)
    logits = L[:, 0] * 1.5 - L[:, 1] + (L[:, 2] & L[:, 3]) * 2.0 + rng.normal(0, 0.7, n)
    y = np.digitize(logits, np.quantile(logits, np.linspace(0, 1, k + 1)[1:-1]))
    return L, np.eye(k)[y], logits


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [2, 3])
def test_depth_two_is_exactly_optimal(seed, k):
    L, S, _ = _problem(seed, k=k)
    for depth in (1, 2):
        assert search_tree(L, S, depth).cost == pytest.approx(_brute(L, S, depth, False))
    # a full beam makes depth 3 exact too; a narrow beam is never better than the optimum
    assert search_tree(L, S, 3, beam=L.shape[1]).cost == pytest.approx(_brute(L, S, 3, False))
    assert search_tree(L, S, 3, beam=1).cost >= _brute(L, S, 3, False) - 1e-9


@pytest.mark.parametrize("seed", range(3))
def test_regression_and_min_leaf_are_exact_too(seed):
    L, _, y = _problem(seed, n=60, f=5)
    S = np.column_stack([np.ones_like(y), y, y * y])
    r = search_tree(L, S, 2, regression=True)
    assert r.cost == pytest.approx(_brute(L, S, 2, True), rel=1e-9, abs=1e-9)
    Sc = np.eye(2)[(y > np.median(y)).astype(int)]
    r = search_tree(L, Sc, 2, min_leaf=15)
    assert r.cost == pytest.approx(_brute(L, Sc, 2, False, min_leaf=15))
    leaves = [s[-1] for s, f in zip(r.stats, r.feature) if f == -1]
    assert min(leaves) >= 15


def test_no_depth_two_tree_on_the_same_features_beats_the_search():
    L, S, _ = _problem(7, n=400, f=10)
    y = S.argmax(1)
    cart = DecisionTreeClassifier(max_depth=2, random_state=0).fit(L, y)
    r = search_tree(L, S, 2)
    assert r.cost <= (cart.predict(L) != y).sum()


def test_binarizer_thresholds_missing_values_and_sklearn_tree_agree():
    rng = np.random.default_rng(0)
    Z = np.column_stack([rng.normal(size=300), rng.integers(0, 2, 300).astype(float), rng.gamma(2, 3, 300)])
    Z[rng.random(300) < 0.2, 2] = np.nan
    b = Binarizer(4).fit(Z, binary=[False, True, False])
    assert set(b.col) == {0, 1, 2}
    assert b.thr[b.col == 1].tolist() == [0.5]
    assert (b.col == 0).sum() == 4 and not b.miss_left[b.col == 0].any()
    # a column with missing values: each threshold with both directions, plus "is missing"
    assert (b.col == 2).sum() == 9 and np.isinf(b.thr[b.col == 2]).sum() == 1
    L = b.transform(Z)
    y = ((Z[:, 0] > 0.3) ^ np.isnan(Z[:, 2])).astype(int)
    r = search_tree(L, np.eye(2)[y], 3, beam=2)
    est = build_sklearn_tree(r, b, 3, 2)
    # the sklearn tree sends every row where the binary features said
    leaf_of = np.zeros(len(Z), dtype=int)
    for i, row in enumerate(L):
        node = 0
        while r.feature[node] >= 0:
            node = r.left[node] if row[r.feature[node]] else r.right[node]
        leaf_of[i] = node
    np.testing.assert_array_equal(est.apply(Z), leaf_of)
    assert (est.predict(Z) == y).mean() == 1.0 - r.cost / len(Z)


def test_prune_sequence_shrinks_to_the_root():
    L, S, _ = _problem(3, n=200, f=8)
    b = Binarizer()
    b.col, b.thr, b.miss_left = np.arange(8), np.full(8, 0.5), np.zeros(8, dtype=bool)
    est = build_sklearn_tree(search_tree(L, S, 4), b, 8, 2)
    seq = prune_sequence(est)
    leaves = [t.get_n_leaves() for t in seq]
    assert leaves == sorted(leaves, reverse=True) and leaves[-1] == 1 and leaves[0] < est.get_n_leaves()
    Z = (~L).astype(float)  # x <= 0.5 goes left, as L says
    errs = [(t.predict(Z) != S.argmax(1)).sum() for t in [est, *seq]]
    assert errs == sorted(errs)  # fewer leaves never fit the training rows better


def test_search_never_fits_worse_than_cart_on_the_same_features():
    """CART's split is expanded beside the lookahead's at every node above depth 2, so the
    searched tree's training error is at most a greedy tree's on the same binary features,
    also where one class dominates and every single split's misclassification is flat."""
    rng = np.random.default_rng(1)
    for seed in range(3):
        L, S, _ = _problem(seed, n=600, f=12)
        rare = rng.random(600) < 0.06  # a rare class held by a conjunction of three features
        y = (L[:, 4] & L[:, 5] & ~L[:, 6]) | (rare & L[:, 7])
        for depth in (3, 4, 5):
            cart = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(L, y)
            r = search_tree(L, np.eye(2)[y.astype(int)], depth)
            assert r.cost <= (cart.predict(L) != y).sum()


class _TailTeacher:
    """Says 1 only where x > its 98th percentile (2% of rows, beyond the top quantile)."""

    classes_ = np.array([0, 1])

    def __init__(self, cut):
        self.cut = cut

    def predict(self, X):
        return (X["x"].to_numpy() > self.cut).astype(int)

    def predict_proba(self, X):
        p = self.predict(X).astype(float)
        return np.column_stack([1.0 - p, p])


def test_decisions_in_a_tail_are_split_off():
    """Quantile thresholds alone (1/9..8/9) cannot separate a decision held by the top 2% of a
    column: every split leaves "0" on both sides and the search stopped at one leaf. The
    binariser adds thresholds at the teacher's decision boundary, so the tree finds it."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.gamma(2.0, 1.0, 3000), "z": rng.normal(size=3000)})
    teacher = _TailTeacher(float(np.quantile(X["x"], 0.98)))
    dec = teacher.predict(X)
    quantile_only = Binarizer(8).fit(X.to_numpy(), [False, False])
    L = quantile_only.transform(X.to_numpy())
    assert search_tree(L, np.eye(2)[dec], 3).cost == dec.sum()  # the old failure: one leaf
    with_labels = Binarizer(8).fit(X.to_numpy(), [False, False], labels=dec)
    assert np.any(np.abs(with_labels.thr - teacher.cut) < 0.05)
    s = inn.SurrogateTree(max_depth=2, search="lookahead", holdout=0.25).fit(teacher, X)
    assert s.n_leaves_ >= 2 and s.fidelity_["agreement"] >= 0.995


def test_auto_search_picks_by_an_inner_split_and_refits():
    rng = np.random.default_rng(0)
    teacher = _TailTeacher(0.0)
    Xt = pd.DataFrame({"x": rng.normal(size=800), "z": rng.normal(size=800)})
    s = inn.SurrogateTree(max_depth=3).fit(teacher, Xt)  # the default is search="auto"
    assert s.get_params()["search"] == "auto" and s.search_ in ("greedy", "lookahead")
    scores = s.search_scores_
    assert set(scores) == {"greedy", "lookahead"} and all(0.9 <= v <= 1.0 for v in scores.values())
    assert s.search_ == ("lookahead" if scores["lookahead"] > scores["greedy"] else "greedy")
    assert hasattr(s, "binarizer_") == (s.search_ == "lookahead")
    # the same choice whatever the held-out rows say: the choice reads the fit rows only
    again = inn.SurrogateTree(max_depth=3, search=s.search_).fit(teacher, Xt)
    np.testing.assert_array_equal(again.predict(Xt), s.predict(Xt))
    assert again.fidelity_ == s.fidelity_


@pytest.fixture(scope="module")
def logreg_teacher(small_credit):
    X, y, _, _ = small_credit
    return EncodedSklearnClassifier(LogisticRegression(max_iter=2000)).fit(X, y)


def test_lookahead_tree_exports_exactly(small_credit, logreg_teacher):
    X, _, Xte, _ = small_credit
    s = inn.SurrogateTree(max_depth=4, search="lookahead", augment="munge", n_augment=1500).fit(logreg_teacher, X)
    assert s.depth_ == s.estimator_.get_depth() <= 4 and s.n_leaves_ == s.estimator_.get_n_leaves() > 2
    assert s.fidelity_["agreement_low"] <= s.fidelity_["agreement"] <= s.fidelity_["agreement_high"]
    Xh = Xte.copy()
    Xh.loc[Xh.index[::2], "Income"] = np.nan
    Xh.loc[Xh.index[::3], "Home"] = "castle"
    Xh.loc[Xh.index[1::3], "Job"] = None
    rs = s.to_ruleset()
    again = RuleSet.from_json(rs.to_json())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        for r in (rs, again):
            np.testing.assert_array_equal(r.decision_function(Xh), s.decision_function(Xh))
            np.testing.assert_array_equal(r.predict(Xh), s.predict(Xh))
        # leaf probabilities equal up to the rule set's documented clip to [1e-12, 1 - 1e-12]
        np.testing.assert_allclose(rs.predict_proba(Xh)[:, 1], s.predict_proba(Xh)[:, 1], rtol=1e-12, atol=1e-12)
    con = sqlite3.connect(":memory:")
    Xh.assign(id=np.arange(len(Xh))).to_sql("applicants", con, index=False)
    out = pd.DataFrame(con.execute(rs.to_sql(table="applicants", id_column="id")).fetchall(),
                       columns=["id", "score", "decision", "probability"]).set_index("id").sort_index()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        assert (out["score"].to_numpy() == s.decision_function(Xh)).all()
    assert "lookahead" in json.dumps(s.get_params())


def test_lookahead_on_proba_target_regression_and_multiclass(small_credit, logreg_teacher):
    from sklearn.datasets import load_iris

    from interpretable_nn.datasets import make_additive
    from interpretable_nn.models import EncodedSklearnRegressor, make_model

    X, _, Xte, _ = small_credit
    s = inn.SurrogateTree(max_depth=3, search="lookahead", target="proba").fit(logreg_teacher, X)
    assert s.fidelity_["agreement"] > 0.7 and s.fidelity_["r2"] > 0.2
    d = make_additive(n_samples=400, task="regression", random_state=0)
    s = inn.SurrogateTree(max_depth=3, search="lookahead").fit(EncodedSklearnRegressor().fit(d.X, d.y), d.X)
    assert s.fidelity_["agreement"] is None and s.fidelity_["agreement_low"] is None and s.fidelity_["r2"] > 0.3
    np.testing.assert_array_equal(s.to_ruleset().predict(d.X), s.predict(d.X))
    Xi, yi = load_iris(return_X_y=True, as_frame=True)
    s = inn.SurrogateTree(max_depth=2, search="lookahead").fit(make_model("logreg").fit(Xi, yi), Xi)
    assert s.task_ == "multiclass" and s.fidelity_["agreement"] > 0.85 and s.predict_proba(Xi).shape == (150, 3)


@pytest.mark.parametrize("search", ["greedy", "lookahead"])
def test_target_fidelity_picks_the_smallest_tree_that_reaches_it(small_credit, logreg_teacher, search):
    X, _, _, _ = small_credit
    kw = dict(search=search, holdout=0.3, random_state=0)
    s = inn.SurrogateTree(max_depth=6, target_fidelity=0.85, **kw).fit(logreg_teacher, X)
    f = s.fidelity_
    assert f["target_reached"] is True and f["target_fidelity"] == 0.85 and f["agreement"] >= 0.85
    assert (f["agreement_low"], f["agreement_high"]) == pytest.approx(
        wilson_interval(round(f["agreement"] * f.n_rows), f.n_rows))
    assert s.depth_ == s.estimator_.get_depth() and s.n_leaves_ == s.estimator_.get_n_leaves()
    for depth in range(1, s.depth_):  # every shallower tree falls short
        assert inn.SurrogateTree(max_depth=depth, **kw).fit(logreg_teacher, X).fidelity_["agreement"] < 0.85
    full = inn.SurrogateTree(max_depth=s.depth_, **kw).fit(logreg_teacher, X)
    assert s.n_leaves_ <= full.n_leaves_
    assert Fidelity.from_dict(json.loads(json.dumps(f.to_dict()))) == f


def test_target_fidelity_out_of_reach_warns_with_the_best_figure(small_credit, logreg_teacher):
    X, _, _, _ = small_credit
    with pytest.warns(UserWarning, match=r"No surrogate tree of depth <= 2 reaches held-out agreement 1.*reaches 0\.\d+"):
        s = inn.SurrogateTree(max_depth=2, target_fidelity=1.0, search="lookahead").fit(logreg_teacher, X)
    assert s.fidelity_["target_reached"] is False and s.fidelity_["agreement"] < 1.0
    best = max(inn.SurrogateTree(max_depth=d, search="lookahead").fit(logreg_teacher, X).fidelity_["agreement"]
               for d in (1, 2))
    assert s.fidelity_["agreement"] == best


def test_bad_search_parameters(small_credit, logreg_teacher):
    X = small_credit[0]
    with pytest.raises(ValueError, match="holdout"):
        inn.SurrogateTree(target_fidelity=0.9, holdout=0.0).fit(logreg_teacher, X)
    with pytest.raises(ValueError, match="max_depth"):
        inn.SurrogateTree(target_fidelity=0.9, max_depth=None).fit(logreg_teacher, X)
    for bad in (dict(search="optimal"), dict(n_thresholds=0), dict(beam=0), dict(target_fidelity=1.5)):
        with pytest.raises(ValueError, match=next(iter(bad))):
            inn.SurrogateTree(**bad).fit(logreg_teacher, X)


def test_cli_distill_lookahead_to_a_target(tmp_path, capsys):
    from interpretable_nn.cli import main
    from interpretable_nn.datasets import load_dataset
    from interpretable_nn.models import make_model

    ds = load_dataset("credit_data")
    make_model("xgb", n_estimators=20, random_state=0).fit(ds.X, ds.y).save(tmp_path / "m")
    out = tmp_path / "d"
    assert main(["distill", str(tmp_path / "m"), "--dataset", "credit_data", "--max-depth", "5", "--search",
                 "lookahead", "--target-fidelity", "0.9", "--out", str(out)]) == 0
    fid = json.loads((out / "fidelity.json").read_text())["figures"]
    assert fid["target_reached"] is True and fid["agreement"] >= 0.9
    assert fid["agreement_low"] < fid["agreement"] < fid["agreement_high"]
    assert "95% CI" in capsys.readouterr().out


def _check_lookahead_exports(X: pd.DataFrame, y: np.ndarray, Xp: pd.DataFrame, depth: int) -> None:
    from test_fuzz import check_surrogate_on

    check_surrogate_on(X, y, Xp, depth, search="lookahead")


def _fuzz(examples: int):
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from test_fuzz import _SETTINGS, datasets

    return lambda f: settings(max_examples=examples, **_SETTINGS)(
        given(data=datasets(), depth=st.integers(1, 4))(f))


@_fuzz(6)
def test_fuzz_lookahead_rule_exports(data, depth):
    """The exports' exactness checks of tests/test_fuzz.py, on lookahead trees."""
    _check_lookahead_exports(*data, depth)


@pytest.mark.slow
@_fuzz(200)
def test_fuzz_lookahead_rule_exports_slow(data, depth):
    _check_lookahead_exports(*data, depth)

"""SurrogateTree: fidelity figures, exact RuleSet conversion, text/DOT views, augmentation,
the CLI and bad input."""

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import r2_score

import interpretable_nn as inn
from interpretable_nn.attribution.fidelity import Fidelity, wilson_interval
from interpretable_nn.data.encoding import UnseenCategoryWarning
from interpretable_nn.models import EncodedSklearnClassifier, EncodedSklearnRegressor, make_model
from interpretable_nn.rules import RuleSet


class MissingnessTeacher:
    """A fitted-looking model whose decision hinges on missing values and one level."""

    classes_ = np.array(["good", "bad"])

    def _p(self, X: pd.DataFrame) -> np.ndarray:
        hit = X["income"].isna() | (X["home"] == "own") | (X["home"].isna() & (X["age"] > 40))
        return np.where(hit, 0.9, 0.1)

    def predict_proba(self, X):
        p = self._p(X)
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return self.classes_[(self._p(X) > 0.5).astype(int)]


class Spy(MissingnessTeacher):
    """Records every frame it is asked about."""

    def __init__(self):
        self.seen = []

    def predict(self, X):
        self.seen.append(X.copy())
        return super().predict(X)


@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(0)
    n = 600
    X = pd.DataFrame({
        "income": rng.gamma(2.0, 50.0, n).round(1),
        "age": rng.integers(18, 70, n),
        "home": rng.choice(["rent", "own", "parents", "other"], n, p=[0.4, 0.3, 0.2, 0.1]).astype(object),
    })
    X.loc[rng.random(n) < 0.15, "income"] = np.nan
    X.loc[rng.random(n) < 0.15, "home"] = None
    return X


def _holes(X: pd.DataFrame) -> pd.DataFrame:
    X = X.copy()
    X.loc[X.index[::3], "income"] = np.nan
    X.loc[X.index[1::4], "home"] = "castle"  # unseen level
    X.loc[X.index[2::5], "home"] = None
    X.loc[X.index[::7], "age"] = np.nan  # missing where training had none
    return X


@pytest.fixture(scope="module")
def logreg_teacher(small_credit):
    X, y, _, _ = small_credit
    return EncodedSklearnClassifier(LogisticRegression(max_iter=2000)).fit(X, y)


def test_fidelity_on_held_out_rows(small_credit, logreg_teacher):
    X, _, Xte, _ = small_credit
    s = inn.SurrogateTree(max_depth=3, holdout=0.25, random_state=1).fit(logreg_teacher, X)
    f = s.fidelity_
    assert isinstance(f, Fidelity) and set(f) == {"agreement", "agreement_low", "agreement_high", "r2"}
    k = round(f["agreement"] * f.n_rows)
    assert (f["agreement_low"], f["agreement_high"]) == pytest.approx(wilson_interval(k, f.n_rows))
    assert f["agreement_low"] < f["agreement"] < f["agreement_high"]
    assert f.compared == "surrogate tree vs teacher decisions"
    assert f.rows == "held-out" and f.n_rows == round(0.25 * len(X))
    assert set(f.details) == {"per_leaf"} and "per_leaf" not in f.to_dict()
    assert s.estimator_.tree_.n_node_samples[0] == len(X) - f.n_rows
    g = s.fidelity(Xte)
    assert g.rows == "given" and g.n_rows == len(Xte)
    teacher_pred = logreg_teacher.predict(Xte)
    assert g["agreement"] == pytest.approx(np.mean(s.predict(Xte) == teacher_pred))
    leaves = s.estimator_.apply(s._matrix(Xte))
    p = logreg_teacher.predict_proba(Xte)[:, 1]
    assert g["r2"] == pytest.approx(r2_score(p, s.leaf_scores_[leaves]))
    per_leaf = g.details["per_leaf"]
    assert len(per_leaf) == s.estimator_.get_n_leaves()
    assert per_leaf["n"].sum() == len(Xte)
    weighted = (per_leaf["agreement"].fillna(0) * per_leaf["n"]).sum() / len(Xte)
    assert weighted == pytest.approx(g["agreement"])
    assert list(per_leaf.columns) == ["leaf", "rule", "n", "share", "prediction", "agreement",
                                      "teacher_score", "tree_score"]


def test_ruleset_reproduces_tree_exactly(toy):
    teacher = MissingnessTeacher()
    s = inn.SurrogateTree(max_depth=4, holdout=0.0).fit(teacher, toy)
    assert s.fidelity_.rows == "training" and s.fidelity_["agreement"] == 1.0
    rs = s.to_ruleset()
    assert isinstance(rs, RuleSet) and rs.n_rules == s.estimator_.get_n_leaves()
    ops = {c.op for r in rs for c in r.conditions}
    assert "is_missing" in ops or any(c.if_missing for r in rs for c in r.conditions)
    Xh = _holes(toy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        np.testing.assert_array_equal(rs.decision_function(Xh), s.decision_function(Xh))
        np.testing.assert_array_equal(rs.predict(Xh), s.predict(Xh))
        # pure leaves: the rule set's log-odds clip p to [1e-12, 1 - 1e-12]
        np.testing.assert_allclose(rs.predict_proba(Xh), s.predict_proba(Xh), rtol=0, atol=2e-12)
        again = RuleSet.from_json(rs.to_json())
        np.testing.assert_array_equal(again.decision_function(Xh), s.decision_function(Xh))
    assert rs.metadata["fidelity"]["agreement"] == 1.0
    assert rs.metadata["fidelity"] == s.fidelity_ and not rs.metadata["fidelity"].details
    assert again.metadata["fidelity"] == s.fidelity_  # the Fidelity travels through JSON
    assert rs.feature_names == ["income", "age", "home"]


def test_ruleset_exact_on_credit_with_holes(small_credit, logreg_teacher):
    X, _, Xte, _ = small_credit
    s = inn.SurrogateTree(max_depth=6, augment="jitter", n_augment=600).fit(logreg_teacher, X)
    rs = s.to_ruleset()
    Xh = Xte.copy()
    Xh.loc[Xh.index[::2], "Income"] = np.nan
    Xh.loc[Xh.index[::3], "Home"] = "castle"
    Xh.loc[Xh.index[1::3], "Job"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        np.testing.assert_array_equal(rs.decision_function(Xh), s.decision_function(Xh))
        np.testing.assert_array_equal(rs.predict(Xh), s.predict(Xh))


def test_proba_target_leaves_hold_the_teachers_mean_probability(small_credit, logreg_teacher):
    X, _, Xte, _ = small_credit
    s = inn.SurrogateTree(max_depth=4, target="proba").fit(logreg_teacher, X)
    leaves = s.estimator_.apply(s._matrix(Xte))
    np.testing.assert_allclose(s.predict_proba(Xte)[:, 1], s.leaf_scores_[leaves], atol=1e-12)
    rs = s.to_ruleset()
    np.testing.assert_array_equal(rs.decision_function(Xte), s.decision_function(Xte))
    hard = inn.SurrogateTree(max_depth=4).fit(logreg_teacher, X)
    assert s.fidelity_["r2"] >= hard.fidelity_["r2"] - 0.05
    # a teacher that never decides "bad" still has probabilities to distil
    rare = EncodedSklearnClassifier(LogisticRegression(C=1e-4)).fit(X, np.r_[np.ones(20), np.zeros(len(X) - 20)])
    assert (rare.predict(X) == 0).all()
    assert inn.SurrogateTree(max_depth=2, target="proba").fit(rare, X).fidelity_["agreement"] == 1.0


def test_text_and_graphviz_speak_raw_units(toy):
    s = inn.SurrogateTree(max_depth=3).fit(MissingnessTeacher(), toy)
    text = s.to_text()
    assert text.startswith("Surrogate tree of MissingnessTeacher")
    assert "income" in text and "fidelity" in text and ("'own'" in text or "IS MISSING" in text)
    dot = s.to_graphviz().source
    assert dot.startswith("digraph surrogate")
    assert "fillcolor=\"#" in dot and "yes" in dot and "no" in dot
    assert "good" in dot or "bad" in dot
    leaf_lines = [ln for ln in dot.splitlines() if "fit rows" in ln]
    assert len(leaf_lines) == s.estimator_.get_n_leaves()
    # thresholds are raw values of the column, not standardized ones
    for node in np.flatnonzero(s.estimator_.tree_.children_left != -1):
        if s.column_map_[s.estimator_.tree_.feature[node]] == {"feature": "age", "kind": "numeric"}:
            assert 18 <= s.estimator_.tree_.threshold[node] <= 70


@pytest.mark.parametrize("mode", ["jitter", "schema", "munge"])
def test_augmented_rows_respect_the_schema(toy, mode):
    spy = Spy()
    s = inn.SurrogateTree(max_depth=3, augment=mode, n_augment=900, random_state=2).fit(spy, toy)
    assert s.n_augmented_ == 900
    assert len(spy.seen[0]) == len(toy)  # a teacher without a schema first reads the user's rows, once (stop 73)
    rows = spy.seen[1]
    assert len(rows) == round(0.8 * len(toy)) + 900
    extra = rows.iloc[-900:]
    income = extra["income"].dropna()
    assert income.between(toy["income"].min(), toy["income"].max()).all()
    assert extra["income"].isna().any()
    age = extra["age"]
    assert (age == age.round()).all() and age.between(18, 69).all()
    assert set(extra["home"].dropna()) <= {"rent", "own", "parents", "other"}
    # new points, not copies of the real ones
    real = rows.iloc[:-900]
    assert not extra["income"].dropna().isin(real["income"]).all()
    assert s.fidelity_["agreement"] > 0.9


def test_augment_module_draws_rows_reproducibly(toy):
    from interpretable_nn.data.encoding import TabularEncoder
    from interpretable_nn.distill.augment import augment_rows

    enc = TabularEncoder().fit(toy)
    for mode in ("jitter", "schema", "munge"):
        a = augment_rows(mode, toy, enc, 50, np.random.default_rng(5))
        b = augment_rows(mode, toy, enc, 50, np.random.default_rng(5))
        pd.testing.assert_frame_equal(a, b)
        assert list(a.columns) == list(toy.columns) and len(a) == 50
    with pytest.raises(ValueError, match="Unknown augmentation"):
        augment_rows("mixup", toy, enc, 5, np.random.default_rng(0))


def test_surrogate_reads_splits_through_rules_from_tree(toy):
    from interpretable_nn.rules.from_tree import leaf_paths

    s = inn.SurrogateTree(max_depth=3).fit(MissingnessTeacher(), toy)
    paths = dict(leaf_paths(s.estimator_.tree_, s.column_map_))
    rules = {r.name: r for r in s.to_ruleset()}
    assert [f"leaf_{leaf}" for leaf in paths] == list(rules)
    for leaf, path in paths.items():  # the rule's merged path keeps every split's rows
        assert {c.feature for c in path} >= set(rules[f"leaf_{leaf}"].features)


def test_jitter_without_augmentation_is_plain_distillation(toy):
    a = inn.SurrogateTree(max_depth=3).fit(MissingnessTeacher(), toy)
    b = inn.SurrogateTree(max_depth=3).fit(MissingnessTeacher(), toy)
    assert a.n_augmented_ == 0 and a.to_text() == b.to_text()


def test_regression_and_multiclass_teachers():
    from sklearn.datasets import load_iris

    from interpretable_nn.datasets import make_additive

    d = make_additive(n_samples=500, task="regression", random_state=0)
    teacher = EncodedSklearnRegressor().fit(d.X, d.y)
    s = inn.SurrogateTree(max_depth=4, augment="jitter", n_augment=500).fit(teacher, d.X)
    assert s.task_ == "regression" and s.fidelity_["agreement"] is None
    assert s.fidelity_.compared == "surrogate tree vs teacher predictions"
    assert 0 < s.fidelity_["r2"] <= 1
    rs = s.to_ruleset()
    assert rs.link == "identity"
    np.testing.assert_array_equal(rs.predict(d.X), s.predict(d.X))
    with pytest.raises(AttributeError):
        s.predict_proba(d.X)

    X, y = load_iris(return_X_y=True, as_frame=True)
    m = make_model("logreg").fit(X, y)
    s = inn.SurrogateTree(max_depth=3).fit(m, X)
    assert s.task_ == "multiclass" and s.fidelity_["agreement"] > 0.8
    assert s.predict_proba(X).shape == (150, 3)
    assert "digraph" in s.to_graphviz().source and s.to_text()
    with pytest.raises(ValueError, match="binary or regression"):
        s.to_ruleset()


def test_bad_input(toy, small_credit):
    teacher = MissingnessTeacher()
    with pytest.raises(TypeError, match="predict"):
        inn.SurrogateTree().fit(object(), toy)
    with pytest.raises(NotFittedError):
        inn.SurrogateTree().fit(inn.MLPClassifier(), toy)
    with pytest.raises(ValueError, match="augment"):
        inn.SurrogateTree(augment="smote").fit(teacher, toy)
    with pytest.raises(ValueError, match="max_depth"):
        inn.SurrogateTree(max_depth=0).fit(teacher, toy)
    with pytest.raises(ValueError, match="1-D"):
        inn.SurrogateTree().fit(teacher, toy["age"].to_numpy())
    with pytest.raises(ValueError, match="single class"):
        inn.SurrogateTree().fit(teacher, toy.assign(income=5.0, home="rent"))
    s = inn.SurrogateTree(max_depth=2).fit(teacher, toy)
    with pytest.raises(ValueError, match="income"):
        s.predict(toy.drop(columns=["income"]))
    with pytest.raises(ValueError, match="at least one row"):
        s.fidelity(toy.iloc[:0])
    with pytest.raises(NotFittedError):
        inn.SurrogateTree().to_ruleset()


def test_cli_distill(tmp_path, small_credit):
    from interpretable_nn.datasets import load_dataset

    ds = load_dataset("credit_data")
    X, y, _, _ = small_credit
    m = inn.MLPClassifier(max_epochs=30, verbose=0).fit(X, y)
    m.save(tmp_path / "mlp")
    out = tmp_path / "distilled"
    r = subprocess.run(
        [sys.executable, "-m", "interpretable_nn.cli", "distill", str(tmp_path / "mlp"), "--dataset",
         "credit_data", "--max-depth", "3", "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert "Surrogate tree of MLPClassifier" in r.stdout
    fid = json.loads((out / "fidelity.json").read_text())
    assert fid["dataset"] == "credit_data" and fid["rows"] == "held-out"
    assert 0.5 < fid["figures"]["agreement"] <= 1
    rs = RuleSet.from_json((out / "ruleset.json").read_text())
    s = inn.SurrogateTree(max_depth=3).fit(m, ds.X)
    np.testing.assert_array_equal(rs.predict(ds.X), s.predict(ds.X))
    assert (out / "surrogate.dot").read_text().startswith("digraph")
    assert len(pd.read_csv(out / "per_leaf.csv")) == rs.n_rules
    bad = subprocess.run([sys.executable, "-m", "interpretable_nn.cli", "distill", str(tmp_path / "nothing"),
                          "--dataset", "credit_data"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "error:" in bad.stderr


def test_library_teacher_is_read_in_one_pass(small_credit, logreg_teacher):
    """A library classifier's decisions and probabilities both come from decision_function:
    fit reads it once over the fit rows (real and augmented), and the training-row fidelity
    (holdout=0) reuses those outputs; the figures equal a fresh fidelity() call."""
    from interpretable_nn.distill.surrogate import _decides_from_scores

    X, _, _, _ = small_credit
    assert _decides_from_scores(logreg_teacher) and not _decides_from_scores(MissingnessTeacher())
    s = inn.SurrogateTree(max_depth=3, augment="munge", n_augment=400, holdout=0.0)
    s._validate_params()
    s.task_, s.classes_ = "binary", np.asarray(logreg_teacher.classes_)
    idx, p1 = s._teacher_outputs(logreg_teacher, X)
    np.testing.assert_array_equal(s.classes_[idx], logreg_teacher.predict(X))
    np.testing.assert_array_equal(p1, logreg_teacher.predict_proba(X)[:, 1])

    calls = []

    class Counted(type(logreg_teacher)):
        def decision_function(self, X):
            calls.append(len(X))
            return super().decision_function(X)

    counted = Counted(LogisticRegression(max_iter=2000))
    counted.__dict__.update({k: v for k, v in vars(logreg_teacher).items() if k.endswith("_")})
    assert _decides_from_scores(counted)
    s.fit(counted, X)
    assert calls == [len(X) + 400]  # one pass: no predict + predict_proba, no second pass for fidelity_
    again = s.fidelity(X, rows="training")
    assert s.fidelity_.rows == "training" and s.fidelity_.n_rows == len(X)
    for name in ("agreement", "agreement_low", "agreement_high", "r2"):
        assert s.fidelity_[name] == pytest.approx(again[name], abs=1e-12)


def test_auto_refits_the_winner_on_every_fit_row(small_credit, logreg_teacher):
    """search="auto" picks on an inner 80/20 split, then refits the winner on all the fit rows
    (real and augmented): keeping the inner fit was measured to lose agreement."""
    X, _, _, _ = small_credit
    for n_aug in (0, 1200):
        s = inn.SurrogateTree(max_depth=4, augment="munge" if n_aug else "none", n_augment=n_aug,
                              holdout=0.2).fit(logreg_teacher, X)
        n_fit = len(X) - int(round(0.2 * len(X))) + n_aug
        assert set(s.search_scores_) == {"greedy", "lookahead"}
        assert s.search_ == ("lookahead" if s.search_scores_["lookahead"] > s.search_scores_["greedy"] else "greedy")
        assert hasattr(s, "binarizer_") == (s.search_ == "lookahead")
        assert int(s.estimator_.tree_.n_node_samples[0]) == n_fit
        assert np.isfinite(s.leaf_scores_).all() and s.fidelity_.rows == "held-out"


def test_the_tree_decides_in_float64_as_its_rule_set_just_past_every_threshold():
    """scikit-learn rounds a tree's input to float32, so 3.5000000001 went left of a split at
    3.5 in the tree and right in its rule set (and its SQL and JSON). The surrogate now walks
    its tree in float64, as the rule set compares: both agree one ulp either side of every
    threshold, and at NaN."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.integers(0, 9, 400).astype(float), "z": rng.normal(size=400)})
    X.loc[::17, "z"] = np.nan

    class Teacher:
        classes_ = np.array([0, 1])

        def predict(self, df):
            return ((df["x"] > 3) & ~(df["x"] > 4) | (df["z"].fillna(0) > 1)).astype(int).to_numpy()

        def predict_proba(self, df):
            p = 0.1 + 0.8 * self.predict(df)
            return np.column_stack([1 - p, p])

    s = inn.SurrogateTree(max_depth=4, holdout=0.0).fit(Teacher(), X)
    rs = s.to_ruleset()
    t = s.estimator_.tree_
    cuts = t.threshold[t.children_left != -1]
    near = np.concatenate([cuts, np.nextafter(cuts, np.inf), np.nextafter(cuts, -np.inf), cuts + 1e-9])
    probe = pd.DataFrame({"x": np.concatenate([near, near]), "z": np.concatenate([near, np.full(len(near), np.nan)])})
    np.testing.assert_array_equal(s.predict(probe), rs.predict(probe))
    np.testing.assert_array_equal(s.decision_function(probe), rs.decision_function(probe))
    assert s.fidelity(probe).figures["agreement"] == float(np.mean(rs.predict(probe) == Teacher().predict(probe)))

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(st.floats(-20, 20), st.floats(-20, 20) | st.just(float("nan")))
    def agree(x, z):
        row = pd.DataFrame({"x": [x], "z": [z]})
        assert s.decision_function(row)[0] == rs.decision_function(row)[0]

    agree()


def test_the_surrogate_reads_only_the_teachers_columns():
    """A stored score beside the teacher's columns became the tree's first split (agreement
    .97 on a column the teacher never reads) while the teacher's warning said it was ignored."""
    import warnings

    from interpretable_nn.data.validation import ExtraColumnsWarning
    from interpretable_nn.models import make_model

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.normal(40, 10, 300), "income": rng.normal(3000, 800, 300)})
    y = (0.1 * (X.age - 40) - 0.002 * (X.income - 3000) + rng.logistic(size=300) > 0).astype(int)
    teacher = make_model("logreg").fit(X, y)
    leak = X.assign(last_score=teacher.decision_function(X) + rng.normal(0, .01, 300))
    with pytest.warns(ExtraColumnsWarning, match=r"\['last_score'\] that the teacher does not read"):
        tree = inn.SurrogateTree(max_depth=1, random_state=0).fit(teacher, leak)
    assert tree.feature_names_in_.tolist() == ["age", "income"]
    assert tree.to_ruleset().features_used != ["last_score"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExtraColumnsWarning)
        inn.SurrogateTree(max_depth=1, random_state=0).fit(teacher, X)  # no extra column, no warning


def test_a_rule_set_teacher_gives_the_columns_its_rules_read():
    from interpretable_nn.rules import Condition, Rule, RuleSet

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
    teacher = RuleSet([Rule((Condition("a", "<=", 0.0),), 1.0), Rule((Condition("b", ">", 0.5),), -0.7)])
    leak = X.assign(stored_score=teacher.decision_function(X) + rng.normal(0, .01, 300))
    with pytest.warns(inn.ExtraColumnsWarning if hasattr(inn, "ExtraColumnsWarning") else UserWarning,
                      match="stored_score"):
        tree = inn.SurrogateTree(max_depth=2, random_state=0).fit(teacher, leak)
    assert "stored_score" not in tree.to_ruleset().features_used


def test_rules_of_a_model_fitted_on_unnamed_columns_read_the_same_frame():
    """``pd.DataFrame(array)`` has columns 0, 1, 2, which the models read as features "0",
    "1", "2": the rule set refused the very frame ("X lacks column(s) ['0', '1', '2']")."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)))
    y = (X[0] + X[1] > 0).astype(int)
    teacher = inn.MLPClassifier(max_epochs=3, verbose=0, random_state=0).fit(X, y)
    tree = inn.SurrogateTree(max_depth=3).fit(teacher, X)
    np.testing.assert_array_equal(tree.to_ruleset().predict(X), tree.predict(X))

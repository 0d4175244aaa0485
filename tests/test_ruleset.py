"""Tests of interpretable_nn.rules.ruleset: conditions, rules, rule-set evaluation, trees."""

from __future__ import annotations

import pathlib
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from interpretable_nn.attribution.fidelity import Fidelity
from interpretable_nn.rules import Condition, Rule, RuleSet
from interpretable_nn.rules import ruleset as ruleset_module


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Income": [1000.0, 1500.0, np.nan, 1200.0, 900.0],
            "Home": pd.Series(["rent", "own", None, "castle", "rent"], dtype=object),
            "Age": pd.array([30, pd.NA, 45, 22, 60], dtype="Int64"),
            "extra": ["ignored"] * 5,
        }
    )


def _ruleset(**kw) -> RuleSet:
    rules = [
        Rule((Condition("Income", "<=", 1200.0), Condition("Home", "==", "rent")), 0.83,
             support=0.2, precision=0.7, name="low income renters"),
        Rule((Condition("Home", "!=", "rent", if_missing=True),), -0.5),
        Rule((Condition("Age", ">", 40.0), Condition("Income", "is_missing", False)), 1.25),
        Rule((Condition("Home", "in", ("own", "castle")),), 0.125),
        Rule((), 0.0625),
    ]
    return RuleSet(rules, intercept=-0.25, **kw)


# ---------------------------------------------------------------- Condition
@pytest.mark.parametrize(
    "args, message",
    [
        (("x", "<", 1.0), "valid ops are <=, >, ==, !=, in, is_missing"),
        (("x", "<=", float("nan")), "finite"),
        (("x", ">", float("inf")), "finite"),
        (("x", "<=", "12"), "real number"),
        (("x", "<=", True), "real number"),
        (("x", "in", ()), "empty"),
        (("x", "in", "ab"), "tuple of levels"),
        (("x", "==", None), "is_missing"),
        (("x", "==", float("nan")), "category level"),
        (("x", "!=", [1, 2]), "category level"),
        (("x", "is_missing", 1), "True or False"),
        (("", "==", 1), "non-empty str"),
    ],
)
def test_condition_rejects_bad_arguments(args, message):
    with pytest.raises(ValueError, match=message.replace("|", r"\|")):
        Condition(*args)


def test_condition_rejects_non_bool_if_missing():
    with pytest.raises(ValueError, match="if_missing"):
        Condition("x", "<=", 1.0, if_missing="yes")


def test_condition_normalises_values():
    c = Condition("x", "<=", np.int64(3))
    assert c.value == 3.0 and isinstance(c.value, float)
    c = Condition("x", "in", ["a", np.str_("b"), "a", 1, True])
    assert c.value == ("a", "b", 1, True)  # deduplicated, 1 and True kept apart
    assert Condition("x", "is_missing", True, if_missing=True).if_missing is False


def test_condition_equality_is_type_aware():
    assert Condition("x", "==", 1) != Condition("x", "==", True)
    assert Condition("x", "==", 1) != Condition("x", "==", "1")
    assert Condition("x", "==", "a") == Condition("x", "==", "a")
    assert len({Condition("x", "==", 1), Condition("x", "==", 1)}) == 1


COLUMNS = {
    "float": pd.Series([1.0, 2.0, np.nan, 3.0]),
    "object": pd.Series([1, 2, None, 3.0], dtype=object),
    "nullable": pd.Series(pd.array([1, 2, pd.NA, 3], dtype="Int64")),
}


@pytest.mark.parametrize("kind", sorted(COLUMNS))
@pytest.mark.parametrize(
    "op, value, if_missing, expected",
    [
        ("<=", 2.0, False, [True, True, False, False]),
        ("<=", 2.0, True, [True, True, True, False]),
        (">", 2.0, False, [False, False, False, True]),
        (">", 2.0, True, [False, False, True, True]),
        ("==", 2, False, [False, True, False, False]),
        ("!=", 2, False, [True, False, False, True]),
        ("!=", 2, True, [True, False, True, True]),
        ("in", (1, 3.0), False, [True, False, False, True]),
        ("is_missing", True, False, [False, False, True, False]),
        ("is_missing", False, False, [True, True, False, True]),
    ],
)
def test_condition_numeric_columns(kind, op, value, if_missing, expected):
    got = Condition("x", op, value, if_missing=if_missing).evaluate(COLUMNS[kind])
    assert got.dtype == bool and got.tolist() == expected


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(["rent", "own", None, "castle"], dtype=object),
        pd.Series(["rent", "own", np.nan, "castle"], dtype="str"),
        pd.Series(["rent", "own", pd.NA, "castle"], dtype="string"),
        pd.Series(pd.Categorical(["rent", "own", None, "castle"])),
    ],
    ids=["object", "str", "string", "category"],
)
def test_condition_categorical_columns_and_unseen_levels(column):
    def ev(*args, **kw):
        return Condition("Home", *args, **kw).evaluate(column).tolist()

    assert ev("==", "rent") == [True, False, False, False]
    assert ev("!=", "rent") == [False, True, False, True]  # unseen 'castle' != 'rent'
    assert ev("!=", "rent", if_missing=True) == [False, True, True, True]
    assert ev("in", ("own", "villa")) == [False, True, False, False]
    assert ev("==", "villa") == [False] * 4  # a level never seen is simply never equal
    assert ev("is_missing", True) == [False, False, True, False]


def test_threshold_on_string_column_names_the_column():
    rs = RuleSet([Rule((Condition("Home", "<=", 1.0),), 1.0)])
    with pytest.raises(ValueError, match="'Home'.*non-numeric"):
        rs.decision_function(_frame())


# ---------------------------------------------------------------- Rule
def test_rule_validation_and_text():
    with pytest.raises(ValueError, match="weight"):
        Rule((), float("nan"))
    with pytest.raises(ValueError, match="precision"):
        Rule((), 1.0, precision=1.5)
    with pytest.raises(ValueError, match="Condition"):
        Rule(("x <= 1",), 1.0)
    r = Rule([Condition("Income", "<=", 1200.0), Condition("odd name", "==", "a'b")], -0.5)
    assert isinstance(r.conditions, tuple)
    assert str(r) == "IF Income <= 1200 AND `odd name` == \"a'b\" THEN -0.5 points"
    assert Rule((), 2.0).to_text() == "IF TRUE THEN +2.0 points".replace("2.0", "2")


# ---------------------------------------------------------------- RuleSet evaluation
def test_decision_function_sums_fired_weights_in_rule_order():
    rs, X = _ruleset(), _frame()
    fired = rs.fires(X)
    assert fired.shape == (5, 5) and fired.dtypes.eq(bool).all()
    expected = np.full(len(X), -0.25)
    for j, rule in enumerate(rs):
        expected = expected + np.where(fired[j].to_numpy(), rule.weight, 0.0)
    np.testing.assert_array_equal(rs.decision_function(X), expected)
    # hand-checked rows: renter 1000 -> -.25+.83+.0625; missing Home -> -.25-.5+.0625
    assert rs.decision_function(X)[0] == -0.25 + 0.83 + 0.0625
    assert rs.decision_function(X)[2] == -0.25 - 0.5 + 0.0625
    assert fired.loc[2].tolist() == [False, True, False, False, True]  # Income missing


def test_predict_proba_predict_and_labels():
    rs = _ruleset(classes=("good", "bad"))
    X = _frame()
    score = rs.decision_function(X)
    proba = rs.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-score)), rtol=1e-15)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert rs.predict(X).tolist() == ["bad" if s > 0 else "good" for s in score]


def test_sigmoid_is_stable_for_extreme_scores():
    rs = RuleSet([Rule((Condition("x", ">", 0.0),), 800.0)], intercept=-400.0)
    with np.errstate(all="raise"):
        p = rs.predict_proba(pd.DataFrame({"x": [1.0, -1.0]}))
    assert p[0, 1] == 1.0 and 0.0 < p[1, 1] < 1e-170


def test_identity_link():
    rs = RuleSet([Rule((Condition("x", ">", 0.0),), 2.5)], intercept=1.0, link="identity")
    X = pd.DataFrame({"x": [1.0, -1.0, None]})
    assert rs.predict(X).tolist() == [3.5, 1.0, 1.0]
    with pytest.raises(ValueError, match="logit"):
        rs.predict_proba(X)


def test_a_regression_rule_sets_json_names_no_classes():
    """A regression's score has no labels: its JSON used to list classes [0, 1], which a
    reader took for a classifier's. It now writes none, reads back equal, and a file that
    names classes (an older one) still reads; a classifier's keep theirs."""
    import json

    reg = RuleSet([Rule((Condition("x", ">", 0.0),), 2.5)], intercept=1.0, link="identity")
    doc = json.loads(reg.to_json())
    assert "classes" not in doc
    assert RuleSet.from_json(reg.to_json()) == reg
    older = RuleSet.from_json(json.dumps({**doc, "classes": ["no", "yes"]}))
    assert older == reg and older.predict(pd.DataFrame({"x": [1.0]})).tolist() == [3.5]
    clf = RuleSet(reg.rules, intercept=1.0, classes=("no", "yes"))
    assert json.loads(clf.to_json())["classes"] == ["no", "yes"]
    assert RuleSet.from_json(clf.to_json()).classes == ("no", "yes")


def test_input_validation_and_empty_frames():
    rs = _ruleset()
    with pytest.raises(ValueError, match=r"\['Age'\]"):
        rs.decision_function(_frame().drop(columns="Age"))
    with pytest.raises(TypeError, match="DataFrame"):
        rs.decision_function(_frame().to_numpy())
    empty = _frame().iloc[:0]
    assert rs.decision_function(empty).shape == (0,)
    assert rs.predict_proba(empty).shape == (0, 2)
    assert rs.fires(empty).shape == (0, 5)
    assert len(rs.explain(empty)) == 0
    assert rs.explain_features(empty).values.shape == (0, 3)


def test_constructor_validation():
    with pytest.raises(ValueError, match="link"):
        RuleSet([], link="probit")
    with pytest.raises(ValueError, match="classes"):
        RuleSet([], classes=(1, 1))
    with pytest.raises(ValueError, match="intercept"):
        RuleSet([], intercept=float("inf"))
    with pytest.raises(ValueError, match="Income"):
        _ruleset(feature_names=["Home", "Age"])


def test_structure_and_equality():
    rs = _ruleset(feature_names=["Income", "Home", "Age", "Unused"])
    assert rs.n_rules == len(rs) == 5 and rs.n_conditions == 6
    assert rs.features_used == ["Income", "Home", "Age"]
    assert [r.weight for r in rs] == [0.83, -0.5, 1.25, 0.125, 0.0625]
    assert "n_rules=5" in repr(rs) and "link='logit'" in repr(rs)
    other = _ruleset(feature_names=["Income", "Home", "Age", "Unused"], metadata={"a": 1})
    assert rs == other  # metadata is not structure
    assert rs != _ruleset()
    assert rs != _ruleset(classes=(0, True)) != RuleSet(list(rs)[:4], intercept=-0.25)


def test_explain_long_format_reconstructs_scores():
    rs, X = _ruleset(), _frame().set_index(pd.Index(list("abcde")))
    long = rs.explain(X)
    assert list(long.columns) == ["row", "rule", "name", "text", "weight"]
    assert set(long["row"]) <= set(X.index)
    per_row = long.groupby("row")["weight"].sum().reindex(X.index, fill_value=0.0)
    np.testing.assert_allclose(rs.intercept + per_row.to_numpy(), rs.decision_function(X))
    first = long[long["rule"] == 0].iloc[0]
    assert first["text"] == "Income <= 1200 AND Home == 'rent'"
    assert first["name"] == "low income renters"


def test_explain_features_is_additive_and_splits_equally():
    rs, X = _ruleset(), _frame()
    e = rs.explain_features(X)
    assert e.feature_names == ["Income", "Home", "Age"] and e.method == "rules"
    np.testing.assert_allclose(e.output_values(), rs.decision_function(X), atol=1e-12)
    assert e.check["additivity_gap"] < 1e-12
    assert isinstance(e.check, Fidelity) and e.check.rows == "explained"
    assert e.check.n_rows == len(X)
    np.testing.assert_allclose(e.base_values, -0.25 + 0.0625)  # + the unconditional rule
    # row 0 fires rule 0 (Income & Home: 0.415 each) and nothing else with features
    np.testing.assert_allclose(e.values[0], [0.415, 0.415, 0.0])


def test_fidelity_is_returned_and_stored():
    rs, X = _ruleset(), _frame()

    class Model:
        def predict(self, X):
            return (rs.decision_function(X) > 0).astype(int)

        def decision_function(self, X):
            return rs.decision_function(X) + 0.5

    fid = rs.fidelity(X, Model())
    assert isinstance(fid, Fidelity) and fid.n_rows == 5
    assert fid.compared == "rule set vs model decisions" and fid.rows == "given"
    assert fid == {"agreement": 1.0, "agreement_low": pytest.approx(0.5655, abs=1e-4), "agreement_high": 1.0,
                   "max_abs_score_diff": pytest.approx(0.5)}
    assert rs.metadata["fidelity"] is fid
    assert rs.fidelity(X, Model(), rows="training").rows == "training"
    with pytest.raises(ValueError, match="at least one row"):
        rs.fidelity(X.iloc[:0], Model())


def test_fidelity_agreement_has_a_wilson_interval():
    """The agreement is a proportion of n_rows: its 95% Wilson interval narrows with the rows
    and holds the agreement; link identity counts equal predictions the same way."""
    rs = RuleSet([Rule((Condition("x", ">", 0.0),), 1.0)], intercept=-0.5)

    class Flip:  # disagrees with the rule set on every 4th row
        def __init__(self, rules):
            self.rules = rules

        def predict(self, X):
            logit = self.rules.link == "logit"
            out = np.asarray(self.rules.predict(X) if logit else self.rules.decision_function(X), dtype=float)
            out[::4] = 1.0 - out[::4] if logit else out[::4] + 1.0
            return out

    for n in (40, 4000):
        X = pd.DataFrame({"x": np.linspace(-1.0, 1.0, n)})
        fid = rs.fidelity(X, Flip(rs), rows="held-out")
        assert fid["agreement"] == pytest.approx(0.75)
        assert fid["agreement_low"] < 0.75 < fid["agreement_high"]
        width = fid["agreement_high"] - fid["agreement_low"]
        assert width == pytest.approx(0.27 if n == 40 else 0.027, rel=0.1)  # ~ 2 x 1.96 sqrt(p(1-p)/n)
    reg = RuleSet(rs.rules, intercept=-0.5, link="identity")
    fid = reg.fidelity(X, Flip(reg))
    assert fid["agreement"] == pytest.approx(0.75) and fid["agreement_low"] < 0.75 < fid["agreement_high"]


def test_evaluation_is_vectorised():
    rng = np.random.default_rng(0)
    n = 200_000
    X = pd.DataFrame({"Income": rng.normal(1200, 300, n), "Home": rng.choice(["rent", "own"], n),
                      "Age": rng.integers(18, 80, n).astype(float)})
    start = time.perf_counter()
    _ruleset().decision_function(X)
    assert time.perf_counter() - start < 3.0  # ~0.1 s when vectorised


def test_rules_package_is_torch_free():
    for path in pathlib.Path(ruleset_module.__file__).parent.glob("*.py"):
        assert "torch" not in path.read_text(), path


# ---------------------------------------------------------------- sklearn trees
def _credit(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.normal(1500, 500, n).astype(np.float32).astype(float)  # sklearn splits in float32
    income[rng.random(n) < 0.15] = np.nan
    age = rng.integers(18, 80, n).astype(float)
    age[rng.random(n) < 0.1] = np.nan
    home = rng.choice(np.array(["rent", "own", "mortgage", None], dtype=object), n,
                      p=[0.4, 0.3, 0.2, 0.1])
    return pd.DataFrame({"Income": income, "Age": age, "Home": home})


LEVELS = ["rent", "own", "mortgage"]


def _encode(X: pd.DataFrame) -> np.ndarray:
    cols = [X["Income"].to_numpy(), X["Age"].to_numpy()]
    cols += [(X["Home"] == lvl).to_numpy(dtype=float) for lvl in LEVELS]
    cols.append(X["Home"].isna().to_numpy(dtype=float))
    return np.column_stack(cols)


COLUMN_MAP = {
    0: {"feature": "Income", "kind": "numeric"},
    1: {"feature": "Age", "kind": "numeric"},
    **{2 + i: {"feature": "Home", "kind": "onehot", "level": lvl} for i, lvl in enumerate(LEVELS)},
    5: {"feature": "Home", "kind": "missing_indicator"},
}


def _target(X: pd.DataFrame, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    logit = (-(X["Income"].fillna(900) - 1500) / 400 + (X["Home"] == "rent") * 1.0
             + X["Home"].isna() * 0.8 - (X["Age"].fillna(20) - 45) / 30)
    return (rng.random(len(X)) < 1 / (1 + np.exp(-logit.to_numpy()))).astype(int)


@pytest.mark.parametrize("max_depth", [3, None])
def test_from_sklearn_classifier_reproduces_predict_proba(max_depth):
    X = _credit(600, 1)
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=3, random_state=0)
    tree.fit(_encode(X), np.where(_target(X, 2) == 1, "bad", "good"))
    rs = RuleSet.from_sklearn_tree(tree, ["Income", "Age", *LEVELS, "Home_missing"],
                                   column_map=COLUMN_MAP)
    assert rs.n_rules == tree.get_n_leaves() and rs.link == "logit"
    assert rs.classes == ("bad", "good") and rs.features_used
    test = pd.concat([_credit(400, 3), pd.DataFrame({"Income": [np.nan], "Age": [np.nan],
                                                     "Home": ["castle"]})], ignore_index=True)
    np.testing.assert_allclose(rs.predict_proba(test), tree.predict_proba(_encode(test)),
                               rtol=0, atol=1e-12 * 1.001)  # clipping at 1e-12, to rounding
    assert (rs.predict(test) == tree.predict(_encode(test))).all()
    assert rs.fires(test).sum(axis=1).eq(1).all()  # leaves partition the rows
    fid = rs.fidelity(test, tree, X_model=_encode(test))
    assert fid["agreement"] == 1.0 and fid["max_abs_proba_diff"] <= 1.001e-12
    for rule in rs:  # merged paths: at most one bound per (feature, side)
        keys = [(c.feature, c.op) for c in rule.conditions if c.op in ("<=", ">")]
        assert len(keys) == len(set(keys))
        assert not any(c.feature.startswith("Home_") for c in rule.conditions)


def test_from_sklearn_regressor_is_exact():
    X = _credit(500, 4)
    y = X["Income"].fillna(0).to_numpy() / 1000 + (X["Home"] == "own") * 2.0
    tree = DecisionTreeRegressor(max_depth=5, random_state=0).fit(_encode(X), y)
    rs = RuleSet.from_sklearn_tree(tree, ["Income", "Age", *LEVELS, "Home_missing"],
                                   column_map=COLUMN_MAP)
    test = _credit(300, 5)
    assert rs.link == "identity"
    np.testing.assert_array_equal(rs.predict(test), tree.predict(_encode(test)))


def test_from_sklearn_tree_plain_numeric_and_errors():
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0, np.nan, 5.0], "b": [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]})
    y = [0, 0, 1, 1, 1, 0]
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    rs = RuleSet.from_sklearn_tree(tree)  # names from feature_names_in_
    np.testing.assert_allclose(rs.predict_proba(X), tree.predict_proba(X), atol=1.001e-12)
    with pytest.raises(ValueError, match="binary"):
        RuleSet.from_sklearn_tree(DecisionTreeClassifier().fit(X.fillna(0), [0, 1, 2, 0, 1, 2]))
    with pytest.raises(ValueError, match="names"):
        RuleSet.from_sklearn_tree(tree, ["a"])
    with pytest.raises(ValueError, match="column_map"):
        RuleSet.from_sklearn_tree(tree, column_map={0: {"feature": "a", "kind": "bins"}})


def test_merge_path_keeps_the_tightest_bound():
    path = [Condition("x", "<=", 5.0, if_missing=True), Condition("x", ">", 1.0),
            Condition("x", "<=", 3.0, if_missing=False), Condition("x", ">", 2.0),
            Condition("h", "!=", "a", if_missing=True), Condition("h", "==", "b")]
    from interpretable_nn.rules import from_tree

    merged = from_tree._merge_path(path)
    assert merged == (Condition("x", "<=", 3.0), Condition("x", ">", 2.0),
                      Condition("h", "==", "b"))
    path = [Condition("h", "!=", "a", if_missing=True), Condition("h", "is_missing", False),
            Condition("m", "!=", "a", if_missing=True), Condition("m", "is_missing", True),
            Condition("m", "<=", 1.0)]
    assert from_tree._merge_path(path) == (
        Condition("h", "!=", "a"), Condition("h", "is_missing", False),
        Condition("m", "is_missing", True), Condition("m", "<=", 1.0))

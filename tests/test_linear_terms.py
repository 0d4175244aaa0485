"""Linear terms of a rule set (RuleFit's winsorized linear terms): ``points × clip(x, lo, hi)``,
a fixed value when missing. Every export and explanation reproduces them as it does the rules,
and RuleNet chooses them against its rules for the same budget."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sql_engines import Engine  # noqa: E402

from interpretable_nn.rules import Condition, Rule, RuleSet  # noqa: E402
from interpretable_nn.rules.conditions import LinearTerm  # noqa: E402


def _ruleset(**kw) -> RuleSet:
    return RuleSet([Rule((Condition("a", ">", 1.0),), 0.5), Rule((Condition("c", "==", "x"),), -0.3)],
                   intercept=-1.1,
                   linear=[LinearTerm("b", 0.2537, -1.3, 3.7, 0.51, name="lin_b", mean=0.4),
                           LinearTerm("a", -0.1, 0.0, 2.5, 1.0)], **kw)


def _frame(n=60, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n) * 2, "b": rng.normal(size=n) * 3,
                      "c": rng.choice(["x", "y"], size=n)})
    X.loc[::7, "b"] = np.nan
    X.loc[::5, "a"] = np.nan
    return X


# ---------------------------------------------------------------- the term itself
@pytest.mark.parametrize("kw, message", [
    (dict(points=np.inf), "points"), (dict(lo=np.nan), "lo"), (dict(lo=3.0, hi=1.0), "lo <= fill <= hi"),
    (dict(fill=9.0), "lo <= fill <= hi"), (dict(mean=-5.0), "mean"), (dict(name=3), "name"),
])
def test_a_linear_term_refuses_bad_arguments(kw, message):
    args = {**dict(feature="x", points=1.0, lo=0.0, hi=2.0, fill=1.0), **kw}
    with pytest.raises(ValueError, match=message):
        LinearTerm(**args)
    with pytest.raises(ValueError, match="LinearTerm"):
        RuleSet([], linear=["x"])


def test_a_linear_term_clips_fills_and_reads_odd_dtypes():
    t = LinearTerm("x", points=-0.5, lo=-1.0, hi=2.0, fill=0.25)
    for col in [pd.Series([-5.0, 0.5, np.nan, 9.0]), pd.Series([-5, 0, None, 9], dtype="Int64"),
                pd.Series([-5.0, 0.5, None, 9.0], dtype="float32"), pd.Series([-5, 0.5, None, 9], dtype=object)]:
        v = t.values(col)
        assert v.dtype == np.float64 and v[0] == -1.0 and v[2] == 0.25 and v[3] == 2.0
        np.testing.assert_array_equal(t.points_on(col), -0.5 * v)
    assert t.values(pd.Series([True, False])).tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="'x'.*non-numeric"):
        t.values(pd.Series(["1", "two"]))
    huge = LinearTerm("x", points=1e-200, lo=-1e250, hi=1e250, fill=0.0)
    assert np.isfinite(huge.points_on(pd.Series([1e299, -1e299, 3.0]))).all()


def test_scores_explanations_and_text_include_the_linear_terms():
    rs, X = _ruleset(), _frame()
    fired = rs.fire_matrix(X)
    lin = rs.linear_points(X)
    expected = np.full(len(X), rs.intercept)
    for j, r in enumerate(rs.rules):
        expected = expected + np.where(fired[:, j], r.weight, 0.0)
    for j in range(rs.n_linear):
        expected = expected + lin[:, j]
    np.testing.assert_array_equal(rs.decision_function(X), expected)  # rules, then linear terms, in order
    long = rs.explain(X)
    per_row = long.groupby("row")["weight"].sum().reindex(X.index, fill_value=0.0)
    np.testing.assert_allclose(rs.intercept + per_row.to_numpy(), rs.decision_function(X), atol=1e-12)
    assert set(long.loc[long["rule"] >= rs.n_rules, "rule"]) == {2, 3}
    e = rs.explain_features(X)
    assert e.check["additivity_gap"] <= 1e-12
    np.testing.assert_allclose(e.values[:, e.feature_names.index("b")], lin[:, 0])
    assert rs.features_used == ["a", "c", "b"] and "n_linear=2" in repr(rs)
    text, md, dot = rs.to_text(), rs.to_markdown(), rs.to_graphviz().source
    assert "LINEAR +0.254 points × b (b clipped to [-1.3, 3.7]; missing: 0.51)" in text
    assert "| L1 | `b (b clipped to [-1.3, 3.7]; missing: 0.51)` | +0.254 |" in md
    assert "linear_2 -> score" in dot and "points per unit" in dot
    assert rs != RuleSet(rs.rules, intercept=rs.intercept)


def test_json_is_version_2_only_with_linear_terms_and_round_trips():
    rs = _ruleset()
    doc = json.loads(rs.to_json())
    assert doc["version"] == 2 and doc["linear"][0]["mean"] == 0.4
    back = RuleSet.from_json(rs.to_json())
    assert back == rs and back.linear[0].name == "lin_b"
    np.testing.assert_array_equal(back.decision_function(_frame()), rs.decision_function(_frame()))
    assert json.loads(RuleSet(rs.rules).to_json())["version"] == 1  # rule-only files as before
    doc["version"] = 1
    with pytest.raises(ValueError, match="version 2"):
        RuleSet.from_json(json.dumps(doc))
    doc["version"] = 2
    doc["linear"][0]["lo"] = 1e308
    with pytest.raises(ValueError, match=r"linear\[0\]\.lo"):
        RuleSet.from_json(json.dumps(doc))
    doc["linear"][0] = {"feature": "b", "points": 1.0, "lo": 0.0, "hi": 1.0, "fill": 0.5, "slope": 2}
    with pytest.raises(ValueError, match="unknown keys"):
        RuleSet.from_json(json.dumps(doc))


# ---------------------------------------------------------------- exports agree with Python
@st.composite
def _case(draw):
    n = draw(st.integers(1, 15))
    num = st.one_of(st.none(), st.sampled_from([-2.0, 0.0, 0.5, 3.25, 1e6]), st.floats(-1e7, 1e7, allow_nan=False))
    X = pd.DataFrame({"id": np.arange(n),
                      "x": pd.array([draw(num) for _ in range(n)], dtype="Float64").astype(float),
                      "y y": pd.array([draw(num) for _ in range(n)], dtype="Float64").astype(float)})
    bound = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
    weight = st.floats(-20, 20, allow_nan=False, allow_subnormal=False)
    terms = []
    for _ in range(draw(st.integers(1, 3))):
        lo, hi = sorted([draw(bound), draw(bound)])
        fill = draw(st.floats(lo, hi, allow_nan=False, allow_subnormal=False))
        terms.append(LinearTerm(draw(st.sampled_from(["x", "y y"])), draw(weight), lo, hi, fill))
    rules = [Rule((Condition("x", draw(st.sampled_from(["<=", ">"])), draw(bound)),), draw(weight))
             for _ in range(draw(st.integers(0, 3)))]
    return RuleSet(rules, intercept=draw(weight), linear=terms), X


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_case())
def test_sql_json_and_sympy_reproduce_random_linear_terms(case):
    rs, X = case
    score = rs.decision_function(X)
    back = RuleSet.from_json(rs.to_json())
    assert back == rs
    np.testing.assert_array_equal(back.decision_function(X), score)
    for name in ("sqlite", "duckdb"):
        db = Engine(name)
        db.load(X.drop(columns="id"))
        got = np.array([r[1] for r in db.run(rs.to_sql(dialect=name))], dtype=float)
        np.testing.assert_array_equal(got, score)  # exact: the same products, added in the same order
        db.close()
    f = sympy.lambdify(rs.sympy_symbols(), rs.to_sympy())
    np.testing.assert_allclose(f(*rs.sympy_inputs(X)), score, rtol=1e-12, atol=1e-6)


def test_postgres_rescore_exactly():
    rs, X = _ruleset(), _frame(200, seed=1)
    db = Engine("postgres")
    db.load(X)
    got = np.array([r[1] for r in db.run(rs.to_sql(dialect="postgres"))], dtype=float)
    np.testing.assert_array_equal(got, rs.decision_function(X))
    db.close()


# ---------------------------------------------------------------- RuleNet
@pytest.fixture(scope="module")
def linear_data():
    rng = np.random.default_rng(0)
    n = 2000
    X = pd.DataFrame({"income": rng.lognormal(8, 0.6, n), "age": rng.integers(18, 80, n).astype(float),
                      "home": rng.choice(["rent", "own", "other"], n)})
    X.loc[rng.random(n) < 0.05, "income"] = np.nan
    logit = -0.8 * (np.log(X["income"].fillna(3000.0)) - 8) + 0.04 * (X["age"] - 50) + 0.7 * (X["home"] == "rent")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def fitted(linear_data):
    from interpretable_nn.models.rulenet import RuleNetClassifier

    X, y = linear_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on = RuleNetClassifier(max_rules=12, max_epochs=8, verbose=0, random_state=0).fit(X, y)
        off = RuleNetClassifier(max_rules=12, max_epochs=8, verbose=0, random_state=0, linear_terms=False).fit(X, y)
    return on, off


def test_rulenet_chooses_linear_terms_within_its_budget(fitted, linear_data):
    on, off = fitted
    X, y = linear_data
    rs = on.ruleset_
    assert rs.n_linear >= 1 and rs.n_rules + rs.n_linear <= 12 and on.fit_info_["n_linear"] == rs.n_linear
    assert off.ruleset_.n_linear == 0 and off.fit_info_["n_linear"] == 0
    assert {t.feature for t in rs.linear} <= {"income", "age"}  # numeric columns only
    for t in rs.linear:  # bounds between training values, the fill and the mean inside them
        col = X[t.feature].dropna()
        assert col.min() <= t.lo <= t.fill <= t.hi <= col.max() and t.lo <= t.mean <= t.hi
        assert len(repr(t.lo)) <= 8 and len(repr(t.hi)) <= 8  # short decimals a reviewer reads
    assert np.array_equal(on.predict_proba(X), rs.predict_proba(X))  # the rule set is the model
    from sklearn.metrics import roc_auc_score

    # a smooth signal: the linear terms rank better than rules alone at the same budget
    assert roc_auc_score(y, on.predict_proba(X)[:, 1]) > roc_auc_score(y, off.predict_proba(X)[:, 1])


def test_rulenet_with_linear_terms_survives_save_load_onnx_and_sql(fitted, linear_data, tmp_path):
    from interpretable_nn.persistence import load_model

    on, _ = fitted
    X, _ = linear_data
    Xs = X.iloc[:300]
    on.save(tmp_path / "m")
    back = load_model(tmp_path / "m")
    assert back.ruleset_ == on.ruleset_
    np.testing.assert_array_equal(back.predict_proba(Xs), on.predict_proba(Xs))
    db = Engine("duckdb")
    db.load(Xs)
    got = np.array([r[1] for r in db.run(on.ruleset_.to_sql(dialect="duckdb"))], dtype=float)
    np.testing.assert_array_equal(got, on.decision_function(Xs))
    ort = pytest.importorskip("onnxruntime")
    from interpretable_nn.models.export_onnx import onnx_feed

    sess = ort.InferenceSession(on.to_onnx().SerializeToString())
    out = sess.run(None, onnx_feed(on, Xs))
    proba = next(o for o in out if np.ndim(o) == 2 and np.shape(o)[1] == 2)
    np.testing.assert_allclose(proba, on.predict_proba(Xs), rtol=0, atol=1e-15)


def test_reason_sentences_agree_with_the_linear_points(fitted, linear_data):
    from interpretable_nn.explain.reason_codes import reason_codes

    on, _ = fitted
    X, _ = linear_data
    rs = on.ruleset_
    for reference, background in [("best", None), ("mean", None), ("mean", X.iloc[:400])]:
        rc = reason_codes(on, X.iloc[:40], k=4, reference=reference, background=background)
        lin = rc[rc["reason"].str.contains("clipped to")]
        assert len(lin), reference
        assert (lin["points"] > 0).all()  # a reason raises the risk score
        for _, r in lin.iterrows():
            t = next(t for t in rs.linear if r["reason"] == t.value_text())
            more = (t.points > 0) == (on.classes_[1] == 1)  # higher values raise the score of class 1
            assert ("or less" in r["text"]) == more and ("or more" in r["text"]) != more


def test_the_rules_plot_shows_linear_terms_by_their_range():
    import matplotlib

    matplotlib.use("Agg")
    from interpretable_nn.cli_io import plot_rules

    fig = plot_rules(_ruleset(), 10)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "b: linear, -1.3 to 3.7" in labels and "2 linear terms" in ax.get_title()
    widths = {lab: p.get_width() for lab, p in zip(labels, ax.patches)}
    assert widths["b: linear, -1.3 to 3.7"] == pytest.approx(0.2537 * 5.0)


def test_columns_too_narrow_or_too_wide_for_finite_points_get_no_linear_term():
    from interpretable_nn.models.rulenet import RuleNetClassifier

    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame({"subnormal": rng.integers(-3, 4, n) * 4.940656e-324, "a": rng.normal(size=n),
                      "tiny": rng.normal(size=n) * 1e-200, "big": rng.normal(size=n) * 1e299})
    y = (rng.random(n) < 1 / (1 + np.exp(-2 * X["a"] - X["big"] / 1e299))).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = RuleNetClassifier(max_rules=8, max_epochs=3, verbose=0).fit(X, y)  # the fuzz test's failure
    assert {t.feature for t in m.ruleset_.linear} <= {"a", "big"}
    assert all(np.isfinite(t.points) for t in m.ruleset_.linear) and np.isfinite(m.predict_proba(X)).all()
    assert RuleSet.from_json(m.ruleset_.to_json()) == m.ruleset_

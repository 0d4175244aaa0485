"""crosscheck(): built-in explanations against the shap library."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_additive_shap import TinyAdditive, tiny_model

from interpretable_nn.explain import CrosscheckReport, builtin_explanation, crosscheck, library_shap
from interpretable_nn.explain.shap_library import _Codec
from interpretable_nn.rules import Condition, Rule, RuleSet


@pytest.fixture(scope="module")
def additive():
    model, ds = tiny_model(n_samples=300)
    return model, ds.X.iloc[:15].reset_index(drop=True), ds.X.iloc[100:140].reset_index(drop=True)


@pytest.fixture(scope="module")
def mlp(small_credit):
    from interpretable_nn import MLPClassifier

    X, y, Xte, _ = small_credit
    return MLPClassifier(hidden_sizes=(16,), max_epochs=5, verbose=0).fit(X, y), X, Xte


@pytest.mark.parametrize("method", ["exact", "permutation"])
def test_additive_model_agrees_exactly(additive, method):
    model, X, B = additive
    rep = crosscheck(model, X, B, method=method)
    assert isinstance(rep, CrosscheckReport)
    assert rep.additive and rep.passed is True
    s = rep.summary()
    assert s["max_abs_diff"] <= 1e-5
    assert s["shap_method"] == f"shap-{method}"
    assert s["spearman_mean"] == pytest.approx(1.0)
    assert s["sign_agreement"] == 1.0 and s["global_rank_corr"] == pytest.approx(1.0)
    assert rep.disagreements().empty


def test_wrong_interaction_split_is_caught(additive):
    """A model that halves its centred interaction (the naive split) fails the check, and
    the disagreements name the interaction's features."""
    model, X, B = additive

    class HalfSplit(TinyAdditive):
        def explain(self, X, background=None):
            from interpretable_nn.explain import Explanation

            t = self.predict_terms(X) - self.predict_terms(background).mean(0)
            vals = t[:, :-1].copy()
            for f in ("inter_a", "inter_b"):
                vals[:, self.feature_names_.index(f)] += t[:, -1] / 2
            return Explanation(vals, 0.0, self.feature_names_, method="half-split")

    terms = {n: (F, fn) for n, F, fn in zip(model.terms_, model.term_features_, model._fns)}
    wrong = HalfSplit(terms, model.feature_names_)
    rep = crosscheck(wrong, X, B, method="permutation")
    assert rep.passed is False and rep.max_abs_diff > 1e-3
    bad = set(rep.disagreements(1e-4)["feature"])
    assert bad == {"inter_a", "inter_b"}
    frame = rep.to_frame().set_index("feature")
    assert frame.loc["sine", "max_abs_diff"] <= 1e-9
    assert frame.loc["inter_a", "max_abs_diff"] > 1e-3


def test_kernel_method_is_close_on_additive(additive):
    model, X, B = additive
    rep = crosscheck(model, X.iloc[:4], B, method="kernel", nsamples=400)
    assert rep.summary()["shap_method"] == "shap-kernel"
    assert rep.max_abs_diff < 0.05


def test_rule_model_reports_figures_without_verdict():
    rs = RuleSet(
        [
            Rule((Condition("a", ">", 0.0),), 1.0),
            Rule((Condition("a", ">", 0.5), Condition("b", "==", "x")), -2.0),
        ],
        feature_names=["a", "b", "c"],
    )
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40), "b": rng.choice(["x", "y"], 40).astype(object), "c": 1.0})
    X.loc[::5, "a"] = np.nan
    rep = crosscheck(rs, X, X)
    assert rep.passed is None and not rep.additive
    assert np.allclose(rep.builtin.values, rs.explain_features(X).values)
    s = rep.summary()
    assert s["shap_method"] == "shap-exact" and s["shap_additivity_gap"] <= 1e-9
    assert 0 <= s["top3_jaccard"] <= 1 and 0 <= s["sign_agreement"] <= 1
    # feature c never matters: zero on both sides
    assert np.all(rep.shap.values[:, 2] == 0) and np.all(rep.builtin.values[:, 2] == 0)


def test_mlp_figures_and_outputs(mlp):
    model, X, Xte = mlp
    rep = crosscheck(model, Xte.iloc[:8], X.iloc[:20], method="permutation", nsamples=2 * (2 * 13 + 1))
    s = rep.summary()
    assert s["builtin_method"] == "integrated-gradients" and rep.passed is None
    assert -1 <= s["spearman_mean"] <= 1 and 0 <= s["sign_agreement"] <= 1
    assert s["shap_additivity_gap"] < 1e-4
    assert np.allclose(rep.shap.output_values(), model.decision_function(Xte.iloc[:8]), atol=1e-4)
    frame = rep.to_frame()
    assert list(frame.columns[:3]) == ["feature", "builtin_importance", "shap_importance"]
    assert len(frame) == 13
    d = rep.disagreements(0.0)
    assert (np.abs(d["diff"]).diff().dropna() <= 0).all()  # largest first
    fig = rep.plot(max_features=5)
    assert len([a for a in fig.axes if a.has_data()]) == 5
    assert "MLPClassifier" in repr(rep)


def test_linear_model_agrees_exactly(small_credit):
    from sklearn.linear_model import LogisticRegression

    from interpretable_nn.models import EncodedSklearnClassifier

    X, y, Xte, _ = small_credit
    lr = EncodedSklearnClassifier(LogisticRegression(max_iter=2000)).fit(X, y)
    rep = crosscheck(lr, Xte.iloc[:6], X.iloc[:15], method="permutation", nsamples=27)
    assert rep.additive and rep.summary()["builtin_method"] == "linear-coefficients"
    assert rep.max_abs_diff <= 1e-5, rep.max_abs_diff


def test_codec_round_trip_keeps_missing_and_levels():
    X = pd.DataFrame({"n": [1.0, np.nan, -3.5], "c": ["a", np.nan, "b"]}, dtype=object)
    X["n"] = X["n"].astype(float)
    codec = _Codec(["n", "c"], [True, False], [X])
    back = codec.decode(codec.encode(X))
    assert np.isnan(back.loc[1, "n"]) and back.loc[2, "n"] == -3.5
    assert back["c"].tolist()[::2] == ["a", "b"] and pd.isna(back.loc[1, "c"])


def test_interaction_columns_are_split(additive):
    model, X, B = additive
    from interpretable_nn.explain import Explanation

    class Unsplit(TinyAdditive):
        def explain(self, X):
            return Explanation(self.predict_terms(X), self.intercept_, self.terms_, method="terms")

    terms = {n: (F, fn) for n, F, fn in zip(model.terms_, model.term_features_, model._fns)}
    e = builtin_explanation(Unsplit(terms, model.feature_names_), X)
    assert e.feature_names == model.feature_names_ and e.method == "terms+equal-split"
    assert np.allclose(e.values.sum(1), model.predict_terms(X).sum(1))


def test_bad_input(additive, mlp):
    model, X, B = additive
    with pytest.raises(ValueError, match="method must be one of"):
        crosscheck(model, X, B, method="magic")
    with pytest.raises(ValueError, match="background has no rows"):
        library_shap(model, X, B.iloc[:0])
    with pytest.raises(ValueError, match="top_k"):
        crosscheck(model, X, B, top_k=0)

    class NoExplain:
        feature_names_ = ["a"]

        def decision_function(self, X):
            return np.zeros(len(X))

    with pytest.raises(TypeError, match="no built-in explanation"):
        builtin_explanation(NoExplain(), pd.DataFrame({"a": [1.0]}))

    class Multi(NoExplain):
        def decision_function(self, X):
            return np.zeros((len(X), 3))

    with pytest.raises(ValueError, match="returns 3 columns"):
        library_shap(Multi(), pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [0.0]}))


def test_peer_models_built_in_explanations(small_credit):
    """EBM (additive: exact agreement), a decision tree (path decomposition), XGBoost (its
    pred_contribs) and histogram boosting (TreeSHAP) explain themselves through their own
    ``explain``, adding up to their scores; crosscheck only calls it."""
    from interpretable_nn.models import make_model

    X, y, Xte, _ = small_credit
    rows, bg = Xte.iloc[:5], X.iloc[:15]
    ebm = make_model("ebm", outer_bags=1, max_rounds=100, interactions=2).fit(X, y)
    rep = crosscheck(ebm, rows, bg, method="permutation", nsamples=27)
    assert rep.additive and rep.passed is True, rep.max_abs_diff
    from interpretable_nn.explain import reason_codes

    assert set(reason_codes(ebm, rows, k=2)["reason"]) <= set(ebm.estimator_.term_names_)
    tree = make_model("tree").fit(X, y)
    e = builtin_explanation(tree, rows)
    assert e.method == "tree-path" and e.check["additivity_gap"] <= 1e-9
    assert (np.count_nonzero(e.values, axis=1) <= 4).all()  # depth 4: at most 4 features on a path
    xgb = make_model("xgb", n_estimators=20).fit(X, y)
    e = builtin_explanation(xgb, rows)
    assert e.method == "xgboost-treeshap" and e.check["additivity_gap"] <= 1e-4
    hgb = make_model("hgb", max_iter=20).fit(X, y)
    e = builtin_explanation(hgb, rows)
    assert e.method == "treeshap-path-dependent" and e.check["additivity_gap"] <= 1e-9
    np.testing.assert_array_equal(e.values, hgb.explain(rows).values)
    rep = crosscheck(hgb, rows, bg, method="permutation", nsamples=27)
    assert rep.passed is None and np.isfinite(rep.summary()["spearman_mean"])


def test_wrapper_without_explanation_is_refused(small_credit):
    from sklearn.ensemble import RandomForestClassifier

    from interpretable_nn.models import EncodedSklearnClassifier

    X, y, Xte, _ = small_credit
    rf = EncodedSklearnClassifier(RandomForestClassifier(n_estimators=3, random_state=0), raw_numeric=True)
    with pytest.raises(TypeError, match="no built-in explanation"):
        builtin_explanation(rf.fit(X, y), Xte.iloc[:3])


def test_report_check_is_a_fidelity_with_the_headline_figures():
    from interpretable_nn.attribution.fidelity import Fidelity

    rs = RuleSet([Rule((Condition("a", ">", 0.0),), 1.0)], feature_names=["a", "b"])
    X = pd.DataFrame({"a": [1.0, -1.0, 2.0], "b": [0.0, 2.0, 1.0]})
    rep = crosscheck(rs, X, background=X)
    check = rep.check
    assert isinstance(check, Fidelity) and check.rows == "explained" and check.n_rows == 3
    s = rep.summary()
    assert check["spearman_mean"] == s["spearman_mean"] and check["max_abs_diff"] == s["max_abs_diff"]
    assert "n_rows" not in check and "builtin_check" not in check  # n_rows is a field; tables stay out
    assert "rules" in check.compared and "shap-exact" in check.compared
    assert Fidelity.from_dict(check.to_dict()) == check
    assert isinstance(rep.shap.check, Fidelity) and rep.shap.check["additivity_gap"] <= 1e-9


def test_model_view_validates_once_and_names_the_problem():
    from interpretable_nn.explain.view import ModelView

    rs = RuleSet([Rule((Condition("a", ">", 0.0),), 1.0)], feature_names=["a", "b"])
    view = ModelView(rs)
    assert view.names == ["a", "b"] and view.output == "log-odds" and not view.is_regression
    Xf = view.frame(pd.DataFrame({"b": [1.0], "extra": [0], "a": [2.0]}, index=[7]))
    assert list(Xf.columns) == ["a", "b"] and list(Xf.index) == [0]
    assert view.decision_function()(Xf).tolist() == rs.decision_function(Xf).tolist()
    with pytest.raises(ValueError, match=r"background is missing column\(s\) \['b'\]"):
        view.frame(pd.DataFrame({"a": [1.0]}), "background")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        view.frame(np.zeros((1, 2)))
    with pytest.raises(TypeError, match="Cannot tell the features of object"):
        ModelView(object())


def test_a_huge_finite_value_is_not_read_as_missing_by_the_shap_side():
    """The SHAP side carried a missing number as -1e300 and read anything below -5e299 back as
    missing, so a real age of -1e300 was explained as a missing age and the cross-check of an
    exact additive explanation failed (max difference 9.7e3). Codes carry every value."""
    from interpretable_nn.models import make_model

    r = np.random.default_rng(0)
    X = pd.DataFrame({"age": r.normal(40, 10, 300), "home": r.choice(["own", "rent"], 300)})
    y = (0.1 * (X.age - 40) + (X.home == "rent") + r.logistic(size=300) > 0).astype(int)
    m = make_model("logreg").fit(X, y)
    rows = X.iloc[:5].copy()
    rows.loc[rows.index[0], "age"] = -1e300
    rows.loc[rows.index[1], "age"] = np.nan
    rep = crosscheck(m, rows, X.iloc[:50])
    assert rep.passed, rep
    np.testing.assert_allclose(rep.shap.values.sum(axis=1) + rep.shap.base_values, m.decision_function(rows),
                               rtol=1e-9)
    codec = _Codec(["age", "home"], [True, False], [rows, X.iloc[:50]])
    back = codec.decode(codec.encode(rows))
    pd.testing.assert_series_equal(back["age"], rows["age"].reset_index(drop=True))
    assert back["home"].tolist() == rows["home"].tolist()

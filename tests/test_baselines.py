"""Black-box baselines: the torch MLP's finishing touches and the scikit-learn / EBM /
XGBoost wrappers behind the library's encoder."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import interpretable_nn as inn
from interpretable_nn.data.encoding import UnseenCategoryWarning
from interpretable_nn.models import (
    EncodedSklearnClassifier,
    EncodedSklearnRegressor,
    FrameSklearnClassifier,
    XGBoostClassifier,
)


def _with_holes(X: pd.DataFrame) -> pd.DataFrame:
    """Predict-time rows with missing numerics, missing and unseen categories."""
    X = X.copy()
    X.loc[X.index[::3], "Income"] = np.nan
    X.loc[X.index[::4], "Home"] = None
    X.loc[X.index[1::5], "Home"] = "castle"
    return X


def test_logreg_decision_is_exact_log_odds(small_credit):
    X, y, Xte, _ = small_credit
    m = EncodedSklearnClassifier(LogisticRegression(max_iter=2000)).fit(X, y)
    assert m.decision_is_log_odds_
    Z = m.encoder_.design_matrix(Xte, m.encoder_.transform(Xte))
    np.testing.assert_array_equal(m.decision_function(Xte), m.estimator_.decision_function(Z))
    p = m.predict_proba(Xte)
    np.testing.assert_allclose(p, m.estimator_.predict_proba(Z), rtol=0, atol=1e-12)
    assert m.n_parameters_ == m.estimator_.coef_.size + 1


def test_proba_based_decision_for_trees(small_credit):
    X, y, Xte, _ = small_credit
    m = EncodedSklearnClassifier(DecisionTreeClassifier(max_depth=3, random_state=0), raw_numeric=True).fit(X, y)
    assert not m.decision_is_log_odds_
    d, p = m.decision_function(Xte), m.predict_proba(Xte)[:, 1]
    np.testing.assert_allclose(1 / (1 + np.exp(-d)), p, atol=1e-12)
    assert m.n_parameters_ == m.estimator_.tree_.node_count
    assert set(m.predict(Xte)) <= set(np.unique(y))


def test_raw_numeric_matrix_keeps_exact_raw_values(small_credit):
    X, y, _, _ = small_credit
    m = EncodedSklearnClassifier(DecisionTreeClassifier(max_depth=2), raw_numeric=True).fit(X, y)
    Z = m.encoder_.design_matrix(X, m.encoder_.transform(X), raw_numeric=True)
    names = m.encoder_.numeric_names_
    np.testing.assert_array_equal(Z[:, : len(names)], X[names].to_numpy(dtype=float))
    # thresholds of numeric splits lie in the raw range of their column
    t = m.estimator_.tree_
    for node in np.flatnonzero(t.children_left != -1):
        j = t.feature[node]
        if j < len(names):
            col = X[names[j]]
            assert col.min() <= t.threshold[node] <= col.max()


def test_wrappers_take_holes_and_string_labels(small_credit):
    X, y, Xte, _ = small_credit
    labels = np.where(y == 1, "bad", "good")
    m = EncodedSklearnClassifier(DecisionTreeClassifier(max_depth=3), raw_numeric=True).fit(X, labels)
    with pytest.warns(UnseenCategoryWarning, match="castle"):
        pred = m.predict(_with_holes(Xte))
    assert set(pred) <= {"bad", "good"}


def test_regressor_twin():
    from interpretable_nn.datasets import make_additive

    d = make_additive(n_samples=400, task="regression", random_state=0)
    m = EncodedSklearnRegressor(DecisionTreeRegressor(max_depth=4), raw_numeric=True).fit(d.X, d.y)
    np.testing.assert_array_equal(m.predict(d.X), m.decision_function(d.X))
    assert m.score(d.X, d.y) > 0.3
    assert EncodedSklearnRegressor().fit(d.X, d.y).estimator_.__class__.__name__ == "Ridge"
    with pytest.raises(AttributeError, match="regressor"):
        m.predict_proba(d.X)


def test_sklearn_wrappers_refuse_to_save(small_credit, tmp_path):
    X, y, _, _ = small_credit
    m = EncodedSklearnClassifier(LogisticRegression(max_iter=500)).fit(X, y)
    target = tmp_path / "m"
    with pytest.raises(TypeError, match="pickle"):
        m.save(target)
    assert not target.exists()


def test_bad_input_and_parameters(small_credit):
    X, y, Xte, _ = small_credit
    with pytest.raises(ValueError, match="estimator"):
        EncodedSklearnClassifier("not an estimator").fit(X, y)
    with pytest.raises(ValueError, match="sample_weight"):
        EncodedSklearnClassifier().fit(X, y, sample_weight=np.ones(3))
    m = EncodedSklearnClassifier(LogisticRegression(max_iter=500)).fit(X, y)
    with pytest.raises(ValueError, match="Income"):
        m.predict(Xte.drop(columns=["Income"]))
    bad = Xte.copy().astype({"Income": object})
    bad.loc[bad.index[0], "Income"] = "lots"
    with pytest.raises(ValueError, match="Income"):
        m.predict(bad)
    # a failed refit leaves nothing half-fitted: the earlier fit stays exactly as it was
    before, est = m.predict_proba(Xte), m.estimator_
    with pytest.raises(ValueError):
        m.fit(X, np.zeros(len(X)))
    assert m.estimator_ is est
    np.testing.assert_array_equal(m.predict_proba(Xte), before)
    fresh = EncodedSklearnClassifier(LogisticRegression(max_iter=500))
    with pytest.raises(ValueError):
        fresh.fit(X, np.zeros(len(X)))
    assert not hasattr(fresh, "estimator_") and not hasattr(fresh, "background_")
    c = clone(EncodedSklearnClassifier(LogisticRegression(C=0.5), raw_numeric=True))
    assert c.raw_numeric and c.estimator.C == 0.5


def test_frame_wrapper_passes_raw_categoricals(small_credit):
    pytest.importorskip("interpret")
    from interpret.glassbox import ExplainableBoostingClassifier

    X, y, Xte, _ = small_credit
    ebm = ExplainableBoostingClassifier(outer_bags=1, interactions=0, max_rounds=200, random_state=0)
    m = FrameSklearnClassifier(ebm).fit(X, y)
    assert "nominal" in list(m.estimator_.feature_types_in_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        p = m.predict_proba(_with_holes(Xte))
    assert p.shape == (len(Xte), 2) and np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert m.n_parameters_ > 0
    with pytest.raises(TypeError, match="pickle"):
        m.save("never_written")


def test_xgboost_json_round_trip(small_credit, tmp_path):
    pytest.importorskip("xgboost")
    X, y, Xte, _ = small_credit
    m = XGBoostClassifier(n_estimators=15, params={"subsample": 0.9}, n_jobs=1).fit(X, y)
    Xh = _with_holes(Xte)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        before = m.predict_proba(Xh)
        m.save(tmp_path / "xgb")
        loaded = inn.load_model(tmp_path / "xgb")
        np.testing.assert_array_equal(loaded.predict_proba(Xh), before)
    assert isinstance(loaded, XGBoostClassifier) and loaded.get_params() == m.get_params()
    assert m.n_parameters_ > 15
    d = m.decision_function(Xte)
    np.testing.assert_allclose(1 / (1 + np.exp(-d)), m.predict_proba(Xte)[:, 1], rtol=1e-6)


def test_xgboost_multiclass():
    pytest.importorskip("xgboost")
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    m = XGBoostClassifier(n_estimators=10, n_jobs=1).fit(X, y)
    p = m.predict_proba(X)
    assert p.shape == (150, 3)
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert m.score(X, y) > 0.9


def test_mlp_multiclass_explains_the_predicted_class():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    m = inn.MLPClassifier(max_epochs=20, lr=1e-2, verbose=0, ig_steps=64).fit(X, y)
    rows = X[::15]
    d = m.decision_function(rows)
    e = m.explain(rows)
    own = d[np.arange(len(d)), d.argmax(1)]
    np.testing.assert_allclose(e.base_values + e.values.sum(1), own, atol=0.05)
    e2 = m.explain(rows, class_index=2)
    np.testing.assert_allclose(e2.base_values + e2.values.sum(1), d[:, 2], atol=0.05)
    with pytest.raises(ValueError, match="class_index"):
        m.explain(rows, class_index=7)


def test_mlp_regressor_round_trip(tmp_path):
    from interpretable_nn.datasets import make_additive

    d = make_additive(n_samples=300, task="regression", random_state=1)
    m = inn.MLPRegressor(max_epochs=20, verbose=0).fit(d.X, d.y)
    m.save(tmp_path / "r")
    np.testing.assert_array_equal(inn.load_model(tmp_path / "r").predict(d.X), m.predict(d.X))


# ---------------------------------------------------------------------- every registry model explains itself
#: small settings per registry name so the test stays quick; the explanation code is the default one
_SMALL = {
    "mlp": {"hidden_sizes": (16,), "max_epochs": 5},
    "hgb": {"max_iter": 20},
    "ebm": {"outer_bags": 1, "max_rounds": 100, "interactions": 2, "n_jobs": 1},
    "xgb": {"n_estimators": 20, "n_jobs": 1},
    "nam": {"n_bags": 1, "max_epochs": 3},
    "rulenet": {"max_epochs": 3},
    "prototype": {"max_epochs": 3, "last_layer_epochs": 2},
}
#: exact methods add up to the decision function to float64 round-off; XGBoost computes its
#: contributions in float32; integrated gradients (mlp, prototype) are a quadrature whose gap
#: the explanation reports itself (checked below against the measured gap, not bounded here)
_TOL = {"xgb": 1e-4, "mlp": None, "prototype": None}


def _registry_model(name: str):
    from interpretable_nn.models import make_model

    params = make_model(name).get_params()
    kw = {k: v for k, v in {"verbose": 0, "random_state": 0, "device": "cpu"}.items() if k in params}
    return make_model(name, **kw, **_SMALL.get(name, {}))  # the factory passes them to the estimator


@pytest.mark.parametrize("name", inn.models.available_models())
def test_every_registry_model_explains_its_decision_function(name, small_credit):
    X, y, Xte, _ = small_credit
    model = _registry_model(name).fit(X, y)
    rows = Xte.iloc[:25]
    e = model.explain(rows)
    assert isinstance(e, inn.Explanation) and e.values.shape[0] == len(rows)
    assert np.isfinite(e.values).all() and np.isfinite(e.base_values).all()
    gap = float(np.abs(e.base_values + e.values.sum(1) - model.decision_function(rows)).max())
    tol = _TOL.get(name, 1e-5)
    if tol is None:  # an approximate method: its own reported check is the measured gap
        reported = e.check.get("completeness_gap", e.check.get("additivity_gap"))
        assert reported == pytest.approx(gap, abs=1e-6), (name, reported, gap)
    else:
        assert gap <= tol, (name, e.method, gap)
    # one column per raw feature, or per term whose features are raw features
    feats = set(model.feature_names_)
    assert all(set(c.split(" x ")) <= feats for c in e.feature_names)


def test_wrapper_design_is_the_public_view_of_the_inner_input(small_credit):
    """``design(X)`` (validated X as the inner estimator sees it) is what the attribution
    layer reads; it matches the encoder's design matrix."""
    X, y, Xte, _ = small_credit
    m = EncodedSklearnClassifier(DecisionTreeClassifier(max_depth=2, random_state=0), raw_numeric=True).fit(X, y)
    Z = m.encoder_.design_matrix(Xte, m.encoder_.transform(Xte), raw_numeric=True)
    np.testing.assert_array_equal(m.design(Xte), Z)
    with pytest.raises(ValueError):
        m.design(Xte.drop(columns=Xte.columns[0]))


def test_linear_and_tree_attributions_live_below_the_models(small_credit):
    from interpretable_nn.attribution.linear import background_rows, linear_shap, onto_features
    from interpretable_nn.attribution.trees import tree_path_values

    X, y, Xte, _ = small_credit
    m = EncodedSklearnClassifier().fit(X, y)
    Z, Zb = m.design(Xte), m.design(m.background_)
    values, base, method = linear_shap(m.estimator_, Z, Zb, m.encoder_)
    assert method == "linear-coefficients" and values.shape == (len(Xte), len(m.feature_names_))
    np.testing.assert_allclose(base + values.sum(1), m.decision_function(Xte), atol=1e-9)
    np.testing.assert_array_equal(onto_features(m.encoder_, np.ones((1, Z.shape[1])))[0],
                                  np.bincount(m.encoder_.dense_feature_index(), minlength=len(m.feature_names_)))
    assert len(background_rows(X, n=7)) == 7 and background_rows(X.head(3)).index.tolist() == [0, 1, 2]
    t = EncodedSklearnClassifier(DecisionTreeClassifier(max_depth=3, random_state=0), raw_numeric=True).fit(X, y)
    values, base, method = tree_path_values(t.estimator_, t.design(Xte), t.encoder_, classifier=True)
    assert method == "tree-path"
    np.testing.assert_allclose(base + values.sum(1), t.decision_function(Xte), atol=1e-9)


def test_ebm_additive_view_uses_the_public_interface(small_credit):
    pytest.importorskip("interpret")
    from interpret.glassbox import ExplainableBoostingClassifier

    from interpretable_nn.attribution.additive import as_additive

    X, y, Xte, _ = small_credit
    ebm = ExplainableBoostingClassifier(outer_bags=1, interactions=0, max_rounds=50, random_state=0)
    m = FrameSklearnClassifier(ebm).fit(X, y)
    view = as_additive(m)
    assert view is not None and view.task_ == "binary"
    terms = view.predict_terms(Xte)
    np.testing.assert_allclose(view.intercept_ + terms.sum(1), m.decision_function(Xte), atol=1e-9)
    assert m.explain(Xte.head(5)).output == "log-odds"


def _amounts_with_holes() -> tuple[pd.DataFrame, np.ndarray]:
    """An additive target of amounts, with a categorical column and holes in two columns."""
    from interpretable_nn.datasets import make_additive

    d = make_additive(n_samples=400, task="regression", random_state=0)
    X = d.X.copy()
    X["kind"] = np.where(X.iloc[:, 0] > 0, "a", "b")
    X.loc[X.index[::9], "kind"] = None
    X.loc[X.index[::7], X.columns[1]] = np.nan
    return X, d.y


def test_the_ebm_has_a_regressor_twin_that_explains_itself_exactly():
    """Left out before stop 74: ``make_model("ebm", "regression")`` was a NoRegressorError, so
    a study of amounts had no EBM to compare with. The twin reads raw categoricals and holes
    as the classifier does, its explanation adds up to its prediction, SHAP agrees, and it
    refuses to be saved as every scikit-learn wrapper does."""
    pytest.importorskip("interpret")
    from interpretable_nn.explain import crosscheck
    from interpretable_nn.models import FrameSklearnRegressor, list_models, make_model

    X, y = _amounts_with_holes()
    m = make_model("ebm", "regression", outer_bags=2, max_rounds=300, random_state=0).fit(X, y)
    assert isinstance(m, FrameSklearnRegressor) and m.task_ == "regression"
    assert "nominal" in list(m.estimator_.feature_types_in_)
    np.testing.assert_array_equal(m.predict(X), m.decision_function(X))
    assert m.score(X, y) > 0.8
    e = m.explain(X.head(40))
    assert e.method == "exact-additive-shap" and e.check["additivity_gap"] < 1e-9
    assert crosscheck(m, X.head(20), background=X.head(50)).summary()["passed"]
    assert list_models().set_index("name").loc["ebm", "regression"]
    with pytest.raises(AttributeError, match="regressor"):
        m.predict_proba(X)
    with pytest.raises(TypeError, match="pickle"):
        m.save("never_written")


def test_xgboost_has_a_regressor_twin_saved_as_xgboost_json(tmp_path):
    """Left out before stop 74: ``make_model("xgb", "regression")`` was a NoRegressorError.
    The twin reads raw categoricals and holes, its TreeSHAP adds up to its prediction (to
    XGBoost's float32), and save/load is the identity."""
    pytest.importorskip("xgboost")
    from interpretable_nn.models import XGBoostRegressor, list_models, make_model

    X, y = _amounts_with_holes()
    m = make_model("xgb", "regression", n_estimators=100).fit(X, y)
    assert isinstance(m, XGBoostRegressor) and m.task_ == "regression"
    np.testing.assert_array_equal(m.predict(X), m.decision_function(X))
    assert m.score(X, y) > 0.8
    e = m.explain(X.head(40))
    assert e.method == "xgboost-treeshap" and e.output == "raw"
    assert e.check["additivity_gap"] < 1e-5 * np.abs(m.predict(X.head(40))).max()
    assert list_models().set_index("name").loc["xgb", "regression"]
    m.save(tmp_path / "m")
    back = inn.load_model(tmp_path / "m")
    assert isinstance(back, XGBoostRegressor)
    np.testing.assert_array_equal(back.predict(X), m.predict(X))
    assert back.get_params() == m.get_params() and clone(m).get_params() == m.get_params()
    with pytest.raises(AttributeError, match="regressor"):
        m.predict_proba(X)


def test_an_ebm_reads_the_schemas_categories_as_nominal_and_unseen_values_as_unseen():
    """Hostile pass of stop 74: an EBM left to itself read text levels that look like numbers
    ('1', '2', '3') as a continuous feature, so 1 (an int, which the schema warns of as an
    unseen level) was scored as the level '1', and '100' on the top bin. Every categorical
    column is now nominal, and a value the encoder does not know is the EBM's unknown level,
    as the warning says: any two unseen values score alike."""
    pytest.importorskip("interpret")
    from interpretable_nn.models import make_model

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"age": rng.normal(40, 10, 300), "grade": rng.choice(["1", "2", "3"], 300)})
    amount = X.age * .1 + X.grade.astype(int) * 10 + rng.normal(0, 1, 300)
    for task, y in (("regression", amount), ("classification", (amount > amount.median()).astype(int))):
        m = make_model("ebm", task, outer_bags=2, max_rounds=100, random_state=0).fit(X, y)
        assert list(m.estimator_.feature_types_in_) == ["continuous", "nominal"]
        rows = X.head(3).copy()
        scores = []
        for grades in ([1, 3, 3], ["2.5", "100", "-4"], ["zzz"] * 3):
            with pytest.warns(UnseenCategoryWarning, match="'grade'"):
                scores.append(m.decision_function(rows.assign(grade=grades)))
        np.testing.assert_array_equal(scores[0], scores[2])
        np.testing.assert_array_equal(scores[1], scores[2])
        assert not np.array_equal(m.decision_function(rows), scores[2])


def test_a_wrapper_refuses_an_estimator_of_the_other_task(small_credit):
    """A classifier inside a regressor wrapper fitted 200 "classes" of amounts without a word
    (an EBM), or failed deep in scikit-learn; the wrong kind is a TypeError naming the fix."""
    from sklearn.linear_model import LinearRegression

    X, y, _, _ = small_credit
    with pytest.raises(TypeError, match="EncodedSklearnRegressor needs a regressor; got LogisticRegression"):
        EncodedSklearnRegressor(LogisticRegression()).fit(X, np.linspace(0, 1, len(X)))
    with pytest.raises(TypeError, match="EncodedSklearnClassifier needs a classifier; got LinearRegression"):
        EncodedSklearnClassifier(LinearRegression()).fit(X, y)
    pytest.importorskip("interpret")
    from interpret.glassbox import ExplainableBoostingClassifier

    from interpretable_nn.models import FrameSklearnRegressor

    with pytest.raises(TypeError, match="FrameSklearnRegressor needs a regressor"):
        FrameSklearnRegressor(ExplainableBoostingClassifier(max_rounds=10)).fit(X, np.linspace(0, 1, len(X)))


def test_xgboost_refuses_objectives_whose_margin_is_not_the_score_and_mislabelled_files():
    """Hostile pass of stop 74: count:poisson (a log link) made XGBoostRegressor return the
    log of its predictions, silently, since it scores the margin; a label the objective
    refuses raised XGBoost's C++ trace; a classifier's booster saved under the regressor's
    class name loaded and scored log-odds as amounts."""
    pytest.importorskip("xgboost")
    from interpretable_nn.models import XGBoostRegressor, make_model

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = np.exp(X.a.to_numpy()) * 5 + 1
    for objective in ("count:poisson", "reg:gamma", "binary:logistic"):
        with pytest.raises(ValueError, match=f"scores and explains XGBoost's margin.*got objective='{objective}'"):
            make_model("xgb", "regression", n_estimators=5, params={"objective": objective}).fit(X, y)
    m = make_model("xgb", "regression", n_estimators=5, params={"objective": "reg:absoluteerror"}).fit(X, y)
    np.testing.assert_array_equal(m.predict(X), m.decision_function(X))
    with pytest.raises(ValueError, match=r"XGBoost refused the fit: .* \(params=\{.eta.: .fast.\}\)\.$"):
        make_model("xgb", "regression", n_estimators=5, params={"eta": "fast"}).fit(X, y)
    clf = make_model("xgb", n_estimators=5).fit(X, (y > 6).astype(int))
    state, tensors = clf._get_state()
    with pytest.raises(ValueError, match="objective 'binary:logistic' is not one a XGBoostRegressor fits"):
        XGBoostRegressor()._set_state(state, tensors)


def test_an_estimator_without_scikit_learn_tags_still_fits():
    """The kind check of stop 74 called scikit-learn's is_classifier, which raises on an
    estimator without tags: a duck-typed estimator that fitted before must fit still."""

    class Mean:
        def fit(self, X, y):
            self.m = float(np.mean(y))
            return self

        def predict(self, X):
            return np.full(len(X), self.m)

        def get_params(self, deep=True):
            return {}

        def set_params(self, **p):
            return self

    X = pd.DataFrame({"a": np.arange(20.0)})
    np.testing.assert_array_equal(EncodedSklearnRegressor(Mean()).fit(X, np.arange(20.0)).predict(X.head(2)), 9.5)

"""fairness_audit(): group gaps and the sensitive feature's share of the score."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from test_additive_shap import tiny_model

from interpretable_nn.explain import FairnessAudit, fairness_audit, shap_values


@pytest.fixture(scope="module")
def additive():
    model, ds = tiny_model(n_samples=600)
    return model, ds.X, ds.y


def test_additive_audit_matches_hand_computation(additive):
    model, X, y = additive
    B = X.iloc[:80]
    audit = fairness_audit(model, X, y, "category", background=B)
    assert isinstance(audit, FairnessAudit)
    g = audit.to_frame().set_index("group")
    assert sorted(g.index) == ["a", "b", "c", "d"]
    p = model.predict_proba(X)[:, 1]
    adverse = p > 0.5
    for lv in "abcd":
        m = (X["category"] == lv).to_numpy()
        assert g.loc[lv, "n"] == m.sum()
        assert g.loc[lv, "adverse_rate"] == pytest.approx(adverse[m].mean())
        assert g.loc[lv, "equal_opportunity_rate"] == pytest.approx((~adverse[m & (y == 0)]).mean())
        assert g.loc[lv, "auc"] == pytest.approx(roc_auc_score(y[m], p[m]))
    s = audit.summary()
    assert s["demographic_parity_difference"] == pytest.approx(g["adverse_rate"].max() - g["adverse_rate"].min())
    assert s["equal_opportunity_difference"] == pytest.approx(
        g["equal_opportunity_rate"].max() - g["equal_opportunity_rate"].min())
    T = np.abs(model.predict_terms(X))
    j = model.terms_.index("category")
    assert s["sensitive_term_share"] == pytest.approx(T[:, j].mean() / T.sum(1).mean())
    phi = shap_values(model, X, B)
    k = list(X.columns).index("category")
    assert s["sensitive_share"] == pytest.approx(np.abs(phi[:, k]).mean() / np.abs(phi).sum(1).mean())
    # the true effect of level d is +1.4 against a: contributions order the groups
    assert g.loc["d", "mean_contribution"] > g.loc["c", "mean_contribution"] > g.loc["a", "mean_contribution"]
    assert s["share_method"] == "exact-additive-shap" and "dp_diff" in repr(audit)


def test_irrelevant_feature_carries_no_share():
    model, ds = tiny_model(n_samples=300, n_features=8)  # noise_0: a zero term
    X = ds.X.assign(noise_0=np.where(ds.X.index % 2 == 0, 1.0, 0.0))
    audit = fairness_audit(model, X, ds.y, "noise_0")
    assert audit.summary()["sensitive_share"] == 0.0
    assert audit.summary()["sensitive_term_share"] == 0.0


def test_black_box_uses_shap(small_credit):
    from interpretable_nn import MLPClassifier

    X, y, _, _ = small_credit
    m = MLPClassifier(hidden_sizes=(16,), max_epochs=5, verbose=0).fit(X, y)
    audit = fairness_audit(m, X, y, "Marital", background=X.iloc[:15], max_shap_rows=10,
                           shap_method="permutation")
    s = audit.summary()
    assert s["share_method"] == "shap-permutation" and s["sensitive_term_share"] is None
    assert 0 < s["sensitive_share"] < 1
    assert "(missing)" in set(audit.to_frame()["group"]) or X["Marital"].notna().all()


def test_black_box_reuses_given_shap_values(small_credit):
    """The cross-check's SHAP values, passed as ``shap=``, give the audit the figures it computes
    itself on the same rows and background; the wrong explanation is refused."""
    from interpretable_nn import MLPClassifier
    from interpretable_nn.explain import library_shap

    X, y, _, _ = small_credit
    X, y = X.iloc[:40].reset_index(drop=True), y[:40]
    m = MLPClassifier(hidden_sizes=(16,), max_epochs=5, verbose=0).fit(X, y)
    B = X.iloc[:15]
    own = fairness_audit(m, X, y, "Marital", background=B, max_shap_rows=len(X), random_state=3)
    e = library_shap(m, X, B, random_state=3)
    reused = fairness_audit(m, X, y, "Marital", background=B, shap=e)
    a, b = own.summary(), reused.summary()
    assert b["sensitive_share"] == pytest.approx(a["sensitive_share"], rel=1e-12)
    assert b["share_method"] == a["share_method"] == e.method
    assert np.allclose(own.to_frame()["mean_contribution"], reused.to_frame()["mean_contribution"], equal_nan=True)
    # a subset of rows: groups come from the explained rows themselves
    part = library_shap(m, X.iloc[5:12], B)
    assert 0 <= fairness_audit(m, X, y, "Marital", background=B, shap=part).summary()["sensitive_share"] <= 1
    wrong = copy.copy(e)
    wrong.feature_names = list(e.feature_names)[::-1]  # another model's columns
    with pytest.raises(ValueError, match="Explanation of rows of X"):
        fairness_audit(m, X, y, "Marital", background=B, shap=wrong)
    with pytest.raises(TypeError, match="shap must be an Explanation"):
        fairness_audit(m, X, y, "Marital", background=B, shap=e.values)  # bare numbers: no rows, no names
    cut = copy.copy(e)
    cut.values = e.values[:, :-1]  # a column short
    with pytest.raises(ValueError, match="Explanation of rows of X"):
        fairness_audit(m, X, y, "Marital", background=B, shap=cut)


def test_bad_input(additive):
    model, X, y = additive
    with pytest.raises(ValueError, match="not a feature of the model"):
        fairness_audit(model, X, y, "race")
    with pytest.raises(ValueError, match="threshold"):
        fairness_audit(model, X, y, "category", threshold=1.5)
    with pytest.raises(ValueError, match="rows but y has"):
        fairness_audit(model, X, y[:10], "category")
    with pytest.raises(ValueError, match="not the model's classes"):
        fairness_audit(model, X, y + 5, "category")


def test_a_level_named_missing_is_not_merged_with_the_missing_rows():
    """The missing rows' group was labelled "missing", so 40 NaN rows and 101 rows whose level
    was "missing" were one group of 141."""
    import pandas as pd

    from interpretable_nn.models import make_model

    r = np.random.default_rng(0)
    X = pd.DataFrame({"age": r.normal(40, 10, 300), "home": r.choice(["own", "rent", "missing", "(missing)"], 300)})
    y = (0.1 * (X.age - 40) + (X.home == "rent") + r.logistic(size=300) > 0).astype(int)
    X.loc[X.index[:40], "home"] = None
    audit = fairness_audit(make_model("logreg").fit(X, y), X, y, "home", max_shap_rows=50)
    n = audit.to_frame().set_index("group")["n"]
    assert n["((missing))"] == 40 and n["missing"] == (X.home == "missing").sum()
    assert n["(missing)"] == (X.home == "(missing)").sum() and n.sum() == len(X)


def test_no_rows_or_a_regressor_is_a_clear_error(additive):
    """Hostile pass of stop 74: 0 rows said "background has no rows" of a background the user
    never gave; a regressor raised AttributeError (predict_proba) from deep inside."""
    from interpretable_nn.datasets import make_additive
    from interpretable_nn.models import make_model

    model, X, y = additive
    with pytest.raises(ValueError, match="X has no rows"):
        fairness_audit(model, X.head(0), y[:0], "category")
    d = make_additive(n_samples=200, task="regression", random_state=0)
    reg = make_model("mlp", "regression", max_epochs=2, verbose=0).fit(d.X, d.y)
    with pytest.raises(ValueError, match="fairness_audit needs a binary classifier"):
        fairness_audit(reg, d.X, d.y, d.X.columns[0])

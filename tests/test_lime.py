"""crosscheck(method="lime"): the built-in explanation against LIME with the same figures as
against SHAP, and LIME and the built-in explanation each against SHAP."""

from __future__ import annotations

import numpy as np
import pytest
from test_contract import _X, _param, fitted

from interpretable_nn.explain import crosscheck

pytest.importorskip("lime")
pytest.importorskip("shap")


@pytest.mark.parametrize("name", [_param("nam"), _param("logreg"), _param("rulenet")])
def test_lime_next_to_shap(name):
    m = fitted(name)
    X, B = _X(8, seed=5), _X(40, seed=6)
    rep = crosscheck(m, X, background=B, method="lime", nsamples=300)
    s = rep.summary()
    assert rep.shap.method == "lime" and rep.shap.values.shape == (8, 3)
    assert np.isfinite(rep.shap.values).all() and (np.abs(rep.shap.values).sum(1) > 0).all()
    assert set(rep.versus) == {"builtin_vs_shap", "lime_vs_shap"}
    for key in ("spearman_mean", "top3_jaccard", "sign_agreement", "lime_vs_shap_spearman_mean",
                "builtin_vs_shap_max_abs_diff"):
        assert key in s
    assert rep.passed is None  # LIME is no exact reference: figures only
    assert rep.versus["lime_vs_shap"].builtin is rep.shap
    if name in ("nam", "logreg"):  # exact built-in explanations still agree with SHAP
        assert rep.versus["builtin_vs_shap"].passed
        assert s["builtin_vs_shap_max_abs_diff"] < s["max_abs_diff"]  # ... and LIME does not
    assert rep.shap.check["additivity_gap"] >= 0


def test_lime_is_seeded_and_checks_its_budget():
    m = fitted("logreg")
    X, B = _X(3, seed=5), _X(30, seed=6)
    a = crosscheck(m, X, background=B, method="lime", nsamples=200, random_state=1).shap.values
    b = crosscheck(m, X, background=B, method="lime", nsamples=200, random_state=1).shap.values
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="nsamples must be at least 10"):
        crosscheck(m, X, background=B, method="lime", nsamples=3)

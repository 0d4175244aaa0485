"""benchmarks/rulenet_linear.py: RuleNet with RuleFit's linear terms, as measured in the
RuleNet tuning log (a measurement: the library's RuleNet is unchanged by it)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import rulenet_linear as rl  # noqa: E402
import rulenet_tune as rt  # noqa: E402

from interpretable_nn.models import rulenet as rn  # noqa: E402
from interpretable_nn.models import rulenet_extract as rx  # noqa: E402


def _linear_data(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x": rng.normal(size=n), "noise": rng.normal(size=n),
                      "kind": rng.choice(["a", "b"], size=n)})
    X.loc[rng.random(n) < 0.05, "x"] = np.nan
    logit = 2.0 * X["x"].fillna(0.0).to_numpy() + 0.5 * (X["kind"] == "a")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def fitted():
    X, y = _linear_data()
    m = rl.RulesPlusLinear(random_state=0, verbose=0, device="cpu", max_rules=10, max_epochs=15, refit_c="auto")
    return m.fit(X, y), X, y


def test_a_linear_signal_gets_a_linear_term_within_the_rule_budget(fitted):
    m, X, y = fitted
    assert "x" in [s[0] for s in m.spec_]
    assert m.n_linear_ >= 1 and m.n_rules_ + m.n_linear_ <= 10
    lo, hi = m.spec_[[s[0] for s in m.spec_].index("x")][1:3]
    assert lo == pytest.approx(np.nanquantile(X["x"], 0.025)) and hi == pytest.approx(np.nanquantile(X["x"], 0.975))


def test_its_score_is_the_rule_sets_plus_the_linear_part(fitted):
    m, X, y = fitted
    Z = rl.linear_matrix(X, m.spec_)
    assert np.isfinite(Z).all()  # missing values at the median, extremes winsorized
    np.testing.assert_allclose(m.decision_function(X), m.model_.ruleset_.decision_function(X) + Z @ m.coef_)
    p = m.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    # the linear part carries the signal: without it the score ranks worse
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(y, p[:, 1]) > roc_auc_score(y, m.model_.ruleset_.decision_function(X)) + 0.01


def test_the_hooks_are_undone_after_the_fit(fitted):
    assert rx.stable_select.__module__ == rx.__name__ and rx.refit_points.__module__ == rx.__name__
    assert rx.choose_refit_c.__module__ == rx.__name__ and rn.extract_ruleset is rx.extract_ruleset


def test_the_tuning_log_pairs_linear_with_todays_defaults_and_rulefit():
    rows = []
    for f in range(5):
        for v, auc in [("default", 0.70), ("refit_auto", 0.71), ("linear", 0.73), ("rulefit", 0.72)]:
            rows.append(dict(dataset="a", variant=v, seed=0, fold=f, auc=auc + 0.01 * f + 0.001 * (f % 2) * (v == "linear"),
                             fit_seconds=1.0, n_rules=30, commit="c", n_linear=3 if v == "linear" else 0))
    text = rt.summary(pd.DataFrame(rows))
    head = next(line for line in text.splitlines() if line.startswith("| data set"))
    assert "linear − refit_auto" in head and "linear − rulefit" in head
    cells = next(line for line in text.splitlines() if line.startswith("| a |")).split(" | ")
    cols = [c.strip() for c in head.strip("| ").split(" | ")]
    assert cells[cols.index("linear − refit_auto")].startswith("+0.0204") and "win" in cells[cols.index("linear − refit_auto")]
    assert cells[cols.index("linear − rulefit")].startswith("+0.0104")
    assert "`linear − refit_auto` +0.0204 over 1 data sets" in text

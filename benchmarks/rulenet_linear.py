"""A measurement, not a model of the library: RuleNet with RuleFit's linear terms (issue 16).

imodels' RuleFit selects, from one L1 path, tree rules *and* linear terms: each numeric column
winsorized at its 2.5% and 97.5% training quantiles, missing values at the training median.
Its largest term on lending_club (dev, fold 0) is such a linear term, next to rules on the
same column. RuleNet's rule sets hold rules only (``RuleSet`` has no linear term, and every
export reproduces ``RuleSet``), so this module measures what linear terms *would* add before
the rule-set format, its exports and its explanations are extended to hold them.

:class:`RulesPlusLinear` fits a ``RuleNetClassifier`` at today's defaults with three hooks
into its extraction (``interpretable_nn.models.rulenet_extract``): the linear columns join the
deduplicated rule candidates in the stability selection (one budget of ``max_rules`` terms
for both, as RuleFit counts them), and the refit (its strength chosen as today) fits the
chosen rules and linear columns together. Its ``predict_proba`` adds the linear part to the
rule set's score. Linear columns are standardized (scale 1 per standard deviation of the
winsorized column); RuleFit's 0.4 per standard deviation left every linear column out of
RuleNet's stability selection on wells (dev, 5 folds), where the rules on the same columns
won the half-samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

#: winsorizing quantiles of the linear columns (RuleFit's ``lin_trim_quantile``)
TRIM = 0.025


def linear_spec(df: pd.DataFrame, names: list[str]) -> list[tuple]:
    """Per numeric column with at least 3 distinct values: (name, lo, hi, fill, mean, sd)
    of its winsorized, median-filled training values."""
    spec = []
    for c in names:
        x = pd.to_numeric(df[c], errors="coerce").to_numpy(np.float64)
        ok = x[~np.isnan(x)]
        if len(np.unique(ok)) < 3:
            continue
        lo, hi = np.quantile(ok, [TRIM, 1 - TRIM])
        fill = float(np.median(ok))
        z = np.clip(np.where(np.isnan(x), fill, x), lo, hi)
        if z.std() > 0:
            spec.append((c, float(lo), float(hi), fill, float(z.mean()), float(z.std())))
    return spec


def linear_matrix(df: pd.DataFrame, spec: list[tuple]) -> np.ndarray:
    cols = []
    for c, lo, hi, fill, mu, sd in spec:
        x = pd.to_numeric(df[c], errors="coerce").to_numpy(np.float64)
        cols.append((np.clip(np.where(np.isnan(x), fill, x), lo, hi) - mu) / sd)
    return np.column_stack(cols) if cols else np.zeros((len(df), 0))


class RulesPlusLinear(ClassifierMixin, BaseEstimator):
    """RuleNet (``**params`` over today's defaults) whose selection and refit also see the
    linear columns; ``n_linear_`` of its ``max_rules`` terms are linear."""

    def __init__(self, **params):
        self.params = params

    def get_params(self, deep=True):
        return {"params": self.params}

    def fit(self, X, y):
        from suite_tune import module_flags

        from interpretable_nn.models import make_model
        from interpretable_nn.models import rulenet as rn
        from interpretable_nn.models import rulenet_extract as rx

        self.model_ = make_model("rulenet", **self.params)
        state: dict = {}
        orig_extract, orig_select = rn.extract_ruleset, rx.stable_select
        orig_choose, orig_refit = rx.choose_refit_c, rx.refit_points

        def extract(module, literals, encoder, enc, df, *a, **k):
            state["spec"] = linear_spec(df, list(encoder.numeric_names_))
            state["L"] = linear_matrix(df, state["spec"])
            return orig_extract(module, literals, encoder, enc, df, *a, **k)

        def select(A, y, sw, max_rules, subsamples, seed=0):
            L = state["L"]
            picked = orig_select(np.hstack([L, A]), y, sw, max_rules, subsamples, seed)
            state["lin"] = picked[picked < L.shape[1]]
            return picked[picked >= L.shape[1]] - L.shape[1]

        def joint(A):
            return np.hstack([A, state["L"][:, state["lin"]]])

        def choose(A, y, sw, seed=0):
            return orig_choose(joint(A), y, sw, seed)

        def refit(A, y, sw, C):
            points, intercept = orig_refit(joint(A), y, sw, C)
            state["coef"] = points[A.shape[1]:]
            return points[: A.shape[1]], intercept

        with module_flags(rn, {"extract_ruleset": extract}), \
                module_flags(rx, {"stable_select": select, "choose_refit_c": choose, "refit_points": refit}):
            self.model_.fit(X, y)
        self.classes_ = self.model_.classes_
        self.spec_ = [state["spec"][j] for j in state["lin"]]
        self.coef_ = np.asarray(state["coef"], dtype=np.float64)
        self.n_linear_ = len(self.spec_)
        self.n_rules_ = self.model_.ruleset_.n_rules
        return self

    def decision_function(self, X) -> np.ndarray:
        df = X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        return self.model_.ruleset_.decision_function(df) + linear_matrix(df, self.spec_) @ self.coef_

    def predict_proba(self, X) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

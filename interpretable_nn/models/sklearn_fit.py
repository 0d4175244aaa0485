"""Fitting helpers for the scikit-learn-style wrappers (:mod:`.wrappers`): relative class
weights, and the count of an estimator's fitted numbers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["count_fitted_numbers", "relative_class_weight"]


def relative_class_weight(estimator: Any, y: np.ndarray) -> Any:
    """``estimator`` with a dict ``class_weight`` (keyed by class index) divided by its mean
    over the rows of ``y``, so that class weights are relative, as sample weights are:
    ``{0: 1, 1: 2}`` and ``{0: 10, 1: 20}`` fit one model, the model those weights fit when
    given as ``sample_weight`` (a scikit-learn penalty reads their scale). Strings such as
    ``"balanced"`` are left to scikit-learn, which computes them from the (weighted) class
    counts itself."""
    cw = estimator.get_params().get("class_weight") if hasattr(estimator, "get_params") else None
    if isinstance(cw, Mapping):
        per_row = np.array([float(cw.get(int(k), 1.0)) for k in np.asarray(y)])
        mean = per_row.mean() if len(per_row) else 0.0
        if np.isfinite(mean) and mean > 0:
            estimator.set_params(class_weight={k: float(v) / mean for k, v in cw.items()})
    return estimator


def count_fitted_numbers(est: Any) -> int | None:
    """Fitted numbers of a scikit-learn-style estimator: coefficients, tree nodes (a split or
    a leaf value each), boosted-tree nodes or EBM bin scores; ``None`` when unknown."""
    if hasattr(est, "coef_"):
        return int(np.size(est.coef_) + np.size(getattr(est, "intercept_", 0)))
    if hasattr(est, "tree_"):
        return int(est.tree_.node_count)
    if hasattr(est, "_predictors"):  # HistGradientBoosting
        return int(sum(len(p.nodes) for it in est._predictors for p in it))
    if hasattr(est, "term_scores_"):  # EBM
        return int(sum(np.size(s) for s in est.term_scores_) + np.size(est.intercept_))
    if hasattr(est, "get_booster"):  # xgboost
        return len(est.get_booster().trees_to_dataframe())
    return None

"""Fitting helpers for the scikit-learn-style wrappers (:mod:`.wrappers`): class weights
folded into relative row weights, and the count of an estimator's fitted numbers."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data.validation import check_sample_weight

__all__ = ["count_fitted_numbers", "fold_class_weight"]


def fold_class_weight(estimator: Any, y: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray | None:
    """The row weights to fit ``estimator`` with: its ``class_weight`` (keyed by class index,
    or "balanced") folded into ``sample_weight`` and divided by their mean positive weight, the
    estimator's own ``class_weight`` then set to None. Class weights are then relative, as
    sample weights are: ``{0: 1, 1: 2}`` and ``{0: 10, 1: 20}`` fit one model, the model those
    weights fit when given as ``sample_weight`` (a scikit-learn penalty reads their scale)."""
    cw = estimator.get_params().get("class_weight") if hasattr(estimator, "get_params") else None
    if cw is None:
        return sample_weight
    from sklearn.utils.class_weight import compute_sample_weight

    by_class = compute_sample_weight(cw, y)
    estimator.set_params(class_weight=None)
    return check_sample_weight(by_class if sample_weight is None else sample_weight * by_class, len(y))


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

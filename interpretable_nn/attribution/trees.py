"""Tree models' own attributions on the encoder's design matrix, summed back onto the raw
features: the path decomposition of one decision tree (Saabas) and path-dependent TreeSHAP
of boosted ensembles (scikit-learn's histogram boosting through ``shap``, XGBoost through
its own ``pred_contribs``).

Each function returns ``(values (n, n_features), base_values (n,), method name)``, values
adding up to the tree score. The wrappers of :mod:`interpretable_nn.models.wrappers` call
them from ``explain``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..data.encoding import TabularEncoder
from .linear import onto_features

__all__ = ["tree_path_values", "treeshap_values", "xgboost_treeshap_values"]


def tree_path_values(est: Any, Z: np.ndarray, encoder: TabularEncoder, classifier: bool):
    """A decision tree's own decomposition of its score along the decision path (Saabas):
    each split adds ``score(child) - score(parent)`` to its feature, with ``score`` the node's
    log-odds (classifiers, probabilities clipped as in ``decision_function``) or mean."""
    tree = est.tree_
    if classifier:
        v = tree.value[:, 0, :]
        p1 = v[:, 1] / v.sum(axis=1)
        score = np.log(np.clip(p1, 1e-15, 1 - 1e-15)) - np.log(np.clip(1 - p1, 1e-15, 1 - 1e-15))
    else:
        score = tree.value[:, 0, 0].astype(np.float64)
    internal = np.flatnonzero(tree.children_left >= 0)
    parent = np.full(tree.node_count, -1)
    parent[tree.children_left[internal]] = internal
    parent[tree.children_right[internal]] = internal
    child = np.flatnonzero(parent >= 0)
    group = encoder.dense_feature_index()
    W = np.zeros((tree.node_count, len(encoder.schema_.names)))
    W[child, group[tree.feature[parent[child]]]] = score[child] - score[parent[child]]
    values = np.asarray(est.decision_path(Z) @ W) if len(Z) else np.zeros((0, W.shape[1]))
    return values, np.full(len(Z), score[0]), "tree-path"


def treeshap_values(est: Any, Z: np.ndarray, encoder: TabularEncoder):
    """Path-dependent TreeSHAP (``shap.TreeExplainer``) of a boosted ensemble's raw margin
    (log-odds for binary classifiers), summed over each feature's columns. Exact Shapley
    values of the tree ensemble's conditional-expectation game (Lundberg et al., 2020)."""
    import shap

    ex = shap.TreeExplainer(est, feature_perturbation="tree_path_dependent", model_output="raw")
    sv = np.asarray(ex.shap_values(Z, check_additivity=False), dtype=np.float64)
    if sv.ndim != 2:
        raise ValueError(f"TreeSHAP returned values of shape {sv.shape}; explain() covers one output.")
    base = float(np.ravel(ex.expected_value)[0])
    return onto_features(encoder, sv), np.full(len(Z), base), "treeshap-path-dependent"


def xgboost_treeshap_values(booster: Any, Z: np.ndarray, encoder: TabularEncoder):
    """XGBoost's own path-dependent TreeSHAP (``pred_contribs``) of a binary booster's
    log-odds, summed over each feature's columns (XGBoost computes in float32)."""
    import xgboost as xgb

    if len(Z):
        contribs = np.asarray(booster.predict(xgb.DMatrix(Z), pred_contribs=True), dtype=np.float64)
    else:
        contribs = np.zeros((0, len(encoder.dense_feature_index()) + 1))
    return onto_features(encoder, contribs[:, :-1]), contribs[:, -1], "xgboost-treeshap"

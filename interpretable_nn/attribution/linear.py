"""Exact attributions of a linear score on the encoder's design matrix, summed back onto the
raw features.

A linear score ``b0 + coef @ z`` over design columns ``z`` (standardized numerics, missing
indicators, one-hot categories) has exact interventional SHAP values
``coef * (z - mean_b z)`` against reference rows ``b`` (by default up to 500 training rows,
:func:`background_rows`); a raw feature's value is the sum over its columns
(:func:`onto_features`, through the encoder's column map). The scikit-learn
wrappers of :mod:`interpretable_nn.models.wrappers` call these functions from ``explain``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..data.encoding import TabularEncoder

__all__ = ["onto_features", "linear_shap", "background_rows", "N_BACKGROUND"]

#: training rows a model keeps as the default reference of its exact SHAP values (exact SHAP
#: of linear and additive models is defined against reference rows)
N_BACKGROUND = 500


def background_rows(df: pd.DataFrame, n: int = N_BACKGROUND) -> pd.DataFrame:
    """Up to ``n`` rows of ``df`` drawn without replacement (seed 0), in their order."""
    if len(df) <= n:
        return df.reset_index(drop=True)
    idx = np.sort(np.random.default_rng(0).choice(len(df), n, replace=False))
    return df.iloc[idx].reset_index(drop=True)


def onto_features(encoder: TabularEncoder, contrib: np.ndarray) -> np.ndarray:
    """Per-column contributions (n, n_dense) summed onto the raw features (n, n_features),
    through ``encoder.dense_feature_index()`` (the column -> feature map)."""
    values = np.zeros((contrib.shape[0], len(encoder.schema_.names)))
    np.add.at(values.T, encoder.dense_feature_index(), contrib.T)
    return values


def linear_shap(est: Any, Z: np.ndarray, Zb: np.ndarray, encoder: TabularEncoder):
    """Exact interventional SHAP of a linear score on the design matrix:
    ``coef * (z - mean_b z)`` summed over each feature's columns; base ``b0 + coef @ mean_b z``.

    Parameters
    ----------
    est : fitted linear estimator with ``coef_`` (one output) and optionally ``intercept_``
    Z : ndarray (n, n_dense)
        Design rows to explain.
    Zb : ndarray (m, n_dense)
        Design rows of the reference (background) rows.
    encoder : TabularEncoder
        The fitted encoder whose column map sums columns onto features.

    Returns
    -------
    (values (n, n_features), base_values (n,), method name ``"linear-coefficients"``)
    """
    coef = np.asarray(est.coef_, dtype=np.float64).reshape(-1)
    mean = Zb.mean(axis=0)
    base = float(np.ravel(getattr(est, "intercept_", 0.0))[0]) + float(coef @ mean)
    return onto_features(encoder, (Z - mean) * coef), np.full(len(Z), base), "linear-coefficients"

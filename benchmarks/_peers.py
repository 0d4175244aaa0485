"""Shared by the benchmark scripts: the peers' preprocessing, as in ``shared/anchors/peers.py``
(median-imputed, standardized numerics; most-frequent-imputed, one-hot categoricals), so every
benchmark feeds logistic regression, XGBoost and scikit-learn's MLP the same way."""

from __future__ import annotations

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler


def peer_preprocessor(X: pd.DataFrame) -> ColumnTransformer:
    """The column transformer every peer of the benchmarks is fitted behind. Its output is
    always dense: FIGS refuses sparse input, which a many-level one-hot would otherwise give."""
    cat = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c].dtype)]
    num = [c for c in X.columns if c not in cat]
    return ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cat),
    ], sparse_threshold=0.0)

"""Shared fixtures. Tests run on CPU; under pytest-xdist each worker uses one torch thread
so two workers do not oversubscribe a 2-core machine."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

if os.environ.get("PYTEST_XDIST_WORKER"):
    import torch

    torch.set_num_threads(1)

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def credit():
    from interpretable_nn.datasets import load_dataset

    return load_dataset("credit_data")


@pytest.fixture(scope="session")
def small_credit(credit):
    """600 rows of credit_data (categoricals and NaN included) with a held-out part."""
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(credit.y))[:800]
    X = credit.X.iloc[idx].reset_index(drop=True)
    y = credit.y[idx]
    return X.iloc[:600], y[:600], X.iloc[600:].reset_index(drop=True), y[600:]


@pytest.fixture
def toy_frame():
    """A small mixed frame: numeric with NaN, a categorical with NaN, a binary flag."""
    rng = np.random.default_rng(1)
    n = 120
    X = pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "home": rng.choice(["rent", "own", "other"], n).astype(object),
            "flag": rng.integers(0, 2, n),
        }
    )
    X.loc[::7, "income"] = np.nan
    X.loc[::11, "home"] = np.nan
    y = ((X["income"].fillna(50) > 50) ^ (X["home"] == "own")).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="session")
def dated_rulenet():
    """A RuleNet fitted on a date ('opened', whole days), a number and a duration ('wait'):
    (model, X). Shared by the date tests of the rule sets and of the reason words."""
    import interpretable_nn as inn

    rng = np.random.default_rng(0)
    n = 400
    d = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    X = pd.DataFrame({"opened": d, "x": rng.normal(size=n), "wait": pd.to_timedelta(rng.integers(0, 60, n), unit="D")})
    y = ((d - d.min()).days.to_numpy() / 900 + rng.normal(0, .3, n) > .5).astype(int)
    return inn.RuleNetClassifier(random_state=0, verbose=0, max_epochs=15).fit(X, y), X

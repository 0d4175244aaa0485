"""The NAM's sparse read of fixed training rows (``fit.FIXED_ROWS``) is a speed-up, not a
different model: the same data and seed give the gather path's model up to float rounding,
and mini-batches (a step sees a small share of the rows) keep the gather path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from interpretable_nn import NAMClassifier, NAMRegressor
from interpretable_nn.models.nam import fit as nam_fit
from interpretable_nn.nn.feature_nets import MainEffectNet, PairGridNet


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "income": rng.lognormal(10, 1, n),
        "age": rng.integers(18, 80, n).astype(float),
        "grade": rng.choice(list("ABCDE"), n),
        "region": rng.choice(["north", "south", "east"], n),
    })
    X.loc[rng.random(n) < 0.1, "income"] = np.nan
    logit = 0.8 * np.log(X["income"].fillna(20000)) - 8 + 0.03 * (X["age"] - 50) + (X["grade"] == "A") \
        + 0.5 * (X["grade"] == "E") * (X["age"] > 50)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def _spy(monkeypatch):
    """Count the modules whose rows were fixed."""
    seen = []
    for cls in (MainEffectNet, PairGridNet):
        orig = cls.fix_rows

        def fix(self, *a, _orig=orig):
            seen.append(type(self).__name__)
            return _orig(self, *a)

        monkeypatch.setattr(cls, "fix_rows", fix)
    return seen


@pytest.mark.parametrize("est", [NAMClassifier, NAMRegressor])
def test_fixed_rows_fit_the_gather_paths_model(monkeypatch, est):
    X, y = _data()
    target = y if est is NAMClassifier else y + np.log1p(X["age"].to_numpy())
    kw = dict(n_bags=3, interactions=2, max_epochs=40, random_state=0, verbose=0, device="cpu")
    seen = _spy(monkeypatch)
    fast = est(**kw).fit(X, target)
    n_fixed = len(seen)
    assert set(seen) == {"MainEffectNet", "PairGridNet"}  # every stage read its rows sparsely
    monkeypatch.setattr(nam_fit, "FIXED_ROWS", False)
    slow = est(**kw).fit(X, target)
    assert len(seen) == n_fixed  # switched off: no design built
    a, b = fast.decision_function(X), slow.decision_function(X)
    # float32 training, summed in another order: the same model to rounding (a bag that
    # stopped one epoch apart would move the scores by far more than this)
    np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3 * float(np.abs(b).max()))
    assert fast.history_["stage"].value_counts().to_dict() == slow.history_["stage"].value_counts().to_dict()


def test_small_batches_keep_the_gather_path(monkeypatch):
    X, y = _data(300)
    seen = _spy(monkeypatch)
    NAMClassifier(n_bags=2, interactions=1, max_epochs=3, batch_size=32, random_state=0, verbose=0,
                  device="cpu").fit(X, y)
    assert seen == []
    NAMClassifier(n_bags=2, interactions=1, max_epochs=3, batch_size=100, random_state=0, verbose=0,
                  device="cpu").fit(X, y)
    assert set(seen) == {"MainEffectNet", "PairGridNet"}  # a third of the rows per step: sparse read

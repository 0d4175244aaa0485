"""The engine's side-by-side ensembles: (n, m) outputs, (n, m) sample weights and
out-of-bag validation weights (used by the NAM's bags)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from interpretable_nn.training.engine import TrainConfig, train


class Members(nn.Module):
    """m independent logistic regressions on one input; output (n, m)."""

    def __init__(self, d: int, m: int):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(d, m))
        self.b = nn.Parameter(torch.zeros(m))

    def forward(self, x):
        return x @ self.w + self.b


def _data(n=400, d=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = (torch.rand(n, generator=g) < torch.sigmoid(x @ torch.tensor([1.5, -1.0, 0.5]))).long()
    return x, y


def _cfg(**kw):
    return TrainConfig(**{"max_epochs": 60, "batch_size": None, "lr": 0.1, "verbose": 0, "device": "cpu", "num_threads": 1, **kw})


def test_members_with_identical_weights_learn_the_same_model():
    x, y = _data()
    torch.manual_seed(0)
    mod = Members(3, 2)
    train(mod, (x,), y, "binary", _cfg(validation_fraction=0.0), sample_weight=torch.ones(400, 2))
    torch.testing.assert_close(mod.w[:, 0], mod.w[:, 1])


def test_a_member_ignores_rows_with_zero_weight():
    x, y = _data()
    w = torch.ones(400, 2)
    w[200:, 1] = 0.0  # member 1 sees the first half only
    torch.manual_seed(0)
    both = Members(3, 2)
    train(both, (x,), y, "binary", _cfg(validation_fraction=0.0), sample_weight=w)
    torch.manual_seed(0)
    half = Members(3, 1)
    train(half, (x[:200],), y[:200], "binary", _cfg(validation_fraction=0.0))
    torch.testing.assert_close(both.w[:, 1], half.w[:, 0], atol=1e-5, rtol=1e-4)
    assert not torch.allclose(both.w[:, 0], both.w[:, 1])


def test_out_of_bag_validation_drives_early_stopping():
    x, y = _data()
    fit = torch.ones(400, 2)
    fit[:60, 0] = 0
    fit[60:120, 1] = 0
    val = 1 - fit
    res = train(Members(3, 2), (x,), y, "binary", _cfg(patience=3), sample_weight=fit, validation_weight=val)
    assert "val_loss" in res.history and res.best_val_loss is not None
    # the validation loss is the mean of the members' losses on their own held-out rows
    assert np.isfinite(res.history["val_loss"]).all()
    # ... and each member's loss at the best epoch is reported (a paired comparison needs it)
    assert len(res.best_val_by_member) == 2
    assert np.mean(res.best_val_by_member) == pytest.approx(res.best_val_loss)
    assert res.best_val_loss == pytest.approx(res.history["val_loss"].iloc[res.best_epoch])
    with pytest.raises(ValueError, match="validation_weight"):
        train(Members(3, 2), (x,), y, "binary", _cfg(), sample_weight=fit, validation_weight=val[:10])


def test_regression_members_and_multiclass_refusal():
    x, _ = _data()
    yr = x @ torch.tensor([1.0, 2.0, -1.0])
    mod = Members(3, 3)
    res = train(mod, (x,), yr, "regression", _cfg(validation_fraction=0.0, max_epochs=200), sample_weight=torch.ones(400, 3))
    assert res.history["train_loss"].iloc[-1] < 0.05
    with pytest.raises(ValueError, match="binary or regression"):
        train(Members(3, 2), (x,), torch.arange(400) % 3, "multiclass", _cfg(), sample_weight=torch.ones(400, 2))


def test_num_threads_applies_during_training_and_is_restored():
    x, y = _data(n=50)
    seen = []

    class Probe(Members):
        def on_epoch_end(self, epoch):
            seen.append(torch.get_num_threads())

    before = torch.get_num_threads()
    train(Probe(3, 1), (x,), y, "binary", _cfg(max_epochs=2, validation_fraction=0.0, num_threads=1))
    assert seen == [1, 1] and torch.get_num_threads() == before
    with pytest.raises(ValueError, match="num_threads"):
        train(Members(3, 1), (x,), y, "binary", _cfg(num_threads=0))

"""The engine's ``member_stopping``: side-by-side members validated on their own rows each
keep the epoch of their own lowest validation loss, and the loss each reports is the loss of
the model it returns (the NAM's bags, as EBM's outer bags stop)."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from interpretable_nn.nn.feature_nets import MainEffectNet, PairGridNet
from interpretable_nn.training.engine import TrainConfig, train


class Members(nn.Module):
    """m independent logistic regressions; remembers members for member_stopping."""

    def __init__(self, d: int, m: int):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(d, m))
        self.b = nn.Parameter(torch.zeros(m))
        self._kept = None

    def forward(self, x):
        return x @ self.w + self.b

    def keep_members(self, mask):
        w, b = self.w.detach().clone(), self.b.detach().clone()
        if self._kept is None:
            self._kept = [w, b]
        else:
            self._kept[0][:, mask], self._kept[1][mask] = w[:, mask], b[mask]

    def restore_members(self):
        with torch.no_grad():
            self.w.copy_(self._kept[0])
            self.b.copy_(self._kept[1])


def _cfg(**kw):
    return TrainConfig(**{"max_epochs": 80, "batch_size": 64, "lr": 0.05, "verbose": 0, "device": "cpu",
                          "num_threads": 1, "patience": 10, **kw})


def _flipped_data(n=400, seed=0):
    """Rows 0..n-1 follow a signal; rows n..2n-1 are the same rows with their labels flipped.
    Member 0 trains on real rows and validates on flipped ones (its loss rises as it learns:
    its best epoch is the first); member 1 trains and validates on real rows."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = (torch.rand(n, generator=g) < torch.sigmoid(x @ torch.tensor([2.0, -1.5, 1.0]))).long()
    X, Y = torch.cat([x, x]), torch.cat([y, 1 - y])
    fit, val = torch.zeros(2 * n, 2), torch.zeros(2 * n, 2)
    fit[: 3 * n // 4, :] = 1.0
    val[n + 3 * n // 4 :, 0] = 1.0
    val[3 * n // 4 : n, 1] = 1.0
    return X, Y, fit, val


def _val_losses(logits, y, val):
    loss = F.binary_cross_entropy_with_logits(logits, y[:, None].float().expand_as(logits), reduction="none")
    return (loss * val).sum(0) / val.sum(0)


def _fit(member_stopping: bool):
    X, Y, fit, val = _flipped_data()
    torch.manual_seed(0)
    mod = Members(3, 2)
    res = train(mod, (X,), Y, "binary", _cfg(member_stopping=member_stopping), sample_weight=fit,
                validation_weight=val, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        losses = _val_losses(mod(X), Y, val)
    return mod, res, losses


def test_each_member_returns_the_model_of_its_own_best_epoch():
    mod, res, losses = _fit(True)
    # the loss a member reports is the loss of the model it returns
    torch.testing.assert_close(losses.double(), torch.tensor(res.best_val_by_member, dtype=torch.float64),
                               atol=1e-5, rtol=0)
    assert res.best_val_loss == pytest.approx(sum(res.best_val_by_member) / 2)
    # member 0 stopped at its first epoch (its validation labels are flipped): it learnt far
    # less of the signal than member 1, which kept learning
    assert mod.w[:, 0].norm() < 0.5 * mod.w[:, 1].norm()


def _overfit_data(n=600, d=20, seed=0):
    """Member 0 trains on 30 rows of 20 columns (3 with signal): it overfits within a few
    epochs; member 1 trains on 400 rows and improves for much longer. Both validate on their
    own real rows."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    beta = torch.zeros(d)
    beta[:3] = torch.tensor([2.0, -1.6, 1.2])
    y = (torch.rand(n, generator=g) < torch.sigmoid(x @ beta)).long()
    fit, val = torch.zeros(n, 2), torch.zeros(n, 2)
    fit[:30, 0], fit[:400, 1] = 1.0, 1.0
    val[400:, :] = 1.0
    return x, y, fit, val


def test_no_member_is_worse_than_at_the_common_epoch():
    x, y, fit, val = _overfit_data()
    out = {}
    for flag in (False, True):
        torch.manual_seed(0)
        mod = Members(x.shape[1], 2)
        res = train(mod, (x,), y, "binary", _cfg(member_stopping=flag, lr=0.05, batch_size=None, patience=15),
                    sample_weight=fit, validation_weight=val, generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            out[flag] = (res, _val_losses(mod(x), y, val))
    (joint, joint_losses), (own, own_losses) = out[False], out[True]
    # the common epoch is one of the epochs each member could keep
    assert torch.all(own_losses <= joint_losses + 1e-6)
    assert own_losses[0] < joint_losses[0] - 1e-3  # the overfitting member gains from stopping alone
    assert own.n_epochs >= joint.n_epochs


def test_a_module_without_member_hooks_is_refused_before_training():
    X, Y, fit, val = _flipped_data()
    plain = nn.Linear(3, 2)
    with pytest.raises(TypeError, match="keep_members"):
        train(plain, (X,), Y, "binary", _cfg(member_stopping=True), sample_weight=fit, validation_weight=val)


def _knot_inputs(n=600, k=8, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, generator=g) * (k - 1)
    lo = x.floor().clamp(max=k - 2).long()
    w = (x - lo).float()
    y = (torch.rand(n, generator=g) < torch.sigmoid(torch.sin(x))).long()
    return lo[:, None], w[:, None], y


@pytest.mark.parametrize("module", ["mains", "pairs"])
def test_nam_modules_return_each_bags_best(module):
    k, n = 8, 600
    lo, w, y = _knot_inputs(n, k)
    g = torch.Generator().manual_seed(2)
    fit = (torch.rand(n, 3, generator=g) > 0.3).float()
    val = 1.0 - fit
    if module == "mains":
        mod = MainEffectNet(torch.arange(k, dtype=torch.float32)[None, :], torch.zeros(1), 0, n_bags=3,
                            hidden_sizes=(8,))
        inputs = (lo, w)
    else:  # one 2 x k grid, every row on its first row of cells, over fixed zero mains
        mod = PairGridNet(2 * k, torch.tensor([k]), torch.zeros(2, 0, dtype=torch.long), n_bags=3, smoothness=0.0)
        inputs = (torch.zeros(n, 3), lo, torch.zeros(n, 1), w[:, :1])
    torch.manual_seed(0)
    res = train(mod, inputs, y, "binary", _cfg(member_stopping=True, lr=0.05), sample_weight=fit,
                validation_weight=val, generator=torch.Generator().manual_seed(0))
    mod.eval()
    with torch.no_grad():
        losses = _val_losses(mod(*inputs), y, val)
    torch.testing.assert_close(losses.double(), torch.tensor(res.best_val_by_member, dtype=torch.float64),
                               atol=1e-5, rtol=0)

"""The engine's ``stop_se``: side-by-side members stop together at the earliest epoch whose
members' validation losses are within k paired standard errors of the best epoch's (the
one-standard-error rule), and what the engine returns is the model of that epoch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import interpretable_nn.training.engine as engine
from interpretable_nn.training.engine import TrainConfig, round_within_se, train


class Members(nn.Module):
    """m logistic regressions side by side; remembers its parameters after every epoch."""

    def __init__(self, d: int, m: int):
        super().__init__()
        self.w = nn.Parameter(torch.zeros(d, m))
        self.b = nn.Parameter(torch.zeros(m))
        self.path: list[tuple[torch.Tensor, torch.Tensor]] = []

    def forward(self, x):
        return x @ self.w + self.b

    def on_epoch_end(self, epoch):
        self.path.append((self.w.detach().clone(), self.b.detach().clone()))


def _data(n=300, d=30, m=4, seed=0):
    """Weak signal in 2 of ``d`` columns and few rows: the members overfit after a few epochs,
    each on its own rows (every member validates on its own fifth)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, d, generator=g)
    y = (torch.rand(n, generator=g) < torch.sigmoid(0.8 * x[:, 0] - 0.6 * x[:, 1])).long()
    fold = torch.randperm(n, generator=g) % 5
    val = torch.stack([(fold == k).float() for k in range(m)], 1)
    return x, y, 1.0 - val, val


def _val_losses(mod, x, y, val):
    with torch.no_grad():
        out = mod(x)
    loss = F.binary_cross_entropy_with_logits(out, y[:, None].float().expand_as(out), reduction="none")
    return ((loss * val).sum(0) / val.sum(0)).double().numpy()


def _fit(**kw):
    x, y, fit, val = _data()
    mod = Members(x.shape[1], fit.shape[1])
    cfg = TrainConfig(max_epochs=60, batch_size=None, lr=0.005, weight_decay=0.0, verbose=0, device="cpu",
                      num_threads=1, patience=60, min_delta=0.0, **kw)
    res = train(mod, (x,), y, "binary", cfg, sample_weight=fit, validation_weight=val,
                generator=torch.Generator().manual_seed(0))
    return mod, res, (x, y, val)


def _path_losses(mod, data) -> list[list[float]]:
    x, y, val = data
    out = []
    for w, b in mod.path:
        probe = Members(x.shape[1], val.shape[1])
        with torch.no_grad():
            probe.w.copy_(w)
            probe.b.copy_(b)
        out.append(_val_losses(probe, x, y, val).tolist())
    return out


def test_without_stop_se_the_best_epoch_is_kept():
    mod, res, data = _fit()
    by_epoch = np.asarray(_path_losses(mod, data))
    assert res.best_epoch == int(np.argmin(by_epoch.mean(1))) and "stop_se_epoch" not in res.extra
    assert res.best_epoch > 3  # the members do overfit: there is an earlier epoch to go back to


@pytest.mark.parametrize("se", [0.5, 1.0, 2.0])
def test_stop_se_returns_the_model_of_the_epoch_the_rule_picks(se):
    ref_mod, ref, _ = _fit()
    mod, res, data = _fit(stop_se=se)
    by_epoch = _path_losses(mod, data)
    best = ref.best_epoch
    # the rule, recomputed from the path: the earliest epoch within se paired SE of the best
    expect = best
    for r in range(best):
        d = np.asarray(by_epoch[r]) - np.asarray(by_epoch[best])
        if d.mean() <= se * d.std(ddof=1) / np.sqrt(len(d)):
            expect = r
            break
    assert res.best_epoch == expect == round_within_se(by_epoch, best, se)
    assert expect < best  # this data's members disagree enough for each of these k to move back
    w, b = mod.path[expect]
    torch.testing.assert_close(mod.w.detach(), w)
    torch.testing.assert_close(mod.b.detach(), b)
    # the losses the result reports are those of the model it returns
    np.testing.assert_allclose(res.best_val_by_member, _val_losses(mod, *data), rtol=1e-6)
    assert res.best_val_loss == pytest.approx(float(np.mean(res.best_val_by_member)))
    assert res.extra["stop_se_epoch"] == expect
    # the training itself is unchanged: the same epochs, the same losses
    np.testing.assert_allclose(res.history.val_loss, ref.history.val_loss)


def test_a_wider_margin_never_stops_later():
    picks = [_fit(stop_se=se)[1].best_epoch for se in (0.0, 0.5, 1.0, 2.0, 4.0)]
    assert picks == sorted(picks, reverse=True)


def test_a_long_fit_remembers_few_epochs_and_restores_one_it_remembers(monkeypatch):
    full, best = _fit(stop_se=1.0)[1].best_epoch, _fit()[1].best_epoch
    monkeypatch.setattr(engine, "STOP_SE_KEEP", 4)
    mod, res, data = _fit(stop_se=1.0)
    # 60 epochs in at most 4 memories: the stride doubles to 16, the epochs left are 0, 16, 32, 48;
    # the epoch kept is one of them or the best (whose weights the engine always keeps), and no
    # earlier than the pick from every epoch
    assert res.best_epoch in {0, 16, 32, 48, best} and full <= res.best_epoch <= best
    w, b = mod.path[res.best_epoch]
    torch.testing.assert_close(mod.w.detach(), w)
    np.testing.assert_allclose(res.best_val_by_member, _val_losses(mod, *data), rtol=1e-6)


def test_member_stopping_ignores_stop_se():
    class Kept(Members):
        def keep_members(self, mask):
            if not hasattr(self, "_kept"):
                self._kept = [self.w.detach().clone(), self.b.detach().clone()]
            self._kept[0][:, mask], self._kept[1][mask] = self.w.detach()[:, mask], self.b.detach()[mask]

        def restore_members(self):
            with torch.no_grad():
                self.w.copy_(self._kept[0])
                self.b.copy_(self._kept[1])

    x, y, fit, val = _data()
    out = []
    for se in (None, 1.0):
        mod = Kept(x.shape[1], fit.shape[1])
        cfg = TrainConfig(max_epochs=40, batch_size=None, lr=0.1, verbose=0, device="cpu", num_threads=1,
                          patience=40, member_stopping=True, stop_se=se)
        res = train(mod, (x,), y, "binary", cfg, sample_weight=fit, validation_weight=val,
                    generator=torch.Generator().manual_seed(0))
        out.append((mod.w.detach().clone(), res.best_val_by_member))
    torch.testing.assert_close(out[0][0], out[1][0])
    assert out[0][1] == out[1][1]


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "1", True])
def test_a_bad_stop_se_is_refused_before_training(bad):
    x, y, fit, val = _data()
    cfg = TrainConfig(max_epochs=2, verbose=0, device="cpu", stop_se=bad)
    with pytest.raises(ValueError, match="stop_se must be None or a finite number"):
        train(Members(x.shape[1], fit.shape[1]), (x,), y, "binary", cfg, sample_weight=fit, validation_weight=val)

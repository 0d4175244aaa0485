import numpy as np
import pytest
import torch
from torch import nn

from interpretable_nn.training import TrainConfig, predict_batched, resolve_device, train


def _data(n=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = ((x[:, 0] - x[:, 1] + 0.3 * torch.randn(n, generator=g)) > 0).long()
    return x, y


def _net():
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1), nn.Flatten(0))


def _fit(seed=0, **kw):
    torch.manual_seed(seed)
    m = _net()
    x, y = _data()
    cfg = TrainConfig(max_epochs=15, verbose=0, random_state=seed, **kw)
    res = train(m, (x,), y, "binary", cfg)
    return m, res


def test_same_seed_same_weights_bit_for_bit():
    a, _ = _fit(0)
    b, _ = _fit(0)
    for pa, pb in zip(a.state_dict().values(), b.state_dict().values()):
        assert torch.equal(pa, pb)
    c, _ = _fit(1)
    assert not all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), c.state_dict().values()))


def test_history_and_learning():
    m, res = _fit(0, max_epochs=30) if False else _fit(0)
    h = res.history
    assert list(h.columns[:3]) == ["epoch", "train_loss", "lr"]
    assert "val_loss" in h and len(h) == res.n_epochs
    assert h["train_loss"].iloc[-1] < h["train_loss"].iloc[0]
    assert res.device == resolve_device("auto").type  # "cuda" on a GPU machine


def test_early_stopping_restores_best_weights():
    torch.manual_seed(0)
    m = _net()
    x, y = _data(200)
    y = y[torch.randperm(200)]  # labels unrelated to x: validation loss rises quickly
    cfg = TrainConfig(max_epochs=300, patience=5, lr=1e-2, verbose=0, batch_size=32)
    res = train(m, (x,), y, "binary", cfg)
    assert res.stopped_early and res.n_epochs < 300
    # the restored weights give the best validation loss recorded
    assert res.best_val_loss == pytest.approx(res.history["val_loss"].min())
    assert res.best_epoch == int(res.history["val_loss"].idxmin())


def test_full_batch_regression_and_multiclass():
    x, _ = _data()
    yr = x[:, 0] * 2.0
    m = nn.Sequential(nn.Linear(4, 1), nn.Flatten(0))
    res = train(m, (x,), yr, "regression", TrainConfig(max_epochs=200, batch_size=None, lr=0.05, verbose=0, validation_fraction=0))
    assert res.history["train_loss"].iloc[-1] < 0.05
    ym = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    mc = nn.Sequential(nn.Linear(4, 3))
    res = train(mc, (x,), ym, "multiclass", TrainConfig(max_epochs=20, verbose=0))
    assert predict_batched(mc, (x,)).shape == (300, 3)


def test_class_weights_shift_predictions():
    x, y = _data(400)
    keep = (y == 0) | (torch.arange(400) % 4 == 0)  # make positives rare
    x, y = x[keep], y[keep]
    outs = {}
    for cw in (None, "balanced"):
        torch.manual_seed(0)
        m = _net()
        train(m, (x,), y, "binary", TrainConfig(max_epochs=20, verbose=0, class_weight=cw))
        outs[cw] = torch.sigmoid(predict_batched(m, (x,))).mean().item()
    assert outs["balanced"] > outs[None]


def test_regularization_hook_and_epoch_hook_are_called():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(4, 1)
            self.epochs = []

        def forward(self, x):
            return self.lin(x).reshape(-1)

        def regularization(self, out, batch):
            return 10.0 * self.lin.weight.abs().sum()

        def on_epoch_end(self, epoch):
            self.epochs.append(epoch)

    x, y = _data()
    m = M()
    train(m, (x,), y, "binary", TrainConfig(max_epochs=40, verbose=0, validation_fraction=0, lr=0.05))
    assert m.epochs == list(range(40))
    assert m.lin.weight.abs().sum().item() < 0.05  # the penalty drove the weights to ~0


def test_bad_settings():
    m, (x,), y = _net(), _data()[:1], _data()[1]
    with pytest.raises(ValueError, match="task"):
        train(m, (x,), y, "ranking", TrainConfig(verbose=0))
    with pytest.raises(ValueError, match="schedule"):
        train(m, (x,), y, "binary", TrainConfig(verbose=0, schedule="zigzag"))
    with pytest.raises(ValueError, match="class_weight"):
        train(m, (x,), y, "binary", TrainConfig(verbose=0, class_weight=[1, 2]))


def test_resolve_device():
    assert resolve_device("auto").type in ("cpu", "cuda")
    assert resolve_device("cpu").type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_non_finite_loss_is_reported():
    x, y = _data()
    x = x.clone()
    x[0, 0] = float("nan")
    with pytest.raises(FloatingPointError, match="loss became nan"):
        train(_net(), (x,), y, "binary", TrainConfig(max_epochs=2, verbose=0, batch_size=None))


def test_predict_batched_chunks_agree():
    m = _net().eval()
    x, _ = _data(1000)
    a = predict_batched(m, (x,), chunk=37)
    b = predict_batched(m, (x,), chunk=100000)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)
    assert predict_batched(m, (x[:0],)).shape[0] == 0

"""Device choice, precision and the engine's hot loop, everything that can be checked
without a GPU: ``resolve_device``, the error for ``device="cuda"`` on a CPU-only machine,
autocast dtypes on the CPU, the deterministic mode, host batches and the absence of
per-step device syncs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import interpretable_nn as inn
from interpretable_nn.training import TrainConfig, train
from interpretable_nn.training.devices import (
    amp_enabled,
    autocast,
    deterministic_flags,
    deterministic_requested,
    deterministic_training,
    resolve_device,
    to_device,
)
from interpretable_nn.training.engine import data_fits_on_device

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only behaviour")


def _data(n=400, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=g)
    y = ((x[:, 0] - x[:, 1] + 0.3 * torch.randn(n, generator=g)) > 0).long()
    return x, y


def _fit(**kw):
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 1), nn.Flatten(0))
    x, y = _data()
    res = train(net, (x,), y, "binary", TrainConfig(**{"max_epochs": 6, "batch_size": 32, "verbose": 0, **kw}))
    return net, res


def _same_weights(a: nn.Module, b: nn.Module) -> bool:
    return all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values()))


# ---------------------------------------------------------------------- device choice
@no_cuda
def test_auto_resolves_to_the_cpu_without_cuda():
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


@no_cuda
@pytest.mark.parametrize("name", ["cuda", "cuda:0", "cuda:1"])
def test_cuda_without_cuda_is_a_clear_value_error_naming_the_fix(name):
    with pytest.raises(ValueError, match="CUDA is not available") as err:
        resolve_device(name)
    msg = str(err.value)
    assert repr(name) in msg and "device='cpu'" in msg and "device='auto'" in msg
    assert torch.__version__ in msg


@no_cuda
def test_an_estimator_with_device_cuda_fails_with_the_same_clear_error():
    X, y = _data(200)
    frame = {f"x{j}": X[:, j].numpy() for j in range(4)}
    import pandas as pd

    with pytest.raises(ValueError, match="CUDA is not available.*device='cpu'"):
        inn.MLPClassifier(device="cuda", max_epochs=1, verbose=0).fit(pd.DataFrame(frame), y.numpy())


def test_unknown_device_names_and_types_are_rejected():
    with pytest.raises(ValueError, match="not a device name"):
        resolve_device("gpu")
    with pytest.raises(TypeError, match="device must be a string"):
        resolve_device(3)
    for name in ("mps", "xpu", "meta", torch.device("meta")):  # torch knows them; they crashed deep in the fit
        with pytest.raises(ValueError, match="train on 'cpu' or 'cuda' only"):
            resolve_device(name)


# ---------------------------------------------------------------------- precision
def test_autocast_on_the_cpu_keeps_float32():
    lin = nn.Linear(4, 3)
    x = torch.randn(5, 4)
    for amp in (True, False):
        with autocast(torch.device("cpu"), amp):
            assert not torch.is_autocast_enabled("cpu")
            out = lin(x)
        assert out.dtype == torch.float32
        assert torch.equal(out, lin(x))


def test_amp_only_on_cuda_for_modules_that_opt_in_and_never_when_deterministic():
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    wide = nn.Linear(2, 1)
    wide.supports_amp = True
    assert amp_enabled(cuda, True, module=wide)
    assert not amp_enabled(cuda, False, module=wide)
    assert not amp_enabled(cpu, True, module=wide)
    assert not amp_enabled(cuda, True, deterministic=True, module=wide)
    assert not amp_enabled(cuda, True, module=nn.Linear(2, 1))  # no opt-in: float32 (e.g. knot tables)
    assert not amp_enabled(cuda, True)
    from interpretable_nn.nn.feature_nets import MainEffectNet

    assert not getattr(MainEffectNet, "supports_amp", False)  # the NAM's knot tables stay float32


def test_deterministic_training_is_a_restoring_context():
    assert not deterministic_requested()
    with deterministic_training():
        assert deterministic_requested()
        with deterministic_training(False):  # an inner "off" block does not switch it off
            assert deterministic_requested()
    assert not deterministic_requested()
    with pytest.raises(RuntimeError), deterministic_training():
        raise RuntimeError("boom")
    assert not deterministic_requested()


def test_deterministic_flags_set_and_restore_torch_switches():
    before = (torch.are_deterministic_algorithms_enabled(), torch.backends.cuda.matmul.allow_tf32,
              torch.backends.cudnn.allow_tf32, torch.backends.cudnn.benchmark)
    with deterministic_flags(True):
        assert torch.are_deterministic_algorithms_enabled()
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
        assert torch.backends.cudnn.deterministic and not torch.backends.cudnn.benchmark
    after = (torch.are_deterministic_algorithms_enabled(), torch.backends.cuda.matmul.allow_tf32,
             torch.backends.cudnn.allow_tf32, torch.backends.cudnn.benchmark)
    assert after == before


def test_deterministic_mode_gives_the_same_cpu_bits():
    ref, r0 = _fit()
    det, r1 = _fit(deterministic=True)
    assert _same_weights(ref, det)
    with deterministic_training():
        ctx, r2 = _fit()
    assert _same_weights(ref, ctx)
    assert r0.history["train_loss"].tolist() == r1.history["train_loss"].tolist() == r2.history["train_loss"].tolist()


def test_bad_engine_settings_name_the_parameter():
    with pytest.raises(ValueError, match="data_on_device"):
        _fit(data_on_device="sometimes")
    with pytest.raises(ValueError, match="deterministic"):
        _fit(deterministic="yes")


# ---------------------------------------------------------------------- where batches live
def test_host_batches_give_the_same_bits_as_device_batches():
    on, r_on = _fit()
    host, r_host = _fit(data_on_device=False)
    assert _same_weights(on, host)
    assert r_on.history["val_loss"].tolist() == r_host.history["val_loss"].tolist()


def test_data_always_fits_on_the_cpu_and_settings_decide_on_cuda():
    x = torch.zeros(10, 3)
    assert data_fits_on_device([x], torch.device("cpu"), "auto")
    assert data_fits_on_device([x], torch.device("cpu"), False)
    assert data_fits_on_device([x], torch.device("cuda"), True)
    assert not data_fits_on_device([x], torch.device("cuda"), False)


def test_to_device_returns_a_tensor_already_there_unchanged():
    x = torch.arange(6.0)
    assert to_device(x, torch.device("cpu"), pin=True) is x


# ---------------------------------------------------------------------- the hot loop
def test_no_device_sync_per_training_step(monkeypatch):
    """Reading a tensor's value (``float``, ``.item()``, ``bool``) waits for a CUDA device;
    the engine's own code does it a bounded number of times per epoch, not once per step.
    (torch's Adam reads its step counters, which stay in host memory: no device wait.)"""
    import sys

    reads = {"n": 0}
    engine_dir = str(Path(train.__code__.co_filename).parent)
    for name in ("__float__", "item", "__bool__", "tolist"):
        original = getattr(torch.Tensor, name)

        def counted(self, *a, _original=original, **k):
            if sys._getframe(1).f_code.co_filename.startswith(engine_dir):
                reads["n"] += 1
            return _original(self, *a, **k)

        monkeypatch.setattr(torch.Tensor, name, counted)
    epochs, batch = 4, 8
    _, res = _fit(max_epochs=epochs, batch_size=batch, patience=100)
    monkeypatch.undo()
    steps = epochs * int(np.ceil(len(_data()[0]) * 0.85 / batch))
    assert res.n_epochs == epochs
    assert reads["n"] <= 6 * epochs + 10, f"{reads['n']} tensor reads for {steps} steps"
    assert reads["n"] < steps / 4


def test_a_non_finite_loss_is_still_reported_with_its_epoch():
    x, y = _data()
    x = x.clone()
    x[5, 0] = float("nan")
    net = nn.Sequential(nn.Linear(4, 1), nn.Flatten(0))
    with pytest.raises(FloatingPointError, match="loss became nan at epoch 0"):
        train(net, (x,), y, "binary", TrainConfig(max_epochs=3, batch_size=16, verbose=0))


def test_a_float64_process_default_fits_and_loads_the_same_float32_models(tmp_path):
    """``torch.set_default_dtype(torch.float64)`` in the user's process built float64 layers
    for float32 inputs: a bare dtype error at fit, and a load that called intact files corrupt."""
    import numpy as np
    import pandas as pd

    import interpretable_nn as inn

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=120), "b": rng.choice(list("xyz"), 120)})
    y = (X["a"] + (X["b"] == "x") > 0.3).astype(int)
    makers = {"mlp": lambda: inn.MLPClassifier(max_epochs=3, verbose=0, random_state=0),
              "prototype": lambda: inn.PrototypeClassifier(max_epochs=3, verbose=0, random_state=0)}
    want = {}
    for name, make in makers.items():
        m = make().fit(X, y)
        want[name] = m.predict_proba(X)
        m.save(tmp_path / name)
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for name, make in makers.items():
            np.testing.assert_array_equal(make().fit(X, y).predict_proba(X), want[name])
            np.testing.assert_array_equal(type(make()).load(tmp_path / name).predict_proba(X), want[name])
            assert torch.get_default_dtype() == torch.float64  # the user's setting is left as it was
    finally:
        torch.set_default_dtype(before)


@pytest.mark.slow  # about two minutes on 2 cores: the race needs fits long enough to overlap
def test_fits_in_two_threads_under_a_float64_default_share_the_float32_block():
    """Each fit restored the user's float64 on leaving while the other still fitted: bare
    dtype errors in the other thread."""
    import threading

    import numpy as np
    import pandas as pd

    import interpretable_nn as inn

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (X["a"] > 0).astype(int).to_numpy()
    errors: list[str] = []
    done = threading.Event()

    def quick() -> None:  # short fits entering and leaving while the long ones run
        while not done.is_set():
            try:
                inn.MLPClassifier(max_epochs=1, hidden_sizes=(4,), verbose=0).fit(X.head(30), y[:30])
            except Exception as err:  # noqa: BLE001 - collected for the assertion
                errors.append(f"quick: {type(err).__name__}: {err}")

    def long() -> None:
        for i in range(4):
            try:
                inn.NAMClassifier(n_bags=3, max_epochs=2, verbose=0, random_state=i).fit(X, y).predict_proba(X)
            except Exception as err:  # noqa: BLE001
                errors.append(f"long: {type(err).__name__}: {err}")
        done.set()

    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        threads = [threading.Thread(target=quick), threading.Thread(target=long)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(before)

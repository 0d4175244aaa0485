"""Big data with bounded memory: every torch model scores and explains in chunks of rows.

The default suite proves the chunking with a tiny chunk size (results identical to one
pass, each chunk really smaller than the frame, warnings once); the slow suite scores and
explains 1,000,000 rows x 20 features in a subprocess and checks the peak memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import interpretable_nn as inn
from interpretable_nn.data.validation import ExtraColumnsWarning
from interpretable_nn.datasets import make_additive
from interpretable_nn.models import base, chunking
from interpretable_nn.models.chunking import chunk_rows, chunked, get_chunk_rows
from interpretable_nn.training import devices
from interpretable_nn.training.devices import on_device as _on_device

CHUNK = 37  # rows per chunk in the fast tests: several chunks, one of them short
# float32 matrix products differ in the last bits with the batch shape (BLAS blocking), and
# a prototype net's squared distances amplify that (||z||^2 - 2 z.p + ||p||^2): chunked and
# one-pass results agree to float32 precision, not bit for bit.
RTOL, ATOL = 1e-4, 1e-6

FAST = {
    "mlp": lambda: inn.MLPClassifier(hidden_sizes=(16,), max_epochs=3, verbose=0, ig_steps=8),
    "mlp_reg": lambda: inn.MLPRegressor(hidden_sizes=(16,), max_epochs=3, verbose=0, ig_steps=8),
    "nam": lambda: inn.NAMClassifier(n_bags=2, interactions=2, max_epochs=5, verbose=0),
    "nam_reg": lambda: inn.NAMRegressor(n_bags=2, interactions=1, max_epochs=5, verbose=0),
    "rulenet": lambda: inn.RuleNetClassifier(max_rules=6, max_epochs=4, verbose=0),
    "prototype": lambda: inn.PrototypeClassifier(
        prototypes_per_class=2, max_epochs=3, last_layer_epochs=2, verbose=0, ig_steps=8
    ),
}


@pytest.fixture(scope="module")
def data():
    clf = make_additive(n_samples=400, n_features=8, random_state=0)
    reg = make_additive(n_samples=400, n_features=8, task="regression", random_state=1)
    return clf, reg


@pytest.fixture(scope="module")
def fitted(data):
    clf, reg = data
    out = {}
    for name, make in FAST.items():
        ds = reg if name.endswith("_reg") else clf
        out[name] = (make().fit(ds.X.iloc[:300], ds.y[:300]), ds.X.iloc[300:])
    return out


def _methods(model):
    names = ["decision_function", "predict", "explain"]
    if hasattr(model, "classes_"):
        names.append("predict_proba")
    return names


@pytest.mark.parametrize("name", list(FAST))
def test_chunked_results_equal_one_pass(fitted, name):
    model, X = fitted[name]
    X = X.set_axis(np.arange(1000, 1000 + len(X)))  # a non-default index survives chunking
    for method in _methods(model):
        whole = getattr(model, method)(X)
        with chunk_rows(CHUNK):
            parts = getattr(model, method)(X)
        if method == "explain":
            assert parts.feature_names == whole.feature_names
            np.testing.assert_allclose(parts.values, whole.values, rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(parts.base_values, whole.base_values, rtol=RTOL, atol=ATOL)
            pd.testing.assert_frame_equal(parts.data, whole.data)
            assert parts.method == whole.method and parts.output == whole.output
            assert set(parts.check) == set(whole.check)
            for key, value in whole.check.items():  # gaps are maxima over rows: same figure
                assert parts.check[key] == pytest.approx(value, rel=RTOL, abs=ATOL)
        elif whole.dtype.kind == "f":
            np.testing.assert_allclose(parts, whole, rtol=RTOL, atol=ATOL)
        else:
            np.testing.assert_array_equal(parts, whole)


@pytest.mark.parametrize("name", list(FAST))
def test_each_chunk_is_bounded(fitted, name, monkeypatch):
    """The model's method only ever sees slices of at most CHUNK rows, covering X once."""
    model, X = fitted[name]
    seen = []
    real = chunking._rows

    def spy(X_, start, stop):
        part = real(X_, start, stop)
        seen.append(len(part))
        return part

    monkeypatch.setattr(chunking, "_rows", spy)
    with chunk_rows(CHUNK):
        for method in _methods(model):
            seen.clear()
            out = getattr(model, method)(X)
            assert len(out) == len(X)
            assert max(seen) <= CHUNK and sum(seen) == len(X) and len(seen) == -(-len(X) // CHUNK)


def test_numpy_input_and_small_calls_pass_through(fitted, monkeypatch):
    model, X = fitted["nam"]
    calls = []
    monkeypatch.setattr(chunking, "_rows", lambda X_, a, b: calls.append(b - a) or X_[a:b])
    arr = X.to_numpy()
    with chunk_rows(CHUNK):
        np.testing.assert_allclose(model.decision_function(arr), model.decision_function(X))
        assert calls and max(calls) <= CHUNK
    calls.clear()
    model.decision_function(X.head(5))
    assert calls == []  # one chunk: the method is called on X itself


def test_zero_rows_and_one_row(fitted):
    model, X = fitted["mlp"]
    with chunk_rows(1):
        assert model.decision_function(X.head(1)).shape == (1,)
        assert model.predict_proba(X.head(3)).shape == (3, 2)
        assert model.explain(X.head(3)).values.shape == (3, model.n_features_in_)
        assert model.decision_function(X.head(0)).shape == (0,)


def test_warnings_are_issued_once(fitted):
    model, X = fitted["nam"]
    X = X.assign(extra_column=1.0)
    with chunk_rows(CHUNK), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.decision_function(X)
    extra = [w for w in caught if issubclass(w.category, ExtraColumnsWarning)]
    assert len(extra) == 1 and "extra_column" in str(extra[0].message)


def test_errors_name_the_column_in_chunked_mode(fitted):
    model, X = fitted["nam"]
    bad = X.copy()
    bad.iloc[-1, bad.columns.get_loc("sine")] = np.inf  # in the last chunk only
    with chunk_rows(CHUNK), pytest.raises(ValueError, match="sine"):
        model.predict(bad)


def test_row_stacking_keeps_dtypes():
    """Numeric chunks go into one preallocated array; other dtypes (labels of different
    widths, mixed dtypes) are concatenated, never truncated or cast."""
    acc = chunking._ArrayRows(5)
    for part in (np.array(["bad", "ok"]), np.array(["good", "bad"]), np.array(["terrible"])):
        acc.add(part)
    assert acc.result().tolist() == ["bad", "ok", "good", "bad", "terrible"]
    acc = chunking._ArrayRows(4)
    acc.add(np.array([1, 2]))
    acc.add(np.array([0.5, 1.5]))
    assert acc.result().tolist() == [1.0, 2.0, 0.5, 1.5]
    acc = chunking._ArrayRows(3)
    acc.add(np.arange(4.0).reshape(2, 2))
    assert acc.out is not None and acc.pieces == []  # streamed into the preallocated result
    acc.add(np.array([[4.0, 5.0]]))
    np.testing.assert_array_equal(acc.result(), np.arange(6.0).reshape(3, 2))


def test_chunk_rows_setting():
    assert get_chunk_rows() == chunking.DEFAULT_CHUNK_ROWS
    with chunk_rows(10):
        assert get_chunk_rows() == 10
        with chunk_rows(3):
            assert get_chunk_rows() == 3
        assert get_chunk_rows() == 10
    assert get_chunk_rows() == chunking.DEFAULT_CHUNK_ROWS
    for bad in (0, -5, 2.5, True, "100"):
        with pytest.raises(ValueError, match="chunk_rows"):
            with chunk_rows(bad):
                pass


def test_every_torch_model_is_chunked():
    """Models defined later get the wrapper too: no model can bypass the chunking."""
    for cls in (inn.MLPClassifier, inn.MLPRegressor, inn.NAMClassifier, inn.NAMRegressor,
                inn.RuleNetClassifier, inn.PrototypeClassifier):
        for method in ("decision_function", "predict", "explain"):
            assert getattr(getattr(cls, method), "__chunked__", False), (cls.__name__, method)

    class Toy(base.BaseModel):
        def decision_function(self, X):
            return np.asarray(X, dtype=float)[:, 0]

    assert Toy.decision_function.__chunked__
    with chunk_rows(4):
        np.testing.assert_array_equal(Toy().decision_function(np.arange(22.0).reshape(11, 2)), np.arange(0, 22, 2))
    assert chunked(Toy.decision_function) is Toy.decision_function  # never wrapped twice


def test_device_copy_is_made_once():
    """Stages of one fit that pass the same tensor share one device copy ('meta' stands in
    for a GPU: it is a non-CPU device available everywhere)."""
    dev = torch.device("meta")
    x = torch.randn(50, 3)
    a, b = _on_device(x, dev), _on_device(x, dev)
    assert a is b and a.device.type == "meta"
    x.add_(1.0)  # modified in place: a fresh copy
    assert _on_device(x, dev) is not a
    key = id(x)
    assert key in devices._DEVICE_COPIES
    del x
    assert key not in devices._DEVICE_COPIES  # freed with the CPU tensor
    y = torch.randn(4)
    assert _on_device(y, torch.device("cpu")) is y  # CPU training never copies


# ---------------------------------------------------------------------- 1M rows (slow)
MEMORY_GOAL_GIB = 4.0
N_BIG = 1_000_000

_MEASURE = r"""
import json, resource, sys, time
import numpy as np
import interpretable_nn as inn
from interpretable_nn.datasets import make_additive

name, n = sys.argv[1], int(sys.argv[2])
make = {
    "mlp": lambda: inn.MLPClassifier(max_epochs=2, verbose=0),
    "nam": lambda: inn.NAMClassifier(n_bags=4, interactions=5, max_epochs=10, verbose=0),
    "rulenet": lambda: inn.RuleNetClassifier(max_epochs=5, verbose=0),
    "prototype": lambda: inn.PrototypeClassifier(max_epochs=2, last_layer_epochs=2, verbose=0),
}[name]
ds = make_additive(n_samples=n, n_features=20, random_state=0)
model = make().fit(ds.X.iloc[:5000], ds.y[:5000])
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
out = {"before_gib": peak()}
t = time.perf_counter()
p = model.predict_proba(ds.X)
out["predict_s"] = time.perf_counter() - t
out["predict_peak_gib"] = peak()
t = time.perf_counter()
e = model.explain(ds.X)
out["explain_s"] = time.perf_counter() - t
out["explain_peak_gib"] = peak()
out["rows"] = len(e)
out["finite"] = bool(np.isfinite(e.values).all() and np.isfinite(p).all())
gap = [v for k, v in e.check.items() if k.endswith("_gap")]
out["gap"] = float(gap[0]) if gap else None
print(json.dumps(out))
"""


@pytest.mark.slow
@pytest.mark.parametrize("name", ["nam", "mlp", "rulenet", "prototype"])
def test_one_million_rows_explain_under_4_gib(name):
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    res = subprocess.run(
        [sys.executable, "-c", _MEASURE, name, str(N_BIG)],
        capture_output=True, text=True, timeout=3600, env=env,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["rows"] == N_BIG and out["finite"]
    assert out["explain_peak_gib"] < MEMORY_GOAL_GIB, out
    if name in ("nam", "rulenet"):  # exact explanations stay exact on every chunk
        assert out["gap"] < 1e-9, out

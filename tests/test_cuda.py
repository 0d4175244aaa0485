"""Every model on every device this machine has: the CPU always, and CUDA where a GPU is.

CI has no GPU, so there these tests run on the CPU alone (nothing is skipped); on a GPU
machine (the device checks beside ``benchmarks/gpu_check.py``) the same assertions run
on CUDA too. What a user of a GPU relies on: a model fitted there predicts NumPy arrays,
saves and loads on a CPU-only machine with the same outputs, scores on any device (``to``), its
explanations still sum to its score, its exports still reproduce its decisions, and the
deterministic mode repeats a fit bit for bit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from sql_engines import Engine  # one SQLite loader for the tests

import interpretable_nn as inn
from interpretable_nn.data.encoding import UnseenCategoryWarning
from interpretable_nn.training.devices import deterministic_training

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
MODELS = {
    "NAMClassifier": {"n_bags": 2, "max_epochs": 6, "interactions": 2},
    "RuleNetClassifier": {"max_rules": 8, "max_conditions": 2, "max_epochs": 6},
    "PrototypeClassifier": {"prototypes_per_class": 3, "max_epochs": 6, "last_layer_epochs": 4},
    "MLPClassifier": {"max_epochs": 6},
}
#: a model fitted on CUDA and read back on the CPU: float32 sums in another order
CROSS_DEVICE_ATOL = 1e-5


def _quiet(fn, *a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        return fn(*a)


@pytest.fixture(scope="module")
def fitted(small_credit):
    X, y, _, _ = small_credit
    return {(name, dev): getattr(inn, name)(**kw, device=dev, verbose=0, random_state=0).fit(X, y)
            for name, kw in MODELS.items() for dev in DEVICES}


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(MODELS))
def test_a_model_fitted_on_the_device_predicts_numpy_and_loads_on_the_cpu(fitted, small_credit, tmp_path, name, device):
    m = fitted[(name, device)]
    _, _, X_te, _ = small_credit
    proba = _quiet(m.predict_proba, X_te)
    assert isinstance(proba, np.ndarray) and proba.dtype == np.float64 and proba.shape == (len(X_te), 2)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(1), 1.0)
    m.save(tmp_path / "m")
    back = inn.load_model(tmp_path / "m")
    assert all(p.device.type == "cpu" for p in back.module_.parameters())  # a CPU-only machine can read it
    again = _quiet(back.predict_proba, X_te)
    if device == "cpu":
        np.testing.assert_array_equal(again, proba)  # save/load is the identity
    else:
        np.testing.assert_allclose(again, proba, rtol=0, atol=CROSS_DEVICE_ATOL)
    same = np.mean(_quiet(back.predict, X_te) == _quiet(m.predict, X_te))
    assert same == 1.0 if device == "cpu" else same >= 0.99


#: the same seed fitted on another device: float32 kernels sum in another order, nothing else
#: differs (every random draw, dropout masks included, comes from the CPU's generator)
SAME_SEED_ATOL = 1e-3


@pytest.mark.parametrize("name", list(MODELS))
def test_the_same_seed_gives_the_same_model_on_every_device(fitted, small_credit, name):
    _, _, X_te, _ = small_credit
    here = _quiet(fitted[(name, "cpu")].predict_proba, X_te)
    for device in DEVICES:
        there = _quiet(fitted[(name, device)].predict_proba, X_te)
        np.testing.assert_allclose(there, here, rtol=0, atol=0 if device == "cpu" else SAME_SEED_ATOL)


@pytest.mark.parametrize("name", list(MODELS))
def test_scoring_on_each_device_keeps_the_outputs_and_the_module_on_the_cpu(fitted, small_credit, tmp_path, name):
    m = fitted[(name, "cpu")]
    _, _, X_te, _ = small_credit
    here = _quiet(m.decision_function, X_te)
    for other in DEVICES:
        m.to(other)
        assert m.scoring_device_.type == other
        np.testing.assert_allclose(_quiet(m.decision_function, X_te), here, rtol=0, atol=CROSS_DEVICE_ATOL)
        assert all(p.device.type == "cpu" for p in m.module_.parameters())  # plots, exports, saves read it
        if name == "NAMClassifier":  # its explanation reads the terms on the scoring device too
            e = _quiet(m.explain, X_te)
            np.testing.assert_allclose(e.base_values + e.values.sum(1), here, rtol=0, atol=CROSS_DEVICE_ATOL)
            assert len(m.shape_function(m.terms_[0])) > 0
            with torch.no_grad():  # the scoring copy follows the module's tensors when they change
                m.module_.bias += 1.0
            np.testing.assert_allclose(_quiet(m.decision_function, X_te), here + 1.0, rtol=0, atol=CROSS_DEVICE_ATOL)
            with torch.no_grad():
                m.module_.bias -= 1.0
        m.save(tmp_path / other)
        assert np.array_equal(_quiet(inn.load_model(tmp_path / other).decision_function, X_te),
                              _quiet(m.to("cpu").decision_function, X_te))
    m.to("cpu")
    np.testing.assert_array_equal(_quiet(m.decision_function, X_te), here)


@pytest.mark.parametrize("device", DEVICES)
def test_nam_explanations_and_scorecard_hold_on_the_device(fitted, small_credit, device):
    nam = fitted[("NAMClassifier", device)]
    _, _, X_te, _ = small_credit
    e = _quiet(nam.explain, X_te)
    score = _quiet(nam.decision_function, X_te)
    np.testing.assert_allclose(e.base_values + e.values.sum(1), score, rtol=0, atol=1e-5)
    card = nam.to_scorecard(decimals=None)
    np.testing.assert_array_equal(_quiet(card.score, X_te), _quiet(nam.score_with_scorecard, X_te, card))


@pytest.mark.parametrize("device", DEVICES)
def test_rulenet_rule_set_and_its_sql_reproduce_the_device_model(fitted, small_credit, device):
    m = fitted[("RuleNetClassifier", device)]
    _, _, X_te, _ = small_credit
    rs = m.ruleset_
    score = _quiet(m.decision_function, X_te)
    np.testing.assert_allclose(rs.decision_function(X_te), score, rtol=0, atol=1e-9)
    db = Engine("sqlite")
    db.load(X_te)
    got = db.run(rs.to_sql())
    db.close()
    assert np.max(np.abs(np.array([r[1] for r in got]) - score)) <= 1e-9
    assert np.array_equal(np.array([r[2] for r in got]), _quiet(m.predict, X_te))


@pytest.mark.parametrize("device", DEVICES)
def test_deterministic_mode_repeats_a_nam_fit_bit_for_bit(small_credit, device):
    X, y, X_te, _ = small_credit
    out = []
    for _ in range(2):
        with deterministic_training():
            m = inn.NAMClassifier(**MODELS["NAMClassifier"], device=device, verbose=0, random_state=0).fit(X, y)
        out.append(_quiet(m.predict_proba, X_te))
    np.testing.assert_array_equal(out[0], out[1])

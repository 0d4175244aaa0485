"""Behaviour is unchanged by refactoring: every torch model family, refitted from the same
seed, gives the scores and explanations saved before the layer redesign
(``tests/golden_predictions.py`` writes them): bit for bit on a machine like the one that
wrote them, within the measured rounding of another CPU (``golden.TOLERANCE``) elsewhere."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import golden_predictions as golden  # noqa: E402

SAVED = json.loads(golden.GOLDEN.read_text())
RECORDED_ON = SAVED.pop("machine")
SAME_MACHINE = golden.machine() == RECORDED_ON


def _floats(hexes: list[str]) -> np.ndarray:
    return np.array([float.fromhex(v) for v in hexes])


@pytest.mark.parametrize("name", sorted(SAVED))
def test_predictions_are_bit_identical_to_the_saved_ones(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        now = golden.compute(name)
    before = SAVED[name]
    assert len(now["decision"]) == len(before["decision"])
    if SAME_MACHINE:
        diff = [i for i, (a, b) in enumerate(zip(now["decision"], before["decision"])) if a != b]
        assert not diff, (
            f"{name}: {len(diff)} of {len(now['decision'])} scores changed, first at row {diff[0]}: "
            f"{float.fromhex(now['decision'][diff[0]])!r} != saved {float.fromhex(before['decision'][diff[0]])!r}"
        )
        assert now["explain_values"] == before["explain_values"], f"{name}: explanation values changed"
        assert now["explain_base"] == before["explain_base"], f"{name}: explanation base values changed"
        return
    # another CPU or library version: its kernels round differently, so equal within tolerance
    tol = golden.TOLERANCE.get(name, golden.DEFAULT_TOLERANCE)
    for key in ("decision", "explain_head", "explain_base_head"):
        a, b = _floats(now[key]), _floats(before[key])
        assert a.shape == b.shape, (name, key)
        rel = np.abs(a - b) / (1.0 + np.abs(b))
        assert rel.max(initial=0.0) <= tol, (
            f"{name}: {key} moved by {rel.max():.2e} (relative), more than another machine's rounding "
            f"({tol:.0e}); recorded on {RECORDED_ON}, running on {golden.machine()}")


def test_the_saved_file_covers_every_torch_model_family():
    assert set(SAVED) == set(golden.cases())


def test_the_tolerance_off_the_recording_machine_catches_a_real_change():
    """A model trained one epoch less is not 'rounding': the tolerance would fail it."""
    import interpretable_nn as inn

    Xtr, ytr, Xte = golden._data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = inn.MLPClassifier(max_epochs=20, random_state=0, verbose=0, device="cpu").fit(Xtr, ytr)
        b = inn.MLPClassifier(max_epochs=19, random_state=0, verbose=0, device="cpu").fit(Xtr, ytr)
    da, db = a.decision_function(Xte), b.decision_function(Xte)
    assert (np.abs(da - db) / (1 + np.abs(db))).max() > 10 * golden.DEFAULT_TOLERANCE

"""Behaviour is unchanged by refactoring: every torch model family, refitted from the same
seed, gives bit-identical scores and explanations to the values saved before the layer
redesign (``tests/golden_predictions.py`` writes them)."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import golden_predictions as golden  # noqa: E402

SAVED = json.loads(golden.GOLDEN.read_text())


@pytest.mark.parametrize("name", sorted(SAVED))
def test_predictions_are_bit_identical_to_the_saved_ones(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        now = golden.compute(name)
    before = SAVED[name]
    diff = [i for i, (a, b) in enumerate(zip(now["decision"], before["decision"])) if a != b]
    assert len(now["decision"]) == len(before["decision"])
    assert not diff, (
        f"{name}: {len(diff)} of {len(diff and now['decision'])} scores changed, first at row {diff[0]}: "
        f"{float.fromhex(now['decision'][diff[0]])!r} != saved {float.fromhex(before['decision'][diff[0]])!r}"
    )
    assert now["explain_values"] == before["explain_values"], f"{name}: explanation values changed"
    assert now["explain_base"] == before["explain_base"], f"{name}: explanation base values changed"


def test_the_saved_file_covers_every_torch_model_family():
    assert set(SAVED) == set(golden.cases())

"""The three tutorials run top to bottom as scripts (jupytext percent format: they open as
notebooks too). The default suite runs their quick mode; ``-m slow`` runs them in full
and holds them to the 3-minute budget."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = {
    "01_credit_scorecard_nam.py": ["01_scorecard/shape_functions.png", "01_scorecard/nam_model"],
    "02_rules_for_reviewers.py": ["02_rules/rules.json", "02_rules/rules.md", "02_rules/score.sql"],
    "03_accuracy_vs_interpretability_study.py": ["03_study/results.sqlite", "03_study/report.html"],
}


def _run(name: str, out: Path, quick: bool) -> tuple[subprocess.CompletedProcess, float]:
    env = {**os.environ, "INN_TUTORIAL_OUT": str(out), "MPLBACKEND": "Agg"}
    env["INN_TUTORIAL_QUICK"] = "1" if quick else "0"
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "tutorials" / name)], cwd=out, env=env,
                          capture_output=True, text=True, timeout=900)
    return proc, time.perf_counter() - t


def test_every_tutorial_is_listed():
    assert sorted(p.name for p in (ROOT / "tutorials").glob("[0-9]*.py")) == sorted(TUTORIALS)


@pytest.mark.parametrize("name", sorted(TUTORIALS))
def test_tutorial_is_a_percent_notebook(name):
    jupytext = pytest.importorskip("jupytext", reason="jupytext is a dev extra: pip install -e '.[dev]'")
    nb = jupytext.read(ROOT / "tutorials" / name)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds.count("markdown") >= 3 and kinds.count("code") >= 4
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


@pytest.mark.parametrize("name", sorted(TUTORIALS))
def test_tutorial_runs_quick(name, tmp_path):
    proc, _ = _run(name, tmp_path, quick=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for artefact in TUTORIALS[name]:
        assert (tmp_path / artefact).exists(), artefact


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TUTORIALS))
def test_tutorial_runs_in_full_within_three_minutes(name, tmp_path):
    proc, seconds = _run(name, tmp_path, quick=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert seconds < 180, f"{name} took {seconds:.0f} s"

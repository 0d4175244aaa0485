"""The main command's install stays lean: at most 60 packages, nothing CUDA, no dashboard stack.

Resolved with ``pip install --dry-run --report`` against the package registry (the one
network access CI allows), exactly as the README's main command would install on a fresh
machine: torch pinned first, then ``-e ".[all]"``.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = {"dash", "flask", "plotly", "gevent", "ipython"}


@pytest.mark.slow
def test_main_command_installs_at_most_60_packages_and_nothing_cuda(tmp_path):
    report = tmp_path / "report.json"
    out = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "-q",
         "--report", str(report), "torch==2.13.0", "-e", f"{ROOT}[all]"],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    names = sorted(item["metadata"]["name"].lower() for item in json.loads(report.read_text())["install"])
    assert len(names) <= 60, f"{len(names)} packages: {names}"
    assert not [n for n in names if n.startswith("nvidia-")], names
    assert not DASHBOARD & set(names), sorted(DASHBOARD & set(names))
    assert {"interpret-core", "torch", "interpretable-nn"} <= set(names)

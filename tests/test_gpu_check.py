"""``benchmarks/gpu_check.py --device cpu --quick`` runs green and writes every figure the
GPU check promises; CPU against CPU agrees exactly (the check of the harness itself)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "gpu_check.py"


@pytest.mark.slow
def test_gpu_check_runs_on_the_cpu_and_cpu_vs_cpu_is_exact(tmp_path):
    out = tmp_path / "gpu_check.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--device", "cpu", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rep = json.loads(out.read_text())
    meta = rep["meta"]
    assert len(meta["commit"]) in (40, len("unknown")) and meta["card"].startswith("cpu: ")
    assert meta["torch"] and meta["device"] == "cpu" and meta["quick"] is True
    assert meta["cpu_vs_cpu_exact"] is True and meta["tolerance"]["max_abs_dp"] == 1e-3

    agree = rep["agreement"]
    assert {(r["model"], r["mode"]) for r in agree} == {
        (m, mode) for m in ("NAMClassifier", "RuleNetClassifier", "PrototypeClassifier", "MLPClassifier")
        for mode in ("default", "deterministic")
    }
    for r in agree:
        assert r["max_abs_dp"] == 0.0 and r["auc_diff"] == 0.0 and r["same_decisions"] == 1.0, r
        assert 0.5 < r["auc_cpu"] <= 1.0 and r["within_goal"]

    thr = rep["throughput"]
    assert {r["model"] for r in thr} == {"nam", "mlp"}
    for r in thr:
        assert r["epoch_s"] > 0 and r["rows_per_s"] > 0 and r["peak_gib"] > 0 and r["features"] == 50
        assert r["fit_s"] >= r["epoch_s"]
    ref = [r for r in thr if r["rows"] == min(t["rows"] for t in thr)]
    assert all(r["speedup_vs_cpu"] == 1.0 and r["explain_rows_per_s"] > 0 and r["explain_finite"] for r in ref)

    eff = rep["efficiency"]
    assert {r["model"] for r in eff} == {"nam", "mlp"}
    for r in eff:
        assert r["copy_share"] == 0.0  # no host<->device copies on the CPU
        assert 0.0 <= r["python_share"] <= 1.0 and r["device_busy_share"] is None and r["top_ops"]
    assert "agreement" in done.stdout and "rows_per_s" in done.stdout

"""``interpretable-nn study`` / ``report`` / ``demo`` call the studies API."""

from __future__ import annotations

import pandas as pd
import pytest

from interpretable_nn import demo
from interpretable_nn.cli import main
from interpretable_nn.studies import load_results


def test_study_then_report(tmp_path, capsys):
    out, html = tmp_path / "results", tmp_path / "r.html"
    rc = main(["study", "--datasets", "default", "--models", "logreg", "tree", "--seeds", "0", "1", "--folds", "2",
               "--out", str(out), "--no-checks", "--param", "tree.max_depth=3", "--report", str(html)])
    assert rc == 0
    rows = load_results(out)
    assert len(rows) == 2 * 2 * 2 and (rows["status"] == "ok").all()
    assert rows.loc[rows["model"] == "tree", "params"].tolist() == [{"max_depth": 3}] * 4
    assert "<svg" in html.read_text() and "8 cells" in capsys.readouterr().out
    assert main(["report", str(out), "-o", str(tmp_path / "r2.html"), "--complexity", "n_parameters"]) == 0
    assert (tmp_path / "r2.html").read_text().count("<svg") >= 1


def test_study_errors_are_one_line(tmp_path, capsys):
    assert main(["study", "--datasets", "default", "--models", "nope", "--out", str(tmp_path)]) == 1
    assert "Unknown model 'nope'" in capsys.readouterr().err
    assert main(["study", "--datasets", "default", "--models", "logreg", "--param", "C=1", "--out", str(tmp_path)]) == 1
    assert "MODEL.KEY=VALUE" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing")]) == 1
    assert "run a study first" in capsys.readouterr().err


def test_demo_quick_writes_report_and_summary(tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "QUICK_MODELS", ["logreg", "tree"])
    table = demo.run_demo(tmp_path, quick=True, n_jobs=1, verbose=0)
    assert table["model"].tolist() == sorted(table["model"], key=lambda m: -table.set_index("model").loc[m, "auc_mean"])
    assert set(table["model"]) == {"logreg", "tree"} and table["auc_mean"].between(0.6, 1).all()
    assert pd.read_csv(tmp_path / "summary.csv").shape[0] == 2
    assert (tmp_path / "report.html").read_text().count("<svg") >= 1
    assert (tmp_path / "pareto_credit_data.png").stat().st_size > 1000
    assert len(load_results(tmp_path)) == 2 * 2  # two folds each


@pytest.mark.slow
def test_demo_gives_a_report_within_five_minutes(tmp_path):
    """The main job: `interpretable-nn demo` on 2 cores, from a fresh output directory."""
    import subprocess
    import sys
    import time

    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "interpretable_nn.cli", "demo", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - t
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = load_results(tmp_path)
    assert (rows["status"] == "ok").all() and set(demo.DEMO_MODELS) >= set(rows["model"])
    assert (tmp_path / "report.html").read_text().count("<svg") >= 2
    assert seconds < 300, f"the demo took {seconds:.0f} s"

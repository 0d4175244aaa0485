"""Kill-and-resume: a study killed with SIGKILL loses no finished cell and never duplicates
one; two runners on one store run every cell exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from interpretable_nn.studies import load_results

N_CELLS = 4 * 2 * 2  # C grid x seeds x folds

# A study script: a deliberately slow model (registered in the script only) on a small
# synthetic data set; every fit appends "<pid> <C> <seed>" to a log so the test can count fits.
SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from sklearn.linear_model import LogisticRegression
    from interpretable_nn.datasets import make_additive
    from interpretable_nn.models import EncodedSklearnClassifier, register_model
    from interpretable_nn.studies import run_study

    class SlowLogReg(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            with open(os.environ["FIT_LOG"], "a") as f:
                f.write(f"{os.getpid()} {self.C}\\n")
            time.sleep(0.1)
            return super().fit(X, y)

    def factory(**p):
        return EncodedSklearnClassifier(SlowLogReg(**p))

    register_model("slow", factory, "test model")

    if __name__ == "__main__":
        out, n_jobs = sys.argv[1], int(sys.argv[2])
        ds = make_additive(300, random_state=0)
        run_study([("additive", ds.X, ds.y)], [("slow", {"C": [0.01, 0.1, 1.0, 10.0]})], seeds=[0, 1],
                  folds=2, out=out, checks=(), n_jobs=n_jobs, verbose=0)
        print("DONE", flush=True)
    """
)


@pytest.fixture
def script(tmp_path) -> Path:
    p = tmp_path / "study_script.py"
    p.write_text(SCRIPT)
    return p


def _start(script: Path, out: Path, log: Path, n_jobs: int = 1) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "FIT_LOG": str(log)}
    return subprocess.Popen([sys.executable, str(script), str(out), str(n_jobs)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _count(out: Path) -> int:
    try:
        with sqlite3.connect(out / "results.sqlite", timeout=30) as c:
            return c.execute("SELECT COUNT(*) FROM cells").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.parametrize("n_jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_sigkill_mid_study_loses_nothing_and_resume_completes(script, tmp_path, n_jobs):
    out, log = tmp_path / "results", tmp_path / "fits.log"
    proc = _start(script, out, log, n_jobs)
    deadline = time.time() + 120
    while _count(out) < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, f"the study ended before it could be killed: {proc.communicate()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL

    before = load_results(out)
    assert 4 <= len(before) < N_CELLS
    assert (before["status"] == "ok").all() and before["auc"].notna().all()  # whole rows only
    fits_before = log.read_text().splitlines()

    if n_jobs > 1:  # the killed driver's pool workers notice and exit; let them go first
        time.sleep(2)
    resumed = _start(script, out, log, n_jobs)
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0 and "DONE" in stdout, stderr
    after = load_results(out)
    assert len(after) == N_CELLS == after["cell_key"].nunique()
    assert (after["status"] == "ok").all()
    # the rows written before the kill are untouched (same writer, same timestamps)
    kept = after.set_index("cell_key").loc[before["cell_key"]]
    assert (kept["owner"].to_numpy() == before["owner"].to_numpy()).all()
    assert (kept["finished_at"].to_numpy() == before["finished_at"].to_numpy()).all()
    # the resume ran exactly the missing cells (with a pool, fits in flight at the kill may
    # still have been logged by its dying workers)
    fits_resume = len(log.read_text().splitlines()) - len(fits_before)
    assert fits_resume == N_CELLS - len(before) if n_jobs == 1 else fits_resume >= N_CELLS - len(before)
    with sqlite3.connect(out / "results.sqlite") as c:
        assert c.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0  # the killed runner's claim was taken over


def test_two_runners_on_one_store_run_each_cell_once(script, tmp_path):
    out, log = tmp_path / "results", tmp_path / "fits.log"
    procs = [_start(script, out, log) for _ in range(2)]
    for p in procs:
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0 and "DONE" in stdout, stderr
    rows = load_results(out)
    assert len(rows) == N_CELLS == rows["cell_key"].nunique()
    fits = log.read_text().splitlines()
    assert len(fits) == N_CELLS  # claims: no cell was fitted twice
    assert rows["owner"].nunique() == len({f.split()[0] for f in fits})  # rows written by the runner that fitted

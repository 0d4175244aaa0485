"""Speed and peak memory of ``Monitor.check`` on 1,000,000 rows x 20 columns, against
evidently's data-drift report (``Report([DataDriftPreset()])``) on the same columns, same run.

Why a separate virtual environment for evidently: evidently 0.7 does not import under the
project's pandas 3, so it runs in its own venv (``/work/evvenv``: ``pandas<3`` and
``evidently``; make one with ``python -m venv /work/evvenv && /work/evvenv/bin/pip install
"pandas<3" evidently pyarrow``; ``--evidently-python`` points elsewhere). Both tools read the
same data from one parquet file, each in its own subprocess, so the peak memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``: the whole process, data included) of one
does not leak into the other.

What is timed:

* ours: ``Monitor(model, reference=ref)`` (scores and explains the reference once; reported
  apart) and ``Monitor.check(cur)``: score PSI, CSI of 20 inputs, attribution drift through
  the model's own ``explain``, reason mix, review flags. Models: the registry's ``logreg``
  (the library's encoder + scikit-learn) and ``nam`` (a NAM, torch on CPU), fitted on
  the first 20,000 reference rows in the worker before the clock starts (not timed; the
  peak memory includes the fit);
* evidently: ``Report([DataDriftPreset()]).run(current, reference)`` on the same 20 columns
  (17 numeric, 3 categorical, declared in a ``DataDefinition``); it reads the data only,
  no model.

Data: reference 200,000 rows, current 1,000,000 rows; two numeric columns drifted in the
current (``x0`` scaled by 1.6, ``x1`` shifted by 0.5 sd). Results go to
``benchmarks/results/monitor_speed.{csv,md}`` with the commit.

Run: ``python benchmarks/monitor_speed.py [--rows 1000000] [--models logreg nam]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
N_NUM, N_CAT = 17, 3

_EVIDENTLY = r"""
import json, resource, sys, time
import pandas as pd
t0 = time.perf_counter()
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset
ref = pd.read_parquet(sys.argv[1]); cur = pd.read_parquet(sys.argv[2])
cats = [c for c in cur.columns if c.startswith("c")]
num = [c for c in cur.columns if c not in cats]
dd = DataDefinition(numerical_columns=num, categorical_columns=cats)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
snap = Report([DataDriftPreset()]).run(Dataset.from_pandas(cur, data_definition=dd),
                                       Dataset.from_pandas(ref, data_definition=dd))
d = snap.dict()
sec = time.perf_counter() - t
drifted = [m["config"]["column"] for m in d["metrics"] if m["config"].get("type", "").endswith("ValueDrift")
           and float(m["value"]) >= float(m["config"].get("threshold", 0.1))]
import evidently
print(json.dumps({"tool": "evidently " + evidently.__version__, "seconds": sec, "setup_seconds": 0.0,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "data_rss_mib": base / 1024, "flagged": sorted(drifted)}))
"""


def make_data(n_ref: int, n_cur: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)

    def frame(n: int, drift: bool) -> pd.DataFrame:
        cols = {f"x{j}": rng.normal(size=n) * (1 + j / 10) for j in range(N_NUM)}
        if drift:
            cols["x0"] = cols["x0"] * 1.6
            cols["x1"] = cols["x1"] + 0.5 * 1.1
        for j in range(N_CAT):
            cols[f"c{j}"] = rng.choice(np.array(["a", "b", "c", "d"], dtype=object), n, p=[0.4, 0.3, 0.2, 0.1])
        return pd.DataFrame(cols)

    ref, cur = frame(n_ref, False), frame(n_cur, True)
    logit = ref["x0"] - 0.8 * ref["x1"] + 0.3 * ref["x2"] + (ref["c0"] == "a") * 0.7 - 1.0
    y = (rng.random(n_ref) < 1 / (1 + np.exp(-logit))).astype(int)
    return ref, cur, y


def worker(args: argparse.Namespace) -> None:
    import resource

    from interpretable_nn.models.registry import make_model
    from interpretable_nn.monitor import Monitor

    ref = pd.read_parquet(args.ref)
    cur = pd.read_parquet(args.cur)
    y = np.load(args.labels)
    params = {"random_state": 0, "max_epochs": 10, "verbose": 0} if args.model == "nam" else {}
    model = make_model(args.model, **params).fit(ref.iloc[:20000], y[:20000])
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    mon = Monitor(model, reference=ref)
    setup = time.perf_counter() - t
    t = time.perf_counter()
    rep = mon.check(cur)
    sec = time.perf_counter() - t
    flagged = sorted({a.feature for a in rep.alerts if a.metric == "csi"})
    print(json.dumps({"tool": f"interpretable_nn Monitor ({args.model})", "seconds": sec, "setup_seconds": setup,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "data_rss_mib": base / 1024, "flagged": flagged,
                      "largest_attribution_drift": str(rep.attribution_drift["drift"].idxmax())}))


def _run(cmd: list[str]) -> dict:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="current rows (default 1,000,000)")
    p.add_argument("--reference-rows", type=int, default=200_000)
    p.add_argument("--models", nargs="+", default=["logreg", "nam"])
    p.add_argument("--evidently-python", default="/work/evvenv/bin/python")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--ref"), p.add_argument("--cur"), p.add_argument("--labels"), p.add_argument("--model")
    args = p.parse_args()
    if args.worker:
        worker(args)
        return
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    ref, cur, y = make_data(args.reference_rows, args.rows)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rp, cp = Path(tmp) / "ref.parquet", Path(tmp) / "cur.parquet"
        ref.to_parquet(rp)
        cur.to_parquet(cp)
        del cur
        yp = Path(tmp) / "y.npy"
        np.save(yp, y)
        for name in args.models:
            rows.append(_run([sys.executable, __file__, "--worker", "--ref", str(rp), "--cur", str(cp),
                              "--labels", str(yp), "--model", name]))
            print(rows[-1], flush=True)
        rows.append(_run([args.evidently_python, "-c", _EVIDENTLY, str(rp), str(cp)]))
        print(rows[-1], flush=True)
    write(rows, commit, args)


def write(rows: list[dict], commit: str, args: argparse.Namespace) -> None:
    df = pd.DataFrame(rows)
    ev = df[df["tool"].str.startswith("evidently")]["seconds"]
    df["speedup_vs_evidently"] = float(ev.iloc[0]) / df["seconds"] if len(ev) else np.nan
    df["flagged"] = df["flagged"].map(lambda v: " ".join(v))
    df.insert(0, "commit", commit)
    df.insert(1, "rows", args.rows)
    df.insert(2, "reference_rows", args.reference_rows)
    RESULTS.mkdir(exist_ok=True)
    df.to_csv(RESULTS / "monitor_speed.csv", index=False)
    lines = [
        "# Monitor.check vs evidently's data-drift report",
        "",
        f"commit `{commit}`; current {args.rows:,} rows x 20 columns (17 numeric, 3 categorical; x0 x1.6, "
        f"x1 +0.5 sd), reference {args.reference_rows:,} rows; 2 shared CPU cores, no GPU. Each tool in its own "
        "subprocess; evidently in a separate venv (pandas<3) reading the same parquet files. "
        "`seconds`: the check / report alone; `setup_seconds`: Monitor(reference) (scores and explains the "
        "reference once). Peak RSS: the whole worker process, data included.",
        "",
        "| tool | seconds | setup s | peak RSS MiB | data RSS MiB | speed-up vs evidently | flagged |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for _, r in df.iterrows():
        lines.append(f"| {r['tool']} | {r['seconds']:.1f} | {r['setup_seconds']:.1f} | {r['peak_rss_mib']:.0f} | "
                     f"{r['data_rss_mib']:.0f} | {r['speedup_vs_evidently']:.1f} | {r['flagged']} |")
    (RESULTS / "monitor_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()

"""ONNX = the library, and how fast: the NAM, the MLP and RuleNet exported with
``to_onnx`` and run by onnxruntime on 1,000,000 raw rows (held-out credit_data rows drawn
with replacement, NaN and an unseen level per categorical included), against the library's
own ``predict_proba`` on the same rows, same run, both on 2 threads.

Figures per model: max |probability difference|, share of identical decisions, seconds
of ``predict_proba``, seconds of onnxruntime (``sess.run`` alone, and with building its
input dict from the DataFrame: ``onnx_feed``), and the speed-up. The machine is shared, so
each row records the 1-minute load average (``os.getloadavg``) before and after its timings.

Run: ``python benchmarks/onnx_speed.py [--rows N]``. Writes
``benchmarks/results/onnx_speed.{csv,md}`` with the commit.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from interpretable_nn.datasets import load_dataset
from interpretable_nn.models.export_onnx import onnx_feed
from interpretable_nn.models.mlp import MLPClassifier
from interpretable_nn.models.nam import NAMClassifier
from interpretable_nn.models.rulenet import RuleNetClassifier

OUT = Path(__file__).resolve().parent / "results"
THREADS = 2


def rows(X: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` rows drawn from ``X`` with replacement; 1% get an unseen level in one
    categorical column and 1% a missing value in one numeric column."""
    rng = np.random.default_rng(seed)
    out = X.iloc[rng.integers(0, len(X), n)].reset_index(drop=True)
    cats = [c for c in X.columns if X[c].dtype == object]
    nums = [c for c in X.columns if c not in cats]
    for c in X.columns:
        if c in nums:
            out[c] = out[c].astype(float)
    for cols, value in ((cats, "never seen"), (nums, np.nan)):
        hit = rng.random(n) < 0.01
        which = rng.integers(0, len(cols), n)
        for j, c in enumerate(cols):
            out.loc[hit & (which == j), c] = value
    return out


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def main() -> None:
    import onnxruntime as ort
    import torch

    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=1_000_000)
    args = p.parse_args()
    torch.set_num_threads(THREADS)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    ds = load_dataset("credit_data")
    idx = np.random.default_rng(0).permutation(len(ds.y))
    cut = int(0.7 * len(idx))
    Xtr, ytr = ds.X.iloc[idx[:cut]], ds.y[idx[:cut]]
    X = rows(ds.X.iloc[idx[cut:]], args.rows)
    models = {
        "NAMClassifier": NAMClassifier(max_epochs=20, interactions=3, verbose=0, random_state=0),
        "MLPClassifier": MLPClassifier(max_epochs=20, verbose=0, random_state=0),
        "RuleNetClassifier": RuleNetClassifier(max_rules=30, max_epochs=20, verbose=0, random_state=0),
    }
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads = THREADS, 1
    opts.log_severity_level = 3
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    results = []
    for name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(Xtr, ytr)
            sess = ort.InferenceSession(model.to_onnx().SerializeToString(), opts)
            load_before = os.getloadavg()[0]
            ours, t_lib = timed(model.predict_proba, X)
            labels = model.predict(X)
        feed, t_feed = timed(onnx_feed, model, X)
        (proba, decision), t_run = timed(sess.run, ["probabilities", "decision"], feed)
        row = {"model": name, "rows": len(X), "max_abs_proba_diff": float(np.max(np.abs(proba - ours))),
               "identical_decisions_pct": 100.0 * float(np.mean(model.classes_[(decision > 0).astype(int)] == labels)),
               "predict_proba_s": round(t_lib, 3), "onnxruntime_run_s": round(t_run, 3),
               "onnxruntime_with_feed_s": round(t_run + t_feed, 3),
               "speedup_run": round(t_lib / t_run, 2), "speedup_with_feed": round(t_lib / (t_run + t_feed), 2),
               "load_avg_1min": f"{load_before:.2f} -> {os.getloadavg()[0]:.2f}"}
        results.append(row)
        print(row, flush=True)
    OUT.mkdir(exist_ok=True)
    frame = pd.DataFrame(results)
    frame.insert(0, "commit", commit)
    frame.to_csv(OUT / "onnx_speed.csv", index=False)
    lines = [f"ONNX (onnxruntime {ort.__version__}) vs the library's predict_proba, {len(X):,} raw credit_data rows "
             f"(commit {commit[:10]}; {THREADS} threads each; {os.cpu_count()} CPUs, {platform.machine()}, no GPU)", "",
             "| model | max abs proba diff | identical decisions | predict_proba s | onnxruntime s (run) "
             "| onnxruntime s (feed + run) | speed-up (run) | speed-up (feed + run) | load avg (1 min) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append(f"| {r['model']} | {r['max_abs_proba_diff']:.3g} | {r['identical_decisions_pct']:.4f}% | "
                     f"{r['predict_proba_s']} | {r['onnxruntime_run_s']} | {r['onnxruntime_with_feed_s']} | "
                     f"{r['speedup_run']}x | {r['speedup_with_feed']}x | {r['load_avg_1min']} |")
    (OUT / "onnx_speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()

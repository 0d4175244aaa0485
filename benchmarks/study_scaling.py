"""Study runner scaling and overhead: one study run locally with 1 and 2 worker processes and
on a 2-worker Dask LocalCluster, next to a bare cross-validation loop over the same cells
(the peer: no store, no claims, no checks).

Reports, per configuration: wall time, speed-up over 1 worker, the summed fit / predict
time, and the runner's overhead per cell, measured two ways:

* **per cell** (from the stored rows): the time inside the cell that is neither fit,
  predict nor checks (split, data slicing, complexity, artefacts) plus the driver's
  bookkeeping for the cell (claim, build, dispatch, hand-back) — as a share of the
  cell's fit time, over the cells whose fit takes more than 1 s (the goal: <= 5%);
* **end to end** (1 worker only): what the runner spends outside fit and predict minus
  what the bare loop spends there, per cell — everything, including the SQLite writes,
  claims, data hashing and loading (the fit times themselves vary more between two runs
  than the overhead, so they are taken out of both walls).

and the results table (mean ± std ROC AUC and median fit time per data set and model).

Usage::

    python benchmarks/study_scaling.py            # --quick: 3 data sets x 5 models x 1 seed x 3 folds
    python benchmarks/study_scaling.py --full     # 3 x 5 x 3 seeds x 5 folds (hours on 2 cores)
    python benchmarks/study_scaling.py --configs local1 dask2 --models logreg mlp

Writes ``benchmarks/results/study_scaling{,_full}.{csv,json}`` and ``..._results.csv``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
DATASETS = ["credit_data", "hmda", "default"]
MODELS = ["logreg", "tree", "nam", "rulenet", "mlp"]
CONFIGS = {"local1": ("local", 1), "local2": ("local", 2), "dask2": ("dask", 2)}


def bare_loop(datasets, models, seeds, folds, params) -> tuple[float, pd.DataFrame]:
    """The peer: the same cells in a plain loop (split, make_model, fit, predict_proba, AUC)."""
    from sklearn.metrics import roc_auc_score

    from interpretable_nn.datasets import load_dataset
    from interpretable_nn.studies import split_indices
    from interpretable_nn.studies.backends import _build

    t0 = time.perf_counter()
    rows = []
    for name in datasets:
        ds = load_dataset(name)
        for model in models:
            for seed in seeds:
                for fold in range(folds):
                    tr, te = split_indices(ds.y, "classification", folds, seed, fold)
                    m = _build(model, params.get(model, {}), seed, None)  # same seeds and settings
                    t = time.perf_counter()
                    m.fit(ds.X.iloc[tr], ds.y[tr])
                    fit = time.perf_counter() - t
                    t = time.perf_counter()
                    p = m.predict_proba(ds.X.iloc[te])[:, 1]
                    predict = time.perf_counter() - t
                    rows.append({"dataset": name, "model": model, "seed": seed, "fold": fold, "fit_time": fit,
                                 "predict_time": predict, "auc": roc_auc_score(ds.y[te], p)})
    return time.perf_counter() - t0, pd.DataFrame(rows)


def run_config(name, datasets, models, seeds, folds, params, checks) -> tuple[dict, pd.DataFrame]:
    from interpretable_nn.studies import run_study

    backend, n_jobs = CONFIGS[name]
    out = Path(tempfile.mkdtemp(prefix=f"study_scaling_{name}_"))
    try:
        t0 = time.perf_counter()
        rows = run_study(datasets, models, seeds=seeds, folds=folds, out=out, backend=backend, n_jobs=n_jobs,
                         params=params, checks=checks, verbose=0)
        wall = time.perf_counter() - t0
    finally:
        shutil.rmtree(out, ignore_errors=True)
    ok = rows[rows["status"] == "ok"].copy()
    ok["in_cell"] = ok["cell_time"] - ok["fit_time"] - ok["predict_time"] - ok["check_time"].fillna(0)
    ok["overhead"] = ok["in_cell"] + ok["driver_time"]
    ok["overhead_share"] = ok["overhead"] / ok["fit_time"]
    big = ok[ok["fit_time"] > 1.0]
    summary = {
        "config": name, "backend": backend, "workers": n_jobs, "cells": len(rows), "failed": int(len(rows) - len(ok)),
        "wall_s": wall, "sum_fit_s": ok["fit_time"].sum(), "sum_predict_s": ok["predict_time"].sum(),
        "sum_check_s": ok["check_time"].sum(), "sum_cell_s": ok["cell_time"].sum(),
        "overhead_per_cell_ms": 1e3 * ok["overhead"].mean(),
        "in_cell_overhead_ms": 1e3 * ok["in_cell"].mean(), "driver_overhead_ms": 1e3 * ok["driver_time"].mean(),
        "cells_over_1s": len(big),
        "overhead_share_median_over_1s": float(big["overhead_share"].median()) if len(big) else np.nan,
        "overhead_share_max_over_1s": float(big["overhead_share"].max()) if len(big) else np.nan,
        "busy_share": ok["cell_time"].sum() / (wall * n_jobs),
    }
    if len(rows) != len(ok):
        print(f"  {name}: {len(rows) - len(ok)} failed cells:", rows.loc[rows["status"] != "ok", "error"].str[:200].tolist())
    return summary, rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="1 seed x 3 folds (default)")
    size.add_argument("--full", action="store_true", help="3 seeds x 5 folds: the issue's grid")
    ap.add_argument("--datasets", nargs="+", default=DATASETS)
    ap.add_argument("--models", nargs="+", default=None, help=f"default: those of {MODELS} that are registered")
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--checks", nargs="*", default=[], help="checks per cell (default none: measure the runner)")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare-loop peer")
    ap.add_argument("--device", default=None, help="device for models that take one (e.g. cuda)")
    args = ap.parse_args(argv)

    from interpretable_nn import __version__
    from interpretable_nn.models import available_models, make_model

    models = args.models or [m for m in MODELS if m in available_models()]
    seeds, folds = ([0, 1, 2], 5) if args.full else ([0], 3)
    params = {}
    if args.device:
        params = {m: {"device": args.device} for m in models if "device" in make_model(m).get_params()}
    n_cells = len(args.datasets) * len(models) * len(seeds) * folds
    print(f"study: {args.datasets} x {models} x seeds {seeds} x {folds} folds = {n_cells} cells; "
          f"checks {args.checks or 'none'}; {os.cpu_count()} CPU cores; interpretable_nn {__version__}")

    summaries, all_rows = [], {}
    if not args.no_bare:  # first, so that any warm-up favours the peer, not the runner
        bare_wall, bare = bare_loop(args.datasets, models, seeds, folds, params)
        print(f"  bare loop: {bare_wall:.1f} s wall", flush=True)
    for name in args.configs:
        t = time.perf_counter()
        s, rows = run_config(name, args.datasets, models, seeds, folds, params, tuple(args.checks))
        summaries.append(s)
        all_rows[name] = rows
        print(f"  {name}: {s['wall_s']:.1f} s wall ({time.perf_counter() - t:.0f} s)", flush=True)
    table = pd.DataFrame(summaries)
    base = table.loc[table["config"] == "local1", "wall_s"]
    table["speedup_vs_local1"] = float(base.iloc[0]) / table["wall_s"] if len(base) else np.nan
    if not args.no_bare:
        peer = {"config": "bare loop (peer)", "backend": "none", "workers": 1, "cells": len(bare), "failed": 0,
                "wall_s": bare_wall, "sum_fit_s": bare["fit_time"].sum(), "sum_predict_s": bare["predict_time"].sum()}
        if len(base):
            # what each loop spends outside fit + predict; the difference is the runner's cost
            # (fit times of two runs differ by more than the overhead, so they are taken out)
            loc = table["config"] == "local1"
            runner_rest = float(base.iloc[0]) - float(table.loc[loc, "sum_fit_s"].iloc[0]) \
                - float(table.loc[loc, "sum_predict_s"].iloc[0])
            bare_rest = bare_wall - peer["sum_fit_s"] - peer["sum_predict_s"]
            table.loc[loc, "end_to_end_overhead_per_cell_ms"] = 1e3 * (runner_rest - bare_rest) / n_cells
            table.loc[loc, "runner_vs_bare_wall"] = float(base.iloc[0]) / bare_wall
        table = pd.concat([table, pd.DataFrame([peer])], ignore_index=True)

    ref = all_rows.get("local1", next(iter(all_rows.values())))
    ok = ref[ref["status"] == "ok"]
    results = (ok.groupby(["dataset", "label"], sort=False)
               .agg(auc_mean=("auc", "mean"), auc_std=("auc", "std"), fit_median_s=("fit_time", "median"),
                    n_parameters=("n_parameters", "median"), cells=("auc", "size"))
               .reset_index())
    if "logreg" in set(results["label"]):  # AUC differences against the logistic-regression peer
        lr = results[results["label"] == "logreg"].set_index("dataset")["auc_mean"]
        results["auc_minus_logreg"] = results["auc_mean"] - results["dataset"].map(lr)

    pd.set_option("display.width", 200)
    cols = ["config", "workers", "cells", "failed", "wall_s", "speedup_vs_local1", "sum_fit_s", "busy_share",
            "overhead_per_cell_ms", "in_cell_overhead_ms", "driver_overhead_ms", "cells_over_1s",
            "overhead_share_median_over_1s", "overhead_share_max_over_1s", "end_to_end_overhead_per_cell_ms",
            "runner_vs_bare_wall"]
    print("\nScaling and overhead (overhead share = runner overhead / fit time, cells with fit > 1 s; goal <= 0.05)")
    print(table[[c for c in cols if c in table]].round(4).to_string(index=False))
    print("\nResults (config local1 when run): ROC AUC on held-out folds")
    print(results.round(4).to_string(index=False))

    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = "study_scaling_full" if args.full else "study_scaling"
    table.to_csv(RESULTS / f"{stem}.csv", index=False)
    results.to_csv(RESULTS / f"{stem}_results.csv", index=False)
    meta = {"datasets": args.datasets, "models": models, "seeds": seeds, "folds": folds, "checks": args.checks,
            "cpu_count": os.cpu_count(), "python": platform.python_version(), "library_version": __version__,
            "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])])}
    (RESULTS / f"{stem}.json").write_text(json.dumps(
        {"meta": meta, "scaling": table.to_dict(orient="records"), "results": results.to_dict(orient="records")},
        indent=1, default=float))
    print(f"\nwritten: {RESULTS}/{stem}.csv, {stem}_results.csv, {stem}.json")
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    sys.exit(main())

"""Scale: fit time per epoch and peak memory vs rows, chunked predict/explain throughput and
peak memory on 1M rows, and single-process vs 2-process DDP training, on CPU.

Data: ``make_additive(n_samples=rows, n_features=20)`` (19 numeric columns with missing
values and one categorical), test rows drawn from the same generator with another seed.
Every measurement runs in a fresh subprocess, so its peak resident memory
(``resource.getrusage(...).ru_maxrss``) is its own; ``data GiB`` is the resident memory once
the data is built (the floor every row of a table carries).

Parts (``--parts``):

``fit``
    NAM and MLP (library defaults, a fixed number of epochs with early stopping off) on
    10k / 100k rows (``--full``: also 1M): fit time, seconds per epoch, peak memory, test
    AUC; peers in the same run: HistGradientBoosting (every size) and EBM (10k; ``--full``
    100k): a full fit of each, so ``ratio`` compares one of our epochs with a whole peer fit.
``explain``
    Every torch model (NAM, MLP, RuleNet, PrototypeClassifier) fitted on 10k rows, then
    ``predict_proba`` and ``explain`` on 1,000,000 rows x 20 features, chunked (65,536 rows
    a chunk) and, for comparison, in one pass (``--no-one-pass`` skips those): rows/s and
    peak memory against the 4 GiB goal; peer: HistGradientBoosting ``predict_proba``.
``ddp``
    NAM and MLP (defaults, and the MLP without dropout, whose masks are the one random
    thing that differs per process) on 100k rows (``--full``: 1M), single process vs
    ``torchrun --nproc_per_node 2`` (gloo): seconds per epoch, speed-up, test AUC of each and
    the largest difference of their decision functions on the test rows.

Usage::

    flock /tmp/cpu.lock python benchmarks/scale.py            # minutes on 2 cores
    flock /tmp/cpu.lock python benchmarks/scale.py --full     # 1M rows everywhere
    python benchmarks/scale.py --parts ddp --ddp-rows 20000   # one part, smaller
    python benchmarks/scale.py --device cuda                  # GPU fits (nccl for DDP)

Writes ``benchmarks/results/scale_{fit,explain,ddp}.csv`` and ``scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
N_FEATURES = 20
N_TEST = 20_000
MEMORY_GOAL_GIB = 4.0
FIT_EPOCHS = {"nam": 10, "mlp": 3, "mlp_nodropout": 3}


# ---------------------------------------------------------------------- one measurement
def _peak_gib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


def _data(rows: int, seed: int = 0):
    from interpretable_nn.datasets import make_additive

    ds = make_additive(n_samples=rows, n_features=N_FEATURES, random_state=seed)
    return ds.X, ds.y


def _model(name: str, device: str, epochs: int | None = None):
    import interpretable_nn as inn

    fixed = {} if epochs is None else {"max_epochs": epochs, "patience": epochs + 1}
    kw = {"verbose": 0, "device": device, **fixed}
    if name == "nam":
        return inn.NAMClassifier(**kw)
    if name == "mlp":
        return inn.MLPClassifier(**kw)
    if name == "mlp_nodropout":  # dropout masks are random per process; without them DDP is exact
        return inn.MLPClassifier(dropout=0.0, **kw)
    if name == "rulenet":
        return inn.RuleNetClassifier(**kw)
    if name == "prototype":
        return inn.PrototypeClassifier(**kw)
    raise ValueError(name)


def _peer(name: str):
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        from interpretable_nn.models.wrappers import EncodedSklearnClassifier

        return EncodedSklearnClassifier(HistGradientBoostingClassifier(random_state=0), raw_numeric=True)
    if name == "ebm":
        from interpret.glassbox import ExplainableBoostingClassifier

        from interpretable_nn.models.frame_wrappers import FrameSklearnClassifier

        return FrameSklearnClassifier(ExplainableBoostingClassifier(random_state=0))
    raise ValueError(name)


def _epoch_seconds(model) -> float:
    """Mean seconds of one epoch over every training stage of the fit."""
    h = getattr(model, "history_", None)
    return float(h["seconds"].mean()) if h is not None and len(h) else float("nan")


def cell(spec: dict) -> dict:
    """Run one measurement (in its own process) and return its figures."""
    from sklearn.metrics import roc_auc_score

    from interpretable_nn.models.base import get_chunk_rows

    kind, name = spec["kind"], spec["model"]
    out: dict = {"kind": kind, "model": name}
    if kind in ("fit", "ddp"):
        X, y = _data(spec["rows"])
        Xt, yt = _data(N_TEST, seed=1)
        out["rows"], out["data_gib"] = spec["rows"], _peak_gib()
        m = _peer(name) if spec.get("peer") else _model(name, spec["device"], spec.get("epochs"))
        t = time.perf_counter()
        m.fit(X, y)
        out["fit_s"] = time.perf_counter() - t
        out["peak_gib"] = _peak_gib()
        if not spec.get("peer"):
            out["epochs"] = int(len(m.history_))
            out["s_per_epoch"] = _epoch_seconds(m)
            out["world_size"] = int(os.environ.get("WORLD_SIZE", "1"))
        d = m.decision_function(Xt)
        out["test_auc"] = float(roc_auc_score(yt, d))
        if spec.get("save"):
            if int(os.environ.get("RANK", "0")) == 0:
                np.save(spec["save"], d)
    elif kind == "explain":
        from interpretable_nn.models.base import chunk_rows

        X, y = _data(spec["rows"])
        m = _peer(name) if spec.get("peer") else _model(name, spec["device"])
        m.fit(X.iloc[: spec["fit_rows"]], y[: spec["fit_rows"]])
        out["rows"], out["data_gib"] = spec["rows"], _peak_gib()
        out["chunk_rows"] = spec.get("chunk") or get_chunk_rows()
        with chunk_rows(out["chunk_rows"]):
            _score(m, X, spec, out)
    return out


def _score(m, X, spec: dict, out: dict) -> None:
    """predict_proba then explain on ``X``: rows/s and the peak memory after each."""
    t = time.perf_counter()
    p = m.predict_proba(X)
    out["predict_rows_per_s"] = spec["rows"] / (time.perf_counter() - t)
    out["predict_peak_gib"] = _peak_gib()
    out["finite"] = bool(np.isfinite(p).all())
    if not spec.get("peer"):
        t = time.perf_counter()
        e = m.explain(X)
        out["explain_rows_per_s"] = spec["rows"] / (time.perf_counter() - t)
        out["explain_peak_gib"] = _peak_gib()
        out["finite"] = out["finite"] and bool(np.isfinite(e.values).all())
        gaps = [float(v) for k, v in e.check.items() if k.endswith("_gap")]
        out["check_gap"] = gaps[0] if gaps else None
        out["explained_rows"] = len(e)


# ---------------------------------------------------------------------- driver
def _run(spec: dict, nproc: int = 1, timeout: int = 3600) -> dict:
    args = [__file__, "--cell", json.dumps(spec)]
    if nproc > 1:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *args]
    else:
        cmd = [sys.executable, *args]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    if res.returncode or not lines:
        print(res.stderr[-2000:], file=sys.stderr)
        return {**spec, "error": (res.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(lines[-1])


def part_fit(sizes: list[int], device: str, ebm_max: int) -> pd.DataFrame:
    rows = []
    for n in sizes:
        peers = {}
        for peer in ("hgb", "ebm"):
            if peer == "ebm" and n > ebm_max:
                continue
            r = _run({"kind": "fit", "model": peer, "rows": n, "peer": True})
            peers[peer] = r.get("fit_s")
            rows.append(r)
            print(_fmt(r), flush=True)
        for name in ("nam", "mlp"):
            r = _run({"kind": "fit", "model": name, "rows": n, "epochs": FIT_EPOCHS[name], "device": device})
            for peer, t in peers.items():
                if t and "s_per_epoch" in r:
                    r[f"epoch_over_{peer}_fit"] = r["s_per_epoch"] / t
            rows.append(r)
            print(_fmt(r), flush=True)
    return pd.DataFrame(rows)


def part_explain(rows_n: int, fit_rows: int, device: str, one_pass: bool) -> pd.DataFrame:
    rows = [_run({"kind": "explain", "model": "hgb", "rows": rows_n, "fit_rows": fit_rows, "peer": True})]
    print(_fmt(rows[-1]), flush=True)
    for name in ("nam", "mlp", "rulenet", "prototype"):
        for chunk in [None, rows_n] if one_pass else [None]:  # chunked (default), one pass
            spec = {"kind": "explain", "model": name, "rows": rows_n, "fit_rows": fit_rows, "device": device}
            r = _run({**spec, "chunk": chunk})
            r["explain_under_goal"] = bool(r.get("explain_peak_gib", np.inf) < MEMORY_GOAL_GIB)
            r["predict_speed_vs_hgb"] = r.get("predict_rows_per_s", np.nan) / rows[0].get("predict_rows_per_s", np.nan)
            rows.append(r)
            print(_fmt(r), flush=True)
    return pd.DataFrame(rows)


def part_ddp(n: int, device: str, nproc: int) -> pd.DataFrame:
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="scale_ddp_"))
    for name in ("nam", "mlp", "mlp_nodropout"):
        base = {"kind": "ddp", "model": name, "rows": n, "epochs": FIT_EPOCHS[name], "device": device}
        single = _run({**base, "save": str(tmp / f"{name}_1.npy")})
        multi = _run({**base, "save": str(tmp / f"{name}_{nproc}.npy")}, nproc=nproc)
        single["processes"], multi["processes"] = 1, nproc
        if "error" not in single and "error" not in multi:
            d1, d2 = np.load(tmp / f"{name}_1.npy"), np.load(tmp / f"{name}_{nproc}.npy")
            multi["max_abs_decision_diff"] = float(np.max(np.abs(d1 - d2)))
            multi["auc_diff"] = multi["test_auc"] - single["test_auc"]
            multi["speedup_per_epoch"] = single["s_per_epoch"] / multi["s_per_epoch"]
            multi["speedup_fit"] = single["fit_s"] / multi["fit_s"]
        rows += [single, multi]
        print(_fmt(single), flush=True)
        print(_fmt(multi), flush=True)
    return pd.DataFrame(rows)


def _fmt(r: dict) -> str:
    return "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--full", action="store_true", help="1M rows for fit and DDP too (long)")
    ap.add_argument("--parts", nargs="+", default=["fit", "explain", "ddp"], choices=["fit", "explain", "ddp"])
    ap.add_argument("--sizes", nargs="+", type=int, help="rows of the fit part (default 10k 100k; --full adds 1M)")
    ap.add_argument("--explain-rows", type=int, default=1_000_000)
    ap.add_argument("--fit-rows", type=int, default=10_000, help="training rows of the explain part")
    ap.add_argument("--no-one-pass", action="store_true", help="skip the one-pass (unchunked) comparison rows")
    ap.add_argument("--ddp-rows", type=int, help="rows of the DDP part (default 100k; --full 1M)")
    ap.add_argument("--nproc", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--cell", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.cell:
        out = cell({"device": args.device, **json.loads(args.cell)})
        if int(os.environ.get("RANK", "0")) == 0:
            print(json.dumps(out), flush=True)
        return
    sizes = args.sizes or ([10_000, 100_000, 1_000_000] if args.full else [10_000, 100_000])
    ddp_rows = args.ddp_rows or (1_000_000 if args.full else 100_000)
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "args": vars(args),
    }
    t0 = time.perf_counter()
    tables = {}
    if "fit" in args.parts:
        print("== fit time per epoch and peak memory vs rows", flush=True)
        tables["fit"] = part_fit(sizes, args.device, ebm_max=100_000 if args.full else 10_000)
    if "explain" in args.parts:
        print(f"== chunked predict / explain on {args.explain_rows:,} rows", flush=True)
        tables["explain"] = part_explain(args.explain_rows, args.fit_rows, args.device, not args.no_one_pass)
    if "ddp" in args.parts:
        print(f"== single process vs {args.nproc}-process DDP on {ddp_rows:,} rows", flush=True)
        tables["ddp"] = part_ddp(ddp_rows, args.device, args.nproc)
    for key, df in tables.items():
        df.to_csv(RESULTS / f"scale_{key}.csv", index=False)
        summary[key] = json.loads(df.to_json(orient="records"))
        print(f"\n{key}\n" + df.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    summary["wall_s"] = time.perf_counter() - t0
    path = RESULTS / "scale.json"
    previous = json.loads(path.read_text()) if path.exists() else {}
    previous.update({k: v for k, v in summary.items() if k in tables or k in ("machine",)})
    previous.setdefault("runs", {}).update({k: {"args": vars(args), "wall_s": summary["wall_s"]} for k in tables})
    path.write_text(json.dumps(previous, indent=2))  # parts not run this time are kept
    print(f"\nwall {summary['wall_s']:.0f} s; results in {RESULTS}/scale_*.csv and scale.json")


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()

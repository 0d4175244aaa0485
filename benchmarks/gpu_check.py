"""The GPU check: one prepared script that proves the GPU path (agreement with the CPU,
throughput, where a step's time goes) and writes it all to one JSON file.

A GPU is lent only now and then, for minutes, so this script is ready before the GPU is and
runs in under 8 minutes on one GPU (about 10 on 2 CPU cores with ``--device cpu``, where
the 10M-row case is skipped). Parts (``--parts``, all by default):

``agreement``
    NAMClassifier, RuleNetClassifier, PrototypeClassifier and MLPClassifier (library
    defaults, ``random_state=0``) fitted with ``device=<dev>`` and with ``device="cpu"`` on
    credit_data (a stratified 70/30 split, seed 0): the held-out AUC of each, their
    difference, max |delta probability| and the share of identical decisions (threshold
    0.5). Twice: the default precision (float32 with torch's TF32 settings and CUDA
    kernels that sum in no fixed order; bf16 autocast only for modules that opt in) and under
    :func:`~interpretable_nn.training.devices.deterministic_training` (fp32, TF32 off,
    ``torch.use_deterministic_algorithms``). CPU against CPU must give exactly 0: a check
    of the harness itself (the script exits 1 otherwise).
``throughput``
    NAM (``interactions=0``: the mains stage alone) and MLP (defaults: batch 256) on
    synthetic rows x 50 numeric features, a fixed number of epochs with early stopping
    off: seconds per epoch (median of the engine's epochs after the first) and rows/s
    (rows of the data set / epoch seconds: one epoch reads every row, training and
    validation), the whole fit's time and the part of it outside the engine's epochs,
    peak GPU memory (``torch.cuda.max_memory_allocated``) or the process's peak resident
    memory on CPU; ``explain`` rows/s of the fitted NAM (1M rows) and MLP (20k rows);
    the same NAM/MLP fit on the CPU at 1M rows in the same run and the device/CPU ratio.
    A NAM whose full batch runs out of device memory is refitted with 2**20 rows a step
    (column ``batch``); a size that still does not fit is recorded with its error.
``efficiency``
    ``torch.profiler`` over one epoch of the engine (a NAM main-effect net, full batch, and
    the MLP's module, batch 256, on 200k rows): the share of the wall time spent in
    host<->device copies, the share of the host's time outside any torch op (Python
    overhead), the device's busy share (CUDA) and the top ops.

Usage::

    python benchmarks/gpu_check.py                       # device auto, full sizes
    python benchmarks/gpu_check.py --device cuda         # on the GPU (<= 8 min on an H200)
    flock /tmp/cpu.lock python benchmarks/gpu_check.py --device cpu    # 2 cores, ~10 min
    python benchmarks/gpu_check.py --device cpu --quick  # small sizes (CI's slow suite)
    python benchmarks/gpu_check.py --parts throughput --models mlp --rows 200000,1000000 --cpu-rows 200000

On a lent GPU machine, ``benchmarks/device_check.sh`` runs the CUDA tests and each part
under its own time limit in one call (``results/gpu_check_h200.json`` is such a run;
``docs/gpu.md`` quotes it).

Writes ``--out`` (default ``benchmarks/results/gpu_check.json``; ``--quick`` runs write
``gpu_check_quick.json``) with the commit, the card's name (or ``cpu: <processor>``) and
the torch version, and prints the tables.
"""

from __future__ import annotations

import os

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS (before torch)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
N_FEATURES = 50
#: agreement goals of issue 22 (deterministic mode on a GPU); CPU vs CPU must be exact
TOL_DP, TOL_DECISIONS = 1e-3, 0.999
SIZES = {
    "full": {"rows": [1_000_000, 10_000_000], "cpu_rows": 1_000_000, "nam_epochs": 3, "mlp_epochs": 2,
             "explain_rows": {"nam": 1_000_000, "mlp": 20_000}, "profile_rows": 200_000, "agree_epochs": None},
    "quick": {"rows": [5_000, 20_000], "cpu_rows": 5_000, "nam_epochs": 2, "mlp_epochs": 2,
              "explain_rows": {"nam": 20_000, "mlp": 2_000}, "profile_rows": 5_000, "agree_epochs": 10},
}
MODELS = ("NAMClassifier", "RuleNetClassifier", "PrototypeClassifier", "MLPClassifier")


# ---------------------------------------------------------------------- the machine
def _commit() -> str:
    if os.environ.get("INN_COMMIT"):  # the caller's word, on a copy whose .git is not the tree's (the GPU machine)
        return os.environ["INN_COMMIT"]
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _dirty() -> bool | None:
    """Whether the working tree differs from the recorded commit (None: no git, or INN_COMMIT given)."""
    if os.environ.get("INN_COMMIT"):
        return None
    try:
        return bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                                   text=True, cwd=Path(__file__).parent, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return None


def _card(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"cpu: {name} ({os.cpu_count()} cores, {torch.get_num_threads()} torch threads)"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _reset_peak(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def _peak_gib(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB on Linux


# ---------------------------------------------------------------------- agreement
def _model(name: str, device: str, max_epochs: int | None):
    """The library's defaults; ``max_epochs`` caps every training phase (``--quick``)."""
    import interpretable_nn as inn

    kw = {"random_state": 0, "verbose": 0, "device": device}
    if max_epochs is not None:
        kw["max_epochs"] = max_epochs
        if name == "PrototypeClassifier":
            kw["last_layer_epochs"] = max_epochs
    return getattr(inn, name)(**kw)


def _fit_proba(name, device, X_tr, y_tr, X_te, max_epochs, deterministic: bool):
    from interpretable_nn.training.devices import deterministic_training

    with warnings.catch_warnings(record=True) as caught, deterministic_training(deterministic):
        warnings.simplefilter("always")
        t = time.perf_counter()
        m = _model(name, device, max_epochs).fit(X_tr, y_tr)
        fit_s = time.perf_counter() - t
    notes = sorted({str(w.message)[:160] for w in caught if "deterministic" in str(w.message)})
    return m.predict_proba(X_te)[:, 1], fit_s, notes


def run_agreement(device: torch.device, sizes: dict) -> list[dict]:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from interpretable_nn.datasets import load_dataset

    ds = load_dataset("credit_data")
    X_tr, X_te, y_tr, y_te = train_test_split(ds.X, ds.y, test_size=0.3, stratify=ds.y, random_state=0)
    rows = []
    for name in MODELS:
        p_cpu, cpu_s, _ = _fit_proba(name, "cpu", X_tr, y_tr, X_te, sizes["agree_epochs"], False)
        for mode in ("default", "deterministic"):
            p_dev, dev_s, notes = _fit_proba(name, str(device), X_tr, y_tr, X_te, sizes["agree_epochs"],
                                             mode == "deterministic")
            auc_dev, auc_cpu = roc_auc_score(y_te, p_dev), roc_auc_score(y_te, p_cpu)
            dp = float(np.max(np.abs(p_dev - p_cpu)))
            same = float(np.mean((p_dev >= 0.5) == (p_cpu >= 0.5)))
            row = {"model": name, "mode": mode, "device": str(device), "test_rows": len(y_te),
                   "auc_device": auc_dev, "auc_cpu": auc_cpu, "auc_diff": auc_dev - auc_cpu,
                   "max_abs_dp": dp, "same_decisions": same, "fit_s_device": dev_s, "fit_s_cpu": cpu_s,
                   "within_goal": bool(dp <= TOL_DP and same >= TOL_DECISIONS), "warnings": notes}
            rows.append(row)
            print(f"  {name:20s} {mode:13s} AUC {auc_dev:.4f} vs {auc_cpu:.4f}  max|dp| {dp:.2e}  "
                  f"same decisions {same:.4%}", flush=True)
    return rows


# ---------------------------------------------------------------------- throughput
def synthetic(rows: int, features: int = N_FEATURES, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``rows`` x ``features`` float32 columns (N(0, 1)), y from an additive logit."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features), dtype=np.float32)
    k = min(features, 5)
    logit = np.sin(1.5 * x[:, :k]).sum(1) + 0.6 * x[:, k:].sum(1) / max(1, features - k) ** 0.5
    y = (rng.random(rows, dtype=np.float32) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(x, columns=[f"x{j}" for j in range(features)]), y


#: the NAM's batch when its default full batch does not fit in device memory
FALLBACK_BATCH = 1 << 20


def _throughput_model(kind: str, device: str, epochs: int, batch: int | None = None):
    import interpretable_nn as inn

    kw = {"random_state": 0, "verbose": 0, "device": device, "max_epochs": epochs, "patience": epochs + 1}
    if batch is not None:
        kw["batch_size"] = batch
    if kind == "nam":
        return inn.NAMClassifier(interactions=0, **kw)
    return inn.MLPClassifier(**kw)


def _epoch_seconds(history: pd.DataFrame) -> float:
    h = history[history["stage"] == "mains"] if "stage" in history else history
    sec = h["seconds"].to_numpy()
    return float(np.median(sec[1:] if len(sec) > 1 else sec))  # the first epoch warms up


def _fit_or_fallback(kind: str, device: torch.device, X, y, epochs: int):
    """The model fitted with its default batch; a NAM whose full batch runs out of device
    memory is refitted with ``FALLBACK_BATCH`` rows a step. (model, batch, fit seconds)."""
    batch = None
    while True:
        _reset_peak(device)
        t = time.perf_counter()
        try:
            m = _throughput_model(kind, str(device), epochs, batch).fit(X, y)
            return m, batch, time.perf_counter() - t
        except torch.cuda.OutOfMemoryError:
            if kind != "nam" or batch is not None:
                raise
            print(f"  {kind} {len(X):,} rows: full batch out of device memory; batch {FALLBACK_BATCH:,}", flush=True)
            torch.cuda.empty_cache()
            batch = FALLBACK_BATCH


def _one_throughput(kind: str, device: torch.device, rows: int, sizes: dict, explain: bool) -> dict:
    X, y = synthetic(rows)
    epochs = sizes["nam_epochs"] if kind == "nam" else sizes["mlp_epochs"]
    try:
        m, batch, fit_s = _fit_or_fallback(kind, device, X, y, epochs)
    except torch.cuda.OutOfMemoryError as err:  # one size fails, the check goes on
        torch.cuda.empty_cache()
        print(f"  {kind} {str(device)} {rows:,} rows: out of device memory", flush=True)
        return {"model": kind, "device": str(device), "rows": rows, "features": N_FEATURES,
                "error": f"out of memory: {str(err)[:200]}", "rows_per_s": None}
    ep = _epoch_seconds(m.history_)
    epochs_run = int(m.fit_info_["n_epochs"])
    default_batch = "full" if kind == "nam" else 256
    row = {"model": kind, "device": str(device), "rows": rows, "features": N_FEATURES, "epochs": epochs_run,
           "batch": batch or default_batch,
           "epoch_s": ep, "rows_per_s": rows / ep, "fit_s": fit_s,
           "outside_engine_s": fit_s - float(m.history_["seconds"].sum()), "peak_gib": _peak_gib(device)}
    n_exp = sizes["explain_rows"][kind]
    if explain and n_exp:
        Xe = X.iloc[:n_exp] if n_exp <= rows else synthetic(n_exp, seed=1)[0]
        m.to(str(device))
        _sync(device)
        t = time.perf_counter()
        e = m.explain(Xe)
        _sync(device)
        row.update(explain_rows=n_exp, explain_rows_per_s=n_exp / (time.perf_counter() - t),
                   explain_finite=bool(np.isfinite(e.values).all()))
    print(f"  {kind:4s} {str(device):6s} {rows:>10,d} rows: {ep:8.3f} s/epoch  {rows / ep:>12,.0f} rows/s  "
          f"fit {fit_s:7.1f} s  peak {row['peak_gib']:.2f} GiB"
          + (f"  explain {row['explain_rows_per_s']:,.0f} rows/s" if "explain_rows_per_s" in row else ""),
          flush=True)
    del m, X, y
    return row


def run_throughput(device: torch.device, sizes: dict, skip_cpu_rows: int,
                   kinds=("nam", "mlp")) -> tuple[list[dict], list[str]]:
    rows, notes = [], []
    for kind in kinds:
        for n in sizes["rows"]:
            if device.type == "cpu" and n > skip_cpu_rows:
                notes.append(f"{kind} at {n:,} rows skipped on CPU (over --cpu-max-rows {skip_cpu_rows:,}).")
                print("  " + notes[-1])
                continue
            rows.append(_one_throughput(kind, device, n, sizes, explain=n == sizes["cpu_rows"]))
        if device.type != "cpu":
            ref = _one_throughput(kind, torch.device("cpu"), sizes["cpu_rows"], sizes, explain=False)
            rows.append(ref)
    for r in rows:
        ref = [c for c in rows if c["model"] == r["model"] and c["device"] == "cpu" and c["rows"] == sizes["cpu_rows"]]
        ok = ref and r["rows"] == sizes["cpu_rows"] and r["rows_per_s"] and ref[0]["rows_per_s"]
        r["speedup_vs_cpu"] = r["rows_per_s"] / ref[0]["rows_per_s"] if ok else None
    return rows, notes


# ---------------------------------------------------------------------- efficiency
def _union(intervals) -> float:
    total, end = 0.0, -float("inf")
    for s, e in sorted(intervals):
        if e > end:
            total += e - max(s, end)
            end = e
    return total


def _nam_engine_inputs(rows: int):
    from interpretable_nn.models.nam.layout import TermLayout, knot_levels
    from interpretable_nn.nn.feature_nets import MainEffectNet

    X, y = synthetic(rows)
    x = X.to_numpy()
    qs = [np.unique(np.quantile(x[:, j], knot_levels(16, len(x)))).tolist() for j in range(x.shape[1])]
    lay = TermLayout(names=list(X.columns), is_numeric=[True] * x.shape[1], col=list(range(x.shape[1])),
                     knots=qs, cat_sizes=[], monotone=[0] * x.shape[1], pair_knots=[[0] for _ in qs])
    lo, w = lay._interp_index(x, np.zeros_like(x, dtype=bool), qs)
    lo = lo + lay.main_offsets()[None, :]
    torch.manual_seed(0)
    net = MainEffectNet(torch.from_numpy(lay.padded_knots()), torch.zeros(x.shape[1]), 0, n_bags=8)
    return net, (torch.from_numpy(lo), torch.from_numpy(w)), torch.from_numpy(y), None


def _mlp_engine_inputs(rows: int):
    import interpretable_nn as inn

    X, y = synthetic(rows)
    m = inn.MLPClassifier(max_epochs=1, verbose=0, device="cpu").fit(X.iloc[:2000], y[:2000])
    return m.module_, m._module_inputs(m.encoder_.transform(X)), torch.from_numpy(y), 256


def _profile(kind: str, device: torch.device, rows: int) -> dict:
    from torch.profiler import ProfilerActivity, profile

    from interpretable_nn.training.engine import TrainConfig, train

    module, inputs, y, batch = (_nam_engine_inputs if kind == "nam" else _mlp_engine_inputs)(rows)
    cfg = TrainConfig(max_epochs=1, batch_size=batch, validation_fraction=0.0, verbose=0, device=str(device),
                      schedule="constant", num_threads=1 if kind == "nam" else None)
    train(module, inputs, y, "binary", cfg)  # warm-up: kernels, allocator, device copies
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    _sync(device)
    with profile(activities=acts) as prof:
        t = time.perf_counter()
        res = train(module, inputs, y, "binary", cfg)
        _sync(device)
        wall = time.perf_counter() - t
    events = [e for e in prof.events() if e.time_range.end > e.time_range.start]
    host_top = [e for e in events if e.device_type.name == "CPU" and e.cpu_parent is None]
    host_ops_us = _union([(e.time_range.start, e.time_range.end) for e in host_top])
    span = (max(e.time_range.end for e in host_top) - min(e.time_range.start for e in host_top)) if host_top else 0
    copy_kinds = ("memcpy htod", "memcpy dtoh", "memcpy htod", "memcpy dtoh")
    dev_events = [e for e in events if e.device_type.name == "CUDA"]
    copy_us = sum(e.time_range.end - e.time_range.start for e in dev_events
                  if any(k in e.name.lower() for k in copy_kinds))
    busy_us = _union([(e.time_range.start, e.time_range.end) for e in dev_events])
    table = prof.key_averages()
    top = sorted(table, key=lambda a: a.self_cpu_time_total, reverse=True)[:6]
    steps = max(1, -(-rows // batch)) if batch else 1
    out = {"model": kind, "device": str(device), "rows": rows, "batch": batch or "full", "steps": steps,
           "wall_s": wall, "epoch_s": float(res.history["seconds"].iloc[0]),
           "copy_share": copy_us / span if span else 0.0,
           "python_share": max(0.0, 1 - host_ops_us / span) if span else 0.0,
           "device_busy_share": (busy_us / span if span else 0.0) if device.type == "cuda" else None,
           "top_ops": [{"op": a.key, "self_cpu_ms": a.self_cpu_time_total / 1e3, "calls": a.count} for a in top]}
    busy = "" if out["device_busy_share"] is None else f"  device busy {out['device_busy_share']:.1%}"
    print(f"  {kind:4s} {str(device):6s} {rows:,} rows, {steps} steps: copies {out['copy_share']:.1%}  "
          f"python {out['python_share']:.1%}{busy}  epoch {out['epoch_s']:.3f} s", flush=True)
    return out


def run_efficiency(device: torch.device, sizes: dict) -> list[dict]:
    return [_profile(kind, device, sizes["profile_rows"]) for kind in ("nam", "mlp")]


# ---------------------------------------------------------------------- report
def _table(rows: list[dict], cols: list[str]) -> str:
    df = pd.DataFrame(rows)
    return df[[c for c in cols if c in df]].to_string(index=False, float_format=lambda v: f"{v:.4g}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="auto", help="cuda, cpu or auto (default)")
    ap.add_argument("--quick", action="store_true", help="small sizes and few epochs (CI)")
    ap.add_argument("--parts", default="agreement,throughput,efficiency")
    ap.add_argument("--cpu-max-rows", type=int, default=2_000_000,
                    help="skip CPU throughput sizes above this (default 2,000,000: 10M rows skipped on CPU)")
    ap.add_argument("--rows", default=None,
                    help="throughput sizes, comma-separated (default 1,000,000,10,000,000; --quick: 5,000,20,000)")
    ap.add_argument("--models", default="nam,mlp", help="throughput: nam, mlp or both (default)")
    ap.add_argument("--cpu-rows", type=int, default=None,
                    help="the size of the CPU reference fit and of the device/CPU ratio (default 1,000,000); "
                         "added to --rows when missing")
    ap.add_argument("--agree-epochs", type=int, default=None,
                    help="cap every training phase of the agreement fits (default: the library's; --quick: 10)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch CPU threads (default torch's; --quick: 1, robust on a busy shared runner)")
    ap.add_argument("--out", default=None, help="JSON path (default benchmarks/results/gpu_check[_quick].json)")
    args = ap.parse_args(argv)
    from interpretable_nn.training.devices import resolve_device

    device = resolve_device(args.device)
    sizes = dict(SIZES["quick" if args.quick else "full"])
    if args.agree_epochs is not None:
        sizes["agree_epochs"] = args.agree_epochs
    if args.rows:
        sizes["rows"] = [int(r.replace("_", "")) for r in args.rows.split(",") if r.strip()]
    if args.cpu_rows is not None:
        sizes["cpu_rows"] = args.cpu_rows
    if sizes["cpu_rows"] not in sizes["rows"]:
        sizes["rows"] = sorted([*sizes["rows"], sizes["cpu_rows"]])
    threads = args.threads if args.threads is not None else (1 if args.quick else None)
    if threads is not None:
        torch.set_num_threads(threads)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    out = Path(args.out) if args.out else RESULTS / ("gpu_check_quick.json" if args.quick else "gpu_check.json")
    meta = {"commit": _commit(), "dirty": _dirty(), "card": _card(device), "device": str(device), "torch": torch.__version__,
            "cuda": torch.version.cuda, "python": platform.python_version(), "quick": args.quick,
            "features": N_FEATURES, "threads": torch.get_num_threads(),
            "agree_epochs": sizes["agree_epochs"], "rows": sizes["rows"], "cpu_rows": sizes["cpu_rows"],
            "time": time.strftime("%Y-%m-%d %H:%M:%S"),
            "tolerance": {"max_abs_dp": TOL_DP, "same_decisions": TOL_DECISIONS,
                          "cpu_vs_cpu": "exact (0 difference): the harness check",
                          "default_mode": "float32 with torch's TF32 settings (cuDNN TF32 on by default: "
                                          "10-bit mantissa) and CUDA kernels whose sums run in no fixed order "
                                          "(index_add/scatter_add backward); bf16 autocast (8-bit mantissa) only "
                                          "for modules that set supports_amp=True: no bound is promised, the "
                                          "figures are reported",
                          "deterministic_mode": f"fp32, TF32 off, deterministic kernels: goal |dp| <= {TOL_DP} and "
                                                f">= {TOL_DECISIONS:.1%} identical decisions (CPU and GPU still "
                                                "round differently, so not bit-identical)"}}
    print(f"gpu_check on {meta['card']}, torch {torch.__version__}, commit {meta['commit'][:10]}", flush=True)
    report: dict = {"meta": meta, "notes": []}
    t0 = time.perf_counter()
    if "agreement" in parts:
        print("agreement (credit_data, 70/30 stratified, seed 0):", flush=True)
        report["agreement"] = run_agreement(device, sizes)
    if "throughput" in parts:
        print(f"throughput ({N_FEATURES} features):", flush=True)
        kinds = [k.strip() for k in args.models.split(",") if k.strip()]
        report["throughput"], notes = run_throughput(device, sizes, args.cpu_max_rows, kinds)
        report["notes"] += notes
    if "efficiency" in parts:
        print("efficiency (torch.profiler, one epoch of the engine):", flush=True)
        report["efficiency"] = run_efficiency(device, sizes)
    meta["total_s"] = time.perf_counter() - t0
    harness_ok = all(r["max_abs_dp"] == 0 and r["same_decisions"] == 1.0 and r["auc_diff"] == 0
                     for r in report.get("agreement", []) if device.type == "cpu")
    meta["cpu_vs_cpu_exact"] = harness_ok if device.type == "cpu" and "agreement" in parts else None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str))
    if "agreement" in report:
        print("\n" + _table(report["agreement"], ["model", "mode", "auc_device", "auc_cpu", "auc_diff", "max_abs_dp",
                                                  "same_decisions", "within_goal"]))
    if "throughput" in report:
        print("\n" + _table(report["throughput"], ["model", "device", "rows", "batch", "epoch_s", "rows_per_s", "fit_s",
                                                   "outside_engine_s", "peak_gib", "explain_rows",
                                                   "explain_rows_per_s", "speedup_vs_cpu"]))
    if "efficiency" in report:
        print("\n" + _table(report["efficiency"], ["model", "device", "rows", "batch", "steps", "epoch_s",
                                                   "copy_share", "python_share", "device_busy_share"]))
    print(f"\nwrote {out} ({meta['total_s']:.0f} s)")
    if meta["cpu_vs_cpu_exact"] is False:
        print("CPU vs CPU agreement is not exact: the harness is broken.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    sys.exit(main())

"""Whole NAMClassifier fits on many rows: where a big fit's time goes besides its epochs.

The same model as ``gpu_check.py``'s throughput part (``interactions=0``, 3 epochs, early
stopping off, 50 numeric columns of synthetic data), fitted on the CPU at each size. Per fit:
the wall time, the engine's epochs (the last flexibility step's: ``history_``), the process's
peak memory so far (sizes run in ascending order), and a
checksum of the decision function on 2,000 rows, so that two commits can be compared for
speed *and* for the same model. Rows are appended, one per (commit, rows, repeat), so a run
at an older commit (``git worktree``) and one at HEAD land in the same file.

Usage::

    python benchmarks/nam_fit_scaling.py                       # 200,000 and 1,000,000 rows
    python benchmarks/nam_fit_scaling.py --rows 200000 --repeats 3
    python benchmarks/nam_fit_scaling.py --rows 200000 --explain-rows 1000000   # and explain 1M new rows
    python benchmarks/nam_fit_scaling.py --summary             # the markdown table only

Writes ``benchmarks/results/nam_fit_scaling.csv`` and ``nam_fit_scaling.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CSV, MD = RESULTS / "nam_fit_scaling.csv", RESULTS / "nam_fit_scaling.md"


def _peak_rss_gib() -> float:
    """The process's peak resident memory so far, in GiB (Linux and macOS; NaN elsewhere): a run
    fits its sizes in ascending order, so after a fit it is that fit's peak or an earlier one's."""
    try:
        import resource
    except ImportError:
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (2**30 if sys.platform == "darwin" else 2**20)  # bytes on macOS, KiB on Linux


def fit_once(rows: int, explain_rows: int = 0) -> dict:
    import gpu_check  # beside this script (main puts its folder on the path once)

    X, y = gpu_check.synthetic(rows)
    model = gpu_check._throughput_model("nam", "cpu", 3)
    t = time.perf_counter()
    model.fit(X, y)
    fit_s = time.perf_counter() - t
    d = model.decision_function(X.iloc[:2000])
    out = {"rows": rows, "features": gpu_check.N_FEATURES, "fit_s": fit_s,
           "engine_s": float(model.history_["seconds"].sum()), "checksum": float(np.sum(d)),
           "threads": torch.get_num_threads(), "peak_rss_gib": _peak_rss_gib()}
    if explain_rows:  # the fitted model explains new rows: encoding and table reads
        Xe = gpu_check.synthetic(explain_rows, seed=1)[0]
        t = time.perf_counter()
        e = model.explain(Xe)
        out.update(explain_rows=explain_rows, explain_s=time.perf_counter() - t,
                   explain_checksum=float(np.sum(e.values[:2000])))
    return out


def summary(df: pd.DataFrame) -> str:
    if "peak_rss_gib" not in df:
        df = df.assign(peak_rss_gib=np.nan)
    g = df.groupby(["commit", "rows"], sort=False).agg(fit_s=("fit_s", "median"), engine_s=("engine_s", "median"),
                                                        checksum=("checksum", "first"), repeats=("fit_s", "size"),
                                                        peak=("peak_rss_gib", "max"))
    lines = ["| commit | rows | fit (s, median) | epochs of the kept step (s) | repeats | checksum of 2,000 decisions "
             "| peak memory (GiB) |", "|---|---|---|---|---|---|---|"]
    for (commit, rows), r in g.iterrows():
        peak = "–" if np.isnan(r.peak) else f"{r.peak:.2f}"
        lines.append(f"| `{commit[:10]}` | {rows:,} | {r.fit_s:.1f} | {r.engine_s:.1f} | {int(r.repeats)} | {r.checksum:.6f} "
                     f"| {peak} |")
    if "explain_s" in df and df["explain_s"].notna().any():
        lines += ["", "| commit | model fitted on | rows explained | explain (s) | rows / s | checksum |", "|---|---|---|---|---|---|"]
        for r in df[df["explain_s"].notna()].itertuples():
            lines.append(f"| `{r.commit[:10]}` | {r.rows:,} | {int(r.explain_rows):,} | {r.explain_s:.1f} "
                         f"| {r.explain_rows / r.explain_s:,.0f} | {r.explain_checksum:.6f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import _provenance

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="200000,1000000")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--explain-rows", type=int, default=0, help="explain this many new rows with each fitted model")
    ap.add_argument("--summary", action="store_true", help="rewrite the markdown from the CSV and stop")
    args = ap.parse_args(argv)
    if not args.summary:
        commit = _provenance.current_commit()
        new = [{"commit": commit, "repeat": i, **fit_once(int(n), args.explain_rows)}
               for n in sorted(int(n) for n in args.rows.split(",")) for i in range(args.repeats)]
        for r in new:
            print(f"{r['rows']:>10,d} rows: fit {r['fit_s']:7.1f} s, epochs {r['engine_s']:5.1f} s, "
                  f"checksum {r['checksum']:.6f}", flush=True)
        old = pd.read_csv(CSV) if CSV.exists() else pd.DataFrame()
        pd.concat([old, pd.DataFrame(new)], ignore_index=True).to_csv(CSV, index=False)
    MD.write_text("# Whole NAM fits on many rows (CPU)\n\n" + summary(pd.read_csv(CSV)))
    print(MD.read_text())
    return 0


if __name__ == "__main__":
    import _provenance

    _provenance.watch()
    sys.exit(main())

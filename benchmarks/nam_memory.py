"""Peak memory of default NAMClassifier fits: the measurements behind the fit's memory check.

Each (rows, columns) fit runs in its own process, so that its peak resident memory
(``ru_maxrss``) is its own: the process makes the synthetic frame (``gpu_check.synthetic``:
float32 columns, an additive logit), records its memory, fits ``NAMClassifier(random_state=0)``
with every default (flexibility search, term selection, pairs), and records the peak. The
fit's own share is ``peak - before``; :data:`interpretable_nn.models.nam.memory.BYTES_PER_CELL`
and its intercept are read off these rows (``--fit``), and the table sets each row beside the
estimate the library makes before training, with its constants as they are now. Each row also
keeps a checksum of 2,000 decisions, so that two commits can be compared for the same model.

Usage::

    python benchmarks/nam_memory.py                          # the default grid
    python benchmarks/nam_memory.py --sizes 20000x10,50000x50
    python benchmarks/nam_memory.py --summary                # the markdown table only
    python benchmarks/nam_memory.py --sizes 100000x50 --root /tmp/old --out nam_memory_ab.csv
                                       # the same fit by another checkout (git worktree), for a before/after

Writes ``benchmarks/results/nam_memory.csv`` and ``nam_memory.md``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
CSV, MD = RESULTS / "nam_memory.csv", RESULTS / "nam_memory.md"
GRID = "20000x10,20000x50,50000x10,50000x50,100000x10,100000x50,200000x50,50000x50c,50000x10x16"


def _rss_gib() -> float:
    """This process's current resident memory (``/proc/self/statm``), GiB; the peak is
    ``nam_fit_scaling._peak_rss_gib`` (``ru_maxrss``)."""
    import os

    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**30


def child(rows: int, cols: int, bags: int | None = None, categorical: int = 0, root: str | None = None) -> dict:
    """One fit in this process (run by :func:`measure` in a fresh interpreter); the last
    ``categorical`` columns are cut into 10 string levels (their deciles)."""
    import time

    if root:  # another checkout's library (a before/after): first on the path
        sys.path.insert(0, root)
    import gpu_check
    from nam_fit_scaling import _peak_rss_gib

    import interpretable_nn as inn

    assert not root or Path(inn.__file__).resolve().is_relative_to(Path(root).resolve()), inn.__file__

    X, y = gpu_check.synthetic(rows, cols)
    for c in X.columns[cols - categorical:]:
        X[c] = pd.qcut(X[c], 10, labels=[f"L{i}" for i in range(10)]).astype(str)
    m = inn.NAMClassifier(random_state=0, verbose=0, **({} if bags is None else {"n_bags": bags}))
    before = _rss_gib()
    t = time.perf_counter()
    m.fit(X, y)
    fit_s = time.perf_counter() - t
    peak = _peak_rss_gib()
    checksum = float(np.sum(m.decision_function(X.iloc[:2000])))
    return {"rows": rows, "columns": cols, "categorical": categorical, "bags": int(m.n_bags), "before_gib": before, "peak_gib": peak, "fit_gib": peak - before,
            "fit_s": fit_s, "checksum": checksum, "pairs": len(m.layout_.pairs),
            "epochs": int(m.fit_info_["n_epochs"])}


def measure(rows: int, cols: int, bags: int | None = None, categorical: int = 0, root: str | None = None) -> dict:
    code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import nam_memory; "
            f"print('RESULT' + json.dumps(nam_memory.child({rows}, {cols}, {bags}, {categorical}, {root!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT"))[6:])


def summary(df: pd.DataFrame) -> str:
    """The table; the estimate column is the library's :func:`estimate_fit_bytes` with its
    constants as they are now (so the table shows how close today's estimate comes)."""
    from interpretable_nn.models.nam.memory import estimate_fit_bytes

    if "categorical" not in df:
        df = df.assign(categorical=0)
    df = df.fillna({"categorical": 0})
    lines = ["| commit | rows | columns (categorical) | bags | pairs | fit (s) | memory before (GiB) | peak (GiB) | the fit's share (GiB) "
             "| bytes per cell | estimate (GiB) | estimate / share |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in df.itertuples():
        per_cell = r.fit_gib * 2**30 / (r.rows * r.columns)
        est = estimate_fit_bytes(r.rows, r.columns - int(r.categorical), int(r.categorical), int(r.bags)) / 2**30
        lines.append(f"| `{r.commit[:10]}` | {r.rows:,} | {r.columns} ({int(r.categorical)}) | {r.bags} | {r.pairs} | {r.fit_s:.1f} | {r.before_gib:.2f} "
                     f"| {r.peak_gib:.2f} | {r.fit_gib:.2f} | {per_cell:,.0f} | {est:.2f} | {est / r.fit_gib:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import _provenance

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=GRID, help="comma-separated ROWSxCOLUMNS or ROWSxCOLUMNSxBAGS; a trailing c "
                    "makes half the columns categorical")
    ap.add_argument("--summary", action="store_true", help="rewrite the markdown from the CSV and stop")
    ap.add_argument("--fit", action="store_true", help="print the least-squares bytes per cell and intercept")
    ap.add_argument("--root", help="fit with the library of this checkout (a git worktree) instead")
    ap.add_argument("--out", default=CSV.name, help="results CSV under benchmarks/results (its .md beside it)")
    args = ap.parse_args(argv)
    csv, md = RESULTS / args.out, (RESULTS / args.out).with_suffix(".md")
    if not args.summary and not args.fit:
        commit = _provenance.current_commit()
        if args.root:
            commit = subprocess.run(["git", "-C", args.root, "rev-parse", "HEAD"], capture_output=True, text=True,
                                    check=True).stdout.strip()
        new = []
        for size in args.sizes.split(","):
            half = size.lower().endswith("c")  # "50000x50c": half the columns categorical
            rows, cols, *bags = (int(v) for v in size.lower().rstrip("c").split("x"))
            r = {"commit": commit, **measure(rows, cols, bags[0] if bags else None, cols // 2 if half else 0, args.root)}
            print(f"{size:>14s}: fit {r['fit_s']:6.1f} s, peak {r['peak_gib']:.2f} GiB (the fit's {r['fit_gib']:.2f}), "
                  f"checksum {r['checksum']:.6f}", flush=True)
            new.append(r)
        old = pd.read_csv(csv) if csv.exists() else pd.DataFrame()
        pd.concat([old, pd.DataFrame(new)], ignore_index=True).to_csv(csv, index=False)
    df = pd.read_csv(csv)
    if args.fit:
        cells = (df["rows"] * df["columns"]).to_numpy(float)
        a = np.vstack([cells, np.ones_like(cells)]).T
        (slope, icpt), *_ = np.linalg.lstsq(a, df["fit_gib"].to_numpy() * 2**30, rcond=None)
        print(f"bytes per cell {slope:,.0f}, intercept {icpt / 2**20:,.0f} MiB")
        return 0
    md.write_text("# Peak memory of default NAM fits (CPU)\n\n" + summary(df))
    print(md.read_text())
    return 0


if __name__ == "__main__":
    import _provenance

    _provenance.watch()
    sys.exit(main())

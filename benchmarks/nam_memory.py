"""Peak memory of default NAMClassifier fits: the measurements behind the fit's memory check.

Each (rows, columns) fit runs in its own process, so that its peak resident memory
(``ru_maxrss``) is its own: the process makes the synthetic frame (``gpu_check.synthetic``:
float32 columns, an additive logit), records its memory, fits ``NAMClassifier(random_state=0)``
with every default (flexibility search, term selection, pairs), with ``interactions=K`` or with
a named pair of two categorical columns of many levels, and records the peak. The fit's own share is ``peak - before``; :data:`interpretable_nn.models.nam.memory.BYTES_PER_CELL`
and its intercept are read off these rows (``--fit``), and the table sets each row beside the
estimate the library makes before training, with its constants as they are now. Each row also
keeps a checksum of 2,000 decisions, so that two commits can be compared for the same model.

Usage::

    python benchmarks/nam_memory.py                          # the default grid
    python benchmarks/nam_memory.py --sizes 20000x10,50000x50
    python benchmarks/nam_memory.py --sizes 50000x50i0,50000x50i300 # interactions=0 and =300
    python benchmarks/nam_memory.py --sizes 20000x3p2000         # a named pair of 2000 x 2000 levels
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


def child(rows: int, cols: int, bags: int | None = None, categorical: int = 0, root: str | None = None,
          interactions: int | None = None, levels: int | None = None, batch: int | None = None) -> dict:
    """One fit in this process (run by :func:`measure` in a fresh interpreter); the last
    ``categorical`` columns are cut into 10 string levels (their deciles). With ``levels``,
    the last two columns are drawn at random among ``levels`` string levels each and the fit
    is asked for their pair (``interactions=[(a, b)]``): a grid of levels x levels cells. With
    ``batch``, the fit trains in mini-batches of that many rows (``batch_size``)."""
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
    if levels:
        rng = np.random.default_rng(1)
        for c in X.columns[-2:]:
            X[c] = pd.Series(rng.integers(0, levels, rows)).map("L{}".format)
        interactions = [tuple(X.columns[-2:])]
    m = inn.NAMClassifier(random_state=0, verbose=0, **({} if bags is None else {"n_bags": bags}),
                          **({} if interactions is None else {"interactions": interactions}),
                          **({} if batch is None else {"batch_size": batch}))
    before = _rss_gib()
    t = time.perf_counter()
    m.fit(X, y)
    fit_s = time.perf_counter() - t
    peak = _peak_rss_gib()
    checksum = float(np.sum(m.decision_function(X.iloc[:2000])))
    return {"rows": rows, "columns": cols, "categorical": categorical + 2 * bool(levels), "bags": int(m.n_bags),
            "interactions": "named" if levels else str(m.interactions), "levels": levels or 0,
            "batch_size": batch or 0, "before_gib": before, "peak_gib": peak, "fit_gib": peak - before,
            "fit_s": fit_s, "checksum": checksum, "pairs": len(m.layout_.pairs),
            "epochs": int(m.fit_info_["n_epochs"])}


def measure(rows: int, cols: int, bags: int | None = None, categorical: int = 0, root: str | None = None,
            interactions: int | None = None, levels: int | None = None, batch: int | None = None) -> dict:
    extra = "" if interactions is None else f", interactions={interactions}"  # an older checkout's child lacks it
    extra += (f", levels={levels}" if levels else "") + (f", batch={batch}" if batch else "")
    code = (f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import nam_memory; "
            f"print('RESULT' + json.dumps(nam_memory.child({rows}, {cols}, {bags}, {categorical}, {root!r}{extra})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT"))[6:])


def _terms(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the most pairs each measured fit may hold, the cells of its named pair's grid, whether
    it trained in mini-batches of under a quarter of the rows), as the library's check counts
    them: rows without an ``interactions`` value are default fits."""
    from interpretable_nn.data.encoding import N_RESERVED
    from interpretable_nn.models.nam.memory import pairs_held

    inter = df["interactions"] if "interactions" in df else pd.Series(["auto"] * len(df), index=df.index)
    levels = df["levels"].fillna(0).to_numpy(int) if "levels" in df else np.zeros(len(df), int)
    held = [1 if str(i) == "named" else pairs_held("auto" if pd.isna(i) or str(i) == "auto" else int(float(i)), int(c),
                                                    True) for i, c in zip(inter, df["columns"])]
    batch = df["batch_size"].fillna(0).to_numpy(int) if "batch_size" in df else np.zeros(len(df), int)
    return np.array(held), np.where(levels > 0, (levels + N_RESERVED) ** 2, 0), (batch > 0) & (4 * batch < df["rows"])


def estimates(df: pd.DataFrame) -> np.ndarray:
    """Each measured fit's estimate (GiB) as the library's check makes it now, from its rows,
    columns, bags and :func:`_terms`."""
    from interpretable_nn.models.nam.memory import estimate_fit_bytes

    held, cells, mini = _terms(df)
    cat = df["categorical"].fillna(0).to_numpy(int) if "categorical" in df else np.zeros(len(df), int)
    return np.array([estimate_fit_bytes(r, c - k, k, b, h, g, m) for r, c, k, b, h, g, m in
                     zip(df["rows"], df["columns"], cat, df["bags"], held, cells, mini)]) / 2**30


def summary(df: pd.DataFrame) -> str:
    """The table; the estimate column is :func:`estimates`, the library's with its constants
    as they are now (so the table shows how close today's estimate comes)."""
    if "categorical" not in df:
        df = df.assign(categorical=0)
    held, cells, _ = _terms(df)
    df = df.fillna({"categorical": 0}).assign(held=held, cells=cells, est=estimates(df))
    if "batch_size" not in df:
        df = df.assign(batch_size=0)
    inter = df["interactions"].astype(object).fillna("auto") if "interactions" in df else pd.Series(["auto"] * len(df))
    lines = ["| commit | rows | columns (categorical) | bags | batch | interactions | pairs it may hold "
             "| grid cells named | pairs kept | fit (s) | memory before (GiB) | peak (GiB) | the fit's share (GiB) "
             "| estimate (GiB) | estimate / share |", "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r, i in zip(df.itertuples(), inter):
        i = i if str(i) in ("auto", "named") else str(int(float(i)))
        bs = f"{int(r.batch_size):,}" if r.batch_size and not pd.isna(r.batch_size) else "full"
        lines.append(f"| `{r.commit[:10]}` | {r.rows:,} | {r.columns} ({int(r.categorical)}) | {r.bags} | {bs} | {i} | {r.held} "
                     f"| {r.cells:,} | {r.pairs} | {r.fit_s:.1f} | {r.before_gib:.2f} | {r.peak_gib:.2f} | {r.fit_gib:.2f} "
                     f"| {r.est:.2f} | {r.est / r.fit_gib:.2f} |")
    return "\n".join(lines) + "\n"


def fit_constants(df: pd.DataFrame) -> tuple[float, ...]:
    """(intercept bytes, bytes per cell, bytes per row x pair, bytes per pair, bytes per named
    grid cell x bag): least squares on the relative error of the 8-bag full-batch fits (a small
    fit's 20% counts as much as a large one's)."""
    d = df[(df["bags"] == 8) & ~_terms(df)[2]]
    held, cells = (t.astype(float) for t in _terms(d)[:2])
    rows = d["rows"].to_numpy(float)
    a = np.vstack([np.ones_like(rows), rows * d["columns"].to_numpy(float), rows * held, held, cells * 8]).T
    meas = d["fit_gib"].to_numpy() * 2**30
    coef, *_ = np.linalg.lstsq(a / meas[:, None], np.ones_like(meas), rcond=None)
    return tuple(float(c) for c in coef)


def main(argv=None) -> int:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import _provenance

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=GRID, help="comma-separated ROWSxCOLUMNS or ROWSxCOLUMNSxBAGS; a trailing c "
                    "makes half the columns categorical, a trailing iK fits with interactions=K, a trailing pL names the "
                    "pair of the last two columns, made categorical with L levels each, a trailing bN trains in batches of N")
    ap.add_argument("--summary", action="store_true", help="rewrite the markdown from the CSV and stop")
    ap.add_argument("--fit", action="store_true", help="print the least-squares constants: intercept, bytes per cell, "
                    "per row x pair, per pair and per named grid cell x bag")
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
            size, _, batch = size.lower().partition("b")  # "50000x50b4096": batch_size=4096
            size, _, levels = size.partition("p")  # "20000x3p2000": a named pair of 2000 x 2000 levels
            size, _, inter = size.partition("i")  # "50000x50i0": interactions=0
            half = size.endswith("c")  # "50000x50c": half the columns categorical
            rows, cols, *bags = (int(v) for v in size.rstrip("c").split("x"))
            r = {"commit": commit, **measure(rows, cols, bags[0] if bags else None, cols // 2 if half else 0, args.root,
                                             int(inter) if inter else None, int(levels) if levels else None,
                                             int(batch) if batch else None)}
            print(f"{size:>14s}: fit {r['fit_s']:6.1f} s, peak {r['peak_gib']:.2f} GiB (the fit's {r['fit_gib']:.2f}), "
                  f"checksum {r['checksum']:.6f}", flush=True)
            new.append(r)
        old = pd.read_csv(csv, dtype={"interactions": str}) if csv.exists() else pd.DataFrame()
        pd.concat([old, pd.DataFrame(new)], ignore_index=True).to_csv(csv, index=False)
    df = pd.read_csv(csv, dtype={"interactions": str})
    if args.fit:
        icpt, cell, pair_row, pair, grid = fit_constants(df)
        print(f"intercept {icpt / 2**20:,.0f} MiB, bytes per cell {cell:,.0f}, bytes per row x pair {pair_row:,.0f}, "
              f"bytes per pair {pair / 2**20:,.2f} MiB, bytes per named grid cell x bag {grid:,.1f}")
        return 0
    md.write_text("# Peak memory of NAM fits (CPU): default ones, ones asked for K pairs and ones asked for a named pair of many levels\n\n" + summary(df))
    print(md.read_text())
    return 0


if __name__ == "__main__":
    import _provenance

    _provenance.watch()
    sys.exit(main())

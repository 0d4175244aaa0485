"""The NAM's sparse read of fixed training rows (``fit.FIXED_ROWS``) against the gather path
it replaced: fit seconds, test AUC and the largest score difference, one fold per data set,
both paths in the same process on the same machine, one after the other.

The data sets are the suite's with the slowest NAM fits in ``confirm_seed1.csv`` (where the
NAM took longer than EBM): pair stages with many rows and many pairs, where the gather's
backward (a scatter-add of ``4 n P`` entries per bag per epoch) dominated.

Usage::

    python benchmarks/nam_fixed_rows.py                       # 5 data sets, seed 1, fold 0
    python benchmarks/nam_fixed_rows.py --datasets nass_cds --folds 0 1

Writes ``benchmarks/results/nam_fixed_rows.csv`` and ``.md``.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT = ["caravan", "mlc_churn", "nass_cds", "credit_cards_tw", "resume_callback"]


def one(dataset: str, seed: int, fold: int, fixed: bool) -> dict:
    import suite
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from interpretable_nn.models.nam import fit as nam_fit

    X, y = suite.load(dataset, str(HERE / "suite.toml"))
    tr, te = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y))[fold]
    nam_fit.FIXED_ROWS = fixed
    try:
        m = suite.make("nam", X, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            m.fit(X.iloc[tr], y[tr])
            fit = time.perf_counter() - t0
            d = np.asarray(m.decision_function(X.iloc[te]), dtype=float)
    finally:
        nam_fit.FIXED_ROWS = True
    return {"dataset": dataset, "rows": len(tr), "columns": X.shape[1], "seed": seed, "fold": fold,
            "path": "sparse rows" if fixed else "gather", "fit_seconds": fit,
            "auc": float(roc_auc_score(y[te], d)), "_decision": d}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=DEFAULT)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--folds", type=int, nargs="+", default=[0])
    ap.add_argument("--out", type=Path, default=HERE / "results" / "nam_fixed_rows.csv")
    a = ap.parse_args(argv)
    import _provenance
    from tqdm import tqdm

    rows = []
    jobs = [(d, f, fixed) for d in a.datasets for f in a.folds for fixed in (False, True)]
    for d, f, fixed in tqdm(jobs, desc="NAM fits"):
        rows.append(one(d, a.seed, f, fixed))
        if fixed:  # the pair just finished: the largest score difference between the paths
            diff = float(np.max(np.abs(rows[-1]["_decision"] - rows[-2]["_decision"])))
            rows[-1]["max_score_diff"] = rows[-2]["max_score_diff"] = diff
    df = pd.DataFrame(rows).drop(columns="_decision")
    df["commit"] = _provenance.current_commit()
    df.to_csv(a.out, index=False)
    lines = [
        "# NAM: sparse read of fixed rows vs gather (same process, same machine)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, commit `{df['commit'].iloc[0]}`, "
        f"seed {a.seed}; written by `benchmarks/nam_fixed_rows.py`.",
        "",
        "| data set | rows | columns | fold | fit s, gather | fit s, sparse | speed-up | AUC, gather | AUC, sparse"
        " | largest score difference |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (d, f), grp in df.groupby(["dataset", "fold"], sort=False):
        g, s = (grp.set_index("path").loc[p] for p in ("gather", "sparse rows"))
        lines.append(
            f"| {d} | {int(g['rows'])} | {int(g['columns'])} | {f} | {g['fit_seconds']:.1f} "
            f"| {s['fit_seconds']:.1f} | {g['fit_seconds'] / s['fit_seconds']:.1f}x | {g['auc']:.4f} "
            f"| {s['auc']:.4f} | {s['max_score_diff']:.2g} |")
    tot = df.groupby("path")["fit_seconds"].sum()
    lines += ["", f"Total fit seconds: gather {tot['gather']:.1f}, sparse rows {tot['sparse rows']:.1f} "
              f"({tot['gather'] / tot['sparse rows']:.1f}x)."]
    a.out.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(HERE))
    import _provenance

    _provenance.watch()
    raise SystemExit(main())

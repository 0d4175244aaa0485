"""The library's MLPClassifier (default parameters) against scikit-learn's MLPClassifier, in one run.

Protocol of ``shared/anchors/peers.py``: 5-fold stratified CV (shuffle, seed 0), mean test ROC
AUC +/- std and median fit time of a fold. The scikit-learn peer is configured as there:
``MLPClassifier(hidden_layer_sizes=(128, 64), early_stopping=True, max_iter=300)`` on
median-imputed, standardized numerics and one-hot categoricals, with ``random_state`` 0, 1, 2
(``--peer-seeds``; its AUC varies with the seed on the small sets, so the peer's figure is the
mean over seeds and folds, and the figures repeat). Ours uses its default ``random_state=0``.
Logistic regression is measured beside them as a sanity anchor.

Usage::

    flock /tmp/cpu.lock python benchmarks/mlp_vs_peers.py               # credit_data, hmda, default
    python benchmarks/mlp_vs_peers.py --datasets default --device cuda

Writes ``benchmarks/results/mlp_vs_peers.csv`` (summary), ``mlp_vs_peers_folds.csv`` and
``mlp_vs_peers.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _peers import peer_preprocessor  # benchmarks/_peers.py (the scripts run from this folder)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.pipeline import make_pipeline

from interpretable_nn.datasets import load_dataset
from interpretable_nn.models import MLPClassifier

RESULTS = Path(__file__).resolve().parent / "results"


def _factories(X: pd.DataFrame, device: str, peer_seeds: int) -> dict:
    out = {"mlp (ours)": [lambda: MLPClassifier(device=device, verbose=0, random_state=0)]}
    out["sklearn mlp"] = [
        lambda s=s: make_pipeline(peer_preprocessor(X), SkMLP(hidden_layer_sizes=(128, 64), early_stopping=True, max_iter=300,
                                                 random_state=s))
        for s in range(peer_seeds)
    ]
    out["logreg"] = [lambda: make_pipeline(peer_preprocessor(X), LogisticRegression(max_iter=2000))]
    return out


def run(datasets: list[str], device: str, peer_seeds: int) -> pd.DataFrame:
    rows = []
    for key in datasets:
        ds = load_dataset(key)
        X, y = ds.X, ds.y
        splits = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
        for name, makers in _factories(X, device, peer_seeds).items():
            for seed, make in enumerate(makers):
                for k, (tr, te) in enumerate(splits):
                    m = make()
                    t = time.perf_counter()
                    m.fit(X.iloc[tr], y[tr])
                    fit_s = time.perf_counter() - t
                    auc = roc_auc_score(y[te], m.predict_proba(X.iloc[te])[:, 1])
                    rows.append({"dataset": key, "model": name, "seed": seed, "fold": k, "auc": auc, "fit_s": fit_s})
            part = pd.DataFrame([r for r in rows if r["dataset"] == key and r["model"] == name])
            print(f"{key:12s} {name:12s} AUC {part['auc'].mean():.4f} +/- {part['auc'].std(ddof=0):.4f}  "
                  f"fit {part['fit_s'].median():.2f}s", flush=True)
    return pd.DataFrame(rows)


def summarise(folds: pd.DataFrame) -> pd.DataFrame:
    # mean over folds per seed first, then over seeds (std: over folds of all seeds)
    g = folds.groupby(["dataset", "model"], sort=False)
    out = g.agg(auc=("auc", "mean"), auc_std=("auc", lambda a: float(np.std(a))), fit_s=("fit_s", "median"),
                runs=("auc", "size")).reset_index()
    peer = out[out["model"] == "sklearn mlp"].set_index("dataset")
    out["auc_minus_sklearn_mlp"] = out["auc"] - out["dataset"].map(peer["auc"])
    out["fit_time_ratio_vs_sklearn_mlp"] = out["fit_s"] / out["dataset"].map(peer["fit_s"])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="credit_data,hmda,default")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--peer-seeds", type=int, default=3, help="seeds of the scikit-learn MLP (averaged)")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    folds = run(args.datasets.split(","), args.device, args.peer_seeds)
    summary = summarise(folds)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folds.to_csv(out / "mlp_vs_peers_folds.csv", index=False)
    summary.to_csv(out / "mlp_vs_peers.csv", index=False)
    goal = {}
    for key, part in summary.groupby("dataset", sort=False):
        p = part.set_index("model")
        diff = float(p.loc["mlp (ours)", "auc"] - p.loc["sklearn mlp", "auc"])
        goal[key] = {"ours": float(p.loc["mlp (ours)", "auc"]), "sklearn_mlp": float(p.loc["sklearn mlp", "auc"]),
                     "diff": diff, "reached": diff >= 0}
    meta = {"args": vars(args), "python": platform.python_version(), "machine": platform.machine(),
            "wall_s": round(time.perf_counter() - t0, 1), "goal_mlp_at_least_sklearn_mlp": goal}
    (out / "mlp_vs_peers.json").write_text(json.dumps({"meta": meta, "summary": summary.to_dict(orient="records")},
                                                      indent=1) + "\n")
    with pd.option_context("display.width", 200):
        print(summary.round(4).to_string(index=False))
    for key, g in goal.items():
        print(f"goal {key}: ours {g['ours']:.4f} vs sklearn MLP {g['sklearn_mlp']:.4f} ({g['diff']:+.4f}) "
              f"{'reached' if g['reached'] else 'NOT reached'}")
    print(f"wrote {out}/mlp_vs_peers*.csv/.json in {meta['wall_s']} s")
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    sys.exit(main())

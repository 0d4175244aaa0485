"""NAMClassifier (default parameters) vs EBM, XGBoost, logistic regression and the library's
MLP on the credit data sets, in one run: 5-fold stratified CV (shuffle, seed 0), mean test
ROC AUC +/- std, median fit time of a fold, and the NAM's AUC difference and fit-time ratio
against EBM measured side by side.

Usage::

    python benchmarks/nam_vs_peers.py                   # credit_data, hmda, default (minutes)
    python benchmarks/nam_vs_peers.py --full            # + breast_cancer and make_additive
    python benchmarks/nam_vs_peers.py --datasets hmda --models nam,ebm
    python benchmarks/nam_vs_peers.py --device cuda

Peers are configured as in ``shared/anchors/peers.py`` (EBM with ``n_jobs=2``; XGBoost 300
trees of depth 4, learning rate 0.05; logistic regression and XGBoost on median-imputed,
standardized numerics and one-hot categoricals). Writes
``benchmarks/results/nam_vs_peers.csv``, ``nam_vs_peers_folds.csv`` and ``nam_vs_peers.json``.
Run it alone on the machine (``flock /tmp/cpu.lock python benchmarks/nam_vs_peers.py``):
fit times are only comparable side by side.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from _peers import peer_preprocessor  # benchmarks/_peers.py (the scripts run from this folder)
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline

from interpretable_nn.datasets import load_dataset, make_additive
from interpretable_nn.models import MLPClassifier, NAMClassifier

RESULTS = Path(__file__).parent / "results"
DATASETS = ["credit_data", "hmda", "default"]
MODELS = ["nam", "ebm", "xgb", "logreg", "mlp"]


def _factories(X: pd.DataFrame, device: str) -> dict:
    def ebm():
        from interpret.glassbox import ExplainableBoostingClassifier

        return ExplainableBoostingClassifier(n_jobs=2)

    def xgb():
        from xgboost import XGBClassifier

        return make_pipeline(peer_preprocessor(X), XGBClassifier(n_estimators=300, max_depth=4, learning_rate=0.05, n_jobs=2))

    return {
        "nam": lambda: NAMClassifier(device=device, verbose=0, random_state=0),
        "ebm": ebm,
        "xgb": xgb,
        "logreg": lambda: make_pipeline(peer_preprocessor(X), LogisticRegression(max_iter=2000)),
        "mlp": lambda: MLPClassifier(device=device, verbose=0, random_state=0),
    }


def _load(name: str):
    if name == "make_additive":
        ds = make_additive(n_samples=5000, random_state=0)
        return ds.X, ds.y
    ds = load_dataset(name)
    return ds.X, ds.y


def run(datasets, models, device) -> tuple[pd.DataFrame, pd.DataFrame]:
    folds = []
    for key in datasets:
        X, y = _load(key)
        make = _factories(X, device)
        for name in models:
            for k, (tr, te) in enumerate(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)):
                m = make[name]()
                t0 = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m.fit(X.iloc[tr], y[tr])
                fit = time.perf_counter() - t0
                auc = roc_auc_score(y[te], m.predict_proba(X.iloc[te])[:, 1])
                folds.append({"dataset": key, "model": name, "fold": k, "auc": auc, "fit_s": fit})
            f = pd.DataFrame([r for r in folds if r["dataset"] == key and r["model"] == name])
            print(f"{key:13s} {name:7s} AUC {f.auc.mean():.4f} ± {f.auc.std(ddof=0):.4f}  fit {f.fit_s.median():7.2f} s",
                  flush=True)
    folds = pd.DataFrame(folds)
    summary = (
        folds.groupby(["dataset", "model"], sort=False)
        .agg(auc_mean=("auc", "mean"), auc_std=("auc", lambda a: float(np.std(a))), fit_median_s=("fit_s", "median"))
        .reset_index()
    )
    ref = summary[summary.model == "ebm"].set_index("dataset")
    if len(ref):
        summary["auc_minus_ebm"] = summary.apply(lambda r: r.auc_mean - ref.auc_mean.get(r.dataset, np.nan), axis=1)
        summary["fit_ratio_vs_ebm"] = summary.apply(lambda r: r.fit_median_s / ref.fit_median_s.get(r.dataset, np.nan),
                                                    axis=1)
    return summary, folds


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="also breast_cancer and make_additive (sanity checks)")
    ap.add_argument("--datasets", default=None, help="comma-separated data set names")
    ap.add_argument("--models", default=",".join(MODELS), help=f"comma-separated subset of {MODELS}")
    ap.add_argument("--device", default="cpu", help="device of the torch models: cpu (default), cuda, auto")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    datasets = args.datasets.split(",") if args.datasets else DATASETS + (["breast_cancer", "make_additive"]
                                                                           if args.full else [])
    models = args.models.split(",")
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise SystemExit(f"unknown models {unknown}; choose from {MODELS}")
    print(f"torch threads {torch.get_num_threads()}, device {args.device}; 5-fold stratified CV, seed 0")
    summary, folds = run(datasets, models, args.device)
    with pd.option_context("display.width", 140, "display.float_format", "{:.4f}".format):
        print(summary.to_string(index=False))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary.to_csv(out / "nam_vs_peers.csv", index=False)
    folds.to_csv(out / "nam_vs_peers_folds.csv", index=False)
    meta = {"threads": torch.get_num_threads(), "torch": torch.__version__, "machine": platform.machine(),
            "device": args.device, "time": time.strftime("%Y-%m-%d %H:%M:%S"),
            "nam_params": {k: (list(v) if isinstance(v, tuple) else v)
                           for k, v in NAMClassifier().get_params().items()}}
    (out / "nam_vs_peers.json").write_text(json.dumps({"meta": meta, "summary": summary.to_dict("records")}, indent=1,
                                                      default=str))
    print(f"wrote {out / 'nam_vs_peers.csv'}")
    return summary


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()

"""Prototype networks against black-box and case-based peers, measured in one run.

Data: digits (scikit-learn 8x8 images, 10 classes; accuracy) and the credit sets
credit_data, hmda, default (ROC AUC). Models, each on the same folds:

* ``prototype``: :class:`interpretable_nn.PrototypeClassifier` with its defaults
  (CNN on the images, 3 prototypes per class = 30; MLP encoder on the rows, 10 per class
  = 20), prototypes projected onto real training cases;
* ``mlp``: the library's torch :class:`~interpretable_nn.MLPClassifier` (the baseline the
  goals refer to; on digits it reads the 64 flattened pixels);
* ``knn``: k-nearest neighbours (k chosen by an inner 3-fold CV over 1, 5, 15, 50) on the
  library's encoding, the case-based reasoning reference;
* ``logreg``: logistic regression on the library's encoding.

Per fold: score, fit time and, for the prototype net, the number of prototypes and the
held-out drop from projection (``projection_report(X_test, y_test)``: the model with its
learned prototypes and last layer vs the fitted model whose prototypes are real cases).
Figures: mean score over folds, median fit time, ``d_vs_mlp`` = score - MLP score, and
``time_x_mlp`` = fit time / MLP fit time (side by side in this run).

Usage::

    flock /tmp/cpu.lock python benchmarks/prototypes.py              # 5-fold CV, minutes
    flock /tmp/cpu.lock python benchmarks/prototypes.py --full       # 3 seeds x 5 folds
    python benchmarks/prototypes.py --quick                          # smoke run
    python benchmarks/prototypes.py --device cuda                    # torch models on GPU

Writes ``benchmarks/results/prototypes_folds.csv`` (one line per model and fold),
``prototypes_summary.csv`` and ``prototypes.json`` (summary, goals, settings).
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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from interpretable_nn import MLPClassifier, PrototypeClassifier
from interpretable_nn.datasets import load_dataset
from interpretable_nn.models import EncodedSklearnClassifier

RESULTS = Path(__file__).resolve().parent / "results"
SETS = ("digits", "credit_data", "hmda", "default")
MODELS = ("prototype", "mlp", "knn", "logreg")


def _make(name: str, image: bool, args, seed: int):
    torch_kw = {"verbose": 0, "device": args.device, "random_state": seed}
    if args.quick:
        torch_kw["max_epochs"] = 5
    if name == "prototype":
        kw = dict(torch_kw, last_layer_epochs=5) if args.quick else torch_kw
        return PrototypeClassifier(**kw)
    if name == "mlp":
        return MLPClassifier(**torch_kw)
    if name == "knn":
        scoring = "accuracy" if image else "roc_auc"
        grid = GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 5, 15, 50]}, cv=3, scoring=scoring)
        return EncodedSklearnClassifier(grid)
    if name == "logreg":
        return EncodedSklearnClassifier(LogisticRegression(max_iter=3000))
    raise ValueError(name)


def _score(image: bool, model, X, y) -> float:
    if image:
        return float(np.mean(model.predict(X) == y))
    return float(roc_auc_score(y, model.decision_function(X)))


def run_dataset(key: str, args, seed: int) -> list[dict]:
    ds = load_dataset(key)
    image = key == "digits"
    X_models = {"prototype": ds.X}  # images go to the prototype net as images
    flat = ds.X.reshape(len(ds.X), -1) if image else ds.X
    rows = []
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=seed).split(np.zeros(len(ds.y)), ds.y)
    for fold, (tr, te) in enumerate(folds):
        if args.quick and fold >= 1:
            break
        for name in args.models:
            X = X_models.get(name, flat)
            Xtr = X[tr] if isinstance(X, np.ndarray) else X.iloc[tr]
            Xte = X[te] if isinstance(X, np.ndarray) else X.iloc[te]
            model = _make(name, image, args, seed)
            t = time.perf_counter()
            model.fit(Xtr, ds.y[tr])
            fit_s = time.perf_counter() - t
            row = {"dataset": key, "seed": seed, "fold": fold, "model": name,
                   "metric": "accuracy" if image else "auc", "score": _score(image, model, Xte, ds.y[te]),
                   "fit_s": fit_s}
            if name == "prototype":
                rep = model.projection_report(Xte, ds.y[te])
                row["n_prototypes"] = len(model.prototype_class_)
                row["score_before_projection"] = rep["accuracy_before"] if image else rep["auc_before"]
                row["projection_drop"] = rep["accuracy_drop"] if image else rep["auc_drop"]
                row["train_projection_drop_acc"] = model.projection_report_["accuracy_drop"]
                row["epochs"] = model.fit_info_["n_epochs"]
            if name == "knn":
                row["k"] = model.estimator_.best_params_["n_neighbors"]
            rows.append(row)
            print(f"{key:12s} seed {seed} fold {fold} {name:10s} {row['metric']} {row['score']:.4f} "
                  f"fit {fit_s:6.2f}s" + (f" drop {row['projection_drop']:+.4f}" if name == "prototype" else ""),
                  flush=True)
    return rows


def summarise(folds: pd.DataFrame) -> pd.DataFrame:
    agg = {"score": ["mean", "std"], "fit_s": "median"}
    for col in ("n_prototypes", "score_before_projection", "projection_drop", "train_projection_drop_acc", "k"):
        if col in folds:
            agg[col] = "mean" if col != "k" else "median"
    s = folds.groupby(["dataset", "model"], sort=False).agg(agg)
    s.columns = ["score", "score_std", "fit_s", *[c for c in agg if c not in ("score", "fit_s")]]
    s = s.reset_index()
    s.insert(2, "metric", np.where(s["dataset"] == "digits", "accuracy", "auc"))
    mlp = s[s["model"] == "mlp"].set_index("dataset")
    if len(mlp):
        s["d_vs_mlp"] = s["score"] - s["dataset"].map(mlp["score"])
        s["time_x_mlp"] = s["fit_s"] / s["dataset"].map(mlp["fit_s"])
    return s


def goals(summary: pd.DataFrame) -> list[dict]:
    p = summary[summary["model"] == "prototype"].set_index("dataset")
    out = []
    if "digits" in p.index:
        r = p.loc["digits"]
        out.append({"goal": "digits accuracy >= 0.97 with <= 30 prototypes", "value": float(r["score"]),
                    "unit": "accuracy",
                    "n_prototypes": float(r["n_prototypes"]),
                    "reached": bool(r["score"] >= 0.97 and r["n_prototypes"] <= 30)})
        out.append({"goal": "digits projection drop <= 0.5 points", "value": float(100 * r["projection_drop"]),
                    "unit": "points",
                    "reached": bool(r["projection_drop"] <= 0.005)})
    for key in ("credit_data", "hmda", "default"):
        if key in p.index and "d_vs_mlp" in p:
            r = p.loc[key]
            out.append({"goal": f"{key}: AUC within 0.01 of the MLP with <= 20 prototypes",
                        "value": float(r["d_vs_mlp"]), "unit": "AUC vs MLP",
                        "n_prototypes": float(r["n_prototypes"]),
                        "reached": bool(r["d_vs_mlp"] >= -0.01 and r["n_prototypes"] <= 20)})
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", default=",".join(SETS))
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--seeds", type=int, default=1, help="repeat the CV with seeds 0..n-1")
    p.add_argument("--full", action="store_true", help="3 seeds x 5 folds")
    p.add_argument("--quick", action="store_true", help="one fold, few epochs (smoke run)")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or auto for the torch models")
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    args.models = [m for m in args.models.split(",") if m]
    if args.full:
        args.seeds = max(args.seeds, 3)
    warnings.filterwarnings("ignore", category=UserWarning)
    t0 = time.perf_counter()
    rows = []
    for key in [d for d in args.datasets.split(",") if d]:
        for seed in range(args.seeds):
            rows.extend(run_dataset(key, args, seed))
    folds = pd.DataFrame(rows)
    summary = summarise(folds)
    reached = goals(summary)
    pd.set_option("display.width", 200)
    cols = [c for c in ("dataset", "model", "metric", "score", "score_std", "d_vs_mlp", "fit_s", "time_x_mlp",
                        "n_prototypes", "projection_drop", "k") if c in summary]
    print("\n" + summary[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print("\nGoals:")
    for g in reached:
        print(f"  [{'reached' if g['reached'] else 'NOT reached'}] {g['goal']}: {g['value']:+.4f} {g['unit']}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    folds.to_csv(out / "prototypes_folds.csv", index=False)
    summary.to_csv(out / "prototypes_summary.csv", index=False)
    meta = {
        "settings": {k: v for k, v in vars(args).items() if k != "out"},
        "python": sys.version.split()[0], "platform": platform.platform(),
        "torch": __import__("torch").__version__, "wall_s": time.perf_counter() - t0,
    }
    doc = {"summary": summary.to_dict(orient="records"), "goals": reached, "meta": meta}
    (out / "prototypes.json").write_text(json.dumps(doc, indent=1, default=float))
    print(f"\nwrote {out}/prototypes_folds.csv, prototypes_summary.csv, prototypes.json "
          f"({meta['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    raise SystemExit(main())

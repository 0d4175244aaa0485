"""How much of RuleNet vs RuleFit is seed noise? Both models over several model seeds.

Usage::

    python benchmarks/rulenet_seeds.py                       # 3 data sets x 5 folds x 3 seeds
    python benchmarks/rulenet_seeds.py --datasets hmda --seeds 5

``rules_vs_peers.py`` runs each model once (``random_state=0``). Both RuleNet
(initialisation, batches, stability-selection halves) and imodels RuleFit (its boosted
trees) depend on their seed, so a gap of a few thousandths in one run may be either. This
script refits ``rules_vs_peers.py``'s ``rulenet`` and ``rulefit`` with ``random_state=s``
for ``s = 0..seeds-1`` on the same
5-fold stratified split (shuffle, seed 0) and reports, per data set, the mean AUC of each
model over folds and seeds, the mean paired difference (same fold, same seed) and its
standard error over folds (the seed-averaged difference per fold, sd / sqrt(folds)).
Results: ``benchmarks/results/rulenet_seeds.{csv,json}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from rules_vs_peers import _models  # the same model factories (the scripts run from this folder)
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from interpretable_nn.datasets import load_dataset

warnings.filterwarnings("ignore")
RESULTS = Path(__file__).resolve().parent / "results"


def run(datasets: list[str], seeds: int) -> pd.DataFrame:
    rows = []
    for key in datasets:
        ds = load_dataset(key)
        X, y = ds.X, ds.y
        for fold, (tr, te) in enumerate(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)):
            for seed in range(seeds):
                makers = _models(X, "cpu", seed)
                for name in ("rulenet", "rulefit"):
                    m = makers[name]().fit(X.iloc[tr], y[tr])
                    auc = roc_auc_score(y[te], m.predict_proba(X.iloc[te])[:, 1])
                    rows.append({"dataset": key, "fold": fold, "seed": seed, "model": name, "auc": auc})
            print(f"{key} fold {fold} done", flush=True)
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    wide = df.pivot_table(index=["dataset", "fold", "seed"], columns="model", values="auc").reset_index()
    wide["diff"] = wide.rulenet - wide.rulefit
    per_fold = wide.groupby(["dataset", "fold"])["diff"].mean()
    out = wide.groupby("dataset").agg(rulenet=("rulenet", "mean"), rulefit=("rulefit", "mean"),
                                      diff=("diff", "mean"), n_pairs=("diff", "size"))
    out["diff_se"] = per_fold.groupby("dataset").std() / np.sqrt(per_fold.groupby("dataset").size())
    out["diff_over_se"] = out["diff"] / out["diff_se"]
    by_seed = wide.groupby(["dataset", "seed"])[["rulenet", "rulefit", "diff"]].mean().unstack("seed")
    for seed in sorted(wide.seed.unique()):
        out[f"diff_seed{seed}"] = by_seed["diff"][seed]
    return out.reset_index()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", default="credit_data,hmda,default")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    df = run(args.datasets.split(","), args.seeds)
    s = summarise(df)
    print("\n" + s.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    s.to_csv(out / "rulenet_seeds.csv", index=False)
    doc = {"protocol": f"5-fold stratified CV (shuffle, seed 0) x model seeds 0..{args.seeds - 1}",
           "summary": s.to_dict(orient="records"), "runs": df.to_dict(orient="records")}
    (out / "rulenet_seeds.json").write_text(json.dumps(doc, indent=1, default=float))
    print(f"\nwrote {out / 'rulenet_seeds.csv'} and {out / 'rulenet_seeds.json'}")
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    sys.exit(main())

"""RuleNetClassifier against rule and glass-box peers on real credit data.

Usage::

    python benchmarks/rules_vs_peers.py                 # 3 data sets x 5 folds, CPU, minutes
    python benchmarks/rules_vs_peers.py --datasets hmda --quick   # 2 folds, a smoke run
    python benchmarks/rules_vs_peers.py --device cuda

Models: ``rulenet`` (``RuleNetClassifier(max_rules=30)``), ``rulenet20`` (``max_rules=20``,
FIGS's budget), imodels ``RuleFit(max_rules=30, random_state=0)`` (unseeded, its
boosted trees differ run to run: .809-.815 AUC on credit_data), imodels ``FIGS(max_rules=20)``, a
depth-4 decision tree (seed 0) and EBM (interpret). Peers get the preprocessing of
``shared/anchors/peers.py`` (median imputation + scaling, one-hot categories); RuleNet and
EBM read the raw frame. 5-fold stratified CV (shuffle, seed 0), one run.

Columns: mean test AUC, median fit seconds, mean number of rules and total conditions.
"Rules" are the terms added to the score: RuleNet's rules, RuleFit's non-zero terms (rules
and linear terms; a linear term counts one condition), every leaf of FIGS's trees and of the
depth-4 tree (conditions = the leaf's path length). For RuleNet every fold also checks the
exports on the test rows: JSON round trip, SQL run in sqlite3 and the SymPy expression,
and records ``network_fidelity`` (training rows on which the rule set decides as the
trained network did). ``rulenet_seeds.py`` repeats RuleNet and RuleFit over model seeds.
Results go to ``benchmarks/results/rules_vs_peers.{csv,json}``.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _peers import peer_preprocessor  # benchmarks/_peers.py (the scripts run from this folder)
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.tree import DecisionTreeClassifier

from interpretable_nn.datasets import load_dataset
from interpretable_nn.models.rulenet import RuleNetClassifier

warnings.filterwarnings("ignore")
RESULTS = Path(__file__).resolve().parent / "results"


def _tree_rules(root) -> tuple[int, int]:
    """(leaves, total path length) of an imodels FIGS tree."""
    stack, leaves, conds = [(root, 0)], 0, 0
    while stack:
        node, depth = stack.pop()
        if node.left is None:
            leaves, conds = leaves + 1, conds + depth
        else:
            stack += [(node.left, depth + 1), (node.right, depth + 1)]
    return leaves, conds


def _complexity(name: str, model) -> tuple[float, float]:
    if name.startswith("rulenet"):
        return model.ruleset_.n_rules, model.ruleset_.n_conditions
    est = model.steps[-1][1] if hasattr(model, "steps") else model
    if name == "rulefit":
        r = est._get_rules()
        r = r[r.coef != 0]
        conds = [1 if t == "linear" else rule.count(" and ") + 1 for rule, t in zip(r.rule, r.type)]
        return len(r), int(sum(conds))
    if name == "figs":
        counts = [_tree_rules(t) for t in est.trees_]
        return sum(c[0] for c in counts), sum(c[1] for c in counts)
    if name == "tree_d4":
        t = est.tree_
        depth = np.zeros(t.node_count, dtype=int)
        for i in range(t.node_count):
            for child in (t.children_left[i], t.children_right[i]):
                if child != -1:
                    depth[child] = depth[i] + 1
        leaves = t.children_left == -1
        return int(leaves.sum()), int(depth[leaves].sum())
    return float("nan"), float("nan")


def _models(X: pd.DataFrame, device: str, seed: int = 0) -> dict:
    """Factories of the compared models; ``seed`` is the models' random_state
    (``rulenet_seeds.py`` varies it)."""
    import imodels
    from interpret.glassbox import ExplainableBoostingClassifier

    return {
        "rulenet": lambda: RuleNetClassifier(max_rules=30, device=device, verbose=0, random_state=seed),
        "rulenet20": lambda: RuleNetClassifier(max_rules=20, device=device, verbose=0, random_state=seed),
        "rulefit": lambda: make_pipeline(peer_preprocessor(X),
                                         imodels.RuleFitClassifier(max_rules=30, random_state=seed)),
        "figs": lambda: make_pipeline(peer_preprocessor(X), imodels.FIGSClassifier(max_rules=20)),
        "tree_d4": lambda: make_pipeline(peer_preprocessor(X), DecisionTreeClassifier(max_depth=4, random_state=seed)),
        "ebm": lambda: ExplainableBoostingClassifier(n_jobs=2),
    }


def _sql_scores(rs, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    con = sqlite3.connect(":memory:")
    kinds = {c: "REAL" if pd.api.types.is_numeric_dtype(X[c]) else "TEXT" for c in X.columns}
    cols = ", ".join(['"id" INTEGER'] + [f'"{c}" {k}' for c, k in kinds.items()])
    con.execute(f'CREATE TABLE "applicants" ({cols})')
    rows = [(i, *[None if pd.isna(v) else (float(v) if kinds[c] == "REAL" else str(v)) for c, v in zip(X.columns, r)])
            for i, r in enumerate(X.itertuples(index=False))]
    con.executemany(f'INSERT INTO "applicants" VALUES ({", ".join("?" * (len(X.columns) + 1))})', rows)
    out = sorted(con.execute(rs.to_sql()).fetchall())
    return np.array([r[1] for r in out], dtype=float), np.array([r[2] for r in out])


def export_fidelity(model: RuleNetClassifier, X: pd.DataFrame) -> dict:
    """Each export run back on ``X`` against the model: max score gap and decision agreement."""
    import sympy

    from interpretable_nn.rules import RuleSet

    rs = model.ruleset_
    score = model.decision_function(X)
    decision = model.predict(X)
    js = RuleSet.from_json(rs.to_json()).decision_function(X)
    sql_score, sql_dec = _sql_scores(rs, X)
    f = sympy.lambdify(rs.sympy_symbols(), rs.to_sympy(), modules="numpy")
    sy = np.broadcast_to(np.asarray(f(*rs.sympy_inputs(X)), dtype=float), (len(X),))
    text = rs.to_text()
    return {
        "model_eq_ruleset": bool(np.array_equal(model.predict_proba(X), rs.predict_proba(X))),
        "json_max_diff": float(np.max(np.abs(js - score))),
        "sql_max_diff": float(np.max(np.abs(sql_score - score))),
        "sql_decisions_agree": float(np.mean(sql_dec == decision)),
        "sympy_max_diff": float(np.max(np.abs(sy - score))),
        "text_lists_every_rule": all(r.condition_text() in text for r in rs),
        "network_fidelity": float(model.fit_info_["network_fidelity"]),
    }


def run(datasets: list[str], folds: int, device: str, models: list[str] | None) -> tuple[pd.DataFrame, list]:
    rows, checks = [], []
    for key in datasets:
        ds = load_dataset(key)
        X, y = ds.X, ds.y
        makers = _models(X, device)
        splits = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))[:folds]
        for name, make in makers.items():
            if models and name not in models:
                continue
            for k, (tr, te) in enumerate(splits):
                m = make()
                t = time.perf_counter()
                m.fit(X.iloc[tr], y[tr])
                fit = time.perf_counter() - t
                auc = roc_auc_score(y[te], m.predict_proba(X.iloc[te])[:, 1])
                n_rules, n_cond = _complexity(name, m)
                rows.append({"dataset": key, "model": name, "fold": k, "auc": auc, "fit_s": fit,
                             "n_rules": n_rules, "n_conditions": n_cond})
                if name.startswith("rulenet"):
                    checks.append({"dataset": key, "model": name, "fold": k,
                                   **export_fidelity(m, X.iloc[te].reset_index(drop=True))})
            last = pd.DataFrame(rows)
            last = last[(last.dataset == key) & (last.model == name)]
            print(f"{key:12s} {name:10s} AUC {last.auc.mean():.4f} ± {last.auc.std(ddof=0):.4f}  "
                  f"fit {last.fit_s.median():6.2f}s  rules {last.n_rules.mean():5.1f}  "
                  f"conditions {last.n_conditions.mean():5.1f}", flush=True)
    return pd.DataFrame(rows), checks


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    s = df.groupby(["dataset", "model"], sort=False).agg(
        auc=("auc", "mean"), auc_sd=("auc", lambda a: float(np.std(a))), fit_s=("fit_s", "median"),
        n_rules=("n_rules", "mean"), n_conditions=("n_conditions", "mean"),
    ).reset_index()
    for peer in ("rulefit", "figs", "ebm"):
        ref = s[s.model == peer].set_index("dataset")
        s[f"auc_minus_{peer}"] = s.apply(lambda r, ref=ref: r.auc - ref.auc.get(r.dataset, np.nan), axis=1)
    ref = s[s.model == "rulefit"].set_index("dataset")
    s["fit_ratio_rulefit"] = s.apply(lambda r: r.fit_s / ref.fit_s.get(r.dataset, np.nan), axis=1)
    return s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--datasets", default="credit_data,hmda,default")
    p.add_argument("--models", default=None, help="comma-separated subset of the model names")
    p.add_argument("--quick", action="store_true", help="2 folds instead of 5")
    p.add_argument("--full", action="store_true", help="the default protocol (5 folds); kept for symmetry")
    p.add_argument("--device", default="cpu", help="device of RuleNet's training (cpu, cuda, auto)")
    p.add_argument("--out", default=str(RESULTS), help="output directory (default benchmarks/results)")
    args = p.parse_args(argv)
    folds = 2 if args.quick else 5
    models = args.models.split(",") if args.models else None
    df, checks = run(args.datasets.split(","), folds, args.device, models)
    s = summarise(df)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("\n" + s.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    ch = pd.DataFrame(checks)
    if len(ch):
        print("\nExport fidelity of RuleNet on the test folds (worst fold):")
        print(ch.groupby(["dataset", "model"]).agg(
            model_eq_ruleset=("model_eq_ruleset", "all"), json_max_diff=("json_max_diff", "max"),
            sql_max_diff=("sql_max_diff", "max"), sql_decisions_agree=("sql_decisions_agree", "min"),
            sympy_max_diff=("sympy_max_diff", "max"), text_lists_every_rule=("text_lists_every_rule", "all"),
            network_fidelity=("network_fidelity", "mean"),
        ).to_string())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    s.to_csv(out / "rules_vs_peers.csv", index=False)
    df.to_csv(out / "rules_vs_peers_folds.csv", index=False)
    doc = {"protocol": f"{folds}-fold stratified CV, shuffle, seed 0; one run; CPU threads as available",
           "python": sys.version.split()[0], "summary": s.to_dict(orient="records"),
           "folds": df.to_dict(orient="records"), "export_fidelity": checks}
    (out / "rules_vs_peers.json").write_text(json.dumps(doc, indent=1, default=float))
    print(f"\nwrote {out / 'rules_vs_peers.csv'} and {out / 'rules_vs_peers.json'}")
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    sys.exit(main())

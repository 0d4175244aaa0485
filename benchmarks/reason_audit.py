"""Reason codes a credit team can put in a notice (issue 17), measured on held-out rows of
credit_data and hmda:

1. reason sentences that contradict their points (tests/reason_audit.py: the sentence
   reads favourable, or the reference value it names does not lower the term's points,
   or a monotone feature's reference lies on the wrong side), over every held-out row and
   every term (k = all terms), references "best" and "mean", for a NAM with monotone
   constraints (credit_data: Income, Seniority -1) and an EBM;
2. ``reference="mean"`` reasons vs the top-k positive terms of ``explain()`` (max |diff|);
3. the LIME cross-check next to SHAP for every registry model on 50 credit_data rows
   (background 100 training rows).

Writes benchmarks/results/reason_audit.{json,md} with the commit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from reason_audit import contradictions  # noqa: E402

from interpretable_nn.datasets import load_dataset  # noqa: E402
from interpretable_nn.explain import crosscheck, reason_codes  # noqa: E402
from interpretable_nn.models import list_models, make_model  # noqa: E402

OUT = Path(__file__).parent / "results"
MONOTONE = {"credit_data": {"Income": -1, "Seniority": -1}, "hmda": {}}
SETTINGS = {
    "mlp": {"max_epochs": 30, "verbose": 0, "random_state": 0},
    "logreg": {}, "tree": {"max_depth": 5}, "hgb": {"max_iter": 100},
    "ebm": {"outer_bags": 2, "interactions": 3}, "xgb": {"n_estimators": 100, "random_state": 0},
    "rulenet": {"max_rules": 20, "max_epochs": 30, "verbose": 0, "random_state": 0},
    "prototype": {"prototypes_per_class": 5, "max_epochs": 30, "verbose": 0, "random_state": 0},
    "nam": {"n_bags": 1, "max_epochs": 30, "interactions": 2, "verbose": 0, "random_state": 0},
}


def split(name):
    ds = load_dataset(name)
    return train_test_split(ds.X, ds.y, test_size=0.2, random_state=0, stratify=ds.y)


def audit(results: dict) -> None:
    for data in ("credit_data", "hmda"):
        Xtr, Xte, ytr, _ = split(data)
        models = {"nam (monotone)" if MONOTONE[data] else "nam": make_model(
            "nam", **{**SETTINGS["nam"], "monotone": MONOTONE[data] or None}), "ebm": make_model("ebm", **SETTINGS["ebm"])}
        for label, m in models.items():
            m.fit(Xtr, ytr)
            numeric = {c: pd.api.types.is_numeric_dtype(Xtr[c].dtype) for c in Xtr.columns}
            if hasattr(m, "encoder_"):
                numeric = {s.name: s.is_numeric for s in m.encoder_.schema_}
            n_terms = len(getattr(m, "terms_", None) or getattr(m, "term_names_", Xtr.columns))
            for ref in ("best", "mean"):
                kw = {} if (ref == "mean" or hasattr(m, "encoder_")) else {"background": Xtr}
                t = time.perf_counter()
                out = reason_codes(m, Xte, k=n_terms, reference=ref, **kw)
                bad = contradictions(m, Xte, out, ref, MONOTONE[data], numeric)
                results["contradictions"].append({
                    "data": data, "model": label, "reference": ref, "rows": len(Xte),
                    "sentences": len(out), "contradicting": len(bad), "examples": bad[:3],
                    "seconds": round(time.perf_counter() - t, 2)})
                print(results["contradictions"][-1], flush=True)
            if label.startswith("nam"):
                k = 4
                out = reason_codes(m, Xte, k=k, reference="mean")
                e = m.explain(Xte)
                vals = pd.DataFrame(e.values, columns=e.feature_names, index=Xte.index)
                worst, same = 0.0, 0
                for lab, grp in out.groupby("row", sort=False):
                    v = vals.loc[lab]
                    top = v[v > 1e-9].sort_values(ascending=False, kind="stable").iloc[:k]
                    same += grp["reason"].tolist() == top.index.tolist()
                    worst = max(worst, float(np.abs(grp["points"].to_numpy() - top.to_numpy()).max()))
                results["mean_vs_explain"].append({"data": data, "model": label, "rows": int(out["row"].nunique()),
                                                   "same_ranked_terms": int(same), "max_abs_diff": worst})
                print(results["mean_vs_explain"][-1], flush=True)


def lime_table(results: dict) -> None:
    Xtr, Xte, ytr, _ = split("credit_data")
    X, B = Xte.iloc[:50], Xtr.sample(100, random_state=0)
    reg = list_models().set_index("name")
    for name in reg.index:
        if not reg.loc[name, "available"]:
            continue
        m = make_model(name, **SETTINGS[name]).fit(Xtr, ytr)
        rep = crosscheck(m, X, background=B, method="lime", nsamples=1000)
        s = rep.summary()
        row = {"model": name}
        for pre, lab in (("builtin_vs_shap_", "builtin~SHAP"), ("", "builtin~LIME"), ("lime_vs_shap_", "LIME~SHAP")):
            row[f"{lab} spearman"] = s[f"{pre}spearman_mean"]
            row[f"{lab} top3"] = s[f"{pre}top3_jaccard"]
            row[f"{lab} sign"] = s[f"{pre}sign_agreement"]
            row[f"{lab} max|diff|"] = s[f"{pre}max_abs_diff"]
        row["LIME additivity gap"] = float(rep.shap.check["additivity_gap"])
        row["seconds (lime, shap)"] = f"{rep.timings['lime']:.1f}, {rep.timings['shap']:.1f}"
        results["lime"].append(row)
        print(row, flush=True)


def main() -> None:
    warnings.simplefilter("ignore")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    results = {"commit": commit, "machine": "2 CPU cores, no GPU", "contradictions": [], "mean_vs_explain": [],
               "lime": []}
    audit(results)
    lime_table(results)
    OUT.mkdir(exist_ok=True)
    (OUT / "reason_audit.json").write_text(json.dumps(results, indent=1, default=float) + "\n")
    write_markdown(results)


def _table(rows: list[dict]) -> str:
    """A Markdown table (numbers to 3 significant digits), without extra dependencies."""
    if not rows:
        return "(none)"
    cols = list(rows[0])

    def cell(v):
        return f"{v:.3g}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(c.replace("|", "\\|") for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def write_markdown(results: dict) -> None:
    md = [f"# Reason codes and LIME (commit {results['commit']}, {results['machine']})", "",
          "## Reason sentences that contradict their points (held-out rows, k = all terms)", "",
          _table([{k: v for k, v in r.items() if k != "examples"} for r in results["contradictions"]]), "",
          "## reference='mean' reasons vs the top-4 positive terms of explain()", "",
          _table(results["mean_vs_explain"]), "",
          "## Built-in explanation, LIME and SHAP on 50 credit_data rows (background 100 training rows)", "",
          _table(results["lime"]), ""]
    (OUT / "reason_audit.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    if sys.argv[1:] == ["--markdown"]:  # rewrite the .md from the stored .json
        write_markdown(json.loads((OUT / "reason_audit.json").read_text()))
    else:
        main()

"""PMML = Python, read by the reference evaluator (JPMML through ``jpmml-evaluator``, Java):
on held-out rows of credit_data and hmda (plus an unseen level per categorical, an
all-missing row and, for the scorecard, every numeric bin edge and its float64
neighbours), per artefact: max |score difference|, share of bit-identical scores and, for
the scorecard, share of rows with identical ranked reason codes (k = 4 and k = all terms).

Artefacts: the NAM's points scorecard (``Scorecard.to_pmml``, exact and rounded points),
the surrogate tree of that NAM (``SurrogateTree.to_pmml``, a TreeModel), RuleNet's rule set
(``RuleSet.to_pmml``).

Run: ``python benchmarks/pmml_check.py``. Writes ``benchmarks/results/pmml_check.{csv,md}``
with the commit.
"""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from jpmml_evaluator import make_evaluator
from scorecard_sql import hard_rows

from interpretable_nn.datasets import load_dataset
from interpretable_nn.distill.surrogate import SurrogateTree
from interpretable_nn.models.nam import NAMClassifier
from interpretable_nn.models.rulenet import RuleNetClassifier

OUT = Path(__file__).resolve().parent / "results"


def with_gaps(X: pd.DataFrame) -> pd.DataFrame:
    X = X.reset_index(drop=True)
    cats = [c for c in X.columns if X[c].dtype == object]
    extra = [X.iloc[i % len(X)].to_dict() | {c: "never seen"} for i, c in enumerate(cats)]
    extra.append(dict.fromkeys(X.columns, None))
    out = pd.concat([X, pd.DataFrame(extra, columns=X.columns)], ignore_index=True)
    for c in X.columns:
        if c not in cats:
            out[c] = pd.to_numeric(out[c]).astype(float)
    return out


def card_row(card, X: pd.DataFrame, k: int) -> dict:
    got = make_evaluator(card.to_pmml(reasons=k)).evaluateAll(X)
    want = [[None] * k for _ in range(len(X))]
    for r in card.reason_codes(X, k=k).itertuples(index=False):
        want[r.row][r.rank - 1] = r.reason
    cols = [f"reason_{j}" for j in range(1, k + 1)]
    reasons = [[None if pd.isna(v) else v for v in row] for row in got[cols].astype(object).values.tolist()]
    score, ours = got["score"].to_numpy(float), card.score(X)
    return {"rows": len(X), "max_abs_score_diff": float(np.max(np.abs(score - ours))),
            "identical_scores_pct": 100.0 * float(np.mean(score == ours)),
            "identical_reasons_pct": 100.0 * float(np.mean([a == b for a, b in zip(reasons, want)]))}


def score_row(doc: str, model, X: pd.DataFrame) -> dict:
    got = make_evaluator(doc).evaluateAll(X)
    score, ours = got["score"].to_numpy(float), model.decision_function(X)
    prob = got["probability"].to_numpy(float)
    return {"rows": len(X), "max_abs_score_diff": float(np.max(np.abs(score - ours))),
            "identical_scores_pct": 100.0 * float(np.mean(score == ours)),
            "max_abs_proba_diff": float(np.max(np.abs(prob - model.predict_proba(X)[:, 1])))}


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    results = []
    for name in ("credit_data", "hmda"):
        ds = load_dataset(name)
        idx = np.random.default_rng(0).permutation(len(ds.y))
        cut = int(0.7 * len(idx))
        Xtr, ytr, Xte = ds.X.iloc[idx[:cut]], ds.y[idx[:cut]], ds.X.iloc[idx[cut:]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nam = NAMClassifier(max_epochs=20, interactions=3, random_state=0, verbose=0).fit(Xtr, ytr)
            tree = SurrogateTree(max_depth=6).fit(nam, Xtr)
            rn = RuleNetClassifier(max_rules=30, max_epochs=20, random_state=0, verbose=0).fit(Xtr, ytr)
            for decimals in (None, 0):
                card = nam.to_scorecard(decimals=decimals)
                X = hard_rows(card, Xte)
                for k in (4, len(card.terms)):
                    results.append({"dataset": name, "artefact": f"scorecard ({'rounded' if decimals == 0 else 'exact'} "
                                    f"points, k={k})", "pmml": "Scorecard", **card_row(card, X, k)})
                    print(results[-1], flush=True)
            X = with_gaps(Xte)
            for artefact, pmml, doc, model in [("surrogate tree (depth 6)", "TreeModel", tree.to_pmml(), tree),
                                               ("RuleNet rule set", "Scorecard", rn.ruleset_.to_pmml(), rn.ruleset_)]:
                results.append({"dataset": name, "artefact": artefact, "pmml": pmml, **score_row(doc, model, X)})
                print(results[-1], flush=True)
    OUT.mkdir(exist_ok=True)
    frame = pd.DataFrame(results)
    frame.insert(0, "commit", commit)
    frame.to_csv(OUT / "pmml_check.csv", index=False)
    lines = [f"PMML read by JPMML vs Python (commit {commit[:10]}; held-out rows + unseen levels + all-missing"
             " [+ every bin edge and its float64 neighbours for the scorecard])", "",
             "| data set | artefact | PMML model | rows | max abs score diff | identical scores | identical reasons "
             "| max abs proba diff |", "|---|---|---|---:|---:|---:|---:|---:|"]
    for r in results:
        reasons = f"{r['identical_reasons_pct']:.1f}%" if "identical_reasons_pct" in r else "-"
        proba = f"{r['max_abs_proba_diff']:.3g}" if "max_abs_proba_diff" in r else "-"
        lines.append(f"| {r['dataset']} | {r['artefact']} | {r['pmml']} | {r['rows']} | {r['max_abs_score_diff']:.3g} | "
                     f"{r['identical_scores_pct']:.1f}% | {reasons} | {proba} |")
    (OUT / "pmml_check.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()

"""How often the monitor's drift alerts fire by chance, and whether real shifts still fire.

Every drift alert of :class:`interpretable_nn.monitor.Monitor` is judged past a band *and*
past sampling noise (``drift_noise_quantile``, 0.99: quiet 99% of the time per report and
kind of alert without drift). This script measures both halves on real data:

* **false alerts**: reports of 1 to 200 rows drawn from the reference's own population, each
  checked by the default monitor (``reason_mix`` band set to 0.1, as a user turning it on
  would) and by the same monitor with the bands alone (``drift_noise_quantile=None``, the
  behaviour before the noise guards); per batch size and kind of alert, how many reports
  raise one;
* **real shifts**: batches with a drift a monitor must see, per kind: 10% of the rows'
  ``Income`` at three times the training maximum (``out_of_range``), ``Seniority`` times four
  (``attribution_drift``, ``csi``), the two leading features held at their reference median
  on 20 rows (``ndcg``), every row's ``Age`` at its training minimum (``reason_mix``); how
  many of 20 batches raise the alert.

Data: modeldata ``credit_data`` (4,454 rows), split at random (seed 0) into thirds: a
logistic model (the registry's encoder + scikit-learn) fitted on the first, the monitor's
reference the second, batches drawn from the third. Results:
``benchmarks/results/monitor_noise.{csv,md}`` with the commit (``_provenance``).

Run: ``python benchmarks/monitor_noise.py [--reports 100]`` (about two minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RESULTS = HERE / "results"
SIZES = (1, 2, 5, 20, 50, 200)
KINDS = ("psi", "csi", "attribution_drift", "ndcg", "out_of_range", "reason_mix")


def setup():
    from sklearn.linear_model import LogisticRegression

    from interpretable_nn.datasets import load_dataset
    from interpretable_nn.models.wrappers import EncodedSklearnClassifier
    from interpretable_nn.monitor import Monitor

    ds = load_dataset("credit_data")
    idx = np.random.default_rng(0).permutation(len(ds.X))
    tr, ref, cur = np.array_split(idx, 3)
    X, y = ds.X, np.asarray(ds.y)
    model = EncodedSklearnClassifier(LogisticRegression(max_iter=2000)).fit(X.iloc[tr], y[tr])
    guarded = Monitor(model, reference=X.iloc[ref], thresholds={"reason_mix": 0.1})
    bands = Monitor(model, reference=X.iloc[ref], thresholds={"reason_mix": 0.1, "drift_noise_quantile": None})
    return X, ref, cur, {"noise guard": guarded, "bands alone": bands}


def kinds_fired(monitor, batch) -> set[str]:
    return {a.metric for a in monitor.check(batch).alerts}


def false_alerts(X, cur, monitors, reports: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for n in SIZES:
        counts = {(g, k): 0 for g in monitors for k in KINDS}
        for _ in range(reports):
            batch = X.iloc[rng.choice(cur, n, replace=False)]
            for g, m in monitors.items():
                for k in kinds_fired(m, batch) & set(KINDS):
                    counts[g, k] += 1
        rows += [{"case": "reference-like rows", "rows": n, "guard": g, "kind": k, "reports": reports,
                  "with_alert": c} for (g, k), c in counts.items()]
    return pd.DataFrame(rows)


def shifts(X, ref, cur, monitors, batches: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    lead = monitors["noise guard"].check(X.iloc[cur[:50]]).attribution_drift.sort_values("reference_rank").index[:2]

    def income(b):
        b.iloc[: max(1, len(b) // 10), b.columns.get_loc("Income")] = X["Income"].max() * 3
        return b

    def seniority(b):
        b["Seniority"] = b["Seniority"] * 4
        return b

    def leaders(b):
        for f in lead:
            b[f] = X[f].iloc[ref].median()
        return b

    def age(b):
        b["Age"] = X["Age"].iloc[ref].min()
        return b

    cases = [("Income x3 beyond the training max on 10% of rows", 100, income, "out_of_range"),
             ("Seniority x4", 100, seniority, "attribution_drift"),
             ("Seniority x4", 100, seniority, "csi"),
             ("the two leading features at their median", 20, leaders, "ndcg"),
             ("Age at its training minimum", 50, age, "reason_mix")]
    rows = []
    for name, n, change, kind in cases:
        hit = dict.fromkeys(monitors, 0)
        for _ in range(batches):
            batch = change(X.iloc[rng.choice(cur, n, replace=False)].copy())
            for g, m in monitors.items():
                hit[g] += kind in kinds_fired(m, batch)
        rows += [{"case": name, "rows": n, "guard": g, "kind": kind, "reports": batches, "with_alert": h}
                 for g, h in hit.items()]
    return pd.DataFrame(rows)


def markdown(df: pd.DataFrame, commit: str) -> str:
    ref = df[df.case == "reference-like rows"]
    lines = ["# Monitor alerts by chance and on real shifts (credit_data, logistic model)", "",
             f"Commit `{commit}`. Each cell: reports with the alert, noise guard / bands alone, of "
             f"{int(ref.reports.iloc[0])} reports of reference-like rows per size.", "",
             "| rows | " + " | ".join(KINDS) + " |", "|---:|" + "---:|" * len(KINDS)]
    for n, g in ref.groupby("rows"):
        cells = []
        for k in KINDS:
            v = g.set_index(["kind", "guard"])["with_alert"]
            cells.append(f"{v[k, 'noise guard']} / {v[k, 'bands alone']}")
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    tot = ref.groupby("guard").with_alert.sum()
    lines += ["", f"Reports × kinds with a false alert: noise guard {tot['noise guard']}, bands alone "
              f"{tot['bands alone']}, of {int(ref.reports.sum() // 2)}.", "",
              "| real shift | rows | alert | noise guard | bands alone |", "|---|---:|---|---:|---:|"]
    for (case, n, kind), g in df[df.case != "reference-like rows"].groupby(["case", "rows", "kind"], sort=False):
        v = g.set_index("guard")["with_alert"]
        lines.append(f"| {case} | {n} | {kind} | {v['noise guard']} / {g.reports.iloc[0]} | "
                     f"{v['bands alone']} / {g.reports.iloc[0]} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=100)
    args = ap.parse_args(argv)
    from _provenance import current_commit, watch

    watch()
    commit = current_commit()
    warnings.simplefilter("ignore")
    X, ref, cur, monitors = setup()
    df = pd.concat([false_alerts(X, cur, monitors, args.reports), shifts(X, ref, cur, monitors)], ignore_index=True)
    df["commit"] = commit
    RESULTS.mkdir(exist_ok=True)
    df.to_csv(RESULTS / "monitor_noise.csv", index=False)
    (RESULTS / "monitor_noise.md").write_text(markdown(df, commit[:12]))
    print((RESULTS / "monitor_noise.md").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

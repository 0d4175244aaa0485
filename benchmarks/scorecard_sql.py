"""Scorecard SQL = Python: on held-out rows of credit_data and hmda (plus rows with unseen
levels, all-missing rows and every numeric bin edge and its float64 neighbours), the SQL of
``Scorecard.to_sql`` run in SQLite, DuckDB and PostgreSQL against ``Scorecard.score`` and
``Scorecard.reason_codes``: max |score difference|, share of bit-identical scores, share of
rows with identical ranked reasons.

Run: ``. .ci/postgres.sh; python benchmarks/scorecard_sql.py`` (PostgreSQL through
``INN_TEST_POSTGRES``). Writes ``benchmarks/results/scorecard_sql.{json,md}`` with the commit.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd

from interpretable_nn.datasets import load_dataset
from interpretable_nn.models.nam import NAMClassifier

OUT = Path(__file__).resolve().parent / "results"
K = 4


def connect(dialect: str):
    if dialect == "sqlite":
        return sqlite3.connect(":memory:")
    if dialect == "duckdb":
        import duckdb

        return duckdb.connect()
    import psycopg

    return psycopg.connect(os.environ["INN_TEST_POSTGRES"], autocommit=True)


def load(con, dialect: str, X: pd.DataFrame) -> None:
    def typ(dtype) -> str:
        if pd.api.types.is_integer_dtype(dtype):
            return "BIGINT"
        return "DOUBLE PRECISION" if pd.api.types.is_numeric_dtype(dtype) else "TEXT"

    con.execute('DROP TABLE IF EXISTS "applicants"')
    cols = ", ".join(f'"{c}" {typ(X[c].dtype)}' for c in X.columns)
    con.execute(f'CREATE {"TEMP " if dialect == "postgres" else ""}TABLE "applicants" (id BIGINT, {cols})')
    rows = [(i, *(None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                  else v.item() if isinstance(v, np.generic) else v for v in r))
            for i, r in enumerate(X.astype(object).itertuples(index=False))]
    mark = "%s" if dialect == "postgres" else "?"
    sql = f'INSERT INTO "applicants" VALUES ({", ".join([mark] * (len(X.columns) + 1))})'
    if dialect == "postgres":
        with con.cursor() as cur:
            cur.executemany(sql, rows)
    else:
        con.executemany(sql, rows)


def hard_rows(card, X: pd.DataFrame) -> pd.DataFrame:
    """Held-out rows + an unseen level per categorical + an all-missing row + each numeric
    bin edge and its two float64 neighbours; numerics as float64."""
    X = X.reset_index(drop=True)
    t = card.table
    extra = [X.iloc[0].to_dict() | {f: "never seen"} for f in t.loc[t["kind"] == "categorical", "feature"].unique()]
    extra.append(dict.fromkeys(X.columns, None))
    for r in t[(t["kind"] == "numeric") & ~t["missing"]].itertuples():
        for e in (r.lower, r.upper):
            if math.isfinite(e):
                for v in (np.nextafter(e, -np.inf), e, np.nextafter(e, np.inf)):
                    extra.append(X.iloc[len(extra) % len(X)].to_dict() | {r.feature: float(v)})
    out = pd.concat([X, pd.DataFrame(extra, columns=X.columns)], ignore_index=True)
    for c in X.columns:
        if pd.api.types.is_numeric_dtype(X[c].dtype):
            out[c] = pd.to_numeric(out[c]).astype(float)
    return out


def compare(card, X: pd.DataFrame, dialect: str) -> dict:
    con = connect(dialect)
    load(con, dialect, X)
    t0 = time.perf_counter()
    got = sorted(con.execute(card.to_sql(reasons=K, dialect=dialect)).fetchall(), key=lambda r: r[0])
    seconds = time.perf_counter() - t0
    con.close()
    score = card.score(X)
    rc = card.reason_codes(X, k=K)
    want = [[None] * K for _ in range(len(X))]
    for r in rc.itertuples(index=False):
        want[r.row][r.rank - 1] = r.reason
    sql_score = np.array([float(r[1]) for r in got])
    return {"rows": len(X), "max_abs_score_diff": float(np.max(np.abs(sql_score - score))),
            "identical_scores_pct": 100.0 * float(np.mean(sql_score == score)),
            "identical_reasons_pct": 100.0 * float(np.mean([list(r[2:]) == w for r, w in zip(got, want)])),
            "rows_with_reasons": int(rc["row"].nunique()), "query_seconds": round(seconds, 3)}


def main() -> None:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    results = []
    for name in ("credit_data", "hmda"):
        ds = load_dataset(name)
        idx = np.random.default_rng(0).permutation(len(ds.y))
        cut = int(0.7 * len(idx))
        nam = NAMClassifier(interactions=3, random_state=0, verbose=0).fit(ds.X.iloc[idx[:cut]], ds.y[idx[:cut]])
        for decimals in (0, None):
            card = nam.to_scorecard(decimals=decimals)
            X = hard_rows(card, ds.X.iloc[idx[cut:]])
            for dialect in ("sqlite", "duckdb", "postgres"):
                row = {"dataset": name, "decimals": decimals, "dialect": dialect, "terms": len(card.terms),
                       **compare(card, X, dialect)}
                results.append(row)
                print(row, flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "scorecard_sql.json").write_text(json.dumps({"commit": commit, "k": K, "results": results}, indent=2))
    lines = [f"Scorecard SQL vs Python (commit {commit[:10]}, k={K} reasons; rows = held-out rows + unseen "
             "levels + all-missing + every bin edge and its float64 neighbours)", "",
             "| data set | points | dialect | rows | max abs score diff | identical scores | identical reasons |",
             "|---|---|---|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['dataset']} | {'rounded' if r['decimals'] == 0 else 'exact'} | {r['dialect']} | "
                     f"{r['rows']} | {r['max_abs_score_diff']:.3g} | {r['identical_scores_pct']:.1f}% | "
                     f"{r['identical_reasons_pct']:.1f}% |")
    (OUT / "scorecard_sql.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    main()

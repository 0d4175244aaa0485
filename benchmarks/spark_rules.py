"""Large rule sets in Spark SQL: planning and run time, the driver's heap and exactness of
``RuleSet.to_sql(dialect="spark")`` for 1,000 / 3,000 / 10,000 (and 30,000) random rules on
200 held-out-like rows (``tests/test_sql_scale.py``: NaN, unseen levels, 17-digit
thresholds), each on a fresh default session (``local[2]``, default 1 GiB driver heap)
started in its own process, as in ``tests/test_spark.py``.

Two layouts of the same left fold (same additions, same order):

* ``zip_with`` (the export): ``AGGREGATE(ZIP_WITH(ARRAY(<rule fires>...), ARRAY(<weight>...),
  (f, w) -> CASE WHEN f THEN w ELSE 0 END), intercept, (s, p) -> s + p)``;
* ``array`` (the export before): ``AGGREGATE(ARRAY(<CASE WHEN ... THEN w ELSE 0 END>...),
  intercept, (s, p) -> s + p)``, which Spark compiles into one Java method.

Figures per case: ``parse_analyze_s`` (``spark.sql``), ``plan_s`` (optimised and physical
plan), ``run_s`` (``collect``), the peak heap of each phase (sum of the heap pools' peaks,
an upper bound), the max |score - Python| and whether every decision matches. A case that
fails records the error's first line (``OutOfMemoryError``...). ``--heap 512m`` runs the
``zip_with`` layout once more with half the default heap: the margin.

Run: ``python benchmarks/spark_rules.py`` (about 10 min on 2 shared cores). Writes
``benchmarks/results/spark_rules.{json,md}`` with the commit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "results"
SIZES = (1_000, 3_000, 10_000, 30_000)


def _old_fold(first: str, parts, w) -> str:
    """The layout before: one ARRAY of ``CASE WHEN`` terms folded by ``AGGREGATE``."""
    from interpretable_nn.rules import export_sql as E

    if not parts:
        return first
    return ("AGGREGATE(ARRAY(\n      " + ",\n      ".join(E._terms(parts, w)) + "\n    ), " + first
            + ", (`__inn_score`, `__inn_points`) -> `__inn_score` + `__inn_points`)")


def one(layout: str, n: int) -> dict:
    """One case in this process (a fresh session): the figures as a dict."""
    sys.path.insert(0, str(HERE.parent / "tests"))
    import numpy as np
    from sql_engines import Engine
    from test_sql_scale import big_ruleset, frame

    from interpretable_nn.rules import export_sql as E

    if layout == "array":
        E._fold = _old_fold
    rs, X = big_ruleset(n), frame(200)
    t0 = time.perf_counter()
    sql = rs.to_sql(dialect="spark")
    out: dict = {"layout": layout, "n_rules": n, "sql_mb": round(len(sql) / 1e6, 2),
                 "export_s": round(time.perf_counter() - t0, 2)}
    eng = Engine("spark")
    eng.load(X)
    jvm = eng.con._jvm
    pools = [p for p in jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
             if str(p.getType().toString()) == "Heap memory"]
    out["max_heap_mib"] = round(jvm.java.lang.Runtime.getRuntime().maxMemory() / 2**20)

    def peak() -> int:
        mib = round(sum(p.getPeakUsage().getUsed() for p in pools) / 2**20)
        for p in pools:
            p.resetPeakUsage()
        return mib

    jvm.java.lang.System.gc()
    peak()
    try:
        t0 = time.perf_counter()
        df = eng.con.sql(sql)
        out["parse_analyze_s"], out["peak_parse_mib"] = round(time.perf_counter() - t0, 2), peak()
        t0 = time.perf_counter()
        df._jdf.queryExecution().executedPlan()
        out["plan_s"], out["peak_plan_mib"] = round(time.perf_counter() - t0, 2), peak()
        t0 = time.perf_counter()
        rows = sorted((tuple(r) for r in df.collect()), key=lambda r: r[0])
        out["run_s"], out["peak_run_mib"] = round(time.perf_counter() - t0, 2), peak()
        want = rs.decision_function(X)
        out["max_abs_err"] = float(np.max(np.abs(np.array([r[1] for r in rows], dtype=float) - want)))
        out["decisions_equal"] = [r[2] for r in rows] == rs.predict(X).tolist()
    except Exception as exc:  # the table records the error itself
        text = str(exc)
        out["error"] = "OutOfMemoryError" if "OutOfMemoryError" in text else text.strip().splitlines()[0][:200]
        out["peak_at_error_mib"] = peak()
    return out


def _spawn(layout: str, n: int, heap: str | None, timeout: int) -> dict:
    env = dict(os.environ)
    if heap:
        env["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {heap} pyspark-shell"
    t0 = time.perf_counter()
    try:
        p = subprocess.run([sys.executable, __file__, "--one", layout, str(n)], env=env, capture_output=True,
                           text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"layout": layout, "n_rules": n, "error": f"timeout after {timeout} s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    res = json.loads(lines[-1][7:]) if lines else {"layout": layout, "n_rules": n,
                                                    "error": f"exit {p.returncode}: {p.stderr.strip()[-200:]}"}
    res["heap_setting"] = heap or "default"
    res["process_s"] = round(time.perf_counter() - t0, 1)
    return res


COLS = ("layout", "n_rules", "heap_setting", "sql_mb", "parse_analyze_s", "plan_s", "run_s", "peak_parse_mib",
        "peak_plan_mib", "peak_run_mib", "max_abs_err", "decisions_equal", "process_s", "error")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--one", nargs=2, metavar=("LAYOUT", "N"), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    ap.add_argument("--heap", default="512m", help="the extra zip_with run's driver heap ('' to skip)")
    ap.add_argument("--timeout", type=int, default=900)
    args = ap.parse_args()
    if args.one:
        print("RESULT " + json.dumps(one(args.one[0], int(args.one[1]))), flush=True)
        return
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    start = time.time()
    cases = [("array", n, None) for n in args.sizes if n <= 10_000]  # it fails from 3,000 on (see the table)
    cases += [("zip_with", n, None) for n in args.sizes]
    cases += [("zip_with", 10_000, args.heap)] if args.heap else []
    rows = []
    for layout, n, heap in cases:
        rows.append(_spawn(layout, n, heap, args.timeout))
        print(json.dumps(rows[-1]), flush=True)
    import pyspark

    meta = {"commit": _provenance.current_commit(), "pyspark": pyspark.__version__, "python": platform.python_version(),
            "cpus": os.cpu_count(), "rows": 200, "wall_s": round(time.time() - start, 1),
            "java": subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]}
    OUT.mkdir(exist_ok=True)
    (OUT / "spark_rules.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    md = [f"# Large rule sets in Spark SQL (commit {meta['commit'][:12]}, pyspark {meta['pyspark']}, "
          f"{meta['cpus']} CPUs, 200 rows)", "", "| " + " | ".join(COLS) + " |", "|" + "---|" * len(COLS)]
    md += ["| " + " | ".join(str(r.get(c, "")) for c in COLS) + " |" for r in rows]
    (OUT / "spark_rules.md").write_text("\n".join(md) + "\n")
    print(f"wrote {OUT}/spark_rules.json and .md in {meta['wall_s']} s")


if __name__ == "__main__":
    main()

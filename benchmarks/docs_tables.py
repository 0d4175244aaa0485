"""Write the figures that docs quote from ``benchmarks/results/``, never by hand.

A doc holds a generated table between two markers::

    <!-- table: scale_ddp -->
    ...generated...
    <!-- /table -->

``python benchmarks/docs_tables.py`` rewrites every such block from its results file (and
the commit that measured it, from ``results/MANIFEST.json``); ``--check`` exits 1 when a doc
differs from what its results file says. ``tests/test_results_provenance.py`` runs the check,
so a figure typed into a doc, or a doc left behind by a new run, fails the suite.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BLOCK = re.compile(r"(<!-- table: (?P<name>[a-z0-9_]+) -->\n)(?P<body>.*?)(<!-- /table -->)", re.S)


def _commit(file: str) -> str:
    manifest = json.loads((RESULTS / "MANIFEST.json").read_text())
    entry = manifest.get(file, {})
    commit = entry.get("commit", "unknown")
    how = "" if entry.get("commit_source") == "recorded by the run" else " (from git history)"
    return f"`{file}`, measured at commit `{commit[:12]}`{how}"


def _fmt(x, spec: str) -> str:
    return "–" if pd.isna(x) else format(x, spec)


def scale_ddp() -> str:
    """Single process vs 2-process DDP (gloo, 2-core CPU): agreement and speed."""
    df = pd.read_csv(RESULTS / "scale_ddp.csv")
    lines = [
        "| model | rows | processes | fit (s) | test AUC | max \\|Δ decision\\| vs 1 process | Δ AUC | fit speed-up |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in df.itertuples():
        lines.append(
            f"| {r.model} | {r.rows:,} | {r.processes} | {r.fit_s:.1f} | {r.test_auc:.4f} | "
            f"{_fmt(r.max_abs_decision_diff, '.2g')} | {_fmt(r.auc_diff, '+.1e')} | {_fmt(r.speedup_fit, '.2f')} |"
        )
    lines.append("")
    lines.append(f"Source: {_commit('scale_ddp.csv')}.")
    return "\n".join(lines) + "\n"


GENERATORS = {"scale_ddp": scale_ddp}
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def render(text: str) -> str:
    def repl(m: re.Match) -> str:
        name = m.group("name")
        if name not in GENERATORS:
            raise KeyError(f"unknown table {name!r}; known: {sorted(GENERATORS)}")
        return m.group(1) + GENERATORS[name]() + m.group(4)

    return BLOCK.sub(repl, text)


def stale_docs() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in DOCS if p.exists() and render(p.read_text()) != p.read_text()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when a doc's table differs from its results file")
    args = ap.parse_args(argv)
    if args.check:
        stale = stale_docs()
        for p in stale:
            print(f"{p}: a generated table differs from its results file; run python benchmarks/docs_tables.py")
        return 1 if stale else 0
    for p in DOCS:
        if p.exists():
            text = p.read_text()
            new = render(text)
            if new != text:
                p.write_text(new)
                print("updated", p.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())

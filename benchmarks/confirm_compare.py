"""One model's new confirm-group rows against the suite's recorded rows, paired by fold.

A "look" at the confirm group runs one model with new defaults into its own results file
(``suite.py --group confirm --models M --out results/X.csv``); this script pairs those rows,
fold by fold, with the rows of ``results/suite.csv``: the same model before (its recorded
rows) and the peers the goals name. Differences are means over the paired folds ± their
standard error, "on par" inside 2 SE (``suite_tune._verdict``).

Usage::

    python benchmarks/confirm_compare.py results/confirm_rulenet_refit_auto.csv --model rulenet \
        --against rulenet,rulefit,figs,ebm [--before results/an_earlier_look.csv]

Writes the table next to the new rows (``X.md``) and prints it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from suite_tune import _pair, _verdict

HERE = Path(__file__).resolve().parent
KEY = ["dataset", "seed", "fold"]


def compare(new: pd.DataFrame, recorded: pd.DataFrame, model: str, against: list[str]) -> str:
    new = new[new.model == model].set_index(KEY).auc
    head = ["data set", "folds", f"{model} (new)"] + [f"new − {m}" + (" (before)" if m == model else "")
                                                    for m in against]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    sums = {m: [] for m in against}
    for d in sorted(new.index.get_level_values(0).unique()):
        a = new.loc[d]
        cells = [d, str(len(a)), f"{a.mean():.4f}"]
        for m in against:
            b = recorded[(recorded.model == m) & (recorded.dataset == d)].set_index(["seed", "fold"]).auc
            n, diff, se = _pair(a, b.reindex(a.index))
            cells.append(_verdict(n, diff, se))
            if n == len(a):  # every fold paired: the set's mean difference counts
                sums[m].append(diff)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for m in against:
        if sums[m]:
            lines.append(f"- mean of the per-set differences to {m}{' (before)' if m == model else ''}: "
                         f"{sum(sums[m]) / len(sums[m]):+.4f} over {len(sums[m])} sets with every fold paired")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("new", help="results CSV of the new rows")
    ap.add_argument("--model", required=True)
    ap.add_argument("--against", required=True, help="comma-separated models of results/suite.csv")
    ap.add_argument("--recorded", default=str(HERE / "results" / "suite.csv"))
    ap.add_argument("--before", default=None,
                    help="results CSV of an earlier look at the same model: its rows are the model 'before' "
                         "(instead of the recorded file's)")
    args = ap.parse_args(argv)
    path = Path(args.new)
    new, recorded = pd.read_csv(path), pd.read_csv(args.recorded)
    source = f"`{Path(args.recorded).name}`"
    if args.before:
        before = pd.read_csv(args.before)
        recorded = pd.concat([recorded[recorded.model != args.model], before[before.model == args.model]])
        source += f" (the {args.model} before: `{Path(args.before).name}`)"
    measured = ", ".join(f"`{c[:10]}`" for c in sorted(set(new.commit.astype(str))))
    text = (f"# {args.model} on the confirm group: new rows against recorded ones\n\n"
            f"New rows: `{path.name}` (commits {measured}); recorded rows: {source}. "
            "Paired by (seed, fold); mean difference ± its standard error; **on par** inside 2 SE.\n\n"
            + compare(new, recorded, args.model, args.against.split(",")))
    path.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch(prefix="confirm_")
    raise SystemExit(main())

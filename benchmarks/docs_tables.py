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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BLOCK = re.compile(r"(<!-- table: (?P<name>[a-z0-9_]+) -->\n)(?P<body>.*?)(<!-- /table -->)", re.S)


def _manifest_entry(file: str) -> dict:
    """``file``'s entry in the results MANIFEST ({} when it has none)."""
    return json.loads((RESULTS / "MANIFEST.json").read_text()).get(file, {})


def _commit(file: str) -> str:
    entry = _manifest_entry(file)
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


def _distill_goal(file: str, depth: int) -> list[str]:
    """Ours (the default search, ``auto+munge``) vs STreeD at ``depth``, from a
    ``benchmarks/distill_search.py`` results file."""
    df = pd.read_csv(RESULTS / file)
    d = df[df["depth"] == depth].set_index(["dataset", "teacher", "method"])
    lines = ["| data set | teacher | ours: agreement [95% CI] | picked | STreeD: agreement [95% CI] | ours (s) | "
             "STreeD (s) | time ratio |", "|---|---|---|---|---|---|---|---|"]
    for (key, teacher), _ in df[df["depth"] == depth].groupby(["dataset", "teacher"], sort=False):
        if (key, teacher, "streed") not in d.index:
            continue
        o, p = d.loc[(key, teacher, "auto+munge")], d.loc[(key, teacher, "streed")]
        limit = " (time limit)" if "time limit" in str(p["note"]) else ""
        lines.append(f"| {key} | {teacher} | {o.agreement:.4f} [{o.agreement_low:.3f}, {o.agreement_high:.3f}] | "
                     f"{str(o['note']).split()[1]} | {p.agreement:.4f} [{p.agreement_low:.3f}, {p.agreement_high:.3f}] | "
                     f"{o.fit_s:.2f} | {p.fit_s:.2f}{limit} | {o.fit_s / p.fit_s:.3f} |")
    return lines


def distill_search() -> str:
    """Depth-5 surrogate trees (default search) vs STreeD on credit_data, hmda, default, and
    the ``target_fidelity`` run."""
    df = pd.read_csv(RESULTS / "distill_search.csv")
    lines = _distill_goal("distill_search.csv", 5)
    for r in df[df["method"].str.startswith("target")].itertuples():
        lines += ["", f"`{r.method}`, {r.dataset} {r.teacher}: {r.note}; on the benchmark's held-out rows "
                      f"{r.agreement:.4f} [{r.agreement_low:.3f}, {r.agreement_high:.3f}], fit {r.fit_s:.1f} s."]
    lines += ["", f"Source: {_commit('distill_search.csv')}."]
    return "\n".join(lines) + "\n"


def distill_search_confirm() -> str:
    """The same at depth 5 on the suite's confirm group (MLP teacher)."""
    lines = _distill_goal("distill_search_confirm.csv", 5)
    lines += ["", f"Source: {_commit('distill_search_confirm.csv')}."]
    return "\n".join(lines) + "\n"


def distill_limits() -> str:
    """Where the depth-5 time goal and ``target_fidelity=0.95`` stop: ``distill_limits.py``."""
    f = pd.read_csv(RESULTS / "distill_limits_floor.csv")
    lines = ["| data set | teacher | teacher pass + CART (s) | 1/10 of STreeD (s) | STreeD agreement | ours: agreement, s "
             "| ours without augmentation: agreement, s | both parts of the goal |", "|---|---|---|---|---|---|---|---|"]
    for r in f.itertuples():
        lines.append(f"| {r.dataset} | {r.teacher} | {r.floor_s:.3f} | {r.budget_s:.3f} | {r.streed_agreement:.4f} | "
                     f"{r.ours_agreement:.4f}, {r.ours_s:.2f} | {r.ours_plain_agreement:.4f}, {r.ours_plain_s:.3f} | "
                     f"{'met' if r.goal_met_by != 'none' else 'not met'} |")
    p = pd.read_csv(RESULTS / "distill_limits_plateau.csv")
    best = p.loc[p.groupby(["seed", "n_augment"])["held_out_agreement"].idxmax()]
    lines += ["", "credit_data, MLP teacher, `SurrogateTree(search=\"greedy\")` at depths 1-"
              f"{int(p['max_depth'].max())}: the best held-out agreement of each (estimator seed, munge size) run",
              "", "| munge rows | " + " | ".join(f"seed {s}" for s in sorted(p["seed"].unique())) + " |",
              "|---|" + "---|" * p["seed"].nunique()]
    deepest = p.loc[p.groupby(["seed", "n_augment"])["max_depth"].idxmax()].set_index(["seed", "n_augment"])
    for n, g in best.groupby("n_augment"):
        lines.append(f"| {n:,} | " + " | ".join(
            f"{r.held_out_agreement:.4f} at depth {r.max_depth} (fit rows {r.fit_rows_agreement:.3f} there, "
            f"{deepest.loc[(r.seed, n), 'fit_rows_agreement']:.3f} at depth {deepest.loc[(r.seed, n), 'max_depth']})"
            for r in g.sort_values("seed").itertuples()) + " |")
    lines += ["", f"Source: {_commit('distill_limits_floor.csv')}; {_commit('distill_limits_plateau.csv')}."]
    return "\n".join(lines) + "\n"


def suite_tuning() -> str:
    """The NAM tuning log on the dev group: the table of ``tuning_dev.md``."""
    text = (RESULTS / "tuning_dev.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("|")]
    return "\n".join(table + ["", f"Source: {_commit('tuning_dev.csv')}."]) + "\n"


def suite_confirm() -> str:
    """Confirm group, seed 0: each model's paired AUC difference to EBM per data set."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair, _verdict  # the suite's one paired-difference rule

    df = pd.read_csv(RESULTS / "suite.csv")
    df = df[df.group == "confirm"]
    piv = df.pivot_table(index=["dataset", "seed", "fold"], columns="model", values="auc")
    secs = df.pivot_table(index=["dataset", "seed", "fold"], columns="model", values="fit_seconds")
    models = [m for m in ("nam", "rulenet", "prototype", "mlp", "logreg", "rulefit", "figs", "xgb") if m in piv]
    lines = ["| data set | cells | EBM AUC | " + " | ".join(f"{m} − EBM" for m in models) + " |",
             "|---|---|---|" + "---|" * len(models)]
    means = {m: [] for m in models + ["ebm"]}
    for d, g in piv.groupby(level=0, sort=False):
        g = g.dropna(subset=["ebm"])
        if len(g) < 2:
            continue
        cells = [d, str(len(g)), f"{g['ebm'].mean():.4f}"]
        for m in models:
            n, diff, se = _pair(g[m], g["ebm"])
            cells.append(_verdict(n, diff, se))
            if n == len(g):
                means[m].append((d, g[m].mean()))
        means["ebm"].append((d, g["ebm"].mean()))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for m in models:
        sets = {d for d, _ in means[m]}
        if not sets:
            continue
        ours = np.mean([v for _, v in means[m]])
        ebm = np.mean([v for d, v in means["ebm"] if d in sets])
        ratio = (secs[m] / secs["ebm"]).dropna().median()
        lines.append(f"- {m}: mean AUC {ours:.4f} vs EBM {ebm:.4f} over the same {len(sets)} data sets "
                     f"(difference {ours - ebm:+.4f}); median fit-time ratio to EBM {ratio:.3f}.")
    rows = ", ".join(f"`{c[:10]}` ({', '.join(sorted(set(g.model)))})" for c, g in df.groupby("commit"))
    lines += ["", f"Source: {_commit('suite.csv')} (merged); each row keeps the commit that measured it: {rows}."]
    return "\n".join(lines) + "\n"

def fit_time_confirm(name: str = "confirm_timing.csv", *newer: str) -> str:
    """Same-run fit seconds of the NAM and EBM on the confirm group (one cell at a time, one
    machine): per data set, and the median ratio over the paired cells (the fit-time goal).
    The data sets of each ``newer`` file (a rerun of both models where the NAM changed) replace
    those sets' rows of the files before it; every ratio still pairs cells of one run."""
    df = pd.read_csv(RESULTS / name)
    for f in newer:
        new = pd.read_csv(RESULTS / f)
        df = pd.concat([df[~df.dataset.isin(set(new.dataset))], new], ignore_index=True)
    secs = df.pivot_table(index=["dataset", "seed", "fold"], columns="model", values="fit_seconds")
    auc = df.pivot_table(index=["dataset", "seed", "fold"], columns="model", values="auc")
    ratio = (secs["nam"] / secs["ebm"]).dropna()
    lines = ["| data set | folds | NAM fit s (mean) | EBM fit s (mean) | median ratio | NAM − EBM AUC |",
             "|---|---:|---:|---:|---:|---:|"]
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair, _verdict  # the suite's one paired-difference rule

    for d, r in ratio.groupby(level=0, sort=False):
        paired = _verdict(*_pair(auc["nam"].loc[d], auc["ebm"].loc[d]))
        lines.append(f"| {d} | {len(r)} | {secs['nam'].loc[d].mean():.1f} | {secs['ebm'].loc[d].mean():.1f} "
                     f"| {r.median():.3f} | {paired} |")
    lines += ["", f"Median NAM/EBM fit-time ratio over the {len(ratio)} paired cells: **{ratio.median():.3f}** "
              f"(total fit seconds: NAM {secs['nam'].sum():.0f}, EBM {secs['ebm'].sum():.0f}).",
              "", "Source: " + "; ".join(_commit(f) for f in (name, *newer))
              + (f" (the sets of {', '.join(f'`{f}`' for f in newer)} from there)." if newer else ".")]
    return "\n".join(lines) + "\n"


def nam_fixed_rows() -> str:
    """The sparse row read against the gather path it replaced (same process)."""
    text = (RESULTS / "nam_fixed_rows.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("|")]
    total = [line for line in text.splitlines() if line.startswith("Total")]
    return "\n".join(table + [""] + total + ["", f"Source: {_commit('nam_fixed_rows.csv')}."]) + "\n"


def nam_memory() -> str:
    """NAM fits' peak memory beside the estimate the fit's memory check makes."""
    text = (RESULTS / "nam_memory.md").read_text()
    table = [line for line in text.splitlines() if line.startswith("|")]
    return "\n".join(table + ["", f"Source: {_commit('nam_memory.csv')}."]) + "\n"


def _versus_by_seed(ours: str, label: str, peers: dict[str, str]) -> str:
    """``ours`` against each of ``peers`` (model -> name) on the confirm group of
    ``confirm_current.csv``: per data set, the first peer per seed and every peer over all
    seeds (the suite's paired rule), then the mean of the per-set differences per seed (a set
    counts where all 5 folds pair) and over all seeds."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair, _verdict  # the suite's one paired-difference rule

    df = pd.read_csv(RESULTS / "confirm_current.csv")
    df = df[df.group == "confirm"]
    piv = df.pivot_table(index=["dataset", "seed", "fold"], columns="model", values="auc")
    seeds = sorted(int(s) for s in df[df.model == ours].seed.unique())
    first, first_name = next(iter(peers.items()))
    both = "+".join(map(str, seeds))
    head = (["data set"] + [f"{label} − {first_name}, seed {s}" for s in seeds]
            + [f"{label} − {name}, seeds {both}" for name in peers.values()])
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    means = {(p, s): {} for p in peers for s in [*seeds, "all"]}
    for d, g in piv.groupby(level=0, sort=True):
        if ours not in g or g[ours].isna().all():
            continue
        cells = [d]
        for s in seeds:
            gs = g.xs(s, level=1) if s in g.index.get_level_values(1) else g.iloc[:0]
            cells.append(_verdict(*_pair(gs[ours], gs[first])) if len(gs) and first in gs else "–")
            for p in peers:
                n, diff, _ = _pair(gs[ours], gs[p]) if len(gs) and p in gs else (0, np.nan, np.nan)
                if n == 5:
                    means[(p, s)][d] = diff
        for p in peers:
            n, diff, se = _pair(g[ours], g[p]) if p in g else (0, np.nan, np.nan)
            cells.append(_verdict(n, diff, se))
            if n == 5 * len(seeds):
                means[(p, "all")][d] = diff
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for p, name in peers.items():
        parts = [f"seed {s} {np.mean(list(means[(p, s)].values())):+.4f} over {len(means[(p, s)])} sets"
                 for s in seeds if means[(p, s)]]
        allm = means[(p, "all")]
        tail = f"; seeds {both} {np.mean(list(allm.values())):+.4f} over {len(allm)} sets" if allm else ""
        lines.append(f"- {label} − {name}, mean of the per-set differences: " + ", ".join(parts) + tail + ".")
    rows = ", ".join(f"`{c[:10]}` (seed {int(s)})" for (c, s), _ in df[df.model == ours].groupby(["commit", "seed"]))
    lines += ["", f"Source: {_commit('confirm_current.csv')} (merged); {label}'s rows: {rows}."]
    return "\n".join(lines) + "\n"


def rules_confirm() -> str:
    """RuleNet against RuleFit, FIGS and EBM on the confirm group, per seed and over both."""
    return _versus_by_seed("rulenet", "RuleNet", {"rulefit": "RuleFit", "figs": "FIGS", "ebm": "EBM"})


def nam_confirm() -> str:
    """The NAM against EBM on the confirm group, per seed and over all seeds."""
    return _versus_by_seed("nam", "NAM", {"ebm": "EBM"})


def pair_gain() -> str:
    """What the pair stage adds, NAM vs EBM, on dev sets (``pair_gain.md``'s table)."""
    text = (RESULTS / "pair_gain.md").read_text().splitlines()
    keep = [line for line in text if line.startswith("|") or line.startswith("Mean over")]
    return "\n".join(keep[:-1] + ["", keep[-1], "", f"Source: {_commit('pair_gain.csv')}."]) + "\n"


def monitor_noise() -> str:
    """The monitor's drift alerts by chance and on real shifts (``monitor_noise.md``'s tables)."""
    text = (RESULTS / "monitor_noise.md").read_text().splitlines()
    keep = [line for line in text[2:] if not line.startswith("Commit ")]
    return "\n".join(keep).strip() + f"\n\nSource: {_commit('monitor_noise.csv')}.\n"


def confirm_models() -> str:
    """Every model of the protocol on the confirm group, all seeds: the confirm section of
    ``confirm_current.md`` (``suite.py``'s summary of the merged file)."""
    text = (RESULTS / "confirm_current.md").read_text()
    section = text.split("## confirm group", 1)[1].split("\n## ", 1)[0]
    keep = [line.replace("### ", "**", 1) + "**" if line.startswith("### ") else line
            for line in section.strip().splitlines()]
    return "\n".join(keep + ["", f"Source: {_commit('confirm_current.md')}; the rows of "
                                 "`confirm_current.csv` keep the commit that measured each cell."]) + "\n"


def prototypes_confirm() -> str:
    """Prototypes against our MLP (the goal: within .01) and EBM on the confirm group."""
    return _versus_by_seed("prototype", "Prototypes", {"mlp": "MLP", "ebm": "EBM"})


def _gpu(file: str = "gpu_check_h200.json") -> dict:
    return json.loads((RESULTS / file).read_text())


def gpu_agreement() -> str:
    """The same defaults fitted on the GPU and on its machine's CPU (credit_data, 70/30)."""
    rep = _gpu()
    lines = ["| model | mode | AUC on the GPU | AUC on the CPU | Δ AUC | max \\|Δ probability\\| | same decisions "
             "| goal (\\|Δp\\| ≤ .001, ≥ 99.9%) |", "|---|---|---|---|---|---|---|---|"]
    for r in rep["agreement"]:
        lines.append(f"| {r['model']} | {r['mode']} | {r['auc_device']:.4f} | {r['auc_cpu']:.4f} | {r['auc_diff']:+.4f} "
                     f"| {r['max_abs_dp']:.2g} | {r['same_decisions']:.2%} | {'met' if r['within_goal'] else 'not met'} |")
    return "\n".join(lines) + f"\n\nSource: {_commit('gpu_check_h200.json')}, {rep['meta']['card']}, torch {rep['meta']['torch']}.\n"


def gpu_throughput() -> str:
    """Training throughput and where a step's time goes on the GPU."""
    rep = _gpu()
    lines = ["| model | device (cpu: the GPU machine's host) | rows | batch | s / epoch | rows / s | fit (s) | peak memory (GiB) | GPU / CPU |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rep["throughput"]:
        lines.append(f"| {r['model']} | {r['device']} | {r['rows']:,} | {r['batch']} | {r['epoch_s']:.3f} "
                     f"| {r['rows_per_s']:,.0f} | {r['fit_s']:.1f} | {r['peak_gib']:.2f} | {_fmt(r['speedup_vs_cpu'], '.2f')} |")
    lines += ["", "| model | rows | steps | s / epoch | host↔device copies | Python outside torch ops | GPU busy |",
              "|---|---|---|---|---|---|---|"]
    for r in rep["efficiency"]:
        lines.append(f"| {r['model']} | {r['rows']:,} | {r['steps']} | {r['epoch_s']:.3f} | {r['copy_share']:.1%} "
                     f"| {r['python_share']:.1%} | {r['device_busy_share']:.1%} |")
    return "\n".join(lines) + f"\n\nSource: {_commit('gpu_check_h200.json')}; notes there: " + " ".join(rep["notes"]) + "\n"


def _untuned_check(stem: str) -> str:
    """The per-model and per-data-set tables of ``<stem>.md`` (a ``suite.py`` summary of an
    untuned check), with its source line."""
    text = (RESULTS / f"{stem}.md").read_text()
    model = text.split("### Per model", 1)[1].split("\n### ", 1)[0]
    diff = text.split("### Per data set: AUC difference to ebm", 1)[1].split("\n### ", 1)[0]
    keep = [[line for line in part.splitlines() if line.startswith("|")] for part in (model, diff)]
    return "\n".join(keep[0] + [""] + keep[1] + ["", f"Source: {_commit(stem + '.csv')}."]) + "\n"


def untuned_check57() -> str:
    """The untuned check of stop 57: today's NAM against EBM on the six sets drawn into dev,
    before any tuning read them (``suite_added57.md``)."""
    return _untuned_check("suite_added57")


def untuned_check58() -> str:
    """The untuned check of stop 58: the draw's next six sets, before any tuning read them
    (``suite_added58.md``)."""
    return _untuned_check("suite_added58")


def untuned_check59() -> str:
    """The untuned check of stop 59: the draw's places 13 to 18, today's default (``b05_any``)
    before any tuning read them (``suite_added59.md``)."""
    return _untuned_check("suite_added59")


def untuned_check59b() -> str:
    """The second untuned check of stop 59: the draw's places 19 to 24 (``suite_added59b.md``)."""
    return _untuned_check("suite_added59b")


def untuned_check59_all() -> str:
    """Both stop-59 batches on three seeds (``suite_added59_all.md``: the seed-0 checks and
    seeds 1 and 2, merged by ``suite.py --merge``)."""
    return _untuned_check("suite_added59_all")


def untuned_check69() -> str:
    """The untuned check of stop 69: the four sets of the second offline source (bundled
    files), today's default and EBM, logistic regression and XGBoost before any tuning read
    them (``suite_added69.md``)."""
    return _untuned_check("suite_added69")


def untuned_check60() -> str:
    """The untuned check of stop 60: the draw's last eight places (25 to 32), today's default
    before any tuning read them (``suite_added60.md``)."""
    return _untuned_check("suite_added60")


def untuned_check60_all() -> str:
    """The stop-60 sets on three seeds (``suite_added60_all.md``: the seed-0 check and seeds 1
    and 2, merged by ``suite.py --merge``)."""
    return _untuned_check("suite_added60_all")


#: the previous default's (``boost_grid_1se``) NAM cells on the confirm group, seeds 0-2
BOOST_GRID_1SE_CONFIRM = ("confirm_nam_boostgrid.csv", "confirm_nam_movies45.csv")


def _nam_variant_confirm(new_files: tuple[str, ...], label: str, old_files: tuple[str, ...], old_label: str) -> str:
    """The NAM of ``new_files`` (``label``) on the confirm group against EBM's cells of
    ``confirm_current.csv`` and the NAM of ``old_files`` (``old_label``), on the same folds."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair, _verdict  # the suite's one paired-difference rule

    def nam(files):
        df = pd.concat([pd.read_csv(RESULTS / f) for f in files])
        return df[(df.model == "nam") & (df.group == "confirm")]

    cur = pd.read_csv(RESULTS / "confirm_current.csv")
    cur = cur[(cur.group == "confirm") & (cur.model == "ebm")]
    key = ["dataset", "seed", "fold"]
    piv = nam(new_files).set_index(key)[["auc"]].rename(columns={"auc": "new"}).join(
        nam(old_files).set_index(key)[["auc"]].rename(columns={"auc": "nam"}), how="inner").join(
        cur.set_index(key)[["auc"]].rename(columns={"auc": "ebm"}), how="inner")
    seeds = sorted(int(s) for s in piv.index.get_level_values("seed").unique())
    lines = [f"| data set | cells | EBM AUC | {label} AUC | {label} − EBM | {old_label} − EBM | {label} − {old_label} |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    diffs = {"new": {}, "nam": {}}
    for d, g in piv.groupby(level=0, sort=True):
        g = g.dropna()
        cells = [d, str(len(g)), f"{g['ebm'].mean():.4f}", f"{g['new'].mean():.4f}"]
        for a, b in (("new", "ebm"), ("nam", "ebm"), ("new", "nam")):
            n, diff, se = _pair(g[a], g[b])
            cells.append(_verdict(n, diff, se))
            if b == "ebm" and n == 5 * len(seeds):
                diffs[a][d] = (diff, se)
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    for a, name in (("new", label), ("nam", old_label)):
        v = diffs[a]
        below = sorted(d for d, (x, se) in v.items() if x < -2 * se)
        lines.append(f"- {name} − EBM over the {len(v)} sets with all {5 * len(seeds)} cells: mean "
                     f"{np.mean([x for x, _ in v.values()]):+.4f}; more than 2 SE below: {', '.join(below) or 'none'}.")
    lines += ["", f"Seeds {', '.join(map(str, seeds))}. Sources: {'; '.join(_commit(f) for f in new_files)}; "
              f"EBM's cells: {_commit('confirm_current.csv')} (merged); {old_label}'s: "
              f"{'; '.join(_commit(f) for f in old_files)}."]
    return "\n".join(lines) + "\n"


def nam_b015any_confirm() -> str:
    """The NAM with the pair stage adopted and withdrawn at stop 57 (``b015_any``) on the confirm
    group, seeds 0 and 1 (seed 1's cells from the same-run timing ``confirm_timing57.csv``)."""
    return _nam_variant_confirm(("confirm_nam_b015any.csv", "confirm_timing57.csv"), "b015_any",
                                BOOST_GRID_1SE_CONFIRM, "boost_grid_1se")


def nam_b05any_confirm() -> str:
    """The NAM with the pair stage adopted at stop 58 (``b05_any``) on the confirm group, seeds
    0-2 (seed 1's cells of 11 sets from the same-run timing ``confirm_timing58.csv``, copied in),
    against the previous default's cells."""
    return _nam_variant_confirm(("confirm_nam_b05any.csv",), "b05_any",
                                BOOST_GRID_1SE_CONFIRM, "boost_grid_1se")


def _added_stop(added: str) -> int:
    """The stop that added a suite set (``added = "stop 46: ..."``); 0 for the sets of the draw."""
    m = re.match(r"stop (\d+)", added or "")
    return int(m.group(1)) if m else 0


def heaps_dev() -> str:
    """Stop 61's dev run of ``heaps`` (``tuning_dev_heaps.csv``, seed 0) on the 19 dev sets where
    a column's heaps pass the test at some seed, against ``b05_any`` rerun beside it
    (``tuning_dev_heaps_base.csv``, the 11 sets where a column passes at seed 0, and
    dengue_present) or its stored rows (the NAM rows of ``tuning_dev_b05_any.csv`` and
    ``suite_added58``-``60``), and EBM; then the adoption rule's four figures over the 56 dev
    sets (the 37 not rerun count as 0: no column passes on any of their folds)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from _suite_data import read_suite
    from suite_tune import _pair, _verdict

    key = ["dataset", "fold"]
    new = pd.read_csv(RESULTS / "tuning_dev_heaps.csv").query("variant == 'heaps' and seed == 0").set_index(key)
    rerun = pd.read_csv(RESULTS / "tuning_dev_heaps_base.csv").query("variant == 'b05_any' and seed == 0").set_index(key)
    added = pd.concat([pd.read_csv(RESULTS / f) for f in ("suite_added58.csv", "suite_added59_all.csv",
                                                          "suite_added60_all.csv")]).query("seed == 0")
    st = pd.read_csv(RESULTS / "tuning_dev_b05_any.csv").query("variant == 'b05_any' and seed == 0")
    stored = pd.concat([st, added[added.model == "nam"]]).drop_duplicates(key).set_index(key)
    ebm = pd.concat([pd.read_csv(RESULTS / "suite.csv"), added]).query("model == 'ebm' and seed == 0")
    ebm = ebm.drop_duplicates(key).set_index(key)
    lines = ["| data set | heaps AUC | heaps − b05_any | against | heaps − EBM | fit s, heaps / b05_any |",
             "|---|---:|---:|---|---:|---:|"]
    diffs, t_new, t_st = {}, 0.0, 0.0
    for d in sorted(new.index.get_level_values(0).unique()):
        a = new.loc[d]
        b, against = (rerun.loc[d], "rerun") if d in rerun.index.get_level_values(0) else (stored.loc[d], "stored")
        n, diff, se = _pair(a.auc, b.auc.reindex(a.index))
        diffs[d] = (diff, se)
        t_new += float(a.fit_seconds.sum())
        t_st += float(stored.loc[d].fit_seconds.reindex(a.index).sum())
        lines.append(f"| {d} | {a.auc.mean():.4f} | {_verdict(n, diff, se)} | {against} | "
                     f"{_verdict(*_pair(a.auc, ebm.loc[d].auc.reindex(a.index)))} | "
                     f"{a.fit_seconds.sum():.0f} / {b.fit_seconds.reindex(a.index).sum():.0f} |")
    _, specs = read_suite()
    dev = [n for n, sp in specs.items() if sp.group == "dev" and _added_stop(sp.added) <= 61]  # the dev group of its run
    every = [diffs.get(d, (0.0, 0.0))[0] for d in dev]
    probed = "wife_out_of_labor_force"
    below = sorted(d for d, (x, se) in diffs.items() if x < -2 * se)
    lines += ["", f"- (1) mean heaps − b05_any over the {len(dev)} dev sets: {np.mean(every):+.4f};",
              f"- (2) sets more than 2 paired SE below: {', '.join(below) or 'none'};",
              f"- (3) mean over the {len(dev) - 1} sets not probed (all but {probed}): "
              f"{np.mean([diffs.get(d, (0.0, 0.0))[0] for d in dev if d != probed]):+.5f};",
              f"- (4) fit seconds of the {len(diffs)} sets: {t_new:.0f} against the stored baseline's {t_st:.0f} "
              f"(ratio {t_new / t_st:.2f}; both beside other work).",
              "", f"Sources: {_commit('tuning_dev_heaps.csv')}; {_commit('tuning_dev_heaps_base.csv')}; "
              f"stored: {_commit('tuning_dev_b05_any.csv')} and the NAM and EBM rows of `suite_added58.csv`, "
              "`suite_added59_all.csv`, `suite_added60_all.csv`; EBM: `suite.csv`."]
    return "\n".join(lines) + "\n"


def nam_heaps_confirm() -> str:
    """The NAM with heaped values (stop 61) on the confirm group, seeds 0-2, on the five sets
    where a column's heaps pass the test on some fold (on the others the fit is the previous
    default's), against the previous default's cells (``b05_any``) and EBM's."""
    return _nam_variant_confirm(("confirm_nam_heaps.csv",), "heaps", ("confirm_nam_b05any.csv",), "b05_any")


def heaps_wife_seeds() -> str:
    """wife_out_of_labor_force, the set heaped values were made for, on the suite's three seeds:
    ``heaps`` (seed 0: ``tuning_dev_heaps.csv``; seeds 1, 2: ``tuning_dev_heaps_wife_s1/s2.csv``)
    against EBM and the NAM before heaps (``b05_any``: the untuned check's rows of stop 60,
    ``suite_added60_all.csv`` and ``suite_added60_seeds12.csv``), paired fold by fold."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair, _verdict

    d, key = "wife_out_of_labor_force", ["seed", "fold"]
    new = pd.concat([pd.read_csv(RESULTS / f) for f in ("tuning_dev_heaps.csv", "tuning_dev_heaps_wife_s1.csv",
                                                        "tuning_dev_heaps_wife_s2.csv")])
    new = new[(new.variant == "heaps") & (new.dataset == d)].drop_duplicates(key).set_index(key)
    old = pd.concat([pd.read_csv(RESULTS / f) for f in ("suite_added60_all.csv", "suite_added60_seeds12.csv")])
    old = old[old.dataset == d].drop_duplicates(["model", *key])
    ebm, nam = (old[old.model == m].set_index(key) for m in ("ebm", "nam"))
    lines = ["| seeds | cells | heaps AUC | heaps − EBM | heaps − NAM before heaps |", "|---|---:|---:|---:|---:|"]
    for label, seeds in [("0", [0]), ("1", [1]), ("2", [2]), ("0-2", [0, 1, 2])]:
        a = new[new.index.get_level_values(0).isin(seeds)].auc
        cells = [_verdict(*_pair(a, ref.auc.reindex(a.index))) for ref in (ebm, nam)]
        lines.append(f"| {label} | {len(a)} | {a.mean():.4f} | {cells[0]} | {cells[1]} |")
    lines += ["", f"Sources: {_commit('tuning_dev_heaps.csv')}; {_commit('tuning_dev_heaps_wife_s1.csv')}; "
              f"{_commit('tuning_dev_heaps_wife_s2.csv')}; EBM and the NAM before heaps: "
              f"{_commit('suite_added60_all.csv')}, {_commit('suite_added60_seeds12.csv')}."]
    return "\n".join(lines) + "\n"


def noshrink_dev() -> str:
    """Stop 62's ``noshrink`` (the per-bag term shrinkage off) on the 7 dev sets with 20 or more
    feature columns, against today's default rerun beside it and EBM, and its rule's figures."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair, _verdict

    key = ["dataset", "fold"]
    new = pd.read_csv(RESULTS / "tuning_dev_noshrink.csv").query("variant == 'noshrink' and seed == 0")
    base = pd.read_csv(RESULTS / "tuning_dev_noshrink_base.csv").query("variant == 'heaps' and seed == 0")
    new, base = new.set_index(key), base.set_index(key)
    ebm = pd.concat([pd.read_csv(RESULTS / f) for f in ("suite.csv", "dev_added_ebm.csv", "suite_added46.csv")])
    ebm = ebm.query("model == 'ebm' and seed == 0").drop_duplicates(key).set_index(key)
    chose = ("lending_club", "nhefs")  # the two sets shrinkwide was adopted on (stop 37)
    lines = ["| data set | chose shrinkwide | noshrink − default | default − EBM | noshrink − EBM |",
             "|---|---|---:|---:|---:|"]
    diffs = {}
    for d in sorted(new.index.get_level_values(0).unique()):
        a, b, e = new.loc[d].auc, base.loc[d].auc, ebm.loc[d].auc
        n, x, se = _pair(a, b.reindex(a.index))
        diffs[d] = (x, se)
        lines.append(f"| {d} | {'yes' if d in chose else 'no'} | {_verdict(n, x, se)} | "
                     f"{_verdict(*_pair(b, e.reindex(b.index)))} | {_verdict(*_pair(a, e.reindex(a.index)))} |")
    five = [d for d in diffs if d not in chose]
    below = sorted(d for d in five if diffs[d][0] < -2 * diffs[d][1])
    lines += ["", f"- (a) mean over the {len(five)} sets that did not choose it: {np.mean([diffs[d][0] for d in five]):+.5f} "
              "(undo needs above 0);",
              f"- (b) of those, more than 2 paired SE below: {', '.join(below) or 'none'} (undo needs none);",
              f"- (c) mean over all {len(diffs)}: {np.mean([x for x, _ in diffs.values()]):+.4f} (undo needs above -.0010).",
              "", f"Sources: {_commit('tuning_dev_noshrink.csv')}; {_commit('tuning_dev_noshrink_base.csv')}; "
              "EBM: `suite.csv`, `dev_added_ebm.csv`, `suite_added46.csv`."]
    return "\n".join(lines) + "\n"


#: the suite.py files of the dev sets added at stops 57-60 and 69 (their NAM and EBM cells)
_ADDED_DEV_FILES = ("suite_added57.csv", "suite_added58.csv", "suite_added59_all.csv", "suite_added60_all.csv",
                    "suite_added69.csv")


def _nam_dev_rows() -> pd.Series:
    """Today's NAM on dev, seed 0 (AUC by dataset, seed, fold): ``heaps`` where it ran, else
    ``b05_any``'s stored rows and ``suite_added57``-``60``'s and ``69``'s, which the default reproduces."""
    key = ["dataset", "seed", "fold"]
    heaps = pd.read_csv(RESULTS / "tuning_dev_heaps.csv").query("variant == 'heaps'")
    st = pd.read_csv(RESULTS / "tuning_dev_b05_any.csv").query("variant == 'b05_any'")
    added = pd.concat([pd.read_csv(RESULTS / f) for f in _ADDED_DEV_FILES])
    return pd.concat([heaps, st, added.query("model == 'nam'")]).query("seed == 0").drop_duplicates(key).set_index(key).auc


def near_linear_dev() -> list[str]:
    """The dev sets where logistic regression (``dev_logreg.csv``) is on par with today's NAM or
    above it (within 2 paired SE)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair

    nam = _nam_dev_rows()
    lr = pd.read_csv(RESULTS / "dev_logreg.csv").query("model == 'logreg'").set_index(["dataset", "seed", "fold"]).auc
    out = []
    for d in sorted(set(nam.index.get_level_values(0)) & set(lr.index.get_level_values(0))):
        n, x, se = _pair(lr.loc[d], nam.loc[d].reindex(lr.loc[d].index))
        if n >= 2 and x >= -2 * se:
            out.append(d)
    return out


def linear_regime() -> str:
    """Stop 66's check of the regime: logistic regression (the suite's one-hot and scaling
    pipeline) against today's NAM, per group. Dev: ``dev_logreg.csv`` (seed 0, 5 folds) against
    the NAM rows ``heaps_dev`` assembles (``heaps`` where it ran, else ``b05_any``'s stored rows
    and ``suite_added58``-``60``'s, which the default reproduces); confirm: the merged
    ``confirm_current.csv`` (seeds 0-2) and ``confirm_peers3.csv`` for logistic regression."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair

    key = ["dataset", "seed", "fold"]
    nam_dev = _nam_dev_rows()
    lr_dev = pd.read_csv(RESULTS / "dev_logreg.csv").query("model == 'logreg'").set_index(key).auc
    conf = pd.concat([pd.read_csv(RESULTS / "confirm_current.csv"), pd.read_csv(RESULTS / "confirm_peers3.csv")])
    nam_c = conf.query("model == 'nam'").drop_duplicates(key).set_index(key).auc
    lr_c = conf.query("model == 'logreg'").drop_duplicates(key).set_index(key).auc
    ebm_files = ("suite.csv", "dev_added_ebm.csv", "suite_added46.csv", "suite_added57.csv", "suite_added58.csv",
                 "suite_added59_all.csv", "suite_added60_all.csv")
    ebm_dev = pd.concat([pd.read_csv(RESULTS / f) for f in ebm_files]).query("model == 'ebm' and seed == 0")
    ebm_dev = ebm_dev.drop_duplicates(key).set_index(key).auc
    ebm_c = conf.query("model == 'ebm'").drop_duplicates(key).set_index(key).auc
    lines = ["| group | sets | logistic − NAM, mean | logistic more than 2 SE above the NAM | on par | "
             "more than 2 SE below | NAM − EBM where logistic is on par / where it is below | sets on par or above |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    for group, nam, lr, ebm in (("dev", nam_dev, lr_dev, ebm_dev), ("confirm", nam_c, lr_c, ebm_c)):
        rows = {}
        for d in sorted(set(nam.index.get_level_values(0)) & set(lr.index.get_level_values(0))):
            n, x, se = _pair(lr.loc[d], nam.loc[d].reindex(lr.loc[d].index))
            if n >= 2:
                rows[d] = (x, se)
        above = [d for d, (x, se) in rows.items() if x > 2 * se]
        below = [d for d, (x, se) in rows.items() if x < -2 * se]
        par = sorted(set(rows) - set(above) - set(below))
        shown = ", ".join(f"{d} {rows[d][0]:+.4f} ± {rows[d][1]:.4f}" for d in sorted(above) + par)
        to_ebm = {d: _pair(nam.loc[d], ebm.loc[d].reindex(nam.loc[d].index))[1]
                  for d in rows if d in ebm.index.get_level_values(0)}
        split = " / ".join(f"{np.mean([to_ebm[d] for d in ds if d in to_ebm]):+.4f} "
                           f"({sum(d in to_ebm for d in ds)} sets)" for ds in (above + par, below))
        lines.append(f"| {group} | {len(rows)} | {np.mean([x for x, _ in rows.values()]):+.4f} | {len(above)} | "
                     f"{len(par)} | {len(below)} | {split} | {shown} |")
    lines += ["", f"Sources: {_commit('dev_logreg.csv')}; the NAM on dev: {_commit('tuning_dev_heaps.csv')}, "
              f"{_commit('tuning_dev_b05_any.csv')} and `suite_added57`-`60`; EBM on dev: {', '.join(f'`{f}`' for f in ebm_files)}; confirm: {_commit('confirm_current.csv')}, "
              f"{_commit('confirm_peers3.csv')}."]
    return "\n".join(lines) + "\n"


def _shapes() -> pd.DataFrame:
    """Each suite set's group, rows, input columns, % positives and categorical inputs, as
    ``python benchmarks/suite.py --describe`` wrote them into ``docs/benchmark_suite.md``."""
    text = (ROOT / "docs" / "benchmark_suite.md").read_text()
    rows = []
    for line in text[text.index("<!-- datasets:start"):].splitlines()[3:]:
        if not line.startswith("|"):
            break
        c = [x.strip() for x in line.strip("|").split("|")]
        rows.append({"dataset": c[0], "group": c[1], "rows": int(c[3]), "cols": int(c[4]), "positive": float(c[5]),
                     "categorical": int(c[7].split()[0])})
    return pd.DataFrame(rows).set_index("dataset")


#: the regimes of :func:`regimes`, by the shape of the data (``_shapes``), fixed in stop 67
REGIMES = {
    "all": lambda s: s["rows"] > 0,
    "20 or more columns": lambda s: s["cols"] >= 20,
    "fewer than 20 columns": lambda s: s["cols"] < 20,
    "fewer than 2,500 rows": lambda s: s["rows"] < 2500,
    "10,000 rows or more": lambda s: s["rows"] >= 10000,
    "positives at most 10%": lambda s: s["positive"] <= 10,
    "half the columns or more categorical": lambda s: s["categorical"] >= s["cols"] / 2,
    "no categorical column": lambda s: s["categorical"] == 0,
}


_EBM_DEV_FILES = ("suite.csv", "dev_added_ebm.csv", "suite_added46.csv", *_ADDED_DEV_FILES)


def _nam_ebm_pairs() -> dict[str, tuple[str, int, float, float]]:
    """data set -> (group, cells, mean NAM − EBM, paired SE): dev at seed 0 (the rows
    :func:`linear_regime` pairs), confirm at seeds 0-2 (``confirm_current.csv``)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair

    key = ["dataset", "seed", "fold"]
    ebm_dev = pd.concat([pd.read_csv(RESULTS / f) for f in _EBM_DEV_FILES]).query("model == 'ebm' and seed == 0")
    conf = pd.read_csv(RESULTS / "confirm_current.csv").query("group == 'confirm'")
    shapes = _shapes()
    pairs = {"dev": (_nam_dev_rows(), ebm_dev.drop_duplicates(key).set_index(key).auc),
             "confirm": tuple(conf.query(f"model == '{m}'").drop_duplicates(key).set_index(key).auc
                              for m in ("nam", "ebm"))}
    out = {}
    for group, (nam, ebm) in pairs.items():
        for d in sorted(set(nam.index.get_level_values(0)) & set(ebm.index.get_level_values(0))):
            if shapes.loc[d, "group"] != group:
                raise ValueError(f"{d} is {shapes.loc[d, 'group']} in the data-set table, not {group}")
            n, x, se = _pair(nam.loc[d], ebm.loc[d].reindex(nam.loc[d].index))
            if n >= 2:
                out[d] = (group, n, x, se)
    return out


def se_calibration() -> str:
    """Stop 68: how often the paired SE's 2-SE rule calls a set a win or a loss, dev beside
    confirm, and the same with the SE corrected for the overlap of cross-validation training
    sets (Nadeau & Bengio 2003; Bouckaert & Frank 2004: variance times 1 + n / (k − 1) for n
    cells of k-fold CV)."""
    pairs = _nam_ebm_pairs()
    lines = ["| group | sets | cells a set | below / above by 2 paired SE | SE factor of the correction | "
             "below / above by 2 corrected SE | sets below by 2 corrected SE |", "|---|---:|---:|---|---:|---|---|"]
    for group in ("dev", "confirm"):
        rows = {d: v[1:] for d, v in pairs.items() if v[0] == group}
        n = int(np.median([r[0] for r in rows.values()]))
        factor = float(np.sqrt(1 + n / (5 - 1)))
        plain = [sum(x < -2 * se for _, x, se in rows.values()), sum(x > 2 * se for _, x, se in rows.values())]
        fixed = {d: (x, se * np.sqrt(1 + k / (5 - 1))) for d, (k, x, se) in rows.items()}
        below = sorted(d for d, (x, se) in fixed.items() if x < -2 * se)
        above = sum(x > 2 * se for x, se in fixed.values())
        lines.append(f"| {group} | {len(rows)} | {n} | {plain[0]} / {plain[1]} | {factor:.2f} | {len(below)} / {above} "
                     f"| {', '.join(below) or '—'} |")
    lines += ["", "Sources: as the `regimes` table above."]
    return "\n".join(lines) + "\n"


def regimes() -> str:
    """Stop 67's check: today's NAM against EBM per data-shape regime, dev (seed 0, the rows
    :func:`linear_regime` pairs) beside confirm (seeds 0-2, ``confirm_current.csv``)."""
    shapes, diff = _shapes(), {d: (g, x, se) for d, (g, _n, x, se) in _nam_ebm_pairs().items()}
    lines = ["| regime | dev sets | dev: NAM − EBM, mean | below / above by 2 SE | confirm sets | "
             "confirm: NAM − EBM, mean | below / above by 2 SE | confirm sets below |",
             "|---|---:|---:|---|---:|---:|---|---|"]
    for name, rule in REGIMES.items():
        inside = set(shapes.index[rule(shapes)])
        cells = []
        for group in ("dev", "confirm"):
            ds = sorted(d for d, (g, _, _) in diff.items() if g == group and d in inside)
            xs = [diff[d][1] for d in ds]
            below = [d for d in ds if diff[d][1] < -2 * diff[d][2]]
            above = [d for d in ds if diff[d][1] > 2 * diff[d][2]]
            cells += [str(len(ds)), f"{np.mean(xs):+.4f}" if xs else "—", f"{len(below)} / {len(above)}"]
        lines.append(f"| {name} | {' | '.join(cells)} | {', '.join(below) or '—'} |")
    lines += ["", "Shapes: the data-set table below (`python benchmarks/suite.py --describe`). Sources: the NAM on "
              f"dev: {_commit('tuning_dev_heaps.csv')}, {_commit('tuning_dev_b05_any.csv')} and `suite_added57`-`60`; "
              f"EBM on dev: {', '.join(f'`{f}`' for f in _EBM_DEV_FILES)}; confirm: {_commit('confirm_current.csv')}."]
    return "\n".join(lines) + "\n"


def rows_check() -> str:
    """Stop 68's check: dev's five wide sets of 5,000 rows or more, cut to a confirm loser's
    size (``suite_tune.py``'s ``name+rowsN``), today's NAM against EBM on the same folds,
    beside the same sets at full size (the rows :func:`regimes` pairs)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import ROWS, _pair, _verdict

    key = ["dataset", "fold"]
    df = pd.read_csv(RESULTS / "tuning_dev_rows.csv").query("seed == 0")
    nam, ebm = (df.query(f"variant == '{v}'").set_index(key).auc for v in ("heaps", "ebm"))
    full_ebm = pd.concat([pd.read_csv(RESULTS / f) for f in _EBM_DEV_FILES]).query("model == 'ebm' and seed == 0")
    full_ebm = full_ebm.drop_duplicates(["dataset", "seed", "fold"]).set_index(["dataset", "seed", "fold"]).auc
    full_nam, shapes = _nam_dev_rows(), _shapes()
    lines = ["| data set | columns | rows: full → cut | full: NAM − EBM | cut: NAM − EBM | cut: NAM / EBM AUC |",
             "|---|---:|---|---:|---:|---|"]
    cut = {}
    for d in sorted(nam.index.get_level_values(0).unique()):
        base, n_rows = d.split(ROWS)
        a, e = nam.loc[d], ebm.loc[d].reindex(nam.loc[d].index)
        cut[d] = _pair(a, e)
        fa, fe = full_nam.loc[base], full_ebm.loc[base].reindex(full_nam.loc[base].index)
        lines.append(f"| {base} | {shapes.loc[base, 'cols']} | {shapes.loc[base, 'rows']:,} → {int(n_rows):,} | "
                     f"{_verdict(*_pair(fa, fe))} | {_verdict(*cut[d])} | {a.mean():.4f} / {e.mean():.4f} |")
    below = sorted(d for d, (n, x, se) in cut.items() if x < -2 * se)
    mean = np.mean([x for _, x, _ in cut.values()])
    lines += ["", f"- mean of NAM − EBM over the {len(cut)} cut sets: {mean:+.4f} (the regime is reproduced below "
              "−.0020);", f"- cut sets more than 2 paired SE below EBM: {', '.join(below) or 'none'} (reproduced at "
              f"two or more); so the regime is {'reproduced' if mean < -0.002 or len(below) >= 2 else 'not reproduced'}.",
              "", f"Sources: {_commit('tuning_dev_rows.csv')} (seed 0, five folds); full size: the rows of the "
              "`regimes` table above."]
    return "\n".join(lines) + "\n"


def linear_dev() -> str:
    """Stop 66's ``linear`` (numeric terms made lines where their bends carry nothing) on the 56
    dev sets against ``heaps`` rerun beside it, cell by cell, and its rule's figures; the
    near-linear sets are those of :func:`linear_regime` (logistic regression on par with the
    NAM or above it on dev)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair, _verdict

    key = ["dataset", "fold"]
    df = pd.read_csv(RESULTS / "tuning_dev_linear.csv").query("seed == 0")
    new = df.query("variant == 'linear'").set_index(key)
    base = df.query("variant == 'heaps'").set_index(key)
    near_all = set(near_linear_dev())
    rows, ratios = {}, []
    for d in sorted(new.index.get_level_values(0).unique()):
        a, b = new.loc[d], base.loc[d].reindex(new.loc[d].index)
        rows[d] = (*_pair(a.auc, b.auc), d in near_all)
        ratios += list((a.fit_seconds / b.fit_seconds).dropna())
    near = [d for d, r in rows.items() if r[3]]
    moved = {d: r for d, r in rows.items() if r[1] != 0}
    lines = ["| data set | near-linear | linear − default |", "|---|---|---:|"]
    lines += [f"| {d} | {'yes' if r[3] else 'no'} | {_verdict(*r[:3])} |" for d, r in sorted(moved.items())]
    below = sorted(d for d, (n, x, se, _) in rows.items() if x < -2 * se)
    mean = np.mean([r[1] for r in rows.values()])
    lines += ["", f"{len(rows) - len(moved)} of the {len(rows)} sets fit the same on every fold (the gate never "
              "kept a line) and are not listed.", "",
              f"- (a) mean over the {len(rows)} dev sets: {mean:+.5f} (adopt needs above +.0010);",
              f"- (b) sets more than 2 paired SE below: {', '.join(below) or 'none'} (adopt needs none);",
              f"- (c) median fit-time ratio: {np.median(ratios):.2f} (adopt needs at most 1.25);",
              f"- beside it: mean over the {len(near)} near-linear sets {np.mean([rows[d][1] for d in near]):+.5f}, "
              f"over the other {len(rows) - len(near)} {np.mean([r[1] for d, r in rows.items() if d not in near]):+.5f}.",
              "", f"Sources: {_commit('tuning_dev_linear.csv')}; near-linear: {_commit('dev_logreg.csv')}."]
    return "\n".join(lines) + "\n"


def ls_dev(file: str = "tuning_dev_ls.csv", variant: str = "ls1", probed: tuple[str, ...] = ("german_credit",),
           same_why: str = "have no categorical column and no missing value", changed_rule: bool = False) -> str:
    """Stop 69's ``ls1`` (category levels and missing values stored at scale 1, not 10), or
    another one-change variant, on the 60 dev sets against ``heaps`` rerun beside it, cell by
    cell, and its rule's figures; sets the variant does not refit (``same as heaps``: they
    ``same_why``) are counted, not listed; ``probed``: the sets of the diagnosis that suggested
    it. ``changed_rule``: the rule of a change confined to a regime (``fdwide``), read on the
    sets it changes (mean above +.0020 and 2 SE over the sets, mean over the unprobed above 0),
    with the 60-set mean beside it."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from suite_tune import _pair, _verdict

    key = ["dataset", "fold"]
    df = pd.read_csv(RESULTS / file).query("seed == 0")
    new, base = (df.query(f"variant == '{v}'").set_index(key) for v in (variant, "heaps"))
    same = set(new[new.commit.astype(str).str.startswith("same as")].index.get_level_values(0))
    rows, ratios = {}, []
    for d in sorted(new.index.get_level_values(0).unique()):
        a, b = new.loc[d], base.loc[d].reindex(new.loc[d].index)
        rows[d] = _pair(a.auc, b.auc)
        if d not in same:
            ratios.append(float(a.fit_seconds.sum() / b.fit_seconds.sum()))
    lines = [f"| data set | {variant} − heaps |", "|---|---:|"]
    lines += [f"| {d} | {_verdict(*r)} |" for d, r in sorted(rows.items(), key=lambda kv: kv[1][1]) if d not in same]
    below = sorted(d for d, (n, x, se) in rows.items() if x < -2 * se)
    above = sorted(d for d, (n, x, se) in rows.items() if x > 2 * se)
    out = [d for d in rows if d not in probed]
    lines += ["", f"{len(same)} of the {len(rows)} sets {same_why}; they fit "
              "the same and are not listed.", ""] if same else [""]
    mean_all = np.mean([r[1] for r in rows.values()])
    if changed_rule:  # the rule of a regime change: read on the sets it changes
        ch = [d for d in rows if d not in same]
        diffs = np.array([rows[d][1] for d in ch])
        rule_a = (f"- (a) mean over the {len(ch)} changed sets: {diffs.mean():+.5f} ± "
                  f"{diffs.std(ddof=1) / np.sqrt(len(ch)):.5f} (SE over the sets; adopt needs above +.0020 and above "
                  f"2 SE), over the {len([d for d in ch if d not in probed])} not probed ({', '.join(probed)} left "
                  f"out): {np.mean([rows[d][1] for d in ch if d not in probed]):+.5f} (adopt needs above 0);")
        beside = (f"- beside it: mean over all {len(rows)} dev sets (the unchanged at 0): {mean_all:+.5f} (the "
                  "standing rule's +.0010).")
    else:
        rule_a = f"- (a) mean over the {len(rows)} dev sets: {mean_all:+.5f} (adopt needs above +.0010);"
        beside = (f"- beside it: mean over the {len(out)} sets other than {' and '.join(probed)} (where the diagnosis "
                  f"that suggested it was made): {np.mean([rows[d][1] for d in out]):+.5f}.")
    lines += [rule_a,
              f"- (b) more than 2 paired SE below: {len(below)} sets{', ' if below else ''}{', '.join(below)} (adopt "
              f"needs none); above: {', '.join(above) or 'none'};",
              f"- (c) median fit-time ratio over the {len(ratios)} {'changed' if changed_rule else 'refitted'} sets: "
              f"{np.median(ratios):.2f} (adopt needs at most 1.25);",
              beside, "", f"Source: {_commit(file)}."]
    return "\n".join(lines) + "\n"


def demo_time() -> str:
    """The README demo's time in the fresh-clone CI run logged in ``slow_suite.log`` (the timed
    test's own duration line), with the commit the MANIFEST records for that log: typed by hand,
    the README's figure had stayed at an older run's 111 s."""
    text = (RESULTS / "slow_suite.log").read_text()
    m = re.search(r"([\d.]+)s call\s+tests/test_studies_cli\.py::test_demo_gives_a_report_within_five_minutes", text)
    if m is None:
        raise ValueError("slow_suite.log has no duration line for the demo's timed test")
    commit = _manifest_entry("slow_suite.log")["commit"][:7]
    return (f"The demo took {float(m.group(1)):.0f} s on a 2-core machine in the fresh-clone CI run of `{commit}`\n"
            "logged in `benchmarks/results/slow_suite.log`\n")


def regression_peers() -> str:
    """NAMRegressor against the EBM and XGBoost regressors, ridge and the MLP (stop 74)."""
    from regression_peers import summary

    return summary(pd.read_csv(RESULTS / "regression_peers.csv")) + f"\nFrom {_commit('regression_peers.csv')}.\n"


def regression_dev() -> str:
    """Stop 77's regime check: NAMRegressor's defaults against EBM's regressor on the regression
    dev group's sets of at most 550 rows (``regression_tune.py``)."""
    if str(ROOT / "benchmarks") not in sys.path:
        sys.path.insert(0, str(ROOT / "benchmarks"))
    from regression_tune import summary

    df = pd.read_csv(RESULTS / "tuning_regression.csv")
    body = summary(df, "default", "ebm").split("\nCommits measured")[0]
    return body + f"\nFrom {_commit('tuning_regression.csv')} (each row records its own).\n"


GENERATORS = {"demo_time": demo_time, "regression_peers": regression_peers, "regression_dev": regression_dev, "scale_ddp": scale_ddp, "distill_search": distill_search, "distill_search_confirm": distill_search_confirm, "distill_limits": distill_limits, "suite_tuning": suite_tuning, "suite_confirm": suite_confirm,
              "fit_time_confirm": fit_time_confirm, "nam_fixed_rows": nam_fixed_rows,
              "fit_time_confirm52": lambda: fit_time_confirm("confirm_timing52.csv"), "nam_memory": nam_memory,
              "rules_confirm": rules_confirm, "prototypes_confirm": prototypes_confirm,
              "nam_confirm": nam_confirm, "pair_gain": pair_gain, "confirm_models": confirm_models, "monitor_noise": monitor_noise,
              "gpu_agreement": gpu_agreement, "gpu_throughput": gpu_throughput,
              "untuned_check57": untuned_check57, "untuned_check58": untuned_check58,
              "untuned_check59": untuned_check59,
              "untuned_check59b": untuned_check59b,
              "untuned_check59_all": untuned_check59_all, "untuned_check60": untuned_check60,
              "untuned_check60_all": untuned_check60_all,
              "nam_b015any_confirm": nam_b015any_confirm,
              "nam_b05any_confirm": nam_b05any_confirm, "fit_time_confirm58": lambda: fit_time_confirm("confirm_timing58.csv"),
              "fit_time_confirm57": lambda: fit_time_confirm("confirm_timing57.csv"), "heaps_dev": heaps_dev, "heaps_wife_seeds": heaps_wife_seeds, "noshrink_dev": noshrink_dev,
              "nam_heaps_confirm": nam_heaps_confirm, "linear_regime": linear_regime, "linear_dev": linear_dev, "regimes": regimes, "untuned_check69": untuned_check69, "ls_dev": ls_dev, "pmember_dev": lambda: ls_dev("tuning_dev_pmember.csv", "pmember", ("german_credit", "software_defects")), "ties_dev": lambda: ls_dev("tuning_dev_ties.csv", "ties", ("income_ada",)), "quarter_dev": lambda: ls_dev("tuning_dev_quarter.csv", "quarter", ("swiss_labor", "german_credit", "turnout_2000")), "fdwide_dev": lambda: ls_dev("tuning_dev_fdwide.csv", "fdwide", ("german_credit", "software_defects"), "have fewer than 20 columns", True), "pminwide_dev": lambda: ls_dev("tuning_dev_pminwide.csv", "pminwide", ("german_credit", "software_defects"), "have fewer than 20 columns", True), "rows_check": rows_check, "se_calibration": se_calibration,
              "fit_time_confirm61": lambda: fit_time_confirm("confirm_timing58.csv", "confirm_timing61.csv")}
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

"""The benchmark suite: our models against interpretable and black-box peers on >= 20 real
binary data sets, in a dev group (tune here) and a confirm group (report only).

Usage::

    python benchmarks/suite.py                       # everything: hours on 2 cores; resumable
    python benchmarks/suite.py --quick               # 3 small sets x 2 folds x 1 seed, minutes
    python benchmarks/suite.py --group confirm --models nam,ebm --jobs 1
    python benchmarks/suite.py --datasets caravan,wells --seeds 0
    python benchmarks/suite.py --summary-only        # rewrite suite.md from suite.csv
    python benchmarks/suite.py --describe            # data-set table into docs/benchmark_suite.md

Protocol (``suite.toml``, ``docs/benchmark_suite.md``): 5-fold stratified CV x seeds 0, 1, 2.
For seed s the folds are ``StratifiedKFold(5, shuffle=True, random_state=s)``, the same for
every model, and s is every model's ``random_state``. Our models come from
``interpretable_nn.models.make_model`` with default parameters (``rulenet`` 30 rules,
``prototype`` 20 prototypes); peers keep their own defaults, configured as in
``shared/anchors/peers.py``: EBM (``n_jobs=2``) on the raw frame; XGBoost (300 trees of
depth 4, learning rate 0.05, ``n_jobs=2``), logistic regression, RuleFit (30 rules) and FIGS
(20 splits) behind ``_peers.peer_preprocessor`` (median-imputed scaled numerics, one-hot
categories). AUC is the test fold's ROC AUC of ``predict_proba``; fit seconds are wall time
of ``fit`` alone.

Every finished cell (dataset, model, seed, fold) is appended at once to the results CSV
(default ``benchmarks/results/suite.csv``; ``--quick``: ``suite_quick.csv``) with the commit
and a ``dirty`` flag of the measured tree; a rerun skips the cells already there, so a killed
run resumes. Failed cells go to ``*_errors.csv`` and are retried on the next run. To measure
a new commit, start a new file (``--out``) or move the old one away. The summary (same name,
``.md``) is rewritten at the end of each run. Fit times are comparable only with
``--jobs 1`` (the default) on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # _peers, _suite_data when imported from elsewhere (tests)

from _suite_data import SUITE_TOML, describe, load, read_suite  # noqa: E402

RESULTS = HERE / "results"
MODELS = ["nam", "rulenet", "prototype", "mlp", "ebm", "xgb", "logreg", "rulefit", "figs"]
OURS = ["nam", "rulenet", "prototype", "mlp"]
# development subset: dev-group sets only (the confirm group is run to report, never to develop on)
QUICK = {"datasets": ["swiss_labor", "wells", "credit_card_approval"], "folds": 2, "seeds": [0]}
COLUMNS = ["dataset", "group", "model", "seed", "fold", "auc", "fit_seconds", "commit", "dirty"]
KEY = ["dataset", "model", "seed", "fold"]


# ------------------------------------------------------------------------------ models
def make(name: str, X: pd.DataFrame, seed: int, device: str = "cpu"):
    """A fresh, unfitted model of the suite (``X`` sizes the peers' preprocessing)."""
    if name in OURS:
        from interpretable_nn.models import make_model

        extra = {"rulenet": {"max_rules": 30}, "prototype": {"n_prototypes": 20}}.get(name, {})
        return make_model(name, random_state=seed, verbose=0, device=device, **extra)
    from _peers import peer_preprocessor
    from sklearn.pipeline import make_pipeline

    if name == "ebm":
        from interpret.glassbox import ExplainableBoostingClassifier

        return ExplainableBoostingClassifier(n_jobs=2, random_state=seed)
    if name == "xgb":
        from xgboost import XGBClassifier

        return make_pipeline(peer_preprocessor(X), XGBClassifier(n_estimators=300, max_depth=4, learning_rate=0.05,
                                                                 n_jobs=2, random_state=seed))
    if name == "logreg":
        from sklearn.linear_model import LogisticRegression

        return make_pipeline(peer_preprocessor(X), LogisticRegression(max_iter=2000))
    if name == "rulefit":
        import imodels

        return make_pipeline(peer_preprocessor(X), imodels.RuleFitClassifier(max_rules=30, random_state=seed))
    if name == "figs":
        import imodels

        return make_pipeline(peer_preprocessor(X), imodels.FIGSClassifier(max_rules=20, random_state=seed))
    raise ValueError(f"unknown model {name!r}; choose from {MODELS}")


def run_cell(dataset: str, group: str, model: str, seed: int, fold: int, folds: int, device: str,
             toml: str) -> dict:
    """Fit one model on one fold; the cell's result row (without commit)."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    X, y = load(dataset, toml)
    tr, te = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y))[fold]
    m = make(model, X, seed, device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        m.fit(X.iloc[tr], y[tr])
        fit = time.perf_counter() - t0
        p = np.asarray(m.predict_proba(X.iloc[te]))[:, 1]
    return {"dataset": dataset, "group": group, "model": model, "seed": seed, "fold": fold,
            "auc": float(roc_auc_score(y[te], p)), "fit_seconds": fit}


# ------------------------------------------------------------------------------ store
def git_state(root: Path = HERE.parent) -> tuple[str, bool]:
    """(HEAD commit, whether tracked files outside benchmarks/results differ from it)."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        st = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                             ":(exclude)benchmarks/results"], cwd=root, capture_output=True, text=True,
                            check=True).stdout
        return head, bool(st.strip())
    except (OSError, subprocess.CalledProcessError):
        return "unknown", True


def read_results(path: Path) -> pd.DataFrame:
    """Finished cells in a results CSV (rows cut short by a kill are ignored)."""
    if not Path(path).exists():
        return pd.DataFrame(columns=COLUMNS)
    df = pd.read_csv(path, on_bad_lines="skip")
    df = df.dropna(subset=["auc", "fit_seconds", "commit"])
    df[["seed", "fold"]] = df[["seed", "fold"]].astype(int)
    return df.drop_duplicates(KEY, keep="first").reset_index(drop=True)


def _append(path: Path, rows: list[dict]) -> None:
    new = not path.exists() or path.stat().st_size == 0
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS if "auc" in rows[0] else list(rows[0]))
        if new:
            w.writeheader()
        w.writerows(rows)
        f.flush()
        os.fsync(f.fileno())


def plan(specs: dict, datasets: list[str], models: list[str], seeds: list[int], folds: int,
         fold_subset: int | None = None) -> list[tuple]:
    """Cells (dataset, group, model, seed, fold) in run order: data set, seed, fold, model, so
    that a partial run holds whole folds of every model (paired with EBM)."""
    nf = fold_subset or folds
    return [(d, specs[d].group, m, s, k) for d in datasets for s in seeds for k in range(nf) for m in models]


def run(cells: list[tuple], out: Path, folds: int, device: str = "cpu", jobs: int = 1,
        toml: str = str(SUITE_TOML), verbose: int = 1) -> pd.DataFrame:
    """Run the cells not yet in ``out``; every finished cell is appended at once."""
    from tqdm.auto import tqdm

    done = set(map(tuple, read_results(out)[KEY].astype(str).values.tolist()))
    todo = [c for c in cells if (c[0], c[2], str(c[3]), str(c[4])) not in done]
    commit, dirty = git_state()
    errors = out.with_name(out.stem + "_errors.csv")
    bar = tqdm(total=len(cells), initial=len(cells) - len(todo), desc="suite", unit="cell", disable=not verbose,
               dynamic_ncols=True)

    def finish(cell, res, err):
        if err is None:
            _append(out, [{**res, "commit": commit, "dirty": dirty}])
        else:
            _append(errors, [{"dataset": cell[0], "model": cell[2], "seed": cell[3], "fold": cell[4],
                              "error": f"{type(err).__name__}: {err}"[:500], "commit": commit}])
            tqdm.write(f"FAILED {cell}: {type(err).__name__}: {err}")
        bar.set_postfix_str(f"{cell[0]} {cell[2]}")
        bar.update()

    if jobs == 1:
        for c in todo:
            try:
                finish(c, run_cell(*c, folds, device, toml), None)
            except Exception as e:  # noqa: BLE001 - a failing cell is recorded, the suite goes on
                finish(c, None, e)
    else:
        with ProcessPoolExecutor(jobs) as ex:
            futs = {ex.submit(run_cell, *c, folds, device, toml): c for c in todo}
            for f in as_completed(futs):
                try:
                    finish(futs[f], f.result(), None)
                except Exception as e:  # noqa: BLE001
                    finish(futs[f], None, e)
    bar.close()
    return read_results(out)


# ------------------------------------------------------------------------------ summary
def paired(df: pd.DataFrame, ref: str = "ebm", tie_se: float = 2.0) -> pd.DataFrame:
    """Per (group, dataset, model): cells paired with ``ref`` on (seed, fold), mean AUC, mean
    paired difference to ``ref`` and its standard error (sd of the differences / sqrt(n)),
    verdict win / tie / loss (tie: |difference| <= ``tie_se`` SE), median fit-time ratio."""
    r = df[df.model == ref][["dataset", "seed", "fold", "auc", "fit_seconds"]]
    m = df.merge(r, on=["dataset", "seed", "fold"], suffixes=("", "_ref"))
    m["diff"] = m.auc - m.auc_ref
    m["ratio"] = m.fit_seconds / m.fit_seconds_ref
    rows = []
    for (g, d, mod), x in m.groupby(["group", "dataset", "model"], sort=False):
        n = len(x)
        diff = float(x["diff"].mean())
        se = float(x["diff"].std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
        if mod == ref:
            verdict = ""
        elif np.isnan(se):
            verdict = "n/a"
        elif abs(diff) <= tie_se * se:
            verdict = "tie"
        else:
            verdict = "win" if diff > 0 else "loss"
        rows.append({"group": g, "dataset": d, "model": mod, "n": n, "auc": float(x.auc.mean()),
                     "auc_ref": float(x.auc_ref.mean()), "diff": diff, "se": se, "verdict": verdict,
                     "fit_ratio": float(x.ratio.median())})
    return pd.DataFrame(rows, columns=["group", "dataset", "model", "n", "auc", "auc_ref", "diff", "se",
                                       "verdict", "fit_ratio"])


def per_model(df: pd.DataFrame, ref: str = "ebm", tie_se: float = 2.0) -> pd.DataFrame:
    """Per (group, model): over the data sets that every model of the group finished (so
    means and ranks compare like with like): mean AUC, mean rank (1 = best AUC on a data set),
    win / tie / loss against ``ref``, and the median fit-time ratio to ``ref`` over all
    paired cells."""
    means = df.groupby(["group", "dataset", "model"], sort=False).auc.mean().reset_index()
    pr = paired(df, ref, tie_se)
    rows = []
    for g, x in means.groupby("group", sort=False):
        wide = x.pivot(index="dataset", columns="model", values="auc").dropna()
        ranks = wide.rank(axis=1, ascending=False).mean()
        p = pr[(pr.group == g) & pr.dataset.isin(wide.index)]
        pg = pr[pr.group == g]
        for mod in wide.columns:
            v = p[p.model == mod].verdict
            rows.append({"group": g, "model": mod, "datasets": len(wide), "mean_auc": float(wide[mod].mean()),
                         "mean_rank": float(ranks[mod]),
                         "win": int((v == "win").sum()), "tie": int((v == "tie").sum()),
                         "loss": int((v == "loss").sum()),
                         "median_fit_ratio": _median_ratio(df, g, mod, ref) if len(pg) else float("nan")})
    return pd.DataFrame(rows)


def _median_ratio(df: pd.DataFrame, group: str, model: str, ref: str) -> float:
    x = df[df.group == group]
    a = x[x.model == model].set_index(["dataset", "seed", "fold"]).fit_seconds
    b = x[x.model == ref].set_index(["dataset", "seed", "fold"]).fit_seconds
    r = (a / b).dropna()
    return float(r.median()) if len(r) else float("nan")


def _f(v: float, fmt: str = ".4f") -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, fmt)


def write_markdown(df: pd.DataFrame, path: Path, ref: str = "ebm", tie_se: float = 2.0, title: str = "") -> str:
    """The summary of a results frame, by group: per-model table and per-data-set differences."""
    order = [m for m in MODELS if m in set(df.model)] + sorted(set(df.model) - set(MODELS))
    commits = df.groupby(["commit", "dirty"]).size().reset_index(name="cells")
    lines = [f"# Benchmark suite{': ' + title if title else ''}", "",
             f"{len(df)} cells; {df.dataset.nunique()} data sets; seeds {sorted(df.seed.unique().tolist())}; "
             f"folds {sorted(df.fold.unique().tolist())}. Commits measured: "
             + ", ".join(f"`{c[:10]}`{' (dirty)' if str(d) == 'True' else ''} ({n} cells)"
                         for c, d, n in commits.itertuples(index=False)) + ".", "",
             f"Differences are paired with {ref.upper()} on the same (seed, fold); SE = sd of the paired "
             f"differences / sqrt(n). **tie** (on par) when |diff| <= {tie_se:g} SE; folds of one seed share "
             "training rows, so the SE is optimistic and a win must be read with that in mind. "
             f"Fit ratio = median over paired cells of fit seconds / {ref.upper()}'s.", ""]
    pm = per_model(df, ref, tie_se)
    pr = paired(df, ref, tie_se)
    for g in [x for x in ("confirm", "dev") if x in set(df.group)]:
        x = pm[pm.group == g].set_index("model").reindex([m for m in order if m in set(pm[pm.group == g].model)])
        lines += [f"## {g} group", "",
                  f"### Per model (over the {int(x.datasets.max()) if len(x) else 0} data sets every model finished)",
                  "", f"| model | mean AUC | mean rank | win / tie / loss vs {ref} | median fit ratio to {ref} |",
                  "|---|---|---|---|---|"]
        for mod, r in x.iterrows():
            wtl = "—" if mod == ref else f"{r.win} / {r.tie} / {r.loss}"
            lines.append(f"| {mod} | {_f(r.mean_auc)} | {_f(r.mean_rank, '.2f')} | {wtl} | "
                         f"{_f(r.median_fit_ratio, '.3g')} |")
        p = pr[pr.group == g]
        mods = [m for m in order if m != ref and m in set(p.model)]
        lines += ["", f"### Per data set: AUC difference to {ref} ± SE (verdict)", "",
                  f"| data set | n | {ref} AUC | " + " | ".join(mods) + " |", "|---|---|---|" + "---|" * len(mods)]
        for d, y in p.groupby("dataset", sort=False):
            y = y.set_index("model")
            cells = [f"{y['diff'][m]:+.4f} ± {_f(y['se'][m])} {y['verdict'][m]}" if m in y.index else "" for m in mods]
            lines.append(f"| {d} | {int(y.n.max())} | {_f(float(y.auc_ref.iloc[0]))} | " + " | ".join(cells) + " |")
        means = df[df.group == g].pivot_table(index="dataset", columns="model", values="auc", aggfunc="mean")
        means = means.reindex(index=list(dict.fromkeys(df[df.group == g].dataset)),
                              columns=[m for m in order if m in means.columns])
        lines += ["", "### Per data set: mean AUC", "", "| data set | " + " | ".join(means.columns) + " |",
                  "|---|" + "---|" * len(means.columns)]
        for d, r in means.iterrows():
            lines.append(f"| {d} | " + " | ".join(_f(v) for v in r.values) + " |")
        lines.append("")
    text = "\n".join(lines) + "\n"
    Path(path).write_text(text)
    return text


# ------------------------------------------------------------------------------ describe
DOC = HERE.parent / "docs" / "benchmark_suite.md"
START, END = "<!-- datasets:start (python benchmarks/suite.py --describe) -->", "<!-- datasets:end -->"


def describe_table(specs: dict) -> str:
    lines = ["| data set | group | domain | rows | cols | % positive | % missing (cols) | categorical (max levels) "
             "| positive class | source |", "|---|---|---|---|---|---|---|---|---|---|"]
    for s in specs.values():
        d = describe(s)
        lines.append(f"| {d['dataset']} | {d['group']} | {d['domain']} | {d['rows']} | {d['cols']} | "
                     f"{d['pct_positive']:.1f} | {d['pct_missing']:.2f} ({d['cols_with_missing']}) | "
                     f"{d['n_categorical']} ({d['max_levels']}) | `{d['positive']}` | {d['source']} |")
    lines += ["", "| data set | description | regimes | columns dropped: why | read as categories |",
              "|---|---|---|---|---|"]
    for s in specs.values():
        dropped = f"{', '.join(s.drop)}: {s.drop_reason}" if s.drop else ""
        lines.append(f"| {s.name} | {s.description} | {', '.join(s.regimes)} | {dropped} | {', '.join(s.categorical)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"development subset: {QUICK['datasets']}, first 2 folds, seed 0 -> suite_quick.*")
    ap.add_argument("--group", choices=["dev", "confirm", "all"], default="all")
    ap.add_argument("--datasets", default=None, help="comma-separated data set names (default: the group's)")
    ap.add_argument("--models", default=",".join(MODELS), help=f"comma-separated subset of {MODELS}")
    ap.add_argument("--seeds", default=None, help="comma-separated seeds (default: suite.toml's)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (>1 disturbs fit times)")
    ap.add_argument("--device", default="cpu", help="device of our torch models (cpu, cuda, auto)")
    ap.add_argument("--out", default=None, help="results CSV (default results/suite.csv or suite_quick.csv)")
    ap.add_argument("--summary-only", action="store_true", help="only rewrite the .md from the CSV")
    ap.add_argument("--merge", nargs="+", default=None, metavar="CSV",
                    help="write the finished cells of these results files (each row keeps the commit that "
                         "measured it; the first file wins a repeated cell) to --out, then the summary")
    ap.add_argument("--describe", action="store_true", help="write the data-set table into the docs and exit")
    args = ap.parse_args(argv)
    cfg, specs = read_suite()
    if args.describe:
        table = describe_table(specs)
        doc = DOC.read_text()
        head, _, rest = doc.partition(START)
        _, _, tail = rest.partition(END)
        DOC.write_text(f"{head}{START}\n{table}\n{END}{tail}")
        print(table)
        return 0
    models = args.models.split(",")
    unknown = sorted(set(models) - set(MODELS))
    if unknown:
        raise SystemExit(f"unknown models {unknown}; choose from {MODELS}")
    if args.datasets:
        datasets = args.datasets.split(",")
    elif args.quick:
        datasets = QUICK["datasets"]
    else:
        datasets = list(specs)
    missing = sorted(set(datasets) - set(specs))
    if missing:
        raise SystemExit(f"unknown data sets {missing}; see {SUITE_TOML}")
    if args.group != "all":
        datasets = [d for d in datasets if specs[d].group == args.group]
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else (QUICK["seeds"] if args.quick else cfg["seeds"])
    out = Path(args.out) if args.out else RESULTS / ("suite_quick.csv" if args.quick else "suite.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    import _provenance

    _provenance.claim(out, out.with_suffix(".md"))  # recorded at exit whatever its name
    if args.merge:
        parts = [read_results(Path(p)) for p in args.merge]
        merged = pd.concat([p for p in parts if len(p)], ignore_index=True).drop_duplicates(KEY, keep="first")
        merged[COLUMNS].to_csv(out, index=False)
    elif not args.summary_only:
        cells = plan(specs, datasets, models, seeds, cfg["folds"], QUICK["folds"] if args.quick else None)
        run(cells, out, cfg["folds"], args.device, args.jobs)
    df = read_results(out)
    if len(df) == 0:
        print("no finished cells yet")
        return 0
    text = write_markdown(df, out.with_suffix(".md"), cfg["reference"], cfg["tie_se"],
                          title="quick subset (development only)" if args.quick else "")
    print(text)
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    raise SystemExit(main())

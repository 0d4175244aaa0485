"""Distillation benchmark: how faithfully a small tree summarises a model.

Teachers MLP, HistGradientBoosting and NAM (when the library has it) are fitted on the
training folds of credit_data, hmda and default (stratified CV, seed 0). Each teacher is
distilled into :class:`interpretable_nn.SurrogateTree` of depth 2..8, on the teacher's
decisions and on its probabilities (``target="decision"`` / ``"proba"``), plainly and with
``augment="jitter"`` and ``"munge"`` (``--full`` adds ``"schema"``). On the held-out fold
the benchmark measures

* fidelity: ``agreement`` (share of equal decisions) and ``r2`` (of the teacher's
  probability by the tree's leaf means);
* ``ceiling``: the agreement of a tree of the same depth fitted (greedy CART) to the
  teacher's decisions *on the held-out rows themselves*, measured on those rows: what a
  depth-d tree can reach at best (in-sample), so a fidelity goal can be read against it;
* the surrogate's own ROC AUC against the labels, beside the teacher's AUC, and beside the
  peer that skips the teacher: a decision tree of the same depth fitted on the labels
  directly (same raw-unit matrix);
* time: surrogate fit / teacher fit.

Usage::

    flock /tmp/cpu.lock python benchmarks/distill.py            # minutes (3 folds)
    flock /tmp/cpu.lock python benchmarks/distill.py --full     # 5 folds, + schema augmentation
    python benchmarks/distill.py --quick                          # smoke run
    pip install -e ".[bench]"; python benchmarks/distill.py --search   # vs STreeD and GOSDT
    python benchmarks/distill.py --confirm     # vs STreeD on the suite's confirm group

Writes ``benchmarks/results/distill.csv`` and ``distill.md`` (means over folds),
``distill_folds.csv`` (one row per fold), ``distill.json`` (settings, machine, goals, summary)
and ``distill.png`` (agreement and surrogate AUC vs depth, one column per data set).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from distill_search import _markdown
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

import interpretable_nn as inn
from interpretable_nn.datasets import load_dataset
from interpretable_nn.models import make_model

RESULTS = Path(__file__).resolve().parent / "results"


def _nam_class():
    cls = getattr(inn, "NAMClassifier", None)
    if cls is None:
        try:
            from interpretable_nn.models.nam import NAMClassifier as cls
        except ImportError:
            return None
    return cls


def _teachers(names: list[str], device: str, quick: bool) -> dict:
    out = {}
    for name in names:
        if name == "mlp":
            kw = {"verbose": 0, "device": device, "random_state": 0}
            out[name] = lambda kw=kw: inn.MLPClassifier(**kw, **({"max_epochs": 20} if quick else {}))
        elif name == "hgb":
            out[name] = lambda: make_model("hgb", random_state=0)
        elif name == "nam":
            cls = _nam_class()
            if cls is None:
                print("NAMClassifier not found: the NAM teacher is left out.", file=sys.stderr)
                continue
            params = cls().get_params()
            kw = {k: v for k, v in {"verbose": 0, "device": device, "random_state": 0}.items() if k in params}
            if quick:
                kw.update({k: v for k, v in {"max_epochs": 20, "n_bags": 1}.items() if k in params})
            out[name] = lambda cls=cls, kw=kw: cls(**kw)
        else:
            out[name] = lambda name=name: make_model(name)
    return out


def _timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def run(datasets, teacher_names, depths, variants, folds, device, quick) -> pd.DataFrame:
    rows = []
    makers = _teachers(teacher_names, device, quick)
    for key in datasets:
        ds = load_dataset(key)
        X, y = ds.X, ds.y
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y))
        if quick:
            splits = splits[:1]
        for k, (tr, te) in enumerate(splits):
            Xtr, Xte, ytr, yte = X.iloc[tr], X.iloc[te], y[tr], y[te]
            direct = {}
            for tname, make in makers.items():
                teacher, t_fit = _timed(make().fit, Xtr, ytr)
                ceiling: dict[int, float] = {}
                t_auc = roc_auc_score(yte, teacher.predict_proba(Xte)[:, 1])
                for depth in depths:
                    for target, mode in variants:
                        try:
                            s, s_fit = _timed(
                                inn.SurrogateTree(max_depth=depth, target=target, augment=mode, holdout=0.0,
                                                  random_state=0).fit,
                                teacher, Xtr,
                            )
                        except ValueError as exc:  # e.g. a teacher that never predicts the positive class
                            print(f"{key} fold {k} {tname} depth {depth} {target}/{mode}: {exc}", file=sys.stderr)
                            continue
                        f = s.fidelity(Xte)
                        if depth not in direct:  # the peer: a tree of the same depth on the labels
                            Ztr, Zte = s._matrix(Xtr), s._matrix(Xte)
                            dt = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(Ztr, ytr)
                            direct[depth] = roc_auc_score(yte, dt.predict_proba(Zte)[:, 1])
                        if depth not in ceiling:  # best in-sample agreement of a depth-d tree on Xte
                            Zte, dec = s._matrix(Xte), np.asarray(teacher.predict(Xte))
                            ct = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(Zte, dec)
                            ceiling[depth] = float((ct.predict(Zte) == dec).mean())
                        rows.append({
                            "dataset": key, "fold": k, "teacher": tname, "depth": depth, "target": target,
                            "augment": mode,
                            "agreement": f["agreement"], "ceiling": ceiling[depth], "r2": f["r2"],
                            "surrogate_auc": roc_auc_score(yte, s.predict_proba(Xte)[:, 1]),
                            "teacher_auc": t_auc, "direct_tree_auc": direct[depth],
                            "n_leaves": s.estimator_.get_n_leaves(), "n_augmented": s.n_augmented_,
                            "teacher_fit_s": t_fit, "surrogate_fit_s": s_fit,
                        })
                print(f"{key:12s} fold {k} {tname:4s} teacher AUC {t_auc:.4f} fit {t_fit:.2f}s "
                      f"| depth-5 agreement " + ", ".join(
                          f"{r['target']}/{r['augment']} {r['agreement']:.4f}"
                          for r in rows[-len(depths) * len(variants):] if r["depth"] == 5), flush=True)
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    g = df.groupby(["dataset", "teacher", "depth", "target", "augment"], sort=False)
    out = g.agg(agreement=("agreement", "mean"), agreement_sd=("agreement", "std"), ceiling=("ceiling", "mean"),
                r2=("r2", "mean"),
                surrogate_auc=("surrogate_auc", "mean"), teacher_auc=("teacher_auc", "mean"),
                direct_tree_auc=("direct_tree_auc", "mean"), n_leaves=("n_leaves", "mean"),
                surrogate_fit_s=("surrogate_fit_s", "median"), teacher_fit_s=("teacher_fit_s", "median"),
                folds=("fold", "nunique")).reset_index()
    out["auc_vs_teacher"] = out["surrogate_auc"] - out["teacher_auc"]
    out["auc_vs_direct_tree"] = out["surrogate_auc"] - out["direct_tree_auc"]
    out["time_ratio"] = out["surrogate_fit_s"] / out["teacher_fit_s"]
    keys = ["dataset", "teacher", "depth", "target"]
    plain = out[out["augment"] == "none"].set_index(keys)["agreement"]
    out["agreement_gain"] = out["agreement"].to_numpy() - plain.reindex(
        pd.MultiIndex.from_frame(out[keys])).to_numpy()
    return out


def _goals(summary: pd.DataFrame) -> dict:
    """The issue's two distillation goals, on credit_data with the MLP teacher: depth-5
    held-out agreement >= 0.95, and augmentation above plain distillation at equal depth."""
    part = summary.query("dataset == 'credit_data' and teacher == 'mlp'")
    lines, out = [], {"depth5": [], "augmentation_gain_depth5": {}}
    for _, r in part[part["depth"] == 5].iterrows():
        ok = bool(r["agreement"] >= 0.95)
        out["depth5"].append({"target": r["target"], "augment": r["augment"], "agreement": r["agreement"],
                              "ceiling": r["ceiling"], "reached": ok})
        lines.append(f"goal: credit_data MLP depth 5 ({r['target']}/{r['augment']}): held-out agreement "
                     f"{r['agreement']:.4f} ({'reached' if ok else 'NOT reached'}: >= 0.95; in-sample ceiling of a "
                     f"depth-5 tree on the held-out rows {r['ceiling']:.4f})")
        if r["augment"] != "none":
            out["augmentation_gain_depth5"][f"{r['target']}/{r['augment']}"] = r["agreement_gain"]
    aug = part[part["augment"] != "none"]
    for (target, mode), p in aug.groupby(["target", "augment"], sort=False):
        gains = p.set_index("depth")["agreement_gain"]
        lines.append(f"augmentation {target}/{mode} vs plain, credit_data MLP, gain by depth: "
                     + ", ".join(f"d{d} {g:+.4f}" for d, g in gains.items()))
    out["lines"] = lines
    return out


def plot(summary: pd.DataFrame, path: Path) -> None:
    """Top: held-out agreement vs depth (decision target; dashed = jitter augmentation).
    Bottom: the surrogate's own AUC vs depth (decision and proba targets, no augmentation)
    with the teacher's AUC as a dotted line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = list(dict.fromkeys(summary["dataset"]))
    fig, axes = plt.subplots(2, len(sets), figsize=(5 * len(sets), 8), squeeze=False)
    colours = dict(zip(dict.fromkeys(summary["teacher"]), ["#4C72B0", "#DD8452", "#55A868", "#C44E52"]))
    styles = {"none": "-", "jitter": "--", "schema": ":", "munge": "-."}
    for j, key in enumerate(sets):
        part = summary[summary["dataset"] == key]
        top, bottom = axes[0][j], axes[1][j]
        for (teacher, mode), p in part[part["target"] == "decision"].groupby(["teacher", "augment"], sort=False):
            top.plot(p["depth"], p["agreement"], styles.get(mode, "-"), marker="o", ms=3,
                     color=colours[teacher], label=f"{teacher} ({mode})")
        top.axhline(0.95, color="grey", lw=0.6, ls=":")
        top.set_title(f"{key}: fidelity")
        top.set_ylabel("held-out agreement with the teacher")
        for (teacher, target), p in part[part["augment"] == "none"].groupby(["teacher", "target"], sort=False):
            bottom.plot(p["depth"], p["surrogate_auc"], "-" if target == "decision" else "-.", marker="o", ms=3,
                        color=colours[teacher], label=f"{teacher} surrogate ({target})")
            bottom.axhline(p["teacher_auc"].iloc[0], color=colours[teacher], lw=0.8, ls=":")
        d = part.drop_duplicates("depth")
        bottom.plot(d["depth"], d["direct_tree_auc"], color="black", lw=0.8, marker="x", label="tree on labels")
        bottom.set_title(f"{key}: surrogate AUC (dotted: teacher)")
        bottom.set_ylabel("held-out ROC AUC")
        for ax in (top, bottom):
            ax.set_xlabel("surrogate depth")
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    axes[1][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--search", action="store_true",
                    help="ours (greedy, lookahead, auto) vs STreeD and GOSDT: writes distill_search.csv/.md "
                         "(benchmarks/distill_search.py)")
    ap.add_argument("--confirm", action="store_true",
                    help="ours vs STreeD on the suite's confirm group: writes distill_search_confirm.csv/.md")
    ap.add_argument("--max-rows", type=int, default=6000, help="--confirm: subsample larger data sets to this")
    ap.add_argument("--peers", default="streed,gosdt", help="--search: peers to run")
    ap.add_argument("--time-limit", type=int, default=None,
                    help="--search/--confirm: STreeD time limit per fit (s; default 300, --confirm 30)")
    ap.add_argument("--target-augment", type=int, default=200_000,
                    help="--search: n_augment of the target_fidelity run (credit_data, MLP)")
    ap.add_argument("--target-max-depth", type=int, default=12, help="--search: max_depth of the target_fidelity run")
    ap.add_argument("--target-search", default="greedy", help="--search: search of the target_fidelity run")
    ap.add_argument("--gosdt-limit", type=int, default=30, help="--search: GOSDT time limit per fit (s)")
    ap.add_argument("--gosdt-max-depth", type=int, default=3,
                    help="--search: deepest GOSDT tree (depth 4 on hmda took > 23 GB and was OOM-killed)")
    ap.add_argument("--datasets", default="credit_data,hmda,default")
    ap.add_argument("--teachers", default="mlp,hgb,nam")
    ap.add_argument("--depths", default="2,3,4,5,6,7,8")
    ap.add_argument("--folds", type=int, default=None, help="CV folds (default 3; 5 with --full)")
    ap.add_argument("--full", action="store_true", help="5 folds and schema augmentation too")
    ap.add_argument("--quick", action="store_true", help="one fold, short teacher training (smoke run)")
    ap.add_argument("--device", default="cpu", help="teacher training device: cpu, cuda, auto")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore", category=UserWarning)
    if args.search or args.confirm:
        import distill_search

        args.time_limit = args.time_limit or (30 if args.confirm else 300)
        if args.confirm:
            return distill_search.main_confirm(args)
        if args.depths == "2,3,4,5,6,7,8":
            args.depths = "2,3,4,5"
        if args.teachers == "mlp,hgb,nam":
            args.teachers = "nam,mlp,xgb"
        return distill_search.main_search(args)
    folds = args.folds or (5 if args.full else 3)
    variants = [("decision", "none"), ("decision", "jitter"), ("decision", "munge"), ("proba", "none"),
                ("proba", "jitter")]
    variants += [("decision", "schema")] if args.full else []
    depths = [int(d) for d in args.depths.split(",")]
    t0 = time.perf_counter()
    df = run(args.datasets.split(","), args.teachers.split(","), depths, variants, folds, args.device, args.quick)
    summary = summarise(df)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "distill_folds.csv", index=False)
    summary.to_csv(out / "distill.csv", index=False)
    cols = ["dataset", "teacher", "depth", "target", "augment", "agreement", "agreement_gain", "ceiling", "r2",
            "surrogate_auc", "teacher_auc", "auc_vs_teacher", "direct_tree_auc", "auc_vs_direct_tree", "time_ratio"]
    table = summary[cols]
    (out / "distill.md").write_text(_markdown(table))
    plot(summary, out / "distill.png")
    goals = _goals(summary)
    meta = {"folds": folds, "variants": variants, "depths": depths, "device": args.device, "quick": args.quick,
            "python": platform.python_version(), "machine": platform.machine(),
            "library_version": inn.__version__, "wall_s": round(time.perf_counter() - t0, 1)}
    (out / "distill.json").write_text(json.dumps({"meta": meta, "goals": goals,
                                                  "summary": summary.to_dict(orient="records")}, indent=1) + "\n")
    with pd.option_context("display.width", 220, "display.max_rows", 1000):
        print(table.round(4).to_string(index=False))
    for line in goals["lines"]:
        print(line)
    print(f"wrote {out}/distill.csv/.md/.json/.png and distill_folds.csv in {meta['wall_s']} s")
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch()
    sys.exit(main())

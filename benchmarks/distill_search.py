"""Surrogate search vs optimal trees (STreeD, GOSDT): run through ``benchmarks/distill.py``.

``python benchmarks/distill.py --search``
    credit_data, hmda, default; teachers NAM, MLP, XGBoost; one stratified 70/30 split
    (seed 0). The teacher learns the training rows; every tree learns the teacher's
    decisions on them; held-out agreement with the teacher (95% Wilson interval) is
    measured on the 30%. Ours: ``SurrogateTree`` with munge augmentation, ``search=
    "greedy"``, ``"lookahead"`` and ``"auto"`` (the default: the better of the two on an
    inner validation share of the fit rows). STreeD and GOSDT read the binary features our
    lookahead tree searched (the same thresholds) on the real training rows. The goal
    table compares the default (``auto``) at depth 5 with STreeD: agreement >= STreeD's at
    <= 1/10 of its time. A ``target_fidelity`` run (credit_data, MLP) records the size
    the target needed. Writes ``distill_search.csv``/``.md``.
``python benchmarks/distill.py --confirm``
    the same comparison (ours vs STreeD, MLP teacher, depths 3 and 5, STreeD time limit
    ``--time-limit``) on the suite's *confirm* group (``benchmarks/suite.toml``), data sets
    above ``--max-rows`` rows subsampled (stratified) to keep the run short. Writes
    ``distill_search_confirm.csv``/``.md``.
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import interpretable_nn as inn
from interpretable_nn.attribution.fidelity import wilson_interval
from interpretable_nn.datasets import load_dataset
from interpretable_nn.models import make_model

OURS = "auto+munge"  # the default search, the one the goal table reads
METHODS = (("greedy+munge", {"search": "greedy"}), ("lookahead+munge", {"search": "lookahead"}),
           (OURS, {"search": "auto"}))


def _timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


def _search_teacher(name: str, device: str):
    if name == "xgb":
        return make_model("xgb", random_state=0)
    if name == "nam":
        from interpretable_nn.models.nam import NAMClassifier

        return NAMClassifier(**{k: v for k, v in {"verbose": 0, "device": device, "random_state": 0}.items()
                                if k in NAMClassifier().get_params()})
    return inn.MLPClassifier(verbose=0, device=device, random_state=0)


def _peer_fit(kind: str, depth: int, L: np.ndarray, labels: np.ndarray, time_limit: int, gosdt_limit: int):
    """STreeD or GOSDT on the surrogate's own binary features (same rows, same thresholds)."""
    Lf = pd.DataFrame(L.astype(int), columns=[f"b{j}" for j in range(L.shape[1])])
    if kind == "streed":
        from pystreed import STreeDClassifier
        model = STreeDClassifier(max_depth=depth, time_limit=time_limit, random_seed=0)
    else:
        import gosdt._classifier as gosdt_module
        from gosdt import GOSDTClassifier

        if not getattr(gosdt_module, "_patched", False):  # gosdt 1.0.4 passes a keyword sklearn 1.8 removed
            check = gosdt_module.check_array
            gosdt_module.check_array = lambda X, force_all_finite=True, **kw: check(X, ensure_all_finite=force_all_finite, **kw)
            gosdt_module._patched = True
        model = GOSDTClassifier(regularization=1.0 / len(L), allow_small_reg=True, depth_budget=depth + 1,
                                time_limit=gosdt_limit)
    t = time.perf_counter()
    model.fit(Lf, labels)
    return model, time.perf_counter() - t


def _target_run(teacher, Xtr, Xte, dec_te, rows, key, tname, t_fit, *, target, max_depth, n_augment, search):
    """``target_fidelity``: the smallest tree (depth <= ``max_depth``) whose agreement on the
    surrogate's own held-out share (20% of the training rows) reaches ``target``; its
    agreement on the benchmark's held-out rows is recorded too."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s, sec = _timed(inn.SurrogateTree(max_depth=max_depth, target_fidelity=target, search=search,
                                          augment="munge", n_augment=n_augment, random_state=0).fit, teacher, Xtr)
    f = s.fidelity_
    hits = s.predict(Xte) == dec_te
    lo, hi = wilson_interval(int(hits.sum()), len(hits))
    note = (f"target {target} (search={search}, n_augment={n_augment}, max_depth={max_depth}): "
            f"{'reached' if f['target_reached'] else 'NOT reached'} on the surrogate's held-out rows "
            f"({f['agreement']:.4f} [{f['agreement_low']:.4f}, {f['agreement_high']:.4f}], n={f.n_rows}); "
            f"depth {s.depth_}, {s.n_leaves_} leaves" + ("; warned" if caught else "")
            + "; by max_depth (held-out / fit rows, leaves): " + ", ".join(
                f"{r.max_depth}: {r.agreement:.4f} / {r.fit_agreement:.4f}, {r.n_leaves}"
                for r in f.details["by_depth"].itertuples()))
    rows.append({"dataset": key, "teacher": tname, "depth": s.depth_, "method": f"target_fidelity={target}",
                 "agreement": float(hits.mean()), "agreement_low": lo, "agreement_high": hi, "fit_s": sec,
                 "n_leaves": s.n_leaves_, "teacher_fit_s": t_fit, "note": note})
    print(note, flush=True)


def _split(X: pd.DataFrame, y: np.ndarray, max_rows: int | None):
    from sklearn.model_selection import train_test_split

    if max_rows is not None and len(X) > max_rows:
        X, _, y, _ = train_test_split(X, y, train_size=max_rows, stratify=y, random_state=0)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


def run_search(datasets: list[str], teachers: list[str], depths: list[int], peers: list[str], *, time_limit: int,
               gosdt_limit: int, device: str, gosdt_max_depth: int = 3, partial: Path | None = None,
               load: Callable[[str], tuple[pd.DataFrame, np.ndarray]] | None = None, max_rows: int | None = None,
               target: dict | None = None) -> pd.DataFrame:
    """Ours (greedy, lookahead, auto; munge augmentation) vs STreeD and GOSDT: one stratified
    70/30 split, the teacher's decisions on the training rows, agreement on the held-out rows."""
    rows = []
    for key in datasets:
        if load is None:
            ds = load_dataset(key)
            X, y = ds.X, ds.y
        else:
            X, y = load(key)
        Xtr, Xte, ytr, _ = _split(X, np.asarray(y), max_rows)
        for tname in teachers:
            teacher, t_fit = _timed(_search_teacher(tname, device).fit, Xtr, ytr)
            dec_te = np.asarray(teacher.predict(Xte))
            if len(np.unique(np.asarray(teacher.predict(Xtr)))) < 2:
                print(f"{key} {tname}: the teacher predicts one class on every training row; skipped", flush=True)
                continue
            for depth in depths:
                def record(method, agree_hits, seconds, leaves, note="", key=key, tname=tname, depth=depth,
                           t_fit=t_fit):
                    k = int(agree_hits.sum())
                    lo, hi = wilson_interval(k, len(agree_hits))
                    rows.append({"dataset": key, "teacher": tname, "depth": depth, "method": method,
                                 "agreement": k / len(agree_hits), "agreement_low": lo, "agreement_high": hi,
                                 "fit_s": seconds, "n_leaves": leaves, "teacher_fit_s": t_fit, "note": note})
                fitted = {}
                for method, kw in METHODS:
                    s, sec = _timed(inn.SurrogateTree(max_depth=depth, augment="munge", holdout=0.0, random_state=0,
                                                      **kw).fit, teacher, Xtr)
                    fitted[method] = s
                    note = "" if kw["search"] != "auto" else f"picked {s.search_} " + ", ".join(
                        f"{k} {v:.4f}" for k, v in s.search_scores_.items())
                    record(method, s.predict(Xte) == dec_te, sec, s.n_leaves_, note)
                # peers read the binary features our lookahead tree searched (same thresholds), real rows only
                s = fitted["lookahead+munge"]
                b = s.binarizer_
                L_tr, L_te = b.transform(s._matrix(Xtr)), b.transform(s._matrix(Xte))
                idx = pd.Index(s.classes_).get_indexer(np.asarray(teacher.predict(Xtr)))
                for peer in peers:
                    if peer == "gosdt" and depth > gosdt_max_depth:  # its search queue ran out of memory
                        continue
                    try:
                        model, sec = _peer_fit(peer, depth, L_tr, idx, time_limit, gosdt_limit)
                        limit = gosdt_limit if peer == "gosdt" else time_limit
                        pred = np.asarray(model.predict(pd.DataFrame(L_te.astype(int), columns=[
                            f"b{j}" for j in range(L_te.shape[1])]))).astype(int)
                        note = f"{L_tr.shape[1]} binary features" + ("; time limit" if sec >= limit * 0.98 else "")
                        record(peer, s.classes_[pred] == dec_te, sec, np.nan, note)
                    except Exception as exc:  # a peer failing is recorded, not fatal
                        print(f"{key} {tname} depth {depth} {peer}: {exc!r}", file=sys.stderr)
                print(" | ".join(f"{r['method']} {r['agreement']:.4f} {r['fit_s']:.1f}s" for r in rows
                                 if (r["dataset"], r["teacher"], r["depth"]) == (key, tname, depth)),
                      f"<- {key} {tname} depth {depth}", flush=True)
                if partial is not None:  # kept if a later peer run is killed
                    pd.DataFrame(rows).to_csv(partial, index=False)
            if target is not None and (key, tname) == target["where"]:
                _target_run(teacher, Xtr, Xte, dec_te, rows, key, tname, t_fit,
                            **{k: v for k, v in target.items() if k != "where"})
    return pd.DataFrame(rows)


def _markdown(df: pd.DataFrame) -> str:
    def cell(v) -> str:
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _goal_lines(df: pd.DataFrame, depth: int = 5) -> list[str]:
    goal, n_ok, n_agree = [], 0, 0
    for (key, tname), p in df[df["depth"] == depth].groupby(["dataset", "teacher"], sort=False):
        p = p.set_index("method")
        if "streed" not in p.index or OURS not in p.index:
            continue
        ours, peer = p.loc[OURS], p.loc["streed"]
        agree_ok = ours["agreement"] >= peer["agreement"]
        ok = agree_ok and ours["fit_s"] <= peer["fit_s"] / 10
        n_ok, n_agree = n_ok + ok, n_agree + agree_ok
        goal.append(f"| {key} | {tname} | {ours['agreement']:.4f} [{ours['agreement_low']:.3f}, "
                    f"{ours['agreement_high']:.3f}] | {peer['agreement']:.4f} [{peer['agreement_low']:.3f}, "
                    f"{peer['agreement_high']:.3f}] | {ours['fit_s']:.2f} | {peer['fit_s']:.2f} | "
                    f"{ours['fit_s'] / peer['fit_s']:.3f} | {'yes' if agree_ok else 'no'} | "
                    f"{'reached' if ok else 'not reached'} |")
    head = [f"## Goal: depth {depth}, ours (`{OURS}`, the default search) >= STreeD at <= 1/10 of its time", "",
            f"Agreement >= STreeD in {n_agree} of {len(goal)} cells; both parts of the goal in {n_ok} of {len(goal)}.",
            "", "| dataset | teacher | ours [95% CI] | STreeD [95% CI] | ours s | STreeD s | time ratio | "
            "agreement >= | goal |", "|---|---|---|---|---|---|---|---|---|"]
    return head + goal if goal else []


def write_report(df: pd.DataFrame, out: Path, stem: str, title: str, setting: str, wall: float) -> str:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            cwd=Path(__file__).parent).stdout.strip()
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / f"{stem}.csv", index=False)
    notes = [f"- {r.dataset} {r.teacher} `{r.method}`: held-out agreement {r.agreement:.4f} "
             f"[{r.agreement_low:.4f}, {r.agreement_high:.4f}] in {r.fit_s:.1f} s; {r.note}"
             for r in df.itertuples() if r.method.startswith("target")]
    main = df[~df["method"].str.startswith("target")]
    wide = main.pivot_table(index=["dataset", "teacher", "depth"], columns="method",
                            values=["agreement", "fit_s"], sort=False)
    order = [m for m in ("greedy+munge", "lookahead+munge", OURS, "streed", "gosdt") if m in set(main["method"])]
    wide = wide.reindex(columns=[(v, m) for v in ("agreement", "fit_s") for m in order])
    wide.columns = [f"{m} {'agreement' if v == 'agreement' else 's'}" for v, m in wide.columns]
    wide = wide.reset_index()
    picks = main[main["method"] == OURS].set_index(["dataset", "teacher", "depth"])["note"].str.split().str[1]
    wide["auto picked"] = [picks.get((r.dataset, r.teacher, r.depth), "") for r in wide.itertuples()]
    lines = [f"# {title} (commit {commit}, {time.strftime('%Y-%m-%d')})", "", setting,
             f"Machine: {platform.machine()}, 2 shared CPU cores (other jobs running), no GPU. Wall {wall:.0f} s.",
             "", _markdown(wide)]
    if notes:
        lines += ["", "## target_fidelity", "", *notes]
    goal = _goal_lines(main)
    if goal:
        lines += ["", *goal]
    text = "\n".join(lines) + "\n"
    (out / f"{stem}.md").write_text(text)
    return text


SETTING = ("One stratified 70/30 split (seed 0); the teacher's decisions on the training rows; held-out agreement "
           "with the teacher (95% Wilson intervals in the csv). Ours: munge augmentation (10x the training rows, "
           "at most 100,000), search greedy (CART), lookahead (beam 1; 8 quantile thresholds per numeric column "
           "plus 8 at the teacher's decision boundaries) and auto (the default: the better of the two on an inner "
           "80/20 split of the fit rows, refitted on all). STreeD/GOSDT: "
           "the same binary features (our lookahead tree's thresholds), real training rows only. Times: wall seconds "
           "of the whole fit (ours: augmentation, teacher labelling - one pass of the teacher over the real and "
           "augmented rows - and search; peers: the solver only, on labels given to them).")


def main_search(args) -> int:
    t0 = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    target = {"where": ("credit_data", "mlp"), "target": 0.95, "max_depth": args.target_max_depth,
              "n_augment": args.target_augment, "search": args.target_search}
    df = run_search(args.datasets.split(","), args.teachers.split(","), [int(d) for d in args.depths.split(",")],
                    [p for p in args.peers.split(",") if p], time_limit=args.time_limit, gosdt_limit=args.gosdt_limit,
                    device=args.device, gosdt_max_depth=args.gosdt_max_depth,
                    partial=out / "distill_search_partial.csv", target=target)
    (out / "distill_search_partial.csv").unlink(missing_ok=True)
    setting = (SETTING + f" STreeD time limit {args.time_limit} s; GOSDT {args.gosdt_limit} s, regularization 1/n, "
               f"depth_budget = depth + 1, depths <= {args.gosdt_max_depth} (deeper, its queue took > 23 GB on hmda "
               "and was OOM-killed).")
    print(write_report(df, out, "distill_search", "Surrogate search vs optimal trees", setting,
                       time.perf_counter() - t0))
    return 0


def main_confirm(args) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    import _suite_data

    t0 = time.perf_counter()
    _, specs = _suite_data.read_suite()
    names = [n for n, s in specs.items() if s.group == "confirm"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    df = run_search(names, ["mlp"], [3, 5], ["streed"], time_limit=args.time_limit, gosdt_limit=0,
                    device=args.device, partial=out / "distill_search_confirm_partial.csv", load=_suite_data.load,
                    max_rows=args.max_rows)
    (out / "distill_search_confirm_partial.csv").unlink(missing_ok=True)
    setting = (SETTING + f" The suite's confirm group (benchmarks/suite.toml), MLP teacher, depths 3 and 5; data "
               f"sets above {args.max_rows} rows subsampled to {args.max_rows} (stratified, seed 0) before the "
               f"split. STreeD time limit {args.time_limit} s.")
    print(write_report(df, out, "distill_search_confirm", "Surrogate search vs STreeD on the suite's confirm group",
                       setting, time.perf_counter() - t0))
    return 0

"""SHAP cross-check benchmark on credit_data.

1. Speed and exactness: our exact additive SHAP (``interpretable_nn.explain.shap_values``)
   against ``shap.KernelExplainer`` and ``shap.explainers.Permutation`` on the same NAM,
   1,000 rows, background 100; reference = ``shap.explainers.Exact`` (all 2^13 coalitions)
   on the first rows. Per-row time ratios (the samplers run on a subset of the rows and
   their time per row is what is compared; ``--full`` runs them on all 1,000).
2. Cross-check agreement for every model of the registry: built-in explanation
   (``model.explain``; ``builtin_gap`` = its own additivity / completeness gap against the
   decision function) vs SHAP (``crosscheck``), on held-out rows.
3. Faithfulness per model (deletion / insertion area, comprehensiveness, sufficiency,
   stability) of the built-in explanation and of its SHAP values, each beside the
   random-attribution baseline.
4. Fairness on hmda (``afam``) per model: demographic parity and equal opportunity gaps,
   AUC per group, the sensitive feature's share of the score.

Usage::

    flock /tmp/cpu.lock python benchmarks/shap_crosscheck.py            # minutes
    flock /tmp/cpu.lock python benchmarks/shap_crosscheck.py --full     # all samplers on 1,000 rows
    python benchmarks/shap_crosscheck.py --quick                          # smoke run

Writes ``benchmarks/results/shap_{speed,crosscheck,faithfulness,fairness}.csv`` and
``shap_crosscheck.json``.
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
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from interpretable_nn.datasets import load_dataset
from interpretable_nn.explain import (
    crosscheck,
    fairness_audit,
    faithfulness_report,
    library_shap,
    shap_values,
)
from interpretable_nn.models import available_models, make_model

RESULTS = Path(__file__).resolve().parent / "results"


def _model(name: str, device: str, quick: bool):
    m = make_model(name)
    params = m.get_params()
    extra = {k: v for k, v in {"verbose": 0, "device": device, "random_state": 0}.items() if k in params}
    if quick and "max_epochs" in params:
        extra["max_epochs"] = 5
    if quick and "n_bags" in params:
        extra["n_bags"] = 1
    return m.set_params(**extra)


def _nam(device: str, quick: bool):
    try:
        from interpretable_nn import NAMClassifier
    except ImportError:
        from interpretable_nn.models.nam import NAMClassifier
    kw = {"verbose": 0, "device": device, "random_state": 0}
    if quick:
        kw.update(n_bags=1, max_epochs=5)
    return NAMClassifier(**kw)


def _timed(fn, *a, **kw):
    t = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t


# ---------------------------------------------------------------------- 1. speed
def speed(args, Xtr, ytr, X_all) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    nam, fit_s = _timed(_nam(args.device, args.quick).fit, Xtr, ytr)
    print(f"NAM fitted in {fit_s:.1f}s: {len(nam.terms_)} terms "
          f"({sum(len(F) == 2 for F in nam.term_features_)} interactions)", flush=True)
    X = X_all.iloc[rng.permutation(len(X_all))[: args.rows]].reset_index(drop=True)
    bg = Xtr.iloc[rng.permutation(len(Xtr))[: args.background]].reset_index(drop=True)
    n_ref = min(args.exact_rows, len(X))
    ours, t_ours = _timed(shap_values, nam, X, bg)
    _, t_ours2 = _timed(shap_values, nam, X, bg)
    t_ours = min(t_ours, t_ours2)
    exact, t_exact = _timed(library_shap, nam, X.iloc[:n_ref], bg, method="exact")
    rows = [{"method": "ours: exact additive SHAP", "rows": len(X), "seconds": t_ours,
             "max_abs_diff_vs_shap_exact": float(np.abs(ours[:n_ref] - exact.values).max())}]
    rows.append({"method": "shap Exact (2^13 coalitions)", "rows": n_ref, "seconds": t_exact,
                 "max_abs_diff_vs_shap_exact": 0.0})
    n_kernel = len(X) if args.full else min(args.kernel_rows, len(X))
    n_perm = len(X) if args.full else min(args.permutation_rows, len(X))
    for label, method, n, ns in (
        ("shap KernelExplainer (nsamples auto = 2074)", "kernel", n_kernel, None),
        ("shap PermutationExplainer (10 permutations)", "permutation", n_perm, None),
    ):
        e, t = _timed(library_shap, nam, X.iloc[:n], bg, method=method, nsamples=ns)
        k = min(n, n_ref)
        rows.append({"method": label, "rows": n, "seconds": t,
                     "max_abs_diff_vs_shap_exact": float(np.abs(e.values[:k] - exact.values[:k]).max()),
                     "max_abs_diff_vs_ours": float(np.abs(e.values - ours[:n]).max())})
        print(f"  {label}: {n} rows in {t:.1f}s", flush=True)
    df = pd.DataFrame(rows)
    df["seconds_per_row"] = df["seconds"] / df["rows"]
    df["time_ratio_vs_ours"] = df["seconds_per_row"] / df.loc[0, "seconds_per_row"]
    df.attrs["nam"] = (nam, fit_s)
    return df


# ---------------------------------------------------------------------- 2-4. per model
def _names() -> list[str]:
    """Every available registry model, plus the NAM while it is not registered yet."""
    names = list(available_models())
    return names if "nam" in names else ["nam", *names]


def _fit(name: str, args, X, y, prefit: dict):
    if name in prefit:
        return prefit[name]
    m = _nam(args.device, args.quick) if name == "nam" and "nam" not in available_models() else \
        _model(name, args.device, args.quick)
    return _timed(m.fit, X, y)


def per_model(args, Xtr, Xte, ytr, yte, prefit: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(1)
    rows_x = Xte.iloc[rng.permutation(len(Xte))[: args.crosscheck_rows]].reset_index(drop=True)
    bg = Xtr.iloc[rng.permutation(len(Xtr))[: args.background]].reset_index(drop=True)
    fbg = bg.iloc[: args.faith_background]
    cc_rows, faith_rows = [], []
    for name in _names():
        try:
            model, fit_s = _fit(name, args, Xtr, ytr, prefit)
        except Exception as exc:  # noqa: BLE001 - report and go on
            cc_rows.append({"model": name, "status": f"fit failed: {exc}"})
            continue
        auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
        base = {"model": name, "class": type(model).__name__, "test_auc": auc, "fit_s": fit_s}
        try:
            rep = crosscheck(model, rows_x, bg)
        except TypeError as exc:  # no built-in explanation: nothing to cross-check
            cc_rows.append({**base, "status": "no built-in explanation", "reason": str(exc)})
            continue
        s = rep.summary()
        check = s["builtin_check"]
        cc_rows.append({**base, "status": "ok", **{k: v for k, v in s.items()
                                                    if k not in ("model", "builtin_check", "tolerance")},
                        "builtin_gap": check.get("additivity_gap", check.get("completeness_gap")),
                        "builtin_check": json.dumps(check)})
        print(f"  {name}: {rep}", flush=True)
        for label, attr, npert in ((rep.builtin.method, rep.builtin.values, args.perturbations),
                                   (rep.shap.method, rep.shap.values, 0)):
            fr = faithfulness_report(model, rows_x, fbg, attributions=attr, n_random=args.n_random,
                                     n_perturbations=npert, random_state=0)
            for r in fr.itertuples(index=False):
                faith_rows.append({"model": name, "attributions": label, "metric": r.metric,
                                   "value": r.explanation, "random_baseline": r.random, "better": r.better})
    return pd.DataFrame(cc_rows), pd.DataFrame(faith_rows)


def fairness(args) -> pd.DataFrame:
    ds = load_dataset("hmda")
    Xtr, Xte, ytr, yte = train_test_split(ds.X, ds.y, test_size=0.3, random_state=0, stratify=ds.y)
    rows = []
    for name in _names():
        try:
            model, _ = _fit(name, args, Xtr, ytr, {})
        except Exception as exc:  # noqa: BLE001
            rows.append({"model": name, "status": f"fit failed: {exc}"})
            continue
        audit = fairness_audit(model, Xte, yte, "afam", background=Xtr.iloc[:50], max_shap_rows=args.fair_rows)
        s = audit.summary()
        g = audit.to_frame().set_index("group")
        rows.append({"model": name, "status": "ok", "auc": roc_auc_score(yte, model.predict_proba(Xte)[:, 1]),
                     **{k: s[k] for k in ("demographic_parity_difference", "demographic_parity_ratio",
                                          "equal_opportunity_difference", "auc_gap", "sensitive_share",
                                          "sensitive_term_share", "contribution_gap", "share_method")},
                     **{f"auc_{k}": v for k, v in s["auc_by_group"].items()},
                     **{f"adverse_rate_{k}": v for k, v in g["adverse_rate"].items()}})
        print(f"  {name}: {audit}", flush=True)
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--full", action="store_true", help="Kernel and Permutation on all rows")
    p.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    p.add_argument("--device", default="cpu", help="cpu (default) or cuda for model training")
    p.add_argument("--rows", type=int, default=1000)
    p.add_argument("--background", type=int, default=100)
    p.add_argument("--exact-rows", type=int, default=10, help="rows for shap's Exact reference")
    p.add_argument("--kernel-rows", type=int, default=20)
    p.add_argument("--permutation-rows", type=int, default=100)
    p.add_argument("--crosscheck-rows", type=int, default=50)
    p.add_argument("--faith-background", type=int, default=50)
    p.add_argument("--perturbations", type=int, default=10)
    p.add_argument("--n-random", type=int, default=3)
    p.add_argument("--fair-rows", type=int, default=50)
    p.add_argument("--skip", nargs="*", default=[], choices=["speed", "models", "fairness"])
    args = p.parse_args(argv)
    if args.quick:
        args.rows, args.exact_rows, args.kernel_rows, args.permutation_rows = 50, 2, 2, 5
        args.crosscheck_rows, args.faith_background, args.perturbations, args.n_random = 10, 10, 2, 1
        args.fair_rows, args.background = 10, 20
    warnings.filterwarnings("ignore")
    global RESULTS
    if args.quick:  # a smoke run never overwrites the measured tables
        import tempfile

        RESULTS = Path(tempfile.mkdtemp(prefix="shap_quick_"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    ds = load_dataset("credit_data")
    Xtr, Xte, ytr, yte = train_test_split(ds.X, ds.y, test_size=0.2, random_state=0, stratify=ds.y)
    Xtr, Xte = Xtr.reset_index(drop=True), Xte.reset_index(drop=True)
    meta = {"python": sys.version.split()[0], "machine": platform.machine(), "args": vars(args)}
    out: dict = {"meta": meta}
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 30)
    prefit: dict = {}
    if "speed" not in args.skip:
        print("== 1. exact additive SHAP vs shap's samplers (NAM, credit_data) ==", flush=True)
        sp = speed(args, Xtr, ytr, ds.X)
        print(sp.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        sp.to_csv(RESULTS / "shap_speed.csv", index=False)
        prefit["nam"] = sp.attrs.pop("nam")
        kern = sp[sp["method"].str.startswith("shap Kernel")].iloc[0]
        out["speed"] = sp.to_dict(orient="records")
        out["goal_speed"] = {"kernel_time_ratio": float(kern["time_ratio_vs_ours"]),
                             "ours_max_abs_diff_vs_exact": float(sp.loc[0, "max_abs_diff_vs_shap_exact"]),
                             "reached": bool(kern["time_ratio_vs_ours"] >= 100
                                             and sp.loc[0, "max_abs_diff_vs_shap_exact"] <= 1e-5)}
        print("goal (>= 100x Kernel at <= 1e-5):", out["goal_speed"], flush=True)
    if "models" not in args.skip:
        print("\n== 2. crosscheck per registry model (credit_data, held-out rows) ==", flush=True)
        cc, faith = per_model(args, Xtr, Xte, ytr, yte, prefit)
        cols = [c for c in ["model", "status", "test_auc", "builtin_method", "shap_method", "background",
                            "builtin_gap", "max_abs_diff", "mean_abs_diff", "spearman_mean", "top3_jaccard",
                            "sign_agreement", "global_rank_corr", "passed", "time_builtin_s",
                            "time_shap_s"] if c in cc.columns]
        print(cc[cols].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        cc.to_csv(RESULTS / "shap_crosscheck.csv", index=False)
        print("\n== 3. faithfulness (value | random baseline) ==")
        if len(faith):
            faith["cell"] = faith.apply(lambda r: f"{r['value']:.3f} | {r['random_baseline']:.3f}", axis=1)
            wide = faith.pivot_table(index=["model", "attributions"], columns="metric", values="cell",
                                     aggfunc="first")
            print(wide.to_string())
        faith.drop(columns=["cell"], errors="ignore").to_csv(RESULTS / "shap_faithfulness.csv", index=False)
        out["crosscheck"] = cc.to_dict(orient="records")
        out["faithfulness"] = faith.drop(columns=["cell"], errors="ignore").to_dict(orient="records")
    if "fairness" not in args.skip:
        print("\n== 4. fairness on hmda (afam) ==", flush=True)
        fa = fairness(args)
        print(fa.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        fa.to_csv(RESULTS / "shap_fairness.csv", index=False)
        out["fairness"] = fa.to_dict(orient="records")
    (RESULTS / "shap_crosscheck.json").write_text(json.dumps(out, indent=1, default=str))
    print(f"\nwrote {RESULTS}/shap_*.csv and shap_crosscheck.json")
    return 0


if __name__ == "__main__":
    import _provenance  # benchmarks/_provenance.py: record the commit of every results file written

    _provenance.watch(prefix="shap_")  # writes shap_crosscheck, shap_speed, shap_fairness, ...
    sys.exit(main())

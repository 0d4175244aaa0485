"""The main job behind ``interpretable-nn demo``: an accuracy-vs-interpretability study on
``credit_data`` with its HTML report.

Cross-validates the library's models that are installed (interpretable ones and the
black-box references) on the real credit data through :func:`~interpretable_nn.studies.run_study`
with two worker processes, then writes ``report.html`` (ROC AUC, Gini, KS and Brier per
model; Pareto plots against what a reviewer reads and against parameters; the best additive
model's scorecard with reason codes for declined applicants and one applicant's points;
shape functions by importance and interaction heat maps; the rule set; every check with its
threshold) next to ``results.sqlite``, a ``summary.csv`` and the Pareto plot as
``pareto_credit_data.png``. A second run
resumes: finished cells are not refitted, failed ones are retried. ``quick=True`` is a smoke test (two folds, a few
epochs, fast models only).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd

__all__ = ["run_demo", "DEMO_MODELS", "QUICK_MODELS"]

#: registry names in the demo (those installed are used), interpretable models first
DEMO_MODELS = ["logreg", "tree", "nam", "rulenet", "prototype", "ebm", "mlp", "xgb", "hgb"]
#: the smoke-test subset (``quick=True``): seconds per cell
QUICK_MODELS = ["logreg", "tree", "nam", "rulenet", "mlp"]
QUICK_EPOCHS = 3


def _quick_params(names: list[str]) -> dict:
    """``max_epochs=QUICK_EPOCHS`` for every model whose constructor takes it."""
    from .models import make_model

    out = {}
    for name in names:
        if "max_epochs" in make_model(name).get_params(deep=False):
            out[name] = {"max_epochs": QUICK_EPOCHS}
    return out


#: what a demo writes into its directory (a rerun resumes from results.sqlite and rewrites the rest)
DEMO_FILES = ("results.sqlite", "report.html", "pareto_credit_data.png", "summary.csv", "summary.json")


def _check_demo_out(out: Path) -> None:
    """Refuse a directory the demo would overwrite files of that it did not write: one that
    exists, holds some of :data:`DEMO_FILES`, but no demo's results store."""
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a directory; give a directory for the demo's files.")
    if out.is_dir() and not (out / "results.sqlite").is_file():
        clash = [f for f in DEMO_FILES if (out / f).exists()]
        if clash:
            raise ValueError(f"--out {out} already holds {clash} but no demo's results; the demo would overwrite "
                             "them. Give a new or empty directory.")


def run_demo(out: str | Path = "demo_results", folds: int = 3, quick: bool = False, verbose: int = 1,
             n_jobs: int | None = None) -> pd.DataFrame:
    """Run the credit study and write its report; returns the summary table.

    Parameters
    ----------
    out : path, default "demo_results"
        Output directory: ``results.sqlite``, ``report.html``, ``summary.csv``,
        ``pareto_credit_data.png``.
    folds : int, default 3
        Cross-validation folds (``quick`` uses at most 2). Three keep the demo within five
        minutes on a slow two-core machine, where EBM alone fits for about 80 s per fold;
        ``interpretable-nn study`` runs 5 by default.
    quick : bool, default False
        Smoke test: fast models, a few epochs, two folds, the surrogate check only.
    verbose : int, default 1
    n_jobs : int, optional
        Worker processes (default: 2, or 1 on a one-core machine).

    Returns
    -------
    DataFrame
        One row per model: ``model``, ``auc_mean``, ``auc_std``, ``fit_time_median``,
        ``n_parameters`` and the other complexity measures that apply.
    """
    from .models import available_models
    from .persistence import write_figure_atomic, write_file_atomic
    from .studies import run_study
    from .studies.report import pareto_figure, write_report

    out = Path(out)
    _check_demo_out(out)
    usable = set(available_models())
    models = [m for m in (QUICK_MODELS if quick else DEMO_MODELS) if m in usable]
    folds = min(int(folds), 2) if quick else int(folds)
    n_jobs = n_jobs or min(2, os.cpu_count() or 1)
    t0 = time.perf_counter()
    rows = run_study(
        ["credit_data"], models, seeds=[0], folds=folds, out=out, n_jobs=n_jobs,
        params=_quick_params(models) if quick else None,
        checks=("surrogate",) if quick else ("surrogate", "crosscheck", "fairness"),
        retry_failed=True,  # a rerun (e.g. after installing a missing extra) retries failed cells
        verbose=verbose,
    )
    report = write_report(out, out / "report.html", title="credit_data: accuracy vs interpretability")
    write_figure_atomic(pareto_figure(out, "credit_data"), out / "pareto_credit_data.png", dpi=110)
    ok = rows[rows["status"] == "ok"]
    measures = [c for c in ("n_parameters", "n_terms", "n_rules", "n_conditions", "n_prototypes")
                if ok[c].notna().any()]
    table = (
        ok.groupby("label", sort=False)
        .agg(auc_mean=("auc", "mean"), auc_std=("auc", "std"), fit_time_median=("fit_time", "median"),
             **{m: (m, "median") for m in measures})
        .reset_index()
        .rename(columns={"label": "model"})
        .sort_values("auc_mean", ascending=False, ignore_index=True)
    )
    write_file_atomic(out / "summary.csv", table.to_csv(index=False))
    write_file_atomic(out / "summary.json", json.dumps(table.to_dict(orient="records"), indent=1))
    if verbose:
        failed = rows[rows["status"] == "failed"]
        n = int((rows["n_train"] + rows["n_test"]).max())
        print(f"\ncredit_data ({n} applicants, {folds}-fold stratified CV, "
              f"seed 0): ROC AUC on held-out folds, {time.perf_counter() - t0:.0f} s")
        for r in table.itertuples():
            extra = "  ".join(f"{m.removeprefix('n_')} {getattr(r, m):.0f}" for m in measures
                              if pd.notna(getattr(r, m)))
            print(f"  {r.model:10s} {r.auc_mean:.4f} ± {r.auc_std:.4f}   fit {r.fit_time_median:6.2f} s   {extra}")
        for r in failed.itertuples():
            print(f"  {r.label:10s} FAILED (fold {r.fold}): {str(r.error).splitlines()[0]}")
        print(f"report: {report}   (results in {out}/results.sqlite; rerun resumes)")
    return table

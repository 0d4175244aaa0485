"""The study report: ONE self-contained HTML file (inline SVG figures, inline CSS, no
script, no network) built from a study's store with a Jinja2 template
(``templates/report.html.j2``).

Sections (each appears when the store holds the data for it), listed in a table of
contents: overview and provenance; per data set the models (ROC AUC, Gini, KS, Brier, ...
and the complexity a person can count, with a Pareto plot against it and one against
parameters); the scorecard of the best additive model with reason codes for declined
applicants and one applicant's points; shape functions ranked by importance and
interaction heat maps; the best rule set; the checks, each named and explained with its
threshold; fairness; failed cells. The sections are assembled in :mod:`.report_sections`
and drawn in :mod:`.report_figures`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .complexity import COMPLEXITY_MEASURES
from .report_figures import (
    HIGHER_IS_BETTER as rf_HIGHER_IS_BETTER,
)
from .report_figures import (
    LABELS as rf_LABELS,
)
from .report_figures import (
    pareto_fig as rf_pareto_fig,
)
from .report_figures import pareto_front
from .report_figures import (
    readable_size as rf_readable_size,
)
from .report_figures import (
    svg as rf_svg,
)
from .report_sections import (
    _figure as rsec_figure,
)
from .report_sections import (
    _text as rsec_text,
)
from .report_sections import (
    checks_section as rsec_checks_section,
)
from .report_sections import (
    failures_section as rsec_failures_section,
)
from .report_sections import (
    fairness_section as rsec_fairness_section,
)
from .report_sections import (
    fmt as rsec_fmt,
)
from .report_sections import (
    ruleset_section as rsec_ruleset_section,
)
from .report_sections import (
    scorecard_section as rsec_scorecard_section,
)
from .report_sections import (
    shapes_section as rsec_shapes_section,
)
from .report_sections import (
    table_block as rsec_table_block,
)
from .store import STORE_NAME, load_results

__all__ = ["write_report", "build_report", "summarize", "pareto_front", "pareto_figure"]

_LABELS = rf_LABELS
_HIGHER_IS_BETTER = rf_HIGHER_IS_BETTER


def _primary(df: pd.DataFrame) -> str:
    """The headline score: ROC AUC for classification, R² for regression."""
    for m in ("auc", "r2", "accuracy", "rmse"):
        if m in df and pd.to_numeric(df[m], errors="coerce").notna().any():
            return m
    return "auc"


def _primaries(df: pd.DataFrame) -> dict[str, str]:
    """Each data set's headline score: a study may mix classification and regression data
    sets, and one score for all left the regression sets without a best model or a plot."""
    return {d: _primary(g) for d, g in df.groupby("dataset", sort=False)}


def _load(results) -> pd.DataFrame:
    """The store's rows, with ``ks`` read from the details (where the cell keeps it, so
    older stores stay readable) and ``gini = 2 AUC - 1`` for binary classification. Cells
    that share a name but not an identity are told apart (:func:`_split_identities`)."""
    df = results.copy() if isinstance(results, pd.DataFrame) else load_results(results)
    df = _split_identities(df)
    if "ks" not in df:
        det = df["details"] if "details" in df else pd.Series([{}] * len(df), index=df.index)
        df["ks"] = pd.to_numeric(pd.Series([d.get("ks") if isinstance(d, dict) else None for d in det],
                                           index=df.index), errors="coerce")
    if "auc" in df and "gini" not in df:
        binary = df["brier"].notna() if "brier" in df else pd.Series(True, index=df.index)
        df["gini"] = (2 * pd.to_numeric(df["auc"], errors="coerce") - 1).where(binary)
    return df


def _folds_text(v) -> str:
    return "?" if v is None or (isinstance(v, float) and math.isnan(v)) else str(int(v))


def _split_identities(df: pd.DataFrame) -> pd.DataFrame:
    """Never pool cells that only share a name: one data set name run on different data
    (``data_hash``) or fold counts (``n_folds``), or one model label run with different
    fixed parameters (``params``), e.g. two studies written to one store. Each such
    variant gets its own name, saying what differs: ``loans (data a5e7c1d2, 3 folds)``,
    ``tree (max_depth=8)``; the names as run stay in ``dataset_name`` / ``label_name``."""
    if df.empty or "dataset" not in df or "label" not in df:
        return df
    df = df.copy()
    df["dataset_name"], df["label_name"] = df["dataset"], df["label"]
    idx = df.index
    hashes = df["data_hash"].map(lambda h: "?" if not isinstance(h, str) else h) if "data_hash" in df \
        else pd.Series("?", index=idx)
    folds = df["n_folds"].map(_folds_text) if "n_folds" in df else pd.Series("?", index=idx)
    # one data set studied as classes and as an amount: two rows, not one "AUC (2 of 4), R² (2 of 4)"
    tasks = df["task"].map(lambda t: t if isinstance(t, str) else "?") if "task" in df else pd.Series("?", index=idx)
    taken = set(df["dataset"])
    for name in list(dict.fromkeys(df["dataset"])):
        mask = df["dataset_name"] == name
        known_h, known_f = set(hashes[mask]) - {"?"}, set(folds[mask]) - {"?"}  # "?": not stored, not a variant
        split_h, split_f, split_t = len(known_h) > 1, len(known_f) > 1, len(set(tasks[mask]) - {"?"}) > 1
        if not (split_h or split_f or split_t):
            continue
        short = 8 if len({h[:8] for h in known_h}) == len(known_h) else 16
        n = int(mask.sum())
        ids = list(dict.fromkeys(zip(hashes[mask] if split_h else [""] * n, folds[mask] if split_f else [""] * n,
                                     tasks[mask] if split_t else [""] * n)))
        for h, f, t in ids:
            parts = ([f"data {h[:short]}"] if split_h else []) + ([f"{f} folds"] if split_f else []) + \
                ([t] if split_t else [])
            new = _unique(f"{name} ({', '.join(parts)})", taken)
            df.loc[mask & ((hashes == h) if split_h else True) & ((folds == f) if split_f else True)
                   & ((tasks == t) if split_t else True), "dataset"] = new
    if "params" in df:
        import json

        def canon(v) -> dict:
            return {k: json.dumps(x, sort_keys=True, default=repr) for k, x in (v if isinstance(v, dict) else {}).items()}

        plain = {i: canon(v) for i, v in df["params"].items()}
        key = pd.Series({i: json.dumps(p, sort_keys=True) for i, p in plain.items()})
        taken = set(df["label"])
        for (_, label), g in df.groupby(["dataset", "label"], sort=False):
            variants = list(dict.fromkeys(key[g.index]))
            if len(variants) < 2:
                continue
            # a parameter one run left at its default and another gave the same value is one setting
            given = sorted({k for v in variants for k in json.loads(v)})
            defaults = _defaults(g["model"].iloc[0] if "model" in g else None)
            key.loc[g.index] = [json.dumps({**{k: defaults[k] for k in given if k in defaults}, **json.loads(key[i])},
                                           sort_keys=True) for i in g.index]
            variants = list(dict.fromkeys(key[g.index]))
            if len(variants) < 2:
                continue
            decoded = [json.loads(v) for v in variants]
            names = sorted({k for v in decoded for k in v})
            differ = [k for k in names if len({v.get(k) for v in decoded}) > 1]
            for v, p in zip(variants, decoded):
                text = ", ".join(f"{k}={p[k]}" if k in p else f"{k}=default" for k in differ)
                new = _unique(f"{label} ({text})", taken)
                df.loc[g.index[(key[g.index] == v).to_numpy()], "label"] = new
    return df


def _defaults(model) -> dict[str, str]:
    """A registered model's constructor defaults, each as the JSON text the store keeps
    (``{}`` where the name is not registered here or needs an extra not installed)."""
    import json

    from ..models.registry import make_model

    try:
        deep = make_model(str(model)).get_params(deep=True)
    except Exception:  # noqa: BLE001 - unknown or uninstallable: no defaults to compare with
        return {}
    # a wrapper's factory passes its parameters to the estimator inside (tree: max_depth)
    params = {k.split("__")[-1]: v for k, v in deep.items() if "__" in k} | {k: v for k, v in deep.items() if "__" not in k}
    return {k: json.dumps(v, sort_keys=True, default=repr) for k, v in params.items()}


def _unique(name: str, taken: set) -> str:
    out, k = name, 2
    while out in taken:
        out, k = f"{name} #{k}", k + 1
    taken.add(out)
    return out


def _identity_notes(df: pd.DataFrame) -> list[str]:
    """The overview's words on the names :func:`_split_identities` gave."""
    notes = []
    if "dataset_name" in df:
        split = df[df["dataset"] != df["dataset_name"]]
        for name, g in split.groupby("dataset_name", sort=False):
            notes.append(f"Data set {name} was run on different data or fold counts (e.g. two studies in one store); "
                         f"their cells are not pooled but shown apart as: {', '.join(dict.fromkeys(g['dataset']))}.")
    if "label_name" in df:
        split = df[df["label"] != df["label_name"]]
        for (d, name), g in split.groupby(["dataset", "label_name"], sort=False):
            notes.append(f"On {d}, model {name} was run with different fixed parameters; its cells are not pooled but "
                         f"shown apart as: {', '.join(dict.fromkeys(g['label']))}.")
    return notes


def summarize(results, metrics: list[str] | None = None) -> pd.DataFrame:
    """Mean and standard deviation per data set and model configuration over the
    successful cells (columns ``<metric>_mean`` / ``<metric>_std``, and ``<metric>_n``: the
    cells that have the metric, fewer than ``cells`` where it was undefined, e.g. an AUC on
    a test fold holding one class) plus ``cells`` and ``failed`` counts.

    Examples
    --------
    >>> rows = pd.DataFrame({"dataset": ["d"] * 3, "label": ["m"] * 3, "status": ["ok", "ok", "failed"],
    ...                      "auc": [0.8, 0.9, None]})
    >>> summarize(rows, ["auc"])[["dataset", "label", "cells", "failed", "auc_mean"]].values.tolist()
    [['d', 'm', 2, 1, 0.8500000000000001]]
    """
    df = _load(results)
    if metrics is None:
        metrics = [c for c in (*_LABELS,) if c in df and pd.to_numeric(df[c], errors="coerce").notna().any()]
    ok = df[df["status"] == "ok"]
    keys = ["dataset", "label"]
    rows = []
    for (d, label), g in df.groupby(keys, sort=False):
        good = ok[(ok["dataset"] == d) & (ok["label"] == label)]
        r = {"dataset": d, "label": label, "cells": len(good), "failed": int((g["status"] == "failed").sum())}
        for m in metrics:
            v = pd.to_numeric(good[m], errors="coerce") if m in good else pd.Series(dtype=float)
            r[f"{m}_mean"] = float(v.mean()) if v.notna().any() else math.nan
            r[f"{m}_std"] = float(v.std(ddof=1)) if v.notna().sum() > 1 else math.nan
            r[f"{m}_n"] = int(v.notna().sum())  # the cells the mean is over (an AUC is NaN on a one-class fold)
        rows.append(r)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- figures
_AXES = ("readable", *COMPLEXITY_MEASURES)


def _check_axis(complexity: str) -> None:
    if complexity not in _AXES:
        raise ValueError(f"complexity must be one of {list(_AXES)}; got {complexity!r}.")


def _prepared(results, complexity: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    _check_axis(complexity)
    df = _load(results)
    if df.empty:
        raise ValueError("The study store holds no cells yet; run a study first.")
    metrics = _primaries(df)
    summary = summarize(df)
    for col in (*(f"{m}_mean" for m in COMPLEXITY_MEASURES), *(f"{m}_{s}" for m in set(metrics.values())
                                                                for s in ("mean", "std"))):
        if col not in summary:
            summary[col] = math.nan
    return df, summary, metrics


def pareto_figure(results, dataset: str | None = None, complexity: str = "n_parameters"):
    """The report's accuracy-vs-complexity plot of one data set as a matplotlib Figure
    (e.g. ``pareto_figure("results/").savefig("pareto.png")``).

    Parameters
    ----------
    results : path or DataFrame
        As for :func:`write_report`.
    dataset : str, optional
        Default: the first data set of the study.
    complexity : str, default "n_parameters"
        The x axis: ``"readable"`` (what a reviewer reads: rules, prototypes or terms;
        black boxes as reference lines) or one of
        :data:`~interpretable_nn.studies.complexity.COMPLEXITY_MEASURES`.
    """
    df, summary, metrics = _prepared(results, complexity)
    dataset = df["dataset"].iloc[0] if dataset is None else dataset
    if dataset not in set(df["dataset"]):
        raise ValueError(f"No cells for data set {dataset!r}; the study has {sorted(set(df['dataset']))}.")
    s = summary[summary["dataset"] == dataset]
    metric = metrics[dataset]
    return rf_pareto_fig(s, dataset, metric, complexity, _HIGHER_IS_BETTER.get(metric, True))


def _positive_words(dataset: str, classes) -> str:
    """What a score is the log-odds of, in the data's words: ``"Status = bad"`` for a built-in
    data set whose positive class is coded 1, else the class label itself."""
    pos = classes[1] if len(classes) > 1 else classes[0]
    if pos in (1, True, "1"):
        try:
            from ..datasets import load_dataset

            ds = load_dataset(str(dataset))
            if ds.positive_label is not None:
                return f"{ds.target} = {ds.positive_label}"
        except Exception:  # noqa: BLE001 - an unknown data set keeps the class label
            pass
    return f"class {pos}"


def _study_words(df: pd.DataFrame) -> str:
    """The adverse outcome of the study's first data set, for captions."""
    dataset = df["dataset_name" if "dataset_name" in df else "dataset"].iloc[0]
    for d in df["details"] if "details" in df else []:
        card = (d.get("artefacts") or {}).get("scorecard") if isinstance(d, dict) else None
        if card:
            import json

            adverse = json.loads(card).get("metadata", {}).get("adverse_class")
            if adverse is not None:
                return _positive_words(dataset, [None, adverse])
    return _positive_words(dataset, [0, 1])


# ---------------------------------------------------------------------- the models table
_RISK = ("auc", "gini", "ks", "brier", "log_loss", "accuracy", "r2", "rmse", "mae")
_DIGITS = {"auc": 4, "gini": 3, "ks": 3, "brier": 4, "log_loss": 3, "accuracy": 3, "r2": 4}


def _digits(metric: str, mean: float) -> int:
    """Decimals of a score in the models table; errors in the target's units (RMSE, MAE) get
    4 significant digits (a fixed 0 wrote 1.12 and 0.87 both as "1 ± 0")."""
    if metric in ("rmse", "mae"):
        return 4 if not np.isfinite(mean) or mean == 0 else int(max(0, 3 - np.floor(np.log10(abs(mean)))))
    return _DIGITS.get(metric, 2 if metric.endswith("_time") else 0)


def _models_table(s: pd.DataFrame, metrics: list[str], best: str | None) -> dict:
    """mean ± std of the scores; the readable size and the complexity measures as their mean."""
    cols = [m for m in metrics if f"{m}_mean" in s and s[f"{m}_mean"].notna().any()]
    rows = []
    for r in s.to_dict("records"):
        size, unit = rf_readable_size(r)
        row = {"model": r["label"], "cells": f"{r['cells']}" + (f" ({r['failed']} failed)" if r["failed"] else "")}
        for m in cols:
            std = math.nan if m in COMPLEXITY_MEASURES or m == "fit_time" else r[f"{m}_std"]
            text = rsec_fmt(r[f"{m}_mean"], std, _digits(m, r[f"{m}_mean"]))
            n = r.get(f"{m}_n", r["cells"])
            if text != "—" and n < r["cells"]:  # the mean is over fewer cells than the row counts: say so
                text += f" ({n} of {r['cells']})"
            row[_LABELS.get(m, m)] = text
        row["reviewer reads"] = f"{size:.0f} {unit}" if np.isfinite(size) else "black box"
        rows.append(row)
    return rsec_table_block(pd.DataFrame(rows), left=1, best=best, key="model")


def _dataset_section(df: pd.DataFrame, summary: pd.DataFrame, dataset: str, metric: str, complexity: str,
                     k: int) -> dict:
    s = summary[summary["dataset"] == dataset]
    higher = _HIGHER_IS_BETTER.get(metric, True)
    best = s.sort_values(f"{metric}_mean", ascending=not higher)["label"].iloc[0] \
        if s[f"{metric}_mean"].notna().any() else None
    hashes = sorted(df.loc[df["dataset"] == dataset, "data_hash"].dropna().unique()) if "data_hash" in df else []
    sub = df[df["dataset"] == dataset]
    n = int((sub["n_train"] + sub["n_test"]).max()) if {"n_train", "n_test"} <= set(sub) and sub["n_test"].notna().any() \
        else None
    intro = (f"{n:,} rows; " if n else "") + (f"{_LABELS.get(metric, metric)} on held-out folds, mean ± std over "
                                              f"cells; best: {best}. Data hash {', '.join(hashes) or '?'}.")
    blocks = []
    if metric == "auc":
        blocks.append(rsec_text(
            "Gini = 2·AUC − 1 (the accuracy ratio); KS = the largest gap between the score distributions of the "
            "two classes (Kolmogorov–Smirnov); Brier = mean squared error of the probability (lower is better). "
            "'Reviewer reads': the rules, prototypes or terms a person reads to follow the model."))
    counts = [(m, r) for r in s.to_dict("records") for m in _RISK if r.get(f"{m}_n", r["cells"]) < r["cells"]
              and np.isfinite(r.get(f"{m}_mean", math.nan))]
    if counts:
        blocks.append(rsec_text(
            "A score followed by '(k of n)' is the mean over the k cells where it is defined, not over all n: e.g. "
            "an AUC is undefined on a test fold that holds one class only."))
    measures = ["fit_time", *COMPLEXITY_MEASURES]
    blocks.append(_models_table(s, [*[m for m in _RISK if m in df], *measures], best))
    sizes = [rf_readable_size(r)[0] for r in s.to_dict("records")]
    if s[f"{metric}_mean"].notna().any() and np.isfinite(sizes).any():
        fig = rf_pareto_fig(s, dataset, metric, "readable", higher)
        blocks.append(rsec_figure(rf_svg(fig, f"pareto-{dataset}"), (
            "Accuracy against what a reviewer has to read: the number of rules (rule models, trees), prototypes or "
            "terms (additive and linear models). Black boxes have no such size and are drawn as dotted reference "
            "lines. The dashed line joins the models no other beats on both accuracy and simplicity.")))
    if complexity != "readable" and s[f"{complexity}_mean"].notna().any() and s[f"{metric}_mean"].notna().any():
        fig = rf_pareto_fig(s, dataset, metric, complexity, higher)
        blocks.append(rsec_figure(rf_svg(fig, f"pareto-{complexity}-{dataset}"), (
            f"The same models against their {_LABELS.get(complexity, complexity)} (a second view: the numbers a "
            "computer stores; each point a model, mean over seeds and folds, bar = std).")))
    return {"id": f"data-{k}", "title": str(dataset), "intro": intro, "blocks": blocks}


# ---------------------------------------------------------------------- the page
def _template():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("interpretable_nn.studies", "templates"),
                      autoescape=select_autoescape(("html", "j2")), undefined=StrictUndefined,
                      trim_blocks=False, lstrip_blocks=False)
    return env.get_template("report.html.j2")


def build_report(results, complexity: str = "n_parameters", title: str = "Accuracy vs interpretability") -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    df, summary, metrics = _prepared(results, complexity)
    from .._version import __version__

    ok = df[df["status"] == "ok"]
    versions = sorted(df["library_version"].dropna().unique()) if "library_version" in df else []
    seeds = ", ".join(map(str, sorted(df["seed"].dropna().unique()))) if "seed" in df else "?"
    minutes = pd.to_numeric(df["cell_time"], errors="coerce").sum() / 60 if "cell_time" in df else math.nan
    overview = [
        f"{len(ok)} cells ok, {len(df) - len(ok)} failed · data sets: {', '.join(df['dataset'].unique())} · "
        f"models: {', '.join(df['label'].unique())} · seeds: {seeds} · compute {minutes:.1f} min",
        f"interpretable_nn {', '.join(versions) or '?'} (report by {__version__}) · complexity axes: what a reviewer "
        f"reads and {_LABELS.get(complexity, complexity)} · primary score: "
        f"{', '.join(_LABELS.get(m, m) for m in dict.fromkeys(metrics.values()))}",
    ]
    overview += _identity_notes(df)
    words = _study_words(df)
    as_run = dict(zip(df["dataset"], df["dataset_name"])) if "dataset_name" in df else {}

    def words_of(dataset, classes):  # the data set's name as run, for a built-in's words
        return _positive_words(as_run.get(dataset, dataset), classes)

    sections = [_dataset_section(df, summary, d, metrics[d], complexity, k)
                for k, d in enumerate(df["dataset"].unique())]
    sections += [
        rsec_scorecard_section(df, summary, metrics, words),
        rsec_shapes_section(df, summary, metrics, words),
        rsec_ruleset_section(ok, metrics, words_of),
        rsec_checks_section(df, summary),
        rsec_fairness_section(df),
        rsec_failures_section(df),
    ]
    return _template().render(title=title, overview=overview, sections=[s for s in sections if s])


def write_report(results, path: str | Path = "report.html", complexity: str = "n_parameters",
                 title: str = "Accuracy vs interpretability") -> Path:
    """Write the study report: one self-contained HTML file (inline SVG, no network).

    Parameters
    ----------
    results : path or DataFrame
        A study's output directory (or its ``results.sqlite``), or rows from
        :func:`~interpretable_nn.studies.run_study` / :func:`~interpretable_nn.studies.load_results`.
    path : path, default "report.html"
    complexity : str, default "n_parameters"
        The x axis of the second Pareto plot (the first always counts what a reviewer reads:
        rules, prototypes or terms): one of
        :data:`~interpretable_nn.studies.complexity.COMPLEXITY_MEASURES`.
    title : str

    Examples
    --------
    >>> import tempfile, os
    >>> from interpretable_nn.studies import run_study
    >>> d = tempfile.mkdtemp()
    >>> _ = run_study(["default"], ["logreg"], folds=2, out=d, verbose=0)
    >>> p = write_report(d, os.path.join(d, "report.html"))
    >>> "<svg" in p.read_text()
    True
    """
    from ..persistence import write_output

    p = _report_path(results, path)
    return write_output(p, build_report(results, complexity=complexity, title=title))


def _report_path(results, path) -> Path:
    """``path`` checked as the CLI checks ``-o``, before any work: never the study's store
    (nor its ``-wal``/``-shm``/``-journal`` files), nor any other SQLite file, a directory,
    or a file inside a saved model's folder. Its folder is created when missing."""
    from ..persistence.csv_io import check_output
    from .store import store_path

    if isinstance(path, str | os.PathLike) and str(path) == "":
        raise ValueError("path is empty; give the report's file name (e.g. report.html).")
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a file name (str or Path); got {type(path).__name__}.")
    p = Path(path)
    store = None
    if isinstance(results, str | os.PathLike):
        store = Path(results) / STORE_NAME if Path(results).is_dir() else store_path(results)
        companions = {store.with_name(store.name + s) for s in ("", "-wal", "-shm", "-journal")}
        if any(p.absolute() == c.absolute() or (p.exists() and c.exists() and p.resolve() == c.resolve())
               for c in companions):
            raise ValueError(f"path {p} is the study's results store ({store}); writing the report there would "
                             "destroy the results. Choose another file name (e.g. report.html).")
    if not p.is_dir():
        p.parent.mkdir(parents=True, exist_ok=True)
    return check_output(p, what="path", inputs=(store,) if store is not None else ())

"""The study report: ONE self-contained HTML file (inline SVG figures, inline CSS, no
script, no network) built from a study's store.

Sections (each appears when the store holds the data for it): overview and provenance;
per data set an accuracy-vs-complexity Pareto plot and the mean ± std table per model;
shape functions of the best additive model; the best rule set as a table (with the check it
carries, read as a :class:`~interpretable_nn.attribution.fidelity.Fidelity`); surrogate
fidelity; explanation cross-check; fairness gaps; failed cells.
"""

from __future__ import annotations

import html
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..attribution.fidelity import Fidelity
from .complexity import COMPLEXITY_MEASURES
from .store import load_results

__all__ = ["write_report", "build_report", "summarize", "pareto_front", "pareto_figure"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1240px;
color:#1d2430;line-height:1.45;padding:0 1em}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #e3e7ee;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.4em}.muted{color:#667085;font-size:.92em}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.86em}
th,td{border:1px solid #d9dee7;padding:.28em .6em;text-align:right;vertical-align:top}td:not(.l){white-space:nowrap}
th{background:#f3f5f9}td.l,th.l{text-align:left}tr.best td{background:#eefaf1;font-weight:600}
figure{margin:.5em 0 1.5em}figure svg{max-width:100%;height:auto}figcaption{color:#667085;font-size:.9em}
.scroll{overflow-x:auto}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
"""

_LABELS = {
    "auc": "ROC AUC", "log_loss": "log-loss", "accuracy": "accuracy", "brier": "Brier", "r2": "R²",
    "rmse": "RMSE", "mae": "MAE", "fit_time": "fit s", "predict_time": "predict s",
    "n_parameters": "parameters", "n_terms": "terms", "n_interactions": "interactions", "n_rules": "rules",
    "n_conditions": "conditions", "n_prototypes": "prototypes",
    "surrogate_fidelity": "surrogate fidelity (depth 4)", "crosscheck_agreement": "crosscheck agreement",
}
_HIGHER_IS_BETTER = {"auc": True, "accuracy": True, "r2": True, "log_loss": False, "rmse": False, "brier": False}


def _esc(x) -> str:
    return html.escape(str(x), quote=True)


def _primary(df: pd.DataFrame) -> str:
    """The headline score: ROC AUC for classification, R² for regression."""
    for m in ("auc", "r2", "accuracy", "rmse"):
        if m in df and df[m].notna().any():
            return m
    return "auc"


def _load(results) -> pd.DataFrame:
    return results.copy() if isinstance(results, pd.DataFrame) else load_results(results)


def summarize(results, metrics: list[str] | None = None) -> pd.DataFrame:
    """Mean and standard deviation per data set and model configuration over the
    successful cells (columns ``<metric>_mean`` / ``<metric>_std``) plus ``cells`` and
    ``failed`` counts.

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
        rows.append(r)
    return pd.DataFrame(rows)


def pareto_front(x: np.ndarray, y: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Indices of the points no other point beats on both axes (lower ``x``, better ``y``),
    ordered by ``x``.

    Examples
    --------
    >>> pareto_front(np.array([1, 2, 3, 4]), np.array([0.7, 0.6, 0.8, 0.8])).tolist()
    [0, 2]
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    yy = y if higher_is_better else -y
    ok = np.flatnonzero(np.isfinite(x) & np.isfinite(yy))
    front, best = [], -np.inf
    for i in ok[np.lexsort((-yy[ok], x[ok]))]:
        if yy[i] > best:
            front.append(int(i))
            best = yy[i]
    return np.array(front, dtype=int)


# ---------------------------------------------------------------------- figures
def _figure(**kw):
    """A pyplot-free figure: the caller's backend and open figures are left alone."""
    from matplotlib.figure import Figure

    return Figure(**kw)


def _svg(fig, name: str) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"inn-{name}"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    s = buf.getvalue()
    s = s[s.index("<svg"):]  # drop the XML declaration and DOCTYPE: inline SVG in HTML5
    return s.replace("<svg ", f'<svg role="img" aria-label="{_esc(name)}" class="plot" ', 1)


def _pareto_fig(summary: pd.DataFrame, dataset: str, metric: str, measure: str):
    import matplotlib

    s = summary[summary["dataset"] == dataset]
    x, y, e = (s[f"{measure}_mean"].to_numpy(float), s[f"{metric}_mean"].to_numpy(float),
               s[f"{metric}_std"].fillna(0).to_numpy(float))
    fig = _figure(figsize=(7.2, 4.2))
    ax = fig.subplots()
    finite = np.isfinite(x) & np.isfinite(y)
    cmap = matplotlib.colormaps["tab10"]
    for k, (xi, yi, ei, label) in enumerate(zip(x, y, e, s["label"])):
        if np.isfinite(xi) and np.isfinite(yi):
            ax.errorbar(xi, yi, yerr=ei, fmt="o", ms=7, capsize=3, color=cmap(k % 10))
            ax.annotate(label, (xi, yi), textcoords="offset points", xytext=(6, 5), fontsize=8)
    front = pareto_front(x, y, _HIGHER_IS_BETTER.get(metric, True))
    if len(front) > 1:
        ax.step(x[front], y[front], where="post", color="#444", lw=1, ls="--", label="Pareto front")
    if finite.any() and np.nanmin(x[finite]) > 0 and np.nanmax(x[finite]) / np.nanmin(x[finite]) > 20:
        ax.set_xscale("log")
    ax.set_xlabel(f"{_LABELS.get(measure, measure)} (mean over cells; fewer is simpler)")
    ax.set_ylabel(f"{_LABELS.get(metric, metric)} (mean ± std)")
    ax.set_title(f"{dataset}: accuracy vs complexity")
    ax.grid(alpha=0.3)
    if len(front) > 1:
        ax.legend(fontsize=8, loc="lower right")
    return fig


def _pareto_svg(summary: pd.DataFrame, dataset: str, metric: str, measure: str) -> str:
    return _svg(_pareto_fig(summary, dataset, metric, measure), f"pareto-{dataset}")


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
        The x axis (see :data:`~interpretable_nn.studies.complexity.COMPLEXITY_MEASURES`).
    """
    if complexity not in COMPLEXITY_MEASURES:
        raise ValueError(f"complexity must be one of {list(COMPLEXITY_MEASURES)}; got {complexity!r}.")
    df = _load(results)
    if df.empty:
        raise ValueError("The study store holds no cells yet; run a study first.")
    dataset = df["dataset"].iloc[0] if dataset is None else dataset
    if dataset not in set(df["dataset"]):
        raise ValueError(f"No cells for data set {dataset!r}; the study has {sorted(set(df['dataset']))}.")
    metric = _primary(df)
    summary = summarize(df)
    for col in (f"{complexity}_mean", f"{metric}_mean", f"{metric}_std"):
        if col not in summary:
            summary[col] = math.nan
    return _pareto_fig(summary, dataset, metric, complexity)


def _shape_svg(curves: list[dict], dataset: str, label: str, max_features: int = 16) -> str:
    names: dict[str, float] = {}
    for c in curves:
        for f, d in c.items():
            v = np.asarray(d["contribution"], float)
            names[f] = max(names.get(f, 0.0), float(np.ptp(v)) if len(v) else 0.0)
    feats = sorted(names, key=lambda f: -names[f])[:max_features]
    ncol = min(4, len(feats))
    nrow = math.ceil(len(feats) / ncol)
    fig = _figure(figsize=(3.1 * ncol, 2.4 * nrow), layout="tight")
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for ax, f in zip(axes.ravel(), feats):
        ds = [c[f] for c in curves if f in c]
        if ds[0]["kind"] == "numeric":
            for d in ds:
                ax.plot(d["value"], d["contribution"], color="#1f77b4", alpha=max(0.15, 1 / len(ds)), lw=1.2)
        else:
            levels = list(dict.fromkeys(v for d in ds for v in d["value"]))
            vals = np.array([[dict(zip(d["value"], d["contribution"])).get(lv, np.nan) for lv in levels] for d in ds])
            ax.bar(range(len(levels)), np.nanmean(vals, 0), yerr=np.nanstd(vals, 0), color="#1f77b4", alpha=0.8)
            ax.set_xticks(range(len(levels)), [str(v)[:10] for v in levels], rotation=45, ha="right", fontsize=7)
        ax.axhline(0, color="#999", lw=0.6)
        if ds[0]["kind"] == "numeric":
            ax.locator_params(axis="x", nbins=4)
            ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
        ax.set_title(f, fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(feats):]:
        ax.axis("off")
    fig.suptitle(f"{dataset} — {label}: shape functions (log-odds contribution; one line per cell)", fontsize=10)
    return _svg(fig, f"shapes-{dataset}")


# ---------------------------------------------------------------------- tables
def _fmt(mean: float, std: float, digits: int) -> str:
    if not np.isfinite(mean):
        return "—"
    s = f"{mean:.{digits}f}"
    return s + (f" ± {std:.{digits}f}" if np.isfinite(std) else "")


def _digits(m: str) -> int:
    return 4 if m in ("auc", "r2", "surrogate_fidelity", "crosscheck_agreement") else \
        3 if m in ("accuracy", "log_loss", "brier") else 2 if m.endswith("_time") else 0


def _table(summary: pd.DataFrame, metrics: list[str], best: str | None = None) -> str:
    """mean ± std per model; complexity measures as their mean (a property of the model)."""
    cols = [m for m in metrics if f"{m}_mean" in summary and summary[f"{m}_mean"].notna().any()]
    head = "".join(f"<th>{_esc(_LABELS.get(m, m))}</th>" for m in cols)
    out = [f'<div class="scroll"><table><thead><tr><th class="l">model</th><th>cells</th>{head}</tr></thead><tbody>']
    for r in summary.itertuples(index=False):
        r = r._asdict()
        cls = ' class="best"' if r["label"] == best else ""
        cells = "".join(
            f"<td>{_fmt(r[f'{m}_mean'], math.nan if m in COMPLEXITY_MEASURES else r[f'{m}_std'], _digits(m))}</td>"
            for m in cols)
        fails = f" ({r['failed']} failed)" if r["failed"] else ""
        out.append(f'<tr{cls}><td class="l">{_esc(r["label"])}</td><td>{r["cells"]}{fails}</td>{cells}</tr>')
    return "".join(out) + "</tbody></table></div>"


def _frame_table(df: pd.DataFrame, left: int = 1) -> str:
    head = "".join(f'<th{" class=l" if i < left else ""}>{_esc(c)}</th>' for i, c in enumerate(df.columns))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=l" if i < left else ""}>{_esc(v)}</td>' for i, v in enumerate(r)) + "</tr>"
        for r in df.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fidelity_note(check) -> str:
    """The check a rule set carries (a :class:`Fidelity`, or its dict from an older file),
    as one sentence; empty when it carries none."""
    if not isinstance(check, Mapping) or not check:
        return ""
    return " Check: " + _esc(Fidelity.from_dict(check).summary()) + "."


def _positive_words(dataset: str, classes) -> str:
    """What a score is the log-odds of, in the data's words: ``"Status = bad"`` for a built-in
    data set whose positive class is coded 1, else the class label itself."""
    pos = classes[1]
    if pos in (1, True, "1"):
        try:
            from ..datasets import load_dataset

            ds = load_dataset(str(dataset))
            if ds.positive_label is not None:
                return f"{ds.target} = {ds.positive_label}"
        except Exception:  # noqa: BLE001 - an unknown data set keeps the class label
            pass
    return f"class {pos}"


def _ruleset_section(df: pd.DataFrame, metric: str) -> str:
    from ..rules.ruleset import RuleSet

    has = df[[isinstance(d, dict) and "ruleset" in d.get("artefacts", {}) for d in df["details"]]]
    if has.empty:
        return ""
    out = ["<h2>Best rule set</h2>"]
    for dataset, g in has.groupby("dataset", sort=False):
        asc = not _HIGHER_IS_BETTER.get(metric, True)
        r = g.sort_values(metric, ascending=asc).iloc[0]
        rs = RuleSet.from_json(r["details"]["artefacts"]["ruleset"])
        rows = [{"#": k + 1, "IF": rule.condition_text(), "THEN points": f"{rule.weight:+.3f}",
                 "support": "—" if rule.support is None else f"{rule.support:.3f}",
                 "precision": "—" if rule.precision is None else f"{rule.precision:.3f}"}
                for k, rule in enumerate(rs.rules)]
        out.append(
            f"<h3>{_esc(dataset)} — {_esc(r['label'])} (seed {r['seed']}, fold {r['fold']}: "
            f"{_LABELS.get(metric, metric)} {r[metric]:.4f})</h3>"
            f"<p>score = {rs.intercept:+.3f} + the points of every rule that fires"
            f"{' (log-odds of ' + _esc(_positive_words(dataset, rs.classes)) + ')' if rs.link == 'logit' else ''}; "
            f"{rs.n_rules} rules, {rs.n_conditions} conditions.{_fidelity_note(rs.metadata.get('fidelity'))}</p>"
        )
        out.append(_frame_table(pd.DataFrame(rows), left=2) if rows else "<p>(no rules: intercept only)</p>")
    return "".join(out)


def _shape_section(df: pd.DataFrame, summary: pd.DataFrame, metric: str) -> str:
    out = []
    for dataset in summary["dataset"].unique():
        g = df[(df["dataset"] == dataset) & (df["status"] == "ok")]
        mask = [isinstance(d, dict) and "shape_functions" in d.get("artefacts", {}) for d in g["details"]]
        g = g[mask]
        if g.empty:
            continue
        s = summary[(summary["dataset"] == dataset) & summary["label"].isin(g["label"])]
        best = s.sort_values(f"{metric}_mean", ascending=not _HIGHER_IS_BETTER.get(metric, True))["label"].iloc[0]
        curves = [d["artefacts"]["shape_functions"] for d in g[g["label"] == best]["details"]]
        out.append(f"<h3>{_esc(dataset)} — {_esc(best)}</h3><figure>{_shape_svg(curves, dataset, best)}"
                   f"<figcaption>Shape functions of the best additive model ({len(curves)} cells overlaid: "
                   "where the lines agree, the learnt effect is stable across seeds and folds).</figcaption></figure>")
    return "<h2>Shape functions</h2>" + "".join(out) if out else ""


def _check_section(df: pd.DataFrame, summary: pd.DataFrame, column: str, title: str, note: str) -> str:
    if column not in df or not pd.to_numeric(df[column], errors="coerce").notna().any():
        return ""
    s = summary[summary[f"{column}_mean"].notna()]
    t = pd.DataFrame({"data set": s["dataset"], "model": s["label"],
                      title: [_fmt(m, sd, 4) for m, sd in zip(s[f"{column}_mean"], s[f"{column}_std"])]})
    return f"<h2>{_esc(title)}</h2><p class='muted'>{_esc(note)}</p>{_frame_table(t, left=2)}"


_FAIRNESS = {
    "demographic_parity_difference": "demographic parity diff.",
    "demographic_parity_ratio": "parity ratio (4/5 rule)",
    "equal_opportunity_difference": "equal opportunity diff.",
    "auc_gap": "AUC gap",
    "sensitive_share": "share of the score",
}


def _fairness_section(df: pd.DataFrame) -> str:
    rows = []
    for r in df[df["status"] == "ok"].itertuples(index=False):
        fair = r.details.get("checks", {}).get("fairness", {}) if isinstance(r.details, dict) else {}
        for attr, a in (fair.get("attributes") or {}).items():
            rows.append({"dataset": r.dataset, "label": r.label, "attribute": attr,
                         **{k: pd.to_numeric(a.get(k), errors="coerce") for k in _FAIRNESS}})
    if not rows:
        return ""
    f = pd.DataFrame(rows)
    g = f.groupby(["dataset", "label", "attribute"], sort=False)[list(_FAIRNESS)].agg(["mean", "std", "count"])
    t = pd.DataFrame({"data set": [i[0] for i in g.index], "model": [i[1] for i in g.index],
                      "attribute": [i[2] for i in g.index], "cells": g[(next(iter(_FAIRNESS)), "count")].to_numpy(),
                      **{name: [_fmt(m, s, 3) for m, s in zip(g[(k, "mean")], g[(k, "std")])]
                         for k, name in _FAIRNESS.items()}})
    return ("<h2>Fairness</h2><p class='muted'>Audit of each protected attribute on the held-out fold "
            "(decision: P(adverse) &gt; 0.5), mean ± std over the audited cells: the largest gap in adverse-decision "
            "rates between groups (demographic parity) and their ratio, the gap in favourable decisions among the "
            "truly favourable rows (equal opportunity), the gap in ROC AUC, and the share of the score carried by "
            "the attribute itself.</p>" + _frame_table(t, left=3))


def _failures_section(df: pd.DataFrame) -> str:
    bad = df[df["status"] == "failed"]
    if bad.empty:
        return ""
    t = pd.DataFrame({"data set": bad["dataset"], "model": bad["label"], "seed": bad["seed"], "fold": bad["fold"],
                      "error": [str(e).splitlines()[0][:300] if e else "" for e in bad["error"]]})
    return (f"<h2>Failed cells ({len(bad)})</h2><p class='muted'>Stored with their traceback; rerun with "
            "<code>retry_failed=True</code> (<code>--retry-failed</code>) after a fix.</p>" + _frame_table(t, left=5))


# ---------------------------------------------------------------------- the page
def build_report(results, complexity: str = "n_parameters", title: str = "Accuracy vs interpretability") -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    if complexity not in COMPLEXITY_MEASURES:
        raise ValueError(f"complexity must be one of {list(COMPLEXITY_MEASURES)}; got {complexity!r}.")
    df = _load(results)
    if df.empty:
        raise ValueError("The study store holds no cells yet; run a study first.")
    from .._version import __version__

    metric = _primary(df)
    summary = summarize(df)
    for col in (f"{complexity}_mean", f"{metric}_mean", f"{metric}_std"):
        if col not in summary:
            summary[col] = math.nan
    ok = df[df["status"] == "ok"]
    versions = sorted(df["library_version"].dropna().unique()) if "library_version" in df else []
    parts = [
        f"<h1>{_esc(title)}</h1>",
        f"<p class='muted'>{len(ok)} cells ok, {len(df) - len(ok)} failed · data sets: "
        f"{_esc(', '.join(df['dataset'].unique()))} · models: {_esc(', '.join(df['label'].unique()))} · seeds: "
        f"{_esc(', '.join(map(str, sorted(df['seed'].dropna().unique()))))} · compute "
        f"{pd.to_numeric(df['cell_time'], errors='coerce').sum() / 60:.1f} min · interpretable_nn "
        f"{_esc(', '.join(versions) or '?')} (report by {_esc(__version__)})</p>",
    ]
    measures = ["fit_time", *COMPLEXITY_MEASURES]
    scores = [m for m in ("auc", "log_loss", "accuracy", "r2", "rmse", "mae") if m in df]
    for dataset in df["dataset"].unique():
        s = summary[summary["dataset"] == dataset]
        hashes = sorted(df.loc[df["dataset"] == dataset, "data_hash"].dropna().unique())
        asc = not _HIGHER_IS_BETTER.get(metric, True)
        best = s.sort_values(f"{metric}_mean", ascending=asc)["label"].iloc[0] if s[f"{metric}_mean"].notna().any() \
            else None
        parts.append(f"<h2>{_esc(dataset)}</h2><p class='muted'>data hash {_esc(', '.join(hashes))}; "
                     f"{_esc(_LABELS.get(metric, metric))} on held-out folds; best: {_esc(best)}</p>")
        if s[f"{complexity}_mean"].notna().any() and s[f"{metric}_mean"].notna().any():
            parts.append(f"<figure>{_pareto_svg(summary, dataset, metric, complexity)}<figcaption>Each point is a "
                         "model configuration (mean over seeds and folds, bar = std); the dashed line joins the "
                         "configurations no other beats on both accuracy and simplicity.</figcaption></figure>")
        parts.append(_table(s, [*scores, *measures], best))
    parts.append(_shape_section(df, summary, metric))
    parts.append(_ruleset_section(df[df["status"] == "ok"], metric))
    parts.append(_check_section(df, summary, "surrogate_fidelity", "Surrogate fidelity",
                                "How well a depth-4 decision tree distilled from each model reproduces it on the "
                                "held-out fold (mean ± std over cells)."))
    parts.append(_check_section(df, summary, "crosscheck_agreement", "Explanation cross-check",
                                "Agreement of each model's built-in explanation with SHAP on held-out rows."))
    parts.append(_fairness_section(df))
    parts.append(_failures_section(df))
    meta = {"created_with": f"interpretable_nn {__version__}", "complexity_axis": complexity, "primary": metric}
    body = "".join(p for p in parts if p)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>{body}"
            f"<p class='muted'>{_esc(json.dumps(meta))}</p></body></html>")


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
        The x axis of the Pareto plots: one of
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
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(build_report(results, complexity=complexity, title=title), encoding="utf-8")
    return p

"""The figures of the study report, drawn with matplotlib (pyplot-free: the caller's backend
and open figures are left alone) and inlined as SVG.

* :func:`pareto_fig`: accuracy against a complexity a person can count (terms, rules or
  prototypes), black boxes as reference lines; or against parameters (the second view).
* :func:`shapes_fig`: shape functions drawn as ``NAMClassifier.plot_shape_functions``
  draws them (curve, band, data density, the missing level, axis labels), ranked by
  importance; the other cells of the model as thin lines.
* :func:`interactions_fig`: interaction heat maps on one shared, labelled colour scale.
* :func:`waterfall_fig`: one applicant's scorecard points, from the base to the score.
"""

from __future__ import annotations

import html
import io
import math

import numpy as np
import pandas as pd

from ..data.dtypes import days_text

__all__ = ["svg", "pareto_front", "pareto_fig", "shapes_fig", "interactions_fig", "waterfall_fig", "READABLE", "LABELS",
           "HIGHER_IS_BETTER"]

#: whether a higher value of a score is better (else lower)
HIGHER_IS_BETTER = {"auc": True, "gini": True, "ks": True, "accuracy": True, "r2": True, "log_loss": False,
                    "rmse": False, "brier": False, "mae": False}

LABELS = {
    "auc": "ROC AUC", "gini": "Gini", "ks": "KS", "log_loss": "log-loss", "accuracy": "accuracy", "brier": "Brier",
    "r2": "R²", "rmse": "RMSE", "mae": "MAE", "fit_time": "fit s", "predict_time": "predict s",
    "n_parameters": "parameters", "n_terms": "terms", "n_interactions": "interactions", "n_rules": "rules",
    "n_conditions": "conditions", "n_prototypes": "prototypes", "readable": "readable size",
    "surrogate_fidelity": "surrogate agreement", "crosscheck_agreement": "SHAP rank correlation",
}
#: what a reviewer reads of a model, first found: its rules, its prototypes or its terms
READABLE = (("n_rules", "rules"), ("n_prototypes", "prototypes"), ("n_terms", "terms"))
_BLUE, _RED, _GREY = "#4C72B0", "#C44E52", "0.45"
#: for every text holding a user's name (data set, model, feature, level, title): drawn as
#: written, never as matplotlib mathtext ("fees ($) vs income ($)" lost its "$" signs)
_PLAIN = {"parse_math": False}


def _figure(**kw):
    from matplotlib.figure import Figure

    return Figure(**kw)


def svg(fig, name: str) -> str:
    """``fig`` as an inline SVG element (no XML declaration), labelled for screen readers."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"inn-{name}"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    s = buf.getvalue()
    s = s[s.index("<svg"):]
    return s.replace("<svg ", f'<svg role="img" aria-label="{html.escape(name, quote=True)}" class="plot" ', 1)


def readable_size(row) -> tuple[float, str]:
    """(size, unit) a person counts for one summary row: rules, prototypes or terms; NaN
    for a black box."""
    for col, unit in READABLE:
        v = row.get(f"{col}_mean", math.nan)
        if v is not None and np.isfinite(v):
            return float(v), unit
    return math.nan, ""


# ---------------------------------------------------------------------- Pareto
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


def pareto_fig(s: pd.DataFrame, dataset: str, metric: str, measure: str, higher_is_better: bool = True):
    """Mean ``metric`` (± std) against ``measure`` per model of ``dataset``'s summary ``s``.

    ``measure="readable"``: the size a reviewer reads (rules, prototypes or terms, labelled
    per point); models without one (black boxes) are drawn as horizontal reference lines.
    """
    import matplotlib

    if measure == "readable":
        sizes = [readable_size(r) for r in s.to_dict("records")]
        x = np.array([v for v, _ in sizes], float)
        units = [u for _, u in sizes]
    else:
        x = s[f"{measure}_mean"].to_numpy(float)
        units = [""] * len(s)
    y, e = s[f"{metric}_mean"].to_numpy(float), s[f"{metric}_std"].fillna(0).to_numpy(float)
    fig = _figure(figsize=(7.4, 4.4))
    ax = fig.subplots()
    cmap = matplotlib.colormaps["tab10"]
    finite = np.isfinite(x) & np.isfinite(y)
    for k, (xi, yi, ei, label, unit) in enumerate(zip(x, y, e, s["label"], units)):
        if not np.isfinite(yi):
            continue
        if np.isfinite(xi):
            ax.errorbar(xi, yi, yerr=ei, fmt="o", ms=7, capsize=3, color=cmap(k % 10))
            text = f"{label} ({xi:.0f} {unit})" if unit else label
            ax.annotate(text, (xi, yi), textcoords="offset points", xytext=(6, 5), fontsize=8, **_PLAIN)
        elif measure == "readable":
            ax.axhline(yi, color=cmap(k % 10), lw=1, ls=":")
            ax.annotate(f"{label} (black box)", (1, yi), xycoords=("axes fraction", "data"), xytext=(-4, 3),
                        textcoords="offset points", ha="right", fontsize=8, color=cmap(k % 10), **_PLAIN)
    front = pareto_front(x, y, higher_is_better)
    if len(front) > 1:
        ax.step(x[front], y[front], where="post", color="#444", lw=1, ls="--", label="Pareto front")
        ax.legend(fontsize=8, loc="lower right")
    if finite.any() and np.nanmin(x[finite]) > 0 and np.nanmax(x[finite]) / np.nanmin(x[finite]) > 20:
        ax.set_xscale("log")
    if measure == "readable":
        ax.set_xlabel("what a reviewer reads: rules, prototypes or terms (mean over cells; fewer is simpler)")
    else:
        ax.set_xlabel(f"{LABELS.get(measure, measure)} (mean over cells; fewer is simpler)")
    ax.set_ylabel(f"{LABELS.get(metric, metric)} on held-out folds (mean ± std)")
    ax.set_title(f"{dataset}: accuracy vs complexity" + (" (parameters)" if measure == "n_parameters" else ""),
                 **_PLAIN)
    ax.grid(alpha=0.3)
    return fig


# ---------------------------------------------------------------------- shape functions
def _arr(d: dict, key: str, n: int) -> np.ndarray:
    v = d.get(key)
    if v is None or len(v) != n:
        return np.full(n, np.nan)
    return np.array([np.nan if x is None else x for x in v], float)


def _numeric_panel(ax, main: dict, others: list[dict], output: str, name: str) -> None:
    x = np.asarray(main["value"], float)
    c = _arr(main, "contribution", len(x))
    for d in others:
        ax.plot(np.asarray(d["value"], float), _arr(d, "contribution", len(d["value"])), color=_BLUE, alpha=0.25, lw=0.8)
    lo, hi = _arr(main, "lower", len(x)), _arr(main, "upper", len(x))
    if np.isfinite(lo).any() and np.nanmax(hi - lo) > 0:
        ax.fill_between(x, lo, hi, color=_BLUE, alpha=0.22, lw=0, label="band (bags, 95%)")
    ax.plot(x, c, color=_BLUE, lw=1.8)
    ylo, yhi = ax.get_ylim()
    dens = _arr(main, "density", len(x))
    if np.isfinite(dens).any() and np.nanmax(dens) > 0:  # density rug: share of training rows
        ax.vlines(x, ylo, ylo + 0.15 * (yhi - ylo) * np.nan_to_num(dens) / np.nanmax(dens), color=_GREY, lw=1.0,
                  alpha=0.7)
    m = main.get("missing")
    if m and m.get("contribution") is not None:
        span = float(x.max() - x.min()) if len(x) > 1 else 1.0
        xm = float(x.max() if len(x) else 0.0) + 0.08 * span
        cm = m["contribution"]
        err = None
        if m.get("lower") is not None and m.get("upper") is not None:
            err = [[cm - m["lower"]], [m["upper"] - cm]]
        ax.errorbar([xm], [cm], yerr=err, fmt="D", color=_RED, capsize=3)
        ax.annotate("missing", (xm, cm), textcoords="offset points", xytext=(4, 4), fontsize=7, color=_RED)
    ax.locator_params(axis="x", nbins=4)
    if main.get("time") in ("date", "datetime"):  # days since 1970 on the axis, dates in its labels
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(4, integer=main["time"] == "date"))  # whole days' ticks: on days
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _, k=main["time"]: days_text(v, k)))
        ax.tick_params(axis="x", labelrotation=30)
    else:
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 5))
    ax.set_xlabel(name + (" (days)" if main.get("time") == "timedelta" else ""), fontsize=8, **_PLAIN)
    ax.set_ylabel(output, fontsize=8, **_PLAIN)


def _categorical_panel(ax, main: dict, others: list[dict], output: str, name: str) -> None:
    levels = [str(v) for v in main["value"]]
    c = _arr(main, "contribution", len(levels))
    lo, hi = _arr(main, "lower", len(levels)), _arr(main, "upper", len(levels))
    m = main.get("missing")
    colors = [_BLUE] * len(levels)
    if m and m.get("contribution") is not None:
        levels.append("missing")
        c = np.r_[c, m["contribution"]]
        lo = np.r_[lo, np.nan if m.get("lower") is None else m["lower"]]
        hi = np.r_[hi, np.nan if m.get("upper") is None else m["upper"]]
        colors.append(_RED)
    err = np.vstack([c - lo, hi - c]) if np.isfinite(lo).all() and np.isfinite(hi).all() else None
    ax.bar(range(len(c)), c, color=colors, yerr=err, capsize=3, alpha=0.85)
    for d in others:  # the other cells: a tick per level
        other = dict(zip(map(str, d["value"]), d["contribution"]))
        ys = [other.get(lv, np.nan) for lv in levels]
        ax.plot(range(len(levels)), ys, "_", color="black", ms=10, alpha=0.4)
    ax.set_xticks(range(len(levels)), [lv[:14] for lv in levels], rotation=40, ha="right", fontsize=7, **_PLAIN)
    ax.set_xlabel(name, fontsize=8, **_PLAIN)
    ax.set_ylabel(output, fontsize=8, **_PLAIN)


def shapes_fig(curves: list[dict], order: list[str], output: str, title: str, max_features: int = 16):
    """Shape functions of one model: the first cell's curves in full (band, density, missing
    level), the other cells' as thin lines; panels in ``order`` (by importance)."""
    feats = [f for f in order if f in curves[0]][:max_features]
    ncol = min(4, max(1, len(feats)))
    nrow = max(1, math.ceil(len(feats) / ncol))
    fig = _figure(figsize=(3.3 * ncol, 2.7 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for k, (ax, f) in enumerate(zip(axes.ravel(), feats)):
        main, others = curves[0][f], [c[f] for c in curves[1:] if f in c]
        if main["kind"] == "numeric":
            _numeric_panel(ax, main, others, output, f)
        else:
            _categorical_panel(ax, main, others, output, f)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(f"{k + 1}. {f}", fontsize=9, **_PLAIN)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(feats):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10, **_PLAIN)
    return fig


def _ticks(vals: list, n: int = 5) -> tuple[np.ndarray, list[str]]:
    idx = np.unique(np.linspace(0, len(vals) - 1, min(len(vals), n)).round().astype(int))
    out = []
    for v in np.asarray(vals, dtype=object)[idx]:
        out.append(f"{v:,.3g}" if isinstance(v, int | float) and v is not None else str(v)[:12])
    return idx, out


def interactions_fig(grids: list[tuple[str, dict]], output: str, title: str):
    """Heat maps of the interaction terms, all on one symmetric colour scale (one colour bar,
    labelled), readable ticks on both axes."""
    lim = max(float(np.nanmax(np.abs(np.array(g["contribution"], float)))) for _, g in grids) or 1.0
    ncol = min(3, len(grids))
    nrow = math.ceil(len(grids) / ncol)
    fig = _figure(figsize=(3.6 * ncol + 0.8, 3.0 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False)
    im = None
    for ax, (name, g) in zip(axes.ravel(), grids):
        z = np.array([[np.nan if v is None else v for v in row] for row in g["contribution"]], float)
        # vector cells (pcolormesh, not imshow): the SVG holds no embedded bitmap
        im = ax.pcolormesh(np.ma.masked_invalid(z), cmap="RdBu_r", vmin=-lim, vmax=lim)
        yi, yl = _ticks(g["a_values"])
        xi, xl = _ticks(g["b_values"])
        ax.set_yticks(yi + 0.5, yl, fontsize=7, **_PLAIN)
        ax.set_xticks(xi + 0.5, xl, fontsize=7, rotation=35, ha="right", **_PLAIN)
        ax.set_ylabel(g["a"], fontsize=8, **_PLAIN)
        ax.set_xlabel(g["b"], fontsize=8, **_PLAIN)
        imp = g.get("importance")
        ax.set_title(name + (f"  (mean |effect| {imp:.3f})" if imp is not None else ""), fontsize=8, **_PLAIN)
    for ax in axes.ravel()[len(grids):]:
        ax.set_visible(False)
    cb = fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.85)
    cb.solids.set_rasterized(False)  # vector, like the cells: no embedded bitmap
    cb.set_label(f"{output} contribution (one scale for all panels)", fontsize=8, **_PLAIN)
    fig.suptitle(title, fontsize=10, **_PLAIN)
    return fig


# ---------------------------------------------------------------------- waterfall
def waterfall_fig(base: float, terms: list[tuple[str, float]], cutoff: float | None, title: str):
    """Base points, then each term's points (largest effects first; the rest grouped), then
    the score; ``cutoff`` (the score at P(adverse) = 0.5) as a dashed line."""
    terms = sorted(terms, key=lambda t: -abs(t[1]))
    shown, rest = terms[:12], terms[12:]
    if rest:
        shown.append((f"{len(rest)} other terms", float(sum(p for _, p in rest))))
    labels = ["base points", *[t for t, _ in shown], "score"]
    fig = _figure(figsize=(7.6, 0.32 * len(labels) + 1.3))
    ax = fig.subplots()
    run = base
    ax.barh(0, base, color="0.6")
    for k, (_, p) in enumerate(shown, start=1):
        ax.barh(k, p, left=run, color=_BLUE if p >= 0 else _RED)
        ax.annotate(f"{p:+.0f}", (run + p, k), xytext=(3 if p >= 0 else -3, 0), textcoords="offset points",
                    va="center", ha="left" if p >= 0 else "right", fontsize=7)
        run += p
    ax.barh(len(labels) - 1, run, color="#333")
    ax.annotate(f"{run:.0f}", (run, len(labels) - 1), xytext=(3, 0), textcoords="offset points", va="center",
                fontsize=8, fontweight="bold")
    path = base + np.r_[0.0, np.cumsum([p for _, p in shown])]
    lo, hi = float(path.min()), float(path.max())
    if cutoff is not None and np.isfinite(cutoff):
        lo, hi = min(lo, cutoff), max(hi, cutoff)
    pad = 0.12 * (hi - lo) + 5
    ax.set_xlim(max(0.0, lo - pad), hi + pad)
    if cutoff is not None and np.isfinite(cutoff):
        ax.axvline(cutoff, color=_RED, ls="--", lw=1)
        ax.annotate(f"cut-off {cutoff:.0f}", (cutoff, len(labels) - 0.4), color=_RED, fontsize=7, ha="left",
                    xytext=(3, 0), textcoords="offset points")
    ax.set_yticks(range(len(labels)), [t[:34] for t in labels], fontsize=7, **_PLAIN)
    ax.invert_yaxis()
    ax.set_xlabel("points (higher = lower risk)")
    ax.set_title(title, fontsize=9, **_PLAIN)
    ax.grid(axis="x", alpha=0.3)
    return fig

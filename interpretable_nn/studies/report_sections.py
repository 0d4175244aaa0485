"""The sections of the study report as plain data for the Jinja2 template
(``templates/report.html.j2``): each section is ``{"id", "title", "intro", "blocks"}`` and
each block one of ``{"kind": "text" | "figure" | "table" | "details" | "terms", ...}``. The
template does the HTML (and the escaping); this module decides what to show.

Sections: per data set the models (a risk manager's figures: ROC AUC, Gini, KS, Brier, and
the complexity a person can count); the scorecard of the best additive model with reason
codes for declined applicants and one applicant's points; its shape functions and
interaction heat maps; the best rule set; the checks, each named and explained with its
threshold; fairness; failed cells.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..attribution.fidelity import Fidelity, wilson_interval
from .report_figures import (
    HIGHER_IS_BETTER as rf_HIGHER_IS_BETTER,
)
from .report_figures import (
    LABELS as rf_LABELS,
)
from .report_figures import (
    interactions_fig as rf_interactions_fig,
)
from .report_figures import (
    shapes_fig as rf_shapes_fig,
)
from .report_figures import (
    svg as rf_svg,
)
from .report_figures import (
    waterfall_fig as rf_waterfall_fig,
)

__all__ = ["CHECKS", "checks_section", "scorecard_section", "shapes_section", "ruleset_section",
           "fairness_section", "failures_section", "table_block", "fmt"]

#: a pair is drawn when its mean |effect| on held-out applicants reaches one scorecard point
#: (ln 2 / 20 log-odds: 20 points double the odds); the others are listed as negligible
NEGLIGIBLE = math.log(2) / 20
#: applicants' reasons shown per applicant
N_REASONS = 4


def fmt(mean: float, std: float = math.nan, digits: int = 3) -> str:
    """``mean ± std`` (``—`` when the mean is missing)."""
    if mean is None or not np.isfinite(mean):
        return "—"
    s = f"{mean:.{digits}f}"
    return s + (f" ± {std:.{digits}f}" if std is not None and np.isfinite(std) else "")


def table_block(df: pd.DataFrame, left: int | list[int] = 1, best: str | None = None, key: str | None = None) -> dict:
    """A table block: the frame's columns and rows as text; the first ``left`` columns (or
    those listed) are left-aligned text; rows whose ``key`` column equals ``best`` are
    highlighted."""
    rows = []
    for r in df.itertuples(index=False):
        cells = ["" if v is None else str(v) for v in r]
        rows.append({"cells": cells, "best": key is not None and best is not None and getattr(r, key) == best})
    lefts = list(range(left)) if isinstance(left, int) else [int(i) for i in left]
    return {"kind": "table", "columns": [str(c) for c in df.columns], "rows": rows, "left": lefts}


def _text(text: str) -> dict:
    return {"kind": "text", "text": text}


def _figure(svg: str, caption: str) -> dict:
    return {"kind": "figure", "svg": svg, "caption": caption}


def _artefact_cells(df: pd.DataFrame, name: str) -> pd.DataFrame:
    ok = df[df["status"] == "ok"]
    return ok[[isinstance(d, dict) and name in (d.get("artefacts") or {}) for d in ok["details"]]]


def _best_label(g: pd.DataFrame, summary: pd.DataFrame, dataset: str, metric: str) -> str:
    s = summary[(summary["dataset"] == dataset) & summary["label"].isin(g["label"])]
    return s.sort_values(f"{metric}_mean", ascending=not rf_HIGHER_IS_BETTER.get(metric, True))["label"].iloc[0]


def _first_cell(g: pd.DataFrame):
    return g.sort_values(["seed", "fold"]).iloc[0]


# ---------------------------------------------------------------------- checks
#: each check figure: (column or check name, title, what it means, threshold text, passes(value))
CHECKS = {
    "surrogate": (
        "surrogate agreement on held-out rows",
        "the share of held-out applicants on which a depth-4 decision tree distilled from the model takes the "
        "model's decision: how far a reviewer may read the tree in place of the model",
        "≥ 0.90", lambda v: v >= 0.90),
    "crosscheck": (
        "SHAP rank correlation",
        "per applicant, the Spearman rank correlation between the model's own explanation and SHAP values of "
        "its log-odds, averaged over the explained held-out applicants: 1 means both name the same drivers in "
        "the same order",
        "≥ 0.80", lambda v: v >= 0.80),
    "crosscheck_exact": (
        "additive explanation = SHAP",
        "for an additive model the explanation is exact interventional SHAP: the largest difference between the "
        "two, in log-odds, on the explained applicants",
        "≤ 1e-5", lambda v: v <= 1e-5),
    "scorecard_auc": (
        "scorecard AUC lost",
        "ROC AUC of the model minus ROC AUC of its points scorecard (rounded points, binned features) on the "
        "held-out fold: what binning and rounding cost in ranking power",
        "≤ 0.005", lambda v: v <= 0.005),
    "scorecard_rank": (
        "scorecard rank correlation",
        "Spearman correlation between scorecard points and the model's score on the held-out fold: whether the "
        "card orders applicants as the model does",
        "≥ 0.99", lambda v: v >= 0.99),
    "ruleset": (
        "rule set agreement",
        "the share of rows on which the exported rule set decides as the network it was extracted from",
        "≥ 0.99", lambda v: v >= 0.99),
}


def _pooled_surrogate(g: pd.DataFrame) -> tuple[float, float, float, int]:
    k = n = 0.0
    for d in g["details"]:
        c = (d.get("checks") or {}).get("surrogate") or {}
        a, m = c.get("agreement"), c.get("n_rows")
        if isinstance(a, int | float) and isinstance(m, int | float) and m > 0 and np.isfinite(a):
            k += a * m
            n += m
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    lo, hi = wilson_interval(round(k), round(n))
    return k / n, lo, hi, int(n)


def _crosscheck_figures(g: pd.DataFrame) -> dict | None:
    vals, ns, sds, exact = [], [], [], []
    for d in g["details"]:
        c = (d.get("checks") or {}).get("crosscheck") or {}
        v = c.get("spearman_mean")
        if c.get("status") != "ok" or not isinstance(v, int | float) or not np.isfinite(v):
            continue
        vals.append(float(v))
        ns.append(int(c.get("n_rows") or c.get("rows") or 0))
        sds.append(c.get("spearman_sd"))
        if c.get("additive") and isinstance(c.get("max_abs_diff"), int | float):
            exact.append(float(c["max_abs_diff"]))
    if not vals:
        return None
    n = sum(ns)
    mean = float(np.average(vals, weights=ns)) if n else float(np.mean(vals))
    sd = [s for s in sds if isinstance(s, int | float) and np.isfinite(s)]
    half = 1.96 * float(np.mean(sd)) / math.sqrt(n) if sd and n > 1 else math.nan
    return {"mean": mean, "half": half, "n": n, "exact": max(exact) if exact else None}


def _verdict(key: str, v: float) -> str:
    if v is None or not np.isfinite(v):
        return "—"
    return "meets" if CHECKS[key][3](v) else "below threshold"


def checks_section(df: pd.DataFrame, summary: pd.DataFrame) -> dict | None:
    """Every check figure per model: named, its value with an interval where the rows allow,
    the rows it was computed on, its threshold and whether it meets it."""
    rows = []
    ok = df[df["status"] == "ok"]
    for (dataset, label), g in ok.groupby(["dataset", "label"], sort=False):
        p, lo, hi, n = _pooled_surrogate(g)
        if n:
            rows.append((dataset, label, "surrogate", f"{p:.3f} [{lo:.3f}, {hi:.3f}]",
                         f"{n:,} held-out ({len(g)} folds)", _verdict("surrogate", p)))
        elif "surrogate_fidelity" in g and g["surrogate_fidelity"].notna().any():  # an older store
            v = float(g["surrogate_fidelity"].mean())
            rows.append((dataset, label, "surrogate", f"{v:.3f}", "held-out", _verdict("surrogate", v)))
        cc = _crosscheck_figures(g)
        if cc is not None and cc["exact"] is not None:
            rows.append((dataset, label, "crosscheck_exact", f"{cc['exact']:.1e}", f"{cc['n']} held-out",
                         _verdict("crosscheck_exact", cc["exact"])))
        elif cc is not None:
            half = f" ± {cc['half']:.3f}" if np.isfinite(cc["half"]) else ""
            rows.append((dataset, label, "crosscheck", f"{cc['mean']:.3f}{half}", f"{cc['n']} held-out",
                         _verdict("crosscheck", cc["mean"])))
        rows += _artefact_checks(g, dataset, label)
    if not rows:
        return None
    t = pd.DataFrame(rows, columns=["data set", "model", "key", "value", "rows", "verdict"])
    t.insert(2, "check", [CHECKS[k][0] for k in t["key"]])
    t.insert(6, "threshold", [CHECKS[k][2] for k in t["key"]])
    used = list(dict.fromkeys(t["key"]))
    t = t.drop(columns="key")
    terms = [{"term": CHECKS[k][0], "text": f"{CHECKS[k][1]}. Threshold {CHECKS[k][2]}."} for k in used]
    intro = ("Each explanation or artefact is checked against the model it came from, on held-out applicants. "
             "Intervals are 95% (Wilson for shares; ± 1.96 standard errors for means).")
    return {"id": "checks", "title": "Checks", "intro": intro,
            "blocks": [{"kind": "terms", "items": terms}, table_block(t, left=3)]}


def _artefact_checks(g: pd.DataFrame, dataset: str, label: str) -> list[tuple]:
    """The scorecard's and the rule set's own checks, from the first cell that has them."""
    out = []
    cards = _artefact_cells(g, "scorecard")
    if len(cards):
        c = _card(_first_cell(cards))
        chk = c.check or {}
        am, ac = chk.get("auc_model"), chk.get("auc_scorecard")
        rows = f"{chk.n_rows:,} {'held-out' if chk.rows == 'given' else chk.rows}" if c.check is not None else ""
        if isinstance(am, int | float) and isinstance(ac, int | float):
            out.append((dataset, label, "scorecard_auc", f"{am - ac:+.4f} ({am:.4f} → {ac:.4f})", rows,
                        _verdict("scorecard_auc", am - ac)))
        if isinstance(chk.get("spearman"), int | float):
            out.append((dataset, label, "scorecard_rank", f"{chk['spearman']:.4f}", rows,
                        _verdict("scorecard_rank", chk["spearman"])))
    rules = _artefact_cells(g, "ruleset")
    if len(rules):
        from ..rules.ruleset import RuleSet

        rs = RuleSet.from_json(_first_cell(rules)["details"]["artefacts"]["ruleset"])
        f = rs.metadata.get("fidelity")
        if isinstance(f, Mapping) and f:
            f = Fidelity.from_dict(f)
            a = f.get("agreement")
            if isinstance(a, int | float):
                out.append((dataset, label, "ruleset", f"{a:.4f}", f"{f.n_rows:,} {f.rows}".strip(),
                            _verdict("ruleset", a)))
    return out


# ---------------------------------------------------------------------- scorecard
def _card(row):
    from ..rules.scorecard import Scorecard

    return Scorecard.from_json(row["details"]["artefacts"]["scorecard"])


def _cutoff(card) -> float | None:
    """The score at P(adverse) = 0.5 (odds 1:1)."""
    if card.pdo is None or card.base_score is None or card.base_odds is None:
        return None
    return card.base_score - card.pdo / math.log(2) * math.log(card.base_odds)


def scorecard_section(df: pd.DataFrame, summary: pd.DataFrame, metrics: Mapping[str, str],
                      words: str) -> dict | None:
    """The best additive model's scorecard, reason codes for declined applicants and one
    applicant's points as a waterfall. ``metrics``: each data set's headline score (ROC AUC
    for classification, R² for regression: a study may hold both)."""
    has = _artefact_cells(df, "scorecard")
    if has.empty:
        return None
    dataset = has["dataset"].iloc[0]
    has = has[has["dataset"] == dataset]
    label = _best_label(has, summary, dataset, metrics[dataset])
    g = has[has["label"] == label]
    with_app = g[[bool((d["artefacts"] or {}).get("applicants")) for d in g["details"]]]
    row = _first_cell(with_app if len(with_app) else g)
    card = _card(row)
    cut = _cutoff(card)
    blocks = [_text(
        f"{dataset} — {label} (seed {row['seed']}, fold {row['fold']}). Score = base points + the points of "
        f"each feature's bin (and of each interaction's cell); a higher score is a lower risk of {words}. "
        + (f"Scaling: {card.base_score:.0f} points at odds {card.base_odds:.0f}:1, the odds double every "
           f"{card.pdo:.0f} points; P({words}) = 0.5 at {cut:.0f} points. " if cut is not None else "")
        + (f"Check on {card.check.n_rows:,} {'held-out' if card.check.rows == 'given' else card.check.rows} "
           "rows: mean |points − model| "
           f"{card.check.get('mean_score_error', math.nan):.2f}, max {card.check.get('max_score_error', math.nan):.2f} "
           "points (binning and rounding)."
           if card.check is not None else ""))]
    blocks += _card_tables(card)
    app = (row["details"]["artefacts"] or {}).get("applicants")
    if app:
        blocks += _applicant_blocks(card, app, cut, words)
    return {"id": "scorecard", "title": "Scorecard", "intro": "", "blocks": blocks}


def _card_tables(card) -> list[dict]:
    t = card.table
    main = t[t["kind"].isin(["numeric", "categorical"])]
    spread = main.groupby("feature", sort=False)["points"].agg(lambda p: p.max() - p.min())
    order = list(spread.sort_values(ascending=False).index)
    tables = []
    for k, f in enumerate(order, start=1):
        g = main[main["feature"] == f]
        tables.append(table_block(pd.DataFrame({f"{k}. {f}": g["bin"].astype(str).to_numpy(),
                                                "points": [f"{p:+.0f}" for p in g["points"]]}), left=1))
    out = [_text(f"Base points: {card.base_points:.0f}. Features ranked by their range of points (the most "
                 "decisive first); a missing value takes the 'missing' bin."),
           {"kind": "grid", "blocks": tables}]
    pairs = t[t["kind"] == "pair"]
    if len(pairs):
        s = pairs.groupby("feature", sort=False)["points"].agg(["count", "min", "max"])
        s = s.assign(range=s["max"] - s["min"]).sort_values("range", ascending=False)
        summary = pd.DataFrame({"interaction": s.index, "cells": s["count"].to_numpy(),
                                "points from": [f"{v:+.0f}" for v in s["min"]],
                                "to": [f"{v:+.0f}" for v in s["max"]]})
        cells = pd.DataFrame({"interaction": pairs["feature"], "cell": pairs["bin"],
                              "points": [f"{v:+.0f}" for v in pairs["points"]]})
        out.append({"kind": "details", "summary": f"{len(s)} interactions ({len(pairs)} cells): points per cell",
                    "blocks": [table_block(summary, left=1), table_block(cells, left=2)]})
    return out


def _applicant_blocks(card, app: dict, cut: float | None, words: str) -> list[dict]:
    X = pd.DataFrame(app["rows"])
    for f in card.feature_names:
        if f in X and X[f].map(lambda v: isinstance(v, int | float) or v is None).all():
            X[f] = pd.to_numeric(X[f], errors="coerce")
    scores = card.score(X)
    reasons = card.reason_codes(X, k=N_REASONS)
    rows = []
    for i in range(len(X)):
        r = reasons[reasons["row"] == X.index[i]].sort_values("rank")
        rows.append([f"#{i + 1}", f"{app['p_adverse'][i]:.2f}", f"{scores[i]:.0f}",
                     *[r["text"].iloc[j] if j < len(r) else "" for j in range(N_REASONS)]])
    t = pd.DataFrame(rows, columns=["applicant", f"P({words})", "score", *[f"reason {j + 1}" for j in range(N_REASONS)]])
    share = app["n_declined"] / max(app["n_rows"], 1)
    out = [{"kind": "subtitle", "text": "Reason codes of declined applicants"},
           _text(f"{len(X)} of the {app['n_declined']:,} held-out applicants the model declines "
                 f"(P({words}) > {app['declined_at']:.2f}; {share:.0%} of the fold), drawn at random. Reasons: the "
                 "terms whose points fall furthest below their best bin (Regulation B's \"points below the best "
                 "attainable\"), largest first."),
           table_block(t, left=[0, *range(3, 3 + N_REASONS)])]
    pts = card.points(X.iloc[[0]])[0]
    terms = [(n, float(p)) for n, p in zip(card.terms, pts)]
    values = "; ".join(f"{f} = {'missing' if pd.isna(X[f].iloc[0]) else card.value_words(f, X[f].iloc[0])}"
                       for f in card.feature_names[:6])
    fig = rf_waterfall_fig(card.base_points, terms, cut,
                           f"Applicant #1: {scores[0]:.0f} points (P({words}) = {app['p_adverse'][0]:.2f})")
    out += [{"kind": "subtitle", "text": "One applicant's points"},
            _figure(rf_svg(fig, "waterfall"),
                    f"Applicant #1 from base points to score, one bar per term (largest first; red bars lower the "
                    f"score). The dashed line is the cut-off at P({words}) = 0.5. Values: {values}, …")]
    return out


# ---------------------------------------------------------------------- shapes
def _order(curves: list[dict]) -> list[str]:
    """Features by importance: mean |effect| on held-out applicants (stored), else the
    density-weighted spread, else the range of the curve."""
    score: dict[str, list[float]] = {}
    for c in curves:
        for f, d in c.items():
            imp = d.get("importance")
            if imp is None:
                v = np.asarray(d["contribution"], float)
                w = np.asarray([0 if x is None else x for x in (d.get("density") or [])], float)
                if len(w) == len(v) and w.sum() > 0:
                    imp = float(np.sum(w * np.abs(v - np.sum(w * v) / w.sum())) / w.sum())
                else:
                    imp = float(np.ptp(v)) if len(v) else 0.0
            score.setdefault(f, []).append(float(imp))
    return sorted(score, key=lambda f: -float(np.mean(score[f])))


def shapes_section(df: pd.DataFrame, summary: pd.DataFrame, metrics: Mapping[str, str], words: str) -> dict | None:
    has = _artefact_cells(df, "shape_functions")
    if has.empty:
        return None
    blocks = []
    for dataset in summary["dataset"].unique():
        g = has[has["dataset"] == dataset]
        if g.empty:
            continue
        label = _best_label(g, summary, dataset, metrics[dataset])
        cells = g[g["label"] == label].sort_values(["seed", "fold"])
        arts = [d["artefacts"] for d in cells["details"]]
        curves = [a["shape_functions"] for a in arts]
        amount = "task" in cells and (cells["task"] == "regression").all()  # no class: the prediction's units
        output = "prediction (in the target's units)" if amount else f"{arts[0].get('output', 'contribution')} ({words})"
        who = "rows" if amount else "applicants"
        order = _order(curves)
        fig = rf_shapes_fig(curves, order, output, f"{dataset} — {label}: shape functions, by importance")
        blocks.append({"kind": "subtitle", "text": f"{dataset} — {label}"})
        blocks.append(_figure(rf_svg(fig, f"shapes-{dataset}"), (
            f"Each panel is one feature's contribution to the {output}, most important first (mean |effect| on "
            f"held-out {who}). Thick line: the first cell (seed {cells['seed'].iloc[0]}, fold "
            f"{cells['fold'].iloc[0]}) with its band over bags (95%); thin lines: the other {len(curves) - 1} "
            "cells (where they agree, the effect is stable); grey bars at the bottom: where the training data "
            "lie; red diamond: the level for a missing value.")))
        blocks += _interaction_blocks(arts, curves, output, dataset, label)
    return {"id": "shapes", "title": "Shape functions", "intro": "", "blocks": blocks} if blocks else None


def _interaction_blocks(arts: list[dict], curves: list[dict], output: str, dataset: str, label: str) -> list[dict]:
    grids = arts[0].get("interactions") or {}
    if not grids:
        return []
    floor = NEGLIGIBLE
    shown = [(n, g) for n, g in grids.items() if g.get("importance") is None or g["importance"] >= floor]
    shown.sort(key=lambda t: -(t[1].get("importance") or 0.0))
    hidden = [n for n in grids if n not in dict(shown)]
    note = (f" {len(hidden)} negligible pairs hidden (they move a typical held-out applicant by less than one "
            f"scorecard point: mean |effect| below {floor:.3f} log-odds): {', '.join(hidden)}." if hidden else "")
    if not shown:
        return [_text(f"Interactions: all {len(grids)} pairs are negligible.{note}")]
    fig = rf_interactions_fig(shown, output, f"{dataset} — {label}: interactions")
    return [_figure(rf_svg(fig, f"interactions-{dataset}"),
                    f"Interaction terms on one colour scale (red raises, blue lowers the {output}), strongest "
                    f"first.{note}")]


# ---------------------------------------------------------------------- rule set
def ruleset_section(df: pd.DataFrame, metrics: Mapping[str, str], words_of) -> dict | None:
    from ..rules.ruleset import RuleSet

    has = _artefact_cells(df, "ruleset")
    if has.empty:
        return None
    blocks = []
    for dataset, g in has.groupby("dataset", sort=False):
        metric = metrics[dataset]
        r = g.sort_values(metric, ascending=not rf_HIGHER_IS_BETTER.get(metric, True)).iloc[0]
        rs = RuleSet.from_json(r["details"]["artefacts"]["ruleset"])
        rows = [{"#": k + 1, "IF": rule.condition_text(), "THEN points": f"{rule.weight:+.3f}",
                 "support": "—" if rule.support is None else f"{rule.support:.3f}",
                 "precision": "—" if rule.precision is None else f"{rule.precision:.3f}"}
                for k, rule in enumerate(rs.rules)]
        rows += [{"#": f"L{k + 1}", "IF": f"always: {t.value_text()}", "THEN points": f"{t.points:+.4g} per unit",
                  "support": "—", "precision": "—"} for k, t in enumerate(rs.linear)]
        check = rs.metadata.get("fidelity")
        note = (" Check: " + Fidelity.from_dict(check).summary() + ".") if isinstance(check, Mapping) and check else ""
        of = f" (log-odds of {words_of(dataset, rs.classes)})" if rs.link == "logit" else ""
        blocks.append({"kind": "subtitle", "text": f"{dataset} — {r['label']} (seed {r['seed']}, fold {r['fold']}: "
                                                   f"{rf_LABELS.get(metric, metric)} {r[metric]:.4f})"})
        lin = (" + the points of every linear term (points per unit × the column clipped to its bounds)"
               if rs.linear else "")
        blocks.append(_text(f"score = {rs.intercept:+.3f} + the points of every rule that fires{lin}{of}; "
                            f"{rs.n_rules} rules, {rs.n_conditions} conditions"
                            + (f", {rs.n_linear} linear terms" if rs.linear else "") + f".{note}"))
        blocks.append(table_block(pd.DataFrame(rows), left=2) if rows else _text("(no rules: intercept only)"))
    return {"id": "rules", "title": "Best rule set", "intro": "", "blocks": blocks}


# ---------------------------------------------------------------------- fairness, failures
_FAIRNESS = {
    "demographic_parity_difference": "demographic parity diff.",
    "demographic_parity_ratio": "parity ratio (4/5 rule: ≥ 0.80)",
    "equal_opportunity_difference": "equal opportunity diff.",
    "auc_gap": "AUC gap",
    "sensitive_share": "share of the score",
}


def fairness_section(df: pd.DataFrame) -> dict | None:
    rows = []
    for r in df[df["status"] == "ok"].itertuples(index=False):
        fair = (r.details.get("checks") or {}).get("fairness", {}) if isinstance(r.details, dict) else {}
        for attr, a in (fair.get("attributes") or {}).items():
            rows.append({"dataset": r.dataset, "label": r.label, "attribute": attr,
                         **{k: pd.to_numeric(a.get(k), errors="coerce") for k in _FAIRNESS}})
    if not rows:
        return None
    f = pd.DataFrame(rows)
    g = f.groupby(["dataset", "label", "attribute"], sort=False)[list(_FAIRNESS)].agg(["mean", "std", "count"])
    t = pd.DataFrame({"data set": [i[0] for i in g.index], "model": [i[1] for i in g.index],
                      "attribute": [i[2] for i in g.index], "cells": g[(next(iter(_FAIRNESS)), "count")].to_numpy(),
                      **{name: [fmt(m, s, 3) for m, s in zip(g[(k, "mean")], g[(k, "std")])]
                         for k, name in _FAIRNESS.items()}})
    intro = ("Audit of each protected attribute on the held-out fold (decision: P(adverse) > 0.5), mean ± std over "
             "the audited cells: the largest gap in adverse-decision rates between groups (demographic parity) and "
             "their ratio (the four-fifths rule asks ≥ 0.80), the gap in favourable decisions among the truly "
             "favourable rows (equal opportunity), the gap in ROC AUC, and the share of the score carried by the "
             "attribute itself.")
    return {"id": "fairness", "title": "Fairness", "intro": intro, "blocks": [table_block(t, left=3)]}


def failures_section(df: pd.DataFrame) -> dict | None:
    bad = df[df["status"] == "failed"]
    if bad.empty:
        return None
    t = pd.DataFrame({"data set": bad["dataset"], "model": bad["label"], "seed": bad["seed"], "fold": bad["fold"],
                      "error": [str(e).splitlines()[0][:300] if e else "" for e in bad["error"]]})
    return {"id": "failed", "title": f"Failed cells ({len(bad)})",
            "intro": "Stored with their traceback; rerun with retry_failed=True (--retry-failed) after a fix.",
            "blocks": [table_block(t, left=5)]}

"""The monitoring page: one self-contained HTML file (inline CSS, PNG charts as base64),
rendered from a Jinja2 template, for a risk manager: the verdict first, then what moved,
how much, since when and what to do, then the evidence and the trends across batches."""

from __future__ import annotations

import base64
import io
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["render"]

_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Model monitoring: {{ r.model }}</title>
<style>
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em} th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}
th{background:#f3f3f3} td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;padding:.4em 1em;border-radius:4px;font-weight:bold;color:#fff}
.quiet{background:#2e7d32} .watch{background:#ef6c00} .act{background:#c62828}
tr.act td:first-child{border-left:6px solid #c62828} tr.watch td:first-child{border-left:6px solid #ef6c00}
.note{color:#555;font-size:.9em} img{max-width:100%}
</style></head><body>
<h1>Model monitoring: {{ r.model }}</h1>
<p>{% if r.batch %}Batch <b>{{ r.batch }}</b>: {% endif %}{{ "{:,}".format(r.n_rows) }} rows checked against
{{ "{:,}".format(r.n_reference) }} reference rows.
<span class="verdict {{ verdict }}">{{ verdict_text }}</span></p>

<h2>What to do</h2>
{% if r.alerts %}
<table><tr><th>Level</th><th>What moved</th><th>How much</th><th>Since</th><th>What to do</th></tr>
{% for a in alerts %}<tr class="{{ a.level }}"><td>{{ a.level }}</td><td>{{ a.message }}</td>
<td class="num">{{ fmt(a.value) }} (threshold {{ fmt(a.threshold) }})</td><td>{{ a.since or "this batch" }}</td>
<td>{{ a.action }}</td></tr>{% endfor %}</table>
{% else %}<p>No threshold was breached: score, inputs and explanations are stable. No action needed.</p>{% endif %}

<h2>Score stability</h2>
<p>Score PSI <b>{{ fmt(r.psi) }}</b> (below {{ t.psi[0] }} stable, {{ t.psi[0] }}&ndash;{{ t.psi[1] }} watch,
{{ t.psi[1] }} and above act).</p>
<img alt="score bins" src="data:image/png;base64,{{ charts.psi }}">

<h2>Inputs (CSI)</h2>
<table><tr><th>Feature</th><th>CSI</th><th>Band</th><th>Rows outside training range / unseen level</th></tr>
{% for f, v, band, share in csi_rows %}<tr class="{{ band }}"><td>{{ f }}</td><td class="num">{{ fmt(v) }}</td>
<td>{{ band or "stable" }}</td><td class="num">{{ pct(share) }}</td></tr>{% endfor %}</table>

<h2>Explanations</h2>
<p>nDCG of the feature ranking by mean |contribution|: <b>{{ fmt(r.ndcg) }}</b> (alert below {{ t.ndcg }}).
Attributions explain the score to within {{ fmt(r.check.figures.attribution_gap) }} (largest |base + sum &minus; score|).</p>
<img alt="attributions" src="data:image/png;base64,{{ charts.attr }}">
<table><tr><th>Feature</th><th>Mean |contribution| reference</th><th>now</th><th>change</th><th>rank ref &rarr; now</th>
<th>Principal reason: reference</th><th>now</th></tr>
{% for f, d in drift_rows %}<tr><td>{{ f }}</td><td class="num">{{ fmt(d.reference_mean_abs) }}</td>
<td class="num">{{ fmt(d.current_mean_abs) }}</td><td class="num">{{ sgn(d.relative_change) }}</td>
<td class="num">{{ d.reference_rank|int }} &rarr; {{ d.current_rank|int }}</td>
<td class="num">{{ pct(mix.loc[f, "reference_share"]) }}</td><td class="num">{{ pct(mix.loc[f, "current_share"]) }}</td></tr>{% endfor %}
</table>

{% if r.performance %}<h2>Performance (labels returned)</h2>
<table><tr><th>Figure</th><th>Reference</th><th>Now</th></tr>
{% for k in ["auc", "gini", "ks", "expected_rate", "observed_rate", "ae_ratio", "brier"] %}
<tr><td>{{ k }}</td><td class="num">{{ fmt(rp[k]) if rp else "" }}</td><td class="num">{{ fmt(r.performance[k]) }}</td></tr>{% endfor %}
</table>{% endif %}
{% if r.fairness %}<h2>Fairness</h2>
<table><tr><th>Figure</th><th>Reference</th><th>Now</th></tr>
{% for k, v in r.fairness.items() %}<tr><td>{{ k }}</td><td class="num">{{ fmt(rf[k]) if rf else "" }}</td>
<td class="num">{{ fmt(v) }}</td></tr>{% endfor %}</table>{% endif %}

<h2>Rows to review</h2>
<table><tr><th>Reason</th><th>Share of rows</th></tr>
{% for k, v in r.review_shares.items() %}<tr><td>{{ k }}</td><td class="num">{{ pct(v) }}</td></tr>{% endfor %}
{% for f, row in review_rows %}<tr><td>{{ f }}: {{ row.kind }}</td><td class="num">{{ pct(row.share) }}</td></tr>{% endfor %}
</table>

{% if charts.trend %}<h2>Trends across batches</h2>
<img alt="trends" src="data:image/png;base64,{{ charts.trend }}">
<table><tr><th>Batch</th><th>Logged</th><th>Rows</th><th>PSI</th><th>nDCG</th><th>Largest CSI</th><th>Alerts</th></tr>
{% for b in trend_rows %}<tr><td>{{ b.batch }}</td><td>{{ b.logged_at }}</td><td class="num">{{ b.n_rows }}</td>
<td class="num">{{ fmt(b.psi) }}</td><td class="num">{{ fmt(b.ndcg) }}</td><td>{{ b.top_csi }}</td><td class="num">{{ b.alerts }}</td></tr>{% endfor %}
</table>{% endif %}

<h2>How the figures are computed</h2>
<p class="note">PSI and CSI: 10 equal-count bins cut on the reference (quantiles 0.1&hellip;0.9; bins right-closed,
the extreme bins open to &plusmn;&infin;; missing values, and for categorical inputs unseen levels, in their own bins);
proportions floored at 0.0001; PSI = &Sigma; (a &minus; e) &middot; ln(a / e), a = current, e = reference share.
Attribution drift: the model's own explanation, mean |contribution| per feature; its ranking compared by nDCG
(gains = reference mean |contribution|). Principal reasons: the {{ k }} features pushing each score most toward the
adverse outcome. AUC drops alert only beyond 2 standard errors (Hanley &amp; McNeil).</p>
</body></html>
"""


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _charts(r: Any) -> dict[str, str | None]:
    """The page's figures, names drawn as written (``$...$`` in a feature or batch name was read
    as matplotlib mathtext: drawn as math, or a parse error that lost the page)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    with matplotlib.rc_context({"text.parse_math": False}):
        return _draw(r)


def _draw(r: Any) -> dict[str, str | None]:
    import matplotlib.pyplot as plt

    t = r.psi_table
    fig, ax = plt.subplots(figsize=(9, 2.8))
    x = np.arange(len(t))
    ax.bar(x - 0.2, t["reference"] / max(1, t["reference"].sum()), 0.4, label="reference", color="#90a4ae")
    ax.bar(x + 0.2, t["current"] / max(1, t["current"].sum()), 0.4, label="current", color="#1565c0")
    ax.set_xticks(x, t["bin"], rotation=30, ha="right", fontsize=7)
    ax.set_ylabel("share of rows")
    ax.legend(fontsize=8)
    charts: dict[str, str | None] = {"psi": _png(fig)}
    d = r.attribution_drift.sort_values("reference_mean_abs")
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(d) + 1))
    y = np.arange(len(d))
    ax.barh(y + 0.2, d["reference_mean_abs"], 0.4, label="reference", color="#90a4ae")
    ax.barh(y - 0.2, d["current_mean_abs"], 0.4, label="current", color="#1565c0")
    ax.set_yticks(y, d.index, fontsize=8)
    ax.set_xlabel("mean |contribution|")
    ax.legend(fontsize=8)
    charts["attr"] = _png(fig)
    charts["trend"] = _trend_chart(r.history) if r.history is not None and len(r.history) else None
    return charts


def _trend_chart(h: pd.DataFrame) -> str:
    import matplotlib.pyplot as plt

    batches = list(dict.fromkeys(h["batch"]))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3))
    for metric, ax in zip(["psi", "ndcg"], axes):
        s = h[h["metric"] == metric].set_index("batch")["value"].reindex(batches)
        ax.plot(range(len(batches)), s.to_numpy(), marker="o", label=metric)
        ax.set_title(metric)
    csi = h[h["metric"] == "csi"].pivot_table(index="batch", columns="feature", values="value").reindex(batches)
    for f in csi.max().sort_values(ascending=False).index[:4]:
        axes[0].plot(range(len(batches)), csi[f].to_numpy(), marker=".", lw=1, label=f"CSI {f}")
    for ax in axes:
        ax.set_xticks(range(len(batches)), batches, rotation=30, ha="right", fontsize=7)
    axes[0].axhline(0.25, color="#c62828", lw=0.8, ls="--")
    axes[0].axhline(0.10, color="#ef6c00", lw=0.8, ls="--")
    axes[1].axhline(0.90, color="#c62828", lw=0.8, ls="--")
    axes[0].legend(fontsize=7)
    return _png(fig)


def _trend_rows(h: pd.DataFrame | None) -> list[dict[str, Any]]:
    if h is None or not len(h):
        return []
    rows = []
    for b, g in h.groupby("batch", sort=False):
        csi = g[g["metric"] == "csi"].sort_values("value", ascending=False)
        val = g.set_index(["metric", "feature"])["value"]
        rows.append({"batch": b, "logged_at": g["logged_at"].iloc[0], "n_rows": int(g["n_rows"].iloc[0]),
                     "psi": val.get(("psi", ""), math.nan), "ndcg": val.get(("ndcg", ""), math.nan),
                     "top_csi": f"{csi['feature'].iloc[0]} {csi['value'].iloc[0]:.3f}" if len(csi) else "",
                     "alerts": int((g["level"] != "").sum())})
    return rows


def _fmt(v: Any) -> str:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    return "n/a" if not math.isfinite(v) else f"{v:.4g}"


def render(r: Any) -> str:
    """The report as one HTML string."""
    from jinja2 import Environment

    env = Environment(autoescape=True)
    levels = {a.level for a in r.alerts}
    verdict = "act" if "act" in levels else "watch" if levels else "quiet"
    text = {"act": "ACT: thresholds breached", "watch": "WATCH: early warnings", "quiet": "QUIET: stable"}[verdict]
    t = r.thresholds
    csi_rows = []
    fired = {a.feature: a.level for a in r.alerts if a.metric == "csi"}  # the bands above sampling noise
    for f, v in r.csi.sort_values(ascending=False).items():
        band = fired.get(f, "")
        csi_rows.append((f, v, band, r.review.loc[f, "share"]))
    order = {"act": 0, "watch": 1}
    return env.from_string(_TEMPLATE).render(
        r=r, t=t, verdict=verdict, verdict_text=text, charts=_charts(r), csi_rows=csi_rows,
        alerts=sorted(r.alerts, key=lambda a: (order.get(a.level, 2), -a.value)),
        drift_rows=list(r.attribution_drift.sort_values("drift", ascending=False).iterrows()),
        mix=r.reason_mix, rp=r.reference_performance, rf=r.reference_fairness,
        review_rows=[(f, row) for f, row in r.review.iterrows() if row["share"] > 0],
        trend_rows=_trend_rows(r.history), fmt=_fmt, pct=lambda v: f"{float(v):.1%}",
        sgn=lambda v: "n/a" if not math.isfinite(float(v)) else f"{float(v):+.0%}", k=t.get("k", 4),
    )

"""What :meth:`Monitor.check` returns: the figures, the alerts, and their readable forms.

An alert is one breached threshold: ``metric``, ``feature`` ("" for model-level figures),
``value``, ``threshold``, ``level`` ("watch" or "act"), what moved (``message``) and what to
do (``action``); ``since`` names the first logged batch of the unbroken run of batches in
which the same alert fired (``None`` without a store).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.fidelity import Fidelity
from .drift import psi_terms

__all__ = ["Alert", "MonitorReport", "build_alerts"]

_ACTIONS = {
    "psi": "The score distribution has moved: compare the approval rate (a regressor: the predicted "
           "amounts) with plan, check the input feeds, and schedule a recalibration review if it persists.",
    "csi": "This input's distribution has moved: check the data feed and its definition (units, "
           "coding), then whether the population changed; its contribution to the score moves with it.",
    "ndcg": "The order of what drives the decisions has changed: review the reason-code mix and the "
            "shape functions before relying on the model's explanations.",
    "attribution_drift": "This feature now carries a different weight in the decisions: confirm the "
                         "input is correct, then review the reason codes it produces.",
    "out_of_range": "Rows lie outside what the model was trained on (it extrapolates flat): review "
                    "these decisions by hand and consider retraining on the new range.",
    "auc_drop": "The model ranks good and bad applicants worse than at reference: escalate to model "
                "validation; consider a refit.",
    "ae_ratio": "Predicted and observed adverse rates disagree: recalibrate (intercept) and review the "
                "cut-off.",
    "fairness_dp_change": "The gap in adverse-decision rates between protected groups has widened: "
                          "escalate to fair-lending review.",
    "reason_mix": "This feature is a principal reason much more or less often than at reference: "
                  "check adverse-action notices and the input.",
}


@dataclass
class Alert:
    """One breached threshold (see the module docstring)."""

    metric: str
    feature: str
    value: float
    threshold: float
    level: str
    message: str = ""
    action: str = ""
    since: str | None = None


def _level(value: float, bands: tuple[float, float]) -> tuple[str, float] | None:
    watch, act = bands
    if value >= act:
        return "act", act
    if value >= watch:
        return "watch", watch
    return None


@dataclass
class MonitorReport:
    """Figures of one batch against the reference.

    Attributes
    ----------
    psi : float
        Score PSI (formula: :mod:`interpretable_nn.monitor.drift`); ``psi_table`` its bins.
    csi : Series
        CSI per feature; ``csi_tables`` the bins of each.
    attribution_drift : DataFrame
        Per feature: ``reference_mean_abs``, ``current_mean_abs`` (mean |contribution|),
        ``relative_change``, ``drift`` (|change| as a share of the reference's total mean
        |contribution|), ``drift_noise`` (the change that sampling noise alone exceeds 1% of
        the time, split over the features, in the same units), ``reference_rank``,
        ``current_rank``.
    term_drift : DataFrame or None
        For a model read term by term (a NAM): the same figures per term, main effects and
        pairs apart (``features``: the features a term reads; ``drift`` as a share of the
        reference's total mean |term|). A main term moves only with its own feature, so a
        drifted input shows here even when a pair it shares moves its partner's attribution
        in ``attribution_drift``.
    ndcg : float
        nDCG of the current global ranking against the reference; ``ndcg_noise`` the nDCG
        sampling noise alone falls below 1% of the time (1.0: no allowance).
    reason_mix : DataFrame
        Per feature: share of rows where it is a principal reason, reference and current.
    performance, reference_performance : dict or None
        AUC, Gini, KS, calibration (with labels).
    fairness, reference_fairness : dict or None
        The fairness audit's figures for the protected column (with labels).
    review : DataFrame
        Per feature: rows outside the training range or with an unseen level (``rows``,
        ``share``), and the reference's own share of them (``reference_share``).
    review_shares : dict
        Share of rows near the threshold / far from every prototype.
    alerts : list of Alert
    check : Fidelity
        How far the attributions explain the score (``attribution_gap``).
    history : DataFrame or None
        Logged batches (from :meth:`Monitor.log`).
    """

    model: str
    n_reference: int
    n_rows: int
    psi: float
    psi_table: pd.DataFrame
    csi: pd.Series
    csi_tables: dict[str, pd.DataFrame]
    attribution_drift: pd.DataFrame
    ndcg: float
    reason_mix: pd.DataFrame
    performance: dict[str, float] | None
    reference_performance: dict[str, float] | None
    fairness: dict[str, Any] | None
    reference_fairness: dict[str, Any] | None
    review: pd.DataFrame
    review_shares: dict[str, float]
    thresholds: dict[str, Any]
    check: Fidelity
    alerts: list[Alert] = field(default_factory=list)
    history: pd.DataFrame | None = None
    batch: str | None = None
    term_drift: pd.DataFrame | None = None
    ndcg_noise: float = 1.0

    @property
    def quiet(self) -> bool:
        """No alert fired."""
        return not self.alerts

    def to_frame(self) -> pd.DataFrame:
        """The alerts, one line each: metric, feature, value, threshold, level, message,
        action, since."""
        cols = ["metric", "feature", "value", "threshold", "level", "message", "action", "since"]
        return pd.DataFrame([asdict(a) for a in self.alerts], columns=cols)

    def figures(self) -> list[tuple[str, str, float]]:
        """Every figure as (metric, feature, value): what a store logs per batch."""
        out = [("psi", "", self.psi), ("ndcg", "", self.ndcg), ("n_rows", "", float(self.n_rows))]
        out += [("csi", f, float(v)) for f, v in self.csi.items()]
        out += [("attribution_drift", f, float(v)) for f, v in self.attribution_drift["drift"].items()]
        out += [("mean_abs_contribution", f, float(v))
                for f, v in self.attribution_drift["current_mean_abs"].items()]
        out += [("reason_share", f, float(v)) for f, v in self.reason_mix["current_share"].items()]
        out += [("reason_mix", f, float(v)) for f, v in self.reason_mix["change"].items()]  # what its alert reads
        out += [("out_of_range", f, float(v)) for f, v in self.review["share"].items()]
        out += [(k, "", float(v)) for k, v in self.review_shares.items()]
        for k, v in (self.performance or {}).items():
            out.append((k, "", float(v)))
        for k, v in (self.fairness or {}).items():
            out.append((f"fairness_{k}", "", float(v)))
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (figures, alerts, check)."""
        def num(v):
            v = float(v)
            return v if math.isfinite(v) else None

        return {
            "model": self.model, "n_reference": self.n_reference, "n_rows": self.n_rows, "batch": self.batch,
            "psi": num(self.psi), "ndcg": num(self.ndcg), "ndcg_noise": num(self.ndcg_noise),
            "csi": {f: num(v) for f, v in self.csi.items()},
            "attribution_drift": {f: {c: num(v) for c, v in r.items()}
                                  for f, r in self.attribution_drift.to_dict("index").items()},
            "reason_mix": {f: {c: num(v) for c, v in r.items()} for f, r in self.reason_mix.to_dict("index").items()},
            "term_drift": None if self.term_drift is None else {
                t: {c: (v if c == "features" else num(v)) for c, v in r.items()}
                for t, r in self.term_drift.to_dict("index").items()},
            "performance": None if self.performance is None else {k: num(v) for k, v in self.performance.items()},
            "fairness": None if self.fairness is None else {k: num(v) for k, v in self.fairness.items()},
            "review_shares": {k: num(v) for k, v in self.review_shares.items()},
            "thresholds": {k: _json_threshold(v) for k, v in self.thresholds.items()},
            "alerts": [{**asdict(a), "value": num(a.value), "threshold": num(a.threshold)} for a in self.alerts],
            "check": self.check.to_dict(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_html(self, path: str | Path | None = None) -> str:
        """A self-contained HTML page (inline CSS and PNG charts) for a risk manager: what
        moved, how much, since when, what to do, and the trends across logged batches.
        Written to ``path`` when given; the HTML is returned."""
        from .html import render

        html = render(self)
        if path is not None:
            from ..persistence import write_output

            write_output(path, html)
        return html

    def __repr__(self) -> str:
        return (f"MonitorReport(model={self.model}, n_rows={self.n_rows}, psi={self.psi:.4f}, "
                f"ndcg={self.ndcg:.3f}, alerts={len(self.alerts)})")


#: multinomial draws x bins that :func:`drift_noise` simulates at most (about 30 MiB a side)
NOISE_CELLS = 2_000_000


def drift_noise(table: pd.DataFrame, n_reference: int, n_rows: int, quantile: float | None) -> float:
    """The PSI that sampling noise alone reaches with probability ``1 - quantile`` when the
    batch's ``n_rows`` and the reference's ``n_reference`` rows come from one distribution over
    the ``table``'s bins: both count vectors drawn many times from the pooled proportions
    (multinomial, seeded: the same report every time) and scored by the same formula, empty
    bins floored as :func:`~.drift.psi` floors them (a chi-square approximation breaks down
    exactly where it matters: a batch of ten rows leaves most bins empty). A 10-bin PSI of .10
    is noise for a batch of about 200 rows: a band alone would fire on every small batch.
    The quantile is read from the draws when about 10 of them land beyond it within
    :data:`NOISE_CELLS`; otherwise (a far tail, a category of thousands of levels) from a
    gamma distribution with the draws' mean and variance. 0 when ``quantile`` is None."""
    if quantile is None or n_rows < 1 or n_reference < 1:
        return 0.0
    ref, cur = table["reference"].to_numpy(float), table["current"].to_numpy(float)
    pooled = (ref + cur) / max(float(ref.sum() + cur.sum()), 1.0)
    need = int(np.ceil(10 / max(1.0 - quantile, 1e-9)))
    draws = max(200, min(need, NOISE_CELLS // max(len(pooled), 1)))
    rng = np.random.default_rng(0)
    noise = psi_terms(rng.multinomial(int(n_reference), pooled, size=draws),
                      rng.multinomial(int(n_rows), pooled, size=draws)).sum(-1)
    if draws >= need:
        return float(np.quantile(noise, quantile))
    from scipy.stats import gamma

    mean, var = float(noise.mean()), float(noise.var())
    return mean if var <= 0 else float(gamma.ppf(quantile, mean * mean / var, scale=var / mean))


#: thresholds of the alerts; pass a dict to ``Monitor(thresholds=...)`` to change some
DEFAULT_THRESHOLDS: dict[str, Any] = {
    "psi": (0.10, 0.25),             # score PSI: watch, act
    "csi": (0.10, 0.25),             # per-feature CSI: watch, act
    "drift_noise_quantile": 0.99,    # drift alerts only past sampling noise: quiet this often without drift
    "ndcg": 0.90,                    # attribution ranking: act below
    "attribution_drift": 0.10,       # |change of mean |contribution|| / total reference: watch
    "out_of_range": 0.05,            # share of rows outside the training range / unseen level: watch
    "auc_drop": 0.05,                # AUC below the reference by this much (and by 2 standard errors): act
    "ae_ratio": (0.80, 1.25),        # observed / expected adverse rate outside: act (and |z| > calibration_z)
    "calibration_z": 3.0,
    "fairness_dp_change": 0.10,      # demographic parity difference up by this much: act
    "reason_mix": None,              # change of a feature's share as principal reason: watch (None: report only)
}


def _json_threshold(v: Any) -> Any:
    """A threshold as JSON: None, a finite number, or a list of them (a band given as a tuple,
    list or array); anything else as its text."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, Real):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, (tuple, list, np.ndarray, pd.Series)):
        return [_json_threshold(x) for x in np.asarray(v, dtype=object).reshape(-1)]
    return str(v)


def _real(x: Any) -> bool:
    """Whether a threshold is a real number: not a bool, a string, None or NaN."""
    return isinstance(x, Real) and not isinstance(x, (bool, np.bool_)) and not math.isnan(x)


def _split(quantile: float | None, tests: int) -> float | None:
    """The per-test quantile that keeps ``tests`` tests together quiet ``quantile`` of the
    time without drift (Bonferroni); None stays None (the bands alone)."""
    return None if quantile is None else 1.0 - (1.0 - float(quantile)) / max(tests, 1)


def check_thresholds(thresholds: dict[str, Any] | None) -> dict[str, Any]:
    """:data:`DEFAULT_THRESHOLDS` updated by ``thresholds``; a ``ValueError`` for an unknown name
    or a ``drift_noise_quantile`` that is not None or a number in [0, 1)."""
    unknown = set(thresholds or {}) - set(DEFAULT_THRESHOLDS)
    if unknown:
        raise ValueError(f"Unknown threshold(s) {sorted(unknown)}; known: {sorted(DEFAULT_THRESHOLDS)}.")
    out = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    q = out["drift_noise_quantile"]
    if q is not None and not (_real(q) and 0 <= q < 1):
        raise ValueError(f"thresholds['drift_noise_quantile'] must be a number in [0, 1) (how often a report "
                         f"without drift stays quiet, e.g. 0.99) or None (the bands alone); got {q!r}.")
    for k, v in out.items():  # the bands: a number, or a (low, high) pair for PSI, CSI and A/E
        pair = k in ("psi", "csi", "ae_ratio")
        parts = list(v) if pair and isinstance(v, (tuple, list, np.ndarray)) else [v]
        ok = all(map(_real, parts))
        if k not in ("drift_noise_quantile", "reason_mix") and not (ok and len(parts) == (2 if pair else 1)
                                                                   and (not pair or parts[0] <= parts[1])):
            want = "a pair of numbers (low, high), e.g. " + repr(DEFAULT_THRESHOLDS[k]) if pair else \
                "a number, e.g. " + repr(DEFAULT_THRESHOLDS[k])
            raise ValueError(f"thresholds[{k!r}] must be {want}; got {v!r}.")
    m = out["reason_mix"]
    if m is not None and not (_real(m) and 0 < m <= 1):
        raise ValueError(f"thresholds['reason_mix'] must be a number in (0, 1] (the change of a feature's share "
                         f"of rows as a principal reason that raises a watch, e.g. 0.1) or None (reported, no "
                         f"alert); got {m!r}.")
    return out


def _stray_rows(k: int, n: int, reference_share: float, n_reference: int, band: float,
                quantile: float | None) -> bool:
    """Whether ``k`` of a batch's ``n`` rows out of range are what stray rows alone give with
    probability ``1 - quantile`` or more (the binomial upper tail). The stray rate is the
    reference's own ((count + 1/2) / (rows + 1), so a reference with none still allows a stray
    row), but never above half the ``band``: out of range is judged against the training data,
    so a reference that is itself out of range does not excuse the batch. False (not noise)
    when ``quantile`` is None."""
    if quantile is None or k < 1:
        return False
    from scipy.stats import binom

    p = min((reference_share * n_reference + 0.5) / (n_reference + 1), band / 2)
    return float(binom.sf(k - 1, n, p)) >= 1.0 - quantile


def _share_noise(share: float, n: int, reference_share: float, n_reference: int, quantile: float | None) -> bool:
    """Whether a feature's share of rows as a principal reason, ``share`` of ``n`` rows against
    ``reference_share`` of ``n_reference``, differs no more than two samples of one share do
    with probability ``1 - quantile`` (Fisher's exact test, two-sided: exact for a batch of a
    few rows, where one row moves a share by a large step). False (not noise) when
    ``quantile`` is None.

    The price of 1% per report, split over the features, is a wide band on small batches.
    With 13 features and a 1,000-row reference where a feature leads 30% of rows, the share
    a batch must reach to be told from noise:

    >>> q = 1 - 0.01 / 13
    >>> def band(n):
    ...     seen = [k / n for k in range(n + 1) if not _share_noise(k / n, n, 0.3, 1000, q)]
    ...     return max(x for x in seen if x < 0.3), min(x for x in seen if x > 0.3)
    >>> band(50), band(200), band(1000)
    ((0.08, 0.56), (0.185, 0.43), (0.232, 0.373))
    """
    if quantile is None or n < 1 or n_reference < 1:
        return False
    from scipy.stats import fisher_exact

    k, k0 = round(share * n), round(reference_share * n_reference)
    return float(fisher_exact([[k, n - k], [k0, n_reference - k0]]).pvalue) >= 1.0 - quantile


def build_alerts(r: MonitorReport) -> list[Alert]:
    """The alerts of a report under its thresholds."""
    t = r.thresholds
    out: list[Alert] = []

    def add(metric, feature, value, threshold, level, message):
        out.append(Alert(metric, feature, float(value), float(threshold), level, message, _ACTIONS[metric]))

    q0 = t.get("drift_noise_quantile")  # quiet this often without drift, per report and kind of alert:
    # shared by the score's PSI and every CSI, by the features' attributions, by their ranges (Bonferroni)
    q = _split(q0, 1 + len(r.csi))

    def drift_level(value, bands, table):  # past a band, then past the noise (simulated only then)
        hit = _level(value, bands)
        return hit if hit and value > drift_noise(table, r.n_reference, r.n_rows, q) else None

    hit = drift_level(r.psi, t["psi"], r.psi_table)
    if hit:
        add("psi", "", r.psi, hit[1], hit[0], f"Score PSI {r.psi:.3f} (bands {t['psi'][0]:g} / {t['psi'][1]:g}).")
    for f, v in r.csi.items():
        hit = drift_level(v, t["csi"], r.csi_tables[f])
        if hit:
            worst = r.csi_tables[f].sort_values("term", ascending=False).iloc[0]
            add("csi", f, v, hit[1], hit[0], f"CSI of {f} is {v:.3f}; most moved bin {worst['bin']} "
                f"({worst['reference'] / r.n_reference:.1%} -> {worst['current'] / r.n_rows:.1%} of rows).")
    if r.ndcg < t["ndcg"] and r.ndcg < r.ndcg_noise:  # past the band, and below what noise reorders
        add("ndcg", "", r.ndcg, t["ndcg"], "act", f"nDCG of the attribution ranking {r.ndcg:.3f} < {t['ndcg']:g}.")
    for f, row in r.attribution_drift.iterrows():  # past the band, and past what noise moves
        noise = float(row.get("drift_noise", 0.0))
        if row["drift"] >= t["attribution_drift"] and not row["drift"] <= noise:  # NaN noise: the band
            add("attribution_drift", f, row["drift"], t["attribution_drift"], "watch",
                f"Mean |contribution| of {f} {row['reference_mean_abs']:.3g} -> {row['current_mean_abs']:.3g} "
                f"({row['relative_change']:+.0%}).")
    q_range = _split(q0, len(r.review))
    for f, row in r.review.iterrows():  # past the band, and more rows than the reference's share makes likely
        if row["share"] >= t["out_of_range"] and not _stray_rows(
                int(row["rows"]), r.n_rows, float(row["reference_share"]), r.n_reference, t["out_of_range"], q_range):
            add("out_of_range", f, row["share"], t["out_of_range"], "watch",
                f"{row['share']:.1%} of rows have {f} {row['kind']}.")
    _performance_alerts(r, t, add)
    if t["reason_mix"] is not None:
        q_mix = _split(q0, len(r.reason_mix))
        for f, row in r.reason_mix.iterrows():  # past the band, and past what noise moves a share
            if abs(row["change"]) >= t["reason_mix"] and not _share_noise(
                    float(row["current_share"]), r.n_rows, float(row["reference_share"]), r.n_reference, q_mix):
                add("reason_mix", f, row["change"], t["reason_mix"], "watch",
                    f"{f} is a principal reason for {row['current_share']:.1%} of rows "
                    f"(reference {row['reference_share']:.1%}).")
    return out


def _performance_alerts(r: MonitorReport, t: dict[str, Any], add) -> None:
    p, p0 = r.performance, r.reference_performance
    if p is not None and p0 is not None and np.isfinite(p["auc"]) and np.isfinite(p0["auc"]):
        drop = p0["auc"] - p["auc"]
        se = math.sqrt(p["auc_se"] ** 2 + p0["auc_se"] ** 2)
        if drop >= t["auc_drop"] and drop > 2 * se:
            add("auc_drop", "", drop, t["auc_drop"], "act",
                f"AUC {p0['auc']:.3f} -> {p['auc']:.3f} (Gini {p0['gini']:.3f} -> {p['gini']:.3f}; "
                f"drop {drop:.3f} > 2 standard errors {2 * se:.3f}).")
    if p is not None and np.isfinite(p["ae_ratio"]):
        lo, hi = t["ae_ratio"]
        if not lo <= p["ae_ratio"] <= hi and abs(p["calibration_z"]) > t["calibration_z"]:
            add("ae_ratio", "", p["ae_ratio"], lo if p["ae_ratio"] < lo else hi, "act",
                f"Observed adverse rate {p['observed_rate']:.1%} vs predicted {p['expected_rate']:.1%} "
                f"(A/E {p['ae_ratio']:.2f}, z = {p['calibration_z']:.1f}).")
    f, f0 = r.fairness, r.reference_fairness
    if f is not None and f0 is not None:
        # a reference of one group has no gap to measure (NaN): the batch's gap is the change
        base, se0 = ((f0["demographic_parity_difference"], f0.get("demographic_parity_se", 0.0))
                     if np.isfinite(f0["demographic_parity_difference"]) else (0.0, 0.0))
        change = f["demographic_parity_difference"] - base
        # beyond sampling noise too, as the AUC drop (groups of a few rows fired it on fresh samples)
        se = math.sqrt(f.get("demographic_parity_se", 0.0) ** 2 + se0 ** 2)
        if change >= t["fairness_dp_change"] and change > 2 * se:
            add("fairness_dp_change", "", change, t["fairness_dp_change"], "act",
                f"Demographic parity difference {f0['demographic_parity_difference']:.3f} -> "
                f"{f['demographic_parity_difference']:.3f} (up {change:.3f} > 2 standard errors {2 * se:.3f}).")

"""Points scorecards from a fitted :class:`~interpretable_nn.models.nam.NAMClassifier`
(torch-free: it reads the model's shape functions and decision function).

The classic credit scorecard: ``score = base points + sum of the points of each feature's
bin`` with ``score = offset - factor * log-odds(adverse)``, ``factor = pdo / ln 2`` and
``offset = base_score - factor * ln(base_odds)`` (so odds good:bad of ``base_odds`` score
``base_score`` and the odds double every ``pdo`` points; a higher score is a lower risk).

Bins come from the learned shapes: each numeric feature's knots are cut into at most
``max_bins`` contiguous bins by dynamic programming (least training-mass-weighted squared
error of the contribution, so a monotone shape gives monotone points), missing values get
their own bin, categorical levels are one bin each. An interaction becomes a table of
points over the two features' bins. The result is a torch-free
:class:`~interpretable_nn.rules.scorecard.Scorecard` (scoring, reasons, Markdown, JSON and
SQL without the model); its check, a
:class:`~interpretable_nn.attribution.fidelity.Fidelity` ("scorecard points vs model
decision_function"), compares it with the model: the largest score error in points, the
rank correlation and both AUCs. It travels with the scorecard (``card.check``, also
through JSON); ``NAMClassifier.to_scorecard`` also keeps it as ``model.scorecard_check_``.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd

from ...attribution.fidelity import Fidelity
from ...data.dtypes import midnight_edges
from ...rules.scorecard import BASE as _BASE
from ...rules.scorecard import Scorecard, assign_bins
from ...rules.scorecard_table import table_frame
from ...rules.scorecard_words import date_bin

__all__ = ["to_scorecard", "score_with_scorecard"]


def _segments(c: np.ndarray, q: np.ndarray, max_bins: int) -> list[tuple[int, int]]:
    """Contiguous segments [i, j) of the knots minimising sum q (c - segment mean)^2."""
    m = len(c)
    k = max(1, min(int(max_bins), m))
    # half training mass, half uniform over the knots: the bins follow the rows, yet sparse
    # tails with steep shapes still get bins of their own (bounded worst-case error)
    q = 0.5 * q / max(q.sum(), 1e-12) + 0.5 / m
    s0 = np.r_[0, np.cumsum(q)]
    s1 = np.r_[0, np.cumsum(q * c)]
    s2 = np.r_[0, np.cumsum(q * c * c)]
    i, j = np.meshgrid(np.arange(m + 1), np.arange(m + 1), indexing="ij")
    w = s0[j] - s0[i]
    cost = np.where(j > i, (s2[j] - s2[i]) - (s1[j] - s1[i]) ** 2 / np.where(w > 0, w, 1), np.inf)
    best = cost[0].copy()  # best[j]: 1 segment covering [0, j)
    back = [np.zeros(m + 1, dtype=int)]
    for _ in range(1, k):
        tot = best[:, None] + cost  # (i, j): best over [0, i) then [i, j)
        arg = np.argmin(tot, axis=0)
        new = tot[arg, np.arange(m + 1)]
        better = new < best - 1e-12
        best = np.where(better, new, best)
        back.append(np.where(better, arg, -1))
    # walk back from the full range
    cuts, j, level = [], m, len(back) - 1
    while j > 0:
        while level > 0 and back[level][j] < 0:
            level -= 1
        i = int(back[level][j]) if level > 0 else 0
        cuts.append((i, j))
        j, level = i, level - 1
    return cuts[::-1]


def _refine(x: np.ndarray, c: np.ndarray, q: np.ndarray, points: int = 512):
    """Add points inside every knot interval (the shape is linear there, so their values are
    exact): a steep interval in a sparse tail can then be cut too. The mass of a knot stays
    on the knot."""
    if len(x) < 2:
        return x, c, q
    r = max(1, min(4, points // len(x)))
    t = np.arange(r) / r
    xs = np.r_[(x[:-1, None] + t * np.diff(x)[:, None]).ravel(), x[-1]]
    cs = np.r_[(c[:-1, None] + t * np.diff(c)[:, None]).ravel(), c[-1]]
    qs = np.zeros(len(xs))
    qs[::r] = q
    return xs, cs, qs


def _fmt(v: float) -> str:
    """A bin edge as its label writes it: 6 significant digits where they are the edge
    exactly, else as many as it takes, so a value near an edge never reads as outside the
    bin it is scored in ("-1.5704551156089557 ... (bin (-2.10894, -1.57046])" did)."""
    for d in range(6, 18):
        s = f"{v:.{d}g}"
        if float(s) == v:
            return s
    return repr(float(v))


def _label(lower: float, upper: float, kind: str) -> str:
    """A numeric bin as the card writes it: ``(-1.5, 2]``; a date feature's edges as dates
    (``(2020-03-21, 2020-04-20]``: after the first day, up to the second), an instant's with
    their time (``(2020-03-21 05:15:00 UTC, ...]``), a duration's in days (``(14.5, 30] days``)."""
    if kind in ("date", "datetime"):
        return date_bin(lower, upper, kind)
    return f"({_fmt(lower)}, {_fmt(upper)}]" + (" days" if kind == "timedelta" else "")


def _feature_bins(model, i: int, max_bins: int) -> list[dict]:
    """Bins of feature ``i`` (schema index) with their mean contribution (decision units)."""
    lay = model.layout_
    name = lay.names[i]
    sf = model.shape_function(name)
    bins = []
    if lay.is_numeric[i]:
        cur = sf[~sf["missing"]]
        x, c, q = _refine(
            cur["value"].to_numpy(dtype=float), cur["contribution"].to_numpy(dtype=float),
            cur["density"].to_numpy(dtype=float),
        )
        segs = _segments(c, q, max_bins)
        edges = [(x[a - 1] + x[a]) / 2 for a, _ in segs[1:]]
        kind = model.encoder_.schema_[name].word_kind
        edges = [-math.inf, *midnight_edges(edges, kind).tolist(), math.inf]  # a date's: midnights, the same bins
        for s, (a, b) in enumerate(segs):
            lower, upper = edges[s], edges[s + 1]
            qq = np.maximum(q[a:b], 1e-12)
            bins.append({"bin": _label(lower, upper, kind), "lower": lower, "upper": upper, "level": None,
                         "missing": False, "value": float(np.sum(qq * c[a:b]) / qq.sum())})
        for _, r in sf[sf["missing"]].iterrows():
            bins.append({"bin": "missing", "lower": np.nan, "upper": np.nan, "level": None, "missing": True,
                         "value": float(r["contribution"])})
    else:
        for _, r in sf.iterrows():
            bins.append({"bin": "missing" if r["missing"] else str(r["value"]), "lower": np.nan, "upper": np.nan,
                         "level": None if r["missing"] else r["value"], "missing": bool(r["missing"]),
                         "value": float(r["contribution"])})
    return bins


def _check_params(pdo, base_score, base_odds, max_bins, decimals) -> None:
    """Each parameter named when it is wrong (``pdo=nan`` failed later as "row 0 points must be
    finite", ``max_bins=2.7`` became 2 unsaid, ``decimals=2.5`` raised a bare TypeError)."""
    for name, v in (("pdo", pdo), ("base_score", base_score), ("base_odds", base_odds)):
        if isinstance(v, bool | np.bool_) or not isinstance(v, Real) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number; got {v!r}.")
    if pdo <= 0 or base_odds <= 0:
        raise ValueError(f"pdo and base_odds must be positive; got pdo={pdo}, base_odds={base_odds}.")
    if isinstance(max_bins, bool | np.bool_) or not isinstance(max_bins, Integral) or max_bins < 1:
        raise ValueError(f"max_bins must be an integer >= 1; got {max_bins!r}.")
    if decimals is not None and (isinstance(decimals, bool | np.bool_) or not isinstance(decimals, Integral)):
        raise ValueError(f"decimals must be an integer or None (no rounding); got {decimals!r}.")


def to_scorecard(
    model,
    pdo: float = 20,
    base_score: float = 600,
    base_odds: float = 50,
    max_bins: int = 10,
    decimals: int | None = 0,
    X=None,
    y=None,
) -> Scorecard:
    """A points scorecard reproducing the model's ranking.

    Parameters
    ----------
    model : fitted NAMClassifier
    pdo : float, default 20
        Points to double the odds (good:bad).
    base_score, base_odds : float, default 600 and 50
        Odds ``base_odds``:1 score ``base_score`` points.
    max_bins : int, default 10
        Bins per numeric feature (plus a missing bin where the feature had missing values).
    decimals : int or None, default 0
        Points are rounded to this many decimals (``None``: no rounding).
    X, y : optional
        Rows (and labels) for the check; default the model's ``background_`` sample of
        training rows with their labels.

    Returns
    -------
    Scorecard
        ``card.table`` has columns ``feature, bin, points`` (the scorecard) and the columns
        that make it machine-readable: ``kind`` (base / numeric / categorical / pair),
        ``bin_id`` (and ``bin_id_b`` for an interaction ``"A x B"``, whose rows give points
        per pair of the two features' bins), ``lower``, ``upper`` (numeric interval
        ``(lower, upper]``), ``level`` and ``missing``. The first row is the base points.
        ``card.check``: a :class:`Fidelity` with figures ``rows``, ``max_score_error`` and
        ``mean_score_error`` (points, scorecard vs model), ``spearman``, ``auc_model``,
        ``auc_scorecard``. ``card.metadata["adverse_class"]``: the class whose odds the
        points count against (the model's positive class).
    """
    _check_params(pdo, base_score, base_odds, max_bins, decimals)
    lay = model.layout_
    if lay.pairs:
        sep = [n for n in lay.names if " x " in n]
        if sep:
            raise ValueError(f"Feature name(s) {sep} contain ' x ', which a scorecard uses to name an interaction "
                             "'A x B': the card could not tell which features a pair joins. Rename those columns "
                             "(e.g. 'a_x_b') and refit, or fit with interactions=0.")
    factor = pdo / math.log(2)
    offset = base_score - factor * math.log(base_odds)

    def pts(v: float) -> float:
        p = -factor * v
        return (float(round(p, decimals)) if decimals is not None else float(p)) + 0.0  # no -0.0

    base = offset - factor * model.intercept_
    rows = [{"feature": _BASE, "kind": "base", "bin": "", "points": base if decimals is None else round(base, decimals),
             "bin_id": -1, "bin_id_b": -1, "lower": np.nan, "upper": np.nan, "level": None, "missing": False}]
    all_bins = []
    for i, name in enumerate(lay.names):
        bins = _feature_bins(model, i, max_bins)
        all_bins.append(bins)
        for k, b in enumerate(bins):
            kind = "numeric" if lay.is_numeric[i] else "categorical"
            rows.append({"feature": name, "kind": kind, "bin": b["bin"], "points": pts(b["value"]), "bin_id": k,
                         "bin_id_b": -1,
                         "lower": b["lower"], "upper": b["upper"], "level": b["level"], "missing": b["missing"]})
    for p, (a, b) in enumerate(lay.pairs):
        for (ka, kb), v in _pair_cells(model, p, all_bins[a], all_bins[b]).items():
            rows.append({"feature": lay.pair_names[p], "kind": "pair",
                         "bin": f"{lay.names[a]}: {all_bins[a][ka]['bin']} & {lay.names[b]}: {all_bins[b][kb]['bin']}",
                         "points": pts(v), "bin_id": ka, "bin_id_b": kb, "lower": np.nan, "upper": np.nan,
                         "level": None, "missing": False})
    scale = {"pdo": float(pdo), "base_score": float(base_score), "base_odds": float(base_odds)}
    adverse = model.classes_[1]
    adverse = adverse.item() if isinstance(adverse, np.generic) else adverse
    meta = {"adverse_class": adverse if isinstance(adverse, (str, int, bool)) else str(adverse),
            "max_bins": int(max_bins), "decimals": None if decimals is None else int(decimals)}
    days = {k: v for k, v in model.encoder_.schema_.converted().items() if k in lay.names}  # the card's own
    if days:  # bins in days: the SQL export must be told how the database stores them
        meta["converted_from"] = days
        if whole := model.encoder_.schema_.whole_days(lay.names):  # dates without a time: words name days
            meta["whole_days"] = whole
    if decimals is not None and all(r["points"] == 0 for r in rows[1:]) and any(
            abs(-factor * b["value"]) > 0 for bins in all_bins for b in bins):
        warnings.warn(f"Every feature's points round to 0 at pdo={pdo} and decimals={decimals}: the card scores "
                      "every applicant alike. Raise pdo (points to double the odds) or decimals.", UserWarning,
                      stacklevel=3)
    table = table_frame(rows)
    check = _check(model, Scorecard(table), X, y, factor, offset)
    return Scorecard(table, **scale, check=check, metadata=meta)


def _pair_cells(model, p: int, bins_a: list[dict], bins_b: list[dict]) -> dict:
    """Mean pair contribution per (bin of a, bin of b), weighted by the training mass of the
    pair's grid points (unweighted where a cell has no mass)."""
    lay = model.layout_
    a, b = lay.pairs[p]
    sf = model.shape_function(lay.pair_names[p])
    ia = assign_bins(bins_a, sf[lay.names[a]], lay.is_numeric[a])
    ib = assign_bins(bins_b, sf[lay.names[b]], lay.is_numeric[b])
    c = sf["contribution"].to_numpy(dtype=float)
    q = sf["density"].to_numpy(dtype=float)
    out = {}
    frame = pd.DataFrame({"a": ia, "b": ib, "c": c, "q": q})
    for (ka, kb), g in frame[(frame.a >= 0) & (frame.b >= 0)].groupby(["a", "b"]):
        w = g["q"].to_numpy()
        out[(int(ka), int(kb))] = float(np.average(g["c"], weights=w) if w.sum() > 0 else g["c"].mean())
    return out


def score_with_scorecard(card: Scorecard | pd.DataFrame, X) -> np.ndarray:
    """Total points of every row of the raw frame ``X`` under a scorecard (a
    :class:`Scorecard`, or its ``table``); no model needed. A value in no bin (an unseen
    level) scores 0. The same as ``card.score(X)``."""
    return (card if isinstance(card, Scorecard) else Scorecard(card)).score(X)


def _check(model, card, X, y, factor, offset) -> Fidelity:
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score

    rows = "given"
    if X is None:
        X, y, rows = model.background_, getattr(model, "background_y_", None), "background (training sample)"
    model_score = offset - factor * model.decision_function(X)
    card_score = card.score(X)
    err = np.abs(card_score - model_score)
    out = {
        "rows": int(len(err)),
        "max_score_error": float(err.max()) if len(err) else 0.0,
        "mean_score_error": float(err.mean()) if len(err) else 0.0,
        "spearman": (float(spearmanr(card_score, model_score)[0]) if len(err) > 1 and np.ptp(card_score) > 0
                     and np.ptp(model_score) > 0 else 1.0 if len(err) <= 1 else math.nan),  # nan: a constant side
        "auc_model": None,
        "auc_scorecard": None,
    }
    if y is not None:
        positive = (np.asarray(y) == model.classes_[1]).astype(int)
        if 0 < positive.sum() < len(positive):
            # a high score is a low risk: rank by -score
            out["auc_model"] = float(roc_auc_score(positive, -model_score))
            out["auc_scorecard"] = float(roc_auc_score(positive, -card_score))
    return Fidelity("scorecard points vs model decision_function", rows, int(len(err)), out)

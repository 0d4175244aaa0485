"""What a study cell keeps of a fitted model for the report to draw: shape functions (with
their band, data density and missing level) and interaction grids, ranked by importance
on the held-out fold; a points scorecard checked on the held-out fold; and a few declined
held-out applicants, whose reason codes and points the report shows.

Read by duck typing (``shape_function``, ``terms_``, ``predict_terms``, ``to_scorecard``,
``ruleset_``): no model-specific code. Everything returned is JSON-safe and small (at most
:data:`SHAPE_POINTS` points per curve, :data:`N_APPLICANTS` applicants).

Stored shapes (``details["artefacts"]``; older stores hold a subset and still read)
-----------------------------------------------------------------------------------
``shape_functions``
    ``{feature: {"kind", "value", "contribution", "lower", "upper", "density",
    "missing": {"contribution", "lower", "upper", "density"} | None, "importance"}}``; a key
    is left out when the model's ``shape_function`` frame has no such column.
``interactions``
    ``{"A x B": {"a", "b", "a_values", "b_values", "contribution": [[...]] (a x b),
    "importance"}}``.
``output``
    What a contribution is in (``"log-odds"``).
``scorecard``
    ``Scorecard.to_json()``, its check computed on the held-out fold.
``applicants``
    ``{"rows": [raw records], "p_adverse": [...], "declined_at": 0.5, "n_declined": int,
    "n_rows": int}``: up to :data:`N_APPLICANTS` held-out applicants the model declines
    (P(adverse) > 0.5), drawn at random with the cell's seed.
``ruleset``
    ``RuleSet.to_json()``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["model_artefacts", "SHAPE_POINTS", "N_APPLICANTS", "DECLINE_AT"]

#: points kept per shape function in the stored artefacts
SHAPE_POINTS = 100
#: declined applicants kept per cell for the report's reason codes and waterfall
N_APPLICANTS = 4
#: the decision the report's examples use: declined when P(adverse) > DECLINE_AT
DECLINE_AT = 0.5


def _num(v: Any) -> float | None:
    """A float JSON can hold (NaN -> None)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _plain(v: Any) -> Any:
    """A raw cell value as JSON holds it: numbers, text, None for missing."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, bool | int | float | str):
        return v
    return None if pd.isna(v) else str(v)


def _column(df: pd.DataFrame, name: str) -> list:
    return [_num(v) for v in df[name]]


def _importance(model, X) -> dict[str, float]:
    """Mean |centred contribution| of each term over ``X`` (the held-out fold): how much a
    term moves the score of a typical applicant. Empty when the model has no terms."""
    terms, fn = getattr(model, "terms_", None), getattr(model, "predict_terms", None)
    if terms is None or not callable(fn) or X is None or len(X) == 0:
        return {}
    t = np.asarray(fn(X), dtype=float)
    if t.ndim != 2 or t.shape[1] != len(terms):
        return {}
    t = t - t.mean(0)
    return {str(n): float(v) for n, v in zip(terms, np.abs(t).mean(0))}


def _curve(df: pd.DataFrame) -> dict | None:
    """One feature's shape function (a ``shape_function`` frame) in the stored shape."""
    if df.empty or not {"value", "contribution"} <= set(df.columns):
        return None
    miss = df["missing"].astype(bool) if "missing" in df else pd.Series(False, index=df.index)
    cur, m = df[~miss.to_numpy()], df[miss.to_numpy()]
    numeric = pd.api.types.is_numeric_dtype(cur["value"])
    if numeric and len(cur) > SHAPE_POINTS:
        cur = cur.iloc[np.unique(np.linspace(0, len(cur) - 1, SHAPE_POINTS).round().astype(int))]
    out = {
        "kind": "numeric" if numeric else "categorical",
        "value": [float(v) if numeric else str(v) for v in cur["value"]],
        "contribution": [float(v) for v in cur["contribution"]],
    }
    out.update({k: _column(cur, k) for k in ("lower", "upper", "density") if k in cur})
    if "missing" in df:
        r = m.iloc[0] if len(m) else None
        out["missing"] = None if r is None else {k: _num(r[k]) if k in m else None
                                                 for k in ("contribution", "lower", "upper", "density")}
    return out


def _grid(df: pd.DataFrame, a: str, b: str) -> dict | None:
    """An interaction's ``shape_function`` frame as a grid over the seen values of both
    features (the missing slots are not part of the surface)."""
    if not {a, b, "contribution"} <= set(df.columns):
        return None
    df = df[df[a].notna() & df[b].notna()]
    if df.empty:
        return None
    g = df.pivot_table(index=a, columns=b, values="contribution", aggfunc="first", sort=False)

    def axis(vals) -> list:
        return [_num(v) if isinstance(v, int | float | np.number) else str(v) for v in vals]

    return {"a": a, "b": b, "a_values": axis(g.index), "b_values": axis(g.columns),
            "contribution": [[_num(v) for v in row] for row in g.to_numpy(dtype=float)]}


def _word_kind(model, name: str) -> str:
    """``"date"``, ``"datetime"`` or ``"timedelta"`` for a feature the model read as days."""
    schema = getattr(getattr(model, "encoder_", None), "schema_", None)
    return schema[name].word_kind if schema is not None and name in schema.names else ""


def _shapes(model, importance: dict[str, float]) -> dict:
    out: dict = {}
    shape = getattr(model, "shape_function", None)
    if not callable(shape):
        return out
    names = list(getattr(model, "feature_names_", None) or getattr(model, "feature_names_in_", []))
    curves = {}
    for name in names:
        try:
            c = _curve(pd.DataFrame(shape(name)))
        except Exception:  # noqa: BLE001 - e.g. a feature the model dropped
            continue
        if c is not None:
            if str(name) in importance:
                c["importance"] = importance[str(name)]
            if _word_kind(model, name):  # dates and durations: the report writes its axis as such
                c["time"] = _word_kind(model, name)
            curves[str(name)] = c
    if curves:
        out["shape_functions"] = curves
    pairs = {}
    for term, feats in zip(getattr(model, "terms_", []) or [], getattr(model, "term_features_", []) or []):
        if len(feats) != 2:
            continue
        try:
            g = _grid(pd.DataFrame(shape(term)), str(feats[0]), str(feats[1]))
        except Exception:  # noqa: BLE001
            continue
        if g is not None:
            if str(term) in importance:
                g["importance"] = importance[str(term)]
            pairs[str(term)] = g
    if pairs:
        out["interactions"] = pairs
    if curves or pairs:
        name = getattr(model, "_output_name", None)
        out["output"] = name() if callable(name) else "contribution"
    return out


def _applicants(model, X_test, seed: int) -> dict | None:
    """Up to :data:`N_APPLICANTS` held-out rows the model declines, drawn at random."""
    if not isinstance(X_test, pd.DataFrame) or len(getattr(model, "classes_", ())) != 2:
        return None
    p = np.asarray(model.predict_proba(X_test), dtype=float)[:, 1]
    declined = np.flatnonzero(p > DECLINE_AT)
    if len(declined) == 0:
        return None
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(declined, size=min(N_APPLICANTS, len(declined)), replace=False))
    rows = [{str(k): _plain(v) for k, v in X_test.iloc[i].items()} for i in pick]
    return {"rows": rows, "p_adverse": [float(p[i]) for i in pick], "declined_at": DECLINE_AT,
            "n_declined": int(len(declined)), "n_rows": int(len(p))}


def model_artefacts(model, X_test=None, y_test=None, seed: int = 0) -> dict:
    """What the report draws of a fitted ``model`` (see the module docstring); the figures
    that need rows (term importance, the scorecard's check, the declined applicants) are
    computed on the held-out ``X_test`` / ``y_test``."""
    out: dict = {}
    importance = _importance(model, X_test)
    out.update(_shapes(model, importance))
    to_card = getattr(model, "to_scorecard", None)
    if callable(to_card) and len(getattr(model, "classes_", ())) == 2:
        card = to_card(X=X_test, y=y_test) if X_test is not None and y_test is not None else to_card()
        out["scorecard"] = card.to_json(indent=None)
        applicants = _applicants(model, X_test, seed)
        if applicants is not None:
            out["applicants"] = applicants
    rs = getattr(model, "ruleset_", None)
    if rs is not None and callable(getattr(rs, "to_json", None)):
        out["ruleset"] = rs.to_json(indent=None)
    return out

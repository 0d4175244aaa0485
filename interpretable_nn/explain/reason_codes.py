"""Adverse-action reason codes: for each applicant the few factors that pushed the score
most toward the adverse outcome, in the feature's own words and units.

How the points are measured
---------------------------
Every model is read through *units* that carry points toward the adverse class
(the positive class of the decision function unless ``adverse_class`` says otherwise):

* additive models (NAM, GAM: the additive protocol; interpret's EBM) and points
  scorecards (the DataFrame of ``NAMClassifier.to_scorecard()``): one unit per **term** (a
  feature, or an interaction ``"A x B"``); a scorecard's reasons are in its own points;
* rule models (``RuleSet`` or a model with ``ruleset_``): one unit per **rule**;
* any other model: one unit per **feature**, through its built-in :class:`Explanation`.

A unit's reason points are its adverse points minus those of a reference:

``reference="best"``
    the most favourable points the unit takes over the reference population (the
    background rows, or for additive models without background the whole training range
    from the schema). This is the "points lost against the best attainable value"
    method of US adverse-action practice (Regulation B, 12 CFR 1002.9); for a rule, the
    best state is "not fired" for a penalising rule and "fired" for a rewarding one.
``reference="mean"``
    the unit's average over the reference population (for centred additive terms, 0).

The text compares the applicant's raw value with the typical value (median or most
frequent level) among the background rows the model approves ("approved applicants"),
or the training average / most frequent level from the schema when no background is
given. A scorecard's text gives the row's points and how far they fall below the best.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import as_additive
from .view import ModelView

__all__ = ["reason_codes"]

_GRID = 32  # points per feature on the grid of a pair term (best reference, no background)


# ---------------------------------------------------------------------- formatting
def format_value(v: Any) -> str:
    """A raw value for a sentence: ``1200.0 -> '1,200'``, ``0.347 -> '0.347'``,
    missing -> ``'missing'``, strings as they are.

    Examples
    --------
    >>> format_value(1200.0), format_value(0.3468), format_value(float("nan")), format_value("rent")
    ('1,200', '0.347', 'missing', 'rent')
    """
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return "missing"
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        v = float(v)
        if abs(v) >= 1000 or v.is_integer():
            return f"{v:,.0f}"
        return f"{v:.3g}"
    return str(v)


def _is_missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))


class _Typical:
    """Typical value of each feature in the reference population, and who that is."""

    def __init__(self, view: ModelView, background: pd.DataFrame | None, sign: float):
        model, names, schema = view.model, view.names, view.schema
        self.values: dict[str, Any] = {}
        self.word = "typical"
        self.numeric = {
            c: (schema[c].is_numeric if schema is not None else pd.api.types.is_numeric_dtype(
                background[c].dtype if background is not None else float))
            for c in names
        }
        if background is not None and len(background):
            ref = background
            self.who = "applicants"
            try:
                approved = sign * np.asarray(model.decision_function(background), dtype=float) <= 0
                if approved.sum() >= 5:
                    ref, self.who = background[approved], "approved applicants"
            except Exception:  # noqa: BLE001 - the phrase falls back to all applicants
                pass
            for c in names:
                s = ref[c]
                if self.numeric[c]:
                    v = pd.to_numeric(s, errors="coerce").dropna()
                    self.values[c] = float(v.median()) if len(v) else np.nan
                else:
                    m = s.dropna().mode()
                    self.values[c] = m.iloc[0] if len(m) else None
        elif schema is not None:
            self.who, self.word = "training applicants", "average"
            for c in names:
                spec = schema[c]
                self.values[c] = spec.mean if spec.is_numeric else (spec.categories[0] if spec.categories else None)
        else:
            self.who = "applicants"
            self.values = dict.fromkeys(names)

    def sentence(self, feature: str, v: Any) -> str:
        t = self.values.get(feature)
        if _is_missing(v):
            return f"{feature} is missing" + ("" if _is_missing(t) else f" ({self.word} of {self.who}: {format_value(t)})")
        if _is_missing(t):
            return f"{feature} is {format_value(v)}"
        if self.numeric.get(feature, False):
            fv, ft = float(v), float(t)
            if format_value(fv) == format_value(ft):
                return f"{feature} {format_value(fv)} (the {self.word} value of {self.who})"
            side = "below" if fv < ft else "above"
            return f"{feature} {format_value(fv)} is {side} the {self.word} {format_value(ft)} of {self.who}"
        if str(v) == str(t):
            return f"{feature} is '{v}', as for most {self.who}"
        return f"{feature} is '{v}' (most {self.who}: '{t}')"


# ---------------------------------------------------------------------- units
def _schema_grid(model: Any, names: list[str], feats: tuple[str, ...], per: int | None) -> pd.DataFrame:
    """Rows spanning the training range of ``feats`` (others at a typical value)."""
    schema = model.encoder_.schema_
    axes = []
    for f in feats:
        spec = schema[f]
        vals: list = list(spec.quantiles) if spec.is_numeric else list(spec.categories)
        if per is not None and len(vals) > per:
            vals = [vals[i] for i in np.linspace(0, len(vals) - 1, per).round().astype(int)]
        if spec.has_missing:
            vals.append(np.nan)
        axes.append(np.asarray(vals, dtype=float if spec.is_numeric else object))
    mesh = np.meshgrid(*[np.arange(len(a)) for a in axes], indexing="ij")
    n = mesh[0].size
    cols = {}
    for c in names:
        spec = schema[c]
        fill = (spec.mean if spec.mean is not None else 0.0) if spec.is_numeric else (
            spec.categories[0] if spec.categories else None)
        cols[c] = np.full(n, fill, dtype=float if spec.is_numeric else object)
    for f, a, m in zip(feats, axes, mesh):
        cols[f] = a[m.ravel()]
    return pd.DataFrame(cols)


class _ScorecardTerms:
    """A points scorecard (``to_scorecard()`` of a NAM: columns ``feature, kind, bin,
    points, ...``; higher points = lower risk) read as additive terms in *points toward the
    adverse class*: ``-points`` of the row's bin per term."""

    def __init__(self, card: pd.DataFrame):
        from ..models.nam.scorecard import score_with_scorecard

        self._score = score_with_scorecard
        self.card = card
        is_base = card["kind"] == "base"
        self.base = float(card.loc[is_base, "points"].sum())
        kinds = card.loc[~is_base].drop_duplicates("feature").set_index("feature")["kind"]
        self.terms_ = [str(t) for t in kinds.index]
        self.term_features_ = [tuple(t.split(" x ", 1)) if kinds[t] == "pair" else (t,) for t in self.terms_]
        self.feature_names_ = list(dict.fromkeys(f for F in self.term_features_ for f in F))
        self.intercept_ = -self.base
        # best attainable (fewest adverse points) per term: its highest-points bin or cell
        self.term_minimum_ = np.array([-card.loc[card["feature"] == t, "points"].max() for t in self.terms_])

    def _sub(self, feats: list[str]) -> pd.DataFrame:
        return self.card[(self.card["kind"] == "base") | self.card["feature"].isin(feats)]

    def predict_terms(self, X: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(X), len(self.terms_)))
        for t, (name, F) in enumerate(zip(self.terms_, self.term_features_)):
            with_term = self._score(self._sub([*F, name]), X)
            out[:, t] = -(with_term - (self._score(self._sub(list(F)), X) if len(F) > 1 else self.base))
        return out

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return -self._score(self.card, X)


def _is_scorecard(model: Any) -> bool:
    return isinstance(model, pd.DataFrame) and {"feature", "kind", "points"} <= set(model.columns)


def _additive_units(model, X, background, reference, sign, names):
    terms = np.asarray(model.predict_terms(X), dtype=float) * sign
    feats = [tuple(F) for F in model.term_features_]
    if background is not None:
        ref_terms = np.asarray(model.predict_terms(background), dtype=float) * sign
        ref = ref_terms.min(axis=0) if reference == "best" else ref_terms.mean(axis=0)
    elif reference == "mean":
        ref = np.zeros(terms.shape[1])  # terms are centred on the training data
    elif getattr(model, "term_minimum_", None) is not None and sign > 0:
        ref = np.asarray(model.term_minimum_, dtype=float)  # a scorecard: its best bins
    else:
        if getattr(getattr(model, "encoder_", None), "schema_", None) is None:
            raise ValueError("reference='best' without background needs a fitted schema (model.encoder_); pass background=.")
        ref = np.empty(terms.shape[1])
        for t, F in enumerate(feats):  # one small grid per term
            grid = _schema_grid(model, names, F, None if len(F) == 1 else _GRID)
            ref[t] = (np.asarray(model.predict_terms(grid), dtype=float)[:, t] * sign).min()
    return [str(t) for t in model.terms_], feats, terms - ref, None


def _rule_units(rs, X, background, reference, sign):
    fired = rs.fire_matrix(X).astype(float)
    w = np.array([r.weight for r in rs.rules], dtype=float) * sign
    if reference == "best":
        points = w * fired - np.minimum(0.0, w)
    else:
        if background is not None:
            support = rs.fire_matrix(background).mean(axis=0)
        else:
            support = np.array([r.support if r.support is not None else 0.0 for r in rs.rules])
        points = w * (fired - support)
    points[:, [len(r.conditions) == 0 for r in rs.rules]] = 0.0  # the intercept-like rules
    units = [r.condition_text() for r in rs.rules]
    feats = [r.features for r in rs.rules]
    return units, feats, points, fired


def _explanation_units(view: ModelView, X, background, reference, sign):
    names = view.names
    values = view.explain(X, background).values * sign
    if background is None:
        if reference == "best":
            raise ValueError(
                f"reference='best' for a {view.name} (neither additive nor rules) needs "
                "background= rows (e.g. training rows) to find each feature's most favourable "
                "contribution; pass them, or use reference='mean'."
            )
        ref = np.zeros(values.shape[1])
    else:
        ref_vals = view.explain(background, background).values * sign
        ref = ref_vals.min(axis=0) if reference == "best" else ref_vals.mean(axis=0)
    return list(names), [(f,) for f in names], values - ref, None


# ---------------------------------------------------------------------- public
def reason_codes(
    model: Any,
    X: Any,
    k: int = 4,
    reference: str = "best",
    *,
    background: Any = None,
    adverse_class: Any = None,
) -> pd.DataFrame:
    """The ``k`` principal reasons for each row's adverse score.

    Parameters
    ----------
    model : fitted estimator, RuleSet or scorecard DataFrame
        Additive models and scorecards are read term by term, rule models rule by rule,
        any other model feature by feature through its built-in explanation.
    X : DataFrame
        The applicants (raw columns).
    k : int, default 4
        Reasons per row (fewer when fewer units push toward the adverse class).
    reference : {"best", "mean"}
        Points are counted against the most favourable (``"best"``) or the average
        (``"mean"``) value of each unit in the reference population.
    background : DataFrame, optional
        The reference population (e.g. training rows). Needed for ``reference="best"`` with
        models that are neither additive nor rule sets.
    adverse_class : label, optional
        The class whose score the reasons explain; default the positive class
        (``classes_[1]``; the data sets encode the adverse label as 1).

    Returns
    -------
    DataFrame
        One line per (row, reason), ranked: ``row`` (X's index label), ``rank``,
        ``reason`` (term, feature or rule), ``features``, ``value`` (raw), ``points``
        (toward the adverse class, > 0) and ``text``.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1500.0),), 0.8),
    ...               Rule((Condition("Assets", ">", 5000.0),), -0.5)])
    >>> X = pd.DataFrame({"Income": [1200.0], "Assets": [100.0]})
    >>> reason_codes(rs, X, k=2)["text"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['Income 1,200 meets the rule Income <= 1500 (+0.80 points)',
     'Assets 100 does not meet the rule Assets > 5000 (misses 0.50 points of credit)']
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    if reference not in ("best", "mean"):
        raise ValueError(f"reference must be 'best' or 'mean'; got {reference!r}.")
    card = None
    if _is_scorecard(model):
        if adverse_class is not None:
            raise ValueError("A scorecard's points already point away from the adverse class; drop adverse_class.")
        if reference == "mean" and background is None:
            raise ValueError("reference='mean' for a scorecard needs background= rows (its points are not centred).")
        card, model = model, _ScorecardTerms(model)
    view = ModelView(model, X)
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(X))
    Xf = view.frame(X, "X")
    Bf = None if background is None else view.frame(background, "background")
    sign = _adverse_sign(view, adverse_class)
    units, feats, points, fired = _units(view, Xf, Bf, reference, sign)
    k = min(int(k), points.shape[1])
    order = np.argsort(-points, axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(points, order, axis=1)
    words = _Words(_Typical(view, Bf, sign), units, fired, reference,
                   model.predict_terms(Xf) if card is not None else None)
    records = []
    for r, j in zip(*np.nonzero(top > 1e-9)):
        u = int(order[r, j])
        F = feats[u]
        raw = [Xf.iloc[r][f] for f in F]
        pts = float(top[r, j])
        records.append({
            "row": index[r], "rank": j + 1, "reason": units[u], "features": ", ".join(F),
            "value": _describe(F, raw), "points": pts, "text": words.text(r, u, F, raw, pts),
        })
    cols = ["row", "rank", "reason", "features", "value", "points", "text"]
    return pd.DataFrame(records, columns=cols)


def _units(view: ModelView, Xf: pd.DataFrame, Bf: pd.DataFrame | None, reference: str, sign: float):
    """(unit names, their features, reason points (rows, units), fired rules or None): by
    term for additive models and scorecards, by rule for rule models, else by feature."""
    from ..rules.ruleset import RuleSet

    model = view.model
    rs = model if isinstance(model, RuleSet) else getattr(model, "ruleset_", None)
    additive = as_additive(model)
    if additive is not None:
        return _additive_units(additive, Xf, Bf, reference, sign, view.names)
    if isinstance(rs, RuleSet):
        return _rule_units(rs, Xf, Bf, reference, sign)
    return _explanation_units(view, Xf, Bf, reference, sign)


def _describe(features: tuple[str, ...], raw: list) -> str:
    return "; ".join(f"{f} {format_value(v)}" for f, v in zip(features, raw))


class _Words:
    """The sentence of one reason: a rule met or missed, a scorecard's points, a feature
    against its typical value, or an interaction."""

    def __init__(self, typical: _Typical, units: list[str], fired: np.ndarray | None, reference: str,
                 terms_now: np.ndarray | None):
        self.typical, self.units, self.fired = typical, units, fired
        self.reference, self.terms_now = reference, terms_now

    def text(self, r: int, u: int, F: tuple[str, ...], raw: list, pts: float) -> str:
        value = _describe(F, raw)
        if self.fired is not None:  # a rule
            one = len(F) == 1
            if self.fired[r, u]:
                return f"{value} {'meets' if one else 'meet'} the rule {self.units[u]} (+{pts:.2f} points)"
            verb = "does not" if one else "do not"
            return f"{value} {verb} meet the rule {self.units[u]} (misses {pts:.2f} points of credit)"
        if self.terms_now is not None:  # a scorecard
            own = -float(self.terms_now[r, u])
            return (f"{value} scores {format_value(own)} points, {format_value(round(pts, 2))} "
                    f"below {'the best' if self.reference == 'best' else 'the average'}")
        if len(F) == 1:
            return self.typical.sentence(F[0], raw[0])
        return "the combination of " + " and ".join(
            f"{f} {format_value(v)}" for f, v in zip(F, raw)) + f" (interaction {self.units[u]})"


def _adverse_sign(view: ModelView, adverse_class: Any) -> float:
    classes = view.classes
    if adverse_class is None or classes is None:
        return 1.0
    classes = list(np.asarray(classes).tolist())
    if adverse_class not in classes or len(classes) != 2:
        raise ValueError(f"adverse_class {adverse_class!r} is not one of the model's two classes {classes}.")
    return 1.0 if classes.index(adverse_class) == 1 else -1.0

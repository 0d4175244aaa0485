"""Adverse-action reason codes: for each applicant the few factors that pushed the score
most toward the adverse outcome, in words that agree with their points.

How the points are measured
---------------------------
Every model is read through *units* that carry points toward the adverse class
(``adverse_class``; by default the positive class of the decision function,
``classes_[1]``):

* additive models (NAM, GAM: the additive protocol; interpret's EBM) and points
  scorecards (the DataFrame of ``NAMClassifier.to_scorecard()``): one unit per **term** (a
  feature, or an interaction ``"A x B"``); a scorecard's reasons are in its own points;
  an :class:`~interpretable_nn.Scorecard` object answers with its own ``reason_codes``;
* rule models (``RuleSet`` or a model with ``ruleset_``): one unit per **rule**;
* any other model: one unit per **feature**, through its built-in :class:`Explanation`.

A unit's reason points are its adverse points minus those of a reference:

``reference="best"``
    the most favourable points the unit takes over the reference population (the
    background rows, or for additive models without background the schema's grid of
    training quantiles, each moved to the shortest number in its cell (:func:`~.reason_words.readable_grid`),
    and levels). This is the "points lost against the best attainable
    value" method of US adverse-action practice (Regulation B, 12 CFR 1002.9); for a rule,
    the best state is "not fired" for a penalising rule and "fired" for a rewarding one.
``reference="mean"``
    the unit's average over the reference population (for centred additive terms, 0):
    the reasons are then the top-k positive terms of ``explain()``.

The sentences (:mod:`~interpretable_nn.explain.reason_words`) state the applicant's value,
the reference and the direction: "Seniority 9; 40 or more would lower the risk score by
1.29 points". The favourable values are read off the model's own points, so they always
lie on the side the points say.

Ranking and ties
----------------
Units are ranked by their points, largest first; points equal to 12 decimals are tied and
go to the unit listed first (the model's term order, rule order or feature order), so the
same rows give the same reasons on every machine. Units with points <= 1e-9 are never
reasons.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import as_additive
from ..data.ranges import quiet_range, tallied
from ..rules.values import days_frame, word_kinds
from .reason_map import apply_reason_map, reason_map_of
from .reason_words import (
    _favourable,
    _fmt_raw,
    dated_rule_text,
    day_grid,
    describe_values,
    feature_sentence,
    format_value,
    linear_favourable,
    of_amounts,
    readable_grid,
    row_kinds,
    rule_sentence,
    term_sentence,
)
from .view import ModelView

__all__ = ["reason_codes", "format_value"]

_GRID = 32  # points per feature on the grid of a pair term (best reference, no background)
_MIN_POINTS = 1e-9


# ---------------------------------------------------------------------- units
def _schema_grid(model: Any, names: list[str], feats: tuple[str, ...], per: int | None) -> pd.DataFrame:
    """Rows spanning the training range of ``feats`` (others at a typical value)."""
    schema = model.encoder_.schema_
    axes = []
    for f in feats:
        spec = schema[f]
        grid = {"date": day_grid, "datetime": np.asarray}.get(spec.word_kind, readable_grid)  # instants as they are
        vals: list = grid(spec.quantiles).tolist() if spec.is_numeric else list(spec.categories)
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


class _Units:
    """What the reasons are chosen from: unit names, their features, reason points
    ``(rows, units)``, and how to word each one (``word(r, u, raw, pts)``)."""

    def __init__(self, names, feats, points, word, kinds=None):
        self.names, self.feats, self.points, self.word = names, feats, points, word
        #: feature -> True / False (numeric or not) or "datetime" / "timedelta" (read as days)
        self.kinds = kinds or {}


def _additive_units(model, X, background, reference, sign, view, numeric):
    names = view.names
    terms = np.asarray(model.predict_terms(X), dtype=float) * sign
    feats = [tuple(F) for F in model.term_features_]
    grids: dict[int, tuple[pd.DataFrame, np.ndarray]] = {}  # term -> (rows, its points there)
    has_schema = getattr(getattr(model, "encoder_", None), "schema_", None) is not None

    def grid(t: int) -> tuple[pd.DataFrame, np.ndarray]:
        if t not in grids:
            F = feats[t]
            g = _schema_grid(model, names, F, None if len(F) == 1 else _GRID)
            with quiet_range():  # the library's grid (a flag at its mean), not the user's rows
                grids[t] = (g, np.asarray(model.predict_terms(g), dtype=float)[:, t] * sign)
        return grids[t]

    if background is not None:
        ref_terms = np.asarray(model.predict_terms(background), dtype=float) * sign
        ref = ref_terms.min(axis=0) if reference == "best" else ref_terms.mean(axis=0)
        for t in range(len(feats)):
            grids[t] = (background, ref_terms[:, t])
    elif reference == "mean":
        ref = np.zeros(terms.shape[1])  # terms are centred on the training data
    elif getattr(model, "term_minimum_", None) is not None and sign > 0:
        ref = np.asarray(model.term_minimum_, dtype=float)  # a scorecard: its best bins
    else:
        if not has_schema:
            raise ValueError("reference='best' without background needs a fitted schema (model.encoder_); pass background=.")
        ref = np.array([grid(t)[1].min() for t in range(len(feats))])
    can_word = background is not None or has_schema

    def word(r, u, raw, pts):
        F = feats[u]
        kind = row_kinds(numeric, F, raw)  # a time given to a feature of whole days: worded as an instant
        fav = None
        if can_word:
            g, gp = grid(u)
            if len(F) == 1:
                fav = _favourable(g[F[0]].to_numpy(dtype=object), gp, ref[u], kind[F[0]])
            else:
                best = g.iloc[int(np.argmin(gp))]
                fav = ", ".join(f"{f} {_fmt_raw(best[f], kind[f])}" for f in F)
        return term_sentence(F, raw, [kind[f] for f in F], pts, reference, fav)

    return _Units([str(t) for t in model.terms_], feats, terms - ref, word, numeric)


def _linear_averages(linear, background) -> list[float]:
    """Each linear term's average value: over ``background``, else its training mean (or fill)."""
    if background is not None:
        return [float(t.values(background[t.feature]).mean()) for t in linear]
    return [t.fill if t.mean is None else t.mean for t in linear]


def _rule_units(rs, X, background, reference, sign, averages):
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
    linear = getattr(rs, "linear", ())
    if linear:  # each linear term against its most favourable value or its average value
        X = days_frame(X, word_kinds(getattr(rs, "metadata", None)))
        values = np.column_stack([t.values(X[t.feature]) for t in linear])
        slope = np.array([t.points for t in linear]) * sign
        if reference == "best":
            ref = np.array([min(s * t.lo, s * t.hi) for s, t in zip(slope, linear)])
            lin = slope * values - ref
        else:
            lin = slope * (values - np.array(averages))
        points = np.hstack([points, lin])
        units += [t.value_text() for t in linear]
        feats += [t.features for t in linear]
    return units, feats, points, fired


def _explanation_units(view: ModelView, X, background, reference, sign, numeric):
    names = view.names
    values = view.explain(X, background).values * sign
    best_at = None
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
        best_at = ref_vals.argmin(axis=0)

    def word(r, u, raw, pts):
        f = names[u]
        fav = None if best_at is None else background[f].iloc[int(best_at[u])]
        return feature_sentence(f, raw[0], row_kinds(numeric, (f,), raw)[f], pts, reference, fav)

    return _Units(list(names), [(f,) for f in names], values - ref, word, numeric)


def _rule_words(rs, X, background, reference, sign):
    linear = getattr(rs, "linear", ())
    kinds = word_kinds(getattr(rs, "metadata", None))  # dates and durations worded as such
    avg = _linear_averages(linear, None if background is None else days_frame(background, kinds))  # once: points, words
    units, feats, points, fired = _rule_units(rs, X, background, reference, sign, avg)
    n = rs.n_rules

    def word(r, u, raw, pts):
        kind = {**kinds, **row_kinds(kinds, feats[u], raw)}  # a time given to whole days: as an instant
        if u >= n:  # a linear term: its column's value, and which values would score better
            t = linear[u - n]
            fav = linear_favourable(t, t.points * sign, reference, avg[u - n], kind.get(t.feature, True))
            return term_sentence(t.features, list(raw), [kind.get(t.feature, True)], pts, reference, fav)
        rule = dated_rule_text(rs.rules[u].conditions, kind) if kinds else units[u]
        value = describe_values(feats[u], raw, rule, kind)
        return rule_sentence(value, len(feats[u]), rule, bool(fired[r, u]), pts, reference)

    return _Units(units, feats, points, word, kinds)


def _scorecard_words(units: _Units, card_terms: np.ndarray, reference: str) -> _Units:
    def word(r, u, raw, pts):
        own = -float(card_terms[r, u])
        return (f"{describe_values(units.feats[u], raw)} scores {format_value(round(own, 2))} points, "
                f"{format_value(round(pts, 2))} below {'the best' if reference == 'best' else 'the average'}")

    return _Units(units.names, units.feats, units.points, word)


# ---------------------------------------------------------------------- public
@tallied
def reason_codes(
    model: Any,
    X: Any,
    k: int = 4,
    reference: str = "best",
    threshold: float | None = None,
    background: Any = None,
    adverse_class: Any = None,
    reason_map: Any = None,
) -> pd.DataFrame:
    """The ``k`` principal reasons for each row's adverse score.

    Parameters
    ----------
    model : fitted estimator, RuleSet, Scorecard or scorecard DataFrame
        Additive models and scorecards are read term by term, rule models rule by rule,
        any other model feature by feature through its built-in explanation. An object
        with its own ``reason_codes`` and a ``table`` (:class:`~interpretable_nn.Scorecard`)
        answers itself.
    X : DataFrame
        The applicants (raw columns). The output's ``row`` is ``X``'s index label.
    k : int, default 4
        Reasons per row (fewer when fewer units push toward the adverse class).
    reference : {"best", "mean"}
        Points are counted against the most favourable (``"best"``) or the average
        (``"mean"``) value of each unit in the reference population.
    threshold : float in [0, 1], optional
        Declined rows only: rows whose probability of the adverse class is below
        ``threshold`` get no reasons (classifiers).
    background : DataFrame, optional
        The reference population (e.g. training rows). Needed for ``reference="best"`` with
        models that are neither additive nor rule sets.
    adverse_class : label, optional
        The class whose score the reasons explain; default the positive class
        (``classes_[1]``; the data sets encode the adverse label as 1).
    reason_map : mapping or DataFrame, optional
        The lender's reason statements: ``{reason: (code, statement)}`` (or
        ``{reason: {"code": ..., "statement": ...}}``, or a DataFrame with columns
        ``reason, code, statement``), keyed by the unit (term, rule text or feature) or by
        a feature name. Adds the columns ``code`` and ``statement``; a reason the map does
        not cover is a ``ValueError`` naming it (a notice cannot carry an unmapped reason).

    Returns
    -------
    DataFrame
        One line per (row, reason), ranked (ties: see the module docstring): ``row``,
        ``rank``, ``reason`` (term, feature or rule), ``features``, ``value`` (raw),
        ``points`` (toward the adverse class, > 0) and ``text`` (+ ``code``,
        ``statement``). ``attrs["explains"]`` says which score the points are of.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1500.0),), 0.8),
    ...               Rule((Condition("Assets", ">", 5000.0),), -0.5)])
    >>> X = pd.DataFrame({"Income": [1200.0], "Assets": [100.0]})
    >>> reason_codes(rs, X, k=2)["text"].tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['Income 1,200 meets the rule Income <= 1500, which raises the risk score by 0.8 points',
     'Assets 100 does not meet the rule Assets > 5000; meeting it would lower the risk score by 0.5 points']
    >>> reason_codes(rs, X, k=1, reason_map={"Income": ("R01", "Income insufficient")})[
    ...     ["code", "statement"]].values.tolist()
    [['R01', 'Income insufficient']]
    """
    _check_args(k, reference)
    mapping = reason_map_of(reason_map)
    if _is_scorecard_object(model):
        out = _delegate(model, X, k=k, reference=reference, threshold=threshold, background=background,
                        adverse_class=adverse_class)
        return apply_reason_map(out, mapping)
    _check_threshold(threshold)
    card = None
    if _is_scorecard(model):
        card, model = model, _scorecard_model(model, reference, background, adverse_class, threshold)
    view = ModelView(model, X)
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(X))
    Xf = view.frame(X, "X")
    Bf = None if background is None else _rows(view.frame(background, "background"))
    sign = _adverse_sign(view, adverse_class)
    with quiet_range() if view.schema is not None else contextlib.nullcontext():  # checked: Bf was said "of X" too
        units = _units(view, Xf, Bf, reference, sign)
    if card is not None:
        units = _scorecard_words(units, model.predict_terms(Xf), reference)
    points = units.points
    declined = _declined(view, Xf, sign, threshold)
    k = min(int(k), points.shape[1])
    order = np.argsort(-np.round(points, 12), axis=1, kind="stable")[:, :k]
    top = np.take_along_axis(points, order, axis=1)
    records, Xd = [], days_frame(Xf, units.kinds)  # dates given as text or Timestamps: days, once for all rows
    with of_amounts() if view.is_regression and card is None else contextlib.nullcontext():  # its prediction
        for r, j in zip(*np.nonzero((top > _MIN_POINTS) & declined[:, None])):
            u = int(order[r, j])
            F = units.feats[u]
            raw = _raw(X, Xd, r, F)
            pts = float(top[r, j])
            records.append({"row": index[r], "rank": j + 1, "reason": units.names[u], "features": ", ".join(F),
                            "value": describe_values(F, raw, kinds=units.kinds), "points": pts,
                            "text": units.word(r, u, raw, pts)})
    out = pd.DataFrame(records, columns=["row", "rank", "reason", "features", "value", "points", "text"])
    out.attrs["explains"] = view.explains(sign) if card is None else "scorecard points"
    return apply_reason_map(out, mapping)


def _raw(X: Any, Xf: pd.DataFrame, r: int, F: tuple[str, ...]) -> list:
    """Row ``r``'s values of ``F``, a numeric one in the caller's own type where ``X`` has the
    column (an int64 or a float32 is written exactly, not as the float64 the model reads)."""
    own = isinstance(X, pd.DataFrame)
    return [X[f].iloc[r] if own and f in X.columns and X[f].dtype.kind in "iuf" else Xf.iloc[r][f] for f in F]


def _rows(B: pd.DataFrame) -> pd.DataFrame:
    if len(B) == 0:
        raise ValueError("background has no rows: pass the reference population (e.g. the training rows) or None.")
    return B


def _scorecard_model(card: pd.DataFrame, reference: str, background: Any, adverse_class: Any,
                     threshold: Any) -> _ScorecardTerms:
    """A scorecard DataFrame read as additive terms, after the checks that apply to it."""
    if adverse_class is not None:
        raise ValueError("A scorecard's points already point away from the adverse class; drop adverse_class.")
    if reference == "mean" and background is None:
        raise ValueError("reference='mean' for a scorecard needs background= rows (its points are not centred).")
    if threshold is not None:
        raise ValueError("threshold needs probabilities; a scorecard DataFrame has points only. Use "
                         "nam.to_scorecard() (an inn.Scorecard) or the model itself.")
    return _ScorecardTerms(card)


def _check_threshold(threshold: Any) -> None:
    if threshold is not None and (isinstance(threshold, (bool, np.bool_)) or not (
            isinstance(threshold, (int, float, np.number)) and 0 <= threshold <= 1)):
        raise ValueError(f"threshold must be a probability in [0, 1] (or None); got {threshold!r}.")


def _check_args(k: Any, reference: Any) -> None:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    if reference not in ("best", "mean"):
        raise ValueError(f"reference must be 'best' or 'mean'; got {reference!r}.")


def _declined(view: ModelView, Xf: pd.DataFrame, sign: float, threshold: float | None) -> np.ndarray:
    """Rows that get reasons: all, or those whose adverse probability reaches ``threshold``."""
    if threshold is None:
        return np.ones(len(Xf), dtype=bool)
    if view.is_regression:
        raise ValueError("threshold is a probability of the adverse class; a regressor has none. Drop threshold.")
    z = sign * view.decision_function()(Xf)
    return 1.0 / (1.0 + np.exp(-z)) >= threshold


def _is_scorecard_object(model: Any) -> bool:
    return (not isinstance(model, pd.DataFrame) and callable(getattr(model, "reason_codes", None))
            and hasattr(model, "table"))


def _delegate(card: Any, X: Any, **given: Any) -> pd.DataFrame:
    """A Scorecard's own reason codes; arguments it does not take must be left at default."""
    params = inspect.signature(card.reason_codes).parameters
    kw = {"k": given.pop("k")}
    if given.get("threshold") is not None:  # here a probability; the card's own is a score
        raise ValueError(f"threshold is a probability in reason_codes, but a {type(card).__name__}'s cut-off is a "
                         "score: call card.reason_codes(X, threshold=<score>) instead.")
    for name, value in given.items():
        if name in params:
            kw[name] = value
        elif (value != "best") if name == "reference" else (value is not None):
            raise ValueError(f"{type(card).__name__}.reason_codes does not take {name}; its points are "
                             "counted against its best bins toward its adverse class. Drop "
                             f"{name}={value!r}.")
    return card.reason_codes(X, **kw)


def _units(view: ModelView, Xf: pd.DataFrame, Bf: pd.DataFrame | None, reference: str, sign: float) -> _Units:
    """By term for additive models and scorecards, by rule for rule models, else by
    feature through the built-in explanation."""
    from ..rules.ruleset import RuleSet

    model = view.model
    numeric: dict[str, bool | str] = dict(zip(view.names, view.numeric_flags(Xf)))
    if view.schema is not None:  # dates and durations are worded as such, not as days
        numeric.update({c: view.schema[c].word_kind for c in view.names if view.schema[c].word_kind})
    rs = model if isinstance(model, RuleSet) else getattr(model, "ruleset_", None)
    additive = as_additive(model)
    if additive is not None:
        return _additive_units(additive, Xf, Bf, reference, sign, view, numeric)
    if isinstance(rs, RuleSet):
        return _rule_words(rs, Xf, Bf, reference, sign)
    return _explanation_units(view, Xf, Bf, reference, sign, numeric)


def _adverse_sign(view: ModelView, adverse_class: Any) -> float:
    if adverse_class is not None and view.is_regression:  # the CLI refused it; Python ignored it
        raise ValueError("adverse_class names a class; a regressor's reasons explain higher predictions. Drop it.")
    classes = view.classes
    if adverse_class is None or classes is None:
        return 1.0
    classes = list(np.asarray(classes).tolist())
    if adverse_class not in classes or len(classes) != 2:
        raise ValueError(f"adverse_class {adverse_class!r} is not one of the model's two classes {classes}.")
    return 1.0 if classes.index(adverse_class) == 1 else -1.0

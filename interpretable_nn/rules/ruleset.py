"""Torch-free rule sets: :class:`RuleSet`, an additive score over :class:`Condition` /
:class:`Rule` objects (defined in :mod:`.conditions`).

A rule set is a plain object a reviewer or a database can evaluate on raw data. Its exports
live in ``export_*.py`` (text, Markdown, Graphviz, JSON, SQL, SymPy) and its import from
scikit-learn trees in :mod:`.from_tree`; they read rule sets duck-typed, and this module
imports them (one direction: values < conditions < exports, from_tree < ruleset).

Semantics (the contract every export reproduces)
-------------------------------------------------
* ``Condition(feature, op, value, if_missing=False)`` tests one raw column. ``op`` is one of
  ``"<="``, ``">"`` (``value`` a finite number in the feature's raw units), ``"=="``,
  ``"!="`` (``value`` one level: str, int, float or bool), ``"in"`` (a non-empty tuple of
  levels) or ``"is_missing"`` (``value=True``: "is missing"; ``False``: "is not missing").
* Missing means ``None``, ``NaN`` or ``pd.NA``. On a missing value every op except
  ``is_missing`` evaluates to ``if_missing`` (default ``False``), so "Home != 'rent' or
  missing" is ``Condition("Home", "!=", "rent", if_missing=True)``.
* Levels compare by value as pandas ``isin`` does (``1 == 1.0 == True``); an unseen
  category is just a value: ``== 'x'`` is False, ``!= 'x'`` True, ``in`` False.
  Threshold comparisons on a column holding strings raise a ``ValueError``.
* ``Rule(conditions, weight, ...)`` fires when **all** its conditions hold (no conditions:
  it always fires) and then adds ``weight`` points to the score.
* ``RuleSet.decision_function(X) = intercept + sum of the weights of the fired rules``,
  summed left to right in rule order in float64 (the SQL export sums in the same order).
  With ``link="logit"`` the score is log-odds: ``p = 1 / (1 + exp(-score))`` and the
  predicted class is ``classes[1]`` when ``score > 0`` else ``classes[0]``; with
  ``link="identity"`` the score is the prediction.
* ``X`` is a DataFrame of raw columns; extra columns are ignored, a missing used column
  is a ``ValueError``. Evaluation is vectorised per condition.
* Equality (``==``) is structural and type-aware (level ``1`` differs from ``True``);
  ``metadata`` is not compared.
* :meth:`RuleSet.fidelity` and :meth:`RuleSet.explain_features` return their check as a
  :class:`~interpretable_nn.attribution.fidelity.Fidelity`; ``metadata["fidelity"]`` holds
  the last fidelity (written to JSON as ``Fidelity.to_dict()``). A RuleNet's rule set holds
  its agreement with the trained network there (the model predicts through its rule set, so
  a comparison with the model would always give 1.0); older files holding that
  self-comparison still load.
* :meth:`RuleSet.from_sklearn_tree` (in :mod:`.from_tree`) compares raw float64 values
  with the tree's thresholds as they are; sklearn compares float32-cast inputs, so a raw
  value within one float32 rounding step of a threshold may fall on the other side.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..attribution.explanation import Explanation
from ..attribution.fidelity import Fidelity, wilson_interval
from .conditions import Condition, LinearTerm, Rule
from .export_json import read_json, to_json
from .export_sql import to_sql
from .export_sympy import sympy_inputs, sympy_symbols, to_sympy
from .export_text import to_graphviz, to_markdown, to_text
from .from_tree import sklearn_tree_parts
from .values import (
    LINKS,
    OPS,
    check_days_names,
    check_rule_frame,
    days_features,
    finite,
    format_feature,
    format_number,
    format_points,
    py_scalar,
    sigmoid,
    typed_key,
)

if TYPE_CHECKING:  # pragma: no cover
    import graphviz
    import sympy

__all__ = ["OPS", "LINKS", "Condition", "Rule", "LinearTerm", "RuleSet", "format_number",
           "format_points", "format_feature"]


# ---------------------------------------------------------------------- RuleSet
class RuleSet:
    """An additive rule set: ``score = intercept + sum of the weights of the fired rules``.

    Parameters
    ----------
    rules : sequence of Rule
    intercept : float, default 0.0
    link : {"logit", "identity"}, default "logit"
        ``"logit"``: the score is log-odds of ``classes[1]``; ``"identity"``: the score is
        the prediction (regression).
    classes : pair of labels, default (0, 1)
    feature_names : list of str, optional
        The model's input features (must include every feature the rules use).
    metadata : dict, optional
        Free JSON-able information (``fidelity`` holds a :class:`Fidelity`); not compared by
        ``==``.
    linear : sequence of LinearTerm, default ()
        Terms in proportion to a numeric column (``points × clip(x, lo, hi)``), added after
        the rules, in order.

    Examples
    --------
    >>> import pandas as pd
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),), 0.5),
    ...               Rule((Condition("Home", "==", "rent"),), 1.0)], intercept=-1.0)
    >>> X = pd.DataFrame({"Income": [1000.0, None], "Home": ["rent", "own"]})
    >>> rs.decision_function(X).tolist()
    [0.5, -1.0]
    >>> rs.predict(X).tolist()
    [1, 0]
    """

    def __init__(
        self,
        rules: Sequence[Rule],
        intercept: float = 0.0,
        link: str = "logit",
        classes: Sequence[Any] = (0, 1),
        feature_names: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        linear: Sequence[LinearTerm] = (),
    ) -> None:
        rules = tuple(rules)
        for r in rules:
            if not isinstance(r, Rule):
                raise ValueError(f"RuleSet rules must be Rule objects; got {type(r).__name__}.")
        self.rules: tuple[Rule, ...] = rules
        linear = tuple(linear)
        for t in linear:
            if not isinstance(t, LinearTerm):
                raise ValueError(f"RuleSet linear terms must be LinearTerm objects; got {type(t).__name__}.")
        self.linear: tuple[LinearTerm, ...] = linear
        self.intercept: float = finite(intercept, "RuleSet intercept")
        if link not in LINKS:
            raise ValueError(f"Unknown link {link!r}; valid links are {', '.join(LINKS)}.")
        self.link: str = link
        classes = tuple(py_scalar(c) for c in classes)
        # 0 and 0.0 (or 1 and True) are one label to Python and to SQL
        if len(classes) != 2 or typed_key(classes[0]) == typed_key(classes[1]) or classes[0] == classes[1]:
            raise ValueError(f"classes must be two distinct labels; got {classes!r}.")
        for c in classes:
            if isinstance(c, float) and not math.isfinite(c) or not isinstance(
                c, (str, int, float)
            ):
                raise ValueError(f"classes must be str, int, float or bool labels; got {c!r}.")
        self.classes: tuple[Any, Any] = classes
        self.feature_names: list[str] | None = None
        if feature_names is not None:
            names = [str(f) for f in feature_names]
            absent = [f for f in self.features_used if f not in set(names)]
            if absent:
                raise ValueError(f"feature_names lack features used by the rules: {absent}.")
            self.feature_names = names
        self.metadata: dict[str, Any] = dict(metadata or {})
        check_days_names(self.metadata, self.feature_names, "rule set")

    # ------------------------------------------------------------ structure
    @property
    def n_rules(self) -> int:
        """Number of rules."""
        return len(self.rules)

    @property
    def n_conditions(self) -> int:
        """Total number of conditions over all rules."""
        return sum(len(r.conditions) for r in self.rules)

    @property
    def n_linear(self) -> int:
        """Number of linear terms."""
        return len(self.linear)

    @property
    def features_used(self) -> list[str]:
        """Distinct features the rules test (then those of the linear terms), in order of
        first use."""
        return list(dict.fromkeys([f for r in self.rules for f in r.features]
                                  + [t.feature for t in self.linear]))

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __getitem__(self, i: int) -> Rule:
        return self.rules[i]

    def __repr__(self) -> str:
        lin = f", n_linear={self.n_linear}" if self.linear else ""
        return (
            f"RuleSet(n_rules={self.n_rules}, n_conditions={self.n_conditions}{lin}, "
            f"intercept={self.intercept!r}, link={self.link!r}, classes={self.classes!r})"
        )

    def _key(self) -> tuple:
        return (
            tuple(r._key() for r in self.rules),
            self.intercept,
            self.link,
            typed_key(self.classes) if self.link == "logit" else None,  # a regression's score has no labels
            None if self.feature_names is None else tuple(self.feature_names),
            tuple(t._key() for t in self.linear),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleSet) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable metadata

    # ------------------------------------------------------------ evaluation
    def _check_frame(self, X: Any) -> pd.DataFrame:
        return check_rule_frame(X, self.features_used, days_features(self.metadata))

    def fire_matrix(self, X: pd.DataFrame) -> np.ndarray:
        """Boolean array (n_rows, n_rules): which rules fire on which rows."""
        X = self._check_frame(X)
        n = len(X)
        cache: dict[tuple, np.ndarray] = {}
        out = np.ones((n, self.n_rules), dtype=bool)
        for j, rule in enumerate(self.rules):
            for c in rule.conditions:
                key = c._key()
                if key not in cache:
                    cache[key] = c.evaluate(X[c.feature])
                out[:, j] &= cache[key]
        return out

    def fires(self, X: pd.DataFrame) -> pd.DataFrame:
        """Boolean DataFrame (rows of ``X`` x rule positions 0..n_rules-1)."""
        return pd.DataFrame(
            self.fire_matrix(X), index=X.index, columns=pd.RangeIndex(self.n_rules, name="rule")
        )

    def linear_points(self, X: pd.DataFrame) -> np.ndarray:
        """Array (n_rows, n_linear): each linear term's points on each row."""
        X = self._check_frame(X)
        out = np.zeros((len(X), self.n_linear))
        for j, t in enumerate(self.linear):
            out[:, j] = t.points_on(X[t.feature])
        return out

    def _score(self, fired: np.ndarray, linear: np.ndarray | None = None) -> np.ndarray:
        score = np.full(fired.shape[0], self.intercept, dtype=np.float64)
        for j, rule in enumerate(self.rules):
            score = score + np.where(fired[:, j], rule.weight, 0.0)
        for j in range(0 if linear is None else linear.shape[1]):
            score = score + linear[:, j]
        return score

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Scores: intercept + weights of the fired rules, summed in rule order, then the
        points of the linear terms in order (float64)."""
        return self._score(self.fire_matrix(X), self.linear_points(X) if self.linear else None)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Array (n, 2): ``[1 - p, p]`` with ``p = 1 / (1 + exp(-score))`` (link logit)."""
        if self.link != "logit":
            raise ValueError("predict_proba needs link='logit'; this rule set is a regressor.")
        p = sigmoid(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """``classes[1]`` where score > 0 else ``classes[0]``; the score for link identity."""
        score = self.decision_function(X)
        if self.link == "identity":
            return score
        same = type(self.classes[0]) is type(self.classes[1])
        labels = np.asarray(self.classes, dtype=None if same else object)
        return labels[(score > 0).astype(np.intp)]

    def explain(self, X: pd.DataFrame) -> pd.DataFrame:
        """One row per (row, fired rule), then per (row, linear term): ``row`` (X's index
        label), ``rule`` (position; linear term ``j`` is ``n_rules + j``), ``name``,
        ``text`` and ``weight`` (a linear term's points on that row). Per row, intercept +
        sum(weight) = score."""
        fired = self.fire_matrix(X)
        if self.linear:
            fired = np.hstack([fired, np.ones((len(X), self.n_linear), dtype=bool)])
        rows, rules = np.nonzero(fired)
        text = np.array([r.condition_text() for r in self.rules] + [t.value_text() for t in self.linear]
                        or [""], dtype=object)
        names = np.array([r.name for r in self.rules] + [t.name for t in self.linear] or [None], dtype=object)
        points = np.array([r.weight for r in self.rules] + [0.0] * self.n_linear or [0.0], dtype=float)[rules]
        if self.linear:  # a linear term's points depend on the row
            is_lin = rules >= self.n_rules
            points[is_lin] = self.linear_points(X)[rows[is_lin], rules[is_lin] - self.n_rules]
        return pd.DataFrame(
            {
                "row": X.index[rows],
                "rule": rules.astype(np.int64),
                "name": names[rules],
                "text": text[rules],
                "weight": points,
            }
        )

    def explain_features(self, X: pd.DataFrame) -> Explanation:
        """Per-feature points: each fired rule's weight split equally over its distinct
        features, a linear term's points to its feature; rules without conditions go to
        ``base_values`` (with the intercept).

        The explanation's ``check`` is a :class:`Fidelity` of ``base_values +
        values.sum(1)`` against :meth:`decision_function` on the explained rows, with the
        figure ``additivity_gap`` (largest absolute difference; 0 up to rounding)."""
        fired = self.fire_matrix(X)
        names = self.feature_names or self.features_used
        col = {f: i for i, f in enumerate(names)}
        share = np.zeros((self.n_rules, len(names)))
        always = 0.0
        for j, rule in enumerate(self.rules):
            feats = rule.features
            if not feats:
                always += rule.weight
            for f in feats:
                share[j, col[f]] = rule.weight / len(feats)
        values = fired.astype(float) @ share
        linear = self.linear_points(X) if self.linear else None
        for j, t in enumerate(self.linear):
            values[:, col[t.feature]] += linear[:, j]
        base = np.full(len(X), self.intercept + always)
        gap = np.abs(base + values.sum(axis=1) - self._score(fired, linear))
        return Explanation(
            values=values,
            base_values=base,
            feature_names=list(names),
            data=X,
            output="log-odds" if self.link == "logit" else "raw",
            method="rules",
            check=Fidelity(
                "base_values + values.sum(1) vs decision_function", "explained", len(X),
                {"additivity_gap": float(gap.max()) if len(gap) else 0.0},
            ),
        )

    def fidelity(self, X: pd.DataFrame, model: Any, X_model: Any = None, *,
                 rows: str = "given") -> Fidelity:
        """How closely the rule set follows ``model`` on ``X``, as a :class:`Fidelity`
        (stored in ``metadata["fidelity"]`` too).

        Figures: ``agreement``: share of rows with the same predicted class (link logit)
        or, for link identity, the same prediction to ``rtol=1e-7``;
        ``max_abs_score_diff``: against ``model.decision_function`` (logit) or
        ``model.predict`` (identity) when available; ``max_abs_proba_diff`` against
        ``model.predict_proba`` when available. ``n_rows`` is ``len(X)``; ``rows`` names
        them (``"training"``, ``"held-out"``, ...). ``X_model`` is what the model is fed
        when it needs another input than ``X`` (e.g. a matrix). ``agreement_low`` and
        ``agreement_high``: the 95% Wilson interval of ``agreement`` (a proportion of
        ``n_rows``; :func:`~interpretable_nn.attribution.fidelity.wilson_interval`).

        Examples
        --------
        >>> import pandas as pd
        >>> rs = RuleSet([Rule((Condition("x", ">", 0.0),), 1.0)], intercept=-0.5)
        >>> X = pd.DataFrame({"x": [-1.0, 1.0]})
        >>> f = rs.fidelity(X, rs, rows="training")
        >>> f["agreement"], round(f["agreement_low"], 4), f["agreement_high"], f["max_abs_score_diff"]
        (1.0, 0.3424, 1.0, 0.0)
        """
        X_in = X if X_model is None else X_model
        if len(X) == 0:
            raise ValueError("fidelity needs at least one row.")
        score = self.decision_function(X)
        mine = self.predict(X)
        theirs = np.asarray(model.predict(X_in)).reshape(-1)
        if len(theirs) != len(X):
            raise ValueError("The model returned a different number of predictions than rows.")
        figures: dict[str, Any] = {}
        if self.link == "identity":
            theirs = theirs.astype(float)
            same = np.isclose(mine, theirs, rtol=1e-7, atol=1e-12)
        else:
            same = mine == theirs
        figures["agreement"] = float(np.mean(same))
        figures["agreement_low"], figures["agreement_high"] = wilson_interval(float(np.sum(same)), len(X))
        if self.link == "identity":
            figures["max_abs_score_diff"] = float(np.max(np.abs(score - theirs)))
        else:
            if hasattr(model, "decision_function"):
                other = np.asarray(model.decision_function(X_in), dtype=float).reshape(-1)
                figures["max_abs_score_diff"] = float(np.max(np.abs(score - other)))
            if hasattr(model, "predict_proba"):
                proba = np.asarray(model.predict_proba(X_in), dtype=float)
                figures["max_abs_proba_diff"] = float(np.max(np.abs(sigmoid(score) - proba[:, -1])))
        what = "predictions" if self.link == "identity" else "decisions"
        result = Fidelity(f"rule set vs model {what}", rows, len(X), figures)
        self.metadata["fidelity"] = result
        return result

    # ------------------------------------------------------------ exports
    def to_text(self, digits: int | None = 3) -> str:
        """Plain text, one ``IF ... THEN ... points`` line per rule (weights to ``digits``
        significant digits; ``None``: exact); see
        :func:`~interpretable_nn.rules.export_text.to_text`."""
        return to_text(self, digits=digits)

    def to_markdown(self, digits: int | None = 3) -> str:
        """A reviewer's Markdown table (weights to ``digits`` significant digits; ``None``:
        exact); see :func:`~interpretable_nn.rules.export_text.to_markdown`."""
        return to_markdown(self, digits=digits)

    def to_json(self, indent: int | None = 2) -> str:
        """Lossless versioned JSON; see :func:`~interpretable_nn.rules.export_json.to_json`."""
        return to_json(self, indent=indent)

    @classmethod
    def from_json(cls, s: str | bytes) -> RuleSet:
        """Strictly validated inverse of :meth:`to_json`; see
        :func:`~interpretable_nn.rules.export_json.read_json`.

        Examples
        --------
        >>> RuleSet.from_json('{"format": "interpretable_nn.ruleset", "version": 1,'
        ...                   ' "link": "logit", "intercept": 0.5, "rules": []}')
        RuleSet(n_rules=0, n_conditions=0, intercept=0.5, link='logit', classes=(0, 1))
        """
        return cls(**read_json(s))

    def to_sql(self, table: str | Sequence[str] = "applicants", id_column: str | None = "id",
               dialect: str = "sqlite", days_stored: bool = False) -> str:
        """One SELECT that scores a table; see :func:`~interpretable_nn.rules.export_sql.to_sql`."""
        return to_sql(self, table=table, id_column=id_column, dialect=dialect, days_stored=days_stored)

    def to_sympy(self, return_codes: bool = False) -> Any:
        """The score as a SymPy expression; see
        :func:`~interpretable_nn.rules.export_sympy.to_sympy`."""
        return to_sympy(self, return_codes=return_codes)

    def to_pmml(self, days_stored: bool = False) -> str:
        """A PMML 4.4 document (a ``Scorecard`` of the rules) whose ``score`` output equals
        :meth:`decision_function` and, with the logit link, whose ``probability`` output
        equals ``predict_proba[:, 1]``; see
        :func:`~interpretable_nn.rules.export_pmml.ruleset_to_pmml`."""
        from .export_pmml import ruleset_to_pmml

        return ruleset_to_pmml(self, days_stored=days_stored)

    def sympy_symbols(self) -> list[sympy.Symbol]:
        """Arguments of the SymPy expression, in order; see
        :func:`~interpretable_nn.rules.export_sympy.sympy_symbols`."""
        return sympy_symbols(self)

    def sympy_inputs(self, X: pd.DataFrame) -> list[np.ndarray]:
        """``X`` as lambdify arguments; see :func:`~interpretable_nn.rules.export_sympy.sympy_inputs`."""
        return sympy_inputs(self, X)

    def to_graphviz(self) -> graphviz.Digraph:
        """A ``graphviz.Digraph``: one node per rule feeding the score; see
        :func:`~interpretable_nn.rules.export_text.to_graphviz`."""
        return to_graphviz(self)

    # ------------------------------------------------------------ import
    @classmethod
    def from_sklearn_tree(
        cls,
        tree: Any,
        feature_names: Sequence[str] | None = None,
        classes: Sequence[Any] | None = None,
        column_map: Mapping[int | str, Mapping[str, Any]] | None = None,
    ) -> RuleSet:
        """One rule per leaf of a fitted ``DecisionTreeClassifier`` (binary) or
        ``DecisionTreeRegressor``; the splits are read by :mod:`.from_tree`.

        Each leaf becomes a rule whose conditions are its path and whose weight is the
        leaf's log-odds ``logit(p)``, ``p`` clipped to ``[1e-12, 1 - 1e-12]`` (classifier,
        link ``logit``) or the leaf value (regressor, link ``identity``); the intercept is 0.

        Parameters
        ----------
        tree : fitted DecisionTreeClassifier or DecisionTreeRegressor
        feature_names : list of str, optional
            Name of every tree input column (default: ``tree.feature_names_in_``).
        classes : pair of labels, optional
            Default ``tree.classes_``.
        column_map : dict, optional
            Input column (index or name) -> raw meaning: ``{"feature": f, "kind":
            "numeric"}`` (threshold used as is; the learned missing-value direction sets
            ``if_missing``), ``{"feature": f, "kind": "onehot", "level": v}`` (``x <= 0.5``
            -> ``f != v`` or missing, ``x > 0.5`` -> ``f == v``) or ``{"feature": f,
            "kind": "missing_indicator"}`` (-> ``f`` is (not) missing). Unmapped columns
            are numeric.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = [0, 0, 1, 1]
        >>> t = DecisionTreeClassifier(random_state=0).fit(X, y)
        >>> rs = RuleSet.from_sklearn_tree(t, ["x"])
        >>> [r.condition_text() for r in rs]  # sklearn sends NaN to the larger child
        ['x <= 1.5', '(x > 1.5 OR x IS MISSING)']
        >>> rs.predict(pd.DataFrame({"x": [0.5, 2.5]})).tolist()
        [0, 1]
        """
        return cls(**sklearn_tree_parts(tree, feature_names, classes=classes, column_map=column_map))

"""Torch-free rule sets: :class:`Condition`, :class:`Rule` and :class:`RuleSet`.

A rule set is a plain object a reviewer or a database can evaluate on raw data.

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
* :meth:`RuleSet.from_sklearn_tree` (in :mod:`.from_tree`) compares raw float64 values
  with the tree's thresholds as they are; sklearn compares float32-cast inputs, so a raw
  value within one float32 rounding step of a threshold may fall on the other side.

Why this file passes ~500 lines: the three classes share the private value helpers and
the evaluation contract above; splitting them would scatter one contract over files.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import graphviz
    import sympy

    from interpretable_nn.attribution.explanation import Explanation

__all__ = ["OPS", "LINKS", "Condition", "Rule", "RuleSet"]

OPS: tuple[str, ...] = ("<=", ">", "==", "!=", "in", "is_missing")
LINKS: tuple[str, ...] = ("logit", "identity")
_NUMERIC_KINDS = {"integer", "floating", "mixed-integer-float", "boolean", "decimal", "empty"}
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


# ---------------------------------------------------------------------- helpers
def _py(value: Any) -> Any:
    """Numpy scalars -> the Python scalar they hold."""
    return value.item() if isinstance(value, np.generic) else value


def _finite(value: Any, what: str) -> float:
    value = _py(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a real number; got {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite; got {value!r}.")
    return value


def _level(value: Any, feature: str) -> str | int | float | bool:
    value = _py(value)
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ValueError(
        f"Condition on {feature!r}: a category level must be a str, int, finite float or "
        f"bool; got {value!r}. Use op='is_missing' to test for missing values."
    )


def _typed(value: Any) -> Any:
    """A key that keeps 1, 1.0, True and '1' apart."""
    if isinstance(value, tuple):
        return tuple(_typed(v) for v in value)
    return (type(value).__name__, value)


def format_number(x: float) -> str:
    """Shortest text that parses back to exactly ``x`` (``1200.0`` -> ``'1200'``)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def format_points(x: float) -> str:
    """A weight with its sign: ``+0.83`` / ``-1.2``."""
    return ("+" if x >= 0 else "") + format_number(x)


def format_feature(name: str) -> str:
    """A feature name as written in rule text (backticks when it is not a plain name)."""
    return name if _PLAIN_NAME.match(name) else "`" + name.replace("`", "``") + "`"


def _numeric_values(column: pd.Series, feature: str, missing: np.ndarray) -> np.ndarray:
    """The column as float64 with NaN where missing; a ValueError when it holds strings."""
    dtype = column.dtype
    if not isinstance(dtype, pd.CategoricalDtype) and (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)
    ):
        return column.to_numpy(dtype=float, na_value=np.nan)
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind not in _NUMERIC_KINDS:
        raise ValueError(
            f"Column {feature!r} holds non-numeric values (inferred {kind!r}) but a rule "
            f"compares it with a number; pass the raw numeric column."
        )
    values = column.to_numpy(dtype=object, copy=True)
    values[missing] = np.nan
    return values.astype(float)


# ---------------------------------------------------------------------- Condition
@dataclass(frozen=True, eq=False)
class Condition:
    """One test on one raw feature.

    Parameters
    ----------
    feature : str
        Raw column name.
    op : {"<=", ">", "==", "!=", "in", "is_missing"}
        The comparison.
    value : float, level, tuple of levels or bool
        Threshold (``<=``, ``>``), level (``==``, ``!=``), tuple of levels (``in``) or, for
        ``is_missing``, ``True`` ("is missing") / ``False`` ("is not missing").
    if_missing : bool, default False
        The condition's value on a missing entry (ignored by ``is_missing``).

    Examples
    --------
    >>> import pandas as pd
    >>> c = Condition("Home", "!=", "rent", if_missing=True)
    >>> str(c)
    "(Home != 'rent' OR Home IS MISSING)"
    >>> c.evaluate(pd.Series(["rent", "own", None])).tolist()
    [False, True, True]
    """

    feature: str
    op: str
    value: Any
    if_missing: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.feature, str) or not self.feature:
            raise ValueError(f"Condition feature must be a non-empty str; got {self.feature!r}.")
        if self.op not in OPS:
            raise ValueError(f"Unknown op {self.op!r}; valid ops are {', '.join(OPS)}.")
        if_missing = _py(self.if_missing)
        if not isinstance(if_missing, bool):
            raise ValueError(f"if_missing must be a bool; got {self.if_missing!r}.")
        value = _py(self.value)
        where = f"Condition on {self.feature!r} ({self.op})"
        if self.op in ("<=", ">"):
            value = _finite(value, f"{where}: the threshold")
        elif self.op in ("==", "!="):
            value = _level(value, self.feature)
        elif self.op == "in":
            if isinstance(value, (str, bytes)) or not isinstance(
                value, (tuple, list, set, frozenset)
            ):
                raise ValueError(f"{where}: value must be a tuple of levels; got {value!r}.")
            levels = {_typed(v): v for v in (_level(v, self.feature) for v in value)}
            if not levels:
                raise ValueError(f"{where}: the tuple of levels is empty.")
            value = tuple(levels.values())
        else:
            if not isinstance(value, bool):
                raise ValueError(f"{where}: value must be True or False; got {value!r}.")
            if_missing = False
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "if_missing", if_missing)

    def _key(self) -> tuple:
        return (self.feature, self.op, _typed(self.value), self.if_missing)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def evaluate(self, column: pd.Series) -> np.ndarray:
        """Boolean array: where the condition holds on ``column`` (vectorised)."""
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        missing = column.isna().to_numpy(dtype=bool)
        if self.op == "is_missing":
            return missing.copy() if self.value else ~missing
        if self.op in ("<=", ">"):
            x = _numeric_values(column, self.feature, missing)
            with np.errstate(invalid="ignore"):
                hit = x <= self.value if self.op == "<=" else x > self.value
        else:
            levels = list(self.value) if self.op == "in" else [self.value]
            hit = column.isin(levels).to_numpy(dtype=bool)
            if self.op == "!=":
                hit = ~hit
        return np.where(missing, self.if_missing, hit)

    def to_text(self) -> str:
        """Human-readable form, e.g. ``Income <= 1200``."""
        name = format_feature(self.feature)
        if self.op == "is_missing":
            return f"{name} IS {'' if self.value else 'NOT '}MISSING"
        if self.op in ("<=", ">"):
            text = f"{name} {self.op} {format_number(self.value)}"
        elif self.op == "in":
            text = f"{name} IN ({', '.join(repr(v) for v in self.value)})"
        else:
            text = f"{name} {self.op} {self.value!r}"
        return f"({text} OR {name} IS MISSING)" if self.if_missing else text

    __str__ = to_text


# ---------------------------------------------------------------------- Rule
@dataclass(frozen=True, eq=False)
class Rule:
    """A conjunction of conditions worth ``weight`` points when it fires.

    Parameters
    ----------
    conditions : tuple of Condition
        All must hold for the rule to fire; an empty tuple always fires.
    weight : float
        Points added to the score (log-odds for ``link="logit"``).
    support : float, optional
        Share of the training rows on which the rule fires, in [0, 1].
    precision : float, optional
        Share of those rows whose label is the positive class, in [0, 1].
    name : str, optional
        A label (e.g. ``"leaf_7"``).

    Examples
    --------
    >>> r = Rule((Condition("Income", "<=", 1200.0),), weight=0.83)
    >>> str(r)
    'IF Income <= 1200 THEN +0.83 points'
    """

    conditions: tuple[Condition, ...]
    weight: float
    support: float | None = None
    precision: float | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.conditions, Condition) or not isinstance(
            self.conditions, (tuple, list)
        ):
            raise ValueError("Rule conditions must be a tuple of Condition objects.")
        conditions = tuple(self.conditions)
        for c in conditions:
            if not isinstance(c, Condition):
                raise ValueError(f"Rule conditions must be Condition objects; got {c!r}.")
        object.__setattr__(self, "conditions", conditions)
        object.__setattr__(self, "weight", _finite(self.weight, "Rule weight"))
        for attr in ("support", "precision"):
            v = getattr(self, attr)
            if v is not None:
                v = _finite(v, f"Rule {attr}")
                if not 0.0 <= v <= 1.0:
                    raise ValueError(f"Rule {attr} must lie in [0, 1]; got {v!r}.")
                object.__setattr__(self, attr, v)
        if self.name is not None and not isinstance(self.name, str):
            raise ValueError(f"Rule name must be a str or None; got {self.name!r}.")

    @property
    def features(self) -> tuple[str, ...]:
        """Distinct features in the conditions, in order of first use."""
        return tuple(dict.fromkeys(c.feature for c in self.conditions))

    def condition_text(self) -> str:
        """The conditions joined by ``AND`` (``TRUE`` when there are none)."""
        return " AND ".join(c.to_text() for c in self.conditions) or "TRUE"

    def to_text(self) -> str:
        """``IF <conditions> THEN <points> points``."""
        return f"IF {self.condition_text()} THEN {format_points(self.weight)} points"

    __str__ = to_text

    def _key(self) -> tuple:
        return (
            tuple(c._key() for c in self.conditions),
            self.weight,
            self.support,
            self.precision,
            self.name,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Rule) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


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
        Free JSON-able information (``fidelity`` is stored here); not compared by ``==``.

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
    ) -> None:
        rules = tuple(rules)
        for r in rules:
            if not isinstance(r, Rule):
                raise ValueError(f"RuleSet rules must be Rule objects; got {type(r).__name__}.")
        self.rules: tuple[Rule, ...] = rules
        self.intercept: float = _finite(intercept, "RuleSet intercept")
        if link not in LINKS:
            raise ValueError(f"Unknown link {link!r}; valid links are {', '.join(LINKS)}.")
        self.link: str = link
        classes = tuple(_py(c) for c in classes)
        if len(classes) != 2 or _typed(classes[0]) == _typed(classes[1]):
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
    def features_used(self) -> list[str]:
        """Distinct features the rules test, in order of first use."""
        return list(dict.fromkeys(f for r in self.rules for f in r.features))

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __getitem__(self, i: int) -> Rule:
        return self.rules[i]

    def __repr__(self) -> str:
        return (
            f"RuleSet(n_rules={self.n_rules}, n_conditions={self.n_conditions}, "
            f"intercept={self.intercept!r}, link={self.link!r}, classes={self.classes!r})"
        )

    def _key(self) -> tuple:
        return (
            tuple(r._key() for r in self.rules),
            self.intercept,
            self.link,
            _typed(self.classes),
            None if self.feature_names is None else tuple(self.feature_names),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RuleSet) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable metadata

    # ------------------------------------------------------------ evaluation
    def _check_frame(self, X: Any) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"X must be a pandas DataFrame of raw columns; got {type(X).__name__}.")
        used = self.features_used
        absent = [f for f in used if f not in X.columns]
        if absent:
            raise ValueError(f"X lacks column(s) used by the rule set: {absent}.")
        dup = [f for f in used if (X.columns == f).sum() > 1]
        if dup:
            raise ValueError(f"X has duplicated column(s) used by the rule set: {dup}.")
        return X

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

    def _score(self, fired: np.ndarray) -> np.ndarray:
        score = np.full(fired.shape[0], self.intercept, dtype=np.float64)
        for j, rule in enumerate(self.rules):
            score = score + np.where(fired[:, j], rule.weight, 0.0)
        return score

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Scores: intercept + weights of the fired rules, summed in rule order (float64)."""
        return self._score(self.fire_matrix(X))

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Array (n, 2): ``[1 - p, p]`` with ``p = 1 / (1 + exp(-score))`` (link logit)."""
        if self.link != "logit":
            raise ValueError("predict_proba needs link='logit'; this rule set is a regressor.")
        p = _sigmoid(self.decision_function(X))
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
        """One row per (row, fired rule): ``row`` (X's index label), ``rule`` (position),
        ``name``, ``text`` and ``weight``. Per row, intercept + sum(weight) = score."""
        fired = self.fire_matrix(X)
        rows, rules = np.nonzero(fired)
        text = np.array([r.condition_text() for r in self.rules] or [""], dtype=object)
        names = np.array([r.name for r in self.rules] or [None], dtype=object)
        weights = np.array([r.weight for r in self.rules] or [0.0], dtype=float)
        return pd.DataFrame(
            {
                "row": X.index[rows],
                "rule": rules.astype(np.int64),
                "name": names[rules],
                "text": text[rules],
                "weight": weights[rules],
            }
        )

    def explain_features(self, X: pd.DataFrame) -> Explanation:
        """Per-feature points: each fired rule's weight split equally over its distinct
        features; rules without conditions go to ``base_values`` (with the intercept)."""
        from interpretable_nn.attribution.explanation import Explanation

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
        base = np.full(len(X), self.intercept + always)
        gap = np.abs(base + values.sum(axis=1) - self._score(fired))
        return Explanation(
            values=values,
            base_values=base,
            feature_names=list(names),
            data=X,
            output="log-odds" if self.link == "logit" else "raw",
            method="rules",
            check={"additivity_gap": float(gap.max()) if len(gap) else 0.0},
        )

    def fidelity(self, X: pd.DataFrame, model: Any, X_model: Any = None) -> dict[str, Any]:
        """Agreement with ``model`` on ``X`` (stored in ``metadata["fidelity"]`` too).

        ``agreement``: share of rows with the same predicted class (link logit) or, for link
        identity, the same prediction to ``rtol=1e-7``. ``max_abs_score_diff``: against
        ``model.decision_function`` (logit) or ``model.predict`` (identity) when available;
        ``max_abs_proba_diff`` against ``model.predict_proba`` when available. ``X_model``
        is what the model is fed when it needs another input than ``X`` (e.g. a matrix).
        """
        X_in = X if X_model is None else X_model
        if len(X) == 0:
            raise ValueError("fidelity needs at least one row.")
        score = self.decision_function(X)
        mine = self.predict(X)
        theirs = np.asarray(model.predict(X_in)).reshape(-1)
        if len(theirs) != len(X):
            raise ValueError("The model returned a different number of predictions than rows.")
        result: dict[str, Any] = {"n_rows": len(X)}
        if self.link == "identity":
            theirs = theirs.astype(float)
            result["agreement"] = float(np.mean(np.isclose(mine, theirs, rtol=1e-7, atol=1e-12)))
            result["max_abs_score_diff"] = float(np.max(np.abs(score - theirs)))
        else:
            result["agreement"] = float(np.mean(mine == theirs))
            if hasattr(model, "decision_function"):
                other = np.asarray(model.decision_function(X_in), dtype=float).reshape(-1)
                result["max_abs_score_diff"] = float(np.max(np.abs(score - other)))
            if hasattr(model, "predict_proba"):
                proba = np.asarray(model.predict_proba(X_in), dtype=float)
                result["max_abs_proba_diff"] = float(np.max(np.abs(_sigmoid(score) - proba[:, -1])))
        self.metadata["fidelity"] = dict(result)
        return result

    # ------------------------------------------------------------ exports
    def to_text(self, digits: int | None = None) -> str:
        """Plain text, one ``IF ... THEN ... points`` line per rule; see :func:`export.to_text`."""
        from . import export

        return export.to_text(self, digits=digits)

    def to_markdown(self, digits: int | None = None) -> str:
        """A reviewer's Markdown table; see :func:`export.to_markdown`."""
        from . import export

        return export.to_markdown(self, digits=digits)

    def to_json(self, indent: int | None = 2) -> str:
        """Lossless versioned JSON; see :func:`export.to_json`."""
        from . import export

        return export.to_json(self, indent=indent)

    @classmethod
    def from_json(cls, s: str | bytes) -> RuleSet:
        """Strictly validated inverse of :meth:`to_json`; see :func:`export.from_json`."""
        from . import export

        return export.from_json(s)

    def to_sql(self, table: str | Sequence[str] = "applicants", id_column: str | None = "id",
               dialect: str = "sqlite") -> str:
        """One SELECT that scores a table; see :func:`export.to_sql`."""
        from . import export

        return export.to_sql(self, table=table, id_column=id_column, dialect=dialect)

    def to_sympy(self, return_codes: bool = False) -> Any:
        """The score as a SymPy expression; see :func:`export.to_sympy`."""
        from . import export

        return export.to_sympy(self, return_codes=return_codes)

    def sympy_symbols(self) -> list[sympy.Symbol]:
        """Arguments of the SymPy expression, in order; see :func:`export.sympy_symbols`."""
        from . import export

        return export.sympy_symbols(self)

    def sympy_inputs(self, X: pd.DataFrame) -> list[np.ndarray]:
        """``X`` as lambdify arguments; see :func:`export.sympy_inputs`."""
        from . import export

        return export.sympy_inputs(self, X)

    def to_graphviz(self) -> graphviz.Digraph:
        """A ``graphviz.Digraph``: one node per rule feeding the score; see
        :func:`export.to_graphviz`."""
        from . import export

        return export.to_graphviz(self)

    # ------------------------------------------------------------ import
    @classmethod
    def from_sklearn_tree(
        cls,
        tree: Any,
        feature_names: Sequence[str] | None = None,
        classes: Sequence[Any] | None = None,
        column_map: Mapping[int | str, Mapping[str, Any]] | None = None,
    ) -> RuleSet:
        """One rule per leaf of a fitted sklearn decision tree; see :func:`from_sklearn_tree`."""
        from .from_tree import from_sklearn_tree

        return from_sklearn_tree(tree, feature_names, classes=classes, column_map=column_map)


def _sigmoid(score: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    out = np.empty_like(score, dtype=np.float64)
    pos = score >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-score[pos]))
    e = np.exp(score[~pos])
    out[~pos] = e / (1.0 + e)
    return out

"""The building blocks of a rule set: :class:`Condition` (one test on one raw column) and
:class:`Rule` (a conjunction of conditions worth some points), plus the two shapes the rule
modules pass around without importing :class:`~interpretable_nn.rules.RuleSet`:
:class:`RuleSetLike` (what an export reads from a rule set) and :class:`RuleSetParts` (what
a reader such as ``from_json`` or ``from_tree`` hands to ``RuleSet(**parts)``).

The evaluation contract (missing values, level comparison, ``if_missing``) is written out
in :mod:`interpretable_nn.rules.ruleset`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict

import numpy as np
import pandas as pd

from .values import (
    OPS,
    finite,
    format_feature,
    format_number,
    format_points,
    level,
    numeric_values,
    py_scalar,
    typed_key,
)

__all__ = ["Condition", "Rule", "LinearTerm", "RuleSetLike", "RuleSetParts"]


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
        if_missing = py_scalar(self.if_missing)
        if not isinstance(if_missing, bool):
            raise ValueError(f"if_missing must be a bool; got {self.if_missing!r}.")
        value = py_scalar(self.value)
        where = f"Condition on {self.feature!r} ({self.op})"
        if self.op in ("<=", ">"):
            value = finite(value, f"{where}: the threshold")
        elif self.op in ("==", "!="):
            value = level(value, self.feature)
        elif self.op == "in":
            if isinstance(value, (str, bytes)) or not isinstance(
                value, (tuple, list, set, frozenset)
            ):
                raise ValueError(f"{where}: value must be a tuple of levels; got {value!r}.")
            levels = {typed_key(v): v for v in (level(v, self.feature) for v in value)}
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
        return (self.feature, self.op, typed_key(self.value), self.if_missing)

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
            x = numeric_values(column, self.feature, missing)
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
        object.__setattr__(self, "weight", finite(self.weight, "Rule weight"))
        for attr in ("support", "precision"):
            v = getattr(self, attr)
            if v is not None:
                v = finite(v, f"Rule {attr}")
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



# ---------------------------------------------------------------------- LinearTerm
@dataclass(frozen=True, eq=False)
class LinearTerm:
    """Points in proportion to one numeric column: ``points × clip(x, lo, hi)``, with
    ``fill`` in place of a missing value (RuleFit's winsorized linear term).

    Parameters
    ----------
    feature : str
        The raw numeric column.
    points : float
        Points per unit of the column (log-odds for ``link="logit"``).
    lo, hi : float
        The column is clipped to ``[lo, hi]`` (``lo <= hi``): values beyond count as the
        bound, so no single value can move the score by more than ``points × (hi - lo)``.
    fill : float
        The value a missing entry counts as, in ``[lo, hi]``.
    name : str, optional
    mean : float, optional
        The mean of the column as the term reads it on the training rows (reason codes
        against the average applicant use it), in ``[lo, hi]``.

    Examples
    --------
    >>> t = LinearTerm("Income", points=-0.002, lo=500.0, hi=3000.0, fill=1200.0)
    >>> str(t)
    '-0.002 points × Income (Income clipped to [500, 3000]; missing: 1200)'
    >>> t.points_on(pd.Series([100.0, 2000.0, None])).tolist()
    [-1.0, -4.0, -2.4]
    """

    feature: str
    points: float
    lo: float
    hi: float
    fill: float
    name: str | None = None
    mean: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.feature, str) or not self.feature:
            raise ValueError(f"LinearTerm feature must be a non-empty str; got {self.feature!r}.")
        where = f"LinearTerm on {self.feature!r}"
        for attr in ("points", "lo", "hi", "fill"):
            object.__setattr__(self, attr, finite(getattr(self, attr), f"{where}: {attr}"))
        if not self.lo <= self.fill <= self.hi:
            raise ValueError(f"{where}: need lo <= fill <= hi; got lo={self.lo!r}, fill={self.fill!r}, "
                             f"hi={self.hi!r}.")
        if self.name is not None and not isinstance(self.name, str):
            raise ValueError(f"LinearTerm name must be a str or None; got {self.name!r}.")
        if self.mean is not None:
            mean = finite(self.mean, f"{where}: mean")
            if not self.lo <= mean <= self.hi:
                raise ValueError(f"{where}: the mean {mean!r} must lie in [lo, hi].")
            object.__setattr__(self, "mean", mean)

    @property
    def features(self) -> tuple[str, ...]:
        return (self.feature,)

    def values(self, column: pd.Series) -> np.ndarray:
        """The column as the term reads it: ``fill`` where missing, else clipped to
        ``[lo, hi]`` (float64); a ValueError when the column holds strings."""
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(object)
        missing = column.isna().to_numpy(dtype=bool)
        x = numeric_values(column, self.feature, missing)
        return np.where(missing, self.fill, np.minimum(np.maximum(x, self.lo), self.hi))

    def points_on(self, column: pd.Series) -> np.ndarray:
        """The term's points per row: ``points * values(column)`` (float64)."""
        return self.points * self.values(column)

    def value_text(self) -> str:
        """``x (x clipped to [lo, hi]; missing: fill)``."""
        name = format_feature(self.feature)
        return (f"{name} ({name} clipped to [{format_number(self.lo)}, {format_number(self.hi)}]; "
                f"missing: {format_number(self.fill)})")

    def to_text(self) -> str:
        return f"{format_points(self.points)} points × {self.value_text()}"

    __str__ = to_text

    def _key(self) -> tuple:
        return (self.feature, self.points, self.lo, self.hi, self.fill, self.name, self.mean)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LinearTerm) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


# ---------------------------------------------------------------------- shapes
class RuleSetParts(TypedDict):
    """The arguments of ``RuleSet(**parts)``, as a reader (JSON, sklearn tree) builds them."""

    rules: list[Rule]
    intercept: float
    link: str
    classes: tuple[Any, Any]
    feature_names: list[str] | None
    metadata: dict[str, Any]
    linear: list[LinearTerm]


class RuleSetLike(Protocol):
    """What the exports read from a rule set (:class:`~interpretable_nn.rules.RuleSet`
    satisfies it); they take it duck-typed so that they need not import it."""

    rules: tuple[Rule, ...]
    linear: tuple[LinearTerm, ...]
    intercept: float
    link: str
    classes: tuple[Any, Any]
    feature_names: list[str] | None
    metadata: dict[str, Any]

    @property
    def n_rules(self) -> int: ...

    @property
    def n_conditions(self) -> int: ...

    @property
    def features_used(self) -> list[str]: ...

    def __iter__(self) -> Iterator[Rule]: ...

"""The SymPy export of a rule set: :func:`to_sympy`, :func:`sympy_symbols` and
:func:`sympy_inputs`.

The score is ``intercept + sum(Piecewise((w, conditions), (0, True)))``, plus per linear term
``points * Piecewise((fill, f_missing = 1), (Min(Max(f, lo), hi), True))``. Every used
feature ``f`` has a 0/1 symbol ``f_missing``. A feature tested only with numbers has a
value symbol ``f`` (its raw value); a feature with str/bool levels has one 0/1 symbol per
level a rule names, carrying the level in its name (``Records_no``: 1 when Records is
"no"), so the expression reads as the rules do. Names that are not identifiers are kept
as they are; underscores are appended when a name is taken (compared as Python reads
identifiers, NFKC) or is one ``lambdify``'s code uses (``select``, ``sum``, ...).

The expression is the score up to rounding: SymPy orders the terms of a sum its own way and
adds the constant ones (the intercept, rules without conditions) at its own precision, so
``lambdify``'s result can differ from ``RuleSet.decision_function`` in the last bits, and a
decision can differ only where the score is within about 1e-15 of the threshold. The SQL and
JSON exports add in Python's order and are exact. ``to_sympy(return_codes=True)``
also returns ``codes[feature][level]``: the level's position (1, 2, ...) among the
feature's indicator symbols. :func:`sympy_inputs` turns a DataFrame into the arguments, in
:func:`sympy_symbols` order, of ``sympy.lambdify(sympy_symbols(rs), to_sympy(rs))``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pandas as pd

from .conditions import Condition, RuleSetLike
from .values import check_rule_frame, days_features, numeric_values, typed_key

__all__ = ["to_sympy", "sympy_symbols", "sympy_inputs"]


@functools.cache
def _reserved() -> frozenset[str]:
    """Names a symbol may not take: what ``lambdify``'s generated code calls (numpy's
    ``select``, ``equal``, ``logical_and``, ...), Python's builtins and keywords. An argument
    named ``select`` shadowed numpy's in the generated function and crashed it."""
    import builtins
    import keyword

    return frozenset(dir(np)) | frozenset(dir(builtins)) | frozenset(keyword.kwlist) | {
        "numpy", "math", "mpmath", "sympy", "scipy", "Dummy", "_lambdifygenerated"}


def _symbol_names(rs: RuleSetLike) -> list[tuple[str, list[str], str]]:
    """(feature, value symbol names, missing symbol name) per used feature: ``[f]`` for a
    numeric feature, one ``f_<level>`` per coded level (in code order) for a categorical.
    Names are compared as Python reads identifiers (NFKC: ``ｘ`` is ``x``, ``ﬁ`` is ``fi``),
    and one that is taken or reserved (:func:`_reserved`) gets underscores appended."""
    import unicodedata

    def norm(name: str) -> str:
        return unicodedata.normalize("NFKC", name)

    codes = _codes(rs)
    reserved = _reserved()
    features = {norm(f) for f in (*rs.features_used, *(rs.feature_names or []))}
    used: set[str] = set()

    def fresh(name: str, own: str | None = None) -> str:
        while (k := norm(name)) in used or k in reserved or (k in features and name != own):
            name += "_"
        used.add(norm(name))
        return name

    out = []
    for f in rs.features_used:
        values = [fresh(f, own=f)] if f not in codes else [fresh(f"{f}_{level}") for level in codes[f]]
        out.append((f, values, fresh(f + "_missing")))
    return out


def _codes(rs: RuleSetLike) -> dict[str, dict[Any, int]]:
    """Integer codes of the levels of features compared with str/bool levels (or integers
    beyond 2**53, which float64 cannot keep apart)."""
    levels: dict[str, dict[Any, Any]] = {}
    thresholds = {t.feature for t in getattr(rs, "linear", ())}  # read as numbers, as thresholds are
    for c in (c for r in rs for c in r.conditions):
        if c.op in ("<=", ">"):
            thresholds.add(c.feature)
        elif c.op in ("==", "!=", "in"):
            vals = c.value if c.op == "in" else (c.value,)
            bucket = levels.setdefault(c.feature, {})
            for v in vals:
                bucket.setdefault(typed_key(v), v)
    codes: dict[str, dict[Any, int]] = {}
    for f, bucket in levels.items():
        # number levels stay numbers, unless an integer beyond 2**53 would round in float64
        # (2**60 and 2**60 + 1 read as one value, and each rule on one matched both)
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) and not (isinstance(v, int) and abs(v) > 2**53)
               for v in bucket.values()):
            continue
        if f in thresholds:
            raise ValueError(f"Feature {f!r} is compared both with thresholds and with "
                             "non-numeric levels; SymPy export cannot code it.")
        codes[f] = {}
        for v in bucket.values():
            codes[f].setdefault(v, len(codes[f]) + 1)
    return codes


def sympy_symbols(rs: RuleSetLike) -> list:
    """The arguments of :func:`to_sympy`'s expression: per used feature ``f`` (numeric) or
    its level indicators ``f_<level>`` (categorical), then ``f_missing``."""
    import sympy

    return [sympy.Symbol(n) for _, vs, m in _symbol_names(rs) for n in (*vs, m)]


def to_sympy(rs: RuleSetLike, return_codes: bool = False) -> Any:
    """The score as a SymPy expression of :func:`sympy_symbols`.

    Returns the expression, or ``(expression, codes)`` with ``codes[feature][level] = int``
    for the coded (categorical) features when ``return_codes=True``.

    Examples
    --------
    >>> import pandas as pd, sympy
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Home", "==", "rent"),), 0.5)], intercept=-1.0)
    >>> f = sympy.lambdify(sympy_symbols(rs), to_sympy(rs))
    >>> X = pd.DataFrame({"Home": ["rent", "own", None]})
    >>> f(*sympy_inputs(rs, X)).tolist()
    [-0.5, -1.0, -1.0]
    >>> [s.name for s in sympy_symbols(rs)]
    ['Home_rent', 'Home_missing']
    """
    import sympy

    codes = _codes(rs)
    sym = {f: ([sympy.Symbol(v) for v in vs], sympy.Symbol(m)) for f, vs, m in _symbol_names(rs)}

    def num(v: Any) -> Any:
        return sympy.Integer(v) if isinstance(v, int) else sympy.Float(v, 17)

    def cond(c: Condition) -> Any:
        xs, m = sym[c.feature]
        if c.op == "is_missing":
            return sympy.Eq(m, 1 if c.value else 0)
        if c.feature in codes:  # level indicators: "Records == 'no'" is Records_no = 1
            def eq(v: Any) -> Any:
                return sympy.Eq(xs[codes[c.feature][v] - 1], 1)
        else:
            def eq(v: Any) -> Any:
                return sympy.Eq(xs[0], num(v))
        if c.op == "<=":
            test = sympy.Le(xs[0], num(c.value))
        elif c.op == ">":
            test = sympy.Gt(xs[0], num(c.value))
        elif c.op == "==":
            test = eq(c.value)
        elif c.op == "!=":
            test = sympy.Not(eq(c.value))
        else:
            test = sympy.Or(*(eq(v) for v in c.value))
        if c.if_missing:
            return sympy.Or(sympy.Eq(m, 1), test)
        return sympy.And(sympy.Eq(m, 0), test)

    terms = [sympy.Float(rs.intercept, 17)]
    for r in rs:
        when = sympy.And(*(cond(c) for c in r.conditions))
        terms.append(sympy.Piecewise((sympy.Float(r.weight, 17), when), (0, True)))
    for t in getattr(rs, "linear", ()):
        (x,), m = sym[t.feature]
        value = sympy.Piecewise((num(t.fill), sympy.Eq(m, 1)), (sympy.Min(sympy.Max(x, num(t.lo)), num(t.hi)), True))
        terms.append(sympy.Mul(sympy.Float(t.points, 17), value))
    expr = sympy.Add(*terms)
    return (expr, codes) if return_codes else expr


def sympy_inputs(rs: RuleSetLike, X: pd.DataFrame) -> list[np.ndarray]:
    """Arrays for ``lambdify(sympy_symbols(rs), to_sympy(rs))``: per used feature its raw
    value (0 where missing or never compared) or one 0/1 array per level indicator, then
    its 0/1 missing flag."""
    X = check_rule_frame(X, rs.features_used, days_features(getattr(rs, "metadata", None)))
    codes = _codes(rs)
    valued = ({c.feature for r in rs for c in r.conditions if c.op != "is_missing"}
              | {t.feature for t in getattr(rs, "linear", ())})
    out: list[np.ndarray] = []
    for f, _, _ in _symbol_names(rs):
        col = X[f]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        missing = col.isna().to_numpy(dtype=bool)
        if f in codes:
            values = [(col.isin([level]).to_numpy(dtype=bool) & ~missing).astype(float) for level in codes[f]]
        elif f in valued:
            values = [np.where(missing, 0.0, numeric_values(col, f, missing))]
        else:  # only tested for missingness: the value is never read
            values = [np.zeros(len(X), dtype=float)]
        out += [*values, missing.astype(float)]
    return out

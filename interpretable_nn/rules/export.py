"""Exports of a :class:`~interpretable_nn.rules.ruleset.RuleSet`; each reproduces its scores.

* :func:`to_text` / :func:`to_markdown`: for a reader. Numbers are written as the shortest
  decimal that parses back to the same float (``digits=`` rounds weights for display only).
* :func:`to_json` / :func:`from_json`: lossless, versioned schema::

      {"format": "interpretable_nn.ruleset", "version": 1,
       "link": "logit" | "identity", "intercept": float, "classes": [label, label],
       "feature_names": [str, ...] | null, "metadata": {...},
       "rules": [{"conditions": [{"feature": str, "op": str, "value": ...,
                                  "if_missing": bool}, ...],
                  "weight": float, "support": float | null, "precision": float | null,
                  "name": str | null}, ...]}

  ``value`` is a number (``<=``, ``>``), a level (str, int, float or bool: JSON keeps them
  apart), a list of levels (``in``) or a bool (``is_missing``). No NaN or Infinity.
* :func:`to_sql`: one SELECT returning the id, ``score``, ``decision`` and (link logit)
  ``probability``. NULL is "missing": every condition is written NULL-safe with its
  ``if_missing`` value; the rule points are added left to right in rule order as in
  Python. Identifiers are double-quoted (``"`` doubled), strings single-quoted (``'``
  doubled), numbers written with ``repr(float)``; columns are qualified (``"src"."x"``) so
  a missing column is an error, never a string. Level comparisons follow the database's
  typing: store categories as text and thresholded columns as numbers.
* :func:`to_sympy`: the score as ``intercept + sum(Piecewise((w, conditions), (0, True)))``.
  Every used feature ``f`` has a value symbol ``f`` and a 0/1 symbol ``f_missing``
  (underscores appended if the name is taken). A feature tested only with numbers keeps
  raw values; a feature with str/bool levels is coded: each level an integer ``>= 1``
  (returned by ``to_sympy(return_codes=True)``), anything else 0. :func:`sympy_inputs`
  turns a DataFrame into the arguments, in :func:`sympy_symbols` order, of
  ``sympy.lambdify(sympy_symbols(rs), to_sympy(rs))``.
* :func:`to_graphviz`: a ``graphviz.Digraph``, one node per rule feeding the score node.

Why this file passes ~500 lines: six short, independent sections, one per format, that
share the value formatting of :mod:`.ruleset`; split a format out when it grows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .ruleset import (
    OPS,
    Condition,
    Rule,
    RuleSet,
    _numeric_values,
    _typed,
    format_number,
    format_points,
)

__all__ = [
    "FORMAT",
    "VERSION",
    "to_text",
    "to_markdown",
    "to_json",
    "from_json",
    "to_sql",
    "to_sympy",
    "sympy_symbols",
    "sympy_inputs",
    "to_graphviz",
]

FORMAT = "interpretable_nn.ruleset"
VERSION = 1
MAX_RULES = 100_000
MAX_CONDITIONS = 1_000_000
MAX_LEVELS = 100_000
MAX_ABS_NUMBER = 1e300
MAX_METADATA_DEPTH = 16


def _points(x: float, digits: int | None) -> str:
    return format_points(x if digits is None else round(x, digits))


def _how_to_score(rs: RuleSet) -> list[str]:
    lines = ["score = intercept + the points of every rule whose conditions all hold"]
    if rs.link == "logit":
        c0, c1 = rs.classes
        lines += [f"probability of {c1!r} = 1 / (1 + exp(-score))",
                  f"decision = {c1!r} if score > 0 else {c0!r}"]
    else:
        lines.append("prediction = score")
    lines.append("a missing value makes a condition false unless it says OR ... IS MISSING")
    return lines


# ---------------------------------------------------------------------- text, markdown
def to_text(rs: RuleSet, digits: int | None = None) -> str:
    """One ``IF ... THEN ... points`` line per rule, with the intercept and the link.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),
    ...                     Condition("Home", "==", "rent")), 0.83)], intercept=-0.4)
    >>> print(to_text(rs).splitlines()[2])
    IF Income <= 1200 AND Home == 'rent' THEN +0.83 points
    """
    head = f"# rule set: {rs.n_rules} rules, {rs.n_conditions} conditions, link {rs.link}"
    lines = [head, f"INTERCEPT {_points(rs.intercept, digits)} points"]
    lines += [f"IF {r.condition_text()} THEN {_points(r.weight, digits)} points" for r in rs]
    lines += ["# " + line for line in _how_to_score(rs)]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    run = longest = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    cell = f"{fence}{pad}{text}{pad}{fence}"
    return cell.replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def to_markdown(rs: RuleSet, digits: int | None = None) -> str:
    """A reviewer's table (rule #, conditions, points, support, precision) and how to score.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),), 0.83, support=0.2)])
    >>> "| 1 | `Income <= 1200` | +0.83 | 0.2 |  |" in to_markdown(rs)
    True
    """

    def fmt(v: float | None) -> str:
        return "" if v is None else format_number(v)

    lines = [
        f"**Rule set**: {rs.n_rules} rules, {rs.n_conditions} conditions, link `{rs.link}`"
        + (f", classes {rs.classes[0]!r} / {rs.classes[1]!r}." if rs.link == "logit" else "."),
        "",
        "| # | conditions (all must hold) | points | support | precision |",
        "|---:|---|---:|---:|---:|",
    ]
    for i, r in enumerate(rs, start=1):
        conds = " AND ".join(_md_cell(c.to_text()) for c in r.conditions) or "always"
        lines.append(f"| {i} | {conds} | {_points(r.weight, digits)} | {fmt(r.support)} "
                     f"| {fmt(r.precision)} |")
    lines += ["", f"Intercept: **{_points(rs.intercept, digits)}** points.", "", "How to score:"]
    lines += [f"- {line}" for line in _how_to_score(rs)]
    fid = rs.metadata.get("fidelity")
    if isinstance(fid, dict):
        lines += ["", "Fidelity to the source model: "
                  + ", ".join(f"{k} = {v}" for k, v in fid.items()) + "."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- JSON
def _jsonable(obj: Any, where: str, depth: int = 0) -> Any:
    if depth > MAX_METADATA_DEPTH:
        raise ValueError(f"{where} is nested deeper than {MAX_METADATA_DEPTH} levels.")
    obj = obj.item() if isinstance(obj, np.generic) else obj
    if obj is None or isinstance(obj, (str, bool, int)):
        return obj
    if isinstance(obj, float):
        return _number(obj, where)
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [_jsonable(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(list(obj))]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ValueError(f"{where} has a non-string key {k!r}.")
            out[k] = _jsonable(v, f"{where}[{k!r}]", depth + 1)
        return out
    raise ValueError(f"{where} holds a {type(obj).__name__}, which JSON cannot store.")


def to_json(rs: RuleSet, indent: int | None = 2) -> str:
    """Lossless JSON (schema in the module docstring).

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Home", "in", ("rent", 1)),), 0.1)])
    >>> from_json(to_json(rs)) == rs
    True
    """
    def cond(c: Condition) -> dict[str, Any]:
        value = list(c.value) if c.op == "in" else c.value
        return {"feature": c.feature, "op": c.op, "value": value, "if_missing": c.if_missing}

    doc = {
        "format": FORMAT,
        "version": VERSION,
        "link": rs.link,
        "intercept": rs.intercept,
        "classes": list(rs.classes),
        "feature_names": rs.feature_names,
        "rules": [
            {"conditions": [cond(c) for c in r.conditions], "weight": r.weight,
             "support": r.support, "precision": r.precision, "name": r.name}
            for r in rs
        ],
        "metadata": _jsonable(rs.metadata, "metadata"),
    }
    return json.dumps(doc, indent=indent, allow_nan=False, ensure_ascii=False)


def _reject_constant(name: str) -> None:
    raise ValueError(f"Rule set JSON may not contain {name}.")


def _number(x: Any, where: str) -> float | int:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{where} must be a number; got {x!r}.")
    if not (isinstance(x, int) or math.isfinite(x)) or abs(x) > MAX_ABS_NUMBER:
        raise ValueError(f"{where} is not a finite number of sensible size: {x!r}.")
    return x


def _obj(d: Any, where: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(d, dict):
        raise ValueError(f"{where} must be a JSON object; got {type(d).__name__}.")
    missing, unknown = required - d.keys(), d.keys() - required - optional
    if missing or unknown:
        raise ValueError(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}.")
    return d


def _list(d: Any, where: str, limit: int) -> list:
    if not isinstance(d, list):
        raise ValueError(f"{where} must be a JSON array; got {type(d).__name__}.")
    if len(d) > limit:
        raise ValueError(f"{where} has {len(d)} entries; at most {limit} are accepted.")
    return d


def _json_level(v: Any, where: str) -> Any:
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return _number(v, where)
    raise ValueError(f"{where} must be a str, number or bool; got {type(v).__name__}.")


def _optional_unit(v: Any, where: str) -> float | None:
    return None if v is None else float(_number(v, where))


def from_json(s: str | bytes) -> RuleSet:
    """Read a rule set written by :func:`to_json`, validating strictly.

    Raises ``ValueError`` on another format or a newer version, unknown keys or ops,
    non-finite or absurd (``|x| > 1e300``) numbers, wrong types or nesting, and more than
    100,000 rules or 1,000,000 conditions.

    Examples
    --------
    >>> from_json('{"format": "interpretable_nn.ruleset", "version": 1, "link": "logit",'
    ...           ' "intercept": 0.5, "rules": []}')
    RuleSet(n_rules=0, n_conditions=0, intercept=0.5, link='logit', classes=(0, 1))
    """
    if isinstance(s, (bytes, bytearray)):
        s = s.decode("utf-8")
    if not isinstance(s, str):
        raise TypeError(f"from_json needs a str; got {type(s).__name__}.")
    try:
        doc = json.loads(s, parse_constant=_reject_constant)
    except RecursionError as err:
        raise ValueError("Rule set JSON is nested far deeper than its schema.") from err
    top = _obj(doc, "rule set", {"format", "version", "link", "intercept", "rules"},
               {"classes", "feature_names", "metadata"})
    if top["format"] != FORMAT:
        raise ValueError(f"Not a rule set: format is {top['format']!r}, expected {FORMAT!r}.")
    version = top["version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"Invalid rule set version {version!r}.")
    if version > VERSION:
        raise ValueError(f"This rule set uses schema version {version}, newer than the version "
                         f"{VERSION} this interpretable_nn reads; upgrade interpretable_nn.")
    if top["link"] not in ("logit", "identity"):
        raise ValueError(f"Unknown link {top['link']!r}.")
    classes = [_json_level(c, "classes") for c in _list(top.get("classes", [0, 1]), "classes", 2)]
    names = top.get("feature_names")
    if names is not None:
        names = _list(names, "feature_names", MAX_CONDITIONS)
        if not all(isinstance(f, str) for f in names):
            raise ValueError("feature_names must all be strings.")
    metadata = top.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be a JSON object.")
    metadata = _jsonable(metadata, "metadata")
    rules, n_conditions = [], 0
    for i, r in enumerate(_list(top["rules"], "rules", MAX_RULES)):
        where = f"rules[{i}]"
        r = _obj(r, where, {"conditions", "weight"}, {"support", "precision", "name"})
        conds = _list(r["conditions"], f"{where}.conditions", MAX_CONDITIONS)
        n_conditions += len(conds)
        if n_conditions > MAX_CONDITIONS:
            raise ValueError(f"The rule set has more than {MAX_CONDITIONS} conditions.")
        parsed = []
        for k, c in enumerate(conds):
            cw = f"{where}.conditions[{k}]"
            c = _obj(c, cw, {"feature", "op", "value"}, {"if_missing"})
            if not isinstance(c["feature"], str):
                raise ValueError(f"{cw}.feature must be a string; got {c['feature']!r}.")
            if c["op"] not in OPS:
                raise ValueError(f"{cw}: unknown op {c['op']!r}; valid ops are {', '.join(OPS)}.")
            value = c["value"]
            if c["op"] == "in":
                value = tuple(_json_level(v, f"{cw}.value")
                              for v in _list(value, f"{cw}.value", MAX_LEVELS))
            else:
                value = _json_level(value, f"{cw}.value")
            if_missing = c.get("if_missing", False)
            if not isinstance(if_missing, bool):
                raise ValueError(f"{cw}.if_missing must be true or false.")
            parsed.append(Condition(c["feature"], c["op"], value, if_missing=if_missing))
        name = r.get("name")
        if name is not None and not isinstance(name, str):
            raise ValueError(f"{where}.name must be a string or null.")
        rules.append(Rule(tuple(parsed), float(_number(r["weight"], f"{where}.weight")),
                          support=_optional_unit(r.get("support"), f"{where}.support"),
                          precision=_optional_unit(r.get("precision"), f"{where}.precision"),
                          name=name))
    return RuleSet(rules, intercept=float(_number(top["intercept"], "intercept")),
                   link=top["link"], classes=tuple(classes), feature_names=names,
                   metadata=metadata)


# ---------------------------------------------------------------------- SQL
def _ident(name: str) -> str:
    if "\x00" in name:
        raise ValueError(f"SQL identifiers may not contain NUL characters: {name!r}.")
    return '"' + name.replace('"', '""') + '"'


def _literal(v: Any) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if "\x00" in v:
        raise ValueError(f"SQL string literals may not contain NUL characters: {v!r}.")
    return "'" + v.replace("'", "''") + "'"


def _sql_condition(c: Condition) -> str:
    col = f'"src".{_ident(c.feature)}'  # qualified: sqlite never reads it as a string
    if c.op == "is_missing":
        return f"{col} IS {'' if c.value else 'NOT '}NULL"
    if c.op == "in":
        test = f"{col} IN ({', '.join(_literal(v) for v in c.value)})"
    else:
        op = {"==": "=", "!=": "<>"}.get(c.op, c.op)
        test = f"{col} {op} {_literal(c.value)}"
    return f"({col} IS NULL OR {test})" if c.if_missing else f"({col} IS NOT NULL AND {test})"


def to_sql(rs: RuleSet, table: str | Sequence[str] = "applicants",
           id_column: str | None = "id", dialect: str = "sqlite") -> str:
    """One SELECT scoring every row of ``table`` exactly as ``rs.decision_function``.

    Parameters
    ----------
    rs : RuleSet
    table : str or sequence of str
        Table name, or its parts (``("schema", "table")``); each part is quoted.
    id_column : str or None
        Column returned beside the scores (None: no id column).
    dialect : {"sqlite", "ansi"}
        Both use ``EXP`` (SQLite >= 3.35 built with math functions; Python's is).

    Examples
    --------
    >>> import sqlite3
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),), 0.5)], intercept=-0.25)
    >>> con = sqlite3.connect(":memory:")
    >>> _ = con.execute('CREATE TABLE applicants (id INTEGER, "Income" REAL)')
    >>> _ = con.executemany("INSERT INTO applicants VALUES (?, ?)", [(1, 1000.0), (2, None)])
    >>> [(i, s, d, round(p, 4)) for i, s, d, p in con.execute(to_sql(rs))]
    [(1, 0.25, 1, 0.5622), (2, -0.25, 0, 0.4378)]
    """
    if dialect not in ("sqlite", "ansi"):
        raise ValueError(f"Unknown SQL dialect {dialect!r}; use 'sqlite' or 'ansi'.")
    parts = [table] if isinstance(table, str) else list(table)
    if not parts or not all(isinstance(p, str) for p in parts):
        raise ValueError(f"table must be a str or a sequence of str; got {table!r}.")
    source = ".".join(_ident(p) for p in parts)
    ident = [] if id_column is None else [_ident(id_column)]
    inner_id = [f'"src".{c} AS {c}' for c in ident]
    terms = [f"CAST({_literal(rs.intercept)} AS DOUBLE PRECISION)  -- intercept"]
    for i, r in enumerate(rs, start=1):
        name = "".join(ch if ch.isprintable() else " " for ch in r.name or "")
        label = f"  -- rule {i}" + (f" ({name})" if name else "")
        if r.conditions:
            when = " AND ".join(_sql_condition(c) for c in r.conditions)
            terms.append(f"+ CASE WHEN {when} THEN {_literal(r.weight)} ELSE 0.0 END{label}")
        else:
            terms.append(f"+ {_literal(r.weight)}{label}")
    score = '"score"'
    if rs.link == "logit":
        c0, c1 = (_literal(c) for c in rs.classes)
        outputs = [
            score,
            f"CASE WHEN {score} > 0 THEN {c1} ELSE {c0} END AS \"decision\"",
            f"CASE WHEN {score} > 700 THEN 1.0 WHEN {score} < -700 THEN 0.0\n"
            f"       WHEN {score} >= 0 THEN 1.0 / (1.0 + EXP(-{score}))\n"
            f"       ELSE EXP({score}) / (1.0 + EXP({score})) END AS \"probability\"",
        ]
    else:
        outputs = [score, f'{score} AS "decision"']
    inner = "\n    ".join(terms)
    return (
        f"-- interpretable_nn rule set: {rs.n_rules} rules, link {rs.link}, NULL = missing\n"
        "SELECT\n  " + ",\n  ".join(ident + outputs) + "\nFROM (\n  SELECT\n    "
        + "".join(f"{c},\n    " for c in inner_id) + inner + '\n    AS "score"\n'
        f'  FROM {source} AS "src"\n) AS "scored"'
    )


# ---------------------------------------------------------------------- SymPy
def _symbol_names(rs: RuleSet) -> list[tuple[str, str, str]]:
    """(feature, value symbol name, missing symbol name) per used feature."""
    taken = set(rs.features_used) | set(rs.feature_names or [])
    out = []
    for f in rs.features_used:
        m = f + "_missing"
        while m in taken:
            m += "_"
        taken.add(m)
        out.append((f, f, m))
    return out


def _codes(rs: RuleSet) -> dict[str, dict[Any, int]]:
    """Integer codes of the levels of features compared with str/bool levels."""
    levels: dict[str, dict[Any, Any]] = {}
    thresholds = set()
    for c in (c for r in rs for c in r.conditions):
        if c.op in ("<=", ">"):
            thresholds.add(c.feature)
        elif c.op in ("==", "!=", "in"):
            vals = c.value if c.op == "in" else (c.value,)
            bucket = levels.setdefault(c.feature, {})
            for v in vals:
                bucket.setdefault(_typed(v), v)
    codes: dict[str, dict[Any, int]] = {}
    for f, bucket in levels.items():
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bucket.values()):
            continue
        if f in thresholds:
            raise ValueError(f"Feature {f!r} is compared both with thresholds and with "
                             "non-numeric levels; SymPy export cannot code it.")
        codes[f] = {}
        for v in bucket.values():
            codes[f].setdefault(v, len(codes[f]) + 1)
    return codes


def sympy_symbols(rs: RuleSet) -> list:
    """The arguments of :func:`to_sympy`'s expression: ``f, f_missing`` per used feature."""
    import sympy

    return [sympy.Symbol(n) for _, v, m in _symbol_names(rs) for n in (v, m)]


def to_sympy(rs: RuleSet, return_codes: bool = False) -> Any:
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
    """
    import sympy

    codes = _codes(rs)
    sym = {f: (sympy.Symbol(v), sympy.Symbol(m)) for f, v, m in _symbol_names(rs)}

    def num(v: Any) -> Any:
        return sympy.Integer(v) if isinstance(v, int) else sympy.Float(v, 17)

    def cond(c: Condition) -> Any:
        x, m = sym[c.feature]
        if c.op == "is_missing":
            return sympy.Eq(m, 1 if c.value else 0)
        enc = (lambda v: sympy.Integer(codes[c.feature][v])) if c.feature in codes else num
        if c.op == "<=":
            test = sympy.Le(x, num(c.value))
        elif c.op == ">":
            test = sympy.Gt(x, num(c.value))
        elif c.op == "==":
            test = sympy.Eq(x, enc(c.value))
        elif c.op == "!=":
            test = sympy.Ne(x, enc(c.value))
        else:
            test = sympy.Or(*(sympy.Eq(x, enc(v)) for v in c.value))
        if c.if_missing:
            return sympy.Or(sympy.Eq(m, 1), test)
        return sympy.And(sympy.Eq(m, 0), test)

    terms = [sympy.Float(rs.intercept, 17)]
    for r in rs:
        when = sympy.And(*(cond(c) for c in r.conditions))
        terms.append(sympy.Piecewise((sympy.Float(r.weight, 17), when), (0, True)))
    expr = sympy.Add(*terms)
    return (expr, codes) if return_codes else expr


def sympy_inputs(rs: RuleSet, X: pd.DataFrame) -> list[np.ndarray]:
    """Arrays for ``lambdify(sympy_symbols(rs), to_sympy(rs))``: per used feature its raw
    value (0 where missing or never compared) or level code (0 for levels no rule names),
    then its 0/1 missing flag."""
    X = rs._check_frame(X)
    codes = _codes(rs)
    valued = {c.feature for r in rs for c in r.conditions if c.op != "is_missing"}
    out: list[np.ndarray] = []
    for f, _, _ in _symbol_names(rs):
        col = X[f]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        missing = col.isna().to_numpy(dtype=bool)
        if f in codes:
            value = np.zeros(len(X), dtype=float)
            for level, code in codes[f].items():
                value[col.isin([level]).to_numpy(dtype=bool) & ~missing] = code
        elif f in valued:
            value = np.where(missing, 0.0, _numeric_values(col, f, missing))
        else:  # only tested for missingness: the value is never read
            value = np.zeros(len(X), dtype=float)
        out += [value, missing.astype(float)]
    return out


# ---------------------------------------------------------------------- Graphviz
def _dot(text: str) -> str:
    """User text made literal in a DOT label (backslashes doubled; quotes are escaped by
    graphviz's own quoting)."""
    return text.replace("\\", "\\\\").replace("\n", " ").replace("\r", " ")


def to_graphviz(rs: RuleSet) -> Any:
    """A ``graphviz.Digraph``: one box per rule (conditions and points) feeding the score.

    ``.source`` gives the DOT text without the ``dot`` binary; ``.render`` needs it.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),), 0.5)])
    >>> "Income <= 1200" in to_graphviz(rs).source
    True
    """
    import graphviz

    g = graphviz.Digraph("ruleset", graph_attr={"rankdir": "LR"},
                         node_attr={"shape": "box", "fontname": "Helvetica"})
    how = "\\l".join(_dot(line) for line in _how_to_score(rs)) + "\\l"
    g.node("score", graphviz.nohtml(
        f"score (link {rs.link})\\lintercept {_dot(_points(rs.intercept, None))}\\l{how}"),
        shape="ellipse")
    for i, r in enumerate(rs, start=1):
        lines = [f"Rule {i}" + (f" ({_dot(r.name)})" if r.name else "")]
        conds = [_dot(c.to_text()) for c in r.conditions] or ["TRUE"]
        lines += [("AND " if k else "IF ") + text for k, text in enumerate(conds)]
        lines += [f"THEN {_dot(format_points(r.weight))} points"]
        g.node(f"rule_{i}", graphviz.nohtml("\\l".join(lines) + "\\l"))
        g.edge(f"rule_{i}", "score", label=_dot(format_points(r.weight)))
    return g

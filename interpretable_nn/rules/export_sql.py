"""The SQL export of a rule set: :func:`to_sql`, one SELECT that scores a table exactly as
``RuleSet.decision_function`` does.

It returns the id, ``score``, ``decision`` and (link logit) ``probability``. NULL is
"missing": every condition is written NULL-safe with its ``if_missing`` value; the rule
points are added left to right in rule order as in Python. Identifiers are double-quoted
(``"`` doubled), strings single-quoted (``'`` doubled), numbers written with
``repr(float)``; columns are qualified (``"src"."x"``) so a missing column is an error,
never a string. Level comparisons follow the database's typing: store categories as text
and thresholded columns as numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .conditions import Condition, RuleSetLike

__all__ = ["to_sql"]


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


def to_sql(rs: RuleSetLike, table: str | Sequence[str] = "applicants",
           id_column: str | None = "id", dialect: str = "sqlite") -> str:
    """One SELECT scoring every row of ``table`` exactly as ``rs.decision_function``.

    Parameters
    ----------
    rs : RuleSet (any RuleSetLike)
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

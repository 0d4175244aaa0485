"""The SQL export of a points scorecard: :func:`to_sql`, one SELECT that returns each row's
``id, score, reason_1 .. reason_k`` exactly as :meth:`Scorecard.score
<interpretable_nn.rules.scorecard.Scorecard.score>` and :meth:`Scorecard.reason_codes
<interpretable_nn.rules.scorecard.Scorecard.reason_codes>` give them.

The query is one statement, ``WITH "binned", "points", "ranked" SELECT ...``; each step is
``MATERIALIZED`` (SQLite >= 3.35, PostgreSQL >= 12, DuckDB), so it is computed once per row
rather than inlined into the next (inlined, the ranks re-evaluate every term's ``CASE``
tables, cubic in the number of terms):

1. ``binned``: the bin id of every feature (``-1``: in no bin), from the raw columns.
   Missing is NULL (and NaN in DuckDB, PostgreSQL, Spark and Snowflake, whose float columns
   hold it: :meth:`~.sql_dialects.Writer.missing`, the rule-set export's test too);
   a numeric bin is ``col > lower AND col <= upper``; a level is ``col = 'level'``. The
   bins of a feature are disjoint (the scorecard checks), so the first match is the bin.
2. ``points``: the score, ``base + points of term 1 + ...`` added left to right as in
   Python, and each term's points lost (best minus the row's points), both from ``CASE``
   tables of literals computed in Python, so SQL rounds nothing Python does not.
3. ``ranked``: the rank of each term that lost more than ``1e-9`` points (and, with a
   threshold, of a row scoring below it; else NULL), by points lost, largest first, ties
   to the earlier term: ``1 + #{u before t: lost_u >= lost_t} + #{u after t: lost_u >
   lost_t}``, the order of a stable sort.
4. the result: ``reason_j`` is the name of the term of rank ``j``, or NULL.

Every dialect-dependent token (identifiers, strings, numbers, the float type) is written by
``sqlglot`` for the chosen dialect (:mod:`.sql_dialects`: ``sqlite``, ``duckdb``,
``postgres``, ``spark`` run and tested; ``bigquery``, ``snowflake``, ``tsql``, ``ansi``
parse-checked); the query's shape (``WITH``, ``CASE``, comparisons) is standard SQL and the
same in all. Numbers are exact (:func:`~.sql_dialects.number`: an exact binary fraction in
SQLite, ``CAST(0.1e0 AS DOUBLE)`` elsewhere). ``MATERIALIZED`` is written where the
database knows it (SQLite, DuckDB, PostgreSQL); Spark keeps each step's ``CASE`` tables
as separate projections on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real

import numpy as np

from .sql_dialects import (
    DIALECTS,
    MATERIALIZE,
    SQL_DAYS,
    Writer,
    check_dialect,
    fold_name,
    sql_number,
    string,
)
from .values import check_days_stored

__all__ = ["to_sql", "sql_number", "DIALECTS"]

#: the query's own line breaks while it is built (NUL: no identifier or literal holds one),
#: so indenting never touches a newline inside a quoted level or name
NL = "\x00"


def _comment(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _bin_case(term, w: Writer) -> str:
    """``CASE`` giving the bin id of one main feature (-1: in no bin)."""
    col = f'{w.q("src")}.{w.q(term.name)}'
    numeric = term.kind == "numeric"
    miss = next((k for k, b in enumerate(term.bins) if b["missing"]), -1)
    # a category of number levels sits in a float column, which may hold NaN too
    float_col = numeric or any(isinstance(b["level"], int | float) and not isinstance(b["level"], bool)
                               for b in term.bins)  # whole numbers too: a DOUBLE column of codes holds NaN
    whens = [f"WHEN {w.missing(term.name, float_col)} THEN {miss}"]  # NULL, and NaN where floats hold it
    for k, b in enumerate(term.bins):
        if b["missing"]:
            continue
        if numeric:  # the float64 value, as Python bins it (an int64 above 2**53 rounds)
            val = w.float64(term.name)
            tests = ([f"{val} > {w.number(b['lower'])}"] if b["lower"] > -math.inf else []) + (
                [f"{val} <= {w.number(b['upper'])}"] if b["upper"] < math.inf else [])
            whens.append(f"WHEN {' AND '.join(tests) or '1 = 1'} THEN {k}")
        else:
            whens.append(f"WHEN {col} = {w.level(b['level'])} THEN {k}")
    return "CASE " + " ".join(whens) + " ELSE -1 END"


def _value_case(term, bin_col: dict[str, str], value, w: Writer) -> str:
    """``CASE`` over the row's bin (or cell) giving ``value(points)``; unlisted: ``value(0.0)``."""
    other = w.number(value(0.0))
    if term.kind != "pair":
        whens = " ".join(f"WHEN {k} THEN {w.number(value(b['points']))}" for k, b in enumerate(term.bins))
        return f"CASE {bin_col[term.name]} {whens} ELSE {other} END"
    a, b = term.features
    rows: dict[int, list[tuple[int, float]]] = {}
    for (ka, kb), (_, p) in sorted(term.cells.items()):
        rows.setdefault(ka, []).append((kb, p))
    outer = []
    for ka, cells in rows.items():
        inner = " ".join(f"WHEN {kb} THEN {w.number(value(p))}" for kb, p in cells)
        outer.append(f"WHEN {ka} THEN CASE {bin_col[b]} {inner} ELSE {other} END")
    return f"CASE {bin_col[a]} {' '.join(outer)} ELSE {other} END"


def _indent(text: str) -> str:
    return "  " + text.replace(NL, NL + "  ")


def _select(columns: list[str], source: str) -> str:
    return f"SELECT{NL}" + _indent(f",{NL}".join(columns)) + f"{NL}FROM " + source


def _check(card, table, id_column, reasons, dialect, threshold, days_stored) -> tuple[Writer, str, float | None, int]:
    w = Writer(check_dialect(dialect, "scorecard SQL export"))
    check_days_stored(card.metadata, days_stored, SQL_DAYS)
    if not isinstance(reasons, Integral) or isinstance(reasons, (bool, np.bool_)) or reasons < 0:
        raise ValueError(f"reasons must be a non-negative integer (the reason columns to return); got {reasons!r}.")
    reasons = int(reasons)
    parts = [table] if isinstance(table, str) else list(table) if isinstance(table, Sequence) else []
    if not parts or not all(isinstance(p, str) and p for p in parts):
        raise ValueError(f"table must be a non-empty str or a sequence of str; got {table!r}.")
    if id_column is not None:
        if not isinstance(id_column, str) or not id_column:
            raise ValueError(f"id_column must be a non-empty str or None; got {id_column!r}.")
        # SQLite and DuckDB match quoted names without regard to case: "Score" is "score" there
        taken = {"score", *(f"reason_{j}" for j in range(1, reasons + 1))}
        if fold_name(id_column, w.dialect) in taken or id_column.startswith("__"):
            raise ValueError(f"id_column {id_column!r} clashes with an output or internal column name "
                             "(names are compared without regard to case, as SQLite and DuckDB do); rename it in a view.")
    seen: dict[str, str] = {}
    for f in [*card.feature_names, *([id_column] if id_column is not None else [])]:
        other = seen.setdefault(fold_name(f, w.dialect), f)
        if other != f:
            raise ValueError(f"Columns {other!r} and {f!r} differ only by case, and {w.dialect} reads them as one "
                             "column; rename one of them before fitting or exporting.")
    if threshold is not None:
        if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, Real) or not math.isfinite(threshold):
            raise ValueError(f"threshold must be a finite number or None; got {threshold!r}.")
        threshold = float(threshold)
    return w, ".".join(w.q(p) for p in parts), threshold, reasons


def _step_names(parts: Sequence[str]) -> list[str]:
    """The query's step names, each moved off the table's own name (a table called "binned"
    would be read by SQLite as the step's circular reference)."""
    used = {p.casefold() for p in parts}
    names = []
    for name in ("binned", "points", "ranked"):
        while name.casefold() in used:
            name = "_" + name
        names.append(name)
    return names


def to_sql(card, table: str | Sequence[str] = "applicants", id_column: str | None = "id", reasons: int = 4,
           dialect: str = "sqlite", threshold: float | None = None, days_stored: bool = False) -> str:
    """One SELECT scoring every row of ``table`` as ``card.score`` and giving its reasons
    as ``card.reason_codes``.

    Parameters
    ----------
    card : Scorecard
    table : str or sequence of str
        Table name, or its parts (``("schema", "table")``); each part is quoted.
    id_column : str or None
        Column returned first, beside the scores (None: no id column).
    reasons : int, default 4
        Reason columns ``reason_1 .. reason_<reasons>`` (0: score only). ``reason_j`` is the
        name of the term with the j-th most points lost, NULL when fewer terms lost points.
    dialect : str, default "sqlite"
        ``sqlite``, ``duckdb``, ``postgres``, ``spark`` (run and tested) or ``bigquery``,
        ``snowflake``, ``tsql``, ``ansi`` (parse-checked); see :mod:`.sql_dialects`.
    threshold : float, optional
        Rows scoring at or above it are approved: their reasons are NULL.
    days_stored : bool, default False
        A card from a model fitted on dates or durations (``card.metadata["converted_from"]``)
        bins them in days; ``True`` says the table holds those days (days since 1970-01-01
        UTC, or days), as the query reads them. Without it such a card is refused: a date
        stored as text or a timestamp would be binned as some other number.

    Returns
    -------
    str
        The query: columns ``id_column, score, reason_1 ..``. Store the raw features as
        the scorecard reads them: numbers as numbers, levels as text, missing as NULL.
    """
    w, source, threshold, reasons = _check(card, table, id_column, reasons, dialect, threshold, days_stored)
    s_binned, s_points, s_ranked = _step_names([table] if isinstance(table, str) else table)
    q = w.q
    terms = card.terms_
    ident = [] if id_column is None else [q(id_column)]
    mains = [t for t in terms if t.kind != "pair"]
    bin_col = {t.name: q(f"__b{i}") for i, t in enumerate(mains, start=1)}
    binned = [f'{q("src")}.{c} AS {c}' for c in ident] + [
        f"-- {_comment(t.name)}{NL}{_bin_case(t, w)} AS {bin_col[t.name]}" for t in mains]
    score = [w.number(card.base_points) + "  -- base points"] + [
        f"+ ({_value_case(t, bin_col, lambda p: p, w)})  -- {_comment(t.name)}" for t in terms]
    points = [*ident, NL.join(score) + f"{NL}AS {q('score')}"]
    lost = [q(f"__l{t}") for t in range(1, len(terms) + 1)]
    if reasons:
        points += [f"{_value_case(term, bin_col, lambda p, b=term.best: b - p, w)} AS {lost[t]}"
                   for t, term in enumerate(terms)]
    steps = [(s_binned, _select(binned, f"{source} AS {q('src')}")), (s_points, _select(points, q(s_binned)))]
    outputs = [*ident, q("score")]
    if reasons:
        gate = "" if threshold is None else f"{q('score')} < {w.number(threshold)} AND "
        tol = w.number(card.reason_tol)
        ranks = []
        for t in range(len(terms)):
            ahead = [f"CASE WHEN {lost[u]} {'>=' if u < t else '>'} {lost[t]} THEN 1 ELSE 0 END"
                     for u in range(len(terms)) if u != t]
            ranks.append(f"CASE WHEN {gate}{lost[t]} > {tol} THEN " + " + ".join(["1", *ahead])
                         + f" END AS {q(f'__r{t + 1}')}")
        steps.append((s_ranked, _select([*outputs, *ranks], q(s_points))))
        for j in range(1, reasons + 1):
            whens = " ".join(f"WHEN {q(f'__r{t + 1}')} THEN {w.sql(string(term.name))}" for t, term in enumerate(terms))
            outputs.append(f"CASE {j} {whens} ELSE NULL END AS {q(f'reason_{j}')}" if whens
                           else f"NULL AS {q(f'reason_{j}')}")
    # each step materialised once where the database supports it: inlined, the rank of
    # every term would re-evaluate every term's CASE tables (cubic in the terms per row)
    mat = " MATERIALIZED" if w.dialect in MATERIALIZE else ""
    sql = f"WITH{NL}" + f",{NL}".join(f"{q(name)} AS{mat} ({NL}{_indent(body)}{NL})" for name, body in steps)
    sql += NL + _select(outputs, q(steps[-1][0]))
    head = (f"-- interpretable_nn scorecard: {len(mains)} features, {len(terms) - len(mains)} interactions; "
            f"higher score = lower risk; NULL = missing; dialect {w.dialect}{NL}")
    return (head + sql).replace(NL, "\n")

"""The SQL dialects every SQL export writes: one canonical query, built as a ``sqlglot``
expression tree, written out for the chosen database by ``sqlglot``'s generator.

The exports (:mod:`.export_sql` for rule sets and surrogate trees, :mod:`.scorecard_sql`
for scorecards) build their query once from the pieces here and call :func:`render`; no
export keeps hand-written string variants per database. Dialects:

* run and tested exactly: ``sqlite``, ``duckdb``, ``postgres``, ``spark`` (Spark SQL on a
  default session: backtick identifiers, ``DOUBLE``);
* written and parse-checked with ``sqlglot``'s own parser for that dialect: ``bigquery``,
  ``snowflake``, ``tsql``; and ``ansi`` (``sqlglot``'s default dialect).

Exactness, the same in every dialect:

* identifiers are always quoted by the dialect's own rule (``"a""b"``, ```a``b```,
  ``[a]]b]``), strings are the dialect's string literals; a NUL in either is refused;
* a float is written so the database reads back exactly the float64 Python holds
  (:func:`sql_number`): ``CAST(<repr>e0 AS DOUBLE)`` (a literal with an exponent: DOUBLE in
  DuckDB, Spark, T-SQL; NUMERIC in PostgreSQL, whose cast to float8 is correctly rounded);
  in SQLite, whose decimal parser is not correctly rounded (about 1 literal in 5,000 comes
  back one float step off), a number that is not a small integer is an exact binary
  fraction, ``(3602879701896397 / 4503599627370496.0 / 8.0)`` for ``0.1``;
* no user text goes into a comment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlglot
from sqlglot import exp

__all__ = ["DIALECTS", "NAN_DIALECTS", "fold_name", "SQL_DAYS", "RUN", "PARSE_ONLY", "check_dialect", "ident", "column", "table", "string",
           "number", "level", "double", "render", "parse_check", "sql_number", "Writer"]

#: dialects whose output the tests run against the database itself
RUN: tuple[str, ...] = ("sqlite", "duckdb", "postgres", "spark")
#: dialects written by the same transpiler and checked with its parser only
PARSE_ONLY: tuple[str, ...] = ("bigquery", "snowflake", "tsql", "ansi")
DIALECTS: tuple[str, ...] = RUN + PARSE_ONLY
#: dialects that compute a ``WITH`` step once when it says ``MATERIALIZED``
MATERIALIZE: frozenset[str] = frozenset({"sqlite", "duckdb", "postgres"})
#: dialects whose float columns can hold NaN and whose ``NaN = NaN`` is true (SQLite stores
#: NaN as NULL; T-SQL has none; BigQuery's ``=`` is IEEE's), where a query must read NaN as
#: missing, as Python does: there NaN is larger than every number, so ``x > 1`` held for it
NAN_DIALECTS: frozenset[str] = frozenset({"duckdb", "postgres", "spark", "snowflake"})
#: how the SQL of a model fitted on dates is given them (``values.check_days_stored``)
SQL_DAYS = ("the SQL reads numbers and cannot know how a database stores a date. Expose each such column as those "
            "days in a view under the same name (SQLite: julianday(d) - 2440587.5; DuckDB: epoch(d) / 86400; "
            "PostgreSQL: EXTRACT(EPOCH FROM d) / 86400)")
_SQLGLOT = {"ansi": ""}
#: the largest power of two one SQLite step multiplies or divides by: written in full
#: (``4611686018427387904.0``, 19 digits) it is read as an integer, exactly, and so is
#: any odd integer below 2**53; one division covers every number above 2**-9
POW2_STEP = 62


def fold_name(name: str, dialect: str) -> str:
    """``name`` as ``dialect`` matches a quoted column name: two names that fold alike are one
    column there. ASCII letters lower-cased in SQLite and DuckDB (``"É"`` and ``"é"``,
    ``"Straße"`` and ``"STRASSE"`` stay two columns), every letter in Spark, BigQuery and
    T-SQL (Spark found ``"É"`` beside ``"é"`` ambiguous; a final ``ς`` is ``σ`` there, ``ß`` stays
    one letter), none in PostgreSQL, Snowflake and
    ANSI SQL, where quoted names keep their case."""
    if dialect in ("sqlite", "duckdb"):
        return "".join(ch.lower() if ch.isascii() else ch for ch in name)
    if dialect in ("spark", "bigquery", "tsql"):  # letter by letter, as Java's equalsIgnoreCase: "ΑΣ" is "ασ"
        return "".join(c.upper().lower() if len(c.upper()) == 1 else c.lower() for c in name)
    return name


def check_dialect(dialect: Any, what: str = "SQL export") -> str:
    """``dialect`` when it is one of :data:`DIALECTS`; a ValueError naming the choices."""
    if not isinstance(dialect, str) or dialect.lower() not in DIALECTS:
        raise ValueError(f"Unknown SQL dialect {dialect!r} for the {what}; use one of {list(DIALECTS)} "
                         f"(run and tested: {list(RUN)}).")
    return dialect.lower()


def _no_nul(text: str, what: str) -> str:
    if "\x00" in text:
        raise ValueError(f"SQL {what} may not contain NUL characters: {text!r}.")
    return text


def ident(name: str) -> exp.Identifier:
    """A quoted identifier (quoted by the dialect's rule when written)."""
    return exp.to_identifier(_no_nul(name, "identifiers"), quoted=True)


def column(name: str, source: str | None = "src") -> exp.Column:
    """``"source"."name"``: qualified, so SQLite never reads a missing column as a string."""
    return exp.Column(this=ident(name), table=None if source is None else ident(source))


def table(parts: str | Sequence[str], alias: str | None = "src") -> exp.Table:
    """The scored table (``("schema", "table")`` for a qualified name), aliased."""
    names = [parts] if isinstance(parts, str) else list(parts) if isinstance(parts, Sequence) else []
    if not names or len(names) > 3 or not all(isinstance(p, str) and p for p in names):
        raise ValueError(f"table must be a non-empty str or a sequence of 1 to 3 str; got {parts!r}.")
    keys = ["this", "db", "catalog"]
    out = exp.Table(**{k: ident(p) for k, p in zip(keys, reversed(names))})
    if alias is not None:
        out.set("alias", exp.TableAlias(this=ident(alias)))
    return out


def string(v: str) -> exp.Literal:
    """A string literal (escaped by the dialect's rule when written)."""
    return exp.Literal.string(_no_nul(v, "string literals"))


def double(dialect: str) -> exp.DataType:
    """The float64 type (``DOUBLE PRECISION``, ``DOUBLE``, ``REAL``, ``FLOAT64``, ``FLOAT``)."""
    return exp.DataType.build("double")


def _fraction(v: float) -> exp.Expression:
    """``v`` as ``(integer / 2.0**a / 2.0**b ...)``: every part is read exactly by SQLite and
    every division by a power of two is exact, so the result is ``v`` bit for bit."""
    m, e = math.frexp(v)  # v = m * 2**e, 0.5 <= |m| < 1: m * 2**53 is an integer
    num, k = int(m * 2**53), 53 - e
    while num % 2 == 0 and k > 0:
        num, k = num // 2, k - 1
    out: exp.Expression = exp.Literal.number(str(abs(num)))
    k_abs = abs(k)
    while k_abs > 0:  # powers of two up to 2**62 are read exactly
        step = min(k_abs, POW2_STEP)
        power = exp.Literal.number(f"{2**step}.0")
        # typed: "/" as written (no cast added); the divisor is a REAL literal
        out = exp.Div(this=out, expression=power, typed=True) if k > 0 else exp.Mul(this=out, expression=power)
        k_abs -= step
    return exp.Paren(this=exp.Neg(this=out) if num < 0 else out)


def _fraction_text(v: float) -> str:
    """:func:`_fraction` as the text ``sqlglot`` writes for it in SQLite."""
    m, e = math.frexp(v)
    num, k = int(m * 2**53), 53 - e
    while num % 2 == 0 and k > 0:
        num, k = num // 2, k - 1
    parts, op, k_abs = [str(abs(num))], (" / " if k > 0 else " * "), abs(k)
    while k_abs > 0:
        step = min(k_abs, POW2_STEP)
        parts.append(f"{2**step}.0")
        k_abs -= step
    return "(" + ("-" if num < 0 else "") + op.join(parts) + ")"


def number(v: float, dialect: str) -> exp.Expression:
    """``v`` (float64) as an expression the database evaluates to exactly ``v``."""
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"Only finite numbers can be written to SQL; got {v!r}.")
    text = repr(v)
    if dialect == "sqlite":
        if v.is_integer() and abs(v) < 2**53:
            lit = exp.Literal.number(text.lstrip("-"))
            return exp.Neg(this=lit) if text.startswith("-") else lit
        return _fraction(v)
    text = text.lstrip("-")
    literal: exp.Expression = exp.Literal.number(text if "e" in text else text + "e0")
    if v < 0 or text == "0.0" and math.copysign(1.0, v) < 0:
        literal = exp.Neg(this=literal)
    return exp.Cast(this=literal, to=double(dialect))


def level(v: Any, dialect: str) -> exp.Expression:
    """A category level: a string, an integer, a boolean or an exact float."""
    if isinstance(v, bool):
        return exp.Boolean(this=v)
    if isinstance(v, int):
        if not -(2**63) <= v < 2**63:  # SQLite reads the literal as a float: 2**63 + 1 and + 2 became one
            raise ValueError(f"The level or label {v} is outside the 64-bit integers SQL engines hold (SQLite reads "
                             "it as a float, so neighbouring values become one); cast those labels or the column "
                             "to str and refit.")
        return exp.Literal.number(str(v))
    if isinstance(v, float):
        return number(v, dialect)
    return string(v)


def render(tree: exp.Expression, dialect: str, head: str = "") -> str:
    """``tree`` written in ``dialect`` (pretty, no comments), after the one-line ``head``
    comment (its non-printable characters made spaces)."""
    sql = tree.sql(dialect=_SQLGLOT.get(dialect, dialect), pretty=True, comments=False)
    if head:
        sql = "-- " + "".join(ch if ch.isprintable() else " " for ch in head) + "\n" + sql
    return sql


class Writer:
    """SQL text of small expressions in one dialect, memoised: the exports assemble a large
    query from these pieces (every dialect-dependent token is written by ``sqlglot``),
    which keeps a 10,000-rule export to seconds where one ``sqlglot`` tree of it takes
    minutes."""

    def __init__(self, dialect: str) -> None:
        self.dialect = check_dialect(dialect)
        self._generator = sqlglot.Dialect.get_or_raise(_SQLGLOT.get(self.dialect, self.dialect)).generator(
            comments=False)
        self._numbers: dict[float, str] = {}
        self._cast: list[str] | None = None
        self._float64: dict[str, str] = {}

    def sql(self, tree: exp.Expression) -> str:
        """``tree`` as one line of SQL."""
        return self._generator.generate(tree)

    def number(self, v: float) -> str:
        """:func:`number` as text, the same text ``sqlglot`` writes for it (a test holds
        this) but fast: the dialect's cast is written by ``sqlglot`` once, around a marker
        replaced by each literal."""
        v = float(v)
        if v == 0.0 or not math.isfinite(v) or self.dialect == "sqlite" and v.is_integer() and abs(v) < 2**53:
            return self.sql(number(v, self.dialect))
        text = self._numbers.get(v)
        if text is None:
            if self.dialect == "sqlite":
                text = _fraction_text(v)
            else:
                if self._cast is None:
                    self._cast = self.sql(number(1.0, self.dialect)).split("1.0e0")
                lit = repr(abs(v))
                lit = lit if "e" in lit else lit + "e0"
                text = (self._cast[0] + ("-" if v < 0 else "") + lit + self._cast[1])
            self._numbers[v] = text
        return text

    def q(self, name: str) -> str:
        """A quoted identifier as text."""
        return self.sql(ident(name))

    def float64(self, name: str) -> str:
        """``CAST("src"."name" AS DOUBLE)`` in the dialect, memoised: the column's float64
        value, as Python compares a threshold with it (an int64 above 2**53 rounds as it does
        there, a boolean reads as 0 or 1, which DuckDB will not compare with a DOUBLE).
        PostgreSQL has no cast from BOOLEAN to a number: a numeric feature stored there as
        BOOLEAN fails the query ("cannot cast type boolean"); store it as an integer."""
        text = self._float64.get(name)
        if text is None:
            text = self._float64[name] = self.sql(exp.Cast(this=column(name), to=double(self.dialect)))
        return text

    def missing(self, name: str, numeric: bool) -> str:
        """Whether the column is missing: ``IS NULL``, and for a numeric column of a
        dialect whose floats hold NaN (:data:`NAN_DIALECTS`), also NaN."""
        col = self.sql(column(name))
        if numeric and self.dialect in NAN_DIALECTS:
            return f"({col} IS NULL OR {self.float64(name)} = {self.sql(exp.Cast(this=string('NaN'), to=double(self.dialect)))})"
        return f"{col} IS NULL"

    def level(self, v: Any) -> str:
        """:func:`level` as text (numbers memoised)."""
        if isinstance(v, float):
            return self.number(v)
        return self.sql(level(v, self.dialect))


def parse_check(sql: str, dialect: str) -> exp.Expression:
    """Parse ``sql`` with ``sqlglot``'s parser for ``dialect`` (raises on a syntax error)."""
    return sqlglot.parse_one(sql, read=_SQLGLOT.get(dialect, dialect))


def sql_number(v: float, dialect: str) -> str:
    """``v`` as literal text the database reads back as exactly the same float64.

    Examples
    --------
    >>> sql_number(12.0, "sqlite"), sql_number(0.5, "sqlite"), sql_number(0.1, "duckdb")
    ('12.0', '(1 / 2.0)', 'CAST(0.1e0 AS DOUBLE)')
    >>> sql_number(0.1, "postgres"), sql_number(0.1, "spark")
    ('CAST(0.1e0 AS DOUBLE PRECISION)', 'CAST(0.1e0 AS DOUBLE)')
    """
    return number(v, dialect).sql(dialect=_SQLGLOT.get(dialect, dialect))

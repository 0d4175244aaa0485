"""The SQL export of a rule set: :func:`to_sql`, one query that scores a table exactly as
``RuleSet.decision_function`` does, in any dialect of :mod:`.sql_dialects`.

It returns the id, ``score``, ``decision`` and (link logit) ``probability``. The score and
the decision are Python's exactly; the probability is the logistic of that score computed by
the database's ``EXP`` (the C library's, not numpy's), so it can differ in the last bit, and
below a score of -700 it is 0 (Python's reaches 1e-304 there). NULL is
"missing": every condition is written NULL-safe with its ``if_missing`` value (store NaN
as NULL; in DuckDB, PostgreSQL, Spark and Snowflake, whose floats hold NaN, a NaN in a
column the rules read as numbers is missing too, as in Python; a column the rules only test
for missingness is tested with ``IS NULL``, as its type is unknown). Identifiers and strings
are quoted by the dialect's rules, numbers are exact
(:func:`~.sql_dialects.number`); columns are qualified (``"src"."x"``) so a missing
column is an error, never a string. Level comparisons follow the database's typing: store
categories of text levels as text, categories of number levels (``kids == 2``) and
thresholded columns as numbers (PostgreSQL compares neither text with a number nor a
BOOLEAN column with a threshold), a date as the models read it: days since 1970-01-01 UTC;
the rule set's thresholds on it are in those days.

Any number of rules. The points are added left to right in rule order, as in Python, but
in steps of at most :data:`CHUNK` (100) rules: step 1 computes ``intercept + rule 1 + ... +
rule 100`` per row, step 2 adds rules 101..200 to it, and so on (``WITH`` steps, each carrying
the id, the partial sum and the columns later steps read). The order of the additions, and
so every rounding, is Python's, while no expression is deeper than about 500 terms (SQLite
refuses an expression tree deeper than 1,000: a single sum of 996 rules; DuckDB plans long
chains slowly). The steps are
``MATERIALIZED`` where the database supports it (SQLite, DuckDB, PostgreSQL), so none is
inlined back into one deep sum.

Spark SQL has one step whatever the number of rules: its analyzer stops after
``spark.sql.analyzer.maxIterations`` (100) passes over 100 nested steps, and its optimizer
inlines the steps back into one deep sum, which overflows the JVM's stack (measured: 1,000
rules in 10 steps). There the points are a left fold over two arrays, rule ``i`` at place
``i`` of each::

    AGGREGATE(ZIP_WITH(ARRAY(<rule 1 fires>, ..., <rule n fires>), ARRAY(<weight 1>, ..., <weight n>),
                       (f, w) -> CASE WHEN f THEN w ELSE 0 END),
              intercept, (s, p) -> s + p)

the same additions in the same order as Python (a rule whose conditions are NULL does not
fire), no expression deeper than one rule. Why ``ZIP_WITH``: Spark 4.3 compiles an
``AGGREGATE`` over a plain ``ARRAY`` of ``CASE WHEN`` terms into one Java method of whole-stage
generated code, and its compiler (Janino, copying the method's map of local variables at each
declaration) ran out of a default session's 1 GiB driver heap at 3,000 rules
(OutOfMemoryError), while 1,000 took 19 s to run. ``ZIP_WITH`` is evaluated by Spark's
interpreter (``CodegenFallback``: its projection leaves whole-stage code generation), and so
is the array under it: the rules are never compiled, whatever their number. Measured on a
default ``local[2]`` session, 200 rows, 2 shared cores (``benchmarks/spark_rules.py``):
10,000 rules (1.45 MB of SQL) parse and analyse in 16-22 s, plan in 4-6 s, run in 12-19 s,
exactly, with a heap peak under 720 MiB (they also run with half the heap, 512 MiB); 30,000
rules run exactly too (40 + 19 + 38 s). About half the time is Spark parsing the SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from .conditions import Condition, LinearTerm, RuleSetLike
from .sql_dialects import (
    MATERIALIZE,
    SQL_DAYS,
    Writer,
    check_dialect,
    column,
    fold_name,
    ident,
    level,
    number,
    render,
    string,
)
from .sql_dialects import table as table_expr
from .values import check_days_stored

__all__ = ["to_sql", "CHUNK"]

#: rules added per WITH step (SQLite: expression trees at most 1,000 deep)
CHUNK = 100
#: the running sum's column name in the WITH steps
SUM = "__inn_score"


def _numeric(rules) -> set[str]:
    """The features the rules read as numbers (a threshold, a linear term, a number level):
    where the database's floats hold NaN, their missing test reads NaN as missing too."""
    out: set[str] = set()
    for rule in rules:
        if isinstance(rule, LinearTerm):
            out.add(rule.feature)
            continue
        for c in rule.conditions:
            values = c.value if c.op == "in" else [c.value]
            if c.op in ("<", "<=", ">", ">=") or (c.op != "is_missing" and any(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
                out.add(c.feature)
    return out


def _condition(c: Condition, w: Writer, cols: dict[str, str], numeric: set[str] = frozenset()) -> str:
    """One condition as SQL text, NULL-safe: with ``if_missing=False`` the bare test (NULL
    on a missing value, so the rule's ``CASE WHEN`` does not fire), else ``(col IS NULL OR
    test)``. A numeric column of a dialect whose floats hold NaN reads NaN as missing, as
    Python does (:meth:`Writer.missing`). The column, the levels and the numbers are written
    by ``sqlglot``."""
    col = _col(c.feature, w, cols)
    miss = w.missing(c.feature, c.feature in numeric)
    if c.op == "is_missing":
        return miss if c.value else f"NOT {miss}"
    if c.op == "in":
        test = f"{col} IN ({', '.join(w.level(v) for v in c.value)})"
    elif c.op in ("<", "<=", ">", ">="):  # a threshold compares the float64 value, as Python does
        test = f"{_col(c.feature, w, cols, cast=True)} {c.op} {w.level(c.value)}"
    else:
        op = {"==": "=", "!=": "<>"}.get(c.op, c.op)
        test = f"{col} {op} {w.level(c.value)}"
    if miss != f"{col} IS NULL":  # NaN is no NULL: it must neither fire a test nor skip if_missing
        return f"({miss} OR {test})" if c.if_missing else f"(NOT {miss} AND {test})"
    return f"({col} IS NULL OR {test})" if c.if_missing else test


def _col(feature: str, w: Writer, cols: dict[str, str], cast: bool = False) -> str:
    """``"src"."feature"``, or with ``cast`` its float64 value (:meth:`Writer.float64`)."""
    if cast:
        return w.float64(feature)
    if feature not in cols:
        cols[feature] = w.sql(column(feature))
    return cols[feature]


def _linear(t: LinearTerm, w: Writer, cols: dict[str, str]) -> str:
    """A linear term's points: ``<points> * (CASE WHEN col IS NULL THEN <fill> WHEN col <
    <lo> THEN <lo> WHEN col > <hi> THEN <hi> ELSE col END)``, the product Python forms."""
    col = _col(t.feature, w, cols, cast=True)
    lo, hi = w.number(t.lo), w.number(t.hi)
    value = (f"CASE WHEN {w.missing(t.feature, True)} THEN {w.number(t.fill)} WHEN {col} < {lo} THEN {lo} "
             f"WHEN {col} > {hi} THEN {hi} ELSE {col} END")
    return f"{w.number(t.points)} * ({value})"


def _parts(rules, w: Writer) -> list[tuple[str | None, str]]:
    """Each rule as SQL text: its conditions joined by ``AND`` (None for a rule without
    conditions, which always fires) and its weight; a linear term as (None, its points).
    The dialect's tokens come from ``sqlglot``; a condition shared by several rules is
    written once."""
    seen: dict[tuple, str] = {}
    cols: dict[str, str] = {}
    out: list[tuple[str | None, str]] = []
    numeric = _numeric(rules)
    for rule in rules:
        if isinstance(rule, LinearTerm):
            out.append((None, _linear(rule, w, cols)))
            continue
        conds = []
        for c in rule.conditions:
            key = c._key()
            if key not in seen:
                seen[key] = _condition(c, w, cols, numeric)
            conds.append(seen[key])
        out.append((" AND ".join(conds) if conds else None, w.number(rule.weight)))
    return out


def _terms(parts: list[tuple[str | None, str]], w: Writer) -> list[str]:
    """Each rule's points: ``CASE WHEN <conditions> THEN <weight> ELSE 0 END`` (standard SQL;
    a NULL condition does not fire)."""
    zero = w.number(0.0)
    return [weight if cond is None else f"CASE WHEN {cond} THEN {weight} ELSE {zero} END"
            for cond, weight in parts]


def _fold(first: str, parts: list[tuple[str | None, str]], w: Writer) -> str:
    """``first`` plus every rule's points, left to right in rule order, as Spark SQL:
    ``AGGREGATE(ZIP_WITH(ARRAY(<fires>...), ARRAY(<weight>...), (f, w) -> CASE WHEN f THEN w
    ELSE 0 END), first, (s, p) -> s + p)`` (a left fold: the additions and their order are
    the chain's; why ``ZIP_WITH``: see the module)."""
    if not parts:
        return first
    acc, pts, fire, wt = ident(SUM), ident("__inn_points"), ident("__inn_fires"), ident("__inn_weight")
    case = exp.Case(ifs=[exp.If(this=exp.Column(this=fire.copy()), true=exp.Column(this=wt.copy()))],
                    default=number(0.0, w.dialect))
    zipped = exp.Anonymous(this="ZIP_WITH", expressions=[
        exp.Array(expressions=[exp.Var(this="\x00fires\x00")]),
        exp.Array(expressions=[exp.Var(this="\x00weights\x00")]),
        exp.Lambda(this=case, expressions=[fire, wt])])
    tree = exp.Reduce(this=zipped, initial=exp.Var(this="\x00first\x00"),
                      merge=exp.Lambda(this=exp.Add(this=exp.Column(this=acc.copy()), expression=exp.Column(this=pts.copy())),
                                       expressions=[acc, pts]))
    text = w.sql(tree)
    true = w.sql(exp.true())
    for mark, items in (("\x00fires\x00", [true if c is None else c for c, _ in parts]),
                        ("\x00weights\x00", [weight for _, weight in parts])):
        head, tail = text.split(mark)
        text = head + "\n      " + ",\n      ".join(items) + "\n    " + tail
    return text.replace("\x00first\x00", first)


def _outputs(rs: RuleSetLike, dialect: str) -> list[exp.Expression]:
    s = column(SUM, None)
    out: list[exp.Expression] = [exp.alias_(s, ident("score"))]
    if rs.link != "logit":
        return out + [exp.alias_(s.copy(), ident("decision"))]
    c0, c1 = (level(c, dialect) for c in rs.classes)
    one, zero = number(1.0, dialect), number(0.0, dialect)

    def sig(sign: int) -> exp.Expression:
        e = exp.Exp(this=exp.Neg(this=s.copy()) if sign > 0 else s.copy())
        top = one.copy() if sign > 0 else e.copy()
        return exp.Div(this=top, expression=exp.Paren(this=exp.Add(this=one.copy(), expression=e)))

    decision = exp.Case(ifs=[exp.If(this=exp.GT(this=s.copy(), expression=exp.Literal.number("0")), true=c1)],
                        default=c0)
    prob = exp.Case(ifs=[
        exp.If(this=exp.GT(this=s.copy(), expression=exp.Literal.number("700")), true=one.copy()),
        exp.If(this=exp.LT(this=s.copy(), expression=exp.Literal.number("-700")), true=zero.copy()),
        exp.If(this=exp.GTE(this=s.copy(), expression=exp.Literal.number("0")), true=sig(+1)),
    ], default=sig(-1))
    return out + [exp.alias_(decision, ident("decision")), exp.alias_(prob, ident("probability"))]


def _check_names(rs: RuleSetLike, id_column: str | None, table: str | Sequence[str] = (),
                 dialect: str = "sqlite") -> None:
    """Refuse names the query would misread. Engines fold quoted column names their own way
    (:func:`fold_name`: SQLite and DuckDB ignore ASCII case, PostgreSQL none), so the clashes
    are checked as ``dialect`` folds them: a feature ``__INN_SCORE`` would be read in place of
    the running sum, two features ``Age`` and ``age`` as one column in SQLite (two in
    PostgreSQL), and a table ``__inn_step1`` as the query's own step."""
    if id_column is not None and (not isinstance(id_column, str) or not id_column):
        raise ValueError(f"id_column must be a non-empty str or None; got {id_column!r}.")
    taken = {SUM, "score", "decision", "probability"}
    if id_column is not None and (fold_name(id_column, dialect) in taken or id_column.lower().startswith("__inn")):
        raise ValueError(f"id_column {id_column!r} clashes with an output or internal column name (compared "
                         f"as {dialect} compares names); rename it in a view.")
    names = list(dict.fromkeys([*rs.features_used, *([id_column] if id_column is not None else [])]))
    for f in rs.features_used:  # __inn_ names refused in any case and dialect: run in another engine, they clashed
        if f.lower().startswith("__inn"):
            raise ValueError(f"A feature named {f!r} clashes with the export's internal names ({SUM!r}, "
                             "__inn_step1, ...; compared without regard to case); rename it.")
    seen: dict[str, str] = {}
    for f in names:
        other = seen.setdefault(fold_name(f, dialect), f)
        if other != f:
            raise ValueError(f"Columns {other!r} and {f!r} differ only by case, and {dialect} reads them as one "
                             "column; rename one of them before fitting or exporting.")
    for part in [table] if isinstance(table, str) else list(table):
        if isinstance(part, str) and fold_name(part, dialect).startswith("__inn_step"):
            raise ValueError(f"Table name {part!r} clashes with the export's own WITH steps (__inn_step1, ...); "
                             "rename the table or query it through a view.")


def to_sql(rs: RuleSetLike, table: str | Sequence[str] = "applicants",
           id_column: str | None = "id", dialect: str = "sqlite", days_stored: bool = False) -> str:
    """One query scoring every row of ``table`` exactly as ``rs.decision_function``.

    Parameters
    ----------
    rs : RuleSet (any RuleSetLike)
    table : str or sequence of str
        Table name, or its parts (``("schema", "table")``); each part is quoted.
    id_column : str or None
        Column returned beside the scores (None: no id column).
    dialect : str, default "sqlite"
        ``sqlite``, ``duckdb``, ``postgres``, ``spark`` (run and tested exactly) or
        ``bigquery``, ``snowflake``, ``tsql``, ``ansi`` (written by the same transpiler,
        parse-checked); see :mod:`.sql_dialects`. SQLite needs ``EXP`` (>= 3.35 built with
        math functions; Python's is).
    days_stored : bool, default False
        A rule set from a model fitted on dates or durations (``metadata["converted_from"]``)
        compares them as days since 1970-01-01 UTC, or days. Its SQL is refused unless this
        is True: the columns it reads hold those days (a view can convert them).

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
    >>> print(to_sql(rs, dialect="spark").splitlines()[1])
    WITH `__inn_step1` AS (
    """
    dialect = check_dialect(dialect, "rule set SQL export")
    check_days_stored(getattr(rs, "metadata", None), days_stored, SQL_DAYS, rs.features_used)
    source = table_expr(table)  # first: it refuses a table that is not a name, before the names are read
    _check_names(rs, id_column, table, dialect)
    w = Writer(dialect)
    rules = [*rs, *getattr(rs, "linear", ())]  # the linear terms add their points after the rules
    size = CHUNK if dialect != "spark" else max(len(rules), 1)  # Spark: one fold (module docstring)
    chunks = [rules[i:i + size] for i in range(0, len(rules), size)] or [[]]
    keep = [] if id_column is None else [id_column]
    steps: list[tuple[str, exp.Select]] = []
    sums: dict[str, str] = {}
    for k, chunk in enumerate(chunks):
        later = [f for rest in chunks[k + 1:] for r in rest for f in r.features]
        carried = list(dict.fromkeys(keep + later))
        first = w.number(rs.intercept) if k == 0 else w.sql(column(SUM))
        # the sum is written as text into the tree's place (a NUL-marked name: no user
        # text holds a NUL): a left-to-right chain, one rule a line
        mark = f"\x00{k}\x00"
        parts = _parts(chunk, w)
        sums[mark] = _fold(first, parts, w) if dialect == "spark" else "\n    + ".join([first, *_terms(parts, w)])
        frm = source if k == 0 else exp.Table(this=ident(steps[-1][0]),
                                                          alias=exp.TableAlias(this=ident("src")))
        select = exp.select(*[exp.alias_(column(c), ident(c), copy=False) for c in carried],
                            exp.alias_(exp.Var(this=mark), ident(SUM), copy=False), copy=False).from_(frm, copy=False)
        steps.append((f"__inn_step{k + 1}", select))
    outputs = ([column(id_column, None)] if id_column is not None else []) + _outputs(rs, dialect)
    query = exp.select(*outputs).from_(exp.Table(this=ident(steps[-1][0])))
    for name, select in steps:
        query = query.with_(ident(name), as_=select, materialized=True if dialect in MATERIALIZE else None,
                            append=True, copy=False)
    n_linear = len(getattr(rs, "linear", ()))
    head = (f"interpretable_nn rule set: {rs.n_rules} rules"
            + (f", {n_linear} linear terms" if n_linear else "")
            + f", link {rs.link}, NULL = missing, dialect {dialect}")
    sql = render(query, dialect, head)
    for mark, text in sums.items():
        sql = sql.replace(mark, text, 1)
    return sql


def _ident(name: str) -> str:
    """``name`` as a double-quoted identifier (``"`` doubled)."""
    return ident(name).sql(dialect="postgres")


def _literal(v) -> str:
    """A level or string as SQL text (strings single-quoted, ``'`` doubled)."""
    return (string(v) if isinstance(v, str) else level(v, "postgres")).sql(dialect="postgres")

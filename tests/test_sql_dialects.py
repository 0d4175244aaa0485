"""One canonical query per export, written for each dialect by ``sqlglot``: identifiers and
strings quoted by the dialect's own rules (hostile names survive), numbers exact, and the
BigQuery, Snowflake, T-SQL and ANSI outputs parse with ``sqlglot``'s parser for that
dialect. The run-and-compare checks are in test_rules_export / test_scorecard /
test_sql_scale (SQLite, DuckDB, PostgreSQL) and test_spark (Spark SQL, slow)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from interpretable_nn import Scorecard
from interpretable_nn.rules import Condition, Rule, RuleSet
from interpretable_nn.rules.sql_dialects import (
    DIALECTS,
    PARSE_ONLY,
    Writer,
    check_dialect,
    number,
    parse_check,
)

HOSTILE = ['a"b', "c`d", "e]f", "g'h", "new\nline", "back\\slash", "rtl\u202eabc"]


def _ruleset() -> RuleSet:
    rules = [Rule((Condition(name, "<=", 0.1 * (i + 1), if_missing=i % 2 == 0),
                   Condition("Home", "in", ("O'Neil", "a\\b", 'q"t'))), 0.3 - 0.1 * i)
             for i, name in enumerate(HOSTILE)]
    rules.append(Rule((Condition("Flag", "==", True), Condition("Code", "is_missing", False)), 1e-300))
    return RuleSet(rules, intercept=-0.25, classes=("good", "bad"))


def _card() -> Scorecard:
    table = pd.DataFrame({
        "feature": ["(base)", "Age", "Age", "Age", 'Ho"me', 'Ho"me'],
        "kind": ["base", "numeric", "numeric", "numeric", "categorical", "categorical"],
        "bin": ["", "(-inf, 30]", "(30, inf)", "missing", "rent", "own"],
        "points": [500.0, -12.5, 7.25, 0.1, -3.0, 4.0],
        "bin_id": [0, 0, 1, 2, 0, 1],
        "lower": [np.nan, -np.inf, 30.0, np.nan, np.nan, np.nan],
        "upper": [np.nan, 30.0, np.inf, np.nan, np.nan, np.nan],
        "level": [None, None, None, None, "rent", "own"],
        "missing": [False, False, False, True, False, False],
    })
    return Scorecard(table)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_rule_set_sql_parses_in_every_dialect_with_names_intact(dialect):
    rs = _ruleset()
    sql = rs.to_sql(table=("risk", "apps"), dialect=dialect)
    tree = parse_check(sql, dialect)
    names = {c.name for c in tree.find_all(exp.Column)}
    assert set(HOSTILE) <= names  # every hostile name read back as the same identifier
    strings = {lit.this for lit in tree.find_all(exp.Literal) if lit.is_string}
    assert {"O'Neil", "a\\b", 'q"t', "good", "bad"} <= strings
    assert "DOUBLE PRECISION" not in sql or dialect in ("postgres",)


def test_spark_sql_uses_backticks_and_double():
    sql = _ruleset().to_sql(dialect="spark")
    assert "`src`.`c``d`" in sql and "`src`.`a\"b`" in sql and '"src"' not in sql
    assert "AS DOUBLE)" in sql and "PRECISION" not in sql and "MATERIALIZED" not in sql


@pytest.mark.parametrize("dialect", DIALECTS)
def test_scorecard_sql_parses_in_every_dialect(dialect):
    card = _card()
    sql = card.to_sql(reasons=2, dialect=dialect, threshold=505.0)
    tree = parse_check(sql, dialect)
    assert {"Age", 'Ho"me'} <= {c.name for c in tree.find_all(exp.Column)}
    assert [s.alias_or_name for s in tree.selects] == ["id", "score", "reason_1", "reason_2"]


def test_unknown_dialect_names_the_choices():
    with pytest.raises(ValueError, match="spark"):
        _ruleset().to_sql(dialect="oracle")
    with pytest.raises(ValueError, match="spark"):
        _card().to_sql(dialect="mysql")
    assert check_dialect("SPARK") == "spark"


def test_parse_only_dialects_are_what_the_issue_lists():
    assert set(PARSE_ONLY) >= {"bigquery", "snowflake", "tsql"}


@settings(max_examples=150, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(DIALECTS))
def test_number_text_is_what_sqlglot_writes(v, dialect):
    # the writer's fast path gives the same text as sqlglot's generator on the number's tree
    want = number(v, dialect).sql(dialect="" if dialect == "ansi" else dialect)
    assert Writer(dialect).number(v) == want
    back = sqlglot.parse_one("SELECT " + want, read="" if dialect == "ansi" else dialect)
    assert back is not None


def _scores(rs: RuleSet, X: pd.DataFrame, engine: str) -> list[float]:
    import sqlite3

    if engine == "sqlite":
        con = sqlite3.connect(":memory:")
        X.to_sql("applicants", con, index=False)
        return [r[1] for r in con.execute(rs.to_sql())]
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.register("applicants", X)
    return [r[1] for r in con.execute(rs.to_sql(dialect="duckdb")).fetchall()]


@pytest.mark.parametrize("engine", ["sqlite", "duckdb"])
def test_thresholds_compare_the_float64_value_as_python_does(engine):
    """An int64 above 2**53 is compared after its float64 rounding, as Python compares it
    (SQLite compared the exact integer: 0 where Python scores 1), and a boolean column reads
    as 0 or 1 (DuckDB refused to compare BOOLEAN with DOUBLE); linear terms too."""
    from interpretable_nn.rules.conditions import LinearTerm

    big = RuleSet([Rule((Condition("n", "<=", 2.0**53),), 1.0), Rule((Condition("n", ">", 2.0**53),), 10.0)])
    X = pd.DataFrame({"id": [1, 2, 3], "n": np.array([2**53 + 1, 2**53 - 1, 2**62 + 3], dtype=np.int64)})
    assert _scores(big, X, engine) == big.decision_function(X).tolist() == [1.0, 1.0, 10.0]
    flag = RuleSet([Rule((Condition("flag", "<=", 0.5),), 1.0)])
    B = pd.DataFrame({"id": [1, 2], "flag": [True, False]})
    assert _scores(flag, B, engine) == flag.decision_function(B).tolist() == [0.0, 1.0]
    lin = RuleSet([], linear=[LinearTerm("n", 1.0, lo=0.0, hi=2.0**53, fill=0.0)])
    assert _scores(lin, X, engine) == lin.decision_function(X).tolist() == [2.0**53, 2.0**53 - 1, 2.0**53]


@pytest.mark.parametrize("rs, table, match", [
    (RuleSet([Rule((Condition("__INN_SCORE", ">", 0.0),), 1.0)]), "applicants", "internal names"),
    (RuleSet([Rule((Condition("Age", "<=", 30.0),), 1.0), Rule((Condition("age", "<=", 30.0),), 2.0)]),
     "applicants", "differ only by case"),
    (RuleSet([Rule((Condition("x", "<=", 30.0),), 1.0)]), "__INN_STEP1", "WITH steps"),
])
def test_sql_refuses_names_engines_read_as_one(rs, table, match):
    """SQL engines match quoted names without regard to case: a feature __INN_SCORE was read
    as the running sum once a rule set had 101 rules, and DuckDB read 'age' as 'Age'."""
    with pytest.raises(ValueError, match=match):
        rs.to_sql(table=table)
    with pytest.raises(ValueError, match="clashes"):
        RuleSet([Rule((Condition("x", "<=", 30.0),), 1.0)]).to_sql(id_column="SCORE")


def test_names_equal_but_for_case_are_two_columns_in_postgres():
    """Quoted names keep their case in PostgreSQL: the rule-set export refused 'Age' beside
    'age' there (it folded every dialect as SQLite does), and its scores match Python's."""
    from sql_engines import Engine

    rs = RuleSet([Rule((Condition("Age", "<=", 30.0),), 1.0), Rule((Condition("age", "<=", 30.0),), 2.0)])
    X = pd.DataFrame({"Age": [20.0, 40.0, 25.0], "age": [40.0, 20.0, 25.0]})
    with pytest.raises(ValueError, match="differ only by case, and duckdb"):
        rs.to_sql(dialect="duckdb")
    db = Engine("postgres")
    db.load(X)
    got = [r[1] for r in db.run(rs.to_sql(dialect="postgres"))]
    db.close()
    assert got == rs.decision_function(X).tolist() == [1.0, 2.0, 3.0]
    RuleSet([Rule((Condition("x", "<=", 1.0),), 1.0)]).to_sql(dialect="postgres", id_column="Score")
    # __inn_ names are refused in every dialect: the postgres query run in DuckDB read a feature
    # __INN_SCORE as the running sum, and an id_column __INN_SCORE as the score
    one = RuleSet([Rule((Condition("x", "<=", 1.0),), 1.0)])
    with pytest.raises(ValueError, match="internal names"):
        RuleSet([Rule((Condition("__INN_SCORE", "<=", 1.0),), 1.0)]).to_sql(dialect="postgres")
    with pytest.raises(ValueError, match="clashes"):
        one.to_sql(dialect="postgres", id_column="__INN_SCORE")
    assert '"__INN_STEP1"' in one.to_sql(dialect="postgres", table="__INN_STEP1")  # a name of its own there


def test_spark_folds_names_letter_by_letter_as_java_does():
    from interpretable_nn.rules.sql_dialects import fold_name

    assert fold_name("ΑΣ", "spark") == fold_name("ασ", "spark")  # Python's lower() made the final sigma ς
    assert fold_name("ß", "spark") != fold_name("SS", "spark") and fold_name("ΑΣ", "postgres") == "ΑΣ"
    with pytest.raises(ValueError, match="differ only by case, and spark"):
        RuleSet([Rule((Condition("ΑΣ", "<=", 1.0),), 1.0), Rule((Condition("ασ", "<=", 1.0),), 2.0)]).to_sql(
            dialect="spark")


@pytest.mark.parametrize("engine", ["sqlite", "duckdb"])
def test_scorecard_sql_bins_the_float64_value_as_python_does(engine):
    """SQLite binned an int64 above 2**53 by its exact value: 605 where Python scores 590."""
    import sqlite3

    t = pd.DataFrame({"feature": ["(base)", "big", "big"], "kind": ["base", "numeric", "numeric"],
                      "points": [600.0, -10.0, 5.0], "lower": [None, -np.inf, 2.0**62],
                      "upper": [None, 2.0**62, np.inf]})
    card = Scorecard(t)
    X = pd.DataFrame({"id": [1, 2], "big": np.array([2**62 + 1, 2**62 + 4096], dtype=np.int64)})
    if engine == "sqlite":
        con = sqlite3.connect(":memory:")
        X.to_sql("applicants", con, index=False)
        got = [r[1] for r in con.execute(card.to_sql(reasons=1))]
    else:
        duckdb = pytest.importorskip("duckdb")
        con = duckdb.connect()
        con.register("applicants", X)
        got = [r[1] for r in con.execute(card.to_sql(reasons=1, dialect="duckdb")).fetchall()]
    assert got == card.score(X).tolist() == [590.0, 605.0]

"""A NaN stored in a float column is missing in every export, as in Python (a hostile pass,
stop 65): DuckDB and PostgreSQL keep NaN apart from NULL and order it above every number,
so ``income > 1`` fired for it and a rule set's decision flipped unsaid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sql_engines import Engine

from interpretable_nn.rules import Condition, Rule, RuleSet


def _ruleset() -> RuleSet:
    return RuleSet([
        Rule((Condition("income", ">", 1.0),), 2.0),
        Rule((Condition("income", "<=", 1.0, if_missing=True),), -0.5),
        Rule((Condition("income", "is_missing", True),), 0.25),
        Rule((Condition("rate", ">", 0.5),), 1.0),
        Rule((Condition("kids", "==", 2, if_missing=True),), 0.125),
        Rule((Condition("kids", "!=", 2),), 0.0625),
        Rule((Condition("kids", "in", (1, 2)),), 0.03125),
    ], intercept=-1.0)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_a_nan_in_the_table_is_missing_as_in_python(engine):
    rs = _ruleset()
    X = pd.DataFrame({"income": [np.nan, 2.0, None, 0.5], "rate": [np.nan, 1.0, 0.1, np.nan],
                      "kids": [np.nan, 2.0, 1.0, np.nan]})
    want = rs.decision_function(X)
    db = Engine(engine)
    try:
        db.con.execute("CREATE TEMP TABLE applicants (id BIGINT, income DOUBLE PRECISION, rate DOUBLE PRECISION, "
                       "kids DOUBLE PRECISION)" if engine == "postgres" else
                       "CREATE TABLE applicants (id BIGINT, income DOUBLE, rate DOUBLE, kids DOUBLE)")
        mark = "%s" if engine == "postgres" else "?"
        rows = [(i, *(None if v is None else float(v) for v in r)) for i, r in enumerate(X.astype(object).itertuples(index=False))]
        if engine == "postgres":
            with db.con.cursor() as cur:
                cur.executemany(f"INSERT INTO applicants VALUES ({mark}, {mark}, {mark}, {mark})", rows)
        else:
            db.con.executemany(f"INSERT INTO applicants VALUES ({mark}, {mark}, {mark}, {mark})", rows)
        nan_rows = db.run("SELECT id FROM applicants WHERE income <> income OR income = 'NaN'")
        assert nan_rows  # the table does hold a NaN, not a NULL
        got = db.run(rs.to_sql(dialect=engine))
    finally:
        db.close()
    np.testing.assert_array_equal([r[1] for r in got], want)


def test_a_table_that_is_not_a_name_and_labels_equal_to_python_are_refused():
    rs = _ruleset()
    for bad in (5, None, 3.5, "", ["a", 1]):
        with pytest.raises(ValueError, match="table must be a non-empty str"):
            rs.to_sql(table=bad)
    for classes in ([0, 0.0], [1, True]):
        with pytest.raises(ValueError, match="two distinct labels"):
            RuleSet(list(rs), intercept=0.0, classes=classes)


def test_integer_labels_and_levels_beyond_64_bits_are_refused():
    """SQLite read 2**63 + 1 and 2**63 + 2 as one float: both classes came back as one."""
    rs = RuleSet([Rule((Condition("income", ">", 1.0),), 2.0)], intercept=-1.0, classes=[2**63 + 1, 2**63 + 2])
    with pytest.raises(ValueError, match="outside the 64-bit integers SQL engines hold"):
        rs.to_sql()
    rs = RuleSet([Rule((Condition("kids", "==", 2**64),), 2.0)], intercept=-1.0)
    with pytest.raises(ValueError, match="outside the 64-bit integers"):
        rs.to_sql(dialect="duckdb")
    RuleSet([Rule((Condition("kids", "==", 2**63 - 1),), 2.0)], intercept=-1.0).to_sql()  # the largest int64 is fine

"""Spark SQL (slow): the SQL exports run on a default local Spark session (``pyspark``,
``master("local[2]")``, Java 17, default 1 GiB driver heap) and re-score held-out rows
exactly as Python: a RuleNet rule set, a rule set with linear terms and a surrogate tree's rule
set (credit_data), a scorecard with its reasons (credit_data and hmda), a 1,000-rule and a
10,000-rule set
(``export_sql``'s ``ZIP_WITH`` fold; timings in ``benchmarks/spark_rules.py``). Rows include
missing values (stored as NULL) and unseen levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sql_engines import Engine
from test_sql_scale import big_ruleset, frame

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    return Engine("spark")


def _held_out(small_credit) -> pd.DataFrame:
    _, _, Xte, _ = small_credit
    X = Xte.reset_index(drop=True).copy()
    extra = X.iloc[:3].copy()
    extra.iloc[0] = None  # all missing
    for c in X.columns:  # unseen levels
        if not pd.api.types.is_numeric_dtype(X[c].dtype):
            extra.loc[extra.index[1], c] = "never-seen"
    return pd.concat([X, extra], ignore_index=True)


def _ruleset_error(spark, rs, X) -> float:
    spark.load(X)
    rows = spark.run(rs.to_sql(dialect="spark"))
    assert [r[0] for r in rows] == list(range(len(X)))
    want = rs.decision_function(X)
    assert [r[2] for r in rows] == rs.predict(X).tolist()
    return float(np.max(np.abs(np.array([r[1] for r in rows], dtype=float) - want)))


def test_rule_set_and_surrogate_tree_rescore_exactly_in_spark(spark, small_credit):
    from interpretable_nn import RuleNetClassifier, SurrogateTree

    X, y, _, _ = small_credit
    Xh = _held_out(small_credit)
    model = RuleNetClassifier(max_rules=12, max_epochs=5, verbose=0, random_state=0).fit(X, y)
    assert _ruleset_error(spark, model.ruleset_, Xh) <= 1e-9
    tree = SurrogateTree(max_depth=4, random_state=0).fit(model, X)
    assert _ruleset_error(spark, tree.to_ruleset(), Xh) <= 1e-9


def test_linear_terms_rescore_exactly_in_spark(spark, small_credit):
    from interpretable_nn.rules import Condition, Rule, RuleSet
    from interpretable_nn.rules.conditions import LinearTerm

    Xh = _held_out(small_credit)
    rs = RuleSet([Rule((Condition("Seniority", "<=", 3.5),), 0.7)], intercept=-1.3,
                 linear=[LinearTerm("Income", -0.0041, 40.5, 320.0, 125.0), LinearTerm("Age", 0.013, 21.0, 63.0, 36.0)])
    assert _ruleset_error(spark, rs, Xh) == 0.0  # the same products, added in the same order


def _scorecard_check(spark, X, y, Xh) -> None:
    from interpretable_nn.models.nam import NAMClassifier

    nam = NAMClassifier(n_bags=1, max_epochs=5, interactions=2, verbose=0, random_state=0).fit(X, y)
    for decimals in (None, 0):
        card = nam.to_scorecard(decimals=decimals)
        spark.load(Xh)
        rows = spark.run(card.to_sql(reasons=4, dialect="spark"))
        assert [r[0] for r in rows] == list(range(len(Xh)))
        out = card.reason_codes(Xh, k=4)
        want = [[None] * 4 for _ in range(len(Xh))]
        for r in out.itertuples(index=False):
            want[r.row][r.rank - 1] = r.reason
        err = float(np.max(np.abs(np.array([r[1] for r in rows], dtype=float) - card.score(Xh))))
        assert err <= 1e-9 and [list(r[2:]) for r in rows] == want


def test_scorecard_with_reasons_rescore_exactly_in_spark(spark, small_credit):
    X, y, _, _ = small_credit
    _scorecard_check(spark, X, y, _held_out(small_credit))


def test_scorecard_with_reasons_rescore_exactly_in_spark_on_hmda(spark):
    from test_sql_datasets import held_out

    X, Xh, y = held_out("hmda")  # 200 held-out rows, an all-missing row, an unseen-level row
    assert Xh.isna().all(axis=1).any()
    _scorecard_check(spark, X, y, Xh)


def test_a_thousand_rules_rescore_exactly_in_spark(spark):
    # the chained WITH steps overflowed Spark's stack here (measured); the fold runs it
    rs = big_ruleset(1_000)
    assert _ruleset_error(spark, rs, frame(200)) <= 1e-9


def test_ten_thousand_rules_rescore_exactly_in_spark(spark):
    # a plain AGGREGATE(ARRAY(...)) fold ran out of the default 1 GiB driver heap compiling
    # its generated code from 3,000 rules on (measured); the ZIP_WITH fold is interpreted
    rs = big_ruleset(10_000)
    X = frame(200)
    assert X.isna().any(axis=1).sum() > 100 and (X["c0"] == "unseen").any()
    assert _ruleset_error(spark, rs, X) <= 1e-9

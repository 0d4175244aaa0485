"""Rule sets of any size score exactly in SQL: the export adds the rules in steps of at
most ``export_sql.CHUNK`` (SQLite refuses one expression tree deeper than 1,000, which a
single sum of 996 rules is), in Python's order, so every score is bit for bit Python's.

Default run: 1,200 random rules and an unpruned tree (over 1,000 leaves) in SQLite and
DuckDB (and PostgreSQL when ``INN_TEST_POSTGRES`` is set). Slow run: 10,000 rules in SQLite,
DuckDB and PostgreSQL (Spark: ``tests/test_spark.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sql_engines import Engine

from interpretable_nn.rules import Condition, Rule, RuleSet
from interpretable_nn.rules.export_sql import CHUNK
from interpretable_nn.rules.values import sigmoid

LEVELS = ["a", "b", "O'Neil", "é", 'q"t']


def big_ruleset(n_rules: int, seed: int = 0) -> RuleSet:
    """``n_rules`` random rules over 12 numeric and 3 text columns: thresholds with up to 17
    significant digits, levels, ``in``, ``is_missing`` and ``if_missing`` everywhere."""
    rng = np.random.default_rng(seed)
    rules = []
    for j in range(n_rules):
        conds = []
        for _ in range(int(rng.integers(1, 4))):
            if rng.random() < 0.75:
                f = f"x{int(rng.integers(12))}"
                t = float(np.round(rng.normal(), int(rng.integers(1, 17))))
                conds.append(Condition(f, "<=" if rng.random() < 0.5 else ">", t, if_missing=bool(rng.random() < 0.3)))
            else:
                f = f"c{int(rng.integers(3))}"
                kind = rng.random()
                if kind < 0.4:
                    conds.append(Condition(f, "==" if rng.random() < 0.5 else "!=", str(rng.choice(LEVELS)),
                                           if_missing=bool(rng.random() < 0.3)))
                elif kind < 0.8:
                    conds.append(Condition(f, "in", tuple(rng.choice(LEVELS, 2, replace=False).tolist())))
                else:
                    conds.append(Condition(f, "is_missing", bool(rng.random() < 0.5)))
        rules.append(Rule(tuple(conds), float(rng.normal() * 0.3), name=f"r{j}"))
    return RuleSet(rules, intercept=float(rng.normal()), classes=("good", "bad"))


def frame(n: int, seed: int = 1) -> pd.DataFrame:
    """Held-out-like rows: about 10% missing per column, unseen levels, values on thresholds."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f"x{i}": np.round(rng.normal(size=n), int(rng.integers(1, 4))) for i in range(12)})
    X[rng.random(X.shape) < 0.1] = np.nan
    for i in range(3):
        col = rng.choice(np.array([*LEVELS, "unseen", None], dtype=object), n)
        X[f"c{i}"] = col
    return X


def check(engine: str, rs: RuleSet, X: pd.DataFrame) -> float:
    """Max |score difference| SQL vs Python; decisions and probabilities checked too."""
    db = Engine(engine)
    try:
        db.load(X)
        rows = db.run(rs.to_sql(dialect=engine))
    finally:
        db.close()
    assert [r[0] for r in rows] == list(range(len(X)))
    score = np.array([float(r[1]) for r in rows])
    want = rs.decision_function(X)  # predict and predict_proba read it the same way
    assert [r[2] for r in rows] == [rs.classes[int(s > 0)] for s in want]
    assert np.max(np.abs(np.array([float(r[3]) for r in rows]) - sigmoid(want))) <= 1e-12
    return float(np.max(np.abs(score - want)))


@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_more_rules_than_one_sql_expression_holds(engine):
    rs = big_ruleset(1200)
    assert rs.n_rules > 2 * CHUNK  # three steps
    assert check(engine, rs, frame(150)) <= 1e-9


def test_an_unpruned_tree_scores_exactly_in_sqlite():
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(4500, 6)).round(3), columns=[f"x{i}" for i in range(6)])
    y = rng.integers(0, 2, len(X))  # noise: the tree memorises it in about 1,200 leaves
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)  # no depth limit, no pruning
    rs = RuleSet.from_sklearn_tree(tree)
    assert rs.n_rules > 996  # the old single-sum export failed from 996 rules on
    Xt = pd.DataFrame(rng.normal(size=(300, 6)).round(3), columns=X.columns)
    Xt[rng.random(Xt.shape) < 0.1] = np.nan
    assert check("sqlite", rs, Xt) <= 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", "duckdb", "postgres"])
def test_ten_thousand_rules_score_exactly(engine):
    rs = big_ruleset(10_000)
    assert check(engine, rs, frame(200)) <= 1e-9

"""The databases the SQL exports are checked in, behind one small interface: ``Engine(name)``
with ``load(X, table)`` (X's columns typed from its dtypes; NaN, None and pd.NA stored as
NULL; ``id`` = row position) and ``run(sql)`` (rows sorted by their first column).

SQLite always runs; DuckDB and psycopg come with the dev extra; PostgreSQL is reached
through ``INN_TEST_POSTGRES`` (a DSN; ``.ci/postgres.sh`` starts a cluster and sets it) and
skips without it, except in CI (``CI`` set), where it fails; Spark (``pyspark``, Java 17)
starts one ``local[2]`` session per test process.
"""

from __future__ import annotations

import importlib
import math
import os
import sqlite3

import numpy as np
import pandas as pd
import pytest

CI = bool(os.environ.get("CI"))
_SPARK = None


def need(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        if CI:
            pytest.fail(f"{module} is missing; CI installs it with the dev extra.")
        pytest.skip(f"{module} is not installed (pip install -e '.[dev]').")


def spark_session():
    """One local Spark session per process (``local[2]``, default SQL settings)."""
    global _SPARK
    if _SPARK is None:
        need("pyspark")
        from pyspark.sql import SparkSession

        _SPARK = (SparkSession.builder.master("local[2]").appName("interpretable_nn-tests")
                  .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                  .getOrCreate())
        _SPARK.sparkContext.setLogLevel("ERROR")
    return _SPARK


def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(s.dtype):
        return "int"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "float"
    return "text"


_TYPES = {
    "sqlite": {"bool": "INTEGER", "int": "INTEGER", "float": "REAL", "text": "TEXT"},
    "duckdb": {"bool": "BOOLEAN", "int": "BIGINT", "float": "DOUBLE", "text": "VARCHAR"},
    "postgres": {"bool": "BOOLEAN", "int": "BIGINT", "float": "DOUBLE PRECISION", "text": "TEXT"},
}


def _cell(v, kind: str):
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    v = v.item() if isinstance(v, np.generic) else v
    if kind == "float":
        return float(v)
    if kind == "int":
        return int(v)
    if kind == "bool":
        return bool(v)
    return str(v)


class Engine:
    """One connection to ``name`` (sqlite, duckdb, postgres or spark)."""

    def __init__(self, name: str):
        self.name = name
        if name == "sqlite":
            self.con = sqlite3.connect(":memory:")
        elif name == "duckdb":
            self.con = need("duckdb").connect()
        elif name == "postgres":
            dsn = os.environ.get("INN_TEST_POSTGRES")
            if not dsn:
                if CI:
                    pytest.fail("INN_TEST_POSTGRES is not set: .ci/run must start PostgreSQL (.ci/postgres.sh).")
                pytest.skip("PostgreSQL: set INN_TEST_POSTGRES=postgresql://... (or source .ci/postgres.sh).")
            self.con = need("psycopg").connect(dsn, autocommit=True)
            # no prepared statements: an INSERT's text repeats across reloaded tables of other types
            self.con.prepare_threshold = None
        elif name == "spark":
            self.con = spark_session()
        else:
            raise ValueError(name)

    def load(self, X: pd.DataFrame, table: str = "applicants") -> None:
        kinds = {c: _kind(X[c]) for c in X.columns}
        rows = [(i, *(_cell(v, kinds[c]) for c, v in zip(X.columns, r)))
                for i, r in enumerate(X.astype(object).itertuples(index=False))]
        if self.name == "spark":
            from pyspark.sql import types as T

            spark_t = {"bool": T.BooleanType(), "int": T.LongType(), "float": T.DoubleType(), "text": T.StringType()}
            schema = T.StructType([T.StructField("id", T.LongType())]
                                  + [T.StructField(str(c), spark_t[kinds[c]]) for c in X.columns])
            self.con.createDataFrame(rows, schema).createOrReplaceTempView(table)
            return
        q = '"' + table.replace('"', '""') + '"'
        types = _TYPES[self.name]
        cols = ", ".join('"' + str(c).replace('"', '""') + '" ' + types[kinds[c]] for c in X.columns)
        temp = "TEMP " if self.name == "postgres" else ""
        self.con.execute(f"DROP TABLE IF EXISTS {q}")
        self.con.execute(f"CREATE {temp}TABLE {q} (id BIGINT, {cols})")
        mark = "%s" if self.name == "postgres" else "?"
        sql = f"INSERT INTO {q} VALUES ({', '.join([mark] * (len(X.columns) + 1))})"
        if self.name == "postgres":
            with self.con.cursor() as cur:
                cur.executemany(sql, rows)
        else:
            self.con.executemany(sql, rows)

    def run(self, sql: str) -> list[tuple]:
        if self.name == "spark":
            rows = [tuple(r) for r in self.con.sql(sql).collect()]
        else:
            rows = self.con.execute(sql).fetchall()
        return sorted(rows, key=lambda r: r[0])

    def close(self) -> None:
        if self.name != "spark":
            self.con.close()

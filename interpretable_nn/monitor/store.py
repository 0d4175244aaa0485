"""The SQLite store of :meth:`Monitor.log`: decisions, batch figures and alerts.

Tables (created on first use)::

    batches   (batch TEXT PRIMARY KEY, seq INTEGER, logged_at TEXT, n_rows INTEGER, report TEXT)
    figures   (batch, metric, feature, value)          every figure of MonitorReport.figures()
    alerts    (batch, metric, feature, value, threshold, level)
    decisions (batch, id, score, probability, decision, reason_1 .. reason_k,
               points_1 .. points_k, review, flags)   one line per applicant

A batch is written in one transaction: either all its lines are there or none.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MonitorStore", "id_text"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (batch TEXT PRIMARY KEY, seq INTEGER, logged_at TEXT, n_rows INTEGER,
                                    report TEXT);
CREATE TABLE IF NOT EXISTS figures (batch TEXT, metric TEXT, feature TEXT, value REAL);
CREATE TABLE IF NOT EXISTS alerts (batch TEXT, metric TEXT, feature TEXT, value REAL, threshold REAL, level TEXT);
CREATE TABLE IF NOT EXISTS decisions (batch TEXT, id TEXT, score REAL, probability REAL, decision TEXT,
                                      review INTEGER, flags TEXT);
CREATE INDEX IF NOT EXISTS figures_batch ON figures(batch);
CREATE INDEX IF NOT EXISTS decisions_batch ON decisions(batch);
"""


def _sql_value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, (np.integer, np.bool_)):
        return int(v)
    return v


class MonitorStore:
    """A monitoring store in one SQLite file.

    Parameters
    ----------
    path : str or Path
    create : bool, default True
        Create the file when missing (False: a missing file is a ``FileNotFoundError``).
    """

    def __init__(self, path: Any, create: bool = True, features: list[str] | None = None):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise FileNotFoundError(f"No monitoring store at {self.path}; log a batch first (Monitor.log).")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = self._connect()
            try:
                tables = {n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if tables and "batches" not in tables:  # another tool's database: history() added our tables to it
                    raise ValueError(f"{self.path} is a SQLite database but not a monitoring store (its tables: "
                                     f"{sorted(tables)[:5]}); give a new .sqlite file, or a store written by "
                                     "Monitor.log.")
                if not create and not tables:
                    raise ValueError(f"{self.path} is not a monitoring store (it holds no table); log a batch first.")
                if create:
                    con.executescript(_SCHEMA)
                    if features is not None:
                        self._check_features(con, list(features))
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:  # a CSV given as --store, a directory, a read-only folder
            if "locked" in str(exc):
                raise ValueError(f"The monitoring store {self.path} is locked by another process ({exc}); retry "
                                 "when it is done.") from None
            raise ValueError(f"{self.path} cannot be a monitoring store ({exc}): give a new .sqlite file in a "
                             "writable folder, or a store written by Monitor.log.") from None

    def _check_features(self, con: sqlite3.Connection, features: list[str]) -> None:
        """Record the features of the model that logs here; refuse another model's (its
        batches mixed into one history, and its alerts said "since" the other's). A store
        without batches takes the new model's features (a failed first log bound it to the
        wrong one); one written before they were recorded has them read off its last
        batch's report."""
        con.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = con.execute("SELECT value FROM meta WHERE key = 'features'").fetchone()
        last = con.execute("SELECT report FROM batches ORDER BY seq DESC LIMIT 1").fetchone()
        known = json.loads(row[0]) if row else list((json.loads(last[0]) or {}).get("csi", {})) if last else None
        if last is not None and known and sorted(known) != sorted(features):
            raise ValueError(f"{self.path} holds the batches of a model with the features {known}; this model reads "
                             f"{features}. Give each model its own store.")
        con.execute("INSERT OR REPLACE INTO meta VALUES ('features', ?)", (json.dumps(features),))

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, isolation_level=None)

    def new_batch_name(self, batch: str | None) -> str:
        """``batch`` checked unique, or the UTC time when None."""
        name = batch if batch is not None else _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"batch must be a non-empty string; got {batch!r}.")
        con = self._connect()
        try:
            if con.execute("SELECT 1 FROM batches WHERE batch = ?", (name,)).fetchone():
                raise ValueError(f"batch {name!r} is already in {self.path}; give each batch its own name.")
        finally:
            con.close()
        return name

    @contextmanager
    def transaction(self) -> Iterator[_Tx]:
        """One transaction: committed when the block ends, rolled back on an error. A store
        another writer holds, or one that cannot be written, is a ``ValueError`` naming it
        (a failed BEGIN was hidden behind "cannot rollback - no transaction is active")."""
        con = self._connect()
        try:
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise ValueError(f"The monitoring store {self.path} cannot be written now ({exc}): another "
                                 "process may be logging to it; retry when it is done.") from None
            try:
                yield _Tx(con)
                con.execute("COMMIT")
            except BaseException as exc:
                con.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError):  # a read-only file, a full disk
                    raise ValueError(f"The monitoring store {self.path} could not be written ({exc}); nothing of "
                                     "this batch was logged.") from None
                raise
        finally:
            con.close()

    def history(self) -> pd.DataFrame:
        """Every logged figure with its batch and alert level (see ``Monitor.history``)."""
        con = self._connect()
        try:
            return pd.read_sql_query(
                "SELECT b.batch, b.seq, b.logged_at, b.n_rows, f.metric, f.feature, f.value, "
                "COALESCE(a.level, '') AS level FROM figures f JOIN batches b ON b.batch = f.batch "
                "LEFT JOIN alerts a ON a.batch = f.batch AND a.metric = f.metric AND a.feature = f.feature "
                "ORDER BY b.seq, f.rowid", con)
        finally:
            con.close()

    def alerts(self) -> pd.DataFrame:
        """Every logged alert, in batch order."""
        con = self._connect()
        try:
            return pd.read_sql_query(
                "SELECT b.batch, b.seq, a.metric, a.feature, a.value, a.threshold, a.level FROM alerts a "
                "JOIN batches b ON b.batch = a.batch ORDER BY b.seq", con)
        finally:
            con.close()

    def since(self, metric: str, feature: str) -> str | None:
        """The first batch of the unbroken run of latest batches in which the alert
        ``(metric, feature)`` fired; None when it did not fire in the latest batch."""
        con = self._connect()
        try:
            order = [b for (b,) in con.execute("SELECT batch FROM batches ORDER BY seq DESC")]
            fired = {b for (b,) in con.execute("SELECT batch FROM alerts WHERE metric = ? AND feature = ?",
                                               (metric, feature))}
        finally:
            con.close()
        first = None
        for b in order:
            if b not in fired:
                break
            first = b
        return first

    def decisions(self, batch: str | None = None) -> pd.DataFrame:
        """The logged decisions (of one batch, or all)."""
        con = self._connect()
        try:
            q, args = "SELECT * FROM decisions", ()
            if batch is not None:
                q, args = q + " WHERE batch = ?", (batch,)
            return pd.read_sql_query(q, con, params=args)
        finally:
            con.close()


class _Tx:
    def __init__(self, con: sqlite3.Connection):
        self.con = con
        self._columns = {r[1] for r in con.execute("PRAGMA table_info(decisions)")}

    def write_rows(self, batch: str, rows: pd.DataFrame) -> None:
        for c in rows.columns:
            if c not in self._columns and c != "id":
                kind = "REAL" if c.startswith("points_") else "TEXT"
                self.con.execute(f'ALTER TABLE decisions ADD COLUMN "{c}" {kind}')
                self._columns.add(c)
        cols = ["batch", *rows.columns]
        sql = f"INSERT INTO decisions ({', '.join(chr(34) + c + chr(34) for c in cols)}) VALUES ({', '.join('?' * len(cols))})"
        data = rows.astype(object).where(rows.notna(), None).itertuples(index=False, name=None)
        self.con.executemany(sql, ((batch, *map(_sql_value, r)) for r in data))

    def write_batch(self, batch: str, report: Any) -> None:
        seq = self.con.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM batches").fetchone()[0]
        now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        try:
            self.con.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?)",
                             (batch, seq, now, int(report.n_rows), report.to_json()))
        except sqlite3.IntegrityError:  # another process logged this name since it was checked
            raise ValueError(f"batch {batch!r} is already in the store; give each batch its own name.") from None
        self.con.executemany("INSERT INTO figures VALUES (?, ?, ?, ?)",
                             [(batch, m, f, _sql_value(float(v))) for m, f, v in report.figures()])
        self.con.executemany("INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?)",
                             [(batch, a.metric, a.feature, _sql_value(a.value), _sql_value(a.threshold), a.level)
                              for a in report.alerts])


def id_text(ids: pd.Series) -> np.ndarray:
    """Applicant ids as text, as written: whole numbers a float column holds (an int column
    with a gap) without ".0" (1001.0 logged as "1001.0" no longer joined back)."""
    def text(v: Any) -> Any:
        if v is None or (not isinstance(v, (str, bytes)) and np.ndim(v) == 0 and pd.isna(v)):  # NaN, pd.NA, NaT
            return None
        if isinstance(v, bytes):
            return v.decode("utf-8", "backslashreplace")
        if isinstance(v, (float, np.floating)) and float(v).is_integer() and abs(v) < 2**53:
            return str(int(v))
        return str(v)
    values = ids.to_numpy() if ids.dtype.kind in "iuf" else ids.to_numpy(dtype=object)  # float32 0.1 stays "0.1"
    return np.array([text(v) for v in values], dtype=object)

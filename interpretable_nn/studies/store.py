"""The results store of a study: one SQLite file (``out/results.sqlite``), one row per cell.

Guarantees (the study runner relies on them; ``tests/test_studies_store.py`` checks them):

* **Atomic cells.** A finished cell is written by :meth:`ResultStore.record` in one
  transaction that inserts its row and drops its claim. A process killed at any moment
  (even ``kill -9``) leaves either the whole row or nothing: SQLite rolls an interrupted
  transaction back when the file is next opened. The file is in WAL mode with
  ``synchronous=NORMAL``: a committed row survives any crash of the process; a power cut
  may lose the last commits, never corrupt the file (those cells simply run again).
* **No duplicates.** ``cell_key`` is the table's primary key and rows are written with a
  plain ``INSERT``: a second row for the same cell is refused by the database itself, not
  by a check in Python, so two runners racing on one store cannot both write a cell.
* **Claims.** Before running a cell a runner claims it (:meth:`ResultStore.claim`, a
  ``BEGIN IMMEDIATE`` transaction, so claims are serialised across processes). A claim
  held by a live runner is respected; a claim whose process is gone (same host, pid not
  alive) or whose heartbeat is older than ``stale_after`` seconds is taken over. So two
  runners on one store share the cells instead of running them twice, and a study killed
  mid-way is resumed by the next run.

Only the process that drives a study opens the store: Dask and process-pool workers
return their row to it, so the file never has to be reachable from a cluster.
"""

from __future__ import annotations

import json
import math
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

__all__ = ["ResultStore", "load_results", "store_path", "STORE_NAME", "CELL_COLUMNS"]

STORE_NAME = "results.sqlite"


def store_path(path: str | Path) -> Path:
    """The SQLite file a study's ``out`` names: ``out`` itself when it ends in ``.sqlite``,
    ``.db`` or ``.sqlite3``, else ``out/results.sqlite``."""
    p = Path(path)
    return p if p.suffix in (".sqlite", ".db", ".sqlite3") else p / STORE_NAME
SCHEMA_VERSION = 1

#: columns of the ``cells`` table besides ``cell_key`` (name -> SQLite type); any other key
#: of a row dict goes into the JSON ``details`` column
CELL_COLUMNS: dict[str, str] = {
    "dataset": "TEXT", "data_hash": "TEXT", "model": "TEXT", "label": "TEXT", "params": "TEXT",
    "seed": "INTEGER", "fold": "INTEGER", "n_folds": "INTEGER",
    "status": "TEXT", "error": "TEXT", "task": "TEXT", "n_train": "INTEGER", "n_test": "INTEGER",
    # scores (classification, then regression)
    "auc": "REAL", "log_loss": "REAL", "accuracy": "REAL", "brier": "REAL",
    "rmse": "REAL", "r2": "REAL", "mae": "REAL",
    # times in seconds: fit, predict, the checks (surrogate, crosscheck, fairness), the whole
    # cell inside the worker, and the driver's bookkeeping for the cell (claim + dispatch + write)
    "fit_time": "REAL", "predict_time": "REAL", "check_time": "REAL", "cell_time": "REAL",
    "driver_time": "REAL",
    # complexity
    "n_parameters": "REAL", "n_terms": "REAL", "n_interactions": "REAL", "n_rules": "REAL",
    "n_conditions": "REAL", "n_prototypes": "REAL",
    "surrogate_fidelity": "REAL", "crosscheck_agreement": "REAL",
    # provenance
    "device": "TEXT", "library_version": "TEXT", "python_version": "TEXT", "torch_version": "TEXT",
    "host": "TEXT", "worker": "TEXT", "owner": "TEXT", "started_at": "TEXT", "finished_at": "TEXT",
    "details": "TEXT",
}

_DDL = [
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cells (cell_key TEXT PRIMARY KEY NOT NULL, "
    + ", ".join(f"{k} {t}" for k, t in CELL_COLUMNS.items())
    + ", CHECK (status IN ('ok', 'failed')))",
    "CREATE TABLE IF NOT EXISTS claims (cell_key TEXT PRIMARY KEY NOT NULL, owner TEXT NOT NULL, "
    "host TEXT NOT NULL, pid INTEGER NOT NULL, claimed_at REAL NOT NULL, heartbeat REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS cells_dataset_model ON cells (dataset, label)",
]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _json_default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def _sql_value(v):
    """A value SQLite stores as is: NaN/inf -> NULL, numpy scalars -> Python."""
    if v is None or isinstance(v, str | bytes):
        return v
    if hasattr(v, "item") and not isinstance(v, list | dict):
        v = v.item()
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, int | float):
        return v
    return json.dumps(v, default=_json_default, sort_keys=True)


class ResultStore:
    """The SQLite file of a study (see the module docstring for its guarantees).

    Parameters
    ----------
    path : str or Path
        A directory (the file ``results.sqlite`` inside it is used) or a ``.sqlite`` file.
    stale_after : float, default 600
        Seconds without a heartbeat after which a claim held by a process on another host
        is taken over (claims of dead processes on this host are taken over at once).

    Examples
    --------
    >>> import tempfile
    >>> store = ResultStore(tempfile.mkdtemp())
    >>> store.claim("cell-1")
    True
    >>> store.record({"cell_key": "cell-1", "status": "ok", "auc": 0.8})
    True
    >>> store.record({"cell_key": "cell-1", "status": "ok", "auc": 0.9})  # never twice
    False
    >>> store.results()["auc"].tolist()
    [0.8]
    """

    def __init__(self, path: str | Path, *, stale_after: float = 600.0):
        if not isinstance(path, str | os.PathLike):
            raise TypeError(f"out must be a directory path (str or Path); got {type(path).__name__}.")
        if str(path).strip() == "":
            raise ValueError("out is empty; give the study's output directory (e.g. out='results/').")
        p = store_path(path)
        if Path(path).exists() and not Path(path).is_dir() and p == Path(path) / STORE_NAME:
            raise ValueError(f"out {path} is a file, not a directory; give the study's output directory (a new "
                             "or existing folder), or an existing study's results.sqlite.")
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a file on the way, a read-only disk, no permission
            raise ValueError(f"out {path}: cannot create the folder {p.parent} ({exc.strerror or exc}); give a "
                             "writable output directory.") from None
        self.path = p
        self.stale_after = float(stale_after)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.owner = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self._conn: sqlite3.Connection | None = None
        self._conn_pid: int | None = None
        try:
            with self._transaction() as c:
                for stmt in _DDL:
                    c.execute(stmt)
                c.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:  # not a SQLite file, a read-only folder, a directory
            raise ValueError(f"{self.path} cannot be a study's results store ({exc}): give a new or writable "
                             "output directory, or an existing study's results.sqlite.") from None
        found = self.meta("schema_version")
        if found != str(SCHEMA_VERSION):
            raise ValueError(
                f"{self.path} has results schema version {found}; this library writes version "
                f"{SCHEMA_VERSION}. Use a new output directory."
            )

    # ------------------------------------------------------------------ connection
    @property
    def conn(self) -> sqlite3.Connection:
        """This process's connection (a forked child opens its own)."""
        if self._conn is None or self._conn_pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            try:
                wal = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() == "wal"
            except sqlite3.OperationalError:  # pragma: no cover - e.g. a file system without shm
                wal = False
            # WAL + NORMAL: a committed row survives any process crash (kill -9); only a power
            # cut may lose the last commits (never corrupting the file). Without WAL: FULL.
            conn.execute("PRAGMA synchronous=NORMAL" if wal else "PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=60000")
            self._conn, self._conn_pid = conn, os.getpid()
        return self._conn

    def _transaction(self):
        store = self

        class _Tx:
            def __enter__(self):
                self.c = store.conn
                self.c.execute("BEGIN IMMEDIATE")
                return self.c

            def __exit__(self, exc_type, exc, tb):
                self.c.execute("ROLLBACK" if exc_type else "COMMIT")
                return False

        return _Tx()

    def close(self) -> None:
        if self._conn is not None and self._conn_pid == os.getpid():
            self._conn.close()
        self._conn = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r})"

    # ------------------------------------------------------------------ meta
    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as c:
            c.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))

    # ------------------------------------------------------------------ cells
    def finished_keys(self, status: str | None = None) -> set[str]:
        """Keys of the cells with a row (``status`` "ok" / "failed" / None = both)."""
        if status is None:
            rows = self.conn.execute("SELECT cell_key FROM cells").fetchall()
        else:
            rows = self.conn.execute("SELECT cell_key FROM cells WHERE status = ?", (status,)).fetchall()
        return {r[0] for r in rows}

    def _claim_is_stale(self, host: str, pid: int, heartbeat: float, now: float) -> bool:
        if host == self.host and pid != self.pid and not _pid_alive(pid):
            return True
        return now - heartbeat > self.stale_after

    def claim(self, cell_key: str) -> bool:
        """Reserve a cell for this runner. False when it is finished or claimed by a live
        runner; a stale claim (dead process, or no heartbeat for ``stale_after`` s) is
        taken over."""
        now = time.time()
        with self._transaction() as c:
            if c.execute("SELECT 1 FROM cells WHERE cell_key = ?", (cell_key,)).fetchone():
                return False
            row = c.execute(
                "SELECT owner, host, pid, heartbeat FROM claims WHERE cell_key = ?", (cell_key,)
            ).fetchone()
            if row is not None and row[0] != self.owner and not self._claim_is_stale(row[1], row[2], row[3], now):
                return False
            c.execute(
                "INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?, ?)",
                (cell_key, self.owner, self.host, self.pid, now, now),
            )
        return True

    def release(self, cell_keys: Iterable[str]) -> None:
        """Give up this runner's claims on ``cell_keys`` (cells it did not run)."""
        keys = list(cell_keys)
        if not keys:
            return
        with self._transaction() as c:
            c.executemany("DELETE FROM claims WHERE cell_key = ? AND owner = ?", [(k, self.owner) for k in keys])

    def heartbeat(self) -> None:
        """Mark this runner's claims as alive."""
        with self._transaction() as c:
            c.execute("UPDATE claims SET heartbeat = ? WHERE owner = ?", (time.time(), self.owner))

    def claims(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT * FROM claims", self.conn)

    def record(self, row: dict) -> bool:
        """Write one finished cell and drop its claim, in one transaction. Returns False
        (and writes nothing) when the cell already has a row."""
        if "cell_key" not in row or row.get("status") not in ("ok", "failed"):
            raise ValueError("A result row needs a 'cell_key' and a status of 'ok' or 'failed'.")
        values = {"cell_key": row["cell_key"], "owner": self.owner}
        details = dict(row.get("details") or {})
        for k, v in row.items():
            if k in ("cell_key", "details", "owner"):
                continue
            if k in CELL_COLUMNS:
                values[k] = v
            else:
                details[k] = v
        values["details"] = json.dumps(details, default=_json_default, sort_keys=True) if details else None
        cols = list(values)
        sql = f"INSERT INTO cells ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        try:
            with self._transaction() as c:
                c.execute(sql, [_sql_value(values[k]) for k in cols])
                c.execute("DELETE FROM claims WHERE cell_key = ?", (row["cell_key"],))
        except sqlite3.IntegrityError as exc:
            if "cell_key" not in str(exc) and "UNIQUE" not in str(exc):
                raise
            self.release([row["cell_key"]])
            return False
        return True

    def delete(self, status: str = "failed", keys: Iterable[str] | None = None) -> int:
        """Remove the rows with ``status`` (e.g. to rerun failed cells), only those of ``keys``
        when given (one study's cells: other studies in the store keep theirs); returns how many."""
        with self._transaction() as c:
            if keys is None:
                return c.execute("DELETE FROM cells WHERE status = ?", (status,)).rowcount
            return sum(c.execute("DELETE FROM cells WHERE status = ? AND cell_key = ?", (status, k)).rowcount
                       for k in set(keys))

    def results(self, details: bool = True) -> pd.DataFrame:
        """Every row as a DataFrame (``params`` and ``details`` decoded from JSON)."""
        return _decode(pd.read_sql_query("SELECT * FROM cells ORDER BY rowid", self.conn), details)

    def __len__(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM cells").fetchone()[0])


def _decode(df: pd.DataFrame, details: bool) -> pd.DataFrame:
    for k, t in CELL_COLUMNS.items():  # NULL -> NaN in float columns, whatever the rows hold
        if t == "REAL":
            df[k] = pd.to_numeric(df[k], errors="coerce").astype(float)
    df["params"] = [json.loads(p) if isinstance(p, str) else {} for p in df["params"]]
    if details:
        df["details"] = [json.loads(d) if isinstance(d, str) else {} for d in df["details"]]
    else:
        df = df.drop(columns=["details"])
    return df


def load_results(path: str | Path, details: bool = True) -> pd.DataFrame:
    """The rows of a study's store (``path`` = the output directory or the ``.sqlite`` file),
    read-only.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> _ = ResultStore(d).record({"cell_key": "k", "status": "failed", "error": "boom"})
    >>> load_results(d)[["status", "error"]].values.tolist()
    [['failed', 'boom']]
    """
    p = Path(path)
    if p.is_dir():
        p = p / STORE_NAME
    if not p.exists():
        raise FileNotFoundError(f"No study results at {p}; run a study first (interpretable-nn study ... --out DIR).")
    # a URI built from the absolute path with every reserved character percent-encoded: a
    # folder named "run #1", "what?" or "study%41" is read as that folder, never another
    conn = sqlite3.connect(p.resolve().as_uri() + "?mode=ro", uri=True, timeout=60.0)
    try:
        df = pd.read_sql_query("SELECT * FROM cells ORDER BY rowid", conn)
    finally:
        conn.close()
    return _decode(df, details)

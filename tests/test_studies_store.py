"""The SQLite results store: atomic rows, no duplicates, claims, stale claims, read-back."""

from __future__ import annotations

import math
import sqlite3
import subprocess
import sys
import time

import pytest

from interpretable_nn.studies.store import STORE_NAME, ResultStore, load_results


def _row(key: str, **kw) -> dict:
    return {"cell_key": key, "status": "ok", "dataset": "d", "label": "m", "seed": 0, "fold": 0, **kw}


def test_record_writes_one_row_and_refuses_a_second(tmp_path):
    store = ResultStore(tmp_path)
    assert (tmp_path / STORE_NAME).exists()
    assert store.record(_row("a", auc=0.81, params={"lr": 0.1}))
    assert not store.record(_row("a", auc=0.99))  # the primary key refuses it
    df = store.results()
    assert len(df) == 1 and df["auc"].iloc[0] == 0.81 and df["params"].iloc[0] == {"lr": 0.1}
    with sqlite3.connect(tmp_path / STORE_NAME) as c:  # the database itself enforces uniqueness
        with pytest.raises(sqlite3.IntegrityError):
            c.execute("INSERT INTO cells (cell_key, status) VALUES ('a', 'ok')")


def test_unknown_keys_go_to_details_and_nan_becomes_null(tmp_path):
    store = ResultStore(tmp_path)
    store.record(_row("a", auc=math.nan, my_extra=3, details={"checks": {"x": 1}}))
    r = load_results(tmp_path).iloc[0]
    assert r["details"] == {"checks": {"x": 1}, "my_extra": 3}
    assert math.isnan(r["auc"])


def test_bad_rows_are_rejected(tmp_path):
    store = ResultStore(tmp_path)
    with pytest.raises(ValueError, match="status"):
        store.record({"cell_key": "a", "status": "done"})
    with pytest.raises(ValueError, match="cell_key"):
        store.record({"status": "ok"})


def test_claims_are_exclusive_between_live_runners(tmp_path):
    a, b = ResultStore(tmp_path), ResultStore(tmp_path)
    assert a.claim("k") and a.claim("k")  # re-claiming one's own cell is fine
    assert not b.claim("k")  # a live runner (this very process) holds it
    a.release(["k"])
    assert b.claim("k")
    assert b.record(_row("k"))
    assert not a.claim("k")  # finished cells cannot be claimed
    assert a.claims().empty  # recording dropped the claim in the same transaction


def test_claim_of_a_dead_process_is_taken_over(tmp_path):
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(proc.stdout)
    store = ResultStore(tmp_path)
    with sqlite3.connect(tmp_path / STORE_NAME) as c:
        now = time.time()
        c.execute("INSERT INTO claims VALUES ('k', 'ghost', ?, ?, ?, ?)", (store.host, dead_pid, now, now))
    assert store.claim("k")
    assert store.claims()["owner"].tolist() == [store.owner]


def test_claim_without_heartbeat_goes_stale(tmp_path):
    a = ResultStore(tmp_path)
    b = ResultStore(tmp_path, stale_after=0.2)
    with sqlite3.connect(tmp_path / STORE_NAME) as c:  # a claim from another host (pid not checkable)
        c.execute("INSERT INTO claims VALUES ('k', 'far', 'other-host', 1, ?, ?)", (time.time(), time.time()))
    assert not a.claim("k") and not b.claim("k")
    time.sleep(0.3)
    assert b.claim("k")
    b.heartbeat()
    assert not ResultStore(tmp_path, stale_after=60).claim("k")


def test_delete_failed_and_finished_keys(tmp_path):
    store = ResultStore(tmp_path)
    store.record(_row("a"))
    store.record({"cell_key": "b", "status": "failed", "error": "ValueError: boom"})
    assert store.finished_keys() == {"a", "b"}
    assert store.finished_keys("failed") == {"b"}
    assert store.delete("failed") == 1
    assert store.finished_keys() == {"a"} and len(store) == 1


def test_load_results_needs_a_store(tmp_path):
    with pytest.raises(FileNotFoundError, match="run a study first"):
        load_results(tmp_path / "nothing")


def test_schema_version_mismatch_is_a_clear_error(tmp_path):
    ResultStore(tmp_path).set_meta("schema_version", "999")
    with pytest.raises(ValueError, match="schema version 999"):
        ResultStore(tmp_path)


def test_a_file_path_is_accepted(tmp_path):
    store = ResultStore(tmp_path / "mine.sqlite")
    store.record(_row("a"))
    assert load_results(tmp_path / "mine.sqlite")["cell_key"].tolist() == ["a"]

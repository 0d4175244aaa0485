"""The study runner: data sets x models x seeds x folds -> one stored row per cell.

:func:`run_study` plans the cells, skips those already in the store, claims the rest one
at a time, runs them on a backend and writes each row as it arrives:

``backend="local", n_jobs=1``
    in this process (lowest overhead; a model's own threads use every core);
``backend="local", n_jobs=k``
    ``k`` worker processes (loky, the process pool scikit-learn uses), each limited to
    ``cpu_count // k`` threads (torch, OpenMP, BLAS);
``backend="dask"``
    a ``dask.distributed`` cluster: a new ``LocalCluster`` of ``n_jobs`` single-threaded
    worker processes, or the running cluster at ``scheduler_address``. Workers need the
    library installed; they never touch the store (rows come back to this process). For
    torch models, start external workers without dask's ``MALLOC_TRIM_THRESHOLD_=65536``
    (``distributed.nanny.pre-spawn-environ``): it slows training down 2-3x; the runner's
    own ``LocalCluster`` drops it.

Models come from the registry (:func:`~interpretable_nn.models.make_model`); the runner
only uses the scikit-learn conventions every estimator shares (``get_params``/
``set_params``: ``random_state`` = the seed, ``verbose`` = 0, ``n_jobs`` capped at the
worker's threads, unless the caller fixed them).

Scripts that use worker processes (``n_jobs > 1`` or ``backend="dask"``) need the usual
``if __name__ == "__main__":`` guard, as with any multiprocessing code.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import os
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .backends import _Backend, _build, _failed_row, _resolve_jobs
from .cell import CHECKS, Cell, check_folds, check_tasks, data_hash, run_cell
from .store import ResultStore

__all__ = ["run_study", "plan_study", "expand_models", "StudyFailedWarning", "ChecksNotRunWarning"]

_HEARTBEAT_S = 30.0


# ---------------------------------------------------------------------- planning
def _as_dataset(spec) -> Any:
    from ..data.datasets import target_task
    from ..datasets import Dataset, load_dataset

    if isinstance(spec, str):
        return load_dataset(spec)
    if isinstance(spec, Dataset):
        return spec
    if isinstance(spec, tuple | list) and len(spec) == 3 and isinstance(spec[0], str):
        name, X, y = spec
        y = np.asarray(y)
        task = target_task(y, f"data set {name!r}")  # whole-number amounts were read as hundreds of classes
        return Dataset(X=X, y=y, name=name, task=task, target="y")
    raise TypeError(
        f"A data set must be a built-in name (see list_datasets()), a (name, X, y) tuple or a "
        f"Dataset; got {type(spec).__name__}."
    )


def expand_models(models, params: Mapping[str, Mapping] | None = None) -> list[tuple[str, str, dict]]:
    """``(registry name, label, constructor params)`` for every model configuration.

    ``models`` holds registry names, ``(name, grid)`` pairs or one ``{name: grid}`` dict; a
    grid maps parameters to **lists of values** (scikit-learn ``ParameterGrid``), one
    configuration per combination, labelled ``name[key=value, ...]``. ``params`` maps a
    name to fixed constructor parameters applied to all its configurations (not in labels).

    Examples
    --------
    >>> expand_models(["logreg", ("mlp", {"lr": [0.001, 0.01]})], params={"mlp": {"max_epochs": 5}})
    ... # doctest: +NORMALIZE_WHITESPACE
    [('logreg', 'logreg', {}), ('mlp', 'mlp[lr=0.001]', {'max_epochs': 5, 'lr': 0.001}),
     ('mlp', 'mlp[lr=0.01]', {'max_epochs': 5, 'lr': 0.01})]
    """
    from sklearn.model_selection import ParameterGrid

    from ..models.registry import available_models, model_names

    if isinstance(models, str | Mapping):
        models = [models]
    entries: list[tuple[str, Mapping]] = []
    for m in models:
        if isinstance(m, str):
            entries.append((m, {}))
        elif isinstance(m, Mapping):
            entries.extend((k, v or {}) for k, v in m.items())
        elif isinstance(m, tuple | list) and len(m) == 2 and isinstance(m[0], str) and isinstance(m[1], Mapping):
            entries.append((m[0], m[1]))
        else:
            raise TypeError(f"A model must be a registry name, a (name, grid) pair or a {{name: grid}} dict; got {m!r}.")
    known = set(model_names())
    usable = set(available_models())
    params = dict(params or {})
    for name in params:
        if name not in {n for n, _ in entries}:
            raise ValueError(f"params names model {name!r}, which is not in the study's models.")
    out, labels = [], set()
    for name, grid in entries:
        if name not in known:
            raise ValueError(f"Unknown model {name!r}; registered: {sorted(known)} (see `interpretable-nn models`).")
        if name not in usable:
            raise ImportError(f"Model {name!r} needs optional packages that are not installed; see list_models().")
        if "task" in grid or "task" in params.get(name, {}):
            raise ValueError(f"Model {name!r}: 'task' is not a model parameter in a study; each data set's task "
                             "(Dataset(task=...)) picks the name's classifier or regressor.")
        for k, v in grid.items():
            if not isinstance(v, list | tuple) or isinstance(v, str):
                raise ValueError(
                    f"Grid of {name!r}: {k!r} must be a list of values to try (got {v!r}); put a fixed "
                    f"value in params={{{name!r}: {{{k!r}: ...}}}} instead."
                )
        for combo in ParameterGrid({k: list(v) for k, v in grid.items()}) if grid else [{}]:
            label = name if not combo else name + "[" + ", ".join(f"{k}={combo[k]!r}" for k in sorted(combo)) + "]"
            if label in labels:
                raise ValueError(f"Model configuration {label!r} appears twice in the study.")
            labels.add(label)
            out.append((name, label, {**dict(params.get(name, {})), **combo}))
    return out


def _cell_key(dataset: str, dhash: str, model: str, params: dict, seed: int, fold: int, folds: int,
              task: str = "classification") -> str:
    """The cell's identity. A regression cell's holds its task (a classification cell's key is
    unchanged, so stored studies resume): the same data declared the other task is another
    cell, not the stored one (a study resumed as regression handed back its AUC rows)."""
    ident = {"dataset": dataset, "data_hash": dhash, "model": model, "params": params,
             "seed": seed, "fold": fold, "n_folds": folds, **({"task": task} if task == "regression" else {})}
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=repr).encode()).hexdigest()[:32]


def plan_study(datasets, models, seeds: Iterable[int] = (0,), folds: int = 5, params=None) -> tuple[list[Cell], dict]:
    """The cells of a study (in plan order: data set, model, seed, fold; ``run_study``
    starts the models with the largest ``cost`` hint first) and the data sets by name.
    Validates everything before any cell runs.

    Examples
    --------
    >>> cells, data = plan_study(["default"], ["logreg", "mlp"], seeds=[0, 1], folds=3)
    >>> len(cells), list(data), cells[0].label, len({c.key for c in cells})
    (12, ['default'], 'logreg', 12)
    """
    cells, data, _ = _plan(datasets, models, seeds, folds, params)
    return cells, data


def _plan(datasets, models, seeds, folds, params) -> tuple[list[Cell], dict, set[str]]:
    if not isinstance(folds, int | np.integer) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2; got {folds!r}.")
    seeds = [seeds] if isinstance(seeds, int | np.integer) else list(seeds)
    if not seeds or not all(isinstance(s, int | np.integer) and not isinstance(s, bool) for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of integers; got {seeds!r}.")
    bad = [int(s) for s in seeds if not 0 <= int(s) < 2**32]
    if bad:  # numpy / scikit-learn refuse them in every cell: refuse them once, here
        raise ValueError(f"seeds must be integers from 0 to 2**32 - 1 (random_state's range); got {bad}.")
    twice = sorted({int(s) for s in seeds if [int(t) for t in seeds].count(int(s)) > 1})
    if twice:
        raise ValueError(f"seeds lists {twice} more than once; a seed gives the same cells each time, "
                         "so give each seed once.")
    if isinstance(datasets, str) or (isinstance(datasets, tuple) and len(datasets) == 3 and isinstance(datasets[0], str)
                                     and not isinstance(datasets[1], str)):
        datasets = [datasets]
    data: dict[str, Any] = {}
    by_name: set[str] = set()  # given by built-in name: workers may load these themselves
    for spec in datasets:
        ds = _as_dataset(spec)
        if ds.name in data:
            raise ValueError(f"Two data sets are named {ds.name!r}; give each a distinct name.")
        data[ds.name] = ds
        if isinstance(spec, str):
            by_name.add(ds.name)
    configs = expand_models(models, params)
    check_tasks(data, configs)  # before the folds: fractions read as classes make a confusing fold warning
    for ds in data.values():
        check_folds(ds, int(folds))
    cells = []
    for name, ds in data.items():
        dh = data_hash(ds.X, ds.y)
        for model, label, p in configs:
            for seed in seeds:
                for fold in range(int(folds)):
                    key = _cell_key(name, dh, model, p, int(seed), fold, int(folds), ds.task)
                    cells.append(Cell(key, name, dh, model, label, p, int(seed), fold, int(folds)))
    return cells, data, by_name


# ---------------------------------------------------------------------- run
def run_study(
    datasets,
    models,
    seeds: Iterable[int] = (0,),
    folds: int = 5,
    out: str | os.PathLike = "results/",
    backend: str = "local",
    n_jobs: int | None = 1,
    scheduler_address: str | None = None,
    params: Mapping[str, Mapping] | None = None,
    checks: Sequence[str] = CHECKS,
    check_folds: Sequence[int] | None = (0,),
    retry_failed: bool = False,
    verbose: int = 1,
) -> pd.DataFrame:
    """Run (or resume) an accuracy-vs-interpretability study.

    Every data set x model configuration x seed x fold cell fits one model on the fold's
    training rows and scores it on the held-out rows; its row (scores, fit and predict
    times, complexity, checks, artefacts, provenance) is written to
    ``out/results.sqlite`` in one transaction as soon as the cell completes. A rerun skips
    finished cells, so a study killed at any point resumes where it stopped; two runners on
    one store share the cells and never run one twice. A failing cell is stored with its
    error and the study goes on.

    Parameters
    ----------
    datasets : list
        Built-in names (``load_dataset``), ``(name, X, y)`` tuples or ``Dataset`` objects.
    models : list
        Registry names (``list_models()``), ``(name, grid)`` pairs or a ``{name: grid}``
        dict; a grid maps parameters to lists of values (see :func:`expand_models`).
    seeds : list of int, default (0,)
        Each seed shuffles the folds and is the models' ``random_state``.
    folds : int, default 5
        K of the (stratified) K-fold cross-validation.
    out : path, default "results/"
        Output directory holding ``results.sqlite``.
    backend : {"local", "dask"}, default "local"
    n_jobs : int, default 1
        Worker processes (``-1``: one per CPU core); for ``"dask"`` without
        ``scheduler_address``, the workers of the new ``LocalCluster``.
    scheduler_address : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``).
    params : dict, optional
        ``{name: {param: value}}`` fixed constructor parameters per model.
    checks : sequence of str, default ("surrogate", "crosscheck", "fairness")
        Checks run after scoring a cell (empty to skip): depth-4 surrogate-tree fidelity
        (every cell), agreement of the built-in explanation with SHAP and the fairness audit
        of the data set's protected attributes (the cells of ``check_folds``).
    check_folds : sequence of int or None, default (0,)
        Folds whose cells run the SHAP-based checks (costly: seconds to a minute per
        cell), by default the first fold of every seed; None: every fold.
    retry_failed : bool, default False
        Rerun cells stored as failed (they are skipped otherwise).
    verbose : int, default 1
        A progress bar over cells with an ETA (0: silent).

    Returns
    -------
    DataFrame
        One row per cell of this study (see :func:`~interpretable_nn.studies.load_results`).

    Warns
    -----
    StudyFailedWarning when every cell failed; ChecksNotRunWarning naming the checks that cells from the store lack.

    Examples
    --------
    >>> import tempfile
    >>> rows = run_study(["default"], ["logreg"], seeds=[0], folds=2, out=tempfile.mkdtemp(), verbose=0)
    >>> rows[["dataset", "model", "fold", "status"]].values.tolist()
    [['default', 'logreg', 0, 'ok'], ['default', 'logreg', 1, 'ok']]
    """
    from tqdm.auto import tqdm

    from ..models.registry import model_cost

    _check_checks(checks)
    n_jobs = _resolve_jobs(n_jobs)
    cells, data, by_name = _plan(datasets, models, seeds, folds, params)
    _check_checks(checks, data)
    store = _open_store(out, cells, retry_failed, {
        "datasets": list(data), "models": sorted({c.label for c in cells}), "seeds": sorted({c.seed for c in cells}),
        "folds": int(folds), "backend": backend, "n_jobs": n_jobs, "checks": list(checks),
        "check_folds": None if check_folds is None else list(check_folds)})
    check_folds = None if check_folds is None else tuple(int(f) for f in check_folds)
    cells = _adopt_legacy_keys(store, cells, data)
    keys = {c.key for c in cells}
    bar = tqdm(total=len(cells), desc="study", unit="cell", disable=verbose <= 0, dynamic_ncols=True)
    bar.update(len(store.finished_keys() & keys))
    pending = [c for c in cells if c.key not in store.finished_keys()]
    pending.sort(key=lambda c: -model_cost(c.model))  # longest first: no slow cell left for last
    reused = store.finished_keys("ok") & keys  # cells taken from the store, run with their own checks
    if pending:
        runner = _Backend(backend, n_jobs, scheduler_address, data, by_name)
        _Drive(store, runner, bar, keys, tuple(checks), check_folds).run(pending)
    bar.close()
    return _checks_not_run(_all_failed(_rows_of(store, cells)), reused, tuple(checks), check_folds)


def _check_checks(checks, data: dict | None = None) -> None:
    """Known check names; with the data sets and the fairness check, every protected column
    is groups (a column of incomes failed every cell's check, and the report left the data
    set out unsaid): refused before any cell."""
    from ..explain.fairness import _group_labels

    unknown = set(checks) - set(CHECKS)
    if unknown:
        raise ValueError(f"Unknown checks {sorted(unknown)}; choose from {list(CHECKS)}.")
    for ds in (data or {}).values() if "fairness" in checks else ():
        for attr in [a for a in (ds.sensitive or ()) if a in ds.X.columns]:
            try:
                _group_labels(ds.X[attr])
            except ValueError as exc:
                raise ValueError(f"Data set {ds.name!r}: {exc}") from None


def _adopt_legacy_keys(store: ResultStore, cells: list[Cell], data: dict) -> list[Cell]:
    """A regression cell stored before its key held the task (stop 68) keeps its stored row:
    its key without the task, where the store has that cell as regression (it ran again,
    and the report counted both rows)."""
    from dataclasses import replace

    legacy = {c.key: _cell_key(c.dataset, c.data_hash, c.model, c.params, c.seed, c.fold, c.n_folds)
              for c in cells if data[c.dataset].task == "regression"}
    if not legacy:
        return cells
    stored = dict(store.conn.execute("SELECT cell_key, task FROM cells").fetchall())
    return [replace(c, key=legacy[c.key]) if stored.get(legacy.get(c.key)) == "regression" else c for c in cells]


def _open_store(out, cells: list[Cell], retry_failed: bool, study: dict) -> ResultStore:
    """The study's store, this study's failed rows removed when ``retry_failed`` (only its
    own: other studies in the store keep theirs), the study noted as the last one."""
    store = ResultStore(out)
    if retry_failed:
        store.delete("failed", keys=[c.key for c in cells])
    store.set_meta("last_study", json.dumps(study))
    return store


class ChecksNotRunWarning(UserWarning):
    """Cells taken from the store were run without some of the checks asked for now."""


def _checks_not_run(rows: pd.DataFrame, reused: set[str], checks: tuple[str, ...],
                    check_folds: tuple[int, ...] | None) -> pd.DataFrame:
    """Warn, naming them, when cells taken from the store lack checks this call asks for:
    the checks are not part of a cell's identity, so a study resumed with new ``checks``
    reuses its cells as they were run (a check needs the fitted model, which is not kept)."""
    missing: dict[str, int] = {}
    for r in rows[rows["cell_key"].isin(reused)].itertuples():
        costly = check_folds is None or int(r.fold) in check_folds
        want = [c for c in checks if c == "surrogate" or costly]
        ran = (r.details.get("checks") or {}) if isinstance(r.details, dict) else {}
        for c in want:
            if c not in ran:
                missing[c] = missing.get(c, 0) + 1
    if missing:
        said = ", ".join(f"{c} ({n} cells)" for c, n in missing.items())
        warnings.warn(f"checks not run: {said}. Those cells were taken from the store, where they were run without "
                      "them (checks are not part of a cell's identity, and a check needs the fitted model, which is "
                      "not stored). To run them, run the study into a new out directory, or delete the store.",
                      ChecksNotRunWarning, stacklevel=3)
    return rows


class StudyFailedWarning(RuntimeWarning):
    """Every cell of a study failed (the rows hold the errors)."""


def _all_failed(rows: pd.DataFrame) -> pd.DataFrame:
    """Warn, naming the first error, when every cell of the study failed: a study whose
    cells all failed measured nothing, which must not pass for a finished study."""
    if len(rows) and (rows["status"] == "failed").all():
        first = str(rows["error"].dropna().iloc[0]).strip().splitlines()[0] if rows["error"].notna().any() else "?"
        warnings.warn(f"every one of the {len(rows)} cells of this study failed; the first error: {first[:300]} "
                      "(all errors: load_results(out)['error']).", StudyFailedWarning, stacklevel=3)
    return rows


class _Drive:
    """Feeds the pending cells to the backend (claiming each one in the store first), keeps
    at most ``2 x slots`` in flight, records every row as it arrives and, on any exception
    (Ctrl-C included), gives the unfinished claims back before re-raising."""

    def __init__(self, store: ResultStore, runner: _Backend, bar, keys: set[str], checks: tuple[str, ...],
                 check_folds: tuple[int, ...] | None):
        self.store, self.runner, self.bar, self.keys = store, runner, bar, keys
        self.checks, self.check_folds = checks, check_folds
        self.max_in_flight = 2 * runner.slots if runner.slots > 1 else 1
        self.queue: deque[Cell] = deque()
        self.in_flight: dict[cf.Future, tuple[Cell, float]] = {}
        self.claimed: set[str] = set()  # claimed by this runner, not yet recorded
        self.waiting: list[Cell] = []  # claimed by another live runner when we reached them
        self.n_failed = 0

    def run(self, pending: list[Cell]) -> None:
        self.queue.extend(pending)
        beat = _Heartbeat(self.store)
        finished = False
        try:
            while self.queue or self.in_flight or self.waiting:
                self._submit()
                if self.in_flight:
                    done, _ = cf.wait(list(self.in_flight), timeout=_HEARTBEAT_S, return_when=cf.FIRST_COMPLETED)
                else:  # only cells other runners hold: wait for them to finish or go stale
                    done = set()
                    self._wait_for_others()
                for fut in done:
                    self._record(fut)
            finished = True
        finally:  # on Ctrl-C or a store error, give the unfinished cells back at once
            beat.stop()
            if not finished:
                self.store.release(self.claimed)
            self.runner.close(cancel=not finished)
            self.bar.close()

    def _submit(self) -> None:
        """Claim and submit queued cells until ``max_in_flight`` are running."""
        runner = self.runner
        while self.queue and len(self.in_flight) < self.max_in_flight:
            cell = self.queue.popleft()
            t0 = time.perf_counter()
            if not self.store.claim(cell.key):
                if cell.key not in self.store.finished_keys():
                    self.waiting.append(cell)
                continue
            self.claimed.add(cell.key)
            try:
                model = _build(cell.model, cell.params, cell.seed, runner.threads, runner.tasks[cell.dataset])
                fut = runner.executor.submit(run_cell, cell, model, runner.refs[cell.dataset],
                                             self.checks, runner.threads, self.check_folds)
            except Exception as exc:  # noqa: BLE001 - e.g. a constructor that rejects a param
                fut = cf.Future()
                fut.set_result(_failed_row(cell, exc))
            self.in_flight[fut] = (cell, time.perf_counter() - t0)

    def _wait_for_others(self) -> None:
        time.sleep(2.0)
        finished = self.store.finished_keys()
        self.bar.n = len(finished & self.keys)
        self.bar.refresh()
        self.queue.extend(c for c in self.waiting if c.key not in finished)
        self.waiting = []

    def _record(self, fut: cf.Future) -> None:
        """Store the row of one finished cell (a failed row when the worker raised)."""
        cell, t_submit = self.in_flight.pop(fut)
        t0 = time.perf_counter()
        try:
            row = fut.result()
        except Exception as exc:  # noqa: BLE001 - a worker that died, a pickling error
            row = _failed_row(cell, exc)
        if self.runner.in_process:  # submit ran the cell: keep only the driver's share
            t_submit = max(0.0, t_submit - float(row.get("cell_time") or 0.0))
        row["owner"] = self.store.owner
        row["driver_time"] = t_submit + (time.perf_counter() - t0)
        if self.store.record(row):
            self.n_failed += row["status"] == "failed"
            self.bar.update(1)
            self.bar.set_postfix_str(f"{cell.dataset}/{cell.label} failed={self.n_failed}", refresh=False)
        self.claimed.discard(cell.key)


class _Heartbeat:
    """Refreshes this runner's claims every ``_HEARTBEAT_S`` seconds from a thread (its own
    SQLite connection), also while a long cell runs in this process."""

    def __init__(self, store: ResultStore):
        self._stop = threading.Event()
        self._path, self._owner = store.path, store.owner
        self._thread = threading.Thread(target=self._run, name="study-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import sqlite3

        while not self._stop.wait(_HEARTBEAT_S):
            try:
                with sqlite3.connect(self._path, timeout=60.0) as conn:
                    conn.execute("UPDATE claims SET heartbeat = ? WHERE owner = ?", (time.time(), self._owner))
            except sqlite3.Error:  # a busy or vanished store: the next beat tries again
                pass

    def stop(self) -> None:
        self._stop.set()


def _rows_of(store: ResultStore, cells: list[Cell]) -> pd.DataFrame:
    """The stored rows of ``cells``, in plan order (cells run costliest first)."""
    order = {c.key: i for i, c in enumerate(cells)}
    df = store.results()
    df = df[df["cell_key"].isin(order)]
    return df.sort_values("cell_key", key=lambda k: k.map(order), kind="stable").reset_index(drop=True)

"""Where a study's cells run: in this process, in loky worker processes or on a Dask
cluster (:class:`_Backend`), and how one cell's model is built or its failure recorded."""

from __future__ import annotations

import concurrent.futures as cf
import os

from .cell import Cell


class _InProcess(cf.Executor):
    """Runs each call at submit time (``backend="local", n_jobs=1``)."""

    def submit(self, fn, /, *args, **kwargs):
        f: cf.Future = cf.Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - Ctrl-C propagates and stops the study
            f.set_exception(exc)
        return f


def _resolve_jobs(n_jobs: int | None) -> int:
    cpus = os.cpu_count() or 1
    if n_jobs is None or n_jobs == 0:
        return 1
    return max(1, cpus + 1 + n_jobs) if n_jobs < 0 else int(n_jobs)


#: memory a loky worker may grow by before loky restarts it as leaking (its default: 300 MB)
_WORKER_GROWTH_BYTES = int(4e9)


def _loky_worker_init() -> None:
    """Runs in each loky worker. loky measures a worker's memory after its first cell and
    restarts it, with a "memory leak" warning, once it has grown by 300 MB; a study's later
    cells import torch and shap and hold fitted models, so workers were restarted mid-study
    and paid the imports and shap's compilation again (about 20 s on two cores)."""
    try:
        from joblib.externals.loky import process_executor

        if hasattr(process_executor, "_MAX_MEMORY_LEAK_SIZE"):
            process_executor._MAX_MEMORY_LEAK_SIZE = max(process_executor._MAX_MEMORY_LEAK_SIZE,
                                                         _WORKER_GROWTH_BYTES)
    except ImportError:  # pragma: no cover - loky ships with joblib
        pass


class _Backend:
    """An executor, the worker thread budget and how a data set travels to the workers."""

    def __init__(self, backend: str, n_jobs: int, scheduler_address: str | None, data: dict, by_name: set[str]):
        self.kind, self.client, self.cluster = backend, None, None
        self.in_process = backend == "local" and n_jobs == 1
        self.tasks = {k: "regression" if ds.task == "regression" else "classification" for k, ds in data.items()}
        cpus = os.cpu_count() or 1
        if backend == "local":
            self.slots = n_jobs
            if n_jobs == 1:
                self.executor, self.threads = _InProcess(), None
            else:
                from joblib.externals.loky import ProcessPoolExecutor

                self.threads = max(1, cpus // n_jobs)
                limit = {k: str(self.threads) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
                # the study's own pool, shut down at its end: loky's reusable executor is one per
                # process, and joblib (an EBM's or scikit-learn's n_jobs) took it over after a study
                # without the attributes joblib sets ("no attribute '_temp_folder_manager'")
                self.executor = ProcessPoolExecutor(max_workers=n_jobs, timeout=60, env=limit,
                                                    initializer=_loky_worker_init)
            self.refs = {k: (k if k in by_name and not self.in_process else ds) for k, ds in data.items()}
        elif backend == "dask":
            try:
                from distributed import Client, LocalCluster
            except ImportError as exc:
                raise ImportError("backend='dask' needs dask.distributed: pip install 'interpretable-nn[distributed]'") from exc
            if scheduler_address:
                self.client = Client(scheduler_address)
            else:
                import dask

                # dask's default MALLOC_TRIM_THRESHOLD_=65536 for worker processes makes torch
                # training allocate from the OS over and over (a NAM fit ran 2.5x slower)
                environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
                           if k != "MALLOC_TRIM_THRESHOLD_"}
                with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
                    self.cluster = LocalCluster(n_workers=n_jobs, threads_per_worker=1, processes=True,
                                                dashboard_address=None)
                self.client = Client(self.cluster)
            nthreads = [w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()]
            self.slots = max(1, sum(nthreads))  # cells the cluster runs at once
            self.threads = 1 if nthreads and max(nthreads) == 1 else None  # else leave the workers' settings
            self.executor = self.client.get_executor(pure=False)
            self.refs = {k: (k if k in by_name else self.client.scatter(_shippable(ds), broadcast=True))
                         for k, ds in data.items()}
        else:
            raise ValueError(f"backend must be 'local' or 'dask'; got {backend!r}.")

    def close(self, cancel: bool = False) -> None:
        if self.kind == "dask":
            self.client.close()
            if self.cluster is not None:
                self.cluster.close()
        elif not isinstance(self.executor, _InProcess):
            self.executor.shutdown(wait=not cancel)


def _shippable(ds):
    from dataclasses import replace

    return replace(ds, shape_functions={})  # callables stay on the driver


def _build(name: str, params: dict, seed: int, threads: int | None, task: str = "classification"):
    """``make_model(name, task, **params)`` (a name's regressor for a regression data set,
    where it has one) with the runner's scikit-learn-convention defaults:
    every ``random_state`` (also of a wrapped estimator, ``estimator__random_state``) = the
    seed, ``verbose`` = 0, and an ``n_jobs`` asking for more than the worker's threads
    (``-1``, ``-2``, ...) = those threads; unless ``params`` sets them."""
    from ..models import make_model

    model = make_model(name, task, **params)
    if not hasattr(model, "get_params"):
        return model
    wanted = {"random_state": seed, "verbose": 0}
    extra = {}
    for key, value in model.get_params(deep=True).items():
        leaf = key.rsplit("__", 1)[-1]
        if leaf in params or key in params or isinstance(value, bool):
            continue
        if leaf in wanted and (leaf != "verbose" or isinstance(value, int | type(None))):
            extra[key] = wanted[leaf]
        elif leaf == "n_jobs" and threads and isinstance(value, int) and (value < 0 or value > threads):
            extra[key] = threads  # a model asking for every core gets the worker's share
    return model.set_params(**extra) if extra else model


def _failed_row(cell: Cell, exc: BaseException) -> dict:
    import traceback

    from .cell import _environment, _now

    return {**cell.row(), **_environment(), "status": "failed", "finished_at": _now(),
            "error": f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc, limit=8))}

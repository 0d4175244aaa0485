"""The parallel backends give the same rows as the in-process runner: a local process pool
and a 2-worker Dask LocalCluster (real worker processes)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from interpretable_nn.datasets import make_additive
from interpretable_nn.studies import run_study

MODELS = ["logreg", ("mlp", {"hidden_sizes": [(8,)]})]
PARAMS = {"mlp": {"max_epochs": 2, "patience": 1}}


@pytest.fixture(scope="module")
def data():
    ds = make_additive(240, random_state=0)
    return [("additive", ds.X, ds.y), "default"]  # a user frame (shipped) and a built-in (loaded by name)


@pytest.fixture(scope="module")
def reference(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return run_study(data, MODELS, seeds=[0], folds=2, out=out, params=PARAMS, checks=(), verbose=0)


def _same_scores(rows, reference):
    a = rows.set_index("cell_key").sort_index()
    b = reference.set_index("cell_key").sort_index()
    assert list(a.index) == list(b.index)
    assert (a["status"] == "ok").all(), a["error"].dropna().tolist()
    # logistic regression is deterministic across processes; the MLP uses one thread in workers
    lr = a["model"] == "logreg"
    np.testing.assert_allclose(a.loc[lr, "auc"], b.loc[lr, "auc"], atol=1e-9)
    assert a["auc"].between(0, 1).all()


def test_local_process_pool(data, reference, tmp_path):
    rows = run_study(data, MODELS, seeds=[0], folds=2, out=tmp_path, params=PARAMS, checks=(),
                     n_jobs=2, verbose=0)
    _same_scores(rows, reference)
    assert (rows["worker"] != f"pid {os.getpid()}").all()  # the cells ran in worker processes


def _leak_limit() -> int:
    from joblib.externals.loky import process_executor

    return process_executor._MAX_MEMORY_LEAK_SIZE


def test_loky_workers_are_not_restarted_as_leaking_when_a_study_imports_torch_and_shap():
    """loky restarts a worker that grows 300 MB past its first task (a study's later cells
    import torch and shap); the runner's workers allow 4 GB, the parent keeps loky's default."""
    from joblib.externals.loky import process_executor

    from interpretable_nn.studies.backends import _WORKER_GROWTH_BYTES, _Backend

    backend = _Backend("local", 2, None, {}, set())
    assert backend.executor.submit(_leak_limit).result() == _WORKER_GROWTH_BYTES
    assert process_executor._MAX_MEMORY_LEAK_SIZE == int(3e8)  # this process is untouched
    backend.close()


def test_joblib_works_in_the_same_process_after_a_study_with_workers(data, tmp_path):
    """The study's workers were loky's reusable executor, one per process: the next joblib
    pool in the process (an EBM's or scikit-learn's n_jobs) took it over and failed with
    "'_ReusablePoolExecutor' object has no attribute '_temp_folder_manager'" (the slow suite's
    intermittent EBM failure, and any user fitting an EBM right after a study). The study
    now has its own pool, shut down at its end."""
    from joblib import Parallel, delayed

    run_study(data, ["logreg"], folds=2, out=tmp_path, checks=(), n_jobs=2, verbose=0)
    assert Parallel(n_jobs=2)(delayed(abs)(-i) for i in range(4)) == [0, 1, 2, 3]


def test_dask_local_cluster_with_two_worker_processes(data, reference, tmp_path):
    pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install 'interpretable-nn[distributed]')")
    rows = run_study(data, MODELS, seeds=[0], folds=2, out=tmp_path, params=PARAMS, checks=(),
                     backend="dask", n_jobs=2, verbose=0)
    _same_scores(rows, reference)
    assert rows["worker"].nunique() == 2  # both worker processes ran cells
    # the store is resumable across backends: the in-process runner finds nothing to do
    again = run_study(data, MODELS, seeds=[0], folds=2, out=tmp_path, params=PARAMS, checks=(), verbose=0)
    assert again["finished_at"].tolist() == rows["finished_at"].tolist()

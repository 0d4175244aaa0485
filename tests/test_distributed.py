"""Data-parallel training: ``torchrun --nproc_per_node 2`` on CPU (gloo) trains the NAM and
the MLP to the same model as one process.

Why the tolerance is tight: the engine splits each single-process mini-batch across the
ranks and normalises every rank's loss by the weight of the *global* batch, so the
all-reduced DDP gradient is the single-process gradient up to float32 summation order
(~1e-7 relative per step). Over a few hundred Adam steps that measured at <= 4e-6 in
decision units (log-odds); the test allows 1e-3 log-odds (a probability difference of at
most 0.00025): 250x the measured drift, yet far below any change a real bug (a rank
training on half the rows, unsynchronised shuffles, a missed all-reduce) produces — those
move the decision by 1e-2 to 1e-1. Early stopping must pick the same epochs exactly.

This file is also the worker: ``python tests/test_distributed.py OUT_DIR`` fits the models
(under torchrun: data-parallel) and writes what it learned to ``OUT_DIR``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from interpretable_nn.training import TrainConfig, train
from interpretable_nn.training.distributed import ENV_SWITCH, distributed_requested
from interpretable_nn.training.engine import _batch_bounds

DECISION_ATOL = 1e-3  # log-odds; see the module docstring
VAL_LOSS_ATOL = 1e-5
GLOO_ABORT = "terminate called without an active exception"


# ---------------------------------------------------------------------- the worker
def _worker(out_dir: str) -> None:
    import interpretable_nn as inn
    from interpretable_nn.datasets import make_additive

    rank = int(os.environ.get("RANK", "0"))
    ds = make_additive(n_samples=1500, n_features=8, random_state=0)
    X, y, Xt = ds.X.iloc[:1200], ds.y[:1200], ds.X.iloc[1200:]
    models = {
        # dropout 0: dropout masks are random per rank, the rest of the fit is exact
        "mlp": inn.MLPClassifier(hidden_sizes=(32,), dropout=0.0, max_epochs=40, patience=3, lr=1e-2,
                                 batch_size=128, verbose=0),
        # (n, n_bags) output, out-of-bag validation weights, output-penalty regularization
        "nam": inn.NAMClassifier(n_bags=3, interactions=2, max_epochs=25, patience=5, verbose=0),
        "nam_reg": inn.NAMRegressor(n_bags=2, interactions=1, max_epochs=15, verbose=0),
    }
    out = {}
    yr = X["sine"].fillna(0).to_numpy() * 2 + (X["category"] == "c").to_numpy()
    for name, m in models.items():
        m.fit(X, yr if name == "nam_reg" else y)
        h = m.history_
        out[name] = {
            "decision": m.decision_function(Xt).tolist(),
            "val_loss": h["val_loss"].tolist() if "val_loss" in h else [],
            "n_epochs": int(len(h)),
            "best_epoch": m.fit_info_["best_epoch"],
        }
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # ranks with different data are refused
        try:
            inn.MLPClassifier(max_epochs=2, verbose=0).fit(X, np.roll(y, rank))
            out["mismatch_error"] = None
        except ValueError as exc:
            out["mismatch_error"] = str(exc)
    Path(out_dir, f"rank{rank}.json").write_text(json.dumps(out))


def _launch(out_dir: Path, nproc: int) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    env.pop(ENV_SWITCH, None)
    if nproc > 1:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               __file__, str(out_dir)]
    else:
        env.pop("WORLD_SIZE", None)
        cmd = [sys.executable, __file__, str(out_dir)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    if res.returncode != 0 and nproc > 1 and GLOO_ABORT in res.stderr:
        # gloo's worker threads can abort a rank as the process group is torn down, after
        # the work is done (pytorch/pytorch PR 179291; seen once in CI on 2 busy cores,
        # although the library destroys its group at exit). One rerun, with a warning; a
        # second abort fails the test.
        warnings.warn(f"a gloo rank aborted ({GLOO_ABORT!r}); rerunning the two-process fit once",
                      stacklevel=2)
        for f in out_dir.glob("rank*.json"):
            f.unlink()
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-4000:]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    single, multi = tmp_path_factory.mktemp("single"), tmp_path_factory.mktemp("ddp")
    _launch(single, 1)
    _launch(multi, 2)
    load = lambda d, r: json.loads((d / f"rank{r}.json").read_text())  # noqa: E731
    return load(single, 0), load(multi, 0), load(multi, 1)


@pytest.mark.parametrize("name", ["mlp", "nam", "nam_reg"])
def test_two_process_ddp_matches_single_process(runs, name):
    one, ddp, _ = runs
    a, b = one[name], ddp[name]
    assert b["n_epochs"] == a["n_epochs"] and b["best_epoch"] == a["best_epoch"]
    np.testing.assert_allclose(b["val_loss"], a["val_loss"], rtol=0, atol=VAL_LOSS_ATOL)
    np.testing.assert_allclose(b["decision"], a["decision"], rtol=0, atol=DECISION_ATOL)


def test_early_stopping_happened_and_agreed(runs):
    one, ddp, _ = runs
    # the MLP run stops early (patience 3 of 40 epochs): both stop at the same epoch
    assert one["mlp"]["n_epochs"] < 40
    assert ddp["mlp"]["n_epochs"] == one["mlp"]["n_epochs"]


def test_ranks_hold_the_same_model(runs):
    _, r0, r1 = runs
    for name in ("mlp", "nam", "nam_reg"):
        assert r0[name]["decision"] == r1[name]["decision"]  # bit for bit: one all-reduced gradient


def test_ranks_with_different_data_are_refused(runs):
    _, r0, r1 = runs
    for r in (r0, r1):
        assert r["mismatch_error"] and "ranks hold different training data" in r["mismatch_error"]


# ---------------------------------------------------------------------- in-process checks
def test_one_rank_process_group_equals_plain_training():
    """The DDP code path itself (a gloo group of one process): the same weights as the
    ordinary loop, and the rank's share of each batch loss normalised by the global batch."""
    import torch.distributed as dist

    g = torch.Generator().manual_seed(0)
    x = torch.randn(301, 4, generator=g)
    y = ((x[:, 0] - x[:, 1]) > 0).long()
    sw = torch.rand(301, generator=g) + 0.5
    weights = {}
    for flag in (False, True):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1), nn.Flatten(0))
        cfg = TrainConfig(max_epochs=5, batch_size=64, verbose=0, distributed=flag)
        if flag:
            dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
        try:
            res = train(net, (x,), y, "binary", cfg, sample_weight=sw)
        finally:
            if flag:
                dist.destroy_process_group()
        assert res.extra["world_size"] == 1
        weights[flag] = [p.detach().clone() for p in net.parameters()]
        assert not isinstance(net, nn.parallel.DistributedDataParallel)  # the plain module comes back
    for p, q in zip(weights[False], weights[True]):
        torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_distributed_switch(monkeypatch):
    monkeypatch.delenv(ENV_SWITCH, raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert not distributed_requested("auto")
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert distributed_requested("auto")
    monkeypatch.setenv(ENV_SWITCH, "0")
    assert not distributed_requested("auto")
    assert distributed_requested(True) and not distributed_requested(False)
    monkeypatch.setenv(ENV_SWITCH, "maybe")
    with pytest.raises(ValueError, match=ENV_SWITCH):
        distributed_requested("auto")
    with pytest.raises(ValueError, match="distributed must be"):
        distributed_requested("yes")


def test_batch_bounds_never_leave_a_rank_empty():
    assert _batch_bounds(10, 4) == [(0, 4), (4, 8), (8, 10)]
    assert _batch_bounds(9, 4, world=2) == [(0, 4), (4, 9)]  # a 1-row last batch joins the previous
    assert _batch_bounds(10, 4, world=2) == [(0, 4), (4, 8), (8, 10)]
    assert _batch_bounds(3, 10, world=2) == [(0, 3)]


if __name__ == "__main__":
    _worker(sys.argv[1])

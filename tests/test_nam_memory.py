"""The NAM's memory check: a fit that cannot fit in memory is refused before training, with the
figures and the ways out, instead of being killed by the operating system part-way through."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import interpretable_nn as inn
from interpretable_nn.models.nam import memory


@pytest.fixture
def small():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "c": rng.choice(list("xyz"), 300)})
    y = (X["a"] + rng.normal(size=300) > 0).astype(int).to_numpy()
    return X, y


def test_the_estimate_grows_with_rows_columns_pairs_and_bags():
    base = memory.estimate_fit_bytes(10_000, 10, 0)
    assert memory.estimate_fit_bytes(20_000, 10, 0) > base
    assert memory.estimate_fit_bytes(10_000, 5, 5) == base  # a categorical column costs as a numeric one
    assert memory.estimate_fit_bytes(10_000, 20, 0) > base
    assert memory.estimate_fit_bytes(10_000, 10, 0, n_bags=16) > base
    assert memory.estimate_fit_bytes(10_000, 10, 0, pairs=30) == base  # the default holds three pairs per column
    assert memory.estimate_fit_bytes(10_000, 10, 0, pairs=0) < base < memory.estimate_fit_bytes(10_000, 10, 0, pairs=45)
    assert memory.estimate_fit_bytes(0, 0, 0) == memory.MEMORY_BASE
    # the measured case the constants were read from is of the right size: 1M x 50 is GiBs, not MiBs or TiBs
    assert 2 * 2**30 < memory.estimate_fit_bytes(1_000_000, 50, 0) < 200 * 2**30


@pytest.mark.parametrize("cls", [inn.NAMClassifier, inn.NAMRegressor])
def test_a_fit_too_big_for_the_memory_is_refused_before_training(monkeypatch, small, cls):
    X, y = small
    room = memory.estimate_fit_bytes(123, 2, 1)  # room for 123 of the 300 rows
    monkeypatch.setattr(memory, "available_bytes", lambda: room)
    calls = []
    monkeypatch.setattr(cls, "_train", lambda self, data: calls.append(1))
    m = cls(verbose=0)
    with pytest.raises(MemoryError) as err:
        m.fit(X, y.astype(float) if cls is inn.NAMRegressor else y)
    assert not hasattr(m, "encoder_") and not hasattr(m, "module_")  # left as it was: unfitted
    msg = str(err.value)
    assert cls.__name__ in msg and "300 rows x 3 columns" in msg and f"{room / 2**30:.1f} GiB are available" in msg
    assert "a sample of at most about 120 rows (X.sample(" in msg and f"{memory.MEMORY_CHECK_ENV}=0" in msg
    assert "fewer interaction pairs (interactions=0 holds none; this fit may hold 3)" in msg
    assert not calls  # no training started
    monkeypatch.setattr(memory, "available_bytes", lambda: 1000)  # not even the base: no sample fits
    with pytest.raises(MemoryError, match="Free memory first"):
        m.fit(X, y.astype(float) if cls is inn.NAMRegressor else y)


@pytest.mark.parametrize("interactions, held, cells", [("auto", 3, 0), (0, 0, 0), (2, 2, 0), (50, 3, 0),
                                                        ([("a", "b")], 1, 33 * 33), ([("a", "c")], 1, 33 * 5)])
def test_the_check_counts_the_pairs_the_fit_asks_for(monkeypatch, small, interactions, held, cells):
    """A fit without pairs holds about a third of a default one's memory
    (``benchmarks/results/nam_memory.md``): the check counts the pairs asked for, so that such a
    fit is not refused where it fits, and a fit asked for many pairs is not let through."""
    from interpretable_nn.models.nam.memory import pairs_held

    X, y = small
    assert pairs_held(interactions, 3, True) == held
    room = memory.estimate_fit_bytes(300, 2, 1, n_bags=2, pairs=held, grid_cells=cells)  # "c": 3 levels, 2 more
    monkeypatch.setattr(memory, "available_bytes", lambda: room + 1)
    m = inn.NAMClassifier(n_bags=2, max_epochs=2, interactions=interactions, verbose=0)

    class Training(Exception):
        pass

    def train(self, data):
        raise Training

    monkeypatch.setattr(type(m), "_train", train)
    with pytest.raises(Training):  # just room: passes the check and starts training
        m.fit(X, y)
    monkeypatch.setattr(memory, "available_bytes", lambda: room - 1)
    with pytest.raises(MemoryError, match="300 rows x 3 columns"):
        m.fit(X, y)


def test_where_only_the_pairs_do_not_fit_the_message_says_interactions_0(monkeypatch, small):
    X, y = small
    monkeypatch.setattr(memory, "available_bytes", lambda: memory.estimate_fit_bytes(100, 2, 1, pairs=0))
    with pytest.raises(MemoryError, match=r"Even a small fit with 3 interaction pairs would not fit: fit with "
                                          r"interactions=0 \(about 100 rows fit without pairs\), name fewer pairs"):
        inn.NAMRegressor(verbose=0).fit(X, y.astype(float))


def test_a_named_pair_of_many_levels_is_counted_by_its_grid(monkeypatch):
    """A pair named in ``interactions`` holds a grid of its columns' levels x levels: two
    columns of 3,000 levels make 9 million cells per bag, which the check must count
    (``benchmarks/results/nam_memory.md``, the named rows)."""
    from interpretable_nn.models.nam.memory import forced_grid_cells

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.normal(size=6000), "a": [f"A{v}" for v in rng.integers(0, 3000, 6000)],
                      "b": [f"B{v}" for v in rng.integers(0, 3000, 6000)]})
    y = (X["x"] > 0).astype(int).to_numpy()
    m = inn.NAMClassifier(interactions=[("a", "b")], n_bags=2, max_epochs=2, verbose=0)
    levels = (X["a"].nunique() + 2, X["b"].nunique() + 2)
    room = memory.estimate_fit_bytes(6000, 1, 2, 2, pairs=1)  # room for the rows, not the grid
    monkeypatch.setattr(memory, "available_bytes", lambda: room + 1)
    with pytest.raises(MemoryError, match=r"Even a small fit with 1 interaction pair would not fit \(the grids of "
                                          rf"the pairs in interactions hold {levels[0] * levels[1]:,} cells per bag"):
        m.fit(X, y)
    grid = memory.estimate_fit_bytes(100, 1, 2, 2, pairs=1, grid_cells=levels[0] * levels[1])
    monkeypatch.setattr(memory, "available_bytes", lambda: grid)  # room for the grid and 100 rows
    with pytest.raises(MemoryError, match=r"a sample of at most about 100 rows .*, name fewer pairs or pairs of "
                                          r"columns with fewer levels \(the grids"):
        m.fit(X, y)
    assert forced_grid_cells(10, None, 32) == 0 and forced_grid_cells("auto", None, 32) == 0
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**50)
    m.set_params(max_epochs=1).fit(X.iloc[:60], y[:60])  # fitted: the encoder tells the axes
    small = forced_grid_cells([("a", "b"), ("x", "a")], m.encoder_, 32)
    assert small == m.encoder_.cat_sizes_[0] * m.encoder_.cat_sizes_[1] + 33 * m.encoder_.cat_sizes_[0]


def test_a_fit_in_small_batches_counts_its_pairs_more(monkeypatch, small):
    """Without the fixed row design (batches of under a quarter of the rows) the pair stages
    hold about two to three times a full-batch fit's pair memory (``nam_memory.md``)."""
    X, y = small
    full = memory.estimate_fit_bytes(10_000, 10, 0)
    assert memory.estimate_fit_bytes(10_000, 10, 0, minibatch=True) > full
    no_pairs = memory.estimate_fit_bytes(10_000, 10, 0, pairs=0)
    assert memory.estimate_fit_bytes(10_000, 10, 0, pairs=0, minibatch=True) == no_pairs
    room = memory.estimate_fit_bytes(300, 2, 1, n_bags=2)  # a full-batch fit's need, not a mini-batch one's
    monkeypatch.setattr(memory, "available_bytes", lambda: room + 1)

    class Training(Exception):
        pass

    def train(self, data):
        raise Training

    monkeypatch.setattr(inn.NAMClassifier, "_train", train)
    for bs in (None, 75):  # 300 rows: batches of a quarter of them or more keep the fixed rows
        with pytest.raises(Training):
            inn.NAMClassifier(batch_size=bs, n_bags=2, verbose=0).fit(X, y)
    with pytest.raises(MemoryError, match="300 rows x 3 columns"):
        inn.NAMClassifier(batch_size=74, n_bags=2, verbose=0).fit(X, y)


def test_the_pairs_held_follow_the_ladder():
    from interpretable_nn.models.nam.memory import pairs_held

    assert pairs_held("auto", 50, True) == 150  # three per column, the boosting's candidates
    assert pairs_held("auto", 50, False) == 10  # without validation rows only the ladder's first count
    assert pairs_held("auto", 4, True) == 6  # no more than the columns have
    assert pairs_held(0, 50, True) == 0 and pairs_held([], 50, True) == 0
    assert pairs_held(400, 50, True) == 400 and pairs_held(10**9, 50, True) == 1225
    assert pairs_held("auto", 0, True) == 0 and pairs_held("auto", 1, True) == 0


def test_the_check_passes_when_there_is_room_and_can_be_switched_off(monkeypatch, small):
    X, y = small
    monkeypatch.setattr(memory, "available_bytes", lambda: 1000)
    monkeypatch.setenv(memory.MEMORY_CHECK_ENV, "0")
    m = inn.NAMClassifier(n_bags=2, max_epochs=3, interactions=0, verbose=0).fit(X, y)
    assert np.isfinite(m.decision_function(X)).all()
    monkeypatch.setenv(memory.MEMORY_CHECK_ENV, "yes")
    with pytest.raises(ValueError, match=memory.MEMORY_CHECK_ENV):
        inn.NAMClassifier(n_bags=2, max_epochs=3, verbose=0).fit(X, y)
    monkeypatch.delenv(memory.MEMORY_CHECK_ENV)
    monkeypatch.setattr(memory, "available_bytes", lambda: None)  # unknown: not checked
    inn.NAMClassifier(n_bags=2, max_epochs=3, interactions=0, verbose=0).fit(X, y)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2**50)
    inn.NAMClassifier(n_bags=2, max_epochs=3, interactions=0, verbose=0).fit(X, y)


def test_available_memory_is_the_smaller_of_the_machine_and_the_container(monkeypatch, tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       32000000 kB\nMemAvailable:   20000000 kB\n")
    limit, usage = tmp_path / "memory.max", tmp_path / "memory.current"
    monkeypatch.setattr(memory, "MEMINFO", str(meminfo))
    monkeypatch.setattr(memory, "CGROUP_FILES", ((str(limit), str(usage)),))
    assert memory.available_bytes() == 20_000_000 * 1024  # no cgroup files: the machine's
    limit.write_text("max\n")
    usage.write_text("123\n")
    assert memory.available_bytes() == 20_000_000 * 1024  # a cgroup without a limit
    limit.write_text(str(4 * 2**30))
    usage.write_text(str(3 * 2**30))
    assert memory.available_bytes() == 2**30  # the container's room is smaller
    usage.write_text(str(5 * 2**30))
    assert memory.available_bytes() == 0  # over its limit already: no room, never negative
    meminfo.write_text("garbage")
    assert memory.available_bytes() == 0
    monkeypatch.setattr(memory, "MEMINFO", str(tmp_path / "missing"))
    monkeypatch.setattr(memory, "CGROUP_FILES", ())
    assert memory.available_bytes() is None


def test_this_machine_reports_its_memory():
    """On Linux the figure is read and plausible (between 64 MiB and 64 TiB); elsewhere there is
    no ``/proc/meminfo`` and the check is skipped."""
    avail = memory.available_bytes()
    if sys.platform.startswith("linux"):
        assert avail is not None and 2**26 < avail < 2**46
    else:
        assert avail is None


def test_the_constants_follow_the_measured_fits():
    """The estimate is read off ``benchmarks/results/nam_memory.csv`` (default fits and fits
    asked for 0 to 300 pairs, each in its own process): on every fit measured it is 0.8 to 1.5
    times the measured peak (the most where the columns gave fewer pairs with a positive
    score than were asked for), and within
    a tenth on the largest, where a wrong refusal or a missed one would matter."""
    from pathlib import Path

    bench = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(bench))
    import nam_memory  # how a measured row maps to the check's inputs: its own reading of the CSV

    df = pd.read_csv(bench / "results" / "nam_memory.csv", dtype={"interactions": str})
    est = nam_memory.estimates(df)
    ratio = est / df["fit_gib"].to_numpy()
    assert ratio.min() > 0.8 and ratio.max() < 1.5, ratio
    big = (df["rows"] * df["columns"]).to_numpy() == (df["rows"] * df["columns"]).max()
    assert 0.9 < ratio[big].min() and ratio[big].max() < 1.1

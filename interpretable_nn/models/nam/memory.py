"""Will a NAM fit fit in memory? An estimate made before training, from the size of the input.

A NAM trains full-batch on the CPU: every training row's knot reads (and, for the pairs,
their grid reads) are held at once, with the sparse designs built from them. A frame too big
for the machine would not fail with an error: the operating system would kill the process
part-way through the fit, and with it the user's session. So :func:`check_fit_memory` compares
the fit's expected peak with the memory the machine (or its container) has available and
refuses, before any training, a fit that cannot finish.

The estimate is ``MEMORY_BASE + BYTES_PER_PAIR * pairs + rows * (BYTES_PER_CELL * columns +
BYTES_PER_PAIR_ROW * pairs)``, plus ``BYTES_PER_GRID_CELL`` per cell and bag of the grids of
the pairs named in ``interactions`` and ``BYTES_PER_BAG_ROW`` per row for each bag beyond the
default 8; ``pairs`` is the most interaction pairs the fit may hold at once (the default's three
per column, ``interactions=K``'s K, none for ``interactions=0``). The constants are read off 29
fits of 20,000 to 400,000 rows and 3 to 50 columns: default ones, ones asked for 0 to 300 pairs
and ones asked for a pair of two categorical columns of 500 to 2,500 levels
(``benchmarks/nam_memory.py --fit``, least squares on the relative error; its table in
``benchmarks/results/nam_memory.md``). A fit in batches of under a quarter of the rows counts
its pair terms :data:`MINIBATCH_PAIR_FACTOR` times. The estimate is 0.83 to 1.44 times every
measured peak (34 fits, 4 of them in batches).
It counts what the fit adds to the process, not the caller's frame, which is already in
memory when the check runs.
"""

from __future__ import annotations

import os
from numbers import Integral
from pathlib import Path

from ...data.encoding import EncodedData, TabularEncoder
from .checks import forced_pairs, monotone_names
from .fit import pair_ladder, small_batches

__all__ = ["BYTES_PER_BAG_ROW", "BYTES_PER_CELL", "BYTES_PER_GRID_CELL", "BYTES_PER_PAIR_ROW", "MEMORY_BASE", "MEMORY_CHECK_ENV",
           "MINIBATCH_PAIR_FACTOR",
           "available_bytes", "check_fit_memory", "default_pairs", "estimate_fit_bytes", "forced_grid_cells",
           "memory_terms", "pairs_held"]

#: the fit's peak bytes per (training row x feature column), for the main effects, 8 bags
BYTES_PER_CELL = 99.0
#: ... per (training row x interaction pair the fit may hold at once): each pair's grid reads
BYTES_PER_PAIR_ROW = 72.0
#: ... and per pair whatever the rows (its grids, their optimiser state and boosting sums)
BYTES_PER_PAIR = 0.93 * 2**20
#: ... and per cell of the grids of the pairs named in ``interactions`` and per bag (a pair of two
#: categorical columns of thousands of levels each is millions of cells); set so that every such
#: fit measured is estimated at 0.85 times its peak or more (least squares gave 41, and 0.69 on one)
BYTES_PER_GRID_CELL = 55.0
#: the pair terms' factor when the fit trains in mini-batches of under a quarter of the rows
#: (``batch_size``; no fixed row design: each pair stage holds its reads per row besides the
#: boosting's): 2.0 and 3.1 times a full-batch fit's pair memory on the two such default fits in
#: ``nam_memory.csv`` (and 2.3 on a 100,000-row probe)
MINIBATCH_PAIR_FACTOR = 3.0
#: what any fit adds besides (the networks, torch's working memory), bytes
MEMORY_BASE = 143 * 2**20
#: each bag beyond 8, per row (its weights, logits and the pairs' per-bag reads): 16 bags
#: at 50,000 rows x 10 columns took 0.05 GiB more than 8
BYTES_PER_BAG_ROW = 128.0
#: set to ``0`` to skip the check (e.g. when swap or memory freed later will carry the fit)
MEMORY_CHECK_ENV = "INN_MEMORY_CHECK"


def default_pairs(n_columns: int) -> int:
    """The most pairs a default fit (``interactions="auto"``, validation rows) holds at once:
    three per column (EBM's default, the boosting's candidates), and no more than the columns
    have (:func:`pairs_held`)."""
    return pairs_held("auto", max(int(n_columns), 0), True)


def estimate_fit_bytes(rows: int, numeric: int, categorical: int, n_bags: int = 8, pairs: int | None = None,
                       grid_cells: int = 0, minibatch: bool = False) -> float:
    """The expected peak bytes a NAM fit adds to the process: linear in the training cells
    (rows x columns, categorical or numeric alike: each is one knot read per row), in the
    rows x ``pairs`` (the most interaction pairs the fit holds at once; ``None``: the
    default's, :func:`default_pairs`), in the bags beyond the default 8 (each bag holds its
    own weights and logits per row) and in the ``grid_cells`` x bags of the pairs named in
    ``interactions`` (their grids, as large as their columns' levels make them); ``minibatch``:
    the fit trains in batches of under a quarter of the rows (the pair terms x
    :data:`MINIBATCH_PAIR_FACTOR`)."""
    cols = max(int(numeric) + int(categorical), 1)
    pairs = default_pairs(int(numeric) + int(categorical)) if pairs is None else max(int(pairs), 0)
    factor = MINIBATCH_PAIR_FACTOR if minibatch else 1.0
    per_row = (BYTES_PER_CELL * cols + factor * BYTES_PER_PAIR_ROW * pairs
               + BYTES_PER_BAG_ROW * max(int(n_bags) - 8, 0))
    grids = BYTES_PER_GRID_CELL * max(int(grid_cells), 0) * max(int(n_bags), 1)
    return MEMORY_BASE + factor * BYTES_PER_PAIR * pairs + grids + per_row * float(rows)


def pairs_held(interactions, n_columns: int, validated: bool) -> int:
    """The most interaction pairs a fit holds at once (for its memory estimate): the largest
    count of its :func:`pair_ladder` (a list of pairs: its length), no more than the columns
    have. The boosting's candidates (:data:`~.fit.BOOST_PAIRS`, three per column) are the same
    as the grids' largest ``"auto"`` count."""
    n_forced = 0 if isinstance(interactions, (Integral, str)) else len(interactions)
    most = max(pair_ladder(interactions, n_forced, n_columns, validated))
    return max(0, min(most, n_columns * (n_columns - 1) // 2))


def forced_grid_cells(interactions, encoder: TabularEncoder, pair_knots: int) -> int:
    """The cells of the grids of the pairs ``interactions`` names (0 for a count or ``"auto"``),
    for the memory estimate: a categorical axis holds every level (and the missing and unseen
    ones), a numeric one at most ``pair_knots`` knots and one more."""
    if isinstance(interactions, (Integral, str)):
        return 0
    names, cats = list(encoder.schema_.names), list(encoder.categorical_names_)
    axis = {n: encoder.cat_sizes_[cats.index(n)] if n in cats else int(pair_knots) + 1 for n in names}
    pairs = forced_pairs(interactions, names, monotone_names(encoder))
    return int(sum(axis[names[a]] * axis[names[b]] for a, b in pairs))


def memory_terms(model, enc: EncodedData) -> tuple[int, int, bool]:
    """(the most pairs the fit holds at once, the cells of the named pairs' grids, whether it
    trains in batches of under a quarter of the rows): what the memory check counts beside the
    rows and columns."""
    pairs = pairs_held(model.interactions, enc.numeric.shape[1] + enc.codes.shape[1], model.validation_fraction > 0)
    grid_cells = forced_grid_cells(model.interactions, model.encoder_, int(model.pair_knots))
    return pairs, grid_cells, small_batches(model.batch_size, len(enc))


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


#: where the machine's and the container's memory are read (module constants, so tests can point elsewhere)
MEMINFO = "/proc/meminfo"
CGROUP_FILES = (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"))


def available_bytes() -> int | None:
    """Bytes this process can still take: ``MemAvailable`` of ``/proc/meminfo``, lowered to the
    room left under a container's cgroup limit (v2 ``memory.max``, v1 ``memory.limit_in_bytes``)
    when there is one; ``None`` where neither can be read (the check is then skipped)."""
    avail = None
    try:
        for line in Path(MEMINFO).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        avail = None
    for limit_file, usage_file in CGROUP_FILES:
        limit, usage = _read_int(limit_file), _read_int(usage_file)
        if limit is not None and usage is not None and limit < 2**60:  # "max" or a huge v1 value: no limit
            room = max(limit - usage, 0)
            avail = room if avail is None else min(avail, room)
            break
    return avail


def _rows_that_fit(avail: int, numeric: int, categorical: int, n_bags: int, pairs: int, cells: int = 0,
                   minibatch: bool = False) -> int:
    """The most rows whose estimate fits in ``avail`` bytes, rounded down to two figures; 0 when none."""
    fixed = estimate_fit_bytes(0, numeric, categorical, n_bags, pairs, cells, minibatch)
    per_row = estimate_fit_bytes(1, numeric, categorical, n_bags, pairs, cells, minibatch) - fixed
    rows = max(int((avail - fixed) / max(per_row, 1.0)), 0)
    return rows - rows % 10 ** max(len(str(rows)) - 2, 0)  # two figures, rounded down: about


def check_fit_memory(rows: int, numeric: int, categorical: int, n_bags: int, name: str = "NAMClassifier",
                     pairs: int | None = None, grid_cells: int = 0, minibatch: bool = False) -> None:
    """Raise :class:`MemoryError`, before training, when the fit's estimated peak exceeds the
    memory available (``pairs``: the most interaction pairs the fit holds at once, ``None``:
    the default's; ``grid_cells``: the cells of the grids of the pairs named in
    ``interactions``; ``minibatch``: see :func:`estimate_fit_bytes`); the message gives both
    figures and the ways out. Skipped when
    ``INN_MEMORY_CHECK=0`` or when the available memory cannot be read."""
    setting = os.environ.get(MEMORY_CHECK_ENV, "1").strip()
    if setting not in ("0", "1", ""):
        raise ValueError(f"{MEMORY_CHECK_ENV} must be 0 (skip the memory check) or 1; got {setting!r}.")
    if setting == "0":
        return
    avail = available_bytes()
    if avail is None:
        return
    need = estimate_fit_bytes(rows, numeric, categorical, n_bags, pairs, grid_cells, minibatch)
    if need > avail:
        gib = 2**30
        pairs = default_pairs(numeric + categorical) if pairs is None else int(pairs)
        fit_rows = _rows_that_fit(avail, numeric, categorical, n_bags, pairs, grid_cells, minibatch)
        grids = need - estimate_fit_bytes(rows, numeric, categorical, n_bags, pairs, 0, minibatch)  # the named grids' part
        grid_note = (f" (the grids of the pairs in interactions hold {grid_cells:,} cells per bag, about "
                     f"{grids / gib:.1f} GiB)" if grids > need / 2 else "")
        fewer = (", name fewer pairs or pairs of columns with fewer levels" + grid_note if grid_note else
                 f", ask for fewer interaction pairs (interactions=0 holds none; this fit may hold {pairs:,})"
                 if pairs else "")
        bare = 0 if fit_rows or not pairs else _rows_that_fit(avail, numeric, categorical, n_bags, 0, 0)
        if fit_rows:
            sample = (f"Fit on a sample of at most about {fit_rows:,} rows (X.sample(n, random_state=0)){fewer}, drop "
                      "columns, or free memory.")
        elif bare:  # the pairs' own grids are what does not fit
            sample = (f"Even a small fit with {pairs:,} interaction pair{'s' * (pairs != 1)} would not fit{grid_note}: fit with "
                      f"interactions=0 (about {bare:,} rows fit without pairs), name fewer pairs, or free memory.")
        else:
            sample = "Free memory first: even a small fit would not fit."
        raise MemoryError(
            f"{name} would need about {need / gib:.1f} GiB to fit {rows:,} rows x {numeric + categorical} columns "
            f"(full-batch: every row's knot reads are held at once), and {avail / gib:.1f} GiB are available. "
            f"{sample} Set {MEMORY_CHECK_ENV}=0 to try anyway (the operating system may then stop the "
            "process part-way through the fit)."
        )

"""Numbers at predict far beyond what a numeric feature held in training.

Another unit (cents where training had euros), a code such as ``9999999``, ``1e308``, or a
third value for a 0/1 flag (SPSS-style 1/2 codes): an additive model reads such a value at
the edge of its shape, a network as it extrapolates, and neither says so. :func:`warn_far_beyond`
(called by :func:`~interpretable_nn.data.validation.check_predict_frame` for every numeric
feature) gives one :class:`OutOfRangeWarning` per column naming it. The library's own
synthetic rows (LIME's perturbations, distillation's augmented rows, reason codes' grids, the
Shapley split's mixed rows) are scored under :func:`quiet_range`; a chunked predict adds its
chunks up under :func:`range_tally` and warns once per column with the totals.

Missing values in a feature that had none in training are the same kind of surprise: the
model learned nothing for them (an additive model scores such a row 0 on that term, the
average), so :func:`warn_missing_unseen` gives a :class:`MissingNotSeenWarning` (an
:class:`OutOfRangeWarning` of its own class) for any kind of feature. A public function that
reads the rows through several model calls runs under :func:`tallied`: one warning a column.
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from contextvars import ContextVar
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .dtypes import days_text
from .stacklevel import user_stacklevel

if TYPE_CHECKING:
    from .schema import FeatureSpec

__all__ = ["OutOfRangeWarning", "MissingNotSeenWarning", "FAR_RANGES", "quiet_range", "range_tally",
           "tallied", "checked_in_chunks", "warn_far_beyond", "warn_missing_unseen",
           "warn_missing_scored"]


class OutOfRangeWarning(UserWarning):
    """Numbers far beyond a numeric feature's training range at predict: another unit, a code
    such as 9999999, a typo. Additive models read them at the edge of the shape, silently."""


class MissingNotSeenWarning(OutOfRangeWarning):
    """Missing values at predict in a feature that had none in training: the model learned
    nothing for them (an additive model scores them 0 on that term, the average)."""


#: a value more than this many training ranges (max - min) beyond the range is "far" beyond it
FAR_RANGES = 1.0
#: a two-valued feature's value within this relative distance of a training value is that
#: value (a float32 copy of 0.1, or 1.0000000001, is not a third value)
SAME_VALUE_RTOL = 1e-6

_QUIET: ContextVar[bool] = ContextVar("interpretable_nn_quiet_range", default=False)
_TALLY: ContextVar[dict | None] = ContextVar("interpretable_nn_range_tally", default=None)


def _two_valued(spec: FeatureSpec) -> bool:
    """A feature with two training values (a 0/1 flag): any third value is out of range."""
    return spec.kind == "binary" and spec.min != spec.max and not spec.converted_from


def _far(spec: FeatureSpec, v: np.ndarray) -> np.ndarray:
    """Which values of ``v`` are far beyond ``spec``'s training values."""
    if _two_valued(spec):
        def near(x):
            return np.isclose(v, x, rtol=SAME_VALUE_RTOL, atol=1e-300)
        return ~np.isnan(v) & ~near(spec.min) & ~near(spec.max)
    span = FAR_RANGES * ((spec.max - spec.min) or max(abs(spec.max), 1.0))
    with np.errstate(invalid="ignore", over="ignore"):
        return (v > spec.max + span) | (v < spec.min - span)


def _warn(spec: FeatureSpec, count: int, example, what: str, kind: str = "far") -> None:
    if kind == "once":  # spec.name: the message; example: its category
        warnings.warn(spec.name, example, stacklevel=user_stacklevel())
        return
    if kind == "unseen":  # example: [say, values, every row unseen, levels, how scored, values dropped]
        say, vals, every_row, levels, scored, capped = example
        if count:  # 0: only chunks whose values were all seen (counted for "every row")
            say(spec.name, vals, count, every_row, levels, scored, what, capped)
        return
    if kind == "scored":
        warnings.warn(f"Column {spec.name!r} holds {count} missing value(s), {example}. Fill them, or refit on data "
                      "that has missing values in this column.", MissingNotSeenWarning, stacklevel=user_stacklevel())
        return
    if kind == "missing":
        warnings.warn(
            f"Column {spec.name!r} of {what} holds {count} missing value(s), but it had none in training: the model "
            "learned nothing for them (an additive model scores them 0 on this term, its average). Fill them, or "
            "refit on data that has missing values in this column.",
            MissingNotSeenWarning, stacklevel=user_stacklevel())
        return
    if _two_valued(spec):
        hint = " (1/2 codes for a 0/1 flag?)" if {spec.min, spec.max} == {0.0, 1.0} else ""
        text = (f"holds {count} value(s) other than its two training values {spec.min:.10g} and {spec.max:.10g} "
                f"(e.g. {example:.10g}); the model reads them as it extrapolates. Recode them{hint} or give them "
                "as missing (NaN).")
    elif spec.converted_from:
        lo, hi, e = (_as_time(spec, v) for v in (spec.min, spec.max, example))
        text = (f"holds {count} {'date' if spec.converted_from == 'datetime' else 'duration'}(s) far beyond its "
                f"training range [{lo}, {hi}] (e.g. {e}); the model reads them at the edge of what it learned. "
                "Check for a typo in the year or the unit, or give such values as missing.")
    else:
        text = (f"holds {count} value(s) far beyond its training range [{spec.min:.10g}, {spec.max:.10g}] (e.g. "
                f"{example:.10g}); the model reads them as it extrapolates (an additive shape: at its edge). Check "
                "the unit, or give a special code as missing (NaN).")
    warnings.warn(f"Column {spec.name!r} of {what} {text}", OutOfRangeWarning, stacklevel=user_stacklevel())


def _as_time(spec: FeatureSpec, days: float) -> str:
    """Days as the feature's user wrote them: a date (UTC; years 1 to 9999, pandas' own range
    ends at 1677 and 2262) or a duration in days."""
    return days_text(days, spec.word_kind)


def _report(spec: FeatureSpec, count: int, example: float | str | None, what: str, kind: str,
            key: str | None = None) -> None:
    """Warn now, or count inside :func:`range_tally` (the largest count of this chunk's checks).
    ``key``: the entry's name in the tally where it is not ``spec.name`` (:func:`warn_once`'s)."""
    tally = _TALLY.get()
    if tally is None:
        _warn(spec, count, example, what, kind)
        return
    entry = tally.setdefault((key or spec.name, what, kind), [spec, 0, example, 0])
    entry[3] = max(entry[3], count)  # this chunk's rows: a method may check them more than once
    if kind == "far" and not _two_valued(spec) and abs(example) > abs(entry[2]):
        entry[2] = example
    elif kind == "unseen" and entry[2] is not example:  # the values of every chunk; "every row" in each
        _merge_unseen(entry[2], example)


def warn_once(message: str, category: type[Warning], key: str | None = None) -> None:
    """``warnings.warn(message, category)`` at the user's line now, or inside
    :func:`range_tally` once per call: a chunked predict checks every chunk's columns, and an
    extra column is said once, not once a chunk. (The chunks' other warnings used to be
    caught with ``warnings.catch_warnings(record=True)``, which changes the whole process's
    warning state: two threads predicting in chunks at once left every later warning of the
    process going to a dead list.) ``key``: one warning per key (the first chunk's message),
    for a message that names a chunk's own example."""
    tally = _TALLY.get()
    if tally is None:
        warnings.warn(message, category, stacklevel=user_stacklevel())
        return
    tally.setdefault((key or message, "", "once"), [SimpleNamespace(name=message), 0, category, 1])


def tallying() -> bool:
    """Whether a reading now counts into a :func:`range_tally` (and is not the library's own)."""
    return _TALLY.get() is not None and not _QUIET.get()


#: the distinct unseen values a tally keeps per column (their count is said as "at least" past it)
MAX_UNSEEN_KEPT = 1000


def _merge_unseen(into: list, new: list) -> None:
    """Another chunk's unseen values (a dict of distinct values) into a tally's entry, in place
    (up to :data:`MAX_UNSEEN_KEPT`); "every row unseen" holds only if it holds in each chunk."""
    kept = into[1]
    for key, v in new[1].items():
        if key not in kept and len(kept) >= MAX_UNSEEN_KEPT:
            into[5] = True  # more values than are kept: their count is "at least"
            break
        kept.setdefault(key, v)
    into[2] = into[2] and new[2]
    into[5] = into[5] or new[5]


def report_unseen(name: str, vals: dict, rows: int, every_row: bool, levels, scored: str, say,
                  what: str = "X") -> None:
    """``say(name, vals, rows, every_row, levels, scored, what, capped)`` (the encoder's
    :class:`~interpretable_nn.data.encoding.UnseenCategoryWarning`) now, or inside
    :func:`range_tally` once per column and table (``what``: X, background, reference) for the
    whole call: ``rows`` rows of column ``name`` hold the categories ``vals`` (distinct, by a
    key) not seen in training (``every_row``: every non-missing value), scored as ``scored``
    says. In a tally the counts add up over chunks as the other warnings' do (the largest count
    of a chunk's reads), and the values are those of every chunk, up to
    :data:`MAX_UNSEEN_KEPT` (``capped``: some were dropped). Nothing under
    :func:`quiet_range`: the library's own rows."""
    if _QUIET.get():
        return
    kept = dict(list(vals.items())[:MAX_UNSEEN_KEPT])
    _report(SimpleNamespace(name=name), int(rows), [say, kept, bool(every_row), levels, scored, len(vals) > len(kept)],
            what, "unseen")


def warn_missing_unseen(spec: FeatureSpec, s: pd.Series, what: str) -> pd.Series:
    """``s`` (feature ``spec`` as read at predict, any kind), after a
    :class:`MissingNotSeenWarning` naming the column when it holds missing values and the
    training data had none; nothing is said under :func:`quiet_range`."""
    if _QUIET.get() or spec.has_missing:
        return s
    count = int(s.isna().sum())
    if count:
        _report(spec, count, None, what, "missing")
    return s


def warn_missing_scored(name: str, count: int, scored: str) -> None:
    """A :class:`MissingNotSeenWarning` for an artefact read without the model's schema (a
    scorecard's bins): ``count`` missing values of column ``name``, ``scored`` saying how they
    are scored; nothing under :func:`quiet_range` or without missing values; counted inside
    :func:`range_tally` as the model's warnings are."""
    if count and not _QUIET.get():  # a warning of this kind reads only the spec's name
        _report(SimpleNamespace(name=name), int(count), scored, "", "scored")


def warn_far_beyond(spec: FeatureSpec, s: pd.Series, what: str) -> pd.Series:
    """``s`` (the numeric feature ``spec`` as read at predict), after an :class:`OutOfRangeWarning`
    naming the column when some of its values lie more than :data:`FAR_RANGES` times the
    training range beyond it (a constant column: beyond its magnitude or 1), or, for a feature
    with two training values (a 0/1 flag), values other than those two. A feature converted
    from dates or durations is checked in days and named in dates (a year typed 2205 for
    2025); nothing is said under :func:`quiet_range`.
    Missing values are checked first (:func:`warn_missing_unseen`)."""
    warn_missing_unseen(spec, s, what)
    if _QUIET.get() or spec.min is None or spec.max is None:
        return s
    v = s.to_numpy(dtype=float, na_value=np.nan)
    far = _far(spec, v)
    if far.any():
        vals = v[far]
        _report(spec, int(far.sum()), float(vals[0] if _two_valued(spec) else vals[np.argmax(np.abs(vals))]), what,
                "far")
    return s


@contextlib.contextmanager
def quiet_range():
    """A context in which :func:`warn_far_beyond` says nothing: for the library's own
    synthetic rows, which are not the user's input. Per thread and task (a context
    variable): another thread's predict still warns."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def _roll(tally: dict) -> None:
    """The rows checked so far are one chunk: their count joins the total (the largest of its
    checks: ``explain`` reads a chunk's rows more than once). Only X is cut into chunks: another
    table (a background) is read whole with every chunk, so its count is the largest read's."""
    for (_, what, _), entry in tally.items():
        entry[1], entry[3] = entry[1] + entry[3] if what in ("X", "") else max(entry[1], entry[3]), 0


class range_tally:  # used as a function: with range_tally(): ...
    """Inside, :func:`warn_far_beyond` counts instead of warning; on leaving, one warning per
    column with the totals and the farthest value (a predict run in chunks of rows). A tally
    inside another counts its own chunks, then reports its totals to the enclosing one as one
    reading of the rows (a chunked predict inside ``reason_codes`` or a user's own tally: each
    chunk's rows are counted, not only the largest chunk's). A class, not a generator: the
    warning is raised from its ``__exit__``, so it points at the user's line (contextlib's
    frame would stop the search)."""

    def __enter__(self):
        self.tally: dict = {}
        self.token = _TALLY.set(self.tally)
        return self

    def next_chunk(self) -> None:
        """The rows checked so far are one chunk (:func:`_roll`)."""
        _roll(self.tally)

    def __exit__(self, *exc) -> None:
        _TALLY.reset(self.token)
        self.next_chunk()
        if exc[0] is None:  # into the enclosing tally as one reading, or warned now
            for (key, what, kind), (spec, count, example, _) in self.tally.items():
                _report(spec, count, example, what, kind, key)


def tallied(fn):
    """``fn`` run inside a :class:`range_tally`: a public function that reads the user's rows
    through more than one model call (``reason_codes``) warns once per column."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with range_tally():
            return fn(*args, **kwargs)
    return wrapper


def checked_in_chunks(check, pieces) -> None:
    """``check(piece)`` (a reading of the user's rows that warns) for every piece, in a tally
    of its own (even inside another: the pieces are different rows, so their counts add up),
    then one warning per column with the totals, into the enclosing tally if there is one:
    the monitor reads a batch chunk by chunk, in a second thread that sees no tally."""
    with range_tally() as tally:
        for piece in pieces:
            check(piece)
            tally.next_chunk()

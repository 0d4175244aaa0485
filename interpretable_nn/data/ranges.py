"""Numbers at predict far beyond what a numeric feature held in training.

Another unit (cents where training had euros), a code such as ``9999999``, ``1e308``, or a
third value for a 0/1 flag (SPSS-style 1/2 codes): an additive model reads such a value at
the edge of its shape, a network as it extrapolates, and neither says so. :func:`warn_far_beyond`
(called by :func:`~interpretable_nn.data.validation.check_predict_frame` for every numeric
feature) gives one :class:`OutOfRangeWarning` per column naming it. The library's own
synthetic rows (LIME's perturbations, distillation's augmented rows, reason codes' grids, the
Shapley split's mixed rows) are scored under :func:`quiet_range`; a chunked predict adds its
chunks up under :func:`range_tally` and warns once per column with the totals.
"""

from __future__ import annotations

import contextlib
import warnings
from contextvars import ContextVar
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .stacklevel import user_stacklevel

if TYPE_CHECKING:
    from .schema import FeatureSpec

__all__ = ["OutOfRangeWarning", "FAR_RANGES", "quiet_range", "range_tally", "warn_far_beyond"]


class OutOfRangeWarning(UserWarning):
    """Numbers far beyond a numeric feature's training range at predict: another unit, a code
    such as 9999999, a typo. Additive models read them at the edge of the shape, silently."""


#: a value more than this many training ranges (max - min) beyond the range is "far" beyond it
FAR_RANGES = 1.0
#: a two-valued feature's value within this relative distance of a training value is that
#: value (a float32 copy of 0.1, or 1.0000000001, is not a third value)
SAME_VALUE_RTOL = 1e-6

_QUIET: ContextVar[bool] = ContextVar("interpretable_nn_quiet_range", default=False)
_TALLY: ContextVar[dict | None] = ContextVar("interpretable_nn_range_tally", default=None)


def _two_valued(spec: FeatureSpec) -> bool:
    """A feature with two training values (a 0/1 flag): any third value is out of range."""
    return spec.kind == "binary" and spec.min != spec.max


def _far(spec: FeatureSpec, v: np.ndarray) -> np.ndarray:
    """Which values of ``v`` are far beyond ``spec``'s training values."""
    if _two_valued(spec):
        def near(x):
            return np.isclose(v, x, rtol=SAME_VALUE_RTOL, atol=1e-300)
        return ~np.isnan(v) & ~near(spec.min) & ~near(spec.max)
    span = FAR_RANGES * ((spec.max - spec.min) or max(abs(spec.max), 1.0))
    with np.errstate(invalid="ignore", over="ignore"):
        return (v > spec.max + span) | (v < spec.min - span)


def _warn(spec: FeatureSpec, count: int, example: float, what: str) -> None:
    if _two_valued(spec):
        hint = " (1/2 codes for a 0/1 flag?)" if {spec.min, spec.max} == {0.0, 1.0} else ""
        text = (f"holds {count} value(s) other than its two training values {spec.min:.10g} and {spec.max:.10g} "
                f"(e.g. {example:.10g}); the model reads them as it extrapolates. Recode them{hint} or give them "
                "as missing (NaN).")
    else:
        text = (f"holds {count} value(s) far beyond its training range [{spec.min:.10g}, {spec.max:.10g}] (e.g. "
                f"{example:.10g}); the model reads them as it extrapolates (an additive shape: at its edge). Check "
                "the unit, or give a special code as missing (NaN).")
    warnings.warn(f"Column {spec.name!r} of {what} {text}", OutOfRangeWarning, stacklevel=user_stacklevel())


def warn_far_beyond(spec: FeatureSpec, s: pd.Series, what: str) -> pd.Series:
    """``s`` (the numeric feature ``spec`` as read at predict), after an :class:`OutOfRangeWarning`
    naming the column when some of its values lie more than :data:`FAR_RANGES` times the
    training range beyond it (a constant column: beyond its magnitude or 1), or, for a feature
    with two training values (a 0/1 flag), values other than those two. A feature converted
    from dates or durations has its own check; nothing is said under :func:`quiet_range`."""
    if _QUIET.get() or spec.min is None or spec.max is None or spec.converted_from:
        return s
    v = s.to_numpy(dtype=float, na_value=np.nan)
    far = _far(spec, v)
    if not far.any():
        return s
    vals, two = v[far], _two_valued(spec)
    example = float(vals[0] if two else vals[np.argmax(np.abs(vals))])
    tally = _TALLY.get()
    if tally is None:
        _warn(spec, int(far.sum()), example, what)
        return s
    entry = tally.setdefault((spec.name, what), [spec, 0, example, 0])
    entry[3] = max(entry[3], int(far.sum()))  # this chunk's rows: a method may check them more than once
    if not two and abs(example) > abs(entry[2]):
        entry[2] = example
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


class range_tally:  # used as a function: with range_tally(): ...
    """Inside, :func:`warn_far_beyond` counts instead of warning; on leaving, one warning per
    column with the totals and the farthest value (a predict run in chunks of rows). Nested
    tallies report to the outermost. A class, not a generator: the warning is raised from its
    ``__exit__``, so it points at the user's line (contextlib's frame would stop the search)."""

    def __enter__(self):
        self.tally = None if _TALLY.get() is not None else {}
        if self.tally is not None:
            self.token = _TALLY.set(self.tally)
        return self

    def next_chunk(self) -> None:
        """The rows checked so far are one chunk: their count joins the total (the largest of
        its checks: ``explain`` reads a chunk's rows more than once)."""
        for entry in (self.tally or {}).values():
            entry[1], entry[3] = entry[1] + entry[3], 0

    def __exit__(self, *exc) -> None:
        if self.tally is None:
            return
        _TALLY.reset(self.token)
        self.next_chunk()
        if exc[0] is None:
            for (_, what), (spec, count, example, _) in self.tally.items():
                _warn(spec, count, example, what)

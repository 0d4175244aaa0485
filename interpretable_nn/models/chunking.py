"""Bounded memory on big data: row-wise methods run on chunks of rows.

``decision_function``, ``predict_proba``, ``predict`` and ``explain`` of every model of the
library (:class:`~interpretable_nn.models.base.BaseModel` wraps them in each subclass with
:func:`chunked`) run on chunks of at most :func:`get_chunk_rows` rows (65,536 by default;
:func:`chunk_rows` changes it for a block of code). Each chunk is validated, encoded and
scored on its own; the results are written row-wise into one output (numeric arrays are
preallocated and filled as the chunks come;
:class:`~interpretable_nn.attribution.explanation.Explanation` pieces are stacked with their
check figures combined), so the memory beyond the input and the result does not grow with
the number of rows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.explanation import Explanation
from ..attribution.fidelity import Fidelity
from ..data.ranges import range_tally

__all__ = ["DEFAULT_CHUNK_ROWS", "chunk_rows", "chunked", "get_chunk_rows"]


#: rows per chunk of prediction and explanation (see :func:`chunk_rows`)
DEFAULT_CHUNK_ROWS = 65536
_CHUNK_ROWS: ContextVar[int] = ContextVar("interpretable_nn_chunk_rows", default=DEFAULT_CHUNK_ROWS)


def get_chunk_rows() -> int:
    """Rows per chunk used by ``decision_function``/``predict_proba``/``predict``/``explain``."""
    return _CHUNK_ROWS.get()


@contextmanager
def chunk_rows(n: int) -> Iterator[int]:
    """Score and explain in chunks of ``n`` rows inside a ``with`` block.

    Smaller chunks lower the peak memory (an explanation by integrated gradients holds
    about ``n x steps`` encoded rows at once); larger ones amortise per-chunk overhead.

    Examples
    --------
    >>> from interpretable_nn.models.base import chunk_rows, get_chunk_rows
    >>> with chunk_rows(1000):
    ...     get_chunk_rows()
    1000
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise ValueError(f"chunk_rows needs a positive integer number of rows; got {n!r}.")
    token = _CHUNK_ROWS.set(int(n))
    try:
        yield int(n)
    finally:
        _CHUNK_ROWS.reset(token)


def _n_rows(X) -> int | None:
    """Rows of a DataFrame or an array of 2 or more dimensions; ``None`` for anything else
    (such input is passed whole to the method, whose validation judges it)."""
    if isinstance(X, pd.DataFrame):
        return len(X)
    if isinstance(X, np.ndarray) and X.ndim >= 2:
        return X.shape[0]
    return None


def _rows(X, start: int, stop: int):
    return X.iloc[start:stop] if isinstance(X, pd.DataFrame) else X[start:stop]


class _ArrayRows:
    """Row-wise array results of the chunks, written into one preallocated array as they
    come (numeric dtypes), so the pieces are never all held at once next to the result."""

    def __init__(self, n: int):
        self.n, self.pos, self.out, self.pieces = n, 0, None, []

    def add(self, a) -> None:
        a = np.asarray(a)
        if self.pos == 0 and a.ndim >= 1 and a.dtype.kind in "biuf":
            self.out = np.empty((self.n, *a.shape[1:]), dtype=a.dtype)
        fits = (
            self.out is not None and a.dtype == self.out.dtype and a.shape[1:] == self.out.shape[1:]
            and self.pos + len(a) <= self.n
        )
        if fits:
            self.out[self.pos : self.pos + len(a)] = a
        else:  # mixed dtypes or shapes: keep the pieces and concatenate at the end
            if self.out is not None:
                self.pieces, self.out = [self.out[: self.pos]], None
            self.pieces.append(a)
        self.pos += len(a)

    def result(self) -> np.ndarray:
        if self.out is not None:
            return self.out if self.pos == self.n else self.out[: self.pos]
        return np.concatenate(self.pieces, axis=0)


class _ExplanationRows:
    """Chunks of an :class:`Explanation`: values and base values stacked, data concatenated
    (renumbered when each piece numbers its rows from 0), check figures combined: a
    ``*_gap`` is a worst case over rows, so the largest is kept; any other figure is kept
    when equal in every chunk, else listed per chunk."""

    def __init__(self, n: int):
        self.values, self.base = _ArrayRows(n), _ArrayRows(n)
        self.frames: list = []
        self.checks: list[Fidelity] = []
        self.first: Explanation | None = None

    def add(self, e: Explanation) -> None:
        if self.first is None:
            self.first = e
        self.values.add(e.values)
        self.base.add(e.base_values)
        self.frames.append(e.data)
        self.checks.append(e.check)

    def result(self) -> Explanation:
        first = self.first
        data = None
        if all(f is not None for f in self.frames):
            renumber = all(isinstance(f.index, pd.RangeIndex) and f.index.start == 0 for f in self.frames)
            data = pd.concat(self.frames, ignore_index=renumber)
        self.first, self.frames = None, []
        check: dict[str, Any] = {}
        for key in first.check:
            vals = [c.get(key) for c in self.checks]
            if key.endswith("_gap") and all(isinstance(v, Real) for v in vals):
                check[key] = float(max(vals))
            elif all(_same(v, vals[0]) for v in vals):
                check[key] = vals[0]
            else:
                check[key] = vals
        values = self.values.result()
        return Explanation(
            values=values,
            base_values=self.base.result(),
            feature_names=list(first.feature_names),
            data=data,
            output=first.output,
            method=first.method,
            check=Fidelity(first.check.compared, first.check.rows, len(values), check),
        )


class _FrameRows:
    def __init__(self, n: int):
        self.pieces: list = []

    def add(self, df) -> None:
        self.pieces.append(df)

    def result(self) -> pd.DataFrame:
        return pd.concat(self.pieces)


def _same(a, b) -> bool:
    try:
        return bool(np.all(a == b))
    except Exception:  # noqa: BLE001 - incomparable values are simply "not the same"
        return False


def _rows_of(piece, n: int):
    """The accumulator for chunk results like ``piece``."""
    if isinstance(piece, Explanation):
        return _ExplanationRows(n)
    if isinstance(piece, np.ndarray):
        return _ArrayRows(n)
    if isinstance(piece, pd.DataFrame):
        return _FrameRows(n)
    raise TypeError(f"cannot concatenate chunked results of type {type(piece).__name__}.")


def _caller_index(result: Any, X: Any) -> Any:
    """An explanation of a DataFrame keeps the caller's row labels (``to_frame().index ==
    X.index``), whatever index the model's own code gave its data."""
    if isinstance(result, Explanation) and isinstance(X, pd.DataFrame):
        return result.with_index(X.index)
    return result


def chunked(method: Callable) -> Callable:
    """Decorator: run ``method(self, X, ...)`` on chunks of at most :func:`get_chunk_rows`
    rows of ``X`` (a DataFrame or an array) and concatenate the results row-wise.

    ``X`` with no more rows than one chunk (or of another type) goes to ``method`` as it is,
    so small calls cost nothing extra. The library's input warnings (range, missing values,
    unseen levels, extra columns) come once for the whole input, through
    :func:`~interpretable_nn.data.ranges.range_tally`.
    """
    if getattr(method, "__chunked__", False):
        return method

    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        n, size = _n_rows(X), get_chunk_rows()
        if n is None or n <= size:
            with range_tally():  # a method that checks its rows more than once (explain) warns once
                return _caller_index(method(self, X, *args, **kwargs), X)
        acc = None
        # one warning per column (range, missing, unseen levels) with the whole input's count,
        # and an extra column said once: through the tally, never warnings.catch_warnings,
        # which is not thread-safe (it swaps the process's filters and showwarning)
        with range_tally() as tally:
            for start in range(0, n, size):
                piece = method(self, _rows(X, start, start + size), *args, **kwargs)
                tally.next_chunk()
                if acc is None:
                    acc = _rows_of(piece, n)
                acc.add(piece)
                del piece
        return _caller_index(acc.result(), X)

    wrapper.__chunked__ = True
    return wrapper

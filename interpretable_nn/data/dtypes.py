"""Column types nobody declared: the one conversion of each, or its refusal.

Every raw column is read as exactly one *value type*, decided from its dtype (and, for
``object`` columns, from the Python types of its non-missing cells). Each type either has
one documented conversion, which gives the same numbers whatever the column's unit or time
zone, or is refused at fit, before any training, with an error that names the column and
the fix:

================================  ===========  =============================================
column holds                      read as      conversion / fix
================================  ===========  =============================================
int, float, bool-free numbers     numeric      as is (``float64``)
``decimal.Decimal`` (object)      numeric      ``float(value)``; ``Decimal('NaN')`` is missing
numbers in an ``object`` column   numeric      ``float(value)`` (as :func:`pandas.to_numeric`)
strings (even "01", "1.5")        categorical  kept as text: codes like "01" stay "01"; use
                                               ``pd.to_numeric(X[col])`` for amounts
booleans, ``category`` dtype      categorical  levels must be strings, numbers or booleans
``datetime64`` (any unit, tz),    numeric      days since 1970-01-01T00:00 UTC (float64);
``Timestamp``/``datetime``/                    naive times are read as UTC; identical for
``date`` cells                                 ``[s]``, ``[ms]``, ``[us]``, ``[ns]`` and any tz
``timedelta64`` (any unit),       numeric      days (float64), identical for every unit
``Timedelta``/``timedelta`` cells
``Period``                        refused      ``X[col].dt.to_timestamp()`` or ``.astype(str)``
``Interval`` (e.g. ``pd.cut``)    refused      ``.astype(str)`` or the midpoint
bytes                             refused      ``X[col].str.decode("utf-8")``
tuples, lists, dicts, sets,       refused      one value per cell: split into columns
arrays in cells
numbers mixed with strings        refused      ``pd.to_numeric`` or ``.astype(str)``
complex numbers                   refused      real part, or two columns
numpy structured arrays (as X)    refused      ``pd.DataFrame(arr)``
================================  ===========  =============================================

Dates and durations are converted exactly: the integer count in the column's own unit is
split into whole days and the remainder (``divmod``), so the same instants give bit-identical
floats in every unit. At predict a feature fitted on dates accepts dates in any unit or zone,
ISO 8601 strings, or numbers already in days; a feature fitted on plain numbers refuses
dates (it would otherwise read them in an arbitrary unit).
"""

from __future__ import annotations

import datetime as _dt
import decimal
from numbers import Number

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

__all__ = [
    "DATE_ORIGIN",
    "CONVERSIONS",
    "column_type",
    "datetime_days",
    "days_as_dates",
    "days_text",
    "regression_target",
    "days_unit",
    "midnight_edges",
    "DAYS_UNIT",
    "timedelta_days",
    "check_category_cells",
    "refuse_structured",
    "refuse_signalling_nan",
]

#: the origin of the date conversion
DATE_ORIGIN = "1970-01-01T00:00:00 UTC"

#: the value of ``FeatureSpec.converted_from`` for each converted type, and its unit
CONVERSIONS = {"datetime": "days since 1970-01-01T00:00 UTC", "timedelta": "days"}

_UNITS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
_NUMERIC_KINDS = {"integer", "floating", "mixed-integer-float", "decimal"}
_DATE_KINDS = {"datetime", "datetime64", "date"}
_DURATION_KINDS = {"timedelta", "timedelta64"}
_TEXT_KINDS = {"string"}


def _cell_kind(v) -> str:
    """The value type of one non-missing cell (for messages and mixed object columns)."""
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (str, np.str_)):
        return "str"
    if isinstance(v, (bytes, bytearray, np.bytes_)):
        return "bytes"
    if isinstance(v, (_dt.timedelta, np.timedelta64)):
        return "timedelta"
    if isinstance(v, (_dt.date, np.datetime64)):
        return "datetime"
    if isinstance(v, complex) or np.iscomplexobj(v) and np.isscalar(v):
        return "complex"
    if isinstance(v, (decimal.Decimal, Number, np.number)):
        return "number"
    if isinstance(v, pd.Period):
        return "period"
    if isinstance(v, pd.Interval):
        return "interval"
    if isinstance(v, (tuple, list, dict, set, frozenset, np.ndarray)):
        return "container"
    return type(v).__name__


def _fix(name: str, kind: str, example) -> str:
    col = f"X[{name!r}]"
    if kind == "period":
        return (f"holds pandas Periods (e.g. {example}); convert them with {col}.dt.to_timestamp() "
                f"(dates, read as days since 1970-01-01 UTC) or {col}.astype(str) (a categorical)")
    if kind == "interval":
        return (f"holds intervals (e.g. {example}, as pd.cut makes); use {col}.astype(str) for a "
                f"categorical of bins, or one number per row such as the midpoint "
                f"{col}.map(lambda v: v.mid, na_action='ignore').astype(float)")
    if kind == "bytes":
        return f"holds bytes (e.g. {example}); decode them to text with {col}.str.decode('utf-8')"
    if kind == "container":
        return (f"holds {type(example).__name__} values in its cells (e.g. {example!r}); a cell must "
                f"hold one value: split it into one column per element "
                f"(pd.DataFrame({col}.tolist(), index=X.index)) or join it into a string")
    if kind == "complex":
        return ("holds complex numbers (Complex data not supported); pass real numbers, e.g. its "
                "real part, or split real and imaginary parts into two columns")
    return (f"holds values of type {kind} (e.g. {example!r}); pass numbers, strings, booleans, "
            f"dates or durations")


def _object_type(name: str, s: pd.Series, what: str) -> str:
    """The value type of an object (or pandas string) column, or a refusal."""
    vals = s[s.notna()]
    kind = infer_dtype(vals, skipna=True)
    if kind in _TEXT_KINDS:
        return "categorical"
    if kind == "boolean":
        return "categorical"
    if kind in _NUMERIC_KINDS:
        return "number"
    if kind in _DATE_KINDS:
        return "datetime"
    if kind in _DURATION_KINDS:
        return "timedelta"
    # mixed, bytes, period, interval, complex...: look at the cells themselves
    kinds: dict[str, object] = {}
    for v in vals:
        k = _cell_kind(v)
        kinds.setdefault(k, v)
    found = set(kinds)
    if found <= {"number"}:
        return "number"
    if found <= {"str", "bool"}:
        return "categorical"
    for k in ("container", "bytes", "period", "interval", "complex"):
        if k in found:
            raise ValueError(f"Column {name!r} of {what} {_fix(name, k, kinds[k])}.")
    other = found - {"number", "str", "bool", "datetime", "timedelta"}
    if other:
        k = sorted(other)[0]
        raise TypeError(f"Column {name!r} of {what} {_fix(name, k, kinds[k])}.")
    if found == {"number", "str"} or found == {"number", "str", "bool"}:
        examples = list(pd.unique(pd.Series([v for v in vals if _cell_kind(v) == "str"]).astype(str)))[:3]
        raise ValueError(
            f"Column {name!r} of {what} mixes numbers and strings (e.g. {examples}); "
            "convert the strings to numbers/NaN for a numeric feature, or cast the column "
            "with .astype(str) for a categorical one."
        )
    raise ValueError(
        f"Column {name!r} of {what} mixes value types {sorted(found)}; use one type per column "
        f"(e.g. pd.to_numeric(X[{name!r}]) for numbers, pd.to_datetime(X[{name!r}], utc=True) for "
        f"dates, or X[{name!r}].astype(str) for a categorical)."
    )


def column_type(name: str, s: pd.Series, what: str = "X") -> str:
    """How column ``name`` is read: ``"number"``, ``"categorical"``, ``"datetime"`` or
    ``"timedelta"``; a ``ValueError``/``TypeError`` naming the column and the fix for a
    type that has no conversion (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> column_type("d", pd.Series(pd.to_datetime(["2024-01-01"]).as_unit("s")))
    'datetime'
    >>> column_type("code", pd.Series(["01", "02"], dtype=object))
    'categorical'
    """
    dtype = s.dtype
    if isinstance(dtype, pd.PeriodDtype):
        raise ValueError(f"Column {name!r} of {what} {_fix(name, 'period', s.dropna().iloc[0])}.")
    if isinstance(dtype, pd.IntervalDtype):
        raise ValueError(f"Column {name!r} of {what} {_fix(name, 'interval', s.dropna().iloc[0])}.")
    if isinstance(dtype, pd.CategoricalDtype):
        check_levels(name, s.cat.categories, what)
        return "categorical"
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pd.api.types.is_complex_dtype(dtype):
        raise ValueError(f"Column {name!r} of {what} {_fix(name, 'complex', None)}.")
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return _object_type(name, s, what)
    raise TypeError(
        f"Column {name!r} of {what} has dtype {dtype}, which is not read as numbers, categories, "
        "dates or durations; convert it to one of these."
    )


def check_levels(name: str, levels, what: str = "X") -> None:
    """Category levels must be strings, numbers or booleans (they are saved as JSON)."""
    for v in levels:
        k = _cell_kind(v)
        if k not in ("str", "number", "bool") or isinstance(v, decimal.Decimal):
            raise ValueError(
                f"Column {name!r} of {what} is a pandas category whose levels are {k} values "
                f"(e.g. {v!r}); levels must be strings, numbers or booleans: use "
                f"X[{name!r}].astype(str) for a categorical"
                + (", or pass the column uncategorised as dates/numbers." if k in ("datetime", "timedelta") else ".")
            )


def _days(ints: np.ndarray, unit: str, missing: np.ndarray) -> np.ndarray:
    per_day = _UNITS_PER_DAY[unit]
    q, r = np.divmod(np.where(missing, 0, ints), per_day)
    days = q.astype(np.float64) + r.astype(np.float64) / float(per_day)
    days[missing] = np.nan
    return days


def datetime_days(name: str, s: pd.Series, what: str = "X") -> pd.Series:
    """Dates as float days since 1970-01-01T00:00 UTC (naive times read as UTC); the same
    floats for the same instants whatever the unit or time zone. ISO 8601 strings are parsed.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.Series(pd.to_datetime(["1970-01-02 12:00"]))
    >>> datetime_days("d", d.astype("datetime64[s]")).tolist() == datetime_days("d", d.astype("datetime64[ns]")).tolist() == [1.5]
    True
    """
    try:
        if pd.api.types.is_string_dtype(s.dtype) or infer_dtype(s, skipna=True) == "string":
            dt = pd.to_datetime(s, utc=True, format="ISO8601")
        else:
            dt = pd.to_datetime(s, utc=True)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(
            f"Column {name!r} of {what} holds dates that could not be read ({exc}); pass datetime64 "
            f"values or ISO 8601 strings (e.g. '2024-01-31' or '2024-01-31T12:00:00+01:00')."
        ) from None
    missing = dt.isna().to_numpy()
    naive = dt.dt.tz_localize(None)
    ints = naive.to_numpy().view(np.int64)
    return pd.Series(_days(ints, naive.dt.unit, missing), index=s.index, name=s.name)


#: the dtypes :func:`days_as_dates` gives back dates and durations in
DAYS_UNIT = {"datetime": "datetime64[us]", "timedelta": "timedelta64[us]"}
#: float days beyond this (about 290,000 years) do not fit int64 microseconds: kept as days
_MAX_DAYS = 1e8


def days_as_dates(days: pd.Series, kind: str) -> pd.Series:
    """The inverse of :func:`datetime_days` / :func:`timedelta_days` (``kind`` ``"datetime"``
    or ``"timedelta"``): float days as ``datetime64[us]`` (naive, UTC) or ``timedelta64[us]``,
    the whole days and the fraction rounded apart so no date loses the microsecond to the
    product's rounding; days beyond :data:`_MAX_DAYS` are returned as they are."""
    per_day = _UNITS_PER_DAY["us"]
    d = days.to_numpy()
    known = ~np.isnan(d)
    if np.abs(d[known]).max(initial=0.0) > _MAX_DAYS:
        return days
    d = np.where(known, d, 0.0)
    whole = np.floor(d)
    us = whole.astype(np.int64) * per_day + np.round((d - whole) * per_day).astype(np.int64)
    out = us.view(DAYS_UNIT[kind])
    out[~known] = np.datetime64("NaT") if kind == "datetime" else np.timedelta64("NaT")
    return pd.Series(out, index=days.index, name=days.name)


def days_text(days: float, kind: str, side: str = "exact") -> str:
    """Float days as a person reads them: a date without a time (``kind="date"``: a feature
    whose training dates were all midnights UTC), an instant (``"datetime"``; days since
    1970-01-01 UTC) or a duration (``"timedelta"``).

    A ``"date"`` at midnight is written as its day (``2023-06-29``); an instant with its time
    and zone (``2023-06-29 05:15:00 UTC``, midnight too: a bare day would read as the whole
    day; microseconds where it has them; a tz-aware ``2023-06-29T05:00+09:00`` is the model's
    ``2023-06-28 20:00:00 UTC``). ``side="down"``/``"up"`` write the last midnight (a
    ``"date"``) or second (an instant) at or before the value, or the first at or after it,
    so "``2020-01-22`` or earlier" never reaches past the value it stands for; ``"floor"``
    and ``"ceil"`` do so to the microsecond (a bin's edge: a time in microseconds is above the
    edge exactly when it is above the words). A value that is itself such a midnight, second
    or microsecond, as the model's days hold it, is written as that one. A duration is its
    days (``367 days``, ``1.5 days``; ``"up"``/``"down"``: 3 significant digits, or whole
    days from 1,000, on that side). Missing (NaN) is ``missing``; dates outside years 1 to
    9999 are written as days after 1970-01-01.

    Examples
    --------
    >>> days_text(19537.0, "date"), days_text(19537.0, "datetime"), days_text(19537.25, "date", "up")
    ('2023-06-29', '2023-06-29 00:00:00 UTC', '2023-06-30')
    >>> days_text(19537 + 1 / 3, "datetime", "floor"), days_text(19537.2500001, "datetime", "down")
    ('2023-06-29 08:00:00 UTC', '2023-06-29 06:00:00 UTC')
    >>> days_text(1.0, "timedelta"), days_text(999.5, "timedelta", "up"), days_text(-1e9, "date")
    ('1 day', '1000 days', '-1000000000 days after 1970-01-01')
    """
    x = float(days)
    if np.isnan(x):
        return "missing"
    if kind not in ("date", "datetime"):
        return days_unit(f"{x:.10g}" if side not in ("up", "down") or not np.isfinite(x) else _short(x, side))
    if not np.isfinite(x) or abs(x) > 3_000_000:
        return f"{x:.10g} days after 1970-01-01"
    whole = float(np.floor(x))
    per = {"down": 1, "up": 1}.get(side, 86_400_000_000) if kind == "date" else \
        {"down": 86_400, "up": 86_400}.get(side, 86_400_000_000)  # steps of the day: 1 day, 1 s or 1 us
    at = (x - whole) * per
    step = round(at)
    if whole + step / per != x:  # not itself a step of the model's days: floor, ceil or round
        step = np.floor(at) if side in ("down", "floor") else np.ceil(at) if side in ("up", "ceil") else step
    try:
        t = _dt.datetime(1970, 1, 1) + _dt.timedelta(days=whole, microseconds=int(step) * (86_400_000_000 // per))
    except OverflowError:
        return f"{x:.10g} days after 1970-01-01"
    if kind == "date" and t.time() == _dt.time(0):
        return t.date().isoformat()
    return t.isoformat(sep=" ", timespec="seconds" if t.microsecond == 0 else "microseconds") + " UTC"


def days_unit(text: str) -> str:
    """A number of days as written, with its unit: ``1 day``, ``2.5 days``."""
    return f"{text} day{'' if text in ('1', '-1') else 's'}"


def midnight_edges(edges, kind: str) -> np.ndarray:
    """Bin edges (days) of a feature fitted on dates without a time (``kind="date"``) moved
    down to their midnights, the same bins for such dates, so that each edge is written as a
    day; as they are for any other feature, or where two edges share a day (times of day)."""
    edges = np.asarray(edges, dtype=float)
    return np.floor(edges) if kind == "date" and len(np.unique(np.floor(edges))) == len(edges) else edges


def _short(x: float, side: str) -> str:
    """``x`` in 3 significant digits (a whole number from 1,000 up), never past ``x`` on
    ``side`` ("up": at or above, "down": at or below); else exactly."""
    step = 1.0 if abs(x) >= 1000 else 10.0 ** (np.floor(np.log10(abs(x))) - 2) if x else 1.0
    v = (np.ceil if side == "up" else np.floor)(round(x / step, 9)) * step
    s = f"{v:.0f}" if abs(v) >= 1000 else f"{v:.3g}"
    return s if (float(s) >= x if side == "up" else float(s) <= x) else repr(x)


def timedelta_days(name: str, s: pd.Series, what: str = "X") -> pd.Series:
    """Durations as float days, the same floats whatever the unit.

    Examples
    --------
    >>> import pandas as pd
    >>> timedelta_days("t", pd.Series(pd.to_timedelta(["36h"]))).tolist()
    [1.5]
    """
    try:
        td = pd.to_timedelta(s)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValueError(
            f"Column {name!r} of {what} holds durations that could not be read ({exc}); pass "
            "timedelta64 values."
        ) from None
    missing = td.isna().to_numpy()
    ints = td.to_numpy().view(np.int64)
    return pd.Series(_days(ints, td.dt.unit, missing), index=s.index, name=s.name)


def check_category_cells(name: str, s: pd.Series, what: str = "X") -> None:
    """At predict: a categorical feature's cells must be single values (bytes, tuples, lists
    and other containers are refused naming the column)."""
    if not pd.api.types.is_object_dtype(s.dtype):
        return
    vals = s[s.notna()]
    if infer_dtype(vals, skipna=True) in _TEXT_KINDS | _NUMERIC_KINDS | {"boolean", "empty"}:
        return
    for v in vals:
        k = _cell_kind(v)
        if k in ("container", "bytes"):
            raise ValueError(f"Column {name!r} of {what} {_fix(name, k, v)}.")


def records_frame(rows, what: str = "X", needed: list[str] | None = None) -> pd.DataFrame:
    """Rows given as dicts or Series, as a frame; a row that lacks a key other rows have (of
    ``needed``, the model's columns, when given: a key only some rows carry and the model does
    not read is ignored, as an extra column is) is refused, naming the row, the keys and the fix
    (pandas filled it with NaN: a silent missing value, where a serializer dropped a field)."""
    def keys(r):
        return r.keys() if isinstance(r, dict) else set(r.keys())

    first = keys(rows[0])
    if all(keys(r) == first for r in rows):  # the usual case: one comparison a row
        return pd.DataFrame(list(rows))
    every = set().union(*(keys(r) for r in rows))
    if needed is not None:
        read = set(needed)
        every = {k for k in every if str(k) in read}
    for i, r in enumerate(rows):
        lack = every - keys(r)
        if lack:
            shown = sorted(map(repr, lack))[:5]
            raise ValueError(f"Row {i} of {what} lacks the key(s) {', '.join(shown)} that other rows have; give "
                             "every row every key (None for a missing value).")
    return pd.DataFrame(list(rows))


def refuse_structured(arr: np.ndarray, what: str = "X") -> None:
    """A numpy structured (record) array is refused with its fix."""
    if arr.dtype.names:
        raise TypeError(
            f"{what} is a numpy structured array with fields {list(arr.dtype.names)}; pass a "
            f"DataFrame instead: pd.DataFrame({what}) keeps the field names as columns."
        )


def refuse_signalling_nan(df: pd.DataFrame, what: str = "X") -> None:
    """A ``Decimal('sNaN')`` cell is refused naming its column: a signalling NaN raises on
    any comparison, so pandas' own missing-value test crashed inside pandas on it. Only
    object columns that hold decimals are scanned.

    Examples
    --------
    >>> import decimal
    >>> refuse_signalling_nan(pd.DataFrame({"a": [decimal.Decimal("sNaN")]}))
    Traceback (most recent call last):
    ValueError: Column 'a' of X holds Decimal('sNaN'), a signalling NaN nothing can compare; replace it with None or NaN (a missing value) or a number.
    """
    for name in df.columns:
        s = df[name]
        if s.dtype == object and infer_dtype(s, skipna=False) in ("decimal", "mixed", "mixed-integer-float") and any(
                isinstance(v, decimal.Decimal) and v.is_snan() for v in s):
            raise ValueError(f"Column {name!r} of {what} holds Decimal('sNaN'), a signalling NaN nothing can compare; "
                             "replace it with None or NaN (a missing value) or a number.")


def regression_target(y, arr: np.ndarray) -> np.ndarray:
    """A regression target ``y`` (``arr``: it as a 1-D array) as float64, or a ``ValueError``
    naming the fix: dates, durations (datetime64, tz-aware, Python dates, Periods) and complex
    numbers are refused with their conversion, non-numbers and non-finite numbers as such."""
    kind = arr.dtype.kind
    if kind == "O" and len(arr) and isinstance(arr[0], (_dt.date, _dt.timedelta, pd.Period)):
        kind = "m" if isinstance(arr[0], _dt.timedelta) else "M"  # Python dates, Timestamps, Periods
    if kind in "mMc" or isinstance(getattr(y, "dtype", None), pd.DatetimeTZDtype | pd.PeriodDtype):
        fix = {"c": "complex numbers; pass their real part or abs", "m": "durations; pass them in days: y / "
               "pd.Timedelta(days=1)"}.get(kind, "dates; pass a number, e.g. days since a start date")
        raise ValueError(f"y holds {fix} (a regressor needs real numbers).")
    try:
        yf = arr.astype(float)
    except OverflowError:
        raise ValueError("y holds numbers beyond float64's ±1.8e308; rescale the target.") from None
    except (TypeError, ValueError):
        raise ValueError("y holds non-numeric values; a regressor needs numeric targets (use a classifier for "
                         "labels).") from None
    if not np.isfinite(yf).all():
        raise ValueError(f"y holds {int((~np.isfinite(yf)).sum())} NaN/inf values (or numbers beyond float64's "
                         "±1.8e308); drop those rows, fill them or rescale the target.")
    return yf

"""How a scorecard's reason sentences write a row's values, its bins and its points: numbers
exact and short, levels quoted, missing as "missing", dates and durations as dates and days
(read as the card's days, whatever form they come in)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..data.dtypes import days_text
from .scorecard_table import is_na
from .values import days_of, escape_text, format_number, py_scalar

__all__ = ["show_value", "days_column", "label_for", "date_bin", "points_text"]


def show_value(v: Any, kind: str = "") -> str:
    """A raw value in a sentence: numbers exact and short, missing as 'missing'; a feature
    fitted on dates or durations (``kind``) as a date or in days, whatever form it came in."""
    v = py_scalar(v)
    if is_na(v):
        return "missing"
    if kind and isinstance(v, (int, float)) and not isinstance(v, bool):  # days already (the fast path)
        return days_text(float(v), kind)
    if kind:
        try:
            days = days_of(pd.Series([v], dtype=object), "value", "datetime" if kind == "date" else kind)
            return days_text(float(v) if days is None else float(days.iloc[0]), kind)  # NaT: "missing"
        except (TypeError, ValueError):
            pass  # not a date after all: the value as it is
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return format_number(float(v))
    return f"'{escape_text(v)}'"


def days_column(column: pd.Series, feature: str, kind: str) -> pd.Series:
    """A date or duration column as the card's days (ISO text, Timestamps, tz-aware), read
    once for all rows; numbers as they are."""
    days = days_of(column, feature, "datetime" if kind == "date" else kind)
    return column if days is None else days


def label_for(v: Any, kind: str):
    """How a row's sentence writes a bin: its label, or for a feature of dates without a time
    (``kind="date"``) given a time, its edges as instants ("(2020-02-18 00:00:00 UTC, ...]"):
    beside 05:00 on the 18th, "(2020-02-18, ...]" would read as starting on the 19th."""
    shown = show_value(v, kind) if kind == "date" else ""
    if not shown.endswith(" UTC"):
        return lambda b: b["bin"]
    return lambda b: b["bin"] if b.get("missing") else date_bin(b["lower"], b["upper"], "datetime")


def date_bin(lower: float, upper: float, kind: str) -> str:
    """A date feature's bin (``lower``, ``upper``] in days, written as dates (``kind="date"``:
    ``(2020-03-21, 2020-04-20]``) or instants (``"datetime"``), each edge floored to the
    microsecond, so a time in microseconds is in the bin exactly when the words say so."""
    return "(" + ", ".join(str(e) if math.isinf(e) else days_text(e, kind, "floor") for e in (lower, upper)) + "]"


def points_text(x: float) -> str:
    """Points in a sentence: two decimals, or three significant digits below 0.01, so a
    loss that makes a reason never reads as "0 more"."""
    x = float(x)
    return format_number((round(x, 2) if abs(x) >= 0.01 or x == 0 else float(f"{x:.3g}")) + 0.0)

"""Value helpers every rule module shares: the ops and links, scalar checks, the typed key
that keeps ``1``, ``1.0``, ``True`` and ``'1'`` apart, number and name formatting, and the
numeric view of a raw column.

The bottom of :mod:`interpretable_nn.rules`: it imports nothing from the package, so
conditions, rule sets and every export can share it without import cycles.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "OPS",
    "LINKS",
    "py_scalar",
    "finite",
    "level",
    "typed_key",
    "format_number",
    "format_points",
    "format_feature",
    "escape_text",
    "numeric_values",
    "check_days_stored",
    "days_features",
    "days_of",
    "check_rule_frame",
    "sigmoid",
]

OPS: tuple[str, ...] = ("<=", ">", "==", "!=", "in", "is_missing")
LINKS: tuple[str, ...] = ("logit", "identity")
_NUMERIC_KINDS = {"integer", "floating", "mixed-integer-float", "boolean", "decimal", "empty"}
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def py_scalar(value: Any) -> Any:
    """Numpy scalars -> the Python scalar they hold."""
    return value.item() if isinstance(value, np.generic) else value


def finite(value: Any, what: str) -> float:
    """``value`` as a finite float; a ValueError naming ``what`` otherwise."""
    value = py_scalar(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a real number; got {value!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite; got {value!r}.")
    return value


def level(value: Any, feature: str) -> str | int | float | bool:
    """``value`` as a category level (str, int, finite float or bool)."""
    value = py_scalar(value)
    if isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ValueError(
        f"Condition on {feature!r}: a category level must be a str, int, finite float or "
        f"bool; got {value!r}. Use op='is_missing' to test for missing values."
    )


def typed_key(value: Any) -> Any:
    """A key that keeps 1, 1.0, True and '1' apart."""
    if isinstance(value, tuple):
        return tuple(typed_key(v) for v in value)
    return (type(value).__name__, value)


def format_number(x: float) -> str:
    """Shortest text that parses back to exactly ``x`` (``1200.0`` -> ``'1200'``)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def format_points(x: float) -> str:
    """A weight with its sign: ``+0.83`` / ``-1.2``."""
    return ("+" if x >= 0 else "") + format_number(x)


def escape_text(text: str) -> str:
    r"""``text`` safe to print on one line: every character that is not printable (control
    characters such as a newline, bidirectional overrides and marks U+202A-U+202E,
    U+2066-U+2069, U+200E/F, line separators) is written as ``repr`` writes it (``\n``,
    ``\u202e``), so user text can neither start a line nor reorder what follows it.

    >>> print(escape_text("Age\nINTERCEPT +100 points"), escape_text("x\u202ey"))
    Age\nINTERCEPT +100 points x\u202ey
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def format_feature(name: str) -> str:
    """A feature name as written in rule text (backticks when it is not a plain name;
    non-printable characters escaped by :func:`escape_text`)."""
    return name if _PLAIN_NAME.match(name) else "`" + escape_text(name).replace("`", "``") + "`"


def numeric_values(column: pd.Series, feature: str, missing: np.ndarray) -> np.ndarray:
    """The column as float64 with NaN where missing; a ValueError when it holds strings.
    Dates and durations are read as the models read them (days since 1970-01-01 UTC, and
    days), so a rule set fitted on a date column scores the raw column as its model does."""
    from ..data.dtypes import column_type, datetime_days, timedelta_days

    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype) or \
            pd.api.types.is_object_dtype(dtype):
        kind = column_type(feature, column)
        if kind in ("datetime", "timedelta"):
            read = datetime_days if kind == "datetime" else timedelta_days
            return read(feature, column).to_numpy(dtype=float, na_value=np.nan)
    if not isinstance(dtype, pd.CategoricalDtype) and (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)
    ):
        return column.to_numpy(dtype=float, na_value=np.nan)
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind not in _NUMERIC_KINDS:
        raise ValueError(
            f"Column {feature!r} holds non-numeric values (inferred {kind!r}) but a rule "
            f"compares it with a number; pass the raw numeric column."
        )
    values = column.to_numpy(dtype=object).copy()  # copy=True shares a pickled str column's array (pandas 3.1)
    values[missing] = np.nan
    return values.astype(float)


def days_of(column: pd.Series, feature: str, converted: str) -> pd.Series | None:
    """A date (``converted="datetime"``) or duration (``"timedelta"``) feature's column given
    as text or objects, as the float days the model read (ISO 8601 text parsed); ``None``
    where there is nothing to convert (another feature, or numbers, which are days already)."""
    if converted not in ("datetime", "timedelta") or pd.api.types.is_numeric_dtype(column.dtype):
        return None
    if pd.api.types.is_object_dtype(column.dtype) and pd.api.types.infer_dtype(column, skipna=True) in _NUMERIC_KINDS:
        return None  # day numbers in an object column (from JSON, or with None): days already
    from ..data.dtypes import datetime_days, timedelta_days

    return (datetime_days if converted == "datetime" else timedelta_days)(feature, column).astype(float)


def days_features(metadata: Mapping[str, Any] | None, used: Sequence[str] | None = None) -> dict[str, str]:
    """``metadata["converted_from"]`` of a scorecard or rule set: the features fitted on dates
    (``"datetime"``, read as days since 1970-01-01 UTC) or durations (``"timedelta"``, days);
    only those in ``used`` when given (the features an export reads)."""
    days = metadata.get("converted_from") if isinstance(metadata, Mapping) else None
    if days is None:
        return {}
    if not isinstance(days, Mapping) or not all(isinstance(k, str) and v in ("datetime", "timedelta")
                                                for k, v in days.items()):
        raise ValueError(f"metadata['converted_from'] must map feature names to 'datetime' or 'timedelta' (what "
                         f"the model read as dates or durations); got {days!r}.")
    keep = None if used is None else set(used)
    return {k: v for k, v in days.items() if keep is None or k in keep}


def word_kinds(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """:func:`days_features` as the words write them: a date feature named in
    ``metadata["whole_days"]`` (fitted on dates without a time) is ``"date"`` (its days
    named), other dates ``"datetime"`` (instants, with their time); a malformed list names none
    (:func:`check_days_names` refuses one where an artefact is read)."""
    days = days_features(metadata)
    whole = metadata.get("whole_days") if isinstance(metadata, Mapping) else None
    whole = set(whole) if isinstance(whole, (list, tuple)) and all(isinstance(w, str) for w in whole) else set()
    return {k: "date" if v == "datetime" and k in whole else v for k, v in days.items()}


def check_days_names(metadata: Mapping[str, Any] | None, known: Sequence[str] | None, what: str) -> None:
    """``metadata["converted_from"]`` checked (:func:`days_features`) and, where the artefact's
    features are ``known``, refused when it names one it lacks: a typo (``'When'`` for
    ``'when'``) left that feature's days read as raw numbers by the SQL, unasked."""
    days = days_features(metadata)
    unknown = [] if known is None else sorted(set(days) - set(known))
    if unknown:
        raise ValueError(f"metadata['converted_from'] names {unknown}, which are not features of the {what} "
                         f"({list(known or [])}); correct the names or drop them.")
    whole = metadata.get("whole_days") if isinstance(metadata, Mapping) else None
    dates = sorted(k for k, v in days.items() if v == "datetime")
    if whole is not None and not (isinstance(whole, list) and all(isinstance(w, str) and w in dates for w in whole)):
        raise ValueError(f"metadata['whole_days'] must list date features of metadata['converted_from'] ({dates}) "
                         f"fitted on dates without a time; got {whole!r}. Correct it or drop it.")


def check_days_stored(metadata: Mapping[str, Any] | None, days_stored: Any, how: str,
                      used: Sequence[str] | None = None) -> dict[str, str]:
    """A scorecard's or rule set's features fitted on dates or durations (``metadata
    ["converted_from"]``: ``{name: "datetime"|"timedelta"}``), refused unless ``days_stored``
    is True: an export that reads numbers (SQL, PMML) cannot know how the caller stores a
    date. ``how`` says what the export reads and how to give it the days; ``used``: the
    features the export reads (a date feature no rule reads asks nothing)."""
    days = days_features(metadata, used)
    if not isinstance(days_stored, (bool, np.bool_)):
        raise ValueError(f"days_stored must be True or False; got {days_stored!r}.")
    if days and not days_stored:
        name, kind = next(iter(days.items()))
        raise ValueError(
            f"Feature {name!r} was fitted on {'dates' if kind == 'datetime' else 'durations'} "
            f"({sorted(days)} in all), which the model reads as "
            f"{'days since 1970-01-01 UTC' if kind == 'datetime' else 'days'}; {how}, then pass days_stored=True (CLI: --days-stored).")
    return days


def str_columns(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with its column labels as text where some are not (a frame made from an array has
    columns 0, 1, ...): the models read column 0 as feature ``"0"``, and so do their rule sets
    and scorecards. Left as it is where two labels would become one."""
    names = [str(c) for c in X.columns]
    if names != list(X.columns) and len(set(names)) == len(names):
        return X.set_axis(names, axis=1)
    return X


def check_rule_frame(X: Any, used: Sequence[str], converted: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``X`` when it is a DataFrame holding every used column exactly once; a copy whose date
    and duration features (``converted``: ``{name: "datetime"|"timedelta"}``) given as text
    are read as days, as their model reads them."""
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"X must be a pandas DataFrame of raw columns; got {type(X).__name__}.")
    X = str_columns(X)
    absent = [f for f in used if f not in X.columns]
    if absent:
        raise ValueError(f"X lacks column(s) used by the rule set: {absent}.")
    dup = [f for f in used if (X.columns == f).sum() > 1]
    if dup:
        raise ValueError(f"X has duplicated column(s) used by the rule set: {dup}.")
    days = {f: d for f in used if (d := days_of(X[f], f, (converted or {}).get(f, ""))) is not None}
    return X.assign(**days) if days else X


def days_frame(X: pd.DataFrame, kinds: Mapping[str, Any]) -> pd.DataFrame:
    """``X`` with its date and duration columns (``kinds`` ``"date"``, ``"datetime"`` or
    ``"timedelta"``; others ignored) read as days once, as :func:`check_rule_frame` reads them."""
    dated = {f: "datetime" if k == "date" else k for f, k in kinds.items() if isinstance(k, str) and f in X.columns}
    return check_rule_frame(X, list(dated), dated) if dated else X


def sigmoid(score: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    out = np.empty_like(score, dtype=np.float64)
    pos = score >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-score[pos]))
    e = np.exp(score[~pos])
    out[~pos] = e / (1.0 + e)
    return out

"""Rows to score read from a CSV file as a saved model's schema says (:func:`read_features`),
shared by the CLI's ``predict`` and the ``monitor`` command, so both read a file the same way.

A categorical column is read as text and mapped back to the levels the model was fitted on
(``"01"`` stays ``"01"``, ``"NA"`` stays a level when it is one); a numeric column is parsed
with Python's correctly rounded float parser (the floats ``DataFrame.to_csv`` wrote come back
bit for bit); a column the model read as dates or durations is handed over as its text, which
the model parses as it did at fit; missing columns are named before the model runs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..data.schema import ISO_DATE
from .csv_io import read_csv

__all__ = ["NA_TEXTS", "cell_number", "column_plan", "missing_cell", "read_features", "shown_cell", "text_dates"]


#: the cell texts pandas reads as missing by default (``pd.read_csv``'s ``na_values``)
try:  # pragma: no cover - the import path is private to pandas
    from pandas._libs.parsers import STR_NA_VALUES as _NA
except ImportError:  # pragma: no cover
    _NA = {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
           "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
NA_TEXTS = frozenset(_NA)


def column_plan(model) -> dict[str, tuple[str, list]]:
    """``{column: ("categorical", levels) | ("numeric", []) | ("text", []) | ("any", [])}`` for
    the columns ``model`` reads (``"text"``: dates or durations, parsed by the model): a saved model's schema, or for a rule set the kinds its conditions test
    (``"any"``: a column no rule tests, read as a number when every cell is one)."""
    enc = getattr(model, "encoder_", None)
    schema = getattr(enc, "schema_", None)
    if schema is not None:
        return {f.name: ("categorical", list(f.categories)) if f.kind == "categorical"
                else ("text", []) if getattr(f, "converted_from", "") else ("numeric", []) for f in schema}
    plan: dict[str, tuple[str, list]] = {}
    for rule in getattr(model, "rules", ()):
        for c in rule.conditions:
            if c.op in ("<=", ">"):
                plan.setdefault(c.feature, ("numeric", []))
            elif c.op in ("==", "!=", "in"):
                kind, levels = plan.setdefault(c.feature, ("categorical", []))
                if kind == "categorical":
                    levels.extend(v for v in (c.value if c.op == "in" else [c.value]) if v not in levels)
    for name in getattr(model, "feature_names", None) or []:
        plan.setdefault(name, ("any", []))
    for name in _converted(model):  # a rule set's dates: its conditions test days, the file holds dates
        plan[name] = ("text", [])
    return plan


def _converted(model) -> dict[str, str]:
    """``{column: "datetime" | "timedelta"}``: what ``model`` read as days, by its schema or, for
    a rule set, its ``metadata["converted_from"]``."""
    schema = getattr(getattr(model, "encoder_", None), "schema_", None)
    if schema is not None:
        return {f.name: f.converted_from for f in schema if getattr(f, "converted_from", "")}
    days = (getattr(model, "metadata", None) or {}).get("converted_from")
    return {k: v for k, v in days.items() if v in ("datetime", "timedelta")} if isinstance(days, dict) else {}


def shown_cell(v, width: int = 40) -> str:
    """A cell for a message: its repr, cut to ``width`` characters of text."""
    return repr(v) if len(str(v)) <= width else repr(str(v)[:width]) + f" (cut; {len(str(v))} characters)"


def _levels_lookup(levels: list) -> dict[str, Any]:
    """Cell text -> level: ``str(level)``; for whole floats also ``"1"`` for ``1.0``; for
    booleans also the spellings pandas reads as them (``TRUE``, ``true``: Excel writes those)."""
    out: dict[str, Any] = {}
    for v in levels:
        out.setdefault(str(v), v)
        if isinstance(v, bool):
            out.setdefault(str(v).upper(), v), out.setdefault(str(v).lower(), v)
    for v in levels:
        if isinstance(v, float) and v.is_integer():
            out.setdefault(str(int(v)), v)
    return out


def _categorical(raw, levels: list):
    import numpy as np

    lookup = _levels_lookup(levels)
    numbers = {float(v): v for v in levels if isinstance(v, (int, float)) and not isinstance(v, bool)}
    vals = raw.astype(object).to_numpy()
    out = np.empty(len(vals), dtype=object)
    for i, v in enumerate(vals):
        if not isinstance(v, str):
            out[i] = np.nan
        elif v in lookup:
            out[i] = lookup[v]
        elif v in NA_TEXTS:
            out[i] = np.nan
        else:
            out[i] = numbers.get(cell_number(v), v) if numbers else v  # an unseen level stays itself
    return out


#: a number as pandas' CSV parser spells one: ASCII digits, no ``_`` ("1_000"), no full-width
#: digits ("１２"), an optional exponent; ``inf``/``infinity`` in any case (refused where read)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?", re.ASCII | re.IGNORECASE)
_NAN = re.compile(r"[+-]?nan", re.ASCII | re.IGNORECASE)


def cell_number(text) -> float | None:
    """The number a CSV cell's text spells, the one reading of cells that ``fit --csv`` (for a
    column pandas left as text) and ``predict`` share: NaN for a blank cell, a missing-value
    word (:data:`NA_TEXTS`) or any spelling of ``nan`` ("NAN", "+nan"); None for text. Spaces
    around the cell are dropped. Python's ``float`` alone would also read "1_000" and
    full-width digits, which pandas reads as text: one file would then be two tables."""
    if not isinstance(text, str):
        return float("nan")
    s = text.strip()
    if s in NA_TEXTS or _NAN.fullmatch(s):
        return float("nan")
    return float(s) if _NUMBER.fullmatch(s) else None


def missing_cell(text) -> bool:
    """Whether a cell is missing as :func:`cell_number` reads it (a blank cell, a missing-value
    word or a spelling of ``nan``); text that is no number is not."""
    number = cell_number(text)
    return number is not None and number != number


def _any(raw):
    """A column the model does not test: numbers when every cell is one, else text."""
    import numpy as np

    vals = [np.nan if not isinstance(v, str) or v.strip() in NA_TEXTS else v for v in raw.astype(object)]
    nums = [cell_number(v) for v in vals]
    if all(n is not None for n in nums):
        return np.array(nums, dtype=float)
    return np.array(vals, dtype=object)


#: cells a date or duration column holds for a missing value beside pandas' words (``str(pd.NaT)``)
_NO_TIME = NA_TEXTS | {"NaT"}


def _text(raw, column: str = "", path: Path | str = "", kind: str = ""):
    """A date or duration column as the model read it at fit: dates (``kind="datetime"``,
    :func:`parse_dates`) or durations (``"timedelta"``, :func:`parse_durations`), a cell that
    is neither refused naming its row; the missing-value words (and ``NaT``) as missing."""
    import numpy as np

    parsed, bad = (parse_dates if kind == "datetime" else parse_durations)(_time_cells(raw))
    if len(bad):  # said as a number column's cell is
        more = f" (and {len(bad) - 1} more such cell(s))" if len(bad) > 1 else ""
        how = ("dates; write it as an ISO 8601 date (2024-01-31, 2024-01-31 12:00, 2024-01-31T12:00:00+01:00)"
               if kind == "datetime" else "durations; write it as a duration (3 days 12:00:00, 84:00:00) or a number "
               "of days")
        raise ValueError(f"column {column!r} of {path} (data row {bad[0] + 1}) holds {shown_cell(raw.iloc[bad[0]])}{more}, "
                         f"but the model reads {column!r} as {how}, or blank that cell (a blank cell is a missing value).")
    return parsed if kind == "datetime" else np.asarray(parsed)


def _time_cells(raw):
    """A column's cells as a date or duration reader takes them: stripped text, with the
    missing-value words, ``NaT`` and anything not text as None."""
    import pandas as pd

    return pd.Series([None if not isinstance(v, str) or v.strip() in _NO_TIME else v.strip()
                      for v in raw.astype(object)], index=raw.index, dtype=object)


def _matching(text, pattern, parse):
    """``(values, bad)``: ``parse`` (coercing) of the text cells that ``pattern`` matches
    whole, and the positions of the filled cells it gave no value (unmatched or unparsable)."""
    import numpy as np

    ok = np.array([isinstance(v, str) and pattern.fullmatch(v) is not None for v in text], dtype=bool)
    values = parse(text.where(ok, None))
    return values, np.flatnonzero(text.notna().to_numpy() & values.isna().to_numpy())


def parse_durations(cells):
    """``(durations, bad)``: the text ``cells`` (a Series; None: missing) as durations, read as
    pandas reads them (``'3 days 12:00:00'``, ``'84:00:00'``, ``'P3DT12H'``) and a bare number
    as days, as the Python API reads a number in a duration column (``pd.to_timedelta('3')``
    is 3 nanoseconds); ``bad``: the positions of the filled cells that are neither."""
    import numpy as np
    import pandas as pd

    out, bad = [], []
    for i, v in enumerate(cells):
        if v is None:
            out.append(pd.NaT)
            continue
        number = cell_number(v)
        try:
            out.append(pd.Timedelta(days=number) if number is not None and np.isfinite(number) else pd.Timedelta(v))
        except (ValueError, OverflowError):
            out.append(pd.NaT)
            bad.append(i)
    return pd.Series(pd.to_timedelta(out), index=cells.index), np.array(bad, dtype=np.int64)


def parse_dates(cells):
    """``(dates, bad)``: the text ``cells`` (a Series; None: missing) as UTC dates, read as a
    model reads ISO 8601 text at fit (``pd.to_datetime(utc=True, format="ISO8601")``), and the
    positions of the filled cells that are no date (``'?'``, ``'2023-02-29'``, ``'31/01/2024'``)."""
    import pandas as pd

    return _matching(cells.astype(object).where(cells.notna(), None), ISO_DATE,
                     lambda t: pd.to_datetime(t, utc=True, format="ISO8601", errors="coerce"))


def _numeric(raw, column: str, path: Path):
    import numpy as np

    vals = raw.astype(object).to_numpy()
    out = np.empty(len(vals), dtype=float)
    for i, v in enumerate(vals):
        number = cell_number(v)
        if number is None:
            raise ValueError(
                f"column {column!r} of {path} (data row {i + 1}) holds {shown_cell(v)}, but the model reads {column!r} "
                "as a number; fix or blank that cell (a blank cell is a missing value)."
            )
        out[i] = number
        if np.isinf(number):  # 'inf', '-Infinity', '1e999': the file's cell, not a frame's "X"
            raise ValueError(
                f"column {column!r} of {path} (data row {i + 1}) holds {shown_cell(v)}, an infinite number; blank that "
                "cell (a blank cell is a missing value) or give a finite number."
            )
    return out


def read_features(path, model, *, encoding: str = "utf-8", id_column: str | None = None, what: str = "--input"):
    """(X, ids) from a CSV file of rows to score, each column read as ``model``'s schema says.

    Columns the model does not read are dropped; ``id_column`` (if present) is returned as
    ``ids`` (text, as written) and left out of ``X`` unless the model reads it as a feature.
    A column the model needs and the file lacks is a ValueError naming it.
    """
    import pandas as pd

    plan, converted = column_plan(model), _converted(model)
    raw = read_csv(path, what=what, encoding=encoding, dtype=str, keep_default_na=False, na_filter=False,
                   keep={*plan, id_column})  # a model fitted on 'Unnamed: 0' reads the same file
    p = Path(path)
    missing = [c for c in plan if c not in raw.columns]
    if missing:
        spaced = all(c != c.lstrip() and c.lstrip() in raw.columns for c in missing)
        hint = (" The model was fitted on names with a leading space (a file written 'a, b' read before the "
                "commands skipped the space after a comma): refit it on this file, or quote those names in the "
                "header (\" home\")." if spaced else "")
        raise ValueError(f"{what} {p} lacks the model's columns {missing}; its columns are {list(raw.columns)}.{hint}")
    ids = None
    if id_column and id_column in raw.columns:
        ids = raw[id_column].astype(object)
    read = {name: (_categorical(raw[name], levels) if kind == "categorical" else _any(raw[name]) if kind == "any"
                   else _text(raw[name], name, p, converted.get(name, "")) if kind == "text"
                   else _numeric(raw[name], name, p))
            for name, (kind, levels) in plan.items()}
    return pd.DataFrame(read, index=raw.index), ids  # one frame: column by column, pandas warned past 100


#: a duration as pandas writes one (``DataFrame.to_csv`` of a timedelta64 column: ``3 days 08:00:00``)
_DURATION = re.compile(r"-?\d+ days?(?: [+-]?\d{1,2}:\d{2}:\d{2}(?:\.\d{1,9})?)?", re.ASCII)  # "45 days": whole days


def _durations_as_written(text):
    """``(durations, bad)`` of text cells (None: missing), as :func:`parse_dates` for dates:
    only cells pandas' duration spelling (:data:`_DURATION`) are durations at fit."""
    import pandas as pd

    return _matching(text, _DURATION, lambda t: pd.to_timedelta(t, errors="coerce"))


def text_dates(X, keep: set, path: Path | str = "", say=print):
    """``X`` with every text column of ISO 8601 dates or date-times (``2024-01-31``,
    ``2024-01-31 12:00``, ``...T12:00:00+01:00``, ``... 12:00:00+00``: what databases and
    spreadsheets export) read as dates, as a frame's datetime64 column is: the model learns
    days, one shape over time. As text, each date was a category of its own, and every date
    after training scored as unseen. Durations as pandas writes them (``3 days 08:00:00``)
    are read as durations likewise. A column of dates (durations) with some other cells
    (``'?'``, ``'2023-02-29'``) in at least half its filled cells is refused naming the
    others, as a number column with words is: as categories they would be levels with no
    order. Columns in ``keep`` (``--categorical``) stay text; ``say`` tells the user which
    columns were read so. ``NaT`` (``str(pd.NaT)``) is a missing value, as pandas' words are."""
    import shlex

    import pandas as pd

    X = X.copy()
    for name in X.columns:
        cells = X[name]
        if name in keep or not all(isinstance(v, str) for v in cells.dropna()) or cells.isna().all():
            continue
        distinct = [v.strip() for v in pd.unique(cells.dropna())]  # by distinct cell: a column of words is fast
        kind = ("dates" if any(ISO_DATE.fullmatch(v) for v in distinct)
                else "durations" if any(_DURATION.fullmatch(v) for v in distinct) else None)
        if kind is None:
            continue
        text = _time_cells(cells)
        values, bad = parse_dates(text) if kind == "dates" else _durations_as_written(text)
        good = values.notna()
        if len(bad) and good.sum() < len(bad):
            continue  # fewer than half the filled cells: categories, as pandas read them
        if len(bad):
            shown = ", ".join(f"{shown_cell(cells.iloc[i])} (data row {i + 1})" for i in bad[:3])
            how = "ISO 8601 dates" if kind == "dates" else "durations (3 days 08:00:00)"
            raise ValueError(f"column {name!r} of {path} holds {kind} in {int(good.sum())} row(s) and other text in "
                             f"{len(bad)}: {shown}{'...' if len(bad) > 3 else ''}; write those cells as {how} "
                             "or blank them (a blank cell is a missing value), or, if it is a code, read it as "
                             f"categories: --categorical {shlex.quote(str(name))}.")
        X[name] = pd.Series(values, index=X.index)
        say(f"column {name!r} read as {kind} ({'ISO 8601' if kind == 'dates' else 'pandas'}): the model learns days "
            f"(--categorical {shlex.quote(str(name))} keeps it text)")
    return X

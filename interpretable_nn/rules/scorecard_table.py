"""The table behind a :class:`~interpretable_nn.rules.scorecard.Scorecard`: its columns,
the validation that makes a table a scorecard (:func:`read_table`: disjoint bins, bin ids
0..n-1, interactions over the scorecard's own features), the :class:`Term` view that
scoring and the SQL export read, and :func:`assign_bins`, the one place a raw value meets
its bin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.validation import DAYS_LIMIT
from .values import days_of, format_number, numeric_values, py_scalar

__all__ = ["COLUMNS", "BASE", "KINDS", "Term", "assign_bins", "read_table", "number", "is_na"]


#: the columns of :attr:`Scorecard.table`
COLUMNS = ["feature", "kind", "bin", "points", "bin_id", "bin_id_b", "lower", "upper", "level", "missing"]


def table_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The rows of a scorecard table as a DataFrame whose ``level`` column keeps each level
    as given: pandas stores whole numbers beside ``None`` as float64, which rounds a code
    above 2**53 (two codes became one level) and writes grades 1..5 as 1.0..5.0."""
    frame = pd.DataFrame(list(rows), columns=COLUMNS)
    frame["level"] = pd.Series([r.get("level") for r in rows], index=frame.index, dtype=object)
    return frame
#: the feature name of the base row
BASE = "(base)"
KINDS = ("base", "numeric", "categorical", "pair")


def _numbers(values: pd.Series, feature: str, converted: str = "") -> np.ndarray:
    """A numeric feature's raw column as float64 (NaN: missing), read as the models read it:
    dates as days since 1970-01-01 UTC and durations as days
    (:func:`~interpretable_nn.rules.values.numeric_values`), numbers given as text parsed;
    text that is no number is a ``ValueError`` naming the column (it scored 0 points
    unsaid, while SQLite read it as 0)."""
    isna = values.isna().to_numpy()
    dtype = values.dtype
    days = days_of(values, feature, converted)  # the card knows the column held dates: ISO text is parsed
    if days is not None:
        return days.to_numpy(dtype=float, na_value=np.nan)
    if (pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype)
            or (pd.api.types.is_object_dtype(dtype)
                and pd.api.types.infer_dtype(values, skipna=True) in ("datetime", "datetime64", "date",
                                                                       "timedelta", "timedelta64"))):
        return numeric_values(values, feature, isna)
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if converted in ("datetime", "timedelta") and (np.abs(v[~np.isnan(v)]) > DAYS_LIMIT).any():
        raise ValueError(  # as the model refuses them: 1.6e9 seconds for 2020 read as days is the year 4.4 million
            f"Column {feature!r} holds numbers beyond {DAYS_LIMIT:,} in magnitude, but the scorecard bins "
            f"{'dates' if converted == 'datetime' else 'durations'} there as days (e.g. 19000 for 2022); "
            "nanoseconds or seconds since 1970? Pass datetime64 values or ISO 8601 text.")
    bad = np.isnan(v) & ~isna
    if bad.any():
        shown = pd.unique(values[bad].astype(str))[:3].tolist()
        raise ValueError(f"Column {feature!r} holds values that are not numbers ({shown}) where the scorecard "
                         "bins numbers; pass the raw numeric column (missing values as NaN / None).")
    return v


def assign_bins(bins: Sequence[Mapping[str, Any]], values: pd.Series, numeric: bool,
                feature: str | None = None, converted: str = "") -> np.ndarray:
    """Bin index of every value of ``values`` (-1: no bin, which scores 0 points).

    ``bins`` are mappings with ``lower``, ``upper`` (numeric: the interval ``(lower,
    upper]``; a lowest bin with ``lower=-inf`` also holds ``-inf``, as the SQL export's
    does), ``level`` (categorical) and ``missing`` (the bin of missing values: NaN, None,
    ``pd.NA``, NaT). ``converted``: ``"datetime"`` or ``"timedelta"`` for a feature the
    model read as days (a card's ``metadata["converted_from"]``), so ISO text is parsed.
    """
    out = np.full(len(values), -1, dtype=np.int64)
    isna = values.isna().to_numpy()
    name = str(values.name if feature is None else feature)
    if not any(b["missing"] for b in bins):  # as the model warns (its missing slot scores 0 too)
        from ..data.ranges import warn_missing_scored

        warn_missing_scored(name, int(isna.sum()), "but the scorecard has no bin for them: they score 0 points")
    if numeric:
        v = _numbers(values, name, converted)
        for k, b in enumerate(bins):
            if b["missing"]:
                out[isna] = k
            else:
                above = v > b["lower"] if b["lower"] > -math.inf else np.ones(len(v), dtype=bool)
                out[~isna & above & (v <= b["upper"])] = k
        return out
    vals = values.to_numpy(dtype=object).copy()  # copy=True shares a pickled str column's array (pandas 3.1)
    vals[isna] = None  # pd.NA compares to nothing (its == is NA, which no mask can hold)
    for k, b in enumerate(bins):
        if b["missing"]:
            out[isna] = k
        else:
            out[~isna & (vals == b["level"]).astype(bool)] = k
    unseen = (out < 0) & ~isna
    if not isna.all():  # as the model warns: 1 for '1', or integer codes for the levels, score 0 unsaid otherwise
        from ..data.encoding import warn_unseen

        levels = pd.Index([b["level"] for b in bins if not b["missing"]], dtype=object)
        warn_unseen(name, values.reset_index(drop=True), unseen, isna,
                    levels, "score 0 points: the scorecard has no bin for them")
    return out


@dataclass(frozen=True)
class Term:
    """One term of a scorecard, as scoring and the SQL export read it.

    ``bins`` (main terms): one dict per bin id ``0..n-1`` with ``bin`` (label), ``lower``,
    ``upper``, ``level``, ``missing`` and ``points``. ``cells`` (interactions): ``(bin id of
    A, bin id of B) -> (label, points)``. ``best``: the highest points of the term."""

    name: str
    kind: str
    features: tuple[str, ...]
    bins: tuple[dict, ...] = ()
    cells: dict = field(default_factory=dict)
    best: float = 0.0

    @property
    def points(self) -> list[float]:
        """Every bin's or cell's points."""
        return [b["points"] for b in self.bins] + [p for _, p in self.cells.values()]


def number(v: Any, where: str, allow_inf: bool = False) -> float:
    v = py_scalar(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{where} must be a number; got {v!r}.")
    v = float(v)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise ValueError(f"{where} must be finite; got {v!r}.")
    return v


def _level(v: Any, where: str) -> Any:
    v = py_scalar(v)
    if isinstance(v, (str, bool, int)) or (isinstance(v, float) and math.isfinite(v)):
        return v
    raise ValueError(f"{where}: a level must be a str, int, finite float or bool; got {v!r}.")


def is_na(v: Any) -> bool:
    """Missing: None, ``pd.NA``, NaN, or NaT (a datetime64 column's missing date)."""
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, (np.datetime64, np.timedelta64)) and np.isnat(v))


def _records(table: pd.DataFrame) -> list[dict]:
    """The table's rows as validated records with every column of :data:`COLUMNS`."""
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"A scorecard table must be a pandas DataFrame; got {type(table).__name__}.")
    absent = [c for c in ("feature", "kind", "points") if c not in table.columns]
    if absent:
        raise ValueError(f"The scorecard table lacks column(s) {absent}; it needs {COLUMNS}.")
    rows = []
    seen: dict[str, int] = {}
    for i, r in enumerate(table.to_dict("records")):
        where = f"scorecard row {i}"
        kind, feature = r["kind"], r["feature"]
        if kind not in KINDS:
            raise ValueError(f"{where}: kind must be one of {list(KINDS)}; got {kind!r}.")
        if not isinstance(feature, str):
            raise ValueError(f"{where}: feature must be a str; got {feature!r}.")
        missing = bool(py_scalar(r.get("missing", False))) if not is_na(r.get("missing", False)) else False
        bin_id = r.get("bin_id", None)
        if kind in ("numeric", "categorical") and is_na(bin_id):
            bin_id = seen.get(feature, 0)
        seen[feature] = seen.get(feature, 0) + 1
        rec = {
            "feature": feature, "kind": kind,
            "bin": "" if is_na(r.get("bin", "")) else str(r.get("bin", "")),
            "points": number(r["points"], f"{where} ({feature!r}) points"),
            "bin_id": -1 if kind == "base" or is_na(bin_id) else int(number(bin_id, f"{where} bin_id")),
            "bin_id_b": -1, "lower": math.nan, "upper": math.nan, "level": None, "missing": False,
        }
        if kind == "pair":
            rec["bin_id_b"] = int(number(r.get("bin_id_b"), f"{where} bin_id_b"))
        elif kind == "numeric":
            rec["missing"] = missing
            if not missing:
                rec["lower"] = number(r.get("lower"), f"{where} ({feature!r}) lower", allow_inf=True)
                rec["upper"] = number(r.get("upper"), f"{where} ({feature!r}) upper", allow_inf=True)
                if not rec["lower"] <= rec["upper"] or rec["lower"] == math.inf or rec["upper"] == -math.inf:
                    raise ValueError(f"{where} ({feature!r}): the bin (lower, upper] = "
                                     f"({rec['lower']}, {rec['upper']}] is not an interval.")
        elif kind == "categorical":
            rec["missing"] = missing
            if not missing:
                rec["level"] = _level(r.get("level"), f"{where} ({feature!r})")
        if not rec["bin"] and kind != "base":
            rec["bin"] = ("missing" if rec["missing"] else str(rec["level"]) if kind == "categorical" else
                          f"({format_number(rec['lower'])}, {format_number(rec['upper'])}]" if kind == "numeric" else "")
        rows.append(rec)
    labels = {(r["feature"], r["bin_id"]): r["bin"] for r in rows if r["kind"] in ("numeric", "categorical")}
    for r in rows:  # a pair cell without a label: "A: bin & B: bin"
        if r["kind"] == "pair" and not r["bin"]:
            a, _, b = r["feature"].partition(" x ")
            r["bin"] = f"{a}: {labels.get((a, r['bin_id']), r['bin_id'])} & {b}: {labels.get((b, r['bin_id_b']), r['bin_id_b'])}"
    return rows


def _terms(rows: list[dict]) -> tuple[float, list[Term]]:
    """(base points, the terms in order: main features, then interactions)."""
    base = float(sum(r["points"] for r in rows if r["kind"] == "base")) if any(
        r["kind"] == "base" for r in rows) else 0.0
    by: dict[str, list[dict]] = {}
    kinds: dict[str, str] = {}
    for r in rows:
        if r["kind"] == "base":
            continue
        if kinds.setdefault(r["feature"], r["kind"]) != r["kind"]:
            raise ValueError(f"Scorecard term {r['feature']!r} has rows of kinds {kinds[r['feature']]!r} and {r['kind']!r}.")
        by.setdefault(r["feature"], []).append(r)
    mains, pairs = [], []
    for name, rs in by.items():
        if kinds[name] == "pair":
            continue
        rs = sorted(rs, key=lambda r: r["bin_id"])
        if [r["bin_id"] for r in rs] != list(range(len(rs))):
            raise ValueError(f"Scorecard feature {name!r}: bin_id must be 0..{len(rs) - 1}, once each.")
        _check_disjoint(name, rs, kinds[name] == "numeric")
        bins = tuple({k: r[k] for k in ("bin", "lower", "upper", "level", "missing", "points")} for r in rs)
        mains.append(Term(name, kinds[name], (name,), bins=bins, best=max(b["points"] for b in bins)))
    index = {t.name: t for t in mains}
    for name, rs in by.items():
        if kinds[name] != "pair":
            continue
        a, sep, b = name.partition(" x ")
        if not sep or a not in index or b not in index:
            raise ValueError(f"Scorecard interaction {name!r} must be named 'A x B' with A and B "
                             "features of the scorecard.")
        cells = {}
        for r in rs:
            key = (r["bin_id"], r["bin_id_b"])
            if key in cells:
                raise ValueError(f"Scorecard interaction {name!r} lists cell {key} twice.")
            if not (0 <= key[0] < len(index[a].bins) and 0 <= key[1] < len(index[b].bins)):
                raise ValueError(f"Scorecard interaction {name!r}: cell {key} names a bin that {a!r} or {b!r} lacks.")
            cells[key] = (r["bin"], r["points"])
        pairs.append(Term(name, "pair", (a, b), cells=cells, best=max(p for _, p in cells.values())))
    return base, mains + pairs


def _check_disjoint(name: str, rs: list[dict], numeric: bool) -> None:
    """At most one missing bin, no level twice, no two intervals overlapping: then the
    first bin a value falls in (SQL's CASE) is the only one (Python's assignment)."""
    if sum(r["missing"] for r in rs) > 1:
        raise ValueError(f"Scorecard feature {name!r} has more than one missing bin.")
    if numeric:
        iv = sorted((r["lower"], r["upper"]) for r in rs if not r["missing"])
        for (_, up), (lo, _) in zip(iv, iv[1:]):
            if lo < up:
                raise ValueError(f"Scorecard feature {name!r}: bins overlap at ({lo}, {up}].")
    else:
        levels = [r["level"] for r in rs if not r["missing"]]
        if len({(type(v).__name__, v) for v in levels}) < len(levels):
            raise ValueError(f"Scorecard feature {name!r} lists a level twice. (A table whose level column is "
                             "float64 has rounded whole numbers above 2**53: build it with dtype=object.)")
        if len({isinstance(v, str) for v in levels}) > 1:
            raise ValueError(f"Scorecard feature {name!r} mixes text and number levels ({levels[:4]}): a database "
                             "compares them by its column's type and Python does not; give the levels one type.")
        first: dict = {}
        for v in levels:  # 1, 1.0 and True are equal (and hash equal) to Python and to SQL
            if first.setdefault(v, v) is not v:
                raise ValueError(f"Scorecard feature {name!r} lists levels {first[v]!r} and {v!r}, which compare "
                                 "equal; keep one.")


def _check_reach(base: float, terms: list[Term]) -> None:
    """Refuse a card whose score can reach 2**53: there float64 (Python's sums, SQL's DOUBLE)
    no longer holds every whole number, so points are lost in the sum (base points 1e17
    scored every applicant alike) and Python and SQL may round a score differently."""
    reach = abs(base) + sum(max(abs(p) for p in t.points) for t in terms if t.points)
    if not reach < 2**53:
        raise ValueError(f"The scorecard's scores reach {reach:.3g}: from 2**53 (about 9.0e15) on, float64 and SQL "
                         "doubles cannot add points exactly. Use smaller points (to_scorecard: a smaller pdo and "
                         "base_score; the usual scale is pdo=20, base_score=600).")


def read_table(table: pd.DataFrame) -> tuple[list[dict], float, list[Term]]:
    """(validated rows with every column of :data:`COLUMNS`, base points, terms in order)."""
    rows = _records(table)
    base, terms = _terms(rows)
    _check_reach(base, terms)
    return rows, base, terms

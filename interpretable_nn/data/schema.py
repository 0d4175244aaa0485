"""Feature schema: what each raw column is, inferred once from the training frame.

A :class:`FeatureSchema` records for every column its kind (``numeric``, ``binary`` or
``categorical``), whether missing values were seen, the value range and quantiles of numeric
columns, the levels of categorical ones and an optional monotone direction. It is plain
data (JSON round-trip) and is what every later stage, from the encoder to rule exports,
uses to speak in the feature's own names and units.

Kinds
-----
numeric
    A real-valued column (int, float). Encoded standardized, with a missing indicator.
binary
    A numeric column with at most two distinct values (e.g. 0/1 flags). Encoded like a
    numeric column; models may treat it as a two-level lookup.
categorical
    Strings, pandas ``category``, booleans, or any column the user names in
    ``categorical=``. Encoded as integer codes with a reserved *missing* and *unseen* level.
    Strings stay strings even when they read as numbers (codes like ``"01"`` keep their
    leading zero); a text column of more than 20 distinct levels that all read as numbers
    gets a :class:`NumericTextWarning` (an amount stored as text?), as does one whose every
    value is an ISO 8601 date (dates stored as text: pass them as datetime64). A text column
    with a different value in nearly every row gets an :class:`IdentifierColumnWarning`.

Dates and durations are numeric features in days (``converted_from`` says which); the
conversion of every column type is in :mod:`interpretable_nn.data.dtypes`.
"""

from __future__ import annotations

import re
import shlex
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .dtypes import CONVERSIONS, datetime_days, timedelta_days
from .stacklevel import user_stacklevel

__all__ = ["FeatureSpec", "FeatureSchema", "IdentifierColumnWarning", "NumericTextWarning", "UnnamedColumnWarning",
           "infer_schema", "to_json_value", "ISO_DATE"]

KINDS = ("numeric", "binary", "categorical")

#: ``DataFrame.attrs`` key under which :func:`~interpretable_nn.data.validation.check_frame`
#: lists the columns it converted (``{column: "datetime" | "timedelta"}``)
CONVERTED_ATTR = "interpretable_nn.converted_from"

#: a text column with more distinct levels than this, all reading as numbers, is warned about
NUMERIC_TEXT_LEVELS = 20
#: a number with a currency sign before it, or a unit, currency or percent sign after it, and
#: optional thousands separators: '59.7 €', '$1,200', '12%', '3 kg' (a letter right after the
#: digits, as in a code '12A', is not a unit)
_UNIT_NUMBER = re.compile(r"^\s*[$€£¥]?\s*[-+]?(?:\d{1,3}(?:[,' ]\d{3})+|\d+)(?:[.,]\d+)?"
                          r"(?:\s*[%$€£¥]|\s+[A-Za-z]{1,5})?\s*$")


class NumericTextWarning(UserWarning):
    """A text column whose many levels all (or in most rows) read as numbers is treated as categorical."""


class IdentifierColumnWarning(UserWarning):
    """A text column with a different value in nearly every training row (an identifier, a
    name, free text): each level is seen about once, and new rows' values score as unseen."""


#: a text cell that is an ISO 8601 date or date-time (what databases and spreadsheets export)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?",
                      re.ASCII)  # '+00' as PostgreSQL writes a timestamptz; ASCII digits, as pandas parses
#: an :class:`IdentifierColumnWarning` needs at least this many filled rows, and distinct
#: values in at least this share of them
IDENTIFIER_ROWS, IDENTIFIER_SHARE = 30, 0.9


class UnnamedColumnWarning(UserWarning):
    """A column with no name in a CSV header: the commands leave it out (pandas' ``to_csv``
    without ``index=False`` and R's ``write.csv`` write the row numbers so); a frame that
    holds one as pandas names it (``'Unnamed: 0'``) is told so at fit."""


#: pandas' name for a CSV column whose header cell is empty
_UNNAMED = re.compile(r"Unnamed: \d+(?:\.\d+)?(?:_level_\d+)?")  # 'Unnamed: 0.1': a second such column


def to_json_value(v: Any) -> Any:
    """A category level as a JSON-safe Python scalar (numpy scalars unwrapped)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        # keep floats as floats: 1.0 and 1 are different raw values for a reviewer
        return float(v)
    return v


#: the label dtypes a saved model restores as they were fitted (others come back as numpy infers them)
CLASS_DTYPES = frozenset({"bool", "object", *(f"int{b}" for b in (8, 16, 32, 64)),
                          *(f"uint{b}" for b in (8, 16, 32, 64)), "float16", "float32", "float64"})


def classes_state(classes: np.ndarray) -> dict[str, Any]:
    """A fitted ``classes_`` as JSON: the labels and their dtype, so a loaded model predicts
    labels of the type it predicted before saving (``int32`` labels came back ``int64``)."""
    out: dict[str, Any] = {"classes_": [to_json_value(c) for c in classes]}
    if str(classes.dtype) in CLASS_DTYPES:
        out["classes_dtype_"] = str(classes.dtype)
    return out


def classes_from_state(state: dict[str, Any]) -> np.ndarray:
    """The ``classes_`` array :func:`classes_state` wrote (files without a dtype: as numpy infers)."""
    dtype = state.get("classes_dtype_")
    return np.array(state["classes_"], dtype=dtype if dtype in CLASS_DTYPES else None)


@dataclass
class FeatureSpec:
    """One raw column.

    Attributes
    ----------
    name : str
    kind : {"numeric", "binary", "categorical"}
    dtype : str
        The pandas dtype seen at fit time (for messages and exports).
    has_missing : bool
        Whether missing values were seen in training.
    min, max, mean, std : float or None
        Numeric summary over the non-missing training values.
    quantiles : list of float
        Distinct training quantiles (at most 257 points) for numeric features: knots,
        threshold candidates and plot grids come from here.
    categories : list
        Levels of a categorical feature, most frequent first (raw values, JSON-safe).
    monotone : int
        +1 (increasing), -1 (decreasing) or 0 (free): the user's policy for the feature.
    converted_from : {"", "datetime", "timedelta"}
        ``"datetime"``: the column held dates, read as float days since 1970-01-01 UTC;
        ``"timedelta"``: durations, read as float days; ``""``: no conversion.
    whole_days : bool
        A date feature whose training dates were all midnights UTC (dates without a time):
        its words name days ("2020-01-22 or earlier"); other dates are instants, worded with
        their time.
    """

    name: str
    kind: str
    dtype: str = ""
    has_missing: bool = False
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    std: float | None = None
    quantiles: list[float] = field(default_factory=list)
    categories: list[Any] = field(default_factory=list)
    monotone: int = 0
    converted_from: str = ""
    whole_days: bool = False

    @property
    def word_kind(self) -> str:
        """How the feature's values are worded: ``"date"`` (dates without a time),
        ``"datetime"`` (instants), ``"timedelta"`` (days) or ``""`` (as numbers or levels)."""
        return "date" if self.converted_from == "datetime" and self.whole_days else self.converted_from

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("numeric", "binary")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> FeatureSpec:
        if d.get("kind") not in KINDS:
            raise ValueError(f"Feature {d.get('name')!r}: unknown kind {d.get('kind')!r}; expected one of {KINDS}.")
        if d.get("converted_from", "") not in ("", *CONVERSIONS):
            raise ValueError(
                f"Feature {d.get('name')!r}: unknown conversion {d.get('converted_from')!r}; "
                f"expected one of {['', *CONVERSIONS]}."
            )
        if "whole_days" not in d and d.get("converted_from") == "datetime":  # saved before stop 76: its first and
            d = {**d, "whole_days": all(isinstance(v, (int, float)) and float(v).is_integer()  # last dates midnights
                                        for v in (d.get("min"), d.get("max")))}
        if not isinstance(d.get("whole_days", False), bool) or (d.get("whole_days") and d.get("converted_from") != "datetime"):
            raise ValueError(f"Feature {d.get('name')!r}: whole_days must be true (a date feature only) or false; "
                             f"got {d['whole_days']!r}.")
        return cls(**d)


@dataclass
class FeatureSchema:
    """The ordered list of :class:`FeatureSpec` of a training frame.

    Examples
    --------
    >>> import pandas as pd
    >>> s = infer_schema(pd.DataFrame({"age": [30, 40, None, 52], "home": ["rent", "own", "rent", "own"]}))
    >>> [(f.name, f.kind, f.has_missing) for f in s]
    [('age', 'numeric', True), ('home', 'categorical', False)]
    """

    features: list[FeatureSpec]

    def __iter__(self):
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    def __getitem__(self, name: str) -> FeatureSpec:
        for f in self.features:
            if f.name == name:
                return f
        raise KeyError(f"No feature named {name!r}; the schema has {self.names}.")

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def numeric(self) -> list[FeatureSpec]:
        return [f for f in self.features if f.is_numeric]

    @property
    def categorical(self) -> list[FeatureSpec]:
        return [f for f in self.features if f.kind == "categorical"]

    def converted(self, among=None) -> dict[str, str]:
        """``{name: "datetime"|"timedelta"}`` of the features read as days (dates, durations),
        only those in ``among`` when given (e.g. the features a rule set reads): what a
        scorecard's or rule set's ``metadata["converted_from"]`` records."""
        keep = None if among is None else set(among)
        return {f.name: f.converted_from for f in self.features
                if f.converted_from and (keep is None or f.name in keep)}

    def whole_days(self, among=None) -> list[str]:
        """The date features fitted on dates without a time (:attr:`FeatureSpec.whole_days`),
        only those in ``among`` when given: what a scorecard's or rule set's
        ``metadata["whole_days"]`` records, so its words name days."""
        keep = None if among is None else set(among)
        return [f.name for f in self.features if f.word_kind == "date" and (keep is None or f.name in keep)]

    def to_dict(self) -> dict:
        return {"features": [f.to_dict() for f in self.features]}

    @classmethod
    def from_dict(cls, d: dict) -> FeatureSchema:
        return cls([FeatureSpec.from_dict(f) for f in d["features"]])

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: kind, missing, range, number of levels, monotone."""
        return pd.DataFrame(
            [
                {
                    "feature": f.name,
                    "kind": f.kind,
                    "dtype": f.dtype,
                    "missing": f.has_missing,
                    "min": f.min,
                    "max": f.max,
                    "levels": len(f.categories) if f.kind == "categorical" else None,
                    "monotone": f.monotone,
                }
                for f in self.features
            ]
        )


def _is_categorical_dtype(s: pd.Series) -> bool:
    return (
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(s.dtype)
        or pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
    )


def infer_schema(
    X: pd.DataFrame,
    categorical: list[str] | None = None,
    monotone: dict[str, int] | None = None,
    n_quantiles: int = 256,
) -> FeatureSchema:
    """Infer a :class:`FeatureSchema` from a validated training frame.

    Parameters
    ----------
    X : DataFrame
        Raw training columns (already checked by :func:`interpretable_nn.data.validation.check_frame`).
    categorical : list of str, optional
        Columns to treat as categorical even though they hold numbers.
    monotone : dict, optional
        ``{column: +1 | -1}``; only numeric/binary columns can be monotone.
    n_quantiles : int
        Maximum number of quantile knots kept per numeric feature.
    """
    cols = set(X.columns)

    def name_of(c):  # X's names are str (check_frame); a key 3 names the column 3, read as '3'
        return str(c) if c not in cols and not isinstance(c, str) and str(c) in cols else c

    categorical = {name_of(c) for c in categorical or []}
    monotone = {name_of(c): v for c, v in dict(monotone or {}).items()}
    unknown = (categorical | set(monotone)) - set(X.columns)
    if unknown:
        raise ValueError(
            f"Columns {sorted(map(str, unknown))} are named in categorical=/monotone= but are not in X; "
            f"available columns: {list(X.columns)}."
        )
    converted = dict(X.attrs.get(CONVERTED_ATTR, {}))
    specs = []
    for name in X.columns:
        s = X[name]
        if isinstance(name, str) and _UNNAMED.fullmatch(name):
            warnings.warn(f"Column {name!r} is pandas' name for a CSV column with no name in the header, most "
                          "often the row numbers that DataFrame.to_csv writes without index=False: the model "
                          f"reads it as a feature. Drop it (X.drop(columns=[{name!r}])), or read the file with "
                          f"index_col=0 (on the command line: --id-column {name!r}, or name it in the header).",
                          UnnamedColumnWarning, stacklevel=user_stacklevel())
        if pd.api.types.is_datetime64_any_dtype(s.dtype):  # a raw frame (not from check_frame)
            s, converted[name] = datetime_days(name, s), "datetime"
        elif pd.api.types.is_timedelta64_dtype(s.dtype):
            s, converted[name] = timedelta_days(name, s), "timedelta"
        missing = s.isna()
        direction = monotone.get(name, 0)
        if direction not in (-1, 0, 1):
            raise ValueError(f"monotone[{name!r}] must be +1, -1 or 0; got {direction!r}.")
        if name in categorical or _is_categorical_dtype(s):
            if direction:
                raise ValueError(
                    f"Column {name!r} is categorical and cannot be monotone; encode it as a number "
                    "or drop it from monotone=."
                )
            counts = s[~missing].value_counts(sort=True)
            levels = [to_json_value(v) for v in counts.index]
            if name not in categorical:
                _warn_numeric_text(str(name), s, levels) or _warn_identifier(str(name), s, levels)
            if pd.api.types.is_bool_dtype(s.dtype):
                levels = [bool(v) for v in levels]
            specs.append(
                FeatureSpec(
                    name=str(name), kind="categorical", dtype=str(s.dtype),
                    has_missing=bool(missing.any()), categories=levels,
                )
            )
            continue
        v = s[~missing].to_numpy(dtype=float)
        uniq = np.unique(v)
        qs = np.unique(np.quantile(v, np.linspace(0, 1, n_quantiles + 1))) if len(v) else np.array([])
        if len(uniq) <= n_quantiles + 1:
            qs = uniq
        specs.append(
            FeatureSpec(
                name=str(name),
                kind="binary" if len(uniq) <= 2 else "numeric",
                dtype=str(s.dtype),
                has_missing=bool(missing.any()),
                min=float(v.min()) if len(v) else None,
                max=float(v.max()) if len(v) else None,
                mean=float(v.mean()) if len(v) else None,
                std=float(v.std()) if len(v) else None,
                quantiles=[float(q) for q in qs],
                monotone=int(direction),
                converted_from=converted.get(name, ""),
                whole_days=bool(converted.get(name) == "datetime" and len(v) and (v == np.floor(v)).all()),
            )
        )
    return FeatureSchema(specs)


def _warn_identifier(name: str, s: pd.Series, levels: list) -> None:
    """Warn when a text column holds a different value in nearly every row (see
    :data:`IDENTIFIER_ROWS`): a customer number, a name, a comment."""
    filled = int(s.notna().sum())
    if filled >= IDENTIFIER_ROWS and len(levels) >= IDENTIFIER_SHARE * filled and not isinstance(s.dtype, pd.CategoricalDtype):
        warnings.warn(
            f"Column {name!r} holds {len(levels)} distinct values in {filled} rows (e.g. {levels[:3]}): an "
            "identifier, a name or free text? Each value is a category seen about once, which the model cannot "
            "carry to new rows (their values score as unseen). Drop it (the commands leave an id column out with "
            f"--id-column); to keep it without this warning, pass X[{name!r}].astype('category') (on the "
            f"command line: --categorical {shlex.quote(name)}).",
            IdentifierColumnWarning, stacklevel=user_stacklevel())


def _warn_numeric_text(name: str, s: pd.Series, levels: list) -> bool:
    """Warn when a text column of many levels all reads as numbers (an amount as text?), or
    mostly does (an amount with '?' or 'n.a.' in some rows, which ``pd.read_csv`` reads as text),
    or holds ISO 8601 dates; whether it warned."""
    if len(levels) <= NUMERIC_TEXT_LEVELS or isinstance(s.dtype, pd.CategoricalDtype):
        return False
    if not all(isinstance(v, str) for v in levels):
        return False
    if all(ISO_DATE.fullmatch(v.strip()) for v in levels):
        warnings.warn(
            f"Column {name!r} holds dates as text (e.g. {levels[:3]}); it is treated as categorical, one level per "
            f"date, so it cannot learn a trend or score a date it has not seen. Pass pd.to_datetime(X[{name!r}], "
            "utc=True, format='ISO8601') (the model learns days); to keep it categorical without this warning, pass "
            f"X[{name!r}].astype('category') (on the command line: --categorical {shlex.quote(name)}).",
            NumericTextWarning, stacklevel=user_stacklevel())
        return True
    if not pd.to_numeric(pd.Series(levels, dtype=object), errors="coerce").notna().all():
        rows = s.dropna().astype(str).str.strip()
        words = rows[pd.to_numeric(rows, errors="coerce").isna()]
        if all(_UNIT_NUMBER.match(v) for v in levels):  # '59.7 €', '$1,200', '12%', '3 kg'
            warnings.warn(
                f"Column {name!r} holds text whose {len(levels)} distinct values read as numbers with a unit, "
                f"a currency or thousands separators (e.g. {levels[:3]}); it is treated as categorical, one "
                f"level per distinct string, so it cannot learn an order or score a value it has not seen. If "
                f"it is an amount, strip the text first, e.g. pd.to_numeric(X[{name!r}].str.replace("
                "r'[^0-9.\\-]', '', regex=True)); to keep it categorical without this warning, pass "
                f"X[{name!r}].astype('category').",
                NumericTextWarning,
                stacklevel=user_stacklevel(),
            )
            return True
        if len(words) < len(rows) - len(words) or words.nunique() < len(levels) - words.nunique():
            # '?' or 'n.a.' among amounts (in most rows, or fewer distinct words than numbers): pd.read_csv left them text
            warnings.warn(
                f"Column {name!r} holds numbers as text in {len(rows) - len(words)} rows and other text in "
                f"{len(words)} (e.g. {list(dict.fromkeys(words))[:3]}); it is treated as categorical, one level per "
                f"distinct string, so it cannot learn an order or score a value it has not seen. If it is an "
                f"amount, pass pd.to_numeric(X[{name!r}], errors='coerce') (the other text becomes missing); "
                f"to keep it categorical without this warning, pass X[{name!r}].astype('category').",
                NumericTextWarning,
                stacklevel=user_stacklevel(),
            )
            return True
        return False
    warnings.warn(
        f"Column {name!r} holds text whose {len(levels)} distinct values all read as numbers "
        f"(e.g. {levels[:3]}); it is treated as categorical, one level per distinct string "
        f"(codes like '01' keep their leading zero). If it is an amount, pass "
        f"pd.to_numeric(X[{name!r}]); to keep it categorical without this warning, pass "
        f"X[{name!r}].astype('category').",
        NumericTextWarning,
        stacklevel=user_stacklevel(),
    )
    return True

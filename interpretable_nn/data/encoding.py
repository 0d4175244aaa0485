"""TabularEncoder: the one way raw columns become model inputs.

Numeric and binary features are standardized (``(x - center) / scale``, missing -> 0) and
get a missing indicator; categorical features become integer codes with two reserved
levels, ``0 = missing`` and ``1 = unseen``, then one code per training level
(``2 + position in FeatureSpec.categories``). The encoding is invertible: every encoded
column maps back to a named feature and to raw units (:meth:`TabularEncoder.dense_columns`,
:meth:`TabularEncoder.to_raw`).

Models read an :class:`EncodedData` (numeric, missing, codes) directly (NAM, rule nets) or
the dense matrix of :meth:`TabularEncoder.dense` (MLP, prototype encoders, scikit-learn
baselines).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .ranges import report_unseen, tallying
from .schema import FeatureSchema, infer_schema
from .validation import check_frame, check_predict_frame, user_stacklevel

__all__ = ["TabularEncoder", "EncodedData", "UnseenCategoryWarning", "MISSING_CODE", "UNSEEN_CODE"]

MISSING_CODE = 0
UNSEEN_CODE = 1
N_RESERVED = 2


def _shown(v) -> object:
    """A level as a warning shows it: strings quoted, numbers bare (so 1 and '1' differ on screen)."""
    return v.item() if isinstance(v, np.generic) else v


def _cut(v, width: int = 60) -> object:
    """A long text cut for a message (a 100,000-character cell was printed whole)."""
    return v if not isinstance(v, str) or len(v) <= width else f"{v[:width]}... ({len(v)} characters)"


def _number(v) -> float | None:
    """A cell as a real number (1, 1.0, '01', Decimal('1') -> 1.0), or None: bools, dates,
    durations and text that is not a number are not numbers here."""
    if isinstance(v, (bool, np.bool_, np.datetime64, np.timedelta64)):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return x if np.isfinite(x) else None


def _unseen_advice(vals: list, levels: pd.Index, every_row: bool) -> str:
    """What to do about unseen levels: the common mistakes named where the values show them
    (a level of another type: 1 or 1.0 for '1', 1 for '01'; integer codes for the levels),
    else refit. The type mistake is checked first: a value that equals a training level as
    text or as a number is never read as a code."""
    text, numbers = {}, {}
    for lv in levels:
        text[str(lv)] = lv
        if (x := _number(lv)) is not None:
            numbers.setdefault(x, lv)
    typed, whole = [], []  # (value, the level it matches); the values that are whole numbers
    for v in vals:
        t, x = str(v), _number(v)
        if t in text or x in numbers:
            typed.append((v, text[t] if t in text else numbers[x]))
        if x is not None and x.is_integer():
            whole.append(x)
    codes = (every_row and len(whole) == len(vals) and 0 <= min(whole) and max(whole) < len(levels)
             and all(isinstance(v, str) for v in levels))
    code_advice = (f"these look like integer codes (every value a whole number below {len(levels)}, the count of "
                   "the training levels): pass the levels themselves (e.g. pd.Categorical.from_codes(codes, "
                   "categories=...), with the categories the codes number)")
    if typed:
        v, lv = typed[0]
        advice = (f"{len(typed)} of them equal training levels as text or number but not in type (e.g. "
                  f"{_shown(v)!r} ({type(v).__name__}) where training saw {lv!r} ({type(lv).__name__})): pass "
                  "the column with the type and spelling it had in training")
        if codes and len(typed) < len(vals):  # 0-4 for levels '1'-'5': codes, or the levels in another type
            return f"{advice}; or, as some match no level that way, {code_advice}."
        return advice + "."
    if codes:
        return code_advice[0].upper() + code_advice[1:] + "."
    folded = {str(lv).strip().casefold(): lv for lv in levels if isinstance(lv, str)}
    spelled = [(v, folded[v.strip().casefold()]) for v in vals if isinstance(v, str) and v.strip().casefold() in folded]
    if spelled:  # 'rent ' or 'Rent' for 'rent': a CSV's padding, another tool's capitals
        v, lv = spelled[0]
        return (f"{len(spelled)} of them match training levels but for spaces or capitals (e.g. {v!r} where training "
                f"saw {lv!r}): strip or recase the column to match (e.g. X[col].str.strip()), or refit with these "
                "levels to learn them.")
    return "refit with these levels to learn them."


def _distinct(values) -> dict:
    """The distinct cells in order of appearance, keyed by type and value (True, 1 and 1.0
    are three; an unhashable cell by its text)."""
    out: dict = {}
    for v in values:
        key = (type(v), v)
        try:
            hash(key)
        except TypeError:  # an unhashable cell: by its text
            key = (type(v), repr(v))
        out.setdefault(key, v)
    return out


class UnseenCategoryWarning(UserWarning):
    """A categorical value not seen in training; it is scored as the feature's 'unseen' level."""


def warn_unseen(name: str, s: pd.Series, unseen: np.ndarray, isna: np.ndarray, levels: pd.Index, scored: str,
                what: str = "X") -> None:
    """An :class:`UnseenCategoryWarning` for the values of column ``name`` at ``unseen`` (a
    mask), ``scored`` saying how they are scored, with the advice of :func:`_unseen_advice`
    (a level given in another type, integer codes for the levels); nothing when no value is
    unseen, but inside a tally a column whose values were all seen still counts (the integer
    codes advice needs every chunk's values unseen, as a whole predict does)."""
    if unseen.any():
        report_unseen(name, _distinct(s[unseen].tolist()), int(unseen.sum()), bool(unseen.sum() == (~isna).sum()),
                      levels, scored, _say_unseen, what)
    elif tallying() and not isna.all():
        report_unseen(name, {}, 0, False, levels, scored, _say_unseen, what)


def _say_unseen(name: str, vals: dict, rows: int, every_row: bool, levels: pd.Index, scored: str,
                what: str = "X", capped: bool = False) -> None:
    """The warning of :func:`warn_unseen`: ``vals`` the distinct values (of every chunk), ``what``
    the table they are in (X is the user's rows and goes unnamed, as it always has)."""
    vals = list(vals.values())
    many = "at least " if capped else ""  # more distinct values than a tally keeps
    where = "" if what == "X" else f" of {what}"
    warnings.warn(
        f"Column {name!r}{where}: {many}{len(vals)} categor{'y' if len(vals) == 1 else 'ies'} not seen in "
        f"training {[_cut(_shown(v)) for v in vals[:5]]} ({rows} rows) {scored}; "
        f"{_unseen_advice(vals, levels, every_row)}",
        UnseenCategoryWarning,
        stacklevel=user_stacklevel(),
    )


@dataclass
class EncodedData:
    """Encoded rows: ``numeric`` (n, n_num) float32 standardized with missing -> 0,
    ``missing`` (n, n_num) float32 indicator, ``codes`` (n, n_cat) int64 category codes."""

    numeric: np.ndarray
    missing: np.ndarray
    codes: np.ndarray

    def __len__(self) -> int:
        return self.numeric.shape[0]

    def take(self, idx) -> EncodedData:
        return EncodedData(self.numeric[idx], self.missing[idx], self.codes[idx])


class TabularEncoder:
    """Schema-driven encoder from a raw DataFrame to model inputs.

    Parameters
    ----------
    categorical : list of str, optional
        Numeric columns to treat as categorical.
    monotone : dict, optional
        ``{column: +1 | -1}`` recorded in the schema for models that honour it.

    Attributes
    ----------
    schema_ : FeatureSchema
    center_, scale_ : ndarray of shape (n_numeric,)
        Standardization of the numeric features (mean and std of the training values;
        a constant feature gets scale 1).
    cat_sizes_ : list of int
        Number of codes per categorical feature (levels + 2 reserved).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"age": [20.0, 30.0, None], "home": ["rent", "own", "rent"]})
    >>> enc = TabularEncoder().fit(X)
    >>> e = enc.transform(X)
    >>> e.codes[:, 0].tolist()        # rent is the most frequent level -> code 2
    [2, 3, 2]
    >>> e.missing[:, 0].tolist()
    [0.0, 0.0, 1.0]
    """

    def __init__(self, categorical: list[str] | None = None, monotone: dict | None = None):
        self.categorical = categorical
        self.monotone = monotone

    # ------------------------------------------------------------------ fit
    def fit(self, X, schema: FeatureSchema | None = None) -> TabularEncoder:
        df = check_frame(X)
        self.schema_ = schema if schema is not None else infer_schema(df, self.categorical, self.monotone)
        self._init_from_schema()
        return self

    def _init_from_schema(self) -> None:
        num = self.schema_.numeric
        self.numeric_names_ = [f.name for f in num]
        self.categorical_names_ = [f.name for f in self.schema_.categorical]
        self.center_ = np.array([f.mean if f.mean is not None else 0.0 for f in num], dtype=np.float64)
        scale = np.array([f.std if f.std else 1.0 for f in num], dtype=np.float64)
        # a spread below 1e-12 is rounding noise, not signal: such a column is read as constant;
        # 1e-12 relative to the column's size where that is below 1 (values near 1e-300 vary
        # truly: read with scale 1 they all became 0 in float32, silently)
        size = np.array([max(abs(f.min), abs(f.max)) if f.min is not None and f.max is not None else 1.0
                         for f in num], dtype=np.float64)
        self.scale_ = np.where(scale > 1e-12 * np.minimum(size, 1.0), scale, 1.0)
        self.cat_sizes_ = [len(f.categories) + N_RESERVED for f in self.schema_.categorical]
        self._levels = {f.name: f.categories for f in self.schema_.categorical}
        # one lookup index per feature, kept: its hash table is built once, not per transform
        self._level_index = {n: pd.Index(lv, dtype=object) for n, lv in self._levels.items()}

    # ------------------------------------------------------------------ transform
    def transform(self, X, validate: bool = True, what: str = "X") -> EncodedData:
        """Encode rows (columns matched by name). Unseen categories get code 1 with a warning
        that names the table ``what`` (``"background"``: said apart from X's, with its own count)."""
        df = check_predict_frame(X, self.schema_, what=what) if validate else X
        n = len(df)
        if self.numeric_names_:
            raw = np.column_stack([df[c].to_numpy(dtype=np.float64) for c in self.numeric_names_])
        else:
            raw = np.zeros((n, 0))
        miss = np.isnan(raw)
        z = (np.where(miss, 0.0, raw) - self.center_) / self.scale_
        z[miss] = 0.0
        codes = np.zeros((n, len(self.categorical_names_)), dtype=np.int64)
        for j, name in enumerate(self.categorical_names_):
            codes[:, j] = self._codes(name, df[name], what)
        return EncodedData(z.astype(np.float32), miss.astype(np.float32), codes)

    def _codes(self, name: str, s: pd.Series, what: str = "X") -> np.ndarray:
        isna = s.isna().to_numpy()
        pos = self._level_index[name].get_indexer(s.astype(object).where(~isna, None)).astype(np.int64)
        unseen = (pos < 0) & ~isna
        warn_unseen(name, s, unseen, isna, self._level_index[name], "scored as the 'unseen' level", what)
        return np.where(isna, MISSING_CODE, np.where(unseen, UNSEEN_CODE, pos + N_RESERVED))

    def check_levels(self, df: pd.DataFrame, what: str = "X") -> None:
        """The :class:`UnseenCategoryWarning` of :meth:`transform` for ``df`` (rows already
        validated by ``check_predict_frame``), without encoding them: for a caller that checks
        the user's rows once and then reads them under ``quiet_range``. ``what`` names the
        table in the warning (``X``, the user's rows, goes unnamed)."""
        for name in self.categorical_names_:
            self._codes(name, df[name], what)

    def fit_transform(self, X) -> EncodedData:
        return self.fit(X).transform(X)

    # ------------------------------------------------------------------ dense view
    def dense_columns(self) -> list[dict]:
        """What each column of :meth:`dense` means: ``{"feature", "kind", "level"}`` with kind
        ``numeric`` (standardized), ``missing_indicator`` or ``onehot``."""
        cols = [{"feature": n, "kind": "numeric", "level": None} for n in self.numeric_names_]
        for f in self.schema_.numeric:
            if f.has_missing:
                cols.append({"feature": f.name, "kind": "missing_indicator", "level": None})
        for f in self.schema_.categorical:
            if f.has_missing:
                cols.append({"feature": f.name, "kind": "onehot", "level": None})
            cols.extend({"feature": f.name, "kind": "onehot", "level": lv} for lv in f.categories)
        return cols

    def dense(self, enc: EncodedData, raw_numeric: bool = False) -> np.ndarray:
        """A float32 matrix: numeric columns, missing indicators of features that had missing
        values in training, and one-hot category columns (missing level where seen; an unseen
        level is all zeros). ``raw_numeric=True`` keeps numeric values in raw units with NaN
        for missing (for tree models whose thresholds must read in raw units)."""
        parts = [self.to_raw(enc.numeric, enc.missing) if raw_numeric else enc.numeric]
        has_miss = [i for i, f in enumerate(self.schema_.numeric) if f.has_missing]
        parts.append(enc.missing[:, has_miss])
        for j, f in enumerate(self.schema_.categorical):
            codes = enc.codes[:, j]
            first = MISSING_CODE if f.has_missing else N_RESERVED
            lv = np.arange(first, len(f.categories) + N_RESERVED)
            lv = lv[lv != UNSEEN_CODE]
            parts.append((codes[:, None] == lv[None, :]).astype(np.float32))
        dtype = np.float64 if raw_numeric else np.float32
        return np.concatenate([p.astype(dtype) for p in parts], axis=1)

    def design_matrix(self, df: pd.DataFrame, enc: EncodedData | None = None, raw_numeric: bool = False) -> np.ndarray:
        """The dense matrix (float64) of validated rows ``df`` (encoded as ``enc``; encoded
        here when None). Columns as :meth:`dense_columns` describes them.

        With ``raw_numeric=True`` the numeric columns hold the raw values of ``df`` itself
        (float64, NaN for missing) rather than the float32 round trip of the standardized
        encoding, so a threshold learned on them compares exactly with the raw column (this is
        what makes tree-to-rule exports reproduce the tree bit for bit).
        """
        if enc is None:
            enc = self.transform(df, validate=False)
        Z = self.dense(enc, raw_numeric=raw_numeric).astype(np.float64)
        if raw_numeric and self.numeric_names_:
            Z[:, : len(self.numeric_names_)] = df[self.numeric_names_].to_numpy(dtype=np.float64, na_value=np.nan)
        return Z

    @property
    def n_dense_(self) -> int:
        return len(self.dense_columns())

    def dense_feature_index(self) -> np.ndarray:
        """For each dense column, the index of its raw feature in ``schema_.names``."""
        pos = {n: i for i, n in enumerate(self.schema_.names)}
        return np.array([pos[c["feature"]] for c in self.dense_columns()], dtype=np.int64)

    # ------------------------------------------------------------------ inverse
    def to_raw(self, numeric: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
        """Standardized numeric values back to raw units (NaN where ``missing``)."""
        raw = np.asarray(numeric, dtype=np.float64) * self.scale_ + self.center_
        if missing is not None:
            raw = np.where(np.asarray(missing) > 0.5, np.nan, raw)
        return raw

    def from_raw(self, name: str, values) -> np.ndarray:
        """Raw values of numeric feature ``name`` to standardized units."""
        j = self.numeric_names_.index(name)
        return (np.asarray(values, dtype=np.float64) - self.center_[j]) / self.scale_[j]

    def level_of(self, name: str, code: int):
        """The raw category value behind code ``code`` (``None`` for missing, ``'<unseen>'``)."""
        if code == MISSING_CODE:
            return None
        if code == UNSEEN_CODE:
            return "<unseen>"
        return self._levels[name][code - N_RESERVED]

    def inverse_transform(self, enc: EncodedData) -> pd.DataFrame:
        """Encoded rows back to a raw DataFrame (unseen categories come back as ``'<unseen>'``)."""
        out = {}
        raw = self.to_raw(enc.numeric, enc.missing)
        for j, n in enumerate(self.numeric_names_):
            out[n] = raw[:, j]
        for j, n in enumerate(self.categorical_names_):
            out[n] = pd.Series([self.level_of(n, int(c)) for c in enc.codes[:, j]], dtype=object)
        return pd.DataFrame(out)[self.schema_.names]

    # ------------------------------------------------------------------ state
    def to_dict(self) -> dict:
        return {"categorical": self.categorical, "monotone": self.monotone, "schema": self.schema_.to_dict()}

    @classmethod
    def from_dict(cls, d: dict) -> TabularEncoder:
        enc = cls(categorical=d.get("categorical"), monotone=d.get("monotone"))
        enc.schema_ = FeatureSchema.from_dict(d["schema"])
        enc._init_from_schema()
        return enc

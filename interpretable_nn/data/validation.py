"""Input checks shared by every estimator.

Each check raises a ``ValueError`` or ``TypeError`` whose message names the column (or
parameter) and says how to fix it, before any tensor is built: a user never sees a torch
stack trace or a silent NaN.
"""

from __future__ import annotations

import contextlib
import contextvars
import decimal
import warnings
from collections.abc import ItemsView, Iterator, KeysView, Mapping, Set, ValuesView
from numbers import Real

import numpy as np
import pandas as pd

from .dtypes import (
    check_category_cells,
    column_type,
    datetime_days,
    records_frame,
    refuse_signalling_nan,
    refuse_structured,
    regression_target,
    timedelta_days,
)
from .ranges import warn_far_beyond, warn_missing_unseen, warn_once
from .schema import CONVERTED_ATTR, FeatureSchema
from .stacklevel import user_stacklevel

__all__ = [
    "check_frame",
    "check_predict_frame",
    "check_target",
    "check_class_weight",
    "class_row_weights",
    "index_class_weight",
    "check_sample_weight",
    "precision_warned",
    "ExtraColumnsWarning",
    "PositiveClassWarning",
]


class ExtraColumnsWarning(UserWarning):
    """Columns present at predict time that the model was not fitted on (they are ignored)."""


class PositiveClassWarning(UserWarning):
    """Two string labels: the positive class (the one ``decision_function`` and
    ``predict_proba[:, 1]`` score) was chosen by sort order, not by the caller."""


def _records(X) -> bool:
    """Rows given as dicts or Series (``to_dict("records")``, ``iterrows()``): named cells."""
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(isinstance(r, (Mapping, pd.Series)) for r in X)


def _as_frame(X, feature_names: list[str] | None = None, what: str = "X") -> pd.DataFrame:
    if X is None:
        raise TypeError(f"{what} is None; pass a pandas DataFrame or a 2-D numpy array.")
    if isinstance(X, pd.Series):
        raise TypeError(
            f"{what} is a pandas Series; pass a DataFrame (use X.to_frame() for one feature, "
            "or X.to_frame().T for one row)."
        )
    if isinstance(X, pd.DataFrame):
        df = X
    else:
        if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
            raise TypeError(f"{what} is a scipy sparse matrix; sparse input is not supported. "
                            f"Pass a dense array ({what}.toarray()) or a DataFrame.")
        lazy = isinstance(X, (Iterator, KeysView, ValuesView, ItemsView, Set))  # read once, or in no order
        if isinstance(X, (str, bytes, dict)) or lazy or np.isscalar(X):
            raise TypeError(f"{what} must be a pandas DataFrame or a 2-D array; got {type(X).__name__}" + (f" (pass list({what}))." if lazy else "."))
        if _records(X):
            return _as_frame(records_frame(X, what, feature_names), feature_names, what)  # records: by name
        try:  # rows keep their cells' types, as in a DataFrame (numpy made mixed rows text, bools 1.0)
            arr = np.asarray(X, dtype=object) if isinstance(X, (list, tuple)) else np.asarray(X)
            if arr.ndim == 1 and any(isinstance(r, (list, tuple, Mapping, np.ndarray)) for r in arr):
                raise ValueError(f"rows of {sorted({len(r) if hasattr(r, '__len__') else 1 for r in arr})} cells")
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{what} could not be read as a 2-D array: {exc}") from None
        refuse_structured(arr, what)
        if arr.ndim == 1:
            raise ValueError(f"{what} is 1-D with shape {arr.shape}; tabular models expect 2-D input (rows, features). "
                             "Use X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one row.")
        if arr.ndim != 2:
            raise ValueError(f"{what} has shape {arr.shape}, but tabular models expect 2-D input (rows, features). "
                             "For images use PrototypeClassifier(encoder='cnn'); otherwise reshape to (n_rows, n_features).")
        names = feature_names if feature_names is not None else [f"x{i}" for i in range(arr.shape[1])]
        if len(names) != arr.shape[1]:
            raise ValueError(f"{what} has {arr.shape[1]} columns but the model was fitted on {len(names)} "
                             f"features {names}; pass a DataFrame with those columns.")
        df = pd.DataFrame(arr, columns=names)
        df = df.infer_objects() if arr.dtype == object else df
    cols = [str(c) for c in df.columns]
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup or ("" in cols and feature_names is None):  # at fit: '' failed after training, as a rule's feature
        raise ValueError(f"{what} has duplicated column names {dup}; rename or drop the duplicates." if dup else
                         f"{what} has a column named '' (position {cols.index('')}); give it a name.")
    if list(df.columns) != cols:
        df = df.set_axis(cols, axis=1)
    refuse_signalling_nan(df, what)
    return df


def _check_numeric_column(name: str, s: pd.Series, what: str) -> pd.Series:
    """Numeric view of a column that must be numeric; strings and inf are refused."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(float)
    if pd.api.types.is_complex_dtype(s.dtype):
        raise ValueError(f"Column {name!r} of {what} holds complex numbers (Complex data not supported); pass real "
                         "numbers, e.g. its real part, or split real and imaginary parts into two columns.")
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.astype(float)
        if pd.api.types.is_integer_dtype(s.dtype):
            _warn_beyond_float64(name, s, what)
    else:
        _warn_beyond_float64(name, s, what)  # Python ints or Decimals in an object column
        v = pd.to_numeric(s.map(lambda x: np.inf if _whole(x) and abs(int(x)) >= 2**1024 else x), errors="coerce")
        v, bad = v.astype(float), v.isna() & s.notna()
        if bad.any():
            examples = list(pd.unique(s[bad].astype(str)))[:3]
            raise ValueError(
                f"Column {name!r} of {what} is numeric but holds non-numeric values {examples} "
                f"({int(bad.sum())} rows); convert them to numbers or to NaN (missing)."
            )
    inf = np.isinf(v.to_numpy())
    if inf.any():
        raise ValueError(
            f"Column {name!r} of {what} holds infinite values ({int(inf.sum())} rows); "
            "replace them with NaN (treated as missing) or a finite value."
        )
    return v


def _warn_beyond_float64(name: str, s: pd.Series, what: str) -> None:
    """Warn when an integer column holds values past 2**53 that float64 (what every model
    reads) cannot hold exactly: nearby values become equal (an identifier, a nanosecond stamp)."""
    if _PRECISION_WARNED.get():  # this fit has said so already (precision_warned)
        return
    if pd.api.types.is_integer_dtype(s.dtype):
        big = s[(s > 2**53) | (s < -(2**53))].dropna()
    else:  # an object column: its whole numbers (int, numpy int, integral Decimal) past 2**53
        big = pd.Series([v for v in s.dropna() if _whole(v) and abs(int(v)) > 2**53], dtype=object)
    inexact = [int(v) for v in big.iloc[:100_000] if abs(int(v)) < 2**1024 and int(float(v)) != int(v)]  # past: inf
    if inexact:
        v = inexact[0]
        warn_once(
            f"Column {name!r} of {what} holds integers beyond 2**53 that float64, which the models read, "
            f"cannot hold exactly (e.g. {v} reads as {int(float(v))}), so nearby values become equal. If it is "
            "an identifier, drop it; if it is a time stamp, pass it as datetime64; else rescale it below 2**53.",
            UserWarning, key=f"precision {name!r} {what}")  # once per call, not per chunk


#: True while a fit re-reads a frame it has checked and warned about (:func:`precision_warned`)
_PRECISION_WARNED: contextvars.ContextVar[bool] = contextvars.ContextVar("precision_warned", default=False)


@contextlib.contextmanager
def precision_warned():
    """Silence the 2**53 warning inside a fit that has already given it: the fit checks the
    same frame again (its encoder, its predict-side reading), and one warning per column is
    what the user needs. A context variable, not the warnings filters: those are global to
    the process, so fits in threads would leave each other's filter behind."""
    token = _PRECISION_WARNED.set(True)
    try:
        yield
    finally:
        _PRECISION_WARNED.reset(token)


def _whole(v: object) -> bool:
    """Whether a cell is a whole number of Python's or numpy's integer types or an integral Decimal."""
    if isinstance(v, (bool, np.bool_)):
        return False
    if isinstance(v, (int, np.integer)):
        return True
    return isinstance(v, decimal.Decimal) and v.is_finite() and v == v.to_integral_value()


def check_frame(X, what: str = "X", min_rows: int = 1) -> pd.DataFrame:
    """Validate a training frame and return it as a DataFrame with string column names.

    Refuses: ``None`` and non-tabular types, 1-D and 3-D arrays, numpy structured arrays,
    duplicated column names, empty frames, infinite values, columns with no observed value,
    and column types without a conversion (see :mod:`interpretable_nn.data.dtypes`: Period,
    Interval, bytes, containers in cells, numbers mixed with strings, complex numbers).

    Converts, once and the same way at predict: dates (``datetime64`` of any unit or zone,
    date/time cells) to float days since 1970-01-01 UTC, durations to float days, and
    ``object`` columns of numbers (``Decimal`` included) to float. The converted columns are
    listed in ``df.attrs["interpretable_nn.converted_from"]`` for
    :func:`~interpretable_nn.data.schema.infer_schema`. Other columns are returned untouched.
    """
    df = _as_frame(X, what=what)
    if df.shape[1] == 0:
        raise ValueError(f"{what} has no columns; pass at least one feature.")
    if df.shape[0] < min_rows:
        raise ValueError(f"{what} has {df.shape[0]} rows; at least {min_rows} are needed to fit a model.")
    converted = dict(df.attrs.get(CONVERTED_ATTR, {}))
    changed: dict[str, pd.Series] = {}
    for name in df.columns:
        s = df[name]
        if s.isna().all():
            raise ValueError(
                f"Column {name!r} of {what} is entirely missing (NaN); drop it or fill it before fitting."
            )
        kind = column_type(name, s, what)
        if kind == "datetime":
            changed[name] = datetime_days(name, s, what)
            converted[name] = "datetime"
        elif kind == "timedelta":
            changed[name] = timedelta_days(name, s, what)
            converted[name] = "timedelta"
        elif kind == "number":
            v = _check_numeric_column(name, s, what)
            if not pd.api.types.is_numeric_dtype(s.dtype):
                changed[name] = v  # numbers (e.g. Decimal) in an object column
    if changed or converted:
        df = df.copy(deep=False)  # never touch the caller's frame
        for name, v in changed.items():
            df[name] = v.to_numpy(dtype=np.float64)
        df.attrs = {**df.attrs, CONVERTED_ATTR: converted}
    return df


DAYS_LIMIT = 2_932_896  #: a date feature's days end at 9999-12-31; beyond, another unit (2020 in seconds: 1.6e9)


def _predict_numeric(spec, s: pd.Series, what: str) -> pd.Series:
    """A numeric feature at predict, read as at fit (dates and durations in days)."""
    name, source = spec.name, getattr(spec, "converted_from", "")
    is_date = pd.api.types.is_datetime64_any_dtype(s.dtype)
    is_duration = pd.api.types.is_timedelta64_dtype(s.dtype)
    if pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
        vals = s[s.notna()]
        kind = pd.api.types.infer_dtype(vals, skipna=True)
        is_date = kind in ("datetime", "datetime64", "date") or (source == "datetime" and kind in ("string", "mixed"))
        is_duration = kind in ("timedelta", "timedelta64") or (source == "timedelta" and kind in ("string", "mixed"))
    if is_date or is_duration:
        got = "datetime" if is_date else "timedelta"
        if source != got:
            fitted = {"datetime": "dates", "timedelta": "durations"}.get(source, "numbers")
            raise ValueError(
                f"Column {name!r} of {what} holds {'dates' if is_date else 'durations'}, but the model "
                f"was fitted on {fitted} in this column; pass the same kind of values as in training "
                f"(or refit: dates are read as days since 1970-01-01 UTC, durations as days)."
            )
        return datetime_days(name, s, what) if is_date else timedelta_days(name, s, what)
    out = _check_numeric_column(name, s, what)
    if source and (np.abs(out.to_numpy(dtype=float, na_value=np.nan)) > DAYS_LIMIT).any():
        raise ValueError(  # 1.6e18 nanoseconds read as days is 4e15 years: the shape's edge, unsaid
            f"Column {name!r} of {what} holds numbers beyond {DAYS_LIMIT:,} in magnitude, but the model was "
            f"fitted on {'dates' if source == 'datetime' else 'durations'} in this column, and numbers there are "
            "read as days (e.g. 19000 for 2022); nanoseconds or seconds since 1970? Pass datetime64 values or "
            "ISO 8601 text, as in training.")
    return out


def check_predict_frame(X, schema: FeatureSchema, what: str = "X", named: bool = False) -> pd.DataFrame:
    """Validate a frame at predict time against the fitted schema.

    Columns are matched **by name** (any order); an ndarray is read by position (with a
    warning when the model was fitted on named columns, ``named``, as scikit-learn warns). A
    missing column is an error, an extra column is ignored with an :class:`ExtraColumnsWarning`.
    Numeric features are returned as float columns (NaN = missing): a feature fitted on
    dates or durations accepts them in any unit or time zone (or numbers already in days)
    and is converted exactly as at fit; a feature fitted on numbers refuses dates.
    Categorical features must hold one value per cell.
    """
    names = schema.names
    df = _as_frame(X, feature_names=names, what=what)
    if named and not _records(X) and not isinstance(X, pd.DataFrame | pd.Series) and names != [str(i) for i in range(len(names))]:
        warn_once(f"{what} has no column names but the model was fitted on named columns: they are read by "
                  f"position as {names}; pass a DataFrame to match them by name.", UserWarning)
    missing = [c for c in names if c not in df.columns]
    if missing:
        hint = (f" The model was fitted on an unnamed array: give {what} those column names, in that order."
                if names == [f"x{i}" for i in range(len(names))] and len(df.columns) == len(names) else "")
        raise ValueError(f"{what} is missing column(s) {missing} that the model was fitted on; "
                         f"pass all of {names} (extra columns are ignored).{hint}")
    extra = [c for c in df.columns if c not in set(names)]
    if extra:
        warn_once(f"{what} has column(s) {extra} that the model was not fitted on; they are ignored.",
                  ExtraColumnsWarning)
    df = df[names]
    out = {}
    for spec in schema:
        s = df[spec.name]
        if spec.is_numeric:
            out[spec.name] = warn_far_beyond(spec, _predict_numeric(spec, s, what), what)
        else:
            check_category_cells(spec.name, s, what)
            out[spec.name] = warn_missing_unseen(spec, s, what)
    return pd.DataFrame(out, index=df.index)


def check_target(y, n_rows: int, task: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a target vector: ``(y_encoded, classes)``, for classification the integer class
    index per row and the sorted class labels; for regression the float targets and ``None``."""
    if y is None:
        raise TypeError("y is None; pass the target as a 1-D array or Series.")
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(f"y has {y.shape[1]} columns; pass a single target column.")
        y = y.iloc[:, 0]
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise ValueError(f"y must be 1-D (one target per row); got shape {arr.shape}.")
    if len(arr) != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {len(arr)}; they must match.")
    if task == "regression":
        return regression_target(y, arr), None
    missing = pd.isna(pd.Series(arr, dtype=object)).to_numpy()
    if missing.any():
        raise ValueError(f"y holds {int(missing.sum())} missing (NaN/None) labels; drop those rows before fitting.")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError("y holds infinite values; class labels must be finite: drop those rows or fix the labels.")
    if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
        raise ValueError(
            "y holds continuous (non-integer) values; classifiers need class labels. "
            "Use the Regressor variant for a numeric target."
        )
    if arr.dtype == object:
        kinds = {type(v).__name__ for v in arr}
        if len(kinds) > 1 and not kinds <= {"int", "float", "bool"}:
            raise ValueError(f"y mixes label types {sorted(kinds)}; use one type (e.g. all strings).")
    classes, y_idx = np.unique(arr, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"y has a single class {classes.tolist()}; a classifier needs at least two classes in the training data."
        )
    if len(classes) == 2 and all(isinstance(c, str) for c in classes.tolist()):
        a, b = classes.tolist()
        warnings.warn(
            f"y's labels {a!r} and {b!r} are strings: the positive class (scored by "
            f"decision_function and predict_proba[:, 1], explained by reason codes) is {b!r}, "
            f"the last in sort order. To choose it, pass y as 0/1 (e.g. (y == {a!r}).astype(int) "
            f"makes {a!r} the positive class) or use the CLI's --positive-class.",
            PositiveClassWarning,
            stacklevel=user_stacklevel(),
        )
    return y_idx.astype(np.int64), classes


def check_class_weight(class_weight, classes) -> dict[int, float] | str | None:
    """``class_weight`` checked against the fitted labels and returned keyed by **class
    index** (the position in ``classes``), which is how the training loss reads it.

    Keys of a dict are *labels* as they appear in ``y`` (``{1: 50}`` with labels ``{1, 2}``
    up-weights label 1), values finite non-negative numbers; classes not named keep weight 1.
    ``"balanced"`` and ``None`` are returned unchanged. Anything else is a ``ValueError``
    naming ``class_weight``, raised before training.

    Examples
    --------
    >>> import numpy as np
    >>> check_class_weight({2: 3.0}, np.array([1, 2]))
    {1: 3.0}
    """
    if class_weight is None or (isinstance(class_weight, str) and class_weight == "balanced"):
        return class_weight
    if not isinstance(class_weight, Mapping):
        raise ValueError(
            f"class_weight must be None, 'balanced' or a dict {{label: weight}}; got {class_weight!r}."
        )
    labels = [] if classes is None else list(np.asarray(classes).tolist())
    out: dict[int, float] = {}
    for key, value in class_weight.items():
        k = key.item() if isinstance(key, np.generic) else key
        pos = [i for i, c in enumerate(labels) if c == k and _same_kind(c, k)]
        if not pos:
            raise ValueError(
                f"class_weight key {key!r} is not a label of y; the labels are {labels}. "
                "Keys are labels as they appear in y (not positions)."
            )
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number)):
            raise ValueError(
                f"class_weight[{key!r}] must be a number; got {value!r} ({type(value).__name__})."
            )
        w = float(value)
        if not np.isfinite(w) or w < 0:
            raise ValueError(f"class_weight[{key!r}] must be a finite number >= 0; got {value!r}.")
        out[pos[0]] = w
    if labels and all(out.get(i, 1.0) == 0 for i in range(len(labels))):
        raise ValueError("class_weight gives every class weight 0; give at least one class a positive weight.")
    return out


def class_row_weights(class_weight, y: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray | None:
    """One weight per row: ``class_weight`` (keyed by class index, as :func:`check_class_weight`
    returns it; ``"balanced"``: scikit-learn's ``compute_class_weight`` on the weighted counts)
    times ``sample_weight``, relative as :func:`check_sample_weight` makes them (``None`` where
    both are). ``y``: class indices. Every model reads its class weights through these, so a
    class weight and the same weights as ``sample_weight`` fit the same model.

    Examples
    --------
    >>> import numpy as np
    >>> class_row_weights({1: 3.0}, np.array([0, 1, 1]), None).tolist()
    [0.4285714285714286, 1.2857142857142858, 1.2857142857142858]
    """
    if class_weight is None:
        return sample_weight
    y, n_classes = np.asarray(y, dtype=np.int64), int(np.max(y, initial=0)) + 1
    if isinstance(class_weight, str):  # "balanced", scikit-learn's formula on the weighted counts
        counts = np.bincount(y, weights=sample_weight, minlength=n_classes).astype(float)
        present = counts > 0
        per_class = np.where(present, counts.sum() / (present.sum() * np.where(present, counts, 1.0)), 0.0)
    else:
        per_class = np.ones(n_classes)
        for k, v in class_weight.items():
            per_class[int(k)] = float(v)
    w = per_class[y] * (1.0 if sample_weight is None else sample_weight)
    if not (w > 0).any():
        raise ValueError(
            "class_weight times sample_weight is zero on every row: every row with a positive sample_weight "
            "belongs to a class of weight 0. Give those classes a positive class_weight, or other rows a weight."
        )
    return check_sample_weight(w, len(y), y=y)  # a class weight of 0 may leave one class, as sample weights may


def index_class_weight(estimator, model):
    """``estimator`` (a scikit-learn estimator that ``model`` fits on class *indices*) with a
    dict ``class_weight`` re-keyed from labels to indices by :func:`check_class_weight`
    against ``model.classes_``; other estimators are returned unchanged."""
    params = estimator.get_params() if hasattr(estimator, "get_params") else {}
    if isinstance(params.get("class_weight"), Mapping):
        classes = getattr(model, "classes_", None)
        estimator.set_params(class_weight=check_class_weight(params["class_weight"], classes))
    return estimator


def _same_kind(label, key) -> bool:
    """A label and a class_weight key match only as the same kind of value (1, "1" and True
    differ)."""
    return all(isinstance(label, t) == isinstance(key, t) for t in (str, bool))


def check_sample_weight(sample_weight, n_rows: int, warn: bool = True, y=None) -> np.ndarray:
    """``sample_weight`` as a float array of one finite, non-negative weight per row, not all
    zero, divided by its mean positive weight; a ``ValueError``/``TypeError`` that says which
    of these fails otherwise.

    Weights are relative: multiplying every weight by one number fits the same model (the
    NAM's priors and RuleNet's penalties read weights of 10 as ten times the rows; 1e300
    overflowed float32). Zero stays zero; weights of mean positive weight one come back as
    given; a positive weight float32 would read as zero warns (unless ``warn=False``). ``y``: a
    classifier's labels, refused when the positive weights leave one class (as a one-class y)."""
    kind = getattr(sample_weight, "dtype", None)  # a list's: what numpy reads it as
    seen = kind if kind is not None else np.asarray(sample_weight).dtype
    if (pd.api.types.is_datetime64_any_dtype(seen) or pd.api.types.is_timedelta64_dtype(seen)
            or pd.api.types.is_complex_dtype(seen)):
        raise TypeError(f"sample_weight must be real numbers, one per row; got {seen} values.")
    try:
        sw = np.asarray(sample_weight, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"sample_weight must be real numbers, one per row, without pd.NA; got "
                        f"{type(sample_weight).__name__}{'' if kind is None else f' of {kind}'} ({exc}).") from exc
    if len(sw) != n_rows:
        raise ValueError(f"sample_weight must have one value per row ({n_rows}); got {len(sw)} values.")
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight must be finite: it has NaN or infinite values; give every row a finite weight.")
    if (sw < 0).any():
        raise ValueError("sample_weight must be non-negative: it has negative values; use weights >= 0.")
    positive = sw > 0
    if not positive.any():
        raise ValueError("sample_weight is zero for every row; give at least one row a positive weight.")
    sw = sw / sw.max()  # first, so that the mean below cannot overflow
    sw = sw / sw[positive].mean()
    lost = positive & (sw.astype(np.float32) < np.finfo(np.float32).tiny)
    if y is not None and len(pd.unique(np.asarray(y).reshape(-1)[positive & ~lost])) < 2:  # fitted one class
        raise ValueError("sample_weight (times class_weight) is positive on rows of one class only: a classifier needs "
                         "two classes with weight, as it needs two in y. Give rows of another class a positive weight.")
    if warn and lost.any():
        warnings.warn(f"sample_weight: {int(lost.sum())} positive weight(s) are {sw[lost].max():.3g} times the mean "
                      "positive weight or less: below what float32 training holds, so those rows count as weight "
                      "zero. Give them a weight nearer the others', or drop them.", UserWarning,
                      stacklevel=user_stacklevel())
    return sw

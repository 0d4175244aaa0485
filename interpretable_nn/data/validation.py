"""Input checks shared by every estimator.

Each check raises a ``ValueError`` or ``TypeError`` whose message names the column (or
parameter) and says how to fix it, before any tensor is built: a user never sees a torch
stack trace or a silent NaN.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .schema import FeatureSchema

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


def user_stacklevel() -> int:
    """The ``stacklevel`` for :func:`warnings.warn` that points at the first frame outside
    this package (the user's call), however deep inside the library the warning is raised.
    Call it in the function that calls ``warnings.warn``."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    return level

__all__ = [
    "check_frame",
    "check_predict_frame",
    "check_target",
    "ExtraColumnsWarning",
    "PositiveClassWarning",
]


class ExtraColumnsWarning(UserWarning):
    """Columns present at predict time that the model was not fitted on (they are ignored)."""


class PositiveClassWarning(UserWarning):
    """Two string labels: the positive class (the one ``decision_function`` and
    ``predict_proba[:, 1]`` score) was chosen by sort order, not by the caller."""


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
            raise TypeError(
                f"{what} is a scipy sparse matrix; sparse input is not supported. "
                f"Pass a dense array ({what}.toarray()) or a DataFrame."
            )
        if isinstance(X, (str, bytes, dict)) or np.isscalar(X):
            raise TypeError(f"{what} must be a pandas DataFrame or a 2-D array; got {type(X).__name__}.")
        try:
            arr = np.asarray(X)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{what} could not be read as a 2-D array: {exc}") from None
        if arr.ndim == 1:
            raise ValueError(
                f"{what} is 1-D with shape {arr.shape}; tabular models expect 2-D input "
                "(rows, features). Use X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one row."
            )
        if arr.ndim != 2:
            raise ValueError(
                f"{what} has shape {arr.shape}, but tabular models expect 2-D input (rows, features). "
                "For images use PrototypeClassifier(encoder='cnn'); otherwise reshape to (n_rows, n_features)."
            )
        names = feature_names if feature_names is not None else [f"x{i}" for i in range(arr.shape[1])]
        if len(names) != arr.shape[1]:
            raise ValueError(
                f"{what} has {arr.shape[1]} columns but the model was fitted on {len(names)} "
                f"features {names}; pass a DataFrame with those columns."
            )
        df = pd.DataFrame(arr, columns=names)
        if arr.dtype == object:
            df = df.infer_objects()
    cols = [str(c) for c in df.columns]
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if dup:
        raise ValueError(f"{what} has duplicated column names {dup}; rename or drop the duplicates.")
    if list(df.columns) != cols:
        df = df.set_axis(cols, axis=1)
    return df


def _check_numeric_column(name: str, s: pd.Series, what: str) -> pd.Series:
    """Numeric view of a column that must be numeric; strings and inf are refused."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(float)
    if pd.api.types.is_complex_dtype(s.dtype):
        raise ValueError(
            f"Column {name!r} of {what} holds complex numbers (Complex data not supported); "
            "pass real numbers, e.g. its real part, or split real and imaginary parts into two columns."
        )
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.astype(float)
    else:
        v = pd.to_numeric(s, errors="coerce").astype(float)
        bad = v.isna() & s.notna()
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


def check_frame(X, what: str = "X", min_rows: int = 1) -> pd.DataFrame:
    """Validate a training frame and return it as a DataFrame with string column names.

    Refuses: ``None`` and non-tabular types, 1-D and 3-D arrays, duplicated column names,
    empty frames, infinite values, columns that mix numbers and strings, and columns with no
    observed value.
    """
    df = _as_frame(X, what=what)
    if df.shape[1] == 0:
        raise ValueError(f"{what} has no columns; pass at least one feature.")
    if df.shape[0] < min_rows:
        raise ValueError(f"{what} has {df.shape[0]} rows; at least {min_rows} are needed to fit a model.")
    for name in df.columns:
        s = df[name]
        if s.isna().all():
            raise ValueError(
                f"Column {name!r} of {what} is entirely missing (NaN); drop it or fill it before fitting."
            )
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            _check_numeric_column(name, s, what)
        elif pd.api.types.is_object_dtype(s.dtype):
            vals = s.dropna()
            is_num = vals.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool))
            if is_num.any() and not is_num.all():
                examples = list(pd.unique(vals[~is_num].astype(str)))[:3]
                raise ValueError(
                    f"Column {name!r} of {what} mixes numbers and strings (e.g. {examples}); "
                    "convert the strings to numbers/NaN for a numeric feature, or cast the column "
                    "with .astype(str) for a categorical one."
                )
            if is_num.all():
                _check_numeric_column(name, s, what)
    return df


def check_predict_frame(X, schema: FeatureSchema, what: str = "X") -> pd.DataFrame:
    """Validate a frame at predict time against the fitted schema.

    Columns are matched **by name** (any order); an ndarray is read by position. A missing
    column is an error, an extra column is ignored with an :class:`ExtraColumnsWarning`.
    Numeric features are returned as float columns (NaN = missing).
    """
    names = schema.names
    df = _as_frame(X, feature_names=names, what=what)
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what} is missing column(s) {missing} that the model was fitted on; "
            f"pass all of {names} (extra columns are ignored)."
        )
    extra = [c for c in df.columns if c not in set(names)]
    if extra:
        warnings.warn(
            f"{what} has column(s) {extra} that the model was not fitted on; they are ignored.",
            ExtraColumnsWarning,
            stacklevel=user_stacklevel(),
        )
    df = df[names]
    out = {}
    for spec in schema:
        s = df[spec.name]
        out[spec.name] = _check_numeric_column(spec.name, s, what) if spec.is_numeric else s
    return pd.DataFrame(out, index=df.index)


def check_target(y, n_rows: int, task: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Validate a target vector.

    Returns ``(y_encoded, classes)``: for classification the integer class index per row
    and the sorted class labels; for regression the float targets and ``None``.
    """
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
        try:
            yf = arr.astype(float)
        except (TypeError, ValueError):
            raise ValueError(
                "y holds non-numeric values; a regressor needs numeric targets "
                "(use a classifier for labels)."
            ) from None
        if not np.isfinite(yf).all():
            raise ValueError(
                f"y holds {int((~np.isfinite(yf)).sum())} NaN/inf values; drop those rows or fill them."
            )
        return yf, None
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


def check_sample_weight(sample_weight, n_rows: int) -> np.ndarray:
    """``sample_weight`` as a float array of one finite, non-negative weight per row, not all
    zero; a ``ValueError``/``TypeError`` that says which of these fails otherwise."""
    try:
        sw = np.asarray(sample_weight, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"sample_weight must be numbers, one per row; got {type(sample_weight).__name__}."
        ) from exc
    if len(sw) != n_rows:
        raise ValueError(f"sample_weight must have one value per row ({n_rows}); got {len(sw)} values.")
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight must be finite: it has NaN or infinite values; give every row a finite weight.")
    if (sw < 0).any():
        raise ValueError("sample_weight must be non-negative: it has negative values; use weights >= 0.")
    if not sw.sum() > 0:
        raise ValueError("sample_weight is zero for every row; give at least one row a positive weight.")
    return sw

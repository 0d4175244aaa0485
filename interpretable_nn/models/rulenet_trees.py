"""Rule candidates read from small boosted trees (RuleFit, Friedman & Popescu 2008): the
second source of :class:`~interpretable_nn.models.rulenet.RuleNetClassifier`'s candidate
pool, next to the trained network's literals and conjunctions.

The network proposes few multi-condition rules (``n_conjunctions``) and, among its
one-condition literals, many thresholds per column; on many weak columns the L1 selection
then fills its budget from a pool that misses the conjunctions a stagewise fit finds.
:func:`boosted_candidates` fits ``n_trees`` depth-limited regression trees to the logistic
gradient on half-samples of the rows and returns the path to every node (root excluded) as
a conjunction in raw units, so the selection, refit and every export treat them as they
treat the network's rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data.encoding import TabularEncoder
from ..rules import Condition
from ..rules.from_tree import dense_column_map, node_paths
from .rulenet_extract import nice_between

__all__ = ["boosted_candidates"]


def _as_written(c: Condition, values: dict[str, np.ndarray], seen_missing: dict[str, bool]) -> Condition:
    """A tree condition on a numeric column's rank (its index among the sorted distinct
    training values ``values``) as the network's conditions are written: in raw units, at
    the short decimal between the same two adjacent training values (:func:`nice_between`,
    so it selects the same training rows), and with no ``OR missing`` clause on a column
    that had no missing value in training."""
    if c.op not in ("<=", ">"):
        return c
    v = values[c.feature]
    k = int(np.clip(np.floor(c.value) + 1, 0, len(v)))  # ranks 0..k-1 are <= the threshold
    t = nice_between(float(v[k - 1]) if k else None, float(v[k]) if k < len(v) else None)
    return Condition(c.feature, c.op, t, if_missing=c.if_missing and seen_missing[c.feature])


def boosted_candidates(encoder: TabularEncoder, df: pd.DataFrame, y: np.ndarray, sw: np.ndarray | None,
                       n_trees: int, max_depth: int, seed: int = 0,
                       learning_rate: float = 0.1) -> list[list[Condition]]:
    """Conjunctions (unsimplified condition lists, at most ``max_depth`` long) on the paths
    of ``n_trees`` gradient-boosting trees for the log-loss: each tree is a scikit-learn
    regression tree (missing values handled natively) fitted to the gradient ``y - p`` on a
    random half of the rows (weighted by ``sw``). Numeric columns are read as their ranks
    among the distinct training values (only the order matters to a tree, and scikit-learn's
    float32 cannot hold values beyond 3.4e38); the conditions come back in raw units."""
    if n_trees <= 0 or max_depth <= 0:
        return []
    from sklearn.tree import DecisionTreeRegressor

    Z = encoder.design_matrix(df, raw_numeric=True)  # numeric columns first, raw, NaN for missing
    meaning = dense_column_map(encoder.dense_columns())
    values: dict[str, np.ndarray] = {}
    for j, f in enumerate(encoder.numeric_names_):  # ranks: the trees need only the order, and
        col = Z[:, j]  # scikit-learn's float32 cannot hold values beyond 3.4e38
        present = ~np.isnan(col)
        values[f] = np.unique(col[present])
        col[present] = np.searchsorted(values[f], col[present])
    seen_missing = {f.name: bool(f.has_missing) for f in encoder.schema_}
    y = np.asarray(y, dtype=np.float64)
    w = np.ones(len(y)) if sw is None else np.asarray(sw, dtype=np.float64)
    rate = float(np.clip(np.sum(w * y) / np.sum(w), 1e-6, 1 - 1e-6))
    F = np.full(len(y), np.log(rate) - np.log1p(-rate))
    rng = np.random.default_rng(seed)
    half = max(len(y) // 2, 2)
    paths: list[list[Condition]] = []
    for _ in range(int(n_trees)):
        rows = np.sort(rng.choice(len(y), half, replace=False))
        tree_seed = int(rng.integers(2**31 - 1))
        if not np.any(w[rows] > 0):  # a half-sample of zero-weight rows: nothing to fit
            continue
        residual = y - 1.0 / (1.0 + np.exp(-F))
        tree = DecisionTreeRegressor(max_depth=int(max_depth), min_samples_leaf=max(10, len(y) // 100),
                                     random_state=tree_seed)
        tree.fit(Z[rows], residual[rows], sample_weight=w[rows])
        F += learning_rate * 4.0 * tree.predict(Z)  # 4 = 1 / p(1-p) at p = 1/2: a Newton-sized step
        paths += [[_as_written(c, values, seen_missing) for c in path]
                  for _, path in node_paths(tree.tree_, meaning) if path]  # the root's path is empty
    return paths

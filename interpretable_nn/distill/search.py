"""Non-greedy search for surrogate trees: exact depth-2 subtrees over binarised thresholds,
combined by a lookahead beam, vectorised with numpy.

Optimal-tree solvers (STreeD, GOSDT) binarise every numeric column at a few quantile
thresholds and search the binary features exhaustively. Here the same binarisation feeds

* an **exact depth-2 solver**: at a node, every pair of splits ``(f, g)`` is scored at once
  from per-split sufficient statistics (``A = Sᵀ L``: the class totals left of every split)
  and their pairwise products (``G_c = Lᵀ diag(s_c) L``: class totals left of both ``f``
  and ``g``), so the best depth-2 subtree under every root split costs one matrix product
  per statistic (``O(n F²)``) instead of ``F²`` passes over the rows;
* a **lookahead beam** above depth 2: the ``beam`` root splits with the best depth-2
  lookahead cost, and CART's split (the best by weighted Gini), are each expanded to the
  full remaining depth (recursively, the same way), and the split whose subtree costs
  least is kept. ``beam=1`` is depth-2 lookahead greedy; depth <= 2 is exactly optimal
  for any ``beam``. Because CART's choice is always among those expanded, the tree's
  training cost is never above a greedy tree's on the same binary features; without it,
  where one class dominates (every single split's misclassification is flat), the
  lookahead stopped at a leaf that CART would have split on towards pure nodes.

The roots scored by the exact depth-2 lookahead (``candidates``) are the best single
splits by weighted Gini, ties in lookahead cost are broken by it too. The binarisation
(:class:`Binarizer`) adds, to the quantiles, thresholds at quantiles of the teacher's
decision boundaries, so a decision held by a tail beyond the top quantile can be split off.

Rows with the same binary pattern are merged first (their statistics summed), so the work
depends on the number of distinct patterns, which stays small with augmentation. The
objective is the training misclassification (classifiers: total weight minus the largest
class weight per leaf; the weight is 1 per row for decisions, the class probabilities for
``target="proba"``) or the squared error (regressors, statistics ``1, y, y²``).

The result is a scikit-learn ``tree_`` (:func:`build_sklearn_tree`) with the binarisation's
thresholds and missing-value directions, so the surrogate predicts, exports and reads its
splits exactly as it does for a greedy tree (``rules.from_tree``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Binarizer", "SearchResult", "search_tree", "build_sklearn_tree"]


@dataclass
class Binarizer:
    """Binary features from a raw-unit matrix: feature ``j`` sends a row *left* when
    ``x[col[j]] <= thr[j]`` (compared in float32, as scikit-learn trees compare), a missing
    value left when ``miss_left[j]``. Numeric columns get up to ``n_thresholds`` quantile
    thresholds (midpoints between neighbouring distinct values); a column with missing
    values gets each threshold with both missing directions plus an *is missing* test
    (threshold ``inf``, missing right); 0/1 columns one test at 0.5.

    Examples
    --------
    >>> Z = np.array([[1.0, 0.0], [2.0, 1.0], [np.nan, 1.0], [4.0, 0.0]])
    >>> b = Binarizer(3).fit(Z, binary=[False, True])
    >>> b.transform(Z).shape[0], bool(b.transform(Z)[:, -1].sum() == 2)
    (4, True)
    """

    n_thresholds: int = 8
    col: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))
    thr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    miss_left: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def fit(self, Z: np.ndarray, binary: list[bool], labels: np.ndarray | None = None) -> Binarizer:
        """Thresholds from the rows of ``Z``. ``labels`` (class index per row): besides the
        quantiles of the values, up to ``n_thresholds`` more at quantiles of the *label
        boundaries* (midpoints between neighbouring distinct values whose labels differ or
        mix), so a decision held by a few rows in a tail (beyond the top quantile) can
        still be split off; without them, a teacher deciding "yes" on the top 2% of one
        column gives only splits whose both sides say "no"."""
        cols, thrs, miss = [], [], []
        Z32 = np.asarray(Z, dtype=np.float32)
        for j in range(Z32.shape[1]):
            x = Z32[:, j]
            nan = np.isnan(x)
            values = np.unique(x[~nan]).astype(np.float64)
            if binary[j]:
                cut = np.array([0.5]) if len(values) > 1 else np.zeros(0)
            else:
                if len(values) > 1:
                    levels = np.arange(1, self.n_thresholds + 1) / (self.n_thresholds + 1)
                    q = np.unique(np.quantile(x[~nan].astype(np.float64), levels, method="inverted_cdf"))
                    pos = np.searchsorted(values, q)
                    pos = np.unique(pos[pos < len(values) - 1])
                    if labels is not None:
                        pos = np.union1d(pos, _boundary_positions(x[~nan], np.asarray(labels)[~nan], values,
                                                                  self.n_thresholds))
                    cut = (values[pos] + values[pos + 1]) / 2.0
                else:
                    cut = np.zeros(0)
            for t in cut:
                for left in ((True, False) if nan.any() and not binary[j] else (False,)):
                    cols.append(j)
                    thrs.append(float(t))
                    miss.append(left)
            if nan.any() and not nan.all():
                cols.append(j)
                thrs.append(np.inf)
                miss.append(False)
        self.col = np.asarray(cols, dtype=np.intp)
        self.thr = np.asarray(thrs, dtype=np.float64)
        self.miss_left = np.asarray(miss, dtype=bool)
        return self

    def transform(self, Z: np.ndarray) -> np.ndarray:
        """``(n, n_features)`` bool: which rows each binary feature sends left."""
        X = np.asarray(Z, dtype=np.float32)[:, self.col]
        return np.where(np.isnan(X), self.miss_left[None, :], X <= self.thr[None, :])


def _boundary_positions(x: np.ndarray, labels: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Indices ``i`` into the sorted distinct ``values`` (cut between ``values[i]`` and
    ``values[i + 1]``) at ``n`` quantiles of the label boundaries: the neighbouring distinct
    values whose label differs or is mixed."""
    inv = np.searchsorted(values, x.astype(np.float64))
    lo = np.full(len(values), np.iinfo(np.int64).max)
    hi = np.full(len(values), np.iinfo(np.int64).min)
    np.minimum.at(lo, inv, labels.astype(np.int64))
    np.maximum.at(hi, inv, labels.astype(np.int64))
    pure = lo == hi
    edge = np.flatnonzero(~(pure[:-1] & pure[1:] & (lo[:-1] == lo[1:])))
    if len(edge) <= n:
        return edge
    return np.unique(edge[np.round(np.linspace(0, len(edge) - 1, n + 2)[1:-1]).astype(int)])


@dataclass
class SearchResult:
    """A searched tree as parallel node arrays (node 0 the root; -1: no child)."""

    left: list[int]
    right: list[int]
    feature: list[int]  # binary feature index, -1 at leaves
    stats: list[np.ndarray]  # summed statistics per node (last entry: row count)
    cost: float  # training loss of the whole tree


def _loss(stats: np.ndarray, regression: bool) -> np.ndarray:
    """Loss of a leaf from its summed statistics (last axis; the last entry is the count)."""
    if regression:
        n, s1, s2 = stats[..., 0], stats[..., 1], stats[..., 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, s2 - s1 * s1 / np.where(n > 0, n, 1.0), 0.0)
    cls = stats[..., :-1]
    return cls.sum(-1) - cls.max(-1)


class _Searcher:
    def __init__(self, L: np.ndarray, M: np.ndarray, min_leaf: float, beam: int, regression: bool,
                 candidates: int, greedy: bool = True):
        self.candidates, self.greedy = candidates, greedy
        # float32 products (exact for counts below 2**24); regression needs float64: s2 - s1²/n cancels
        dtype = np.float64 if regression else np.float32
        self.Lb, self.Lf = L, L.astype(dtype)
        self.M, self.Mf = M, M.astype(dtype)
        self.min_leaf, self.beam, self.regression = max(float(min_leaf), 1e-9), beam, regression

    def loss(self, stats: np.ndarray) -> np.ndarray:
        return _loss(stats, self.regression)

    def impurity(self, stats: np.ndarray) -> np.ndarray:
        """CART's split criterion of a node: weighted Gini (``n - sum(c²) / n``; classifiers)
        or the squared error (regressors), from its summed statistics."""
        if self.regression:
            return self.loss(stats)
        cls = stats[..., :-1]
        n = cls.sum(-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, n - (cls * cls).sum(-1) / np.where(n > 0, n, 1.0), 0.0)

    def scores(self, idx: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(cost, impurity) per root split: the cost of the best subtree of depth <=
        ``min(depth, 2)`` under it and the split's own CART criterion (inf where a child
        would hold fewer than ``min_leaf`` rows)."""
        Ln, Mn = self.Lf[idx], self.Mf[idx]
        tot = self.M[idx].sum(0)
        left = (Mn.T @ Ln).T.astype(np.float64)  # (F, k+1): statistics left of each split
        right = tot[None, :] - left
        ok = (left[:, -1] >= self.min_leaf) & (right[:, -1] >= self.min_leaf)
        one_split = np.where(ok, self.loss(left) + self.loss(right), np.inf)
        imp = np.where(ok, self.impurity(left) + self.impurity(right), np.inf)
        if depth == 1:
            return one_split, imp
        # roots for the exact depth-2 lookahead: the ``candidates`` best single splits by the
        # CART criterion (the misclassification of one split is flat where one class dominates)
        cand = np.lexsort((one_split, imp))[:self.candidates]
        cand = cand[np.isfinite(one_split[cand])]
        k = Mn.shape[1]
        skip = 0 if self.regression else 1  # classifiers: the first class is the count minus the others
        Lc = Ln[:, cand]
        W = np.concatenate([Lc * Mn[:, c:c + 1] for c in range(skip, k)], axis=1)
        G = np.empty((len(cand), Ln.shape[1], k))
        G[..., skip:] = (W.T @ Ln).reshape(k - skip, len(cand), -1).transpose(1, 2, 0)
        if skip:
            G[..., 0] = G[..., -1] - G[..., 1:-1].sum(-1)
        lc, rc = left[cand], right[cand]
        cost = np.zeros(len(cand))
        # [f, g]: within the left (right) child of root f, the two sides of split g
        for base, one, two in ((lc, G, lc[:, None, :] - G),
                               (rc, left[None, :, :] - G, rc[:, None, :] - left[None, :, :] + G)):
            pair_ok = (one[..., -1] >= self.min_leaf) & (two[..., -1] >= self.min_leaf)
            pair = np.where(pair_ok, self.loss(one) + self.loss(two), np.inf)
            cost += np.minimum(self.loss(base), pair.min(axis=1))
        out = np.full(len(left), np.inf)
        out[cand] = cost
        return out, imp

    def solve(self, idx: np.ndarray, depth: int) -> tuple[float, Any]:
        """Best (by this search) subtree on rows ``idx`` of depth <= ``depth``: (cost, node),
        node = ``(stats,)`` for a leaf or ``(stats, feature, left_node, right_node)``."""
        tot = self.M[idx].sum(0)
        leaf = float(self.loss(tot))
        if depth == 0 or len(idx) < 2 or leaf <= 0.0:
            return leaf, (tot,)
        cost, imp = self.scores(idx, depth)
        tol = 1e-7 * max(float(tot[-1]), 1.0)
        order = np.lexsort((imp, cost))  # lookahead cost, ties broken by the CART criterion
        picks = [int(f) for f in order[:self.beam if depth > 2 else 1] if cost[f] < leaf - tol]
        greedy = int(np.argmin(imp))
        if self.greedy and depth > 2 and np.isfinite(imp[greedy]) and greedy not in picks:
            picks.append(greedy)  # CART's split too: never worse than the greedy tree (see search_tree)
        best_cost, best_node = leaf, (tot,)
        for f in picks:
            go = self.Lb[idx, f]
            lc, ln = self.solve(idx[go], depth - 1)
            rc, rn = self.solve(idx[~go], depth - 1)
            if lc + rc < best_cost - tol:
                best_cost, best_node = lc + rc, (tot, int(f), ln, rn)
        return best_cost, best_node


def search_tree(L: np.ndarray, stats: np.ndarray, max_depth: int, *, min_leaf: float = 1.0,
                beam: int = 1, candidates: int = 32, regression: bool = False) -> SearchResult:
    """Search a tree of depth <= ``max_depth`` on binary features ``L`` (n, F; True: left)
    and per-row statistics ``stats`` (n, k): class weights (classifiers) or ``1, y, y²``
    (regression; ``regression=True``). ``min_leaf``: the least row count (weight) per leaf;
    ``beam``: roots expanded in full above depth 2; ``candidates``: roots scored by the exact
    depth-2 lookahead at a node (the best single splits; all when ``F <= candidates``, which
    makes depth 2 exact).

    Examples
    --------
    >>> L = np.array([[1, 0], [1, 1], [0, 0], [0, 1]], dtype=bool)
    >>> y = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]])  # XOR of the two
    >>> r = search_tree(L, y, 2)
    >>> r.cost, len(r.feature)
    (0.0, 7)
    """
    L = np.asarray(L, dtype=bool)
    S = np.asarray(stats, dtype=np.float64)
    M = np.column_stack([S, S[:, 0] if regression else np.ones(len(L))])  # last column: row count
    _, first, inv = np.unique(np.packbits(L, axis=1), axis=0, return_index=True, return_inverse=True)
    U = np.zeros((len(first), M.shape[1]))
    np.add.at(U, inv.reshape(-1), M)  # rows with one binary pattern merged
    searcher = _Searcher(L[first], U, min_leaf, max(int(beam), 1), regression, max(int(candidates), 1))
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only wait on each other
        cost, node = searcher.solve(np.arange(len(first)), max_depth)
    out = SearchResult([], [], [], [], float(cost))
    _flatten(node, out, regression)
    return out


def _flatten(node: Any, out: SearchResult, regression: bool) -> int:
    """Append ``node`` (and its subtree, left first) to ``out``; sibling leaves with the same
    decision are merged (classifiers), which changes no decision."""
    i = len(out.left)
    out.left.append(-1)
    out.right.append(-1)
    out.feature.append(-1)
    out.stats.append(node[0])
    if len(node) == 1:
        return i
    _, f, ln, rn = node
    out.feature[i] = f
    out.left[i] = _flatten(ln, out, regression)
    out.right[i] = _flatten(rn, out, regression)
    if not regression and all(out.feature[c] == -1 for c in (out.left[i], out.right[i])) and \
            np.argmax(out.stats[out.left[i]][:-1]) == np.argmax(out.stats[out.right[i]][:-1]):
        del out.left[i + 1:], out.right[i + 1:], out.feature[i + 1:], out.stats[i + 1:]
        out.left[i] = out.right[i] = out.feature[i] = -1
    return i


def build_sklearn_tree(result: SearchResult, binarizer: Binarizer, n_features: int,
                       n_classes: int | None) -> Any:
    """The searched tree as a fitted scikit-learn ``DecisionTreeClassifier`` (class indices
    ``0..n_classes-1``) or ``DecisionTreeRegressor`` (``n_classes=None``): thresholds and
    missing-value directions from ``binarizer``, leaf values from the node statistics, so
    ``apply``/``predict``/``predict_proba`` and ``rules.from_tree`` read it as any tree."""
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    from sklearn.tree._tree import NODE_DTYPE, Tree

    m = len(result.left)
    nodes = np.zeros(m, dtype=NODE_DTYPE)
    nodes["left_child"], nodes["right_child"] = result.left, result.right
    stats = np.asarray(result.stats, dtype=np.float64)
    split = np.asarray(result.feature) >= 0
    feat = np.asarray(result.feature)
    nodes["feature"] = np.where(split, binarizer.col[np.where(split, feat, 0)], -2)
    nodes["threshold"] = np.where(split, binarizer.thr[np.where(split, feat, 0)], -2.0)
    nodes["missing_go_to_left"] = np.where(split, binarizer.miss_left[np.where(split, feat, 0)], 0)
    nodes["n_node_samples"] = np.round(stats[:, -1]).astype(np.int64)
    nodes["weighted_n_node_samples"] = stats[:, -1]
    if n_classes is None:
        n, s1, s2 = stats[:, 0], stats[:, 1], stats[:, 2]
        mean = s1 / np.maximum(n, 1e-300)
        values = mean.reshape(m, 1, 1)
        nodes["impurity"] = np.maximum(s2 / np.maximum(n, 1e-300) - mean**2, 0.0)
        est, k = DecisionTreeRegressor(max_depth=None), 1
    else:
        cls = stats[:, :-1]
        frac = cls / np.maximum(cls.sum(1, keepdims=True), 1e-300)
        values = frac.reshape(m, 1, n_classes)
        nodes["impurity"] = 1.0 - (frac**2).sum(1)
        est, k = DecisionTreeClassifier(max_depth=None), n_classes
    depth = np.zeros(m, dtype=int)
    for i in range(m):  # children always follow their parent
        for c in (result.left[i], result.right[i]):
            if c >= 0:
                depth[c] = depth[i] + 1
    tree = Tree(n_features, np.array([k], dtype=np.intp), 1)
    tree.__setstate__({"max_depth": int(depth.max()), "node_count": m, "nodes": nodes,
                       "values": np.ascontiguousarray(values)})
    est.tree_, est.n_features_in_, est.n_outputs_, est.max_features_ = tree, n_features, 1, n_features
    if n_classes is not None:
        est.classes_, est.n_classes_ = np.arange(n_classes), n_classes
    return est


def prune_sequence(est: Any) -> list[Any]:
    """Weakest-link pruning (CART's cost-complexity sequence) of a fitted scikit-learn tree
    on its own fit statistics: the trees from ``est`` down to the root alone, each with one
    more subtree collapsed into a leaf (the one losing the least fit per leaf removed)."""
    t = est.tree_
    left, right = t.children_left.copy(), t.children_right.copy()
    w = t.weighted_n_node_samples
    if is_classifier_tree(est):
        own = w * (1.0 - t.value[:, 0, :].max(axis=1))
    else:
        own = w * t.impurity
    out = []
    while left[0] != -1:
        sub, leaves = own.copy(), np.ones(len(own))
        for i in range(len(own) - 1, -1, -1):  # children follow their parent
            if left[i] != -1:
                sub[i] = sub[left[i]] + sub[right[i]]
                leaves[i] = leaves[left[i]] + leaves[right[i]]
        reach, stack = [], [0]
        while stack:
            i = stack.pop()
            if left[i] != -1:
                reach.append(i)
                stack.extend((int(left[i]), int(right[i])))
        inner = np.asarray(reach)
        g = (own[inner] - sub[inner]) / np.maximum(leaves[inner] - 1, 1)
        cut = inner[np.argmin(g)]
        left[cut] = right[cut] = -1
        out.append(_rebuild(est, left, right))
    return out


def is_classifier_tree(est: Any) -> bool:
    return hasattr(est, "classes_")


def _rebuild(est: Any, left: np.ndarray, right: np.ndarray) -> Any:
    """A copy of ``est`` keeping only the nodes reachable through ``left``/``right``."""
    import copy

    from sklearn.tree._tree import Tree

    state = est.tree_.__getstate__()
    order, stack = [], [0]
    while stack:
        i = stack.pop()
        order.append(i)
        if left[i] != -1:
            stack.extend((int(right[i]), int(left[i])))
    new = {old: k for k, old in enumerate(order)}
    nodes = state["nodes"][order].copy()
    for k, old in enumerate(order):
        leaf = left[old] == -1
        nodes["left_child"][k] = -1 if leaf else new[int(left[old])]
        nodes["right_child"][k] = -1 if leaf else new[int(right[old])]
        if leaf:
            nodes["feature"][k], nodes["threshold"][k] = -2, -2.0
    depth = np.zeros(len(order), dtype=int)
    for k in range(len(order)):
        for c in (nodes["left_child"][k], nodes["right_child"][k]):
            if c >= 0:
                depth[c] = depth[k] + 1
    t = est.tree_
    tree = Tree(t.n_features, np.asarray(t.n_classes, dtype=np.intp), t.n_outputs)
    tree.__setstate__({"max_depth": int(depth.max()), "node_count": len(order), "nodes": nodes,
                       "values": np.ascontiguousarray(state["values"][order])})
    out = copy.copy(est)
    out.tree_ = tree
    return out

"""Fitted scikit-learn decision trees read as rules: the one place where a tree split
becomes a :class:`~interpretable_nn.rules.Condition`.

One rule per leaf, conditions in raw units and names (via an optional column map from the
encoder's dense columns), so every rule export applies to trees too (surrogate trees,
``tree`` baselines). :func:`sklearn_tree_parts` returns the parts of ``RuleSet(**parts)``;
:meth:`RuleSet.from_sklearn_tree <interpretable_nn.rules.RuleSet.from_sklearn_tree>` builds
the rule set. :func:`split_conditions`, :func:`leaf_paths` and :func:`leaf_log_odds` are
shared with :class:`~interpretable_nn.distill.SurrogateTree`, which draws and scores the
same tree.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from .conditions import Condition, Rule, RuleSetParts

__all__ = [
    "LEAF_CLIP",
    "column_meanings",
    "dense_column_map",
    "split_conditions",
    "node_paths",
    "leaf_paths",
    "leaf_log_odds",
    "sklearn_tree_parts",
    "tree_leaves",
]

LEAF_CLIP = 1e-12  # a leaf's probability is clipped to [LEAF_CLIP, 1 - LEAF_CLIP] for log-odds
_KINDS = ("numeric", "onehot", "missing_indicator")


def dense_column_map(dense_columns: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A ``column_map`` entry per column of an encoder's dense matrix
    (``TabularEncoder.dense_columns()``): the one-hot column of a categorical's *missing*
    level is a missing indicator."""
    out: list[dict[str, Any]] = []
    for c in dense_columns:
        if c["kind"] == "onehot" and c["level"] is None:
            out.append({"feature": c["feature"], "kind": "missing_indicator"})
        elif c["kind"] == "onehot":
            out.append({"feature": c["feature"], "kind": "onehot", "level": c["level"]})
        else:
            out.append({"feature": c["feature"], "kind": c["kind"]})
    return out


def column_meanings(
    feature_names: Sequence[str], column_map: Mapping[int | str, Mapping[str, Any]] | None
) -> list[dict[str, Any]]:
    """The raw meaning of every tree input column (unmapped columns are numeric); a
    ValueError for a bad ``column_map`` entry."""
    names = list(feature_names)
    meaning: list[dict[str, Any]] = [{"feature": f, "kind": "numeric"} for f in names]
    for key, spec in (column_map or {}).items():
        idx = names.index(key) if isinstance(key, str) else int(key)
        if not 0 <= idx < len(names) or spec.get("kind") not in _KINDS or not isinstance(
            spec.get("feature"), str
        ):
            raise ValueError(f"Bad column_map entry {key!r}: {spec!r}.")
        if spec["kind"] == "onehot" and "level" not in spec:
            raise ValueError(f"column_map entry {key!r} (onehot) needs a 'level'.")
        meaning[idx] = dict(spec)
    return meaning


def split_conditions(t: Any, node: int, meaning: Sequence[Mapping[str, Any]]) -> tuple[Condition, Condition]:
    """The (left, right) conditions of split ``node`` of a fitted ``tree_``, in raw terms.

    Numeric: ``x <= thr`` / ``x > thr`` with the learned missing-value direction as
    ``if_missing`` (sklearn's "missing vs the rest" split, threshold ``inf``, becomes an
    ``is_missing`` test); one-hot: ``f != level`` or missing / ``f == level``; missing
    indicator: ``f`` is not missing / is missing.
    """
    spec, thr = meaning[t.feature[node]], float(t.threshold[node])
    f, kind = spec["feature"], spec["kind"]
    if kind == "numeric":
        go_left = getattr(t, "missing_go_to_left", None)
        miss_left = bool(go_left[node]) if go_left is not None else False
        if math.isinf(thr) and not miss_left:
            return Condition(f, "is_missing", False), Condition(f, "is_missing", True)
        return (Condition(f, "<=", thr, if_missing=miss_left),
                Condition(f, ">", thr, if_missing=not miss_left))
    if not 0.0 <= thr < 1.0:
        raise ValueError(f"Split on {kind} column for {f!r} has threshold {thr}.")
    if kind == "onehot":
        return Condition(f, "!=", spec["level"], if_missing=True), Condition(f, "==", spec["level"])
    return Condition(f, "is_missing", False), Condition(f, "is_missing", True)


def tree_leaves(t: Any, Z: np.ndarray) -> np.ndarray:
    """The leaf of every row of ``Z`` under a fitted ``tree_``, the splits compared in
    float64 (``x <= threshold``; NaN goes where the split sends missing values), as the rule
    set of the tree compares them. scikit-learn's own ``apply`` first rounds ``Z`` to float32,
    so a value just above a threshold (3.5000000001 against 3.5) went left there and right in
    the rule set, its SQL and its JSON."""
    Z = np.asarray(Z, dtype=np.float64)
    node = np.zeros(len(Z), dtype=np.int64)
    left, right = t.children_left, t.children_right
    go_left_missing = getattr(t, "missing_go_to_left", None)
    rows = np.arange(len(Z))
    inner = left[node] != -1
    while inner.any():
        r, n = rows[inner], node[inner]
        x = Z[r, t.feature[n]]
        miss = np.isnan(x)
        to_left = np.where(miss, False if go_left_missing is None else go_left_missing[n].astype(bool),
                           x <= t.threshold[n])
        node[r] = np.where(to_left, left[n], right[n])
        inner = left[node] != -1
    return node


def node_paths(t: Any, meaning: Sequence[Mapping[str, Any]]) -> Iterator[tuple[int, list[Condition]]]:
    """``(node, conditions on its path)`` for every node of a fitted ``tree_`` (the root's
    path is empty), depth first, left branch first."""
    stack: list[tuple[int, list[Condition]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        yield node, path
        if int(t.children_left[node]) == -1:
            continue
        go_left, go_right = split_conditions(t, node, meaning)
        stack.append((int(t.children_right[node]), [*path, go_right]))
        stack.append((int(t.children_left[node]), [*path, go_left]))


def leaf_paths(t: Any, meaning: Sequence[Mapping[str, Any]]) -> Iterator[tuple[int, list[Condition]]]:
    """``(leaf, conditions on its path)`` for every leaf of a fitted ``tree_``, depth first,
    left branch first: the rule order of :func:`sklearn_tree_parts`."""
    return ((node, path) for node, path in node_paths(t, meaning) if t.children_left[node] == -1)


def leaf_log_odds(value: np.ndarray) -> tuple[float, float]:
    """``(log-odds, probability)`` of the second class in a leaf of class weights
    ``value``: ``logit(p)`` with ``p`` clipped to ``[1e-12, 1 - 1e-12]``, and ``p`` itself."""
    norm = value.sum()
    p = value[1] / (norm if norm != 0.0 else 1.0)
    pc = min(max(p, LEAF_CLIP), 1.0 - LEAF_CLIP)
    return math.log(pc) - math.log1p(-pc), min(max(p, 0.0), 1.0)


def _merge_path(conditions: list[Condition]) -> tuple[Condition, ...]:
    """Keep the tightest numeric bound per (feature, op), drop duplicates, ``!=`` tests
    implied by an ``==`` on the same feature and ``OR missing`` clauses that an
    ``is_missing`` test settles. The merged path selects the same rows."""
    missing = {c.feature: c.value for c in conditions if c.op == "is_missing"}
    merged: dict[tuple, Condition] = {}
    for c in conditions:
        if c.op != "is_missing" and c.feature in missing:
            if missing[c.feature] and c.if_missing:
                continue  # always true on the missing rows the path keeps
            if not missing[c.feature]:
                c = Condition(c.feature, c.op, c.value, if_missing=False)
        if c.op in ("<=", ">"):
            key: tuple = (c.feature, c.op)
            old = merged.get(key)
            if old is not None:
                tight = min if c.op == "<=" else max
                c = Condition(c.feature, c.op, tight(old.value, c.value),
                              if_missing=old.if_missing and c.if_missing)
            merged[key] = c
        else:
            merged.setdefault(c._key(), c)
    equal = {c.feature for c in merged.values() if c.op == "=="}
    return tuple(c for c in merged.values() if not (c.op == "!=" and c.feature in equal))


def _checked_tree(tree: Any, feature_names: Sequence[str] | None) -> tuple[Any, bool, list[str]]:
    """(``tree_``, is it a classifier, input names) of a convertible fitted tree."""
    t = getattr(tree, "tree_", None)
    if t is None:
        raise ValueError("from_sklearn_tree needs a fitted sklearn decision tree.")
    is_classifier = hasattr(tree, "classes_")
    if t.n_outputs != 1:
        raise ValueError("Only single-output trees can be converted.")
    if is_classifier and int(np.ravel(t.n_classes)[0]) != 2:
        raise ValueError(f"Only binary classifiers can be converted; got {tree.classes_!r}.")
    if feature_names is None:
        feature_names = getattr(tree, "feature_names_in_", None)
    if feature_names is None:
        raise ValueError("Pass feature_names: the tree was fitted without column names.")
    names = [str(f) for f in feature_names]
    if len(names) != t.n_features:
        raise ValueError(f"The tree has {t.n_features} inputs but {len(names)} names.")
    return t, is_classifier, names


def _leaf_rule(t: Any, leaf: int, path: list[Condition], is_classifier: bool) -> Rule:
    value = np.asarray(t.value[leaf][0], dtype=float)
    support = min(1.0, float(t.weighted_n_node_samples[leaf]) / float(t.weighted_n_node_samples[0]))
    if is_classifier:
        weight, precision = leaf_log_odds(value)
    else:
        weight, precision = float(value[0]), None
    return Rule(_merge_path(path), weight, support=support, precision=precision, name=f"leaf_{leaf}")


def sklearn_tree_parts(
    tree: Any,
    feature_names: Sequence[str] | None = None,
    classes: Sequence[Any] | None = None,
    column_map: Mapping[int | str, Mapping[str, Any]] | None = None,
) -> RuleSetParts:
    """The parts of the rule set of a fitted ``DecisionTreeClassifier`` (binary) or
    ``DecisionTreeRegressor``: one rule per leaf (see
    :meth:`RuleSet.from_sklearn_tree <interpretable_nn.rules.RuleSet.from_sklearn_tree>`
    for the parameters and the semantics).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> t = DecisionTreeRegressor(max_depth=1).fit(np.array([[0.0], [1.0]]), [0.0, 2.0])
    >>> parts = sklearn_tree_parts(t, ["x"])
    >>> [str(r) for r in parts["rules"]], parts["link"]
    (['IF x <= 0.5 THEN +0 points', 'IF (x > 0.5 OR x IS MISSING) THEN +2 points'], 'identity')
    """
    t, is_classifier, names = _checked_tree(tree, feature_names)
    meaning = column_meanings(names, column_map)
    rules = [_leaf_rule(t, leaf, path, is_classifier) for leaf, path in leaf_paths(t, meaning)]
    return RuleSetParts(
        rules=rules,
        intercept=0.0,
        link="logit" if is_classifier else "identity",
        classes=tuple(classes if classes is not None else
                      (tree.classes_ if is_classifier else (0, 1))),
        feature_names=list(dict.fromkeys(m["feature"] for m in meaning)),
        metadata={"source": type(tree).__name__},
        linear=[],
    )

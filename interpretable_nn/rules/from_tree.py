"""Convert fitted scikit-learn decision trees into the library's :class:`RuleSet`.

One rule per leaf, conditions in raw units and names (via an optional column map from the
encoder's dense columns), so every rule export applies to trees too (surrogate trees,
``tree`` baselines).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .ruleset import Condition, Rule, RuleSet

__all__ = ["from_sklearn_tree"]



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


def from_sklearn_tree(
    tree: Any,
    feature_names: Sequence[str] | None = None,
    classes: Sequence[Any] | None = None,
    column_map: Mapping[int | str, Mapping[str, Any]] | None = None,
) -> RuleSet:
    """Convert a fitted ``DecisionTreeClassifier`` (binary) or ``DecisionTreeRegressor``.

    Each leaf becomes a rule whose conditions are its path and whose weight is the leaf's
    log-odds ``logit(p)``, ``p`` clipped to ``[1e-12, 1 - 1e-12]`` (classifier, link
    ``logit``) or the leaf value (regressor, link ``identity``); the intercept is 0.

    Parameters
    ----------
    tree : fitted DecisionTreeClassifier or DecisionTreeRegressor
    feature_names : list of str, optional
        Name of every tree input column (default: ``tree.feature_names_in_``).
    classes : pair of labels, optional
        Default ``tree.classes_``.
    column_map : dict, optional
        Input column (index or name) -> raw meaning: ``{"feature": f, "kind": "numeric"}``
        (threshold used as is; the learned missing-value direction sets ``if_missing``),
        ``{"feature": f, "kind": "onehot", "level": v}`` (``x <= 0.5`` -> ``f != v`` or
        missing, ``x > 0.5`` -> ``f == v``) or ``{"feature": f, "kind":
        "missing_indicator"}`` (-> ``f`` is (not) missing). Unmapped columns are numeric.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = [0, 0, 1, 1]
    >>> t = DecisionTreeClassifier(random_state=0).fit(X, y)
    >>> rs = from_sklearn_tree(t, ["x"])
    >>> [r.condition_text() for r in rs]  # sklearn sends NaN to the larger child
    ['x <= 1.5', '(x > 1.5 OR x IS MISSING)']
    >>> rs.predict(pd.DataFrame({"x": [0.5, 2.5]})).tolist()
    [0, 1]
    """
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
    feature_names = [str(f) for f in feature_names]
    if len(feature_names) != t.n_features:
        raise ValueError(f"The tree has {t.n_features} inputs but {len(feature_names)} names.")
    meaning: list[dict[str, Any]] = [{"feature": f, "kind": "numeric"} for f in feature_names]
    for key, spec in (column_map or {}).items():
        idx = feature_names.index(key) if isinstance(key, str) else int(key)
        if not 0 <= idx < t.n_features or spec.get("kind") not in (
            "numeric", "onehot", "missing_indicator"
        ) or not isinstance(spec.get("feature"), str):
            raise ValueError(f"Bad column_map entry {key!r}: {spec!r}.")
        if spec["kind"] == "onehot" and "level" not in spec:
            raise ValueError(f"column_map entry {key!r} (onehot) needs a 'level'.")
        meaning[idx] = dict(spec)
    go_left = getattr(t, "missing_go_to_left", None)

    def split(node: int, left: bool) -> Condition:
        spec, thr = meaning[t.feature[node]], float(t.threshold[node])
        f, kind = spec["feature"], spec["kind"]
        if kind == "numeric":
            miss_left = bool(go_left[node]) if go_left is not None else False
            if math.isinf(thr) and not miss_left:  # sklearn's "missing vs the rest" split
                return Condition(f, "is_missing", not left)
            return Condition(f, "<=" if left else ">", thr,
                             if_missing=miss_left if left else not miss_left)
        if not 0.0 <= thr < 1.0:
            raise ValueError(f"Split on {kind} column for {f!r} has threshold {thr}.")
        if kind == "onehot":
            if left:
                return Condition(f, "!=", spec["level"], if_missing=True)
            return Condition(f, "==", spec["level"])
        return Condition(f, "is_missing", not left)

    rules: list[Rule] = []
    total = float(t.weighted_n_node_samples[0])
    stack: list[tuple[int, list[Condition]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = int(t.children_left[node]), int(t.children_right[node])
        if left != -1:
            stack.append((right, [*path, split(node, False)]))
            stack.append((left, [*path, split(node, True)]))
            continue
        value = np.asarray(t.value[node][0], dtype=float)
        support = min(1.0, float(t.weighted_n_node_samples[node]) / total)
        if is_classifier:
            norm = value.sum()
            p = value[1] / (norm if norm != 0.0 else 1.0)
            pc = min(max(p, 1e-12), 1.0 - 1e-12)
            weight, precision = math.log(pc) - math.log1p(-pc), min(max(p, 0.0), 1.0)
        else:
            weight, precision = float(value[0]), None
        rules.append(Rule(_merge_path(path), weight, support=support, precision=precision,
                          name=f"leaf_{node}"))
    raw_names = list(dict.fromkeys(m["feature"] for m in meaning))
    return RuleSet(
        rules,
        intercept=0.0,
        link="logit" if is_classifier else "identity",
        classes=tuple(classes if classes is not None else
                      (tree.classes_ if is_classifier else (0, 1))),
        feature_names=raw_names,
        metadata={"source": type(tree).__name__},
    )

"""Complexity measures of a fitted model, read from duck-typed attributes.

The study runner never asks which model it holds: :func:`complexity_measures` looks for
the attributes a model family exposes and returns NaN where one does not apply.

=================  ===========================================================================
measure            read from (first found)
=================  ===========================================================================
``n_terms``        ``terms_`` / ``term_features_`` (EBM): number of terms; a linear model
                   (``coef_``): one term per input feature
``n_interactions`` the terms that involve more than one feature
``n_rules``        ``ruleset_.n_rules`` plus its linear terms (each counts as a rule, as RuleFit
                   counts them); a decision tree (``tree_``): its leaves
``n_conditions``   ``ruleset_.n_conditions`` (total conditions over all rules); a tree: the
                   splits on the paths to its leaves
``n_prototypes``   ``prototypes_`` (rows) / ``n_prototypes_``
``n_parameters``   ``n_parameters_``; else, for a model carrying a ``ruleset_`` (a rule model
                   predicts with it), one weight per rule, one threshold per condition,
                   four numbers per linear term (points, bounds, fill) and the intercept; else the floating-point numbers of a torch ``module_``'s state
                   (parameters and buffers, e.g. a NAM's baked tables); else the fitted
                   numbers of a wrapped scikit-learn-style estimator (``coef_``/``intercept_``,
                   tree nodes, boosted-tree nodes, EBM term scores)
=================  ===========================================================================

A wrapper (``estimator_``, e.g. :class:`~interpretable_nn.models.EncodedSklearnClassifier`)
is searched when the model itself lacks an attribute.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["complexity_measures", "COMPLEXITY_MEASURES"]

COMPLEXITY_MEASURES = ("n_parameters", "n_terms", "n_interactions", "n_rules", "n_conditions", "n_prototypes")


def _size(a: Any) -> int:
    try:
        return int(np.asarray(a).size)
    except Exception:  # noqa: BLE001 - ragged or foreign objects
        return 0


def _term_arity(term: Any) -> int:
    """Features in one term: a tuple/list of features, a 'a x b' / 'a & b' name, or one feature."""
    if isinstance(term, tuple | list | np.ndarray):
        return len(term)
    if isinstance(term, str):
        for sep in (" x ", " & ", " * ", ":"):
            if sep in term:
                return len(term.split(sep))
    return 1


def _get(obj: Any, name: str) -> Any:
    """``getattr(obj, name, None)``, also when a property raises (e.g. not fitted)."""
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001
        return None


def _n_parameters(model: Any, depth: int = 0) -> float:
    n = _get(model, "n_parameters_")
    if n is not None:
        return float(n)
    rs = _get(model, "ruleset_")  # a rule model is what its rule set holds
    if rs is not None and hasattr(rs, "n_rules"):
        return float(rs.n_rules + rs.n_conditions + 1 + 4 * getattr(rs, "n_linear", 0))
    module = _get(model, "module_")
    if module is not None and hasattr(module, "state_dict"):  # parameters and buffers (baked tables)
        n = sum(v.numel() for v in module.state_dict().values() if v.is_floating_point())
        if n:
            return float(n)
    count = 0
    for attr in ("coef_", "intercept_"):  # linear models
        if hasattr(model, attr):
            count += _size(getattr(model, attr))
    tree = getattr(model, "tree_", None)  # one decision tree: a split or a leaf value per node
    if tree is not None and hasattr(tree, "node_count"):
        count += int(tree.node_count)
    if hasattr(model, "term_scores_"):  # EBM: one score per bin of every term
        count += sum(_size(s) for s in model.term_scores_) + _size(getattr(model, "intercept_", 0))
    if count == 0 and hasattr(model, "get_booster"):  # xgboost: a split or a leaf value per node
        try:
            count += len(model.get_booster().trees_to_dataframe())
        except Exception:  # noqa: BLE001
            pass
    if count == 0 and hasattr(model, "estimators_"):  # forests, gradient boosting
        ests = np.asarray(model.estimators_, dtype=object).ravel()
        count += int(sum(_n_parameters(e, depth + 1) for e in ests if e is not None))
    if count == 0 and hasattr(model, "_predictors"):  # HistGradientBoosting (one list per iteration)
        count += sum(len(p.nodes) for it in model._predictors for p in it)
    if count:
        return float(count)
    inner = getattr(model, "estimator_", None)
    if inner is not None and depth < 3:
        return _n_parameters(inner, depth + 1)
    return math.nan


def _tree_rules(tree: Any) -> tuple[float, float]:
    """(leaves, conditions) of a fitted scikit-learn tree: each leaf is a rule whose
    conditions are the splits on its path."""
    left, right = np.asarray(tree.children_left), np.asarray(tree.children_right)
    depth, stack, leaves, conditions = np.zeros(len(left), int), [0], 0, 0
    while stack:
        i = stack.pop()
        if left[i] == right[i]:  # a leaf
            leaves += 1
            conditions += int(depth[i])
            continue
        for c in (left[i], right[i]):
            depth[c] = depth[i] + 1
            stack.append(int(c))
    return float(leaves), float(conditions)


def _first(model: Any, names: tuple[str, ...]) -> Any:
    for obj in (model, getattr(model, "estimator_", None)):
        if obj is None:
            continue
        for name in names:
            value = _get(obj, name)
            if value is not None:
                return value
    return None


def complexity_measures(model: Any) -> dict[str, float]:
    """Complexity of a fitted model (see the module docstring for where each comes from).

    Returns a dict with the keys of :data:`COMPLEXITY_MEASURES`; NaN where a measure does
    not apply to the model.

    Examples
    --------
    >>> from interpretable_nn.datasets import load_dataset
    >>> from interpretable_nn.models import make_model
    >>> ds = load_dataset("default")
    >>> m = make_model("logreg").fit(ds.X, ds.y)
    >>> c = complexity_measures(m)
    >>> c["n_parameters"], c["n_rules"] != c["n_rules"]   # 4 coefficients + intercept; no rules
    (5.0, True)
    """
    out = dict.fromkeys(COMPLEXITY_MEASURES, math.nan)
    out["n_parameters"] = _n_parameters(model)

    terms = _first(model, ("terms_", "term_features_"))
    if terms is not None:
        terms = list(terms)
        out["n_terms"] = float(len(terms))
        out["n_interactions"] = float(sum(_term_arity(t) > 1 for t in terms))

    rs = _first(model, ("ruleset_",))
    if rs is not None and hasattr(rs, "n_rules"):
        out["n_rules"] = float(rs.n_rules + getattr(rs, "n_linear", 0))
        out["n_conditions"] = float(rs.n_conditions)

    if math.isnan(out["n_terms"]) and _first(model, ("coef_",)) is not None:  # linear: a term per feature
        n_in = _first(model, ("n_features_in_",))
        if n_in is not None:
            out["n_terms"], out["n_interactions"] = float(n_in), 0.0

    tree = _first(model, ("tree_",))
    if math.isnan(out["n_rules"]) and tree is not None and hasattr(tree, "children_left"):
        out["n_rules"], out["n_conditions"] = _tree_rules(tree)  # a decision tree: one rule per leaf

    protos = _first(model, ("n_prototypes_", "prototypes_"))
    if protos is not None:
        out["n_prototypes"] = float(protos if isinstance(protos, int | float | np.integer) else len(protos))
    return out

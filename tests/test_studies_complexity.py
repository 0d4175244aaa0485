"""Complexity measures come from duck-typed attributes, whatever the model."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import torch

from interpretable_nn.rules import Condition, Rule, RuleSet
from interpretable_nn.studies import COMPLEXITY_MEASURES, complexity_measures


def _nan_except(c: dict, keys: set[str]) -> bool:
    return all(math.isnan(v) for k, v in c.items() if k not in keys)


def test_additive_terms_and_interactions():
    m = SimpleNamespace(terms_=[("a",), ("b",), ("a", "b")], n_parameters_=120)
    c = complexity_measures(m)
    assert set(c) == set(COMPLEXITY_MEASURES)
    assert (c["n_terms"], c["n_interactions"], c["n_parameters"]) == (3, 1, 120)
    assert _nan_except(c, {"n_terms", "n_interactions", "n_parameters"})
    named = complexity_measures(SimpleNamespace(terms_=["age", "income", "age x income"], interactions_=[("age", "income")]))
    assert (named["n_terms"], named["n_interactions"]) == (3, 1)


def test_rule_model_is_measured_by_its_rule_set():
    rs = RuleSet([Rule((Condition("a", ">", 1.0), Condition("b", "==", "x")), 0.5), Rule((), -0.2)])
    m = SimpleNamespace(ruleset_=rs, module_=torch.nn.Linear(100, 100))
    c = complexity_measures(m)
    assert (c["n_rules"], c["n_conditions"], c["n_parameters"]) == (2, 2, 2 + 2 + 1)


def test_prototypes_torch_and_wrapped_sklearn():
    protos = complexity_measures(SimpleNamespace(prototypes_=np.zeros((7, 3)), module_=torch.nn.Linear(3, 2)))
    assert protos["n_prototypes"] == 7 and protos["n_parameters"] == 3 * 2 + 2
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    X, y = np.random.default_rng(0).normal(size=(60, 4)), np.arange(60) % 2
    wrapped = SimpleNamespace(estimator_=LogisticRegression().fit(X, y))
    assert complexity_measures(wrapped)["n_parameters"] == 5
    tree = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    assert complexity_measures(tree)["n_parameters"] == tree.tree_.node_count
    assert _nan_except(complexity_measures(object()), set())  # nothing known: all NaN, no error


def test_a_property_that_raises_is_ignored():
    class Odd:
        n_parameters_ = None

        @property
        def terms_(self):
            raise AttributeError("not fitted")

    c = complexity_measures(Odd())
    assert math.isnan(c["n_terms"]) and math.isnan(c["n_parameters"])

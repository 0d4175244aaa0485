"""interpretable_nn: inherently interpretable neural models for tabular decisions, with every
explanation checked against the model.

Public API (see DESIGN.md)::

    import interpretable_nn as inn
    from interpretable_nn.datasets import load_dataset, list_datasets, make_additive
"""

from ._version import __version__
from .attribution import Explanation, Fidelity
from .data import FeatureSchema, TabularEncoder
from .distill import SurrogateTree
from .models import (
    MLPClassifier,
    MLPRegressor,
    NAMClassifier,
    NAMRegressor,
    PrototypeClassifier,
    RuleNetClassifier,
    list_models,
    make_model,
)
from .persistence import load_model, save_model
from .rules import Condition, Rule, RuleSet, Scorecard

__all__ = [
    "Condition",
    "Explanation",
    "FeatureSchema",
    "Fidelity",
    "MLPClassifier",
    "MLPRegressor",
    "NAMClassifier",
    "NAMRegressor",
    "PrototypeClassifier",
    "Rule",
    "RuleNetClassifier",
    "RuleSet",
    "Scorecard",
    "SurrogateTree",
    "TabularEncoder",
    "__version__",
    "list_models",
    "load_model",
    "make_model",
    "save_model",
]

"""interpretable_nn: inherently interpretable neural models for tabular decisions, with every
explanation checked against the model.

Public API (see DESIGN.md)::

    import interpretable_nn as inn
    from interpretable_nn.datasets import load_dataset, list_datasets, make_additive
"""

from ._version import __version__
from .data import FeatureSchema, TabularEncoder
from .explain import Explanation
from .models import MLPClassifier, MLPRegressor, list_models, make_model
from .persistence import load_model, save_model

__all__ = [
    "Explanation",
    "FeatureSchema",
    "MLPClassifier",
    "MLPRegressor",
    "TabularEncoder",
    "__version__",
    "list_models",
    "load_model",
    "make_model",
    "save_model",
]

"""Estimators: interpretable models and the black-box baselines."""

from .base import BaseModel, TorchModel
from .baselines import EncodedSklearnClassifier, MLPClassifier, MLPRegressor
from .registry import available_models, list_models, make_model, register_model

__all__ = [
    "BaseModel",
    "EncodedSklearnClassifier",
    "MLPClassifier",
    "MLPRegressor",
    "TorchModel",
    "available_models",
    "list_models",
    "make_model",
    "register_model",
]

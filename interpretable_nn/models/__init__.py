"""Estimators: interpretable models and the black-box baselines."""

from .base import BaseModel, TorchModel
from .baselines import (
    EncodedSklearnClassifier,
    EncodedSklearnRegressor,
    FrameSklearnClassifier,
    MLPClassifier,
    MLPRegressor,
    XGBoostClassifier,
)
from .nam import NAMClassifier, NAMRegressor
from .prototype import PrototypeClassifier
from .registry import available_models, list_models, make_model, register_model
from .rulenet import RuleNetClassifier

__all__ = [
    "BaseModel",
    "EncodedSklearnClassifier",
    "EncodedSklearnRegressor",
    "FrameSklearnClassifier",
    "MLPClassifier",
    "MLPRegressor",
    "NAMClassifier",
    "NAMRegressor",
    "PrototypeClassifier",
    "RuleNetClassifier",
    "TorchModel",
    "XGBoostClassifier",
    "available_models",
    "list_models",
    "make_model",
    "register_model",
]

"""Estimators: interpretable models (NAM, RuleNet, prototypes) and the black-box baselines
(the torch MLP in :mod:`.mlp`; scikit-learn, EBM and XGBoost wrappers in :mod:`.wrappers`)."""

from .base import BaseModel, TorchModel
from .mlp import MLPClassifier, MLPRegressor
from .nam import NAMClassifier, NAMRegressor
from .prototype import PrototypeClassifier
from .registry import available_models, list_models, make_model, model_cost, register_model
from .rulenet import RuleNetClassifier
from .wrappers import (
    EncodedSklearnClassifier,
    EncodedSklearnRegressor,
    FrameSklearnClassifier,
    XGBoostClassifier,
)

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
    "model_cost",
    "register_model",
]

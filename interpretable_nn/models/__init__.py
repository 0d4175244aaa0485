"""Estimators: interpretable models (NAM, RuleNet, prototypes) and the black-box baselines
(the torch MLP in :mod:`.mlp`; scikit-learn and XGBoost wrappers in :mod:`.wrappers`, EBM's in
:mod:`.frame_wrappers`)."""

from .base import BaseModel, TorchModel
from .frame_wrappers import FrameSklearnClassifier, FrameSklearnRegressor
from .mlp import MLPClassifier, MLPRegressor
from .nam import NAMClassifier, NAMRegressor
from .prototype import PrototypeClassifier
from .registry import available_models, list_models, make_model, model_cost, register_model
from .rulenet import RuleNetClassifier
from .wrappers import (
    EncodedSklearnClassifier,
    EncodedSklearnRegressor,
    XGBoostClassifier,
    XGBoostRegressor,
)

__all__ = [
    "BaseModel",
    "EncodedSklearnClassifier",
    "EncodedSklearnRegressor",
    "FrameSklearnClassifier",
    "FrameSklearnRegressor",
    "MLPClassifier",
    "MLPRegressor",
    "NAMClassifier",
    "NAMRegressor",
    "PrototypeClassifier",
    "RuleNetClassifier",
    "TorchModel",
    "XGBoostClassifier",
    "XGBoostRegressor",
    "available_models",
    "list_models",
    "make_model",
    "model_cost",
    "register_model",
]

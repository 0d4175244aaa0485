"""Model registry: one name per model family, used by the CLI and the study runner.

``make_model("nam", random_state=0)`` builds an estimator that takes raw DataFrames.
A new model joins by adding one entry to ``_REGISTRY`` (name -> (factory, description,
needs)); the CLI and studies pick it up unchanged. ``cost`` is a rough fit time in seconds
(the median of the demo's cells on ``credit_data``, two workers on two cores), so that a
study starts its longest cells first.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import math
from collections.abc import Callable

import pandas as pd

__all__ = ["make_model", "list_models", "model_names", "register_model", "available_models", "model_cost", "NoRegressorError"]


class NoRegressorError(ValueError):
    """A registry name asked for a regression target builds a classifier (it has no regressor)."""

_REGISTRY: dict[str, tuple[Callable, str, tuple[str, ...]]] = {}
_COST: dict[str, float] = {}
_REGRESSORS: dict[str, Callable] = {}
#: custom names: whether their one factory builds a regressor (:func:`_regresses`, kept per registration)
_REGRESSES: dict[str, bool] = {}
#: the library's own names as registered at import (a name registered again is the user's)
_BUILTIN: set[str] = set()
TASKS = ("classification", "regression")


def register_model(name: str, factory: Callable, description: str, needs: tuple[str, ...] = (),
                   cost: float = 1.0, regressor: Callable | None = None) -> None:
    """Add a model under ``name``; ``needs`` lists import names of optional packages and
    ``cost`` its rough fit time in seconds on ``credit_data`` (a study starts the costly cells
    first, so that its workers do not end with one of them fitting the last slow cell alone).
    ``regressor``, where given, builds the same model for a regression target: a study then
    fits it under the same name on its regression data sets."""
    if isinstance(cost, bool) or not isinstance(cost, int | float) or not math.isfinite(cost) or cost < 0:
        raise ValueError(f"register_model({name!r}): cost must be a finite number of seconds >= 0; got {cost!r}.")
    if regressor is not None and not callable(regressor):
        raise TypeError(f"register_model({name!r}): regressor must be a callable or None; got {regressor!r}.")
    _REGISTRY[name] = (factory, description, tuple(needs))
    _COST[name] = float(cost)
    _REGRESSORS.pop(name, None)
    _REGRESSES.pop(name, None)
    _BUILTIN.discard(name)
    if regressor is not None:
        _REGRESSORS[name] = regressor


def model_cost(name) -> float:
    """The ``cost`` hint of a registry name (1.0 for names registered without one)."""
    return _COST.get(name, 1.0)


def _installed(needs: tuple[str, ...]) -> bool:
    return all(importlib.util.find_spec(n) is not None for n in needs)


def model_names() -> list[str]:
    """Every registered name (without building anything, as :func:`list_models` may)."""
    return list(_REGISTRY)


def available_models() -> list[str]:
    """Names whose optional dependencies are installed."""
    return [k for k, (_, _, needs) in _REGISTRY.items() if _installed(needs)]


def list_models() -> pd.DataFrame:
    """Every registered model: name, description, whether it can be used here, and whether it
    fits a regression target (a regressor factory, or one model that is a regressor)."""
    return pd.DataFrame(
        [{"name": k, "description": d, "available": _installed(n), "needs": ", ".join(n),
          "regression": _regresses(k)} for k, (_, d, n) in _REGISTRY.items()]
    )


def _regresses(name: str) -> bool:
    """Whether ``make_model(name, "regression")`` builds a regressor: a name registered with a
    ``regressor`` factory does; a custom name registered with one factory does when the model
    it builds with default parameters is a scikit-learn regressor (a regressor-only name). That
    factory is called once per registration (the answer is kept), never for the library's own
    names, whose answer is known."""
    if name in _REGRESSORS:
        return True
    if name in _BUILTIN or name not in _REGISTRY:
        return False
    if name not in _REGRESSES:
        factory, _, needs = _REGISTRY[name]
        from sklearn.base import is_regressor

        try:
            _REGRESSES[name] = _installed(needs) and bool(is_regressor(_call(factory, "regression", {})))
        except (Exception, SystemExit):  # noqa: BLE001 - a factory that needs parameters: not known to regress
            _REGRESSES[name] = False
    return _REGRESSES[name]


def _takes_task(factory: Callable) -> bool:
    """Whether ``factory`` names a ``task`` parameter that a keyword reaches and that a
    ``functools.partial`` has not already fixed (a custom factory building either kind by it)."""
    if isinstance(factory, functools.partial) and "task" in factory.keywords:
        return False
    try:
        param = inspect.signature(factory).parameters.get("task")
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return False
    return param is not None and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)


def _call(factory: Callable, task: str | None, params: dict):
    """``factory(**params)``, with ``task`` added where the factory names a ``task`` parameter
    (:func:`_takes_task`) and ``task`` is not the default kind: ``"regression"``, or a value of
    the factory's own (a classifier is built with the factory's own default, whatever it
    calls it: ``"binary"``, ``"classification"``)."""
    passed = task not in (None, "classification") and _takes_task(factory)
    return factory(**params, task=task) if passed else factory(**params)


def make_model(name: str, task: str = "classification", **params):
    """A fresh estimator for a registry name, with ``params`` passed to its constructor;
    ``task="regression"`` builds the name's regressor where it has one (``list_models()``'s
    ``regression`` column), else the one model the name has when that is a regressor (a name
    registered with a regressor factory), else a :class:`NoRegressorError`. A custom factory
    with a ``task`` parameter of its own receives ``task="regression"``, or a value of its own
    that is neither task (passed through, as before ``task`` was this function's); for a
    classifier its own default applies."""
    if name not in _REGISTRY:
        raise ValueError(f"Unknown model {name!r}; registered: {sorted(_REGISTRY)}.")
    factory, _, needs = _REGISTRY[name]
    if task not in TASKS and not (name not in _REGRESSORS and _takes_task(factory)):
        raise ValueError(f"task must be one of {list(TASKS)}; got {task!r}.")
    regression_factory = _REGRESSORS.get(name) if task == "regression" else None
    if not _installed(needs):
        raise ImportError(
            f"Model {name!r} needs {', '.join(needs)}; install it with: pip install 'interpretable-nn[baselines]'"
        )
    if task == "regression" and "class_weight" in params:
        raise TypeError(f"Model {name!r} for a regression target has no class_weight (there are no classes to "
                        "weigh); weigh rows with fit(X, y, sample_weight=...) instead.")
    model = _call(regression_factory or factory, None if regression_factory else task, params)
    if task == "regression" and regression_factory is None and _is_classifier(model):
        raise NoRegressorError(
            f"Model {name!r} is a classifier and has no regressor for a regression target (an amount); the "
            f"models with one: {sorted(_REGRESSORS)} (the regression column of list_models() or `interpretable-nn "
            "models`), or register one: register_model(name, factory, description, regressor=...).")
    return model


def _is_classifier(model) -> bool:
    from sklearn.base import is_classifier

    try:
        return is_classifier(model)
    except Exception:  # noqa: BLE001 - an object without scikit-learn's tags: not ours to judge
        return False


def _mlp(**p):
    from .mlp import MLPClassifier

    return MLPClassifier(**p)


def _mlp_reg(**p):
    from .mlp import MLPRegressor

    return MLPRegressor(**p)


def _sklearn(make, defaults: dict, raw_numeric: bool, regression: bool = False):
    """A factory wrapping ``make(**{**defaults, **params})`` in the library's encoder."""

    def factory(**p):
        from .wrappers import EncodedSklearnClassifier, EncodedSklearnRegressor

        wrap = EncodedSklearnRegressor if regression else EncodedSklearnClassifier
        return wrap(make()(**{**defaults, **p}), raw_numeric=raw_numeric)

    return factory


def _lr():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression


def _dt(regression: bool = False):
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    return DecisionTreeRegressor if regression else DecisionTreeClassifier


def _hgb(regression: bool = False):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    return HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier


def _ebm(**p):
    from interpret.glassbox import ExplainableBoostingClassifier

    from .frame_wrappers import FrameSklearnClassifier

    return FrameSklearnClassifier(ExplainableBoostingClassifier(**p))


def _ebm_reg(**p):
    from interpret.glassbox import ExplainableBoostingRegressor

    from .frame_wrappers import FrameSklearnRegressor

    return FrameSklearnRegressor(ExplainableBoostingRegressor(**p))


def _xgb(**p):
    from .wrappers import XGBoostClassifier

    return XGBoostClassifier(**p)


def _xgb_reg(**p):
    from .wrappers import XGBoostRegressor

    return XGBoostRegressor(**p)


_logreg = _sklearn(_lr, {"max_iter": 2000}, raw_numeric=False)
_TREE, _HGB = {"max_depth": 4, "random_state": 0}, {"random_state": 0}
register_model("mlp", _mlp, "torch MLP (black-box baseline)", cost=2, regressor=_mlp_reg)
register_model("logreg", _logreg, "logistic regression on the library's encoding (scikit-learn)", cost=0.1)
register_model("tree", _sklearn(_dt, _TREE, raw_numeric=True),
               "decision tree, depth 4 by default, thresholds in raw units (scikit-learn)", cost=0.1,
               regressor=_sklearn(lambda: _dt(True), _TREE, raw_numeric=True, regression=True))
register_model("hgb", _sklearn(_hgb, _HGB, raw_numeric=True),
               "histogram gradient boosting on raw-unit numerics with NaN (scikit-learn)", cost=0.6,
               regressor=_sklearn(lambda: _hgb(True), _HGB, raw_numeric=True, regression=True))
register_model("ebm", _ebm, "explainable boosting machine on the raw frame (interpret)", needs=("interpret",), cost=90,
               regressor=_ebm_reg)
register_model("xgb", _xgb, "XGBoost 300 trees of depth 4, saved as XGBoost JSON", needs=("xgboost",), cost=0.5,
               regressor=_xgb_reg)


def _rulenet(**p):
    from .rulenet import RuleNetClassifier

    return RuleNetClassifier(**p)


register_model("rulenet", _rulenet, "differentiable rule learner; predicts with its exportable RuleSet", cost=8)


def _prototype(**p):
    from .prototype import PrototypeClassifier

    return PrototypeClassifier(**p)


register_model("prototype", _prototype, "prototype network (ProtoPNet line); prototypes are real training cases", cost=9)


def _nam(**p):
    from .nam import NAMClassifier

    return NAMClassifier(**p)


def _nam_reg(**p):
    from .nam import NAMRegressor

    return NAMRegressor(**p)


register_model("nam", _nam, "neural additive model (GA2M): shape functions, pairs, monotone, scorecard", cost=11,
               regressor=_nam_reg)
_BUILTIN.update(_REGISTRY)

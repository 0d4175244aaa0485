"""Base estimators: the scikit-learn contract, input validation, persistence hooks and the
torch plumbing shared by every model.

:class:`BaseModel`
    ``__init__`` stores parameters only; ``fit`` validates (parameters, frame, target),
    fits the :class:`~interpretable_nn.data.encoding.TabularEncoder` and sets the trailing-
    underscore attributes; predictions start with ``check_is_fitted``; ``save``/``load``.
:class:`TorchModel`
    A model whose scoring function is an ``nn.Module`` trained by
    :func:`interpretable_nn.training.engine.train`, through the one fit template
    :meth:`TorchModel._fit` (hooks ``_fit_data``, ``_prepare``, ``_init_module``, ``_train``,
    ``_after_fit``, each given the fit's :class:`~interpretable_nn.training.engine.FitData`;
    ``_record_fit`` sets ``history_`` and ``fit_info_``). Subclasses implement
    ``_build_module()`` and ``_module_inputs(encoded)``; everything else (device, seeds,
    chunked prediction, state for persistence) lives here.

Every public estimator class registers itself for :func:`~interpretable_nn.load_model`
(``BaseModel.__init_subclass__`` -> :func:`interpretable_nn.persistence.register_model_class`),
so persistence imports no model.

``decision_function``, ``predict_proba``, ``predict`` and ``explain`` of every model (and any
method a subclass lists in ``_chunked_methods``) run on chunks of rows with bounded memory:
see :mod:`interpretable_nn.models.chunking`. Subclasses are wrapped automatically when they
define one of these methods.
"""

from __future__ import annotations

import time
import warnings
from copy import deepcopy as copy_module
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..attribution.explanation import Explanation
from ..data.encoding import EncodedData, TabularEncoder
from ..data.schema import classes_from_state, classes_state
from ..data.validation import (
    check_class_weight,
    check_frame,
    check_predict_frame,
    check_sample_weight,
    check_target,
    class_row_weights,
    precision_warned,
    user_stacklevel,
)
from ..persistence import load_model, register_model_class, save_model, snapshot_params
from ..training.engine import (
    ENGINE_EXTRA,
    FitData,
    TrainConfig,
    TrainResult,
    float32_default,
    predict_batched,
    resolve_device,
    seed_everything,
    train,
)
from .chunking import chunk_rows, chunked, get_chunk_rows
from .magnitudes import (
    clip_encoded,
    encode_finite,
    finite_predictions,
    input_band,
    stabilise_encoder,
    target_moments,
)

__all__ = ["BaseModel", "TorchModel", "TRAINING_CONSTRAINTS", "chunk_rows", "get_chunk_rows", "chunked"]

#: parameter constraints shared by every torch model (scikit-learn's declarative style)
TRAINING_CONSTRAINTS: dict[str, list] = {
    "max_epochs": [Interval(Integral, 1, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "patience": [Interval(Integral, 1, None, closed="left")],
    "class_weight": [StrOptions({"balanced"}), dict, None],
    "device": [str],
    "random_state": [Interval(Integral, 0, None, closed="left"), None],  # a seed: models seed torch with it
    "verbose": ["verbose"],
    "categorical": [list, tuple, None],
}


def positive_ints(value, name: str, example: str, allow_empty: bool = True) -> tuple[int, ...]:
    """``value`` (e.g. ``hidden_sizes``) as a tuple of positive ints, or a ``ValueError``
    naming the parameter with an example of a valid value."""
    vals = tuple(value)
    if (not vals and not allow_empty) or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in vals
    ):
        raise ValueError(f"{name} must be positive integers, e.g. {example}; got {value!r}.")
    return tuple(int(v) for v in vals)


class BaseModel(BaseEstimator):
    """Validation, encoding and persistence shared by every estimator of the library.

    Subclasses set ``_task`` to ``"classification"`` or ``"regression"`` and implement
    ``_fit(X, y, sample_weight)`` (torch models inherit :meth:`TorchModel._fit`) and
    ``_decision_encoded(enc) -> ndarray`` (log-odds of the
    positive class (n,) for binary, (n, k) logits for multiclass, predictions for
    regression).
    """

    _task: ClassVar[str] = "classification"
    _parameter_constraints: ClassVar[dict] = {}
    #: row-wise methods run in chunks of rows (wrapped with :func:`chunked` in every subclass)
    _chunked_methods: ClassVar[tuple[str, ...]] = ("decision_function", "predict_proba", "predict", "explain")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("interpretable_nn.") and not cls.__name__.startswith("_"):
            register_model_class(cls)  # load_model finds the class by name
        for name in cls._chunked_methods:
            fn = cls.__dict__.get(name)
            if callable(fn) and not isinstance(fn, (staticmethod, classmethod, property)):
                setattr(cls, name, chunked(fn))

    # fitted attributes (declared for readers and type checkers)
    encoder_: TabularEncoder
    n_features_in_: int
    classes_: np.ndarray
    fit_info_: dict

    # ------------------------------------------------------------------ fit
    def _validate_fit_input(self, X, y) -> tuple[pd.DataFrame, np.ndarray]:
        self._validate_params()
        df = check_frame(X)
        yy, classes = check_target(y, len(df), self._task)
        check_class_weight(getattr(self, "class_weight", None), classes)  # keys are labels
        self._reset_fitted()
        with np.errstate(over="ignore", invalid="ignore"), precision_warned():  # overflowing moments ...; 2**53 warned
            self.encoder_ = TabularEncoder(
                categorical=list(getattr(self, "categorical", None) or []) or None,
                monotone=getattr(self, "monotone", None),
            ).fit(df)
        stabilise_encoder(self.encoder_, df)  # ... (values beyond ~1e154) are recomputed here
        self.n_features_in_ = df.shape[1]
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.array(df.columns, dtype=object)
        if classes is not None:
            self.classes_ = classes
        constant = [f.name for f in self.encoder_.schema_.numeric if f.min == f.max]
        if constant:
            warnings.warn(f"Column(s) {constant} are constant in the training data; they carry no signal and get a "
                          "zero contribution.", UserWarning, stacklevel=user_stacklevel())
        return df, yy

    def _reset_fitted(self) -> None:
        """Drop the attributes of an earlier fit so a failed refit leaves nothing half-fitted."""
        for k in list(vars(self)):
            if k.endswith("_") and not k.startswith("__"):
                delattr(self, k)

    def fit(self, X, y, sample_weight=None):
        """Fit on a raw DataFrame (categoricals and NaN allowed) or a 2-D array. If the
        subclass's ``_fit`` raises, the model is put back as it was, never half-fitted."""
        earlier = self._fitted_state()
        try:
            with float32_default():  # a process default of float64 built float64 layers for float32 inputs
                self._fit(X, y, sample_weight)
        except BaseException:
            self._restore_fitted(earlier)
            raise
        self.fitted_params_ = snapshot_params(self)  # what save() checks the parameters against
        return self

    def _fit(self, X, y, sample_weight) -> None:  # pragma: no cover - every subclass implements it
        raise NotImplementedError

    def _fitted_state(self) -> dict[str, Any]:
        """The fitted attributes as they are now (taken before a fit, see :meth:`_restore_fitted`)."""
        return {k: v for k, v in vars(self).items() if k.endswith("_") and not k.startswith("__")}

    def _restore_fitted(self, state: dict[str, Any]) -> None:
        """After a failed fit: drop its partial attributes and put back the earlier fit (if
        any), so the model is either unfitted or exactly as fitted before - never half-fitted."""
        self._reset_fitted()
        self.__dict__.update(state)

    @property
    def feature_names_(self) -> list[str]:
        return self.encoder_.schema_.names

    @property
    def task_(self) -> str:
        if self._task == "regression":
            return "regression"
        return "binary" if len(self.classes_) == 2 else "multiclass"

    def _encode(self, X) -> tuple[pd.DataFrame, EncodedData]:
        check_is_fitted(self, "encoder_")
        df = check_predict_frame(X, self.encoder_.schema_, named=hasattr(self, "feature_names_in_"))
        enc = encode_finite(self.encoder_, df)  # a float32 overflow is +-inf, clipped to the band next
        return df, clip_encoded(enc, input_band(self.encoder_))

    # ------------------------------------------------------------------ predict
    @chunked
    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the positive class (binary, shape (n,)), class logits (multiclass,
        (n, k)) or predictions (regression), computed in chunks of rows."""
        _, enc = self._encode(X)
        return self._decision_encoded(enc)

    @chunked
    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities, shape (n, n_classes)."""
        if self._task == "regression":
            raise AttributeError("predict_proba is not available for a regressor.")
        return self._proba_from_decision(self.decision_function(X))

    @staticmethod
    def _proba_from_decision(d: np.ndarray) -> np.ndarray:
        if d.ndim == 1:
            p = np.where(d >= 0, 1 / (1 + np.exp(-np.abs(d))), np.exp(-np.abs(d)) / (1 + np.exp(-np.abs(d))))
            return np.column_stack([1 - p, p])
        z = d - d.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    @chunked
    def predict(self, X) -> np.ndarray:
        """Class labels (classifiers; threshold 0 on the log-odds) or predictions (regressors)."""
        d = self.decision_function(X)
        if self._task == "regression":
            return d
        idx = (d > 0).astype(int) if d.ndim == 1 else d.argmax(axis=1)
        return self.classes_[idx]

    # ------------------------------------------------------------------ explain
    def explain(self, X) -> Explanation:  # pragma: no cover - each model overrides
        raise NotImplementedError(f"{type(self).__name__} does not implement explain().")

    def _output_name(self) -> str:
        return "raw" if self._task == "regression" else "log-odds"

    # ------------------------------------------------------------------ persistence
    def save(self, path, *, key: bytes | str | None = None) -> None:
        """Save to directory ``path``: tensors in safetensors, the rest in JSON, with a
        SHA-256 manifest (never pickle), atomically; ``key`` signs it (HMAC-SHA256). Load
        with :func:`interpretable_nn.load_model`."""
        save_model(self, path, key=key)

    @classmethod
    def load(cls, path, *, key: bytes | str | None = None):
        """Load a model saved with :meth:`save` (checksums, meaning and, with ``key``, the
        signature verified)."""
        model = load_model(path, key=key)
        if not isinstance(model, cls):
            raise TypeError(f"{path} holds a {type(model).__name__}, not a {cls.__name__}.")
        return model

    def _base_state(self) -> dict:
        state: dict[str, Any] = {
            "encoder": self.encoder_.to_dict(),
            "n_features_in_": int(self.n_features_in_),
            "fit_info_": getattr(self, "fit_info_", {}),
        }
        if hasattr(self, "feature_names_in_"):
            state["feature_names_in_"] = [str(c) for c in self.feature_names_in_]
        if hasattr(self, "classes_"):
            state.update(classes_state(self.classes_))
        return state

    def _set_base_state(self, state: dict) -> None:
        self.encoder_ = TabularEncoder.from_dict(state["encoder"])
        self.n_features_in_ = int(state["n_features_in_"])
        self.fit_info_ = dict(state.get("fit_info_", {}))
        if "feature_names_in_" in state:
            self.feature_names_in_ = np.array(state["feature_names_in_"], dtype=object)
        if "classes_" in state:
            self.classes_ = classes_from_state(state)

    def _get_state(self) -> tuple[dict, dict[str, torch.Tensor]]:
        """(JSON-safe dict, named tensors) that :meth:`_set_state` restores."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved.")

    def _set_state(self, state: dict, tensors: dict[str, torch.Tensor]) -> None:
        raise NotImplementedError(f"{type(self).__name__} cannot be loaded.")


class TorchModel(BaseModel):
    """A model whose score is an ``nn.Module`` trained by the shared engine.

    Subclasses implement

    ``_build_module() -> nn.Module``
        from parameters and fitted attributes (called at fit and at load time);
    ``_module_inputs(enc: EncodedData) -> tuple[Tensor, ...]``
        the module's CPU input tensors;

    and may override ``_train_config()``, ``_extra_state()``/``_load_extra_state()`` and the
    hooks of the one fit template :meth:`_fit` (no model overrides ``_fit`` itself):

    ``_fit_data(X, y, sample_weight) -> FitData``
        validate, fit the encoder, encode, seed (image models read arrays here);
    ``_prepare(data)``
        fitted attributes the module needs before it is built (knots, baselines, literals);
    ``_init_module(data)``
        data-dependent initialisation of the freshly built ``module_`` (an output bias at
        the prior log-odds, a rule net's initial conjunctions);
    ``_train(data) -> TrainResult``
        build, initialise and train the module (multi-phase models return
        :meth:`TrainResult.combine` of their phases);
    ``_after_fit(data, result) -> dict | None``
        pruning, projection, rule extraction; returns extra figures for ``fit_info_``.

    :meth:`_record_fit` is the one place that sets ``history_`` and ``fit_info_``.
    """

    module_: torch.nn.Module
    history_: pd.DataFrame

    def _train_config(self, **overrides) -> TrainConfig:
        cfg = TrainConfig(
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            weight_decay=self.weight_decay,
            validation_fraction=self.validation_fraction,
            patience=self.patience,
            class_weight=None,  # class weights travel in the row weights (:meth:`_row_weights`)
            device=self.device,
            random_state=self.random_state,
            verbose=self.verbose,
            description=type(self).__name__,
        )
        for k, v in overrides.items():
            setattr(cfg, k, v)
        return cfg

    def _target_tensor(self, y: np.ndarray, sample_weight: np.ndarray | None = None) -> torch.Tensor:
        """The engine's target; a regression target standardised (:func:`target_moments`)."""
        if self._task == "regression":
            self.y_mean_, self.y_scale_ = target_moments(y, sample_weight)
            return torch.as_tensor((y - self.y_mean_) / (self.y_scale_ or 1.0), dtype=torch.float32)
        return torch.as_tensor(y, dtype=torch.int64)

    # the fit template ------------------------------------------------------
    def _fit(self, X, y, sample_weight) -> None:
        """Validate and encode, prepare, train, finish, record: the one fit of every torch model."""
        t0 = time.perf_counter()
        data = self._fit_data(X, y, sample_weight)
        self._prepare(data)
        result = self._train(data)
        figures = self._after_fit(data, result)
        self._record_fit(result, figures, fit_time=time.perf_counter() - t0)
        self.module_.to("cpu")

    def _fit_data(self, X, y, sample_weight) -> FitData:
        """Validated frame and target, the fitted encoder's encoding, validated weights and
        the fit's seeded generator (:func:`~interpretable_nn.training.engine.seed_everything`,
        which also seeds torch's global RNG that module construction draws from)."""
        df, yy = self._validate_fit_input(X, y)
        enc = encode_finite(self.encoder_, df)
        return FitData(frame=df, encoded=enc, y=yy, sample_weight=self._row_weights(yy, sample_weight),
                       generator=seed_everything(self.random_state))

    def _row_weights(self, y: np.ndarray, sample_weight) -> np.ndarray | None:
        """``sample_weight`` checked, times a classifier's ``class_weight`` (all the fit reads),
        a lost weight said once (:func:`~interpretable_nn.data.validation.class_row_weights`)."""
        cls = self._task == "classification"
        cw = check_class_weight(getattr(self, "class_weight", None), getattr(self, "classes_", None)) if cls else None
        sw = None if sample_weight is None else check_sample_weight(sample_weight, len(y), cw is None, y if cls else None)
        return class_row_weights(cw, y, sw)

    def _prepare(self, data: FitData) -> None:
        """Fitted attributes the module needs before it is built (knots, baselines...)."""

    def _init_module(self, data: FitData) -> None:
        """Data-dependent initialisation of the freshly built :attr:`module_`."""

    def _train(self, data: FitData) -> TrainResult:
        """Build the module, initialise it from the data and train it once with the engine."""
        self.module_ = self._build_module()
        self._init_module(data)
        sw = None if data.sample_weight is None else torch.as_tensor(data.sample_weight, dtype=torch.float32)
        return train(
            self.module_,
            self._module_inputs(data.encoded),
            self._target_tensor(data.y, data.sample_weight),
            self.task_,
            self._train_config(),
            sample_weight=sw,
            generator=data.generator,
        )

    def _after_fit(self, data: FitData, result: TrainResult) -> dict | None:
        """Work after training (pruning, projection, extraction); may return figures for
        ``fit_info_``."""
        return None

    def _record_fit(self, result: TrainResult, figures: dict | None = None, fit_time: float | None = None) -> None:
        """Set ``history_`` and ``fit_info_`` (the only place that does): the engine's
        figures, then the model's own from ``result.extra`` and ``figures``. ``fit_time``
        is the wall time of the whole fit (validation, encoding, every training phase,
        pruning, projection or extraction); without it, the engine's training time."""
        self.history_ = result.history
        self.fit_info_ = {
            "device": result.device,
            "fit_time": result.fit_time if fit_time is None else fit_time,
            "n_epochs": result.n_epochs,
            "best_epoch": result.best_epoch,
            "stopped_early": result.stopped_early,
            "best_val_loss": result.best_val_loss,
            **{k: v for k, v in result.extra.items() if k not in ENGINE_EXTRA},
            **(figures or {}),
        }

    def _build_module(self) -> torch.nn.Module:  # pragma: no cover - abstract
        raise NotImplementedError

    def _module_inputs(self, enc: EncodedData) -> tuple[torch.Tensor, ...]:  # pragma: no cover
        raise NotImplementedError

    def _extra_state(self) -> dict:
        return {}

    def _load_extra_state(self, state: dict) -> None:
        pass

    # prediction ------------------------------------------------------------
    def _raw_output(self, enc: EncodedData) -> np.ndarray:
        check_is_fitted(self, "module_")
        out = predict_batched(self._scoring_module(), self._module_inputs(enc)).numpy()
        if self.task_ != "multiclass":
            out = out.reshape(-1)
        return out

    def _decision_encoded(self, enc: EncodedData) -> np.ndarray:
        out = self._raw_output(enc)
        if self._task == "regression":
            return finite_predictions(out * self.y_scale_ + self.y_mean_)
        return out

    def to(self, device: str) -> TorchModel:
        """Score on ``device`` (e.g. ``"cuda"`` for fast batch scoring of many rows).

        ``predict``, ``predict_proba``, ``decision_function`` (and the NAM's ``explain`` and
        ``predict_terms``) run their forward passes there, chunk by chunk, on a copy of the
        fitted module; ``module_`` itself stays on the CPU, where plots, exports, gradient
        explanations and saving read it. ``to("cpu")`` scores on the CPU again. Outputs are
        NumPy arrays either way; on CUDA they agree with the CPU's to float32 rounding.
        """
        check_is_fitted(self, "module_")
        self.scoring_device_ = resolve_device(device)
        self._scoring_copy = None
        return self

    def _scoring_module(self) -> torch.nn.Module:
        """The fitted module on :attr:`scoring_device_` (the module itself on the CPU): a
        copy made once and remade when ``module_`` is replaced or its tensors change."""
        device = getattr(self, "scoring_device_", None)
        if device is None or device.type == "cpu":
            return self.module_
        key = (id(self.module_), tuple((id(t), t._version) for t in self.module_.state_dict().values()))
        cached = getattr(self, "_scoring_copy", None)
        if cached is None or cached[0] != key:
            copy = copy_module(self.module_).to(device).eval()
            self._scoring_copy = cached = (key, copy)
        return cached[1]

    # persistence ------------------------------------------------------------
    def _get_state(self):
        state = self._base_state()
        state["history_"] = self.history_.to_dict(orient="list") if hasattr(self, "history_") else None
        if self._task == "regression":
            state["y_mean_"], state["y_scale_"] = self.y_mean_, self.y_scale_
        state["extra"] = self._extra_state()
        tensors = {f"module.{k}": v.detach().cpu().contiguous() for k, v in self.module_.state_dict().items()}
        return state, tensors

    def _set_state(self, state, tensors):
        self._set_base_state(state)
        if state.get("history_") is not None:
            self.history_ = pd.DataFrame(state["history_"])
        if self._task == "regression":
            self.y_mean_, self.y_scale_ = float(state["y_mean_"]), float(state["y_scale_"])
        self._load_extra_state(state.get("extra", {}))
        self.module_ = self._build_module()
        sd = {k[len("module.") :]: v for k, v in tensors.items() if k.startswith("module.")}
        missing, unexpected = self.module_.load_state_dict(sd, strict=False)
        if missing or unexpected:
            raise ValueError(
                f"The saved tensors do not match {type(self).__name__}: missing {missing}, unexpected {unexpected}."
            )
        self.module_.eval()

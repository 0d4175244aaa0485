"""Black-box baselines trained the same way as the interpretable models.

:class:`MLPClassifier` / :class:`MLPRegressor`: a torch multilayer perceptron on the
encoder's dense matrix (standardized numerics, missing indicators, one-hot categories),
trained by the shared engine, saved by the shared persistence, explained by integrated
gradients summed back onto the raw features.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils._param_validation import Interval
from torch import nn

from ..data.encoding import EncodedData
from ..explain.explanation import Explanation
from ..explain.gradients import integrated_gradients
from .base import TRAINING_CONSTRAINTS, BaseModel, TorchModel

__all__ = ["MLPClassifier", "MLPRegressor", "EncodedSklearnClassifier"]


class MLPNet(nn.Module):
    """Plain MLP: [Linear -> (BatchNorm) -> ReLU -> Dropout] x depth -> Linear."""

    def __init__(self, n_in: int, hidden: tuple[int, ...], n_out: int, dropout: float, batch_norm: bool):
        super().__init__()
        layers: list[nn.Module] = []
        d = n_in
        for h in hidden:
            layers.append(nn.Linear(d, h))
            if batch_norm:
                layers.append(nn.BatchNorm1d(h))
            layers.extend([nn.ReLU(), nn.Dropout(dropout)])
            d = h
        layers.append(nn.Linear(d, n_out))
        self.net = nn.Sequential(*layers)
        self.n_out = n_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        return out.reshape(-1) if self.n_out == 1 else out


class _MLPBase(TorchModel):
    _parameter_constraints: ClassVar[dict] = {
        **TRAINING_CONSTRAINTS,
        "hidden_sizes": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "ig_steps": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(
        self,
        *,
        hidden_sizes=(128, 64),
        dropout: float = 0.1,
        batch_norm: bool = False,
        max_epochs: int = 200,
        batch_size: int | None = 256,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        validation_fraction: float = 0.15,
        patience: int = 20,
        categorical=None,
        device: str = "auto",
        random_state: int | None = 0,
        verbose: int = 1,
        ig_steps: int = 32,
    ):
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.categorical = categorical
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.ig_steps = ig_steps

    def _check_hidden(self) -> tuple[int, ...]:
        hs = tuple(self.hidden_sizes)
        if not all(isinstance(h, Integral) and not isinstance(h, bool) and h >= 1 for h in hs):
            raise ValueError(f"hidden_sizes must be positive integers, e.g. (128, 64); got {self.hidden_sizes!r}.")
        return tuple(int(h) for h in hs)

    def _prepare(self, enc: EncodedData, y: np.ndarray) -> None:
        self._check_hidden()
        self.baseline_ = self.encoder_.dense(enc).mean(axis=0).astype(np.float32)

    def _n_outputs(self) -> int:
        return len(self.classes_) if self.task_ == "multiclass" else 1

    def _build_module(self) -> nn.Module:
        return MLPNet(self.encoder_.n_dense_, self._check_hidden(), self._n_outputs(), self.dropout, self.batch_norm)

    def _module_inputs(self, enc: EncodedData) -> tuple[torch.Tensor, ...]:
        return (torch.from_numpy(self.encoder_.dense(enc)),)

    def _extra_state(self) -> dict:
        return {"baseline_": self.baseline_.tolist()}

    def _load_extra_state(self, state: dict) -> None:
        self.baseline_ = np.asarray(state["baseline_"], dtype=np.float32)

    @property
    def n_parameters_(self) -> int:
        """Number of trainable parameters (a complexity measure for studies)."""
        return int(sum(p.numel() for p in self.module_.parameters()))

    def explain(self, X, class_index: int | None = None) -> Explanation:
        """Integrated-gradients attributions of the decision function, summed over the dense
        columns of each raw feature; baseline = the mean encoded training row.

        ``check["completeness_gap"]`` is the largest ``|base + sum(values) - decision|``.
        For multiclass models ``class_index`` selects the logit (default: the predicted class
        is not used; class 0's logit... pass the class you want).
        """
        df, enc = self._encode(X)
        x = torch.from_numpy(self.encoder_.dense(enc))
        module = self.module_.eval()
        scale = getattr(self, "y_scale_", 1.0)
        shift = getattr(self, "y_mean_", 0.0)
        if self.task_ == "multiclass":
            k = 0 if class_index is None else int(class_index)

            def forward(t):
                return module(t)[:, k]
        else:

            def forward(t):
                return module(t) * scale

        vals, base, gap = integrated_gradients(
            forward,
            x,
            torch.from_numpy(self.baseline_),
            group=self.encoder_.dense_feature_index(),
            n_groups=self.n_features_in_,
            steps=self.ig_steps,
        )
        return Explanation(
            values=vals,
            base_values=base + (shift if self._task == "regression" else 0.0),
            feature_names=self.feature_names_,
            data=df.reset_index(drop=True),
            output=self._output_name(),
            method="integrated-gradients",
            check={"completeness_gap": gap},
        )


class MLPClassifier(ClassifierMixin, _MLPBase):
    """Torch MLP classifier: the black-box reference trained through the library's encoder
    and engine.

    Parameters
    ----------
    hidden_sizes : tuple of int, default (128, 64)
    dropout : float, default 0.1
    batch_norm : bool, default False
    max_epochs, batch_size, lr, weight_decay, validation_fraction, patience
        Training settings (see :class:`~interpretable_nn.training.engine.TrainConfig`).
    class_weight : None, "balanced" or dict
    categorical : list of str, optional
        Numeric columns to treat as categorical.
    device : str, default "auto"
    random_state : int or None, default 0
    verbose : int, default 1
    ig_steps : int, default 32
        Quadrature nodes of integrated gradients in :meth:`explain`.

    Examples
    --------
    >>> from interpretable_nn.datasets import load_dataset
    >>> ds = load_dataset("default")
    >>> m = MLPClassifier(max_epochs=5, verbose=0).fit(ds.X, ds.y)
    >>> m.predict_proba(ds.X.head(2)).shape
    (2, 2)
    """

    _task: ClassVar[str] = "classification"

    def __init__(
        self,
        *,
        hidden_sizes=(128, 64),
        dropout: float = 0.1,
        batch_norm: bool = False,
        max_epochs: int = 200,
        batch_size: int | None = 256,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        validation_fraction: float = 0.15,
        patience: int = 20,
        class_weight=None,
        categorical=None,
        device: str = "auto",
        random_state: int | None = 0,
        verbose: int = 1,
        ig_steps: int = 32,
    ):
        super().__init__(
            hidden_sizes=hidden_sizes, dropout=dropout, batch_norm=batch_norm, max_epochs=max_epochs,
            batch_size=batch_size, lr=lr, weight_decay=weight_decay,
            validation_fraction=validation_fraction, patience=patience, categorical=categorical,
            device=device, random_state=random_state, verbose=verbose, ig_steps=ig_steps,
        )
        self.class_weight = class_weight


class MLPRegressor(RegressorMixin, _MLPBase):
    """Torch MLP regressor (targets standardized for training, predictions in raw units).
    Same parameters as :class:`MLPClassifier` without ``class_weight``."""

    _task: ClassVar[str] = "regression"


class EncodedSklearnClassifier(ClassifierMixin, BaseModel):
    """A scikit-learn classifier behind the library's encoder, so it takes the same raw
    DataFrames (categoricals, NaN) as every other model.

    Parameters
    ----------
    estimator : sklearn classifier
        Fitted on the encoder's dense matrix (standardized numerics, missing indicators,
        one-hot categories), or with ``raw_numeric=True`` on raw-unit numerics with NaN
        (for trees and histogram boosting, whose thresholds then read in raw units).
    raw_numeric : bool, default False

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from interpretable_nn.datasets import load_dataset
    >>> ds = load_dataset("credit_data")
    >>> m = EncodedSklearnClassifier(LogisticRegression(max_iter=1000)).fit(ds.X, ds.y)
    >>> m.predict_proba(ds.X.head(3)).shape
    (3, 2)
    """

    _task: ClassVar[str] = "classification"

    def __init__(self, estimator=None, *, raw_numeric: bool = False):
        self.estimator = estimator
        self.raw_numeric = raw_numeric

    def fit(self, X, y, sample_weight=None):
        from sklearn.base import clone
        from sklearn.linear_model import LogisticRegression

        try:
            df, yy = self._validate_fit_input(X, y)
            est = clone(self.estimator) if self.estimator is not None else LogisticRegression(max_iter=2000)
            Z = self.encoder_.dense(self.encoder_.transform(df, validate=False), raw_numeric=self.raw_numeric)
            kw = {} if sample_weight is None else {"sample_weight": np.asarray(sample_weight, dtype=float)}
            self.estimator_ = est.fit(Z, yy, **kw)
        except BaseException:
            self._reset_fitted()
            raise
        return self

    def _decision_encoded(self, enc: EncodedData) -> np.ndarray:
        Z = self.encoder_.dense(enc, raw_numeric=self.raw_numeric)
        if len(Z) == 0:
            return np.zeros(0) if len(self.classes_) == 2 else np.zeros((0, len(self.classes_)))
        p = np.clip(self.estimator_.predict_proba(Z), 1e-15, 1 - 1e-15)
        if len(self.classes_) == 2:
            return np.log(p[:, 1]) - np.log(p[:, 0])
        return np.log(p)

"""PrototypeClassifier: case-based reasoning in the ProtoPNet line, for tabular rows and
images, whose prototypes are real training cases.

Training has three phases, each run by the shared engine
(:func:`interpretable_nn.training.engine.train`) inside the fit template's ``_train`` hook,
which returns them as one :class:`~interpretable_nn.training.engine.TrainResult`
(``history_`` has a ``phase`` column):

1. **joint**: encoder, prototypes and last layer together, with the cluster and separation
   costs and an L1 penalty on the last layer's off-class weights (the module's
   ``regularization`` hook);
2. **projection** ("push"): every prototype is replaced by the encoding of its nearest
   training case of its own class (nearest latent patch for a CNN) among the cases of
   positive sample weight, so each prototype *is* a training row or image; the accuracy
   before and after is recorded in ``projection_report_``;
3. optionally (``tied_epochs``) encoder and last layer are tuned while every prototype
   stays tied to the encoding of its training case;
4. **last layer**: the last layer alone is fine-tuned on the projected prototypes
   (``train(..., parameters=last_layer_params)``), encoder and prototypes frozen.

Input: a DataFrame or a 2-D array goes through the library's
:class:`~interpretable_nn.data.encoding.TabularEncoder` (dense matrix -> MLP encoder);
a numeric array (n, H, W) or (n, H, W, C) is an image batch, encoded by the
:class:`~interpretable_nn.data.images.ImageEncoder` (per-channel standardised pixels -> a
small CNN, or an MLP on the flattened pixels with ``encoder="mlp"``).

The network lives in :mod:`interpretable_nn.nn.prototype`, the schedule in
:mod:`~interpretable_nn.models.prototype_fit`, the explanations and the
projection figures in :mod:`~interpretable_nn.models.prototype_explain`, the plots in
:mod:`~interpretable_nn.models.prototype_plots`, saving and loading in
:mod:`~interpretable_nn.models.prototype_state`.
"""

from __future__ import annotations

from dataclasses import replace
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..attribution.explanation import Explanation
from ..data.images import ImageEncoder, as_image_array, is_image_batch
from ..data.schema import to_json_value
from ..data.validation import check_target
from ..nn.prototype import ConvPatchEncoder, MLPPatchEncoder, PrototypeNet
from ..training.engine import FitData, TrainResult, predict_batched, seed_everything
from .base import TRAINING_CONSTRAINTS, TorchModel, positive_ints
from .prototype_explain import explain_features, explain_prototypes, projection_figures
from .prototype_fit import allocate_prototypes, train_schedule
from .prototype_plots import plot_prototypes
from .prototype_state import load_prototype_state, prototype_state, prototype_table

__all__ = ["PrototypeClassifier"]


class PrototypeClassifier(ClassifierMixin, TorchModel):
    """Prototype network (ProtoPNet line): "this case is scored like these past cases".

    Each class owns a few prototypes; a case is encoded, compared with every prototype
    through the similarity ``log((d + 1) / (d + 1e-4))`` (``similarity="log"``, ProtoPNet)
    or ``exp(-d)`` of the squared latent distance ``d``, and the class logits are a linear
    function of those similarities. After training, every prototype is projected onto its
    nearest training case of its class, so ``prototypes_`` holds real training rows
    (tabular) or images. Rows of ``sample_weight`` 0 are never prototypes.

    Parameters
    ----------
    n_prototypes : int, optional
        Total number of prototypes, split evenly over the classes (the remainder goes to
        the most frequent ones). Give this or ``prototypes_per_class``, not both.
    prototypes_per_class : int, optional
        Prototypes per class. Default (neither given): ``max(3, 20 // n_classes)``, i.e.
        10 per class for binary tasks, 3 per class for ten classes. A class with fewer
        training rows of positive weight (CNN: rows x latent patches) gets that many, with a
        warning: every prototype is a distinct training case.
    encoder : {"auto", "mlp", "cnn"}, default "auto"
        "auto": a CNN for image arrays (n, H, W[, C]), an MLP otherwise. "mlp" on images
        flattens the pixels. The CNN keeps the spatial layout: its prototypes are latent
        patches (ProtoPNet), with similarity heat-maps.
    hidden_sizes : tuple of int, default (64,)
        Hidden layers of the MLP encoder.
    cnn_channels : tuple of int, default (32, 64)
        Channels of the CNN's 3x3 convolution blocks.
    latent_dim : int, default 16
        Dimension of the latent space (the sigmoid add-on keeps it in [0, 1]^D).
    dropout : float, default 0.1
    similarity : {"auto", "log", "exp"}, default "auto"
        Similarity of a squared latent distance ``d``: ``"log"`` = ``log((d + 1) / (d + 1e-4))``
        (ProtoPNet), ``"exp"`` = ``exp(-d)``. ``"auto"``: see the table below.
    cluster_coef : float, default 0.8
        Weight of ProtoPNet's cluster cost (mean distance of a case to the nearest prototype
        of its class).
    separation_coef : float or None, default None
        Weight of ProtoPNet's separation cost (mean distance to the nearest prototype of
        another class, subtracted). ``None``: see the table below.
    l1_coef : float, default 1e-4
        L1 penalty on the last layer's off-class weights (sparsification).
    tied_epochs : int, default 0
        Optional epochs, after projection, that tune the encoder and last layer while each
        prototype stays tied to (is recomputed as) the encoding of its training case; they
        can recover accuracy lost to projection. 0 skips them (ProtoPNet's schedule).
    last_layer_epochs : int, default 50
        Epochs of last-layer fine-tuning after projection (0 skips it).
    last_layer_lr : float, default 1e-2
    max_epochs, batch_size, lr, weight_decay, validation_fraction, patience
        Settings of the joint phase (see :class:`~interpretable_nn.training.engine.TrainConfig`);
        ``lr=None``: see the table below.
    class_weight : None, "balanced" or dict
    categorical : list of str, optional
        Numeric columns to treat as categorical (tabular input).
    device : str, default "auto"
    random_state : int or None, default 0
    verbose : int, default 1
    ig_steps : int, default 64
        Quadrature nodes of integrated gradients in :meth:`explain`.

    Notes
    -----
    The ``"auto"`` / ``None`` settings depend on the encoder (recorded in ``settings_``):

    ============== ====================== ======================
    setting        CNN (images)           MLP (rows)
    ============== ====================== ======================
    similarity     "log" (ProtoPNet)      "exp"
    separation     0.08 (ProtoPNet)       0
    lr             3e-3                   1e-3
    ============== ====================== ======================

    The CNN keeps ProtoPNet's choices. On rows, 5-fold CV on credit_data, hmda and default
    measured the log similarity and the separation cost costing AUC (up to 0.02 lost at
    projection with the log similarity's steep peak; the separation cost outweighing the
    small data loss of imbalanced sets), see ``benchmarks/prototypes.py``.

    Attributes
    ----------
    prototypes_ : DataFrame (tabular) or ndarray (images)
        Tabular: one row per prototype with ``prototype_class``, ``train_index`` (the
        training frame's index label), ``train_position`` and the raw feature values of that
        training row, in its column types: numbers in the training dtype where it holds them
        exactly (int stays int), else float; categories as objects; dates as naive UTC
        ``datetime64[us]`` and durations as ``timedelta64[us]`` (to the microsecond: the
        model reads them as float days). Images: the training images (P, H, W[, C]) in raw
        values.
    prototype_info_ : DataFrame
        Per prototype: class, training index and position (images: also the latent patch
        ``patch_row``, ``patch_col``).
    projection_report_ : dict
        Training-set accuracy (and AUC for two classes) before projection, right after it
        and after last-layer fine-tuning, over the ``n_rows`` training rows of positive
        sample weight; ``accuracy_drop`` = before - final. Use :meth:`projection_report` for
        held-out data.
    settings_ : dict
        The resolved ``similarity``, ``separation_coef`` and ``lr``.
    input_kind_ : {"tabular", "image"}
    image_shape_ : tuple of int
        (H, W, C) of image input.

    Examples
    --------
    >>> from interpretable_nn.datasets import load_dataset
    >>> ds = load_dataset("default")
    >>> m = PrototypeClassifier(prototypes_per_class=2, max_epochs=3, last_layer_epochs=2,
    ...                         verbose=0).fit(ds.X.head(500), ds.y[:500])
    >>> m.prototypes_.shape[0], m.predict_proba(ds.X.head(2)).shape
    (4, (2, 2))
    >>> m.explain_prototypes(ds.X.head(1), k=2)["rank"].tolist()
    [1, 2]
    """

    _parameter_constraints: ClassVar[dict] = {
        **TRAINING_CONSTRAINTS,
        "n_prototypes": [Interval(Integral, 1, None, closed="left"), None],
        "prototypes_per_class": [Interval(Integral, 1, None, closed="left"), None],
        "encoder": [StrOptions({"auto", "mlp", "cnn"})],
        "hidden_sizes": [list, tuple],
        "cnn_channels": [list, tuple],
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "similarity": [StrOptions({"auto", "log", "exp"})],
        "cluster_coef": [Interval(Real, 0, None, closed="left")],
        "separation_coef": [Interval(Real, 0, None, closed="left"), None],
        "lr": [Interval(Real, 0, None, closed="neither"), None],
        "l1_coef": [Interval(Real, 0, None, closed="left")],
        "tied_epochs": [Interval(Integral, 0, None, closed="left")],
        "last_layer_epochs": [Interval(Integral, 0, None, closed="left")],
        "last_layer_lr": [Interval(Real, 0, None, closed="neither")],
        "ig_steps": [Interval(Integral, 2, None, closed="left")],
    }

    # fitted attributes
    prototypes_: pd.DataFrame | np.ndarray
    prototype_info_: pd.DataFrame
    prototype_class_: np.ndarray
    projection_report_: dict
    input_kind_: str
    image_shape_: tuple[int, int, int]

    def __init__(
        self,
        *,
        n_prototypes: int | None = None,
        prototypes_per_class: int | None = None,
        encoder: str = "auto",
        hidden_sizes=(64,),
        cnn_channels=(32, 64),
        latent_dim: int = 16,
        dropout: float = 0.1,
        similarity: str = "auto",
        cluster_coef: float = 0.8,
        separation_coef: float | None = None,
        l1_coef: float = 1e-4,
        tied_epochs: int = 0,
        last_layer_epochs: int = 50,
        last_layer_lr: float = 1e-2,
        max_epochs: int = 200,
        batch_size: int | None = 256,
        lr: float | None = None,
        weight_decay: float = 1e-4,
        validation_fraction: float = 0.15,
        patience: int = 20,
        class_weight=None,
        categorical=None,
        device: str = "auto",
        random_state: int | None = 0,
        verbose: int = 1,
        ig_steps: int = 64,
    ):
        self.n_prototypes = n_prototypes
        self.prototypes_per_class = prototypes_per_class
        self.encoder = encoder
        self.hidden_sizes = hidden_sizes
        self.cnn_channels = cnn_channels
        self.latent_dim = latent_dim
        self.dropout = dropout
        self.similarity = similarity
        self.cluster_coef = cluster_coef
        self.separation_coef = separation_coef
        self.l1_coef = l1_coef
        self.tied_epochs = tied_epochs
        self.last_layer_epochs = last_layer_epochs
        self.last_layer_lr = last_layer_lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.class_weight = class_weight
        self.categorical = categorical
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.ig_steps = ig_steps

    # ------------------------------------------------------------------ input
    def _image_fit_input(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        self._validate_params()
        arr = as_image_array(X)
        if len(arr) < 2:
            raise ValueError(f"X has {len(arr)} images; at least 2 are needed to fit a model.")
        yy, classes = check_target(y, len(arr), self._task)
        self._reset_fitted()
        self.input_kind_ = "image"
        self.image_encoder_ = ImageEncoder().fit(arr, validate=False)
        self.n_features_in_ = self.image_encoder_.n_features_
        self.classes_ = classes
        return arr, yy

    @property
    def image_shape_(self) -> tuple[int, int, int]:
        """(H, W, C) of the fitted images (image input only)."""
        return self.image_encoder_.image_shape_

    def _inputs(self, X) -> tuple[torch.Tensor, pd.DataFrame | np.ndarray]:
        """(model input tensor, validated raw input) for predict-time ``X``."""
        check_is_fitted(self, "module_")
        if self.input_kind_ == "image":
            arr = self.image_encoder_.check(X)
            return torch.from_numpy(self.image_encoder_.transform(arr, validate=False, scale_check=True)), arr
        if is_image_batch(X):
            raise ValueError(
                f"X has shape {np.shape(X)}, but the model was fitted on tabular rows with "
                f"{self.n_features_in_} features {self.feature_names_}; pass a DataFrame or a 2-D array."
            )
        df, enc = self._encode(X)
        return torch.from_numpy(self.encoder_.dense(enc)), df

    @property
    def feature_names_(self) -> list[str]:
        if getattr(self, "input_kind_", "tabular") == "image":
            return self.image_encoder_.feature_names()
        return self.encoder_.schema_.names

    # ------------------------------------------------------------------ fit
    def _n_inputs(self) -> int:
        return self.encoder_.n_dense_ if self.input_kind_ == "tabular" else self.n_features_in_

    def _encoder_kind(self) -> str:
        if self.encoder == "auto":
            return "cnn" if self.input_kind_ == "image" else "mlp"
        return self.encoder

    @property
    def settings_(self) -> dict:
        """``similarity``, ``separation_coef`` and ``lr`` with "auto"/None resolved for the
        fitted encoder (see the Notes of the class)."""
        cnn = self._encoder_kind() == "cnn"
        sim = self.similarity if self.similarity != "auto" else ("log" if cnn else "exp")
        sep = self.separation_coef if self.separation_coef is not None else (0.08 if cnn else 0.0)
        lr = self.lr if self.lr is not None else (3e-3 if cnn else 1e-3)
        return {"similarity": sim, "separation_coef": float(sep), "lr": float(lr)}

    def _build_module(self) -> PrototypeNet:
        d = int(self.latent_dim)
        if self._encoder_kind() == "cnn":
            h, w, c = self.image_shape_
            channels = positive_ints(self.cnn_channels, "cnn_channels", "(32, 64)")
            enc = ConvPatchEncoder(c, (h, w), channels, d, self.dropout)
        else:
            hidden = positive_ints(self.hidden_sizes, "hidden_sizes", "(64,)")
            enc = MLPPatchEncoder(self._n_inputs(), hidden, d, self.dropout)
        return PrototypeNet(
            enc, torch.as_tensor(self.prototype_class_), len(self.classes_), d, self.settings_["similarity"],
            self.cluster_coef, self.settings_["separation_coef"], self.l1_coef,
        )

    def _fit_data(self, X, y, sample_weight) -> FitData:
        """Image arrays go through the :class:`ImageEncoder`, rows through the tabular
        template; ``encoded`` is the module's input tensor in both cases (the dense matrix
        for rows, the standardised (n, C, H, W) pixels for images)."""
        if is_image_batch(X):
            arr, yy = self._image_fit_input(X, y)
            x = torch.from_numpy(self.image_encoder_.transform(arr, validate=False))
            return FitData(frame=arr, encoded=x, y=yy, sample_weight=self._row_weights(yy, sample_weight),
                           generator=seed_everything(self.random_state))
        if self.encoder == "cnn":
            raise ValueError(
                f"encoder='cnn' needs an image array of shape (n, H, W) or (n, H, W, C); got "
                f"{type(X).__name__} of shape {np.shape(X)}. Use encoder='mlp' for tabular rows."
            )
        data = super()._fit_data(X, y, sample_weight)
        self.input_kind_ = "tabular"
        return replace(data, encoded=torch.from_numpy(self.encoder_.dense(data.encoded)))

    def _prepare(self, data: FitData) -> None:
        x = data.encoded
        self.baseline_ = x.reshape(len(x), -1).mean(dim=0).numpy().astype(np.float32)
        self.prototype_class_ = allocate_prototypes(self, data)

    def _train(self, data: FitData) -> TrainResult:
        """Joint phase, projection, optional tied phase, last-layer phase (see the module
        docstring), as one result carrying what the projection found."""
        return train_schedule(self, data)

    def _after_fit(self, data: FitData, result: TrainResult) -> dict:
        """The projection report, the prototypes as real training cases, ``n_prototypes``."""
        p = result.projection
        self.projection_report_ = projection_figures(p["y"], p["before"], p["pushed"], p["after"], "training rows")
        self._set_prototypes(data.frame, p["rows"], p["patches"])
        return {"n_prototypes": int(len(self.prototype_class_))}

    def _forward(self, x: torch.Tensor, unprojected: bool = False) -> np.ndarray:
        net = _Unprojected(self.module_) if unprojected else self.module_
        return predict_batched(net, (x,), device="cpu").numpy()

    def projection_report(self, X, y) -> dict:
        """Accuracy (and AUC for two classes) of the model before projection (the learned
        prototypes and last layer, kept in the module) and after it (the fitted model), on
        rows ``X`` with labels ``y``: the faithfulness cost of using real cases."""
        x, _ = self._inputs(X)
        yy = np.asarray(y)
        idx = np.searchsorted(self.classes_, yy)
        if not np.all((idx < len(self.classes_)) & (self.classes_[np.minimum(idx, len(self.classes_) - 1)] == yy)):
            raise ValueError(f"y holds labels that are not among the fitted classes {self.classes_.tolist()}.")
        return projection_figures(idx, self._forward(x, unprojected=True), None, self._forward(x), "given rows")

    def _set_prototypes(self, raw, rows: np.ndarray, patches: np.ndarray) -> None:
        info = pd.DataFrame({"prototype_class": self.classes_[self.prototype_class_]})
        if self.input_kind_ == "image":
            info["train_index"] = rows
            info["train_position"] = rows
            gw = self.module_.encoder.grid_shape[1]
            info["patch_row"], info["patch_col"] = patches // gw, patches % gw
            self.prototypes_ = raw[rows].copy()
        else:
            info["train_index"] = [to_json_value(v) for v in raw.index[rows]]
            info["train_position"] = rows
            values = raw.iloc[rows].reset_index(drop=True)
            self.prototypes_ = prototype_table(self.encoder_, info, values)
        info.index.name = "prototype"
        self.prototype_info_ = info

    @property
    def n_prototypes_(self) -> int:
        """Number of prototypes."""
        return int(len(self.prototype_class_))

    @property
    def n_parameters_(self) -> int:
        """Trainable parameters of the network (a complexity measure for studies)."""
        return int(sum(p.numel() for p in self.module_.parameters()))

    # ------------------------------------------------------------------ predict
    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the positive class (two classes, (n,)) or class logits (n, k)."""
        x, _ = self._inputs(X)
        out = self._forward(x)
        return out.reshape(-1) if out.ndim == 1 or len(self.classes_) == 2 else out

    def similarities(self, X) -> np.ndarray:
        """Similarity of each row to each prototype, (n, n_prototypes)."""
        x, _ = self._inputs(X)
        with torch.no_grad():
            return self.module_.eval().similarities(x).double().numpy()

    def similarity_maps(self, X) -> np.ndarray:
        """CNN encoder only: similarity of each image region to each prototype, upsampled
        bilinearly to the image size, (n, n_prototypes, H, W)."""
        if self._encoder_kind() != "cnn":
            raise ValueError("similarity_maps needs the CNN encoder (image input, encoder='auto' or 'cnn').")
        x, _ = self._inputs(X)
        with torch.no_grad():
            maps = self.module_.eval().similarity_maps(x)
            up = torch.nn.functional.interpolate(maps, size=self.image_shape_[:2], mode="bilinear",
                                                 align_corners=False)
        return up.double().numpy()

    # ------------------------------------------------------------------ explain
    def explain_prototypes(self, X, k: int = 3) -> pd.DataFrame:
        """The ``k`` most similar prototypes of each row.

        Returns a long DataFrame with one line per (row, rank): ``row`` (position in X),
        ``index`` (X's index label of that row; the position when X has no index), ``rank``
        (1 = most similar), ``prototype``, ``prototype_class``, ``train_index``,
        ``similarity`` and ``contribution`` = similarity x last-layer weight to the
        explained output (the log-odds for two classes, the predicted class's logit
        otherwise). Over *all* prototypes the contributions plus ``intercept`` sum to that
        output; ``explained_class`` names the class whose output is explained.
        """
        return explain_prototypes(self, X, k)

    def explain(self, X, class_index: int | None = None) -> Explanation:
        """Feature attributions of the decision by integrated gradients on the encoded
        input (baseline: the mean encoded training case), summed over the dense columns of
        each raw feature (tabular) or over the channels of each pixel (images, names
        ``px_<row>_<col>``).

        Two classes: the log-odds. More classes: the logit of ``class_index`` (default:
        each row's predicted class). ``check["completeness_gap"]`` is the largest
        ``|base + sum(values) - output|``. For the nearest prototypes see
        :meth:`explain_prototypes`.
        """
        return explain_features(self, X, class_index)

    def plot_prototypes(self, X=None, max_prototypes: int = 40):
        """Images: a grid of the prototype images with class and training index, each with
        its similarity heat-map (CNN encoder); with ``X`` (one image) a second row shows
        where ``X`` resembles each prototype. Rows: a table of the prototype rows.
        Returns the matplotlib Figure."""
        return plot_prototypes(self, X, max_prototypes)

    # ------------------------------------------------------------------ persistence
    def _get_state(self):
        return prototype_state(self)

    def _set_state(self, state, tensors):
        load_prototype_state(self, state, tensors)


class _Unprojected(torch.nn.Module):
    """The prototype net with its pre-projection prototypes and last layer."""

    def __init__(self, net: PrototypeNet):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.unprojected_forward(x)

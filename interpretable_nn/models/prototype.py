"""PrototypeClassifier: case-based reasoning in the ProtoPNet line, for tabular rows and
images, whose prototypes are real training cases.

Training has three phases, each run by the shared engine
(:func:`interpretable_nn.training.engine.train`):

1. **joint**: encoder, prototypes and last layer together, with the cluster and separation
   costs and an L1 penalty on the last layer's off-class weights (the module's
   ``regularization`` hook);
2. **projection** ("push"): every prototype is replaced by the encoding of its nearest
   training case of its own class (nearest latent patch for a CNN), so each prototype *is*
   a training row or image; the accuracy before and after is recorded in
   ``projection_report_``;
3. optionally (``tied_epochs``) encoder and last layer are tuned while every prototype
   stays tied to the encoding of its training case;
4. **last layer**: the last layer alone is fine-tuned on the projected prototypes
   (``train(..., parameters=last_layer_params)``), encoder and prototypes frozen.

Input: a DataFrame or a 2-D array goes through the library's
:class:`~interpretable_nn.data.encoding.TabularEncoder` (dense matrix -> MLP encoder);
a numeric array (n, H, W) or (n, H, W, C) is an image batch (per-channel standardised
pixels -> a small CNN, or an MLP on the flattened pixels with ``encoder="mlp"``).

This file passes ~500 lines on purpose: it is one estimator with two input paths (rows,
images) whose explanations (prototype and feature level), plots and persistence all read
the same fitted state; the network itself lives in :mod:`interpretable_nn.nn.prototype`.
"""

from __future__ import annotations

import time
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..attribution.explanation import Explanation
from ..attribution.gradients import integrated_gradients
from ..data.schema import to_json_value
from ..data.validation import check_target
from ..nn.prototype import ConvPatchEncoder, MLPPatchEncoder, PrototypeNet, nearest_training_patches
from ..training.engine import predict_batched, seed_everything, train
from .base import TRAINING_CONSTRAINTS, TorchModel, positive_ints, sample_weight_tensor

__all__ = ["PrototypeClassifier"]


def _is_image_batch(X) -> bool:
    if isinstance(X, (pd.DataFrame, pd.Series)) or X is None:
        return False
    return np.ndim(X) in (3, 4) if not isinstance(X, (str, bytes, dict)) else False


def _as_image_array(X, what: str = "X") -> np.ndarray:
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged nested lists
        raise TypeError(f"{what} could not be read as an image array: {exc}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold numeric pixel values; got dtype {arr.dtype}.")
    bad = ~np.isfinite(arr) if arr.dtype.kind == "f" else np.zeros(arr.shape, bool)
    if bad.any():
        raise ValueError(
            f"{what} holds {int(bad.sum())} NaN/inf pixel values in {int(bad.reshape(len(arr), -1).any(1).sum())} "
            "image(s); images must be finite: fill or drop them."
        )
    return arr


class PrototypeClassifier(ClassifierMixin, TorchModel):
    """Prototype network (ProtoPNet line): "this case is scored like these past cases".

    Each class owns a few prototypes; a case is encoded, compared with every prototype
    through the similarity ``log((d + 1) / (d + 1e-4))`` (``similarity="log"``, ProtoPNet)
    or ``exp(-d)`` of the squared latent distance ``d``, and the class logits are a linear
    function of those similarities. After training, every prototype is projected onto its
    nearest training case of its class, so ``prototypes_`` holds real training rows
    (tabular) or images.

    Parameters
    ----------
    n_prototypes : int, optional
        Total number of prototypes, split evenly over the classes (the remainder goes to
        the most frequent ones). Give this or ``prototypes_per_class``, not both.
    prototypes_per_class : int, optional
        Prototypes per class. Default (neither given): ``max(3, 20 // n_classes)``, i.e.
        10 per class for binary tasks, 3 per class for ten classes.
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
        training frame's index label), ``train_position`` and the raw feature values, equal
        to that training row. Images: the training images (P, H, W[, C]) in raw values.
    prototype_info_ : DataFrame
        Per prototype: class, training index and position (images: also the latent patch
        ``patch_row``, ``patch_col``).
    projection_report_ : dict
        Training-set accuracy (and AUC for two classes) before projection, right after it
        and after last-layer fine-tuning; ``accuracy_drop`` = before - final. Use
        :meth:`projection_report` for held-out data.
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
    def _validate_image_fit_input(self, X, y) -> tuple[np.ndarray, np.ndarray]:
        self._validate_params()
        arr = _as_image_array(X)
        if len(arr) < 2:
            raise ValueError(f"X has {len(arr)} images; at least 2 are needed to fit a model.")
        yy, classes = check_target(y, len(arr), self._task)
        self._reset_fitted()
        self.input_kind_ = "image"
        self.image_ndim_ = arr.ndim
        h, w = arr.shape[1:3]
        self.image_shape_ = (int(h), int(w), int(arr.shape[3]) if arr.ndim == 4 else 1)
        self.n_features_in_ = int(np.prod(self.image_shape_))
        self.classes_ = classes
        pix = arr.reshape(len(arr), -1, self.image_shape_[2]).astype(np.float64)
        self.pixel_mean_ = pix.mean(axis=(0, 1))
        sd = pix.std(axis=(0, 1))
        self.pixel_scale_ = np.where(sd > 1e-12, sd, 1.0)
        return arr, yy

    def _image_tensor(self, arr: np.ndarray) -> torch.Tensor:
        h, w, c = self.image_shape_
        x = (arr.reshape(len(arr), h, w, c).astype(np.float64) - self.pixel_mean_) / self.pixel_scale_
        return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32))

    def _check_images(self, X, what: str = "X") -> np.ndarray:
        expected = (self.image_shape_[:2] if self.image_ndim_ == 3 else self.image_shape_)
        shape_txt = f"(n_images, {', '.join(map(str, expected))})"
        if isinstance(X, (pd.DataFrame, pd.Series)) or X is None or np.ndim(X) != self.image_ndim_:
            got = f"shape {np.shape(X)}" if X is not None and not isinstance(X, (str, bytes)) else type(X).__name__
            hint = " (one image? add the batch axis: X[None])" if np.ndim(X) == self.image_ndim_ - 1 else ""
            raise ValueError(f"{what} must be an image array of shape {shape_txt}; got {got}{hint}.")
        arr = _as_image_array(X, what)
        if tuple(arr.shape[1:]) != tuple(expected):
            raise ValueError(
                f"{what} has images of shape {tuple(arr.shape[1:])}, but the model was fitted on images "
                f"of shape {tuple(expected)}; pass an array of shape {shape_txt}."
            )
        return arr

    def _inputs(self, X) -> tuple[torch.Tensor, pd.DataFrame | np.ndarray]:
        """(model input tensor, validated raw input) for predict-time ``X``."""
        check_is_fitted(self, "module_")
        if self.input_kind_ == "image":
            arr = self._check_images(X)
            return self._image_tensor(arr), arr
        if _is_image_batch(X):
            raise ValueError(
                f"X has shape {np.shape(X)}, but the model was fitted on tabular rows with "
                f"{self.n_features_in_} features {self.feature_names_}; pass a DataFrame or a 2-D array."
            )
        df, enc = self._encode(X)
        return torch.from_numpy(self.encoder_.dense(enc)), df

    @property
    def feature_names_(self) -> list[str]:
        if getattr(self, "input_kind_", "tabular") == "image":
            h, w, _ = self.image_shape_
            return [f"px_{r}_{c}" for r in range(h) for c in range(w)]
        return self.encoder_.schema_.names

    # ------------------------------------------------------------------ fit
    def _allocate_prototypes(self, y: np.ndarray) -> np.ndarray:
        k = len(self.classes_)
        if self.n_prototypes is not None and self.prototypes_per_class is not None:
            raise ValueError("Give n_prototypes or prototypes_per_class, not both.")
        if self.prototypes_per_class is not None:
            per = np.full(k, int(self.prototypes_per_class))
        elif self.n_prototypes is not None:
            if self.n_prototypes < k:
                raise ValueError(
                    f"n_prototypes={self.n_prototypes} is fewer than the {k} classes; every class needs "
                    f"at least one prototype: use n_prototypes >= {k}."
                )
            per = np.full(k, self.n_prototypes // k)
            per[np.argsort(-np.bincount(y, minlength=k), kind="stable")[: self.n_prototypes % k]] += 1
        else:
            per = np.full(k, max(3, 20 // k))
        return np.repeat(np.arange(k), per)

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

    def _fit(self, X, y, sample_weight):
        t0 = time.perf_counter()
        if _is_image_batch(X):
            raw, yy = self._validate_image_fit_input(X, y)
            x = self._image_tensor(raw)
        else:
            if self.encoder == "cnn":
                raise ValueError(
                    f"encoder='cnn' needs an image array of shape (n, H, W) or (n, H, W, C); got "
                    f"{type(X).__name__} of shape {np.shape(X)}. Use encoder='mlp' for tabular rows."
                )
            raw, yy = self._validate_fit_input(X, y)
            self.input_kind_ = "tabular"
            x = torch.from_numpy(self.encoder_.dense(self.encoder_.transform(raw, validate=False)))
        self.baseline_ = x.reshape(len(x), -1).mean(dim=0).numpy().astype(np.float32)
        self._generator = seed_everything(self.random_state)
        self.prototype_class_ = self._allocate_prototypes(yy)
        self.module_ = net = self._build_module()
        sw = sample_weight_tensor(sample_weight, len(yy))
        labels = torch.as_tensor(yy, dtype=torch.int64)
        inputs = (x, labels)  # the labels feed the cluster/separation costs only
        joint = train(net, inputs, labels, self.task_, self._train_config(lr=self.settings_["lr"],
                                                                          description="PrototypeClassifier"),
                      sample_weight=sw, generator=self._generator)
        net.to("cpu")
        out_before = self._forward(x)
        net.save_unprojected()
        rows, patches, latent = nearest_training_patches(net, x, labels)
        with torch.no_grad():
            net.prototypes.copy_(latent)
        out_pushed = self._forward(x)
        histories = [joint.history.assign(phase="joint")]
        if self.tied_epochs > 0:
            net.tie(x[rows], patches)
            cfg = self._train_config(max_epochs=self.tied_epochs, lr=self.settings_["lr"],
                                     description="PrototypeClassifier tied")
            tied = train(net, inputs, labels, self.task_, cfg, sample_weight=sw, generator=self._generator)
            net.to("cpu")
            net.untie()
            histories.append(tied.history.assign(phase="tied"))
        if self.last_layer_epochs > 0:
            net.freeze_encoder(True)
            cfg = self._train_config(max_epochs=self.last_layer_epochs, lr=self.last_layer_lr,
                                     description="PrototypeClassifier last layer")
            last = train(net, inputs, labels, self.task_, cfg, sample_weight=sw,
                         generator=self._generator, parameters=list(net.last_layer.parameters()))
            net.freeze_encoder(False)
            net.to("cpu")
            histories.append(last.history.assign(phase="last_layer"))
        net.eval()
        self.history_ = pd.concat(histories, ignore_index=True)
        self.projection_report_ = self._report(yy, out_before, out_pushed, self._forward(x), "training rows")
        self._set_prototypes(raw, rows.numpy(), patches.numpy())
        self.fit_info_ = {
            "device": joint.device, "fit_time": time.perf_counter() - t0, "n_epochs": joint.n_epochs,
            "best_epoch": joint.best_epoch, "stopped_early": joint.stopped_early,
            "best_val_loss": joint.best_val_loss, "n_prototypes": int(len(self.prototype_class_)),
        }
        return self

    def _forward(self, x: torch.Tensor, unprojected: bool = False) -> np.ndarray:
        net = _Unprojected(self.module_) if unprojected else self.module_
        return predict_batched(net, (x,), device="cpu").numpy()

    def _report(self, y, before, pushed, after, on: str) -> dict:
        from sklearn.metrics import roc_auc_score

        def acc(d):
            pred = (d > 0).astype(int) if d.ndim == 1 else d.argmax(axis=1)
            return float(np.mean(pred == y))

        rep = {"on": on, "n_rows": int(len(y)), "accuracy_before": acc(before)}
        if pushed is not None:
            rep["accuracy_projected"] = acc(pushed)
        rep["accuracy_after"] = acc(after)
        rep["accuracy_drop"] = rep["accuracy_before"] - rep["accuracy_after"]
        if before.ndim == 1 and len(np.unique(y)) == 2:
            rep["auc_before"] = float(roc_auc_score(y, before))
            rep["auc_after"] = float(roc_auc_score(y, after))
            rep["auc_drop"] = rep["auc_before"] - rep["auc_after"]
        return rep

    def projection_report(self, X, y) -> dict:
        """Accuracy (and AUC for two classes) of the model before projection (the learned
        prototypes and last layer, kept in the module) and after it (the fitted model), on
        rows ``X`` with labels ``y``: the faithfulness cost of using real cases."""
        x, _ = self._inputs(X)
        yy = np.asarray(y)
        idx = np.searchsorted(self.classes_, yy)
        if not np.all((idx < len(self.classes_)) & (self.classes_[np.minimum(idx, len(self.classes_) - 1)] == yy)):
            raise ValueError(f"y holds labels that are not among the fitted classes {self.classes_.tolist()}.")
        return self._report(idx, self._forward(x, unprojected=True), None, self._forward(x), "given rows")

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
            self.prototypes_ = self._prototype_frame(info, values)
        info.index.name = "prototype"
        self.prototype_info_ = info

    def _prototype_frame(self, info: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
        values = values[self.feature_names_].copy()
        for spec in self.encoder_.schema_:
            values[spec.name] = values[spec.name].astype(float if spec.is_numeric else object)
        out = pd.concat([info, values], axis=1)
        out.index.name = "prototype"
        return out

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
    def _contribution_weights(self, pred: np.ndarray) -> np.ndarray:
        w = self.module_.last_layer.weight.detach().double().numpy()  # (k, P)
        return np.broadcast_to(w[1] - w[0], (len(pred), w.shape[1])) if len(self.classes_) == 2 else w[pred]

    def explain_prototypes(self, X, k: int = 3) -> pd.DataFrame:
        """The ``k`` most similar prototypes of each row.

        Returns a long DataFrame with one line per (row, rank): ``row`` (position in X),
        ``rank`` (1 = most similar), ``prototype``, ``prototype_class``, ``train_index``,
        ``similarity`` and ``contribution`` = similarity x last-layer weight to the
        explained output (the log-odds for two classes, the predicted class's logit
        otherwise). Over *all* prototypes the contributions plus ``intercept`` sum to that
        output; ``explained_class`` names the class whose output is explained.
        """
        if not isinstance(k, Integral) or k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}.")
        x, _ = self._inputs(X)
        with torch.no_grad():
            sim = self.module_.eval().similarities(x).double().numpy()
        out = self._forward(x)
        pred = out.argmax(axis=1) if out.ndim == 2 else (out > 0).astype(int)
        contrib = sim * self._contribution_weights(pred)
        b = self.module_.last_layer.bias.detach().double().numpy()
        intercept = np.full(len(x), b[1] - b[0]) if len(self.classes_) == 2 else b[pred]
        k = min(int(k), sim.shape[1])
        top = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        rows = np.repeat(np.arange(len(x)), k)
        protos = top.ravel()
        explained = self.classes_[1] if len(self.classes_) == 2 else None
        info = self.prototype_info_
        return pd.DataFrame({
            "row": rows,
            "rank": np.tile(np.arange(1, k + 1), len(x)),
            "prototype": protos,
            "prototype_class": info["prototype_class"].to_numpy()[protos],
            "train_index": info["train_index"].to_numpy()[protos],
            "similarity": sim[rows, protos],
            "contribution": contrib[rows, protos],
            "intercept": intercept[rows],
            "explained_class": np.repeat(self.classes_[pred], k) if explained is None else explained,
        })

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
        x, raw = self._inputs(X)
        net = self.module_.eval()
        shape = (-1, *x.shape[1:])
        base = torch.from_numpy(self.baseline_)
        if self.input_kind_ == "image":
            h, w, c = self.image_shape_
            group, n_groups = np.tile(np.arange(h * w), c), h * w
        else:
            group, n_groups = self.encoder_.dense_feature_index(), self.n_features_in_
        flat = x.flatten(1)  # (n, inputs), also for n = 0
        if len(self.classes_) == 2:
            targets = np.zeros(len(x), dtype=int)
        elif class_index is not None:
            if not (isinstance(class_index, Integral) and 0 <= class_index < len(self.classes_)):
                raise ValueError(f"class_index must be in [0, {len(self.classes_)}); got {class_index!r}.")
            targets = np.full(len(x), int(class_index))
        else:
            targets = self._forward(x).argmax(axis=1) if len(x) else np.zeros(0, dtype=int)
        values = np.zeros((len(x), n_groups))
        bases = np.zeros(len(x))
        gap = 0.0
        for t in np.unique(targets):  # one pass per explained class, vectorised over rows
            rows = np.flatnonzero(targets == t)

            def forward(v, t=int(t)):
                out = net(v.reshape(shape))
                return out if out.ndim == 1 else out[:, t]

            vals, b, g = integrated_gradients(forward, flat[rows], base, group=group, n_groups=n_groups,
                                              steps=self.ig_steps)
            values[rows], bases[rows], gap = vals, b, max(gap, g)
        if self.input_kind_ == "image":
            data = pd.DataFrame(raw.reshape(len(raw), h * w, c).mean(axis=2), columns=self.feature_names_)
        else:
            data = raw.reset_index(drop=True)
        return Explanation(
            values=values, base_values=bases, feature_names=self.feature_names_, data=data,
            output="log-odds" if len(self.classes_) == 2 else "logit", method="integrated-gradients",
            check={"completeness_gap": gap},
        )

    def plot_prototypes(self, X=None, max_prototypes: int = 40):
        """Images: a grid of the prototype images with class and training index, each with
        its similarity heat-map (CNN encoder); with ``X`` (one image) a second row shows
        where ``X`` resembles each prototype. Rows: a table of the prototype rows.
        Returns the matplotlib Figure."""
        return _plot_prototypes(self, X, max_prototypes)

    # ------------------------------------------------------------------ persistence

    def _get_state(self):
        if self.input_kind_ == "tabular":
            state = self._base_state()
        else:
            state = {
                "n_features_in_": int(self.n_features_in_), "fit_info_": self.fit_info_,
                "classes_": [to_json_value(c) for c in self.classes_],
                "image_shape_": list(self.image_shape_), "image_ndim_": int(self.image_ndim_),
                "pixel_mean_": self.pixel_mean_.tolist(), "pixel_scale_": self.pixel_scale_.tolist(),
            }
        state["input_kind_"] = self.input_kind_
        state["history_"] = self.history_.to_dict(orient="list")
        state["prototype_class_"] = self.prototype_class_.tolist()
        state["projection_report_"] = self.projection_report_
        info = self.prototype_info_
        state["prototype_info_"] = {c: [to_json_value(v) for v in info[c]] for c in info.columns}
        tensors = {f"module.{k}": v.detach().cpu().contiguous() for k, v in self.module_.state_dict().items()}
        tensors["baseline"] = torch.from_numpy(self.baseline_)
        if self.input_kind_ == "image":
            tensors["prototype_images"] = torch.from_numpy(np.ascontiguousarray(self.prototypes_))
        else:
            feats = self.prototypes_[self.feature_names_]
            state["prototype_values"] = {
                c: [None if pd.isna(v) else to_json_value(v) for v in feats[c]] for c in feats.columns
            }
        return state, tensors

    def _set_state(self, state, tensors):
        self.input_kind_ = state["input_kind_"]
        if self.input_kind_ == "tabular":
            self._set_base_state(state)
        else:
            self.n_features_in_ = int(state["n_features_in_"])
            self.fit_info_ = dict(state["fit_info_"])
            self.classes_ = np.array(state["classes_"])
            self.image_shape_ = tuple(int(v) for v in state["image_shape_"])
            self.image_ndim_ = int(state["image_ndim_"])
            self.pixel_mean_ = np.asarray(state["pixel_mean_"], dtype=float)
            self.pixel_scale_ = np.asarray(state["pixel_scale_"], dtype=float)
        self.baseline_ = tensors["baseline"].numpy().copy()
        self.history_ = pd.DataFrame(state["history_"])
        self.prototype_class_ = np.asarray(state["prototype_class_"], dtype=np.int64)
        self.projection_report_ = dict(state["projection_report_"])
        info = pd.DataFrame(state["prototype_info_"])
        info.index.name = "prototype"
        info["prototype_class"] = self.classes_[self.prototype_class_]
        self.module_ = self._build_module()
        sd = {k[len("module."):]: v for k, v in tensors.items() if k.startswith("module.")}
        self.module_.load_state_dict(sd, strict=True)
        self.module_.eval()
        if self.input_kind_ == "image":
            self.prototypes_ = tensors["prototype_images"].numpy().copy()
        else:
            self.prototypes_ = self._prototype_frame(info, pd.DataFrame(state["prototype_values"]))
        self.prototype_info_ = info


class _Unprojected(torch.nn.Module):
    """The prototype net with its pre-projection prototypes and last layer."""

    def __init__(self, net: PrototypeNet):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.unprojected_forward(x)


def _displayable(img: np.ndarray) -> np.ndarray:
    """An image (H, W[, C]) as something ``imshow`` draws: grey for 1 channel, RGB scaled
    to [0, 1] for 3, the channel mean otherwise."""
    img = np.asarray(img, dtype=float)
    if img.ndim == 3:
        if img.shape[2] == 3:
            lo, hi = img.min(), img.max()
            return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)
        img = img.mean(axis=2)
    return img


def _plot_prototypes(model: PrototypeClassifier, X, max_prototypes: int):
    import matplotlib.pyplot as plt

    check_is_fitted(model, "module_")
    info = model.prototype_info_
    n_p = min(len(info), int(max_prototypes))
    if model.input_kind_ == "tabular":
        table = model.prototypes_.head(n_p).copy()
        if X is not None:
            sims = model.similarities(X)
            if len(sims) != 1:
                raise ValueError(f"plot_prototypes shows one case beside the prototypes; X has {len(sims)} rows.")
            table.insert(0, "similarity", np.round(sims[0, :n_p], 3))
        cells = table.map(lambda v: f"{v:.4g}" if isinstance(v, float) else str(v))
        fig, ax = plt.subplots(figsize=(min(2 + 1.1 * cells.shape[1], 24), 0.8 + 0.3 * n_p))
        ax.axis("off")
        tab = ax.table(cellText=cells.to_numpy(), colLabels=list(cells.columns), loc="center")
        tab.auto_set_font_size(False)
        tab.set_fontsize(7)
        ax.set_title("Prototypes (real training rows)")
        return fig
    heat = model._encoder_kind() == "cnn"
    protos = model.prototypes_[:n_p]
    query = None
    if X is not None:
        query = model._check_images(X)
        if len(query) != 1:
            raise ValueError(f"plot_prototypes shows one image against the prototypes; X has {len(query)}.")
    ncols = min(n_p, 10)
    block = -(-n_p // ncols)
    nrows = block * (2 if query is not None else 1)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.3 * ncols, 1.5 * nrows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    own = model.similarity_maps(protos)[np.arange(n_p), np.arange(n_p)] if heat else None
    for j in range(n_p):
        ax = axes[j // ncols, j % ncols]
        ax.imshow(_displayable(protos[j]), cmap="gray")
        if heat:
            ax.imshow(own[j], cmap="jet", alpha=0.35)
        ax.set_title(f"{info['prototype_class'].iloc[j]} (#{info['train_index'].iloc[j]})", fontsize=7)
    if query is not None:
        sims = model.similarities(query)[0]
        maps = model.similarity_maps(query)[0] if heat else None
        for j in range(n_p):
            ax = axes[block + j // ncols, j % ncols]
            ax.imshow(_displayable(query[0]), cmap="gray")
            if heat:
                ax.imshow(maps[j], cmap="jet", alpha=0.35)
            ax.set_title(f"sim {sims[j]:.2f}", fontsize=7)
    fig.suptitle("Prototypes (real training images): class (#training index)", fontsize=9)
    fig.tight_layout()
    return fig

"""The explanations and checks of a fitted :class:`~interpretable_nn.models.prototype.PrototypeClassifier`:
which prototypes a case resembles (:func:`explain_prototypes`), which input features move
its score (:func:`explain_features`, integrated gradients) and what projecting the
prototypes onto real cases cost (:func:`projection_figures`).

The functions read the fitted model through its public attributes and its input
preparation (``_inputs``, ``_forward``); the estimator's methods of the same names call them.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..attribution.explanation import Explanation
from ..attribution.gradients import integrated_gradients

__all__ = ["explain_prototypes", "explain_features", "projection_figures"]


def _contribution_weights(model: Any, pred: np.ndarray) -> np.ndarray:
    w = model.module_.last_layer.weight.detach().double().numpy()  # (k, P)
    return np.broadcast_to(w[1] - w[0], (len(pred), w.shape[1])) if len(model.classes_) == 2 else w[pred]


def explain_prototypes(model: Any, X: Any, k: int = 3) -> pd.DataFrame:
    """The ``k`` most similar prototypes of each row, one line per (row, rank); see
    :meth:`PrototypeClassifier.explain_prototypes`."""
    if not isinstance(k, Integral) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}.")
    x, _ = model._inputs(X)
    with torch.no_grad():
        sim = model.module_.eval().similarities(x).double().numpy()
    out = model._forward(x)
    pred = out.argmax(axis=1) if out.ndim == 2 else (out > 0).astype(int)
    contrib = sim * _contribution_weights(model, pred)
    b = model.module_.last_layer.bias.detach().double().numpy()
    intercept = np.full(len(x), b[1] - b[0]) if len(model.classes_) == 2 else b[pred]
    k = min(int(k), sim.shape[1])
    top = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(len(x)), k)
    protos = top.ravel()
    explained = model.classes_[1] if len(model.classes_) == 2 else None
    info = model.prototype_info_
    labels = X.index.to_numpy() if isinstance(X, (pd.DataFrame, pd.Series)) and len(X.index) == len(x) else None
    return pd.DataFrame({
        "row": rows,
        "index": rows if labels is None else labels[rows],
        "rank": np.tile(np.arange(1, k + 1), len(x)),
        "prototype": protos,
        "prototype_class": info["prototype_class"].to_numpy()[protos],
        "train_index": info["train_index"].to_numpy()[protos],
        "similarity": sim[rows, protos],
        "contribution": contrib[rows, protos],
        "intercept": intercept[rows],
        "explained_class": np.repeat(model.classes_[pred], k) if explained is None else explained,
    })


def explain_features(model: Any, X: Any, class_index: int | None = None) -> Explanation:
    """Integrated gradients of the decision on the encoded input, summed onto the raw
    features (rows) or the pixels (images); see :meth:`PrototypeClassifier.explain`."""
    x, raw = model._inputs(X)
    net = model.module_.eval()
    shape = (-1, *x.shape[1:])
    base = torch.from_numpy(model.baseline_)
    if model.input_kind_ == "image":
        h, w, c = model.image_shape_
        group, n_groups = np.tile(np.arange(h * w), c), h * w
    else:
        group, n_groups = model.encoder_.dense_feature_index(), model.n_features_in_
    flat = x.flatten(1)  # (n, inputs), also for n = 0
    if len(model.classes_) == 2:
        if class_index is not None and not (isinstance(class_index, Integral) and class_index == 1):
            raise ValueError(f"class_index={class_index!r}: with two classes the explanation is the log-odds of "
                             f"{model.classes_[1]!r} (class_index 1); drop class_index, or negate the values "
                             f"for {model.classes_[0]!r}.")
        targets = np.zeros(len(x), dtype=int)
    elif class_index is not None:
        if not (isinstance(class_index, Integral) and 0 <= class_index < len(model.classes_)):
            raise ValueError(f"class_index must be in [0, {len(model.classes_)}); got {class_index!r}.")
        targets = np.full(len(x), int(class_index))
    else:
        targets = model._forward(x).argmax(axis=1) if len(x) else np.zeros(0, dtype=int)
    values = np.zeros((len(x), n_groups))
    bases = np.zeros(len(x))
    gap = 0.0
    for t in np.unique(targets):  # one pass per explained class, vectorised over rows
        rows = np.flatnonzero(targets == t)

        def forward(v, t=int(t)):
            out = net(v.reshape(shape))
            return out if out.ndim == 1 else out[:, t]

        vals, b, g = integrated_gradients(forward, flat[rows], base, group=group, n_groups=n_groups,
                                          steps=model.ig_steps)
        values[rows], bases[rows], gap = vals, b, max(gap, g)
    if model.input_kind_ == "image":
        data = pd.DataFrame(raw.reshape(len(raw), h * w, c).mean(axis=2), columns=model.feature_names_)
    else:
        data = raw.reset_index(drop=True)
    return Explanation(
        values=values, base_values=bases, feature_names=model.feature_names_, data=data,
        output="log-odds" if len(model.classes_) == 2 else "logit", method="integrated-gradients",
        check={"completeness_gap": gap},
    )


def projection_figures(y: np.ndarray, before: np.ndarray, pushed: np.ndarray | None, after: np.ndarray,
                       on: str) -> dict:
    """Accuracy (and AUC for two classes) of the decisions ``before`` projection, right after
    it (``pushed``, optional) and ``after`` it, against class indices ``y``."""
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

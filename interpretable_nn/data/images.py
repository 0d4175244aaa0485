"""ImageEncoder: the one way image batches become model inputs, beside the
:class:`~interpretable_nn.data.encoding.TabularEncoder` of rows.

An image batch is a numeric array ``(n, H, W)`` (one channel) or ``(n, H, W, C)``. The
encoder checks it (numeric, finite, the fitted image shape; the errors name the problem and
the expected shape), standardizes every channel with the training images' mean and standard
deviation, and lays the result out as ``(n, C, H, W)`` float32, the layout of a CNN. Its
features are the pixels ``px_<row>_<col>`` (channels of a pixel are one feature).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .stacklevel import user_stacklevel

__all__ = ["ImageEncoder", "is_image_batch", "as_image_array"]

#: a training range this wide is not a 0-1 or -1..1 scale: a batch within [-1, 1] is another scale
WIDE_SCALE = 20.0


def is_image_batch(X: Any) -> bool:
    """Whether ``X`` is read as an image batch (an array-like of 3 or 4 dimensions), not rows."""
    if isinstance(X, (pd.DataFrame, pd.Series)) or X is None:
        return False
    return np.ndim(X) in (3, 4) if not isinstance(X, (str, bytes, dict)) else False


def as_image_array(X: Any, what: str = "X") -> np.ndarray:
    """``X`` as a numeric array of finite pixel values, or a ``TypeError``/``ValueError``
    that says what is wrong (ragged input, non-numeric pixels, NaN/inf and in how many images)."""
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


class ImageEncoder:
    """Image batches -> standardized float32 arrays ``(n, C, H, W)``.

    Attributes (after :meth:`fit`)
    ------------------------------
    image_shape_ : (H, W, C)
    image_ndim_ : int
        3 for batches without a channel axis, 4 with one (predict-time input must match).
    pixel_mean_, pixel_scale_ : ndarray (C,)
        Per-channel mean and standard deviation of the training pixels (1 where constant).
    pixel_min_, pixel_max_, pixel_whole_ : ndarray (C,)
        Per-channel range of the training pixels and whether they were all whole numbers:
        what :meth:`transform` compares a batch with to warn of another pixel scale (None in
        a model saved before stop 68).

    Examples
    --------
    >>> enc = ImageEncoder().fit(np.arange(8.0).reshape(2, 2, 2))
    >>> enc.image_shape_, enc.transform(np.zeros((1, 2, 2))).shape
    ((2, 2, 1), (1, 1, 2, 2))
    """

    image_shape_: tuple[int, int, int]
    image_ndim_: int
    pixel_mean_: np.ndarray
    pixel_scale_: np.ndarray
    pixel_min_: np.ndarray | None = None
    pixel_max_: np.ndarray | None = None
    pixel_whole_: np.ndarray | None = None

    def fit(self, X: Any, validate: bool = True) -> ImageEncoder:
        """Learn the image shape and the per-channel pixel statistics of a batch."""
        arr = as_image_array(X) if validate else X
        self.image_ndim_ = arr.ndim
        h, w = arr.shape[1:3]
        self.image_shape_ = (int(h), int(w), int(arr.shape[3]) if arr.ndim == 4 else 1)
        pix = arr.reshape(len(arr), -1, self.image_shape_[2]).astype(np.float64)
        self.pixel_mean_ = pix.mean(axis=(0, 1))
        sd = pix.std(axis=(0, 1))
        self.pixel_scale_ = np.where(sd > 1e-12, sd, 1.0)
        self.pixel_min_, self.pixel_max_ = pix.min(axis=(0, 1)), pix.max(axis=(0, 1))
        self.pixel_whole_ = (pix == np.round(pix)).all(axis=(0, 1))
        return self

    @property
    def n_features_(self) -> int:
        """Pixel values per image, ``H * W * C``."""
        return int(np.prod(self.image_shape_))

    def feature_names(self) -> list[str]:
        """One name per pixel, ``px_<row>_<col>`` (row-major)."""
        h, w, _ = self.image_shape_
        return [f"px_{r}_{c}" for r in range(h) for c in range(w)]

    def check(self, X: Any, what: str = "X") -> np.ndarray:
        """``X`` as a valid image batch of the fitted shape, or a ``ValueError``/``TypeError``
        that names the shape expected (with a hint when a single image lacks the batch axis)."""
        expected = (self.image_shape_[:2] if self.image_ndim_ == 3 else self.image_shape_)
        shape_txt = f"(n_images, {', '.join(map(str, expected))})"
        if isinstance(X, (pd.DataFrame, pd.Series)) or X is None or np.ndim(X) != self.image_ndim_:
            got = f"shape {np.shape(X)}" if X is not None and not isinstance(X, (str, bytes)) else type(X).__name__
            hint = " (one image? add the batch axis: X[None])" if np.ndim(X) == self.image_ndim_ - 1 else ""
            raise ValueError(f"{what} must be an image array of shape {shape_txt}; got {got}{hint}.")
        arr = as_image_array(X, what)
        if tuple(arr.shape[1:]) != tuple(expected):
            raise ValueError(
                f"{what} has images of shape {tuple(arr.shape[1:])}, but the model was fitted on images "
                f"of shape {tuple(expected)}; pass an array of shape {shape_txt}."
            )
        return arr

    def transform(self, X: Any, validate: bool = True, what: str = "X", scale_check: bool | None = None) -> np.ndarray:
        """Standardized pixels, float32, C-contiguous, shape ``(n, C, H, W)``; ``scale_check``
        (default: ``validate``) warns when they sit on another scale (:meth:`_warn_scale`)."""
        arr = self.check(X, what) if validate else X
        h, w, c = self.image_shape_
        x = (arr.reshape(len(arr), h, w, c).astype(np.float64) - self.pixel_mean_) / self.pixel_scale_
        if (validate if scale_check is None else scale_check) and len(arr):
            self._warn_scale(arr, what)
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2), dtype=np.float32)

    def _warn_scale(self, arr: np.ndarray, what: str) -> None:
        """Warn when the batch's pixels sit on another scale than the training pixels (0-255
        given to a model fitted on 0-1, or the other way; both were scored without a word):
        pixels beyond the training range by more than half its width, or pixels within [-1, 1]
        where the training pixels were whole numbers of a wider scale (0-16, 0-255: then only
        with fractions) or spanned :data:`WIDE_SCALE` or more (0-255 blurred or resized).
        Only the training range is named, so a batch read in chunks warns once. Models saved
        before the range was kept are not checked."""
        if self.pixel_min_ is None:
            return
        pix = arr.reshape(len(arr), -1, self.image_shape_[2]).astype(np.float64)
        lo, hi = pix.min(axis=(0, 1)), pix.max(axis=(0, 1))
        width = self.pixel_max_ - self.pixel_min_
        beyond = (width > 0) & ((hi > self.pixel_max_ + width / 2) | (lo < self.pixel_min_ - width / 2))
        has_fraction = (pix != np.round(pix)).any(axis=(0, 1))
        unit = (hi <= 1) & (lo >= -1)  # a 0-1 or -1..1 scale
        fractions = unit & (((self.pixel_whole_ & (self.pixel_max_ >= 2)) & has_fraction)  # 0-16, 0-255 counts
                            | ((self.pixel_max_ - self.pixel_min_ >= WIDE_SCALE) & (hi > lo)))  # 0-255 after a resize
        for off, how in ((beyond, "lie far outside"), (fractions, "lie within [-1, 1], a 0-1 or -1..1 scale, unlike")):
            if off.any():
                ch = int(np.flatnonzero(off)[0])
                warnings.warn(
                    f"{what}'s pixels {how} the training images' (channel {ch}: {self.pixel_min_[ch]:.4g} to "
                    f"{self.pixel_max_[ch]:.4g}): 0-255 against 0-1, or the other way? Scale them as the training "
                    "images were; the model scores them as given.", UserWarning, stacklevel=user_stacklevel())
                return

    # ------------------------------------------------------------------ state
    def to_dict(self) -> dict:
        """JSON-safe state (the keys a saved PrototypeClassifier has always used)."""
        return {
            "image_shape_": list(self.image_shape_), "image_ndim_": int(self.image_ndim_),
            "pixel_mean_": self.pixel_mean_.tolist(), "pixel_scale_": self.pixel_scale_.tolist(),
            **({} if self.pixel_min_ is None else {"pixel_min_": self.pixel_min_.tolist(),
                                                   "pixel_max_": self.pixel_max_.tolist(),
                                                   "pixel_whole_": self.pixel_whole_.tolist()}),
        }

    @classmethod
    def from_dict(cls, d: dict) -> ImageEncoder:
        enc = cls()
        enc.image_shape_ = tuple(int(v) for v in d["image_shape_"])
        enc.image_ndim_ = int(d["image_ndim_"])
        enc.pixel_mean_ = np.asarray(d["pixel_mean_"], dtype=float)
        enc.pixel_scale_ = np.asarray(d["pixel_scale_"], dtype=float)
        if "pixel_min_" in d:  # kept since stop 68; older files: no scale check
            enc.pixel_min_, enc.pixel_max_ = (np.asarray(d[k], dtype=float) for k in ("pixel_min_", "pixel_max_"))
            enc.pixel_whole_ = np.asarray(d["pixel_whole_"], dtype=bool)
        return enc

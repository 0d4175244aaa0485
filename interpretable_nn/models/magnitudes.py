"""Extreme but finite numbers: every model's inputs and outputs stay finite.

A column may hold any finite float64, up to ``±1.8e308``; torch models compute in float32,
whose largest value is ``3.4e38``. Four rules keep every estimator of the library finite
on finite input, each applied in one place of the model input path:

1. **Standardisation that cannot overflow (fit).** A numeric column's mean and standard
   deviation come from the schema. Computed plainly they overflow once values pass about
   ``1e154`` (the squares exceed float64) or the sum passes ``1.8e308``; the column would then
   be standardised by ``inf`` and silently read as all zeros, or give NaN inputs. Such a
   column's moments are recomputed as ``m * mean(v / m)`` and ``m * std(v / m)`` with
   ``m = max |v|`` (:func:`stable_moments`), which are finite for every finite column, and
   written back into the fitted schema so the saved model carries them
   (:func:`stabilise_encoder`). A difference ``x - center`` that passes float64 (values of
   opposite signs near its limit) is computed as ``x / scale - center / scale``
   (:func:`standardise`, :func:`encode_finite`).
2. **A clipping band at predict.** Standardised numeric inputs are clipped to
   ``±max(Z_BAND, 2 * largest |z| seen in training)`` per column, ``Z_BAND = 1e4`` standard
   deviations (:func:`input_band`, :func:`clip_encoded`). Every training value lies strictly
   inside the band, so predictions on data like the training data are bit for bit those
   without the band; a value beyond it (``1e308``, or ``1e300`` for a column of ages) is
   scored as the band's edge: the NAM's shape functions were flat there already, the MLP and
   prototype networks extrapolate to the edge and stop, rule sets compare it as any large
   value. The clip also catches the float32 overflow of the encoder's cast (``inf`` becomes
   the edge with its sign).
3. **Raw-unit inputs of tree baselines** (scikit-learn trees, histogram boosting,
   XGBoost) are clipped to ``±3.4e38`` (float32's largest value; those libraries compute in
   float32 and refuse anything larger): thresholds are float32 too, so no decision changes
   for values they can represent (:func:`raw_design`).
4. **Regression targets** are standardised with :func:`stable_moments` too, and predictions
   are clipped to the finite float64 range (:func:`finite_predictions`), so a target near
   ``1e155`` predicts finite values of its own size instead of ``±inf``.

Examples
--------
>>> import numpy as np
>>> mean, std = stable_moments(np.array([1e308, -1e308, 1e308]))
>>> bool(np.isfinite(mean) and np.isfinite(std))
True
>>> float(np.std(np.array([1e200, -1e200])))   # the plain formula overflows
inf
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.base import RegressorMixin

from ..data.encoding import EncodedData, TabularEncoder
from ..data.stacklevel import user_stacklevel

__all__ = ["Z_BAND", "stable_moments", "target_moments", "stable_r2", "StableR2Mixin", "stabilise_encoder", "standardise", "encode_finite", "input_band",
           "clip_encoded", "raw_design", "finite_predictions"]

#: half-width of the clipping band in standard deviations (widened to twice the training range)
Z_BAND = 1e4
_F32_MAX = float(np.finfo(np.float32).max)
_F64_MAX = float(np.finfo(np.float64).max)


#: values all smaller than this in size get their moments on ``v / max|v|``: their squares
#: (below ``1e-308``) underflow in the plain standard deviation
TINY = 1e-150


def stable_moments(values: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """Mean and (population) standard deviation of finite ``values`` without overflow.

    Parameters
    ----------
    values : array of float
        Finite values (missing values already dropped).
    weights : array of float, optional
        Non-negative row weights: the weighted moments, so that a row of weight zero (a
        regression target the fit must ignore) moves neither.

    Returns
    -------
    (float, float)
        ``(mean, std)``, both finite; equal to ``(v.mean(), v.std())`` whenever those are
        finite and the values are not all below :data:`TINY` in size, else computed on
        ``v / max|v|`` and scaled back (the squares of values below ``1e-154`` underflow: a
        column of values near ``1e-300`` got a standard deviation of 0 and was read as
        constant, silently).
    """
    v = np.asarray(values, dtype=np.float64)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    if w is not None:
        v, w = v[w > 0], w[w > 0]
    if v.size == 0:
        return 0.0, 0.0
    m = float(np.max(np.abs(v)))

    def moments(x: np.ndarray) -> tuple[float, float]:
        if w is None:
            return float(x.mean()), float(x.std())
        mean = float(np.average(x, weights=w))
        return mean, float(np.sqrt(np.average((x - mean) ** 2, weights=w)))

    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = moments(v)
    if (np.isfinite(mean) and np.isfinite(std) and m >= TINY) or m == 0.0:
        return mean, std
    mean, std = moments(v / m)
    return float(m * mean), float(m * std)


def target_moments(y: np.ndarray, sample_weight: np.ndarray | None = None) -> tuple[float, float]:
    """``(y_mean_, y_scale_)`` of a regression target: the moments of the rows the fit weighs
    (:func:`stable_moments`; a row of weight zero moves neither, as it moves no loss), finite
    for any finite ``y``. One value on those rows gives a scale of 0, with a warning: the model
    then predicts exactly that value (its trained output is multiplied by 0)."""
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    mean, std = stable_moments(y, None if w is None else (w if w.ndim == 1 else w.max(1)))
    if std == 0:
        warnings.warn(f"y holds one value ({mean:.6g}) on every row the fit weighs: the model predicts it for "
                      "every row and its explanations are all zero.", UserWarning, stacklevel=user_stacklevel())
    return mean, std


def stable_r2(y_true, y_pred, sample_weight=None) -> float:
    """R² of ``y_pred`` against ``y_true``: scikit-learn's wherever its squares neither overflow
    nor underflow, else computed on both divided by the target's largest magnitude (R² does not
    change with the scale; ``r2_score`` gave NaN near 1e300 where the predictions were fine)."""
    from sklearn.metrics import r2_score

    y, p = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    with np.errstate(all="ignore"):
        plain = float(r2_score(y, p, sample_weight=sample_weight))
        m = float(np.abs(y).max(initial=0.0))
        if not (np.isfinite(y).all() and np.isfinite(p).all()) or (np.isfinite(plain) and m >= TINY) or m == 0:
            return plain  # what scikit-learn says wherever its squares neither overflow nor underflow
        # scale by the target's own magnitude: a prediction far beyond it still counts as far
        # beyond (scaling by the largest of both made the target look constant: R² 0)
        return float(r2_score(y / m, p / m, sample_weight=sample_weight))


class StableR2Mixin(RegressorMixin):
    """scikit-learn's :class:`~sklearn.base.RegressorMixin` whose ``score`` is :func:`stable_r2`."""

    def score(self, X, y, sample_weight=None) -> float:
        return stable_r2(y, self.predict(X), sample_weight)


def stabilise_encoder(encoder: TabularEncoder, df: pd.DataFrame) -> TabularEncoder:
    """Rule 1: recompute the moments of numeric columns whose plain mean or standard
    deviation overflowed (values beyond about ``1e154``) or underflowed (every value below
    :data:`TINY` in size) and re-initialise ``encoder``.

    Parameters
    ----------
    encoder : TabularEncoder
        Fitted on ``df``; its schema's specs are replaced in place where needed.
    df : DataFrame
        The validated training frame.

    Returns
    -------
    TabularEncoder
        ``encoder`` itself.

    Raises
    ------
    ValueError
        If a column's moments cannot be made finite (it holds values that are not finite
        numbers), naming the column.
    """
    schema = encoder.schema_
    changed = False
    for i, spec in enumerate(schema.features):
        if not spec.is_numeric or spec.mean is None:
            continue
        if (np.isfinite(spec.mean) and spec.std is not None and np.isfinite(spec.std)
                and not 0.0 < max(abs(spec.min), abs(spec.max)) < TINY):
            continue
        v = pd.to_numeric(df[spec.name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        v = v[~np.isnan(v)]
        mean, std = stable_moments(v)
        if not (np.isfinite(mean) and np.isfinite(std)):
            raise ValueError(
                f"Column {spec.name!r}: its values (up to {np.max(np.abs(v)):.3g}) cannot be "
                "standardised in float64; rescale the column (e.g. divide it by 1e300) before fitting."
            )
        schema.features[i] = replace(spec, mean=mean, std=std)
        changed = True
    if changed:
        encoder._init_from_schema()
    return encoder


def standardise(values: np.ndarray, center, scale) -> np.ndarray:
    """``(values - center) / scale`` in float64 without an overflow of the difference: where
    ``values - center`` passes ``1.8e308`` (values of opposite signs near float64's limit) it
    is computed as ``values / scale - center / scale``; ``inf`` is left only where the
    standardised value itself is beyond float64."""
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        z = (v - center) / scale
        bad = ~np.isfinite(z) & np.isfinite(v)
        if bad.any():
            z = np.where(bad, v / scale - np.asarray(center) / scale, z)
    return z


def encode_finite(encoder: TabularEncoder, df: pd.DataFrame, what: str = "X") -> EncodedData:
    """``encoder.transform(df)`` of validated rows (of the table ``what``) with the standardised values that
    overflowed there (``x - center`` beyond float64) recomputed by :func:`standardise`;
    no overflow warning reaches the user. Values beyond float32 stay ``±inf`` here
    (:func:`clip_encoded` maps them to the band)."""
    with np.errstate(over="ignore", invalid="ignore"):
        enc = encoder.transform(df, validate=False, what=what)
    num = enc.numeric
    if num.size == 0 or np.isfinite(num).all():
        return enc
    num = num.copy()
    for j in np.flatnonzero(~np.isfinite(num).all(axis=0)):
        name = encoder.numeric_names_[j]
        try:
            raw = pd.to_numeric(df[name]).to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):  # a converted type (dates...) never reaches 1e308
            continue
        bad = ~np.isfinite(num[:, j]) & ~np.isnan(raw)
        with np.errstate(over="ignore"):
            num[bad, j] = standardise(raw[bad], encoder.center_[j], encoder.scale_[j]).astype(np.float32)
    return EncodedData(num, enc.missing, enc.codes)


def input_band(encoder: TabularEncoder) -> np.ndarray:
    """Rule 2: the half-width of each numeric column's clipping band, in standardised units.

    ``max(Z_BAND, 2 * max(|z_min|, |z_max|))`` with ``z`` the training minimum and maximum
    standardised by the encoder (float32, shape ``(n_numeric,)``).
    """
    specs = encoder.schema_.numeric
    out = np.full(len(specs), Z_BAND, dtype=np.float64)
    for j, f in enumerate(specs):
        if f.min is None or f.max is None:
            continue
        z = np.abs(standardise(np.array([f.min, f.max]), encoder.center_[j], encoder.scale_[j]))
        if np.isfinite(z).all():
            out[j] = max(Z_BAND, 2.0 * float(z.max()))
    return np.minimum(out, _F32_MAX).astype(np.float32)


def clip_encoded(enc: EncodedData, band: np.ndarray) -> EncodedData:
    """``enc`` with its standardised numeric block clipped to ``±band`` (float32 kept).

    Values inside the band are returned unchanged (bit for bit); ``±inf`` from the
    encoder's float32 cast become ``±band``.
    """
    if enc.numeric.size == 0:
        return enc
    num = np.asarray(enc.numeric)
    if np.all(np.abs(num) <= band):
        return enc
    return EncodedData(np.clip(num, -band, band).astype(num.dtype, copy=False), enc.missing, enc.codes)


def raw_design(encoder: TabularEncoder, df: pd.DataFrame, enc: EncodedData | None = None) -> np.ndarray:
    """Rule 3: ``encoder.design_matrix(df, enc, raw_numeric=True)`` with its raw-unit numeric
    columns clipped to ``±3.4e38`` (float32's largest value); NaN (missing) stays NaN."""
    with np.errstate(over="ignore", invalid="ignore"):  # the encoder's unused float32 round trip
        Z = encoder.design_matrix(df, enc, raw_numeric=True)
    n_numeric = len(encoder.numeric_names_)
    if n_numeric and Z.size:
        block = Z[:, :n_numeric]
        if np.nanmax(np.abs(block), initial=0.0) > _F32_MAX:
            Z = Z.copy()
            Z[:, :n_numeric] = np.clip(block, -_F32_MAX, _F32_MAX)
    return Z


def finite_predictions(values: np.ndarray) -> np.ndarray:
    """Rule 4: regression predictions clipped to the finite float64 range."""
    return np.clip(values, -_F64_MAX, _F64_MAX)

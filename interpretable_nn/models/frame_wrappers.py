"""Estimators that read the validated DataFrame themselves (interpret's EBM handles
categoricals and missing values on its own), behind the library's input validation:
:class:`FrameSklearnClassifier` and its regression twin :class:`FrameSklearnRegressor`.

Like the other scikit-learn wrappers (:mod:`~interpretable_nn.models.wrappers`) they cannot
be saved (that would need pickle); an EBM inside explains itself exactly from its own terms.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted

from ..attribution.additive import additive_shap_explanation, as_additive
from ..attribution.explanation import Explanation
from ..data.encoding import UNSEEN_CODE, EncodedData
from .magnitudes import StableR2Mixin
from .wrappers import _SklearnClassifierBase, _SklearnModel

__all__ = ["FrameSklearnClassifier", "FrameSklearnRegressor"]

#: what the inner estimator reads for a category the encoder never saw: a text no training
#: level is (an EBM scores it with its "unknown" bin, 0)
UNSEEN_TEXT = "\x00interpretable_nn: unseen category"


def _interpret(kind: str):
    try:
        from interpret import glassbox
    except ImportError as exc:
        raise ImportError(
            "The frame wrappers default to interpret's EBM: pip install 'interpretable-nn[baselines]'"
        ) from exc
    return getattr(glassbox, f"ExplainableBoosting{kind}")


class _FrameModel(_SklearnModel):
    """What both frame wrappers share: the typed frame as the design, and the EBM's own
    explanation."""

    def explain(self, X, background=None) -> Explanation:
        """Exact interventional SHAP values of a binary EBM's log-odds (or a regressor's
        prediction), from its own terms:
        a main term gives ``f_i(x_i) - mean_b f_i``, a pair term is split by the exact Shapley
        formula (:func:`~interpretable_nn.attribution.additive_shap_explanation`).

        Parameters
        ----------
        X : DataFrame
        background : DataFrame, optional
            Reference rows (default ``background_``, up to 500 training rows drawn at fit).

        Returns
        -------
        Explanation
            ``check["additivity_gap"]`` against :meth:`decision_function`.
        """
        check_is_fitted(self, "estimator_")
        view = as_additive(self)
        if view is None:
            raise TypeError(
                f"{type(self.estimator_).__name__} inside {type(self).__name__} has no built-in explanation "
                "(a binary or regression EBM has one); compute SHAP values with "
                "interpretable_nn.explain.library_shap()."
            )
        ref = self.background_ if background is None else background
        return additive_shap_explanation(view, X, ref)

    def _configured(self, est):
        """An EBM reads every categorical column of the schema as nominal: left to itself it
        reads text levels that look like numbers ('1', '2', '3') as a continuous feature, so a
        value the schema calls unseen (and warns of) was scored on a numeric shape."""
        est = super()._configured(est)
        if "feature_types" in est.get_params() and est.get_params()["feature_types"] is None:
            est.set_params(feature_types=["nominal" if spec.kind == "categorical" else "auto"
                                          for spec in self.encoder_.schema_])
        return est

    def _design(self, df: pd.DataFrame, enc: EncodedData) -> pd.DataFrame:
        out = {}
        cat = {name: j for j, name in enumerate(self.encoder_.categorical_names_)}
        for spec in self.encoder_.schema_:
            s = df[spec.name]
            if spec.kind == "categorical":
                miss = s.isna().to_numpy()
                text = np.where(miss, None, s.astype(str).to_numpy(dtype=object))
                # a value the encoder does not know (1 where training saw '1') is the unseen level
                # the warning names, not the level its text happens to spell
                text[enc.codes[:, cat[spec.name]] == UNSEEN_CODE] = UNSEEN_TEXT
                s = pd.Series(text, index=s.index, dtype=object)
            out[spec.name] = s
        return pd.DataFrame(out, index=df.index)


class FrameSklearnClassifier(_FrameModel, _SklearnClassifierBase):
    """A classifier that reads a DataFrame itself (interpret's EBM handles categoricals and
    missing values on its own), behind the library's input validation.

    The inner estimator sees the validated frame in the fitted column order: numeric columns
    as float (NaN = missing), categorical columns as strings (missing kept missing).

    Parameters
    ----------
    estimator : classifier, default ``ExplainableBoostingClassifier()``

    Notes
    -----
    ``save()`` raises a ``TypeError`` (no pickle).

    Examples
    --------
    >>> from interpret.glassbox import ExplainableBoostingClassifier
    >>> from interpretable_nn.datasets import load_dataset
    >>> ds = load_dataset("default")
    >>> ebm = ExplainableBoostingClassifier(outer_bags=1, interactions=0, max_rounds=50)
    >>> m = FrameSklearnClassifier(ebm).fit(ds.X, ds.y)
    >>> m.predict_proba(ds.X.head(2)).shape
    (2, 2)
    """

    _parameter_constraints: ClassVar[dict] = {"estimator": [HasMethods(["fit", "predict_proba"]), None]}

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _default_estimator(self):
        return _interpret("Classifier")()


class FrameSklearnRegressor(StableR2Mixin, _FrameModel):
    """The regression twin of :class:`FrameSklearnClassifier` (default
    ``ExplainableBoostingRegressor()``): ``decision_function`` and ``predict`` are the inner
    estimator's prediction, and an EBM explains it exactly from its own terms.

    Examples
    --------
    >>> from interpret.glassbox import ExplainableBoostingRegressor
    >>> from interpretable_nn.datasets import make_additive
    >>> d = make_additive(n_samples=300, task="regression")
    >>> ebm = ExplainableBoostingRegressor(outer_bags=1, interactions=0, max_rounds=50)
    >>> m = FrameSklearnRegressor(ebm).fit(d.X, d.y)
    >>> m.predict(d.X.head(2)).shape
    (2,)
    """

    _task: ClassVar[str] = "regression"
    _parameter_constraints: ClassVar[dict] = {"estimator": [HasMethods(["fit", "predict"]), None]}

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _default_estimator(self):
        return _interpret("Regressor")()

    def _decision(self, Z) -> np.ndarray:
        if len(Z) == 0:
            return np.zeros(0)
        return np.asarray(self.estimator_.predict(Z), dtype=float).reshape(-1)

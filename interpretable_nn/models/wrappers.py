"""Foreign estimators behind the library's validation and encoder, scored and explained the
same way as the torch models.

:class:`EncodedSklearnClassifier` / :class:`EncodedSklearnRegressor`
    Any scikit-learn estimator on the encoder's design matrix (dense standardized matrix, or
    raw-unit numerics with NaN for trees and boosting).
:class:`~.frame_wrappers.FrameSklearnClassifier` / :class:`~.frame_wrappers.FrameSklearnRegressor`
    An estimator that reads the validated DataFrame itself (interpret's EBM), in
    :mod:`~interpretable_nn.models.frame_wrappers`.
:class:`XGBoostClassifier` / :class:`XGBoostRegressor`
    XGBoost on raw-unit numerics, saved in XGBoost's JSON format (no pickle).

The scikit-learn and EBM wrappers cannot be saved (that would need pickle): ``save()``
raises a ``TypeError`` that says so. Every wrapper has the estimator's own ``explain(X)``
(one column per raw feature, adding up to ``decision_function``), computed in the
attribution layer: :mod:`~interpretable_nn.attribution.linear` (coefficients),
:mod:`~interpretable_nn.attribution.trees` (tree paths, TreeSHAP) and
:mod:`~interpretable_nn.attribution.additive` (the EBM's terms, through :meth:`design`).
"""

from __future__ import annotations

import json
import warnings
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ..attribution.explanation import Explanation
from ..attribution.linear import background_rows, linear_shap
from ..attribution.trees import tree_path_values, treeshap_values, xgboost_treeshap_values
from ..data.encoding import EncodedData
from ..data.validation import (
    check_predict_frame,
    check_sample_weight,
    index_class_weight,
    precision_warned,
)
from .base import BaseModel
from .magnitudes import StableR2Mixin, encode_finite, raw_design
from .sklearn_fit import count_fitted_numbers, relative_class_weight

__all__ = ["EncodedSklearnClassifier", "EncodedSklearnRegressor", "XGBoostClassifier", "XGBoostRegressor"]


class _SklearnModel(BaseModel):
    """A scikit-learn-style estimator behind the library's validation and encoder.

    Subclasses choose the input the inner estimator sees (:meth:`_design`) and how its
    output becomes the library's decision function (:meth:`_decision`). Saving is refused:
    a foreign estimator cannot be written without pickle, and the library never pickles.
    """

    _parameter_constraints: ClassVar[dict] = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "raw_numeric": ["boolean"],
    }

    estimator_: Any

    def _default_estimator(self):  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def _design(self, df: pd.DataFrame, enc: EncodedData):
        # raw units: clipped to float32's range (trees', boosting's)
        return raw_design(self.encoder_, df, enc) if self.raw_numeric else self.encoder_.design_matrix(df, enc)

    def design(self, X):
        """``X`` validated against the fitted schema, as the inner estimator sees it (the
        design matrix, or the typed frame for :class:`FrameSklearnClassifier`): the public
        way for attribution code to call the inner estimator itself."""
        df, enc = self._encode(X)
        return self._design(df, enc)

    def _fit(self, X, y, sample_weight) -> None:
        """Fit the inner estimator on a raw DataFrame (categoricals and NaN allowed)."""
        df, yy = self._validate_fit_input(X, y)
        with precision_warned():  # _validate_fit_input has warned
            df = check_predict_frame(df, self.encoder_.schema_)
        Z = self._design(df, encode_finite(self.encoder_, df))
        est = self._configured(clone(self.estimator if self.estimator is not None else self._default_estimator()))
        est = index_class_weight(est, self)
        est = relative_class_weight(est, yy)
        kw = {} if sample_weight is None else {"sample_weight": check_sample_weight(
            sample_weight, len(yy), y=yy if self._task == "classification" else None)}
        with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore"):  # trees sum X in float32
            warnings.filterwarnings("ignore", message="Missing values detected", category=UserWarning)
            self.estimator_ = est.fit(Z, yy, **kw)
        self.background_ = background_rows(df)
        self._after_estimator_fit(Z)

    def _after_estimator_fit(self, Z) -> None:
        pass

    def _configured(self, est):
        """The inner estimator (a fresh clone) as it is fitted: a classifier inside a regressor
        wrapper, or a regressor inside a classifier wrapper, is refused (it fitted 200
        "classes" of amounts, or amounts of class indices, without a word)."""
        from sklearn.base import is_classifier, is_regressor

        try:
            wrong = is_classifier(est) if self._task == "regression" else is_regressor(est)
        except (AttributeError, TypeError):  # an estimator without scikit-learn's tags: its kind is unknown
            wrong = False
        if wrong:
            want = "regressor" if self._task == "regression" else "classifier"
            raise TypeError(f"{type(self).__name__} needs a {want}; got {type(est).__name__}, a "
                            f"{'classifier' if self._task == 'regression' else 'regressor'}. Pass a {want} "
                            f"(or use the {'classifier' if self._task == 'regression' else 'regressor'} twin).")
        return est

    def decision_function(self, X) -> np.ndarray:
        """Log-odds (binary, (n,)), log-probabilities (multiclass, (n, k)) or predictions
        (regression) of the inner estimator."""
        df, enc = self._encode(X)
        return self._decision(self._design(df, enc))

    def _decision(self, Z) -> np.ndarray:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def explain(self, X, background=None) -> Explanation:
        """The inner estimator's own attributions of the decision function, one column per
        raw feature (a feature's one-hot and missing-indicator columns summed).

        * linear models (``coef_``, one output): exact interventional SHAP values
          ``coef * (z - mean_b z)`` against the ``background`` rows;
        * decision trees (``tree_``): the path decomposition (Saabas): every split adds the
          change of log-odds (classifiers) or of the mean (regressors) it makes to its feature;
        * histogram gradient boosting: path-dependent TreeSHAP (``shap.TreeExplainer``) of
          the raw margin (the log-odds for binary classifiers).

        All three add up to :meth:`decision_function` (``check["additivity_gap"]``, float64
        round-off). Other estimators raise a ``TypeError``: cross-check them with
        :func:`~interpretable_nn.explain.library_shap` instead.

        Parameters
        ----------
        X : DataFrame
            Raw rows to explain.
        background : DataFrame, optional
            Reference rows of the linear models' SHAP values (default ``background_``, up to
            500 training rows drawn at fit). The tree methods are path-dependent and ignore it.

        Returns
        -------
        Explanation

        Examples
        --------
        >>> from interpretable_nn.datasets import load_dataset
        >>> ds = load_dataset("credit_data")
        >>> m = EncodedSklearnClassifier().fit(ds.X, ds.y)
        >>> e = m.explain(ds.X.head(3))
        >>> e.method, e.check["additivity_gap"] < 1e-9
        ('linear-coefficients', True)
        """
        df, enc = self._encode(X)
        est = self.estimator_
        classifier = self._task == "classification"
        if classifier and len(self.classes_) != 2:
            raise ValueError(
                f"explain() covers binary classifiers and regressors; this model has {len(self.classes_)} "
                "classes. Explain one class with library_shap on a one-vs-rest wrapper."
            )
        Z = self._design(df, enc)
        coef = getattr(est, "coef_", None)
        linear = coef is not None and np.size(coef) == np.shape(Z)[1]
        if linear and (not classifier or self.decision_is_log_odds_):  # the score is coef @ z + b
            ref = self.background_ if background is None else check_predict_frame(
                background, self.encoder_.schema_, what="background")
            if len(ref) == 0:
                raise ValueError("background has no rows; pass reference rows (e.g. 100 training rows).")
            Zb = self._design(ref, encode_finite(self.encoder_, ref, "background"))
            values, base, method = linear_shap(est, Z, Zb, self.encoder_)
        elif hasattr(est, "tree_") and callable(getattr(est, "decision_path", None)):
            values, base, method = tree_path_values(est, Z, self.encoder_, classifier)
        elif hasattr(est, "_predictors"):  # HistGradientBoosting
            values, base, method = treeshap_values(est, Z, self.encoder_)
        else:
            raise TypeError(
                f"{type(est).__name__} inside {type(self).__name__} has no built-in explanation (linear "
                "models, decision trees and histogram boosting have one); compute SHAP values with "
                "interpretable_nn.explain.library_shap() instead."
            )
        e = Explanation(values=values, base_values=base, feature_names=self.feature_names_,
                        data=df.reset_index(drop=True), output=self._output_name(), method=method)
        e.add_check(additivity_gap=e.check_additivity(self._decision(Z)) if len(Z) else 0.0)
        return e

    @property
    def n_parameters_(self) -> int | None:
        """Fitted numbers of the inner estimator (coefficients, tree nodes, bin scores);
        ``None`` when the estimator's kind is unknown."""
        check_is_fitted(self, "estimator_")
        return count_fitted_numbers(self.estimator_)

    def save(self, path) -> None:
        """Refused: see :meth:`_get_state`."""
        self._get_state()

    def _get_state(self):
        name = type(self.estimator).__name__ if self.estimator is not None else "default estimator"
        raise TypeError(
            f"{type(self).__name__} wraps {name}, which cannot be saved without pickle, and "
            "interpretable_nn never pickles. Refit it from its parameters (make_model(...)), keep it "
            "in memory, or use a model with JSON-safe saving (the torch models, XGBoostClassifier "
            "'xgb', or a rule export such as SurrogateTree(...).to_ruleset().to_json())."
        )


class _SklearnClassifierBase(ClassifierMixin, _SklearnModel):
    _task: ClassVar[str] = "classification"

    def _after_estimator_fit(self, Z) -> None:
        # Use the estimator's own decision_function when it is the log-odds (logistic
        # regression, gradient boosting): exact where predict_proba saturates.
        self.decision_is_log_odds_ = False
        est = self.estimator_
        if len(self.classes_) == 2 and hasattr(est, "decision_function"):
            head = Z[:256]
            d = np.asarray(est.decision_function(head), dtype=float).reshape(-1)
            p = est.predict_proba(head)[:, 1]
            self.decision_is_log_odds_ = bool(np.allclose(1 / (1 + np.exp(-d)), p, rtol=0, atol=1e-6))

    def _decision(self, Z) -> np.ndarray:
        k = len(self.classes_)
        if len(Z) == 0:
            return np.zeros(0) if k == 2 else np.zeros((0, k))
        if self.decision_is_log_odds_:
            return np.asarray(self.estimator_.decision_function(Z), dtype=float).reshape(-1)
        p = np.clip(np.asarray(self.estimator_.predict_proba(Z), dtype=float), 1e-15, 1 - 1e-15)
        return np.log(p[:, 1]) - np.log(p[:, 0]) if k == 2 else np.log(p)


class EncodedSklearnClassifier(_SklearnClassifierBase):
    """A scikit-learn classifier behind the library's encoder, so it takes the same raw
    DataFrames (categoricals, NaN) and gives the same errors as every other model.

    Parameters
    ----------
    estimator : sklearn classifier, default ``LogisticRegression(max_iter=2000)``
        Fitted on the encoder's dense matrix (standardized numerics, missing indicators,
        one-hot categories), or with ``raw_numeric=True`` on raw-unit numerics with NaN
        (for trees and histogram boosting, whose thresholds then read in raw units).
    raw_numeric : bool, default False

    Attributes
    ----------
    estimator_ : the fitted clone of ``estimator`` (trained on class indices 0..k-1)
    classes_ : ndarray
    n_parameters_ : int or None
        Fitted numbers of the estimator (coefficients, tree nodes).

    Notes
    -----
    ``save()`` raises a ``TypeError``: the wrapped estimator cannot be written without pickle.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from interpretable_nn.datasets import load_dataset
    >>> ds = load_dataset("credit_data")
    >>> m = EncodedSklearnClassifier(LogisticRegression(max_iter=1000)).fit(ds.X, ds.y)
    >>> m.predict_proba(ds.X.head(3)).shape
    (3, 2)
    """

    def __init__(self, estimator=None, *, raw_numeric: bool = False):
        self.estimator = estimator
        self.raw_numeric = raw_numeric

    def _default_estimator(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=2000)


class EncodedSklearnRegressor(StableR2Mixin, _SklearnModel):
    """The regression twin of :class:`EncodedSklearnClassifier` (default ``Ridge()``).

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> from interpretable_nn.datasets import make_additive
    >>> d = make_additive(n_samples=300, task="regression")
    >>> m = EncodedSklearnRegressor(DecisionTreeRegressor(max_depth=3), raw_numeric=True).fit(d.X, d.y)
    >>> m.predict(d.X.head(2)).shape
    (2,)
    """

    _task: ClassVar[str] = "regression"

    def __init__(self, estimator=None, *, raw_numeric: bool = False):
        self.estimator = estimator
        self.raw_numeric = raw_numeric

    def _default_estimator(self):
        from sklearn.linear_model import Ridge

        return Ridge()

    def _decision(self, Z) -> np.ndarray:
        if len(Z) == 0:
            return np.zeros(0)
        return np.asarray(self.estimator_.predict(Z), dtype=float).reshape(-1)


class _XGBoostModel(BaseModel):
    """What both XGBoost wrappers share: the parameters, the raw-unit design, the fit, the
    tree count, TreeSHAP and the JSON state. A subclass names its XGBoost estimator
    (``_estimator``) and reads the booster's margin (``decision_function``)."""

    _parameter_constraints: ClassVar[dict] = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "max_depth": [Interval(Integral, 0, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "params": [dict, None],
        "categorical": [list, tuple, None],
        "n_jobs": [Integral, None],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
    }
    raw_numeric: ClassVar[bool] = True
    _estimator: ClassVar[str] = ""

    booster_: Any

    def __init__(self, *, n_estimators: int = 300, max_depth: int = 4, learning_rate: float = 0.05,
                 params: dict | None = None, categorical=None, n_jobs: int | None = None,
                 random_state: int | None = 0):
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.params = params
        self.categorical = categorical
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _raw_design(self, df: pd.DataFrame, enc: EncodedData | None = None) -> np.ndarray:  # float32 range
        return raw_design(self.encoder_, df, enc)

    def _fit(self, X, y, sample_weight) -> None:
        """Fit on a raw DataFrame (categoricals and NaN allowed)."""
        import xgboost as xgb

        df, yy = self._validate_fit_input(X, y)
        with precision_warned():  # _validate_fit_input has warned
            df = check_predict_frame(df, self.encoder_.schema_)
        Z = self._raw_design(df)
        kw = {"n_estimators": self.n_estimators, "max_depth": self.max_depth,
              "learning_rate": self.learning_rate, "n_jobs": self.n_jobs, "random_state": self.random_state}
        kw.update(self.params or {})
        if "objective" in kw:
            self._check_objective(kw["objective"])
        fit_kw = {} if sample_weight is None else {"sample_weight": check_sample_weight(
            sample_weight, len(yy), y=yy if self._task == "classification" else None)}
        try:
            self.booster_ = getattr(xgb, self._estimator)(**kw).fit(Z, yy, **fit_kw).get_booster()
        except xgb.core.XGBoostError as exc:  # a label the objective refuses, a missing parameter: one line
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"XGBoost refused the fit: {first[:300]} (params={self.params!r}).") from None

    #: the objectives whose margin is the score this wrapper scores and explains
    _OBJECTIVES: ClassVar[tuple[str, ...]] = ()

    def _check_objective(self, objective) -> None:
        """Refuse an objective whose margin is not the score (``count:poisson``'s is the log
        of the prediction, so predictions came out on the log scale, silently)."""
        if objective not in self._OBJECTIVES:
            raise ValueError(f"{type(self).__name__} scores and explains XGBoost's margin, which is the "
                             f"{'prediction' if self._task == 'regression' else 'log-odds'} only under "
                             f"{list(self._OBJECTIVES)}; got objective={objective!r}. Use one of those, or "
                             "xgboost itself for other links.")

    def _margin(self, X) -> tuple[np.ndarray, int]:
        """The booster's raw margin of ``X`` (flat) and the number of rows."""
        df, enc = self._encode(X)
        Z = self._raw_design(df, enc)
        if len(Z) == 0:
            return np.zeros(0), 0
        return np.asarray(self.booster_.inplace_predict(Z, predict_type="margin"), dtype=float), len(Z)

    def explain(self, X) -> Explanation:
        """XGBoost's own attributions of the score (``pred_contribs``: path-dependent
        TreeSHAP; the log-odds of a binary classifier, a regressor's prediction), summed over
        each raw feature's columns. XGBoost computes in float32, so
        ``check["additivity_gap"]`` is about 1e-6 of the score's scale, not 1e-15.

        Examples
        --------
        >>> from interpretable_nn.datasets import load_dataset
        >>> ds = load_dataset("default")
        >>> m = XGBoostClassifier(n_estimators=10).fit(ds.X, ds.y)
        >>> m.explain(ds.X.head(2)).method
        'xgboost-treeshap'
        """
        df, enc = self._encode(X)
        if self._task == "classification" and len(self.classes_) != 2:
            raise ValueError(f"explain() covers binary models; this one has {len(self.classes_)} classes.")
        Z = self._raw_design(df, enc)
        values, base, method = xgboost_treeshap_values(self.booster_, Z, self.encoder_)
        e = Explanation(values=values, base_values=base, feature_names=self.feature_names_,
                        data=df.reset_index(drop=True), output=self._output_name(), method=method)
        e.add_check(additivity_gap=e.check_additivity(self.decision_function(df)) if len(Z) else 0.0)
        return e

    @property
    def n_parameters_(self) -> int:
        """Tree nodes of the booster (a split or a leaf value each)."""
        check_is_fitted(self, "booster_")
        return len(self.booster_.trees_to_dataframe())

    def _get_state(self):
        state = self._base_state()
        state["booster"] = bytes(self.booster_.save_raw("json")).decode("utf-8")
        return state, {}

    def _set_state(self, state, tensors):
        import xgboost as xgb

        self._set_base_state(state)
        booster = xgb.Booster()
        booster.load_model(bytearray(state["booster"], "utf-8"))
        objective = json.loads(booster.save_config())["learner"]["objective"]["name"]
        if objective not in self._OBJECTIVES:  # a classifier's booster under a regressor's name, or the reverse
            raise ValueError(f"the saved booster's objective {objective!r} is not one a {type(self).__name__} "
                             f"fits ({list(self._OBJECTIVES)}); the file was changed or mislabelled. Save the "
                             "model again from its source.")
        self.booster_ = booster


class XGBoostClassifier(ClassifierMixin, _XGBoostModel):
    """XGBoost on the library's encoding: raw-unit numerics with NaN (XGBoost routes missing
    values itself) and one-hot categories. Saved as XGBoost's own JSON model (no pickle).

    Parameters
    ----------
    n_estimators : int, default 300
    max_depth : int, default 4
    learning_rate : float, default 0.05
    params : dict, optional
        Any other ``xgboost.XGBClassifier`` parameter (JSON values), e.g. ``{"subsample": 0.8}``.
    categorical : list of str, optional
        Numeric columns to treat as categorical.
    n_jobs : int, optional
    random_state : int, default 0

    Attributes
    ----------
    booster_ : xgboost.Booster
    n_parameters_ : int
        Tree nodes (a split or a leaf value each).

    Examples
    --------
    >>> from interpretable_nn.datasets import load_dataset
    >>> ds = load_dataset("credit_data")
    >>> m = XGBoostClassifier(n_estimators=20).fit(ds.X, ds.y)
    >>> m.predict_proba(ds.X.head(2)).shape
    (2, 2)
    """

    _task: ClassVar[str] = "classification"
    _estimator: ClassVar[str] = "XGBClassifier"
    _OBJECTIVES: ClassVar[tuple[str, ...]] = ("binary:logistic", "multi:softprob", "multi:softmax")

    def decision_function(self, X) -> np.ndarray:
        """Log-odds (binary) or class margins (multiclass; their softmax is the probability)."""
        out, n = self._margin(X)
        k = len(self.classes_)
        return out.reshape(-1) if k == 2 else out.reshape(n, k)


class XGBoostRegressor(StableR2Mixin, _XGBoostModel):
    """The regression twin of :class:`XGBoostClassifier` (``xgboost.XGBRegressor``, squared
    error): ``decision_function`` and ``predict`` are its prediction; saved as XGBoost's JSON.

    Examples
    --------
    >>> from interpretable_nn.datasets import make_additive
    >>> d = make_additive(n_samples=300, task="regression")
    >>> m = XGBoostRegressor(n_estimators=20).fit(d.X, d.y)
    >>> m.predict(d.X.head(2)).shape
    (2,)
    """

    _task: ClassVar[str] = "regression"
    _estimator: ClassVar[str] = "XGBRegressor"
    _OBJECTIVES: ClassVar[tuple[str, ...]] = ("reg:squarederror", "reg:absoluteerror", "reg:pseudohubererror")

    def decision_function(self, X) -> np.ndarray:
        """The prediction (the booster's margin: the identity link of squared error)."""
        return self._margin(X)[0]

"""One model view for ``explain/``: how the checks read any fitted model.

:class:`ModelView` wraps a fitted model (the library's estimators, a
:class:`~interpretable_nn.rules.RuleSet`, the wrappers of scikit-learn / interpret / XGBoost
estimators, or any scikit-learn-style estimator with ``decision_function``) and answers the
questions every check asks, in one place:

* its **features** (``feature_names_``, ``feature_names``, ``ruleset_.feature_names``, else
  the columns of the first frame it is shown) and their kinds (:meth:`ModelView.numeric_flags`);
* a validated **frame** of raw rows (:meth:`ModelView.frame`: the fitted schema's checks
  when the model has an encoder, else the named columns in model order). The checks
  validate ``X`` once here and pass the frame on;
* its **task** and output (:attr:`ModelView.is_regression`, :attr:`ModelView.output`);
* its **decision function** as ``frame -> float64 (n,)`` (:meth:`ModelView.decision_function`);
* its **built-in explanation**, one column per original feature (:meth:`ModelView.explain`).

Examples
--------
>>> from interpretable_nn.rules import Condition, Rule, RuleSet
>>> rs = RuleSet([Rule((Condition("a", ">", 0.0), Condition("b", ">", 0.0)), 2.0)])
>>> X = pd.DataFrame({"a": [1.0], "b": [1.0]})
>>> view = ModelView(rs, X)
>>> view.names, view.explain(view.frame(X)).values.tolist()
(['a', 'b'], [[1.0, 1.0]])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import additive_shap_explanation, is_additive
from ..attribution.explanation import Explanation
from ..attribution.fidelity import Fidelity
from ..data.ranges import quiet_range

__all__ = ["ModelView", "some_rows"]


def _model_names(model: Any) -> list[str] | None:
    names = getattr(model, "feature_names_", None)
    if names is None:
        names = getattr(model, "feature_names", None) or getattr(
            getattr(model, "ruleset_", None), "feature_names", None
        )
    return None if names is None else [str(f) for f in names]


def copy_check(check: Any) -> Any:
    """An explanation's check carried onto a derived explanation: a :class:`Fidelity` as it
    is (immutable), a plain dict copied."""
    return check if isinstance(check, Fidelity) else dict(check)


def some_rows(Xf: pd.DataFrame, fix: str) -> pd.DataFrame:
    """``Xf`` when it has rows; else a ValueError "X has no rows; <fix>." (numpy's "cannot
    reshape array of size 0", a curve of NaN under hundreds of warnings, or "background has no
    rows" of a background never given said nothing useful)."""
    if len(Xf) == 0:
        raise ValueError(f"X has no rows; {fix}.")
    return Xf


class ModelView:
    """A fitted model as the checks of ``explain/`` read it.

    Parameters
    ----------
    model : fitted estimator, RuleSet, or anything with ``decision_function``
    X : DataFrame, optional
        Rows the model will be shown; their columns name the features of a model that does
        not record them itself.

    Raises
    ------
    TypeError
        When the features cannot be told (an unfitted model shown no frame).
    """

    def __init__(self, model: Any, X: Any = None):
        self.model = model
        self.schema = getattr(getattr(model, "encoder_", None), "schema_", None)
        names = _model_names(model)
        if names is None and isinstance(X, pd.DataFrame):
            names = [str(c) for c in X.columns]
        if names is None:
            raise TypeError(f"Cannot tell the features of {type(model).__name__}; fit it first.")
        self.names: list[str] = names

    @property
    def name(self) -> str:
        return type(self.model).__name__

    # ------------------------------------------------------------------ rows
    def frame(self, X: Any, what: str = "X") -> pd.DataFrame:
        """``X`` validated once: the fitted schema's checks (columns by name, numeric as
        float) when the model has an encoder, else its named columns in model order; the
        index reset. The categories the model never saw are said as its predict says them
        (the library reads the rows again under ``quiet_range``, which says nothing)."""
        if self.schema is not None:
            from ..data.validation import check_predict_frame

            df = check_predict_frame(X, self.schema, what=what).reset_index(drop=True)
            check = getattr(self.model.encoder_, "check_levels", None)
            if check is not None:
                check(df, what)
            return df
        if not isinstance(X, pd.DataFrame):
            raise TypeError(f"{what} must be a pandas DataFrame of raw columns; got {type(X).__name__}.")
        missing = [c for c in self.names if c not in X.columns]
        if missing:
            raise ValueError(f"{what} is missing column(s) {missing}; pass all of {self.names}.")
        return X[self.names].reset_index(drop=True)

    def numeric_flags(self, X: pd.DataFrame) -> list[bool]:
        """Per feature: numeric (True) or categorical / binary (False), from the schema or
        else from the dtypes of ``X``."""
        if self.schema is not None:
            return [self.schema[c].is_numeric for c in self.names]
        return [
            pd.api.types.is_numeric_dtype(X[c].dtype) and not pd.api.types.is_bool_dtype(X[c].dtype)
            for c in self.names
        ]

    # ------------------------------------------------------------------ outputs
    @property
    def is_regression(self) -> bool:
        """A regressor, or a rule set of amounts (link ``"identity"``: its classes mean nothing)."""
        return getattr(self.model, "_task", "") == "regression" or getattr(self.model, "link", None) == "identity"

    @property
    def output(self) -> str:
        """What the decision function returns: ``"raw"`` (regressors) or ``"log-odds"``."""
        return "raw" if self.is_regression else "log-odds"

    def explains(self, sign: float = 1.0) -> str:
        """What the decision function's numbers are, in words: a regressor's prediction, or the
        log-odds of the class ``sign`` points at (``-1``: the first)."""
        if self.is_regression:
            return "the prediction"
        classes = self.classes
        if classes is None or len(classes) != 2:
            return "the model's score"
        return f"log-odds of {np.asarray(classes)[1 if sign > 0 else 0]}"

    @property
    def classes(self) -> Any:
        """``classes_`` (estimators) or ``classes`` (rule sets); None when neither."""
        classes = getattr(self.model, "classes_", None)
        return getattr(self.model, "classes", None) if classes is None else classes

    def decision_function(self) -> Callable[[pd.DataFrame], np.ndarray]:
        """The model's decision function as ``frame -> float64 (n,)``; multiclass models are
        refused (explain one logit with a wrapper)."""
        fn = getattr(self.model, "decision_function", None)
        if not callable(fn):
            raise TypeError(f"{self.name} has no decision_function; SHAP needs the model's score.")
        name = self.name

        def f(df: pd.DataFrame) -> np.ndarray:
            with quiet_range():  # explainers' perturbed rows (LIME draws new numbers), not the user's
                out = np.asarray(fn(df), dtype=np.float64)
            if out.ndim != 1:
                raise ValueError(
                    f"{name}.decision_function returns {out.shape[1]} columns; the "
                    "cross-check explains one output (binary classifiers and regressors)."
                )
            return out

        return f

    # ------------------------------------------------------------------ built-in explanation
    def takes(self, param: str) -> bool:
        """Whether the model's ``explain`` accepts ``param``."""
        fn = getattr(self.model, "explain", None)
        return callable(fn) and param in inspect.signature(fn).parameters

    def has_explain(self) -> bool:
        """A working ``explain`` (not the base class's NotImplementedError stub)."""
        fn = getattr(type(self.model), "explain", None)
        if fn is None:
            return callable(getattr(self.model, "explain", None))
        from ..models.base import BaseModel

        return fn is not BaseModel.explain

    def explain(self, Xf: pd.DataFrame, Bf: pd.DataFrame | None = None) -> Explanation:
        """The model's own explanation of the validated rows ``Xf`` (background ``Bf``), one
        column per original feature; see
        :func:`~interpretable_nn.explain.crosscheck.builtin_explanation` for the order in
        which the sources are tried."""
        from ..rules.ruleset import RuleSet

        model = self.model
        if isinstance(model, RuleSet):
            e = model.explain_features(Xf)
        elif isinstance(getattr(model, "ruleset_", None), RuleSet) and not is_additive(model):
            e = model.ruleset_.explain_features(Xf)
        elif self.has_explain():
            kw: dict[str, Any] = {}
            if self.takes("split_interactions"):
                kw["split_interactions"] = True
            if Bf is not None and self.takes("background"):
                kw["background"] = Bf
            e = model.explain(Xf, **kw)
        elif is_additive(model):
            e = additive_shap_explanation(model, Xf, Xf if Bf is None else Bf)
        else:
            raise TypeError(
                f"{self.name} has no built-in explanation (no explain(), ruleset_ or additive "
                "terms); compute SHAP values with library_shap() instead."
            )
        if not isinstance(e, Explanation):
            raise TypeError(f"{self.name}.explain returned {type(e).__name__}, not an Explanation.")
        return self.per_feature(e)

    def per_feature(self, e: Explanation) -> Explanation:
        """Columns onto the original features: interaction columns ``"A x B"`` split equally."""
        names = self.names
        if e.feature_names == names:
            return e
        col = {f: i for i, f in enumerate(names)}
        values = np.zeros((len(e), len(names)))
        split = False
        for j, c in enumerate(e.feature_names):
            if c in col:
                values[:, col[c]] += e.values[:, j]
                continue
            parts = [p.strip() for p in c.split(" x ")]
            if len(parts) < 2 or any(p not in col for p in parts):
                raise ValueError(
                    f"Explanation column {c!r} is neither a feature of the model nor an interaction 'A x B'."
                )
            for p in parts:
                values[:, col[p]] += e.values[:, j] / len(parts)
            split = True
        return Explanation(
            values=values,
            base_values=e.base_values,
            feature_names=names,
            data=e.data,
            output=e.output,
            method=e.method + ("+equal-split" if split else ""),
            check=copy_check(e.check),
        )

"""Cross-check a model's built-in explanation against SHAP values computed by the ``shap``
library on the model's decision function.

What is compared
----------------
* **SHAP side** (:func:`library_shap`): interventional SHAP values of the decision function
  (log-odds for classifiers) with the given background rows (``shap.maskers.Independent``
  over all of them), by ``shap.explainers.Exact`` when ``2^d`` coalitions fit the budget,
  else ``shap.explainers.Permutation`` (antithetic permutations: exact for models whose
  interactions are at most pairwise) or, on request, ``shap.KernelExplainer``. Raw frames
  go through a numeric codec: categorical levels become float codes and missing values a
  finite sentinel (shap's masker multiplies by the mask, so NaN cannot travel as is).
* **Built-in side** (:func:`builtin_explanation`): ``model.explain(X)`` with interaction
  columns split onto their features (``split_interactions=True`` where the model offers
  it, else an equal split); ``RuleSet.explain_features`` for rule sets. The explanations
  themselves live with the models (integrated gradients for the MLP and prototypes,
  coefficients / tree paths / TreeSHAP / EBM terms in the baseline wrappers).

Why one file of ~600 lines: the check has three parts that only make sense together and
share the frame handling: the SHAP side (codec + :func:`library_shap`), the built-in side
(:func:`builtin_explanation`) and the comparison (:class:`CrosscheckReport`).

Thresholds
----------
Additive models (the additive protocol, and linear models) explain themselves with exact
interventional SHAP values, so they **must agree**: ``max_abs_diff <= tolerance``
(default ``1e-5`` log-odds) and :attr:`CrosscheckReport.passed` is the verdict. Other
models (rules split equally over their features, integrated gradients from a mean
baseline) explain a different game: their report gives agreement figures (rank, sign,
top-k) and ``passed`` is ``None``.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import additive_shap_explanation, as_additive, is_additive
from ..attribution.explanation import Explanation

__all__ = ["CrosscheckReport", "builtin_explanation", "crosscheck", "library_shap"]

_METHODS = ("auto", "exact", "permutation", "kernel")
_SENTINEL = -1e300  # a missing numeric value inside shap's numeric matrices


# ---------------------------------------------------------------------- model access
def _feature_names(model: Any, X: pd.DataFrame | None = None) -> list[str]:
    names = getattr(model, "feature_names_", None)
    if names is None:
        names = getattr(model, "feature_names", None) or getattr(
            getattr(model, "ruleset_", None), "feature_names", None
        )
    if names is None and X is not None:
        names = list(X.columns)
    if names is None:
        raise TypeError(f"Cannot tell the features of {type(model).__name__}; fit it first.")
    return [str(f) for f in names]


def _schema(model: Any):
    return getattr(getattr(model, "encoder_", None), "schema_", None)


def _frame(model: Any, X: Any, names: list[str], what: str) -> pd.DataFrame:
    schema = _schema(model)
    if schema is not None:
        from ..data.validation import check_predict_frame

        return check_predict_frame(X, schema, what=what).reset_index(drop=True)
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame of raw columns; got {type(X).__name__}.")
    missing = [c for c in names if c not in X.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}; pass all of {names}.")
    return X[names].reset_index(drop=True)


def decision_function(model: Any):
    """The model's decision function as ``frame -> float64 (n,)``; multiclass models are
    refused (explain one logit with a wrapper)."""
    fn = getattr(model, "decision_function", None)
    if not callable(fn):
        raise TypeError(f"{type(model).__name__} has no decision_function; SHAP needs the model's score.")

    def f(df: pd.DataFrame) -> np.ndarray:
        out = np.asarray(fn(df), dtype=np.float64)
        if out.ndim != 1:
            raise ValueError(
                f"{type(model).__name__}.decision_function returns {out.shape[1]} columns; the "
                "cross-check explains one output (binary classifiers and regressors)."
            )
        return out

    return f


# ---------------------------------------------------------------------- numeric codec
class _Codec:
    """Raw frames <-> float matrices for shap: categorical levels as codes, NaN as a
    finite sentinel."""

    def __init__(self, names: list[str], numeric: list[bool], frames: list[pd.DataFrame]):
        self.names = names
        self.numeric = numeric
        self.levels: dict[str, np.ndarray] = {}
        for c, num in zip(names, numeric):
            if not num:
                vals = pd.concat([f[c] for f in frames], ignore_index=True).dropna()
                self.levels[c] = np.asarray(pd.unique(vals.astype(object)), dtype=object)

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(df), len(self.names)))
        for j, c in enumerate(self.names):
            if c in self.levels:
                cat = pd.Categorical(df[c].astype(object), categories=pd.Index(self.levels[c], dtype=object))
                out[:, j] = np.asarray(cat.codes, dtype=float)  # -1 = missing
            else:
                v = df[c].to_numpy(dtype=np.float64)
                out[:, j] = np.where(np.isnan(v), _SENTINEL, v)
        return out

    def decode(self, M: np.ndarray) -> pd.DataFrame:
        M = np.asarray(M, dtype=np.float64)
        cols = {}
        for j, c in enumerate(self.names):
            if c in self.levels:
                lv = np.append(self.levels[c], np.nan).astype(object)
                cols[c] = lv[np.rint(M[:, j]).astype(np.int64)]  # code -1 -> the NaN slot
            else:
                cols[c] = np.where(M[:, j] < _SENTINEL / 2, np.nan, M[:, j])
        return pd.DataFrame(cols)


def _numeric_flags(model: Any, names: list[str], X: pd.DataFrame) -> list[bool]:
    schema = _schema(model)
    if schema is not None:
        return [schema[c].is_numeric for c in names]
    return [
        pd.api.types.is_numeric_dtype(X[c].dtype) and not pd.api.types.is_bool_dtype(X[c].dtype)
        for c in names
    ]


# ---------------------------------------------------------------------- SHAP side
def library_shap(
    model: Any,
    X: Any,
    background: Any,
    method: str = "auto",
    nsamples: int | None = None,
    random_state: int | None = 0,
    max_exact_evals: float = 2e6,
) -> Explanation:
    """SHAP values of ``model``'s decision function computed by the ``shap`` library.

    Parameters
    ----------
    model : fitted estimator or RuleSet
        Anything with ``decision_function(DataFrame) -> (n,)``.
    X, background : DataFrame
        Rows to explain and the reference rows (all of them are used by the masker).
    method : {"auto", "exact", "permutation", "kernel"}
        ``"auto"``: exact when ``2^d * len(background) * len(X) <= max_exact_evals``,
        else permutation.
    nsamples : int, optional
        Permutation: model evaluations per row (default 10 antithetic permutations,
        ``10 * (2 d + 1)``); Kernel: coalition samples (default shap's ``2 d + 2048``).
    random_state : int or None
        Seed of the permutation / kernel sampling.

    Returns
    -------
    Explanation
        ``method="shap-<method>"``, ``check["additivity_gap"]`` against the model output.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("a", ">", 0.0),), 1.0)], feature_names=["a", "b"])
    >>> X = pd.DataFrame({"a": [1.0], "b": [0.0]}); B = pd.DataFrame({"a": [-1.0], "b": [0.0]})
    >>> library_shap(rs, X, B).values.tolist()
    [[1.0, 0.0]]
    """
    import shap

    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    names = _feature_names(model, X if isinstance(X, pd.DataFrame) else None)
    Xf = _frame(model, X, names, "X")
    Bf = _frame(model, background, names, "background")
    if len(Bf) == 0:
        raise ValueError("background has no rows; pass reference rows (e.g. 100 training rows).")
    f_df = decision_function(model)
    codec = _Codec(names, _numeric_flags(model, names, Xf), [Xf, Bf])

    def f(M: np.ndarray) -> np.ndarray:
        return f_df(codec.decode(M))

    d, n, m = len(names), len(Xf), len(Bf)
    if method == "auto":
        method = "exact" if (2.0**d) * m * max(n, 1) <= max_exact_evals else "permutation"
    if method == "exact" and d > 20:
        raise ValueError(f"method='exact' needs 2^{d} model calls per row and background row; use 'permutation'.")
    Mx, Mb = codec.encode(Xf), codec.encode(Bf)
    if n == 0:
        values, base = np.zeros((0, d)), np.zeros(0)
    elif method == "kernel":
        state = np.random.get_state()
        np.random.seed(0 if random_state is None else int(random_state))
        try:
            ex = shap.KernelExplainer(f, Mb)
            values = np.asarray(ex.shap_values(Mx, nsamples=nsamples or "auto", silent=True))
            base = np.full(n, float(np.ravel(ex.expected_value)[0]))
        finally:
            np.random.set_state(state)
    else:
        masker = shap.maskers.Independent(Mb, max_samples=m)
        if method == "exact":
            res = shap.explainers.Exact(f, masker)(Mx, max_evals=max(100_000, 2**d + 1), silent=True)
        else:
            evals = int(nsamples) if nsamples is not None else 10 * (2 * d + 1)
            if evals < 2 * d + 1:
                raise ValueError(f"nsamples must be at least 2 * n_features + 1 = {2 * d + 1}; got {nsamples}.")
            state = np.random.get_state()
            try:
                res = shap.explainers.Permutation(f, masker, seed=random_state)(Mx, max_evals=evals, silent=True)
            finally:
                np.random.set_state(state)
        values, base = np.asarray(res.values, dtype=float), np.asarray(res.base_values, dtype=float)
    e = Explanation(
        values=values.reshape(n, d),
        base_values=base,
        feature_names=names,
        data=Xf,
        output="raw" if getattr(model, "_task", "") == "regression" else "log-odds",
        method=f"shap-{method}",
    )
    e.check["additivity_gap"] = e.check_additivity(f_df(Xf)) if n else 0.0
    return e


# ---------------------------------------------------------------------- built-in side
def _per_feature(e: Explanation, names: list[str]) -> Explanation:
    """Columns onto the original features: interaction columns ``"A x B"`` split equally."""
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
            raise ValueError(f"Explanation column {c!r} is neither a feature of the model nor an interaction 'A x B'.")
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
        check=dict(e.check),
    )


def _has_explain(model: Any) -> bool:
    """A working ``explain`` (not the base class's NotImplementedError stub)."""
    fn = getattr(type(model), "explain", None)
    if fn is None:
        return callable(getattr(model, "explain", None))
    from ..models.base import BaseModel

    return fn is not BaseModel.explain


def builtin_explanation(model: Any, X: Any, background: Any = None) -> Explanation:
    """The model's own explanation of ``X``, one column per original feature.

    * a :class:`~interpretable_nn.rules.RuleSet`, or a non-additive model with ``ruleset_``:
      ``RuleSet.explain_features`` (fired rules' points split over their features);
    * any model with ``explain``: ``model.explain(X)``, asked for split interactions
      (``split_interactions=True``) and for the given ``background`` when it takes them;
      remaining interaction columns ``"A x B"`` are split equally. Every model of the
      registry has one: the library's own models, and the wrappers of scikit-learn,
      interpret and XGBoost estimators (coefficients, tree paths, TreeSHAP, EBM terms; see
      :mod:`interpretable_nn.models.baselines`);
    * a model that follows the additive protocol without ``explain``: its terms, split
      exactly (:func:`~interpretable_nn.attribution.additive.additive_shap_explanation`).

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("a", ">", 0.0), Condition("b", ">", 0.0)), 2.0)])
    >>> builtin_explanation(rs, pd.DataFrame({"a": [1.0], "b": [1.0]})).values.tolist()
    [[1.0, 1.0]]
    """
    from ..rules import RuleSet

    names = _feature_names(model, X if isinstance(X, pd.DataFrame) else None)
    Xf = _frame(model, X, names, "X")
    Bf = None if background is None else _frame(model, background, names, "background")
    if isinstance(model, RuleSet):
        e = model.explain_features(Xf)
    elif isinstance(getattr(model, "ruleset_", None), RuleSet) and not is_additive(model):
        e = model.ruleset_.explain_features(Xf)
    elif _has_explain(model):
        kw: dict[str, Any] = {}
        if _takes(model, "split_interactions"):
            kw["split_interactions"] = True
        if Bf is not None and _takes(model, "background"):
            kw["background"] = Bf
        e = model.explain(Xf, **kw)
    elif is_additive(model):
        e = additive_shap_explanation(model, Xf, Xf if Bf is None else Bf)
    else:
        raise TypeError(
            f"{type(model).__name__} has no built-in explanation (no explain(), ruleset_ or additive "
            "terms); compute SHAP values with library_shap() instead."
        )
    if not isinstance(e, Explanation):
        raise TypeError(f"{type(model).__name__}.explain returned {type(e).__name__}, not an Explanation.")
    return _per_feature(e, names)


# ---------------------------------------------------------------------- comparison
def _row_spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman correlation of each row of ``a`` with the same row of ``b`` (NaN where a
    row is constant)."""
    from scipy.stats import rankdata

    ra, rb = rankdata(a, axis=1), rankdata(b, axis=1)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    den = np.sqrt((ra**2).sum(1) * (rb**2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (ra * rb).sum(1) / np.where(den > 0, den, 1), np.nan)


def _topk_jaccard(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    k = min(k, a.shape[1])
    ta = np.argsort(-np.abs(a), axis=1, kind="stable")[:, :k]
    tb = np.argsort(-np.abs(b), axis=1, kind="stable")[:, :k]
    ma = np.zeros(a.shape, dtype=bool)
    mb = np.zeros(b.shape, dtype=bool)
    np.put_along_axis(ma, ta, True, axis=1)
    np.put_along_axis(mb, tb, True, axis=1)
    return (ma & mb).sum(1) / (ma | mb).sum(1)


def _nanmean0(a: np.ndarray) -> np.ndarray:
    """Column means ignoring NaN (NaN for an all-NaN column, without a warning)."""
    ok = np.isfinite(a)
    cnt = ok.sum(0)
    return np.where(cnt > 0, np.where(ok, a, 0).sum(0) / np.maximum(cnt, 1), np.nan)


@dataclass
class CrosscheckReport:
    """Built-in explanation vs SHAP for the same rows.

    Attributes
    ----------
    builtin, shap : Explanation
        One column per original feature, same rows and order.
    additive : bool
        Whether the built-in explanation is exact SHAP by construction (additive
        protocol, linear); then it must agree to ``tolerance``.
    tolerance : float
        Largest absolute difference (decision units) allowed for additive models.
    top_k : int
        Size of the top-k sets compared by Jaccard.
    timings : dict
        Seconds spent on the built-in explanation and on SHAP.
    model_name : str
    background : str
        Which reference rows SHAP used (``"given (100 rows)"`` or the additive model's own
        ``"model.background_ (500 rows)"``).
    """

    builtin: Explanation
    shap: Explanation
    additive: bool = False
    tolerance: float = 1e-5
    top_k: int = 3
    timings: dict[str, float] = field(default_factory=dict)
    model_name: str = ""
    background: str = ""

    def __post_init__(self) -> None:
        if self.builtin.values.shape != self.shap.values.shape:
            raise ValueError(
                f"Built-in values {self.builtin.values.shape} and SHAP values {self.shap.values.shape} differ in shape."
            )
        b, s = self.builtin.values, self.shap.values
        self.diff_ = b - s
        self.row_spearman_ = _row_spearman(b, s) if len(b) else np.zeros(0)
        self.row_jaccard_ = _topk_jaccard(b, s, self.top_k) if len(b) else np.zeros(0)
        eps = 1e-9 * max(1.0, float(np.abs(s).max(initial=0.0)))
        sb, ss = np.sign(np.where(np.abs(b) > eps, b, 0)), np.sign(np.where(np.abs(s) > eps, s, 0))
        active = (sb != 0) | (ss != 0)
        self.sign_match_ = np.where(active, sb == ss, np.nan)

    @property
    def max_abs_diff(self) -> float:
        return float(np.abs(self.diff_).max(initial=0.0))

    @property
    def passed(self) -> bool | None:
        """``max_abs_diff <= tolerance`` for additive models; ``None`` for others (figures only)."""
        return (self.max_abs_diff <= self.tolerance) if self.additive else None

    def summary(self) -> dict[str, Any]:
        """The agreement figures as a flat dict: ``max_abs_diff`` / ``mean_abs_diff``
        (decision units) and ``relative_mean_abs_diff`` (over the mean |SHAP|);
        ``spearman_mean`` (per-row rank correlation, averaged); ``top{k}_jaccard``
        (overlap of the top-k |value| features); ``sign_agreement`` (share of non-zero
        entries with the same sign); ``global_rank_corr`` (Spearman of mean |value| per
        feature); ``base_value_diff``; both sides' own checks; ``passed`` (additive models)
        and the timings."""
        b, s = self.builtin, self.shap
        imp_b, imp_s = np.abs(b.values).mean(0), np.abs(s.values).mean(0)
        from scipy.stats import spearmanr

        glob = float(spearmanr(imp_b, imp_s).statistic) if len(imp_b) > 1 and len(b) else float("nan")
        scale = float(np.abs(s.values).mean()) if s.values.size else 0.0
        mad = float(np.abs(self.diff_).mean()) if self.diff_.size else 0.0
        return {
            "model": self.model_name,
            "builtin_method": b.method,
            "shap_method": s.method,
            "n_rows": len(b),
            "n_features": len(b.feature_names),
            "background": self.background,
            "max_abs_diff": self.max_abs_diff,
            "mean_abs_diff": mad,
            "relative_mean_abs_diff": mad / scale if scale > 0 else float("nan"),
            "spearman_mean": float(np.nanmean(self.row_spearman_)) if np.isfinite(self.row_spearman_).any() else float("nan"),
            f"top{self.top_k}_jaccard": float(self.row_jaccard_.mean()) if len(b) else float("nan"),
            "sign_agreement": float(np.nanmean(self.sign_match_)) if np.isfinite(self.sign_match_).any() else 1.0,
            "global_rank_corr": glob,
            "base_value_diff": float(np.abs(b.base_values - s.base_values).mean()) if len(b) else 0.0,
            "builtin_check": dict(b.check),
            "shap_additivity_gap": s.check.get("additivity_gap"),
            "additive": self.additive,
            "tolerance": self.tolerance,
            "passed": self.passed,
            **{f"time_{k}_s": v for k, v in self.timings.items()},
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: mean |value| of each side, their rank, the differences,
        the sign agreement and the correlation over rows."""
        b, s = self.builtin.values, self.shap.values
        with np.errstate(invalid="ignore", divide="ignore"):
            bc, sc = b - b.mean(0), s - s.mean(0)
            corr = (bc * sc).sum(0) / np.sqrt((bc**2).sum(0) * (sc**2).sum(0))
        imp_b, imp_s = np.abs(b).mean(0), np.abs(s).mean(0)
        df = pd.DataFrame(
            {
                "feature": self.builtin.feature_names,
                "builtin_importance": imp_b,
                "shap_importance": imp_s,
                "builtin_rank": pd.Series(imp_b).rank(ascending=False, method="min").astype(int).to_numpy(),
                "shap_rank": pd.Series(imp_s).rank(ascending=False, method="min").astype(int).to_numpy(),
                "max_abs_diff": np.abs(self.diff_).max(0, initial=0.0),
                "mean_abs_diff": np.abs(self.diff_).mean(0) if len(b) else np.zeros(b.shape[1]),
                "sign_agreement": _nanmean0(self.sign_match_),
                "correlation": corr,
            }
        )
        return df.sort_values("shap_importance", ascending=False, kind="stable").reset_index(drop=True)

    def disagreements(self, threshold: float | None = None) -> pd.DataFrame:
        """(row, feature) pairs where ``|builtin - shap| > threshold`` (default: the
        tolerance), largest first, with the raw value beside them."""
        thr = self.tolerance if threshold is None else float(threshold)
        rows, cols = np.nonzero(np.abs(self.diff_) > thr)
        names = np.array(self.builtin.feature_names, dtype=object)
        data = self.builtin.data
        value = (
            [data.iloc[r][names[c]] for r, c in zip(rows, cols)] if data is not None else [None] * len(rows)
        )
        out = pd.DataFrame(
            {
                "row": rows,
                "feature": names[cols],
                "value": value,
                "builtin": self.builtin.values[rows, cols],
                "shap": self.shap.values[rows, cols],
                "diff": self.diff_[rows, cols],
            }
        )
        order = np.argsort(-np.abs(out["diff"].to_numpy()), kind="stable")
        return out.iloc[order].reset_index(drop=True)

    def plot(self, max_features: int = 12, ncols: int = 4):
        """Scatter of built-in vs SHAP values per feature (the diagonal is agreement).
        Returns the matplotlib Figure."""
        import matplotlib.pyplot as plt

        feats = self.to_frame()["feature"].tolist()[:max_features]
        nrows = max(1, int(np.ceil(len(feats) / ncols)))
        fig, axes = plt.subplots(nrows, ncols, figsize=(3 * ncols, 2.8 * nrows), squeeze=False)
        idx = {f: i for i, f in enumerate(self.builtin.feature_names)}
        for ax, f in zip(axes.ravel(), feats):
            x, y = self.builtin.values[:, idx[f]], self.shap.values[:, idx[f]]
            lo = float(min(x.min(initial=0), y.min(initial=0)))
            hi = float(max(x.max(initial=0), y.max(initial=0)))
            ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8)
            ax.scatter(x, y, s=6, alpha=0.6)
            ax.set_title(f, fontsize=9)
            ax.set_xlabel(self.builtin.method, fontsize=7)
            ax.set_ylabel(self.shap.method, fontsize=7)
        for ax in axes.ravel()[len(feats):]:
            ax.axis("off")
        fig.suptitle(f"{self.model_name}: built-in vs SHAP (max |diff| {self.max_abs_diff:.2g})", fontsize=10)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"CrosscheckReport(model={s['model']!r}, {s['builtin_method']} vs {s['shap_method']}, "
            f"rows={s['n_rows']}, max_abs_diff={s['max_abs_diff']:.3g}, spearman={s['spearman_mean']:.3f}, "
            f"passed={s['passed']})"
        )


def crosscheck(
    model: Any,
    X: Any,
    background: Any,
    method: str = "auto",
    nsamples: int | None = None,
    *,
    top_k: int = 3,
    tolerance: float = 1e-5,
    random_state: int | None = 0,
    max_exact_evals: float = 2e6,
) -> CrosscheckReport:
    """Compare ``model``'s built-in explanation of ``X`` with SHAP values from ``shap``.

    Parameters
    ----------
    model : fitted estimator (or RuleSet)
    X : DataFrame
        Rows to explain (raw columns).
    background : DataFrame
        Reference rows for SHAP's masker (e.g. 100 training rows), passed to ``explain``
        when it takes a ``background``. An additive model whose exact split is tied to its
        own ``background_`` (e.g. the NAM) is checked against SHAP on *those* rows, since
        Shapley values depend on the reference; ``summary()["background"]`` says which.
    method : {"auto", "exact", "permutation", "kernel"}
        SHAP algorithm (see :func:`library_shap`).
    nsamples : int, optional
        Sampling budget of the permutation / kernel methods.
    top_k : int, default 3
        Size of the top-|value| feature sets compared by Jaccard.
    tolerance : float, default 1e-5
        Agreement required of additive models (decision units).

    Returns
    -------
    CrosscheckReport

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("a", ">", 0.0),), 1.0)], feature_names=["a", "b"])
    >>> X = pd.DataFrame({"a": [1.0, -1.0], "b": [0.0, 2.0]})
    >>> rep = crosscheck(rs, X, background=X)
    >>> rep.builtin.values[:, 0].tolist(), rep.shap.values[:, 0].tolist()  # points vs SHAP
    ([1.0, 0.0], [0.5, -0.5])
    >>> rep.passed is None  # rules: figures, no verdict
    True
    """
    if not isinstance(top_k, (int, np.integer)) or top_k < 1:
        raise ValueError(f"top_k must be a positive integer; got {top_k!r}.")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0; got {tolerance!r}.")
    names = _feature_names(model, X if isinstance(X, pd.DataFrame) else None)
    Xf = _frame(model, X, names, "X")
    Bf = _frame(model, background, names, "background")
    shap_bg, source = Bf, "given"
    own = getattr(model, "background_", None)
    if is_additive(model) and isinstance(own, pd.DataFrame) and not _takes(model, "background"):
        # the model's exact split is defined against its own background: compare like for like
        shap_bg, source = _frame(model, own, names, "model.background_"), "model.background_"
    t0 = time.perf_counter()
    b = builtin_explanation(model, Xf, Bf)
    t1 = time.perf_counter()
    s = library_shap(model, Xf, shap_bg, method=method, nsamples=nsamples, random_state=random_state,
                     max_exact_evals=max_exact_evals)
    t2 = time.perf_counter()
    additive = as_additive(model) is not None or b.method.startswith(("exact-additive", "linear-coefficients"))
    return CrosscheckReport(
        builtin=b, shap=s, additive=bool(additive), tolerance=float(tolerance), top_k=int(top_k),
        timings={"builtin": t1 - t0, "shap": t2 - t1}, model_name=type(model).__name__,
        background=f"{source} ({len(shap_bg)} rows)",
    )


def _takes(model: Any, param: str) -> bool:
    fn = getattr(model, "explain", None)
    return callable(fn) and param in inspect.signature(fn).parameters

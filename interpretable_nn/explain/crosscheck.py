"""Cross-check a model's built-in explanation against SHAP values computed by the ``shap``
library on the model's decision function.

What is compared
----------------
* **SHAP side** (:func:`~interpretable_nn.explain.shap_library.library_shap`, re-exported
  here): interventional SHAP values of the decision function (log-odds for classifiers)
  against the given background rows, exact, by antithetic permutations or by Kernel SHAP.
* **Built-in side** (:func:`builtin_explanation`): ``model.explain(X)`` with interaction
  columns split onto their features (``split_interactions=True`` where the model offers
  it, else an equal split); ``RuleSet.explain_features`` for rule sets. The explanations
  themselves live with the models (integrated gradients for the MLP and prototypes,
  coefficients / tree paths / TreeSHAP / EBM terms in the wrappers); the model is read
  through :class:`~interpretable_nn.explain.view.ModelView`, which validates ``X`` once.
* **Comparison** (:class:`CrosscheckReport`): agreement figures, and its
  :attr:`~CrosscheckReport.check`, the headline figures as a
  :class:`~interpretable_nn.attribution.fidelity.Fidelity`.

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

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import as_additive, is_additive
from ..attribution.explanation import Explanation
from ..attribution.fidelity import Fidelity
from ..data.ranges import tallied
from .lime_check import lime_of_view
from .shap_library import library_shap, shap_of_view
from .view import ModelView

__all__ = ["CrosscheckReport", "builtin_explanation", "crosscheck", "library_shap"]


# ---------------------------------------------------------------------- built-in side
@tallied
def builtin_explanation(model: Any, X: Any, background: Any = None) -> Explanation:
    """The model's own explanation of ``X``, one column per original feature.

    * a :class:`~interpretable_nn.rules.RuleSet`, or a non-additive model with ``ruleset_``:
      ``RuleSet.explain_features`` (fired rules' points split over their features);
    * any model with ``explain``: ``model.explain(X)``, asked for split interactions
      (``split_interactions=True``) and for the given ``background`` when it takes them;
      remaining interaction columns ``"A x B"`` are split equally. Every model of the
      registry has one: the library's own models, and the wrappers of scikit-learn,
      interpret and XGBoost estimators (coefficients, tree paths, TreeSHAP, EBM terms);
    * a model that follows the additive protocol without ``explain``: its terms, split
      exactly (:func:`~interpretable_nn.attribution.additive.additive_shap_explanation`).

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("a", ">", 0.0), Condition("b", ">", 0.0)), 2.0)])
    >>> builtin_explanation(rs, pd.DataFrame({"a": [1.0], "b": [1.0]})).values.tolist()
    [[1.0, 1.0]]
    """
    view = ModelView(model, X)
    Xf = view.frame(X, "X")
    Bf = None if background is None else view.frame(background, "background")
    return view.explain(Xf, Bf)


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
    versus : dict of CrosscheckReport
        Further comparisons made with it: for ``method="lime"`` (where :attr:`shap` holds
        the LIME explanation) ``"builtin_vs_shap"`` and ``"lime_vs_shap"``; their figures
        join :meth:`summary` with the name as prefix.
    """

    builtin: Explanation
    shap: Explanation
    additive: bool = False
    tolerance: float = 1e-5
    top_k: int = 3
    timings: dict[str, float] = field(default_factory=dict)
    model_name: str = ""
    background: str = ""
    versus: dict[str, CrosscheckReport] = field(default_factory=dict)

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
            **{f"{name}_{key}": rep.summary()[key] for name, rep in self.versus.items()
               for key in ("spearman_mean", f"top{self.top_k}_jaccard", "sign_agreement", "mean_abs_diff",
                           "max_abs_diff")},
        }

    @property
    def check(self) -> Fidelity:
        """The report as the one check type: built-in explanation vs SHAP on the explained
        rows, with the scalar figures of :meth:`summary` (``spearman_mean`` is the headline
        agreement; ``passed`` the verdict for additive models)."""
        s = self.summary()
        figures = {k: v for k, v in s.items() if k != "n_rows" and not isinstance(v, dict)}
        return Fidelity(
            compared=f"built-in explanation ({s['builtin_method']}) vs SHAP ({s['shap_method']})",
            rows="explained",
            n_rows=int(s["n_rows"]),
            figures=figures,
            details={"builtin_check": s["builtin_check"]},
        )

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


def _unit(model, values: np.ndarray) -> float:
    """What ``tolerance`` is multiplied by: 1 for a classifier (log-odds), a regressor's target
    scale (``y_scale_``, else the spread of its built-in explanation's row sums ``values``):
    its explanations are in target units, so an exact model of amounts near 1e12 failed an
    absolute 1e-5 and one near 1e-12 passed any explanation."""
    from sklearn.base import is_regressor

    try:
        regressor = is_regressor(model)
    except Exception:  # noqa: BLE001 - an object without scikit-learn's tags: judged in its own units
        regressor = False
    if not regressor:
        return 1.0
    scale = getattr(model, "y_scale_", None)
    if not isinstance(scale, (int, float)):
        rows = np.asarray(values, dtype=np.float64).reshape(len(values), -1).sum(1)
        scale = float(np.std(rows)) if len(rows) > 1 else 1.0
    return float(scale) if np.isfinite(scale) and scale > 0 else 1.0


@tallied
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
    method : {"auto", "exact", "permutation", "kernel", "lime"}
        SHAP algorithm (see :func:`library_shap`), or ``"lime"``: the built-in explanation
        against LIME (:func:`~interpretable_nn.explain.lime_check.lime_of_view`, with the
        same figures as for SHAP), and in :attr:`CrosscheckReport.versus` the built-in
        explanation and LIME each against SHAP (``method="auto"``) on the same rows.
    nsamples : int, optional
        Sampling budget of the permutation / kernel methods, or LIME's samples per row.
    top_k : int, default 3
        Size of the top-|value| feature sets compared by Jaccard.
    tolerance : float, default 1e-5
        Agreement required of additive models, in decision units (log-odds); a regressor's in
        standard deviations of its target (``y_scale_``, else of its explanations' row sums): the
        report's ``tolerance`` is then in target units.

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
    view = ModelView(model, X)
    Xf = view.frame(X, "X")
    Bf = view.frame(background, "background")
    shap_bg, source = Bf, "given"
    own = getattr(model, "background_", None)
    if is_additive(model) and isinstance(own, pd.DataFrame) and not view.takes("background"):
        # the model's exact split is defined against its own background: compare like for like
        shap_bg, source = view.frame(own, "model.background_"), "model.background_"
    t0 = time.perf_counter()
    b = view.explain(Xf, Bf)
    t1 = time.perf_counter()
    additive = as_additive(model) is not None or b.method.startswith(("exact-additive", "linear-coefficients"))
    tolerance = float(tolerance) * _unit(model, b.values)
    if method == "lime":
        lime = lime_of_view(view, Xf, shap_bg, nsamples=nsamples, random_state=random_state)
        t2 = time.perf_counter()
        s = shap_of_view(view, Xf, shap_bg, method="auto", random_state=random_state,
                         max_exact_evals=max_exact_evals)
        t3 = time.perf_counter()
        common = {"top_k": int(top_k), "tolerance": float(tolerance), "model_name": view.name,
                  "background": f"{source} ({len(shap_bg)} rows)"}
        versus = {"builtin_vs_shap": CrosscheckReport(builtin=b, shap=s, additive=bool(additive), **common),
                  "lime_vs_shap": CrosscheckReport(builtin=lime, shap=s, **common)}
        return CrosscheckReport(builtin=b, shap=lime, timings={"builtin": t1 - t0, "lime": t2 - t1, "shap": t3 - t2},
                                versus=versus, **common)
    s = shap_of_view(view, Xf, shap_bg, method=method, nsamples=nsamples, random_state=random_state,
                     max_exact_evals=max_exact_evals)
    t2 = time.perf_counter()
    return CrosscheckReport(
        builtin=b, shap=s, additive=bool(additive), tolerance=float(tolerance), top_k=int(top_k),
        timings={"builtin": t1 - t0, "shap": t2 - t1}, model_name=view.name,
        background=f"{source} ({len(shap_bg)} rows)",
    )

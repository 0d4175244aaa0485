"""The SHAP side of the cross-check: SHAP values of a model's decision function computed by
the ``shap`` library.

:func:`library_shap` computes interventional SHAP values of the decision function (log-odds
for classifiers) with the given background rows (``shap.maskers.Independent`` over all of
them), by ``shap.explainers.Exact`` when ``2^d`` coalitions fit the budget, else
``shap.explainers.Permutation`` (antithetic permutations: exact for models whose
interactions are at most pairwise) or, on request, ``shap.KernelExplainer``. Raw frames go
through a numeric codec (:class:`_Codec`): every value becomes a float code into its
column's distinct values and a missing value ``-1`` (shap's masker multiplies by the mask,
so NaN cannot travel as is, and a sentinel number could be a real value).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import as_additive
from ..attribution.explanation import Explanation
from ..attribution.fidelity import Fidelity
from ..data.ranges import tallied
from .view import ModelView

__all__ = ["library_shap"]

_METHODS = ("auto", "exact", "permutation", "kernel")


class _Codec:
    """Raw frames <-> float matrices for shap: every column's values as codes into the
    distinct values of the frames it is built on, ``-1`` for missing (categorical levels and,
    with ``code_numeric``, numbers too). shap's maskers only move values between the rows to
    explain and the background, so codes carry every value exactly; a sentinel number for
    NaN read a real ``-1e300`` as missing. LIME draws new numbers and keeps them as they are
    (``code_numeric=False``; it fills missing values first)."""

    def __init__(self, names: list[str], numeric: list[bool], frames: list[pd.DataFrame], code_numeric: bool = True):
        self.names = names
        self.numeric = numeric
        self.levels: dict[str, np.ndarray] = {}
        for c, num in zip(names, numeric):
            if not num:
                vals = pd.concat([f[c] for f in frames], ignore_index=True).dropna()
                self.levels[c] = np.asarray(pd.unique(vals.astype(object)), dtype=object)
            elif code_numeric:
                vals = np.concatenate([f[c].to_numpy(dtype=np.float64) for f in frames])
                self.levels[c] = np.unique(vals[~np.isnan(vals)])

    def encode(self, df: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(df), len(self.names)))
        for j, (c, num) in enumerate(zip(self.names, self.numeric)):
            if c not in self.levels:
                out[:, j] = df[c].to_numpy(dtype=np.float64)
            elif num:
                v, lv = df[c].to_numpy(dtype=np.float64), self.levels[c]
                at = np.minimum(np.searchsorted(lv, v), max(len(lv) - 1, 0))
                known = ~np.isnan(v) & (lv[at] == v) if len(lv) else np.zeros(len(v), bool)
                if (~np.isnan(v) & ~known).any():
                    raise ValueError(f"Column {c!r} holds a value the codec was not built on.")
                out[:, j] = np.where(known, at, -1)
            else:
                cat = pd.Categorical(df[c].astype(object), categories=pd.Index(self.levels[c], dtype=object))
                out[:, j] = np.asarray(cat.codes, dtype=float)  # -1 = missing
        return out

    def decode(self, M: np.ndarray) -> pd.DataFrame:
        M = np.asarray(M, dtype=np.float64)
        cols = {}
        for j, (c, num) in enumerate(zip(self.names, self.numeric)):
            if c not in self.levels:
                cols[c] = M[:, j]
                continue
            lv = np.append(self.levels[c], np.nan)  # code -1 -> the NaN slot
            cols[c] = (lv if num else lv.astype(object))[np.rint(M[:, j]).astype(np.int64)]
        return pd.DataFrame(cols)


@tallied
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
        else permutation; for a model whose terms read at most two features each (the
        additive protocol: NAM, EBM, scorecards), one antithetic permutation, which is exact.
    nsamples : int, optional
        Permutation: model evaluations per row (default 10 antithetic permutations,
        ``10 * (2 d + 1)``, or one, ``2 d + 1``, for the additive models above); Kernel:
        coalition samples (default shap's ``2 d + 2048``).
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
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    view = ModelView(model, X)
    Xf = view.frame(X, "X")
    Bf = view.frame(background, "background")
    return shap_of_view(view, Xf, Bf, method, nsamples, random_state, max_exact_evals)


def shap_of_view(
    view: ModelView,
    Xf: pd.DataFrame,
    Bf: pd.DataFrame,
    method: str = "auto",
    nsamples: int | None = None,
    random_state: int | None = 0,
    max_exact_evals: float = 2e6,
) -> Explanation:
    """:func:`library_shap` on rows the view has already validated."""
    import shap  # noqa: F401 - fail early (ImportError) when shap is not installed

    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}; got {method!r}.")
    if len(Bf) == 0:
        raise ValueError("background has no rows; pass reference rows (e.g. 100 training rows).")
    names = view.names
    f_df = view.decision_function()
    codec = _Codec(names, view.numeric_flags(Xf), [Xf, Bf])

    def f(M: np.ndarray) -> np.ndarray:
        return f_df(codec.decode(M))

    d, n, m = len(names), len(Xf), len(Bf)
    if nsamples is None and method in ("auto", "permutation") and _pairwise_additive(view.model):
        # one antithetic permutation gives the exact Shapley values of a sum of terms of one or
        # two features (each pair's interaction is split half and half by the two orders):
        # 2d + 1 evaluations per row instead of 2^d (exact) or ten permutations
        method, nsamples = "permutation", 2 * d + 1
    if method == "auto":
        method = "exact" if (2.0**d) * m * max(n, 1) <= max_exact_evals else "permutation"
    if method == "exact" and d > 20:
        raise ValueError(f"method='exact' needs 2^{d} model calls per row and background row; use 'permutation'.")
    Mx, Mb = codec.encode(Xf), codec.encode(Bf)
    if n == 0:
        values, base = np.zeros((0, d)), np.zeros(0)
    elif method == "kernel":
        values, base = _kernel(f, Mx, Mb, nsamples, random_state)
    else:
        values, base = _masked(f, Mx, Mb, method, nsamples, random_state)
    e = Explanation(
        values=values.reshape(n, d),
        base_values=base,
        feature_names=names,
        data=Xf,
        output=view.output,
        method=f"shap-{method}",
    )
    gap = e.check_additivity(f_df(Xf)) if n else 0.0
    e.check = Fidelity("base_values + values.sum(1) vs decision_function", "explained", n, {"additivity_gap": gap})
    return e


def _pairwise_additive(model: Any) -> bool:
    """Whether ``model`` is a sum of terms of at most two features (additive protocol)."""
    add = as_additive(model)
    return add is not None and all(len(F) <= 2 for F in add.term_features_)


def _kernel(f, Mx: np.ndarray, Mb: np.ndarray, nsamples: int | None, random_state: int | None):
    import shap

    state = np.random.get_state()
    np.random.seed(0 if random_state is None else int(random_state))
    try:
        ex = shap.KernelExplainer(f, Mb)
        values = np.asarray(ex.shap_values(Mx, nsamples=nsamples or "auto", silent=True))
        base = np.full(len(Mx), float(np.ravel(ex.expected_value)[0]))
    finally:
        np.random.set_state(state)
    return values, base


_KERNELS_CACHED = False


def _cache_masking_kernels() -> None:
    """Ask numba to keep shap's tabular masking kernels on disk. shap compiles them on first
    use in every process without a cache: about half of the 13 s that a process's first
    explanation took on 2 slow cores, paid again by each study worker. numba's cache is keyed
    on the source and the argument types; where it cannot write, nothing changes. (shap's
    output kernel takes its link function as an argument and cannot be cached.)"""
    global _KERNELS_CACHED
    if _KERNELS_CACHED:
        return
    _KERNELS_CACHED = True
    try:
        from shap.maskers import _tabular
    except ImportError:  # pragma: no cover - another shap layout: compile as shap does
        return
    for name in ("_delta_masking", "_single_delta_mask"):
        enable = getattr(getattr(_tabular, name, None), "enable_caching", None)
        if callable(enable):
            try:
                enable()
            except Exception:  # noqa: BLE001 - no writable cache location: compile as shap does
                pass


def _masked(f, Mx: np.ndarray, Mb: np.ndarray, method: str, nsamples: int | None, random_state: int | None):
    import shap

    _cache_masking_kernels()
    d = Mx.shape[1]
    masker = shap.maskers.Independent(Mb, max_samples=len(Mb))
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
    return np.asarray(res.values, dtype=float), np.asarray(res.base_values, dtype=float)

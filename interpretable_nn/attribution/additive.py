"""Exact interventional SHAP values for additive models, without sampling.

The additive protocol
---------------------
A model is *additive* when it exposes

``terms_ : list[str]``
    one name per term: a feature name, or ``"A x B"`` for an interaction;
``term_features_ : list[tuple[str, ...]]``
    the original features each term reads;
``intercept_ : float``
    in decision units (log-odds for classifiers);
``predict_terms(X) -> ndarray (n, n_terms)``
    the centred contribution of every term for a raw DataFrame ``X``, with
    ``decision_function(X) == intercept_ + predict_terms(X).sum(1)``;

and ``feature_names_`` (the original features, in order); optionally ``task_``
(``"regression"``: the decision is in raw units, otherwise log-odds). The NAM follows it,
and any scorecard or GAM can.

Why exact values are cheap
--------------------------
Interventional SHAP values (Janzing et al., 2020; Lundberg & Lee, 2017) of a sum are the
sums of the terms' SHAP values, and a term only plays a game among its own features.
For a main term ``f_i`` the value is ``f_i(x_i) - mean_b f_i(b_i)`` (``b`` over the
background rows). For a term over features ``F`` with ``|F| = k`` the Shapley formula
needs ``v(S) = mean_b f(x_S, b_{F \\ S})`` for the subsets ``S`` of ``F``; for a pair
``(i, j)``::

    phi_i = 1/2 [(v({i}) - v({})) + (v({i, j}) - v({j}))]

where ``v({i, j}) = f(x_i, x_j)`` and ``v({}) = mean_b f(b_i, b_j)``. Only ``v({i})`` and
``v({j})`` need the model on mixed rows (``x`` on ``S``, background elsewhere), and one
mixed frame serves every term it *cuts* the right way: with features numbered in binary,
the frame "features whose bit ``b`` is set come from ``x``" and its complement cut every
pair that differs in bit ``b``, so ``2 ceil(log2 p)`` frames (``p`` features in pairs)
serve all pairs at once; alternatively one frame per feature does. A mixed row depends on
``x`` only through the frame's features, so each frame is evaluated once per *distinct*
value of them, and the plan with fewer distinct rows is taken. The cost is at most
``n_rows x n_background x n_frames`` evaluations of ``predict_terms`` (far fewer for
categorical or coarse features), against ``2^d`` coalitions (exact) or thousands of
samples (Kernel SHAP) per row for model-agnostic methods. The values are checked against ``shap``'s exact
explainer and a brute-force enumeration of coalitions in ``tests/test_additive_shap.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from ..data.ranges import quiet_range
from .explanation import Explanation

__all__ = ["is_additive", "as_additive", "shap_values", "additive_shap_explanation", "mixed_frame"]

#: rows per ``predict_terms`` call when evaluating mixed frames
DEFAULT_MAX_ROWS = 1 << 18


def is_additive(model: Any) -> bool:
    """Whether ``model`` follows the additive protocol (a fitted NAM, GAM or scorecard).

    Examples
    --------
    >>> is_additive(object())
    False
    """
    try:
        return (
            all(hasattr(model, a) for a in ("terms_", "term_features_", "intercept_", "feature_names_"))
            and callable(getattr(model, "predict_terms", None))
        )
    except Exception:  # a property that raises while unfitted
        return False


class _EBMTerms:
    """The additive protocol over an interpret EBM behind the library's
    ``FrameSklearnClassifier`` (its ``eval_terms`` are the centred terms in log-odds).

    It reads the wrapper through public attributes only: ``estimator_``, ``encoder_``,
    ``classes_``, ``task_`` and ``design(X)`` (``X`` validated and typed as the EBM sees it)."""

    def __init__(self, model: Any):
        ebm = model.estimator_
        names = list(model.encoder_.schema_.names)
        self._model, self._ebm = model, ebm
        self.feature_names_ = names
        self.terms_ = [str(t) for t in ebm.term_names_]
        self.term_features_ = [tuple(names[i] for i in F) for F in ebm.term_features_]
        self.intercept_ = float(np.ravel(ebm.intercept_)[0])
        self.encoder_, self.classes_, self.task_ = model.encoder_, getattr(model, "classes_", None), model.task_
        self._task = "regression" if self.task_ == "regression" else "classification"

    def predict_terms(self, X: Any) -> np.ndarray:
        return np.asarray(self._ebm.eval_terms(self._model.design(X)), dtype=np.float64)

    def decision_function(self, X: Any) -> np.ndarray:
        return self._model.decision_function(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        return self._model.predict_proba(X)

    def predict(self, X: Any) -> np.ndarray:
        return self._model.predict(X)


def as_additive(model: Any) -> Any:
    """``model`` itself when it follows the additive protocol, an additive view of a fitted
    EBM (interpret's ``ExplainableBoostingClassifier`` behind ``FrameSklearnClassifier``,
    binary, or its regressor behind ``FrameSklearnRegressor``), else ``None``."""
    if is_additive(model):
        return model
    est = getattr(model, "estimator_", None)
    if (
        callable(getattr(est, "eval_terms", None))
        and hasattr(est, "term_features_")
        and np.size(getattr(est, "intercept_", [])) == 1
        and hasattr(model, "encoder_")
        and callable(getattr(model, "design", None))
    ):
        return _EBMTerms(model)
    return None


def _check_additive(model: Any) -> tuple[list[str], list[tuple[str, ...]]]:
    if not is_additive(model):
        raise TypeError(
            f"{type(model).__name__} does not follow the additive protocol (fitted attributes "
            "terms_, term_features_, intercept_, feature_names_ and a predict_terms(X) method); "
            "use interpretable_nn.explain.crosscheck / shap for other models."
        )
    names = [str(f) for f in model.feature_names_]
    terms = [tuple(str(f) for f in F) for F in model.term_features_]
    if len(terms) != len(model.terms_):
        raise ValueError(
            f"{type(model).__name__}: term_features_ has {len(terms)} entries but terms_ has "
            f"{len(model.terms_)}; they must match one to one."
        )
    unknown = sorted({f for F in terms for f in F} - set(names))
    if unknown:
        raise ValueError(f"{type(model).__name__}: term_features_ name features {unknown} not in feature_names_.")
    if any(len(F) == 0 or len(set(F)) != len(F) for F in terms):
        raise ValueError(f"{type(model).__name__}: every term needs one or more distinct features.")
    return names, terms


def _as_frame(model: Any, X: Any, names: list[str], what: str) -> pd.DataFrame:
    """A DataFrame with the model's columns (validated against the schema when there is one)."""
    schema = getattr(getattr(model, "encoder_", None), "schema_", None)
    if schema is not None:
        from ..data.validation import check_predict_frame

        return check_predict_frame(X, schema, what=what).reset_index(drop=True)
    if not isinstance(X, pd.DataFrame):
        X = pd.DataFrame(np.asarray(X), columns=names)
    missing = [c for c in names if c not in X.columns]
    if missing:
        raise ValueError(f"{what} is missing column(s) {missing}; pass all of {names}.")
    return X[names].reset_index(drop=True)


def _terms(model: Any, X: pd.DataFrame, n_terms: int) -> np.ndarray:
    out = np.asarray(model.predict_terms(X), dtype=np.float64)
    if out.shape != (len(X), n_terms):
        raise ValueError(
            f"{type(model).__name__}.predict_terms returned shape {out.shape}; expected "
            f"({len(X)}, {n_terms}) (rows, terms)."
        )
    return out


def mixed_frame(X: pd.DataFrame, background: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """Rows that take the columns of ``X`` where ``keep`` is True and the background's elsewhere.

    Parameters
    ----------
    X : DataFrame (n rows)
    background : DataFrame (m rows, same columns)
    keep : bool ndarray of shape (n, s, d) or (s, d)
        For every row of ``X`` and each of ``s`` patterns, which of the ``d`` columns come
        from ``X``.

    Returns
    -------
    DataFrame of ``n * s * m`` rows, ordered (row, pattern, background row): averaging the
    model output over the last axis of ``reshape(n, s, m)`` gives the interventional
    expectation ``E_b f(x_S, b_{not S})`` of each pattern.

    Examples
    --------
    >>> X = pd.DataFrame({"a": [1.0], "b": ["u"]})
    >>> B = pd.DataFrame({"a": [0.0, 5.0], "b": ["v", "w"]})
    >>> mixed_frame(X, B, np.array([[True, False]])).values.tolist()
    [[1.0, 'v'], [1.0, 'w']]
    """
    n, m = len(X), len(background)
    keep = np.asarray(keep, dtype=bool)
    if keep.ndim == 2:
        keep = np.broadcast_to(keep, (n, *keep.shape))
    s = keep.shape[1]
    cols = {}
    for j, c in enumerate(X.columns):
        xc = X[c].to_numpy()
        bc = background[c].to_numpy()
        if xc.dtype != bc.dtype:
            xc, bc = xc.astype(object), bc.astype(object)
        xv = np.repeat(xc, s * m)
        bv = np.tile(bc, n * s)
        k = np.repeat(keep[:, :, j].reshape(-1), m)
        cols[c] = np.where(k, xv, bv)
    return pd.DataFrame(cols)


def _plan_frames(
    terms: list[tuple[str, ...]], names: list[str], cost: Callable[[frozenset], int] | None = None
) -> tuple[list[frozenset], dict]:
    """Mixed frames (sets of feature indices taken from ``x``) that realise every proper,
    non-empty subset ``S`` of every term of two or more features, and for each
    ``(term, S)`` the frame that realises it (``frame & F == S``).

    Pairs are served either by one frame per feature or by binary cuts, whichever needs
    fewer distinct rows (``cost(frame)``: the distinct rows of ``X`` on the frame's
    features; default a constant, i.e. fewer frames)."""
    cost = cost or (lambda A: 1)
    col = {f: i for i, f in enumerate(names)}
    high = [(t, frozenset(col[f] for f in F)) for t, F in enumerate(terms) if len(F) > 1]
    frames: list[frozenset] = []
    pair_feats = sorted({i for _, F in high if len(F) == 2 for i in F})
    p = len(pair_feats)
    if p:
        singles = [frozenset([i]) for i in pair_feats]
        cuts = []
        for b in range(max(1, math.ceil(math.log2(p)))):
            on = frozenset(f for r, f in enumerate(pair_feats) if (r >> b) & 1)
            cuts += [on, frozenset(pair_feats) - on]
        frames = cuts if sum(map(cost, cuts)) < sum(map(cost, singles)) else singles
    which: dict[tuple[int, frozenset], int] = {}
    for t, F in high:
        for size in range(1, len(F)):
            for S in map(frozenset, combinations(sorted(F), size)):
                hit = next((k for k, A in enumerate(frames) if A & F == S), None)
                if hit is None:
                    frames.append(S)
                    hit = len(frames) - 1
                which[(t, S)] = hit
    return frames, which


def _distinct_rows(X: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(inverse, first): ``X[cols]`` has ``len(first)`` distinct rows (missing values equal
    to each other); row ``r`` is distinct row ``inverse[r]``, first seen at ``first[...]``."""
    codes = np.column_stack([pd.factorize(X[c], use_na_sentinel=False)[0] for c in cols])
    _, first, inverse = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


def _frame_means(model, X, background, frames, n_terms, names, max_rows) -> np.ndarray:
    """``mean_b predict_terms(mixed row)`` for every frame: array (n_frames, n, n_terms).
    A mixed row depends on ``x`` only through the frame's features, so each frame is
    evaluated once per distinct value of those features."""
    n, m = len(X), len(background)
    out = np.empty((len(frames), n, n_terms))
    step = max(1, max_rows // max(1, m))
    for k, A in enumerate(frames):
        keep = np.zeros((1, len(names)), dtype=bool)
        keep[0, sorted(A)] = True
        inverse, first = _distinct_rows(X, [names[i] for i in sorted(A)])
        reps = X.iloc[first]
        vals = np.empty((len(reps), n_terms))
        for start in range(0, len(reps), step):
            xb = reps.iloc[start : start + step]
            t = _terms(model, mixed_frame(xb, background, keep), n_terms)
            vals[start : start + len(xb)] = t.reshape(len(xb), m, n_terms).mean(axis=1)
        out[k] = vals[inverse]
    return out


def shap_values(model: Any, X: Any, background: Any, *, max_rows: int = DEFAULT_MAX_ROWS) -> np.ndarray:
    """Exact interventional SHAP values of an additive model's decision function.

    Parameters
    ----------
    model : additive model
        Follows the additive protocol (see the module docstring), e.g. a fitted NAM.
    X : DataFrame
        Rows to explain, raw columns.
    background : DataFrame
        Reference rows (e.g. 100 training rows): features "absent" from a coalition take
        their values from these rows (interventional SHAP, as ``shap``'s ``Independent``
        masker with the same rows).
    max_rows : int
        Rows per ``predict_terms`` call when interaction terms need mixed rows.

    Returns
    -------
    ndarray of shape (n_rows, n_features)
        One column per original feature in ``model.feature_names_`` order; interaction
        terms are split by the exact Shapley formula, so each row sums to
        ``decision(x) - mean_b decision(b)``.

    Examples
    --------
    >>> class Toy:
    ...     feature_names_ = ["a", "b"]; terms_ = ["a", "a x b"]
    ...     term_features_ = [("a",), ("a", "b")]; intercept_ = 0.0
    ...     def predict_terms(self, X):
    ...         return np.column_stack([X["a"], X["a"] * X["b"]])
    >>> X = pd.DataFrame({"a": [1.0], "b": [2.0]}); B = pd.DataFrame({"a": [0.0], "b": [0.0]})
    >>> shap_values(Toy(), X, B).tolist()
    [[2.0, 1.0]]
    """
    names, terms = _check_additive(model)
    X = _as_frame(model, X, names, "X")
    B = _as_frame(model, background, names, "background")
    if len(B) == 0:
        raise ValueError("background has no rows; pass reference rows (e.g. 100 training rows).")
    if int(max_rows) < 1:
        raise ValueError(f"max_rows must be a positive integer; got {max_rows!r}.")
    n_terms = len(terms)
    tx = _terms(model, X, n_terms)
    tb_mean = _terms(model, B, n_terms).mean(axis=0)
    col = {f: i for i, f in enumerate(names)}
    phi = np.zeros((len(X), len(names)))
    main = [t for t, F in enumerate(terms) if len(F) == 1]
    if main:
        np.add.at(phi.T, [col[terms[t][0]] for t in main], (tx[:, main] - tb_mean[main]).T)
    frames, which = _plan_frames(terms, names, lambda A: len(_distinct_rows(X, [names[i] for i in A])[1]))
    if frames and len(X):
        with quiet_range():  # rows mixing X's values with the background's: the library's rows
            means = _frame_means(model, X, B, frames, n_terms, names, int(max_rows))
        for t, F in enumerate(terms):
            if len(F) < 2:
                continue
            idx = frozenset(col[f] for f in F)
            k = len(idx)

            def v(S: frozenset, t=t, idx=idx) -> np.ndarray:
                if not S:
                    return np.full(len(X), tb_mean[t])
                if S == idx:
                    return tx[:, t]
                return means[which[(t, S)], :, t]

            for i in idx:
                others = sorted(idx - {i})
                for size in range(k):
                    w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
                    for S in map(frozenset, combinations(others, size)):
                        phi[:, i] += w * (v(S | {i}) - v(S))
    return phi


def additive_shap_explanation(model: Any, X: Any, background: Any, **kwargs: Any) -> Explanation:
    """:func:`shap_values` as an :class:`Explanation`, with the base value
    ``mean_b decision(b)`` and the additivity gap against ``model.decision_function``.

    Examples
    --------
    >>> class Toy:
    ...     feature_names_ = ["a"]; terms_ = ["a"]; term_features_ = [("a",)]; intercept_ = 1.0
    ...     def predict_terms(self, X):
    ...         return X[["a"]].to_numpy(float)
    ...     def decision_function(self, X):
    ...         return 1.0 + self.predict_terms(X).sum(1)
    >>> e = additive_shap_explanation(Toy(), pd.DataFrame({"a": [3.0]}), pd.DataFrame({"a": [1.0]}))
    >>> e.values.tolist(), e.base_values.tolist(), e.check["additivity_gap"]
    ([[2.0]], [2.0], 0.0)
    """
    names, terms = _check_additive(model)
    Xf = _as_frame(model, X, names, "X")
    Bf = _as_frame(model, background, names, "background")
    values = shap_values(model, Xf, Bf, **kwargs)
    base = float(model.intercept_) + float(_terms(model, Bf, len(terms)).mean(axis=0).sum())
    e = Explanation(
        values=values,
        base_values=np.full(len(Xf), base),
        feature_names=names,
        data=Xf,
        output="raw" if getattr(model, "task_", None) == "regression" else "log-odds",
        method="exact-additive-shap",
    )
    if callable(getattr(model, "decision_function", None)) and len(Xf):
        e.add_check(additivity_gap=e.check_additivity(np.asarray(model.decision_function(Xf), dtype=float)))
    return e

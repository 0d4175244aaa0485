"""Faithfulness of feature attributions, each figure beside a random-attribution baseline.

Removing a feature means replacing it with the background rows' values and averaging the
model output over them (interventional removal, the same masking as SHAP), so no
out-of-range placeholder value is ever fed to the model. The output tracked is the
probability of the class predicted for the original row (classifiers) or the prediction
(regressors). Features are ranked by their attribution toward that output.

Definitions
-----------
deletion / insertion (Petsiuk, Das & Saenko, 2018, "RISE", BMVC; the tabular
"region perturbation" of Samek et al., 2017, IEEE TNNLS, MoRF order; Quantus
``RegionPerturbation``)
    Remove (deletion) or reveal (insertion, starting from all removed) features most
    relevant first, one at a time; the area under the output curve over the fraction of
    features changed. Faithful: low deletion area, high insertion area.
comprehensiveness / sufficiency (DeYoung et al., 2020, "ERASER", ACL; OpenXAI's PGI and
PGU, Agarwal et al., 2022, NeurIPS Datasets & Benchmarks)
    ``p(x) - p(x without top-k)`` and ``p(x) - p(x with only top-k)``, averaged over
    ``k`` (the AOPC form). Faithful: high comprehensiveness, low sufficiency.
stability (Alvarez-Melis & Jaakkola, 2018, "On the robustness of interpretability
methods"; Yeh et al., 2019, max-sensitivity, Quantus ``MaxSensitivity``; OpenXAI's
relative input stability)
    ``max over perturbations ||e(x') - e(x)|| / ||e(x)||`` for small perturbations ``x'``
    that respect the schema (numeric features moved by ``noise`` standard deviations and
    kept in the training range, integers kept integer, categories, binary flags and missing
    values untouched) and keep the predicted class. Lower is more stable.

The random baseline draws attributions i.i.d. N(0, 1) per row and feature (a fresh draw
per call for stability), so each figure can be read against "no information".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import mixed_frame
from ..data.ranges import quiet_range, tallied
from .view import ModelView, some_rows

__all__ = [
    "comprehensiveness",
    "deletion_curve",
    "faithfulness_report",
    "insertion_curve",
    "stability",
    "sufficiency",
]

_MAX_ROWS = 1 << 17


# ---------------------------------------------------------------------- model output
class _Target:
    """The tracked output: probability of each row's predicted class, or the prediction."""

    def __init__(self, view: ModelView, X: pd.DataFrame):
        self.model = model = view.model
        self.proba = callable(getattr(model, "predict_proba", None)) and not view.is_regression
        if self.proba:
            p = np.asarray(model.predict_proba(X), dtype=float)
            if p.shape[1] != 2:
                raise ValueError("Faithfulness metrics explain one output: binary classifiers and regressors.")
            self.cls = (p[:, 1] > 0.5).astype(int)
            self.sign = np.where(self.cls == 1, 1.0, -1.0)
            self.full = p[np.arange(len(X)), self.cls]
        else:
            self.cls = None
            self.sign = np.ones(len(X))
            self.full = self._raw(X)

    def _raw(self, F: pd.DataFrame) -> np.ndarray:
        fn = getattr(self.model, "predict", None) or self.model.decision_function
        return np.asarray(fn(F), dtype=float).reshape(-1)

    def __call__(self, F: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        if not self.proba:
            return self._raw(F)
        p = np.asarray(self.model.predict_proba(F), dtype=float)
        return p[np.arange(len(F)), self.cls[rows]]


def _masked(target: _Target, X: pd.DataFrame, B: pd.DataFrame, keep: np.ndarray, max_rows: int) -> np.ndarray:
    """Mean output over the background for every row and keep-pattern: (n, s)."""
    n, s, _ = keep.shape
    m = len(B)
    out = np.empty((n, s))
    step = max(1, max_rows // max(1, s * m))
    for a in range(0, n, step):
        b = min(n, a + step)
        F = mixed_frame(X.iloc[a:b], B, keep[a:b])
        rows = np.repeat(np.arange(a, b), s * m)
        with quiet_range():  # X's rows mixed with the background's: the library's rows, not the user's
            out[a:b] = target(F, rows).reshape(b - a, s, m).mean(axis=2)
    return out


def _ranks(attributions: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """rank[r, j] = position of feature j when row r's features are sorted by relevance
    toward the tracked output (0 = most relevant)."""
    order = np.argsort(-(attributions * sign[:, None]), axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(order.shape[1])[None, :], axis=1)
    return ranks


def _inputs(model: Any, X: Any, background: Any) -> tuple[ModelView, pd.DataFrame, pd.DataFrame]:
    """The model's view and ``X`` and ``background`` validated once."""
    view = ModelView(model, X)
    Xf = some_rows(view.frame(X, "X"), "pass the rows whose explanations to measure")
    Bf = view.frame(background, "background")
    if len(Bf) == 0:
        raise ValueError("background has no rows; pass reference rows (e.g. 100 training rows).")
    return view, Xf, Bf


def _matrix(attributions: Any, n_rows: int, names: list[str]) -> np.ndarray:
    """Attributions (an ndarray, an Explanation or a DataFrame) as a float (rows, features)
    matrix in the model's feature order. An Explanation's ``feature_names`` or a frame's
    columns are matched to the model's features by name (they were read by position, so
    reordered columns gave other figures unsaid); an ndarray, an explanation without names
    or a frame with the default columns 0..d-1 is read in the model's order."""
    given = getattr(attributions, "feature_names", None)  # None: no names (e.g. a bare shap.Explanation)
    if isinstance(attributions, pd.DataFrame):
        given = None if isinstance(attributions.columns, pd.RangeIndex) else attributions.columns  # 0..d-1: unnamed
    given = None if given is None else list(given)
    A = attributions.values if hasattr(attributions, "values") and not isinstance(attributions, np.ndarray) else attributions
    A = np.asarray(A, dtype=float)
    if A.shape != (n_rows, len(names)):
        raise ValueError(
            f"attributions have shape {A.shape}; expected (rows of X, features) = {(n_rows, len(names))}."
        )
    if given is not None and [str(g) for g in given] != list(names):
        given = [str(g) for g in given]
        if sorted(given) != sorted(names) or len(set(given)) != len(given):
            raise ValueError(f"the attributions' features {given} are not the model's {list(names)}; pass "
                             "attributions of this model's features (e.g. model.explain(X) or crosscheck's).")
        A = A[:, [given.index(n) for n in names]]
    return A


def _curves_of(model: Any, X: Any, attributions: Any, background: Any) -> dict[str, Any]:
    view, Xf, Bf = _inputs(model, X, background)
    return _curves(view, Xf, Bf, _matrix(attributions, len(Xf), list(view.names)))


def _curves(view: ModelView, Xf: pd.DataFrame, Bf: pd.DataFrame, A: np.ndarray,
            max_rows: int = _MAX_ROWS) -> dict[str, Any]:
    target = _Target(view, Xf)
    d = A.shape[1]
    ranks = _ranks(A, target.sign)
    steps = np.arange(d + 1)
    deletion_keep = ranks[:, None, :] >= steps[None, :, None]  # step s: top-s removed
    out = _masked(target, Xf, Bf, np.concatenate([deletion_keep, ~deletion_keep], axis=1), max_rows)
    return {"deletion": out[:, : d + 1], "insertion": out[:, d + 1 :], "full": target.full, "d": d}


def _auc(curves: np.ndarray) -> np.ndarray:
    d = curves.shape[1] - 1
    return (curves[:, 1:] + curves[:, :-1]).sum(axis=1) / (2 * d)


@tallied
def deletion_curve(model: Any, X: Any, attributions: Any, background: Any) -> dict[str, Any]:
    """Output as the most relevant features are removed one by one.

    Parameters
    ----------
    model : fitted estimator
    X : DataFrame
        The explained rows.
    attributions : ndarray (n_rows, n_features) or Explanation
        One value per row and original feature (model feature order).
    background : DataFrame
        Rows whose values replace a removed feature (output averaged over them).

    Returns
    -------
    dict
        ``fraction`` (0..1), ``curve`` (mean output per step), ``auc`` (area; lower is
        more faithful) and ``per_row_auc``.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("a", ">", 0.0),), 3.0)], intercept=-1.0, feature_names=["a", "b"])
    >>> X = pd.DataFrame({"a": [1.0], "b": [1.0]}); B = pd.DataFrame({"a": [-1.0], "b": [-1.0]})
    >>> round(deletion_curve(rs, X, np.array([[1.0, 0.0]]), B)["auc"], 3)  # a removed first
    0.422
    """
    c = _curves_of(model, X, attributions, background)
    per_row = _auc(c["deletion"])
    return {"fraction": np.linspace(0, 1, c["d"] + 1), "curve": c["deletion"].mean(0),
            "auc": float(per_row.mean()), "per_row_auc": per_row}


@tallied
def insertion_curve(model: Any, X: Any, attributions: Any, background: Any) -> dict[str, Any]:
    """Output as the most relevant features are revealed one by one, starting from all of
    them replaced by the background; ``auc`` higher is more faithful. Same parameters and
    result as :func:`deletion_curve`."""
    c = _curves_of(model, X, attributions, background)
    per_row = _auc(c["insertion"])
    return {"fraction": np.linspace(0, 1, c["d"] + 1), "curve": c["insertion"].mean(0),
            "auc": float(per_row.mean()), "per_row_auc": per_row}


def _ks(k: int | Sequence[int], d: int) -> list[int]:
    ks = [k] if isinstance(k, (int, np.integer)) else list(k)
    if not ks or any(not isinstance(v, (int, np.integer)) or v < 1 for v in ks):
        raise ValueError(f"k must be a positive integer or a list of them; got {k!r}.")
    return sorted({min(int(v), d) for v in ks})


@tallied
def comprehensiveness(model: Any, X: Any, attributions: Any, background: Any, k=(1, 3, 5)) -> float:
    """ERASER comprehensiveness (OpenXAI PGI): mean over ``k`` and rows of
    ``p(x) - p(x without its top-k features)``; higher is more faithful.

    Examples
    --------
    >>> from interpretable_nn.rules import Condition, Rule, RuleSet
    >>> rs = RuleSet([Rule((Condition("a", ">", 0.0),), 3.0)], intercept=-1.0, feature_names=["a", "b"])
    >>> X = pd.DataFrame({"a": [1.0], "b": [1.0]}); B = pd.DataFrame({"a": [-1.0], "b": [-1.0]})
    >>> round(comprehensiveness(rs, X, np.array([[1.0, 0.0]]), B, k=1), 3)
    0.612
    """
    c = _curves_of(model, X, attributions, background)
    ks = _ks(k, c["d"])
    return float(np.mean([(c["full"] - c["deletion"][:, j]).mean() for j in ks]))


@tallied
def sufficiency(model: Any, X: Any, attributions: Any, background: Any, k=(1, 3, 5)) -> float:
    """ERASER sufficiency (OpenXAI PGU): mean over ``k`` and rows of
    ``p(x) - p(x with only its top-k features)``; lower is more faithful."""
    c = _curves_of(model, X, attributions, background)
    ks = _ks(k, c["d"])
    return float(np.mean([(c["full"] - c["insertion"][:, j]).mean() for j in ks]))


# ---------------------------------------------------------------------- stability
def _perturb(schema: Any, X: pd.DataFrame, n: int, noise: float, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` perturbations of every row that respect ``schema`` (the model's fitted
    :class:`~interpretable_nn.data.schema.FeatureSchema`; None: inferred from ``X``),
    stacked row by row."""
    if schema is None:
        from ..data.schema import infer_schema

        schema = infer_schema(X)
    P = X.iloc[np.repeat(np.arange(len(X)), n)].reset_index(drop=True)
    for spec in schema:
        if spec.kind != "numeric" or not spec.std:
            continue
        v = P[spec.name].to_numpy(dtype=float)
        moved = v + rng.normal(0.0, noise * spec.std, len(v))
        moved = np.clip(moved, spec.min, spec.max)
        if spec.dtype.startswith(("int", "Int", "uint")) or all(float(q).is_integer() for q in spec.quantiles):
            moved = np.round(moved)
        P[spec.name] = np.where(np.isnan(v), np.nan, moved)
    return P


@tallied
def stability(
    model: Any,
    X: Any,
    explain_fn: Callable[[pd.DataFrame], np.ndarray] | None = None,
    *,
    n_perturbations: int = 10,
    noise: float = 0.05,
    random_state: int | None = 0,
) -> dict[str, float]:
    """Relative change of the explanation under small perturbations that keep the
    predicted class (max-sensitivity; lower is more stable).

    Parameters
    ----------
    explain_fn : callable, optional
        ``frame -> ndarray (n, n_features)``; default the model's built-in explanation.
    n_perturbations : int
        Perturbed copies per row.
    noise : float
        Standard deviation of the moves, in training standard deviations of each numeric
        feature.

    Returns
    -------
    dict
        ``max_relative_change`` (mean over rows of the max over kept perturbations),
        ``mean_relative_change`` and ``kept_share`` (perturbations that kept the class),
        and the same two figures for random attributions (``random_max_relative_change``,
        ``random_mean_relative_change``).
    """
    if int(n_perturbations) < 1 or not noise > 0:
        raise ValueError("n_perturbations must be >= 1 and noise > 0.")
    view = ModelView(model, X)
    Xf = some_rows(view.frame(X, "X"), "pass the rows whose explanations to measure")
    return _stability(view, Xf, explain_fn, int(n_perturbations), float(noise), random_state)



def _stability(view: ModelView, Xf: pd.DataFrame, explain_fn, n_perturbations: int, noise: float,
               random_state: int | None) -> dict[str, float]:
    """:func:`stability` on rows the view has validated."""
    if int(n_perturbations) < 1 or not noise > 0:
        raise ValueError("n_perturbations must be >= 1 and noise > 0.")
    model = view.model
    rng = np.random.default_rng(random_state)
    P = _perturb(view.schema, Xf, int(n_perturbations), float(noise), rng)
    if explain_fn is None:
        def explain_fn(F):
            return view.explain(F).values
    e = np.asarray(explain_fn(Xf), dtype=float)
    with quiet_range():  # the perturbed copies are the library's rows (Xf's own values were said above)
        ep = np.asarray(explain_fn(P), dtype=float).reshape(len(Xf), int(n_perturbations), -1)
        perturbed = np.asarray(model.predict(P)) if callable(getattr(model, "predict", None)) else None
    if perturbed is not None:
        same = (perturbed.reshape(len(Xf), -1) == np.asarray(model.predict(Xf))[:, None])
    else:
        same = np.ones(ep.shape[:2], dtype=bool)

    def figures(a: np.ndarray, ap: np.ndarray) -> tuple[float, float]:
        norm = np.maximum(np.linalg.norm(a, axis=1), 1e-12)[:, None]
        rel = np.where(same, np.linalg.norm(ap - a[:, None, :], axis=2) / norm, np.nan)
        ok = same.any(axis=1)
        if not ok.any():
            return float("nan"), float("nan")
        return float(np.nanmax(rel[ok], axis=1).mean()), float(np.nanmean(rel[ok]))

    mx, mn = figures(e, ep)
    rmx, rmn = figures(rng.normal(size=e.shape), rng.normal(size=ep.shape))
    return {"max_relative_change": mx, "mean_relative_change": mn, "kept_share": float(same.mean()),
            "random_max_relative_change": rmx, "random_mean_relative_change": rmn}


# ---------------------------------------------------------------------- report
@tallied
def faithfulness_report(
    model: Any,
    X: Any,
    background: Any,
    attributions: Any = None,
    *,
    explain_fn: Callable[[pd.DataFrame], np.ndarray] | None = None,
    k: int | Sequence[int] = (1, 3, 5),
    n_random: int = 5,
    n_perturbations: int = 10,
    noise: float = 0.05,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Every faithfulness figure of an explanation beside the random-attribution baseline.

    Parameters
    ----------
    attributions : ndarray or Explanation, optional
        Default: the model's built-in explanation of ``X`` (or ``explain_fn(X)``).
    explain_fn : callable, optional
        Used for ``attributions`` when not given, and by the stability test.
    n_random : int
        Random attribution draws averaged for the baseline.
    n_perturbations : int
        Perturbed copies per row for the stability line (0: no stability line, e.g. for
        precomputed attributions without an ``explain_fn``).

    Returns
    -------
    DataFrame
        One line per metric: ``metric``, ``explanation``, ``random`` (baseline),
        ``better`` ("lower" / "higher").
    """
    view, Xf, Bf = _inputs(model, X, background)
    if attributions is None:
        attributions = explain_fn(Xf) if explain_fn is not None else view.explain(Xf, Bf).values
    c = _curves(view, Xf, Bf, _matrix(attributions, len(Xf), list(view.names)))
    ks = _ks(k, c["d"])
    rng = np.random.default_rng(random_state)
    rand = [_curves(view, Xf, Bf, rng.normal(size=(len(Xf), c["d"]))) for _ in range(int(n_random))]

    def figs(cc):
        return {
            "deletion_auc": _auc(cc["deletion"]).mean(),
            "insertion_auc": _auc(cc["insertion"]).mean(),
            "comprehensiveness": np.mean([(cc["full"] - cc["deletion"][:, j]).mean() for j in ks]),
            "sufficiency": np.mean([(cc["full"] - cc["insertion"][:, j]).mean() for j in ks]),
        }

    ours = figs(c)
    base = {key: float(np.mean([figs(r)[key] for r in rand])) for key in ours}
    better = {"deletion_auc": "lower", "insertion_auc": "higher", "comprehensiveness": "higher",
              "sufficiency": "lower", "stability": "lower"}
    rows = [{"metric": key, "explanation": float(v), "random": base[key], "better": better[key]} for key, v in ours.items()]
    if int(n_perturbations) > 0:
        st = _stability(view, Xf, explain_fn, int(n_perturbations), float(noise), random_state)
        rows.append({"metric": "stability", "explanation": st["max_relative_change"],
                     "random": st["random_max_relative_change"], "better": "lower"})
    return pd.DataFrame(rows)

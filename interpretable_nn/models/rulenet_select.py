"""Selection and refit of RuleNet's candidate rules: the second half of
:func:`~interpretable_nn.models.rulenet_extract.extract_ruleset`, on 0/1 activation matrices
(and standardized linear-term columns) rather than on conditions.

- :func:`select_rules`: the densest L1 logistic path model with at most ``max_rules`` terms;
- :func:`stable_select`: stability selection over random half-samples of the rows;
- :func:`choose_refit_c` and :func:`refit_points`: the L2 refit of the chosen terms;
- :func:`choose_trees`: whether boosted trees' rules join the pool, judged on held-out halves
  (:data:`POOL_CHOICE_HALVES` of them).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..rules import Rule, RuleSet

__all__ = [
    "select_rules",
    "stable_select",
    "choose_refit_c",
    "refit_points",
    "choose_trees",
    "first_per_pattern",
    "pool_choice_halves",
    "STABLE_MIN_SHARE",
    "REFIT_CS",
    "POOL_CHOICE_HALVES",
]


def _l1_logistic(C: float):
    import sklearn
    from sklearn.linear_model import LogisticRegression

    major, minor = (int(v) for v in sklearn.__version__.split(".")[:2])
    if (major, minor) >= (1, 8):
        return LogisticRegression(l1_ratio=1.0, C=C, solver="liblinear", random_state=0)
    return LogisticRegression(penalty="l1", C=C, solver="liblinear", random_state=0)  # pragma: no cover


def _two_classes(y: np.ndarray, sw: np.ndarray | None) -> bool:
    """Whether both classes are present with positive weight (liblinear drops zero-weight
    rows, then prints a warning to stdout and fits one class)."""
    y = np.asarray(y)
    if sw is None:
        return len(np.unique(y)) == 2
    return len(np.unique(y[np.asarray(sw) > 0])) == 2


def select_rules(A: np.ndarray, y: np.ndarray, sw: np.ndarray | None, max_rules: int) -> np.ndarray:
    """Columns of the 0/1 activation matrix ``A`` kept by the L1 logistic path: the densest
    model with at most ``max_rules`` non-zero points on a log grid of C, refined by
    bisection between the last C within the budget and the first beyond it. No column (an
    empty index) when a class has no weight."""
    if A.shape[1] <= max_rules:
        return np.arange(A.shape[1])
    if not _two_classes(y, sw):
        return np.arange(0)

    def support(C: float) -> np.ndarray:
        return np.flatnonzero(_l1_logistic(C).fit(A, y, sample_weight=sw).coef_.reshape(-1))

    chosen, good, bad = np.arange(0), None, None
    for C in np.geomspace(1e-3, 10.0, 16):
        nz = support(C)
        if len(nz) > max_rules:
            bad = C
            break
        chosen, good = nz, C
    if good is not None and bad is not None:
        for _ in range(5):
            mid = float(np.sqrt(good * bad))
            nz = support(mid)
            if len(nz) > max_rules:
                bad = mid
            else:
                good = mid
                if len(nz) >= len(chosen):
                    chosen = nz
    return chosen


#: share of the half-samples that must pick a rule for stability selection to keep it
#: (0: any rule picked at least once, filling ``max_rules``)
STABLE_MIN_SHARE = 0.0


def stable_select(A: np.ndarray, y: np.ndarray, sw: np.ndarray | None, max_rules: int,
                  subsamples: int, seed: int = 0, record: list | None = None) -> np.ndarray:
    """Stability selection: :func:`select_rules` on ``subsamples`` random halves of the rows;
    the at most ``max_rules`` columns picked most often (a pick on all rows counts half, so
    it breaks ties) and picked at least once, and by at least ``STABLE_MIN_SHARE`` of the
    half-samples. ``subsamples=0`` is :func:`select_rules`. ``record``: a list that gets
    ``(rows, picked columns)`` of every half-sample selection, in order."""
    full = select_rules(A, y, sw, max_rules)
    if subsamples == 0 or A.shape[1] <= max_rules and record is None:
        return full
    rng = np.random.default_rng(seed)
    n = len(y)
    if A.shape[1] <= max_rules:  # every column is kept: the halves are recorded, not fitted
        for _ in range(subsamples):
            rows = rng.choice(n, n // 2, replace=False)
            sub = A[rows]
            if _two_classes(y[rows], None if sw is None else sw[rows]):
                record.append((rows, np.flatnonzero(sub.min(axis=0) != sub.max(axis=0))))
        return full
    score = np.zeros(A.shape[1])
    score[full] = 0.5
    for _ in range(subsamples):
        rows = rng.choice(n, n // 2, replace=False)
        sub = A[rows]
        varies = np.flatnonzero(sub.min(axis=0) != sub.max(axis=0))
        if not _two_classes(y[rows], None if sw is None else sw[rows]) or len(varies) == 0:
            continue
        picked = select_rules(sub[:, varies], y[rows], None if sw is None else sw[rows], max_rules)
        score[varies[picked]] += 1.0
        if record is not None:
            record.append((rows, varies[picked]))
    top = np.lexsort((np.arange(A.shape[1]), -score))[:max_rules]
    return np.sort(top[(score[top] > 0) & (score[top] >= STABLE_MIN_SHARE * subsamples)])


#: the stability selection's half-samples on which :func:`choose_trees` judges the boosted
#: trees' rules (0: they always join the pool). 3: ``linear_half3`` on the suite's dev group
#: (``benchmarks/rulenet_tune.py``): +.0013 AUC over the 21 sets, no set below, at twice the
#: fit time of the network's pool alone (1.998 times on the median set)
POOL_CHOICE_HALVES = 3


#: the inverse L2 strengths ``refit_c="auto"`` chooses from (by cross-validated log-loss)
REFIT_CS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def choose_refit_c(A: np.ndarray, y: np.ndarray, sw: np.ndarray | None, seed: int = 0) -> float:
    """The inverse L2 strength in :data:`REFIT_CS` with the best 5-fold (stratified, seeded)
    log-loss of the logistic regression on the rule activations ``A``; 1.0 when a class has
    fewer than 2 rows of positive weight or there is no rule. Weak signal gets strong
    shrinkage, strong signal little, instead of one strength for both. Rows of weight zero
    are left out of the folds (a fold of only such rows has nothing to fit)."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

    if sw is not None and not (np.asarray(sw) > 0).all():
        keep = np.asarray(sw) > 0
        A, y, sw = A[keep], np.asarray(y)[keep], np.asarray(sw)[keep]
    k = min(5, int(np.bincount(np.asarray(y, dtype=np.int64)).min())) if len(np.unique(y)) == 2 else 0
    if A.shape[1] == 0 or k < 2:
        return 1.0
    cv = StratifiedKFold(k, shuffle=True, random_state=seed)
    # Newton steps on <= max_rules binary columns: the lbfgs choice in 40 of 40 random cases
    # (500-8,000 rows, 3-30 rules, weak to strong signal), in 30% less time
    m = LogisticRegressionCV(Cs=list(REFIT_CS), cv=cv, scoring="neg_log_loss", max_iter=2000, tol=1e-8,
                             solver="newton-cholesky")
    with warnings.catch_warnings():  # scikit-learn 1.9 announces changes to defaults this call does not read
        warnings.simplefilter("ignore", FutureWarning)
        return float(m.fit(A, y, sample_weight=sw).C_[0])


def refit_points(A: np.ndarray, y: np.ndarray, sw: np.ndarray | None, C: float) -> tuple[np.ndarray, float]:
    """Rule points and intercept: an L2 logistic regression on the rule activations."""
    from sklearn.linear_model import LogisticRegression

    w = np.ones(len(y)) if sw is None else sw
    if A.shape[1] == 0:
        p = float(np.clip(np.sum(w * y) / np.sum(w), 1e-12, 1 - 1e-12))
        return np.zeros(0), float(np.log(p) - np.log1p(-p))
    # Newton steps on <= max_rules columns: the lbfgs optimum to 3e-6 in a quarter to a half of its time
    m = LogisticRegression(C=C, max_iter=2000, tol=1e-8, solver="newton-cholesky").fit(A, y, sample_weight=sw)
    return m.coef_.reshape(-1).astype(float), float(m.intercept_[0])


def first_per_pattern(fired: np.ndarray, order, seen: set[bytes] | None = None) -> list[int]:
    """Of the columns ``order`` of the 0/1 matrix ``fired``, taken in that order, the first
    to fire on each set of rows not already in ``seen`` (packed row patterns; updated)."""
    seen = set() if seen is None else seen
    kept = []
    for i in order:
        key = np.packbits(fired[:, i]).tobytes()
        if key not in seen:
            seen.add(key)
            kept.append(i)
    return kept


def _held_out_loss(M: np.ndarray, cols: np.ndarray, rows: np.ndarray, held: np.ndarray, y: np.ndarray,
                   w: np.ndarray) -> float:
    """Summed weighted log-loss on the rows ``held`` of the refit (C = 1) of the columns
    ``cols`` of ``M`` on the rows ``rows``."""
    points, intercept = refit_points(M[np.ix_(rows, cols)], y[rows], w[rows], 1.0)
    z = M[np.ix_(held, cols)] @ points + intercept
    return float(np.sum(w[held] * (np.logaddexp(0.0, z) - y[held] * z)))


def choose_trees(M: np.ndarray, halves: list, patterns: set, trees: Callable[[np.ndarray], list],
                 df: pd.DataFrame, y: np.ndarray, sw: np.ndarray | None, max_rules: int) -> tuple[bool, dict]:
    """Whether the rules of ``trees`` should join the pool: on each of the stability
    selection's ``halves`` (rows, columns of ``M`` it picked), the picked columns are refitted
    (C = 1) on the half and scored on the other half; ``trees(rows)``'s conjunctions (tuples
    of conditions, fitted on those rows) that fire
    on new training rows (not in ``patterns``, the network's pool) join ``M``, one L1 path on
    the half picks at most ``max_rules`` columns, refitted and scored the same way. They join
    where their log-loss summed over the halves is lower (a tie, or no half: they do not)."""
    n = len(y)
    yf = np.asarray(y, dtype=np.float64)
    w = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)
    loss, total = {"network": 0.0, "network+trees": 0.0}, 0.0
    for rows, picked in halves:
        held = np.setdiff1d(np.arange(n), rows)
        total += w[held].sum()
        loss["network"] += _held_out_loss(M, picked, rows, held, yf, w)
        more = trees(rows)
        T = RuleSet([Rule(c, 0.0) for c in more]).fire_matrix(df) if more else np.zeros((n, 0), dtype=bool)
        support = T.mean(axis=0)
        live = sorted(np.flatnonzero((support > 0) & (support < 1)), key=lambda i: (len(more[i]), i))
        new = first_per_pattern(T, live, set(patterns))
        M2 = np.hstack([M, T[:, sorted(new)].astype(np.float64)])
        sub = M2[rows]
        varies = np.flatnonzero(sub.min(axis=0) != sub.max(axis=0))
        cols = varies[select_rules(sub[:, varies], y[rows], None if sw is None else sw[rows], max_rules)]
        loss["network+trees"] += _held_out_loss(M2, cols, rows, held, yf, w)
    join = bool(halves) and loss["network+trees"] < loss["network"]
    return join, {"pool": "network+trees" if join else "network", "pool_halves": len(halves),
                  "pool_loss": {k: v / (total or 1.0) for k, v in loss.items()}}


def pool_choice_halves() -> int:
    """:data:`POOL_CHOICE_HALVES` as it is now (a dev run sets the module attribute)."""
    return int(POOL_CHOICE_HALVES)

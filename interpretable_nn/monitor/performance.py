"""Performance figures of a binary score when labels come back: AUC, Gini, KS, calibration.

AUC is scikit-learn's ``roc_auc_score``; Gini = 2 AUC - 1; KS = max |TPR - FPR| over the ROC
curve (the two-sample Kolmogorov-Smirnov statistic of the scores of the two classes).
The standard error of the AUC is Hanley & McNeil's (1982), used to tell a drop from
sampling noise. Calibration: mean predicted probability of the adverse class (expected),
observed adverse rate (actual), their ratio ``actual / expected`` (A/E) and the binomial
z-score of the difference.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["performance", "auc_se", "REGRESSOR_LABELS", "class_list"]

#: why labels and a protected column are refused for a model of amounts
def class_list(classes) -> list:
    """A model's classes as plain Python values for a message (``[0, 1]``, not ``np.int64(0)``)."""
    return [getattr(c, "item", lambda c=c: c)() for c in classes]


REGRESSOR_LABELS = ("This model predicts an amount: its scores, inputs and explanations are watched without "
                    "labels, and the performance and fairness figures (AUC, calibration, group gaps) are a "
                    "classifier's, so leave out the labels and the protected column (y, protected / --target, "
                    "--protected).")


def auc_se(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil's standard error of an AUC measured on ``n_pos`` / ``n_neg`` rows.

    Examples
    --------
    >>> round(auc_se(0.8, 100, 400), 4)
    0.0279
    """
    if n_pos < 1 or n_neg < 1 or not math.isfinite(auc):
        return float("nan")
    q1 = auc / (2 - auc)
    q2 = 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    return float(math.sqrt(max(var, 0.0)))


def performance(y_adverse: Any, p_adverse: Any) -> dict[str, float]:
    """AUC, Gini, KS, AUC standard error and calibration of adverse-class probabilities.

    Parameters
    ----------
    y_adverse : array of bool
        True where the row's label is the adverse class.
    p_adverse : array of float
        The model's probability of the adverse class.

    Returns
    -------
    dict
        ``n``, ``n_adverse``, ``auc``, ``auc_se``, ``gini``, ``ks``, ``expected_rate``,
        ``observed_rate``, ``ae_ratio``, ``calibration_z``, ``brier``. AUC, Gini and KS
        are NaN when only one class is present.

    Examples
    --------
    >>> f = performance(np.array([0, 0, 1, 1], bool), np.array([0.1, 0.4, 0.35, 0.8]))
    >>> f["auc"], f["gini"], f["ks"]
    (0.75, 0.5, 0.5)
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    y = np.asarray(y_adverse, dtype=bool)
    p = np.asarray(p_adverse, dtype=float)
    n, k = len(y), int(y.sum())
    out: dict[str, float] = {"n": n, "n_adverse": k}
    if 0 < k < n:
        auc = float(roc_auc_score(y, p))
        fpr, tpr, _ = roc_curve(y, p)
        out.update(auc=auc, auc_se=auc_se(auc, k, n - k), gini=2 * auc - 1, ks=float(np.max(np.abs(tpr - fpr))))
    else:
        out.update(auc=float("nan"), auc_se=float("nan"), gini=float("nan"), ks=float("nan"))
    expected = float(p.mean()) if n else float("nan")
    observed = k / n if n else float("nan")
    sd = math.sqrt(expected * (1 - expected) / n) if n and 0 < expected < 1 else float("nan")
    out.update(
        expected_rate=expected,
        observed_rate=observed,
        ae_ratio=observed / expected if expected > 0 else float("nan"),
        calibration_z=(observed - expected) / sd if sd and math.isfinite(sd) and sd > 0 else float("nan"),
        brier=float(np.mean((p - y) ** 2)) if n else float("nan"),
    )
    return out

"""Fairness audit for one sensitive column: outcome gaps between its groups and how much of
the score the sensitive feature itself carries.

Definitions (binary decisions; the data sets encode the adverse label as 1, so a
"favourable" decision is a predicted 0)
-------------------------------------------------------------------------------------
demographic parity difference (Calders & Verwer, 2010; Fairlearn's
``demographic_parity_difference``)
    largest minus smallest rate of adverse decisions over the groups; the ratio of the
    smallest to the largest favourable rate is reported too (the "four-fifths rule").
equal opportunity difference (Hardt, Price & Srebro, 2016)
    largest minus smallest rate of favourable decisions among the truly favourable rows
    (true-negative rate for the adverse label), over the groups.
AUC per group
    ranking quality of the score inside each group.
sensitive share
    additive models (and interpret's EBM): the share of the score's absolute contributions carried by the
    sensitive feature's own term (``mean |f_s| / mean sum_t |f_t|``) and by the feature
    with its interactions split exactly (exact SHAP); other models: its SHAP share from the
    ``shap`` library. The mean contribution per group (log-odds points) says in which
    direction it moves each group's score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.additive import as_additive, shap_values
from ..attribution.explanation import Explanation
from ..data.ranges import quiet_range, tallied
from .shap_library import shap_of_view
from .view import ModelView, some_rows

__all__ = ["FairnessAudit", "fairness_audit"]


@dataclass
class FairnessAudit:
    """Result of :func:`fairness_audit`.

    Attributes
    ----------
    sensitive : str
    groups : DataFrame
        One row per group: ``group``, ``n``, ``adverse_rate``, ``favourable_rate``,
        ``equal_opportunity_rate``, ``auc``, ``mean_contribution`` (log-odds points of the
        sensitive feature), ``observed_adverse_rate``.
    figures : dict
        The gaps and shares (see :meth:`summary`).
    """

    sensitive: str
    groups: pd.DataFrame
    figures: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """``demographic_parity_difference``, ``demographic_parity_ratio``,
        ``equal_opportunity_difference``, ``auc_by_group``, ``auc_gap``,
        ``sensitive_share``, ``sensitive_term_share`` (additive models),
        ``contribution_gap`` and ``share_method``."""
        return dict(self.figures)

    def to_frame(self) -> pd.DataFrame:
        """The per-group table."""
        return self.groups.copy()

    def __repr__(self) -> str:
        f = self.figures
        return (
            f"FairnessAudit(sensitive={self.sensitive!r}, groups={len(self.groups)}, "
            f"dp_diff={f['demographic_parity_difference']:.3f}, "
            f"eo_diff={f['equal_opportunity_difference']:.3f}, share={f['sensitive_share']:.3f})"
        )


def _gap(values: pd.Series) -> float:
    """The largest difference between groups; NaN with fewer than two (not measurable: one
    group read as 0.0, "perfectly fair")."""
    v = values.dropna()
    return float(v.max() - v.min()) if len(v) > 1 else float("nan")


def _gap_se(groups: pd.DataFrame) -> float:
    """The standard error of the demographic parity difference: of the difference between the
    adverse rates of the groups with the highest and the lowest, each with one adverse and one
    favourable decision added (Agresti-Caffo: a group of 3 rows all adverse has rate 1 and a
    plain binomial error of 0); NaN with one group."""
    if len(groups) < 2:
        return float("nan")
    hi, lo = groups.loc[groups["adverse_rate"].idxmax()], groups.loc[groups["adverse_rate"].idxmin()]
    tilde = [((r["adverse_rate"] * r["n"] + 1) / (r["n"] + 2), r["n"] + 2) for r in (hi, lo)]
    return float(np.sqrt(sum(p * (1 - p) / n for p, n in tilde)))


def _auditable(view: ModelView) -> None:
    """An audit needs a binary classifier (a regressor raised AttributeError from inside)."""
    if view.is_regression or not callable(getattr(view.model, "predict_proba", None)):
        raise ValueError(f"fairness_audit needs a binary classifier (predict_proba); {view.name} predicts amounts. "
                         "Audit a classifier, or compare the groups' predictions yourself.")


@tallied
def fairness_audit(
    model: Any,
    X: Any,
    y: Any,
    sensitive: str,
    *,
    background: Any = None,
    threshold: float = 0.5,
    max_shap_rows: int = 500,
    shap_method: str = "auto",
    random_state: int | None = 0,
    shap: Explanation | None = None,
) -> FairnessAudit:
    """Audit a binary classifier's decisions for the groups of ``X[sensitive]``.

    Parameters
    ----------
    model : fitted binary classifier (``predict_proba``, ``decision_function``)
    X : DataFrame
        Rows to audit (raw columns, including ``sensitive``).
    y : array-like
        True labels (the model's classes; ``classes_[1]`` is the adverse label).
    sensitive : str
        The protected column (e.g. hmda's ``"afam"``); missing values form their own group.
    background : DataFrame, optional
        Reference rows for the SHAP share (default: up to 100 rows of ``X``).
    threshold : float, default 0.5
        A row gets the adverse decision when ``P(adverse) > threshold``.
    max_shap_rows : int
        Rows (sampled) used for the SHAP share of non-additive models.
    shap : Explanation, optional
        SHAP values of some rows of ``X`` already computed for this model (for example
        :func:`~interpretable_nn.explain.crosscheck`'s ``report.shap``), used for the share of
        a non-additive model instead of computing them again; its ``data`` holds the rows
        (their ``sensitive`` values give the groups). Additive models always use exact SHAP.

    Returns
    -------
    FairnessAudit

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from interpretable_nn.datasets import load_dataset
    >>> from interpretable_nn.models import EncodedSklearnClassifier
    >>> ds = load_dataset("hmda")
    >>> m = EncodedSklearnClassifier(LogisticRegression(max_iter=2000)).fit(ds.X, ds.y)
    >>> audit = fairness_audit(m, ds.X, ds.y, "afam", background=ds.X.iloc[:20], max_shap_rows=20)
    >>> sorted(audit.to_frame()["group"])
    ['no', 'yes']
    >>> 0 <= audit.summary()["sensitive_share"] <= 1
    True
    """
    view = ModelView(model, X)
    names = view.names
    _auditable(view)
    if sensitive not in names:
        raise ValueError(f"sensitive={sensitive!r} is not a feature of the model; features: {names}.")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie in (0, 1); got {threshold!r}.")
    if shap is not None and not isinstance(shap, Explanation):
        raise TypeError(f"shap must be an Explanation (e.g. crosscheck(...).shap) or None; got {type(shap).__name__}.")
    if shap is not None and (list(shap.feature_names) != names or not isinstance(shap.data, pd.DataFrame)
                             or np.shape(shap.values) != (len(shap.data), len(names))):
        raise ValueError("shap must be an Explanation of rows of X by this model (its features, in order, "
                         "and its rows in .data); pass None to compute it here.")
    Xf = some_rows(view.frame(X, "X"), "pass the rows to audit (e.g. a held-out set with their labels)")
    adverse_true = _adverse_labels(view, y, len(Xf))
    p = np.asarray(model.predict_proba(Xf), dtype=float)[:, 1]
    adverse = p > threshold
    group = _group_labels(Xf[sensitive])

    rng = np.random.default_rng(random_state)
    if background is None:
        Bf = Xf.iloc[rng.permutation(len(Xf))[:100]].reset_index(drop=True)
    else:
        Bf = view.frame(background, "background")
    with quiet_range():  # Xf and Bf are checked (the default Bf is a sample of Xf): read them again quietly
        share = _sensitive_share(view, Xf, Bf, sensitive, group, rng, max_shap_rows, shap_method, random_state, shap)
    groups = _group_table(group, adverse, adverse_true, p, share.contribution)
    fav_rates = groups["favourable_rate"]
    figures = {
        "sensitive": sensitive,
        "n_groups": len(groups),
        "demographic_parity_difference": _gap(groups["adverse_rate"]),
        "demographic_parity_ratio": (float(fav_rates.min() / fav_rates.max()) if fav_rates.max() > 0 and len(groups) > 1
                                     else float("nan")),
        "demographic_parity_se": _gap_se(groups),
        "equal_opportunity_difference": _gap(groups["equal_opportunity_rate"]),
        "auc_by_group": dict(zip(groups["group"], groups["auc"])),
        "auc_gap": _gap(groups["auc"]),
        "sensitive_share": share.share,
        "sensitive_term_share": share.term_share,
        "contribution_gap": _gap(groups["mean_contribution"]),
        "share_method": share.method,
        "threshold": float(threshold),
    }
    return FairnessAudit(sensitive=sensitive, groups=groups, figures=figures)


def _adverse_labels(view: ModelView, y: Any, n_rows: int) -> np.ndarray:
    """Whether each row's true label is the adverse one (``classes_[1]``)."""
    y = np.asarray(y).reshape(-1)
    if len(y) != n_rows:
        raise ValueError(f"X has {n_rows} rows but y has {len(y)}; they must match.")
    classes = getattr(view.model, "classes_", None)
    if classes is None:
        return y.astype(bool)
    if len(classes) != 2:
        raise ValueError("fairness_audit handles binary classifiers only.")
    unknown = set(pd.unique(y)) - set(np.asarray(classes).tolist())
    if unknown:
        raise ValueError(f"y holds labels {sorted(map(str, unknown))} that are not the model's classes {list(classes)}.")
    return y == classes[1]


#: a numeric sensitive column with more distinct values than this is a measurement, not groups
MAX_NUMERIC_GROUPS = 20


def _group_labels(col: pd.Series) -> np.ndarray:
    """Each row's group: the sensitive value as text, ``"(missing)"`` where it is missing (a
    label no present value has: a level named "missing" was merged with the missing rows).
    A numeric column of more than :data:`MAX_NUMERIC_GROUPS` values is refused (every income
    was a group of one: parity difference 1, AUC gap 1)."""
    present = set(col[col.notna()].astype(str))
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and len(present) > MAX_NUMERIC_GROUPS:
        raise ValueError(f"The sensitive column {col.name!r} is numeric with {len(present)} distinct values: a "
                         f"fairness audit compares groups (at most {MAX_NUMERIC_GROUPS} numeric values). Bin it into "
                         "groups first (e.g. pd.cut), or name a group column.")
    label = "(missing)"
    while label in present:
        label = f"({label})"
    return col.astype(object).where(col.notna(), label).astype(str).to_numpy()


@dataclass
class _Share:
    """The sensitive feature's share of the score and its mean contribution per group."""

    share: float
    term_share: float | None
    method: str
    contribution: pd.Series


def _sensitive_share(view: ModelView, Xf: pd.DataFrame, Bf: pd.DataFrame, sensitive: str, group: np.ndarray,
                     rng: np.random.Generator, max_shap_rows: int, shap_method: str,
                     random_state: int | None, given: Explanation | None = None) -> _Share:
    """Exact additive SHAP (and the own term's share) for additive models, else the ``given``
    explanation's rows, else SHAP from the ``shap`` library on a sample of at most
    ``max_shap_rows`` rows."""
    j = view.names.index(sensitive)
    term_share = None
    additive = as_additive(view.model)
    if additive is not None:
        of_rows = group
        phi = shap_values(additive, Xf, Bf)
        T = np.abs(np.asarray(additive.predict_terms(Xf), dtype=float))
        own = [t for t, F in enumerate(additive.term_features_) if tuple(F) == (sensitive,)]
        term_share = float(T[:, own].sum(1).mean() / max(T.sum(1).mean(), 1e-12))
        method = "exact-additive-shap"
    elif given is not None:
        phi, method = np.asarray(given.values, dtype=float), given.method
        of_rows = _group_labels(given.data[sensitive])
    else:
        rows = np.sort(rng.permutation(len(Xf))[: int(max_shap_rows)])
        e = shap_of_view(view, Xf.iloc[rows].reset_index(drop=True), Bf, method=shap_method,
                         random_state=random_state)
        phi, method, of_rows = e.values, e.method, group[rows]
    absphi = np.abs(phi)
    share = float(absphi[:, j].mean() / max(absphi.sum(1).mean(), 1e-12)) if len(phi) else float("nan")
    contrib = pd.Series(phi[:, j]).groupby(of_rows).mean()
    return _Share(share, term_share, method, contrib)


def _group_table(group: np.ndarray, adverse: np.ndarray, adverse_true: np.ndarray, p: np.ndarray,
                 contribution: pd.Series) -> pd.DataFrame:
    """One row per group: decision rates, equal-opportunity rate, AUC, mean contribution."""
    from sklearn.metrics import roc_auc_score

    records = []
    for g in sorted(pd.unique(group)):
        m = group == g
        fav = m & ~adverse_true
        both = adverse_true[m].any() and (~adverse_true[m]).any()
        records.append({
            "group": g,
            "n": int(m.sum()),
            "adverse_rate": float(adverse[m].mean()),
            "favourable_rate": float(1 - adverse[m].mean()),
            "equal_opportunity_rate": float((~adverse[fav]).mean()) if fav.any() else np.nan,
            "auc": float(roc_auc_score(adverse_true[m], p[m])) if both else np.nan,
            "mean_contribution": float(contribution.get(g, np.nan)),
            "observed_adverse_rate": float(adverse_true[m].mean()),
        })
    return pd.DataFrame(records)

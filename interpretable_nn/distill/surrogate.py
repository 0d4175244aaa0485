"""Surrogate trees: any fitted model distilled into a small decision tree, with measured
fidelity.

:class:`SurrogateTree` labels rows with a *teacher* (any fitted model with ``predict`` on a
raw DataFrame: its decisions for classifiers, its predictions for regressors) and fits a
scikit-learn decision tree to them. The tree reads a matrix in **raw units**: numeric values
as they are (NaN for missing; scikit-learn trees learn where missing values go) and one-hot
categories from the library's encoder, so every threshold is a raw value and the tree
converts exactly into a :class:`~interpretable_nn.rules.RuleSet`
(:meth:`SurrogateTree.to_ruleset`) whose decisions and scores equal the tree's, bit for bit.

Augmentation (``augment=``: ``"jitter"``, ``"schema"``, ``"munge"``; see
:mod:`interpretable_nn.distill.augment`) adds teacher-labelled rows drawn from the
training distribution, so splits deep in the tree are still chosen on many points.

Fidelity is always measured on **real** rows: after ``fit``, ``fidelity_`` is a
:class:`~interpretable_nn.attribution.fidelity.Fidelity` on a held-out share of the rows
(``holdout``) that neither the tree nor augmentation saw. Tree splits are read as rule
conditions by :mod:`interpretable_nn.rules.from_tree`, the one place that does so.

``search="lookahead"`` replaces scikit-learn's greedy CART by the non-greedy search of
:mod:`interpretable_nn.distill.search` (exact depth-2 subtrees over quantile and
decision-boundary thresholds); the default ``search="auto"`` keeps whichever of the two
agrees more with the teacher on an inner validation share of the fit rows;
``target_fidelity`` fits depths in turn until the held-out agreement reaches the target.
Held-out agreement comes with its 95% Wilson interval (``agreement_low``/``agreement_high``).

Why this file passes 500 lines: it is one estimator, :class:`SurrogateTree`, whose fit,
target search, fidelity and four views (rule set, text, Graphviz, per-leaf table) all read
the same fitted tree and its column map; the search itself and the augmentation already
live in their own modules, and splitting the class further would scatter one object.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..attribution.fidelity import Fidelity, wilson_interval
from ..data.encoding import TabularEncoder
from ..data.ranges import quiet_range
from ..data.validation import ExtraColumnsWarning, check_frame, check_predict_frame
from ..rules.conditions import Condition
from ..rules.from_tree import (
    dense_column_map,
    leaf_log_odds,
    leaf_paths,
    split_conditions,
    tree_leaves,
)
from ..rules.ruleset import RuleSet
from ..rules.values import format_number
from .augment import AUGMENTATIONS, augment_rows
from .search import Binarizer, build_sklearn_tree, search_tree

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = ["SurrogateTree"]

_PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C")


def _column_label(m: dict[str, Any]) -> str:
    if m["kind"] == "onehot":
        return f"{m['feature']}={m['level']!r}"
    return m["feature"] + (" is missing" if m["kind"] == "missing_indicator" else "")


def _decides_from_scores(teacher: Any) -> bool:
    """Whether ``teacher`` is one of the library's classifiers whose ``predict`` and
    ``predict_proba`` are :class:`~interpretable_nn.models.base.BaseModel`'s (both read
    ``decision_function``): then one pass over the rows gives its decisions and
    probabilities exactly, instead of two."""
    from ..models.base import BaseModel

    kind = type(teacher)
    return (isinstance(teacher, BaseModel) and kind.predict is BaseModel.predict
            and kind.predict_proba is BaseModel.predict_proba
            and kind._proba_from_decision is BaseModel._proba_from_decision)


def _branches(tree: Any, meaning: list[dict[str, Any]]) -> dict[int, tuple[Condition, Condition]]:
    """(left, right) condition of every split node, in raw terms (``rules.from_tree``)."""
    t = tree.tree_
    return {int(node): split_conditions(t, int(node), meaning)
            for node in np.flatnonzero(t.children_left != -1)}


def _teacher_columns(teacher: Any, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` without the columns the teacher does not read (its ``feature_names_in_``, a rule
    set's ``features_used``), with
    an :class:`ExtraColumnsWarning`: a tree that splits on a stored score or an id column
    explains the data, not the teacher (it did, while the teacher's own warning said those
    columns were ignored)."""
    known = getattr(teacher, "feature_names_in_", None)
    if known is None and hasattr(teacher, "features_used"):  # a RuleSet reads the features its rules use
        known = teacher.features_used
    if known is None or not all(k in df.columns for k in known):
        return df  # the teacher reads what it reads; a missing column is its own error
    extra = [c for c in df.columns if c not in set(known)]
    if not extra:
        return df
    warnings.warn(f"X has column(s) {extra} that the teacher does not read; the surrogate tree leaves them out, "
                  "so it explains the teacher and not the data.", ExtraColumnsWarning, stacklevel=3)
    return df[list(known)]


class SurrogateTree(BaseEstimator):
    """A decision tree distilled from any fitted model, with measured fidelity.

    Parameters
    ----------
    max_depth : int or None, default 4
    max_leaf_nodes : int or None, default None
    min_samples_leaf : int or float, default 1
        As in scikit-learn's decision trees (counted on real plus augmented rows).
    target : {"decision", "proba"}, default "decision"
        Classifiers: what the tree learns. ``"decision"``: the teacher's decisions (leaf
        probability = share of the teacher's decisions); ``"proba"``: the teacher's class
        probabilities (each row enters once per class, weighted by that probability, so a
        leaf's probability is the teacher's mean probability there and the split criterion
        is the squared error of the probabilities) - a better ranking when decisions are rare.
    augment : {"none", "jitter", "schema", "munge"}, default "none"
        Extra teacher-labelled rows (see :mod:`interpretable_nn.distill.augment`).
    n_augment : int, optional
        Number of extra rows (default: 10 x the rows the tree is fitted on, at most 100,000).
    jitter : float, default 0.02
        ``augment="jitter"``: the noise scale in quantile units, and the probability of
        redrawing a binary or categorical value.
    holdout : float, default 0.2
        Share of the rows kept out of the fit to measure ``fidelity_`` (0: measured on the
        training rows, marked ``rows="training"``).
    search : {"auto", "greedy", "lookahead"}, default "auto"
        ``"greedy"``: scikit-learn's CART. ``"lookahead"``: the non-greedy search of
        :mod:`interpretable_nn.distill.search` over ``n_thresholds`` quantile thresholds per
        numeric column plus as many at the teacher's decision boundaries (exact for depth
        <= 2; above, the ``beam`` best roots by exact depth-2 lookahead and CART's split
        are expanded in full, so its training fit is never below a greedy tree's on the
        same thresholds). Minimises the training misclassification (squared error for
        regressors); ``max_leaf_nodes`` applies to ``"greedy"`` only. ``"auto"``: both are
        fitted on 80% of the fit rows (real and augmented) and the one that agrees more
        with the teacher on the other 20% (``r2`` for regressors; ties: greedy) is refitted
        on all of them (``search_``, ``search_scores_``); the held-out rows of
        ``fidelity_`` are never read for the choice.
    n_thresholds : int, default 8
        ``search="lookahead"``: thresholds per numeric column (quantiles of the fit rows),
        and as many again at quantiles of the teacher's decision boundaries (classifiers).
    beam : int, default 1
        ``search="lookahead"``: root splits expanded in full at every node above depth 2
        (1: depth-2 lookahead at every node; each step up multiplies the time by ~2 per level).
    target_fidelity : float or None, default None
        The smallest tree (by depth, then leaves) whose held-out agreement (classifiers;
        ``r2`` for regressors) reaches this figure: depths 1..``max_depth`` are fitted in
        turn, then the first tree that reaches it is pruned (weakest link on the fit rows)
        while it still does. Needs ``holdout > 0`` and an integer ``max_depth``. When no
        depth reaches it, a warning gives the best figure and that tree is kept. The
        depth is chosen on the held-out rows, so its figure is the selected one (slightly
        optimistic); ``fidelity_["target_reached"]`` records the outcome and
        ``fidelity_.details["by_depth"]`` the curve (per depth tried: ``max_depth``,
        ``depth``, ``n_leaves``, the figure on the fit rows, the held-out figure and, for
        classifiers, its interval). A target above what one axis-aligned tree can follow is
        not reached by more depth or more augmented rows (``benchmarks/distill_search.py``
        measures it on credit_data's MLP); the warning says when deeper trees stopped helping.
    random_state : int, RandomState or None, default 0

    Attributes
    ----------
    estimator_ : DecisionTreeClassifier or DecisionTreeRegressor
        Fitted on the raw-unit matrix (class indices as labels for classifiers).
    teacher_ : the distilled model
    task_ : {"binary", "multiclass", "regression"}
    classes_ : ndarray
        The teacher's classes (classifiers).
    encoder_ : TabularEncoder
        Fitted on the tree's real training rows (schema, one-hot levels).
    column_map_ : list of dict
        Raw meaning of every tree input column (``numeric``/``onehot``/``missing_indicator``).
    fidelity_ : Fidelity
        :meth:`fidelity` on the held-out rows (``rows="held-out"``; ``"training"`` when
        ``holdout=0``): figures ``agreement`` with its 95% Wilson interval
        (``agreement_low``, ``agreement_high``) and ``r2``, the per-leaf table in
        ``details["per_leaf"]``; with ``target_fidelity``: ``target_fidelity`` and
        ``target_reached`` too, and the per-depth curve in ``details["by_depth"]``.
    depth_, n_leaves_ : int
        Depth and leaf count of the fitted tree.
    binarizer_ : Binarizer
        When the kept tree is a lookahead one: the thresholds searched (``col``, ``thr``,
        ``miss_left``).
    search_ : str
        The search that fitted the kept tree (``"greedy"`` or ``"lookahead"``).
    search_scores_ : dict
        ``search="auto"``: the inner-validation agreement (``r2``) of each search, for the
        last depth fitted (empty when the rows were too few to split).
    n_augmented_ : int
        Extra rows used in the fit.
    leaf_scores_ : ndarray
        Mean teacher score (positive-class probability, class probabilities, prediction) per
        tree node, over the fit rows: what ``r2`` compares the teacher's scores with.

    Examples
    --------
    >>> from interpretable_nn.datasets import load_dataset
    >>> from interpretable_nn.models import make_model
    >>> ds = load_dataset("credit_data")
    >>> teacher = make_model("logreg").fit(ds.X, ds.y)
    >>> s = SurrogateTree(max_depth=3).fit(teacher, ds.X)
    >>> sorted(s.fidelity_), s.fidelity_.rows
    (['agreement', 'agreement_high', 'agreement_low', 'r2'], 'held-out')
    >>> rs = s.to_ruleset()
    >>> bool((rs.predict(ds.X) == s.predict(ds.X)).all())
    True
    """

    # fitted attributes (set by fit)
    estimator_: Any
    teacher_: Any
    task_: str
    classes_: np.ndarray | None
    encoder_: TabularEncoder
    column_map_: list[dict[str, Any]]
    fidelity_: Fidelity
    n_augmented_: int
    leaf_scores_: np.ndarray
    n_features_in_: int
    feature_names_in_: np.ndarray
    depth_: int
    n_leaves_: int

    _parameter_constraints: ClassVar[dict] = {
        "max_depth": [Interval(Integral, 1, None, closed="left"), None],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left"), None],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left"), Interval(Real, 0, 1, closed="neither")],
        "target": [StrOptions({"decision", "proba"})],
        "augment": [StrOptions(set(AUGMENTATIONS))],
        "n_augment": [Interval(Integral, 0, None, closed="left"), None],
        "jitter": [Interval(Real, 0, None, closed="neither")],
        "holdout": [Interval(Real, 0, 1, closed="left")],
        "search": [StrOptions({"greedy", "lookahead", "auto"})],
        "n_thresholds": [Interval(Integral, 1, None, closed="left")],
        "beam": [Interval(Integral, 1, None, closed="left")],
        "target_fidelity": [Interval(Real, 0, 1, closed="right"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, *, max_depth: int | None = 4, max_leaf_nodes: int | None = None,
                 min_samples_leaf: int | float = 1, target: str = "decision", augment: str = "none", n_augment: int | None = None,
                 jitter: float = 0.02, holdout: float = 0.2, search: str = "auto", n_thresholds: int = 8,
                 beam: int = 1, target_fidelity: float | None = None, random_state=0):
        self.max_depth = max_depth
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.target = target
        self.augment = augment
        self.n_augment = n_augment
        self.jitter = jitter
        self.holdout = holdout
        self.search = search
        self.n_thresholds = n_thresholds
        self.beam = beam
        self.target_fidelity = target_fidelity
        self.random_state = random_state

    # ------------------------------------------------------------------ teacher
    def _teacher_outputs(self, teacher: Any, df: pd.DataFrame) -> tuple[np.ndarray | None, np.ndarray]:
        """(class index per row or None, score per row): the teacher's decision and its
        positive-class probability (binary), class probabilities (multiclass) or prediction."""
        if self.task_ == "regression":
            return None, np.asarray(teacher.predict(df), dtype=float).reshape(-1)
        if _decides_from_scores(teacher):  # one pass: decisions and probabilities from the same scores
            d = np.asarray(teacher.decision_function(df), dtype=float)
            proba = type(teacher)._proba_from_decision(d)
            idx = (d > 0).astype(int) if d.ndim == 1 else d.argmax(axis=1)
            return idx, (proba[:, 1] if self.task_ == "binary" else proba)
        pred = np.asarray(teacher.predict(df)).reshape(-1)
        idx = pd.Index(self.classes_).get_indexer(pred)
        if (idx < 0).any():
            raise ValueError(f"The teacher predicted labels outside its classes_ {list(self.classes_)}.")
        proba = np.asarray(teacher.predict_proba(df), dtype=float)
        return idx, (proba[:, 1] if self.task_ == "binary" else proba)

    # ------------------------------------------------------------------ fit
    def fit(self, teacher: Any, X, y=None) -> SurrogateTree:
        """Distil ``teacher`` on the rows of ``X`` (a raw DataFrame; categoricals and NaN
        allowed). ``y`` is ignored: the tree learns the teacher, not the labels."""

        self._validate_params()
        if not hasattr(teacher, "predict"):
            raise TypeError(f"teacher must be a fitted model with predict(); got {type(teacher).__name__}.")
        if hasattr(teacher, "fit"):
            check_is_fitted(teacher)
        df = _teacher_columns(teacher, check_frame(X, min_rows=2))
        for k in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, k)
        classes = getattr(teacher, "classes_", None)
        self.teacher_ = teacher
        self.classes_ = None if classes is None else np.asarray(classes)
        self.task_ = "regression" if classes is None else ("binary" if len(classes) == 2 else "multiclass")
        self.n_features_in_ = df.shape[1]
        self.feature_names_in_ = np.array(df.columns, dtype=object)

        rng = np.random.default_rng(self._seed())
        n_hold = int(round(self.holdout * len(df)))
        n_hold = n_hold if 0 < n_hold < len(df) else 0
        perm = rng.permutation(len(df))
        fit_df = df.iloc[np.sort(perm[n_hold:])].reset_index(drop=True)
        hold_df = df.iloc[np.sort(perm[:n_hold])].reset_index(drop=True)
        categorical = getattr(getattr(teacher, "encoder_", None), "categorical", None)
        self.encoder_ = TabularEncoder(categorical=categorical).fit(fit_df)
        self.column_map_ = dense_column_map(self.encoder_.dense_columns())

        schema = getattr(getattr(teacher, "encoder_", None), "schema_", None)
        if schema is not None:  # the user's rows, all of them, once: range warnings as at predict
            checked = check_predict_frame(df, schema)
            if callable(getattr(teacher.encoder_, "check_levels", None)):  # unseen categories, said once too
                teacher.encoder_.check_levels(checked)
        else:  # a teacher without a schema (a wrapped model) checks them itself, once
            teacher.predict(df)
        with quiet_range():  # later readings of those rows, split or augmented, are the library's
            n_aug = self.n_augment if self.n_augment is not None else min(10 * len(fit_df), 100_000)
            n_aug = 0 if self.augment == "none" else n_aug
            extra = None if n_aug == 0 else augment_rows(self.augment, fit_df, self.encoder_, n_aug, rng, self.jitter)
            rows = fit_df if extra is None else pd.concat([fit_df, extra], ignore_index=True)
            self.n_augmented_ = int(n_aug)
            labels, scores = self._teacher_outputs(teacher, rows)  # one pass over all rows
            Z = self._matrix(rows)
            if self.task_ != "regression" and self.target == "decision" and len(np.unique(labels)) < 2:
                only = self.classes_[labels[0]]
                raise ValueError(
                    f"The teacher predicts a single class ({getattr(only, 'item', lambda: only)()!r}) on every row of X; "
                    "there is no decision to distil. Pass rows on which its decisions differ, or use "
                    "target='proba' to distil its probabilities."
                )
            # binarised fit rows and the auto search's inner split, kept across the depths of
            # target_fidelity (both are the same for every depth)
            self._binarized, self._inner = {}, None
            if self.target_fidelity is None:
                self._fit_tree(Z, labels, scores, self.max_depth)
                if n_hold:
                    self.fidelity_ = self.fidelity(hold_df, rows="held-out")
                else:  # the fit rows lead ``rows``: their teacher outputs are already known
                    n = len(fit_df)
                    self.fidelity_ = self._fidelity_of(Z[:n], None if labels is None else labels[:n], scores[:n],
                                                       "training")
            else:
                if not n_hold:
                    raise ValueError("target_fidelity is measured on held-out rows: set holdout > 0 "
                                     f"(got holdout={self.holdout} on {len(df)} rows).")
                if self.max_depth is None:
                    raise ValueError("target_fidelity needs an integer max_depth (the deepest tree to try).")
                hold = (self._matrix(hold_df), *self._teacher_outputs(teacher, hold_df))
                self._fit_to_target(Z, labels, scores, hold)
            self._binarized, self._inner = {}, None
        self.depth_, self.n_leaves_ = int(self.estimator_.get_depth()), int(self.estimator_.get_n_leaves())
        return self

    def _fit_tree(self, Z: np.ndarray, labels: np.ndarray | None, scores: np.ndarray, depth: int | None) -> None:
        """Fit ``estimator_`` of depth <= ``depth`` and ``leaf_scores_``: greedy, lookahead,
        or (``search="auto"``) the one of the two that follows the teacher better on an
        inner validation share of the fit rows, refitted on all of them (keeping the inner
        fit instead saved up to 0.5 s, but at depth 5 lost agreement on 4 of 10 confirm
        data sets, by up to .023, so the refit stays)."""
        search = self.search
        if search == "auto":
            search, self.search_scores_ = self._pick_search(Z, labels, scores, depth)
            if search == "greedy" and hasattr(self, "binarizer_"):
                del self.binarizer_  # the inner fit's; the kept tree is CART's
        self.search_ = search
        self._fit_one(Z, labels, scores, depth, search)
        self._set_leaf_scores(Z, scores)

    def _pick_search(self, Z: np.ndarray, labels: np.ndarray | None, scores: np.ndarray,
                     depth: int | None) -> tuple[str, dict[str, float]]:
        """Greedy and lookahead fitted on 80% of the fit rows (real and augmented), scored on
        the other 20% (agreement with the teacher's decisions; r2 for regressors); ties go to
        greedy. The surrogate's held-out rows are never read here."""
        n_val = len(Z) // 5
        if n_val < 5:
            return "greedy", {}
        if self._inner is None or self._inner[0] is not Z:
            perm = np.random.default_rng(self._seed()).permutation(len(Z))
            val, fit = np.sort(perm[:n_val]), np.sort(perm[n_val:])
            self._inner = (Z, fit, val, Z[fit], Z[val])
        _, fit, val, Z_fit, Z_val = self._inner
        sub = None if labels is None else labels[fit]
        if sub is not None and len(np.unique(sub)) < 2:
            return "greedy", {}
        out = {}
        for search in ("greedy", "lookahead"):
            self._fit_one(Z_fit, sub, scores[fit], depth, search)
            pred = self._tree_predict(Z_val)
            out[search] = float(r2_score(scores[val], pred)) if labels is None else float(
                np.mean(pred.astype(int) == labels[val]))
        return ("lookahead" if out["lookahead"] > out["greedy"] else "greedy"), out

    def _fit_one(self, Z: np.ndarray, labels: np.ndarray | None, scores: np.ndarray, depth: int | None,
                 search: str) -> None:
        from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

        regression = self.task_ == "regression"
        if search == "lookahead":
            P = None if regression or self.target == "decision" else (
                np.column_stack([1.0 - scores, scores]) if scores.ndim == 1 else scores)
            if regression:
                stats = np.column_stack([np.ones(len(Z)), scores, scores**2])
            else:
                stats = np.eye(len(self.classes_))[labels] if P is None else P
            cached = self._binarized.get(id(Z))  # the entry holds Z, so its id is not reused
            if cached is None:
                binary = [m["kind"] != "numeric" for m in self.column_map_]
                by = None if regression else (labels if P is None else P.argmax(1))
                b = Binarizer(self.n_thresholds).fit(Z, binary, labels=by)
                cached = self._binarized[id(Z)] = (Z, b, b.transform(Z))
            _, b, L = cached
            self.binarizer_ = b
            leaf = self.min_samples_leaf
            leaf = leaf if isinstance(leaf, Integral) else int(np.ceil(leaf * len(Z)))
            res = search_tree(L, stats, 64 if depth is None else depth, min_leaf=leaf, beam=self.beam,
                              regression=regression)
            self.estimator_ = build_sklearn_tree(res, b, Z.shape[1], None if regression else len(self.classes_))
        else:
            kw = dict(max_depth=depth, max_leaf_nodes=self.max_leaf_nodes,
                      min_samples_leaf=self.min_samples_leaf, random_state=self._seed())
            if regression:
                self.estimator_ = DecisionTreeRegressor(**kw).fit(Z, scores)
            elif self.target == "decision":
                self.estimator_ = DecisionTreeClassifier(**kw).fit(Z, labels)
            else:  # one weighted copy of the rows per class
                P = np.column_stack([1.0 - scores, scores]) if scores.ndim == 1 else scores
                k = P.shape[1]
                self.estimator_ = DecisionTreeClassifier(**kw).fit(
                    np.tile(Z, (k, 1)), np.repeat(np.arange(k), len(Z)), sample_weight=P.T.reshape(-1))

    def _set_leaf_scores(self, Z: np.ndarray, scores: np.ndarray) -> None:
        leaves = tree_leaves(self.estimator_.tree_, Z)
        width = scores.shape[1] if scores.ndim == 2 else None
        count = np.bincount(leaves, minlength=self.estimator_.tree_.node_count).astype(float)
        total = np.zeros((len(count), width) if width else len(count))
        np.add.at(total, leaves, scores)
        self.leaf_scores_ = total / np.maximum(count, 1.0)[:, None] if width else total / np.maximum(count, 1.0)

    def _fit_to_target(self, Z: np.ndarray, labels: np.ndarray | None, scores: np.ndarray,
                       hold: tuple[np.ndarray, np.ndarray | None, np.ndarray]) -> None:
        """Depths 1..max_depth in turn; the first tree whose held-out figure reaches
        ``target_fidelity`` is pruned while it still does; otherwise the best tree, with a
        warning. Every depth tried is a row of ``details["by_depth"]``: its figure on the
        fit rows (real and augmented) next to the held-out one, so a curve that flattens
        while the fit figure still climbs shows that depth is not what is missing."""
        from .search import prune_sequence

        name = "r2" if self.task_ == "regression" else "agreement"
        target, best, curve = float(self.target_fidelity), None, []
        for depth in range(1, int(self.max_depth) + 1):
            self._fit_tree(Z, labels, scores, depth)
            f = self._fidelity_of(*hold, "held-out")
            mine = self._tree_predict(Z)
            curve.append({"max_depth": depth, "depth": int(self.estimator_.get_depth()),
                          "n_leaves": int(self.estimator_.get_n_leaves()),
                          f"fit_{name}": float(r2_score(scores, mine)) if labels is None else float(
                              np.mean(mine.astype(int) == labels)),
                          name: f[name], **({} if labels is None else {
                              "agreement_low": f["agreement_low"], "agreement_high": f["agreement_high"]})})
            if best is None or f[name] > best[0][name]:
                best = (f, self.estimator_, self.leaf_scores_)
            if f[name] >= target:
                break
        f, self.estimator_, self.leaf_scores_ = best
        reached = bool(f[name] >= target)
        if reached:  # prune on the fit rows, smallest tree first, while the target holds
            full = (self.estimator_, self.leaf_scores_, f)
            for pruned in reversed(prune_sequence(self.estimator_)):
                self.estimator_ = pruned
                self._set_leaf_scores(Z, scores)
                g = self._fidelity_of(*hold, "held-out")
                if g[name] >= target:
                    f = g
                    break
            else:
                self.estimator_, self.leaf_scores_, f = full
        else:
            peak, last = max(curve, key=lambda r: r[name]), curve[-1]
            advice = ("raise max_depth, add rows or augmentation, or lower target_fidelity" if peak is last else
                      f"it peaked at max_depth {peak['max_depth']}, while the fit rows' {name} climbed on to "
                      f"{last[f'fit_{name}']:.4f} at max_depth {last['max_depth']}: deeper trees follow the fit "
                      "rows, not the held-out ones, so lower target_fidelity (or try another augmentation)")
            warnings.warn(f"No surrogate tree of depth <= {self.max_depth} reaches held-out {name} {target:g}; "
                          f"the best, depth {self.estimator_.get_depth()} with {self.estimator_.get_n_leaves()} "
                          f"leaves, reaches {f[name]:.4f} (kept); {advice}. The figure at every depth: "
                          "fidelity_.details['by_depth'].", UserWarning, stacklevel=3)
        self.fidelity_ = f.with_figures(target_fidelity=target, target_reached=reached)
        self.fidelity_.details["by_depth"] = pd.DataFrame(curve)

    def _seed(self) -> int | None:
        rs = self.random_state
        if rs is None or isinstance(rs, Integral):
            return rs
        return int(rs.randint(0, 2**31 - 1))  # a RandomState

    def _matrix(self, X) -> np.ndarray:
        df = check_predict_frame(X, self.encoder_.schema_)
        return self.encoder_.design_matrix(df, raw_numeric=True)

    # ------------------------------------------------------------------ predict
    def _tree_proba(self, Z: np.ndarray) -> np.ndarray:
        """The tree's class shares (or prediction) in each row's leaf, its splits compared
        in float64 as :meth:`to_ruleset` compares them (:func:`tree_leaves`)."""
        v = np.asarray(self.estimator_.tree_.value[tree_leaves(self.estimator_.tree_, Z)][:, 0], dtype=float)
        return v if self.task_ == "regression" else v / np.maximum(v.sum(1, keepdims=True), 1e-300)

    def _tree_predict(self, Z: np.ndarray) -> np.ndarray:
        v = self._tree_proba(Z)
        return v[:, 0] if self.task_ == "regression" else self.estimator_.classes_.take(v.argmax(1))

    def predict(self, X) -> np.ndarray:
        """The tree's decisions in the teacher's labels (classifiers) or its predictions."""
        check_is_fitted(self, "estimator_")
        out = self._tree_predict(self._matrix(X))
        return out if self.task_ == "regression" else self.classes_[out.astype(int)]

    def predict_proba(self, X) -> np.ndarray:
        """Share of the teacher's decisions per class in the row's leaf, (n, n_classes)."""
        check_is_fitted(self, "estimator_")
        if self.task_ == "regression":
            raise AttributeError("predict_proba is not available for a surrogate of a regressor.")
        p = self._tree_proba(self._matrix(X))
        out = np.zeros((len(p), len(self.classes_)))
        out[:, self.estimator_.classes_.astype(int)] = p
        return out

    def decision_function(self, X) -> np.ndarray:
        """Binary: the leaf log-odds ``logit(p)``, ``p`` clipped to [1e-12, 1 - 1e-12] (exactly
        the score of :meth:`to_ruleset`); regression: the prediction."""
        if self.task_ == "regression":
            return self.predict(X)
        if self.task_ != "binary":
            raise AttributeError("decision_function is defined for binary and regression teachers.")
        t = self.estimator_.tree_
        logit = np.zeros(t.node_count)
        for leaf in np.flatnonzero(t.children_left == -1):  # per leaf, exactly as the rule set
            logit[leaf] = leaf_log_odds(np.asarray(t.value[leaf][0], dtype=float))[0]
        return logit[tree_leaves(t, self._matrix(X))]

    # ------------------------------------------------------------------ fidelity
    def fidelity(self, X, teacher: Any = None, *, rows: str = "given") -> Fidelity:
        """How closely the tree follows the teacher on the rows of ``X`` (named ``rows``).

        Returns
        -------
        Fidelity
            ``compared`` "surrogate tree vs teacher decisions" (classifiers) or "...
            predictions" (regression); ``n_rows``; figures ``agreement``: share of rows where
            tree and teacher decide the same (classifiers; ``None`` for regression), its 95%
            Wilson interval ``agreement_low``/``agreement_high`` (``None`` for regression) and
            ``r2``: share of the variance of the teacher's score (positive-class
            probability, class probabilities, or prediction) explained by the tree's leaf
            means; ``details["per_leaf"]``: DataFrame with one row per leaf (``leaf``,
            ``rule``, ``n``, ``share``, ``prediction``, ``agreement``, ``teacher_score``,
            ``tree_score``), leaves in rule order.
        """
        check_is_fitted(self, "estimator_")
        teacher = self.teacher_ if teacher is None else teacher
        df = check_predict_frame(X, self.encoder_.schema_)
        if len(df) == 0:
            raise ValueError("fidelity needs at least one row of X.")
        labels, scores = self._teacher_outputs(teacher, df)
        return self._fidelity_of(self._matrix(df), labels, scores, rows)

    def _fidelity_of(self, Z: np.ndarray, labels: np.ndarray | None, scores: np.ndarray, rows: str) -> Fidelity:
        """:meth:`fidelity` from the rows' tree matrix and the teacher's outputs on them."""
        n_rows = len(Z)
        leaves = tree_leaves(self.estimator_.tree_, Z)
        fitted = self.leaf_scores_[leaves]
        if self.task_ == "regression":
            mine, agree = self._tree_predict(Z), None
            r2 = float(r2_score(scores, mine))
            hit = np.full(n_rows, np.nan)
        else:
            mine = self._tree_predict(Z).astype(int)
            hit = (mine == labels).astype(float)
            agree = float(hit.mean())
            r2 = float(r2_score(scores, fitted)) if self.task_ == "binary" else float(
                r2_score(scores, fitted, multioutput="variance_weighted"))
        what = "predictions" if self.task_ == "regression" else "decisions"
        low, high = (None, None) if agree is None else wilson_interval(float(hit.sum()), n_rows)
        figures = {"agreement": agree, "agreement_low": low, "agreement_high": high, "r2": r2}
        return Fidelity(f"surrogate tree vs teacher {what}", rows, n_rows, figures,
                        details={"per_leaf": self._per_leaf(leaves, hit, scores)})

    def _per_leaf(self, leaves: np.ndarray, hit: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
        t = self.estimator_.tree_
        order = self._leaf_paths()
        rows = []
        for leaf, path in order.items():
            mask = leaves == leaf
            n = int(mask.sum())
            value = t.value[leaf][0]
            pred = float(value[0]) if self.task_ == "regression" else self.classes_[
                int(self.estimator_.classes_[int(np.argmax(value))])]
            tree_score = self.leaf_scores_[leaf]
            rows.append({
                "leaf": leaf, "rule": path, "n": n, "share": n / max(len(leaves), 1), "prediction": pred,
                "agreement": float(hit[mask].mean()) if n and self.task_ != "regression" else np.nan,
                "teacher_score": (scores[mask].mean(axis=0) if n else np.nan),
                "tree_score": tree_score,
            })
        return pd.DataFrame(rows)

    def _leaf_paths(self) -> dict[int, str]:
        """Leaf node -> the conditions of its path (``AND``), in the rule order of
        :meth:`to_ruleset` (depth first, left branch first)."""
        paths = leaf_paths(self.estimator_.tree_, self.column_map_)
        return {leaf: " AND ".join(c.to_text() for c in path) or "TRUE" for leaf, path in paths}

    # ------------------------------------------------------------------ exports
    def to_ruleset(self) -> RuleSet:
        """The tree as a :class:`~interpretable_nn.rules.RuleSet` (one rule per leaf, in raw
        names and units) whose ``decision_function``/``predict`` equal the tree's exactly;
        ``metadata["fidelity"]`` holds the held-out :class:`Fidelity` (without its per-leaf
        table)."""
        check_is_fitted(self, "estimator_")
        if self.task_ == "multiclass":
            raise ValueError("to_ruleset needs a binary or regression teacher; rule sets score two classes.")
        labels = [_column_label(m) for m in self.column_map_]
        f = self.fidelity_
        rs = RuleSet.from_sklearn_tree(
            self.estimator_, feature_names=labels,
            classes=None if self.task_ == "regression" else tuple(self.classes_),
            column_map=dict(enumerate(self.column_map_)),
        )
        meta = {**rs.metadata, "source": "SurrogateTree", "teacher": type(self.teacher_).__name__,
                "fidelity": Fidelity(f.compared, f.rows, f.n_rows, dict(f.figures))}
        days = self.encoder_.schema_.converted(rs.features_used)
        if days:  # dates and durations: thresholds in days (the exports ask how they are stored)
            meta["converted_from"] = days
            if whole := self.encoder_.schema_.whole_days(rs.features_used):  # dates without a time: words name days
                meta["whole_days"] = whole
        return RuleSet(rs.rules, intercept=rs.intercept, link=rs.link, classes=rs.classes,
                       feature_names=list(self.encoder_.schema_.names), metadata=meta)

    def _header(self) -> str:
        f = self.fidelity_
        figs = [f"agreement {f['agreement']:.4f}"] if f["agreement"] is not None else []
        if f.get("agreement_low") is not None:
            figs[-1] += f" (95% CI {f['agreement_low']:.4f}-{f['agreement_high']:.4f})"
        figs.append(f"R2 {f['r2']:.4f}")
        return (f"Surrogate tree of {type(self.teacher_).__name__} (depth {self.estimator_.get_depth()}, "
                f"{self.estimator_.get_n_leaves()} leaves); fidelity on {f.n_rows} {f.rows} rows: "
                + ", ".join(figs))

    def _leaf_text(self, leaf: int, per_leaf: pd.DataFrame) -> list[str]:
        row = per_leaf.set_index("leaf").loc[leaf]
        value = self.estimator_.tree_.value[leaf][0]
        n_fit = int(self.estimator_.tree_.n_node_samples[leaf])
        if self.task_ == "regression":
            head = f"predict {format_number(float(value[0]))}"
        else:
            k = int(np.argmax(value))
            head = f"{row['prediction']} (p={value[k]:.3f})"
        on = self.fidelity_.rows
        fid = "" if np.isnan(row["agreement"]) else f"fidelity {row['agreement']:.3f} ({int(row['n'])} {on} rows)"
        return [head, f"n={n_fit} fit rows", fid]

    def to_text(self) -> str:
        """The tree as indented text in raw names and units: every branch's condition, every
        leaf's decision with its probability, fit rows and held-out leaf fidelity."""
        check_is_fitted(self, "estimator_")
        t = self.estimator_.tree_
        br = _branches(self.estimator_, self.column_map_)
        per_leaf = self.fidelity_.details["per_leaf"]
        lines = [self._header()]
        stack = [(0, 0, None)]
        while stack:
            node, depth, cond = stack.pop()
            pad = "|   " * max(depth - 1, 0) + ("|--- " if depth else "")
            if cond is not None:
                lines.append(pad + cond.to_text())
            if t.children_left[node] == -1:
                parts = [p for p in self._leaf_text(node, per_leaf) if p]
                lines.append("|   " * depth + "|--- " + parts[0] + " [" + "; ".join(parts[1:]) + "]")
                continue
            left, right = br[node]
            stack.append((int(t.children_right[node]), depth + 1, right))
            stack.append((int(t.children_left[node]), depth + 1, left))
        return "\n".join(lines) + "\n"

    def to_pmml(self) -> str:
        """The tree as a PMML 4.4 ``TreeModel`` in raw names and units: output ``score``
        equals :meth:`decision_function` (leaf log-odds; regression: the prediction) and,
        binary, ``probability`` its logistic; see
        :func:`~interpretable_nn.rules.export_pmml.tree_to_pmml`."""
        from ..rules.export_pmml import tree_to_pmml

        check_is_fitted(self, "estimator_")
        if self.task_ == "multiclass":
            raise ValueError("to_pmml needs a binary or regression teacher; the PMML tree scores one number.")
        t = self.estimator_.tree_
        leaves = np.flatnonzero(t.children_left == -1)
        score = np.zeros(t.node_count)
        for leaf in leaves:
            v = np.asarray(t.value[leaf][0], dtype=float)
            score[leaf] = v[0] if self.task_ == "regression" else leaf_log_odds(v)[0]
        types = {f.name: "double" for f in self.encoder_.schema_.numeric}
        return tree_to_pmml(t.children_left, t.children_right, _branches(self.estimator_, self.column_map_),
                            score, "identity" if self.task_ == "regression" else "logit", field_types=types)

    def to_graphviz(self) -> graphviz.Digraph:
        """A ``graphviz.Digraph`` of the tree: split boxes in raw names and units (with the
        branch missing values take), leaves coloured by class (shade = purity; regression:
        by value) with their held-out fidelity. ``.source`` is the DOT text (no ``dot``
        binary needed); ``.render()`` / ``.pipe()`` draw it where Graphviz is installed."""
        import graphviz

        check_is_fitted(self, "estimator_")
        t = self.estimator_.tree_
        per_leaf = self.fidelity_.details["per_leaf"]
        br = _branches(self.estimator_, self.column_map_)

        def esc(text: str) -> str:
            return text.replace("\\", "\\\\").replace("\n", " ").replace("\r", " ")

        g = graphviz.Digraph("surrogate", graph_attr={"label": esc(self._header()), "labelloc": "t"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica",
                                        "fillcolor": "white"})
        values = t.value[:, 0, 0] if self.task_ == "regression" else None
        lo, hi = (float(values.min()), float(values.max())) if values is not None else (0.0, 1.0)
        for node in range(t.node_count):
            if t.children_left[node] != -1:
                left, right = br[node]
                test = right if right.op in ("==", "is_missing") else left
                text = esc(Condition(test.feature, test.op, test.value).to_text())
                if test.op in ("<=", ">"):
                    text += "\\n(missing: " + ("yes" if test.if_missing else "no") + ")"
                g.node(str(node), graphviz.nohtml(text))
                kids = (int(t.children_left[node]), int(t.children_right[node]))
                yes, no = kids[::-1] if test is right else kids
                g.edge(str(node), str(yes), "yes")
                g.edge(str(node), str(no), "no")
                continue
            parts = [esc(p) for p in self._leaf_text(node, per_leaf) if p]
            value = t.value[node][0]
            if self.task_ == "regression":
                shade = 0.15 + 0.85 * ((float(value[0]) - lo) / (hi - lo) if hi > lo else 1.0)
                colour = _PALETTE[0]
            else:
                k = int(np.argmax(value))
                floor = 1.0 / len(value)
                shade = 0.15 + 0.85 * ((float(value[k]) - floor) / (1.0 - floor) if floor < 1 else 1.0)
                colour = _PALETTE[int(self.estimator_.classes_[k]) % len(_PALETTE)]
            g.node(str(node), graphviz.nohtml("\\n".join(parts)), fillcolor=f"{colour}{int(255 * shade):02x}")
        return g

"""From data to a rule network's literals and from the trained network back to rules: the
two halves of :class:`~interpretable_nn.models.rulenet.RuleNetClassifier` that are not
training.

Literals (:func:`build_literals`): thresholds at class-balanced training quantiles
(:func:`balanced_cuts`), is-missing flags and category equalities, in encoded units.

Extraction (:func:`extract_ruleset`): every literal becomes a
:class:`~interpretable_nn.rules.Condition` in raw units (thresholds snapped between
adjacent distinct training values, :func:`nice_between`, so each condition selects exactly
the training rows its literal selected); conjunctions are simplified (:func:`simplify`);
dead, constant and duplicate rules are pruned (of rules selecting the same training rows
the most general is kept); stability selection over L1 logistic paths on half-samples
(:func:`stable_select`) keeps at most ``max_rules`` of them; conditions the others subsume
on the training rows are dropped (:func:`drop_redundant`); a logistic regression on the
discrete rule activations refits the points (:func:`refit_points`).

Linear terms (``linear=True``, RuleFit's): every numeric column with at least 3 distinct
training values, winsorized at its :data:`LINEAR_TRIM` and ``1 - LINEAR_TRIM`` training
quantiles (missing values at the training median) and standardized
(:func:`linear_candidates`), competes with the rules for the same ``max_rules`` budget in the
stability selection, and is refitted with them; the chosen ones become
:class:`~interpretable_nn.rules.conditions.LinearTerm` objects in raw units.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch

from ..attribution.fidelity import Fidelity
from ..data.encoding import MISSING_CODE, N_RESERVED, EncodedData, TabularEncoder
from ..nn.logic import RuleNetwork
from ..rules import Condition, Rule, RuleSet
from ..rules.conditions import LinearTerm
from ..rules.export_json import MAX_ABS_NUMBER

__all__ = [
    "balanced_cuts",
    "build_literals",
    "nice_between",
    "literal_conditions",
    "simplify",
    "drop_redundant",
    "select_rules",
    "stable_select",
    "refit_points",
    "choose_refit_c",
    "linear_candidates",
    "extract_ruleset",
]

#: the share of training values a linear term clips at each end (RuleFit's ``lin_trim_quantile``)
LINEAR_TRIM = 0.025
#: a column whose clipped values spread less than this gets no linear term: its points per
#: unit (weight / spread) could overflow (a column of subnormal numbers, found by the fuzz test)
MIN_LINEAR_SD = 1e-150


# ---------------------------------------------------------------------- literals
def balanced_cuts(z: np.ndarray, y: np.ndarray, w: np.ndarray, n_thresholds: int) -> np.ndarray:
    """At most ``n_thresholds`` cut points of the values ``z``, each midway between two
    adjacent distinct values, at evenly spaced quantiles of the class-balanced distribution
    (each class carries half the weight ``w``): where the rarer class lives gets as many
    candidate thresholds as where the common one does."""
    u = np.unique(z)
    if len(u) < 2:
        return np.zeros(0)
    if len(u) <= n_thresholds + 1:
        return (u[:-1] + u[1:]) / 2
    cw = np.zeros(len(z))
    for c in np.unique(y):  # each class carries half the mass (all of it if y is constant)
        cw[y == c] = w[y == c] / max(w[y == c].sum(), 1e-300)
    o = np.argsort(z, kind="stable")
    cum = np.cumsum(cw[o])
    levels = np.linspace(0, cum[-1], n_thresholds + 2)[1:-1]
    pick = z[o][np.minimum(np.searchsorted(cum, levels), len(z) - 1)]
    lo = np.unique(np.clip(np.searchsorted(u, pick), 0, len(u) - 2))
    return (u[lo] + u[lo + 1]) / 2


def build_literals(encoder: TabularEncoder, enc: EncodedData, n_thresholds: int,
                   y: np.ndarray, sample_weight: np.ndarray | None = None) -> list[dict]:
    """The network's literals: ``gt`` (``z > value`` on numeric column ``column``, value in
    standardized units), ``missing`` (numeric column is missing) and ``eq`` (categorical
    column has code ``value``; code 0 is the missing level). Thresholds sit midway between
    adjacent distinct training values at class-balanced quantiles (:func:`balanced_cuts`),
    so they never coincide with a training value. The order (all ``gt``, then ``missing``,
    then ``eq``) is the :class:`Binarizer`'s column order."""
    lits: list[dict] = []
    flags: list[dict] = []
    y = np.asarray(y)
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    for j, spec in enumerate(encoder.schema_.numeric):
        present = enc.missing[:, j] == 0
        z = enc.numeric[present, j].astype(np.float64)
        cuts = np.unique(balanced_cuts(z, y[present], w[present], n_thresholds).astype(np.float32))
        lits += [{"kind": "gt", "feature": spec.name, "column": j, "value": float(t)} for t in cuts]
        if spec.has_missing:
            flags.append({"kind": "missing", "feature": spec.name, "column": j, "value": 0.0})
    for j, spec in enumerate(encoder.schema_.categorical):
        levels = list(spec.categories)
        if len(levels) == 2 and not spec.has_missing:
            levels = levels[:1]  # the other level is this literal's negation
        flags += [{"kind": "eq", "feature": spec.name, "column": j, "value": N_RESERVED + k, "level": lv}
                 for k, lv in enumerate(levels)]
        if spec.has_missing:
            flags.append({"kind": "eq", "feature": spec.name, "column": j, "value": MISSING_CODE, "level": None})
    return lits + flags


def check_threshold_range(encoder: TabularEncoder) -> None:
    """Refuse, before training, a numeric column with values beyond ``±MAX_ABS_NUMBER / 2``
    (``5e299``): a threshold between or beyond them could not be written in a rule set's JSON
    (numbers up to ``±1e300``), so the fitted model could be saved but not loaded."""
    limit = MAX_ABS_NUMBER / 2
    for f in encoder.schema_.numeric:
        big = max(abs(f.min or 0.0), abs(f.max or 0.0))
        if big > limit:
            raise ValueError(
                f"Column {f.name!r} holds values up to {big:.3g} in magnitude; a rule set's thresholds "
                f"are limited to ±{MAX_ABS_NUMBER:g} (RuleSet JSON), so RuleNetClassifier needs values "
                f"within ±{limit:g}: rescale the column (e.g. divide it by 1e10) or drop it."
            )


def nice_between(lo: float | None, hi: float | None) -> float:
    """A short decimal ``t`` with ``lo < t < hi`` (preferably in the middle half), so that
    ``x > t`` splits the training values exactly where ``x >= hi`` does."""
    if lo is None and hi is None:
        return 0.0
    if lo is None:
        lo = hi - max(abs(hi), 1.0)
    elif hi is None:
        hi = lo + max(abs(lo), 1.0)
    mid = lo + (hi - lo) / 2
    if not np.isfinite(mid):  # hi - lo beyond float64
        mid = lo / 2 + hi / 2
    for strict in (True, False):
        a, b = (lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo)) if strict else (lo, hi)
        for digits in range(1, 18):
            t = float(f"{mid:.{digits}g}")
            if a <= t <= b and lo < t < hi:
                return t
    return mid if lo < mid < hi else float(lo)


def literal_conditions(literals: list[dict], schema, df: pd.DataFrame,
                       hard: np.ndarray) -> tuple[list[Condition], list[Condition]]:
    """Each literal and its negation as raw-unit conditions that select exactly the training
    rows the network's literal (column ``k`` of ``hard``) selects. A negation holds on
    missing values when the feature had missing values in training (as in the network);
    otherwise the condition is written without the ``OR missing`` clause."""
    pos, neg = [], []
    for k, lit in enumerate(literals):
        f = lit["feature"]
        missing_seen = schema[f].has_missing
        if lit["kind"] == "gt":
            raw = df[f].to_numpy(dtype=float)
            present = ~np.isnan(raw)
            below, above = raw[present & ~hard[:, k]], raw[present & hard[:, k]]
            t = nice_between(below.max() if len(below) else None, above.min() if len(above) else None)
            pos.append(Condition(f, ">", t))
            neg.append(Condition(f, "<=", t, if_missing=missing_seen))
        elif lit["kind"] == "missing" or lit["value"] == MISSING_CODE:
            pos.append(Condition(f, "is_missing", True))
            neg.append(Condition(f, "is_missing", False))
        else:
            pos.append(Condition(f, "==", lit["level"]))
            neg.append(Condition(f, "!=", lit["level"], if_missing=missing_seen))
    return pos, neg


def _missing_value(c: Condition) -> bool:
    return bool(c.value) if c.op == "is_missing" else c.if_missing


def simplify(conditions: list[Condition], order: dict[str, int]) -> tuple[Condition, ...] | None:
    """An equivalent, shorter conjunction (``None`` when it can never fire on a non-missing
    row nor on a missing one): per feature the tightest bounds ``lo < x <= hi``, one ``==``
    or the ``!=`` levels, and one shared ``if_missing`` flag (a missing value passes the
    conjunction only when it passes every condition on that feature)."""
    out: list[Condition] = []
    by_feature: dict[str, list[Condition]] = {}
    for c in conditions:
        by_feature.setdefault(c.feature, []).append(c)
    for f in sorted(by_feature, key=order.__getitem__):
        cs = by_feature[f]
        allow = all(_missing_value(c) for c in cs)
        lows = [c.value for c in cs if c.op == ">"]
        highs = [c.value for c in cs if c.op == "<="]
        eqs = list(dict.fromkeys(c.value for c in cs if c.op == "=="))
        neqs = list(dict.fromkeys(c.value for c in cs if c.op == "!="))
        lo, hi = (max(lows) if lows else None), (min(highs) if highs else None)
        never = (any(c.op == "is_missing" and c.value for c in cs) or len(eqs) > 1
                 or (eqs and eqs[0] in neqs) or (lo is not None and hi is not None and lo >= hi))
        if never:
            if not allow:
                return None
            out.append(Condition(f, "is_missing", True))
            continue
        kept: list[Condition] = []
        if eqs:
            kept.append(Condition(f, "==", eqs[0], if_missing=allow))
        kept += [Condition(f, "!=", v, if_missing=allow) for v in ([] if eqs else neqs)]
        if lo is not None:
            kept.append(Condition(f, ">", lo, if_missing=allow))
        if hi is not None:
            kept.append(Condition(f, "<=", hi, if_missing=allow))
        if not kept and not allow:
            kept.append(Condition(f, "is_missing", False))
        out += kept
    return tuple(out)


def drop_redundant(conds: tuple[Condition, ...], fires: np.ndarray, df: pd.DataFrame) -> tuple[Condition, ...]:
    """Remove, last first, each condition without which the rule still fires on exactly the
    same training rows (a condition subsumed by the others there)."""
    hits = {c: c.evaluate(df[c.feature]) for c in conds}
    kept = list(conds)
    for c in reversed(conds):
        rest = [d for d in kept if d is not c]
        if rest and np.array_equal(np.logical_and.reduce([hits[d] for d in rest]), fires):
            kept = rest
    return tuple(kept)


# ---------------------------------------------------------------------- extraction
def _l1_logistic(C: float):
    import sklearn
    from sklearn.linear_model import LogisticRegression

    major, minor = (int(v) for v in sklearn.__version__.split(".")[:2])
    if (major, minor) >= (1, 8):
        return LogisticRegression(l1_ratio=1.0, C=C, solver="liblinear", random_state=0)
    return LogisticRegression(penalty="l1", C=C, solver="liblinear", random_state=0)  # pragma: no cover


def select_rules(A: np.ndarray, y: np.ndarray, sw: np.ndarray | None, max_rules: int) -> np.ndarray:
    """Columns of the 0/1 activation matrix ``A`` kept by the L1 logistic path: the densest
    model with at most ``max_rules`` non-zero points on a log grid of C, refined by
    bisection between the last C within the budget and the first beyond it."""
    if A.shape[1] <= max_rules:
        return np.arange(A.shape[1])

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
                  subsamples: int, seed: int = 0) -> np.ndarray:
    """Stability selection: :func:`select_rules` on ``subsamples`` random halves of the rows;
    the at most ``max_rules`` columns picked most often (a pick on all rows counts half, so
    it breaks ties) and picked at least once, and by at least ``STABLE_MIN_SHARE`` of the
    half-samples. ``subsamples=0`` is :func:`select_rules`."""
    full = select_rules(A, y, sw, max_rules)
    if subsamples == 0 or A.shape[1] <= max_rules:
        return full
    rng = np.random.default_rng(seed)
    n = len(y)
    score = np.zeros(A.shape[1])
    score[full] = 0.5
    for _ in range(subsamples):
        rows = rng.choice(n, n // 2, replace=False)
        sub = A[rows]
        varies = np.flatnonzero(sub.min(axis=0) != sub.max(axis=0))
        if len(np.unique(y[rows])) < 2 or len(varies) == 0:
            continue
        picked = select_rules(sub[:, varies], y[rows], None if sw is None else sw[rows], max_rules)
        score[varies[picked]] += 1.0
    top = np.lexsort((np.arange(A.shape[1]), -score))[:max_rules]
    return np.sort(top[(score[top] > 0) & (score[top] >= STABLE_MIN_SHARE * subsamples)])


#: the inverse L2 strengths ``refit_c="auto"`` chooses from (by cross-validated log-loss)
REFIT_CS = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def choose_refit_c(A: np.ndarray, y: np.ndarray, sw: np.ndarray | None, seed: int = 0) -> float:
    """The inverse L2 strength in :data:`REFIT_CS` with the best 5-fold (stratified, seeded)
    log-loss of the logistic regression on the rule activations ``A``; 1.0 when a class has
    fewer than 2 rows or there is no rule. Weak signal gets strong shrinkage, strong signal
    little, instead of one strength for both."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import StratifiedKFold

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


def _snap(distinct: np.ndarray, q: float) -> float:
    """``q`` itself when it is a training value, else a short decimal between the two
    training values around it (:func:`nice_between`): the same training rows lie on each
    side, and a reviewer reads 4.5, not 4.46625."""
    k = int(np.searchsorted(distinct, q))
    if k < len(distinct) and distinct[k] == q or k == 0 or k == len(distinct):
        return float(q)
    return float(nice_between(float(distinct[k - 1]), float(distinct[k])))


def linear_candidates(df: pd.DataFrame, names: list[str]) -> tuple[list[dict], np.ndarray]:
    """The linear-term candidates of the numeric columns ``names`` of the training frame:
    one per column with at least 3 distinct values, as (facts, matrix). Each column is
    clipped to its :data:`LINEAR_TRIM` and ``1 - LINEAR_TRIM`` quantiles, its missing
    values set to its median (each written as a short decimal between the same training
    values, :func:`_snap`), then standardized (so one L1 penalty treats every candidate
    alike); ``facts`` holds ``feature, lo, hi, fill, mean, sd`` to write the chosen ones back
    in raw units. Scaled before squaring, so columns near 1e300 do not overflow."""
    facts, cols = [], []
    for name in names:
        x = pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        ok = x[~np.isnan(x)]
        distinct = np.unique(ok)
        if len(distinct) < 3:
            continue
        lo, hi = (_snap(distinct, q) for q in np.quantile(ok, [LINEAR_TRIM, 1 - LINEAR_TRIM]))
        fill = float(min(max(_snap(distinct, float(np.median(ok))), lo), hi))
        z = LinearTerm(name, 1.0, lo, hi, fill).values(df[name])  # the column as the term will read it
        scale = float(np.max(np.abs(z)))
        if not scale > 0:
            continue
        mean, sd = float(np.mean(z / scale)) * scale, float(np.std(z / scale)) * scale
        if not (MIN_LINEAR_SD <= sd < np.inf):  # points per unit = weight / sd must stay finite
            continue
        facts.append({"feature": name, "lo": lo, "hi": hi, "fill": fill, "mean": mean, "sd": sd})
        cols.append((z - mean) / sd)
    return facts, (np.column_stack(cols) if cols else np.zeros((len(df), 0)))


def extract_ruleset(module: RuleNetwork, literals: list[dict], encoder: TabularEncoder, enc: EncodedData,
                    df: pd.DataFrame, y: np.ndarray, sw: np.ndarray | None, classes: tuple,
                    max_rules: int, refit_c: float | str, subsamples: int = 0, seed: int = 0,
                    tol: float = 1e-3, extra: list[list[Condition]] | None = None,
                    linear: bool = False) -> tuple[RuleSet, dict]:
    """The trained network as a pruned, refitted :class:`RuleSet` in raw units, and facts
    about the extraction (candidates, pruned counts, network agreement, and network
    fidelity: share of training rows on which the rule set decides as the network did).
    ``extra``: more candidate conjunctions (raw-unit conditions, e.g. from
    :func:`~interpretable_nn.models.rulenet_trees.boosted_candidates`) that compete with the
    network's in the selection. ``linear``: the numeric columns' linear terms
    (:func:`linear_candidates`) compete too, for the same ``max_rules`` budget."""
    inputs = (torch.from_numpy(enc.numeric), torch.from_numpy(enc.missing), torch.from_numpy(enc.codes))
    with torch.no_grad():  # the hard network (its eval-mode forward), as the rules are read from it
        feats = module.features(*inputs, soft=False)[1]
        net_score = module.head(feats).reshape(-1).double().numpy()
        hard = feats.numpy() > 0.5
        mask = module.conj.mask().numpy()
        head = module.head.weight.detach().numpy().reshape(-1)
    p = len(literals)
    schema = encoder.schema_
    order = {name: i for i, name in enumerate(schema.names)}
    pos, neg = literal_conditions(literals, schema, df, hard[:, :p])
    cands: list[tuple[Condition, ...]] = [(c,) for c in pos]
    source = list(range(p))
    for r in range(mask.shape[0]):
        conds = simplify([pos[i] if i < p else neg[i - p] for i in np.flatnonzero(mask[r])], order)
        if conds is not None:
            cands.append(conds)
            source.append(p + r)
    n_net = len(cands)
    cands += [c for c in (simplify(list(e), order) for e in extra or []) if c]
    fired = RuleSet([Rule(c, 0.0) for c in cands]).fire_matrix(df)
    agreement = float((fired[:, :n_net] == hard[:, source]).mean()) if len(source) else 1.0
    support = fired.mean(axis=0)
    strength = np.concatenate([np.abs(head[source]), np.full(len(cands) - n_net, np.inf)])
    live = (support > 0) & (support < 1) & (strength > tol)
    seen: dict[bytes, int] = {}
    for i in sorted(np.flatnonzero(live), key=lambda i: (len(cands[i]), i)):
        seen.setdefault(np.packbits(fired[:, i]).tobytes(), i)
    keep = np.array(sorted(seen.values()), dtype=np.int64)
    A = fired[:, keep].astype(np.float64)
    facts, L = linear_candidates(df, list(encoder.numeric_names_)) if linear else ([], np.zeros((len(df), 0)))
    # the linear columns first: the selection breaks ties by position
    picked = stable_select(np.hstack([L, A]), y, sw, max_rules, subsamples, seed)
    lin = picked[picked < L.shape[1]]
    chosen = keep[picked[picked >= L.shape[1]] - L.shape[1]]
    for i in chosen:  # drop conditions the other conditions subsume on the training rows
        cands[i] = drop_redundant(cands[i], fired[:, i], df)
    A_chosen = np.hstack([fired[:, chosen].astype(np.float64), L[:, lin]])
    refit_c = choose_refit_c(A_chosen, y, sw, seed) if refit_c == "auto" else float(refit_c)
    points, intercept = refit_points(A_chosen, y, sw, refit_c)
    points, lin_points = points[: len(chosen)], points[len(chosen):]
    terms = []
    for j, w in zip(lin, lin_points):  # w * (v - mean) / sd in raw units: w / sd per unit
        if w == 0.0:
            continue
        f = facts[j]
        terms.append(LinearTerm(f["feature"], float(w) / f["sd"], f["lo"], f["hi"], f["fill"],
                                name=f"linear_{f['feature']}", mean=min(max(f["mean"], f["lo"]), f["hi"])))
        intercept -= float(w) * f["mean"] / f["sd"]
    terms.sort(key=lambda t: -abs(t.points) * (t.hi - t.lo))
    rules = []
    for i, w in zip(chosen, points):
        if w == 0.0:
            continue
        hit = fired[:, i]
        rules.append(Rule(cands[i], float(w), support=float(hit.mean()), precision=float(y[hit].mean())))
    rules.sort(key=lambda r: -abs(r.weight))
    rules = [Rule(r.conditions, r.weight, r.support, r.precision, name=f"rule_{k + 1}")
             for k, r in enumerate(rules)]
    rs = RuleSet(rules, intercept=intercept, link="logit", classes=classes, feature_names=schema.names,
                 linear=terms)
    network_fidelity = float(np.mean((net_score > 0) == (rs.decision_function(df) > 0)))
    rs.metadata.update(source="RuleNetClassifier", network_agreement=agreement, network_fidelity=network_fidelity)
    # the rule set's check is against the trained network (the model predicts through the
    # rule set, so comparing the two would always give 1.0)
    rs.metadata["fidelity"] = Fidelity("rule set vs trained network decisions", "training", len(df),
                                       {"agreement": network_fidelity})
    info = {
        "n_literals": p,
        "n_candidates": len(cands),
        "n_boosted_candidates": len(cands) - n_net,
        "n_linear_candidates": len(facts),
        "n_linear": len(terms),
        "refit_c": refit_c,
        "n_pruned_dead_or_constant": int(len(cands) - live.sum()),
        "n_pruned_duplicate": int(live.sum() - len(keep)),
        "network_agreement": agreement,
        "network_fidelity": network_fidelity,
    }
    return rs, info

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
(:func:`~interpretable_nn.models.rulenet_select.stable_select`) keeps at most ``max_rules``
of them; conditions the others subsume on the training rows are dropped
(:func:`drop_redundant`); a logistic regression on the discrete rule activations refits the
points (:func:`~interpretable_nn.models.rulenet_select.refit_points`). Boosted trees' rules
join the pool where held-out halves choose them
(:func:`~interpretable_nn.models.rulenet_select.choose_trees`).

Linear terms (``linear=True``, RuleFit's): every numeric column with at least 3 distinct
training values, winsorized at its :data:`LINEAR_TRIM` and ``1 - LINEAR_TRIM`` training
quantiles (missing values at the training median) and standardized
(:func:`linear_candidates`), competes with the rules for the same ``max_rules`` budget in the
stability selection, and is refitted with them; the chosen ones become
:class:`~interpretable_nn.rules.conditions.LinearTerm` objects in raw units.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from ..attribution.fidelity import Fidelity
from ..data.encoding import MISSING_CODE, N_RESERVED, EncodedData, TabularEncoder
from ..nn.logic import RuleNetwork
from ..rules import Condition, Rule, RuleSet
from ..rules.conditions import LinearTerm
from ..rules.export_json import MAX_ABS_NUMBER
from .rulenet_select import (
    choose_refit_c,
    choose_trees,
    first_per_pattern,
    pool_choice_halves,
    refit_points,
    stable_select,
)

__all__ = [
    "balanced_cuts",
    "build_literals",
    "nice_between",
    "literal_conditions",
    "simplify",
    "drop_redundant",
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


def _conjunctions(raw: list[list[Condition]], order: dict[str, int]) -> list[tuple[Condition, ...]]:
    """The simplified conjunctions of ``raw`` that can fire (:func:`simplify`)."""
    return [c for c in (simplify(list(e), order) for e in raw) if c]


class _Pool:
    """The candidates that enter the selection: of ``cands`` (fire matrix ``fired`` on the
    training rows, network strength ``strength``), those that fire on some but not all rows
    and whose strength exceeds ``tol`` (``live``), and of those firing on the same rows the
    shortest, then the first (``keep``). ``M``: the linear columns ``L``, then the kept
    candidates' activations (the selection breaks ties by position)."""

    def __init__(self, cands: list, fired: np.ndarray, strength: np.ndarray, tol: float, L: np.ndarray):
        self.cands, self.fired, self.strength, self.tol, self.L = cands, fired, strength, tol, L
        support = fired.mean(axis=0)
        self.live = (support > 0) & (support < 1) & (strength > tol)
        order = sorted(np.flatnonzero(self.live), key=lambda i: (len(cands[i]), i))
        self.patterns: set[bytes] = set()  # the rows each kept candidate fires on (packed)
        self.keep = np.array(sorted(first_per_pattern(fired, order, self.patterns)), dtype=np.int64)
        self.M = np.hstack([L, fired[:, self.keep].astype(np.float64)])

    def extended(self, more: list, df: pd.DataFrame) -> _Pool:
        """This pool with the conjunctions ``more`` (no network strength) appended."""
        fired = np.hstack([self.fired, RuleSet([Rule(c, 0.0) for c in more]).fire_matrix(df)])
        return _Pool([*self.cands, *more], fired, np.concatenate([self.strength, np.full(len(more), np.inf)]),
                     self.tol, self.L)


def _network_candidates(module: RuleNetwork, literals: list[dict], schema, enc: EncodedData, df: pd.DataFrame,
                        order: dict[str, int]) -> tuple[list, list[int], np.ndarray, np.ndarray, np.ndarray]:
    """The hard network's candidates: each literal, then each conjunction node that can fire
    (simplified), as raw-unit conditions; with ``source`` (the network feature each came
    from), the hard features, the network's score and its head weights."""
    inputs = (torch.from_numpy(enc.numeric), torch.from_numpy(enc.missing), torch.from_numpy(enc.codes))
    with torch.no_grad():  # the hard network (its eval-mode forward), as the rules are read from it
        feats = module.features(*inputs, soft=False)[1]
        net_score = module.head(feats).reshape(-1).double().numpy()
        hard = feats.numpy() > 0.5
        mask = module.conj.mask().numpy()
        head = module.head.weight.detach().numpy().reshape(-1)
    p = len(literals)
    pos, neg = literal_conditions(literals, schema, df, hard[:, :p])
    cands: list[tuple[Condition, ...]] = [(c,) for c in pos]
    source = list(range(p))
    for r in range(mask.shape[0]):
        conds = simplify([pos[i] if i < p else neg[i - p] for i in np.flatnonzero(mask[r])], order)
        if conds is not None:
            cands.append(conds)
            source.append(p + r)
    return cands, source, hard, net_score, head


def extract_ruleset(module: RuleNetwork, literals: list[dict], encoder: TabularEncoder, enc: EncodedData,
                    df: pd.DataFrame, y: np.ndarray, sw: np.ndarray | None, classes: tuple,
                    max_rules: int, refit_c: float | str, subsamples: int = 0, seed: int = 0,
                    tol: float = 1e-3, extra: list[list[Condition]] | None = None,
                    linear: bool = False, trees: Callable[[np.ndarray], list[list[Condition]]] | None = None,
                    choice_halves: int | None = None) -> tuple[RuleSet, dict]:
    """The trained network as a pruned, refitted :class:`RuleSet` in raw units, and facts
    about the extraction (candidates, pruned counts, network agreement, and network
    fidelity: share of training rows on which the rule set decides as the network did).
    ``extra``: more candidate conjunctions (raw-unit conditions, e.g. from
    :func:`~interpretable_nn.models.rulenet_trees.boosted_candidates`) that compete with the
    network's in the selection. ``linear``: the numeric columns' linear terms
    (:func:`linear_candidates`) compete too, for the same ``max_rules`` budget. ``trees``:
    candidate conjunctions fitted on given training rows (``rows -> conjunctions``, e.g. the
    boosted trees'). With ``choice_halves`` (default
    :data:`~interpretable_nn.models.rulenet_select.POOL_CHOICE_HALVES`) at 0 they join the
    pool like ``extra``; above 0 they join only where
    :func:`~interpretable_nn.models.rulenet_select.choose_trees` finds that they lower the
    held-out log-loss on that many of the stability selection's half-samples."""
    schema = encoder.schema_
    order = {name: i for i, name in enumerate(schema.names)}
    cands, source, hard, net_score, head = _network_candidates(module, literals, schema, enc, df, order)
    p = len(literals)
    n_net = len(cands)
    halves = pool_choice_halves() if choice_halves is None else int(choice_halves)
    if trees is not None and (halves <= 0 or subsamples <= 0):  # no choice: the trees' rules always join
        extra, trees = [*(extra or []), *trees(np.arange(len(df)))], None
    cands += _conjunctions(extra or [], order)
    fired = RuleSet([Rule(c, 0.0) for c in cands]).fire_matrix(df)
    agreement = float((fired[:, :n_net] == hard[:, source]).mean()) if len(source) else 1.0
    strength = np.concatenate([np.abs(head[source]), np.full(len(cands) - n_net, np.inf)])
    facts, L = linear_candidates(df, list(encoder.numeric_names_)) if linear else ([], np.zeros((len(df), 0)))
    sel = _Pool(cands, fired, strength, tol, L)
    record: list | None = [] if trees is not None else None
    picked = stable_select(sel.M, y, sw, max_rules, subsamples, seed, record=record)
    pool: dict = {}
    if trees is not None:
        join, pool = choose_trees(sel.M, record[:halves], sel.patterns, lambda rows: _conjunctions(trees(rows), order),
                                  df, y, sw, max_rules)
        if join:  # the trees' rules on all training rows join the pool; the selection runs again
            sel = sel.extended(_conjunctions(trees(np.arange(len(df))), order), df)
            picked = stable_select(sel.M, y, sw, max_rules, subsamples, seed)
    cands, fired, live, keep = sel.cands, sel.fired, sel.live, sel.keep
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
    days = schema.converted(rs.features_used)
    if days:  # dates and durations: thresholds in days (the exports ask how they are stored)
        rs.metadata["converted_from"] = days
        if whole := schema.whole_days(rs.features_used):  # dates without a time: their words name days
            rs.metadata["whole_days"] = whole
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
        **pool,
    }
    return rs, info

"""Fitting a neural additive model (the work behind ``NAMClassifier.fit``).

1. **Bags.** ``n_bags`` models train side by side in one engine run: each holds out its own
   ``validation_fraction`` of the rows (stratified) for early stopping and trains on the rest
   (:func:`~interpretable_nn.models.nam.bags.bag_weights`), so the ensemble learns from every row.
2. **Main effects** (:class:`~interpretable_nn.nn.feature_nets.MainEffectNet`): the feature
   networks run once per step on the knot grids; rows read them by interpolation. Terms whose
   removal does not raise the bags' validation loss are then left out when a refit without
   them is better by a paired margin (:func:`~interpretable_nn.models.nam.select.select_terms`).
3. **Interactions.** Pairs are ranked on the residuals of the mains
   (:func:`~interpretable_nn.models.nam.layout.rank_pairs`) or forced, then fitted as grids on
   top of the frozen mains (:class:`~interpretable_nn.nn.feature_nets.PairGridNet`) with the
   same bags and validation rows.
4. **Bake** (:func:`~interpretable_nn.models.nam.layout.bake`): purified, centred tables,
   averaged over bags, become the fitted model.

Every training loop is the shared engine's :func:`~interpretable_nn.training.engine.train`.
:func:`fit_nam` sets nothing on the estimator: it returns a :class:`NAMFit`, which the
estimator's ``_set_fitted`` turns into its fitted attributes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from numbers import Integral

import numpy as np
import pandas as pd
import torch

from ...data.encoding import EncodedData
from ...nn.feature_nets import AdditiveTables, MainEffectNet, PairGridNet
from ...training.devices import resolve_device
from ...training.engine import FitData, TrainResult, train
from .bags import _Bags, bag_weights
from .checks import forced_pairs, monotone_names, pair_name_clashes
from .heaps import heap_stage
from .layout import TermLayout, bake, main_mass, pair_mass, rank_on_residuals
from .pair_boost import blend_tables, boost_main_tables, boost_pairs, pair_logit
from .priors import (
    discrete_columns,
    discrete_prior,
    level_precision,
    mean_one_weights,
    numeric_prior,
    pair_scales,
)
from .select import improves, select_terms, shrink_terms
from .state import NAMState

__all__ = ["NAMState", "NAMFit", "fit_nam", "bag_weights", "pair_scales", "forced_pairs"]

BACKGROUND_ROWS = 500
#: Adam moves every parameter about ``lr`` per step; a feature network's output moves about
#: ``lr`` times its width. Lookup values (category levels, missing values) are stored divided
#: by this much so that they learn at a comparable pace (measured: unscaled, they lagged and
#: the shape functions overfitted to compensate).
LEVEL_SCALE = 10.0
#: scale each category level by ``sqrt(share / largest share)`` of its feature's levels
#: (:func:`level_scales`), as :func:`pair_scales` does for the pair cells: a level seen in a
#: handful of rows moves slower than a common one, so early stopping shrinks it more
LEVEL_MASS_SCALE = False
#: every bag stops on its own validation rows' lowest loss, as EBM's outer bags do (the
#: engine's ``member_stopping``), instead of all at the epoch of the lowest mean
MEMBER_STOPPING = False
#: the mains' optimiser: "global_adam" moves each parameter in proportion to its gradient, so
#: a weak column's shape moves slowly (explored with LEVEL_SCALE 1: ``tuning_dev.md``, gadam_l1)
MAIN_OPTIMIZER = "adamw"
#: on the CPU, read the training rows' terms through one sparse matrix per stage (``RowDesign``)
#: instead of gathering them every step: the same sums in another order, 2 to 9 times faster
#: on the slowest suite fits (``nam_fixed_rows.md``); rounding can move a bag's stop epoch
FIXED_ROWS = True
#: the interaction stage of a binary fit with validation rows and ``interactions="auto"``: "boost"
#: boosts two-level trees on the pair grids (:mod:`.pair_boost`; ``suite_tune.py``: b05_any);
#: "boost_grid" also fits grids on the boosting's residuals (at lr .1 with the one-SE stop:
#: boost_grid_1se, the default to stop 58); "grid" (every other fit) trains the grids with Adam
PAIR_STAGE, BOOST_PAIRS, PAIR_BOOST = "boost", ("3x",), {"lr": 0.05, "patience": 50, "stop_se": None}
GRID_STOP_SE: float | None = None  # the engine's stop_se for the grids (1 and 2 on par on dev: off)
#: binary fits: the mains are fitted again with the free numeric columns of 3 to this many values
#: as a free value per value, stored divided by the scale
#: (:func:`~interpretable_nn.models.nam.priors.discrete_columns`), and kept when the bags'
#: validation loss falls by more than the margin in paired SE (None: any fall; -inf: always);
#: with ALPHA > 0 only the columns whose rate is not a smooth trend (``smooth_misfit_pvalue``);
#: 0: off (on par on dev)
DISCRETE_MAX_VALUES, DISCRETE_SCALE, DISCRETE_MARGIN_SE, DISCRETE_ALPHA = 0, 3.0, 2.0, 0.0
#: > 1: each numeric shape's spread is penalised by an empirical-Bayes weight from this many
#: quantile groups of its rows (:func:`~.priors.numeric_prior`; binary fits); 0: off
NUMERIC_PRIOR_GROUPS = 0
#: the bags hold out stretches of one shuffle, every row by as many bags (:func:`~.bags.bag_weights`)
BALANCED_BAGS = False
#: binary fits with validation rows: after selection, the mains' tables get a boosting stage on
#: their own knots (:func:`~.pair_boost.boost_mains`, stumps, EBM's way) with these settings; None: off
MAIN_BOOST: dict | None = None


@dataclass
class NAMFit:
    """What :func:`fit_nam` learned: the state, the baked tables and the training result
    (both stages combined, history column ``stage``)."""

    state: NAMState
    tables: AdditiveTables
    result: TrainResult


def fit_nam(model, data: FitData, target: torch.Tensor) -> NAMFit:
    """Fit a NAM estimator (``model``: parameters validated, encoder fitted) on ``data``;
    ``target`` is the engine's target tensor (standardised for regression)."""
    df, y, enc = data.frame, data.y, data.encoded
    # checked before any training
    forced = forced_pairs(model.interactions, list(model.encoder_.schema_.names), monotone_names(model.encoder_))
    pair_name_clashes(model.interactions, list(model.encoder_.schema_.names), forced)
    rng = np.random.default_rng(None if model.random_state is None else int(model.random_state))
    n, b = len(df), int(model.n_bags)
    sw = np.ones(n) if data.sample_weight is None else data.sample_weight
    fit_w, val_w = bag_weights(y, sw, b, float(model.validation_fraction), model._task == "classification", rng,
                               BALANCED_BAGS)
    bags = _Bags(fit_w, val_w, float(fit_w.sum(0).mean()), data.generator)
    n_rows = float((fit_w > 0).sum(0).float().mean())  # training rows per bag
    (knots, smooth), (lay, lo, w, mass, mains), searched, disc = _mains_by_flexibility(model, enc, target, bags, sw,
                                                                                         n_rows)
    selection = None
    if SELECT_TERMS and bags.val_w is not None and bags.val_w.shape[1] >= 2:  # a paired test needs 2 bags
        mains, selection = select_terms(
            lay, lo, w, mass, mains, target, bags.val_w, model.task_, SELECT_MARGIN_SE,
            lambda keep: _fit_mains(model, lay, lo, w, mass, target, bags, enc, sw, smooth, keep, disc[0], disc[2]),
            SELECT_GATE)
    if (SHRINK_TERMS and len(lay.names) >= SHRINK_MIN_FEATURES and bags.val_w is not None
            and model.task_ in ("binary", "regression")):
        mains, factors = shrink_terms(lay, lo, w, mass, mains, target, bags.val_w, model.task_)
        mains = (*mains[:3], replace(mains[3], extra={**mains[3].extra, "term_shrink": dict(
            zip(lay.names, np.round(factors.mean(0), 4).tolist()))}))
    main_tab, bias, main_logit, res1 = mains
    if MAIN_BOOST is not None and model.task_ == "binary" and bags.val_w is not None:
        skip = set(selection["candidates"]) if selection and selection["kept"] else set()
        main_tab, main_logit, boosted = boost_main_tables(lay, lo, w, main_tab, main_logit, target.numpy(), bags.fit_w,
                                                          bags.val_w, skip, num_threads=model.n_threads, **MAIN_BOOST)
        res1 = replace(res1, extra={**res1.extra, "main_boost": boosted})
    res1 = replace(res1, extra={**res1.extra, "max_knots": knots, "smoothness": smooth, "flexibility_search": searched,
                                       **({"discrete": disc[1]} if disc[1] else {}), **disc[3]})
    if selection:
        res1 = replace(res1, extra={**res1.extra, "term_selection": selection})

    ladder = pair_ladder(model.interactions, len(forced), len(lay.names), bags.val_w is not None)
    scores = None
    if max(ladder) or forced:
        scores = rank_on_residuals(lay, monotone_names(model.encoder_), model._task, enc, main_logit.mean(1),
                                   target.numpy(), sw, forced)
    pair_scores, (pair_tab, res2, p_mass), pair_search = _pair_stage(
        model, lay, enc, scores, forced, main_logit, target, bags, sw)
    if pair_search:
        res1 = replace(res1, extra={**res1.extra, "pair_search": pair_search})

    m, p, bb = bake(lay, main_tab, pair_tab, bias, mass, p_mass, model.purify)
    tables = AdditiveTables(
        torch.from_numpy(m), torch.from_numpy(p), torch.from_numpy(bb), torch.from_numpy(lay.pair_strides())
    )
    idx = np.sort(rng.permutation(n)[:BACKGROUND_ROWS])
    background_y = np.asarray(model.classes_[y[idx]] if model._task == "classification" else y[idx])
    state = NAMState(lay, b, mass, p_mass, pair_scores, df.iloc[idx].reset_index(drop=True), background_y)
    return NAMFit(state, tables, _stages(res1, res2))


#: the strongest level prior: precision 100 (standard deviation 0.1 logits) for a category
#: whose levels show no spread beyond noise
MAX_LEVEL_PRECISION = 100.0
EMPIRICAL_LEVEL_PRIOR = True
#: the main-effect networks read each knot's normal score on the training rows, not its
#: standardized value (:meth:`TermLayout.rank_coordinates`); off = the previous defaults
RANK_COORDINATES = True


def free_value_prior(lay: TermLayout, enc: EncodedData, target: torch.Tensor, sw: np.ndarray,
                     task: str) -> np.ndarray:
    """Prior precision of each free value (numeric missing slots, then every category code):
    1 (a standard deviation of one logit) for missing slots and, per categorical feature, an
    empirical-Bayes precision ``1 / tau^2`` clipped to [1, :data:`MAX_LEVEL_PRECISION`]. ``tau^2``
    is the variance of the feature's true level rates, from the one-way random-effects
    ANOVA estimator (between-level sum of squares minus what binomial noise alone gives),
    turned into log-odds units by the slope of the logit at the mean rate. A feature whose
    levels differ no more than chance would make them (50 states with 5% positives) is
    shrunk hard; one with real level effects keeps the weak prior. Sample weights are
    normalised to mean 1 (they set the rates, not the number of rows). Regression keeps
    precision 1 everywhere."""
    n_num = len(lay.knots)
    out = [np.ones(n_num)]
    y = target.numpy().reshape(-1).astype(np.float64)
    sw = mean_one_weights(sw)
    p_bar = float(np.average(y, weights=sw)) if task == "classification" else 0.5
    var = p_bar * (1.0 - p_bar)
    for j, size in enumerate(lay.cat_sizes):
        prec = np.ones(int(size))
        if EMPIRICAL_LEVEL_PRIOR and task == "classification" and var > 0:
            prec[:] = level_precision(enc.codes[:, j], int(size), y, sw, p_bar, var, MAX_LEVEL_PRECISION)
        out.append(prec)
    return np.concatenate(out).astype(np.float32)


#: ``max_knots="auto"`` / ``smoothness="auto"``: the flexibility ladder, stiff to flexible:
#: (knots, smoothness) per step. A step's finer grid is used only when each bag trains on at
#: least :data:`ROWS_PER_KNOT` rows per knot (64 knots: 3,200 rows; 256: 12,800), else the
#: previous step's grid; a step is kept only when it lowers the bags' validation loss, and the
#: search stops at the first step that does not.
AUTO_LADDER = ((16, 3.0), (64, 0.3), (256, 0.03))
ROWS_PER_KNOT = 50
TIE_KNOTS = False  # knots by ``layout.tie_aware_knots`` (mass points apart; a dev variant)
#: binary fits: the mains are fitted again with the heaped values of the columns that pass
#: :func:`~.heaps.heap_columns` as knots with free offsets, kept when the bags' validation loss
#: falls by more than this many paired SE (``HEAP_VALUES`` False: off)
HEAP_VALUES, HEAP_MARGIN_SE = True, 2.0
BOOST_ANY_SCORE = True  # the boosted stage takes the ranking's top pairs whatever their score (EBM's count)


def flexibility_ladder(max_knots, smoothness, n_rows: float, validated: bool) -> list[tuple[int, float]]:
    """The (knots, smoothness) steps :func:`fit_nam` tries, in order. A parameter given as a
    number is used at every step; ``"auto"`` follows :data:`AUTO_LADDER`, its knots capped by
    ``n_rows`` (training rows per bag). Repeated steps are dropped; without validation rows
    only the first step is tried (there is nothing to choose by)."""
    steps: list[tuple[int, float]] = []
    for k, s in AUTO_LADDER:
        if max_knots != "auto":
            k = int(max_knots)
        elif steps and n_rows < ROWS_PER_KNOT * k:
            k = steps[-1][0]
        step = (k, float(s) if smoothness == "auto" else float(smoothness))
        if step not in steps:
            steps.append(step)
    return steps if validated else steps[:1]


def _mains_by_flexibility(model, enc: EncodedData, target: torch.Tensor, bags: _Bags, sw: np.ndarray,
                          n_rows: float):
    """Fit the main effects at each step of :func:`flexibility_ladder` until one does not
    lower the bags' mean validation loss (same bags, same validation rows: a paired
    comparison); (step kept, (layout, lo, w, mass, mains fit) of it, {"knots/smoothness":
    validation loss} of every step tried)."""
    kept, best, searched = None, None, {}
    steps = flexibility_ladder(model.max_knots, model.smoothness, n_rows, bags.val_w is not None)
    for k, smooth in steps:
        if best is not None and not any(len(z) > 2 for z in best[0].knots):
            break  # no numeric shape with a curve (knots and smoothness change nothing): the same fit
        lay = TermLayout.from_encoder(model.encoder_, enc, k, int(model.pair_knots), ties=TIE_KNOTS)
        lo, w = lay.encode_main(enc)
        mass = main_mass(lay, lo, w, sw)
        mains = _fit_mains(model, lay, lo, w, mass, target, bags, enc, sw, smooth)
        loss = mains[3].best_val_loss
        searched[f"{k}/{smooth:g}"] = None if loss is None else float(loss)
        if best is not None and not improves(mains[3], best[4][3], FLEX_MARGIN_SE):
            break
        kept, best = (k, smooth), (lay, lo, w, mass, mains)
    lay, lo, w, mass, mains = best
    disc = discrete_columns(lay, lo, w, DISCRETE_MAX_VALUES * (model.task_ == "binary"), target.numpy(), sw,
                            DISCRETE_ALPHA)
    record = {}
    if disc.any() and bags.val_w is not None:  # the coded columns as free values, kept by the margin
        alt = _fit_mains(model, lay, lo, w, mass, target, bags, enc, sw, kept[1], discrete=disc)
        record = {"columns": [n for n, num, c in zip(lay.names, lay.is_numeric, lay.col) if num and disc[c]],
                  "val_loss": float(alt[3].best_val_loss), "kept": bool(improves(alt[3], mains[3], DISCRETE_MARGIN_SE))}
        best, disc = ((lay, lo, w, mass, alt), disc) if record["kept"] else (best, disc & False)
    heap, heaps = None, {}
    if HEAP_VALUES and model.task_ == "binary" and bags.val_w is not None:  # heaped values, kept by the margin
        best, heap, heaps = heap_stage(best, enc, target.numpy(), sw, int(model.pair_knots), HEAP_MARGIN_SE, lambda *a:
                                       _fit_mains(model, *a[:4], target, bags, enc, sw, kept[1], None, disc, a[4]))
    return kept, best, searched, (disc, record, heap, heaps)


#: A step of a search (flexibility, pair count) is kept only when the bags' validation loss
#: falls by more than this many paired standard errors over the bags (the same bags and
#: validation rows; ``None``: any fall). The rule the suite reports by, applied inside the fit.
FLEX_MARGIN_SE: float | None = None
PAIR_MARGIN_SE: float | None = 2.0


#: Leave out the main terms whose removal does not raise the bags' validation loss
#: (:mod:`~interpretable_nn.models.nam.select`), when the refit without them lowers it by more
#: than :data:`SELECT_MARGIN_SE` paired standard errors (so never with one bag: the same rows
#: would choose the terms and judge the choice with no margin); off = the previous defaults.
SELECT_TERMS = True
SELECT_MARGIN_SE: float | None = 2.0
#: refit only where leaving the candidates out without a refit clears the same margin
SELECT_GATE = True
#: after selection, each bag scales every main term by a factor in [0, 1] fitted on its own
#: validation rows (:func:`~interpretable_nn.models.nam.select.shrink_terms`) ...
SHRINK_TERMS = True
#: ... with at least this many feature columns: many columns, most of them weak, whose noise
#: the jointly trained networks fit (measured on dev: ``benchmarks/suite_tune.py``, shrinkwide)
SHRINK_MIN_FEATURES = 20


def _fit_mains(model, lay: TermLayout, lo: np.ndarray, w: np.ndarray, mass: np.ndarray, target: torch.Tensor,
               bags: _Bags, enc: EncodedData, sw: np.ndarray, smoothness: float, keep: np.ndarray | None = None,
               discrete: np.ndarray | None = None, heap: tuple[np.ndarray, np.ndarray] | None = None):
    """Train the main effects with roughness penalty ``smoothness`` (the terms at 0 in
    ``keep``, (T,), left out); (tables (B, size), biases (B,), row logits (n, B), result)."""
    coords = lay.rank_coordinates(enc) if RANK_COORDINATES else None
    mains = MainEffectNet(
        torch.from_numpy(lay.padded_knots(coords)),
        torch.as_tensor(lay.monotone, dtype=torch.float32),
        int(sum(lay.cat_sizes)),
        n_bags=bags.fit_w.shape[1],
        hidden_sizes=model._check_hidden(),
        activation=model.activation,
        dropout=model.dropout,
        feature_dropout=model.feature_dropout,
        output_penalty=model.output_penalty,
        init_bias=_init_bias(model._task, target),
        mass=torch.as_tensor(mass),
        n_real=torch.as_tensor([len(k) for k in lay.knots]),
        smoothness=smoothness / bags.n_fit,
        level_scale=level_scales(lay, mass) if LEVEL_MASS_SCALE else LEVEL_SCALE,
        missing_scale=LEVEL_SCALE,
        level_prior=torch.as_tensor(free_value_prior(lay, enc, target, sw, model._task) / (2.0 * bags.n_fit)),
        keep=None if keep is None else torch.from_numpy(keep),
        discrete=None if discrete is None else torch.from_numpy(discrete),
        discrete_prior=0.0 if discrete is None else torch.as_tensor(discrete_prior(
            lay, lo, w, discrete, target.numpy(), sw, MAX_LEVEL_PRECISION) / (2.0 * bags.n_fit)),
        discrete_scale=DISCRETE_SCALE,
        heap=None if heap is None else torch.from_numpy(heap[0]),
        heap_prior=0.0 if heap is None else torch.as_tensor(heap[1] / (2.0 * bags.n_fit), dtype=torch.float32),
        feature_penalty=None if not NUMERIC_PRIOR_GROUPS or model.task_ != "binary" else torch.as_tensor(numeric_prior(
            lay, lo, w, target.numpy(), sw, MAX_LEVEL_PRECISION, NUMERIC_PRIOR_GROUPS) / bags.n_fit, dtype=torch.float32),
    )
    lo_t, w_t = torch.from_numpy(lo), torch.from_numpy(w)
    cfg = model._train_config(description=f"{type(model).__name__} mains", num_threads=model.n_threads,
                              optimizer=MAIN_OPTIMIZER, member_stopping=MEMBER_STOPPING)
    rows = _fixed_rows(model, mains, (lo_t, w_t))
    res = train(mains, (lo_t, w_t, *rows), target, model.task_, cfg, sample_weight=bags.fit_w, generator=bags.generator,
                validation_weight=bags.val_w)
    mains.to("cpu").eval()
    with torch.no_grad():
        main_tab = mains.tables().double().numpy()
        bias = mains.bias.detach().double().numpy()[:, 0]
        main_logit = mains(lo_t, w_t).double().numpy()  # (n, B)
    return main_tab, bias, main_logit, res


#: ``interactions="auto"``: the pair counts tried, fewest first; ``"3x"`` is three per column
#: (EBM's default). A larger count is kept only when it lowers the bags' validation loss by
#: more than :data:`PAIR_MARGIN_SE` paired standard errors.
AUTO_PAIRS = (10, "3x")


def pair_ladder(interactions, n_forced: int, n_columns: int, validated: bool, auto=None) -> list[int]:
    """The pair counts :func:`fit_nam` tries, in order: one count for an int or a list of
    pairs; :data:`AUTO_PAIRS` for ``"auto"`` (a count no larger than the one before is
    dropped; only the first without validation rows)."""
    if isinstance(interactions, str):
        steps: list[int] = []
        for k in AUTO_PAIRS if auto is None else auto:
            k = 3 * n_columns if k == "3x" else int(k)
            if not steps or k > steps[-1]:
                steps.append(k)
        return steps if validated else steps[:1]
    return [int(interactions) if isinstance(interactions, Integral) else n_forced]


def _pair_stage(model, lay: TermLayout, enc: EncodedData, scores, forced, main_logit, target, bags: _Bags, sw):
    """The interaction stage of :data:`PAIR_STAGE` (binary fits with validation rows and
    ``interactions="auto"``; else the grid stage): what :func:`_pairs_by_count` returns (under
    "boost_grid": the boosting's ranking, and its best round in the search record)."""
    boostable = model.task_ == "binary" and bags.val_w is not None and isinstance(model.interactions, str)
    if PAIR_STAGE == "boost_grid" and boostable:  # boosting, then the grids on its residuals
        ladder = pair_ladder(model.interactions, len(forced), len(lay.names), True, BOOST_PAIRS)
        table, (b_tab, res_b, _), search = _pairs_by_count(model, lay, enc, scores, forced, ladder, main_logit,
                                                           target, bags, sw, "boost")
        b_pairs = [list(p) for p in lay.pairs]
        top = main_logit + pair_logit(lay, enc, b_tab)
        scores2 = rank_on_residuals(lay, monotone_names(model.encoder_), model._task, enc, top.mean(1), target.numpy(),
                                    sw, forced)
        ladder = pair_ladder(model.interactions, len(forced), len(lay.names), True)
        _, (g_tab, res_g, _), _ = _pairs_by_count(model, lay, enc, scores2, forced, ladder, top, target, bags, sw)
        tab, p_mass = blend_tables(lay, enc, [(b_tab, b_pairs, 1.0), (g_tab, [list(p) for p in lay.pairs], 1.0)], sw)
        table = table if table is None else table.assign(selected=table.pair.isin(lay.pair_names))  # as fitted
        search = {**search, "boost_rounds": 0 if res_b is None else int(res_b.best_epoch)}
        return table, (tab, res_g if res_g is not None else res_b, p_mass), search
    stage = PAIR_STAGE if boostable and PAIR_STAGE == "boost" else "grid"
    ladder = pair_ladder(model.interactions, len(forced), len(lay.names), bags.val_w is not None,
                         BOOST_PAIRS if stage == "boost" else None)
    return _pairs_by_count(model, lay, enc, scores, forced, ladder, main_logit, target, bags, sw, stage)


def _pairs_by_count(model, lay: TermLayout, enc: EncodedData, scores, forced, ladder: list[int], main_logit,
                    target: torch.Tensor, bags: _Bags, sw: np.ndarray, stage: str = "grid"):
    """Fit the interactions with each count of ``ladder`` until a count does not lower the
    bags' mean validation loss (same bags and validation rows; the pairs of a smaller count
    are the top of a larger one's). Sets ``lay.pairs`` to the count kept; (ranking table,
    (pair tables, result, pair mass) of the count kept, {count: validation loss} of every
    count tried when more than one was, else {})."""
    best, searched, table = None, {}, None
    for k in ladder:
        step_table = _choose_pairs(lay, scores, forced, k, stage == "boost" and BOOST_ANY_SCORE)
        if best is not None and len(lay.pairs) <= len(best[3]):
            break  # the ranking (or its positive scores) ran out: the same fit
        pb, pwa, pwb = lay.encode_pairs(enc)
        p_mass = pair_mass(lay, pb, pwa, pwb, sw)
        pair_tab, res2 = _fit_pairs(model, lay, main_logit, (pb, pwa, pwb), p_mass, target, bags, stage)
        loss = None if res2 is None else res2.best_val_loss
        searched[str(len(lay.pairs))] = None if loss is None else float(loss)
        if best is not None and not improves(res2, best[1], PAIR_MARGIN_SE):
            break
        best, table = (pair_tab, res2, p_mass, [list(p) for p in lay.pairs]), step_table
    lay.pairs = best[3]
    return table, best[:3], (searched if len(searched) > 1 else {})


def _choose_pairs(lay: TermLayout, scores, forced, k: int, any_score: bool = False) -> pd.DataFrame:
    """Keep the forced pairs and the best ``k`` of ``scores`` (the ranking) with a positive score (any
    with ``any_score``; sets ``lay.pairs``); the ranking as a table (pair, score, selected)."""
    if scores is None:
        lay.pairs = []
        return pd.DataFrame({"pair": [], "score": [], "selected": []})
    chosen = list(forced) + [p for p, s in scores if (s > 0 or any_score) and p not in forced][: max(0, k - len(forced))]
    lay.pairs = [list(p) for p in chosen]
    return pd.DataFrame(
        {
            "pair": [f"{lay.names[a]} x {lay.names[c]}" for (a, c), _ in scores],
            "score": [float(s) for _, s in scores],
            "selected": [p in chosen for p, _ in scores],
        }
    )


def _fit_pairs(model, lay: TermLayout, main_logit, pair_inputs, p_mass, target, bags: _Bags, stage: str = "grid"):
    """Train the interaction grids on top of the frozen mains; (tables (B, size), result or
    None when there is no pair)."""
    if not lay.pairs:
        return np.zeros((bags.fit_w.shape[1], lay.pair_offsets()[1])), None
    if stage == "boost":
        return boost_pairs(lay, pair_inputs, main_logit, target.numpy(), bags.fit_w, bags.val_w,
                           num_threads=model.n_threads, **PAIR_BOOST)
    pairs = PairGridNet(
        lay.pair_offsets()[1],
        torch.from_numpy(lay.pair_strides()),
        torch.from_numpy(lay.pair_neighbours()),
        n_bags=bags.fit_w.shape[1],
        smoothness=model.pair_smoothness / bags.n_fit,
        scale=torch.from_numpy(pair_scales(lay, p_mass)),
    )
    cfg = model._train_config(description=f"{type(model).__name__} pairs", lr=model.pair_lr,
                              num_threads=model.n_threads, member_stopping=MEMBER_STOPPING,
                              stop_se=GRID_STOP_SE if model.task_ == "binary" else None)
    pair_t = tuple(torch.from_numpy(a) for a in pair_inputs)
    inputs = (torch.as_tensor(main_logit, dtype=torch.float32), *pair_t, *_fixed_rows(model, pairs, pair_t))
    res = train(pairs, inputs, target, model.task_, cfg, sample_weight=bags.fit_w, generator=bags.generator,
                validation_weight=bags.val_w)
    return pairs.values().detach().cpu().double().numpy(), res


def small_batches(batch_size: int | None, n: int) -> bool:
    """Whether a fit of ``n`` rows trains in batches of under a quarter of them (no fixed
    row design then; the memory check counts such a fit's pairs more)."""
    return batch_size is not None and 4 * int(batch_size) < n


def _fixed_rows(model, module, inputs: tuple) -> tuple:
    """``(rows,)`` (0..n-1, an extra input) after ``module.fix_rows(*inputs)`` when the fit
    trains on the CPU with batches of at least a quarter of the rows (each step reads
    every row's sparse product, cheap only when a step sees most rows); else ``()``."""
    n = len(inputs[0])
    if not FIXED_ROWS or small_batches(model.batch_size, n) or resolve_device(model.device).type != "cpu":
        return ()
    module.fix_rows(*inputs)
    return (torch.arange(n),)


def _stages(res1: TrainResult, res2: TrainResult | None) -> TrainResult:
    """Both stages as one result: the mains' epochs, device and early stop; the last stage's best
    validation loss; the pair stage's epochs as ``pair_epochs`` and ``pair_best_epoch``."""
    both = TrainResult.combine(*(([res1], ["mains"]) if res2 is None else ([res1, res2], ["mains", "pairs"])),
                               column="stage")
    return replace(
        both,
        best_val_loss=res1.best_val_loss if res2 is None else res2.best_val_loss,
        extra={**both.extra, "pair_epochs": res2.n_epochs if res2 else 0,
               "pair_best_epoch": res2.best_epoch if res2 else None},
    )


def level_scales(lay: TermLayout, mass: np.ndarray) -> np.ndarray:
    """Per-code scales of the category levels (the categorical block of the main table, in
    encoder order): :data:`LEVEL_SCALE` times ``sqrt(share / largest share)`` within each
    feature, the shares read from ``mass`` (:func:`~interpretable_nn.models.nam.layout.main_mass`).
    A code no training row carries (unseen, or missing without missing values) gets 0: it
    is set to 0 when the tables are baked anyway."""
    start = lay.n_numeric * (lay.n_knots + 1)
    out = np.zeros(int(sum(lay.cat_sizes)), dtype=np.float32)
    pos = 0
    for size in lay.cat_sizes:
        m = np.asarray(mass[start + pos : start + pos + size], dtype=np.float64)
        out[pos : pos + size] = LEVEL_SCALE * np.sqrt(m / max(m.max(), 1e-12))
        pos += size
    return out


def _init_bias(task: str, target: torch.Tensor) -> float:
    if task == "regression":
        return 0.0
    p = float(target.float().mean().clamp(1e-4, 1 - 1e-4))
    return float(np.log(p / (1 - p)))


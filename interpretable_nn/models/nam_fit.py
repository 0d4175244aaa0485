"""Fitting a neural additive model (the work behind ``NAMClassifier.fit``).

1. **Bags.** ``n_bags`` models train side by side in one engine run: each holds out its own
   ``validation_fraction`` of the rows (stratified) for early stopping and trains on the rest
   (:func:`bag_weights`), so the ensemble learns from every row.
2. **Main effects** (:class:`~interpretable_nn.nn.feature_nets.MainEffectNet`): the feature
   networks run once per step on the knot grids; rows read them by interpolation.
3. **Interactions.** Pairs are ranked on the residuals of the mains
   (:func:`~interpretable_nn.models.nam_layout.rank_pairs`) or forced, then fitted as grids on
   top of the frozen mains (:class:`~interpretable_nn.nn.feature_nets.PairGridNet`) with the
   same bags and validation rows.
4. **Bake** (:func:`~interpretable_nn.models.nam_layout.bake`): purified, centred tables,
   averaged over bags, become the fitted model.

Every training loop is the shared engine's :func:`~interpretable_nn.training.engine.train`.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
import torch

from ..data.validation import check_sample_weight
from ..nn.feature_nets import AdditiveTables, MainEffectNet, PairGridNet
from ..training.engine import seed_everything, train
from .nam_layout import TermLayout, bake, main_mass, pair_mass, rank_pairs

__all__ = ["fit_nam", "bag_weights", "pair_scales", "forced_pairs"]

BACKGROUND_ROWS = 500
#: Adam moves every parameter about ``lr`` per step; a feature network's output moves about
#: ``lr`` times its width. Lookup values (category levels, missing values) are stored divided
#: by this much so that they learn at a comparable pace (measured: unscaled, they lagged and
#: the shape functions overfitted to compensate).
LEVEL_SCALE = 10.0


def fit_nam(model, df: pd.DataFrame, y: np.ndarray, sample_weight) -> None:
    """Fit ``model`` (a NAM estimator whose input and parameters are validated) on the
    raw frame ``df`` and encoded targets ``y``; sets its fitted attributes."""
    hidden = model._check_hidden()
    enc = model.encoder_.transform(df, validate=False)
    lay = TermLayout.from_encoder(model.encoder_, enc, int(model.max_knots), int(model.pair_knots))
    model.layout_ = lay
    forced = forced_pairs(model.interactions, lay, _monotone_names(model))
    g = seed_everything(model.random_state)
    rng = np.random.default_rng(None if model.random_state is None else int(model.random_state))
    n, b = len(df), int(model.n_bags)
    sw = np.ones(n) if sample_weight is None else check_sample_weight(sample_weight, n)
    fit_w, val_w = bag_weights(y, sw, b, float(model.validation_fraction), model._task == "classification", rng)
    target = model._target_tensor(y)
    lo, w = lay.encode_main(enc)
    lo_t, w_t = torch.from_numpy(lo), torch.from_numpy(w)
    name = type(model).__name__

    # 1. main effects ---------------------------------------------------------------
    mass = main_mass(lay, lo, w, sw)
    n_fit = float(fit_w.sum(0).mean())  # training weight per bag (rows, unit weights)
    mains = MainEffectNet(
        torch.from_numpy(lay.padded_knots()),
        torch.as_tensor(lay.monotone, dtype=torch.float32),
        int(sum(lay.cat_sizes)),
        n_bags=b,
        hidden_sizes=hidden,
        activation=model.activation,
        dropout=model.dropout,
        feature_dropout=model.feature_dropout,
        output_penalty=model.output_penalty,
        init_bias=_init_bias(model._task, target),
        mass=torch.as_tensor(mass),
        n_real=torch.as_tensor([len(k) for k in lay.knots]),
        smoothness=model.smoothness / n_fit,
        level_scale=LEVEL_SCALE,
        missing_scale=LEVEL_SCALE,
        level_prior=1.0 / (2.0 * n_fit),
    )
    cfg = model._train_config(description=f"{name} mains", num_threads=model.n_threads)
    res1 = train(mains, (lo_t, w_t), target, model.task_, cfg, sample_weight=fit_w, generator=g,
                 validation_weight=val_w)
    mains.to("cpu").eval()
    with torch.no_grad():
        main_tab = mains.tables().double().numpy()
        bias = mains.bias.detach().double().numpy()[:, 0]
        main_logit = mains(lo_t, w_t).double().numpy()  # (n, B)

    # 2. interactions ---------------------------------------------------------------
    k = int(model.interactions) if isinstance(model.interactions, Integral) else len(forced)
    model.pair_scores_ = pd.DataFrame({"pair": [], "score": [], "selected": []})
    if k or forced:
        scores = _rank(model, enc, main_logit.mean(1), target.numpy(), sw, forced)
        chosen = list(forced) + [p for p, s in scores if s > 0 and p not in forced][: max(0, k - len(forced))]
        lay.pairs = [list(p) for p in chosen]
        model.pair_scores_ = pd.DataFrame(
            {
                "pair": [f"{lay.names[a]} x {lay.names[c]}" for (a, c), _ in scores],
                "score": [float(s) for _, s in scores],
                "selected": [p in chosen for p, _ in scores],
            }
        )
    pb, pwa, pwb = lay.encode_pairs(enc)
    p_mass = pair_mass(lay, pb, pwa, pwb, sw)
    pair_tab = np.zeros((b, lay.pair_offsets()[1]))
    res2 = None
    if lay.pairs:
        pairs = PairGridNet(
            lay.pair_offsets()[1],
            torch.from_numpy(lay.pair_strides()),
            torch.from_numpy(lay.pair_neighbours()),
            n_bags=b,
            smoothness=model.pair_smoothness / n_fit,
            scale=torch.from_numpy(pair_scales(lay, p_mass)),
        )
        cfg2 = model._train_config(description=f"{name} pairs", lr=model.pair_lr, num_threads=model.n_threads)
        inputs = (torch.as_tensor(main_logit, dtype=torch.float32), *(torch.from_numpy(a) for a in (pb, pwa, pwb)))
        res2 = train(pairs, inputs, target, model.task_, cfg2, sample_weight=fit_w, generator=g,
                     validation_weight=val_w)
        pair_tab = pairs.values().detach().cpu().double().numpy()

    # 3. bake -----------------------------------------------------------------------
    model.main_mass_, model.pair_mass_ = mass, p_mass
    m, p, bb = bake(lay, main_tab, pair_tab, bias, mass, p_mass, model.purify)
    model.module_ = AdditiveTables(
        torch.from_numpy(m), torch.from_numpy(p), torch.from_numpy(bb), torch.from_numpy(lay.pair_strides())
    )
    idx = np.sort(rng.permutation(n)[:BACKGROUND_ROWS])
    model.background_ = df.iloc[idx].reset_index(drop=True)
    model.background_y_ = np.asarray(model.classes_[y[idx]] if model._task == "classification" else y[idx])
    hist = [res1.history.assign(stage="mains")]
    if res2 is not None:
        hist.append(res2.history.assign(stage="pairs"))
    model.history_ = pd.concat(hist, ignore_index=True)
    model.fit_info_ = {
        "device": res1.device,
        "fit_time": res1.fit_time + (res2.fit_time if res2 else 0.0),
        "n_epochs": res1.n_epochs,
        "best_epoch": res1.best_epoch,
        "stopped_early": res1.stopped_early,
        "best_val_loss": res1.best_val_loss if res2 is None else res2.best_val_loss,
        "pair_epochs": res2.n_epochs if res2 else 0,
        "pair_best_epoch": res2.best_epoch if res2 else None,
    }


def bag_weights(y: np.ndarray, sw: np.ndarray, n_bags: int, fraction: float, stratify: bool,
                rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(training weights, validation weights), each (n, n_bags) float32.

    Every bag holds out its own ``fraction`` of the rows (stratified by class when
    ``stratify``) for early stopping and trains on the rest, as EBM's outer bags do. With
    ``fraction=0`` the bags are Poisson bootstrap weights and there is no validation.
    """
    n = len(y)
    if fraction <= 0:
        fit = rng.poisson(1.0, (n, n_bags)).astype(float) if n_bags > 1 else np.ones((n, 1))
        return torch.as_tensor(sw[:, None] * fit, dtype=torch.float32), None
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(n)]
    held = np.zeros((n, n_bags), dtype=bool)
    for j in range(n_bags):
        for idx in groups:
            k = min(max(int(round(len(idx) * fraction)), 1 if len(idx) >= 4 else 0), max(len(idx) - 1, 0))
            held[rng.permutation(idx)[:k], j] = True
    return (torch.as_tensor(sw[:, None] * ~held, dtype=torch.float32),
            torch.as_tensor(sw[:, None] * held, dtype=torch.float32))


def pair_scales(lay: TermLayout, p_mass: np.ndarray) -> np.ndarray:
    """Per-cell scales of the interaction grids, ``sqrt(share / largest share)`` within each
    pair. Adam moves every parameter about ``lr`` per step whatever its gradient; scaled, a
    cell seen in a handful of rows moves slower than one seen in hundreds, so early stopping
    shrinks sparse cells, much as boosting's small steps do."""
    out = np.zeros(len(p_mass), dtype=np.float32)
    off, _ = lay.pair_offsets()
    for p, (a, b) in enumerate(lay.pairs):
        sl = slice(off[p], off[p] + lay.axis_size(a) * lay.axis_size(b))
        out[sl] = np.sqrt(p_mass[sl] / max(p_mass[sl].max(), 1e-12))
    return out


def forced_pairs(interactions, lay: TermLayout, monotone: set[str]) -> list[tuple[int, int]]:
    """``interactions`` given as column pairs -> schema index pairs, checked."""
    if isinstance(interactions, Integral):
        return []
    names = lay.names
    out: list[tuple[int, int]] = []
    for p in interactions:
        if isinstance(p, str) or not hasattr(p, "__len__") or len(p) != 2:
            raise ValueError(f"interactions must be an int or a list of column pairs like [('Income', 'Debt')]; got {p!r}.")
        a, b = (str(c) for c in p)
        unknown = [c for c in (a, b) if c not in names]
        if unknown:
            raise ValueError(f"interactions names {unknown}, which are not columns of X; available: {names}.")
        if a == b:
            raise ValueError(f"interactions pair ({a!r}, {b!r}) repeats one column; a pair needs two columns.")
        mono = [c for c in (a, b) if c in monotone]
        if mono:
            raise ValueError(
                f"interactions pair ({a!r}, {b!r}) uses monotone feature(s) {mono}: an interaction would break "
                "the guarantee that the prediction is monotone in them. Drop the pair or the constraint."
            )
        pair = tuple(sorted((names.index(a), names.index(b))))
        if pair not in out:
            out.append(pair)
    return out


def _monotone_names(model) -> set[str]:
    return {f.name for f in model.encoder_.schema_ if f.monotone}


def _init_bias(task: str, target: torch.Tensor) -> float:
    if task == "regression":
        return 0.0
    p = float(target.float().mean().clamp(1e-4, 1 - 1e-4))
    return float(np.log(p / (1 - p)))


def _rank(model, enc, logit, target, weight, forced):
    """Score the candidate pairs on the residuals of the main effects; monotone features
    are no candidates (a pair would break their guarantee)."""
    names = model.layout_.names
    mono = _monotone_names(model)
    free = [i for i, n in enumerate(names) if n not in mono]
    candidates = [(a, b) for k, a in enumerate(free) for b in free[k + 1 :]]
    candidates += [p for p in forced if p not in candidates]
    if model._task == "regression":
        grad, hess = (logit - target) * weight, weight.astype(float)
    else:
        prob = 1 / (1 + np.exp(-logit))
        grad, hess = (prob - target) * weight, prob * (1 - prob) * weight
    return rank_pairs(model.layout_, enc, grad, hess, candidates=candidates)

"""The interaction stage by boosting: the NAM's pair grids fitted as EBM fits its pairs.

Measured on the suite's dev group (``benchmarks/results/pair_gain.md``): the NAM's main
effects match or beat EBM's, but EBM's pairs add AUC where the NAM's jointly trained grids
(every cell moved by Adam at once, stopped early) add none. Boosting adds to each pair, in
every round, a small step of a two-level tree on its grid: one cut on one axis, then a cut on
the other axis within each half (four regions), the split that most lowers a second-order
approximation of the training loss. Coarse structure is learnt first, and a noisy cell only
moves with the region it falls in.

Here the grids are the NAM's own (the same knots, bilinear reads, missing slots and category
levels: the fitted model and every export are unchanged); a row's gradient reaches a knot with
its bilinear weight. All bags and all pairs are searched at once, vectorised: per round, one
sparse product gives every knot's gradient and hessian sums, prefix sums give every split's
gain, and each bag steps the one pair whose tree gains most (:data:`GREEDY`; stepping every
pair at once on the same residuals overshoots with many pairs, which is why this stage, first
measured that way at ``eb9caa7``, stopped at round 0 on most folds). The bags stop together at
the round of their lowest mean validation loss, as the NAM's other stages do, or (``stop_se``,
the NAM's default) at the earliest round within one paired standard error of it. The NAM's
default stage then fits its smoothed grids on what the boosting left and adds the two tables
(:func:`blend_tables`; ``interpretable_nn.models.nam.fit.PAIR_STAGE``).
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pandas as pd
import torch

from ...nn.table_reads import RowDesign, bilinear_gather, lerp_sum
from ...training.engine import TrainResult, round_within_se
from .layout import TermLayout

__all__ = ["blend_tables", "boost_main_tables", "boost_mains", "boost_pairs", "pair_logit"]

#: the least hessian a leaf counts per row it holds (a log-loss row's hessian is p(1 - p))
MIN_HESSIAN = 1e-3
#: every round, each bag steps only its best pair (boosting's one tree per round) instead of
#: every pair at once
GREEDY = True


def _padded_cells(lay: TermLayout) -> tuple[torch.Tensor, int, int]:
    """(P, A, C) flat cell index of every pair's grid, padded with ``size`` (a zero cell) to
    the largest axes; A and C."""
    off, size = lay.pair_offsets()
    dims = [(lay.axis_size(a), lay.axis_size(b)) for a, b in lay.pairs]
    big_a, big_c = max(d[0] for d in dims), max(d[1] for d in dims)
    idx = np.full((len(dims), big_a, big_c), size, np.int64)
    for p, (sa, sb) in enumerate(dims):
        idx[p, :sa, :sb] = off[p] + np.arange(sa * sb).reshape(sa, sb)
    return torch.from_numpy(idx), big_a, big_c


def _cut_masks(c, min_rows: float):
    """What :func:`_best_halves` forbids, from the rows per cell ``c`` (..., A, C) alone (so the
    boosting computes it once, not every round): (the lower half's and the upper half's
    second cuts that leave fewer than ``min_rows`` rows on a side, (..., A-1, C-1) each; the
    first cuts that do, (..., A-1))."""
    def half(xc):
        sc = xc.cumsum(-1)
        tc, lc = sc[..., -1:], sc[..., :-1]
        return (lc < min_rows) | (tc - lc < min_rows), tc[..., 0]

    cc = c.cumsum(-2)[..., :-1, :]
    (lo_mask, lo_rows), (up_mask, up_rows) = half(cc), half(c.sum(-2, keepdim=True) - cc)
    return lo_mask, up_mask, (lo_rows < min_rows) | (up_rows < min_rows)


def _best_halves(g, h, masks):
    """Cut the first grid axis at every t (cells ``< t`` | ``>= t``), then each half once on
    the second axis (or not). Inputs (..., A, C) and the :func:`_cut_masks` of their rows;
    returns (gain (..., A-1), lower cut, upper cut), a cut of 0 meaning no cut; a cut that
    leaves fewer than ``min_rows`` rows on a side is not allowed."""
    def half(xg, xh, mask):  # (..., A-1, C): the half's column sums
        sg, sh = xg.cumsum(-1), xh.cumsum(-1)
        tg, th = sg[..., -1:], sh[..., -1:]
        lg, lh = sg[..., :-1], sh[..., :-1]
        whole = (tg ** 2 / th.clamp_min(1e-12))[..., 0]  # no cut
        if lg.shape[-1] == 0:
            return whole, torch.zeros(whole.shape, dtype=torch.long)
        # in place where a temporary is ours (the same operations in the same order: the same
        # bits, 10-25% less time on the largest dev grids)
        rg = tg - lg
        split = (lg ** 2).div_(lh.clamp_min(1e-12))
        split.add_(rg.mul_(rg).div_((th - lh).clamp_min_(1e-12)))
        split.masked_fill_(mask, -1.0)
        best, at = split.amax(-1), split.argmax(-1)  # (Tensor.max(dim) is ~1000x slower on the CPU)
        take = whole >= best  # no cut wins a tie, as position 0 of one argmax did
        return torch.where(take, whole, best), torch.where(take, 0, at + 1)  # s: cut before column s

    cg, ch = g.cumsum(-2)[..., :-1, :], h.cumsum(-2)[..., :-1, :]
    tg, th = g.sum(-2, keepdim=True), h.sum(-2, keepdim=True)
    lo_gain, lo_cut = half(cg, ch, masks[0])
    up_gain, up_cut = half(tg - cg, th - ch, masks[1])
    gain = (lo_gain + up_gain).masked_fill(masks[2], -1.0)
    return gain, lo_cut, up_cut


def _tree_step_and_gain(g, h, c, lr: float, min_rows: float, l2: float, w=None, greedy: bool = False,
                        masks=None):
    """One two-level tree per grid: (..., A, C) sums of gradient, hessian and rows per cell
    (``w``: their weight, default ``c``); returns the (..., A, C) step (``-lr`` times each
    region's gradient over hessian), zero where no cut is allowed, and the (...,) score of
    each grid's best tree (the sum over its regions of gradient squared over hessian, the
    better of the two cut orders; every grid holds every row, so it ranks the pairs' gains).
    Third, each bag's best pair (B,) under ``greedy`` (inputs (B, P, A, C)), whose step alone is
    built, (B, A, C) (the same sums as slicing the full step: bit for bit); else None.
    ``masks``: the two cut orders' :func:`_cut_masks` of ``c``, when computed before."""
    a, cdim = g.shape[-2:]
    best = []
    if masks is None:
        masks = _order_masks(c, min_rows)
    for swap in (False, True):
        x = [t.transpose(-1, -2) for t in (g, h)] if swap else [g, h]
        gain, lo_cut, up_cut = _best_halves(*x, masks[swap])
        if gain.shape[-1] == 0:
            best.append((torch.full(gain.shape[:-1], -1.0), None, None, None))
            continue
        val, t = gain.amax(-1), gain.argmax(-1)
        best.append((val, t + 1, lo_cut.gather(-1, t[..., None])[..., 0], up_cut.gather(-1, t[..., None])[..., 0]))
    score = torch.maximum(best[0][0], best[1][0])
    pick = None
    if greedy:  # only each bag's best pair needs its tree
        pick = score.argmax(-1)
        at = torch.arange(len(pick))
        best = [tuple(None if z is None else z[at, pick] for z in b) for b in best]
        g, h, c, w = (None if z is None else z[at, pick] for z in (g, h, c, w))
    (v0, t0, l0, u0), (v1, t1, l1, u1) = best
    swap = v1 > v0
    ok = torch.maximum(v0, v1) > 0
    ii = torch.arange(a)[:, None].expand(a, cdim)
    jj = torch.arange(cdim)[None, :].expand(a, cdim)

    def leaf_ids(first, second, t, lo, up):  # cells' region 0..3 for cuts t (first axis), lo/up (second)
        t, lo, up = (z[..., None, None] for z in (t, lo, up))
        upper = first >= t
        cut = torch.where(upper, up, lo)
        return upper.long() * 2 + ((second >= cut) & (cut > 0)).long()

    leaf = leaf_ids(ii, jj, t0, l0, u0) if t0 is not None else torch.zeros_like(g, dtype=torch.long)
    if t1 is not None:
        leaf = torch.where(swap[..., None, None], leaf_ids(jj, ii, t1, l1, u1), leaf)
    onehot = torch.nn.functional.one_hot(leaf, 4).to(g.dtype)  # (..., A, C, 4)
    lg = (onehot * g[..., None]).sum((-3, -2))
    lh = (onehot * h[..., None]).sum((-3, -2))
    lw = (onehot * (c if w is None else w)[..., None]).sum((-3, -2))
    # a floor of MIN_HESSIAN per unit of row weight: rows the mains already fit with near
    # certainty (p(1-p) near 0) must not turn a small gradient into a huge step
    value = -lr * lg / torch.maximum(lh + l2, MIN_HESSIAN * lw).clamp_min(1e-12)  # (..., 4)
    step = value.gather(-1, leaf.flatten(-2)).reshape(g.shape)
    step = step * ok[..., None, None].to(g.dtype)
    return step, score, pick


def _order_masks(c, min_rows: float) -> tuple:
    """:func:`_cut_masks` of both cut orders (the first axis first, then the second)."""
    return _cut_masks(c, min_rows), _cut_masks(c.transpose(-1, -2), min_rows)


def _tree_step(g, h, c, lr: float, min_rows: float, l2: float, w=None):
    """The step of :func:`_tree_step_and_gain` alone."""
    return _tree_step_and_gain(g, h, c, lr, min_rows, l2, w)[0]


def _bce(logit: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.softplus(logit) - y * logit


def boost_pairs(lay: TermLayout, pair_inputs: tuple, main_logit, y, fit_w: torch.Tensor, val_w: torch.Tensor,
                lr: float = 0.05, max_rounds: int = 5000, patience: int = 50, min_rows: float = 4.0,
                l2: float = 0.0, num_threads: int | None = None,
                stop_se: float | None = None, greedy: bool | None = None,
                member_stop: bool = False) -> tuple[np.ndarray, TrainResult]:
    """Boost the pair grids of ``lay.pairs`` (binary log loss) on top of the frozen mains.

    ``pair_inputs``: (base, wa, wb) of :meth:`TermLayout.encode_pairs`; ``main_logit`` (n, B)
    the bags' main-effect logits; ``y`` (n,) 0/1; ``fit_w``/``val_w`` (n, B) each bag's
    training and validation weights. Every round each bag steps the pair whose tree gains
    most (every pair without :data:`GREEDY`); the bags keep the round of their lowest mean
    validation loss, and stop after ``patience``
    rounds without a new one. Returns the grids (B, S) and a result whose history has one
    row per round. ``num_threads``: torch's CPU threads while boosting (as the engine's
    ``num_threads``; None leaves torch's setting). ``stop_se``: keep instead the earliest
    round whose bags' validation losses are within this many paired standard errors (over
    the bags) of the lowest mean's (the one-standard-error rule of CART and glmnet: fewer
    rounds where the bags disagree); None keeps the lowest. ``greedy``: :data:`GREEDY` when None.
    ``member_stop``: each bag keeps the round of its own lowest validation loss, as EBM's outer
    bags each stop on their own (boosting goes on until every bag has passed ``patience``
    rounds without a new low of its own; ``stop_se`` is then not applied)."""
    base, wa, wb = (torch.as_tensor(np.asarray(a)) for a in pair_inputs)
    size = lay.pair_offsets()[1]
    design = RowDesign.bilinear(base, torch.from_numpy(lay.pair_strides()), wa, wb, size)
    cells = _padded_cells(lay)[0]
    return _boost_and_stop(design, cells, size, main_logit, y, fit_w, val_w, lr, max_rounds, patience, min_rows,
                           l2, num_threads, stop_se, greedy, member_stop)


def boost_mains(lay: TermLayout, lo: np.ndarray, w: np.ndarray, terms: list[int], logit, y, fit_w: torch.Tensor,
                val_w: torch.Tensor, lr: float = 0.05, max_rounds: int = 5000, patience: int = 50,
                min_rows: float = 4.0, l2: float = 0.0, num_threads: int | None = None,
                stop_se: float | None = None) -> tuple[np.ndarray, TrainResult]:
    """Boost the main tables of the features ``terms`` (schema indices) on top of ``logit``
    (n, B), as EBM boosts its mains: every round each bag steps the one feature whose stump
    (one cut on its ordered entries: the knots, then the missing slot; or the category
    codes) most lowers a second-order approximation of its training loss. Rows between two
    knots reach both with their interpolation weights, so the steps land on the NAM's own
    knots and every export reads them as it reads the networks' tables. ``lo``/``w`` (n, F)
    of :meth:`TermLayout.encode_main`; the rest as :func:`boost_pairs`. Returns the steps'
    sum as main tables (B, T) (zero outside ``terms``) and the result."""
    size = lay.main_size()
    lo_t = torch.as_tensor(np.asarray(lo)[:, terms])
    w_t = torch.as_tensor(np.asarray(w)[:, terms]).float()
    design = RowDesign.linear(lo_t, w_t, size)
    slots = [lay.main_slot(i) for i in terms]
    cells = np.full((len(terms), max(len(s) for s in slots), 1), size, np.int64)
    for k, s in enumerate(slots):
        cells[k, :len(s), 0] = s
    return _boost_and_stop(design, torch.from_numpy(cells), size, logit, y, fit_w, val_w, lr, max_rounds,
                           patience, min_rows, l2, num_threads, stop_se)


def boost_main_tables(lay: TermLayout, lo: np.ndarray, w: np.ndarray, main_tab: np.ndarray, main_logit: np.ndarray,
                      y, fit_w: torch.Tensor, val_w: torch.Tensor, skip: set[str], **kw) -> tuple:
    """The NAM's mains with :func:`boost_mains` added: (tables (B, T), row logits (n, B),
    record). Every feature is boosted except those named in ``skip`` (left out by term
    selection) and those with a monotone constraint (a stump step could break it); the
    record gives the rounds kept (0: the tables unchanged) and the features stepped."""
    monotone = lay.monotone_terms()
    terms = [i for i, name in enumerate(lay.names) if name not in skip and not monotone[i]]
    if not terms:
        return main_tab, main_logit, {"rounds": 0, "features": []}
    values, res = boost_mains(lay, lo, w, terms, main_logit, y, fit_w, val_w, **kw)
    moved = [lay.names[i] for i in terms if np.abs(values[:, lay.main_slot(i)]).max() > 0]
    record = {"rounds": int(res.best_epoch), "features": moved,
              "val_loss": {"before": float(np.mean(res.extra["start_val_by_member"])),
                           "after": float(res.best_val_loss)}}
    if not moved:
        return main_tab, main_logit, record
    part = lerp_sum(torch.from_numpy(values), torch.as_tensor(lo), torch.as_tensor(w)).T.numpy()
    return main_tab + values, main_logit + part, record


def _boost_and_stop(design: RowDesign, cells: torch.Tensor, size: int, logit, y, fit_w, val_w, lr, max_rounds,
                    patience, min_rows, l2, num_threads, stop_se, greedy=None,
                    member_stop: bool = False) -> tuple[np.ndarray, TrainResult]:
    """:func:`_boost` under ``num_threads``, then the ``stop_se`` round (see :func:`boost_pairs`)."""
    before = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(int(num_threads))
    try:
        values, res = _boost(design, cells, size, logit, y, fit_w, val_w, lr, max_rounds, patience, min_rows, l2,
                             GREEDY if greedy is None else greedy, member_stop)
        by_round = res.extra.pop("val_by_member")  # (rounds, B): not kept in the model
        steps = res.extra.pop("steps")
        keep = res.best_epoch if member_stop else round_within_se(by_round, res.best_epoch, stop_se)
        if keep == res.best_epoch:
            return values, res
        values = _values_at(steps, keep, values.shape[0], size)
        member = by_round[keep]
        return values, replace(res, best_epoch=keep, best_val_loss=float(np.mean(member)),
                               best_val_by_member=list(member), extra={**res.extra, "stop_se_round": keep})
    finally:
        torch.set_num_threads(before)


def _boost(design: RowDesign, cells: torch.Tensor, size: int, main_logit, y, fit_w, val_w, lr, max_rounds, patience,
           min_rows, l2, greedy: bool = True, member_stop: bool = False):
    """The boosting loop on the table entries ``cells`` (P, A, C) (``size``: the zero padding
    entry) that the rows read through ``design``: the best round's values and the result
    (its ``extra`` holds every round's validation losses per bag and steps, for
    :func:`_boost_and_stop` to drop)."""
    t_start = time.perf_counter()
    y = torch.tensor(np.asarray(y), dtype=torch.float32).reshape(-1, 1)
    fw, vw = fit_w.float(), val_w.float()
    main = torch.as_tensor(np.asarray(main_logit), dtype=torch.float32)
    b = fw.shape[1]
    # rows (not weight) per cell, as bilinear shares: a cut needs ``min_rows`` rows on each
    # side whatever the scale of the sample weights
    per_cell = torch.cat([design.mt @ torch.cat([(fw > 0).float(), fw], 1), fw.new_zeros(1, 2 * b)])
    groups = []  # (pair indices, their cells, rows and weight per cell, cut masks) per grid shape
    for idx, ck in _shape_groups(cells, size) if greedy else [(torch.arange(len(cells)), cells)]:
        pc = per_cell[ck]
        rows_k, weight_k = pc[..., :b].permute(3, 0, 1, 2), pc[..., b:].permute(3, 0, 1, 2)
        groups.append((idx, ck, rows_k, weight_k, _order_masks(rows_k, min_rows)))  # the rows never change
    values = torch.zeros(size, b)
    pairs_part = torch.zeros_like(main)
    vsum, fsum = vw.sum(0).clamp_min(1e-12), fw.sum(0)  # the bags' weights never change
    best, best_round, best_values, best_member, history, by_member = np.inf, 0, values.clone(), None, [], []
    steps: list = []  # each round's steps (:func:`_delta_parts`): any round's values, rebuilt
    for r in range(max_rounds + 1):
        logit = main + pairs_part
        loss = _bce(logit, y)  # (n, B), read by both losses
        member = (loss * vw).sum(0) / vsum  # (B,) validation loss of each bag
        val = float(member.mean())
        by_member.append(member.tolist())
        history.append({"epoch": r, "train_loss": float(((loss * fw).sum(0) / fsum).mean()),
                        "val_loss": val, "lr": lr, "seconds": time.perf_counter() - t_start})
        if member_stop:  # each bag its own best round (``best_round``: their latest)
            if r == 0:
                bag_best, bag_round = member.clone(), torch.zeros(b, dtype=torch.long)
            better = member < bag_best
            bag_best, bag_round[better] = torch.where(better, member, bag_best), r
            best_values[:, better] = values[:, better]
            best, best_round, best_member = float(bag_best.mean()), int(bag_round.max()), bag_best.tolist()
        elif val < best:
            best, best_round, best_values, best_member = val, r, values.clone(), member.tolist()
        if r == 0:
            start_member = member.tolist()
        elif r - best_round >= patience:  # under member_stop: no bag has a new low for patience rounds
            break
        if r == max_rounds:
            break
        p = torch.sigmoid(logit)
        gh = design.mt @ torch.cat([(p - y) * fw, p * (1 - p) * fw], 1)  # (S, 2B)
        gh = torch.cat([gh, gh.new_zeros(1, 2 * b)])
        # under GREEDY each bag steps only the pair whose tree gains most: stepping every pair
        # at once on the same residuals moves the score by up to one Newton step per pair (123
        # pairs on loans_subprime), overshoots, and the validation loss rises from round 1.
        # Only the picked pairs' trees are built (B, A, C): the other pairs' steps are zero.
        if greedy:
            parts = _greedy_by_shape(groups, gh, b, lr, min_rows, l2)
        else:  # one group: every pair steps its tree (B, P, A, C)
            _, ck, rows_k, weight_k, masks_k = groups[0]
            step = _tree_step_and_gain(*_grad_hess(gh, ck, b), rows_k, lr, min_rows, l2, weight_k, masks=masks_k)[0]
            parts = [(torch.arange(b), ck.expand(b, *ck.shape), step)]
        steps.append(parts)
        delta = _delta_parts(parts, b, size)
        values += delta
        pairs_part += design.m @ delta
    n_rounds = len(history)
    result = TrainResult(history=pd.DataFrame(history), best_epoch=best_round, n_epochs=n_rounds, device="cpu",
                         fit_time=time.perf_counter() - t_start, stopped_early=n_rounds <= max_rounds,
                         best_val_loss=best, extra={"start_val_by_member": start_member, "val_by_member": by_member,
                                                    "steps": steps},
                         best_val_by_member=best_member)
    return best_values.T.double().numpy(), result


def _shape_groups(cells: torch.Tensor, size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The pairs of ``cells`` (P, A, C; padded with ``size``) grouped by their own grid shape,
    each group's cells cut to that shape: [(pair indices, cells (P_k, A_k, C_k))], first pair
    first. Boosting pads every grid to the largest only within a group: one pair with a
    1,274-level category made every one of 51 grids 23 x 1,274 (1.55 s a round instead of .022)."""
    real = cells != size
    dims = torch.stack([real[:, :, 0].sum(1), real[:, 0, :].sum(1)], 1)  # padding is at the ends
    out = []
    for shape in torch.unique(dims, dim=0):
        idx = torch.nonzero((dims == shape).all(1))[:, 0]
        out.append((idx, cells[idx][:, : int(shape[0]), : int(shape[1])]))
    return sorted(out, key=lambda g: int(g[0][0]))


def _greedy_by_shape(groups: list, gh: torch.Tensor, b: int, lr: float, min_rows: float, l2: float) -> list:
    """One greedy round over pairs of several grid shapes: each group's best tree per bag, then
    each bag's best over the groups (a tie to the first pair, as one argmax over all pairs);
    the steps as [(bags, their picked pair's cells, step)] per group that won a bag."""
    best_s = torch.full((b,), -torch.inf)
    best_i = torch.full((b,), torch.iinfo(torch.long).max)
    won = torch.zeros(b, dtype=torch.long)
    picked = []
    for k, (idx, ck, rows_k, weight_k, masks_k) in enumerate(groups):
        step, score, pick = _tree_step_and_gain(*_grad_hess(gh, ck, b), rows_k, lr, min_rows, l2, weight_k,
                                                greedy=True, masks=masks_k)
        s_k, o_k = score.gather(1, pick[:, None])[:, 0], idx[pick]
        take = (s_k > best_s) | ((s_k == best_s) & (o_k < best_i))
        best_s, best_i, won = torch.where(take, s_k, best_s), torch.where(take, o_k, best_i), torch.where(take, k, won)
        picked.append((ck[pick], step))
    parts = []
    for k, (where, step) in enumerate(picked):
        bags = torch.nonzero(won == k)[:, 0]
        if len(bags):
            parts.append((bags, where[bags], step[bags]))
    return parts


def _grad_hess(gh: torch.Tensor, cells: torch.Tensor, b: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient and hessian sums (B, P, A, C) of the grids ``cells`` (P, A, C), read from
    every entry's (S + 1, 2B) sums ``gh`` (the padding entry last, zero)."""
    x = gh[cells]  # (P, A, C, 2B)
    return x[..., :b].permute(3, 0, 1, 2), x[..., b:].permute(3, 0, 1, 2)


def _delta_parts(parts: list, b: int, size: int) -> torch.Tensor:
    """(size, B) cell values of one round's steps ``parts``: [(bags, the cells they step,
    steps)], as :func:`_greedy_by_shape` returns them; the padding cell ``size`` is dropped."""
    out = torch.zeros(b * (size + 1))
    for bags, where, step in parts:
        flat = (bags[:, None] * (size + 1) + where.reshape(len(bags), -1)).reshape(-1)
        out.index_add_(0, flat, step.reshape(-1))
    return out.view(b, size + 1)[:, :size].T


def _values_at(steps: list, k: int, b: int, size: int) -> np.ndarray:
    """(B, size) values after the first ``k`` rounds, summed in the loop's order."""
    values = torch.zeros(size, b)
    for parts in steps[:k]:
        values += _delta_parts(parts, b, size)
    return values.T.double().numpy()


#: table reads per chunk of rows in :func:`pair_logit` (bags x rows x pairs)
LOGIT_CHUNK = 1 << 22


def pair_logit(lay: TermLayout, enc, tab: np.ndarray) -> np.ndarray:
    """(n, B) pair part of the score of every row and bag for the tables ``tab`` (B, S) on
    ``lay.pairs``."""
    if not lay.pairs:
        return np.zeros((len(enc), tab.shape[0]))
    pb, pwa, pwb = lay.encode_pairs(enc)
    base, wa, wb = (torch.as_tensor(np.asarray(a)) for a in (pb, pwa, pwb))
    table, stride = torch.from_numpy(np.ascontiguousarray(tab)).float(), torch.from_numpy(lay.pair_strides())
    # a chunk of rows at a time: the read holds about ten (B, rows, P) arrays (1.1 GiB at 30,000
    # rows x 150 pairs x 8 bags, a default fit's peak); each row's sum is the same either way
    step = max(1, LOGIT_CHUNK // max(table.shape[0] * base.shape[1], 1))
    out = np.empty((len(base), table.shape[0]))
    for a in range(0, len(base), step):
        part = bilinear_gather(table, base[a:a + step], stride, wa[a:a + step], wb[a:a + step]).sum(-1).T
        out[a:a + step] = part.double().numpy()
    return out


def blend_tables(lay: TermLayout, enc, parts: list, sw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weighted sum of pair tables fitted on different pair lists: ``parts`` is a list of
    (tables (B, S), pairs, weight). Sets ``lay.pairs`` to the union (the first part's pairs
    first) less the pairs whose cells are all zero; returns (tables (B, S'), pair mass)."""
    from .layout import pair_mass

    cells: dict = {}
    for tab, pairs, weight in parts:
        start = 0
        for a, b in pairs:
            n = lay.axis_size(a) * lay.axis_size(b)
            cells[(a, b)] = cells.get((a, b), 0.0) + weight * tab[:, start:start + n]
            start += n
    keep = [p for p, c in cells.items() if np.abs(c).max() > 0]
    lay.pairs = [list(p) for p in keep]
    off, size = lay.pair_offsets()
    out = np.zeros((parts[0][0].shape[0], size))
    for o, p in zip(off, keep):
        out[:, o:o + cells[p].shape[1]] = cells[p]
    pb, pwa, pwb = lay.encode_pairs(enc)
    return out, pair_mass(lay, pb, pwa, pwb, sw)

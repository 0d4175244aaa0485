"""The NAM's searches judged on the bags' validation rows: the paired test every search
step uses (:func:`improves`), and term selection for the main effects (:func:`select_terms`):
which terms the bags' validation rows say carry nothing.

A term is judged by what leaving it out does to each bag's validation loss: its
contribution on that bag's validation rows is replaced by its mean over the training rows
(so the intercept stays), with no refit. A term whose removal does not raise the mean of
the bags' validation losses is a candidate to leave out; :func:`fit_nam` then refits the
main effects without the candidates and keeps the refit only when its validation loss is
lower by a paired margin (many weak columns, few rows: EBM and L1 models gain there by
leaving such columns near zero; a NAM trained jointly fits every column's noise).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ...training.engine import TrainResult
from .layout import TermLayout

__all__ = ["improves", "select_terms", "removal_deltas", "terms_to_drop", "keep_mask", "shrink_terms"]


def removal_deltas(lay: TermLayout, table: np.ndarray, lo: np.ndarray, w: np.ndarray, mass: np.ndarray,
                   logit: np.ndarray, target: torch.Tensor, val_w: torch.Tensor, task: str,
                   groups: list[np.ndarray] | None = None) -> np.ndarray:
    """(B, G): each bag's weighted validation loss with the terms of group g left out minus
    its loss with every term (``groups``: lists of term indices; default each term alone);
    ``table`` (B, T) the bags' flat main tables, ``lo``/``w`` (n, F) the rows' encoding,
    ``mass`` (T,) the training rows' share of each entry, ``logit`` (n, B) the bags'
    main-effect logits, ``val_w`` (n, B) the validation weights."""
    seg = lay.main_segments()
    n_terms = len(lay.names)
    member = np.eye(n_terms)
    if groups is not None:
        member = np.zeros((n_terms, len(groups)))
        for g, idx in enumerate(groups):
            member[np.asarray(idx, dtype=np.int64), g] = 1.0
    vw = val_w.double().numpy()
    y = target.reshape(-1).double().numpy()
    out = np.zeros((table.shape[0], member.shape[1]))
    for b in range(table.shape[0]):
        rows = np.flatnonzero(vw[:, b] > 0)
        if not len(rows):
            continue
        t = table[b]
        contrib = t[lo[rows]] * (1.0 - w[rows]) + t[lo[rows] + 1] * w[rows]  # (m, F)
        means = np.bincount(seg[seg >= 0], (t * mass)[seg >= 0], minlength=n_terms)
        z = logit[rows, b][:, None] - (contrib - means[None, :]) @ member  # (m, G): each group left out
        yr = y[rows]
        wt = vw[rows, b]
        loss_out = wt @ _row_loss(z, yr[:, None], task)
        loss_all = wt @ _row_loss(logit[rows, b], yr, task)
        out[b] = (loss_out - loss_all) / wt.sum()
    return out


def _row_loss(z: np.ndarray, y: np.ndarray, task: str) -> np.ndarray:
    """The engine's row loss in float64 (differences of losses near 0 stay meaningful):
    log loss on logits for ``"binary"``, squared error otherwise."""
    if task == "binary":
        return np.logaddexp(0.0, z) - y * z
    return (z - y) ** 2


def terms_to_drop(deltas: np.ndarray, protected: np.ndarray) -> np.ndarray:
    """Indices of the terms whose removal does not raise the bags' mean validation loss,
    never a ``protected`` one (bool per term), and never every term."""
    drop = (deltas.mean(0) <= 0.0) & ~protected
    if drop.all():
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(drop)


def keep_mask(lay: TermLayout, drop: np.ndarray) -> np.ndarray:
    """(T,) float32: 0 at the flat entries of the terms in ``drop``, 1 elsewhere."""
    seg = lay.main_segments()
    keep = np.ones(len(seg), dtype=np.float32)
    if len(drop):
        keep[np.isin(seg, drop)] = 0.0
    return keep


def improves(new: TrainResult | None, old: TrainResult | None, margin_se: float | None) -> bool:
    """Whether ``new`` has a lower validation loss than ``old`` (both fitted on the same bags):
    by more than ``margin_se`` paired standard errors of the per-bag differences when given
    and there are at least two bags, else by anything."""
    if new is None or new.best_val_loss is None:
        return False
    if old is None or old.best_val_loss is None:
        return True
    a, b = new.best_val_by_member, old.best_val_by_member
    if a is None or b is None or len(a) != len(b):
        return new.best_val_loss < old.best_val_loss
    return _clears(np.asarray(b, dtype=float) - np.asarray(a, dtype=float), margin_se)


def select_terms(lay: TermLayout, lo: np.ndarray, w: np.ndarray, mass: np.ndarray, mains: tuple,
                 target: torch.Tensor, val_w: torch.Tensor, task: str, margin_se: float | None,
                 refit: Callable[[np.ndarray], tuple], gate: bool = True):
    """(mains fit to use, record of the selection or None when no term was a candidate).
    ``mains`` is (tables (B, T), biases, row logits (n, B), result); ``refit(keep)`` fits the
    mains again with the entries at 0 in ``keep`` left out; ``gate=False`` refits whenever
    there are candidates. Terms with a monotone constraint are never left out: the user
    named them. The record (``fit_info_["term_selection"]``) names the candidates, whether
    they were refitted without (only where leaving them out without a refit clears the
    margin) and kept, and both validation losses."""
    if len(lay.names) < 2:
        return mains, None
    table, _, logit, res = mains
    deltas = removal_deltas(lay, table, lo, w, mass, logit, target, val_w, task)
    protected = lay.monotone_terms()
    drop = terms_to_drop(deltas, protected)
    if not len(drop):
        return mains, None
    record = {"candidates": [lay.names[i] for i in drop], "refit": False, "kept": False,
              "val_loss": {"all": None if res.best_val_loss is None else float(res.best_val_loss),
                           "selected": None}}
    # the refit costs a fit: tried only where leaving the candidates out together, without
    # refitting, lowers the bags' validation loss by the margin (a paired test over bags)
    gain = -removal_deltas(lay, table, lo, w, mass, logit, target, val_w, task, [drop])[:, 0]
    if gate and not _clears(gain, margin_se):
        return mains, record
    new = refit(keep_mask(lay, drop))
    kept = improves(new[3], res, margin_se)
    sel = new[3].best_val_loss
    record.update(refit=True, kept=bool(kept))
    record["val_loss"]["selected"] = None if sel is None else float(sel)
    return (new if kept else mains), record


def shrink_terms(lay: TermLayout, lo: np.ndarray, w: np.ndarray, mass: np.ndarray, mains: tuple,
                 target: torch.Tensor, val_w: torch.Tensor, task: str):
    """(mains with every term scaled by a factor in [0, 1], factors (B, F)): each bag fits one
    factor per term and a new intercept on its own validation rows (the loss of
    ``bias + sum_j (mean_j + a_j (f_j(x) - mean_j))``, L-BFGS-B from every ``a_j = 1``), so a
    term the jointly trained networks made larger than the held-out rows support shrinks
    toward its mean, as boosting's few steps leave a weak column small. A term's training
    mean, its shape and the sign of its slope stay; the tables stay additive and exact."""
    from scipy.optimize import minimize
    from scipy.special import expit

    table, bias, logit, res = mains
    seg = lay.main_segments()
    n_terms = len(lay.names)
    vw = val_w.double().numpy()
    y = target.reshape(-1).double().numpy()
    table, bias, logit = table.copy(), bias.copy(), logit.copy()
    factors = np.ones((table.shape[0], n_terms))
    for b in range(table.shape[0]):
        rows = np.flatnonzero(vw[:, b] > 0)
        if not len(rows):
            continue
        t = table[b]
        means = np.bincount(seg[seg >= 0], (t * mass)[seg >= 0], minlength=n_terms)
        lo_r, w_r = lo[rows], w[rows]  # the validation rows' positions and weights, gathered once
        c = t[lo_r] * (1.0 - w_r) + t[lo_r + 1] * w_r - means[None, :]  # (m, F)
        wt = vw[rows, b] / vw[rows, b].sum()
        yr = y[rows]

        def loss(p, c=c, wt=wt, yr=yr):
            z = p[-1] + c @ p[:-1]
            g = wt * (expit(z) - yr if task == "binary" else 2.0 * (z - yr))
            return float(wt @ _row_loss(z, yr, task)), np.r_[c.T @ g, g.sum()]

        start = np.r_[np.ones(n_terms), bias[b] + means.sum()]
        fit = minimize(loss, start, jac=True, method="L-BFGS-B",
                       bounds=[(0.0, 1.0)] * n_terms + [(None, None)], options={"maxiter": 200})
        best = fit.x if fit.fun <= loss(start)[0] else start  # never worse than no shrinking
        a, b0 = best[:-1], best[-1]
        factors[b] = a
        on = seg >= 0
        table[b, on] = means[seg[on]] + a[seg[on]] * (t[on] - means[seg[on]])
        bias[b] = b0 - means.sum()
        logit[:, b] = bias[b] + _row_totals(table[b], lo, w)
    return (table, bias, logit, res), factors


#: rows per chunk of :func:`_row_totals`: its (rows, F) temporaries stay in cache (the whole
#: read at once took ~2 s a bag at 1M rows x 50 features, a sixth of a fit's set-up)
ROW_TOTALS_CHUNK = 1 << 14


def _row_totals(t: np.ndarray, lo: np.ndarray, w: np.ndarray, chunk: int = ROW_TOTALS_CHUNK) -> np.ndarray:
    """Every row's sum over terms of its interpolated read of one bag's table ``t`` (NumPy,
    float64; :func:`~interpretable_nn.nn.table_reads.lerp_sum` is torch's, summed in another
    order): the same bits as ``(t[lo] * (1 - w) + t[lo + 1] * w).sum(1)`` (each row is summed
    alone), ``chunk`` rows at a time."""
    out = np.empty(len(lo))
    for s in range(0, len(lo), chunk):
        lo_c, w_c = lo[s:s + chunk], w[s:s + chunk]
        out[s:s + chunk] = (t[lo_c] * (1.0 - w_c) + t[lo_c + 1] * w_c).sum(1)
    return out


def _clears(gain: np.ndarray, margin_se: float | None) -> bool:
    """Whether per-bag gains are above 0 by more than ``margin_se`` paired standard errors
    (by anything with no margin or fewer than two bags)."""
    if margin_se is None or len(gain) < 2:
        return float(gain.mean()) > 0
    return float(gain.mean()) > margin_se * float(gain.std(ddof=1)) / np.sqrt(len(gain))

"""Category levels fitted to their posterior mode after the networks stop.

The main-effect networks stop early on the bags' validation loss: early stopping is the
numeric shapes' regularisation. A category's levels already have their own, the
empirical-Bayes prior of :func:`~.fit.free_value_prior`, so stopping them early shrinks them
twice: on a small, mostly categorical set (german_credit) a logistic regression on one-hot
levels beats the NAM. Here, per bag, each categorical feature's level values are moved to the
mode of their posterior (the bag's training rows, the rest of the model held fixed as an
offset, the same prior) by Newton steps, one feature after the other for a few passes
(backfitting). The level values stay in the main table: every export reads them as before.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .layout import TermLayout

__all__ = ["refit_levels"]


def refit_levels(lay: TermLayout, lo: np.ndarray, main_tab: np.ndarray, main_logit: np.ndarray, y: np.ndarray,
                 fit_w: np.ndarray, precision: np.ndarray, skip: set[str] = frozenset(), passes: int = 3,
                 steps: int = 4) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(tables (B, T), row logits (n, B), features moved): the categorical features' level
    values of every bag at the mode of ``sum fit_w * logloss + sum precision * v^2 / 2``, the
    other terms fixed. ``lo`` (n, F) the rows' table positions, ``y`` (n,) in {0, 1},
    ``fit_w`` (n, B) the bags' training weights, ``precision`` as :func:`~.fit.free_value_prior`
    (numeric missing slots first, then the codes). Features named in ``skip`` (left out by term
    selection) are not touched."""
    tab, logit = main_tab.astype(np.float64).copy(), main_logit.astype(np.float64).copy()
    y = np.asarray(y, dtype=np.float64).reshape(-1, 1)
    fw = np.asarray(fit_w, dtype=np.float64)
    offsets, n = lay.main_offsets(), len(y)
    cat_start = lay.n_numeric + np.concatenate([[0], np.cumsum(lay.cat_sizes)]).astype(np.int64)
    cats = [i for i, num in enumerate(lay.is_numeric) if not num and lay.names[i] not in skip]
    moved = set()
    for _ in range(passes):
        for i in cats:
            c, size = lay.col[i], int(lay.cat_sizes[lay.col[i]])
            pos = offsets[i] + np.arange(size)
            code = (lo[:, i] - offsets[i]).astype(np.int64)
            onehot = sparse.csr_matrix((np.ones(n), (code, np.arange(n))), shape=(size, n))
            prec = np.asarray(precision[cat_start[c] : cat_start[c] + size], dtype=np.float64)[:, None]
            v = tab[:, pos].T.copy()  # (K, B)
            base = logit - v[code]
            for _ in range(steps):
                p = 1.0 / (1.0 + np.exp(-(base + v[code])))
                grad = onehot @ ((p - y) * fw) + prec * v
                hess = onehot @ (p * (1.0 - p) * fw) + prec
                v = v - grad / hess
            if np.abs(v - tab[:, pos].T).max() > 1e-9:
                moved.add(lay.names[i])
            tab[:, pos] = v.T
            logit = base + v[code]
    return tab, logit, [name for name in lay.names if name in moved]

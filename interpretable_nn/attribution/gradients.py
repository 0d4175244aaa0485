"""Integrated gradients (Sundararajan et al., 2017, "Axiomatic Attribution for Deep
Networks") on a model's encoded input, summed back onto the raw features.

The completeness axiom says the attributions of a row sum to ``f(x) - f(baseline)``; the
largest violation over the rows is returned as ``completeness_gap`` beside the values, the
way captum returns its convergence delta.
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["integrated_gradients"]


def integrated_gradients(
    forward,
    x: torch.Tensor,
    baseline: torch.Tensor,
    group: np.ndarray | None = None,
    n_groups: int | None = None,
    steps: int = 64,
    chunk: int = 4096,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Integrated gradients of a scalar output per row.

    Parameters
    ----------
    forward : callable
        Maps a float tensor (rows, columns) to one output per row (n,).
    x : Tensor of shape (n, d)
    baseline : Tensor of shape (d,)
    group : ndarray of shape (d,), optional
        For each input column the index of the feature it belongs to; attributions of the
        columns of one feature are summed (e.g. the one-hot columns of a categorical).
    n_groups : int, optional
        Number of features (default ``group.max() + 1``).
    steps : int
        Gauss-Legendre quadrature nodes on the straight path (exact for paths on which the
        output is a polynomial of degree < 2 * steps).

    Returns
    -------
    values : ndarray (n, n_groups or d)
    base : ndarray (n,)  -- ``f(baseline)`` repeated
    completeness_gap : float -- ``max |values.sum(1) - (f(x) - f(baseline))|``
    """
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas = torch.tensor((nodes + 1) / 2, dtype=x.dtype, device=x.device)
    wts = torch.tensor(weights / 2, dtype=x.dtype, device=x.device)
    baseline = baseline.to(x.device, x.dtype).reshape(1, -1)
    n, d = x.shape
    attr = torch.zeros(n, d, dtype=torch.float64)
    fx = torch.zeros(n, dtype=torch.float64)
    per = max(1, chunk // steps)
    for s in range(0, n, per):
        xb = x[s : s + per]
        diff = xb - baseline
        path = (baseline + alphas.view(-1, 1, 1) * diff.unsqueeze(0)).reshape(-1, d)
        path.requires_grad_(True)
        out = forward(path)
        (grad,) = torch.autograd.grad(out.sum(), path)
        grad = grad.reshape(steps, -1, d)
        avg = (wts.view(-1, 1, 1) * grad).sum(0)
        attr[s : s + per] = (avg * diff).double().cpu()
        with torch.no_grad():
            fx[s : s + per] = forward(xb).double().cpu().reshape(-1)
    with torch.no_grad():
        fb = float(forward(baseline).double().cpu().reshape(-1)[0])
    if group is not None:
        k = int(n_groups if n_groups is not None else group.max() + 1)
        vals = np.zeros((n, k))
        np.add.at(vals.T, group, attr.numpy().T)
    else:
        vals = attr.numpy()
    gap = float(np.max(np.abs(vals.sum(1) - (fx.numpy() - fb)))) if n else 0.0
    return vals, np.full(n, fb), gap

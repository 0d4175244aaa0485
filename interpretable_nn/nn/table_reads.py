"""Reads of flat lookup tables: linear (a main effect between two knots) and bilinear (a
pair between four grid corners), per bag; gathered for any rows, or, for the fixed rows of
a fit, through one sparse matrix (:class:`RowDesign`). Used by :mod:`.feature_nets`."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ["lerp_gather", "lerp_sum", "bilinear_gather", "corner_weights", "RowDesign"]


def lerp_gather(table: torch.Tensor, lo: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Linear interpolation read of flat tables.

    ``table`` (B, T), ``lo`` (n, F) int64 flat positions, ``w`` (n, F) weights toward
    ``lo + 1``; returns (B, n, F) = ``(1 - w) table[lo] + w table[lo + 1]``.
    """
    n, f = lo.shape
    flat = lo.reshape(-1)
    t0 = table[:, flat].reshape(len(table), n, f)  # not -1: n may be 0
    t1 = table[:, flat + 1].reshape(len(table), n, f)
    w = w.to(table.dtype)
    return t0 + w * (t1 - t0)


#: entries (bags x rows x features) a CPU read of :func:`lerp_sum` gathers at a time
CPU_CHUNK_ENTRIES = 1 << 20


def _lerp_rows(table, lo, a0, a1) -> torch.Tensor:
    n, f = lo.shape
    flat = lo.reshape(-1)
    t0 = table.index_select(1, flat).reshape(len(table), n, f)  # not -1: n may be 0
    t1 = table.index_select(1, flat + 1).reshape(len(table), n, f)
    return (a0 * t0 + a1 * t1).sum(-1)


class _LerpSum(torch.autograd.Function):
    """``sum_f a0[:, f] table[lo[:, f]] + a1[:, f] table[lo[:, f] + 1]`` per bag, with a
    scatter-add backward (``index_add_``), faster on CPU than autograd's backward of
    advanced indexing."""

    @staticmethod
    def forward(ctx, table, lo, a0, a1):
        n, f = lo.shape
        a0, a1 = a0.to(table.dtype), a1.to(table.dtype)
        ctx.save_for_backward(lo, a0, a1)
        ctx.size = table.shape[1]
        # On the CPU, rows a chunk at a time (each row's sum is the same either way): one
        # pass over 1M rows x 50 features x 8 bags took 4 to 17 s, chunks of 1M entries 0.5 s
        step = n if table.device.type != "cpu" else max(1, CPU_CHUNK_ENTRIES // max(1, len(table) * f))
        if step >= n:
            return _lerp_rows(table, lo, a0, a1)
        return torch.cat([_lerp_rows(table, lo[s : s + step], a0[..., s : s + step, :], a1[..., s : s + step, :])
                          for s in range(0, n, step)], dim=-1)

    @staticmethod
    def backward(ctx, grad):
        lo, a0, a1 = ctx.saved_tensors
        b = grad.shape[0]
        g = grad.unsqueeze(-1)
        flat = lo.reshape(-1)
        out = grad.new_zeros(b, ctx.size + 1)
        out.index_add_(1, flat, (g * a0).reshape(b, -1))
        out.index_add_(1, flat + 1, (g * a1).reshape(b, -1))
        return out[:, : ctx.size], None, None, None


def lerp_sum(table: torch.Tensor, lo: torch.Tensor, w: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """``(lerp_gather(table, lo, w) * mask).sum(-1)``: (B, n) row totals of the
    interpolated terms (``mask`` (n, F) or (B, n, F), e.g. feature dropout), with a fast
    backward."""
    a1 = w.to(table.dtype)
    a0 = 1.0 - a1
    if mask is not None:
        a0, a1 = a0 * mask, a1 * mask
    return _LerpSum.apply(table, lo, a0, a1)


def bilinear_gather(
    table: torch.Tensor, base: torch.Tensor, stride: torch.Tensor, wa: torch.Tensor, wb: torch.Tensor
) -> torch.Tensor:
    """Bilinear read of flat 2-D grids: ``table`` (B, S); ``base`` (n, P) flat position of
    the lower corner; ``stride`` (P,) the length of the second axis; ``wa``, ``wb`` (n, P)
    weights toward the next knot on each axis. Returns (B, n, P)."""
    n, p = base.shape
    b00 = base.reshape(-1)
    b10 = (base + stride).reshape(-1)
    bags = table.shape[0]  # not -1: with 0 rows the reshape would be ambiguous
    t00 = table[:, b00].reshape(bags, n, p)
    t01 = table[:, b00 + 1].reshape(bags, n, p)
    t10 = table[:, b10].reshape(bags, n, p)
    t11 = table[:, b10 + 1].reshape(bags, n, p)
    wa, wb = wa.to(table.dtype), wb.to(table.dtype)
    top = t00 + wb * (t01 - t00)
    bottom = t10 + wb * (t11 - t10)
    return top + wa * (bottom - top)


def corner_weights(base: torch.Tensor, stride: torch.Tensor, wa: torch.Tensor, wb: torch.Tensor):
    """The bilinear read of :func:`bilinear_gather` as four corners: flat positions and
    weights, each (4, n, P)."""
    b10 = base + stride
    ca, cb = 1.0 - wa, 1.0 - wb
    return torch.stack([base, base + 1, b10, b10 + 1]), torch.stack([ca * cb, ca * wb, wa * cb, wa * wb])


#: rows per chunk while :class:`RowDesign` is built: their stacked entries are held at once
BUILD_ROWS = 1 << 15
#: table positions and entry counts below this are stored as int32 (torch's sparse products
#: read either index type, to the same bits), half the memory of int64
INT32_LIMIT = 2**31


class RowDesign:
    """Every training row's read of a flat table as one sparse matrix.

    A linear read (mains: positions ``lo``, ``lo + 1``) or a bilinear one (pairs: four
    corners) is a weighted sum of table entries that stays the same for the whole fit; as
    a sparse (n, S) CSR matrix ``M``, a step's row totals are ``M @ table.T`` and their
    gradient ``M.T @ grad``: two sparse products instead of a gather of ``k n F``
    entries per bag and its scatter-add (whole fits 2 to 9 times faster on a CPU:
    ``benchmarks/results/nam_fixed_rows.md``).

    Parameters
    ----------
    idx : Tensor (k, n, F) int64
        Flat table positions each row reads.
    weight : Tensor (k, n, F)
        Their weights.
    size : int
        The table's length S.
    """

    def __init__(self, idx: torch.Tensor, weight: torch.Tensor, size: int):
        k, n, f = idx.shape
        self._build(n, lambda a, b: (idx[:, a:b].permute(1, 2, 0).reshape(b - a, f * k),
                                     weight[:, a:b].permute(1, 2, 0).reshape(b - a, f * k)), size)

    @classmethod
    def linear(cls, lo: torch.Tensor, w: torch.Tensor, size: int) -> RowDesign:
        """The mains' read ``(1 - w) table[lo] + w table[lo + 1]``: the matrix of
        ``RowDesign(stack([lo, lo + 1]), stack([1 - w, w]), size)``, its entries laid out row
        by row at once instead of stacked and then permuted (two copies of 10^8 entries fewer
        at 1M rows x 50 features)."""
        d, e = cls.__new__(cls), 2 * lo.shape[1]
        d._build(lo.shape[0], lambda a, b: (torch.stack([lo[a:b], lo[a:b] + 1], 2).reshape(b - a, e),
                                            torch.stack([1.0 - w[a:b], w[a:b]], 2).reshape(b - a, e)), size)
        return d

    @classmethod
    def bilinear(cls, base: torch.Tensor, stride: torch.Tensor, wa: torch.Tensor, wb: torch.Tensor,
                 size: int) -> RowDesign:
        """The pairs' read, :func:`corner_weights`' four corners of each row's cell: the matrix
        of ``RowDesign(*corner_weights(base, stride, wa, wb), size)``, the corners made a
        chunk of rows at a time (at 150 pairs the four corners of every row at once were most
        of a fit's peak memory)."""
        d, e = cls.__new__(cls), 4 * base.shape[1]

        def entries(a: int, b: int):
            idx, weight = corner_weights(base[a:b], stride, wa[a:b], wb[a:b])
            return idx.permute(1, 2, 0).reshape(b - a, e), weight.permute(1, 2, 0).reshape(b - a, e)

        d._build(base.shape[0], entries, size)
        return d

    def _build(self, n: int, entries, size: int) -> None:
        """The matrices from each row's entries: ``entries(a, b)`` gives rows a..b-1's
        ``cols`` and ``vals`` (b - a, E), called a chunk of :data:`BUILD_ROWS` rows at a time,
        so that only the kept entries of every row are held at once, not all of them."""
        self.n, self.size = n, int(size)
        itype = np.int32 if self.size < INT32_LIMIT else np.int64
        cols_parts, vals_parts, counts = [], [], np.zeros(n, dtype=np.int64)
        for a in range(0, n, BUILD_ROWS):
            b = min(n, a + BUILD_ROWS)
            cols, vals, counts[a:b] = self._chunk(*entries(a, b))
            cols_parts.append(cols.astype(itype))
            vals_parts.append(vals)
            del cols, vals
        cols = np.concatenate(cols_parts) if cols_parts else np.zeros(0, dtype=itype)
        del cols_parts
        vals = np.concatenate(vals_parts) if vals_parts else np.zeros(0, dtype=np.float32)
        del vals_parts
        if len(cols) >= INT32_LIMIT:
            cols = cols.astype(np.int64)
        indptr = np.zeros(n + 1, dtype=cols.dtype)
        np.cumsum(counts, out=indptr[1:])
        # the transpose by SciPy's counting pass (rows stay in order within a column), not a
        # stable sort of every entry's column: 0.7 s against 2-6 s at 10^8 entries
        t = sp.csr_matrix((vals, cols, indptr), shape=(n, self.size), copy=False).tocsc()
        t_type = np.int64 if cols.dtype == np.int64 or np.int64 in (t.indptr.dtype, t.indices.dtype) else np.int32
        with warnings.catch_warnings():  # torch's "sparse CSR support is in beta" notice
            warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
            self.m = torch.sparse_csr_tensor(torch.from_numpy(indptr), torch.from_numpy(cols), torch.from_numpy(vals),
                                             (n, self.size), check_invariants=False)
            self.mt = torch.sparse_csr_tensor(*(torch.from_numpy(a.astype(t_type, copy=False))
                                                for a in (t.indptr, t.indices)), torch.from_numpy(t.data),
                                              (self.size, n), check_invariants=False)

    @staticmethod
    def _chunk(cols: torch.Tensor, vals: torch.Tensor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One chunk's kept entries, row by row: (columns, values, entries per row)."""
        # Built as CSR directly (COO's coalesce took 2.6 s a matrix at 200k rows x 50
        # features, most of a CPU fit's set-up): entries row by row, term by term (a term's
        # entries ascend, and so do the terms' table segments: sorted already, else sorted
        # here), the entries two terms share (one term's next entry is another's first)
        # summed, and zero weights dropped (a category's "next" entry, a knot hit exactly).
        m = len(cols)
        vals = vals.float()
        if cols.shape[1] > 1 and not bool((cols[:, 1:] >= cols[:, :-1]).all()):
            cols, order = torch.sort(cols, dim=1, stable=True)  # a sorted row keeps its order
            vals = vals.gather(1, order)
        # NumPy from here: its boolean selection is ~10x torch's index_select/masked_select on
        # 10^8 entries (1M rows x 50 features x 2: 6.4 s for the three arrays, now ~1 s)
        cols, vals = cols.contiguous().numpy(), vals.contiguous().numpy()
        keep = vals != 0
        indptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(keep.sum(1), out=indptr[1:])
        cols, vals = cols[keep], vals[keep]  # row by row, in order
        first = np.empty(len(cols), dtype=bool)  # an entry that starts a run of one column in its row
        first[:1] = True
        np.not_equal(cols[1:], cols[:-1], out=first[1:])
        first[indptr[:-1][indptr[:-1] < len(cols)]] = True  # a row's first entry
        if not first.all():  # shared entries: each run summed in order (torch's index_add_, as before)
            runs = np.zeros(len(cols) + 1, dtype=np.int64)
            np.cumsum(first, out=runs[1:])
            vals = torch.zeros(int(runs[-1]), dtype=torch.float32).index_add_(
                0, torch.from_numpy(runs[1:] - 1), torch.from_numpy(vals)).numpy()
            cols, indptr = cols[first], runs[indptr]
        return cols, vals, np.diff(indptr)

    def read(self, table: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        """Row totals (B, len(rows)) of ``table`` (B, S) at the training rows ``rows``."""
        if torch.is_grad_enabled() and table.requires_grad:
            return _DesignRead.apply(table, self, rows)
        # evaluation, chunk by chunk: one product of every row for all the chunks of a table
        # (each chunk recomputed it: 19 s of validation at 1M rows, now a sixteenth)
        last = getattr(self, "_last", None)
        if last is None or last[0].shape != table.shape or last[0].dtype != table.dtype or not torch.equal(last[0], table):
            last = self._last = (table.detach().clone(), self.product(table))
        return last[1].index_select(0, rows).T

    def product(self, table: torch.Tensor) -> torch.Tensor:
        """(n, B): every fixed row's total for each of the B tables."""
        m = self.m if table.dtype == torch.float32 else self.m.to(table.dtype)
        return m @ table.T.contiguous()


class _DesignRead(torch.autograd.Function):
    @staticmethod
    def forward(ctx, table, design: RowDesign, rows):
        ctx.design = design
        ctx.save_for_backward(rows)
        return design.product(table).index_select(0, rows).T

    @staticmethod
    def backward(ctx, grad):
        (rows,) = ctx.saved_tensors
        d = ctx.design
        full = grad.new_zeros(d.n, grad.shape[0]).index_add_(0, rows, grad.T.contiguous())
        mt = d.mt if grad.dtype == torch.float32 else d.mt.to(grad.dtype)
        return (mt @ full).T, None, None

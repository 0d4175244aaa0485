"""Batched feature networks, knot-grid reads and the additive lookup tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn import functional as F

from interpretable_nn.nn.feature_nets import (
    AdditiveTables,
    FeatureNets,
    MainEffectNet,
    PairGridNet,
    RowDesign,
    bilinear_gather,
    corner_weights,
    lerp_gather,
    lerp_sum,
    monotone_values,
)


@pytest.mark.parametrize("activation", ["relu", "exu"])
def test_batched_nets_equal_one_network_at_a_time(activation):
    torch.manual_seed(0)
    nets = FeatureNets(4, (8, 5), activation)
    x = torch.randn(4, 7)
    out = nets(x)
    assert out.shape == (4, 7)
    for g in range(4):  # the reference: network g evaluated alone, layer by layer
        xg = x[g][:, None]
        if activation == "exu":
            h = torch.clamp(torch.exp(nets.w0[g]) * (xg - nets.b0[g]), 0, 1)
        else:
            h = F.relu(xg * nets.w0[g] + nets.b0[g])
        h = F.relu(h @ nets.weights[0][g] + nets.biases[0][g])
        ref = (h @ nets.w_out[g] + nets.b_out[g]).squeeze(-1)
        torch.testing.assert_close(out[g], ref)


def test_feature_nets_reject_bad_configuration():
    with pytest.raises(ValueError, match="activation"):
        FeatureNets(2, (4,), "tanh")
    with pytest.raises(ValueError, match="hidden_sizes"):
        FeatureNets(2, ())


def test_monotone_values_are_monotone_and_free_ones_untouched():
    torch.manual_seed(1)
    knots = torch.sort(torch.randn(3, 9), dim=1).values
    knots[2, 6:] = knots[2, 5]  # padding repeats the last knot
    raw = torch.randn(2, 3, 9) * 5
    v = monotone_values(raw, knots, torch.tensor([1.0, -1.0, 0.0]))
    assert (v[:, 0].diff(dim=-1) >= 0).all()
    assert (v[:, 1].diff(dim=-1) <= 0).all()
    torch.testing.assert_close(v[:, 2], raw[:, 2])


def test_lerp_sum_matches_gather_and_has_correct_gradient():
    torch.manual_seed(2)
    table = torch.randn(3, 40, dtype=torch.float64, requires_grad=True)
    lo = torch.randint(0, 38, (25, 4))
    w = torch.rand(25, 4, dtype=torch.float64)
    mask = (torch.rand(3, 25, 4) > 0.3).double()
    torch.testing.assert_close(lerp_sum(table, lo, w), lerp_gather(table, lo, w).sum(-1))
    torch.testing.assert_close(lerp_sum(table, lo, w, mask), (lerp_gather(table, lo, w) * mask).sum(-1))
    assert torch.autograd.gradcheck(lambda t: lerp_sum(t, lo, w, mask), (table,))


@pytest.mark.parametrize("chunk", [1, 7, 64, 10_000])
def test_lerp_sum_reads_the_same_bits_a_chunk_of_rows_at_a_time(monkeypatch, chunk):
    """The CPU read goes a chunk of rows at a time (a whole pass over 1M rows thrashes the
    caches): each row's sum is the very same, with and without a mask, and so is the gradient."""
    import interpretable_nn.nn.table_reads as tr

    torch.manual_seed(3)
    table = torch.randn(3, 40, requires_grad=True)
    lo, w = torch.randint(0, 38, (53, 4)), torch.rand(53, 4)
    mask = (torch.rand(3, 53, 4) > 0.3).float()
    whole = [tr.lerp_sum(table, lo, w), tr.lerp_sum(table, lo, w, mask)]
    (g_whole,) = torch.autograd.grad(whole[1].sum(), table)
    monkeypatch.setattr(tr, "CPU_CHUNK_ENTRIES", chunk)
    parts = [tr.lerp_sum(table, lo, w), tr.lerp_sum(table, lo, w, mask)]
    (g_parts,) = torch.autograd.grad(parts[1].sum(), table)
    for a, b in zip(whole, parts):
        assert torch.equal(a, b)
    assert torch.equal(g_whole, g_parts)
    assert tr.lerp_sum(table, lo[:0], w[:0]).shape == (3, 0)


def test_row_design_reads_what_the_gathers_read_with_the_same_gradient():
    """The sparse read of fixed rows equals the linear and bilinear gathers at any subset
    of rows (in any order, repeated), forward and backward."""
    torch.manual_seed(5)
    table = torch.randn(3, 60, dtype=torch.float64, requires_grad=True)
    lo, w = torch.randint(0, 58, (40, 4)), torch.rand(40, 4, dtype=torch.float64)
    lin = RowDesign(torch.stack([lo, lo + 1]), torch.stack([1 - w, w]), 60)
    stride = torch.tensor([5, 6, 4])
    base = torch.stack([torch.randint(0, 14, (40,)), torch.randint(20, 34, (40,)), torch.randint(40, 50, (40,))], 1)
    wa, wb = torch.rand(40, 3, dtype=torch.float64), torch.rand(40, 3, dtype=torch.float64)
    bil = RowDesign(*corner_weights(base, stride, wa, wb), 60)
    rows = torch.tensor([7, 3, 3, 39, 0, 12])
    # the design stores float32 weights: equal to the float64 gathers to float32 rounding
    torch.testing.assert_close(lin.read(table, rows), lerp_sum(table, lo[rows], w[rows]), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(bil.read(table, rows),
                               bilinear_gather(table, base[rows], stride, wa[rows], wb[rows]).sum(-1),
                               rtol=1e-6, atol=1e-6)
    g = torch.randn(3, len(rows), dtype=torch.float64)
    for design, gather in [(lin, lambda t: lerp_sum(t, lo[rows], w[rows])),
                           (bil, lambda t: bilinear_gather(t, base[rows], stride, wa[rows], wb[rows]).sum(-1))]:
        (mine,) = torch.autograd.grad((design.read(table, rows) * g).sum(), table)
        (ref,) = torch.autograd.grad((gather(table) * g).sum(), table)
        torch.testing.assert_close(mine, ref, rtol=1e-6, atol=1e-6)
        assert torch.autograd.gradcheck(lambda t, d=design: d.read(t, rows), (table,))


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 4), n=st.integers(0, 30), f=st.integers(1, 5), size=st.integers(2, 12),
       seed=st.integers(0, 2**31 - 1))
def test_row_design_is_the_sum_of_each_rows_weighted_entries_as_valid_csr(k, n, f, size, seed):
    """Any positions (entries shared by terms, repeated within a row) and weights (zeros
    among them): ``m`` holds each row's weights summed per table entry, no stored zeros and
    sorted unique columns (a valid CSR matrix), and ``mt`` is its transpose."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, size, (k, n, f), generator=g)
    weight = torch.rand(k, n, f, generator=g) * (torch.rand(k, n, f, generator=g) > 0.25)
    d = RowDesign(idx, weight, size)
    want = torch.zeros(n, size)
    for j, r, c in np.ndindex(k, n, f):
        want[r, idx[j, r, c]] += weight[j, r, c]
    got = d.m.to_dense()
    torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-7)
    torch.testing.assert_close(d.mt.to_dense(), got.T, rtol=0, atol=0)
    for m, rows, cols in [(d.m, n, size), (d.mt, size, n)]:
        torch._validate_sparse_csr_tensor_args(m.crow_indices(), m.col_indices(), m.values(), (rows, cols))
        crow, col = m.crow_indices(), m.col_indices()
        assert all(bool((torch.diff(col[a:b]) > 0).all()) for a, b in zip(crow[:-1].tolist(), crow[1:].tolist()))
    assert bool((d.m.values() != 0).all() or (weight == 0).all())


def test_row_design_evaluation_reuses_one_product_per_table_and_follows_changes():
    """Without gradients (validation, chunk by chunk) a read takes its rows from one product
    per table: the same bits as the gradient path, and a changed table is read afresh."""
    torch.manual_seed(8)
    lo, w = torch.randint(0, 28, (50, 3)), torch.rand(50, 3)
    d = RowDesign(torch.stack([lo, lo + 1]), torch.stack([1 - w, w]), 30)
    table = torch.randn(2, 30)
    want = d.read(table.requires_grad_(), torch.arange(50)).detach()
    table = table.detach()
    with torch.no_grad():
        for rows in (torch.arange(0, 20), torch.arange(20, 50), torch.tensor([49, 0, 0])):
            assert torch.equal(d.read(table, rows), want[:, rows])
        table[1, lo[0, 0]] += 1.0  # in place: the same tensor, other values
        assert torch.equal(d.read(table, torch.tensor([0])), d.product(table).T[:, :1])
        assert d.read(table, torch.tensor([0]))[1, 0] != want[1, 0]


def test_modules_read_fixed_rows_as_they_gather():
    """``fix_rows`` then ``forward(..., rows)`` gives the gather path's logits and gradients;
    without ``rows`` (prediction, other devices) the modules gather as before."""
    torch.manual_seed(6)
    knots = torch.linspace(-2, 2, 6).repeat(2, 1)
    mains = MainEffectNet(knots, torch.tensor([1.0, 0.0]), cat_size=5, n_bags=3, hidden_sizes=(8, 4))
    lo = torch.tensor([[0, 14 + 2], [3, 14 + 4], [6, 14 + 0], [4, 14 + 3]])
    w = torch.rand(4, 2)
    with torch.no_grad():
        mains.levels.normal_()
    ref = mains(lo, w)
    mains.fix_rows(lo, w)
    rows = torch.tensor([2, 0])
    torch.testing.assert_close(mains(lo[rows], w[rows], rows), ref[rows])
    pairs = PairGridNet(12, torch.tensor([3]), torch.tensor([[0, 1], [1, 2]]), n_bags=2, smoothness=0.0)
    with torch.no_grad():
        pairs.grid.normal_()
    main = torch.randn(4, 2)
    base, wa, wb = torch.tensor([[0], [4], [1], [7]]), torch.rand(4, 1), torch.rand(4, 1)
    ref = pairs(main, base, wa, wb)
    (g_ref,) = torch.autograd.grad(ref[rows].sum(), pairs.grid)
    pairs.fix_rows(base, wa, wb)
    out = pairs(main[rows], base[rows], wa[rows], wb[rows], rows)
    torch.testing.assert_close(out, ref[rows])
    (g,) = torch.autograd.grad(out.sum(), pairs.grid)
    torch.testing.assert_close(g, g_ref)


def test_bilinear_gather_is_exact_on_a_bilinear_surface():
    sa, sb = 5, 4
    i, j = np.meshgrid(np.arange(sa), np.arange(sb), indexing="ij")
    surface = 0.3 + 1.5 * i - 0.7 * j + 0.25 * i * j
    table = torch.tensor(np.r_[surface.ravel(), np.zeros(sb + 2)])[None, :]
    rng = np.random.default_rng(0)
    ia, ib = rng.integers(0, sa - 1, 50), rng.integers(0, sb - 1, 50)
    wa, wb = rng.random(50), rng.random(50)
    out = bilinear_gather(
        table, torch.tensor(ia * sb + ib)[:, None], torch.tensor([sb]),
        torch.tensor(wa)[:, None], torch.tensor(wb)[:, None],
    )[0, :, 0].numpy()
    x, y = ia + wa, ib + wb
    np.testing.assert_allclose(out, 0.3 + 1.5 * x - 0.7 * y + 0.25 * x * y, atol=1e-12)


def test_additive_tables_forward_is_bias_plus_terms():
    torch.manual_seed(3)
    main, pair = torch.randn(3, 30), torch.randn(3, 20)
    tables = AdditiveTables(main, pair, torch.randn(3), torch.tensor([4, 3]))
    lo, w = torch.randint(0, 28, (10, 2)), torch.rand(10, 2)
    base = torch.stack([torch.randint(0, 6, (10,)), torch.randint(8, 14, (10,))], 1)
    wa, wb = torch.rand(10, 2), torch.rand(10, 2)
    terms = tables.terms(lo, w, base, wa, wb)
    assert terms.shape == (10, 4) and terms.dtype == torch.float64
    torch.testing.assert_close(tables(lo, w, base, wa, wb), tables.bias + terms.sum(1))
    # the averaged tables are the mean of the bags' tables
    bags = tables.terms(lo, w, base, wa, wb, bags=True)
    torch.testing.assert_close(bags.mean(0), terms)


def test_main_effect_net_shapes_penalty_and_monotone_guarantee():
    torch.manual_seed(4)
    knots = torch.linspace(-2, 2, 6).repeat(2, 1)
    net = MainEffectNet(knots, torch.tensor([1.0, 0.0]), cat_size=5, n_bags=3, hidden_sizes=(8, 4),
                        output_penalty=0.1, mass=torch.ones(2 * 7 + 5 + 1) / 7)
    table = net.tables()
    assert table.shape == (3, 2 * 7 + 5 + 1)
    assert (table[:, :6].diff(dim=1) >= 0).all()  # feature 0 is increasing by construction
    lo = torch.tensor([[0, 14 + 2], [3, 14 + 4], [6, 14 + 0]])  # numeric knot / missing slot, category code
    out = net(lo, torch.rand(3, 2))
    assert out.shape == (3, 3)
    assert float(net.regularization(out, None).detach()) > 0


def test_pair_grid_net_adds_pairs_to_fixed_mains_and_penalises_roughness():
    net = PairGridNet(12, torch.tensor([3]), torch.tensor([[0, 1], [1, 2]]), n_bags=2, smoothness=1.0)
    main = torch.randn(4, 2)
    base, wa, wb = torch.zeros(4, 1, dtype=torch.long), torch.rand(4, 1), torch.rand(4, 1)
    torch.testing.assert_close(net(main, base, wa, wb), main)  # grids start at zero
    with torch.no_grad():
        net.grid[:, 0] = 1.0
    assert float(net.regularization(main, None).detach()) > 0


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), f=st.integers(1, 5), k=st.integers(2, 6), w64=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_the_linear_design_is_the_stacked_designs_bits(n, f, k, w64, seed):
    """``RowDesign.linear`` (the mains' read laid out row by row) stores the same matrices,
    bit for bit, as the general constructor given the stacked ``lo, lo + 1`` and weights, for
    any rows (none included), weight precision and weights at 0 or 1 (entries dropped or shared)."""
    g = torch.Generator().manual_seed(seed)
    lo = torch.randint(0, k - 1, (n, f), generator=g) + torch.arange(f) * k
    w = torch.rand(n, f, generator=g, dtype=torch.float64 if w64 else torch.float32)
    w = torch.where(torch.rand(n, f, generator=g) < 0.2, torch.round(w), w)
    lo = torch.where((w == 1) & (lo % k == k - 2), lo + 1, lo)  # a term's last knot hit exactly: "next" is another's
    size = f * k + 1
    a, b = RowDesign.linear(lo, w, size), RowDesign(torch.stack([lo, lo + 1]), torch.stack([1.0 - w, w]), size)
    for x, y in [(a.m, b.m), (a.mt, b.mt)]:
        for get in ("crow_indices", "col_indices", "values"):
            assert torch.equal(getattr(x, get)(), getattr(y, get)())


def _same_design(a: RowDesign, b: RowDesign, same_index_type: bool = True) -> None:
    for x, y in [(a.m, b.m), (a.mt, b.mt)]:
        for get in ("crow_indices", "col_indices", "values"):
            u, v = getattr(x, get)(), getattr(y, get)()
            assert torch.equal(u.to(v.dtype), v) if not same_index_type else torch.equal(u, v)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 40), p=st.integers(1, 4), chunk=st.integers(1, 9), w64=st.booleans(),
       seed=st.integers(0, 2**31 - 1))
def test_the_bilinear_design_built_by_chunks_is_the_stacked_designs_bits(n, p, chunk, w64, seed):
    """``RowDesign.bilinear`` (the pairs' corners made a chunk of rows at a time) stores the
    same matrices, bit for bit, as the general constructor given ``corner_weights``' stacked
    corners, for any rows (none included), chunk size, weight precision and weights at 0 or 1
    (corners dropped); so does the general constructor built by chunks, and with int64
    indices (tables past int32's reach) it holds the same values."""
    from interpretable_nn.nn import table_reads

    g = torch.Generator().manual_seed(seed)
    a_len = torch.randint(2, 5, (p,), generator=g)
    c_len = torch.randint(2, 5, (p,), generator=g)
    offsets = torch.cat([torch.zeros(1, dtype=torch.long), torch.cumsum(a_len * c_len, 0)])
    size = int(offsets[-1]) + 1
    i = (torch.rand(n, p, generator=g) * (a_len - 1)).long()
    j = (torch.rand(n, p, generator=g) * (c_len - 1)).long()
    base = offsets[:-1] + i * c_len + j
    dtype = torch.float64 if w64 else torch.float32
    wa, wb = torch.rand(n, p, generator=g, dtype=dtype), torch.rand(n, p, generator=g, dtype=dtype)
    wa = torch.where(torch.rand(n, p, generator=g) < 0.3, torch.round(wa), wa)
    wb = torch.where(torch.rand(n, p, generator=g) < 0.3, torch.round(wb), wb)
    whole = table_reads.BUILD_ROWS
    try:
        stacked = RowDesign(*corner_weights(base, c_len, wa, wb), size)
        table_reads.BUILD_ROWS = chunk
        _same_design(RowDesign.bilinear(base, c_len, wa, wb, size), stacked)
        _same_design(RowDesign(*corner_weights(base, c_len, wa, wb), size), stacked)
        table_reads.INT32_LIMIT = 1  # every index int64
        wide = RowDesign.bilinear(base, c_len, wa, wb, size)
        assert wide.m.col_indices().dtype == wide.mt.col_indices().dtype == torch.int64
        _same_design(wide, stacked, same_index_type=False)
    finally:
        table_reads.BUILD_ROWS, table_reads.INT32_LIMIT = whole, 2**31
    assert stacked.m.col_indices().dtype == torch.int32  # small tables: half the index memory
    table = torch.randn(3, size, dtype=torch.float64)
    if n:
        torch.testing.assert_close(stacked.read(table, torch.arange(n)),
                                   bilinear_gather(table, base, c_len, wa, wb).sum(-1), rtol=1e-6, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 50), chunk=st.integers(1, 400), seed=st.integers(0, 2**31 - 1))
def test_the_pair_logit_read_by_chunks_is_the_one_read_bits(n, chunk, seed):
    """:func:`pair_logit` reads its rows a chunk at a time (memory): every row's pair part is
    the same, bit for bit, as one read of every row."""
    from interpretable_nn.data.encoding import TabularEncoder
    from interpretable_nn.models.nam import pair_boost
    from interpretable_nn.models.nam.layout import TermLayout

    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.integers(0, 5, 60).astype(float),
                       "c": rng.choice(list("xyz"), 60)})
    enc_fit = TabularEncoder().fit(df)
    lay = TermLayout.from_encoder(enc_fit, enc_fit.transform(df), 8, 4)
    lay.pairs = [[0, 1], [0, 2], [1, 2]]
    enc = enc_fit.transform(df.sample(n, replace=True, random_state=seed % 1000))
    tab = rng.normal(size=(4, lay.pair_offsets()[1]))
    whole = pair_boost.LOGIT_CHUNK
    try:
        pair_boost.LOGIT_CHUNK = 1 << 30
        one = pair_boost.pair_logit(lay, enc, tab)
        pair_boost.LOGIT_CHUNK = chunk  # 12 reads a row: chunks of one row and up
        pieces = pair_boost.pair_logit(lay, enc, tab)
    finally:
        pair_boost.LOGIT_CHUNK = whole
    assert one.shape == (n, 4) and np.array_equal(one, pieces)

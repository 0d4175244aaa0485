"""The NAM's bags (``interpretable_nn.models.nam.bags.bag_weights``): each holds out its own
stratified share of the rows; ``balanced=True`` (off by default: ``fit.BALANCED_BAGS``, measured
on dev as ``balbags`` in ``benchmarks/suite_tune.py``) holds every row out as often as any other."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretable_nn.models.nam.bags import bag_weights


@settings(max_examples=60, deadline=None)
@given(n=st.integers(8, 400), rate=st.floats(0.05, 0.5), n_bags=st.integers(1, 12),
       fraction=st.floats(0.05, 0.5), seed=st.integers(0, 10**6), balanced=st.booleans())
def test_each_bag_holds_out_its_share_of_each_class(n, rate, n_bags, fraction, seed, balanced):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < rate).astype(int)
    fit, val = bag_weights(y, np.ones(n), n_bags, fraction, True, np.random.default_rng(seed + 1), balanced)
    held = val.numpy() > 0
    assert np.array_equal(held, fit.numpy() == 0)  # a row is held out or trained on, never both
    for c in np.unique(y):
        size = int((y == c).sum())
        k = min(max(int(round(size * fraction)), 1 if size >= 4 else 0), max(size - 1, 0))
        assert (held[y == c].sum(0) == k).all()  # the same count per class, balanced or not


@settings(max_examples=60, deadline=None)
@given(n=st.integers(8, 400), n_bags=st.integers(1, 12), fraction=st.floats(0.05, 0.5), seed=st.integers(0, 10**6))
def test_balanced_bags_hold_every_row_out_as_often_as_any_other(n, n_bags, fraction, seed):
    y = (np.random.default_rng(seed).random(n) < 0.2).astype(int)
    _, val = bag_weights(y, np.ones(n), n_bags, fraction, True, np.random.default_rng(seed), balanced=True)
    times = (val.numpy() > 0).sum(1)
    for c in np.unique(y):
        assert np.ptp(times[y == c]) <= 1


def test_unbalanced_bags_are_todays_and_leave_rows_out_of_every_hold_out():
    y = np.zeros(1000, dtype=int)
    y[:100] = 1
    a = bag_weights(y, np.ones(1000), 8, 0.15, True, np.random.default_rng(3))
    b = bag_weights(y, np.ones(1000), 8, 0.15, True, np.random.default_rng(3), balanced=False)
    assert all(np.array_equal(x.numpy(), z.numpy()) for x, z in zip(a, b))
    times = (a[1].numpy() > 0).sum(1)
    assert (times == 0).mean() == pytest.approx(0.85**8, abs=0.05) and times.max() >= 3

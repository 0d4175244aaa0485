"""The Fidelity check type's confidence interval: wilson_interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from interpretable_nn.attribution.fidelity import Fidelity, wilson_interval


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Wilson (1927) / Newcombe (1998) reference values, z = 1.96
    (81, 263, 0.2553, 0.3662),
    (90, 100, 0.8256, 0.9448),
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
])
def test_wilson_interval_matches_reference_values(k, n, low, high):
    lo, hi = wilson_interval(k, n)
    assert (round(lo, 4), round(hi, 4)) == (low, high)


def test_wilson_interval_properties():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 5000))
        k = int(rng.integers(0, n + 1))
        lo, hi = wilson_interval(k, n)
        assert 0.0 <= lo <= k / n <= hi <= 1.0
        lo99, hi99 = wilson_interval(k, n, z=2.576)
        assert lo99 <= lo and hi <= hi99  # a wider level, a wider interval
    assert np.diff([np.subtract(*wilson_interval(50 * m, 100 * m)[::-1]) for m in (1, 4, 16)]).max() < 0
    # coverage: about 95% of binomial draws contain the true proportion
    p, n = 0.9, 400
    draws = rng.binomial(n, p, 4000)
    cover = np.mean([lo <= p <= hi for lo, hi in (wilson_interval(int(k), n) for k in draws)])
    assert 0.93 <= cover <= 0.97


def test_wilson_interval_bad_input_and_empty():
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    for k, n in ((5, 4), (-1, 4), (1, -2)):
        with pytest.raises(ValueError, match="0 <= k <= n"):
            wilson_interval(k, n)
    with pytest.raises(ValueError, match="z must be positive"):
        wilson_interval(1, 2, z=0)


def test_interval_figures_travel_through_json():
    lo, hi = wilson_interval(270, 300)
    f = Fidelity("surrogate tree vs teacher decisions", "held-out", 300,
                 {"agreement": 0.9, "agreement_low": lo, "agreement_high": hi, "r2": None})
    assert Fidelity.from_dict(f.to_dict()) == f and f.to_dict()["figures"]["r2"] is None
    assert "agreement_low 0.86" in f.summary()
    assert Fidelity.from_dict({"agreement": 0.9}) == {"agreement": 0.9}  # older files still read

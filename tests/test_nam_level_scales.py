"""Category levels learn at a pace that grows with their rows (``level_scales``, issue 16): a
level seen in a handful of rows moves slower under Adam than a common one, so early stopping
shrinks it more, as the pair cells' ``pair_scales`` do."""

import numpy as np
import pandas as pd
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretable_nn.data.encoding import TabularEncoder
from interpretable_nn.models import NAMClassifier
from interpretable_nn.models.nam import fit as namfit
from interpretable_nn.models.nam.layout import TermLayout, main_mass


def _layout(X: pd.DataFrame):
    encoder = TabularEncoder().fit(X)
    enc = encoder.transform(X)
    lay = TermLayout.from_encoder(encoder, enc, 16, 32)
    lo, w = lay.encode_main(enc)
    return lay, main_mass(lay, lo, w), enc


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), min_size=30, max_size=30), min_size=1, max_size=3),
       st.integers(0, 3))
def test_scales_follow_each_features_shares(columns, n_numeric):
    rng = np.random.default_rng(len(columns) + n_numeric)
    X = pd.DataFrame({f"c{j}": [f"v{v}" for v in col] for j, col in enumerate(columns)})
    for j in range(n_numeric):
        X[f"x{j}"] = rng.normal(size=len(X))
    lay, mass, enc = _layout(X)
    scales = namfit.level_scales(lay, mass)
    assert scales.shape == (sum(lay.cat_sizes),)
    assert np.all(scales >= 0) and np.all(scales <= namfit.LEVEL_SCALE + 1e-6)
    start, pos = lay.n_numeric * (lay.n_knots + 1), 0
    for c, size in enumerate(lay.cat_sizes):
        s, m = scales[pos : pos + size], mass[start + pos : start + pos + size]
        counts = np.bincount(enc.codes[:, c], minlength=size)
        np.testing.assert_allclose(m * len(X), counts, atol=1e-9)  # shares are the rows per code
        assert np.isclose(s.max(), namfit.LEVEL_SCALE)  # the most common level keeps today's pace
        np.testing.assert_allclose(s, namfit.LEVEL_SCALE * np.sqrt(counts / counts.max()), rtol=1e-6)
        assert np.all(s[counts == 0] == 0)  # unseen code and an unused missing code never move
        pos += size


def _rare_level_frame(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    level = rng.choice(["common", "other"], size=n)
    level[:12] = "rare"  # 12 rows, no effect of its own
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.8 * x + 0.7 * (level == "common"))))).astype(int)
    y[:12] = 1  # by chance every rare row is positive: a level a free parameter would chase
    return pd.DataFrame({"level": level, "x": x}), y


def _rare_contribution(monkeypatch, flag: bool) -> float:
    X, y = _rare_level_frame()
    monkeypatch.setattr(namfit, "LEVEL_MASS_SCALE", flag)
    m = NAMClassifier(n_bags=2, interactions=0, random_state=0, verbose=0, device="cpu").fit(X, y)
    return float(np.asarray(m.explain(X.iloc[:1]).values)[0, m.terms_.index("level")])


def test_a_rare_level_is_shrunk_more_when_scaled_by_its_rows(monkeypatch):
    torch.manual_seed(0)
    unscaled, scaled = _rare_contribution(monkeypatch, False), _rare_contribution(monkeypatch, True)
    assert unscaled > 0 and scaled > 0  # both learn that its rows were positive
    assert scaled < 0.8 * unscaled  # the scaled level stops nearer zero

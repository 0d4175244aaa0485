"""The free knot values' empirical-Bayes prior (a hook, off by default)."""

import numpy as np
import pandas as pd

from interpretable_nn.data.encoding import TabularEncoder
from interpretable_nn.models.nam.layout import TermLayout
from interpretable_nn.models.nam.priors import KNOT_MAX_PRECISION, knot_value_prior


def _layout(X):
    enc = TabularEncoder().fit(X)
    e = enc.transform(X)
    lay = TermLayout.from_encoder(enc, e, 64)
    lo, w = lay.encode_main(e)
    return lay, lo, w


def test_jagged_residuals_get_a_weak_prior_and_noise_the_strongest():
    rng = np.random.default_rng(0)
    n = 20000
    X = pd.DataFrame({"jagged": rng.integers(0, 30, n).astype(float), "noise": rng.normal(size=n)})
    effect = np.where(X.jagged.to_numpy() % 2 == 0, 1.0, -1.0)  # alternating: no smooth shape fits it
    y = (rng.random(n) < 1 / (1 + np.exp(-effect))).astype(float)
    lay, lo, w = _layout(X)
    prior = knot_value_prior(lay, lo, w, np.zeros(n), y, np.ones(n))
    assert prior[0] < 2.0  # tau ~ 1 logit: close to the weakest prior
    assert prior[1] > 100.0  # pure noise: shrunk hard
    # the smooth fit that already has the effect leaves nothing: the strongest prior
    prior_fit = knot_value_prior(lay, lo, w, effect, y, np.ones(n))
    assert prior_fit[0] > 100.0 and prior_fit[1] <= KNOT_MAX_PRECISION

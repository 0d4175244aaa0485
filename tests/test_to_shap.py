"""Explanations keep the caller's index, and ``Explanation.to_shap()`` feeds shap's own
plots (waterfall, beeswarm, bar), for every model of the registry."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_contract import _X, ALL, fitted  # noqa: E402

shap = pytest.importorskip("shap")


def _shuffled() -> pd.DataFrame:
    X = _X(40, seed=3).sample(frac=1.0, random_state=1)
    return X.set_axis([f"app-{i}" for i in np.random.default_rng(0).permutation(len(X))])


@pytest.mark.parametrize("name", ALL)
def test_explanation_keeps_the_callers_index(name):
    X = _shuffled()
    e = fitted(name).explain(X)
    assert e.to_frame().index.equals(X.index)
    joined = X.join(e.to_frame().add_suffix("_pts"))
    assert np.allclose(joined[[f"{c}_pts" for c in X.columns]].to_numpy(), e.values[:, :X.shape[1]])
    assert e.to_frame(long=True)["row"].iloc[0] == X.index[0]


@pytest.mark.parametrize("name", ALL)
def test_shap_plots_accept_the_explanation(name):
    X = _shuffled()
    s = fitted(name).explain(X).to_shap()
    assert s.values.shape == s.data.shape == (len(X), X.shape[1])
    assert list(s.feature_names) == list(X.columns)
    for plot in (lambda: shap.plots.waterfall(s[0], show=False), lambda: shap.plots.beeswarm(s, show=False),
                 lambda: shap.plots.bar(s, show=False)):
        plot()
        assert plt.gcf().axes
        plt.close("all")


def test_interactions_are_split_onto_their_features():
    from interpretable_nn.attribution.explanation import Explanation

    e = Explanation(np.array([[1.0, 2.0, 0.5]]), np.array([0.0]), ["a", "b", "a x b"],
                    data=pd.DataFrame({"a": [1.0], "b": [np.nan]}, index=["z"]))
    s = e.to_shap()
    assert s.values.tolist() == [[1.25, 2.25]] and np.isnan(s.data[0, 1])
    assert float(s.values.sum() + s.base_values[0]) == pytest.approx(e.output_values()[0])

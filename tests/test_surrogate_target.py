"""SurrogateTree(target_fidelity=...): the per-depth curve it records and the advice its
warning gives when the target is out of reach (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import interpretable_nn as inn
from interpretable_nn.models import EncodedSklearnClassifier


@pytest.fixture(scope="module")
def teacher(small_credit):
    X, y, _, _ = small_credit
    return EncodedSklearnClassifier(LogisticRegression(max_iter=2000)).fit(X, y)


def test_by_depth_records_every_depth_tried_and_the_kept_tree_is_its_best(small_credit, teacher):
    X = small_credit[0]
    with pytest.warns(UserWarning, match="No surrogate tree"):
        s = inn.SurrogateTree(max_depth=5, target_fidelity=1.0, search="greedy", random_state=0).fit(teacher, X)
    curve = s.fidelity_.details["by_depth"]
    assert list(curve["max_depth"]) == [1, 2, 3, 4, 5]
    assert (curve["depth"] <= curve["max_depth"]).all()
    assert (np.diff(curve["n_leaves"]) >= 0).all()
    assert curve["fit_agreement"].iloc[-1] > curve["fit_agreement"].iloc[0]
    assert ((curve["agreement_low"] <= curve["agreement"]) & (curve["agreement"] <= curve["agreement_high"])).all()
    assert s.fidelity_["agreement"] == curve["agreement"].max()
    best = curve.loc[curve["agreement"].idxmax()]
    assert (s.depth_, s.n_leaves_) == (best["depth"], best["n_leaves"])
    for row in curve.itertuples():  # each row is the tree of that depth, refitted alone
        alone = inn.SurrogateTree(max_depth=row.max_depth, search="greedy", random_state=0).fit(teacher, X)
        assert (alone.fidelity_["agreement"], alone.n_leaves_) == (row.agreement, row.n_leaves)


def test_by_depth_stops_at_the_first_depth_that_reaches_the_target(small_credit, teacher):
    X = small_credit[0]
    s = inn.SurrogateTree(max_depth=8, target_fidelity=0.85, search="greedy", holdout=0.3).fit(teacher, X)
    curve = s.fidelity_.details["by_depth"]
    assert s.fidelity_["target_reached"] is True
    assert curve["agreement"].iloc[-1] >= 0.85 and (curve["agreement"].iloc[:-1] < 0.85).all()


def test_warning_says_when_deeper_trees_stopped_helping(small_credit, teacher):
    X = small_credit[0]
    with pytest.warns(UserWarning) as caught:
        s = inn.SurrogateTree(max_depth=12, target_fidelity=1.0, search="greedy").fit(teacher, X)
    curve = s.fidelity_.details["by_depth"]
    peak = int(curve.loc[curve["agreement"].idxmax(), "max_depth"])
    assert peak < 12  # without augmentation the held-out agreement peaks early on these 480 fit rows
    text = str(caught[0].message)
    assert f"peaked at max_depth {peak}" in text and "lower target_fidelity" in text
    assert f"{curve['fit_agreement'].iloc[-1]:.4f} at max_depth 12" in text
    with pytest.warns(UserWarning) as caught:  # still rising at max_depth: the usual advice
        s = inn.SurrogateTree(max_depth=1, target_fidelity=1.0, search="greedy").fit(teacher, X)
    assert "raise max_depth" in str(caught[0].message) and "peaked" not in str(caught[0].message)

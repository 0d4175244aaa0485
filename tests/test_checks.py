"""One check type travels with every artefact and explanation: a :class:`Fidelity` that
says what was compared, on which rows, and the figures — and it survives JSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_contract import _X, ALL, fitted, has_explain

import interpretable_nn as inn
from interpretable_nn.attribution import Explanation, Fidelity
from interpretable_nn.explain import crosscheck


@pytest.mark.parametrize("name", ALL)
def test_every_models_explanation_carries_a_fidelity(name):
    model = fitted(name)
    if not has_explain(model):
        pytest.skip(f"{name} has no built-in explanation")
    X = _X(25, seed=3)
    e = model.explain(X)
    assert isinstance(e.check, Fidelity)
    assert e.check.compared and e.check.rows == "explained" and e.check.n_rows == len(X)
    gap = next(v for k, v in e.check.items() if k.endswith("_gap"))
    assert math.isfinite(gap) and gap >= 0
    # a slice keeps the check of the rows it came from
    assert e[:3].check == e.check


def test_chunked_explanations_merge_into_one_check_over_all_rows():
    from interpretable_nn.models.chunking import chunk_rows

    model = fitted("nam")
    X = _X(40, seed=4)
    whole = model.explain(X)
    with chunk_rows(7):
        parts = model.explain(X)
    assert isinstance(parts.check, Fidelity) and parts.check.n_rows == len(X)
    assert parts.check.compared == whole.check.compared
    assert parts.check["additivity_gap"] == pytest.approx(whole.check["additivity_gap"], abs=1e-9)


def test_a_plain_dict_check_becomes_a_fidelity_and_add_check_extends_it():
    e = Explanation(values=np.ones((2, 2)), base_values=0.0, feature_names=["a", "b"],
                    check={"additivity_gap": 0.5})
    assert isinstance(e.check, Fidelity) and e.check.n_rows == 2 and "base_values" in e.check.compared
    e.add_check(completeness_gap=0.25)
    assert dict(e.check) == {"additivity_gap": 0.5, "completeness_gap": 0.25}


def test_every_artefact_carries_a_fidelity(small_credit):
    X, y, Xte, _ = small_credit
    rules = inn.RuleNetClassifier(max_rules=5, max_epochs=5, verbose=0, random_state=0).fit(X, y)
    rs_check = rules.ruleset_.metadata["fidelity"]
    assert isinstance(rs_check, Fidelity) and rs_check.rows == "training" and rs_check.n_rows == len(X)
    back = inn.RuleSet.from_json(rules.ruleset_.to_json()).metadata["fidelity"]
    assert isinstance(back, Fidelity) and back == rs_check

    tree = inn.SurrogateTree(max_depth=3, random_state=0).fit(rules, X)
    assert isinstance(tree.fidelity_, Fidelity) and tree.fidelity_.rows in {"held-out", "training"}
    assert 0 <= tree.fidelity_["agreement"] <= 1
    assert isinstance(tree.to_ruleset().metadata["fidelity"], Fidelity)

    nam = inn.NAMClassifier(n_bags=1, max_epochs=5, interactions=0, verbose=0, random_state=0).fit(X, y)
    card = nam.to_scorecard()
    assert isinstance(nam.scorecard_check_, Fidelity) and card.check == nam.scorecard_check_

    rep = crosscheck(nam, Xte.head(20), background=X.head(50))
    assert isinstance(rep.check, Fidelity) and rep.check.n_rows == 20


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
figure = st.one_of(finite, st.integers(-(2**53), 2**53), st.booleans(), st.text(max_size=5), st.none())


@given(compared=st.text(max_size=30), rows=st.text(max_size=10), n=st.integers(0, 10**9),
       figures=st.dictionaries(st.text(min_size=1, max_size=8), figure, max_size=5))
def test_fidelity_json_round_trip_is_the_identity(compared, rows, n, figures):
    f = Fidelity(compared, rows, n, figures)
    assert Fidelity.from_dict(json.loads(json.dumps(f.to_dict(), allow_nan=False))) == f


def test_non_finite_figures_are_written_as_null_not_as_invalid_json():
    f = Fidelity("x", "held-out", 3, {"gap": float("nan"), "big": float("inf")})
    text = json.dumps(f.to_dict(), allow_nan=False)  # would raise on NaN/inf
    assert json.loads(text)["figures"] == {"gap": None, "big": None}

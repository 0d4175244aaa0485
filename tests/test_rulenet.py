"""Tests of interpretable_nn.models.rulenet: the rule set is the model, and every export
reproduces it on held-out rows with NaN and unseen categories."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import sympy
import torch
from sklearn.base import clone

import interpretable_nn as inn
from interpretable_nn.cli import main as cli_main
from interpretable_nn.data.encoding import UnseenCategoryWarning
from interpretable_nn.models.rulenet import RuleNetClassifier
from interpretable_nn.models.rulenet_extract import balanced_cuts, nice_between, simplify
from interpretable_nn.models.rulenet_select import select_rules, stable_select
from interpretable_nn.rules import Condition, Rule, RuleSet

FAST = {"max_epochs": 8, "verbose": 0, "random_state": 0}


@pytest.fixture(scope="module")
def data(small_credit):
    X, y, X_te, y_te = small_credit
    X_te = X_te.copy()
    # held-out rows with NaN in every column and categories never seen in training
    X_te.loc[0:9, "Income"] = np.nan
    X_te.loc[5:14, "Home"] = np.nan
    X_te.loc[10:19, "Home"] = "castle"
    X_te.loc[20:24, "Job"] = "astronaut"
    X_te.loc[25:29, "Seniority"] = np.nan
    X_te.loc[30:34, "Marital"] = np.nan
    return X, y, X_te, y_te


@pytest.fixture(scope="module", params=[0, 20], ids=["network", "boosted"])
def model(data, request):
    """Every rule-set contract below holds with the network's candidates alone and with the
    node paths of boosted trees beside them (``boosted_trees``)."""
    X, y, _, _ = data
    return RuleNetClassifier(max_rules=12, max_conditions=3, boosted_trees=request.param, **FAST).fit(X, y)


def _held_out(model, X_te):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        return model.decision_function(X_te), model.predict_proba(X_te), model.predict(X_te)


# ---------------------------------------------------------------- the rule set is the model
def test_model_predicts_exactly_with_its_rule_set(model, data):
    X, _, X_te, _ = data
    rs = model.ruleset_
    assert isinstance(rs, RuleSet) and rs.n_rules >= 1
    for frame in (X, X_te):
        score, proba, label = _held_out(model, frame)
        assert np.array_equal(score, rs.decision_function(frame))
        assert np.array_equal(proba, rs.predict_proba(frame))
        assert np.array_equal(label, model.classes_[(rs.decision_function(frame) > 0).astype(int)])


def test_rules_are_extracted_exactly_from_the_network(model):
    # each extracted rule fires on exactly the training rows its network node fired on
    assert model.fit_info_["network_agreement"] == 1.0
    assert model.ruleset_.metadata["network_agreement"] == 1.0
    fid = model.ruleset_.metadata["fidelity"]  # against the trained network, not itself
    assert fid.compared == "rule set vs trained network decisions" and fid.rows == "training"
    assert fid["agreement"] == model.ruleset_.metadata["network_fidelity"]


def test_network_fidelity_is_measured_against_the_trained_network(model, data):
    # share of training rows on which the pruned, refitted rule set decides as the network did
    X = data[0]
    _, enc = model._encode(X)
    with torch.no_grad():
        net = model.module_(*model._module_inputs(enc)).double().numpy() > 0
    expected = float(np.mean(net == (model.ruleset_.decision_function(X) > 0)))
    assert model.ruleset_.metadata["network_fidelity"] == expected == model.fit_info_["network_fidelity"]
    assert 0.5 < expected <= 1.0


def test_rule_set_speaks_raw_units_and_names(model, data):
    X = data[0]
    rs = model.ruleset_
    assert rs.feature_names == list(X.columns)
    for rule in rs:
        assert 0 < rule.support < 1 and 0 <= rule.precision <= 1
        for c in rule.conditions:
            assert c.feature in X.columns
            if c.op in ("<=", ">"):
                col = X[c.feature].dropna()
                # a raw-unit threshold strictly inside the training range of the feature
                assert col.min() - abs(col.min()) - 1 <= c.value <= col.max() + abs(col.max()) + 1
            if c.op in ("==", "!="):
                assert c.value in set(X[c.feature].dropna())


def test_thresholds_are_short_decimals_between_training_values():
    assert nice_between(120.0, 130.0) == 125.0
    assert nice_between(0.0, 1.0) == 0.5
    t = nice_between(0.1234, 0.1236)
    assert 0.1234 < t < 0.1236 and len(repr(t)) <= 7
    assert nice_between(None, 10.0) < 10.0 and nice_between(5.0, None) > 5.0
    lo = 1.0
    hi = np.nextafter(1.0, 2.0)
    assert lo <= nice_between(lo, hi) < hi


def test_balanced_cuts_follow_the_rare_class():
    rng = np.random.default_rng(0)
    z = rng.normal(size=4000)
    y = (z > 1.5).astype(int)  # a rare class living in the upper tail
    w = np.ones(len(z))
    cuts = balanced_cuts(z, y, w, 16)
    u = np.unique(z)
    assert 0 < len(cuts) <= 16 and not np.isin(cuts, u).any()  # never on a training value
    # each class carries half the weight: about half of the cuts fall among the rare rows
    assert 5 <= (cuts > 1.5).sum() <= 11
    plain = balanced_cuts(z, np.zeros(len(z), dtype=int), w, 16)  # one class: plain quantiles
    assert (plain > 1.5).sum() <= 2
    few = balanced_cuts(np.array([0.0, 1.0, 1.0, 3.0]), np.array([0, 1, 0, 1]), np.ones(4), 16)
    assert np.array_equal(few, [0.5, 2.0])  # few distinct values: every midpoint


def test_stable_select_keeps_the_rules_that_matter():
    rng = np.random.default_rng(0)
    A = (rng.random((1500, 40)) < 0.3).astype(float)
    logit = -1.0 + 2.0 * A[:, 0] - 2.0 * A[:, 1] + 1.5 * A[:, 2]
    y = (rng.random(1500) < 1 / (1 + np.exp(-logit))).astype(int)
    picked = stable_select(A, y, None, 5, subsamples=6, seed=0)
    assert len(picked) <= 5 and {0, 1, 2} <= set(picked.tolist())
    assert np.array_equal(picked, stable_select(A, y, None, 5, subsamples=6, seed=0))
    assert np.array_equal(stable_select(A, y, None, 5, subsamples=0), select_rules(A, y, None, 5))


def test_simplify_keeps_the_meaning_of_a_conjunction():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({
        "x": np.where(rng.random(300) < 0.2, np.nan, rng.normal(size=300)),
        "c": pd.Series(rng.choice(["a", "b", "z", None], 300), dtype=object),
    })
    order = {"x": 0, "c": 1}
    pool = [
        Condition("x", ">", -0.5), Condition("x", ">", 0.3), Condition("x", "<=", 1.0, if_missing=True),
        Condition("x", "<=", 0.1, if_missing=True), Condition("x", "is_missing", True),
        Condition("x", "is_missing", False), Condition("c", "==", "a"),
        Condition("c", "!=", "b", if_missing=True), Condition("c", "!=", "a", if_missing=True),
        Condition("c", "is_missing", True), Condition("c", "is_missing", False),
    ]
    for _ in range(300):
        conds = [pool[i] for i in rng.choice(len(pool), rng.integers(1, 5), replace=False)]
        truth = np.logical_and.reduce([c.evaluate(X[c.feature]) for c in conds])
        simple = simplify(conds, order)
        if simple is None:
            assert not truth.any()
            continue
        assert len(simple) <= len(conds)
        got = RuleSet([Rule(simple, 1.0)]).fire_matrix(X)[:, 0]
        assert np.array_equal(got, truth), (conds, simple)


# ---------------------------------------------------------------- exports reproduce the model
def test_json_round_trip_is_exact(model, data):
    X_te = data[2]
    rs = model.ruleset_
    back = RuleSet.from_json(rs.to_json())
    assert back == rs
    score = _held_out(model, X_te)[0]
    assert np.max(np.abs(back.decision_function(X_te) - score)) <= 1e-12
    figures = json.loads(rs.to_json())["metadata"]["fidelity"]["figures"]
    assert figures["agreement"] == rs.metadata["network_fidelity"]


def _sqlite_scores(rs, X, table="applicants"):
    con = sqlite3.connect(":memory:")
    cols = ['"id" INTEGER'] + [
        f'"{c}" {"REAL" if pd.api.types.is_numeric_dtype(X[c]) else "TEXT"}' for c in X.columns
    ]
    con.execute(f'CREATE TABLE "{table}" ({", ".join(cols)})')
    rows = [
        (i, *[None if pd.isna(v) else (float(v) if isinstance(v, (int, float, np.number)) else v) for v in row])
        for i, row in enumerate(X.itertuples(index=False))
    ]
    con.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * (len(X.columns) + 1))})', rows)
    out = con.execute(rs.to_sql(table=table)).fetchall()
    out.sort()
    return np.array([r[1] for r in out]), np.array([r[2] for r in out]), np.array([r[3] for r in out])


def test_sql_in_sqlite_reproduces_scores_and_decisions(model, data):
    X_te = data[2]
    score, proba, label = _held_out(model, X_te)
    sql_score, sql_decision, sql_proba = _sqlite_scores(model.ruleset_, X_te)
    assert np.max(np.abs(sql_score - score)) <= 1e-9
    assert np.array_equal(sql_decision, label)
    assert np.max(np.abs(sql_proba - proba[:, 1])) <= 1e-9


def test_sympy_lambdify_reproduces_scores(model, data):
    X_te = data[2]
    rs = model.ruleset_
    f = sympy.lambdify(rs.sympy_symbols(), rs.to_sympy(), modules="numpy")
    got = np.broadcast_to(np.asarray(f(*rs.sympy_inputs(X_te)), dtype=float), (len(X_te),))
    assert np.max(np.abs(got - _held_out(model, X_te)[0])) <= 1e-9


def test_text_markdown_and_dot_list_every_rule(model):
    rs = model.ruleset_
    text, md, dot = rs.to_text(), rs.to_markdown(), rs.to_graphviz().source
    for rule in rs:
        assert rule.condition_text() in text
        assert all(c.to_text() in md for c in rule.conditions)
        assert all(c.to_text().split(" ")[0] in dot for c in rule.conditions)
    assert len([ln for ln in text.splitlines() if ln.startswith("IF ")]) == rs.n_rules


# ---------------------------------------------------------------- parameters and contract
def test_max_rules_and_max_conditions_are_respected(data):
    X, y, _, _ = data
    m = RuleNetClassifier(max_rules=4, max_conditions=2, n_conjunctions=16, **FAST).fit(X, y)
    assert 1 <= m.ruleset_.n_rules <= 4
    assert all(len(r.conditions) <= 2 for r in m.ruleset_)
    assert m.fit_info_["n_rules"] == m.ruleset_.n_rules


def test_same_seed_same_rule_set(model, data):
    X, y, X_te, _ = data
    again = clone(model).fit(X, y)
    assert again.ruleset_ == model.ruleset_
    assert np.array_equal(_held_out(again, X_te)[0], _held_out(model, X_te)[0])


def test_save_load_round_trip(model, data, tmp_path):
    X_te = data[2]
    model.save(tmp_path / "m")
    loaded = inn.load_model(tmp_path / "m")
    assert isinstance(loaded, RuleNetClassifier)
    assert loaded.ruleset_ == model.ruleset_
    assert np.array_equal(_held_out(loaded, X_te)[1], _held_out(model, X_te)[1])
    assert loaded.literals_ == model.literals_


@pytest.mark.parametrize(
    "params, name",
    [
        ({"max_rules": 0}, "max_rules"),
        ({"max_rules": -3}, "max_rules"),
        ({"max_rules": 2.5}, "max_rules"),
        ({"max_rules": "30"}, "max_rules"),
        ({"max_conditions": 0}, "max_conditions"),
        ({"max_conditions": 1.5}, "max_conditions"),
        ({"n_thresholds": 0}, "n_thresholds"),
        ({"refit_c": 0.0}, "refit_c"),
        ({"selection_subsamples": -1}, "selection_subsamples"),
        ({"boosted_trees": -1}, "boosted_trees"),
        ({"boosted_trees": 2.5}, "boosted_trees"),
    ],
)
def test_bad_parameters_are_refused_with_a_clear_error(data, params, name):
    X, y, _, _ = data
    with pytest.raises(ValueError, match=name):
        RuleNetClassifier(**params, **FAST).fit(X, y)


def test_multiclass_target_is_refused(data):
    X = data[0]
    with pytest.raises(ValueError, match="binary classifier"):
        RuleNetClassifier(**FAST).fit(X, np.arange(len(X)) % 3)


def test_predict_before_fit_and_missing_columns(model, data):
    X_te = data[2]
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RuleNetClassifier().predict_proba(X_te)
    with pytest.raises(ValueError, match="Income"):
        model.predict_proba(X_te.drop(columns=["Income"]))


def test_explanations_add_up_to_the_score(model, data):
    X_te = data[2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        e = model.explain(X_te)
        fired = model.explain_rules(X_te)
    assert e.check["additivity_gap"] <= 1e-9
    assert np.allclose(e.base_values + e.values.sum(axis=1), _held_out(model, X_te)[0])
    assert set(fired["rule"]) <= set(range(model.ruleset_.n_rules + model.ruleset_.n_linear))


def test_registry_builds_the_model():
    m = inn.make_model("rulenet", max_rules=5)
    assert isinstance(m, RuleNetClassifier) and m.max_rules == 5


# ---------------------------------------------------------------- command line
def _export(model_dir, fmt, out, subprocess_run: bool):
    args = ["export-rules", str(model_dir), "--format", fmt, "--output", str(out), "--table", "loans"]
    if subprocess_run:
        res = subprocess.run([sys.executable, "-m", "interpretable_nn.cli", *args],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
    else:
        assert cli_main(args) == 0
    return out.read_text()


@pytest.fixture(scope="module")
def saved(model, tmp_path_factory):
    d = tmp_path_factory.mktemp("rulenet") / "m"
    model.save(d)
    return d


@pytest.mark.parametrize("fmt, in_subprocess",
                         [("json", True), ("sql", True), ("text", False), ("md", False), ("sympy", False),
                          ("dot", False)])
def test_cli_export_rules(model, data, saved, tmp_path, fmt, in_subprocess):
    text = _export(saved, fmt, tmp_path / f"rules.{fmt}", in_subprocess)
    rs = model.ruleset_
    X = data[2]
    if fmt == "json":
        assert RuleSet.from_json(text) == rs
    elif fmt == "sql":
        assert text.rstrip().endswith(";") and '"loans"' in text
        assert text.rstrip()[:-1] == rs.to_sql(table="loans")
    elif fmt == "sympy":
        expr = sympy.sympify(text, locals={s.name: s for s in rs.sympy_symbols()})
        f = sympy.lambdify(rs.sympy_symbols(), expr, modules="numpy")
        got = np.broadcast_to(np.asarray(f(*rs.sympy_inputs(X)), dtype=float), (len(X),))
        assert np.max(np.abs(got - rs.decision_function(X))) <= 1e-9
    else:
        assert all(c.feature in text for r in rs for c in r.conditions)
        if fmt in ("text", "md"):
            assert all(c.to_text() in text for r in rs for c in r.conditions)


def test_cli_export_rules_refuses_a_model_without_rules(tmp_path, data, capsys):
    X, y, _, _ = data
    inn.MLPClassifier(max_epochs=1, verbose=0).fit(X, y).save(tmp_path / "mlp")
    assert cli_main(["export-rules", str(tmp_path / "mlp")]) == 1
    assert "no rule set" in capsys.readouterr().err

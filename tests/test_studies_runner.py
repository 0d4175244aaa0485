"""The study runner: planning, one row per cell, resumability, failures, checks, artefacts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from interpretable_nn import __version__
from interpretable_nn.datasets import Dataset, make_additive
from interpretable_nn.studies import (
    Cell,
    data_hash,
    expand_models,
    plan_study,
    run_cell,
    run_study,
    split_indices,
)

FAST_MLP = {"max_epochs": 2, "hidden_sizes": (8,), "patience": 1}


@pytest.fixture(scope="module")
def additive():
    ds = make_additive(240, random_state=0)
    return ("additive", ds.X, ds.y)


@pytest.fixture(scope="module")
def small_fair():
    """Four features, one protected attribute, a binary target."""
    rng = np.random.default_rng(3)
    n = 240
    X = pd.DataFrame({"income": rng.normal(0, 1, n), "debt": rng.normal(0, 1, n),
                      "group": rng.choice(["a", "b"], n).astype(object), "age": rng.uniform(20, 60, n)})
    y = (X["income"] - X["debt"] + 0.5 * (X["group"] == "b") + rng.normal(0, 1, n) > 0).astype(int).to_numpy()
    return Dataset(X=X, y=y, name="fair", task="classification", target="y", sensitive=["group"])


def test_study_stores_one_scored_row_per_cell_and_resumes(additive, tmp_path):
    rows = run_study([additive], ["logreg", "mlp"], seeds=[0, 1], folds=2, out=tmp_path,
                     params={"mlp": FAST_MLP}, checks=(), verbose=0)
    assert len(rows) == 8 == rows["cell_key"].nunique()
    assert (rows["status"] == "ok").all(), rows["error"].dropna().tolist()
    assert rows["auc"].between(0, 1).all() and rows["log_loss"].gt(0).all() and rows["accuracy"].between(0, 1).all()
    assert rows["fit_time"].gt(0).all() and (rows["cell_time"] >= rows["fit_time"]).all()
    assert set(rows["label"]) == {"logreg", "mlp"} and set(rows["seed"]) == {0, 1}
    assert (rows["library_version"] == __version__).all()
    assert (rows["data_hash"] == data_hash(additive[1], additive[2])).all()
    assert (rows["n_train"] + rows["n_test"] == len(additive[2])).all()
    mlp = rows[rows["model"] == "mlp"]
    assert mlp["params"].iloc[0] == {k: list(v) if isinstance(v, tuple) else v for k, v in FAST_MLP.items()}
    # the runner's conventions: random_state = the seed, verbose = 0
    assert [d["model_params"]["random_state"] for d in mlp["details"]] == mlp["seed"].tolist()
    assert all(d["model_params"]["verbose"] == 0 for d in mlp["details"])
    assert (mlp["n_parameters"] == 8 * mlp["n_parameters"].iloc[0] / 8).all() and mlp["n_parameters"].gt(0).all()

    again = run_study([additive], ["logreg", "mlp"], seeds=[0, 1], folds=2, out=tmp_path,
                      params={"mlp": FAST_MLP}, checks=(), verbose=0)
    assert again["finished_at"].tolist() == rows["finished_at"].tolist()  # nothing was refitted
    assert again["owner"].tolist() == rows["owner"].tolist()

    more = run_study([additive], ["logreg"], seeds=[0, 1, 2], folds=2, out=tmp_path, checks=(), verbose=0)
    assert len(more) == 6 and more["owner"].nunique() == 2  # only seed 2 is new


def test_costly_models_run_first(additive, tmp_path):
    """Cells start in descending ``cost`` hint (the MLP before logistic regression), so two
    workers never end with one fitting the last slow cell alone; rows come back in plan order."""
    import sqlite3

    from interpretable_nn.models import model_cost

    assert model_cost("ebm") > model_cost("nam") > model_cost("mlp") > model_cost("logreg")
    assert model_cost("no such model") == 1.0
    rows = run_study([additive], ["logreg", "mlp"], seeds=[0], folds=2, out=tmp_path,
                     params={"mlp": FAST_MLP}, checks=(), verbose=0)
    assert rows["model"].tolist() == ["logreg", "logreg", "mlp", "mlp"]
    with sqlite3.connect(tmp_path / "results.sqlite") as con:
        ran = [m for (m,) in con.execute("SELECT model FROM cells ORDER BY rowid")]
    assert ran == ["mlp", "mlp", "logreg", "logreg"]


@pytest.mark.parametrize("cost", ["fast", float("nan"), float("inf"), -1.0, None, True])
def test_a_bad_cost_hint_is_refused_before_it_reaches_the_registry(cost):
    """A NaN cost would scramble the run order silently; each bad hint names the model."""
    from interpretable_nn.models import list_models, register_model

    with pytest.raises(ValueError, match="'tmp_model'.*cost must be a finite number"):
        register_model("tmp_model", lambda **p: None, "nothing", cost=cost)
    assert "tmp_model" not in set(list_models()["name"])


def test_a_failing_cell_is_recorded_and_the_study_goes_on(additive, tmp_path):
    models = [("mlp", {"hidden_sizes": [(4,), (-1,)]})]
    kw = dict(seeds=[0], folds=2, out=tmp_path, params={"mlp": {"max_epochs": 1}}, checks=(), verbose=0)
    rows = run_study([additive], models, **kw)
    bad = rows[rows["status"] == "failed"]
    assert set(bad["label"]) == {"mlp[hidden_sizes=(-1,)]"} and len(bad) == 2
    assert bad["error"].str.contains("hidden_sizes").all() and bad["auc"].isna().all()
    assert (rows.loc[rows["status"] == "ok", "label"] == "mlp[hidden_sizes=(4,)]").all()
    kept = run_study([additive], models, **kw)  # failed cells count as done ...
    assert kept["finished_at"].tolist() == rows["finished_at"].tolist()
    retried = run_study([additive], models, retry_failed=True, **kw)  # ... unless asked again
    assert len(retried) == 4 and retried["status"].value_counts()["failed"] == 2
    assert set(retried.loc[retried["status"] == "failed", "owner"]) != set(bad["owner"])


def test_plan_expands_grids_and_keys_identify_cells(additive):
    cells, data = plan_study([additive], ["logreg", ("mlp", {"lr": [0.01, 0.1]})], seeds=[0, 1], folds=3)
    assert len(cells) == 3 * 2 * 3 and list(data) == ["additive"]
    assert {c.label for c in cells} == {"logreg", "mlp[lr=0.01]", "mlp[lr=0.1]"}
    assert len({c.key for c in cells}) == len(cells)
    again, _ = plan_study([additive], ["logreg", ("mlp", {"lr": [0.01, 0.1]})], seeds=[0, 1], folds=3)
    assert [c.key for c in again] == [c.key for c in cells]
    name, X, y = additive
    other, _ = plan_study([(name, X, 1 - y)], ["logreg"], seeds=[0, 1], folds=3)  # other data, same name
    assert not {c.key for c in other} & {c.key for c in cells}
    assert expand_models({"mlp": {"lr": [0.1]}}, params={"mlp": {"max_epochs": 3}}) == [
        ("mlp", "mlp[lr=0.1]", {"max_epochs": 3, "lr": 0.1})]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(models=["nope"]), ValueError, "Unknown model 'nope'"),
        (dict(models=[("mlp", {"lr": 0.1})]), ValueError, "must be a list of values"),
        (dict(folds=1), ValueError, "folds must be an integer >= 2"),
        (dict(seeds=[]), ValueError, "seeds must be a non-empty list"),
        (dict(checks=("magic",)), ValueError, "Unknown checks"),
        (dict(params={"mlp": {"lr": 0.1}}), ValueError, "not in the study's models"),
        (dict(datasets=[42]), TypeError, "built-in name"),
        (dict(backend="spark"), ValueError, "backend must be"),
        (dict(models=[("mlp", {"lr": [0.1]}), ("mlp", {"lr": [0.1]})]), ValueError, "appears twice"),
    ],
)
def test_bad_arguments_are_refused_before_any_cell_runs(additive, tmp_path, kwargs, error, match):
    args = dict(datasets=[additive], models=["logreg"], seeds=[0], folds=2, out=tmp_path, verbose=0)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        run_study(**args)
    assert not (tmp_path / "results.sqlite").exists() or kwargs.get("backend")


def test_two_datasets_with_one_name_are_refused(additive):
    with pytest.raises(ValueError, match="Two data sets are named 'additive'"):
        plan_study([additive, additive], ["logreg"])


def test_splits_are_stratified_and_seeded():
    y = np.array([0] * 30 + [1] * 10)
    folds = [split_indices(y, "classification", 5, 0, k) for k in range(5)]
    assert sorted(np.concatenate([te for _, te in folds]).tolist()) == list(range(40))
    assert all(y[te].sum() == 2 for _, te in folds)
    assert not np.array_equal(split_indices(y, "classification", 5, 1, 0)[1], folds[0][1])
    with pytest.raises(ValueError, match="out of range"):
        split_indices(y, "classification", 5, 0, 5)


def test_checks_run_on_the_first_fold(small_fair, tmp_path):
    rows = run_study([small_fair], ["logreg"], seeds=[0], folds=2, out=tmp_path, verbose=0)
    first, second = rows[rows["fold"] == 0].iloc[0], rows[rows["fold"] == 1].iloc[0]
    checks = first["details"]["checks"]
    # a linear model explains itself exactly: the SHAP cross-check must agree
    assert checks["crosscheck"]["status"] == "ok" and checks["crosscheck"]["passed"] is True
    assert first["crosscheck_agreement"] == pytest.approx(1.0)
    audit = checks["fairness"]["attributes"]["group"]
    assert 0 <= audit["demographic_parity_difference"] <= 1 and 0 <= audit["sensitive_share"] <= 1
    assert "crosscheck" not in second["details"]["checks"] and "fairness" not in second["details"]["checks"]
    surrogate = checks["surrogate"]
    if surrogate["status"] == "ok":
        assert 0 <= first["surrogate_fidelity"] <= 1 and 0 <= second["surrogate_fidelity"] <= 1
    else:
        assert surrogate["status"] == "not available" and "SurrogateTree" in surrogate["reason"]
        assert math.isnan(first["surrogate_fidelity"])


class _FakeAdditive:
    """A model exposing what the report draws: shape functions and a rule set."""

    classes_ = np.array([0, 1])
    feature_names_ = ["a", "b"]
    terms_ = [("a",), ("b",), ("a", "b")]

    def fit(self, X, y):
        import warnings

        from interpretable_nn.rules import Condition, Rule, RuleSet

        warnings.warn("a fake warning", UserWarning, stacklevel=2)

        self.ruleset_ = RuleSet([Rule((Condition("a", ">", 0.0),), 1.0, support=0.5)], feature_names=["a", "b"])
        return self

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-np.asarray(X["a"], float)))
        return np.column_stack([1 - p, p])

    def shape_function(self, name):
        if name == "b":
            return pd.DataFrame({"value": ["x", "y"], "contribution": [0.1, -0.1]})
        v = np.linspace(-2, 2, 400)
        return pd.DataFrame({"value": v, "contribution": v / 2})


def test_run_cell_keeps_artefacts_and_complexity_of_any_model():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.choice(["x", "y"], 60).astype(object)})
    y = (X["a"] > 0).astype(int).to_numpy()
    ds = Dataset(X=X, y=y, name="toy", task="classification", target="y")
    cell = Cell("k", "toy", "h", "fake", "fake", {}, 0, 0, 2)
    row = run_cell(cell, _FakeAdditive(), ds, checks=())
    assert row["status"] == "ok", row.get("error")
    assert row["n_terms"] == 3 and row["n_interactions"] == 1 and row["n_rules"] == 1 and row["n_conditions"] == 1
    art = row["details"]["artefacts"]
    assert art["shape_functions"]["a"]["kind"] == "numeric" and len(art["shape_functions"]["a"]["value"]) == 100
    assert art["shape_functions"]["b"] == {"kind": "categorical", "value": ["x", "y"], "contribution": [0.1, -0.1]}
    assert '"weight": 1.0' in art["ruleset"]
    assert row["details"]["warnings"] == ["UserWarning: a fake warning"]  # kept, not printed


class _WarnsAfter:
    """A model whose fit waits at two barriers, then warns: two cells in threads overlap."""

    def __init__(self, text, enter, leave):
        self.text, self.enter, self.leave = text, enter, leave

    def fit(self, X, y):
        import warnings

        self.enter.wait(timeout=30)
        if self.text == "second":  # the first cell has finished when the second warns
            self.leave.wait(timeout=30)
        warnings.warn(self.text, UserWarning, stacklevel=2)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        return np.column_stack([np.full(len(X), 0.5), np.full(len(X), 0.5)])


def test_cells_in_threads_keep_their_own_warnings_and_give_the_process_its_own_back():
    """Two cells in the threads of one Dask worker: each row keeps its own warning, a thread
    outside the cells still prints, and the process's showwarning and filters come back.
    (With warnings.catch_warnings(record=True) the second cell's warning went to the console
    and the process was left sending every later warning to the first cell's finished list.)"""
    import threading
    import warnings

    from interpretable_nn.studies.cell import kept_warnings

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=40)})
    ds = Dataset(X=X, y=(X["a"] > 0).astype(int).to_numpy(), name="toy", task="classification", target="y")
    cell = Cell("k", "toy", "h", "fake", "fake", {}, 0, 0, 2)
    enter, leave = threading.Barrier(2), threading.Event()
    rows: dict = {}

    def one(text):
        rows[text] = run_cell(cell, _WarnsAfter(text, enter, leave), ds, checks=())
        if text == "first":
            leave.set()

    shown_before, filters_before = warnings.showwarning, list(warnings.filters)
    threads = [threading.Thread(target=one, args=(t,)) for t in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert rows["first"]["details"]["warnings"] == ["UserWarning: first"], rows["first"].get("error")
    assert rows["second"]["details"]["warnings"] == ["UserWarning: second"], rows["second"].get("error")
    assert warnings.showwarning is shown_before and warnings.filters == filters_before
    def warn_in_a_thread(text):
        helper = threading.Thread(target=lambda: warnings.warn(text, UserWarning, stacklevel=1))
        helper.start()
        helper.join()

    with kept_warnings() as alone:  # one cell: its fit's own threads (a thread pool) warn into it
        warn_in_a_thread("from the cell's pool")
    assert [str(m) for _, m in alone] == ["from the cell's pool"]
    with warnings.catch_warnings(record=True) as printed:  # two cells: a thread of neither is printed
        warnings.simplefilter("always")
        with kept_warnings() as inner, kept_warnings() as innermost:
            warn_in_a_thread("outside")
            warnings.warn("inside", UserWarning, stacklevel=1)
    assert [str(w.message) for w in printed] == ["outside"] and [str(m) for _, m in innermost] == ["inside"]
    assert inner == [] and warnings.showwarning is shown_before


def test_run_cell_scores_a_regressor_and_never_raises():
    from interpretable_nn import MLPRegressor

    ds = make_additive(200, task="regression", random_state=1)
    cell = Cell("k", "additive", "h", "mlp", "mlp", {}, 0, 1, 2)
    row = run_cell(cell, MLPRegressor(max_epochs=2, hidden_sizes=(8,), verbose=0), ds, checks=())
    assert row["status"] == "ok" and row["task"] == "regression", row.get("error")
    assert row["rmse"] > 0 and row["mae"] > 0 and np.isfinite(row["r2"]) and "auc" not in row
    broken = run_cell(cell, object(), ds, checks=())
    assert broken["status"] == "failed" and "AttributeError" in broken["error"]


def test_checks_are_read_by_type_and_stored_by_name():
    from interpretable_nn.attribution.fidelity import Fidelity
    from interpretable_nn.studies.cell import _headline, _stored, as_check

    fid = Fidelity("surrogate tree vs teacher decisions", "held-out", 40, {"agreement": 0.9, "r2": None})
    assert as_check(fid) is fid and _headline(fid, ("agreement", "r2")) == 0.9
    stored = _stored(fid, max_depth=4)
    assert stored["agreement"] == 0.9 and stored["n_rows"] == 40 and stored["max_depth"] == 4 and "r2" not in stored
    assert Fidelity.from_dict(stored["fidelity"]) == fid
    # an artefact still on the old shape: a plain dict with its row count and a table
    old = as_check({"agreement": None, "r2": 0.5, "n_rows": 12, "on": "training", "per_leaf": pd.DataFrame()})
    assert (old.rows, old.n_rows, dict(old)) == ("training", 12, {"agreement": None, "r2": 0.5})
    assert "per_leaf" in old.details and _headline(old, ("agreement", "r2")) == 0.5
    assert math.isnan(_headline(Fidelity(figures={"passed": True}), ("passed",)))
    with pytest.raises(TypeError, match="A check is a Fidelity"):
        as_check(0.5)


def test_stored_checks_carry_their_fidelity(small_fair, tmp_path):
    from interpretable_nn.attribution.fidelity import Fidelity

    rows = run_study([small_fair], ["logreg"], seeds=[0], folds=2, out=tmp_path, checks=("surrogate", "crosscheck"),
                     verbose=0)
    checks = rows[rows["fold"] == 0].iloc[0]["details"]["checks"]
    cross = Fidelity.from_dict(checks["crosscheck"]["fidelity"])
    assert cross["spearman_mean"] == pytest.approx(rows[rows["fold"] == 0].iloc[0]["crosscheck_agreement"])
    assert cross.n_rows == checks["crosscheck"]["n_rows"] == checks["crosscheck"]["rows"]
    surrogate = Fidelity.from_dict(checks["surrogate"]["fidelity"])
    assert surrogate["agreement"] == pytest.approx(rows[rows["fold"] == 0].iloc[0]["surrogate_fidelity"])

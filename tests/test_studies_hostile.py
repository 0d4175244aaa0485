"""Hostile inputs to the study runner, its store and its report (stop 66): each was a silent
wrong answer, a lost store or an unclear crash before its fix."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from interpretable_nn.studies import load_results, run_study, write_report
from interpretable_nn.studies.store import STORE_NAME, ResultStore


def _data(n: int = 80, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = (X["a"] + 0.3 * rng.normal(size=n) > 0).astype(int).to_numpy()
    return X, y


def _study(out, name="d", models=("logreg",), data=None, **kw):
    X, y = data if data is not None else _data()
    kw = {"folds": 2, "checks": (), "verbose": 0, **kw}
    return run_study([(name, X, y)], list(models), out=out, **kw)


# ---------------------------------------------------------------------- the store's path
@pytest.mark.parametrize("name", ["run #1", "what?", "q3 100%", "study%41", "with space", "ünïcode 中文"])
def test_load_results_reads_the_store_of_any_folder_name(tmp_path, name):
    other = ResultStore(tmp_path / "studyA")  # '%41' must not be decoded to 'A'
    other.record({"cell_key": "other", "status": "ok", "seed": 7})
    other.close()
    store = ResultStore(tmp_path / name)
    store.record({"cell_key": "mine", "status": "ok", "seed": 0})
    store.close()
    before = sorted(os.listdir(tmp_path))
    for path in (tmp_path / name, tmp_path / name / STORE_NAME, str(tmp_path / name)):
        assert load_results(path)["cell_key"].tolist() == ["mine"]
    assert sorted(os.listdir(tmp_path)) == before  # no stray file ('run ', 'what') created


# ---------------------------------------------------------------------- the report's path
def test_write_report_refuses_the_store_and_any_sqlite_file(tmp_path):
    store = ResultStore(tmp_path / "out")
    store.record({"cell_key": "k", "status": "ok", "dataset": "d", "label": "m", "auc": 0.8})
    store.close()
    other = tmp_path / "monitor.db"
    ResultStore(other).close()  # another SQLite file, e.g. a monitor's log
    for results, path in [(tmp_path / "out", tmp_path / "out" / STORE_NAME),
                          (tmp_path / "out" / STORE_NAME, tmp_path / "out" / STORE_NAME),
                          (tmp_path / "out", tmp_path / "out" / (STORE_NAME + "-wal")),
                          (load_results(tmp_path / "out"), tmp_path / "out" / STORE_NAME),
                          (tmp_path / "out", other)]:
        with pytest.raises(ValueError, match="destroy"):
            write_report(results, path)
    with pytest.raises(ValueError, match="directory"):
        write_report(tmp_path / "out", tmp_path)
    with pytest.raises(ValueError, match="empty"):
        write_report(tmp_path / "out", "")
    assert load_results(tmp_path / "out")["cell_key"].tolist() == ["k"]  # the store is intact
    assert open(other, "rb").read(15) == b"SQLite format 3"


# ---------------------------------------------------------------------- retry_failed
def test_retry_failed_reruns_only_this_studys_failed_cells(tmp_path):
    from interpretable_nn.studies import plan_study

    X, y = _data()
    cells, _ = plan_study([("d", X, y)], ["logreg"], seeds=[0], folds=2)
    store = ResultStore(tmp_path)
    store.record({"cell_key": "another-study", "status": "failed", "dataset": "B", "label": "tree", "error": "x"})
    store.record({**cells[0].row(), "status": "failed", "error": "boom"})  # this study's own failure
    store.close()
    rows = _study(tmp_path, data=(X, y), retry_failed=True)
    assert rows["status"].tolist() == ["ok", "ok"]  # its own failed cell ran again
    kept = load_results(tmp_path).set_index("cell_key")
    assert kept.loc["another-study", "status"] == "failed"  # the other study's failure stays


# ---------------------------------------------------------------------- pooling in the report
def test_the_report_never_pools_cells_that_only_share_a_name(tmp_path):
    from interpretable_nn.studies import build_report, summarize

    X, y = _data(120)
    scrambled = np.random.default_rng(5).integers(0, 2, len(y))
    _study(tmp_path, models=["tree"], data=(X, y), params={"tree": {"max_depth": 1}})
    _study(tmp_path, models=["tree"], data=(X, y), params={"tree": {"max_depth": 8}})
    _study(tmp_path, name="loans", data=(X, scrambled))  # data corrected and folds changed between runs
    _study(tmp_path, name="loans", data=(X, y), folds=3)
    s = summarize(tmp_path).set_index(["dataset", "label"])
    assert set(s.index) == {("d", "tree (max_depth=1)"), ("d", "tree (max_depth=8)"),
                            ("loans (data " + _hash(X, scrambled)[:8] + ", 2 folds)", "logreg"),
                            ("loans (data " + _hash(X, y)[:8] + ", 3 folds)", "logreg")}
    assert s["cells"].tolist() == [2, 2, 2, 3]
    html = build_report(tmp_path)
    assert "tree (max_depth=8)" in html and "shown apart" in html
    assert '<td class="l">tree</td>' not in html and '<td class="l">tree (max_depth=1)</td>' in html


def test_a_parameter_given_its_default_value_is_the_same_setting(tmp_path):
    """tree left at its default depth (4) and tree given max_depth=4: the same cells, shown as
    two settings, 'tree (max_depth=default)' and 'tree (max_depth=4)'."""
    from interpretable_nn.studies import summarize

    X, y = _data(120)
    _study(tmp_path, models=["tree"], data=(X, y))
    _study(tmp_path, models=["tree"], data=(X, y), params={"tree": {"max_depth": 4}})
    _study(tmp_path, models=["tree"], data=(X, y), params={"tree": {"max_depth": 2}})
    s = summarize(tmp_path).set_index("label")
    assert s["cells"].to_dict() == {"tree (max_depth=4)": 4, "tree (max_depth=2)": 2}


def _hash(X, y):
    from interpretable_nn.studies import data_hash

    return data_hash(X, y)


def test_the_identity_of_a_data_set_is_its_data_and_fold_count():
    from interpretable_nn.studies import summarize

    rows = pd.DataFrame({"dataset": ["d"] * 5, "label": ["m"] * 5, "status": ["ok"] * 4 + ["failed"],
                         "data_hash": ["a" * 16] * 5, "n_folds": [2, 2, 3, 3, None], "auc": [.8, .8, .6, .6, None]})
    s = summarize(rows, ["auc"])
    assert s[["dataset", "cells", "failed"]].values.tolist() == [
        ["d (2 folds)", 2, 0], ["d (3 folds)", 2, 0], ["d (? folds)", 0, 1]]
    assert s["auc_mean"].tolist()[:2] == [.8, .6]
    rows["n_folds"] = 2  # one identity: pooled under its own name
    assert summarize(rows, ["auc"])["dataset"].tolist() == ["d"]


# ---------------------------------------------------------------------- means over fewer cells
def test_a_mean_over_fewer_cells_than_the_row_counts_says_so(tmp_path):
    from interpretable_nn.studies import build_report, summarize

    rows = pd.DataFrame({"cell_key": list("abcde"), "dataset": ["d"] * 5, "label": ["m"] * 5, "status": ["ok"] * 5,
                         "seed": 0, "fold": range(5), "auc": [1.0, 1.0, None, None, None],
                         "accuracy": [.9, .95, 1.0, 1.0, 1.0], "details": [{}] * 5})
    s = summarize(rows, ["auc", "accuracy"]).iloc[0]
    assert (s["cells"], s["auc_n"], s["accuracy_n"]) == (5, 2, 5)
    html = build_report(rows)
    assert "1.0000 ± 0.0000 (2 of 5)" in html and "(5 of 5)" not in html and "(k of n)" in html


def test_folds_a_class_cannot_fill_warn_and_more_folds_than_rows_are_refused(tmp_path):
    """Stratification used to be dropped silently; refusing it (as first done at stop 66)
    refused imbalanced many-class data that ran before: a warning, and the report's 'k of n'."""
    X, _ = _data(200)
    y = np.zeros(200, int)
    y[:3] = 1  # 3 positives: 5 stratified folds cannot each hold one
    with pytest.warns(UserWarning, match=r"folds=5: class 1 .* 'rare' has only 3 row.*To stratify, use folds <= 3"):
        rows = _study(tmp_path / "rare", name="rare", data=(X, y), folds=5)
    assert (rows["status"] == "ok").all() and rows["auc"].isna().sum() >= 2
    with pytest.raises(ValueError, match="more than the 200 rows"):
        _study(tmp_path, data=(X, y), folds=201)
    assert not (tmp_path / STORE_NAME).exists()  # refused before the store was made


# ---------------------------------------------------------------------- seeds and failed studies
@pytest.mark.parametrize("seeds, match", [([-1], r"0 to 2\*\*32 - 1.*\[-1\]"), ([2**32], r"\[4294967296\]"),
                                          ([0, 0], r"\[0\] more than once"), ([True], "list of integers")])
def test_bad_seeds_are_refused_before_any_cell(tmp_path, seeds, match):
    with pytest.raises(ValueError, match=match):
        _study(tmp_path, seeds=seeds)
    assert not (tmp_path / STORE_NAME).exists()


def test_a_study_whose_cells_all_failed_warns(tmp_path):
    from interpretable_nn.studies import StudyFailedWarning

    with pytest.warns(StudyFailedWarning, match="every one of the 2 cells of this study failed; the first error"):
        rows = _study(tmp_path, params={"logreg": {"C": -1.0}})
    assert (rows["status"] == "failed").all()
    with pytest.warns(StudyFailedWarning):  # also when resumed from the store
        _study(tmp_path, params={"logreg": {"C": -1.0}})


def test_registry_names_with_a_regressor_study_both_tasks_in_one_run(tmp_path):
    """``models=["nam", "tree"]`` on a classification and a regression set: each name fits
    its regressor on the amounts (it was refused as a classifier); a name without one
    (logreg) is still refused there, naming where the regressors are listed."""
    from interpretable_nn.models import list_models, make_model

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=80), "b": rng.choice(["u", "v"], size=80)})
    amounts = ("amounts", X, X["a"].to_numpy() * 2.5 + (X["b"] == "u") + rng.normal(scale=.3, size=80))
    labels = ("labels", X, (X["a"] > 0).astype(int).to_numpy())
    rows = run_study([amounts, labels], ["nam", "tree"], folds=2, out=tmp_path, checks=(), verbose=0,
                     params={"nam": {"n_bags": 1, "max_epochs": 20, "interactions": 0}})
    assert (rows["status"] == "ok").all(), rows["error"].dropna().tolist()
    reg, cls = rows[rows.dataset == "amounts"], rows[rows.dataset == "labels"]
    assert reg["r2"].notna().all() and (reg["r2"] > .5).all() and cls["auc"].notna().all()
    assert set(list_models().query("regression").name) >= {"nam", "mlp", "tree", "hgb", "ebm", "xgb"}
    from interpretable_nn.studies.report import build_report

    html = build_report(tmp_path)  # the amounts' shape panels spoke of "raw (class 1)" and applicants
    assert "contribution to the prediction (in the target&#39;s units), most important first (mean |effect| on " \
           "held-out rows)" in html
    with pytest.raises(ValueError, match=r"Data set 'amounts' has a regression target.*Model 'logreg' is a classifier "
                                         r"and has no regressor.*\['ebm', 'hgb', 'mlp', 'nam', 'tree', 'xgb'\]"):
        run_study([amounts], ["logreg"], folds=2, out=tmp_path / "b", checks=(), verbose=0)
    with pytest.raises(ValueError, match=r"Model 'nam' takes parameters its regressor does not \(.*class_weight"):
        run_study([amounts, labels], ["nam"], folds=2, out=tmp_path / "c", checks=(), verbose=0,
                  params={"nam": {"class_weight": "balanced"}})
    assert not (tmp_path / "c" / STORE_NAME).exists()
    with pytest.raises(ValueError, match="task must be one of"):
        make_model("nam", task="amounts")
    with pytest.raises(ValueError, match=r"'task' is not a model parameter in a study; each data set's task"):
        run_study([amounts], ["tree"], folds=2, out=tmp_path / "d", checks=(), verbose=0,
                  params={"tree": {"task": "regression"}})


def test_a_data_set_declared_the_other_task_is_new_cells_not_the_stored_ones(tmp_path):
    """Resumed with Dataset(task='regression'), a study of whole-number floats handed back its
    stored classification rows (AUC, no R²); and floats read as classes now say so."""
    from interpretable_nn.datasets import Dataset

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=80)})
    y = np.clip(np.round(X["a"].to_numpy() * 2), -3, 3).astype(float)
    with pytest.warns(UserWarning, match=r"data set 'd': the target holds 7 distinct whole numbers stored as floats, "
                                         r"read as 7 classes. If it is an amount or a count, pass Dataset\(task="):
        first = run_study([("d", X, y)], ["tree"], folds=2, out=tmp_path, checks=(), verbose=0)
    assert first["auc"].notna().all() and first["r2"].isna().all()
    again = run_study([Dataset(X=X, y=y, name="d", task="regression", target="y")], ["tree"], folds=2, out=tmp_path,
                      checks=(), verbose=0)
    assert again["r2"].notna().all() and again["auc"].isna().all()
    assert not set(again["cell_key"]) & set(first["cell_key"])
    # a regression cell stored before keys held the task keeps its row (it ran again, counted twice)
    import sqlite3

    from interpretable_nn.studies.runner import _cell_key

    amounts = Dataset(X=X, y=y, name="d", task="regression", target="y")
    alone = run_study([amounts], ["tree"], folds=2, out=tmp_path / "old", checks=(), verbose=0)
    with sqlite3.connect(tmp_path / "old" / STORE_NAME) as con:
        for r in alone.itertuples():
            old = _cell_key("d", r.data_hash, "tree", {}, int(r.seed), int(r.fold), 2)
            con.execute("UPDATE cells SET cell_key = ? WHERE cell_key = ?", (old, r.cell_key))
    resumed = run_study([amounts], ["tree"], folds=2, out=tmp_path / "old", checks=(), verbose=0)
    assert len(resumed) == 2 and set(resumed["finished_at"]) == set(alone["finished_at"])
    with sqlite3.connect(tmp_path / "old" / STORE_NAME) as con:
        assert con.execute("SELECT COUNT(*) FROM cells").fetchone()[0] == 2
    from interpretable_nn.studies.report import build_report

    html = build_report(tmp_path)  # the same data as classes and as an amount: two rows, not one pooled
    assert "d (classification)" in html and "d (regression)" in html
    ages = Dataset(X=X.assign(age=np.arange(80) % 50 + 20), y=(X["a"] > 0).astype(int).to_numpy(), name="ages",
                   task="classification", target="y", sensitive=["age"])
    with pytest.raises(ValueError, match="Data set 'ages': The sensitive column 'age' is numeric with 50 distinct"):
        run_study([ages], ["tree"], folds=2, out=tmp_path / "ages", checks=("fairness",), verbose=0)
    y_nan = np.where(np.arange(80) == 3, np.nan, X["a"].to_numpy())  # one fold failed in the library's words, one in sklearn's
    with pytest.raises(ValueError, match="'n' is regression but its target holds missing, infinite or non-numeric"):
        run_study([Dataset(X=X, y=y_nan, name="n", task="regression", target="y")], ["tree"], folds=2,
                  out=tmp_path / "n", checks=(), verbose=0)


def test_a_classifier_on_a_regression_data_set_is_refused_before_any_cell(tmp_path):
    """Every cell failed with the classifier's error and the study went on; now one error says
    how to study amounts (a registered regressor), and a regressor so registered runs."""
    from interpretable_nn import NAMRegressor
    from interpretable_nn.models import register_model
    from interpretable_nn.models.registry import _COST, _REGISTRY

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    amounts = ("amounts", X, X["a"].to_numpy() * 2.5 + rng.normal(size=60))
    with pytest.raises(ValueError, match="Data set 'amounts' has a regression target.*Model 'logreg' is a "
                                         "classifier.*register_model"):
        run_study([amounts], ["logreg"], folds=2, out=tmp_path, checks=(), verbose=0)
    assert not (tmp_path / STORE_NAME).exists()
    register_model("_nam_reg_test", lambda **p: NAMRegressor(**{"n_bags": 1, "max_epochs": 5, **p}), "test")
    try:
        rows = run_study([amounts], ["_nam_reg_test"], folds=2, out=tmp_path, checks=(), verbose=0)
    finally:
        _REGISTRY.pop("_nam_reg_test"), _COST.pop("_nam_reg_test")
    assert (rows["status"] == "ok").all() and rows["r2"].notna().all()
    # the other way: a regressor on class labels fitted them as numbers and stored an R², unsaid
    labels = ("labels", X, (X["a"] > 0).astype(int).to_numpy())
    register_model("_nam_reg_test", lambda **p: NAMRegressor(**{"n_bags": 1, "max_epochs": 5, **p}), "test")
    try:
        with pytest.raises(ValueError, match="Model '_nam_reg_test' is a regressor and data set 'labels' has a "
                                             "classification target"):
            run_study([labels], ["_nam_reg_test"], folds=2, out=tmp_path / "b", checks=(), verbose=0)
    finally:
        _REGISTRY.pop("_nam_reg_test"), _COST.pop("_nam_reg_test")
    from interpretable_nn.datasets import Dataset

    for y in (amounts[2], amounts[2].astype(object), np.r_[np.zeros(59), np.inf]):
        declared = Dataset(X=X, y=y, name="declared", task="classification", target="y")
        with pytest.raises(ValueError, match="'declared' is classification but its target holds numbers that are "
                                             "not class labels"):
            run_study([declared], ["logreg"], folds=2, out=tmp_path / "c", checks=(), verbose=0)


# ---------------------------------------------------------------------- checks on resume
def test_resuming_with_new_checks_names_the_checks_not_run(tmp_path):
    import warnings

    from interpretable_nn.studies import ChecksNotRunWarning

    _study(tmp_path, models=["tree"])
    with pytest.warns(ChecksNotRunWarning, match=r"checks not run: surrogate \(2 cells\).*new out directory"):
        _study(tmp_path, models=["tree"], checks=("surrogate",))
    other = tmp_path / "with_checks"
    _study(other, models=["tree"], checks=("surrogate",))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChecksNotRunWarning)
        _study(other, models=["tree"], checks=("surrogate",))  # the cells hold the check: nothing to say
        _study(other, models=["tree"], checks=())  # fewer checks than stored: nothing missing


# ---------------------------------------------------------------------- out
def test_an_empty_out_or_a_file_is_refused_naming_out(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    for out, match in [("", "out is empty"), ("  ", "out is empty"), ("notes.txt", "is a file, not a directory"),
                       (str(notes / "sub"), "cannot create the folder")]:
        with pytest.raises(ValueError, match=match):
            _study(out)
    with pytest.raises(TypeError, match="out must be a directory path"):
        _study(None)
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"] and notes.read_text() == "x"


# ---------------------------------------------------------------------- names with '$' in figures
def test_names_with_dollar_signs_are_drawn_as_written_not_as_mathtext():
    import re

    from interpretable_nn.studies.report_figures import (
        interactions_fig,
        pareto_fig,
        shapes_fig,
        svg,
        waterfall_fig,
    )

    name, feat, level = "fees ($) vs income ($)", "cost $a$", "$5-$10"

    def texts(fig):
        return re.findall(r"<text[^>]*>([^<]*)</text>", svg(fig, "t"))

    s = pd.DataFrame({"label": ["m $x$"], "auc_mean": [0.8], "auc_std": [0.01], "n_terms_mean": [3.0]})
    drawn = texts(pareto_fig(s, name, "auc", "readable"))
    assert f"{name}: accuracy vs complexity" in drawn and "m $x$ (3 terms)" in drawn
    curves = [{feat: {"kind": "numeric", "value": [0.0, 1.0, 2.0], "contribution": [0.0, 0.5, 1.0]},
               "home $": {"kind": "categorical", "value": [level, "own"], "contribution": [0.3, -0.3]}}]
    drawn = texts(shapes_fig(curves, [feat, "home $"], "log-odds $", f"{name} — shapes"))
    assert {f"1. {feat}", feat, level, "log-odds $", f"{name} — shapes"} <= set(drawn)
    grid = {"a": feat, "b": "home $", "a_values": [1.0, 2.0], "b_values": [level, "own"],
            "contribution": [[0.1, -0.1], [0.2, -0.2]], "importance": 0.1}
    drawn = texts(interactions_fig([(f"{feat} x home $", grid)], "log-odds", name))
    assert {feat, "home $", level, name} <= set(drawn)
    drawn = texts(waterfall_fig(600.0, [(f"{feat} = {level}", -20.0)], 590.0, name))
    assert {f"{feat} = {level}", name} <= set(drawn)


def test_a_whole_number_amount_given_as_a_tuple_is_not_read_as_classes(tmp_path):
    """(name, X, y) with y amounts in whole euros stored as float: 264 'classes', accuracy
    about 0, no error. Refused before any cell, naming the data set and the fix."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300)})
    y = rng.integers(0, 5000, 300).astype(float)
    with pytest.raises(ValueError, match=r"data set 'amounts'.*distinct whole numbers.*regression"):
        run_study([("amounts", X, y)], ["logreg"], seeds=[0], folds=2, out=tmp_path / "s", verbose=0)
    assert not (tmp_path / "s").exists()

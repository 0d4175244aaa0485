"""Rule sets from models fitted on dates (stop 66). RuleNet and the surrogate tree compare a
date as days since 1970-01-01 UTC, as every model reads it; the rule set did not record
which features were dates, so its SQL compared a date column with those days (SQLite's
``CAST('2021-04-08' AS REAL)`` is 2021: decisions off by up to 4.7 logits, unsaid), ISO text
was refused by ``RuleSet.predict`` though the model read it, and a reader saw ``opened <=
18725`` with nothing to say what 18725 was."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

import interpretable_nn as inn


@pytest.fixture(scope="module")
def dated(dated_rulenet):
    return dated_rulenet


def _days(X: pd.DataFrame) -> pd.DataFrame:
    return X.assign(opened=(X["opened"] - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1),
                    wait=X["wait"] / pd.Timedelta(days=1))


def test_a_rule_set_records_its_date_features_and_reads_iso_text(dated):
    m, X = dated
    rs = m.ruleset_
    assert rs.metadata["converted_from"] == {"opened": "datetime", "wait": "timedelta"}
    assert "opened" in rs.features_used
    want = rs.decision_function(X)
    np.testing.assert_array_equal(want, m.decision_function(X))
    iso = X.assign(opened=X["opened"].dt.strftime("%Y-%m-%dT%H:%M:%S"), wait=X["wait"].astype(str))
    np.testing.assert_array_equal(rs.decision_function(iso), want)  # it raised "holds non-numeric values"
    np.testing.assert_array_equal(rs.decision_function(_days(X)), want)  # numbers are days already
    back = inn.RuleSet.from_json(rs.to_json())
    assert back.metadata["converted_from"] == rs.metadata["converted_from"]
    np.testing.assert_array_equal(back.decision_function(iso), want)


def test_a_reader_is_told_what_the_day_numbers_mean(dated):
    rs = dated[0].ruleset_
    cut = next(c.value for r in rs for c in r.conditions if c.feature == "opened" and c.op in ("<=", ">"))
    day = str((pd.Timestamp("1970-01-01") + pd.Timedelta(days=cut)).date())
    for text in (rs.to_text(), rs.to_markdown(), rs.to_graphviz().source):
        assert "opened is a date, compared as days since 1970-01-01 00:00 UTC" in text
        assert day in text
    assert "wait is a duration, compared in days" in rs.to_text()


def test_the_sql_of_a_rule_set_from_dates_asks_how_they_are_stored(dated):
    m, X = dated
    rs = m.ruleset_
    with pytest.raises(ValueError, match="Feature 'opened' was fitted on dates.*days_stored=True"):
        rs.to_sql()
    with pytest.raises(ValueError, match="days_stored must be True or False"):
        rs.to_sql(days_stored=np.int64(1))
    con = sqlite3.connect(":memory:")
    _days(X).assign(id=range(len(X))).to_sql("applicants", con, index=False)
    got = np.array([r[1] for r in con.execute(rs.to_sql(days_stored=True)).fetchall()])
    np.testing.assert_allclose(got, rs.decision_function(X), rtol=0, atol=1e-12)


def test_a_surrogate_of_a_model_fitted_on_dates_records_them(dated):
    m, X = dated
    rs = inn.SurrogateTree(max_depth=3, random_state=0).fit(m, X).to_ruleset()
    kinds = {"opened": "datetime", "wait": "timedelta"}
    assert "opened" in rs.features_used  # the dates its rules read, only
    assert rs.metadata["converted_from"] == {k: v for k, v in kinds.items() if k in rs.features_used}
    with pytest.raises(ValueError, match="days_stored=True"):
        rs.to_sql()
    iso = X.assign(opened=X["opened"].dt.strftime("%Y-%m-%d"))
    np.testing.assert_array_equal(rs.predict(iso), rs.predict(X))


def test_the_cli_exports_the_sql_of_dated_rules_with_days_stored(dated, tmp_path, capsys):
    from interpretable_nn.cli import main

    m, X = dated
    m.save(tmp_path / "m")
    assert main(["export-rules", str(tmp_path / "m"), "--format", "sql"]) != 0
    assert "--days-stored" in capsys.readouterr().err
    assert main(["export-rules", str(tmp_path / "m"), "--format", "sql", "--days-stored"]) == 0
    sql = capsys.readouterr().out.rstrip().rstrip(";")
    con = sqlite3.connect(":memory:")
    _days(X).assign(id=range(len(X))).to_sql("applicants", con, index=False)
    np.testing.assert_allclose([r[1] for r in con.execute(sql).fetchall()], m.decision_function(X), rtol=0, atol=1e-12)
    assert main(["export", str(tmp_path / "m"), "--format", "pmml", "-o", str(tmp_path / "r.pmml")]) != 0
    assert main(["export", str(tmp_path / "m"), "--format", "pmml", "-o", str(tmp_path / "r.pmml"),
                 "--days-stored"]) == 0
    assert 'displayName="opened (days since 1970-01-01 UTC)"' in (tmp_path / "r.pmml").read_text()
    # ONNX reads numbers too: the same question, and each date input says what it takes
    import onnx  # the dev extra brings it

    assert main(["export", str(tmp_path / "m"), "--format", "onnx", "-o", str(tmp_path / "r.onnx")]) != 0
    assert main(["export", str(tmp_path / "m"), "--format", "onnx", "-o", str(tmp_path / "r.onnx"),
                 "--days-stored"]) == 0
    docs = {i.name: i.doc_string for i in onnx.load(str(tmp_path / "r.onnx")).graph.input}
    assert docs["opened"] == "days since 1970-01-01 00:00 UTC" and docs["wait"] == "days" and docs["x"] == ""


def test_day_numbers_in_an_object_column_and_junk_metadata(dated):
    """Day numbers in an object column (from JSON, or with a None) were parsed as ISO text and
    refused; converted_from that is not {name: 'datetime'|'timedelta'} is refused on reading."""
    import json

    m, X = dated
    rs = m.ruleset_
    days = _days(X)
    obj = days.assign(opened=days["opened"].astype(object), wait=days["wait"].astype(object))
    np.testing.assert_array_equal(rs.decision_function(obj), rs.decision_function(X))
    obj.loc[obj.index[0], "opened"] = None
    assert np.isfinite(rs.decision_function(obj)).all()
    doc = json.loads(rs.to_json())
    for junk in ({"opened": "banana"}, {"opened": None}, ["opened"]):
        doc["metadata"]["converted_from"] = junk
        with pytest.raises(ValueError, match="converted_from.*'datetime' or 'timedelta'"):
            inn.RuleSet.from_json(json.dumps(doc))


def test_a_date_no_rule_reads_asks_nothing():
    """A surrogate on a frame with a date its rules never read: SQL and PMML were refused for
    that date, and the text explained it."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"d": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, 300), unit="D"),
                      "x": rng.normal(size=300)})
    y = (X["x"] + rng.normal(0, .2, 300) > 0).astype(int)
    teacher = inn.MLPClassifier(max_epochs=5, verbose=0, random_state=0).fit(X[["x"]].assign(d=X["d"]), y)
    rs = inn.SurrogateTree(max_depth=1, random_state=0).fit(teacher, X).to_ruleset()
    assert rs.features_used == ["x"] and "converted_from" not in rs.metadata
    assert rs.to_sql() and rs.to_pmml() and "is a date" not in rs.to_text()
    rs.metadata["converted_from"] = {"d": "datetime"}  # an edited or older file: the export reads x only
    assert rs.to_sql() and "is a date" not in rs.to_text()



def test_a_converted_from_naming_no_feature_of_the_rule_set_is_refused():
    """A typo ('When' for 'when') was read back, and the SQL then read the date as a raw number
    without asking for days_stored."""
    from interpretable_nn.rules import Condition, Rule, RuleSet

    rules = [Rule((Condition("when", ">", 18000.0),), 1.0)]
    RuleSet(rules, feature_names=["when"], metadata={"converted_from": {"when": "datetime"}})
    with pytest.raises(ValueError, match=r"names \['When'\], which are not features of the rule set"):
        RuleSet(rules, feature_names=["when"], metadata={"converted_from": {"When": "datetime"}})

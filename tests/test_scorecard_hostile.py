"""Hostile inputs to the scorecard and its SQL, found by a hostile pass (stop 65): each
gave a silent wrong answer or an unclear crash before."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pandas as pd
import pytest

import interpretable_nn as inn
from interpretable_nn.rules.scorecard import Scorecard


def _card(level_values=("owner", "rent")) -> Scorecard:
    table = pd.DataFrame({
        "feature": ["(base)", "Income", "Income", "Home", "Home", "Home"],
        "kind": ["base", "numeric", "numeric", "categorical", "categorical", "categorical"],
        "points": [600.0, -20.0, 15.0, 10.0, 0.0, -7.0],
        "lower": [None, -np.inf, 1000.0, None, None, None], "upper": [None, 1000.0, np.inf, None, None, None],
        "missing": [False, False, False, False, False, True], "level": [None, None, None, *level_values, None],
        "bin_id": [-1, 0, 1, 0, 1, 2]})
    return Scorecard(table)


def _sqlite(card, X, **kw):
    con = sqlite3.connect(":memory:")
    X.assign(id=range(len(X))).to_sql(kw.get("table", "applicants"), con, index=False)
    return con.execute(card.to_sql(**kw)).fetchall()


@pytest.fixture(scope="module")
def dated():
    rng = np.random.default_rng(0)
    n = 400
    d = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    X = pd.DataFrame({"opened": d, "x": rng.normal(size=n)})
    y = ((d - d.min()).days.to_numpy() / 900 + rng.normal(0, .3, n) > .5).astype(int)
    m = inn.NAMClassifier(n_bags=2, max_epochs=40, interactions=0, random_state=0, verbose=0).fit(X, y)
    return m, X


def test_a_card_from_dates_scores_the_raw_dates_as_its_model(dated):
    """Dates are binned in days since 1970, as the model reads them: the raw timestamps
    used to fall in the last bin on every row (score 263 for a model score of 673)."""
    m, X = dated
    card = m.to_scorecard()
    days = X.assign(opened=(X["opened"] - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400)
    np.testing.assert_array_equal(card.score(X), card.score(days))
    # ISO text, as a CSV gives it back: the card knows the column was dates, as the model does
    iso = X.assign(opened=X["opened"].dt.strftime("%Y-%m-%d"))
    np.testing.assert_array_equal(card.score(iso), card.score(X))
    with pytest.raises(ValueError, match="days_stored must be True or False"):
        card.to_sql(days_stored=1)
    assert card.bins(X)["opened"].nunique() > 2
    assert card.check.figures["max_score_error"] < 15  # points; the binned shape against the model


def test_the_sql_of_a_card_from_dates_asks_how_they_are_stored(dated):
    m, X = dated
    card = m.to_scorecard()
    assert card.metadata["converted_from"] == {"opened": "datetime"}
    with pytest.raises(ValueError, match="Feature 'opened' was fitted on dates.*days_stored=True"):
        card.to_sql()
    days = X.assign(opened=(X["opened"] - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400)
    rows = _sqlite(card, days, reasons=0, days_stored=True)
    np.testing.assert_array_equal([r[1] for r in rows], card.score(X))
    back = Scorecard.from_json(card.to_json())
    with pytest.raises(ValueError, match="days_stored"):
        back.to_sql()
    # an edited file whose converted_from is not {name: 'datetime'|'timedelta'}: refused on reading,
    # as a rule set's (it was read tolerantly: a list or a typo scored the dates as raw numbers)
    for junk in (["opened"], {"opened": "date"}, {"opened": 1}, "opened", {"Opened": "datetime"}):
        doc = json.loads(card.to_json())
        doc["metadata"]["converted_from"] = junk
        with pytest.raises(ValueError, match="converted_from.*('datetime' or 'timedelta'|not features of the)"):
            Scorecard.from_json(json.dumps(doc))


def test_minus_infinity_pd_na_and_numpy_integers_agree_with_sql():
    card = _card()
    X = pd.DataFrame({"Income": [-np.inf, np.inf, 5.0], "Home": [pd.NA, "rent", None]}).astype({"Home": "string"})
    py = card.score(X)
    assert py.tolist() == [573.0, 615.0, 573.0]
    rows = _sqlite(card, X.astype({"Home": object}).replace({pd.NA: None}), reasons=np.int64(2),
                   threshold=np.float32(700))
    assert [r[1] for r in rows] == py.tolist()


def test_an_id_column_named_score_in_any_case_is_refused():
    for name in ("Score", "SCORE", "Reason_1"):
        with pytest.raises(ValueError, match="clashes with an output"):
            _card().to_sql(id_column=name)


@pytest.mark.parametrize("table", ["binned", "Points", "ranked"])
def test_a_table_named_like_a_step_of_the_query_is_scored(table):
    X = pd.DataFrame({"Income": [5.0, 5000.0], "Home": ["rent", None]})
    rows = _sqlite(_card(), X, table=table, reasons=1)
    assert [r[1] for r in rows] == _card().score(X).tolist()


def test_number_levels_with_nan_take_the_missing_bin_in_duckdb():
    duckdb = pytest.importorskip("duckdb")
    card = _card(level_values=(1.0, 2.0))
    X = pd.DataFrame({"Income": [5.0, 5.0], "Home": [np.nan, 2.0], "id": [0, 1]})
    con = duckdb.connect()
    con.execute("CREATE TABLE applicants (id INTEGER, \"Income\" DOUBLE, \"Home\" DOUBLE)")
    con.execute("INSERT INTO applicants VALUES (0, 5.0, 'NaN'::DOUBLE), (1, 5.0, 2.0)")
    got = [r[1] for r in con.execute(card.to_sql(dialect="duckdb", reasons=0)).fetchall()]
    assert got == card.score(X).tolist() == [573.0, 580.0]


def test_feature_names_with_the_pair_separator_are_refused_with_pairs():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a x b": rng.normal(size=300), "c": rng.normal(size=300)})
    y = (X["a x b"] * X["c"] + rng.normal(0, .5, 300) > 0).astype(int)
    m = inn.NAMClassifier(n_bags=2, max_epochs=20, interactions=[("a x b", "c")], random_state=0, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="contain ' x '"):
        m.to_scorecard()


def test_levels_given_in_another_type_warn_as_the_model_warns():
    """Levels '1', '2' scored with the integers 1, 2 (a CSV re-read) took 0 points unsaid;
    the card now warns as the model does, naming the type mistake."""
    from interpretable_nn.data.encoding import UnseenCategoryWarning

    card = _card(level_values=("1", "2"))
    X = pd.DataFrame({"Income": [5.0, 5.0], "Home": [1, 2]})
    with pytest.warns(UnseenCategoryWarning, match="equal training levels as text or number but not in type"):
        assert card.score(X).tolist() == [580.0, 580.0]


def test_a_small_loss_does_not_read_as_zero_in_its_sentence():
    table = pd.DataFrame({"feature": ["(base)", "A", "A"], "kind": ["base", "numeric", "numeric"],
                          "points": [600.0, 0.0, 0.004], "lower": [None, -np.inf, 0.0], "upper": [None, 0.0, np.inf]})
    text = Scorecard(table).reason_codes(pd.DataFrame({"A": [-1.0]}))["text"].iloc[0]
    assert text.endswith("scores 0.004 more"), text


def test_the_cli_exports_a_card_from_dates_with_days_stored(dated, tmp_path, capsys):
    """The error asked for days_stored=True, which the CLI had no way to pass: `scorecard
    --format sql` and `export --format pmml` of a model fitted on dates could only fail."""
    from interpretable_nn.cli import main

    m, X = dated
    m.save(tmp_path / "m")
    assert main(["scorecard", str(tmp_path / "m"), "--format", "sql"]) != 0
    assert "--days-stored" in capsys.readouterr().err
    assert main(["scorecard", str(tmp_path / "m"), "--format", "sql", "--reasons", "0", "--days-stored"]) == 0
    sql = capsys.readouterr().out.rstrip().rstrip(";")
    con = sqlite3.connect(":memory:")
    days = X.assign(opened=(X["opened"] - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400, id=range(len(X)))
    days.to_sql("applicants", con, index=False)
    np.testing.assert_array_equal([r[1] for r in con.execute(sql).fetchall()], m.to_scorecard().score(X))
    out = tmp_path / "card.pmml"
    assert main(["export", str(tmp_path / "m"), "--format", "pmml", "-o", str(out)]) != 0
    assert main(["export", str(tmp_path / "m"), "--format", "pmml", "-o", str(out), "--days-stored"]) == 0
    assert "days since 1970-01-01 UTC" in out.read_text()


# ---------------------------------------------------------------------- whole-number levels (stop 67)
def test_whole_number_category_codes_stay_exact_in_the_card_its_json_and_its_sql():
    """pandas stored whole-number levels beside None as float64: 19-digit codes rounded, so the
    card scored its own training rows as unseen (0 points, 47 off the model) and two codes that
    round alike made to_scorecard fail; grades 1..5 were written 1.0..5.0."""
    import warnings

    rng = np.random.default_rng(0)
    codes = np.array([10**18 + 1, 10**18 + 2, 10**18 + 9001], dtype=np.int64)
    ids, x = rng.choice(codes, 300), rng.normal(size=300)
    X = pd.DataFrame({"branch": ids, "x": x})
    y = ((ids == codes[0]) * 2 + x + rng.normal(0, 1, 300) > 1).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the model's own warning: it reads the codes as float64
        m = inn.NAMClassifier(n_bags=1, max_epochs=20, interactions=0, categorical=["branch"], verbose=0,
                              random_state=0).fit(X, y)
    card = m.to_scorecard()
    levels = [b["level"] for t in card.terms_ if t.name == "branch" for b in t.bins if not b["missing"]]
    assert sorted(levels) == sorted(int(c) for c in codes) and all(type(v) is int for v in levels)
    assert [v for v in card.table["level"] if v is not None] == levels
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "not seen in training" for the training rows
        points = card.points(X)[:, [t.name for t in card.terms_].index("branch")]
    assert len(np.unique(points)) > 1
    back = Scorecard.from_json(card.to_json())
    assert back == card and [v for v in back.table["level"] if v is not None] == levels
    rows = _sqlite(card, X, reasons=0)
    np.testing.assert_array_equal([r[1] for r in rows], card.score(X))


def test_integer_levels_on_a_double_column_holding_nan_are_missing_in_duckdb():
    """Whole-number levels (not only float ones) make the SQL read the column as DOUBLE, so a
    NaN there is missing, as in Python (DuckDB put it in no bin: 600 where Python said 570)."""
    from sql_engines import Engine, need

    need("duckdb")
    table = pd.DataFrame({"feature": ["(base)", "grade", "grade", "grade"], "kind": ["base"] + ["categorical"] * 3,
                          "points": [600.0, 10.0, 20.0, -30.0], "level": pd.Series([None, 1, 2, None], dtype=object),
                          "missing": [False, False, False, True]})
    card = Scorecard(table)
    X = pd.DataFrame({"grade": [1.0, 2.0, np.nan]})
    want = card.score(X)
    np.testing.assert_array_equal(want, [610.0, 620.0, 570.0])
    db = Engine("duckdb")
    try:
        db.con.execute("CREATE TABLE applicants (id BIGINT, grade DOUBLE)")
        db.con.executemany("INSERT INTO applicants VALUES (?, ?)", [(0, 1.0), (1, 2.0), (2, float("nan"))])
        got = db.run(card.to_sql(dialect="duckdb", reasons=0))
    finally:
        db.close()
    np.testing.assert_array_equal([r[1] for r in got], want)


def test_feature_names_equal_but_for_case_are_refused_in_sql():
    """SQLite and DuckDB read "Age" and "AGE" as one column: the query scored both features
    from it without an error."""
    table = pd.DataFrame({"feature": ["(base)", "Age", "AGE"], "kind": ["base", "numeric", "numeric"],
                          "points": [600.0, 5.0, -5.0], "lower": [np.nan, -np.inf, -np.inf],
                          "upper": [np.nan, np.inf, np.inf]})
    card = Scorecard(table)
    for dialect in ("sqlite", "duckdb", "spark"):
        with pytest.raises(ValueError, match=f"'Age' and 'AGE' differ only by case, and {dialect} reads them"):
            card.to_sql(dialect=dialect)
    with pytest.raises(ValueError, match="differ only by case"):
        _card().to_sql(id_column="INCOME")
    card.to_sql(dialect="postgres")  # quoted names keep their case there: two columns, as written
    accents = Scorecard(table.assign(feature=["(base)", "É", "é"]))
    assert '"É"' in accents.to_sql(dialect="duckdb")  # SQLite and DuckDB fold ASCII letters only
    with pytest.raises(ValueError, match="differ only by case, and spark"):  # Spark folds them all
        accents.to_sql(dialect="spark")
    _card().to_sql(dialect="postgres", id_column="Score")  # "Score" is not "score" there
    unicode = Scorecard(table.assign(feature=["(base)", "Straße", "STRASSE"]))
    assert "STRASSE" in unicode.to_sql()  # SQLite folds ASCII letters only: two columns


def test_the_cli_text_of_a_card_writes_its_points_as_the_json_does():
    from interpretable_nn.cli_io import scorecard_text

    table = pd.DataFrame({"feature": ["(base)", "Age", "Age"], "kind": ["base", "numeric", "numeric"],
                          "points": [9999835.0, 12.5, -3.0], "lower": [np.nan, -np.inf, 30.0],
                          "upper": [np.nan, 30.0, np.inf]})
    text = scorecard_text(Scorecard(table))
    assert "9999835" in text and "e+06" not in text


@pytest.mark.parametrize(("kw", "match"), [
    (dict(pdo=float("nan")), "pdo must be a finite number"), (dict(pdo=float("inf")), "pdo must be a finite"),
    (dict(base_score=float("nan")), "base_score must be a finite number"), (dict(base_odds=True), "base_odds must be"),
    (dict(max_bins=2.7), r"max_bins must be an integer >= 1; got 2.7"), (dict(max_bins=0), "max_bins must be"),
    (dict(decimals=2.5), "decimals must be an integer or None"), (dict(pdo=-1), "must be positive"),
    (dict(pdo=1e300), r"The scorecard's scores reach .*: from 2\*\*53 .* a smaller pdo and base_score"),
    (dict(base_score=1e300), r"The scorecard's scores reach 1e\+300: from 2\*\*53")])
def test_to_scorecard_names_a_bad_parameter(dated, kw, match):
    m, _ = dated
    with pytest.raises(ValueError, match=match):
        m.to_scorecard(**kw)


def test_points_that_all_round_to_zero_warn(dated):
    m, X = dated
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        card = m.to_scorecard(pdo=0.001)
    assert [str(w.message)[:42] for w in seen] == ["Every feature's points round to 0 at pdo=0"]  # no scipy warning too
    assert len(np.unique(card.score(X))) == 1


def test_a_card_of_a_model_fitted_on_unnamed_columns_scores_the_same_frame():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)))  # columns 0, 1, 2: the model's features "0", "1", "2"
    y = (X[0] + X[1] > 0).astype(int)
    m = inn.NAMClassifier(n_bags=1, max_epochs=10, interactions=0, verbose=0, random_state=0).fit(X, y)
    card = m.to_scorecard()
    np.testing.assert_array_equal(card.score(X), card.score(X.rename(columns=str)))


def test_scoring_leaves_the_callers_frame_as_it_was():
    """pandas 3.1 hands back a pickled text column's own array from to_numpy(copy=True): the
    card wrote None into the user's frame, and its next isna() raised."""
    import pickle

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "city": pd.Series(rng.choice(["x", "y", None], 200), dtype="str")})
    m = inn.NAMClassifier(n_bags=1, max_epochs=10, interactions=0, verbose=0).fit(X, (X["a"] > 0).astype(int))
    card = m.to_scorecard()
    X2 = pickle.loads(pickle.dumps(X))
    card.score(X2), card.reason_codes(X2)
    pd.testing.assert_frame_equal(X2, X)


def test_a_card_whose_scores_reach_2_53_is_refused_however_it_is_built():
    """Only to_scorecard refused it: a table or a JSON document with base points 1e17 scored
    every applicant alike (its bins lost in the sum)."""
    table = pd.DataFrame({"feature": ["(base)", "age", "age"], "kind": ["base", "numeric", "numeric"],
                          "points": [1e17, -1.0, 5.0], "lower": [np.nan, -np.inf, 30.0], "upper": [np.nan, 30.0, np.inf]})
    with pytest.raises(ValueError, match=r"The scorecard's scores reach 1e\+17: from 2\*\*53"):
        Scorecard(table)
    doc = json.loads(Scorecard(table.assign(points=[600.0, -1.0, 5.0])).to_json())
    doc["rows"][0]["points"] = 1e300
    with pytest.raises(ValueError, match="scores reach 1e\\+300"):
        Scorecard.from_json(json.dumps(doc))
    Scorecard(table.assign(points=[2.0**53 - 6, -1.0, 5.0]))  # just below: allowed


def test_a_card_of_tiny_points_still_gives_its_reasons(dated):
    """pdo=1e-11 with decimals=None ranked applicants but gave no reason at all, in Python
    and SQL: every point lost was under the fixed 1e-9 tolerance."""
    m, X = dated
    X = X.head(30)
    usual = m.to_scorecard(pdo=20, decimals=None).reason_codes(X, k=2)
    tiny = m.to_scorecard(pdo=1e-11, decimals=None)
    got = tiny.reason_codes(X, k=2)
    assert len(got) == len(usual) > 0 and got["reason"].tolist() == usual["reason"].tolist()
    days = X.assign(opened=(X["opened"] - pd.Timestamp("1970-01-01")).dt.days)  # as the database stores them
    rows = _sqlite(tiny, days, reasons=2, days_stored=True)
    sql = [r for row in rows for r in row[2:] if r is not None]
    assert sql == got.groupby("row", sort=False)["reason"].apply(list).sum()
    usual_card = m.to_scorecard(pdo=20, decimals=None)  # PMML marks the same bins "no reason"
    assert tiny.to_pmml(reasons=2, days_stored=True).count('"(no reason)"') == \
        usual_card.to_pmml(reasons=2, days_stored=True).count('"(no reason)"')

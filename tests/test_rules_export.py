"""Tests of interpretable_nn.rules.export: every export reproduces the rule set's scores."""

from __future__ import annotations

import json
import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interpretable_nn.attribution.fidelity import Fidelity
from interpretable_nn.rules import Condition, Rule, RuleSet, export, export_text

EVIL = 'a"; DROP TABLE x; --'


def _ruleset() -> RuleSet:
    rules = [
        Rule((Condition("Income", "<=", 1200.0), Condition("Home", "==", "rent")), 0.83,
             support=0.25, precision=0.7, name="low income | renters"),
        Rule((Condition("Home", "!=", "rent", if_missing=True),), -0.1 - 0.2),
        Rule((Condition("Age", ">", 40.5, if_missing=True), Condition("Income", "is_missing", False)),
             1.25e-7),
        Rule((Condition("Home", "in", ("own", "O'Neil")),), 1 / 3),
        Rule((Condition(EVIL, "<=", -2.5), Condition("Code", "in", (1, 2.5))), -7.0),
        Rule((Condition("Flag", "==", True), Condition("Age", "is_missing", True)), 0.1),
        Rule((), 0.0625, name="always"),
    ]
    return RuleSet(rules, intercept=-0.25, classes=("good", "bad"),
                   metadata={"source": "test", "fidelity": {"agreement": 1.0, "n_rows": 3}})


def _frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.choice([800.0, 1200.0, 1500.0, np.nan], n)
    age = rng.choice([20.0, 40.5, 41.0, np.nan], n)
    home = rng.choice(np.array(["rent", "own", "O'Neil", "castle", None], dtype=object), n)
    evil = rng.choice([-3.0, -2.5, 0.0, np.nan], n)
    code = rng.choice([1.0, 2.5, 3.0, np.nan], n)
    flag = pd.array(rng.choice([True, False, None], n), dtype="boolean")
    return pd.DataFrame({"id": np.arange(n), "Income": income, "Age": age, "Home": home,
                         EVIL: evil, "Code": code, "Flag": flag, "unused": "z"})


def _sqlite(X: pd.DataFrame, table: str = "applicants") -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE x (v INTEGER)")
    X.to_sql(table, con, index=False)
    return con


def _sympy_scores(rs: RuleSet, X: pd.DataFrame) -> np.ndarray:
    f = sympy.lambdify(rs.sympy_symbols(), rs.to_sympy(), "numpy")
    return np.broadcast_to(np.asarray(f(*rs.sympy_inputs(X)), dtype=float), (len(X),))


# ---------------------------------------------------------------- text and markdown
def test_to_text_lists_every_rule_exactly():
    rs = _ruleset()
    text = rs.to_text()
    lines = text.splitlines()
    assert "INTERCEPT -0.25 points" in lines
    exact = rs.to_text(digits=None).splitlines()
    for rule in rs:
        assert rule.to_text() in exact
    assert len(lines) == len(exact) + 1  # the note that the points are rounded
    assert "IF Income <= 1200 AND Home == 'rent' THEN +0.83 points" in lines
    assert "+0.30000000000000004" not in text and "-0.3 points" in text  # readable by default
    assert "-0.30000000000000004 points" in rs.to_text(digits=None)  # exact on request
    assert f"`{EVIL}` <= -2.5" in text and "link logit" in text
    assert "1 / (1 + exp(-score))" in text
    assert "THEN +0.333 points" in rs.to_text(digits=3)


def test_to_markdown_is_a_table_with_every_rule():
    rs = _ruleset()
    md = rs.to_markdown()
    rows = [line for line in md.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == rs.n_rules
    assert rows[0] == ("| 1 | `Income <= 1200` AND `Home == 'rent'` | +0.83 | 0.25 | 0.7 |")
    assert all(row.count(" | ") == 4 for row in rows)  # no unescaped pipe breaks a row
    assert "| 7 | always | +0.0625 |  |  |" in md
    assert "**-0.25**" in md and "agreement = 1.0" in md
    cell = export_text._md_cell("a`b|c")
    assert cell == "``a`b\\|c``"


# ---------------------------------------------------------------- JSON
def test_json_round_trip_is_exact():
    rs = _ruleset()
    s = rs.to_json()
    doc = json.loads(s)
    assert doc["format"] == "interpretable_nn.ruleset" and doc["version"] == 1
    back = RuleSet.from_json(s)
    assert back == rs and back.metadata == rs.metadata
    assert [r.weight for r in back] == [r.weight for r in rs]  # bit for bit
    levels = back.rules[4].conditions[1].value
    assert levels == (1, 2.5) and type(levels[0]) is int and isinstance(back.rules[3].conditions[0].value, tuple)
    assert back.rules[5].conditions[0].value is True
    assert back.classes == ("good", "bad")
    X = _frame()
    np.testing.assert_array_equal(back.decision_function(X), rs.decision_function(X))
    assert RuleSet.from_json(s.encode()) == rs
    assert RuleSet.from_json(back.to_json(indent=None)) == rs


def test_json_carries_the_fidelity_as_one_check_type():
    rs = _ruleset()
    old_style = RuleSet.from_json(rs.to_json())  # a file written with a plain figures dict
    assert isinstance(old_style.metadata["fidelity"], Fidelity)
    assert old_style.metadata["fidelity"]["agreement"] == 1.0
    X = _frame()
    fid = rs.fidelity(X, rs, rows="training")
    doc = json.loads(rs.to_json())
    assert doc["metadata"]["fidelity"] == fid.to_dict()
    assert doc["metadata"]["fidelity"]["rows"] == "training"
    back = RuleSet.from_json(rs.to_json())
    got = back.metadata["fidelity"]
    assert isinstance(got, Fidelity) and got == fid and got.n_rows == len(X)
    assert got.compared == "rule set vs model decisions"
    assert "rule set vs model decisions, 60 training rows" in rs.to_markdown()


def test_rule_modules_import_one_way():
    import ast
    import pathlib

    import interpretable_nn.rules as pkg

    below_ruleset = {"values", "conditions", "export_text", "export_json", "export_sql",
                     "export_sympy", "from_tree", "sql_dialects"}
    for path in pathlib.Path(pkg.__file__).parent.glob("*.py"):
        if path.stem not in below_ruleset:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                assert node.module in below_ruleset, (path.name, node.module)


def _doc(**changes) -> dict:
    doc = json.loads(_ruleset().to_json())
    doc.update(changes)
    return doc


def _with_condition(**changes) -> dict:
    doc = _doc()
    doc["rules"][0]["conditions"][0].update(changes)
    return doc


TOO_MANY = ('{"format": "interpretable_nn.ruleset", "version": 1, "link": "logit", '
            '"intercept": 0.0, "rules": [' + ",".join(['{"conditions": [], "weight": 0.0}']
                                                     * 100_001) + "]}")


@pytest.mark.parametrize(
    "payload, message",
    [
        (_doc(format="something.else"), "Not a rule set"),
        (_doc(version=3), "newer"),
        (_doc(version="1"), "version"),
        (_doc(extra=1), "unknown keys"),
        (_doc(link="probit"), "link"),
        (_doc(intercept=1e301), "sensible size"),
        (_doc(intercept=True), "number"),
        (_doc(classes=["a", "b", "c"]), "at most 2"),
        (_doc(feature_names=[1, 2]), "strings"),
        (_with_condition(op="<"), "unknown op"),
        (_with_condition(feature=7), "must be a string"),
        (_with_condition(value=[1200.0]), "str, number or bool"),
        (_with_condition(value={"a": 1}), "str, number or bool"),
        (_with_condition(if_missing=0), "if_missing"),
        (_ruleset().to_json().replace('"intercept": -0.25', '"intercept": -1e999'), "sensible"),
        (_ruleset().to_json().replace('"value": 1200.0', '"value": 1' + "0" * 400), "sensible"),
        (_ruleset().to_json().replace('"value": 1200.0', '"value": 1' + "0" * 5000), "digits"),
        ('{"format": "interpretable_nn.ruleset", "version": 1, "link": "logit", '
         '"intercept": NaN, "rules": []}', "NaN"),
        ('{"format": "interpretable_nn.ruleset", "version": 1, "link": "logit", '
         '"intercept": -Infinity, "rules": []}', "Infinity"),
        ('{"format": "interpretable_nn.ruleset", "version": 1, "link": "logit", '
         '"intercept": 0, "rules": [], "metadata": {"a": ' + "[" * 50 + "]" * 50 + "}}",
         "nested"),
        ("[" * 100_000 + "]" * 100_000, "nested"),
        ("[]", "JSON object"),
        ("{not json", "Expecting"),
        (TOO_MANY, "at most 100000"),
    ],
)
def test_from_json_rejects_bad_input(payload, message):
    s = payload if isinstance(payload, str) else json.dumps(payload)
    with pytest.raises(ValueError, match=message):
        RuleSet.from_json(s)


def test_from_json_rejects_nested_in_levels_and_bad_weights():
    doc = _doc()
    doc["rules"][3]["conditions"][0]["value"] = [["own"]]
    with pytest.raises(ValueError, match="str, number or bool"):
        RuleSet.from_json(json.dumps(doc))
    doc = _doc()
    doc["rules"][0]["weight"] = "0.83"
    with pytest.raises(ValueError, match="weight"):
        RuleSet.from_json(json.dumps(doc))


# ---------------------------------------------------------------- SQL
def test_sql_reproduces_scores_in_sqlite_and_is_injection_safe():
    rs, X = _ruleset(), _frame()
    con = _sqlite(X)
    sql = rs.to_sql(table="applicants", id_column="id")
    assert sql.count("SELECT") == 2 and ";" not in sql.replace(EVIL.replace('"', '""'), "")
    rows = con.execute(sql).fetchall()
    assert con.execute("SELECT count(*) FROM x").fetchone() == (0,)  # table x survived
    out = pd.DataFrame(rows, columns=["id", "score", "decision", "probability"]).set_index("id")
    out = out.loc[X["id"]]
    score = rs.decision_function(X)
    np.testing.assert_allclose(out["score"], score, rtol=0, atol=1e-9)
    assert (out["score"].to_numpy() == score).all()  # in fact bit for bit
    assert out["decision"].tolist() == rs.predict(X).tolist()
    np.testing.assert_allclose(out["probability"], rs.predict_proba(X)[:, 1], rtol=1e-12)
    assert len(set(np.round(score, 6))) > 5  # the data exercise many rules


def test_sql_identity_link_quoting_and_dialects():
    rs = RuleSet([Rule((Condition("it's", "==", "O'Neil"),), 2.0)], intercept=1.0,
                 link="identity")
    X = pd.DataFrame({"key": [1, 2, 3], "it's": ["O'Neil", "x", None]})
    con = _sqlite(X, table='we"ird')
    rows = con.execute(rs.to_sql(table='we"ird', id_column="key")).fetchall()
    assert rows == [(1, 3.0, 3.0), (2, 1.0, 1.0), (3, 1.0, 1.0)]
    ansi = rs.to_sql(table=("main", 'we"ird'), dialect="ansi")
    assert '"main"."we""ird"' in ansi and "'O''Neil'" in ansi and "probability" not in ansi
    assert "EXP(" in _ruleset().to_sql(dialect="ansi")
    assert [r[0] for r in con.execute(rs.to_sql(table='we"ird', id_column=None))] == [3.0, 1.0, 1.0]
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        con.execute(RuleSet([Rule((Condition("absent", "==", "a"),), 1.0)]).to_sql('we"ird'))
    with pytest.raises(ValueError, match="dialect"):
        rs.to_sql(dialect="mysql")
    with pytest.raises(ValueError, match="NUL"):
        RuleSet([Rule((Condition("a\x00", "==", 1),), 1.0)]).to_sql()


def test_sql_handles_extreme_scores_without_overflow():
    rs = RuleSet([Rule((Condition("x", ">", 0.0),), 2000.0)], intercept=-1000.0)
    con = _sqlite(pd.DataFrame({"id": [1, 2], "x": [1.0, -1.0]}))
    assert con.execute(rs.to_sql()).fetchall() == [(1, 1000.0, 1, 1.0), (2, -1000.0, 0, 0.0)]


# ---------------------------------------------------------------- SymPy
def test_sympy_reproduces_scores_on_held_out_rows():
    rs = _ruleset()
    X = _frame(80, seed=7)
    np.testing.assert_allclose(_sympy_scores(rs, X), rs.decision_function(X), rtol=0, atol=1e-9)
    expr, codes = rs.to_sympy(return_codes=True)
    assert isinstance(expr, sympy.Expr) and expr.has(sympy.Piecewise)
    assert codes["Home"] == {"rent": 1, "own": 2, "O'Neil": 3} and "Income" not in codes
    names = [s.name for s in rs.sympy_symbols()]
    assert names[:2] == ["Income", "Income_missing"] and EVIL in names
    assert ["Home_rent", "Home_own", "Home_O'Neil", "Home_missing"] == [n for n in names if n.startswith("Home")]
    assert "Home_rent" in str(expr)  # the expression reads as the rules do


def test_sympy_missing_symbol_names_do_not_collide():
    rs = RuleSet([Rule((Condition("a", "<=", 1.0),), 1.0),
                  Rule((Condition("a_missing", ">", 0.5),), 2.0)])
    names = [s.name for s in rs.sympy_symbols()]
    assert len(set(names)) == 4 and names[1] == "a_missing_"
    X = pd.DataFrame({"a": [0.0, np.nan, 2.0], "a_missing": [1.0, 0.0, np.nan]})
    np.testing.assert_allclose(_sympy_scores(rs, X), rs.decision_function(X))


def test_sympy_rejects_thresholds_mixed_with_string_levels():
    rs = RuleSet([Rule((Condition("a", "<=", 1.0), Condition("a", "==", "x")), 1.0)])
    with pytest.raises(ValueError, match="'a'"):
        rs.to_sympy()


# ---------------------------------------------------------------- Graphviz
def test_graphviz_has_one_node_per_rule(tmp_path):
    rs = _ruleset()
    g = rs.to_graphviz()
    src = g.source
    for i, rule in enumerate(rs, start=1):
        assert f"rule_{i} [label=" in src and f"rule_{i} -> score" in src
        assert export.format_points(rule.weight) in src
    assert "Income <= 1200" in src and "O\\'Neil" not in src and "'O\\\\'" not in src
    assert src.count("->") == rs.n_rules
    if shutil.which("dot"):
        path = g.render(tmp_path / "ruleset", format="svg")
        assert open(path).read().count("Rule ") >= rs.n_rules


# ---------------------------------------------------------------- property test
LEVELS = ["a", "b", "O'x", "zz"]


@st.composite
def _case(draw):
    n = draw(st.integers(0, 12))
    num = st.one_of(st.none(), st.sampled_from([-2.0, -0.5, 0.0, 0.5, 1.0, 3.25]),
                    st.floats(-1e6, 1e6, allow_nan=False))
    X = pd.DataFrame({
        "id": np.arange(n),
        "x": pd.array([draw(num) for _ in range(n)], dtype="Float64").astype(float),
        "w e\"ird": pd.array([draw(num) for _ in range(n)], dtype="Float64").astype(float),
        "c": pd.Series([draw(st.sampled_from([*LEVELS, "new", None])) for _ in range(n)],
                       dtype=object),
    })
    threshold = st.sampled_from([-1.0, 0.0, 0.5, 2.0, 1e5])

    def condition():
        feature = draw(st.sampled_from(["x", "w e\"ird", "c"]))
        missing = draw(st.booleans())
        if draw(st.integers(0, 5)) == 0:
            return Condition(feature, "is_missing", missing)
        if feature == "c":
            op = draw(st.sampled_from(["==", "!=", "in"]))
            if op == "in":
                return Condition(feature, op, tuple(draw(st.lists(st.sampled_from(LEVELS),
                                                                  min_size=1, max_size=3))),
                                 if_missing=missing)
            return Condition(feature, op, draw(st.sampled_from(LEVELS)), if_missing=missing)
        return Condition(feature, draw(st.sampled_from(["<=", ">"])), draw(threshold),
                         if_missing=missing)

    weight = st.floats(-20, 20, allow_nan=False, allow_subnormal=False)
    rules = [Rule(tuple(condition() for _ in range(draw(st.integers(0, 3)))), draw(weight))
             for _ in range(draw(st.integers(0, 6)))]
    return RuleSet(rules, intercept=draw(weight)), X


@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_case())
def test_exports_reproduce_random_rule_sets(case):
    rs, X = case
    score = rs.decision_function(X)
    back = RuleSet.from_json(rs.to_json())
    assert back == rs
    np.testing.assert_array_equal(back.decision_function(X), score)
    rows = _sqlite(X).execute(rs.to_sql()).fetchall()
    sql = pd.DataFrame(rows, columns=["id", "score", "decision", "p"]).set_index("id")
    sql = sql.reindex(X["id"])
    np.testing.assert_allclose(sql["score"].to_numpy(dtype=float), score, rtol=0, atol=1e-9)
    clear = np.abs(score) > 1e-9
    assert (sql["decision"].to_numpy()[clear] == rs.predict(X)[clear]).all()
    np.testing.assert_allclose(_sympy_scores(rs, X), score, rtol=0, atol=1e-9)


# ---------------------------------------------------------------- hostile rule sets and names
DROP_VALUE = "'); DROP TABLE x; --"


def _run_sql(rs: RuleSet, X: pd.DataFrame, **kwargs) -> tuple[np.ndarray, sqlite3.Connection]:
    table = kwargs.get("table", "applicants")
    con = _sqlite(X, table=table)
    rows = con.execute(rs.to_sql(**kwargs)).fetchall()
    assert con.execute("SELECT count(*) FROM x").fetchone() == (0,)  # table x survived
    return np.array([r[1] for r in sorted(rows)], dtype=float), con


def test_sql_quotes_injection_looking_values_table_and_id_names():
    evil_id, evil_table = 'i"; DROP TABLE x; --', 't"; DROP TABLE x; --'
    rs = RuleSet([Rule((Condition(EVIL, "==", DROP_VALUE),), 1.5),
                  Rule((Condition("c", "in", (DROP_VALUE, 'q"q', "\\")),), -0.5, name="x\nDROP TABLE x; --")],
                 intercept=0.25)
    X = pd.DataFrame({evil_id: [1, 2, 3, 4], EVIL: [DROP_VALUE, "a", None, DROP_VALUE],
                      "c": ['q"q', DROP_VALUE, "\\", None]})
    score, con = _run_sql(rs, X, table=evil_table, id_column=evil_id)
    np.testing.assert_array_equal(score, rs.decision_function(X))
    assert con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone() == (2,)
    sql = rs.to_sql(table=evil_table, id_column=evil_id)
    assert "'''); DROP TABLE x; --'" in sql  # the value is one string literal, quote doubled
    assert '"t""; DROP TABLE x; --"' in sql and '"i""; DROP TABLE x; --"' in sql
    assert "\n DROP TABLE" not in sql and "\nDROP TABLE" not in sql  # a rule name cannot end its comment


def test_sql_rejects_nul_in_values_and_names():
    with pytest.raises(ValueError, match="NUL"):
        RuleSet([Rule((Condition("c", "==", "a\x00b"),), 1.0)]).to_sql()
    with pytest.raises(ValueError, match="NUL"):
        RuleSet([Rule((Condition("c", "==", "a"),), 1.0)]).to_sql(table="t\x00")


def test_huge_but_finite_numbers_are_exported_exactly():
    rs = RuleSet([Rule((Condition("v", "<=", 1e300),), 1e300), Rule((Condition("v", ">", -1e-300),), 5e-324)],
                 intercept=-1e300, link="identity")
    X = pd.DataFrame({"id": [1, 2, 3], "v": [1e301, -1.0, np.nan]})
    score, _ = _run_sql(rs, X)
    np.testing.assert_array_equal(score, rs.decision_function(X))
    assert RuleSet.from_json(rs.to_json()) == rs
    np.testing.assert_array_equal(_sympy_scores(rs, X), rs.decision_function(X))


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Condition("c", "<=", float("nan")), "threshold must be finite"),
        (lambda: Condition("c", "<=", float("inf")), "threshold must be finite"),
        (lambda: Rule((Condition("c", "<=", 1.0),), float("inf")), "weight must be finite"),
        (lambda: RuleSet([], intercept=float("nan")), "intercept must be finite"),
        (lambda: Condition("c", "LIKE", "a%"), "op"),
        (lambda: Condition("c", "==", ["a"]), "level must be a str, int, finite float or bool"),
    ],
    ids=["NaN threshold", "inf threshold", "inf weight", "NaN intercept", "unknown op", "list value"],
)
def test_hostile_rule_sets_are_refused_when_built(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda d: d["rules"][0]["conditions"][0].update(op="; DROP TABLE x"), "unknown op"),
        (lambda d: d["rules"][0]["conditions"][0].update(value=1e400), "may not contain Infinity"),
        (lambda d: d["rules"][0].update(weight=1e308 * 10), "may not contain Infinity"),
        (lambda d: d["rules"][0]["conditions"].append({"feature": "x", "op": "==", "value": {"$ne": 1}}),
         "str, number or bool"),
    ],
    ids=["SQL as op", "huge threshold", "overflowing weight", "object as value"],
)
def test_from_json_rejects_hostile_documents(edit, match):
    doc = _doc()
    edit(doc)
    with pytest.raises(ValueError, match=match):
        RuleSet.from_json(json.dumps(doc))


# ---------------------------------------------------------------- hostile text
FORGE = "Age\nINTERCEPT +100 points"
BIDI = "x\u202eevil\u2066\u200e"


def test_text_exports_escape_control_and_bidi_characters():
    rs = RuleSet([Rule((Condition(FORGE, "<=", 1.0), Condition(BIDI, "==", "a\nb\u202e")), 0.5,
                       name="n\u2067ame\r")], intercept=-0.25)
    text = rs.to_text()
    assert [line for line in text.splitlines() if line.startswith("INTERCEPT")] == ["INTERCEPT -0.25 points"]
    assert len(text.splitlines()) == len(RuleSet([Rule((), 0.5)]).to_text().splitlines())
    assert "`Age\\nINTERCEPT +100 points` <= 1" in text and "`x\\u202eevil\\u2066\\u200e`" in text
    md = rs.to_markdown()
    rows = [line for line in md.splitlines() if line.startswith("| 1 ")]
    assert len(rows) == 1 and "INTERCEPT +100" in rows[0]
    dot = rs.to_graphviz().source
    for out in (text, md, dot):
        assert not any(ch in out for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\r")
    assert "\nINTERCEPT +100" not in md and "\nINTERCEPT +100" not in dot


def test_scorecard_text_escapes_names_and_values():
    from interpretable_nn import Scorecard

    table = pd.DataFrame({
        "feature": ["(base)", FORGE, FORGE, BIDI, BIDI],
        "kind": ["base", "numeric", "numeric", "categorical", "categorical"],
        "bin": ["", "(-inf, 1]", "(1, inf)", "r\nent", "own"],
        "points": [500.0, -10.0, 5.0, -3.0, 4.0],
        "bin_id": [0, 0, 1, 0, 1],
        "lower": [np.nan, -np.inf, 1.0, np.nan, np.nan],
        "upper": [np.nan, 1.0, np.inf, np.nan, np.nan],
        "level": [None, None, None, "r\nent", "own"],
        "missing": [False] * 5,
    })
    card = Scorecard(table)
    md = card.to_markdown()
    assert not any(line.startswith("INTERCEPT") for line in md.splitlines())
    assert "\u202e" not in md and "Age\\\\nINTERCEPT" in md
    X = pd.DataFrame({FORGE: [0.0], BIDI: ["r\nent"]})
    texts = card.reason_codes(X, k=2)["text"].tolist()
    assert texts and all("\n" not in t and "\u202e" not in t for t in texts)


@pytest.mark.parametrize("names", [["select", "x"], ["ﬁ", "fi"], ["ｘ", "x"], ["equal", "logical_and"],
                                   ["sum", "where"], ["x_missing", "x"]])
def test_sympy_symbols_never_shadow_lambdify_or_each_other(names):
    """A feature named 'select' shadowed numpy's select in lambdify's generated function
    (TypeError), and 'ﬁ' beside 'fi' gave 'duplicate argument' (Python reads identifiers
    NFKC): found by a hostile pass. The documented call now works and agrees with Python."""
    import sympy

    from interpretable_nn.rules.export_sympy import sympy_inputs, sympy_symbols, to_sympy

    rs = RuleSet([Rule((Condition(n, "<=", 1.0),), float(i + 1)) for i, n in enumerate(names)])
    X = pd.DataFrame({n: [0.5, 2.0, np.nan, 1.0] for n in names})
    f = sympy.lambdify(sympy_symbols(rs), to_sympy(rs), "numpy")
    assert f(*sympy_inputs(rs, X)).tolist() == rs.decision_function(X).tolist()


@pytest.mark.parametrize("rs", [
    RuleSet([Rule((Condition("x", "<=", 1e301),), 1.0)]),
    RuleSet([Rule((Condition("x", "<=", 1.0),), 1e301)]),
    RuleSet([Rule((Condition("x", "<=", 1.0),), 1.0)], intercept=-1e305),
])
def test_to_json_refuses_what_from_json_would_refuse(rs):
    """to_json wrote numbers beyond ±1e300 that from_json then refused: the round trip was
    not the identity. Now the writer refuses, naming the field."""
    with pytest.raises(ValueError, match="reads back"):
        rs.to_json()
    ok = RuleSet([Rule((Condition("x", "<=", 1e300),), -1e300)], intercept=1e300)
    assert RuleSet.from_json(ok.to_json()) == ok


def test_rule_set_reads_dates_as_its_model_does():
    """A model reads a date as days since 1970-01-01 UTC, so its rule set says 'd > 18628.5';
    the rule set then refused the raw date column ('pass the raw numeric column'). It now
    reads dates (any unit, tz-aware, Timestamps in an object column) and durations the same way."""
    rs = RuleSet([Rule((Condition("d", ">", 18628.5),), 1.0), Rule((Condition("t", "<=", 1.5),), 2.0)])
    d = pd.Series(pd.to_datetime(["2021-01-01", "2021-01-02", None]))
    t = pd.Series(pd.to_timedelta(["1D", "2D", "36h"]))
    for dd in (d, d.dt.tz_localize("UTC"), d.astype("datetime64[s]"), d.astype(object)):
        got = rs.decision_function(pd.DataFrame({"d": dd, "t": t})).tolist()
        assert got == [2.0, 1.0, 2.0]


@pytest.mark.parametrize("text, match", [
    ('{"format": "interpretable_nn.ruleset", "version": 1, "link": "logit", "intercept": 0.1, '
     '"intercept": 5.0, "rules": []}', "twice"),
    ('{"format": "interpretable_nn.ruleset", "version": 1, "link": "logit", "intercept": 0.1, "rules": '
     '[{"conditions": [{"feature": "x", "op": "==", "value": "\\udfff", "if_missing": false}], "weight": 1.0}]}',
     "not valid Unicode"),
])
def test_from_json_refuses_duplicate_keys_and_lone_surrogates(text, match):
    """A hand-edited file with "intercept" twice loaded as the last value, silently; a lone
    surrogate loaded and then failed every UTF-8 file and database it was written to."""
    with pytest.raises(ValueError, match=match):
        RuleSet.from_json(text)


def test_text_and_markdown_say_when_their_points_are_rounded():
    """A reviewer re-scoring credit_data from to_text()'s 3-digit points flipped 4 of 4,454
    decisions, and nothing in the text said the points were rounded."""
    from interpretable_nn.rules import Condition, Rule, RuleSet

    rs = RuleSet([Rule((Condition("Income", "<=", 1200.0),), 0.83456)], intercept=-0.4)
    for text in (rs.to_text(), rs.to_markdown()):
        assert "rounded to 3 significant digits" in text and "digits=None" in text
    for text in (rs.to_text(digits=None), rs.to_markdown(digits=None),
                 RuleSet([Rule((Condition("Income", "<=", 1200.0),), 0.83)], intercept=-0.4).to_text()):
        assert "rounded" not in text  # exact, or nothing to round

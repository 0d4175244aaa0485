"""PMML export, checked with the reference evaluator (JPMML, ``jpmml-evaluator`` on Java):
the points scorecard (score to 1e-9, ranked reason codes identical on every row, NaN and
unseen levels included), the rule set and the surrogate tree (score and probability).

Without Java or ``jpmml-evaluator`` the tests skip, except in CI (``CI`` set), where they
fail: ``.ci/run`` installs Java and the dev extra brings the evaluator.
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from interpretable_nn import Scorecard
from interpretable_nn.rules import Condition, Rule, RuleSet
from interpretable_nn.rules.export_pmml import NO_REASON

CI = bool(os.environ.get("CI"))


def _evaluator():
    try:
        from jpmml_evaluator import make_evaluator
    except ImportError:
        if CI:
            raise
        pytest.skip("jpmml-evaluator is not installed (dev extra)")
    if shutil.which("java") is None:
        if CI:
            raise RuntimeError("Java is missing: .ci/run installs it for the PMML tests")
        pytest.skip("Java is not installed")
    return make_evaluator


def _backend():
    """The evaluator's JVM, in its own process (py4j), started once and stopped with the module.

    The default backend (JPype) runs the JVM inside this process and adds an import hook that
    answers for any name the JVM calls a package, "pyarrow" among them: where pyarrow is not
    installed (CI), a later ``import pyarrow`` by pandas or scikit-learn got a Java package, and
    every scikit-learn call after it in that pytest worker failed.
    """
    from jpmml_evaluator import _classpath
    from jpmml_evaluator.py4j import Py4JBackend
    from py4j.java_gateway import JavaGateway

    if Py4JBackend.gateway is None:
        # die_on_exit: the JVM goes when this process does, even if the module's teardown never runs.
        Py4JBackend.gateway = JavaGateway.launch_gateway(
            classpath=os.pathsep.join(_classpath([])), die_on_exit=True)
    return Py4JBackend()


@pytest.fixture(scope="module", autouse=True)
def _stop_jvm():
    yield
    py4j_backend = sys.modules.get("jpmml_evaluator.py4j")
    if py4j_backend is not None and py4j_backend.Py4JBackend.gateway is not None:
        py4j_backend.Py4JBackend.destroyGateway()


def _jpmml(doc: str, X: pd.DataFrame) -> pd.DataFrame:
    make_evaluator = _evaluator()  # skips (or fails in CI) without Java or the evaluator
    got = make_evaluator(doc, backend=_backend()).evaluateAll(X.reset_index(drop=True))
    # No Java package may stand in for a Python module in this process (see _backend).
    assert "jpype.imports" not in sys.modules
    if "errors" in got:
        assert got["errors"].isna().all(), got["errors"].dropna().head(3).tolist()
    return got


def _card_agreement(card: Scorecard, X: pd.DataFrame, k: int) -> tuple[float, float]:
    """(max |JPMML score - Python score|, share of rows whose ranked reasons are identical)."""
    X = X.reset_index(drop=True)
    got = _jpmml(card.to_pmml(reasons=k), X)
    want = [[None] * k for _ in range(len(X))]
    for r in card.reason_codes(X, k=k).itertuples(index=False):
        want[r.row][r.rank - 1] = r.reason
    cols = [f"reason_{j}" for j in range(1, k + 1)]
    reasons = [[None if (v is None or (isinstance(v, float) and math.isnan(v))) else v for v in row]
               for row in got[cols].astype(object).values.tolist()]
    err = float(np.max(np.abs(got["score"].to_numpy(float) - card.score(X))))
    return err, float(np.mean([a == b for a, b in zip(reasons, want)]))


def _hard_rows(card: Scorecard, X: pd.DataFrame) -> pd.DataFrame:
    """Held-out rows, an unseen level per categorical, an all-missing row, every bin edge
    and its float64 neighbours (the scorecard SQL benchmark's rows)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from scorecard_sql import hard_rows

    return hard_rows(card, X)


def _with_gaps(X: pd.DataFrame) -> pd.DataFrame:
    """Held-out rows plus an unseen level per categorical column and an all-missing row."""
    X = X.reset_index(drop=True)
    cats = [c for c in X.columns if X[c].dtype == object]
    extra = [X.iloc[i % len(X)].to_dict() | {c: "never seen"} for i, c in enumerate(cats)]
    extra.append(dict.fromkeys(X.columns, None))
    out = pd.concat([X, pd.DataFrame(extra, columns=X.columns)], ignore_index=True)
    for c in X.columns:
        if c not in cats:
            out[c] = pd.to_numeric(out[c]).astype(float)
    return out


# ---------------------------------------------------------------------- scorecard
@pytest.fixture(scope="module")
def credit_nam(small_credit):
    from interpretable_nn.models.nam import NAMClassifier

    X, y, _, _ = small_credit
    return NAMClassifier(n_bags=1, max_epochs=5, interactions=2, verbose=0, random_state=0).fit(X, y)


@pytest.mark.parametrize("decimals", [None, 0])
def test_scorecard_pmml_equals_python_on_credit_data(credit_nam, small_credit, decimals):
    card = credit_nam.to_scorecard(decimals=decimals)
    X = _hard_rows(card, small_credit[2])
    assert len(X) > len(small_credit[2]) + 20 and X.isna().any().any()
    for k in (4, len(card.terms) + 1):
        err, same = _card_agreement(card, X, k)
        assert err <= 1e-9 and same == 1.0, (decimals, k, err, same)


def _toy() -> Scorecard:
    """Ties, a feature whose bins are all negative (an unseen level then scores above the
    best bin: no reason), two bins tied for best, and an interaction."""
    table = pd.DataFrame({
        "feature": ["(base)", "A", "A", "A", "B", "B", "C", "C", "C", "A x C", "A x C"],
        "kind": ["base", "numeric", "numeric", "numeric", "numeric", "numeric", "categorical",
                 "categorical", "categorical", "pair", "pair"],
        "points": [600.0, 10.0, 5.0, 0.0, -1.0, -6.0, 3.0, 3.0, -2.0, 5.0, 0.0],
        "bin_id": [None, 0, 1, 2, 0, 1, 0, 1, 2, 0, 1],
        "bin_id_b": [None] * 9 + [0, 2],
        "lower": [None, -np.inf, 0.0, None, -np.inf, 0.0, None, None, None, None, None],
        "upper": [None, 0.0, np.inf, None, 0.0, np.inf, None, None, None, None, None],
        "missing": [False, False, False, True, False, False, False, False, True, False, False],
        "level": [None] * 6 + ["x", "y", None, None, None]})
    return Scorecard(table)


def test_scorecard_pmml_ties_zero_and_negative_points_lost():
    card = _toy()
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"A": rng.choice([-1.0, 0.0, 1.0, np.nan], n), "B": rng.choice([-1.0, 0.0, 1.0, np.nan], n),
                      "C": rng.choice(np.array(["x", "y", "z", None], dtype=object), n)})
    lost = card.best_points[None, :] - card.points(X)
    assert (lost == 0).any() and (lost < 0).any()  # best bins and an unseen level above the best
    for k in (1, 2, 4):
        err, same = _card_agreement(card, X, k)
        assert err <= 1e-9 and same == 1.0, (k, err, same)


def test_scorecard_pmml_document():
    doc = _toy().to_pmml(reasons=2)
    assert 'useReasonCodes="true"' in doc and 'reasonCodeAlgorithm="pointsBelow"' in doc
    assert '<Characteristic name="A" reasonCode="A" baselineScore="10.0">' in doc
    assert doc.count("<Characteristic ") == 5  # A, B, C, A x C and the no-reason sink
    assert 'initialScore="600.0"' in doc and 'value="0.0"' in doc  # literals by repr


def test_scorecard_pmml_bad_arguments():
    with pytest.raises(ValueError, match="reasons"):
        _toy().to_pmml(reasons=-1)
    table = pd.DataFrame({"feature": ["(base)", NO_REASON], "kind": ["base", "categorical"],
                          "points": [1.0, 2.0], "level": [None, "a"]})
    with pytest.raises(ValueError, match="reserved"):
        Scorecard(table).to_pmml()


@pytest.mark.slow
def test_scorecard_pmml_equals_python_on_hmda():
    from interpretable_nn.datasets import load_dataset
    from interpretable_nn.models.nam import NAMClassifier

    ds = load_dataset("hmda")
    idx = np.random.default_rng(0).permutation(len(ds.y))
    train, test = idx[:1600], idx[1600:]
    nam = NAMClassifier(n_bags=1, max_epochs=10, interactions=3, verbose=0, random_state=0)
    nam.fit(ds.X.iloc[train], ds.y[train])
    for decimals in (None, 0):
        card = nam.to_scorecard(decimals=decimals)
        X = _hard_rows(card, ds.X.iloc[test])
        for k in (4, len(card.terms) + 1):
            err, same = _card_agreement(card, X, k)
            assert err <= 1e-9 and same == 1.0, (decimals, k, err, same)


# ---------------------------------------------------------------------- rule set and tree
def _score_agreement(doc: str, model, X: pd.DataFrame) -> tuple[float, float]:
    got = _jpmml(doc, X)
    score = float(np.max(np.abs(got["score"].to_numpy(float) - model.decision_function(X))))
    prob = float(np.max(np.abs(got["probability"].to_numpy(float) - model.predict_proba(X)[:, 1])))
    return score, prob


def test_ruleset_pmml_every_operator():
    rs = RuleSet([
        Rule((Condition("Income", "<=", 1200.5, if_missing=True), Condition("Home", "!=", "rent")), 0.5),
        Rule((Condition("Home", "in", ("own", 'odd "name"', "a b")),), -0.25),
        Rule((Condition("Income", ">", -3.0), Condition("Age", "is_missing", True)), 1.5),
        Rule((Condition("Home", "==", "own", if_missing=True), Condition("Age", "is_missing", False)), -2.0),
        Rule((), 0.125),
    ], intercept=-1.0)
    X = pd.DataFrame({"Income": [1000.0, None, 2000.0, -5.0, 1200.5, 7.0],
                      "Home": ["rent", "own", None, 'odd "name"', "a b", "never seen"],
                      "Age": [30.0, None, None, 20.0, None, 41.0]})
    score, prob = _score_agreement(rs.to_pmml(), rs, X)
    assert score <= 1e-9 and prob <= 1e-9


def test_ruleset_pmml_with_linear_terms_scores_exactly():
    from interpretable_nn.rules.conditions import LinearTerm

    rng = np.random.default_rng(0)
    rs = RuleSet([Rule((Condition("a", ">", 1.0),), 0.5), Rule((Condition("c", "==", "x"),), 0.3)], intercept=-1.1,
                 linear=[LinearTerm("b", 0.2537, -1.3, 3.7, 0.51, name="lin_b"), LinearTerm("a", -0.1, 0.0, 2.5, 1.0),
                         LinearTerm("d", 1e-3, 1.0, 7.0, 4.0, name="rule_1")])
    X = pd.DataFrame({"a": rng.normal(size=60) * 2, "b": rng.normal(size=60) * 3, "c": rng.choice(["x", "y"], 60),
                      "d": rng.integers(0, 9, 60)})
    X.loc[::7, "b"] = np.nan
    X.loc[::5, "a"] = np.nan
    doc = rs.to_pmml()
    assert doc.count("<Characteristic ") == 5 and "ComplexPartialScore" in doc
    score, prob = _score_agreement(doc, rs, X)
    assert score == 0.0 and prob <= 1e-15


def test_rulenet_and_surrogate_pmml_on_credit_data(credit_nam, small_credit):
    from interpretable_nn.distill.surrogate import SurrogateTree
    from interpretable_nn.models.rulenet import RuleNetClassifier

    X, y, Xte, _ = small_credit
    rows = _with_gaps(Xte)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rn = RuleNetClassifier(max_rules=15, max_epochs=5, verbose=0, random_state=0).fit(X, y)
        tree = SurrogateTree(max_depth=5).fit(credit_nam, X)
    assert rn.ruleset_.n_rules > 3 and tree.estimator_.tree_.node_count > 15
    for name, doc, model in [("rulenet rule set", rn.ruleset_.to_pmml(), rn.ruleset_),
                             ("surrogate rule set", tree.to_ruleset().to_pmml(), tree.to_ruleset()),
                             ("surrogate tree", tree.to_pmml(), tree)]:
        score, prob = _score_agreement(doc, model, rows)
        assert score <= 1e-9 and prob <= 1e-9, (name, score, prob)
    assert "<TreeModel " in tree.to_pmml() and "<Scorecard " in rn.ruleset_.to_pmml()


@pytest.mark.slow
def test_ruleset_and_tree_pmml_on_hmda():
    from interpretable_nn.datasets import load_dataset
    from interpretable_nn.distill.surrogate import SurrogateTree
    from interpretable_nn.models.nam import NAMClassifier
    from interpretable_nn.models.rulenet import RuleNetClassifier

    ds = load_dataset("hmda")
    idx = np.random.default_rng(0).permutation(len(ds.y))
    train, test = idx[:1600], idx[1600:]
    Xtr, ytr, rows = ds.X.iloc[train], ds.y[train], _with_gaps(ds.X.iloc[test])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nam = NAMClassifier(n_bags=1, max_epochs=10, interactions=3, verbose=0, random_state=0).fit(Xtr, ytr)
        tree = SurrogateTree(max_depth=6).fit(nam, Xtr)
        rn = RuleNetClassifier(max_rules=20, max_epochs=10, verbose=0, random_state=0).fit(Xtr, ytr)
    for name, doc, model in [("rulenet rule set", rn.ruleset_.to_pmml(), rn.ruleset_),
                             ("surrogate tree", tree.to_pmml(), tree)]:
        score, prob = _score_agreement(doc, model, rows)
        assert score <= 1e-9 and prob <= 1e-9, (name, score, prob)


def test_scorecard_pmml_of_a_card_from_dates_asks_how_they_are_given():
    """A card from a model fitted on dates bins days since 1970; its PMML read the raw field
    as a plain number, so an evaluator given a date (or its epoch seconds) scored every row in
    the last bin. It is refused now unless the caller says the field holds those days, and
    then JPMML gives Python's scores."""
    from interpretable_nn.models.nam import NAMClassifier

    rng = np.random.default_rng(1)
    n = 300
    d = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    X = pd.DataFrame({"opened": d, "x": rng.normal(size=n)})
    y = ((d - d.min()).days.to_numpy() / 900 + rng.normal(0, .3, n) > .5).astype(int)
    card = NAMClassifier(n_bags=1, max_epochs=20, interactions=0, random_state=0, verbose=0).fit(X, y).to_scorecard()
    with pytest.raises(ValueError, match="Feature 'opened' was fitted on dates.*days_stored=True"):
        card.to_pmml()
    with pytest.raises(ValueError, match="days_stored must be True or False"):
        card.to_pmml(days_stored="yes")
    doc = card.to_pmml(reasons=2, days_stored=True)
    assert 'displayName="opened (days since 1970-01-01 UTC)"' in doc
    days = X.assign(opened=(X["opened"] - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1))
    got = _jpmml(doc, days)
    np.testing.assert_allclose(got["score"].to_numpy(float), card.score(X), rtol=0, atol=1e-9)
    assert card.bins(X)["opened"].nunique() > 2


def test_ruleset_pmml_of_rules_from_dates_is_given_days():
    """A rule set fitted on dates (RuleNet here) compares days since 1970: its PMML is refused
    unless the evaluator is given those days, and then JPMML gives Python's scores."""
    rng = np.random.default_rng(2)
    n = 300
    d = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    X = pd.DataFrame({"opened": d, "x": rng.normal(size=n)})
    y = ((d - d.min()).days.to_numpy() / 900 + rng.normal(0, .3, n) > .5).astype(int)
    from interpretable_nn.models.rulenet import RuleNetClassifier

    rs = RuleNetClassifier(random_state=0, verbose=0, max_epochs=10).fit(X, y).ruleset_
    with pytest.raises(ValueError, match="Feature 'opened' was fitted on dates.*days_stored=True"):
        rs.to_pmml()
    doc = rs.to_pmml(days_stored=True)
    assert 'displayName="opened (days since 1970-01-01 UTC)"' in doc
    days = X.assign(opened=(X["opened"] - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1))
    np.testing.assert_allclose(_jpmml(doc, days)["score"].to_numpy(float), rs.decision_function(X),
                               rtol=0, atol=1e-9)


# ---------------------------------------------------------------------- integer codes, XML text
CODES = [4100000001, 4100000002, 2**31, 2**53 - 1, -(2**53 - 1)]


def test_ruleset_pmml_integer_levels_beyond_32_bits_score_exactly():
    """Integer levels were written ``dataType="integer"``, a 32-bit int to JPMML: a rule set
    over 10-digit codes scored no row ("cannot accept invalid value 4100000003"), and with
    small levels an unseen code of 2**31 failed its row. They are doubles now, exact below
    2**53, and JPMML matches the integer inputs exactly (neighbours of 2**53 - 1 included)."""
    rs = RuleSet([Rule((Condition("k", "==", CODES[1]),), 1.0),
                  Rule((Condition("k", "in", (CODES[0], 2**31, -(2**53 - 1))),), 0.5),
                  Rule((Condition("k", "!=", 2**53 - 1, if_missing=True),), 0.25),
                  Rule((Condition("small", "==", 5),), 2.0)], intercept=-0.5)
    k = CODES + [2**53, 2**53 + 1, 2**53 - 2, 4100000003, 3]
    X = pd.DataFrame({"k": np.array(k, dtype=np.int64), "small": np.array([5, 3, 2**31, 2**40] * 5)[:len(k)]})
    doc = rs.to_pmml()
    for rows in (X, X.astype(float).assign(k=lambda d: d["k"].where(d.index != 4))):  # float64, NaN
        score, prob = _score_agreement(doc, rs, rows)
        assert score == 0.0 and prob <= 1e-15
    assert 'dataType="integer"' not in doc


def test_scorecard_pmml_integer_levels_beyond_32_bits_score_exactly():
    """The scorecard's PMML reads its levels' type from the same helper: 10-digit codes,
    an unseen code of 2**31 and a missing value now give Python's points and reasons."""
    table = pd.DataFrame({"feature": ["(base)"] + ["branch"] * 4, "kind": ["base"] + ["categorical"] * 4,
                          "points": [10.0, 1.0, 2.0, 3.0, 4.0], "missing": [False, False, False, False, True],
                          "level": pd.Series([None, CODES[0], CODES[1], 2**53 - 1, None], dtype=object)})
    card = Scorecard(table)
    X = pd.DataFrame({"branch": pd.Series(CODES[:2] + [2**53 - 1, 2**53, 2**31, 3, None], dtype=object)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unseen levels
        for rows in (X, X.astype(float), X.dropna().astype(np.int64)):
            err, same = _card_agreement(card, rows, 2)
            assert err == 0.0 and same == 1.0


def test_pmml_refuses_integer_levels_a_double_cannot_tell_apart():
    for level in (2**53, -(2**53), 2**60 + 1, 2**64 - 1):
        with pytest.raises(ValueError, match=rf"Feature 'k' has the integer level {level}, 2\*\*53 or more.*str"):
            RuleSet([Rule((Condition("k", "==", level),), 1.0)]).to_pmml()
    with pytest.raises(ValueError, match="Feature 'k' has the integer level"):  # typed double by a threshold
        RuleSet([Rule((Condition("k", ">", 1.0), Condition("k", "in", (3, 2**60))), 1.0)]).to_pmml()
    table = pd.DataFrame({"feature": ["(base)", "branch"], "kind": ["base", "categorical"], "points": [1.0, 2.0],
                          "level": pd.Series([None, 2**60], dtype=object)})
    with pytest.raises(ValueError, match="Feature 'branch' has the integer level"):
        Scorecard(table).to_pmml()


@pytest.mark.parametrize("bad", ["\x00", "\x1f", "\ufffe", "\uffff", "\ud800"])
def test_pmml_refuses_characters_xml_cannot_hold(bad):
    """ElementTree wrote such a character as it is, and the document parsed nowhere."""
    code = rf"\(U\+{ord(bad):04X}\), a character XML 1.0 does not allow"
    for op, value in (("==", f"a{bad}b"), ("in", ("x", f"a{bad}b"))):
        with pytest.raises(ValueError, match=rf"Level 'a.*b' of feature 'c' holds .* {code}"):
            RuleSet([Rule((Condition("c", op, value),), 1.0)]).to_pmml()
    with pytest.raises(ValueError, match=rf"Feature 'c.*' holds .* {code}.*rename the column"):
        RuleSet([Rule((Condition(f"c{bad}", "==", "x"),), 1.0)]).to_pmml()
    with pytest.raises(ValueError, match=rf"The PMML Characteristic name .* {code}"):
        RuleSet([Rule((Condition("c", "==", "x"),), 1.0, name=f"r{bad}")]).to_pmml()
    for feature, level, match in (("c", f"a{bad}", "Level 'a.*' of feature 'c'"), (f"c{bad}", "a", "Feature 'c")):
        table = pd.DataFrame({"feature": ["(base)", feature], "kind": ["base", "categorical"], "points": [1.0, 2.0],
                              "level": [None, level]})
        with pytest.raises(ValueError, match=rf"{match}.* {code}"):
            Scorecard(table).to_pmml()


def test_pmml_keeps_tab_newline_and_carriage_return():
    """XML 1.0 allows them; a CR in a set of levels (element text) was read back as a newline."""
    import xml.etree.ElementTree as ET

    levels = ["t\tx", "a\nb", "c\rd", "e\r\nf", " lead"]
    rs = RuleSet([Rule((Condition("c\tname", "in", tuple(levels[:4])),), 1.0),
                  Rule((Condition("c\tname", "==", "c\rd"),), 0.5), Rule((Condition("c\tname", "!=", "e\r\nf"),), 0.25)])
    X = pd.DataFrame({"c\tname": levels + ["c\nd", "e\nf", "zz", None]})
    doc = rs.to_pmml()
    ET.fromstring(doc.encode())
    score, _ = _score_agreement(doc, rs, X)
    assert score == 0.0

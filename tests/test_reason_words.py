"""Reason sentences agree with their points: every feature of a NAM with monotone
constraints on credit_data, categorical levels included, over many held-out rows, for both
references; plus the declined-only threshold, the reason map, tie-breaking and the
``reference="mean"`` = top-k positive terms of ``explain()`` identity."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reason_audit import contradictions, parse_reference
from sklearn.model_selection import train_test_split

from interpretable_nn import NAMClassifier
from interpretable_nn.datasets import load_dataset
from interpretable_nn.explain import reason_codes
from interpretable_nn.explain.reason_codes import format_value
from interpretable_nn.explain.reason_words import _exact_num, _favourable, _fmt_num, readable_grid

MONOTONE = {"Income": -1, "Seniority": -1}


@pytest.fixture(scope="module")
def credit_nam():
    ds = load_dataset("credit_data")
    Xtr, Xte, ytr, _ = train_test_split(ds.X, ds.y, test_size=0.2, random_state=0, stratify=ds.y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nam = NAMClassifier(n_bags=1, max_epochs=6, hidden_sizes=(16,), interactions=1, monotone=MONOTONE,
                            verbose=0, random_state=0).fit(Xtr, ytr)
    return nam, Xtr, Xte.iloc[:150]


@pytest.mark.parametrize("reference", ["best", "mean"])
def test_no_sentence_contradicts_its_points(credit_nam, reference):
    nam, _, X = credit_nam
    out = reason_codes(nam, X, k=len(nam.terms_), reference=reference)
    numeric = {s.name: s.is_numeric for s in nam.encoder_.schema_}
    assert set(out["reason"]) >= set(X.columns)  # every feature is a reason somewhere
    assert out["features"].str.contains("Records|Job|Home").any()  # categorical levels too
    assert contradictions(nam, X, out, reference, MONOTONE, numeric) == []
    for f in MONOTONE:  # more seniority / income never raises the risk: "X or more"
        texts = out.loc[out["reason"] == f, "text"]
        assert len(texts) and texts.str.contains(" or more ").all(), texts.iloc[0]


def test_audit_catches_a_contradicting_sentence(credit_nam):
    nam, _, X = credit_nam
    out = reason_codes(nam, X.iloc[:20], k=3)
    numeric = {s.name: s.is_numeric for s in nam.encoder_.schema_}
    row = out.index[out["reason"] == "Seniority"][0]
    wrong = out.copy()
    wrong.loc[row, "text"] = wrong.loc[row, "text"].replace(" or more", " or less")
    assert contradictions(nam, X, wrong, "best", MONOTONE, numeric)
    wrong.loc[row, "text"] = "Seniority 12 is above the average 7.93 of training applicants"
    assert contradictions(nam, X, wrong, "best", MONOTONE, numeric)


def test_mean_reasons_are_the_top_positive_explain_terms(credit_nam):
    nam, _, X = credit_nam
    k = 4
    out = reason_codes(nam, X, k=k, reference="mean")
    e = nam.explain(X)
    vals = pd.DataFrame(e.values, columns=e.feature_names, index=X.index)
    worst = 0.0
    for lab, grp in out.groupby("row", sort=False):
        v = vals.loc[lab]
        top = v[v > 1e-9].sort_values(ascending=False, kind="stable").iloc[:k]
        assert grp["reason"].tolist() == top.index.tolist()
        worst = max(worst, float(np.abs(grp["points"].to_numpy() - top.to_numpy()).max()))
    assert worst <= 1e-6
    assert set(out["row"]) == {lab for lab in X.index if (vals.loc[lab] > 1e-9).any()}


def test_threshold_declined_rows_only(credit_nam):
    nam, _, X = credit_nam
    p = nam.predict_proba(X)[:, 1]
    out = reason_codes(nam, X, k=2, threshold=0.5)
    assert set(out["row"]) == set(X.index[p >= 0.5]) and len(out)
    assert reason_codes(nam, X, k=2, threshold=1.0).empty
    good = reason_codes(nam, X, k=2, threshold=0.5, adverse_class=0)
    assert set(good["row"]) == set(X.index[1 - p >= 0.5])
    assert out.attrs["explains"] == "log-odds of 1" and good.attrs["explains"] == "log-odds of 0"
    with pytest.raises(ValueError, match="threshold must be a probability"):
        reason_codes(nam, X, threshold=2)


def test_reason_map_and_ties(credit_nam):
    nam, _, X = credit_nam
    rmap = {t: (f"R{i:02d}", f"statement {t}") for i, t in enumerate(nam.terms_)}
    out = reason_codes(nam, X.iloc[:10], k=3, reason_map=rmap)
    assert (out["code"] == [rmap[r][0] for r in out["reason"]]).all()
    assert (out["statement"] == [rmap[r][1] for r in out["reason"]]).all()
    frame = pd.DataFrame([(t, c, s) for t, (c, s) in rmap.items()], columns=["reason", "code", "statement"])
    assert reason_codes(nam, X.iloc[:10], k=3, reason_map=frame)["code"].tolist() == out["code"].tolist()
    with pytest.raises(ValueError, match="reason_map has no statement for"):
        reason_codes(nam, X.iloc[:10], k=3, reason_map={"Income": ("R1", "income")})
    with pytest.raises(TypeError, match="reason_map must be"):
        reason_codes(nam, X.iloc[:10], reason_map=["Income"])
    # ties go to the unit listed first (rules in order), whatever the row order
    from interpretable_nn.rules import Condition, Rule, RuleSet

    rs = RuleSet([Rule((Condition("b", ">", 0.0),), 0.5), Rule((Condition("a", ">", 0.0),), 0.5)])
    Xt = pd.DataFrame({"a": [1.0, 1.0], "b": [1.0, 1.0]})
    assert reason_codes(rs, Xt, k=2)["reason"].tolist() == ["b > 0", "a > 0"] * 2


def test_scorecard_object_delegates():
    class Card:
        table = pd.DataFrame()

        def reason_codes(self, X, k=4, threshold=None):
            return pd.DataFrame({"row": X.index, "rank": 1, "reason": "x", "features": "x",
                                 "value": "", "points": float(k), "text": str(threshold)})

    X = pd.DataFrame({"x": [1.0, 2.0]})
    out = reason_codes(Card(), X, k=3, reason_map={"x": ("C1", "because")})
    assert out["points"].tolist() == [3.0, 3.0] and out["text"].tolist() == ["None", "None"]
    assert out["code"].tolist() == ["C1", "C1"]
    # reason_codes' threshold is a probability; a card's own is a score: not passed through
    with pytest.raises(ValueError, match="cut-off is a score"):
        reason_codes(Card(), X, k=3, threshold=0.2)
    with pytest.raises(ValueError, match="does not take background"):
        reason_codes(Card(), X, background=X)


def test_favourable_blocks_and_bounds():
    v = np.array([1.0, 2.0, 3.0, 4.0, np.nan], dtype=object)
    assert _favourable(v, np.array([3, 2, 1, 1, 5.0]), 1.0, True) == "3 or more"
    assert _favourable(v, np.array([0, 0, 1, 2, 5.0]), 0.0, True) == "2 or less"
    assert _favourable(v, np.array([2, 0, 0, 2, 5.0]), 0.0, True) == "between 2 and 3"
    assert _favourable(v, np.array([2, 2, 2, 2, 0.0]), 0.0, True) == "missing"
    lv = np.array(["a", "b", "c"], dtype=object)
    assert _favourable(lv, np.array([1.0, 0.0, 0.0]), 0.0, False) == "'b' or 'c'"
    assert float(_fmt_num(531.27, "up")) >= 531.27 and float(_fmt_num(531.27, "down")) <= 531.27
    assert parse_reference("1,500 or less", True) == (1500.0, "down")


def test_string_labels_warn_which_is_positive():
    from interpretable_nn.data.validation import PositiveClassWarning, check_target

    with pytest.warns(PositiveClassWarning, match=r"'bad' and 'good'.* is 'good'.*--positive-class"):
        check_target(np.array(["good", "bad", "good"]), 3, "classification")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_target(np.array([0, 1, 1]), 3, "classification")  # 0/1: the caller chose
        check_target(np.array(["a", "b", "c"]), 3, "classification")  # multiclass: no positive class


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e300, 1e300, allow_nan=False, allow_subnormal=True), min_size=1, max_size=40))
def test_readable_grid_stays_in_each_cell(values):
    """Each readable value lies strictly inside its quantile's cell (halfway to the
    neighbours), so the grid keeps its order and its range, whatever the numbers."""
    q = np.unique(np.asarray(values, dtype=float))
    g = readable_grid(q)
    assert len(g) == len(q) and np.isfinite(g).all()
    assert (np.diff(g) > 0).all()
    assert q[0] <= g[0] and g[-1] <= q[-1]  # never outside the training range
    for i in range(len(q)):
        lo = q[i] if i == 0 else q[i - 1] / 2 + q[i] / 2
        hi = q[i] if i == len(q) - 1 else q[i] / 2 + q[i + 1] / 2
        assert lo <= g[i] <= hi
        assert len(_exact_num(g[i])) <= len(_exact_num(q[i]))  # never written longer
    assert readable_grid([0.0, 95.0, 106.0]).tolist() == [0.0, 95.0, 106.0]  # not 100: longer text
    assert _exact_num(-0.0) == "0" and readable_grid([-0.0, 1.0]).tolist() == [0.0, 1.0]  # not "-0"

def test_sentences_name_readable_values_and_their_own_points():
    """Two-decimal data: the favourable value in a "best" sentence is a short number (the
    training quantiles such as 11.8902734375 are not), and the points the sentence states
    are the model's at that very value."""
    rng = np.random.default_rng(0)
    n = 2000
    X = pd.DataFrame({"rate": np.round(rng.normal(20, 3, n), 2), "util": np.round(rng.uniform(0, 1, n), 3)})
    logit = 0.3 * (X.rate - 20) ** 2 / 9 - 1 + 2 * (X.util - 0.3) ** 2
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    m = NAMClassifier(random_state=0, interactions=0, n_bags=2).fit(X, y)
    assert any(len(repr(q)) > 8 for q in m.encoder_.schema_["rate"].quantiles)  # the wart is there to fix
    out = reason_codes(m, X[:200], k=2)
    fav = out.text.str.extract(r"; (-?[\d,.]+) would lower the risk score by ([\d.e-]+) points")
    assert fav[0].notna().all()
    assert fav[0].str.replace(",", "").str.split(".").str[1].fillna("").str.len().max() <= 3
    for (_, row), value in zip(out.iterrows(), fav[0].str.replace(",", "").astype(float)):
        f = row["reason"]
        at = X.iloc[[0]].copy()
        at[f] = value
        here = X.loc[[row["row"]]]
        t = m.terms_.index(f)
        gain = m.predict_terms(here)[0, t] - m.predict_terms(at)[0, t]
        assert gain == pytest.approx(row["points"], rel=1e-6, abs=1e-9)


def _inside_block(text: str) -> bool:
    """Whether a sentence writes the applicant's value inside the favourable block it names
    ("rate 19.9; 19.9 would lower the risk score"): a contradiction to the reader."""
    import re

    def num(s):
        return float(s.replace(",", ""))

    v = num(re.match(r"^\w+ ([-\d,.e+]+)[; ]", text).group(1))
    if a := re.search(r"([-\d,.e+]+) or less", text):
        return v <= num(a.group(1))
    if a := re.search(r"([-\d,.e+]+) or more", text):
        return v >= num(a.group(1))
    if a := re.search(r"between ([-\d,.e+]+) and ([-\d,.e+]+)", text):
        return num(a.group(1)) <= v <= num(a.group(2))
    if a := re.search(r"; ([-\d,.e+]+) would", text):
        return v == num(a.group(1))
    return False


def test_applicant_value_is_never_written_inside_the_favourable_block():
    """Two-decimal and three-decimal columns, both references: the applicant's value is
    written exactly, so it never reads as one of the values that "would lower the risk
    score" (with the value rounded to 3 digits, 38 of 23,117 sentences did)."""
    rng = np.random.default_rng(1)
    n = 4000
    X = pd.DataFrame({"rate": np.round(rng.normal(20, 3, n), 2), "util": np.round(rng.uniform(0, 1, n), 3),
                      "amount": np.round(rng.lognormal(8, 1, n), 2), "age": rng.integers(18, 80, n).astype(float)})
    logit = (0.3 * (X.rate - 20) ** 2 / 9 - 1 + 2 * (X.util - 0.5) ** 2 + 0.3 * np.log(X.amount / 3000)
             + 0.02 * (X.age - 40))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    m = NAMClassifier(random_state=0, interactions=0, n_bags=2).fit(X, y)
    for reference in ("best", "mean"):
        out = reason_codes(m, X, k=4, reference=reference)
        bad = [t for t in out["text"] if _inside_block(t)]
        assert len(out) > 5000 and bad == [], bad[:3]


@pytest.mark.parametrize("v", [20.43, 0.3468, 1234.56, 1e-300, -7.125e20, 0.1 + 0.2, 123456789.75, 5e-324])
def test_format_value_reads_back_exactly(v):
    assert float(format_value(v).replace(",", "")) == v
    f32 = float(np.float32(v))
    if np.isfinite(f32) and f32 != 0:
        assert float(np.float32(float(format_value(f32).replace(",", "")))) == f32


def test_between_block_is_never_reversed_and_huge_bounds_stay_short():
    """Both ends of a block inside one 3-digit step ("between 1.24 and 1.23" came out, and
    "between 1,001 and 1,000"), and 1e300 written as 401 digits: found by a hostile pass."""
    fav = _favourable(np.array([1.0, 1.2341, 1.2349, 2.0], dtype=object), np.array([1.0, 0, 0, 1]), 0.0, True)
    lo, hi = (float(t.replace(",", "")) for t in fav.removeprefix("between ").split(" and "))
    assert lo <= hi and lo >= 1.2341 and hi <= 1.2349
    fav = _favourable(np.array([999.0, 1000.4, 1000.6, 1002.0], dtype=object), np.array([1.0, 0, 0, 1]), 0.0, True)
    lo, hi = (float(t.replace(",", "")) for t in fav.removeprefix("between ").split(" and "))
    assert 1000.4 <= lo <= hi <= 1000.6
    for x in (1.234567e300, -1.234567e300, 1e300, 3.3e15):
        up, down = _fmt_num(x, "up"), _fmt_num(x, "down")
        assert len(up) < 12 and len(down) < 12
        assert float(up.replace(",", "")) >= x >= float(down.replace(",", ""))


def test_sentences_escape_levels_and_names_and_keep_integers_exact():
    """A level or a column name cannot end its quote or start a line of its own, and an
    int64 near 2**62 is written with all its digits (it was '4.611686018427395e+18')."""
    rng = np.random.default_rng(0)
    n = 600
    evil = "rent'; 'owner' would lower the risk score by 0 points\nIncome 9,999"
    X = pd.DataFrame({"Home": rng.choice([evil, "own", "it's"], n),
                      "Age\nINTERCEPT +100 points": rng.integers(18, 80, n),
                      "big": (2**62 + rng.integers(0, 2**40, n)).astype(np.int64)})
    logit = np.where(X["Home"] == evil, 1.0, -0.5) + 0.03 * (X.iloc[:, 1] - 40) + (X["big"] - 2**62) / 2**40
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    m = NAMClassifier(random_state=0, n_bags=2, interactions=0).fit(X, y)
    out = reason_codes(m, X.head(60), k=3)
    assert not out["text"].str.contains("\n").any() and not out["value"].str.contains("\n").any()
    home = out[(out["reason"] == "Home") & (X["Home"].to_numpy()[out["row"]] == evil)]["text"]
    assert len(home) and home.str.startswith(
        "Home 'rent\\'; \\'owner\\' would lower the risk score by 0 points\\nIncome 9,999'; ").all()
    assert out["text"].str.contains("Age\\nINTERCEPT", regex=False).any()
    big = out[out["reason"] == "big"]
    assert len(big)
    for (_, row) in big.iterrows():
        assert row["text"].startswith(f"big {int(X.loc[row['row'], 'big']):,};")
    with pytest.raises(ValueError, match="background has no rows"):
        reason_codes(m, X.head(5), background=X.iloc[:0])


def test_applicant_values_are_short_where_the_block_allows():
    """Float32-born data (R's and many files' habit: 20.1191699981689) read as float64: the
    applicant's value is written to 4 significant digits unless the favourable words need
    more to keep it apart (exact values, written in full, made every sentence unreadable)."""
    rng = np.random.default_rng(2)
    n = 2000
    X = pd.DataFrame({"temp": rng.normal(20, 4, n).astype(np.float32).astype(float),
                      "humid": rng.uniform(0, 10, n).astype(np.float32).astype(float)})
    logit = 0.2 * (X.temp - 20) + 0.3 * (X.humid - 5)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    m = NAMClassifier(random_state=0, n_bags=2, interactions=0).fit(X, y)
    for reference in ("best", "mean"):
        out = reason_codes(m, X.head(300), k=2, reference=reference)
        own = out["text"].str.extract(r"^\w+ ([-\d,.e+]+)[; ]")[0].str.replace(",", "")
        digits = own.str.replace(r"^-?0\.0*|[-.]|e.*$", "", regex=True).str.len()
        assert (digits <= 4).mean() > 0.95 and digits.max() <= 8
        assert not any(_inside_block(t) for t in out["text"])


def _hostile_credit(n=300, seed=0):
    r = np.random.default_rng(seed)
    X = pd.DataFrame({"age": r.normal(40, 10, n), "income": r.normal(3000, 800, n),
                      "home": r.choice(["own", "rent", "other"], n), "flag": r.integers(0, 2, n).astype(bool)})
    z = 0.08 * (X.age - 40) - 0.002 * (X.income - 3000) + (X.home == "rent") * 1.0 + X.flag * 0.5
    return X, (z + r.logistic(size=n) > 0).astype(int)


def test_a_tree_reason_never_quotes_the_applicants_own_value_as_the_better_one():
    """A tree's attributions depend on the path: the background applicant with the lowest
    contribution of ``home`` can have the same home, and the sentence read "home 'other' adds
    1.19 more ... than the most favourable reference applicant (home 'other')"."""
    from interpretable_nn.models import make_model

    X, y = _hostile_credit()
    m = make_model("tree").fit(X, y)
    rc = reason_codes(m, X.iloc[:40], k=4, background=X.iloc[:100])
    same = 0
    for r in rc.itertuples():
        value = r.text.split(" adds ")[0]  # "home 'other'"
        if "who has the same" in r.text:
            same += 1
            assert "(" not in r.text
        else:
            assert not r.text.endswith(f"({value})"), r.text
    assert same > 0  # the case arises on this data


def test_reference_values_and_rule_values_are_rounded_as_the_applicants_are():
    from interpretable_nn.models import make_model

    X, y = _hostile_credit()
    texts = reason_codes(make_model("logreg").fit(X, y), X.iloc[:20], k=2, background=X.iloc[:100])["text"]
    for t in texts:
        assert not re.search(r"\d\.\d{5,}", t), t  # it printed 'age 16.749692253611656'
    r = make_model("rulenet", max_epochs=5, boosted_trees=10, max_rules=5, verbose=0, random_state=0).fit(X, y)
    texts = reason_codes(r, X.iloc[:20], k=10, adverse_class=0, reference="mean")["text"]
    assert any(" AND " in t for t in texts)
    for t in texts:
        assert not re.search(r"\d\.\d{5,}", t), t  # 'income 3,962.6071632931985; flag ...'

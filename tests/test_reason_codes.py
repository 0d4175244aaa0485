"""reason_codes(): adverse-action reasons for additive, rule and any other models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_additive_shap import tiny_model

from interpretable_nn.data.encoding import TabularEncoder
from interpretable_nn.explain import reason_codes
from interpretable_nn.explain.reason_codes import format_value
from interpretable_nn.explain.reason_words import readable_grid
from interpretable_nn.rules import Condition, Rule, RuleSet


@pytest.fixture(scope="module")
def additive():
    model, ds = tiny_model(n_samples=400)
    model.encoder_ = TabularEncoder().fit(ds.X)  # a schema for the no-background path
    return model, ds.X.iloc[:25].reset_index(drop=True), ds.X.iloc[100:300].reset_index(drop=True)


def test_additive_best_reference_against_background(additive):
    model, X, B = additive
    out = reason_codes(model, X, k=3, background=B)
    T, Tb = model.predict_terms(X), model.predict_terms(B)
    pts = T - Tb.min(axis=0)
    for r, grp in out.groupby("row"):
        assert grp["rank"].tolist() == list(range(1, len(grp) + 1))
        expected = np.array(model.terms_, dtype=object)[np.argsort(-pts[r], kind="stable")[: len(grp)]]
        assert grp["reason"].tolist() == expected.tolist()
        assert np.allclose(grp["points"], np.sort(pts[r])[::-1][: len(grp)])
        assert (grp["points"] > 0).all() and grp["points"].is_monotonic_decreasing
    assert set(out["row"]) == set(range(len(X)))


def test_additive_mean_reference_and_schema_grid(additive):
    model, X, B = additive
    mean = reason_codes(model, X, k=2, reference="mean", background=B)
    pts = model.predict_terms(X) - model.predict_terms(B).mean(axis=0)
    first = mean[mean["rank"] == 1].set_index("row")["points"]
    assert np.allclose(first.to_numpy(), pts.max(axis=1)[first.index])
    # no background: the best value over the training range from the schema
    best = reason_codes(model, X, k=len(model.terms_))
    by = best.set_index(["row", "reason"])["points"]
    sine = model._fns[model.terms_.index("sine")]
    grid_min = sine(readable_grid(model.encoder_.schema_["sine"].quantiles)).min()
    for r in range(5):
        x = X.loc[r, "sine"]
        assert by.get((r, "sine"), 0.0) == pytest.approx(max(sine(np.array([x]))[0] - grid_min, 0), abs=1e-9)


def test_texts_speak_raw_units(additive):
    model, X, B = additive
    out = reason_codes(model, X, k=len(model.terms_), background=B)
    txt = out.set_index(["row", "reason"])["text"]
    r = int(out[out["reason"] == "monotone"]["row"].iloc[0])
    pts = out.set_index(["row", "reason"]).loc[(r, "monotone"), "points"]
    # the raw value, to at least 4 significant digits (more where the favourable words need them)
    written = txt[(r, "monotone")].removeprefix("monotone ").split(";")[0]
    assert float(written.replace(",", "")) == pytest.approx(X.loc[r, "monotone"], rel=5e-4)
    assert out.set_index(["row", "reason"]).loc[(r, "monotone"), "value"] == f"monotone {format_value(X.loc[r, 'monotone'])}"
    assert txt[(r, "monotone")].endswith(f" would lower the risk score by {pts:.3g} points")
    cat = out[out["reason"] == "category"]
    assert cat["text"].str.match(r"^category '[^']+'; '[^']+'.* would lower the risk score").all()
    inter = out[out["reason"] == "inter_a x inter_b"]
    assert inter["text"].str.startswith("the combination of inter_a ").all()
    assert inter["features"].eq("inter_a, inter_b").all()
    miss = out[(out["reason"] == "with_missing") & out["value"].str.endswith("missing")]
    assert miss["text"].str.startswith("with_missing missing; ").all()


def test_rule_reasons():
    rs = RuleSet(
        [
            Rule((Condition("Income", "<=", 1500.0),), 0.8),
            Rule((Condition("Assets", ">", 5000.0),), -0.5),
            Rule((Condition("Home", "==", "rent"), Condition("Income", "<=", 3000.0)), 0.3),
        ],
        intercept=-1.0,
    )
    X = pd.DataFrame({"Income": [1200.0, 9000.0], "Assets": [100.0, 8000.0], "Home": ["rent", "own"]})
    out = reason_codes(rs, X, k=4)
    r0 = out[out["row"] == 0]
    assert r0["points"].tolist() == pytest.approx([0.8, 0.5, 0.3])
    assert r0["text"].iloc[2] == ("Home 'rent'; Income 1,200 meet the rule Home == 'rent' AND Income <= 3000, which raises the "
                                 "risk score by 0.3 points")
    assert out[out["row"] == 1].empty  # nothing adverse: no reasons
    mean = reason_codes(rs, X, reference="mean", background=X)
    assert mean[mean["row"] == 0]["points"].iloc[0] == pytest.approx(0.8 * 0.5)


def test_any_model_through_its_explanation(small_credit):
    from interpretable_nn import MLPClassifier

    X, y, Xte, _ = small_credit
    m = MLPClassifier(hidden_sizes=(16,), max_epochs=5, verbose=0).fit(X, y)
    with pytest.raises(ValueError, match="needs background"):
        reason_codes(m, Xte.iloc[:3])
    out = reason_codes(m, Xte.iloc[:10], k=4, background=X.iloc[:100])
    assert out.groupby("row").size().max() <= 4
    assert set(out["reason"]) <= set(X.columns)
    ig = m.explain(Xte.iloc[:10]).values
    bg = m.explain(X.iloc[:100]).values.min(axis=0)
    first = out[out["rank"] == 1].set_index("row")
    assert np.allclose(first["points"], (ig - bg).max(axis=1)[first.index], atol=1e-6)
    mean = reason_codes(m, Xte.iloc[:10], reference="mean")
    assert np.allclose(mean[mean["rank"] == 1].set_index("row")["points"], ig.max(axis=1)[mean[mean["rank"] == 1]["row"]])


def test_adverse_class_and_index_labels(additive):
    model, X, B = additive
    Xi = X.set_axis(np.arange(100, 100 + len(X)))
    pos = reason_codes(model, Xi, k=1, background=B)
    neg = reason_codes(model, Xi, k=1, background=B, adverse_class=0)
    assert set(pos["row"]) <= set(Xi.index)
    T, Tb = -model.predict_terms(X), -model.predict_terms(B)
    top = np.array(model.terms_, dtype=object)[np.argmax(T - Tb.min(0), axis=1)]
    assert neg.set_index("row")["reason"].to_dict() == dict(zip(Xi.index, top))


def test_bad_input(additive):
    model, X, B = additive
    with pytest.raises(ValueError, match="k must be a positive integer"):
        reason_codes(model, X, k=0)
    with pytest.raises(ValueError, match="reference must be"):
        reason_codes(model, X, reference="worst")
    with pytest.raises(ValueError, match="adverse_class"):
        reason_codes(model, X, adverse_class="maybe")
    with pytest.raises(ValueError, match="missing column"):
        reason_codes(model, X.drop(columns=["sine"]))
    for bad in (True, 1.5, -0.1, "0.5"):  # True read as 1 and gave no reasons, silently
        with pytest.raises(ValueError, match="threshold must be a probability"):
            reason_codes(model, X, threshold=bad)


def test_cli_reasons(small_credit, tmp_path, capsys):
    from interpretable_nn import MLPClassifier
    from interpretable_nn.cli import main

    X, y, Xte, _ = small_credit
    m = MLPClassifier(hidden_sizes=(16,), max_epochs=3, verbose=0).fit(X, y)
    m.save(tmp_path / "model")
    Xte.iloc[:5].assign(id=[f"A{i}" for i in range(5)]).to_csv(tmp_path / "applicants.csv", index=False)
    X.iloc[:50].to_csv(tmp_path / "train.csv", index=False)
    assert main(["reasons", str(tmp_path / "model"), "--input", str(tmp_path / "applicants.csv")]) == 1
    assert "needs background" in capsys.readouterr().err
    rc = main(["reasons", str(tmp_path / "model"), "--input", str(tmp_path / "applicants.csv"), "--k", "2",
               "--background", str(tmp_path / "train.csv"), "--output", str(tmp_path / "reasons.csv")])
    assert rc == 0 and "wrote" in capsys.readouterr().out
    out = pd.read_csv(tmp_path / "reasons.csv")
    assert list(out.columns[:3]) == ["id", "row", "rank"]
    assert set(out["id"]) <= {f"A{i}" for i in range(5)} and out["rank"].max() <= 2
    expected = reason_codes(m, Xte.iloc[:5].reset_index(drop=True), k=2, background=X.iloc[:50])
    assert out["text"].tolist() == expected["text"].tolist()
    rc = main(["reasons", str(tmp_path / "model"), "--input", str(tmp_path / "applicants.csv"),
               "--reference", "mean"])
    assert rc == 0 and capsys.readouterr().out.startswith("id,row,rank,reason")


def test_nam_terms_and_its_scorecard(small_credit):
    from interpretable_nn.models.nam import NAMClassifier
    from interpretable_nn.models.nam.scorecard import score_with_scorecard

    X, y, Xte, _ = small_credit
    nam = NAMClassifier(n_bags=1, max_epochs=5, interactions=2, verbose=0).fit(X, y)
    rows = Xte.iloc[:8]
    out = reason_codes(nam, rows, k=3)
    assert set(out["reason"]) <= set(nam.terms_) and (out["points"] > 0).all()
    card = nam.to_scorecard(decimals=None)
    if hasattr(card, "reason_codes"):  # an inn.Scorecard answers itself
        pd.testing.assert_frame_equal(reason_codes(card, rows, k=3), card.reason_codes(rows, k=3))
        card = card.table
    if "kind" not in card.columns:
        return
    sc = reason_codes(card, rows, k=100)
    best = card.loc[card["kind"] == "base", "points"].sum() + card[card["kind"] != "base"].groupby(
        "feature")["points"].max().sum()
    lost = sc.groupby("row")["points"].sum()
    assert np.allclose(lost.to_numpy(), (best - score_with_scorecard(card, rows))[lost.index - rows.index[0]])
    assert sc["text"].str.contains(r"scores .* points, .* below the best").all()
    with pytest.raises(ValueError, match="needs background"):
        reason_codes(card, rows, reference="mean")


def test_a_regressors_reasons_speak_of_its_prediction_not_a_risk_score():
    """A model of amounts said "income 3,548 raises the risk score by 36.5 points": its
    reasons are in the target's units. Every sentence now names the prediction, with the
    same numbers and direction words; a classifier's keep the risk score."""
    from interpretable_nn.explain.reason_words import ADVERSE_PHRASES, AMOUNT_PHRASES
    from interpretable_nn.models import make_model

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"income": rng.uniform(1000, 5000, 300), "city": rng.choice(["a", "b"], 300)})
    y = X["income"] * 0.1 + (X["city"] == "a") * 50 + rng.normal(size=300)
    reg = make_model("nam", "regression", n_bags=2, max_epochs=20, random_state=0, verbose=0).fit(X, y)
    for ref in ("best", "mean"):
        out = reason_codes(reg, X.head(6), reference=ref, background=X)
        assert len(out) and out["text"].map(lambda t: any(p in t for p in AMOUNT_PHRASES)).all(), out["text"]
        assert not out["text"].str.contains("risk score|points|would score|applicant").any(), out["text"]
        assert out.attrs["explains"] == "the prediction"
        for t, pts in zip(out["text"], out["points"]):
            assert f"by {pts:.3g}" in t
    with pytest.raises(ValueError, match="adverse_class names a class; a regressor"):
        reason_codes(reg, X.head(2), adverse_class=1)
    # a rule set of amounts (link identity) is a regressor too: it said "log-odds of 1" and
    # "risk score ... points", and took a probability threshold on its prediction
    rs = RuleSet([Rule((Condition("income", ">", 3000.0),), 150.0)], intercept=100.0, link="identity")
    out = reason_codes(rs, X.head(6), reference="mean", background=X)
    assert len(out) and out.attrs["explains"] == "the prediction"
    assert all(f"raises the prediction by {p:.3g} more than for the average case" in t
               for t, p in zip(out["text"], out["points"]))  # a house's price has no applicant (stop 73)
    mlp = make_model("mlp", "regression", max_epochs=5, random_state=0, verbose=0).fit(X, y)
    out = reason_codes(mlp, X.head(6), background=X)
    assert len(out) and out["text"].str.contains("most favourable reference case").all(), out["text"]
    with pytest.raises(ValueError, match="a regressor has none"):
        reason_codes(rs, X.head(2), threshold=0.5)
    clf = make_model("logreg").fit(X, (y > y.median()).astype(int))
    out = reason_codes(clf, X.head(6), background=X)
    assert out["text"].map(lambda t: any(p in t for p in ADVERSE_PHRASES)).all(), out["text"]
    assert out["text"].str.contains("applicant").all(), out["text"]  # a classifier's keep the applicant

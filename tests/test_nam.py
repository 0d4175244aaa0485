"""Neural additive models: the additive protocol, constraints, interactions, persistence."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from repeatable import repeatable
from sklearn.base import clone

from interpretable_nn import load_model
from interpretable_nn.data.encoding import UnseenCategoryWarning
from interpretable_nn.data.ranges import MissingNotSeenWarning
from interpretable_nn.datasets import make_additive
from interpretable_nn.models.nam import NAMClassifier, NAMRegressor
from interpretable_nn.models.nam.scorecard import score_with_scorecard
from interpretable_nn.rules import Scorecard

FAST = dict(n_bags=2, max_epochs=40, patience=10, hidden_sizes=(16, 8), verbose=0)


@pytest.fixture(scope="module")
def additive():
    return make_additive(n_samples=1500, random_state=0)


@pytest.fixture(scope="module")
def fitted(additive):
    """A classifier with two forced interactions (one categorical axis, one numeric)."""
    pairs = [("inter_a", "inter_b"), ("category", "sine")]
    return NAMClassifier(interactions=pairs, **FAST).fit(additive.X, additive.y)


@pytest.fixture(scope="module")
def fitted_credit(small_credit):
    X, y, _, _ = small_credit
    return NAMClassifier(interactions=2, **FAST).fit(X, y)


# ---------------------------------------------------------------------- the additive protocol
def test_decision_is_intercept_plus_terms(fitted, additive):
    X = additive.X.iloc[:300]
    terms = fitted.predict_terms(X)
    assert terms.shape == (300, len(fitted.terms_))
    assert fitted.terms_[-2:] == ["inter_a x inter_b", "sine x category"] or "inter_a x inter_b" in fitted.terms_
    assert fitted.term_features_[fitted.terms_.index("inter_a x inter_b")] == ("inter_a", "inter_b")
    np.testing.assert_allclose(fitted.intercept_ + terms.sum(1), fitted.decision_function(X), atol=1e-6)


def test_explain_columns_are_terms_and_additivity_holds(fitted, additive):
    X = additive.X.iloc[:200]
    e = fitted.explain(X)
    assert e.feature_names == fitted.terms_
    assert e.check["additivity_gap"] < 1e-5
    np.testing.assert_allclose(e.base_values, fitted.intercept_)
    np.testing.assert_allclose(e.output_values(), fitted.decision_function(X), atol=1e-5)
    assert e.method == "exact-additive" and e.output == "log-odds"


def test_terms_are_centred_and_intercept_is_the_mean_prediction(fitted, additive):
    terms = fitted.predict_terms(additive.X)
    np.testing.assert_allclose(terms.mean(0), 0.0, atol=1e-6)
    assert fitted.intercept_ == pytest.approx(float(fitted.decision_function(additive.X).mean()), abs=1e-6)


@pytest.mark.parametrize("purify", [True, False])
def test_baking_keeps_every_training_prediction(additive, monkeypatch, purify):
    """Purification, centring and zeroing unreachable entries change no training row's
    prediction: the baked model is the trained one."""
    import torch

    from interpretable_nn.models.nam import fit as nam_fit
    from interpretable_nn.nn.feature_nets import AdditiveTables

    raw = {}
    original = nam_fit.bake

    def spy(layout, main, pair, bias, *args, **kwargs):
        raw["tables"] = (main.copy(), pair.copy(), bias.copy())
        return original(layout, main, pair, bias, *args, **kwargs)

    monkeypatch.setattr(nam_fit, "bake", spy)
    X = additive.X
    m = NAMClassifier(interactions=[("inter_a", "sine"), ("category", "with_missing")], purify=purify,
                      **{**FAST, "pair_knots": 5}).fit(X, additive.y)
    main, pair, bias = (torch.from_numpy(a) for a in raw["tables"])
    trained = AdditiveTables(main, pair, bias, torch.from_numpy(m.layout_.pair_strides()))
    _, enc = m._encode(X)
    np.testing.assert_allclose(trained(*m._module_inputs(enc)).numpy(), m.decision_function(X), atol=1e-6)


def test_interaction_is_purified_into_the_mains(fitted, additive):
    """After purification a pair has no one-feature part left (means over each axis under
    the product of the margins vanish), so its column carries only the interaction."""
    sf = fitted.shape_function("inter_a x inter_b")
    sf = sf[sf["inter_a"].notna() & sf["inter_b"].notna()]
    grid = sf.pivot_table(index="inter_a", columns="inter_b", values="contribution", sort=False)
    dens = sf.pivot_table(index="inter_a", columns="inter_b", values="density", sort=False)
    qb = dens.sum(axis=0).to_numpy()
    row_means = grid.to_numpy() @ (qb / qb.sum())
    assert np.abs(row_means - row_means.mean()).max() < 1e-6


def test_split_interactions_gives_exact_per_feature_shapley(fitted, additive):
    X = additive.X.iloc[:50]
    e = fitted.explain(X, split_interactions=True)
    assert e.feature_names == list(additive.X.columns)
    assert e.check["additivity_gap"] < 1e-5
    mains = fitted.predict_terms(X)
    # a feature in no interaction gets exactly its centred main term (against the background)
    j = fitted.terms_.index("quadratic")
    bg = fitted.predict_terms(fitted.background_)[:, j].mean()
    np.testing.assert_allclose(e.values[:, list(X.columns).index("quadratic")], mains[:, j] - bg, atol=1e-6)


def test_regressor_terms_are_in_target_units():
    ds = make_additive(n_samples=600, task="regression", random_state=1)
    y = ds.y * 100 + 7
    m = NAMRegressor(interactions=1, **FAST).fit(ds.X, y)
    np.testing.assert_allclose(m.intercept_ + m.predict_terms(ds.X).sum(1), m.predict(ds.X), atol=1e-6)
    assert m.intercept_ == pytest.approx(float(m.predict(ds.X).mean()), abs=1e-4)
    assert m.explain(ds.X.head(5)).output == "raw"


# ---------------------------------------------------------------------- constraints
def test_monotone_terms_never_decrease_or_increase_on_a_fine_grid(additive):
    m = NAMClassifier(monotone={"monotone": 1, "sine": -1}, interactions=2, **FAST).fit(additive.X, additive.y)
    assert all("monotone" not in t and "sine" not in t for t in m.terms_[len(additive.X.columns):])
    grid = additive.X.iloc[np.zeros(4000, dtype=int)].reset_index(drop=True)
    for name, sign in (("monotone", 1), ("sine", -1)):
        lo, hi = additive.X[name].min(), additive.X[name].max()
        g = grid.copy()
        g[name] = np.linspace(lo - 1, hi + 1, len(g))  # beyond the training range too
        d = np.diff(m.decision_function(g))  # the whole prediction, other columns fixed
        assert (sign * d >= -1e-12).all(), f"{name}: {(sign * d < -1e-12).sum()} violations"
        sf = m.shape_function(name)
        c = sf.loc[~sf["missing"], "contribution"].to_numpy()
        assert (sign * np.diff(c) >= -1e-12).all()


def test_missing_and_unseen_values(toy_frame):
    X, y = toy_frame
    m = NAMClassifier(interactions=[("income", "home")], **FAST).fit(X, y)
    j_inc, j_home = m.terms_.index("income"), m.terms_.index("home")
    # numeric missing: its own learned value, the one shape_function reports
    row = X.iloc[[0]].copy()
    row["income"] = np.nan
    sf = m.shape_function("income")
    assert sf["missing"].sum() == 1
    miss_value = float(sf.loc[sf["missing"], "contribution"].iloc[0])
    assert m.predict_terms(row)[0, j_inc] == pytest.approx(miss_value, abs=1e-9)
    # categorical missing level is a learned level; an unseen level scores 0 (average) on
    # its main term and on its interaction
    sh = m.shape_function("home")
    assert sh["missing"].sum() == 1 and set(sh["value"].dropna()) == {"rent", "own", "other"}
    row2 = X.iloc[[1]].copy()
    row2["home"] = "castle"
    with pytest.warns(UnseenCategoryWarning):
        t = m.predict_terms(row2)
    assert t[0, j_home] == 0.0 and t[0, m.terms_.index("income x home")] == 0.0
    # a numeric feature without missing values in training scores a NaN as 0
    row3 = X.iloc[[2]].copy()
    row3["flag"] = np.nan
    with pytest.warns(MissingNotSeenWarning, match=r"'flag' of X holds 1 missing value\(s\).*scores them 0 on this term"):
        assert m.predict_terms(row3)[0, m.terms_.index("flag")] == 0.0
    assert np.isfinite(m.decision_function(row3)).all()


def test_missing_value_is_learned_for_a_feature_with_few_knots():
    """The missing slot of every numeric feature is its own learned value, also when the
    feature has fewer knots than the widest one (the tables are padded)."""
    rng = np.random.default_rng(3)
    n = 800
    X = pd.DataFrame({"many": rng.normal(size=n), "few": rng.integers(0, 3, n).astype(float)})
    X.loc[rng.random(n) < 0.3, "few"] = np.nan
    y = (rng.random(n) < np.where(X["few"].isna(), 0.8, 0.3)).astype(int)
    m = NAMClassifier(interactions=0, **FAST).fit(X, y)
    sf = m.shape_function("few")
    miss = float(sf.loc[sf["missing"], "contribution"].iloc[0])
    assert miss > sf.loc[~sf["missing"], "contribution"].max()  # missing means high risk here
    row = X[X["few"].isna()].iloc[[0]]
    assert m.predict_terms(row)[0, 1] == pytest.approx(miss, abs=1e-12)
    np.testing.assert_allclose(m.predict_terms(X).mean(0), 0.0, atol=1e-9)


def test_rare_levels_are_shrunk_common_ones_are_not():
    """A level seen in three rows gets a small value (a standard-normal prior on every free
    value), a common level with the same strong effect gets its full value."""
    rng = np.random.default_rng(4)
    n = 1500
    level = rng.choice(["a", "b"], n).astype(object)
    level[:3] = "rare"
    logit = np.where(level == "b", 2.0, np.where(level == "rare", 4.0, -1.0))
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    y[:3] = 1
    X = pd.DataFrame({"level": level, "x": rng.normal(size=n)})
    sf = NAMClassifier(interactions=0, **FAST).fit(X, y).shape_function("level").set_index("value")
    assert sf.loc["b", "contribution"] - sf.loc["a", "contribution"] > 2.0
    assert abs(sf.loc["rare", "contribution"]) < 1.0


# ---------------------------------------------------------------------- interactions
def test_interaction_ranking_finds_the_true_pair():
    ds = make_additive(n_samples=3000, random_state=2)
    m = NAMClassifier(interactions=1, **FAST).fit(ds.X, ds.y)
    assert m.terms_[-1] == "inter_a x inter_b"
    top = m.pair_scores_.iloc[0]
    assert top["pair"] == "inter_a x inter_b" and top["selected"] and top["score"] > 0
    assert m.pair_scores_["selected"].sum() == 1


def test_forced_interactions_and_zero(additive):
    m = NAMClassifier(interactions=0, **FAST).fit(additive.X, additive.y)
    assert m.terms_ == list(additive.X.columns) and m.pair_scores_.empty


def test_a_column_named_like_an_interaction_term_is_refused_when_pairs_may_be_fitted():
    """A column "a x b" beside a and b: the pair's term had the same name, so explanations had
    two "a x b" columns and to_shap gave the pair's share to the raw column."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200), "a x b": rng.normal(size=200)})
    y = (X["a"] * X["b"] + rng.logistic(size=200) > 0).astype(int)
    for interactions in ([("a", "b")], "auto", 3):
        with pytest.raises(ValueError, match="Column 'a x b' is named like the interaction term of columns 'a' and 'b'"):
            NAMClassifier(interactions=interactions, **FAST).fit(X, y)
    m = NAMClassifier(interactions=0, **FAST).fit(X, y)
    assert m.terms_ == ["a", "b", "a x b"]
    X2 = X.rename(columns={"a x b": "a x c"})  # no column c: no clash
    assert "a x c" in NAMClassifier(interactions=[("a", "b")], **FAST).fit(X2, y).terms_
    # the NAM names the pair of a and b "a x b" (schema order): "b x a" is no clash, nor is
    # "a x b" when the pairs are listed and (a, b) is not among them
    X3 = X.rename(columns={"a x b": "b x a"})
    assert {"b x a", "a x b"} <= set(NAMClassifier(interactions=[("b", "a")], **FAST).fit(X3, y).terms_)
    X4 = X.assign(c=X["a"] * 2)
    assert "a x b" in NAMClassifier(interactions=[("b", "c")], **FAST).fit(X4, y).terms_


# ---------------------------------------------------------------------- shapes, plots, scorecard
def test_shape_function_frames(fitted):
    sf = fitted.shape_function("with_missing")
    assert list(sf.columns) == ["value", "contribution", "lower", "upper", "density", "missing"]
    assert (sf["lower"] <= sf["contribution"] + 1e-12).all() and (sf["contribution"] <= sf["upper"] + 1e-12).all()
    assert (sf["lower"] < sf["upper"]).any()  # two bags disagree somewhere: a real band
    assert sf["missing"].sum() == 1 and sf["density"].sum() == pytest.approx(1.0, abs=1e-6)
    pair = fitted.shape_function("sine x category")
    assert {"sine", "category", "contribution"} <= set(pair.columns)
    with pytest.raises(ValueError, match="No term named"):
        fitted.shape_function("nope")


def test_plot_shape_functions(fitted):
    import matplotlib.pyplot as plt

    fig = fitted.plot_shape_functions(ncols=4)
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    assert len(visible) == len(fitted.terms_)
    plt.close(fig)
    with pytest.raises(ValueError, match="No terms named"):
        fitted.plot_shape_functions(features=["nope"])


def test_scorecard_reproduces_the_ranking(fitted_credit, small_credit):
    from scipy.stats import spearmanr

    _, _, Xte, yte = small_credit
    card = fitted_credit.to_scorecard(X=Xte, y=yte)
    assert isinstance(card, Scorecard) and {"feature", "bin", "points"} <= set(card.table.columns)
    check = card.check
    assert check is fitted_credit.scorecard_check_
    score = fitted_credit.score_with_scorecard(Xte, card)
    assert spearmanr(score, -fitted_credit.decision_function(Xte))[0] > 0.97
    assert check["auc_scorecard"] > check["auc_model"] - 0.02
    # the points add up: base + one bin per feature (+ pair cells)
    assert check["mean_score_error"] < 10
    # the reported errors are the scorecard's points against the model's own score
    factor = 20 / np.log(2)
    model_score = 600 - factor * np.log(50) - factor * fitted_credit.decision_function(Xte)
    err = np.abs(score - model_score)
    assert check["max_score_error"] == pytest.approx(err.max()) and check["mean_score_error"] == pytest.approx(err.mean())
    # binning is the only approximation: bins as fine as the knots leave a smaller worst case
    fine = fitted_credit.to_scorecard(max_bins=64, decimals=None, X=Xte, y=yte).check
    coarse = fitted_credit.to_scorecard(max_bins=2, decimals=None, X=Xte, y=yte).check
    assert fine["max_score_error"] < coarse["max_score_error"] and fine["spearman"] > coarse["spearman"]
    # pdo scales the points; base_odds shifts only the base
    card2 = fitted_credit.to_scorecard(pdo=40, decimals=None, X=Xte, y=yte).table
    card1 = fitted_credit.to_scorecard(pdo=20, decimals=None, X=Xte, y=yte).table
    body = card1["feature"] != "(base)"
    np.testing.assert_allclose(card2.loc[body, "points"], 2 * card1.loc[body, "points"])
    # default check on the stored training sample
    assert fitted_credit.to_scorecard().check["rows"] == len(fitted_credit.background_)
    # the table scores as the Scorecard does (the model-free function takes either)
    np.testing.assert_array_equal(score_with_scorecard(card.table, Xte), score)


# ---------------------------------------------------------------------- persistence, determinism
def test_save_load_round_trip_is_identical(fitted, additive, tmp_path):
    fitted.save(tmp_path / "nam")
    m2 = load_model(tmp_path / "nam")
    X = additive.X.iloc[:100]
    np.testing.assert_array_equal(m2.decision_function(X), fitted.decision_function(X))
    np.testing.assert_array_equal(m2.predict_terms(X), fitted.predict_terms(X))
    assert m2.terms_ == fitted.terms_ and m2.intercept_ == fitted.intercept_
    pd.testing.assert_frame_equal(m2.shape_function("sine x category"), fitted.shape_function("sine x category"))
    pd.testing.assert_frame_equal(m2.background_, fitted.background_, check_dtype=False)
    pd.testing.assert_frame_equal(m2.pair_scores_, fitted.pair_scores_, check_dtype=False)


def test_same_seed_same_model_other_seed_other_model(small_credit):
    X, y, Xte, _ = small_credit
    with repeatable():  # CUDA: the deterministic mode
        a = NAMClassifier(interactions=1, **FAST).fit(X, y).decision_function(Xte)
        b = NAMClassifier(interactions=1, **FAST).fit(X, y).decision_function(Xte)
    c = NAMClassifier(interactions=1, **{**FAST, "random_state": 1}).fit(X, y).decision_function(Xte)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - c).max() > 1e-6


def test_sklearn_clone_and_params():
    m = NAMClassifier(n_bags=3, monotone={"a": 1}, interactions=[("a", "b")])
    c = clone(m)
    assert c.get_params() == m.get_params() and c is not m
    assert NAMRegressor().get_params()["n_bags"] == NAMClassifier().get_params()["n_bags"]
    c.set_params(n_bags=5)
    assert c.n_bags == 5 and m.n_bags == 3


def test_sklearn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    shared = "library-wide input contract (BaseModel), shared with every estimator"
    expected = {
        # -- the library's input contract, by design (data/validation.py):
        "check_n_features_in_after_fitting": shared + ": columns are matched by name",
        "check_estimators_nan_inf": shared + ": NaN is a missing value, modelled explicitly",
        "check_complex_data": shared,
        "check_dtype_object": shared + ": object columns are categorical features",
        "check_estimators_empty_data_messages": shared + ": own wording of the message",
        "check_estimator_sparse_tag": shared + ": DataFrames / dense arrays only",
        "check_estimator_sparse_array": shared + ": DataFrames / dense arrays only",
        "check_estimator_sparse_matrix": shared + ": DataFrames / dense arrays only",
        "check_supervised_y_2d": shared + ": a (n, 1) y is accepted silently",
        "check_fit2d_1sample": shared + ": own wording of the message",
        "check_fit2d_predict1d": shared + ": own wording of the message",
        "check_requires_y_none": shared + ": TypeError for y=None",
        # -- NAM-specific:
        "check_sample_weight_equivalence_on_dense_data": "bags' validation rows are drawn per fit",
        "check_classifiers_train": "3 epochs on sklearn's tiny data do not reach its accuracy bar",
        "check_class_weight_classifiers": "3 epochs on sklearn's tiny data do not reach its accuracy bar",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(
            NAMClassifier(n_bags=1, max_epochs=3, hidden_sizes=(4,), interactions=0, verbose=0),
            expected_failed_checks=expected,
            on_fail="raise",
        )


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "params, match",
    [
        ({"monotone": {"nope": 1}}, "nope"),
        ({"monotone": {"category": 1}}, "categorical"),
        ({"monotone": {"sine": 2}}, r"\+1, -1 or 0"),
        ({"interactions": [("sine", "nope")]}, "nope"),
        ({"interactions": [("sine", "sine")]}, "repeats"),
        ({"interactions": ["sine"]}, "pairs"),
        ({"interactions": [("sine", "monotone")], "monotone": {"monotone": 1}}, "monotone"),
        ({"hidden_sizes": (0,)}, "hidden_sizes"),
        ({"n_bags": 0}, "n_bags"),
        ({"activation": "tanh"}, "activation"),
    ],
)
def test_bad_parameters_name_the_problem(additive, params, match):
    with pytest.raises(ValueError, match=match):
        NAMClassifier(**{**FAST, **params}).fit(additive.X.iloc[:200], additive.y[:200])


def test_bad_data(additive):
    with pytest.raises(ValueError, match="Only binary classification"):
        NAMClassifier(**FAST).fit(additive.X.iloc[:90], np.arange(90) % 3)
    m = NAMClassifier(**{**FAST, "max_epochs": 2}).fit(additive.X.iloc[:200], additive.y[:200])
    with pytest.raises(ValueError, match="sine"):
        m.predict(additive.X.drop(columns=["sine"]).iloc[:5])
    with pytest.raises(ValueError, match="sample_weight"):
        NAMClassifier(**FAST).fit(additive.X.iloc[:50], additive.y[:50], sample_weight=-np.ones(50))
    with pytest.raises(ValueError, match="sample_weight"):
        NAMClassifier(**FAST).fit(additive.X.iloc[:50], additive.y[:50], sample_weight=np.zeros(50))


# ---------------------------------------------------------------------- shape recovery (slow)
def _recovery(model, ds) -> dict[str, float]:
    terms = model.predict_terms(ds.X)
    out = {}
    for j, name in enumerate(model.terms_):
        if name.startswith("noise") or name not in ds.shape_functions:
            continue
        if " x " in name:
            a, b = name.split(" x ")
            truth = ds.shape_functions[name](ds.X[a], ds.X[b])
        else:
            truth = ds.shape_functions[name](ds.X[name])
        out[name] = float(np.corrcoef(terms[:, j], truth)[0, 1])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("task, n", [("regression", 3000), ("classification", 20000)])
def test_shapes_recovered_on_make_additive(task, n):
    """Each learned term (the interaction included) correlates >= 0.95 with the true one."""
    ds = make_additive(n_samples=n, task=task, random_state=0)
    model = (NAMRegressor if task == "regression" else NAMClassifier)(interactions=1, verbose=0)
    corr = _recovery(model.fit(ds.X, ds.y), ds)
    assert "inter_a x inter_b" in corr and len(corr) == 8
    assert min(corr.values()) >= 0.95, corr


def test_zero_rows_with_pairs_return_empty_arrays():
    """A NAM with interaction pairs crashed on 0 rows (the pair read's reshape(-1, 0, P) is
    ambiguous): `interpretable-nn reasons` on a header-only CSV gave 'unexpected RuntimeError'."""
    ds = make_additive(n_samples=400, random_state=0)
    pair = [(str(ds.X.columns[0]), str(ds.X.columns[1]))]
    m = NAMClassifier(n_bags=2, max_epochs=3, interactions=pair, verbose=0, random_state=0).fit(ds.X, ds.y)
    assert any(" x " in str(t) for t in m.terms_)
    empty = ds.X.iloc[:0]
    assert m.predict_proba(empty).shape == (0, 2)
    assert m.predict_terms(empty).shape == (0, len(m.terms_))
    assert m.explain(empty).values.shape[0] == 0

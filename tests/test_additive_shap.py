"""Exact additive SHAP (explain/additive.py) against shap's exact explainer and a
brute-force enumeration of coalitions, on a tiny additive model with known shape
functions (make_additive: main terms, a categorical, missing values, one interaction)."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interpretable_nn.attribution.additive import mixed_frame
from interpretable_nn.datasets import make_additive
from interpretable_nn.explain import additive_shap_explanation, is_additive, shap_values


class TinyAdditive:
    """The additive protocol over known shape functions (no training, no torch).

    ``terms`` maps a term name to (features, callable of those columns)."""

    _task = "classification"

    def __init__(self, terms: dict, feature_names: list[str], intercept: float = -0.3):
        self.feature_names_ = list(feature_names)
        self.terms_ = list(terms)
        self.term_features_ = [tuple(f) for f, _ in terms.values()]
        self._fns = [fn for _, fn in terms.values()]
        self.intercept_ = float(intercept)
        self.classes_ = np.array([0, 1])

    def predict_terms(self, X: pd.DataFrame) -> np.ndarray:
        return np.column_stack(
            [fn(*[X[f].to_numpy() for f in F]) for F, fn in zip(self.term_features_, self._fns)]
        ).astype(float)

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return self.intercept_ + self.predict_terms(X).sum(axis=1)

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        p = 1 / (1 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)


def tiny_model(n_samples: int = 300, n_features: int = 7, extra: dict | None = None, seed: int = 0):
    """(model, dataset): the true generating model of make_additive as an additive model."""
    ds = make_additive(n_samples=n_samples, n_features=n_features, random_state=seed)
    sf = ds.shape_functions
    terms = {c: ((c,), sf[c]) for c in ds.X.columns}
    terms["inter_a x inter_b"] = (("inter_a", "inter_b"), sf["inter_a x inter_b"])
    terms.update(extra or {})
    return TinyAdditive(terms, list(ds.X.columns)), ds


def _decision_on(model, X, B, keep):
    """mean_b decision(x_S, b_rest) for every row and coalition: (n, n_coalitions)."""
    out = model.decision_function(mixed_frame(X, B, keep))
    return out.reshape(len(X), keep.shape[0], len(B)).mean(axis=2)


def brute_force_shap(model, X, B):
    """Shapley values of v(S) = mean_b f(x_S, b_rest) by enumerating all 2^d coalitions."""
    d = X.shape[1]
    masks = np.array([[(c >> j) & 1 for j in range(d)] for c in range(2**d)], dtype=bool)
    v = _decision_on(model, X, B, masks)
    phi = np.zeros((len(X), d))
    code = {c: c for c in range(2**d)}
    for i in range(d):
        for c in range(2**d):
            if (c >> i) & 1:
                continue
            s = bin(c).count("1")
            w = math.factorial(s) * math.factorial(d - s - 1) / math.factorial(d)
            phi[:, i] += w * (v[:, code[c | (1 << i)]] - v[:, c])
    return phi


def shap_exact(model, X, B):
    """shap.explainers.Exact on the decision function, categoricals as float codes and NaN
    as a finite sentinel (shap's masker multiplies by the mask)."""
    shap = pytest.importorskip("shap")
    sentinel = -1e300
    cats = {c: sorted(pd.concat([X[c], B[c]]).dropna().unique()) for c in X.columns if X[c].dtype == object}

    def to_matrix(F):
        cols = []
        for c in F.columns:
            if c in cats:
                cols.append(F[c].map({v: k for k, v in enumerate(cats[c])}).fillna(-1).to_numpy(float))
            else:
                cols.append(F[c].fillna(sentinel).to_numpy(float))
        return np.column_stack(cols)

    def f(M):
        F = {}
        for j, c in enumerate(X.columns):
            if c in cats:
                lv = np.array([*cats[c], np.nan], dtype=object)
                F[c] = lv[np.rint(M[:, j]).astype(int)]
            else:
                F[c] = np.where(M[:, j] < sentinel / 2, np.nan, M[:, j])
        return model.decision_function(pd.DataFrame(F))

    masker = shap.maskers.Independent(to_matrix(B), max_samples=len(B))
    ex = shap.explainers.Exact(f, masker)
    return ex(to_matrix(X), silent=True).values


@pytest.fixture(scope="module")
def setup():
    model, ds = tiny_model()
    X = ds.X.iloc[:12].reset_index(drop=True)
    B = ds.X.iloc[100:130].reset_index(drop=True)
    return model, X, B


def test_protocol_detection(setup):
    model, _, _ = setup
    assert is_additive(model)
    assert not is_additive(object())


def test_matches_brute_force_enumeration(setup):
    model, X, B = setup
    assert X["with_missing"].isna().any() or B["with_missing"].isna().any()
    ours = shap_values(model, X, B)
    ref = brute_force_shap(model, X, B)
    assert ours.shape == (len(X), X.shape[1])
    assert np.max(np.abs(ours - ref)) <= 1e-5


def test_matches_shap_exact_explainer(setup):
    model, X, B = setup
    ours = shap_values(model, X, B)
    ref = shap_exact(model, X, B)
    assert np.max(np.abs(ours - ref)) <= 1e-5


def test_rows_sum_to_decision_minus_background_mean(setup):
    model, X, B = setup
    e = additive_shap_explanation(model, X, B)
    assert e.check["additivity_gap"] <= 1e-9
    assert np.allclose(e.base_values, model.decision_function(B).mean())
    assert e.feature_names == list(X.columns)


def test_main_terms_are_centred_on_background(setup):
    model, X, B = setup
    phi = shap_values(model, X, B)
    sf_sine = model._fns[model.terms_.index("sine")]
    expected = sf_sine(X["sine"].to_numpy()) - sf_sine(B["sine"].to_numpy()).mean()
    assert np.allclose(phi[:, list(X.columns).index("sine")], expected)


def test_interaction_split_is_not_half_the_centred_term(setup):
    model, X, B = setup
    fn = model._fns[model.terms_.index("inter_a x inter_b")]
    only_pair = TinyAdditive({"inter_a x inter_b": (("inter_a", "inter_b"), fn)}, list(X.columns), 0.0)
    phi = shap_values(only_pair, X, B)
    a, b = X.columns.get_loc("inter_a"), X.columns.get_loc("inter_b")
    centred = fn(X["inter_a"], X["inter_b"]) - fn(B["inter_a"], B["inter_b"]).mean()
    assert np.allclose(phi[:, a] + phi[:, b], centred)
    assert np.max(np.abs(phi[:, a] - centred / 2)) > 1e-3
    others = np.delete(phi, [a, b], axis=1)
    assert np.all(others == 0)


def test_three_way_term_and_many_pairs_match_brute_force():
    extra = {
        "sine x quadratic x monotone": (
            ("sine", "quadratic", "monotone"),
            lambda a, b, c: np.sin(a) * b * np.tanh(c),
        ),
        "quadratic x inter_a": (("quadratic", "inter_a"), lambda a, b: np.cos(a * b)),
        "monotone x with_missing": (
            ("monotone", "with_missing"),
            lambda a, b: a * np.nan_to_num(np.asarray(b, float), nan=2.0),
        ),
        "sine x inter_b": (("sine", "inter_b"), lambda a, b: np.maximum(a, b)),
        "category x sine": (
            ("category", "sine"),
            lambda c, s: (np.asarray(c, object) == "a") * np.asarray(s, float),
        ),
    }
    model, ds = tiny_model(n_samples=200, extra=extra, seed=3)
    X, B = ds.X.iloc[:6].reset_index(drop=True), ds.X.iloc[50:70].reset_index(drop=True)
    ours = shap_values(model, X, B)
    assert np.max(np.abs(ours - brute_force_shap(model, X, B))) <= 1e-5
    # a tiny max_rows (one row per predict_terms call) gives the same values
    assert np.allclose(shap_values(model, X, B, max_rows=1), ours, atol=1e-12)


def test_frame_plan_uses_binary_cuts_for_many_pairs():
    from interpretable_nn.attribution.additive import _plan_frames

    names = [f"f{i}" for i in range(16)]
    terms = [(a, b) for a, b in combinations(names, 2)]
    frames, which = _plan_frames(terms, names)
    assert len(frames) == 8  # 2 * log2(16), not 16
    for t, F in enumerate(terms):
        idx = frozenset(names.index(f) for f in F)
        for i in idx:
            assert frames[which[(t, frozenset([i]))]] & idx == {i}


def test_bad_input_messages(setup):
    model, X, B = setup
    with pytest.raises(TypeError, match="additive protocol"):
        shap_values(object(), X, B)
    with pytest.raises(ValueError, match="background has no rows"):
        shap_values(model, X, B.iloc[:0])
    with pytest.raises(ValueError, match="missing column"):
        shap_values(model, X.drop(columns=["sine"]), B)

    class Broken(TinyAdditive):
        def predict_terms(self, X):
            t = super().predict_terms(X)
            return np.column_stack([t, t])

    broken = Broken({"sine": (("sine",), np.sin)}, list(X.columns))
    with pytest.raises(ValueError, match="predict_terms returned shape"):
        shap_values(broken, X, B)


# ---------------------------------------------------------------------- the NAM
def _nam_class():
    import interpretable_nn

    cls = getattr(interpretable_nn, "NAMClassifier", None)
    if cls is None:  # not exported yet by the package root
        from interpretable_nn.models.nam import NAMClassifier as cls
    return cls


@pytest.fixture(scope="module")
def nam(small_credit):
    X, y, _, _ = small_credit
    return _nam_class()(n_bags=1, max_epochs=8, interactions=4, verbose=0).fit(X, y)


def test_nam_explanation_equals_library_shap(small_credit, nam):
    """The NAM's split explanation against shap's permutation explainer (exact for models
    with at most pairwise interactions) on the NAM's own background rows."""
    from interpretable_nn.explain import crosscheck, library_shap

    X, y, Xte, _ = small_credit
    assert is_additive(nam) and any(len(F) == 2 for F in nam.term_features_)
    rows = Xte.iloc[:6]
    e = nam.explain(rows, split_interactions=True)
    ref = library_shap(nam, rows, nam.background_, method="permutation", nsamples=2 * (2 * X.shape[1] + 1))
    assert np.max(np.abs(e.values - ref.values)) <= 1e-5
    assert np.max(np.abs(e.base_values - ref.base_values)) <= 1e-5
    rep = crosscheck(nam, rows, X.iloc[:30], method="permutation", nsamples=2 * X.shape[1] + 1)
    assert rep.passed is True and rep.summary()["background"].startswith("model.background_")


def test_nam_shap_values_match_exact_explainer(small_credit, nam):
    """shap_values on a real NAM (categoricals, NaN, interactions) against shap's Exact
    explainer: all 2^13 coalitions, small background."""
    X, y, Xte, _ = small_credit
    rows, bg = Xte.iloc[:2].reset_index(drop=True), X.iloc[:8].reset_index(drop=True)
    assert rows.isna().any().any() or bg.isna().any().any()
    ours = shap_values(nam, rows, bg)
    assert np.max(np.abs(ours - shap_exact(nam, rows, bg))) <= 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("name", ["credit_data", "hmda", "default"])
def test_nam_equals_shap_on_dev_sets(name):
    """Default NAM on each dev set: built-in explanation == SHAP to 1e-5 (shap's permutation
    explainer on 50 held-out rows against the NAM's background; Exact on 3 rows)."""
    from sklearn.model_selection import train_test_split

    from interpretable_nn.datasets import load_dataset
    from interpretable_nn.explain import crosscheck

    ds = load_dataset(name)
    Xtr, Xte, ytr, _ = train_test_split(ds.X, ds.y, test_size=0.2, random_state=0, stratify=ds.y)
    nam = _nam_class()(verbose=0).fit(Xtr, ytr)
    rep = crosscheck(nam, Xte.iloc[:50], Xtr.iloc[:100], method="permutation")
    assert rep.passed is True, rep.summary()
    rows, bg = Xte.iloc[:3].reset_index(drop=True), Xtr.iloc[:20].reset_index(drop=True)
    assert np.max(np.abs(shap_values(nam, rows, bg) - shap_exact(nam, rows, bg))) <= 1e-5


# ---------------------------------------------------------------------- one antithetic permutation
def test_library_shap_of_a_pairwise_model_is_one_exact_permutation(setup):
    """A sum of terms of one or two features: library_shap's default is one antithetic
    permutation (2d + 1 evaluations per row), and it equals the enumeration of all 2^d
    coalitions; with a three-way term it falls back to exact SHAP (small d) and still agrees."""
    from interpretable_nn.explain import library_shap

    model, X, B = setup
    e = library_shap(model, X, B)
    assert e.method == "shap-permutation"
    assert np.max(np.abs(e.values - brute_force_shap(model, X, B))) <= 1e-9
    three = {"a x b x c": (("sine", "quadratic", "monotone"), lambda a, b, c: a * b * c)}
    wide, _ = tiny_model(extra=three)
    e3 = library_shap(wide, X, B)
    assert e3.method == "shap-exact"
    assert np.max(np.abs(e3.values - brute_force_shap(wide, X, B))) <= 1e-9


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**31 - 1), st.integers(3, 6), st.integers(1, 6))
def test_one_antithetic_permutation_is_exact_for_any_pairwise_model(seed, d, n_pairs):
    """Property: random main and pair terms (tables over binned values), any rows and
    background: shap's permutation explainer with one antithetic permutation (the default for
    such models) gives the Shapley values of the enumeration."""
    from interpretable_nn.explain import library_shap

    rng = np.random.default_rng(seed)
    names = [f"x{j}" for j in range(d)]
    terms = {}
    for c in names:
        tab = rng.normal(size=5) * rng.choice([0.0, 1.0, 1e3])
        terms[c] = ((c,), lambda v, tab=tab: tab[np.clip(np.floor(v + 2.5), 0, 4).astype(int)])
    for _ in range(n_pairs):
        a, b = rng.choice(d, 2, replace=False)
        tab = rng.normal(size=(5, 5))
        terms[f"{names[a]} x {names[b]} {len(terms)}"] = (
            (names[a], names[b]),
            lambda u, v, tab=tab: tab[np.clip(np.floor(u + 2.5), 0, 4).astype(int),
                                      np.clip(np.floor(v + 2.5), 0, 4).astype(int)])
    model = TinyAdditive(terms, names)
    X = pd.DataFrame(rng.normal(size=(int(rng.integers(1, 6)), d)), columns=names)
    B = pd.DataFrame(rng.normal(size=(int(rng.integers(1, 9)), d)), columns=names)
    e = library_shap(model, X, B)
    ref = brute_force_shap(model, X, B)
    assert e.method == "shap-permutation"
    assert np.max(np.abs(e.values - ref)) <= 1e-9 * max(1.0, np.abs(ref).max())


def test_shap_works_where_numba_cannot_cache(setup, monkeypatch):
    """Asking numba to cache shap's masking kernels is an optimisation: where it cannot (no
    writable location, another shap layout), explanations are computed exactly as before."""
    from shap.maskers import _tabular

    from interpretable_nn.explain import library_shap, shap_library

    def refuse(*_):
        raise RuntimeError("cannot cache function: no locator available")

    monkeypatch.setattr(shap_library, "_KERNELS_CACHED", False)
    monkeypatch.setattr(type(_tabular._delta_masking), "enable_caching", refuse)
    model, X, B = setup
    X4 = X.iloc[:4]
    e = library_shap(model, X4, B, method="permutation", nsamples=3 * (2 * X.shape[1] + 1))
    assert np.max(np.abs(e.values - brute_force_shap(model, X4, B))) <= 1e-9  # pairwise: exact
    assert shap_library._KERNELS_CACHED

"""Sample weights are relative: any common scale, 1e-300 to 1e300, fits the same model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interpretable_nn.data.validation import check_sample_weight
from interpretable_nn.models import make_model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    n = 300
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.choice(["x", "y", "z"], n)})
    y = (X["a"] + (X["b"] == "x") + rng.normal(size=n) > 0.5).astype(int).to_numpy()
    return X, y


@pytest.mark.parametrize("scale", [1e300, 1e-300, 1.0, 7.0])
def test_weights_are_divided_by_their_mean_positive_weight(scale):
    w = np.array([1.0, 2.0, 0.0, 4.0]) * scale
    out = check_sample_weight(w, 4)
    np.testing.assert_allclose(out, [3 / 7, 6 / 7, 0.0, 12 / 7])
    assert np.isfinite(np.float32(out)).all() and (np.float32(out)[[0, 1, 3]] > 0).all()


def test_zero_one_weights_are_returned_as_given():
    w = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    np.testing.assert_array_equal(check_sample_weight(w, 5), w)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.just(0.0) | st.floats(1e-6, 1e6), min_size=1, max_size=20).filter(lambda v: max(v) > 0),
       st.floats(1e-200, 1e200))
def test_any_common_scale_gives_the_same_weights(w, scale):
    w = np.asarray(w)
    a, b = check_sample_weight(w, len(w)), check_sample_weight(w * scale, len(w))
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=0)
    assert (a[w > 0] > 0).all() and (a[w == 0] == 0).all()
    np.testing.assert_allclose(a[w > 0].mean(), 1.0)


def test_weights_float32_cannot_tell_from_zero_warn():
    with pytest.warns(UserWarning, match="count as weight zero"):
        out = check_sample_weight(np.array([1e-300, 1.0, 1.0]), 3)
    assert out[1] == out[2] > 0


@pytest.mark.parametrize("model", ["nam", "mlp", "rulenet", "prototype"])
@pytest.mark.parametrize("scale", [1e300, 1e-300, 10.0, 0.01])
def test_models_fit_uniform_weights_of_any_scale_as_unit_weights(data, model, scale):
    """Uniform weights of 1e300, 10 or 0.01 are the same fit as weights of one: not a NaN loss,
    and not a prior that counts each row as ten (the NAM and RuleNet moved by up to .27 in
    probability before weights were made relative)."""
    X, y = data
    kw = dict(random_state=0, verbose=0, device="cpu", max_epochs=15)
    if model == "nam":
        kw.update(n_bags=2, interactions=0)
    ref = make_model(model, **kw).fit(X, y, sample_weight=np.ones(len(y))).predict_proba(X)
    m = make_model(model, **kw).fit(X, y, sample_weight=np.full(len(y), scale))
    p = m.predict_proba(X)
    assert np.isfinite(p).all()
    np.testing.assert_allclose(p, ref, atol=1e-6)


def test_a_weight_the_rescaling_turns_to_zero_warns_and_odd_weight_types_are_refused():
    """A positive weight that float32 training would read as zero (1e-30 beside 1e300, or
    beside 1) drops its row: a warning counts them. Dates, durations and complex numbers are
    not weights."""
    for w in ([1e300, 1e300, 1e-30], [1.0, 1.0, 1e-40]):
        with pytest.warns(UserWarning, match="1 positive weight"):
            out = check_sample_weight(np.array(w), 3)
        assert out[0] == out[1] == 1.5
    for bad in (pd.Series(pd.to_datetime(["2020-01-01"] * 3)), pd.Series(pd.to_timedelta([1, 2, 3], unit="D")),
                np.array([1 + 1j, 2, 3])):
        with pytest.raises(TypeError, match="sample_weight must be real numbers"):
            check_sample_weight(bad, 3)


@pytest.mark.parametrize("model", ["rulenet", "logreg", "tree"])
def test_class_weights_are_relative_and_equal_their_sample_weights(data, model):
    """{0: 1, 1: 2} and {0: 10, 1: 20} fit one model, and the same model as those weights
    given as sample_weight (RuleNet moved by .22 and .16 before its class weights were made
    relative; the scikit-learn wrappers by .006 once sample weights were)."""
    X, y = data
    kw = dict(random_state=0, verbose=0, device="cpu", max_epochs=15) if model == "rulenet" else {}
    a = make_model(model, class_weight={0: 1, 1: 2}, **kw).fit(X, y).predict_proba(X)
    b = make_model(model, class_weight={0: 10, 1: 20}, **kw).fit(X, y).predict_proba(X)
    c = make_model(model, **kw).fit(X, y, sample_weight=np.where(y == 1, 2.0, 1.0)).predict_proba(X)
    np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(a, c, atol=1e-6)


def test_rulenet_fits_with_one_weighted_row_per_class(data):
    """Rows of weight zero are left out of RuleNet's cross-validated refit, so a fold of only
    such rows no longer stops the fit inside scikit-learn."""
    X, y = data
    w = np.zeros(len(y))
    w[np.flatnonzero(y == 0)[:1]] = w[np.flatnonzero(y == 1)[:1]] = 1.0
    p = make_model("rulenet", random_state=0, verbose=0, device="cpu", max_epochs=10).fit(
        X, y, sample_weight=w).predict_proba(X)
    assert np.isfinite(p).all()


def test_balanced_class_weight_is_left_to_scikit_learn_with_sample_weights(data):
    """"balanced" is computed by scikit-learn from the weighted class counts: folding it into
    row weights from the unweighted counts (an earlier form of the relative class weights)
    moved the mean probability of a logistic model from .52 to .79 when one class was
    weighted five times; a list of dates is no weight either."""
    from sklearn.linear_model import LogisticRegression

    X, y = data
    w = np.where(y == 1, 5.0, 1.0)
    m = make_model("logreg", class_weight="balanced").fit(X, y, sample_weight=w)
    p = m.predict_proba(X)[:, 1]
    raw = LogisticRegression(max_iter=2000, class_weight="balanced").fit(m.design(X), y, sample_weight=w / w.mean())
    np.testing.assert_allclose(p, raw.predict_proba(m.design(X))[:, 1], atol=1e-6)
    with pytest.raises(TypeError, match="real numbers"):
        check_sample_weight([np.datetime64("2020-01-01"), np.datetime64("2020-01-02")], 2)


@pytest.mark.parametrize("model", ["nam", "mlp", "rulenet", "prototype"])
def test_torch_class_weights_fit_the_model_of_their_sample_weights(data, model):
    """A class weight is read as the same weights given as sample_weight, everywhere in the
    fit: the NAM's priors and pair boosting and the MLP's starting bias read the weights
    too. Before, the NAM's class weights entered its loss only (.35 in probability apart
    from the same sample weights with pairs on) and the MLP started at unweighted odds (.22).
    ``"balanced"`` is scikit-learn's, on the sample-weighted class counts."""
    from sklearn.utils.class_weight import compute_class_weight

    X, y = data
    kw = dict(random_state=0, verbose=0, device="cpu", max_epochs=15)
    if model == "nam":
        kw.update(n_bags=2)
    sw = np.where(np.arange(len(y)) % 3 == 0, 2.0, 1.0)
    a = make_model(model, class_weight={0: 1.0, 1: 3.0}, **kw).fit(X, y, sample_weight=sw).predict_proba(X)
    b = make_model(model, **kw).fit(X, y, sample_weight=sw * np.where(y == 1, 3.0, 1.0)).predict_proba(X)
    np.testing.assert_allclose(a, b, atol=1e-6)
    bal = make_model(model, class_weight="balanced", **kw).fit(X, y, sample_weight=sw).predict_proba(X)
    cw = compute_class_weight("balanced", classes=np.array([0, 1]), y=y, sample_weight=sw)
    ref = make_model(model, **kw).fit(X, y, sample_weight=sw * cw[y]).predict_proba(X)
    np.testing.assert_allclose(bal, ref, atol=1e-6)


def test_class_weights_that_zero_every_weighted_row_name_both():
    from interpretable_nn.data.validation import class_row_weights

    with pytest.raises(ValueError, match="class_weight times sample_weight is zero on every row"):
        class_row_weights({1: 0.0}, np.array([0, 1, 1]), np.array([0.0, 1.0, 1.0]))


def test_a_lost_weight_is_said_once_beside_class_weights(data):
    """The sample weights and their product with the class weights were each checked, so a
    weight float32 reads as zero warned twice in one fit."""
    import warnings

    X, y = data
    w = np.ones(len(y))
    w[0] = 1e-300
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_model("mlp", class_weight={1: 2.0}, max_epochs=2, verbose=0, device="cpu").fit(X, y, sample_weight=w)
    assert sum("count as weight zero" in str(c.message) for c in caught) == 1


@pytest.mark.parametrize("model", ["nam", "mlp", "rulenet", "prototype", "logreg", "hgb", "xgb"])
def test_weights_that_leave_one_class_are_refused_as_a_one_class_y_is(data, model):
    """Positive weight on one class only: every model fitted and predicted that class for
    every row, where an unweighted y of one class is refused."""
    X, y = data
    if model == "xgb":
        pytest.importorskip("xgboost")
    with pytest.raises(ValueError, match="positive on rows of one class only"):
        make_model(model).fit(X, y, sample_weight=(np.asarray(y) == 0).astype(float))



@pytest.mark.parametrize("model", ["mlp", "prototype"])
def test_a_class_weight_of_zero_that_leaves_one_class_is_refused(data, model):
    X, y = data
    with pytest.raises(ValueError, match=r"sample_weight \(times class_weight\) is positive on rows of one class"):
        make_model(model, class_weight={0: 1.0, 1: 0.0}).fit(X, y)
    with pytest.raises(ValueError, match="positive on rows of one class"):  # 1e-300 is 0 to float32 training
        make_model(model, class_weight={0: 1.0, 1: 1e-300}).fit(X, y)

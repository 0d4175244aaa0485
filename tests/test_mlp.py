import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

import interpretable_nn as inn
from interpretable_nn.training.devices import resolve_device


def test_mlp_learns_credit_data(small_credit):
    X, y, Xte, yte = small_credit
    m = inn.MLPClassifier(verbose=0, random_state=0).fit(X, y)
    auc = roc_auc_score(yte, m.predict_proba(Xte)[:, 1])
    assert auc > 0.75
    assert m.fit_info_["device"] == resolve_device("auto").type  # "cuda" on a GPU machine
    assert len(m.history_) == m.fit_info_["n_epochs"]
    assert set(m.predict(Xte)) <= {0, 1}
    assert m.n_parameters_ > 0


def test_decision_is_log_odds(small_credit):
    X, y, Xte, _ = small_credit
    m = inn.MLPClassifier(max_epochs=3, verbose=0).fit(X, y)
    d = m.decision_function(Xte)
    p = m.predict_proba(Xte)[:, 1]
    np.testing.assert_allclose(np.log(p / (1 - p)), d, rtol=1e-6, atol=1e-6)


def test_same_seed_same_model(small_credit):
    X, y, Xte, _ = small_credit
    a = inn.MLPClassifier(max_epochs=5, verbose=0, random_state=3).fit(X, y).predict_proba(Xte)
    b = inn.MLPClassifier(max_epochs=5, verbose=0, random_state=3).fit(X, y).predict_proba(Xte)
    np.testing.assert_array_equal(a, b)


def test_explain_completeness(small_credit):
    X, y, Xte, _ = small_credit
    m = inn.MLPClassifier(max_epochs=10, verbose=0, ig_steps=64).fit(X, y)
    e = m.explain(Xte.head(40))
    assert e.values.shape == (40, X.shape[1])
    assert e.feature_names == list(X.columns)
    assert e.method == "integrated-gradients"
    gap = e.check_additivity(m.decision_function(Xte.head(40)))
    assert gap == pytest.approx(e.check["completeness_gap"], abs=1e-9)
    assert gap < 0.05
    assert e.to_frame().shape == (40, X.shape[1])
    assert list(e.to_frame(long=True).columns) == ["row", "feature", "contribution", "value"]


def test_multiclass_and_regression():
    from sklearn.datasets import load_iris

    from interpretable_nn.datasets import make_additive

    X, y = load_iris(return_X_y=True)
    m = inn.MLPClassifier(max_epochs=60, verbose=0, lr=1e-2).fit(X, y)
    assert m.predict_proba(X).shape == (150, 3)
    assert m.score(X, y) > 0.8
    d = make_additive(n_samples=800, task="regression", noise=0.1)
    r = inn.MLPRegressor(verbose=0, lr=3e-3).fit(d.X, d.y)
    resid = np.mean((r.predict(d.X) - d.y) ** 2)
    assert resid < 0.5 * np.var(d.y)
    e = r.explain(d.X.head(20))
    assert e.output == "raw"
    assert e.check_additivity(r.predict(d.X.head(20))) < 0.05 * np.std(d.y)


def test_sklearn_contract():
    m = inn.MLPClassifier(hidden_sizes=(8,), lr=0.01)
    c = clone(m)
    assert c.get_params() == m.get_params()
    c.set_params(dropout=0.3)
    assert c.dropout == 0.3 and m.dropout == 0.1
    with pytest.raises(TypeError):
        inn.MLPClassifier(8)  # keyword-only


def test_string_labels(toy_frame):
    X, y = toy_frame
    labels = np.where(y == 1, "bad", "good")
    m = inn.MLPClassifier(max_epochs=5, verbose=0).fit(X, labels)
    assert list(m.classes_) == ["bad", "good"]
    assert set(m.predict(X)) <= {"bad", "good"}


def test_output_bias_starts_at_the_prior_log_odds_without_scratch_attributes(small_credit):
    import torch

    from interpretable_nn.models.mlp import MLPNet

    X, y, _, _ = small_credit
    m = inn.MLPClassifier(max_epochs=1, verbose=0)
    data = m._fit_data(X, y, None)
    m._prepare(data)
    m.module_ = m._build_module()
    assert isinstance(m.module_, MLPNet)
    m._init_module(data)
    counts = np.bincount(y, minlength=2) + 1.0
    expected = np.log(counts[1] / counts[0])
    np.testing.assert_allclose(m.module_.net[-1].bias.detach().numpy(), [expected], rtol=1e-6)
    fitted = inn.MLPClassifier(max_epochs=1, verbose=0).fit(X, y)
    assert not [k for k in vars(fitted) if k.startswith("_") and not k.startswith("__")]
    with torch.no_grad():
        assert fitted.module_(torch.zeros(1, fitted.encoder_.n_dense_)).shape == (1,)

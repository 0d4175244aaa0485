"""The model registry: every baseline it names fits and predicts on raw credit-like frames
(NaN, categoricals, unseen levels) with the same interface and the same input errors."""

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from interpretable_nn.data.encoding import UnseenCategoryWarning
from interpretable_nn.models import available_models, list_models, make_model, register_model
from interpretable_nn.models import registry as registry_module

#: the baselines this registry section owns, with small settings for a fast suite
BASELINES = {
    "mlp": {"max_epochs": 5, "verbose": 0},
    "logreg": {},
    "tree": {"max_depth": 3},
    "hgb": {"max_iter": 20},
    "ebm": {"outer_bags": 1, "interactions": 0, "max_rounds": 100},
    "xgb": {"n_estimators": 20, "n_jobs": 1},
}
SAVABLE = {"mlp", "xgb"}
HERE = [n for n in BASELINES if n in available_models()]


def test_every_baseline_is_registered():
    table = list_models()
    assert set(BASELINES) <= set(table["name"])
    needs = dict(zip(table["name"], table["needs"]))
    assert needs["ebm"] == "interpret" and needs["xgb"] == "xgboost"
    assert {"mlp", "logreg", "tree", "hgb"} <= set(available_models())


@pytest.fixture(scope="module")
def holes(credit):
    """Training rows plus predict rows with missing numerics and missing/unseen levels."""
    rng = np.random.default_rng(3)
    idx = rng.permutation(len(credit.y))[:700]
    X, y = credit.X.iloc[idx].reset_index(drop=True), credit.y[idx]
    Xtr, ytr, Xte = X.iloc[:500], y[:500], X.iloc[500:].copy()
    Xte.loc[Xte.index[::3], "Debt"] = np.nan
    Xte.loc[Xte.index[::4], "Job"] = None
    Xte.loc[Xte.index[1::6], "Marital"] = "unheard-of"
    return Xtr, ytr, Xte


@pytest.mark.parametrize("name", HERE)
def test_fit_predict_interface(name, holes, tmp_path):
    Xtr, ytr, Xte = holes
    with threadpool_limits(1):  # OpenMP boosting on a shared 2-core machine
        m = make_model(name, random_state=0, **BASELINES[name]).fit(Xtr, ytr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnseenCategoryWarning)
        p = m.predict_proba(Xte)
        d = m.decision_function(Xte)
        pred = m.predict(Xte)
    assert p.shape == (len(Xte), 2) and np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_allclose(1 / (1 + np.exp(-d)), p[:, 1], atol=1e-6)
    np.testing.assert_array_equal(pred, m.classes_[(d > 0).astype(int)])
    assert m.n_features_in_ == Xtr.shape[1]
    assert m.n_parameters_ > 0
    # same contract on bad input
    with pytest.raises(ValueError, match="Debt"):
        m.predict(Xte.drop(columns=["Debt"]))
    with pytest.raises(ValueError, match="2-D"):
        m.predict(Xte["Debt"].to_numpy())
    bad = Xte.head(5).astype({"Age": object})
    bad.loc[bad.index[0], "Age"] = "forty"
    with pytest.raises(ValueError, match="Age"):
        m.predict(bad)
    with pytest.raises(ValueError, match="single class"):
        make_model(name, **BASELINES[name]).fit(Xtr, np.zeros(len(Xtr), dtype=int))
    # saving: JSON-safe where possible, a clear refusal elsewhere
    if name in SAVABLE:
        from interpretable_nn import load_model

        m.save(tmp_path / name)
        np.testing.assert_array_equal(load_model(tmp_path / name).predict_proba(Xtr), m.predict_proba(Xtr))
    else:
        with pytest.raises(TypeError, match="pickle"):
            m.save(tmp_path / name)


def test_registry_parameters_override_defaults(holes):
    Xtr, ytr, _ = holes
    assert make_model("tree").estimator.max_depth == 4
    assert make_model("tree", max_depth=2).fit(Xtr, ytr).estimator_.get_depth() <= 2
    assert make_model("logreg", max_iter=50).estimator.max_iter == 50
    assert make_model("tree").raw_numeric and make_model("hgb").raw_numeric
    assert not make_model("logreg").raw_numeric


def test_unknown_and_unavailable_names():
    with pytest.raises(ValueError, match="Unknown model 'nope'"):
        make_model("nope")
    register_model("_needs_nothing_real", dict, "test entry", needs=("no_such_package_xyz",))
    try:
        assert "_needs_nothing_real" not in available_models()
        with pytest.raises(ImportError, match="no_such_package_xyz"):
            make_model("_needs_nothing_real")
    finally:
        del registry_module._REGISTRY["_needs_nothing_real"]


def test_a_custom_factory_that_names_task_receives_it_and_a_regressor_only_name_regresses():
    """make_model(name, task=...) took ``task`` for itself, so a custom factory building either
    kind by its own ``task`` parameter always got its default; and a name registered with one
    factory that builds a regressor read regression=False in list_models()."""
    from sklearn.linear_model import LinearRegression, LogisticRegression

    def either(task="classification", C=1.0):
        return LogisticRegression(C=C) if task == "classification" else LinearRegression()

    def objective(task="binary"):  # a factory whose own task means something else
        assert task in ("binary", "multiclass"), task
        return LogisticRegression(C=2.0) if task == "multiclass" else LogisticRegression()

    def calls():
        raise SystemExit("a factory that exits")

    import functools

    register_model("_either", either, "test entry")
    register_model("_pinned", functools.partial(either, task="regression"), "test entry")
    register_model("_objective", objective, "test entry")
    register_model("_amounts_only", lambda **p: LinearRegression(**p), "test entry")
    register_model("_needs_params", lambda *, alpha: LinearRegression(), "test entry")
    register_model("_exits", calls, "test entry")
    try:
        assert isinstance(make_model("_either", "regression"), LinearRegression)
        assert make_model("_either", C=.5).C == .5
        assert isinstance(make_model("_pinned"), LinearRegression)  # what the partial fixed is kept
        assert isinstance(make_model("_objective"), LogisticRegression)  # its own default, not 'classification'
        assert isinstance(make_model("_objective", task="multiclass"), LogisticRegression)  # its own values pass
        assert isinstance(make_model("_amounts_only", "regression", fit_intercept=False), LinearRegression)
        table = list_models().set_index("name")["regression"]
        assert table["_either"] and table["_pinned"] and table["_amounts_only"] and table["nam"]
        assert not table["_needs_params"] and not table["logreg"] and not table["_objective"] and not table["_exits"]
        with pytest.raises(ValueError, match="task must be one of"):
            make_model("nam", task="Regression")
    finally:
        for name in ("_either", "_pinned", "_objective", "_amounts_only", "_needs_params", "_exits"):
            del registry_module._REGISTRY[name]

"""The foundation's bad-input table: every case gets a ValueError/TypeError that names the
column or problem (never a torch stack trace, never a silent NaN), and a failed fit leaves
nothing half-fitted."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import interpretable_nn as inn


def _X(n=40):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"age": rng.normal(40, 5, n), "home": rng.choice(["rent", "own"], n).astype(object)})


def _y(n=40):
    return np.arange(n) % 2


FIT_CASES = [
    ("empty frame", lambda: (_X().iloc[:0], _y()[:0]), ValueError, "0 rows"),
    ("no columns", lambda: (_X()[[]], _y()), ValueError, "no columns"),
    ("one class", lambda: (_X(), np.zeros(40, int)), ValueError, "single class"),
    ("NaN in y", lambda: (_X(), np.where(np.arange(40) == 3, np.nan, _y())), ValueError, "missing"),
    ("inf in y", lambda: (_X(), np.where(np.arange(40) == 3, np.inf, _y())), ValueError, "infinite"),
    ("y length", lambda: (_X(), _y()[:-1]), ValueError, "40 rows but y has 39"),
    ("inf in column", lambda: (_X().assign(age=lambda d: d.age.where(d.index != 2, np.inf)), _y()), ValueError, "'age'.*infinite"),
    ("string in numeric column", lambda: (_X().assign(age=lambda d: d.age.astype(object).where(d.index != 2, "abc")), _y()), ValueError, "'age'.*mixes numbers and strings"),
    ("all-NaN column", lambda: (_X().assign(age=np.nan), _y()), ValueError, "'age'.*entirely missing"),
    ("duplicated columns", lambda: (pd.concat([_X(), _X()[["age"]]], axis=1), _y()), ValueError, "duplicated column names \\['age'\\]"),
    ("empty column name", lambda: (_X().rename(columns={"age": ""}), _y()), ValueError, "a column named '' \\(position 0\\)"),
    ("3-D array", lambda: (np.zeros((40, 8, 8)), _y()), ValueError, "2-D input"),
    ("1-D array", lambda: (np.zeros(40), _y()), ValueError, "1-D"),
    ("None", lambda: (None, _y()), TypeError, "None"),
    ("Series", lambda: (_X()["age"], _y()), TypeError, "Series"),
]


@pytest.mark.parametrize("case, make, exc, match", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_fit_bad_input(case, make, exc, match):
    X, y = make()
    m = inn.MLPClassifier(max_epochs=2, verbose=0)
    with pytest.raises(exc, match=match):
        m.fit(X, y)
    assert not hasattr(m, "encoder_") and not hasattr(m, "module_"), "a failed fit left fitted state"


@pytest.fixture(scope="module")
def fitted():
    return inn.MLPClassifier(max_epochs=2, verbose=0).fit(_X(), _y())


PREDICT_CASES = [
    ("missing column", lambda: _X().drop(columns="home"), ValueError, "missing column\\(s\\) \\['home'\\]"),
    ("string in numeric column", lambda: _X().assign(age=lambda d: d.age.astype(object).where(d.index != 1, "old")), ValueError, "'age'.*non-numeric.*old"),
    ("inf in numeric column", lambda: _X().assign(age=np.inf), ValueError, "'age'.*infinite"),
    ("3-D input", lambda: np.zeros((3, 2, 2)), ValueError, "2-D input"),
    ("wrong width array", lambda: np.zeros((3, 5)), ValueError, "5 columns but the model was fitted on 2"),
]


@pytest.mark.parametrize("case, make, exc, match", PREDICT_CASES, ids=[c[0] for c in PREDICT_CASES])
def test_predict_bad_input(fitted, case, make, exc, match):
    with pytest.raises(exc, match=match):
        fitted.predict_proba(make())


def test_an_array_given_to_a_model_fitted_on_names_warns_that_it_is_read_by_position(fitted):
    """Fitted on a DataFrame, given an array in another column order: probabilities moved by up
    to .7 with no word, where scikit-learn warns."""
    X = _X()
    with pytest.warns(UserWarning, match=r"X has no column names but the model was fitted on named columns: they "
                                         r"are read by position as \['age', 'home'\]"):
        from_array = fitted.predict_proba(X.to_numpy())
    np.testing.assert_array_equal(from_array, fitted.predict_proba(X))
    with pytest.warns(UserWarning, match="read by position") as seen:  # under scikit-learn's score: this line
        fitted.score(X.to_numpy(), _y(len(X)))
    assert {w.filename for w in seen if "read by position" in str(w.message)} == {__file__}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a frame is matched by name: nothing to say
        fitted.predict_proba(X[["home", "age"]])
        A = np.random.default_rng(0).normal(size=(40, 2))  # fitted on pd.DataFrame(A): labels 0, 1, as sklearn
        inn.MLPClassifier(max_epochs=2, verbose=0).fit(pd.DataFrame(A), _y()).predict_proba(A)
    unnamed = inn.MLPClassifier(max_epochs=2, verbose=0).fit(np.random.default_rng(0).normal(size=(40, 2)), _y())
    with pytest.raises(ValueError, match=r"fitted on an unnamed array: give X those column names, in that order"):
        unnamed.predict_proba(pd.DataFrame({"a": [0.0], "b": [1.0]}))


def test_an_unused_column_named_empty_is_an_extra_column_at_predict(fitted):
    """'' is refused at fit (a feature needs a name); at predict it is one more extra column."""
    from interpretable_nn.data.validation import ExtraColumnsWarning

    X = _X()
    with pytest.warns(ExtraColumnsWarning, match=r"\[''\]"):
        got = fitted.predict_proba(X.assign(**{"": 1.0}))
    np.testing.assert_array_equal(got, fitted.predict_proba(X))


def test_column_order_is_handled_by_name(fitted):
    X = _X()
    a = fitted.predict_proba(X)
    b = fitted.predict_proba(X[["home", "age"]])
    np.testing.assert_array_equal(a, b)


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        inn.MLPClassifier().predict(_X())


@pytest.mark.parametrize(
    "param, value, match",
    [("max_epochs", 0, "max_epochs"), ("lr", -1.0, "lr"), ("batch_size", 2.5, "batch_size"),
     ("dropout", 1.5, "dropout"), ("hidden_sizes", (64, -1), "hidden_sizes"), ("class_weight", "weird", "class_weight")],
)
def test_bad_parameters_name_the_parameter(param, value, match):
    m = inn.MLPClassifier(verbose=0, **{param: value})
    with pytest.raises((ValueError, TypeError), match=match):
        m.fit(_X(), _y())
    assert not hasattr(m, "encoder_")


def test_zero_rows_at_predict_returns_empty(fitted):
    p = fitted.predict_proba(_X().iloc[:0])
    assert p.shape == (0, 2)


def test_warnings_point_at_the_callers_line(toy_frame):
    """Constant-column, extra-column and unseen-category warnings name the user's line, not
    a line inside the library, however deep the warning is raised."""
    import warnings

    from interpretable_nn.models import make_model

    X, y = toy_frame
    model = make_model("mlp", max_epochs=2, verbose=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X.assign(const=1.0), y)
        model.predict(X.assign(const=1.0, zzz=1).assign(home="castle"))
    assert len(caught) >= 3, [str(w.message) for w in caught]
    for w in caught:
        assert w.filename == __file__, (w.filename, str(w.message))


def test_rows_as_lists_records_or_series_read_as_their_frame():
    """A bool column became 1.0 in a list of numeric rows (another model than the frame's);
    records and Series rows were read by position; dict views read as a 0-d array."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "f": rng.choice([True, False], 60)})
    y = (X["a"] + X["f"] > 0.5).astype(int).to_numpy()
    kw = dict(n_bags=1, max_epochs=5, interactions=0, verbose=0)
    framed = inn.NAMClassifier(**kw).fit(X, y)
    listed = inn.NAMClassifier(**kw).fit(X.to_numpy().tolist(), y)
    assert listed.encoder_.schema_["x1"].kind == framed.encoder_.schema_["f"].kind == "categorical"
    np.testing.assert_array_equal(listed.predict_proba(X.to_numpy().tolist()), framed.predict_proba(X))
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # records are matched by name: no "read by position" warning
        np.testing.assert_array_equal(framed.predict_proba(X[["f", "a"]].to_dict("records")), framed.predict_proba(X))
    with pytest.raises(TypeError, match=r"could not be read as a 2-D array: rows of \[1, 2\] cells"):
        framed.predict_proba([[0.1, True], [0.2]])
    np.testing.assert_array_equal(framed.predict_proba([r for _, r in X[["f", "a"]].iterrows()]),
                                  framed.predict_proba(X))
    for bad in ({0: 1}.values(), {1, 2}):
        with pytest.raises(TypeError, match=r"got (dict_values|set) \(pass list\(X\)\)"):
            framed.predict(bad)

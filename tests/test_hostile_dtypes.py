"""Column types nobody declared, and parameters that mean something else (issue 18).

Each column type is either converted one documented way (dates and durations to float days,
the same floats whatever the unit or zone; Decimal and object numbers to float; numeric-
looking strings kept as categorical text) or refused at fit, before any training, naming the
column and the fix (``interpretable_nn/data/dtypes.py``). ``class_weight`` keys are labels;
bad weights are refused naming ``class_weight``/``sample_weight``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from repeatable import repeatable

import interpretable_nn as inn
from interpretable_nn.data.dtypes import datetime_days, timedelta_days
from interpretable_nn.data.encoding import UnseenCategoryWarning
from interpretable_nn.data.schema import NumericTextWarning
from interpretable_nn.models import make_model
from interpretable_nn.training import engine

FAST = {
    "mlp": {"max_epochs": 3, "verbose": 0, "random_state": 0},
    "nam": {"n_bags": 1, "max_epochs": 3, "hidden_sizes": (4,), "interactions": 0, "verbose": 0, "random_state": 0},
    "rulenet": {"max_rules": 5, "max_epochs": 3, "verbose": 0, "random_state": 0},
    "logreg": {},
}
N = 120


def build(name: str, **params):
    return make_model(name, **{**FAST[name], **params})


def fit_quiet(model, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(X, y, **kw)


def predict_quiet(model, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.predict_proba(X)[:, 1]


@pytest.fixture
def no_training(monkeypatch):
    """Any call of the training loop fails the test: refusals must come before training."""

    def refuse(*args, **kwargs):
        raise AssertionError("training started although the input should have been refused")

    for name, mod in list(sys.modules.items()):
        if name.startswith("interpretable_nn.") and getattr(mod, "train", None) is engine.train:
            monkeypatch.setattr(mod, "train", refuse)


def dated_frame(unit: str = "ns") -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    days = rng.integers(0, 1500, N)
    secs = rng.integers(0, 86_400, N)
    d = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(days, unit="D") + pd.to_timedelta(secs, unit="s"))
    d[::13] = pd.NaT
    X = pd.DataFrame({"applied": d.astype(f"datetime64[{unit}]"), "income": rng.normal(50, 10, N)})
    y = ((days > 700) ^ (rng.random(N) < 0.1)).astype(int)
    return X, y


def as_unit(X: pd.DataFrame, unit: str) -> pd.DataFrame:
    return X.assign(applied=X["applied"].astype(f"datetime64[{unit}]"))


# ------------------------------------------------------------------ dates and durations


def test_datetime_days_is_exact_and_the_same_in_every_unit_and_zone():
    d = pd.Series(pd.to_datetime(["1970-01-02 12:00", None, "2024-02-29 06:30:15", "1969-12-31 18:00"], format="ISO8601"))
    want = datetime_days("d", d.astype("datetime64[ns]")).to_numpy()
    assert want[0] == 1.5 and np.isnan(want[1]) and want[3] == -0.25
    for unit in ("s", "ms", "us"):
        assert np.array_equal(datetime_days("d", d.astype(f"datetime64[{unit}]")).to_numpy(), want, equal_nan=True)
    paris = d.dt.tz_localize("UTC").dt.tz_convert("Europe/Paris")  # same instants, another zone
    assert np.array_equal(datetime_days("d", paris).to_numpy(), want, equal_nan=True)
    cells = pd.Series(list(d.dt.to_pydatetime()), dtype=object)  # datetime objects in an object column
    assert np.array_equal(datetime_days("d", cells).to_numpy(), want, equal_nan=True)
    far = pd.Series(np.array(["2500-01-01"], dtype="datetime64[s]"))  # outside the [ns] range
    assert datetime_days("d", far).iloc[0] == (dt.date(2500, 1, 1) - dt.date(1970, 1, 1)).days


def test_timedelta_days_is_the_same_in_every_unit():
    t = pd.Series(pd.to_timedelta(["36h", None, "-6h", "1000 days 00:00:01"]))
    want = timedelta_days("t", t.astype("timedelta64[ns]")).to_numpy()
    assert want[0] == 1.5 and np.isnan(want[1]) and want[2] == -0.25
    for unit in ("s", "ms", "us"):
        assert np.array_equal(timedelta_days("t", t.astype(f"timedelta64[{unit}]")).to_numpy(), want, equal_nan=True)


@pytest.mark.parametrize("name", ["mlp", "nam"])
def test_same_dates_same_predictions_whatever_the_unit(name):
    X_ns, y = dated_frame("ns")
    with repeatable():  # two fits compared bit for bit (CUDA: the deterministic mode)
        m = fit_quiet(build(name), X_ns, y)
        m_us = fit_quiet(build(name), as_unit(X_ns, "us"), y)
    assert m.encoder_.schema_["applied"].converted_from == "datetime"
    p = predict_quiet(m, X_ns)
    assert 0.0 < p.std()  # the model reads the dates at all
    for unit in ("s", "ms", "us"):
        assert np.array_equal(predict_quiet(m, as_unit(X_ns, unit)), p), unit
    tz = X_ns.assign(applied=X_ns["applied"].dt.tz_localize("UTC").dt.tz_convert("America/New_York"))
    assert np.array_equal(predict_quiet(m, tz), p)
    # fitted on [us], predicting on [ns]: the very same model
    assert np.array_equal(predict_quiet(m_us, X_ns), p)


def test_date_feature_at_predict_accepts_iso_strings_and_days_and_survives_save(tmp_path):
    X, y = dated_frame("us")
    m = fit_quiet(build("mlp"), X, y)
    p = predict_quiet(m, X)
    iso = X.assign(applied=X["applied"].dt.strftime("%Y-%m-%dT%H:%M:%S").astype(object))
    assert np.array_equal(predict_quiet(m, iso), p)
    days = X.assign(applied=datetime_days("applied", X["applied"]))
    assert np.array_equal(predict_quiet(m, days), p)
    m.save(tmp_path / "m")
    loaded = inn.load_model(tmp_path / "m")
    assert loaded.encoder_.schema_["applied"].converted_from == "datetime"
    assert np.array_equal(predict_quiet(loaded, as_unit(X, "ns")), p)
    with pytest.raises(ValueError, match="'applied'.*could not be read"):
        m.predict(X.assign(applied="not a date"))


def test_numbers_at_fit_refuse_dates_at_predict():
    X, y = dated_frame()
    X = X.assign(applied=X["applied"].astype("int64"))  # the user's own integer encoding
    m = fit_quiet(build("mlp"), X, y)
    with pytest.raises(ValueError, match="'applied'.*holds dates, but the model was fitted on numbers"):
        m.predict(dated_frame()[0])


def test_nanoseconds_for_a_date_column_are_refused_not_read_as_days():
    """Numbers for a date feature are days (19000 for 2022); int64 nanoseconds since 1970
    were read as days too and scored at the shape's edge without a word."""
    X, y = dated_frame()
    m = fit_quiet(build("mlp"), X, y)
    with pytest.raises(ValueError, match="'applied'.*numbers beyond 2,932,896.*nanoseconds or seconds since 1970"):
        m.predict(X.assign(applied=X["applied"].astype("int64")))
    days = (X["applied"] - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400
    assert np.array_equal(predict_quiet(m, X.assign(applied=days)), predict_quiet(m, X))


@pytest.mark.parametrize("name", ["mlp", "nam"])
def test_durations_same_predictions_whatever_the_unit(name):
    X, y = dated_frame()
    X = X.assign(applied=X["applied"] - pd.Timestamp("2019-06-01"))  # timedelta64[ns]
    with repeatable():  # two fits compared bit for bit (CUDA: the deterministic mode)
        m = fit_quiet(build(name), X, y)
        m_s = fit_quiet(build(name), X.assign(applied=X["applied"].astype("timedelta64[ms]")), y)
    assert m.encoder_.schema_["applied"].converted_from == "timedelta"
    p = predict_quiet(m, X)
    assert np.array_equal(predict_quiet(m, X.assign(applied=X["applied"].astype("timedelta64[s]"))), p)
    assert np.array_equal(predict_quiet(m_s, X), p)


# ------------------------------------------------------------------ numbers in object columns


def test_integers_float64_cannot_hold_warn_naming_the_column():
    """An identifier of uint64 or int64 past 2**53 is read as float64, where neighbours
    become equal: a warning names the column and the fix. Large integers float64 holds
    exactly (2**60) and ordinary ones stay silent."""
    X = pd.DataFrame({"id": np.array([2**64 - 1, 5, 7, 9], dtype=np.uint64),
                      "stamp": np.array([2**62 + 1, -3, 1, 2], dtype=np.int64),
                      "round": pd.array([2**60, None, 1, 3], dtype="Int64"), "n": [1, 2, 3, 4]})
    y = np.array([0, 1, 0, 1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_model("nam", **FAST["nam"]).fit(X, y)
    said = sorted(str(w.message) for w in caught if "2**53" in str(w.message))  # once per column and fit
    assert len(said) == 2, said
    assert "'id'" in said[0] and "18446744073709551615 reads as 18446744073709551616" in said[0]
    assert "'stamp'" in said[1] and "drop it" in said[1]
    assert all(w.filename == __file__ for w in caught if "2**53" in str(w.message))  # points at the caller
    objects = pd.DataFrame({"ids": pd.Series([2**53 + 1, None, 5, 7], dtype=object),  # ints with a gap
                            "dec": [decimal.Decimal(2**55 + 1), decimal.Decimal("1.5"), None, decimal.Decimal(3)],
                            "held": pd.Series([1, 2, None, 2**60], dtype=object)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_model("nam", **FAST["nam"]).fit(objects, y)
    said = sorted(str(w.message).split(" of ")[0] for w in caught if "2**53" in str(w.message))
    assert said == ["Column 'dec'", "Column 'ids'"], said


def test_decimal_amounts_are_numbers_not_categories():
    rng = np.random.default_rng(2)
    amount = np.round(rng.normal(1000, 200, N), 2)
    y = (amount > 1000).astype(int)
    X_float = pd.DataFrame({"amount": amount})
    X_dec = pd.DataFrame({"amount": pd.Series([decimal.Decimal(f"{a:.2f}") for a in amount], dtype=object)})
    X_dec.loc[3, "amount"] = decimal.Decimal("NaN")
    X_float.loc[3, "amount"] = np.nan
    m = fit_quiet(build("mlp"), X_dec, y)
    spec = m.encoder_.schema_["amount"]
    assert spec.kind == "numeric" and spec.categories == []
    ref = fit_quiet(build("mlp"), X_float, y)
    assert np.array_equal(predict_quiet(m, X_dec), predict_quiet(ref, X_float))
    assert np.array_equal(predict_quiet(m, X_float), predict_quiet(ref, X_float))


def test_numeric_strings_stay_categorical_text():
    rng = np.random.default_rng(3)
    codes = rng.choice(["01", "1", "02", "10"], N)
    X = pd.DataFrame({"branch": pd.Series(codes, dtype=object), "x": rng.normal(size=N)})
    y = (pd.Series(codes) == "01").astype(int).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericTextWarning)  # 4 levels: no warning
        m = build("mlp").fit(X, y)
    spec = m.encoder_.schema_["branch"]
    assert spec.kind == "categorical" and set(spec.categories) == {"01", "1", "02", "10"}
    enc = m.encoder_.transform(pd.DataFrame({"branch": ["01", "1"], "x": [0.0, 0.0]}))
    assert enc.codes[0, 0] != enc.codes[1, 0]  # "01" is not "1"


def test_many_numeric_strings_warn_once_and_category_dtype_silences_it():
    rng = np.random.default_rng(4)
    amounts = pd.Series([f"{v:.2f}" for v in rng.normal(1000, 200, N)], dtype=object)
    X = pd.DataFrame({"amount": amounts})
    y = rng.integers(0, 2, N)
    with pytest.warns(NumericTextWarning, match="'amount'.*pd.to_numeric") as rec:
        build("mlp").fit(X, y)
    assert sum(issubclass(w.category, NumericTextWarning) for w in rec) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericTextWarning)
        build("mlp").fit(X.astype("category"), y)


@pytest.mark.parametrize("fmt", ["{:.1f} €", "${:,.0f}", "{:.0f}%", "{:.0f} kg"])
def test_amounts_with_a_unit_as_text_warn_with_the_fix(fmt):
    """'59.7 €', '$1,200', '12%', '3 kg' as text: each distinct string would be a level of its
    own (no order, an unseen amount scores as 'unseen'); the warning names the column and how
    to strip the unit. Codes with a letter ('12A', 'A12') and few levels stay quiet."""
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"amount": pd.Series([fmt.format(v) for v in rng.normal(1000, 200, N)], dtype=object)})
    y = rng.integers(0, 2, N)
    with pytest.warns(NumericTextWarning, match=r"'amount'.*unit.*str\.replace") as rec:
        build("mlp").fit(X, y)
    assert sum(issubclass(w.category, NumericTextWarning) for w in rec) == 1
    codes = pd.DataFrame({"apt": pd.Series([f"{i % 40}{'AB'[i % 2]}" for i in range(N)], dtype=object)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericTextWarning)
        build("mlp").fit(codes, y)


# ------------------------------------------------------------------ refused at fit

PERIODS = pd.Series(pd.period_range("2020-01", periods=N, freq="M"))
REFUSED = {
    "Period": (PERIODS, ValueError, r"dt\.to_timestamp\(\)"),
    "Period cells": (PERIODS.astype(object), ValueError, r"dt\.to_timestamp\(\)"),
    "Interval": (pd.Series(pd.interval_range(0, N)), ValueError, r"astype\(str\)"),
    "pd.cut bins": (pd.cut(pd.Series(np.arange(N, dtype=float)), 4), ValueError, r"astype\(str\)"),
    "bytes": (pd.Series([b"rent", b"own"] * (N // 2)), ValueError, r"str\.decode"),
    "tuples": (pd.Series([(1, 2), (3, 4)] * (N // 2)), ValueError, "one value"),
    "lists": (pd.Series([[1], [2, 3]] * (N // 2)), ValueError, "one value"),
    "dicts": (pd.Series([{"a": 1}, {"b": 2}] * (N // 2)), ValueError, "one value"),
    "numbers mixed with strings": (pd.Series([1.5, "high"] * (N // 2), dtype=object), ValueError,
                                   "mixes numbers and strings"),
    "dates mixed with strings": (pd.Series([pd.Timestamp("2020-01-01"), "soon"] * (N // 2), dtype=object),
                                 ValueError, "mixes value types"),
    "arbitrary objects": (pd.Series([object(), object()] * (N // 2)), TypeError, "values of type object"),
    "category of timestamps": (pd.Series(pd.date_range("2020", periods=N)).astype("category"), ValueError,
                               r"levels must be strings"),
}


@pytest.mark.parametrize("case", list(REFUSED))
@pytest.mark.parametrize("name", ["mlp", "rulenet"])
def test_undeclared_type_is_refused_at_fit_naming_the_column(case, name, no_training):
    col, err, fix = REFUSED[case]
    X = pd.DataFrame({"x": np.arange(N, dtype=float), "odd column": col.reset_index(drop=True)})
    y = np.arange(N) % 2
    m = build(name)
    with pytest.raises(err, match=fix) as info:
        m.fit(X, y)
    assert "'odd column'" in str(info.value)
    assert not hasattr(m, "encoder_")  # nothing half-fitted


def test_structured_array_is_refused_with_the_fix(no_training):
    arr = np.zeros(N, dtype=[("age", float), ("income", float)])
    with pytest.raises(TypeError, match=r"structured array with fields \['age', 'income'\].*pd.DataFrame\(X\)"):
        build("mlp").fit(arr, np.arange(N) % 2)
    m = fit_quiet(build("mlp"), pd.DataFrame(arr).assign(age=np.arange(N)), np.arange(N) % 2)
    with pytest.raises(TypeError, match="structured array"):
        m.predict(arr)


def test_tuple_cells_at_predict_are_refused_not_crashed():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"home": rng.choice(["rent", "own"], N).astype(object), "x": rng.normal(size=N)})
    m = fit_quiet(build("mlp"), X, rng.integers(0, 2, N))
    bad = X.head(4).copy()
    bad["home"] = pd.Series([("rent", 1), "own", ["own"], "rent"], dtype=object)
    with pytest.raises(ValueError, match="'home'.*one value"):
        m.predict(bad)


def test_object_cells_of_dates_fit_like_datetime64():
    X, y = dated_frame()
    cells = X.assign(applied=pd.Series(list(X["applied"].dt.to_pydatetime()), dtype=object))
    cells.loc[X["applied"].isna(), "applied"] = None
    p = predict_quiet(fit_quiet(build("mlp"), X, y), X)
    assert np.array_equal(predict_quiet(fit_quiet(build("mlp"), cells, y), cells), p)
    dates = X.assign(applied=pd.Series([None if pd.isna(v) else v.date() for v in X["applied"]], dtype=object))
    assert fit_quiet(build("mlp"), dates, y).encoder_.schema_["applied"].converted_from == "datetime"


# ------------------------------------------------------------------ class_weight and sample_weight


def _labels_1_2():
    rng = np.random.default_rng(6)
    X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = np.where(rng.random(200) < 0.5, 1, 2)
    return X, y


@pytest.mark.parametrize("name", ["mlp", "rulenet", "logreg"])
def test_class_weight_keys_are_labels(name):
    X, y = _labels_1_2()
    share_1 = {}  # share of rows predicted as label 1 (about half the rows have it)
    for key in (None, 1, 2):
        weights = None if key is None else {key: 50}
        epochs = {} if name == "logreg" else {"max_epochs": 5}
        m = fit_quiet(build(name, class_weight=weights, **epochs), X, y)
        share_1[key] = float(np.mean(m.predict(X) == 1))
    # {1: 50} favours label 1 (read as a position it would favour label 2), {2: 50} label 2
    assert share_1[1] > max(0.6, share_1[None]) and share_1[2] < min(0.4, share_1[None]), share_1


def test_balanced_equals_the_same_weights_given_by_label():
    X, y = _labels_1_2()
    y = np.where(np.arange(len(y)) < 150, "good", "bad")  # 150 good, 50 bad
    balanced = fit_quiet(build("mlp", class_weight="balanced"), X, y)
    n = len(y)
    by_label = {lab: n / (2 * np.sum(y == lab)) for lab in ("good", "bad")}
    explicit = fit_quiet(build("mlp", class_weight=by_label), X, y)
    assert np.array_equal(predict_quiet(balanced, X), predict_quiet(explicit, X))


BAD_CLASS_WEIGHTS = {
    "negative": {1: -1.0},
    "NaN": {1: float("nan")},
    "inf": {2: float("inf")},
    "string weight": {1: "50"},
    "None weight": {1: None},
    "position, not label": {0: 5.0},
    "label of another type": {"1": 5.0},
    "all zero": {1: 0, 2: 0},
    "a list": [1.0, 2.0],
    "misspelt balanced": "Balanced",
}


@pytest.mark.parametrize("case", list(BAD_CLASS_WEIGHTS))
@pytest.mark.parametrize("name", ["mlp", "nam"])
def test_bad_class_weight_is_refused_before_training(case, name, no_training):
    X, y = _labels_1_2()
    with pytest.raises(ValueError, match="class_weight"):
        build(name, class_weight=BAD_CLASS_WEIGHTS[case]).fit(X, y)


BAD_SAMPLE_WEIGHTS = {
    "NaN": lambda n: np.r_[np.nan, np.ones(n - 1)],
    "negative": lambda n: np.r_[-1.0, np.ones(n - 1)],
    "wrong length": lambda n: np.ones(n - 1),
    "strings": lambda n: np.array(["a"] * n, dtype=object),
}


@pytest.mark.parametrize("case", list(BAD_SAMPLE_WEIGHTS))
@pytest.mark.parametrize("name", ["mlp", "rulenet"])
def test_bad_sample_weight_is_refused_before_training(case, name, no_training):
    X, y = _labels_1_2()
    with pytest.raises((ValueError, TypeError), match="sample_weight"):
        build(name).fit(X, y, sample_weight=BAD_SAMPLE_WEIGHTS[case](len(y)))


@pytest.mark.parametrize("model", ["logreg", "nam"])
def test_unseen_levels_name_the_usual_mistake(model):
    """A categorical column that arrives at predict as another type (1 for '1') or as integer
    codes reads as unseen levels: the warning says which mistake it looks like and the fix,
    instead of listing '1' as "not seen in training" beside a training level '1'."""
    rng = np.random.default_rng(0)
    n = 300
    kw = {} if model == "logreg" else FAST["nam"]
    for levels, wrong, says in (
            (["0", "1", "2"], lambda s: s.astype(int), "equal training levels as text or number but not in type"),
            (["owner", "rent", "parents"], lambda s: pd.Categorical(s).codes, "look like integer codes")):
        X = pd.DataFrame({"home": rng.choice(levels, n), "a": rng.normal(size=n)})
        y = ((X.home == levels[1]) + X.a > 0.5).astype(int).to_numpy()
        m = make_model(model, **kw).fit(X, y)
        with pytest.warns(UnseenCategoryWarning, match=says):
            m.predict_proba(X.assign(home=wrong(X.home)))
        with pytest.warns(UnseenCategoryWarning, match="refit with these levels") as caught:
            m.predict_proba(X.assign(home=X.home.where(X.home != levels[0], "new")))  # a level truly new
        assert "'new'" in str(caught[0].message)


def test_precision_warning_dedup_leaves_the_warning_filters_alone():
    """The 2**53 warning is given once per fit by a context variable, not a warnings filter:
    filters are global to the process, and fits in threads left each other's filter behind
    (the warning then silenced for every later fit and for user code)."""
    import threading

    from interpretable_nn.data.validation import precision_warned

    before = list(warnings.filters)
    with precision_warned():
        assert list(warnings.filters) == before
    X = pd.DataFrame({"id": np.array([2**62 + 1, 2**62 + 3, 5, 9] * 10, dtype=np.int64), "n": np.arange(40.0)})
    y = np.array([0, 1] * 20)
    threads = [threading.Thread(target=lambda: make_model("logreg").fit(X, y)) for _ in range(8)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make_model("logreg").fit(X, y)
    assert sum("2**53" in str(w.message) for w in caught) == 1


def test_unseen_level_advice_prefers_the_type_mistake_and_lists_each_value():
    """1.0 for '1' (read_csv's floats once a cell is missing) and 1 for '01' are named as a
    type mistake, never as integer codes (following that advice moved a row's probability from
    .20 to .87); durations do not crash the advice; True, 1 and 1.0 are three values."""
    from interpretable_nn.data.encoding import _unseen_advice

    levels = pd.Index(["1", "2", "3"], dtype=object)
    assert "not in type" in _unseen_advice([1.0, 2.0], levels, True)
    assert "not in type" in _unseen_advice([1, 2], pd.Index(["01", "02", "03"], dtype=object), True)
    assert "integer codes" in _unseen_advice([0, 1, 2], pd.Index(["a", "b", "c"], dtype=object), True)
    both = _unseen_advice([0, 1, 2, 3, 4], pd.Index(["1", "2", "3", "4", "5"], dtype=object), True)
    assert "not in type" in both and "integer codes" in both  # 0-4 for '1'-'5': either mistake
    assert "refit" in _unseen_advice([pd.Timedelta("1D"), np.timedelta64(2, "D")], pd.Index(["a", "b"]), True)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"k": rng.choice(["a", "b"], 60), "x": rng.normal(size=60)})
    m = make_model("logreg").fit(X, (X.x > 0).astype(int))
    with pytest.warns(UnseenCategoryWarning, match=r"2 categories not seen in training \[True, 1\]"):
        m.predict_proba(X.assign(k=pd.Series([True, 1] * 30, dtype=object)))


def test_a_signalling_decimal_nan_is_refused_naming_its_column():
    """Decimal('sNaN') raises on any comparison: it crashed inside pandas' missing-value test
    at fit and at predict."""
    import decimal

    X, y = dated_frame()
    m = fit_quiet(build("mlp"), X, y)
    bad = X.head(3).astype({"income": object})
    bad.loc[bad.index[0], "income"] = decimal.Decimal("sNaN")
    with pytest.raises(ValueError, match="Column 'income' of X holds Decimal\\('sNaN'\\)"):
        m.predict(bad)
    with pytest.raises(ValueError, match="Column 'income' of X holds Decimal\\('sNaN'\\)"):
        build("mlp").fit(bad, y[:3])

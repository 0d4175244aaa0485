import numpy as np
import pandas as pd
import pytest

from interpretable_nn.data import (
    FeatureSchema,
    TabularEncoder,
    UnseenCategoryWarning,
    infer_schema,
)
from interpretable_nn.data.encoding import MISSING_CODE, UNSEEN_CODE


def test_schema_kinds(toy_frame):
    X, _ = toy_frame
    s = infer_schema(X)
    kinds = {f.name: f.kind for f in s}
    assert kinds == {"income": "numeric", "home": "categorical", "flag": "binary"}
    assert s["income"].has_missing and s["home"].has_missing and not s["flag"].has_missing
    assert s["home"].categories[0] in {"rent", "own", "other"}
    assert FeatureSchema.from_dict(s.to_dict()) == s


def test_schema_user_categorical_and_monotone(toy_frame):
    X, _ = toy_frame
    s = infer_schema(X, categorical=["flag"], monotone={"income": -1})
    assert s["flag"].kind == "categorical"
    assert s["income"].monotone == -1
    with pytest.raises(ValueError, match="'nope'"):
        infer_schema(X, monotone={"nope": 1})
    with pytest.raises(ValueError, match="categorical and cannot be monotone"):
        infer_schema(X, monotone={"home": 1})


def test_encoder_roundtrip_numeric_and_categories(credit):
    X = credit.X
    enc = TabularEncoder().fit(X)
    e = enc.transform(X)
    assert e.numeric.dtype == np.float32 and e.codes.dtype == np.int64
    back = enc.inverse_transform(e)
    for c in enc.numeric_names_:
        np.testing.assert_allclose(back[c].to_numpy(dtype=float), X[c].to_numpy(dtype=float), rtol=1e-5, atol=1e-3)
        assert back[c].isna().equals(X[c].isna())
    for c in enc.categorical_names_:
        assert back[c].isna().equals(X[c].isna())
        assert (back[c].dropna() == X[c].dropna()).all()
    # standardized numerics: mean 0, std 1 over the observed values
    j = enc.numeric_names_.index("Income")
    obs = e.missing[:, j] == 0
    assert abs(e.numeric[obs, j].mean()) < 1e-4 and abs(e.numeric[obs, j].std() - 1) < 1e-3
    assert np.all(e.numeric[~obs, j] == 0)


def test_unseen_and_missing_categories(toy_frame):
    X, _ = toy_frame
    enc = TabularEncoder().fit(X)
    new = X.head(3).copy()
    new["home"] = ["castle", None, "rent"]
    with pytest.warns(UnseenCategoryWarning, match="'home'.*castle"):
        e = enc.transform(new)
    j = enc.categorical_names_.index("home")
    assert e.codes[0, j] == UNSEEN_CODE
    assert e.codes[1, j] == MISSING_CODE
    assert enc.level_of("home", int(e.codes[2, j])) == "rent"


def test_dense_columns_map_back_to_features(credit):
    enc = TabularEncoder().fit(credit.X)
    e = enc.transform(credit.X.head(50))
    D = enc.dense(e)
    cols = enc.dense_columns()
    assert D.shape == (50, len(cols))
    assert {c["feature"] for c in cols} == set(credit.X.columns)
    # one-hot block of a categorical sums to 1 for seen / missing levels
    home = [i for i, c in enumerate(cols) if c["feature"] == "Home"]
    np.testing.assert_array_equal(D[:, home].sum(1), np.ones(50))
    # raw-unit variant keeps NaN and raw values
    R = enc.dense(e, raw_numeric=True)
    inc = [i for i, c in enumerate(cols) if c["feature"] == "Income" and c["kind"] == "numeric"][0]
    np.testing.assert_allclose(R[:, inc], credit.X["Income"].head(50).to_numpy(), rtol=1e-5)
    assert enc.dense_feature_index().max() == len(credit.X.columns) - 1


def test_columns_matched_by_name_and_extra_columns_warn(toy_frame):
    X, _ = toy_frame
    enc = TabularEncoder().fit(X)
    a = enc.transform(X)
    shuffled = X[["flag", "home", "income"]].assign(extra=1)
    with pytest.warns(UserWarning, match="extra"):
        b = enc.transform(shuffled)
    np.testing.assert_array_equal(a.numeric, b.numeric)
    np.testing.assert_array_equal(a.codes, b.codes)


def test_encoder_state_roundtrip(toy_frame):
    X, _ = toy_frame
    enc = TabularEncoder(monotone={"income": 1}).fit(X)
    enc2 = TabularEncoder.from_dict(enc.to_dict())
    a, b = enc.transform(X), enc2.transform(X)
    np.testing.assert_array_equal(a.numeric, b.numeric)
    np.testing.assert_array_equal(a.codes, b.codes)


def test_pandas_string_and_category_dtypes():
    X = pd.DataFrame(
        {
            "s": pd.array(["a", "b", None, "a"], dtype="string"),
            "c": pd.Categorical(["x", "y", "x", None]),
            "b": [True, False, True, True],
            "v": [1.0, 2.0, 3.0, 4.0],
        }
    )
    enc = TabularEncoder().fit(X)
    assert [f.kind for f in enc.schema_] == ["categorical", "categorical", "categorical", "numeric"]
    e = enc.transform(X)
    assert e.codes[2, 0] == MISSING_CODE and e.codes[3, 1] == MISSING_CODE

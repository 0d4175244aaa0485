import numpy as np
import pandas as pd
import pytest

from interpretable_nn.datasets import list_datasets, load_dataset, make_additive


@pytest.mark.parametrize(
    "name, shape, positive, rate",
    [
        ("credit_data", (4454, 13), "bad", (0.25, 0.31)),
        ("hmda", (2380, 13), "yes", (0.10, 0.14)),
        ("default", (10000, 3), "Yes", (0.02, 0.05)),
        ("breast_cancer", (569, 30), "malignant", (0.30, 0.45)),
    ],
)
def test_real_sets_shapes_and_targets(name, shape, positive, rate):
    ds = load_dataset(name)
    assert ds.X.shape == shape
    assert isinstance(ds.X, pd.DataFrame)
    assert ds.positive_label == positive
    assert set(np.unique(ds.y)) == {0, 1}
    assert ds.y.dtype.kind == "i"
    assert rate[0] < ds.y.mean() < rate[1]
    assert ds.target not in ds.X.columns
    assert "rownames" not in ds.X.columns


def test_credit_data_raw_columns_keep_missing_and_categoricals():
    ds = load_dataset("credit_data")
    assert ds.X["Home"].dtype == object
    assert ds.X["Income"].isna().sum() > 300
    assert ds.X["Home"].isna().sum() > 0
    assert set(ds.X["Records"].dropna()) == {"no", "yes"}


def test_hmda_sensitive_attribute():
    ds = load_dataset("hmda")
    assert ds.sensitive == ["afam"]
    assert "afam" in ds.X.columns


def test_digits_are_images():
    ds = load_dataset("digits")
    assert ds.X.shape == (1797, 8, 8)
    assert sorted(np.unique(ds.y)) == list(range(10))


def test_unknown_dataset_lists_names():
    with pytest.raises(ValueError, match="credit_data"):
        load_dataset("nope")


def test_list_datasets():
    t = list_datasets()
    assert t["name"].tolist() == ["credit_data", "hmda", "default", "breast_cancer", "digits"]
    assert t.set_index("name").loc["credit_data", "rows"] == 4454
    assert t.set_index("name").loc["credit_data", "missing_cells"] > 0


def test_make_additive_structure_and_truth():
    ds = make_additive(n_samples=3000, n_features=9, random_state=3)
    X = ds.X
    assert X.shape == (3000, 9)
    assert X["with_missing"].isna().mean() == pytest.approx(0.15, abs=0.03)
    assert X["category"].dtype == object
    # each true term is centred on the sample
    for name in X.columns:
        assert abs(np.mean(ds.shape_functions[name](X[name].to_numpy()))) < 1e-9
    # the monotone feature's true term is increasing
    grid = np.linspace(0, 4, 50)
    assert np.all(np.diff(ds.shape_functions["monotone"](grid)) > 0)
    # the label follows the score: AUC of the true score is high
    from sklearn.metrics import roc_auc_score

    score = sum(ds.shape_functions[c](X[c].to_numpy()) for c in X.columns)
    score = score + ds.shape_functions["inter_a x inter_b"](X["inter_a"], X["inter_b"])
    assert roc_auc_score(ds.y, score) > 0.8


def test_make_additive_regression_and_seed():
    a = make_additive(n_samples=200, task="regression", random_state=1)
    b = make_additive(n_samples=200, task="regression", random_state=1)
    assert a.y.dtype.kind == "f"
    pd.testing.assert_frame_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)


@pytest.mark.parametrize("kw", [{"n_features": 3}, {"task": "ranking"}, {"n_samples": 2}])
def test_make_additive_bad_arguments(kw):
    with pytest.raises(ValueError):
        make_additive(**kw)

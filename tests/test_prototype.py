"""PrototypeClassifier: prototypes are real training cases, projection report, explanations
(prototype and feature level), image path, persistence, determinism and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

import interpretable_nn as inn
from interpretable_nn.models.prototype import PrototypeClassifier
from interpretable_nn.nn.prototype import similarity_from_distance, squared_distances

FAST = dict(max_epochs=8, last_layer_epochs=5, verbose=0, random_state=0)


@pytest.fixture(scope="module")
def digits():
    from interpretable_nn.datasets import load_dataset

    ds = load_dataset("digits")
    return ds.X[:400], ds.y[:400], ds.X[400:500], ds.y[400:500]


@pytest.fixture(scope="module")
def tab_model(request):
    credit = request.getfixturevalue("small_credit")
    X, y, _, _ = credit
    return PrototypeClassifier(prototypes_per_class=4, **FAST).fit(X, y)


@pytest.fixture(scope="module")
def img_model(digits):
    X, y, _, _ = digits
    return PrototypeClassifier(prototypes_per_class=2, cnn_channels=(8, 16), latent_dim=8, **FAST).fit(X, y)


def _same_cell(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


# ---------------------------------------------------------------- prototypes are real cases
def test_tabular_prototypes_equal_training_rows(tab_model, small_credit):
    X, y, _, _ = small_credit
    P = tab_model.prototypes_
    assert len(P) == 8 and list(P.columns[:3]) == ["prototype_class", "train_index", "train_position"]
    for _, proto in P.iterrows():
        row = X.loc[proto["train_index"]]
        assert all(_same_cell(proto[f], row[f]) for f in X.columns), proto
        assert X.index.get_loc(proto["train_index"]) == proto["train_position"]
        assert y[proto["train_position"]] == proto["prototype_class"]
    assert P["train_position"].is_unique  # projection assigns distinct cases
    # the per-class allocation is respected
    assert P["prototype_class"].value_counts().to_dict() == {0: 4, 1: 4}


def test_prototype_vectors_are_the_encodings_of_their_rows(tab_model, small_credit):
    X, _, _, _ = small_credit
    rows = X.iloc[tab_model.prototypes_["train_position"].to_numpy()]
    x, _ = tab_model._inputs(rows)
    with torch.no_grad():
        z = tab_model.module_.encode(x)[:, 0]
    torch.testing.assert_close(z, tab_model.module_.prototypes.detach(), rtol=0, atol=1e-6)
    # so each prototype's own row is (almost) maximally similar to it
    sim = tab_model.similarities(rows)
    assert np.all(np.argmax(sim, axis=1) == np.arange(len(rows)))


def test_image_prototypes_equal_training_images(img_model, digits):
    X, y, _, _ = digits
    info = img_model.prototype_info_
    assert img_model.prototypes_.shape == (20, 8, 8)
    np.testing.assert_array_equal(img_model.prototypes_, X[info["train_position"].to_numpy()])
    np.testing.assert_array_equal(y[info["train_position"].to_numpy()], info["prototype_class"].to_numpy())
    h, w = img_model.module_.encoder.grid_shape
    assert info["patch_row"].between(0, h - 1).all() and info["patch_col"].between(0, w - 1).all()


def test_projection_report(tab_model, small_credit):
    _, _, Xte, yte = small_credit
    rep = tab_model.projection_report_
    for key in ("accuracy_before", "accuracy_projected", "accuracy_after", "auc_before", "auc_after"):
        assert 0.0 <= rep[key] <= 1.0, key
    assert rep["accuracy_drop"] == pytest.approx(rep["accuracy_before"] - rep["accuracy_after"])
    held = tab_model.projection_report(Xte, yte)
    assert held["n_rows"] == len(yte)
    # "after" is the fitted model itself
    pred = tab_model.predict(Xte)
    assert held["accuracy_after"] == pytest.approx(np.mean(pred == yte))
    # "before" is a different model (the learned prototypes), kept in the module
    assert not torch.equal(tab_model.module_.unprojected_prototypes, tab_model.module_.prototypes)


def test_zero_weight_rows_are_never_prototypes(small_credit):
    """Rows of sample_weight 0 (rows the user excluded) were projection candidates: 2 of 6
    prototypes were such rows, and the projection report counted them too."""
    X, y, _, _ = small_credit
    w = np.where(np.arange(len(y)) % 2 == 0, 0.0, 1.0)  # every other row excluded
    m = PrototypeClassifier(prototypes_per_class=4, **FAST).fit(X, y, sample_weight=w)
    pos = m.prototypes_["train_position"].to_numpy()
    assert len(pos) == 8 and np.all(w[pos] > 0), w[pos]
    assert (m.prototypes_["train_index"].to_numpy() == X.index[pos]).all()  # positions mapped back
    np.testing.assert_array_equal(y[pos], m.prototypes_["prototype_class"].to_numpy())
    assert m.projection_report_["n_rows"] == int((w > 0).sum())
    # a class whose every row is excluded has no case to show
    y3 = y.copy()
    y3[:2] = 2
    w3 = np.where(y3 == 2, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"Class\(es\) \[2\] have no row of positive sample_weight"):
        PrototypeClassifier(prototypes_per_class=2, **FAST).fit(X, y3, sample_weight=w3)


def test_a_class_gets_no_more_prototypes_than_its_rows(small_credit):
    """A class of 2 rows asked for 5 prototypes got 5 on 2 rows, silently; now it gets 2 (1
    when one of its rows weighs 0) and a warning names the class and both counts."""
    X, y, _, _ = small_credit
    y3 = y.copy()
    y3[:2] = 2
    fast = {**FAST, "max_epochs": 2, "last_layer_epochs": 1}
    with pytest.warns(UserWarning, match=r"Class 2 gets 2 prototype\(s\), not the 5 asked: it has 2 training"):
        m = PrototypeClassifier(prototypes_per_class=5, **fast).fit(X, y3)
    assert m.prototypes_["prototype_class"].value_counts().to_dict() == {0: 5, 1: 5, 2: 2}
    assert m.n_prototypes_ == 12 and m.prototypes_["train_position"].is_unique
    assert set(m.prototypes_.loc[m.prototypes_["prototype_class"] == 2, "train_position"]) == {0, 1}
    w = np.ones(len(y3))
    w[0] = 0.0
    with pytest.warns(UserWarning, match=r"Class 2 gets 1 prototype\(s\), not the 2 asked"):
        m = PrototypeClassifier(n_prototypes=6, **fast).fit(X, y3, sample_weight=w)
    info = m.prototype_info_
    assert info.loc[info["prototype_class"] == 2, "train_position"].tolist() == [1]


def test_prototype_table_gives_rows_back_in_their_training_types(small_credit, tmp_path):
    """Dates came back as float days since 1970 and int columns as float, though
    ``prototypes_`` is documented as the training rows."""
    X, y, _, _ = small_credit
    X = X.assign(
        applied=pd.Timestamp("2020-01-01 08:30") + pd.to_timedelta(np.arange(len(X)), unit="D"),
        wait=pd.to_timedelta(np.arange(len(X)) * 37, unit="min"),
        count=np.arange(len(X), dtype=np.int32) % 7,
        maybe=pd.array([None if i % 5 == 0 else i for i in range(len(X))], dtype="Int64"),
    )
    X.loc[X.index[::3], "applied"] = pd.NaT
    m = PrototypeClassifier(prototypes_per_class=3, **{**FAST, "max_epochs": 2, "last_layer_epochs": 1}).fit(X, y)
    P = m.prototypes_
    assert str(P["applied"].dtype) == "datetime64[us]" and str(P["wait"].dtype) == "timedelta64[us]"
    assert P["count"].dtype == np.int32 and str(P["maybe"].dtype) == "Int64"
    for _, proto in P.iterrows():
        row = X.loc[proto["train_index"]]
        assert all(_same_cell(proto[f], row[f]) for f in X.columns), proto
    np.testing.assert_array_equal(m.predict(P[X.columns]), m.predict(X.loc[P["train_index"]]))
    m.save(tmp_path / "m")
    pd.testing.assert_frame_equal(inn.load_model(tmp_path / "m").prototypes_, P)


# ---------------------------------------------------------------- explanations
def test_explain_is_complete_and_shaped(tab_model, small_credit):
    _, _, Xte, _ = small_credit
    e = tab_model.explain(Xte.iloc[:30])
    assert isinstance(e, inn.Explanation)
    assert e.values.shape == (30, Xte.shape[1]) and e.feature_names == list(Xte.columns)
    gap = e.check_additivity(tab_model.decision_function(Xte.iloc[:30]))
    assert gap == pytest.approx(e.check["completeness_gap"], abs=1e-6)
    spread = np.ptp(tab_model.decision_function(Xte))
    assert e.check["completeness_gap"] < 0.05 * spread
    # two classes: the log-odds of classes_[1]; class_index=0 or 99 was accepted and ignored
    np.testing.assert_allclose(tab_model.explain(Xte.iloc[:5], class_index=1).values, e.values[:5], atol=1e-8)
    for bad in (0, 99, "1"):
        with pytest.raises(ValueError, match="with two classes the explanation is the log-odds"):
            tab_model.explain(Xte.iloc[:5], class_index=bad)


def test_explain_images_per_pixel(img_model, digits):
    _, _, Xte, _ = digits
    e = img_model.explain(Xte[:6])
    assert e.values.shape == (6, 64) and e.feature_names[:2] == ["px_0_0", "px_0_1"]
    logits = img_model.decision_function(Xte[:6])
    explained = logits[np.arange(6), logits.argmax(axis=1)]  # default: the predicted class
    assert e.check_additivity(explained) == pytest.approx(e.check["completeness_gap"], abs=1e-6)
    e3 = img_model.explain(Xte[:6], class_index=3)
    assert e3.check_additivity(logits[:, 3]) == pytest.approx(e3.check["completeness_gap"], abs=1e-6)


@pytest.mark.parametrize("which", ["tab", "img"])
def test_explain_prototypes_sums_to_the_decision(which, tab_model, img_model, small_credit, digits):
    model, X = (tab_model, small_credit[2].iloc[:5]) if which == "tab" else (img_model, digits[2][:5])
    n_p = len(model.prototype_class_)
    top = model.explain_prototypes(X, k=3)
    assert len(top) == 15 and top["rank"].tolist() == [1, 2, 3] * 5
    assert (top.groupby("row")["similarity"].apply(lambda s: s.is_monotonic_decreasing)).all()
    full = model.explain_prototypes(X, k=n_p)
    total = full.groupby("row")["contribution"].sum() + full.groupby("row")["intercept"].first()
    d = model.decision_function(X)
    expected = d if d.ndim == 1 else d[np.arange(len(d)), d.argmax(axis=1)]
    np.testing.assert_allclose(total.to_numpy(), expected, rtol=1e-5, atol=1e-5)


def test_explain_prototypes_names_rows_by_the_frames_index(tab_model, small_credit):
    """``row`` is a position; ``index`` is the row's label, so a user who looks a case up by
    its id (a shuffled or filtered frame) finds the case that was explained."""
    X = small_credit[2].iloc[[4, 1, 3]]
    X = X.set_axis(pd.Index([101, "b", 7], dtype=object))
    top = tab_model.explain_prototypes(X, k=2)
    assert top["row"].tolist() == [0, 0, 1, 1, 2, 2]
    assert top["index"].tolist() == [101, 101, "b", "b", 7, 7]
    for label, rows in top.groupby("index", sort=False):
        one = tab_model.explain_prototypes(X.loc[[label]], k=2)
        np.testing.assert_allclose(one["similarity"].to_numpy(), rows["similarity"].to_numpy(), rtol=1e-6)
    assert tab_model.explain_prototypes(X.to_numpy(), k=1)["index"].tolist() == [0, 1, 2]


def test_similarity_maps_and_plots(img_model, tab_model, digits, small_credit):
    import matplotlib.pyplot as plt

    maps = img_model.similarity_maps(digits[2][:3])
    assert maps.shape == (3, 20, 8, 8)
    # the pooled similarity is the largest patch similarity (before upsampling)
    raw = img_model.module_.similarity_maps(img_model._inputs(digits[2][:3])[0]).detach().numpy()
    np.testing.assert_allclose(raw.max(axis=(2, 3)), img_model.similarities(digits[2][:3]), rtol=1e-5)
    fig = img_model.plot_prototypes(digits[2][:1])
    assert len([a for a in fig.axes if a.images]) == 40
    fig2 = tab_model.plot_prototypes(small_credit[2].iloc[:1])
    assert fig2.axes and fig2.axes[0].tables
    plt.close("all")
    with pytest.raises(ValueError, match="one image"):
        img_model.plot_prototypes(digits[2][:2])


def test_similarity_functions():
    d = torch.tensor([0.0, 1.0, 4.0])
    torch.testing.assert_close(similarity_from_distance(d, "log"), torch.log((d + 1) / (d + 1e-4)))
    torch.testing.assert_close(similarity_from_distance(d, "exp"), torch.exp(-d))
    z = torch.rand(5, 3, 4)
    p = torch.rand(2, 4)
    brute = ((z[:, :, None, :] - p[None, None]) ** 2).sum(-1)
    torch.testing.assert_close(squared_distances(z, p), brute, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------- variants
def test_mlp_encoder_on_images_and_exp_similarity(digits):
    X, y, Xte, _ = digits
    m = PrototypeClassifier(encoder="mlp", similarity="exp", n_prototypes=13, **FAST).fit(X, y)
    assert m.prototypes_.shape == (13, 8, 8) and m.predict(Xte).shape == (100,)
    expected = np.ones(10, dtype=int)
    expected[np.argsort(-np.bincount(y), kind="stable")[:3]] += 1  # remainder to the largest classes
    np.testing.assert_array_equal(np.bincount(m.prototype_class_), expected)
    with pytest.raises(ValueError, match="CNN encoder"):
        m.similarity_maps(Xte[:2])


def test_auto_settings_follow_the_encoder(tab_model, img_model):
    assert tab_model.settings_ == {"similarity": "exp", "separation_coef": 0.0, "lr": 1e-3}
    assert img_model.settings_ == {"similarity": "log", "separation_coef": 0.08, "lr": 3e-3}
    assert img_model.module_.similarity == "log" and tab_model.module_.similarity == "exp"
    m = PrototypeClassifier(similarity="log", separation_coef=0.5, lr=0.01, encoder="mlp")
    m.input_kind_ = "tabular"
    assert m.settings_ == {"similarity": "log", "separation_coef": 0.5, "lr": 0.01}


def test_tied_tuning_keeps_prototypes_real(small_credit):
    X, y, _, _ = small_credit
    m = PrototypeClassifier(prototypes_per_class=3, tied_epochs=4, **FAST).fit(X, y)
    assert set(m.history_["phase"]) == {"joint", "tied", "last_layer"}
    rows = X.iloc[m.prototypes_["train_position"].to_numpy()]
    with torch.no_grad():
        z = m.module_.encode(m._inputs(rows)[0])[:, 0]
    torch.testing.assert_close(z, m.module_.prototypes.detach(), rtol=0, atol=1e-6)
    assert m.module_.tied_inputs is None


def test_channels_last_images():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255, size=(60, 6, 6, 3)).astype(np.uint8)
    y = (X[:, :3, :, 0].mean(axis=(1, 2)) > X[:, 3:, :, 0].mean(axis=(1, 2))).astype(int)
    m = PrototypeClassifier(prototypes_per_class=2, cnn_channels=(4,), latent_dim=4, **FAST).fit(X, y)
    assert m.image_shape_ == (6, 6, 3) and m.prototypes_.dtype == np.uint8
    assert m.explain(X[:2]).values.shape == (2, 36)
    with pytest.raises(ValueError, match=r"\(n_images, 6, 6, 3\)"):
        m.predict(X[:, :, :, :2])


# ---------------------------------------------------------------- contract
def test_save_load_round_trip(tab_model, img_model, small_credit, digits, tmp_path):
    for name, model, X in (("t", tab_model, small_credit[2]), ("i", img_model, digits[2])):
        model.save(tmp_path / name)
        loaded = inn.load_model(tmp_path / name)
        assert isinstance(loaded, PrototypeClassifier)
        np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
        assert loaded.projection_report_ == model.projection_report_
        pd.testing.assert_frame_equal(loaded.prototype_info_, model.prototype_info_, check_dtype=False)
        if name == "t":
            pd.testing.assert_frame_equal(loaded.prototypes_, model.prototypes_)
        else:
            np.testing.assert_array_equal(loaded.prototypes_, model.prototypes_)
        np.testing.assert_allclose(loaded.projection_report(X, model.predict(X))["accuracy_before"],
                                   model.projection_report(X, model.predict(X))["accuracy_before"])
        np.testing.assert_array_equal(loaded.explain(X[:3]).values, model.explain(X[:3]).values)


def test_seed_gives_the_same_model(small_credit):
    X, y, Xte, _ = small_credit
    a = PrototypeClassifier(prototypes_per_class=2, **FAST).fit(X, y)
    b = PrototypeClassifier(prototypes_per_class=2, **FAST).fit(X, y)
    np.testing.assert_array_equal(a.decision_function(Xte), b.decision_function(Xte))
    pd.testing.assert_frame_equal(a.prototypes_, b.prototypes_)
    c = PrototypeClassifier(prototypes_per_class=2, **{**FAST, "random_state": 1}).fit(X, y)
    assert not np.array_equal(a.decision_function(Xte), c.decision_function(Xte))
    assert clone(a).get_params() == a.get_params()


def test_bad_input(tab_model, img_model, digits, small_credit):
    Xi = digits[0]
    # images given to a tabular model, rows to an image model
    with pytest.raises(ValueError, match="tabular rows"):
        tab_model.predict(Xi[:3])
    with pytest.raises(ValueError, match=r"\(n_images, 8, 8\)"):
        img_model.predict(small_credit[2])
    # wrong image shape / one image without the batch axis / NaN pixels
    with pytest.raises(ValueError, match=r"fitted on images of shape \(8, 8\)"):
        img_model.predict(np.zeros((2, 7, 8)))
    with pytest.raises(ValueError, match="add the batch axis"):
        img_model.predict(Xi[0])
    bad = Xi[:3].copy()
    bad[1, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN/inf"):
        img_model.predict(bad)
    with pytest.raises(ValueError, match="NaN/inf"):
        PrototypeClassifier(**FAST).fit(bad, [0, 1, 0])
    with pytest.raises(TypeError, match="numeric"):
        img_model.predict(np.full((1, 8, 8), "a"))
    # parameters
    X, y, _, _ = small_credit
    with pytest.raises(ValueError, match="encoder='cnn' needs an image array"):
        PrototypeClassifier(encoder="cnn", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="not both"):
        PrototypeClassifier(n_prototypes=4, prototypes_per_class=2, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="n_prototypes >= 10"):
        PrototypeClassifier(n_prototypes=5, **FAST).fit(Xi, digits[1])
    with pytest.raises(ValueError, match="similarity"):
        PrototypeClassifier(similarity="cosine", **FAST).fit(X, y)
    with pytest.raises(ValueError, match="hidden_sizes"):
        PrototypeClassifier(hidden_sizes=(0,), **FAST).fit(X, y)
    with pytest.raises(ValueError, match="k must be"):
        tab_model.explain_prototypes(X.iloc[:2], k=0)
    # tabular predict-time checks come from the foundation
    with pytest.raises(ValueError, match="missing column"):
        tab_model.predict(X.drop(columns=["Income"]))
    # a failed fit leaves nothing half-fitted
    m = PrototypeClassifier(**FAST)
    with pytest.raises(ValueError):
        m.fit(bad, [0, 1, 0])
    assert not hasattr(m, "module_")


def test_registry():
    m = inn.make_model("prototype", prototypes_per_class=2)
    assert isinstance(m, PrototypeClassifier) and m.prototypes_per_class == 2


# ---------------------------------------------------------------- goals (heavy: -m slow)
@pytest.mark.slow
def test_goals_on_digits_and_credit():
    """The issue's goals on the first fold of the benchmark's 5-fold split (defaults only)."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from interpretable_nn.datasets import load_dataset

    def first_fold(y):
        return next(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y))

    ds = load_dataset("digits")
    tr, te = first_fold(ds.y)
    m = PrototypeClassifier(verbose=0).fit(ds.X[tr], ds.y[tr])
    assert m.n_prototypes_ <= 30
    assert np.mean(m.predict(ds.X[te]) == ds.y[te]) >= 0.97
    assert m.projection_report(ds.X[te], ds.y[te])["accuracy_drop"] <= 0.005

    ds = load_dataset("credit_data")
    tr, te = first_fold(ds.y)
    Xtr, Xte = ds.X.iloc[tr], ds.X.iloc[te]
    p = PrototypeClassifier(verbose=0).fit(Xtr, ds.y[tr])
    b = inn.MLPClassifier(verbose=0).fit(Xtr, ds.y[tr])
    assert p.n_prototypes_ <= 20
    auc_p = roc_auc_score(ds.y[te], p.decision_function(Xte))
    assert auc_p >= roc_auc_score(ds.y[te], b.decision_function(Xte)) - 0.01


def test_image_encoder_round_trip_and_checks():
    from interpretable_nn.data.images import ImageEncoder, as_image_array, is_image_batch

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255, size=(10, 4, 5, 3))
    enc = ImageEncoder().fit(X)
    assert enc.image_shape_ == (4, 5, 3) and enc.n_features_ == 60 and len(enc.feature_names()) == 20
    Z = enc.transform(X)
    assert Z.shape == (10, 3, 4, 5) and Z.dtype == np.float32 and Z.flags["C_CONTIGUOUS"]
    np.testing.assert_allclose(Z.mean(axis=(0, 2, 3)), 0.0, atol=1e-5)
    again = ImageEncoder.from_dict(enc.to_dict())
    np.testing.assert_array_equal(again.transform(X), Z)
    with pytest.raises(ValueError, match=r"pass an array of shape \(n_images, 4, 5, 3\)"):
        enc.transform(X[:, :3])
    with pytest.raises(ValueError, match=r"add the batch axis"):
        enc.check(X[0])
    with pytest.raises(TypeError, match="numeric pixel values"):
        as_image_array(np.array([[["a"]]]))
    assert is_image_batch(X) and not is_image_batch(pd.DataFrame({"a": [1]}))


def test_pixels_on_another_scale_warn_at_predict(img_model, digits):
    """Images on 0-255 given to a model fitted on 0-16 digits, fractions (0-1 or -1..1), or
    one such image in a batch were scored without a word; the model's own scale, one image,
    one bright pixel and a blank batch stay silent, and a batch read in chunks warns once."""
    import warnings

    from interpretable_nn.models.chunking import chunk_rows

    _, _, Xt, _ = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        img_model.predict(Xt)
        img_model.predict(Xt[:1])
        img_model.predict(np.zeros_like(Xt[:3]))
        img_model.predict(np.where(np.arange(64).reshape(1, 8, 8) == 10, 1.0, 0.0))
    with pytest.warns(UserWarning, match=r"X's pixels lie far outside the training images' \(channel 0: 0 to 16\): "
                                         r"0-255 against 0-1, or the other way"):
        img_model.predict(np.concatenate([Xt[:-1], Xt[-1:] * 16.0]))
    for fractions in (Xt / 16.0, Xt / 8.0 - 1):
        with pytest.warns(UserWarning, match=r"lie within \[-1, 1\], a 0-1 or -1..1 scale, unlike the training"):
            img_model.predict_proba(fractions)
    with warnings.catch_warnings(record=True) as seen, chunk_rows(7):
        warnings.simplefilter("default")
        img_model.predict(Xt * 16.0)
    assert len(seen) == 1


def test_fit_info_and_phases_come_from_the_one_template(small_credit):
    X, y, _, _ = small_credit
    m = PrototypeClassifier(prototypes_per_class=2, **FAST).fit(X, y)
    assert {"device", "fit_time", "n_epochs", "best_epoch", "stopped_early", "best_val_loss",
            "n_prototypes"} <= set(m.fit_info_)
    assert m.fit_info_["n_prototypes"] == 4
    assert list(pd.unique(m.history_["phase"])) == ["joint", "last_layer"]
    assert not [k for k in vars(m) if k.startswith("_") and not k.startswith("__")]


def test_prototype_ids_beyond_2_53_stay_float_not_a_wrong_int():
    """The model reads an id of 2**53 + 1 as 2**53: typed back as int64 it claimed a value the
    training row does not hold."""
    import warnings

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"acct": np.int64(2**53) + 1 + 2 * np.arange(20, dtype=np.int64), "x": rng.normal(size=20),
                      "small": np.arange(20, dtype=np.int64)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fit's own warning about the ids
        m = PrototypeClassifier(prototypes_per_class=2, max_epochs=2, last_layer_epochs=1, verbose=0,
                                random_state=0).fit(X, (X["x"] > 0).astype(int))
    assert m.prototypes_["acct"].dtype == np.float64 and m.prototypes_["small"].dtype == np.int64

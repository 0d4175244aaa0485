import json
import os

import numpy as np
import pytest

import interpretable_nn as inn
from interpretable_nn.persistence import FORMAT_VERSION, ModelFileError


@pytest.fixture(scope="module")
def model_and_data(small_credit):
    X, y, Xte, _ = small_credit
    m = inn.MLPClassifier(max_epochs=5, verbose=0, random_state=0).fit(X, y)
    return m, Xte


def test_roundtrip_identical_predictions(model_and_data, tmp_path):
    m, Xte = model_and_data
    m.save(tmp_path / "m")
    m2 = inn.load_model(tmp_path / "m")
    assert type(m2) is type(m)
    np.testing.assert_array_equal(m.predict_proba(Xte), m2.predict_proba(Xte))
    assert m2.get_params() == m.get_params()  # tuples come back as tuples
    assert m2.feature_names_ == m.feature_names_
    assert (m2.classes_ == m.classes_).all()
    assert set(os.listdir(tmp_path / "m")) == {"model.json", "tensors.safetensors", "manifest.json"}


def test_regressor_roundtrip(tmp_path):
    from interpretable_nn.datasets import make_additive

    d = make_additive(n_samples=200, task="regression")
    m = inn.MLPRegressor(max_epochs=3, verbose=0).fit(d.X, d.y)
    m.save(tmp_path)
    np.testing.assert_array_equal(inn.load_model(tmp_path).predict(d.X), m.predict(d.X))


def test_no_pickle_anywhere_in_the_files(model_and_data, tmp_path):
    m, _ = model_and_data
    m.save(tmp_path)
    for name in os.listdir(tmp_path):
        data = (tmp_path / name).read_bytes()
        assert b"\x80\x04\x95" not in data and b"\x80\x05\x95" not in data  # pickle protocol 4/5 headers
    json.loads((tmp_path / "model.json").read_text())


def _flip_byte(path, offset_from_end=10):
    data = bytearray(path.read_bytes())
    data[-offset_from_end] ^= 0x01
    path.write_bytes(bytes(data))


def test_flipped_byte_in_tensors_is_refused(model_and_data, tmp_path):
    m, _ = model_and_data
    m.save(tmp_path)
    _flip_byte(tmp_path / "tensors.safetensors")
    with pytest.raises(ModelFileError, match="Checksum mismatch for tensors.safetensors"):
        inn.load_model(tmp_path)


def test_edited_json_is_refused(model_and_data, tmp_path):
    m, _ = model_and_data
    m.save(tmp_path)
    p = tmp_path / "model.json"
    p.write_text(p.read_text().replace('"dropout": 0.1', '"dropout": 0.5'))
    with pytest.raises(ModelFileError, match="Checksum mismatch for model.json"):
        inn.load_model(tmp_path)


def test_newer_format_is_refused_with_upgrade_hint(model_and_data, tmp_path):
    m, _ = model_and_data
    m.save(tmp_path)
    p = tmp_path / "manifest.json"
    man = json.loads(p.read_text())
    man["format_version"] = FORMAT_VERSION + 1
    p.write_text(json.dumps(man))
    with pytest.raises(ModelFileError, match="newer interpretable_nn.*pip install -U"):
        inn.load_model(tmp_path)


def test_path_traversal_in_manifest_is_refused(model_and_data, tmp_path):
    m, _ = model_and_data
    m.save(tmp_path / "m")
    p = tmp_path / "m" / "manifest.json"
    man = json.loads(p.read_text())
    man["files"]["../model.json"] = man["files"].pop("model.json")
    p.write_text(json.dumps(man))
    with pytest.raises(ModelFileError):
        inn.load_model(tmp_path / "m")


def test_unknown_class_is_refused(model_and_data, tmp_path):
    import hashlib

    m, _ = model_and_data
    m.save(tmp_path)
    p = tmp_path / "model.json"
    doc = json.loads(p.read_text())
    doc["class"] = "os.system"
    p.write_text(json.dumps(doc))
    man = json.loads((tmp_path / "manifest.json").read_text())
    man["files"]["model.json"] = hashlib.sha256(p.read_bytes()).hexdigest()
    (tmp_path / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(ModelFileError, match="unknown model class 'os.system'"):
        inn.load_model(tmp_path)


def test_missing_files_and_not_a_directory(tmp_path):
    with pytest.raises(ModelFileError, match="not a directory"):
        inn.load_model(tmp_path / "nothing")
    with pytest.raises(ModelFileError, match="manifest.json is missing"):
        inn.load_model(tmp_path)


def test_unfitted_model_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        inn.MLPClassifier().save(tmp_path)


# ---------------------------------------------------------------- hostile model directories
def _rehash(path):
    """Recompute the manifest as an attacker who controls every file of the directory would."""
    import hashlib

    man = json.loads((path / "manifest.json").read_text())
    man["files"] = {name: hashlib.sha256((path / name).read_bytes()).hexdigest() for name in man["files"]}
    (path / "manifest.json").write_text(json.dumps(man))


class _Boom:
    def __reduce__(self):
        return (os.mkdir, (os.environ["INN_PICKLE_MARKER"],))


def test_pickle_payload_with_valid_checksum_is_never_unpickled(model_and_data, tmp_path, monkeypatch):
    import pickle

    m, _ = model_and_data
    marker = tmp_path / "pwned"
    monkeypatch.setenv("INN_PICKLE_MARKER", str(marker))
    d = tmp_path / "m"
    m.save(d)
    (d / "tensors.safetensors").write_bytes(pickle.dumps(_Boom()))
    _rehash(d)
    with pytest.raises(ModelFileError, match="tensors.safetensors could not be read"):
        inn.load_model(d)
    assert not marker.exists(), "load_model executed a pickle payload"
    torch_file = d / "model.pt"  # a pickle beside the real files is ignored, never opened
    torch_file.write_bytes(pickle.dumps(_Boom()))
    m.save(d)
    inn.load_model(d)
    assert not marker.exists()


def test_symlink_leaving_the_directory_is_refused(model_and_data, tmp_path):
    m, _ = model_and_data
    m.save(tmp_path / "m")
    outside = tmp_path / "outside.json"
    outside.write_text((tmp_path / "m" / "model.json").read_text())
    (tmp_path / "m" / "model.json").unlink()
    (tmp_path / "m" / "model.json").symlink_to(outside)
    with pytest.raises(ModelFileError, match="'model.json' in .* is a symbolic link, which may lead outside the model directory"):
        inn.load_model(tmp_path / "m")


@pytest.mark.parametrize("name", ["../model.json", "/etc/passwd", "sub/model.json", ".."])
def test_manifest_names_outside_the_directory_are_refused(model_and_data, tmp_path, name):
    m, _ = model_and_data
    m.save(tmp_path / "m")
    p = tmp_path / "m" / "manifest.json"
    man = json.loads(p.read_text())
    man["files"][name] = man["files"].pop("model.json")
    p.write_text(json.dumps(man))
    with pytest.raises(ModelFileError, match="manifest.json must list exactly"):
        inn.load_model(tmp_path / "m")


def test_newer_format_inside_model_json_is_refused(model_and_data, tmp_path):
    m, _ = model_and_data
    m.save(tmp_path)
    p = tmp_path / "model.json"
    doc = json.loads(p.read_text())
    doc["format_version"] = FORMAT_VERSION + 7
    p.write_text(json.dumps(doc))
    _rehash(tmp_path)
    with pytest.raises(ModelFileError, match=f"format version {FORMAT_VERSION + 7} by a newer interpretable_nn"):
        inn.load_model(tmp_path)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda d: {**d, "format_version": True}, "no valid format_version"),
        (lambda d: {**d, "format_version": "1"}, "no valid format_version"),
        (lambda d: {**d, "params": {**d["params"], "evil": 1}}, "not describe a valid MLPClassifier.*unexpected keyword"),
        (lambda d: {**d, "state": {}}, "not describe a valid MLPClassifier.*KeyError"),
        (lambda d: {**d, "params": ["not", "a", "dict"]}, "params must be an object"),
    ],
    ids=["bool version", "string version", "unknown parameter", "empty state", "params not a dict"],
)
def test_malformed_model_json_with_valid_checksum_is_refused(model_and_data, tmp_path, edit, match):
    m, _ = model_and_data
    m.save(tmp_path)
    p = tmp_path / "model.json"
    p.write_text(json.dumps(edit(json.loads(p.read_text()))))
    _rehash(tmp_path)
    with pytest.raises(ModelFileError, match=match):
        inn.load_model(tmp_path)


@pytest.mark.parametrize(
    "text, match",
    [('{"a": NaN}', "non-standard JSON constant NaN"), ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
     ("[1, 2]", "must hold a JSON object"), ("\xff\xfe", "not valid JSON")],
    ids=["NaN constant", "deep nesting", "not an object", "not UTF-8"],
)
def test_hostile_json_text_is_refused(model_and_data, tmp_path, text, match):
    m, _ = model_and_data
    m.save(tmp_path)
    (tmp_path / "model.json").write_bytes(text.encode("latin-1") if text.startswith("\xff") else text.encode())
    _rehash(tmp_path)
    with pytest.raises(ModelFileError, match=match):
        inn.load_model(tmp_path)


def test_truncated_or_mismatched_tensors_are_refused(model_and_data, tmp_path):
    from safetensors.torch import save_file

    m, _ = model_and_data
    m.save(tmp_path)
    t = tmp_path / "tensors.safetensors"
    t.write_bytes(t.read_bytes()[:50])
    _rehash(tmp_path)
    with pytest.raises(ModelFileError, match="tensors.safetensors could not be read"):
        inn.load_model(tmp_path)
    import torch

    save_file({"module.nope": torch.zeros(2)}, str(t))
    _rehash(tmp_path)
    with pytest.raises(ModelFileError, match="saved tensors do not match MLPClassifier"):
        inn.load_model(tmp_path)


def _small():
    import pandas as pd

    from interpretable_nn.datasets import load_dataset

    ds = load_dataset("credit_data")
    return ds.X.iloc[:500].reset_index(drop=True), np.asarray(ds.y[:500]), pd


def test_typed_dict_parameters_survive_save_and_refit(tmp_path):
    """class_weight={0: 1.0, 1: 3.0} came back as {'0': 1.0, '1': 3.0} (JSON keys are str), and
    refitting the loaded model failed ("class_weight key '0' is not a label of y")."""
    from sklearn.base import clone

    X, y, _ = _small()
    m = inn.NAMClassifier(class_weight={0: 1.0, 1: 3.0}, n_bags=2, interactions=0, max_epochs=5,
                          random_state=0, verbose=0).fit(X, y)
    m.save(tmp_path / "m")
    loaded = inn.load_model(tmp_path / "m")
    assert loaded.class_weight == {0: 1.0, 1: 3.0}
    assert np.array_equal(clone(loaded).fit(X, y).predict_proba(X), m.predict_proba(X))


@pytest.mark.parametrize("name, text", [("manifest.json", '{"name": "my web app"}'), ("model.json", '{"mine": 1}')])
def test_save_refuses_to_replace_files_that_are_not_a_models(tmp_path, name, text):
    """save('.') in a project folder replaced its own manifest.json and model.json silently."""
    X, y, _ = _small()
    m = inn.MLPClassifier(max_epochs=2, verbose=0, random_state=0).fit(X, y)
    (tmp_path / name).write_text(text)
    with pytest.raises(ValueError, match="refusing to replace"):
        m.save(tmp_path)
    assert (tmp_path / name).read_text() == text
    m.save(tmp_path / "fresh")
    m.save(tmp_path / "fresh")  # its own model: replaced, as always


def test_model_arguments_a_user_passes_by_habit(tmp_path):
    """random_state=np.random.RandomState(0) passed validation and crashed in torch's seeding;
    categorical=/monotone= keys 0 and 3 did not name the columns 0 and 3 ('not in X' while the
    message listed them); an all-but-one-class weight divided by zero in the level prior."""
    X, y, _ = _small()
    with pytest.raises(ValueError, match="random_state"):
        inn.NAMClassifier(random_state=np.random.RandomState(0)).fit(X, y)
    Xi = X.set_axis(range(X.shape[1]), axis=1)
    m = inn.NAMClassifier(monotone={2: 1}, categorical=[0], n_bags=2, interactions=0, max_epochs=5,
                          random_state=0, verbose=0).fit(Xi, y)
    assert not m.encoder_.schema_["0"].is_numeric
    with pytest.raises(ValueError, match="positive on rows of one class only"):  # 1e-200 is 0 to float32
        inn.NAMClassifier(n_bags=2, interactions=0, max_epochs=5, random_state=0, verbose=0).fit(
            X, y, sample_weight=np.where(y == 0, 1.0, 1e-200))
    w = np.where(y == 0, 1.0, 1e-30)  # tiny, yet a weight float32 holds: the level prior must not divide by 0
    p = inn.NAMClassifier(n_bags=2, interactions=0, max_epochs=5, random_state=0, verbose=0).fit(
        X, y, sample_weight=w).predict_proba(X)
    assert np.isfinite(p).all()

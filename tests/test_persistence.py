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
    assert m2.get_params() == {**m.get_params(), "hidden_sizes": list(m.hidden_sizes)}
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

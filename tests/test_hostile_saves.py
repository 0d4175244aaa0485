"""Saving and loading as a careless or hostile user would (issue 18): symbolic links planted in
the target directory, saves interrupted at every step, empty paths, deliberate edits that
recompute the checksums (with and without a signing key), state that checksums cannot judge
(non-finite tensors, repeated classes or levels, shapes that disagree), and one permission
mode for every saved file (issue 21)."""

from __future__ import annotations

import hashlib
import json
import os
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file

import interpretable_nn as inn
from interpretable_nn.persistence import (
    ModelFileError,
    UnverifiedModelWarning,
    check_save_path,
    write_file_atomic,
)
from interpretable_nn.persistence import files as persistence_files

FILES = {"model.json", "tensors.safetensors", "manifest.json"}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=160), "home": rng.choice(["rent", "own", "free"], 160),
                      "b": rng.normal(size=160)})
    y = ((X["a"] + (X["home"] == "own")) > 0.2).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def two_models(data):
    X, y = data
    a = inn.MLPClassifier(max_epochs=2, verbose=0, random_state=0).fit(X, y)
    b = inn.MLPClassifier(max_epochs=2, verbose=0, random_state=1, hidden_sizes=(8,)).fit(X, y)
    assert not np.allclose(a.predict_proba(X), b.predict_proba(X))
    return a, b


def _same(m, loaded, X):
    np.testing.assert_array_equal(m.predict_proba(X), loaded.predict_proba(X))


def _rehash(d):
    """Recompute the manifest's checksums as an attacker who controls every file would."""
    man = json.loads((d / "manifest.json").read_text())
    man["files"] = {n: hashlib.sha256((d / n).read_bytes()).hexdigest() for n in man["files"]}
    (d / "manifest.json").write_text(json.dumps(man))


def _edit_model_json(d, edit):
    p = d / "model.json"
    doc = json.loads(p.read_text())
    edit(doc)
    p.write_text(json.dumps(doc).replace('"__INF__"', "1e999"))  # JSON text that parses to inf
    _rehash(d)


# ---------------------------------------------------------------- confinement
@pytest.mark.parametrize("name", sorted(FILES))
def test_save_replaces_a_planted_symlink_and_never_writes_through_it(two_models, data, tmp_path, name):
    a, _ = two_models
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    d = tmp_path / "m"
    d.mkdir()
    (d / name).symlink_to(victim)
    a.save(d)
    assert victim.read_text() == "precious"
    assert not (d / name).is_symlink() and (d / name).is_file()
    _same(a, inn.load_model(d), data[0])


def test_planted_symlink_at_the_predictable_staged_name_is_not_followed(two_models, data, tmp_path):
    a, _ = two_models
    a.save(tmp_path / "probe")  # the same model gives the same bytes, hence the same staged names
    digests = json.loads((tmp_path / "probe" / "manifest.json").read_text())["files"]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    d = tmp_path / "m"
    d.mkdir()
    for name, digest in digests.items():
        (d / f".{name}.{digest}.staged").symlink_to(victim)
    a.save(d)
    assert victim.read_text() == "precious"
    assert set(os.listdir(d)) == FILES
    _same(a, inn.load_model(d), data[0])


def test_save_writes_nothing_outside_the_directory_and_keeps_foreign_files(two_models, tmp_path):
    a, b = two_models
    d = tmp_path / "m"
    d.mkdir()
    (d / "notes.txt").write_text("mine")
    before = set(os.listdir(tmp_path))
    a.save(d)
    b.save(d)
    assert set(os.listdir(tmp_path)) == before
    assert set(os.listdir(d)) == FILES | {"notes.txt"}
    assert (d / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("path", ["", "   ", b""])
def test_empty_path_is_refused(two_models, tmp_path, monkeypatch, path):
    a, _ = two_models
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="pass a directory path"):
        a.save(path)
    with pytest.raises(ValueError, match="pass a directory path"):
        inn.load_model(path)
    assert os.listdir(tmp_path) == []


def test_bad_path_types_and_existing_files_are_refused(two_models, tmp_path):
    a, _ = two_models
    with pytest.raises(TypeError, match="path must be a directory path"):
        a.save(42)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="exists and is not a directory"):
        a.save(tmp_path / "file")
    with pytest.raises(ValueError, match="exists and is not a directory"):
        check_save_path(tmp_path / "file")
    assert check_save_path(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()


# ---------------------------------------------------------------- atomic saves
def _fail_on_call(monkeypatch, method, n, exc=None):
    """Make ``_Dir.<method>`` raise on its n-th call (1-based)."""
    real = getattr(persistence_files._Dir, method)
    calls = {"n": 0}

    def flaky(self, *args, **kw):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError("disk full") if exc is None else exc
        return real(self, *args, **kw)

    monkeypatch.setattr(persistence_files._Dir, method, flaky)
    return calls


@pytest.mark.parametrize("step", [1, 2, 3], ids=["writing model.json", "writing tensors", "writing manifest"])
def test_save_failing_midway_leaves_the_old_model_loadable(two_models, data, tmp_path, monkeypatch, step):
    a, b = two_models
    d = tmp_path / "m"
    a.save(d)
    with monkeypatch.context() as mp:
        _fail_on_call(mp, "write_new", step)
        with pytest.raises(OSError, match="disk full"):
            b.save(d)
    _same(a, inn.load_model(d), data[0])
    assert set(os.listdir(d)) == FILES  # no temporary or staged file left behind


def test_save_failing_during_the_renames_leaves_the_old_or_the_new_model(two_models, data, tmp_path, monkeypatch):
    a, b = two_models
    X = data[0]
    d = tmp_path / "m"
    # renames of one save: staged model.json, staged tensors, manifest (commit), model.json, tensors
    for n, expected in [(1, a), (2, a), (3, a), (4, b), (5, b)]:
        a.save(d)
        with monkeypatch.context() as mp:
            _fail_on_call(mp, "replace", n)
            with pytest.raises(OSError, match="disk full"):
                b.save(d)
        _same(expected, inn.load_model(d), X)
    b.save(d)  # a later save clears what the interrupted one left
    assert set(os.listdir(d)) == FILES


def test_a_crash_that_skips_all_cleanup_still_leaves_a_loadable_model(two_models, data, tmp_path, monkeypatch):
    a, b = two_models
    d = tmp_path / "m"
    a.save(d)
    with monkeypatch.context() as mp:  # no cleanup at all, as after a power cut
        mp.setattr(persistence_files._Dir, "unlink", lambda self, name: None)
        _fail_on_call(mp, "write_new", 3, KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            b.save(d)
    assert set(os.listdir(d)) > FILES
    _same(a, inn.load_model(d), data[0])
    b.save(d)
    assert set(os.listdir(d)) == FILES
    _same(b, inn.load_model(d), data[0])


def test_a_model_that_cannot_be_serialised_writes_nothing(tmp_path, monkeypatch, two_models):
    a, _ = two_models
    monkeypatch.setattr(type(a), "_get_state", lambda self: ({"x": object()}, {}))
    with pytest.raises(TypeError, match="cannot be saved without pickle"):
        a.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


# ---------------------------------------------------------------- signing
def test_signed_round_trip_and_wrong_or_missing_key(two_models, data, tmp_path):
    a, _ = two_models
    d = tmp_path / "m"
    a.save(d, key=b"k" * 32)
    _same(a, inn.load_model(d, key=b"k" * 32), data[0])
    _same(a, type(a).load(d, key="k" * 32), data[0])  # a str key is its UTF-8 bytes
    with pytest.raises(ModelFileError, match="signature does not match"):
        inn.load_model(d, key=b"another key")
    with pytest.warns(UnverifiedModelWarning, match="is signed, but no key was given"):
        _same(a, inn.load_model(d), data[0])


def test_unsigned_model_is_refused_when_a_key_is_given(two_models, tmp_path):
    a, _ = two_models
    a.save(tmp_path / "m")
    with pytest.raises(ModelFileError, match="not signed, but a key was given"):
        inn.load_model(tmp_path / "m", key=b"secret")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unsigned model loads without a key and without a warning
        inn.load_model(tmp_path / "m")


def test_edit_with_recomputed_checksums_without_a_key_loads_which_is_the_documented_limit(two_models, tmp_path):
    a, _ = two_models
    d = tmp_path / "m"
    a.save(d)
    _edit_model_json(d, lambda doc: doc["params"].update(dropout=0.5))
    assert inn.load_model(d).dropout == 0.5  # integrity against accidents only


def test_edit_with_recomputed_checksums_is_refused_with_a_key(two_models, tmp_path):
    a, _ = two_models
    d = tmp_path / "m"
    a.save(d, key=b"secret")
    _edit_model_json(d, lambda doc: doc["params"].update(dropout=0.5))
    with pytest.raises(ModelFileError, match="signature does not match"):
        inn.load_model(d, key=b"secret")
    with pytest.warns(UnverifiedModelWarning):  # without the key the edit goes unnoticed, with a warning
        inn.load_model(d)


def test_stripped_or_forged_signature_is_refused_with_a_key(two_models, tmp_path):
    a, _ = two_models
    d = tmp_path / "m"
    a.save(d, key=b"secret")
    p = d / "manifest.json"
    man = json.loads(p.read_text())
    for sig in (None, {"algorithm": "HMAC-SHA256", "value": "0" * 64}, {"algorithm": "none", "value": ""}, "x"):
        bad = {k: v for k, v in man.items() if k != "signature"}
        if sig is not None:
            bad["signature"] = sig
        p.write_text(json.dumps(bad))
        with pytest.raises(ModelFileError, match="signature|not signed"):
            inn.load_model(d, key=b"secret")


@pytest.mark.parametrize("key, exc", [(b"", ValueError), ("", ValueError), (123, TypeError)])
def test_bad_keys_are_refused(two_models, tmp_path, key, exc):
    a, _ = two_models
    with pytest.raises(exc, match="key"):
        a.save(tmp_path / "m", key=key)
    assert not (tmp_path / "m").exists()


# ---------------------------------------------------------------- meaning beyond checksums
def _edit_tensors(d, edit):
    t = load_file(str(d / "tensors.safetensors"))
    edit(t)
    save_file(t, str(d / "tensors.safetensors"))
    _rehash(d)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_tensor_is_refused_naming_file_and_tensor(two_models, tmp_path, bad):
    a, _ = two_models
    a.save(tmp_path)

    def inject(t):
        t["module.net.0.weight"][0, 0] = bad

    _edit_tensors(tmp_path, inject)
    with pytest.raises(ModelFileError, match=r"tensors.safetensors in .*: tensor 'module.net.0.weight' holds 1 non-finite"):
        inn.load_model(tmp_path)


def test_non_finite_tensor_is_refused_for_a_nam(data, tmp_path):
    X, y = data
    m = inn.NAMClassifier(max_epochs=2, n_bags=2, interactions=0, verbose=0, random_state=0).fit(X, y)
    m.save(tmp_path)
    name = next(k for k, v in load_file(str(tmp_path / "tensors.safetensors")).items() if v.is_floating_point() and v.numel())

    def inject(t):
        t[name].view(-1)[0] = float("nan")

    _edit_tensors(tmp_path, inject)
    with pytest.raises(ModelFileError, match=f"tensor '{name}' holds 1 non-finite"):
        inn.load_model(tmp_path)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda doc: doc["state"].update(classes_=[0, 0]), r"state.classes_ lists the class 0 twice"),
        (lambda doc: doc["state"].update(classes_=[[0], 1]), r"state.classes_ must be a list of class labels"),
        (lambda doc: doc["state"]["encoder"]["schema"]["features"][1].update(categories=["own", "own", "rent"]),
         r"features\[1\] \('home'\)\.categories lists the level 'own' twice"),
        (lambda doc: doc["state"]["encoder"]["schema"]["features"][1].update(categories=[["own"], "rent", "free"]),
         r"features\[1\] \('home'\)\.categories holds \['own'\]; a category level must be"),
        (lambda doc: doc["state"]["encoder"]["schema"]["features"][0].update(mean="__INF__"),
         r"features\[0\] \('a'\)\.mean must be a finite number"),
        (lambda doc: doc["state"].update(n_features_in_=4), r"n_features_in_ is 4 but the schema .* has 3 features"),
        (lambda doc: doc["state"].update(feature_names_in_=["a", "b", "home"]), r"feature_names_in_ .* does not match"),
    ],
    ids=["repeated class", "class not a scalar", "repeated level", "level not a scalar", "infinite mean",
         "feature count", "feature names"],
)
def test_state_that_makes_no_sense_is_refused_naming_the_field(two_models, tmp_path, edit, match):
    a, _ = two_models
    a.save(tmp_path)
    _edit_model_json(tmp_path, edit)
    with pytest.raises(ModelFileError, match="model.json in .*" + match):
        inn.load_model(tmp_path)


def test_tensor_shape_that_does_not_fit_the_model_is_refused(two_models, tmp_path):
    a, _ = two_models
    a.save(tmp_path)
    rows, cols = a.module_.state_dict()["net.0.weight"].shape

    def shrink(t):
        t["module.net.0.weight"] = t["module.net.0.weight"][:, :-1].contiguous()

    _edit_tensors(tmp_path, shrink)
    with pytest.raises(ModelFileError, match=rf"tensor 'module.net.0.weight' has shape \({rows}, {cols - 1}\) but the "
                                             rf"model model.json describes needs \({rows}, {cols}\)"):
        inn.load_model(tmp_path)


def test_schema_grown_without_its_tensors_is_refused(two_models, tmp_path):
    a, _ = two_models
    a.save(tmp_path)
    rows, cols = a.module_.state_dict()["net.0.weight"].shape
    _edit_model_json(tmp_path, lambda doc: doc["state"]["encoder"]["schema"]["features"][1]["categories"].append("boat"))
    with pytest.raises(ModelFileError, match=rf"'module.net.0.weight' has shape \({rows}, {cols}\) .* needs \({rows}, {cols + 1}\)"):
        inn.load_model(tmp_path)


def test_nam_tables_that_disagree_with_the_schema_are_refused(data, tmp_path):
    X, y = data
    m = inn.NAMClassifier(max_epochs=2, n_bags=2, interactions=0, verbose=0, random_state=0).fit(X, y)
    m.save(tmp_path)
    _edit_model_json(tmp_path, lambda doc: doc["state"]["encoder"]["schema"]["features"][1]["categories"].pop())
    with pytest.raises(ModelFileError, match=r"model.json in .*: state.extra.layout.cat_sizes \[5\] does not match .*\[4\]"):
        inn.load_model(tmp_path)


def test_a_model_scoring_nan_on_its_own_schema_is_refused(two_models, tmp_path, monkeypatch):
    a, _ = two_models
    a.save(tmp_path)
    monkeypatch.setattr(type(a), "_decision_encoded", lambda self, enc: np.full(len(enc), np.nan))
    with pytest.raises(ModelFileError, match="scores \\[nan\\] \\(expected one finite score\\)"):
        inn.load_model(tmp_path)


def test_every_model_family_loads_after_the_meaning_checks(data, tmp_path):
    X, y = data
    models = [
        inn.NAMClassifier(max_epochs=2, n_bags=2, verbose=0, random_state=0),
        inn.RuleNetClassifier(max_epochs=2, verbose=0, random_state=0),
        inn.PrototypeClassifier(n_prototypes=4, max_epochs=2, verbose=0, random_state=0),
    ]
    for i, m in enumerate(models):
        m.fit(X, y)
        m.save(tmp_path / str(i), key=b"k")
        _same(m, inn.load_model(tmp_path / str(i), key=b"k"), X)


# ---------------------------------------------------------------- one permission mode
@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_every_saved_file_has_the_same_mode_the_umask_gives(two_models, tmp_path, umask):
    a, b = two_models
    old = os.umask(umask)
    try:
        d = tmp_path / "m"
        a.save(d, key=b"k")
        modes = {n: (d / n).stat().st_mode & 0o777 for n in os.listdir(d)}
        b.save(d)  # an overwrite too
        modes2 = {n: (d / n).stat().st_mode & 0o777 for n in os.listdir(d)}
        beside = write_file_atomic(d / "target.json", "{}").stat().st_mode & 0o777
    finally:
        os.umask(old)
    expected = 0o666 & ~umask
    assert set(modes) == FILES and set(modes.values()) == {expected}, modes
    assert set(modes2.values()) == {expected} and beside == expected


def test_write_file_atomic_replaces_a_symlink_instead_of_following_it(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "out.json").symlink_to(victim)
    write_file_atomic(tmp_path / "d" / "out.json", b"new")
    assert victim.read_text() == "precious" and (tmp_path / "d" / "out.json").read_bytes() == b"new"
    assert os.listdir(tmp_path / "d") == ["out.json"]
    with pytest.raises(FileNotFoundError, match="create it before"):
        write_file_atomic(tmp_path / "nowhere" / "x.json", "{}")
    with pytest.raises(IsADirectoryError, match="is a directory; pass the path of a file"):
        write_file_atomic(tmp_path / "d", "{}")
    assert os.listdir(tmp_path / "d") == ["out.json"]


def test_torch_is_not_needed_to_read_what_was_saved(two_models, tmp_path):
    """The files stay plain: JSON a reviewer can read and safetensors any runtime can open."""
    a, _ = two_models
    a.save(tmp_path, key=b"k")
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["signature"]["algorithm"] == "HMAC-SHA256" and len(man["signature"]["value"]) == 64
    assert isinstance(load_file(str(tmp_path / "tensors.safetensors"))["module.net.0.weight"], torch.Tensor)


# ---------------------------------------------------------------- every output file, not only models
def test_an_interrupted_predict_leaves_the_old_output_whole_and_a_link_target_untouched(two_models, data,
                                                                                         tmp_path, monkeypatch):
    """``predict -o`` (and every text output of the CLI: reasons, scorecards, exports, reports)
    writes through :func:`write_output`, atomic for a file. Killed between writing and renaming, the old
    predictions stay whole (a half-written CSV would be read by the next tool as fewer rows,
    silently) and no temporary file is left; an output path that is a symbolic link is
    replaced, never followed. Before stop 60 ``Path.write_text`` truncated the old file first
    and wrote through links."""
    from interpretable_nn.cli import main

    X, _ = data
    model, _ = two_models
    model.save(tmp_path / "m")
    X.to_csv(tmp_path / "in.csv", index=False)
    out = tmp_path / "out" / "pred.csv"
    out.parent.mkdir()
    assert main(["predict", str(tmp_path / "m"), "--input", str(tmp_path / "in.csv"), "--output", str(out)]) == 0
    first = out.read_bytes()
    assert len(pd.read_csv(out)) == len(X)

    with monkeypatch.context() as mp:
        _fail_on_call(mp, "replace", 1, KeyboardInterrupt())
        # the CLI turns the interruption into exit status 130, as a shell does
        assert main(["predict", str(tmp_path / "m"), "--input", str(tmp_path / "in.csv"), "--output", str(out)]) == 130
    assert out.read_bytes() == first and os.listdir(out.parent) == ["pred.csv"]

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "out" / "link.csv"
    link.symlink_to(victim)
    assert main(["predict", str(tmp_path / "m"), "--input", str(tmp_path / "in.csv"), "--output", str(link)]) == 0
    assert victim.read_text() == "precious" and not link.is_symlink() and link.read_bytes() == first


def test_a_figure_is_written_whole_in_the_format_its_suffix_names(tmp_path, monkeypatch):
    """:func:`write_figure_atomic` draws in memory and renames once: PNG and SVG by suffix; an
    interruption leaves no file and no temporary."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from interpretable_nn.persistence import write_figure_atomic

    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    assert write_figure_atomic(fig, tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in write_figure_atomic(fig, tmp_path / "a.svg").read_bytes()[:400]
    with monkeypatch.context() as mp:
        _fail_on_call(mp, "replace", 1, KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            write_figure_atomic(fig, tmp_path / "b.png")
    plt.close(fig)
    assert sorted(os.listdir(tmp_path)) == ["a.png", "a.svg"]


def test_an_output_that_is_a_pipe_or_a_device_is_written_through_not_replaced(tmp_path):
    """``--output /dev/stdout`` or a named pipe (:func:`write_output`, every path a user names):
    the bytes go through, as a shell's ``>`` sends them; renaming a temporary file over the
    path replaced the device's own entry (as root, ``/dev/stdout`` became a plain file). A
    link to a pipe is followed to it. Inside a directory the library owns
    (:func:`write_file_atomic`) a planted link to a pipe is replaced, never written through."""
    import threading

    from interpretable_nn.persistence import write_output

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to(fifo)
    for target in (fifo, tmp_path / "link"):
        got = []
        reader = threading.Thread(target=lambda got=got: got.append(fifo.read_bytes()), daemon=True)
        reader.start()
        write_output(target, "a,b\n1,2\n")
        reader.join(10)
        assert got == [b"a,b\n1,2\n"] and fifo.exists() and not fifo.is_file()
    assert (tmp_path / "link").is_symlink() and sorted(os.listdir(tmp_path)) == ["link", "pipe"]
    write_output(tmp_path / "plain.csv", "x")  # anything else: as write_file_atomic
    assert (tmp_path / "plain.csv").read_text() == "x"
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "target.json").symlink_to(fifo)
    write_file_atomic(tmp_path / "model" / "target.json", "{}")  # returns: nothing blocks on the pipe
    assert (tmp_path / "model" / "target.json").read_text() == "{}" and fifo.exists() and not fifo.is_file()


def test_an_output_file_that_was_made_private_stays_private(tmp_path):
    """Replacing an existing file keeps its permission bits, as a shell's ``>`` does: a
    ``chmod 600`` predictions file written again must not become readable by others (the
    rename put a new file of the default mode in its place). A new file and a replaced link get
    the default mode."""
    out = tmp_path / "scores.csv"
    out.write_text("old")
    os.chmod(out, 0o600)
    write_file_atomic(out, "id,score\n1,0.5\n")
    assert out.read_text() == "id,score\n1,0.5\n" and os.stat(out).st_mode & 0o777 == 0o600
    os.chmod(out, 0o640)
    write_file_atomic(out, "again")
    assert os.stat(out).st_mode & 0o777 == 0o640
    umask = os.umask(0o022)
    try:
        new = write_file_atomic(tmp_path / "new.csv", "x").stat().st_mode & 0o777
        (tmp_path / "link.csv").symlink_to(out)
        linked = write_file_atomic(tmp_path / "link.csv", "y")
    finally:
        os.umask(umask)
    assert new == 0o644 and os.lstat(linked).st_mode & 0o777 == 0o644 and out.read_text() == "again"


def test_saves_into_one_directory_at_once_take_turns(two_models, data, tmp_path):
    """Two threads saving into one directory at once: the directory lock holds them apart, so
    the directory always loads as one of the two models. The handle and the lock had been
    off on every platform (``os.replace`` is missing from ``os.supports_dir_fd``, though it
    takes ``dir_fd`` wherever ``os.rename`` does): 196 of 300 rounds left a model that did
    not load, 89 of them with no error from either save."""
    import sys
    import threading

    if sys.platform.startswith("linux"):
        assert persistence_files._HAS_DIR_FD
    a, b = two_models
    X, _ = data
    want = [m.predict_proba(X) for m in (a, b)]
    for r in range(15):
        d = tmp_path / f"r{r}"
        errors = []

        def save(m, d=d, errors=errors):
            try:
                m.save(d)
            except Exception as exc:  # noqa: BLE001 - every failure is the test's finding
                errors.append(exc)

        threads = [threading.Thread(target=save, args=(m,)) for m in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        got = inn.load_model(d).predict_proba(X)
        assert any(np.array_equal(got, w) for w in want)


def test_a_model_whose_parameters_changed_after_its_fit_is_not_saved(two_models, data, tmp_path):
    """set_params(hidden_sizes=...) after the fit used to save parameters that describe
    another network: the directory no longer loaded, and a good model saved there before was
    replaced. Runtime parameters (verbose, device, n_threads) may change."""
    from sklearn.base import clone

    X, y = data
    a, _ = two_models
    a.save(tmp_path / "good")
    m = clone(a).fit(X, y)
    m.set_params(hidden_sizes=(7, 3))
    with pytest.raises(ValueError, match=r"set_params changed \['hidden_sizes'\] after the fit"):
        m.save(tmp_path / "good")
    _same(a, inn.load_model(tmp_path / "good"), X)
    m.set_params(hidden_sizes=a.hidden_sizes, verbose=1)
    m.save(tmp_path / "m")
    back = inn.load_model(tmp_path / "m")
    assert back.get_params() == m.get_params()  # tuples come back as tuples
    back.set_params(batch_norm=True)
    with pytest.raises(ValueError, match="batch_norm"):
        back.save(tmp_path / "m2")
    # a list changed in place is a change too (the snapshot is a copy); ig_steps only explains
    m2 = inn.MLPClassifier(max_epochs=2, verbose=0, random_state=0, hidden_sizes=[8]).fit(X, y)
    m2.hidden_sizes.append(4)
    with pytest.raises(ValueError, match="hidden_sizes"):
        m2.save(tmp_path / "m3")
    m2.hidden_sizes.pop()
    m2.set_params(ig_steps=8).save(tmp_path / "m3")


def test_a_wrapped_model_that_cannot_be_saved_says_so_first(tmp_path, data):
    from sklearn.linear_model import LogisticRegression

    from interpretable_nn.models import EncodedSklearnClassifier

    X, y = data
    with pytest.raises(TypeError, match="wraps LogisticRegression, which cannot be saved without pickle"):
        EncodedSklearnClassifier(LogisticRegression()).fit(X, y).save(tmp_path / "w")


def test_a_dangling_symlink_as_the_target_is_refused_clearly(two_models, tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="symbolic link to nothing"):
        two_models[0].save(tmp_path / "dangling")


@pytest.mark.parametrize("classes", [[0, 1, 2], [0]])
def test_classes_that_the_network_does_not_score_are_refused(data, tmp_path, classes):
    """An edit of a binary NAM's classes_ (checksums recomputed) to three classes loaded and
    answered with two columns; to one class it loaded and failed at predict."""
    X, y = data
    inn.NAMClassifier(n_bags=2, max_epochs=3, interactions=0, verbose=0, random_state=0).fit(X, y).save(tmp_path)
    _edit_model_json(tmp_path, lambda doc: doc["state"].update(classes_=classes))
    with pytest.raises(ModelFileError, match=f"classes_ lists {len(classes)} class"):
        inn.load_model(tmp_path)


@pytest.mark.parametrize("labels", ["int32", "uint8", "bool", "float32", "category"])
def test_labels_come_back_in_the_dtype_they_were_fitted_in(data, tmp_path, labels):
    """A model fitted on int32 (or uint8) labels predicted int32 before saving and int64 after
    a load; labels from a pandas Categorical came back as numpy str instead of objects."""
    X, y = data
    y = pd.Categorical(np.where(y == 1, "bad", "good")) if labels == "category" else y.astype(labels)
    for m in (inn.MLPClassifier(max_epochs=2, verbose=0, random_state=0),
              inn.NAMClassifier(n_bags=1, max_epochs=2, interactions=0, verbose=0, random_state=0),
              inn.PrototypeClassifier(n_prototypes=4, max_epochs=2, verbose=0, random_state=0)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(X, y)
        m.save(tmp_path / type(m).__name__)
        back = inn.load_model(tmp_path / type(m).__name__)
        assert back.classes_.dtype == m.classes_.dtype, type(m).__name__
        got, want = back.predict(X), m.predict(X)
        assert got.dtype == want.dtype and got.tolist() == want.tolist()


@pytest.mark.parametrize("dtype, classes, match", [
    ("complex128", [0, 1], "not a label dtype"), ("uint8", [-1, 1], "cannot be labels of dtype"),
    ("bool", [0, 2], "cannot be labels of dtype"), ("int8", ["a", "b"], "cannot be labels of dtype"),
    ("bool", [0, 1], "cannot be labels of dtype"), ("int64", [False, True], "cannot be labels of dtype")])
def test_an_edited_label_dtype_is_refused(two_models, tmp_path, dtype, classes, match):
    two_models[0].save(tmp_path)
    _edit_model_json(tmp_path, lambda doc: doc["state"].update(classes_dtype_=dtype, classes_=classes))
    with pytest.raises(ModelFileError, match=match):
        inn.load_model(tmp_path)

"""ONNX export of the NAM, the MLP and RuleNet, run by onnxruntime on the raw columns
(numeric double tensors, categorical text tensors): probabilities equal to 1e-5 and
identical decisions on every held-out row, NaN and unseen levels included."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from interpretable_nn.models.export_onnx import onnx_feed, ruleset_to_onnx  # noqa: E402
from interpretable_nn.rules import Condition, Rule, RuleSet  # noqa: E402


def _with_gaps(X: pd.DataFrame) -> pd.DataFrame:
    """Held-out rows, an unseen level per categorical column, an all-missing row, a row
    with one missing number and a number far beyond the training range."""
    X = X.reset_index(drop=True)
    cats = [c for c in X.columns if X[c].dtype == object]
    nums = [c for c in X.columns if c not in cats]
    extra = [X.iloc[i % len(X)].to_dict() | {c: "never seen"} for i, c in enumerate(cats)]
    extra += [dict.fromkeys(X.columns, None), X.iloc[0].to_dict() | {nums[0]: None},
              X.iloc[1].to_dict() | {nums[-1]: 1e30}]
    out = pd.concat([X, pd.DataFrame(extra, columns=X.columns)], ignore_index=True)
    for c in nums:
        out[c] = pd.to_numeric(out[c]).astype(float)
    return out


def _agreement(model, X: pd.DataFrame, tmp_path) -> tuple[float, float]:
    """(max |onnxruntime probability - predict_proba|, share of identical decisions)."""
    path = tmp_path / "model.onnx"
    model.to_onnx(path)
    sess = ort.InferenceSession(str(path))
    proba, decision = sess.run(["probabilities", "decision"], onnx_feed(model, X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want, labels = model.predict_proba(X), model.predict(X)
    ours = model.classes_[(decision > 0).astype(int)]
    return float(np.max(np.abs(proba - want))), float(np.mean(ours == labels))


def _models():
    from interpretable_nn.models.mlp import MLPClassifier
    from interpretable_nn.models.nam import NAMClassifier
    from interpretable_nn.models.rulenet import RuleNetClassifier

    return {
        "nam": NAMClassifier(n_bags=2, max_epochs=5, interactions=2, verbose=0, random_state=0),
        "mlp": MLPClassifier(max_epochs=5, batch_norm=True, verbose=0, random_state=0),
        "rulenet": RuleNetClassifier(max_rules=15, max_epochs=5, verbose=0, random_state=0),
    }


@pytest.mark.parametrize("name", ["nam", "mlp", "rulenet"])
def test_onnx_equals_predict_proba_on_credit_data(small_credit, name, tmp_path):
    X, y, Xte, _ = small_credit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _models()[name].fit(X, y)
    rows = _with_gaps(Xte)
    err, same = _agreement(model, rows, tmp_path)
    assert err <= 1e-5 and same == 1.0, (name, err, same)
    proto = model.to_onnx()
    kinds = {i.name: i.type.tensor_type.elem_type for i in proto.graph.input}
    assert set(kinds) == set(X.columns)
    assert kinds["Home"] == 8 and kinds["Income"] == 11  # string / double: raw columns in


@pytest.mark.slow
@pytest.mark.parametrize("name", ["nam", "mlp", "rulenet"])
def test_onnx_equals_predict_proba_on_hmda(name, tmp_path):
    from interpretable_nn.datasets import load_dataset

    ds = load_dataset("hmda")
    idx = np.random.default_rng(0).permutation(len(ds.y))
    train, test = idx[:1600], idx[1600:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _models()[name].fit(ds.X.iloc[train], ds.y[train])
    err, same = _agreement(model, _with_gaps(ds.X.iloc[test]), tmp_path)
    assert err <= 1e-5 and same == 1.0, (name, err, same)


class _Schema:
    """A fitted encoder's schema as ``ruleset_to_onnx`` reads it."""

    def __init__(self, kinds: dict[str, bool]):
        from types import SimpleNamespace

        self.schema_ = [SimpleNamespace(name=n, is_numeric=v) for n, v in kinds.items()]


def test_ruleset_onnx_every_operator():
    rs = RuleSet([
        Rule((Condition("Income", "<=", 1200.5, if_missing=True), Condition("Home", "!=", "rent")), 0.5),
        Rule((Condition("Home", "in", ("own", "a b")),), -0.25),
        Rule((Condition("Income", ">", -3.0), Condition("Age", "is_missing", True)), 1.5),
        Rule((Condition("Home", "==", "own", if_missing=True), Condition("Age", "is_missing", False)), -2.0),
        Rule((Condition("Flag", "==", 1),), 0.75),
        Rule((), 0.125),
    ], intercept=-1.0)
    X = pd.DataFrame({"Income": [1000.0, None, 2000.0, -5.0, 1200.5, 7.0],
                      "Home": ["rent", "own", None, "x", "a b", "never seen"],
                      "Age": [30.0, None, None, 20.0, None, 41.0], "Flag": [1.0, 0.0, None, 1.0, 0.0, 1.0]})
    enc = _Schema({"Income": True, "Home": False, "Age": True, "Flag": True})
    sess = ort.InferenceSession(ruleset_to_onnx(rs, enc).SerializeToString())
    feed = {"Income": X["Income"].to_numpy(float), "Age": X["Age"].to_numpy(float), "Flag": X["Flag"].to_numpy(float),
            "Home": np.array(["" if v is None else v for v in X["Home"]], dtype=object)}
    decision, proba = sess.run(["decision", "probabilities"], feed)
    assert np.array_equal(decision, rs.decision_function(X))
    assert np.max(np.abs(proba - rs.predict_proba(X))) <= 1e-12


def test_onnx_feed_dtypes():
    """The vectorised feed gives what a per-row reading gives, for every column dtype a
    frame may hold: float/int/bool/nullable numbers, numbers as objects, text as object,
    string and category dtype, with None / NaN / pd.NA as missing."""
    from types import SimpleNamespace

    X = pd.DataFrame({
        "f": [1.5, np.nan, -2.0, 3.0], "i": np.array([1, 2, 3, 4], dtype=np.int64),
        "b": [True, False, True, False], "ni": pd.array([1, None, 3, 4], dtype="Int64"),
        "o": pd.Series(["1.5", None, 7, "x"], dtype=object),
        "t": pd.Series(["rent", None, "own", np.nan], dtype=object),
        "s": pd.array(["a", pd.NA, "b", "a"], dtype="string"),
        "c": pd.Categorical(["lo", "hi", None, "lo"]), "n": pd.Series([1, None, 2.5, 1], dtype=object),
    })
    kinds = {"f": True, "i": True, "b": True, "ni": True, "o": True, "t": False, "s": False, "c": False, "n": False}
    feed = onnx_feed(SimpleNamespace(encoder_=_Schema(kinds)), X)
    for name, numeric in kinds.items():
        col = X[name].astype(object)
        if numeric:
            want = np.array([np.nan if pd.isna(v) else float(pd.to_numeric(v, errors="coerce")) for v in col])
            assert feed[name].dtype == np.float64 and feed[name].flags.c_contiguous
            np.testing.assert_array_equal(feed[name], want, err_msg=name)
        else:
            want = ["" if pd.isna(v) else str(v) for v in col]
            assert feed[name].dtype == object and list(feed[name]) == want, (name, list(feed[name]))
    assert np.shares_memory(feed["f"], X["f"].to_numpy())  # a float64 column is passed without a copy
    with pytest.raises(TypeError, match="DataFrame"):
        onnx_feed(SimpleNamespace(encoder_=_Schema(kinds)), X.to_numpy())


def test_onnx_bad_input(small_credit):
    from interpretable_nn.models.nam import NAMClassifier

    X, y, _, _ = small_credit
    m = NAMClassifier(n_bags=1, max_epochs=1, interactions=0, verbose=0, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="Income"):
        onnx_feed(m, X.drop(columns=["Income"]))
    with pytest.raises(ValueError, match="link"):
        ruleset_to_onnx(RuleSet([], intercept=1.0, link="identity"), _Schema({"a": True}))
    with pytest.raises(ValueError, match="'b'"):
        ruleset_to_onnx(RuleSet([Rule((Condition("b", "<=", 1.0),), 1.0)]), _Schema({"a": True}))


def test_cli_export(small_credit, tmp_path, capsys):
    from interpretable_nn.cli import main
    from interpretable_nn.models.nam import NAMClassifier

    X, y, Xte, _ = small_credit
    m = NAMClassifier(n_bags=1, max_epochs=1, interactions=1, verbose=0, random_state=0).fit(X, y)
    m.save(tmp_path / "nam")
    assert main(["export", str(tmp_path / "nam"), "--format", "onnx", "-o", str(tmp_path / "m.onnx")]) == 0
    sess = ort.InferenceSession(str(tmp_path / "m.onnx"))
    proba = sess.run(["probabilities"], onnx_feed(m, Xte))[0]
    assert np.max(np.abs(proba - m.predict_proba(Xte))) <= 1e-5
    assert main(["export", str(tmp_path / "nam"), "--format", "pmml", "-o", str(tmp_path / "m.pmml"),
                 "--reasons", "3"]) == 0
    doc = (tmp_path / "m.pmml").read_text()
    assert "<Scorecard " in doc and 'name="reason_3"' in doc and 'name="reason_4"' not in doc
    assert "wrote a scorecard" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "absent"), "--format", "onnx", "-o", str(tmp_path / "x.onnx")]) == 1
    assert "no such directory" in capsys.readouterr().err

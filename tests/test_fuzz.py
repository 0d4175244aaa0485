"""Property-based fuzzing of every registry estimator and of the rule exports.

Random schemas (numeric / binary / categorical mixes, missing values, skewed and tiny data,
awkward column names and levels): on valid input ``fit``/``predict``/``explain`` never crash,
scores are finite, probabilities lie in [0, 1], explanations add up where the method promises
it (``check["additivity_gap"]``: ``base_values + values.sum(1) == decision_function``;
integrated gradients report their completeness gap truthfully), and every rule export (JSON,
SQL run in sqlite3, SymPy) reproduces the model (RuleNet) or the surrogate tree
(``SurrogateTree.to_ruleset()``).

The estimator properties also draw extreme but finite numbers (``datasets(extreme=True)``):
columns of hypothesis-drawn floats (any finite float64: ``±1.8e308``, subnormals such as
``5e-324``, mixed scales) and, at predict, values far outside the training range
(``±1e308``, ``±1e300``, just past float32's ``3.4e38``). Scores, probabilities and
explanations stay finite, and a saved and loaded model scores bit for bit as before
(:mod:`interpretable_nn.models.magnitudes` says how each model keeps them finite).

The default suite runs ``FAST_EXAMPLES = 50`` examples per estimator on light settings
(``LIGHT``: one epoch, a few trees; the properties concern finiteness and exactness, not
accuracy; one BLAS/OpenMP thread, which on frames of at most 60 rows is faster than two);
``-m slow`` runs 500 per estimator (``INN_FUZZ_EXAMPLES``;
``python -m pytest tests/test_fuzz.py -m slow --hypothesis-show-statistics``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import warnings

import numpy as np
import pandas as pd
import pytest
import sympy
import torch
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from test_contract import ALL, build, has_explain
from threadpoolctl import threadpool_limits

from interpretable_nn import RuleSet, SurrogateTree, load_model
from interpretable_nn.models import make_model

FAST_EXAMPLES = int(os.environ.get("INN_FUZZ_FAST_EXAMPLES", "50"))  # >= 50 (issue 18)
SLOW_EXAMPLES = int(os.environ.get("INN_FUZZ_EXAMPLES", "500"))  # >= 500 for the report
_SETTINGS = dict(deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.filter_too_much])

#: light settings over test_contract.FAST: a fit is one epoch or a few trees (seconds -> ms)
LIGHT: dict[str, dict] = {
    "mlp": {"max_epochs": 1, "hidden_sizes": (8,), "ig_steps": 8},
    "rulenet": {"max_epochs": 1},
    "prototype": {"max_epochs": 1, "last_layer_epochs": 1},
    "nam": {"max_epochs": 1},
    "hgb": {"max_iter": 3},
    "xgb": {"n_estimators": 3},
    "ebm": {"max_rounds": 20},
}
#: finite values far outside any training range, put into numeric columns at predict
FAR = [1.7976931348623157e308, -1.7976931348623157e308, 1e308, -1e308, 1e300, -1e300,
       3.5e38, -3.5e38, 5e-324, -5e-324, 2.2e-308]
_FINITE = st.floats(allow_nan=False, allow_infinity=False)

NAMES = ["x", "a b", 'a"; DROP TABLE x; --', "é", "1", "x_missing", "it's", "Income"]
LEVELS = ["a", "b", "", "O'Neil", 'x"; DROP TABLE y; --', "é", "1.5", "None"]


@st.composite
def schemas(draw, extreme: bool = False, n_cols: tuple[int, int] = (1, 4)):
    """A list of column specs: (name, kind, options), between ``n_cols`` columns (beyond the
    awkward ``NAMES``, "col <i>"). ``extreme``: numeric columns may hold any finite float64
    (drawn by hypothesis) or mix scales from 1e-300 to 1e300."""
    n = draw(st.integers(*n_cols))
    k = min(n, len(NAMES))
    names = draw(st.lists(st.sampled_from(NAMES), min_size=k, max_size=k, unique=True))
    names += [f"col {i}" for i in range(k, n)]
    cols = []
    for name in names:
        kind = draw(st.sampled_from(["numeric", "numeric", "binary", "categorical"]))
        cols.append({
            "name": name, "kind": kind,
            "dist": draw(st.sampled_from(["normal", "skewed", "few", "huge", "tiny", "constant"])),
            "bool": draw(st.booleans()),
            "n_levels": draw(st.integers(1, 6)),
            "level_skew": draw(st.sampled_from([0.0, 1.0, 3.0])),
            "missing": draw(st.sampled_from([0.0, 0.0, 0.1, 0.6])),
        })
        if extreme:
            cols[-1]["dist"] = draw(st.sampled_from(["normal", "huge", "any", "any", "mixed", "subnormal"]))
            if cols[-1]["dist"] == "any":  # fit and predict values, drawn by hypothesis (shrinkable)
                cols[-1]["values"] = draw(st.lists(_FINITE, min_size=1, max_size=60))
                cols[-1]["pvalues"] = draw(st.lists(_FINITE, min_size=1, max_size=25))
            cols[-1]["far"] = draw(st.sampled_from([0.0, 0.0, 0.3, 1.0]))  # share of FAR at predict
    return cols


def _column(spec: dict, n: int, rng: np.random.Generator, predict: bool = False) -> pd.Series:
    if spec["kind"] == "categorical":
        levels = np.array(LEVELS[: spec["n_levels"]] + (["unseen!"] if predict else []), dtype=object)
        w = np.exp(-spec["level_skew"] * np.arange(len(levels)))
        s = pd.Series(rng.choice(levels, n, p=w / w.sum()), dtype=object)
    elif spec["kind"] == "binary":
        v = rng.integers(0, 2, n)
        s = pd.Series(v.astype(bool) if spec["bool"] else v)
    else:
        d = spec["dist"]
        v = {"normal": lambda: rng.normal(0, 1, n), "skewed": lambda: rng.lognormal(0, 2.5, n) * 1e3,
             "few": lambda: rng.integers(0, 3, n).astype(float), "huge": lambda: rng.normal(0, 1, n) * 1e12,
             "tiny": lambda: rng.normal(0, 1, n) * 1e-9, "constant": lambda: np.full(n, 3.0),
             "mixed": lambda: rng.choice([-1, 1], n) * 10.0 ** rng.uniform(-300, 300, n),
             "subnormal": lambda: rng.integers(-3, 4, n) * 5e-324,
             "any": lambda: np.resize(np.array(spec["pvalues" if predict else "values"], dtype=float), n),
             }[d]()
        if predict and spec.get("far"):
            v = np.where(rng.random(n) < spec["far"], rng.choice(FAR, n), v)
        s = pd.Series(v)
    # missing values: as drawn for the column at fit; at predict also in any column (a column
    # without missing values in training may have some in production)
    rate = spec["missing"] if spec["kind"] != "binary" else 0.0
    if predict and rng.random() < 0.3:
        rate = max(rate, 0.3)
    if rate:
        miss = rng.random(n) < rate
        if not predict:
            miss[0] = False  # at least one observed value: an all-missing column is invalid
        if spec["kind"] == "categorical" or s.dtype == bool:
            s = s.astype(object)
            s[miss] = None
        else:
            s = s.astype(float)
            s[miss] = np.nan
    return s


@st.composite
def datasets(draw, extreme: bool = False, n_cols: tuple[int, int] = (1, 4),
             sizes: tuple[int, ...] = (2, 3, 5, 8, 13, 30, 60)):
    """(X train, y, X predict): ``sizes`` rows (tiny to small), balanced to very skewed, both
    classes present; ``extreme``: with extreme but finite numbers (see :func:`schemas`)."""
    cols = draw(schemas(extreme, n_cols))
    n = draw(st.sampled_from(sizes))
    seed = draw(st.integers(0, 2**31 - 1))
    minority = draw(st.sampled_from([0.5, 0.2, 0.05]))
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({c["name"]: _column(c, n, rng) for c in cols})
    y = (rng.random(n) < minority).astype(int)
    y[0], y[1] = 0, 1
    Xp = pd.DataFrame({c["name"]: _column(c, draw(st.sampled_from([1, 7, 25])), rng, predict=True)
                       for c in cols})
    index = draw(st.sampled_from(["range", "range", "shuffled", "labels"]))
    for frame in (X, Xp):  # any row index is valid input
        if index == "shuffled":
            frame.index = rng.permutation(len(frame)) + 100
        elif index == "labels":
            frame.index = [f"row{i}" for i in range(len(frame))][::-1]
    return X, y, Xp


# ------------------------------------------------------------------------ checks
def _sqlite_scores(rs: RuleSet, X: pd.DataFrame) -> np.ndarray:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE x (v INTEGER)")
    X.assign(__row=np.arange(len(X))).to_sql("applicants", con, index=False)
    rows = con.execute(rs.to_sql(table="applicants", id_column="__row")).fetchall()
    assert con.execute("SELECT count(*) FROM x").fetchone() == (0,)  # the table survived
    out = dict((r[0], r[1]) for r in rows)
    return np.array([out[i] for i in range(len(X))], dtype=float)


def check_rule_exports(rs: RuleSet, X: pd.DataFrame, score: np.ndarray) -> None:
    """JSON round trip, SQL in sqlite3 and SymPy all reproduce ``score`` on ``X``."""
    back = RuleSet.from_json(rs.to_json())
    assert back == rs
    np.testing.assert_array_equal(back.decision_function(X), score)
    np.testing.assert_allclose(_sqlite_scores(rs, X), score, rtol=1e-12, atol=1e-9)
    f = sympy.lambdify(rs.sympy_symbols(), rs.to_sympy(), "numpy")
    sym = np.broadcast_to(np.asarray(f(*rs.sympy_inputs(X)), dtype=float), (len(X),))
    np.testing.assert_allclose(sym, score, rtol=1e-12, atol=1e-9)


@contextlib.contextmanager
def one_thread():
    """One torch and one BLAS/OpenMP thread: on frames of at most 60 rows the threads' start-up
    costs more than it saves (histogram boosting: 30 ms a predict call with two threads)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(before)


def check_saved_identity(m, rows: pd.DataFrame, d: np.ndarray) -> None:
    """A model that can be saved scores ``rows`` bit for bit the same after save and load."""
    with tempfile.TemporaryDirectory() as tmp:
        try:
            m.save(os.path.join(tmp, "m"))
        except TypeError as exc:  # documented: scikit-learn and EBM wrappers need pickle
            assert "pickle" in str(exc), exc
            return
        back = load_model(os.path.join(tmp, "m"))
    np.testing.assert_array_equal(back.decision_function(rows), d)


def check_estimator_on(name: str, X: pd.DataFrame, y: np.ndarray, Xp: pd.DataFrame) -> None:
    """Fit ``name`` (test_contract.FAST with LIGHT on top) and check every property on the
    training rows and on ``Xp``; saved and loaded, the model scores ``Xp`` identically."""
    with warnings.catch_warnings(), one_thread():
        warnings.simplefilter("ignore")
        try:
            m = build(name, **LIGHT.get(name, {})).fit(X, y)
        except ValueError as exc:  # documented refusal (README, Bad input): nothing to split on
            if name == "rulenet" and ("No feature of X varies" in str(exc) or "rule set's thresholds" in str(exc)):
                reject()  # and values beyond 5e299: thresholds RuleSet JSON cannot hold (refused)
            raise
        check_fitted_on(name, m, X, Xp)


def check_fitted_on(name: str, m, X: pd.DataFrame, Xp: pd.DataFrame) -> None:
    """The properties :func:`check_estimator_on` checks, of the fitted model ``m``."""
    with warnings.catch_warnings(), one_thread():
        warnings.simplefilter("ignore")
        check_saved_identity(m, Xp, m.decision_function(Xp))
        for rows in (X, Xp):
            d = m.decision_function(rows)
            p = m.predict_proba(rows)
            assert d.shape == (len(rows),) and np.isfinite(d).all(), d
            assert p.shape == (len(rows), 2) and np.isfinite(p).all(), p
            assert ((p >= 0) & (p <= 1)).all(), p
            np.testing.assert_allclose(p.sum(1), 1, rtol=0, atol=1e-9)
            assert set(m.predict(rows)) <= set(m.classes_)
            if has_explain(m):
                e = m.explain(rows)
                assert e.values.shape == (len(rows), X.shape[1]) and np.isfinite(e.values).all()
                assert np.isfinite(e.base_values).all()
                gap = np.abs(np.asarray(e.base_values) + e.values.sum(1) - d)
                if "additivity_gap" in e.check:  # promised additive: exact up to round-off
                    assert (gap <= 1e-6 * (1 + np.abs(d))).all(), (gap.max(), e.method)
                else:  # integrated gradients: the reported completeness gap is truthful
                    assert "completeness_gap" in e.check, e.check
                    assert np.isfinite(e.check["completeness_gap"])
                    assert len(gap) == 0 or gap.max() <= e.check["completeness_gap"] + 1e-6
            if name == "rulenet":
                np.testing.assert_array_equal(m.ruleset_.decision_function(rows), d)
                check_rule_exports(m.ruleset_, rows, d)


def check_surrogate_on(X: pd.DataFrame, y: np.ndarray, Xp: pd.DataFrame, depth: int, **params) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        teacher = make_model("logreg").fit(X, y)
        try:
            s = SurrogateTree(max_depth=depth, holdout=0.0, **params).fit(teacher, X)
        except ValueError as exc:  # documented refusal: nothing to distil
            if "predicts a single class" in str(exc):
                reject()
            raise
        rs = s.to_ruleset()
        for rows in (X, Xp):
            score = s.decision_function(rows)
            assert np.isfinite(score).all()
            np.testing.assert_array_equal(rs.decision_function(rows), score)
            np.testing.assert_array_equal(rs.predict(rows), s.predict(rows))
            check_rule_exports(rs, rows, score)


def _logged(what: str, check, *args) -> None:
    """Run ``check``; with ``INN_FUZZ_LOG=<file>`` append one line per example (for the report)."""
    log = os.environ.get("INN_FUZZ_LOG")
    try:
        check(*args)
    except BaseException as exc:
        if log and not isinstance(exc, (KeyboardInterrupt,)) and type(exc).__name__ != "UnsatisfiedAssumption":
            with open(log, "a") as f:
                f.write(f"{what}\tfail\t{type(exc).__name__}: {str(exc)[:200]!r}\n")
        raise
    if log:
        with open(log, "a") as f:
            f.write(f"{what}\tok\n")


# ------------------------------------------------------------------------ default suite
@pytest.mark.parametrize("name", ALL)
@settings(max_examples=FAST_EXAMPLES, **_SETTINGS)
@given(data=datasets(extreme=True))
def test_fuzz_estimator(name, data):
    check_estimator_on(name, *data)


@settings(max_examples=6, **_SETTINGS)
@given(data=datasets(), depth=st.integers(1, 4))
def test_fuzz_surrogate_rule_exports(data, depth):
    check_surrogate_on(*data, depth)


# ------------------------------------------------------------------------ slow suite
@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
@settings(max_examples=SLOW_EXAMPLES, **_SETTINGS)
@given(data=datasets(extreme=True))
def test_fuzz_estimator_slow(name, data):
    _logged(name, check_estimator_on, name, *data)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, **_SETTINGS)
@given(data=datasets(), depth=st.integers(1, 4))
def test_fuzz_surrogate_rule_exports_slow(data, depth):
    _logged("surrogate", check_surrogate_on, *data, depth)

"""One CSV file is one table to every command: ``fit --csv`` and ``predict`` read a number
cell the same way (stop 72). Before, one stray cell ("NAN", "1_000", "?") turned a training
column of numbers into categories (the model learnt nothing from it, silently), while
``predict`` read "1_000" as 1000 and called "NAN" an infinite number."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import _one_line_error, run_inprocess

from interpretable_nn.cli_io import _refuse_infinite, _text_numbers
from interpretable_nn.data.schema import NumericTextWarning
from interpretable_nn.persistence.csv_features import _numeric, cell_number

SPELLINGS = ["NAN", "+nan", "-NaN", "nan", "NA", " NA ", "", "  ", "n/a", "?", "-", "n.a.", "1_000", "１２", "0x10",
             "1e999", "-inf", " Infinity ", "INF", "1.", ".5", "1.e5", "+3", " -2.5 ", "1,5", "1 000", "12%",
             "9007199254740993", "0.1000000000000000055511151231257827", "2.2250738585072014e-308", "4.9e-324",
             "1e-400", "007", "٣"]


def _fit_reading(path):
    """The column 'x' as ``fit --csv`` reads it: floats, "text" (categories) or "refused"."""
    df = pd.read_csv(path)
    try:
        X = _text_numbers(df, set(), path)
        _refuse_infinite(X, path)
    except ValueError:
        return "refused"
    return X["x"].to_numpy(dtype=float) if X["x"].dtype.kind == "f" else "text"


def _predict_reading(path):
    """The column 'x' as ``predict`` reads it for a model that read 'x' as a number."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    try:
        return _numeric(raw["x"], "x", path)
    except ValueError:
        return "refused"


cells = st.one_of(st.sampled_from(SPELLINGS),
                  st.floats(allow_nan=False, allow_infinity=False).map(repr),
                  st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=cells, others=st.lists(st.floats(-1e6, 1e6).map(lambda v: round(v, 3)), min_size=3, max_size=6))
def test_fit_and_predict_read_every_cell_of_a_number_column_alike(tmp_path, cell, others):
    """For any cell among numbers: fit --csv (a column pandas left as text goes through
    ``_text_numbers``) and predict (``_numeric``) both refuse it, or both read the same float
    (NaN for missing) in every row; fit never keeps such a column as categories."""
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": [*others, cell], "z": 1}, dtype=object).to_csv(path, index=False)
    fit, pred = _fit_reading(path), _predict_reading(path)
    assert not isinstance(fit, str) or fit != "text", (cell, "a column of numbers read as categories")
    if isinstance(fit, str) or isinstance(pred, str):
        assert isinstance(fit, str) and isinstance(pred, str), (cell, fit, pred)
        return
    np.testing.assert_array_equal(fit, pred)  # bit for bit, NaN where both read missing


def test_cell_number_spellings():
    assert math.isnan(cell_number("NAN")) and math.isnan(cell_number(" +nan ")) and math.isnan(cell_number(" NA "))
    assert cell_number("1_000") is None and cell_number("１２") is None and cell_number("٣") is None
    assert cell_number(" -2.5 ") == -2.5 and cell_number("1.e5") == 1e5 and cell_number("-Infinity") == -math.inf


def _frame(n=200, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"amount": rng.normal(size=n).round(3), "age": rng.integers(18, 80, n)})
    df["target"] = (df["amount"] + rng.normal(size=n) > 0).astype(int)
    return df


def test_fit_csv_refuses_a_number_column_with_a_stray_word_and_reads_nan_spellings(tmp_path, capsys):
    df = _frame().astype({"amount": object})
    df.loc[[6, 9], "amount"] = ["1_000", "n.a."]
    df.to_csv(tmp_path / "t.csv", index=False)
    r = run_inprocess(capsys, "fit", "logreg", "--csv", str(tmp_path / "t.csv"), "--target", "target")
    _one_line_error(r, "'amount'", "t.csv", "numbers in 198 row(s) and text in 2", "'1_000' (data row 7)",
                    "'n.a.' (data row 10)", "--categorical amount")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericTextWarning)  # asked for: no hint to ask for it
        r = run_inprocess(capsys, "fit", "logreg", "--csv", str(tmp_path / "t.csv"), "--target", "target",
                          "--categorical", "amount")  # the hint works: read as categories on request
    assert r.returncode == 0, r.stderr
    df.loc[[6, 9], "amount"] = ["NAN", "+nan"]  # pandas reads these as text, Python as NaN: missing
    df.to_csv(tmp_path / "t.csv", index=False)
    r = run_inprocess(capsys, "fit", "mlp", "--csv", str(tmp_path / "t.csv"), "--target", "target",
                      "--out", str(tmp_path / "m"), "--param", "max_epochs=2", "--param", "verbose=0")
    assert r.returncode == 0, r.stderr
    from interpretable_nn.persistence import load_model

    spec = next(f for f in load_model(tmp_path / "m").encoder_.schema_.features if f.name == "amount")
    assert spec.kind == "numeric" and spec.has_missing, spec
    new = _frame(5, seed=1).drop(columns="target").astype({"amount": object})
    new.loc[1, "amount"] = "NAN"
    new.to_csv(tmp_path / "new.csv", index=False)
    r = run_inprocess(capsys, "predict", str(tmp_path / "m"), "--input", str(tmp_path / "new.csv"))
    assert r.returncode == 0 and "infinite" not in r.stderr, r.stderr  # was: "'NAN', an infinite number"
    new.loc[1, "amount"] = "1_000"  # was read as 1000 here while fit refused it
    new.to_csv(tmp_path / "new.csv", index=False)
    r = run_inprocess(capsys, "predict", str(tmp_path / "m"), "--input", str(tmp_path / "new.csv"))
    _one_line_error(r, "'amount'", "new.csv", "data row 2", "'1_000'", "reads 'amount' as a number")


def test_a_text_column_with_a_few_numbers_stays_categories(tmp_path):
    df = _frame(60).assign(size=["S", "M", "L"] * 19 + ["10", "12", "XL"])
    df.to_csv(tmp_path / "t.csv", index=False)
    X = _text_numbers(pd.read_csv(tmp_path / "t.csv"), set(), tmp_path / "t.csv")
    assert X["size"].dtype.kind != "f" and set(X["size"]) >= {"S", "10"}


def test_the_python_api_warns_of_a_mostly_number_text_column():
    from interpretable_nn.models import make_model

    df = _frame(120)
    X = df.drop(columns="target").astype({"amount": str})
    X.loc[[3, 8], "amount"] = ["?", "n.a."]  # pd.read_csv left the column text
    with pytest.warns(NumericTextWarning, match=r"'amount' holds numbers as text in 118 rows and other text in 2"):
        make_model("logreg").fit(X, df["target"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumericTextWarning)
        make_model("logreg").fit(X.astype({"amount": "category"}), df["target"])  # on request: no warning

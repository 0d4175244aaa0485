r"""What the command line reads and writes, checked before any work starts.

The CLI's promise is "the same answer as Python, or one clear line saying why not". This
module holds the pieces that keep it:

- :func:`read_csv` opens a user's CSV file and turns every way it can fail (no such file, a
  directory, not UTF-8, not a table) into a ``ValueError`` that names the file and the fix.
- :func:`read_features` reads rows to score **as the saved model's schema says**: a
  categorical column is read as text and mapped back to the levels the model was fitted on
  (``"01"`` stays ``"01"``, ``"NA"`` stays a level when it is one), a numeric column is parsed
  with Python's correctly rounded float parser (the floats ``DataFrame.to_csv`` wrote come
  back bit for bit); missing columns are named before the model runs.
- :func:`check_model_out` and :func:`check_output` refuse an unusable destination before a
  model trains or a result is computed; :func:`check_savable`, a model that cannot be saved.
- :func:`check_params` refuses a misspelt ``--param`` with the valid names and the closest one.
- :func:`load_table`, :func:`positive_target`, :func:`csv_task` and :func:`csv_dataset` read a
  training table and its target (classes, or with ``--task`` an amount) for ``fit`` and ``study``.
- What the CLI prints: :func:`plain` (control and bidirectional-override characters escaped),
  :func:`scorecard_text`, :func:`plot_rules`, and :class:`Parser` (argparse with one-line
  usage errors and every option's default in ``--help``).

Examples
--------
>>> check_params("nam", {"max_epoch": 3})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: --param 'max_epoch' is not a parameter of nam; did you mean 'max_epochs'? ...
>>> print(plain("Income\nINTERCEPT +100"))
Income\u000aINTERCEPT +100
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shlex
import tempfile
from pathlib import Path

from .persistence.csv_features import (  # the monitor reads rows so too
    cell_number,
    column_plan,
    missing_cell,
    read_features,
    shown_cell,
    text_dates,
)
from .persistence.csv_io import (  # below the CLI: the monitor's and export's commands use them too
    TARGET_FILE,
    _is_model_dir,
    check_output,
    one_line,
    plain,
    read_csv,
)

__all__ = ["read_csv", "read_features", "read_target_info", "check_distill_out", "column_plan", "check_model_out", "check_output", "check_params", "check_savable",
           "parse_params", "emit", "one_line", "TARGET_FILE", "Parser", "plain",
           "scorecard_text", "plot_rules", "load_table", "positive_target", "csv_task", "csv_dataset"]


def check_distill_out(path) -> Path:
    """``distill --out``, checked before the fit: a directory (created if missing) that is not
    a saved model's: the rule set's files beside a model's would make the directory hold two."""
    p = Path(path)
    if str(path) == "":
        raise ValueError("--out is empty; give the directory to write the surrogate's files to.")
    if p.exists() and not p.is_dir():
        raise ValueError(f"--out {p} is an existing file; give a directory (it is created if missing).")
    if p.is_dir() and _is_model_dir(p):
        raise ValueError(f"--out {p} holds a saved model; write the surrogate's files to another directory.")
    return p


def read_target_info(model_dir) -> dict | None:
    """What ``fit --out`` recorded beside a model (``target.json``: target, positive class,
    labels, id column), or None when there is no such file; a file that is not the JSON
    object ``fit`` wrote is one ValueError naming it."""
    import json

    path = Path(model_dir) / TARGET_FILE
    if not path.is_file():
        return None
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not the JSON that `fit --out` wrote ({one_line(exc)}); it was changed after "
                         "saving. Run `fit --out` again, or delete it to score without the target's labels.") from None
    if not isinstance(info, dict):
        raise ValueError(f"{path} is not the JSON object that `fit --out` wrote; run `fit --out` again, or delete it.")
    return info


def check_model_out(path, force: bool = False) -> Path:
    """Where ``fit --out`` will save, checked before training: a new or empty directory, or
    (with ``force``) a saved model to replace or a directory to add the model's files to;
    never a file; its nearest existing folder writable (probed with a temporary file)."""
    if str(path) == "":
        raise ValueError("--out is empty; give the directory to save the model in (created if missing).")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise ValueError(f"--out {p} is an existing file, not a directory; give a directory to save the "
                         "model in (it is created if missing).")
    if p.is_dir() and any(p.iterdir()) and not force:
        if _is_model_dir(p):
            raise ValueError(f"--out {p} already holds a saved model; pass --force to replace it, or "
                             "choose another directory.")
        raise ValueError(f"--out {p} is a non-empty directory that holds no saved model; choose a new or "
                         "empty directory, or pass --force to save the model's files into it.")
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise ValueError(f"--out {p}: {probe} is a file, so the directory cannot be created.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".inn-probe-", dir=probe)
    except OSError as exc:
        raise ValueError(f"--out {p} cannot be written: {probe} is not writable ({exc.strerror}).") from None
    os.close(fd)
    os.unlink(tmp)
    return p


def check_savable(model, name: str) -> None:
    """Refuse ``fit --out`` for a model that cannot be saved (before it trains): a
    scikit-learn wrapper whose estimator could only be pickled."""
    try:
        model._get_state()
    except TypeError as exc:  # the refusal of a wrapper that would need pickle
        raise ValueError(f"--out: the model {name!r} cannot be saved: {one_line(exc)} Drop --out to fit it "
                         "for its held-out figures only.") from None
    except (AttributeError, ValueError):  # not fitted yet: it has no state now and can be saved once fitted
        pass


def parse_params(items: list[str] | None) -> dict:
    """``["hidden_sizes=[64,32]", "lr=0.01", "batch_norm=true"]`` -> dict (values read as
    JSON, falling back to plain strings)."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--param expects KEY=VALUE, got {item!r}.")
        k, v = item.split("=", 1)
        try:
            out[k.strip()] = json.loads(v)
        except json.JSONDecodeError:
            out[k.strip()] = v
    return out


def valid_params(model_name: str) -> list[str]:
    """The constructor parameters ``--param`` may set for a registry name (for scikit-learn
    wrappers, those of the wrapped estimator)."""
    from .models import make_model

    m = make_model(model_name)
    params = m.get_params(deep=False)
    inner = params.get("estimator")
    if inner is not None and hasattr(inner, "get_params") and set(params) <= {"estimator", "raw_numeric"}:
        params = inner.get_params(deep=False)
    return sorted(params)


def check_params(model_name: str, params: dict, prefix: str = "") -> None:
    """Refuse a parameter ``model_name`` does not take, naming the closest valid one."""
    if not params:
        return
    valid = valid_params(model_name)
    for key in params:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1)
            hint = f"did you mean {prefix + close[0]!r}? " if close else ""
            raise ValueError(f"--param {prefix + key!r} is not a parameter of {model_name}; {hint}"
                             f"valid names: {', '.join(valid)}.")


def emit(text: str, output: str | None, message: str) -> None:
    """Write ``text`` to the file ``output`` (UTF-8, atomically: a reader or an interrupted
    run leaves the old file or the whole new one, never a truncated one) and print
    ``message``, or without an output file write ``text`` to standard output."""
    import sys

    if output:
        from .persistence import write_output

        write_output(output, text)
        print(message)
    else:
        sys.stdout.write(text)


def scorecard_text(card) -> str:
    """The scorecard as a plain-text table (feature, bin, points) with its scaling and check;
    numbers as written in the card's JSON (``:g`` showed 9999835 as 9.99984e+06)."""
    import pandas as pd

    from .rules.values import format_number

    t = card.table
    rows = pd.DataFrame({"feature": t["feature"].map(plain), "bin": t["bin"].map(plain),
                         "points": t["points"].map(format_number)})
    lines = ["Scorecard: score = base points + the points of each feature's bin; a higher score is a lower risk."]
    if card.pdo is not None:
        lines.append(f"Scaling: {format_number(card.base_score)} points at odds {format_number(card.base_odds)}:1 "
                     f"(good:bad); the odds double every {format_number(card.pdo)} points.")
    lines += ["", rows.to_string(index=False), ""]
    if card.check is not None:
        lines.append(f"Check: {plain(card.check.summary())}.")
    return "\n".join(lines) + "\n"


def plot_rules(rs, max_rules: int):
    """Bar chart of a rule set's rules by their points (largest magnitude first)."""
    import matplotlib.pyplot as plt
    import numpy as np

    linear = getattr(rs, "linear", ())
    # a linear term shows the points it adds from its lower to its upper bound
    items = [(plain(" AND ".join(c.to_text() for c in r.conditions) or "(always)")[:70], r.weight) for r in rs.rules]
    items += [(plain(f"{t.feature}: linear, {t.lo:g} to {t.hi:g}")[:70], t.points * (t.hi - t.lo)) for t in linear]
    items = sorted(items, key=lambda it: -abs(it[1]))[:max_rules]
    labels = [label for label, _ in items][::-1]
    weights = np.array([w for _, w in items])[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(items), 1) + 1.4))
    ax.barh(range(len(items)), weights, color=["#C44E52" if w > 0 else "#4C72B0" for w in weights])
    ax.set_yticks(range(len(items)), labels, fontsize=8)
    ax.axvline(0, color="black", lw=0.8)
    how = " (a linear term: from its lower to its upper bound)" if linear else ""
    ax.set_xlabel(f"points added to the score when the rule fires{how}; intercept {rs.intercept:g}")
    ax.set_title(f"{len(items)} of {rs.n_rules} rules" + (f" and {len(linear)} linear terms" if linear else "")
                 + ", by |points|")
    return fig


class HelpFormatter(argparse.HelpFormatter):
    """Help that shows each option's default, unless its text already names it."""

    def _get_help_string(self, action):
        text = action.help or ""
        if ("default" in text or not action.option_strings
                or action.default in (None, False, [], argparse.SUPPRESS)):
            return text
        return text + " (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """argparse with a one-line usage error: ``PROG: error: ... (see PROG --help)``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


# ---------------------------------------------------------------- training tables and their targets
def load_table(args) -> tuple:
    """(X, y, name) from --dataset NAME or --csv FILE --target COLUMN. A --csv file's
    --categorical columns are read as text (codes such as "01" stay "01") and its
    --id-column is left out of the features, as ``predict`` leaves it out."""
    import numpy as np

    from .datasets import load_dataset

    if getattr(args, "csv", None):
        if not args.target:
            raise ValueError("--csv needs --target COLUMN (the column to predict).")
        cats = list(getattr(args, "categorical", None) or [])
        df = read_csv(args.csv, what="--csv", encoding=getattr(args, "encoding", "utf-8"),
                      dtype={c: str for c in cats} or None, keep={args.target, *cats, getattr(args, "id_column", None)})
        absent = [c for c in [args.target, *cats] if c not in df.columns]
        if absent:
            raise ValueError(f"{absent} {'is not a column' if len(absent) == 1 else 'are not columns'} of "
                             f"{args.csv}; its columns are {list(df.columns)}.")
        for c in cats:
            df[c] = df[c].astype(object).where(df[c].notna(), np.nan)
        y = _text_target(df[args.target], args, text=args.target in cats)
        if y.isna().any():
            rows = (np.flatnonzero(y.isna().to_numpy()) + 1)[:5].tolist()
            raise ValueError(f"--target {args.target!r} of {args.csv} is empty in {int(y.isna().sum())} row(s) "
                             f"(data rows {rows}...); drop those rows or fill them in.")
        bad = np.flatnonzero(np.isinf(y.to_numpy())) if y.dtype.kind == "f" else []
        if len(bad):
            raise ValueError(f"--target {args.target!r} of {args.csv} holds an infinite number in {len(bad)} "
                             f"row(s) (data rows {(bad + 1)[:5].tolist()}); drop those rows or give finite values.")
        X = df.drop(columns=[args.target])
        idc = getattr(args, "id_column", None)
        if idc and idc in X.columns:
            X = X.drop(columns=[idc])
            print(f"column {idc!r} is the id column: left out of the features (--id-column '' keeps it)")
        X = text_dates(_text_numbers(X, set(cats), args.csv), set(cats), args.csv)
        _refuse_infinite(X, args.csv)
        return X, y.to_numpy(), Path(args.csv).stem
    ds = load_dataset(args.dataset)
    return ds.X, ds.y, ds.name


def _categorical_flag(c) -> str:
    """``--categorical NAME`` as a shell takes it back (``--categorical=-x`` for a name that
    starts with a dash, which argparse would read as an option)."""
    quoted = shlex.quote(str(c))
    return f"--categorical={quoted}" if str(c).startswith("-") else f"--categorical {quoted}"


def _read_numbers(s, where: str, fix: str, by_distinct: bool = True):
    """A column pandas left as text, read cell by cell as ``predict`` reads a number column
    (:func:`~.persistence.csv_features.cell_number`): None where it is no number column (no
    cell is a number, or fewer cells and fewer distinct cells are numbers than text; then it
    stays text); else the numbers, int64 where every cell is a whole number (as pandas reads
    an unpadded column of them), NaN where missing. A column that is a number column by either
    count but holds text cells ("?", "n.a.", "1_000") is refused naming them, ``where`` (the
    column and file) and ``fix``: as categories the numbers would be levels with no order.
    ``by_distinct=False`` counts rows only (a target's labels may be a few number codes among
    words)."""
    import numpy as np
    import pandas as pd

    cells = s.astype(object).where(s.notna())
    if not all(isinstance(v, str) for v in cells.dropna()):
        return None
    nums = [cell_number(v) for v in cells]
    words = [i for i, v in enumerate(nums) if v is None]
    found = [v for v in nums if v is not None and not np.isnan(v)]
    distinct = by_distinct and len(set(found)) > len({cells.iloc[i].strip() for i in words})
    if words and (len(found) > len(words) or distinct):
        shown = ", ".join(f"{shown_cell(cells.iloc[i])} (data row {i + 1})" for i in words[:3])
        raise ValueError(f"{where} holds numbers in {len(found)} row(s) and text in {len(words)}: {shown}"
                         f"{'...' if len(words) > 3 else ''}; {fix}")
    if words:
        return None  # text (categories, dates, labels): as pandas read it
    values = pd.Series(nums, index=s.index, dtype=np.float64)
    whole = cells.dropna().astype(str).str.strip().str.fullmatch(r"[+-]?\d+").all() and values.notna().all()
    return values.astype(np.int64) if whole and (values.abs() < 2.0**63).all() else values


def _text_numbers(X, text: set, path):
    """``X`` with every column pandas left as text read as ``predict`` reads a number column
    (:func:`_read_numbers`), so that one file is one table to both: a column whose every cell
    is a number or missing there (`` -Infinity ``, ``NAN``, ``+nan``, `` 12 ``, a non-breaking
    space around digits) becomes numbers (an infinite cell is then refused by
    :func:`_refuse_infinite`; a column of missing words only is missing); a number column
    with some text cells is refused; --categorical columns (``text``) stay text."""
    import pandas as pd

    for c in X.columns:
        s = X[c]
        if c in text or s.dtype.kind in "biufcmM" or isinstance(s.dtype, pd.CategoricalDtype):
            continue
        values = _read_numbers(s, f"column {c!r} of {path}",
                               f"blank those cells (a blank cell is a missing value) or fix them, or, if {c!r} is "
                               f"a code, read it as categories: {_categorical_flag(c)}.")
        if values is not None:
            X = X.assign(**{c: values})
    return X


def _text_target(y, args, text: bool = False):
    """The --target column of a --csv file with its cells read as ``predict`` reads numbers
    (:func:`_read_numbers`, by rows): numbers where they are numbers (`` inf ``, ``NAN``, a
    padded `` 1 ``: pandas left the column text, which made a regression target one class per
    value, or ``NAN`` a third class of a 0/1 target), a number target with a stray word
    refused; text labels, or every cell with ``text`` (--categorical), without the spaces
    around them (`` yes`` was a class apart from ``yes``) and their missing spellings
    (``NAN``, `` NA ``, a blank of spaces) missing. Whole numbers past a float are refused."""
    import numpy as np

    big = _past_float(y)
    if big:
        raise ValueError(f"--target {args.target!r} of {args.csv} holds an infinite number in {len(big)} row(s) "
                         f"(data rows {[i + 1 for i in big[:5]]}); drop those rows or give finite values.")
    if y.dtype.kind == "O" and all(type(v) is int for v in y.dropna()) and len(y.dropna()):
        return y.where(y.isna(), y.astype(str))  # whole numbers past int64: exact labels (--task regression reads them)
    if y.dtype.kind in "biufcmM":
        return y
    if not text:
        values = _read_numbers(y, f"--target {args.target!r} of {args.csv}", "fix those rows or drop them (labels "
                               f"that are codes? read them as text: {_categorical_flag(args.target)}).", False)
        if values is not None:
            return values
    cells = y.astype(object).where(y.notna())
    missing = np.array([isinstance(v, str) and missing_cell(v) for v in cells], dtype=bool)
    return cells.map(lambda v: v.strip() if isinstance(v, str) else v).where(~missing)


def _past_float(values) -> list[int]:
    """Positions of the whole numbers past the largest float (pandas keeps them Python ints)."""
    return [i for i, v in enumerate(values) if isinstance(v, int) and abs(v) >= 2**1024]


def _refuse_infinite(X, path) -> None:
    """An infinite cell of a --csv file (``inf``, ``1e999``, or a whole number of more than 308
    digits, which pandas keeps as a Python int), named by the file, its column and data row,
    before the model's check calls the table "X"."""
    import numpy as np

    for c in X.columns:
        if X[c].dtype.kind == "f":
            bad = np.flatnonzero(np.isinf(X[c].to_numpy()))
        elif X[c].dtype.kind == "O":
            bad = np.array(_past_float(X[c]), dtype=int)
        else:
            continue
        if len(bad):
            raise ValueError(f"column {c!r} of {path} holds an infinite number in {len(bad)} row(s) (data "
                             f"rows {(bad + 1)[:5].tolist()}); blank those cells (a blank cell is a missing "
                             f"value) or give finite numbers (a code column? read it as text: {_categorical_flag(c)}).")


def positive_target(args, y, name: str) -> tuple:
    """(y, target info): with ``--positive-class`` the labels become 1 for that class and 0
    for the others; the info names the target column and the positive class."""
    import numpy as np

    from .datasets import load_dataset

    target = args.target if getattr(args, "csv", None) else None
    positive = None
    if not getattr(args, "csv", None):
        ds = load_dataset(args.dataset)
        target, positive = ds.target, ds.positive_label
    try:  # in the order the model sorts its classes (numbers by value: 9 before 10), as text
        labels = [str(v) for v in np.unique(np.asarray(y))]
    except TypeError:  # mixed types cannot be sorted together; the model refuses them itself
        labels = [str(v) for v in np.unique(np.asarray(y).astype(str))]
    if args.positive_class is not None:
        if not getattr(args, "csv", None):
            if args.positive_class not in (str(positive), "1"):
                raise ValueError(f"--positive-class {args.positive_class!r}: data set {name}'s positive class "
                                 f"is {positive!r} (its y is 1 for it); drop the option or use --csv.")
        else:
            if args.positive_class not in labels:
                raise ValueError(f"--positive-class {args.positive_class!r} is not a label of {target!r}; "
                                 f"labels: {labels}.")
            positive = args.positive_class
            y = (np.asarray(y).astype(str) == positive).astype(int)
    elif positive is None and len(labels) == 2:
        positive = labels[1]
    info = {"target": target, "positive_class": None if positive is None else str(positive), "labels": labels}
    return y, info


def csv_task(args, y) -> str:
    """The task of a ``--csv`` target: ``--task``, or read from it (fractions: regression;
    labels and at most 20 whole numbers: classes; more whole numbers refused, naming
    ``--task``). ``--positive-class`` on a regression target is refused."""
    import numpy as np
    import pandas as pd

    from .data.datasets import target_task

    if not getattr(args, "csv", None):
        if args.task not in ("auto", "classification"):
            raise ValueError(f"--task {args.task} is for --csv; the built-in data sets are classification.")
        return "classification"
    task = args.task if args.task != "auto" else target_task(
        y, f"--target {args.target!r}", ("--task regression", "--task classification"))
    if task == "regression":
        values = pd.to_numeric(pd.Series(np.asarray(y)), errors="coerce")
        if values.isna().any() or not np.isfinite(values.to_numpy(dtype=float)).all():
            raise ValueError(f"--target {args.target!r} is a regression target but holds "
                             f"{int((~np.isfinite(values.to_numpy(dtype=float))).sum())} missing, infinite or "
                             "non-numeric values; drop those rows.")
        if args.positive_class is not None:
            raise ValueError(f"--positive-class is for classes; --target {args.target!r} is a regression target "
                             "(an amount): drop the option, or give --task classification for whole-number classes.")
    return task


def csv_dataset(args):
    """``study --csv FILE --target COL`` as a Dataset: a two-label target becomes 1 for
    --positive-class (default: the last label in sort order, said on stdout) and 0 else."""
    import numpy as np

    from .data.datasets import Dataset

    X, y, name = load_table(args)
    if csv_task(args, y) == "regression":
        return Dataset(X=X, y=np.asarray(y, dtype=float), name=name, task="regression", target=args.target)
    y, info = positive_target(args, y, name)
    y = np.asarray(y)
    positive = info["positive_class"]
    if len(info["labels"]) == 2 and set(np.unique(y).tolist()) != {0, 1}:
        if args.positive_class is None:
            print(f"positive class of {args.target!r}: {positive!r} (the last label in sort order; "
                  "--positive-class LABEL to choose)")
        y = (y.astype(str) == positive).astype(np.int64)
    if y.dtype.kind == "f" and (~np.isfinite(y) | (y != np.round(y))).any():  # 483.66 became class 483
        raise ValueError(f"--target {args.target!r} holds numbers with fractions or infinities, which are no class "
                         "labels; for an amount give --task regression (and drop infinite rows).")
    if y.dtype.kind == "f" and not np.isnan(y).any():  # whole numbers read as floats (0.0/1.0): classes
        y = y.astype(np.int64)
    if y.dtype.kind not in "iub":
        raise ValueError(f"--target {args.target!r} has {len(info['labels'])} labels; a study of a --csv "
                         "file needs two labels (give --positive-class) or numeric classes.")
    return Dataset(X=X, y=y, name=name, task="classification", target=args.target, positive_label=positive)

"""The ``monitor`` subcommand: ``interpretable-nn monitor MODEL_DIR --reference ref.csv
--current cur.csv [--store monitor.sqlite] -o monitor.html``.

Exit status: 0 when no alert fires, 3 when one does (``--fail-on act``: only "act" alerts
count), so a scheduler can act on it; bad input exits 1 (one line on stderr, through the
main CLI) and a usage error 2 (argparse).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from .performance import class_list

__all__ = ["add_parser", "run", "EXIT_ALERT"]

#: exit status when an alert fires
EXIT_ALERT = 3


def add_parser(sub: Any) -> None:
    """Register ``monitor`` on the CLI's subparsers."""
    s = sub.add_parser("monitor", help="drift of the score, the inputs and the explanations against a reference; "
                                       "exit 3 when an alert fires")
    s.add_argument("model_dir", help="directory written by `fit --out` or model.save()")
    s.add_argument("--reference", required=True, help="CSV of reference rows (e.g. the validation sample)")
    s.add_argument("--current", required=True, help="CSV of the batch to check")
    s.add_argument("--target", help="label column, when present in both files: adds performance figures")
    s.add_argument("--protected", help="protected column for the fairness figures (with --target)")
    s.add_argument("--store", help="SQLite file: log each applicant's score, reasons and review flags, "
                                   "and the batch's figures (trends in the page)")
    s.add_argument("--batch", help="name of the batch in --store (default: the UTC time)")
    s.add_argument("--id-column", help="column of --current logged as the applicant id")
    s.add_argument("--encoding", default="utf-8", help="text encoding of both CSV files (default utf-8)")
    s.add_argument("-o", "--output", default="monitor.html", help="HTML page to write (default monitor.html)")
    s.add_argument("--json", help="also write the figures and alerts as JSON here")
    s.add_argument("--fail-on", choices=["watch", "act"], default="watch",
                   help="lowest alert level that makes the exit status 3 (default watch)")
    s.set_defaults(func=run)


def _read(path: str, what: str, model: Any, target: str | None = None, id_column: str | None = None,
          encoding: str = "utf-8") -> Any:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{what} {p}: no such file; give a CSV with the model's columns.")
    schema = getattr(getattr(model, "encoder_", None), "schema_", None)
    dtype = None
    if schema is not None:
        dtype = {f.name: str for f in schema.features
                 if not f.is_numeric and f.categories and all(isinstance(c, str) for c in f.categories)}
    from ..persistence.csv_features import column_plan, read_features
    from ..persistence.csv_io import read_csv

    if id_column is not None:  # ids as written: 000123 stays 000123 (it was logged as 123)
        dtype = {**(dtype or {}), id_column: str}
    df = read_csv(p, what=what, dtype=dtype, encoding=encoding,  # the other commands' reader: its checks, hints
                  keep={*column_plan(model), id_column, target})
    classes = getattr(model, "classes_", None)
    text_target = target in df.columns and classes is not None and all(isinstance(c, str) for c in classes)
    if column_plan(model) or text_target:
        # the model's columns as `predict` reads them (a level "NA" stays a level: pandas'
        # default NA words made it missing here, and the logged scores differed from predict's),
        # and text labels as fit reads them, in the same read (stripped; "NA" is a label where
        # the model has it, else missing as a blank cell is)
        X, raw = read_features(p, model, what=what, id_column=target if text_target else None, encoding=encoding)
        for name in X.columns:
            df[name] = X[name]
        if text_target:
            df[target] = _text_labels(raw, set(classes))
    numbers = classes is not None and all(isinstance(c, (int, float, np.number)) and not isinstance(c, (bool, np.bool_))
                                          for c in classes)
    if numbers and target in df.columns and df[target].dtype.kind not in "biuf":
        df[target] = _number_labels(df[target], f"--target {target!r} of {what} {p}")
    return df


def _text_labels(raw: Any, classes: set) -> Any:
    """Text labels read as ``fit --csv`` reads them: without spaces around them (unless a
    class has them: a model fitted in Python), and a blank
    cell or a missing-value word (``NA``, ``NAN``) missing unless it is one of ``classes``."""
    from ..persistence.csv_features import missing_cell

    cells = raw.astype(object).map(lambda v: v.strip() if isinstance(v, str) and v not in classes else v)
    return cells.where(~np.array([v not in classes and missing_cell(v) for v in cells], dtype=bool), None)


def _number_labels(y: Any, where: str) -> Any:
    """A label column of a model with number classes that pandas left as text (a padded cell,
    ``NAN``, a stray word), read as ``predict`` reads numbers: a cell that is no number is
    refused naming it; missing spellings are missing (refused by :func:`_split`)."""
    import pandas as pd

    from ..persistence.csv_features import cell_number, shown_cell

    cells = y.astype(object)
    numbers = [cell_number(v) for v in cells]
    bad = [i for i, n in enumerate(numbers) if n is None]
    if bad:
        raise ValueError(f"{where} holds {shown_cell(cells.iloc[bad[0]])} (data row {bad[0] + 1}), which is no "
                         f"label of the model (its classes are numbers); fix or drop that row.")
    return pd.Series(numbers, index=y.index, dtype=float)


def _split(df: Any, target: str | None, what: str, classes: Any = None) -> tuple[Any, Any]:
    """(rows, labels) of a file: its empty labels and, for a classifier, labels that are none
    of its ``classes`` refused naming the file and the data rows."""
    if target is None:
        return df, None
    if target not in df.columns:
        raise ValueError(f"{what} has no column {target!r} (--target); its columns are {list(df.columns)}.")
    empty = [int(i) + 1 for i in np.flatnonzero(df[target].isna().to_numpy())]
    if empty:
        raise ValueError(f"--target {target!r} of {what} is empty in {len(empty)} row(s) (data rows {empty[:5]}); "
                         "drop those rows or fill the labels in.")
    if classes is not None:
        known = df[target].isin(list(classes)).to_numpy()
        if not known.all():
            rows = [int(i) + 1 for i in np.flatnonzero(~known)]
            raise ValueError(f"--target {target!r} of {what} holds label(s) {sorted(map(str, set(df[target][~known])))} "
                             f"(data rows {rows[:5]}) that the model does not know; its classes are "
                             f"{class_list(classes)}.")
    return df.drop(columns=[target]), df[target].to_numpy()


def run(args: Any) -> int:
    """Run the check; write the page (and JSON); return 0 or :data:`EXIT_ALERT`."""
    from sklearn.base import is_regressor

    from ..persistence import load_model, write_output
    from .monitor import Monitor

    if not Path(args.model_dir).is_dir():
        raise FileNotFoundError(f"model directory {args.model_dir}: no such directory; give the directory "
                                "written by `interpretable-nn fit --out` or model.save().")
    from ..persistence.csv_io import check_output

    inputs = [args.reference, args.current, args.store]  # every destination checked before any work
    check_output(args.output, what="-o/--output", inputs=inputs)
    if args.json:
        check_output(args.json, what="--json", inputs=[*inputs, args.output])
    model = load_model(args.model_dir)
    if is_regressor(model) and (args.target or args.protected):  # before any file is read: its labels are moot
        raise ValueError("--target/--protected: this model predicts an amount; the monitor watches its scores, inputs "
                         "and explanations without labels, and the performance and fairness figures are a "
                         "classifier's, so drop --target and --protected.")
    if args.protected and not args.target:  # (a regressor's was refused above)
        raise ValueError("--protected needs --target (the fairness figures need labels).")
    names = getattr(model, "feature_names_in_", None)
    features = [] if names is None else [str(n) for n in names]
    if args.target is not None and args.target in features:
        raise ValueError(f"--target {args.target!r} is a feature of the model; give the label column, one the model "
                         "does not read.")
    classes = getattr(model, "classes_", None)  # (a regressor's files are read without labels: refused above)
    ref, y_ref = _split(_read(args.reference, "--reference", model, args.target, encoding=args.encoding),
                        args.target, f"--reference {args.reference}", classes)
    cur, y_cur = _split(_read(args.current, "--current", model, args.target, args.id_column, args.encoding),
                        args.target, f"--current {args.current}", classes)
    for what, path, df in (("--reference", args.reference, ref), ("--current", args.current, cur)):
        if not len(df):
            raise ValueError(f"{what} {path} has no rows (a header only); give a CSV of rows to check.")
    mon = Monitor(model, reference=ref, y_reference=y_ref, protected=args.protected)
    if args.store:
        report, _ = mon.log(cur, args.store, batch=args.batch, y=y_cur, id_column=args.id_column)
    else:
        report = mon.check(cur, y_cur)
    report.to_html(args.output)
    if args.json:
        write_output(args.json, report.to_json())
    levels = [a.level for a in report.alerts]
    firing = [a for a in report.alerts if args.fail_on == "watch" or a.level == "act"]
    print(f"{len(report.alerts)} alert(s) ({levels.count('act')} act, {levels.count('watch')} watch); "
          f"score PSI {report.psi:.4f}; page {args.output}", file=sys.stdout)
    for a in firing:
        print(f"  {a.level}: {a.message}", file=sys.stdout)
    return EXIT_ALERT if firing else 0

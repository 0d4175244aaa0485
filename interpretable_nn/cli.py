"""``interpretable-nn``: the command-line front end over the library's functions.

Subcommands: ``datasets``, ``models``, ``fit``, ``predict``, ``reasons``, ``export-rules``,
``scorecard``, ``plot``, ``distill``, ``study``, ``report``, ``demo``. Each has ``--help``.
A new subcommand is one ``_add_*`` function (its ``sub.add_parser(...)`` block, listed in
``_SUBCOMMANDS``) and one ``_cmd_*`` function that calls the library (no logic of its own here).

Errors: every failure is one line on stderr and a non-zero exit status, never a traceback:
``1`` for a problem with the input, the files or the options (the library's ``ValueError``,
``TypeError``, ``ImportError`` and the file system's ``OSError``), ``2`` for a command line
argparse cannot read, ``70`` for an unexpected error (a bug: ``--traceback`` shows where;
``70`` is sysexits' EX_SOFTWARE, so it never collides with a command's own status, such as
``monitor``'s ``3`` for an alert), ``130`` when interrupted. Files are read as the saved
model's schema says and destinations are checked before the work starts
(:mod:`interpretable_nn.cli_io`).

Why this file passes 500 lines: it is one flat list of small, independent pairs (a parser
block and a command) plus the few helpers they share (reading a table, which label a saved
model's score is the log-odds of, loading a model or a distilled rule set); splitting it
would scatter the one place a reader looks up what a command does. Reading and checking
files lives in ``cli_io``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

from .cli_io import (
    TARGET_FILE,
    Parser,
    check_distill_out,
    check_model_out,
    check_output,
    check_params,
    check_savable,
    emit,
    one_line,
    parse_params,
    plot_rules,
    read_csv,
    read_features,
    read_target_info,
    scorecard_text,
)
from .cli_io import csv_dataset as _csv_dataset
from .cli_io import csv_task as _csv_task
from .cli_io import load_table as _load_table
from .cli_io import positive_target as _positive_target

__all__ = ["main", "build_parser"]

_parse_params = parse_params
_emit = emit


_TARGET_FILE = TARGET_FILE  # beside a saved model: which label its score is the log-odds of


def _target_label(model_dir) -> str | None:
    """"Status = bad" for a model saved by ``fit --out`` (its target.json), else None."""
    info = read_target_info(model_dir)
    if info is None or info.get("positive_class") is None:
        return None
    return f"{info.get('target') or 'y'} = {info['positive_class']}"


def _load_scorer(model_dir):
    """A saved model (``fit --out``), or the rule set of a ``distill --out`` directory."""
    from .persistence import load_model

    path = Path(model_dir)
    if not path.exists():
        raise ValueError(f"model directory {path}: no such directory; give the directory written by "
                         "`interpretable-nn fit --out` or model.save().")
    if not (path / "manifest.json").is_file() and (path / "ruleset.json").is_file():
        from .rules import RuleSet

        return RuleSet.from_json((path / "ruleset.json").read_text(encoding="utf-8"))
    return load_model(model_dir)


def _id_column(args) -> str | None:
    """``--id-column`` as given, else the one ``fit`` recorded beside the model, else "id"."""
    if args.id_column is not None:
        return args.id_column or None
    info = read_target_info(args.model_dir)
    return info["id_column"] if info is not None and "id_column" in info else "id"


def _feature_names(model) -> list[str]:
    enc = getattr(model, "encoder_", None)
    return list(enc.schema_.names) if enc is not None else list(model.feature_names)


def _cmd_datasets(args) -> int:
    from .datasets import list_datasets

    print(list_datasets().to_string(index=False))
    return 0


def _cmd_models(args) -> int:
    from .models import list_models

    print(list_models().to_string(index=False))
    return 0


@contextmanager
def _held_out(model, Xte, name: str):
    """Scoring ``fit``'s held-out rows: a column with missing values there only is said in the
    file's words (the model's own warning said the training file "had none in training");
    their range warnings follow as at predict."""
    from .data.ranges import MissingNotSeenWarning

    schema = getattr(getattr(model, "encoder_", None), "schema_", None)
    for f in [] if Xte is None or schema is None else [f for f in schema if not f.has_missing]:
        if held := int(Xte[f.name].isna().sum()):
            warnings.warn(f"Column {f.name!r} of {name} has missing values only in the rows held out to measure the "
                          f"model ({held} of {len(Xte)}): it learned nothing for them. Refit with --test-size 0 to "
                          "learn from every row, or fill them.", MissingNotSeenWarning, stacklevel=3)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=MissingNotSeenWarning, message=r"Column .* but it had none")
        yield


def _cmd_fit(args) -> int:
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from .models import make_model
    from .models.magnitudes import stable_r2

    if not 0 <= args.test_size < 1:
        raise ValueError(f"--test-size must be in [0, 1) (a share of the rows); got {args.test_size}.")
    out = None if args.out is None else check_model_out(args.out, force=args.force)  # before any training
    params = _parse_params(args.param)
    check_params(args.model, params)
    if args.seed is not None:
        params.setdefault("random_state", args.seed)
    X, y, name = _load_table(args)  # before the model: a --csv target says the task
    task = _csv_task(args, y)
    n_whole = len(np.unique(np.asarray(y))) if task == "classification" and np.asarray(y).dtype.kind in "iuf" else 0
    if args.task == "auto" and getattr(args, "csv", None) and n_whole > 2:  # read as classes: say how not to
        print(f"--target {args.target!r}: {n_whole} whole numbers, read as classes; for an amount give --task regression.")
    model = make_model(args.model, task, **params)
    if out is not None:
        check_savable(model, args.model)
    if task == "regression":
        y, target = np.asarray(y, dtype=float), {"target": args.target, "positive_class": None, "labels": []}
    else:
        y, target = _positive_target(args, y, name)
    if getattr(args, "csv", None):
        target["id_column"] = args.id_column or None
    if args.test_size > 0:
        strat = y if task == "classification" and len(np.unique(y)) <= 20 else None
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=args.test_size, random_state=args.seed or 0, stratify=strat)
    else:
        Xtr, ytr, Xte, yte = X, y, None, None
    t = time.perf_counter()
    with warnings.catch_warnings():
        from .data.schema import IdentifierColumnWarning, NumericTextWarning

        for c in getattr(args, "categorical", None) or []:  # categories on request: no hint to make them so
            for kind in (NumericTextWarning, IdentifierColumnWarning):
                warnings.filterwarnings("ignore", f"Column {re.escape(repr(str(c)))} holds", kind)
        try:
            model.fit(Xtr, ytr)
        except ValueError as exc:  # a binary model's multiclass advice is Python's, not the shell's
            if n_whole > 2 and args.task == "auto" and str(exc).startswith("Only binary classification"):
                raise ValueError(f"--target {args.target!r} holds {n_whole} whole numbers, read as classes, and "
                                 f"{args.model} fits two: for an amount, a count or a score give --task regression."
                                 ) from None
            raise
    print(f"fitted {args.model} on {name}: {len(ytr)} rows in {time.perf_counter() - t:.2f}s")
    if target["positive_class"] is not None:
        print(f"score = log-odds of {target['target'] or 'y'} = {target['positive_class']}")
    with _held_out(model, Xte, getattr(args, "csv", None) or name):
        if Xte is not None and task == "classification" and hasattr(model, "predict_proba") and len(np.unique(y)) == 2:
            auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
            print(f"held-out AUC ({len(yte)} rows): {auc:.4f}")
        elif Xte is not None and task == "regression":
            print(f"held-out R² ({len(yte)} rows): {stable_r2(yte, model.predict(Xte)):.4f}")
    if out is not None:
        from .persistence import write_file_atomic

        model.save(out)
        write_file_atomic(out / _TARGET_FILE, json.dumps(target, indent=1) + "\n")
        print(f"saved to {out.resolve()} (score new rows: interpretable-nn predict {out} --input FILE.csv)")
    else:
        print("the model was not saved (no --out DIR given)")
    return 0


def _cmd_predict(args) -> int:
    import pandas as pd

    model = _load_scorer(args.model_dir)
    if args.output:
        check_output(args.output, inputs=[args.input])
    id_column = _id_column(args)
    X, ids = read_features(args.input, model, encoding=args.encoding, id_column=id_column)
    out = pd.DataFrame(index=X.index)
    if ids is not None:
        out[id_column] = ids.to_numpy()
    label = _target_label(args.model_dir)
    if label is not None:
        print(f"score = log-odds of {label}; probability = P({label})", file=sys.stderr)
    if hasattr(model, "classes_") or hasattr(model, "classes"):
        proba = model.predict_proba(X)
        if proba.shape[1] == 2:
            out["score"] = model.decision_function(X)
            out["probability"] = proba[:, 1]
        else:  # one frame, not a column at a time (pandas warned of fragmentation past 100 classes)
            classes = getattr(model, "classes_", getattr(model, "classes", None))
            out = pd.concat([out, pd.DataFrame(proba, index=X.index, columns=[f"probability_{c}" for c in classes])],
                            axis=1)
    out["prediction"] = model.predict(X)
    _emit(out.to_csv(index=False), args.output, f"wrote {len(out)} predictions to {args.output}")
    return 0


def _cmd_study(args) -> int:
    from .studies import run_study
    from .studies.report import write_report
    from .studies.store import store_path

    if args.report:  # checked before the study: the page must not land on the results it reports
        check_output(args.report, what="--report", inputs=[args.out])
        if Path(args.report).resolve() == store_path(args.out).resolve():
            raise ValueError(f"--report {args.report} is the study's results store; choose another file name "
                             "(e.g. report.html).")

    params: dict = {}
    for key, value in _parse_params(args.param).items():
        if "." not in key:
            raise ValueError(f"--param expects MODEL.KEY=VALUE (e.g. mlp.max_epochs=50), got {key!r}.")
        model, name = key.split(".", 1)
        if model not in args.models:
            raise ValueError(f"--param {key!r}: {model!r} is not one of --models {args.models}.")
        params.setdefault(model, {})[name] = value
    for model, fixed in params.items():
        check_params(model, fixed, prefix=f"{model}.")
    datasets = list(args.datasets or [])
    if args.csv:
        datasets.append(_csv_dataset(args))
    if not datasets:
        raise ValueError("study needs --datasets NAME ... or --csv FILE --target COLUMN (or both).")
    rows = run_study(
        datasets, args.models, seeds=args.seeds, folds=args.folds, out=args.out, backend=args.backend,
        n_jobs=args.n_jobs, scheduler_address=args.scheduler, params=params or None,
        checks=() if args.no_checks else tuple(args.checks), check_folds=None if args.check_all_folds else (0,),
        retry_failed=args.retry_failed, verbose=1,
    )
    failed = int((rows["status"] == "failed").sum())
    print(f"{len(rows)} cells in {args.out} ({failed} failed); report: interpretable-nn report {args.out} -o report.html")
    if len(rows) and failed == len(rows):  # measured nothing: not a finished study (it exited 0)
        print(f"error: every one of the {len(rows)} cells failed; their errors: "
              f"interpretable_nn.studies.load_results({args.out!r})['error']", file=sys.stderr)
        return 1
    if args.report:
        print(f"report written to {write_report(args.out, args.report)}")
    return 0


def _cmd_report(args) -> int:
    from .studies.report import write_report

    check_output(args.output, what="-o/--output")
    print(f"report written to {write_report(args.results, args.output, complexity=args.complexity)}")
    return 0


def _cmd_reasons(args) -> int:
    from .explain import reason_codes

    model = _load_scorer(args.model_dir)
    if args.output:
        check_output(args.output, inputs=[args.input, args.background, args.reason_map])
    id_column = _id_column(args)
    X, ids = read_features(args.input, model, encoding=args.encoding, id_column=id_column)
    bg = None
    if args.background:
        bg, _ = read_features(args.background, model, encoding=args.encoding, what="--background")
    rmap = None
    if args.reason_map:
        rmap = read_csv(args.reason_map, what="--reason-map", encoding=args.encoding, dtype=str)
    adverse = _adverse_class(model, args.model_dir, args.adverse_class)
    out = reason_codes(model, X, k=args.k, reference=args.reference, background=bg, threshold=args.threshold,
                       adverse_class=adverse, reason_map=rmap)
    label = _target_label(args.model_dir)
    if label is not None:
        target, pos = label.split(" = ", 1)
        print(f"reasons for the log-odds of {label if adverse in (None, 1) else f'{target} != {pos}'}",
              file=sys.stderr)
    if ids is not None:
        out.insert(0, id_column, ids.to_numpy()[out["row"].to_numpy(dtype=int)])
    _emit(out.to_csv(index=False), args.output, f"wrote {len(out)} reasons for {len(X)} rows to {args.output}")
    return 0


def _adverse_class(model, model_dir, given: str | None):
    """``--adverse-class`` as one of the model's classes: a label of the fitted target
    (target.json: the positive class is 1, the other label 0) or a class as written."""
    if given is None:
        return None
    import numpy as np

    classes = getattr(model, "classes_", getattr(model, "classes", None))
    classes = [] if classes is None else list(np.asarray(classes).tolist())
    info = read_target_info(model_dir)
    if info is not None:
        labels, pos = info.get("labels") or [], info.get("positive_class")
        if pos is not None and classes == [0, 1] and given in labels and given not in ("0", "1"):
            return 1 if given == pos else 0
    for c in classes:
        if str(c) == given:
            return c
    raise ValueError(f"--adverse-class {given!r} is not a class of the model; classes: {classes}.")


def _cmd_export_rules(args) -> int:
    from .rules import RuleSet

    model = _load_scorer(args.model_dir)
    if args.output:
        check_output(args.output)
    rs = model if isinstance(model, RuleSet) else getattr(model, "ruleset_", None)
    if rs is None and hasattr(model, "to_ruleset"):
        rs = model.to_ruleset()
    if rs is None:
        raise ValueError(
            f"{args.model_dir} holds a {type(model).__name__}, which has no rule set; "
            "export-rules needs a rule model (e.g. `interpretable-nn fit rulenet ...`) or a "
            "`distill --out` directory."
        )
    kw = {} if args.digits is None else {"digits": None if args.digits < 0 else args.digits}
    if args.format == "text":
        text = rs.to_text(**kw)
    elif args.format == "md":
        text = rs.to_markdown(**kw)
    elif args.format == "json":
        text = rs.to_json() + "\n"
    elif args.format == "sql":
        text = rs.to_sql(table=args.table, id_column=args.id_column or None, dialect=args.dialect,
                         days_stored=args.days_stored) + ";\n"
    elif args.format == "sympy":
        text = str(rs.to_sympy()) + "\n"
    else:
        text = rs.to_graphviz().source
    _emit(text, args.output, f"wrote {rs.n_rules} rules ({args.format}) to {args.output}")
    return 0


def _cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(out=args.out, folds=args.folds, quick=args.quick)
    return 0


def _cmd_distill(args) -> int:
    from .distill import SurrogateTree
    from .persistence import load_model

    out = None if args.out is None else check_distill_out(args.out)  # before the fit
    model = load_model(args.model_dir)
    if args.csv:
        X, _ = read_features(args.csv, model, encoding=args.encoding, what="--csv")
        name = Path(args.csv).stem
    else:
        X, _, name = _load_table(args)
        cols = model.encoder_.schema_.names
        X = X.drop(columns=[c for c in X.columns if c not in cols])
    s = SurrogateTree(max_depth=args.max_depth, augment=args.augment, search=args.search,
                      target_fidelity=args.target_fidelity, random_state=args.seed).fit(model, X)
    text = s.to_text()
    print(text, end="")
    if out is not None:
        from .persistence import write_file_atomic

        out.mkdir(parents=True, exist_ok=True)
        files = {"surrogate.txt": text, "surrogate.dot": s.to_graphviz().source,
                 "fidelity.json": json.dumps({"dataset": name, **s.fidelity_.to_dict()}, indent=1) + "\n",
                 "per_leaf.csv": s.fidelity_.details["per_leaf"].to_csv(index=False)}
        if s.task_ != "multiclass":
            files["ruleset.json"] = s.to_ruleset().to_json() + "\n"
        for file, content in files.items():  # each atomic: an interrupted run leaves no half-written file
            write_file_atomic(out / file, content)
        print(f"wrote {', '.join(files)} to {out}")
    return 0


def _cmd_scorecard(args) -> int:
    model = _load_scorer(args.model_dir)
    if not hasattr(model, "to_scorecard"):
        raise ValueError(f"{args.model_dir} holds a {type(model).__name__}, which has no scorecard; a scorecard "
                         "comes from an additive classifier (e.g. `interpretable-nn fit nam ... --out DIR`).")
    if args.output:
        check_output(args.output)
    card = model.to_scorecard(pdo=args.pdo, base_score=args.base_score, base_odds=args.base_odds,
                              max_bins=args.max_bins)
    if args.format == "text":
        text = scorecard_text(card)
    elif args.format == "md":
        text = card.to_markdown()
    elif args.format == "csv":
        text = card.table.to_csv(index=False)
    elif args.format == "json":
        text = card.to_json() + "\n"
    elif args.format == "pmml":
        text = card.to_pmml(reasons=args.reasons, days_stored=args.days_stored)
    else:
        text = card.to_sql(table=args.table, id_column=args.id_column or None, reasons=args.reasons,
                           dialect=args.dialect, days_stored=args.days_stored) + ";\n"
    _emit(text, args.output, f"wrote the scorecard ({len(card.table)} rows, {args.format}) to {args.output}")
    return 0


def _cmd_plot(args) -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .rules import RuleSet

    out = check_output(args.output, what="-o/--output")
    if out.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise ValueError(f"-o/--output {out}: give a .png, .svg or .pdf file name.")
    model = _load_scorer(args.model_dir)
    rs = model if isinstance(model, RuleSet) else getattr(model, "ruleset_", None)
    if hasattr(model, "plot_shape_functions"):
        fig, what = model.plot_shape_functions(max_terms=args.max_terms), "shape functions"
    elif hasattr(model, "plot_prototypes"):
        fig, what = model.plot_prototypes(max_prototypes=args.max_terms), "prototypes"
    elif rs is not None:
        fig, what = plot_rules(rs, args.max_terms), "rules"
    elif args.input:
        X, _ = read_features(args.input, model, encoding=args.encoding)
        fig, what = model.explain(X).plot(max_features=args.max_terms).figure, f"importance over {len(X)} rows"
    else:
        raise ValueError(f"{args.model_dir} holds a {type(model).__name__}, which has no plot of its own; pass "
                         "--input FILE.csv for its feature importance over those rows.")
    from .persistence import write_figure_atomic

    write_figure_atomic(fig, out, dpi=args.dpi)
    plt.close(fig)
    print(f"wrote the {what} of {type(model).__name__} to {out}")
    return 0


def _add_datasets(sub) -> None:
    s = sub.add_parser("datasets", help="list the built-in data sets with their sizes")
    s.set_defaults(func=_cmd_datasets)


def _add_models(sub) -> None:
    s = sub.add_parser("models", help="list the registered model names")
    s.set_defaults(func=_cmd_models)


def _add_fit(sub) -> None:
    s = sub.add_parser("fit", help="fit a model on a data set and save it")
    s.add_argument("model", help="registry name (see `interpretable-nn models`)")
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", help="built-in data set name (see `interpretable-nn datasets`)")
    src.add_argument("--csv", help="a CSV file with the features and the target column")
    s.add_argument("--target", help="target column of --csv")
    _add_csv_options(s)
    s.add_argument("--out", help="directory to save the fitted model to (checked before training; "
                   "without it the model is not saved)")
    s.add_argument("--force", action="store_true",
                   help="replace a model already in --out, or save into a non-empty directory")
    s.add_argument("--param", action="append", metavar="KEY=VALUE", help="model parameter (repeatable; JSON values)")
    s.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    s.add_argument("--test-size", type=float, default=0.2,
                   help="held-out share for a quick AUC (default %(default)s; 0 = fit on all rows)")
    s.add_argument("--positive-class", metavar="LABEL",
                   help="the label the score is the log-odds of (e.g. bad); default: the data set's "
                   "positive class, or for --csv the last label in sort order (with a warning)")
    _add_task(s)
    s.set_defaults(func=_cmd_fit)


def _add_task(s) -> None:
    s.add_argument("--task", choices=["auto", "classification", "regression"], default="auto",
                   help="--csv: what the target is (default auto: numbers with fractions are a regression "
                   "target, labels and at most 20 whole numbers are classes); a regression target fits the "
                   "model's regressor (see the regression column of `interpretable-nn models`)")


def _add_csv_options(s) -> None:
    """--categorical, --id-column and --encoding of a command reading a training CSV."""
    s.add_argument("--categorical", nargs="+", metavar="COL", default=[],
                   help="--csv columns read as text categories (codes like 01 stay '01')")
    s.add_argument("--id-column", default="id", help="--csv identifier column, left out of the features as "
                   "predict leaves it out (default 'id'; '' for none)")
    s.add_argument("--encoding", default="utf-8", help="text encoding of the CSV file (default utf-8)")


def _add_predict(sub) -> None:
    s = sub.add_parser("predict", help="score a CSV file with a saved model")
    s.add_argument("model_dir", help="directory written by `fit --out` or model.save()")
    s.add_argument("--input", required=True, help="CSV with the model's feature columns")
    s.add_argument("--output", help="CSV to write (default: stdout)")
    s.add_argument("--id-column", help="column copied to the output if present (default: the one `fit` "
                   "left out, else 'id'; '' for none)")
    s.add_argument("--encoding", default="utf-8", help="text encoding of the CSV files (default utf-8)")
    s.set_defaults(func=_cmd_predict)


def _add_reasons(sub) -> None:
    s = sub.add_parser("reasons", help="adverse-action reason codes for a CSV of applicants")
    s.add_argument("model_dir", help="directory written by `fit --out` or model.save()")
    s.add_argument("--input", required=True, help="CSV with the model's feature columns")
    s.add_argument("--k", type=int, default=4, help="reasons per applicant (default 4)")
    s.add_argument("--reference", choices=["best", "mean"], default="best",
                   help="points counted against the best (default) or the average value")
    s.add_argument("--background", help="CSV of reference rows (e.g. training data); needed with "
                   "--reference best for models that are neither additive nor rule sets")
    s.add_argument("--adverse-class", metavar="LABEL",
                   help="the class the reasons explain (default: the positive class the model was fitted for)")
    s.add_argument("--threshold", type=float,
                   help="declined only: rows whose adverse probability is below this get no reasons")
    s.add_argument("--reason-map", metavar="CSV", help="the lender's statements: CSV with reason,code,statement")
    s.add_argument("--output", help="CSV to write (default: stdout)")
    s.add_argument("--id-column", help="column copied to the output if present (default: the one `fit` "
                   "left out, else 'id'; '' for none)")
    s.add_argument("--encoding", default="utf-8", help="text encoding of the CSV files (default utf-8)")
    s.set_defaults(func=_cmd_reasons)


def _add_demo(sub) -> None:
    s = sub.add_parser("demo", help="the main job: a credit study on credit_data with a report")
    s.add_argument("--out", default="demo_results", help="output directory (default demo_results/)")
    s.add_argument("--folds", type=int, default=3, help="cross-validation folds (default 3)")
    s.add_argument("--quick", action="store_true", help="fewer epochs, for smoke tests")
    s.set_defaults(func=_cmd_demo)


def _add_study(sub) -> None:
    s = sub.add_parser("study", help="accuracy-vs-interpretability study: data sets x models x seeds x folds")
    s.add_argument("--datasets", nargs="+", default=[], help="built-in data set names")
    s.add_argument("--csv", help="a CSV file with the features and the target column (with or instead of --datasets)")
    s.add_argument("--target", help="target column of --csv")
    s.add_argument("--positive-class", metavar="LABEL",
                   help="--csv: the label counted as positive (default: the last label in sort order)")
    _add_task(s)
    _add_csv_options(s)
    s.add_argument("--models", nargs="+", required=True, help="registry names (see `interpretable-nn models`)")
    s.add_argument("--seeds", nargs="+", type=int, default=[0], help="seeds (default 0)")
    s.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    s.add_argument("--out", default="results", help="output directory holding results.sqlite (default results/)")
    s.add_argument("--backend", choices=["local", "dask"], default="local")
    s.add_argument("--n-jobs", type=int, default=1, help="worker processes (-1: one per core; default 1)")
    s.add_argument("--scheduler", help="address of a running Dask scheduler (with --backend dask)")
    s.add_argument("--param", action="append", metavar="MODEL.KEY=VALUE",
                   help="fixed model parameter, e.g. mlp.max_epochs=50 (repeatable; JSON values)")
    s.add_argument("--checks", nargs="*", default=["surrogate", "crosscheck", "fairness"],
                   help="checks per cell (default: surrogate crosscheck fairness)")
    s.add_argument("--no-checks", action="store_true", help="skip the checks")
    s.add_argument("--check-all-folds", action="store_true",
                   help="run the SHAP-based checks on every fold (default: the first fold of each seed)")
    s.add_argument("--retry-failed", action="store_true", help="rerun the cells stored as failed")
    s.add_argument("--report", metavar="HTML", help="also write the report to this file")
    s.set_defaults(func=_cmd_study)


def _add_export_rules(sub) -> None:
    s = sub.add_parser("export-rules", help="export a saved rule model's rule set (text, md, json, sql, sympy, dot)")
    s.add_argument("model_dir", help="directory written by `fit --out` or model.save()")
    s.add_argument("--format", choices=["text", "md", "json", "sql", "sympy", "dot"], default="text",
                   help="export format (default text)")
    s.add_argument("--output", help="file to write (default: stdout)")
    s.add_argument("--table", default="applicants", help="table scored by --format sql (default applicants)")
    from .rules.sql_dialects import DIALECTS

    s.add_argument("--dialect", default="sqlite", choices=DIALECTS,
                   help="SQL dialect of --format sql (default sqlite; sqlite, duckdb, postgres, spark run "
                   "and tested; bigquery, snowflake, tsql, ansi parse-checked; see RuleSet.to_sql)")
    s.add_argument("--id-column", default="id", help="id column the SQL returns beside the score ('' for none)")
    s.add_argument("--digits", type=int, help="significant digits of the points in text/md (default 3; "
                   "-1 for exact)")
    s.add_argument("--days-stored", action="store_true",
                   help="sql of a model fitted on dates: the columns hold days since 1970-01-01 (durations: days)")
    s.set_defaults(func=_cmd_export_rules)


def _add_scorecard(sub) -> None:
    s = sub.add_parser("scorecard", help="the points scorecard of a saved additive model (text, md, csv, json, sql, pmml)")
    s.add_argument("model_dir", help="directory written by `fit --out` (an additive classifier, e.g. nam)")
    s.add_argument("--format", choices=["text", "md", "csv", "json", "sql", "pmml"], default="text",
                   help="export format (default text)")
    s.add_argument("-o", "--output", help="file to write (default: stdout)")
    s.add_argument("--pdo", type=float, default=20, help="points to double the odds (default 20)")
    s.add_argument("--base-score", type=float, default=600, help="score at the base odds (default 600)")
    s.add_argument("--base-odds", type=float, default=50, help="good:bad odds at the base score (default 50)")
    s.add_argument("--max-bins", type=int, default=10, help="bins per numeric feature (default 10)")
    s.add_argument("--reasons", type=int, default=4, help="reason codes returned by sql/pmml (default 4)")
    s.add_argument("--table", default="applicants", help="table scored by --format sql (default applicants)")
    from .rules.sql_dialects import DIALECTS

    s.add_argument("--dialect", help="SQL dialect of --format sql (default sqlite; as export-rules)", default="sqlite",
                   choices=DIALECTS)
    s.add_argument("--id-column", default="id", help="id column the SQL returns beside the score ('' for none)")
    s.add_argument("--days-stored", action="store_true",
                   help="sql/pmml of a model fitted on dates: the columns hold days since 1970-01-01 (durations: days)")
    s.set_defaults(func=_cmd_scorecard)


def _add_plot(sub) -> None:
    s = sub.add_parser("plot", help="draw a saved model's own picture: shape functions, prototypes or rules")
    s.add_argument("model_dir", help="directory written by `fit --out`, model.save() or `distill --out`")
    s.add_argument("-o", "--output", required=True, help="image file to write (.png, .svg or .pdf)")
    s.add_argument("--max-terms", type=int, default=12,
                   help="most terms, prototypes or rules drawn (default 12)")
    s.add_argument("--input", help="CSV of rows: a model without a picture of its own draws its feature "
                   "importance over them")
    s.add_argument("--encoding", default="utf-8", help="text encoding of --input (default utf-8)")
    s.add_argument("--dpi", type=int, default=120, help="resolution of a .png (default 120)")
    s.set_defaults(func=_cmd_plot)


def _add_report(sub) -> None:
    s = sub.add_parser("report", help="write the self-contained HTML report of a study")
    s.add_argument("results", help="the study's output directory (or its results.sqlite)")
    s.add_argument("-o", "--output", default="report.html", help="HTML file to write (default report.html)")
    s.add_argument("--complexity", default="n_parameters",
                   help="x axis of the Pareto plots: n_parameters (default), n_terms, n_rules, n_conditions, ...")
    s.set_defaults(func=_cmd_report)


def _add_distill(sub) -> None:
    s = sub.add_parser("distill", help="distil a saved model into a surrogate tree with measured fidelity")
    s.add_argument("model_dir", help="directory written by `fit --out` or model.save()")
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", help="built-in data set whose rows the tree learns the model on")
    src.add_argument("--csv", help="a CSV file with the model's feature columns (and --target, dropped)")
    s.add_argument("--target", help="target column of --csv")
    s.add_argument("--encoding", default="utf-8", help="text encoding of --csv (default utf-8)")
    s.add_argument("--max-depth", type=int, default=4, help="depth of the surrogate tree (default 4)")
    s.add_argument("--augment", choices=["none", "jitter", "schema", "munge"], default="none",
                   help="extra teacher-labelled rows (default none)")
    s.add_argument("--search", choices=["auto", "greedy", "lookahead"], default="auto",
                   help="tree search: greedy CART, exact depth-2 lookahead, or auto: the one that "
                        "follows the model better on an inner validation share (default auto)")
    s.add_argument("--target-fidelity", type=float, default=None,
                   help="the smallest tree up to --max-depth whose held-out agreement reaches this")
    s.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    s.add_argument("--out", help="directory for surrogate.txt/.dot, ruleset.json, fidelity.json, per_leaf.csv")
    s.set_defaults(func=_cmd_distill)


def _add_export(sub) -> None:
    from .models.export_cli import add_parser

    add_parser(sub)


#: the subcommands in the order ``--help`` lists them
_SUBCOMMANDS = (
    _add_datasets,
    _add_models,
    _add_fit,
    _add_predict,
    _add_reasons,
    _add_demo,
    _add_study,
    _add_export_rules,
    _add_scorecard,
    _add_plot,
    _add_report,
    _add_distill,
    _add_export,
    __import__("interpretable_nn.monitor.cli", fromlist=["add_parser"]).add_parser,  # monitor (issue 19)
)


def build_parser() -> argparse.ArgumentParser:
    from ._version import __version__

    p = Parser(
        prog="interpretable-nn",
        description="Interpretable neural models for tabular decisions, with checked explanations.",
    )
    p.add_argument("--version", action="version", version=f"interpretable-nn {__version__}")
    p.add_argument("--traceback", action="store_true", help="on an error, show the full traceback")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for add in _SUBCOMMANDS:
        add(sub)
    for s in sub.choices.values():
        s.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                       help="on an error, show the full traceback")
    return p


def _named_table(text: str, files: dict[str, str]) -> str:
    """An unseen-level warning of a table (``Column 'c' of background: ...``) names its file;
    the user's rows (X) are unnamed in it, so ``files["X"]`` is added after the column."""
    import ast

    if not text.startswith("Column "):
        return text
    for what, name in files.items():
        sep = ": " if what == "X" else f" of {what}: "
        at = text.find(sep)
        while at > 0:  # the first place where what precedes is the column's whole repr (a name may hold ": ")
            try:
                column = ast.literal_eval(text[len("Column "):at])
            except (ValueError, SyntaxError):
                column = None
            if isinstance(column, str):
                return f"Column {column!r} of {name}: {text[at + len(sep):]}"
            at = text.find(sep, at + 1)
    return text


@contextmanager
def _one_line_warnings(files: dict[str, str] | None = None):
    """Warnings as ``warning: ...`` lines (not Python's two-line file:line format), each text
    once per command (``predict`` scored, took the probability and decided, and said an unseen
    level three times). A far-out value's warning names the command's files (``files``: the
    library's name for a table -> the file, :func:`_row_files`) where the library says "of X"."""
    from .data import OutOfRangeWarning, UnseenCategoryWarning

    before, shown = (warnings.formatwarning, warnings.showwarning), set()

    def show(message, category, filename, lineno, file=None, line=None):
        for what, name in (files or {}).items() if issubclass(category, OutOfRangeWarning) else ():
            head, sep, tail = str(message).rpartition(f" of {what} holds ")  # the last: a column may say it
            if sep:
                message = f"{head} of {name} holds {tail}"
                break
        if issubclass(category, UnseenCategoryWarning):  # "Column 'home' of background: 1 category ..."
            message = _named_table(str(message), files or {})
        for what, name in (files or {}).items():  # "X has column(s) ['id'] that the model was not fitted on"
            if str(message).startswith(f"{what} has column(s) "):
                message = f"{name}{str(message)[len(what):]}"
                break
        text = one_line(message)
        if text not in shown:
            shown.add(text)
            before[1](message, category, filename, lineno, file, line)

    warnings.formatwarning = lambda message, category, *a, **k: f"warning: {one_line(message)}\n"
    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.formatwarning, warnings.showwarning = before


def _row_files(args) -> dict[str, str]:
    """What a warning's "X" (far values, extra columns) and "background" or "reference" stand
    for in this command: its file of rows (--input or --csv; the monitor's --current, its
    --reference being read as "reference" only), and --background (``reasons`` reads it as
    "background" only, since stop 74)."""
    if getattr(args, "current", None):
        return {"X": args.current, "reference": args.reference}
    background = getattr(args, "background", None)
    rows = getattr(args, "input", None) or getattr(args, "csv", None)
    names = {"X": rows} if rows else {}
    return {**names, "background": background} if background else names


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv``; returns the exit status (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.traceback:
        return int(args.func(args) or 0)
    try:
        with _one_line_warnings(_row_files(args)):
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, ImportError, OSError) as exc:  # the library's and the file system's errors
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, and the way to see where
        print(f"error: unexpected {type(exc).__name__}: {one_line(exc)} (run with --traceback for details)",
              file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

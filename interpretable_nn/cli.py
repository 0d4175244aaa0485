"""``interpretable-nn``: the command-line front end over the library's functions.

Subcommands: ``datasets``, ``models``, ``fit``, ``predict``, ``reasons``, ``export-rules``,
``distill``, ``study``, ``report``, ``demo``. Each has ``--help``.
A new subcommand is one ``_add_*`` function (its ``sub.add_parser(...)`` block, listed in
``_SUBCOMMANDS``) and one ``_cmd_*`` function that calls the library (no logic of its own here).

Why this file passes 500 lines: it is one flat list of small, independent pairs (a parser
block and a command) plus the few helpers they share (reading a table, which label a saved
model's score is the log-odds of, loading a model or a distilled rule set); splitting it
would scatter the one place a reader looks up what a command does.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

__all__ = ["main", "build_parser"]


def _parse_params(items: list[str] | None) -> dict:
    """``["hidden_sizes=[64,32]", "lr=0.01", "batch_norm=true"]`` -> dict (values as JSON,
    falling back to plain strings)."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"--param expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        try:
            out[k] = json.loads(v)
        except json.JSONDecodeError:
            out[k] = v
    return out


def _emit(text: str, output: str | None, message: str) -> None:
    """Write ``text`` to the file ``output`` (UTF-8) and print ``message``, or, without an
    output file, write ``text`` to standard output."""
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(message)
    else:
        sys.stdout.write(text)


def _load_table(args) -> tuple:
    """(X, y, name) from --dataset NAME or --csv FILE --target COLUMN."""
    import pandas as pd

    from .datasets import load_dataset

    if getattr(args, "csv", None):
        if not args.target:
            raise SystemExit("--csv needs --target COLUMN (the column to predict).")
        df = pd.read_csv(args.csv)
        if args.target not in df.columns:
            raise SystemExit(f"--target {args.target!r} is not a column of {args.csv}; columns: {list(df.columns)}")
        return df.drop(columns=[args.target]), df[args.target].to_numpy(), Path(args.csv).stem
    ds = load_dataset(args.dataset)
    return ds.X, ds.y, ds.name


_TARGET_FILE = "target.json"  # beside a saved model: which label its score is the log-odds of


def _positive_target(args, y, name: str) -> tuple:
    """(y, target info): with ``--positive-class`` the labels become 1 for that class and 0
    for the others; the info names the target column and the positive class."""
    import numpy as np

    from .datasets import load_dataset

    target = args.target if getattr(args, "csv", None) else None
    positive = None
    if not getattr(args, "csv", None):
        ds = load_dataset(args.dataset)
        target, positive = ds.target, ds.positive_label
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


def _target_label(model_dir) -> str | None:
    """"Status = bad" for a model saved by ``fit --out`` (its target.json), else None."""
    path = Path(model_dir) / _TARGET_FILE
    if not path.is_file():
        return None
    info = json.loads(path.read_text(encoding="utf-8"))
    if info.get("positive_class") is None:
        return None
    return f"{info.get('target') or 'y'} = {info['positive_class']}"


def _load_scorer(model_dir):
    """A saved model (``fit --out``), or the rule set of a ``distill --out`` directory."""
    from .persistence import load_model

    path = Path(model_dir)
    if not (path / "manifest.json").is_file() and (path / "ruleset.json").is_file():
        from .rules import RuleSet

        return RuleSet.from_json((path / "ruleset.json").read_text(encoding="utf-8"))
    return load_model(model_dir)


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


def _cmd_fit(args) -> int:
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from .models import make_model

    X, y, name = _load_table(args)
    y, target = _positive_target(args, y, name)
    params = _parse_params(args.param)
    if args.seed is not None:
        params.setdefault("random_state", args.seed)
    model = make_model(args.model, **params)
    if args.test_size > 0:
        strat = y if len(np.unique(y)) <= 20 else None
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=args.test_size, random_state=args.seed or 0, stratify=strat)
    else:
        Xtr, ytr, Xte, yte = X, y, None, None
    t = time.perf_counter()
    model.fit(Xtr, ytr)
    print(f"fitted {args.model} on {name}: {len(ytr)} rows in {time.perf_counter() - t:.2f}s")
    if target["positive_class"] is not None:
        print(f"score = log-odds of {target['target'] or 'y'} = {target['positive_class']}")
    if Xte is not None and hasattr(model, "predict_proba") and len(np.unique(y)) == 2:
        auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
        print(f"held-out AUC ({len(yte)} rows): {auc:.4f}")
    if args.out:
        model.save(args.out)
        (Path(args.out) / _TARGET_FILE).write_text(json.dumps(target, indent=1) + "\n", encoding="utf-8")
        print(f"saved to {args.out}")
    return 0


def _cmd_predict(args) -> int:
    import pandas as pd

    model = _load_scorer(args.model_dir)
    X = pd.read_csv(args.input)
    out = pd.DataFrame(index=X.index)
    if args.id_column and args.id_column in X.columns:
        out[args.id_column] = X[args.id_column]
        X = X.drop(columns=[args.id_column])
    cols = _feature_names(model)
    extra = [c for c in X.columns if c not in cols]
    X = X.drop(columns=extra)
    label = _target_label(args.model_dir)
    if label is not None:
        print(f"score = log-odds of {label}; probability = P({label})", file=sys.stderr)
    if hasattr(model, "classes_") or hasattr(model, "classes"):
        proba = model.predict_proba(X)
        if proba.shape[1] == 2:
            out["score"] = model.decision_function(X)
            out["probability"] = proba[:, 1]
        else:
            for k, c in enumerate(getattr(model, "classes_", getattr(model, "classes", None))):
                out[f"probability_{c}"] = proba[:, k]
    out["prediction"] = model.predict(X)
    _emit(out.to_csv(index=False), args.output, f"wrote {len(out)} predictions to {args.output}")
    return 0


def _cmd_study(args) -> int:
    from .studies import run_study
    from .studies.report import write_report

    params: dict = {}
    for key, value in _parse_params(args.param).items():
        if "." not in key:
            raise SystemExit(f"--param expects MODEL.KEY=VALUE (e.g. mlp.max_epochs=50), got {key!r}")
        model, name = key.split(".", 1)
        params.setdefault(model, {})[name] = value
    rows = run_study(
        args.datasets, args.models, seeds=args.seeds, folds=args.folds, out=args.out, backend=args.backend,
        n_jobs=args.n_jobs, scheduler_address=args.scheduler, params=params or None,
        checks=() if args.no_checks else tuple(args.checks), check_folds=None if args.check_all_folds else (0,),
        retry_failed=args.retry_failed, verbose=1,
    )
    failed = int((rows["status"] == "failed").sum())
    print(f"{len(rows)} cells in {args.out} ({failed} failed); report: interpretable-nn report {args.out} -o report.html")
    if args.report:
        print(f"report written to {write_report(args.out, args.report)}")
    return 0


def _cmd_report(args) -> int:
    from .studies.report import write_report

    print(f"report written to {write_report(args.results, args.output, complexity=args.complexity)}")
    return 0


def _cmd_reasons(args) -> int:
    import pandas as pd

    from .explain import reason_codes

    model = _load_scorer(args.model_dir)
    X = pd.read_csv(args.input)
    ids = X.pop(args.id_column) if args.id_column and args.id_column in X.columns else None
    names = _feature_names(model)
    X = X.drop(columns=[c for c in X.columns if c not in names])
    bg = None
    if args.background:
        bg = pd.read_csv(args.background)
        bg = bg.drop(columns=[c for c in bg.columns if c not in names])
    rmap = pd.read_csv(args.reason_map, dtype=str) if args.reason_map else None
    adverse = _adverse_class(model, args.model_dir, args.adverse_class)
    out = reason_codes(model, X, k=args.k, reference=args.reference, background=bg, threshold=args.threshold,
                       adverse_class=adverse, reason_map=rmap)
    label = _target_label(args.model_dir)
    if label is not None:
        target, pos = label.split(" = ", 1)
        print(f"reasons for the log-odds of {label if adverse in (None, 1) else f'{target} != {pos}'}",
              file=sys.stderr)
    if ids is not None:
        out.insert(0, args.id_column, ids.to_numpy()[out["row"].to_numpy(dtype=int)])
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
    path = Path(model_dir) / _TARGET_FILE
    if path.is_file():
        info = json.loads(path.read_text(encoding="utf-8"))
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
        text = rs.to_sql(table=args.table, id_column=args.id_column or None, dialect=args.dialect) + ";\n"
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

    model = load_model(args.model_dir)
    X, _, name = _load_table(args)
    cols = model.encoder_.schema_.names
    X = X.drop(columns=[c for c in X.columns if c not in cols])
    s = SurrogateTree(max_depth=args.max_depth, augment=args.augment, search=args.search,
                      target_fidelity=args.target_fidelity, random_state=args.seed).fit(model, X)
    text = s.to_text()
    print(text, end="")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "surrogate.txt").write_text(text, encoding="utf-8")
        (out / "surrogate.dot").write_text(s.to_graphviz().source, encoding="utf-8")
        fidelity = {"dataset": name, **s.fidelity_.to_dict()}
        (out / "fidelity.json").write_text(json.dumps(fidelity, indent=1) + "\n")
        s.fidelity_.details["per_leaf"].to_csv(out / "per_leaf.csv", index=False)
        written = ["surrogate.txt", "surrogate.dot", "fidelity.json", "per_leaf.csv"]
        if s.task_ != "multiclass":
            (out / "ruleset.json").write_text(s.to_ruleset().to_json() + "\n", encoding="utf-8")
            written.append("ruleset.json")
        print(f"wrote {', '.join(written)} to {out}")
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
    s.add_argument("--out", help="directory to save the fitted model to")
    s.add_argument("--param", action="append", metavar="KEY=VALUE", help="model parameter (repeatable; JSON values)")
    s.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    s.add_argument("--test-size", type=float, default=0.2, help="held-out share for a quick AUC (0 = fit on all)")
    s.add_argument("--positive-class", metavar="LABEL",
                   help="the label the score is the log-odds of (e.g. bad); default: the data set's "
                   "positive class, or for --csv the last label in sort order (with a warning)")
    s.set_defaults(func=_cmd_fit)


def _add_predict(sub) -> None:
    s = sub.add_parser("predict", help="score a CSV file with a saved model")
    s.add_argument("model_dir", help="directory written by `fit --out` or model.save()")
    s.add_argument("--input", required=True, help="CSV with the model's feature columns")
    s.add_argument("--output", help="CSV to write (default: stdout)")
    s.add_argument("--id-column", default="id", help="column copied to the output if present (default 'id')")
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
    s.add_argument("--id-column", default="id", help="column copied to the output if present (default 'id')")
    s.set_defaults(func=_cmd_reasons)


def _add_demo(sub) -> None:
    s = sub.add_parser("demo", help="the main job: a credit study on credit_data with a report")
    s.add_argument("--out", default="demo_results", help="output directory (default demo_results/)")
    s.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    s.add_argument("--quick", action="store_true", help="fewer epochs, for smoke tests")
    s.set_defaults(func=_cmd_demo)


def _add_study(sub) -> None:
    s = sub.add_parser("study", help="accuracy-vs-interpretability study: data sets x models x seeds x folds")
    s.add_argument("--datasets", nargs="+", required=True, help="built-in data set names")
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
    s.add_argument("--dialect", default="sqlite",
                   help="SQL dialect of --format sql (default sqlite; see RuleSet.to_sql)")
    s.add_argument("--id-column", default="id", help="id column the SQL returns beside the score ('' for none)")
    s.add_argument("--digits", type=int, help="significant digits of the points in text/md (default 3; "
                   "-1 for exact)")
    s.set_defaults(func=_cmd_export_rules)


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
    s.add_argument("--max-depth", type=int, default=4, help="depth of the surrogate tree (default 4)")
    s.add_argument("--augment", choices=["none", "jitter", "schema", "munge"], default="none",
                   help="extra teacher-labelled rows (default none)")
    s.add_argument("--search", choices=["greedy", "lookahead"], default="greedy",
                   help="tree search: greedy CART or exact depth-2 lookahead (default greedy)")
    s.add_argument("--target-fidelity", type=float, default=None,
                   help="the smallest tree up to --max-depth whose held-out agreement reaches this")
    s.add_argument("--seed", type=int, default=0, help="random_state (default 0)")
    s.add_argument("--out", help="directory for surrogate.txt/.dot, ruleset.json, fidelity.json, per_leaf.csv")
    s.set_defaults(func=_cmd_distill)


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
    _add_report,
    _add_distill,
)


def build_parser() -> argparse.ArgumentParser:
    from ._version import __version__

    p = argparse.ArgumentParser(
        prog="interpretable-nn",
        description="Interpretable neural models for tabular decisions, with checked explanations.",
    )
    p.add_argument("--version", action="version", version=f"interpretable-nn {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for add in _SUBCOMMANDS:
        add(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (ValueError, TypeError, ImportError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

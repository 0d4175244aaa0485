"""``interpretable-nn``: the command-line front end over the library's functions.

Subcommands: ``datasets``, ``models``, ``fit``, ``predict``, ``demo``. Each has ``--help``.
A new subcommand is one ``sub.add_parser(...)`` block in :func:`build_parser` and one
``_cmd_*`` function that calls the library (no logic of its own here).
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
    if Xte is not None and hasattr(model, "predict_proba") and len(np.unique(y)) == 2:
        auc = roc_auc_score(yte, model.predict_proba(Xte)[:, 1])
        print(f"held-out AUC ({len(yte)} rows): {auc:.4f}")
    if args.out:
        model.save(args.out)
        print(f"saved to {args.out}")
    return 0


def _cmd_predict(args) -> int:
    import pandas as pd

    from .persistence import load_model

    model = load_model(args.model_dir)
    X = pd.read_csv(args.input)
    out = pd.DataFrame(index=X.index)
    if args.id_column and args.id_column in X.columns:
        out[args.id_column] = X[args.id_column]
        X = X.drop(columns=[args.id_column])
    cols = model.encoder_.schema_.names
    extra = [c for c in X.columns if c not in cols]
    X = X.drop(columns=extra)
    if hasattr(model, "classes_"):
        proba = model.predict_proba(X)
        if proba.shape[1] == 2:
            out["score"] = model.decision_function(X)
            out["probability"] = proba[:, 1]
        else:
            for k, c in enumerate(model.classes_):
                out[f"probability_{c}"] = proba[:, k]
    out["prediction"] = model.predict(X)
    if args.output:
        out.to_csv(args.output, index=False)
        print(f"wrote {len(out)} predictions to {args.output}")
    else:
        print(out.to_csv(index=False), end="")
    return 0


def _cmd_demo(args) -> int:
    from .demo import run_demo

    run_demo(out=args.out, folds=args.folds, quick=args.quick)
    return 0


def build_parser() -> argparse.ArgumentParser:
    from ._version import __version__

    p = argparse.ArgumentParser(
        prog="interpretable-nn",
        description="Interpretable neural models for tabular decisions, with checked explanations.",
    )
    p.add_argument("--version", action="version", version=f"interpretable-nn {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("datasets", help="list the built-in data sets with their sizes")
    s.set_defaults(func=_cmd_datasets)

    s = sub.add_parser("models", help="list the registered model names")
    s.set_defaults(func=_cmd_models)

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
    s.set_defaults(func=_cmd_fit)

    s = sub.add_parser("predict", help="score a CSV file with a saved model")
    s.add_argument("model_dir", help="directory written by `fit --out` or model.save()")
    s.add_argument("--input", required=True, help="CSV with the model's feature columns")
    s.add_argument("--output", help="CSV to write (default: stdout)")
    s.add_argument("--id-column", default="id", help="column copied to the output if present (default 'id')")
    s.set_defaults(func=_cmd_predict)

    s = sub.add_parser("demo", help="the main job: a credit study on credit_data with a report")
    s.add_argument("--out", default="demo_results", help="output directory (default demo_results/)")
    s.add_argument("--folds", type=int, default=5, help="cross-validation folds (default 5)")
    s.add_argument("--quick", action="store_true", help="fewer epochs, for smoke tests")
    s.set_defaults(func=_cmd_demo)

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

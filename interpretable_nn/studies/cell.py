"""One cell of a study: split, fit, score, measure, check — run on a worker.

:func:`run_cell` is what every backend executes (in-process, a process pool, a Dask
worker). It never raises: a failure becomes a row with ``status="failed"`` and the
traceback, so the study goes on. It holds no model-specific code: scores come from
``predict_proba``/``predict``, complexity from :func:`~.complexity.complexity_measures`,
artefacts for the report from duck-typed attributes (``shape_function``, ``ruleset_``),
and the checks from :mod:`interpretable_nn.distill` and :mod:`interpretable_nn.explain`.
A check is read by type: a :class:`~interpretable_nn.attribution.fidelity.Fidelity`
(:func:`as_check`), whose headline figure goes to the row's column
(``surrogate_fidelity``, ``crosscheck_agreement``) and whose figures, by name, and
``to_dict()`` go to ``details["checks"]``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
import platform
import socket
import threading
import time
import traceback
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..attribution.fidelity import Fidelity
from ..distill.surrogate import SurrogateTree
from ..explain.crosscheck import crosscheck
from ..explain.fairness import fairness_audit
from .artefacts import model_artefacts
from .complexity import complexity_measures

__all__ = ["Cell", "run_cell", "split_indices", "data_hash", "CHECKS"]

#: checks a cell can run after scoring (``run_study(checks=...)``)
CHECKS = ("surrogate", "crosscheck", "fairness")
#: rows of the test fold explained by the SHAP cross-check (and the fairness audit's SHAP
#: share) and the training rows they use as background: a spot check, SHAP is costly
CROSSCHECK_ROWS, CROSSCHECK_BACKGROUND = 25, 25


@dataclass(frozen=True)
class Cell:
    """Identity of one cell: data set x model configuration x seed x fold."""

    key: str
    dataset: str
    data_hash: str
    model: str
    label: str
    params: dict = field(hash=False)
    seed: int
    fold: int
    n_folds: int

    def row(self) -> dict:
        return {
            "cell_key": self.key, "dataset": self.dataset, "data_hash": self.data_hash,
            "model": self.model, "label": self.label, "params": self.params,
            "seed": self.seed, "fold": self.fold, "n_folds": self.n_folds,
        }


def data_hash(X, y) -> str:
    """SHA-256 (first 16 hex digits) of the values, column names and dtypes of ``X`` and ``y``."""
    h = hashlib.sha256()
    if isinstance(X, pd.DataFrame):
        h.update(repr([(str(c), str(t)) for c, t in X.dtypes.items()]).encode())
        h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    else:
        a = np.ascontiguousarray(np.asarray(X))
        h.update(f"{a.dtype}{a.shape}".encode())
        h.update(a.tobytes())
    yy = np.asarray(y)
    if yy.dtype == object:
        yy = yy.astype(str)
    yy = np.ascontiguousarray(yy)
    h.update(f"{yy.dtype}{yy.shape}".encode())
    h.update(yy.tobytes())
    return h.hexdigest()[:16]


def check_tasks(data: dict, configs: list[tuple[str, str, dict]]) -> None:
    """A model of the other task, or labels that are not classes, fail every cell with one
    error (or, a regressor on class labels, fit them as numbers unsaid): refused once, before
    any cell, with the way to study the data."""
    from sklearn.base import is_classifier, is_regressor

    from ..models.registry import NoRegressorError, make_model

    for name, ds in data.items():
        raw = pd.Series(np.asarray(ds.y).reshape(-1))
        numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        y = numbers if raw.dtype.kind in "fO" else None
        bad = None if y is None else (np.isfinite(y) & (np.mod(np.where(np.isfinite(y), y, 0), 1) != 0)) | np.isinf(y)
        if ds.task == "regression" and not np.isfinite(numbers).all():
            raise ValueError(f"Data set {name!r} is regression but its target holds missing, infinite or non-numeric "
                             "values; drop those rows.")
        if ds.task != "regression" and bad is not None and bad.any() and not isinstance(raw[bad].iloc[0], str):
            raise ValueError(f"Data set {name!r} is classification but its target holds numbers that are not class "
                             f"labels (e.g. {raw[bad].iloc[0]!r}); give it class labels, or Dataset(task='regression', "
                             "...).")
    tasks = {ds.task == "regression": name for name, ds in data.items()}
    for model in dict.fromkeys(m for m, _, _ in configs):
        for regression, kind, wrong in ((True, "a classifier", is_classifier), (False, "a regressor", is_regressor)):
            try:  # the model a cell of this task builds: a name's regressor on a regression set
                est = make_model(model, "regression" if regression else "classification") if regression in tasks else None
            except NoRegressorError as exc:
                raise ValueError(f"Data set {tasks[True]!r} has a regression target (numbers that are not class "
                                 f"labels). {exc} Or study each task in its own run_study call.") from None
            except Exception:  # noqa: BLE001 - a model that cannot be built here fails in its cells, with its error
                continue
            if est is not None and wrong(est):
                raise ValueError(
                    f"Model {model!r} is {kind} and data set {tasks[regression]!r} has a "
                    f"{'regression target (numbers that are not class labels)' if regression else 'classification target'}"
                    f". Study each task with models of its kind, in its own run_study call ("
                    + ("the models with a regressor under the same name: list_models().query('regression'); or "
                       "register one with register_model(name, factory, description, regressor=...)" if regression
                       else "a classifier: any name of list_models(); to fit both kinds under one name, register "
                       "the classifier as its factory and this model as regressor=...")
                    + "), or give the data set the other kind of target.")
    for model, label, params in configs if True in tasks and False in tasks else ():
        try:  # a parameter of the classifier only (class_weight) failed every regression cell with a TypeError
            make_model(model, "classification", **params)
            make_model(model, "regression", **params)
        except TypeError as exc:
            raise ValueError(f"Model {label!r} takes parameters its regressor does not ({exc}); data set "
                             f"{tasks[True]!r} is regression. Study the regression data sets in their own run_study "
                             "call with their own params.") from None
        except Exception:  # noqa: BLE001 - refused above, or fails in its cells with its own error
            continue


def check_folds(ds, folds: int) -> None:
    """At least ``folds`` rows (else refused); for classification, a warning where a class
    cannot be in every test fold (the folds then fall back to unstratified K-fold and a fold
    may have no AUC)."""
    y = np.asarray(ds.y)
    if folds > len(y):
        raise ValueError(f"folds={folds} is more than the {len(y)} rows of data set {ds.name!r}; "
                         f"use folds <= {len(y)}.")
    if ds.task == "regression":
        return
    try:
        classes, counts = np.unique(y.astype(str) if y.dtype == object else y, return_counts=True)
    except TypeError:  # labels numpy cannot sort: the cell reports them
        return
    if len(counts) and counts.min() < folds:
        c, n = classes[counts.argmin()], int(counts.min())
        c = c.item() if hasattr(c, "item") else c
        fix = f"use folds <= {n}" if n >= 2 else "drop or merge that class"
        # a warning, not a refusal: imbalanced many-class data ran before and its accuracy is
        # still measured; the report says over how many folds each score is ('k of n')
        warnings.warn(
            f"folds={folds}: class {c!r} of data set {ds.name!r} has only {n} row(s), so it cannot be in every "
            f"test fold: the folds are not stratified, and a fold without it has no AUC (the report says over how "
            f"many folds each score is). To stratify, {fix}.", UserWarning, stacklevel=4)


def split_indices(y: np.ndarray, task: str, n_folds: int, seed: int, fold: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) row indices of ``fold``: stratified K-fold (shuffled with ``seed``) for
    classification when every class has ``n_folds`` rows, plain shuffled K-fold otherwise."""
    from sklearn.model_selection import KFold, StratifiedKFold

    y = np.asarray(y)
    if task == "classification" and np.unique(y, return_counts=True)[1].min() >= n_folds:
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(y)), y)):
        if k == fold:
            return tr, te
    raise ValueError(f"fold {fold} is out of range for {n_folds} folds.")


@lru_cache(maxsize=8)
def _named_dataset(name: str):
    from ..datasets import load_dataset

    return load_dataset(name)


def _rows(X, idx):
    return X.iloc[idx].reset_index(drop=True) if isinstance(X, pd.DataFrame) else X[idx]


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _environment() -> dict:
    from .._version import __version__

    torch = __import__("sys").modules.get("torch")
    return {
        "library_version": __version__,
        "python_version": platform.python_version(),
        "torch_version": getattr(torch, "__version__", None),
        "host": socket.gethostname(),
        "worker": f"pid {os.getpid()}",
    }


# ---------------------------------------------------------------------- scores
def _scores(model, X_test, y_test: np.ndarray) -> dict:
    from sklearn import metrics

    if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
        proba = np.asarray(model.predict_proba(X_test), dtype=float)
        classes = np.asarray(model.classes_)
        pred = classes[proba.argmax(axis=1)]
        out = {"task": "classification", "accuracy": float(np.mean(pred == y_test))}
        order = np.argsort(classes, kind="stable")
        pos_sorted = np.clip(np.searchsorted(classes[order], y_test), 0, len(classes) - 1)
        idx = order[pos_sorted]
        p_true = np.where(classes[idx] == y_test, proba[np.arange(len(idx)), idx], 0.0)  # unseen label: p = 0
        out["log_loss"] = float(-np.mean(np.log(np.clip(p_true, 1e-15, 1.0))))
        present = np.isin(classes, y_test)
        if len(classes) == 2 and present.all():
            pos = (y_test == classes[1]).astype(float)
            out["auc"] = float(metrics.roc_auc_score(pos, proba[:, 1]))
            out["brier"] = float(np.mean((proba[:, 1] - pos) ** 2))
            fpr, tpr, _ = metrics.roc_curve(pos, proba[:, 1])
            out["ks"] = float(np.max(tpr - fpr))  # Kolmogorov-Smirnov: the largest gap of the two CDFs
        elif len(classes) > 2 and present.all():
            out["auc"] = float(metrics.roc_auc_score(y_test, proba, multi_class="ovr", labels=classes))
        return out
    pred = np.asarray(model.predict(X_test), dtype=float).reshape(-1)
    y = np.asarray(y_test, dtype=float)
    return {
        "task": "regression",
        "rmse": float(np.sqrt(np.mean((pred - y) ** 2))),
        "mae": float(np.mean(np.abs(pred - y))),
        "r2": float(metrics.r2_score(y, pred)) if len(y) > 1 else math.nan,
    }


# ---------------------------------------------------------------------- checks
def _figure(v: Any) -> bool:
    """A figure the store keeps beside the check: a number, a bool or a short text."""
    return isinstance(v, int | float | str | bool | np.floating | np.integer)


def as_check(result: Any, compared: str = "", rows: str = "") -> Fidelity:
    """A check's result as the one check type. A :class:`Fidelity` is taken as it is; a
    plain dict of figures (an artefact still on the old shape) becomes one: its ``n_rows``
    (and ``on``) go to the fields, its scalar figures to ``figures``, the rest (tables) to
    ``details``."""
    if isinstance(result, Fidelity):
        return result
    if not isinstance(result, Mapping):
        raise TypeError(f"A check is a Fidelity (or a dict of figures); got {type(result).__name__}.")
    d = dict(result)
    n_rows = int(d.pop("n_rows", 0) or 0)
    rows = str(d.pop("on", rows))
    figures = {k: v for k, v in d.items() if v is None or _figure(v)}
    details = {k: v for k, v in d.items() if k not in figures}
    return Fidelity(compared, rows, n_rows, figures, details)


def _headline(check: Fidelity, names: tuple[str, ...]) -> float:
    """The first of ``names`` that the check holds as a number (NaN when none)."""
    for name in names:
        v = check.get(name)
        if _figure(v) and not isinstance(v, bool | str):
            return float(v)
    return math.nan


def _stored(check: Fidelity, **extra: Any) -> dict:
    """What the store keeps of a check: its scalar figures by name (the keys the report and
    older results read), ``n_rows``, and the whole check as ``Fidelity.to_dict()`` under
    ``"fidelity"`` (read back with ``Fidelity.from_dict``)."""
    figures = {str(k): v for k, v in check.items() if _figure(v)}
    return {"status": "ok", **extra, **figures, "n_rows": int(check.n_rows), "fidelity": check.to_dict()}


def _surrogate(model, X_train, X_test) -> tuple[float, dict]:
    """Fidelity of a depth-4 surrogate tree to ``model`` on the test fold; headline: the
    share of agreeing decisions (classifiers) or the R² of the score (regressors)."""
    s = SurrogateTree(max_depth=4).fit(model, X_train)
    check = as_check(s.fidelity(X_test), "surrogate tree vs model decisions", "held-out")
    return _headline(check, ("agreement", "r2")), _stored(check, max_depth=4)


def _crosscheck(model, X_train, X_test, seed: int, keep: dict | None = None) -> tuple[float, dict]:
    """The built-in explanation against SHAP on a sample of the test fold; headline: the
    mean per-row rank correlation (``spearman_mean``). ``keep["shap"]``: the SHAP values, for
    the fairness audit to reuse (it reads them only for non-additive models, whose SHAP side
    always uses the given background rows)."""
    rng = np.random.default_rng(seed)
    te = rng.permutation(len(X_test))[:CROSSCHECK_ROWS]
    bg = rng.permutation(len(X_train))[:CROSSCHECK_BACKGROUND]
    try:
        rep = crosscheck(model, _rows(X_test, te), background=_rows(X_train, bg))
    except (NotImplementedError, AttributeError) as exc:  # a model without a built-in explanation
        return math.nan, {"status": "not available", "reason": f"{type(exc).__name__}: {exc}"}
    if keep is not None:
        keep["shap"] = rep.shap
    check = rep.check
    sd = rep.row_spearman_[np.isfinite(rep.row_spearman_)]
    spread = float(np.std(sd, ddof=1)) if len(sd) > 1 else math.nan  # for the figure's interval in the report
    return _headline(check, ("spearman_mean",)), _stored(check, rows=len(te), spearman_sd=spread)


def _fairness(model, ds, X_train, X_test, y_test, seed: int, shap=None) -> dict:
    """:func:`~interpretable_nn.explain.fairness_audit` of every protected attribute of the
    data set on the test fold (gaps on all its rows, the SHAP share on a sample: the
    cross-check's rows and SHAP values when given, ``shap``)."""
    if not ds.sensitive:
        return {"status": "not available", "reason": f"{ds.name} names no protected attribute"}
    if len(getattr(model, "classes_", ())) != 2:
        return {"status": "not available", "reason": "binary classifiers only"}
    bg = _rows(X_train, np.random.default_rng(seed).permutation(len(X_train))[:CROSSCHECK_BACKGROUND])
    attributes = {}
    for attr in ds.sensitive:
        audit = fairness_audit(model, X_test, y_test, attr, background=bg, max_shap_rows=CROSSCHECK_ROWS,
                               random_state=seed, shap=shap)
        attributes[attr] = audit.summary()
    return {"status": "ok", "attributes": attributes}


# ---------------------------------------------------------------------- artefacts
def _artefacts(model, X_test=None, y_test=None, seed: int = 0) -> dict:
    """What the report draws (shape functions, interactions, scorecard, declined applicants,
    rule set): :func:`~.artefacts.model_artefacts`, figures on the held-out fold."""
    return model_artefacts(model, X_test, y_test, seed)


# ---------------------------------------------------------------------- the cell's warnings
_KEPT: ContextVar[list | None] = ContextVar("interpretable_nn_cell_warnings", default=None)
_KEEPING_LOCK = threading.Lock()
#: the lists of the cells running now, by id (a list is not hashable, and two are equal when empty)
_keeping: dict = {"cells": {}, "saved": None}


@contextmanager
def kept_warnings() -> Iterator[list]:
    """The warnings raised in this thread (and context) inside the block, as a list of
    ``(category, message)``, kept off the console; other threads' warnings print as before.

    Why not ``warnings.catch_warnings(record=True)``: it swaps the process's one
    ``showwarning`` and filters, so two cells in the threads of one Dask worker took each
    other's warnings, and the cell that finished last left every later warning of the process
    going to a finished cell's list. Here the first cell to enter installs one dispatcher,
    which sends a warning to the list of the cell whose thread raised it (or, outside every
    cell, on to the ``showwarning`` it replaced), and the last cell to leave puts the
    process's ``showwarning`` and filters back. While any cell runs, every warning of the
    process is shown each time (filter ``"always"``), as a cell must see its own repeats.
    A warning from a thread no cell runs in (a thread pool a model's fit starts) goes to the
    cell running where only one is (a process worker's case), else on to the console.

    What this cannot mend, before Python 3.14's context-aware warnings: another thread's own
    ``catch_warnings`` that spans a cell's start or end still swaps the process's one state
    (as it does for any two threads that use ``catch_warnings``).
    """
    caught: list = []
    token = _KEPT.set(caught)
    with _KEEPING_LOCK:
        if not _keeping["cells"]:
            before = warnings.showwarning
            _keeping["saved"] = (warnings.filters, before)

            def dispatch(message, category, filename, lineno, file=None, line=None):
                into = _KEPT.get()
                running = list(_keeping["cells"].values())
                if into is None and len(running) == 1:  # a thread the one running cell started
                    into = running[0]
                if into is None:
                    before(message, category, filename, lineno, file, line)
                else:
                    into.append((category, message))

            warnings.filters = list(warnings.filters)
            warnings.simplefilter("always")
            warnings.showwarning = dispatch
        _keeping["cells"][id(caught)] = caught
    try:
        yield caught
    finally:
        _KEPT.reset(token)
        with _KEEPING_LOCK:
            del _keeping["cells"][id(caught)]
            if not _keeping["cells"]:
                warnings.filters, warnings.showwarning = _keeping["saved"]
                getattr(warnings, "_filters_mutated", lambda: None)()  # as catch_warnings does: stale "shown" marks
                _keeping["saved"] = None


# ---------------------------------------------------------------------- the cell
def run_cell(cell: Cell, model, data, checks: tuple[str, ...] = CHECKS, threads: int | None = None,
             check_folds: tuple[int, ...] | None = (0,)) -> dict:
    """Fit ``model`` (an unfitted estimator) on the training part of ``cell``'s fold and
    return the cell's result row. Never raises: failures give ``status="failed"``.

    ``data`` is a :class:`~interpretable_nn.datasets.Dataset` or a built-in data set name
    (loaded and cached on the worker). The surrogate check runs on every cell; the SHAP
    based ones (crosscheck, fairness) on the folds in ``check_folds`` (None: every fold).
    Warnings raised in the cell are kept in ``details["warnings"]`` instead of printed.
    """
    t_cell = time.perf_counter()
    row: dict = {**cell.row(), "started_at": _now(), **_environment()}
    details: dict = {}
    with kept_warnings() as caught:  # kept in the row, not on the console
        _run(cell, model, data, checks, threads, check_folds, row, details)
    if caught:
        seen = dict.fromkeys(f"{category.__name__}: {str(message)[:300]}" for category, message in caught)
        details["warnings"] = list(seen)[:20]
    row["details"] = details
    row["finished_at"] = _now()
    row["cell_time"] = time.perf_counter() - t_cell
    return row


def _run(cell: Cell, model, data, checks, threads, check_folds, row: dict, details: dict) -> None:
    """The body of :func:`run_cell`: fills ``row`` and ``details`` in place."""
    try:
        if threads:
            import torch

            torch.set_num_threads(int(threads))
        details["model_params"] = _plain_params(model)
        ds = _named_dataset(data) if isinstance(data, str) else data
        task = "regression" if ds.task == "regression" else "classification"
        tr, te = split_indices(ds.y, task, cell.n_folds, cell.seed, cell.fold)
        X_train, X_test, y_train, y_test = _rows(ds.X, tr), _rows(ds.X, te), ds.y[tr], ds.y[te]
        row.update(n_train=len(tr), n_test=len(te))

        t = time.perf_counter()
        model.fit(X_train, y_train)
        row["fit_time"] = time.perf_counter() - t
        t = time.perf_counter()
        scores = _scores(model, X_test, y_test)
        row["predict_time"] = time.perf_counter() - t
        row.update(scores)
        row.update(complexity_measures(model))
        row["device"] = str((getattr(model, "fit_info_", None) or {}).get("device", "cpu"))

        t = time.perf_counter()
        checks_out: dict = {}
        if "surrogate" in checks:
            row["surrogate_fidelity"], checks_out["surrogate"] = _guard(_surrogate, model, X_train, X_test)
        costly = check_folds is None or cell.fold in check_folds
        shared: dict = {}  # the cross-check's SHAP values, reused by the fairness audit
        if "crosscheck" in checks and costly:
            row["crosscheck_agreement"], checks_out["crosscheck"] = _guard(
                _crosscheck, model, X_train, X_test, cell.seed, shared
            )
        if "fairness" in checks and costly:
            checks_out["fairness"] = _guard(lambda: (None, _fairness(model, ds, X_train, X_test, y_test, cell.seed,
                                                                     shared.get("shap"))))[1]
        details["checks"] = checks_out
        details["artefacts"] = _guard(lambda: (None, _artefacts(model, X_test, y_test, cell.seed)))[1]
        row["check_time"] = time.perf_counter() - t
        row["status"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a failing cell is a result, not a crash
        row["status"] = "failed"
        row["error"] = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exc(limit=8))


def _plain_params(model) -> dict:
    """The constructor parameters actually used (after the runner's defaults), JSON-safe."""
    try:
        params = model.get_params(deep=False)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator
        return {}
    return {k: v if isinstance(v, int | float | str | bool | type(None)) else repr(v) for k, v in params.items()}


def _guard(fn, *args) -> tuple[float | None, dict]:
    """Run one check; its failure is recorded beside the result and does not fail the cell."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001
        return math.nan, {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}

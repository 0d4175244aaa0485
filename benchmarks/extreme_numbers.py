"""Extreme but finite numbers (issue 18): NaN/inf outputs of every estimator, before -> after.

For each registry estimator (small settings) and the two torch regressors:

* ``predict_far``: fit on an ordinary frame (120 rows), then score 10 rows whose numeric
  values are ``±1.8e308, ±1e308, ±1e300, ±3.5e38, 5e-324`` (and one ordinary row): the number
  of rows with a NaN/inf probability or decision (regressors: prediction), or the error;
* ``fit_huge``: fit on a frame whose column spans ``±1e300 .. ±1.8e308``: the number of
  training rows with a non-finite output, or the error (message start);
* ``target_1e155`` (regressors): a target of size 1e155: rows with a non-finite prediction.

Usage: ``python benchmarks/extreme_numbers.py --label after`` (``--label before --commit C``
with ``PYTHONPATH`` pointing at ``git archive C interpretable_nn``). Writes
``benchmarks/results/extreme_numbers_<label>.json`` with the commit of the code it imported.
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from pathlib import Path

import _provenance  # benchmarks/_provenance.py: the commit of every results file written
import numpy as np
import pandas as pd

import interpretable_nn
from interpretable_nn import MLPRegressor, NAMRegressor
from interpretable_nn.models import available_models, make_model

SMALL = {
    "mlp": {"max_epochs": 3, "verbose": 0, "random_state": 0},
    "hgb": {"max_iter": 10},
    "ebm": {"outer_bags": 1, "interactions": 0, "max_rounds": 50},
    "xgb": {"n_estimators": 10, "random_state": 0},
    "rulenet": {"max_rules": 5, "max_epochs": 3, "verbose": 0, "random_state": 0},
    "prototype": {"prototypes_per_class": 2, "max_epochs": 3, "last_layer_epochs": 2, "verbose": 0,
                  "random_state": 0},
    "nam": {"n_bags": 1, "max_epochs": 3, "hidden_sizes": (4,), "interactions": 0, "verbose": 0,
            "random_state": 0},
}
FAR = [1.7976931348623157e308, -1.7976931348623157e308, 1e308, -1e308, 1e300, -1e300, 3.5e38, -3.5e38, 5e-324]


def _frames():
    rng = np.random.default_rng(0)
    n = 120
    X = pd.DataFrame({"a": rng.normal(0, 1, n), "b": rng.normal(5, 2, n), "c": rng.choice(["x", "y"], n)})
    y = (X["a"] + rng.normal(0, 0.5, n) > 0).astype(int).to_numpy()
    far = pd.DataFrame({"a": FAR + [0.0], "b": FAR[::-1] + [1.0], "c": ["x"] * (len(FAR) + 1)})
    sign = rng.choice([-1.0, 1.0], n)
    huge = pd.DataFrame({"a": sign * 10.0 ** rng.uniform(300, 308, n), "b": rng.normal(0, 1, n),
                         "c": rng.choice(["x", "y"], n)})
    return X, y, far, huge, (sign > 0).astype(int)


def _bad_rows(m, rows) -> int:
    out = m.predict_proba(rows) if hasattr(m, "classes_") else m.predict(rows)[:, None]
    return int((~np.isfinite(np.asarray(out, dtype=float))).any(axis=1).sum())


def _try(f):
    try:
        return f()
    except Exception as exc:  # the table records the error itself
        return f"{type(exc).__name__}: {str(exc)[:90]}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--commit", default=None, help="the commit of the code measured, when PYTHONPATH points "
                    "at an export of it (default: this checkout's, +dirty when it has changes)")
    args = ap.parse_args()
    X, y, far, huge, y_huge = _frames()
    rows = []
    for name in available_models():
        make = lambda name=name: make_model(name, **SMALL.get(name, {}))  # noqa: E731
        rows.append({"estimator": name,
                     "predict_far": _try(lambda make=make: _bad_rows(make().fit(X, y), far)),
                     "fit_huge": _try(lambda make=make: _bad_rows(make().fit(huge, y_huge), huge))})
    t = 3 * X["a"].to_numpy() + 1
    for name, make in [("mlp_regressor", lambda: MLPRegressor(max_epochs=3, verbose=0, random_state=0)),
                       ("nam_regressor", lambda: NAMRegressor(n_bags=1, max_epochs=3, hidden_sizes=(4,),
                                                              interactions=0, verbose=0, random_state=0))]:
        rows.append({"estimator": name,
                     "predict_far": _try(lambda make=make: _bad_rows(make().fit(X, t), far)),
                     "fit_huge": _try(lambda make=make: _bad_rows(make().fit(huge, t), huge)),
                     "target_1e155": _try(lambda make=make: _bad_rows(make().fit(X, t * 1e155), X))})
    src = Path(interpretable_nn.__file__).resolve().parent.parent
    commit = args.commit or _provenance.current_commit()
    out = {"label": args.label, "commit": commit, "package_from": str(src), "n_far_rows": len(far),
           "n_fit_rows": len(huge), "cores": os.cpu_count(), "rows": rows}
    path = Path(__file__).parent / "results" / f"extreme_numbers_{args.label}.json"
    path.write_text(json.dumps(out, indent=1))
    _provenance.record(path, commit=commit)
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()

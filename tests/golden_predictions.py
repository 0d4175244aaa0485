"""Reference predictions of the torch models, saved before the layer redesign (issue 15).

``python tests/golden_predictions.py`` writes ``tests/data/golden_predictions.json``;
``tests/test_golden.py`` refits the same models from the same seeds and asserts the scores
and explanations are bit-identical on a machine like the one that wrote the file (the
file's ``"machine"``: CPU model and instruction sets, torch and numpy versions), and equal
within :data:`TOLERANCE` elsewhere: another CPU's kernels round differently (seen: an AMD
EPYC with AVX-512 moved the MLP's scores by 1e-7 and the image prototypes' by 7e-3 relative,
the same code). Regenerate only when a change is *meant* to alter what a model learns, and
say so in the commit.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
import torch

GOLDEN = Path(__file__).parent / "data" / "golden_predictions.json"
#: relative tolerance (on ``1 + |value|``) off the recording machine: the models' own rounding
#: differences between CPUs, measured, times about 10; the CNN prototypes train longest on
#: the least data, so a rounding difference grows most there
TOLERANCE = {"prototype_images": 5e-2}
DEFAULT_TOLERANCE = 1e-4
#: rows of the explanation kept as numbers (the digest covers all of them, but only bit for bit)
EXPLAIN_ROWS = 20


def machine() -> dict:
    """What decides the last bits of a fit: the CPU (model name and instruction-set flags,
    read as the benchmarks' results record them) and the numerical libraries' versions."""
    benchmarks = str(Path(__file__).resolve().parents[1] / "benchmarks")
    if benchmarks not in sys.path:
        sys.path.insert(0, benchmarks)
    from _provenance import cpu_identity

    return {**cpu_identity(), "machine": platform.machine(), "torch": torch.__version__, "numpy": np.__version__}


def _data():
    from interpretable_nn.datasets import load_dataset

    ds = load_dataset("credit_data")
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(ds.y))[:700]
    X = ds.X.iloc[idx].reset_index(drop=True)
    y = ds.y[idx]
    return X.iloc[:500], y[:500], X.iloc[500:].reset_index(drop=True)


def _images():
    from interpretable_nn.datasets import load_dataset

    ds = load_dataset("digits")
    keep = np.isin(ds.y, [0, 1, 2])
    X, y = ds.X[keep][:240], ds.y[keep][:240]
    return X[:180], y[:180], X[180:]


def cases():
    """name -> (fitted-model factory, X_test); small and fast, every torch model family."""
    import interpretable_nn as inn

    common = dict(random_state=0, verbose=0, device="cpu")
    Xtr, ytr, Xte = _data()
    yreg = Xtr["Amount"].fillna(0).to_numpy(dtype=float) / 100.0
    Xreg = Xtr.drop(columns=["Amount"])
    Iimg, yimg, Iimg_te = _images()
    return {
        "nam": (lambda: inn.NAMClassifier(n_bags=2, max_epochs=20, **common).fit(Xtr, ytr), Xte),
        "nam_monotone": (
            lambda: inn.NAMClassifier(
                n_bags=1, max_epochs=15, interactions=0, monotone={"Income": -1}, **common
            ).fit(Xtr, ytr),
            Xte,
        ),
        "nam_regressor": (
            lambda: inn.NAMRegressor(n_bags=1, max_epochs=15, **common).fit(Xreg, yreg),
            Xte.drop(columns=["Amount"]),
        ),
        "rulenet": (lambda: inn.RuleNetClassifier(max_rules=10, max_epochs=20, **common).fit(Xtr, ytr), Xte),
        "prototype": (
            lambda: inn.PrototypeClassifier(n_prototypes=6, max_epochs=15, last_layer_epochs=5, **common).fit(Xtr, ytr),
            Xte,
        ),
        "prototype_images": (
            lambda: inn.PrototypeClassifier(
                n_prototypes=6, encoder="cnn", cnn_channels=(4, 8), max_epochs=4, last_layer_epochs=2, **common
            ).fit(Iimg, yimg),
            Iimg_te,
        ),
        "mlp": (lambda: inn.MLPClassifier(max_epochs=20, **common).fit(Xtr, ytr), Xte),
        "mlp_regressor": (
            lambda: inn.MLPRegressor(max_epochs=20, **common).fit(Xreg, yreg),
            Xte.drop(columns=["Amount"]),
        ),
    }


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(np.asarray(a, dtype=np.float64)).tobytes()).hexdigest()


def outputs(model, X) -> dict:
    """What must not change: the scores (as exact hex floats) and the explanation."""
    d = np.asarray(model.decision_function(X), dtype=np.float64)
    e = model.explain(X)
    values = np.asarray(e.values, dtype=np.float64)
    return {
        "decision": [float(v).hex() for v in d.reshape(-1)],
        "explain_values": _digest(e.values),
        "explain_base": _digest(e.base_values),
        "explain_head": [float(v).hex() for v in values[:EXPLAIN_ROWS].reshape(-1)],
        "explain_base_head": [float(v).hex() for v in np.asarray(e.base_values, dtype=np.float64).reshape(-1)[:EXPLAIN_ROWS]],
    }


def compute(name: str) -> dict:
    make, X = cases()[name]
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return outputs(make(), X)
    finally:
        torch.set_num_threads(before)


if __name__ == "__main__":
    import warnings

    warnings.simplefilter("ignore")
    out = {"machine": machine(), **{name: compute(name) for name in cases()}}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(out, indent=0) + "\n")
    print(f"wrote {GOLDEN} ({len(out) - 1} models)")

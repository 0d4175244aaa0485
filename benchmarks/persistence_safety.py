"""Saving and loading under hostile conditions, ours against the usual peers, same run.

Tools: ours (``model.save`` / ``inn.load_model``, without and with ``key=``), ``joblib``
(what scikit-learn's documentation recommends) and ``pickle`` (``torch.save`` of a whole
estimator is the same pickle). Each attack is run on each tool and the outcome recorded as
observed, not assumed:

* ``symlink``: the model file name is a symbolic link to a file outside the directory; save
  over it. Outcome: whether the outside file was overwritten.
* ``interrupted``: a save over an existing model fails midway (ours: the second file write
  raises; peers: the pickler raises on an object after the model's bytes). Outcome: which
  model loads afterwards.
* ``flipped byte``: one byte near the end of the (largest) model file flipped.
* ``edit + rehash``: one weight changed on purpose, with the checksums recomputed (ours; the
  peers have none to recompute).
* ``non-finite weight``: one weight set to NaN (ours through the files, peers through the
  pickled object), checksums recomputed.
* ``pickle payload``: the model file replaced by a pickle whose ``__reduce__`` creates a
  marker file. Outcome: whether the marker appeared (code ran at load).
* ``modes``: the permission modes of the files of one save under umask 022.

Timings: save and load of an MLP and a NAM fitted on ``credit_data`` (median of 5).

Run: ``python benchmarks/persistence_safety.py``; writes
``benchmarks/results/persistence_safety.{json,md}`` with the commit.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import tempfile
import time
import warnings
from pathlib import Path

import joblib
import numpy as np
import torch
from safetensors.torch import load_file, save_file

import interpretable_nn as inn
from interpretable_nn.datasets import load_dataset
from interpretable_nn.persistence import ModelFileError
from interpretable_nn.persistence import files as pfiles

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
KEY = b"k" * 32


class _Boom:
    def __reduce__(self):
        return (os.mkdir, (os.environ["INN_MARKER"],))


class _Explode:
    def __reduce__(self):
        raise OSError("disk full")


def _rehash(d: Path) -> None:
    man = json.loads((d / "manifest.json").read_text())
    man["files"] = {n: hashlib.sha256((d / n).read_bytes()).hexdigest() for n in man["files"]}
    (d / "manifest.json").write_text(json.dumps(man))


# ---------------------------------------------------------------- the tools
class Ours:
    def __init__(self, key=None):
        self.key = key
        self.name = "ours (key)" if key else "ours"

    def target(self, d: Path) -> Path:
        return d / "model.json"

    def save(self, m, d: Path):
        m.save(d, key=self.key)

    def load(self, d: Path):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return inn.load_model(d, key=self.key)

    def interrupted(self, m, d: Path):
        real, calls = pfiles._Dir.write_new, {"n": 0}

        def flaky(self_, name, data):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError("disk full")
            return real(self_, name, data)

        pfiles._Dir.write_new = flaky
        try:
            self.save(m, d)
        finally:
            pfiles._Dir.write_new = real

    def edit_weight(self, d: Path, value: float):
        t = load_file(str(d / "tensors.safetensors"))
        t["module.net.0.weight"][0, 0] = value
        save_file(t, str(d / "tensors.safetensors"))
        _rehash(d)

    def plant(self, d: Path, payload: bytes):
        (d / "tensors.safetensors").write_bytes(payload)
        _rehash(d)


class Peer:
    def __init__(self, name, dump, load):
        self.name, self._dump, self._load = name, dump, load

    def target(self, d: Path) -> Path:
        return d / "model.pkl"

    def save(self, m, d: Path):
        d.mkdir(parents=True, exist_ok=True)
        self._dump(m, self.target(d))

    def load(self, d: Path):
        return self._load(self.target(d))

    def interrupted(self, m, d: Path):
        self._dump([m, _Explode()], self.target(d))

    def edit_weight(self, d: Path, value: float):
        m = self.load(d)
        with torch.no_grad():
            m.module_.net[0].weight[0, 0] = value
        self._dump(m, self.target(d))

    def plant(self, d: Path, payload: bytes):
        self.target(d).write_bytes(payload)


def _pickle_dump(obj, p):
    with open(p, "wb") as f:
        pickle.dump(obj, f)


def _pickle_load(p):
    with open(p, "rb") as f:
        return pickle.load(f)  # noqa: S301 - the peer under test


TOOLS = [Ours(), Ours(KEY), Peer("joblib", joblib.dump, joblib.load), Peer("pickle", _pickle_dump, _pickle_load)]


# ---------------------------------------------------------------- the attacks
def _which(tool, d, a, b, X) -> str:
    try:
        m = tool.load(d)
        p = m.predict_proba(X)
    except ModelFileError as exc:
        why = [w for w in ("checksum", "signature", "non-finite") if w in str(exc).lower()]
        return f"refused: {why[0] if why else 'ModelFileError'}"
    except Exception as exc:  # noqa: BLE001 - a peer's failure is an outcome
        return f"neither loads ({type(exc).__name__})"
    if np.array_equal(p, a.predict_proba(X)):
        return "old model loads"
    if np.array_equal(p, b.predict_proba(X)):
        return "new model loads"
    return "NaN scores" if np.isnan(p).any() else "loads, scores changed"


def battery(a, b, X) -> dict:
    out: dict[str, dict] = {}
    for tool in TOOLS:
        r = out[tool.name] = {}
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            victim = tmp / "victim.txt"
            victim.write_text("precious")
            d = tmp / "symlink"
            d.mkdir()
            tool.target(d).symlink_to(victim)
            tool.save(a, d)
            r["symlink"] = "outside file overwritten" if victim.read_bytes() != b"precious" else "outside file untouched"

            d = tmp / "interrupted"
            tool.save(a, d)
            try:
                tool.interrupted(b, d)
            except Exception:  # noqa: BLE001
                pass
            r["interrupted"] = _which(tool, d, a, b, X)

            d = tmp / "flip"
            tool.save(a, d)
            big = max((p for p in d.iterdir() if p.name != "manifest.json"), key=lambda p: p.stat().st_size)
            data = bytearray(big.read_bytes())
            data[-10] ^= 0x01
            big.write_bytes(bytes(data))
            r["flipped byte"] = _which(tool, d, a, b, X).replace("old model loads", "loads, same scores (flip unseen)")

            for label, value in [("edit + rehash", 0.5), ("non-finite weight", float("nan"))]:
                d = tmp / label.replace(" ", "_")
                tool.save(a, d)
                tool.edit_weight(d, value)
                r[label] = _which(tool, d, a, b, X)

            d = tmp / "payload"
            tool.save(a, d)
            marker = tmp / "marker"
            os.environ["INN_MARKER"] = str(marker)
            tool.plant(d, pickle.dumps(_Boom()))
            _which(tool, d, a, b, X)
            r["pickle payload"] = "code ran at load" if marker.exists() else "no code ran"

            old = os.umask(0o022)
            try:
                d = tmp / "modes"
                tool.save(a, d)
            finally:
                os.umask(old)
            r["modes"] = " ".join(sorted({oct(p.stat().st_mode & 0o777) for p in d.iterdir()}))
    return out


def timings(models: dict, X, repeats: int = 5) -> list[dict]:
    rows = []
    for mname, m in models.items():
        for tool in TOOLS:
            with tempfile.TemporaryDirectory() as tmp:
                d = Path(tmp) / "m"
                ts, tl = [], []
                for _ in range(repeats):
                    t = time.perf_counter()
                    tool.save(m, d)
                    ts.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    tool.load(d)
                    tl.append(time.perf_counter() - t)
                size = sum(p.stat().st_size for p in d.iterdir())
            rows.append({"model": mname, "tool": tool.name, "save_ms": 1e3 * float(np.median(ts)),
                         "load_ms": 1e3 * float(np.median(tl)), "bytes": int(size)})
    return rows


def main() -> None:
    from _provenance import current_commit, watch

    watch()
    torch.set_num_threads(1)
    ds = load_dataset("credit_data")
    X, y = ds.X, ds.y
    a = inn.MLPClassifier(max_epochs=3, verbose=0, random_state=0).fit(X, y)
    b = inn.MLPClassifier(max_epochs=3, verbose=0, random_state=1).fit(X, y)
    nam = inn.NAMClassifier(max_epochs=3, verbose=0, random_state=0).fit(X, y)
    res = {"commit": current_commit(), "rows": len(X), "battery": battery(a, b, X.head(200)),
           "timings": timings({"MLP": a, "NAM": nam}, X)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "persistence_safety.json").write_text(json.dumps(res, indent=1) + "\n")
    attacks = list(next(iter(res["battery"].values())))
    md = io.StringIO()
    md.write(f"# Saving and loading under attack (commit {res['commit']})\n\n")
    md.write("| attack | " + " | ".join(res["battery"]) + " |\n|---|" + "---|" * len(res["battery"]) + "\n")
    for att in attacks:
        md.write(f"| {att} | " + " | ".join(res["battery"][t][att] for t in res["battery"]) + " |\n")
    md.write(f"\n## Time (median of 5, credit_data, {len(X)} rows, 1 torch thread)\n\n")
    md.write("| model | tool | save ms | load ms | bytes |\n|---|---|---|---|---|\n")
    for r in res["timings"]:
        md.write(f"| {r['model']} | {r['tool']} | {r['save_ms']:.1f} | {r['load_ms']:.1f} | {r['bytes']} |\n")
    (RESULTS / "persistence_safety.md").write_text(md.getvalue())
    print(md.getvalue())


if __name__ == "__main__":
    main()

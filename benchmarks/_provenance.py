"""Which commit measured each results file: ``benchmarks/results/MANIFEST.json``.

Every file under ``benchmarks/results/`` has one entry: the commit of the code that produced
it, the script that wrote it and the file's SHA-256. A benchmark calls :func:`record` on each
file it writes; ``tests/test_results_provenance.py`` fails when a results file has no entry or
its bytes no longer match (a figure edited by hand, or a run that forgot to record itself).

The commit is ``git rev-parse HEAD`` at the time of the run, with ``+dirty`` appended when
tracked files under ``interpretable_nn/`` or ``benchmarks/`` differed from it: such a run
measured code that no commit holds, and says so.

Files written before per-run stamping (before this module existed) carry
``"commit_source": "git history"``: the parent of the commit that last changed the file,
i.e. the code the results commit was measured on. That is a reconstruction, marked as one.

Usage::

    python benchmarks/_provenance.py --check          # exit 1 when the manifest is stale
    python benchmarks/_provenance.py --backfill       # entries for unrecorded files from git
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MANIFEST = RESULTS / "MANIFEST.json"

__all__ = ["cpu_identity", "current_commit", "environment", "record", "watch", "load_manifest", "stale_entries"]


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def current_commit() -> str:
    """``git rev-parse HEAD``, plus ``+dirty`` when the library or benchmark code differs from it."""
    try:
        head = _git("rev-parse", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "interpretable_nn", "benchmarks/*.py")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest() -> dict:
    if not MANIFEST.exists():
        return {}
    return json.loads(MANIFEST.read_text())


def _save_manifest(manifest: dict) -> None:
    text = json.dumps(dict(sorted(manifest.items())), indent=1, sort_keys=True) + "\n"
    tmp = MANIFEST.with_name(MANIFEST.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(MANIFEST)


#: the distributions whose versions a result depends on (numerics: BLAS, L-BFGS-B, EBM's
#: boosting): a results file records them beside the commit, since the same commits gave 4 of
#: 180 confirm NAM cells and 3 of 120 dev folds other AUCs under another environment
#: (``confirm_repro_nam``, ``tuning_dev_repro_a``/``_b``)
PACKAGES = ("numpy", "scipy", "torch", "scikit-learn", "pandas", "interpret", "interpret-core", "xgboost",
            "xgboost-cpu", "lightgbm", "imodels", "shap")  # each under the names pip installs it by


def cpu_identity() -> dict:
    """The CPU's model name and a hash of its instruction-set flags (Linux's ``/proc/cpuinfo``;
    elsewhere the processor's name and the hash of nothing): BLAS and torch choose their kernels
    by these flags, so two machines with other flags may round a fit differently."""
    import platform

    cpu, flags = platform.processor(), ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and not cpu.strip():
                cpu = value.strip()
            if key.strip() == "flags" and not flags:
                flags = value.strip()
    except OSError:
        pass
    return {"cpu": cpu, "isa_sha256": hashlib.sha256(" ".join(sorted(flags.split())).encode()).hexdigest()[:16]}


def environment() -> dict:
    """Python, the machine (:func:`cpu_identity` included) and the installed versions of
    :data:`PACKAGES` (those present)."""
    import os
    import platform
    from importlib import metadata

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return {"python": platform.python_version(), "machine": platform.machine(), **cpu_identity(),
            "cpus": os.cpu_count(), "packages": versions}


def record(*paths, script: str | None = None, commit: str | None = None) -> None:
    """Record that ``paths`` (files under ``benchmarks/results/``) were just written by
    ``script`` (default: the running script) at ``commit`` (default: :func:`current_commit`)."""
    manifest = load_manifest()
    commit = commit or current_commit()
    script = script or Path(sys.argv[0]).name
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    env = environment()
    for p in paths:
        p = Path(p).resolve()
        rel = p.relative_to(RESULTS).as_posix()
        manifest[rel] = {
            "commit": commit,
            "commit_source": "recorded by the run",
            "environment": env,
            "script": script,
            "sha256": _sha256(p),
            "written": now,
        }
    _save_manifest(manifest)


#: results files a running script has named as its output (:func:`claim`), whatever their name
_CLAIMED: list[Path] = []


def claim(*paths) -> None:
    """Name ``paths`` as this run's output, so that :func:`watch` records them at exit when
    they lie under ``benchmarks/results/`` and changed during the run, whatever their name
    (e.g. ``suite.py --out results/confirm_x.csv``)."""
    _CLAIMED.extend(Path(p).resolve() for p in paths)


def watch(script: str | None = None, prefix: str | None = None) -> None:
    """Record, when the process exits, the results files this run wrote: those whose name
    starts with ``prefix`` (default: the script's stem, e.g. ``nam_vs_peers``) or that it
    named with :func:`claim`, and that changed since this call, so two benchmarks running at
    once never claim each other's files.

    One line at the top of a benchmark's ``__main__`` block; the commit is taken now, at the
    start of the run, so an edit made while a long benchmark runs cannot be credited to it.
    """
    import atexit
    import time

    commit, start = current_commit(), time.time() - 1.0
    script = script or Path(sys.argv[0]).name
    prefix = prefix if prefix is not None else Path(script).stem

    def _record_written() -> None:
        written = written_since(start, prefix)
        if written:
            record(*written, script=script, commit=commit)

    atexit.register(_record_written)


def written_since(start: float, prefix: str) -> list[Path]:
    """The results files changed since ``start`` (a ``time.time()``) whose name starts with
    ``prefix`` or that were named with :func:`claim`."""
    claimed = set(_CLAIMED)
    return [p for p in _result_files() if (p.name.startswith(prefix) or p.resolve() in claimed)
            and p.stat().st_mtime >= start]


def _result_files() -> list[Path]:
    return sorted(p for p in RESULTS.rglob("*") if p.is_file() and p != MANIFEST and not p.name.endswith(".tmp"))


def stale_entries() -> list[str]:
    """One line per problem: a results file without an entry, an entry without a file, or
    a file whose bytes differ from the recorded hash."""
    manifest = load_manifest()
    problems = []
    files = {p.relative_to(RESULTS).as_posix(): p for p in _result_files()}
    for rel, p in files.items():
        entry = manifest.get(rel)
        if entry is None:
            problems.append(f"{rel}: no entry in MANIFEST.json (call benchmarks._provenance.record after writing it)")
        elif entry.get("sha256") != _sha256(p):
            problems.append(f"{rel}: changed since it was recorded (rerun its script, which records it again)")
    for rel in manifest:
        if rel not in files:
            problems.append(f"{rel}: recorded in MANIFEST.json but missing")
    return problems


def _backfill() -> int:
    """Entries for unrecorded files, from git history: the parent of the commit that last
    changed the file (the code the results commit measured)."""
    manifest = load_manifest()
    added = 0
    for p in _result_files():
        rel = p.relative_to(RESULTS).as_posix()
        if rel in manifest and manifest[rel].get("sha256") == _sha256(p):
            continue
        last = _git("log", "-1", "--format=%H", "--", str(p.relative_to(ROOT)))
        if not last:
            print(f"skip {rel}: not committed yet; record it from the script that writes it", file=sys.stderr)
            continue
        parent = _git("rev-parse", f"{last}^")
        manifest[rel] = {
            "commit": parent,
            "commit_source": "git history",
            "script": "unknown (written before per-run stamping)",
            "sha256": _sha256(p),
            "written": _git("log", "-1", "--format=%cI", last),
        }
        added += 1
    _save_manifest(manifest)
    print(f"backfilled {added} entries")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 when a results file is unrecorded or changed")
    ap.add_argument("--backfill", action="store_true", help="add entries for committed, unrecorded files")
    args = ap.parse_args(argv)
    if args.backfill:
        return _backfill()
    problems = stale_entries()
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

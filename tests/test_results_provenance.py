"""Every results file says which commit measured it, and docs quote results files, not typing.

``benchmarks/results/MANIFEST.json`` holds one entry per results file (commit, script,
SHA-256); ``benchmarks/docs_tables.py`` writes the tables that docs quote. Both fail here
when they fall out of step with the files.
"""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_results_file_records_the_commit_it_measured():
    prov = _load("_provenance")
    problems = prov.stale_entries()
    assert not problems, "\n".join(problems)
    for rel, entry in prov.load_manifest().items():
        commit = entry["commit"].removesuffix("+dirty")
        assert len(commit) == 40 and all(c in "0123456789abcdef" for c in commit), (rel, entry)


def test_docs_tables_match_their_results_files():
    stale = _load("docs_tables").stale_docs()
    assert not stale, f"regenerate with python benchmarks/docs_tables.py: {stale}"


def test_a_hand_edited_figure_is_caught(tmp_path, monkeypatch):
    prov = _load("_provenance")
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(prov, "RESULTS", results)
    monkeypatch.setattr(prov, "MANIFEST", results / "MANIFEST.json")
    f = results / "x.csv"
    f.write_text("model,auc\nnam,0.81\n")
    assert prov.stale_entries() == ["x.csv: no entry in MANIFEST.json (call benchmarks._provenance.record after writing it)"]
    prov.record(f, script="t.py", commit="0" * 40)
    assert prov.stale_entries() == []
    entry = json.loads((results / "MANIFEST.json").read_text())["x.csv"]
    assert entry["script"] == "t.py"
    from importlib import metadata  # the environment beside the commit: the versions installed here

    assert entry["environment"]["packages"]["numpy"] == metadata.version("numpy")
    assert entry["environment"]["packages"]["scipy"] == metadata.version("scipy")
    assert entry["environment"]["python"].count(".") == 2 and entry["environment"]["cpus"] >= 1
    f.write_text("model,auc\nnam,0.91\n")
    assert prov.stale_entries() == ["x.csv: changed since it was recorded (rerun its script, which records it again)"]


def test_a_typed_figure_in_a_generated_table_is_caught(monkeypatch):
    tables = _load("docs_tables")
    text = (ROOT / "docs" / "distributed.md").read_text()
    assert "<!-- table: scale_ddp -->" in text
    assert tables.render(text) == text
    forged = text.replace("| nam | 100,000 | 2 |", "| nam | 100,000 | 2 | 1.0 |", 1)
    if forged == text:
        pytest.fail("the scale_ddp table lost its nam row")
    assert tables.render(forged) != forged


def test_a_claimed_output_is_recorded_whatever_its_name(tmp_path, monkeypatch):
    """suite.py --out results/confirm_x.csv: its output does not start with 'suite', so the
    prefix alone would leave it unrecorded (a CI run once failed on that)."""
    import time

    prov = _load("_provenance")
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(prov, "RESULTS", results)
    monkeypatch.setattr(prov, "_CLAIMED", [])
    start = time.time() - 1.0
    named, other, own = results / "confirm_x.csv", results / "other.csv", results / "suite_y.csv"
    for f in (named, other, own):
        f.write_text("a\n1\n")
    assert prov.written_since(start, "suite") == [own]
    prov.claim(named)
    assert prov.written_since(start, "suite") == [named, own]
    assert other not in prov.written_since(start, "suite")

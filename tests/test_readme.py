"""The README's two set-up commands are what CI runs and what a newcomer types."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(rf"<!-- {marker} -->\s*```bash\n(.*?)\n```", text, re.S)
    assert m, f"README.md lacks the {marker} block"
    return m.group(1).strip()


def test_exactly_two_setup_commands():
    main, tests = _block("main-command"), _block("test-command")
    for cmd in (main, tests):
        assert "\n" not in cmd, "each set-up command is one line"
        assert cmd.index('"torch==2.13.0"') < cmd.index("-e "), "torch must be pinned before the package"
    assert main.endswith("interpretable-nn demo")
    assert "pytest" in tests and "[dev]" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    out = subprocess.run(
        ["awk", '/<!-- test-command -->/{f=1; next} f && /^```bash/{g=1; next} g && /^```/{exit} g{print}', "README.md"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert out == _block("test-command")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "test-command" in ci and 'bash -c "$cmd"' in ci
    assert "|| true" not in ci, "CI must not hide a failing (or empty, exit 5) test run"


def _use_case_blocks() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Three use cases"):text.index("## Models")]
    blocks = re.findall(r"```python\n(.*?)\n```", section, re.S)
    assert len(blocks) == 3, "the README shows three use cases"
    return blocks


def _run_blocks(blocks: list[str], tmp_path, monkeypatch) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)  # the snippets write model directories and reports
    scope: dict = {}
    for code in blocks:
        exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README
    return scope


def test_readme_use_cases_run_and_their_comments_hold(tmp_path, monkeypatch):
    import numpy as np

    s = _run_blocks(_use_case_blocks()[:2], tmp_path, monkeypatch)
    nam, ds, e = s["nam"], s["ds"], s["e"]
    np.testing.assert_allclose(e.base_values + e.values.sum(1), nam.decision_function(ds.X.head(5)), atol=1e-5)
    np.testing.assert_allclose(s["scores"], s["rules"].decision_function(ds.X), rtol=0, atol=1e-12)
    assert 0.5 < s["tree"].fidelity_["agreement"] <= 1
    assert (tmp_path / "nam_model" / "manifest.json").exists()


@pytest.mark.slow
def test_readme_study_use_case_runs(tmp_path, monkeypatch):
    """The study of the README finishes every cell (a report over failed cells is not the
    use case working: a run whose workers were killed once still wrote a report)."""
    from interpretable_nn.studies.store import load_results

    _run_blocks(_use_case_blocks(), tmp_path, monkeypatch)
    assert (tmp_path / "report.html").stat().st_size > 10_000
    res = load_results(tmp_path / "results")
    failed = res[res.status != "ok"]
    assert failed.empty, failed[["cell_key", "error"]].head().to_string()
    assert len(res) == 2 * 6 * 1 * 5, f"{len(res)} cells, expected 2 data sets x 6 models x 1 seed x 5 folds"


BAD_INPUT = ROOT / "docs" / "bad_input.md"


def _bad_input_rows() -> list[tuple[str, str]]:
    section = BAD_INPUT.read_text()
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`test_" in line]
    return [(line.split("|")[1].strip(), line.split("|")[-2]) for line in rows]


def test_readme_points_to_the_bad_input_contract():
    text = (ROOT / "README.md").read_text()
    assert "(docs/bad_input.md)" in text[text.index("## Bad input"):text.index("## Data sets")]


def test_bad_input_rows_naming_other_test_files_name_tests_that_exist():
    """Rows of docs/bad_input.md that cite ``tests/test_x.py::name`` cite a real test."""
    text = BAD_INPUT.read_text()
    files = set(re.findall(r"`(tests/test_\w+\.py)`", text))
    refs = re.findall(r"`::(test_\w+)`", text)
    assert files and refs, "docs/bad_input.md cites no tests outside the contract tests"
    sources = "\n".join((ROOT / f).read_text() for f in files)
    for func in refs:
        assert re.search(rf"def {func}\(", sources), f"docs/bad_input.md cites ::{func}, which none of {sorted(files)} defines"


def test_readme_bad_input_table_matches_the_contract_tests():
    """Every row of the bad-input table (docs/bad_input.md) names tests that exist (function and case id),
    and every bad-input case the contract tests parametrise appears in the table."""
    source = (ROOT / "tests" / "test_contract.py").read_text()
    rows = _bad_input_rows()
    assert len(rows) >= 25
    named_cases = set()
    for case, cell in rows:
        names = re.findall(r"`(test_\w+)(?:\[([^\]]+)\])?`", cell)
        assert names, f"README bad-input row {case!r} names no test"
        for func, param in names:
            assert re.search(rf"def {func}\(", source), f"README row {case!r}: tests/test_contract.py has no {func}"
            if param and not param.startswith("..."):
                assert f'"{param}"' in source, f"README row {case!r}: no case id {param!r} in tests/test_contract.py"
                named_cases.add(param)
    # the other direction: each case of the table-driven tests is documented
    import importlib.util

    spec = importlib.util.spec_from_file_location("_contract", ROOT / "tests" / "test_contract.py")
    contract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(contract)
    case_ids = {c[0] for c in contract.FIT_CASES + contract.PREDICT_CASES}
    missing = case_ids - named_cases
    assert not missing, f"bad-input cases of tests/test_contract.py missing from the table in docs/bad_input.md: {sorted(missing)}"

"""The README's two set-up commands are what CI runs and what a newcomer types."""

import re
import subprocess
from pathlib import Path

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

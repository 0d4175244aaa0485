"""The API reference is generated from the docstrings (MkDocs + mkdocstrings) and builds with
warnings as errors: a broken cross-reference, a missing page or an unparsable docstring
section fails the suite."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_api_reference_builds_without_warnings(tmp_path):
    import mkdocs  # noqa: F401  (a dev dependency: a missing install is a failure, not a skip)

    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    page = (tmp_path / "site" / "api" / "models" / "index.html").read_text()
    assert "NAMClassifier" in page and "Parameters" in page, "the models page lacks the generated reference"


def test_every_doc_page_is_in_the_navigation():
    import yaml

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text())["nav"]

    def pages(items):
        for item in items:
            for value in item.values():
                yield from (pages(value) if isinstance(value, list) else [value])

    listed = set(pages(nav))
    on_disk = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert on_disk <= listed, f"pages not in mkdocs.yml's nav: {sorted(on_disk - listed)}"

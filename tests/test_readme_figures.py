"""The README's pictures say which commit drew them (docs/images/figures.json) and are the
files that commit drew: an edited or swapped picture fails here."""

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_pictures_record_the_commit_that_drew_them():
    doc = json.loads((ROOT / "docs" / "images" / "figures.json").read_text())
    shown = re.findall(r"!\[[^\]]*\]\(docs/images/([^)]+)\)", (ROOT / "README.md").read_text())
    assert shown, "the README shows no pictures"
    for name in shown:
        entry = doc.get(name)
        assert entry, f"docs/images/{name} is not in figures.json (draw it with benchmarks/readme_figures.py)"
        assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", entry["commit"]), entry
        digest = hashlib.sha256((ROOT / "docs" / "images" / name).read_bytes()).hexdigest()
        assert digest == entry["sha256"], f"docs/images/{name} differs from the picture recorded in figures.json"

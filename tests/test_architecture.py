"""The package keeps the shape docs/architecture.md describes: imports only point down the
layers, no import cycles, no file over 500 lines without a stated reason (none over 800),
no function over 100 lines. Read from the source with ``ast`` (nothing is imported), so a
violation names the file and the line."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "interpretable_nn"

#: the layers, lowest first; a module may import its own layer or lower ones only
LAYERS: list[set[str]] = [
    {"_version", "data", "nn", "training", "rules", "attribution", "persistence", "datasets"},
    {"models"},
    {"explain", "monitor", "distill"},
    {"studies"},
    {"demo", "cli", "cli_io", "__init__"},
]
#: torch-free artefacts: rules/ never reaches torch-side packages
TORCH_SIDE = {"nn", "training", "models"}
REASON = "Why this file passes"


def _modules() -> dict[str, Path]:
    out = {}
    for f in PKG.rglob("*.py"):
        parts = list(f.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = f
    return out


MODS = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, int]]:
    """Modules of the package that ``name`` imports (at any depth of its code), with lines."""
    tree = ast.parse(path.read_text())
    pkg = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = pkg[: len(pkg) - node.level + 1] if node.level else []
            stem = ".".join(base + ([node.module] if node.module else []))
            targets = [f"{stem}.{a.name}" for a in node.names] if stem else []
            if node.module or node.level:  # `from . import x` runs the package's __init__ too
                targets.append(stem)
        else:
            continue
        for t in targets:
            while t and t not in MODS:
                t = t.rpartition(".")[0]
            if t and t != name and t != "interpretable_nn":
                found.append((t, node.lineno))
    return found


GRAPH = {m: _imports(m, f) for m, f in MODS.items()}


def _layer(mod: str) -> int:
    top = mod.split(".")[1] if "." in mod else "__init__"
    for i, group in enumerate(LAYERS):
        if top in group:
            return i
    raise AssertionError(f"{mod}: its top-level package {top!r} is in no layer of tests/test_architecture.py")


def test_every_module_has_a_layer():
    for m in MODS:
        _layer(m)


def test_imports_only_point_down():
    up = [
        f"{MODS[a].relative_to(PKG.parent)}:{line} imports {b}"
        for a, deps in GRAPH.items()
        for b, line in deps
        if _layer(b) > _layer(a)
    ]
    assert not up, "upward imports:\n" + "\n".join(up)


def test_rules_stay_torch_free():
    bad = [
        f"{MODS[a].relative_to(PKG.parent)}:{line} imports {b}"
        for a, deps in GRAPH.items()
        if a.startswith("interpretable_nn.rules")
        for b, line in deps
        if b.split(".")[1] in TORCH_SIDE
    ]
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w, _ in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


@pytest.mark.parametrize("path", sorted(MODS.values()), ids=lambda p: str(p.relative_to(PKG.parent)))
def test_file_and_function_sizes(path: Path):
    src = path.read_text()
    n = src.count("\n")
    tree = ast.parse(src)
    doc = ast.get_docstring(tree) or ""
    assert n <= 800, f"{path.name} has {n} lines (at most 800)"
    assert n <= 500 or REASON in doc, f"{path.name} has {n} lines and no '{REASON}' paragraph in its docstring"
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 100
    ]
    assert not long, f"{path.name}: functions over 100 lines: {long}"

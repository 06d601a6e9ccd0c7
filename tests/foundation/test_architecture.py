"""The package's shape (docs/architecture.md): imports point down the layers, never in a circle, and no
module uses another module's private names. Read from the source with ``ast``, function-local imports
included, so nothing is imported here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO

PACKAGE = REPO / "pipeline"

# lowest first: a module may import from its own layer and the layers before it
LAYERS = (
    ("foundation", ("pipeline", "pipeline.findings", "pipeline.policy", "pipeline.models", "pipeline.i18n",
                    "pipeline.quiet", "pipeline.onnx_fusion", "pipeline.owned", "pipeline.printable")),
    ("media", ("pipeline.media",)),
    ("stages and text", ("pipeline.stages", "pipeline.text")),
    ("screen", ("pipeline.screen",)),
    ("redaction", ("pipeline.redaction",)),
    ("report", ("pipeline.report",)),
    ("runs", ("pipeline.runs",)),
    ("review app", ("pipeline.review",)),
    ("cli", ("pipeline.cli",)),
)


def layer_of(module: str) -> int:
    best, rank = -1, None
    for i, (_name, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, rank = len(p), i
    assert rank is not None, f"{module} belongs to no layer of docs/architecture.md"
    return rank


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = modules()


def imports(name: str, path: Path) -> list[tuple[str, str | None, int]]:
    """(module imported, name imported from it or None, line) for every import in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "pipeline":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub, None, node.lineno) if sub in MODULES else (target, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "pipeline"]
    return found


GRAPH = {name: {t for t, _n, _l in imports(name, path) if t in MODULES and t != name} for name, path in MODULES.items()}


def test_every_module_has_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_imports_point_down_the_layers() -> None:
    up = [f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
          for a, targets in GRAPH.items() for b in sorted(targets) if layer_of(b) > layer_of(a)]
    assert not up, "imports pointing up the layers:\n" + "\n".join(up)


def test_no_import_circle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in GRAPH[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in MODULES:
        if v not in index:
            visit(v)
    assert not circles, f"modules importing each other, directly or around a circle: {circles}"


def private(name: str | None) -> bool:
    return bool(name) and name.startswith("_") and not (name.startswith("__") and name.endswith("__")) and name != "_"


def private_names(path: Path) -> set[str]:
    """Private names a module defines: functions, classes, methods, assignments, ``self._x`` attributes."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return {n for n in names if private(n)}


@pytest.mark.slow
def test_no_private_name_used_across_modules() -> None:
    used = [f"{name}:{line} imports {target}.{imported}"
            for name, path in MODULES.items() for target, imported, line in imports(name, path)
            if target != name and private(imported)]
    # attributes: another module's private function, method or attribute reached through an object
    # (``redactor._without_copy``): a private name this module does not define but another one does
    defined = {name: private_names(path) for name, path in MODULES.items()}
    elsewhere = {n for names in defined.values() for n in names}
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and private(node.attr) and isinstance(node.value, ast.Name)
                    and node.value.id not in ("self", "cls") and node.attr not in defined[name]
                    and node.attr in elsewhere):
                used.append(f"{name}:{node.lineno} uses {node.value.id}.{node.attr}")
    assert not used, "private names used outside their module:\n" + "\n".join(used)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_500_lines(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= 500, f"{name} has {lines} lines: split it by what its parts do"

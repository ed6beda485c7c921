"""The shape of the code: no import cycles between modules, ``indexer`` never
imports ``search``, and the search layer takes shared definitions from the schema
module rather than from the KB store. Read off the source with ``ast``."""
from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGES = {"indexer": "newslink.indexer", "search": "newslink.search"}


def _modules() -> dict[str, Path]:
    out = {}
    for folder, package in PACKAGES.items():
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO / folder).with_suffix("").parts
            name = ".".join((package, *parts))
            out[name.removesuffix(".__init__")] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Project modules ``name`` imports at module level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in _runtime_imports(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [module] + [f"{module}.{a.name}" for a in node.names]
        for target in targets:
            if target in modules and target != name:
                out.add(target)
    return out


def _runtime_imports(tree: ast.AST) -> list[ast.stmt]:
    """Every import that runs: at module level and inside functions (a lazy import is
    a dependency too), but not under ``if TYPE_CHECKING:`` (annotations only)."""
    out: list[ast.stmt] = []

    def walk(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and isinstance(child.test, ast.Name) and child.test.id == "TYPE_CHECKING":
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                out.append(child)
            walk(child)

    walk(tree)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_no_import_cycles() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            # a package importing its own submodules (its __init__ re-exports) is no cycle
            if nxt.startswith(node + "."):
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                if not all(a.startswith(b + ".") or b.startswith(a + ".") for a, b in zip(cycle, cycle[1:])):
                    raise AssertionError("import cycle: " + " -> ".join(cycle))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_indexer_never_imports_search() -> None:
    for name, deps in _graph().items():
        if name.startswith("newslink.indexer"):
            assert not any(d.startswith("newslink.search") for d in deps), name


def test_search_takes_schema_constants_from_the_schema_module() -> None:
    for name, deps in _graph().items():
        if name.startswith("newslink.search"):
            assert "newslink.indexer.kb.store" not in deps, f"{name} imports the KB store"

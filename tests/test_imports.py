"""The import graph of the ``sim`` package: no cycle, no private names across modules, layers.

The graph is built from the ``import`` statements of every module (with :mod:`ast`, nothing is
imported). Imports under ``if TYPE_CHECKING:`` are annotations only: they never run, so they
count for the private-name rule but not for cycles and layers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sim"


@dataclass(frozen=True)
class Edge:
    """One imported name: ``source`` imports ``name`` from ``target``."""

    source: str
    target: str
    name: str | None
    line: int
    type_only: bool


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, type_only: bool = False) -> list[tuple[ast.stmt, bool]]:
    """Every import statement below ``tree``, with whether it sits under TYPE_CHECKING."""
    out: list[tuple[ast.stmt, bool]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append((node, type_only))
        elif isinstance(node, ast.If) and _is_type_checking(node):
            out += _imports(ast.Module(body=node.body, type_ignores=[]), True)
            out += _imports(ast.Module(body=node.orelse, type_ignores=[]), type_only)
        else:
            out += _imports(node, type_only)
    return out


def edges_of(module: str) -> list[Edge]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    out: list[Edge] = []
    for node, type_only in _imports(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    out.append(Edge(module, alias.name, None, node.lineno, type_only))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in MODULES:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                target, name = (sub, None) if sub in MODULES else (node.module, alias.name)
                out.append(Edge(module, target, name, node.lineno, type_only))
    return out


EDGES: list[Edge] = [edge for module in MODULES for edge in edges_of(module)]


def runtime_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for edge in EDGES:
        if not edge.type_only and edge.target != edge.source:
            graph[edge.source].add(edge.target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as a list of modules (first = last), or None."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_the_graph_sees_the_package() -> None:
    assert {"sim.run", "sim.api", "sim.compare", "sim.sweep.execute"} <= set(MODULES)
    graph = runtime_graph()
    assert "sim.run" in graph["sim.compare"]  # from sim.run import flatten_kpis, ...
    assert "sim.sweep.store" in graph["sim.sweep.execute"]  # from sim.sweep import store


def test_no_import_cycle() -> None:
    assert find_cycle(runtime_graph()) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_private_name_imported_from_another_module() -> None:
    private = [
        f"{e.source}:{e.line} imports {e.name} from {e.target}"
        for e in EDGES
        if e.name is not None and e.name.startswith("_") and e.target != e.source
    ]
    assert private == []


# (importer prefix, forbidden prefixes): a lower layer never imports a higher one.
FORBIDDEN: list[tuple[str, tuple[str, ...]]] = [
    ("sim.sweep", ("sim.compare", "sim.cli", "sim.api")),
    ("sim.analysis", ("sim.sweep", "sim.compare", "sim.run", "sim.cli", "sim.api")),
    ("sim.compare", ("sim.sweep", "sim.cli", "sim.api")),
    ("sim.run", ("sim.compare", "sim.sweep", "sim.cli", "sim.api")),
    ("sim.rundir", ("sim.run", "sim.compare", "sim.sweep", "sim.cli", "sim.api")),
    ("sim.scenario", ("sim.run", "sim.compare", "sim.sweep", "sim.analysis", "sim.cli")),
    ("sim.plots", ("sim.run", "sim.compare", "sim.sweep", "sim.cli", "sim.api")),
    ("sim.validation", ("sim.sweep", "sim.cli", "sim.api")),
    *(
        (engine, ("sim.run", "sim.rundir", "sim.compare", "sim.sweep", "sim.analysis", "sim.cli"))
        for engine in (
            "sim.model",
            "sim.engine",
            "sim.agents",
            "sim.sales",
            "sim.market",
            "sim.billing",
            "sim.metrics",
            "sim.economics",
            "sim.program",
        )
    ),
    ("sim.names", ("sim",)),  # the vocabulary imports nothing of the package
]


def _under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


@pytest.mark.parametrize(("importer", "forbidden"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_no_upward_import(importer: str, forbidden: tuple[str, ...]) -> None:
    upward = [
        f"{e.source}:{e.line} imports {e.target}"
        for e in EDGES
        if not e.type_only
        and _under(e.source, importer)
        and any(_under(e.target, prefix) for prefix in forbidden)
    ]
    assert upward == []


def test_only_the_entry_point_imports_the_cli_and_nothing_imports_the_api() -> None:
    cli = {e.source for e in EDGES if e.target == "sim.cli"}
    api = {e.source for e in EDGES if e.target == "sim.api"}
    assert cli <= {"sim.__main__"}
    assert api == set()

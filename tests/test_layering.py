"""casebot's packages form one layering: each imports only from the layers below it.

The imports are read from the source with ast (function-level and TYPE_CHECKING imports
count too: they are dependencies all the same), so the picture in docs/architecture.md
stays true. A new package or top-level module must be given a layer here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from tests.conftest import REPO

SRC = REPO / "src" / "casebot"

# Lowest first. Modules in the first layer may import each other; in any other layer, a
# package imports only from layers below its own.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("casebot", "config", "errors", "text", "tokens", "offline", "progress", "openai_compat", "logs"),
    ("widget",),  # the browser's script and demo page as files; the API serves them
    ("embeddings",),
    # Knowledge files name safety categories in `serves:`, so ingest sits above safety.
    # The feedback store needs only the base; tenants carry local services in the catalog's
    # schema, so they sit above safety.
    ("index", "safety", "feedback"),
    ("ingest", "tenants"),
    ("retrieval",),
    ("answer",),
    ("runtime",),  # the composition root: builds every stage from Settings
    ("health",),  # readiness of what runtime built: index, consistency, store
    ("api", "evals", "check"),
    ("cli",),
)
LEVEL = {unit: level for level, units in enumerate(LAYERS) for unit in units}

Edges = Mapping[str, set[str]]


def module_name(path: Path) -> str:
    parts = ("casebot", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    """The layered unit a module belongs to: its package below casebot, or itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from casebot.index import version` imports casebot.index.version
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "casebot" or name.startswith("casebot.")}


def module_edges() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in SRC.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_modules(path):
            # `from package import name` may name a module or an attribute: keep the longest
            # prefix that is a module.
            while imported not in modules and "." in imported:
                imported = imported.rsplit(".", 1)[0]
            if imported != name:
                targets.add(imported)
        edges[name] = targets
    return edges


def unit_edges(modules: Edges) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for source, targets in modules.items():
        unit = unit_of(source)
        edges.setdefault(unit, set()).update(unit_of(t) for t in targets if unit_of(t) != unit)
    return edges


def against_the_layering(units: Edges, level: Mapping[str, int]) -> list[str]:
    """Imports that go up, or sideways between packages of one layer (above the base)."""
    bad = []
    for source, targets in sorted(units.items()):
        for target in sorted(targets):
            below = level[target] < level[source]
            both_base = level[target] == level[source] == 0
            if not (below or both_base):
                bad.append(f"{source} -> {target}")
    return bad


def cycles(edges: Edges) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _edges(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for source, target in pairs:
        edges.setdefault(source, set()).add(target)
        edges.setdefault(target, set())
    return edges


MODULES = module_edges()
UNITS = unit_edges(MODULES)


def test_every_package_and_top_level_module_has_a_layer() -> None:
    assert sorted(set(UNITS) - set(LEVEL)) == []
    assert sorted(set(LEVEL) - set(UNITS)) == [], "a layer names something that is gone"


def test_imports_only_go_down_the_layers() -> None:
    assert against_the_layering(UNITS, LEVEL) == []


def test_no_cycle_between_packages() -> None:
    assert cycles(UNITS) == []


def test_no_cycle_between_modules() -> None:
    assert cycles(MODULES) == []


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([("ingest", "index"), ("index", "embeddings")], []),
        ([("index", "ingest")], ["index -> ingest"]),
        ([("api", "evals")], ["api -> evals"]),
        ([("config", "text")], []),
    ],
    ids=["down", "up", "sideways", "within the base"],
)
def test_the_layering_check_tells_down_from_up_and_sideways(
    pairs: list[tuple[str, str]], expected: list[str]
) -> None:
    assert against_the_layering(_edges(pairs), LEVEL) == expected


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles(_edges([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])) == [["a", "b", "c"]]
    assert cycles(_edges([("a", "b"), ("b", "c")])) == []

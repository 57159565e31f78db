"""The house rules of docs/architecture.md, checked on the source: no import circle anywhere in `sim/`
(type-only imports included), and agents and mechanisms never import the model."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sim"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(name: str) -> str | None:
    """The module of ours that an import of `name` loads (a name imported from a package may be a submodule)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(path: Path) -> set[str]:
    """Every module of ours that `path` imports: at the top, inside functions, and under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for name in names:
            target = _resolve(name) if name.split(".")[0] == "sim" else None
            if target is not None and target != _module_name(path):
                found.add(target)
    return found


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for name, path in MODULES.items():
        g.add_node(name)
        for target in _imports(path):
            g.add_edge(name, target)
    return g


def test_the_graph_sees_the_package(graph: nx.DiGraph) -> None:
    assert {"sim.core.model", "sim.core.mechanisms.border", "sim.outcomes", "sim.world.corridor"} <= set(graph)
    assert graph.has_edge("sim.core.model", "sim.core.mechanisms.border")


def test_no_import_circle_in_sim(graph: nx.DiGraph) -> None:
    circles = list(nx.simple_cycles(graph))
    assert not circles, "import circles: " + "; ".join(" -> ".join([*c, c[0]]) for c in circles[:5])


def test_agents_and_mechanisms_never_import_the_model(graph: nx.DiGraph) -> None:
    below = [m for m in graph if m.startswith(("sim.core.agents", "sim.core.mechanisms"))]
    assert below
    offenders = [m for m in below if "sim.core.model" in nx.descendants(graph, m)]
    assert not offenders, f"these reach sim.core.model through their imports: {offenders}"


def test_the_core_knows_nothing_of_its_faces(graph: nx.DiGraph) -> None:
    """The core and the world are used by runs, experiments and replay, never the other way round."""
    faces = {"sim.api", "sim.run", "sim.cli", "sim.results"} | {m for m in graph if m.startswith(
        ("sim.experiment", "sim.replay"))}
    for layer in ("sim.core", "sim.world", "sim.config", "sim.outcomes", "sim.errors"):
        for module in (m for m in graph if m == layer or m.startswith(layer + ".")):
            reached = nx.descendants(graph, module) & faces
            assert not reached, f"{module} reaches {sorted(reached)}"

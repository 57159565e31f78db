"""The experiment package's structure: no import circles, a report that stands on a results folder alone,
and outcome names only from the registry (sim/outcomes.py)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from sim import outcomes
from sim.experiment.report import figures, stats
from tests.conftest import REPO

PACKAGE = REPO / "sim" / "experiment"


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the `sim` modules it imports anywhere (inside functions too), `from a import b` counted as
    `a.b` when that is a module."""
    files = {module_name(p): p for p in root.rglob("*.py")}
    known = {module_name(p) for p in (REPO / "sim").rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: up from the importing module's package
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets |= {f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names}
        graph[name] = {t for t in targets if t in known and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_in_the_experiment_package() -> None:
    assert cycles(import_graph(PACKAGE)) == []


def test_report_stands_on_the_results_folder_alone() -> None:
    """The report reads what the runner wrote; it imports no part of the runner, statically or at run time."""
    graph = import_graph(PACKAGE)
    report = "sim.experiment.report"
    for name, targets in graph.items():
        if name.startswith(report):
            outside = {t for t in targets if t.startswith("sim.experiment") and not t.startswith(report)}
            assert not outside, f"{name} imports {outside}"
    loaded = subprocess.run([sys.executable, "-c", "import sys, sim.experiment.report; "
                             "print(' '.join(m for m in sys.modules if m.startswith('sim.experiment')))"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert all(m == "sim.experiment" or m.startswith("sim.experiment.report") for m in loaded), loaded


def test_outcome_names_come_from_the_registry() -> None:
    """No list of outcomes in the package: an outcome key appears as text only in the figure choices and
    the pairing-efficiency choice, and each of those is a registry key."""
    keys = set(outcomes.SUMMARY_KEYS) | {level.key for level in outcomes.LEVELS}
    allowed = {PACKAGE / "report" / "figures.py", PACKAGE / "report" / "stats.py"}
    for path in PACKAGE.rglob("*.py"):
        named = [n.value for n in ast.walk(ast.parse(path.read_text()))
                 if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in keys]
        assert path in allowed or not named, f"{path.relative_to(REPO)} names outcomes {named}"
    chosen = [k for k, _ in figures.TIMESERIES_PANELS] + [figures.TRADEOFF_X, *figures.TRADEOFF_Y]
    assert all(outcomes.get(k) for k in chosen)
    assert all(outcomes.is_outcome(k) for k in stats.PAIRING_OUTCOMES)

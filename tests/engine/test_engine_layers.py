"""The engine is a stack: no import cycle among its modules, the interpreter on top.

Every ``engine/**/*.py`` is parsed with ``ast`` and each ``import`` in it (at the top or
inside a function: a lazy import is still a dependency) becomes an edge of a module graph;
networkx finds the cycles. Parent packages imported implicitly are not edges.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[2]


def _module_names(root: Path, package: str) -> dict[str, Path]:
    names = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _imported(node: ast.AST, package: str, modules: dict) -> list[str]:
    """The modules of ``modules`` one import statement names (``package``: where it is)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = package.split(".")[:len(package.split(".")) - node.level + 1]
        base = ".".join(parts + ([base] if base else []))
    found = []
    for alias in node.names:
        full = f"{base}.{alias.name}"
        found.append(full if full in modules else base)
    return found


def import_graph(root: Path, package: str = "engine") -> nx.DiGraph:
    """Module -> module for every import among ``package``'s modules under ``root``."""
    modules = _module_names(root, package)
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in _imported(node, here, modules):
                if target in modules and target != name:
                    graph.add_edge(name, target)
    return graph


def test_no_import_cycle_among_engine_modules():
    cycles = sorted(sorted(cycle) for cycle in nx.simple_cycles(import_graph(ROOT)))
    assert cycles == []


def test_the_core_never_imports_the_interpreter():
    """The interpreter may import the core; the core (everything else under ``engine/``
    but ``engine.expression``, the interpreter's public door) never imports it."""
    graph = import_graph(ROOT)
    interpreter = {name for name in graph if name.startswith("engine.interpreter")}
    doors = {"engine.expression"}
    offenders = sorted((source, target) for source, target in graph.edges
                       if target in interpreter and source not in interpreter | doors)
    assert offenders == []


def test_the_core_reads_as_a_stack():
    """tensor needs autograd, never the reverse; the ops need the tensor; methods attach."""
    graph = import_graph(ROOT)
    order = list(nx.topological_sort(graph.reverse()))
    position = {name: index for index, name in enumerate(order)}
    stack = ["engine.dtypes", "engine.autograd.graph", "engine.tensor", "engine.ops.common",
             "engine.ops.arithmetic", "engine.methods", "engine"]
    assert [position[name] for name in stack] == sorted(position[name] for name in stack)


def test_the_check_finds_a_cycle_hidden_in_a_function(tmp_path):
    package = tmp_path / "engine"
    (package / "ops").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "ops" / "__init__.py").write_text("")
    (package / "tensor.py").write_text("def f():\n    from engine.ops import shapes\n")
    (package / "ops" / "shapes.py").write_text("from ..tensor import f\n")
    cycles = list(nx.simple_cycles(import_graph(tmp_path)))
    assert sorted(map(sorted, cycles)) == [["engine.ops.shapes", "engine.tensor"]]

"""The package's shape, checked: no import cycles, a planner that names no
transform, and one function table that covers every function the SQL calls."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from cape_udfs.function_table import BRIDGE, FUNCTIONS
from cape_udfs.transforms import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cape_udfs"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every cape_udfs module and the cape_udfs modules it imports anywhere
    (function-level imports too: a lazy import is still a cycle)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cape_udfs"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    edges.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name.startswith("cape_udfs"))
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_import_cycles_in_cape_udfs():
    graph = import_graph()
    assert "cape_udfs.keyring" in graph and "cape_udfs.policy" in graph["cape_udfs.keyring"]
    assert cycles(graph) == []


def test_kernels_and_batch_import_no_transform_and_no_engine():
    graph = import_graph()
    for name, edges in graph.items():
        if name.startswith("cape_udfs.kernels") or name == "cape_udfs.batch":
            assert not {e for e in edges if e.startswith(("cape_udfs.transforms", "cape_udfs.plan"))}, name
            source = (PACKAGE / Path(*name.split(".")[1:])).with_suffix(".py")
            text = source.read_text() if source.exists() else ""
            assert "import duckdb" not in text and "import dbt" not in text, name


def test_the_planner_names_no_transform():
    source = (PACKAGE / "plan.py").read_text(encoding="utf-8")
    strings = {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert not strings & set(REGISTRY), sorted(strings & set(REGISTRY))


def test_every_function_the_macros_call_is_in_the_function_table():
    called = set()
    for path in (ROOT / "macros").rglob("*.sql"):
        called |= set(re.findall(r"\b(cape_[a-z_]+)\(", path.read_text(encoding="utf-8")))
    assert called, "no cape_ function found in the macros"
    assert called <= set(FUNCTIONS) | set(BRIDGE), sorted(called - set(FUNCTIONS) - set(BRIDGE))


def test_every_batch_transform_uses_the_one_renderer():
    for tr in REGISTRY.values():
        if tr.function is not None:
            assert tr.renderer == "render_batch_function"
            assert tr.function.sql_name in FUNCTIONS
        elif tr.scope == "column":  # row-redact and column-redact shape the SELECT itself
            assert (ROOT / "macros" / "transforms" / f"{tr.renderer}.sql").exists(), tr.name

"""The house's layering, checked on the source: ``core/`` imports no domain package, and no two
packages of the app import each other, directly or round a longer loop.

Function-local imports count too: a cycle hidden inside a function is still a cycle, only one
that fails at run time instead of at import.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "lk_corporate"


def _package_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    edges: dict[str, set[str]] = defaultdict(set)
    where: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "migrations" or len(rel.parts) < 2:
            continue
        source = rel.parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "lk_corporate" and len(parts) > 1 and parts[1] != source:
                    edges[source].add(parts[1])
                    where[(source, parts[1])].append(f"{rel}:{node.lineno}")
    return edges, where


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_core_imports_no_domain_package() -> None:
    edges, where = _package_graph()
    assert not edges.get("core"), {d: where[("core", d)] for d in edges.get("core", ())}


def test_no_import_cycle_between_packages() -> None:
    edges, where = _package_graph()
    cycles = _cycles(edges)
    detail = {
        " ↔ ".join(c): {f"{a}→{b}": where[(a, b)][:3] for a in c for b in c if (a, b) in where}
        for c in cycles
    }
    assert not cycles, detail


def test_the_check_sees_a_cycle() -> None:
    # The checker itself must be able to fail.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

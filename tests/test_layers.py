"""The architecture holds: every import of the five packages (function-level ones included) is
parsed, and neither the packages nor the modules inside them form a cycle; the import-linter
layers contract in pyproject.toml passes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("retrieval", "memory", "vstream", "eval", "app")
LAYER = {p: i for i, p in enumerate(PACKAGES)}  # bottom to top


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every project module this file imports, at any depth of the syntax tree."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        out |= {n for n in names if n.split(".")[0] in PACKAGES}
    return out


def graph() -> dict[str, set[str]]:
    files = {module_name(f): f for p in PACKAGES for f in (REPO / p).rglob("*.py")}
    edges = {}
    for mod, f in files.items():
        edges[mod] = {n for n in imports(f) if n in files and n != mod}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
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
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def test_no_upward_imports_between_layers():
    bad = [(m, n) for m, targets in graph().items() for n in targets
           if LAYER[n.split(".")[0]] > LAYER[m.split(".")[0]]]
    assert bad == [], f"lower layer imports a higher one: {bad[:10]}"


def test_no_import_cycles_between_modules():
    assert cycles(graph()) == []


def test_cycle_detector_sees_a_cycle():
    """The check itself can fail: a two-module loop and a function-level upward import."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    tree = ast.parse("def f():\n    from app.cli import main\n")
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert found == {"app.cli"}


def test_import_linter_layers_contract():
    proc = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]

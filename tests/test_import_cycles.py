"""No import cycle among the project's Python modules.

A cycle makes a module's behaviour depend on which side was imported first (a name not yet
bound, a half-initialised module), and it hides the direction data flows in. Imports inside
functions count as well: they only postpone the cycle to the first call. Read statically
from the source (every import statement, wherever it is), so nothing is imported here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO

# The importable roots (what the wheel installs) and the packages under them.
ROOTS = {
    REPO / "server": ["aws_login_bridge"],
    REPO / "jupyter_ext": ["aws_login_jupyter"],
}


def module_files(roots: dict[Path, list[str]]) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for root, packages in roots.items():
        for package in packages:
            for path in sorted((root / package).rglob("*.py")):
                parts = list(path.relative_to(root).with_suffix("").parts)
                if parts[-1] == "__init__":
                    parts.pop()
                modules[".".join(parts)] = path
    return modules


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name an ``ImportFrom`` reads from (``from ..x import y`` resolved)."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    # A package's own name is its __init__; a module's level 1 is its package.
    base = base[:len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path, known: set[str]) -> Iterator[tuple[str, int]]:
    """The project modules ``module`` imports, each with the line that does it."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, is_package, node)
            for alias in node.names:
                # `from pkg import mod` imports the module pkg.mod; `from mod import name`
                # imports mod itself.
                target = f"{source}.{alias.name}"
                if target in known:
                    yield target, node.lineno
                elif source in known:
                    yield source, node.lineno


def import_graph(roots: dict[Path, list[str]] = ROOTS) -> dict[str, dict[str, int]]:
    files = module_files(roots)
    known = set(files)
    graph: dict[str, dict[str, int]] = {name: {} for name in files}
    for name, path in files.items():
        for target, line in imports_of(name, path, known):
            if target != name:
                graph[name].setdefault(target, line)
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The graph's strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    members = set(component)
    edges = [f"{source} -> {target} (line {line})" for source in component
             for target, line in sorted(graph[source].items()) if target in members]
    return "; ".join(edges)


def test_the_project_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 40, "the walk found too few modules to mean anything"
    found = cycles(graph)
    assert found == [], "\n".join(describe(c, graph) for c in found)


def test_the_kernel_helper_uses_the_server_link_and_not_the_other_way() -> None:
    graph = import_graph()
    assert "aws_login_jupyter.lab.kernel_link" in graph["aws_login_jupyter.helper"]
    assert "aws_login_jupyter.helper" not in graph["aws_login_jupyter.lab.kernel_link"]


@pytest.mark.parametrize(("sources", "expected"), [
    # A two-module cycle through a function-level import, a relative one and a package.
    ({"pkg/__init__.py": "from . import a\n",
      "pkg/a.py": "import os\n\ndef f():\n    from pkg.b import g\n",
      "pkg/b.py": "from .a import f\n"},
     [["pkg.a", "pkg.b"]]),
    # `from pkg import mod` is an edge to the module; a chain without a way back is none.
    ({"pkg/__init__.py": "", "pkg/a.py": "from pkg import b\n",
      "pkg/b.py": "from pkg.sub import c\n", "pkg/sub/__init__.py": "",
      "pkg/sub/c.py": "from ... import os\nimport json\n"},
     []),
    ({"pkg/__init__.py": "", "pkg/sub/__init__.py": "",
      "pkg/sub/c.py": "from .. import a\n", "pkg/a.py": "from .sub.c import x\n"},
     [["pkg.a", "pkg.sub.c"]]),
])
def test_the_check_finds_a_cycle_where_there_is_one(
        tmp_path: Path, sources: dict[str, str], expected: list[list[str]]) -> None:
    for name, text in sources.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cycles(import_graph({tmp_path: ["pkg"]})) == expected

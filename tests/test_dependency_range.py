"""What the code imports is what pyproject.toml declares, and scripts/smoke-deps holds the
declared lower bounds to what its lowest resolution installs.

A package that only arrives through another one (attrs through pygls, tornado through
jupyter_server) can leave with that one's next release; so every third-party module the
wheel's code imports is a direct dependency: the main list for server/, the main list or the
jupyter extra for jupyter_ext/.
"""

from __future__ import annotations

import ast
import functools
import importlib.machinery
import importlib.metadata
import importlib.util
import re
import sys
from importlib.metadata import Distribution, distributions, packages_distributions
from pathlib import Path
from types import ModuleType

import pytest
from conftest import REPO

FIRST_PARTY = {"aws_login_bridge", "aws_login_jupyter"}
PYPROJECT = REPO / "pyproject.toml"


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(text: str, block: str) -> set[str]:
    """The distribution names of one requirement list of pyproject.toml."""
    match = re.search(rf"^{block} = \[(.*?)\]$", text, re.M | re.S)
    assert match, f"pyproject.toml has no {block} list"
    lines = [line.split("#")[0] for line in match.group(1).splitlines()]
    return {normalized(name) for name in re.findall(r'"([A-Za-z0-9_.-]+)', "\n".join(lines))}


def third_party_imports(folder: Path) -> dict[str, str]:
    """Top-level third-party modules imported anywhere under ``folder`` (in functions too),
    each with one place that imports it."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                # A leading underscore: CPython's own accelerators (_sha2 is 3.12's, so
                # 3.10's stdlib list lacks it); no dependency of ours is named so.
                if top in FIRST_PARTY or top in sys.stdlib_module_names or top.startswith("_"):
                    continue
                found.setdefault(top, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


@functools.cache
def providers() -> dict[str, set[str]]:
    """Top-level module -> installed distributions, from each one's RECORD as well:
    Python 3.10's packages_distributions reads only top_level.txt, which wheels built by
    hatchling (attrs, jupyter_core) do not have."""
    found: dict[str, set[str]] = {}
    for module, names in packages_distributions().items():
        found.setdefault(module, set()).update(normalized(n) for n in names)
    for dist in distributions():
        for file in dist.files or []:
            top = file.parts[0]
            if top.endswith(".py"):
                top = top[:-3]
            elif "." in top or top == "__pycache__":
                continue  # metadata folders, .pth files, ../../bin/...
            found.setdefault(top, set()).add(normalized(dist.metadata["Name"]))
    return found


def _provides(dist: Distribution, module: str) -> bool:
    return any(file.parts[0] in (module, f"{module}.py") for file in dist.files or [])


def distribution(module: str) -> str:
    try:  # most are named after their module (IPython: ipython), which is quick to check
        named = importlib.metadata.distribution(module)
    except importlib.metadata.PackageNotFoundError:
        named = None
    if named is not None and _provides(named, module):
        return normalized(named.metadata["Name"])
    names = providers().get(module)
    assert names, f"no installed distribution provides {module}"
    assert len(names) == 1, f"{module} comes from several distributions: {names}"
    return next(iter(names))


@pytest.mark.parametrize(("folder", "blocks"), [
    ("server/aws_login_bridge", ["dependencies"]),
    ("jupyter_ext/aws_login_jupyter", ["dependencies", "jupyter"]),
])
def test_every_third_party_import_is_a_direct_dependency(folder: str,
                                                         blocks: list[str]) -> None:
    text = PYPROJECT.read_text(encoding="utf-8")
    allowed = set().union(*(declared(text, block) for block in blocks))
    imports = third_party_imports(REPO / folder)
    assert imports, "the walk found no third-party import at all"
    missing = {f"{distribution(module)} ({where})" for module, where in imports.items()
               if distribution(module) not in allowed}
    assert missing == set(), f"imported but not declared in {blocks}"


def test_the_import_walk_sees_what_only_comes_through_others() -> None:
    """The walk finds the modules that once came only through other packages."""
    assert {"attrs", "cattrs", "lsprotocol", "pygls", "botocore", "filelock"} <= set(
        third_party_imports(REPO / "server" / "aws_login_bridge"))
    assert {"tornado", "jupyter_core", "jupyter_server", "IPython", "ipywidgets"} <= set(
        third_party_imports(REPO / "jupyter_ext" / "aws_login_jupyter"))
    text = PYPROJECT.read_text(encoding="utf-8")
    assert "attrs" in declared(text, "dependencies")
    assert "jupyter-core" in declared(text, "jupyter")


def smoke_deps() -> ModuleType:
    """scripts/smoke-deps (a script without .py) as a module, for its pure parts."""
    loader = importlib.machinery.SourceFileLoader("smoke_deps", str(REPO / "scripts" /
                                                                     "smoke-deps"))
    spec = importlib.util.spec_from_loader("smoke_deps", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclass looks its module up by name while the class is made.
    sys.modules.setdefault("smoke_deps", module)
    loader.exec_module(module)
    return module


def test_a_lower_bound_is_reached_only_when_the_lowest_set_installs_it(tmp_path: Path) -> None:
    smoke = smoke_deps()
    assert smoke.release("1.43") == smoke.release("1.43.0") != smoke.release("1.43.1")
    declared_part = smoke.declared_dependencies()
    assert '"ruff' not in declared_part  # the dev extra is not part of the smoke's set
    bounds = re.findall(r'"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?>=([0-9.]+)', declared_part)
    assert ("botocore", "1.43.44") in bounds and len(bounds) > 10

    def lock(pins: dict[str, str]) -> list[str]:
        # uv's layout: normalized names, each pin followed by its "via" comments.
        (tmp_path / "lowest.txt").write_text(
            "".join(f"{normalized(n)}=={v}\n    # via aws-login-bridge\n"
                    for n, v in pins.items()))
        return list(smoke.unreached_bounds(tmp_path, "lowest"))

    at_bounds = {name: bound + ".0" for name, bound in bounds}
    assert lock(at_bounds) == []
    lifted = lock({**at_bounds, "tornado": "99.1"})  # another dependency lifted it
    assert lifted == [f"tornado>={dict(bounds)['tornado']} installs 99.1"]
    assert lock({k: v for k, v in at_bounds.items() if k != "filelock"}) == [
        f"filelock>={dict(bounds)['filelock']} installs None"]

"""The built labextension asks JupyterLab for what package.json declares (no browser: the
files themselves). Its browser tests on JupyterLab 4.0 and Notebook 7.0 are in
tests/e2e_jupyterlab/test_clients.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LABEXTENSION = REPO / "jupyter_ext" / "labextension"
BUILT = REPO / "jupyter_ext" / "aws_login_jupyter" / "labextension"


def test_the_build_asks_jupyterlab_for_the_declared_ranges() -> None:
    """The builder would ask for its own JupyterLab's versions (^4.6 …), which JupyterLab
    4.0 answers with a warning per package: the build asks for package.json's ranges."""
    declared = json.loads((LABEXTENSION / "package.json").read_text())["dependencies"]
    entries = list((BUILT / "static").glob("remoteEntry.*.js"))
    assert len(entries) == 1, f"build the labextension first (scripts/setup.sh): {entries}"
    required = dict(re.findall(
        r'"(@[\w-]+/[\w-]+)",\s*import:\s*\w+,\s*requiredVersion:\s*"([^"]+)"',
        entries[0].read_text()))
    assert "@jupyterlab/apputils" in required
    assert {package: declared.get(package) for package in required} == required

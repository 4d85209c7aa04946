"""A .vsix that does not carry a helper its extension could install fails the VS Code tests
before any of them starts code-server: a release's .vsix is tested as built (release.yml runs
these tests with ``AWS_LOGIN_BRIDGE_VSIX``), while most tests hand the extension this Python's
helper and would otherwise pass without the bundled one."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from . import vsix_contents
from .vscode_harness import REPO

VERSION = "9.8.7"
WHEEL = f"aws_login_bridge-{VERSION}-py3-none-any.whl"


def wheel_bytes(version: str = VERSION, *, main: bool = True) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("aws_login_bridge/__init__.py", f"__version__ = {version!r}\n")
        if main:
            z.writestr("aws_login_bridge/__main__.py", "")
        z.writestr(f"aws_login_bridge-{version}.dist-info/METADATA", f"Version: {version}\n")
    return out.getvalue()


def make_vsix(path: Path, *, wheel: bytes | None = None, name: str = WHEEL,
              sha256: str | None = None) -> Path:
    """A .vsix laid out as vsce packs ours; ``wheel=None`` for one without a helper."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("extension/package.json", json.dumps(
            {"name": "aws-login-bridge", "version": VERSION, "engines": {"vscode": "^1.90.0"}}))
        z.writestr("extension/dist/extension.js", "")
        if wheel is not None:
            z.writestr(f"extension/helper/{name}", wheel)
            digest = sha256 or hashlib.sha256(wheel).hexdigest()
            z.writestr(f"extension/helper/{name}.sha256", f"{digest}  {name}\n")
    return path


def test_a_vsix_with_its_helper_passes(tmp_path: Path) -> None:
    assert vsix_contents.problems(make_vsix(tmp_path / "ok.vsix", wheel=wheel_bytes())) == []


@pytest.mark.parametrize(("kwargs", "said"), [
    pytest.param({}, "holds 0 wheels", id="no-helper"),
    pytest.param({"wheel": wheel_bytes("1.0.0"),
                  "name": "aws_login_bridge-1.0.0-py3-none-any.whl"},
                 "is version 1.0.0, the extension 9.8.7", id="another-version"),
    pytest.param({"wheel": wheel_bytes(), "sha256": "0" * 64},
                 "does not record this wheel's sha256", id="checksum-of-another-wheel"),
    pytest.param({"wheel": b"not a zip"}, "is not a wheel", id="not-a-wheel"),
    pytest.param({"wheel": wheel_bytes(main=False)}, "lacks aws_login_bridge/__main__.py",
                 id="no-entry-point"),
])
def test_a_vsix_without_a_working_helper_is_refused(tmp_path: Path, kwargs: dict[str, Any],
                                                    said: str) -> None:
    found = vsix_contents.problems(make_vsix(tmp_path / "bad.vsix", **kwargs))
    assert any(said in p for p in found), found


def test_a_run_with_such_a_vsix_fails(tmp_path: Path) -> None:
    """The whole chain: the login test, given a .vsix without its helper, fails at once."""
    vsix = make_vsix(tmp_path / "no-helper.vsix")
    env = {**os.environ, "AWS_LOGIN_BRIDGE_VSIX": str(vsix)}
    done = subprocess.run(
        [sys.executable, "-X", "utf8", "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/e2e_vscode/test_vscode_login.py"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=170, check=False,
    )
    assert done.returncode == 1, done.stdout[-3000:]
    assert "does not carry a helper its extension could install" in done.stdout, done.stdout
    assert "holds 0 wheels" in done.stdout, done.stdout
    assert " passed" not in done.stdout.splitlines()[-1], done.stdout[-500:]

"""The wheel carries the JupyterLab extension: built from the sources by the wheel build
(hatch-jupyter-builder running the labextension's npm build), then installed with pip
into a fresh virtual environment whose PATH has no node or npm, where Jupyter lists both
the prebuilt labextension and the server extension as enabled.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LABEXT = "share/jupyter/labextensions/aws-login-bridge"
SERVER_CONFIG = "etc/jupyter/jupyter_server_config.d/aws_login_jupyter.json"
NODE_MODULES = "jupyter_ext/labextension/node_modules"


def _sources(into: Path) -> None:
    """The repository's files as a fresh checkout has them (no build output), plus the
    labextension's node_modules as hard links or copies (what `npm ci` put there; no
    download)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            target = into / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    if not (REPO / NODE_MODULES).is_dir():
        pytest.fail(f"{NODE_MODULES} is missing: run scripts/setup.sh", pytrace=False)
    shutil.copytree(REPO / NODE_MODULES, into / NODE_MODULES, symlinks=True,
                    copy_function=link_or_copy)
    assert not (into / "jupyter_ext/aws_login_jupyter/labextension").exists()


def link_or_copy(source: str, target: str) -> None:
    """A hard link where one can be made; a copy where not: the temp folder is on another
    drive than the checkout on Windows runners (C: and D:), and links never cross drives."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def test_link_or_copy_copies_where_a_link_cannot_cross_drives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def cross_device(source: str, target: str) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")  # Windows: ERROR_NOT_SAME_DEVICE

    source, target = tmp_path / "a", tmp_path / "b"
    source.write_bytes(b"module")
    monkeypatch.setattr(os, "link", cross_device)
    link_or_copy(str(source), str(target))
    assert target.read_bytes() == b"module"


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    _sources(source)
    out = tmp_path / "dist"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps",
         "-w", str(out), str(source)], env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    # The build hook ran: the labextension exists now, built from the copied sources.
    assert (source / "jupyter_ext/aws_login_jupyter/labextension/static/style.js").exists()
    (wheel,) = out.glob("aws_login_bridge-*.whl")
    return wheel


def test_wheel_installs_both_extensions_without_npm(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    data = next(n.split("/")[0] for n in names if n.endswith(".data/data/" + SERVER_CONFIG)
                or "/data/" in n)
    assert f"{data}/data/{LABEXT}/package.json" in names
    assert any(n.startswith(f"{data}/data/{LABEXT}/static/remoteEntry.") for n in names)
    assert f"{data}/data/{SERVER_CONFIG}" in names
    assert "aws_login_jupyter/lab/app.py" in names and "aws_login_bridge/cli.py" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER", "VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=str(bin_dir), HOME=str(tmp_path / "home"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
               JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"))
    assert shutil.which("npm", path=env["PATH"]) is None
    assert shutil.which("node", path=env["PATH"]) is None
    installed = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", f"{wheel}[jupyter]",
         "jupyterlab>=4.3,<5"], env=env, capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr[-3000:]

    def jupyter(*args: str) -> str:
        done = subprocess.run([str(bin_dir / "jupyter"), *args], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return " ".join(re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr).split())

    labextensions = jupyter("labextension", "list")
    # Named with its source, as other pip-installed extensions are (its install.json).
    assert "aws-login-bridge v0.1.0 enabled OK (python, aws-login-bridge)" in labextensions, (
        labextensions)
    assert str(venv / LABEXT.rsplit("/", 1)[0]) in labextensions  # from the venv, not the repo
    servers = jupyter("server", "extension", "list")
    assert "aws_login_jupyter enabled" in servers, servers
    assert "aws_login_jupyter 0.1.0 OK" in servers, servers  # with its version

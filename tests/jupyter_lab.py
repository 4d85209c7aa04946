"""A real JupyterLab for the REST and browser tests: token auth, 127.0.0.1, a free port,
debug logging to a file, and the environment of a throwaway AWS home pointed at the
emulator (so the server, its kernels and every helper they start see the same files).

The ``lab`` fixture is imported by the test modules (and the browser tests' conftest); it is
this venv's (the newest) JupyterLab. ``Frontend`` names the others the browser tests run the
extension in: Notebook 7, and the oldest JupyterLab and Notebook from .venv/jupyter-oldest."""

from __future__ import annotations

import contextlib
import json
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
OLDEST_VENV = REPO / ".venv" / "jupyter-oldest"  # made by scripts/setup-jupyter-oldest.sh


@dataclass(frozen=True)
class Frontend:
    """A Jupyter front end the extension must work in: JupyterLab or Notebook 7, the newest
    (this venv's) or the oldest we support (JupyterLab 4.0, Notebook 7.0)."""

    module: str  # "jupyterlab" or "notebook": what ``python -m`` starts
    oldest: bool

    def __str__(self) -> str:
        return f"{self.module}-{'oldest' if self.oldest else 'newest'}"

    @property
    def has_status_bar(self) -> bool:
        return self.module == "jupyterlab"  # Notebook 7 has none

    @property
    def home(self) -> str:
        """The page a person opens first: JupyterLab's workspace, Notebook's file list."""
        return "/lab" if self.module == "jupyterlab" else "/tree"

    @property
    def app_class(self) -> str:
        """The server app's class, whose options set the settings and workspaces folders."""
        return "LabApp" if self.module == "jupyterlab" else "JupyterNotebookApp"

    def command(self) -> list[str]:
        if not self.oldest:
            return [sys.executable, "-m", self.module]
        python = OLDEST_VENV / "bin" / "python"
        if not python.exists():
            pytest.fail(f"{python.relative_to(REPO)} is missing: run "
                        "scripts/setup-jupyter-oldest.sh (scripts/setup.sh runs it)",
                        pytrace=False)
        return [str(python), "-m", self.module]


NEWEST_LAB = Frontend("jupyterlab", oldest=False)


@dataclass
class Lab:
    url: str
    token: str = field(repr=False)  # a failing assertion prints the Lab: not its token
    proc: subprocess.Popen[bytes]
    log: Path
    root: Path
    frontend: Frontend = NEWEST_LAB

    def write_notebook(self, name: str, cells: list[str]) -> None:
        notebook = {
            "cells": [{"cell_type": "code", "execution_count": None, "id": f"cell{i}",
                       "metadata": {}, "outputs": [], "source": source}
                      for i, source in enumerate(cells)],
            "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                        "display_name": "Python 3 (ipykernel)"}},
            "nbformat": 4, "nbformat_minor": 5,
        }
        (self.root / name).write_text(json.dumps(notebook))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(lab: Lab, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited ({lab.proc.returncode}); see {lab.log}")
        try:
            with urllib.request.urlopen(f"{lab.url}/api/status?token={lab.token}", timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise TimeoutError(f"jupyter lab did not answer in {timeout}s; see {lab.log}")


@pytest.fixture
def lab(aws_home: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Lab]:
    """The newest JupyterLab; parametrized indirectly with a ``Frontend``, that one."""
    frontend: Frontend = getattr(request, "param", NEWEST_LAB)
    root = tmp_path / "notebooks"
    root.mkdir()
    with running_lab(aws_home.env, tmp_path, root, frontend=frontend) as running:
        yield running


# ``python -m`` (``Frontend.command``) puts the working folder first on the server's own
# sys.path; the tests that plant modules in that folder start the server as a person does,
# by its console script.
CONSOLE_SCRIPT = [str(Path(sys.executable).with_name("jupyter-lab"))]


@contextlib.contextmanager
def running_lab(base_env: dict[str, str], tmp_path: Path, root: Path,
                command: list[str] | None = None,
                frontend: Frontend = NEWEST_LAB) -> Iterator[Lab]:
    """A JupyterLab (or the ``frontend`` given: Notebook 7, an oldest one) whose root and
    working folder is ``root``, stopped on the way out. ``command`` starts the newest
    JupyterLab another way."""
    command = command or frontend.command()
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No news or update toasts over the notebook (the machine is offline anyway).
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(base_env)  # kernels, and so the helper, inherit the emulator endpoints
    env.update({
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
    })
    token = secrets.token_hex(16)
    port = _free_port()
    log = tmp_path / "jupyter-lab.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [*command, "--allow-root", "--no-browser",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}", "--ServerApp.log_level=DEBUG",
             f"--{frontend.app_class}.user_settings_dir={tmp_path / 'lab-settings'}",
             f"--{frontend.app_class}.workspaces_dir={tmp_path / 'lab-workspaces'}"],
            env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=root,
        )
    running = Lab(url=f"http://127.0.0.1:{port}", token=token, proc=proc, log=log, root=root,
                  frontend=frontend)
    try:
        _wait_ready(running, 60)
        yield running
    finally:
        proc.send_signal(signal.SIGTERM)  # shuts the kernels (and their helpers) down too
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

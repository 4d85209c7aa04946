"""Opening a cloned repository runs none of its code (issue 18, section 1).

code-server is started as ``code-server .`` from inside a folder nobody has trusted yet, with
workspace trust on: the folder is its working folder and its extension host's, and the window
opens in Restricted Mode, asking whether to trust the authors. The folder holds what a hostile
repository would: modules that ``python -m aws_login_bridge``, ``python -c``, ``-m venv`` or
``-m pip`` would import from the working folder (each writes a line to a marker file outside
the folder, then hands over to the real module so nothing looks wrong), a ``.venv`` whose
Python writes a line too, that ``.venv`` first on PATH (as after ``source .venv/bin/activate``),
and workspace settings pointing the Python extension and AWS Login at it.

A login made in a terminal before the editor opened is shown in the status bar while the trust
question is still unanswered, and still after it is answered "No" and AWS: Login is opened;
the marker file never appears.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aws_login_bridge.demo import spawn_remote_login
from aws_login_bridge.emulator import person

from .vscode_harness import HELPER_PYTHON, CodeServer, start_code_server, stop, terminal_env
from .vscode_workbench import (
    QUICK_INPUT,
    TIMEOUT,
    evidence_on_failure,
    run_command,
    shot,
    status_item,
    wait_quick_input_title,
)

PROFILE = "repo-dev"

# A module of the opened folder says it ran, then (but for a `-m` entry point, which runs
# last) puts the real module in its place, the way a careful attacker would, so that the
# person sees nothing wrong.
REPORT = '''\
import importlib, os, sys
with open({marker!r}, "a") as _f:
    _f.write(f"{{__spec__.name}} ran in pid {{os.getpid()}}: {{sys.argv!r}}\\n")
'''
HAND_OVER = '''\
_path = sys.path[:]
sys.path[:] = [p for p in _path if os.path.realpath(p or os.curdir) != {folder!r}]
del sys.modules[__name__]
try:
    sys.modules[__name__] = importlib.import_module(__name__)
finally:
    sys.path[:] = _path
'''

# The folder's own Python: says it ran, then runs the real one.
VENV_PYTHON = '''\
#!/bin/sh
echo "$0 ran: $*" >> {marker}
exec {python} "$@"
'''


@dataclass
class HostileFolder:
    path: Path
    marker: Path

    def ran(self) -> str:
        """What of the folder ran (empty when nothing did)."""
        return self.marker.read_text() if self.marker.exists() else ""


def plant(folder: Path, marker: Path) -> HostileFolder:
    """A repository built to run when opened: shadow modules and a .venv that report it."""
    folder.mkdir(parents=True)
    real = str(folder.resolve())

    def shadow(relative: str) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        hand_over = "" if path.name == "__main__.py" else HAND_OVER.format(folder=real)
        path.write_text(REPORT.format(marker=str(marker)) + hand_over)

    # The helper's own package (`-m aws_login_bridge serve`, `-c "import aws_login_bridge"`),
    # modules that Python imports after the working folder is on sys.path (json: the helper;
    # venv and pip: a private environment being made), and their `-m` entry points.
    for relative in ("aws_login_bridge/__init__.py", "json.py", "venv/__init__.py",
                     "venv/__main__.py", "pip/__init__.py", "pip/__main__.py"):
        shadow(relative)
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python"
    python.write_text(VENV_PYTHON.format(marker=str(marker), python=HELPER_PYTHON))
    python.chmod(0o755)
    (bin_dir / "python3").symlink_to("python")
    settings = folder / ".vscode" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(json.dumps({
        "python.defaultInterpreterPath": "${workspaceFolder}/.venv/bin/python",
        # A machine setting: VS Code ignores it in a workspace's settings.
        "awsLogin.pythonPath": str(python),
    }, indent=2))
    return HostileFolder(path=folder, marker=marker)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileFolder:
    tmp = tmp_path_factory.mktemp("code-server-restricted")
    return plant(tmp / "workspace", tmp / "ran-from-the-folder.log")


@pytest.fixture(scope="module")
def restricted_code_server(hostile: HostileFolder, code_server_bin: str, vsix: Path,
                           signin_emulator) -> Iterator[CodeServer]:
    # The folder's .venv first on PATH, as after `source .venv/bin/activate`.
    path = f"{hostile.path / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    server = start_code_server(hostile.path.parent, code_server_bin, vsix, {
        # The machine-level Python with the helper: what Restricted Mode may still run.
        "awsLogin.pythonPath": HELPER_PYTHON,
        "awsLogin.endpointUrl": signin_emulator.url,
    }, {"PATH": path}, workspace_trust=True, in_workspace=True)
    yield server
    stop(server.proc)


def test_opening_a_hostile_folder_runs_none_of_it(browser, restricted_code_server: CodeServer,
                                                  hostile: HostileFolder, signin_emulator,
                                                  artifacts: Path):
    server = restricted_code_server
    # A login in a terminal, before the editor opens (the CLI, as a real subprocess).
    login, url = spawn_remote_login(terminal_env(server, signin_emulator.url),
                                    "--profile", PROFILE, "--region", "us-east-1")
    code = person.sign_in(url)
    _, err = login.communicate(f"{code}\n", timeout=60)
    assert login.returncode == 0, err
    assert "login_session" in server.aws.config.read_text()

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        with evidence_on_failure(page, artifacts, "restricted-mode", server.extension_log):
            # `code-server .`: the folder it was started in is the one that opens.
            page.goto(server.url)
            page.wait_for_selector(".monaco-workbench", timeout=60_000)

            # The trust question is asked and not answered yet; the extension is already
            # active, and the status bar shows the login made in the terminal.
            trust = page.locator(".monaco-dialog-box").filter(
                has_text=re.compile("trust the authors", re.I))
            trust.wait_for(timeout=60_000)
            status_item(page, rf"^aws: {PROFILE} · 1[12]h$")
            assert hostile.ran() == "", hostile.ran()

            # "No": Restricted Mode, said in the status bar; the session is still shown.
            trust.get_by_role("button", name=re.compile("^No, I don.t trust")).click()
            trust.wait_for(state="detached")
            status_item(page, r"Restricted Mode")
            status_item(page, rf"^aws: {PROFILE} · 1[12]h$")

            # AWS: Login works in Restricted Mode: the helper lists the profile.
            run_command(page, "AWS: Login")
            wait_quick_input_title(page, r"AWS Login: choose a profile")
            page.locator(f"{QUICK_INPUT} .quick-input-list .monaco-list-row").filter(
                has_text=PROFILE).first.wait_for()
            page.keyboard.press("Escape")

            assert hostile.ran() == "", hostile.ran()
            shot(page, artifacts, "restricted-mode")
    finally:
        context.close()

"""A new user's first "AWS: Login": the extension installs its own helper.

A fresh code-server (throwaway HOME, no ``awsLogin.pythonPath``) where no Python on PATH has
aws-login-bridge; only the .vsix is installed. Ctrl+Shift+P → "AWS: Login" → one
notification offers **Install** and names the Python it will use → progress while the
private environment is made and the bundled wheel (checked against the sha256 recorded when
the .vsix was built) installed (dependencies from pip's own configuration) → the profile
picker appears by itself → sign in on the emulator → the status bar shows the profile; the
helper runs isolated in the extension's own storage folder.
Screenshots: test-artifacts/vscode/install-*.png.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .vscode_harness import EXTENSION_ID, CodeServer, start_code_server, stop
from .vscode_workbench import (
    evidence_on_failure,
    input_box,
    notification,
    open_workbench,
    run_command,
    shot,
    sign_in_on_new_tab,
    status_item,
    type_and_pick,
    wait_quick_input_title,
)

PROFILE = "first-login"
PYTHON_NAMES = re.compile(r"^python(3(\.\d+)?)?$")


def _has_helper(python: Path) -> bool:
    done = subprocess.run([str(python), "-c", "import aws_login_bridge"], capture_output=True,
                          timeout=60, check=False)
    return done.returncode == 0


def path_without_helper() -> str:
    """This PATH less every folder whose Python imports aws_login_bridge (e.g. an activated
    venv of this checkout): the new user's machine."""
    kept = []
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        folder = Path(entry)
        pythons = [p for p in folder.glob("python*") if PYTHON_NAMES.match(p.name)] \
            if folder.is_dir() else []
        if not any(_has_helper(p) for p in pythons):
            kept.append(entry)
    return os.pathsep.join(kept)


@pytest.fixture(scope="module")
def fresh_code_server(tmp_path_factory: pytest.TempPathFactory, code_server_bin: str, vsix: Path,
                      signin_emulator) -> Iterator[CodeServer]:
    pip_cache = subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], capture_output=True,
                               text=True, check=False).stdout.strip()
    overrides = {"PATH": path_without_helper()}
    if pip_cache:
        # The person's pip cache (a fresh HOME would start with an empty one): a configured
        # pip setting like any other, and it keeps the test off the network's mood.
        overrides["PIP_CACHE_DIR"] = pip_cache
    server = start_code_server(tmp_path_factory.mktemp("code-server-fresh"), code_server_bin,
                               vsix, {"awsLogin.endpointUrl": signin_emulator.url}, overrides)
    yield server
    stop(server.proc)


@pytest.mark.timeout(480)
def test_first_login_installs_the_helper(browser, fresh_code_server, signin_emulator,
                                         artifacts: Path):
    server = fresh_code_server
    env_path = server_env_path(server)
    for entry in env_path.split(os.pathsep):
        for p in Path(entry).glob("python*") if Path(entry).is_dir() else []:
            if PYTHON_NAMES.match(p.name):
                assert not _has_helper(p), f"{p} already has aws-login-bridge"
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = open_workbench(context, server.workbench_url())
    try:
        with evidence_on_failure(page, artifacts, "install", server.extension_log):
            _run(page, context, server, signin_emulator, artifacts)
    finally:
        context.close()


def server_env_path(server: CodeServer) -> str:
    environ = Path(f"/proc/{server.proc.pid}/environ").read_bytes().split(b"\0")
    return next(v.split(b"=", 1)[1].decode() for v in environ if v.startswith(b"PATH="))


def _run(page, context, server: CodeServer, signin_emulator, artifacts: Path) -> None:
    run_command(page, "AWS: Login")
    offer = notification(page, r"AWS Login needs its helper")
    text = offer.locator(".notification-list-item-message").text_content() or ""
    assert re.search(r"aws-login-bridge \d+\.\d+\.\d+", text), text
    assert re.search(r"with Python 3\.\d+\.\d+ \(/\S+\)", text), text
    shot(page, artifacts, "install-01-offer")
    offer.get_by_role("button", name="Install").click()

    started = time.monotonic()
    progress = notification(page, r"installing its helper")
    progress.locator(".notification-list-item-message").filter(
        has_text=re.compile(r"Creating a private Python environment|Installing|Collecting")
    ).wait_for()
    shot(page, artifacts, "install-02-progress", settle_ms=300)

    # No further click: once installed, the login the person asked for carries on. An error
    # instead (a .vsix whose helper installs but does not run) ends the wait at once.
    picker = page.locator(".quick-input-widget .quick-input-title").filter(
        has_text="AWS Login: choose a profile")
    error = page.locator(".notification-toast").filter(has=page.locator(".codicon-error"))
    picker.or_(error).first.wait_for(timeout=420_000)
    if error.count():
        said = error.first.locator(".notification-list-item-message").text_content()
        raise AssertionError(f"an error, not the profile picker: {said}")
    installed_s = time.monotonic() - started
    shot(page, artifacts, "install-03-profile-pick")
    type_and_pick(page, "New profile", exact=False)
    wait_quick_input_title(page, r"AWS Login: new profile")
    input_box(page).fill(PROFILE)
    input_box(page).press("Enter")
    wait_quick_input_title(page, rf'region for profile "{PROFILE}"')
    input_box(page).press("Enter")

    code, identity_arn = sign_in_on_new_tab(page, context, signin_emulator.url)
    page.bring_to_front()
    wait_quick_input_title(page, rf'verification code for profile "{PROFILE}"')
    input_box(page).fill(code)
    input_box(page).press("Enter")
    toast = notification(page, r"Logged in to AWS")
    assert identity_arn in (toast.text_content() or "")
    status_item(page, rf"aws: {PROFILE} · \d+[hm]")
    shot(page, artifacts, "install-04-logged-in")

    storage = server.user_data / "User" / "globalStorage" / EXTENSION_ID
    venv_python = storage / "helper-venv" / "bin" / "python"
    assert venv_python.exists(), sorted(p.name for p in storage.iterdir())
    assert _has_helper(venv_python)
    log = server.extension_log()
    installed = r"helper \d+\.\d+\.\d+ installed in " + re.escape(str(venv_python.parent))
    assert re.search(installed, log), log
    # The helper runs isolated (-I) in the extension's own storage folder, not the workspace,
    # in UTF-8 mode (-X utf8), as -I ignores PYTHONIOENCODING.
    launched = (rf"starting: {re.escape(str(venv_python))} -I -X utf8 -u -m aws_login_bridge serve "
                rf"\(in {re.escape(str(storage))}\)")
    assert re.search(launched, log), log
    assert code not in log
    print(f"install: from the Install click to the profile picker {installed_s:.1f} s")

"""``%aws_login`` in a real JupyterLab, driven like a person in headless Chromium.

The test starts JupyterLab (token auth, 127.0.0.1, a free port) with the environment of a
throwaway AWS home pointed at the emulator, so the notebook's kernel (and the helper it
spawns) inherit it. In the browser: run the cells, click the panel's link (a new tab opens
the emulator's sign-in page), press "Continue as …", copy the code, paste it into the
panel, press "Complete sign-in", then run a boto3 cell. Screenshots of the panel before
and after go to test-artifacts/jupyter/.

Needs /usr/bin/chromium (Debian's); Playwright never downloads a browser here.
"""

from __future__ import annotations

import json
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aws_login_bridge.emulator.identity import DEFAULT_ARN

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "jupyter"
NOTEBOOK = "aws-login.ipynb"
CELLS = [
    "%load_ext aws_login_jupyter",
    "%aws_login --profile nb --region us-east-1",
    'import boto3\nprint(boto3.client("sts").get_caller_identity()["Arn"])',
]
WAIT_MS = 60_000


@dataclass
class Lab:
    url: str
    token: str
    proc: subprocess.Popen[bytes]
    log: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _notebook() -> dict[str, Any]:
    return {
        "cells": [{"cell_type": "code", "execution_count": None, "id": f"cell{i}",
                   "metadata": {}, "outputs": [], "source": source}
                  for i, source in enumerate(CELLS)],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }


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
def lab(aws_home: Any, tmp_path: Path) -> Iterator[Lab]:
    root = tmp_path / "notebooks"
    root.mkdir()
    (root / NOTEBOOK).write_text(json.dumps(_notebook()))
    settings = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No news or update toasts over the notebook (the machine is offline anyway).
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(aws_home.env)  # kernels, and so the helper, inherit the emulator endpoints
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
            [sys.executable, "-m", "jupyterlab", "--allow-root", "--no-browser",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={root}",
             f"--LabApp.user_settings_dir={tmp_path / 'lab-settings'}",
             f"--LabApp.workspaces_dir={tmp_path / 'lab-workspaces'}"],
            env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=root,
        )
    running = Lab(url=f"http://127.0.0.1:{port}", token=token, proc=proc, log=log)
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


def _run_cell(page: Any, index: int) -> None:
    """Click into a cell and run it with Shift+Enter, as a person does; wait until it ran.

    The prompt reads "[*]:" once the run is queued and "[n]:" when it is done. A run sent
    while JupyterLab is still connecting to the new kernel is dropped without a word (the
    toolbar's kernel indicator reads "idle" even before that), so, as a person would, press
    again if the cell never started.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    cell = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputArea-prompt")
    for _attempt in range(3):
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        try:
            prompt.filter(has_text=re.compile(r"\[(\*|\d+)\]")).wait_for(timeout=10_000)
            break
        except PlaywrightTimeout:
            print(f"cell {index}: the run was dropped; pressing Shift+Enter again")
            continue
    prompt.filter(has_text=re.compile(r"\[\d+\]")).wait_for()


def test_login_in_jupyterlab(lab: Lab, browser: Any, aws_home: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        _sign_in_through_the_notebook(lab, context, page, aws_home)
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / "failure.png"), full_page=True)
        print(lab.log.read_text(errors="replace")[-4000:])
        raise
    finally:
        context.close()


def _sign_in_through_the_notebook(lab: Lab, context: Any, page: Any, aws_home: Any) -> None:
    page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?token={lab.token}")
    page.locator(".jp-NotebookPanel:visible .jp-Cell").first.wait_for()
    # The status bar says "Idle" only once the kernel is started and connected.
    page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\| Idle$")).wait_for()

    _run_cell(page, 0)
    _run_cell(page, 1)
    panel = page.locator(".aws-login-panel")
    link = panel.locator("a.aws-login-open")
    link.wait_for()
    assert link.get_attribute("target") == "_blank"
    shown_url = panel.locator("code.aws-login-url").inner_text()
    assert link.get_attribute("href") == shown_url
    panel.screenshot(path=str(ARTIFACTS / "panel-before.png"))

    with context.expect_page() as opened:
        link.click()
    signin = opened.value
    signin.wait_for_load_state()
    assert signin.url == shown_url
    signin.locator("#continue").click()
    code = signin.locator("#verification-code").inner_text().strip()
    assert code
    signin.close()

    page.bring_to_front()
    panel.locator("input[type=password]").fill(code)
    panel.get_by_role("button", name="Complete sign-in").click()
    status = panel.locator(".aws-login-status")
    status.filter(has_text="Logged in").wait_for()
    assert status.inner_text() == (
        f"Logged in: profile 'nb' is {DEFAULT_ARN} (account 123456789012).")
    assert "AWS_PROFILE=nb is set" in panel.locator(".aws-login-summary").inner_text()
    panel.screenshot(path=str(ARTIFACTS / "panel-after.png"))

    _run_cell(page, 2)
    output = page.locator(".jp-NotebookPanel:visible .jp-Cell").nth(2).locator(
        ".jp-OutputArea-output")
    output.filter(has_text="arn:").wait_for()
    assert output.inner_text().strip() == DEFAULT_ARN
    assert code not in page.content()  # the code is not left in the page
    page.screenshot(path=str(ARTIFACTS / "notebook.png"), full_page=True)

    text = aws_home.config.read_text()
    assert "[profile nb]" in text and f"login_session = {DEFAULT_ARN}" in text
    assert len(list(aws_home.cache_dir.glob("*.json"))) == 1

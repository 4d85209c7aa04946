"""When ``awsLogin.pythonPath`` names a Python without the helper, the setting still wins: the
person sees one message with the exact command that installs the wheel the extension
carries into that Python, and a button that copies it; nothing is installed behind their back."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .vscode_harness import CodeServer, start_code_server, stop
from .vscode_workbench import clipboard_text, notification, open_workbench, run_command, shot


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Python without aws-login-bridge: this one with site-packages switched off."""
    wrapper = tmp_path_factory.mktemp("bare-python") / "python3"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S -I "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture(scope="module")
def code_server_without_helper(
    tmp_path_factory: pytest.TempPathFactory, code_server_bin: str, vsix: Path, bare_python: Path
) -> Iterator[CodeServer]:
    server = start_code_server(tmp_path_factory.mktemp("code-server-bare"), code_server_bin, vsix,
                               {"awsLogin.pythonPath": str(bare_python)})
    yield server
    stop(server.proc)


def test_missing_helper_shows_install_command(browser, code_server_without_helper, bare_python,
                                              artifacts: Path):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = open_workbench(context, code_server_without_helper.workbench_url())
    try:
        run_command(page, "AWS: Login")
        toast = notification(page, r"AWS Login cannot run its helper with")
        text = toast.locator(".notification-list-item-message").text_content() or ""
        wheel = re.search(rf"{re.escape(str(bare_python))} -m pip install (\S+\.whl)", text)
        assert wheel, text
        assert Path(wheel.group(1)).is_file(), "the command names the wheel inside the extension"
        assert Path(wheel.group(1)).is_relative_to(code_server_without_helper.user_data.parent)
        expected = wheel.group(0)
        assert "Traceback" not in text and "Error:" not in text
        button = toast.get_by_role("button", name="Copy Install Command")
        button.wait_for()
        shot(page, artifacts, "12-helper-missing")
        # Exactly one such message, even though activation also asked for the status.
        page.wait_for_timeout(1500)
        assert page.locator(".notifications-toasts .notification-toast").filter(
            has_text=re.compile("aws-login-bridge")
        ).count() == 1
        page.evaluate("navigator.clipboard.writeText('')")
        button.click()
        assert clipboard_text(page) == expected
    finally:
        context.close()

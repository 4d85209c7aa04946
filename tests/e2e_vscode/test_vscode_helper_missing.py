"""When ``awsLogin.pythonPath`` names a Python without the helper, the setting still wins.

The editor starts with a console-sign-in profile in ~/.aws/config, so the extension looks for
the helper at once; nobody asked for anything, so no notification: the status bar says
``aws: helper missing``. Its click gives one message with the exact command that installs the
wheel the extension carries into that Python, and a button that copies it; nothing is
installed behind the person's back."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .vscode_harness import CodeServer, start_code_server, stop
from .vscode_workbench import clipboard_text, notification, open_workbench, shot, status_item


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
    # A login made earlier: the window looks for the helper as soon as it opens.
    server.aws.config.write_text(
        "[profile console-dev]\nregion = us-east-1\n"
        "login_session = arn:aws:sts::123456789012:assumed-role/Dev/me\n")
    yield server
    stop(server.proc)


def test_missing_helper_is_said_in_the_status_bar_and_its_click_shows_the_install_command(
        browser, code_server_without_helper, bare_python, artifacts: Path):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = open_workbench(context, code_server_without_helper.workbench_url())
    ours = page.locator(".notifications-toasts .notification-toast").filter(
        has_text=re.compile("AWS Login|aws-login-bridge"))
    try:
        item = status_item(page, r"aws: helper missing")
        # The search that found no helper is over once the status bar says so: anything it
        # would have shown is shown by now.
        assert ours.count() == 0, ours.all_text_contents()
        shot(page, artifacts, "12-helper-missing-status")
        item.click()
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
        assert ours.count() == 1, ours.all_text_contents()
        page.evaluate("navigator.clipboard.writeText('')")
        button.click()
        assert clipboard_text(page) == expected
        status_item(page, r"aws: helper missing")
    finally:
        context.close()

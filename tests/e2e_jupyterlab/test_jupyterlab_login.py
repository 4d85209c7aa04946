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

from pathlib import Path
from typing import Any

import pytest

from aws_login_bridge.emulator.identity import DEFAULT_ARN

from .conftest import Lab, open_notebook, run_cell, sign_in_in_new_tab

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


def test_login_in_jupyterlab(lab: Lab, browser: Any, aws_home: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    lab.write_notebook(NOTEBOOK, CELLS)
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
    open_notebook(page, lab, NOTEBOOK)
    run_cell(page, 0)
    run_cell(page, 1)
    panel = page.locator(".aws-login-panel")
    link = panel.locator("a.aws-login-open")
    link.wait_for()
    shown_url = panel.locator("code.aws-login-url").inner_text()
    panel.screenshot(path=str(ARTIFACTS / "panel-before.png"))
    code = sign_in_in_new_tab(page, link, shown_url)
    panel.locator("input[type=password]").fill(code)
    panel.get_by_role("button", name="Complete sign-in").click()
    status = panel.locator(".aws-login-status")
    status.filter(has_text="Logged in").wait_for()
    assert status.inner_text() == (
        f"Logged in: profile 'nb' is {DEFAULT_ARN} (account 123456789012).")
    assert "AWS_PROFILE=nb is set" in panel.locator(".aws-login-summary").inner_text()
    panel.screenshot(path=str(ARTIFACTS / "panel-after.png"))

    run_cell(page, 2)
    output = page.locator(".jp-NotebookPanel:visible .jp-Cell").nth(2).locator(
        ".jp-OutputArea-output")
    output.filter(has_text="arn:").wait_for()
    assert output.inner_text().strip() == DEFAULT_ARN
    assert code not in page.content()  # the code is not left in the page
    page.screenshot(path=str(ARTIFACTS / "notebook.png"), full_page=True)

    # The kernel asked the Jupyter server's helper (its server extension is enabled) rather
    # than starting one of its own.
    assert "POST /aws-login/kernel/rpc" in lab.log.read_text(errors="replace")

    text = aws_home.config.read_text()
    assert "[profile nb]" in text and f"login_session = {DEFAULT_ARN}" in text
    assert len(list(aws_home.cache_dir.glob("*.json"))) == 1

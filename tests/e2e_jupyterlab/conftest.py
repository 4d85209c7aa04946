"""The browser tests' steps in JupyterLab: run a cell, open a notebook, sign in in the
new tab the sign-in link opens. The server itself is ``jupyter_lab.lab``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jupyter_lab import Lab

from aws_login_bridge.emulator.identity import DEFAULT_ARN


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    """Keep each test's outcome on its item, for fixtures that keep evidence of a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


def run_cell(page: Any, index: int) -> None:
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


def open_notebook(page: Any, lab: Lab, name: str) -> None:
    """Open a notebook and wait until its kernel is started and connected."""
    page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
    page.locator(".jp-NotebookPanel:visible .jp-Cell").first.wait_for()
    # The status bar says "Idle" only once the kernel is started and connected.
    page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"\| Idle$")).wait_for()


def palette_row(page: Any, label: str) -> Any:
    """Open the command palette (Ctrl+Shift+C, in JupyterLab and Notebook 7) and search for
    ``label``; the row of that command, once shown (click it to run the command)."""
    page.keyboard.press("Control+Shift+C")
    page.locator(".lm-CommandPalette-input").fill(label)
    row = page.locator(".lm-CommandPalette-item").filter(
        has_text=re.compile("^" + re.escape(label)))
    row.wait_for()
    return row


def sign_in_in_new_tab(page: Any, link: Any, shown_url: str,
                       screenshot: Path | None = None) -> str:
    """Click the sign-in link (it must open a new tab at the URL shown as text), sign in
    on the emulator's page there as a person does, read the code, close the tab and come
    back. Returns the verification code."""
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("href") == shown_url
    with page.context.expect_page() as opened:
        link.click()
    signin = opened.value
    signin.wait_for_load_state()
    assert signin.url == shown_url
    signin.locator("#continue").click()
    code = signin.locator("#verification-code").inner_text().strip()
    assert code
    if screenshot is not None:
        signin.screenshot(path=str(screenshot))
    signin.close()
    page.bring_to_front()
    return str(code)


def complete_sign_in(dialog: Any, code: str, profile: str = "lab") -> Any:
    """Paste the code, press Complete sign-in, and check the dialog's message says what was
    done in full (the %aws_use hint included). Returns the message."""
    dialog.get_by_label("Verification code").fill(code)
    dialog.get_by_role("button", name="Complete sign-in").click()
    message = dialog.locator(".aws-login-message")
    message.filter(has_text="Signed in").wait_for()
    assert message.inner_text() == (
        f"Signed in: profile '{profile}' is {DEFAULT_ARN}. Kernels started from now on use it. "
        f"In a notebook already running, run %load_ext aws_login_jupyter and %aws_use {profile}.")
    return message

"""The JupyterLab extension, driven like a person in headless Chromium against the emulator.

Palette → ``AWS: Login`` → the "AWS sign-in" dialog → Profile ``lab``, Region ``us-east-1``
→ ``Sign in`` → ``Open sign-in page`` (a new tab; the code is read there) → back →
``Verification code`` → ``Complete sign-in`` → the status bar reads ``aws: lab · …``. Then
a notebook opened after the login runs boto3 with no magic and gets the emulator's ARN
(the server gave its new kernels AWS_PROFILE). A login and a logout made with the CLI while
the page is open show in the status bar within 5 s; a session's end shows as ``expired``,
whether the page's clock passes it or a reload reads it. Screenshots of each step go to
test-artifacts/jupyterlab-extension/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import AwsHome, CliLogin, backdate_sign_in, run_cli

from aws_login_bridge.emulator import person
from aws_login_bridge.emulator.identity import DEFAULT_ARN

from .conftest import (
    Lab,
    complete_sign_in,
    open_notebook,
    palette_row,
    run_cell,
    sign_in_in_new_tab,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "jupyterlab-extension"
WAIT_MS = 60_000
LIVE_MS = 5_000  # how soon a login made elsewhere must show
NOTEBOOK = "after-login.ipynb"
BOTO3_CELL = 'import boto3\nprint(boto3.client("sts").get_caller_identity()["Arn"])'


@pytest.fixture
def page(lab: Lab, browser: Any, request: pytest.FixtureRequest) -> Any:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    failed = getattr(request.node, "rep_call", None)
    if failed is None or failed.failed:
        opened.screenshot(path=str(ARTIFACTS / f"failure-{request.node.name}.png"))
        print(lab.log.read_text(errors="replace")[-4000:])
    context.close()


def status_item(page: Any) -> Any:
    return page.locator(".aws-login-statusbar")


def open_lab(page: Any, lab: Lab) -> None:
    """Open the front end's first page (JupyterLab's workspace, Notebook 7's file list)."""
    page.goto(f"{lab.url}{lab.frontend.home}?token={lab.token}")
    # "not logged in" (not "aws: …") once the state is read and the event stream is open.
    status_item(page).filter(has_text="aws: not logged in").wait_for()
    if lab.frontend.module == "jupyterlab":
        # And the launcher JupyterLab opens in a fresh workspace has taken the focus. It does
        # that a moment after its splash screen goes, and a command palette opened before
        # then closes as the focus leaves it.
        page.wait_for_function("document.activeElement?.closest('.jp-Launcher') != null")


def shot(page: Any, name: str, target: Any = None) -> None:
    (target or page).screenshot(path=str(ARTIFACTS / name))


def test_login_from_the_palette(page: Any, lab: Lab, aws_home: AwsHome) -> None:
    aws_home.config.write_text("[default]\nregion = eu-west-2\n")
    lab.write_notebook(NOTEBOOK, [BOTO3_CELL])
    open_lab(page, lab)
    shot(page, "01-not-logged-in.png")

    row = palette_row(page, "AWS: Login")
    shot(page, "02-palette.png")
    row.click()

    dialog = page.locator(".jp-Dialog")
    dialog.locator(".aws-login-dialog").wait_for()
    assert dialog.locator(".jp-Dialog-header").inner_text().strip() == "AWS sign-in"
    link = dialog.get_by_role("link", name=re.compile("^Open sign-in page"))
    code_step = [dialog.locator(".aws-login-open"), dialog.locator(".aws-login-url"),
                 dialog.get_by_label("Verification code"),
                 dialog.get_by_role("button", name="Complete sign-in")]
    # Before Sign in only the first step shows; the profile's own region is filled in.
    assert [c.is_hidden() for c in code_step] == [True] * 4
    assert dialog.get_by_label("Region").input_value() == "eu-west-2"
    dialog.get_by_label("Profile").fill("lab")
    assert dialog.get_by_label("Region").input_value() == ""
    dialog.get_by_label("Region").fill("us-east-1")
    assert dialog.get_by_label("Use for new kernels").is_checked()
    shot(page, "03-dialog.png")
    sign_in = dialog.get_by_role("button", name="Sign in", exact=True)
    sign_in.click()

    link.wait_for()
    assert [c.is_visible() for c in code_step] == [True] * 4
    stale_url = dialog.locator(".aws-login-url").inner_text()
    # Editing the profile cancels that login: its link and code field go with it.
    dialog.get_by_label("Profile").fill("lab2")
    dialog.get_by_label("Profile").fill("lab")
    assert [c.is_hidden() for c in code_step] == [True] * 4
    assert code_step[0].get_attribute("href") is None
    sign_in.click()
    link.wait_for()
    shown_url = dialog.locator(".aws-login-url").inner_text()
    assert shown_url != stale_url
    shot(page, "04-sign-in-link.png", dialog.locator(".jp-Dialog-content"))
    code = sign_in_in_new_tab(page, link, shown_url, ARTIFACTS / "05-sign-in-page.png")

    # The dialog says what was done, in full (the %aws_use hint included), and only that.
    message = complete_sign_in(dialog, code)
    assert message.evaluate("m => m.scrollWidth <= m.clientWidth && m.scrollHeight <= "
                            "m.clientHeight && m.getBoundingClientRect().bottom <= "
                            "m.closest('.jp-Dialog-body').getBoundingClientRect().bottom")
    assert [c.is_hidden() for c in [*code_step, sign_in, dialog.get_by_label("Profile")]] == [
        True] * 6
    shot(page, "06b-signed-in.png", dialog.locator(".jp-Dialog-content"))
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="detached")
    item = status_item(page)
    item.filter(has_text=re.compile(r"^aws: lab · \d+h$")).wait_for()
    shot(page, "07-logged-in.png")
    assert code not in page.content()  # the code is not left in the page

    # A click on the item: a menu with the three commands.
    item.click()
    menu = page.locator(".aws-login-status-menu")
    labels = [t.strip() for t in menu.locator(".lm-Menu-itemLabel").all_inner_texts()]
    assert labels == ["AWS: Login", "AWS: Logout", "AWS: Show Caller Identity"]
    page.screenshot(path=str(ARTIFACTS / "07-status-bar.png"),
                    clip={"x": 0, "y": 560, "width": 640, "height": 240})
    menu.get_by_text("AWS: Show Caller Identity").click()
    page.get_by_text(re.compile(re.escape(DEFAULT_ARN) + r" \(account 123456789012, "
                                r"profile 'lab'\)")).first.wait_for()

    # A notebook opened after the login: its new kernel has AWS_PROFILE=lab, no magic.
    open_notebook(page, lab, NOTEBOOK)
    run_cell(page, 0)
    output = page.locator(".jp-NotebookPanel:visible .jp-Cell").nth(0).locator(
        ".jp-OutputArea-output")
    output.filter(has_text="arn:").wait_for()
    assert output.inner_text().strip() == DEFAULT_ARN
    shot(page, "08-notebook.png")
    assert status_item(page).inner_text().startswith("aws: lab · ")

    text = aws_home.config.read_text()
    assert "[profile lab]" in text and f"login_session = {DEFAULT_ARN}" in text
    log = lab.log.read_text(errors="replace")
    assert code not in log

    # The 12-hour session ends (signed in 12 h 1 min ago): the item says so, and still does
    # after a reload of the page, which reads the helper's status afresh.
    backdate_sign_in(aws_home, int(time.time()) - 12 * 3600 - 60)
    item.filter(has_text="aws: lab · expired").wait_for(timeout=LIVE_MS)
    page.reload()
    status_item(page).filter(has_text=re.compile(r"^aws: (?!…)")).wait_for()
    assert status_item(page).inner_text() == "aws: lab · expired"
    assert "aws-login-error" in (status_item(page).get_attribute("class") or "")


def test_cli_login_and_logout_show_up_live(page: Any, lab: Lab, aws_home: AwsHome) -> None:
    page.clock.install()  # the page's clock runs as usual until the test moves it on
    open_lab(page, lab)
    item = status_item(page)

    login = CliLogin(aws_home, "--profile", "cli", "--region", "us-east-1")
    code = person.sign_in(login.url)
    assert code
    assert login.finish(code).returncode == 0
    done = time.monotonic()
    item.filter(has_text=re.compile(r"^aws: cli · \d+h$")).wait_for(timeout=LIVE_MS)
    print(f"the CLI login showed after {time.monotonic() - done:.2f} s")

    # 11 h 50 min later the 12-hour sign-in is in its last 15 minutes: the warning colour,
    # and one notification whose "Log in again" opens the dialog for that profile.
    page.clock.fast_forward("11:50:00")
    item.filter(has_text=re.compile(r"^aws: cli · \d+m$")).wait_for()
    assert "aws-login-warning" in (item.get_attribute("class") or "")
    again = page.get_by_role("button", name="Log in again")
    again.wait_for()
    shot(page, "09-last-minutes.png")
    again.click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".aws-login-dialog").wait_for()
    assert dialog.get_by_label("Profile").input_value() == "cli"
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="detached")

    # The end passes while the page is open, before the helper says so: expired, not <1m.
    page.clock.fast_forward("00:15:00")
    item.filter(has_text="aws: cli · expired").wait_for(timeout=LIVE_MS)
    assert "aws-login-error" in (item.get_attribute("class") or "")
    shot(page, "10-ended.png")

    assert run_cli(aws_home, "logout", "--profile", "cli").returncode == 0
    done = time.monotonic()
    item.filter(has_text="aws: not logged in").wait_for(timeout=LIVE_MS)
    print(f"the CLI logout showed after {time.monotonic() - done:.2f} s")

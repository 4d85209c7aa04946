"""The extension in every JupyterLab 4 and Notebook 7 we claim: the oldest (JupyterLab 4.0 and
Notebook 7.0, from .venv/jupyter-oldest, which scripts/setup-jupyter-oldest.sh makes) and the
newest (this venv's), each driven like a person in headless Chromium against the emulator:
the AWS menu in the menu bar, AWS: Login from the command palette, the session item (in
JupyterLab's status bar; in Notebook 7, which has none, in its header), one login through the
dialog, and the item's menu. test_lab_extension.py goes deeper in the newest JupyterLab.

Each test prints the version it ran with. Screenshots go to
test-artifacts/jupyterlab-extension/clients-*.png.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from importlib.metadata import version
from typing import Any

import pytest
from conftest import AwsHome, wait_for
from jupyter_lab import NEWEST_LAB, Frontend

from aws_login_bridge.emulator.identity import DEFAULT_ARN

from .conftest import Lab, complete_sign_in, palette_row, sign_in_in_new_tab
from .test_lab_extension import WAIT_MS, open_lab, page, shot  # noqa: F401

FRONTENDS = [Frontend("jupyterlab", oldest=True), NEWEST_LAB,
             Frontend("notebook", oldest=True), Frontend("notebook", oldest=False)]
COMMANDS = ["AWS: Login", "AWS: Logout", "AWS: Show Caller Identity"]
OLDEST_VERSION = {"jupyterlab": "4.0.", "notebook": "7.0."}
NOTEBOOK = "work.ipynb"


def app_version(opened: Any) -> str:
    """The version the page's server says it is (JupyterLab's, or Notebook's own)."""
    return str(opened.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent)"
        ".appVersion"))


def kernels_idle(lab: Lab) -> bool:
    """The server has kernels, each started, reached by its page and idle."""
    with urllib.request.urlopen(f"{lab.url}/api/kernels?token={lab.token}",
                                timeout=10) as answer:
        kernels = json.load(answer)
    return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)


def menu_labels(menu: Any) -> list[str]:
    return [t.strip() for t in menu.locator(".lm-Menu-itemLabel").all_inner_texts()]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("lab", FRONTENDS, indirect=True, ids=str)
def test_menu_palette_session_item_and_login(page: Any, lab: Lab,  # noqa: F811
                                             aws_home: AwsHome) -> None:
    from playwright.sync_api import expect

    frontend = lab.frontend
    name = f"clients-{frontend}"
    open_lab(page, lab)
    running = app_version(page)
    print(f"{frontend}: {frontend.module} {running}")
    if frontend.oldest:
        assert running.startswith(OLDEST_VERSION[frontend.module])
    else:
        assert running == version(frontend.module)

    # The session item: in JupyterLab's status bar; Notebook 7's header otherwise.
    where = ".jp-StatusBar-Widget" if frontend.has_status_bar else "#top-panel"
    item = page.locator(where).locator(".aws-login-statusbar")
    assert item.inner_text() == "aws: not logged in"
    assert item.is_visible()
    shot(page, f"{name}-01-not-logged-in.png")

    # The AWS menu in the menu bar: the three commands.
    page.locator(".lm-MenuBar-item").filter(has_text=re.compile(r"^AWS$")).click()
    menu = page.locator("#aws-login-menu")
    menu.wait_for()
    assert menu_labels(menu) == COMMANDS
    shot(page, f"{name}-02-menu.png")
    page.keyboard.press("Escape")
    menu.wait_for(state="hidden")

    # AWS: Login from the command palette, then the dialog's steps with the emulator's page.
    palette_row(page, "AWS: Login").click()
    dialog = page.locator(".jp-Dialog")
    dialog.locator(".aws-login-dialog").wait_for()
    code_step = [dialog.locator(".aws-login-url"), dialog.get_by_label("Verification code")]
    assert [c.is_hidden() for c in code_step] == [True, True]  # until Sign in
    dialog.get_by_label("Profile").fill("lab")
    dialog.get_by_label("Region").fill("us-east-1")
    dialog.get_by_role("button", name="Sign in", exact=True).click()
    link = dialog.get_by_role("link", name=re.compile("^Open sign-in page"))
    link.wait_for()
    assert [c.is_visible() for c in code_step] == [True, True]
    code = sign_in_in_new_tab(page, link, dialog.locator(".aws-login-url").inner_text())
    complete_sign_in(dialog, code)
    shot(page, f"{name}-03-signed-in.png", dialog.locator(".jp-Dialog-content"))
    dialog.get_by_role("button", name="Close").click()
    dialog.wait_for(state="detached")
    item.filter(has_text=re.compile(r"^aws: lab · \d+h$")).wait_for()
    assert item.is_visible()
    shot(page, f"{name}-04-logged-in.png")

    # A click on the item: the three commands; the identity's notification names the ARN.
    item.click()
    popup = page.locator(".aws-login-status-menu")
    assert menu_labels(popup) == COMMANDS
    shown, under = popup.bounding_box(), item.bounding_box()
    # The menu leaves the item in sight: below it in the header, above it in the status bar.
    assert (shown["y"] >= under["y"] + under["height"] - 1
            or shown["y"] + shown["height"] <= under["y"] + 1), (shown, under)
    popup.get_by_text("AWS: Show Caller Identity").click()
    said = page.get_by_text(re.compile(re.escape(DEFAULT_ARN) + r" \(account 123456789012, "
                                       r"profile 'lab'\)")).first
    expect(said).to_be_in_viewport(timeout=WAIT_MS)
    shot(page, f"{name}-05-identity.png")
    assert "[profile lab]" in aws_home.config.read_text()

    if not frontend.has_status_bar:
        # Where Notebook 7 users spend their time: a notebook's page, whose header holds its
        # name, checkpoint and kernel too.
        lab.write_notebook(NOTEBOOK, ["1 + 1"])
        page.goto(f"{lab.url}/notebooks/{NOTEBOOK}?token={lab.token}")
        page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for()
        item.filter(has_text=re.compile(r"^aws: lab · \d+h$")).wait_for()
        expect(item).to_be_in_viewport(timeout=WAIT_MS)
        shot(page, f"{name}-06-notebook.png")
        # The page started the notebook's kernel: a server stopped while it still starts
        # waits for it (up to 30 s).
        wait_for(lambda: kernels_idle(lab), "the notebook's kernel to be idle", limit=60)


@pytest.mark.browser
def test_labextension_list_says_ok_on_the_oldest() -> None:
    """What a person who pip-installed us next to JupyterLab 4.0 is told."""
    python = FRONTENDS[0].command()[0]
    listed = subprocess.run([python, "-m", "jupyterlab.labextensions", "list"],
                            capture_output=True, text=True, timeout=60, check=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", listed.stdout + listed.stderr)
    print(text)
    assert re.search(r"^\s*aws-login-bridge v\S+ enabled OK\b", text, re.MULTILINE), text
    assert "not compatible" not in text

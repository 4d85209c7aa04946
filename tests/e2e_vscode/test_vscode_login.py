"""AWS: Login in a real VS Code (code-server) in headless Chromium, against the emulator.

Ctrl+Shift+P → "AWS: Login" → New profile… → the sign-in tab opens on the emulator → read
the verification code there → switch back → paste it → success notification → status bar
shows the profile, and boto3 in a terminal resolves it; then "AWS: Show Caller Identity"
shows the emulator's ARN; then "AWS: Logout" clears the status. Each step's screenshot goes
to test-artifacts/vscode/.
It runs on the newest code-server and on the oldest whose VS Code the extension claims
(``engines.vscode``), whose screenshots go to test-artifacts/vscode/code-server-<version>/.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from .vscode_harness import HELPER_PYTHON, terminal_env
from .vscode_workbench import (
    clipboard_text,
    focused_label,
    input_box,
    notification,
    open_workbench,
    run_command,
    shot,
    status_item,
    type_and_pick,
    wait_quick_input_title,
)

PROFILE = "console-dev"
# What a program in that machine's terminal gets: boto3 resolves the profile by itself.
BOTO3_PROBE = (
    "import json, boto3; s = boto3.Session(profile_name=%r); c = s.get_credentials(); "
    "print(json.dumps({'method': c.method, 'arn': s.client('sts').get_caller_identity()['Arn']}))"
)


def test_login_caller_identity_logout(browser, code_server, signin_emulator,
                                      server_artifacts: Path):
    artifacts = server_artifacts
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = open_workbench(context, code_server.workbench_url())
    try:
        _run(page, context, code_server, signin_emulator, artifacts)
    except Exception:
        shot(page, artifacts, "failure-workbench")
        for i, other in enumerate(context.pages):
            if other is not page:
                other.screenshot(path=str(artifacts / f"failure-tab-{i}.png"))
        print("--- AWS Login output channel ---\n" + code_server.extension_log())
        raise
    finally:
        context.close()


def _run(page, context, code_server, signin_emulator, artifacts: Path) -> None:
    shot(page, artifacts, "01-workbench")

    # AWS: Login → the profile QuickPick offers "New profile…".
    run_command(page, "AWS: Login")
    wait_quick_input_title(page, r"AWS Login: choose a profile")
    shot(page, artifacts, "02-profile-pick")
    type_and_pick(page, "New profile", exact=False)

    # The name box refuses a bad name, then takes a good one.
    wait_quick_input_title(page, r"AWS Login: new profile")
    input_box(page).fill("bad name!")
    page.locator(".quick-input-widget .quick-input-message").filter(
        has_text=re.compile("letters, digits")
    ).wait_for()
    input_box(page).fill(PROFILE)
    shot(page, artifacts, "03-new-profile-name")
    input_box(page).press("Enter")

    # The profile has no region: the region QuickPick, us-east-1 first. Accepting it
    # starts the login, and the sign-in page opens in a new browser tab.
    wait_quick_input_title(page, rf'region for profile "{PROFILE}"')
    assert focused_label(page) == "us-east-1"
    shot(page, artifacts, "04-region-pick")
    input_box(page).press("Enter")
    # VS Code's link protection asks before opening a domain it does not trust yet (it does
    # the same for the real *.signin.aws.amazon.com): the person presses "Open".
    dialog = page.locator(".monaco-dialog-box")
    dialog.filter(has_text="open the external website").wait_for()
    assert f"{signin_emulator.url}/v1/authorize?" in (dialog.text_content() or "")
    shot(page, artifacts, "05-open-external-website")
    with context.expect_page(timeout=30_000) as new_tab:
        dialog.get_by_role("button", name="Open", exact=True).click()
    signin = new_tab.value
    signin.wait_for_load_state()
    assert signin.url.startswith(f"{signin_emulator.url}/v1/authorize?"), signin.url
    continue_button = signin.get_by_role("button", name=re.compile(r"^Continue as"))
    continue_button.wait_for()
    identity_arn = (signin.locator("#identity-arn").text_content() or "").strip()
    assert identity_arn.startswith("arn:aws:"), identity_arn
    signin.screenshot(path=str(artifacts / "06-signin-page.png"))

    # Meanwhile VS Code offers "Copy URL" (for when no tab opened) and keeps the code box open.
    notice = notification(page, r"Sign in to AWS in the browser tab")
    page.evaluate("navigator.clipboard.writeText('')")
    notice.get_by_role("link", name="Copy URL").click()
    assert clipboard_text(page) == signin.url

    continue_button.click()
    code_el = signin.locator("#verification-code")
    code_el.wait_for()
    code = (code_el.text_content() or "").strip()
    assert len(code) > 20
    signin.screenshot(path=str(artifacts / "07-verification-code.png"))
    # Copy it as a person would: select the code, Ctrl+C.
    code_el.click(click_count=3)
    signin.keyboard.press("Control+C")

    # Switch back: the input box is still there (ignoreFocusOut), paste, Enter.
    page.bring_to_front()
    wait_quick_input_title(page, rf'verification code for profile "{PROFILE}"')
    box = input_box(page)
    box.click()
    box.press("Control+V")
    if (box.input_value() or "").strip() != code:
        # Headless clipboards can be per-page; type what the person copied instead.
        box.fill(code)
    shot(page, artifacts, "08-paste-code")
    box.press("Enter")

    # Success: account and ARN in a notification; the status bar shows the profile.
    toast = notification(page, r"Logged in to AWS")
    message = toast.locator(".notification-list-item-message").text_content() or ""
    assert identity_arn in message, message
    assert re.search(r"account \d{12}", message), message
    assert code not in message
    item = status_item(page, rf"aws: {PROFILE} · \d+[hm]")
    shot(page, artifacts, "09-login-success")
    item.screenshot(path=str(artifacts / "09b-status-bar-item.png"))

    config = code_server.aws.config.read_text()
    assert f"[profile {PROFILE}]" in config
    assert f"login_session = {identity_arn}" in config
    assert "region = us-east-1" in config
    assert len(code_server.aws.cache_files()) == 1
    probe = subprocess.run([sys.executable, "-c", BOTO3_PROBE % PROFILE],
                           env=terminal_env(code_server, signin_emulator.url),
                           capture_output=True, text=True, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert json.loads(probe.stdout) == {"method": "login", "arn": identity_arn}

    # AWS: Show Caller Identity → the emulator's ARN.
    run_command(page, "AWS: Show Caller Identity")
    toast = notification(page, r"AWS caller identity")
    assert identity_arn in (toast.text_content() or "")
    shot(page, artifacts, "10-caller-identity")

    # AWS: Logout → the status bar no longer shows a session.
    run_command(page, "AWS: Logout")
    # ...after AWS Sign-In revoked the refresh token (the helper signs the revoke).
    notification(page,
                 rf'Logged out of profile "{PROFILE}"\. AWS Sign-In revoked its refresh token')
    status_item(page, r"^aws: not logged in$")
    assert page.locator(".statusbar-item", has_text=re.compile(rf"aws: {PROFILE} ·")).count() == 0
    shot(page, artifacts, "11-logout")
    assert code_server.aws.cache_files() == []

    # Nothing secret went to the output channel.
    log = code_server.extension_log()
    assert code not in log
    # The helper was the one this run names (a release's: its wheel in a clean venv).
    assert f"starting: {HELPER_PYTHON} " in log, log



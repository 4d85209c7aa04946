"""Small Playwright helpers for driving VS Code's workbench (code-server) like a person."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Page = Any  # playwright.sync_api.Page, kept loose so importing this needs no Playwright

QUICK_INPUT = ".quick-input-widget"
FOCUSED_LABEL = f"{QUICK_INPUT} .quick-input-list .monaco-list-row.focused .label-name"
TIMEOUT = 30_000


def open_workbench(context: Any, url: str) -> Page:
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.wait_for_selector(".monaco-workbench", timeout=60_000)
    page.wait_for_selector(".statusbar", timeout=60_000)
    # Let the workbench finish restoring (extensions scanned, explorer drawn).
    page.wait_for_selector(".explorer-folders-view, .explorer-viewlet", timeout=60_000)
    page.wait_for_timeout(1000)
    return page


def shot(page: Page, artifacts: Path, name: str, settle_ms: int = 800) -> Path:
    """A screenshot once toasts and quick inputs have finished sliding in."""
    page.wait_for_timeout(settle_ms)
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def quick_input(page: Page) -> Any:
    widget = page.locator(QUICK_INPUT)
    widget.wait_for(state="visible")
    return widget


def wait_quick_input_title(page: Page, pattern: str) -> Any:
    """Waits until the quick input shows a title matching ``pattern`` (a regex)."""
    widget = quick_input(page)
    title = widget.locator(".quick-input-title")
    rx = re.compile(pattern)
    page.wait_for_function(
        "([sel, src]) => { const t = document.querySelector(sel); "
        "return !!t && new RegExp(src).test(t.textContent || ''); }",
        arg=[f"{QUICK_INPUT} .quick-input-title", rx.pattern],
    )
    return title


def focused_label(page: Page) -> str:
    row = page.locator(FOCUSED_LABEL).first
    return (row.text_content() or "").strip()


def type_and_pick(page: Page, label: str, exact: bool = True) -> None:
    """Types into the open QuickPick until the focused row is ``label``, then Enter."""
    box = quick_input(page).locator(".quick-input-box input")
    box.fill(label)
    page.wait_for_function(
        "([sel, want, exact]) => { const r = document.querySelector(sel); if (!r) return false;"
        " const t = (r.textContent || '').replace(/\\s+/g, ' ').trim();"
        " return exact ? t === want : t.includes(want); }",
        arg=[f"{QUICK_INPUT} .quick-input-list .monaco-list-row.focused .label-name", label, exact],
    )
    box.press("Enter")


def run_command(page: Page, title: str, timeout: float = TIMEOUT) -> None:
    """Ctrl+Shift+P, type the command's title, run it.

    The palette lists what the workbench knew when it opened: a command contributed by an
    extension the host is still reading shows up only in a palette opened later, so it is
    opened again until the row is there.
    """
    want = f"{QUICK_INPUT} .quick-input-list .monaco-list-row.focused .label-name"
    deadline = time.monotonic() + timeout / 1000
    while True:
        page.locator(".monaco-workbench").click(position={"x": 600, "y": 300})
        page.keyboard.press("Control+Shift+P")
        box = quick_input(page).locator(".quick-input-box input")
        box.wait_for(state="visible")
        box.fill(f">{title}")
        try:
            page.wait_for_function(
                "([sel, want]) => { const r = document.querySelector(sel);"
                " return !!r && (r.textContent || '').replace(/\\s+/g, ' ').trim() === want; }",
                arg=[want, title], timeout=5000,
            )
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            box.press("Escape")
    box.press("Enter")


def input_box(page: Page) -> Any:
    return quick_input(page).locator(".quick-input-box input")


def notification(page: Page, pattern: str, timeout: float = TIMEOUT) -> Any:
    """The notification whose message matches ``pattern``: its toast, or else its entry in
    the notification center.

    VS Code drops toasts that arrive in a burst (its spam protection counts toasts per
    800 ms interval, on a timer that Chromium throttles while the tab is in the background,
    e.g. while the person is on the sign-in tab); such notifications are only in the center.
    """
    rx = re.compile(pattern)
    toast = page.locator(".notifications-toasts .notification-toast").filter(
        has=page.locator(".notification-list-item-message", has_text=rx)
    ).first
    try:
        toast.wait_for(state="visible", timeout=min(timeout, 8000))
        return toast
    except Exception:  # fall back to the notification center
        pass
    center = page.locator(".notifications-center")
    if not center.is_visible():
        page.keyboard.press("Escape")
        run_command(page, "Notifications: Show Notifications")
    entry = center.locator(".monaco-list-row").filter(
        has=page.locator(".notification-list-item-message", has_text=rx)
    ).first
    entry.wait_for(state="visible", timeout=timeout)
    return entry


def hide_notification_center(page: Page) -> None:
    if page.locator(".notifications-center").is_visible():
        run_command(page, "Notifications: Hide Notifications")


def status_item(page: Page, pattern: str) -> Any:
    item = page.locator("#workbench\\.parts\\.statusbar .statusbar-item").filter(
        has_text=re.compile(pattern)
    ).first
    item.wait_for(state="visible")
    return item


def clear_notifications(page: Page) -> None:
    page.keyboard.press("Escape")
    for toast in page.locator(".notifications-toasts .notification-toast").all():
        close = toast.locator(".codicon-notifications-clear, .codicon-close").first
        try:
            toast.hover(timeout=2000)
            close.click(timeout=2000)
        except Exception:  # a toast may hide by itself meanwhile
            pass


def sign_in_on_new_tab(page: Page, context: Any, emulator_url: str) -> tuple[str, str]:
    """After the login's region/profile steps: press "Open" on VS Code's external-link
    dialog, sign in on the emulator's page in the new tab, and read the verification code.
    Returns (code, identity ARN); the workbench tab is left in the background."""
    dialog = page.locator(".monaco-dialog-box")
    dialog.filter(has_text="open the external website").wait_for()
    assert f"{emulator_url}/v1/authorize?" in (dialog.text_content() or "")
    with context.expect_page(timeout=30_000) as new_tab:
        dialog.get_by_role("button", name="Open", exact=True).click()
    signin = new_tab.value
    signin.wait_for_load_state()
    continue_button = signin.get_by_role("button", name=re.compile(r"^Continue as"))
    continue_button.wait_for()
    identity_arn = (signin.locator("#identity-arn").text_content() or "").strip()
    continue_button.click()
    code_el = signin.locator("#verification-code")
    code_el.wait_for()
    return (code_el.text_content() or "").strip(), identity_arn


@contextmanager
def evidence_on_failure(page: Page | Callable[[], Page], artifacts: Path, name: str,
                        extension_log: Callable[[], str]) -> Iterator[None]:
    """A failure inside leaves a screenshot (``failure-NAME``) and prints the AWS Login
    output channel, then propagates. ``page`` may be a function giving the window open at
    the time of the failure (a test that opens a second one)."""
    try:
        yield
    except Exception:
        print("--- AWS Login output channel ---\n" + extension_log())
        if callable(page):
            page = page()
        # The page may be gone; the failure itself, not a failed screenshot of it, is what
        # must propagate.
        if not page.is_closed():
            shot(page, artifacts, f"failure-{name}")
        raise


def clipboard_text(page: Page) -> str:
    """What VS Code put on the clipboard (the extension host writes it through the page,
    a moment later: poll for it)."""
    text = ""
    for _ in range(50):
        text = page.evaluate("navigator.clipboard.readText()")
        if text:
            break
        page.wait_for_timeout(100)
    return text

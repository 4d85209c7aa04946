"""Awake with the editor: no command run, the status bar follows logins made elsewhere.

1. A window on a machine with no AWS configuration: the extension is active (the status
   bar says "aws: not logged in") and has started no process.
2. ``aws-login-bridge login`` in a terminal: that window's status bar shows the profile.
3. A freshly opened window shows it too, with no command run (time from the workbench
   appearing to the profile in the status bar is printed for the report).
4. ``aws-login-bridge logout`` in a terminal clears it within 5 seconds.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import wait_for

from aws_login_bridge.demo import spawn_remote_login
from aws_login_bridge.emulator import person

from .vscode_harness import HELPER_PYTHON, CodeServer, start_code_server, stop, terminal_env
from .vscode_workbench import TIMEOUT, evidence_on_failure, shot, status_item

PROFILE = "cli-dev"


@pytest.fixture(scope="module")
def idle_code_server(tmp_path_factory: pytest.TempPathFactory, code_server_bin: str, vsix: Path,
                     signin_emulator) -> Iterator[CodeServer]:
    server = start_code_server(tmp_path_factory.mktemp("code-server-idle"), code_server_bin, vsix, {
        "awsLogin.pythonPath": HELPER_PYTHON,
        "awsLogin.endpointUrl": signin_emulator.url,
    })
    yield server
    stop(server.proc)


def descendants(pid: int) -> list[str]:
    """Command lines of every process below ``pid``."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        try:
            found.append(Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
        todo.extend(children.get(child, []))
    return found


def activation_time(server: CodeServer) -> dt.datetime:
    """When the newest extension host activated this extension (its log's local time)."""
    logs = sorted(server.user_data.glob("logs/*/exthost*/remoteexthost.log"),
                  key=lambda p: p.stat().st_mtime)
    line = next(ln for ln in reversed(logs[-1].read_text().splitlines())
                if "_doActivateExtension aws-login-bridge." in ln)
    return dt.datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S.%f")


def open_window(context, url: str):
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(url)
    page.wait_for_selector(".monaco-workbench", timeout=60_000)
    return page, time.monotonic()


def test_status_bar_follows_logins_made_elsewhere(browser, idle_code_server, signin_emulator,
                                                  artifacts: Path):
    server = idle_code_server
    env = terminal_env(server, signin_emulator.url)
    # A baseline for the timing below: the built-in git extension's branch item, in a window
    # loaded at the same moment on the same (shared, busy) machine.
    subprocess.run(["git", "init", "-q", "-b", "trunk", str(server.workspace)], check=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page, _ = open_window(context, server.workbench_url())
    try:
        with evidence_on_failure(lambda: page, artifacts, "startup", server.extension_log):
            # 1. Activated at startup, nothing to show, nothing started.
            status_item(page, r"^aws: not logged in$")
            wait_for(lambda: "config: no console sign-in profile" in server.extension_log(),
                     "the output channel to say what the start found")
            helpers = [c for c in descendants(server.proc.pid) if "aws_login_bridge" in c]
            assert helpers == [], helpers
            assert not server.aws.config.exists()

            # 2. A login in a terminal (the CLI, as a real subprocess).
            login, url = spawn_remote_login(env, "--profile", PROFILE, "--region", "us-east-1")
            code = person.sign_in(url)
            _, err = login.communicate(f"{code}\n", timeout=60)
            assert login.returncode == 0, err
            status_item(page, rf"^aws: {PROFILE} · 1[12]h$")
            shot(page, artifacts, "startup-01-login-from-terminal")
            page.close()

            # 3. A fresh window: the profile shows with no command run.
            page, loaded = open_window(context, server.workbench_url())
            status_item(page, r"\btrunk\b")
            git_s = time.monotonic() - loaded
            status_item(page, rf"^aws: {PROFILE} · 1[12]h$")
            shown_s, shown_at = time.monotonic() - loaded, dt.datetime.now()
            shot(page, artifacts, "startup-02-fresh-window")
            activated = activation_time(server)
            # The fresh window ran the helper with the interpreter remembered from the first one,
            # without probing Pythons first.
            log = server.extension_log()
            assert "helper Python (as last time)" in log
            # What each window found in the file at its start, in its own output channel.
            assert f"config: console sign-in profiles: {PROFILE}" in log, log
            print(f"startup: workbench loaded -> status bar shows the profile in {shown_s:.2f} s "
                  f"(of which extension activated -> shown "
                  f"{(shown_at - activated).total_seconds():.2f} s); the git extension's branch "
                  f"item: {git_s:.2f} s; ratio {shown_s / git_s:.2f}")

            # 4. Logout in a terminal clears it within 5 seconds.
            out = subprocess.run([sys.executable, "-m", "aws_login_bridge", "logout", "--profile",
                                  PROFILE], env=env, capture_output=True, text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            logged_out = time.monotonic()
            page.locator("#workbench\\.parts\\.statusbar .statusbar-item").filter(
                has_text=re.compile(r"^aws: not logged in$")).first.wait_for(timeout=5000)
            print(f"startup: logout in a terminal -> status bar cleared in "
                  f"{time.monotonic() - logged_out:.2f} s")
            shot(page, artifacts, "startup-03-logout-from-terminal", settle_ms=0)
    finally:
        context.close()

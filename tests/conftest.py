"""Shared fixtures: a throwaway AWS home, the running emulator, the CLI as a subprocess."""

from __future__ import annotations

import base64
import json
import locale
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

import pytest
from jupyter_lab import lab  # noqa: F401 - the fixture: a real JupyterLab server

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# pytest run from a test, as scripts/test.sh runs it: in UTF-8 mode (see pytest_configure).
PYTEST = [PYTHON, "-X", "utf8", "-m", "pytest"]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags that keep Chromium off this machine's closed network (see real-clients.md).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


# Tests bound to a platform (markers in pyproject.toml) are reported as skipped, with the
# reason, where that platform is not: the CI workflow's macOS and Windows jobs. Windows' side
# of what the posix ones check is forced on Linux in test_windows_traits.py.
_PLATFORM_MARKS = {
    "posix": (os.name == "posix", "POSIX modes, signals or shells; Windows has none"),
    "linux": (sys.platform.startswith("linux"), "reads /proc, which only Linux has"),
    "root": (getattr(os, "geteuid", lambda: -1)() == 0, "chown needs root"),
    "windows": (os.name == "nt", "Windows' own file sharing rules, which Linux and macOS do "
                "not have (test_windows_traits.py forces them on Linux)"),
}

# Test subprocesses talk UTF-8 over their pipes on every platform: each Python child reads
# and writes its stdio in UTF-8 (as the VS Code extension asks of the helper), and this
# process encodes and decodes the pipes the same way (pytest_configure checks it). Windows'
# default is the ANSI code page, in which most text cannot be written at all. Only stdio:
# the children still read files in the machine's own encoding, as they do for a user.
os.environ["PYTHONIOENCODING"] = "utf-8"


def timeout_method(os_name: str = os.name) -> str:
    """pytest-timeout's way to stop a hung test here: Windows has no SIGALRM, so a timer
    thread there (which ends the whole run); an alarm elsewhere (which fails only that test)."""
    return "thread" if os_name == "nt" else "signal"


@pytest.hookimpl(tryfirst=True)  # before pytest-timeout's own pytest_configure reads it
def pytest_configure(config: pytest.Config) -> None:
    encoding = locale.getpreferredencoding(False)
    if encoding.lower().replace("-", "") != "utf8":
        raise pytest.UsageError(
            f"This Python's default encoding is {encoding}, and the tests talk UTF-8 with "
            "their subprocesses: run them with `python -X utf8 -m pytest` (scripts/test.sh "
            "does).")
    if config.getoption("timeout_method", None) is None and not config.getini("timeout_method"):
        config.option.timeout_method = timeout_method()


def bash() -> str:
    """The bash to run a script with. Never a bare "bash" on Windows: CreateProcess looks in
    System32 before PATH, and finds WSL's launcher there, which runs the script in another
    system; Git Bash is the one the workflow and the scripts expect."""
    if os.name != "nt":
        found = shutil.which("bash")
    else:
        found = next((c for c in git_bash_candidates(shutil.which, os.environ.get("SYSTEMROOT"))
                      if Path(c).is_file()), None)
    if found is None:
        pytest.fail("bash is missing: install Git (Git Bash on Windows)", pytrace=False)
    return found


def git_bash_candidates(which: Callable[[str], str | None], system_root: str | None) -> list[str]:
    """Where Git Bash may be on Windows, best first: the PATH's bash unless it is Windows'
    own (WSL's launcher in System32 or the Store's alias), then the bash beside git."""
    found = []
    on_path = which("bash")
    windows_own = PureWindowsPath(system_root or r"C:\Windows")
    if on_path and not PureWindowsPath(on_path).is_relative_to(windows_own) \
            and "windowsapps" not in on_path.lower():
        found.append(on_path)
    git = which("git")
    if git:  # <Git>\cmd\git.exe or <Git>\mingw64\bin\git.exe
        found += [str(parent / "bin" / "bash.exe") for parent in PureWindowsPath(git).parents
                  if parent != parent.parent]
    program_files = os.environ.get("PROGRAMFILES", r"C:\Program Files")
    found.append(str(PureWindowsPath(program_files, "Git", "bin", "bash.exe")))
    return found


def _expected_skip(reason: str) -> bool:
    """A skip the platform marks above asked for; any other skip hides a test."""
    reason = reason.removeprefix("Skipped: ")
    return any(reason.startswith(f"{name}: ") for name in _PLATFORM_MARKS)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """An unexpected skip fails the run: a test that silently does not run proves nothing."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or exitstatus not in (0, 5):
        return
    unexpected = []
    for report in reporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        if not _expected_skip(reason):
            unexpected.append(f"{report.nodeid}: {reason}")
    if unexpected:
        reporter.ensure_newline()
        reporter.write_line(f"{len(unexpected)} unexpected skip(s) (only platform marks may "
                            "skip):", red=True)
        for line in unexpected:
            reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for name, (here, why) in _PLATFORM_MARKS.items():
            if not here and item.get_closest_marker(name):
                item.add_marker(pytest.mark.skip(reason=f"{name}: {why}"))


@pytest.fixture(autouse=True)
def _lf_text_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text the tests write (``Path.write_text``, ``Path.open("w"/"a")``) keeps "\n" on
    Windows too, where text mode would write "\r\n": the tests compare bytes, and the engine
    itself always writes bytes."""
    if os.name != "nt":
        return
    real_open = Path.open

    def open_lf(self: Path, mode: str = "r", buffering: int = -1, encoding: str | None = None,
                errors: str | None = None, newline: str | None = None) -> Any:
        if newline is None and "b" not in mode and any(m in mode for m in "wax+"):
            newline = ""
        return real_open(self, mode, buffering, encoding, errors, newline)

    monkeypatch.setattr(Path, "open", open_lf)


@dataclass
class AwsHome:
    root: Path
    env: dict[str, str]

    @property
    def config(self) -> Path:
        return self.root / "config"

    @property
    def credentials(self) -> Path:
        return self.root / "credentials"

    @property
    def cache_dir(self) -> Path:
        return self.root / "login" / "cache"

    def snapshot(self) -> dict[str, bytes]:
        """Every file under the AWS home, byte for byte (lock files live elsewhere)."""
        return {
            str(p.relative_to(self.root)): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file()
        }


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's headless Chromium under Playwright, one per test module.

    Module scope on purpose: Playwright's sync API holds an event loop on the main thread
    while it runs, which must not outlive the browser tests into the rest of the suite.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def emulator() -> Iterator[object]:
    from aws_login_bridge.emulator import Emulator

    with Emulator() as running:
        yield running


@pytest.fixture
def aws_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: object) -> AwsHome:
    """AWS files in a temp folder, endpoints on the emulator, no ambient AWS settings."""
    root = tmp_path / "aws"
    root.mkdir()
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    values = {
        "AWS_CONFIG_FILE": str(root / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "credentials"),
        "AWS_LOGIN_CACHE_DIRECTORY": str(root / "login" / "cache"),
        "AWS_ENDPOINT_URL_SIGNIN": emulator.base_url,  # type: ignore[attr-defined]
        "AWS_ENDPOINT_URL_STS": emulator.base_url,  # type: ignore[attr-defined]
        "AWS_EC2_METADATA_DISABLED": "true",
        # Lock files go to the per-user runtime folder: one per test, to look into.
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    emulator.reset()  # type: ignore[attr-defined]
    return AwsHome(root=root, env=dict(os.environ))


def change_fields(token: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Edit a cache file's JSON in place: keys are dotted paths ("accessToken.expiresAt"),
    and None removes the field."""
    for dotted, value in changes.items():
        *parents, last = dotted.split(".")
        target = token
        for name in parents:
            target = target[name]
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return token


def cache_file(home: AwsHome) -> Path:
    """The one cached login's file."""
    (path,) = home.cache_dir.glob("*.json")
    return path


def rewrite_cache(home: AwsHome, change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    """Apply ``change`` to the one cached login's JSON and return it. Written atomically, as
    a running helper may be reading the file."""
    path = cache_file(home)
    token = json.loads(path.read_text())
    change(token)
    fresh = path.with_suffix(".tmp")
    fresh.write_text(json.dumps(token))
    fresh.chmod(0o600)
    os.replace(fresh, path)
    return token


def backdate_sign_in(home: AwsHome, issued: int) -> None:
    """Make the one cached login look signed in at ``issued`` (seconds since the epoch): its
    ID token's ``iat``, from which the 12-hour session's end is reckoned. The signature stays
    as it was (nobody verifies a cached token again)."""

    def backdate(token: dict[str, Any]) -> None:
        header, body, signature = token["idToken"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        claims["iat"] = issued
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        token["idToken"] = f"{header}.{body}.{signature}"

    rewrite_cache(home, backdate)


def fault(emulator: object, **spec: object) -> None:
    """Arm an emulator fault through its HTTP control API, as another process would."""
    request = urllib.request.Request(
        emulator.base_url + "/_emulator/faults",  # type: ignore[attr-defined]
        data=json.dumps(spec).encode(), headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status in (200, 204)


def wait_for(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


def is_helper(pid: int) -> bool:
    """``pid`` is a live ``aws_login_bridge serve`` process (Linux: reads /proc)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return b"aws_login_bridge" in cmdline and b"serve" in cmdline and state != "Z"


def helper_children(pid: int) -> list[int]:
    """The live helper processes among ``pid``'s children (Linux: reads /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if is_helper(int(child)):
                found.append(int(child))
    return found


def run_cli(home: AwsHome, *args: str, stdin: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "aws_login_bridge", *args],
        env=home.env, input=stdin, capture_output=True, text=True, timeout=timeout,
        check=False,
    )


class CliLogin:
    """``aws-login-bridge login --remote`` running, waiting at the code prompt."""

    def __init__(self, home: AwsHome, *args: str) -> None:
        from aws_login_bridge.demo import spawn_remote_login

        self.proc, self.url = spawn_remote_login(home.env, *args)

    def finish(self, *answers: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        out, err = self.proc.communicate("".join(a + "\n" for a in answers), timeout=timeout)
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode, out, err)

"""The engine's Windows and macOS behaviours (issue 21, section 2), forced on Linux.

- Ctrl-C during a same-device login: on Windows before Python 3.14 ``Event.wait`` holds a
  Ctrl-C until its timeout ends, so the callback wait must be made of short slices.
- The folder-trust check on Windows: a folder under the profile folder inherits its private
  ACL; one elsewhere is used but said to be unchecked (on stderr), never passed in silence.
- The lock folder's hints name the setting that moves it on each platform (none on macOS,
  ``LOCALAPPDATA`` on Windows), and the Linux rules are POSIX paths wherever they are judged.

Windows is forced with ``hostos.WINDOWS`` (and, for subprocesses, tests/windows_traits.py),
macOS with ``hostos.MACOS``; the time a wait takes is a model's clock, never the wall's.
"""

from __future__ import annotations

import json
import ntpath
import os
import posixpath
import signal
import subprocess
import time
import types
from pathlib import Path

import pytest
from conftest import PYTHON, AwsHome, CliLogin, run_cli
from windows_traits import ctrl_c_env, events, site_env

from aws_login_bridge import hostos
from aws_login_bridge.emulator import person
from aws_login_bridge.errors import ConfigError, UnknownLogin
from aws_login_bridge.signin import loopback
from aws_login_bridge.store import folder_trust, locks

from . import tally

SLICE = 0.25  # the longest a Ctrl-C may be held on Windows (seconds of the model's clock)


# -- Ctrl-C during the same-device wait -------------------------------------------------


class Clock:
    """time.monotonic for the receiver: it moves only when a modelled wait passes."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


class WindowsWait:
    """``Event.wait`` as on Windows before Python 3.14: nobody sets the event, so each call
    waits out its whole timeout, and a Ctrl-C pressed meanwhile is delivered only then."""

    def __init__(self, clock: Clock, ctrl_c_at: float | None) -> None:
        self.clock, self.ctrl_c_at = clock, ctrl_c_at
        self.timeouts: list[float | None] = []
        self.delivered_at: float | None = None

    def __call__(self, timeout: float | None = None) -> bool:
        self.timeouts.append(timeout)
        assert timeout is not None, "an untimed wait would hold a Ctrl-C for ever"
        start = self.clock.now
        self.clock.now = start + timeout
        if self.ctrl_c_at is not None and start <= self.ctrl_c_at <= self.clock.now:
            self.delivered_at = self.clock.now
            raise KeyboardInterrupt
        return False


def _windows_receiver(monkeypatch: pytest.MonkeyPatch,
                      ctrl_c_after: float | None) -> tuple[loopback.LoopbackReceiver, Clock,
                                                           WindowsWait]:
    clock = Clock()
    monkeypatch.setattr(loopback, "time", types.SimpleNamespace(monotonic=clock.monotonic),
                        raising=False)
    receiver = loopback.LoopbackReceiver("expected-state")
    at = None if ctrl_c_after is None else clock.now + ctrl_c_after
    wait = WindowsWait(clock, at)
    monkeypatch.setattr(receiver._done, "wait", wait)
    return receiver, clock, wait


@pytest.mark.parametrize("pressed_after", [0.0, 0.1, 3.0, 59.9, 599.0])
def test_ctrl_c_ends_the_same_device_wait_within_a_slice_on_windows(
        monkeypatch: pytest.MonkeyPatch, pressed_after: float) -> None:
    receiver, clock, wait = _windows_receiver(monkeypatch, pressed_after)
    started = clock.now
    try:
        with pytest.raises(KeyboardInterrupt):
            receiver.wait(600.0)  # the login's 10 minutes
    finally:
        receiver.close()
    assert wait.delivered_at is not None
    held = wait.delivered_at - (started + pressed_after)
    assert held <= SLICE, f"the Ctrl-C was held for {held:.2f}s of a 600s wait"
    assert max(t for t in wait.timeouts if t is not None) <= SLICE
    tally.count("inputs.windows_ctrl_c")


def test_the_sliced_wait_still_ends_at_the_deadline_and_not_after(
        monkeypatch: pytest.MonkeyPatch) -> None:
    receiver, clock, wait = _windows_receiver(monkeypatch, None)
    started = clock.now
    with pytest.raises(UnknownLogin, match="did not come back to this login in time"):
        receiver.wait(1.1)
    assert clock.now == pytest.approx(started + 1.1)  # the last slice is what remained
    assert len(wait.timeouts) == 5
    assert receiver._closed


def test_a_callback_between_slices_ends_the_wait_with_its_code() -> None:
    """Real HTTP to the real listener: the code arrives while the wait is in its slices."""
    import threading
    import urllib.request

    receiver = loopback.LoopbackReceiver("s1")
    url = f"{receiver.redirect_uri}?state=s1&code=the-code"
    sender = threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=30).read())
    sender.start()
    try:
        assert receiver.wait(60.0) == "the-code"
    finally:
        sender.join(timeout=30)
        receiver.close()


@pytest.mark.posix  # SIGINT to another process; Windows has only CTRL_C_EVENT to a group
def test_ctrl_c_ends_the_real_cli_same_device_login_on_windows(
        aws_home: AwsHome, tmp_path: Path) -> None:
    """The real CLI waiting for the browser, its main thread's waits holding a Ctrl-C as on
    Windows (windows_traits.hold_ctrl_c_in_waits, which logs how long Windows would have
    held it): Ctrl-C is held at most a slice, and the login ends with nothing written."""
    log = tmp_path / "ctrl-c.log"
    env = ctrl_c_env(aws_home.env, log)
    before = aws_home.snapshot()
    proc = subprocess.Popen(
        [PYTHON, "-m", "aws_login_bridge", "login", "--profile", "sd", "--region",
         "eu-west-1", "--no-browser"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert proc.stdout is not None
        assert any(line.startswith("http") for line in proc.stdout), "no sign-in URL"
        # The URL is out; once the main thread is in a timed wait (the browser's; a thread's
        # start is an untimed one), the Ctrl-C lands in one.
        waiting = time.monotonic() + 30
        while not any(e.startswith("wait ") and e != "wait forever" for e in events(log)) \
                and proc.poll() is None:
            assert time.monotonic() < waiting, "the CLI never waited for the browser"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # Between two slices a Ctrl-C is not in a wait at all, and is not held.
    held = [float(e.split()[-1]) for e in events(log) if e.startswith("ctrl-c held ")]
    assert all(h <= SLICE for h in held), events(log)[-3:]
    assert proc.returncode == 130 and "nothing was written" in err, err
    assert aws_home.snapshot() == before
    tally.count("inputs.windows_ctrl_c")


# -- the folder-trust check on Windows ---------------------------------------------------


@pytest.fixture
def windows_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Windows forced in this process, with a profile folder of its own."""
    profile = tmp_path / "Users" / "jose"
    profile.mkdir(parents=True)
    monkeypatch.setattr(hostos, "WINDOWS", True)
    monkeypatch.setenv("USERPROFILE", str(profile))
    monkeypatch.setattr(folder_trust, "_WARNED", set(), raising=False)
    return profile


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if "warning" in line]


@pytest.mark.parametrize("where", ["C-creds", "other-user", "sibling-of-profile"])
def test_a_cache_folder_outside_the_profile_is_said_to_be_unchecked_on_windows(
        windows_profile: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    outside = {"C-creds": windows_profile.parents[1] / "creds",
               "other-user": windows_profile.parent / "maria" / ".aws" / "login" / "cache",
               # A name that merely starts with the profile's is not under it.
               "sibling-of-profile": windows_profile.parent / "jose2" / "cache"}[where]
    outside.mkdir(parents=True)
    folder_trust.check_cache_folder(outside)
    folder_trust.check_cache_folder(outside)  # every read checks: said once per process
    lines = _warnings(capsys.readouterr().err)
    assert len(lines) == 1, lines
    assert os.path.realpath(outside) in lines[0] and "not under your profile folder" in lines[0]
    assert "cannot check its ACL" in lines[0]
    tally.count("inputs.windows_folders")


@pytest.mark.parametrize("inside", [".aws/login/cache", "AppData/Local/creds", "."])
def test_a_cache_folder_under_the_profile_passes_quietly_on_windows(
        windows_profile: Path, capsys: pytest.CaptureFixture[str], inside: str) -> None:
    folder = windows_profile / inside
    folder.mkdir(parents=True, exist_ok=True)
    folder_trust.check_cache_folder(folder)
    folder_trust.check_config_folder(folder / "config")
    assert capsys.readouterr().err == ""


@pytest.mark.posix  # a symbolic link needs a privilege on Windows
def test_a_link_into_the_profile_is_judged_by_where_it_leads(
        windows_profile: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    outside = tmp_path / "public"
    outside.mkdir()
    link = windows_profile / "cache-link"
    link.symlink_to(outside, target_is_directory=True)
    folder_trust.check_cache_folder(link)
    lines = _warnings(capsys.readouterr().err)
    assert len(lines) == 1 and os.path.realpath(outside) in lines[0], lines


@pytest.mark.posix  # Windows' traits are simulated on POSIX (tests/windows_traits.py)
def test_credential_process_says_an_unchecked_cache_folder_on_windows(
        aws_home: AwsHome, tmp_path: Path) -> None:
    """The real CLI with Windows' traits: credentials are still handed out (the folder is
    the user's choice), and stderr says that its privacy was not verified."""
    cli = CliLogin(aws_home, "--profile", "p", "--region", "us-east-1")
    assert cli.finish(person.sign_in(cli.url)).returncode == 0
    profile = tmp_path / "Users" / "jose"
    profile.mkdir(parents=True)
    env = site_env(aws_home.env, tmp_path / "traits.log", aws_home.root,
                   profile / "AppData" / "Local")
    env["USERPROFILE"] = str(profile)
    windows = AwsHome(aws_home.root, env)
    before = windows.snapshot()
    result = run_cli(windows, "credential-process", "--profile", "p")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]
    # One line for each folder read from: the config's and the cache's.
    lines = _warnings(result.stderr)
    assert [line.split(" is not under ")[0] for line in lines] == [
        f"aws-login-bridge: warning: {os.path.realpath(aws_home.root)}",
        f"aws-login-bridge: warning: {os.path.realpath(aws_home.cache_dir)}"], result.stderr
    assert all("cannot check its ACL" in line for line in lines)
    assert windows.snapshot() == before
    # The same files under the profile folder: nothing to say.
    env["USERPROFILE"] = str(tmp_path)
    quiet = run_cli(AwsHome(aws_home.root, env), "credential-process", "--profile", "p")
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr


# -- the lock folder's hints on each platform ---------------------------------------------


@pytest.fixture
def macos(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = tmp_path / "Users" / "u"
    home.mkdir(parents=True)
    monkeypatch.setattr(hostos, "MACOS", True)
    monkeypatch.setattr(hostos, "WINDOWS", False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    return home


@pytest.mark.posix  # macOS forced: its POSIX folder check runs
def test_a_loose_lock_folder_on_macos_is_refused_without_naming_xdg(macos: Path) -> None:
    folder = macos / "Library" / "Caches" / "aws-login-bridge" / "locks"
    assert locks.lock_dir() == folder
    folder.mkdir(parents=True, mode=0o700)
    os.chmod(folder, 0o777)
    with pytest.raises(ConfigError) as refused:
        locks.check_lock_folder()
    message = str(refused.value)
    real = os.path.realpath(folder)
    assert f"Refusing to use {real}" in message and f"chmod 700 {real}" in message
    assert "XDG_RUNTIME_DIR" not in message
    assert os.stat(folder).st_mode & 0o777 == 0o777  # refused, never repaired


@pytest.mark.posix  # macOS forced: its POSIX folder check runs
def test_an_unwritable_lock_folder_on_macos_names_no_setting(macos: Path, tmp_path: Path) -> None:
    (macos / "Library").write_text("not a folder\n")  # the lock folder cannot be made
    with pytest.raises(ConfigError) as refused, locks.path_lock(tmp_path / "config", 5, "x"):
        pass
    message = str(refused.value)
    assert message.startswith("Cannot create a lock file in ") and "XDG_RUNTIME_DIR" not in message
    assert message.endswith("Make that folder writable.")


def test_an_unwritable_lock_folder_on_windows_names_localappdata(
        windows_profile: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    local = windows_profile / "AppData" / "Local"
    local.parent.mkdir()
    local.write_text("not a folder\n")
    monkeypatch.setenv("LOCALAPPDATA", str(local))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))  # not used on Windows
    assert locks.lock_dir() == local / "aws-login-bridge" / "locks"
    with pytest.raises(ConfigError) as refused, locks.path_lock(tmp_path / "config", 5, "x"):
        pass
    message = str(refused.value)
    assert "XDG_RUNTIME_DIR" not in message
    assert message.endswith("or set LOCALAPPDATA to a writable folder of your own.")


@pytest.mark.parametrize(("platform", "setting"), [
    ("linux", "XDG_RUNTIME_DIR"), ("darwin", None), ("win32", "LOCALAPPDATA")])
def test_the_setting_that_moves_the_lock_folder(platform: str, setting: str | None) -> None:
    assert locks.lock_dir_setting(platform) == setting


def test_the_linux_lock_folder_is_judged_by_posix_rules_under_windows_python(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' ``os.path.isabs`` wants a drive since Python 3.13: ``/run/user/1000`` is not
    absolute there, yet it is the Linux rule being asked about."""
    def isabs(path: str) -> bool:
        return bool(ntpath.splitdrive(path)[0]) and ntpath.isabs(path)

    windows_path = types.SimpleNamespace(**{n: getattr(posixpath, n) for n in dir(posixpath)
                                            if not n.startswith("__")})
    windows_path.isabs = isabs
    monkeypatch.setattr(locks, "os", types.SimpleNamespace(path=windows_path,
                                                           environ=os.environ))
    env = {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"}
    assert locks.lock_dir("linux", env).as_posix() == "/run/user/1000/aws-login-bridge"
    env = {"HOME": "/home/u", "XDG_CACHE_HOME": "/c"}
    assert locks.lock_dir("linux", env).as_posix() == "/c/aws-login-bridge/locks"

"""The engine with Windows' traits forced on Linux (tests/windows_traits.py): no os.fchmod,
files busy while another process has them open, the MS C runtime's command-line rules,
Winsock's socket options.

First each trait on its own, in this process; then login, refresh (credential-process and
the helper) and logout as subprocesses that start with every trait forced, checked to write
what they write on Linux, and to keep the no-partial-write guarantees when killed mid-write.
"""

from __future__ import annotations

import ast
import errno
import json
import os
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from adversarial.support import cache_file, check_files, temp_files
from adversarial.test_crash_safety import (
    CONFIG,
    KILLED,
    after_the_kill,
    crashing,
    expire,
    intended_config,
)
from botocore.compat import compat_shell_split
from conftest import PYTHON, AwsHome, CliLogin, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from test_rpc_wire import Wire
from windows_traits import REFUSALS, events, force, site_env

from aws_login_bridge import hostos
from aws_login_bridge.emulator import Emulator, Fault, person
from aws_login_bridge.store import atomic

# Windows simulated on POSIX: on Windows itself the rest of the suite meets the real traits.
pytestmark = pytest.mark.posix

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"
BRIDGE_ARGS = ["-m", "aws_login_bridge", "credential-process", "--profile", "p"]
BOTO3_PROBE = (
    "import json, sys, boto3; s = boto3.Session(profile_name=sys.argv[1]); "
    "c = s.get_credentials(); f = c.get_frozen_credentials(); "
    "print(json.dumps({'method': c.method, 'key': f.access_key}))"
)


@dataclass
class Windows:
    home: AwsHome  # its env starts every Python process with the traits forced
    log: Path
    plain_env: dict[str, str]  # the same without the traits

    def events(self) -> list[str]:
        return events(self.log)


@pytest.fixture
def windows(aws_home: AwsHome, tmp_path: Path) -> Windows:
    log = tmp_path / "windows-traits.log"
    env = site_env(aws_home.env, log, aws_home.root, tmp_path / "LocalAppData")
    return Windows(AwsHome(aws_home.root, env), log, aws_home.env)


@pytest.fixture
def forced(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Windows:
    """The traits in this process; only files under tmp_path are ever busy."""
    log = tmp_path / "windows-traits.log"
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "LocalAppData"))
    force(monkeypatch, log=log, busy_under=tmp_path)
    return Windows(AwsHome(tmp_path, dict(os.environ)), log, dict(os.environ))


def login_cli(home: AwsHome) -> subprocess.CompletedProcess[str]:
    cli = CliLogin(home, "--profile", "p", "--region", "us-east-1")
    return cli.finish(person.sign_in(cli.url))


# -- each trait on its own ----------------------------------------------------------------


def test_the_subprocess_really_has_the_traits(windows: Windows) -> None:
    probe = ("import botocore.credentials as c; from aws_login_bridge import hostos; "
             "from aws_login_bridge.store.atomic import os; "
             "print(hasattr(os, 'fchmod'), os.chmod in os.supports_fd, hostos.WINDOWS, "
             "c.compat_shell_split('a\\\\b'))")
    out = subprocess.run([PYTHON, "-c", probe], env=windows.home.env, capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.stdout.split(" ", 3) == ["False", "False", "True", "['a\\\\b']\n"], out.stderr


def test_no_engine_module_calls_fchmod() -> None:
    """Windows Python before 3.13 has no os.fchmod: nothing in the engine may use it."""
    import aws_login_bridge

    root = Path(aws_login_bridge.__file__).parent
    users = [
        f"{path.relative_to(root)}:{node.lineno}"
        for path in root.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("fchmod", "fchown")
    ]
    assert users == []


def test_write_without_fchmod_gives_the_mode_and_keeps_an_existing_one(forced: Windows) -> None:
    from aws_login_bridge.store.configfile import ConfigDocument

    assert not hasattr(atomic.os, "fchmod")
    new = forced.home.root / "new.json"
    atomic.write_atomic(new, b'{"a": 1}', mode=0o600)
    assert (new.read_bytes(), new.stat().st_mode & 0o777) == (b'{"a": 1}', 0o600)
    config = forced.home.root / "config"
    config.write_text("[default]\n")
    config.chmod(0o640)
    document = ConfigDocument.load(config)
    document.with_values("p", {"region": "eu-west-1"}).save()
    assert config.read_text() == "[default]\n\n[profile p]\nregion = eu-west-1\n"
    assert config.stat().st_mode & 0o777 == 0o640
    assert temp_files(forced.home.root) == []


def test_a_busy_file_is_replaced_once_it_is_let_go(forced: Windows) -> None:
    target = forced.home.root / "cache.json"
    target.write_bytes(b"old")
    atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert forced.events() == ["refused replace cache.json"] * REFUSALS
    assert temp_files(target) == []


def test_a_file_busy_for_good_fails_within_the_bound_and_loses_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from aws_login_bridge.errors import ConfigError
    from aws_login_bridge.store.cache import cache_path, write_cache

    real_replace = os.replace
    tries: list[str] = []

    def held_open(src: Any, dst: Any) -> None:
        if Path(dst).suffix == ".json":
            tries.append(str(dst))
            raise PermissionError(errno.EACCES, "Access is denied", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(atomic, "BUSY_RETRY_SECONDS", 0.2)
    folder = tmp_path / "cache"
    write_cache(ARN, {"v": 1}, folder)
    before = cache_path(ARN, folder).read_bytes()
    monkeypatch.setattr(os, "replace", held_open)
    with pytest.raises(ConfigError) as raised:
        write_cache(ARN, {"v": 2}, folder)
    assert "Cannot write the login cache" in raised.value.message
    assert "AWS_LOGIN_CACHE_DIRECTORY" in raised.value.message
    assert len(tries) > 1  # retried, and then it gave up
    assert cache_path(ARN, folder).read_bytes() == before
    assert temp_files(cache_path(ARN, folder)) == []


def test_logout_waits_out_a_busy_cache_file(forced: Windows,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_login_bridge.store.cache import cache_path, write_cache
    from aws_login_bridge.store.logout import remove_session

    folder = forced.home.root / "cache"
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIRECTORY", str(folder))
    write_cache(ARN, {"accessToken": {"accessKeyId": "ASIA"}})
    assert remove_session(ARN) == 1
    assert not cache_path(ARN, folder).exists()
    name = cache_path(ARN, folder).name
    assert forced.events().count(f"refused unlink {name}") == REFUSALS


WINDOWS_PATH = st.text(  # what NTFS allows in a path
    alphabet=st.characters(blacklist_categories=("Cs",),
                           blacklist_characters='"<>|?*' + "".join(map(chr, range(32)))),
    min_size=1)


@settings(max_examples=300, deadline=None)
@given(python=WINDOWS_PATH)
def test_setup_process_line_is_read_back_by_botocores_windows_split(python: str) -> None:
    from aws_login_bridge.bridge import _is_our_process_line, process_command

    saved = hostos.WINDOWS
    hostos.WINDOWS = True  # not monkeypatch: hypothesis runs the body many times
    try:
        line = process_command("dev.team", python=python)
        assert compat_shell_split(line, platform="win32") == [python, *BRIDGE_ARGS[:-1],
                                                              "dev.team"]
        assert _is_our_process_line(line, "dev.team")
        assert not _is_our_process_line(line, "other")
    finally:
        hostos.WINDOWS = saved


@pytest.mark.parametrize("line", [
    r"C:\Users\a b\venv\Scripts\aws-login-bridge.exe credential-process --profile p",
    r'"C:\Users\a b\venv\Scripts\AWS-LOGIN-BRIDGE.EXE" credential-process --profile p',
    r'"C:\Program Files\Python310\python.exe" -m aws_login_bridge credential-process '
    r"--profile p",
])
def test_windows_lines_of_ours_are_recognised(line: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_login_bridge.bridge import _is_our_process_line

    monkeypatch.setattr(hostos, "WINDOWS", True)
    assert _is_our_process_line(line, "p")
    assert not _is_our_process_line(r"C:\tools\other.exe credential-process --profile p", "p")


def test_listeners_ask_windows_for_an_exclusive_port(forced: Windows) -> None:
    from aws_login_bridge.signin.loopback import LoopbackReceiver

    receiver = LoopbackReceiver("state")
    try:
        assert receiver.redirect_uri.startswith("http://127.0.0.1:")
    finally:
        receiver.close()
    with Emulator():
        pass
    assert forced.events() == ["setsockopt SO_EXCLUSIVEADDRUSE"] * 2


def test_listeners_on_posix_reuse_time_wait_but_never_a_listening_port() -> None:
    from aws_login_bridge.signin.loopback import LoopbackReceiver

    assert not hostos.WINDOWS
    receiver = LoopbackReceiver("state")
    try:
        sock = receiver._server.socket
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) == 1
        port = sock.getsockname()[1]
        with socket.socket() as rival:
            rival.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with pytest.raises(OSError) as taken:
                rival.bind(("127.0.0.1", port))
            assert taken.value.errno == errno.EADDRINUSE
    finally:
        receiver.close()


def test_the_emulators_reset_fault_uses_winsocks_linger(forced: Windows) -> None:
    with Emulator() as emulator:
        emulator.add_fault(Fault(target="sts", mode="reset"))
        port = int(emulator.base_url.rsplit(":", 1)[1])
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                         b"x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))
            with pytest.raises(ConnectionResetError):
                while sock.recv(4096):
                    pass
    assert "setsockopt SO_LINGER" in forced.events()


def test_cli_output_fits_a_pipe_in_the_ansi_code_page(aws_home: AwsHome, tmp_path: Path) -> None:
    """Windows encodes a pipe in the ANSI code page: a path it cannot spell is escaped."""
    folder = tmp_path / "用户" / ".aws"
    folder.mkdir(parents=True)
    (folder / "config").write_text(f"[profile p]\nlogin_session = {ARN}\nregion = us-east-1\n")
    env = dict(aws_home.env, PYTHONIOENCODING="cp1252", AWS_CONFIG_FILE=str(folder / "config"))
    out = run_cli(AwsHome(aws_home.root, env), "status", "--profile", "p")
    assert "unexpected" not in out.stderr, out.stderr
    assert f"{tmp_path}/\\u7528\\u6237/.aws/config" in out.stdout  # 用户, escaped
    assert f"login_session: {ARN}" in out.stdout  # and the rest follows


# -- login, refresh and logout with every trait ------------------------------------------


def test_cli_login_refresh_and_logout(windows: Windows, emulator: Any) -> None:
    home = windows.home
    linux = linux_twin(windows, windows.log.parent / "linux")
    assert login_cli(linux).returncode == 0
    result = login_cli(home)
    assert result.returncode == 0, result.stderr
    # What a login writes on Linux, written past a busy file each time.
    assert home.config.read_bytes() == linux.config.read_bytes()
    path = cache_file(home.cache_dir)
    token = json.loads(path.read_bytes())
    assert shape(token) == shape(json.loads(cache_file(linux.cache_dir).read_bytes()))
    assert path.stat().st_mode & 0o777 == 0o600
    assert windows.events() == ["refused replace " + path.name] * REFUSALS + [
        "refused replace config"] * REFUSALS
    # Lock files go where Windows keeps a program's local data, not beside the AWS files.
    locks = windows.log.parent / "LocalAppData" / "aws-login-bridge" / "locks"
    names = sorted(p.name for p in locks.iterdir())
    assert len(names) == 2 and any(n.endswith("-config.lock") for n in names), names
    assert not list(home.root.rglob("*.lock"))

    # setup-process-profile writes a Windows line; botocore splits it by Windows' rules and
    # runs the bridge, which refreshes the expired credentials and writes them back.
    setup = run_cli(home, "setup-process-profile", "--profile", "p")
    assert setup.returncode == 0, setup.stderr
    line = hostos_line(PYTHON)
    assert f"credential_process = {line}\n" in home.config.read_text()
    expire(home)
    emulator.reset()
    probe = subprocess.run([PYTHON, "-c", BOTO3_PROBE, "p-process"], env=home.env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr[-2000:]
    refreshed = json.loads(path.read_bytes())
    assert json.loads(probe.stdout) == {"method": "custom-process",
                                        "key": refreshed["accessToken"]["accessKeyId"]}
    assert refreshed["accessToken"]["accessKeyId"] != token["accessToken"]["accessKeyId"]
    assert emulator.stats()["token"]["refresh_token"] == 1
    check_files(home.config, home.cache_dir)

    out = run_cli(home, "logout", "--profile", "p")
    assert out.returncode == 0, out.stderr
    assert not path.exists() and temp_files(path) == []
    assert f"refused unlink {path.name}" in windows.events()


def linux_twin(windows: Windows, root: Path) -> AwsHome:
    """Another AWS home for processes without the traits."""
    root.mkdir()
    old = str(windows.home.root)
    return AwsHome(root, {k: v.replace(old, str(root)) for k, v in windows.plain_env.items()})


def shape(value: Any) -> Any:
    """A JSON value's keys and types, without the values."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


def hostos_line(python: str) -> str:
    """What setup-process-profile writes on Windows for ``python``."""
    saved = hostos.WINDOWS
    hostos.WINDOWS = True
    try:
        from aws_login_bridge.bridge import process_command

        return process_command("p", python=python)
    finally:
        hostos.WINDOWS = saved


def test_helper_login_refresh_and_logout(windows: Windows, emulator: Any) -> None:
    helper = Wire(windows.home.env)
    try:
        helper.initialize()
        started = helper.request("awsLogin/startLogin", {"profile": "p", "region": "us-east-1",
                                                         "flow": "sameDevice"})
        waiting = helper.start("awsLogin/completeLogin", {"loginId": started["loginId"]})
        assert person.sign_in(started["authorizeUrl"]) is None  # went to the loopback port
        assert helper.answer(waiting)["result"]["loginSession"] == ARN
        path = cache_file(windows.home.cache_dir)
        old = json.loads(path.read_bytes())["accessToken"]["accessKeyId"]
        expire(windows.home)
        emulator.reset()
        identity = helper.request("awsLogin/callerIdentity", {"profile": "p"})
        assert identity["Arn"] == ARN
        new = json.loads(path.read_bytes())["accessToken"]["accessKeyId"]
        assert new != old and emulator.stats()["token"]["refresh_token"] == 1
        assert helper.request("awsLogin/logout", {"profile": "p"})["removed"] == 1
        assert not path.exists()
    finally:
        helper.close()
    seen = windows.events()
    assert "setsockopt SO_EXCLUSIVEADDRUSE" in seen
    assert seen.count("refused replace " + path.name) == REFUSALS  # once per file per process
    assert seen.count("refused unlink " + path.name) == REFUSALS


# -- no torn files when killed mid-write, as on Linux (tests/adversarial) ----------------


@pytest.mark.parametrize("point", ["atomic.written@1", "atomic.written@2"])
def test_cli_login_killed_mid_write(windows: Windows, point: str) -> None:
    home = windows.home
    home.config.write_text(CONFIG)
    result = login_cli(crashing(home, point))
    assert result.returncode == KILLED, result.stderr
    after_the_kill(home, config_was=CONFIG.encode(),
                   config_will_be=intended_config(CONFIG.encode()), cache_was=None)


@pytest.mark.parametrize("write", ["refresh", "logout"])
def test_refresh_and_logout_killed_mid_write(windows: Windows, write: str) -> None:
    home = windows.home
    home.config.write_text(CONFIG)
    assert login_cli(home).returncode == 0
    config_was = home.config.read_bytes()
    if write == "refresh":
        expire(home)
    cache_was = cache_file(home.cache_dir).read_bytes()
    run: Callable[[AwsHome], subprocess.CompletedProcess[str]] = {
        "refresh": lambda h: run_cli(h, "credential-process", "--profile", "p"),
        "logout": lambda h: run_cli(h, "logout", "--profile", "p"),
    }[write]
    point = {"refresh": "atomic.written", "logout": "logout.removing"}[write]
    assert run(crashing(home, point)).returncode == KILLED
    assert cache_file(home.cache_dir).read_bytes() == cache_was  # the old file, whole
    after_the_kill(home, config_was=config_was, config_will_be=config_was,
                   cache_was=cache_was)

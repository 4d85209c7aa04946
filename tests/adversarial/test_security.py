"""Lets nobody in: private files whatever the umask, a loopback-only one-shot callback, no
listener in the helper's remote mode, and no secret in anything the tools print or log at
their most verbose level."""

from __future__ import annotations

import http.client
import json
import os
import socket
import stat
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from conftest import PYTHON, AwsHome, CliLogin
from hypothesis import given
from hypothesis import strategies as st
from test_rpc_wire import Wire, WireError

from aws_login_bridge.emulator import person
from aws_login_bridge.errors import LoginBridgeError
from aws_login_bridge.signin.loopback import CALLBACK_PATH, LoopbackReceiver

from . import tally
from .support import (
    cache_file,
    cache_secrets,
    code_secrets,
    contains_verifier,
    fuzz,
    listeners,
)

PAST = "2020-01-01T00:00:00Z"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(home_env: dict[str, str], *args: str, stdin: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "aws_login_bridge", *args], env=home_env, input=stdin,
                          capture_output=True, text=True, timeout=90, check=False)


def expire(path: Path) -> None:
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = PAST
    path.write_text(json.dumps(token))


# -- file modes -------------------------------------------------------------------------


# "this": the platform the suite runs on; "macos": macOS's choices forced in every process
# (tests/macos_traits.py), whose lock folder is under ~/Library/Caches.
@pytest.mark.posix
@pytest.mark.parametrize("platform", ["this", "macos"])
def test_everything_created_is_private_under_umask_0(aws_home: AwsHome, tmp_path: Path,
                                                     platform: str) -> None:
    """Under umask 0 with no AWS folder yet: every folder we create is 0700, every file 0600
    (cache, config, lock files), after a login, a refresh and a process-profile setup."""
    from macos_traits import site_env as macos_site_env

    from aws_login_bridge.store.locks import lock_dir

    base = tmp_path / "home-new"  # nothing below exists yet; the lock folder too is below
    env = dict(aws_home.env, AWS_CONFIG_FILE=str(base / ".aws" / "config"),
               AWS_LOGIN_CACHE_DIRECTORY=str(base / ".aws" / "login" / "cache"),
               XDG_RUNTIME_DIR=str(base / "run"), HOME=str(base))
    if platform == "macos":
        env = macos_site_env(env, base)
    home = AwsHome(base, env)
    old = os.umask(0)
    try:
        cli = CliLogin(home, "--profile", "u", "--region", "us-east-1")
        assert cli.finish(person.sign_in(cli.url)).returncode == 0
        cache = cache_file(base / ".aws" / "login" / "cache")
        expire(cache)
        refreshed = run(env, "credential-process", "--profile", "u")
        assert refreshed.returncode == 0, refreshed.stderr
        assert run(env, "setup-process-profile", "--profile", "u").returncode == 0
    finally:
        os.umask(old)
    dirs = [p for p in [base, *base.rglob("*")] if p.is_dir()]
    files = [p for p in base.rglob("*") if p.is_file()]
    assert {str(p.relative_to(tmp_path)): oct(mode(p)) for p in dirs if mode(p) != 0o700} == {}
    assert {str(p.relative_to(tmp_path)): oct(mode(p)) for p in files if mode(p) != 0o600} == {}
    # The locks were checked too; they live in the lock folder, none in the AWS folder.
    locks = lock_dir("darwin" if platform == "macos" else None, env)
    assert locks.is_relative_to(base), locks
    assert any(p.name.endswith(".lock") for p in locks.rglob("*"))
    assert not any(p.name.endswith(".lock") for p in (base / ".aws").rglob("*"))
    tally.count("inputs.umask_runs")


@pytest.mark.posix
def test_a_loose_cache_folder_and_file_are_tightened(aws_home: AwsHome) -> None:
    aws_home.cache_dir.mkdir(parents=True)
    os.chmod(aws_home.cache_dir, 0o755)
    stale = cache_file(aws_home.cache_dir)
    stale.write_text("{}")
    os.chmod(stale, 0o644)
    cli = CliLogin(aws_home, "--profile", "t", "--region", "us-east-1")
    assert cli.finish(person.sign_in(cli.url)).returncode == 0
    assert mode(aws_home.cache_dir) == 0o700
    assert mode(stale) == 0o600
    # A refresh (the other writer) tightens a folder loosened since (a folder others can
    # write to is refused instead: see test_trust_boundaries).
    os.chmod(aws_home.cache_dir, 0o755)
    expire(stale)
    assert run(aws_home.env, "credential-process", "--profile", "t").returncode == 0
    assert mode(aws_home.cache_dir) == 0o700 and mode(stale) == 0o600


# -- the same-device callback -----------------------------------------------------------


@pytest.mark.linux  # reads the listening sockets from /proc
def test_same_device_callback_listens_on_loopback_only_and_takes_one_request(
    aws_home: AwsHome,
) -> None:
    proc = subprocess.Popen(
        [PYTHON, "-m", "aws_login_bridge", "login", "--profile", "sd", "--region", "us-east-1",
         "--no-browser"], env=aws_home.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert proc.stdout is not None
        url = next(line.strip() for line in proc.stdout if line.startswith("http"))
        query = parse_qs(urlsplit(url).query)
        redirect = urlsplit(query["redirect_uri"][0])
        state = query["state"][0]
        assert listeners(proc.pid) == [("tcp", "127.0.0.1", redirect.port)]
        # Callers other than the browser get 400 and change nothing.
        for path in [f"{CALLBACK_PATH}?code=stolen&state=wrong", f"{CALLBACK_PATH}?code=x",
                     f"{CALLBACK_PATH}?state={state}", f"/other?code=x&state={state}",
                     f"{CALLBACK_PATH}?code=a&code=b&state={state}"]:
            assert _get(redirect.port, path) == 400
            tally.count("inputs.loopback_request")
        assert person.sign_in(url) is None  # the real browser redirect is taken
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert cache_file(aws_home.cache_dir).exists()
        with pytest.raises(OSError):  # and the port is closed afterwards
            socket.create_connection(("127.0.0.1", redirect.port), timeout=2).close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _get(port: int, path: str, method: str = "GET") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        return conn.getresponse().status
    finally:
        conn.close()


def _raw(port: int, data: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass


STATE = "0b5e6c1a-5d2f-4c71-9a3e-7a0c4b1f2e99"
BAD_REQUEST = st.one_of(
    st.builds(lambda path, params: (path, params),
              st.sampled_from([CALLBACK_PATH, CALLBACK_PATH + "/", "/", "/OAUTH/CALLBACK",
                               "//oauth/callback", "/oauth/callback/..", "/x" + CALLBACK_PATH]),
              st.lists(st.tuples(st.sampled_from(["code", "state", "Code", "STATE", "error",
                                                  "code[]", ""]),
                                 st.sampled_from(["", "c0de", STATE.upper(), STATE + " ",
                                                  " " + STATE, "x" * 5000, "%00", STATE[:-1]])),
                       max_size=4)),
    st.binary(max_size=300),
)


@fuzz(120)
@given(st.lists(BAD_REQUEST, max_size=4), st.sampled_from(["GET", "POST", "HEAD", "PUT"]))
def test_loopback_ignores_every_request_but_the_right_one(requests: list[Any],
                                                           method: str) -> None:
    receiver = LoopbackReceiver(STATE)
    try:
        port = int(urlsplit(receiver.redirect_uri).port or 0)
        for request in requests:
            tally.count("inputs.loopback_request")
            if isinstance(request, bytes):
                _raw(port, request)
                continue
            path, params = request
            # The right path with exactly one right state and one code is the only success,
            # so a generated one that happens to be right is skipped.
            if (path == CALLBACK_PATH and method == "GET"
                    and sorted(k for k, _ in params) == ["code", "state"]
                    and dict(params).get("state") == STATE and dict(params).get("code")):
                continue
            target = path + ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in params)
                             if params else "")
            assert _get(port, target, method) in (400, 501)
        assert _get(port, f"{CALLBACK_PATH}?code=the-code&state={STATE}") == 200
        assert _get(port, f"{CALLBACK_PATH}?code=later&state={STATE}") == 400
        assert receiver.wait(5) == "the-code"
    finally:
        receiver.close()


def test_loopback_accepts_exactly_one_of_many_right_requests_at_once() -> None:
    """One-shot even under a race: of 5 right requests sent together, one is taken, and
    the code handed back is that one's."""
    import concurrent.futures
    import threading

    for _ in range(10):  # 5 at once: the listen backlog (5) takes them without a SYN retry
        receiver = LoopbackReceiver(STATE)
        port = int(urlsplit(receiver.redirect_uri).port or 0)
        gate = threading.Barrier(5)

        def call(n: int, port: int = port, gate: threading.Barrier = gate) -> tuple[int, str]:
            gate.wait()
            return _get(port, f"{CALLBACK_PATH}?code=code-{n}&state={STATE}"), f"code-{n}"

        try:
            with concurrent.futures.ThreadPoolExecutor(5) as pool:
                answers = list(pool.map(call, range(5)))
            tally.count("inputs.loopback_request", 5)
            tally.count("races.loopback_callbacks")
            winners = [code for status, code in answers if status == 200]
            assert len(winners) == 1, answers
            assert receiver.wait(5) == winners[0]
        finally:
            receiver.close()


@pytest.mark.linux  # reads the listening sockets from /proc
def test_loopback_listens_on_ipv4_loopback_only() -> None:
    receiver = LoopbackReceiver(STATE)
    try:
        port = int(urlsplit(receiver.redirect_uri).port or 0)
        assert ("tcp", "127.0.0.1", port) in listeners(os.getpid())
        addresses = {host for proto, host, p in listeners(os.getpid()) if p == port}
        assert addresses == {"127.0.0.1"}
    finally:
        receiver.close()
    with pytest.raises(LoginBridgeError):
        receiver.wait(0)


# -- the helper opens no network listener in remote mode ---------------------------------


@pytest.mark.linux  # reads the listening sockets from /proc
def test_helper_opens_no_listener_in_remote_mode(aws_home: AwsHome) -> None:
    helper = Wire(aws_home.env, log_level="DEBUG")
    try:
        helper.initialize()
        assert listeners(helper.proc.pid) == []
        started = helper.request("awsLogin/startLogin", {"profile": "r", "region": "us-east-1"})
        assert listeners(helper.proc.pid) == []
        code = person.sign_in(started["authorizeUrl"])
        helper.request("awsLogin/completeLogin", {"loginId": started["loginId"], "code": code})
        helper.request("awsLogin/status", {"profile": "r"})
        helper.request("awsLogin/callerIdentity", {"profile": "r"})
        assert listeners(helper.proc.pid) == []
        # The same-device flow does listen — on 127.0.0.1 only, and only until it ends.
        started = helper.request("awsLogin/startLogin",
                                 {"profile": "s", "region": "us-east-1", "flow": "sameDevice"})
        port = urlsplit(parse_qs(urlsplit(started["authorizeUrl"]).query)["redirect_uri"][0]).port
        assert listeners(helper.proc.pid) == [("tcp", "127.0.0.1", port)]
        helper.request("awsLogin/cancelLogin", {"loginId": started["loginId"]})
        _wait_until(lambda: listeners(helper.proc.pid) == [], "the callback port to close")
    finally:
        helper.close()
    helper.check_clean()


def _wait_until(condition: Any, what: str, limit: float = 20.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


# -- no secret in any stream at the most verbose level ----------------------------------


class Streams:
    """Everything the tools printed, and every secret that existed meanwhile."""

    def __init__(self) -> None:
        self.text: list[tuple[str, str]] = []
        self.secrets: set[str] = set()
        self.challenges: set[str] = set()

    def add(self, label: str, *texts: str) -> None:
        self.text.extend((label, t) for t in texts if t)

    def learn(self, cache_dir: Path) -> None:
        self.secrets |= cache_secrets(cache_dir)

    def learn_url(self, url: str) -> None:
        self.challenges.add(parse_qs(urlsplit(url).query)["code_challenge"][0])

    def check(self) -> None:
        assert self.secrets and self.challenges
        for label, text in self.text:
            tally.count("secrets.streams_scanned")
            tally.count("volume.secret_scan_bytes", len(text))
            leaked = sorted(label for s in self.secrets if s in text)
            assert not leaked, f"a secret in {label}"
            for challenge in self.challenges:
                assert not contains_verifier(text, challenge), f"the code verifier in {label}"
        tally.count("secrets.secret_values", len(self.secrets))


def test_no_secret_in_cli_output_at_debug(aws_home: AwsHome, emulator: Any) -> None:
    streams = Streams()
    env = aws_home.env

    def cli(label: str, *args: str, stdin: str | None = None, stdout_is_secret: bool = False
            ) -> subprocess.CompletedProcess[str]:
        result = run(env, "--debug", *args, stdin=stdin)
        streams.add(f"{label} stderr", result.stderr)
        if not stdout_is_secret:
            streams.add(f"{label} stdout", result.stdout)
        streams.learn(aws_home.cache_dir)
        return result

    # A login with a wrong paste first (its error message), then the right code.
    proc = subprocess.Popen([PYTHON, "-m", "aws_login_bridge", "--debug", "login", "--remote",
                             "--profile", "p", "--region", "us-east-1"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = ""
    for line in proc.stdout:
        streams.add("login stdout", line)
        if line.startswith("http"):
            url = line.strip()
            break
    streams.learn_url(url)
    code = person.sign_in(url)
    streams.secrets |= code_secrets(code)
    other = person.sign_in(CliLogin(aws_home, "--profile", "x", "--region", "us-east-1").url)
    out, err = proc.communicate(f"{other}\n{code}\n", timeout=90)
    assert proc.returncode == 0, err
    streams.add("login stdout", out)
    streams.add("login stderr", err)
    streams.learn(aws_home.cache_dir)

    cli("status", "status", "--profile", "p")
    cli("status --json", "status", "--profile", "p", "--json")
    expire(cache_file(aws_home.cache_dir))
    assert cli("whoami (refreshes)", "whoami", "--profile", "p").returncode == 0
    expire(cache_file(aws_home.cache_dir))
    assert cli("credential-process (refreshes)", "credential-process", "--profile", "p",
               stdout_is_secret=True).returncode == 0
    # A refresh the service refuses, so its error path is logged too.
    expire(cache_file(aws_home.cache_dir))
    emulator.expire_sessions()
    assert cli("whoami (ended)", "whoami", "--profile", "p").returncode == 1
    assert cli("logout", "logout", "--profile", "p").returncode == 0
    assert cli("logout --all", "logout", "--all").returncode == 0
    streams.check()


def test_no_secret_in_a_helper_session_at_debug(aws_home: AwsHome, emulator: Any) -> None:
    streams = Streams()
    helper = Wire(aws_home.env, log_level="DEBUG")
    try:
        helper.initialize()
        started = helper.request("awsLogin/startLogin", {"profile": "h", "region": "us-east-1"})
        streams.learn_url(started["authorizeUrl"])
        code = person.sign_in(started["authorizeUrl"])
        streams.secrets |= code_secrets(code)
        # Wrong pastes first: their errors are part of what is checked.
        other = helper.request("awsLogin/startLogin", {"profile": "o", "region": "us-east-1"})
        foreign = person.sign_in(other["authorizeUrl"])
        streams.secrets |= code_secrets(foreign)
        for bad in (foreign, code[:-6], "garbage " + code[:20]):
            with pytest.raises(WireError):
                helper.request("awsLogin/completeLogin",
                               {"loginId": started["loginId"], "code": bad})
        helper.request("awsLogin/completeLogin", {"loginId": started["loginId"], "code": code})
        streams.learn(aws_home.cache_dir)
        path = cache_file(aws_home.cache_dir)
        helper.request("awsLogin/status", {"profile": "h"})
        helper.request("awsLogin/listProfiles", {})
        expire(path)
        helper.request("awsLogin/callerIdentity", {"profile": "h"})  # refreshes first
        streams.learn(aws_home.cache_dir)
        expire(path)
        emulator.expire_sessions()
        with pytest.raises(WireError):
            helper.request("awsLogin/callerIdentity", {"profile": "h"})
        helper.request("awsLogin/logout", {"profile": "h"})
    finally:
        helper.close()
    streams.add("helper stderr", helper.stderr)
    streams.add("helper stdout", json.dumps(helper.messages))
    assert not helper.violations
    streams.check()


def test_the_scan_would_see_a_verifier() -> None:
    """The verifier check above must be able to fail: it finds one hidden in log-like text."""
    from aws_login_bridge.signin import pkce

    verifier = "Ab0-._~" * 9 + "z"  # 64 characters of the verifier alphabet
    challenge = pkce.code_challenge(verifier)
    assert contains_verifier(f'DEBUG body={{"codeVerifier": "{verifier}"}}', challenge)
    assert not contains_verifier(f"DEBUG {verifier[:-1]}y {'x' * 200}", challenge)

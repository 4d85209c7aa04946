"""The service misbehaving, through the emulator's fault API: 5xx, 429 with Retry-After,
answers slower than the read timeout, dropped connections, unparseable JSON, a 200 without
its fields, an idToken that is not a JWT or has no ``sub``, and the OAuth error codes.

For every operation — login (engine, CLI, helper), refresh (engine, credential-process,
the helper), whoami (STS) — each fault must map to its documented error kind, the attempts
the emulator counted must stay within the retry bound, and nothing may be written.

The read timeout is shortened with AWS_LOGIN_BRIDGE_READ_TIMEOUT so that "slower than the
timeout" costs a second, not fifteen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import AwsHome, CliLogin, run_cli
from test_rpc_wire import Wire, WireError

from aws_login_bridge.emulator import Fault, person
from aws_login_bridge.errors import LoginBridgeError
from aws_login_bridge.identity import caller_identity
from aws_login_bridge.login import complete_login, start_login
from aws_login_bridge.profiles import login_profile
from aws_login_bridge.refresh import fresh_credentials
from aws_login_bridge.signin.tokens import MAX_ATTEMPTS, MAX_RETRY_AFTER, SigninClient

from . import tally
from .support import cache_file, check_files, snapshot

TIMEOUT = "0.5"  # AWS_LOGIN_BRIDGE_READ_TIMEOUT for these tests
SLOW = 2.0  # seconds the emulator holds an answer back: well past TIMEOUT


@dataclass(frozen=True)
class Case:
    name: str
    fault: dict[str, Any]  # Fault(...) keyword arguments, without target
    kind: str | None  # None: the retry succeeds
    attempts: int
    status: int | None = None
    waits: tuple[float, ...] | None = None  # the pauses between attempts, when fixed

    def arm(self, emulator: Any, target: str, op: str) -> None:
        emulator.add_fault(Fault(target=target, **self.fault))
        tally.count(f"faults.{op}:{self.name}")


COMMON = [
    Case("500x3", {"status": 500, "error": "server_error", "count": 3}, "ServiceError",
         MAX_ATTEMPTS, 500, (0.5, 0.5)),
    Case("503x3", {"status": 503, "error": "service_unavailable", "count": 3}, "ServiceError",
         MAX_ATTEMPTS, 503),
    Case("502-then-ok", {"status": 502, "count": 1}, None, 2),
    Case("429x3-retry-after-1", {"status": 429, "error": "rate_exceeded", "retry_after": 1,
                                 "count": 3}, "ServiceError", MAX_ATTEMPTS, 429, (1.0, 1.0)),
    Case("429-retry-after-1-then-ok", {"status": 429, "retry_after": 1, "count": 1}, None, 2,
         waits=(1.0,)),
    Case("429x3-retry-after-huge", {"status": 429, "retry_after": 120, "count": 3},
         "ServiceError", MAX_ATTEMPTS, 429, (MAX_RETRY_AFTER, MAX_RETRY_AFTER)),
    Case("reset-x3", {"mode": "reset", "count": 3}, "NetworkError", MAX_ATTEMPTS),
    Case("reset-then-ok", {"mode": "reset", "count": 1}, None, 2),
    # botocore's rest-json parser turns an unparseable body into an empty answer, so this is
    # "a 200 without the credentials": refused at once, not retried.
    Case("invalid-json", {"mode": "garbage", "count": 3}, "ServiceError", 1),
    Case("200-missing-fields", {"mode": "missing-fields"}, "ServiceError", 1),
    Case("400-invalid-request", {"status": 400, "error": "INVALID_REQUEST"}, "ServiceError", 1,
         400),
    Case("403-insufficient-permissions", {"status": 403, "error": "INSUFFICIENT_PERMISSIONS"},
         "InsufficientPermissions", 1),
]
LOGIN = [
    *COMMON,
    # A code is single use: after a lost answer a retry could only say AUTHCODE_EXPIRED.
    Case("slow", {"delay": SLOW}, "NetworkError", 1),
    Case("idtoken-not-a-jwt", {"mode": "bad-idtoken"}, "ServiceError", 1),
    Case("idtoken-without-sub", {"mode": "idtoken-no-sub"}, "ServiceError", 1),
    Case("401-authcode-expired", {"status": 401, "error": "AUTHCODE_EXPIRED"},
         "AuthCodeExpired", 1),
]
REFRESH = [
    *COMMON,
    Case("slow-x3", {"delay": SLOW, "count": 3}, "NetworkError", MAX_ATTEMPTS),
    Case("slow-then-ok", {"delay": SLOW, "count": 1}, None, 2),
    Case("401-token-expired", {"status": 401, "error": "TOKEN_EXPIRED"}, "RefreshRequired", 1),
    Case("403-credentials-changed", {"status": 403, "error": "USER_CREDENTIALS_CHANGED"},
         "RefreshRequired", 1),
]
ids = [case.name for case in LOGIN], [case.name for case in REFRESH]


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch, aws_home: AwsHome) -> AwsHome:
    monkeypatch.setenv("AWS_LOGIN_BRIDGE_READ_TIMEOUT", TIMEOUT)
    aws_home.env["AWS_LOGIN_BRIDGE_READ_TIMEOUT"] = TIMEOUT
    return aws_home


def attempts(emulator: Any, grant: str) -> int:
    return int(emulator.stats()["token"].get(grant, 0))


class Pauses(list[float]):
    """A SigninClient ``sleep`` that records the pause instead of sleeping it."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@contextmanager
def faulty_service(emulator: Any, case: Case, grant: str,
                   op: str) -> Iterator[tuple[SigninClient, Pauses]]:
    """A SigninClient (and the pauses it took) against the emulator with ``case``'s fault
    armed for ``grant``; after the block, the service saw the attempts the case expects,
    with its fixed pauses between them."""
    pauses = Pauses()
    client = SigninClient("us-east-1", endpoint_url=emulator.base_url, sleep=pauses)
    case.arm(emulator, grant, op)
    try:
        yield client, pauses
    finally:
        client.close()
    assert attempts(emulator, grant) == case.attempts
    if case.waits is not None:
        assert tuple(pauses) == case.waits


def check_failure(error: LoginBridgeError, case: Case) -> None:
    assert error.kind == case.kind, (error.kind, error.message)
    if case.status is not None:
        assert error.data.get("status") == case.status
    assert "Traceback" not in error.message


# -- the engine, in process ------------------------------------------------------------


@pytest.mark.parametrize("case", LOGIN, ids=ids[0])
def test_login_faults(short_timeout: AwsHome, emulator: Any, case: Case) -> None:
    home = short_timeout
    home.config.write_text("[profile f]\nregion = us-east-1\n")
    pending = start_login("f")
    code = person.sign_in(pending.authorize_url)
    before = snapshot(home.root)
    with faulty_service(emulator, case, "authorization_code", "login") as (client, pauses):
        try:
            if case.kind is None:
                assert complete_login(pending, code, client=client).account_id == "123456789012"
                check_files(home.config, home.cache_dir)
            else:
                with pytest.raises(LoginBridgeError) as caught:
                    complete_login(pending, code, client=client)
                check_failure(caught.value, case)
                assert snapshot(home.root) == before
        finally:
            pending.close()
    assert len(pauses) == case.attempts - 1


@pytest.fixture
def logged_in(aws_home: AwsHome) -> AwsHome:
    cli = CliLogin(aws_home, "--profile", "p", "--region", "us-east-1")
    assert cli.finish(person.sign_in(cli.url)).returncode == 0
    return aws_home


@pytest.mark.parametrize("case", REFRESH, ids=ids[1])
def test_refresh_faults(logged_in: AwsHome, short_timeout: AwsHome, emulator: Any,
                        case: Case) -> None:
    home = logged_in
    emulator.reset()
    before = snapshot(home.root)
    with faulty_service(emulator, case, "refresh_token", "refresh") as (client, _):
        if case.kind is None:
            _, refreshed, _ = fresh_credentials(login_profile("p"), force=True, client=client)
            assert refreshed
            assert snapshot(home.root)[_cache_key(home)] != before[_cache_key(home)]
        else:
            with pytest.raises(LoginBridgeError) as caught:
                fresh_credentials(login_profile("p"), force=True, client=client)
            check_failure(caught.value, case)
            assert snapshot(home.root) == before
    check_files(home.config, home.cache_dir)


def _cache_key(home: AwsHome) -> str:
    return str(cache_file(home.cache_dir).relative_to(home.root))


STS = [
    Case("sts-500", {"status": 500, "count": 20}, "ServiceError", 3),
    Case("sts-503", {"status": 503, "count": 20}, "ServiceError", 3),
    Case("sts-429-then-ok", {"status": 429, "count": 1}, None, 2),
    Case("sts-reset", {"mode": "reset", "count": 20}, "NetworkError", 3),
    Case("sts-garbage", {"mode": "garbage", "count": 20}, "ServiceError", 1),
    Case("sts-access-denied", {"status": 403, "error": "AccessDenied"},
         "InsufficientPermissions", 1),
    Case("sts-expired-token", {"status": 403, "error": "ExpiredToken"}, "RefreshRequired", 1),
]


@pytest.mark.parametrize("case", STS, ids=[c.name for c in STS])
def test_whoami_faults(logged_in: AwsHome, emulator: Any, monkeypatch: pytest.MonkeyPatch,
                       case: Case) -> None:
    # botocore's own retries: standard mode, 3 attempts (the default mode, legacy, makes 5
    # with longer pauses); the bound is what is under test, not the number.
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")
    emulator.reset()
    before = snapshot(logged_in.root)
    case.arm(emulator, "sts", "whoami")
    if case.kind is None:
        assert caller_identity("p")["Account"] == "123456789012"
    else:
        with pytest.raises(LoginBridgeError) as caught:
            caller_identity("p")
        check_failure(caught.value, case)
    assert 1 <= emulator.stats()["sts"] <= case.attempts
    assert snapshot(logged_in.root) == before


@pytest.mark.parametrize("case", [c for c in STS if c.kind], ids=[c.name for c in STS if c.kind])
def test_cli_whoami_faults(logged_in: AwsHome, emulator: Any, case: Case) -> None:
    emulator.reset()
    before = snapshot(logged_in.root)
    case.arm(emulator, "sts", "cli-whoami")
    env = dict(logged_in.env, AWS_RETRY_MODE="standard", AWS_MAX_ATTEMPTS="3")
    result = run_cli(AwsHome(logged_in.root, env), "whoami", "--profile", "p")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "unexpected" not in result.stderr, result.stderr
    assert 1 <= emulator.stats()["sts"] <= case.attempts
    assert snapshot(logged_in.root) == before


# -- the same faults through the processes people run ----------------------------------

PROCESS_LOGIN = [c for c in LOGIN if c.name in (
    "503x3", "429x3-retry-after-1", "slow", "reset-x3", "invalid-json",
    "idtoken-without-sub", "403-insufficient-permissions")]
WORDS = {"ServiceError": "AWS Sign-In", "NetworkError": "AWS Sign-In",
         "InsufficientPermissions": "SignInLocalDevelopmentAccess",
         "RefreshRequired": "Log in again", "AuthCodeExpired": "expired"}


@pytest.mark.parametrize("case", PROCESS_LOGIN, ids=[c.name for c in PROCESS_LOGIN])
def test_cli_login_faults(short_timeout: AwsHome, emulator: Any, case: Case) -> None:
    home = short_timeout
    home.config.write_text("[profile f]\nregion = us-east-1\n")
    before = snapshot(home.root)
    cli = CliLogin(home, "--profile", "f")
    code = person.sign_in(cli.url)
    case.arm(emulator, "authorization_code", "cli-login")
    result = cli.finish(code)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert WORDS[case.kind or ""] in result.stderr or "identity token" in result.stderr, \
        result.stderr
    assert snapshot(home.root) == before
    assert attempts(emulator, "authorization_code") == case.attempts


@pytest.mark.parametrize("case", PROCESS_LOGIN, ids=[c.name for c in PROCESS_LOGIN])
def test_helper_login_faults(short_timeout: AwsHome, emulator: Any, case: Case) -> None:
    home = short_timeout
    home.config.write_text("[profile f]\nregion = us-east-1\n")
    before = snapshot(home.root)
    helper = Wire(home.env)
    try:
        helper.initialize()
        started = helper.request("awsLogin/startLogin", {"profile": "f"})
        code = person.sign_in(started["authorizeUrl"])
        case.arm(emulator, "authorization_code", "helper-login")
        with pytest.raises(WireError) as caught:
            helper.request("awsLogin/completeLogin", {"loginId": started["loginId"],
                                                      "code": code})
        assert caught.value.kind == case.kind, caught.value.data
        if case.status is not None:
            assert caught.value.data.get("status") == case.status
        # The helper keeps serving after the failure.
        assert helper.request("awsLogin/status", {"profile": "f"})["profile"] == "f"
    finally:
        helper.close()
    assert not helper.violations
    assert snapshot(home.root) == before
    assert attempts(emulator, "authorization_code") == case.attempts


PROCESS_REFRESH = [c for c in REFRESH if c.name in (
    "500x3", "429x3-retry-after-1", "slow-x3", "reset-x3", "invalid-json",
    "401-token-expired", "429-retry-after-1-then-ok")]


def _expire(home: AwsHome) -> None:
    path = cache_file(home.cache_dir)
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(token))


@pytest.mark.parametrize("case", PROCESS_REFRESH, ids=[c.name for c in PROCESS_REFRESH])
def test_credential_process_refresh_faults(logged_in: AwsHome, short_timeout: AwsHome,
                                           emulator: Any, case: Case) -> None:
    home = logged_in
    _expire(home)
    emulator.reset()
    before = snapshot(home.root)
    case.arm(emulator, "refresh_token", "credential-process")
    result = run_cli(home, "credential-process", "--profile", "p")
    assert "Traceback" not in result.stderr
    if case.kind is None:
        assert result.returncode == 0 and json.loads(result.stdout)["Version"] == 1
    else:
        assert result.returncode == 1 and result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1  # one line, for the SDK to show
        assert WORDS[case.kind] in result.stderr
        assert snapshot(home.root) == before
    assert attempts(emulator, "refresh_token") == case.attempts


@pytest.mark.parametrize("case", [c for c in PROCESS_REFRESH if c.kind],
                         ids=[c.name for c in PROCESS_REFRESH if c.kind])
def test_helper_refresh_faults(logged_in: AwsHome, short_timeout: AwsHome, emulator: Any,
                               case: Case) -> None:
    home = logged_in
    _expire(home)
    emulator.reset()
    before = snapshot(home.root)
    helper = Wire(home.env)
    try:
        helper.initialize()
        case.arm(emulator, "refresh_token", "helper-refresh")
        with pytest.raises(WireError) as caught:
            helper.request("awsLogin/callerIdentity", {"profile": "p"})
        assert caught.value.kind == case.kind, caught.value.data
    finally:
        helper.close()
    assert not helper.violations
    assert snapshot(home.root) == before
    assert attempts(emulator, "refresh_token") == case.attempts


def test_the_timeout_override_is_read_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_login_bridge.signin.tokens import READ_TIMEOUT, read_timeout

    for value, expected in [("0.5", 0.5), ("30", 30.0), ("", READ_TIMEOUT),
                            ("-1", READ_TIMEOUT), ("nan", READ_TIMEOUT), ("x", READ_TIMEOUT),
                            ("1e9", READ_TIMEOUT)]:
        monkeypatch.setenv("AWS_LOGIN_BRIDGE_READ_TIMEOUT", value)
        assert read_timeout() == expected

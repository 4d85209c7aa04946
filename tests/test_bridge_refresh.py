"""credential-process when the credentials are due: refresh, many callers, dead lock holders,
and a session the service has ended. All against the emulator, the bridge as a subprocess."""

from __future__ import annotations

import functools
import json
import subprocess
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import PYTHON, AwsHome, run_cli, wait_for
from test_bridge import cache_file, check_output, login, secrets_of

from aws_login_bridge.emulator import Fault

PAST = "2020-01-01T00:00:00Z"
HINT = "aws-login-bridge login --remote --profile p"
BRIDGE = [PYTHON, "-m", "aws_login_bridge", "credential-process", "--profile", "p"]
# Takes the session's refresh lock through the engine, says so, and holds it.
LOCK_HOLDER = (
    "import sys, time; from aws_login_bridge.store.cache import refresh_lock; "
    "lock = refresh_lock(sys.argv[1]); lock.__enter__(); print('locked', flush=True); "
    "time.sleep(600)"
)


def expire(home: AwsHome) -> dict[str, object]:
    """Make the cached access credentials look expired (the refresh token stays good)."""
    path = cache_file(home)
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = PAST
    path.write_text(json.dumps(token))
    return token


@pytest.fixture
def holders() -> Iterator[list[subprocess.Popen[str]]]:
    """Subprocesses a test starts; whatever is still alive at the end is killed."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_expired_credentials_are_refreshed_and_written_back(aws_home: AwsHome, emulator) -> None:
    login()
    old = expire(aws_home)
    emulator.reset()
    first = run_cli(aws_home, "credential-process", "--profile", "p")
    printed = check_output(first, cache_file(aws_home))
    assert printed["AccessKeyId"] != old["accessToken"]["accessKeyId"]  # type: ignore[index]
    assert printed["Expiration"] > PAST
    new = json.loads(cache_file(aws_home).read_bytes())
    # As botocore rewrites it: new access token and refresh token, everything else kept.
    assert new["refreshToken"] != old["refreshToken"]
    assert {k: v for k, v in new.items() if k not in ("accessToken", "refreshToken")} == {
        k: v for k, v in old.items() if k not in ("accessToken", "refreshToken")}
    assert new["accessToken"]["accountId"] == old["accessToken"]["accountId"]  # type: ignore[index]
    # The refreshed credentials are fresh: the next call prints them without a refresh.
    second = run_cli(aws_home, "credential-process", "--profile", "p")
    assert second.stdout == first.stdout
    stats = emulator.stats()
    assert stats["token"]["refresh_token"] == 1 and stats["refresh_replays"] == 0


def test_32_concurrent_callers_cause_one_refresh(aws_home: AwsHome, emulator) -> None:
    login()
    old = expire(aws_home)
    emulator.reset()
    procs = [subprocess.Popen(BRIDGE, env=aws_home.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(32)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    stats = emulator.stats()
    assert stats["token"]["refresh_token"] == 1
    assert stats["refresh_replays"] == 0
    cache = cache_file(aws_home)
    json.loads(cache.read_bytes())  # still valid JSON
    outputs = {check_output(result, cache)["AccessKeyId"] for result in results}
    assert len(outputs) == 1
    assert outputs != {old["accessToken"]["accessKeyId"]}  # type: ignore[index]
    assert all(result.stderr == "" for result in results)


def _stalled_refresh(home: AwsHome, emulator, holders: list[subprocess.Popen[str]]) -> None:
    """A bridge process that holds the lock mid-refresh: the service answers very late."""
    emulator.add_fault(Fault(target="refresh_token", delay=60))
    proc = subprocess.Popen(BRIDGE, env=home.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    holders.append(proc)
    wait_for(lambda: emulator.stats()["token"]["refresh_token"] == 1,
             "the first caller's refresh to reach the service")


def _idle_holder(home: AwsHome, emulator, holders: list[subprocess.Popen[str]]) -> None:
    """A process that took the lock through the engine and sits on it."""
    from aws_login_bridge.profiles import login_profile

    arn = login_profile("p").login_session
    proc = subprocess.Popen([PYTHON, "-c", LOCK_HOLDER, arn], env=home.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    holders.append(proc)
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"


@pytest.mark.parametrize("holder", [_stalled_refresh, _idle_holder])
def test_a_sigkilled_lock_holder_does_not_wedge_the_next_caller(
    aws_home: AwsHome, emulator, holders: list[subprocess.Popen[str]], holder
) -> None:
    login()
    expire(aws_home)
    emulator.reset()
    holder(aws_home, emulator, holders)
    holders[0].kill()  # SIGKILL; TerminateProcess on Windows
    holders[0].wait(timeout=10)
    # Had the lock outlived its holder, this call would end in the bounded wait's error.
    result = run_cli(aws_home, "credential-process", "--profile", "p")
    printed = check_output(result, cache_file(aws_home))
    assert printed["Expiration"] > PAST


def test_a_live_holder_means_a_bounded_wait_then_a_clear_error(
    aws_home: AwsHome, emulator, holders: list[subprocess.Popen[str]],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import aws_login_bridge.refresh
    from aws_login_bridge.bridge import credential_process
    from aws_login_bridge.store import cache

    login()
    expire(aws_home)
    emulator.reset()
    _idle_holder(aws_home, emulator, holders)
    before = aws_home.snapshot()
    # The real bound (cache.LOCK_TIMEOUT) is 20 s; the behaviour at the bound is the same.
    monkeypatch.setattr(aws_login_bridge.refresh, "refresh_lock",
                        functools.partial(cache.refresh_lock, timeout=0.3))
    assert credential_process("p") == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "Another process has been refreshing this login session" in err and HINT in err
    assert err.count("\n") == 1
    assert aws_home.snapshot() == before
    assert emulator.stats()["token"]["refresh_token"] == 0


def _fault_token_expired(emulator) -> None:
    body = json.dumps({"target": "refresh_token", "status": 401,
                       "error": "TOKEN_EXPIRED"}).encode()
    request = urllib.request.Request(f"{emulator.base_url}/_emulator/faults", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def _expire_sessions(emulator) -> None:
    request = urllib.request.Request(f"{emulator.base_url}/_emulator/expire-sessions",
                                     data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@pytest.mark.parametrize("end_session", [_fault_token_expired, _expire_sessions])
def test_token_expired_asks_for_a_new_login_and_leaves_the_cache(
    aws_home: AwsHome, emulator, end_session
) -> None:
    login()
    token = expire(aws_home)
    emulator.reset()
    end_session(emulator)
    before = aws_home.snapshot()
    result = run_cli(aws_home, "credential-process", "--profile", "p")
    assert result.returncode != 0
    assert result.stdout == ""
    assert HINT in result.stderr and "session has ended" in result.stderr
    assert result.stderr.count("\n") == 1
    for secret in secrets_of(token):
        assert secret not in result.stderr
    assert aws_home.snapshot() == before  # byte for byte
    stats = emulator.stats()
    assert stats["token"]["refresh_token"] == 1  # asked once: no retries on TOKEN_EXPIRED

"""The reader's and refresher's rules, end to end: the CLI (credential-process, status) and the
helper as real subprocesses against the emulator over real HTTP. Every failure leaves the AWS
folder byte for byte as it was; every message is one line that says what to do."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, AwsHome, CliLogin, change_fields, fault, run_cli
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from test_rpc_wire import Wire

from aws_login_bridge.emulator import person
from aws_login_bridge.errors import SIGNIN_ERRORS
from aws_login_bridge.store.cache import cache_key, format_time

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"
PREFIX = "aws-login-bridge credential-process: "
HINT = "log in again: aws-login-bridge login --remote --profile p"


@pytest.fixture
def home(aws_home: AwsHome, emulator: Any) -> AwsHome:
    cli = CliLogin(aws_home, "--profile", "p", "--region", "us-east-1")
    assert cli.finish(person.sign_in(cli.url)).returncode == 0
    return aws_home


def cache_path(home: AwsHome) -> Path:
    return home.cache_dir / f"{cache_key(ARN)}.json"


def edit_cache(home: AwsHome, changes: dict[str, Any]) -> dict[str, Any]:
    """Change the cache file's fields (see change_fields), return its new JSON."""
    path = cache_path(home)
    token = change_fields(json.loads(path.read_text()), changes)
    path.write_text(json.dumps(token))
    return token


def expires_in(seconds: float) -> str:
    return format_time(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds))


def token_calls(emulator: Any) -> int:
    return int(emulator.stats()["token"].get("refresh_token", 0))


def credential_process(home: AwsHome, **extra_env: str) -> subprocess.CompletedProcess[str]:
    return run_cli(AwsHome(home.root, dict(home.env, **extra_env)),
                   "credential-process", "--profile", "p")


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1, stderr
    return stderr.rstrip("\n")


# -- a damaged cache ----------------------------------------------------------------------

FIELDS = ["accessToken.accessKeyId", "accessToken.secretAccessKey",
          "accessToken.sessionToken", "accessToken.accountId", "accessToken.expiresAt",
          "clientId", "refreshToken", "dpopKey"]


@pytest.mark.parametrize("how", ["missing", "empty"])
@pytest.mark.parametrize("name", FIELDS)
def test_a_missing_or_empty_field_is_a_damaged_cache(home: AwsHome, emulator: Any, name: str,
                                                     how: str) -> None:
    edit_cache(home, {name: None if how == "missing" else ""})
    before, calls = home.snapshot(), token_calls(emulator)
    done = credential_process(home)
    field = name
    assert (done.returncode, done.stdout) == (1, "")
    assert one_line(done.stderr) == (
        f"{PREFIX}The login cache file {cache_path(home)} is damaged (no {field}); {HINT}")
    status = run_cli(home, "status", "--profile", "p")
    assert f"problem (CacheMissing): The login cache file {cache_path(home)} is damaged " \
           f"(no {field}); {HINT}" in status.stdout
    assert token_calls(emulator) == calls  # no network call
    assert home.snapshot() == before


# -- passing failures -----------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


PASSING = {
    "5xx": ({"target": "refresh_token", "status": 503, "count": 3}, {},
            SIGNIN_ERRORS["server_error"].sentence),
    "connection reset": ({"target": "refresh_token", "mode": "reset", "count": 3}, {},
                         "AWS Sign-In could not be reached"),
    "timeout": ({"target": "refresh_token", "delay": 5, "count": 3},
                {"AWS_LOGIN_BRIDGE_READ_TIMEOUT": "0.5"},
                "AWS Sign-In did not answer within 0.5 seconds."),
    "connection refused": (None, {}, "AWS Sign-In could not be reached"),
}


def arm(emulator: Any, home: AwsHome, case: str) -> dict[str, str]:
    spec, env, _ = PASSING[case]
    if spec is None:
        return {**env, "AWS_ENDPOINT_URL_SIGNIN": f"http://127.0.0.1:{closed_port()}"}
    fault(emulator, **spec)
    return env


@pytest.mark.parametrize("case", list(PASSING))
def test_a_passing_failure_hands_back_credentials_still_valid(home: AwsHome, emulator: Any,
                                                              case: str) -> None:
    until = expires_in(120)  # inside the 5-minute window: a refresh is due
    old = edit_cache(home, {"accessToken.expiresAt": until})["accessToken"]
    before = home.snapshot()
    env = arm(emulator, home, case)
    done = credential_process(home, **env)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert (printed["AccessKeyId"], printed["Expiration"]) == (old["accessKeyId"], until)
    line = one_line(done.stderr)
    assert line.startswith(
        f"{PREFIX}warning: Could not refresh the credentials, so the cached ones are used "
        f"until they expire at {until}: ")
    assert PASSING[case][2] in line
    assert home.snapshot() == before


@pytest.mark.parametrize("case", list(PASSING))
def test_a_passing_failure_fails_once_the_credentials_have_expired(home: AwsHome,
                                                                   emulator: Any,
                                                                   case: str) -> None:
    edit_cache(home, {"accessToken.expiresAt": expires_in(-60)})
    before = home.snapshot()
    done = credential_process(home, **arm(emulator, home, case))
    assert (done.returncode, done.stdout) == (1, "")
    line = one_line(done.stderr)
    assert PASSING[case][2] in line and "aws-login-bridge login --remote --profile p" in line
    assert home.snapshot() == before


def test_status_and_the_helper_report_the_failed_refresh(home: AwsHome, emulator: Any) -> None:
    until = expires_in(120)
    edit_cache(home, {"accessToken.expiresAt": until})
    before = home.snapshot()
    fault(emulator, target="refresh_token", status=500, count=6)
    status = run_cli(home, "status", "--profile", "p")
    assert status.returncode == 0
    assert (f"problem (RefreshFailed): Could not refresh the credentials, so the cached ones "
            f"are used until they expire at {until}: "
            f"{SIGNIN_ERRORS['server_error'].sentence}") in status.stdout
    helper = Wire(home.env)
    try:
        helper.initialize()
        answer = helper.request("awsLogin/status", {"profile": "p"})
    finally:
        helper.close()
    kinds = {p["kind"]: p["message"] for p in answer["problems"]}
    assert "RefreshFailed" in kinds and until in kinds["RefreshFailed"]
    assert answer["expiresAt"] == until
    assert home.snapshot() == before


def test_a_status_reads_the_cache_file_once_and_refreshes_from_that_read(
        home: AwsHome, emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from aws_login_bridge.diagnose import profile_status
    from aws_login_bridge.store import cache

    reads: list[str] = []
    read = cache.read_cache

    def counted(login_session: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(login_session)
        return read(login_session, *args, **kwargs)

    for module in list(sys.modules.values()):  # wherever the engine imported it by name
        if vars(module).get("read_cache") is read:
            monkeypatch.setattr(module, "read_cache", counted)
    until = expires_in(120)
    edit_cache(home, {"accessToken.expiresAt": until})
    calls = token_calls(emulator)
    status = profile_status("p")
    assert (token_calls(emulator), status.problems) == (calls + 1, [])
    assert status.expiresAt is not None and status.expiresAt > until
    # Once to decide, once more under the refresh lock: another process may have just
    # refreshed (refresh.fresh_credentials); never a second read before the lock.
    assert reads == [ARN, ARN]
    reads.clear()
    assert profile_status("p").expiresAt == status.expiresAt
    assert reads == [ARN]


# -- refusals that are final ----------------------------------------------------------------

FINAL = {code: (status, SIGNIN_ERRORS[code].sentence) for code, status in (
    ("TOKEN_EXPIRED", 401), ("USER_CREDENTIALS_CHANGED", 403), ("INSUFFICIENT_PERMISSIONS", 403))}


@pytest.mark.parametrize("code", list(FINAL))
def test_final_refusals_fail_at_once_even_with_valid_credentials(home: AwsHome, emulator: Any,
                                                                 code: str) -> None:
    edit_cache(home, {"accessToken.expiresAt": expires_in(120)})
    before, calls = home.snapshot(), token_calls(emulator)
    status, message = FINAL[code]
    fault(emulator, target="refresh_token", status=status, error=code)
    done = credential_process(home)
    assert (done.returncode, done.stdout) == (1, "")
    line = one_line(done.stderr)
    assert line.startswith(PREFIX + message)
    assert line.endswith("aws-login-bridge login --remote --profile p")
    assert token_calls(emulator) == calls + 1  # no retry
    assert home.snapshot() == before


# -- the refresh works but the cache cannot be written --------------------------------------


def _small_files() -> None:  # pragma: no cover - runs in the child before exec
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death, as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))


@pytest.mark.posix
def test_new_credentials_are_handed_out_when_the_cache_cannot_be_written(
        home: AwsHome, emulator: Any) -> None:
    old = edit_cache(home, {"accessToken.expiresAt": expires_in(-60)})["accessToken"]
    before = home.snapshot()
    done = subprocess.run(
        [PYTHON, "-m", "aws_login_bridge", "credential-process", "--profile", "p"],
        env=home.env, capture_output=True, text=True, timeout=60, check=False,
        preexec_fn=_small_files,
    )
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["AccessKeyId"] != old["accessKeyId"]
    assert printed["Expiration"] > format_time(dt.datetime.now(dt.timezone.utc))
    assert one_line(done.stderr) == (
        f"{PREFIX}warning: The credentials were refreshed but could not be saved: Cannot "
        f"write the login cache in {home.cache_dir} (File too large). Make it writable, or "
        "set AWS_LOGIN_CACHE_DIRECTORY to a writable folder. Until then the next refresh may "
        "ask you to log in again.")
    assert token_calls(emulator) == 1
    assert home.snapshot() == before  # the old file as it was, no temp file left
    # The new credentials really work: STS accepts them.
    probe = subprocess.run(
        [PYTHON, "-c", "import boto3, json, sys; c = json.loads(sys.argv[1]); "
         "print(boto3.client('sts', region_name='us-east-1', aws_access_key_id=c['AccessKeyId'],"
         " aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])"
         ".get_caller_identity()['Account'])", done.stdout],
        env=home.env, capture_output=True, text=True, timeout=60, check=False)
    assert probe.stdout.strip() == "123456789012", probe.stderr


# -- what the cache may hold ----------------------------------------------------------------


@pytest.mark.parametrize("stamp", ["{}Z", "{}+00:00", "{}.250Z", "{}.123456789Z",
                                   "{}.000000001+00:00"])
def test_every_timestamp_form_is_read(home: AwsHome, emulator: Any, stamp: str) -> None:
    fresh = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%S")
    edit_cache(home, {"accessToken.expiresAt": stamp.format(fresh)})
    done = credential_process(home)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Expiration"] == fresh + "Z"
    assert token_calls(emulator) == 0
    stale = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%S")
    edit_cache(home, {"accessToken.expiresAt": stamp.format(stale)})
    done = credential_process(home)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["Expiration"] > format_time(  # refreshed
        dt.datetime.now(dt.timezone.utc))
    assert token_calls(emulator) == 1


def test_a_pkcs8_dpop_key_refreshes_and_is_kept(home: AwsHome, emulator: Any) -> None:
    sec1 = json.loads(cache_path(home).read_text())["dpopKey"]
    key = serialization.load_pem_private_key(sec1.encode(), password=None)
    pkcs8 = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    edit_cache(home, {"dpopKey": pkcs8, "accessToken.expiresAt": expires_in(-60)})
    done = credential_process(home)
    assert done.returncode == 0, done.stderr
    assert token_calls(emulator) == 1  # the emulator checked the proof against the bound key
    assert json.loads(cache_path(home).read_text())["dpopKey"] == pkcs8


def test_a_dpop_key_on_another_curve_is_refused_before_any_call(home: AwsHome,
                                                                emulator: Any) -> None:
    p384 = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode()
    edit_cache(home, {"dpopKey": p384, "accessToken.expiresAt": expires_in(-60)})
    before = home.snapshot()
    done = credential_process(home)
    assert (done.returncode, done.stdout) == (1, "")
    assert one_line(done.stderr) == (
        f"{PREFIX}The login cache file {cache_path(home)} is damaged (DPoP keys must be on "
        f"the P-256 curve); {HINT}")
    assert token_calls(emulator) == 0
    assert home.snapshot() == before


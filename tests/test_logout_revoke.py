"""Logout revokes the refresh token (RevokeOAuth2TokenWithIAM), over real HTTP.

A copy of the cache file taken before the logout (a backup, a synced folder) is put back
afterwards: once revoked it can no longer refresh, through the real credential-process.
A revoke that is refused or cannot reach the service still logs out, exits 0 and says in
one line that the token stays valid until the console session ends.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, AwsHome, fault, run_cli
from test_rpc_wire import Wire, wire  # noqa: F401 - `wire` is a fixture

from aws_login_bridge.emulator import person

NOT_REVOKED = "not revoked"


def login(profile: str = "p") -> Path:
    """Log ``profile`` in through the engine in-process (quicker than the CLI); its file."""
    from aws_login_bridge.login import complete_login, start_login
    from aws_login_bridge.store.cache import cache_path

    pending = start_login(profile, region="us-east-1")
    try:
        result = complete_login(pending, person.sign_in(pending.authorize_url))
    finally:
        pending.close()
    return cache_path(result.login_session)


def session_end(saved: bytes) -> str:
    """The console session's end as the file tells it: its idToken's iat plus 12 hours."""
    body = json.loads(saved)["idToken"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    ends = dt.datetime.fromtimestamp(claims["iat"], dt.timezone.utc) + dt.timedelta(hours=12)
    return ends.strftime("%Y-%m-%dT%H:%M:%SZ")


def secrets_in(saved: bytes) -> list[str]:
    token = json.loads(saved)
    access = token["accessToken"]
    return [token["refreshToken"], token["idToken"], access["secretAccessKey"],
            access["sessionToken"], *[line for line in token["dpopKey"].splitlines()
                                      if "-----" not in line and line]]


def put_back_expired(path: Path, saved: bytes) -> bytes:
    """The saved copy back in place with its credentials expired, so that using it has to
    refresh; returns the bytes written."""
    token = json.loads(saved)
    token["accessToken"]["expiresAt"] = "2001-01-01T00:00:00Z"
    data = json.dumps(token).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return data


def credential_process(home: AwsHome, profile: str = "p") -> subprocess.CompletedProcess[str]:
    return run_cli(home, "credential-process", "--profile", profile)


def revokes(emulator: Any) -> tuple[int, int]:
    stats = emulator.stats()
    return stats["revoke"], stats["revoke_ok"]


def assert_quiet(out: subprocess.CompletedProcess[str], saved: bytes) -> None:
    for secret in secrets_in(saved):
        assert secret not in out.stdout and secret not in out.stderr


def test_logout_revokes_so_a_saved_copy_cannot_refresh(aws_home: AwsHome,
                                                        emulator: Any) -> None:
    path = login()
    saved = path.read_bytes()

    out = run_cli(aws_home, "logout", "--profile", "p")
    assert out.returncode == 0, out.stderr
    assert "Logged out of profile 'p'" in out.stdout
    assert out.stderr == ""  # revoked: nothing to warn about
    assert not path.exists()
    assert revokes(emulator) == (1, 1)
    assert_quiet(out, saved)

    copy = put_back_expired(path, saved)
    refused = credential_process(aws_home)
    assert refused.returncode != 0 and refused.stdout == ""
    assert "login session has ended" in refused.stderr
    assert "log in again" in refused.stderr.lower()
    assert emulator.stats()["token_errors"] == {"TOKEN_EXPIRED": 1}
    assert path.read_bytes() == copy  # a refused refresh leaves the file byte for byte
    assert_quiet(refused, saved)


def test_logout_with_expired_credentials_refreshes_then_revokes(aws_home: AwsHome,
                                                                 emulator: Any) -> None:
    # Expired keys cannot sign the revoke: the session is refreshed first, and the new
    # refresh token (the chain's live end) is the one revoked.
    path = login()
    saved = put_back_expired(path, path.read_bytes())

    out = run_cli(aws_home, "logout", "--profile", "p")
    assert out.returncode == 0 and out.stderr == "", out.stderr
    stats = emulator.stats()
    assert stats["token_ok"]["refresh_token"] == 1 and revokes(emulator) == (1, 1)
    assert not path.exists()

    put_back_expired(path, saved)
    refused = credential_process(aws_home)
    assert refused.returncode != 0 and "login session has ended" in refused.stderr


def test_logout_all_revokes_every_session(aws_home: AwsHome, emulator: Any) -> None:
    # Two sessions of the emulator's one identity: the first file is moved to the name of
    # another session's file, so two files hold two distinct refresh-token chains.
    first = login("a")
    moved = first.with_name("0" * 64 + ".json")
    first.rename(moved)
    second = login("b")
    saved = {moved: moved.read_bytes(), second: second.read_bytes()}

    out = run_cli(aws_home, "logout", "--all")
    assert out.returncode == 0, out.stderr
    assert "Removed 2 cached login session(s)." in out.stdout and out.stderr == ""
    assert revokes(emulator) == (2, 2)
    assert not list(aws_home.cache_dir.glob("*.json"))
    for data in saved.values():
        assert_quiet(out, data)

    put_back_expired(second, saved[second])
    assert credential_process(aws_home, "b").returncode != 0


def test_no_revoke_only_deletes_and_the_copy_still_refreshes(aws_home: AwsHome,
                                                             emulator: Any) -> None:
    path = login()
    saved = path.read_bytes()

    out = run_cli(aws_home, "logout", "--profile", "p", "--no-revoke")
    assert out.returncode == 0, out.stderr
    assert not path.exists()
    assert revokes(emulator) == (0, 0)
    (line,) = out.stderr.splitlines()
    assert NOT_REVOKED in line and "--no-revoke" in line and session_end(saved) in line

    put_back_expired(path, saved)
    refreshed = credential_process(aws_home)
    assert refreshed.returncode == 0, refreshed.stderr
    assert json.loads(refreshed.stdout)["AccessKeyId"]


@pytest.mark.parametrize("failure", ["refused", "unreachable"])
def test_a_failed_revoke_still_logs_out_and_says_until_when(
        aws_home: AwsHome, emulator: Any, failure: str) -> None:
    path = login()
    saved = path.read_bytes()
    config = aws_home.config.read_bytes()
    if failure == "refused":
        fault(emulator, target="revoke", status=500, count=5)
        env = aws_home.env
        reason = "AWS Sign-In failed (HTTP 500)"
    else:
        with socket.socket() as probe:  # a port nothing listens on
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**aws_home.env, "AWS_ENDPOINT_URL_SIGNIN": f"http://127.0.0.1:{port}"}
        reason = "AWS Sign-In could not be reached"

    out = subprocess.run([PYTHON, "-m", "aws_login_bridge", "logout", "--profile", "p"],
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    assert "Logged out of profile 'p'" in out.stdout
    assert not path.exists() and not list(aws_home.cache_dir.glob("*.json"))
    assert aws_home.config.read_bytes() == config
    (line,) = out.stderr.splitlines()
    assert NOT_REVOKED in line and reason in line and session_end(saved) in line
    assert_quiet(out, saved)
    assert revokes(emulator)[1] == 0

    # Not revoked indeed: the copy still refreshes.
    put_back_expired(path, saved)
    assert credential_process(aws_home).returncode == 0


def test_the_helpers_logout_says_whether_it_revoked(
        wire: Wire, aws_home: AwsHome, emulator: Any) -> None:  # noqa: F811
    path = login()
    wire.secrets |= set(secrets_in(path.read_bytes()))
    assert wire.request("awsLogin/logout", {"profile": "p"}) == {
        "removed": 1, "alsoLoggedOut": [], "revoked": True, "revokeProblem": None}
    assert revokes(emulator) == (1, 1)

    path = login()
    saved = path.read_bytes()
    wire.secrets |= set(secrets_in(saved))
    fault(emulator, target="revoke", status=429, count=5)
    result = wire.request("awsLogin/logout", {"profile": "p"})
    assert (result["removed"], result["revoked"]) == (1, False)
    problem = result["revokeProblem"]
    assert NOT_REVOKED in problem and "throttling" in problem
    assert session_end(saved) in problem and "\n" not in problem
    assert not path.exists()


def test_the_emulator_revokes_only_with_the_sessions_own_signed_keys(
        aws_home: AwsHome, emulator: Any) -> None:
    import botocore.session
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import ClientError

    first = login("a")
    first_saved = first.read_bytes()
    first.rename(first.with_name("0" * 64 + ".json"))
    second = login("b")
    a, b = json.loads(first_saved), json.loads(second.read_bytes())

    def client(token: dict[str, Any] | None) -> Any:
        keys = ({} if token is None else {
            "aws_access_key_id": token["accessToken"]["accessKeyId"],
            "aws_secret_access_key": token["accessToken"]["secretAccessKey"],
            "aws_session_token": token["accessToken"]["sessionToken"]})
        config = Config(signature_version=UNSIGNED) if token is None else None
        return botocore.session.Session().create_client(
            "signin", region_name="us-east-1", endpoint_url=emulator.base_url, config=config,
            **keys)

    # Unsigned: refused before the body is looked at.
    with pytest.raises(ClientError) as unsigned:
        client(None).revoke_oauth2_token_with_iam(token=b["refreshToken"])
    assert unsigned.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
    # Keys of session a, token of session b: 200 as RFC 7009 wants, but nothing revoked.
    client(a).revoke_oauth2_token_with_iam(token=b["refreshToken"])
    client(a).revoke_oauth2_token_with_iam(token="ASOR-unknown")
    assert emulator.stats()["revoke_ok"] == 0
    assert revokes(emulator) == (3, 0) and emulator.stats()["revoke_ignored"] == 2
    put_back_expired(second, second.read_bytes())
    assert credential_process(aws_home, "b").returncode == 0
    # b's own keys (now refreshed) revoke b's chain; a second revoke is a 200 no-op.
    b = json.loads(second.read_bytes())
    client(b).revoke_oauth2_token_with_iam(token=b["refreshToken"])
    client(b).revoke_oauth2_token_with_iam(token=b["refreshToken"])
    assert emulator.stats()["revoke_ok"] == 1
    put_back_expired(second, second.read_bytes())
    assert credential_process(aws_home, "b").returncode != 0

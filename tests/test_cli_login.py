"""The CLI against the running emulator, as a subprocess, over real HTTP."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import signal
import socket
import stat
import subprocess
import time
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import PYTHON, AwsHome, CliLogin, fault, run_cli

from aws_login_bridge.emulator import person

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"
OTHER_ARN = "arn:aws:sts::123456789012:assumed-role/Other/someone-else"
BOTO3_PROBE = (
    "import json, boto3; s = boto3.Session(profile_name='{p}'); c = s.get_credentials(); "
    "i = s.client('sts').get_caller_identity(); "
    "print(json.dumps({{'method': c.method, 'arn': i['Arn']}}))"
)


def login(home: AwsHome, profile: str = "p", *extra: str) -> subprocess.CompletedProcess[str]:
    cli = CliLogin(home, "--profile", profile, "--region", "us-east-1", *extra)
    assert cli.url, "the CLI printed no URL"
    return cli.finish(person.sign_in(cli.url))


def boto3_probe(home: AwsHome, profile: str = "p") -> dict[str, str]:
    out = subprocess.run([PYTHON, "-c", BOTO3_PROBE.format(p=profile)], env=home.env,
                         capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)




def cache_file(home: AwsHome, arn: str = ARN):
    return home.cache_dir / (hashlib.sha256(arn.encode()).hexdigest() + ".json")


def test_remote_login_writes_what_botocore_reads_and_refreshes(
    aws_home: AwsHome, emulator: object
) -> None:
    result = login(aws_home)
    assert result.returncode == 0, result.stderr
    assert ARN in result.stdout
    assert aws_home.config.read_text() == (
        f"[profile p]\nlogin_session = {ARN}\nregion = us-east-1\n"
    )
    path = cache_file(aws_home)
    token = json.loads(path.read_text())
    assert list(token) == ["accessToken", "tokenType", "clientId", "refreshToken", "idToken",
                           "dpopKey", "signInRegion"]
    assert list(token["accessToken"]) == ["accessKeyId", "secretAccessKey", "sessionToken",
                                          "accountId", "expiresAt"]
    assert token["clientId"] == "arn:aws:signin:::devtools/cross-device"
    assert token["tokenType"] == "aws_sigv4"
    assert token["accessToken"]["accountId"] == "123456789012"
    assert token["dpopKey"].startswith("-----BEGIN EC PRIVATE KEY-----\n")
    assert token["dpopKey"].endswith("-----END EC PRIVATE KEY-----\n")
    assert all(len(line) <= 64 for line in token["dpopKey"].splitlines())
    expires = dt.datetime.strptime(token["accessToken"]["expiresAt"], "%Y-%m-%dT%H:%M:%SZ")
    assert 800 < (expires.replace(tzinfo=dt.timezone.utc)
                  - dt.datetime.now(dt.timezone.utc)).total_seconds() <= 900
    if os.name == "posix":  # Windows: the inherited ACL (docs/platforms.md)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    # no secret on the terminal
    for secret in (token["accessToken"]["secretAccessKey"], token["refreshToken"],
                   token["accessToken"]["sessionToken"]):
        assert secret not in result.stdout + result.stderr

    assert boto3_probe(aws_home) == {"method": "login", "arn": ARN}

    token["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(token))
    before = emulator.stats()["token"]["refresh_token"]  # type: ignore[attr-defined]
    assert boto3_probe(aws_home) == {"method": "login", "arn": ARN}
    assert emulator.stats()["token"]["refresh_token"] == before + 1  # type: ignore[attr-defined]
    refreshed = json.loads(path.read_text())
    assert refreshed["accessToken"]["expiresAt"] > "2025"
    assert refreshed["refreshToken"] != token["refreshToken"]
    assert refreshed["dpopKey"] == token["dpopKey"]


def test_same_device_login_through_the_loopback_callback(aws_home: AwsHome) -> None:
    proc = subprocess.Popen(
        [PYTHON, "-m", "aws_login_bridge", "login", "--profile", "sd", "--region",
         "eu-west-1", "--no-browser"],
        env=aws_home.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    said = []
    for line in proc.stdout:
        said.append(line)
        if line.startswith("http"):
            break
    url = said[-1].strip()
    # --no-browser: no browser opens, and the CLI does not claim one does.
    assert said[0] == "Open this URL in a browser on this machine to sign in:\n"
    assert not any("Opening" in line for line in said)
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A" in url
    assert "devtools%2Fsame-device" in url
    assert person.sign_in(url) is None
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    token = json.loads(cache_file(aws_home).read_text())
    assert token["clientId"] == "arn:aws:signin:::devtools/same-device"
    assert "region = eu-west-1" in aws_home.config.read_text()
    assert boto3_probe(aws_home, "sd")["method"] == "login"


RICH_CONFIG = """# keep me
[default]
region = eu-central-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[profile p]
; dev account
output = json

[services emu]
sts =
  endpoint_url = http://127.0.0.1:1
"""


def test_login_into_rich_config_changes_only_intended_lines_and_relogin_is_idempotent(
    aws_home: AwsHome,
) -> None:
    aws_home.config.write_text(RICH_CONFIG)
    assert login(aws_home).returncode == 0
    expected = RICH_CONFIG.replace(
        "output = json\n", f"output = json\nlogin_session = {ARN}\nregion = us-east-1\n"
    )
    assert aws_home.config.read_text() == expected
    assert login(aws_home).returncode == 0
    assert aws_home.config.read_text() == expected


def test_region_is_prompted_and_saved(aws_home: AwsHome) -> None:
    proc = subprocess.Popen(
        [PYTHON, "-m", "aws_login_bridge", "login", "--remote", "--profile", "r"],
        env=aws_home.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("\n")
    proc.stdin.flush()
    url = next(line.strip() for line in proc.stdout if line.startswith("http"))
    _, err = proc.communicate(person.sign_in(url) + "\n", timeout=60)
    assert proc.returncode == 0, err
    assert "region = us-east-1" in aws_home.config.read_text()


def test_a_different_session_asks_before_replacing(aws_home: AwsHome) -> None:
    original = f"[profile p]\nlogin_session = {OTHER_ARN}\nregion = us-east-1\n"
    aws_home.config.write_text(original)
    cli = CliLogin(aws_home, "--profile", "p")
    declined = cli.finish(person.sign_in(cli.url), "n")
    assert declined.returncode == 1
    assert OTHER_ARN in declined.stderr and "Nothing was changed" in declined.stderr
    assert aws_home.snapshot() == {"config": original.encode()}

    cli = CliLogin(aws_home, "--profile", "p")
    accepted = cli.finish(person.sign_in(cli.url), "y")
    assert accepted.returncode == 0, accepted.stderr
    assert f"login_session = {ARN}" in aws_home.config.read_text()

    aws_home.config.write_text(original)
    assert login(aws_home, "p", "--yes").returncode == 0
    assert f"login_session = {ARN}" in aws_home.config.read_text()


@pytest.mark.parametrize(
    ("style", "line"),
    [
        ("aws_access_key_id", "aws_access_key_id = AKIAEXAMPLE"),
        ("sso_session", "sso_session = corp"),
        ("role_arn", "role_arn = arn:aws:iam::123456789012:role/x"),
        ("credential_process", "credential_process = /bin/true"),
        ("web_identity_token_file", "web_identity_token_file = /tmp/t"),
    ],
)
def test_profile_with_other_credentials_is_refused(aws_home: AwsHome, style: str,
                                                   line: str) -> None:
    aws_home.config.write_text(f"[profile k]\n{line}\nregion = us-east-1\n")
    before = aws_home.snapshot()
    result = run_cli(aws_home, "login", "--remote", "--profile", "k")
    assert result.returncode == 1
    assert style in result.stderr and "'k-login'" in result.stderr
    assert result.stdout == ""
    assert aws_home.snapshot() == before


def _expect_failure_and_nothing_written(home: AwsHome, result, *words: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode != 0
    for word in words:
        assert word in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_codes_are_rejected_until_the_tries_run_out(aws_home: AwsHome) -> None:
    aws_home.config.write_text("[default]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    cli = CliLogin(aws_home)
    result = cli.finish("not base64!!", "Y29kZT1vbmx5", "", "%%%", "\u2603" * 10)
    _expect_failure_and_nothing_written(aws_home, result, "not a verification code",
                                        "incomplete", "No verification code")
    assert aws_home.snapshot() == before


def test_truncated_code_then_the_right_one(aws_home: AwsHome) -> None:
    cli = CliLogin(aws_home, "--profile", "t", "--region", "us-east-1")
    code = person.sign_in(cli.url)
    result = cli.finish(code[: len(code) // 2], code)
    assert result.returncode == 0, result.stderr
    assert "damaged" in result.stderr or "not a verification code" in result.stderr \
        or "incomplete" in result.stderr


def test_code_of_another_login_is_a_state_mismatch(aws_home: AwsHome) -> None:
    first = CliLogin(aws_home, "--profile", "a", "--region", "us-east-1")
    second = CliLogin(aws_home, "--profile", "b", "--region", "us-east-1")
    other_code = person.sign_in(second.url)
    result = first.finish(other_code)
    _expect_failure_and_nothing_written(aws_home, result, "different sign-in attempt")
    second.proc.kill()
    second.proc.wait()
    assert aws_home.snapshot() == {}


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({"target": "authorization_code", "status": 401, "error": "AUTHCODE_EXPIRED"},
         ["expired or was already used"]),
        ({"target": "authorization_code", "status": 403, "error": "INSUFFICIENT_PERMISSIONS"},
         ["SignInLocalDevelopmentAccess"]),
        ({"target": "authorization_code", "status": 500, "error": "server_error", "count": 3},
         ["(server_error)"]),
        ({"target": "authorization_code", "mode": "garbage", "count": 3},
         ["without the credentials"]),
        ({"target": "authorization_code", "mode": "missing-fields"}, ["without the credentials"]),
        ({"target": "authorization_code", "mode": "bad-idtoken"}, ["identity token"]),
        ({"target": "authorization_code", "mode": "idtoken-no-sub"}, ["identity token"]),
        ({"target": "authorization_code", "mode": "reset", "count": 3}, ["could not be reached"]),
    ],
)
def test_service_faults_leave_nothing_behind(aws_home: AwsHome, emulator: object,
                                             spec: dict[str, object], words: list[str]) -> None:
    aws_home.config.write_text("[profile f]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    cli = CliLogin(aws_home, "--profile", "f")
    code = person.sign_in(cli.url)
    fault(emulator, **spec)
    result = cli.finish(code)
    _expect_failure_and_nothing_written(aws_home, result, *words)
    assert aws_home.snapshot() == before


def test_throttling_is_retried(aws_home: AwsHome, emulator: object) -> None:
    cli = CliLogin(aws_home, "--profile", "f", "--region", "us-east-1")
    code = person.sign_in(cli.url)
    fault(emulator, target="authorization_code", status=429, retryAfter=1, count=1)
    result = cli.finish(code)
    assert result.returncode == 0, result.stderr
    assert emulator.stats()["token"]["authorization_code"] == 2  # type: ignore[attr-defined]


def test_endpoint_down_is_a_network_error(aws_home: AwsHome) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cli = CliLogin(aws_home, "--profile", "d", "--region", "us-east-1",
                   "--endpoint-url", f"http://127.0.0.1:{port}")
    state = parse_qs(urlsplit(cli.url).query)["state"][0]
    result = cli.finish(base64.b64encode(f"code=abc&state={state}".encode()).decode())
    _expect_failure_and_nothing_written(aws_home, result, "could not be reached")
    assert aws_home.snapshot() == {}


def test_unknown_region_and_bad_endpoint(aws_home: AwsHome) -> None:
    result = run_cli(aws_home, "login", "--remote", "--region", "mars-north-1")
    _expect_failure_and_nothing_written(aws_home, result, "The region is not one AWS knows")
    result = run_cli(aws_home, "login", "--remote", "--region", "us-east-1",
                     "--endpoint-url", "ftp://x")
    _expect_failure_and_nothing_written(aws_home, result, "endpoint URL")
    assert aws_home.snapshot() == {}


def test_broken_and_unreadable_config(aws_home: AwsHome) -> None:
    aws_home.config.write_text("region = us-east-1\n[default]\n")
    before = aws_home.snapshot()
    result = run_cli(aws_home, "login", "--remote", "--region", "us-east-1")
    _expect_failure_and_nothing_written(aws_home, result, "cannot be parsed", "line 1")
    assert aws_home.snapshot() == before
    aws_home.config.unlink()
    aws_home.config.mkdir()
    result = run_cli(aws_home, "login", "--remote", "--region", "us-east-1")
    _expect_failure_and_nothing_written(aws_home, result, "it is a folder, not a regular file")


def test_unwritable_config_rolls_the_cache_back(aws_home: AwsHome) -> None:
    blocker = aws_home.root / "not-a-dir"
    blocker.write_text("x")
    env = dict(aws_home.env, AWS_CONFIG_FILE=str(blocker / "config"))
    home = AwsHome(aws_home.root, env)
    before = home.snapshot()
    cli = CliLogin(home, "--profile", "w", "--region", "us-east-1")
    result = cli.finish(person.sign_in(cli.url))
    _expect_failure_and_nothing_written(home, result, "Cannot write")
    assert home.snapshot() == before
    assert not list(home.cache_dir.glob("*.json"))


@pytest.mark.posix  # SIGINT to another process; Windows has only CTRL_C_EVENT to a group
def test_ctrl_c_at_the_prompt_writes_nothing(aws_home: AwsHome) -> None:
    cli = CliLogin(aws_home, "--profile", "c", "--region", "us-east-1")
    person.sign_in(cli.url)
    time.sleep(0.3)  # let the CLI reach input(); the signal is what is under test
    cli.proc.send_signal(signal.SIGINT)
    _, err = cli.proc.communicate(timeout=30)
    assert cli.proc.returncode == 130
    assert "nothing was written" in err
    assert aws_home.snapshot() == {}


def test_status_whoami_logout(aws_home: AwsHome) -> None:
    assert login(aws_home).returncode == 0
    status = json.loads(run_cli(aws_home, "status", "--profile", "p", "--json").stdout)
    assert status["credentialSource"] == "login"
    assert status["loginSession"] == ARN and status["accountId"] == "123456789012"
    assert status["problems"] == []
    table = run_cli(aws_home, "status", "--profile", "p").stdout
    assert "login" in table and ARN in table

    env_keys = dict(aws_home.env, AWS_ACCESS_KEY_ID="AKIAENVKEY", AWS_SECRET_ACCESS_KEY="x")
    status = json.loads(run_cli(AwsHome(aws_home.root, env_keys), "status", "--profile", "p",
                                "--json").stdout)
    assert status["credentialSource"] == "env"
    assert [p["kind"] for p in status["problems"]] == ["EnvKeysWin"]

    aws_home.credentials.write_text("[p]\naws_access_key_id = AKIAFILE\n"
                                    "aws_secret_access_key = y\n")
    status = json.loads(run_cli(aws_home, "status", "--profile", "p", "--json").stdout)
    assert status["credentialSource"] == "shared-credentials-file"
    assert "SharedCredentialsWin" in [p["kind"] for p in status["problems"]]
    aws_home.credentials.unlink()

    who = run_cli(aws_home, "whoami", "--profile", "p")
    assert who.returncode == 0 and json.loads(who.stdout)["Arn"] == ARN

    config_before = aws_home.config.read_bytes()
    out = run_cli(aws_home, "logout", "--profile", "p")
    assert out.returncode == 0 and not cache_file(aws_home).exists()
    assert aws_home.config.read_bytes() == config_before
    status = json.loads(run_cli(aws_home, "status", "--profile", "p", "--json").stdout)
    assert "CacheMissing" in [p["kind"] for p in status["problems"]]
    who = run_cli(aws_home, "whoami", "--profile", "p")
    assert who.returncode == 1 and "log in again" in who.stderr.lower()


def test_logout_all_removes_only_login_cache_files(aws_home: AwsHome) -> None:
    assert login(aws_home, "a").returncode == 0
    stray = aws_home.cache_dir / "notes.json"
    stray.write_text('{"hello": 1}')
    out = run_cli(aws_home, "logout", "--all")
    assert out.returncode == 0 and "Removed 1" in out.stdout
    assert [p.name for p in aws_home.cache_dir.glob("*.json")] == ["notes.json"]


@pytest.mark.posix
def test_permissive_umask_still_gives_private_files(aws_home: AwsHome) -> None:
    old = os.umask(0)
    try:
        cli = CliLogin(aws_home, "--profile", "u", "--region", "us-east-1")
        result = cli.finish(person.sign_in(cli.url))
    finally:
        os.umask(old)
    assert result.returncode == 0
    assert stat.S_IMODE(cache_file(aws_home).stat().st_mode) == 0o600
    assert stat.S_IMODE(aws_home.cache_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(aws_home.config.stat().st_mode) == 0o600


def test_slow_endpoint_times_out_within_bounds(aws_home: AwsHome, emulator: object) -> None:
    cli = CliLogin(aws_home, "--profile", "s", "--region", "us-east-1")
    code = person.sign_in(cli.url)
    fault(emulator, target="authorization_code", mode="delay", delay=17)
    started = time.monotonic()
    result = cli.finish(code, timeout=60)
    _expect_failure_and_nothing_written(aws_home, result, "did not answer within 15 seconds")
    assert time.monotonic() - started < 40  # one attempt: a lost answer may have used the code
    assert aws_home.snapshot() == {}


def test_emulator_command_serves_and_passes_its_options_through(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([PYTHON, "-m", "aws_login_bridge", "emulator", "--port", "0",
                             "--quiet", "--account-id", "210987654321", "--arn",
                             "arn:aws:iam::210987654321:user/alice"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("emulator listening on http://127.0.0.1:")
        base = line.split()[3]  # "emulator listening on URL (...)"
        with urllib.request.urlopen(base + "/_emulator/health", timeout=5) as answer:
            assert answer.status == 200
    finally:
        proc.terminate()
        proc.wait(10)

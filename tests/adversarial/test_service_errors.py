"""The service's whole error vocabulary: every OAuth2ErrorCode of botocore's signin model,
answered by the emulator (one fault per code, with the status and exception shape the
model gives it) to a real credential-process whose refresh is due, and to a real login
completion where the code applies.

Each code has one sentence and one decision in ``errors.SIGNIN_ERRORS``: a passing code
hands back the still-valid cached credentials with a warning (exit 0), a final one fails
at once (exit 1). Either way the config and cache stay byte for byte as they were.

One login serves the module: a faulted request never rotates the refresh token, so each
case starts from copies of the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from typing import Any

import botocore.session
import pytest
from conftest import AwsHome, CliLogin, change_fields, run_cli

from aws_login_bridge.emulator import Fault, person
from aws_login_bridge.emulator.errors import SIGNIN_CODE_WIRE
from aws_login_bridge.errors import SIGNIN_ERRORS
from aws_login_bridge.signin.tokens import MAX_ATTEMPTS
from aws_login_bridge.store.cache import format_time

from . import tally
from .support import cache_file

PREFIX = "aws-login-bridge credential-process: "
LOGIN_AGAIN = "aws-login-bridge login --remote --profile p"


def model_codes() -> list[str]:
    model = botocore.session.get_session().get_service_model("signin")
    return list(model.shape_for("OAuth2ErrorCode").enum)


def test_one_decision_and_one_fault_for_every_code_of_the_model() -> None:
    """The table and the emulator both cover exactly the model's codes, and the emulator
    answers each with an exception the model declares, at the status it declares."""
    model = botocore.session.get_session().get_service_model("signin")
    codes = model_codes()
    assert sorted(SIGNIN_ERRORS) == sorted(codes)
    assert sorted(SIGNIN_CODE_WIRE) == sorted(codes)
    for code, (status, shape) in SIGNIN_CODE_WIRE.items():
        declared = model.shape_for(shape).metadata
        assert declared.get("exception"), (code, shape)
        # AccessDeniedException declares no status: the service sends 401 or 403 (see
        # shared/reference/aws-signin-protocol.md); the others name theirs.
        assert declared.get("error", {}).get("httpStatusCode", status) == status, (code, shape)
    for code, rule in SIGNIN_ERRORS.items():
        # One sentence, naming the code, that says what to do.
        assert rule.sentence.count(". ") <= 2 and rule.sentence.endswith("."), code
        assert f"({code})" in rule.sentence, code
    tally.count("inputs.signin_codes", len(codes))


@pytest.fixture(scope="module")
def logged_in(tmp_path_factory: pytest.TempPathFactory, emulator: Any
              ) -> Iterator[dict[str, bytes]]:
    """One real login; the files it wrote, by path under the AWS home."""
    root = tmp_path_factory.mktemp("errors-login") / "aws"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_CONFIG_FILE": str(root / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "credentials"),
        "AWS_LOGIN_CACHE_DIRECTORY": str(root / "login" / "cache"),
        "AWS_ENDPOINT_URL_SIGNIN": emulator.base_url,
        "AWS_ENDPOINT_URL_STS": emulator.base_url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_RUNTIME_DIR": str(root.parent / "run"),
    })
    home = AwsHome(root=root, env=env)
    cli = CliLogin(home, "--profile", "p", "--region", "us-east-1")
    done = cli.finish(person.sign_in(cli.url))
    assert done.returncode == 0, done.stderr
    yield home.snapshot()


def place(home: AwsHome, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = home.root / name
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_bytes(data)
        os.chmod(path, 0o600)
    for folder in (home.root / "login", home.cache_dir):
        os.chmod(folder, 0o700)


def due_in(home: AwsHome, seconds: int) -> tuple[str, str]:
    """Make the cached credentials end in ``seconds`` (a refresh is due within 300);
    returns their key id and the new expiry."""
    path = cache_file(home.cache_dir)
    until = format_time(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds))
    token = change_fields(json.loads(path.read_bytes()), {"accessToken.expiresAt": until})
    path.write_text(json.dumps(token))
    return token["accessToken"]["accessKeyId"], until


def one_line(stderr: str) -> str:
    assert stderr.count("\n") == 1, stderr
    return stderr.rstrip("\n")


@pytest.mark.parametrize("code", model_codes())
def test_each_code_at_refresh_through_credential_process(aws_home: AwsHome, emulator: Any,
                                                         logged_in: dict[str, bytes],
                                                         code: str) -> None:
    place(aws_home, logged_in)
    key_id, until = due_in(aws_home, 120)
    before = aws_home.snapshot()
    rule = SIGNIN_ERRORS[code]
    # Enough for every retry the client makes; Retry-After 0 keeps throttling cheap.
    emulator.add_fault(Fault(target="refresh_token", error=code, count=MAX_ATTEMPTS,
                             retry_after=0))
    tally.count(f"faults.refresh:{code}")
    done = run_cli(aws_home, "credential-process", "--profile", "p")
    line = one_line(done.stderr)
    if rule.passing:
        assert done.returncode == 0, line
        printed = json.loads(done.stdout)
        assert (printed["AccessKeyId"] == key_id, printed["Expiration"]) == (True, until)
        assert line == (f"{PREFIX}warning: Could not refresh the credentials, so the cached "
                        f"ones are used until they expire at {until}: {rule.sentence}")
    else:
        assert (done.returncode, done.stdout) == (1, ""), line
        assert line.startswith(PREFIX + rule.sentence), line
        assert line.endswith(LOGIN_AGAIN), line
        assert emulator.stats()["token"]["refresh_token"] == 1  # a final code: no retry
    assert emulator.stats()["token_ok"].get("refresh_token", 0) == 0
    assert aws_home.snapshot() == before


@pytest.mark.parametrize("code", ["AUTHCODE_EXPIRED", "INSUFFICIENT_PERMISSIONS"])
def test_codes_at_the_code_exchange_through_login(aws_home: AwsHome, emulator: Any,
                                                  code: str) -> None:
    (aws_home.root / "config").write_text("[profile keep]\nregion = eu-west-1\n")
    before = aws_home.snapshot()
    cli = CliLogin(aws_home, "--profile", "p", "--region", "us-east-1")
    emulator.add_fault(Fault(target="authorization_code", error=code))
    tally.count(f"faults.login:{code}")
    done = cli.finish(person.sign_in(cli.url))
    assert done.returncode != 0
    assert SIGNIN_ERRORS[code].sentence in done.stderr, done.stderr
    assert emulator.stats()["token"]["authorization_code"] == 1
    assert aws_home.snapshot() == before  # no cache file, the config as it was


def test_a_passing_code_fails_once_the_credentials_have_expired(
        aws_home: AwsHome, emulator: Any, logged_in: dict[str, bytes]) -> None:
    place(aws_home, logged_in)
    due_in(aws_home, -60)
    before = aws_home.snapshot()
    emulator.add_fault(Fault(target="refresh_token", error="CONFLICT"))
    done = run_cli(aws_home, "credential-process", "--profile", "p")
    assert (done.returncode, done.stdout) == (1, "")
    line = one_line(done.stderr)
    assert line.startswith(PREFIX + SIGNIN_ERRORS["CONFLICT"].sentence), line
    assert aws_home.snapshot() == before

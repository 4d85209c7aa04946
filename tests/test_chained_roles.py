"""Roles chained from a login session (``role_arn`` + ``source_profile`` ending at a login
profile): status, the helper, credential-process with its role cache, whoami, login,
setup-process-profile, real boto3 and the AWS CLI v1, over real HTTP to the emulator."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, AwsHome, CliLogin, run_cli
from test_aws_cli import aws_command
from test_rpc_wire import Wire

from aws_login_bridge.emulator import person

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"
ROLE = "arn:aws:iam::222222222222:role/Admin"
CHAIN = f"""[profile console]
region = us-east-1
login_session = {ARN}

[profile admin]
role_arn = {ROLE}
source_profile = console
role_session_name = me
region = us-east-1

[profile two]
role_arn = arn:aws:iam::333333333333:role/Second
source_profile = admin
role_session_name = hop

[profile short]
role_arn = {ROLE}
source_profile = console
role_session_name = short
duration_seconds = 900

[profile crowd]
role_arn = {ROLE}
source_profile = console
role_session_name = crowd

[profile ext]
role_arn = arn:aws:iam::222222222222:role/Partner
source_profile = console
role_session_name = ext
external_id = shared-secret-1

[profile wrongext]
role_arn = arn:aws:iam::222222222222:role/Partner
source_profile = console
role_session_name = wrongext
external_id = guessed-2

[profile eu]
role_arn = {ROLE}
source_profile = console
role_session_name = eu
region = eu-west-1

[profile mfa]
role_arn = {ROLE}
source_profile = console
mfa_serial = arn:aws:iam::111111111111:mfa/me

[profile loop1]
role_arn = {ROLE}
source_profile = loop2

[profile loop2]
role_arn = {ROLE}
source_profile = loop1

[profile env]
role_arn = {ROLE}
credential_source = Environment
"""


def control(emulator: Any, action: str, body: object = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{emulator.base_url}/_emulator/{action}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}, method="GET" if body is None else "POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def assumed(emulator: Any) -> int:
    return control(emulator, "stats")["assume_role_ok"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, emulator: Any) -> Iterator[AwsHome]:
    """One login (profile console) for the module, and the chained profiles beside it."""
    tmp = tmp_path_factory.mktemp("chained")
    root = tmp / "aws"
    root.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_CONFIG_FILE": str(root / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "credentials"),
        "AWS_LOGIN_CACHE_DIRECTORY": str(root / "login" / "cache"),
        "AWS_ENDPOINT_URL_SIGNIN": emulator.base_url,
        "AWS_ENDPOINT_URL_STS": emulator.base_url,
        "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_RUNTIME_DIR": str(tmp / "run"),
        "HOME": str(tmp / "home"),
    })
    aws = AwsHome(root, env)
    login = CliLogin(aws, "--profile", "console", "--region", "us-east-1")
    done = login.finish(person.sign_in(login.url))
    assert done.returncode == 0, done.stderr
    aws.config.write_text(CHAIN)
    control(emulator, "roles", {"roleArn": "arn:aws:iam::222222222222:role/Partner",
                                "externalId": "shared-secret-1"})
    yield aws


def files(home: AwsHome) -> dict[str, str]:
    """Every file under the AWS home by its SHA-256: compared without showing a secret."""
    return {name: hashlib.sha256(data).hexdigest() for name, data in home.snapshot().items()}


def role_files(home: AwsHome) -> list[Path]:
    return list((Path(home.env["XDG_RUNTIME_DIR"]) / "aws-login-bridge" / "roles").iterdir())


def process(home: AwsHome, profile: str) -> subprocess.CompletedProcess[str]:
    return run_cli(home, "credential-process", "--profile", profile)


def caller(home: AwsHome, creds: dict[str, str]) -> str:
    """GetCallerIdentity with ``creds``, by real botocore against the emulator."""
    import botocore.session

    session = botocore.session.Session()
    client = session.create_client(
        "sts", region_name="us-east-1", endpoint_url=home.env["AWS_ENDPOINT_URL_STS"],
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"])
    return client.get_caller_identity()["Arn"]


# -- status, the helper ----------------------------------------------------------------------


def test_status_of_a_chained_profile_names_its_source_and_role(home: AwsHome) -> None:
    console = json.loads(run_cli(home, "status", "--profile", "console", "--json").stdout)
    done = run_cli(home, "status", "--profile", "admin", "--json")
    status = json.loads(done.stdout)
    assert status["loggedIn"] is True, status
    assert status["sourceProfile"] == "console"
    assert status["roleArn"] == ROLE
    assert status["loginSession"] == ARN
    assert status["sessionExpiresAt"] == console["sessionExpiresAt"]
    assert status["accountId"] == "222222222222"
    assert not [p for p in status["problems"] if p["kind"] in ("NotLoggedIn", "CacheMissing")]
    human = run_cli(home, "status", "--profile", "admin")
    assert human.returncode == 0, human.stderr
    assert (f"role:          {ROLE}, assumed with the login session of profile 'console'"
            in human.stdout.splitlines())
    two = json.loads(run_cli(home, "status", "--profile", "two", "--json").stdout)
    assert (two["loggedIn"], two["sourceProfile"], two["roleArn"]) == (
        True, "console", "arn:aws:iam::333333333333:role/Second")
    loop = json.loads(run_cli(home, "status", "--profile", "loop1", "--json").stdout)
    assert loop["loggedIn"] is False and loop["sourceProfile"] is None
    assert any("loops back to 'loop" in p["message"] for p in loop["problems"]), loop
    env = json.loads(run_cli(home, "status", "--profile", "env", "--json").stdout)
    assert env["sourceProfile"] is None  # credential_source is no login chain


def test_the_helper_lists_and_reports_the_chained_profile(home: AwsHome) -> None:
    helper = Wire(home.env)
    try:
        helper.initialize()
        status = helper.request("awsLogin/status", {"profile": "admin", "refresh": False})
        assert (status["loggedIn"], status["sourceProfile"], status["roleArn"]) == (
            True, "console", ROLE)
        listed = {p["profile"]: p for p in helper.request("awsLogin/listProfiles")["profiles"]}
        assert listed["admin"]["loggedIn"] is True
        assert listed["admin"]["sourceProfile"] == "console"
        assert listed["console"]["sourceProfile"] is None
    finally:
        helper.close()


def test_a_source_not_logged_in_is_named_in_the_advice(home: AwsHome, tmp_path: Path) -> None:
    # The same config in a home where console never logged in (no cache file), and one where
    # console has no login_session at all yet.
    other = AwsHome(tmp_path, dict(home.env, AWS_CONFIG_FILE=str(tmp_path / "config"),
                                   AWS_LOGIN_CACHE_DIRECTORY=str(tmp_path / "cache")))
    other.config.write_text(CHAIN)
    status = json.loads(run_cli(other, "status", "--profile", "admin", "--json").stdout)
    assert status["loggedIn"] is False and status["sourceProfile"] == "console"
    messages = " ".join(p["message"] for p in status["problems"])
    assert "aws-login-bridge login --remote --profile console" in messages
    assert "admin-login" not in messages
    other.config.write_text(CHAIN.replace(f"login_session = {ARN}\n", ""))
    before = files(other)
    status = json.loads(run_cli(other, "status", "--profile", "admin", "--json").stdout)
    (problem,) = [p for p in status["problems"] if p["kind"] == "NotLoggedIn"]
    assert problem["message"] == (
        f"Profile 'admin' assumes {ROLE} with the login session of profile 'console', which "
        "is not logged in. Run: aws-login-bridge login --remote --profile console")
    failed = process(other, "admin")
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.count("\n") == 1
    assert "aws-login-bridge login --remote --profile console" in failed.stderr
    who = run_cli(other, "whoami", "--profile", "admin")
    assert who.returncode == 1 and who.stdout == ""
    assert who.stderr == f"aws-login-bridge: {problem['message']}\n"
    assert files(other) == before


# -- credential-process ----------------------------------------------------------------------


def test_credential_process_prints_the_role_and_caches_it(home: AwsHome, emulator: Any) -> None:
    start = assumed(emulator)
    first = process(home, "admin")
    assert first.returncode == 0, first.stderr
    creds = json.loads(first.stdout)
    assert creds["Version"] == 1
    assert caller(home, creds) == "arn:aws:sts::222222222222:assumed-role/Admin/me"
    assert assumed(emulator) == start + 1
    before = files(home)
    again = json.loads(process(home, "admin").stdout)
    assert again["AccessKeyId"] == creds["AccessKeyId"]
    assert assumed(emulator) == start + 1  # from the cache
    assert files(home) == before  # nothing of ours in the AWS folder
    cached = list((Path(home.env["XDG_RUNTIME_DIR"]) / "aws-login-bridge" / "roles").iterdir())
    assert cached
    if os.name == "posix":  # Windows keeps them private through the folder's ACL
        assert all(p.stat().st_mode & 0o777 == 0o600 for p in cached)
    # Two hops: Admin with the session, then Second with Admin's credentials.
    two = process(home, "two")
    assert two.returncode == 0, two.stderr
    assert caller(home, json.loads(two.stdout)) == (
        "arn:aws:sts::333333333333:assumed-role/Second/hop")


def test_many_concurrent_callers_make_one_assume_role(home: AwsHome, emulator: Any) -> None:
    start = assumed(emulator)
    with ThreadPoolExecutor(6) as pool:
        runs = list(pool.map(lambda _: process(home, "crowd"), range(6)))
    assert [r.returncode for r in runs] == [0] * 6, [r.stderr for r in runs]
    assert len({json.loads(r.stdout)["AccessKeyId"] for r in runs}) == 1
    assert assumed(emulator) == start + 1


def test_duration_and_external_id_are_honoured(home: AwsHome, emulator: Any) -> None:
    import datetime as dt

    short = process(home, "short")
    assert short.returncode == 0, short.stderr
    ends = dt.datetime.fromisoformat(json.loads(short.stdout)["Expiration"].replace("Z", "+00:00"))
    left = ends - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(minutes=10) < left <= dt.timedelta(seconds=900)
    ext = process(home, "ext")
    assert ext.returncode == 0, ext.stderr
    assert caller(home, json.loads(ext.stdout)).endswith(":assumed-role/Partner/ext")
    before = files(home)
    wrong = process(home, "wrongext")
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert "AccessDenied" in wrong.stderr and "external_id of profile 'wrongext'" in wrong.stderr
    assert files(home) == before


def test_the_profile_region_signs_the_assume_role(home: AwsHome, emulator: Any) -> None:
    def regions() -> dict[str, int]:
        return control(emulator, "stats")["assume_role_regions"]

    start = regions()
    done = process(home, "eu")
    assert done.returncode == 0, done.stderr
    assert regions().get("eu-west-1", 0) == start.get("eu-west-1", 0) + 1
    assert regions().get("us-east-1", 0) == start.get("us-east-1", 0)


@pytest.mark.posix  # a symbolic link needs privileges on Windows
def test_a_planted_role_cache_file_is_refused(home: AwsHome, emulator: Any,
                                              tmp_path: Path) -> None:
    first = json.loads(process(home, "admin").stdout)
    (path,) = [p for p in role_files(home) if first["AccessKeyId"] in p.read_text()]
    kept = path.read_bytes()
    elsewhere = tmp_path / "theirs.json"
    elsewhere.write_bytes(kept)
    path.unlink()
    path.symlink_to(elsewhere)
    try:
        before, start = files(home), control(emulator, "stats")["assume_role"]
        done = process(home, "admin")
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith(
            f"aws-login-bridge credential-process: Refusing to read the role cache file {path}: "
            "it is not a regular file, and this program writes only its own files there; "
            f"remove it (rm {path}) and try again.")
        assert files(home) == before and path.is_symlink()
        assert control(emulator, "stats")["assume_role"] == start
    finally:
        path.unlink()
    path.write_bytes(kept)
    path.chmod(0o600)


def test_mfa_serial_is_refused_in_one_sentence(home: AwsHome, emulator: Any) -> None:
    before, start = files(home), control(emulator, "stats")["assume_role"]
    done = process(home, "mfa")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        "aws-login-bridge credential-process: Profile 'mfa' asks for an MFA code (mfa_serial), "
        "which a credential_process cannot prompt for; use that profile with the AWS CLI or "
        "boto3 directly, or remove mfa_serial from it.\n")
    assert files(home) == before
    assert control(emulator, "stats")["assume_role"] == start


def test_setup_process_profile_for_a_chained_profile(home: AwsHome, tmp_path: Path) -> None:
    copy = AwsHome(home.root, dict(home.env, AWS_CONFIG_FILE=str(tmp_path / "config")))
    copy_config = tmp_path / "config"
    copy_config.write_text(CHAIN)
    done = run_cli(copy, "setup-process-profile", "--profile", "admin")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"Profile 'admin-process' now gets its credentials from the role {ROLE} assumed with "
        "the login session of profile 'console' through credential_process.\n")
    assert "while 'console' is logged in" in done.stdout
    script = ("import boto3; print(boto3.Session(profile_name='admin-process')"
              ".client('sts').get_caller_identity()['Arn'])")
    who = subprocess.run([PYTHON, "-c", script], env=copy.env, capture_output=True,
                         text=True, timeout=60, check=False)
    assert who.returncode == 0, who.stderr
    assert who.stdout.strip() == "arn:aws:sts::222222222222:assumed-role/Admin/me"


def test_role_credentials_near_their_end_or_damaged_are_assumed_again(
        home: AwsHome, emulator: Any) -> None:
    import datetime as dt

    first = json.loads(process(home, "admin").stdout)
    (path,) = [p for p in role_files(home) if first["AccessKeyId"] in p.read_text()]
    start = assumed(emulator)
    # Four minutes left: under the five the cache keeps them for.
    soon = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=4)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    path.write_text(json.dumps(dict(json.loads(path.read_text()), Expiration=soon)))
    renewed = json.loads(process(home, "admin").stdout)
    assert renewed["AccessKeyId"] != first["AccessKeyId"]
    assert assumed(emulator) == start + 1
    path.write_text('{"AccessKeyId": "ASIAPLANTED"')  # damaged: never handed out
    again = json.loads(process(home, "admin").stdout)
    assert again["AccessKeyId"] not in ("ASIAPLANTED", renewed["AccessKeyId"])
    assert assumed(emulator) == start + 2
    assert os.name != "posix" or path.stat().st_mode & 0o777 == 0o600


def test_a_bad_duration_is_refused_before_any_call(home: AwsHome, emulator: Any,
                                                   tmp_path: Path) -> None:
    bad = AwsHome(home.root, dict(home.env, AWS_CONFIG_FILE=str(tmp_path / "config")))
    (tmp_path / "config").write_text(CHAIN.replace("duration_seconds = 900",
                                                   "duration_seconds = 12h"))
    before, start = files(home), control(emulator, "stats")["assume_role"]
    done = process(bad, "short")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(
        "aws-login-bridge credential-process: The duration_seconds of profile 'short' ('12h') "
        "is not a whole number of seconds from 900 to 43200; fix it.")
    assert files(home) == before
    assert control(emulator, "stats")["assume_role"] == start


def test_the_emulator_checks_assume_role_as_sts_does(home: AwsHome, emulator: Any) -> None:
    import botocore.config
    import botocore.exceptions
    import botocore.session

    def sts(creds: dict[str, str]) -> Any:
        return botocore.session.Session().create_client(
            "sts", region_name="us-east-1", endpoint_url=emulator.base_url,
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            config=botocore.config.Config(parameter_validation=False))  # the server's checks

    def refused(creds: dict[str, str], **args: Any) -> str:
        with pytest.raises(botocore.exceptions.ClientError) as error:
            sts(creds).assume_role(**{"RoleArn": ROLE, "RoleSessionName": "tt", **args})
        return error.value.response["Error"]["Code"]

    good = json.loads(process(home, "admin").stdout)
    assert refused(dict(good, SecretAccessKey="x" * 40)) == "SignatureDoesNotMatch"
    assert refused(dict(good, AccessKeyId="ASIAUNKNOWN000000000")) == "InvalidClientTokenId"
    assert refused(good, DurationSeconds=899) == "ValidationError"
    assert refused(good, RoleArn="arn:aws:iam::222222222222:user/Admin") == "ValidationError"
    partner = "arn:aws:iam::222222222222:role/Partner"
    assert refused(good, RoleArn=partner) == "AccessDenied"  # its ExternalId is missing
    answer = sts(good).assume_role(RoleArn=partner, RoleSessionName="chain",
                                   ExternalId="shared-secret-1")
    assert answer["AssumedRoleUser"]["Arn"] == (
        "arn:aws:sts::222222222222:assumed-role/Partner/chain")
    unsigned = urllib.request.Request(
        emulator.base_url + "/", data=f"Action=AssumeRole&Version=2011-06-15&RoleArn={ROLE}"
        "&RoleSessionName=tt".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(unsigned, timeout=10)
    assert error.value.code == 403 and b"MissingAuthenticationToken" in error.value.read()


# -- botocore, the AWS CLI, whoami, login -----------------------------------------------------


def test_boto3_whoami_and_the_aws_cli_resolve_the_chained_role(home: AwsHome) -> None:
    script = ("import boto3; print(boto3.Session(profile_name='admin')"
              ".client('sts').get_caller_identity()['Arn'])")
    boto = subprocess.run([PYTHON, "-c", script], env=home.env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert boto.returncode == 0, boto.stderr
    assert boto.stdout.strip() == "arn:aws:sts::222222222222:assumed-role/Admin/me"
    who = run_cli(home, "whoami", "--profile", "admin")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"] == "arn:aws:sts::222222222222:assumed-role/Admin/me"
    aws = subprocess.run([*aws_command(), "sts", "get-caller-identity", "--profile", "admin"],
                         env=home.env, capture_output=True, text=True, timeout=60, check=False)
    assert aws.returncode == 0, aws.stderr
    assert json.loads(aws.stdout)["Arn"] == "arn:aws:sts::222222222222:assumed-role/Admin/me"


def test_login_on_a_chained_profile_logs_in_its_source(emulator: Any, tmp_path: Path,
                                                       home: AwsHome) -> None:
    other = AwsHome(tmp_path, dict(home.env, AWS_CONFIG_FILE=str(tmp_path / "config"),
                                   AWS_LOGIN_CACHE_DIRECTORY=str(tmp_path / "cache")))
    other.config.write_text(CHAIN.replace(f"login_session = {ARN}\n", ""))
    login = CliLogin(other, "--profile", "admin")
    done = login.finish(person.sign_in(login.url))
    assert done.returncode == 0, done.stderr
    # (The line saying so comes before the URL, which CliLogin reads past.)
    assert "Logged in: profile 'console' now uses login session" in done.stdout
    text = other.config.read_text()
    assert f"[profile console]\nregion = us-east-1\nlogin_session = {ARN}\n" in text
    admin = text.split("[profile admin]\n", 1)[1].split("\n\n", 1)[0]
    assert "login_session" not in admin
    status = json.loads(run_cli(other, "status", "--profile", "admin", "--json").stdout)
    assert status["loggedIn"] is True


def test_a_role_chained_from_a_login_in_the_aws_cli_file_layout(home: AwsHome,
                                                                tmp_path: Path) -> None:
    # The AWS CLI's own places: ~/.aws/config and ~/.aws/login/cache, no variables moving them.
    dot_aws = tmp_path / "home" / ".aws"
    (dot_aws / "login").mkdir(parents=True, mode=0o700)
    dot_aws.chmod(0o700)
    import shutil

    shutil.copytree(home.cache_dir, dot_aws / "login" / "cache")
    (dot_aws / "config").write_text(CHAIN)
    env = {k: v for k, v in home.env.items()
           if k not in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
                        "AWS_LOGIN_CACHE_DIRECTORY")}
    env.update(HOME=str(tmp_path / "home"), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    layout = AwsHome(dot_aws, env)
    before = files(layout)
    done = process(layout, "admin")
    assert done.returncode == 0, done.stderr
    assert caller(layout, json.loads(done.stdout)) == (
        "arn:aws:sts::222222222222:assumed-role/Admin/me")
    assert files(layout) == before  # the role cache is ours, not in ~/.aws
    aws = subprocess.run([*aws_command(), "sts", "get-caller-identity", "--profile", "admin"],
                         env=env, capture_output=True, text=True, timeout=60, check=False)
    assert aws.returncode == 0, aws.stderr
    assert json.loads(aws.stdout)["Arn"].endswith(":assumed-role/Admin/me")


# -- the watcher; logging out of the source (last: it ends the module's login) ---------------


def test_the_watcher_follows_the_source_and_a_logout_stops_the_role(home: AwsHome) -> None:
    import datetime as dt

    from conftest import rewrite_cache

    helper = Wire(home.env)
    try:
        helper.initialize()
        # Through the helper too; its answer also means the watcher has had its first look.
        who = helper.request("awsLogin/callerIdentity", {"profile": "admin"})
        assert who["Arn"] == "arn:aws:sts::222222222222:assumed-role/Admin/me"
        soon = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=90)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        rewrite_cache(home, lambda t: t["accessToken"].update(expiresAt=soon))  # another tool
        changed = helper.notification("awsLogin/sessionChanged", lambda p: (
            p["profile"] == "admin" and p["state"] == "refreshed" and p["expiresAt"] == soon))
        assert (changed["sourceProfile"], changed["roleArn"], changed["loginSession"]) == (
            "console", ROLE, ARN)
        assert changed["loggedIn"] is True
        # Another process logs console out: admin is logged out with it ...
        assert run_cli(home, "logout", "--profile", "console").returncode == 0
        gone = helper.notification("awsLogin/sessionChanged", lambda p: (
            p["profile"] == "admin" and p["state"] == "loggedOut"))
        assert gone["loggedIn"] is False and gone["sourceProfile"] == "console"
    finally:
        helper.close()
    # ... and its role credentials, although still cached and valid, are not handed out.
    before = files(home)
    done = process(home, "admin")
    assert done.returncode == 1 and done.stdout == ""
    assert "aws-login-bridge login --remote --profile console" in done.stderr
    assert files(home) == before
    status = json.loads(run_cli(home, "status", "--profile", "admin", "--json").stdout)
    assert status["loggedIn"] is False and status["sourceProfile"] == "console"

"""A status that tells the whole truth, and a helper that stays light (issue 19, §5 and §6).

Everything runs as a person or an editor would: the real CLI and the real helper as
subprocesses, logins over real HTTP to the emulator. Where botocore has an answer (the
region boto3 uses), botocore itself is the oracle, asked in a process of its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import PYTHON, AwsHome, CliLogin, fault, rewrite_cache, run_cli, wait_for
from test_rpc_wire import Wire

from aws_login_bridge.emulator import person

from . import tally

KEYS_PROFILE = ("[profile keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE01\n"
                "aws_secret_access_key = not-a-secret-at-all\nregion = eu-west-1\n")
PAST = "2020-01-01T00:00:00Z"


def with_env(home: AwsHome, **env: str) -> AwsHome:
    return AwsHome(home.root, dict(home.env, **env))


def table_row(stdout: str, name: str) -> list[str]:
    """A row of the status table, split into its columns."""
    (line,) = [line for line in stdout.splitlines() if line.split()[:1] == [name]]
    return line.split()


def boto3_region(home: AwsHome, profile: str) -> str | None:
    """The region a real botocore session picks for the profile (the oracle)."""
    out = subprocess.run(
        [PYTHON, "-c", "import sys, botocore.session as s; "
         "print(s.Session(profile=sys.argv[1]).get_config_variable('region'))", profile],
        env=home.env, capture_output=True, text=True, timeout=60, check=True)
    value = out.stdout.strip()
    return None if value == "None" else value


def login(home: AwsHome, *args: str) -> subprocess.CompletedProcess[str]:
    cli = CliLogin(home, *args)
    assert cli.url, cli.finish().stderr
    return cli.finish(person.sign_in(cli.url))


# -- the region -------------------------------------------------------------------------


@pytest.mark.parametrize(("config", "env", "expected", "origin"), [
    # AWS_DEFAULT_REGION beats the profile's region, as botocore reads it.
    (KEYS_PROFILE, {"AWS_DEFAULT_REGION": "ap-southeast-2"}, "ap-southeast-2",
     ["env", "AWS_DEFAULT_REGION"]),
    # A profile without a region shows the environment's.
    ("[profile keys]\naws_access_key_id = AKIAEXAMPLEEXAMPLE01\n"
     "aws_secret_access_key = not-a-secret-at-all\n", {"AWS_DEFAULT_REGION": "sa-east-1"},
     "sa-east-1", ["env", "AWS_DEFAULT_REGION"]),
    # botocore ignores AWS_REGION: the profile's region is still the one boto3 uses.
    (KEYS_PROFILE, {"AWS_REGION": "ca-central-1"}, "eu-west-1", ["config-file"]),
])
def test_status_shows_the_region_boto3_uses(aws_home: AwsHome, config: str,
                                            env: dict[str, str], expected: str,
                                            origin: list[str]) -> None:
    aws_home.config.write_text(config)
    home = with_env(aws_home, **env)
    assert boto3_region(home, "keys") == expected  # the oracle agrees with the case
    status = run_cli(home, "status", "--profile", "keys", "--json")
    assert json.loads(status.stdout)["region"] == expected, status.stderr
    table = run_cli(home, "status", "--profile", "keys")
    row = table_row(table.stdout, "region")
    assert row[1] == expected
    assert row[2:2 + len(origin)] == origin
    tally.count("inputs.status_region")


# -- the region of a login --------------------------------------------------------------


def test_login_takes_the_environment_region_over_the_profile(aws_home: AwsHome) -> None:
    """The AWS CLI's order: --region, then AWS_REGION/AWS_DEFAULT_REGION, then the profile.
    The profile keeps its own region line (the environment is only for this run)."""
    aws_home.config.write_text("[profile p]\nregion = eu-west-1\n")
    done = login(with_env(aws_home, AWS_REGION="eu-central-1"), "--profile", "p")
    assert done.returncode == 0, done.stderr
    (cache,) = aws_home.cache_dir.glob("*.json")
    assert json.loads(cache.read_text())["signInRegion"] == "eu-central-1"
    assert "region = eu-west-1" in aws_home.config.read_text()


@pytest.mark.parametrize(("variable", "value"), [
    ("AWS_REGION", "mars-north-1"),
    ("AWS_DEFAULT_REGION", "not a region"),
])
def test_a_bad_region_from_the_environment_names_its_variable(aws_home: AwsHome,
                                                              variable: str,
                                                              value: str) -> None:
    aws_home.config.write_text("[profile p]\nregion = eu-west-1\n")
    before = aws_home.snapshot()
    out = run_cli(with_env(aws_home, **{variable: value}), "login", "--remote",
                  "--profile", "p", stdin="")
    assert out.returncode == 1
    assert f"{variable} is set to " in out.stderr, out.stderr
    assert "unset it" in out.stderr
    assert "http" not in out.stdout  # refused before any sign-in URL
    assert aws_home.snapshot() == before
    tally.count("inputs.login_region")


@pytest.mark.parametrize(("given", "meant"), [("US-EAST-1", "us-east-1"),
                                               ("Eu-West-2", "eu-west-2")])
def test_an_uppercase_region_is_answered_with_its_lowercase_form(aws_home: AwsHome,
                                                                 given: str,
                                                                 meant: str) -> None:
    before = aws_home.snapshot()
    out = run_cli(aws_home, "login", "--remote", "--profile", "p", "--region", given,
                  stdin="")
    assert out.returncode == 1
    assert f"use {meant}." in out.stderr, out.stderr
    assert aws_home.snapshot() == before
    tally.count("inputs.login_region")


# -- what status says, and its exit code --------------------------------------------------


def test_expired_credentials_whose_refresh_failed_are_not_called_automatic(
        aws_home: AwsHome, emulator: object) -> None:
    done = login(aws_home, "--profile", "p", "--region", "us-east-1")
    assert done.returncode == 0, done.stderr
    rewrite_cache(aws_home, lambda t: t["accessToken"].update(expiresAt=PAST))
    fault(emulator, target="refresh_token", status=400, error="TOKEN_EXPIRED", count=3)
    before = aws_home.snapshot()
    out = run_cli(aws_home, "status", "--profile", "p")
    assert "refreshed automatically" not in out.stdout, out.stdout
    assert f"credentials expire: {PAST} (expired, and the refresh failed" in out.stdout
    assert "problem (RefreshFailed)" in out.stdout
    assert out.returncode == 3, out.stderr  # not usable
    assert aws_home.snapshot() == before


def test_an_unknown_profile_is_called_unknown(aws_home: AwsHome) -> None:
    aws_home.config.write_text(KEYS_PROFILE)
    before = aws_home.snapshot()
    out = run_cli(aws_home, "status", "--profile", "nosuch")
    assert out.returncode == 3, out.stderr
    assert "Profile 'nosuch' is unknown" in out.stdout
    data = run_cli(aws_home, "status", "--profile", "nosuch", "--json")
    assert data.returncode == 3
    assert "is unknown" in json.loads(data.stdout)["problems"][-1]["message"]
    assert aws_home.snapshot() == before


@pytest.mark.parametrize(("config", "code"), [
    (KEYS_PROFILE.replace("keys", "p"), 0),  # keys in the config: usable
    ("[profile p]\nregion = us-east-1\n", 3),  # nothing to use
    ("[profile p]\nregion = us-east-1\nlogin_session = "
     "arn:aws:sts::111111111111:assumed-role/Dev/me\n", 3),  # logged out (no cache file)
])
def test_status_exit_code_says_whether_the_profile_is_usable(aws_home: AwsHome, config: str,
                                                             code: int) -> None:
    aws_home.config.write_text(config)
    assert run_cli(aws_home, "status", "--profile", "p").returncode == code
    assert run_cli(aws_home, "status", "--profile", "p", "--json").returncode == code


def test_the_origin_column_suggests_no_variable_when_none_is_set(aws_home: AwsHome) -> None:
    aws_home.config.write_text(KEYS_PROFILE.replace("keys", "default"))
    out = run_cli(aws_home, "status")
    assert out.returncode == 0, out.stderr
    row = " ".join(table_row(out.stdout, "profile"))
    assert "AWS_PROFILE" not in row and "AWS_DEFAULT_PROFILE" not in row, row


# -- whoami for any profile boto3 resolves ------------------------------------------------


def test_whoami_works_for_a_credential_process_profile(aws_home: AwsHome) -> None:
    done = login(aws_home, "--profile", "p", "--region", "us-east-1")
    assert done.returncode == 0, done.stderr
    setup = run_cli(aws_home, "setup-process-profile", "--profile", "p")
    assert setup.returncode == 0, setup.stderr
    mine = json.loads(run_cli(aws_home, "whoami", "--profile", "p").stdout)
    out = run_cli(aws_home, "whoami", "--profile", "p-process")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Arn"] == mine["Arn"]


def test_a_process_profile_of_ours_points_at_the_profile_it_reads(aws_home: AwsHome) -> None:
    """Status and login name the login profile behind ``setup-process-profile``'s line,
    not a made-up "dev-process-login", and say "credential_process" once."""
    line = f"{sys.executable} -m aws_login_bridge credential-process --profile dev"
    aws_home.config.write_text("[profile dev]\nregion = us-east-1\n"
                               f"[profile dev-process]\ncredential_process = {line}\n")
    before = aws_home.snapshot()
    status = json.loads(run_cli(aws_home, "status", "--profile", "dev-process", "--json").stdout)
    (problem,) = [p["message"] for p in status["problems"] if p["kind"] == "NotLoggedIn"]
    assert problem.endswith("aws-login-bridge login --remote --profile dev"), problem
    assert "profile 'dev'" in problem and "dev-process-login" not in problem
    refused = run_cli(aws_home, "login", "--remote", "--profile", "dev-process", stdin="")
    assert refused.returncode == 1
    assert refused.stderr.rstrip().endswith("aws-login-bridge login --remote --profile dev"), \
        refused.stderr
    assert "dev-process-login" not in refused.stderr
    assert aws_home.snapshot() == before


def test_credential_process_is_named_once(aws_home: AwsHome) -> None:
    aws_home.config.write_text("[profile tool]\ncredential_process = /usr/bin/false\n")
    before = aws_home.snapshot()
    status = json.loads(run_cli(aws_home, "status", "--profile", "tool", "--json").stdout)
    refused = run_cli(aws_home, "login", "--remote", "--profile", "tool", stdin="")
    assert refused.returncode == 1
    for text in [p["message"] for p in status["problems"]] + [refused.stderr]:
        assert "credential_process (credential_process)" not in text, text
        assert text.count("credential_process") == 1, text
    assert "tool-login" in refused.stderr
    assert aws_home.snapshot() == before


# -- "Replace it?" before the code is spent -----------------------------------------------

BROKEN_SESSION = "[profile t]\nregion = us-east-1\nlogin_session = arn:aws:sts::12/broken\n"


def test_a_session_no_sign_in_can_match_is_replaced_after_one_early_question(
        aws_home: AwsHome) -> None:
    aws_home.config.write_text(BROKEN_SESSION)
    cli = CliLogin(aws_home, "--profile", "t")
    done = cli.finish("y", person.sign_in(cli.url) or "")
    # Asked before the code prompt: the "y" answered it and the code was taken as the code
    # (asked after the exchange, the "y" would have been refused as a code). Once only.
    assert done.returncode == 0, done.stderr
    assert "which no sign-in can match, so this login replaces it" in done.stderr
    assert "Replace it?" not in done.stdout.partition("authorization code")[2]
    assert "Confirm to replace it" not in done.stderr
    assert "arn:aws:sts::12/broken" not in aws_home.config.read_text()


def test_declining_the_early_question_spends_no_code(aws_home: AwsHome) -> None:
    aws_home.config.write_text(BROKEN_SESSION)
    before = aws_home.snapshot()
    cli = CliLogin(aws_home, "--profile", "t")
    done = cli.finish("no")
    assert done.returncode == 1
    assert "Nothing was changed." in done.stderr
    assert "which no sign-in can match" in done.stderr
    assert "authorization code" not in done.stdout
    assert aws_home.snapshot() == before


# -- the emulator's start line ------------------------------------------------------------


def test_the_emulator_start_line_names_the_variables_that_point_at_it() -> None:
    proc = subprocess.Popen([PYTHON, "-m", "aws_login_bridge", "emulator", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.terminate()
        proc.wait(10)
    url = line.split()[3]
    assert url.startswith("http://127.0.0.1:"), line
    assert f"AWS_ENDPOINT_URL_SIGNIN={url}" in line and f"AWS_ENDPOINT_URL_STS={url}" in line


# -- the helper stays light ---------------------------------------------------------------


def imported(stderr: str) -> set[str]:
    """Top-level packages the helper imported, from ``-X importtime``'s lines on stderr."""
    found = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            found.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return found


def test_status_list_profiles_and_the_watcher_never_import_botocore(
        aws_home: AwsHome, tmp_path: Path) -> None:
    """A logged-in profile, a keys profile, one in the credentials file and one whose
    credential_process would leave a mark: the helper answers for all of them from the
    files, and neither imports botocore (nor awscrt) nor runs the process."""
    done = login(aws_home, "--profile", "p", "--region", "us-east-1")
    assert done.returncode == 0, done.stderr
    mark = tmp_path / "process-ran"
    process = f"{sys.executable} -c \"open({str(mark)!r}, 'w')\""
    with aws_home.config.open("a") as config:
        config.write(KEYS_PROFILE + f"[profile proc]\ncredential_process = {process}\n"
                     "[profile filed]\nregion = us-east-1\n")
    aws_home.credentials.write_text("[filed]\naws_access_key_id = AKIAEXAMPLEEXAMPLE02\n"
                                    "aws_secret_access_key = not-a-secret-either\n")
    earlier = set(threading.enumerate())
    helper = Wire(dict(aws_home.env, PYTHONPROFILEIMPORTTIME="1"), log_level="WARNING")
    readers = [t for t in threading.enumerate() if t not in earlier]
    try:
        helper.initialize()
        status = helper.request("awsLogin/status", {"profile": "p"})
        assert status["loggedIn"] is True and status["credentialSource"] == "login"
        listed = {s["profile"]: s for s in
                  helper.request("awsLogin/listProfiles", {})["profiles"]}
        assert {name: listed[name]["credentialSource"] for name in listed} == {
            "p": "login", "keys": "config-file", "proc": "custom-process",
            "filed": "shared-credentials-file"}
        # The watcher has looked at the files by now: a change it reports proves it.
        rewrite_cache(aws_home, lambda t: t["accessToken"].update(
            expiresAt="2099-01-01T00:00:00Z"))
        helper.notification("awsLogin/sessionChanged",
                            lambda p: p["state"] == "refreshed" and p["profile"] == "p")
        helper.request("awsLogin/status", {"profile": "keys"})
    finally:
        helper.close()
    # Everything the process wrote is read once its stderr reader has met the end.
    wait_for(lambda: not any(t.is_alive() for t in readers if "_drain" in t.name),
             "the helper's stderr to be read to its end")
    seen = imported(helper.stderr)
    assert "aws_login_bridge" in seen  # the probe works: the helper's own imports are there
    assert "botocore" not in seen and "awscrt" not in seen, sorted(seen)
    assert not mark.exists()

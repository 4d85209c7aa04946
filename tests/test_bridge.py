"""credential-process with fresh credentials, its errors, its imports, and setup-process-profile.

Refresh, concurrency and crashed lock holders are in test_bridge_refresh.py.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PYTHON, AwsHome, cache_file, run_cli

from aws_login_bridge.emulator import person
from aws_login_bridge.hostos import join_command

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"
HINT = "aws-login-bridge login --remote --profile {p}"
HEAVY = ("botocore", "boto3", "pygls", "cryptography", "awscrt")
# pip's launcher: bin/aws-login-bridge, or Scripts\aws-login-bridge.exe on Windows.
CONSOLE_SCRIPT = str(Path(PYTHON).parent / ("aws-login-bridge.exe" if os.name == "nt"
                                            else "aws-login-bridge"))
BOTO3_PROBE = (
    "import json, sys, boto3; s = boto3.Session(profile_name=sys.argv[1]); "
    "c = s.get_credentials(); f = c.get_frozen_credentials(); "
    "i = s.client('sts').get_caller_identity(); "
    "print(json.dumps({'method': c.method, 'key': f.access_key, 'arn': i['Arn'], "
    "'region': s.region_name}))"
)


def login(profile: str = "p", region: str = "us-east-1") -> dict[str, object]:
    """Log ``profile`` in through the engine (in-process: quicker than the CLI) and
    return its cache file's JSON."""
    from aws_login_bridge.login import complete_login, start_login
    from aws_login_bridge.store.cache import read_cache

    pending = start_login(profile, region=region)
    try:
        result = complete_login(pending, person.sign_in(pending.authorize_url))
    finally:
        pending.close()
    return read_cache(result.login_session).token


def credential_process(home: AwsHome, profile: str = "p") -> subprocess.CompletedProcess[str]:
    return run_cli(home, "credential-process", "--profile", profile)


def check_output(result: subprocess.CompletedProcess[str], cache: Path) -> dict[str, object]:
    """A successful run printed exactly what the cache file now holds."""
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    access = json.loads(cache.read_bytes())["accessToken"]
    assert printed == {
        "Version": 1,
        "AccessKeyId": access["accessKeyId"],
        "SecretAccessKey": access["secretAccessKey"],
        "SessionToken": access["sessionToken"],
        "Expiration": access["expiresAt"],
        "AccountId": access["accountId"],
    }
    return printed


def secrets_of(token: dict[str, object]) -> list[str]:
    access = token.get("accessToken")
    values = [token.get("refreshToken"), token.get("dpopKey"), token.get("idToken")]
    if isinstance(access, dict):
        values += [access.get("secretAccessKey"), access.get("sessionToken")]
    return [v for v in values if isinstance(v, str) and v]


def imported_full_names(stderr: str) -> set[str]:
    """Every module name from ``python -X importtime`` output."""
    return {line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


def imported_modules(stderr: str) -> set[str]:
    """Top-level package names from ``python -X importtime`` output."""
    return {name.split(".")[0] for name in imported_full_names(stderr)}


# The fresh lane's import budget (benchmarks/bench_aws_cli.py: credential-process must stay
# within 2.5x a bare `python -c pass`). Ours: exactly these modules. The standard library's
# reading essentials (json, re, configparser, shlex, datetime) are needed to read the files
# as botocore does; these others are not, and each costs as much as a module of ours.
FRESH_LANE_OURS = {
    "aws_login_bridge", "aws_login_bridge.entry", "aws_login_bridge.bridge",
    "aws_login_bridge.hostos", "aws_login_bridge.errors", "aws_login_bridge.profiles",
    "aws_login_bridge.refresh", "aws_login_bridge.store", "aws_login_bridge.store.paths",
    "aws_login_bridge.store.configfile", "aws_login_bridge.store.cache",
    # Every read checks its folder and reads with care (issue 18), and the profile's
    # login_session is checked by the login's own rule.
    "aws_login_bridge.store.folder_trust", "aws_login_bridge.store.safe_read",
    "aws_login_bridge.signin", "aws_login_bridge.signin.session_arn",
}
FRESH_LANE_FORBIDDEN = {
    "pathlib", "typing", "hashlib", "_hashlib", "dataclasses", "ipaddress", "urllib.parse",
    "fnmatch", "glob", "tempfile", "subprocess", "threading", "argparse", "logging",
    "webbrowser", "filelock", "attrs", "httpx", "ssl", "socket", "pwd",
}


# -- the fresh path ---------------------------------------------------------------------


def test_prints_credential_process_json_from_the_cache(aws_home: AwsHome, emulator) -> None:
    token = login()
    result = credential_process(aws_home)
    printed = check_output(result, cache_file(aws_home))
    assert result.stderr == ""
    assert json.loads(cache_file(aws_home).read_bytes()) == token  # what login wrote
    assert printed["AccountId"] == "123456789012"
    assert emulator.stats()["token"]["refresh_token"] == 0  # fresh: no refresh


@pytest.mark.parametrize("how", ["fast", "equals", "full-cli", "console-script"])
def test_every_way_of_calling_it_prints_the_same(aws_home: AwsHome, how: str) -> None:
    login()
    expected = credential_process(aws_home).stdout
    env = dict(aws_home.env)
    argv = [PYTHON, "-m", "aws_login_bridge", "credential-process", "--profile", "p"]
    if how == "equals":
        argv[-2:] = ["--profile=p"]
    elif how == "full-cli":  # a global option before the command skips the fast lane
        argv.insert(3, "--debug")
    elif how == "console-script":
        argv = [CONSOLE_SCRIPT, *argv[3:]]
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert (result.returncode, result.stdout) == (0, expected)


@pytest.mark.parametrize("entry", ["module", "console-script"])
def test_fresh_path_imports_no_sdk(aws_home: AwsHome, entry: str) -> None:
    login()
    prefix = [PYTHON, "-X", "importtime"]
    argv = prefix + (["-m", "aws_login_bridge"] if entry == "module" else [CONSOLE_SCRIPT])
    result = subprocess.run([*argv, "credential-process", "--profile", "p"], env=aws_home.env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert json.loads(result.stdout)["Version"] == 1
    modules = imported_modules(result.stderr)
    assert "aws_login_bridge" in modules  # the probe sees our own imports...
    assert sorted(modules & set(HEAVY)) == []  # ...and none of the heavy ones
    # Both entry points take the fast lane: no CLI module (argparse, logging, webbrowser)
    # and no lock; and only the budgeted modules of ours and of the standard library.
    before = imported_full_names(subprocess.run(
        [PYTHON, "-X", "importtime", "-c", "pass"], env=aws_home.env, capture_output=True,
        text=True, timeout=60, check=True).stderr)
    added = imported_full_names(result.stderr) - before
    ours = {name for name in added if name.split(".")[0] == "aws_login_bridge"}
    assert sorted(ours) == sorted(FRESH_LANE_OURS)
    assert sorted(added & FRESH_LANE_FORBIDDEN) == []


@pytest.mark.parametrize("entry", ["module", "console-script"])
def test_profile_is_required(aws_home: AwsHome, entry: str) -> None:
    """Under an SDK, AWS_PROFILE may name the process profile itself: never guess from it."""
    login()
    env = dict(aws_home.env, AWS_PROFILE="p")
    argv = [PYTHON, "-m", "aws_login_bridge"] if entry == "module" else [CONSOLE_SCRIPT]
    before = aws_home.snapshot()
    result = subprocess.run([*argv, "credential-process"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2 and result.stdout == ""
    assert "the following arguments are required: --profile" in result.stderr
    shown = run_cli(aws_home, "credential-process", "--help").stdout
    assert "credential-process [-h] --profile PROFILE" in shown  # not [--profile PROFILE]
    assert aws_home.snapshot() == before


def test_refresh_path_does_import_botocore(aws_home: AwsHome) -> None:
    """The import probe above can fail: a due refresh really loads botocore."""
    login()
    path = cache_file(aws_home)
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(token))
    result = subprocess.run(
        [PYTHON, "-X", "importtime", "-m", "aws_login_bridge", "credential-process",
         "--profile", "p"], env=aws_home.env, capture_output=True, text=True, timeout=60,
        check=False)
    assert result.returncode == 0
    assert {"botocore", "cryptography", "filelock"} <= imported_modules(result.stderr)


# -- failures ---------------------------------------------------------------------------


def _no_profile(home: AwsHome) -> None:
    home.config.write_text("[profile other]\nregion = eu-west-1\n")


def _keys_profile(home: AwsHome) -> None:
    home.config.write_text("[profile p]\naws_access_key_id = AKIAEXAMPLE\n")


def _logged_out(home: AwsHome) -> None:
    login()
    cache_file(home).unlink()


def _damaged(home: AwsHome) -> None:
    login()
    cache_file(home).write_text("{not json")


def _incomplete(home: AwsHome) -> None:
    login()
    path = cache_file(home)
    token = json.loads(path.read_bytes())
    del token["refreshToken"]
    path.write_text(json.dumps(token))


def _bad_key(home: AwsHome) -> None:
    login()
    path = cache_file(home)
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z"
    token["dpopKey"] = (
        "-----BEGIN EC PRIVATE KEY-----\nbm90IGEga2V5\n-----END EC PRIVATE KEY-----\n")
    path.write_text(json.dumps(token))


@pytest.mark.parametrize("breakage", [_no_profile, _keys_profile, _logged_out, _damaged,
                                      _incomplete, _bad_key])
def test_failure_is_one_line_on_stderr_with_the_next_step(aws_home: AwsHome, breakage) -> None:
    breakage(aws_home)
    tokens = [json.loads(p.read_bytes()) for p in aws_home.cache_dir.glob("*.json")
              if p.read_text().startswith("{\"")]
    before = aws_home.snapshot()
    result = credential_process(aws_home)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("aws-login-bridge credential-process: ")
    assert HINT.format(p="p") in result.stderr
    for token in tokens:
        for secret in secrets_of(token):
            assert secret not in result.stderr
    assert aws_home.snapshot() == before


def test_unknown_options_fall_back_to_the_cli_parser(aws_home: AwsHome) -> None:
    result = run_cli(aws_home, "credential-process", "--profile", "p", "--bogus")
    assert result.returncode == 2 and result.stdout == ""
    assert "unrecognized arguments: --bogus" in result.stderr


# -- setup-process-profile --------------------------------------------------------------


def _config_text(home: AwsHome) -> str:
    return home.config.read_text()


def test_setup_writes_process_profile_and_keeps_the_rest(aws_home: AwsHome) -> None:
    aws_home.config.write_text("# my settings\r\n[default]\r\noutput = json\r\n")
    login(region="eu-west-1")
    before = aws_home.config.read_bytes()
    mode = stat.S_IMODE(aws_home.config.stat().st_mode)
    result = run_cli(aws_home, "setup-process-profile", "--profile", "p")
    assert result.returncode == 0, result.stderr
    assert "p-process" in result.stdout
    after = aws_home.config.read_bytes()
    assert after.startswith(before)  # nothing above moved, CRLF kept below
    command = join_command(
        [PYTHON, "-m", "aws_login_bridge", "credential-process", "--profile", "p"])
    assert after[len(before):] == (
        f"\r\n[profile p-process]\r\ncredential_process = {command}\r\n"
        "region = eu-west-1\r\n").encode()
    assert stat.S_IMODE(aws_home.config.stat().st_mode) == mode  # permissions kept
    # Running it again changes nothing.
    assert run_cli(aws_home, "setup-process-profile", "--profile", "p").returncode == 0
    assert aws_home.config.read_bytes() == after


def test_setup_as_name_fills_an_existing_profile_without_credentials(aws_home: AwsHome) -> None:
    login()
    with aws_home.config.open("a") as handle:
        handle.write("\n[profile tools]\n# for JetBrains\noutput = yaml\n")
    result = run_cli(aws_home, "setup-process-profile", "--profile", "p", "--as", "tools")
    assert result.returncode == 0, result.stderr
    text = _config_text(aws_home)
    section = text[text.index("[profile tools]"):]
    assert section.startswith("[profile tools]\n# for JetBrains\noutput = yaml\n"
                              "credential_process = ")
    assert section.endswith("--profile p\nregion = us-east-1\n")


@pytest.mark.parametrize("existing,style", [
    ("aws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n", "aws_access_key_id"),
    ("credential_process = /usr/bin/other-tool --json\n", "credential_process"),
    ("credential_process = python -m aws_login_bridge credential-process --profile q\n",
     "credential_process"),
    (f"login_session = {ARN}\n", "login_session"),
    ("role_arn = arn:aws:iam::123456789012:role/R\nsource_profile = p\n", "role_arn"),
    ("sso_session = corp\nsso_account_id = 1\nsso_role_name = R\n", "sso_session"),
])
def test_setup_refuses_a_profile_with_other_credentials(aws_home: AwsHome, existing: str,
                                                        style: str) -> None:
    login()
    with aws_home.config.open("a") as handle:
        handle.write(f"\n[profile p-process]\n{existing}")
    before = aws_home.snapshot()
    result = run_cli(aws_home, "setup-process-profile", "--profile", "p")
    assert result.returncode == 1 and result.stdout == ""
    assert f"({style})" in result.stderr and "--as" in result.stderr
    assert aws_home.snapshot() == before


def test_setup_accepts_its_own_earlier_line_from_another_python(aws_home: AwsHome) -> None:
    """A venv that moved: the old line runs the bridge for the same profile, so it is ours."""
    login()
    with aws_home.config.open("a") as handle:
        handle.write("\n[profile p-process]\ncredential_process = '/old venv/bin/python' -m "
                     "aws_login_bridge credential-process --profile p\n")
    assert run_cli(aws_home, "setup-process-profile", "--profile", "p").returncode == 0
    assert "/old venv/" not in _config_text(aws_home)


@pytest.mark.parametrize("args,needle", [
    (["--profile", "nobody"], HINT.format(p="nobody")),
    (["--profile", "p", "--as", "p"], "--as"),
    (["--profile", "p", "--as", "bad name"], "The profile name contains a space"),
])
def test_setup_errors(aws_home: AwsHome, args: list[str], needle: str) -> None:
    login()
    before = aws_home.snapshot()
    result = run_cli(aws_home, "setup-process-profile", *args)
    assert result.returncode == 1 and result.stdout == ""
    assert needle in result.stderr
    assert aws_home.snapshot() == before


@pytest.mark.parametrize("platform,python", [
    ("linux", "/home/a b/venv's/bin/python3"),
    ("linux", "/opt/py/bin/python"),
    ("win32", r"C:\Program Files\Python 3.12\python.exe"),
    ("win32", r"C:\Users\x\venv\Scripts\python.exe"),
])
def test_command_line_survives_botocore_splitting(platform: str, python: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.compat import compat_shell_split

    from aws_login_bridge import hostos
    from aws_login_bridge.bridge import process_command

    monkeypatch.setattr(hostos, "WINDOWS", platform == "win32")
    line = process_command("dev.team", python=python)
    assert compat_shell_split(line, platform=platform) == [
        python, "-m", "aws_login_bridge", "credential-process", "--profile", "dev.team"]


# -- real boto3 through the process profile ---------------------------------------------


def test_boto3_resolves_the_process_profile_and_calls_sts(aws_home: AwsHome, emulator) -> None:
    token = login(region="eu-west-1")
    assert run_cli(aws_home, "setup-process-profile", "--profile", "p").returncode == 0
    emulator.reset()
    probe = subprocess.run([PYTHON, "-c", BOTO3_PROBE, "p-process"], env=aws_home.env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr[-2000:]
    seen = json.loads(probe.stdout)
    assert seen == {"method": "custom-process", "key": token["accessToken"]["accessKeyId"],
                    "arn": ARN, "region": "eu-west-1"}
    stats = emulator.stats()
    assert (stats["sts_ok"], stats["token"]["refresh_token"]) == (1, 0)


@pytest.mark.posix
def test_process_profile_works_from_a_python_path_with_spaces(
    aws_home: AwsHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator
) -> None:
    from aws_login_bridge.bridge import setup_process_profile

    login()
    folder = tmp_path / "my tools dir"
    folder.mkdir()
    wrapper = folder / "python launcher"
    wrapper.write_text(f"#!/bin/sh\nexec '{PYTHON}' \"$@\"\n")
    wrapper.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(wrapper))
    assert setup_process_profile("p", "spaced") == 0
    assert f"'{wrapper}' -m aws_login_bridge" in _config_text(aws_home)
    probe = subprocess.run([PYTHON, "-c", BOTO3_PROBE, "spaced"], env=aws_home.env,
                           capture_output=True, text=True, timeout=60, check=False)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert json.loads(probe.stdout)["method"] == "custom-process"

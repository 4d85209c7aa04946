"""Living beside AWS CLI v2: the region from the environment, a profile without a region, and
an AWS folder that holds only what the AWS CLI keeps there (no lock files, nothing made by a
command that fails)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import AwsHome, CliLogin, run_cli
from macos_traits import site_env as macos_site_env

from aws_login_bridge.emulator import person
from aws_login_bridge.store.locks import lock_dir, lock_files_kept

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"


def aws_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def with_env(home: AwsHome, **values: str) -> AwsHome:
    return AwsHome(home.root, dict(home.env, **values))


def login(home: AwsHome, profile: str, *extra: str) -> str:
    cli = CliLogin(home, "--profile", profile, *extra)
    assert cli.url, "the CLI asked something before printing the URL"
    done = cli.finish(person.sign_in(cli.url))
    assert done.returncode == 0, done.stderr
    return done.stdout


# -- the region ---------------------------------------------------------------------------


@pytest.mark.parametrize(("variables", "expected"), [
    ({"AWS_REGION": "eu-west-1"}, "eu-west-1"),
    ({"AWS_DEFAULT_REGION": "ap-southeast-2"}, "ap-southeast-2"),
    ({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "ap-southeast-2"}, "eu-west-1"),
])
def test_login_takes_the_region_from_the_environment_without_asking(
        aws_home: AwsHome, variables: dict[str, str], expected: str) -> None:
    out = login(with_env(aws_home, **variables), "envr")
    assert "AWS Region" not in out
    assert f"region = {expected}" in aws_home.config.read_text()
    assert f"region {expected}." in out


def test_the_profile_region_wins_over_the_environment(aws_home: AwsHome) -> None:
    aws_home.config.write_text("[profile kept]\nregion = us-west-2\n")
    login(with_env(aws_home, AWS_REGION="eu-west-1"), "kept")
    text = aws_home.config.read_text()
    assert "region = us-west-2" in text and "eu-west-1" not in text


def test_status_reports_a_login_profile_without_a_region(aws_home: AwsHome) -> None:
    login(aws_home, "noreg", "--region", "eu-central-1")
    text = aws_home.config.read_text()
    aws_home.config.write_text(text.replace("region = eu-central-1\n", ""))
    before = aws_home.snapshot()
    human = run_cli(aws_home, "status", "--profile", "noreg")
    assert human.returncode == 0, human.stderr
    line = next(x for x in human.stdout.splitlines() if "NoRegion" in x)
    assert line == (
        "problem (NoRegion): Profile 'noreg' has no region, so most aws commands fail with "
        "NoRegion and the JavaScript SDK cannot refresh its credentials. Add the line "
        f"'region = eu-central-1' under [profile noreg] in {aws_home.config}."
    )
    as_json = json.loads(run_cli(aws_home, "status", "--profile", "noreg", "--json").stdout)
    assert [p["kind"] for p in as_json["problems"]] == ["NoRegion"]
    assert aws_home.snapshot() == before
    # With the region back, the problem goes.
    aws_home.config.write_text(text)
    again = json.loads(run_cli(aws_home, "status", "--profile", "noreg", "--json").stdout)
    assert again["problems"] == []


# -- the AWS folder holds only the AWS CLI's files -------------------------------------------


# "this": the platform the suite runs on; "macos": macOS's choices forced in every process
# (tests/macos_traits.py). The lock folder is wherever store.locks says for that platform.
@pytest.mark.parametrize("platform", ["this", "macos"])
def test_no_lock_file_is_left_in_the_aws_folder_by_any_command(
        aws_home: AwsHome, tmp_path: Path, platform: str) -> None:
    import hashlib

    # HOME and LOCALAPPDATA of the test's own, so that the lock folder is too on every
    # platform (XDG_RUNTIME_DIR is only Linux's).
    env = dict(aws_home.env, HOME=str(tmp_path / "home"), LOCALAPPDATA=str(tmp_path / "local"))
    if platform == "macos":
        env = macos_site_env(env, tmp_path / "home")
    aws_home = AwsHome(aws_home.root, env)
    login(aws_home, "a", "--region", "us-east-1")
    cache = f"login/cache/{hashlib.sha256(ARN.encode()).hexdigest()}.json"
    assert aws_files(aws_home.root) == {"config", cache}
    data = json.loads((aws_home.root / cache).read_text())
    data["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z"
    (aws_home.root / cache).write_text(json.dumps(data))
    for args in (["credential-process", "--profile", "a"], ["status", "--profile", "a"],
                 ["setup-process-profile", "--profile", "a"], ["whoami", "--profile", "a"],
                 ["logout", "--profile", "a"], ["logout", "--all"]):
        done = run_cli(aws_home, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert not [f for f in aws_files(aws_home.root) if f.endswith(".lock")], args
    assert aws_files(aws_home.root) == {"config"}
    # The locks were taken, in this program's per-user folder (whose files Windows'
    # filelock deletes on release).
    forced = "darwin" if platform == "macos" else None
    locks = lock_dir(forced, env)
    assert locks.is_relative_to(tmp_path) and locks.is_dir(), locks
    if lock_files_kept(forced):
        assert any(p.name.endswith(".lock") for p in locks.iterdir())


@pytest.mark.parametrize("args", [
    ["setup-process-profile", "--profile", "nobody"],
    ["logout", "--all"],
    ["logout", "--profile", "nobody"],
    ["credential-process", "--profile", "nobody"],
    ["status", "--profile", "nobody"],
    ["login", "--remote", "--profile", "bad name", "--region", "us-east-1"],
    ["login", "--remote", "--profile", "x", "--region", "not a region"],
])
def test_a_command_on_a_machine_without_an_aws_folder_creates_none(
        aws_home: AwsHome, tmp_path: Path, args: list[str]) -> None:
    fresh = tmp_path / "home"
    home = with_env(aws_home, AWS_CONFIG_FILE=str(fresh / ".aws" / "config"),
                    AWS_SHARED_CREDENTIALS_FILE=str(fresh / ".aws" / "credentials"),
                    AWS_LOGIN_CACHE_DIRECTORY=str(fresh / ".aws" / "login" / "cache"),
                    XDG_RUNTIME_DIR=str(tmp_path / "run"))
    run_cli(home, *args, stdin="")
    assert not fresh.exists()


@pytest.mark.parametrize(("platform", "env", "expected"), [
    ("linux", {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/run/user/1000"},
     "/run/user/1000/aws-login-bridge"),
    ("linux", {"HOME": "/home/u"}, "/home/u/.cache/aws-login-bridge/locks"),
    ("linux", {"HOME": "/home/u", "XDG_RUNTIME_DIR": "relative", "XDG_CACHE_HOME": "/c"},
     "/c/aws-login-bridge/locks"),
    ("darwin", {"HOME": "/Users/u"}, "/Users/u/Library/Caches/aws-login-bridge/locks"),
    ("win32", {"USERPROFILE": "C:/Users/u", "LOCALAPPDATA": "C:/Users/u/AppData/Local"},
     "C:/Users/u/AppData/Local/aws-login-bridge/locks"),
    ("win32", {"USERPROFILE": "C:/Users/u"}, "C:/Users/u/AppData/Local/aws-login-bridge/locks"),
])
def test_the_lock_folder_on_each_platform(platform: str, env: dict[str, str],
                                          expected: str) -> None:
    assert lock_dir(platform, env).as_posix() == expected

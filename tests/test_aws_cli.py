"""The real `aws` command (AWS CLI v1 from PyPI, on botocore's LoginProvider) uses our login."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AwsHome, CliLogin, run_cli

from aws_login_bridge.emulator import person

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"


def aws_command(scripts: Path = Path(sys.executable).parent) -> list[str]:
    """The `aws` installed beside this Python (the dev extra), run by this Python.

    AWS CLI v1's `aws` is a Python script, not a launcher. On Windows pip puts it in
    Scripts\\ with no .exe beside it, only an aws.cmd that runs the first python on PATH (not
    this one, which has our package); so the script is run by this Python, on every system.
    """
    script = scripts / "aws"
    if not script.is_file():
        pytest.fail("the aws command is missing: run scripts/setup.sh", pytrace=False)
    return [sys.executable, str(script)]


def _aws(home: AwsHome, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*aws_command(), *args], env={**home.env, **env},
                          capture_output=True, text=True, timeout=60, check=False)


def _type_of(listing: str, name: str) -> str:
    match = re.search(rf"^\s*{name}\s+\S+\s+(\S+)", listing, re.MULTILINE)
    assert match, listing
    return match.group(1)


def test_aws_configure_list_shows_login_and_sts_works(aws_home: AwsHome) -> None:
    login = CliLogin(aws_home, "--profile", "cli", "--region", "us-east-1")
    assert login.finish(person.sign_in(login.url)).returncode == 0

    listing = _aws(aws_home, "configure", "list", "--profile", "cli")
    assert listing.returncode == 0, listing.stderr
    assert _type_of(listing.stdout, "access_key") == "login"
    assert _type_of(listing.stdout, "secret_key") == "login"

    who = _aws(aws_home, "sts", "get-caller-identity", "--profile", "cli")
    assert who.returncode == 0, who.stderr
    assert json.loads(who.stdout)["Arn"] == ARN

    # Environment keys win when the profile comes from AWS_PROFILE: both tools agree.
    keys = {"AWS_ACCESS_KEY_ID": "AKIAENVEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x",
            "AWS_PROFILE": "cli"}
    assert _type_of(_aws(aws_home, "configure", "list", **keys).stdout, "access_key") == "env"
    ours = run_cli(AwsHome(aws_home.root, {**aws_home.env, **keys}), "status", "--json")
    assert json.loads(ours.stdout)["credentialSource"] == "env"

    assert run_cli(aws_home, "logout", "--profile", "cli").returncode == 0
    gone = _aws(aws_home, "sts", "get-caller-identity", "--profile", "cli")
    assert gone.returncode != 0


def test_the_aws_command_runs_on_this_python_whatever_python_path_has_first(
        aws_home: AwsHome, tmp_path: Path) -> None:
    # The python aws.cmd would find first on Windows (python.cmd, then .bat, then .exe), and
    # a POSIX one: each fails, so only a run on this Python passes.
    decoys = tmp_path / "decoys"
    decoys.mkdir()
    (decoys / "python.cmd").write_text("@exit /b 97\r\n")
    (decoys / "python").write_text("#!/bin/sh\nexit 97\n")
    (decoys / "python").chmod(0o755)
    path = os.pathsep.join([str(decoys), aws_home.env.get("PATH", "")])
    shown = _aws(aws_home, "--version", PATH=path)
    assert shown.returncode == 0, shown.stderr
    assert (shown.stdout + shown.stderr).startswith("aws-cli/1.")

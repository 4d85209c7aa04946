"""What a newcomer trips over in the first hour: the CLI's advice, labels and messages.

Each runs the real CLI as a subprocess against the emulator over HTTP; every refusal
leaves the AWS folder byte for byte as it was.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request

import pytest
from conftest import PYTHON, AwsHome, run_cli
from test_cli_login import cache_file, login


def encode(message: dict[str, object]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def profile_row(stdout: str) -> list[str]:
    """The ``profile`` row of the status table, split into its columns."""
    (row,) = [line.split(None, 3) for line in stdout.splitlines()
              if line.strip().startswith("profile ")]
    return row


def test_status_of_an_access_key_profile_advises_a_login_that_works(aws_home: AwsHome) -> None:
    aws_home.config.write_text("[profile keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                               "aws_secret_access_key = example-secret\nregion = eu-west-1\n")
    before = aws_home.snapshot()
    status = json.loads(run_cli(aws_home, "status", "--profile", "keys", "--json").stdout)
    (problem,) = [p for p in status["problems"] if p["kind"] == "NotLoggedIn"]
    assert problem["message"] == (
        "Profile 'keys' has no login session. It gets credentials from access keys "
        "(aws_access_key_id); to use a console sign-in, log in with a new profile: "
        "aws-login-bridge login --remote --profile keys-login")
    table = run_cli(aws_home, "status", "--profile", "keys").stdout
    assert "login --remote --profile keys-login" in table
    assert "login --remote --profile keys\n" not in table
    refused = run_cli(aws_home, "credential-process", "--profile", "keys")
    assert refused.returncode == 1 and "--profile keys-login" in refused.stderr
    assert aws_home.snapshot() == before
    # The advice is a command that login accepts.
    assert login(aws_home, "keys-login").returncode == 0
    assert "[profile keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE" in aws_home.config.read_text()


def test_keys_in_the_credentials_file_get_the_same_advice(aws_home: AwsHome) -> None:
    """Keys there would win over a login saved under the same name: advise a new name."""
    aws_home.credentials.write_text("[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                                    "aws_secret_access_key = example-secret\n")
    before = aws_home.snapshot()
    status = json.loads(run_cli(aws_home, "status", "--profile", "keys", "--json").stdout)
    assert status["credentialSource"] == "shared-credentials-file"
    (problem,) = [p for p in status["problems"] if p["kind"] == "NotLoggedIn"]
    assert problem["message"].endswith("aws-login-bridge login --remote --profile keys-login")
    assert aws_home.snapshot() == before


@pytest.mark.parametrize(("argv", "env", "expected"), [
    (["--profile", "p"], {}, ["profile", "p", "manual", "--profile"]),
    (["--profile", "p"], {"AWS_PROFILE": "other"}, ["profile", "p", "manual", "--profile"]),
    ([], {"AWS_PROFILE": "p"}, ["profile", "p", "env", "AWS_PROFILE"]),
    ([], {"AWS_PROFILE": "q", "AWS_DEFAULT_PROFILE": "p"},
     ["profile", "p", "env", "AWS_DEFAULT_PROFILE"]),  # botocore's order
    ([], {}, ["profile", "default", "default", "(none chosen)"]),
])
def test_status_labels_where_the_profile_came_from(aws_home: AwsHome, argv: list[str],
                                                    env: dict[str, str],
                                                    expected: list[str]) -> None:
    home = AwsHome(aws_home.root, dict(aws_home.env, **env))
    out = run_cli(home, "status", *argv)
    assert out.returncode == 3, out.stderr  # reported, and unknown so not usable
    assert profile_row(out.stdout) == expected


def test_logout_names_the_profiles_that_shared_the_cache_file(aws_home: AwsHome) -> None:
    assert login(aws_home, "dev").returncode == 0
    assert login(aws_home, "same").returncode == 0  # the same console session
    assert len(list(aws_home.cache_dir.glob("*.json"))) == 1
    out = run_cli(aws_home, "logout", "--profile", "dev")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == (
        "Logged out of profile 'dev'. Credentials already handed out stay valid until they "
        "expire (at most 15 minutes). Also logged out: 'same' (signed in with the same "
        "console session, so they shared its cached credentials).")
    assert not cache_file(aws_home).exists()
    assert run_cli(aws_home, "credential-process", "--profile", "same").returncode == 1


def test_logout_with_nothing_to_remove_says_one_thing(aws_home: AwsHome) -> None:
    """``logout`` (no config at all), a logged-out profile and an unknown one: one answer."""
    answers = {}
    for argv in ([], ["--profile", "p"], ["--profile", "nobody"]):
        if argv == ["--profile", "p"]:
            assert login(aws_home).returncode == 0
            assert run_cli(aws_home, "logout", "--profile", "p").returncode == 0
        before = aws_home.snapshot()
        out = run_cli(aws_home, "logout", *argv)
        assert aws_home.snapshot() == before
        name = argv[1] if argv else "default"
        answers[name] = (out.returncode, out.stdout.replace(f"'{name}'", "'P'"), out.stderr)
    assert set(answers.values()) == {
        (0, "Profile 'P' has no cached login credentials; nothing to remove.\n", "")}


def test_logout_refuses_profile_with_all(aws_home: AwsHome) -> None:
    assert login(aws_home).returncode == 0
    before = aws_home.snapshot()
    out = run_cli(aws_home, "logout", "--all", "--profile", "p")
    assert out.returncode == 2 and out.stdout == ""
    assert "argument --profile: not allowed with argument --all" in out.stderr
    assert aws_home.snapshot() == before


def test_every_option_has_help(aws_home: AwsHome) -> None:
    import argparse

    from aws_login_bridge.cli import build_parser

    shown = run_cli(aws_home, "status", "--help").stdout
    assert "--json             print the status as one JSON object" in shown
    parser = build_parser()
    (commands,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    missing = [f"{name} {'/'.join(action.option_strings)}"
               for name, sub in commands.choices.items() for action in sub._actions
               if action.option_strings and not action.help]
    assert missing == []


@pytest.mark.parametrize("level", ["debug", "Debug", "DEBUG"])
def test_serve_accepts_a_log_level_in_any_case(aws_home: AwsHome, level: str) -> None:
    messages = [{"jsonrpc": "2.0", "id": 1, "method": "initialize",
                 "params": {"processId": None, "rootUri": None, "capabilities": {}}},
                {"jsonrpc": "2.0", "id": 2, "method": "shutdown"},
                {"jsonrpc": "2.0", "method": "exit"}]
    out = subprocess.run([PYTHON, "-m", "aws_login_bridge", "serve", "--log-level", level],
                         input=b"".join(encode(m) for m in messages), env=aws_home.env,
                         capture_output=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    assert b'"id": 1' in out.stdout and b'"result"' in out.stdout
    assert b" DEBUG aws_login_bridge" in out.stderr  # the level took effect


def test_emulator_command_logs_requests(tmp_path) -> None:  # type: ignore[no-untyped-def]
    proc = subprocess.Popen([PYTHON, "-m", "aws_login_bridge", "emulator", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stderr is not None
        base = proc.stdout.readline().split()[3]  # "emulator listening on URL (...)"
        with urllib.request.urlopen(base + "/_emulator/health?secret=1", timeout=5) as answer:
            assert answer.status == 200
        line = proc.stderr.readline()
        assert line.rstrip().endswith("aws_login_bridge.emulator GET /_emulator/health -> 200")
    finally:
        proc.terminate()
        proc.wait(10)


"""Real Windows only: another process holds the login cache file open while a refresh
writes it. Windows refuses to replace a file that is open without FILE_SHARE_DELETE (as
Python, editors and virus scanners open it); the engine waits that out for a moment, then
hands out the refreshed credentials with one sentence on what it could not save, and
leaves the old file whole. test_windows_traits.py forces the refusal on
Linux; here it is Windows' own, from a second real process.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import AwsHome, CliLogin, cache_file, rewrite_cache, run_cli

from aws_login_bridge.emulator import person

pytestmark = pytest.mark.windows

# Opens the file the way Python does on Windows (share read and write, not delete), says so,
# and closes it when told: "until-temp" once a temp file of the writer is beside it (the
# writer is then waiting to replace it), "until-eof" when its stdin closes.
HOLDER = """
import pathlib, sys, time
path, until = pathlib.Path(sys.argv[1]), sys.argv[2]
with open(path, "rb"):
    print("open", flush=True)
    if until == "until-temp":
        deadline = time.monotonic() + 60
        while not list(path.parent.glob("." + path.name + ".*.tmp")):
            if time.monotonic() > deadline:
                sys.exit("the writer never made its temp file")
            time.sleep(0.005)
    else:
        sys.stdin.read()
print("closed", flush=True)
"""


@contextmanager
def held_open(path: Path, until: str) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), until],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "open\n"  # the file is open before we write
        yield holder
    finally:
        holder.communicate(timeout=60)


def digest(path: Path) -> str:
    """The file's sha256: a failing comparison shows this, not the secrets in the file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def logged_in_and_expired(home: AwsHome) -> str:
    """Log profile p in and expire its access token; the cache file's digest then."""
    login = CliLogin(home, "--profile", "p", "--region", "us-east-1")
    assert login.finish(person.sign_in(login.url)).returncode == 0
    rewrite_cache(home, lambda token: token["accessToken"].update(
        expiresAt="2020-01-01T00:00:00Z"))
    return digest(cache_file(home))


def temp_files(home: AwsHome) -> list[str]:
    return sorted(p.name for p in home.cache_dir.glob(".*.tmp"))


def refresh(home: AwsHome) -> tuple[int, int, str]:
    """credential-process's exit status, the Version of what it handed out, and its stderr
    (a failing assertion shows these, never the credentials)."""
    done = run_cli(home, "credential-process", "--profile", "p")
    version = json.loads(done.stdout)["Version"] if done.returncode == 0 else 0
    return done.returncode, version, done.stderr


def test_a_refresh_waits_for_a_reader_to_let_the_cache_file_go(aws_home: AwsHome) -> None:
    logged_in_and_expired(aws_home)
    with held_open(cache_file(aws_home), "until-temp") as holder:
        code, version, said = refresh(aws_home)
    assert holder.returncode == 0  # it saw the writer's temp file while it held the file
    assert (code, version) == (0, 1), said
    expires = json.loads(cache_file(aws_home).read_bytes())["accessToken"]["expiresAt"]
    assert expires != "2020-01-01T00:00:00Z"  # the refreshed login was saved
    assert temp_files(aws_home) == []


def test_a_refresh_hands_out_credentials_it_cannot_save_and_loses_nothing(
        aws_home: AwsHome) -> None:
    expired = logged_in_and_expired(aws_home)
    with held_open(cache_file(aws_home), "until-eof"):
        code, version, said = refresh(aws_home)
    # The refreshed credentials are good: handed out, with one sentence on what was not saved.
    assert (code, version) == (0, 1), said
    assert "The credentials were refreshed but could not be saved" in said
    assert "Cannot write the login cache" in said
    assert "Traceback" not in said
    assert digest(cache_file(aws_home)) == expired  # the old file, whole
    assert temp_files(aws_home) == []

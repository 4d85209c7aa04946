"""kill -9 the CLI and the helper at every write-phase point of login, refresh, logout and
setup-process-profile (through the inert ``crashpoint`` hook), and once by timing while
the token request is on the wire. After every kill: the config parses (botocore's own
loader) and is either the old file or the complete new one, every cache file is complete
JSON (old or new, never torn), leftover temp files are ignored by every reader, a logout
removes every copy of the secrets, and a new login works.

A login killed between its cache write and its config write (``login.cache_written`` and
``atomic.written@2``) leaves a cache file that no profile points at yet. That is accepted:
it is complete, private (0600) and unreferenced, the next login of that session overwrites
it, and ``logout --all`` removes it; the profile itself is untouched.
"""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, AwsHome, CliLogin, run_cli
from test_rpc_wire import Wire

from aws_login_bridge.emulator import Fault, person
from aws_login_bridge.store.configfile import ConfigDocument

from . import tally
from .support import (
    ARN,
    cache_file,
    cache_secrets,
    check_files,
    digest,
    snapshot,
    temp_files,
    token_secrets,
)

CRASH_VAR = "AWS_LOGIN_BRIDGE_TEST_CRASH_AT"
KILLED = -getattr(signal, "SIGKILL", 9)
# kill -9 and its exit status are POSIX; Windows-forced kills are in test_windows_traits.py.
pytestmark = pytest.mark.posix
PAST = "2020-01-01T00:00:00Z"
CONFIG = "# keep me\n[default]\nregion = eu-west-1\n\n[profile p]\n; mine\noutput = json\n"
BOTOCORE_PROBE = ("import botocore.session as s; "
                  "print(s.Session(profile='p').get_credentials().method)")
LOGIN_POINTS = ["atomic.written@1", "login.cache_written", "atomic.written@2",
                "login.config_saved"]


def crashing(home: AwsHome, point: str) -> AwsHome:
    return AwsHome(home.root, dict(home.env, **{CRASH_VAR: point}))


def login_cli(home: AwsHome, profile: str = "p") -> subprocess.CompletedProcess[str]:
    cli = CliLogin(home, "--profile", profile, "--region", "us-east-1")
    return cli.finish(person.sign_in(cli.url))


def expire(home: AwsHome) -> None:
    path = cache_file(home.cache_dir)
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = PAST
    path.write_text(json.dumps(token))


def credential_process(home: AwsHome, profile: str = "p") -> subprocess.CompletedProcess[str]:
    return run_cli(home, "credential-process", "--profile", profile)


def intended_config(old: bytes) -> bytes:
    doc = ConfigDocument(path=Path("config"), original=old, text=old.decode())
    values = {"login_session": ARN}
    if not (doc.profile("p") or {}).get("region"):
        values["region"] = "us-east-1"
    return doc.with_values("p", values).text.encode()


def after_the_kill(home: AwsHome, *, config_was: bytes, config_will_be: bytes,
                   cache_was: bytes | None) -> None:
    """The invariants every kill must leave, then a fresh login and a full logout."""
    files = check_files(home.config, home.cache_dir)
    assert home.config.read_bytes() in (config_was, config_will_be), "config half-written"
    path = cache_file(home.cache_dir)
    assert files in ([], [path]), files
    if cache_was is not None:
        assert path.exists()  # a re-login or refresh replaces, it never removes
    # Whatever state the kill left is usable: readers ignore temp files, and a profile that
    # points at the session has working credentials.
    if home.config.read_bytes() == config_will_be:
        out = credential_process(home)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["AccessKeyId"] == json.loads(
            path.read_bytes())["accessToken"]["accessKeyId"]
    status = run_cli(home, "status", "--profile", "p", "--json")
    # Answered (0: the login got through, 3: it did not), never a crash.
    assert status.returncode in (0, 3) and "Traceback" not in status.stderr
    leftovers = temp_files(home.cache_dir, home.config.parent)
    if leftovers and home.config.read_bytes() == config_will_be:
        # botocore itself resolves the profile with the dead write's temp files around.
        probe = subprocess.run([PYTHON, "-c", BOTOCORE_PROBE], env=home.env, text=True,
                               capture_output=True, timeout=60, check=False)
        assert probe.stdout.strip() == "login", probe.stderr[-2000:]
    # A new login works and a full logout removes every copy of the secrets, temp files too.
    assert login_cli(home).returncode == 0
    assert credential_process(home).returncode == 0
    secrets = cache_secrets(home.cache_dir)
    leftovers = [p.read_text() for p in temp_files(home.cache_dir)]
    secrets |= {s for text in leftovers for s in _secrets_in(text)}
    assert run_cli(home, "logout", "--all").returncode == 0
    remaining = "".join(p.read_text(errors="replace") for p in home.cache_dir.rglob("*")
                        if p.is_file())
    left = sum(1 for s in secrets if s in remaining)  # a count: the values stay unprinted
    assert left == 0, "secrets left after logout --all"


def _secrets_in(text: str) -> set[str]:
    try:
        token = json.loads(text)
    except ValueError:
        return set()
    return token_secrets(token) if isinstance(token, dict) else set()


# -- login (CLI) -------------------------------------------------------------------------


@pytest.mark.parametrize(("point", "relogin"), [
    *((point, False) for point in LOGIN_POINTS),
    # A re-login of the same session leaves the config as it is: one write only.
    *((point, True) for point in LOGIN_POINTS if point != "atomic.written@2"),
])
def test_cli_login_killed(aws_home: AwsHome, point: str, relogin: bool) -> None:
    aws_home.config.write_text(CONFIG)
    if relogin:
        assert login_cli(aws_home).returncode == 0
    config_was = aws_home.config.read_bytes()
    path = cache_file(aws_home.cache_dir)
    cache_was = path.read_bytes() if path.exists() else None
    result = login_cli(crashing(aws_home, point))
    tally.crash_point(f"cli-login:{point}")
    assert result.returncode == KILLED, result.stderr
    after_the_kill(aws_home, config_was=config_was,
                   config_will_be=intended_config(config_was if not relogin else
                                                  CONFIG.encode()),
                   cache_was=cache_was)


def test_cli_login_killed_while_the_token_request_is_on_the_wire(
    aws_home: AwsHome, emulator: Any
) -> None:
    """kill -9 by timing: the exchange is slow, the process dies waiting for it."""
    aws_home.config.write_text(CONFIG)
    before = snapshot(aws_home.root)
    cli = CliLogin(aws_home, "--profile", "p", "--region", "us-east-1")
    code = person.sign_in(cli.url)
    emulator.add_fault(Fault(target="authorization_code", delay=5))
    tally.count("faults.delay")
    assert cli.proc.stdin is not None
    cli.proc.stdin.write(code + "\n")
    cli.proc.stdin.flush()
    _wait(lambda: emulator.stats()["token"]["authorization_code"] == 1, "the token request")
    cli.proc.kill()
    cli.proc.communicate(timeout=30)
    tally.crash_point("cli-login:token-request-in-flight")
    assert snapshot(aws_home.root) == before
    after_the_kill(aws_home, config_was=CONFIG.encode(),
                   config_will_be=intended_config(CONFIG.encode()), cache_was=None)


def _wait(condition: Any, what: str, limit: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


# -- login (helper) ----------------------------------------------------------------------


@pytest.mark.parametrize("point", LOGIN_POINTS)
def test_helper_login_killed(aws_home: AwsHome, point: str) -> None:
    aws_home.config.write_text(CONFIG)
    helper = Wire(crashing(aws_home, point).env, log_level="DEBUG")
    try:
        helper.initialize()
        started = helper.request("awsLogin/startLogin", {"profile": "p", "region": "us-east-1"})
        code = person.sign_in(started["authorizeUrl"])
        helper.start("awsLogin/completeLogin", {"loginId": started["loginId"], "code": code})
        assert helper.proc.wait(30) == KILLED
    finally:
        helper.close()
    tally.crash_point(f"helper-login:{point}")
    assert not helper.violations  # whatever it wrote before dying was whole frames
    after_the_kill(aws_home, config_was=CONFIG.encode(),
                   config_will_be=intended_config(CONFIG.encode()), cache_was=None)


# -- refresh (credential-process, the helper) --------------------------------------------


@pytest.mark.parametrize("point", ["refresh.answered", "atomic.written@1"])
def test_refresh_killed(aws_home: AwsHome, emulator: Any, point: str) -> None:
    aws_home.config.write_text(CONFIG)
    assert login_cli(aws_home).returncode == 0
    expire(aws_home)
    config_was = aws_home.config.read_bytes()
    cache_was = cache_file(aws_home.cache_dir).read_bytes()
    result = credential_process(crashing(aws_home, point))
    tally.crash_point(f"credential-process-refresh:{point}")
    assert result.returncode == KILLED
    assert result.stdout == ""
    now = digest(cache_file(aws_home.cache_dir).read_bytes())
    assert now == digest(cache_was)  # the old file, whole
    # The service rotated the refresh token the dead process never saved: the next caller
    # refreshes with the old one again and gets the same answer (a replay), not a lost login.
    out = credential_process(aws_home)
    assert out.returncode == 0, out.stderr
    after_the_kill(aws_home, config_was=config_was, config_will_be=config_was,
                   cache_was=cache_was)


def test_helper_refresh_killed(aws_home: AwsHome) -> None:
    aws_home.config.write_text(CONFIG)
    assert login_cli(aws_home).returncode == 0
    expire(aws_home)
    config_was = aws_home.config.read_bytes()
    cache_was = cache_file(aws_home.cache_dir).read_bytes()
    helper = Wire(crashing(aws_home, "refresh.answered").env, log_level="DEBUG")
    try:
        helper.initialize()
        helper.start("awsLogin/callerIdentity", {"profile": "p"})
        assert helper.proc.wait(30) == KILLED
    finally:
        helper.close()
    tally.crash_point("helper-refresh:refresh.answered")
    now = digest(cache_file(aws_home.cache_dir).read_bytes())
    assert now == digest(cache_was)
    after_the_kill(aws_home, config_was=config_was, config_will_be=config_was,
                   cache_was=cache_was)


# -- logout and setup-process-profile ---------------------------------------------------

SESSIONS = [ARN, "arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/bob"]


def _three_sessions(home: AwsHome) -> list[Path]:
    """Three sessions in one cache folder: one real login, two copies under other ARNs."""
    from aws_login_bridge.store.cache import write_cache

    assert login_cli(home, "s0").returncode == 0
    token = json.loads(cache_file(home.cache_dir).read_bytes())
    for arn in SESSIONS[1:]:
        write_cache(arn, token)
    return [cache_file(home.cache_dir, arn) for arn in SESSIONS]


@pytest.mark.parametrize("nth", [1, 2, 3])
def test_logout_all_killed_midway(aws_home: AwsHome, nth: int) -> None:
    paths = _three_sessions(aws_home)
    config_was = aws_home.config.read_bytes()
    result = run_cli(crashing(aws_home, f"logout.removing@{nth}"), "logout", "--all")
    tally.crash_point(f"cli-logout-all:logout.removing@{nth}")
    assert result.returncode == KILLED
    left = [p for p in paths if p.exists()]
    assert len(left) == 4 - nth  # the files before the kill went, the rest are untouched
    check_files(aws_home.config, aws_home.cache_dir)
    assert aws_home.config.read_bytes() == config_was
    out = run_cli(aws_home, "logout", "--all")
    assert out.returncode == 0 and f"Removed {4 - nth}" in out.stdout
    assert not [p for p in paths if p.exists()]


@pytest.mark.parametrize("params", [{"profile": "s0"}, {"all": True}], ids=["profile", "all"])
def test_helper_logout_killed(aws_home: AwsHome, params: dict[str, Any]) -> None:
    paths = _three_sessions(aws_home)
    before = snapshot(aws_home.root)
    helper = Wire(crashing(aws_home, "logout.removing").env, log_level="DEBUG")
    try:
        helper.initialize()
        helper.start("awsLogin/logout", params)
        assert helper.proc.wait(30) == KILLED
    finally:
        helper.close()
    tally.crash_point(f"helper-logout-{'all' if 'all' in params else 'profile'}:logout.removing")
    assert not helper.violations
    assert snapshot(aws_home.root) == before  # killed before the first deletion
    check_files(aws_home.config, aws_home.cache_dir)
    out = run_cli(aws_home, "logout", "--all")
    assert out.returncode == 0 and "Removed 3" in out.stdout
    assert not [p for p in paths if p.exists()]


def test_logout_profile_killed(aws_home: AwsHome) -> None:
    aws_home.config.write_text(CONFIG)
    assert login_cli(aws_home).returncode == 0
    before = snapshot(aws_home.root)
    config = aws_home.config.read_bytes()
    cache = cache_file(aws_home.cache_dir).read_bytes()
    result = run_cli(crashing(aws_home, "logout.removing"), "logout", "--profile", "p")
    tally.crash_point("cli-logout:logout.removing")
    assert result.returncode == KILLED
    assert snapshot(aws_home.root) == before
    after_the_kill(aws_home, config_was=config, config_will_be=config, cache_was=cache)


def test_setup_process_profile_killed(aws_home: AwsHome) -> None:
    aws_home.config.write_text(CONFIG)
    assert login_cli(aws_home).returncode == 0
    before = aws_home.config.read_bytes()
    result = run_cli(crashing(aws_home, "atomic.written"), "setup-process-profile",
                     "--profile", "p")
    tally.crash_point("cli-setup-process-profile:atomic.written")
    assert result.returncode == KILLED
    check_files(aws_home.config, aws_home.cache_dir)
    assert aws_home.config.read_bytes() == before
    assert temp_files(aws_home.config.parent)  # the dead write's temp file is still there...
    done = run_cli(aws_home, "setup-process-profile", "--profile", "p")
    assert done.returncode == 0, done.stderr
    assert "[profile p-process]" in aws_home.config.read_text()


def test_a_stale_temp_file_is_swept_by_the_next_write_of_that_file(aws_home: AwsHome) -> None:
    """A dead writer's temp file goes at the next write of the same file once it is clearly
    abandoned (10 minutes); a young one may be another writer's and stays."""
    import os
    import time

    aws_home.config.write_text(CONFIG)
    assert login_cli(crashing(aws_home, "atomic.written@2")).returncode == KILLED
    tally.crash_point("cli-login:atomic.written@2 (sweep)")
    [stale] = temp_files(aws_home.config.parent)
    young = stale.with_name(f".{aws_home.config.name}.young.tmp")
    young.write_text("")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    assert login_cli(aws_home, "other").returncode == 0  # writes the config again
    assert temp_files(aws_home.config.parent) == [young]

"""``awsLogin/sessionChanged`` for changes made by other processes, seen through the files."""

from __future__ import annotations

import datetime as dt
import json

from conftest import AwsHome, CliLogin, backdate_sign_in, cache_file, rewrite_cache, run_cli
from test_rpc_login import ARN, cache_secrets, code_secrets, is_state
from test_rpc_wire import Wire, wire  # noqa: F401 - `wire` is a fixture

from aws_login_bridge.emulator import person

CHANGED = "awsLogin/sessionChanged"


def cli_login(home: AwsHome, helper: Wire, profile: str) -> None:
    login = CliLogin(home, "--profile", profile, "--region", "us-east-1")
    code = person.sign_in(login.url)
    assert code
    helper.secrets |= code_secrets(code)
    finished = login.finish(code)
    assert finished.returncode == 0, finished.stderr
    helper.secrets |= cache_secrets(home)


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_login_refresh_and_logout_by_other_processes(wire: Wire,  # noqa: F811
                                                     aws_home: AwsHome) -> None:
    # Another process logs in.
    cli_login(aws_home, wire, "q")
    active = wire.notification(CHANGED, is_state("active", "q"))
    assert active["loginSession"] == ARN
    assert active["expiresAt"] == json.loads(cache_file(aws_home).read_text())[
        "accessToken"]["expiresAt"]

    # Another process refreshes (the credentials were close to expiry).
    soon = stamp(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=90))
    rewrite_cache(aws_home, lambda t: t["accessToken"].update(expiresAt=soon))
    wire.notification(CHANGED, lambda p: p["state"] == "refreshed" and p["expiresAt"] == soon)
    whoami = run_cli(aws_home, "whoami", "--profile", "q")
    assert whoami.returncode == 0, whoami.stderr
    wire.secrets |= cache_secrets(aws_home)
    refreshed = wire.notification(CHANGED, is_state("refreshed", "q"))
    assert refreshed["expiresAt"] > soon
    assert refreshed["loginSession"] == ARN

    # This helper refreshes it itself (callerIdentity finds it close to expiry).
    rewrite_cache(aws_home, lambda t: t["accessToken"].update(expiresAt=soon))
    wire.notification(CHANGED, lambda p: p["state"] == "refreshed" and p["expiresAt"] == soon)
    assert wire.request("awsLogin/callerIdentity", {"profile": "q"})["Arn"] == ARN
    wire.secrets |= cache_secrets(aws_home)
    mine = wire.notification(CHANGED, is_state("refreshed", "q"))
    assert mine["expiresAt"] > soon

    # Another process logs out (deletes the cache file).
    logout = run_cli(aws_home, "logout", "--profile", "q")
    assert logout.returncode == 0, logout.stderr
    gone = wire.notification(CHANGED, is_state("loggedOut", "q"))
    assert (gone["loginSession"], gone["expiresAt"]) == (ARN, None)


def test_profile_losing_its_login_session_is_logged_out(wire: Wire,  # noqa: F811
                                                        aws_home: AwsHome) -> None:
    cli_login(aws_home, wire, "q")
    wire.notification(CHANGED, is_state("active", "q"))
    aws_home.config.write_text("[profile q]\nregion = us-east-1\n")
    assert wire.notification(CHANGED, is_state("loggedOut", "q"))["loginSession"] == ARN


def test_expired_when_the_12_hour_session_ends(aws_home: AwsHome) -> None:
    secrets: set[str] = set()
    login = CliLogin(aws_home, "--profile", "q", "--region", "us-east-1")
    code = person.sign_in(login.url)
    assert code and login.finish(code).returncode == 0
    # Make the session look signed in 12 hours ago, less a moment: it ends shortly after
    # the helper's first (silent) look.
    issued = int(dt.datetime.now(dt.timezone.utc).timestamp()) - 12 * 3600 + 3
    backdate_sign_in(aws_home, issued)
    secrets |= code_secrets(code) | cache_secrets(aws_home)
    helper = Wire(aws_home.env)
    helper.secrets = secrets
    try:
        helper.initialize()
        ended = helper.notification(CHANGED, is_state("expired", "q"))
        assert ended["loginSession"] == ARN
        ends = dt.datetime.fromtimestamp(issued, dt.timezone.utc) + dt.timedelta(hours=12)
        assert ended["sessionExpiresAt"] == stamp(ends)
        status = helper.request("awsLogin/status", {"profile": "q"})
        assert "SessionExpired" in [p["kind"] for p in status["problems"]]
    finally:
        helper.close()
        helper.check_clean()

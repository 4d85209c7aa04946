"""Refreshes that survive other tools: botocore (and so the AWS CLI) refreshes the same
login session without our lock, and AWS Sign-In spends a refresh token once it is used
(the emulator answers a replay the same way only until that answer's own token has been
redeemed; then TOKEN_EXPIRED, as for any spent token).

Each test holds our credential-process's refresh at the emulator — its answer late
(``delay``) or the request itself before it is looked at (``stall``) — while real botocore
refreshes the session twice in other processes, so the order is fixed: our read, the
other tool's refreshes, then our token call or our write.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest
from conftest import PYTHON, AwsHome, CliLogin, rewrite_cache, wait_for

from aws_login_bridge.emulator import Fault, person

from . import tally
from .support import cache_file, check_files

PAST = "2020-01-01T00:00:00Z"
HOLD = 6.0  # seconds our refresh is held: botocore's two refreshes take a second or two
# botocore's own LoginProvider, in its own process: it reads the file, refreshes when the
# credentials are due and rewrites the file in place, taking no lock of ours.
BOTOCORE_REFRESH = ("import botocore.session as s; c = s.Session(profile='p').get_credentials(); "
                    "print(c.get_frozen_credentials().access_key)")


def login(home: AwsHome) -> None:
    cli = CliLogin(home, "--profile", "p", "--region", "us-east-1")
    done = cli.finish(person.sign_in(cli.url))
    assert done.returncode == 0, done.stderr


def expire(home: AwsHome) -> None:
    """Time passes: the cached credentials are due (the refresh token stays)."""
    rewrite_cache(home, lambda token: token["accessToken"].update(expiresAt=PAST))


def botocore_refresh(home: AwsHome) -> str:
    expire(home)
    done = subprocess.run([PYTHON, "-c", BOTOCORE_REFRESH], env=home.env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def file_key(home: AwsHome) -> str:
    return json.loads(cache_file(home.cache_dir).read_bytes())["accessToken"]["accessKeyId"]


def held_credential_process(home: AwsHome, emulator: Any, fault: Fault
                            ) -> subprocess.Popen[str]:
    """credential-process, returned once its refresh request is held at the emulator."""
    emulator.add_fault(fault)
    before = emulator.stats()["token"].get("refresh_token", 0)
    proc = subprocess.Popen([PYTHON, "-m", "aws_login_bridge", "credential-process",
                             "--profile", "p"], env=home.env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    wait_for(lambda: emulator.stats()["token"].get("refresh_token", 0) > before,
             "credential-process's refresh request")
    return proc


def still_held(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        pytest.fail(f"our refresh was released before botocore's two refreshes ended: raise "
                    f"HOLD ({HOLD:g} s) for this machine", pytrace=False)


def test_a_token_spent_by_another_tool_hands_out_its_credentials(aws_home: AwsHome,
                                                                emulator: Any) -> None:
    """Our refresh token reaches the service after botocore has refreshed twice (so it is
    spent): instead of "log in again", credential-process reads the file again and hands
    out the credentials botocore saved, with no warning, and leaves the file alone."""
    login(aws_home)
    expire(aws_home)
    ours = held_credential_process(aws_home, emulator,
                                   Fault(target="refresh_token", mode="stall", delay=HOLD))
    botocore_refresh(aws_home)
    newest = botocore_refresh(aws_home)  # spends the token the first one saved
    newest_file = cache_file(aws_home.cache_dir).read_bytes()
    still_held(ours)
    out, err = ours.communicate(timeout=60)
    tally.count("races.refresh_vs_botocore_refresh")
    assert emulator.stats()["token_errors"].get("TOKEN_EXPIRED") == 1  # ours was refused
    assert (ours.returncode, err) == (0, "")
    assert json.loads(out)["AccessKeyId"] == newest
    assert cache_file(aws_home.cache_dir).read_bytes() == newest_file
    check_files(aws_home.config, aws_home.cache_dir)


def test_an_answer_arriving_after_another_tools_refresh_never_overwrites_it(
        aws_home: AwsHome, emulator: Any) -> None:
    """Our refresh is answered by the service at once but the answer reaches us late; by
    then botocore has saved the same answer and refreshed again from it. Writing ours
    would put back a spent refresh token (the session would be lost at the next refresh):
    the file keeps botocore's newer login, and the session goes on from it."""
    login(aws_home)
    expire(aws_home)
    ours = held_credential_process(aws_home, emulator,
                                   Fault(target="refresh_token", delay=HOLD))
    same_as_ours = botocore_refresh(aws_home)  # a replay of our request: our answer
    newest = botocore_refresh(aws_home)
    still_held(ours)
    out, err = ours.communicate(timeout=60)
    tally.count("races.refresh_answer_vs_botocore_refresh")
    assert (ours.returncode, err) == (0, "")
    assert json.loads(out)["AccessKeyId"] == same_as_ours  # valid: just issued
    assert file_key(aws_home) == newest, "our older answer overwrote botocore's newer one"
    # The file's refresh token is the live one: one more refresh from it works.
    assert botocore_refresh(aws_home) not in (newest, same_as_ours)
    check_files(aws_home.config, aws_home.cache_dir)


def test_the_emulator_spends_a_replayed_token_once_its_answer_is_redeemed(
        emulator: Any) -> None:
    """The service's idempotent refresh, as the emulator plays it: a replay gets the same
    answer while that answer's token is unused; once it is redeemed, the old token is spent
    (TOKEN_EXPIRED). And every code of the model, answered with its own status and
    exception (a fault's ``error`` alone)."""
    import httpx
    from test_emulator import Login, error_of

    from aws_login_bridge.emulator.errors import SIGNIN_CODE_WIRE

    emulator.reset()
    with httpx.Client(trust_env=False, timeout=10) as http:
        login = Login(emulator)
        first = login.exchange(http).json()["refreshToken"]
        answer = login.refresh(http, first)
        assert answer.status_code == 200
        assert login.refresh(http, first).json() == answer.json()  # a replay, still fine
        second = answer.json()["refreshToken"]
        third = login.refresh(http, second)
        assert third.status_code == 200
        assert error_of(login.refresh(http, first)) == (
            401, "AccessDeniedException", "TOKEN_EXPIRED")
        assert login.refresh(http, second).json() == third.json()  # its answer is unused
        for code, (status, shape) in SIGNIN_CODE_WIRE.items():
            emulator.add_fault(Fault(target="refresh_token", error=code, retry_after=0))
            assert error_of(login.refresh(http, first)) == (status, shape, code)
    tally.count("faults.emulator:signin_codes", len(SIGNIN_CODE_WIRE))

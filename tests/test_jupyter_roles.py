"""Issue 19 in the notebook magics, against a scripted stand-in for the helper that answers
with the declared fields: ``%aws_use``/``%aws_status``/``%aws_login`` on a role profile
(``role_arn`` + ``source_profile``) name its source and log that in, and ``%aws_logout``
says whether AWS Sign-In revoked the refresh token. The same through a real kernel, the
real helper and the emulator is in test_jupyter_kernel.py.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from test_jupyter_ui import ScriptedHelper

from aws_login_jupyter import magics as magics_module
from aws_login_jupyter.magics import REVOKED, AwsLoginMagics, status_lines

SESSION = "arn:aws:sts::111111111111:assumed-role/Dev/me"
ROLE = "arn:aws:iam::222222222222:role/Admin"
ENDS = "2026-11-26T19:30:00Z"
PROBLEM = ("The refresh token could not be revoked (AWS Sign-In could not be reached); a copy "
           "of the cached login stays usable until 2026-11-26 19:30 UTC.")


def admin(logged_in: bool) -> dict[str, Any]:
    return {"profile": "admin", "sourceProfile": "console", "roleArn": ROLE,
            "loginSession": SESSION, "loggedIn": logged_in,
            "sessionExpiresAt": ENDS if logged_in else None, "problems": []}


@pytest.fixture
def kernel(monkeypatch: pytest.MonkeyPatch) -> tuple[AwsLoginMagics, ScriptedHelper]:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_PROFILE", "default")  # restored after the test
    helper = ScriptedHelper()
    monkeypatch.setattr(AwsLoginMagics, "_helper", lambda self: helper)
    return AwsLoginMagics(shell=None), helper


def test_aws_use_of_a_role_names_its_source_and_when_its_session_ends(
        kernel: tuple[AwsLoginMagics, ScriptedHelper], capsys: pytest.CaptureFixture[str]) -> None:
    magics, helper = kernel
    helper.script("awsLogin/status", admin(True))
    magics.aws_use("admin")
    out = capsys.readouterr()
    assert os.environ["AWS_PROFILE"] == "admin"
    assert (f"Profile 'admin' assumes {ROLE} with the login session of profile 'console' "
            "(it ends 2026-11-26 19:30 UTC).") in out.out
    assert out.err == ""
    assert ("awsLogin/status", {"profile": "admin", "refresh": False}) in helper.calls


def test_aws_use_of_a_role_whose_source_is_not_logged_in_says_to_log_in_the_source(
        kernel: tuple[AwsLoginMagics, ScriptedHelper], capsys: pytest.CaptureFixture[str]) -> None:
    magics, helper = kernel
    helper.script("awsLogin/status", admin(False))
    magics.aws_use("admin")
    err = capsys.readouterr().err
    assert os.environ["AWS_PROFILE"] == "admin"
    assert (f"Profile 'admin' assumes {ROLE} with the login session of profile 'console', "
            "which is not logged in — run %aws_login --profile console") in err


def test_aws_status_of_a_role_shows_the_role_and_its_source() -> None:
    text = "\n".join(status_lines(admin(True)))
    assert f"{'role':>18}: {ROLE}" in text
    assert f"{'session of profile':>18}: console" in text


def test_aws_login_of_a_role_signs_in_its_source_and_the_kernel_keeps_the_role(
        kernel: tuple[AwsLoginMagics, ScriptedHelper], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    magics, helper = kernel
    helper.script("awsLogin/status", admin(False))
    runs: list[tuple[str, str | None, bool]] = []
    monkeypatch.setattr(magics_module.text_flow, "run",
                        lambda _helper, profile, region, *, set_profile: runs.append(
                            (profile, region, set_profile)))
    magics.aws_login("--profile admin --text")
    assert runs == [("console", None, False)]
    assert os.environ["AWS_PROFILE"] == "admin"
    assert ("Profile 'admin' assumes its role with the login session of profile 'console': "
            "signing in profile 'console'.") in capsys.readouterr().out


def test_aws_logout_says_the_refresh_token_was_revoked(
        kernel: tuple[AwsLoginMagics, ScriptedHelper], capsys: pytest.CaptureFixture[str]) -> None:
    magics, helper = kernel
    helper.script("awsLogin/logout", {"removed": 1, "alsoLoggedOut": [], "revoked": True,
                                      "revokeProblem": None})
    magics.aws_logout("--profile console")
    out = capsys.readouterr()
    assert REVOKED in out.out and out.err == ""


def test_aws_logout_warns_when_the_refresh_token_could_not_be_revoked(
        kernel: tuple[AwsLoginMagics, ScriptedHelper], capsys: pytest.CaptureFixture[str]) -> None:
    magics, helper = kernel
    helper.script("awsLogin/logout", {"removed": 2, "alsoLoggedOut": [], "revoked": False,
                                      "revokeProblem": PROBLEM})
    magics.aws_logout("--all")
    out = capsys.readouterr()
    assert "Removed 2 cached login session(s)." in out.out
    assert PROBLEM in out.err and "revoked the refresh token" not in out.out

"""Issue 19 at the JupyterLab server's endpoints, in a real JupyterLab with the real helper
and the emulator: the profile list carries a role profile's source (what the sign-in
dialog uses to sign in the source instead); after signing in the source, new kernels get
the role profile only when the helper says that role is assumed with the session just
signed in (a name from the browser is never put into ``AWS_PROFILE`` on its word); the
logout answer says whether the refresh token was revoked.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from conftest import AwsHome
from jupyter_lab import Lab
from test_lab_server import client  # noqa: F401  (the fixture)

from aws_login_bridge.emulator import person

pytestmark = pytest.mark.slow

ROLE = "arn:aws:iam::222222222222:role/Admin"
CONFIG = (f"[profile console]\nregion = us-east-1\n"
          f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = console\n"
          f"[profile keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"
          f"[profile other]\nrole_arn = {ROLE}\nsource_profile = keys\n")


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def sign_in_console(http: httpx.Client, role: object) -> dict[str, Any]:
    started = ok(http.post("/aws-login/login/start", json={"profile": "console"}))
    code = person.sign_in(started["authorizeUrl"])
    assert code
    return ok(http.post("/aws-login/login/complete",
                          json={"loginId": started["loginId"], "code": code,
                                "profile": "console", "roleProfile": role}))


def test_kernels_get_the_role_profile_only_when_its_source_was_signed_in(
        lab: Lab, aws_home: AwsHome, client: httpx.Client) -> None:  # noqa: F811
    aws_home.config.write_text(CONFIG)
    profiles = {p["profile"]: p for p in ok(client.get("/aws-login/profiles"))["profiles"]}
    assert profiles["admin"]["sourceProfile"] == "console"
    assert profiles["admin"]["roleArn"] == ROLE

    # Names the helper does not confirm as roles of console: kernels get console.
    for role in ("other", "no good\n[x]"):
        done = sign_in_console(client, role)
        assert done["login"]["profile"] == "console"
        assert done["serverProfile"] == "console", role

    done = sign_in_console(client, "admin")
    assert done["serverProfile"] == "admin"
    state = ok(client.get("/aws-login/state"))
    assert state["serverProfile"] == "admin"
    assert state["status"]["sourceProfile"] == "console" and state["status"]["loggedIn"]

    # Not text: refused before the code is spent, nothing written.
    before = aws_home.snapshot()
    started = ok(client.post("/aws-login/login/start", json={"profile": "console"}))
    refused = client.post("/aws-login/login/complete",
                          json={"loginId": started["loginId"], "code": "unused",
                                "profile": "console", "roleProfile": 7})
    assert refused.status_code == 400 and "'roleProfile' must be text" in refused.text
    assert aws_home.snapshot() == before

    logout = ok(client.post("/aws-login/logout", json={"profile": "console"}))
    assert (logout["removed"], logout["revoked"], logout["revokeProblem"]) == (1, True, None)

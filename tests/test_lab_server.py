"""The Jupyter Server extension's endpoints in a real JupyterLab, without a browser.

Jupyter's own checks guard them (no token or cookie: 403; a cookie without the XSRF token:
403; a kernel endpoint without the server's key: 403) and a refused request changes
nothing. A login through them writes the profile, gives it to kernels started afterwards,
shows up on the event stream, and no secret reaches an answer or the debug log.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import AwsHome, CliLogin, helper_children, is_helper, wait_for
from jupyter_lab import Lab
from test_rpc_login import cache_secrets, code_secrets

from aws_login_bridge.emulator import person
from aws_login_bridge.emulator.identity import DEFAULT_ARN

pytestmark = pytest.mark.slow


def cli_login(home: AwsHome, profile: str) -> set[str]:
    login = CliLogin(home, "--profile", profile, "--region", "us-east-1")
    code = person.sign_in(login.url)
    assert code
    assert login.finish(code).returncode == 0
    return code_secrets(code)


@pytest.fixture
def client(lab: Lab) -> Iterator[httpx.Client]:
    """A client that authenticates the way JupyterLab's own requests do: token header."""
    with httpx.Client(base_url=lab.url, timeout=60,
                      headers={"Authorization": f"token {lab.token}"}) as http:
        yield http


def test_requests_without_jupyters_auth_are_refused_and_change_nothing(
        lab: Lab, aws_home: AwsHome, client: httpx.Client) -> None:
    cli_login(aws_home, "cli")
    before = aws_home.snapshot()
    with httpx.Client(base_url=lab.url, timeout=30) as anonymous:
        for method, path in [("GET", "state"), ("GET", "profiles"), ("POST", "identity"),
                             ("GET", "events"), ("POST", "logout"), ("POST", "login/start"),
                             ("POST", "login/complete"), ("POST", "login/cancel")]:
            answer = anonymous.request(method, f"/aws-login/{path}", json={"profile": "cli"})
            assert answer.status_code == 403, (method, path, answer.text)
        # A wrong token is no token.
        answer = anonymous.post("/aws-login/logout", json={"profile": "cli"},
                                headers={"Authorization": "token not-the-token"})
        assert answer.status_code == 403
        # Kernel endpoints: the server's key, not a browser's token.
        for key in [None, "not-the-key"]:
            headers = {"X-Aws-Login-Bridge-Key": key} if key else {}
            answer = anonymous.post("/aws-login/kernel/rpc", headers=headers, json={
                "method": "awsLogin/logout", "params": {"profile": "cli"}})
            assert answer.status_code == 403
        answer = client.post("/aws-login/kernel/rpc", json={
            "method": "awsLogin/logout", "params": {"profile": "cli"}})
        assert answer.status_code == 403  # Jupyter's token does not open the kernel side

    with httpx.Client(base_url=lab.url, timeout=30) as browser:
        # The login cookie, as a browser gets it from the token link; no XSRF token sent.
        assert browser.get(f"/lab?token={lab.token}").status_code == 200
        assert browser.get("/aws-login/profiles").status_code == 200  # reads: cookie enough
        answer = browser.post("/aws-login/logout", json={"profile": "cli"})
        assert answer.status_code == 403
        assert "_xsrf" in answer.text
        assert aws_home.snapshot() == before
        # The same request with the XSRF token JupyterLab sends is accepted: the refusal
        # above was the check, not a broken endpoint.
        xsrf = browser.cookies["_xsrf"]
        answer = browser.post("/aws-login/logout", json={"profile": "cli"},
                              headers={"X-XSRFToken": xsrf})
        assert answer.status_code == 200, answer.text
        assert answer.json()["removed"] == 1


@pytest.mark.linux  # finds the server's helper among its children in /proc
def test_one_helper_per_server_started_on_first_use_and_stopped_with_it(
        lab: Lab, client: httpx.Client) -> None:
    assert helper_children(lab.proc.pid) == []  # nothing asked yet: no helper
    for _ in range(2):
        assert client.get("/aws-login/state").status_code == 200
        assert client.get("/aws-login/profiles").status_code == 200
    (helper,) = helper_children(lab.proc.pid)  # one, shared by every request
    # In Jupyter's runtime folder (not the server's, which may be a checkout), with -P where
    # the Python has it (3.11+; on 3.10 the folder is the only guard).
    assert Path(f"/proc/{helper}/cwd").resolve() == (lab.root.parent / "jupyter-runtime").resolve()
    argv = Path(f"/proc/{helper}/cmdline").read_bytes().split(b"\0")
    assert (b"-P" in argv) == (sys.version_info >= (3, 11))
    lab.proc.terminate()  # what Ctrl-C or a stop of the server does
    lab.proc.wait(timeout=60)
    wait_for(lambda: not is_helper(helper), "the helper to stop with the server")


class Events:
    """The event stream, read on a thread, as a list of (event, data)."""

    def __init__(self, lab: Lab) -> None:
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.raw: list[str] = []
        self._client = httpx.Client(base_url=lab.url, timeout=httpx.Timeout(60, read=None),
                                    headers={"Authorization": f"token {lab.token}"})
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        assert self._connected.wait(30)

    def _read(self) -> None:
        name = "message"
        try:
            with self._client.stream("GET", "/aws-login/events") as stream:
                assert stream.status_code == 200
                assert stream.headers["content-type"].startswith("text/event-stream")
                for line in stream.iter_lines():
                    self.raw.append(line)
                    self._connected.set()
                    if line.startswith("event:"):
                        name = line[6:].strip()
                    elif line.startswith("data:"):
                        self.seen.append((name, json.loads(line[5:])))
        except httpx.HTTPError:
            pass

    def close(self) -> None:
        self._client.close()


def test_login_through_the_endpoints(lab: Lab, aws_home: AwsHome,
                                     client: httpx.Client) -> None:
    answers: list[str] = []

    def ok(response: httpx.Response) -> dict[str, Any]:
        answers.append(response.text)
        assert response.status_code == 200, response.text
        return response.json()

    state = ok(client.get("/aws-login/state"))
    assert state["serverProfile"] is None
    assert state["status"]["profile"] == "default" and state["status"]["loginSession"] is None
    events = Events(lab)
    try:
        started = ok(client.post("/aws-login/login/start",
                                 json={"profile": "lab", "region": "us-east-1"}))
        assert started["profile"] == "lab" and started["authorizeUrl"].startswith("http")
        code = person.sign_in(started["authorizeUrl"])
        assert code
        secrets = code_secrets(code)
        done = ok(client.post("/aws-login/login/complete",
                              json={"loginId": started["loginId"], "code": code,
                                    "profile": "lab"}))
        secrets |= cache_secrets(aws_home)
        assert done["login"]["profile"] == "lab"
        assert done["identity"]["Arn"] == DEFAULT_ARN
        assert done["serverProfile"] == "lab"  # new kernels get AWS_PROFILE=lab
        wait_for(lambda: ("sessionChanged", "lab", "active") in
                 [(n, d.get("profile"), d.get("state")) for n, d in events.seen],
                 f"the login on the event stream: {events.raw}")
        assert ("serverProfile", {"profile": "lab"}) in events.seen

        assert ok(client.get("/aws-login/state"))["status"]["loginSession"] == DEFAULT_ARN
        assert ok(client.post("/aws-login/identity", json={"profile": "lab"}))["Arn"] \
            == DEFAULT_ARN
        names = [p["profile"] for p in ok(client.get("/aws-login/profiles"))["profiles"]]
        assert "lab" in names

        # Each failure is one sentence for a person, with its kind for the code.
        aws_home.config.write_text(aws_home.config.read_text() +
                                   "[profile keys]\naws_access_key_id = AKIAEXAMPLE\n")
        refused = client.post("/aws-login/login/start", json={"profile": "keys"})
        answers.append(refused.text)
        assert refused.status_code == 422
        assert refused.json()["kind"] == "ProfileHasOtherCredentials"
        assert refused.json()["message"].startswith("Profile 'keys' already gets credentials")
        missing = client.post("/aws-login/identity", json={"profile": "nobody"}).json()
        assert missing["kind"] == "NotLoggedIn"
        assert missing["message"] == "Profile 'nobody' is not logged in — run AWS: Login"

        assert ok(client.post("/aws-login/logout", json={"profile": "lab"}))["removed"] == 1
        wait_for(lambda: ("sessionChanged", "lab", "loggedOut") in
                 [(n, d.get("profile"), d.get("state")) for n, d in events.seen],
                 "the logout on the event stream")
    finally:
        events.close()

    log = lab.log.read_text(errors="replace")
    assert "/aws-login/login/complete" in log  # the debug log did record the requests
    for secret in secrets:
        assert secret not in log
        for text in answers + events.raw:
            assert secret not in text


def test_a_wrong_code_keeps_the_login_and_replace_needs_no_new_code(
        lab: Lab, aws_home: AwsHome, client: httpx.Client) -> None:
    other = "arn:aws:sts::123456789012:assumed-role/Other/someone-else"
    aws_home.config.write_text(f"[profile twin]\nlogin_session = {other}\nregion = us-east-1\n")
    started = client.post("/aws-login/login/start", json={"profile": "twin"}).json()
    code = person.sign_in(started["authorizeUrl"])
    assert code
    before = aws_home.snapshot()

    def complete(**fields: Any) -> httpx.Response:
        return client.post("/aws-login/login/complete",
                           json={"loginId": started["loginId"], "profile": "twin", **fields})

    wrong = complete(code="not a code")
    assert (wrong.status_code, wrong.json()["kind"]) == (422, "InvalidCode")
    conflict = complete(code=code)  # the same login took another try
    assert (conflict.status_code, conflict.json()["kind"]) == (422, "SessionConflict")
    assert conflict.json()["message"].startswith(
        "Profile 'twin' is already logged in with another console session")
    assert aws_home.snapshot() == before  # asked, not done
    replaced = complete(replaceExisting=True, useForKernels=False)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["login"]["replaced"] == other
    assert replaced.json()["serverProfile"] is None  # unticked: kernels keep their profile
    assert f"login_session = {DEFAULT_ARN}" in aws_home.config.read_text()

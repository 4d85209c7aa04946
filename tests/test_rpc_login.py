"""The helper's ``awsLogin/*`` methods against the emulator, over the raw wire protocol.

Every error kind of the contract is provoked for real (the emulator's fault API for the
service's answers), and each failed request is checked to have written nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
from typing import Any
from urllib.parse import parse_qs, urlsplit

from conftest import AwsHome, fault, rewrite_cache
from test_rpc_wire import Wire, WireError, wire  # noqa: F401 - `wire` is a fixture

from aws_login_bridge.emulator import person

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"
OTHER_ARN = "arn:aws:sts::123456789012:assumed-role/Other/someone-else"
ACCOUNT = "123456789012"
FAILED = -32803  # LSP RequestFailed: every engine refusal


# -- helpers shared by the rpc tests ---------------------------------------------------




def code_secrets(code: str) -> set[str]:
    """The verification code and the authorization code inside it."""
    query = base64.b64decode(code + "=" * (-len(code) % 4)).decode()
    return {code, *parse_qs(query)["code"]}


def cache_secrets(home: AwsHome) -> set[str]:
    found: set[str] = set()
    for path in home.cache_dir.glob("*.json"):
        token = json.loads(path.read_text())
        access = token["accessToken"]
        found |= {access["accessKeyId"], access["secretAccessKey"], access["sessionToken"],
                  token["refreshToken"], token["idToken"]}
        found |= {line for line in token["dpopKey"].splitlines() if "-----" not in line}
    return found


def start(helper: Wire, profile: str = "p", **params: Any) -> dict[str, Any]:
    return helper.request("awsLogin/startLogin", {"profile": profile, "region": "us-east-1",
                                                  **params})


def sign_in(helper: Wire, started: dict[str, Any]) -> str:
    code = person.sign_in(started["authorizeUrl"])
    assert code
    helper.secrets |= code_secrets(code)
    return code


def login(helper: Wire, home: AwsHome, profile: str = "p") -> dict[str, Any]:
    started = start(helper, profile)
    result = helper.request("awsLogin/completeLogin",
                            {"loginId": started["loginId"], "code": sign_in(helper, started)})
    helper.secrets |= cache_secrets(home)
    return result


def expect(error: WireError, kind: str, code: int = FAILED) -> WireError:
    assert (error.code, error.kind) == (code, kind), (error.code, error.data, error.message)
    return error


def utc(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def is_state(state: str, profile: str = "p") -> Any:
    return lambda p: p["profile"] == profile and p["state"] == state


# -- the happy path ---------------------------------------------------------------------


def test_remote_login_status_identity_logout(wire: Wire, aws_home: AwsHome,  # noqa: F811
                                             emulator: Any) -> None:
    assert wire.request("awsLogin/listProfiles") == {"profiles": []}
    before = dt.datetime.now(dt.timezone.utc)
    started = start(wire)
    assert started["authorizeUrl"].startswith(emulator.base_url + "/v1/authorize?")
    assert (started["profile"], started["region"], started["flow"]) == ("p", "us-east-1",
                                                                         "remote")
    after = dt.datetime.now(dt.timezone.utc)
    # Ten minutes from some moment during the call (however long a loaded machine took).
    lapses = utc(started["expiresAt"])
    assert before + dt.timedelta(minutes=9) < lapses <= after + dt.timedelta(minutes=10, seconds=1)

    code = sign_in(wire, started)
    result = wire.request("awsLogin/completeLogin",
                          {"loginId": started["loginId"], "code": code})
    wire.secrets |= cache_secrets(aws_home)
    assert result["profile"] == "p"
    assert result["loginSession"] == ARN
    assert result["accountId"] == ACCOUNT
    assert result["region"] == "us-east-1"
    assert utc(result["expiresAt"]) > before
    assert utc(result["sessionExpiresAt"]) > utc(result["expiresAt"])
    assert f"login_session = {ARN}" in aws_home.config.read_text()

    active = wire.notification("awsLogin/sessionChanged", is_state("active"))
    assert (active["loginSession"], active["expiresAt"]) == (ARN, result["expiresAt"])

    status = wire.request("awsLogin/status", {"profile": "p"})
    assert status["loginSession"] == ARN
    assert status["accountId"] == ACCOUNT
    assert status["region"] == "us-east-1"
    assert status["expiresAt"] == result["expiresAt"]
    assert status["credentialSource"] == "login"
    assert status["problems"] == []

    profiles = wire.request("awsLogin/listProfiles")["profiles"]
    assert [(p["profile"], p["loginSession"], p["credentialSource"], p["loggedIn"])
            for p in profiles] == [("p", ARN, "login", True)]

    with aws_home.config.open("a") as config:
        config.write("\n[profile keys]\naws_access_key_id = AKIAEXAMPLE\n"
                     "aws_secret_access_key = x\nregion = eu-west-1\n")
    profiles = wire.request("awsLogin/listProfiles")["profiles"]
    assert [(p["profile"], p["loginSession"], p["region"], p["loggedIn"])
            for p in profiles] == [("p", ARN, "us-east-1", True),
                                   ("keys", None, "eu-west-1", False)]

    identity = wire.request("awsLogin/callerIdentity", {"profile": "p"})
    assert identity["Account"] == ACCOUNT
    assert identity["Arn"] == ARN
    assert set(identity) == {"UserId", "Account", "Arn"}

    assert wire.request("awsLogin/logout", {"profile": "p"}) == {
        "removed": 1, "alsoLoggedOut": [], "revoked": True, "revokeProblem": None}
    gone = wire.notification("awsLogin/sessionChanged", is_state("loggedOut"))
    assert (gone["loginSession"], gone["expiresAt"]) == (ARN, None)
    assert not list(aws_home.cache_dir.glob("*.json"))
    assert f"login_session = {ARN}" in aws_home.config.read_text()  # the profile stays
    after = wire.request("awsLogin/status", {"profile": "p"})
    assert after["expiresAt"] is None
    assert [p["kind"] for p in after["problems"]] == ["CacheMissing"]
    assert wire.request("awsLogin/logout", {"profile": "p"}) == {
        "removed": 0, "alsoLoggedOut": [], "revoked": False, "revokeProblem": None}
    expect(wire.error("awsLogin/callerIdentity", {"profile": "p"}), "NotLoggedIn")


def test_logout_all_removes_every_session(wire: Wire, aws_home: AwsHome) -> None:  # noqa: F811
    login(wire, aws_home, "p")
    wire.notification("awsLogin/sessionChanged", is_state("active"))
    assert wire.request("awsLogin/logout", {"all": True}) == {
        "removed": 1, "alsoLoggedOut": [], "revoked": True, "revokeProblem": None}
    wire.notification("awsLogin/sessionChanged", is_state("loggedOut"))
    assert wire.request("awsLogin/logout", {"all": True}) == {
        "removed": 0, "alsoLoggedOut": [], "revoked": False, "revokeProblem": None}


def test_logout_names_the_profiles_that_shared_the_cache_file(
        wire: Wire, aws_home: AwsHome) -> None:  # noqa: F811
    login(wire, aws_home, "dev")
    login(wire, aws_home, "same")  # the same console session: one cache file for both
    assert len(list(aws_home.cache_dir.glob("*.json"))) == 1
    assert wire.request("awsLogin/logout", {"profile": "dev"}) == {
        "removed": 1, "alsoLoggedOut": ["same"], "revoked": True, "revokeProblem": None}
    assert not list(aws_home.cache_dir.glob("*.json"))
    config = aws_home.config.read_bytes()
    # Nothing left to remove, for a logged-out profile and for one never logged in alike:
    # the same answer, and nothing changes on disk.
    before = aws_home.snapshot()
    for profile in ("same", "nobody"):
        assert wire.request("awsLogin/logout", {"profile": profile}) == {
            "removed": 0, "alsoLoggedOut": [], "revoked": False, "revokeProblem": None}
    assert aws_home.snapshot() == before and aws_home.config.read_bytes() == config


def test_same_device_login_and_cancel(wire: Wire, aws_home: AwsHome) -> None:  # noqa: F811
    started = start(wire, flow="sameDevice")
    assert started["flow"] == "sameDevice"
    redirect = parse_qs(urlsplit(started["authorizeUrl"]).query)["redirect_uri"][0]
    assert redirect.startswith("http://127.0.0.1:")
    waiting = wire.start("awsLogin/completeLogin", {"loginId": started["loginId"]})
    assert person.sign_in(started["authorizeUrl"]) is None  # the browser went to 127.0.0.1
    assert wire.answer(waiting)["result"]["loginSession"] == ARN
    wire.secrets |= cache_secrets(aws_home)

    # Cancelling stops a same-device login that is waiting for its browser.
    started = start(wire, "q", flow="sameDevice")
    waiting = wire.start("awsLogin/completeLogin", {"loginId": started["loginId"]})
    assert wire.request("awsLogin/cancelLogin", {"loginId": started["loginId"]}) is None
    answer = wire.answer(waiting)
    assert answer["error"]["data"]["kind"] == "UnknownLogin"


# -- every error kind -------------------------------------------------------------------


def test_start_refusals(wire: Wire, aws_home: AwsHome) -> None:  # noqa: F811
    aws_home.config.write_text(
        "[profile keys]\naws_access_key_id = AKIAEXAMPLEKEY123456\n"
        "aws_secret_access_key = not-a-real-secret-but-still-one\nregion = us-east-1\n"
    )
    wire.secrets.add("not-a-real-secret-but-still-one")
    before = aws_home.snapshot()
    other = expect(wire.error("awsLogin/startLogin", {"profile": "keys"}),
                   "ProfileHasOtherCredentials")
    assert other.data["style"] == "aws_access_key_id"
    region = expect(wire.error("awsLogin/startLogin", {"profile": "fresh"}), "RegionRequired")
    assert region.data["default"] == "us-east-1"
    bad_url = wire.error("awsLogin/startLogin", {"profile": "fresh", "region": "us-east-1",
                                                 "endpointUrl": "ftp://example.com"})
    assert (bad_url.code, bad_url.kind, bad_url.data["field"]) == (-32602, "InvalidInput",
                                                                   "endpointUrl")
    bad_region = wire.error("awsLogin/startLogin", {"profile": "fresh", "region": "mars-1"})
    assert (bad_region.code, bad_region.data["field"]) == (-32602, "region")
    assert aws_home.snapshot() == before


def test_wrong_codes_keep_the_login_open(wire: Wire, aws_home: AwsHome) -> None:  # noqa: F811
    mine, theirs = start(wire, "p"), start(wire, "q")
    their_code = sign_in(wire, theirs)
    my_code = sign_in(wire, mine)
    before = aws_home.snapshot()
    for pasted in ("", "not a code", base64.b64encode(b"code=&state=").decode()):
        expect(wire.error("awsLogin/completeLogin",
                          {"loginId": mine["loginId"], "code": pasted}), "InvalidCode")
    expect(wire.error("awsLogin/completeLogin",
                      {"loginId": mine["loginId"], "code": their_code}), "StateMismatch")
    assert aws_home.snapshot() == before
    done = wire.request("awsLogin/completeLogin", {"loginId": mine["loginId"], "code": my_code})
    assert done["profile"] == "p"
    assert wire.request("awsLogin/completeLogin",
                        {"loginId": theirs["loginId"], "code": their_code})["profile"] == "q"
    wire.secrets |= cache_secrets(aws_home)
    # Finished logins are gone.
    expect(wire.error("awsLogin/completeLogin", {"loginId": mine["loginId"], "code": my_code}),
           "UnknownLogin")


def test_session_conflict_then_replace(wire: Wire, aws_home: AwsHome) -> None:  # noqa: F811
    aws_home.config.write_text(f"[profile p]\nlogin_session = {OTHER_ARN}\nregion = us-east-1\n")
    started = start(wire)
    code = sign_in(wire, started)
    before = aws_home.snapshot()
    conflict = expect(wire.error("awsLogin/completeLogin",
                                 {"loginId": started["loginId"], "code": code}),
                      "SessionConflict")
    assert (conflict.data["current"], conflict.data["new"]) == (OTHER_ARN, ARN)
    assert aws_home.snapshot() == before
    # Confirmed: no new code needed, the helper kept the exchanged tokens.
    done = wire.request("awsLogin/completeLogin",
                        {"loginId": started["loginId"], "replaceExisting": True})
    wire.secrets |= cache_secrets(aws_home)
    assert (done["loginSession"], done["replaced"]) == (ARN, OTHER_ARN)
    assert f"login_session = {ARN}" in aws_home.config.read_text()


def test_service_refusals_spend_the_login_and_write_nothing(
    wire: Wire, aws_home: AwsHome, emulator: Any  # noqa: F811
) -> None:
    cases = [
        ({"status": 401, "error": "AUTHCODE_EXPIRED"}, "AuthCodeExpired"),
        ({"status": 403, "error": "INSUFFICIENT_PERMISSIONS"}, "InsufficientPermissions"),
        ({"status": 500, "count": 3}, "ServiceError"),
    ]
    for spec, kind in cases:
        started = start(wire)
        code = sign_in(wire, started)
        fault(emulator, target="authorization_code", **spec)
        before = aws_home.snapshot()
        failed = expect(wire.error("awsLogin/completeLogin",
                                   {"loginId": started["loginId"], "code": code}), kind)
        assert aws_home.snapshot() == before
        if kind == "ServiceError":
            assert failed.data["status"] == 500
        expect(wire.error("awsLogin/completeLogin",
                          {"loginId": started["loginId"], "code": code}), "UnknownLogin")


def test_unreachable_endpoint_is_a_network_error(wire: Wire, aws_home: AwsHome) -> None:  # noqa: F811
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = start(wire, endpointUrl=f"http://127.0.0.1:{port}")
    state = parse_qs(urlsplit(started["authorizeUrl"]).query)["state"][0]
    code = base64.b64encode(f"code=made-up-code&state={state}".encode()).decode()
    wire.secrets |= {code, "made-up-code"}
    before = aws_home.snapshot()
    expect(wire.error("awsLogin/completeLogin", {"loginId": started["loginId"], "code": code}),
           "NetworkError")
    assert aws_home.snapshot() == before


def test_ended_session_is_refresh_required(wire: Wire, aws_home: AwsHome,  # noqa: F811
                                           emulator: Any) -> None:
    login(wire, aws_home)
    wire.notification("awsLogin/sessionChanged", is_state("active"))
    soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=60)
    rewrite_cache(aws_home, lambda t: t["accessToken"].update(  # due for a refresh
        expiresAt=soon.strftime("%Y-%m-%dT%H:%M:%SZ")))
    fault(emulator, target="refresh_token", status=401, error="TOKEN_EXPIRED")
    before = aws_home.snapshot()
    expect(wire.error("awsLogin/callerIdentity", {"profile": "p"}), "RefreshRequired")
    assert aws_home.snapshot() == before
    ended = wire.notification("awsLogin/sessionChanged", is_state("expired"))
    assert ended["loginSession"] == ARN


def test_unknown_logins_and_missing_sessions(wire: Wire, aws_home: AwsHome) -> None:  # noqa: F811
    expect(wire.error("awsLogin/completeLogin", {"loginId": "never-issued", "code": "x"}),
           "UnknownLogin")
    expect(wire.error("awsLogin/cancelLogin", {"loginId": "never-issued"}), "UnknownLogin")
    started = start(wire)
    assert wire.request("awsLogin/cancelLogin", {"loginId": started["loginId"]}) is None
    expect(wire.error("awsLogin/cancelLogin", {"loginId": started["loginId"]}), "UnknownLogin")
    expect(wire.error("awsLogin/completeLogin", {"loginId": started["loginId"], "code": "x"}),
           "UnknownLogin")
    expect(wire.error("awsLogin/callerIdentity", {"profile": "nobody"}), "NotLoggedIn")
    expect(wire.error("awsLogin/callerIdentity", {}), "NotLoggedIn")  # profile: "default"
    status = wire.request("awsLogin/status", {})
    assert status["profile"] == "default"
    assert [p["kind"] for p in status["problems"]] == ["NotLoggedIn"]


# -- concurrency ------------------------------------------------------------------------


def test_status_answers_while_complete_login_waits_on_the_network(
    wire: Wire, aws_home: AwsHome, emulator: Any  # noqa: F811
) -> None:
    started = start(wire)
    code = sign_in(wire, started)
    fault(emulator, target="authorization_code", mode="delay", delay=2)
    slow = wire.start("awsLogin/completeLogin", {"loginId": started["loginId"], "code": code})
    for _ in range(3):
        assert wire.request("awsLogin/status", {"profile": "p"})["profile"] == "p"
        assert wire.request("awsLogin/startLogin", {"profile": "q", "region": "us-east-1"})
    assert wire._box(slow).empty(), "status should not have waited for completeLogin"
    assert wire.answer(slow)["result"]["loginSession"] == ARN
    wire.secrets |= cache_secrets(aws_home)

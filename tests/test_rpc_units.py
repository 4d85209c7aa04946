"""The helper's parts in isolation: framing, params, the pending-login registry, the watcher.

The wire tests cover the same code end to end; these pin down the edges that are slow or
impossible to reach through a subprocess (a sender that stalls, a 10-minute lapse).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import threading
import types
from collections.abc import Callable

import pytest
from conftest import AwsHome
from pygls.exceptions import JsonRpcInvalidParams

from aws_login_bridge.errors import InvalidCode, ServiceError, SessionConflict, UnknownLogin
from aws_login_bridge.pending_logins import PendingLogins
from aws_login_bridge.protocol import CompleteLoginParams, StartLoginParams
from aws_login_bridge.rpc.errors import parse
from aws_login_bridge.rpc.frames import Body, FrameParser, Rejected, encode
from aws_login_bridge.watch import SessionWatcher

# -- framing ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Closed:
    """The end of input, and whether it cut a message short."""

    mid_message: bool


def read_all(chunks: list[bytes], max_body: int = 1 << 20,
             silence_after: bool = False) -> list[object]:
    """Feed ``chunks`` to a FrameParser one by one; then end of input (or a stall, then the
    end), as the helper's read loop does."""
    parser = FrameParser(max_body=max_body)
    events: list[object] = []
    for chunk in chunks:
        parser.feed(chunk)
        while (event := parser.next()) is not None:
            events.append(event)
    if silence_after and parser.mid_body:
        events.append(parser.stalled())
    events.append(Closed(parser.mid_message))
    return events


def frame(body: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


def test_frames_split_anywhere_and_headers_in_any_case() -> None:
    data = frame(b'{"a":1}') + b"content-type: x\r\nCONTENT-LENGTH:  7\r\n\r\n{\"b\":2}"
    for size in (1, 3, len(data)):
        chunks = [data[i:i + size] for i in range(0, len(data), size)]
        assert read_all(chunks) == [Body(b'{"a":1}', 7), Body(b'{"b":2}', 7), Closed(False)]
    assert encode(b'{"a":1}') == frame(b'{"a":1}')


def test_a_sender_that_stalls_mid_body_gets_an_answer() -> None:
    events = read_all([frame(b'{"id": 1}', length=50)], silence_after=True)
    assert events == [Body(b'{"id": 1}', 50, complete=False), Closed(False)]


def test_oversized_bodies_are_skipped_and_answered_under_their_id() -> None:
    body = b'{"jsonrpc":"2.0","id":"abc","method":"m","params":{"id":5,"x":"' + b"y" * 5000 + b'"}}'
    data = frame(body) + frame(b"{}")
    events = read_all([data[i:i + 700] for i in range(0, len(data), 700)], max_body=1000)
    assert isinstance(events[0], Rejected)
    assert (events[0].code, events[0].id_hint) == (-32600, "abc")
    assert f"{len(body)} bytes" in events[0].message
    assert events[1:] == [Body(b"{}", 2), Closed(False)]
    stalled = read_all([frame(body)[:3000]], max_body=1000, silence_after=True)
    assert [type(e) for e in stalled] == [Rejected, Closed]


def test_garbage_and_bad_headers_are_skipped_up_to_the_next_frame() -> None:
    parser = FrameParser()
    events = read_all([b"junk\r\n" + b"x" * 20000 + b"Content-Length: 2\r\n\r\n{}",
                       b"Content-Length: -1\r\n\r\n", b"Content-Length: 2\r\n{}\r\n",
                       b'"}}' + frame(b"[]")])
    assert events[0] == Body(b"{}", 2)
    assert [type(e) for e in events[1:3]] == [Rejected, Rejected]
    assert events[3:] == [Body(b"[]", 2), Closed(False)]
    parser.feed(b"no header here\n" + frame(b"{}"))
    assert (parser.next(), parser.skipped) == (Body(b"{}", 2), 15)


def test_bytes_put_back_are_read_first() -> None:
    parser = FrameParser()
    parser.feed(frame(b'{"a":1}' + frame(b"[]"), length=17))  # 10 bytes too long
    body = parser.next()
    assert body == Body(b'{"a":1}Content-Le', 17)
    parser.unread(body.data[7:])
    assert parser.next() == Body(b"[]", 2)


def test_end_of_input_inside_a_frame_is_reported() -> None:
    assert read_all([b"Content-Length: 10\r\n\r\n{\"a\""]) == [Closed(True)]
    assert read_all([b"Content-Length: 10\r\n"]) == [Closed(True)]


# -- params -----------------------------------------------------------------------------


def test_params_defaults_types_and_messages() -> None:
    assert parse(StartLoginParams, None, "m") == StartLoginParams()
    assert parse(StartLoginParams, {"profile": "x", "region": None, "extra": 1}, "m") == \
        StartLoginParams(profile="x")
    with pytest.raises(JsonRpcInvalidParams) as missing:
        parse(CompleteLoginParams, {"code": "secret-code"}, "m")
    assert missing.value.data == {"kind": "InvalidInput", "field": "loginId"}
    with pytest.raises(JsonRpcInvalidParams) as wrong:
        parse(CompleteLoginParams, {"loginId": "a", "code": 12345}, "m")
    assert "12345" not in wrong.value.message
    assert "secret" not in repr(parse(CompleteLoginParams, {"loginId": "a", "code": "secret"},
                                      "m"))


def test_every_declared_method_has_a_handler() -> None:
    from aws_login_bridge.protocol import METHODS
    from aws_login_bridge.rpc.handlers import Handlers

    handlers = Handlers(None, None, None)  # type: ignore[arg-type]
    names = [handlers.for_method(m).__name__ for m in METHODS]
    assert names == ["start_login", "complete_login", "cancel_login", "logout", "status",
                     "list_profiles", "caller_identity"]


# -- pending logins ----------------------------------------------------------------------


class FakePending:
    def __init__(self, login_id: str) -> None:
        self.login_id = login_id
        self.lock = threading.Lock()
        self.lapsed = False
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


def fail_with(error: Exception) -> Callable[[object], None]:
    def action(_: object) -> None:
        raise error
    return action


def test_wrong_code_and_conflict_keep_a_login_other_failures_spend_it() -> None:
    logins = PendingLogins()
    pending = FakePending("a")
    logins.add(pending)
    for keep in (InvalidCode("x"), SessionConflict("x")):
        with pytest.raises(type(keep)):
            logins.run("a", fail_with(keep))
    assert (len(logins), pending.closed) == (1, 0)
    with pytest.raises(ServiceError):
        logins.run("a", fail_with(ServiceError("x")))
    assert (len(logins), pending.closed) == (0, 1)
    with pytest.raises(UnknownLogin):
        logins.run("a", lambda p: "never")


def test_success_spends_a_login_and_cancel_forgets_it() -> None:
    logins = PendingLogins()
    logins.add(FakePending("a"))
    assert logins.run("a", lambda p: "done") == "done"
    with pytest.raises(UnknownLogin):
        logins.cancel("a")
    cancelled = FakePending("b")
    logins.add(cancelled)
    logins.cancel("b")
    assert cancelled.closed == 1
    with pytest.raises(UnknownLogin):
        logins.run("b", lambda p: "never")


def test_logins_lapse_at_the_deadline_the_sign_in_module_set(
        aws_home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_login_bridge import login

    now = [1000.0]
    monkeypatch.setattr(login, "time", types.SimpleNamespace(monotonic=lambda: now[0]))
    logins = PendingLogins()
    old = login.start_login("old", region="us-east-1", quick=True)
    logins.add(old)
    now[0] += 300
    young = login.start_login("young", region="us-east-1", quick=True)
    logins.add(young)
    now[0] += 301  # old: 601 s, young: 301 s
    with pytest.raises(UnknownLogin):
        logins.run(old.login_id, lambda p: "never")
    assert logins.run(young.login_id, lambda p: "ok") == "ok"
    logins.add(login.start_login("c", region="us-east-1", quick=True))
    now[0] += 601
    assert (logins.sweep(), len(logins)) == (1, 0)


def test_a_lapsed_login_is_closed_when_found_or_swept() -> None:
    logins = PendingLogins()
    found, swept = FakePending("found"), FakePending("swept")
    logins.add(found)
    logins.add(swept)
    found.lapsed = swept.lapsed = True
    with pytest.raises(UnknownLogin):
        logins.run("found", lambda p: "never")
    assert (logins.sweep(), len(logins)) == (1, 0)
    assert (found.closed, swept.closed) == (1, 1)


def test_a_second_completion_waits_for_the_first_and_then_finds_it_finished() -> None:
    logins = PendingLogins()
    logins.add(FakePending("a"))
    inside, release = threading.Event(), threading.Event()
    outcomes: list[object] = []

    def slow(_: object) -> str:
        inside.set()
        release.wait(10)
        return "first"

    first = threading.Thread(target=lambda: outcomes.append(logins.run("a", slow)))
    first.start()
    assert inside.wait(10)

    def second() -> None:
        try:
            outcomes.append(logins.run("a", lambda p: "second"))
        except UnknownLogin:
            outcomes.append("unknown")

    other = threading.Thread(target=second)
    other.start()
    release.set()
    first.join(10)
    other.join(10)
    assert outcomes == ["first", "unknown"]


# -- the watcher -------------------------------------------------------------------------

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"


def write_login(home: AwsHome, expires: str, issued: int) -> None:
    import base64
    import hashlib

    home.config.write_text(f"[profile w]\nlogin_session = {ARN}\nregion = us-east-1\n")
    claims = base64.urlsafe_b64encode(json.dumps({"sub": ARN, "iat": issued}).encode())
    token = {
        "accessToken": {"accessKeyId": "AKIA", "secretAccessKey": "s", "sessionToken": "t",
                        "accountId": "123456789012", "expiresAt": expires},
        "tokenType": "aws_sigv4", "clientId": "c", "refreshToken": "r",
        "idToken": f"e30.{claims.decode().rstrip('=')}.sig", "dpopKey": "k",
    }
    home.cache_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(ARN.encode()).hexdigest() + ".json"
    (home.cache_dir / name).write_text(json.dumps(token))


def test_watcher_states(aws_home: AwsHome) -> None:
    now = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.timezone.utc)
    clock = [now]
    watcher = SessionWatcher(now=lambda: clock[0])
    issued = int(now.timestamp()) - 3600

    def states() -> list[tuple[str, str | None]]:
        return [(e.state, e.expiresAt) for e in watcher.poll()]

    assert states() == []  # first look: silent
    write_login(aws_home, "2026-11-26T08:15:00Z", issued)
    assert states() == [("active", "2026-11-26T08:15:00Z")]
    assert states() == []
    write_login(aws_home, "2026-11-26T08:30:00Z", issued)
    assert states() == [("refreshed", "2026-11-26T08:30:00Z")]
    write_login(aws_home, "2026-11-26T08:45:00Z", issued + 60)  # a new sign-in
    assert [e.state for e in watcher.poll({"w": "refreshed"})] == ["refreshed"]  # hint wins
    clock[0] = now + dt.timedelta(hours=11, minutes=2)  # past iat + 12 h
    assert [e.state for e in watcher.poll()] == ["expired"]
    assert states() == []  # said once
    for path in aws_home.cache_dir.glob("*.json"):
        path.unlink()
    assert states() == [("loggedOut", None)]
    assert watcher.mark_expired("nobody") is None


# -- the pygls workaround ------------------------------------------------------------------


def test_pygls_still_logs_what_rpc_pygls_logs_strips(caplog: pytest.LogCaptureFixture) -> None:
    """rpc/pygls_logs.py exists because pygls logs a traceback (with the values that did not
    fit) for params it cannot structure. If this fails, pygls stopped: remove the module."""
    from pygls.exceptions import JsonRpcInvalidParams as Invalid
    from pygls.lsp.server import LanguageServer

    from aws_login_bridge.rpc.pygls_logs import PyglsRecordsWithoutPayloads

    protocol = LanguageServer("probe", "0").protocol
    bad = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
           "params": {"processId": "secret-code-123", "capabilities": {}}}
    with caplog.at_level(logging.DEBUG, logger="pygls"), pytest.raises(Invalid):
        protocol.structure_message(bad)
    records = [r for r in caplog.records if r.name.startswith("pygls")]
    assert any("Traceback" in r.getMessage() for r in records)
    for record in records:
        PyglsRecordsWithoutPayloads().filter(record)
        said = logging.Formatter().format(record)
        assert "Traceback" not in said and "secret-code-123" not in said


def test_the_helper_uses_pygls_through_its_public_api_only() -> None:
    """Every ``._name`` the helper touches is its own (defined in a class of its own), and no
    class of its own extends a pygls one by a ``_`` method."""
    import ast
    from pathlib import Path

    import aws_login_bridge.rpc as rpc

    pygls_bases = {"LanguageServer", "JsonRPCClient", "JsonRPCProtocol",
                   "LanguageServerProtocol"}
    found = []
    for path in sorted(Path(rpc.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own: set[str] = {"_exit"}  # os._exit: the stdlib's, documented
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            extends_pygls = any(isinstance(b, ast.Name) and b.id in pygls_bases
                                for b in cls.bases)
            for node in ast.walk(cls):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                        and node.name.startswith("_"):
                    if extends_pygls and not node.name.startswith("__"):
                        found.append(f"{path.name}: {cls.name} overrides {node.name}")
                    own.add(node.name)
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) \
                        and not extends_pygls:
                    own.add(node.attr)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                    and not node.attr.startswith("__") and node.attr not in own:
                found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert found == []

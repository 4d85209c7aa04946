"""``aws-login-bridge serve`` on the wire: the LSP lifecycle and every kind of bad input.

``Wire`` is a strict raw client used by all the helper's acceptance tests: it writes bytes
to the helper's stdin and checks that its stdout carries nothing but well-formed frames
(``Content-Length``, optional ``Content-Type``, blank line, a JSON-RPC 2.0 object). Its
fixture also fails the test if a known secret shows up in anything the helper said.
"""

from __future__ import annotations

import itertools
import json
import queue
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import PYTHON, AwsHome

TIMEOUT = 30.0
_HEADER = re.compile(rb"(?i)(content-length|content-type): *(.*)")


class WireError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.code = error.get("code")
        self.message = error.get("message")
        self.data = error.get("data") or {}
        self.kind = self.data.get("kind")


class Wire:
    """The helper as a subprocess, spoken to in raw bytes."""

    def __init__(self, env: dict[str, str], log_level: str = "DEBUG") -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "aws_login_bridge", "serve", "--log-level", log_level],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
        self.violations: list[str] = []
        self.messages: list[dict[str, Any]] = []  # everything received, in order
        self._answers: dict[Any, queue.Queue[dict[str, Any]]] = {}
        self._anonymous: queue.Queue[dict[str, Any]] = queue.Queue()  # answers with id null
        self._notes: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._stderr: list[bytes] = []
        self.secrets: set[str] = set()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain, daemon=True).start()

    # -- sending ----------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: Any) -> None:
        body = json.dumps(message).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def start(self, method: str, params: Any = None, **extra: Any) -> int:
        msg_id = next(self._ids)
        message = {"jsonrpc": "2.0", "id": msg_id, "method": method, **extra}
        if params is not None:
            message["params"] = params
        self.send(message)
        return msg_id

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> Any:
        """The result, or WireError for an error answer."""
        answer = self.answer(self.start(method, params), timeout)
        if "error" in answer:
            raise WireError(answer["error"])
        return answer["result"]

    def error(self, method: str, params: Any = None) -> WireError:
        with pytest.raises(WireError) as caught:
            self.request(method, params)
        return caught.value

    def initialize(self) -> dict[str, Any]:
        result = self.request("initialize", {"processId": None, "rootUri": None,
                                             "capabilities": {}})
        self.notify("initialized", {})
        return result

    # -- receiving --------------------------------------------------------------------

    def answer(self, msg_id: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        box = self._box(msg_id)
        try:
            return box.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer to request {msg_id!r}") from None

    def anonymous_error(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next error answered with id null (for input that had no readable id)."""
        try:
            return self._anonymous.get(timeout=timeout)["error"]
        except queue.Empty:
            raise AssertionError("no error answer with id null") from None

    def notification(self, method: str, where: Callable[[dict[str, Any]], bool],
                     timeout: float = TIMEOUT) -> dict[str, Any]:
        """Wait for (and consume) the first matching notification."""
        def find() -> dict[str, Any] | None:
            for note in self._notes:
                if note["method"] == method and where(note.get("params")):
                    self._notes.remove(note)
                    return note["params"]
            return None

        with self._cond:
            found = self._cond.wait_for(find, timeout)
        assert found, f"no {method} matching the condition; got {self.notes(method)}"
        return found

    def notes(self, method: str) -> list[dict[str, Any]]:
        with self._cond:
            return [n["params"] for n in self._notes if n["method"] == method]

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    # -- ending -----------------------------------------------------------------------

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.request("shutdown", timeout=10)
                self.notify("exit")
            except (OSError, AssertionError, WireError):
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.returncode

    def check_clean(self) -> None:
        """Only frames on stdout, and no known secret anywhere the helper wrote."""
        assert not self.violations, self.violations
        said = self.stderr + json.dumps(self.messages)
        leaked = [s for s in self.secrets if s and s in said]
        assert not leaked, "secrets in the helper's output"

    # -- internals --------------------------------------------------------------------

    def _box(self, msg_id: Any) -> queue.Queue[dict[str, Any]]:
        with self._cond:
            return self._answers.setdefault(msg_id, queue.Queue())

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        while chunk := self.proc.stderr.read1(65536):
            self._stderr.append(chunk)

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            line = out.readline()
            if not line:
                return
            while line not in (b"\r\n",):
                match = _HEADER.fullmatch(line.rstrip(b"\r\n"))
                if not line.endswith(b"\r\n") or not match:
                    self.violations.append(f"not a header line: {line[:200]!r}")
                    return
                if match.group(1).lower() == b"content-length":
                    length = int(match.group(2))
                line = out.readline()
            if length is None:
                self.violations.append("frame without Content-Length")
                return
            body = out.read(length)
            try:
                message = json.loads(body)
                assert isinstance(message, dict) and message.get("jsonrpc") == "2.0"
            except (ValueError, AssertionError):
                self.violations.append(f"body is not a JSON-RPC message: {body[:200]!r}")
                return
            self._deliver(message)

    def _deliver(self, message: dict[str, Any]) -> None:
        with self._cond:
            self.messages.append(message)
            if "method" in message:
                if "id" in message:
                    self.violations.append(f"unexpected request from the helper: {message}")
                self._notes.append(message)
                self._cond.notify_all()
                return
        if message.get("id") is None:
            self._anonymous.put(message)
        else:
            self._box(message["id"]).put(message)


@pytest.fixture
def wire(aws_home: AwsHome) -> Iterator[Wire]:
    """An initialized helper in the throwaway AWS home, checked clean at the end."""
    helper = Wire(aws_home.env)
    try:
        helper.initialize()
        yield helper
    finally:
        helper.close()
        helper.check_clean()


# -- lifecycle --------------------------------------------------------------------------


def test_lsp_lifecycle_as_vscode_languageclient_drives_it(aws_home: AwsHome) -> None:
    helper = Wire(aws_home.env)
    result = helper.request("initialize", {
        "processId": None, "rootUri": None, "clientInfo": {"name": "Visual Studio Code"},
        "capabilities": {"workspace": {"configuration": True}}, "trace": "off",
        "workspaceFolders": None, "locale": "en",
    })
    assert result["serverInfo"]["name"] == "aws-login-bridge"
    assert "capabilities" in result
    helper.notify("initialized", {})
    helper.notify("$/setTrace", {"value": "off"})
    assert helper.request("awsLogin/listProfiles") == {"profiles": []}
    assert helper.request("shutdown") is None
    refused = helper.error("awsLogin/status", {"profile": "default"})
    assert refused.code == -32600
    helper.notify("exit")
    assert helper.proc.wait(10) == 0, helper.stderr
    helper.check_clean()


def test_exit_without_shutdown_exits_1_and_eof_exits_0(aws_home: AwsHome) -> None:
    helper = Wire(aws_home.env)
    helper.initialize()
    helper.notify("exit")
    assert helper.proc.wait(10) == 1
    helper.check_clean()

    helper = Wire(aws_home.env)
    helper.initialize()
    assert helper.proc.stdin is not None
    helper.proc.stdin.close()
    assert helper.proc.wait(10) == 0
    helper.check_clean()


def test_stdin_closing_mid_message_is_a_clean_exit(aws_home: AwsHome) -> None:
    helper = Wire(aws_home.env)
    helper.initialize()
    body = json.dumps({"jsonrpc": "2.0", "id": 9, "method": "awsLogin/status",
                       "params": {"profile": "default"}}).encode()
    helper.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body[:20])
    assert helper.proc.stdin is not None
    helper.proc.stdin.close()
    assert helper.proc.wait(10) == 0
    helper.check_clean()
    assert "Traceback" not in helper.stderr


def test_invalid_initialize_params_get_invalid_params(aws_home: AwsHome) -> None:
    helper = Wire(aws_home.env)
    bad = helper.error("initialize", {"processId": "not a number", "capabilities": {}})
    assert bad.code == -32602
    assert helper.initialize()["serverInfo"]["name"] == "aws-login-bridge"
    helper.close()
    helper.check_clean()


# -- bad input --------------------------------------------------------------------------


def test_bad_input_gets_errors_and_the_helper_keeps_serving(aws_home: AwsHome) -> None:
    helper = Wire(aws_home.env)
    helper.initialize()
    status = {"jsonrpc": "2.0", "method": "awsLogin/status", "params": {"profile": "default"}}

    # Malformed JSON with a correct length.
    helper.send_raw(b"Content-Length: 15\r\n\r\n{\"jsonrpc\": 2.0")
    assert helper.anonymous_error()["code"] == -32700

    # Content-Length too small: the cut body is not JSON; the rest is skipped.
    body = json.dumps({**status, "id": 100}).encode()
    helper.send_raw(b"Content-Length: %d\r\n\r\n" % (len(body) - 7) + body)
    assert helper.anonymous_error()["code"] == -32700

    # Content-Length too large, with the next request right behind: the first is refused
    # under its own id, the second is answered normally.
    first = json.dumps({**status, "id": 101}).encode()
    second = json.dumps({**status, "id": 102}).encode()
    helper.send_raw(b"Content-Length: %d\r\n\r\n" % (len(first) + 30) + first
                    + b"Content-Length: %d\r\n\r\n" % len(second) + second)
    assert helper.answer(101)["error"]["code"] == -32600
    assert helper.answer(102)["result"]["profile"] == "default"

    # A Content-Length that is not a number, and one that is missing.
    helper.send_raw(b"Content-Length: twelve\r\n\r\n" + json.dumps({**status, "id": 103}).encode())
    assert helper.anonymous_error()["code"] == -32700
    helper.send_raw(b"Content-Type: application/json\r\n\r\n{}")
    assert helper.anonymous_error()["code"] == -32700

    # Unknown method; missing, wrongly typed and positional params.
    assert helper.error("awsLogin/noSuchMethod", {}).code == -32601
    missing = helper.error("awsLogin/completeLogin", {"code": "abc"})
    assert (missing.code, missing.data.get("field")) == (-32602, "loginId")
    wrong = helper.error("awsLogin/status", {"profile": 5})
    assert (wrong.code, wrong.data.get("field")) == (-32602, "profile")
    assert helper.error("awsLogin/startLogin", {"profile": "p", "flow": "sideways"}).code \
        == -32602
    assert helper.error("awsLogin/startLogin", {"profile": "no spaces"}).code == -32602
    assert helper.error("awsLogin/logout", {"all": "yes"}).code == -32602
    assert helper.error("awsLogin/status", ["default"]).code == -32602

    # A 10 MB message: refused without being read into memory, answered under its id.
    huge = json.dumps({"jsonrpc": "2.0", "id": 104, "method": "awsLogin/completeLogin",
                       "params": {"loginId": "x", "code": "A" * (10 << 20)}}).encode()
    helper.send_raw(b"Content-Length: %d\r\n\r\n" % len(huge) + huge)
    answer = helper.answer(104)
    assert answer["error"]["code"] == -32600
    assert "too large" in answer["error"]["message"]

    # Not JSON-RPC 2.0, a batch, a bad id, garbage between frames, unknown notifications.
    helper.send({**status, "jsonrpc": "1.0", "id": 105})
    assert helper.answer(105)["error"]["code"] == -32600
    helper.send([{**status, "id": 106}])
    assert helper.anonymous_error()["code"] == -32600
    helper.send({**status, "id": {"nested": True}})
    assert helper.anonymous_error()["code"] == -32600
    helper.send_raw(b"this is not a frame\r\n\r\n")
    helper.notify("$/unknownNotification", {"x": 1})
    helper.notify("awsLogin/startLogin", {"profile": "p"})  # a request sent as notification

    # After all that, a normal request still works.
    assert helper.request("awsLogin/status", {"profile": "default"})["profile"] == "default"
    assert helper.request("awsLogin/listProfiles") == {"profiles": []}

    # Requests after shutdown are refused; exit ends the process with 0.
    assert helper.request("shutdown") is None
    late = helper.error("awsLogin/listProfiles")
    assert late.code == -32600
    helper.notify("exit")
    assert helper.proc.wait(10) == 0
    helper.check_clean()
    assert "Traceback" not in helper.stderr

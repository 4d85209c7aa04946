"""The read loop: frames in, one answer for each bad one, checked messages on to pygls.

pygls (through its public API: ``structure_message``, ``handle_message``) handles the LSP
lifecycle, cancellation and the dispatch to our features. In front of it, this layer answers
what JSON-RPC and LSP require and pygls would leave hanging or answer with the raw input: a
frame that is not JSON, a message that is not a JSON-RPC request, an unknown method (named
escaped and cut), params that do not fit an LSP method, any request after ``shutdown``. Its
answers are written as frames of their own; its log lines carry methods, ids and error kinds,
never params (a pasted verification code is a secret).

Runs until the ``exit`` notification (exit code 0 after ``shutdown``, 1 without, as LSP
says) or the end of input (0: the client went away, which is how editors usually stop a
helper that is still busy).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from cattrs import transform_error
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import JsonRPCProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, MsgId

from aws_login_bridge.errors import shown
from aws_login_bridge.rpc.framing import (
    INVALID_REQUEST,
    PARSE_ERROR,
    Body,
    Closed,
    FrameReader,
    Rejected,
    find_header,
)

log = logging.getLogger(__name__)

METHOD_NOT_FOUND = -32601
_NOT_JSON = object()


def _valid_id(value: object) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


class Connection:
    def __init__(self, reader: FrameReader, protocol: JsonRPCProtocol,
                 write: Callable[[bytes], None]) -> None:
        self._reader = reader
        self._protocol = protocol
        self._write = write
        self._shutting_down = False

    async def serve(self) -> int:
        reader = self._reader
        while True:
            event = await reader.read()
            if reader.skipped:
                log.warning("skipped %d bytes of input that were not a message", reader.skipped)
                reader.skipped = 0
            if isinstance(event, Closed):
                if event.mid_message:
                    log.info("input ended in the middle of a message")
                log.info("input closed; stopping")
                return 0
            if isinstance(event, Rejected):
                self.send_error(event.id_hint, event.code, event.message)
                continue
            try:
                self._receive(event)
            except SystemExit as stop:  # pygls ends `exit` with sys.exit(code)
                log.info("exit requested")
                return stop.code if isinstance(stop.code, int) else 0
            # Input that arrived in one burst is parsed without awaiting anything: give the
            # requests started so far their turn before reading the next message.
            await asyncio.sleep(0)

    def send_error(self, msg_id: MsgId | None, code: int, message: str,
                   data: Any = None) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        log.info("answering %r with error %d: %s", msg_id, code, message)
        body = json.dumps({"jsonrpc": "2.0", "id": msg_id, "error": error}).encode()
        self._write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    # -- a frame -------------------------------------------------------------------------

    def _receive(self, body: Body) -> None:
        message = _decode(body.data)
        if message is _NOT_JSON:
            at = find_header(body.data)
            if at > 0:
                # Content-Length was too large: this body holds the start of the next message.
                self._reader.unread(body.data[at:])
                self._wrong_length(_decode(body.data[:at]), body.declared, at)
                return
            detail = "" if body.complete else " (it ended before its Content-Length)"
            self.send_error(None, PARSE_ERROR,
                            f"Parse error: the message is not valid JSON{detail}")
            return
        if not body.complete:
            self._wrong_length(message, body.declared, len(body.data))
            return
        self._dispatch(message)

    def _wrong_length(self, message: Any, declared: int, actual: int) -> None:
        msg_id = message.get("id") if isinstance(message, dict) else None
        if not _valid_id(msg_id):
            msg_id = None
        self.send_error(
            msg_id,
            INVALID_REQUEST if msg_id is not None else PARSE_ERROR,
            f"Content-Length said {declared} bytes but the message has {actual}; it was not run.",
        )

    # -- a message -----------------------------------------------------------------------

    def _dispatch(self, raw: Any) -> None:
        """Check the envelope of one decoded message, then let pygls handle it."""
        if not isinstance(raw, dict):
            why = "batches are not supported" if isinstance(raw, list) else "not an object"
            self.send_error(None, INVALID_REQUEST, f"Invalid request: {why}")
            return
        has_id = "id" in raw
        msg_id = raw.get("id") if _valid_id(raw.get("id")) else None
        method = raw.get("method")
        problem = _envelope_problem(raw, has_id, msg_id)
        if problem is not None:
            if problem and has_id:
                self.send_error(msg_id, INVALID_REQUEST, problem)
            elif problem:
                log.warning("dropped a message: %s", problem)
            return
        if self._shutting_down and method != lsp.EXIT:
            if has_id:
                self.send_error(msg_id, INVALID_REQUEST,
                                f"The helper is shutting down; {shown(method, 40)} was not run.")
            return
        if not self._known(method):
            if has_id:
                self.send_error(msg_id, METHOD_NOT_FOUND,
                                f"Method not found: {shown(method, 40)}")
            else:
                log.debug("ignoring a notification of an unknown method")
            return
        try:
            message = self._structure(raw, method, msg_id if has_id else None)
        except JsonRpcException as error:
            if has_id:
                self.send_error(msg_id, error.code, error.message, error.data)
            else:
                log.warning("dropped notification %s: %s", shown(method, 40), error.message)
            return
        if method == lsp.SHUTDOWN and has_id:
            self._shutting_down = True
        self._protocol.handle_message(message)

    def _known(self, method: str) -> bool:
        features = self._protocol.fm
        return (method in features.features or method in features.builtin_features
                or method == lsp.CANCEL_REQUEST)

    def _structure(self, raw: dict[str, Any], method: str, msg_id: MsgId | None) -> Any:
        params = raw.get("params")
        if self._protocol.get_message_type(method) is None:
            # Our own methods: params stay plain JSON for the handlers (rpc/params.py).
            if msg_id is None:
                return JsonRPCNotification(method=method, jsonrpc="2.0", params=params)
            return JsonRPCRequestMessage(id=msg_id, method=method, jsonrpc="2.0", params=params)
        try:
            return self._protocol.structure_message({**raw, "params": params})
        except JsonRpcInvalidParams as error:
            raise JsonRpcInvalidParams(
                message=f"Invalid params for {method}: {_describe(error.__cause__)}"
            ) from None


def _envelope_problem(raw: dict[str, Any], has_id: bool, msg_id: MsgId | None) -> str | None:
    """None if the envelope is a JSON-RPC 2.0 request or notification; "" for a response
    (ignored: this helper sends no requests); else what is wrong."""
    method = raw.get("method")
    if raw.get("jsonrpc") != "2.0":
        return 'Invalid request: "jsonrpc" must be "2.0"'
    if "method" not in raw:
        if has_id and ("result" in raw or "error" in raw):
            log.debug("ignoring a response to id %r", msg_id)
            return ""
        return 'Invalid request: no "method"'
    if not isinstance(method, str) or not method:
        return 'Invalid request: "method" must be a string'
    if has_id and msg_id is None:
        return 'Invalid request: "id" must be a string or an integer'
    return None


def _describe(error: BaseException | None) -> str:
    """What is wrong with LSP params, by path and expected type (never the values)."""
    try:
        return "; ".join(transform_error(error)) or type(error).__name__  # type: ignore[arg-type]
    except Exception:
        return type(error).__name__


def _decode(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _NOT_JSON

"""The read loop: frames in, one answer for each bad one, checked messages on to pygls.

pygls (public API: ``structure_message``, ``handle_message``) does the LSP lifecycle,
cancellation and dispatch. In front of it, this answers what pygls would leave hanging or
answer with the raw input: a frame that is not JSON, a message that is not a JSON-RPC
request, an unknown method (named escaped and cut), params that do not fit an LSP method,
any request after ``shutdown``. Logs carry methods, ids and kinds, never params (a pasted
code is a secret). Runs until ``exit`` (0 after ``shutdown``, else 1, as LSP says) or the
end of input (0: editors often stop a helper by closing its stdin).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

from cattrs import transform_error
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.protocol import JsonRPCProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, MsgId

from aws_login_bridge.errors import shown
from aws_login_bridge.rpc.frames import (
    INVALID_REQUEST,
    PARSE_ERROR,
    Body,
    FrameParser,
    Rejected,
    encode,
    find_header,
)

log = logging.getLogger(__name__)

METHOD_NOT_FOUND = -32601
STALL_TIMEOUT = 5.0  # seconds without data in the middle of a body
# next_chunk(timeout): the next bytes; b"" at end of input; None if `timeout` passed first.
ChunkSource = Callable[[float | None], Awaitable[bytes | None]]


class Refused(Exception):
    """A message to answer with an error (under ``msg_id``; None: it had no usable one)."""

    def __init__(self, msg_id: MsgId | None, code: int, message: str) -> None:
        super().__init__(message)
        self.answer = Rejected(code, message, msg_id)


class Connection:
    def __init__(self, next_chunk: ChunkSource, protocol: JsonRPCProtocol,
                 write: Callable[[bytes], None], stall_timeout: float = STALL_TIMEOUT) -> None:
        self._next_chunk = next_chunk
        self._protocol = protocol
        self._write = write
        self._stall = stall_timeout
        self._parser = FrameParser()
        self._shutting_down = False

    async def serve(self) -> int:
        parser = self._parser
        while True:
            event = parser.next()
            if event is None:
                chunk = await self._next_chunk(self._stall if parser.mid_body else None)
                if chunk:
                    parser.feed(chunk)
                    continue
                if chunk == b"":
                    log.info("input closed%s; stopping",
                             " in the middle of a message" if parser.mid_message else "")
                    return 0
                event = parser.stalled()
            if parser.skipped:
                log.warning("skipped %d bytes of input that were not a message", parser.skipped)
                parser.skipped = 0
            try:
                if isinstance(event, Body):
                    self._receive(event)
                elif event is not None:
                    self.send_error(event)
            except Refused as refused:
                self.send_error(refused.answer)
            except SystemExit as stop:  # pygls ends `exit` with sys.exit(code)
                log.info("exit requested")
                return stop.code if isinstance(stop.code, int) else 0
            except Exception:  # a bug of ours must not end the connection either
                log.exception("a message could not be handled")
            # Input that arrived in one burst is parsed without awaiting anything: give the
            # requests started so far their turn before reading the next message.
            await asyncio.sleep(0)

    def send_error(self, answer: Rejected) -> None:
        msg_id, code, message = answer.id_hint, answer.code, answer.message
        log.info("answering %r with error %d: %s", msg_id, code, message)
        self._write(encode(json.dumps({"jsonrpc": "2.0", "id": msg_id,
                                       "error": {"code": code, "message": message}}).encode()))

    def _receive(self, body: Body) -> None:
        message = _decode(body.data)
        cut = find_header(body.data) if message is _NOT_JSON else -1
        if cut > 0:  # Content-Length was too large: the body holds the next message's start
            self._parser.unread(body.data[cut:])
            _refuse_length(_decode(body.data[:cut]), body.declared, cut)
        if message is _NOT_JSON:
            detail = "" if body.complete else " (it ended before its Content-Length)"
            raise Refused(None, PARSE_ERROR, f"Parse error: the message is not valid JSON{detail}")
        if not body.complete:
            _refuse_length(message, body.declared, len(body.data))
        self._dispatch(message)

    def _dispatch(self, raw: Any) -> None:
        """Check the envelope of one decoded message, then let pygls handle it."""
        if not isinstance(raw, dict):
            why = "batches are not supported" if isinstance(raw, list) else "not an object"
            raise Refused(None, INVALID_REQUEST, f"Invalid request: {why}")
        msg_id, method = _id_of(raw), raw.get("method")
        is_request = "id" in raw
        try:
            if raw.get("jsonrpc") != "2.0":
                raise Refused(msg_id, INVALID_REQUEST, 'Invalid request: "jsonrpc" must be "2.0"')
            if "method" not in raw and is_request and ("result" in raw or "error" in raw):
                log.debug("ignoring a response to id %r", msg_id)  # we send no requests
                return
            if not isinstance(method, str) or not method:
                raise Refused(msg_id, INVALID_REQUEST,
                              'Invalid request: "method" must be a non-empty string')
            if is_request and msg_id is None:
                raise Refused(None, INVALID_REQUEST,
                              'Invalid request: "id" must be a string or an integer')
            if self._shutting_down and method != lsp.EXIT:
                raise Refused(msg_id, INVALID_REQUEST,
                              f"The helper is shutting down; {shown(method, 40)} was not run.")
            fm = self._protocol.fm
            if not (method in fm.features or method in fm.builtin_features
                    or method == lsp.CANCEL_REQUEST):
                raise Refused(msg_id, METHOD_NOT_FOUND, f"Method not found: {shown(method, 40)}")
            message = self._structure(raw, method, msg_id)
        except Refused as refused:
            if is_request:
                raise
            log.warning("dropped a notification: %s", refused.answer.message)
            return
        self._shutting_down |= method == lsp.SHUTDOWN and is_request
        self._protocol.handle_message(message)

    def _structure(self, raw: dict[str, Any], method: str, msg_id: MsgId | None) -> Any:
        params = raw.get("params")
        if self._protocol.get_message_type(method) is None:
            # Our own methods: params stay plain JSON for the handlers (rpc/errors.parse).
            if "id" not in raw:
                return JsonRPCNotification(method=method, jsonrpc="2.0", params=params)
            return JsonRPCRequestMessage(id=msg_id, method=method, jsonrpc="2.0", params=params)
        try:
            return self._protocol.structure_message({**raw, "params": params})
        except JsonRpcInvalidParams as error:
            raise Refused(msg_id, error.code,
                          f"Invalid params for {method}: {_describe(error.__cause__)}") from None
        except JsonRpcException as error:
            raise Refused(msg_id, error.code, error.message) from None


_NOT_JSON = object()


def _refuse_length(message: Any, declared: int, actual: int) -> NoReturn:
    msg_id = _id_of(message)
    raise Refused(msg_id, PARSE_ERROR if msg_id is None else INVALID_REQUEST,
                  f"Content-Length said {declared} bytes but the message has {actual}; "
                  "it was not run.")


def _id_of(message: Any) -> MsgId | None:
    value = message.get("id") if isinstance(message, dict) else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


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

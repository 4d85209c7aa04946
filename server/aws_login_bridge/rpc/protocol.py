"""pygls's LSP protocol, with an answer for every request it would leave hanging.

pygls handles ``initialize``/``initialized``/``shutdown``/``exit``, cancellation and the
dispatch to our features. This subclass adds what JSON-RPC and LSP require and pygls 2.1
does not do: an error (not silence) for a request that is not a valid JSON-RPC request, for
params that do not fit an LSP method, and for any request after ``shutdown``
(InvalidRequest). Its log lines never carry params or results (a pasted verification code
is a secret) — only methods, ids and error kinds.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from lsprotocol import types as lsp
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcMethodNotFound,
    JsonRpcRequestCancelled,
)
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCNotification, JsonRPCRequestMessage, MsgId

from aws_login_bridge.errors import shown
from aws_login_bridge.rpc.errors import internal_error
from aws_login_bridge.rpc.framing import INVALID_REQUEST

log = logging.getLogger(__name__)


def _valid_id(value: object) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


class BridgeProtocol(LanguageServerProtocol):
    def receive(self, raw: Any) -> None:
        """Check the envelope of one decoded message, then let pygls dispatch it."""
        if not isinstance(raw, dict):
            why = "batches are not supported" if isinstance(raw, list) else "not an object"
            self.send_error(None, INVALID_REQUEST, f"Invalid request: {why}")
            return
        has_id = "id" in raw
        msg_id = raw.get("id") if _valid_id(raw.get("id")) else None
        method = raw.get("method")
        if raw.get("jsonrpc") != "2.0":
            self._refuse(has_id, msg_id, 'Invalid request: "jsonrpc" must be "2.0"')
            return
        if "method" not in raw:
            if has_id and ("result" in raw or "error" in raw):
                log.debug("ignoring a response to id %r: this helper sends no requests", msg_id)
            else:
                self._refuse(has_id, msg_id, 'Invalid request: no "method"')
            return
        if not isinstance(method, str) or not method:
            self._refuse(has_id, msg_id, 'Invalid request: "method" must be a string')
            return
        if has_id and msg_id is None:
            self.send_error(None, INVALID_REQUEST,
                            'Invalid request: "id" must be a string or an integer')
            return
        if self._shutdown and method != lsp.EXIT:
            if has_id:
                self.send_error(msg_id, INVALID_REQUEST,
                                f"The helper is shutting down; {shown(method, 40)} was not run.")
            return
        try:
            message = self._structure(raw, method, msg_id if has_id else None)
        except JsonRpcException as error:
            if has_id:
                self._send_response(msg_id, error=error.to_response_error())
            else:
                log.warning("dropped notification %s: %s", shown(method, 40), error.message)
            return
        self.handle_message(message)

    def send_error(self, msg_id: MsgId | None, code: int, message: str,
                   data: Any = None) -> None:
        error: dict[str, Any] = {"code": code, "message": message}
        if data is not None:
            error["data"] = data
        log.info("answering %r with error %d: %s", msg_id, code, message)
        self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": error})

    def _refuse(self, has_id: bool, msg_id: MsgId | None, message: str) -> None:
        if has_id:
            self.send_error(msg_id, INVALID_REQUEST, message)
        else:
            log.warning("dropped a message: %s", message)

    def _get_handler(self, feature_name: str) -> Any:
        # pygls would repeat the unknown name whole in the answer, newlines included.
        try:
            return super()._get_handler(feature_name)
        except JsonRpcMethodNotFound:
            raise JsonRpcMethodNotFound(
                message=f"Method not found: {shown(feature_name, 40)}") from None

    def _structure(self, raw: dict[str, Any], method: str, msg_id: MsgId | None) -> Any:
        params = raw.get("params")
        lsp_type = self.get_message_type(method)
        if lsp_type is None:  # our own methods: params stay plain JSON for the handlers
            if msg_id is None:
                return JsonRPCNotification(method=method, jsonrpc="2.0", params=params)
            return JsonRPCRequestMessage(id=msg_id, method=method, jsonrpc="2.0", params=params)
        try:
            return self._converter.structure({**raw, "params": params}, lsp_type)
        except Exception as error:
            raise JsonRpcInvalidParams(
                message=f"Invalid params for {method}: {_describe(error)}"
            ) from None

    def _send_handler_result(self, future: Future[Any], *, msg_id: MsgId) -> None:
        # pygls logs a full traceback for every error answer and puts the traceback of an
        # unexpected exception into the answer; say it shortly, and keep tracebacks local.
        self._request_futures.pop(msg_id, None)
        if future.cancelled():
            error = JsonRpcRequestCancelled(f"Request {msg_id} was cancelled")
            self._send_response(msg_id, error=error.to_response_error())
            return
        exc = future.exception()
        if exc is None:
            self._send_response(msg_id, result=future.result())
        elif isinstance(exc, JsonRpcException):
            self._send_response(msg_id, error=exc.to_response_error())
        else:
            log.error("request %r failed unexpectedly", msg_id, exc_info=exc)
            self._send_response(msg_id, error=internal_error().to_response_error())


def _describe(error: Exception) -> str:
    """What is wrong with LSP params, by path and expected type (never the values)."""
    try:
        from cattrs import transform_error

        return "; ".join(transform_error(error)) or type(error).__name__
    except Exception:
        return type(error).__name__

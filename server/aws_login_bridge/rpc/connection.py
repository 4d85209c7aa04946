"""The read loop: frames in, one answer for each bad one, messages on to the protocol.

Runs until the ``exit`` notification (exit code 0 after ``shutdown``, 1 without, as LSP
says) or the end of input (0: the client went away, which is how editors usually stop a
helper that is still busy).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aws_login_bridge.rpc.framing import (
    INVALID_REQUEST,
    PARSE_ERROR,
    Body,
    Closed,
    FrameReader,
    Rejected,
    find_header,
)
from aws_login_bridge.rpc.protocol import BridgeProtocol

log = logging.getLogger(__name__)

_NOT_JSON = object()


async def serve_connection(reader: FrameReader, protocol: BridgeProtocol) -> int:
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
            protocol.send_error(event.id_hint, event.code, event.message)
            continue
        try:
            _receive(event, reader, protocol)
        except SystemExit as stop:  # pygls ends `exit` with sys.exit(code)
            log.info("exit requested")
            return stop.code if isinstance(stop.code, int) else 0
        # Input that arrived in one burst is parsed without awaiting anything: give the
        # requests started so far their turn before reading the next message.
        await asyncio.sleep(0)


def _receive(body: Body, reader: FrameReader, protocol: BridgeProtocol) -> None:
    message = _decode(body.data)
    if message is _NOT_JSON:
        at = find_header(body.data)
        if at > 0:
            # Content-Length was too large: this body holds the start of the next message.
            reader.unread(body.data[at:])
            _wrong_length(protocol, _decode(body.data[:at]), body.declared, at)
            return
        detail = "" if body.complete else " (it ended before its Content-Length)"
        protocol.send_error(None, PARSE_ERROR,
                            f"Parse error: the message is not valid JSON{detail}")
        return
    if not body.complete:
        _wrong_length(protocol, message, body.declared, len(body.data))
        return
    protocol.receive(message)


def _wrong_length(protocol: BridgeProtocol, message: Any, declared: int, actual: int) -> None:
    msg_id = message.get("id") if isinstance(message, dict) else None
    if not isinstance(msg_id, (str, int)) or isinstance(msg_id, bool):
        msg_id = None
    protocol.send_error(
        msg_id,
        INVALID_REQUEST if msg_id is not None else PARSE_ERROR,
        f"Content-Length said {declared} bytes but the message has {actual}; it was not run.",
    )


def _decode(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _NOT_JSON

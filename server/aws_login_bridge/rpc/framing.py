"""LSP base framing (``Content-Length: N`` header lines, a blank line, N bytes of JSON), read
defensively.

pygls's own reader trusts its input: a body that is not JSON is dropped without an answer,
a Content-Length that is too large swallows the next message, a huge one is read into
memory whole. A client bug must cost one error answer, never the connection, so this
reader

* skips anything that is not a header until it finds the next ``Content-Length:`` (even in
  the middle of a line, which is where the next header sits after a too-short length),
* lets the caller push bytes back (``unread``) when a body turns out to contain the next
  message's header (a too-long length),
* discards bodies over ``max_body`` in chunks instead of buffering them,
* stops waiting for the rest of a body after ``stall_timeout`` seconds without data, so a
  too-long length followed by silence still gets an answer.

Everything here runs on the event loop; the bytes come from ``next_chunk`` (see transport).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

MAX_BODY = 1 << 20  # 1 MiB: real messages are a few KB; bigger ones are refused unread
MAX_HEADER_LINE = 8192
STALL_TIMEOUT = 5.0  # seconds without data in the middle of a body
PARSE_ERROR = -32700
INVALID_REQUEST = -32600

HEADER_MARK = b"content-length:"
_MARKS = (HEADER_MARK, b"content-type:")  # the two headers LSP defines
_HEADER_NAME = re.compile(rb"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
_ID_HINT = re.compile(rb'"id"\s*:\s*(-?\d{1,15}|"[^"\\]{0,256}")')
_HINT_WINDOW = 4096


@dataclass(frozen=True)
class Body:
    """A message body. ``complete`` is False when the sender stalled short of ``declared``."""

    data: bytes
    declared: int
    complete: bool = True


@dataclass(frozen=True)
class Rejected:
    """A frame that cannot be read as a message: answer with this error and carry on."""

    code: int
    message: str
    id_hint: int | str | None = None


@dataclass(frozen=True)
class Closed:
    """End of input. ``mid_message``: it came inside a frame (the client died mid-write)."""

    mid_message: bool


Event = Body | Rejected | Closed
# next_chunk(timeout): the next bytes; b"" at end of input; None if `timeout` passed first.
ChunkSource = Callable[[float | None], Awaitable[bytes | None]]


class FrameReader:
    def __init__(
        self,
        next_chunk: ChunkSource,
        *,
        max_body: int = MAX_BODY,
        stall_timeout: float = STALL_TIMEOUT,
    ) -> None:
        self._next = next_chunk
        self._max_body = max_body
        self._stall = stall_timeout
        self._buf = bytearray()
        self._eof = False
        self.skipped = 0  # bytes of non-header garbage skipped so far (for the log)

    def unread(self, data: bytes) -> None:
        """Put bytes back in front of the input (a body that held the next header)."""
        self._buf[:0] = data

    async def read(self) -> Event:
        """The next body, a rejected frame, or the end of input."""
        while True:
            line = await self._line()
            if line is None:
                return Closed(mid_message=bool(self._buf.strip()))
            if not line.strip():
                continue  # blank lines between messages are harmless
            at = find_header(line)
            if at > 0:  # the next header, right after the rest of a cut body
                self.skipped += at
                return await self._frame(line[at:])
            if at == 0 or _is_header(line):
                return await self._frame(line)
            self.skipped += len(line) + 1

    async def _frame(self, first: bytes) -> Event:
        fields = [first]
        while True:
            line = await self._line()
            if line is None:
                return Closed(mid_message=True)
            if not line.strip():
                break
            if not _is_header(line):
                # Not a header: the blank line was missing. If the next message's header
                # hides in this line, start over from it.
                at = find_header(line)
                if at > 0:
                    self.unread(line[at:] + b"\n")
                return Rejected(PARSE_ERROR, "Malformed message header (expected "
                                "'Content-Length: N', then a blank line)")
            fields.append(line)
        lengths = {
            value.strip()
            for name, _, value in (f.partition(b":") for f in fields)
            if name.strip().lower() == b"content-length"
        }
        text = lengths.pop() if len(lengths) == 1 else b""
        if not text.isdigit() or len(text) > 15:
            return Rejected(PARSE_ERROR, "Missing or invalid Content-Length header")
        length = int(text)
        if length > self._max_body:
            return await self._discard(length)
        while len(self._buf) < length:
            if not await self._fill(self._stall):
                if self._eof:
                    return Closed(mid_message=True)
                data = bytes(self._buf)
                self._buf.clear()
                return Body(data, length, complete=False)
        data = bytes(self._buf[:length])
        del self._buf[:length]
        return Body(data, length)

    async def _discard(self, length: int) -> Event:
        """Skip an oversized body chunk by chunk, keeping only its start for the id."""
        head = b""
        remaining = length
        while True:
            take = min(remaining, len(self._buf))
            need = _HINT_WINDOW - len(head)
            if need > 0:
                head += bytes(self._buf[: min(take, need)])
            del self._buf[:take]
            remaining -= take
            if not remaining:
                break
            if not await self._fill(self._stall):
                if self._eof:
                    return Closed(mid_message=True)
                break  # the sender stopped: answer now
        return Rejected(
            INVALID_REQUEST,
            f"Message too large: {length} bytes (the limit is {self._max_body})",
            id_hint=id_hint(head),
        )

    async def _line(self) -> bytes | None:
        """The next line without its line break; None at end of input."""
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                return line.rstrip(b"\r")
            if len(self._buf) > MAX_HEADER_LINE:
                # A very long run without a line break cannot be a header; keep only what
                # may be the start of the next one.
                at = find_header(bytes(self._buf), 1)
                cut = at if at > 0 else len(self._buf) - len(HEADER_MARK)
                self.skipped += cut
                del self._buf[:cut]
                if at > 0:
                    continue
            if not await self._fill(None):
                return None

    async def _fill(self, timeout: float | None) -> bool:
        """Append the next chunk; False at end of input or when ``timeout`` passed."""
        if self._eof:
            return False
        chunk = await self._next(timeout)
        if chunk is None:
            return False
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True


def find_header(data: bytes, start: int = 0) -> int:
    """Where the first LSP header name starts in ``data`` (case-insensitive), or -1."""
    lowered = data.lower()
    found = [at for at in (lowered.find(mark, start) for mark in _MARKS) if at >= 0]
    return min(found, default=-1)


def _is_header(line: bytes) -> bool:
    name, sep, _ = line.partition(b":")
    return bool(sep) and _HEADER_NAME.fullmatch(name.strip()) is not None


def id_hint(head: bytes) -> int | str | None:
    """Best guess at a request's id from the start of a body we will not parse.

    Clients write ``id`` before ``params`` (vscode-jsonrpc and pygls both do), so only the
    part before ``"params"`` is searched. Lets a refused oversized request still be
    answered under its own id instead of leaving the client waiting.
    """
    cut = head.find(b'"params"')
    match = _ID_HINT.search(head if cut < 0 else head[:cut])
    if not match:
        return None
    token = match.group(1)
    if token.startswith(b'"'):
        return token[1:-1].decode("utf-8", "replace")
    return int(token)

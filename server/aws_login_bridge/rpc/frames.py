"""LSP base framing (``Content-Length: N`` header lines, a blank line, N bytes of JSON), as a
parser without I/O: bytes go in with ``feed``, events come out of ``next``. The helper reads
its stdin with it, the Python client the helper's stdout.

pygls's own reader trusts its input (a body that is not JSON is dropped unanswered, a length
too large swallows the next message, a huge one is read whole). Here a client bug costs one
error answer, never the connection: garbage is skipped up to the next ``Content-Length:``
(even mid-line, where it sits after a too-short length); a body holding the next header is
given back (``unread``); an oversized body is dropped as it arrives, its start kept for the
id; and a sender that goes quiet mid-body gets an answer (``stalled``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BODY = 1 << 20  # 1 MiB: real messages are a few KB; bigger ones are refused unread
MAX_HEADER_LINE = 8192
PARSE_ERROR = -32700
INVALID_REQUEST = -32600

_MARKS = (b"content-length:", b"content-type:")  # the two headers LSP defines
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
    """Input that cannot be run: answer with this error (under ``id_hint``) and carry on."""

    code: int
    message: str
    id_hint: int | str | None = None


MALFORMED = Rejected(PARSE_ERROR,
                     "Malformed message header (expected 'Content-Length: N', then a blank line)")


def encode(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


class FrameParser:
    def __init__(self, max_body: int = MAX_BODY) -> None:
        self._max_body = max_body
        self._buf = bytearray()
        self._length: int | None = None  # the declared length of the body being read
        self._head: bytes | None = None  # an oversized body's start (the rest is dropped)
        self._left = 0  # bytes of the oversized body still to drop
        self.skipped = 0  # bytes of non-header garbage skipped so far (for the log)

    def feed(self, data: bytes) -> None:
        self._buf += data

    def unread(self, data: bytes) -> None:
        """Put bytes back in front of the input (a body that held the next header)."""
        self._buf[:0] = data

    @property
    def mid_body(self) -> bool:
        """Waiting for the rest of a body: the sender's silence now means ``stalled``."""
        return self._length is not None

    def next(self) -> Body | Rejected | None:
        """The next body or rejected frame; None until more input is fed."""
        if self._length is None:
            return self._headers()
        if self._head is None:
            return self._body(complete=True) if len(self._buf) >= self._length else None
        take = min(self._left, len(self._buf))
        self._head += bytes(self._buf[: max(0, min(take, _HINT_WINDOW - len(self._head)))])
        del self._buf[:take]
        self._left -= take
        return None if self._left else self.stalled()

    def stalled(self) -> Body | Rejected | None:
        """The sender went quiet in the middle of a body: answer with what there is."""
        if self._length is None:
            return None
        if self._head is None:
            return self._body(complete=False)
        rejected = Rejected(INVALID_REQUEST, f"Message too large: {self._length} bytes (the "
                            f"limit is {self._max_body})", id_hint(self._head))
        self._length = self._head = None
        return rejected

    @property
    def mid_message(self) -> bool:
        """Input ending now would cut a message short (the sender died mid-write)."""
        return self.mid_body or bool(self._buf.strip())

    def _body(self, *, complete: bool) -> Body:
        assert self._length is not None
        size = self._length if complete else len(self._buf)
        body = Body(bytes(self._buf[:size]), self._length, complete)
        del self._buf[:size]
        self._length = None
        return body

    def _headers(self) -> Body | Rejected | None:
        """Consume garbage up to a header block, then the block once it is whole."""
        fields: list[bytes] = []
        at = 0
        while True:
            nl = self._buf.find(b"\n", at)
            if nl < 0:
                return self._long_line(at, fields)
            line = bytes(self._buf[at:nl]).rstrip(b"\r")
            if not fields:
                mark = find_header(line)
                if line.strip() and (mark >= 0 or _is_header(line)):
                    start = at + max(mark, 0)
                    self.skipped += max(mark, 0)
                    del self._buf[:start]
                    at, nl = 0, nl - start
                    line = line[max(mark, 0):]
                else:  # garbage, or blank lines between messages: gone for good
                    if line.strip():
                        self.skipped += nl + 1
                    del self._buf[: nl + 1]
                    continue
            elif not line.strip():
                del self._buf[: nl + 1]
                return self._start_body(fields)
            elif not _is_header(line):
                # The blank line was missing. If the next header hides in this line, keep it.
                mark = find_header(line)
                del self._buf[: at + (mark if mark > 0 else nl + 1 - at)]
                return MALFORMED
            fields.append(line)
            at = nl + 1

    def _long_line(self, at: int, fields: list[bytes]) -> Body | Rejected | None:
        """A run this long without a line break is no header: skip to a possible next one."""
        if len(self._buf) - at <= MAX_HEADER_LINE:
            return None
        tail = bytes(self._buf[at:])
        mark = find_header(tail, 1)
        cut = at + (mark if mark > 0 else len(tail) - len(_MARKS[0]))
        self.skipped += cut
        del self._buf[:cut]
        return MALFORMED if fields else self._headers()

    def _start_body(self, fields: list[bytes]) -> Body | Rejected | None:
        lengths = {value.strip() for name, _, value in (f.partition(b":") for f in fields)
                   if name.strip().lower() == b"content-length"}
        text = lengths.pop() if len(lengths) == 1 else b""
        if not text.isdigit() or len(text) > 15:
            return Rejected(PARSE_ERROR, "Missing or invalid Content-Length header")
        self._length = int(text)
        if self._length > self._max_body:
            self._head, self._left = b"", self._length
        return self.next()


def find_header(data: bytes, start: int = 0) -> int:
    """Where the first LSP header name starts in ``data`` (case-insensitive), or -1."""
    lowered = data.lower()
    found = [at for at in (lowered.find(mark, start) for mark in _MARKS) if at >= 0]
    return min(found, default=-1)


def _is_header(line: bytes) -> bool:
    name, sep, _ = line.partition(b":")
    return bool(sep) and _HEADER_NAME.fullmatch(name.strip()) is not None


def id_hint(head: bytes) -> int | str | None:
    """Best guess at a request's id from the start of a body that will not be parsed, so a
    refused oversized request is still answered under its own id. Clients write ``id``
    before ``params`` (vscode-jsonrpc and pygls both do): only the part before is searched."""
    cut = head.find(b'"params"')
    match = _ID_HINT.search(head if cut < 0 else head[:cut])
    if not match:
        return None
    token = match.group(1)
    return token[1:-1].decode("utf-8", "replace") if token.startswith(b'"') else int(token)

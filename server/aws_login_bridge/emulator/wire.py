"""Transport-neutral request and response values.

The HTTP handler turns sockets into these and back; everything else in the emulator is
plain functions over them, which keeps protocol logic out of ``http.server`` plumbing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, quote


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: str  # raw, still percent-encoded
    headers: Message
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def header_all(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []

    @property
    def host(self) -> str | None:
        return self.headers.get("Host")

    def query_params(self) -> dict[str, list[str]]:
        return parse_qs(self.query, keep_blank_values=True)

    def content_type(self) -> str:
        """The media type alone, lower-cased (parameters such as charset dropped)."""
        value = self.headers.get("Content-Type", "")
        return value.split(";", 1)[0].strip().lower()


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Drop the connection without answering (the "reset" fault).
    abort: bool = False
    # Sleep this long before answering (the "delay" fault).
    delay: float = 0.0

    @classmethod
    def json(cls, status: int, data: Any, headers: list[tuple[str, str]] | None = None,
             ) -> Response:
        body = json.dumps(data, separators=(",", ":")).encode("utf-8")
        return cls(status, body, [("Content-Type", "application/json"),
                                  ("x-amzn-RequestId", str(uuid.uuid4())),
                                  *(headers or [])])

    @classmethod
    def html(cls, status: int, page: str) -> Response:
        return cls(status, page.encode("utf-8"), [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-store"),
            # The pages carry codes; keep them out of other sites' Referer headers.
            ("Referrer-Policy", "no-referrer"),
        ])

    @classmethod
    def xml(cls, status: int, document: str, request_id: str) -> Response:
        return cls(status, document.encode("utf-8"), [
            ("Content-Type", "text/xml"),
            ("x-amzn-RequestId", request_id),
        ])

    @classmethod
    def redirect(cls, location: str) -> Response:
        return cls(302, b"", [("Location", location), ("Cache-Control", "no-store")])


def add_query(url: str, params: list[tuple[str, str]]) -> str:
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params)
    return f"{url}{'&' if '?' in url else '?'}{query}"

"""The HTTP transport: ``ThreadingHTTPServer`` ↔ ``wire.Request``/``Response``.

HTTP/1.1 with keep-alive, because botocore and the JS SDK pool connections; every
response therefore carries an exact Content-Length. The default request logging of
``http.server`` is replaced: it would print query strings, and those carry codes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from aws_login_bridge import hostos
from aws_login_bridge.localhttp import LocalHTTPServer

from . import app
from .context import Context
from .wire import Request, Response

log = logging.getLogger("aws_login_bridge.emulator")

MAX_BODY = 1024 * 1024
_IDLE_TIMEOUT = 30.0


class _Abort(Exception):
    """Raised to abandon a connection without a response (the "reset" fault)."""


class EmulatorHTTPServer(LocalHTTPServer):
    # Bursts of concurrent clients (tests fire 32 refreshes at once) must not overflow
    # the listen backlog: dropped SYNs cost a full second each in client retries.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], ctx: Context) -> None:
        self.ctx = ctx
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            if alive:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        """Cut idle keep-alive connections so nothing is served after stop()."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "aws-login-bridge-emulator"
    sys_version = ""
    timeout = _IDLE_TIMEOUT

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def handle(self) -> None:
        try:
            super().handle()
        except _Abort:
            self._reset_connection()
        except (ConnectionError, TimeoutError):
            pass

    # http.server calls do_<METHOD>; every method goes through the same router.
    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        # Replaced by the per-request INFO line in _dispatch (which never logs queries).
        return

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        path, _, query = self.path.partition("?")
        try:
            body = self._read_body()
        except ValueError:
            body = None
        if body is None:
            self.close_connection = True
            self._send(Response.json(413, {"message": "request body too large or malformed"}))
            self._log(path, 413)
            return
        req = Request(method=self.command, path=path, query=query, headers=self.headers,
                      body=body)
        resp = app.handle(self.server.ctx, req)
        if resp.delay:
            time.sleep(resp.delay)
        if resp.abort:
            self._log(path, 0)
            raise _Abort
        # Logged before the answer goes out: a client that has its answer can rely on the line.
        self._log(path, resp.status)
        self._send(resp)

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)

    def _log(self, path: str, status: int) -> None:
        # Method, path and status only: never the query string, headers or body.
        shown = path if len(path) <= 80 else path[:80] + "…"
        log.info("%s %s -> %s", self.command, shown, status or "connection reset")

    def _reset_connection(self) -> None:
        self.close_connection = True
        try:
            # Linger 0 makes close() send RST: the client sees "connection reset".
            # struct linger is two ints on POSIX, two unsigned shorts in Winsock.
            linger = struct.pack("HH" if hostos.WINDOWS else "ii", 1, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            self.connection.close()
        except OSError:
            pass

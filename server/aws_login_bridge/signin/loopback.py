"""The same-device flow's one-shot callback listener on 127.0.0.1.

It binds the loopback address only, accepts exactly one request to ``/oauth/callback``
that carries the expected ``state``, answers anything else with 400 and keeps waiting,
and gives up after the login's time limit.
"""

from __future__ import annotations

import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aws_login_bridge.errors import NetworkError, UnknownLogin
from aws_login_bridge.localhttp import LocalHTTPServer

CALLBACK_PATH = "/oauth/callback"
WAIT_SLICE = 0.25  # seconds: how long a Ctrl-C can wait on Windows before it ends a login
_DONE_PAGE = (
    b"<!doctype html><title>AWS sign-in complete</title>"
    b"<p>Signed in. You can close this tab and return to your editor.</p>"
)


class LoopbackReceiver:
    """Listens for the browser's redirect and hands back the authorization code."""

    def __init__(self, expected_state: str) -> None:
        self._expected_state = expected_state
        self._code: str | None = None
        self._claim = threading.Lock()  # the check and the taking of the code are one step
        self._done = threading.Event()
        self._closed = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                # The query string carries the authorization code: never log requests.
                return

        try:
            self._server = LocalHTTPServer(("127.0.0.1", 0), Handler)
        except OSError as error:
            raise NetworkError(
                f"Cannot listen on 127.0.0.1 for the sign-in callback: {error}."
            ) from None
        # A short poll interval: close() (a cancelled or finished login) returns within 50 ms
        # instead of serve_forever's default half second.
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        params = parse_qs(parts.query)
        state = params.get("state", [""])
        code = params.get("code", [""])
        # Requests are handled on threads of their own: without the lock, two right ones
        # arriving together could both pass the check, and the later code would win.
        with self._claim:
            accepted = (
                self._code is None
                and not self._closed
                and parts.path == CALLBACK_PATH
                and len(state) == 1
                and len(code) == 1
                and bool(code[0])
                and hmac.compare_digest(state[0].encode(), self._expected_state.encode())
            )
            if accepted:
                self._code = code[0]
        if not accepted:
            request.send_response(400)
            request.send_header("Content-Type", "text/plain; charset=utf-8")
            request.end_headers()
            request.wfile.write(b"This is not the sign-in callback this login is waiting for.\n")
            return
        request.send_response(200)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(_DONE_PAGE)))
        request.end_headers()
        request.wfile.write(_DONE_PAGE)
        self._done.set()

    def wait(self, timeout: float) -> str:
        """Block until the callback arrives; UnknownLogin if cancelled or past ``timeout``."""
        deadline = time.monotonic() + timeout
        arrived = False
        try:
            # In slices: on Windows before Python 3.14 a Ctrl-C is only delivered when a
            # wait returns, so one 10-minute wait would hold it for up to 10 minutes.
            while not arrived:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                arrived = self._done.wait(min(WAIT_SLICE, remaining))
        finally:
            self.close()
        if not arrived or self._code is None:
            raise UnknownLogin(
                "The browser did not come back to this login in time (or it was cancelled). "
                "Start the login again."
            )
        return self._code

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._done.set()

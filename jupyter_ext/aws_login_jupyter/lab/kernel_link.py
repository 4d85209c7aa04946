"""How a kernel's ``%aws_login`` uses its Jupyter server's helper instead of starting one.

The server extension puts three variables into the server's environment, which every kernel
it starts inherits: the URL of its kernel endpoints, a random key for them (kernels cannot
present a browser's login cookie, and the key never leaves this machine's processes), and a
digest of the server's AWS_* settings. A kernel whose own AWS_* settings still match that
digest sends its helper requests to the server (``ServerClient``, a drop-in for
``HelperClient``); one whose settings differ (an emulator endpoint set in the notebook, say)
starts its own helper, which reads the files the way the kernel's boto3 will.

Requests to the server never go through a proxy set in the kernel (``http_proxy``,
``all_proxy``…): they carry the key and, for a login, the verification code, and the
server is on this machine. The kernel's calls to AWS (botocore's) keep the proxy.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import math
import os
import secrets
import threading
from collections.abc import Callable
from typing import Any

from aws_login_jupyter.aws_settings import (
    ENV_VARIABLE,
    KEY_VARIABLE,
    URL_VARIABLE,
    environment_fingerprint,
)
from aws_login_jupyter.aws_settings import LINK_VARIABLES as VARIABLES

KEY_HEADER = "X-Aws-Login-Bridge-Key"
RECONNECT_DELAY = 1.0  # between attempts to reopen a dropped event stream
READ_TIMEOUT = 60.0  # the server sends a keepalive every 20 s
# What a kernel may ask the server to wait for one helper answer: a few seconds at least
# (less could not even reach a busy helper), five minutes at most (a completeLogin takes up
# to two). Without one, or with NaN: a minute.
MIN_TIMEOUT, MAX_TIMEOUT, DEFAULT_TIMEOUT = 5.0, 300.0, 60.0


# -- the server's side ----------------------------------------------------------------------

def advertise(url: str) -> str:
    """Tell kernels started from now on where the helper is; returns the key."""
    key = secrets.token_urlsafe(32)
    os.environ[URL_VARIABLE] = url.rstrip("/")
    os.environ[KEY_VARIABLE] = key
    os.environ[ENV_VARIABLE] = environment_fingerprint()
    return key


def withdraw() -> None:
    for name in VARIABLES:
        os.environ.pop(name, None)


def key_matches(expected: str, presented: str | None) -> bool:
    return bool(expected) and presented is not None and hmac.compare_digest(
        expected.encode(), presented.encode())


def clamp_timeout(value: float | None) -> float:
    """A kernel's timeout within [MIN_TIMEOUT, MAX_TIMEOUT] (1e-9, -5, inf and 1e308
    included); None or NaN is the default."""
    if value is None or math.isnan(value):
        return DEFAULT_TIMEOUT
    return min(max(value, MIN_TIMEOUT), MAX_TIMEOUT)


# -- the kernel's side ----------------------------------------------------------------------

def server_available() -> bool:
    """This kernel was started by a server with the extension, and sees AWS the same way."""
    return (bool(os.environ.get(URL_VARIABLE)) and bool(os.environ.get(KEY_VARIABLE))
            and os.environ.get(ENV_VARIABLE) == environment_fingerprint())


class ServerClient:
    """``HelperClient``'s ``request`` / ``on_notification`` / ``close``, over the server."""

    def __init__(self, url: str | None = None, key: str | None = None) -> None:
        self.url = (url or os.environ[URL_VARIABLE]).rstrip("/")
        self._key = key or os.environ[KEY_VARIABLE]
        self._callbacks: dict[str, list[Callable[[Any], None]]] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._stream: Any = None
        self._reader: threading.Thread | None = None
        self._opener: Any = None

    def _open(self, path: str, body: bytes | None, timeout: float) -> Any:
        import urllib.request  # here: a kernel that never logs in does not pay for it

        if self._opener is None:
            # No proxy handler from the environment: an empty one means "connect directly".
            self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(
            f"{self.url}/aws-login/kernel/{path}", data=body, method="POST" if body else "GET",
            headers={KEY_HEADER: self._key, "Content-Type": "application/json"})
        return self._opener.open(request, timeout=timeout)

    def request(self, method: str, params: Any = None, timeout: float = 60.0) -> Any:
        import urllib.error

        from aws_login_bridge.rpc.client import HelperError, HelperExited

        if self._closed.is_set():
            raise HelperExited("This helper client is closed.")
        timeout = clamp_timeout(timeout)  # as the server will: wait a little longer
        body = json.dumps({"method": method, "params": params or {},
                           "timeout": timeout}).encode()
        try:
            with self._open("rpc", body, timeout + 10.0) as answer:
                return json.loads(answer.read())["result"]
        except urllib.error.HTTPError as error:
            with contextlib.closing(error):
                try:
                    failure = json.loads(error.read())["error"]
                except (ValueError, KeyError, TypeError):
                    raise HelperExited(f"The Jupyter server answered HTTP {error.code}.") \
                        from None
            raise HelperError(str(failure.get("message") or ""), kind=str(failure["kind"]),
                              data=failure.get("data")) from None
        except (urllib.error.URLError, ConnectionError) as error:
            raise HelperExited(f"The Jupyter server cannot be reached ({error}).") from None

    def on_notification(self, method: str, callback: Callable[[Any], None]) -> None:
        with self._lock:
            self._callbacks.setdefault(method, []).append(callback)
            if self._reader is None:
                self._reader = threading.Thread(target=self._read_events, daemon=True,
                                                name="aws-login-bridge-server-events")
                self._reader.start()

    def _read_events(self) -> None:
        while not self._closed.is_set():
            try:
                with self._open("events", None, READ_TIMEOUT) as stream:
                    self._stream = stream
                    self._deliver_all(stream)
            except (OSError, ValueError):
                pass  # the stream dropped (or close() cut it): try again unless closed
            if self._closed.wait(RECONNECT_DELAY):
                return

    def _deliver_all(self, stream: Any) -> None:
        name, data = "message", ""
        for raw in stream:
            line = raw.decode("utf-8").rstrip("\r\n")
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif not line:
                if data:
                    with self._lock:
                        callbacks = list(self._callbacks.get(f"awsLogin/{name}", []))
                    for callback in callbacks:
                        callback(json.loads(data))
                name, data = "message", ""

    def close(self) -> None:
        self._closed.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close()


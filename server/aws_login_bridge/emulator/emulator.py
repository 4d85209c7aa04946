"""``Emulator``: start, stop and steer the local AWS Sign-In + STS service."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from . import control
from .context import Context
from .faults import Fault
from .identity import Identity
from .server import EmulatorHTTPServer

MAX_ACCESS_TTL = 900  # the service model caps expiresIn at 900 seconds


class Emulator:
    """A strict local AWS Sign-In + STS on ``host:port`` (port 0 = pick a free one).

    Serves from a background thread after ``start()``; usable as a context manager.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        identity: Identity | None = None,
        access_ttl: int = 900,
        session_ttl: float = 12 * 3600,
        code_ttl: float = 300,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(access_ttl, bool) or not isinstance(access_ttl, int) or not (
            1 <= access_ttl <= MAX_ACCESS_TTL
        ):
            raise ValueError(f"access_ttl must be an integer from 1 to {MAX_ACCESS_TTL}")
        if session_ttl <= 0 or code_ttl <= 0:
            raise ValueError("session_ttl and code_ttl must be positive")
        self.host = host
        self.port = port
        self.identity = identity or Identity()
        self._ctx = Context(
            identity=self.identity,
            access_ttl=access_ttl,
            session_ttl=session_ttl,
            code_ttl=code_ttl,
            clock=clock,
        )
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> Emulator:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        server = EmulatorHTTPServer((self.host, self.port), self._ctx)
        self.port = server.server_address[1]
        # A wildcard bind is reachable on loopback; URLs must name a dialable host.
        url_host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        if ":" in url_host:
            url_host = f"[{url_host}]"
        self._ctx.base_url = f"http://{url_host}:{self.port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"aws-login-bridge-emulator:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if not self._ctx.base_url:
            raise RuntimeError("call start() first: the port is chosen when the socket binds")
        return self._ctx.base_url

    @property
    def running(self) -> bool:
        return self._server is not None

    # -- test control (mirrors /_emulator/*) ---------------------------------------

    def stats(self) -> dict[str, Any]:
        return control.stats(self._ctx)

    def add_fault(self, fault: Fault) -> None:
        self._ctx.faults.add(fault)

    def faults(self) -> list[dict[str, Any]]:
        return self._ctx.faults.pending()

    def reset(self) -> None:
        control.reset(self._ctx)

    def expire_sessions(self) -> int:
        """Every existing refresh token now answers TOKEN_EXPIRED; returns how many."""
        return self._ctx.store.expire_sessions()

    def expire_credentials(self) -> int:
        """Every issued access key now fails STS with ExpiredToken; returns how many."""
        return self._ctx.store.expire_credentials(self._ctx.now())

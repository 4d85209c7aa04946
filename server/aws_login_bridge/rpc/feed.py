"""Drives the ``SessionWatcher`` on the event loop and sends ``awsLogin/sessionChanged``.

Polls every ``interval`` seconds and at once when a handler asks (after the helper's own
login, refresh or logout). Polls never overlap, the file I/O runs on a worker thread, and
an event identical to the last one sent for that profile is not sent twice (a poll can see
our own change before the handler asks). Nothing is sent before the client has had its
``initialize`` answer, as LSP requires.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aws_login_bridge.protocol import SessionChangedParams, SessionState
from aws_login_bridge.protocol_names import SESSION_CHANGED
from aws_login_bridge.watch import SessionWatcher

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0  # seconds: how late another process's change may be reported


class SessionFeed:
    def __init__(self, watcher: SessionWatcher, send: Callable[[str, SessionChangedParams], None],
                 offload: Callable[..., Awaitable[Any]], interval: float = POLL_INTERVAL) -> None:
        self._watcher = watcher
        self._send = send
        self._offload = offload
        self._interval = interval
        self._lock = asyncio.Lock()
        self._last: dict[str, tuple[str | None, str | None, str]] = {}
        self.enabled = False  # set once the initialize answer is out

    async def run(self) -> None:
        """Poll until cancelled. The first poll only records what is there."""
        while True:
            try:
                await self.check()
            except Exception:  # a bad moment on disk must not end the watching
                log.exception("watching the login files failed; trying again")
            await asyncio.sleep(self._interval)

    async def check(self, hints: dict[str, SessionState] | None = None) -> None:
        async with self._lock:
            events = await self._offload(self._watcher.poll, hints)
            for event in events:
                self._emit(event)

    async def expired(self, profile: str) -> None:
        async with self._lock:
            event = await self._offload(self._watcher.mark_expired, profile)
            if event is not None:
                self._emit(event)

    def _emit(self, event: SessionChangedParams) -> None:
        key = (event.loginSession, event.expiresAt, event.state)
        if self._last.get(event.profile) == key:
            return
        self._last[event.profile] = key
        if not self.enabled:
            log.debug("not initialized yet; %s for %s not sent", event.state, event.profile)
            return
        log.info("session of profile %s: %s", event.profile, event.state)
        self._send(SESSION_CHANGED, event)

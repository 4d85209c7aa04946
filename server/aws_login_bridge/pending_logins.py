"""Logins in progress, in memory only, by ``loginId``.

A pending login holds the PKCE verifier, the state and the DPoP key (and, after a
SessionConflict, the exchanged tokens): it never leaves this process and is dropped, and
closed, as soon as it is finished, cancelled or 10 minutes old.

The policy for a finishing attempt lives here, in ``run``: a wrong code (InvalidCode), a
code from another attempt (StateMismatch) or a SessionConflict keep the login open for
another try; anything else, success or failure, spends it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from aws_login_bridge.errors import InvalidCode, SessionConflict, StateMismatch, UnknownLogin

PENDING_LIFETIME = 600.0  # seconds; the engine's own limit for a started login
KEEP_OPEN: tuple[type[Exception], ...] = (InvalidCode, StateMismatch, SessionConflict)

T = TypeVar("T")


class Pending(Protocol):
    """What the registry needs of ``aws_login_bridge.login.PendingLogin``."""

    login_id: str
    lock: threading.Lock

    @property
    def lapsed(self) -> bool: ...

    def close(self) -> None: ...


P = TypeVar("P", bound=Pending)


@dataclass
class _Entry:
    pending: Pending
    deadline: float


def _unknown() -> UnknownLogin:
    return UnknownLogin(
        "This sign-in attempt is no longer open: it finished, was cancelled, or lapsed "
        "after 10 minutes. Start the login again."
    )


class PendingLogins:
    """Thread-safe: handlers run the engine on worker threads."""

    def __init__(
        self, lifetime: float = PENDING_LIFETIME, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lifetime = lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def add(self, pending: Pending) -> None:
        with self._lock:
            self._entries[pending.login_id] = _Entry(pending, self._clock() + self._lifetime)

    def run(self, login_id: str, action: Callable[[P], T]) -> T:
        """Apply ``action`` to the open login, one attempt at a time, and settle it."""
        entry = self._open(login_id)
        with entry.pending.lock:  # a second completeLogin for the same login waits here
            if self._open(login_id) is not entry:
                raise _unknown()  # finished while we waited
            try:
                result = action(entry.pending)  # type: ignore[arg-type]
            except KEEP_OPEN:
                raise
            except BaseException:
                self._drop(login_id, entry)
                raise
            self._drop(login_id, entry)
            return result

    def cancel(self, login_id: str) -> None:
        """Forget the login. A same-device login waiting for its browser stops waiting."""
        with self._lock:
            entry = self._entries.pop(login_id, None)
        if entry is None or self._lapsed(entry):
            if entry is not None:
                entry.pending.close()
            raise _unknown()
        entry.pending.close()  # no pending.lock: a waiting completeLogin holds it

    def sweep(self) -> int:
        """Drop lapsed logins (their secrets and loopback listeners with them)."""
        with self._lock:
            lapsed = [(k, e) for k, e in self._entries.items() if self._lapsed(e)]
            for login_id, _ in lapsed:
                del self._entries[login_id]
        for _, entry in lapsed:
            entry.pending.close()
        return len(lapsed)

    def close_all(self) -> None:
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            entry.pending.close()

    def _open(self, login_id: str) -> _Entry:
        with self._lock:
            entry = self._entries.get(login_id)
            if entry is not None and self._lapsed(entry):
                del self._entries[login_id]
            elif entry is not None:
                return entry
        if entry is not None:
            entry.pending.close()
        raise _unknown()

    def _drop(self, login_id: str, entry: _Entry) -> None:
        with self._lock:
            if self._entries.get(login_id) is entry:
                del self._entries[login_id]
        entry.pending.close()

    def _lapsed(self, entry: _Entry) -> bool:
        return self._clock() > entry.deadline or entry.pending.lapsed

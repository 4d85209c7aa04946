"""Logins in progress, in memory only, by ``loginId``.

A pending login holds the PKCE verifier, the state and the DPoP key (and, after a
SessionConflict, the exchanged tokens): it never leaves this process and is dropped, and
closed, as soon as it is finished, cancelled or lapsed. When it lapses is the sign-in
module's decision (``PendingLogin.deadline``, which also bounds a same-device wait): the
registry only asks, so the two can never disagree.

The policy for a finishing attempt lives here, in ``run``: a wrong code (InvalidCode), a
code from another attempt (StateMismatch) or a SessionConflict keep the login open for
another try; anything else, success or failure, spends it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Protocol, TypeVar

from aws_login_bridge.errors import InvalidCode, SessionConflict, StateMismatch, UnknownLogin

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


def _unknown() -> UnknownLogin:
    return UnknownLogin(
        "This sign-in attempt is no longer open: it finished, was cancelled, or lapsed "
        "after 10 minutes. Start the login again."
    )


class PendingLogins:
    """Thread-safe: handlers run the engine on worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Pending] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def add(self, pending: Pending) -> None:
        with self._lock:
            self._entries[pending.login_id] = pending

    def run(self, login_id: str, action: Callable[[P], T]) -> T:
        """Apply ``action`` to the open login, one attempt at a time, and settle it."""
        pending = self._open(login_id)
        with pending.lock:  # a second completeLogin for the same login waits here
            if self._open(login_id) is not pending:
                raise _unknown()  # finished while we waited
            try:
                result = action(pending)  # type: ignore[arg-type]
            except KEEP_OPEN:
                raise
            except BaseException:
                self._drop(pending)
                raise
            self._drop(pending)
            return result

    def cancel(self, login_id: str) -> None:
        """Forget the login. A same-device login waiting for its browser stops waiting."""
        with self._lock:
            pending = self._entries.pop(login_id, None)
        if pending is None:
            raise _unknown()
        pending.close()  # no pending.lock: a waiting completeLogin holds it
        if pending.lapsed:
            raise _unknown()

    def sweep(self) -> int:
        """Drop lapsed logins (their secrets and loopback listeners with them)."""
        with self._lock:
            lapsed = [p for p in self._entries.values() if p.lapsed]
            for pending in lapsed:
                del self._entries[pending.login_id]
        for pending in lapsed:
            pending.close()
        return len(lapsed)

    def close_all(self) -> None:
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for pending in entries:
            pending.close()

    def _open(self, login_id: str) -> Pending:
        with self._lock:
            pending = self._entries.get(login_id)
            if pending is not None and pending.lapsed:
                del self._entries[login_id]
            elif pending is not None:
                return pending
        if pending is not None:
            pending.close()
        raise _unknown()

    def _drop(self, pending: Pending) -> None:
        with self._lock:
            if self._entries.get(pending.login_id) is pending:
                del self._entries[pending.login_id]
        pending.close()

"""What changed about each login profile, seen through the files (the helper's
``awsLogin/sessionChanged``, sent by rpc/feed.py).

Every change, ours or another process's (the AWS CLI, botocore refreshing in a kernel, a
second helper), ends up in the config file or the login cache, so one watcher serves all:
it polls (``stat`` only, re-reading a file only when its stamp moved) and compares with what
it saw last. Polling at a bounded interval needs no extra dependency and behaves the same
on every platform and file system. The helper also polls at once after its own changes.

For each profile with a ``login_session``, and each role profile whose ``source_profile``
chain ends at one (watched through that session; its events name ``sourceProfile`` and
``roleArn``):

* cache file appears, or the profile now points at another session with a cache → ``active``
* same session, the idToken (its issue time) changed → ``active`` (a new login)
* same session, only ``expiresAt`` changed → ``refreshed``
* the cache file is gone (or unreadable), or ``login_session`` was removed → ``loggedOut``
* the 12-hour session ends (idToken ``iat`` + 12 h, as ``diagnose`` computes it) → ``expired``

The first look is silent: clients ask ``awsLogin/status`` when they connect. Events are
the protocol's ``SessionChangedParams`` themselves, so a field declared there needs no copy.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import attrs

from aws_login_bridge.protocol import SessionChangedParams, SessionState, is_logged_in
from aws_login_bridge.store.paths import file_stamp

Stamp = tuple[int, ...]  # store.paths.file_stamp, or cache_stamp


def cache_stamp(path: str | os.PathLike[str]) -> Stamp | None:
    """A cache file's stamp plus what every read checks besides its bytes (store.cache):
    the file's type and owner, its folder's owner and mode. A folder made writable by
    others, or the file swapped for a link, is then read again and found refused."""
    stamp = file_stamp(path)
    if stamp is None:
        return None
    try:
        own, folder = os.lstat(path), os.stat(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return (*stamp, -1, -1, -1, -1)
    return (*stamp, own.st_mode, own.st_uid, folder.st_mode, folder.st_uid)


@dataclass
class _Seen:
    session: str
    stamp: Stamp | None
    expires_at: str | None  # None: no usable cache file
    ends_at: dt.datetime | None
    expired: bool = False  # "expired" already said for this session


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class SessionWatcher:
    """Compares the files with the last look. ``poll`` does blocking I/O: call it off the loop."""

    def __init__(self, now: Callable[[], dt.datetime] = _utc_now) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._config_stamp: Stamp | None = None
        self._sessions: dict[str, str] = {}  # profile -> login_session, from the config
        # A role profile chained from a login profile -> (that profile, role_arn): it is
        # watched through its source's session, and its events name both.
        self._chains: dict[str, tuple[str, str]] = {}
        self._seen: dict[str, _Seen] = {}
        self._started = False

    def poll(self, hints: dict[str, SessionState] | None = None) -> list[SessionChangedParams]:
        """Events since the last poll. ``hints``: the state to report for a profile whose
        change this helper made itself (it knows, e.g., that a login happened)."""
        with self._lock:
            events = self._poll()
            self._started = True
        if hints:
            events = [
                _with_state(e, hints[e.profile])
                if e.profile in hints and e.state != "expired" else e
                for e in events
            ]
        return events

    def mark_expired(self, profile: str) -> SessionChangedParams | None:
        """The service said the session is over (RefreshRequired): say ``expired`` once."""
        with self._lock:
            seen = self._seen.get(profile)
            if seen is None or seen.expired:
                return None
            seen.expired = True
            return self._event(profile, seen, "expired")

    def _poll(self) -> list[SessionChangedParams]:
        self._reload_config()
        now = self._now()
        events: list[SessionChangedParams] = []
        for profile in [p for p in self._seen if p not in self._sessions]:
            gone = self._seen.pop(profile)
            if gone.expires_at is not None:
                events.append(self._event(profile, gone, "loggedOut"))
        for profile, session in self._sessions.items():
            events.extend(self._look(profile, session, now))
        return events

    def _reload_config(self) -> None:
        from aws_login_bridge.errors import LoginBridgeError
        from aws_login_bridge.profiles import chained_roles, login_profiles
        from aws_login_bridge.store.configfile import ConfigDocument
        from aws_login_bridge.store.paths import config_file

        stamp = file_stamp(config_file())
        if stamp == self._config_stamp and self._started:
            return
        try:
            document = ConfigDocument.load(config_file())
            profiles = login_profiles(document)
            chains = chained_roles(document)
        except LoginBridgeError:
            return  # unreadable just now: keep what we knew, look again next time
        self._config_stamp = stamp
        self._sessions = {p.name: p.login_session for p in profiles}
        self._chains = {c.name: (c.source, c.role_arn) for c in chains}
        self._sessions.update({c.name: c.login.login_session for c in chains if c.login})

    def _look(self, profile: str, session: str, now: dt.datetime) -> list[SessionChangedParams]:
        from aws_login_bridge.store.cache import cache_path

        seen = self._seen.get(profile)
        stamp = cache_stamp(cache_path(session))
        if seen is not None and seen.session == session and seen.stamp == stamp:
            return self._expiry(profile, seen, now)
        new = self._read(session, stamp)
        self._seen[profile] = new
        if not self._started:
            new.expired = new.ends_at is not None and new.ends_at <= now
            return []
        state = _transition(seen, new)
        events = [self._event(profile, new, state)] if state else []
        return events + self._expiry(profile, new, now)

    def _expiry(self, profile: str, seen: _Seen, now: dt.datetime) -> list[SessionChangedParams]:
        if seen.expired or seen.expires_at is None or seen.ends_at is None or seen.ends_at > now:
            return []
        seen.expired = True
        return [self._event(profile, seen, "expired")]

    @staticmethod
    def _read(session: str, stamp: Stamp | None) -> _Seen:
        from aws_login_bridge.diagnose import session_ends_at
        from aws_login_bridge.errors import LoginBridgeError
        from aws_login_bridge.store.cache import read_cache

        if stamp is None:
            return _Seen(session, None, None, None)
        try:
            cached = read_cache(session)
        except LoginBridgeError:
            return _Seen(session, stamp, None, None)
        return _Seen(session, stamp, cached.expires_at_text, session_ends_at(cached))

    def _event(self, profile: str, seen: _Seen, state: SessionState) -> SessionChangedParams:
        from aws_login_bridge.store.cache import format_time

        usable = state != "loggedOut"
        expires_at = seen.expires_at if usable else None
        source, role_arn = self._chains.get(profile, (None, None))
        return SessionChangedParams(
            sourceProfile=source,
            roleArn=role_arn,
            profile=profile,
            loginSession=seen.session,
            expiresAt=expires_at,
            state=state,
            sessionExpiresAt=format_time(seen.ends_at) if usable and seen.ends_at else None,
            loggedIn=is_logged_in(seen.session, expires_at, state == "expired"),
        )


def _transition(old: _Seen | None, new: _Seen) -> SessionState | None:
    had = old is not None and old.expires_at is not None
    has = new.expires_at is not None
    if old is None or old.session != new.session:
        if has:
            return "active"
        return "loggedOut" if had else None
    if had and not has:
        return "loggedOut"
    if has and not had:
        return "active"
    if has and old.ends_at != new.ends_at:
        return "active"
    if has and old.expires_at != new.expires_at:
        return "refreshed"
    return None


def _with_state(event: SessionChangedParams, state: SessionState) -> SessionChangedParams:
    if state == "loggedOut" or event.state == "loggedOut":
        return event  # what the files say about credentials wins
    return attrs.evolve(event, state=state, loggedIn=is_logged_in(
        event.loginSession, event.expiresAt, state == "expired"))

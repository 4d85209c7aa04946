"""Everything the emulator remembers, behind one lock.

One ``threading.RLock`` guards all records: token requests check and then change several
of them (use a code, open a session, rotate a refresh token), and those steps must be
atomic for concurrent refreshes to be answered and counted correctly.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .identity import Identity

# How long a rendered sign-in page stays submittable: long enough for a person to read it.
PENDING_AUTHORIZE_TTL = 15 * 60


@dataclass
class PendingAuthorization:
    """A validated /v1/authorize request waiting for the person to press a button."""

    client_id: str
    redirect_uri: str
    state: str
    code_challenge: str
    expires_at: float


@dataclass
class AuthorizationCode:
    client_id: str
    redirect_uri: str
    code_challenge: str
    state: str
    signed_in_at: float
    expires_at: float
    used: bool = False


@dataclass
class Session:
    """A login session: what a refresh-token chain belongs to, and when it must end."""

    identity: Identity
    client_id: str
    started_at: float
    ends_at: float
    expired: bool = False
    revoked: bool = False  # RevokeOAuth2TokenWithIAM ended its refresh-token chain

    def is_over(self, now: float) -> bool:
        return self.expired or self.revoked or now >= self.ends_at


@dataclass
class RefreshToken:
    session_id: str
    client_id: str
    jkt: str  # the DPoP key thumbprint (cnf.jkt) every refresh must prove
    # The answer given the first time this token was redeemed; replays get it again.
    answer: dict[str, Any] | None = None


@dataclass
class IssuedCredentials:
    secret_access_key: str
    session_token: str
    expires_at: float
    identity: Identity
    session_id: str


@dataclass
class Store:
    lock: threading.RLock = field(default_factory=threading.RLock)
    pending: dict[str, PendingAuthorization] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    credentials: dict[str, IssuedCredentials] = field(default_factory=dict)
    # Role ARN -> the ExternalId its trust policy demands (set through /_emulator/roles).
    external_ids: dict[str, str] = field(default_factory=dict)

    def prune(self, now: float) -> None:
        """Forget sign-in pages and codes nobody can use any more (bounded memory)."""
        with self.lock:
            self.pending = {k: v for k, v in self.pending.items() if v.expires_at > now}
            # Used or expired codes are kept a while so a late second use still gets the
            # precise AUTHCODE_EXPIRED rather than looking unknown.
            horizon = now - 3600
            self.codes = {k: v for k, v in self.codes.items() if v.expires_at > horizon}

    def issued(self, access_key_id: str) -> IssuedCredentials | None:
        """The credentials issued under ``access_key_id``: what a SigV4 check looks keys up in."""
        with self.lock:
            return self.credentials.get(access_key_id)

    def expire_sessions(self) -> int:
        with self.lock:
            for s in self.sessions.values():
                s.expired = True
            return len(self.sessions)

    def expire_credentials(self, now: float) -> int:
        with self.lock:
            for c in self.credentials.values():
                c.expires_at = min(c.expires_at, now - 1)
            return len(self.credentials)

    def live_sessions(self, now: float) -> int:
        with self.lock:
            return sum(1 for s in self.sessions.values() if not s.is_over(now))


class Stats:
    """Request counters for tests; cleared by reset, unlike the sessions themselves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def bump(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._counts[key] += 1

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            c = copy.copy(self._counts)

        def group(prefix: str) -> dict[str, int]:
            return {k[len(prefix):]: v for k, v in sorted(c.items()) if k.startswith(prefix)}

        return {
            "requests": c["requests"],
            "authorize": c["authorize"],
            "sign_in": c["sign_in"],
            "sign_in_cancelled": c["sign_in_cancelled"],
            "token": {
                "authorization_code": c["token.authorization_code"],
                "refresh_token": c["token.refresh_token"],
                "invalid": c["token.invalid"],
            },
            "token_ok": {
                "authorization_code": c["token_ok.authorization_code"],
                "refresh_token": c["token_ok.refresh_token"],
            },
            "token_errors": group("token_error."),
            "refresh_replays": c["refresh_replays"],
            "sts": c["sts"],
            "sts_ok": c["sts_ok"],
            "assume_role": c["assume_role"],
            "assume_role_ok": c["assume_role_ok"],
            "assume_role_regions": group("assume_role_region."),
            "sts_errors": group("sts_error."),
            "faults_served": c["faults_served"],
            "revoke": c["revoke"],
            "revoke_ok": c["revoke_ok"],
            "revoke_ignored": c["revoke_ignored"],
            "revoke_errors": group("revoke_error."),
        }

"""Reading the login session ARN (and when the session began) out of the idToken, and when
that sign-in session ends (the one place that says so)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from aws_login_bridge.errors import ServiceError
from aws_login_bridge.signin.session_arn import account_of, is_login_session_arn

SESSION_LIFETIME = dt.timedelta(hours=12)


@dataclass(frozen=True)
class IdentityClaims:
    login_session: str
    account_id: str
    issued_at: int | None


def session_end(issued_at: int | None) -> dt.datetime | None:
    """When a sign-in session ends: its idToken's ``iat`` plus 12 hours (None when unknown,
    or when no calendar holds that moment)."""
    if issued_at is None:
        return None
    try:
        return dt.datetime.fromtimestamp(issued_at, dt.timezone.utc) + SESSION_LIFETIME
    except (ValueError, OverflowError, OSError):
        return None


def _payload(id_token: object) -> dict[str, Any] | None:
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        return None
    payload_b64 = id_token.split(".")[1]
    try:
        payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def issued_at(id_token: object) -> int | None:
    """The idToken's ``iat``, or None if there is none that can be read."""
    iat = (_payload(id_token) or {}).get("iat")
    return iat if isinstance(iat, int) else None


def read_id_token(id_token: object) -> IdentityClaims:
    bad = ServiceError(
        "The sign-in service answered with an identity token this tool cannot read. "
        "Try the login again; if it keeps failing the service may be having problems."
    )
    payload = _payload(id_token)
    if payload is None:
        raise bad
    sub = payload.get("sub")
    if not isinstance(sub, str):
        raise bad
    if not is_login_session_arn(sub):
        raise ServiceError(
            "The sign-in service named a login session that is not a well-formed ARN, so "
            "nothing was saved. Try the login again; if it keeps failing the service may be "
            "having problems."
        )
    iat = payload.get("iat")
    return IdentityClaims(
        login_session=sub,
        account_id=account_of(sub),
        issued_at=iat if isinstance(iat, int) else None,
    )

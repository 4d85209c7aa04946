"""Reading the login session ARN (and when the session began) out of the idToken."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from aws_login_bridge.errors import ServiceError

# arn:PARTITION:sts|iam::ACCOUNT:resource — the two shapes a console session can have.
_SESSION_ARN = re.compile(r"^arn:(aws[a-z-]*):(sts|iam)::(\d{12}):(\S+)$")


@dataclass(frozen=True)
class IdentityClaims:
    login_session: str
    account_id: str
    issued_at: int | None


def account_of(login_session: str) -> str:
    match = _SESSION_ARN.match(login_session.strip())
    if not match:
        raise ValueError("not a login session ARN")
    return match.group(3)


def is_login_session_arn(value: str) -> bool:
    return bool(_SESSION_ARN.match(value.strip()))


def read_id_token(id_token: object) -> IdentityClaims:
    bad = ServiceError(
        "The sign-in service answered with an identity token this tool cannot read. "
        "Try the login again; if it keeps failing the service may be having problems."
    )
    if not isinstance(id_token, str) or id_token.count(".") != 2:
        raise bad
    payload_b64 = id_token.split(".")[1]
    try:
        payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise bad from None
    if not isinstance(payload, dict):
        raise bad
    sub = payload.get("sub")
    if not isinstance(sub, str) or not is_login_session_arn(sub):
        raise bad
    iat = payload.get("iat")
    return IdentityClaims(
        login_session=sub,
        account_id=account_of(sub),
        issued_at=iat if isinstance(iat, int) else None,
    )

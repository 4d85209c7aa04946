"""Reading the login session ARN (and when the session began) out of the idToken."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass

from aws_login_bridge.errors import ServiceError

# arn:PARTITION:sts|iam::ACCOUNT:resource — the two shapes a console session can have.
# Always fullmatch: with match() and '$', "arn:...\n" would pass and break the config file.
# The resource part is printable ASCII without spaces, as IAM names and paths are.
_SESSION_ARN = re.compile(r"arn:(aws[a-z-]*):(sts|iam)::([0-9]{12}):([!-~]+)")


@dataclass(frozen=True)
class IdentityClaims:
    login_session: str
    account_id: str
    issued_at: int | None


def account_of(login_session: str) -> str:
    match = _SESSION_ARN.fullmatch(login_session)
    if not match:
        raise ValueError("not a login session ARN")
    return match.group(3)


def is_login_session_arn(value: str) -> bool:
    return isinstance(value, str) and _SESSION_ARN.fullmatch(value) is not None


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

"""Decoding the verification code a person pastes back from the confirmation page."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import parse_qs

from aws_login_bridge.errors import InvalidCode, StateMismatch

# Real codes are a few hundred characters; anything far larger is a wrong paste.
_MAX_CODE_CHARS = 8192
_MAX_AUTH_CODE_CHARS = 512  # botocore's model: AuthorizationCode max 512

_HINT = "Copy the whole code shown on the sign-in confirmation page and paste it again."


def parse_verification_code(pasted: str, expected_state: str) -> str:
    """Return the authorization code inside ``pasted``, checked against ``expected_state``.

    Raises InvalidCode when the text is not a verification code, StateMismatch when it
    belongs to another sign-in attempt. Neither message repeats what was pasted.
    """
    text = "".join(pasted.split()) if isinstance(pasted, str) else ""
    if not text:
        raise InvalidCode(f"No verification code was entered. {_HINT}")
    if len(text) > _MAX_CODE_CHARS:
        raise InvalidCode(f"That is too long to be a verification code. {_HINT}")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        query = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCode(f"That is not a verification code. {_HINT}") from None
    try:
        params = parse_qs(query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InvalidCode(f"That verification code is damaged. {_HINT}") from None
    codes, states = params.get("code", []), params.get("state", [])
    if len(codes) != 1 or len(states) != 1 or not codes[0] or not states[0]:
        raise InvalidCode(f"That verification code is incomplete. {_HINT}")
    code = codes[0]
    if len(code) > _MAX_AUTH_CODE_CHARS or not code.isprintable():
        raise InvalidCode(f"That verification code is damaged. {_HINT}")
    if not hmac.compare_digest(states[0].encode(), expected_state.encode()):
        raise StateMismatch(
            "That code belongs to a different sign-in attempt. Open the sign-in link from "
            "this login again and paste the code that page shows."
        )
    return code

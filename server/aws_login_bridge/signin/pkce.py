"""PKCE values, the `state` nonce and the browser's authorize URL."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import uuid
from urllib.parse import quote, urlencode

CROSS_DEVICE_CLIENT_ID = "arn:aws:signin:::devtools/cross-device"
SAME_DEVICE_CLIENT_ID = "arn:aws:signin:::devtools/same-device"

_VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
_VERIFIER_LENGTH = 64


def new_code_verifier() -> str:
    return "".join(secrets.choice(_VERIFIER_ALPHABET) for _ in range(_VERIFIER_LENGTH))


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    return str(uuid.uuid4())


def confirmation_redirect_uri(base_url: str) -> str:
    """Where the cross-device flow sends the browser to show the verification code."""
    return f"{base_url}/v1/sessions/confirmation"


def authorize_url(
    base_url: str, *, client_id: str, state: str, challenge: str, redirect_uri: str
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "state": state,
            "code_challenge_method": "SHA-256",
            "scope": "openid",
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
        },
        quote_via=quote,
        safe="",
    )
    return f"{base_url}/v1/authorize?{query}"

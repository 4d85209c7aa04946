"""Fresh random secrets in the shapes real clients expect to see.

Shapes matter: SDKs and tools pattern-match access key ids (``ASIA`` = temporary) and some
validate lengths, so the emulator's values look like the real service's — but they are
random and mean nothing outside this process.
"""

from __future__ import annotations

import base64
import secrets
import string

_UPPER_ALNUM = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def access_key_id() -> str:
    """``ASIA`` + 16 upper-case alphanumerics: a temporary (STS-issued) access key id."""
    return "ASIA" + "".join(secrets.choice(_UPPER_ALNUM) for _ in range(16))


def secret_access_key() -> str:
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def session_token() -> str:
    # Real session tokens are several hundred characters of standard base64.
    return base64.b64encode(secrets.token_bytes(300)).decode("ascii")


def authorization_code() -> str:
    # URL-safe so that ``code=<code>&state=<state>`` needs no escaping.
    return secrets.token_urlsafe(32)


def refresh_token() -> str:
    return secrets.token_urlsafe(96)


def opaque_id() -> str:
    return secrets.token_urlsafe(18)

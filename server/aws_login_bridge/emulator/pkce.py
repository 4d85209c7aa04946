"""PKCE (RFC 7636) with the S256 transform, spelled ``SHA-256`` by AWS Sign-In."""

from __future__ import annotations

import hashlib
import hmac
import re

from .jose import JoseError, b64url_decode, b64url_encode

CHALLENGE_METHOD = "SHA-256"
_VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


def challenge_is_well_formed(challenge: str) -> bool:
    """43 chars of unpadded base64url that decode to exactly one SHA-256 digest."""
    if len(challenge) != 43:
        return False
    try:
        return len(b64url_decode(challenge)) == 32
    except JoseError:
        return False


def verifier_is_well_formed(verifier: str) -> bool:
    return bool(_VERIFIER_RE.fullmatch(verifier))


def challenge_for(verifier: str) -> str:
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def verifier_matches(verifier: str, challenge: str) -> bool:
    return hmac.compare_digest(challenge_for(verifier), challenge)

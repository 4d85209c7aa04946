"""Verification of the DPoP proof (RFC 9449) sent with every token request.

The proof binds the refresh token to one P-256 key: the emulator remembers the key's
thumbprint (``cnf.jkt``) at login and demands the same key on every refresh. Checking the
proof really (signature, htm, htu, iat window, jti freshness) is what lets the project's
tests catch a client that builds proofs wrongly before the real service would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from .jose import (
    JoseError,
    b64url_decode,
    decode_json_segment,
    es256_verify,
    jwk_thumbprint,
    public_key_from_jwk,
)

# RFC 9449 §11.1 leaves the window to the server; ±5 minutes is what we promise.
IAT_WINDOW_SECONDS = 300
# A jti only has to be remembered while a proof carrying it could still pass the iat
# check, i.e. for the width of the window on both sides.
_JTI_MEMORY_SECONDS = 2 * IAT_WINDOW_SECONDS + 60
_MAX_JTI_LENGTH = 256


class DPoPError(ValueError):
    """The proof is missing, malformed or does not verify. Message is safe to return."""


@dataclass(frozen=True)
class DPoPProof:
    jkt: str  # RFC 7638 thumbprint of the proof's public key
    jti: str
    iat: int


def verify_proof(
    header_values: list[str],
    *,
    method: str,
    accepted_htus: Iterable[str],
    now: float,
) -> DPoPProof:
    """Check one DPoP header completely except jti freshness (see ``JtiCache``)."""
    if not header_values:
        raise DPoPError("missing DPoP header")
    if len(header_values) > 1:
        raise DPoPError("more than one DPoP header")
    parts = header_values[0].strip().split(".")
    if len(parts) != 3:
        raise DPoPError("DPoP proof is not a compact JWS")
    try:
        header = decode_json_segment(parts[0], "DPoP header")
        payload = decode_json_segment(parts[1], "DPoP payload")
        signature = b64url_decode(parts[2])
    except JoseError as e:
        raise DPoPError(str(e)) from e

    if header.get("typ") != "dpop+jwt":
        raise DPoPError("DPoP header typ must be dpop+jwt")
    if header.get("alg") != "ES256":
        raise DPoPError("DPoP header alg must be ES256")
    jwk = header.get("jwk")
    try:
        key = public_key_from_jwk(jwk)
    except JoseError as e:
        raise DPoPError(f"DPoP {e}") from e
    if len(signature) != 64:
        raise DPoPError("DPoP signature must be 64 bytes (raw r||s)")
    if not es256_verify(key, f"{parts[0]}.{parts[1]}".encode("ascii"), signature):
        raise DPoPError("DPoP signature does not verify")

    if payload.get("htm") != method:
        raise DPoPError(f"DPoP htm must be {method}")
    htu = payload.get("htu")
    if not isinstance(htu, str) or htu not in set(accepted_htus):
        raise DPoPError("DPoP htu does not match the request URL")
    iat = payload.get("iat")
    # bool is an int subclass in Python; JSON true is not a timestamp.
    if not isinstance(iat, int) or isinstance(iat, bool):
        raise DPoPError("DPoP iat must be an integer")
    if abs(now - iat) > IAT_WINDOW_SECONDS:
        raise DPoPError("DPoP iat is outside the accepted window")
    jti = payload.get("jti")
    if not isinstance(jti, str) or not 1 <= len(jti) <= _MAX_JTI_LENGTH:
        raise DPoPError("DPoP jti must be a non-empty string")
    assert isinstance(jwk, dict)
    return DPoPProof(jkt=jwk_thumbprint(jwk), jti=jti, iat=iat)


class JtiCache:
    """Remembers recently seen jti values so a captured proof cannot be replayed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def claim(self, jti: str, now: float) -> bool:
        """True if ``jti`` is fresh (and now remembered); False if it was seen before."""
        with self._lock:
            if len(self._seen) > 1024:
                cutoff = now - _JTI_MEMORY_SECONDS
                self._seen = {k: t for k, t in self._seen.items() if t >= cutoff}
            if jti in self._seen:
                return False
            self._seen[jti] = now
            return True

"""The small slice of JOSE the protocol uses: base64url, P-256 JWKs, ES256 JWS.

Written against RFC 7515/7517/7518/7638 directly (not a JOSE library) so that the
emulator's checks are exactly as strict as we say they are: no padding, raw r‖s
signatures, points that are really on the curve.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*$")


class JoseError(ValueError):
    """A malformed or unverifiable JOSE object. Messages never include the object."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url, refusing padding, other alphabets and stray bits.

    RFC 7515 §2 forbids padding; re-encoding must give back the same text, which rejects
    non-canonical encodings (a length of 1 mod 4, or set bits past the last byte).
    """
    if not _B64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise JoseError("not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as e:
        raise JoseError("not unpadded base64url") from e
    if b64url_encode(raw) != text:
        raise JoseError("non-canonical base64url")
    return raw


def decode_json_segment(segment: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except (JoseError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise JoseError(f"{what} is not base64url-encoded JSON") from e
    if not isinstance(value, dict):
        raise JoseError(f"{what} is not a JSON object")
    return value


def public_key_from_jwk(jwk: Any) -> ec.EllipticCurvePublicKey:
    """An EC P-256 public JWK → key; refuses private members and off-curve points."""
    if not isinstance(jwk, dict):
        raise JoseError("jwk is not an object")
    if jwk.get("kty") != "EC":
        raise JoseError("jwk.kty must be EC")
    if jwk.get("crv") != "P-256":
        raise JoseError("jwk.crv must be P-256")
    if "d" in jwk:
        # A proof must never carry the private key; accepting one would teach clients
        # to leak it.
        raise JoseError("jwk must not contain a private key")
    x, y = jwk.get("x"), jwk.get("y")
    if not isinstance(x, str) or not isinstance(y, str):
        raise JoseError("jwk.x and jwk.y must be strings")
    xb, yb = b64url_decode(x), b64url_decode(y)
    if len(xb) != 32 or len(yb) != 32:
        raise JoseError("jwk.x and jwk.y must be 32 bytes each")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(xb, "big"), int.from_bytes(yb, "big"), ec.SECP256R1()
    )
    try:
        return numbers.public_key()
    except ValueError as e:
        raise JoseError("jwk is not a point on P-256") from e


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC JWK (required members, sorted, no spaces)."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    return b64url_encode(hashlib.sha256(canonical.encode("ascii")).digest())


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url_encode(numbers.x.to_bytes(32, "big")),
        "y": b64url_encode(numbers.y.to_bytes(32, "big")),
    }


def es256_sign(key: ec.EllipticCurvePrivateKey, signing_input: bytes) -> bytes:
    """ES256 signature in JWS form: raw r‖s, 32 bytes each (not DER)."""
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def es256_verify(key: ec.EllipticCurvePublicKey, signing_input: bytes, raw_sig: bytes) -> bool:
    if len(raw_sig) != 64:
        return False
    r = int.from_bytes(raw_sig[:32], "big")
    s = int.from_bytes(raw_sig[32:], "big")
    if r == 0 or s == 0:
        return False
    try:
        key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def compact_es256(key: ec.EllipticCurvePrivateKey, header: dict[str, Any],
                  payload: dict[str, Any]) -> str:
    """Build a compact ES256 JWS (used for the emulator's own idTokens)."""
    h = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    p = b64url_encode(json.dumps(payload, separators=(",", ":")).encode())
    sig = es256_sign(key, f"{h}.{p}".encode("ascii"))
    return f"{h}.{p}.{b64url_encode(sig)}"

"""DPoP (RFC 9449) proofs with one P-256 key per login, and its PEM form for the cache."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _compact_json(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


class DpopKey:
    """An EC P-256 key that signs DPoP proofs. Its repr never shows key material."""

    __slots__ = ("_key",)

    def __init__(self, key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("DPoP keys must be on the P-256 curve")
        self._key = key

    def __repr__(self) -> str:
        return f"DpopKey(thumbprint={self.thumbprint()!r})"

    @classmethod
    def generate(cls) -> DpopKey:
        return cls(ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def from_pem(cls, pem: str) -> DpopKey:
        """Load SEC1 (`EC PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM, as every SDK accepts."""
        key = serialization.load_pem_private_key(pem.strip().encode() + b"\n", password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the DPoP key is not an EC key")
        return cls(key)

    def to_pem(self) -> str:
        """SEC1 PEM with 64-character lines and a trailing newline, as the AWS CLI writes."""
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode("ascii")

    def public_jwk(self) -> dict[str, str]:
        numbers = self._key.public_key().public_numbers()
        return {
            "kty": "EC",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
            "crv": "P-256",
        }

    def thumbprint(self) -> str:
        """RFC 7638 JWK SHA-256 thumbprint: what a refresh token is bound to (`cnf.jkt`)."""
        jwk = self.public_jwk()
        canonical = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
        return b64url(hashlib.sha256(_compact_json(canonical)).digest())

    def proof(
        self, url: str, *, method: str = "POST", iat: int | None = None, jti: str | None = None
    ) -> str:
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.public_jwk()}
        payload = {
            "htm": method,
            "htu": url,
            "iat": int(time.time()) if iat is None else iat,
            "jti": jti or str(uuid.uuid4()),
        }
        signing_input = f"{b64url(_compact_json(header))}.{b64url(_compact_json(payload))}"
        der = self._key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

"""Units of the sign-in engine that need no service: PKCE, DPoP, codes, the loopback."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from aws_login_bridge.errors import InvalidCode, StateMismatch, UnknownLogin
from aws_login_bridge.signin import pkce
from aws_login_bridge.signin.dpop import DpopKey
from aws_login_bridge.signin.idtoken import read_id_token
from aws_login_bridge.signin.loopback import LoopbackReceiver
from aws_login_bridge.signin.verification import parse_verification_code


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_pkce_matches_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce.code_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_verifier_shape() -> None:
    verifiers = {pkce.new_code_verifier() for _ in range(50)}
    assert len(verifiers) == 50
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    assert all(len(v) == 64 and set(v) <= allowed for v in verifiers)


def test_authorize_url_carries_every_parameter_encoded() -> None:
    url = pkce.authorize_url("https://us-east-1.signin.aws.amazon.com",
                             client_id=pkce.CROSS_DEVICE_CLIENT_ID, state="s",
                             challenge="c" * 43,
                             redirect_uri="https://us-east-1.signin.aws.amazon.com/v1/sessions/"
                                          "confirmation")
    assert url.startswith("https://us-east-1.signin.aws.amazon.com/v1/authorize?response_type=code"
                          "&client_id=arn%3Aaws%3Asignin%3A%3A%3Adevtools%2Fcross-device&state=s"
                          "&code_challenge_method=SHA-256&scope=openid&redirect_uri=https%3A%2F%2F")
    assert url.endswith("&code_challenge=" + "c" * 43)


def test_dpop_proof_verifies_and_names_the_url() -> None:
    key = DpopKey.generate()
    proof = key.proof("https://example.test/v1/token", iat=1700000000, jti="j-1")
    header_b64, payload_b64, sig_b64 = proof.split(".")
    header = json.loads(_b64url_decode(header_b64))
    payload = json.loads(_b64url_decode(payload_b64))
    assert header["typ"] == "dpop+jwt" and header["alg"] == "ES256"
    assert payload == {"htm": "POST", "htu": "https://example.test/v1/token",
                       "iat": 1700000000, "jti": "j-1"}
    raw = _b64url_decode(sig_b64)
    assert len(raw) == 64
    public = ec.EllipticCurvePublicNumbers(
        int.from_bytes(_b64url_decode(header["jwk"]["x"]), "big"),
        int.from_bytes(_b64url_decode(header["jwk"]["y"]), "big"), ec.SECP256R1(),
    ).public_key()
    signature = encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                     int.from_bytes(raw[32:], "big"))
    public.verify(signature, f"{header_b64}.{payload_b64}".encode(), ec.ECDSA(hashes.SHA256()))


def test_dpop_key_round_trips_sec1_and_reads_pkcs8_and_hides_itself() -> None:
    key = DpopKey.generate()
    assert DpopKey.from_pem(key.to_pem()).thumbprint() == key.thumbprint()
    from cryptography.hazmat.primitives import serialization

    pkcs8 = key._key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()).decode()
    assert DpopKey.from_pem(pkcs8).thumbprint() == key.thumbprint()
    assert "PRIVATE" not in repr(key)


def _code(**params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return base64.b64encode(query.encode()).decode()


def test_verification_code_order_padding_and_whitespace() -> None:
    assert parse_verification_code(_code(state="s1", code="abc"), "s1") == "abc"
    unpadded = _code(code="ab", state="s1").rstrip("=")
    assert parse_verification_code(f"  {unpadded}\n", "s1") == "ab"


@pytest.mark.parametrize("pasted", [
    "", "   ", "!!!", "a" * 9000, _code(code="x"), _code(state="s1"),
    _code(code="", state="s1"), _code(code="a", state="s1", extra="1") + "###",
    base64.b64encode(b"\xff\xfe").decode(), _code(code="a&code=b", state="s1"),
])
def test_bad_verification_codes_are_invalid(pasted: str) -> None:
    with pytest.raises(InvalidCode) as info:
        parse_verification_code(pasted, "s1")
    assert "paste" in info.value.message


def test_duplicated_code_key_is_invalid() -> None:
    with pytest.raises(InvalidCode):
        parse_verification_code(base64.b64encode(b"code=a&code=b&state=s1").decode(), "s1")


def test_other_state_is_a_mismatch_and_the_message_hides_the_code() -> None:
    with pytest.raises(StateMismatch) as info:
        parse_verification_code(_code(code="SECRETCODE", state="s2"), "s1")
    assert "SECRETCODE" not in info.value.message


def test_id_token_claims() -> None:
    def jwt(payload: dict[str, object]) -> str:
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        return f"e30.{body}.sig"

    claims = read_id_token(jwt({"sub": "arn:aws:iam::123456789012:user/alice", "iat": 5}))
    assert (claims.account_id, claims.issued_at) == ("123456789012", 5)
    for bad in ("x", "a.b", jwt({"nosub": 1}), jwt({"sub": "alice"}), None):
        with pytest.raises(Exception) as info:
            read_id_token(bad)
        assert info.value.kind == "ServiceError"  # type: ignore[attr-defined]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_loopback_accepts_one_request_with_the_right_state() -> None:
    receiver = LoopbackReceiver("good-state")
    assert receiver.redirect_uri.startswith("http://127.0.0.1:")
    base = receiver.redirect_uri
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(receiver.wait(10)))
    waiter.start()
    assert _get(base + "?code=c1&state=bad-state") == 400
    assert _get(base.replace("/oauth/callback", "/other") + "?code=c1&state=good-state") == 400
    assert _get(base + "?state=good-state") == 400
    assert _get(base + "?code=c2&state=good-state") == 200
    waiter.join(10)
    assert got == ["c2"]
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "?code=c3&state=good-state", timeout=2)


def test_loopback_times_out_as_unknown_login() -> None:
    receiver = LoopbackReceiver("s")
    with pytest.raises(UnknownLogin):
        receiver.wait(0.2)

"""The local AWS Sign-In + STS emulator, exercised over real HTTP on 127.0.0.1.

Clients here are hand-rolled (PKCE and DPoP built with ``cryptography``) or the real
thing (botocore's ``signin``/``sts`` clients and its LoginProvider), so a test passing
means real SDKs would get the same answers.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import botocore.session
import httpx
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

SERVER_DIR = Path(__file__).resolve().parents[1] / "server"
if str(SERVER_DIR) not in sys.path:  # the package is not installed in every checkout
    sys.path.insert(0, str(SERVER_DIR))

from aws_login_bridge.emulator import Emulator, Fault, FaultError, Identity, person  # noqa: E402

CROSS = "arn:aws:signin:::devtools/cross-device"
SAME = "arn:aws:signin:::devtools/same-device"
ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"


# --------------------------------------------------------------------------- helpers


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_json(obj: Any) -> str:
    return b64u(json.dumps(obj, separators=(",", ":")).encode())


def unb64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DPoPKey:
    """One P-256 key per login, as the real clients do."""

    def __init__(self) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        n = self.key.public_key().public_numbers()
        self.jwk = {"kty": "EC", "x": b64u(n.x.to_bytes(32, "big")),
                    "y": b64u(n.y.to_bytes(32, "big")), "crv": "P-256"}

    def proof(self, htu: str, *, iat: int | None = None, jti: str | None = None,
              header: dict[str, Any] | None = None, payload: dict[str, Any] | None = None,
              der: bool = False, tamper: bool = False) -> str:
        h = header if header is not None else {"typ": "dpop+jwt", "alg": "ES256",
                                               "jwk": self.jwk}
        p = payload if payload is not None else {
            "htm": "POST", "htu": htu, "iat": int(time.time()) if iat is None else iat,
            "jti": jti or str(uuid.uuid4())}
        signing_input = f"{b64u_json(h)}.{b64u_json(p)}"
        der_sig = self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        if der:
            sig = der_sig
        else:
            r, s = decode_dss_signature(der_sig)
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if tamper:
            sig = bytes([sig[0] ^ 1]) + sig[1:]
        return f"{signing_input}.{b64u(sig)}"

    def sec1_pem(self) -> str:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption()).decode()


def pkce() -> tuple[str, str]:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    verifier = "".join(secrets.choice(alphabet) for _ in range(64))
    return verifier, b64u(hashlib.sha256(verifier.encode()).digest())


def authorize_url(base: str, *, client_id: str = CROSS, redirect_uri: str | None = None,
                  state: str | None = None, challenge: str | None = None,
                  **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": client_id,
        "state": str(uuid.uuid4()) if state is None else state,
        "code_challenge_method": "SHA-256",
        "scope": "openid",
        "redirect_uri": redirect_uri or f"{base}/v1/sessions/confirmation",
        "code_challenge": challenge or pkce()[1],
    }
    params.update(overrides)
    return f"{base}/v1/authorize?{urlencode(params)}"


class Login:
    """A client's view of one cross-device login: PKCE, state, key, and the code."""

    def __init__(self, em: Emulator) -> None:
        self.em = em
        self.verifier, self.challenge = pkce()
        self.state = str(uuid.uuid4())
        self.key = DPoPKey()
        self.redirect_uri = f"{em.base_url}/v1/sessions/confirmation"
        url = authorize_url(em.base_url, state=self.state, challenge=self.challenge)
        verification = person.sign_in(url)
        assert verification is not None
        fields = parse_qs(base64.b64decode(verification, validate=True).decode())
        assert fields["state"] == [self.state]
        self.code = fields["code"][0]

    @property
    def token_url(self) -> str:
        return f"{self.em.base_url}/v1/token"

    def exchange(self, http: httpx.Client, *, verifier: str | None = None,
                 proof: str | None = None, **body: str) -> httpx.Response:
        payload = {"clientId": CROSS, "grantType": "authorization_code", "code": self.code,
                   "codeVerifier": verifier or self.verifier, "redirectUri": self.redirect_uri}
        payload.update(body)
        return http.post(self.token_url, json=payload,
                         headers={"DPoP": proof or self.key.proof(self.token_url)})

    def refresh(self, http: httpx.Client, refresh_token: str, *, key: DPoPKey | None = None,
                client_id: str = CROSS) -> httpx.Response:
        proof = (key or self.key).proof(self.token_url)
        return http.post(self.token_url, headers={"DPoP": proof}, json={
            "clientId": client_id, "grantType": "refresh_token", "refreshToken": refresh_token})


def error_of(resp: httpx.Response) -> tuple[int, str, str]:
    return resp.status_code, resp.headers.get("x-amzn-ErrorType", ""), resp.json()["error"]


def jwt_payload(token: str) -> dict[str, Any]:
    return json.loads(unb64u(token.split(".")[1]))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient AWS configuration may leak into botocore during these tests."""
    for name in list(os.environ):
        if name.startswith("AWS_") and name != "AWS_CA_BUNDLE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def em() -> Iterator[Emulator]:
    with Emulator(identity=Identity(account_id="123456789012", arn=ARN)) as emulator:
        yield emulator


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    # trust_env=False: a proxy from the environment must never see loopback traffic.
    with httpx.Client(trust_env=False, timeout=10) as client:
        yield client


def signin_client(em: Emulator, **config: Any) -> Any:
    return botocore.session.get_session().create_client(
        "signin", region_name="us-east-1", endpoint_url=em.base_url,
        config=Config(signature_version=UNSIGNED, **config))


def sts_client(em: Emulator, creds: dict[str, str]) -> Any:
    return botocore.session.get_session().create_client(
        "sts", region_name="us-east-1", endpoint_url=em.base_url,
        aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"],
        aws_session_token=creds["sessionToken"],
        config=Config(retries={"total_max_attempts": 1}))


# --------------------------------------------------------------------------- sign-in flow


def test_cross_device_flow_with_hand_rolled_client(em: Emulator, http: httpx.Client) -> None:
    page = http.get(authorize_url(em.base_url))
    assert page.status_code == 200
    assert "AWS Sign-In (local emulator)" in page.text
    assert ARN in page.text
    assert re.search(r'<form method="post"', page.text)
    assert "Continue as Developer/console-session" in page.text

    login = Login(em)
    resp = login.exchange(http)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {"accessToken", "tokenType", "expiresIn", "refreshToken", "idToken"}
    creds = body["accessToken"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["accessKeyId"])
    assert len(creds["secretAccessKey"]) == 40
    assert len(creds["sessionToken"]) > 100
    assert body["tokenType"] == "aws_sigv4"
    assert body["expiresIn"] == 900
    assert body["refreshToken"]
    header = json.loads(unb64u(body["idToken"].split(".")[0]))
    claims = jwt_payload(body["idToken"])
    assert header["alg"] == "ES256"
    assert len(unb64u(body["idToken"].split(".")[2])) == 64
    assert claims["sub"] == ARN
    assert claims["aud"] == CROSS
    assert claims["iss"] == em.base_url
    assert claims["exp"] > claims["iat"] >= int(time.time()) - 5
    stats = em.stats()
    assert stats["token"]["authorization_code"] == 1
    assert stats["token_ok"]["authorization_code"] == 1
    assert stats["sign_in"] == 1


def test_confirmation_page_shows_verification_code(em: Emulator, http: httpx.Client) -> None:
    state = str(uuid.uuid4())
    page = http.get(authorize_url(em.base_url, state=state))
    request_id = re.search(r'name="request_id" value="([^"]+)"', page.text).group(1)
    posted = http.post(f"{em.base_url}/v1/authorize",
                       data={"request_id": request_id, "action": "allow"})
    assert posted.status_code == 302
    location = posted.headers["Location"]
    assert location.startswith(f"{em.base_url}/v1/sessions/confirmation?")
    confirm = http.get(location)
    assert confirm.status_code == 200
    code_text = re.search(r'id="verification-code">([^<]+)<', confirm.text).group(1)
    assert "copy" in confirm.text.lower()
    decoded = parse_qs(base64.b64decode(code_text, validate=True).decode())
    assert decoded["state"] == [state]
    assert decoded["code"] == parse_qs(urlsplit(location).query)["code"]
    # The page is single-use: the same form cannot mint a second code.
    again = http.post(f"{em.base_url}/v1/authorize",
                      data={"request_id": request_id, "action": "allow"})
    assert again.status_code == 400


@pytest.mark.parametrize(
    ("override", "mentions"),
    [
        ({"client_id": "arn:aws:signin:::devtools/other"}, "client_id"),
        ({"response_type": "token"}, "response_type"),
        ({"code_challenge_method": "S256"}, "code_challenge_method"),
        ({"scope": "openid profile"}, "scope"),
        ({"code_challenge": "too-short"}, "code_challenge"),
        ({"code_challenge": "A" * 42 + "B"}, "code_challenge"),  # stray bits: not 32 bytes
        ({"redirect_uri": "http://127.0.0.1:9/v1/sessions/confirmation"}, "redirect_uri"),
        ({"client_id": SAME}, "redirect_uri"),  # same-device with the confirmation URI
        ({"client_id": SAME, "redirect_uri": "http://localhost:8080/oauth/callback"},
         "redirect_uri"),
        ({"state": ""}, "state"),
    ],
)
def test_authorize_rejects_bad_parameters(em: Emulator, http: httpx.Client,
                                          override: dict[str, str], mentions: str) -> None:
    resp = http.get(authorize_url(em.base_url, **override))
    assert resp.status_code == 400
    assert resp.headers["Content-Type"].startswith("text/html")
    assert mentions in resp.text
    assert 'method="post"' not in resp.text


def test_authorize_rejects_missing_and_duplicate_parameters(em: Emulator,
                                                            http: httpx.Client) -> None:
    url = authorize_url(em.base_url)
    missing = http.get(re.sub(r"&scope=openid", "", url))
    assert missing.status_code == 400 and "scope is missing" in missing.text
    duplicate = http.get(url + "&state=other")
    assert duplicate.status_code == 400 and "state is given more than once" in duplicate.text


def test_pkce_mismatch_rejected_without_burning_the_code(em: Emulator,
                                                         http: httpx.Client) -> None:
    login = Login(em)
    wrong, _ = pkce()
    assert error_of(login.exchange(http, verifier=wrong)) == (
        400, "ValidationException", "INVALID_REQUEST")
    short = login.exchange(http, verifier="a" * 42)  # below the 43-char minimum
    assert error_of(short) == (400, "ValidationException", "INVALID_REQUEST")
    assert login.exchange(http).status_code == 200


def test_code_is_single_use(em: Emulator, http: httpx.Client) -> None:
    login = Login(em)
    assert login.exchange(http).status_code == 200
    assert error_of(login.exchange(http)) == (401, "AccessDeniedException", "AUTHCODE_EXPIRED")


def test_code_expires() -> None:
    with Emulator(code_ttl=0.2) as em, httpx.Client(trust_env=False) as http:
        login = Login(em)
        time.sleep(0.35)
        assert error_of(login.exchange(http)) == (
            401, "AccessDeniedException", "AUTHCODE_EXPIRED")


@pytest.mark.parametrize("field", ["redirectUri", "clientId"])
def test_code_bound_to_redirect_uri_and_client(em: Emulator, http: httpx.Client,
                                               field: str) -> None:
    login = Login(em)
    other = {"redirectUri": "http://127.0.0.1:1/oauth/callback", "clientId": SAME}[field]
    assert error_of(login.exchange(http, **{field: other}))[2] == "INVALID_REQUEST"
    assert login.exchange(http).status_code == 200


def test_token_request_shape_is_strict(em: Emulator, http: httpx.Client) -> None:
    login = Login(em)
    url = login.token_url
    not_json = http.post(url, content=b"clientId=x", headers={
        "Content-Type": "application/x-www-form-urlencoded", "DPoP": login.key.proof(url)})
    assert error_of(not_json)[2] == "INVALID_REQUEST"
    extra = login.exchange(http, refreshToken="nope")
    assert error_of(extra)[2] == "INVALID_REQUEST"
    grant = login.exchange(http, grantType="client_credentials")
    assert error_of(grant)[2] == "INVALID_REQUEST"
    assert login.exchange(http).status_code == 200


# --------------------------------------------------------------------------- DPoP


def _bad_proofs(login: Login) -> dict[str, str]:
    key, url = login.key, login.token_url
    off_curve = dict(key.jwk, y=b64u((int.from_bytes(unb64u(key.jwk["y"]), "big") ^ 1)
                                     .to_bytes(32, "big")))
    return {
        "wrong htu": key.proof("https://us-east-1.signin.aws.amazon.com/v1/token"),
        "htu with query": key.proof(url + "?x=1"),
        "bad signature": key.proof(url, tamper=True),
        "DER signature": key.proof(url, der=True),
        "stale iat": key.proof(url, iat=int(time.time()) - 330),
        "future iat": key.proof(url, iat=int(time.time()) + 330),
        "wrong typ": key.proof(url, header={"typ": "JWT", "alg": "ES256", "jwk": key.jwk}),
        "wrong alg": key.proof(url, header={"typ": "dpop+jwt", "alg": "ES384",
                                            "jwk": key.jwk}),
        "private jwk": key.proof(url, header={"typ": "dpop+jwt", "alg": "ES256",
                                              "jwk": dict(key.jwk, d="AAAA")}),
        "off-curve jwk": key.proof(url, header={"typ": "dpop+jwt", "alg": "ES256",
                                                "jwk": off_curve}),
        "wrong htm": key.proof(url, payload={"htm": "GET", "htu": url,
                                             "iat": int(time.time()), "jti": "j1"}),
        "no jti": key.proof(url, payload={"htm": "POST", "htu": url,
                                          "iat": int(time.time())}),
        "not a JWS": "not.a-jws",
    }


def test_dpop_proofs_are_verified(em: Emulator, http: httpx.Client) -> None:
    login = Login(em)
    for name, proof in _bad_proofs(login).items():
        resp = login.exchange(http, proof=proof)
        assert resp.status_code == 400, name
        assert error_of(resp) == (400, "ValidationException", "INVALID_REQUEST"), name
    missing = http.post(login.token_url, json={
        "clientId": CROSS, "grantType": "authorization_code", "code": login.code,
        "codeVerifier": login.verifier, "redirectUri": login.redirect_uri})
    assert error_of(missing)[2] == "INVALID_REQUEST"
    # None of the rejected attempts consumed the code.
    assert login.exchange(http).status_code == 200


def test_dpop_jti_replay_rejected(em: Emulator, http: httpx.Client) -> None:
    login = Login(em)
    proof = login.key.proof(login.token_url)
    assert login.exchange(http, proof=proof).status_code == 200
    second = Login(em)
    replayed = second.exchange(http, proof=proof)  # same proof, fresh code
    assert error_of(replayed) == (400, "ValidationException", "INVALID_REQUEST")
    assert "jti" in replayed.json()["message"]


def test_dpop_htu_may_name_the_host_the_client_dialled(em: Emulator,
                                                       http: httpx.Client) -> None:
    login = Login(em)
    localhost_url = em.base_url.replace("127.0.0.1", "localhost")
    resp = http.post(f"{localhost_url}/v1/token", headers={
        "DPoP": login.key.proof(f"{localhost_url}/v1/token")}, json={
        "clientId": CROSS, "grantType": "authorization_code", "code": login.code,
        "codeVerifier": login.verifier, "redirectUri": login.redirect_uri})
    assert resp.status_code == 200, resp.text


# --------------------------------------------------------------------------- refresh


def test_refresh_rotates_and_replay_is_idempotent(em: Emulator, http: httpx.Client) -> None:
    login = Login(em)
    first = login.exchange(http).json()
    r1 = login.refresh(http, first["refreshToken"])
    assert r1.status_code == 200, r1.text
    body1 = r1.json()
    assert "idToken" not in body1
    assert body1["refreshToken"] != first["refreshToken"]
    assert body1["accessToken"]["accessKeyId"] != first["accessToken"]["accessKeyId"]
    assert body1["expiresIn"] == 900

    replay = login.refresh(http, first["refreshToken"])
    assert replay.status_code == 200
    assert replay.json() == body1

    r2 = login.refresh(http, body1["refreshToken"])
    assert r2.status_code == 200
    assert r2.json()["refreshToken"] not in (body1["refreshToken"], first["refreshToken"])

    stats = em.stats()
    assert stats["token"]["refresh_token"] == 3
    assert stats["token_ok"]["refresh_token"] == 3
    assert stats["refresh_replays"] == 1


def test_refresh_with_another_key_rejected(em: Emulator, http: httpx.Client) -> None:
    login = Login(em)
    token = login.exchange(http).json()["refreshToken"]
    resp = login.refresh(http, token, key=DPoPKey())
    assert error_of(resp) == (400, "ValidationException", "INVALID_REQUEST")
    assert login.refresh(http, token).status_code == 200


def test_refresh_checks_client_and_token(em: Emulator, http: httpx.Client) -> None:
    login = Login(em)
    token = login.exchange(http).json()["refreshToken"]
    assert error_of(login.refresh(http, token, client_id=SAME))[2] == "INVALID_REQUEST"
    assert error_of(login.refresh(http, "no-such-token")) == (
        401, "AccessDeniedException", "TOKEN_EXPIRED")


def test_expire_sessions_makes_refresh_answer_token_expired(em: Emulator,
                                                            http: httpx.Client) -> None:
    login = Login(em)
    token = login.exchange(http).json()["refreshToken"]
    resp = http.post(f"{em.base_url}/_emulator/expire-sessions")
    assert resp.status_code == 200 and resp.json()["sessions"] == 1
    assert error_of(login.refresh(http, token)) == (401, "AccessDeniedException", "TOKEN_EXPIRED")
    # A new login afterwards is not affected.
    fresh = Login(em)
    assert fresh.refresh(http, fresh.exchange(http).json()["refreshToken"]).status_code == 200


def test_session_ends_after_session_ttl() -> None:
    with Emulator(session_ttl=0.5) as em, httpx.Client(trust_env=False) as http:
        login = Login(em)
        token = login.exchange(http).json()["refreshToken"]
        assert login.refresh(http, token).status_code == 200
        time.sleep(0.6)
        assert error_of(login.refresh(http, token))[2] == "TOKEN_EXPIRED"


def test_32_concurrent_refreshes_answered_and_counted(em: Emulator) -> None:
    with httpx.Client(trust_env=False, timeout=10) as http:
        logins = [Login(em) for _ in range(4)]
        tokens = [login.exchange(http).json()["refreshToken"] for login in logins]
    em.reset()

    def refresh(i: int) -> tuple[int, int, dict[str, Any]]:
        with httpx.Client(trust_env=False, timeout=10) as client:
            resp = logins[i % 4].refresh(client, tokens[i % 4])
            return i % 4, resp.status_code, resp.json()

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(refresh, range(32)))
    assert all(status == 200 for _, status, _ in results)
    by_login: dict[int, list[dict[str, Any]]] = {}
    for idx, _, body in results:
        by_login.setdefault(idx, []).append(body)
    for answers in by_login.values():
        assert len(answers) == 8
        assert all(a == answers[0] for a in answers)  # one rotation, identical replays
    assert len({a[0]["refreshToken"] for a in by_login.values()}) == 4
    stats = em.stats()
    assert stats["token"]["refresh_token"] == 32
    assert stats["token_ok"]["refresh_token"] == 32
    assert stats["refresh_replays"] == 28


# --------------------------------------------------------------------------- real botocore


def test_botocore_signin_client_exchanges_code(em: Emulator) -> None:
    from awscrt.crypto import EC
    from botocore.credentials import _build_add_dpop_header_handler

    login = Login(em)
    der = login.key.key.private_bytes(serialization.Encoding.DER,
                                      serialization.PrivateFormat.TraditionalOpenSSL,
                                      serialization.NoEncryption())
    client = signin_client(em)
    client.meta.events.register("before-call.signin.CreateOAuth2Token",
                                _build_add_dpop_header_handler(EC.new_key_from_der_data(der)))
    out = client.create_o_auth2_token(tokenInput={
        "clientId": CROSS, "grantType": "authorization_code", "code": login.code,
        "codeVerifier": login.verifier, "redirectUri": login.redirect_uri})["tokenOutput"]
    assert out["accessToken"]["accessKeyId"].startswith("ASIA")
    assert out["tokenType"] == "aws_sigv4"
    assert jwt_payload(out["idToken"])["sub"] == ARN

    again = client.create_o_auth2_token(tokenInput={
        "clientId": CROSS, "grantType": "refresh_token",
        "refreshToken": out["refreshToken"]})["tokenOutput"]
    assert again["refreshToken"] != out["refreshToken"]

    with pytest.raises(client.exceptions.AccessDeniedException) as exc:
        client.create_o_auth2_token(tokenInput={
            "clientId": CROSS, "grantType": "authorization_code", "code": login.code,
            "codeVerifier": login.verifier, "redirectUri": login.redirect_uri})
    assert exc.value.response["error"] == "AUTHCODE_EXPIRED"
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.parametrize(
    ("status", "error", "exception"),
    [
        (401, "TOKEN_EXPIRED", "AccessDeniedException"),
        (403, "USER_CREDENTIALS_CHANGED", "AccessDeniedException"),
        (403, "INSUFFICIENT_PERMISSIONS", "AccessDeniedException"),
        (400, "INVALID_REQUEST", "ValidationException"),
        (429, "INVALID_REQUEST", "TooManyRequestsError"),
        (500, "server_error", "InternalServerException"),
    ],
)
def test_botocore_maps_errors_to_modeled_exceptions(em: Emulator, status: int, error: str,
                                                    exception: str) -> None:
    em.add_fault(Fault(target="refresh_token", status=status, error=error))
    client = signin_client(em, retries={"total_max_attempts": 1})
    with pytest.raises(getattr(client.exceptions, exception)) as exc:
        client.create_o_auth2_token(tokenInput={
            "clientId": CROSS, "grantType": "refresh_token", "refreshToken": "x"})
    assert exc.value.response["error"] == error
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    if status == 429:
        assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"
    assert em.stats()["faults_served"] == 1


def test_botocore_login_provider_refreshes_against_emulator(
        em: Emulator, http: httpx.Client, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole point: botocore's LoginProvider, unchanged, refreshes and calls STS."""
    import boto3

    login = Login(em)
    tokens = login.exchange(http).json()
    config = tmp_path / "config"
    config.write_text(f"[profile dev]\nregion = us-east-1\nlogin_session = {ARN}\n")
    cache = tmp_path / "login-cache"
    cache.mkdir()
    cache_file = cache / (hashlib.sha256(ARN.encode()).hexdigest() + ".json")
    stale = (datetime.datetime.now(datetime.timezone.utc)
             - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cache_file.write_text(json.dumps({
        "accessToken": {**tokens["accessToken"], "accountId": "123456789012",
                        "expiresAt": stale},
        "tokenType": "aws_sigv4", "clientId": CROSS,
        "refreshToken": tokens["refreshToken"], "idToken": tokens["idToken"],
        "dpopKey": login.key.sec1_pem()}))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIRECTORY", str(cache))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", em.base_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", em.base_url)

    session = boto3.Session(profile_name="dev")
    creds = session.get_credentials()
    assert creds.method == "login"
    frozen = creds.get_frozen_credentials()  # expired in the cache → refresh now
    assert frozen.access_key != tokens["accessToken"]["accessKeyId"]
    rewritten = json.loads(cache_file.read_text())
    assert rewritten["refreshToken"] != tokens["refreshToken"]
    assert rewritten["accessToken"]["accessKeyId"] == frozen.access_key

    ident = session.client("sts").get_caller_identity()
    assert ident["Arn"] == ARN
    assert ident["Account"] == "123456789012"
    stats = em.stats()
    assert stats["token_ok"]["refresh_token"] == 1
    assert stats["sts_ok"] == 1


# --------------------------------------------------------------------------- faults


def _refresh_setup(em: Emulator, http: httpx.Client) -> tuple[Login, str]:
    login = Login(em)
    return login, login.exchange(http).json()["refreshToken"]


def test_fault_status_applies_to_next_n_then_clears(em: Emulator, http: httpx.Client) -> None:
    login, token = _refresh_setup(em, http)
    resp = http.post(f"{em.base_url}/_emulator/faults", json={
        "target": "refresh_token", "count": 2, "status": 503, "retryAfter": 7})
    assert resp.status_code == 200
    for _ in range(2):
        failed = login.refresh(http, token)
        assert failed.status_code == 503
        assert failed.headers["Retry-After"] == "7"
        assert error_of(failed) == (503, "InternalServerException", "server_error")
    assert login.refresh(http, token).status_code == 200
    stats = http.get(f"{em.base_url}/_emulator/stats").json()
    assert stats["faults_served"] == 2
    assert stats["token"]["refresh_token"] == 3


def test_fault_targets_only_matching_requests(em: Emulator, http: httpx.Client) -> None:
    em.add_fault(Fault(target="refresh_token", status=500))
    login = Login(em)
    token = login.exchange(http).json()["refreshToken"]  # code exchange is not targeted
    assert login.refresh(http, token).status_code == 500
    em.add_fault(Fault(target="token", status=401, error="TOKEN_EXPIRED"))
    assert error_of(login.refresh(http, token))[2] == "TOKEN_EXPIRED"
    assert login.refresh(http, token).status_code == 200


def test_fault_reset_drops_connection(em: Emulator, http: httpx.Client) -> None:
    login, token = _refresh_setup(em, http)
    em.add_fault(Fault(target="refresh_token", mode="reset"))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        login.refresh(http, token)
    # Nothing was rotated: the token still works, and is not a replay.
    assert login.refresh(http, token).status_code == 200
    assert em.stats()["refresh_replays"] == 0


def test_fault_garbage_is_unparseable(em: Emulator, http: httpx.Client) -> None:
    login, token = _refresh_setup(em, http)
    em.add_fault(Fault(target="token", mode="garbage"))
    resp = login.refresh(http, token)
    assert resp.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.content)


def test_fault_missing_fields(em: Emulator, http: httpx.Client) -> None:
    login, token = _refresh_setup(em, http)
    em.add_fault(Fault(target="refresh_token", mode="missing-fields"))
    resp = login.refresh(http, token)
    assert resp.status_code == 200
    assert "refreshToken" not in resp.json() and "accessToken" in resp.json()
    # The real rotation happened underneath: a retry replays the complete answer.
    retry = login.refresh(http, token)
    assert "refreshToken" in retry.json()
    assert retry.json()["accessToken"] == resp.json()["accessToken"]


@pytest.mark.parametrize("mode", ["bad-idtoken", "idtoken-no-sub"])
def test_fault_bad_id_tokens(em: Emulator, http: httpx.Client, mode: str) -> None:
    em.add_fault(Fault(target="authorization_code", mode=mode))
    body = Login(em).exchange(http).json()
    if mode == "bad-idtoken":
        assert body["idToken"].count(".") != 2
    else:
        assert "sub" not in jwt_payload(body["idToken"])
        assert jwt_payload(body["idToken"])["aud"] == CROSS
    assert body["refreshToken"]
    assert "sub" in jwt_payload(Login(em).exchange(http).json()["idToken"])


def test_fault_delay(em: Emulator, http: httpx.Client) -> None:
    login, token = _refresh_setup(em, http)
    em.add_fault(Fault(target="refresh_token", delay=0.4))
    started = time.monotonic()
    resp = login.refresh(http, token)
    assert resp.status_code == 200
    assert time.monotonic() - started >= 0.4


def test_fault_validation_and_reset(em: Emulator, http: httpx.Client) -> None:
    for bad in ({"target": "nope"}, {"target": "token", "status": 418},
                {"target": "sts", "mode": "missing-fields"},
                {"target": "token", "error": "NOT_A_CODE"}, {"target": "token", "count": 0},
                {"target": "token", "colour": "red"}):
        resp = http.post(f"{em.base_url}/_emulator/faults", json=bad)
        assert resp.status_code == 400, bad
    with pytest.raises(FaultError):
        Fault(target="token", delay=-1)
    http.post(f"{em.base_url}/_emulator/faults", json=[{"target": "token"}, {"target": "sts"}])
    assert len(http.get(f"{em.base_url}/_emulator/faults").json()["faults"]) == 2
    login = Login(em)
    assert http.post(f"{em.base_url}/_emulator/reset").status_code == 200
    assert http.get(f"{em.base_url}/_emulator/faults").json()["faults"] == []
    assert em.stats()["token"]["authorization_code"] == 0
    assert login.exchange(http).status_code == 200  # reset keeps issued state


# --------------------------------------------------------------------------- STS


def _creds(em: Emulator, http: httpx.Client) -> dict[str, str]:
    return Login(em).exchange(http).json()["accessToken"]


def test_sts_get_caller_identity(em: Emulator, http: httpx.Client) -> None:
    ident = sts_client(em, _creds(em, http)).get_caller_identity()
    assert ident["Arn"] == ARN
    assert ident["Account"] == "123456789012"
    assert re.fullmatch(r"AROA[A-Z2-7]{17}:console-session", ident["UserId"])


def test_sts_user_identity() -> None:
    user_arn = "arn:aws:iam::210987654321:user/alice"
    with Emulator(identity=Identity.from_arn(user_arn)) as em, \
            httpx.Client(trust_env=False) as http:
        ident = sts_client(em, _creds(em, http)).get_caller_identity()
    assert ident["Arn"] == user_arn
    assert ident["Account"] == "210987654321"
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", ident["UserId"])


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        ("secret", "SignatureDoesNotMatch"),
        ("token", "InvalidClientTokenId"),
        ("key", "InvalidClientTokenId"),
        ("expired", "ExpiredToken"),
    ],
)
def test_sts_rejects_bad_credentials(em: Emulator, http: httpx.Client, tamper: str,
                                     code: str) -> None:
    creds = _creds(em, http)
    if tamper == "secret":
        creds["secretAccessKey"] = creds["secretAccessKey"][:-1] + (
            "A" if creds["secretAccessKey"][-1] != "A" else "B")
    elif tamper == "token":
        creds["sessionToken"] = creds["sessionToken"][::-1]
    elif tamper == "key":
        creds["accessKeyId"] = "ASIA" + "Z" * 16
    else:
        assert http.post(f"{em.base_url}/_emulator/expire-credentials").status_code == 200
    with pytest.raises(ClientError) as exc:
        sts_client(em, creds).get_caller_identity()
    assert exc.value.response["Error"]["Code"] == code
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert em.stats()["sts_errors"] == {code: 1}


def test_sts_rejects_clock_skew(em: Emulator, http: httpx.Client) -> None:
    from botocore.auth import SigV4Auth
    from botocore.credentials import Credentials

    creds = _creds(em, http)
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    signer_creds = Credentials(creds["accessKeyId"], creds["secretAccessKey"],
                               creds["sessionToken"])

    def send(skew: float) -> httpx.Response:
        req = AWSRequest("POST", f"{em.base_url}/", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        past = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=skew)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("botocore.auth.get_current_datetime",
                       lambda: past.replace(tzinfo=None))
            SigV4Auth(signer_creds, "sts", "us-east-1").add_auth(req)
        return http.post(f"{em.base_url}/", content=body, headers=dict(req.headers.items()))

    assert send(-60).status_code == 200  # a little skew is fine
    old = send(-16 * 60)
    assert old.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in old.text
    assert "Signature expired" in old.text
    assert send(16 * 60).status_code == 403


def test_sts_requires_signature(em: Emulator, http: httpx.Client) -> None:
    resp = http.post(f"{em.base_url}/", content="Action=GetCallerIdentity&Version=2011-06-15",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in resp.text


def test_sts_fault(em: Emulator, http: httpx.Client) -> None:
    creds = _creds(em, http)
    em.add_fault(Fault(target="sts", status=503))
    with pytest.raises(ClientError) as exc:
        sts_client(em, creds).get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "ServiceUnavailable"
    assert sts_client(em, creds).get_caller_identity()["Arn"] == ARN


# --------------------------------------------------------------------------- person


class _Callback(BaseHTTPRequestHandler):
    received: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/oauth/callback":
            type(self).received.append(parse_qs(parts.query))
        body = b"<p>You can close this tab.</p>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def callback() -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    received: list[dict[str, list[str]]] = []
    handler = type("Handler", (_Callback,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/oauth/callback", received
    server.shutdown()
    server.server_close()


def test_person_same_device(em: Emulator, http: httpx.Client,
                            callback: tuple[str, list[dict[str, list[str]]]]) -> None:
    redirect_uri, received = callback
    verifier, challenge = pkce()
    state = str(uuid.uuid4())
    url = authorize_url(em.base_url, client_id=SAME, redirect_uri=redirect_uri, state=state,
                        challenge=challenge)
    assert person.sign_in(url) is None
    assert len(received) == 1
    assert received[0]["state"] == [state]
    key = DPoPKey()
    resp = http.post(f"{em.base_url}/v1/token",
                     headers={"DPoP": key.proof(f"{em.base_url}/v1/token")},
                     json={"clientId": SAME, "grantType": "authorization_code",
                           "code": received[0]["code"][0], "codeVerifier": verifier,
                           "redirectUri": redirect_uri})
    assert resp.status_code == 200
    assert jwt_payload(resp.json()["idToken"])["aud"] == SAME


def test_person_cancel_same_device(em: Emulator,
                                   callback: tuple[str, list[dict[str, list[str]]]]) -> None:
    redirect_uri, received = callback
    state = str(uuid.uuid4())
    person.cancel(authorize_url(em.base_url, client_id=SAME, redirect_uri=redirect_uri,
                                state=state))
    assert received[0]["error"] == ["access_denied"]
    assert received[0]["state"] == [state]
    assert "code" not in received[0]
    assert em.stats()["sign_in_cancelled"] == 1


def test_person_reports_error_pages(em: Emulator) -> None:
    with pytest.raises(person.SignInError, match="client_id"):
        person.sign_in(authorize_url(em.base_url, client_id="nope"))


# --------------------------------------------------------------------------- misc


def test_logs_name_requests_but_never_secrets(em: Emulator, http: httpx.Client,
                                              caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="aws_login_bridge.emulator"):
        login = Login(em)
        proof = login.key.proof(login.token_url)
        body = login.exchange(http, proof=proof).json()
        refreshed = login.refresh(http, body["refreshToken"]).json()
        login.exchange(http)  # an error answer, too
        sts_client(em, body["accessToken"]).get_caller_identity()
    text = caplog.text
    assert "POST /v1/token -> 200" in text
    assert "POST /v1/token -> 401" in text
    assert "GET /v1/authorize -> 200" in text
    assert "GET /v1/sessions/confirmation -> 200" in text
    assert "POST / -> 200" in text
    secrets_seen = [login.code, login.verifier, login.state, proof, body["refreshToken"],
                    refreshed["refreshToken"], body["idToken"],
                    body["accessToken"]["accessKeyId"], body["accessToken"]["sessionToken"],
                    body["accessToken"]["secretAccessKey"]]
    for secret in secrets_seen:
        assert secret not in text


def test_stop_really_stops(http: httpx.Client) -> None:
    em = Emulator().start()
    url = f"{em.base_url}/_emulator/health"
    assert http.get(url).json()["ok"] is True
    em.stop()
    with pytest.raises(httpx.TransportError):
        http.get(url)


@pytest.mark.posix  # Windows has no SIGTERM to catch: terminate() cannot be handled
def test_module_runs_in_foreground_and_stops_on_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SERVER_DIR), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "aws_login_bridge.emulator", "--port", "0",
         "--arn", "arn:aws:iam::111122223333:user/bob"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.fullmatch(r"emulator listening on (http://127\.0\.0\.1:(\d+)) \(point a client at "
                         r"it with AWS_ENDPOINT_URL_SIGNIN=\1 AWS_ENDPOINT_URL_STS=\1\)\n", line)
        assert m, line
        with httpx.Client(trust_env=False) as client:
            assert client.get(f"{m.group(1)}/_emulator/health").json()["ok"] is True
            page = client.get(authorize_url(m.group(1)))
            assert "arn:aws:iam::111122223333:user/bob" in page.text
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        assert proc.stdout.read() == ""  # exactly one line on stdout
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_identity_validation() -> None:
    with pytest.raises(ValueError):
        Identity(account_id="123", arn=ARN)
    with pytest.raises(ValueError):
        Identity(account_id="999999999999", arn=ARN)
    with pytest.raises(ValueError):
        Identity(account_id="123456789012", arn="arn:aws:iam::123456789012:role/Developer")
    assert Identity.from_arn("arn:aws:iam::123456789012:root").user_id == "123456789012"

"""The SDKs' shared login-provider conformance vectors, through the bridge and through botocore.

Each case of ``login-provider-test-cases.json`` runs with the clock frozen at
2025-11-19T00:00:00Z, its config and cache files in a temp folder, and the token endpoint
played by a small HTTP server here that checks the request it gets (body, DPoP proof signed
with the cached key) and answers from the case's ``mockApiCalls``. The same cases then run
through real botocore's ``LoginProvider``, to show both readers agree.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

VECTORS = Path("/work/shared/reference/vectors/login-provider-test-cases.json")
CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text()) if VECTORS.exists() else []
FROZEN = dt.datetime(2025, 11, 19, tzinfo=dt.timezone.utc)
PROFILE = "signin"
HINT = f"aws-login-bridge login --remote --profile {PROFILE}"

pytestmark = pytest.mark.skipif(not CASES, reason=f"{VECTORS} not present")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int(text: str) -> int:
    return int.from_bytes(_b64url_decode(text), "big")


@dataclass
class MockTokenEndpoint:
    """Answers ``POST /v1/token`` from a case's mockApiCalls, checking what it was sent."""

    calls: list[dict[str, Any]]
    dpop_pem: str | None
    received: int = 0
    problems: list[str] = field(default_factory=list)
    url: str = ""

    def check_dpop(self, proof: str | None, htu: str) -> None:
        if not proof:
            self.problems.append("no DPoP header")
            return
        try:
            head64, body64, sig64 = proof.split(".")
            header = json.loads(_b64url_decode(head64))
            payload = json.loads(_b64url_decode(body64))
            signature = _b64url_decode(sig64)
        except ValueError:
            self.problems.append("DPoP header is not a compact JWS")
            return
        if header.get("typ") != "dpop+jwt" or header.get("alg") != "ES256":
            self.problems.append(f"DPoP header typ/alg wrong: {header.get('typ')}/"
                                 f"{header.get('alg')}")
        if payload.get("htm") != "POST" or payload.get("htu") != htu:
            self.problems.append(f"DPoP htm/htu wrong: {payload.get('htm')} {payload.get('htu')}")
        if not isinstance(payload.get("iat"), int) or not payload.get("jti"):
            self.problems.append("DPoP iat/jti missing")
        assert self.dpop_pem is not None
        cached = serialization.load_pem_private_key(
            self.dpop_pem.strip().encode() + b"\n", password=None
        ).public_key()
        assert isinstance(cached, ec.EllipticCurvePublicKey)
        jwk = header.get("jwk") or {}
        numbers = cached.public_numbers()
        if (jwk.get("kty"), jwk.get("crv")) != ("EC", "P-256") or (
            _int(jwk.get("x", "")), _int(jwk.get("y", ""))
        ) != (numbers.x, numbers.y):
            self.problems.append("DPoP jwk is not the cached key")
        if len(signature) != 64:
            self.problems.append("DPoP signature is not raw r||s")
            return
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                   int.from_bytes(signature[32:], "big"))
        try:
            cached.verify(der, f"{head64}.{body64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            self.problems.append("DPoP signature does not verify with the cached key")

    def answer(self, path: str, body: bytes, proof: str | None) -> tuple[int, dict[str, Any]]:
        index, self.received = self.received, self.received + 1
        if index >= len(self.calls):
            self.problems.append(f"unexpected token call #{index + 1}")
            return 500, {"message": "no mock for this call"}
        call = self.calls[index]
        if path != "/v1/token":
            self.problems.append(f"token call went to {path}")
        try:
            sent = json.loads(body)
        except ValueError:
            sent = None
        if sent != call["request"]["tokenInput"]:
            self.problems.append(f"request body {sent!r} != {call['request']['tokenInput']!r}")
        self.check_dpop(proof, self.url + "/v1/token")
        if "responseCode" in call:
            return int(call["responseCode"]), {"message": "mock error"}
        return 200, call["response"]["tokenOutput"]


@pytest.fixture
def case_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
             ) -> Iterator[tuple[dict[str, Any], Path, MockTokenEndpoint]]:
    case: dict[str, Any] = request.param
    cache_dir = tmp_path / "login" / "cache"
    cache_dir.mkdir(parents=True)
    (tmp_path / "config").write_text(case["configContents"])
    dpop_pem = None
    for name, content in case["cacheContents"].items():
        (cache_dir / name).write_text(json.dumps(content))
        dpop_pem = content.get("dpopKey", dpop_pem)
    mock = MockTokenEndpoint(calls=case.get("mockApiCalls", []), dpop_pem=dpop_pem)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = mock.answer(self.path, body, self.headers.get("DPoP"))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    mock.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    import os

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIRECTORY", str(cache_dir))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", mock.url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # botocore will not build the signin client without a region, even with an endpoint URL.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    try:
        yield case, cache_dir, mock
    finally:
        server.shutdown()
        server.server_close()


def _files(cache_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(cache_dir.glob("*.json"))}


def _check_outcomes(case: dict[str, Any], cache_dir: Path, mock: MockTokenEndpoint,
                    before: dict[str, bytes], got: dict[str, Any] | None) -> None:
    assert mock.problems == []
    assert mock.received == len(case.get("mockApiCalls", []))
    for outcome in case["outcomes"]:
        kind = outcome["result"]
        if kind == "credentials":
            assert got == {k: v for k, v in outcome.items() if k != "result"}
        elif kind == "error":
            assert got is None
            assert _files(cache_dir) == before  # a failed read or refresh writes nothing
        elif kind == "cacheContents":
            expected = {k: v for k, v in outcome.items() if k != "result"}
            assert {name: json.loads(data) for name, data in _files(cache_dir).items()} \
                == expected
        else:  # pragma: no cover - a new kind of outcome needs a new check
            pytest.fail(f"unknown outcome {kind}")


CASE_PARAMS = [pytest.param(c, id=c["documentation"]) for c in CASES]


@pytest.mark.parametrize("case_env", CASE_PARAMS, indirect=True)
def test_bridge_conforms(case_env: tuple[dict[str, Any], Path, MockTokenEndpoint],
                         capsys: pytest.CaptureFixture[str]) -> None:
    from aws_login_bridge.bridge import credential_process

    case, cache_dir, mock = case_env
    before = _files(cache_dir)
    status = credential_process(PROFILE, now=lambda: FROZEN)
    out, err = capsys.readouterr()
    got = None
    if status == 0:
        printed = json.loads(out)
        assert printed["Version"] == 1 and err == ""
        got = {
            "accessKeyId": printed["AccessKeyId"],
            "secretAccessKey": printed["SecretAccessKey"],
            "sessionToken": printed["SessionToken"],
            "accountId": printed["AccountId"],
            "expiresAt": printed["Expiration"],
        }
    else:
        assert out == ""
        assert HINT in err and err.count("\n") == 1
        for content in case["cacheContents"].values():  # nothing secret in the message
            for secret in (content.get("refreshToken"), content.get("dpopKey"),
                           (content.get("accessToken") or {}).get("secretAccessKey")):
                assert not secret or secret not in err
    _check_outcomes(case, cache_dir, mock, before, got)


@pytest.mark.parametrize("case_env", CASE_PARAMS, indirect=True)
def test_botocore_agrees(case_env: tuple[dict[str, Any], Path, MockTokenEndpoint],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.credentials
    import botocore.session

    case, cache_dir, mock = case_env
    before = _files(cache_dir)
    monkeypatch.setattr(botocore.credentials, "_local_now", lambda: FROZEN)
    got = None
    try:
        credentials = botocore.session.Session(profile=PROFILE).get_credentials()
        frozen = credentials.get_frozen_credentials()
    except Exception:  # any failure is the "error" outcome
        pass
    else:
        assert credentials.method == "login"
        got = {
            "accessKeyId": frozen.access_key,
            "secretAccessKey": frozen.secret_key,
            "sessionToken": frozen.token,
            "accountId": frozen.account_id,
            "expiresAt": credentials._expiry_time.astimezone(dt.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    _check_outcomes(case, cache_dir, mock, before, got)


def test_mock_endpoint_catches_a_proof_from_another_key() -> None:
    """The DPoP check above can fail: a proof signed with a different key is reported."""
    from aws_login_bridge.signin.dpop import DpopKey

    cached, other = DpopKey.generate(), DpopKey.generate()
    url = "http://127.0.0.1:1/v1/token"
    mock = MockTokenEndpoint(calls=[], dpop_pem=cached.to_pem(), url="http://127.0.0.1:1")
    mock.check_dpop(cached.proof(url), url)
    assert mock.problems == []
    mock.check_dpop(other.proof(url), url)
    mock.check_dpop(cached.proof(url + "x"), url)
    mock.check_dpop(None, url)
    assert mock.problems == ["DPoP jwk is not the cached key",
                             "DPoP signature does not verify with the cached key",
                             "DPoP htm/htu wrong: POST " + url + "x", "no DPoP header"]

"""The login-cache reader's rules, from the project's own data (tests/data/login_cache_cases.json).

Each case runs with the clock frozen, its config and cache in a temp folder, and the token
endpoint played by a small HTTP server here that checks each request (body, DPoP proof
signed with the cached key) and answers as the case says. The cases run through
``credential-process`` and through ``status`` (the helper and Jupyter ask the same engine);
the cases that restate the SDKs' shared rules also run through real botocore, to show both
readers agree.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import change_fields
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from aws_login_bridge.store.cache import cache_key, parse_time

DATA: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "login_cache_cases.json").read_text(encoding="utf-8")
)
CASES: list[dict[str, Any]] = DATA["cases"]
FROZEN = parse_time(DATA["clock"])
SESSION: str = DATA["loginSession"]
REFRESHED: dict[str, Any] = DATA["refreshed"]
PROFILE = "reader"
HINT = f"aws-login-bridge login --remote --profile {PROFILE}"
CACHE_NAME = f"{cache_key(SESSION)}.json"
ERROR_SHAPES = {400: "ValidationException", 401: "AccessDeniedException",
                403: "AccessDeniedException", 429: "TooManyRequestsError"}


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _int(text: str) -> int:
    return int.from_bytes(_b64url_decode(text), "big")


def generated_key(form: str) -> str:
    curve: ec.EllipticCurve = ec.SECP384R1() if form.startswith("p384") else ec.SECP256R1()
    key = ec.generate_private_key(curve)
    fmt = (serialization.PrivateFormat.PKCS8 if form == "pkcs8"
           else serialization.PrivateFormat.TraditionalOpenSSL)
    return key.private_bytes(serialization.Encoding.PEM, fmt,
                             serialization.NoEncryption()).decode("ascii")


def build_cache(case: dict[str, Any]) -> dict[str, Any] | None:
    """The case's cache file as JSON (None: no file), keys generated, changes applied."""
    if case.get("cache") is None:
        return None
    token = change_fields(copy.deepcopy(DATA["templates"][case["cache"]]),
                          case.get("change", {}))
    if isinstance(token.get("dpopKey"), str) and token["dpopKey"].startswith("generated:"):
        token["dpopKey"] = generated_key(token["dpopKey"].removeprefix("generated:"))
    return token


@dataclass
class MockTokenEndpoint:
    """Answers ``POST /v1/token`` as the case says, checking what it was sent."""

    calls: list[dict[str, Any]]
    # Kept out of repr: a failing assertion prints the objects, and the cache holds keys.
    cache: dict[str, Any] | None = field(repr=False)
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
        assert self.cache is not None
        cached = serialization.load_pem_private_key(
            self.cache["dpopKey"].strip().encode() + b"\n", password=None
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

    def answer(self, path: str, body: bytes, proof: str | None
               ) -> tuple[int, dict[str, str], dict[str, Any]]:
        index, self.received = self.received, self.received + 1
        if index >= len(self.calls):
            self.problems.append(f"unexpected token call #{index + 1}")
            return 500, {}, {"message": "no answer planned for this call"}
        call = self.calls[index]
        if path != "/v1/token":
            self.problems.append(f"token call went to {path}")
        try:
            sent = json.loads(body)
        except ValueError:
            sent = None
        assert self.cache is not None
        want = {"clientId": self.cache["clientId"], "grantType": "refresh_token",
                "refreshToken": self.cache["refreshToken"]}
        if sent != want:
            self.problems.append(f"request body {sent!r} != {want!r}")
        self.check_dpop(proof, self.url + "/v1/token")
        if call.get("answer") == "refreshed":
            return 200, {}, {
                "accessToken": {k: REFRESHED[k] for k in
                                ("accessKeyId", "secretAccessKey", "sessionToken")},
                "refreshToken": REFRESHED["refreshToken"],
                "expiresIn": REFRESHED["expiresIn"],
                "tokenType": "aws_sigv4",
            }
        status = int(call["status"])
        shape = ERROR_SHAPES.get(status, "InternalServerException")
        code = call.get("error") or ("server_error" if status >= 500 else "INVALID_REQUEST")
        return status, {"x-amzn-ErrorType": shape}, {"error": code, "message": "refused"}


@dataclass
class CaseRun:
    case: dict[str, Any] = field(repr=False)
    cache: dict[str, Any] | None = field(repr=False)
    cache_dir: Path
    mock: MockTokenEndpoint

    def files(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.cache_dir.iterdir())}


@pytest.fixture
def case_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
             ) -> Iterator[CaseRun]:
    import os

    case: dict[str, Any] = request.param
    cache_dir = tmp_path / "aws" / "login" / "cache"
    cache_dir.mkdir(parents=True, mode=0o700)
    (tmp_path / "aws").chmod(0o700)
    (tmp_path / "aws" / "config").write_text(
        f"[profile {PROFILE}]\nlogin_session = {SESSION}\n")
    cache = build_cache(case)
    if "cacheText" in case:
        (cache_dir / CACHE_NAME).write_text(case["cacheText"])
    elif cache is not None:
        (cache_dir / CACHE_NAME).write_text(json.dumps(cache))
    mock = MockTokenEndpoint(calls=case.get("calls", []), cache=cache)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, headers, answer = mock.answer(self.path, body, self.headers.get("DPoP"))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
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
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws" / "credentials"))
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIRECTORY", str(cache_dir))
    monkeypatch.setenv("AWS_ENDPOINT_URL_SIGNIN", mock.url)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    # botocore will not build the signin client without a region, even with an endpoint URL.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    try:
        yield CaseRun(case, cache, cache_dir, mock)
    finally:
        server.shutdown()
        server.server_close()


def expected_credentials(run: CaseRun) -> dict[str, str]:
    expect = run.case["expect"]
    assert run.cache is not None
    if expect["from"] == "refresh":
        access = {k: REFRESHED[k] for k in ("accessKeyId", "secretAccessKey", "sessionToken")}
        return {**access, "accountId": run.cache["accessToken"]["accountId"],
                "expiresAt": REFRESHED["expiresAt"]}
    access = run.cache["accessToken"]
    return {"accessKeyId": access["accessKeyId"], "secretAccessKey": access["secretAccessKey"],
            "sessionToken": access["sessionToken"], "accountId": access["accountId"],
            "expiresAt": expect.get("expiration", access["expiresAt"])}


def check_files(run: CaseRun, before: dict[str, bytes], failed: bool) -> None:
    expect = run.case["expect"]
    if failed or expect.get("cache") == "unchanged":
        assert run.files() == before  # byte for byte, and nothing added (no lock, no temp)
        return
    assert run.cache is not None
    rewritten = copy.deepcopy(run.cache)
    rewritten["accessToken"].update(expected_credentials(run))
    rewritten["refreshToken"] = REFRESHED["refreshToken"]
    assert set(run.files()) == {CACHE_NAME}
    assert json.loads(run.files()[CACHE_NAME]) == rewritten


def check_calls(run: CaseRun) -> None:
    assert run.mock.problems == []
    assert run.mock.received == len(run.case.get("calls", []))


CASE_PARAMS = [pytest.param(c, id=c["name"]) for c in CASES]
SHARED_PARAMS = [pytest.param(c, id=c["name"]) for c in CASES if c.get("sharedRule")]


def test_the_data_covers_every_kind_of_case() -> None:
    kinds = {(c["expect"]["result"], bool(c["calls"]), c["expect"].get("warning", False))
             for c in CASES}
    assert kinds == {("credentials", False, False), ("credentials", True, False),
                     ("credentials", True, True), ("error", False, False),
                     ("error", True, False)}
    assert len(SHARED_PARAMS) == 8


@pytest.mark.parametrize("case_run", CASE_PARAMS, indirect=True)
def test_credential_process(case_run: CaseRun, capsys: pytest.CaptureFixture[str]) -> None:
    from aws_login_bridge.bridge import credential_process

    run, expect = case_run, case_run.case["expect"]
    before = run.files()
    status = credential_process(PROFILE, now=lambda: FROZEN)
    out, err = capsys.readouterr()
    check_calls(run)
    if expect["result"] == "credentials":
        assert status == 0, err
        printed = json.loads(out)
        assert printed["Version"] == 1
        want = expected_credentials(run)
        assert printed == {"Version": 1, "AccessKeyId": want["accessKeyId"],
                           "SecretAccessKey": want["secretAccessKey"],
                           "SessionToken": want["sessionToken"],
                           "AccountId": want["accountId"],
                           "Expiration": want["expiresAt"]}
        if expect.get("warning"):
            assert err.startswith("aws-login-bridge credential-process: warning: ")
            assert err.count("\n") == 1 and "used until they expire at" in err
        else:
            assert err == ""
    else:
        assert status == 1 and out == ""
        assert HINT in err and err.count("\n") == 1, err
        assert expect.get("says", "") in err
        for secret in secrets_of(run.cache):
            assert secret not in err
    check_files(run, before, failed=status != 0)


@pytest.mark.parametrize("case_run", CASE_PARAMS, indirect=True)
def test_status(case_run: CaseRun) -> None:
    """``status`` (and so the helper's awsLogin/status) meets the same rules: a damaged
    cache or a failed renewal is a problem that says what to do, a passing failure with
    credentials still valid is a warning, and a renewal it makes is written back."""
    from aws_login_bridge.diagnose import profile_status

    run, expect = case_run, case_run.case["expect"]
    before = run.files()
    status = profile_status(PROFILE, now=FROZEN)
    check_calls(run)
    problems = {p.kind: p.message for p in status.problems}
    engine = {k: v for k, v in problems.items() if k in ("CacheMissing", "RefreshFailed")}
    if expect["result"] == "credentials":
        if expect.get("warning"):
            assert list(engine) == ["RefreshFailed"]
            assert "used until they expire at" in engine["RefreshFailed"]
        else:
            assert engine == {}
        assert status.expiresAt is not None
        shown = parse_time(status.expiresAt).replace(microsecond=0)  # as the file says it
        assert shown == parse_time(expected_credentials(run)["expiresAt"])
    else:
        assert len(engine) == 1, problems
        (message,) = engine.values()
        assert HINT in message and expect.get("says", "") in message
    check_files(run, before, failed=expect["result"] == "error")


@pytest.mark.parametrize("case_run", SHARED_PARAMS, indirect=True)
def test_botocore_agrees_on_the_shared_rules(case_run: CaseRun,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.credentials
    import botocore.session

    run, expect = case_run, case_run.case["expect"]
    before = run.files()
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
            "accessKeyId": frozen.access_key, "secretAccessKey": frozen.secret_key,
            "sessionToken": frozen.token, "accountId": frozen.account_id,
            "expiresAt": credentials._expiry_time.astimezone(dt.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    check_calls(run)
    if expect["result"] == "credentials":
        assert got == expected_credentials(run)
    else:
        assert got is None
    check_files(run, before, failed=got is None)


def secrets_of(cache: dict[str, Any] | None) -> list[str]:
    if cache is None:
        return []
    access = cache.get("accessToken") or {}
    return [s for s in (cache.get("refreshToken"), cache.get("dpopKey"),
                        access.get("secretAccessKey"), access.get("sessionToken"))
            if isinstance(s, str) and len(s) > 8]


def test_mock_endpoint_catches_a_proof_from_another_key() -> None:
    """The DPoP check above can fail: a proof signed with a different key is reported."""
    from aws_login_bridge.signin.dpop import DpopKey

    cached, other = DpopKey.generate(), DpopKey.generate()
    url = "http://127.0.0.1:1/v1/token"
    mock = MockTokenEndpoint(calls=[], cache={"dpopKey": cached.to_pem()},
                             url="http://127.0.0.1:1")
    mock.check_dpop(cached.proof(url), url)
    assert mock.problems == []
    mock.check_dpop(other.proof(url), url)
    mock.check_dpop(cached.proof(url + "x"), url)
    mock.check_dpop(None, url)
    assert mock.problems == ["DPoP jwk is not the cached key",
                             "DPoP signature does not verify with the cached key",
                             "DPoP htm/htu wrong: POST " + url + "x", "no DPoP header"]

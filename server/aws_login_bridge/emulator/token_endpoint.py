"""``POST /v1/token`` — Sign-In's CreateOAuth2Token, checked as strictly as we can.

Order of checks: request shape → DPoP proof → jti freshness → the grant itself. Nothing
changes state until every check has passed, so a rejected request never burns a code or
rotates a refresh token. The grant step runs under the store lock so that concurrent
refreshes of one token get exactly one rotation and identical answers.
"""

from __future__ import annotations

import copy
import json
import re
import time
from typing import Any

from . import mint
from .context import CLIENT_IDS, TOKEN_PATH, Context
from .dpop import DPoPError, verify_proof
from .errors import (
    DEFAULT_SIGNIN_CODE_FOR_STATUS,
    SigninError,
    authcode_expired,
    invalid_request,
    signin_json_object,
    token_expired,
)
from .faults import Fault, FaultFormat, early_answer
from .jose import compact_es256
from .pkce import verifier_is_well_formed, verifier_matches
from .store import IssuedCredentials, RefreshToken, Session
from .wire import Request, Response

AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
_GRANT_FIELDS = {
    AUTHORIZATION_CODE: ("clientId", "grantType", "code", "codeVerifier", "redirectUri"),
    REFRESH_TOKEN: ("clientId", "grantType", "refreshToken"),
}
# Length limits from the service model (CreateOAuth2TokenRequestBody's member shapes).
_MAX_LEN = {"code": 512, "redirectUri": 2048, "refreshToken": 12288, "codeVerifier": 128}
_GRANT_RE = re.compile(r'"grantType"\s*:\s*"(authorization_code|refresh_token)"')


def sniff_grant(body: bytes) -> str | None:
    """The grant type, if the body says; used for stats and fault targeting only."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        m = _GRANT_RE.search(body.decode("utf-8", "replace"))
        return m.group(1) if m else None
    grant = data.get("grantType") if isinstance(data, dict) else None
    return grant if grant in _GRANT_FIELDS else None


def error_response(err: SigninError) -> Response:
    headers = [("x-amzn-ErrorType", err.shape)]
    if err.retry_after is not None:
        headers.append(("Retry-After", f"{err.retry_after:g}"))
    return Response.json(err.status, {"error": err.code, "message": err.message}, headers)


def _parse_body(req: Request) -> dict[str, str]:
    if req.query:
        raise invalid_request("this emulator only implements CreateOAuth2Token at /v1/token")
    data = signin_json_object(req)
    client_id = data.get("clientId")
    if client_id not in CLIENT_IDS:
        raise invalid_request(f"clientId must be one of {', '.join(CLIENT_IDS)}")
    grant = data.get("grantType")
    if grant not in _GRANT_FIELDS:
        raise invalid_request("grantType must be authorization_code or refresh_token")
    allowed = _GRANT_FIELDS[grant]
    extra = sorted(set(data) - set(allowed))
    if extra:
        raise invalid_request(f"unexpected fields for grantType {grant}: {', '.join(extra)}")
    for name in allowed:
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise invalid_request(f"{name} is required and must be a non-empty string")
        if len(value) > _MAX_LEN.get(name, 2048):
            raise invalid_request(f"{name} is too long")
    if grant == AUTHORIZATION_CODE and not verifier_is_well_formed(data["codeVerifier"]):
        raise invalid_request(
            "codeVerifier must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~"
        )
    return data


def _mint_credentials(ctx: Context, session_id: str, session: Session,
                      now: float) -> dict[str, str]:
    akid = mint.access_key_id()
    secret = mint.secret_access_key()
    token = mint.session_token()
    ctx.store.credentials[akid] = IssuedCredentials(
        secret_access_key=secret,
        session_token=token,
        expires_at=now + ctx.access_ttl,
        identity=session.identity,
        session_id=session_id,
    )
    return {"accessKeyId": akid, "secretAccessKey": secret, "sessionToken": token}


def _id_token(ctx: Context, client_id: str, now: float, *, with_sub: bool = True,
              sub_suffix: str = "") -> str:
    arn = ctx.identity.arn
    payload: dict[str, Any] = {
        "iss": ctx.issuer(),
        "aud": client_id,
        "iat": int(now),
        "exp": int(now) + ctx.access_ttl,
        "session_arn": arn,
    }
    if with_sub:
        payload = {"sub": arn + sub_suffix, **payload}
    header = {"alg": "ES256", "typ": "JWT", "kid": ctx.id_token_kid}
    return compact_es256(ctx.id_token_key, header, payload)


def _exchange_code(ctx: Context, data: dict[str, str], jkt: str, now: float) -> dict[str, Any]:
    store = ctx.store
    with store.lock:
        record = store.codes.get(data["code"])
        if record is None:
            # Unknown codes look like expired ones: the emulator may have restarted, and
            # either way the person has to sign in again.
            raise authcode_expired("the authorization code is not valid or has expired")
        if record.used:
            raise authcode_expired("the authorization code was already used")
        if now >= record.expires_at:
            raise authcode_expired("the authorization code has expired")
        if record.client_id != data["clientId"]:
            raise invalid_request("clientId does not match the authorization request")
        if record.redirect_uri != data["redirectUri"]:
            raise invalid_request("redirectUri does not match the authorization request")
        if not verifier_matches(data["codeVerifier"], record.code_challenge):
            raise invalid_request("codeVerifier does not match the code_challenge")
        record.used = True
        session_id = mint.opaque_id()
        session = Session(
            identity=ctx.identity,
            client_id=record.client_id,
            started_at=record.signed_in_at,
            ends_at=record.signed_in_at + ctx.session_ttl,
        )
        store.sessions[session_id] = session
        refresh = mint.refresh_token()
        store.refresh_tokens[refresh] = RefreshToken(
            session_id=session_id, client_id=record.client_id, jkt=jkt
        )
        return {
            "accessToken": _mint_credentials(ctx, session_id, session, now),
            "tokenType": "aws_sigv4",
            "expiresIn": ctx.access_ttl,
            "refreshToken": refresh,
            "idToken": _id_token(ctx, record.client_id, now),
        }


def _refresh(ctx: Context, data: dict[str, str], jkt: str,
             now: float) -> tuple[dict[str, Any], bool]:
    """Returns (answer, was_replay)."""
    store = ctx.store
    with store.lock:
        record = store.refresh_tokens.get(data["refreshToken"])
        if record is None:
            raise token_expired("the refresh token is not valid or has expired; sign in again")
        if record.client_id != data["clientId"]:
            raise invalid_request("clientId does not match the one the token was issued to")
        if record.jkt != jkt:
            raise invalid_request(
                "the DPoP proof's key is not the key this refresh token is bound to"
            )
        session = store.sessions[record.session_id]
        if session.is_over(now):
            raise token_expired("the sign-in session has ended; sign in again")
        if record.answer is not None:
            # Refresh is idempotent within the validity window (the model says so): the
            # same request gets the same answer, until the token it handed out has been
            # redeemed in turn. From then on this one is spent, as a rotated token is.
            successor = store.refresh_tokens.get(record.answer["refreshToken"])
            if successor is None or successor.answer is not None:
                raise token_expired("the refresh token was already used; sign in again")
            return copy.deepcopy(record.answer), True
        refresh = mint.refresh_token()
        store.refresh_tokens[refresh] = RefreshToken(
            session_id=record.session_id, client_id=record.client_id, jkt=jkt
        )
        answer = {
            "accessToken": _mint_credentials(ctx, record.session_id, session, now),
            "tokenType": "aws_sigv4",
            "expiresIn": ctx.access_ttl,
            "refreshToken": refresh,
        }
        record.answer = copy.deepcopy(answer)
        return answer, False


def _deform(ctx: Context, fault: Fault, answer: dict[str, Any], client_id: str,
            now: float) -> dict[str, Any]:
    mode = fault.resolved_mode
    answer = copy.deepcopy(answer)
    if mode == "missing-fields":
        answer.pop("refreshToken", None)
    elif mode == "bad-idtoken":
        answer["idToken"] = "this-is-not-a-jwt"
    elif mode == "idtoken-no-sub":
        answer["idToken"] = _id_token(ctx, client_id, now, with_sub=False)
    elif mode == "idtoken-sub-newline":
        answer["idToken"] = _id_token(ctx, client_id, now, sub_suffix="\n")
    return answer


def _injected(status: int, code: str | None, retry_after: int | None) -> Response:
    return error_response(SigninError(status, code or DEFAULT_SIGNIN_CODE_FOR_STATUS[status],
                                      "injected fault", retry_after))


_FAULT_FORMAT = FaultFormat(b'{"accessToken": {"accessKeyId": <html>oops',
                            "application/json", _injected)


def _early_fault(ctx: Context, grant: str | None) -> tuple[Response | None, float]:
    """``ctx.early_fault`` for the token endpoint, which alone knows "stall": the request
    waits here, before anything is looked at, and is then handled as usual."""
    fault = ctx.faults.take("token", grant, response_mode=False)
    if fault is None:
        return None, 0.0
    ctx.stats.bump("faults_served")
    if fault.resolved_mode == "stall":
        time.sleep(fault.delay)  # this request's own server thread; the others go on
        return None, 0.0
    return early_answer(fault, _FAULT_FORMAT), fault.delay


def handle(ctx: Context, req: Request) -> Response:
    grant = sniff_grant(req.body)
    ctx.stats.bump(f"token.{grant or 'invalid'}")

    early, delay = _early_fault(ctx, grant)
    if early is not None:
        return early
    # None with a "delay" fault: the normal answer, late.

    try:
        data = _parse_body(req)
        now = ctx.now()
        htus = [base + TOKEN_PATH for base in ctx.bases(req.host)]
        try:
            proof = verify_proof(req.header_all("DPoP"), method="POST",
                                 accepted_htus=htus, now=now)
        except DPoPError as e:
            raise invalid_request(str(e)) from e
        if not ctx.jtis.claim(proof.jti, now):
            raise invalid_request("DPoP proof was already used (jti replay)")
        if data["grantType"] == AUTHORIZATION_CODE:
            answer = _exchange_code(ctx, data, proof.jkt, now)
        else:
            answer, replay = _refresh(ctx, data, proof.jkt, now)
            if replay:
                ctx.stats.bump("refresh_replays")
    except SigninError as err:
        ctx.stats.bump(f"token_error.{err.code}")
        resp = error_response(err)
        resp.delay = delay
        return resp

    ctx.stats.bump(f"token_ok.{data['grantType']}")
    late = ctx.faults.take("token", grant, response_mode=True)
    if late is not None:
        ctx.stats.bump("faults_served")
        delay += late.delay
        answer = _deform(ctx, late, answer, data["clientId"], now)
    resp = Response.json(200, answer)
    resp.delay = delay
    return resp


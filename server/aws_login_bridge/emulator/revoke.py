"""``POST /v1/revoke?x-amz-client-auth-method=iam`` — Sign-In's RevokeOAuth2TokenWithIAM.

RFC 7009 over SigV4: the request is signed with credentials this emulator issued, and it
revokes the refresh token's whole chain (the login session), after which no token of that
session refreshes. As the service documents, an unknown, expired, already revoked or
otherwise invalid token still gets 200 with an empty body; a token of another session than
the signer's counts as invalid (nothing is revoked), so one session's keys cannot end
another's.
"""

from __future__ import annotations

from . import sigv4
from .context import Context
from .errors import (
    DEFAULT_SIGNIN_CODE_FOR_STATUS,
    SigninError,
    StsError,
    invalid_request,
    signin_json_object,
)
from .faults import FaultFormat
from .store import IssuedCredentials
from .token_endpoint import error_response
from .wire import Request, Response

REVOKE_PATH = "/v1/revoke"
QUERY = "x-amz-client-auth-method=iam"
_MAX_TOKEN = 12288  # RevocationToken's max length in the service model

# A rest-json service names a failed SigV4 check by these shapes, not STS's query codes.
_AUTH_SHAPES = {
    "SignatureDoesNotMatch": "InvalidSignatureException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "ExpiredToken": "ExpiredTokenException",
    "IncompleteSignature": "IncompleteSignatureException",
}


def _auth_error(err: StsError) -> Response:
    return Response.json(err.status, {"message": err.message},
                         [("x-amzn-ErrorType", _AUTH_SHAPES.get(err.code, err.code))])


def _token(req: Request) -> str:
    data = signin_json_object(req)
    if set(data) != {"token"}:
        raise invalid_request("the request body must be a JSON object with only token")
    token = data["token"]
    if not isinstance(token, str) or not 1 <= len(token) <= _MAX_TOKEN:
        raise invalid_request("token must be a string of 1 to 12288 characters")
    return token


def _revoke(ctx: Context, token: str, signer: IssuedCredentials) -> bool:
    """True when a live chain was revoked by this request."""
    store = ctx.store
    with store.lock:
        record = store.refresh_tokens.get(token)
        if record is None or record.session_id != signer.session_id:
            return False
        session = store.sessions[record.session_id]
        if session.revoked:
            return False
        session.revoked = True
        return True


def _injected(status: int, code: str | None, retry_after: int | None) -> Response:
    return error_response(SigninError(status, code or DEFAULT_SIGNIN_CODE_FOR_STATUS[status],
                                      "injected fault", retry_after))


_FAULT_FORMAT = FaultFormat(b"{<html>oops", "application/json", _injected)


def handle(ctx: Context, req: Request) -> Response:
    ctx.stats.bump("revoke")
    early, delay = ctx.early_fault("revoke", None, _FAULT_FORMAT)
    if early is not None:
        return early
    try:
        if req.query != QUERY:
            raise invalid_request(f"RevokeOAuth2TokenWithIAM is POST {REVOKE_PATH}?{QUERY}")

        try:
            signer = sigv4.verify(req, service="signin", lookup=ctx.store.issued, now=ctx.now())
        except StsError as err:
            ctx.stats.bump(f"revoke_error.{err.code}")
            resp = _auth_error(err)
            resp.delay = delay
            return resp
        token = _token(req)
    except SigninError as err:
        ctx.stats.bump(f"revoke_error.{err.code}")
        resp = error_response(err)
        resp.delay = delay
        return resp
    ctx.stats.bump("revoke_ok" if _revoke(ctx, token, signer) else "revoke_ignored")
    resp = Response.json(200, {})
    resp.delay = delay
    return resp

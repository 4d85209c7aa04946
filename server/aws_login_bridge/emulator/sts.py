"""STS ``GetCallerIdentity`` at ``POST /``, in the AWS query protocol.

botocore 1.44's and the JS SDK v3's STS clients both speak the query protocol
(form-encoded ``Action=GetCallerIdentity&Version=2011-06-15``, XML answers), so that is
what is implemented. Every request is SigV4-verified against the credentials this
emulator issued; errors use the query protocol's ``ErrorResponse`` document so that
botocore raises ``ClientError`` with the real error codes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from . import sigv4
from .context import Context
from .errors import STS_DEFAULT_CODE_FOR_STATUS, StsError
from .faults import FaultFormat
from .store import IssuedCredentials
from .wire import Request, Response

XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"
VERSION = "2011-06-15"


def error_response(err: StsError) -> Response:
    request_id = str(uuid.uuid4())
    document = (
        f'<ErrorResponse xmlns="{XMLNS}">\n'
        f"  <Error>\n    <Type>{err.fault_type}</Type>\n"
        f"    <Code>{escape(err.code)}</Code>\n"
        f"    <Message>{escape(err.message)}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    )
    resp = Response.xml(err.status, document, request_id)
    if err.retry_after is not None:
        resp.headers.append(("Retry-After", f"{err.retry_after:g}"))
    return resp


def _caller_identity(creds: IssuedCredentials) -> Response:
    request_id = str(uuid.uuid4())
    ident = creds.identity
    document = (
        f'<GetCallerIdentityResponse xmlns="{XMLNS}">\n'
        "  <GetCallerIdentityResult>\n"
        f"    <Arn>{escape(ident.arn)}</Arn>\n"
        f"    <UserId>{escape(ident.user_id)}</UserId>\n"
        f"    <Account>{escape(ident.account_id)}</Account>\n"
        "  </GetCallerIdentityResult>\n"
        f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
        "  </ResponseMetadata>\n</GetCallerIdentityResponse>\n"
    )
    return Response.xml(200, document, request_id)


def _params(req: Request) -> dict[str, list[str]]:
    if req.method == "GET":
        return req.query_params()
    if req.content_type() != "application/x-www-form-urlencoded":
        raise StsError(400, "InvalidAction",
                       "This emulator speaks the STS query protocol: POST a form-encoded "
                       "Action=GetCallerIdentity&Version=2011-06-15")
    try:
        return parse_qs(req.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError as e:
        raise StsError(400, "MalformedQueryString", "The body is not UTF-8") from e


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values and len(values) == 1 else None


def _lookup(ctx: Context) -> Callable[[str], IssuedCredentials | None]:
    def lookup(access_key_id: str) -> IssuedCredentials | None:
        with ctx.store.lock:
            return ctx.store.credentials.get(access_key_id)

    return lookup


def _injected(status: int, code: str | None, retry_after: int | None) -> Response:
    return error_response(StsError(status, code or STS_DEFAULT_CODE_FOR_STATUS[status],
                                   "injected fault", retry_after))


_FAULT_FORMAT = FaultFormat(b"<GetCallerIdentityResponse><oops", "text/xml", _injected)


def handle(ctx: Context, req: Request) -> Response:
    ctx.stats.bump("sts")
    early, delay = ctx.early_fault("sts", None, _FAULT_FORMAT)
    if early is not None:
        return early

    try:
        params = _params(req)
        action = _single(params, "Action")
        if action != "GetCallerIdentity":
            raise StsError(400, "InvalidAction",
                           "This emulator implements only GetCallerIdentity")
        if _single(params, "Version") != VERSION:
            raise StsError(400, "InvalidAction",
                           f"Could not find operation {action} for the given Version; "
                           f"use {VERSION}")
        creds = sigv4.verify(req, service="sts", lookup=_lookup(ctx), now=ctx.now())
    except StsError as err:
        ctx.stats.bump(f"sts_error.{err.code}")
        resp = error_response(err)
        resp.delay = delay
        return resp
    ctx.stats.bump("sts_ok")
    resp = _caller_identity(creds)
    resp.delay = delay
    return resp

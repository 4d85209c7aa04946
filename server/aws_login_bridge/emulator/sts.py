"""STS ``GetCallerIdentity`` and ``AssumeRole`` at ``POST /``, in the AWS query protocol.

botocore 1.44's and the JS SDK v3's STS clients both speak the query protocol
(form-encoded ``Action=GetCallerIdentity&Version=2011-06-15``, XML answers), so that is
what is implemented. Every request is SigV4-verified against the credentials this
emulator issued; errors use the query protocol's ``ErrorResponse`` document so that
botocore raises ``ClientError`` with the real error codes.
"""

from __future__ import annotations

import re
import time
import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from . import mint, sigv4
from .context import Context
from .errors import STS_DEFAULT_CODE_FOR_STATUS, StsError
from .faults import FaultFormat
from .identity import Identity
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


# AssumeRole's rules (the STS API reference): a role ARN, a session name of 2-64 characters
# of [\w+=,.@-], 900 s to 12 h, an ExternalId of 2-1224 characters of [\w+=,.@:/-].
_ROLE_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>\d{12}):role/"
    r"(?:[\w+=,.@-]+/)*(?P<role>[\w+=,.@-]{1,64})$")
_SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
_EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
DEFAULT_DURATION = 3600
MIN_DURATION, MAX_DURATION = 900, 43200


def _validation(message: str) -> StsError:
    return StsError(400, "ValidationError", message)


def _assume_role(ctx: Context, params: dict[str, list[str]],
                 caller: IssuedCredentials) -> Response:
    role_arn = _single(params, "RoleArn") or ""
    name = _single(params, "RoleSessionName") or ""
    role = _ROLE_ARN_RE.fullmatch(role_arn)
    if role is None:
        raise _validation(f"{role_arn!r} is not a valid role ARN")
    if not _SESSION_NAME_RE.fullmatch(name):
        raise _validation("1 validation error detected: Value at 'roleSessionName' failed "
                          "to satisfy constraint: Member must satisfy regular expression "
                          "pattern: [\\w+=,.@-]* and length 2-64")
    duration_text = _single(params, "DurationSeconds")
    try:
        duration = int(duration_text) if duration_text is not None else DEFAULT_DURATION
    except ValueError:
        raise _validation("DurationSeconds must be a whole number") from None
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise _validation(f"1 validation error detected: Value '{duration}' at "
                          "'durationSeconds' failed to satisfy constraint: Member must have "
                          f"value between {MIN_DURATION} and {MAX_DURATION}")
    external_id = _single(params, "ExternalId")
    if external_id is not None and not _EXTERNAL_ID_RE.fullmatch(external_id):
        raise _validation("ExternalId must be 2-1224 characters of [\\w+=,.@:/-]")
    if _single(params, "SerialNumber") is not None:
        raise StsError(403, "AccessDenied", "This emulator's roles do not ask for MFA")
    with ctx.store.lock:
        demanded = ctx.store.external_ids.get(role_arn)
    if demanded is not None and external_id != demanded:
        raise StsError(403, "AccessDenied",
                       f"User: {caller.identity.arn} is not authorized to perform: "
                       f"sts:AssumeRole on resource: {role_arn}")
    now = ctx.now()
    partition, account = role.group("partition"), role.group("account")
    identity = Identity(account_id=account, arn=f"arn:{partition}:sts::{account}:assumed-role/"
                                                f"{role.group('role')}/{name}")
    akid, secret, token = mint.access_key_id(), mint.secret_access_key(), mint.session_token()
    with ctx.store.lock:
        ctx.store.credentials[akid] = IssuedCredentials(
            secret_access_key=secret, session_token=token, expires_at=now + duration,
            identity=identity, session_id=caller.session_id)
    expiration = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + duration))
    request_id = str(uuid.uuid4())
    document = (
        f'<AssumeRoleResponse xmlns="{XMLNS}">\n'
        "  <AssumeRoleResult>\n"
        "    <Credentials>\n"
        f"      <AccessKeyId>{akid}</AccessKeyId>\n"
        f"      <SecretAccessKey>{escape(secret)}</SecretAccessKey>\n"
        f"      <SessionToken>{escape(token)}</SessionToken>\n"
        f"      <Expiration>{expiration}</Expiration>\n"
        "    </Credentials>\n"
        "    <AssumedRoleUser>\n"
        f"      <AssumedRoleId>{escape(identity.user_id)}</AssumedRoleId>\n"
        f"      <Arn>{escape(identity.arn)}</Arn>\n"
        "    </AssumedRoleUser>\n"
        "  </AssumeRoleResult>\n"
        f"  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
        "  </ResponseMetadata>\n</AssumeRoleResponse>\n"
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
        if action not in ("GetCallerIdentity", "AssumeRole"):
            raise StsError(400, "InvalidAction",
                           "This emulator implements only GetCallerIdentity and AssumeRole")
        if _single(params, "Version") != VERSION:
            raise StsError(400, "InvalidAction",
                           f"Could not find operation {action} for the given Version; "
                           f"use {VERSION}")
        creds = sigv4.verify(req, service="sts", lookup=ctx.store.issued, now=ctx.now())
        if action == "AssumeRole":
            # The region the caller signed for (its credential scope): what a profile's
            # `region` decides, counted so tests can see it honoured.
            scope = sigv4.parse_authorization(req.header("Authorization")).region
            ctx.stats.bump("assume_role", f"assume_role_region.{scope}")
            resp = _assume_role(ctx, params, creds)
            ctx.stats.bump("assume_role_ok")
        else:
            resp = _caller_identity(creds)
    except StsError as err:
        ctx.stats.bump(f"sts_error.{err.code}")
        resp = error_response(err)
        resp.delay = delay
        return resp
    ctx.stats.bump("sts_ok")
    resp.delay = delay
    return resp

"""Verifying AWS Signature Version 4 on requests signed with emulator-issued credentials.

The signature is recomputed with botocore's own ``SigV4Auth`` over a reconstruction of
the received request — same method, URL, body, the headers the client says it signed and
its ``X-Amz-Date`` — so that "the emulator accepts it" means "AWS's own signer agrees".
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import ReadOnlyCredentials

from .errors import StsError
from .store import IssuedCredentials
from .wire import Request

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60
_AMZ_DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")
_SIGNATURE_RE = re.compile(r"^[0-9a-f]{64}$")
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)
_INVALID_TOKEN = "The security token included in the request is invalid."


@dataclass(frozen=True)
class Authorization:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


class _ReceivedRequestSigner(SigV4Auth):
    """SigV4Auth that signs exactly the headers the client listed, and nothing else.

    botocore's default header selection (everything but a deny-list, plus a derived
    host) is right for signing but wrong for verifying: here the client's SignedHeaders
    list is the authority.
    """

    def __init__(self, credentials: ReadOnlyCredentials, service: str, region: str,
                 signed: tuple[str, ...], received: Request) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed
        self._received = received

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        headers = HTTPHeaders()
        for name in self._signed:
            for value in self._received.header_all(name):
                headers[name] = value
        return headers

    def canonical_query_string(self, request: AWSRequest) -> str:
        # Decode then re-encode with SigV4's rules, so clients that percent-encode
        # differently but equivalently verify the same way AWS verifies them.
        pairs = []
        for item in self._received.query.split("&"):
            if item:
                key, _, value = item.partition("=")
                pairs.append((unquote(key), unquote(value)))
        encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
        return "&".join(f"{k}={v}" for k, v in encoded)


def parse_authorization(value: str | None) -> Authorization:
    if not value:
        raise StsError(403, "MissingAuthenticationToken",
                       "Request is missing Authentication Token")
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise StsError(400, "IncompleteSignature",
                       f"Unsupported signing algorithm; use {ALGORITHM}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if not sep or key in fields:
            raise StsError(400, "IncompleteSignature", "Malformed Authorization header")
        fields[key] = val
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if k not in fields]
    if missing:
        raise StsError(400, "IncompleteSignature",
                       f"Authorization header requires {', '.join(missing)}")
    scope = fields["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request" or not all(scope):
        raise StsError(400, "IncompleteSignature",
                       "Credential must be AKID/yyyymmdd/region/service/aws4_request")
    signed = tuple(fields["SignedHeaders"].split(";"))
    if any(not h or h != h.lower() for h in signed) or "host" not in signed:
        raise StsError(400, "IncompleteSignature",
                       "SignedHeaders must be lower-case and include host")
    if not _SIGNATURE_RE.fullmatch(fields["Signature"]):
        raise StsError(400, "IncompleteSignature", "Signature must be 64 hex digits")
    return Authorization(scope[0], scope[1], scope[2], scope[3], signed, fields["Signature"])


def verify(
    req: Request,
    *,
    service: str,
    lookup: Callable[[str], IssuedCredentials | None],
    now: float | None = None,
) -> IssuedCredentials:
    """Authenticate ``req``; return the credentials it was signed with or raise StsError."""
    now = time.time() if now is None else now
    auth = parse_authorization(req.header("Authorization"))
    amz_date = req.header("X-Amz-Date") or ""
    if not _AMZ_DATE_RE.fullmatch(amz_date):
        raise StsError(400, "IncompleteSignature", "X-Amz-Date must be yyyymmddThhmmssZ")
    if "x-amz-date" not in auth.signed_headers:
        raise StsError(400, "IncompleteSignature", "X-Amz-Date must be signed")

    creds = lookup(auth.access_key_id)
    if creds is None:
        raise StsError(403, "InvalidClientTokenId", _INVALID_TOKEN)
    presented = req.header("X-Amz-Security-Token") or ""
    if not hmac.compare_digest(presented.encode(), creds.session_token.encode()):
        raise StsError(403, "InvalidClientTokenId", _INVALID_TOKEN)
    if now >= creds.expires_at:
        raise StsError(403, "ExpiredToken",
                       "The security token included in the request is expired")

    if auth.service != service:
        raise StsError(403, "SignatureDoesNotMatch",
                       f"Credential should be scoped to correct service: '{service}'.")
    if auth.date != amz_date[:8]:
        raise StsError(403, "SignatureDoesNotMatch",
                       "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                       "version of date from HTTP")
    signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    if signed_at < now - MAX_SKEW_SECONDS:
        raise StsError(403, "SignatureDoesNotMatch",
                       f"Signature expired: {amz_date} is now earlier than "
                       f"{_fmt(now - MAX_SKEW_SECONDS)} ({_fmt(now)} - 15 min.)")
    if signed_at > now + MAX_SKEW_SECONDS:
        raise StsError(403, "SignatureDoesNotMatch",
                       f"Signature not yet current: {amz_date} is still later than "
                       f"{_fmt(now + MAX_SKEW_SECONDS)} ({_fmt(now)} + 15 min.)")
    for name in auth.signed_headers:
        if not req.header_all(name):
            raise StsError(403, "SignatureDoesNotMatch",
                           f"Signed header {name} is not in the request")
    claimed_hash = req.header("X-Amz-Content-SHA256")
    if claimed_hash is not None and claimed_hash != hashlib.sha256(req.body).hexdigest():
        raise StsError(400, "XAmzContentSHA256Mismatch",
                       "The provided x-amz-content-sha256 header does not match the body")

    expected = _signature(req, auth, creds, amz_date)
    if not hmac.compare_digest(expected, auth.signature):
        raise StsError(403, "SignatureDoesNotMatch", _SIGNATURE_MISMATCH)
    return creds


def _signature(req: Request, auth: Authorization, creds: IssuedCredentials,
               amz_date: str) -> str:
    host = req.host or ""
    url = f"http://{host}{req.path}" + (f"?{req.query}" if req.query else "")
    aws_request = AWSRequest(method=req.method, url=url, data=req.body)
    for name in auth.signed_headers:
        for value in req.header_all(name):
            aws_request.headers[name] = value
    aws_request.context["timestamp"] = amz_date
    signer = _ReceivedRequestSigner(
        ReadOnlyCredentials(auth.access_key_id, creds.secret_access_key, creds.session_token),
        auth.service, auth.region, auth.signed_headers, req,
    )
    canonical = signer.canonical_request(aws_request)
    string_to_sign = signer.string_to_sign(aws_request, canonical)
    return signer.signature(string_to_sign, aws_request)


def _fmt(t: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))

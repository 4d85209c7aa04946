"""The two error vocabularies the emulator answers in.

Sign-In (rest-json): header ``x-amzn-ErrorType: <shape>`` plus JSON
``{"error": CODE, "message": ...}`` — botocore maps the header to the modeled exception
and copies the body's ``error`` member to ``e.response["error"]``, which is what its
LoginProvider (and the JS SDK's ``error.error``) branch on.

STS (query protocol): an XML ``ErrorResponse`` whose ``Code`` botocore puts in
``e.response["Error"]["Code"]``.

Messages here are shown to clients and logged: they never contain codes, tokens, keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .wire import Request

# Sign-In's modeled error codes (OAuth2ErrorCode in the service model), each with the HTTP
# status and modeled exception shape the service answers it with: the model names the
# shape for each code (AccessDeniedException's error member lists its four, the other
# exceptions say "Will be <code>"); the rest are ValidationException's 400.
SIGNIN_CODE_WIRE: dict[str, tuple[int, str]] = {
    "TOKEN_EXPIRED": (401, "AccessDeniedException"),
    "AUTHCODE_EXPIRED": (401, "AccessDeniedException"),
    "USER_CREDENTIALS_CHANGED": (403, "AccessDeniedException"),
    "INSUFFICIENT_PERMISSIONS": (403, "AccessDeniedException"),
    "server_error": (500, "InternalServerException"),
    "INVALID_REQUEST": (400, "ValidationException"),
    "RESOURCE_NOT_FOUND": (404, "ResourceNotFoundException"),
    "CONFLICT": (409, "ConflictException"),
    "SERVICE_QUOTA_EXCEEDED": (402, "ServiceQuotaExceededException"),
    "unsupported_grant_type": (400, "ValidationException"),
    "invalid_request": (400, "ValidationException"),
    "invalid_grant": (400, "InvalidGrantException"),
    "invalid_scope": (400, "InvalidScopeException"),
    "invalid_target": (400, "ValidationException"),
    "invalid_client": (400, "ValidationException"),
    "rate_exceeded": (429, "TooManyRequestsError"),
    "service_unavailable": (503, "ServiceUnavailableException"),
}
OAUTH2_ERROR_CODES = frozenset(SIGNIN_CODE_WIRE)

# HTTP status → the modeled exception shape botocore will raise for it (a code's own shape
# wins when the code is answered with its own status, see SigninError.shape).
SIGNIN_SHAPE_FOR_STATUS = {
    400: "ValidationException",
    401: "AccessDeniedException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    409: "ConflictException",
    429: "TooManyRequestsError",
    500: "InternalServerException",
    502: "InternalServerException",
    503: "InternalServerException",
    504: "InternalServerException",
}

DEFAULT_SIGNIN_CODE_FOR_STATUS = {
    400: "INVALID_REQUEST",
    401: "TOKEN_EXPIRED",
    402: "SERVICE_QUOTA_EXCEEDED",
    403: "INSUFFICIENT_PERMISSIONS",
    404: "RESOURCE_NOT_FOUND",
    409: "CONFLICT",
    429: "rate_exceeded",
    500: "server_error",
    502: "server_error",
    503: "server_error",
    504: "server_error",
}


@dataclass
class ServiceError(Exception):
    """An error answer: HTTP status, the service's code, a client-safe message, and the
    Retry-After seconds to send, if any. Each vocabulary below renders it its own way."""

    status: int
    code: str
    message: str
    retry_after: float | None = None


class SigninError(ServiceError):
    """Sign-In's error; ``shape`` is the modeled exception botocore raises for its status."""

    @property
    def shape(self) -> str:
        status, shape = SIGNIN_CODE_WIRE.get(self.code, (None, ""))
        return shape if status == self.status else SIGNIN_SHAPE_FOR_STATUS[self.status]


def invalid_request(message: str) -> SigninError:
    return SigninError(400, "INVALID_REQUEST", message)


def signin_json_object(req: Request) -> dict[str, Any]:
    """A Sign-In request's JSON object body, or the INVALID_REQUEST the service answers."""
    if req.content_type() != "application/json":
        raise invalid_request("Content-Type must be application/json")
    try:
        data = json.loads(req.body)
    except (ValueError, UnicodeDecodeError) as e:
        raise invalid_request("the request body is not valid JSON") from e
    if not isinstance(data, dict):
        raise invalid_request("the request body must be a JSON object")
    return data


def token_expired(message: str) -> SigninError:
    return SigninError(401, "TOKEN_EXPIRED", message)


def authcode_expired(message: str) -> SigninError:
    return SigninError(401, "AUTHCODE_EXPIRED", message)


STS_DEFAULT_CODE_FOR_STATUS = {
    400: "ValidationError",
    401: "InvalidClientTokenId",
    403: "AccessDenied",
    429: "Throttling",
    500: "InternalFailure",
    502: "InternalFailure",
    503: "ServiceUnavailable",
    504: "InternalFailure",
}


class StsError(ServiceError):
    """STS's error; ``fault_type`` is the ErrorResponse's <Type>."""

    @property
    def fault_type(self) -> str:
        return "Receiver" if self.status >= 500 else "Sender"

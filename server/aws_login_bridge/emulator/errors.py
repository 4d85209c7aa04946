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

from dataclasses import dataclass

# Sign-In's modeled error codes (OAuth2ErrorCode in the service model).
OAUTH2_ERROR_CODES = frozenset(
    {
        "TOKEN_EXPIRED", "USER_CREDENTIALS_CHANGED", "INSUFFICIENT_PERMISSIONS",
        "AUTHCODE_EXPIRED", "server_error", "INVALID_REQUEST", "RESOURCE_NOT_FOUND",
        "CONFLICT", "SERVICE_QUOTA_EXCEEDED", "unsupported_grant_type", "invalid_request",
        "invalid_grant", "invalid_scope", "invalid_target", "invalid_client",
        "rate_exceeded", "service_unavailable",
    }
)

# HTTP status → the modeled exception shape botocore will raise for it.
SIGNIN_SHAPE_FOR_STATUS = {
    400: "ValidationException",
    401: "AccessDeniedException",
    403: "AccessDeniedException",
    429: "TooManyRequestsError",
    500: "InternalServerException",
    502: "InternalServerException",
    503: "InternalServerException",
    504: "InternalServerException",
}

DEFAULT_SIGNIN_CODE_FOR_STATUS = {
    400: "INVALID_REQUEST",
    401: "TOKEN_EXPIRED",
    403: "INSUFFICIENT_PERMISSIONS",
    429: "INVALID_REQUEST",
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
        return SIGNIN_SHAPE_FOR_STATUS[self.status]


def invalid_request(message: str) -> SigninError:
    return SigninError(400, "INVALID_REQUEST", message)


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

"""The one error vocabulary every layer speaks.

Each error carries a stable ``kind`` (the helper's JSON-RPC ``data.kind``), a message for
people that says what to do next, and optional extra ``data``. Messages never contain
secrets: callers pass only profile names, ARNs, regions and URLs into them.
"""

from __future__ import annotations

import re
from collections import namedtuple

TYPE_CHECKING = False  # typing itself is not imported: credential_process loads this
if TYPE_CHECKING:
    from typing import Any, ClassVar

SHOWN_CHARS = 16
_PLAIN_NAME = re.compile(r"[A-Za-z0-9._@+=,:/-]{1,128}")


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A refused value as a message or log line may repeat it: quoted, cut to ``limit``
    characters and escaped to printable ASCII, so a pasted secret is not repeated whole
    and a newline cannot forge a log line."""
    text = value if isinstance(value, str) else type(value).__name__
    more = "..." if len(text) > limit else ""
    return ascii(text[:limit]) + more


def shown_name(name: str) -> str:
    """A profile name quoted for a message: as it is when it is plain, else ``shown``."""
    return f"'{name}'" if isinstance(name, str) and _PLAIN_NAME.fullmatch(name) else shown(name)


def display_name(name: str) -> str:
    """A name or argument as it is when it is plain, else escaped and cut (``shown``)."""
    quoted = shown_name(name)
    return name if quoted == f"'{name}'" else quoted


def login_command(profile: str | None, command: str = "login --remote") -> str:
    """The command that logs ``profile`` in (a placeholder for a name not fit to repeat;
    no --profile at all for None)."""
    if not profile:
        return f"aws-login-bridge {command}"
    name = profile if isinstance(profile, str) and _PLAIN_NAME.fullmatch(profile) else "NAME"
    return f"aws-login-bridge {command} --profile {name}"


def bad_character(value: str, allowed: re.Pattern[str]) -> str | None:
    """The first character of ``value`` outside ``allowed`` (one character, fullmatched),
    described without repeating the rest of the value."""
    for char in value:
        if not allowed.fullmatch(char):
            if char.isprintable() and char.isascii() and char != " ":
                return f"'{char}'"
            names = {" ": "a space", "\n": "a line break", "\r": "a line break",
                     "\t": "a tab"}
            return names.get(char, f"the character U+{ord(char):04X}")
    return None


class LoginBridgeError(Exception):
    """Base class: something the user can act on, never a traceback."""

    kind: ClassVar[str] = "ServiceError"
    # The AWS Sign-In error code this error stands for, when the service named one.
    signin_code: str | None = None

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data: dict[str, Any] = {k: v for k, v in data.items() if v is not None}

    def to_data(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.data}


class ProfileHasOtherCredentials(LoginBridgeError):
    kind = "ProfileHasOtherCredentials"


class RegionRequired(LoginBridgeError):
    kind = "RegionRequired"


class InvalidCode(LoginBridgeError):
    kind = "InvalidCode"


class StateMismatch(LoginBridgeError):
    kind = "StateMismatch"


class AuthCodeExpired(LoginBridgeError):
    kind = "AuthCodeExpired"


class InsufficientPermissions(LoginBridgeError):
    kind = "InsufficientPermissions"


class SessionConflict(LoginBridgeError):
    kind = "SessionConflict"


class UnknownLogin(LoginBridgeError):
    kind = "UnknownLogin"


class NotLoggedIn(LoginBridgeError):
    kind = "NotLoggedIn"


class RefreshRequired(LoginBridgeError):
    kind = "RefreshRequired"


class ServiceError(LoginBridgeError):
    kind = "ServiceError"


class NetworkError(LoginBridgeError):
    kind = "NetworkError"


class ConfigError(LoginBridgeError):
    """The config file or home directory cannot be read or written.

    Not one of the contract's kinds on purpose: the helper reports it as ``ServiceError``-free
    ``ConfigError`` so that clients show the message as it is.
    """

    kind = "ConfigError"


class InvalidInput(LoginBridgeError):
    """A profile name, region or endpoint URL that cannot be used."""

    kind = "InvalidInput"


ALL_KINDS: tuple[str, ...] = tuple(
    cls.kind for cls in LoginBridgeError.__subclasses__()
)


class SigninRule(namedtuple("SigninRule", ["error", "passing", "sentence"])):
    """What one AWS Sign-In error code means to us: the error to raise, whether it is
    passing (still-valid cached credentials are handed back, with a warning) or final, and
    the one sentence that says what to do."""

    __slots__ = ()
    error: type[LoginBridgeError]
    passing: bool
    sentence: str


_RELOGIN = "Log in again"
# Every OAuth2ErrorCode in botocore's signin model, decided once. Passing: the service may
# answer differently in a minute (its own trouble, throttling, a quota, a concurrent
# change); final: this refresh token or this request will never be accepted. The CLI adds
# the login command to a ServiceError's sentence ("If it keeps failing, log in again"),
# so those sentences name only the first step.
SIGNIN_ERRORS: dict[str, SigninRule] = {
    "TOKEN_EXPIRED": SigninRule(RefreshRequired, False, (
        "The login session has ended (TOKEN_EXPIRED): it lasts up to 12 hours from the "
        f"console sign-in, and a refresh token is spent once used. {_RELOGIN}.")),
    "USER_CREDENTIALS_CHANGED": SigninRule(RefreshRequired, False, (
        "The login session was ended because the console password or credentials changed "
        f"since you signed in (USER_CREDENTIALS_CHANGED). {_RELOGIN} with the new ones.")),
    "INSUFFICIENT_PERMISSIONS": SigninRule(InsufficientPermissions, False, (
        "This identity may not sign in to local development tools "
        "(INSUFFICIENT_PERMISSIONS). Ask an administrator to attach the "
        "SignInLocalDevelopmentAccess managed policy (or an equivalent), then log in "
        "again.")),
    "AUTHCODE_EXPIRED": SigninRule(AuthCodeExpired, False, (
        "The authorization code has expired or was already used (AUTHCODE_EXPIRED). Start "
        "the login again and paste the new code within a few minutes.")),
    "server_error": SigninRule(ServiceError, True, (
        "AWS Sign-In failed on its side (server_error). Try again in a minute.")),
    "INVALID_REQUEST": SigninRule(ServiceError, False, (
        "AWS Sign-In refused the request as malformed (INVALID_REQUEST). Check the region "
        "and AWS_ENDPOINT_URL_SIGNIN, and update aws-login-bridge.")),
    "RESOURCE_NOT_FOUND": SigninRule(RefreshRequired, False, (
        "AWS Sign-In does not know this login session (RESOURCE_NOT_FOUND): it may have "
        f"been ended, or belongs to another region or endpoint. {_RELOGIN}.")),
    "CONFLICT": SigninRule(ServiceError, True, (
        "AWS Sign-In refused the request because the session changed at the same time "
        "(CONFLICT), as when another tool refreshes it. Try again in a moment.")),
    "SERVICE_QUOTA_EXCEEDED": SigninRule(ServiceError, True, (
        "AWS Sign-In says a service quota of this account is exceeded "
        "(SERVICE_QUOTA_EXCEEDED). Try again later; if it lasts, ask an administrator "
        "about the account's Sign-In quotas.")),
    "unsupported_grant_type": SigninRule(ServiceError, False, (
        "AWS Sign-In does not accept this kind of request at this endpoint "
        "(unsupported_grant_type). Check the region and AWS_ENDPOINT_URL_SIGNIN, and update "
        "aws-login-bridge.")),
    "invalid_request": SigninRule(ServiceError, False, (
        "AWS Sign-In refused the request as malformed (invalid_request). Update "
        "aws-login-bridge, and check the region and AWS_ENDPOINT_URL_SIGNIN.")),
    "invalid_grant": SigninRule(RefreshRequired, False, (
        "AWS Sign-In refused the grant (invalid_grant): the refresh token or code was "
        f"already used, revoked or has expired. {_RELOGIN}.")),
    "invalid_scope": SigninRule(ServiceError, False, (
        "AWS Sign-In refused the requested scope (invalid_scope). Update "
        "aws-login-bridge.")),
    "invalid_target": SigninRule(ServiceError, False, (
        "AWS Sign-In refused the request's target (invalid_target). Check the region and "
        "AWS_ENDPOINT_URL_SIGNIN.")),
    "invalid_client": SigninRule(ServiceError, False, (
        "AWS Sign-In does not accept this client (invalid_client). Update "
        "aws-login-bridge.")),
    "rate_exceeded": SigninRule(ServiceError, True, (
        "AWS Sign-In is throttling requests (rate_exceeded). Wait a minute and try "
        "again.")),
    "service_unavailable": SigninRule(ServiceError, True, (
        "AWS Sign-In is temporarily unavailable (service_unavailable). Try again in a "
        "minute.")),
}


def signin_error(code: str, status: int | None = None) -> LoginBridgeError | None:
    """The error for a Sign-In error code from the table, or None for a code it lacks. It
    remembers the code, so that ``is_passing`` reads the table rather than the status."""
    rule = SIGNIN_ERRORS.get(code)
    if rule is None:
        return None
    error = rule.error(rule.sentence, **({"status": status} if rule.error is ServiceError
                                         else {}))
    error.signin_code = code
    return error

"""The one error vocabulary every layer speaks.

Each error carries a stable ``kind`` (the helper's JSON-RPC ``data.kind``), a message for
people that says what to do next, and optional extra ``data``. Messages never contain
secrets: callers pass only profile names, ARNs, regions and URLs into them.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LoginBridgeError(Exception):
    """Base class: something the user can act on, never a traceback."""

    kind: ClassVar[str] = "ServiceError"

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

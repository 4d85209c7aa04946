"""The one error vocabulary every layer speaks.

Each error carries a stable ``kind`` (the helper's JSON-RPC ``data.kind``), a message for
people that says what to do next, and optional extra ``data``. Messages never contain
secrets: callers pass only profile names, ARNs, regions and URLs into them.
"""

from __future__ import annotations

import re

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

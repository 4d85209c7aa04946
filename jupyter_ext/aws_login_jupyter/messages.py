"""One friendly line per failure, chosen by the contract's ``kind``.

The helper's own message is for people too, but the notebook words things for the notebook
("run %aws_login", "paste the code into the field above"), so it branches on ``kind`` and
uses only the non-secret extras in ``data`` (profile names, suggestions, HTTP status).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from aws_login_bridge.errors import display_name
from aws_login_bridge.protocol_names import ErrorKind

# The declared kinds, plus this package's own: the helper could not be started or reached.
FailureKind = ErrorKind | Literal["HelperUnavailable"]

# The wording the issue fixes for a code from another sign-in attempt.
STATE_MISMATCH = (
    "That code doesn't match this sign-in — paste the code from the page that this link opened"
)

# Failures after which the same pending login can take another code.
RETRYABLE_KINDS: frozenset[FailureKind] = frozenset({"InvalidCode", "StateMismatch"})


class Failure(Exception):
    """A failed helper call: the declared ``kind``, the helper's message and ``data``."""

    def __init__(self, kind: FailureKind, message: str,
                 data: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.data: Mapping[str, Any] = dict(data or {})


def friendly(failure: Failure, profile: str | None = None, *,
             how_to_login: str | None = None) -> str:
    """The one line a person sees for ``failure``; never a traceback, never a secret.

    ``how_to_login`` words the cure of an ended or missing login for the front end at hand
    (JupyterLab says "AWS: Login"); the default is the magic for the profile.
    """
    kind, data = failure.kind, failure.data
    # A name the helper refused may hold anything (a pasted code, a newline): never raw.
    name = display_name(profile or data.get("profile") or "default")
    login = how_to_login or f"%aws_login --profile {name}"
    if kind == "StateMismatch":
        return STATE_MISMATCH
    if kind == "InvalidCode":
        return ("That isn't a verification code from the sign-in page — copy the whole code "
                "and paste it again")
    if kind == "AuthCodeExpired":
        return ("That code has expired or was already used — open the sign-in page again "
                "and paste the new code")
    if kind == "UnknownLogin":
        return "This sign-in attempt has lapsed (after 10 minutes) — start again"
    if kind == "RegionRequired":
        return (f"Profile '{name}' has no region yet — enter one (for example "
                f"{data.get('default', 'us-east-1')}); it is saved in the profile")
    if kind == "ProfileHasOtherCredentials":
        suggestion = data.get("suggestion") or f"{name}-login"
        return (f"Profile '{name}' already gets credentials another way "
                f"({data.get('style', 'keys')}) — use a new profile name, for example "
                f"'{suggestion}'")
    if kind == "SessionConflict":
        return (f"Profile '{name}' is already logged in with another console session — "
                "replace it with this sign-in, or use another profile name")
    if kind == "InsufficientPermissions":
        return ("Your console identity lacks the SignInLocalDevelopmentAccess permission "
                "— ask an administrator to grant it, then sign in again")
    if kind == "NotLoggedIn":
        return f"Profile '{name}' is not logged in — run {login}"
    if kind == "RefreshRequired":
        return f"The 12-hour sign-in of profile '{name}' is over — run {login} again"
    if kind == "ServiceError":
        status = data.get("status")
        where = f" (HTTP {status})" if status else ""
        return f"AWS Sign-In failed{where} — try again in a minute"
    if kind == "NetworkError":
        return "AWS Sign-In could not be reached — check this machine's network, then try again"
    if kind == "HelperUnavailable":
        return f"The aws-login-bridge helper is not available — {failure.message}"
    # ConfigError, InvalidInput and kinds added later: the helper's sentence says it best.
    return failure.message

"""The console identity the emulator signs people in as.

The real service signs in whoever holds the browser's console session; the emulator has
exactly one such identity, fixed at start-up. Its ARN is what ends up in the idToken's
``sub`` (and so in the profile's ``login_session``) and in STS GetCallerIdentity.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

DEFAULT_ACCOUNT_ID = "123456789012"
DEFAULT_ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"

_ACCOUNT_RE = re.compile(r"^\d{12}$")
_NAME = r"[\w+=,.@-]{1,128}"
_PARTITION = r"aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc"
_ASSUMED_ROLE_RE = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):sts::(?P<account>\d{{12}}):assumed-role/"
    rf"(?P<role>{_NAME})/(?P<session>{_NAME})$"
)
_USER_RE = re.compile(
    rf"^arn:(?P<partition>{_PARTITION}):iam::(?P<account>\d{{12}}):user/"
    rf"(?:(?P<path>(?:{_NAME}/)*))?(?P<user>{_NAME})$"
)
_ROOT_RE = re.compile(rf"^arn:(?P<partition>{_PARTITION}):iam::(?P<account>\d{{12}}):root$")

# Characters of real IAM unique ids after their 4-letter prefix.
_UNIQUE_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _unique_id(prefix: str, seed: str) -> str:
    """A stable IAM-style unique id (prefix + 17 chars), derived from the ARN.

    Stable so that GetCallerIdentity answers the same UserId for the same identity
    across emulator restarts, as the real service does for the same role or user.
    """
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    chars = [_UNIQUE_ID_ALPHABET[b % len(_UNIQUE_ID_ALPHABET)] for b in digest[:17]]
    return prefix + "".join(chars)


@dataclass(frozen=True)
class Identity:
    """A console identity: an assumed-role session, an IAM user, or the account root."""

    account_id: str = DEFAULT_ACCOUNT_ID
    arn: str = DEFAULT_ARN

    def __post_init__(self) -> None:
        if not _ACCOUNT_RE.fullmatch(self.account_id):
            raise ValueError("account_id must be 12 digits")
        match = (
            _ASSUMED_ROLE_RE.fullmatch(self.arn)
            or _USER_RE.fullmatch(self.arn)
            or _ROOT_RE.fullmatch(self.arn)
        )
        if match is None:
            raise ValueError(
                "arn must be an assumed-role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/"
                "SESSION), an IAM user (arn:aws:iam::ACCOUNT:user/NAME) or a root ARN"
            )
        if match.group("account") != self.account_id:
            raise ValueError("the ARN's account field must equal account_id")

    @classmethod
    def from_arn(cls, arn: str) -> Identity:
        """Build an identity whose account id is taken from the ARN itself."""
        parts = arn.split(":")
        if len(parts) < 6:
            raise ValueError("not an ARN")
        return cls(account_id=parts[4], arn=arn)

    @property
    def kind(self) -> str:
        if _ASSUMED_ROLE_RE.fullmatch(self.arn):
            return "assumed-role"
        if _USER_RE.fullmatch(self.arn):
            return "user"
        return "root"

    @property
    def display_name(self) -> str:
        """What the sign-in page's "Continue as …" button names (as the console does)."""
        if self.kind == "assumed-role":
            m = _ASSUMED_ROLE_RE.fullmatch(self.arn)
            assert m is not None
            return f"{m.group('role')}/{m.group('session')}"
        if self.kind == "user":
            m = _USER_RE.fullmatch(self.arn)
            assert m is not None
            return m.group("user")
        return f"root ({self.account_id})"

    @property
    def user_id(self) -> str:
        """STS GetCallerIdentity's UserId, in the shape the real service uses.

        Assumed role: ``AROA…:<session name>``; IAM user: ``AIDA…``; root: the account id.
        """
        m = _ASSUMED_ROLE_RE.fullmatch(self.arn)
        if m is not None:
            role_arn = f"arn:{m.group('partition')}:iam::{self.account_id}:role/{m.group('role')}"
            return f"{_unique_id('AROA', role_arn)}:{m.group('session')}"
        if _USER_RE.fullmatch(self.arn):
            return _unique_id("AIDA", self.arn)
        return self.account_id

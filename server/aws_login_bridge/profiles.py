"""Which login session a profile points at, and in which region it refreshes."""

from __future__ import annotations

import os
import re
from collections import namedtuple

from aws_login_bridge.errors import (
    ConfigError,
    NotLoggedIn,
    bad_character,
    login_command,
    shown,
    shown_name,
)
from aws_login_bridge.signin.session_arn import SESSION_ARN_CHAR, is_login_session_arn
from aws_login_bridge.store.configfile import ConfigDocument
from aws_login_bridge.store.paths import config_file_name

TYPE_CHECKING = False  # credential_process imports this module: typing stays out of it
if TYPE_CHECKING:
    from typing import Literal

    ProfileOrigin = Literal["--profile", "AWS_DEFAULT_PROFILE", "AWS_PROFILE", "default"]

FALLBACK_REGION = "us-east-1"


# Keys that mean the profile already gets credentials another way (the AWS CLI's rule: such
# a profile is not turned into a login profile), with the words we use for them.
OTHER_STYLES: dict[str, str] = {
    "aws_access_key_id": "access keys",
    "sso_session": "IAM Identity Center (SSO)",
    "sso_role_name": "IAM Identity Center (SSO)",
    "sso_account_id": "IAM Identity Center (SSO)",
    "sso_start_url": "IAM Identity Center (SSO)",
    "role_arn": "an assumed role",
    "web_identity_token_file": "web identity",
    "credential_process": "credential_process",
}

def chosen_profile(explicit: str | None) -> tuple[str, ProfileOrigin]:
    """The profile a command works on and where that choice came from (botocore's order)."""
    if explicit:
        return explicit, "--profile"
    for variable in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE"):
        value = os.environ.get(variable)
        if value:
            return value, variable  # type: ignore[return-value]
    return "default", "default"


def other_credential_style(settings: dict[str, str]) -> str | None:
    return next((key for key in OTHER_STYLES if settings.get(key)), None)


def style_text(style: str) -> str:
    """How a message names a credential style: its words, then its key when they differ
    (never "credential_process (credential_process)")."""
    words = OTHER_STYLES[style]
    return words if words == style else f"{words} ({style})"


def bridged_profile(settings: dict[str, str] | None) -> str | None:
    """The login profile whose session a ``credential_process`` line of ours (as
    ``setup-process-profile`` writes it) hands out, or None for any other line. Split
    with shlex, not botocore's splitter: status and the helper never import botocore."""
    line = (settings or {}).get("credential_process", "")
    if "aws_login_bridge" not in line and "aws-login-bridge" not in line:
        return None
    import shlex

    try:
        words = shlex.split(line, posix=os.name != "nt")
    except ValueError:
        return None
    if len(words) >= 3 and words[-3:-1] == ["credential-process", "--profile"]:
        return words[-1]
    return None


def login_suggestion(name: str, settings: dict[str, str] | None = None) -> str:
    """The profile name to log in with when ``name`` has credentials of another style: the
    login profile behind a process profile of ours, else a new name made from ``name``."""
    return bridged_profile(settings) or f"{name}-login"


def login_advice(name: str, settings: dict[str, str] | None) -> str:
    """The login command that works for ``name``: a new profile when ``name`` is taken."""
    style = other_credential_style(settings or {})
    if style is None:
        return f"Run: {login_command(name)}"
    source = bridged_profile(settings)
    if source is not None:
        return (f"It gets credentials through credential_process from the login session of "
                f"profile {shown_name(source)}; to log in, run: {login_command(source)}")
    suggestion = login_suggestion(name)
    return (f"It gets credentials from {style_text(style)}; to use a console "
            f"sign-in, log in with a new profile: {login_command(suggestion)}")


def session_text(value: str) -> str:
    """A ``login_session`` value as a message may show it: as it is when it is an ARN, else
    escaped and cut (``errors.shown``), so a line break in it cannot forge a line."""
    return value if is_login_session_arn(value) else shown(value)


def session_of(name: str, settings: dict[str, str] | None) -> str | None:
    """The profile's ``login_session``: None when it has none, ConfigError when the line
    holds anything but a login session ARN — the rule a login applies to the one it writes,
    since whoever edits the file (or a continuation line configparser joins on) may have
    put anything there."""
    value = (settings or {}).get("login_session", "").strip()
    if not value or is_login_session_arn(value):
        return value or None
    bad = bad_character(value, SESSION_ARN_CHAR)
    problem = (f"contains {bad}" if bad else
               "is not of the form arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION")
    raise ConfigError(
        f"The login_session of profile {shown_name(name)} ({shown(value)}) {problem}, so it "
        f"names no login session; log in again to replace it: {login_command(name)}",
        profile=name,
    )


class LoginProfile(namedtuple("LoginProfile", ["name", "login_session", "region"])):
    # Not a dataclass nor a typing.NamedTuple: see store.cache.CachedLogin.
    __slots__ = ()
    name: str
    login_session: str
    region: str | None

    @property
    def refresh_region(self) -> str:
        return (
            self.region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or FALLBACK_REGION
        )


def login_profile(name: str, document: ConfigDocument | None = None) -> LoginProfile:
    """The profile's login settings, or NotLoggedIn with the command that fixes it."""
    document = document or ConfigDocument.load(config_file_name())
    settings = document.profile(name)
    session = session_of(name, settings)
    if not session:
        raise NotLoggedIn(f"Profile {shown_name(name)} has no login session. "
                          f"{login_advice(name, settings)}", profile=name)
    return LoginProfile(name=name, login_session=session, region=(settings or {}).get("region"))


def login_profiles(document: ConfigDocument | None = None) -> list[LoginProfile]:
    """Every profile with a well-formed ``login_session``."""
    document = document or ConfigDocument.load(config_file_name())
    found = []
    for name, settings in document.profiles().items():
        try:
            session = session_of(name, settings)
        except ConfigError:
            continue  # named when that profile is used; the others still work
        if session:
            found.append(LoginProfile(name=name, login_session=session,
                                      region=settings.get("region")))
    return found


# -- roles chained from a login session ------------------------------------------------------


_ROLE_ARN = re.compile(r"arn:[a-z-]+:iam::\d{12}:role/[\w+=,.@/-]{1,512}")


class RoleHop(namedtuple("RoleHop", ["profile", "role_arn", "settings"])):
    """One ``role_arn`` + ``source_profile`` profile of a chain."""

    __slots__ = ()
    profile: str
    role_arn: str
    settings: dict[str, str]


class ChainedRole(namedtuple("ChainedRole", ["name", "source", "login", "hops"])):
    """A profile whose ``source_profile`` chain ends at a login profile: ``source``, whose
    ``login`` is None while it names no login session yet (log in there).

    ``hops`` go from the profile itself to the one whose ``source_profile`` is ``source``,
    so the roles are assumed in reverse order (botocore's order)."""

    __slots__ = ()
    name: str
    source: str
    login: LoginProfile | None
    hops: tuple[RoleHop, ...]

    @property
    def role_arn(self) -> str:
        return self.hops[0].role_arn

    def not_logged_in(self) -> NotLoggedIn:
        return NotLoggedIn(
            f"Profile {shown_name(self.name)} assumes {role_text(self.role_arn)} with the login "
            f"session of profile {shown_name(self.source)}, which is not logged in. Run: "
            f"{login_command(self.source)}", profile=self.name, sourceProfile=self.source)


def role_text(role_arn: str) -> str:
    """A ``role_arn`` as a message shows it: as it is when it is a role ARN, else ``shown``
    (a line break in the config value cannot forge a line)."""
    return role_arn if _ROLE_ARN.fullmatch(role_arn) else shown(role_arn)


def role_account(role_arn: str) -> str | None:
    """The account of ``arn:PARTITION:iam::ACCOUNT:role/NAME`` (None if it is not one)."""
    parts = role_arn.split(":")
    return parts[4] if len(parts) >= 6 and parts[4].isdigit() else None


def _role_settings(settings: dict[str, str]) -> bool:
    # botocore's AssumeRoleProvider takes a profile with role_arn (and no web identity).
    return bool(settings.get("role_arn")) and not settings.get("web_identity_token_file")


def role_chain(name: str, document: ConfigDocument | None = None) -> ChainedRole | None:
    """The login profile at the end of ``name``'s ``source_profile`` chain, or None when
    ``name`` assumes no role or its chain ends at other credentials (keys,
    ``credential_source``, SSO, a process).

    ConfigError for a chain botocore refuses too: a loop, or a ``source_profile`` that is
    not in the config."""
    document = document or ConfigDocument.load(config_file_name())
    profiles = document.profiles()
    hops: list[RoleHop] = []
    current, settings = name, profiles.get(name) or {}
    visited = [name]
    while _role_settings(settings):
        source = settings.get("source_profile", "").strip()
        if settings.get("credential_source") or not source:
            return None  # credentials from the environment or the instance: no login chain
        hops.append(RoleHop(current, settings["role_arn"].strip(), settings))
        if source not in profiles:
            raise ConfigError(
                f"Profile {shown_name(current)} names source_profile {shown_name(source)}, "
                f"which is not in {config_file_name()}; add that profile or fix the name.",
                profile=name)
        if source == current and settings.get("aws_access_key_id"):
            return None  # botocore's one allowed self-reference: keys in the same profile
        if source in visited:
            raise ConfigError(
                f"The source_profile chain of profile {shown_name(name)} loops back to "
                f"{shown_name(source)}; make the chain end at a login profile.", profile=name)
        visited.append(source)
        current, settings = source, profiles[source]
    if not hops or other_credential_style(settings) is not None:
        return None
    session = session_of(current, settings)
    login = (LoginProfile(name=current, login_session=session, region=settings.get("region"))
             if session else None)
    return ChainedRole(name=name, source=current, login=login, hops=tuple(hops))


def session_source(name: str, document: ConfigDocument | None = None
                   ) -> LoginProfile | ChainedRole:
    """``name``'s own login profile, or the role chain that ends at one; NotLoggedIn (with
    the command that fixes it) when neither."""
    document = document or ConfigDocument.load(config_file_name())
    settings = document.profile(name) or {}
    if not session_of(name, settings):
        chain = role_chain(name, document)
        if chain is not None:
            if chain.login is None:
                raise chain.not_logged_in()
            return chain
    return login_profile(name, document)


def chained_roles(document: ConfigDocument | None = None) -> list[ChainedRole]:
    """Every profile whose ``source_profile`` chain ends at a profile with a login session."""
    document = document or ConfigDocument.load(config_file_name())
    found = []
    for name, settings in document.profiles().items():
        if not _role_settings(settings):
            continue
        try:
            chain = role_chain(name, document)
        except ConfigError:
            continue  # named when that profile is used; the others still work
        if chain is not None and chain.login is not None:
            found.append(chain)
    return found

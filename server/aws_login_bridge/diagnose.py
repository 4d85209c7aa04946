"""Which credential source wins for a profile, and what stops its login session from working.

The answer comes from botocore's own credential chain (not a re-implementation), plus the
checks botocore cannot make for us: environment keys that would win for tools that choose
the profile through AWS_PROFILE, a missing awscrt, an old botocore, a missing cache, a
session past its 12 hours.
"""

from __future__ import annotations

import datetime as dt
import os

from aws_login_bridge.errors import LoginBridgeError, display_name, login_command, shown_name
from aws_login_bridge.profiles import (
    LoginProfile,
    login_advice,
    role_account,
    role_chain,
    session_of,
)
from aws_login_bridge.protocol import Problem, StatusResult, is_logged_in
from aws_login_bridge.refresh import REFRESH_THRESHOLD, needs_refresh
from aws_login_bridge.signin.idtoken import issued_at, session_end
from aws_login_bridge.sources import (
    Undecided,
    boto_region,
    crt_usable,
    installed_version,
    known_profile,
    winning_method,
)
from aws_login_bridge.store.cache import CachedLogin, format_time, read_cache
from aws_login_bridge.store.configfile import ConfigDocument
from aws_login_bridge.store.paths import config_file, credentials_file

MIN_BOTOCORE = (1, 41, 0)
Status = StatusResult  # the protocol's shape: the helper's answer and `status --json`


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def session_ends_at(cached: CachedLogin) -> dt.datetime | None:
    """When the cached login's 12-hour sign-in session ends (None when unknown)."""
    return session_end(issued_at(cached.token.get("idToken")))


def winning_source(profile: str, *, login: bool = True) -> tuple[str | None, str | None]:
    """botocore's method name for what a Session(profile=P) resolves, and any error text.
    Asked only where the files cannot answer (``source_of``): botocore is heavy to load.

    ``login=False`` leaves botocore's login provider out: the engine refused the profile's
    login session or its cache file, which that provider would read and use regardless
    (hanging on a pipe, or reporting someone else's planted file as the winner)."""
    import botocore.exceptions
    import botocore.session

    try:
        session = botocore.session.Session(profile=profile)
        if not login:
            session.get_component("credential_provider").remove("login")
        credentials = session.get_credentials()
    except botocore.exceptions.BotoCoreError as error:
        return None, type(error).__name__
    except Exception as error:
        # A damaged cache file makes botocore's login provider raise KeyError, TypeError,
        # ValueError or JSONDecodeError: that is a problem to report, not a crash.
        return None, type(error).__name__
    return (credentials.method if credentials is not None else None), None


def environment_problems() -> list[Problem]:
    # From the installed files, not by importing botocore: see sources.
    version = installed_version("botocore") or "0"
    problems = []
    if _version_tuple(version) < MIN_BOTOCORE:
        problems.append(Problem(
            "BotocoreTooOld",
            f"botocore {version} cannot read login sessions (needs 1.41 or "
            'newer): pip install -U "botocore[crt]"',
        ))
    if not crt_usable():
        problems.append(Problem(
            "AwscrtMissing",
            'awscrt is missing, so botocore cannot use login sessions: pip install "botocore[crt]"',
        ))
    if os.environ.get("AWS_ACCESS_KEY_ID") and os.environ.get("AWS_SECRET_ACCESS_KEY"):
        problems.append(Problem(
            "EnvKeysWin",
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are set: tools that pick the profile "
            "through AWS_PROFILE or use the default chain will use those keys instead. "
            "Unset them to use the login session.",
        ))
    return problems


def source_of(profile: str, settings: dict[str, str] | None, *, session: str | None,
              read: bool) -> tuple[str | None, str | None]:
    """The winning source and any error text. From the files on the normal path; botocore
    only when the engine refused the login's cache file (which its own provider would read
    anyway) or the credentials file cannot be read here."""
    if session is not None and not read:
        return winning_source(profile, login=False)
    try:
        return winning_method(profile, settings, login_usable=read), None
    except Undecided:
        return winning_source(profile, login=read)


def no_region_problem(profile: str, sign_in_region: str | None) -> Problem:
    """A login profile without a region: most ``aws`` commands stop at NoRegion and the
    JavaScript SDK cannot refresh, although botocore itself copes."""
    region = sign_in_region or "us-east-1"
    section = "default" if profile == "default" else f"profile {display_name(profile)}"
    return Problem(
        "NoRegion",
        f"Profile {shown_name(profile)} has no region, so most aws commands fail with NoRegion "
        f"and the JavaScript SDK cannot refresh its credentials. Add the line 'region = "
        f"{display_name(region)}' under [{section}] in {config_file()}.",
    )


def _refresh(settings: LoginProfile, now: dt.datetime, cached: CachedLogin
             ) -> tuple[CachedLogin, list[Problem]]:
    """Refresh credentials that are due, as any SDK reading the profile now would, so that
    status reports what that SDK would meet. Starts from ``cached``, the status's one read."""
    from aws_login_bridge.refresh import fresh_credentials

    try:
        fresh = fresh_credentials(settings, now=lambda: now, cached=cached)
    except LoginBridgeError as error:
        message = error.message
        if login_command(settings.name) not in message:
            message = f"{message.rstrip()} Run: {login_command(settings.name)}"
        return cached, [Problem("RefreshFailed", f"The credentials could not be refreshed: "
                                                 f"{message}")]
    problems = [Problem("RefreshFailed", fresh.warning)] if fresh.warning else []
    return fresh.cached, problems


def profile_status(profile: str, now: dt.datetime | None = None, *,
                   refresh: bool = True) -> Status:
    """What works and what does not for ``profile``. With ``refresh``, credentials due for a
    refresh are refreshed first (a network call), and a failed refresh is a problem."""
    now = now or dt.datetime.now(dt.timezone.utc)
    document = ConfigDocument.load(config_file())
    found = document.profile(profile)
    settings = found or {}
    status = Status(profile=profile, region=boto_region(found)[0])
    status.problems.extend(environment_problems())
    refused: Problem | None = None
    try:
        session = session_of(profile, settings)
    except LoginBridgeError as error:  # a line that is no login session ARN: said, not used
        session, refused = None, Problem("NotLoggedIn", error.message)
    owner, owner_region = profile, settings.get("region")  # whose login session it is
    chain = None
    if session is None and refused is None:
        try:
            chain = role_chain(profile, document)
        except LoginBridgeError as error:  # a loop, a missing source_profile
            refused = Problem("CredentialsUnusable", error.message)
    if chain is not None:
        status.sourceProfile, status.roleArn = chain.source, chain.role_arn
        status.accountId = role_account(chain.role_arn)
        if chain.login is None:
            refused = Problem("NotLoggedIn", chain.not_logged_in().message)
        else:
            session, owner, owner_region = (chain.login.login_session, chain.source,
                                            chain.login.region)
    status.loginSession = session
    sign_in_region: str | None = None
    read = False  # whether the cache file passed our read (botocore reads it after us)
    if session is not None:
        try:
            cached = read_cache(session, profile=owner)
        except LoginBridgeError as error:
            status.problems.append(Problem("CacheMissing", error.message))
        else:
            read = True
            if refresh and needs_refresh(cached, now, REFRESH_THRESHOLD):
                cached, trouble = _refresh(LoginProfile(owner, session, owner_region),
                                           now, cached)
                status.problems.extend(trouble)
            status.accountId = status.accountId or cached.account_id
            region = cached.token.get("signInRegion")
            sign_in_region = region if isinstance(region, str) else None
            status.expiresAt = cached.expires_at_text
            ends = session_ends_at(cached)
            status.sessionExpiresAt = format_time(ends) if ends else None
            ended = ends is not None and ends <= now
            status.loggedIn = is_logged_in(session, status.expiresAt, ended)
            if ended:
                status.problems.append(Problem(
                    "SessionExpired",
                    f"The 12-hour login session ended at {format_time(ends)}. Run: "
                    f"{login_command(owner)}",
                ))
    if session is not None and not settings.get("region"):
        status.problems.append(no_region_problem(profile, sign_in_region))
    source, failure = source_of(profile, found, session=session if chain is None else None,
                                read=read)
    if any(p.kind == "EnvKeysWin" for p in status.problems):
        source = "env"
    status.credentialSource = source
    if refused is not None:
        status.problems.append(refused)
    elif session is None and not known_profile(profile, found):
        status.problems.append(Problem(
            "NotLoggedIn",
            f"Profile {shown_name(profile)} is unknown: neither {config_file()} nor "
            f"{credentials_file()} has it. To create it, log in: {login_command(profile)}"))
    elif session is None:
        # Keys for this name in the credentials file would win over a login saved under
        # it too: the login that helps is one under a new name.
        seen = ({"aws_access_key_id": str(credentials_file())}
                if source == "shared-credentials-file" else settings)
        advice = login_advice(profile, seen)
        status.problems.append(Problem(
            "NotLoggedIn", f"Profile {shown_name(profile)} has no login session. {advice}"))
    if source == "shared-credentials-file":
        status.problems.append(Problem(
            "SharedCredentialsWin",
            f"{credentials_file()} has a [{display_name(profile)}] entry with keys; it wins "
            "over the login session. Remove that entry to use the login session.",
        ))
    elif failure and session is not None and not any(
        p.kind in ("CacheMissing", "AwscrtMissing") for p in status.problems
    ):
        status.problems.append(Problem("CredentialsUnusable", f"botocore reports {failure}."))
    return status


def all_statuses() -> list[Status]:
    """Every profile, not only login ones (editors offer them all when picking where to log
    in), without refreshing: one listing must not become a token call per profile."""
    return [profile_status(name, refresh=False)
            for name in ConfigDocument.load(config_file()).profiles()]

"""Fresh credentials for a login session, refreshing through the token endpoint if needed.

The refresh happens under the session's advisory lock and re-reads the cache after
taking it, so when many processes find the same expiring token only the first calls the
service; the rest pick up what it wrote. The rewrite keeps every other field of the file,
as botocore's own refresh does. botocore and cryptography are imported only when a
refresh is really due, which keeps the fresh path (credential_process) fast.

The AWS CLI and botocore refresh the same file without our lock, and the service spends a
refresh token once it is used. So a refused refresh reads the file again and takes what
another tool saved meanwhile, and the rewrite happens only while the file still holds the
token we refreshed from: an answer that arrives after another tool's never replaces it.
"""

from __future__ import annotations

from collections import namedtuple

from aws_login_bridge.errors import (
    SIGNIN_ERRORS,
    ConfigError,
    LoginBridgeError,
    NetworkError,
    ServiceError,
)
from aws_login_bridge.store.cache import (
    CachedLogin,
    damaged,
    format_time,
    read_cache,
    refresh_lock,
    refreshed,
    replace_cache,
    utc_now,
)

TYPE_CHECKING = False  # credential_process imports this module: typing stays out of it
if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from aws_login_bridge.profiles import LoginProfile
    from aws_login_bridge.signin.tokens import SigninClient

    Clock = Callable[[], dt.datetime]

REFRESH_THRESHOLD = 300.0  # seconds; the same window botocore uses


def needs_refresh(cached: CachedLogin, now: dt.datetime, threshold: float) -> bool:
    return (cached.expires_at - now).total_seconds() <= threshold


class Fresh(namedtuple("Fresh", ["cached", "refreshed", "warning"], defaults=[None])):
    """What ``fresh_credentials`` hands back: the login to use, whether this call refreshed
    it, and a one-line warning when it is usable but something went wrong on the way."""

    __slots__ = ()
    cached: CachedLogin
    refreshed: bool
    warning: str | None


def is_passing(error: LoginBridgeError) -> bool:
    """A failure that may go away by itself: the network, a timeout, an answer that could
    not be read, and the service's codes that ``errors.SIGNIN_ERRORS`` calls passing. Its
    final codes will not, nor will any other 4xx, and a damaged cache needs a login."""
    if isinstance(error, NetworkError):
        return True
    if error.signin_code in SIGNIN_ERRORS:
        return SIGNIN_ERRORS[error.signin_code].passing
    if type(error) is ServiceError:
        status = error.data.get("status")
        return status is None or status == 429 or status >= 500
    return False


def fresh_credentials(
    profile: LoginProfile,
    *,
    now: Clock = utc_now,
    threshold: float = REFRESH_THRESHOLD,
    force: bool = False,
    client: SigninClient | None = None,
    cached: CachedLogin | None = None,
) -> Fresh:
    """The cached login, refreshed if due.

    As the Ruby, PHP and .NET SDKs do, a refresh that fails for a passing reason while the
    cached credentials are still valid hands those back with a warning; they fail only once
    expired. ``force`` (refresh even if fresh) always reports the failure. ``cached``: the
    file as the caller has just read it, not read again before deciding.
    """
    cached = cached or read_cache(profile.login_session, profile=profile.name)
    if not force and not needs_refresh(cached, now(), threshold):
        return Fresh(cached, False)
    with refresh_lock(profile.login_session):
        latest = read_cache(profile.login_session, profile=profile.name)
        refreshed_meanwhile = latest.token != cached.token
        if not needs_refresh(latest, now(), threshold) and (refreshed_meanwhile or not force):
            return Fresh(latest, False)  # another process refreshed while we waited
        try:
            return _refresh(profile, latest, now, client)
        except LoginBridgeError as error:
            other = _saved_by_another_tool(profile, latest, now)
            if other is not None:
                return Fresh(other, False)
            if force or not is_passing(error) or latest.expires_at <= now():
                raise
            return Fresh(latest, False, (
                "Could not refresh the credentials, so the cached ones are used until they "
                f"expire at {format_time(latest.expires_at)}: {error.message}"
            ))


def _saved_by_another_tool(profile: LoginProfile, ours: CachedLogin, now: Clock
                           ) -> CachedLogin | None:
    """The file as another tool (the AWS CLI, botocore) has saved it since we read it, if it
    now holds another refresh token and credentials that are still valid: that tool spent
    the token we sent, so the service refused ours."""
    try:
        other = read_cache(profile.login_session, profile=profile.name)
    except LoginBridgeError:
        return None  # gone, damaged or unsafe: the refusal stands
    if other.refresh_token == ours.refresh_token or other.expires_at <= now():
        return None
    return other


def _refresh(
    profile: LoginProfile, cached: CachedLogin, now: Clock, client: SigninClient | None
) -> Fresh:
    import datetime as dt

    from aws_login_bridge.crashpoint import crashpoint
    from aws_login_bridge.signin.dpop import DpopKey
    from aws_login_bridge.signin.tokens import SigninClient

    try:  # before any network call: a key no SDK could sign with is a damaged cache
        key = DpopKey.from_pem(cached.dpop_pem)
    except (ValueError, TypeError) as error:
        reason = str(error) if "P-256" in str(error) else "its dpopKey cannot be read"
        raise damaged(cached.path, reason, profile.name) from None
    owned = client is None
    # The region the session was signed in to wins, as it does for botocore.
    region = cached.token.get("signInRegion") or profile.refresh_region
    client = client or SigninClient(region, profile=profile.name)
    try:
        grant = client.refresh(
            client_id=cached.client_id, refresh_token=cached.refresh_token, key=key
        )
    finally:
        if owned:
            client.close()
    crashpoint("refresh.answered")
    token = refreshed(cached, grant, now() + dt.timedelta(seconds=grant.expires_in))
    try:
        path = replace_cache(profile.login_session, token, replaces=cached.refresh_token)
    except ConfigError as error:
        # The new credentials are good: hand them out and leave the old file as it was.
        return Fresh(CachedLogin(path=cached.path, token=token), True, (
            f"The credentials were refreshed but could not be saved: {error.message} "
            "Until then the next refresh may ask you to log in again."
        ))
    if path is None:
        # Another tool saved a newer login meanwhile: it stays, and ours (just issued,
        # valid) serve this one call.
        return Fresh(CachedLogin(path=cached.path, token=token), True)
    return Fresh(CachedLogin(path=path, token=token), True)

"""Fresh credentials for a login session, refreshing through the token endpoint if needed.

The refresh happens under the session's advisory lock and re-reads the cache after
taking it, so when many processes find the same expiring token only the first calls the
service; the rest pick up what it wrote. The rewrite keeps every other field of the file,
as botocore's own refresh does. botocore and cryptography are imported only when a
refresh is really due, which keeps the fresh path (credential_process) fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from aws_login_bridge.crashpoint import crashpoint
from aws_login_bridge.errors import NotLoggedIn
from aws_login_bridge.store.cache import (
    CachedLogin,
    format_time,
    read_cache,
    refresh_lock,
    write_cache,
)

if TYPE_CHECKING:
    from aws_login_bridge.profiles import LoginProfile
    from aws_login_bridge.signin.tokens import SigninClient

REFRESH_THRESHOLD = 300.0  # seconds; the same window botocore uses

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def needs_refresh(cached: CachedLogin, now: dt.datetime, threshold: float) -> bool:
    return (cached.expires_at - now).total_seconds() <= threshold


def fresh_credentials(
    profile: LoginProfile,
    *,
    now: Clock = utc_now,
    threshold: float = REFRESH_THRESHOLD,
    force: bool = False,
    client: SigninClient | None = None,
) -> tuple[CachedLogin, bool]:
    """Return the cached login, refreshed if due, and whether this call refreshed it."""
    cached = read_cache(profile.login_session)
    if not force and not needs_refresh(cached, now(), threshold):
        return cached, False
    with refresh_lock(profile.login_session):
        latest = read_cache(profile.login_session)
        refreshed_meanwhile = latest.token != cached.token
        if not needs_refresh(latest, now(), threshold) and (refreshed_meanwhile or not force):
            return latest, False  # another process refreshed while we waited
        return _refresh(profile, latest, now, client), True


def _refresh(
    profile: LoginProfile, cached: CachedLogin, now: Clock, client: SigninClient | None
) -> CachedLogin:
    from aws_login_bridge.signin.dpop import DpopKey
    from aws_login_bridge.signin.tokens import SigninClient

    try:
        key = DpopKey.from_pem(cached.dpop_pem)
    except (ValueError, TypeError):
        raise NotLoggedIn(
            f"The DPoP key in {cached.path} cannot be read. Log in again: "
            f"aws-login-bridge login --remote --profile {profile.name}"
        ) from None
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
    token = dict(cached.token)
    token["accessToken"] = {
        "accessKeyId": grant.access_key_id,
        "secretAccessKey": grant.secret_access_key,
        "sessionToken": grant.session_token,
        "accountId": cached.account_id,
        "expiresAt": format_time(now() + dt.timedelta(seconds=grant.expires_in)),
    }
    token["refreshToken"] = grant.refresh_token
    path = write_cache(profile.login_session, token)
    return CachedLogin(path=path, token=token)

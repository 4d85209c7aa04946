"""Logging a profile out: revoke its refresh token, delete its cache file, and tell which
other profiles that logs out with it.

A login cache file belongs to a console session, not to a profile: two profiles that
signed in with the same console session share one file, so deleting it logs both out.
The person is told which others went with it, rather than finding out later.

Deleting the file alone leaves any copy of it (a backup, a synced folder, another
machine) able to refresh until the console session ends, so the refresh token is revoked
first. A revoke that fails never stops the logout: the file still goes, and the person is
told in one line that the token stays valid and until when.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from aws_login_bridge.errors import LoginBridgeError, NotLoggedIn, RefreshRequired, shown_name
from aws_login_bridge.profiles import LoginProfile, login_profile, login_profiles
from aws_login_bridge.store.cache import CachedLogin, cache_path, format_time, read_cache
from aws_login_bridge.store.configfile import ConfigDocument
from aws_login_bridge.store.logout import remove_all, remove_session
from aws_login_bridge.store.paths import config_file

# Credentials this close to expiry are refreshed first: a request signed with them could
# arrive expired, and a refused revoke would leave the token valid.
_SIGNING_MARGIN = 60.0
_SECRET_FIELDS = ("accessKeyId", "secretAccessKey", "sessionToken")


class Logout(NamedTuple):
    removed: int  # cache files deleted
    also_logged_out: tuple[str, ...]  # other profiles whose cache file that was
    revoked: bool = False  # every removed session's refresh token is revoked (or dead)
    revoke_problems: tuple[str, ...] = ()  # one line per token left valid


def logout_profile(name: str, *, revoke: bool = True) -> Logout:
    """Revoke ``name``'s refresh token (unless ``revoke`` is false) and delete its cache
    file; a profile with nothing cached is not an error."""
    document = ConfigDocument.load(config_file())
    try:
        profile = login_profile(name, document)
    except NotLoggedIn:
        return Logout(removed=0, also_logged_out=())
    path = cache_path(profile.login_session)
    problem = _revoke_file(profile, path, revoke) if path.exists() else None
    removed = remove_session(profile.login_session)
    if not removed:
        return Logout(removed=0, also_logged_out=())
    others = tuple(other.name for other in login_profiles(document)
                   if other.name != name and cache_path(other.login_session) == path)
    return Logout(removed=removed, also_logged_out=others, revoked=problem is None,
                  revoke_problems=() if problem is None else (problem,))


def logout_all(*, revoke: bool = True) -> Logout:
    """Revoke every cached session's refresh token, then delete every cache file."""
    from aws_login_bridge.store.cache import iter_cache_files

    problems: list[str] = []
    if revoke:
        owners = {cache_path(p.login_session): p for p in login_profiles()}
        for path, token in iter_cache_files():
            problem = _revoke_file(owners.get(path), path, True, token)
            if problem is not None:
                problems.append(problem)
    removed = remove_all()
    if not revoke and removed:
        problems.append(not_revoked("--no-revoke was given", None, several=True))
    return Logout(removed=removed, also_logged_out=(), revoked=bool(removed) and not problems,
                  revoke_problems=tuple(problems))


def _revoke_file(profile: LoginProfile | None, path: Path, revoke: bool,
                 token: dict[str, object] | None = None) -> str | None:
    """None when the file's refresh token is revoked or can no longer refresh anyway;
    otherwise the line that says it stays valid, why, and until when."""
    try:
        cached = (read_cache(profile.login_session, profile=profile.name) if profile
                  else CachedLogin(path=str(path), token=_checked(token)))
    except (LoginBridgeError, ValueError):
        # Unreadable: nothing could refresh from it either, if nothing can read it.
        return None
    if not revoke:
        return not_revoked("--no-revoke was given", cached)
    try:
        cached = _signable(profile, cached)
    except RefreshRequired:
        return None  # the session has ended or was revoked: the token is dead already
    except LoginBridgeError as error:
        return not_revoked(f"its expired credentials could not be refreshed to sign the "
                           f"request: {error.message.rstrip('.')}", cached)
    except ValueError as error:
        return not_revoked(str(error), cached)
    from aws_login_bridge.signin.revoke import revoke_refresh_token

    region = cached.token.get("signInRegion") or (
        profile.refresh_region if profile else _default_region())
    reason = revoke_refresh_token(cached, region=str(region),
                                  profile=profile.name if profile else None)
    return None if reason is None else not_revoked(reason, cached)


def _signable(profile: LoginProfile | None, cached: CachedLogin) -> CachedLogin:
    """``cached`` with credentials good for one more request, refreshed first if needed."""
    from aws_login_bridge.refresh import fresh_credentials

    if profile is None:
        from aws_login_bridge.refresh import needs_refresh
        from aws_login_bridge.store.cache import utc_now

        if needs_refresh(cached, utc_now(), _SIGNING_MARGIN):
            raise ValueError("its credentials have expired and no profile names the session, "
                             "so nothing could sign the request")
        return cached
    return fresh_credentials(profile, cached=cached, threshold=_SIGNING_MARGIN).cached


def _checked(token: dict[str, object] | None) -> dict[str, object]:
    access = token.get("accessToken") if isinstance(token, dict) else None
    if not isinstance(access, dict) or not all(
            isinstance(access.get(k), str) and access.get(k) for k in _SECRET_FIELDS):
        raise ValueError("no credentials")
    if not isinstance(token.get("refreshToken"), str) or not token["refreshToken"]:
        raise ValueError("no refresh token")
    return token


def _default_region() -> str:
    # A file no profile names: the environment's region, else the fallback, as for one.
    return LoginProfile(name="", login_session="", region=None).refresh_region


def not_revoked(reason: str, cached: CachedLogin | None, *, several: bool = False) -> str:
    """One line: the refresh token was not revoked, why, and until when a copy of the
    file can still refresh (the console session's end)."""
    ends = _session_end(cached) if cached is not None else None
    until = (f"until {ends}, when the console session ends" if ends
             else "until the console session ends (at most 12 hours after signing in)")
    tokens = "The refresh tokens were" if several else "The refresh token was"
    return (f"{tokens} not revoked ({reason}), so a copy of the cache file can still refresh "
            f"{until}.")


def _session_end(cached: CachedLogin) -> str | None:
    from aws_login_bridge.signin.idtoken import issued_at, session_end

    ends = session_end(issued_at(cached.token.get("idToken")))
    return format_time(ends) if ends else None


def nothing_to_remove(name: str) -> str:
    return f"Profile {shown_name(name)} has no cached login credentials; nothing to remove."


def logged_out(name: str, also: tuple[str, ...] | list[str]) -> str:
    """What the CLI and the Jupyter magic say after a logout that removed a file."""
    text = (f"Logged out of profile {shown_name(name)}. Credentials already handed out stay "
            "valid until they expire (at most 15 minutes).")
    if also:
        names = ", ".join(shown_name(other) for other in also)
        text += (f" Also logged out: {names} (signed in with the same console session, so "
                 "they shared its cached credentials).")
    return text

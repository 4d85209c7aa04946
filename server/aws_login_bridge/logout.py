"""Logging a profile out, and telling which other profiles that logs out with it.

A login cache file belongs to a console session, not to a profile: two profiles that
signed in with the same console session share one file, so deleting it logs both out.
The person is told which others went with it, rather than finding out later.
"""

from __future__ import annotations

from typing import NamedTuple

from aws_login_bridge.errors import NotLoggedIn, shown_name
from aws_login_bridge.profiles import login_profile, login_profiles
from aws_login_bridge.store.cache import cache_path
from aws_login_bridge.store.configfile import ConfigDocument
from aws_login_bridge.store.logout import remove_session
from aws_login_bridge.store.paths import config_file


class Logout(NamedTuple):
    removed: int  # cache files deleted: 0 or 1
    also_logged_out: tuple[str, ...]  # other profiles whose cache file that was


def logout_profile(name: str) -> Logout:
    """Delete ``name``'s cache file; a profile with nothing cached is not an error."""
    document = ConfigDocument.load(config_file())
    try:
        profile = login_profile(name, document)
    except NotLoggedIn:
        return Logout(removed=0, also_logged_out=())
    removed = remove_session(profile.login_session)
    if not removed:
        return Logout(removed=0, also_logged_out=())
    path = cache_path(profile.login_session)
    others = tuple(other.name for other in login_profiles(document)
                   if other.name != name and cache_path(other.login_session) == path)
    return Logout(removed=removed, also_logged_out=others)


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

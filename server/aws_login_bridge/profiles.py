"""Which login session a profile points at, and in which region it refreshes."""

from __future__ import annotations

import os
from typing import NamedTuple

from aws_login_bridge.errors import NotLoggedIn
from aws_login_bridge.store.configfile import ConfigDocument
from aws_login_bridge.store.paths import config_file

FALLBACK_REGION = "us-east-1"


class LoginProfile(NamedTuple):  # not a dataclass: see store.cache.CachedLogin
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
    document = document or ConfigDocument.load(config_file())
    settings = document.profile(name)
    session = (settings or {}).get("login_session", "").strip()
    if not session:
        raise NotLoggedIn(
            f"Profile '{name}' has no login session. Run: aws-login-bridge login --remote "
            f"--profile {name}",
            profile=name,
        )
    return LoginProfile(name=name, login_session=session, region=(settings or {}).get("region"))


def login_profiles(document: ConfigDocument | None = None) -> list[LoginProfile]:
    document = document or ConfigDocument.load(config_file())
    found = []
    for name, settings in document.profiles().items():
        session = settings.get("login_session", "").strip()
        if session:
            found.append(LoginProfile(name=name, login_session=session,
                                      region=settings.get("region")))
    return found

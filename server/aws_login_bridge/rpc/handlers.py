"""The ``awsLogin/*`` methods: check the params, call the engine off the loop, shape the result.

Nothing here touches a file or the network; engine errors travel up unchanged and the
server turns them into JSON-RPC errors (see ``errors``). Engine modules are imported inside
the worker functions: they pull in botocore and cryptography, which a cold start to the
``initialize`` answer should not pay for.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import attrs

from aws_login_bridge import protocol as t
from aws_login_bridge.errors import RefreshRequired
from aws_login_bridge.protocol import (
    CancelLoginParams,
    CompleteLoginParams,
    LogoutParams,
    NoParams,
    ProfileParams,
    StartLoginParams,
)
from aws_login_bridge.rpc.params import parse

if TYPE_CHECKING:
    from aws_login_bridge.diagnose import Status
    from aws_login_bridge.login import LoginResult, PendingLogin
    from aws_login_bridge.rpc.feed import SessionFeed
    from aws_login_bridge.rpc.pending import PendingLogins
    from aws_login_bridge.rpc.work import Offloader

log = logging.getLogger(__name__)


class Handlers:
    def __init__(self, pending: PendingLogins, feed: SessionFeed, offload: Offloader) -> None:
        self._pending = pending
        self._feed = feed
        self._offload = offload

    def methods(self) -> dict[str, Any]:
        return {
            t.START_LOGIN: self.start_login,
            t.COMPLETE_LOGIN: self.complete_login,
            t.CANCEL_LOGIN: self.cancel_login,
            t.LOGOUT: self.logout,
            t.STATUS: self.status,
            t.LIST_PROFILES: self.list_profiles,
            t.CALLER_IDENTITY: self.caller_identity,
        }

    async def start_login(self, params: object) -> dict[str, Any]:
        p = parse(StartLoginParams, params, t.START_LOGIN)
        pending = await self._offload(self._start, p)
        from aws_login_bridge.store.cache import format_time

        expires = format_time(pending.expires_at)
        return attrs.asdict(t.StartLoginResult(
            loginId=pending.login_id, authorizeUrl=pending.authorize_url, profile=pending.profile,
            region=pending.region, flow=pending.flow, expiresAt=expires))

    def _start(self, p: StartLoginParams) -> PendingLogin:
        from aws_login_bridge.login import start_login

        pending = start_login(p.profile, region=p.region, endpoint_url=p.endpointUrl,
                              flow=p.flow)
        self._pending.add(pending)  # here, so that a cancelled request cannot leak it
        return pending

    async def complete_login(self, params: object) -> dict[str, Any]:
        p = parse(CompleteLoginParams, params, t.COMPLETE_LOGIN)
        result, issued_at = await self._offload(self._complete, p)
        await self._feed.check({result.profile: "active"})
        return attrs.asdict(t.CompleteLoginResult(
            profile=result.profile, loginSession=result.login_session,
            accountId=result.account_id, region=result.region, expiresAt=result.expires_at,
            sessionExpiresAt=_session_end(issued_at), replaced=result.replaced))

    def _complete(self, p: CompleteLoginParams) -> tuple[LoginResult, int | None]:
        from aws_login_bridge.login import complete_login

        def finish(pending: PendingLogin) -> tuple[LoginResult, int | None]:
            result = complete_login(pending, p.code, replace_existing=p.replaceExisting)
            return result, pending.claims.issued_at if pending.claims else None

        return self._pending.run(p.loginId, finish)

    async def cancel_login(self, params: object) -> None:
        p = parse(CancelLoginParams, params, t.CANCEL_LOGIN)
        await self._offload(self._pending.cancel, p.loginId)  # may stop a loopback listener

    async def logout(self, params: object) -> dict[str, Any]:
        p = parse(LogoutParams, params, t.LOGOUT)
        result = await self._offload(_logout, p)
        await self._feed.check()
        return attrs.asdict(result)

    async def status(self, params: object) -> dict[str, Any]:
        p = parse(ProfileParams, params, t.STATUS)
        return attrs.asdict(await self._offload(_profile_status, p.profile))

    async def list_profiles(self, params: object) -> dict[str, Any]:
        parse(NoParams, params, t.LIST_PROFILES)
        statuses = await self._offload(_all_statuses)
        return attrs.asdict(t.ListProfilesResult(profiles=statuses))

    async def caller_identity(self, params: object) -> dict[str, Any]:
        p = parse(ProfileParams, params, t.CALLER_IDENTITY)
        try:
            identity = await self._offload(_caller_identity, p.profile)
        except RefreshRequired:
            await self._feed.expired(p.profile)
            raise
        await self._feed.check()  # it may have refreshed the credentials first
        return identity


# -- engine calls (run on worker threads) ---------------------------------------------


def _logout(p: LogoutParams) -> t.LogoutResult:
    from aws_login_bridge.logout import logout_profile
    from aws_login_bridge.store.logout import remove_all

    if p.all:
        return t.LogoutResult(removed=remove_all(), alsoLoggedOut=[])
    outcome = logout_profile(p.profile)
    return t.LogoutResult(removed=outcome.removed, alsoLoggedOut=list(outcome.also_logged_out))


def _profile_status(profile: str) -> Status:
    from aws_login_bridge.diagnose import profile_status

    return profile_status(profile)


def _all_statuses() -> list[Status]:
    from aws_login_bridge.diagnose import profile_status
    from aws_login_bridge.store.configfile import ConfigDocument
    from aws_login_bridge.store.paths import config_file

    # Every profile, not only login ones: editors offer them all when picking where to log in.
    # No refresh here: one listing must not become a token call per profile.
    return [profile_status(name, refresh=False)
            for name in ConfigDocument.load(config_file()).profiles()]


def _caller_identity(profile: str) -> dict[str, Any]:
    from aws_login_bridge.identity import caller_identity

    answer = caller_identity(profile)
    return attrs.asdict(t.CallerIdentityResult(
        UserId=answer["UserId"], Account=answer["Account"], Arn=answer["Arn"]))


def _session_end(issued_at: int | None) -> str | None:
    from aws_login_bridge.signin.idtoken import session_end
    from aws_login_bridge.store.cache import format_time

    ends = session_end(issued_at)
    return format_time(ends) if ends else None

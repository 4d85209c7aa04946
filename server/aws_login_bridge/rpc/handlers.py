"""The ``awsLogin/*`` methods, one per declared method: params (already parsed into the
declaration's classes) → the engine, off the loop → the declared result.

Nothing here touches a file or the network; engine errors travel up unchanged and the server
turns them into JSON-RPC errors (see ``errors``). Engine modules are imported inside the
worker functions: they pull in botocore and cryptography, which a cold start to the
``initialize`` answer should not pay for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_login_bridge import protocol as t
from aws_login_bridge.errors import RefreshRequired

if TYPE_CHECKING:
    from aws_login_bridge.login import PendingLogin
    from aws_login_bridge.pending_logins import PendingLogins
    from aws_login_bridge.rpc.feed import SessionFeed
    from aws_login_bridge.rpc.work import Offloader


class Handlers:
    """A method per declared method. Plain ones run on a worker thread (``app`` sees to it);
    ``async`` ones run on the loop and offload the engine themselves, to tell the feed after."""

    def __init__(self, pending: PendingLogins, feed: SessionFeed, offload: Offloader) -> None:
        self._pending = pending
        self._feed = feed
        self._offload = offload

    def for_method(self, method: t.Method) -> Callable[[Any], Any]:
        """The handler of a declared method: ``startLogin`` is ``start_login``."""
        return getattr(self, re.sub(r"(?<!^)(?=[A-Z])", "_", method.short).lower())

    def start_login(self, p: t.StartLoginParams) -> t.StartLoginResult:
        from aws_login_bridge.login import start_login
        from aws_login_bridge.store.cache import format_time

        pending = start_login(p.profile, region=p.region, endpoint_url=p.endpointUrl,
                              flow=p.flow)
        self._pending.add(pending)  # here, so that a cancelled request cannot leak it
        return t.StartLoginResult(
            loginId=pending.login_id, authorizeUrl=pending.authorize_url, profile=pending.profile,
            region=pending.region, flow=pending.flow, expiresAt=format_time(pending.expires_at))

    async def complete_login(self, p: t.CompleteLoginParams) -> t.CompleteLoginResult:
        result = await self._offload(self._complete, p)
        await self._feed.check({result.profile: "active"})
        return result

    def _complete(self, p: t.CompleteLoginParams) -> t.CompleteLoginResult:
        from aws_login_bridge.login import complete_login

        def finish(pending: PendingLogin) -> t.CompleteLoginResult:
            done = complete_login(pending, p.code, replace_existing=p.replaceExisting)
            return t.CompleteLoginResult(
                profile=done.profile, loginSession=done.login_session, accountId=done.account_id,
                region=done.region, expiresAt=done.expires_at,
                sessionExpiresAt=done.session_ends_at, replaced=done.replaced)

        return self._pending.run(p.loginId, finish)

    def cancel_login(self, p: t.CancelLoginParams) -> None:
        self._pending.cancel(p.loginId)  # may stop a loopback listener

    async def logout(self, p: t.LogoutParams) -> t.LogoutResult:
        result = await self._offload(_logout, p)
        await self._feed.check()
        return result

    def status(self, p: t.StatusParams) -> t.StatusResult:
        from aws_login_bridge.diagnose import profile_status

        return profile_status(p.profile, refresh=p.refresh)

    def list_profiles(self, _: t.NoParams) -> t.ListProfilesResult:
        from aws_login_bridge.diagnose import all_statuses

        return t.ListProfilesResult(profiles=all_statuses())

    async def caller_identity(self, p: t.ProfileParams) -> dict[str, str]:
        from aws_login_bridge.identity import caller_identity

        try:
            identity = await self._offload(caller_identity, p.profile)
        except RefreshRequired:
            await self._feed.expired(p.profile)
            raise
        await self._feed.check()  # it may have refreshed the credentials first
        return identity  # exactly the declared CallerIdentityResult fields


def _logout(p: t.LogoutParams) -> t.LogoutResult:
    from aws_login_bridge.logout import logout_all, logout_profile

    outcome = logout_all() if p.all else logout_profile(p.profile)
    return t.LogoutResult(removed=outcome.removed, alsoLoggedOut=list(outcome.also_logged_out),
                          revoked=outcome.revoked,
                          revokeProblem=" ".join(outcome.revoke_problems) or None)

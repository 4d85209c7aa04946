"""One sign-in through the helper, shared by the widget panel and the text flow.

Only contract calls happen here (startLogin, completeLogin, cancelLogin, then
callerIdentity and status for the summary); showing things is the callers' job. The
verification code goes into completeLogin and nowhere else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from aws_login_bridge import protocol_names as names
from aws_login_jupyter import kernel_env
from aws_login_jupyter.messages import RETRYABLE_KINDS, Failure, friendly

START_TIMEOUT = 30.0
COMPLETE_TIMEOUT = 120.0  # the exchange retries a failing endpoint before giving up
QUERY_TIMEOUT = 60.0

# completeLogin failures after which the same loginId takes another try (contract: the
# pending login stays open); any other failure spends it.
KEEPS_LOGIN = RETRYABLE_KINDS | {"SessionConflict"}

# Problems the summary words itself (kernel-side) or that a fresh login has just fixed.
_SUMMARY_SKIPS = frozenset({"EnvKeysWin", "NotLoggedIn", "CacheMissing"})


class Helper(Protocol):
    def call(self, method: str, params: dict[str, Any] | None = None,
             timeout: float = ...) -> Any: ...


@dataclass(frozen=True)
class Started:
    login_id: str
    authorize_url: str
    profile: str
    region: str
    expires_at: str | None


@dataclass
class Outcome:
    """What a finished login means for the person, ready to show."""

    profile: str
    account_id: str | None
    region: str | None
    expires_at: str | None
    arn: str | None = None
    session_ends_at: str | None = None
    profile_set: bool = False
    identity_failure: str | None = None
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        who = self.arn or "(identity not checked)"
        account = f" (account {self.account_id})" if self.account_id else ""
        out = [f"Logged in: profile '{self.profile}' is {who}{account}."]
        if self.identity_failure:
            out.append(f"Could not confirm the identity: {self.identity_failure}.")
        if self.expires_at:
            text = (f"Credentials are valid until {show_time(self.expires_at)} and refresh "
                    "automatically")
            if self.session_ends_at:
                text += f" until the sign-in ends at {show_time(self.session_ends_at)}"
            out.append(text + ".")
        if self.profile_set:
            out.append(f"AWS_PROFILE={self.profile} is set in this kernel: boto3.client(...) "
                       "now uses this login.")
        else:
            out.append(f"Use it with boto3.Session(profile_name=\"{self.profile}\").")
        out.extend(self.warnings)
        return out


def show_time(value: str) -> str:
    """``2026-11-26T08:15:00Z`` → ``2026-11-26 08:15 UTC`` (unparseable text as is)."""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


class SignIn:
    """One login attempt: start, then complete (retrying codes), or cancel."""

    def __init__(self, helper: Helper) -> None:
        self.helper = helper
        self.started: Started | None = None

    def start(self, profile: str, region: str | None) -> Started:
        self.cancel()
        params: dict[str, Any] = {"profile": profile}
        if region:
            params["region"] = region
        answer = self.helper.call(names.START_LOGIN, params, timeout=START_TIMEOUT)
        self.started = Started(
            login_id=str(answer["loginId"]),
            authorize_url=str(answer["authorizeUrl"]),
            profile=str(answer.get("profile") or profile),
            region=str(answer.get("region") or region or ""),
            expires_at=answer.get("expiresAt"),
        )
        return self.started

    def complete(self, code: str, *, replace_existing: bool = False) -> dict[str, Any]:
        """completeLogin; on a Failure whose kind spends the login, the attempt is over."""
        if self.started is None:
            raise Failure("UnknownLogin", "No sign-in is in progress.")
        params: dict[str, Any] = {"loginId": self.started.login_id, "code": code.strip()}
        if replace_existing:
            params["replaceExisting"] = True
        try:
            result = self.helper.call(names.COMPLETE_LOGIN, params,
                                      timeout=COMPLETE_TIMEOUT)
        except Failure as failure:
            if failure.kind not in KEEPS_LOGIN:
                self.started = None
            raise
        self.started = None
        return dict(result)

    def cancel(self) -> None:
        """Drop the pending login in the helper, if any (best effort: it lapses anyway)."""
        started, self.started = self.started, None
        if started is not None:
            with contextlib.suppress(Failure):
                self.helper.call(names.CANCEL_LOGIN, {"loginId": started.login_id},
                                 timeout=START_TIMEOUT)


def summarize(helper: Helper, result: dict[str, Any], *, set_profile: bool) -> Outcome:
    """After completeLogin: who this is, when it refreshes, and what could still win."""
    profile = str(result.get("profile") or "default")
    outcome = Outcome(
        profile=profile,
        account_id=result.get("accountId"),
        region=result.get("region"),
        expires_at=result.get("expiresAt"),
    )
    try:
        identity = helper.call(names.CALLER_IDENTITY, {"profile": profile},
                               timeout=QUERY_TIMEOUT)
        outcome.arn = identity.get("Arn")
        outcome.account_id = identity.get("Account") or outcome.account_id
    except Failure as failure:
        outcome.identity_failure = friendly(failure, profile)
    try:
        status = helper.call(names.STATUS, {"profile": profile}, timeout=QUERY_TIMEOUT)
    except Failure:
        status = {}
    # An optional extra of the helper's results: when the 12-hour login session ends.
    outcome.session_ends_at = result.get("sessionExpiresAt") or status.get("sessionExpiresAt")
    if set_profile:
        kernel_env.use_profile(profile)
        outcome.profile_set = True
    outcome.warnings.extend(kernel_env.env_warnings(profile, set_profile))
    for problem in status.get("problems") or []:
        if problem.get("kind") not in _SUMMARY_SKIPS and problem.get("message"):
            outcome.warnings.append(str(problem["message"]))
    return outcome

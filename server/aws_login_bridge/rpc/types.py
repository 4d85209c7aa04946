"""Method names and the shapes of results and notifications (the contract, typed).

Field names are the wire names (camelCase). Optional extras beyond the fixed contract:
``sessionExpiresAt`` (when the 12-hour login session ends) and ``replaced``.
"""

from __future__ import annotations

from typing import Literal, TypedDict

START_LOGIN = "awsLogin/startLogin"
COMPLETE_LOGIN = "awsLogin/completeLogin"
CANCEL_LOGIN = "awsLogin/cancelLogin"
LOGOUT = "awsLogin/logout"
STATUS = "awsLogin/status"
LIST_PROFILES = "awsLogin/listProfiles"
CALLER_IDENTITY = "awsLogin/callerIdentity"
SESSION_CHANGED = "awsLogin/sessionChanged"

Flow = Literal["remote", "sameDevice"]
SessionState = Literal["active", "refreshed", "expired", "loggedOut"]


class StartLoginResult(TypedDict):
    loginId: str
    authorizeUrl: str
    profile: str
    region: str
    flow: str
    expiresAt: str


class CompleteLoginResult(TypedDict):
    profile: str
    loginSession: str
    accountId: str
    region: str
    expiresAt: str
    sessionExpiresAt: str | None
    replaced: str | None


class LogoutResult(TypedDict):
    removed: int
    alsoLoggedOut: list[str]  # other profiles that shared the deleted cache file


class ProblemDict(TypedDict):
    kind: str
    message: str


class StatusResult(TypedDict):
    profile: str
    loginSession: str | None
    accountId: str | None
    region: str | None
    expiresAt: str | None
    credentialSource: str | None
    problems: list[ProblemDict]
    sessionExpiresAt: str | None


class ProfileSummary(TypedDict):
    profile: str
    loginSession: str | None
    expiresAt: str | None
    credentialSource: str | None
    sessionExpiresAt: str | None
    region: str | None
    loggedIn: bool


class ListProfilesResult(TypedDict):
    profiles: list[ProfileSummary]


class CallerIdentityResult(TypedDict):
    UserId: str
    Account: str
    Arn: str


class SessionChangedParams(TypedDict):
    profile: str
    loginSession: str | None
    expiresAt: str | None
    state: str
    sessionExpiresAt: str | None

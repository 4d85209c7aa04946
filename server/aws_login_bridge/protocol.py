"""The helper's protocol, declared once: every client's view of it is generated from here.

Methods with their params and results, the ``awsLogin/sessionChanged`` notification, every
error kind with its meaning and code, the problem kinds of a status, the profile-name rule
and what "logged in" means. The helper parses params into these classes and answers with
them; ``aws-login-bridge status --json`` prints the same ``StatusResult``;
``scripts/gen-protocol`` writes the TypeScript declarations (vscode-client, the JupyterLab
extension), docs/protocol.md's tables, and ``protocol_names``: the method names and error
kinds as plain constants, which the Jupyter side and the Python client import instead of
this module (its attrs classes would slow every kernel's start).

Field names are the wire names (camelCase). A params field with a default may be left out
(or sent as ``null``); a result field with a default of ``None`` is always sent, as
``null`` when unknown.
"""

import functools
import re
from typing import Any, Literal, TypeVar, get_args, get_origin

import attrs

T = TypeVar("T")

# -- the profile-name rule --------------------------------------------------------------

PROFILE_NAME_CHARS = "A-Za-z0-9._@+-"
PROFILE_NAME_MAX = 128
PROFILE_NAME_PATTERN = f"^[{PROFILE_NAME_CHARS}]{{1,{PROFILE_NAME_MAX}}}$"
PROFILE_NAME_RULE = (
    f"letters, digits, '-', '_', '.', '@' or '+', at most {PROFILE_NAME_MAX} characters"
)
PROFILE_NAME_RE = re.compile(PROFILE_NAME_PATTERN)

# -- error kinds (``error.data.kind``) -----------------------------------------------------

REQUEST_FAILED = -32803  # LSP RequestFailed: the engine refused a well-formed request
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603


@attrs.frozen
class Kind:
    """One ``data.kind``: its JSON-RPC code, what it means, and the extra ``data`` it carries."""

    code: int
    meaning: str
    data: dict[str, str] = attrs.field(factory=dict)


ERROR_KINDS: dict[str, Kind] = {
    "ProfileHasOtherCredentials": Kind(
        REQUEST_FAILED,
        "the profile already uses keys, SSO, a role, web identity or credential_process",
        {"style": "the config key found, e.g. `aws_access_key_id`, `sso_session`, `role_arn`",
         "suggestion": "a profile name to use instead"}),
    "RegionRequired": Kind(REQUEST_FAILED, "no region given and none configured",
                           {"default": "the region to offer: `us-east-1`"}),
    "InvalidCode": Kind(REQUEST_FAILED, "the pasted text is not a verification code; the "
                        "login stays open"),
    "StateMismatch": Kind(REQUEST_FAILED, "the code belongs to another login attempt; the "
                          "login stays open"),
    "AuthCodeExpired": Kind(REQUEST_FAILED, "the service says the authorization code expired "
                            "or was used"),
    "InsufficientPermissions": Kind(REQUEST_FAILED, "the identity lacks "
                                    "SignInLocalDevelopmentAccess (or STS said AccessDenied)"),
    "SessionConflict": Kind(
        REQUEST_FAILED, "the profile points at a different session and `replaceExisting` was "
        "not true; nothing written",
        {"current": "the session ARN the profile has", "new": "the session ARN just signed in"}),
    "UnknownLogin": Kind(REQUEST_FAILED, "`loginId` unknown, finished, cancelled or lapsed "
                         "(10 minutes)"),
    "NotLoggedIn": Kind(REQUEST_FAILED, "the profile has no login session or no cached "
                        "credentials",
                        {"profile": "the profile name", "loginSession": "the session ARN"}),
    "RefreshRequired": Kind(REQUEST_FAILED, "the 12-hour session is over (`TOKEN_EXPIRED`, "
                            "`USER_CREDENTIALS_CHANGED`)"),
    "ServiceError": Kind(REQUEST_FAILED, "Sign-In or STS failed after retries",
                         {"status": "HTTP status, when there was one"}),
    "NetworkError": Kind(REQUEST_FAILED, "the endpoint could not be reached"),
    "ConfigError": Kind(REQUEST_FAILED, "the config file, cache or lock cannot be read or "
                        "written; show the message"),
    "InvalidInput": Kind(
        INVALID_PARAMS, "missing or wrongly typed params, params not an object, or a value the "
        "engine cannot use (profile name, region, endpoint URL, flow)",
        {"field": "the params field at fault"}),
    "InternalError": Kind(INTERNAL_ERROR, "a bug; the helper's log has the traceback"),
}
ErrorKind = Literal[tuple(ERROR_KINDS)]  # type: ignore[valid-type]
# Every extra ``data`` field a kind above names, with its JSON type.
ERROR_DATA_FIELDS: dict[str, type] = {
    "style": str, "suggestion": str, "default": str, "current": str, "new": str,
    "profile": str, "loginSession": str, "status": int, "field": str,
}

# The problems ``awsLogin/status`` (and ``status --json``) lists; their ``kind`` values.
PROBLEM_KINDS: dict[str, str] = {
    "NotLoggedIn": "the profile has no `login_session`",
    "CacheMissing": "the session's cache file is missing or damaged",
    "SessionExpired": "the 12-hour session has ended",
    "EnvKeysWin": "`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` are set and win",
    "SharedCredentialsWin": "the credentials file has keys for the profile, which win",
    "AwscrtMissing": "botocore lacks awscrt, which login sessions need",
    "BotocoreTooOld": "botocore is older than 1.41",
    "CredentialsUnusable": "botocore cannot build credentials from the profile",
    "NoRegion": "the login profile has no region (most `aws` commands and the JavaScript "
                "SDK need one)",
    "RefreshFailed": "credentials due for a refresh could not be refreshed",
}
ProblemKind = Literal[tuple(PROBLEM_KINDS)]  # type: ignore[valid-type]

Flow = Literal["remote", "sameDevice"]
SESSION_STATES: dict[str, str] = {
    "active": "a login: the cache file appeared, the profile points at another session, or "
              "the idToken changed (a new sign-in)",
    "refreshed": "same session, new credentials (`expiresAt` moved)",
    "expired": "the 12-hour session ended (idToken `iat` + 12 h), or a refresh answered "
               "`RefreshRequired`; said once per session",
    "loggedOut": "the cache file is gone or unreadable, or the profile lost its "
                 "`login_session`",
}
SessionState = Literal[tuple(SESSION_STATES)]  # type: ignore[valid-type]

# -- one definition of "logged in" --------------------------------------------------------


def is_logged_in(login_session: str | None, expires_at: str | None,
                 session_ended: bool) -> bool:
    """Logged in: the profile names a login session, its cache file holds credentials, and
    the 12-hour session has not ended. After a logout the profile keeps its
    ``login_session`` (a later login reuses it) but the cache file, so ``expiresAt``, is
    gone."""
    return bool(login_session) and bool(expires_at) and not session_ended


# -- params ------------------------------------------------------------------------------


def _doc(text: str, default: Any = attrs.NOTHING, *, secret: bool = False) -> Any:
    return attrs.field(default=default, repr=not secret, metadata={"doc": text})


def profile_field(text: str = "profile name (default `default`)") -> Any:
    return _doc(text, "default")


@attrs.frozen
class StartLoginParams:
    profile: str = profile_field()
    region: str | None = _doc("region to sign in to; saved in the profile if it has none. "
                              "Without it the profile's own region is used, then the "
                              "helper's `AWS_REGION` / `AWS_DEFAULT_REGION`, else "
                              "`RegionRequired`.", None)
    endpointUrl: str | None = _doc("the AWS Sign-In endpoint (an emulator, a VPC endpoint)",
                                   None)
    flow: Flow = _doc("`remote` (the page shows a code to paste) or `sameDevice` (the "
                      "browser comes back to a one-shot listener on 127.0.0.1)", "remote")


@attrs.frozen
class CompleteLoginParams:
    loginId: str = _doc("from `startLogin`")
    code: str | None = _doc(
        "the verification code as pasted (whitespace is ignored). Omitted for `sameDevice`: "
        "the call then waits for the browser's callback (up to the login's 10 minutes; "
        "`cancelLogin` stops the wait).", None, secret=True)
    replaceExisting: bool = _doc("`true` to replace a different `login_session` the profile "
                                 "already has", False)


@attrs.frozen
class CancelLoginParams:
    loginId: str = _doc("from `startLogin`")


@attrs.frozen
class LogoutParams:
    profile: str = profile_field()
    all: bool = _doc("`true`: remove every login cache file", False)


@attrs.frozen
class ProfileParams:
    profile: str = profile_field()


@attrs.frozen
class StatusParams:
    profile: str = profile_field()
    refresh: bool = _doc("`false`: only read the files; no refresh, so no network call "
                         "and nothing written (for requests a web page can trigger)", True)


@attrs.frozen
class NoParams:
    pass


# -- reading params: JSON into the classes above -------------------------------------------

MAX_TEXT = 65536  # no legitimate parameter comes close


class ParamsError(ValueError):
    """Params that do not fit: which ``field`` and ``what`` is wrong, never the value (a
    misplaced verification code must not end up in a message)."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__(f"params {what}" if field == "params" else f"'{field}' {what}")
        self.field, self.what = field, what


def structure_params(cls: type[T], params: object) -> T:
    """``params`` as ``cls``. ``null`` or absent means the default; unknown fields are
    ignored, so clients may send optional extras (e.g. LSP's ``workDoneToken``)."""
    import cattrs

    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ParamsError("params", "must be an object with named fields")
    try:
        parsed = _converter().structure({k: v for k, v in params.items() if v is not None}, cls)
    except cattrs.ClassValidationError as error:
        for problem in error.exceptions:
            notes = getattr(problem, "__notes__", [])
            field = next((n.name for n in notes if isinstance(n, cattrs.AttributeValidationNote)),
                         "params")
            if isinstance(problem, (KeyError, ParamsError)):
                raise ParamsError(field, "is required" if isinstance(problem, KeyError)
                                  else problem.what) from None
        raise ParamsError("params", "do not fit the method") from None
    if getattr(parsed, "loginId", None) == "":
        raise ParamsError("loginId", "must not be empty")
    return parsed


@functools.cache
def _converter() -> Any:
    import cattrs

    def text(value: object, _: type) -> str:
        if not isinstance(value, str):
            raise ParamsError("", "must be a string")
        if len(value) > MAX_TEXT:
            raise ParamsError("", "is too long")
        return value

    def flag(value: object, _: type) -> bool:
        if not isinstance(value, bool):
            raise ParamsError("", "must be true or false")
        return value

    def choice(value: object, kind: Any) -> object:
        if not isinstance(value, str) or value not in get_args(kind):
            raise ParamsError("", "must be " + " or ".join(repr(c) for c in get_args(kind)))
        return value

    converter = cattrs.Converter()
    converter.register_structure_hook(str, text)
    converter.register_structure_hook(bool, flag)
    converter.register_structure_hook_func(lambda t: get_origin(t) is Literal, choice)
    return converter


# -- results and the notification ----------------------------------------------------------

@attrs.frozen
class StartLoginResult:
    loginId: str = _doc("handle for `completeLogin` and `cancelLogin`")
    authorizeUrl: str = _doc("the sign-in page to open")
    profile: str = _doc("the profile name")
    region: str = _doc("the region signed in to")
    flow: Flow = _doc("the flow in use")
    expiresAt: str = _doc("when this pending login lapses (10 minutes)")


_SESSION = "the login session ARN (`arn:aws:sts::123456789012:assumed-role/…`)"
_EXPIRES = "when the access credentials expire (≤ 15 minutes away; they refresh)"
_SESSION_END = "when the 12-hour sign-in session ends"
_LOGGED_IN = ("logged in: a login session, cached credentials, and the 12-hour session not "
              "over")
_SOURCE = ("botocore's method name of the credential source that wins for the profile "
           "(`login`, `env`, `shared-credentials-file`, …)")


@attrs.frozen
class CompleteLoginResult:
    profile: str = _doc("the profile name")
    loginSession: str = _doc(_SESSION)
    accountId: str = _doc("the AWS account")
    region: str = _doc("the profile's region")
    expiresAt: str = _doc(_EXPIRES)
    sessionExpiresAt: str | None = _doc(_SESSION_END, None)
    replaced: str | None = _doc("the session ARN that was replaced, or null", None)


@attrs.frozen
class LogoutResult:
    removed: int = _doc("number of cache files deleted (0 if there was none, also for a "
                        "profile without `login_session`)")
    alsoLoggedOut: list[str] = _doc("the other profiles whose `login_session` names the same "
                                    "console session, so that shared the deleted file and are "
                                    "logged out too (empty for `all`)")
    revoked: bool = _doc("`true` when AWS Sign-In revoked every removed session's refresh "
                         "token, so a copy of the file can no longer refresh", False)
    revokeProblem: str | None = _doc(
        "why a refresh token could not be revoked (skipped, refused, unreachable) and until "
        "when it stays valid; null when all were revoked or there was nothing to revoke", None)


@attrs.frozen
class Problem:
    kind: ProblemKind = attrs.field(validator=attrs.validators.in_(PROBLEM_KINDS),
                                    metadata={"doc": "what stops the login from working"})
    message: str = _doc("what to do about it")


@attrs.define
class SessionView:
    """What a ``status`` answer and a ``sessionChanged`` notification both say of a
    profile's session, with the same names and the same rule for "logged in"."""

    profile: str = _doc("the profile name")
    loginSession: str | None = _doc(_SESSION, None)
    expiresAt: str | None = _doc(_EXPIRES + "; null when there are none (as after a logout)",
                                 None)
    sessionExpiresAt: str | None = _doc(_SESSION_END, None)
    loggedIn: bool = _doc(_LOGGED_IN, False)
    sourceProfile: str | None = _doc(
        "the login profile whose session this profile's credentials come from, through its "
        "`source_profile` chain (a role assumed with that session); null for a login profile "
        "itself and for a profile that uses no login session", None)
    roleArn: str | None = _doc("the role this profile assumes (`role_arn`), or null", None)


@attrs.define
class StatusResult(SessionView):
    """Also what ``aws-login-bridge status --json`` prints."""

    accountId: str | None = _doc("the AWS account", None)
    region: str | None = _doc("the region boto3 uses for the profile: `AWS_DEFAULT_REGION`, "
                              "else the profile's `region`", None)
    credentialSource: str | None = _doc(_SOURCE, None)
    problems: list[Problem] = attrs.field(factory=list, metadata={"doc": "what stops it"})


@attrs.frozen
class ListProfilesResult:
    profiles: list[StatusResult] = _doc("every profile of the config file, each as "
                                        "`status` answers for it")


@attrs.frozen
class CallerIdentityResult:
    UserId: str = _doc("STS GetCallerIdentity's UserId")
    Account: str = _doc("the AWS account")
    Arn: str = _doc("the identity's ARN")


@attrs.frozen
class SessionChangedParams(SessionView):
    state: SessionState = _doc("what happened", "active")


# -- the method table ------------------------------------------------------------------------


@attrs.frozen
class Method:
    name: str
    params: type
    result: type | None  # None: the result is null
    summary: str
    errors: tuple[str, ...] = ()  # the kinds it answers besides EVERY_METHOD_ERRORS

    @property
    def short(self) -> str:
        """The name without its ``awsLogin/`` prefix (the TypeScript constant)."""
        return self.name.split("/", 1)[1]


# Any method answers these: params that do not fit (a bad profile name included), and a bug.
EVERY_METHOD_ERRORS: tuple[str, ...] = ("InvalidInput", "InternalError")

METHODS: tuple[Method, ...] = (
    Method("awsLogin/startLogin", StartLoginParams, StartLoginResult,
           "Starts a login and returns the URL to open. Nothing is written yet.",
           ("ProfileHasOtherCredentials", "RegionRequired", "ConfigError")),
    Method("awsLogin/completeLogin", CompleteLoginParams, CompleteLoginResult,
           "Exchanges the verification code (pasted, or brought back by a same-device "
           "login's browser) for credentials and writes the cache file and the profile's "
           "`login_session` (and `region` if it had none).",
           ("InvalidCode", "StateMismatch", "SessionConflict", "AuthCodeExpired",
            "InsufficientPermissions", "UnknownLogin", "ServiceError", "NetworkError",
            "ConfigError", "ProfileHasOtherCredentials")),
    Method("awsLogin/cancelLogin", CancelLoginParams, None,
           "Drops a pending login (its secrets, and a same-device login's listener).",
           ("UnknownLogin",)),
    Method("awsLogin/logout", LogoutParams, LogoutResult,
           "Deletes the profile's cache file (`all`: every login cache file).",
           ("ConfigError",)),
    Method("awsLogin/status", StatusParams, StatusResult,
           "What a profile would use and what stops it from working; credentials due for a "
           "refresh are refreshed first (unless `refresh` is false).",
           ("ConfigError",)),
    Method("awsLogin/listProfiles", NoParams, ListProfilesResult,
           "Every profile of the config file, login profiles and the others, each as "
           "`status` answers for it but never refreshed.",
           ("ConfigError",)),
    Method("awsLogin/callerIdentity", ProfileParams, CallerIdentityResult,
           "STS `GetCallerIdentity` with the profile's credentials (refreshed first if "
           "due).",
           ("NotLoggedIn", "RefreshRequired", "ServiceError", "NetworkError",
            "InsufficientPermissions", "ConfigError")),
)
NOTIFICATIONS: dict[str, type] = {"awsLogin/sessionChanged": SessionChangedParams}

"""A login from start to finish: the AWS CLI's rules, the token exchange, the two files.

``start_login`` checks the profile and builds everything the browser needs; the result is
a ``PendingLogin`` that lives only in memory (verifier, state and DPoP key included).
With ``quick=True`` (the CLI) it builds the URL without importing botocore, awscrt or
cryptography, so the person can start signing in at once; ``prepare_exchange`` then
confirms the endpoint with botocore and makes the DPoP key while they do.
``complete_login`` turns the pasted verification code into credentials and writes the
cache file and the profile together, putting both back as they were if either write fails.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aws_login_bridge.crashpoint import crashpoint
from aws_login_bridge.errors import (
    ConfigError,
    InvalidInput,
    ProfileHasOtherCredentials,
    RegionRequired,
    SessionConflict,
    UnknownLogin,
    login_command,
    shown,
    shown_name,
)
from aws_login_bridge.profiles import (
    bridged_profile,
    login_suggestion,
    other_credential_style,
    session_text,
    style_text,
)
from aws_login_bridge.signin import pkce
from aws_login_bridge.signin.endpoints import (
    quick_signin_base,
    resolve_signin_base,
    validate_endpoint_url,
    validate_region,
)
from aws_login_bridge.signin.idtoken import IdentityClaims, read_id_token, session_end
from aws_login_bridge.signin.verification import parse_verification_code
from aws_login_bridge.store.cache import (
    FileSnapshot,
    cache_path,
    format_time,
    login_document,
    refresh_lock,
    write_cache,
)
from aws_login_bridge.store.configfile import (
    ConfigDocument,
    config_lock,
    validate_profile_name,
)
from aws_login_bridge.store.folder_trust import check_cache_folder, check_config_folder
from aws_login_bridge.store.locks import check_lock_folder
from aws_login_bridge.store.paths import config_file, login_cache_dir

if TYPE_CHECKING:  # imported where used: botocore, awscrt and cryptography are slow to load
    from aws_login_bridge.protocol import Flow
    from aws_login_bridge.signin.dpop import DpopKey
    from aws_login_bridge.signin.loopback import LoopbackReceiver
    from aws_login_bridge.signin.tokens import SigninClient, TokenGrant

DEFAULT_REGION = "us-east-1"
PENDING_LIFETIME = 600.0  # seconds a started login may wait for its code


REGION_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION")  # the AWS CLI's order


def environment_region() -> str | None:
    """The region the environment names (AWS_REGION, then AWS_DEFAULT_REGION). As the AWS CLI
    does, a profile without a region uses it without asking, and it is saved there."""
    return next((os.environ[name] for name in REGION_VARIABLES if os.environ.get(name)), None)


def login_region(given: str | None, profile_region: str | None) -> tuple[str | None, str]:
    """The region to sign in to and where it came from, in the AWS CLI's order: --region,
    then AWS_REGION and AWS_DEFAULT_REGION, then the profile's ``region``."""
    if given:
        return given, "--region"
    for name in REGION_VARIABLES:
        if os.environ.get(name):
            return os.environ[name], name
    return profile_region or None, "profile"


def checked_region(region: str, origin: str) -> str:
    """``validate_region``, with a refusal that says where the bad value came from and the
    lowercase spelling when that is the region meant."""
    try:
        return validate_region(region)
    except InvalidInput as refusal:
        hint = ""
        try:
            lower = validate_region(region.lower())
        except InvalidInput:
            pass
        else:
            hint = f" Region codes are lowercase: use {lower}."
        if origin in REGION_VARIABLES:
            raise InvalidInput(
                f"{origin} is set to {shown(region)}, which is not a region AWS knows.{hint}"
                f" Set {origin} to a region code such as {DEFAULT_REGION}, or unset it.",
                field="region",
            ) from None
        if hint:
            raise InvalidInput(f"The region {shown(region)} is not one AWS knows.{hint}",
                               field="region") from None
        raise refusal from None


def refuse_other_style(profile: str, profile_config: dict[str, str]) -> None:
    style = other_credential_style(profile_config)
    if style is None:
        return
    suggestion = login_suggestion(profile, profile_config)
    if bridged_profile(profile_config) is not None:
        # A process profile of ours: the login it needs is that of the profile it reads.
        raise ProfileHasOtherCredentials(
            f"Profile '{profile}' gets credentials through credential_process from the login "
            f"session of profile {shown_name(suggestion)}. Log in to that profile instead: "
            f"{login_command(suggestion)}",
            style=style,
            suggestion=suggestion,
        )
    raise ProfileHasOtherCredentials(
        f"Profile '{profile}' already gets credentials from {style_text(style)}. "
        f"Log in with a new profile instead, for example '{suggestion}'.",
        style=style,
        suggestion=suggestion,
    )


@dataclass(repr=False, eq=False)
class PendingLogin:
    """A started login. Holds secrets: never log it, never send it anywhere."""

    login_id: str
    profile: str
    region: str
    flow: Flow
    client_id: str
    redirect_uri: str
    base_url: str
    endpoint_url: str | None
    authorize_url: str
    state: str
    verifier: str
    key: DpopKey | None  # made by prepare_exchange when start_login was quick
    deadline: float  # time.monotonic()
    expires_at: dt.datetime
    endpoint_confirmed: bool = True  # False: base_url came from quick_signin_base
    receiver: LoopbackReceiver | None = None
    grant: TokenGrant | None = None
    claims: IdentityClaims | None = None
    granted_at: float | None = None  # time.monotonic() of the exchange: expiresIn counts from it
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __repr__(self) -> str:
        return f"PendingLogin(login_id={self.login_id!r}, profile={self.profile!r})"

    @property
    def lapsed(self) -> bool:
        return time.monotonic() > self.deadline

    def close(self) -> None:
        if self.receiver is not None:
            self.receiver.close()


@dataclass(frozen=True)
class LoginResult:
    profile: str
    login_session: str
    account_id: str
    region: str
    expires_at: str
    replaced: str | None = None
    session_ends_at: str | None = None  # the console session's end (idToken iat + 12 h)


def start_login(
    profile: str = "default",
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    flow: Flow = "remote",
    quick: bool = False,
) -> PendingLogin:
    validate_profile_name(profile)
    if flow not in ("remote", "sameDevice"):
        raise InvalidInput("flow must be 'remote' or 'sameDevice'.", field="flow")
    if endpoint_url is not None:
        endpoint_url = validate_endpoint_url(endpoint_url)
    # Before the person signs in: a folder we would refuse to write to later would waste
    # the sign-in and the single-use code.
    check_config_folder(config_file())
    check_cache_folder(login_cache_dir())
    check_lock_folder()
    document = ConfigDocument.load(config_file())
    existing = document.profile(profile) or {}
    refuse_other_style(profile, existing)
    region, origin = login_region(region, existing.get("region"))
    if region:
        region = checked_region(region, origin)
    else:
        raise RegionRequired(
            f"Profile '{profile}' has no region. Choose one (for example {DEFAULT_REGION}); "
            "it will be saved in the profile.",
            default=DEFAULT_REGION,
        )
    base_url = None
    if quick:
        base_url = quick_signin_base(region, endpoint_url=endpoint_url, profile=profile,
                                     settings=_botocore_settings(document, profile))
    confirmed = base_url is None
    if base_url is None:
        base_url = resolve_signin_base(region, endpoint_url=endpoint_url, profile=profile)
    state = pkce.new_state()
    verifier = pkce.new_code_verifier()
    receiver: LoopbackReceiver | None = None
    if flow == "remote":
        client_id = pkce.CROSS_DEVICE_CLIENT_ID
        redirect_uri = pkce.confirmation_redirect_uri(base_url)
    else:
        from aws_login_bridge.signin.loopback import LoopbackReceiver

        client_id = pkce.SAME_DEVICE_CLIENT_ID
        receiver = LoopbackReceiver(state)
        redirect_uri = receiver.redirect_uri
    return PendingLogin(
        login_id=secrets.token_urlsafe(12),
        profile=profile,
        region=region,
        flow=flow,
        client_id=client_id,
        redirect_uri=redirect_uri,
        base_url=base_url,
        endpoint_url=endpoint_url,
        authorize_url=pkce.authorize_url(
            base_url,
            client_id=client_id,
            state=state,
            challenge=pkce.code_challenge(verifier),
            redirect_uri=redirect_uri,
        ),
        state=state,
        verifier=verifier,
        key=None if quick else _new_key(),
        deadline=time.monotonic() + PENDING_LIFETIME,
        expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=PENDING_LIFETIME),
        endpoint_confirmed=confirmed,
        receiver=receiver,
    )


def _botocore_settings(document: ConfigDocument, profile: str) -> dict[str, str]:
    """The config-file settings botocore resolves the endpoint with: the profile's, or the
    default profile's while the profile does not exist yet (``botocore_session``)."""
    from aws_login_bridge.profiles import chosen_profile

    settings = document.profile(profile)
    if settings is None:
        settings = document.profile(chosen_profile(None)[0])
    return dict(settings or {})


def _new_key() -> DpopKey:
    from aws_login_bridge.signin.dpop import DpopKey

    return DpopKey.generate()


def prepare_exchange(pending: PendingLogin) -> None:
    """What a quick start left for later: botocore's own answer for the endpoint (which
    must be the URL already shown) and the DPoP key. Idempotent; nothing is written."""
    if not pending.endpoint_confirmed:
        actual = resolve_signin_base(pending.region, endpoint_url=pending.endpoint_url,
                                     profile=pending.profile)
        if actual != pending.base_url:
            raise ConfigError(
                f"botocore resolves AWS Sign-In for region '{pending.region}' to {actual}, "
                f"not {pending.base_url} as the sign-in URL above says. Do not use that "
                "URL; start the login again with --endpoint-url " + actual + ", and please "
                "report this."
            )
        pending.endpoint_confirmed = True
    if pending.key is None:
        pending.key = _new_key()


def complete_login(
    pending: PendingLogin,
    code: str | None = None,
    *,
    replace_existing: bool = False,
    client: SigninClient | None = None,
) -> LoginResult:
    """Exchange the code (once) and write the files.

    Raises InvalidCode/StateMismatch before anything is sent; SessionConflict after the
    exchange but before any write. In those cases the pending login stays usable: the
    exchanged tokens are kept in memory so that a second call with ``replace_existing``
    finishes without a new code.
    """
    if pending.lapsed and pending.grant is None:
        pending.close()
        raise UnknownLogin("This sign-in attempt has lapsed (10 minutes). Start the login again.")
    if pending.grant is None:
        if pending.flow == "remote":
            auth_code = parse_verification_code(code or "", pending.state)
        else:
            assert pending.receiver is not None
            auth_code = pending.receiver.wait(max(0.0, pending.deadline - time.monotonic()))
        prepare_exchange(pending)
        assert pending.key is not None
        from aws_login_bridge.signin.tokens import SigninClient

        check_lock_folder()  # the code is single use: no lock may fail after spending it
        owned = client is None
        client = client or SigninClient(
            pending.region, endpoint_url=pending.endpoint_url, profile=pending.profile
        )
        try:
            grant = client.exchange_code(
                client_id=pending.client_id,
                code=auth_code,
                verifier=pending.verifier,
                redirect_uri=pending.redirect_uri,
                key=pending.key,
            )
        finally:
            if owned:
                client.close()
        pending.claims = read_id_token(grant.id_token)
        pending.grant = grant
        pending.granted_at = time.monotonic()
    return _write_login(pending, replace_existing=replace_existing)


def _write_login(pending: PendingLogin, *, replace_existing: bool) -> LoginResult:
    # Read, decide and write under the config lock, or a concurrent writer's lines are lost.
    with config_lock(config_file()):
        return _write_login_locked(pending, replace_existing=replace_existing)


def _write_login_locked(pending: PendingLogin, *, replace_existing: bool) -> LoginResult:
    grant, claims = pending.grant, pending.claims
    assert grant is not None and claims is not None
    document = ConfigDocument.load(config_file())
    existing = document.profile(pending.profile) or {}
    refuse_other_style(pending.profile, existing)
    current = (existing.get("login_session") or "").strip() or None
    # What the file says is shown as a value read from it: escaped unless it is an ARN.
    shown_current = session_text(current) if current else None
    if current and current != claims.login_session and not replace_existing:
        raise SessionConflict(
            f"Profile '{pending.profile}' already points at login session {shown_current}. "
            f"Confirm to replace it with {claims.login_session}, or use another profile.",
            current=shown_current,
            new=claims.login_session,
        )
    values = {"login_session": claims.login_session}
    if not existing.get("region"):
        values["region"] = pending.region
    updated = document.with_values(pending.profile, values)
    elapsed = time.monotonic() - (pending.granted_at or time.monotonic())
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(
        seconds=max(0.0, grant.expires_in - elapsed)
    )
    assert pending.key is not None  # made before the exchange
    token = login_document(grant, account_id=claims.account_id, expires_at=expires,
                           client_id=pending.client_id, dpop_pem=pending.key.to_pem(),
                           sign_in_region=pending.region)
    # Under the session's refresh lock: a refresh of the old tokens that finishes after this
    # write would otherwise put them back over the new login (and the fresh 12-hour session
    # would be lost); the refresh re-reads the file once it gets the lock.
    with refresh_lock(claims.login_session):
        snapshot = FileSnapshot([cache_path(claims.login_session)])
        write_cache(claims.login_session, token)
        crashpoint("login.cache_written")
        try:
            updated.save()
        except BaseException:
            snapshot.restore()
            raise
        crashpoint("login.config_saved")
    pending.close()
    return LoginResult(
        profile=pending.profile,
        login_session=claims.login_session,
        account_id=claims.account_id,
        region=existing.get("region") or pending.region,
        expires_at=token["accessToken"]["expiresAt"],
        replaced=shown_current if current and current != claims.login_session else None,
        session_ends_at=format_time(ends) if (ends := session_end(claims.issued_at)) else None,
    )

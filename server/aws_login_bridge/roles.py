"""Credentials of a role chained from a login session (``role_arn`` + ``source_profile``).

The login session is refreshed first if due (``fresh_credentials``, as for the login profile
itself), then each role of the chain is assumed in turn, nearest the login first, as
botocore's AssumeRoleProvider does. The result is cached (``store.role_cache``) until five
minutes before it expires, under a lock, so that many concurrent credential_process callers
make one AssumeRole.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from typing import Any

from aws_login_bridge.errors import (
    ConfigError,
    InsufficientPermissions,
    NetworkError,
    RefreshRequired,
    ServiceError,
    login_command,
    shown,
    shown_name,
)
from aws_login_bridge.profiles import FALLBACK_REGION, ChainedRole, RoleHop, role_text
from aws_login_bridge.store.cache import CachedLogin, format_time, parse_time

# Handed out while more than this is left, as for the login session's own credentials.
ROLE_THRESHOLD = dt.timedelta(minutes=5)
MIN_DURATION, MAX_DURATION = 900, 43200


def refuse_mfa(chain: ChainedRole) -> None:
    hop = next((h for h in chain.hops if h.settings.get("mfa_serial")), None)
    if hop is not None:
        raise ConfigError(
            f"Profile {shown_name(hop.profile)} asks for an MFA code (mfa_serial), which a "
            "credential_process cannot prompt for; use that profile with the AWS CLI or boto3 "
            "directly, or remove mfa_serial from it.", profile=chain.name, field="mfa_serial")


def _duration(hop: RoleHop) -> int | None:
    text = hop.settings.get("duration_seconds", "").strip()
    if not text:
        return None
    if not text.isdigit() or not MIN_DURATION <= int(text) <= MAX_DURATION:
        raise ConfigError(
            f"The duration_seconds of profile {shown_name(hop.profile)} ({shown(text)}) is "
            f"not a whole number of seconds from {MIN_DURATION} to {MAX_DURATION}; fix it.",
            profile=hop.profile)
    return int(text)


def _arguments(hop: RoleHop, now: float) -> dict[str, Any]:
    """AssumeRole's parameters from the profile, as botocore takes them."""
    name = hop.settings.get("role_session_name", "").strip()
    args: dict[str, Any] = {"RoleArn": hop.role_arn,
                            "RoleSessionName": name or f"aws-login-bridge-{int(now)}"}
    duration = _duration(hop)
    if duration is not None:
        args["DurationSeconds"] = duration
    external_id = hop.settings.get("external_id", "").strip()
    if external_id:
        args["ExternalId"] = external_id
    return args


def _cache_key(chain: ChainedRole, cached: CachedLogin) -> dict[str, Any]:
    # The sign-in (idToken) is in the key: a new login, or someone else's, never meets the
    # roles assumed with the one before.
    hops = [{k: h.settings.get(k, "").strip() for k in
             ("role_arn", "role_session_name", "duration_seconds", "external_id", "region")}
            for h in chain.hops]
    return {"loginSession": chain.login.login_session if chain.login else None,
            "idToken": cached.token.get("idToken"), "hops": hops}


def _region(hop: RoleHop, chain: ChainedRole) -> str:
    # botocore's order (AWS_DEFAULT_REGION, then the profile's region), then what the other
    # SDKs read, then the login profile's own region.
    return (os.environ.get("AWS_DEFAULT_REGION") or hop.settings.get("region", "").strip()
            or os.environ.get("AWS_REGION")
            or (chain.login.region if chain.login else None) or FALLBACK_REGION)


def _assume(hop: RoleHop, chain: ChainedRole, credentials: dict[str, str],
            now: float) -> dict[str, str]:
    import botocore.exceptions as bex
    import botocore.session
    from botocore.parsers import ResponseParserError

    from aws_login_bridge.signin.trusted_url import guard_client

    args = _arguments(hop, now)
    session = botocore.session.Session()
    session.set_config_variable("profile", None)
    try:
        client = session.create_client(
            "sts", region_name=_region(hop, chain),
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"])
        guard_client(client, "sts")  # the session token travels in a header
        answer = client.assume_role(**args)
    except (bex.EndpointConnectionError, bex.ConnectionClosedError, bex.ConnectTimeoutError,
            bex.ReadTimeoutError):
        raise NetworkError("AWS STS could not be reached. Check your network.") from None
    except bex.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("ExpiredToken", "ExpiredTokenException"):
            raise RefreshRequired(
                f"The login session's credentials have expired. Run: "
                f"{login_command(chain.source)}", profile=chain.name) from None
        if code == "AccessDenied":
            raise InsufficientPermissions(
                f"STS refused to let the login session of profile {shown_name(chain.source)} "
                f"assume {role_text(hop.role_arn)} (AccessDenied): check the role's trust policy "
                f"and the external_id of profile {shown_name(hop.profile)}.",
                profile=chain.name) from None
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise ServiceError(f"AWS STS refused to assume {role_text(hop.role_arn)} ({code}).",
                           status=status) from None
    except ResponseParserError:
        raise ServiceError(
            "AWS STS sent an answer that could not be read. Try again in a minute.") from None
    except bex.BotoCoreError as error:
        raise ServiceError(f"Could not call AWS STS ({type(error).__name__}).") from None
    given = answer["Credentials"]
    return {"AccessKeyId": given["AccessKeyId"], "SecretAccessKey": given["SecretAccessKey"],
            "SessionToken": given["SessionToken"], "Expiration": format_time(given["Expiration"])}


def _usable(credentials: dict[str, str] | None, now: dt.datetime) -> bool:
    if credentials is None:
        return False
    try:
        return parse_time(credentials["Expiration"]) - now > ROLE_THRESHOLD
    except ValueError:
        return False


def role_credentials(chain: ChainedRole, *,
                     now: Callable[[], dt.datetime] | None = None) -> tuple[dict[str, str],
                                                                              str | None]:
    """The role's ``{AccessKeyId, SecretAccessKey, SessionToken, Expiration}`` and the login
    session's refresh warning, if any."""
    from aws_login_bridge.refresh import fresh_credentials, utc_now
    from aws_login_bridge.store.role_cache import (
        read_role,
        role_cache_path,
        role_lock,
        write_role,
    )

    clock = now or utc_now
    refuse_mfa(chain)
    for hop in chain.hops:
        _duration(hop)  # a bad value is said before any network call
    if chain.login is None:
        raise chain.not_logged_in()
    cached, _, warning = fresh_credentials(chain.login, now=clock)
    path = role_cache_path(_cache_key(chain, cached))
    found = read_role(path, chain.source)
    if _usable(found, clock()):
        return found, warning  # type: ignore[return-value]
    with role_lock(path):
        found = read_role(path, chain.source)  # another caller may have assumed it meanwhile
        if _usable(found, clock()):
            return found, warning  # type: ignore[return-value]
        access = cached.access
        credentials = {"AccessKeyId": access["accessKeyId"],
                       "SecretAccessKey": access["secretAccessKey"],
                       "SessionToken": access["sessionToken"]}
        for hop in reversed(chain.hops):
            credentials = _assume(hop, chain, credentials, time.time())
        write_role(path, credentials)
    return credentials, warning

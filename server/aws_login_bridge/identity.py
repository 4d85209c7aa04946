"""STS GetCallerIdentity with a profile's credentials, through botocore's own chain."""

from __future__ import annotations

from typing import Any

from aws_login_bridge.errors import (
    ConfigError,
    InsufficientPermissions,
    LoginBridgeError,
    NetworkError,
    NotLoggedIn,
    RefreshRequired,
    ServiceError,
    login_command,
    shown_name,
)
from aws_login_bridge.profiles import LoginProfile, session_source
from aws_login_bridge.refresh import fresh_credentials
from aws_login_bridge.signin.trusted_url import guard_client


def other_credentials_region(profile: str) -> str | None:
    """The region boto3 calls STS in for a profile whose credentials come from something
    other than a login session, or None when it has none of those."""
    from aws_login_bridge.profiles import FALLBACK_REGION
    from aws_login_bridge.sources import Undecided, boto_region, winning_method
    from aws_login_bridge.store.configfile import ConfigDocument
    from aws_login_bridge.store.paths import config_file

    settings = ConfigDocument.load(config_file()).profile(profile)
    try:
        method = winning_method(profile, settings, login_usable=False)
    except Undecided:
        method = "shared-credentials-file"  # botocore names what is wrong with that file
    if method is None:
        return None
    return boto_region(settings)[0] or FALLBACK_REGION


def caller_identity(profile: str) -> dict[str, str]:
    """``{UserId, Account, Arn}`` for the profile.

    Our own locked refresh runs first, so botocore then finds fresh credentials and the
    call shows what any SDK would get from this profile.
    """
    import botocore.exceptions as bex
    import botocore.session
    from botocore.parsers import ResponseParserError

    try:
        source = session_source(profile)
    except NotLoggedIn as error:
        # Keys, a credential_process (ours from setup-process-profile included), SSO: any
        # profile boto3 resolves is asked as boto3 would, with no refresh of ours first.
        region = other_credentials_region(profile)
        if region is None or error.data.get("sourceProfile"):  # a role whose source is out
            raise
        settings = None
    else:
        # A chained role: botocore assumes it with the login session we have just refreshed.
        settings = source if isinstance(source, LoginProfile) else source.login
        fresh_credentials(settings)
        region = settings.refresh_region
    session = botocore.session.Session(profile=profile)
    try:
        client = session.create_client("sts", region_name=region)
        guard_client(client, "sts")  # the session token travels in a header
        answer: dict[str, Any] = client.get_caller_identity()
    except LoginBridgeError:
        raise
    except bex.MissingDependencyException:
        raise ConfigError(
            'This Python lacks awscrt, which login sessions need: pip install "botocore[crt]"'
        ) from None
    except bex.NoCredentialsError:
        raise NotLoggedIn(
            f"Profile {shown_name(profile)} has no usable credentials. Run: "
            f"{login_command(profile)}"
        ) from None
    except (bex.EndpointConnectionError, bex.ConnectionClosedError, bex.ConnectTimeoutError,
            bex.ReadTimeoutError):
        raise NetworkError("AWS STS could not be reached. Check your network.") from None
    except bex.ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("ExpiredToken", "ExpiredTokenException"):
            raise RefreshRequired("The credentials have expired. Log in again.") from None
        if code == "AccessDenied":
            raise InsufficientPermissions(f"STS refused the call: {code}.") from None
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        raise ServiceError(f"AWS STS refused the call ({code}).", status=status) from None
    except ResponseParserError:  # not a BotoCoreError: botocore gives up after its retries
        raise ServiceError(
            "AWS STS sent an answer that could not be read. Try again in a minute."
        ) from None
    except bex.BotoCoreError as error:
        name = type(error).__name__
        if "Refresh" in name:
            raise RefreshRequired("The login session has ended. Log in again.") from None
        raise ServiceError(f"Could not call AWS STS ({name}).") from None
    return {key: answer[key] for key in ("UserId", "Account", "Arn")}

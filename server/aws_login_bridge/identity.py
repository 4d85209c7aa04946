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


def caller_identity(profile: str) -> dict[str, str]:
    """``{UserId, Account, Arn}`` for the profile.

    Our own locked refresh runs first, so botocore then finds fresh credentials and the
    call shows what any SDK would get from this profile.
    """
    import botocore.exceptions as bex
    import botocore.session
    from botocore.parsers import ResponseParserError

    source = session_source(profile)
    # A chained role: botocore assumes it with the login session we have just refreshed.
    settings = source if isinstance(source, LoginProfile) else source.login
    fresh_credentials(settings)
    session = botocore.session.Session(profile=profile)
    try:
        client = session.create_client("sts", region_name=settings.refresh_region)
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

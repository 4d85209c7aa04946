"""Revoking a login session's refresh token: AWS Sign-In's RevokeOAuth2TokenWithIAM.

RFC 7009 over SigV4 (``POST /v1/revoke?x-amz-client-auth-method=iam``, body
``{"token": <refresh token>}``), sent through botocore's own ``signin`` model so endpoint
resolution (partitions, ``AWS_ENDPOINT_URL_SIGNIN``, the profile's ``services`` section)
is the one every SDK uses, signed with the session's own credentials. The service revokes
the whole refresh-token chain, so a copy of the cache file can no longer refresh; keys
already handed out stay valid until they expire.

The answer is a short reason (never a secret, never the service's free-text message) or
None: a logout goes ahead either way, and only says what it could not do.
"""

from __future__ import annotations

import logging
import re

from aws_login_bridge.errors import LoginBridgeError
from aws_login_bridge.signin.endpoints import botocore_session
from aws_login_bridge.signin.tokens import CONNECT_TIMEOUT, read_timeout
from aws_login_bridge.signin.trusted_url import guard_client
from aws_login_bridge.store.cache import CachedLogin

log = logging.getLogger(__name__)

OPERATION = "RevokeOAuth2TokenWithIAM"
# The first botocore whose signin model has RevokeOAuth2TokenWithIAM (pyproject's minimum).
FIRST_BOTOCORE = "1.43.44"
# One retry for a lost connection or a 5xx: a logout must not hang on a sick service.
_ATTEMPTS = 2
_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


def revoke_refresh_token(cached: CachedLogin, *, region: str, profile: str | None) -> str | None:
    """Revoke ``cached``'s refresh token, signed with its credentials: None when AWS Sign-In
    answered 200, otherwise why not, as a clause ("AWS Sign-In could not be reached")."""
    import botocore
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        HTTPClientError,
        ReadTimeoutError,
    )
    from botocore.exceptions import ConnectionError as BotoConnectionError

    access = cached.access
    timeout = read_timeout()
    config = Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=timeout,
                    retries={"total_max_attempts": _ATTEMPTS, "mode": "standard"})
    try:
        client = botocore_session(profile).create_client(
            "signin", region_name=region, config=config,
            aws_access_key_id=access["accessKeyId"],
            aws_secret_access_key=access["secretAccessKey"],
            aws_session_token=access["sessionToken"],
        )
    except LoginBridgeError as error:
        return error.message.rstrip(".")
    except BotoCoreError as error:
        return f"no AWS Sign-In endpoint could be worked out ({type(error).__name__})"
    try:
        # The Python name is botocore's to choose: look it up rather than spell it.
        method = {api: name for name, api in client.meta.method_to_api_mapping.items()
                  }.get(OPERATION)
        if method is None:
            return (f"the installed botocore {botocore.__version__} cannot call "
                    f"{OPERATION} (upgrade it to {FIRST_BOTOCORE} or later)")
        guard_client(client, "signin")
        getattr(client, method)(token=cached.refresh_token)
    except LoginBridgeError as error:  # an untrusted endpoint, refused before sending
        return error.message.rstrip(".")
    except ClientError as error:
        return _refusal(error)
    except ReadTimeoutError:
        return f"AWS Sign-In did not answer within {timeout:g} seconds"
    except (BotoConnectionError, HTTPClientError) as error:
        return f"AWS Sign-In could not be reached ({type(error).__name__})"
    except BotoCoreError as error:
        return f"AWS Sign-In's answer could not be read ({type(error).__name__})"
    finally:
        client.close()
    return None


def _refusal(error: object) -> str:
    response = getattr(error, "response", {}) or {}
    code = response.get("error") or response.get("Error", {}).get("Code")
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        code = "no error code"  # whatever else came back is not repeated on a terminal
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    log.info("revoke refused: HTTP %s %s", status, code)
    if status == 429:
        return "AWS Sign-In is throttling requests"
    if isinstance(status, int) and status >= 500:
        return f"AWS Sign-In failed (HTTP {status})"
    return f"AWS Sign-In refused it (HTTP {status}, {code})"

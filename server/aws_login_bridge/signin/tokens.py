"""The token endpoint: code exchange and refresh, DPoP-signed, with bounded retries.

The request goes through botocore's own ``signin`` model (the same code path the SDKs
use to refresh), unsigned, with a fresh DPoP proof on every attempt. botocore's retries
are turned off because they would replay the same proof (same ``jti``); we retry here.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from aws_login_bridge.errors import (
    SIGNIN_ERRORS,
    LoginBridgeError,
    NetworkError,
    ServiceError,
    signin_error,
)
from aws_login_bridge.signin.dpop import DpopKey
from aws_login_bridge.signin.endpoints import botocore_session
from aws_login_bridge.signin.trusted_url import guard_client

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
READ_TIMEOUT_VAR = "AWS_LOGIN_BRIDGE_READ_TIMEOUT"
MAX_RETRY_AFTER = 10.0


def read_timeout() -> float:
    """Seconds to wait for the token endpoint's answer: ``AWS_LOGIN_BRIDGE_READ_TIMEOUT`` if it
    is a positive number (tests shorten it; a slow proxy may need it longer), else 15."""
    try:
        value = float(os.environ.get(READ_TIMEOUT_VAR, ""))
    except ValueError:
        return READ_TIMEOUT
    return value if 0 < value < 3600 else READ_TIMEOUT


@dataclass(frozen=True, repr=False)
class TokenGrant:
    """What the token endpoint handed out. Secrets stay out of repr."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_in: int
    refresh_token: str
    token_type: str | None
    id_token: str | None

    def __repr__(self) -> str:
        return f"TokenGrant(expires_in={self.expires_in})"


class _ProofContext(threading.local):
    key: DpopKey | None = None


class SigninClient:
    """One botocore ``signin`` client per region/endpoint, safe to share across threads."""

    def __init__(
        self,
        region: str,
        *,
        endpoint_url: str | None = None,
        profile: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._region = region
        self._sleep = sleep
        self._proof = _ProofContext()
        self._read_timeout = read_timeout()
        config = Config(
            signature_version=UNSIGNED,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=self._read_timeout,
            retries={"total_max_attempts": 1},
        )
        self._client = botocore_session(profile).create_client(
            "signin", region_name=region, endpoint_url=endpoint_url, config=config
        )
        self._client.meta.events.register(
            "before-call.signin.CreateOAuth2Token", self._add_dpop_header
        )
        guard_client(self._client, "signin")

    def _add_dpop_header(self, params: dict[str, Any], **_: Any) -> None:
        key = self._proof.key
        if key is None:  # pragma: no cover - every call sets it
            raise RuntimeError("no DPoP key for this call")
        params["headers"]["DPoP"] = key.proof(params["url"])

    def exchange_code(
        self, *, client_id: str, code: str, verifier: str, redirect_uri: str, key: DpopKey
    ) -> TokenGrant:
        body = {
            "clientId": client_id,
            "grantType": "authorization_code",
            "code": code,
            "codeVerifier": verifier,
            "redirectUri": redirect_uri,
        }
        # A code is single use: after a lost answer a retry can only say AUTHCODE_EXPIRED.
        return self._call(body, key, want_id_token=True, retry_timeouts=False)

    def refresh(self, *, client_id: str, refresh_token: str, key: DpopKey) -> TokenGrant:
        body = {"clientId": client_id, "grantType": "refresh_token", "refreshToken": refresh_token}
        return self._call(body, key, want_id_token=False, retry_timeouts=True)

    def _call(
        self, body: dict[str, str], key: DpopKey, *, want_id_token: bool, retry_timeouts: bool
    ) -> TokenGrant:
        last: LoginBridgeError | None = None
        for attempt in range(MAX_ATTEMPTS):
            delay: float | None = None
            try:
                self._proof.key = key
                response = self._client.create_o_auth2_token(tokenInput=body)
                return _grant_from(response, want_id_token)
            except ClientError as error:
                last, delay = _classify_client_error(error)
            except ReadTimeoutError:
                last = NetworkError(
                    f"AWS Sign-In did not answer within {self._read_timeout:g} seconds. "
                    "Check your connection and try again."
                )
                delay = _backoff(attempt) if retry_timeouts else None
            except (BotoConnectionError, HTTPClientError) as error:
                last = NetworkError(
                    f"AWS Sign-In could not be reached ({type(error).__name__}). "
                    "Check your network or proxy settings, then try again."
                )
                delay = _backoff(attempt)
            except BotoCoreError:
                last = ServiceError(
                    "AWS Sign-In sent an answer that could not be read. Try again in a minute."
                )
                delay = _backoff(attempt)
            finally:
                self._proof.key = None
            if delay is None or attempt == MAX_ATTEMPTS - 1:
                break
            log.info("token endpoint failed (%s); retrying in %.1fs", last.kind, delay)
            self._sleep(delay)
        assert last is not None
        raise last

    def close(self) -> None:
        self._client.close()


def _backoff(attempt: int) -> float:
    return min(4.0, 0.25 * 2**attempt) * (0.5 + random.random() / 2)


def _classify_client_error(error: ClientError) -> tuple[LoginBridgeError, float | None]:
    """Map a token-endpoint error to our kind, and say how long to wait before a retry."""
    response = error.response
    code = response.get("error") or response.get("Error", {}).get("Code", "")
    meta = response.get("ResponseMetadata", {})
    status = meta.get("HTTPStatusCode")
    known = signin_error(code, status) if isinstance(code, str) else None
    # A 429 or a 5xx is a passing state of the service whatever code rides with it (a
    # throttled request may carry a generic one): retried, and its credentials handed back.
    throttled_or_down = status == 429 or (isinstance(status, int) and status >= 500)
    if known is not None and not SIGNIN_ERRORS[code].passing:
        if not throttled_or_down:
            return known, None
        known = None
    if status == 429:
        retry_after = meta.get("HTTPHeaders", {}).get("retry-after", "")
        try:
            wait = min(MAX_RETRY_AFTER, max(0.0, float(retry_after)))
        except ValueError:
            wait = 1.0
        return known or ServiceError(
            "AWS Sign-In is throttling requests. Wait a minute and try again.", status=429
        ), wait
    if isinstance(status, int) and status >= 500:
        return known or ServiceError(
            f"AWS Sign-In failed (HTTP {status}). Try again in a minute.", status=status
        ), 0.5
    if known is not None:  # passing, but not within this call: no retry here
        return known, None
    return ServiceError(
        f"AWS Sign-In refused the request (HTTP {status}, {code or 'no error code'}). "
        "Log in again; if it keeps failing, check the region and endpoint.",
        status=status,
    ), None


def _grant_from(response: dict[str, Any], want_id_token: bool) -> TokenGrant:
    output = response.get("tokenOutput") if isinstance(response, dict) else None
    access = output.get("accessToken") if isinstance(output, dict) else None
    try:
        assert isinstance(output, dict) and isinstance(access, dict)
        grant = TokenGrant(
            access_key_id=_text(access["accessKeyId"]),
            secret_access_key=_text(access["secretAccessKey"]),
            session_token=_text(access["sessionToken"]),
            expires_in=int(output["expiresIn"]),
            refresh_token=_text(output["refreshToken"]),
            token_type=output.get("tokenType"),
            id_token=output.get("idToken"),
        )
    except (AssertionError, KeyError, TypeError, ValueError):
        raise ServiceError(
            "AWS Sign-In answered without the credentials it should have sent. "
            "Try again; if it persists the service may be having problems."
        ) from None
    if grant.expires_in <= 0 or (want_id_token and not grant.id_token):
        raise ServiceError(
            "AWS Sign-In answered without the credentials it should have sent. "
            "Try again; if it persists the service may be having problems."
        )
    return grant


def _text(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("empty")
    return value

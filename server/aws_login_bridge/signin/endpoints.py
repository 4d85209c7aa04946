"""Where AWS Sign-In lives for a region, as botocore's endpoint rules say.

Like the AWS CLI, we let a botocore ``signin`` client build a CreateOAuth2Token request
and read its URL, so partitions, FIPS/dual-stack settings and every endpoint override
(``AWS_ENDPOINT_URL_SIGNIN``, ``AWS_ENDPOINT_URL``, the profile's ``services`` section, an
explicit URL) resolve exactly as they do for the SDKs that later refresh the session.

botocore is imported only where it is used: ``quick_signin_base`` answers the common case
from botocore's rules data without it (see ``rules.py``), so ``login`` prints its URL first.
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aws_login_bridge.errors import ConfigError, InvalidInput
from aws_login_bridge.signin.rules import builtin_partitions, predict_signin_base
from aws_login_bridge.signin.trusted_url import configured_source, refuse_untrusted

TOKEN_PATH = "/v1/token"
# re.ASCII: \d must not match other scripts' digits ('us-0-\u0660'), which botocore refuses.
# Always fullmatch: '$' also matches before a final newline.
_REGION_SHAPE = re.compile(r"[a-z]{2}(-[a-z0-9]+)+-\d{1,2}|[a-z]{2}-[a-z]+-[a-z]+-\d", re.ASCII)

_session_lock = threading.Lock()

if TYPE_CHECKING:
    import botocore.session


class _UrlCaptured(Exception):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url


@functools.lru_cache(maxsize=1)
def _partitions() -> list[dict[str, Any]]:
    builtin = builtin_partitions()
    if builtin is not None:  # no data path of the user's own: botocore's file, read directly
        return builtin
    # A bare loader, not a session's: a session's reads the config file (for data_path), and
    # validating a region must not fail on a config file botocore cannot parse.
    import botocore.loaders

    loader = botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))
    return loader.load_data("partitions")["partitions"]


def validate_region(region: str) -> str:
    """Accept a region that some AWS partition knows or whose shape it claims."""
    region = region.strip() if isinstance(region, str) else ""
    if region and _REGION_SHAPE.fullmatch(region):
        for partition in _partitions():
            if region in partition.get("regions", {}):
                return region
            regex = partition.get("regionRegex") or ""
            if regex and re.fullmatch(regex, region, re.ASCII):
                return region
    problem = "is not one AWS knows" if region else "is empty"
    raise InvalidInput(
        f"The region {problem}. Use a region code such as us-east-1 or eu-west-1.",
        field="region",
    )


def validate_endpoint_url(url: str) -> str:
    """The URL without trailing slashes, or InvalidInput: http(s), a host botocore accepts
    (its own check, so a URL passing here never fails later inside botocore), a port in
    range, no query or fragment."""
    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    text = url.strip().rstrip("/") if isinstance(url, str) else ""
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError when it is not a number from 0 to 65535
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or port == 0
        or parts.query
        or parts.fragment
        or not (is_valid_endpoint_url(text) or is_valid_ipv6_endpoint_url(text))
    ):
        raise InvalidInput(
            "The endpoint URL must look like https://host[:port] (or http:// for a local "
            "emulator), with no query string.",
            field="endpointUrl",
        )
    refuse_untrusted(text, "The endpoint URL")
    return text


def botocore_session(profile: str | None) -> botocore.session.Session:
    """A botocore session for ``profile``; a profile not yet in the config falls back to none."""
    import botocore.session
    from botocore.exceptions import ConfigParseError, ProfileNotFound

    with _session_lock:
        session = botocore.session.Session(profile=profile)
        try:
            session.get_scoped_config()
        except ProfileNotFound:
            session = botocore.session.Session()
        except ConfigParseError:
            # Our own reader accepted the file, botocore's does not: a login saved there
            # would be useless to every SDK, so say what to fix instead of failing later.
            from aws_login_bridge.store.paths import config_file

            raise ConfigError(
                f"botocore (the AWS SDK for Python) cannot read {config_file()}, so no SDK "
                "could use a login saved there. Common causes: a byte-order mark at the "
                "start (save the file as UTF-8 without BOM), or an indented line without "
                "'=' below a setting such as 's3 ='."
            ) from None
        return session


# Resolving builds a fresh botocore session and signin client (~40 ms: the service model
# is loaded per session), which would dominate every start of a login in the long-running
# helper. The answer depends only on the inputs below, the config file (a profile's
# ``services`` section, FIPS/dual-stack settings) and the AWS_* environment, so it is
# remembered under all of them and recomputed as soon as any of them changes.
_resolved: dict[tuple[object, ...], str] = {}
_RESOLVED_MAX = 64
_CREDENTIAL_VARS = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                              "AWS_SECURITY_TOKEN"})


def _resolution_key(region: str, endpoint_url: str | None, profile: str | None
                    ) -> tuple[object, ...]:
    from aws_login_bridge.store.paths import config_file, file_stamp

    stamp = file_stamp(config_file())
    env = tuple(sorted((k, v) for k, v in os.environ.items()
                       if k.startswith("AWS_") and k not in _CREDENTIAL_VARS))
    return (region, endpoint_url, profile, stamp, env)


def quick_signin_base(region: str, *, endpoint_url: str | None, profile: str | None,
                      settings: Mapping[str, str]) -> str | None:
    """``resolve_signin_base``'s answer without importing botocore, or None when only
    botocore can tell. ``settings``: the config-file settings botocore would use."""
    base = _resolved.get(_resolution_key(region, endpoint_url, profile))
    if base is None:
        base = predict_signin_base(region, endpoint_url=endpoint_url, settings=settings)
        if base is None:
            return None
    refuse_untrusted(base, "The endpoint URL" if endpoint_url else configured_source("signin"))
    return base


def resolve_signin_base(
    region: str, *, endpoint_url: str | None = None, profile: str | None = None
) -> str:
    """The Sign-In base URL (no trailing slash) that the token endpoint hangs off."""
    key = _resolution_key(region, endpoint_url, profile)
    base = _resolved.get(key)
    if base is None:
        base = _resolve_signin_base(region, endpoint_url=endpoint_url, profile=profile)
        if len(_resolved) >= _RESOLVED_MAX:
            _resolved.clear()
        _resolved[key] = base
    # Checked here, before the authorize URL is shown to anyone: the environment or the
    # profile may point Sign-In somewhere no login should travel in clear text.
    refuse_untrusted(base, "The endpoint URL" if endpoint_url else configured_source("signin"))
    return base


def _resolve_signin_base(
    region: str, *, endpoint_url: str | None = None, profile: str | None = None
) -> str:
    from botocore import UNSIGNED
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    session = botocore_session(profile)
    with _session_lock:
        client = session.create_client(
            "signin",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(signature_version=UNSIGNED),
        )

    def capture(request: Any, **_: Any) -> None:
        raise _UrlCaptured(request.url)

    client.meta.events.register("before-send.signin.CreateOAuth2Token", capture)
    try:
        client.create_o_auth2_token(
            tokenInput={"clientId": "arn:aws:signin:::devtools/cross-device",
                        "grantType": "refresh_token"}
        )
    except _UrlCaptured as captured:
        url = captured.url
    except BotoCoreError as error:
        raise InvalidInput(
            f"No AWS Sign-In endpoint could be worked out for region '{region}' ({error}). "
            "Check the region, or pass --endpoint-url.",
            field="region",
        ) from None
    else:  # pragma: no cover - the capture handler always interrupts the call
        raise AssertionError("request was sent")
    finally:
        client.close()
    if not url.endswith(TOKEN_PATH):
        raise InvalidInput(f"Unexpected Sign-In endpoint {url}", field="endpointUrl")
    return url[: -len(TOKEN_PATH)]

"""Which endpoints may carry a login: https anywhere, plain http only to this machine.

PKCE and DPoP protect the authorization code, not what the token endpoint answers: over
plain http to another host the AWS keys and the refresh token would cross the network
readable by anyone on the path. User-info in a URL (``user:pw@host``) is a secret in the
wrong place and an old trick for disguising the real host, so it is refused as well.
The same rule holds wherever the URL comes from: ``--endpoint-url``, the helper's
``endpointUrl``, ``AWS_ENDPOINT_URL_SIGNIN`` / ``AWS_ENDPOINT_URL`` (and ``_STS``), or a
profile's ``services`` section — the last three are checked on the URL botocore resolved,
just before a request would leave.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any
from urllib.parse import urlsplit

from aws_login_bridge.errors import InvalidInput

LOOPBACK_NAMES = frozenset({"localhost"})
_IPV4_LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
ALLOWED = ("https:// to any host, or http:// only to this machine (127.0.0.1 to "
           "127.255.255.255, ::1 or localhost), with no user name or password in it")


def is_loopback_host(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``, written exactly so (no resolver tricks)."""
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 4:
        return address in _IPV4_LOOPBACK
    return address == ipaddress.IPv6Address("::1")


def why_untrusted(url: str) -> str | None:
    """None if a login may travel to ``url``; otherwise what is wrong with it, in words
    that do not repeat the URL (it may hold a password)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "it cannot be read as a URL"
    if "@" in parts.netloc:
        return "it has a user name or password in it"
    scheme = parts.scheme.lower()
    if scheme == "https":
        return None
    if scheme == "http":
        if is_loopback_host(host):
            return None
        return "it uses plain http:// to another machine, so the AWS keys would travel unencrypted"
    return "it is neither https:// nor http://"


def refuse_untrusted(url: str, what: str) -> None:
    """InvalidInput (one sentence: why, and what is allowed) unless ``url`` is trusted.

    ``what`` names where the URL came from, e.g. "The endpoint URL (--endpoint-url)".
    """
    reason = why_untrusted(url)
    if reason is not None:
        raise InvalidInput(f"{what} is refused because {reason}; use {ALLOWED}.",
                           field="endpointUrl")


_NAMES = {"signin": "AWS Sign-In", "sts": "AWS STS"}


def configured_source(service: str) -> str:
    """Where a URL botocore resolved for ``service`` was most likely configured (the SDKs'
    order: the service's variable, the global one, then the config file)."""
    name = _NAMES.get(service, service)
    specific = f"AWS_ENDPOINT_URL_{service.upper()}"
    if os.environ.get(specific):
        return f"The {name} endpoint set by {specific}"
    if os.environ.get("AWS_ENDPOINT_URL"):
        return f"The {name} endpoint set by AWS_ENDPOINT_URL"
    return (f"The {name} endpoint configured in the profile (its services section or "
            "endpoint_url)")


def guard_client(client: Any, service: str) -> None:
    """Refuse, just before sending, any request of ``client`` to an untrusted URL.

    On the request botocore built, so every way of configuring the endpoint is covered and
    nothing leaves the machine when it is refused.
    """

    def check(request: Any, **_: Any) -> None:
        if why_untrusted(request.url) is not None:
            refuse_untrusted(request.url, configured_source(service))

    event = f"before-send.{client.meta.service_model.service_id.hyphenize()}"
    client.meta.events.register_first(event, check)

"""Which credential source botocore would pick for a profile, and which region, decided
from the files and the environment alone.

``status``, ``listProfiles`` and the watcher run often in a long-lived helper: importing
botocore there costs ~17 MiB of resident memory for good, and asking its chain would run
a profile's ``credential_process`` or wait on instance metadata. The order below is
botocore's (``credentials.create_credential_resolver`` and
``ProfileProviderBuilder.providers``) for ``Session(profile=P)``, where an explicit profile
turns the environment's keys off; ``diagnose`` says separately when they win for tools
that choose the profile through AWS_PROFILE.
"""

from __future__ import annotations

import configparser
import importlib.util
import io
import os
import re

from aws_login_bridge.store import safe_read
from aws_login_bridge.store.paths import credentials_file

CREDENTIALS_FILE_LIMIT = 4 * safe_read.MIB
_SSO_KEYS = ("sso_session", "sso_start_url", "sso_region", "sso_role_name", "sso_account_id")
# The region variable botocore (and so boto3) reads; AWS_REGION is the AWS CLI's and other
# SDKs', which botocore ignores.
BOTO_REGION_VARIABLE = "AWS_DEFAULT_REGION"


class Undecided(Exception):
    """The files cannot answer without botocore (the credentials file is unreadable)."""


def credentials_file_keys(profile: str) -> dict[str, str] | None:
    """The profile's section of the shared credentials file (None when it has none);
    Undecided when the file cannot be read or parsed, which botocore reports itself."""
    path = credentials_file()
    try:
        raw = safe_read.read_bytes(path, limit=CREDENTIALS_FILE_LIMIT, follow_links=True,
                                   own=False)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, safe_read.Unsafe):
        raise Undecided from None
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_file(io.StringIO(raw.decode("utf-8").removeprefix("\ufeff"),
                                     newline=None))
    except (UnicodeDecodeError, configparser.Error):
        raise Undecided from None
    if not parser.has_section(profile):
        return None
    return dict(parser.items(profile))


def winning_method(profile: str, settings: dict[str, str] | None, *,
                   login_usable: bool) -> str | None:
    """botocore's ``Credentials.method`` for ``Session(profile=profile)``, or None when
    only the container or instance metadata could answer (unknown without a network call).

    ``login_usable``: the profile's login session passed our checks (its cache file read)."""
    config = settings or {}
    if config.get("role_arn") and "web_identity_token_file" not in config:
        return "assume-role"
    if config.get("role_arn") and config.get("web_identity_token_file"):
        return "assume-role-with-web-identity"
    if any(key in config for key in _SSO_KEYS):
        return "sso"
    keys = credentials_file_keys(profile) or {}
    if keys.get("aws_access_key_id") and keys.get("aws_secret_access_key"):
        return "shared-credentials-file"
    if "login_session" in config and login_usable:
        return "login"
    if config.get("credential_process"):
        return "custom-process"
    if config.get("aws_access_key_id") and config.get("aws_secret_access_key"):
        return "config-file"
    if (os.environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
            or os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")):
        return "container-role"
    return None


def known_profile(profile: str, settings: dict[str, str] | None) -> bool:
    """botocore knows a profile from either file (its ``full_config`` merges them)."""
    if settings is not None:
        return True
    try:
        return credentials_file_keys(profile) is not None
    except Undecided:
        return True  # botocore may know it; the file's problem is reported elsewhere


def boto_region(settings: dict[str, str] | None) -> tuple[str | None, str | None]:
    """The region boto3 uses for the profile and where it comes from: AWS_DEFAULT_REGION
    beats the profile's ``region`` (botocore's ``configprovider``)."""
    value = os.environ.get(BOTO_REGION_VARIABLE)
    if value:
        return value, BOTO_REGION_VARIABLE
    region = (settings or {}).get("region")
    return (region, "config-file") if region else (None, None)


_VERSION_LINE = re.compile(r"""^__version__\s*=\s*['"]([^'"]+)['"]""", re.MULTILINE)


def installed_version(package: str) -> str | None:
    """A package's ``__version__`` read from its ``__init__.py`` without importing it
    (importlib.metadata would pull in email, csv and zipfile instead)."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    try:
        with open(spec.origin, encoding="utf-8") as source:
            found = _VERSION_LINE.search(source.read(65536))
    except (OSError, UnicodeDecodeError):
        return None
    return found.group(1) if found else None


def crt_usable() -> bool:
    """What ``botocore.compat.HAS_CRT`` would say, without importing either: awscrt is
    installed and BOTO_DISABLE_CRT does not turn it off."""
    if os.environ.get("BOTO_DISABLE_CRT", "false").lower() == "true":
        return False
    try:
        return importlib.util.find_spec("awscrt") is not None
    except (ImportError, ValueError):
        return False

"""Where the files live, honouring the same environment variables as the SDKs."""

from __future__ import annotations

import os
from pathlib import Path


def _expand(value: str) -> Path:
    return Path(os.path.expanduser(os.path.expandvars(value)))


def config_file() -> Path:
    return _expand(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config")


def credentials_file() -> Path:
    return _expand(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials")


def login_cache_dir() -> Path:
    # botocore reads the variable whenever it is set, even to an empty string.
    if "AWS_LOGIN_CACHE_DIRECTORY" in os.environ:
        return _expand(os.environ["AWS_LOGIN_CACHE_DIRECTORY"])
    return _expand("~/.aws/login/cache")

"""The environment that points every AWS client at the emulator inside a throwaway folder."""

from __future__ import annotations

import os
from pathlib import Path


def isolated_environment(home: Path, base_url: str) -> dict[str, str]:
    """A copy of os.environ with no ambient AWS settings, files under ``home``, endpoints on
    the emulator at ``base_url``: what the demo, the benchmarks and subprocess tests run in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_LOGIN_CACHE_DIRECTORY=str(home / "login" / "cache"),
        AWS_ENDPOINT_URL_SIGNIN=base_url,
        AWS_ENDPOINT_URL_STS=base_url,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env

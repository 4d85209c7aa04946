"""Logging out: delete cache files. The config entry stays so a later login can reuse it."""

from __future__ import annotations

import contextlib
from pathlib import Path

from aws_login_bridge.crashpoint import crashpoint
from aws_login_bridge.store.cache import cache_path, iter_cache_files


def remove_session(login_session: str) -> int:
    path = cache_path(login_session)
    crashpoint("logout.removing")
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return 1


def remove_all(directory: Path | None = None) -> int:
    removed = 0
    for path, _ in iter_cache_files(directory):
        crashpoint("logout.removing")
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed += 1
    return removed

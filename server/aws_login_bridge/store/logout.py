"""Logging out: delete cache files. The config entry stays so a later login can reuse it.

Each deletion happens under the session's refresh lock, so a refresh in flight cannot write
the session back after it. A cache file's leftover temp copies (from a writer killed before
its rename) hold the same secrets, so they go too.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from aws_login_bridge.crashpoint import crashpoint
from aws_login_bridge.store.atomic import remove_file, remove_temp_files, temp_files
from aws_login_bridge.store.cache import cache_path, file_lock, iter_cache_files
from aws_login_bridge.store.paths import login_cache_dir

# write_atomic's temp name for a cache file: .<sha256 hex>.json.<random>.tmp
_CACHE_TEMP = re.compile(r"\.([0-9a-f]{64}\.json)\.[^/]*\.tmp")


def _remove(path: Path) -> int:
    """Delete one cache file and its temp copies under its lock; 1 if the file was there."""
    crashpoint("logout.removing")
    if not path.exists() and not temp_files(path):
        return 0  # nothing to remove: no need for the lock (nor to create its folder)
    with file_lock(path):
        remove_temp_files(path)
        try:
            remove_file(path)
        except FileNotFoundError:
            return 0
    return 1


def remove_session(login_session: str) -> int:
    return _remove(cache_path(login_session))


def remove_all(directory: Path | None = None) -> int:
    folder = directory or login_cache_dir()
    removed = 0
    for path, _ in iter_cache_files(folder):
        removed += _remove(path)
    # Temp copies whose cache file never got written (a first login killed mid-write).
    with contextlib.suppress(OSError):
        for temp in folder.iterdir():
            match = _CACHE_TEMP.fullmatch(temp.name)
            if match:
                remove_temp_files(folder / match.group(1))
    return removed

"""Credentials of roles assumed with a login session, kept until five minutes before they end.

They live in this program's own folder (beside the lock folder: ``$XDG_RUNTIME_DIR/
aws-login-bridge/roles`` on Linux, else ``aws-login-bridge/roles`` in the user cache folder),
never in ``~/.aws``, which holds only the AWS CLI's files. Files are 0600 in a 0700 folder,
and are read through the same checked reader as the login cache (``read_cache_bytes``).
One file per (login session, sign-in, chain of roles and their settings); its name is a
hash, so it says nothing of the role.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_login_bridge.errors import ConfigError
from aws_login_bridge.store.atomic import ensure_private_dir, write_atomic
from aws_login_bridge.store.cache import LOCK_TIMEOUT, read_cache_bytes
from aws_login_bridge.store.folder_trust import check_private_folder
from aws_login_bridge.store.locks import lock_dir

FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")


def role_cache_dir() -> Path:
    locks = lock_dir()
    return (locks.parent if locks.name == "locks" else locks) / "roles"


def role_cache_path(key: dict[str, Any]) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()
    return role_cache_dir() / f"{digest}.json"


def read_role(path: Path, profile: str) -> dict[str, str] | None:
    """The cached role credentials (``FIELDS``), or None when there are none usable: a
    missing, damaged or incomplete file is assumed again, never handed out."""
    check_private_folder(path.parent, None)  # before the login cache's wording of it
    _refuse_foreign(path)
    try:
        data = json.loads(read_cache_bytes(path, profile))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not all(
            isinstance(data.get(name), str) and data[name] for name in FIELDS):
        return None
    return {name: data[name] for name in FIELDS}


def _refuse_foreign(path: Path) -> None:
    """ConfigError when something other than a regular file of ours is at ``path``: this
    program writes only those there, so anything else was put there by someone (a link to
    elsewhere, a pipe that would hang the read)."""
    try:
        st = os.lstat(path)
    except OSError:
        return  # none yet: the role is assumed and the file written
    if not stat.S_ISREG(st.st_mode) or (hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
        what = "not a regular file" if not stat.S_ISREG(st.st_mode) else "not yours"
        raise ConfigError(
            f"Refusing to read the role cache file {path}: it is {what}, and this program "
            f"writes only its own files there; remove it (rm {path}) and try again.",
            path=str(path))


def write_role(path: Path, credentials: dict[str, str]) -> None:
    check_private_folder(path.parent, None)
    try:
        ensure_private_dir(path.parent)
        write_atomic(path, json.dumps({n: credentials[n] for n in FIELDS}).encode(), mode=0o600)
    except OSError as error:
        raise ConfigError(
            f"Cannot write the role cache in {path.parent} "
            f"({os.strerror(error.errno or errno.EIO)}); make that folder writable."
        ) from None


@contextlib.contextmanager
def role_lock(path: Path) -> Iterator[None]:
    """One AssumeRole for many concurrent callers: the second waits, then reads the file."""
    from aws_login_bridge.store.locks import path_lock

    with path_lock(path, LOCK_TIMEOUT, "assuming this role"):
        yield

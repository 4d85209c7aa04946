"""The login credential cache: one JSON file per login session, exactly as the SDKs read it.

File name: sha256 of the session ARN (as UTF-8) in hex, plus ``.json``. Writes are atomic
and private (0600 files in a 0700 directory). A refresh takes an advisory lock on
``<file>.lock`` so that many processes finding the same expired token refresh it once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from aws_login_bridge.errors import ConfigError, NotLoggedIn
from aws_login_bridge.store.atomic import ensure_private_dir, write_atomic
from aws_login_bridge.store.folder_trust import check_cache_folder
from aws_login_bridge.store.paths import login_cache_dir

REQUIRED_FIELDS = ("accessToken", "refreshToken", "dpopKey", "clientId")
LOCK_TIMEOUT = 20.0  # longer than one refresh with its retries; a dead holder frees at once


def cache_key(login_session: str) -> str:
    return hashlib.sha256(login_session.encode("utf-8")).hexdigest()


def cache_path(login_session: str, directory: Path | None = None) -> Path:
    return (directory or login_cache_dir()) / f"{cache_key(login_session)}.json"


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment


class CachedLogin(NamedTuple):
    """A parsed cache file. ``token`` is the whole JSON object, kept to rewrite it faithfully.

    A NamedTuple rather than a dataclass: importing dataclasses costs ~8 ms, a third of what
    credential_process spends on the fresh path (see benchmarks/bench_bridge.py).
    """

    path: Path
    token: dict[str, Any]

    def __repr__(self) -> str:
        return f"CachedLogin(path={str(self.path)!r}, expires_at={self.expires_at_text!r})"

    @property
    def access(self) -> dict[str, Any]:
        return self.token["accessToken"]

    @property
    def expires_at_text(self) -> str:
        return str(self.access.get("expiresAt", ""))

    @property
    def expires_at(self) -> dt.datetime:
        return parse_time(self.expires_at_text)

    @property
    def account_id(self) -> str | None:
        return self.access.get("accountId")

    @property
    def client_id(self) -> str:
        return self.token["clientId"]

    @property
    def refresh_token(self) -> str:
        return self.token["refreshToken"]

    @property
    def dpop_pem(self) -> str:
        return self.token["dpopKey"]


def read_cache(login_session: str, directory: Path | None = None) -> CachedLogin:
    """Load and check the session's cache file, or raise NotLoggedIn saying what to do."""
    path = cache_path(login_session, directory)
    relogin = "Log in again to create fresh credentials."
    try:
        token = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise NotLoggedIn(
            f"No cached credentials for login session {login_session}. {relogin}",
            loginSession=login_session,
        ) from None
    except OSError as error:
        raise ConfigError(
            f"Cannot read the login cache file {path} ({os.strerror(error.errno or errno.EIO)})."
        ) from None
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        raise NotLoggedIn(f"The login cache file {path} is damaged. {relogin}") from None
    if not isinstance(token, dict):
        raise NotLoggedIn(f"The login cache file {path} is damaged. {relogin}")
    missing = [name for name in REQUIRED_FIELDS if name not in token]
    access = token.get("accessToken")
    if not missing and not (
        isinstance(access, dict)
        and all(isinstance(access.get(k), str) for k in
                ("accessKeyId", "secretAccessKey", "sessionToken", "expiresAt"))
    ):
        missing = ["accessToken fields"]
    if missing:
        raise NotLoggedIn(
            f"The login cache file {path} lacks {', '.join(missing)}. {relogin}",
            loginSession=login_session,
        )
    cached = CachedLogin(path=path, token=token)
    try:
        cached.expires_at  # noqa: B018 - validate now rather than at first use
    except ValueError:
        raise NotLoggedIn(f"The login cache file {path} has a bad expiresAt. {relogin}") from None
    return cached


def serialize(token: dict[str, Any]) -> bytes:
    # Same layout as botocore's JSONFileCache, so our writes and its rewrites look alike.
    return json.dumps(token).encode("utf-8")


def write_cache(login_session: str, token: dict[str, Any], directory: Path | None = None) -> Path:
    path = cache_path(login_session, directory)
    check_cache_folder(path.parent)
    try:
        ensure_private_dir(path.parent)
        write_atomic(path, serialize(token), mode=0o600)
    except OSError as error:
        raise ConfigError(
            f"Cannot write the login cache in {path.parent} "
            f"({os.strerror(error.errno or errno.EIO)}). Make it writable, or set "
            "AWS_LOGIN_CACHE_DIRECTORY to a writable folder."
        ) from None
    return path


def refresh_lock(login_session: str, directory: Path | None = None,
                 timeout: float = LOCK_TIMEOUT) -> contextlib.AbstractContextManager[None]:
    """Hold the session's advisory lock (flock: freed by the kernel if we die).

    Every writer of the session's cache file takes it — a refresh, a login, a logout — so
    that none of them overwrites or resurrects what another has just written.
    """
    return file_lock(cache_path(login_session, directory), timeout)


@contextlib.contextmanager
def file_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """``refresh_lock`` by the cache file's path (logout --all knows only the paths)."""
    # Imported here, not at the top: filelock costs ~15 ms to import, which would double
    # the fresh-credentials path of credential_process, and that path never locks.
    from filelock import FileLock, Timeout

    check_cache_folder(path.parent)
    ensure_private_dir(path.parent)
    lock = FileLock(str(path) + ".lock", mode=0o600, thread_local=False)
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise ConfigError(
            f"Another process has been refreshing this login session for over {timeout:.0f}s. "
            f"If nothing is stuck, try again; otherwise remove {path}.lock."
        ) from None
    try:
        yield
    finally:
        lock.release()


def iter_cache_files(directory: Path | None = None) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every login cache file (JSON with ``accessToken.accessKeyId``) in the directory."""
    folder = directory or login_cache_dir()
    try:
        entries = sorted(folder.glob("*.json"))
    except OSError:
        return
    for path in entries:
        try:
            token = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            continue
        if isinstance(token, dict) and isinstance(token.get("accessToken"), dict) and (
            "accessKeyId" in token["accessToken"]
        ):
            yield path, token


class FileSnapshot:
    """The exact bytes (or absence) of some files, to put back if a multi-file write fails."""

    def __init__(self, paths: list[Path]) -> None:
        self._saved: dict[Path, tuple[bytes | None, int]] = {}
        for path in paths:
            try:
                self._saved[path] = (path.read_bytes(), path.stat().st_mode & 0o777)
            except FileNotFoundError:
                self._saved[path] = (None, 0o600)

    def restore(self) -> None:
        for path, (data, mode) in self._saved.items():
            with contextlib.suppress(OSError):
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    write_atomic(path, data, mode=mode)

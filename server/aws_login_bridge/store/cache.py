"""The login credential cache: one JSON file per login session, exactly as the SDKs read it.

File name: sha256 of the session ARN (as UTF-8) in hex, plus ``.json``. Writes are atomic
and private (0600 files in a 0700 directory). A refresh takes the file's advisory lock
(kept outside ~/.aws, see ``store.locks``) so that many processes finding the same expired
token refresh it once.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections import namedtuple

from aws_login_bridge.errors import ConfigError, NotLoggedIn, login_command
from aws_login_bridge.store import safe_read
from aws_login_bridge.store.folder_trust import check_cache_folder
from aws_login_bridge.store.paths import login_cache_dir_name

# credential_process reads this module on every call: what only a write, a lock or a
# listing needs (pathlib, hashlib, typing, filelock) is imported where it is used, and the
# tests hold the fresh lane to its import budget (tests/test_bridge.py). The folder check
# and the careful reader run on every read, so they are written with ``os`` alone.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import contextlib
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any

    from aws_login_bridge.signin.tokens import TokenGrant

if TYPE_CHECKING:
    import datetime as dt
else:
    try:
        # Up to Python 3.11, datetime.py defines the whole pure-Python datetime and then
        # replaces it with this C module's classes (the very same ones): importing the C
        # module directly spares credential_process a sixth of its import budget.
        import _datetime as dt
    except ImportError:  # an interpreter without it
        import datetime as dt

# What every SDK's reader insists on (Go, JS, Rust, Java, Ruby, ...): present and non-empty.
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
REQUIRED_FIELDS = ("clientId", "refreshToken", "dpopKey")
REQUIRED_ACCESS_FIELDS = ("accessKeyId", "secretAccessKey", "sessionToken", "accountId",
                          "expiresAt")
LOCK_TIMEOUT = 20.0  # longer than one refresh with its retries; a dead holder frees at once
# A real cache file is a few KB (the largest part is the idToken): 1 MiB leaves room for
# any SDK's additions and keeps a planted giant from costing memory.
CACHE_FILE_LIMIT = safe_read.MIB


def _sha256() -> Any:
    # The interpreter's built-in SHA-256 gives the same digest without loading OpenSSL
    # (hashlib's first import costs as much as the rest of the fresh lane's reading).
    try:
        from _sha256 import sha256  # Python 3.11
    except ImportError:
        try:
            from _sha2 import sha256  # Python 3.12+
        except ImportError:  # a build without the built-in hashes
            from hashlib import sha256
    return sha256


def cache_key(login_session: str) -> str:
    return _sha256()(login_session.encode("utf-8")).hexdigest()


def cache_file_name(login_session: str, directory: str | os.PathLike[str] | None = None) -> str:
    """The cache file's path as text (``cache_path`` is the same as a Path)."""
    folder = login_cache_dir_name() if directory is None else os.fspath(directory)
    return os.path.join(folder, f"{cache_key(login_session)}.json")


def cache_path(login_session: str, directory: Path | None = None) -> Path:
    from pathlib import Path

    return Path(cache_file_name(login_session, directory))


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def format_time(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# Every form the SDKs write: "Z" or an offset, no fraction, milliseconds, microseconds or
# nanoseconds (Go and Java write nine digits; Python's fromisoformat takes six before 3.11).
_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):?(\d{2}))?"
)


def parse_time(value: str) -> dt.datetime:
    """An RFC 3339 timestamp as an aware datetime (no zone means UTC, as botocore reads it)."""
    match = _TIMESTAMP.fullmatch(value.strip())
    if match is None:
        raise ValueError("not an RFC 3339 timestamp")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, _, sign, zone_hours, zone_minutes = match.groups()[6:]
    micro = int((fraction or "0").ljust(6, "0")[:6])
    zone = dt.timezone.utc
    if sign:
        offset = dt.timedelta(hours=int(zone_hours), minutes=int(zone_minutes))
        zone = dt.timezone(-offset if sign == "-" else offset)
    return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)


class CachedLogin(namedtuple("CachedLogin", ["path", "token"])):
    """A parsed cache file. ``token`` is the whole JSON object, kept to rewrite it faithfully.

    ``path`` is text when read_cache made it (so credential_process needs no pathlib), a
    Path after a write. A collections.namedtuple rather than a dataclass or
    typing.NamedTuple: those imports cost more than reading the file.
    """

    __slots__ = ()
    path: str | os.PathLike[str]
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
        """The account, if the file says it as AWS does (12 digits as text): anything else
        is not passed on to the credential_process JSON an SDK parses."""
        value = self.access.get("accountId")
        return value if isinstance(value, str) and _ACCOUNT_ID.fullmatch(value) else None

    @property
    def client_id(self) -> str:
        return self.token["clientId"]

    @property
    def refresh_token(self) -> str:
        return self.token["refreshToken"]

    @property
    def dpop_pem(self) -> str:
        return self.token["dpopKey"]


def damaged(path: str | os.PathLike[str], detail: str, profile: str | None) -> NotLoggedIn:
    """The one-sentence error for a cache file no SDK would use."""
    return NotLoggedIn(
        f"The login cache file {path} is damaged ({detail}); log in again: "
        f"{login_command(profile)}"
    )


def _missing_fields(token: dict[str, Any]) -> list[str]:
    access = token.get("accessToken")
    if not isinstance(access, dict):
        return ["accessToken"]
    missing = [f"accessToken.{name}" for name in REQUIRED_ACCESS_FIELDS
               if not isinstance(access.get(name), str) or not access[name].strip()]
    return missing + [name for name in REQUIRED_FIELDS
                      if not isinstance(token.get(name), str) or not token[name].strip()]


def read_cache_bytes(path: str | os.PathLike[str], profile: str | None = None) -> bytes:
    """A cache file's bytes, read only from a folder that is ours alone and only if it is a
    small regular file of ours (see ``store.safe_read``); ConfigError saying what was found
    and what to do otherwise, FileNotFoundError if there is none. Every reader of a cache
    file comes through here: credential_process, status, whoami, the helper, the watcher."""
    check_cache_folder(os.path.dirname(os.path.abspath(path)))
    try:
        return safe_read.read_bytes(path, limit=CACHE_FILE_LIMIT, follow_links=False, own=True)
    except safe_read.Unsafe as refusal:
        raise ConfigError(
            f"Refusing to read the login cache file {path}: {refusal.reason}; delete it and "
            f"log in again: {login_command(profile)}",
            path=os.fspath(path),
        ) from None


def read_cache(login_session: str, directory: str | os.PathLike[str] | None = None, *,
               profile: str | None = None) -> CachedLogin:
    """Load and check the session's cache file, or raise NotLoggedIn saying what to do.

    A file that lacks, or has empty, any field the SDKs require is refused whole, even
    when its credentials are still fresh: the next refresh would fail anyway, and tools
    reading the same file would disagree about whether it works. ``profile`` goes into the
    message's re-login command.
    """
    path = cache_file_name(login_session, directory)
    try:
        token = json.loads(read_cache_bytes(path, profile))
    except FileNotFoundError:
        raise NotLoggedIn(
            f"No cached credentials for login session {login_session}; log in again: "
            f"{login_command(profile)}",
            loginSession=login_session,
        ) from None
    except OSError as error:
        raise ConfigError(
            f"Cannot read the login cache file {path} ({os.strerror(error.errno or errno.EIO)})."
        ) from None
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        raise damaged(path, "not JSON", profile) from None
    if not isinstance(token, dict):
        raise damaged(path, "not a JSON object", profile)
    missing = _missing_fields(token)
    if missing:
        raise damaged(path, f"no {', '.join(missing)}", profile)
    cached = CachedLogin(path=path, token=token)
    try:
        cached.expires_at  # noqa: B018 - validate now rather than at first use
    except ValueError:
        raise damaged(path, "accessToken.expiresAt is not a timestamp", profile) from None
    return cached


def login_document(grant: TokenGrant, *, account_id: str, expires_at: dt.datetime,
                   client_id: str, dpop_pem: str, sign_in_region: str) -> dict[str, Any]:
    """A new login's cache file, as the SDKs read it (a refresh rewrites it: ``refreshed``)."""
    return {
        "accessToken": _access(grant, account_id, expires_at),
        "tokenType": grant.token_type or "aws_sigv4",
        "clientId": client_id,
        "refreshToken": grant.refresh_token,
        "idToken": grant.id_token,
        "dpopKey": dpop_pem,
        # botocore ≥ 1.42 refreshes in this region, whatever region the profile says later.
        "signInRegion": sign_in_region,
    }


def refreshed(cached: CachedLogin, grant: TokenGrant, expires_at: dt.datetime
              ) -> dict[str, Any]:
    """The cache file after a refresh: new credentials and refresh token, everything else
    (including fields another SDK added) as it was."""
    token = dict(cached.token)
    # accountId as it was: read_cache checked it is text.
    token["accessToken"] = {**cached.access,
                            **_access(grant, cached.access["accountId"], expires_at)}
    token["refreshToken"] = grant.refresh_token
    return token


def _access(grant: TokenGrant, account_id: str, expires_at: dt.datetime) -> dict[str, str]:
    return {
        "accessKeyId": grant.access_key_id,
        "secretAccessKey": grant.secret_access_key,
        "sessionToken": grant.session_token,
        "accountId": account_id,
        "expiresAt": format_time(expires_at),
    }


def serialize(token: dict[str, Any]) -> bytes:
    # Same layout as botocore's JSONFileCache, so our writes and its rewrites look alike.
    return json.dumps(token).encode("utf-8")


def write_cache(login_session: str, token: dict[str, Any], directory: Path | None = None) -> Path:
    from aws_login_bridge.store.atomic import ensure_private_dir, write_atomic

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


def replace_cache(login_session: str, token: dict[str, Any], *, replaces: str,
                  directory: Path | None = None) -> Path | None:
    """``write_cache`` for a refresh: only while the file still holds the refresh token
    ``replaces`` (the one refreshed from). None, writing nothing, when it holds another or
    none: the AWS CLI and botocore rewrite the file without our lock, so what is there now
    is newer than our answer (or half written by them, or deleted by their logout).

    Called under ``refresh_lock``, which every writer of ours takes; the check narrows the
    window against writers that take no lock to the time between this read and the rename.
    """
    path = cache_path(login_session, directory)
    try:
        current = json.loads(read_cache_bytes(path))
    except (FileNotFoundError, ValueError, RecursionError):
        return None
    except OSError as error:
        raise ConfigError(
            f"Cannot read the login cache file {path} ({os.strerror(error.errno or errno.EIO)})."
        ) from None
    if not isinstance(current, dict) or current.get("refreshToken") != replaces:
        return None
    return write_cache(login_session, token, directory)


def refresh_lock(login_session: str, directory: Path | None = None,
                 timeout: float = LOCK_TIMEOUT) -> contextlib.AbstractContextManager[None]:
    """Hold the session's advisory lock (flock: freed by the kernel if we die).

    Every writer of the session's cache file takes it — a refresh, a login, a logout — so
    that none of them overwrites or resurrects what another has just written.
    """
    return file_lock(cache_path(login_session, directory), timeout)


def file_lock(path: Path, timeout: float = LOCK_TIMEOUT) -> contextlib.AbstractContextManager[None]:
    """``refresh_lock`` by the cache file's path (logout --all knows only the paths)."""
    from aws_login_bridge.store.locks import path_lock

    check_cache_folder(path.parent)
    return path_lock(path, timeout, "refreshing this login session")


def iter_cache_files(directory: Path | None = None) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every login cache file (JSON with ``accessToken.accessKeyId``) in the directory."""
    from pathlib import Path

    folder = directory or Path(login_cache_dir_name())
    try:
        entries = sorted(folder.glob("*.json"))
    except OSError:
        return
    for path in entries:
        try:
            token = json.loads(read_cache_bytes(path))
        except (OSError, ValueError, RecursionError, ConfigError):
            continue  # not a cache file to count: left as it is
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
                data = safe_read.read_bytes(path, limit=CACHE_FILE_LIMIT, follow_links=False,
                                            own=True)
                self._saved[path] = (data, path.stat().st_mode & 0o777)
            except (FileNotFoundError, safe_read.Unsafe):
                # Nothing there, or nothing to put back (a pipe, a link, someone else's
                # file): the write replaces it, and a failure leaves no file at all.
                self._saved[path] = (None, 0o600)

    def restore(self) -> None:
        import contextlib

        from aws_login_bridge.store.atomic import write_atomic

        for path, (data, mode) in self._saved.items():
            with contextlib.suppress(OSError):
                if data is None:
                    path.unlink(missing_ok=True)
                else:
                    write_atomic(path, data, mode=mode)

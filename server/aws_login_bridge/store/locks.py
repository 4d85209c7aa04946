"""Advisory locks, kept in a per-user runtime folder and never beside the AWS files.

The AWS CLI keeps only its own files in ``~/.aws``; a ``config.lock`` or ``<hash>.json.lock``
left there confuses people and tools that list the folder. So every lock lives in this
program's own folder — ``$XDG_RUNTIME_DIR/aws-login-bridge`` on Linux (else the user cache
folder), ``~/Library/Caches/aws-login-bridge/locks`` on macOS,
``%LOCALAPPDATA%\\aws-login-bridge\\locks`` on Windows — named after the file it guards.
Which folder, and which setting moves it (named in the messages), is decided here only.

On Linux and macOS lock files are never removed: deleting a flock'ed file lets two
processes hold "the" lock on two different inodes at once. On Windows filelock deletes the
file when it releases the lock, which is safe there: a file that is open cannot be deleted,
so nobody can remove it under a holder.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import posixpath
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from aws_login_bridge import hostos
from aws_login_bridge.errors import ConfigError
from aws_login_bridge.store.atomic import ensure_private_dir
from aws_login_bridge.store.folder_trust import check_private_folder

APP = "aws-login-bridge"


def _platform(platform: str | None) -> str:
    if platform:
        return platform
    return "win32" if hostos.WINDOWS else "darwin" if hostos.MACOS else sys.platform


def lock_dir(platform: str | None = None, env: Mapping[str, str] | None = None) -> Path:
    """This user's folder for lock files (``platform``/``env`` let tests take other OSes'
    paths)."""
    platform = _platform(platform)
    env = os.environ if env is None else env
    home = Path(env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~"))
    if platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / APP / "locks"
    if platform == "darwin":
        return home / "Library" / "Caches" / APP / "locks"
    # The XDG rules are POSIX paths, judged as such wherever this runs (Windows' isabs
    # wants a drive since 3.13).
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime and posixpath.isabs(runtime):
        return Path(runtime) / APP
    cache = env.get("XDG_CACHE_HOME")
    base = Path(cache) if cache and posixpath.isabs(cache) else home / ".cache"
    return base / APP / "locks"


def lock_dir_setting(platform: str | None = None) -> str | None:
    """The environment variable that moves the lock folder here (macOS has none: the
    folder follows the home folder)."""
    platform = _platform(platform)
    if platform == "win32":
        return "LOCALAPPDATA"
    return None if platform == "darwin" else "XDG_RUNTIME_DIR"


def lock_files_kept(platform: str | None = None) -> bool:
    """Whether a lock's file stays in the lock folder after its release: filelock deletes
    it on Windows (msvcrt) and keeps it on POSIX (flock; see above)."""
    return _platform(platform) != "win32"


def _move_hint(kind: str) -> str | None:
    setting = lock_dir_setting()
    return f"set {setting} to a {kind} folder of your own" if setting else None


def lock_path(target: Path, directory: Path | None = None) -> Path:
    """The lock file for ``target``: one per real path, so two spellings share a lock.

    On a volume that ignores case (macOS' and Windows' usual ones) ``~/.AWS/config`` and
    ``~/.aws/config`` are one file, which realpath does not spell one way on macOS: the key
    is then case-folded.
    """
    real = os.path.realpath(os.path.abspath(target))
    folder = os.path.dirname(real)
    while folder and not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)  # the file (or its folder) may not exist yet
    name = target.name
    if hostos.case_insensitive(folder):
        real, name = real.casefold(), name.casefold()
    digest = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return (directory or lock_dir()) / f"{digest}-{name[:64]}.lock"


def check_lock_folder(directory: Path | None = None) -> None:
    """ConfigError if the lock folder is not ours and private, or holds a symbolic link.

    This program never makes links there; one planted under a lock's name would have the
    lock opened through it (filelock refuses with an OSError, which would come after the
    single-use code was spent). Called before a sign-in's code exchange, and by every lock.
    """
    folder = directory or lock_dir()
    check_private_folder(folder, _move_hint("private"))
    try:
        links = sorted(entry.path for entry in os.scandir(folder) if entry.is_symlink())
    except OSError:
        return  # not there yet (made 0700 on first use), or unreadable: the lock says so
    if links:
        raise _link_error(Path(links[0]))


def _link_error(path: Path) -> ConfigError:
    return ConfigError(
        f"The lock file {path} is a symbolic link, which {APP} never creates (someone may be "
        f"trying to make it write elsewhere); remove it (rm {path}) and try again."
    )


@contextlib.contextmanager
def path_lock(target: Path, timeout: float, what: str) -> Iterator[None]:
    """Hold the advisory lock for ``target`` (flock/msvcrt: the OS frees it if we die).

    ``what`` names the work in the message when another process holds it too long.
    """
    # Imported here: filelock costs ~15 ms, and the read-only path never locks.
    from filelock import FileLock, Timeout

    path = lock_path(target)
    check_private_folder(path.parent, _move_hint("private"))
    if os.path.islink(path):
        raise _link_error(path)
    try:
        ensure_private_dir(path.parent)
        lock = FileLock(str(path), mode=0o600, thread_local=False)
        lock.acquire(timeout=timeout)
    except Timeout:
        raise ConfigError(
            f"Another process has been {what} for over {timeout:.0f}s. If nothing is stuck, "
            f"try again; otherwise remove {path}."
        ) from None
    except OSError as error:
        move = _move_hint("writable")
        raise ConfigError(
            f"Cannot create a lock file in {path.parent} "
            f"({os.strerror(error.errno or errno.EIO)}). Make that folder writable"
            + (f", or {move}." if move else ".")
        ) from None
    try:
        yield
    finally:
        lock.release()

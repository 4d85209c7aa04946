"""Whole-file replacement: readers see the old bytes or the new ones, never a mix."""

from __future__ import annotations

import contextlib
import glob
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from aws_login_bridge import hostos
from aws_login_bridge.crashpoint import crashpoint

T = TypeVar("T")

# How long a rename or delete is retried while another process holds the file open: pip
# retries os.replace for 1 s (pip/_internal/utils/filesystem.py), long enough for a reader
# or a virus scanner to let go, short enough for a credential_process caller.
BUSY_RETRY_SECONDS = 1.0


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and every missing parent as 0700, whatever the umask.

    ``mkdir(parents=True)`` makes the parents with the umask's mode only: under umask 0 a
    new ~/.aws would be world-writable, and anyone could then swap the config file in it.
    Folders that already exist are left as they are.

    On Windows the folders inherit their parent's ACL instead (the user's profile folder
    grants only the user, SYSTEM and Administrators): Python's mkdir(mode=0o700) there sets
    an ACL for the folder's *owner*, which for an elevated process is Administrators, and
    would lock the user out of their own ~/.aws (python/cpython#157876).
    """
    mode = 0o777 if hostos.WINDOWS else 0o700
    missing = []
    folder = path
    while not folder.is_dir() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=mode)


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) 0700, and tighten ``path`` itself if it is looser.

    Only a folder of our own is tightened: someone else's is refused before this is called
    (store.folder_trust), and a chmod would not make it ours anyway. On Windows the mode
    bits mean nothing (every folder reports 0777 and chmod only sets the read-only flag):
    files there are private through the ACL they inherit (docs/platforms.md).
    """
    make_private_dirs(path)
    if hostos.WINDOWS:
        return
    st = path.stat()
    if st.st_mode & 0o077 and st.st_uid == os.geteuid():
        os.chmod(path, 0o700)


def while_busy(action: Callable[[], T]) -> T:
    """Run ``action`` (a rename or delete), retrying for up to ``BUSY_RETRY_SECONDS`` while
    it fails with PermissionError.

    Windows refuses to replace or delete a file another process has open (a reader, an
    editor, an antivirus scanner); the refusal lasts as long as that handle, and nothing
    signals its end, so a short growing backoff is all there is. POSIX never refuses for that
    reason; a real permission problem still fails, once the bound has passed.
    """
    deadline = time.monotonic() + BUSY_RETRY_SECONDS
    delay = 0.01
    while True:
        try:
            return action()
        except PermissionError:
            if time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def remove_file(path: Path) -> None:
    """Delete ``path`` (FileNotFoundError if it is gone), waiting out a busy file."""
    while_busy(lambda: os.unlink(path))


STALE_TEMP_SECONDS = 600.0  # a temp file this old belongs to a writer that died


def temp_files(path: Path) -> list[Path]:
    """Temp files ``write_atomic`` left beside ``path`` (a writer killed before its rename).

    Readers never open them (they read ``path`` itself), but a cache file's temp copy holds
    the same secrets as the file, so logging out removes them too.
    """
    return sorted(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))


def remove_temp_files(path: Path, *, older_than: float | None = None) -> None:
    """Delete ``path``'s leftover temp files (only those older than ``older_than`` seconds:
    a younger one may belong to a writer still running)."""
    now = time.time()
    for temp in temp_files(path):
        with contextlib.suppress(OSError):
            if older_than is None or now - temp.stat().st_mtime > older_than:
                _remove_own_temp(temp)


def _remove_own_temp(temp: Path) -> None:
    """Delete a temp file of ours even when it is read-only.

    It has the mode of the file it was to replace, so a read-only config gives a read-only
    temp file, and Windows refuses to delete a file whose read-only attribute is set (chmod
    with the write bit clears it there).
    """
    with contextlib.suppress(OSError):
        os.chmod(temp, 0o600)
    remove_file(temp)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` through a temp file in the same directory and a rename."""
    # Imported here: tempfile pulls in shutil, random and the compression modules (~4 ms),
    # and the read-only path (credential_process with fresh credentials) never writes.
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # Closed before any clean-up below: Windows cannot delete a file that is open.
        with os.fdopen(fd, "wb") as handle:
            _set_mode(fd, tmp, mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        crashpoint("atomic.written")
        while_busy(lambda: os.replace(tmp, path))
    except BaseException:
        with contextlib.suppress(OSError):
            _remove_own_temp(Path(tmp))
        raise
    _fsync_dir(path.parent)
    remove_temp_files(path, older_than=STALE_TEMP_SECONDS)


def _set_mode(fd: int, tmp: str, mode: int) -> None:
    """Give the new file its final mode before any byte is in it."""
    if os.chmod in os.supports_fd:
        os.chmod(fd, mode)
    else:
        # Windows Python has fchmod only from 3.13. By name is as good here: the temp file
        # is ours, just made in its own folder (and chmod there only sets read-only).
        os.chmod(tmp, mode)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

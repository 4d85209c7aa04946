"""Whole-file replacement: readers see the old bytes or the new ones, never a mix."""

from __future__ import annotations

import contextlib
import glob
import os
import time
from pathlib import Path

from aws_login_bridge.crashpoint import crashpoint


def make_private_dirs(path: Path) -> None:
    """Create ``path`` and every missing parent as 0700, whatever the umask.

    ``mkdir(parents=True)`` makes the parents with the umask's mode only: under umask 0 a
    new ~/.aws would be world-writable, and anyone could then swap the config file in it.
    Folders that already exist are left as they are.
    """
    missing = []
    folder = path
    while not folder.is_dir() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) 0700, and tighten ``path`` itself if it is looser.

    Only a folder of our own is tightened: someone else's is refused before this is called
    (store.folder_trust), and a chmod would not make it ours anyway.
    """
    make_private_dirs(path)
    st = path.stat()
    if st.st_mode & 0o077 and st.st_uid == getattr(os, "geteuid", lambda: st.st_uid)():
        os.chmod(path, 0o700)


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
                temp.unlink()


def write_atomic(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` through a temp file in the same directory and a rename."""
    # Imported here: tempfile pulls in shutil, random and the compression modules (~4 ms),
    # and the read-only path (credential_process with fresh credentials) never writes.
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        crashpoint("atomic.written")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)
    remove_temp_files(path, older_than=STALE_TEMP_SECONDS)


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

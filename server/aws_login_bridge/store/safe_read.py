"""Reading a file that someone may have swapped for something else, without trusting it.

A login cache file or the config can be replaced by a named pipe (an open() for reading
then waits forever, and with it the SDK that ran credential_process), a link to /dev/zero
(read() never ends), a socket, a folder or a file of hundreds of megabytes. ``read_bytes``
looks before it opens, opens without blocking (and, where asked, without following a
link), checks the opened file itself, and reads at most ``limit`` + 1 bytes: anything but a
small regular file ends at once with ``Unsafe`` saying what was found.

What differs between the operating systems is decided here, in ``_posix``: Windows has no
O_NOFOLLOW, O_NONBLOCK nor file owners (``st_uid`` is 0), so there the look before the open
is the whole check against a link, and ownership is not checked (the ACL inherited from the
profile folder keeps the files private, as in ``store.folder_trust``).

credential_process reads through this module on every call: ``os`` and ``stat`` only.
"""

from __future__ import annotations

import errno
import os
import stat

from aws_login_bridge import hostos

TYPE_CHECKING = False  # credential_process imports this module: typing stays out of it
if TYPE_CHECKING:
    StrPath = str | os.PathLike[str]

MIB = 1024 * 1024


class Unsafe(Exception):
    """The file is not one to read; ``reason`` says why, as the end of a sentence that
    starts with the file's name (``it is a named pipe, not a regular file``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _posix() -> bool:
    return not hostos.WINDOWS


def size_text(size: int) -> str:
    return f"{size / MIB:.0f} MiB" if size % MIB == 0 else f"{size} bytes"


def _kind(mode: int) -> str | None:
    """What a non-regular file is, in words (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    kinds = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
             (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))
    return next((words for test, words in kinds if test(mode)), "a special file")


def _check(st: os.stat_result, limit: int, own: bool) -> None:
    kind = _kind(st.st_mode)
    if kind is not None:
        raise Unsafe(f"it is {kind}, not a regular file")
    if own and _posix() and st.st_uid != os.geteuid():
        from aws_login_bridge.store.folder_trust import owner_name

        raise Unsafe(f"it is owned by {owner_name(st.st_uid)}, not by you, so it may hold "
                     "another account's credentials")
    if st.st_size > limit:
        raise Unsafe(f"it is {st.st_size} bytes, over the {size_text(limit)} limit")


def read_bytes(path: StrPath, *, limit: int, follow_links: bool, own: bool) -> bytes:
    """The file's bytes; ``Unsafe`` unless it is a regular file of at most ``limit`` bytes
    (a link to one if ``follow_links``; owned by this user if ``own``). OSError as open()
    raises it otherwise (FileNotFoundError for no file)."""
    # The look first: a pipe is never opened, and on Windows it is all there is.
    _check(os.stat(path) if follow_links else os.lstat(path), limit, own)
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    if _posix():
        # The opened file is checked again (fstat), so a swap after the look gains nothing.
        flags |= os.O_NONBLOCK | os.O_NOCTTY | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO):  # a link, a socket
            raise Unsafe("it was replaced by something other than a regular file") from None
        raise
    try:
        _check(os.fstat(fd), limit, own)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, limit + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:  # it grew after the fstat
        raise Unsafe(f"it is over the {size_text(limit)} limit")
    return b"".join(chunks)

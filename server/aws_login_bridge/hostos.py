"""What differs between the operating systems the engine runs on, decided in one place.

``WINDOWS`` and ``MACOS`` are read at call time (``hostos.WINDOWS``, never
``from hostos import WINDOWS``) so that the tests can force Windows' or macOS's code paths
on Linux by setting them.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # credential_process imports this module: typing stays out of it
if TYPE_CHECKING:
    from collections.abc import Sequence

WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"


def _shell_platform() -> str:
    # botocore's compat_shell_split takes a sys.platform value: "win32" selects the MS C
    # runtime's rules, anything else POSIX shlex.
    return "win32" if WINDOWS else "posix"


def join_command(parts: Sequence[str]) -> str:
    """One command line that botocore's ``credential_process`` splitting turns back into
    ``parts`` on this platform (it runs the line without a shell)."""
    if WINDOWS:
        import subprocess

        return subprocess.list2cmdline(parts)
    import shlex

    return shlex.join(parts)


def split_command(line: str) -> list[str]:
    """The words botocore runs for a ``credential_process`` line, split by its own rules.

    Raises ValueError for a line POSIX rules cannot split (an unclosed quote).
    """
    from botocore.compat import compat_shell_split

    return compat_shell_split(line, platform=_shell_platform())


# -- the AWS config file as other programs read it --------------------------------------


def ansi_code_page() -> str:
    """Windows' ANSI code page (``cp1252`` on an English Windows, ``cp65001`` where the
    "UTF-8 for worldwide language support" option is on), whatever this process's own
    UTF-8 mode is: other programs' Pythons read files with it."""
    import locale

    # getencoding (3.11+) asks Windows (GetACP) even in UTF-8 mode; 3.10 has to ask itself,
    # since its preferred encoding is UTF-8 in that mode.
    getencoding = getattr(locale, "getencoding", None)
    if getencoding:
        return str(getencoding())
    import ctypes

    windll = getattr(ctypes, "windll", None)  # absent where Windows is only simulated
    if windll is not None:
        return f"cp{windll.kernel32.GetACP()}"
    return locale.getpreferredencoding(False)


def config_encoding() -> str:
    """The encoding other programs' botocore reads ``~/.aws/config`` with on this machine.

    botocore opens the file without an encoding (``RawConfigParser.read``), so it gets the
    locale's: on Windows the ANSI code page, not UTF-8, unless that program runs in Python's
    UTF-8 mode. On POSIX the locale's is UTF-8 in practice (Python coerces the C locale).
    """
    if WINDOWS:
        return ansi_code_page()
    import locale

    return locale.getpreferredencoding(False)


def short_path(path: str) -> str | None:
    """Windows' short (8.3) form of an existing ``path``, or None where there is none.

    A volume with 8.3 names turned off gives back the long form unchanged; POSIX has no
    such thing.
    """
    if not WINDOWS:
        return None
    import ctypes
    from ctypes import wintypes

    get = ctypes.windll.kernel32.GetShortPathNameW  # type: ignore[attr-defined]
    get.argtypes = [wintypes.LPCWSTR, wintypes.LPWSTR, wintypes.DWORD]
    get.restype = wintypes.DWORD
    size = get(path, None, 0)
    if not size:
        return None
    buffer = ctypes.create_unicode_buffer(size)
    written = get(path, buffer, size)
    return buffer.value if 0 < written < size else None


def case_insensitive(folder: str) -> bool:
    """Whether names in the existing ``folder``'s volume ignore case (macOS' and Windows'
    usual volumes): its last name with letters, in swapped case, names the same folder.

    A path without cased letters cannot tell, and counts as case-sensitive.
    """
    import os

    head, tail = os.path.split(folder)
    while tail and tail.swapcase() == tail:
        head, tail = os.path.split(head)
    if not tail:
        return False
    try:
        return os.path.samestat(os.stat(os.path.join(head, tail)),
                                os.stat(os.path.join(head, tail.swapcase())))
    except (OSError, ValueError):
        return False

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

"""How a Python client starts the helper, so that the folder it happens to run in never
puts code into it.

``python -m aws_login_bridge serve`` puts its working folder first on ``sys.path``: started
from a cloned repository (a Jupyter server's or a kernel's folder), that folder's
``aws_login_bridge/``, ``json.py`` or ``pygls/`` would run instead of ours. Two guards,
decided here once for every Python client (``HelperClient.spawn``):

* the safe-path switch where the Python has it (3.11+): ``-P``, and ``PYTHONSAFEPATH=1``
  in its environment so a Python it may start keeps it;
* a working folder of the client's choosing, never the inherited one: on 3.10 that is the
  only guard, and on any version it is what an empty entry of ``PYTHONPATH`` means.

``-I`` is not used: it would also drop ``PYTHONPATH`` and the user's site-packages, which a
kernel's environment (``pip install --user``) and the tests rely on; ``-P`` removes only
the working folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

SAFE_PATH = sys.version_info >= (3, 11)  # -P and PYTHONSAFEPATH exist from 3.11 on


def helper_argv(python: str = sys.executable) -> list[str]:
    """The helper's command line with this Python (the one the client runs in)."""
    return [python, *(["-P"] if SAFE_PATH else []), "-m", "aws_login_bridge", "serve"]


def helper_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """``env`` (default: this process's) with the safe-path switch set where it exists."""
    result = dict(os.environ if env is None else env)
    if SAFE_PATH:
        result["PYTHONSAFEPATH"] = "1"
    return result


def working_folder(preferred: str | os.PathLike[str] | None = None) -> str:
    """``preferred`` when it is a folder only this user can write to, else the home folder.

    Home, because it belongs to the person and is never a checkout someone else wrote;
    a client with a private folder of its own (Jupyter's runtime folder) passes that.
    """
    if preferred is not None and is_private_folder(Path(preferred)):
        return str(preferred)
    return str(Path.home())


def is_private_folder(folder: Path) -> bool:
    """A real folder owned by this user that no one else may write to (POSIX); on Windows,
    an existing folder (its ACLs are the OS's business)."""
    try:
        info = folder.lstat()
    except OSError:
        return False
    if not folder.is_dir() or folder.is_symlink():
        return False
    if os.name != "posix":
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def launch(argv: Sequence[str] | None, env: Mapping[str, str] | None,
           cwd: str | os.PathLike[str] | None) -> tuple[list[str], dict[str, str], str]:
    """``(argv, env, cwd)`` for ``subprocess.Popen``. A caller's own ``argv`` is kept as
    given (it chose the command); the environment and the folder are always ours."""
    return (list(argv) if argv else helper_argv(), helper_env(env), working_folder(cwd))

"""Windows' traits, forced on Linux: what the engine meets there and must cope with.

- ``os.fchmod`` is missing (Windows Python before 3.13) and ``os.chmod`` takes no descriptor,
  for the engine's file writer (``store.atomic``, which every write and delete goes through);
- files are busy: ``os.replace`` and ``os.unlink`` refuse with PermissionError the first
  ``REFUSALS`` times for each target, as Windows does while a reader or a virus scanner has
  the file open;
- command lines follow the MS C runtime's rules: the engine's ``hostos.WINDOWS`` is set, and
  botocore splits ``credential_process`` lines as it does on Windows;
- sockets: SO_EXCLUSIVEADDRUSE exists, and a linger option is Winsock's two unsigned shorts.
  Linux has neither, so ``setsockopt`` records them and passes on Linux's equivalent (a
  listening port is exclusive there already).

``force(patch)`` applies them to this process through ``patch`` (pytest's monkeypatch);
``site_env(env)`` is an environment whose Python processes start with them
(windows_site/sitecustomize.py). Every refusal and Windows-only socket option is appended,
one line each, to the file named by WINDOWS_TRAITS_LOG, so a test can see them happen.
"""

from __future__ import annotations

import errno
import functools
import os
import socket
import struct
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

SITE = Path(__file__).resolve().parent / "windows_site"
LOG_VAR = "WINDOWS_TRAITS_LOG"
BUSY_VAR = "WINDOWS_TRAITS_BUSY_UNDER"  # only paths under this folder are ever busy
REFUSALS = 2
SO_EXCLUSIVEADDRUSE = -5  # winsock2.h: ((int)(~SO_REUSEADDR)), SO_REUSEADDR being 4


class Patcher(Protocol):
    def setattr(self, target: Any, name: str, value: Any, raising: bool = ...) -> None: ...
    def delattr(self, target: Any, name: str) -> None: ...


class _Direct:
    """A Patcher for a process that keeps its patches for life (the subprocesses)."""

    def setattr(self, target: Any, name: str, value: Any, raising: bool = True) -> None:
        setattr(target, name, value)

    def delattr(self, target: Any, name: str) -> None:
        delattr(target, name)


def site_env(env: dict[str, str], log: Path, busy_under: Path,
             local_app_data: Path) -> dict[str, str]:
    """``env`` for processes with the traits; ``local_app_data`` stands for Windows'
    %LOCALAPPDATA% (where the engine keeps its lock files there). Unless ``env`` names one,
    the profile folder (%USERPROFILE%, which every Windows process has) is the folder
    holding both ``busy_under`` and ``local_app_data``: the test's own, whose files are
    then inside it as a user's are on Windows."""
    paths = [str(SITE), *filter(None, [env.get("PYTHONPATH")])]
    profile = env.get("USERPROFILE") or os.path.commonpath([busy_under, local_app_data])
    return dict(env, PYTHONPATH=os.pathsep.join(paths), LOCALAPPDATA=str(local_app_data),
                USERPROFILE=profile, **{LOG_VAR: str(log), BUSY_VAR: str(busy_under)})


def events(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def force(patch: Patcher, *, log: Path | None = None, busy_under: Path | None = None) -> None:
    import botocore.compat
    import botocore.credentials

    from aws_login_bridge import hostos
    from aws_login_bridge.store import atomic

    record = functools.partial(_record, log)
    patch.setattr(hostos, "WINDOWS", True)
    # The engine's file writer (every write and delete goes through it) gets Windows' os;
    # the rest of the process keeps Linux's, so that libraries' own POSIX code paths (which
    # never run on Windows: filelock locks with msvcrt there) work as they do here.
    patch.setattr(atomic, "os", WindowsOs(record, busy_under))
    patch.setattr(botocore.credentials, "compat_shell_split",
                  functools.partial(botocore.compat.compat_shell_split, platform="win32"))
    patch.setattr(socket, "SO_EXCLUSIVEADDRUSE", SO_EXCLUSIVEADDRUSE, raising=False)
    patch.setattr(socket.socket, "setsockopt", _winsock(socket.socket.setsockopt, record))


class WindowsOs(types.ModuleType):
    """``os`` as Windows Python 3.10-3.12 has it, with files that are busy at first."""

    def __init__(self, record: Callable[[str], None], busy_under: Path | None) -> None:
        super().__init__("os")
        self.supports_fd = os.supports_fd - {os.chmod}
        self.replace = _busy(os.replace, 1, busy_under, record)
        self.unlink = self.remove = _busy(os.unlink, 0, busy_under, record)

    def __getattr__(self, name: str) -> Any:
        if name in ("fchmod", "fchown"):
            raise AttributeError(f"module 'os' has no attribute '{name}'")
        return getattr(os, name)


def force_from_environment() -> None:
    """sitecustomize's entry: force the traits on this whole process."""
    log, busy = os.environ.get(LOG_VAR), os.environ.get(BUSY_VAR)
    force(_Direct(), log=Path(log) if log else None, busy_under=Path(busy) if busy else None)


def _record(log: Path | None, event: str) -> None:
    if log is not None:
        with open(log, "a") as handle:
            handle.write(event + "\n")


def _busy(real: Callable[..., Any], target_arg: int, under: Path | None,
          record: Callable[[str], None]) -> Callable[..., Any]:
    refused: dict[str, int] = {}

    @functools.wraps(real)
    def call(*args: Any, **kwargs: Any) -> Any:
        target = os.path.abspath(os.fspath(args[target_arg]))
        inside = under is None or Path(target).is_relative_to(under)
        if inside and refused.get(target, 0) < REFUSALS:
            refused[target] = refused.get(target, 0) + 1
            record(f"refused {real.__name__} {Path(target).name}")
            raise PermissionError(errno.EACCES, "Access is denied", target)
        return real(*args, **kwargs)

    return call


def _winsock(real: Callable[..., Any], record: Callable[[str], None]) -> Callable[..., Any]:
    def setsockopt(sock: socket.socket, level: int, option: int, value: Any, *rest: Any) -> Any:
        if (level, option) == (socket.SOL_SOCKET, SO_EXCLUSIVEADDRUSE):
            record("setsockopt SO_EXCLUSIVEADDRUSE")
            return None
        if (level, option) == (socket.SOL_SOCKET, socket.SO_REUSEADDR):
            record("setsockopt SO_REUSEADDR")
        if (level, option) == (socket.SOL_SOCKET, socket.SO_LINGER):
            assert isinstance(value, bytes) and len(value) == 4, "not Winsock's struct linger"
            record("setsockopt SO_LINGER")
            value = struct.pack("ii", *struct.unpack("HH", value))
        return real(sock, level, option, value, *rest)

    return setsockopt


# -- Ctrl-C during a wait -----------------------------------------------------------------

CTRL_C_LOG_VAR = "WINDOWS_TRAITS_CTRL_C_LOG"
CTRL_C_SITE = Path(__file__).resolve().parent / "windows_wait_site"


def ctrl_c_env(env: dict[str, str], log: Path) -> dict[str, str]:
    """``env`` for processes whose main thread's ``Event.wait`` holds a Ctrl-C as Windows
    Python before 3.14 does (windows_wait_site/sitecustomize.py); what happens is written
    to ``log``."""
    paths = [str(CTRL_C_SITE), *filter(None, [env.get("PYTHONPATH")])]
    return dict(env, PYTHONPATH=os.pathsep.join(paths), **{CTRL_C_LOG_VAR: str(log)})


def hold_ctrl_c_in_waits(log: Path) -> None:
    """On Windows before Python 3.14 a Ctrl-C pressed while the main thread is in
    ``threading.Event.wait`` is delivered only when the wait's timeout ends. Here each
    main-thread wait is logged (``wait 600.00``) and, when a Ctrl-C comes, how long Windows
    would still have held it (``ctrl-c held 599.70``); then it is delivered at once, so a
    test of code that would hold it fails on the log, not by hanging."""
    import threading
    import time

    real = threading.Event.wait

    def wait(self: threading.Event, timeout: float | None = None) -> bool:
        if threading.current_thread() is not threading.main_thread():
            return real(self, timeout)
        started = time.monotonic()
        try:  # logged inside: a Ctrl-C sent once the line is there is always seen here
            _record(log, "wait forever" if timeout is None else f"wait {timeout:.2f}")
            return real(self, timeout)
        except KeyboardInterrupt:
            rest = float("inf") if timeout is None else timeout - (time.monotonic() - started)
            _record(log, f"ctrl-c held {max(rest, 0.0):.2f}")
            raise

    threading.Event.wait = wait  # type: ignore[method-assign]

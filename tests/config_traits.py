"""A Windows machine's code page and short (8.3) names, forced on Linux with its other
traits (tests/windows_traits.py), for what the engine writes into ~/.aws/config.

- ``hostos.ansi_code_page`` answers the code page given (``cp1252`` on an English Windows,
  ``cp1250`` on a Polish one), as ``locale.getencoding()`` does there;
- ``hostos.short_path`` answers from a map of long paths to short ones, and the long path
  itself for any other (what GetShortPathNameW does on a volume with 8.3 names turned off);
- opening a folder fails with PermissionError ("Access is denied"), as Windows' open() does
  (Linux opens it), for the engine's careful reader (``store.safe_read``).

``site_env`` is an environment whose Python processes start with them (config_site/).
``read_as`` reads a config file with botocore's own loader as a program on that machine
does: ``RawConfigParser.read`` without an encoding, which there means the code page.
"""

from __future__ import annotations

import configparser
import contextlib
import errno
import functools
import json
import os
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import windows_traits

SITE = Path(__file__).resolve().parent / "config_site"
CODE_PAGE_VAR = "CONFIG_TRAITS_CODE_PAGE"
SHORT_PATHS_VAR = "CONFIG_TRAITS_SHORT_PATHS"


def site_env(env: dict[str, str], *, code_page: str, short_paths: dict[str, str],
             log: Path, local_app_data: Path) -> dict[str, str]:
    """``env`` for processes on a forced Windows with ``code_page`` and ``short_paths``."""
    forced = windows_traits.site_env(env, log, log.parent / "nothing-is-busy", local_app_data)
    forced["PYTHONPATH"] = os.pathsep.join([str(SITE), forced["PYTHONPATH"]])
    return dict(forced, **{CODE_PAGE_VAR: code_page, SHORT_PATHS_VAR: json.dumps(short_paths)})


def force(patch: windows_traits.Patcher, *, code_page: str,
          short_paths: dict[str, str]) -> None:
    from aws_login_bridge import hostos
    from aws_login_bridge.store import safe_read

    patch.setattr(hostos, "ansi_code_page", lambda: code_page)
    patch.setattr(hostos, "short_path", lambda path: short_paths.get(path, path))
    patch.setattr(safe_read, "os", FolderRefusingOs())


class FolderRefusingOs(types.ModuleType):
    """``os`` whose open() refuses a folder as Windows' does."""

    def __init__(self) -> None:
        super().__init__("os")

    def open(self, path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.path.isdir(path):
            raise PermissionError(errno.EACCES, "Access is denied", os.fspath(path))
        return os.open(path, flags, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def force_from_environment() -> None:
    windows_traits.force_from_environment()
    force(windows_traits._Direct(), code_page=os.environ[CODE_PAGE_VAR],
          short_paths=json.loads(os.environ[SHORT_PATHS_VAR]))


@contextlib.contextmanager
def _reading_as(locale_encoding: str) -> Iterator[None]:
    real = configparser.RawConfigParser.read

    @functools.wraps(real)
    def read(self: configparser.RawConfigParser, filenames: Any,
             encoding: str | None = None) -> list[str]:
        return real(self, filenames, encoding=encoding or locale_encoding)

    configparser.RawConfigParser.read = read  # type: ignore[method-assign]
    try:
        yield
    finally:
        configparser.RawConfigParser.read = real  # type: ignore[method-assign]


def read_as(config: Path, encoding: str) -> dict[str, Any]:
    """The profiles botocore's loader finds in ``config`` when it reads it as ``encoding``
    (botocore.exceptions.ConfigParseError where it cannot)."""
    import botocore.configloader

    with _reading_as(encoding):
        return botocore.configloader.load_config(str(config))["profiles"]

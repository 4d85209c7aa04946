"""Where the files live, honouring the same environment variables as the SDKs.

Each rule is written once, as a function returning text (``*_name``); the ``Path`` forms
wrap it. credential_process reads the files through the text forms, so that its fresh
lane never imports pathlib (with urllib.parse and ipaddress under it, a tenth of what
the whole command costs; see benchmarks/bench_aws_cli.py).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def _expand(value: str) -> str:
    return os.path.expanduser(os.path.expandvars(value))


def config_file_name() -> str:
    return _expand(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config")


def login_cache_dir_name() -> str:
    # botocore reads the variable whenever it is set, even to an empty string.
    if "AWS_LOGIN_CACHE_DIRECTORY" in os.environ:
        return _expand(os.environ["AWS_LOGIN_CACHE_DIRECTORY"])
    return _expand("~/.aws/login/cache")


def config_file() -> Path:
    from pathlib import Path

    return Path(config_file_name())


def credentials_file() -> Path:
    from pathlib import Path

    return Path(_expand(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"))


def login_cache_dir() -> Path:
    from pathlib import Path

    return Path(login_cache_dir_name())


def file_stamp(path: str | os.PathLike[str]) -> tuple[int, int, int] | None:
    """(mtime_ns, size, inode) of a file, None if it cannot be stat'ed: an edit in place
    moves the first two, an atomic rename-into-place the inode."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)

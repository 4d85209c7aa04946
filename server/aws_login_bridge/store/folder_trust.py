"""Whether a folder is ours to keep credentials in, judged the way ssh's StrictModes does.

Whoever can write to a folder can replace the files in it — a swapped cache file hands
every SDK reading it someone else's credentials, a swapped config file points a profile
anywhere — and whoever owns it can make it writable. So the login cache folder must
belong to us (or root) and be writable by nobody else, and every folder above it and above
the config file must belong to us or root and not be writable by others (a sticky folder
such as /tmp is fine: others cannot rename what is ours in it). The check stops at the
home folder, as ssh's does: above it, the system's layout is the administrator's business.

A folder that fails is refused, never repaired: chmod on a folder someone else controls
fixes nothing (they can undo it), and run as root it would take the folder over.

Windows has no POSIX owner and mode bits (os.stat reports 0o777 for every folder, and
st_uid 0); privacy there comes from the ACL inherited from the user's profile folder, as
for the AWS CLI. So what is checked there is that the folder lies under the profile
folder (``%USERPROFILE%``, both resolved); a folder elsewhere (``C:\\creds`` inherits
"Authenticated Users: Modify" from ``C:\\``) is used, but its ACL is not read, and that is
said once per process on stderr rather than passed in silence. Which rule applies is
decided in ``_check`` only.

Every read of a login cache file and of the config runs these checks (credential_process
included), so this module works on text paths with ``os`` alone: its fresh lane imports
no pathlib (tests/test_bridge.py holds it to that budget).
"""

from __future__ import annotations

import os
import stat
import sys

from aws_login_bridge import hostos
from aws_login_bridge.errors import ConfigError

TYPE_CHECKING = False  # credential_process imports this module: typing stays out of it
if TYPE_CHECKING:
    StrPath = str | os.PathLike[str]


_WARNED: set[str] = set()  # folders already said to be unchecked, in this process


def _check(folder: StrPath, *, private: bool, other: str | None) -> None:
    """The one place that decides which rule a platform gets."""
    if hostos.WINDOWS:
        _check_windows(os.path.realpath(folder))
    else:
        real = os.path.realpath(folder)
        _check_chain(real, private=real if private else None, other=other)


def profile_folder() -> str | None:
    """The user's profile folder, resolved (None if unknown)."""
    profile = os.environ.get("USERPROFILE") or os.path.expanduser("~")
    if not profile or profile == "~":
        return None
    try:
        return os.path.realpath(profile)
    except (OSError, ValueError):
        return None


def unverified_reason(folder: StrPath) -> str | None:
    """On Windows, why the folder's privacy could not be verified (None if it lies under
    the profile folder, whose ACL it inherits)."""
    real = os.path.normcase(os.path.realpath(folder))
    profile = profile_folder()
    if profile is not None:
        base = os.path.normcase(profile).rstrip("\\/")
        if real == base or real.startswith(base + os.sep) or (
                os.altsep and real.startswith(base + os.altsep)):
            return None
    where = f"your profile folder ({profile})" if profile else "your profile folder"
    return (f"{os.path.realpath(folder)} is not under {where}, so it may not inherit an "
            "ACL that keeps other accounts out, and aws-login-bridge cannot check its ACL; "
            "make sure only you can write to it, or use a folder under your profile")


def _check_windows(folder: str) -> None:
    if folder in _WARNED:
        return
    reason = unverified_reason(folder)
    if reason is not None:
        _WARNED.add(folder)
        print(f"aws-login-bridge: warning: {reason}.", file=sys.stderr, flush=True)


def _user(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


def owner_name(uid: int) -> str:
    name = _user(uid)
    return f"uid {uid}" if name == str(uid) else f"{name} (uid {uid})"


def _home() -> str | None:
    try:
        return os.path.realpath(os.path.expanduser("~"))
    except (OSError, RuntimeError):
        return None


def _refuse(folder: str, st: os.stat_result, fix: str) -> ConfigError:
    mode = stat.S_IMODE(st.st_mode)
    return ConfigError(
        f"Refusing to use {folder}: it is owned by {owner_name(st.st_uid)} with mode "
        f"{mode:04o}, so another account could replace the files kept there; {fix}.",
        folder=str(folder),
    )


def _fix(folder: str, me: int, mode: str, other: str | None) -> str:
    what = "private" if mode == "700" else "not writable by others"
    fix = f"make it yours and {what} (chown {_user(me)} {folder}; chmod {mode} {folder})"
    return f"{fix}, or {other}" if other else fix


def _check_chain(folder: str, *, private: str | None, other: str | None) -> None:
    me = os.geteuid()
    home = _home()
    while True:
        try:
            st = os.stat(folder)
        except FileNotFoundError:
            st = None  # not created yet: make_private_dirs will create it 0700 and ours
        except OSError:
            return  # unreadable: the write that follows says what is wrong
        if st is not None and stat.S_ISDIR(st.st_mode):
            foreign = st.st_uid not in (me, 0)
            if folder == private:
                if foreign or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                    raise _refuse(folder, st, _fix(folder, me, "700", other))
            elif foreign or (st.st_mode & stat.S_IWOTH and not st.st_mode & stat.S_ISVTX):
                raise _refuse(folder, st, _fix(folder, me, "o-w", other))
        parent = os.path.dirname(folder)
        if folder == home or parent == folder:
            return
        folder = parent


def check_private_folder(folder: StrPath, other: str | None) -> None:
    """ConfigError unless ``folder`` and the folders above it are safe to keep credentials
    (or locks) in; ``other`` is the alternative fix the message offers, if there is one
    (the lock folder has none on macOS). Nothing is changed
    either way. On Windows: a warning on stderr if it cannot be verified."""
    _check(folder, private=True, other=other)


def check_cache_folder(folder: StrPath) -> None:
    """``check_private_folder`` for the login cache folder."""
    check_private_folder(folder, "set AWS_LOGIN_CACHE_DIRECTORY to a private folder of your own")


def check_config_folder(config_file: StrPath) -> None:
    """ConfigError unless the folder holding the config file (and those above it) belong to
    us or root and are not writable by others (on Windows: under the profile folder, else
    a warning)."""
    _check(os.path.dirname(os.path.abspath(config_file)), private=False,
           other="point AWS_CONFIG_FILE at a file in a folder of your own")

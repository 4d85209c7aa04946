"""Reading profiles like botocore does, and changing single lines without touching the rest.

Only the lines we mean to change are rewritten: comments, blank lines, ordering, other
sections (``[sso-session]``, ``[services]``), the byte-order mark and CRLF line endings all
survive, so the file still diffs cleanly and every other tool keeps working.
"""

from __future__ import annotations

import configparser
import errno
import functools
import io
import os
import re
import shlex
from collections import namedtuple

from aws_login_bridge import hostos
from aws_login_bridge.errors import ConfigError, InvalidInput, bad_character
from aws_login_bridge.store import safe_read
from aws_login_bridge.store.folder_trust import check_config_folder

# credential_process reads profiles through this module on every call: what only a write
# needs (pathlib, typing, locks) is imported where it is used.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import contextlib
    from pathlib import Path

LOCK_TIMEOUT = 20.0  # seconds; a read-modify-write of the config takes milliseconds
# Config files with hundreds of profiles are a few hundred KB; a planted giant must not
# cost its size in memory on every credential_process call.
CONFIG_FILE_LIMIT = 4 * safe_read.MIB

# configparser's own patterns (botocore reads the file with a default RawConfigParser).
_SECTCRE = configparser.RawConfigParser.SECTCRE
_OPTCRE = configparser.RawConfigParser.OPTCRE
_NONSPACE = r"\S"  # compiled on first use (re caches it): the read path needs neither
_BOM = "\ufeff"
# A line as Python's universal newlines (so configparser and botocore) reads it: ended by
# CRLF, CR or LF. str.splitlines() would also break at \x0b, \x0c, \x1c-\x1e, \x85,
# \u2028 and \u2029, which may sit inside a comment or a value.
_LINE = r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$"


def config_lock(
    path: Path, timeout: float = LOCK_TIMEOUT
) -> contextlib.AbstractContextManager[None]:
    """Hold the config file's lock around a read-modify-write of it.

    Every change is load → edit → save; two processes doing that at once (two logins to
    different profiles, a login and setup-process-profile) would each save their own edit
    of the same old text, and the first one's lines would be lost. The lock file lives in
    the per-user lock folder (see ``store.locks``), so taking it creates nothing in ~/.aws.
    """
    from aws_login_bridge.store.locks import path_lock

    check_config_folder(path)
    return path_lock(path, timeout, f"changing {path}")


def validate_profile_name(name: str) -> str:
    """``name`` if a login may create or change that profile (the declared rule); the
    refusal says what is wrong without repeating the name (it may be a code pasted into the
    wrong field)."""
    # Imported here: the declaration needs attrs, which would slow credential_process.
    from aws_login_bridge.protocol import (
        PROFILE_NAME_CHARS,
        PROFILE_NAME_MAX,
        PROFILE_NAME_RE,
        PROFILE_NAME_RULE,
    )

    if isinstance(name, str) and PROFILE_NAME_RE.fullmatch(name):
        return name
    if not isinstance(name, str):
        problem = "is not text"
    elif not name:
        problem = "is empty"
    elif len(name) > PROFILE_NAME_MAX:
        problem = f"is longer than {PROFILE_NAME_MAX} characters"
    else:
        problem = f"contains {bad_character(name, re.compile(f'[{PROFILE_NAME_CHARS}]'))}"
    raise InvalidInput(
        f"The profile name {problem}. Use {PROFILE_NAME_RULE} (for example console-dev).",
        field="profile",
    )


def _section_profile(section: str) -> str | None:
    """Which profile a config-file section header names, exactly as botocore decides.

    botocore's ``build_profile_map``: ``default`` (verbatim, no spaces) or a name starting
    with ``profile`` that ``shlex`` splits into two words, the second being the profile. A
    header botocore ignores (``[ default ]``) must not count as the profile here either.
    """
    if section == "default":
        return "default"
    if section.startswith("profile"):
        try:
            parts = shlex.split(section)
        except ValueError:
            return None
        if len(parts) == 2:
            return parts[1]
    return None


class ConfigDocument(namedtuple("ConfigDocument", ["path", "original", "text"])):
    """One config file's exact text, plus how botocore would read its profiles.

    ``path`` is the file as the caller named it: text from credential_process (whose fresh
    lane never imports pathlib), a Path elsewhere. Not a dataclass: see store.cache.CachedLogin.
    """

    __slots__ = ()
    path: str | os.PathLike[str]
    original: bytes | None  # None: the file does not exist yet
    text: str

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ConfigDocument:
        """The file as it is: from a folder others cannot write (``store.folder_trust``),
        and only a regular file (a dotfile manager's link to one is fine) of at most
        ``CONFIG_FILE_LIMIT``, read without blocking (``store.safe_read``)."""
        check_config_folder(path)
        try:
            raw: bytes | None = safe_read.read_bytes(path, limit=CONFIG_FILE_LIMIT,
                                                     follow_links=True, own=False)
        except (FileNotFoundError, NotADirectoryError):
            raw = None  # no such file (yet): reads as empty, and saving says why it can't
        except safe_read.Unsafe as refusal:
            raise _refused(path, refusal.reason) from None
        except OSError as error:
            if isinstance(error, PermissionError) and os.path.isdir(path):
                # Windows' answer to opening a folder (one put there after the look).
                raise _refused(path, "it is a folder, not a regular file") from None
            raise ConfigError(
                f"Cannot read {path} ({os.strerror(error.errno or errno.EIO)}). "
                "Fix its permissions, or point AWS_CONFIG_FILE at a readable file."
            ) from None
        try:
            text = "" if raw is None else raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(
                f"{path} is not UTF-8 text. Save it as UTF-8 and try again."
            ) from None
        document = cls(path=path, original=raw, text=text)
        document.profiles()  # fail early, with the line, on a file botocore cannot read
        return document

    def profiles(self) -> dict[str, dict[str, str]]:
        # Parsed once per text: a load and every lookup after it read the same file.
        return {name: dict(values) for name, values in _parse(str(self.path), self.text).items()}

    def profile(self, name: str) -> dict[str, str] | None:
        return self.profiles().get(name)

    @property
    def newline(self) -> str:
        match = re.search(r"\r\n|\r|\n", self.text)
        return match.group(0) if match else "\n"

    def with_values(self, profile: str, values: dict[str, str]) -> ConfigDocument:
        """A copy in which ``profile`` has each key set to its value; nothing else moves.

        ConfigError, and no copy, if a value or the profile's name would not read back as
        itself in the encoding other programs read the file with (``reads_back``).
        """
        labels = {"the profile name": profile, **{f"the {k} value": v for k, v in values.items()}}
        for label, value in labels.items():
            if not reads_back(value):
                raise ConfigError(
                    f"Not changing {self.path}: {label} has characters that AWS "
                    f"tools on this computer would misread (they read the file as "
                    f"{hostos.config_encoding()}); nothing was written."
                )
        text = self.text
        for key, value in values.items():
            text = _set_value(text, profile, key, value, self.newline)
        return ConfigDocument(path=self.path, original=self.original, text=text)

    @property
    def changed(self) -> bool:
        return (self.original or b"") != self.text.encode("utf-8") or (
            self.original is None and bool(self.text)
        )

    def save(self) -> None:
        """Atomically replace the file, keeping its permissions (0600 when it is new)."""
        if not self.changed:
            return
        import contextlib
        from pathlib import Path

        from aws_login_bridge.store.atomic import make_private_dirs, write_atomic

        path = Path(self.path)
        check_config_folder(path)
        mode = 0o600
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            mode = path.stat().st_mode & 0o777
        try:
            make_private_dirs(path.parent)
            write_atomic(path, self.text.encode("utf-8"), mode=mode)
        except OSError as error:
            if hostos.WINDOWS and isinstance(error, PermissionError) and not mode & 0o200:
                # Windows will not replace a file whose read-only attribute is set.
                raise ConfigError(
                    f"Cannot write {self.path}: it is read-only. Clear its read-only "
                    f'attribute (attrib -r "{self.path}"), or point AWS_CONFIG_FILE at a '
                    "writable file."
                ) from None
            raise ConfigError(
                f"Cannot write {self.path} ({os.strerror(error.errno or errno.EIO)}). "
                "Make its folder writable, or point AWS_CONFIG_FILE at a writable file."
            ) from None


def _refused(path: str | os.PathLike[str], reason: str) -> ConfigError:
    return ConfigError(
        f"Refusing to read the AWS config file {path}: {reason}; put your AWS config there "
        "as a regular file, or point AWS_CONFIG_FILE at one."
    )


def reads_back(value: str) -> bool:
    """Whether ``value``, written as UTF-8, is read back as itself by every botocore on this
    machine: those that read the file as UTF-8 and those that read it in the locale's
    encoding (``hostos.config_encoding``; cp1252 on an English Windows reads ``José`` as
    ``JosÃ©``, and cannot read ``Łukasz`` at all, which breaks the whole file for them)."""
    try:
        return value.encode("utf-8").decode(hostos.config_encoding()) == value
    except (UnicodeError, LookupError):
        return False


class _Role(namedtuple("_Role", ["kind", "name", "indent"])):
    __slots__ = ()
    kind: str  # header | option | continuation | blank | comment
    name: str | None  # header: the section name; option: the key, lower-cased
    indent: str  # the line's leading whitespace


def _roles(lines: list[str]) -> list[_Role]:
    """What each line is, decided exactly as configparser (so botocore) reads the file.

    Indentation matters there: a line indented deeper than the option above it continues
    that option's value, even when it looks like ``[profile x]`` or ``key = value``; an
    indented option or header with no open value above it is an option or header.
    load() has already refused anything configparser cannot read.
    """
    roles: list[_Role] = []
    option_open = False
    level = 0
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(("#", ";")):
            roles.append(_Role("comment", None, ""))
            continue
        if not stripped:
            roles.append(_Role("blank", None, ""))
            continue
        first = re.search(_NONSPACE, line)
        indent = line[: first.start()] if first else ""
        if option_open and len(indent) > level:
            roles.append(_Role("continuation", None, indent))
            continue
        level = len(indent)
        header = _SECTCRE.match(stripped)
        option = None if header else _OPTCRE.match(stripped)
        if header:
            roles.append(_Role("header", header.group("header"), indent))
        elif option:
            roles.append(_Role("option", option.group("option").rstrip().lower(), indent))
        else:  # pragma: no cover - load() refuses such files
            roles.append(_Role("comment", None, indent))
        option_open = option is not None
    return roles


def _line_ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def _set_value(text: str, profile: str, key: str, value: str, newline: str) -> str:
    if any(ch in value for ch in "\r\n") or not value.strip():
        raise ValueError("config values must be one non-empty line")
    bom = _BOM if text.startswith(_BOM) else ""
    lines = re.findall(_LINE, text.removeprefix(_BOM))
    roles = _roles(lines)
    headers = [i for i, role in enumerate(roles)
               if role.kind == "header" and _section_profile(role.name or "") == profile]
    if not headers:
        header_name = "default" if profile == "default" else f"profile {profile}"
        if lines and not _line_ending(lines[-1]):
            lines[-1] += newline
        if lines and lines[-1].strip():
            lines.append(newline)
        lines += [f"[{header_name}]{newline}", f"{key} = {value}{newline}"]
        return bom + "".join(lines)
    # botocore lets a later duplicate win, so that is the one to change.
    header = headers[-1]
    end = next((i for i in range(header + 1, len(lines)) if roles[i].kind == "header"),
               len(lines))
    owner: int | None = None  # the option line the last value line belongs to
    last = header
    for index in range(header + 1, end):
        role = roles[index]
        if role.kind == "option":
            owner = index
        if role.kind in ("option", "continuation"):
            last = index
        if role.kind != "option" or role.name != key:
            continue
        # The key is here: change its value in place, dropping any continuation lines
        # (they belong to the old value and would otherwise run on into the new one).
        follow = []
        for j in range(index + 1, end):
            if roles[j].kind == "option":
                break
            if roles[j].kind == "continuation":
                follow.append(j)
        line = lines[index]
        option = _OPTCRE.match(line.strip())
        assert option is not None
        if option.group("value").strip() == value and not follow:
            return text
        start = len(role.indent) + option.start("value")
        lines[index] = line[:start] + value + _line_ending(line)
        for j in reversed(follow):
            del lines[j]
        return bom + "".join(lines)
    # A new line after the section's last value, indented like the option before it, so
    # that it neither continues that option nor turns an indented header below into a
    # continuation of its own.
    if owner is not None:
        indent = roles[owner].indent
    else:
        indent = roles[end].indent if end < len(lines) else ""
    if not _line_ending(lines[last]):
        lines[last] += newline
    lines.insert(last + 1, f"{indent}{key} = {value}{newline}")
    return bom + "".join(lines)


@functools.lru_cache(maxsize=8)
def _parse(path: str, text: str) -> dict[str, dict[str, str]]:
    parser = configparser.RawConfigParser(strict=True, interpolation=None)
    try:
        # newline=None: split lines the way a file read (and so botocore) does.
        parser.read_file(io.StringIO(text.removeprefix(_BOM), newline=None), source=path)
    except configparser.Error as error:
        line = getattr(error, "lineno", None)
        where = f" near line {line}" if line else ""
        raise ConfigError(
            f"{path} cannot be parsed{where}: {type(error).__name__}. Fix that line "
            "(every setting must sit under a [section] header, and no section may repeat)."
        ) from None
    result: dict[str, dict[str, str]] = {}
    for section in parser.sections():
        name = _section_profile(section)
        if name is not None:
            # A later section for the same profile replaces the earlier one (botocore).
            result[name] = dict(parser.items(section))
    return result

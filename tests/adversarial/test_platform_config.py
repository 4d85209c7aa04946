"""What the engine writes into ~/.aws/config, and how it guards that file, on Windows and
macOS, forced on Linux (tests/windows_traits.py, tests/config_traits.py).

* Every AWS tool on the machine must read back what we write: botocore reads the config in
  the locale's encoding, which on Windows is the ANSI code page, while we write UTF-8. A
  user folder named ``José`` (cp1252) or ``Łukasz`` (cp1250) puts those letters into the
  interpreter path setup-process-profile writes. Checked with botocore's own loader reading
  the file as such a machine does.
* A read-only config on Windows can be neither replaced nor (as a temp copy) deleted: a
  failed save leaves no ``.config.*.tmp`` behind and says what to do.
* On a case-insensitive volume (macOS', Windows') ``~/.AWS/config`` and ``~/.aws/config``
  are one file, so they take one lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.compat import compat_shell_split
from config_traits import FolderRefusingOs, read_as, site_env
from conftest import PYTHON, AwsHome
from hypothesis import given
from hypothesis import strategies as st
from windows_traits import WindowsOs

from aws_login_bridge import hostos
from aws_login_bridge.errors import ConfigError
from aws_login_bridge.store import atomic, locks
from aws_login_bridge.store.configfile import ConfigDocument

from . import tally
from .support import fresh_home, fuzz, temp_files

pytestmark = pytest.mark.posix  # Windows' and macOS' traits simulated on Linux

VENV = Path(PYTHON).parent.parent
SESSION = "arn:aws:sts::123456789012:assumed-role/Dev/me"
SOURCE = f"# mine\n[profile dev]\nlogin_session = {SESSION}\nregion = eu-west-1\n"


def _interpreter(root: Path, user: str) -> Path:
    """This venv's python as seen under a profile folder named ``user`` (the extension's
    private environment lives under %APPDATA%, so under the user's name)."""
    (root / user).mkdir(parents=True)
    (root / user / "venv").symlink_to(VENV, target_is_directory=True)
    return root / user / "venv" / "bin" / Path(PYTHON).name


def _setup(home: AwsHome, tmp_path: Path, python: Path, code_page: str,
           short_paths: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The AWS files, the lock folder and the interpreter all under the profile folder, as on
    # Windows (where a folder outside it gets a warning of its own).
    profile_env = dict(home.env, HOME=str(tmp_path), USERPROFILE=str(tmp_path))
    env = site_env(profile_env, code_page=code_page, short_paths=short_paths,
                   log=tmp_path / "traits.log", local_app_data=tmp_path / "LocalAppData")
    return subprocess.run(
        [str(python), "-m", "aws_login_bridge", "setup-process-profile", "--profile", "dev"],
        env=env, capture_output=True, text=True, encoding="utf-8", timeout=60, check=False)


def _process_words(config: Path, encoding: str) -> list[str]:
    line = read_as(config, encoding)["dev-process"]["credential_process"]
    return compat_shell_split(line, platform="win32")


@pytest.mark.parametrize("user,code_page", [("José", "cp1252"), ("Łukasz", "cp1250"),
                                            ("Łukasz", "cp1252"), ("Zoë Ångström", "cp1252")],
                         ids=["jose-cp1252", "lukasz-cp1250", "lukasz-cp1252", "zoe-cp1252"])
def test_setup_writes_the_short_path_that_every_tool_reads_back(
        aws_home: AwsHome, tmp_path: Path, user: str, code_page: str) -> None:
    python = _interpreter(tmp_path / "Users", user)
    (tmp_path / "Users" / "USER~1").symlink_to(tmp_path / "Users" / user)
    short = tmp_path / "Users" / "USER~1" / "venv" / "bin" / python.name
    aws_home.config.write_text(SOURCE, encoding="utf-8")
    tally.count("inputs.platform_config_paths")
    result = _setup(aws_home, tmp_path, python, code_page, {str(python): str(short)})
    assert result.returncode == 0, result.stderr
    # Read as the code page (the AWS CLI, every Python SDK there) and as UTF-8 (a Python in
    # UTF-8 mode, the other SDKs): both parse it and run the very same interpreter.
    for encoding in (code_page, "utf-8"):
        words = _process_words(aws_home.config, encoding)
        assert words[0] == str(short), (encoding, words[0])
        assert os.path.samefile(words[0], python)
        assert words[1:] == ["-m", "aws_login_bridge", "credential-process", "--profile", "dev"]
    assert read_as(aws_home.config, code_page)["dev"]["login_session"] == SESSION


@pytest.mark.parametrize("user,code_page,short", [
    ("José", "cp1252", None),  # no 8.3 names on that volume: the long form comes back
    ("Łukasz", "cp1250", "non-ascii"),  # a short form with the letter still in it
    ("José", "cp1252", "elsewhere"),  # a short form of another file
], ids=["no-short-form", "short-form-not-ascii", "short-form-elsewhere"])
def test_without_a_short_form_every_tool_reads_setup_refuses_and_writes_nothing(
        aws_home: AwsHome, tmp_path: Path, user: str, code_page: str, short: str | None) -> None:
    python = _interpreter(tmp_path / "Users", user)
    short_paths = {}
    if short == "non-ascii":
        (tmp_path / "Users" / "ŁUKASZ~1").symlink_to(tmp_path / "Users" / user)
        short_paths[str(python)] = str(tmp_path / "Users" / "ŁUKASZ~1" / "venv" / "bin" /
                                       python.name)
    elif short == "elsewhere":
        other = tmp_path / "Users" / "OTHER~1" / "venv" / "bin"
        other.mkdir(parents=True)
        (other / python.name).write_text("")
        short_paths[str(python)] = str(other / python.name)
    aws_home.config.write_text(SOURCE, encoding="utf-8")
    before = aws_home.snapshot()
    tally.count("inputs.platform_config_paths")
    result = _setup(aws_home, tmp_path, python, code_page, short_paths)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "would misread" in lines[0] and f"as {code_page}" in lines[0], lines[0]
    assert "only ASCII letters" in lines[0]
    assert aws_home.snapshot() == before  # byte for byte, and no temp file beside it
    assert "dev-process" not in read_as(aws_home.config, code_page)


def test_a_utf8_code_page_keeps_the_long_path(aws_home: AwsHome, tmp_path: Path) -> None:
    """Windows with "UTF-8 for worldwide language support" on reads UTF-8: nothing to avoid."""
    python = _interpreter(tmp_path / "Users", "José")
    aws_home.config.write_text(SOURCE, encoding="utf-8")
    result = _setup(aws_home, tmp_path, python, "cp65001", {})
    assert result.returncode == 0, result.stderr
    assert _process_words(aws_home.config, "cp65001")[0] == str(python)


CODE_PAGES = ["cp1252", "cp1250", "cp1251", "cp932", "utf-8"]


@fuzz(300)
@given(value=st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                     min_size=1).filter(lambda v: v.strip() == v and v.strip()),
       code_page=st.sampled_from(CODE_PAGES))
def test_no_value_written_makes_the_config_unreadable_for_a_code_page_reader(
        value: str, code_page: str) -> None:
    """Whatever value a writer hands the config (an interpreter path, a region copied from
    another profile), the file either stays as it was or reads back, as the code page and as
    UTF-8, with that very value."""
    tally.count("inputs.platform_config_values")
    saved = hostos.config_encoding
    hostos.config_encoding = lambda: code_page  # not monkeypatch: hypothesis reruns the body
    try:
        with fresh_home() as root:
            config = root / "config"
            config.write_text(SOURCE, encoding="utf-8")
            document = ConfigDocument.load(config)
            try:
                changed = document.with_values("dev-process", {"region": value})
            except ConfigError as refusal:
                assert "would misread" in refusal.message
                assert config.read_text(encoding="utf-8") == SOURCE
                return
            changed.save()
            for encoding in (code_page, "utf-8"):
                profiles = read_as(config, encoding)
                assert profiles["dev-process"]["region"] == value, encoding
                assert profiles["dev"]["login_session"] == SESSION
    finally:
        hostos.config_encoding = saved


# -- a read-only config on Windows ---------------------------------------------------------


class ReadOnlyOs(WindowsOs):
    """Windows' ``os`` for the engine's writer, where a file with the read-only attribute
    (no write bit) can be neither replaced nor deleted."""

    def __init__(self, busy_under: Path) -> None:
        super().__init__(lambda event: None, busy_under)
        self.replace = _refusing_read_only(self.replace, 1)
        self.unlink = self.remove = _refusing_read_only(self.unlink, 0)


def _refusing_read_only(real: Callable[..., Any], target_arg: int) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        target = args[target_arg]
        with contextlib.suppress(FileNotFoundError):
            if not os.stat(target).st_mode & stat.S_IWUSR:
                raise PermissionError(errno.EACCES, "Access is denied", str(target))
        return real(*args, **kwargs)

    return call


def test_a_read_only_config_on_windows_is_refused_without_leaving_a_temp_file(
        aws_home: AwsHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostos, "WINDOWS", True)
    monkeypatch.setattr(atomic, "os", ReadOnlyOs(busy_under=tmp_path / "nothing-is-busy"))
    aws_home.config.write_text(SOURCE, encoding="utf-8")
    aws_home.config.chmod(0o444)  # what Windows' read-only attribute reads as
    before = aws_home.snapshot()
    document = ConfigDocument.load(aws_home.config)
    with pytest.raises(ConfigError) as refusal:
        document.with_values("dev", {"region": "us-east-2"}).save()
    assert temp_files(aws_home.root) == []
    assert aws_home.snapshot() == before
    assert "it is read-only" in refusal.value.message
    assert "attrib -r" in refusal.value.message


# -- one lock per file on a case-insensitive volume -------------------------------------------


def test_the_probe_tells_a_case_insensitive_folder(tmp_path: Path) -> None:
    folder = tmp_path / "Aws"
    folder.mkdir()
    twin = tmp_path / "aWS"
    assert hostos.case_insensitive(str(folder)) == twin.exists()  # the volume's own answer
    if not twin.exists():
        # What a case-insensitive volume does: the other spelling reaches the same folder.
        twin.symlink_to(folder)
    assert hostos.case_insensitive(str(folder))
    assert hostos.case_insensitive(str(folder / "2026"))  # judged by its last name of letters
    assert not hostos.case_insensitive(str(tmp_path / "nothing-here"))


@pytest.mark.parametrize("other", [".AWS/config", ".aws/CONFIG", ".Aws/Config"])
def test_every_spelling_of_the_config_takes_one_lock_where_case_is_ignored(
        aws_home: AwsHome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: str) -> None:
    """macOS: ~/.AWS/config and ~/.aws/config are one file; a login through one spelling and
    setup-process-profile through the other must not edit it at the same time."""
    monkeypatch.setattr(hostos, "MACOS", True)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(hostos, "case_insensitive", lambda folder: True)
    (tmp_path / ".aws").mkdir()
    tally.count("races.platform_lock_spellings")
    assert locks.lock_path(tmp_path / other) == locks.lock_path(tmp_path / ".aws" / "config")
    with (locks.path_lock(tmp_path / ".aws" / "config", 20, "changing the config"),
          pytest.raises(ConfigError) as held,
          locks.path_lock(tmp_path / other, 0.05, "changing the config")):
        pass  # not reached: the second spelling waits for the lock the first one holds
    assert "Another process has been changing the config" in held.value.message
    assert str(tmp_path / "Library" / "Caches") in held.value.message


def test_where_case_matters_two_spellings_are_two_files(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostos, "case_insensitive", lambda folder: False)
    assert locks.lock_path(tmp_path / ".AWS" / "config") != locks.lock_path(
        tmp_path / ".aws" / "config")


# -- a folder in place of the config on Windows ----------------------------------------------


@pytest.mark.parametrize("command", [["setup-process-profile", "--profile", "dev"],
                                     ["credential-process", "--profile", "dev"]])
def test_a_folder_in_place_of_the_config_is_named_a_folder_on_windows(
        aws_home: AwsHome, tmp_path: Path, command: list[str]) -> None:
    aws_home.config.mkdir()
    env = site_env(dict(aws_home.env, HOME=str(tmp_path), USERPROFILE=str(tmp_path)),
                   code_page="cp1252", short_paths={}, log=tmp_path / "traits.log",
                   local_app_data=tmp_path / "LocalAppData")
    result = subprocess.run([PYTHON, "-m", "aws_login_bridge", *command], env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=60,
                            check=False)
    assert result.returncode == 1
    assert "it is a folder, not a regular file" in result.stderr, result.stderr
    assert "Permission denied" not in result.stderr and "Access is denied" not in result.stderr


class FolderAfterTheLook(FolderRefusingOs):
    """The config is a file when it is looked at, and a folder by the time it is opened."""

    def __init__(self, config: Path) -> None:
        super().__init__()
        self.config = config

    def open(self, path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path) == self.config and self.config.is_file():
            self.config.unlink()
            self.config.mkdir()
        return super().open(path, flags, *args, **kwargs)


def test_a_folder_put_in_place_of_the_config_after_the_look_is_named_a_folder_on_windows(
        aws_home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> None:
    from aws_login_bridge.store import safe_read

    monkeypatch.setattr(hostos, "WINDOWS", True)
    monkeypatch.setattr(safe_read, "os", FolderAfterTheLook(aws_home.config))
    aws_home.config.write_text(SOURCE, encoding="utf-8")
    with pytest.raises(ConfigError) as refusal:
        ConfigDocument.load(aws_home.config)
    assert aws_home.config.is_dir()  # the swap happened
    assert "it is a folder, not a regular file" in refusal.value.message
    assert "Permission denied" not in refusal.value.message

"""Every read of credentials is a trust boundary (issue 18, sections 2 and 5), tried as
another local account or a hostile file would: the login cache folder or file swapped for
something else, a config file that is not one, a ``login_session`` that is not an ARN.

Each case runs the real CLI (``credential-process``, ``status``, ``whoami``, ``logout``) or
the real helper (``serve``, through ``HelperClient``), over logins made by real HTTP to the
emulator, and checks: nothing handed out (no keys printed, not logged in, not the planted
account), nothing written (the AWS folder byte for byte), one sentence saying what is wrong
and what to do, and an end within ``TIMEOUT`` (a read that blocks fails the test, never
hangs it; a read that never ends meets ``MEMORY`` and fails it too).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, AwsHome, CliLogin
from windows_traits import site_env

from aws_login_bridge.emulator import Emulator, Identity, person
from aws_login_bridge.rpc.client import HelperClient

from . import tally
from .support import ARN, cache_file, token_secrets

try:
    import resource
except ImportError:  # Windows: no address-space limit (and no /dev/zero to read)
    resource = None  # type: ignore[assignment]

OTHER_ACCOUNT = "999999999999"
OTHER_ARN = f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/Intruder/planted"
NOBODY = 65534
TIMEOUT = 20.0  # seconds: a read that blocks on a pipe fails the test here
MEMORY = 1 << 30  # address space per process: reading /dev/zero ends in MemoryError
MIB = 1 << 20
CACHE_LIMIT = MIB  # what a login cache file may be (a real one is a few KB)
CONFIG_LIMIT = 4 * MIB  # what the config may be
CHANGED = "awsLogin/sessionChanged"


# -- logins: one for the person, one for another account (real HTTP) -------------------


def _home(root: Path, emulator_url: str) -> AwsHome:
    """An AWS home like conftest's aws_home, for a login made once per module."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(root / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(root / "credentials"),
               AWS_LOGIN_CACHE_DIRECTORY=str(root / "login" / "cache"),
               AWS_ENDPOINT_URL_SIGNIN=emulator_url, AWS_ENDPOINT_URL_STS=emulator_url,
               AWS_EC2_METADATA_DISABLED="true", XDG_RUNTIME_DIR=str(root / "run"))
    return AwsHome(root, env)


def _login(home: AwsHome, profile: str) -> None:
    cli = CliLogin(home, "--profile", profile, "--region", "us-east-1")
    finished = cli.finish(person.sign_in(cli.url))
    assert finished.returncode == 0, finished.stderr


@pytest.fixture(scope="module")
def person_login(tmp_path_factory: pytest.TempPathFactory, emulator: Any) -> tuple[bytes, bytes]:
    """(config, cache file) of a real login of profile ``t``, as ``login`` wrote them."""
    home = _home(tmp_path_factory.mktemp("person") / "aws", emulator.base_url)
    home.root.mkdir()
    _login(home, "t")
    return home.config.read_bytes(), cache_file(home.cache_dir).read_bytes()


@pytest.fixture(scope="module")
def intruder(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real cache file of another account: what another local user would plant."""
    with Emulator(identity=Identity(account_id=OTHER_ACCOUNT, arn=OTHER_ARN)) as other:
        home = _home(tmp_path_factory.mktemp("intruder") / "aws", other.base_url)
        home.root.mkdir()
        _login(home, "i")
        return cache_file(home.cache_dir, OTHER_ARN).read_bytes()


@pytest.fixture
def home(aws_home: AwsHome, person_login: tuple[bytes, bytes]) -> AwsHome:
    """``aws_home`` holding the person's login: config 0600, cache 0600 in 0700 folders."""
    config, cached = person_login
    aws_home.config.write_bytes(config)
    aws_home.config.chmod(0o600)
    aws_home.cache_dir.mkdir(parents=True, mode=0o700)
    aws_home.cache_dir.parent.chmod(0o700)
    path = cache_file(aws_home.cache_dir)
    path.write_bytes(cached)
    path.chmod(0o600)
    return aws_home


def _keys(data: bytes) -> tuple[str, set[str]]:
    token = json.loads(data)
    return token["accessToken"]["accessKeyId"], token_secrets(token)


# -- what every refusal must show -------------------------------------------------------


def _limited() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def cli(home: AwsHome, *args: str, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, "-m", "aws_login_bridge", *args], env=env or home.env,
                          input=stdin, capture_output=True, text=True, timeout=TIMEOUT,
                          check=False, preexec_fn=_limited if resource else None)


def _clean(text: str, *secret_files: bytes) -> None:
    """No key, token or raw control character of a planted or real file in ``text``."""
    for data in secret_files:
        key, secrets = _keys(data)
        # Booleans first: a failing assertion must not print the secret it found.
        leaked = key in text or any(secret in text for secret in secrets)
        assert not leaked, "a key or token of a cache file was printed"
    printed = "AccessKeyId" in text
    assert not printed, "credentials were printed"
    assert "Traceback" not in text and "MemoryError" not in text, text
    assert not any((ord(c) < 32 and c != "\n") or 0x7f <= ord(c) < 0xa0 or c in "\u2028\u202e"
                   for c in text), ascii(text)


def refused(result: subprocess.CompletedProcess[str], *words: str,
            files: tuple[bytes, ...] = ()) -> str:
    """Exit 1, nothing on stdout, one line on stderr holding ``words``."""
    handed_out = "AccessKeyId" in result.stdout
    assert result.returncode == 1, (result.returncode, f"credentials printed: {handed_out}",
                                    result.stderr)
    assert result.stdout == "", f"credentials printed: {handed_out}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    _clean(result.stderr, *files)
    return lines[0]


def not_logged_in(result: subprocess.CompletedProcess[str], *words: str,
                  files: tuple[bytes, ...] = ()) -> dict[str, Any]:
    """``status --json``: answered, not logged in (so exit 3: not usable), no planted
    account, a problem saying so."""
    assert result.returncode == 3, result.stderr
    status = json.loads(result.stdout)
    assert status["loggedIn"] is False
    assert status["accountId"] is None and status["expiresAt"] is None
    assert status["credentialSource"] != "login"
    messages = " | ".join(p["message"] for p in status["problems"])
    for word in words:
        assert word in messages, messages
    _clean(result.stdout, *files)
    return status


# -- 2. the cache folder ------------------------------------------------------------------


def _plant(home: AwsHome, data: bytes) -> Path:
    """``data`` in place of the person's cache file, renamed in as a writer would."""
    path = cache_file(home.cache_dir)
    fresh = home.cache_dir / "planted.tmp"
    fresh.write_bytes(data)
    fresh.chmod(0o600)
    os.replace(fresh, path)
    return path


@pytest.mark.posix
@pytest.mark.parametrize("mode", [0o777, 0o770, 0o703], ids=["0777", "0770", "0703"])
def test_a_cache_folder_others_can_write_hands_out_nothing(home: AwsHome, intruder: bytes,
                                                           mode: int) -> None:
    """Whoever can write the folder can put their own file under the person's name: with
    it, ``credential-process`` printed the intruder's keys and ``status`` said logged in."""
    os.chmod(home.cache_dir, mode)
    _plant(home, intruder)
    before = home.snapshot()
    words = (f"Refusing to use {home.cache_dir}", f"with mode {mode:04o}", "chmod 700")
    refused(cli(home, "credential-process", "--profile", "t"), *words,
            "AWS_LOGIN_CACHE_DIRECTORY", files=(intruder,))
    not_logged_in(cli(home, "status", "--profile", "t", "--json"), *words, files=(intruder,))
    refused(cli(home, "whoami", "--profile", "t"), *words, files=(intruder,))
    assert home.snapshot() == before
    assert oct(home.cache_dir.stat().st_mode & 0o777) == oct(mode)  # refused, not repaired
    tally.count("inputs.read_boundary")


@pytest.mark.posix
@pytest.mark.root
def test_a_cache_folder_owned_by_another_account_hands_out_nothing(home: AwsHome) -> None:
    mine = cache_file(home.cache_dir).read_bytes()
    os.chown(home.cache_dir, NOBODY, NOBODY)
    before = home.snapshot()
    words = (f"Refusing to use {home.cache_dir}", f"(uid {NOBODY}) with mode 0700", "chown")
    refused(cli(home, "credential-process", "--profile", "t"), *words, files=(mine,))
    not_logged_in(cli(home, "status", "--profile", "t", "--json"), *words, files=(mine,))
    assert home.snapshot() == before
    tally.count("inputs.read_boundary")


# -- 2. the cache file --------------------------------------------------------------------


def _fifo(path: Path, _: Path, __: bytes) -> str:
    path.unlink()
    os.mkfifo(path, 0o600)
    return "it is a named pipe, not a regular file"


def _link_to_zero(path: Path, _: Path, __: bytes) -> str:
    path.unlink()
    path.symlink_to("/dev/zero")
    return "it is a symbolic link, not a regular file"


def _link_to_other_account(path: Path, elsewhere: Path, intruder: bytes) -> str:
    """A link to a valid cache file of another account (in a folder of the person's)."""
    planted = elsewhere / "other.json"
    planted.write_bytes(intruder)
    planted.chmod(0o600)
    path.unlink()
    path.symlink_to(planted)
    return "it is a symbolic link, not a regular file"


def _folder(path: Path, _: Path, __: bytes) -> str:
    path.unlink()
    path.mkdir(mode=0o700)
    return "it is a folder, not a regular file"


def _socket(path: Path, _: Path, __: bytes) -> str:
    path.unlink()
    here = os.getcwd()
    os.chdir(path.parent)  # a unix socket's address is limited to 108 bytes: bind by name
    try:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(path.name)
    finally:
        os.chdir(here)
    _SOCKETS.append(listener)
    return "it is a socket, not a regular file"


def _oversized(path: Path, _: Path, __: bytes) -> str:
    """The person's own valid file, padded as JSON allows past the 1 MiB a cache file may be."""
    data = path.read_bytes()
    path.write_bytes(data + b" " * (CACHE_LIMIT + 1 - len(data)))
    return f"it is {CACHE_LIMIT + 1} bytes, over the 1 MiB limit"


_SOCKETS: list[socket.socket] = []
SWAPS = {"fifo": _fifo, "link-to-dev-zero": _link_to_zero,
         "link-to-other-account": _link_to_other_account, "folder": _folder,
         "socket": _socket, "one-byte-over-1-MiB": _oversized}


@pytest.fixture(autouse=True)
def _close_sockets() -> Iterator[None]:
    yield
    while _SOCKETS:
        _SOCKETS.pop().close()


@pytest.mark.posix
@pytest.mark.parametrize("swap", list(SWAPS))
def test_a_cache_file_that_is_not_a_small_regular_file_of_ours_ends_at_once(
        home: AwsHome, intruder: bytes, tmp_path: Path, swap: str) -> None:
    """A pipe hung credential-process (and the SDK that ran it) for good, /dev/zero ended
    in MemoryError, a link handed out another account's keys, a huge file cost its size."""
    path = cache_file(home.cache_dir)
    mine = path.read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    why = SWAPS[swap](path, elsewhere, intruder)
    before = home.snapshot()
    words = (f"Refusing to read the login cache file {path}: {why}",
             "delete it and log in again: aws-login-bridge login --remote --profile t")
    refused(cli(home, "credential-process", "--profile", "t"), *words, files=(intruder, mine))
    not_logged_in(cli(home, "status", "--profile", "t", "--json"), *words,
                  files=(intruder, mine))
    # logout --all lists the folder's files: a pipe among them must not stop it either.
    listing = cli(home, "logout", "--all")
    assert listing.returncode == 0 and listing.stdout == "Removed 0 cached login session(s).\n"
    assert home.snapshot() == before
    tally.count("inputs.read_boundary")


@pytest.mark.posix
@pytest.mark.root
def test_a_cache_file_owned_by_another_account_hands_out_nothing(home: AwsHome,
                                                                 intruder: bytes) -> None:
    path = _plant(home, intruder)
    os.chown(path, NOBODY, NOBODY)
    before = home.snapshot()
    words = (f"Refusing to read the login cache file {path}: it is owned by",
             f"(uid {NOBODY}), not by you", "delete it and log in again")
    refused(cli(home, "credential-process", "--profile", "t"), *words, files=(intruder,))
    not_logged_in(cli(home, "status", "--profile", "t", "--json"), *words, files=(intruder,))
    assert home.snapshot() == before
    tally.count("inputs.read_boundary")


@pytest.mark.posix
def test_a_cache_file_of_exactly_1_mib_is_still_read(home: AwsHome) -> None:
    """The cap is the limit, not below it: a file another SDK padded still works."""
    path = cache_file(home.cache_dir)
    data = path.read_bytes()
    path.write_bytes(data + b"\n" * (CACHE_LIMIT - len(data)))
    result = cli(home, "credential-process", "--profile", "t")
    assert result.returncode == 0, result.stderr
    same = json.loads(result.stdout)["AccessKeyId"] == _keys(data)[0]
    assert same, "not the person's own credentials"


@pytest.mark.posix
def test_a_login_replaces_a_pipe_left_where_its_cache_file_goes(home: AwsHome) -> None:
    """The login keeps a copy of the file it replaces (to put back if the config write
    fails); reading that copy from a pipe hung the login after the code was spent."""
    path = cache_file(home.cache_dir)
    _fifo(path, path.parent, b"")
    login = CliLogin(home, "--profile", "t")
    try:
        result = login.finish(person.sign_in(login.url), timeout=TIMEOUT * 3)
    finally:
        login.proc.kill()
    assert result.returncode == 0, result.stderr
    assert path.is_file() and not path.is_symlink() and path.stat().st_mode & 0o777 == 0o600
    works = cli(home, "credential-process", "--profile", "t")
    assert works.returncode == 0, works.stderr
    same = json.loads(works.stdout)["AccessKeyId"] == _keys(path.read_bytes())[0]
    assert same, "not the person's own credentials"
    tally.count("inputs.read_boundary")


# -- 2. the config file -------------------------------------------------------------------


def _config_fifo(config: Path, elsewhere: Path) -> str:
    config.unlink()
    os.mkfifo(config, 0o600)
    return "it is a named pipe, not a regular file"


def _config_link_to_fifo(config: Path, elsewhere: Path) -> str:
    """A dotfile manager's link is fine; a link to a pipe is still a pipe."""
    pipe = elsewhere / "config"
    os.mkfifo(pipe, 0o600)
    config.unlink()
    config.symlink_to(pipe)
    return "it is a named pipe, not a regular file"


def _config_link_to_zero(config: Path, elsewhere: Path) -> str:
    config.unlink()
    config.symlink_to("/dev/zero")
    return "it is a device, not a regular file"


def _config_oversized(config: Path, elsewhere: Path) -> str:
    text = config.read_bytes()
    filler = b"# " + b"x" * 97 + b"\n"
    body = filler * ((CONFIG_LIMIT + 1 - len(text)) // len(filler) + 1)
    data = (text + body)[: CONFIG_LIMIT + 1]
    config.write_bytes(data[:-1] + b"\n")
    return f"it is {CONFIG_LIMIT + 1} bytes, over the 4 MiB limit"


CONFIG_SWAPS = {"fifo": _config_fifo, "link-to-fifo": _config_link_to_fifo,
                "link-to-dev-zero": _config_link_to_zero,
                "one-byte-over-4-MiB": _config_oversized}


@pytest.mark.posix
@pytest.mark.parametrize("swap", list(CONFIG_SWAPS))
def test_a_config_that_is_not_a_regular_file_of_sane_size_ends_at_once(
        home: AwsHome, tmp_path: Path, swap: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    mine = cache_file(home.cache_dir).read_bytes()
    why = CONFIG_SWAPS[swap](home.config, elsewhere)
    before = home.snapshot()
    words = (f"Refusing to read the AWS config file {home.config}: {why}",
             "point AWS_CONFIG_FILE at one")
    refused(cli(home, "credential-process", "--profile", "t"), *words, files=(mine,))
    refused(cli(home, "status", "--profile", "t", "--json"), *words, files=(mine,))
    refused(cli(home, "whoami", "--profile", "t"), *words, files=(mine,))
    assert home.snapshot() == before
    tally.count("inputs.read_boundary")


@pytest.mark.posix
def test_a_linked_config_is_read_as_dotfile_managers_keep_it(home: AwsHome,
                                                             tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir(mode=0o700)
    real = dotfiles / "aws-config"
    real.write_bytes(home.config.read_bytes())
    home.config.unlink()
    home.config.symlink_to(real)
    result = cli(home, "credential-process", "--profile", "t")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["AccessKeyId"]


@pytest.mark.posix
def test_a_config_folder_others_can_write_is_refused_on_read(home: AwsHome,
                                                             tmp_path: Path) -> None:
    """Whoever can write the folder can swap the config and point the profile anywhere."""
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    config = shared / "config"
    shutil.copyfile(home.config, config)
    home.env["AWS_CONFIG_FILE"] = str(config)
    mine = cache_file(home.cache_dir).read_bytes()
    before, config_before = home.snapshot(), config.read_bytes()
    words = (f"Refusing to use {shared}", "mode 0777", "chmod o-w", "AWS_CONFIG_FILE")
    refused(cli(home, "credential-process", "--profile", "t"), *words, files=(mine,))
    refused(cli(home, "status", "--profile", "t", "--json"), *words, files=(mine,))
    assert home.snapshot() == before and config.read_bytes() == config_before
    tally.count("inputs.read_boundary")


# -- 5. a login_session value that is not an ARN ----------------------------------------

FORGED_LINE = "INFO aws_login_bridge.rpc: forged"
BAD_SESSIONS = {
    # configparser (so botocore) joins an indented line onto the value with a newline.
    "continuation": (f"login_session = {ARN}\n  {FORGED_LINE}\n", "contains a line break"),
    "continuation-cr": (f"login_session = {ARN}\r  {FORGED_LINE}\r", "contains a line break"),
    "ansi-escape": (f"login_session = {ARN}\x1b[2K\x1b[1G{FORGED_LINE}\n",
                    "contains the character U+001B"),
    "backspaces": (f"login_session = {ARN}{chr(8) * 20}forged\n", "contains the character U+0008"),
    "delete": (f"login_session = {ARN}\x7fforged\n", "contains the character U+007F"),
    "line-separator": (f"login_session = {ARN}\u2028{FORGED_LINE}\n",
                       "contains the character U+2028"),
    "bidi-override": (f"login_session = {ARN}\u202eforged\n", "contains the character U+202E"),
    "eleven-digit-account": ("login_session = arn:aws:sts::12345678901:assumed-role/D/s\n",
                             "is not of the form arn:aws:sts::ACCOUNT"),
}


def _with_session(home: AwsHome, line: str) -> None:
    newline = "\r" if line.endswith("\r") else "\n"
    home.config.write_bytes(
        f"[profile t]{newline}region = us-east-1{newline}{line}".encode())


def _escaped(text: str) -> None:
    assert "forged" not in text and FORGED_LINE not in text, text
    assert not any(line.startswith("INFO") for line in text.splitlines()), text


@pytest.mark.parametrize("case", list(BAD_SESSIONS))
def test_a_login_session_from_the_config_is_checked_and_never_printed_raw(
        home: AwsHome, case: str) -> None:
    line, problem = BAD_SESSIONS[case]
    _with_session(home, line)
    mine = cache_file(home.cache_dir).read_bytes()
    before = home.snapshot()
    words = ("The login_session of profile 't' (", f") {problem}", "names no login session",
             "log in again to replace it: aws-login-bridge login --remote --profile t")
    for command in ("credential-process", "whoami"):
        _escaped(refused(cli(home, command, "--profile", "t"), *words, files=(mine,)))
    status = not_logged_in(cli(home, "status", "--profile", "t", "--json"), *words,
                           files=(mine,))
    assert status["loginSession"] is None  # not passed on to clients as if it were one
    assert [p["kind"] for p in status["problems"]] == ["NotLoggedIn"]
    text = cli(home, "status", "--profile", "t")
    assert text.returncode == 3, text.stderr
    assert "login_session: <none>" in text.stdout and words[1] in text.stdout
    _escaped(text.stdout)
    _clean(text.stdout, mine)
    assert home.snapshot() == before
    tally.count("inputs.read_boundary")


def test_a_login_over_a_forged_login_session_shows_it_escaped(home: AwsHome) -> None:
    """The login asks before replacing a profile's session; the question quotes the file.
    No sign-in can match a session that is no ARN, so it is asked before the code."""
    _with_session(home, BAD_SESSIONS["continuation"][0])
    before = home.snapshot()
    login = CliLogin(home, "--profile", "t")
    result = login.finish("n", timeout=TIMEOUT * 3)
    assert result.returncode == 1, result.stderr
    assert "authorization code" not in result.stdout  # declined before the code was asked
    assert "already points at login session 'arn:aws:sts::123'..." in result.stderr
    assert "Nothing was changed." in result.stderr
    _escaped(result.stderr)
    assert home.snapshot() == before


# -- the helper: status, listProfiles and the watcher read through the same door --------


@contextlib.contextmanager
def helper(home: AwsHome) -> Iterator[tuple[HelperClient, queue.Queue[dict[str, Any]]]]:
    events: queue.Queue[dict[str, Any]] = queue.Queue()
    with HelperClient.spawn(env=home.env) as client:
        client.on_notification(CHANGED, events.put)
        yield client, events


def _helper_sees_nobody_logged_in(client: HelperClient, *words: str,
                                  files: tuple[bytes, ...]) -> None:
    status = client.request("awsLogin/status", {"profile": "t"}, timeout=TIMEOUT)
    listed = client.request("awsLogin/listProfiles", {}, timeout=TIMEOUT)["profiles"]
    for answer in (status, next(p for p in listed if p["profile"] == "t")):
        assert answer["loggedIn"] is False and answer["accountId"] is None, answer
        messages = " | ".join(p["message"] for p in answer["problems"])
        for word in words:
            assert word in messages, messages
        _clean(json.dumps(answer), *files)


def _watching(client: HelperClient) -> None:
    """Logged in, and the watcher has had its first (silent) look: callerIdentity calls
    STS with the credentials, then has the files looked at before it answers."""
    identity = client.request("awsLogin/callerIdentity", {"profile": "t"}, timeout=TIMEOUT)
    assert identity["Account"] == "123456789012"


def _next_change(events: queue.Queue[dict[str, Any]]) -> dict[str, Any]:
    try:
        return events.get(timeout=TIMEOUT)
    except queue.Empty:
        pytest.fail(f"no {CHANGED} within {TIMEOUT:.0f} s")


@pytest.mark.posix
def test_helper_and_its_watcher_hand_out_nothing_from_a_folder_others_can_write(
        home: AwsHome, intruder: bytes) -> None:
    with helper(home) as (client, events):
        _watching(client)
        os.chmod(home.cache_dir, 0o777)
        _plant(home, intruder)
        change = _next_change(events)
        assert (change["profile"], change["state"], change["loggedIn"]) == (
            "t", "loggedOut", False), change
        _helper_sees_nobody_logged_in(client, f"Refusing to use {home.cache_dir}",
                                      files=(intruder,))
        before = home.snapshot()
    _clean(client.stderr, intruder)
    assert home.snapshot() == before
    tally.count("inputs.read_boundary")


@pytest.mark.posix
def test_helper_and_its_watcher_answer_at_once_past_a_pipe(home: AwsHome) -> None:
    path = cache_file(home.cache_dir)
    mine = path.read_bytes()
    with helper(home) as (client, events):
        _watching(client)
        _fifo(path, path.parent, b"")
        change = _next_change(events)
        assert (change["state"], change["loggedIn"]) == ("loggedOut", False), change
        _helper_sees_nobody_logged_in(client, "it is a named pipe, not a regular file",
                                      files=(mine,))
        before = home.snapshot()
    assert home.snapshot() == before
    tally.count("inputs.read_boundary")


def test_helper_checks_a_login_session_from_the_config(home: AwsHome) -> None:
    _with_session(home, BAD_SESSIONS["ansi-escape"][0])
    mine = cache_file(home.cache_dir).read_bytes()
    before = home.snapshot()
    with helper(home) as (client, _):
        _helper_sees_nobody_logged_in(client, "contains the character U+001B",
                                      files=(mine,))
        status = client.request("awsLogin/status", {"profile": "t"})
        assert status["loginSession"] is None
        _escaped(json.dumps(status))
    assert "forged" not in client.stderr
    assert home.snapshot() == before


# -- Windows: no O_NOFOLLOW, no O_NONBLOCK, no owners; the look before the open holds ---


@pytest.mark.posix
def test_windows_reads_its_own_file_and_refuses_a_pipe_or_a_link(
        home: AwsHome, intruder: bytes, tmp_path: Path) -> None:
    env = site_env(home.env, tmp_path / "traits.log", tmp_path / "busy", tmp_path / "lad")
    path = cache_file(home.cache_dir)
    mine = path.read_bytes()
    works = cli(home, "credential-process", "--profile", "t", env=env)
    assert works.returncode == 0, works.stderr
    same = json.loads(works.stdout)["AccessKeyId"] == _keys(mine)[0]
    assert same, "not the person's own credentials"
    # Folder modes mean nothing there (the ACL inherited from the profile folder does).
    os.chmod(home.cache_dir, 0o777)
    assert cli(home, "credential-process", "--profile", "t", env=env).returncode == 0
    os.chmod(home.cache_dir, 0o700)
    for swap in (_link_to_other_account, _fifo):
        path.unlink(missing_ok=True)
        path.write_bytes(mine)
        why = swap(path, tmp_path, intruder)
        refused(cli(home, "credential-process", "--profile", "t", env=env),
                f"Refusing to read the login cache file {path}: {why}", files=(intruder, mine))
    tally.count("inputs.read_boundary", 2)


@pytest.mark.posix
def test_windows_path_needs_no_owner(home: AwsHome, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' os has no geteuid: the read must not ask for it there."""
    from aws_login_bridge import hostos
    from aws_login_bridge.store.cache import read_cache

    monkeypatch.setattr(hostos, "WINDOWS", True)
    monkeypatch.delattr(os, "geteuid")
    cached = read_cache(ARN, home.cache_dir)
    assert cached.account_id == "123456789012"

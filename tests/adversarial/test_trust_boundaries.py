"""Trust boundaries (issue 14), tried as an attacker on the same machine would: clear-text
endpoints, folders someone else controls, an ARN that is not quite an ARN. Every refusal is
checked for its message, its exit status or error kind, and for leaving the AWS folder
byte-for-byte as it was."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import AwsHome, CliLogin, fault, run_cli
from test_rpc_wire import Wire

from aws_login_bridge.emulator import person
from aws_login_bridge.errors import LoginBridgeError
from aws_login_bridge.signin.trusted_url import is_loopback_host, why_untrusted
from aws_login_bridge.store.folder_trust import check_cache_folder, check_config_folder

from . import tally
from .support import cache_file

PAST = "2020-01-01T00:00:00Z"


def _logged_in(home: AwsHome, profile: str = "t") -> Path:
    cli = CliLogin(home, "--profile", profile, "--region", "us-east-1")
    assert cli.finish(person.sign_in(cli.url)).returncode == 0
    return cache_file(home.cache_dir)


def _expire(path: Path) -> None:
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = PAST
    path.write_text(json.dumps(token))


def _refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 1, (result.returncode, result.stderr)
    for word in words:
        assert word in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    return result.stderr


@contextlib.contextmanager
def helper_session(env: dict[str, str], log_level: str = "DEBUG") -> Iterator[Wire]:
    """The helper, initialized; closed on the way out (its stderr stays readable)."""
    helper = Wire(env, log_level=log_level)
    try:
        helper.initialize()
        yield helper
    finally:
        helper.close()


def _token_calls(emulator: Any) -> int:
    return sum(v for k, v in emulator.stats().items() if k.startswith("token."))


# -- 1. endpoints: https anywhere, http only to this machine, never user-info ------------


def test_loopback_hosts_are_exactly_loopback() -> None:
    for host in ("127.0.0.1", "127.8.9.10", "::1", "localhost", "LOCALHOST"):
        assert is_loopback_host(host), host
    for host in ("128.0.0.1", "0.0.0.0", "::", "::ffff:127.0.0.1", "localhost.", "0x7f.1",
                 "127.0.0.1.nip.io", "evil-localhost", "", None):
        assert not is_loopback_host(host), host
    assert why_untrusted("https://signin.example.com") is None
    assert why_untrusted("http://127.0.0.1:8080") is None
    assert why_untrusted("http://[::1]:8080") is None
    assert "plain http" in str(why_untrusted("http://signin.example.com"))
    assert "user name" in str(why_untrusted("https://u:p@signin.example.com"))
    assert "user name" in str(why_untrusted("http://u@127.0.0.1"))
    assert "neither" in str(why_untrusted("ftp://127.0.0.1"))


CLEAR_TEXT = [
    ("http://signin.example.com", "plain http://"),
    ("http://10.1.2.3:8080", "plain http://"),
    ("http://127.0.0.1.nip.io", "plain http://"),
    ("https://admin:hunter2@127.0.0.1:9", "user name or password"),
    ("http://admin@127.0.0.1:9", "user name or password"),
]


@pytest.mark.parametrize(("url", "why"), CLEAR_TEXT)
def test_cli_refuses_a_clear_text_endpoint_before_printing_anything(
        aws_home: AwsHome, emulator: Any, url: str, why: str) -> None:
    aws_home.config.write_text("[profile e]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    calls = _token_calls(emulator)
    result = run_cli(aws_home, "login", "--remote", "--profile", "e", "--endpoint-url", url,
                     stdin="")
    text = _refused(result, "The endpoint URL is refused because", why, "https://")
    assert result.stdout == ""  # no sign-in URL was shown
    assert url not in text and "hunter2" not in text and "admin" not in text
    assert _token_calls(emulator) == calls
    assert aws_home.snapshot() == before
    tally.count("inputs.untrusted_endpoint")


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL"])
def test_cli_refuses_a_clear_text_endpoint_from_the_environment(
        aws_home: AwsHome, variable: str) -> None:
    aws_home.config.write_text("[profile e]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    aws_home.env.pop("AWS_ENDPOINT_URL_SIGNIN")
    aws_home.env[variable] = "http://signin.example.com"
    result = run_cli(aws_home, "login", "--remote", "--profile", "e", stdin="")
    _refused(result, f"set by {variable} is refused because it uses plain http://")
    assert result.stdout == ""
    assert aws_home.snapshot() == before


def test_cli_refuses_a_clear_text_endpoint_from_the_profiles_services_section(
        aws_home: AwsHome) -> None:
    aws_home.config.write_text(
        "[profile e]\nregion = us-east-1\nservices = elsewhere\n\n"
        "[services elsewhere]\nsignin =\n  endpoint_url = http://198.51.100.7:8080\n")
    before = aws_home.snapshot()
    aws_home.env.pop("AWS_ENDPOINT_URL_SIGNIN")
    result = run_cli(aws_home, "login", "--remote", "--profile", "e", stdin="")
    _refused(result, "configured in the profile", "plain http://")
    assert result.stdout == ""
    assert aws_home.snapshot() == before


def test_a_refresh_is_refused_before_it_is_sent_to_a_clear_text_endpoint(
        aws_home: AwsHome, emulator: Any) -> None:
    """The endpoint changed after the login: the refresh token must not follow it."""
    path = _logged_in(aws_home)
    _expire(path)
    before = aws_home.snapshot()
    calls = _token_calls(emulator)
    aws_home.env["AWS_ENDPOINT_URL_SIGNIN"] = "http://192.0.2.10"
    for command in ("credential-process", "whoami"):
        result = run_cli(aws_home, command, "--profile", "t")
        _refused(result, "set by AWS_ENDPOINT_URL_SIGNIN is refused", "plain http://")
        assert result.stdout == ""
    assert _token_calls(emulator) == calls
    assert aws_home.snapshot() == before


def test_sts_gets_no_session_token_over_clear_text(aws_home: AwsHome, emulator: Any) -> None:
    _logged_in(aws_home)
    before = aws_home.snapshot()
    aws_home.env["AWS_ENDPOINT_URL_STS"] = "http://192.0.2.10"
    result = run_cli(aws_home, "whoami", "--profile", "t")
    _refused(result, "The AWS STS endpoint set by AWS_ENDPOINT_URL_STS is refused")
    assert aws_home.snapshot() == before


def test_helper_refuses_a_clear_text_endpoint_as_invalid_input(aws_home: AwsHome,
                                                               emulator: Any) -> None:
    aws_home.config.write_text("[profile e]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    with helper_session(aws_home.env) as helper:
        for url, why in CLEAR_TEXT:
            error = helper.error("awsLogin/startLogin", {"profile": "e", "endpointUrl": url})
            assert error.kind == "InvalidInput", error.data
            assert why in str(error.message) and "https://" in str(error.message)
            assert url not in str(error.message) and "hunter2" not in str(error.message)
        # The emulator itself (http on 127.0.0.1) is still fine.
        started = helper.request("awsLogin/startLogin",
                                 {"profile": "e", "endpointUrl": emulator.base_url})
        helper.request("awsLogin/cancelLogin", {"loginId": started["loginId"]})
    assert "hunter2" not in helper.stderr
    assert aws_home.snapshot() == before


# -- 3. full-string matching: an ARN with a trailing newline is not an ARN ---------------


def test_an_arn_with_a_trailing_newline_is_a_service_error_in_the_cli(
        aws_home: AwsHome, emulator: Any) -> None:
    aws_home.config.write_text("[profile f]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    cli = CliLogin(aws_home, "--profile", "f")
    code = person.sign_in(cli.url)
    fault(emulator, target="authorization_code", mode="idtoken-sub-newline")
    _refused(cli.finish(code), "not a well-formed ARN", "nothing was saved")
    assert aws_home.snapshot() == before


def test_an_arn_with_a_trailing_newline_is_a_service_error_in_the_helper(
        aws_home: AwsHome, emulator: Any) -> None:
    aws_home.config.write_text("[profile f]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    with helper_session(aws_home.env) as helper:
        started = helper.request("awsLogin/startLogin", {"profile": "f"})
        code = person.sign_in(started["authorizeUrl"])
        fault(emulator, target="authorization_code", mode="idtoken-sub-newline")
        error = helper.error("awsLogin/completeLogin",
                             {"loginId": started["loginId"], "code": code})
        assert error.kind == "ServiceError", error.data
        assert "not a well-formed ARN" in str(error.message)
    assert "Traceback" not in helper.stderr
    assert aws_home.snapshot() == before


# -- 2. folders someone else controls are refused, not repaired --------------------------

NOBODY = 65534


def _state(folder: Path) -> tuple[int, int]:
    st = folder.stat()
    return st.st_uid, stat.S_IMODE(st.st_mode)


@pytest.mark.posix
@pytest.mark.root
def test_cli_login_refuses_a_cache_folder_owned_by_another_user(aws_home: AwsHome,
                                                                emulator: Any) -> None:
    aws_home.config.write_text("[profile o]\nregion = us-east-1\n")
    aws_home.cache_dir.mkdir(parents=True, mode=0o700)
    os.chown(aws_home.cache_dir, NOBODY, NOBODY)
    before, calls = aws_home.snapshot(), _token_calls(emulator)
    result = run_cli(aws_home, "login", "--remote", "--profile", "o", stdin="")
    _refused(result, f"Refusing to use {aws_home.cache_dir}: it is owned by",
             f"(uid {NOBODY}) with mode 0700", "chown", "AWS_LOGIN_CACHE_DIRECTORY")
    assert result.stdout == ""  # refused before the sign-in URL was shown
    assert _state(aws_home.cache_dir) == (NOBODY, 0o700)
    assert _token_calls(emulator) == calls
    assert aws_home.snapshot() == before


@pytest.mark.posix
@pytest.mark.parametrize("loose", [0o777, 0o770, 0o722])
def test_a_refresh_refuses_a_cache_folder_others_can_write(aws_home: AwsHome, emulator: Any,
                                                           loose: int) -> None:
    """The root-run tool used to chmod such a folder to 0700 and carry on."""
    path = _logged_in(aws_home)
    _expire(path)
    os.chmod(aws_home.cache_dir, loose)
    before, calls = aws_home.snapshot(), _token_calls(emulator)
    result = run_cli(aws_home, "credential-process", "--profile", "t")
    _refused(result, f"Refusing to use {aws_home.cache_dir}", f"with mode {loose:04o}",
             "chmod 700")
    assert result.stdout == ""
    assert _state(aws_home.cache_dir) == (os.geteuid(), loose)  # left alone
    assert _token_calls(emulator) == calls
    assert aws_home.snapshot() == before


@pytest.mark.posix
def test_helper_refuses_an_aws_folder_others_can_write(aws_home: AwsHome) -> None:
    aws_home.config.write_text("[profile w]\nregion = us-east-1\n")
    os.chmod(aws_home.root, 0o777)
    before = aws_home.snapshot()
    with helper_session(aws_home.env) as helper:
        error = helper.error("awsLogin/startLogin", {"profile": "w"})
        assert error.kind == "ConfigError", error.data
        assert f"Refusing to use {aws_home.root}" in str(error.message)
        assert "mode 0777" in str(error.message) and "chmod o-w" in str(error.message)
        # Group-writable is the owner's choice (user private groups); others-writable is not.
        os.chmod(aws_home.root, 0o775)
        started = helper.request("awsLogin/startLogin", {"profile": "w"})
        helper.request("awsLogin/cancelLogin", {"loginId": started["loginId"]})
    assert _state(aws_home.root)[1] == 0o775
    assert aws_home.snapshot() == before


@pytest.mark.posix
def test_a_sticky_shared_folder_above_ours_is_fine(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: others cannot rename what is ours in it
    mine = shared / "cache"
    mine.mkdir(mode=0o700)
    check_cache_folder(mine)
    os.chmod(shared, 0o777)
    with pytest.raises(LoginBridgeError, match=r"mode 0777"):
        check_cache_folder(mine)


@pytest.mark.posix
def test_folder_checks_are_a_no_op_on_windows(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no POSIX owner or mode (every folder reads 0777): the ACL inherited from
    the profile folder is what keeps files private there."""
    loose = tmp_path / "loose"
    loose.mkdir()
    os.chmod(loose, 0o777)
    from aws_login_bridge import hostos

    monkeypatch.setattr(hostos, "WINDOWS", True)
    check_cache_folder(loose)
    check_config_folder(loose / "config")
    monkeypatch.setattr(hostos, "WINDOWS", False)
    with pytest.raises(LoginBridgeError):
        check_cache_folder(loose)


# -- 4. refused values are described, never repeated raw ---------------------------------

FORGED = "x\nINFO aws_login_bridge.rpc: forged"
PASTED = "Y29kZT1zZWNyZXQtY29kZS0xMjM0NTY3ODkwJnN0YXRlPWFiYw" * 4  # a code in the wrong field


def _no_echo(text: str, *values: str) -> None:
    assert "forged" not in text, text
    for value in values:
        assert value not in text and value[:24] not in text, text


@pytest.mark.parametrize(("args", "words"), [
    (["--profile", FORGED, "--region", "us-east-1"], ["The profile name contains a line break"]),
    (["--profile", PASTED, "--region", "us-east-1"], ["The profile name is longer than 128"]),
    (["--profile", "a/b", "--region", "us-east-1"], ["The profile name contains '/'"]),
    (["--profile", "p", "--region", "us-east-1\nINFO forged"], ["The region is not one AWS"]),
    (["--profile", "p", "--region", PASTED], ["The region is not one AWS knows"]),
])
def test_cli_login_describes_a_refused_value_without_repeating_it(
        aws_home: AwsHome, args: list[str], words: list[str]) -> None:
    before = aws_home.snapshot()
    result = run_cli(aws_home, "--debug", "login", "--remote", *args, stdin="")
    _refused(result, *words)
    _no_echo(result.stderr + result.stdout, FORGED, PASTED)
    assert aws_home.snapshot() == before
    tally.count("inputs.refused_value")


@pytest.mark.parametrize("command", ["status", "logout", "whoami", "credential-process"])
def test_other_commands_escape_a_profile_name_they_cannot_find(aws_home: AwsHome,
                                                               command: str) -> None:
    aws_home.config.write_text("[profile p]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    result = run_cli(aws_home, "--debug", command, "--profile", FORGED)
    if command == "status":  # it reports, and exits 3: an unknown profile is not usable
        assert result.returncode == 3, result.stderr
        assert "Profile 'x\\nINFO aws_login'... is unknown" in result.stdout
    elif command == "logout":  # it reports; nothing to do is not a failure
        assert result.returncode == 0, result.stderr
        assert "Profile 'x\\nINFO aws_login'... has no" in result.stdout
    else:
        _refused(result, "Profile 'x\\nINFO aws_login'...", "--profile NAME")
    _no_echo(result.stderr + result.stdout, FORGED)
    assert aws_home.snapshot() == before


def test_cli_escapes_unrecognized_arguments(aws_home: AwsHome) -> None:
    result = run_cli(aws_home, "status", "--profile", "p", FORGED)
    assert result.returncode == 2
    assert "unrecognized arguments: 'x\\nINFO aws_login'..." in result.stderr
    _no_echo(result.stderr, FORGED)


def test_helper_errors_and_info_log_never_repeat_a_refused_value(aws_home: AwsHome) -> None:
    before = aws_home.snapshot()
    with helper_session(aws_home.env) as helper:
        cases = [
            ("awsLogin/startLogin", {"profile": FORGED}, "The profile name contains a line break"),
            ("awsLogin/startLogin", {"profile": PASTED}, "is longer than 128 characters"),
            ("awsLogin/startLogin", {"profile": "p", "region": FORGED}, "The region is not one"),
            ("awsLogin/startLogin", {"profile": "p", "region": PASTED}, "The region is not one"),
            ("awsLogin/status", {"profile": FORGED}, "The profile name contains a line break"),
            ("awsLogin/logout", {"profile": PASTED}, "is longer than 128 characters"),
            ("awsLogin/" + FORGED, {}, "Method not found: 'awsLogin/x\\nINFO aw"),
        ]
        for method, params, words in cases:
            error = helper.error(method, params)
            assert words in str(error.message), error.message
            _no_echo(str(error.message), FORGED, PASTED)
        helper.notify(FORGED, {})
        helper.request("awsLogin/listProfiles", {})  # the notification was handled before
    assert "INFO aws_login_bridge.rpc: awsLogin/startLogin refused: " in helper.stderr
    for line in helper.stderr.splitlines():  # no forged line, and no value in any line
        assert not line.startswith("INFO aws_login_bridge.rpc: forged"), line
    assert PASTED[:24] not in helper.stderr
    assert aws_home.snapshot() == before


# -- 5. lock links, a wrong-typed accountId, a damaged cache file ------------------------


def _lock_dir(home: AwsHome) -> Path:
    from aws_login_bridge.store.locks import lock_dir

    return lock_dir(env=home.env)  # where the tool run with that environment keeps them


def _session_lock(home: AwsHome) -> Path:
    from aws_login_bridge.store.locks import lock_path

    return lock_path(cache_file(home.cache_dir), _lock_dir(home))


def _plant_link(lock: Path, tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    lock.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock.unlink(missing_ok=True)
    lock.symlink_to(victim)
    return victim


# linux: the lock folder follows XDG_RUNTIME_DIR (one per test) only there; on macOS it
# is the real ~/Library/Caches, which a planted link must not touch. (And a symbolic link
# needs a privilege on Windows.)
@pytest.mark.linux
def test_cli_login_refuses_a_linked_lock_before_spending_the_code(
        aws_home: AwsHome, emulator: Any, tmp_path: Path) -> None:
    aws_home.config.write_text("[profile k]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    cli = CliLogin(aws_home, "--profile", "k")
    code = person.sign_in(cli.url)
    # Planted while the person signs in, under the name the new session's lock will have.
    victim = _plant_link(_session_lock(aws_home), tmp_path)
    calls = _token_calls(emulator)
    _refused(cli.finish(code), "is a symbolic link", f"rm {_session_lock(aws_home)}")
    assert _token_calls(emulator) == calls  # refused before the exchange: the code is unspent
    assert victim.read_text() == "precious\n"
    assert aws_home.snapshot() == before


# linux: the lock folder follows XDG_RUNTIME_DIR (one per test) only there; on macOS it
# is the real ~/Library/Caches, which a planted link must not touch. (And a symbolic link
# needs a privilege on Windows.)
@pytest.mark.linux
def test_helper_refuses_a_linked_lock_as_config_error(aws_home: AwsHome, emulator: Any,
                                                      tmp_path: Path) -> None:
    from aws_login_bridge.store.locks import lock_path

    aws_home.config.write_text("[profile k]\nregion = us-east-1\n")
    before = aws_home.snapshot()
    with helper_session(aws_home.env) as helper:
        started = helper.request("awsLogin/startLogin", {"profile": "k"})
        code = person.sign_in(started["authorizeUrl"])
        lock = lock_path(aws_home.config, _lock_dir(aws_home))  # the config file's lock
        victim = _plant_link(lock, tmp_path)
        calls = _token_calls(emulator)
        error = helper.error("awsLogin/completeLogin",
                             {"loginId": started["loginId"], "code": code})
        assert error.kind == "ConfigError", error.data
        assert "is a symbolic link" in str(error.message)
    assert _token_calls(emulator) == calls  # refused before the exchange
    assert victim.read_text() == "precious\n"
    assert "Traceback" not in helper.stderr
    assert aws_home.snapshot() == before


# linux: the lock folder follows XDG_RUNTIME_DIR (one per test) only there; on macOS it
# is the real ~/Library/Caches, which a planted link must not touch. (And a symbolic link
# needs a privilege on Windows.)
@pytest.mark.linux
def test_a_refresh_refuses_a_linked_lock(aws_home: AwsHome, emulator: Any,
                                         tmp_path: Path) -> None:
    path = _logged_in(aws_home)
    _expire(path)
    victim = _plant_link(_session_lock(aws_home), tmp_path)
    before, calls = aws_home.snapshot(), _token_calls(emulator)
    result = run_cli(aws_home, "credential-process", "--profile", "t")
    _refused(result, "is a symbolic link")
    assert result.stdout == "" and _token_calls(emulator) == calls
    assert victim.read_text() == "precious\n"
    assert aws_home.snapshot() == before


@pytest.mark.parametrize("account", [123456789012, ["123456789012"], None,
                                     "12345678901\n", "x" * 12, "1234567890123"])
def test_an_account_id_that_is_not_12_digits_is_not_passed_to_credential_process(
        aws_home: AwsHome, emulator: Any, account: object) -> None:
    """Not text: the file is damaged (as the strictest SDK reads it). Text that is not an
    account number: the credentials are still good, but AccountId is left out of the JSON
    (an SDK would otherwise sign requests for, or report, a made-up account)."""
    path = _logged_in(aws_home)
    token = json.loads(path.read_bytes())
    token["accessToken"]["accountId"] = account
    path.write_text(json.dumps(token))
    before = aws_home.snapshot()
    result = run_cli(aws_home, "credential-process", "--profile", "t")
    if not isinstance(account, str):
        _refused(result, f"The login cache file {path} is damaged", "accountId")
        assert result.stdout == ""
    else:
        assert result.returncode == 0, result.stderr
        answer = json.loads(result.stdout)
        assert "AccountId" not in answer and answer["AccessKeyId"]
        # A refresh keeps the field as it was rather than inventing one.
        _expire(path)
        assert run_cli(aws_home, "credential-process", "--profile", "t").returncode == 0
        assert json.loads(path.read_bytes())["accessToken"]["accountId"] == account
        return
    assert aws_home.snapshot() == before


@pytest.mark.parametrize(("field", "value"), [
    ("clientId", 7), ("clientId", None), ("refreshToken", {"a": 1}), ("refreshToken", ["t"]),
])
def test_a_wrong_typed_cache_field_is_blamed_on_the_file(aws_home: AwsHome, emulator: Any,
                                                         field: str, value: object) -> None:
    path = _logged_in(aws_home)
    token = json.loads(path.read_bytes())
    token[field] = value
    token["accessToken"]["expiresAt"] = PAST
    path.write_text(json.dumps(token))
    before, calls = aws_home.snapshot(), _token_calls(emulator)
    for command in ("credential-process", "whoami"):
        result = run_cli(aws_home, command, "--profile", "t")
        text = _refused(result, f"The login cache file {path} is damaged", field)
        assert "AWS Sign-In" not in text  # not blamed on the service
    assert _token_calls(emulator) == calls
    assert aws_home.snapshot() == before


def test_the_notebook_words_never_repeat_an_unplain_profile_name() -> None:
    from aws_login_jupyter.messages import Failure, friendly

    for kind in ("NotLoggedIn", "RefreshRequired", "RegionRequired", "SessionConflict",
                 "ProfileHasOtherCredentials"):
        line = friendly(Failure(kind, "the helper's sentence", {"profile": FORGED}))
        assert "\n" not in line and "x\\nINFO aws_login'..." in line, line
        _no_echo(line, FORGED)
        assert "'console-dev'" in friendly(Failure(kind, "", {"profile": "console-dev"}))


@pytest.mark.linux  # XDG_RUNTIME_DIR: see the linked-lock tests above
def test_a_lock_folder_others_can_write_is_refused_before_the_sign_in(
        aws_home: AwsHome, emulator: Any) -> None:
    aws_home.config.write_text("[profile k]\nregion = us-east-1\n")
    locks = _lock_dir(aws_home)
    locks.mkdir(parents=True, mode=0o700)
    os.chmod(locks, 0o777)
    before, calls = aws_home.snapshot(), _token_calls(emulator)
    result = run_cli(aws_home, "login", "--remote", "--profile", "k", stdin="")
    _refused(result, f"Refusing to use {locks}", "mode 0777", "XDG_RUNTIME_DIR")
    assert result.stdout == "" and _token_calls(emulator) == calls
    assert _state(locks)[1] == 0o777
    assert aws_home.snapshot() == before

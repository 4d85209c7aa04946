"""Config editing keeps every byte but the intended lines, and reads profiles like botocore."""

from __future__ import annotations

import difflib
from pathlib import Path

import botocore.configloader
import pytest

from aws_login_bridge.errors import ConfigError, InvalidInput
from aws_login_bridge.store.configfile import ConfigDocument, validate_profile_name

RICH = """# my AWS config — hand written, keep it tidy
[default]
region = eu-west-1
output = json

; the SSO setup
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile corp-admin]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin

[profile console-dev]
# dev account via console sign-in
output = text
s3 =
    max_concurrent_requests = 20

[services local]
sts =
  endpoint_url = http://localhost:4566

[profile tail]
region=ap-south-1"""


def _added_lines(before: str, after: str) -> list[str]:
    diff = difflib.ndiff(before.splitlines(keepends=True), after.splitlines(keepends=True))
    changed = [line for line in diff if line[:1] in "+-"]
    assert all(line.startswith("+") for line in changed), changed
    return [line[2:] for line in changed]


def _doc(tmp_path: Path, text: str | bytes) -> ConfigDocument:
    path = tmp_path / "config"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return ConfigDocument.load(path)


def test_rich_config_only_gains_the_intended_lines(tmp_path: Path) -> None:
    doc = _doc(tmp_path, RICH)
    arn = "arn:aws:sts::123456789012:assumed-role/Dev/me"
    updated = doc.with_values("console-dev", {"login_session": arn, "region": "us-east-1"})
    assert _added_lines(RICH, updated.text) == [
        f"login_session = {arn}\n",
        "region = us-east-1\n",
    ]
    updated.save()
    parsed = botocore.configloader.load_config(str(tmp_path / "config"))["profiles"]
    assert parsed["console-dev"]["login_session"] == arn
    assert parsed["console-dev"]["s3"] == {"max_concurrent_requests": "20"}
    assert parsed["corp-admin"]["sso_session"] == "corp"


def test_new_profile_is_appended_after_a_file_without_final_newline(tmp_path: Path) -> None:
    doc = _doc(tmp_path, RICH)
    updated = doc.with_values("fresh", {"login_session": "arn:aws:iam::123456789012:user/a"})
    assert updated.text.startswith(RICH + "\n")
    assert updated.text.endswith(
        "\n\n[profile fresh]\nlogin_session = arn:aws:iam::123456789012:user/a\n"
    )


def test_existing_value_is_replaced_in_place(tmp_path: Path) -> None:
    text = "[profile p]\nlogin_session = arn:aws:iam::111111111111:user/old   \nregion = x\n"
    doc = _doc(tmp_path, text.replace("region = x", "region = us-west-2"))
    updated = doc.with_values("p", {"login_session": "arn:aws:iam::222222222222:user/new"})
    assert updated.text == (
        "[profile p]\nlogin_session = arn:aws:iam::222222222222:user/new\nregion = us-west-2\n"
    )


def test_same_value_is_idempotent(tmp_path: Path) -> None:
    text = "[default]\nlogin_session = arn:aws:iam::111111111111:user/a\nregion = us-east-1\n"
    doc = _doc(tmp_path, text)
    updated = doc.with_values("default", {"login_session": "arn:aws:iam::111111111111:user/a"})
    assert updated.text == text
    assert not updated.changed


def test_crlf_and_bom_are_kept(tmp_path: Path) -> None:
    raw = "\ufeff[default]\r\nregion = us-east-1\r\n\r\n[profile x]\r\noutput = json\r\n"
    doc = _doc(tmp_path, raw)
    updated = doc.with_values("x", {"login_session": "arn:aws:iam::111111111111:user/a"})
    assert updated.text == raw + "login_session = arn:aws:iam::111111111111:user/a\r\n"


def test_key_is_inserted_before_trailing_comments_of_the_next_section(tmp_path: Path) -> None:
    text = "[profile a]\noutput = json\n\n# about b\n[profile b]\n"
    updated = _doc(tmp_path, text).with_values("a", {"region": "us-east-1"})
    assert updated.text == (
        "[profile a]\noutput = json\nregion = us-east-1\n\n# about b\n[profile b]\n"
    )


def test_broken_config_is_reported_with_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        _doc(tmp_path, "region = us-east-1\n[default]\n")
    assert "near line 1" in info.value.message
    with pytest.raises(ConfigError, match="cannot be parsed"):
        _doc(tmp_path, "[default]\na=1\n[default]\nb=2\n")


@pytest.mark.posix
def test_missing_file_reads_empty_and_new_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config"
    doc = ConfigDocument.load(path)
    assert doc.profiles() == {}
    doc.with_values("default", {"region": "us-east-1"}).save()
    assert path.read_text() == "[default]\nregion = us-east-1\n"
    assert path.stat().st_mode & 0o777 == 0o600


@pytest.mark.posix
def test_existing_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("[default]\n")
    path.chmod(0o640)
    ConfigDocument.load(path).with_values("default", {"region": "us-east-1"}).save()
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("name", ["", "a b", "x]", "[y", "p\n", "ünï", "a" * 200])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        validate_profile_name(name)


@pytest.mark.parametrize("name", ["default", "console-dev", "a_b", "team.dev", "x1"])
def test_good_profile_names_pass(name: str) -> None:
    assert validate_profile_name(name) == name

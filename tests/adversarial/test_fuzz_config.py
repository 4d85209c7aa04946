"""Property-based config-file fuzzing: random but valid INI in, only the intended lines out.

Random files mix comments (``#``/``;``, indented too), odd spacing around separators, CRLF
or LF endings, a byte-order mark, a missing final newline, nested values (``s3 =`` blocks),
other sections (``sso-session``, ``services``, plain ones) and the target profile spelled
the ways botocore accepts. The oracle is botocore's own loader: after the edit, botocore
must see exactly the old profiles plus the intended values, and a line diff may show
nothing but the intended lines added or changed in place.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from pathlib import Path
from typing import Any

import botocore.configloader
import pytest
from conftest import fault
from hypothesis import example, given
from hypothesis import strategies as st

from aws_login_bridge.emulator import person
from aws_login_bridge.errors import ConfigError, LoginBridgeError
from aws_login_bridge.login import complete_login, start_login
from aws_login_bridge.store.configfile import ConfigDocument

from . import tally
from .support import ARN, fresh_home, fuzz, snapshot

BOM = "\ufeff"
# Lines as Python's universal newlines (and so configparser and botocore) split them.
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
NAMES = ["p", "dev", "team.a", "x-1", "default"]
PLAIN_KEYS = ["output", "cli_pager", "sso_region", "x_custom", "duration_seconds", "Output"]
# Printable text plus the separators that str.splitlines() breaks on but files do not.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="[]")
    | st.sampled_from("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\t"),
    max_size=20,
)
VALUE = TEXT.map(str.strip)


# -- generating files -------------------------------------------------------------------


@st.composite
def header(draw: st.DrawFn, name: str) -> str:
    """A header line botocore reads as profile ``name`` (several spellings)."""
    if name == "default":
        spelled = draw(st.sampled_from(["default", "profile default", " default "]))
    else:
        spelled = draw(st.sampled_from([f"profile {name}", f"profile  {name}",
                                        f'profile "{name}"', f"profile {name} ",
                                        f"profile\t{name}", f" profile {name}"]))
    tail = draw(st.sampled_from(["", "", " ", "  ; why", " # note"]))
    lead = draw(st.sampled_from(["", "", "", "", " ", "\t"]))  # configparser strips it...
    return f"{lead}[{spelled}]{tail}"  # ...unless the line continues the previous value


@st.composite
def body_lines(draw: st.DrawFn, keys: list[str]) -> list[str]:
    """A section's lines: the given keys (in order) with comments and blanks between."""
    lines: list[str] = []
    for key in keys:
        for _ in range(draw(st.integers(0, 2))):
            lines.append(draw(st.sampled_from([
                "", "   ", "# comment", "; comment", "  # indented", "#", ";;",
            ])) + (draw(TEXT) if draw(st.booleans()) else ""))
        sep = draw(st.sampled_from([" = ", "=", " =", "= ", "  =  ", " : ", ":", "\t=\t"]))
        # Indented options are options when nothing above is open, continuations otherwise.
        key = draw(st.sampled_from(["", "", "", "", " ", "\t"])) + key
        if key == "s3" or (key == "sts" and draw(st.booleans())):
            nested = draw(st.lists(st.sampled_from(["max_concurrent_requests = 20",
                                                    "endpoint_url = http://localhost:1",
                                                    "addressing_style=path"]),
                                   min_size=1, max_size=3, unique=True))
            indent = draw(st.sampled_from(["  ", "    ", "\t"]))
            lines.append(f"{key}{sep.rstrip()}")
            lines += [indent + item for item in nested]
        else:
            value = draw(VALUE)
            lines.append(f"{key}{sep}{value}".rstrip() if not value else f"{key}{sep}{value}")
            if draw(st.integers(0, 5)) == 0:  # a value that runs on over indented lines
                lines.append(draw(st.sampled_from(["   more", "\t  and more", "    x = y"])))
    return lines


@st.composite
def config_text(draw: st.DrawFn) -> tuple[str, str]:
    """(file text, target profile)."""
    target = draw(st.sampled_from([*NAMES, "newcomer"]))
    # A name may come twice, spelled differently: two sections botocore maps to one profile.
    names = draw(st.lists(st.sampled_from(NAMES), max_size=4))
    sections: list[list[str]] = []
    for name in names:
        keys = draw(st.lists(st.sampled_from([*PLAIN_KEYS, "s3", "region", "login_session"]),
                             max_size=5, unique_by=str.lower))
        lines = body_lines(keys)
        section = [draw(header(name)), *draw(lines)]
        if name == target and "login_session" in keys:
            section = [line if not line.lstrip().startswith("login_session") else
                       line.split("=")[0].split(":")[0] + "= arn:aws:iam::111111111111:user/old"
                       for line in section]
        if "region" in keys:
            section = [line if not line.lstrip().lower().startswith("region") else
                       line.split("=")[0].split(":")[0] + "= eu-west-1" for line in section]
        sections.append(section)
    others = draw(st.lists(st.sampled_from([
        ["[sso-session corp]", "sso_start_url = https://corp.awsapps.com/start",
         "sso_region = us-east-1"],
        ["[services local]", "sts =", "  endpoint_url = http://127.0.0.1:1"],
        ["[plugins]", "cli_legacy_plugin_path = /tmp"],
        ["[preview]", "cloudfront = true"],
    ]), max_size=2, unique_by=lambda s: s[0]))
    for other in others:
        sections.insert(draw(st.integers(0, len(sections))), other)
    lead = draw(st.lists(st.sampled_from(["# my config", "; top", ""]), max_size=2))
    lines = lead + [line for section in sections for line in section]
    newline = draw(st.sampled_from(["\n", "\r\n", "\n", "\r\n", "\r"]))
    text = newline.join(lines)
    if lines and draw(st.booleans()):
        text += newline
    if draw(st.integers(0, 4)) == 0:
        text = BOM + text
    return text, target


# -- the oracle -------------------------------------------------------------------------


def botocore_view(text: str, nested: bool = False) -> dict[str, Any]:
    """What botocore reads from ``text`` (it cannot read a BOM itself; we keep one as is).

    ``nested=False`` leaves ``s3 =`` blocks as the raw text configparser gives, which is
    also what ConfigDocument reports; ``nested=True`` also checks botocore can split them.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config"
        path.write_bytes(text.removeprefix(BOM).encode())
        return botocore.configloader.build_profile_map(
            botocore.configloader.raw_config_parse(str(path), parse_subsections=nested))


def parses(text: str) -> bool:
    try:
        botocore_view(text, nested=True)
    except botocore.exceptions.ConfigParseError:  # type: ignore[attr-defined]
        return False
    return True


def _key(line: str) -> str | None:
    """The option a line looks like it sets (None: not an option-looking line)."""
    line = line.strip()
    if not line or line[0] in "#;[":
        return None
    for at, ch in enumerate(line):
        if ch in "=:":
            return line[:at].strip().lower()
    return None


def only_intended_lines(old: str, new: str, values: dict[str, str]) -> None:
    """Every old line survives in order; new lines are the intended ones only."""
    assert new.startswith(BOM) == old.startswith(BOM)
    a = LINE.findall(old.removeprefix(BOM))
    b = LINE.findall(new.removeprefix(BOM))
    ending = [line[len(line.rstrip("\r\n")):] for line in a]
    if ending and len(set(ending[:-1] + ([ending[-1]] if ending[-1] else []))) == 1:
        assert {x[len(x.rstrip("\r\n")):] for x in b} <= {ending[0], ""}, "endings mixed"
    a, b = [x.rstrip("\r\n") for x in a], [x.rstrip("\r\n") for x in b]
    touched = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        for line in a[i1:i2]:
            # Changed: an intended key's line, or an indented line continuing its old value
            # (botocore's view, checked by the caller, proves which it was).
            assert _key(line) in values or line[:1] in (" ", "\t"), (
                f"a line changed that should not: {line!r}")
        for line in b[j1:j2]:
            key = _key(line)
            if key is None:
                assert not line.strip() or line.startswith("["), f"unexpected line {line!r}"
                continue
            assert key in values and line.endswith(values[key]), f"unexpected line {line!r}"
            touched += 1
    assert touched <= len(values)


def expected_values(view: dict[str, Any], target: str) -> dict[str, str]:
    existing = view["profiles"].get(target, {})
    values = {"login_session": ARN}
    if not existing.get("region"):
        values["region"] = "us-east-1"
    return values


# -- properties -------------------------------------------------------------------------


@fuzz(400)
@given(config_text())
# Cases the fuzzer found (kept so that every run tries them):
# an indented header after a new line turned into a continuation of it,
@example(("[profile dev]\n [profile p]\n", "dev"))
# a continuation that looks like a header taken for one (q's login written into p),
@example(("[profile p]\noutput = json\n  [profile q]\nregion = x\n", "q"))
# an indented key not found, so a duplicate added (botocore: ConfigParseError),
@example(("[profile p]\n  login_session = arn:aws:iam::111111111111:user/old\n", "p"))
# the old value's continuation running on into the new value,
@example(("[profile p]\nlogin_session = arn:aws:iam::111111111111:user/old\n   tail\n", "p"))
# a header botocore ignores taken for the profile; a later section not replacing,
@example(("[ default ]\nregion = eu-west-1\n", "default"))
@example(("[profile p]\nregion = eu-west-1\n[profile  p]\noutput = json\n", "p"))
# lone CR line endings.
@example(("[sso-session corp]\rsso_region = us-east-1\r[profile p]", "p"))
def test_edit_changes_only_the_intended_lines(tmp_path: Path, case: tuple[str, str]) -> None:
    text, target = case
    tally.count("inputs.config_file")
    if not parses(text):
        return  # the generator can draw something botocore refuses; covered below
    path = tmp_path / "config"
    path.write_bytes(text.encode())
    before = botocore_view(text)
    document = ConfigDocument.load(path)
    # Our reading of the file is botocore's.
    assert document.profiles() == before["profiles"], "profiles read differently"
    values = expected_values(before, target)
    new = document.with_values(target, values).text
    after = botocore_view(new)
    botocore_view(new, nested=True)
    want = {**before["profiles"].get(target, {}), **values}
    assert after["profiles"][target] == want
    assert {k: v for k, v in after["profiles"].items() if k != target} == {
        k: v for k, v in before["profiles"].items() if k != target}
    assert {k: v for k, v in after.items() if k != "profiles"} == {
        k: v for k, v in before.items() if k != "profiles"}
    only_intended_lines(text, new, values)
    # A second identical edit is a no-op.
    again = ConfigDocument(path=path, original=new.encode(), text=new)
    assert again.with_values(target, values).text == new


DUPLICATES = st.sampled_from([
    "[default]\na = 1\n[default]\nb = 2\n",
    "[profile p]\na = 1\n\n# again\n[profile p]\nb = 2\n",
    "[profile p]\nregion = us-east-1\nRegion = eu-west-1\n",
    "[profile p]\nregion = us-east-1\n  \n[sso-session s]\nx=1\n[sso-session s]\ny=2\n",
    "region = us-east-1\n[default]\n",
    "[profile p]\njust a line\n",
])


@fuzz(60)
@given(DUPLICATES, st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_unreadable_files_are_a_config_error_naming_the_line(
    tmp_path: Path, text: str, newline: str, bom: bool
) -> None:
    tally.count("inputs.config_file_broken")
    raw = (BOM if bom else "") + text.replace("\n", newline)
    path = tmp_path / "config"
    path.write_bytes(raw.encode())
    with pytest.raises(ConfigError) as caught:
        ConfigDocument.load(path)
    assert "line" in caught.value.message and str(path) in caught.value.message
    assert path.read_bytes() == raw.encode()


@fuzz(20)
@given(config_text())
def test_real_login_into_random_config(aws_home: Any, emulator: Any,
                                       case: tuple[str, str]) -> None:
    """The engine's whole login (emulator, real exchange) edits only the intended lines;
    a refused or failed login leaves every byte as it was."""
    text, target = case
    tally.count("inputs.config_login")
    if not parses(text):
        return
    with fresh_home() as root:
        (root / "config").write_bytes(text.encode())
        view = botocore_view(text)
        values = expected_values(view, target)
        if text.startswith(BOM):
            # botocore cannot read such a file at all: refused up front, nothing written.
            before = snapshot(root)
            with pytest.raises(ConfigError) as refused:
                start_login(target, region="us-east-1")
            assert "byte-order mark" in refused.value.message
            assert snapshot(root) == before
            return
        pending = start_login(target, region="us-east-1")
        try:
            code = person.sign_in(pending.authorize_url)
            fail = len(text) % 3 == 0  # a third of them meet a service refusal
            before = snapshot(root)
            if fail:
                fault(emulator, target="authorization_code", status=403,
                      error="INSUFFICIENT_PERMISSIONS")
                tally.count("faults.config_login_refused")
                with pytest.raises(LoginBridgeError) as caught:
                    complete_login(pending, code, replace_existing=True)
                assert caught.value.kind == "InsufficientPermissions"
                assert snapshot(root) == before
                return
            complete_login(pending, code, replace_existing=True)
        finally:
            pending.close()
        new = (root / "config").read_bytes().decode()
        assert botocore_view(new)["profiles"][target] == {
            **view["profiles"].get(target, {}), **values}
        only_intended_lines(text, new, values)


def test_generator_reaches_the_interesting_shapes() -> None:
    """The properties above only mean something if the files are varied: check a sample."""
    seen: set[str] = set()

    @fuzz(300)
    @given(config_text())
    def sample(case: tuple[str, str]) -> None:
        text, target = case
        seen.update(name for name, cond in [
            ("crlf", "\r\n" in text), ("bom", text.startswith(BOM)),
            ("nested", "\n  " in text or "\n\t" in text), ("quoted", '"' in text),
            ("new-profile", target == "newcomer"), ("no-final-newline", not text.endswith("\n")),
            ("sso", "[sso-session" in text), ("comment", ";" in text),
        ] if cond)

    sample()
    assert seen >= {"crlf", "bom", "nested", "quoted", "new-profile", "no-final-newline",
                    "sso", "comment"}, seen


"""The protocol declaration and what is generated from it (scripts/gen-protocol).

``--check`` must pass on the tree as committed and fail both ways a client's view can
drift: a generated file edited by hand, and a declaration changed without regenerating.
"""

from __future__ import annotations

import importlib.machinery
import shutil
import subprocess
import sys
import types
from pathlib import Path

import attrs
import pytest
from conftest import AwsHome

from aws_login_bridge import errors, protocol, protocol_names
from aws_login_bridge.emulator import person
from aws_login_bridge.rpc.client import HelperClient, HelperError

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "gen-protocol"
DECLARATION = ROOT / "server" / "aws_login_bridge" / "protocol.py"


def _script() -> types.ModuleType:
    """The generator itself, for its own lists of what it writes."""
    loader = importlib.machinery.SourceFileLoader("gen_protocol", str(SCRIPT))
    module = types.ModuleType(loader.name)
    module.__file__ = str(SCRIPT)
    sys.modules[loader.name] = module  # dataclasses look their module up
    try:
        loader.exec_module(module)
    finally:
        del sys.modules[loader.name]
    return module


_GEN = _script()
TS_DECLARATIONS = _GEN.DECLARATIONS
PYTHON_NAMES = _GEN.PYTHON_NAMES
GENERATED = (*(target.path for target in _GEN.TS_TARGETS), PYTHON_NAMES, "docs/protocol.md",
             "vscode-client/package.json")


def gen(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True,
                          text=True, timeout=120, check=False)


def copy_generated(into: Path) -> None:
    for name in GENERATED:
        (into / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, into / name)


def test_the_committed_tree_is_up_to_date() -> None:
    result = gen("--check")
    assert result.returncode == 0, result.stderr


KIND = '"InvalidCode",'


@pytest.mark.parametrize(("generated", "old", "new"), [
    (TS_DECLARATIONS, KIND, KIND + '\n  "MadeUpKind",'),
    (PYTHON_NAMES, KIND, KIND + '\n    "MadeUpKind",'),
    ("docs/protocol.md", "Errors: `UnknownLogin`.", "Errors: `UnknownLogin`, `MadeUpKind`."),
])
def test_a_hand_edit_of_a_generated_file_fails_the_check(tmp_path: Path, generated: str,
                                                         old: str, new: str) -> None:
    copy_generated(tmp_path)
    assert gen("--check", "--root", tmp_path, "--declaration", DECLARATION).returncode == 0
    edited = tmp_path / generated
    text = edited.read_text(encoding="utf-8")
    assert text.count(old) == 1
    edited.write_text(text.replace(old, new), encoding="utf-8")
    result = gen("--check", "--root", tmp_path, "--declaration", DECLARATION)
    assert result.returncode == 1
    assert [name for name in GENERATED if name in result.stderr] == [generated]
    assert edited.read_text(encoding="utf-8").count("MadeUpKind") == 1, "--check wrote nothing"


def test_a_declaration_change_without_regenerating_fails_the_check(tmp_path: Path) -> None:
    changed = tmp_path / "protocol.py"
    text = DECLARATION.read_text(encoding="utf-8")
    marker = '    Arn: str = _doc("the identity\'s ARN")\n'
    assert marker in text
    changed.write_text(text.replace(marker, marker + '    kept: int = _doc("new field", 0)\n'),
                       encoding="utf-8")
    result = gen("--check", "--declaration", changed)
    assert result.returncode == 1
    assert TS_DECLARATIONS in result.stderr and "docs/protocol.md" in result.stderr
    # Regenerating (into a copy) brings the files in line with the changed declaration.
    copy_generated(tmp_path / "tree")
    assert gen("--root", tmp_path / "tree", "--declaration", changed).returncode == 0
    assert gen("--check", "--root", tmp_path / "tree", "--declaration", changed).returncode == 0
    assert "  kept: number;" in (tmp_path / "tree" / TS_DECLARATIONS).read_text(encoding="utf-8")


def test_a_new_error_kind_without_regenerating_fails_the_check(tmp_path: Path) -> None:
    changed = tmp_path / "protocol.py"
    text = DECLARATION.read_text(encoding="utf-8")
    marker = '    "InternalError": Kind(INTERNAL_ERROR,'
    assert marker in text
    changed.write_text(text.replace(marker, '    "MadeUpKind": Kind(REQUEST_FAILED, "new"),\n'
                                    + marker), encoding="utf-8")
    result = gen("--check", "--declaration", changed)
    assert result.returncode == 1
    assert PYTHON_NAMES in result.stderr and TS_DECLARATIONS in result.stderr
    copy_generated(tmp_path / "tree")
    assert gen("--root", tmp_path / "tree", "--declaration", changed).returncode == 0
    names = _load(tmp_path / "tree" / PYTHON_NAMES)
    assert names.ERROR_KINDS[-2:] == ("MadeUpKind", "InternalError")


def test_a_method_summary_or_errors_change_without_regenerating_fails_the_check(
        tmp_path: Path) -> None:
    changed = tmp_path / "protocol.py"
    text = DECLARATION.read_text(encoding="utf-8")
    marker = '           ("UnknownLogin",)),'
    summary = "Drops a pending login"
    assert text.count(marker) == 1 and text.count(summary) == 1
    changed.write_text(text.replace(marker, '           ("UnknownLogin", "NetworkError")),')
                       .replace(summary, "Forgets a pending login"), encoding="utf-8")
    result = gen("--check", "--declaration", changed)
    assert result.returncode == 1
    assert {name for name in GENERATED if name in result.stderr} == {
        *(target.path for target in _GEN.TS_TARGETS), "docs/protocol.md"}
    copy_generated(tmp_path / "tree")
    assert gen("--root", tmp_path / "tree", "--declaration", changed).returncode == 0
    doc = (tmp_path / "tree" / "docs/protocol.md").read_text(encoding="utf-8")
    assert "Errors: `UnknownLogin`, `NetworkError`." in doc
    assert "| Forgets a pending login (its secrets" in doc
    for target in _GEN.TS_TARGETS:
        ts = (tmp_path / "tree" / target.path).read_text(encoding="utf-8")
        assert "/** Forgets a pending login" in ts and "`UnknownLogin`, `NetworkError`;" in ts


def _load(path: Path) -> types.ModuleType:
    loader = importlib.machinery.SourceFileLoader("regenerated_names", str(path))
    module = types.ModuleType(loader.name)
    loader.exec_module(module)
    return module


@pytest.mark.parametrize("generated", [TS_DECLARATIONS, PYTHON_NAMES])
def test_a_generated_file_says_what_it_comes_from(generated: str) -> None:
    head = (ROOT / generated).read_text(encoding="utf-8").splitlines()[:2]
    assert "GENERATED by scripts/gen-protocol" in head[0]
    assert "server/aws_login_bridge/protocol.py" in head[0]
    assert "Do not edit" in head[1]


def test_the_python_names_are_the_declarations() -> None:
    assert tuple(protocol.ERROR_KINDS) == protocol_names.ERROR_KINDS
    for method in protocol.METHODS:
        assert getattr(protocol_names, _GEN._constant(method.short)) == method.name
    assert {protocol_names.SESSION_CHANGED} == set(protocol.NOTIFICATIONS)


def test_light_clients_leave_the_declaration_and_attrs_unimported() -> None:
    """A kernel imports the IPython extension (and through it the Python client) at start;
    the declaration's attrs classes would add tens of milliseconds to every kernel."""
    heavy = ("aws_login_bridge.protocol", "attr", "attrs", "cattrs")
    code = ("import sys, aws_login_jupyter, aws_login_jupyter.magics, "
            "aws_login_bridge.rpc.client; "
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_every_engine_error_kind_is_declared() -> None:
    def kinds(cls: type[errors.LoginBridgeError]) -> set[str]:
        return {cls.kind}.union(*(kinds(sub) for sub in cls.__subclasses__()))

    assert kinds(errors.LoginBridgeError) <= set(protocol.ERROR_KINDS)


# Params with which each method reaches the config file.
READS_CONFIG: dict[str, dict[str, object]] = {
    protocol_names.START_LOGIN: {"profile": "p", "region": "us-east-1"},
    protocol_names.LOGOUT: {"profile": "p"},
    protocol_names.STATUS: {"profile": "p"},
    protocol_names.LIST_PROFILES: {},
    protocol_names.CALLER_IDENTITY: {"profile": "p"},
}


def test_the_methods_declared_to_answer_config_error_do(aws_home: AwsHome) -> None:
    """The declared errors are what docs/protocol.md and the TypeScript say; hold them to the
    helper's answers for a config file that cannot be read (a folder in its place)."""
    declared = {m.name for m in protocol.METHODS if "ConfigError" in m.errors}
    assert declared == {*READS_CONFIG, protocol_names.COMPLETE_LOGIN}, "give a new one params here"
    aws_home.config.write_text("[profile p]\nregion = us-east-1\n", encoding="utf-8")
    kinds = {}
    with HelperClient.spawn(env=aws_home.env) as client:
        started = client.request(protocol_names.START_LOGIN, {"profile": "p"})
        code = person.sign_in(started["authorizeUrl"])
        aws_home.config.unlink()
        aws_home.config.mkdir()
        calls = {**READS_CONFIG,
                 protocol_names.COMPLETE_LOGIN: {"loginId": started["loginId"], "code": code}}
        for method, params in calls.items():
            with pytest.raises(HelperError) as failure:
                client.request(method, params)
            kinds[method] = failure.value.kind
    assert kinds == dict.fromkeys(declared, "ConfigError")


def test_a_method_naming_an_undeclared_error_kind_stops_the_generator(tmp_path: Path) -> None:
    changed = tmp_path / "protocol.py"
    text = DECLARATION.read_text(encoding="utf-8")
    marker = '           ("UnknownLogin",)),'
    assert text.count(marker) == 1
    changed.write_text(text.replace(marker, '           ("UnknownLogin", "MadeUpKind")),'),
                       encoding="utf-8")
    result = gen("--check", "--declaration", changed)
    assert result.returncode == 2
    assert "awsLogin/cancelLogin names undeclared error kinds MadeUpKind" in result.stderr
    assert "Traceback" not in result.stderr


def test_logged_in_has_one_meaning() -> None:
    session = "arn:aws:sts::123456789012:assumed-role/Dev/me"
    assert protocol.is_logged_in(session, "2026-11-26T08:52:31Z", session_ended=False)
    assert not protocol.is_logged_in(session, None, session_ended=False)  # logged out
    assert not protocol.is_logged_in(session, "2026-11-26T08:52:31Z", session_ended=True)
    assert not protocol.is_logged_in(None, "2026-11-26T08:52:31Z", session_ended=False)


def test_secret_params_stay_out_of_repr() -> None:
    params = protocol.CompleteLoginParams(loginId="x", code="secret-code")
    assert "secret-code" not in repr(params)
    assert attrs.asdict(params)["code"] == "secret-code"

"""What a release publishes agrees with itself: one version everywhere a store or a client
reads it, and a VS Code manifest whose checks match the engine's."""

from __future__ import annotations

import ast
import json
import re
import struct
from pathlib import Path

import botocore.loaders
import pytest

from aws_login_bridge.errors import InvalidInput
from aws_login_bridge.signin.endpoints import validate_region

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "vscode-client" / "package.json"


def _package_version() -> str:
    """``__version__`` as written in the engine's ``__init__.py`` (what the helper reports
    to both clients and what the VS Code extension compares with its bundled wheel)."""
    tree = ast.parse((ROOT / "server" / "aws_login_bridge" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("server/aws_login_bridge/__init__.py sets no __version__")


def test_one_version_everywhere() -> None:
    # tomllib is Python 3.11+; the project's only `version = ` line is [project]'s.
    pyproject = re.findall(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(),
                           re.MULTILINE)
    assert len(pyproject) == 1, f"pyproject.toml has {len(pyproject)} `version = ` lines"
    versions = {
        "pyproject.toml": pyproject[0],
        "aws_login_bridge.__version__": _package_version(),
        "vscode-client/package.json": json.loads(MANIFEST.read_text())["version"],
        "jupyter_ext/labextension/package.json": json.loads(
            (ROOT / "jupyter_ext" / "labextension" / "package.json").read_text())["version"],
    }
    assert len(set(versions.values())) == 1, f"versions differ: {versions}"


def test_changelog_has_an_entry_for_the_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    version = _package_version()
    assert re.search(rf"^## \[{re.escape(version)}\]", changelog, re.MULTILINE), (
        f"CHANGELOG.md has no '## [{version}]' entry")


def test_the_readme_says_not_released_until_the_changelog_dates_the_release() -> None:
    """The README's install table names PyPI, the Marketplace and Open VSX, where nothing is
    until the release's tag; dating the changelog entry (what release.yml's build job asks
    of the tag) is the moment to drop the README's warning."""
    version = _package_version()
    heading = re.search(rf"^## \[{re.escape(version)}\] - (.+)$",
                        (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert heading, f"CHANGELOG.md has no '## [{version}] - ...' entry"
    released = re.fullmatch(r"\d{4}-\d{2}-\d{2}", heading.group(1)) is not None
    assert released or heading.group(1) == "Unreleased", heading.group(0)
    readme = (ROOT / "README.md").read_text()
    assert ("**Not released yet.**" in readme) is not released
    for place in ("pip install aws-login-bridge", "marketplace.visualstudio.com/items?itemName="
                  "aws-login-bridge.aws-login-bridge", "open-vsx.org/extension/"
                  "aws-login-bridge/aws-login-bridge"):
        assert place in readme, place
    release = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert r'"^## \[$version\] - [0-9]{4}-[0-9]{2}-[0-9]{2}$" CHANGELOG.md' in release


def test_manifest_leaves_out_what_vscode_generates_or_ignores() -> None:
    manifest = json.loads(MANIFEST.read_text())
    # VS Code >= 1.74 activates on a contributed command by itself.
    assert [e for e in manifest["activationEvents"] if e.startswith("onCommand:")] == []
    assert "node" not in manifest["engines"], "VS Code ignores engines.node"
    for field in ("categories", "keywords"):
        assert manifest[field], f"package.json has no {field}"


def test_the_marketplace_page_names_the_oldest_vscode_the_manifest_claims() -> None:
    engine = json.loads(MANIFEST.read_text())["engines"]["vscode"]
    floor = re.fullmatch(r"\^(\d+)\.(\d+)\.\d+", engine)
    assert floor, engine
    page = (MANIFEST.parent / "README.md").read_text()
    assert f"VS Code {floor.group(1)}.{floor.group(2)} or newer" in page


def test_manifest_icon_is_a_128px_png_that_the_vsix_ships() -> None:
    manifest = json.loads(MANIFEST.read_text())
    icon = MANIFEST.parent / manifest["icon"]
    head = icon.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{manifest['icon']} is not a PNG"
    assert struct.unpack(">II", head[16:24]) == (128, 128)
    ignore = (MANIFEST.parent / ".vscodeignore").read_text().splitlines()
    assert f"!{manifest['icon']}" in ignore, ".vscodeignore leaves the icon out of the .vsix"


def _botocore_regions() -> set[str]:
    partitions = botocore.loaders.Loader().load_data("endpoints")["partitions"]
    return {region for p in partitions for region in p["regions"]}


def _region_setting() -> dict[str, str]:
    return json.loads(MANIFEST.read_text())["contributes"]["configuration"]["properties"][
        "awsLogin.defaultRegion"]


def _setting_accepts(region: str) -> bool:
    # VS Code checks with a JavaScript RegExp; this pattern uses only syntax both share.
    return re.search(_region_setting()["pattern"], region, re.ASCII) is not None


def _engine_accepts(region: str) -> bool:
    try:
        return validate_region(region) == region
    except InvalidInput:
        return False


@pytest.mark.parametrize("region", [*sorted(_botocore_regions()), "ap-southeast-7", "xx-fake-9"])
def test_default_region_setting_flags_no_region_the_engine_accepts(region: str) -> None:
    """The settings editor checks the shape only (the engine also asks botocore's partitions),
    so it must never flag a region that a login would take."""
    if _engine_accepts(region):
        assert _setting_accepts(region), f"the setting refuses {region!r}, which a login takes"


@pytest.mark.parametrize("region", [
    "US-EAST-1", "us-east", "us_east_1", "useast1", "us-east-123", "us-east-1; rm", "eu west 1",
])
def test_default_region_setting_flags_what_the_engine_refuses(region: str) -> None:
    assert _region_setting()["patternErrorMessage"]
    assert not _engine_accepts(region)
    assert not _setting_accepts(region), f"the setting accepts {region!r}"


def test_default_region_setting_may_be_empty() -> None:
    """Empty means the extension's own default (us-east-1)."""
    assert _setting_accepts("")

"""What a release publishes agrees with itself: one version everywhere a store or a client
reads it, and a VS Code manifest whose checks match the engine's."""

from __future__ import annotations

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


def test_manifest_leaves_out_what_vscode_generates_or_ignores() -> None:
    manifest = json.loads(MANIFEST.read_text())
    # VS Code >= 1.74 activates on a contributed command by itself.
    assert [e for e in manifest["activationEvents"] if e.startswith("onCommand:")] == []
    assert "node" not in manifest["engines"], "VS Code ignores engines.node"
    for field in ("categories", "keywords"):
        assert manifest[field], f"package.json has no {field}"


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

"""What a .vsix must carry before a test installs it: its manifest and a helper wheel that the
extension's Install would accept. A release's .vsix is tested as it was built, so one without
its helper (or with a wheel of another version, or one whose checksum no longer matches) must
fail the run at once, not pass the tests that use this Python's helper instead."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any

HELPER_DIR = "extension/helper/"
WHEEL_RE = re.compile(r"^aws_login_bridge-(?P<version>[^-]+)-py3-none-any\.whl$")


def manifest(vsix: Path) -> dict[str, Any]:
    with zipfile.ZipFile(vsix) as z:
        return json.loads(z.read("extension/package.json"))


def problems(vsix: Path) -> list[str]:
    """Why the extension in ``vsix`` could not install its own helper; empty when it could."""
    try:
        z = zipfile.ZipFile(vsix)
    except (OSError, zipfile.BadZipFile) as err:
        return [f"not a .vsix (zip) file: {err}"]
    with z:
        names = set(z.namelist())
        if "extension/package.json" not in names:
            return ["no extension/package.json"]
        version = json.loads(z.read("extension/package.json")).get("version")
        found = []
        if "extension/dist/extension.js" not in names:
            found.append("no extension/dist/extension.js (the manifest's main)")
        wheels = [n for n in names if n.startswith(HELPER_DIR) and n.endswith(".whl")]
        if len(wheels) != 1:
            return [*found, f"{HELPER_DIR} holds {len(wheels)} wheels, not one: {sorted(wheels)}"]
        wheel = wheels[0]
        name = wheel.removeprefix(HELPER_DIR)
        m = WHEEL_RE.match(name)
        if not m:
            return [*found, f"{wheel} is not an aws_login_bridge pure-Python wheel"]
        if m["version"] != version:
            found.append(f"{name} is version {m['version']}, the extension {version}")
        data = z.read(wheel)
        recorded = z.read(wheel + ".sha256").decode().split() if wheel + ".sha256" in names \
            else []
        if recorded != [hashlib.sha256(data).hexdigest(), name]:
            found.append(f"{wheel}.sha256 does not record this wheel's sha256 (the extension "
                         f"would refuse to install it): {recorded}")
        found += _wheel_problems(vsix, wheel, m["version"])
        return found


def _wheel_problems(vsix: Path, wheel: str, version: str) -> list[str]:
    with zipfile.ZipFile(vsix) as outer, outer.open(wheel) as raw:
        try:
            inner = zipfile.ZipFile(raw)
        except zipfile.BadZipFile as err:
            return [f"{wheel} is not a wheel (zip): {err}"]
        with inner:
            names = set(inner.namelist())
            found = [f"{wheel} lacks {need}" for need in (
                "aws_login_bridge/__main__.py",
                f"aws_login_bridge-{version}.dist-info/METADATA",
            ) if need not in names]
    return found

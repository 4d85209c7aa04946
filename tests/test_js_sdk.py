"""The AWS SDK for JavaScript v3 reads, uses and refreshes what our login writes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AwsHome, CliLogin

from aws_login_bridge.emulator import person

PROBE = Path(__file__).parent / "js_sdk" / "probe.js"
ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"


def _node_probe(home: AwsHome, profile: str) -> dict[str, str]:
    node = shutil.which("node")
    if node is None or not (PROBE.parent / "node_modules").exists():
        pytest.fail("node or tests/js_sdk/node_modules is missing: run scripts/setup.sh",
                    pytrace=False)
    out = subprocess.run([node, str(PROBE), profile], env=home.env, capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _key_hash(home: AwsHome) -> str:
    (cache,) = home.cache_dir.glob("*.json")
    key_id = json.loads(cache.read_text())["accessToken"]["accessKeyId"]
    return hashlib.sha256(key_id.encode()).hexdigest()


def test_js_sdk_uses_and_refreshes_our_login(aws_home: AwsHome, emulator: object) -> None:
    login = CliLogin(aws_home, "--profile", "js", "--region", "us-east-1")
    assert login.finish(person.sign_in(login.url)).returncode == 0

    first = _node_probe(aws_home, "js")
    assert first == {"keyHash": _key_hash(aws_home), "arn": ARN, "account": "123456789012"}

    (cache,) = aws_home.cache_dir.glob("*.json")
    token = json.loads(cache.read_text())
    token["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z"
    cache.write_text(json.dumps(token))
    refreshes = emulator.stats()["token"]["refresh_token"]  # type: ignore[attr-defined]

    second = _node_probe(aws_home, "js")
    assert emulator.stats()["token"]["refresh_token"] == refreshes + 1  # type: ignore[attr-defined]
    assert second["arn"] == ARN
    assert second["keyHash"] == _key_hash(aws_home) != first["keyHash"]
    rewritten = json.loads(cache.read_text())
    assert rewritten["accessToken"]["expiresAt"] > "2025"
    assert rewritten["dpopKey"] == token["dpopKey"]

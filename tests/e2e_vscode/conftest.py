"""End-to-end fixtures for the VS Code extension: a real VS Code (code-server) with the built
``.vsix`` installed, the helper from this Python, the local Sign-In emulator, and headless
Chromium driven by Playwright.

What must exist first (CI does it): ``vscode-client/aws-login-bridge.vsix`` (``npm ci && npm
run package`` in ``vscode-client/``) and ``/usr/bin/chromium``. code-server itself is installed
here by ``vscode-client/scripts/install-code-server.sh`` (idempotent, cached) unless
``CODE_SERVER_BIN`` names one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import bash

from .vscode_harness import (
    ARTIFACTS,
    CLIENT,
    EMULATOR_HOST,
    HELPER_PYTHON,
    VSIX,
    CodeServer,
    start_code_server,
    stop,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


# --------------------------------------------------------------------------- prerequisites


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def vsix() -> Path:
    if not VSIX.exists():
        pytest.fail(
            f"{VSIX} is missing: build it first with "
            "`cd vscode-client && npm ci && npm run package`",
            pytrace=False,
        )
    return VSIX


@pytest.fixture(scope="session")
def code_server_bin() -> str:
    if os.environ.get("CODE_SERVER_BIN"):
        return os.environ["CODE_SERVER_BIN"]
    script = CLIENT / "scripts" / "install-code-server.sh"
    done = subprocess.run([bash(), str(script)], capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        pytest.fail(f"installing code-server failed:\n{done.stderr[-4000:]}", pytrace=False)
    return done.stdout.strip().splitlines()[-1]


# --------------------------------------------------------------------------- services


@dataclass
class SigninEmulator:
    url: str
    proc: subprocess.Popen[bytes]


@pytest.fixture(scope="session")
def signin_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SigninEmulator]:
    """``python -m aws_login_bridge.emulator`` as a separate process, on 127.0.0.2.

    Why not 127.0.0.1: code-server's ``openExternal`` rewrites ``http://localhost:P/…`` and
    ``http://127.0.0.1:P/…`` to its own ``/proxy/P/`` port-forwarding URL and drops the path
    and query on the way (its ``resolveExternalUri``), so a sign-in URL on those hosts would
    not reach the page. Real AWS sign-in URLs are public https URLs and open unchanged; any
    other loopback address behaves the same way.
    """
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "aws_login_bridge.emulator", "--host", EMULATOR_HOST,
             "--port", "0"],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + 30
    url = None
    while time.monotonic() < deadline and url is None:
        m = re.search(r"emulator listening on (http://\S+)", log.read_text(errors="replace"))
        if m:
            url = m.group(1).rstrip("/")
        elif proc.poll() is not None:
            break
        else:
            time.sleep(0.1)
    if url is None:
        stop(proc)
        text = log.read_text(errors="replace")
        pytest.fail(f"the emulator did not start:\n{text}", pytrace=False)
    yield SigninEmulator(url=url, proc=proc)
    stop(proc)


@pytest.fixture(scope="module")
def code_server(
    tmp_path_factory: pytest.TempPathFactory, code_server_bin: str, vsix: Path,
    signin_emulator: SigninEmulator,
) -> Iterator[CodeServer]:
    """code-server with the extension set to this Python's helper and the emulator."""
    tmp = tmp_path_factory.mktemp("code-server")
    server = start_code_server(tmp, code_server_bin, vsix, {
        "awsLogin.pythonPath": HELPER_PYTHON,
        "awsLogin.endpointUrl": signin_emulator.url,
    })
    yield server
    stop(server.proc)
    shutil.copy(server.log, ARTIFACTS / "code-server.log") if ARTIFACTS.exists() else None

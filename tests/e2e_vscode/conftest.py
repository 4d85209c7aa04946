"""End-to-end fixtures for the VS Code extension: a real VS Code (code-server) with the built
``.vsix`` installed, the helper from this Python, the local Sign-In emulator, and headless
Chromium driven by Playwright.

What must exist first (CI does it): ``vscode-client/aws-login-bridge.vsix`` (``npm ci && npm
run package`` in ``vscode-client/``), or the one ``AWS_LOGIN_BRIDGE_VSIX`` names, and
``/usr/bin/chromium``. code-server itself is installed here by
``vscode-client/scripts/install-code-server.sh`` (idempotent, cached) unless ``CODE_SERVER_BIN``
names one; the oldest one the login also runs on (4.90.3) is installed by ``scripts/setup.sh``
(``CODE_SERVER_VERSION=4.90.3`` for the same script) unless ``CODE_SERVER_OLDEST_BIN`` names one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from conftest import bash

from . import vsix_contents
from .vscode_harness import (
    ARTIFACTS,
    CLIENT,
    EMULATOR_HOST,
    HELPER_PYTHON,
    NEWEST_CODE_SERVER,
    OLDEST_CODE_SERVER,
    VSIX,
    CodeServer,
    start_code_server,
    stop,
)

INSTALL_CODE_SERVER = CLIENT / "scripts" / "install-code-server.sh"


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
    # Most tests hand the extension this Python's helper, so a .vsix whose own helper is
    # missing or broken would pass them: it fails here instead, whichever test runs.
    found = vsix_contents.problems(VSIX)
    if found:
        pytest.fail(f"{VSIX} does not carry a helper its extension could install:\n  "
                    + "\n  ".join(found), pytrace=False)
    return VSIX


@pytest.fixture(scope="session")
def code_server_bin() -> str:
    if os.environ.get("CODE_SERVER_BIN"):
        return os.environ["CODE_SERVER_BIN"]
    done = subprocess.run([bash(), str(INSTALL_CODE_SERVER)], capture_output=True, text=True,
                          timeout=900)
    if done.returncode != 0:
        pytest.fail(f"installing code-server failed:\n{done.stderr[-4000:]}", pytrace=False)
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def oldest_code_server_bin(vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """code-server 4.90.3, whose VS Code is the floor of the .vsix's ``engines.vscode``.

    Only looked up, never installed here (a minute of compiling inside a test): when it is
    missing the test fails saying what to run. Its VS Code must be the claimed floor, so
    that raising or lowering ``engines.vscode`` without testing the new floor fails too.
    """
    binary = os.environ.get("CODE_SERVER_OLDEST_BIN")
    if not binary:
        done = subprocess.run(
            [bash(), str(INSTALL_CODE_SERVER), "--check"], capture_output=True, text=True,
            timeout=60, env={**os.environ, "CODE_SERVER_VERSION": OLDEST_CODE_SERVER},
        )
        if done.returncode != 0:
            pytest.fail(f"code-server {OLDEST_CODE_SERVER} is missing (scripts/setup.sh "
                        f"installs it):\n{done.stderr[-2000:]}", pytrace=False)
        binary = done.stdout.strip().splitlines()[-1]
    # Even --version writes a config.yaml under XDG_CONFIG_HOME: a throwaway one, not ~/.config.
    xdg = tmp_path_factory.mktemp("code-server-version")
    said = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "XDG_CONFIG_HOME": str(xdg / "config"),
                               "XDG_DATA_HOME": str(xdg / "data")})
    code = re.search(r"with Code (\d+)\.(\d+)\.", said.stdout)
    engine = vsix_contents.manifest(vsix)["engines"]["vscode"]
    floor = re.fullmatch(r"\^(\d+)\.(\d+)\.\d+", engine)
    if code is None or floor is None or code.groups() != floor.groups():
        line = said.stdout.strip().splitlines()[-1:] or [said.stderr.strip()]
        pytest.fail(f"{binary} says {line[0]!r}, but the .vsix claims "
                    f"engines.vscode {engine!r}: test on the code-server of that floor",
                    pytrace=False)
    return binary


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


@pytest.fixture(scope="module", params=[NEWEST_CODE_SERVER, OLDEST_CODE_SERVER],
                ids=lambda v: f"code-server-{v}")
def code_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, vsix: Path,
    signin_emulator: SigninEmulator,
) -> Iterator[CodeServer]:
    """code-server with the extension set to this Python's helper and the emulator, once on
    the newest code-server and once on the oldest the extension claims."""
    version = request.param
    binary = request.getfixturevalue(
        "code_server_bin" if version == NEWEST_CODE_SERVER else "oldest_code_server_bin")
    tmp = tmp_path_factory.mktemp(f"code-server-{version}")
    server = start_code_server(tmp, binary, vsix, {
        "awsLogin.pythonPath": HELPER_PYTHON,
        "awsLogin.endpointUrl": signin_emulator.url,
    })
    yield replace(server, version=version)
    stop(server.proc)
    name = "code-server.log" if version == NEWEST_CODE_SERVER else f"code-server-{version}.log"
    shutil.copy(server.log, ARTIFACTS / name) if ARTIFACTS.exists() else None


@pytest.fixture
def server_artifacts(artifacts: Path, code_server: CodeServer) -> Path:
    """Where a ``code_server`` test's screenshots go: test-artifacts/vscode/ for the newest
    code-server, a folder of its own for another, so that neither run overwrites the other's."""
    if code_server.version == NEWEST_CODE_SERVER:
        return artifacts
    folder = artifacts / f"code-server-{code_server.version}"
    folder.mkdir(exist_ok=True)
    return folder

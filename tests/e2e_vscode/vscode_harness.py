"""The code-server side of the VS Code end-to-end tests: constants, starting and stopping
code-server with the packaged extension installed, and the throwaway AWS files it uses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "vscode-client"
# Another build of the extension may be tested: a release's dist/*.vsix (release.yml's smoke
# test), or an older one, to see a test fail on it.
VSIX = Path(os.environ.get("AWS_LOGIN_BRIDGE_VSIX") or CLIENT / "aws-login-bridge.vsix")
# The code-server releases the login runs on: the newest that runs on Node 20, and the one
# whose VS Code (1.90) is the floor of the extension's engines.vscode.
NEWEST_CODE_SERVER = "4.100.3"
OLDEST_CODE_SERVER = "4.90.3"
ARTIFACTS = REPO / "test-artifacts" / "vscode"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXTENSION_ID = "aws-login-bridge.aws-login-bridge"
EMULATOR_HOST = os.environ.get("AWS_LOGIN_BRIDGE_E2E_EMULATOR_HOST", "127.0.0.2")
# The Python whose aws-login-bridge the extension runs: this one unless told otherwise.
HELPER_PYTHON = os.environ.get("AWS_LOGIN_BRIDGE_PYTHON") or sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError as e:
            last = e
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout} s: {last}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@dataclass
class AwsFiles:
    home: Path

    @property
    def config(self) -> Path:
        return self.home / ".aws" / "config"

    @property
    def cache_dir(self) -> Path:
        return self.home / ".aws" / "login" / "cache"

    def cache_files(self) -> list[Path]:
        return sorted(self.cache_dir.glob("*.json")) if self.cache_dir.exists() else []


@dataclass
class CodeServer:
    url: str
    workspace: Path
    user_data: Path
    aws: AwsFiles
    proc: subprocess.Popen[bytes]
    log: Path
    settings: dict[str, object] = field(default_factory=dict)
    version: str | None = None  # the code-server release, where the test knows it

    def workbench_url(self) -> str:
        return f"{self.url}/?folder={self.workspace}"

    def extension_log(self) -> str:
        """The AWS Login output channel (the helper's stderr) as code-server wrote it."""
        texts = []
        for p in sorted(self.user_data.rglob("*AWS Login*.log")):
            texts.append(p.read_text(errors="replace"))
        return "\n".join(texts)


def start_code_server(
    tmp: Path, code_server_bin: str, vsix: Path, settings: dict[str, object],
    env_overrides: dict[str, str] | None = None, *, workspace_trust: bool = False,
    in_workspace: bool = False,
) -> CodeServer:
    """A code-server with its own HOME (so ~/.aws is a throwaway), the .vsix installed.

    ``workspace_trust``: VS Code asks whether to trust the folder, which nothing has trusted
    yet (Restricted Mode until it is). ``in_workspace``: started as ``code-server .`` from
    inside the folder, which is then its working folder and its extension host's. The
    folder (``tmp/workspace``) may be filled before the call.
    """
    home = tmp / "home"
    (home / ".aws").mkdir(parents=True)
    ext_dir, user_data, workspace = tmp / "extensions", tmp / "user-data", tmp / "workspace"
    for d in (ext_dir, user_data / "User", workspace):
        d.mkdir(parents=True, exist_ok=True)
    (workspace / "README.txt").write_text("aws-login-bridge end-to-end workspace\n")
    base = {
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "security.workspace.trust.enabled": workspace_trust,
        "telemetry.telemetryLevel": "off",
        "extensions.ignoreRecommendations": True,
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "update.mode": "none",
        "window.commandCenter": False,
        "chat.commandCenter.enabled": False,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
    }
    (user_data / "User" / "settings.json").write_text(json.dumps({**base, **settings}, indent=2))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    env.update(env_overrides or {})
    installed = subprocess.run(
        [code_server_bin, "--extensions-dir", str(ext_dir), "--user-data-dir", str(user_data),
         "--install-extension", str(vsix), "--force"],
        env=env, capture_output=True, text=True, timeout=180,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert any(p.name.startswith(EXTENSION_ID) for p in ext_dir.iterdir()), installed.stdout

    port = free_port()
    config = tmp / "code-server.yaml"
    config.write_text("")
    log = tmp / "code-server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [code_server_bin, "--config", str(config), "--auth", "none",
             "--bind-addr", f"127.0.0.1:{port}", "--disable-telemetry",
             "--disable-update-check",
             *([] if workspace_trust else ["--disable-workspace-trust"]),
             "--disable-getting-started-override",
             "--extensions-dir", str(ext_dir), "--user-data-dir", str(user_data),
             "." if in_workspace else str(workspace)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
            cwd=workspace if in_workspace else None,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(url + "/healthz", 60, proc)
    except Exception as err:
        stop(proc)
        raise RuntimeError(log.read_text(errors="replace")) from err
    return CodeServer(url=url, workspace=workspace, user_data=user_data, aws=AwsFiles(home),
                      proc=proc, log=log, settings=settings)


def terminal_env(server: CodeServer, emulator_url: str) -> dict[str, str]:
    """A terminal of that machine: its HOME, endpoints on the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=str(server.aws.home), AWS_ENDPOINT_URL_SIGNIN=emulator_url,
               AWS_ENDPOINT_URL_STS=emulator_url, AWS_EC2_METADATA_DISABLED="true")
    return env

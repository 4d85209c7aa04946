"""``aws-login-bridge demo``: the whole job, end to end, against the built-in emulator.

It starts the emulator, runs ``aws-login-bridge login --remote`` as a real subprocess in a
throwaway AWS folder (never the user's ~/.aws), plays the person in the browser, then
lets real boto3 in another process resolve the profile, call STS and refresh once.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROFILE = "demo"
_BOTO3_PROBE = """
import json, boto3
session = boto3.Session(profile_name={profile!r})
creds = session.get_credentials()
ident = session.client("sts").get_caller_identity()
print(json.dumps({{"method": creds.method, "Arn": ident["Arn"], "Account": ident["Account"]}}))
"""


NEXT_STEPS = (
    "",
    "Next, against real AWS (nothing above touched your ~/.aws):",
    "  1. aws-login-bridge login --remote --profile my-login --region us-east-1",
    "     open the URL it prints where you are signed in to the AWS Console, and paste",
    "     the code the page shows back into the terminal;",
    "  2. AWS_PROFILE=my-login python -c \"import boto3; "
    "print(boto3.client('sts').get_caller_identity()['Arn'])\"",
    "     (or aws-login-bridge whoami --profile my-login);",
    "  3. aws-login-bridge status --profile my-login shows what the profile uses and any",
    "     problem; in VS Code run 'AWS: Login', in Jupyter %load_ext aws_login_jupyter then",
    "     %aws_login.",
)


def spawn_remote_login(env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], str]:
    """Run ``aws-login-bridge login --remote ARGS`` and read up to the URL it prints.

    Returns the process (waiting at the code prompt, pipes open) and the URL, or "" when
    the CLI ended or asked something else first.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "aws_login_bridge", "login", "--remote", *args],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    url = next((line.strip() for line in proc.stdout if line.startswith("http")), "")
    return proc, url


def _step(text: str) -> None:
    print(f"[demo] {text}", flush=True)


def _boto3_identity(env: dict[str, str]) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", _BOTO3_PROBE.format(profile=PROFILE)],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError("boto3 could not use the profile: " + out.stderr.strip()[-300:])
    return json.loads(out.stdout)


def run_demo(keep: bool = False) -> int:
    from aws_login_bridge.emulator import Emulator, isolated_environment, person

    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="aws-login-bridge-demo-"))
    try:
        with Emulator() as emulator:
            _step(f"emulator (AWS Sign-In + STS) listening on {emulator.base_url}")
            _step(f"throwaway AWS folder: {home}")
            env = isolated_environment(home, emulator.base_url)
            login, url = spawn_remote_login(env, "--profile", PROFILE, "--region", "us-east-1")
            if not url:
                _step("FAILED: the CLI did not print a sign-in URL")
                login.kill()
                return 1
            _step(f"CLI printed the sign-in URL: {url.split('?')[0]}?…")
            code = person.sign_in(url)
            _step(f"the person signed in; the confirmation page showed a code "
                  f"({len(code or '')} characters), pasted back into the CLI")
            stdout, stderr = login.communicate(f"{code}\n", timeout=60)
            if login.returncode != 0:
                _step(f"FAILED: login exited {login.returncode}: {stderr.strip()}")
                return 1
            for line in stdout.splitlines():
                if line.strip() and "Enter the authorization code" not in line:
                    _step(f"CLI: {line.strip()}")
            config = (home / "config").read_text()
            shown = config.strip().replace("\n", "\n    ")
            _step(f"the throwaway config file now holds:\n    {shown}")
            identity = _boto3_identity(env)
            _step(f"boto3 resolved the profile with method '{identity['method']}' and STS "
                  f"says: {identity['Arn']} (account {identity['Account']})")
            if identity["method"] != "login":
                _step("FAILED: boto3 did not use the login session")
                return 1
            cache_file = next((home / "login" / "cache").glob("*.json"))
            token = json.loads(cache_file.read_text())
            before = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            token["accessToken"]["expiresAt"] = before
            cache_file.write_text(json.dumps(token))
            _step("moved the cached credentials' expiry into the past to force a refresh")
            identity = _boto3_identity(env)
            after = json.loads(cache_file.read_text())["accessToken"]["expiresAt"]
            refreshes = emulator.stats()["token"]["refresh_token"]
            _step(f"boto3 refreshed through the token endpoint (DPoP-signed, {refreshes} "
                  f"refresh call): expiresAt {before} -> {after}; STS still says "
                  f"{identity['Arn']}")
            if refreshes != 1 or after <= before:
                _step("FAILED: the refresh did not happen as expected")
                return 1
        _step(f"all done in {time.monotonic() - started:.1f}s")
        for line in NEXT_STEPS:
            print(line, flush=True)
        return 0
    finally:
        if keep:
            _step(f"kept {home}")
        else:
            import shutil

            shutil.rmtree(home, ignore_errors=True)

"""``%aws_login`` in real IPython kernels, against the real helper and the emulator.

Each test starts a kernel (this venv's Python) whose environment points at the test's AWS
home and the emulator, as a notebook server would start it; the kernel spawns the real
``aws-login-bridge serve``. ``person.sign_in`` plays the human at the browser. The
verification code reaches the kernel only through the stdin channel (getpass), so it never
shows up in a cell's source or output.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import helper_children, is_helper
from jupyter_client.manager import KernelManager

from aws_login_bridge.emulator import person
from aws_login_bridge.emulator.identity import DEFAULT_ACCOUNT_ID, DEFAULT_ARN
from aws_login_jupyter.magics import REVOKED
from aws_login_jupyter.messages import STATE_MISMATCH, Failure, friendly

pytestmark = pytest.mark.slow

URL_RE = re.compile(r"https?://\S+/v1/authorize\?\S+")
CELL_TIMEOUT = 120.0
ROLE = "arn:aws:iam::222222222222:role/Admin"

# (prompt, password?, everything the cell printed so far) -> answer, or None to wait for
# more output first (iopub and stdin are separate sockets, so the URL may arrive after the
# input_request that follows it).
Answer = Callable[[str, bool, str], "str | None"]


@dataclass
class Cell:
    stdout: str = ""
    stderr: str = ""
    outputs: list[dict[str, Any]] = field(default_factory=list)
    prompts: list[tuple[str, bool]] = field(default_factory=list)
    reply: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reply.get("status") == "ok"

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


class Kernel:
    def __init__(self, env: dict[str, str], cwd: Path | None = None) -> None:
        self.manager = KernelManager(kernel_name="python3")
        # A notebook server starts a kernel in the notebook's folder (``cwd``).
        self.manager.start_kernel(env=env, **({"cwd": str(cwd)} if cwd else {}))
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    @property
    def pid(self) -> int:
        return int(self.manager.provisioner.process.pid)  # type: ignore[union-attr]

    def run(self, code: str, answer: Answer | None = None,
            timeout: float = CELL_TIMEOUT) -> Cell:
        kc = self.client
        msg_id = kc.execute(code, allow_stdin=answer is not None)
        cell = Cell()
        pending: dict[str, Any] | None = None
        idle = False
        deadline = time.monotonic() + timeout
        while not idle:
            if time.monotonic() > deadline:
                raise AssertionError(f"cell did not finish in {timeout}s: {code!r}\n{cell.text}")
            try:
                msg = kc.get_iopub_msg(timeout=0.05)
            except queue.Empty:
                msg = None
            if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
                kind, content = msg["msg_type"], msg["content"]
                if kind == "stream":
                    if content["name"] == "stdout":
                        cell.stdout += content["text"]
                    else:
                        cell.stderr += content["text"]
                elif kind in ("display_data", "execute_result", "error"):
                    cell.outputs.append({"type": kind, **content})
                elif kind == "status" and content["execution_state"] == "idle":
                    idle = True
            if answer is not None and pending is None:
                try:
                    pending = kc.get_stdin_msg(timeout=0.01)["content"]
                    cell.prompts.append((pending["prompt"], bool(pending.get("password"))))
                except queue.Empty:
                    pending = None
            if answer is not None and pending is not None:
                reply = answer(pending["prompt"], bool(pending.get("password")), cell.text)
                if reply is not None:
                    kc.input(reply)
                    pending = None
        cell.reply = kc.get_shell_msg(timeout=30)["content"]
        return cell

    def helper_processes(self) -> list[int]:
        """Live ``aws_login_bridge serve`` children of the kernel process."""
        return helper_children(self.pid)

    def shutdown(self) -> None:
        self.client.stop_channels()
        if self.manager.is_alive():
            self.manager.shutdown_kernel(now=False)


def kernel_env(home: Any, tmp_path: Path, autoload: bool = False) -> dict[str, str]:
    env = dict(home.env)
    ipython_dir = tmp_path / "ipython"  # no user startup files or config
    env["IPYTHONDIR"] = str(ipython_dir)
    env["PYTHONUNBUFFERED"] = "1"
    if autoload:  # what docs/jupyter.md tells people to put in their IPython config
        profile = ipython_dir / "profile_default"
        profile.mkdir(parents=True)
        (profile / "ipython_config.py").write_text(
            'c.InteractiveShellApp.extensions = ["aws_login_jupyter"]\n')
    return env


@pytest.fixture
def kernel(aws_home: Any, tmp_path: Path) -> Iterator[Kernel]:
    running = Kernel(kernel_env(aws_home, tmp_path))
    try:
        cell = running.run("import sys; print(sys.executable)")
        assert cell.stdout.strip() == sys.executable  # this venv, where the package lives
        yield running
    finally:
        running.shutdown()


def sign_in_answer(codes: list[str]) -> Answer:
    """Answer the code prompt the way a person would: sign in at the printed URL."""

    def answer(prompt: str, password: bool, printed: str) -> str | None:
        if prompt.startswith("Verification code"):
            urls = URL_RE.findall(printed)
            if not urls:
                return None
            code = person.sign_in(urls[-1])
            assert code
            codes.append(code)
            return code
        raise AssertionError(f"unexpected prompt {prompt!r}")

    return answer


def config_text(home: Any) -> str:
    return home.config.read_text()


def cache_files(home: Any) -> list[Path]:
    return sorted(home.cache_dir.glob("*.json")) if home.cache_dir.exists() else []


# ---------------------------------------------------------------------------------------------

def test_text_flow_then_boto3_in_the_same_kernel(kernel: Kernel, aws_home: Any) -> None:
    assert kernel.run("%load_ext aws_login_jupyter").ok
    codes: list[str] = []
    cell = kernel.run("%aws_login --profile nb --region us-east-1 --text",
                      answer=sign_in_answer(codes))
    assert cell.ok, cell.text
    assert cell.prompts == [("Verification code: ", True)]  # getpass: the front end hides it
    assert f"Logged in: profile 'nb' is {DEFAULT_ARN} (account {DEFAULT_ACCOUNT_ID})." \
        in cell.stdout
    assert "AWS_PROFILE=nb is set in this kernel" in cell.stdout
    assert re.search(r"Credentials are valid until \d{4}-\d\d-\d\d \d\d:\d\d UTC and refresh "
                     r"automatically until the sign-in ends at \d{4}-", cell.stdout)
    assert "Traceback" not in cell.text
    assert codes and codes[0] not in cell.text

    cell = kernel.run('import boto3, os\n'
                      'print(os.environ["AWS_PROFILE"])\n'
                      'print(boto3.client("sts").get_caller_identity()["Arn"])\n'
                      'print(boto3.Session().get_credentials().method)')
    assert cell.ok, cell.text
    assert cell.stdout.split() == ["nb", DEFAULT_ARN, "login"]

    assert "[profile nb]" in config_text(aws_home)
    assert f"login_session = {DEFAULT_ARN}" in config_text(aws_home)
    (cache,) = cache_files(aws_home)
    assert os.name != "posix" or cache.stat().st_mode & 0o777 == 0o600
    assert json.loads(cache.read_text())["accessToken"]["accountId"] == DEFAULT_ACCOUNT_ID


def test_autoloaded_text_flow_retries_a_wrong_code(aws_home: Any, tmp_path: Path) -> None:
    """Loaded from the IPython config at kernel start (outside any cell), the prompts
    still go through the stdin channel; a wrong code is one line and another try."""
    kernel = Kernel(kernel_env(aws_home, tmp_path, autoload=True))
    try:
        _wrong_code_then_right(kernel)
    finally:
        kernel.shutdown()


def _wrong_code_then_right(kernel: Kernel) -> None:
    answers = iter(["not a verification code"])
    codes: list[str] = []
    good = sign_in_answer(codes)

    def answer(prompt: str, password: bool, printed: str) -> str | None:
        return next(answers, None) or good(prompt, password, printed)

    cell = kernel.run("%aws_login --profile nb --region us-east-1 --text", answer=answer)
    assert cell.ok
    assert friendly(Failure("InvalidCode", "")) in cell.stderr
    assert len(cell.prompts) == 2
    assert "Logged in: profile 'nb'" in cell.stdout


def test_widget_flow_in_a_real_kernel(kernel: Kernel, aws_home: Any) -> None:
    assert kernel.run("%load_ext aws_login_jupyter").ok
    cell = kernel.run("%aws_login --profile nb --region us-east-1")
    assert cell.ok, cell.text
    (shown,) = [o for o in cell.outputs if o["type"] == "display_data"]
    assert "application/vnd.jupyter.widget-view+json" in shown["data"]
    cell = kernel.run("import aws_login_jupyter\n"
                      "panel = aws_login_jupyter.last_panel()\n"
                      "print(panel.state); print(panel.authorize_url)\n"
                      "print('target=\"_blank\"' in panel.link.value)")
    state, url, new_tab = cell.stdout.split()
    assert (state, new_tab) == ("waiting", "True")
    before = aws_home.snapshot()

    # A code from another sign-in attempt (a second panel): refused, field stays editable.
    cell = kernel.run("%aws_login --profile other --region us-east-1\n"
                      "other = aws_login_jupyter.last_panel(); print(other.authorize_url)")
    other_url = cell.stdout.split()[-1]
    assert other_url != url
    submit = ("import getpass\n"
              "panel.code.value = getpass.getpass('code: ')\n"
              "panel.complete_button.click()\n"
              "print(panel.state); print(panel.status_text); print(panel.code.disabled)")
    other_code = person.sign_in(other_url)
    assert other_code
    cell = kernel.run(submit, answer=lambda prompt, password, printed: other_code)
    assert cell.ok, cell.text
    assert cell.stdout.splitlines() == ["waiting", STATE_MISMATCH, "False"]
    assert aws_home.snapshot() == before  # a failed request writes nothing
    kernel.run("other.close()")

    code = person.sign_in(url)
    assert code
    cell = kernel.run(submit, answer=lambda prompt, password, printed: code)
    assert cell.ok, cell.text
    lines = cell.stdout.splitlines()
    assert lines[0] == "done"
    assert lines[1] == f"Logged in: profile 'nb' is {DEFAULT_ARN} (account {DEFAULT_ACCOUNT_ID})."
    assert code not in cell.text

    cell = kernel.run("import os, boto3\n"
                      "print(panel.code.value == '', panel.code_row.layout.display)\n"
                      "print(os.environ['AWS_PROFILE'])\n"
                      "print(panel.outcome.arn); print(panel.outcome.expires_at)\n"
                      "print(boto3.client('sts').get_caller_identity()['Arn'])")
    assert cell.ok, cell.text
    cleared, profile, arn, expires, boto_arn = cell.stdout.splitlines()
    assert cleared == "True none"
    assert (profile, arn, boto_arn) == ("nb", DEFAULT_ARN, DEFAULT_ARN)

    (cache,) = cache_files(aws_home)
    token = json.loads(cache.read_text())
    assert token["accessToken"]["expiresAt"] == expires
    assert os.name != "posix" or cache.stat().st_mode & 0o777 == 0o600
    text = config_text(aws_home)
    assert "[profile nb]" in text and f"login_session = {DEFAULT_ARN}" in text
    assert "region = us-east-1" in text
    assert "[profile other]" not in text

    # The helper tells the panel when the session changes, here a logout from a magic.
    assert kernel.run("%aws_logout --profile nb").ok
    deadline = time.monotonic() + 30
    status = ""
    while "was logged out" not in status and time.monotonic() < deadline:
        status = kernel.run("print(panel.status_text)").stdout
    assert status.strip() == ("Profile 'nb' was logged out — run %aws_login --profile nb "
                              "to sign in again.")


def test_replacing_another_login_session_asks_first(kernel: Kernel, aws_home: Any) -> None:
    other = "arn:aws:sts::210987654321:assumed-role/Admin/someone-else"
    aws_home.config.write_text(f"[profile nb]\nlogin_session = {other}\nregion = us-east-1\n")
    kernel.run("%load_ext aws_login_jupyter")
    codes: list[str] = []
    signed_in = sign_in_answer(codes)
    replies = iter(["n"])

    def answer(prompt: str, password: bool, printed: str) -> str | None:
        if prompt.startswith("Replace it?"):
            return next(replies, "y")
        return signed_in(prompt, password, printed)

    cell = kernel.run("%aws_login --profile nb --text", answer=answer)
    assert [p for p, _ in cell.prompts] == ["Verification code: ", "Replace it? [y/N]: "]
    assert friendly(Failure("SessionConflict", ""), "nb") in cell.stderr
    assert "Nothing was changed." in cell.stderr
    assert f"login_session = {other}" in aws_home.config.read_text()
    assert cache_files(aws_home) == []

    cell = kernel.run("%aws_login --profile nb --text", answer=answer)
    assert [p for p, _ in cell.prompts] == ["Verification code: ", "Replace it? [y/N]: "]
    assert f"Logged in: profile 'nb' is {DEFAULT_ARN}" in cell.stdout
    assert f"login_session = {DEFAULT_ARN}" in aws_home.config.read_text()
    assert len(cache_files(aws_home)) == 1


@pytest.mark.linux  # counts the kernel's children in /proc
def test_magics_and_one_helper_per_kernel(kernel: Kernel, aws_home: Any) -> None:
    kernel.run("%load_ext aws_login_jupyter")
    assert kernel.helper_processes() == []  # started lazily, on first use
    cell = kernel.run("%aws_whoami --profile nb")
    assert cell.stderr.strip() == friendly(Failure("NotLoggedIn", ""), "nb")
    assert "Traceback" not in cell.text
    (helper,) = kernel.helper_processes()

    cell = kernel.run("%aws_login --profile nb --region us-east-1 --text",
                      answer=sign_in_answer([]))
    assert "Logged in" in cell.stdout
    cell = kernel.run("%aws_whoami")  # the kernel's AWS_PROFILE is nb now
    assert cell.stdout.strip() == f"{DEFAULT_ARN} (account {DEFAULT_ACCOUNT_ID}, profile 'nb')"
    cell = kernel.run("%aws_status")
    assert cell.ok, cell.text
    assert "credentials from: login" in cell.stdout
    assert re.search(r"sign-in ends: \d{4}-\d\d-\d\d \d\d:\d\d UTC", cell.stdout)
    assert "No problems found" in cell.stdout
    assert kernel.helper_processes() == [helper]  # reused, not one per command

    # Keys set in the kernel afterwards: the helper restarts with the kernel's new
    # environment and reports them; the values never appear.
    cell = kernel.run("import os\n"
                      "os.environ['AWS_ACCESS_KEY_ID'] = 'AKIAIOSFODNN7EXAMPLE'\n"
                      "os.environ['AWS_SECRET_ACCESS_KEY'] = 'example-secret-key'\n"
                      "%aws_status")
    assert "AWS_ACCESS_KEY_ID" in cell.stdout and "Problems:" in cell.stdout
    assert "AKIAIOSFODNN7EXAMPLE" not in cell.text
    (replacement,) = kernel.helper_processes()
    assert replacement != helper
    kernel.run("del os.environ['AWS_ACCESS_KEY_ID'], os.environ['AWS_SECRET_ACCESS_KEY']")

    # A second profile on the same console session shares the cache file: say so.
    with aws_home.config.open("a") as config:
        config.write(f"\n[profile twin]\nlogin_session = {DEFAULT_ARN}\n")
        config.write(f"[profile admin]\nrole_arn = {ROLE}\nsource_profile = nb\n")
    # A role assumed with nb's session: %aws_use names the role, its source and the end.
    cell = kernel.run("%aws_use admin")
    assert (f"Profile 'admin' assumes {ROLE} with the login session of profile 'nb' (it ends "
            in cell.stdout), cell.text
    assert kernel.run("%aws_use nb").ok
    cell = kernel.run("%aws_logout")
    assert cell.stdout.startswith("Logged out of profile 'nb'.")
    assert ("Also logged out (same console session, shared cached credentials): twin"
            in cell.stdout)
    # The helper revoked the refresh token at the emulator before removing the file.
    assert REVOKED in cell.stdout and "not revoked" not in cell.stderr
    assert cache_files(aws_home) == []
    cell = kernel.run("%aws_logout --profile twin")
    assert cell.stdout.strip() == ("Profile 'twin' has no cached login credentials; nothing to "
                                   "remove.")
    # nb logged out: the role says to log in its source.
    cell = kernel.run("%aws_use admin")
    assert (f"Profile 'admin' assumes {ROLE} with the login session of profile 'nb', which is "
            "not logged in — run %aws_login --profile nb") in cell.stderr, cell.text
    cell = kernel.run("%aws_whoami")
    assert "Traceback" not in cell.text and cell.stderr.strip()

    kernel.shutdown()
    deadline = time.monotonic() + 30
    while is_helper(replacement) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not is_helper(replacement)  # shut down with its kernel


def test_settings_changed_in_the_kernel_reach_the_helper(aws_home: Any, tmp_path: Path) -> None:
    """The helper follows the kernel's AWS_* settings, also when a cell changes them."""
    env = kernel_env(aws_home, tmp_path)
    env["AWS_CONFIG_FILE"] = str(tmp_path / "elsewhere" / "config")
    running = Kernel(env)
    try:
        running.run("%load_ext aws_login_jupyter")
        cell = running.run("%aws_login --profile nb --region us-east-1 --text",
                           answer=sign_in_answer([]))
        assert "Logged in" in cell.stdout
        assert not aws_home.config.exists()
        assert "[profile nb]" in (tmp_path / "elsewhere" / "config").read_text()
        cell = running.run(f"%env AWS_CONFIG_FILE={aws_home.config}\n%aws_status --profile nb")
        assert "login session: none" in cell.stdout
    finally:
        running.shutdown()


def test_text_flow_without_stdin_is_one_line(kernel: Kernel, aws_home: Any) -> None:
    kernel.run("%load_ext aws_login_jupyter")
    cell = kernel.run("%aws_login --profile nb --region us-east-1 --text")
    assert cell.ok
    assert "cannot answer input()" in cell.stderr
    assert "Traceback" not in cell.text
    assert not aws_home.config.exists()


def test_terminal_ipython_gets_the_text_flow(aws_home: Any, tmp_path: Path) -> None:
    """No widgets in a terminal: %aws_login prints the URL and reads the code instead."""
    env = kernel_env(aws_home, tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "IPython", "--no-banner", "--simple-prompt", "--colors=NoColor"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=env)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write("%load_ext aws_login_jupyter\n"
                         "%aws_login --profile nb --region us-east-1\n")
        proc.stdin.flush()
        printed = []
        for line in proc.stdout:
            printed.append(line)
            if URL_RE.search(line):
                break
        (url,) = URL_RE.findall("".join(printed))
        code = person.sign_in(url)
        assert code
        out, _ = proc.communicate(
            f"{code}\nimport boto3\nprint(boto3.client('sts').get_caller_identity()['Arn'])\n"
            "exit\n", timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert f"Logged in: profile 'nb' is {DEFAULT_ARN}" in out
    assert out.count(DEFAULT_ARN) == 2  # the login line and boto3's answer
    assert "Traceback" not in out
    assert code not in out

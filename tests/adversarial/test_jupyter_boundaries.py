"""The Jupyter side's trust boundaries (issue 18, parts 1 and 4), over real Jupyter servers,
kernels, helpers and the emulator:

* a server or kernel started in a folder that holds modules named like ours (or like the
  standard library's) never runs them: the helper runs in a folder of its own, with the
  safe-path switch;
* a GET carrying only Jupyter's login cookie (what a cross-site ``<img src>`` sends) reads
  local state and nothing else: no call to AWS, no file written; the STS call is a POST
  behind Jupyter's XSRF check;
* a kernel's silly timeout on ``kernel/rpc`` is clamped, and no client's timeout stops the
  server's one helper or a login pending in a browser tab;
* a kernel's requests to its own server never go through the proxy set in the kernel.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import AwsHome, change_fields, fault, helper_children, rewrite_cache, wait_for
from jupyter_client.blocking import BlockingKernelClient
from jupyter_lab import CONSOLE_SCRIPT, Lab, running_lab
from test_jupyter_kernel import Kernel, kernel_env
from test_lab_server import cli_login

from aws_login_bridge.emulator import person
from aws_login_bridge.emulator.identity import DEFAULT_ARN
from aws_login_bridge.rpc import launch

from . import tally

PAST = "2020-01-01T00:00:00Z"

# Each writes a marker naming the process that ran it, then fails to be the real module.
SHADOW = ("import os, sys\n"
          "with open(os.path.join({folder!r}, '{name}-%d' % os.getpid()), 'w') as marker:\n"
          "    marker.write(' '.join(sys.argv))\n")


def plant_shadows(folder: Path, markers: Path, names: list[str]) -> None:
    """``name`` as a package (``pkg/``) or a module (``mod.py``) in ``folder``."""
    markers.mkdir(exist_ok=True)
    for name in names:
        if name.endswith(".py"):
            target = folder / name
        else:
            (folder / name).mkdir()
            target = folder / name / "__init__.py"
        target.write_text(SHADOW.format(folder=str(markers), name=name))


def ran(markers: Path) -> dict[str, str]:
    """Which shadows ran, and in which process (its argv)."""
    return {p.name: p.read_text() for p in sorted(markers.iterdir())}


def aws_calls(emulator: Any) -> dict[str, int]:
    """The emulator's token and STS requests so far (its counters, flattened; zeros left
    out)."""
    found: dict[str, int] = {}
    for name, value in emulator.stats().items():
        if not name.startswith(("token", "sts")):
            continue
        counts = value if isinstance(value, dict) else {"": value}
        found.update({f"{name}.{kind}".rstrip("."): n for kind, n in counts.items() if n})
    return found


# -- a kernel started by the Jupyter server, driven as JupyterLab drives it ------------------


class LabKernel:
    """A kernel the server starts (REST), run through its connection file."""

    def __init__(self, lab: Lab, http: httpx.Client) -> None:
        answer = http.post("/api/kernels", json={"name": "python3"})
        assert answer.status_code == 201, answer.text
        connection = lab.root.parent / "jupyter-runtime" / f"kernel-{answer.json()['id']}.json"
        wait_for(connection.exists, "the kernel's connection file")
        self.client = BlockingKernelClient(connection_file=str(connection))
        self.client.load_connection_file()
        # Attached from outside, a client takes a kernel whose heartbeat has not answered
        # within time_to_dead (1 s) for dead, and wait_for_ready gives up on it: a kernel
        # still importing IPython, as on Python 3.10 here, is not dead.
        self.client.hb_channel.time_to_dead = 10.0
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str) -> str:
        """What the cell printed; a failing cell fails the test with its error."""
        printed: list[str] = []

        def keep(message: dict[str, Any]) -> None:
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                printed.append("\n".join(message["content"]["traceback"]))

        reply = self.client.execute_interactive(code, output_hook=keep, timeout=180)
        assert reply["content"]["status"] == "ok", "".join(printed)
        return "".join(printed)

    def close(self) -> None:
        self.client.stop_channels()


@pytest.fixture
def http(lab: Lab) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lab.url, timeout=120,
                      headers={"Authorization": f"token {lab.token}"}) as client:
        yield client


@pytest.fixture
def lab_kernel(lab: Lab, http: httpx.Client) -> Iterator[LabKernel]:
    kernel = LabKernel(lab, http)
    try:
        yield kernel
    finally:
        kernel.close()


# -- 1. no code from the folder a server or kernel was started in --------------------------


@pytest.mark.posix  # modes and owners
def test_the_helper_runs_only_in_a_folder_no_one_else_can_write_to(tmp_path: Path) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert launch.working_folder(private) == str(private)
    shared = tmp_path / "shared"
    shared.mkdir()
    link = tmp_path / "link"
    link.symlink_to(private)
    refused = [shared, link, tmp_path / "missing", tmp_path / "file"]
    (tmp_path / "file").write_text("")
    for mode in (0o777, 0o770, 0o707, 0o1777):
        shared.chmod(mode)
        assert launch.working_folder(shared) == str(Path.home()), oct(mode)
    for folder in refused[1:]:
        assert launch.working_folder(folder) == str(Path.home()), folder.name
    assert launch.working_folder(None) == str(Path.home())
    tally.count("inputs.jupyter_working_folders", 4 + len(refused))
    # The command and environment of every Python client: the safe-path switch where the
    # Python has it (3.11+); on 3.10 the folder above is the guard.
    argv, env, _ = launch.launch(None, {"PATH": os.environ["PATH"]}, private)
    safe = sys.version_info >= (3, 11)
    assert argv == [sys.executable, *(["-P"] if safe else []), "-m", "aws_login_bridge",
                    "serve"]
    assert env == {"PATH": os.environ["PATH"], **({"PYTHONSAFEPATH": "1"} if safe else {})}


@pytest.mark.slow
def test_a_server_started_among_shadow_modules_never_runs_them(
        aws_home: AwsHome, tmp_path: Path) -> None:
    root = tmp_path / "repository"
    root.mkdir()
    markers = tmp_path / "markers"
    shadows = ["aws_login_bridge", "json.py", "pygls", "cattrs", "botocore"]
    plant_shadows(root, markers, shadows)
    tally.count("inputs.jupyter_shadow_modules", len(shadows))
    # Started as a person starts it (`jupyter lab` in that folder): its console script.
    with running_lab(aws_home.env, tmp_path, root, CONSOLE_SCRIPT) as lab, \
            httpx.Client(base_url=lab.url, timeout=120,
                         headers={"Authorization": f"token {lab.token}"}) as http:
        answer = http.get("/aws-login/state")
        assert ran(markers) == {}
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"]["profile"] == "default"  # the real helper answered


@pytest.mark.slow
def test_a_kernel_in_a_folder_of_shadow_modules_starts_a_helper_that_never_runs_them(
        aws_home: AwsHome, tmp_path: Path) -> None:
    notebooks = tmp_path / "cloned"
    notebooks.mkdir()
    markers = tmp_path / "markers"
    # Modules the helper imports and the kernel does not (the kernel itself imports what
    # its notebook folder holds, as Jupyter means it to).
    shadows = ["pygls", "lsprotocol", "cattrs", "botocore"]
    plant_shadows(notebooks, markers, shadows)
    tally.count("inputs.jupyter_shadow_modules", len(shadows))
    kernel = Kernel(kernel_env(aws_home, tmp_path), cwd=notebooks)
    try:
        assert kernel.run("import os; print(os.getcwd())").stdout.strip() == str(notebooks)
        kernel.run("%load_ext aws_login_jupyter")
        cell = kernel.run("%aws_status --profile default")
        assert ran(markers) == {}
        assert cell.ok, cell.text
        assert "login session: none" in cell.stdout  # the real helper answered
    finally:
        kernel.shutdown()


# -- 4a. a GET with the login cookie only reads -------------------------------------------


@pytest.mark.slow
def test_cookie_only_gets_make_no_aws_call_and_write_nothing(
        lab: Lab, aws_home: AwsHome, emulator: Any) -> None:
    cli_login(aws_home, "r")
    # Credentials due for a refresh: a status that refreshes would call the token endpoint.
    rewrite_cache(aws_home, lambda token: change_fields(token, {"accessToken.expiresAt": PAST}))
    emulator.reset()
    before = aws_home.snapshot()
    with httpx.Client(base_url=lab.url, timeout=120) as browser:
        # The login cookie, as a browser holds it; from here on nothing else is sent, as
        # with an <img src> on another site.
        assert browser.get(f"/lab?token={lab.token}").status_code == 200
        xsrf = browser.cookies["_xsrf"]
        state = browser.get("/aws-login/state", params={"profile": "r"})
        identity = browser.get("/aws-login/identity", params={"profile": "r"})
        tally.count("inputs.jupyter_cookie_only_gets", 2)
        assert aws_calls(emulator) == {}
        assert aws_home.snapshot() == before
        assert state.status_code == 200, state.text
        assert state.json()["status"]["loginSession"] == DEFAULT_ARN  # read, not refreshed
        assert identity.status_code == 405  # STS is a POST now

        # The POST without Jupyter's XSRF token: refused before it reaches the helper.
        refused = browser.post("/aws-login/identity", json={"profile": "r"})
        assert refused.status_code == 403
        assert "_xsrf" in refused.text
        assert aws_calls(emulator) == {}
        assert aws_home.snapshot() == before

        # With it (what JupyterLab sends), the same POST asks STS: the check was the refusal.
        checked = browser.post("/aws-login/identity", json={"profile": "r"},
                               headers={"X-XSRFToken": xsrf})
        assert checked.status_code == 200, checked.text
        assert checked.json()["Arn"] == DEFAULT_ARN
        assert aws_calls(emulator).get("sts_ok") == 1, aws_calls(emulator)


# -- 4b. a kernel's silly timeout stops nobody --------------------------------------------

# The kernel's own raw request: the key never leaves the kernel, and the body carries the
# timeout exactly as written (NaN and Infinity are what Python's json writes for them).
RAW_RPC = '''
import json, os, urllib.error, urllib.request
from aws_login_jupyter.lab import kernel_link

_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def raw_rpc(method, params, timeout):
    body = '{"method": %s, "params": %s, "timeout": %s}' % (
        json.dumps(method), json.dumps(params), timeout)
    request = urllib.request.Request(
        os.environ[kernel_link.URL_VARIABLE] + "/aws-login/kernel/rpc", data=body.encode(),
        headers={kernel_link.KEY_HEADER: os.environ[kernel_link.KEY_VARIABLE],
                 "Content-Type": "application/json"})
    try:
        with _direct.open(request, timeout=300) as answer:
            print(json.dumps([answer.status, json.loads(answer.read())]))
    except urllib.error.HTTPError as error:
        print(json.dumps([error.code, error.read().decode()]))
'''

SILLY_TIMEOUTS = ["1e-9", "NaN", "-5", "0", "-0.0", "Infinity", "-Infinity", "1e308", "1e999",
                  "1" + "0" * 400]
NOT_NUMBERS = ['"nan"', '"60"', "true", "[]", "{}"]


@pytest.mark.slow
@pytest.mark.linux  # finds the server's helper among its children in /proc
def test_silly_kernel_timeouts_never_stop_the_helper_or_a_pending_login(
        lab: Lab, aws_home: AwsHome, emulator: Any, http: httpx.Client,
        lab_kernel: LabKernel) -> None:
    cli_login(aws_home, "k")
    started = http.post("/aws-login/login/start",
                        json={"profile": "tab", "region": "us-east-1"})  # a browser tab
    assert started.status_code == 200, started.text
    (helper,) = helper_children(lab.proc.pid)

    lab_kernel.run(RAW_RPC)
    for timeout in SILLY_TIMEOUTS:
        printed = lab_kernel.run(f"raw_rpc('awsLogin/status', {{'profile': 'k'}}, {timeout!r})")
        status, body = json.loads(printed)
        assert (timeout, status) == (timeout, 200), body
        assert body["result"]["loginSession"] == DEFAULT_ARN
    for timeout in NOT_NUMBERS:  # refused as such, before anything reaches the helper
        printed = lab_kernel.run(f"raw_rpc('awsLogin/status', {{'profile': 'k'}}, {timeout!r})")
        status, body = json.loads(printed)
        assert (timeout, status) == (timeout, 400), body
        assert json.loads(body)["error"] == {"kind": "InvalidInput", "data": {},
                                          "message": "'timeout' must be a number of seconds."}
    tally.count("inputs.jupyter_silly_timeouts", len(SILLY_TIMEOUTS) + len(NOT_NUMBERS))

    # A request that does run out of time (STS answers after 20 s; the shortest wait is a
    # few seconds): that request fails, the helper stays.
    fault(emulator, target="sts", delay=20)
    status, body = json.loads(lab_kernel.run(
        "raw_rpc('awsLogin/callerIdentity', {'profile': 'k'}, '1e-9')"))
    assert status == 422
    failure = json.loads(body)["error"]
    assert failure["kind"] == "HelperUnavailable"
    assert "did not answer within" in failure["message"]
    assert helper_children(lab.proc.pid) == [helper]

    # The tab's login, started before all that, still completes.
    code = person.sign_in(started.json()["authorizeUrl"])
    assert code
    done = http.post("/aws-login/login/complete",
                     json={"loginId": started.json()["loginId"], "code": code,
                           "profile": "tab", "useForKernels": False})
    assert done.status_code == 200, done.text
    assert done.json()["login"]["profile"] == "tab"
    assert helper_children(lab.proc.pid) == [helper]


# -- 4c. never through the kernel's proxy to our own server --------------------------------


class Listener:
    """A TCP listener that records whatever connects to it (a stand-in proxy)."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return  # closed
            with connection:
                connection.settimeout(5)
                try:
                    self.received.append(connection.recv(65536))
                except OSError:
                    self.received.append(b"")

    def close(self) -> None:
        self._socket.close()


@pytest.mark.slow
def test_a_kernel_with_a_proxy_set_talks_to_its_server_directly(
        lab: Lab, aws_home: AwsHome, lab_kernel: LabKernel) -> None:
    listener = Listener()
    try:
        proxies = {name: listener.url for name in
                   ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                    "ALL_PROXY")}
        lab_kernel.run(
            "import os\n"
            "for name in ('no_proxy', 'NO_PROXY'):\n"
            "    os.environ.pop(name, None)\n"
            f"os.environ.update({proxies!r})\n"
            "%load_ext aws_login_jupyter\n")
        tally.count("inputs.jupyter_proxy_variables", len(proxies))
        printed = lab_kernel.run(
            "from aws_login_jupyter.lab import kernel_link\n"
            "assert kernel_link.server_available()  # the server's helper, not its own\n"
            "%aws_status --profile default")
        # Their count only: what reached the proxy carries the server's key.
        reached_proxy = len(listener.received)
        assert reached_proxy == 0, "the kernel's requests went to its proxy"
        assert "login session: none" in printed, printed
    finally:
        listener.close()

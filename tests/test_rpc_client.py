"""`HelperClient`: the synchronous facade over the helper that the Jupyter extension uses."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import threading
from typing import Any

import pytest
from conftest import AwsHome, fault
from test_rpc_login import ARN, cache_secrets, code_secrets

from aws_login_bridge.emulator import person
from aws_login_bridge.rpc.client import HelperClient, HelperError, HelperExited

ARGV = [sys.executable, "-m", "aws_login_bridge", "serve", "--log-level", "DEBUG"]


class Inbox:
    def __init__(self) -> None:
        self.items: list[tuple[dict[str, Any], str]] = []
        self.cond = threading.Condition()

    def __call__(self, params: dict[str, Any]) -> None:
        with self.cond:
            self.items.append((params, threading.current_thread().name))
            self.cond.notify_all()

    def wait(self, state: str) -> tuple[dict[str, Any], str]:
        def find() -> tuple[dict[str, Any], str] | None:
            return next((i for i in self.items if i[0]["state"] == state), None)

        with self.cond:
            found = self.cond.wait_for(find, 30)
        assert found, self.items
        return found


def test_login_errors_notifications_and_close(aws_home: AwsHome) -> None:
    inbox = Inbox()
    client = HelperClient.spawn(argv=ARGV, env=aws_home.env)
    said: list[Any] = []
    try:
        assert client.initialize_result is not None
        assert client.initialize_result["serverInfo"]["name"] == "aws-login-bridge"
        client.on_notification("awsLogin/sessionChanged", inbox)
        started = client.request("awsLogin/startLogin", {"profile": "nb", "region": "us-east-1"},
                                 timeout=60.0)
        code = person.sign_in(started["authorizeUrl"])
        assert code
        result = client.request("awsLogin/completeLogin",
                                {"loginId": started["loginId"], "code": code})
        said += [started, result]
        assert (result["profile"], result["loginSession"]) == ("nb", ARN)
        params, thread = inbox.wait("active")
        said.append(params)
        assert params["profile"] == "nb"
        assert thread != threading.current_thread().name  # callbacks run in the background

        with pytest.raises(HelperError) as unknown:
            client.request("awsLogin/completeLogin", {"loginId": started["loginId"], "code": code})
        assert (unknown.value.kind, unknown.value.code) == ("UnknownLogin", -32803)
        assert unknown.value.data["kind"] == "UnknownLogin"
        assert "Start the login again" in unknown.value.message
        with pytest.raises(HelperError) as invalid:
            client.request("awsLogin/status", {"profile": 7})
        assert (invalid.value.kind, invalid.value.code) == ("InvalidInput", -32602)
        with pytest.raises(HelperError) as missing:
            client.request("awsLogin/nothingHere")
        assert (missing.value.kind, missing.value.code) == ("ServiceError", -32601)
        secrets = code_secrets(code) | cache_secrets(aws_home)
    finally:
        assert client.close() == 0
    with pytest.raises(HelperExited) as gone:
        client.request("awsLogin/listProfiles")
    assert gone.value.kind == "HelperExited"
    output = client.stderr + json.dumps(said)
    assert "awsLogin/completeLogin ok" in client.stderr
    assert not [s for s in secrets if s in output]


def test_works_while_the_calling_thread_runs_an_event_loop(aws_home: AwsHome) -> None:
    """Like a Jupyter kernel: the cell's thread already runs asyncio and blocks in a call."""

    async def cell() -> Any:
        with HelperClient.spawn(env=aws_home.env) as client:
            return client.request("awsLogin/listProfiles"), client.pid

    answer, pid = asyncio.run(cell())
    assert answer == {"profiles": []}
    assert pid


def test_timeout_cancels_and_a_dead_helper_is_reported(aws_home: AwsHome,
                                                       emulator: Any) -> None:
    with HelperClient.spawn(env=aws_home.env) as client:
        started = client.request("awsLogin/startLogin", {"profile": "nb", "region": "us-east-1"})
        code = person.sign_in(started["authorizeUrl"])
        fault(emulator, target="authorization_code", mode="delay", delay=2)
        with pytest.raises(TimeoutError):
            client.request("awsLogin/completeLogin",
                           {"loginId": started["loginId"], "code": code}, timeout=0.3)
        assert client.request("awsLogin/status", {"profile": "nb"})["profile"] == "nb"
        os.kill(client.pid, signal.SIGTERM)
        with pytest.raises(HelperExited):
            for _ in range(50):  # until the client has noticed the exit
                client.request("awsLogin/listProfiles", timeout=5)
    assert client.returncode is not None and client.returncode != 0

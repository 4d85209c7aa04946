"""Pure UI-state tests of the Jupyter side, against a scripted stand-in for the helper.

Only the panel's and the text flow's own decisions are checked here (which state, which
line, which call next). Everything that touches the real helper, the emulator, a kernel or
a browser is in test_jupyter_kernel.py and e2e_jupyterlab/.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from aws_login_bridge.rpc.client import HelperError, HelperExited
from aws_login_jupyter import kernel_env, text_flow
from aws_login_jupyter.helper import KernelHelper, environment_fingerprint
from aws_login_jupyter.lab import kernel_link
from aws_login_jupyter.magics import AwsLoginMagics, status_lines, widgets_available
from aws_login_jupyter.messages import STATE_MISMATCH, Failure, friendly
from aws_login_jupyter.panel import WAITING_TEXT, LoginPanel, PanelDisplay, last_panel

ARN = "arn:aws:sts::123456789012:assumed-role/Developer/console-session"
CONTRACT_KINDS = (
    "ProfileHasOtherCredentials", "RegionRequired", "InvalidCode", "StateMismatch",
    "AuthCodeExpired", "InsufficientPermissions", "SessionConflict", "UnknownLogin",
    "NotLoggedIn", "RefreshRequired", "ServiceError", "NetworkError",
)


class ScriptedHelper:
    """Answers contract calls from per-method scripts; records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.scripts: dict[str, list[Any]] = {}
        self.listeners: list[Callable[[dict[str, Any]], None]] = []
        self.logins = 0

    def script(self, method: str, *answers: Any) -> None:
        self.scripts.setdefault(method, []).extend(answers)

    def call(self, method: str, params: dict[str, Any] | None = None,
             timeout: float = 60.0) -> Any:
        params = dict(params or {})
        self.calls.append((method, params))
        queue = self.scripts.get(method)
        answer = queue.pop(0) if queue else self._default(method, params)
        if isinstance(answer, Failure):
            raise answer
        return answer

    def _default(self, method: str, params: dict[str, Any]) -> Any:
        if method == "awsLogin/startLogin":
            self.logins += 1
            region = params.get("region") or "eu-west-1"
            return {"loginId": f"login-{self.logins}", "profile": params["profile"],
                    "region": region, "flow": "remote", "expiresAt": "2026-11-26T08:25:00Z",
                    "authorizeUrl": f"https://signin.example/v1/authorize?n={self.logins}&a=b"}
        if method == "awsLogin/completeLogin":
            return {"profile": "nb", "loginSession": ARN, "accountId": "123456789012",
                    "region": "us-east-1", "expiresAt": "2026-11-26T08:30:00Z"}
        if method == "awsLogin/callerIdentity":
            return {"UserId": "AROAEXAMPLE:console", "Account": "123456789012", "Arn": ARN}
        if method == "awsLogin/status":
            return {"profile": params["profile"], "sessionExpiresAt": "2026-11-26T20:15:00Z",
                    "problems": []}
        return None

    def subscribe(self, listener: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


@pytest.fixture
def kernel_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)


def make_panel(helper: ScriptedHelper, region: str | None = "us-east-1",
               set_profile: bool = True) -> LoginPanel:
    panel = LoginPanel(helper, helper.subscribe, "nb", region, set_profile=set_profile,
                       profiles=["nb", "other"])
    panel.start()
    return panel


# -- messages --------------------------------------------------------------------------------

def test_state_mismatch_uses_the_issue_wording() -> None:
    assert friendly(Failure("StateMismatch", "raw")) == STATE_MISMATCH


@pytest.mark.parametrize("kind", CONTRACT_KINDS)
def test_every_contract_kind_has_its_own_one_line_message(kind: str) -> None:
    line = friendly(Failure(kind, "the helper's own words"), "nb")
    assert line and "\n" not in line
    assert line != "the helper's own words"


def test_unknown_kinds_show_the_helper_message_as_is() -> None:
    assert friendly(Failure("ConfigError", "Cannot write /x/config.")) == "Cannot write /x/config."


def test_messages_use_data_but_not_more() -> None:
    line = friendly(Failure("ProfileHasOtherCredentials", "m",
                            {"style": "aws_access_key_id", "suggestion": "nb-login"}), "nb")
    assert "nb-login" in line and "aws_access_key_id" in line
    assert "HTTP 503" in friendly(Failure("ServiceError", "m", {"status": 503}))


# -- the panel -------------------------------------------------------------------------------

def test_panel_starts_with_a_new_tab_link_and_the_url_as_text(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    panel = make_panel(helper, region=None)
    assert panel.state == "waiting"
    assert panel.status_text == WAITING_TEXT
    assert helper.calls[0] == ("awsLogin/startLogin", {"profile": "nb"})
    assert panel.region.value == "eu-west-1"  # the profile's configured region, from the helper
    assert 'target="_blank"' in panel.link.value
    assert 'href="https://signin.example/v1/authorize?n=1&amp;a=b"' in panel.link.value
    assert "https://signin.example/v1/authorize?n=1&amp;a=b</code>" in panel.url.value
    assert not panel.code.disabled and not panel.complete_button.disabled
    assert last_panel() is panel
    assert panel.profile.options == ("nb", "other")


def test_wrong_code_keeps_the_login_and_the_field_editable(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    helper.script("awsLogin/completeLogin",
                  Failure("StateMismatch", "other attempt"),
                  Failure("InvalidCode", "garbage"))
    panel = make_panel(helper)
    panel.code.value = "code-from-another-tab"
    panel.complete_button.click()
    assert panel.status_text == STATE_MISMATCH
    assert panel.state == "waiting"
    assert not panel.code.disabled and not panel.complete_button.disabled
    assert panel.code.value == "code-from-another-tab"
    panel.code.value = "garbage"
    panel.complete_button.click()
    assert panel.status_text == friendly(Failure("InvalidCode", ""))
    panel.code.value = "  right-code \n"
    panel.complete_button.click()
    assert panel.state == "done"
    completes = [p for m, p in helper.calls if m == "awsLogin/completeLogin"]
    assert [p["loginId"] for p in completes] == ["login-1"] * 3
    assert completes[-1]["code"] == "right-code"
    assert helper.methods().count("awsLogin/startLogin") == 1


def test_a_spent_login_gets_a_fresh_link(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    helper.script("awsLogin/completeLogin", Failure("AuthCodeExpired", "used"))
    panel = make_panel(helper)
    panel.code.value = "old-code"
    panel.complete_button.click()
    assert panel.state == "waiting"
    assert panel.code.value == ""
    assert panel.status_text.startswith(friendly(Failure("AuthCodeExpired", "")))
    assert "n=2" in panel.link.value
    assert helper.methods().count("awsLogin/startLogin") == 2


def test_session_conflict_offers_replace(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    helper.script("awsLogin/completeLogin", Failure("SessionConflict", "m", {"current": "x"}))
    panel = make_panel(helper)
    assert panel.replace_button.layout.display == "none"
    panel.code.value = "the-code"
    panel.complete_button.click()
    assert panel.state == "conflict"
    assert panel.replace_button.layout.display is None
    assert panel.complete_button.disabled
    panel.replace_button.click()
    assert panel.state == "done"
    last = [p for m, p in helper.calls if m == "awsLogin/completeLogin"][-1]
    assert last == {"loginId": "login-1", "code": "the-code", "replaceExisting": True}


def test_success_sets_aws_profile_and_resets_boto3(kernel_environ: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fake_boto3 = types.SimpleNamespace(DEFAULT_SESSION=object())
    monkeypatch.setitem(sys.modules, "boto3", fake_boto3)
    helper = ScriptedHelper()
    panel = make_panel(helper)
    panel.code.value = "the-code"
    panel.complete_button.click()
    assert panel.state == "done"
    assert panel.status_text == (
        f"Logged in: profile 'nb' is {ARN} (account 123456789012).")
    assert os.environ["AWS_PROFILE"] == "nb"
    assert fake_boto3.DEFAULT_SESSION is None
    assert panel.code.value == "" and panel.code_row.layout.display == "none"
    assert ARN in panel.status_text
    assert "2026-11-26 08:30 UTC" in panel.summary.value
    assert "2026-11-26 20:15 UTC" in panel.summary.value
    assert "AWS_ACCESS_KEY_ID" not in panel.summary.value


def test_no_set_profile_leaves_the_environment_alone(kernel_environ: None) -> None:
    panel = make_panel(ScriptedHelper(), set_profile=False)
    panel.code.value = "the-code"
    panel.complete_button.click()
    assert panel.state == "done"
    assert "AWS_PROFILE" not in os.environ
    assert 'boto3.Session(profile_name="nb")' in panel.summary.value


def test_environment_keys_that_still_win_are_named(kernel_environ: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "old")
    panel = make_panel(ScriptedHelper())
    panel.code.value = "the-code"
    panel.complete_button.click()
    assert "AWS_ACCESS_KEY_ID is set in this kernel" in panel.summary.value
    assert "AWS_DEFAULT_PROFILE=old" in panel.summary.value
    assert "AKIAEXAMPLEEXAMPLE00" not in panel.summary.value


def test_missing_region_waits_for_one(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    helper.script("awsLogin/startLogin",
                  Failure("RegionRequired", "no region", {"default": "us-east-1"}))
    panel = make_panel(helper, region=None)
    assert panel.state == "needs-region"
    assert panel.link.value == ""
    assert panel.code.disabled and not panel.region.disabled
    assert "us-east-1" in panel.status_text
    panel.region.value = "eu-central-1"
    assert panel.state == "waiting"
    assert helper.calls[-1] == ("awsLogin/startLogin",
                                {"profile": "nb", "region": "eu-central-1"})


def test_changing_the_profile_replaces_the_pending_login(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    panel = make_panel(helper)
    panel.profile.value = "other"
    assert ("awsLogin/cancelLogin", {"loginId": "login-1"}) in helper.calls
    assert helper.calls[-1] == ("awsLogin/startLogin",
                                {"profile": "other", "region": "us-east-1"})
    assert "n=2" in panel.link.value


def test_an_empty_code_is_not_sent(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    panel = make_panel(helper)
    panel.complete_button.click()
    assert "awsLogin/completeLogin" not in helper.methods()
    assert panel.state == "waiting"


def test_session_notifications_update_a_finished_panel(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    panel = make_panel(helper)
    panel.code.value = "the-code"
    panel.complete_button.click()
    (listener,) = helper.listeners
    listener({"profile": "other", "state": "loggedOut"})
    assert panel.status_text.startswith("Logged in")
    listener({"profile": "nb", "state": "refreshed", "expiresAt": "2026-11-26T08:45:00Z"})
    assert "2026-11-26 08:45 UTC" in panel.summary.value
    assert "refreshed" in panel.status_text
    listener({"profile": "nb", "state": "loggedOut"})
    assert "was logged out" in panel.status_text
    panel.close()
    assert helper.listeners == []


def test_the_display_has_a_text_fallback(kernel_environ: None) -> None:
    bundle = PanelDisplay(make_panel(ScriptedHelper()))._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "%aws_login --text --profile nb" in bundle["text/plain"]


# -- the text flow ---------------------------------------------------------------------------

def test_text_flow_retries_a_wrong_code_and_asks_secretly(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    helper.script("awsLogin/startLogin",
                  Failure("RegionRequired", "no region", {"default": "us-east-1"}))
    helper.script("awsLogin/completeLogin", Failure("StateMismatch", "other attempt"))
    said: list[str] = []
    warned: list[str] = []
    plain: list[str] = []
    secret_answers = iter(["wrong-code", "right-code"])
    outcome = text_flow.run(
        helper, "nb", None,
        ask=lambda prompt: plain.append(prompt) or "",
        ask_secret=lambda prompt: next(secret_answers),
        say=said.append, warn=warned.append)
    assert outcome is not None and outcome.arn == ARN
    assert plain == ["AWS Region for profile 'nb' [us-east-1]: "]
    assert ("awsLogin/startLogin", {"profile": "nb", "region": "us-east-1"}) in helper.calls
    assert warned == [STATE_MISMATCH]
    assert "https://signin.example/v1/authorize?n=1&a=b" in said
    assert said[-1].startswith("AWS_PROFILE=nb is set")
    assert not any("right-code" in line for line in said + warned)


def test_text_flow_cancels_on_an_empty_answer(kernel_environ: None) -> None:
    helper = ScriptedHelper()
    warned: list[str] = []
    outcome = text_flow.run(helper, "nb", "us-east-1", ask=lambda p: "",
                            ask_secret=lambda p: "", say=lambda s: None, warn=warned.append)
    assert outcome is None
    assert warned == ["Sign-in cancelled."]
    assert helper.calls[-1] == ("awsLogin/cancelLogin", {"loginId": "login-1"})


def test_text_flow_without_stdin_says_so(kernel_environ: None) -> None:
    class StdinNotImplementedError(Exception):
        pass

    def no_stdin(prompt: str) -> str:
        raise StdinNotImplementedError

    warned: list[str] = []
    text_flow.run(ScriptedHelper(), "nb", "us-east-1", ask=no_stdin, ask_secret=no_stdin,
                  say=lambda s: None, warn=warned.append)
    assert "cannot answer input()" in warned[0]


# -- the kernel's helper handle ----------------------------------------------------------------

class FakeClient:
    def __init__(self, log: list[str], fail_with: Exception | None = None) -> None:
        self.log = log
        self.fail_with = fail_with
        self.callbacks: dict[str, Callable[[dict[str, Any]], None]] = {}

    def request(self, method: str, params: dict[str, Any] | None = None,
                timeout: float = 60.0) -> Any:
        self.log.append(method)
        if self.fail_with is not None:
            raise self.fail_with
        return {"ok": True}

    def on_notification(self, method: str, callback: Callable[[dict[str, Any]], None]) -> None:
        self.callbacks[method] = callback

    def close(self) -> None:
        self.log.append("close")


def test_helper_starts_lazily_is_reused_and_restarts_when_settings_change(
        kernel_environ: None, monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[str] = []
    clients: list[FakeClient] = []

    def spawn() -> FakeClient:
        clients.append(FakeClient(log))
        return clients[-1]

    helper = KernelHelper(spawn)
    assert clients == []
    helper.call("awsLogin/status", {"profile": "a"})
    helper.call("awsLogin/status", {"profile": "b"})
    assert len(clients) == 1
    monkeypatch.setenv("AWS_PROFILE", "x")  # chosen per request: no restart
    helper.refresh_environment()
    assert helper.running
    monkeypatch.setenv("AWS_CONFIG_FILE", "/elsewhere/config")
    helper.refresh_environment()
    assert not helper.running and log[-1] == "close"
    helper.call("awsLogin/status", {"profile": "a"})
    assert len(clients) == 2
    helper.close()
    assert log.count("close") == 2


def test_helper_errors_become_failures_and_dead_helpers_are_replaced(
        kernel_environ: None) -> None:
    log: list[str] = []
    failures: list[Exception] = [HelperError("wrong code", kind="InvalidCode", code=-32000)]
    clients: list[FakeClient] = []

    def spawn() -> FakeClient:
        clients.append(FakeClient(log, failures.pop(0) if failures else None))
        return clients[-1]

    helper = KernelHelper(spawn)
    with pytest.raises(Failure) as contract:
        helper.call("awsLogin/completeLogin", {})
    assert contract.value.kind == "InvalidCode"
    assert helper.running  # a contract error says nothing bad about the process
    clients[0].fail_with = HelperExited("The aws-login-bridge helper exited (code 1).")
    with pytest.raises(Failure) as exited:
        helper.call("awsLogin/status", {})
    assert exited.value.kind == "HelperUnavailable"
    assert not helper.running
    assert helper.call("awsLogin/status", {}) == {"ok": True}
    clients[1].fail_with = TimeoutError("no answer")
    with pytest.raises(Failure) as silent:
        helper.call("awsLogin/status", {}, timeout=7)
    assert silent.value.kind == "HelperUnavailable"
    assert silent.value.message == "it did not answer within 7 s; try again"
    # One request ran out of time; the helper, which others share, stays.
    assert helper.running and log.count("close") == 1  # the exited one only
    clients[1].fail_with = None
    assert helper.call("awsLogin/status", {}) == {"ok": True}
    assert len(clients) == 2


def test_notifications_fan_out_to_subscribers(kernel_environ: None) -> None:
    client = FakeClient([])
    helper = KernelHelper(lambda: client)
    seen: list[dict[str, Any]] = []
    unsubscribe = helper.subscribe(seen.append)
    helper.call("awsLogin/status", {})
    client.callbacks["awsLogin/sessionChanged"]({"profile": "nb", "state": "refreshed"})
    unsubscribe()
    client.callbacks["awsLogin/sessionChanged"]({"profile": "nb", "state": "expired"})
    assert seen == [{"profile": "nb", "state": "refreshed"}]


def test_fingerprint_hides_values(kernel_environ: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    assert "very-secret-value" not in environment_fingerprint()


def test_a_kernel_uses_its_servers_helper_only_while_it_sees_aws_the_same_way(
        kernel_environ: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/somewhere/config")
    assert not kernel_link.server_available()  # not started by such a server
    for name in kernel_link.VARIABLES:
        monkeypatch.delenv(name, raising=False)
    before = environment_fingerprint()
    key = kernel_link.advertise("http://127.0.0.1:8888/")  # what the server does
    try:
        assert environment_fingerprint() == before  # the link's own variables do not count
        assert kernel_link.server_available()
        assert os.environ[kernel_link.URL_VARIABLE] == "http://127.0.0.1:8888"
        assert kernel_link.key_matches(key, key)
        assert not kernel_link.key_matches(key, None) and not kernel_link.key_matches(key, "x")
        monkeypatch.setenv("AWS_PROFILE", "other")  # choosing a profile changes nothing
        assert kernel_link.server_available()
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1")  # this does
        assert not kernel_link.server_available()
    finally:
        kernel_link.withdraw()
    assert not any(name in os.environ for name in kernel_link.VARIABLES)


def test_aws_use_switches_this_kernel_and_drops_boto3s_default_session(
        kernel_environ: None, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    monkeypatch.setenv("AWS_PROFILE", "default")  # and restored after the test
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", object())  # one built before the switch
    helper = ScriptedHelper()  # %aws_use asks whether the profile assumes a role
    monkeypatch.setattr(AwsLoginMagics, "_helper", lambda self: helper)
    magics = AwsLoginMagics(shell=None)
    magics.aws_use("lab")
    assert os.environ["AWS_PROFILE"] == "lab"
    assert boto3.DEFAULT_SESSION is None
    assert "boto3.client(...) in this kernel now uses profile 'lab'" in capsys.readouterr().out

    magics.aws_use("'no good'")
    assert os.environ["AWS_PROFILE"] == "lab"  # a bad name changes nothing
    assert "Use letters, digits" in capsys.readouterr().err


# -- small pieces ----------------------------------------------------------------------------

def test_widgets_need_a_kernel() -> None:
    assert not widgets_available(None)
    assert not widgets_available(types.SimpleNamespace())  # terminal IPython: no .kernel
    assert widgets_available(types.SimpleNamespace(kernel=object()))


def test_current_profile_follows_botocore_order(kernel_environ: None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert kernel_env.current_profile() == "default"
    monkeypatch.setenv("AWS_PROFILE", "b")
    assert kernel_env.current_profile() == "b"
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "a")
    assert kernel_env.current_profile() == "a"


def test_status_lines_list_problems() -> None:
    lines = status_lines({"profile": "nb", "loginSession": ARN, "accountId": "123456789012",
                          "region": "us-east-1", "expiresAt": "2026-11-26T08:30:00Z",
                          "credentialSource": "env",
                          "problems": [{"kind": "EnvKeysWin", "message": "Keys win."},
                                       {"kind": "SessionExpired", "message": "Run: cli"}]})
    assert "credentials until: 2026-11-26 08:30 UTC" in "\n".join(lines)
    assert lines[-3:] == ["Problems:", "  - Keys win.",
                          "  - " + friendly(Failure("RefreshRequired", ""), "nb")]


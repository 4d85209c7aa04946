"""The ``%aws_login`` panel: an ipywidgets form around one ``flow.SignIn``.

Profile and region fields, a link that opens the sign-in page in a new tab (and the URL as
selectable text), a field for the verification code, "Complete sign-in", and one status
line. Widget callbacks run on the kernel's main thread; session notifications from the
helper arrive on its reader thread and only touch the status and summary.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

import ipywidgets as widgets

from aws_login_jupyter.flow import Helper, Outcome, SignIn, Started, show_time, summarize
from aws_login_jupyter.messages import RETRYABLE_KINDS, Failure, friendly

WAITING_TEXT = ("Open the sign-in page, sign in with your AWS Console session, then paste the "
                "verification code here and press Complete sign-in.")
COLOURS = {"info": "#545b64", "error": "#d13212", "success": "#1d8102"}
_LINK_STYLE = ("display:inline-block;padding:4px 14px;border-radius:4px;background:#ff9900;"
               "color:#16191f;font-weight:600;text-decoration:none")

_last: LoginPanel | None = None
_registry_lock = threading.Lock()


def last_panel() -> LoginPanel | None:
    """The panel the latest ``%aws_login`` showed (tests and scripts drive it through this)."""
    return _last


def _remember(panel: LoginPanel) -> None:
    global _last
    with _registry_lock:
        _last = panel


class LoginPanel:
    """State machine: starting → waiting ⇄ working → done (or needs-region / conflict / failed)."""

    def __init__(self, helper: Helper, subscribe: Callable[[Callable[[dict[str, Any]], None]],
                                                           Callable[[], None]] | None,
                 profile: str, region: str | None, *, set_profile: bool = True,
                 profiles: Sequence[str] = ()) -> None:
        self.helper = helper
        self._subscribe = subscribe
        self._unsubscribe: Callable[[], None] | None = None
        self.set_profile = set_profile
        self.signin = SignIn(helper)
        self.state = "starting"
        self.status_text = ""
        self.outcome: Outcome | None = None
        self._syncing = False

        text_layout = widgets.Layout(width="18em")
        self.profile = widgets.Combobox(
            value=profile, options=tuple(profiles), description="Profile",
            ensure_option=False, continuous_update=False, layout=text_layout)
        self.region = widgets.Text(
            value=region or "", placeholder="us-east-1", description="Region",
            continuous_update=False, layout=text_layout)
        self.link = widgets.HTML()
        self.url = widgets.HTML()
        self.code = widgets.Password(
            placeholder="Paste the verification code", description="Verification code",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="28em"))
        self.complete_button = widgets.Button(
            description="Complete sign-in", button_style="primary", icon="check")
        self.replace_button = widgets.Button(
            description="Replace", button_style="warning",
            tooltip="Point the profile at this new login session",
            layout=widgets.Layout(display="none"))
        self.status = widgets.HTML()
        self.summary = widgets.HTML()
        self.code_row = widgets.HBox([self.code, self.complete_button, self.replace_button])
        self.widget = widgets.VBox(
            [
                widgets.HTML("<b>AWS sign-in</b> <small>(aws-login-bridge, remote flow)</small>"),
                widgets.HBox([self.profile, self.region]),
                self.link,
                self.url,
                self.code_row,
                self.status,
                self.summary,
            ],
            layout=widgets.Layout(border="1px solid #d5dbdb", padding="8px", width="auto"),
        )
        self.widget.add_class("aws-login-panel")
        self.complete_button.on_click(lambda _button: self.complete())
        self.replace_button.on_click(lambda _button: self.complete(replace_existing=True))
        self.profile.observe(self._on_field_change, names="value")
        self.region.observe(self._on_field_change, names="value")
        _remember(self)

    # -- showing --------------------------------------------------------------------------

    @property
    def authorize_url(self) -> str | None:
        started = self.signin.started
        return started.authorize_url if started else None

    def _say(self, text: str, tone: str = "info") -> None:
        self.status_text = text
        self.status.value = (f'<span class="aws-login-status" style="color:{COLOURS[tone]}">'
                             f"{escape(text, quote=False)}</span>")

    def _show_link(self, started: Started | None) -> None:
        if started is None:
            self.link.value = ""
            self.url.value = ""
            return
        href = escape(started.authorize_url, quote=True)
        self.link.value = (f'<a class="aws-login-open" href="{href}" target="_blank" '
                           f'rel="noopener" style="{_LINK_STYLE}">Open sign-in page ↗</a>')
        self.url.value = (
            "<small>Or copy this URL into a browser where you are signed in to the AWS "
            f'Console:</small><br><code class="aws-login-url" style="user-select:all;'
            f'word-break:break-all;font-size:85%">{escape(started.authorize_url)}</code>')

    def _set_editable(self, fields: bool, code: bool) -> None:
        self.profile.disabled = not fields
        self.region.disabled = not fields
        self.code.disabled = not code
        self.complete_button.disabled = not code

    def _show_replace(self, visible: bool) -> None:
        self.replace_button.layout.display = None if visible else "none"

    def _show_summary(self) -> None:
        if self.outcome is None:
            self.summary.value = ""
            return
        items = "".join(f"<li>{escape(line, quote=False)}</li>"
                        for line in self.outcome.lines()[1:])
        self.summary.value = f'<ul class="aws-login-summary" style="margin:4px 0">{items}</ul>'

    # -- steps ----------------------------------------------------------------------------

    def start(self, note: str | None = None, tone: str = "info") -> None:
        """(Re)start the sign-in with the fields' values; ``note`` replaces the usual hint."""
        self.state = "starting"
        self.outcome = None
        self._show_summary()
        self._show_replace(False)
        self._set_editable(fields=False, code=False)
        self._say("Preparing the sign-in link…")
        profile = self.profile.value.strip() or "default"
        region = self.region.value.strip() or None
        try:
            started = self.signin.start(profile, region)
        except Failure as failure:
            self._show_link(None)
            self.state = "needs-region" if failure.kind == "RegionRequired" else "failed"
            self._set_editable(fields=True, code=False)
            self._say(friendly(failure, profile), "error")
            return
        self._syncing = True
        try:
            self.region.value = started.region
        finally:
            self._syncing = False
        self._show_link(started)
        self.state = "waiting"
        self._set_editable(fields=True, code=True)
        self._say(note or WAITING_TEXT, tone)

    def _on_field_change(self, _change: dict[str, Any]) -> None:
        if self._syncing or self.state == "working":
            return
        self.start()

    def complete(self, replace_existing: bool = False) -> None:
        """The "Complete sign-in" (and "Replace") button."""
        if self.state == "working":
            return
        code = self.code.value.strip()
        if self.signin.started is None:
            self._say("There is no sign-in waiting for a code — change the profile or region, "
                      "or run %aws_login again.", "error")
            return
        if not code:
            self._say("Paste the verification code from the sign-in page first.", "error")
            return
        self.state = "working"
        self._set_editable(fields=False, code=False)
        self._say("Completing sign-in…")
        profile = self.signin.started.profile
        try:
            result = self.signin.complete(code, replace_existing=replace_existing)
        except Failure as failure:
            self._after_failure(failure, profile)
            return
        self._after_success(result)

    def _after_failure(self, failure: Failure, profile: str) -> None:
        message = friendly(failure, profile)
        if failure.kind in RETRYABLE_KINDS:
            self.state = "waiting"
            self._set_editable(fields=True, code=True)
            self._say(message, "error")
        elif failure.kind == "SessionConflict":
            self.state = "conflict"
            self._set_editable(fields=True, code=False)
            self._show_replace(True)
            self.replace_button.disabled = False
            self._say(message, "error")
        else:
            # The helper has spent this login: a fresh link, and the old code is useless.
            self.code.value = ""
            self.start(note=f"{message}. A new sign-in link is ready above.", tone="error")

    def _after_success(self, result: dict[str, Any]) -> None:
        self.code.value = ""  # spent, and widget state may be saved with the notebook
        self._show_replace(False)
        self._show_link(None)
        self.code_row.layout.display = "none"
        self.outcome = summarize(self.helper, result, set_profile=self.set_profile)
        self.state = "done"
        self._set_editable(fields=False, code=False)
        self._say(self.outcome.lines()[0], "success")
        self._show_summary()
        if self._subscribe is not None and self._unsubscribe is None:
            self._unsubscribe = self._subscribe(self._on_session_changed)

    def _on_session_changed(self, params: dict[str, Any]) -> None:
        """Keep a finished panel truthful while the kernel lives (helper reader thread)."""
        outcome = self.outcome
        if self.state != "done" or outcome is None or params.get("profile") != outcome.profile:
            return
        state = params.get("state")
        if state in ("active", "refreshed") and params.get("expiresAt"):
            outcome.expires_at = str(params["expiresAt"])
            self._show_summary()
            if state == "refreshed":
                self._say(f"{outcome.lines()[0]} Credentials refreshed "
                          f"(valid until {show_time(outcome.expires_at)}).", "success")
        elif state == "expired":
            self._say(f"The sign-in of profile '{outcome.profile}' has ended — run "
                      f"%aws_login --profile {outcome.profile} again.", "error")
        elif state == "loggedOut":
            self._say(f"Profile '{outcome.profile}' was logged out — run "
                      f"%aws_login --profile {outcome.profile} to sign in again.", "error")

    def close(self) -> None:
        """Cancel a pending sign-in and stop listening (e.g. %unload_ext)."""
        self.signin.cancel()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


class PanelDisplay:
    """What ``display()`` gets: the widget, plus a plain-text line for front ends without
    widgets (``jupyter console``, nbconvert), which otherwise show only a widget repr."""

    def __init__(self, panel: LoginPanel) -> None:
        self.panel = panel

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = dict(self.panel.widget._repr_mimebundle_(**kwargs) or {})
        profile = self.panel.profile.value or "default"
        bundle["text/plain"] = (
            "The AWS sign-in panel needs a front end that shows widgets (JupyterLab, "
            f"Notebook, VS Code). Here, run: %aws_login --text --profile {profile}")
        return bundle

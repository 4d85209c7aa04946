"""Plays the human at the browser, with nothing but plain HTTP (stdlib ``urllib``).

``sign_in(authorize_url)`` does what a person does on the emulator's pages: opens the
sign-in page, presses "Continue as …", and then either reads the verification code off
the confirmation page (cross-device) or lets the browser follow the redirect to the app's
127.0.0.1 callback (same-device). Works against the emulator's own HTML only.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

__all__ = ["SignInError", "cancel", "sign_in"]

_MAX_REDIRECTS = 5


class SignInError(RuntimeError):
    """The browser part failed: an error page, an unexpected page, or no connection."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Redirects are followed by hand so the person can tell the callback hop apart.
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


# No proxies: every URL here is loopback, and a proxy from the environment would break it.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


class _PageReader(HTMLParser):
    """Collects the sign-in form, the verification code and any error text."""

    def __init__(self) -> None:
        super().__init__()
        self.form_action: str | None = None
        self.form_fields: list[tuple[str, str]] = []
        self.buttons: dict[str, tuple[str, str]] = {}  # value -> (name, value)
        self.verification_code: str | None = None
        self.errors: list[str] = []
        self._in_form = False
        self._capture: str | None = None  # "code" | "error"
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._in_form = True
            self.form_action = a.get("action", "")
        elif tag == "input" and self._in_form and a.get("type") == "hidden" and "name" in a:
            self.form_fields.append((a["name"], a.get("value", "")))
        elif tag == "button" and self._in_form and a.get("name"):
            self.buttons[a.get("value", "")] = (a["name"], a.get("value", ""))
        elif a.get("id") == "verification-code":
            self._capture, self._text = "code", []
        elif a.get("id") in ("error-title", "error-details"):
            self._capture, self._text = "error", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "li" and self._capture:
            self._text.append("; ")
        elif self._capture and tag in ("code", "pre", "span", "div", "h2", "ul"):
            text = " ".join("".join(self._text).split()).strip("; ")
            if self._capture == "code":
                self.verification_code = text
            else:
                self.errors.append(text)
            self._capture = None

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._text.append(data)


def _fetch(url: str, data: bytes | None, timeout: float) -> tuple[int, dict[str, str], str]:
    headers = {"User-Agent": "aws-login-bridge-person/1", "Accept": "text/html"}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(url, data=data, headers=headers,
                                 method="POST" if data is not None else "GET")
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers.items()), resp.read().decode("utf-8",
                                                                              "replace")
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace")
        return e.code, dict(e.headers.items()), body
    except (urllib.error.URLError, OSError) as e:
        raise SignInError(f"could not reach {_where(url)}: {e}") from e


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"  # no query: it may hold a code


def _read(body: str) -> _PageReader:
    reader = _PageReader()
    reader.feed(body)
    reader.close()
    return reader


def _is_loopback_callback(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname == "127.0.0.1" and (
        parts.path == "/oauth/callback"
    )


def _press(authorize_url: str, button: str, timeout: float) -> str | None:
    status, _, body = _fetch(authorize_url, None, timeout)
    page = _read(body)
    if status != 200:
        detail = "; ".join(page.errors) or f"HTTP {status}"
        raise SignInError(f"the sign-in page refused the request: {detail}")
    if page.form_action is None or button not in page.buttons:
        raise SignInError("the sign-in page has no sign-in form")
    name, value = page.buttons[button]
    form = urlencode([*page.form_fields, (name, value)]).encode()
    url = urljoin(authorize_url, page.form_action)
    status, headers, body = _fetch(url, form, timeout)

    for _ in range(_MAX_REDIRECTS):
        if status not in (301, 302, 303, 307, 308):
            break
        location = urljoin(url, headers.get("Location", ""))
        if _is_loopback_callback(location):
            # Same-device: the browser lands on the app's listener. Its answer is the
            # app's business; the person's part is done once the request arrived.
            _fetch(location, None, timeout)
            return None
        url = location
        status, headers, body = _fetch(url, None, timeout)

    page = _read(body)
    if status != 200:
        detail = "; ".join(page.errors) or f"HTTP {status}"
        raise SignInError(f"sign-in failed: {detail}")
    if page.verification_code:
        return page.verification_code
    if button == "deny":
        return None
    raise SignInError("sign-in finished on a page without a verification code")


def sign_in(authorize_url: str, *, timeout: float = 10.0) -> str | None:
    """Sign in through the emulator's pages as its configured console identity.

    Returns the verification code shown to the person (cross-device), or None once the
    browser has been redirected to the app's 127.0.0.1 callback (same-device).
    """
    return _press(authorize_url, "allow", timeout)


def cancel(authorize_url: str, *, timeout: float = 10.0) -> None:
    """Open the sign-in page and press "Cancel" (same-device: the callback gets an error)."""
    _press(authorize_url, "deny", timeout)

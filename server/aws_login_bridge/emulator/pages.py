"""The HTML a person (or Playwright, or ``person``) sees in the browser.

Plain server-rendered pages with real ``<form method="post">`` elements: no script is
needed to sign in, so a headless browser and a plain HTTP client behave identically.
Every interpolated value goes through ``html.escape``.
"""

from __future__ import annotations

from html import escape

from .identity import Identity

TITLE = "AWS Sign-In (local emulator)"

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f2f3f3;
color:#16191f;margin:0}
main{max-width:34rem;margin:3rem auto;background:#fff;border-radius:8px;padding:2rem;
box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:1.35rem;margin-top:0}
.banner{background:#fff7e6;border:1px solid #f2c063;border-radius:4px;padding:.5rem .75rem;
font-size:.85rem}
.arn,code{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
button{font-size:1rem;padding:.55rem 1.2rem;border-radius:20px;border:1px solid #545b64;
background:#fff;cursor:pointer;margin-right:.5rem}
button.primary{background:#ff9900;border-color:#ff9900;color:#16191f;font-weight:600}
#verification-code{display:block;font-size:1.1rem;background:#f2f3f3;padding:.75rem;
border-radius:4px;user-select:all}
.error{color:#d13212}
"""


def _page(body: str) -> str:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width\"><title>{TITLE}</title>"
        f"<style>{_STYLE}</style></head><body><main>\n<h1>{TITLE}</h1>\n"
        "<p class=\"banner\">This is the aws-login-bridge emulator running on your machine, "
        "not AWS. The credentials it issues work only against it.</p>\n"
        f"{body}\n</main></body></html>\n"
    )


def authorize(identity: Identity, client_id: str, request_id: str) -> str:
    flow = "this device" if client_id.endswith("/same-device") else "another device"
    return _page(
        f"<p>An application on {escape(flow)} (client <code>{escape(client_id)}</code>) is "
        "asking for AWS credentials for local development.</p>\n"
        "<p>You are signed in to the AWS Management Console as:</p>\n"
        "<ul id=\"identities\"><li>"
        f"<span class=\"arn\" id=\"identity-arn\">{escape(identity.arn)}</span> "
        f"(account <span id=\"account-id\">{escape(identity.account_id)}</span>)</li></ul>\n"
        "<form method=\"post\" action=\"/v1/authorize\" id=\"sign-in-form\">\n"
        f"<input type=\"hidden\" name=\"request_id\" value=\"{escape(request_id)}\">\n"
        "<button type=\"submit\" class=\"primary\" id=\"continue\" name=\"action\" "
        f"value=\"allow\">Continue as {escape(identity.display_name)}</button>\n"
        "<button type=\"submit\" id=\"cancel\" name=\"action\" value=\"deny\">Cancel</button>\n"
        "</form>"
    )


def confirmation(verification_code: str) -> str:
    # The code element holds the code and nothing else, so textContent is the exact code.
    return _page(
        "<h2 id=\"sign-in-complete\">Sign-in complete</h2>\n"
        "<p>Copy this verification code and paste it into the application that asked you "
        "to sign in:</p>\n"
        f"<code id=\"verification-code\">{escape(verification_code)}</code>\n"
        "<p class=\"hint\" id=\"copy-hint\">Select the code and copy it (Ctrl+C, or ⌘C on "
        "a Mac). The code is valid for a few minutes and can be used once.</p>"
    )


def cancelled() -> str:
    return _page(
        "<h2 id=\"sign-in-cancelled\">Sign-in cancelled</h2>\n"
        "<p>No credentials were issued. You can close this tab.</p>"
    )


def error(title: str, problems: list[str]) -> str:
    items = "".join(f"<li>{escape(p)}</li>" for p in problems)
    return _page(
        f"<h2 class=\"error\" id=\"error-title\">{escape(title)}</h2>\n"
        f"<ul class=\"error\" id=\"error-details\">{items}</ul>"
    )


def index(base_url: str) -> str:
    return _page(
        "<p>Endpoints: <code>GET /v1/authorize</code>, <code>POST /v1/token</code>, "
        "STS <code>POST /</code>, control <code>/_emulator/*</code>.</p>\n"
        f"<p>Point SDKs here with <code>AWS_ENDPOINT_URL_SIGNIN={escape(base_url)}</code> "
        f"and <code>AWS_ENDPOINT_URL_STS={escape(base_url)}</code>.</p>"
    )

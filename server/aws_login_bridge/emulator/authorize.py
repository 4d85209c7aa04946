"""The browser half: the sign-in page, its form, and the confirmation page.

``GET /v1/authorize`` validates the client's request strictly and shows the console
identity with a "Continue as …" form. Submitting it mints a single-use authorization code
bound to the request and sends the browser to the request's ``redirect_uri``: for the
same-device client that is the app's 127.0.0.1 loopback listener; for the cross-device
client it is this server's confirmation page, which shows the verification code
(base64 of ``code=…&state=…``) for the person to copy into the app.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlencode

from . import mint, pages
from .context import CLIENT_IDS, CONFIRMATION_PATH, CROSS_DEVICE, SAME_DEVICE, Context
from .pkce import CHALLENGE_METHOD, challenge_is_well_formed
from .store import PENDING_AUTHORIZE_TTL, AuthorizationCode, PendingAuthorization
from .wire import Request, Response, add_query

_LOOPBACK_REDIRECT_RE = re.compile(r"^http://127\.0\.0\.1:(\d{1,5})/oauth/callback$")
_STATE_RE = re.compile(r"^[\x21-\x7e]{1,512}$")
_BAD_REQUEST = "This sign-in request is not valid"


def verification_code(code: str, state: str) -> str:
    """What the cross-device person copies: standard, padded base64 of a query string."""
    return base64.b64encode(urlencode([("code", code), ("state", state)]).encode()).decode()


def _single(params: dict[str, list[str]], name: str, problems: list[str]) -> str | None:
    values = params.get(name)
    if not values:
        problems.append(f"{name} is missing")
        return None
    if len(values) > 1:
        problems.append(f"{name} is given more than once")
        return None
    return values[0]


def _check_redirect_uri(client_id: str | None, redirect_uri: str, bases: list[str],
                        problems: list[str]) -> None:
    if client_id == CROSS_DEVICE:
        allowed = [b + CONFIRMATION_PATH for b in bases]
        if redirect_uri not in allowed:
            problems.append(
                f"redirect_uri must be exactly {allowed[0]} for the cross-device client"
            )
    elif client_id == SAME_DEVICE:
        m = _LOOPBACK_REDIRECT_RE.fullmatch(redirect_uri)
        if m is None or not 1 <= int(m.group(1)) <= 65535:
            problems.append(
                "redirect_uri must be http://127.0.0.1:<port>/oauth/callback for the "
                "same-device client"
            )


def show(ctx: Context, req: Request) -> Response:
    """GET /v1/authorize: validate everything, then show the sign-in page."""
    params = req.query_params()
    problems: list[str] = []
    values = {
        name: _single(params, name, problems)
        for name in ("response_type", "client_id", "state", "code_challenge_method", "scope",
                     "redirect_uri", "code_challenge")
    }
    if values["response_type"] not in (None, "code"):
        problems.append("response_type must be code")
    client_id = values["client_id"]
    if client_id is not None and client_id not in CLIENT_IDS:
        problems.append(f"client_id must be one of {', '.join(CLIENT_IDS)}")
    if values["state"] is not None and not _STATE_RE.fullmatch(values["state"]):
        problems.append("state must be 1 to 512 printable characters")
    if values["code_challenge_method"] not in (None, CHALLENGE_METHOD):
        problems.append(f"code_challenge_method must be {CHALLENGE_METHOD}")
    if values["scope"] not in (None, "openid"):
        problems.append("scope must be openid")
    if values["code_challenge"] is not None and not challenge_is_well_formed(
        values["code_challenge"]
    ):
        problems.append(
            "code_challenge must be 43 characters of unpadded base64url "
            "(a SHA-256 digest of the code verifier)"
        )
    if values["redirect_uri"] is not None:
        _check_redirect_uri(client_id, values["redirect_uri"], ctx.bases(req.host), problems)
    if problems:
        return Response.html(400, pages.error(_BAD_REQUEST, problems))

    now = ctx.now()
    request_id = mint.opaque_id()
    with ctx.store.lock:
        ctx.store.prune(now)
        ctx.store.pending[request_id] = PendingAuthorization(
            client_id=values["client_id"] or "",
            redirect_uri=values["redirect_uri"] or "",
            state=values["state"] or "",
            code_challenge=values["code_challenge"] or "",
            expires_at=now + PENDING_AUTHORIZE_TTL,
        )
    ctx.stats.bump("authorize")
    return Response.html(200, pages.authorize(ctx.identity, values["client_id"] or "",
                                              request_id))


def submit(ctx: Context, req: Request) -> Response:
    """POST /v1/authorize: the person pressed "Continue as …" (or "Cancel")."""
    if req.content_type() != "application/x-www-form-urlencoded":
        return Response.html(400, pages.error(_BAD_REQUEST, ["the form must be form-encoded"]))
    try:
        form = parse_qs(req.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return Response.html(400, pages.error(_BAD_REQUEST, ["the form is not UTF-8"]))
    problems: list[str] = []
    request_id = _single(form, "request_id", problems)
    action = _single(form, "action", problems)
    if action not in (None, "allow", "deny"):
        problems.append("action must be allow or deny")
    if problems:
        return Response.html(400, pages.error(_BAD_REQUEST, problems))

    now = ctx.now()
    with ctx.store.lock:
        pending = ctx.store.pending.pop(request_id or "", None)
        if pending is None or pending.expires_at <= now:
            return Response.html(400, pages.error(
                "This sign-in page has expired or was already used",
                ["Start the sign-in again from your application."],
            ))
        if action == "deny":
            ctx.stats.bump("sign_in_cancelled")
            if pending.client_id == SAME_DEVICE:
                return Response.redirect(add_query(pending.redirect_uri, [
                    ("error", "access_denied"),
                    ("error_description", "The person cancelled the sign-in."),
                    ("state", pending.state),
                ]))
            return Response.html(200, pages.cancelled())
        code = mint.authorization_code()
        ctx.store.codes[code] = AuthorizationCode(
            client_id=pending.client_id,
            redirect_uri=pending.redirect_uri,
            code_challenge=pending.code_challenge,
            state=pending.state,
            signed_in_at=now,
            expires_at=now + ctx.code_ttl,
        )
    ctx.stats.bump("sign_in")
    return Response.redirect(
        add_query(pending.redirect_uri, [("code", code), ("state", pending.state)])
    )


def confirmation(ctx: Context, req: Request) -> Response:
    """GET /v1/sessions/confirmation: show the cross-device verification code."""
    params = req.query_params()
    problems: list[str] = []
    code = _single(params, "code", problems)
    state = _single(params, "state", problems)
    if problems:
        return Response.html(400, pages.error("Nothing to confirm", problems))
    with ctx.store.lock:
        record = ctx.store.codes.get(code or "")
        known = (
            record is not None
            and record.client_id == CROSS_DEVICE
            and record.state == state
        )
    if not known:
        return Response.html(400, pages.error(
            "Nothing to confirm",
            ["This confirmation link is not valid. Start the sign-in again."],
        ))
    return Response.html(200, pages.confirmation(verification_code(code or "", state or "")))

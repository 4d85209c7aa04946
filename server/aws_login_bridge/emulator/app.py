"""Routing: which request goes to which endpoint, with one safety net for bugs."""

from __future__ import annotations

import logging
import traceback

from . import authorize, control, pages, revoke, sts, token_endpoint
from .context import CONFIRMATION_PATH, TOKEN_PATH, Context
from .errors import SigninError, StsError
from .wire import Request, Response

log = logging.getLogger("aws_login_bridge.emulator")

_ROUTES = {
    ("GET", "/v1/authorize"): authorize.show,
    ("POST", "/v1/authorize"): authorize.submit,
    ("GET", CONFIRMATION_PATH): authorize.confirmation,
    ("POST", TOKEN_PATH): token_endpoint.handle,
    ("POST", revoke.REVOKE_PATH): revoke.handle,
    ("POST", "/"): sts.handle,
}


def handle(ctx: Context, req: Request) -> Response:
    ctx.stats.bump("requests")
    try:
        return _route(ctx, req)
    except Exception as e:
        # Log where it broke but not the exception text, which could quote a token.
        log.error("internal error %s in %s %s\n%s", type(e).__name__, req.method, req.path,
                  "".join(traceback.format_tb(e.__traceback__)))
        if req.path in (TOKEN_PATH, revoke.REVOKE_PATH):
            return token_endpoint.error_response(
                SigninError(500, "server_error", "internal emulator error"))
        if req.path == "/":
            return sts.error_response(StsError(500, "InternalFailure", "internal error"))
        return Response.html(500, pages.error("Internal emulator error", ["See its log."]))


def _route(ctx: Context, req: Request) -> Response:
    endpoint = _ROUTES.get((req.method, req.path))
    if endpoint is not None:
        return endpoint(ctx, req)
    if req.path.startswith("/_emulator/"):
        return control.handle(ctx, req)
    if req.method == "GET" and req.path == "/":
        # A query-protocol GET carries its Action in the URL; a browser gets an index.
        if "Action" in req.query_params():
            return sts.handle(ctx, req)
        return Response.html(200, pages.index(ctx.base_url))
    known_paths = {path for _, path in _ROUTES}
    if req.path in known_paths:
        allowed = sorted(m for m, p in _ROUTES if p == req.path)
        resp = Response.json(405, {"message": "method not allowed"})
        resp.headers.append(("Allow", ", ".join(allowed)))
        return resp
    return Response.json(404, {"message": "not found"},
                         [("x-amzn-ErrorType", "UnknownOperationException")])

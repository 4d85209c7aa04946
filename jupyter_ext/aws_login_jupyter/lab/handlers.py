"""The browser's endpoints under ``{base_url}aws-login/``, all behind Jupyter's own checks.

Every handler is an ``APIHandler`` whose methods are ``@web.authenticated``: a request
without Jupyter's token or login cookie gets 403, and a cookie-authenticated POST without
the ``_xsrf`` token gets 403 from Jupyter's XSRF check — both before the handler runs, so
nothing reaches the helper. GETs skip that check (a page on another site can make a
browser send one, with the cookie, through an ``<img src>``), so a GET only reads local
state: no call to AWS, no refresh, no file written. Everything that may reach AWS or write
a file is a POST. Answers carry only the helper's results (which never hold a
secret); the verification code goes from the request body to ``completeLogin`` and nowhere
else. The kernel endpoints (``kernel/…``) are not for browsers: see ``kernel_link``.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.iostream import StreamClosedError

from aws_login_bridge import protocol_names as names
from aws_login_jupyter.flow import COMPLETE_TIMEOUT, QUERY_TIMEOUT, START_TIMEOUT
from aws_login_jupyter.lab.hub import CLOSED, Hub, server_profile
from aws_login_jupyter.lab.kernel_link import KEY_HEADER, clamp_timeout, key_matches
from aws_login_jupyter.messages import Failure, friendly

PREFIX = "aws-login"
LOGIN_HINT = "AWS: Login"  # how a person logs in here: the command's label
KEEPALIVE = 20.0  # seconds between comments on an idle event stream (proxies drop silence)


class Refused(web.HTTPError):
    """A failed helper call, answered as JSON: its kind, one sentence, the helper's data."""

    def __init__(self, failure: Failure, profile: str | None) -> None:
        super().__init__(503 if failure.kind == "HelperUnavailable" else 422)
        self.body = {"kind": failure.kind,
                     "message": friendly(failure, profile, how_to_login=LOGIN_HINT),
                     "data": dict(failure.data)}


class BaseHandler(APIHandler):
    @property
    def hub(self) -> Hub:
        return self.settings["aws_login_hub"]

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, "the body is not JSON") from None
        if not isinstance(data, dict):
            raise web.HTTPError(400, "the body is not a JSON object")
        return data

    def text(self, data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise web.HTTPError(400, f"'{name}' is missing")
            return None
        if not isinstance(value, str):
            raise web.HTTPError(400, f"'{name}' must be text")
        return value.strip()

    async def call(self, method: str, params: dict[str, Any], timeout: float,
                   profile: str | None = None) -> Any:
        """The helper's result; a failure becomes the request's answer (``Refused``)."""
        try:
            return await self.hub.call(method, params, timeout)
        except Failure as failure:
            raise Refused(failure, profile or params.get("profile")) from None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(error, Refused):
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps(error.body))
            return
        super().write_error(status_code, **kwargs)


class StateHandler(BaseHandler):
    """What the status bar needs at start: the server's profile and its status, as the
    files say (never refreshed: a GET)."""

    @web.authenticated
    async def get(self) -> None:
        wanted = self.get_query_argument("profile", None)
        profile = wanted or server_profile() or "default"
        status = await self.call(names.STATUS, {"profile": profile, "refresh": False},
                                 QUERY_TIMEOUT)
        self.finish(json.dumps({"serverProfile": server_profile(), "status": status}))


class ProfilesHandler(BaseHandler):
    @web.authenticated
    async def get(self) -> None:
        self.finish(json.dumps(await self.call(names.LIST_PROFILES, {}, QUERY_TIMEOUT)))


class IdentityHandler(BaseHandler):
    """STS, after a refresh if one is due: a POST, so behind the XSRF check."""

    @web.authenticated
    async def post(self) -> None:
        profile = self.text(self.body(), "profile", required=False) or "default"
        self.finish(json.dumps(await self.call(names.CALLER_IDENTITY, {"profile": profile},
                                               QUERY_TIMEOUT)))


class StartHandler(BaseHandler):
    @web.authenticated
    async def post(self) -> None:
        data = self.body()
        params = {"profile": self.text(data, "profile"), "flow": "remote"}
        region = self.text(data, "region", required=False)
        if region:
            params["region"] = region
        self.finish(json.dumps(await self.call(names.START_LOGIN, params, START_TIMEOUT)))


class CompleteHandler(BaseHandler):
    @web.authenticated
    async def post(self) -> None:
        data = self.body()
        params: dict[str, Any] = {"loginId": self.text(data, "loginId")}
        if data.get("replaceExisting") is True:
            params["replaceExisting"] = True  # the tokens are still held: no new code
        else:
            params["code"] = self.text(data, "code")
        profile = self.text(data, "profile", required=False)
        role = self.text(data, "roleProfile", required=False)  # refused before the code is spent
        result = await self.call(names.COMPLETE_LOGIN, params, COMPLETE_TIMEOUT, profile)
        profile = str(result.get("profile") or profile or "default")
        if data.get("useForKernels", True) is not False:
            self.hub.use_for_kernels(await self.kernel_profile(role, profile))
        try:
            identity = await self.hub.call(names.CALLER_IDENTITY, {"profile": profile},
                                           QUERY_TIMEOUT)
        except Failure as failure:
            identity = {"problem": friendly(failure, profile, how_to_login=LOGIN_HINT)}
        self.finish(json.dumps({"login": result, "identity": identity,
                                "serverProfile": server_profile()}))


    async def kernel_profile(self, role: str | None, profile: str) -> str:
        """What kernels get after logging in ``profile``: ``role``, the role profile the
        person chose, when the helper says it assumes its role with that session; else
        ``profile``."""
        if not role or role == profile:
            return profile
        try:
            # The helper checks the name, and whose session the role is assumed with.
            status = await self.hub.call(names.STATUS, {"profile": role, "refresh": False},
                                         QUERY_TIMEOUT)
        except Failure:
            return profile
        return role if status.get("sourceProfile") == profile else profile


class CancelHandler(BaseHandler):
    @web.authenticated
    async def post(self) -> None:
        params = {"loginId": self.text(self.body(), "loginId")}
        await self.call(names.CANCEL_LOGIN, params, START_TIMEOUT)
        self.finish(json.dumps({}))


class LogoutHandler(BaseHandler):
    @web.authenticated
    async def post(self) -> None:
        params = {"profile": self.text(self.body(), "profile")}
        self.finish(json.dumps(await self.call(names.LOGOUT, params, QUERY_TIMEOUT)))


class EventsHandler(BaseHandler):
    """``sessionChanged`` (and ``serverProfile``) as server-sent events, until either side
    goes away. ``EventSource`` sends the login cookie; JupyterLab adds the token too."""

    @web.authenticated
    async def get(self) -> None:
        await stream_events(self, self.hub)


async def stream_events(handler: web.RequestHandler, hub: Hub) -> None:
    handler.set_header("Content-Type", "text/event-stream; charset=utf-8")
    handler.set_header("Cache-Control", "no-cache")
    handler.set_header("X-Accel-Buffering", "no")  # nginx in front: do not hold events back
    queue = hub.listen()
    try:
        handler.write(": connected\n\n")
        await handler.flush()
        while True:
            try:
                name, params = await asyncio.wait_for(queue.get(), KEEPALIVE)
            except asyncio.TimeoutError:
                handler.write(": keepalive\n\n")
            else:
                if name == CLOSED:
                    break
                handler.write(f"event: {name}\ndata: {json.dumps(params)}\n\n")
            await handler.flush()
    except StreamClosedError:
        pass
    finally:
        hub.forget(queue)


class KernelHandler(web.RequestHandler):
    """For kernels of this server only: they present the key the server gave them in their
    environment (``kernel_link``), not a cookie, so there is no cross-site request to guard
    against and Jupyter's XSRF check does not apply. Without the key: 403, nothing done."""

    def check_xsrf_cookie(self) -> None:
        return None

    def prepare(self) -> None:
        presented = self.request.headers.get(KEY_HEADER)
        if not key_matches(self.settings.get("aws_login_kernel_key", ""), presented):
            raise web.HTTPError(403)

    @property
    def hub(self) -> Hub:
        return self.settings["aws_login_hub"]


class KernelRpcHandler(KernelHandler):
    """One ``awsLogin/*`` request; the helper's error as the kernel's client expects it."""

    async def post(self) -> None:
        self.set_header("Content-Type", "application/json")
        try:
            method, params, timeout = kernel_request(self.request.body)
        except ValueError as error:  # nothing reached the helper
            self.answer_error(400, Failure("InvalidInput", str(error)))
            return
        try:
            result = await self.hub.call(method, params, timeout)
        except Failure as failure:
            self.answer_error(422, failure)
            return
        self.finish(json.dumps({"result": result}))

    def answer_error(self, status: int, failure: Failure) -> None:
        self.set_status(status)
        self.finish(json.dumps({"error": {"kind": failure.kind, "message": failure.message,
                                          "data": dict(failure.data)}}))


def kernel_request(body: bytes) -> tuple[str, dict[str, Any], float]:
    """``(method, params, timeout)`` of a kernel's request; ValueError says what is wrong.

    The timeout is clamped (a tiny, negative, infinite or NaN one included): it bounds this
    request's wait only, never the helper that every tab and kernel share."""
    try:
        data = json.loads(body)
        method, params = str(data["method"]), data.get("params") or {}
    except (ValueError, KeyError, TypeError):
        raise ValueError("The request is not {method, params, timeout} JSON.") from None
    if not method.startswith("awsLogin/") or not isinstance(params, dict):
        raise ValueError("Only awsLogin/* requests with object params are served here.")
    value = data.get("timeout")
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ValueError("'timeout' must be a number of seconds.")
    try:
        return method, params, clamp_timeout(None if value is None else float(value))
    except OverflowError:  # an integer beyond any float
        return method, params, clamp_timeout(math.inf)


class KernelEventsHandler(KernelHandler):
    async def get(self) -> None:
        await stream_events(self, self.hub)


def kernel_handlers(base_url: str) -> list[tuple[str, type[web.RequestHandler]]]:
    return [(url_path_join(base_url, PREFIX, "kernel", "rpc"), KernelRpcHandler),
            (url_path_join(base_url, PREFIX, "kernel", "events"), KernelEventsHandler)]


def browser_handlers(base_url: str) -> list[tuple[str, type[web.RequestHandler]]]:
    routes: list[tuple[str, type[web.RequestHandler]]] = [
        ("state", StateHandler),
        ("profiles", ProfilesHandler),
        ("identity", IdentityHandler),
        ("login/start", StartHandler),
        ("login/complete", CompleteHandler),
        ("login/cancel", CancelHandler),
        ("logout", LogoutHandler),
        ("events", EventsHandler),
    ]
    return [(url_path_join(base_url, PREFIX, path), handler) for path, handler in routes]

"""``/_emulator/*``: the test-control API, the HTTP twin of Emulator's Python methods.

Tests that drive subprocesses (the CLI, a VS Code host, a Jupyter kernel) cannot reach the
Emulator object, so every control is also an HTTP call on the same port.
"""

from __future__ import annotations

import json
from typing import Any

from .context import Context
from .faults import Fault, FaultError
from .wire import Request, Response


def stats(ctx: Context) -> dict[str, Any]:
    snapshot = ctx.stats.snapshot()
    snapshot["faults_pending"] = sum(f["remaining"] for f in ctx.faults.pending())
    snapshot["sessions_live"] = ctx.store.live_sessions(ctx.now())
    return snapshot


def reset(ctx: Context) -> None:
    """Clear faults and counters; issued sessions, tokens and keys stay valid."""
    ctx.faults.clear()
    ctx.stats.reset()


def handle(ctx: Context, req: Request) -> Response:
    action = req.path.removeprefix("/_emulator/")
    if req.method == "GET" and action == "health":
        return Response.json(200, {"ok": True, "baseUrl": ctx.base_url})
    if req.method == "GET" and action == "stats":
        return Response.json(200, stats(ctx))
    if req.method == "GET" and action == "faults":
        return Response.json(200, {"faults": ctx.faults.pending()})
    if req.method == "POST" and action == "faults":
        return _add_faults(ctx, req)
    if req.method == "POST" and action == "reset":
        reset(ctx)
        return Response.json(200, {"ok": True})
    if req.method == "POST" and action == "expire-sessions":
        n = ctx.store.expire_sessions()
        return Response.json(200, {"ok": True, "sessions": n})
    if req.method == "POST" and action == "expire-credentials":
        n = ctx.store.expire_credentials(ctx.now())
        return Response.json(200, {"ok": True, "credentials": n})
    if req.method == "POST" and action == "roles":
        return _add_role(ctx, req)
    known = {"health", "stats", "faults", "reset", "expire-sessions", "expire-credentials",
             "roles"}
    if action in known:
        return Response.json(405, {"message": f"method {req.method} not allowed here"})
    return Response.json(404, {"message": "no such control endpoint"})


def _add_role(ctx: Context, req: Request) -> Response:
    """``{"roleArn": ..., "externalId": ...}``: AssumeRole of that role then demands that
    ExternalId, as a trust policy's ``sts:ExternalId`` condition does."""
    try:
        data = json.loads(req.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return Response.json(400, {"message": "body must be JSON"})
    if not (isinstance(data, dict) and isinstance(data.get("roleArn"), str)
            and isinstance(data.get("externalId"), str)):
        return Response.json(400, {"message": "body must be {roleArn, externalId}"})
    with ctx.store.lock:
        ctx.store.external_ids[data["roleArn"]] = data["externalId"]
    return Response.json(200, {"ok": True})


def _add_faults(ctx: Context, req: Request) -> Response:
    try:
        data = json.loads(req.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return Response.json(400, {"message": "body must be JSON"})
    # One fault object, or a list of them (added in order, atomically: all or none).
    items = data if isinstance(data, list) else [data]
    try:
        faults = [Fault.from_json(item) for item in items]
    except (FaultError, TypeError) as e:
        return Response.json(400, {"message": str(e)})
    for fault in faults:
        ctx.faults.add(fault)
    return Response.json(200, {"ok": True, "faults": ctx.faults.pending()})

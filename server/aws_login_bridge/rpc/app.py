"""The helper itself: a pygls ``LanguageServer`` with a feature per declared method.

``run`` takes over stdio (``transport``), logs to stderr and serves through ``connection``.
Each call's params are parsed as declared, its outcome and duration logged, and an engine
error becomes a JSON-RPC error with ``data.kind`` (``errors``). Only pygls is imported
before the ``initialize`` answer (``rpc.serve``); the engine (botocore, cryptography)
right after it, on a worker thread, so the first real request does not pay for it either.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from lsprotocol import types as lsp
from pygls.exceptions import FeatureRequestError, JsonRpcException
from pygls.lsp.server import LanguageServer

from aws_login_bridge import __version__
from aws_login_bridge.errors import LoginBridgeError
from aws_login_bridge.logs import quiet_sdk_loggers
from aws_login_bridge.pending_logins import PendingLogins
from aws_login_bridge.protocol import METHODS, Method
from aws_login_bridge.rpc.connection import Connection
from aws_login_bridge.rpc.errors import internal_error, parse, rpc_error
from aws_login_bridge.rpc.feed import SessionFeed
from aws_login_bridge.rpc.handlers import Handlers
from aws_login_bridge.rpc.pygls_logs import PyglsRecordsWithoutPayloads
from aws_login_bridge.rpc.transport import StdioTransport
from aws_login_bridge.rpc.work import Offloader
from aws_login_bridge.watch import SessionWatcher

log = logging.getLogger("aws_login_bridge.rpc")

SWEEP_INTERVAL = 30.0  # seconds between drops of lapsed pending logins
EXIT_GRACE = 5.0  # seconds a login that is writing its files may take to finish at exit
# Besides the SDK's: pygls logs whole messages at DEBUG, asyncio is noise.
QUIET_ALSO = ("asyncio", "pygls")

Handler = Callable[[Any], Awaitable[Any]]


class BridgeServer(LanguageServer):
    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would show these to the user as window/showMessage; the log is enough.
        # Failed requests were answered (and logged) already.
        if source is not FeatureRequestError:
            log.warning("protocol error (%s)", type(error).__name__)


def run(log_level: str = "INFO") -> int:
    transport = StdioTransport.take_over()
    configure_logging(log_level)
    offload = Offloader()
    code, idle = asyncio.run(_run(transport, offload))
    if not idle:
        # A worker is still inside the engine (e.g. a stuck network call): do not wait
        # for it at interpreter exit.
        log.warning("exiting with work still running")
        sys.stderr.flush()
        os._exit(code)
    return code


async def _run(transport: StdioTransport, offload: Offloader) -> tuple[int, bool]:
    server = BridgeServer(name="aws-login-bridge", version=__version__,
                          text_document_sync_kind=lsp.TextDocumentSyncKind.None_)
    protocol = server.protocol
    protocol.set_writer(transport)
    pending = PendingLogins()
    feed = SessionFeed(SessionWatcher(), lambda method, params: protocol.notify(
        method, attrs.asdict(params)), offload)
    handlers = Handlers(pending, feed, offload)
    for method in METHODS:
        server.feature(method.name)(_logged(method, handlers.for_method(method), offload))

    background = [asyncio.create_task(_sweep(pending))]

    @server.feature(lsp.INITIALIZE)
    def on_initialize(params: lsp.InitializeParams) -> None:
        # pygls sends the answer right after this returns, before the loop runs again,
        # so notifications enabled here cannot overtake it. Watching starts now too:
        # nothing could be announced earlier, and the cold start stays uncontended.
        if not feed.enabled:
            feed.enabled = True
            background.append(asyncio.get_running_loop().create_task(feed.run()))
            # On a pool thread, not a daemon thread: exit waits for it, since a daemon
            # thread inside a C extension's import when the interpreter finalizes can
            # abort the process.
            offload.submit(_warm_up)

    transport.start_reading(asyncio.get_running_loop())
    log.info("aws-login-bridge %s serving on stdio (pid %d)", __version__, os.getpid())
    try:
        code = await Connection(transport.next_chunk, protocol, transport.write).serve()
    finally:
        for _ in range(3):  # let answers to just-cancelled requests go out first
            await asyncio.sleep(0)
        for task in background:
            task.cancel()
        pending.close_all()  # also stops same-device logins waiting for their browser
        transport.close()
    idle = offload.wait_idle(EXIT_GRACE)
    offload.shutdown()
    log.info("stopped (exit code %d)", code)
    return code, idle


def _logged(declared: Method, handler: Callable[[Any], Any], offload: Offloader) -> Handler:
    """Parse the params as declared, run the handler (a plain one on a worker thread), log the
    outcome (never the params), answer with the result as JSON."""
    method = declared.name
    on_loop = inspect.iscoroutinefunction(handler)

    async def run(params: Any) -> Any:
        started = time.perf_counter()

        def ms() -> float:
            return (time.perf_counter() - started) * 1000

        try:
            p = parse(declared.params, params, method)
            result = await (handler(p) if on_loop else offload(handler, p))
        except LoginBridgeError as error:
            log.info("%s failed: %s (%.0f ms)", method, error.kind, ms())
            raise rpc_error(error) from None
        except JsonRpcException as error:
            log.info("%s refused: %s", method, error.message)
            raise
        except Exception:
            log.exception("%s failed unexpectedly", method)
            raise internal_error() from None
        log.info("%s ok (%.0f ms)", method, ms())
        return attrs.asdict(result) if attrs.has(type(result)) else result

    return run


async def _sweep(pending: PendingLogins) -> None:
    while True:
        await asyncio.sleep(SWEEP_INTERVAL)
        if dropped := pending.sweep():
            log.info("dropped %d lapsed sign-in attempt(s)", dropped)


def _warm_up() -> None:
    """Import the engine now, while the client is still busy with `initialized`."""
    started = time.perf_counter()
    try:
        import aws_login_bridge.diagnose
        import aws_login_bridge.identity
        import aws_login_bridge.login  # noqa: F401
    except Exception:  # the request that needs it will report the problem properly
        log.debug("warm-up import failed", exc_info=True)
    else:
        log.debug("engine imported in %.0f ms", (time.perf_counter() - started) * 1000)


def configure_logging(level_name: str) -> None:
    level = getattr(logging, level_name.upper(), logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().handlers[0].addFilter(PyglsRecordsWithoutPayloads())
    quiet_sdk_loggers(level, *QUIET_ALSO)

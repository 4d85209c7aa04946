"""A small synchronous client for ``aws-login-bridge serve`` (used by the Jupyter extension
and the tests).

    from aws_login_bridge.rpc.client import HelperClient, HelperError

    with HelperClient.spawn() as client:              # starts the helper, initializes
        client.on_notification("awsLogin/sessionChanged", print)
        started = client.request("awsLogin/startLogin", {"profile": "nb", "region": "us-east-1"})
        ...

Underneath is pygls's own ``JsonRPCClient``, running on an event loop in a background
thread: ``request`` blocks only its caller, so it works the same in a plain script and
inside a Jupyter kernel (whose main thread already runs an event loop). Notification
callbacks run, in order, on one background thread of their own; a slow callback delays
later notifications but never the protocol.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, TypeVar

from lsprotocol import converters
from pygls.client import JsonRPCClient
from pygls.exceptions import JsonRpcException
from pygls.io_ import run_async
from pygls.protocol import JsonRPCProtocol
from pygls.protocol.json_rpc import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
)

from aws_login_bridge.protocol import ERROR_KINDS, SESSION_CHANGED, ErrorKind

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TIMEOUT = 60.0
START_TIMEOUT = 30.0
STDERR_KEEP = 1 << 20  # characters of the helper's log kept for ``stderr``
NotificationCallback = Callable[[Any], None]
# The declared kinds, plus the one this client adds: the helper process is gone.
HelperErrorKind = ErrorKind | Literal["HelperExited"]


class HelperError(Exception):
    """A request failed. Branch on ``kind`` (the declaration's ``data.kind``), show
    ``message``."""

    def __init__(self, message: str, *, kind: HelperErrorKind = "ServiceError",
                 code: int | None = None,
                 data: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code
        self.data: dict[str, Any] = dict(data or {})

    def __repr__(self) -> str:
        return f"HelperError(kind={self.kind!r}, code={self.code!r}, message={self.message!r})"

    @classmethod
    def from_rpc(cls, error: JsonRpcException) -> HelperError:
        data = error.data if isinstance(error.data, dict) else {}
        kind = data.get("kind") if data.get("kind") in ERROR_KINDS else "ServiceError"
        return cls(error.message, kind=kind, code=error.code, data=data)


class HelperExited(HelperError):
    """The helper process is gone (it crashed, was killed, or the client was closed).

    Its kind, ``HelperExited``, is the client's own (not a helper answer), so that code that
    branches on ``kind`` alone does not mistake a dead helper for a failing AWS service.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="HelperExited")


def default_argv() -> list[str]:
    return [sys.executable, "-m", "aws_login_bridge", "serve"]


class HelperClient:
    """One running helper. Thread-safe; also a context manager (``close`` on exit)."""

    def __init__(self) -> None:
        # Use ``spawn``; this only sets up the background loop.
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="aws-login-bridge-client")
        self._thread.start()
        self._rpc = _RpcClient()
        self._ids = itertools.count(1)
        self._callbacks: dict[str, list[NotificationCallback]] = {}
        self._callbacks_lock = threading.Lock()
        self._dispatch = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="aws-login-bridge-notify")
        self._closed = False
        self.initialize_result: dict[str, Any] | None = None
        self._listen(SESSION_CHANGED)  # so that unsubscribed notifications are not "unknown"

    # -- starting and stopping -----------------------------------------------------------

    @classmethod
    def spawn(
        cls,
        argv: Sequence[str] | None = None,
        env: Mapping[str, str] | None = None,
        *,
        cwd: str | os.PathLike[str] | None = None,
        initialize: bool = True,
        timeout: float = START_TIMEOUT,
    ) -> HelperClient:
        """Start the helper (default ``python -m aws_login_bridge serve``) and, unless told
        otherwise, do the ``initialize`` / ``initialized`` handshake."""
        client = cls()
        command = list(argv or default_argv())
        try:
            client._run(client._rpc.start(command, dict(env) if env is not None else None,
                                          cwd), timeout)
            if initialize:
                client.initialize_result = client.request(
                    "initialize",
                    {"processId": os.getpid(), "rootUri": None, "capabilities": {},
                     "clientInfo": {"name": "aws_login_bridge.rpc.client"}},
                    timeout=timeout,
                )
                client.notify("initialized", {})
        except BaseException:
            client.close(timeout=2.0)
            raise
        return client

    def close(self, timeout: float = 5.0) -> int | None:
        """``shutdown`` + ``exit``, wait for the process (kill it after ``timeout``)."""
        if self._closed:
            return self.returncode
        process = self._rpc.process
        if process is not None and process.returncode is None:
            try:
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit")
            except (HelperError, TimeoutError, OSError):
                pass
        self._closed = True
        if process is not None:
            try:
                self._run(self._rpc.finish(timeout), timeout + 5.0)
            except (TimeoutError, concurrent.futures.TimeoutError):
                log.warning("the helper did not stop in time")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self._loop.close()
        self._dispatch.shutdown(wait=False)
        return self.returncode

    def __enter__(self) -> HelperClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    # -- talking -----------------------------------------------------------------------

    def request(self, method: str, params: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """Send a request and wait for its result.

        Raises HelperError for a JSON-RPC error (``kind`` from ``data.kind``, else
        "ServiceError"), HelperExited if the helper is gone, TimeoutError after ``timeout``
        seconds (the request is then cancelled with ``$/cancelRequest``).
        """
        self._check_running()
        msg_id = next(self._ids)

        def send() -> concurrent.futures.Future[Any]:
            # Checked again on the loop thread: from here on, an exit of the helper fails
            # this request's future (pygls does that for every pending request).
            self._check_running()
            return self._rpc.send(method, params, msg_id)

        future = self._on_loop(send)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            self._quietly(lambda: self._rpc.protocol.notify("$/cancelRequest", {"id": msg_id}))
            raise TimeoutError(f"{method} got no answer within {timeout:g} s") from None
        except JsonRpcException as error:
            raise HelperError.from_rpc(error) from None
        except RuntimeError as error:  # pygls: the server process exited
            raise HelperExited(f"The aws-login-bridge helper stopped ({error}).") from None

    def notify(self, method: str, params: Any = None) -> None:
        self._check_running()
        self._on_loop(lambda: self._rpc.protocol.notify(method, params))

    def on_notification(self, method: str, callback: NotificationCallback
                        ) -> Callable[[], None]:
        """Call ``callback(params)`` for each ``method`` notification, on a background thread.
        Returns a function that unsubscribes it."""
        with self._callbacks_lock:
            self._callbacks.setdefault(method, []).append(callback)
        self._listen(method)

        def unsubscribe() -> None:
            with self._callbacks_lock:
                if callback in self._callbacks.get(method, []):
                    self._callbacks[method].remove(callback)

        return unsubscribe

    # -- about the process ---------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        return self._rpc.process.pid if self._rpc.process is not None else None

    @property
    def returncode(self) -> int | None:
        return self._rpc.process.returncode if self._rpc.process is not None else None

    @property
    def stderr(self) -> str:
        """What the helper has logged so far (its last megabyte)."""
        return self._rpc.stderr_text()

    # -- internals -----------------------------------------------------------------------

    def _listen(self, method: str) -> None:
        if method in self._rpc.protocol.fm.features:
            return

        def deliver(params: Any) -> None:
            with self._callbacks_lock:
                callbacks = list(self._callbacks.get(method, []))
            for callback in callbacks:
                self._dispatch.submit(_safely, callback, params)

        self._rpc.client.feature(method)(deliver)

    def _check_running(self) -> None:
        if self._closed:
            raise HelperExited("This helper client is closed.")
        if self.returncode is not None:
            raise HelperExited(f"The aws-login-bridge helper exited (code {self.returncode}).")

    def _run(self, coroutine: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _on_loop(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the client's loop thread (pygls is not thread-safe) and return."""
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            try:
                done.set_result(fn())
            except BaseException as error:
                done.set_exception(error)

        self._loop.call_soon_threadsafe(run)
        return done.result()

    def _quietly(self, fn: Callable[[], object]) -> None:
        try:
            self._on_loop(fn)
        except Exception:
            log.debug("could not send a cancellation", exc_info=True)


def _safely(callback: NotificationCallback, params: Any) -> None:
    try:
        callback(params)
    except Exception:
        log.exception("a notification callback failed")


def _plain_converter() -> Any:
    """pygls's default converter turns params and results into namedtuples; keep plain JSON."""
    converter = converters.get_converter()

    def plain(obj: dict[str, Any], cls: type[T]) -> T:
        return cls(**obj)

    for cls in (JsonRPCRequestMessage, JsonRPCResponseMessage, JsonRPCNotification):
        converter.register_structure_hook(cls, plain)
    return converter


class _RpcClient:
    """The helper process and pygls's client speaking to it, through pygls's public API
    (``JsonRPCClient.protocol``, ``pygls.io_.run_async``). The process is started here, not
    by ``start_io``, so that its stderr is drained (a full pipe would stall it) and the
    requests still waiting when it exits fail at once."""

    def __init__(self) -> None:
        self.client = JsonRPCClient(protocol_cls=JsonRPCProtocol,
                                    converter_factory=_plain_converter)
        self.protocol = self.client.protocol
        self.process: asyncio.subprocess.Process | None = None
        self.waiting: dict[int, concurrent.futures.Future[Any]] = {}
        self.tasks: list[asyncio.Task[None]] = []
        self.stopped = threading.Event()
        self.stderr: list[str] = []
        self.stderr_size = 0
        self.stderr_lock = threading.Lock()

    async def start(self, argv: Sequence[str], env: dict[str, str] | None,
                    cwd: str | os.PathLike[str] | None) -> None:
        pipe = asyncio.subprocess.PIPE
        self.process = process = await asyncio.create_subprocess_exec(
            *argv, stdin=pipe, stdout=pipe, stderr=pipe, env=env, cwd=cwd)
        assert process.stdin and process.stdout and process.stderr
        self.protocol.set_writer(process.stdin)
        self.tasks = [
            asyncio.create_task(run_async(stop_event=self.stopped, reader=process.stdout,
                                          protocol=self.protocol, logger=log)),
            asyncio.create_task(self._drain(process.stderr)),
            asyncio.create_task(self._fail_waiting_at_exit(process)),
        ]

    def send(self, method: str, params: Any, msg_id: int) -> concurrent.futures.Future[Any]:
        future = self.protocol.send_request(method, params, msg_id=msg_id)
        self.waiting[msg_id] = future
        future.add_done_callback(lambda _: self.waiting.pop(msg_id, None))
        return future

    async def _fail_waiting_at_exit(self, process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        for future in list(self.waiting.values()):
            if not future.done():
                future.set_exception(RuntimeError(f"it exited with code {code}"))

    async def _drain(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(65536):
            text = chunk.decode("utf-8", "replace")
            with self.stderr_lock:
                self.stderr.append(text)
                self.stderr_size += len(text)
                while self.stderr_size > STDERR_KEEP and len(self.stderr) > 1:
                    self.stderr_size -= len(self.stderr.pop(0))

    def stderr_text(self) -> str:
        with self.stderr_lock:
            return "".join(self.stderr)

    async def finish(self, timeout: float) -> None:
        """Wait for the process to exit (kill it after ``timeout``), then stop reading."""
        process = self.process
        assert process is not None
        if process.stdin is not None:
            process.stdin.close()  # EOF: a helper that missed `exit` stops too
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
        self.stopped.set()
        await asyncio.gather(*self.tasks, return_exceptions=True)

"""A small synchronous client for ``aws-login-bridge serve`` (the Jupyter extension, the tests
and the benchmarks use it)::

    with HelperClient.spawn() as client:              # starts the helper, initializes
        client.on_notification("awsLogin/sessionChanged", print)
        started = client.request("awsLogin/startLogin", {"profile": "nb", "region": "us-east-1"})

Plain threads, no event loop, so ``request`` works the same in a script and in a Jupyter
kernel (whose main thread runs one already). A thread reads the answers with the helper's own
``frames`` parser and fails every waiting request when the helper exits; another keeps its
log; callbacks run in order on a third, so a slow one never delays an answer.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal

from aws_login_bridge.protocol_names import ERROR_KINDS, ErrorKind
from aws_login_bridge.rpc.frames import Body, FrameParser, encode
from aws_login_bridge.rpc.launch import launch

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
START_TIMEOUT = 30.0
STDERR_KEEP = 1 << 20  # bytes of the helper's log kept for ``stderr``
NotificationCallback = Callable[[Any], None]
# The declared kinds, plus the one this client adds: the helper process is gone.
HelperErrorKind = ErrorKind | Literal["HelperExited"]


class HelperError(Exception):
    """A request failed. Branch on ``kind`` (the declaration's ``data.kind``), show
    ``message``."""

    def __init__(self, message: str, *, kind: HelperErrorKind = "ServiceError",
                 code: int | None = None, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.code = code
        self.data: dict[str, Any] = dict(data or {})

    @classmethod
    def from_answer(cls, error: Mapping[str, Any]) -> HelperError:
        data = error.get("data") if isinstance(error.get("data"), dict) else {}
        kind = data.get("kind") if data.get("kind") in ERROR_KINDS else "ServiceError"
        return cls(str(error.get("message", "")), kind=kind, code=error.get("code"), data=data)


class HelperExited(HelperError):
    """The helper process is gone (crashed, killed, or closed). The kind is the client's own,
    so code that branches on ``kind`` does not take a dead helper for a failing service."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind="HelperExited")


class HelperClient:
    """One running helper. Thread-safe; also a context manager (``close`` on exit)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None and process.stderr
        self._process = process
        self._stdin = process.stdin
        self._ids = itertools.count(1)
        self._lock = threading.Lock()  # guards _waiting and _callbacks
        self._write_lock = threading.Lock()
        self._waiting: dict[int, concurrent.futures.Future[dict[str, Any]]] = {}
        self._callbacks: dict[str, list[NotificationCallback]] = {}
        self._closed = False
        self._log = bytearray()
        self._deliver = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="aws-login-bridge-notify")
        self._threads = [threading.Thread(target=self._read, daemon=True, name="helper-answers"),
                         threading.Thread(target=self._drain, daemon=True, name="helper-log")]
        for thread in self._threads:
            thread.start()
        self.initialize_result: dict[str, Any] | None = None

    @classmethod
    def spawn(cls, argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None, *,
              cwd: str | os.PathLike[str] | None = None, initialize: bool = True,
              timeout: float = START_TIMEOUT) -> HelperClient:
        """Start the helper (default ``python -P -m aws_login_bridge serve``) and, unless
        told otherwise, do the ``initialize`` / ``initialized`` handshake.

        It runs in ``cwd`` if that is a private folder of this user, else in the home
        folder, never in this process's working folder, and with the safe-path switch:
        ``launch`` decides both."""
        command, environment, folder = launch(argv, env, cwd)
        pipe = subprocess.PIPE
        client = cls(subprocess.Popen(command, stdin=pipe, stdout=pipe, stderr=pipe,
                                      env=environment, cwd=folder))
        try:
            if initialize:
                client.initialize_result = client.request("initialize", {
                    "processId": os.getpid(), "rootUri": None, "capabilities": {},
                    "clientInfo": {"name": "aws_login_bridge.rpc.client"}}, timeout=timeout)
                client.notify("initialized", {})
        except BaseException:
            client.close(timeout=2.0)
            raise
        return client

    def close(self, timeout: float = 5.0) -> int | None:
        """``shutdown`` + ``exit``, wait for the process (kill it after ``timeout``)."""
        if self._closed:
            return self.returncode
        with contextlib.suppress(HelperError, TimeoutError, OSError):
            self.request("shutdown", None, timeout=timeout)
            self.notify("exit")
        self._closed = True
        with self._write_lock, contextlib.suppress(OSError):
            self._stdin.close()  # end of input stops a helper that missed `exit` too
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("the helper did not stop in time")
            self._process.kill()
            self._process.wait()
        for thread in self._threads:
            thread.join(timeout)
        self._deliver.shutdown(wait=False)
        return self.returncode

    def __enter__(self) -> HelperClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def request(self, method: str, params: Any = None, timeout: float = DEFAULT_TIMEOUT) -> Any:
        """The result; HelperError for an error answer (``kind`` from ``data.kind``), HelperExited
        if the helper is gone, TimeoutError after ``timeout`` s (then ``$/cancelRequest``)."""
        msg_id = next(self._ids)
        future: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        with self._lock:
            self._check_running()
            self._waiting[msg_id] = future
        try:
            self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
            answer = future.result(timeout)
        except concurrent.futures.TimeoutError:
            with contextlib.suppress(HelperError):
                self.notify("$/cancelRequest", {"id": msg_id})
            raise TimeoutError(f"{method} got no answer within {timeout:g} s") from None
        finally:
            with self._lock:
                self._waiting.pop(msg_id, None)
        if "error" in answer:
            raise HelperError.from_answer(answer["error"] or {})
        return answer.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        with self._lock:
            self._check_running()
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def on_notification(self, method: str, callback: NotificationCallback) -> None:
        """Call ``callback(params)`` for each ``method`` notification, on a background thread."""
        with self._lock:
            self._callbacks.setdefault(method, []).append(callback)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        return self._process.poll()

    @property
    def stderr(self) -> str:
        """What the helper has logged so far (its last megabyte)."""
        with self._lock:
            return self._log.decode("utf-8", "replace")

    def _check_running(self) -> None:  # with self._lock held
        if self._closed:
            raise HelperExited("This helper client is closed.")
        if self.returncode is not None:
            raise HelperExited(f"The aws-login-bridge helper exited (code {self.returncode}).")

    def _send(self, message: dict[str, Any]) -> None:
        try:
            with self._write_lock:
                self._stdin.write(encode(json.dumps(message).encode()))
                self._stdin.flush()
        except (OSError, ValueError):  # a broken pipe, or stdin closed by `close`
            raise HelperExited("The aws-login-bridge helper stopped reading.") from None

    def _read(self) -> None:
        parser = FrameParser(max_body=sys.maxsize)  # the helper is trusted: no size limit
        with self._process.stdout as stdout:  # type: ignore[union-attr]
            while chunk := stdout.read1(65536):
                parser.feed(chunk)
                while (event := parser.next()) is not None:
                    if isinstance(event, Body):
                        self._receive(event.data)
                    else:
                        log.warning("the helper wrote a malformed frame: %s", event.message)
        code = self._process.wait()
        with self._lock:  # requests check returncode under this lock: none can slip in now
            waiting = list(self._waiting.values())
        for future in (f for f in waiting if not f.done()):
            future.set_exception(HelperExited(
                f"The aws-login-bridge helper stopped (it exited with code {code})."))

    def _receive(self, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            log.warning("the helper wrote something that is not a JSON-RPC message")
        elif "method" not in message:
            with self._lock:
                future = self._waiting.get(message.get("id"))  # type: ignore[arg-type]
            if future is not None and not future.done():
                future.set_result(message)
        elif "id" not in message:
            with self._lock:
                callbacks = list(self._callbacks.get(message["method"], []))
            for callback in callbacks:
                with contextlib.suppress(RuntimeError):  # closed: nobody listens any more
                    self._deliver.submit(_safely, callback, message.get("params"))

    def _drain(self) -> None:
        with self._process.stderr as stderr:  # type: ignore[union-attr]
            while chunk := stderr.read1(65536):
                with self._lock:
                    self._log += chunk
                    del self._log[:-STDERR_KEEP]


def _safely(callback: NotificationCallback, params: Any) -> None:
    try:
        callback(params)
    except Exception:
        log.exception("a notification callback failed")

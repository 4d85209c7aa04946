"""The kernel's one helper process (``aws-login-bridge serve``), started on first use.

Every magic and panel in a kernel shares it. It is spawned with the kernel's environment
(so AWS_CONFIG_FILE, AWS_ENDPOINT_URL_* and friends set in the kernel apply), respawned when
those settings change or the process has died, and shut down when the kernel exits.
Failures come out as ``messages.Failure`` so that callers branch on ``kind`` only.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Callable
from typing import Any, Protocol

from aws_login_bridge.protocol_names import SESSION_CHANGED
from aws_login_jupyter.aws_settings import environment_fingerprint
from aws_login_jupyter.lab import kernel_link
from aws_login_jupyter.messages import Failure

Listener = Callable[[dict[str, Any]], None]


class Client(Protocol):
    """The part of ``aws_login_bridge.rpc.client.HelperClient`` this package uses."""

    def request(self, method: str, params: dict[str, Any] | None = None,
                timeout: float = ...) -> Any: ...

    def on_notification(self, method: str, callback: Listener) -> None: ...

    def close(self) -> None: ...


def spawn_process() -> Client:
    """A helper process of our own (``aws-login-bridge serve``), for the server and for a
    kernel alike: in Jupyter's runtime folder, never in the folder the server or the
    notebook was started in (``HelperClient.spawn`` adds the safe-path switch)."""
    from aws_login_bridge.rpc.client import HelperClient

    return HelperClient.spawn(cwd=runtime_folder())


def runtime_folder() -> str | None:
    """Jupyter's runtime folder (made 0700 if missing): private to this user and holding
    only Jupyter's connection files, so no module can be there to import. None where
    jupyter_core is missing (a terminal IPython): ``HelperClient.spawn`` then takes the
    home folder."""
    try:
        from jupyter_core.paths import jupyter_runtime_dir
        from jupyter_core.utils import ensure_dir_exists
    except ImportError:
        return None
    folder = jupyter_runtime_dir()
    try:
        ensure_dir_exists(folder, mode=0o700)
    except OSError:
        return None
    return folder


def _spawn_real() -> Client:
    """The Jupyter server's helper when this kernel can use it, else a process of its own."""
    if kernel_link.server_available():
        return kernel_link.ServerClient()
    return spawn_process()


class KernelHelper:
    """Owns the helper process: lazy start, reuse, restart when stale, close."""

    def __init__(self, spawn: Callable[[], Client] = _spawn_real) -> None:
        self._spawn = spawn
        self._client: Client | None = None
        self._fingerprint = ""
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []

    @property
    def running(self) -> bool:
        return self._client is not None

    def _ensure(self) -> Client:
        with self._lock:
            if self._client is None:
                try:
                    client = self._spawn()
                except Exception as error:  # any start failure is one line for the user
                    raise Failure("HelperUnavailable",
                                  f"it could not start ({type(error).__name__}: {error})") from None
                client.on_notification(SESSION_CHANGED, self._dispatch)
                self._client = client
                self._fingerprint = environment_fingerprint()
            return self._client

    def refresh_environment(self) -> None:
        """Restart the helper if the kernel's AWS_* settings changed since it started.

        Called at the start of each magic, never in the middle of a sign-in: a restart
        forgets the helper's pending logins.
        """
        with self._lock:
            if self._client is not None and self._fingerprint != environment_fingerprint():
                self.close()

    def call(self, method: str, params: dict[str, Any] | None = None,
             timeout: float = 60.0) -> Any:
        from aws_login_bridge.rpc.client import HelperError, HelperExited

        client = self._ensure()
        try:
            return client.request(method, params or {}, timeout=timeout)
        except HelperExited:
            self.close()  # gone: the next call starts a new one
            raise Failure("HelperUnavailable", "it stopped; run the command again") from None
        except HelperError as error:
            raise Failure(error.kind, error.message, error.data) from None
        except TimeoutError:
            # That request was cancelled; the helper stays. It serves others too (every tab
            # and kernel of a Jupyter server), and their pending logins live in it.
            raise Failure("HelperUnavailable", f"it did not answer within {timeout:g} s; "
                          "try again") from None
        except Exception as error:
            # A request this client could not even make (e.g. a timeout it cannot wait
            # for): that request fails, the helper stays, for the same reason.
            raise Failure("HelperUnavailable",
                          f"the request could not be made ({type(error).__name__})") from None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(params)`` for every sessionChanged; returns the unsubscribe."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _dispatch(self, params: dict[str, Any]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(params)
            except Exception:  # one broken panel must not silence the others
                continue

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            # A helper that is already gone has nothing left to shut down.
            with contextlib.suppress(Exception):
                client.close()


_kernel_helper: KernelHelper | None = None
_singleton_lock = threading.Lock()


def kernel_helper() -> KernelHelper:
    """The kernel-wide helper; the process itself starts on the first call()."""
    global _kernel_helper
    with _singleton_lock:
        if _kernel_helper is None:
            _kernel_helper = KernelHelper()
            atexit.register(close_kernel_helper)
        return _kernel_helper


def close_kernel_helper() -> None:
    """Shut the helper down (kernel exit, %unload_ext)."""
    with _singleton_lock:
        helper = _kernel_helper
    if helper is not None:
        helper.close()

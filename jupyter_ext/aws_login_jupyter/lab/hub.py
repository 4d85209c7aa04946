"""The server's one helper, shared by every browser tab and kernel of this Jupyter server.

It wraps ``KernelHelper`` (lazy start on first use, restart after a crash, one line per
failure) for the server's event loop: calls run on a worker thread, and each
``sessionChanged`` is copied into a bounded queue per listener (an event stream), on the
loop's thread. It also owns what a login changes in the server process itself:
``AWS_PROFILE``, which every kernel started afterwards inherits.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from typing import Any

from aws_login_jupyter.helper import KernelHelper, spawn_process

QUEUE_SIZE = 256  # events a slow listener may fall behind before it misses some
SESSION_EVENT = "sessionChanged"  # the helper's awsLogin/sessionChanged, as it came
SERVER_PROFILE = "serverProfile"  # the event that says which profile new kernels get
CLOSED = "closed"  # the last event of every stream

Event = tuple[str, dict[str, Any]]


def server_profile() -> str | None:
    """The profile kernels started now would use (None: boto3's own default)."""
    return os.environ.get("AWS_DEFAULT_PROFILE") or os.environ.get("AWS_PROFILE") or None


class Hub:
    def __init__(self, helper: KernelHelper | None = None) -> None:
        # Always a process of its own: the server is who kernels ask, never a client.
        self.helper = helper or KernelHelper(spawn=spawn_process)
        self._queues: set[asyncio.Queue[Event]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.helper.subscribe(self._from_helper)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop the listeners live on (the server's)."""
        self._loop = loop

    async def call(self, method: str, params: dict[str, Any] | None = None,
                   timeout: float = 60.0) -> Any:
        """One helper request, off the event loop; raises ``messages.Failure``."""
        loop = asyncio.get_running_loop()
        self._loop = self._loop or loop
        return await loop.run_in_executor(
            None, functools.partial(self.helper.call, method, params or {}, timeout))

    # -- events ---------------------------------------------------------------------------

    def listen(self) -> asyncio.Queue[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        return queue

    def forget(self, queue: asyncio.Queue[Event]) -> None:
        self._queues.discard(queue)

    def publish(self, name: str, params: dict[str, Any]) -> None:
        """On the loop thread: hand the event to every listener."""
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):  # that listener is not reading
                queue.put_nowait((name, params))

    def _from_helper(self, params: dict[str, Any]) -> None:
        # The helper client's notification thread: cross over to the loop.
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.publish, SESSION_EVENT, dict(params))

    # -- what a login changes in the server ---------------------------------------------

    def use_for_kernels(self, profile: str) -> None:
        """New kernels inherit the server's environment: give them this profile."""
        os.environ["AWS_PROFILE"] = profile
        # AWS_DEFAULT_PROFILE wins over AWS_PROFILE in botocore: one name, not two.
        os.environ.pop("AWS_DEFAULT_PROFILE", None)
        self.publish(SERVER_PROFILE, {"profile": profile})

    def close(self) -> None:
        """The server is stopping: end the event streams, stop the helper."""
        self.publish(CLOSED, {})
        self._queues.clear()
        self.helper.close()

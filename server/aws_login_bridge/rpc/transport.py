"""The helper's stdin/stdout, taken over for the protocol alone.

At start the real file descriptors 0 and 1 are duplicated for the protocol, then fd 0 is
pointed at /dev/null and fd 1 at stderr. A stray ``print()``, a C library or a child process
writing to "stdout" therefore lands in the log, never between two protocol frames, and
nothing else can read the client's bytes.

Reading happens on a daemon thread (plain blocking ``os.read``, which works on pipes on
every platform) that hands chunks to the event loop through a small bounded queue, so a
flood of input is paced by how fast the loop takes it. Writing is one locked ``os.write``
loop per message, so frames never interleave whatever thread sends them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

CHUNK = 65536
QUEUE_CHUNKS = 16


class StdioTransport:
    def __init__(self, in_fd: int, out_fd: int) -> None:
        self._in = in_fd
        self._out = out_fd
        self._lock = threading.Lock()
        self._closed = False
        self._queue: asyncio.Queue[bytes] | None = None

    @classmethod
    def take_over(cls) -> StdioTransport:
        """Claim fds 0/1 for the protocol; from now on "stdout" means stderr."""
        sys.stdout.flush()
        in_fd, out_fd = os.dup(0), os.dup(1)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.dup2(2, 1)
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as we do
        sys.stdout = sys.stderr
        return cls(in_fd, out_fd)

    # -- the pygls writer interface -----------------------------------------------------

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._closed:
                return
            view = memoryview(data)
            try:
                while view:
                    view = view[os.write(self._out, view):]
            except OSError as error:  # the client went away (EPIPE): stop writing
                self._closed = True
                log.warning("cannot write to the client any more (%s)", error.strerror)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                with contextlib.suppress(OSError):
                    os.close(self._out)

    # -- reading -----------------------------------------------------------------------

    def start_reading(self, loop: asyncio.AbstractEventLoop) -> None:
        queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_CHUNKS)
        self._queue = queue

        def pump() -> None:
            while True:
                try:
                    chunk = os.read(self._in, CHUNK)
                except OSError:
                    chunk = b""
                try:
                    asyncio.run_coroutine_threadsafe(queue.put(chunk), loop).result()
                except (RuntimeError, concurrent.futures.CancelledError):
                    return  # the loop is gone: we are exiting
                if not chunk:
                    return

        threading.Thread(target=pump, name="aws-login-bridge-stdin", daemon=True).start()

    async def next_chunk(self, timeout: float | None) -> bytes | None:
        """The next bytes from the client, b"" at end of input, None after ``timeout``."""
        assert self._queue is not None, "start_reading() first"
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

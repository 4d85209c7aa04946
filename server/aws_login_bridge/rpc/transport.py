"""The helper's stdin/stdout, taken over for the protocol alone.

The real fds 0 and 1 are duplicated for the protocol, then fd 0 is pointed at /dev/null and
fd 1 at stderr: a stray ``print()``, a C library or a child process writing to "stdout" lands
in the log, never between two frames, and nothing else can read the client's bytes.

A daemon thread reads (plain blocking ``os.read`` works on pipes on every platform) into a
small bounded queue, so a flood of input is paced by how fast the loop takes it. Writes are
one locked ``os.write`` loop per frame, so frames never interleave whatever thread sends.
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
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_CHUNKS)

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

    def write(self, data: bytes) -> None:
        """pygls's writer interface, and ours for the answers pygls never sees."""
        with self._lock:
            view = memoryview(data)
            try:
                while view and not self._closed:
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

    def start_reading(self, loop: asyncio.AbstractEventLoop) -> None:
        def pump() -> None:
            chunk = b"-"
            while chunk:
                try:
                    chunk = os.read(self._in, CHUNK)
                except OSError:
                    chunk = b""
                try:
                    asyncio.run_coroutine_threadsafe(self._queue.put(chunk), loop).result()
                except (RuntimeError, concurrent.futures.CancelledError):
                    return  # the loop is gone: we are exiting

        threading.Thread(target=pump, name="aws-login-bridge-stdin", daemon=True).start()

    async def next_chunk(self, timeout: float | None) -> bytes | None:
        """The next bytes from the client, b"" at end of input, None after ``timeout``."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

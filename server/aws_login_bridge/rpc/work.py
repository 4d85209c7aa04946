"""Blocking engine work (token exchange, STS, file locks, file reads) off the event loop.

One thread pool for all of it, sized so that several same-device logins waiting for their
browsers cannot starve ``awsLogin/status``. It counts the calls in flight so that the
helper, when it exits, can let a login that is writing its files finish (bounded) instead
of killing it between the cache file and the config file.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WORKERS = 32


class Offloader:
    def __init__(self, max_workers: int = MAX_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="aws-login-bridge")
        self._idle = threading.Condition()
        self._busy = 0

    async def __call__(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self._call, fn, args)

    def submit(self, fn: Callable[..., object], *args: Any) -> None:
        """Fire and forget (still counted: exit waits for it like for any other work)."""
        self._pool.submit(self._call, fn, args)

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        with self._idle:
            self._busy += 1
        try:
            return fn(*args)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing runs; False if work is still running after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

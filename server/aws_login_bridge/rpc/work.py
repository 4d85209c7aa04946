"""Blocking engine work (token exchange, STS, file locks, file reads) off the event loop.

One thread pool for all of it, sized so that several same-device logins waiting for their
browsers cannot starve ``awsLogin/status``. It keeps the calls in flight so that the helper,
when it exits, can let a login that is writing its files finish (bounded) instead of
killing it between the cache file and the config file.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
MAX_WORKERS = 32


class Offloader:
    def __init__(self, max_workers: int = MAX_WORKERS) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers, thread_name_prefix="aws-login-bridge")
        self._in_flight: set[concurrent.futures.Future[Any]] = set()

    async def __call__(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self._track(self._pool.submit(fn, *args)))

    def submit(self, fn: Callable[..., object], *args: Any) -> None:
        """Fire and forget (still kept: exit waits for it like for any other work)."""
        self._track(self._pool.submit(fn, *args))

    def _track(self, future: concurrent.futures.Future[T]) -> concurrent.futures.Future[T]:
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)
        return future

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing runs; False if work is still running after ``timeout``."""
        return not concurrent.futures.wait(self._in_flight.copy(), timeout).not_done

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

"""A test hook: die right here, exactly as ``kill -9`` would, when a test asks for it.

``AWS_LOGIN_BRIDGE_TEST_CRASH_AT=<point>`` (or ``<point>@<n>`` for the n-th pass) makes
``crashpoint(<point>)`` SIGKILL this process. The adversarial tests use it to prove that a
process dying between two writes loses nothing and leaves no torn file. Unset — always,
outside those tests — it costs one environment lookup and does nothing.

The points sit where a kill hurts most: between a temp file and its rename
(``atomic.written``), between a login's cache write and its config write
(``login.cache_written``), after both (``login.config_saved``), between a refresh's service
answer and its write (``refresh.answered``), and between the deletions of a logout
(``logout.removing``).
"""

from __future__ import annotations

import os

ENV_VAR = "AWS_LOGIN_BRIDGE_TEST_CRASH_AT"
_passes: dict[str, int] = {}


def crashpoint(name: str) -> None:
    target = os.environ.get(ENV_VAR)
    if not target:
        return
    point, _, nth = target.partition("@")
    if point != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] == int(nth or 1):
        import signal  # here, not at the top: ~1 ms that the credential_process path skips

        # SIGKILL, not an exception: no finally block, atexit or rollback may run.
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))

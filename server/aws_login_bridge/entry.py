"""The one entry point of ``aws-login-bridge`` and ``python -m aws_login_bridge``.

SDKs run ``credential-process`` every time their credentials near expiry, so that command
skips building the full argparse CLI (and the modules that imports) when it can; both ways
of starting the bridge take this same lane.
"""

import os
import sys


def main() -> int:
    if sys.argv[1:2] == ["credential-process"]:
        from aws_login_bridge.bridge import run_fast

        status = run_fast(sys.argv[2:])
        if status is not None:
            _exit_now(status)
    from aws_login_bridge.cli import main as cli_main

    return cli_main()


def _exit_now(status: int) -> None:
    """End the process without the interpreter's teardown.

    Tearing down the modules the lane loaded costs a tenth of the whole command, and the
    SDK that started it waits for the exit. Nothing is left to do at exit: the answer is
    written, every file and lock was closed by its ``with`` block, and this lane starts no
    thread and registers no atexit work. Only the output buffers need flushing first.
    """
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105 - contextlib is one more module on the lane
            stream.flush()
        except (OSError, ValueError):  # the caller stopped reading: nothing more to say
            pass
    os._exit(status)

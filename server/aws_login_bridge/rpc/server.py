"""``aws-login-bridge serve``: the entry point the CLI calls.

Importing pygls means importing lsprotocol, which creates tens of thousands of long-lived
objects; with the garbage collector running, each collection during that import walks
them all again. Turning the collector off for the import and then freezing what it
created cuts the cold start to the ``initialize`` answer by about a sixth (see
benchmarks/bench_helper.py) and keeps later collections from walking those objects.
"""

from __future__ import annotations

import gc


def serve(log_level: str = "INFO") -> int:
    enabled = gc.isenabled()
    gc.disable()
    try:
        from aws_login_bridge.rpc.app import run
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return run(log_level)

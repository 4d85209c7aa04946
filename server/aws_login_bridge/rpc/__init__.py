"""``aws-login-bridge serve``: the JSON-RPC helper that editors and notebooks drive over stdio.

Outside in: ``transport`` (the real stdin/stdout, taken over for the protocol), ``frames``
(tolerant LSP framing, shared with ``client``), ``connection`` (envelope checks, one answer per
bad frame, then pygls's public API), ``app`` (the pygls server), ``handlers`` (thin: params →
engine → result) and ``feed`` (``awsLogin/sessionChanged``). ``client`` is the Python client.
The protocol is declared in ``aws_login_bridge.protocol``; see docs/architecture.md.
"""

from __future__ import annotations

import gc


def serve(log_level: str = "INFO") -> int:
    # Importing pygls imports lsprotocol, which creates tens of thousands of long-lived
    # objects that every collection during the import walks again. With the collector off
    # for the import and what it made frozen, the cold start to the ``initialize`` answer is
    # about a sixth shorter (benchmarks/bench_helper.py) and later collections skip them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        from aws_login_bridge.rpc.app import run
    finally:
        if enabled:
            gc.enable()
    gc.freeze()
    return run(log_level)

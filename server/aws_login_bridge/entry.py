"""The one entry point of ``aws-login-bridge`` and ``python -m aws_login_bridge``.

SDKs run ``credential-process`` every time their credentials near expiry, so that command
skips building the full argparse CLI (and the modules that imports) when it can; both ways
of starting the bridge take this same lane.
"""

import sys


def main() -> int:
    if sys.argv[1:2] == ["credential-process"]:
        from aws_login_bridge.bridge import run_fast

        status = run_fast(sys.argv[2:])
        if status is not None:
            return status
    from aws_login_bridge.cli import main as cli_main

    return cli_main()

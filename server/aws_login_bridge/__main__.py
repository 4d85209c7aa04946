"""``python -m aws_login_bridge``: the CLI, with a fast lane for ``credential-process``.

SDKs run the credential_process command every time their credentials near expiry, so it
skips building the full argparse CLI (and the modules that imports) when it can.
"""

import sys


def _main() -> int:
    if sys.argv[1:2] == ["credential-process"]:
        from aws_login_bridge.bridge import run_fast

        status = run_fast(sys.argv[2:])
        if status is not None:
            return status
    from aws_login_bridge.cli import main

    return main()


raise SystemExit(_main())

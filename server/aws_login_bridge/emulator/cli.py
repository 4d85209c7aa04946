"""``python -m aws_login_bridge.emulator`` / ``aws-login-bridge emulator``: run in front."""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading

from .emulator import MAX_ACCESS_TTL, Emulator
from .identity import DEFAULT_ACCOUNT_ID, Identity


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="aws-login-bridge emulator",
        description="Run the local AWS Sign-In + STS emulator until interrupted.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    p.add_argument("--account-id", help=f"console identity's account (default "
                   f"{DEFAULT_ACCOUNT_ID}, or the one in --arn)")
    p.add_argument("--arn", help="console identity's ARN (default an assumed-role session "
                   "arn:aws:sts::ACCOUNT:assumed-role/Developer/console-session)")
    p.add_argument("--access-ttl", type=int, default=900,
                   help=f"credential lifetime in seconds, 1-{MAX_ACCESS_TTL} (default 900)")
    p.add_argument("--session-ttl", type=float, default=12 * 3600,
                   help="login session lifetime in seconds (default 43200)")
    p.add_argument("--code-ttl", type=float, default=300,
                   help="authorization code lifetime in seconds (default 300)")
    p.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    return p


def _identity(account_id: str | None, arn: str | None) -> Identity:
    if arn is None:
        account = account_id or DEFAULT_ACCOUNT_ID
        return Identity(account_id=account,
                        arn=f"arn:aws:sts::{account}:assumed-role/Developer/console-session")
    if account_id is None:
        return Identity.from_arn(arn)
    return Identity(account_id=account_id, arn=arn)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        identity = _identity(args.account_id, args.arn)
        emulator = Emulator(host=args.host, port=args.port, identity=identity,
                            access_ttl=args.access_ttl, session_ttl=args.session_ttl,
                            code_ttl=args.code_ttl)
    except ValueError as e:
        print(f"aws-login-bridge emulator: {e}", file=sys.stderr)
        return 2
    if not args.quiet:
        # A handler of its own, not basicConfig: under ``aws-login-bridge emulator`` the CLI
        # has configured the root logger already (WARNING), and basicConfig would do nothing.
        emulator_log = logging.getLogger("aws_login_bridge.emulator")
        if not emulator_log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
            emulator_log.addHandler(handler)
        emulator_log.setLevel(logging.INFO)
        emulator_log.propagate = False
    try:
        emulator.start()
    except OSError as e:
        print(f"aws-login-bridge emulator: cannot listen on {args.host}:{args.port}: {e}",
              file=sys.stderr)
        return 1

    stop = threading.Event()

    def _on_signal(signum: int, frame: object) -> None:
        stop.set()

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        # ValueError off the main thread: then the caller owns signal handling.
        with contextlib.suppress(ValueError):
            previous[sig] = signal.signal(sig, _on_signal)
    url = emulator.base_url
    # One line (scripts read the URL after "on "), saying how a client is pointed at it.
    print(f"emulator listening on {url} (point a client at it with "
          f"AWS_ENDPOINT_URL_SIGNIN={url} AWS_ENDPOINT_URL_STS={url})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0

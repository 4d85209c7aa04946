"""The command line: ``aws-login-bridge login|logout|status|whoami|serve|demo|...``.

Each command parses its arguments, calls the engine and prints. Expected failures print
one sentence saying what happened and what to do, and exit 1; nothing here writes files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable, Sequence

from aws_login_bridge import __version__
from aws_login_bridge.errors import (
    InvalidCode,
    LoginBridgeError,
    RegionRequired,
    SessionConflict,
    StateMismatch,
    display_name,
)
from aws_login_bridge.logs import quiet_sdk_loggers

TYPE_CHECKING = False
if TYPE_CHECKING:
    from aws_login_bridge.protocol import StatusResult

CODE_PROMPT = "Enter the authorization code displayed in your browser: "
MAX_CODE_TRIES = 5


def _say(text: str = "") -> None:
    print(text, flush=True)


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _ask(prompt: str) -> str:
    """input() that turns end-of-input into a clean cancellation."""
    try:
        return input(prompt)
    except EOFError:
        raise KeyboardInterrupt from None


def cmd_login(args: argparse.Namespace) -> int:
    from aws_login_bridge.login import (
        DEFAULT_REGION,
        complete_login,
        prepare_exchange,
        start_login,
    )

    flow = "remote" if args.remote else "sameDevice"
    region = args.region
    args.profile = _login_target(args.profile)
    try:
        pending = start_login(args.profile, region=region, endpoint_url=args.endpoint_url,
                              flow=flow, quick=True)
    except RegionRequired:
        answer = _ask(f"AWS Region [{DEFAULT_REGION}]: ").strip() or DEFAULT_REGION
        pending = start_login(args.profile, region=answer, endpoint_url=args.endpoint_url,
                              flow=flow, quick=True)
    try:
        if flow == "remote":
            _say("Open this URL in a browser where you are signed in to the AWS Console:")
            _say()
            _say(pending.authorize_url)
            _say()
            if not args.yes and (current := _replaced_for_sure(args.profile)):
                args.yes = _confirm_early(args.profile, current)
                if not args.yes:
                    return 1
            # While the person signs in: botocore's word on the endpoint, and the DPoP key.
            prepare_exchange(pending)
            result = None
            for attempt in range(1, MAX_CODE_TRIES + 1):
                code = _ask(CODE_PROMPT)
                try:
                    result = complete_login(pending, code, replace_existing=args.yes)
                    break
                except (InvalidCode, StateMismatch) as error:
                    if attempt == MAX_CODE_TRIES:
                        raise
                    _warn(error.message)
                except SessionConflict as error:
                    result = _confirm_replace(error, lambda: complete_login(
                        pending, replace_existing=True))
                    break
        else:
            if args.no_browser:
                _say("Open this URL in a browser on this machine to sign in:")
            else:
                _say("Opening the sign-in page in your browser. If it does not open, visit:")
            _say()
            _say(pending.authorize_url)
            _say()
            if not args.yes and (current := _replaced_for_sure(args.profile)):
                args.yes = _confirm_early(args.profile, current)
                if not args.yes:
                    return 1
            if not args.no_browser:
                import webbrowser

                webbrowser.open(pending.authorize_url)
            prepare_exchange(pending)
            try:
                result = complete_login(pending, replace_existing=args.yes)
            except SessionConflict as error:
                result = _confirm_replace(error, lambda: complete_login(
                    pending, replace_existing=True))
    finally:
        pending.close()
    if result is None:
        return 1
    _say(f"Logged in: profile '{result.profile}' now uses login session {result.login_session}")
    _say(f"Account {result.account_id}, region {result.region}. The credentials refresh "
         "automatically for up to 12 hours.")
    return 0


def _login_target(profile: str) -> str:
    """The profile a login writes: a role profile chained from a login profile logs in its
    source (as "AWS: Login" does), said first so nobody wonders where the login went."""
    from aws_login_bridge.errors import display_name
    from aws_login_bridge.profiles import role_chain, role_text, session_of
    from aws_login_bridge.store.configfile import ConfigDocument
    from aws_login_bridge.store.paths import config_file

    document = ConfigDocument.load(config_file())
    try:
        if session_of(profile, document.profile(profile)):
            return profile
    except LoginBridgeError:  # a login_session line that is no ARN: this login replaces it
        return profile
    chain = role_chain(profile, document)
    if chain is None:
        return profile
    _say(f"Profile '{display_name(profile)}' assumes {role_text(chain.role_arn)} with the login "
         f"session of profile '{display_name(chain.source)}': logging in to '"
         f"{display_name(chain.source)}'.")
    return chain.source


def _replaced_for_sure(profile: str) -> str | None:
    """The profile's current ``login_session`` (escaped) when no sign-in can match it, so
    the login will replace it whoever signs in: then the question can come before the
    single-use code is spent. A valid ARN may be matched, so it is asked after."""
    from aws_login_bridge.profiles import session_of, session_text
    from aws_login_bridge.store.configfile import ConfigDocument
    from aws_login_bridge.store.paths import config_file

    settings = ConfigDocument.load(config_file()).profile(profile) or {}
    value = settings.get("login_session", "").strip()
    try:
        session_of(profile, settings)
    except LoginBridgeError:
        return session_text(value)
    return None


def _confirm_early(profile: str, current: str) -> bool:
    _warn(f"Profile '{display_name(profile)}' already points at login session {current}, "
          "which no sign-in can match, so this login replaces it.")
    if _ask("Replace it? [y/N]: ").strip().lower() in ("y", "yes"):
        return True
    _warn("Nothing was changed.")
    return False


def _confirm_replace(error: SessionConflict, finish: Callable[[], object]):  # type: ignore[no-untyped-def]
    _warn(error.message)
    if _ask("Replace it? [y/N]: ").strip().lower() not in ("y", "yes"):
        _warn("Nothing was changed.")
        return None
    return finish()


def cmd_logout(args: argparse.Namespace) -> int:
    from aws_login_bridge.logout import logged_out, logout_all, logout_profile, nothing_to_remove

    # A revoke that fails still logs out (exit 0): the local file is gone either way, and
    # the line below says the token stays valid and until when.
    if args.all:
        outcome = logout_all(revoke=not args.no_revoke)
        _say(f"Removed {outcome.removed} cached login session(s).")
    else:
        outcome = logout_profile(args.profile, revoke=not args.no_revoke)
        if outcome.removed:
            _say(logged_out(args.profile, outcome.also_logged_out))
        else:
            _say(nothing_to_remove(args.profile))
    for problem in outcome.revoke_problems:
        _warn(problem)
    return 0


# How `aws configure list` shows where the profile name came from.
_PROFILE_ORIGINS = {
    "--profile": ("manual", "--profile"),
    "AWS_DEFAULT_PROFILE": ("env", "AWS_DEFAULT_PROFILE"),
    "AWS_PROFILE": ("env", "AWS_PROFILE"),
    # Nothing chose it: the column names no variable, which would read as advice to set one.
    "default": ("default", "(none chosen)"),
}
# `status` exit codes (README, "Command line"): 0 the profile gives credentials; 3 it does
# not (the status is printed all the same); 1 the status could not be made.
STATUS_NOT_USABLE = 3


def _mask(value: str | None) -> str:
    return "<not set>" if not value else "*" * 16 + value[-4:]


def cmd_status(args: argparse.Namespace) -> int:
    from aws_login_bridge.diagnose import profile_status
    from aws_login_bridge.sources import boto_region
    from aws_login_bridge.store.cache import read_cache
    from aws_login_bridge.store.configfile import ConfigDocument
    from aws_login_bridge.store.paths import config_file

    status = profile_status(args.profile)
    code = 0 if _usable(status) else STATUS_NOT_USABLE
    if args.json:
        import attrs

        _say(json.dumps(attrs.asdict(status), indent=2))
        return code
    region_origin = boto_region(ConfigDocument.load(config_file()).profile(status.profile))[1]
    key_id = None
    if status.loginSession and status.expiresAt:
        key_id = read_cache(status.loginSession).access.get("accessKeyId")
    source = status.credentialSource
    elsewhere = f"<from {source}>" if source else "<not set>"
    kind, where = _PROFILE_ORIGINS[args.profile_origin]
    rows = [
        ("profile", display_name(status.profile), kind, where),
        ("access_key", _mask(key_id) if source == "login" else elsewhere, source or "", ""),
        ("secret_key", "****************" if source == "login" else elsewhere, source or "", ""),
        ("region", display_name(status.region) if status.region else "<not set>",
         *(("env", region_origin) if region_origin and region_origin != "config-file" else
           ("config-file", str(config_file())) if status.region else ("", ""))),
    ]
    _say(f"{'Name':>14} {'Value':>28} {'Type':>24}    Location")
    _say(f"{'----':>14} {'-----':>28} {'----':>24}    --------")
    for name, value, kind, where in rows:
        _say(f"{name:>14} {value:>28} {kind:>24}    {where}")
    _say()
    _say(f"login_session: {status.loginSession or '<none>'}")
    if status.sourceProfile:
        _say(f"role:          {status.roleArn}, assumed with the login session of profile "
             f"'{display_name(status.sourceProfile)}'")
    if status.accountId:
        _say(f"account:       {status.accountId}")
    if status.expiresAt:
        _say(f"credentials expire: {status.expiresAt} ({_refresh_note(status)})")
    if status.sessionExpiresAt:
        _say(f"session ends:  {status.sessionExpiresAt}")
    for problem in status.problems:
        _say(f"problem ({problem.kind}): {problem.message}")
    return code


def _expired(stamp: str | None) -> bool:
    import datetime as dt

    from aws_login_bridge.store.cache import parse_time

    try:
        moment = parse_time(stamp) if stamp else None
    except ValueError:
        return True
    return moment is None or moment <= dt.datetime.now(dt.timezone.utc)


def _usable(status: StatusResult) -> bool:
    """The profile gives credentials now: its login works, or another source wins."""
    kinds = {problem.kind for problem in status.problems}
    if status.credentialSource is None or "CredentialsUnusable" in kinds:
        return False
    through_login = status.credentialSource == "login" or (
        status.credentialSource == "assume-role" and status.sourceProfile is not None)
    if not through_login:
        return True  # keys or another source win, and they are not ours to judge
    return status.loggedIn and not ("RefreshFailed" in kinds and _expired(status.expiresAt))


def _refresh_note(status: StatusResult) -> str:
    kinds = {problem.kind for problem in status.problems}
    if "SessionExpired" in kinds:
        return "the login session has ended: log in again"
    if "RefreshFailed" in kinds:
        return ("expired, and the refresh failed: see below" if _expired(status.expiresAt)
                else "the last refresh failed: see below")
    return "refreshed automatically"


def cmd_whoami(args: argparse.Namespace) -> int:
    from aws_login_bridge.identity import caller_identity

    identity = caller_identity(args.profile)
    _say(json.dumps(identity, indent=2))
    return 0


def cmd_emulator(args: argparse.Namespace) -> int:
    from aws_login_bridge.emulator.cli import main as emulator_main

    return emulator_main(["--host", args.host, "--port", str(args.port), *args.extra])


def cmd_demo(args: argparse.Namespace) -> int:
    from aws_login_bridge.demo import run_demo

    return run_demo(keep=args.keep)


def cmd_serve(args: argparse.Namespace) -> int:
    from aws_login_bridge.rpc import serve

    return serve(log_level=args.log_level)


def cmd_credential_process(args: argparse.Namespace) -> int:
    from aws_login_bridge.bridge import credential_process

    return credential_process(args.profile)


def cmd_setup_process_profile(args: argparse.Namespace) -> int:
    from aws_login_bridge.bridge import setup_process_profile

    return setup_process_profile(args.profile, args.as_name)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aws-login-bridge",
        description="Trade an AWS Console sign-in for CLI/SDK credentials (aws login --remote).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int], text: str,
                profile: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text)
        p.set_defaults(handler=handler)
        if profile:
            p.add_argument("--profile", help=PROFILE_HELP)
        return p

    login = command("login", cmd_login, "sign in through the browser and save credentials")
    login.add_argument("--remote", action="store_true",
                       help="paste a code instead of waiting for a browser on this machine")
    login.add_argument("--region", help="region to sign in to (saved in the profile)")
    login.add_argument("--endpoint-url", help="AWS Sign-In endpoint (for example an emulator)")
    login.add_argument("--yes", "-y", action="store_true",
                       help="replace a different existing login session without asking")
    login.add_argument("--no-browser", action="store_true",
                       help="same-device flow: print the URL but do not open a browser")

    logout = command("logout", cmd_logout, "delete cached credentials", profile=False)
    which = logout.add_mutually_exclusive_group()
    which.add_argument("--profile", help=PROFILE_HELP)
    which.add_argument("--all", action="store_true", help="every cached login session")
    logout.add_argument("--no-revoke", action="store_true",
                        help="only delete the file; do not revoke the refresh token with AWS "
                             "Sign-In (a copy of the file then refreshes until the session ends)")

    status = command("status", cmd_status, "which credentials a profile uses, and problems")
    status.add_argument("--json", action="store_true",
                        help="print the status as one JSON object (for scripts)")

    command("whoami", cmd_whoami, "STS GetCallerIdentity with the profile")

    emulator = command("emulator", cmd_emulator, "run the local AWS Sign-In + STS emulator",
                       profile=False)
    emulator.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    emulator.epilog = "Other options (--account-id, --arn, --quiet, ...) go to the emulator."

    demo = command("demo", cmd_demo, "the whole flow against the built-in emulator",
                   profile=False)
    demo.add_argument("--keep", action="store_true", help="keep the throwaway AWS folder")

    serve = command("serve", cmd_serve, "JSON-RPC helper for editors (stdio)", profile=False)
    serve.add_argument("--log-level", default="INFO", type=str.upper,
                       choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                       help="what the helper logs to stderr (any case; default INFO)")
    serve.add_argument("--stdio", action="store_true", help=argparse.SUPPRESS)

    process = command("credential-process", cmd_credential_process,
                      "print credential_process JSON for the profile", profile=False)
    # Required: under an SDK, AWS_PROFILE may name the process profile itself, not the
    # login profile whose credentials it should print.
    process.add_argument("--profile", required=True, help="the login profile to read")
    setup = command("setup-process-profile", cmd_setup_process_profile,
                    "add a profile whose credential_process runs this bridge")
    setup.add_argument("--as", dest="as_name", help="name of the new profile (default P-process)")
    return parser


PROFILE_HELP = "profile name (default: AWS_DEFAULT_PROFILE, AWS_PROFILE or 'default')"


def main(argv: Sequence[str] | None = None) -> int:
    # Windows gives a pipe the ANSI code page (cp1252, ...), which cannot spell every path
    # we print: escape what it cannot show rather than fail (stderr already does).
    with contextlib.suppress(AttributeError):  # a stand-in stdout may have no reconfigure
        sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    parser = build_parser()
    # The emulator has options of its own; pass whatever we don't know through to it.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "emulator":
        parser.error(f"unrecognized arguments: {' '.join(display_name(e) for e in extra)}")
    args.extra = extra
    if "profile" in args:
        from aws_login_bridge.profiles import chosen_profile

        args.profile, args.profile_origin = chosen_profile(args.profile)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    quiet_sdk_loggers()
    try:
        return args.handler(args)
    except LoginBridgeError as error:
        _warn(f"aws-login-bridge: {error.message}")
        return 1
    except KeyboardInterrupt:
        _warn("\nCancelled; nothing was written.")
        return 130
    except Exception as error:  # a bug: say so without a traceback (it could hold secrets)
        logging.getLogger(__name__).debug("unexpected failure", exc_info=True)
        _warn(f"aws-login-bridge: unexpected {type(error).__name__}. Run again with --debug "
              "for details, and please report it.")
        return 1

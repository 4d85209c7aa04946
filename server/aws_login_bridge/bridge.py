"""The ``credential_process`` bridge: login-session credentials for tools that only run a command.

``credential-process --profile P`` prints the JSON the credential_process protocol wants
(``Version`` 1, keys, ``Expiration``) from the login cache, refreshing through the token
endpoint first when fewer than five minutes remain (the engine's ``fresh_credentials``,
which takes the session's advisory lock so concurrent callers refresh once).

Every SDK starts this command again whenever its credentials near expiry, so the fresh
path must stay cheap: this module and what it imports at the top are stdlib plus the
engine's light modules; botocore and cryptography load only inside a refresh. Nothing but
the JSON ever goes to stdout; failures print one line to stderr and exit 1.

``setup-process-profile --profile P [--as NAME]`` writes profile NAME whose
``credential_process`` runs this bridge for P, for tools that cannot read ``login_session``.
"""

from __future__ import annotations

import json
import os
import sys

from aws_login_bridge import hostos
from aws_login_bridge.errors import (
    ConfigError,
    InvalidInput,
    LoginBridgeError,
    NetworkError,
    ProfileHasOtherCredentials,
    ServiceError,
    login_command,
)

TYPE_CHECKING = False  # the fresh lane's import budget: tests/test_bridge.py
if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Sequence

COMMAND = "credential-process"
PROG = "aws-login-bridge"

# Settings that give a profile credentials of its own; a profile carrying any of them is
# someone else's, and setup-process-profile will not turn it into ours.
OTHER_CREDENTIAL_KEYS = (
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "sso_role_name",
    "login_session",
)


def _login_hint(profile: str) -> str:
    return login_command(profile)


def _error_line(error: LoginBridgeError, profile: str) -> str:
    """The engine's message plus, unless it already says so, the command that fixes it."""
    message = error.message.rstrip()
    hint = _login_hint(profile)
    if hint in message:
        return f"{PROG} {COMMAND}: {message}"
    if isinstance(error, NetworkError | ServiceError):
        # Transient more often than not: retrying is the first step, a new login the second.
        return f"{PROG} {COMMAND}: {message} If it keeps failing, log in again: {hint}"
    if isinstance(error, ConfigError):
        return f"{PROG} {COMMAND}: {message} Then, if needed, log in again: {hint}"
    return f"{PROG} {COMMAND}: {message} Next step: {hint}"


def _fail(line: str) -> int:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
    return 1


def credential_process(profile: str, *, now: Callable[[], dt.datetime] | None = None) -> int:
    """Print credential_process JSON for ``profile``; 0 on success, 1 (stderr only) if not.

    ``now`` replaces the clock (tests/test_conformance.py freezes it); callers leave it out.
    """
    # Imported here so that ``import aws_login_bridge.bridge`` (the CLI fast path) stays tiny.
    from aws_login_bridge.profiles import LoginProfile, session_source
    from aws_login_bridge.refresh import fresh_credentials, utc_now
    from aws_login_bridge.store.cache import format_time

    hint_profile = profile  # whose login the messages send the person to
    try:
        source = session_source(profile)
        if not isinstance(source, LoginProfile):  # a role chained from a login session
            from aws_login_bridge.roles import role_credentials

            hint_profile = source.source
            role, warning = role_credentials(source, now=now)
            out = json.dumps({"Version": 1, **role})
        else:
            cached, _, warning = fresh_credentials(source, now=now or utc_now)
            access = cached.access
            payload = {
                "Version": 1,
                "AccessKeyId": access["accessKeyId"],
                "SecretAccessKey": access["secretAccessKey"],
                "SessionToken": access["sessionToken"],
                "Expiration": format_time(cached.expires_at),
            }
            if cached.account_id:
                payload["AccountId"] = cached.account_id  # read by botocore and the other SDKs
            out = json.dumps(payload)
    except LoginBridgeError as error:
        if error.data.get("field") == "mfa_serial":  # no login would help: said alone
            return _fail(f"{PROG} {COMMAND}: {error.message}")
        return _fail(_error_line(error, hint_profile))
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        # The caller's SDK shows our stderr as it is: one line, no traceback, and the type
        # only, since exception text could quote cache contents.
        return _fail(
            f"{PROG} {COMMAND}: unexpected {type(error).__name__} while reading the login "
            f"cache. Check it with: {login_command(profile, 'status')}; "
            f"then, if needed, log in again: {_login_hint(hint_profile)}"
        )
    if warning:  # still success: the caller gets working credentials, the person a hint
        sys.stderr.write(f"{PROG} {COMMAND}: warning: {warning}\n")
        sys.stderr.flush()
    try:
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # the caller stopped reading; nothing useful left to say
        return 1
    return 0


def run_fast(argv: Sequence[str]) -> int | None:
    """``credential-process`` without building the whole CLI parser (it is run very often).

    Handles only ``--profile P`` and ``--profile=P``; anything else returns None and the
    full CLI takes over, so help, typos and errors behave exactly as everywhere else.
    """
    if len(argv) == 2 and argv[0] == "--profile":
        profile = argv[1]
    elif len(argv) == 1 and argv[0].startswith("--profile="):
        profile = argv[0].removeprefix("--profile=")
    else:
        return None
    if not profile or profile.startswith("-"):
        return None
    return credential_process(profile)


# -- setup-process-profile ------------------------------------------------------------


def process_command(profile: str, *, python: str | None = None) -> str:
    """The credential_process line that runs this bridge for ``profile``.

    Quoted for the splitting botocore does on this platform (``hostos.join_command``), so
    that every part, spaces in the interpreter path included, comes back whole.
    """
    # abspath, not resolve(): following a venv's symlink would lose its site-packages.
    python = python or os.path.abspath(sys.executable)
    return hostos.join_command([python, "-m", "aws_login_bridge", COMMAND, "--profile", profile])


def _is_our_process_line(line: str, profile: str) -> bool:
    """Whether an existing credential_process already runs this bridge for ``profile``."""
    try:
        parts = hostos.split_command(line)
    except ValueError:
        return False
    runs_bridge = "aws_login_bridge" in parts or any(
        _program_name(part) == PROG for part in parts)
    return runs_bridge and parts[-3:] == [COMMAND, "--profile", profile]


def _program_name(path: str) -> str:
    if hostos.WINDOWS:  # C:\...\Scripts\aws-login-bridge.exe, in any case
        import ntpath

        name = ntpath.basename(path).lower()
        return name.removesuffix(".exe")
    return os.path.basename(path)


def setup_process_profile(profile: str, as_name: str | None) -> int:
    """Write profile ``as_name`` (default ``<profile>-process``) running this bridge."""
    from aws_login_bridge.profiles import LoginProfile, role_text, session_source
    from aws_login_bridge.store.configfile import (
        ConfigDocument,
        config_lock,
        validate_profile_name,
    )
    from aws_login_bridge.store.paths import config_file

    name = as_name or f"{profile}-process"
    try:
        validate_profile_name(profile)
        validate_profile_name(name)
        if name == profile:
            raise InvalidInput(
                f"The process profile needs a name other than '{profile}'. Pass --as with "
                f"another name, for example --as {profile}-process.",
                field="as",
            )
        with config_lock(config_file()):  # no lost update with a concurrent login
            document = ConfigDocument.load(config_file())
            source = session_source(profile, document)
            region = (source.region if isinstance(source, LoginProfile) else
                      (document.profile(profile) or {}).get("region")
                      or (source.login.region if source.login else None))
            existing = document.profile(name) or {}
            _refuse_foreign(existing, name, profile)
            python = _python_for_config(str(config_file()))
            values = {"credential_process": process_command(profile, python=python)}
            if region:
                values["region"] = region
            document.with_values(name, values).save()
    except LoginBridgeError as error:
        return _fail(f"{PROG} setup-process-profile: {error.message}")
    login = profile if isinstance(source, LoginProfile) else source.source
    through = ("" if isinstance(source, LoginProfile) else
               f"the role {role_text(source.role_arn)} assumed with ")
    print(f"Profile '{name}' now gets its credentials from {through}the login session of "
          f"profile '{login}' through credential_process.")
    print(f"Use it with tools that cannot read login_session: --profile {name} or "
          f"AWS_PROFILE={name}. It works while '{login}' is logged in "
          f"({_login_hint(login)}).")
    return 0


def _python_for_config(config: str) -> str:
    """This interpreter's path in a form every AWS tool here reads back from ``config``
    unchanged, or ConfigError (nothing written).

    The private environment lives under the user's profile folder, so its path holds the
    user's name; written as UTF-8, ``José`` comes back as ``JosÃ©`` to a botocore that reads
    the file as cp1252. Windows' short (8.3) form of the path usually has no such letters.
    """
    from aws_login_bridge.store.configfile import reads_back

    python = os.path.abspath(sys.executable)
    if reads_back(python):
        return python
    short = hostos.short_path(python)
    if short and reads_back(short) and _same_file(short, python):
        return short
    no_short = ", and Windows has no short form of it without them" if hostos.WINDOWS else ""
    raise ConfigError(
        f"Not changing {config}: the path of this Python ({python}) has characters that AWS "
        f"tools on this computer would misread (they read that file as "
        f"{hostos.config_encoding()}){no_short}; install aws-login-bridge in a Python whose "
        "path has only ASCII letters, and run setup-process-profile with that one."
    )


def _same_file(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def _refuse_foreign(existing: dict[str, str], name: str, profile: str) -> None:
    style = next((key for key in OTHER_CREDENTIAL_KEYS if existing.get(key)), None)
    line = existing.get("credential_process")
    if style is None and line and not _is_our_process_line(line, profile):
        style = "credential_process"
    if style is not None:
        raise ProfileHasOtherCredentials(
            f"Profile '{name}' already has credentials of its own ({style}); nothing was "
            f"changed. Pick another name with --as, or remove {style} from '{name}' first.",
            profile=name,
            style=style,
        )

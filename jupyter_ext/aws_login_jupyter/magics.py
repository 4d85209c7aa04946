"""``%aws_login``, ``%aws_logout``, ``%aws_whoami``, ``%aws_status``, ``%aws_use``.

Each magic parses its line, makes sure the kernel's helper matches the kernel's AWS
settings, and hands over to the panel, the text flow or one contract call. Expected
failures print one line; nothing here raises into the notebook.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from aws_login_bridge import protocol_names as names
from aws_login_bridge.errors import display_name
from aws_login_jupyter import kernel_env, text_flow
from aws_login_jupyter.flow import QUERY_TIMEOUT, show_time
from aws_login_jupyter.helper import KernelHelper, kernel_helper
from aws_login_jupyter.messages import Failure, friendly


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def widgets_available(shell: Any) -> bool:
    """A kernel (ZMQ shell) with ipywidgets importable; a terminal IPython has no widgets."""
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def _profile_names(helper: KernelHelper) -> list[str]:
    try:
        answer = helper.call(names.LIST_PROFILES, {}, timeout=QUERY_TIMEOUT)
    except Failure:
        return []  # only the combobox's suggestions are lost
    return [str(p["profile"]) for p in answer.get("profiles") or [] if p.get("profile")]


def role_lines(status: dict[str, Any] | None) -> tuple[list[str], list[str]]:
    """For a profile that assumes a role with another profile's login session: what it
    uses (printed) and, while that session is not logged in, how to log it in (warned)."""
    source = (status or {}).get("sourceProfile")
    if not status or not source:
        return [], []
    name, via = display_name(str(status.get("profile"))), display_name(str(source))
    uses = (f"Profile '{name}' assumes {status.get('roleArn') or 'its role'} with the login "
            f"session of profile '{via}'")
    if status.get("loggedIn"):
        ends = status.get("sessionExpiresAt")
        return [uses + (f" (it ends {show_time(ends)})." if ends else ".")], []
    return [], [f"{uses}, which is not logged in — run %aws_login --profile {via}"]


def revoke_lines(answer: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Whether AWS Sign-In revoked the removed sessions' refresh tokens: said (printed), or
    why not and until when a copy stays usable (warned). An older helper says neither."""
    problem = answer.get("revokeProblem")
    if problem:
        return [], [str(problem)]
    if answer.get("revoked") and int(answer.get("removed") or 0):
        return [REVOKED], []
    return [], []


REVOKED = ("AWS Sign-In revoked the refresh token: a copy of the cached login can no longer "
           "refresh.")


@magics_class
class AwsLoginMagics(Magics):

    def _helper(self) -> KernelHelper:
        helper = kernel_helper()
        helper.refresh_environment()
        return helper

    def _ask(self, method: str, profile: str,
             params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The helper's answer to ``method`` (about ``profile`` unless ``params`` say
        otherwise), or None once the failure has been explained in one line."""
        try:
            answer: dict[str, Any] = self._helper().call(
                method, {"profile": profile} if params is None else params,
                timeout=QUERY_TIMEOUT)
        except Failure as failure:
            _warn(friendly(failure, profile))
            return None
        return answer

    def _show(self, magic: Callable[[str], None], line: str, method: str,
              report: Callable[[str, dict[str, Any]], list[str]]) -> None:
        """Print ``report`` of the helper's answer to ``method`` about the line's profile."""
        profile = parse_argstring(magic, line).profile or kernel_env.current_profile()
        answer = self._ask(method, profile)
        if answer is not None:
            for text in report(profile, answer):
                print(text)

    def _status_quietly(self, profile: str) -> dict[str, Any] | None:
        """The profile's status as the files say (no refresh), or None: only extras are lost."""
        try:
            answer: dict[str, Any] = self._helper().call(
                names.STATUS, {"profile": profile, "refresh": False}, timeout=QUERY_TIMEOUT)
        except Failure:
            return None
        return answer

    @magic_arguments()
    @argument("--profile", "-p", help="profile to log in (default: the kernel's AWS_PROFILE, "
              "else 'default')")
    @argument("--region", "-r", help="region to save in a new profile (default: the profile's)")
    @argument("--text", action="store_true",
              help="print the URL and ask for the code with input() instead of a panel")
    @argument("--no-set-profile", action="store_true",
              help="do not set AWS_PROFILE in this kernel after the login")
    @line_magic
    def aws_login(self, line: str) -> None:
        """Log this kernel in through AWS console sign-in (the remote flow)."""
        args = parse_argstring(self.aws_login, line)
        profile = args.profile or kernel_env.current_profile()
        helper = self._helper()
        set_profile = not args.no_set_profile
        source = (self._status_quietly(profile) or {}).get("sourceProfile")
        if source:
            # A role profile is logged in through the profile whose session it assumes
            # the role with; this kernel keeps using the role profile.
            print(f"Profile '{display_name(profile)}' assumes its role with the login session "
                  f"of profile '{display_name(str(source))}': signing in profile "
                  f"'{display_name(str(source))}'.")
            if set_profile:
                kernel_env.use_profile(profile)
            profile, set_profile = str(source), False
        if args.text or not widgets_available(self.shell):
            text_flow.run(helper, profile, args.region, set_profile=set_profile)
            return
        from IPython.display import display

        from aws_login_jupyter.panel import LoginPanel, PanelDisplay

        panel = LoginPanel(helper, helper.subscribe, profile, args.region,
                           set_profile=set_profile, profiles=_profile_names(helper))
        panel.start()
        display(PanelDisplay(panel))

    @magic_arguments()
    @argument("--profile", "-p", help="profile to log out (default: the kernel's profile)")
    @argument("--all", action="store_true", help="remove every cached login session")
    @line_magic
    def aws_logout(self, line: str) -> None:
        """Delete the cached login credentials of a profile (or all of them)."""
        args = parse_argstring(self.aws_logout, line)
        if args.all and args.profile:
            _warn("Use either --profile or --all, not both.")
            return
        profile = args.profile or kernel_env.current_profile()
        params: dict[str, Any] = {"all": True} if args.all else {"profile": profile}
        answer = self._ask(names.LOGOUT, profile, params)
        if answer is None:
            return
        removed = int(answer.get("removed") or 0)
        if args.all:
            print(f"Removed {removed} cached login session(s).")
        elif removed:
            print(f"Logged out of profile '{profile}'. Credentials already handed out stay valid "
                  "until they expire (at most 15 minutes).")
            also = [str(name) for name in answer.get("alsoLoggedOut") or []]
            if also:
                print("Also logged out (same console session, shared cached credentials): "
                      + ", ".join(also))
        else:
            print(f"Profile '{profile}' has no cached login credentials; nothing to remove.")
        said, warned = revoke_lines(answer)
        for text in said:
            print(text)
        for text in warned:
            _warn(text)

    @magic_arguments()
    @argument("--profile", "-p", help="profile to ask about (default: the kernel's profile)")
    @line_magic
    def aws_whoami(self, line: str) -> None:
        """Show who a profile's credentials belong to (STS GetCallerIdentity)."""
        self._show(self.aws_whoami, line, names.CALLER_IDENTITY, _identity_lines)

    @magic_arguments()
    @argument("profile", help="the profile boto3.client(...) should use in this kernel")
    @line_magic
    def aws_use(self, line: str) -> None:
        """Switch this kernel to a profile (e.g. one logged in from JupyterLab's AWS: Login):
        sets AWS_PROFILE and drops boto3's default session, so the next client uses it."""
        from aws_login_bridge.errors import InvalidInput
        from aws_login_bridge.store.configfile import validate_profile_name

        args = parse_argstring(self.aws_use, line)
        try:
            validate_profile_name(args.profile)
        except InvalidInput as error:
            _warn(str(error))
            return
        kernel_env.use_profile(args.profile)
        print(f"AWS_PROFILE={args.profile}: boto3.client(...) in this kernel now uses "
              f"profile '{args.profile}'.")
        said, warned = role_lines(self._status_quietly(args.profile))
        for text in said:
            print(text)
        for warning in [*warned, *kernel_env.env_warnings(args.profile, set_profile=True)]:
            _warn(warning)

    @magic_arguments()
    @argument("--profile", "-p", help="profile to check (default: the kernel's profile)")
    @line_magic
    def aws_status(self, line: str) -> None:
        """Show a profile's login session, expiry, winning credential source and problems."""
        self._show(self.aws_status, line, names.STATUS,
                   lambda _profile, status: status_lines(status))


def _identity_lines(profile: str, identity: dict[str, Any]) -> list[str]:
    """The ``%aws_whoami`` report: whose credentials, in which account, through which profile."""
    return [f"{identity.get('Arn')} (account {identity.get('Account')}, profile '{profile}')"]


_LOGIN_CURES = {"NotLoggedIn": "NotLoggedIn", "SessionExpired": "RefreshRequired"}


def status_lines(status: dict[str, Any]) -> list[str]:
    """The ``%aws_status`` report: facts first, then each problem on its own line."""
    expires = status.get("expiresAt")
    ends = status.get("sessionExpiresAt")
    source = status.get("sourceProfile")
    rows = [
        ("profile", status.get("profile")),
        *([("role", status.get("roleArn") or "-"), ("session of profile", source)]
          if source else []),
        ("login session", status.get("loginSession") or "none"),
        ("account", status.get("accountId") or "-"),
        ("region", status.get("region") or "not set"),
        ("credentials until", show_time(expires) if expires else "-"),
        ("sign-in ends", show_time(ends) if ends else "-"),
        ("credentials from", status.get("credentialSource") or "nothing found"),
    ]
    lines = [f"{name:>18}: {value}" for name, value in rows]
    problems = status.get("problems") or []
    if problems:
        lines.append("Problems:")
        for problem in problems:
            # Problems whose cure is a login get the notebook's wording (%aws_login, not
            # the command line's); the rest are the helper's sentences.
            cure = _LOGIN_CURES.get(str(problem.get("kind")))
            text = (friendly(Failure(cure, ""), str(status.get("profile") or "default"))
                    if cure else problem.get("message"))
            lines.append(f"  - {text}")
    else:
        lines.append("No problems found: boto3 in this kernel can use this profile.")
    return lines

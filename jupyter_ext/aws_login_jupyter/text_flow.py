"""``%aws_login --text``: the printed URL and a prompt for the code.

In a kernel, ``input()`` and ``getpass()`` go through Jupyter's stdin channel, so this works
in any front end that answers ``input_request`` (and in a terminal IPython). The code is
read with ``getpass`` so that the front end does not echo it into the notebook.
"""

from __future__ import annotations

import builtins
import getpass
import sys
from collections.abc import Callable

from aws_login_jupyter.flow import Helper, Outcome, SignIn, summarize
from aws_login_jupyter.messages import RETRYABLE_KINDS, Failure, friendly

CODE_PROMPT = "Verification code: "
MAX_CODE_TRIES = 5
DEFAULT_REGION = "us-east-1"

Ask = Callable[[str], str]
Say = Callable[[str], None]


def _say_out(text: str) -> None:
    print(text, flush=True)


def _say_err(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class _Stop(Exception):
    """The person left the prompt (empty answer, Ctrl+C, or no stdin in this front end)."""


def _asking(ask: Ask, prompt: str) -> str:
    try:
        return ask(prompt)
    except (EOFError, KeyboardInterrupt):
        raise _Stop("Sign-in cancelled.") from None
    except Exception as error:
        # IPython's StdinNotImplementedError: this front end cannot answer input().
        if type(error).__name__ == "StdinNotImplementedError":
            raise _Stop("This front end cannot answer input(); run %aws_login without --text "
                        "to use the panel.") from None
        raise


def _ask_plain(prompt: str) -> str:
    # Looked up at call time: ipykernel swaps builtins.input (and getpass.getpass) for its
    # stdin-channel versions around each execution, so a reference taken at import would
    # be the wrong one.
    return builtins.input(prompt)


def _ask_secret(prompt: str) -> str:
    return getpass.getpass(prompt)


def run(helper: Helper, profile: str, region: str | None, *, set_profile: bool = True,
        ask: Ask = _ask_plain, ask_secret: Ask = _ask_secret, say: Say = _say_out,
        warn: Say = _say_err) -> Outcome | None:
    """The whole flow; returns the outcome, or None after a message saying why not."""
    signin = SignIn(helper)
    try:
        return _run(signin, helper, profile, region, set_profile, ask, ask_secret, say, warn)
    except _Stop as stop:
        signin.cancel()
        warn(str(stop))
        return None
    except Failure as failure:
        signin.cancel()
        warn(friendly(failure, profile))
        return None


def _run(signin: SignIn, helper: Helper, profile: str, region: str | None, set_profile: bool,
         ask: Ask, ask_secret: Ask, say: Say, warn: Say) -> Outcome | None:
    try:
        started = signin.start(profile, region)
    except Failure as failure:
        if failure.kind != "RegionRequired":
            raise
        default = str(failure.data.get("default") or DEFAULT_REGION)
        answer = _asking(ask, f"AWS Region for profile '{profile}' [{default}]: ").strip()
        started = signin.start(profile, answer or default)
    say("Open this URL in a browser where you are signed in to the AWS Console:")
    say("")
    say(started.authorize_url)
    say("")
    say("Sign in, then paste the verification code shown on the page (empty to cancel).")
    result = None
    for attempt in range(1, MAX_CODE_TRIES + 1):
        code = _asking(ask_secret, CODE_PROMPT).strip()
        if not code:
            raise _Stop("Sign-in cancelled.")
        try:
            result = signin.complete(code)
            break
        except Failure as failure:
            if failure.kind == "SessionConflict":
                warn(friendly(failure, profile))
                if _asking(ask, "Replace it? [y/N]: ").strip().lower() not in ("y", "yes"):
                    raise _Stop("Nothing was changed.") from None
                result = signin.complete(code, replace_existing=True)
                break
            if failure.kind not in RETRYABLE_KINDS or attempt == MAX_CODE_TRIES:
                raise
            warn(friendly(failure, profile))
    assert result is not None
    outcome = summarize(helper, result, set_profile=set_profile)
    for line in outcome.lines():
        say(line)
    return outcome

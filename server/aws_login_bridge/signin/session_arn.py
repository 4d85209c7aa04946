"""What a login session ARN is: the one rule for a value the sign-in service names and for
one read back from the config file (where anyone who can edit it may have put anything).

credential_process checks every profile's value with it: ``re`` only.
"""

from __future__ import annotations

import re

# arn:PARTITION:sts|iam::ACCOUNT:resource — the two shapes a console session can have.
# Always fullmatch: with match() and '$', "arn:...\n" would pass and break the config file.
# The resource part is printable ASCII without spaces, as IAM names and paths are.
SESSION_ARN = re.compile(r"arn:(aws[a-z-]*):(sts|iam)::([0-9]{12}):([!-~]+)")
# One character of it, to name the first one a refused value breaks the rule with.
SESSION_ARN_CHAR = re.compile(r"[!-~]")


def is_login_session_arn(value: object) -> bool:
    return isinstance(value, str) and SESSION_ARN.fullmatch(value) is not None


def account_of(login_session: str) -> str:
    match = SESSION_ARN.fullmatch(login_session)
    if not match:
        raise ValueError("not a login session ARN")
    return match.group(3)

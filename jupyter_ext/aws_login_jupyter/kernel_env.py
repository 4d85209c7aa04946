"""What a login changes in the kernel itself, and what in the kernel could undo it.

boto3 picks its profile from AWS_DEFAULT_PROFILE, then AWS_PROFILE (botocore's order), and
its credential chain puts environment keys before any profile. These checks run in the
kernel, at the moment of the login, because that is the environment boto3 will read.
"""

from __future__ import annotations

import os
import sys


def current_profile() -> str:
    """The profile boto3.client() would use in this kernel right now."""
    return (os.environ.get("AWS_DEFAULT_PROFILE") or os.environ.get("AWS_PROFILE")
            or "default")


def use_profile(profile: str) -> None:
    """Make ``profile`` the kernel's default for boto3, effective for the next client.

    boto3 builds its default session once and keeps it, with the credential chain it
    resolved then; dropping it lets boto3.client() start over with AWS_PROFILE, so the
    login works in this kernel without a restart.
    """
    os.environ["AWS_PROFILE"] = profile
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None


def env_warnings(profile: str, set_profile: bool) -> list[str]:
    """Plain sentences for settings in the kernel that would still win over the login."""
    warnings = []
    if os.environ.get("AWS_ACCESS_KEY_ID"):
        warnings.append(
            "AWS_ACCESS_KEY_ID is set in this kernel, so boto3.client() still uses those keys, "
            f"not this login. Remove them (os.environ.pop(\"AWS_ACCESS_KEY_ID\"); "
            f"os.environ.pop(\"AWS_SECRET_ACCESS_KEY\")) or use "
            f"boto3.Session(profile_name=\"{profile}\")."
        )
    other = os.environ.get("AWS_DEFAULT_PROFILE")
    if set_profile and other and other != profile:
        warnings.append(
            f"AWS_DEFAULT_PROFILE={other} is set in this kernel and wins over AWS_PROFILE, so "
            f"boto3.client() still uses profile '{other}'. Remove it "
            "(os.environ.pop(\"AWS_DEFAULT_PROFILE\")) or use "
            f"boto3.Session(profile_name=\"{profile}\")."
        )
    return warnings

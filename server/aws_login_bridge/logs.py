"""Keeping secrets out of logs that third-party libraries write."""

from __future__ import annotations

import logging

# These log request and response bodies at DEBUG: authorization codes, code verifiers,
# keys and tokens. Our own --debug/--log-level DEBUG is for our modules; these stay quiet.
SDK_LOGGERS = ("botocore", "boto3", "urllib3", "awscrt", "s3transfer", "filelock")


def quiet_sdk_loggers(level: int = logging.WARNING, *also: str) -> None:
    """Hold the SDK's loggers (and ``also``) at WARNING or above, whatever ``level`` is."""
    for name in (*SDK_LOGGERS, *also):
        logging.getLogger(name).setLevel(max(level, logging.WARNING))

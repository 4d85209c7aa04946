"""Scripted misbehaviour: the next N matching requests fail in a chosen way.

Tests of the engine, the CLI and the editors need the service to be slow, flaky, rude or
wrong on demand, including from a subprocess — hence the same ``Fault`` is accepted as
JSON over ``POST /_emulator/faults`` and as a Python object.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .errors import (
    OAUTH2_ERROR_CODES,
    SIGNIN_CODE_WIRE,
    SIGNIN_SHAPE_FOR_STATUS,
    STS_DEFAULT_CODE_FOR_STATUS,
)
from .wire import Response

TARGETS = ("token", "authorization_code", "refresh_token", "sts", "revoke")
# The token-only modes bend a successful token answer, so a real exchange happens
# underneath (they are applied to the response, not instead of it).
TOKEN_ONLY_MODES = ("missing-fields", "bad-idtoken", "idtoken-no-sub", "idtoken-sub-newline")
# status: an error answer (with ``error`` alone: that Sign-In code with the status and
# shape the service model gives it, so every OAuth2ErrorCode is one fault away); reset:
# drop the connection without answering; garbage: 200 whose body does not parse; delay:
# the request is handled at once and its answer sent late; stall: the request waits
# ``delay`` before it is looked at, so a token another client redeems meanwhile is
# already used when this one is (token targets only).
MODES = ("status", "reset", "garbage", "delay", "stall", *TOKEN_ONLY_MODES)
_STS_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9.]{0,63}$")
_MAX_DELAY = 120.0


class FaultError(ValueError):
    """A fault description that makes no sense; the message says which field."""


@dataclass(frozen=True)
class Fault:
    target: str
    count: int = 1
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None
    delay: float = 0.0
    mode: str | None = None

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise FaultError(f"target must be one of {', '.join(TARGETS)}")
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise FaultError("count must be a positive integer")
        mode = self.resolved_mode
        if mode not in MODES:
            raise FaultError(f"mode must be one of {', '.join(MODES)}")
        if (mode in TOKEN_ONLY_MODES or mode == "stall") and self.target in ("sts", "revoke"):
            raise FaultError(f"mode {mode} only applies to token targets")
        statuses = STS_DEFAULT_CODE_FOR_STATUS if self.target == "sts" else (
            SIGNIN_SHAPE_FOR_STATUS)
        if self.status is not None and self.status not in statuses:
            allowed = ", ".join(str(s) for s in statuses)
            raise FaultError(f"status must be one of {allowed}")
        if self.error is not None:
            if not isinstance(self.error, str):
                raise FaultError("error must be a string")
            if self.target != "sts" and self.error not in OAUTH2_ERROR_CODES:
                raise FaultError("error must be one of Sign-In's OAuth2ErrorCode values")
            if self.target == "sts" and not _STS_CODE_RE.fullmatch(self.error):
                raise FaultError("error must look like an STS error code")
        for name in ("retry_after", "delay"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise FaultError(f"{name} must be a number of seconds")
            if not math.isfinite(value) or not 0 <= value <= _MAX_DELAY:
                raise FaultError(f"{name} must be between 0 and {_MAX_DELAY:g} seconds")

    @property
    def resolved_mode(self) -> str:
        """``mode`` if given; a bare delay means "slow but correct"; otherwise an error."""
        if self.mode is not None:
            return self.mode
        if self.status is None and self.error is None and self.delay:
            return "delay"
        return "status"

    @property
    def resolved_status(self) -> int:
        if self.status is not None:
            return self.status
        if self.target != "sts" and self.error in SIGNIN_CODE_WIRE:
            return SIGNIN_CODE_WIRE[self.error][0]
        return 500

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        if not isinstance(data, dict):
            raise FaultError("a fault must be a JSON object")
        names = {"target": "target", "count": "count", "status": "status", "error": "error",
                 "retryAfter": "retry_after", "delay": "delay", "mode": "mode"}
        unknown = set(data) - set(names)
        if unknown:
            raise FaultError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        if "target" not in data:
            raise FaultError("target is required")
        kwargs = {names[k]: v for k, v in data.items()}
        if kwargs.get("delay") is None:
            kwargs.pop("delay", None)
        if kwargs.get("count") is None:
            kwargs.pop("count", None)
        return cls(**kwargs)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["retryAfter"] = d.pop("retry_after")
        d["mode"] = self.resolved_mode
        d["status"] = self.resolved_status if self.resolved_mode == "status" else self.status
        return d


def _matches(fault: Fault, target: str, grant: str | None) -> bool:
    if fault.target in ("sts", "revoke"):
        return target == fault.target
    if target != "token":
        return False
    return fault.target == "token" or fault.target == grant


class FaultBook:
    """Pending faults, consumed first-in first-out among those matching a request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[list[Any]] = []  # [fault, remaining]

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._pending.append([fault, fault.count])

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**f.to_json(), "remaining": n} for f, n in self._pending]

    def take(self, target: str, grant: str | None, *, response_mode: bool) -> Fault | None:
        """Consume one use of the first matching fault of the requested kind.

        ``response_mode`` picks faults that deform a successful answer (taken after the
        real work) versus faults that replace the answer (taken before any state changes,
        so a failed request never burns a code or rotates a token).
        """
        with self._lock:
            for entry in self._pending:
                fault: Fault = entry[0]
                if (fault.resolved_mode in TOKEN_ONLY_MODES) != response_mode:
                    continue
                if not _matches(fault, target, grant):
                    continue
                entry[1] -= 1
                if entry[1] <= 0:
                    self._pending.remove(entry)
                return fault
        return None


@dataclass(frozen=True)
class FaultFormat:
    """How an endpoint words the faults that replace its answer: the body of "garbage"
    (with its content type) and ``error(status, code or None, retry_after)`` for "status"."""

    garbage: bytes
    content_type: str
    error: Callable[[int, str | None, int | None], Response]


def early_answer(fault: Fault, fmt: FaultFormat) -> Response | None:
    """The answer of a fault that fires before the request is looked at, in the endpoint's
    own format; None for "delay", where the normal answer is sent late."""
    mode = fault.resolved_mode
    if mode == "reset":
        return Response(0, abort=True, delay=fault.delay)
    if mode == "garbage":
        return Response(200, fmt.garbage, [("Content-Type", fmt.content_type)],
                        delay=fault.delay)
    if mode == "status":
        status = fault.resolved_status
        retry_after = fault.retry_after if fault.retry_after is not None else (
            1 if status == 429 else None)
        response = fmt.error(status, fault.error, retry_after)
        response.delay = fault.delay
        return response
    return None

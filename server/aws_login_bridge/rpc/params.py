"""Typed request parameters, checked before anything reaches the engine.

Each method's params are a frozen dataclass; ``parse`` turns the JSON ``params`` into one or
raises InvalidParams naming the field. ``null`` (or absence) means "use the default";
unknown fields are ignored so that clients can send optional extras (e.g. LSP's
``workDoneToken``). Values themselves are never echoed: a misplaced verification code must
not end up in an error message.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from aws_login_bridge.rpc.errors import invalid_params

T = TypeVar("T")
MAX_TEXT = 65536  # no legitimate parameter comes close


@dataclass(frozen=True)
class StartLoginParams:
    profile: str = "default"
    region: str | None = None
    endpointUrl: str | None = None
    flow: Literal["remote", "sameDevice"] = "remote"


@dataclass(frozen=True, repr=False)
class CompleteLoginParams:
    loginId: str
    code: str | None = None  # secret: keep it out of repr
    replaceExisting: bool = False

    def __repr__(self) -> str:
        return f"CompleteLoginParams(loginId=..., replaceExisting={self.replaceExisting})"


@dataclass(frozen=True)
class CancelLoginParams:
    loginId: str


@dataclass(frozen=True)
class LogoutParams:
    profile: str = "default"
    all: bool = False


@dataclass(frozen=True)
class ProfileParams:
    profile: str = "default"


@dataclass(frozen=True)
class NoParams:
    pass


def parse(cls: type[T], params: object, method: str) -> T:
    """``params`` as ``cls``, or InvalidParams with a message that names the problem."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise invalid_params(f"{method}: params must be an object with named fields.")
    values: dict[str, Any] = {}
    for field, (kind, required) in _schema(cls).items():
        value = params.get(field)
        if value is None:
            if required:
                raise invalid_params(f"{method}: '{field}' is required.", field)
            continue
        values[field] = _check(method, field, kind, value)
    if "profile" in values:
        _check_profile(method, values["profile"])
    return cls(**values)


def _check(method: str, field: str, kind: Any, value: object) -> object:
    if kind is bool:
        if not isinstance(value, bool):
            raise invalid_params(f"{method}: '{field}' must be true or false.", field)
        return value
    if not isinstance(value, str):
        raise invalid_params(f"{method}: '{field}' must be a string.", field)
    if len(value) > MAX_TEXT:
        raise invalid_params(f"{method}: '{field}' is too long.", field)
    if get_origin(kind) is Literal and value not in get_args(kind):
        choices = " or ".join(repr(c) for c in get_args(kind))
        raise invalid_params(f"{method}: '{field}' must be {choices}.", field)
    if field == "loginId" and not value:
        raise invalid_params(f"{method}: 'loginId' must not be empty.", field)
    return value


def _check_profile(method: str, name: str) -> None:
    from aws_login_bridge.errors import InvalidInput
    from aws_login_bridge.store.configfile import validate_profile_name

    try:
        validate_profile_name(name)
    except InvalidInput as error:
        raise invalid_params(f"{method}: {error.message}", "profile") from None


@functools.cache
def _schema(cls: type) -> dict[str, tuple[Any, bool]]:
    """field -> (value type without None, required?)."""
    hints = typing.get_type_hints(cls)
    schema = {}
    for field in dataclasses.fields(cls):
        kind = hints[field.name]
        if get_origin(kind) in (Union, types.UnionType):
            kind = next(arg for arg in get_args(kind) if arg is not type(None))
        required = (
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        )
        schema[field.name] = (kind, required)
    return schema

"""Request params: the JSON ``params`` structured by cattrs into the declaration's classes.

``null`` (or absence) means "use the default"; unknown fields are ignored so that clients can
send optional extras (e.g. LSP's ``workDoneToken``). A problem is InvalidParams naming the
field. Values themselves are never echoed: a misplaced verification code must not end up in
an error message.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar, get_args, get_origin

import cattrs

from aws_login_bridge.errors import InvalidInput
from aws_login_bridge.rpc.errors import invalid_params

T = TypeVar("T")
MAX_TEXT = 65536  # no legitimate parameter comes close


class _Unfit(ValueError):
    """A value of the wrong type; ``what`` completes "'<field>' ..."."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _text(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise _Unfit("must be a string")
    if len(value) > MAX_TEXT:
        raise _Unfit("is too long")
    return value


def _flag(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise _Unfit("must be true or false")
    return value


def _choice(value: object, kind: Any) -> object:
    choices = get_args(kind)
    if not isinstance(value, str) or value not in choices:
        raise _Unfit("must be " + " or ".join(repr(c) for c in choices))
    return value


_converter = cattrs.Converter()
_converter.register_structure_hook(str, _text)
_converter.register_structure_hook(bool, _flag)
_converter.register_structure_hook_func(lambda t: get_origin(t) is Literal, _choice)


def parse(cls: type[T], params: object, method: str) -> T:
    """``params`` as ``cls``, or InvalidParams with a message that names the problem."""
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise invalid_params(f"{method}: params must be an object with named fields.")
    given = {k: v for k, v in params.items() if v is not None}
    try:
        parsed = _converter.structure(given, cls)
    except cattrs.ClassValidationError as error:
        field, what = _first_problem(error)
        raise invalid_params(f"{method}: '{field}' {what}.", field) from None
    if getattr(parsed, "loginId", None) == "":
        raise invalid_params(f"{method}: 'loginId' must not be empty.", "loginId")
    if hasattr(parsed, "profile"):
        _check_profile(method, parsed.profile)
    return parsed


def _first_problem(error: cattrs.ClassValidationError) -> tuple[str, str]:
    for problem in error.exceptions:
        notes = getattr(problem, "__notes__", [])
        field = next((n.name for n in notes if isinstance(n, cattrs.AttributeValidationNote)),
                     "params")
        if isinstance(problem, KeyError):
            return field, "is required"
        if isinstance(problem, _Unfit):
            return field, problem.what
    return "params", "do not fit the method"


def _check_profile(method: str, name: str) -> None:
    # The engine's rule (the declaration's), checked here so the answer is InvalidParams.
    from aws_login_bridge.store.configfile import validate_profile_name

    try:
        validate_profile_name(name)
    except InvalidInput as error:
        raise invalid_params(f"{method}: {error.message}", "profile") from None

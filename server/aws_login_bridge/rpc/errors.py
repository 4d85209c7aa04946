"""Params in, errors out: the declaration's classes from JSON ``params``, and engine errors as
JSON-RPC errors whose ``data.kind`` is the declaration's.

Clients branch on ``data.kind``; the message is for people. Each kind's code is declared with
it (protocol.ERROR_KINDS): the engine refusing a well-formed request is LSP's RequestFailed;
bad parameters (including the engine's ``InvalidInput``: a profile name, region or URL that
cannot be used) are the standard InvalidParams with ``data.field``.
"""

from __future__ import annotations

from typing import TypeVar

from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from aws_login_bridge.errors import InvalidInput, LoginBridgeError
from aws_login_bridge.protocol import ERROR_KINDS, REQUEST_FAILED, ParamsError, structure_params

T = TypeVar("T")


def parse(cls: type[T], params: object, method: str) -> T:
    """``params`` as ``cls``, or InvalidParams with a message that names the problem."""
    from aws_login_bridge.store.configfile import validate_profile_name

    try:
        parsed = structure_params(cls, params)
        if hasattr(parsed, "profile"):
            validate_profile_name(parsed.profile)  # the engine's rule, as InvalidParams
    except ParamsError as error:
        data = {"kind": "InvalidInput", "field": error.field}
        raise JsonRpcInvalidParams(message=f"{method}: {error}.", data=data) from None
    except InvalidInput as error:  # the profile name
        data = {"kind": "InvalidInput", "field": "profile"}
        raise JsonRpcInvalidParams(message=f"{method}: {error.message}", data=data) from None
    return parsed


def rpc_error(error: LoginBridgeError) -> JsonRpcException:
    kind = ERROR_KINDS.get(error.kind)
    code = kind.code if kind is not None else REQUEST_FAILED
    return JsonRpcException(message=error.message, code=code, data=error.to_data())


def internal_error() -> JsonRpcInternalError:
    # No exception text: it could quote anything. The helper's log has the traceback.
    return JsonRpcInternalError(
        message="The helper failed unexpectedly; its log (stderr) has the details.",
        data={"kind": "InternalError"},
    )

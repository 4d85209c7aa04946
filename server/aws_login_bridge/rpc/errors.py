"""Engine errors as JSON-RPC errors: the contract's ``data.kind`` rides in ``data``.

Clients branch on ``data.kind``; the message is for people. Codes: the engine refusing a
well-formed request is LSP's RequestFailed (-32803); bad parameters (including the engine's
``InvalidInput``: a profile name, region or URL that cannot be used) are the standard
InvalidParams (-32602) with ``data.kind = "InvalidInput"`` and ``data.field``.
"""

from __future__ import annotations

from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from aws_login_bridge.errors import LoginBridgeError

REQUEST_FAILED = -32803
INVALID_PARAMS = JsonRpcInvalidParams.CODE
INTERNAL_ERROR = JsonRpcInternalError.CODE
INVALID_INPUT = "InvalidInput"


def rpc_error(error: LoginBridgeError) -> JsonRpcException:
    code = INVALID_PARAMS if error.kind == INVALID_INPUT else REQUEST_FAILED
    return JsonRpcException(message=error.message, code=code, data=error.to_data())


def invalid_params(message: str, field: str | None = None) -> JsonRpcInvalidParams:
    data: dict[str, str] = {"kind": INVALID_INPUT}
    if field:
        data["field"] = field
    return JsonRpcInvalidParams(message=message, data=data)


def internal_error() -> JsonRpcInternalError:
    # No exception text: it could quote anything. The helper's log has the traceback.
    return JsonRpcInternalError(
        message="The helper failed unexpectedly; its log (stderr) has the details.",
        data={"kind": "InternalError"},
    )

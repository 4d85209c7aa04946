"""Engine errors as JSON-RPC errors: the declaration's ``data.kind`` rides in ``data``.

Clients branch on ``data.kind``; the message is for people. Each kind's code is declared
with it (protocol.ERROR_KINDS): the engine refusing a well-formed request is LSP's
RequestFailed; bad parameters (including the engine's ``InvalidInput``: a profile name,
region or URL that cannot be used) are the standard InvalidParams with ``data.field``.
"""

from __future__ import annotations

from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from aws_login_bridge.errors import LoginBridgeError
from aws_login_bridge.protocol import ERROR_KINDS, REQUEST_FAILED


def rpc_error(error: LoginBridgeError) -> JsonRpcException:
    kind = ERROR_KINDS.get(error.kind)
    code = kind.code if kind is not None else REQUEST_FAILED
    return JsonRpcException(message=error.message, code=code, data=error.to_data())


def invalid_params(message: str, field: str | None = None) -> JsonRpcInvalidParams:
    data: dict[str, str] = {"kind": "InvalidInput"}
    if field:
        data["field"] = field
    return JsonRpcInvalidParams(message=message, data=data)


def internal_error() -> JsonRpcInternalError:
    # No exception text: it could quote anything. The helper's log has the traceback.
    return JsonRpcInternalError(
        message="The helper failed unexpectedly; its log (stderr) has the details.",
        data={"kind": "InternalError"},
    )

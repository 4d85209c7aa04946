"""The one workaround for pygls (2.1): what its log records may carry.

pygls logs whole messages at DEBUG, the params of a request whose handler failed, and, for
every error answer, a traceback: ``JsonRPCProtocol`` answers a failed handler after
``logger.exception(...)`` and a request whose params do not structure after
``logger.error("Unable to deserialize message\\n%s", traceback.format_exc())``. Params can
hold a pasted verification code, and an error answer is not a crash to report. pygls has no
setting for this, so its records keep their text and lose their arguments and tracebacks.
tests/test_rpc_units.py checks that pygls still logs so; when that test fails, this module
(and its use in ``app.configure_logging``) can go.
"""

from __future__ import annotations

import logging


class PyglsRecordsWithoutPayloads(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("pygls") and (record.args or record.exc_info):
            record.msg = f"{record.msg} (details omitted)".replace("%s", "…")
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True

"""A strict local emulator of AWS Sign-In (``aws login``) and STS, on 127.0.0.1.

Real clients talk to it unchanged: point them at it with ``AWS_ENDPOINT_URL_SIGNIN`` and
``AWS_ENDPOINT_URL_STS``. See docs/emulator.md.

    from aws_login_bridge.emulator import Emulator, Identity, person
    with Emulator(identity=Identity()) as em:
        code = person.sign_in(authorize_url)   # plays the human in the browser
"""

from __future__ import annotations

from . import person
from .emulator import Emulator
from .environment import isolated_environment
from .faults import Fault, FaultError
from .identity import Identity

__all__ = ["Emulator", "Fault", "FaultError", "Identity", "isolated_environment", "person"]

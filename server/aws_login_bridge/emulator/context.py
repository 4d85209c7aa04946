"""What every endpoint needs: settings, the clock, and the shared state."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import ec

from .dpop import JtiCache
from .faults import FaultBook, FaultFormat, early_answer
from .identity import Identity
from .mint import opaque_id
from .store import Stats, Store
from .wire import Response

CROSS_DEVICE = "arn:aws:signin:::devtools/cross-device"
SAME_DEVICE = "arn:aws:signin:::devtools/same-device"
CLIENT_IDS = (CROSS_DEVICE, SAME_DEVICE)
CONFIRMATION_PATH = "/v1/sessions/confirmation"
TOKEN_PATH = "/v1/token"

_HOST_RE = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


@dataclass
class Context:
    identity: Identity
    access_ttl: int
    session_ttl: float
    code_ttl: float
    clock: Callable[[], float] = time.time
    base_url: str = ""  # set once the socket is bound and the port is known
    store: Store = field(default_factory=Store)
    stats: Stats = field(default_factory=Stats)
    faults: FaultBook = field(default_factory=FaultBook)
    jtis: JtiCache = field(default_factory=JtiCache)
    # The key that signs idTokens; fresh per emulator, like a rotated service key.
    id_token_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    id_token_kid: str = field(default_factory=opaque_id)

    def now(self) -> float:
        return self.clock()

    def bases(self, host_header: str | None) -> list[str]:
        """The base URLs a request may legitimately be addressed to.

        The configured one, plus the one the client actually dialled (its Host header):
        a client pointed at ``http://localhost:PORT`` really is talking to
        ``http://localhost:PORT``, and the real service likewise judges redirect URIs and
        DPoP ``htu`` against the name it was reached by.
        """
        bases = [self.base_url]
        if host_header and _HOST_RE.fullmatch(host_header):
            other = f"http://{host_header}"
            if other != self.base_url:
                bases.append(other)
        return bases

    def early_fault(self, target: str, grant: str | None,
                    fmt: FaultFormat) -> tuple[Response | None, float]:
        """Take the fault that fires before ``target``'s request is looked at (counted as
        served): its answer in ``fmt`` (None to answer normally), and the delay the normal
        answer gets."""
        fault = self.faults.take(target, grant, response_mode=False)
        if fault is None:
            return None, 0.0
        self.stats.bump("faults_served")
        return early_answer(fault, fmt), fault.delay

    def issuer(self) -> str:
        return self.base_url

"""``ThreadingHTTPServer`` with a port no other process can share, on every OS.

Used by the sign-in callback listener and by the emulator. ``http.server`` turns on
SO_REUSEADDR, and that option means different things: on Linux and macOS it only lets a
restarted server take its port back from connections lingering in TIME_WAIT, while a
listening port stays its own; on Windows it lets any other socket bind the very port being
listened on and take its connections (the sign-in callback, with its code, among them).
Windows' answer is SO_EXCLUSIVEADDRUSE, and a Windows port is never held by TIME_WAIT.
"""

from __future__ import annotations

import socket
from http.server import ThreadingHTTPServer

from aws_login_bridge import hostos


class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        self.allow_reuse_address = not hostos.WINDOWS
        if hostos.WINDOWS:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
        super().server_bind()

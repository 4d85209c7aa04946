"""The Jupyter Server extension: registers the endpoints, owns the server's one helper.

The helper itself starts on the first request that needs it (``Hub`` → ``KernelHelper``)
and stops with the server (``stop_extension``, run by Jupyter's shutdown).
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from tornado.ioloop import IOLoop

from aws_login_jupyter.lab import kernel_link
from aws_login_jupyter.lab.handlers import browser_handlers, kernel_handlers
from aws_login_jupyter.lab.hub import Hub


class AwsLoginServerExtension(ExtensionApp):
    name = "aws_login_jupyter"
    load_other_extensions = True

    def initialize_settings(self) -> None:
        self.hub = Hub()
        self.settings["aws_login_hub"] = self.hub

    def initialize_handlers(self) -> None:
        # ExtensionApp puts the server's base_url in front of each pattern.
        self.handlers.extend(browser_handlers("/"))
        self.handlers.extend(kernel_handlers("/"))

    def _load_jupyter_server_extension(self, serverapp: Any) -> None:
        super()._load_jupyter_server_extension(serverapp)
        if not hasattr(serverapp.extension_manager, "start_all_extensions"):
            # jupyter_server before 2.16 never starts extensions: kernels are told once its
            # loop runs instead.
            IOLoop.current().add_callback(self._link_kernels_when_listening, serverapp)

    async def _link_kernels_when_listening(self, serverapp: Any) -> None:
        # Those servers bind their port in a loop callback queued after this one (their
        # init_httpserver runs after the extensions load): one turn of the loop lets it run,
        # so the URL kernels are told is the port actually listened on.
        await asyncio.sleep(0)
        self._link_kernels(serverapp)

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        # Only now is the port known (the server listens before extensions start).
        await super()._start_jupyter_server_extension(serverapp)
        self._link_kernels(serverapp)

    def _link_kernels(self, serverapp: Any) -> None:
        """Run in the server's loop: the hub answers there, and kernels learn the URL."""
        self.hub.bind(asyncio.get_running_loop())
        url = serverapp.connection_url
        if url.startswith(("http://", "https://")):
            key = kernel_link.advertise(url)
            serverapp.web_app.settings["aws_login_kernel_key"] = key
        self.log.info("aws-login-bridge: the AWS sign-in endpoints are ready")

    async def stop_extension(self) -> None:
        kernel_link.withdraw()
        await asyncio.get_running_loop().run_in_executor(None, self.hub.close)

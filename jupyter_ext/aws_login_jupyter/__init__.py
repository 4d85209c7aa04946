"""IPython extension: ``%load_ext aws_login_jupyter`` adds ``%aws_login`` and friends.

To load it in every kernel, add it to IPython's configuration
(``c.InteractiveShellApp.extensions = ["aws_login_jupyter"]`` in ``ipython_config.py``).
Everything goes through an ``aws-login-bridge serve`` helper: the Jupyter server's, when
the server runs this package's server extension (``aws_login_jupyter.lab``), else one the
kernel starts on first use and stops when it exits.

The same package is the JupyterLab extension: the two hooks at the end tell Jupyter where
its server part and its prebuilt labextension are.
"""

from __future__ import annotations

from typing import Any

from aws_login_bridge import __version__
from aws_login_jupyter.helper import close_kernel_helper

# __version__: what `jupyter server extension list` shows next to the extension's name.
__all__ = ["__version__", "last_panel", "load_ipython_extension", "unload_ipython_extension"]

LABEXTENSION = "aws-login-bridge"  # the npm package's name, and its folder in share/


def load_ipython_extension(ipython: Any) -> None:
    from aws_login_jupyter.magics import AwsLoginMagics

    ipython.register_magics(AwsLoginMagics)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop the helper; the magics stay registered (IPython cannot remove them cleanly)."""
    panel = last_panel()
    if panel is not None:
        panel.close()
    close_kernel_helper()


def last_panel() -> Any:
    """The panel shown by the latest ``%aws_login`` in this kernel, or None."""
    try:
        from aws_login_jupyter.panel import last_panel as latest
    except ImportError:  # no ipywidgets: there are no panels
        return None
    return latest()


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from aws_login_jupyter.lab.app import AwsLoginServerExtension

    return [{"module": "aws_login_jupyter.lab.app", "app": AwsLoginServerExtension}]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": LABEXTENSION}]

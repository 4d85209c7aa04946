"""Started by every Python process with this folder on PYTHONPATH: macOS's choices forced
(tests/macos_traits.py)."""

from aws_login_bridge import hostos

hostos.MACOS = True
hostos.WINDOWS = False

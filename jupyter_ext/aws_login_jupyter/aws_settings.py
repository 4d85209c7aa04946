"""A digest of the AWS_* settings a process sees, and the variables it leaves out.

Both sides of the kernel's helper use it: ``lab.kernel_link`` to tell whether a kernel sees
AWS the way its Jupyter server does, ``helper`` to tell when its own helper is stale. It
imports neither, so the kernel's helper uses the link and the link never reaches back.
"""

from __future__ import annotations

import hashlib
import os

# What the Jupyter server's extension puts into the environment its kernels inherit: where
# its helper endpoints are, their key, and this digest of the server's own settings.
URL_VARIABLE = "AWS_LOGIN_BRIDGE_JUPYTER_URL"
KEY_VARIABLE = "AWS_LOGIN_BRIDGE_JUPYTER_KEY"
ENV_VARIABLE = "AWS_LOGIN_BRIDGE_JUPYTER_ENV"
LINK_VARIABLES = frozenset({URL_VARIABLE, KEY_VARIABLE, ENV_VARIABLE})

# Variables that choose a profile are passed per request, so changing them (as %aws_login
# does) must not restart the helper and lose its pending logins; the Jupyter server's
# pointers to its helper say where to ask, not how AWS is seen.
IGNORED_VARIABLES = frozenset({"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}) | LINK_VARIABLES


def environment_fingerprint() -> str:
    """A digest of the process's AWS_* settings (a digest: some of them may be keys)."""
    digest = hashlib.sha256()
    for name in sorted(os.environ):
        if name.startswith("AWS_") and name not in IGNORED_VARIABLES:
            digest.update(f"{name}\0{os.environ[name]}\0".encode())
    return digest.hexdigest()

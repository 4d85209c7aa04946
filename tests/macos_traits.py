"""macOS's choices, forced on Linux: the engine's ``hostos.MACOS`` is set, so it keeps its
lock files under ``~/Library/Caches`` and names no ``XDG_RUNTIME_DIR`` in its hints.

``site_env(env, home)`` is an environment whose Python processes start with it
(macos_site/sitecustomize.py); ``home`` is the HOME they get, so that ``~/Library`` is the
test's own folder and never the real one.
"""

from __future__ import annotations

import os
from pathlib import Path

SITE = Path(__file__).resolve().parent / "macos_site"


def site_env(env: dict[str, str], home: Path) -> dict[str, str]:
    paths = [str(SITE), *filter(None, [env.get("PYTHONPATH")])]
    return dict(env, PYTHONPATH=os.pathsep.join(paths), HOME=str(home))

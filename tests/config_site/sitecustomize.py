"""Started by every Python process with this folder on PYTHONPATH: Windows' traits, and the
machine's ANSI code page and 8.3 names, forced (tests/config_traits.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try:
    import config_traits
finally:
    del sys.path[0]
config_traits.force_from_environment()

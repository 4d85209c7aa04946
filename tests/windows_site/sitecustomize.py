"""Started by every Python process with this folder on PYTHONPATH: Windows' traits forced
(tests/windows_traits.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try:
    import windows_traits
finally:
    del sys.path[0]
windows_traits.force_from_environment()

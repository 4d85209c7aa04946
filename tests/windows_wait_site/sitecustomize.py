"""Started by every Python process with this folder on PYTHONPATH: a Ctrl-C during the main
thread's Event.wait is held as on Windows before Python 3.14 (tests/windows_traits.py)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
try:
    import windows_traits
finally:
    del sys.path[0]
windows_traits.hold_ctrl_c_in_waits(Path(os.environ[windows_traits.CTRL_C_LOG_VAR]))

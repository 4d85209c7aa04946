"""The test command cannot pass with a test that quietly did not run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import PYTEST

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize(("body", "exit_code", "says"), [
    ("import pytest\ndef test_x():\n    pytest.skip('needs a tool that is not here')\n",
     1, "1 unexpected skip(s)"),
    ("import pytest\n@pytest.mark.skipif(True, reason='no tool')\ndef test_x():\n    pass\n",
     1, "1 unexpected skip(s)"),
    # A platform mark skips, saying why, where the platform is not; that is expected.
    ("import pytest\n@pytest.mark.linux\ndef test_x():\n    pass\n", 0, ""),
    ("import pytest\n@pytest.mark.windows\ndef test_x():\n    pass\n", 0, ""),
    ("def test_x():\n    pass\n", 0, "1 passed"),
])
def test_only_platform_marks_may_skip(tmp_path: Path, body: str, exit_code: int,
                                      says: str) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(body)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    posix: x\n    linux: x\n    root: x\n    windows: x\n")
    done = subprocess.run(
        [*PYTEST, "-q", "-rs", "-p", "no:cacheprovider",
         "-p", "conftest", "--rootdir", str(tmp_path), str(probe)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(TESTS)},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == exit_code, done.stdout + done.stderr
    assert says in done.stdout
    assert ("unexpected skip" in done.stdout) == (exit_code != 0)

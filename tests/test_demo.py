"""``aws-login-bridge demo`` runs the whole job and says so; it never touches the real ~/.aws."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conftest import PYTHON


def test_demo_succeeds_and_leaves_home_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["HOME"] = str(home)
    out = subprocess.run([PYTHON, "-m", "aws_login_bridge", "demo"], env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "boto3 resolved the profile with method 'login'" in out.stdout
    assert "1 refresh call" in out.stdout
    assert "all done" in out.stdout
    # It ends with what to do next against real AWS.
    after = out.stdout.split("all done", 1)[1]
    assert "Next, against real AWS" in after
    assert "aws-login-bridge login --remote --profile my-login --region us-east-1" in after
    assert not (home / ".aws").exists()

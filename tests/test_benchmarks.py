"""The AWS CLI v2 benchmark says why it measured nothing, instead of passing silently."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import PYTHON, REPO

BENCH = str(REPO / "benchmarks" / "bench_aws_cli.py")


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYTHON, BENCH, *args], capture_output=True, text=True, timeout=120,
                          check=False, env=env)


def test_skips_with_a_reason_when_the_aws_cli_cannot_run(tmp_path: Path) -> None:
    out = bench("--aws-cli", str(tmp_path / "no-such-aws"))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("SKIP: ")
    assert "no-such-aws (from --aws-cli) cannot be run" in out.stdout


def test_skips_aws_cli_v1_naming_the_version_it_found() -> None:
    # The dev extra installs AWS CLI v1 beside the interpreter: real, but without `login`.
    v1 = str(Path(PYTHON).parent / "aws")
    out = bench("--aws-cli", v1)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"SKIP: {v1} (from --aws-cli) is aws-cli/1.")
    assert "needs AWS CLI v2.32 or newer" in out.stdout


def test_the_environment_variable_names_the_aws_cli(tmp_path: Path) -> None:
    import os

    env = dict(os.environ, AWS_LOGIN_BRIDGE_AWS_CLI=str(tmp_path / "elsewhere"))
    out = bench(env=env)
    assert out.returncode == 0 and "elsewhere (from $AWS_LOGIN_BRIDGE_AWS_CLI)" in out.stdout

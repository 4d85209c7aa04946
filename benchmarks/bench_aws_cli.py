"""Our CLI against the real anchor, AWS CLI v2 itself, pairwise in one run.

- time to the sign-in URL: ``aws-login-bridge login --remote`` against ``aws login
  --remote`` (each from spawn until its URL line; then the prompt gets end of input and
  both cancel, writing nothing);
- the credential_process path with fresh cached credentials: ``aws-login-bridge
  credential-process`` through both entry points (``python -m aws_login_bridge``, the line
  setup-process-profile writes, and the ``aws-login-bridge`` console script) against ``aws
  configure export-credentials --format process``, with ``python -c pass`` as the floor.

Targets: time to URL <= 0.5x AWS CLI v2; credential-process <= 0.1x AWS CLI v2 and <= 2.5x
the floor, for both entry points. The commands alternate round by round, so drift in
machine load hits them alike. Both tools read the same files, written by our login, in a
throwaway AWS home against the project's emulator.

Ours runs as an installed wheel would (``--editable`` runs the project's .venv as it is):
from a throwaway venv whose site-packages lists this checkout and the project venv's
packages as plain paths. The project's .venv starts every Python through setuptools'
editable-install finder (a .pth importing pathlib, importlib.util and more), which
neither an installed wheel nor the AWS CLI's own venv pays.

AWS CLI v2 (2.32 or newer: the first with ``aws login``) is taken from ``--aws-cli PATH``,
else ``$AWS_LOGIN_BRIDGE_AWS_CLI``, else ``aws`` on PATH. When none is there, or it is not
v2.32+, the run prints ``SKIP:`` and the reason, and exits 0. Exit status 1 if a target is
missed.

    .venv/bin/python benchmarks/bench_aws_cli.py [--rounds 20] [--aws-cli /path/to/aws]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import venv
from collections.abc import Callable
from pathlib import Path

from report import print_table, run, sample, timing_environment, until_url

from aws_login_bridge.emulator import Emulator, isolated_environment, person

PYTHON = sys.executable
CONSOLE_SCRIPT = str(Path(PYTHON).parent / "aws-login-bridge")
REPO = Path(__file__).resolve().parents[1]
PROFILE = "bench"
MIN_VERSION = (2, 32)
ENV_VARIABLE = "AWS_LOGIN_BRIDGE_AWS_CLI"


def find_aws_cli(explicit: str | None) -> tuple[str | None, str]:
    """(path, version text) of an AWS CLI v2 with ``login``, or (None, why not)."""
    if explicit:
        candidate, source = explicit, "--aws-cli"
    elif os.environ.get(ENV_VARIABLE):
        candidate, source = os.environ[ENV_VARIABLE], f"${ENV_VARIABLE}"
    else:
        candidate, source = shutil.which("aws") or "", "PATH"
        if not candidate:
            return None, (f"no AWS CLI v2 found: 'aws' is not on PATH and neither "
                          f"--aws-cli nor ${ENV_VARIABLE} names one")
    try:
        out = subprocess.run([candidate, "--version"], capture_output=True, text=True,
                             timeout=60, check=False)
    except OSError as error:
        return None, f"{candidate} (from {source}) cannot be run: {error.strerror}"
    text = (out.stdout + out.stderr).strip()
    match = re.match(r"aws-cli/(\d+)\.(\d+)\.(\d+)", text)
    if match is None:
        return None, f"{candidate} (from {source}) did not report an aws-cli version: {text!r}"
    version = tuple(int(part) for part in match.groups())
    if version[:2] < MIN_VERSION:
        return None, (f"{candidate} (from {source}) is aws-cli/{'.'.join(match.groups())}; "
                      f"'aws login' needs AWS CLI v2.{MIN_VERSION[1]} or newer")
    return candidate, text.split()[0]


def installed_layout(folder: Path) -> tuple[str, str]:
    """(python, console script) of a throwaway venv importing this checkout by plain paths."""
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(folder)
    scripts = folder / ("Scripts" if os.name == "nt" else "bin")
    python = scripts / ("python.exe" if os.name == "nt" else "python")
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    dependencies = sysconfig.get_paths()["purelib"]  # this (the project's) venv's packages
    Path(purelib, "aws_login_bridge_checkout.pth").write_text(
        f"{REPO / 'server'}\n{REPO / 'jupyter_ext'}\n{dependencies}\n")
    script = scripts / "aws-login-bridge"  # what pip writes for the console script
    script.write_text(f"#!{python}\nimport sys\nfrom aws_login_bridge.entry import main\n"
                      "if __name__ == '__main__':\n    sys.exit(main())\n")
    script.chmod(0o755)
    return str(python), str(script)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed runs per command")
    parser.add_argument("--aws-cli", help=f"path to AWS CLI v2 (else ${ENV_VARIABLE}, else PATH)")
    parser.add_argument("--editable", action="store_true",
                        help="run ours from the project's .venv (editable install) as it is")
    args = parser.parse_args()

    aws, version = find_aws_cli(args.aws_cli)
    if aws is None:
        print(f"SKIP: {version}. Nothing was measured.")
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-aws-cli-") as tmp, Emulator() as emulator:
        root = Path(tmp)
        env = timing_environment(isolated_environment(root / "aws", emulator.base_url))
        env.update(HOME=str(root), AWS_PAGER="")  # the AWS CLI keeps nothing of the user's
        until_url([PYTHON, "-m", "aws_login_bridge", "login", "--remote", "--profile", PROFILE,
                   "--region", "us-east-1"], env, person.sign_in)

        python, console_script = PYTHON, CONSOLE_SCRIPT
        if not args.editable:
            python, console_script = installed_layout(root / "venv")
        ours_url = [python, "-m", "aws_login_bridge", "login", "--remote", "--profile",
                    "bench-url", "--region", "us-east-1"]
        aws_url = [aws, "login", "--remote", "--profile", "bench-url", "--region", "us-east-1"]
        module = [python, "-m", "aws_login_bridge", "credential-process", "--profile", PROFILE]
        script = [console_script, "credential-process", "--profile", PROFILE]
        export = [aws, "configure", "export-credentials", "--profile", PROFILE,
                  "--format", "process"]

        # Both tools must hand out the same credentials from the same cache.
        printed = {json.loads(run(argv, env)[1])["AccessKeyId"] for argv in (module, script,
                                                                              export)}
        if len(printed) != 1:
            raise SystemExit(f"the tools printed different keys: {len(printed)} distinct")

        commands: dict[str, Callable[[], float]] = {
            "floor: python -c pass": lambda: run([python, "-c", "pass"], env)[0],
            "ours: credential-process (python -m)": lambda: run(module, env)[0],
            "ours: credential-process (console script)": lambda: run(script, env)[0],
            "aws: configure export-credentials": lambda: run(export, env)[0],
            "ours: login --remote until URL": lambda: until_url(ours_url, env),
            "aws: login --remote until URL": lambda: until_url(aws_url, env),
        }
        samples = sample(commands, args.rounds)
        leftovers = sorted(p.name for p in (root / "aws").iterdir())

    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians["floor: python -c pass"]
    layout = "editable .venv" if args.editable else "installed layout"
    print_table(samples, floor,
                f"{version} against aws-login-bridge ({layout}), {args.rounds} rounds,")
    print()
    url_ratio = medians["ours: login --remote until URL"] / medians["aws: login --remote until URL"]
    export_median = medians["aws: configure export-credentials"]
    checks = [(f"time to URL, ours / AWS CLI v2          = {url_ratio:.3f}  (target <= 0.5)",
               url_ratio <= 0.5)]
    for entry in ("python -m", "console script"):
        ours = medians[f"ours: credential-process ({entry})"]
        checks.append((f"credential-process ({entry}) / AWS CLI v2 = {ours / export_median:.3f}"
                       "  (target <= 0.1)", ours / export_median <= 0.1))
        checks.append((f"credential-process ({entry}) / floor      = {ours / floor:.2f}"
                       "   (target <= 2.5)", ours / floor <= 2.5))
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    print(f"(the AWS home held {leftovers} afterwards: the cancelled logins wrote nothing)")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())

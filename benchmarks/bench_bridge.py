"""How fast is the credential_process bridge, against the SDK's own path and a bare Python?

One run, one table. Everything runs as fresh processes, as a tool would start them:

- ``credential-process`` with fresh cached credentials (the command setup-process-profile
  writes), vs a ``python -c`` that resolves the same login profile through boto3
  (``Session(profile_name=P).get_credentials().get_frozen_credentials()``), vs
  ``python -c pass`` (the floor: interpreter start-up);
- ``credential-process`` when a refresh is due (one caller);
- ``login --remote`` until the authorize URL is printed;
- 32 concurrent ``credential-process`` calls on one expired token: wall time and the number
  of token-endpoint refreshes the emulator saw (target: exactly 1).

The timed commands alternate round by round, so drift in machine load hits them alike.
It brings its own emulator and a throwaway AWS home; nothing outside a temp folder is
touched. Exit status 1 if a target is missed.

    .venv/bin/python benchmarks/bench_bridge.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from report import ms, print_table, run, sample, timing_environment, until_url

from aws_login_bridge.emulator import Emulator, isolated_environment, person

PYTHON = sys.executable
PROFILE = "bench"
CONCURRENT = 32
# The login measured: to its URL, then signed in (once) or cancelled at the code prompt.
LOGIN = [PYTHON, "-m", "aws_login_bridge", "login", "--remote", "--profile", PROFILE,
         "--region", "us-east-1", "--yes"]
BOTO3_SNIPPET = (
    "import boto3; boto3.Session(profile_name={p!r}).get_credentials()"
    ".get_frozen_credentials()"
)


def cache_file(root: Path) -> Path:
    (path,) = (root / "login" / "cache").glob("*.json")
    return path


def expire(root: Path) -> None:
    path = cache_file(root)
    token = json.loads(path.read_bytes())
    token["accessToken"]["expiresAt"] = "2020-01-01T00:00:00Z"
    path.write_text(json.dumps(token))


def concurrent_round(argv: list[str], env: dict[str, str], root: Path,
                     emulator: Emulator) -> tuple[float, int, int]:
    """(wall seconds, refreshes seen by the service, distinct key ids printed)."""
    expire(root)
    emulator.reset()
    start = time.perf_counter()
    procs = [subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(CONCURRENT)]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    wall = time.perf_counter() - start
    if any(proc.returncode != 0 for proc in procs):
        raise SystemExit("a concurrent credential-process failed:\n"
                         + next(err for (_, err), p in zip(outputs, procs, strict=True)
                                if p.returncode))
    keys = {json.loads(out)["AccessKeyId"] for out, _ in outputs}
    json.loads(cache_file(root).read_bytes())  # the cache is still valid JSON
    return wall, emulator.stats()["token"]["refresh_token"], len(keys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="timed runs per command")
    parser.add_argument("--concurrent-rounds", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-aws-") as tmp, Emulator() as emulator:
        root = Path(tmp)
        env = timing_environment(isolated_environment(root, emulator.base_url))
        until_url(LOGIN, env, person.sign_in)  # the profile to measure with (also a warm-up)
        run([PYTHON, "-m", "aws_login_bridge", "setup-process-profile", "--profile", PROFILE], env)

        # Exactly the command line setup-process-profile wrote, as an SDK would run it.
        config = (root / "config").read_text()
        line = next(x for x in config.splitlines() if x.startswith("credential_process"))
        bridge = shlex.split(line.split("=", 1)[1].strip())

        commands: dict[str, Callable[[], float]] = {
            "floor: python -c pass": lambda: run([PYTHON, "-c", "pass"], env)[0],
            "bridge: credential-process (fresh)": lambda: run(bridge, env)[0],
            "boto3: Session(...).get_frozen_credentials()":
                lambda: run([PYTHON, "-c", BOTO3_SNIPPET.format(p=PROFILE)], env)[0],
            "bridge: credential-process (refresh due)":
                lambda: (expire(root), run(bridge, env)[0])[1],
            "cli: login --remote until URL": lambda: until_url(LOGIN, env),
        }
        samples = sample(commands, args.rounds)
        run(bridge, env)  # leave fresh credentials behind (the last refresh did)

        rounds = [concurrent_round(bridge, env, root, emulator)
                  for _ in range(args.concurrent_rounds)]

    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians["floor: python -c pass"]
    boto3_path = medians["boto3: Session(...).get_frozen_credentials()"]
    bridge_fresh = medians["bridge: credential-process (fresh)"]

    print_table(samples, floor, f"{args.rounds} rounds")
    walls = [wall for wall, _, _ in rounds]
    refreshes = [count for _, count, _ in rounds]
    distinct = [keys for _, _, keys in rounds]
    print(f"{f'{CONCURRENT} concurrent credential-process (expired)':<46} "
          f"{ms(statistics.median(walls))} {ms(min(walls))} {ms(max(walls))} "
          f"{statistics.median(walls) / floor:8.2f}")
    print()
    print(f"{CONCURRENT} concurrent callers, {len(rounds)} rounds: token-endpoint refreshes "
          f"per round {refreshes}; distinct key ids printed per round {distinct}")
    print()
    ratio_boto3 = bridge_fresh / boto3_path
    ratio_floor = bridge_fresh / floor
    checks = [
        (f"credential-process / boto3 path = {ratio_boto3:.3f}  (target <= 0.25)",
         ratio_boto3 <= 0.25),
        (f"credential-process / floor      = {ratio_floor:.2f}   (target <= 4)",
         ratio_floor <= 4),
        (f"refreshes for {CONCURRENT} concurrent callers = {max(refreshes)}  (target: exactly 1 "
         "in every round)", all(r == 1 for r in refreshes) and all(d == 1 for d in distinct)),
    ]
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())

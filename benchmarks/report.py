"""What the benchmark scripts share: timing a command as a fresh process, and one table of
medians and deciles in ms."""

from __future__ import annotations

import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def timing_environment(env: dict[str, str]) -> dict[str, str]:
    """``env`` as a user's shell has it: Python may cache compiled modules (.pyc).

    With PYTHONDONTWRITEBYTECODE set (some sandboxes set it), an editable install would
    compile every module of ours from source on every run, while an installed wheel (and
    the AWS CLI) ships compiled: the warm-up runs write the cache, the timed runs use it.
    """
    return {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds from spawn to exit, and what the command printed; a failure ends the run."""
    start = time.perf_counter()
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed:\n{result.stderr[-2000:]}")
    return elapsed, result.stdout


def until_url(argv: list[str], env: dict[str, str],
              sign_in: Callable[[str], str] | None = None) -> float:
    """Seconds from spawn until a ``login --remote`` prints its sign-in URL. Then the code
    prompt gets ``sign_in(url)`` (the login must succeed), or else end of input: the login
    is cancelled and writes nothing."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = next((line.strip() for line in proc.stdout if line.startswith("http")), "")
    elapsed = time.perf_counter() - start
    answer = sign_in(url) + "\n" if url and sign_in else ""
    _, err = proc.communicate(answer, timeout=60)
    if not url:
        raise SystemExit(f"{shlex.join(argv)} printed no URL:\n{err[-2000:]}")
    if sign_in and proc.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed:\n{err[-2000:]}")
    return elapsed


def sample(commands: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each command's timings over ``rounds`` rounds, after one untimed warm-up run each
    (the page cache and .pyc files); commands interleave so drift hits them alike."""
    for measure in commands.values():
        measure()
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, measure in commands.items():
            samples[name].append(measure())
    return samples


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def print_table(samples: dict[str, list[float]], floor: float, heading: str) -> None:
    """One row per command: median, p10, p90 and the median as a multiple of ``floor``."""
    print(f"{heading} on Python {sys.version.split()[0]}, {sys.platform}; times in ms "
          "(one fresh process per run)")
    print()
    print(f"{'command':<46} {'median':>8} {'p10':>8} {'p90':>8} {'x floor':>8}")
    print(f"{'-' * 46} {'-' * 8} {'-' * 8} {'-' * 8} {'-' * 8}")
    for name, values in samples.items():
        median = statistics.median(values)
        deciles = statistics.quantiles(values, n=10)
        print(f"{name:<46} {ms(median)} {ms(deciles[0])} {ms(deciles[-1])} "
              f"{median / floor:8.2f}")

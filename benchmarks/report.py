"""What the benchmark scripts print alike: one table of medians and deciles in ms."""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable


def timing_environment(env: dict[str, str]) -> dict[str, str]:
    """``env`` as a user's shell has it: Python may cache compiled modules (.pyc).

    With PYTHONDONTWRITEBYTECODE set (some sandboxes set it), an editable install would
    compile every module of ours from source on every run, while an installed wheel (and
    the AWS CLI) ships compiled: the warm-up runs write the cache, the timed runs use it.
    """
    return {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}


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

"""What the adversarial suite tried, counted, for the closing note and the CI summary.

Tests call ``count(category)`` once per input, crash point, fault or race they exercise;
the conftest writes the totals to ``test-artifacts/adversarial-summary.json`` and prints
them at the end of the run.
"""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()
CRASH_POINTS: set[str] = set()


def count(category: str, n: int = 1) -> None:
    COUNTS[category] += n


def crash_point(label: str) -> None:
    """One kill -9 at ``label`` (e.g. ``cli-login:atomic.written@2``)."""
    CRASH_POINTS.add(label)
    COUNTS["crash.kills"] += 1


def summary() -> dict[str, object]:
    def group(prefix: str) -> dict[str, int]:
        return {k.removeprefix(prefix): v for k, v in sorted(COUNTS.items())
                if k.startswith(prefix)}

    inputs = group("inputs.")
    faults = group("faults.")
    races = group("races.")
    return {
        "inputs": {**inputs, "total": sum(inputs.values())},
        "crash": {"points": sorted(CRASH_POINTS), "distinct": len(CRASH_POINTS),
                  "kills": COUNTS["crash.kills"]},
        "faults": {**faults, "total": sum(faults.values())},
        "races": {**races, "total": sum(races.values())},
        "secret_scans": group("secrets."),
        "volume": group("volume."),  # sizes, not counts: kept out of the totals above
    }

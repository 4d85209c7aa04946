"""Adversarial suite: the fixtures of ../conftest.py (emulator, aws_home) apply here too.

This file only adds the run summary: every test counts what it tried (see ``tally``), and
at the end the totals go to ``test-artifacts/adversarial-summary.json`` and the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from . import tally

SUMMARY = Path(__file__).resolve().parents[2] / "test-artifacts" / "adversarial-summary.json"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not tally.COUNTS:
        return  # no adversarial test ran in this session
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps(tally.summary(), indent=2) + "\n")


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not tally.COUNTS:
        return
    terminalreporter.section("adversarial summary")
    terminalreporter.write_line(json.dumps(tally.summary(), indent=2))
    terminalreporter.write_line(f"(written to {SUMMARY})")

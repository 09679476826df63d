"""Start-up stays light: --help and --version import neither pint, icalendar nor holidays."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from click.testing import CliRunner
from regimen.cli import cli
r = CliRunner().invoke(cli, [{arg!r}])
assert r.exit_code == 0, r.output
heavy = sorted(m for m in ("pint", "icalendar", "holidays", "attrs") if m in sys.modules)
print(",".join(heavy))
"""


@pytest.mark.parametrize("arg", ["--help", "--version"])
def test_help_and_version_import_nothing_heavy(arg: str) -> None:
    out = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", PROBE.format(arg=arg)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == ""


def test_text_calendar_does_not_import_icalendar_or_holidays() -> None:
    probe = PROBE.replace(
        "[{arg!r}]", '["calendar", "lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "1"]'
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert "icalendar" not in out
    assert "holidays" not in out

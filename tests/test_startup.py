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


def test_console_script_version_fast_path() -> None:
    probe = (
        "import sys; sys.argv = ['regimen', '--version']; from regimen.__main__ import main; "
        "main(); print(','.join(m for m in ('click', 'pint', 'attrs') if m in sys.modules))"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    from regimen import __version__

    assert out == [f"regimen {__version__}", ""]


def test_python_dash_m_runs_the_cli() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "regimen", "bed", "10x2Gy", "--alpha-beta", "10Gy"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "= 24 Gy" in r.stdout

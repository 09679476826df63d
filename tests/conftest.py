"""Shared test helpers."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner, Result

from regimen.cli import cli


@pytest.fixture
def run() -> object:
    """Run the CLI in-process: ``run("bed", "10x2Gy")`` -> click Result."""
    runner = CliRunner()

    def _run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run


def one_error_line(result: Result) -> str:
    """Assert the run failed with exit 2 and exactly one stderr line; return that line."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files in tests/golden/ from the current output.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


# Hypothesis: a fixed seed under CI, so a red build is reproducible; fresh randomness locally.
from hypothesis import settings as _hsettings  # noqa: E402

_hsettings.register_profile("ci", derandomize=True, database=None, deadline=None)
if os.environ.get("CI") == "true":
    _hsettings.load_profile("ci")

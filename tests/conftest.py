"""Fixtures and options shared by every test module.

Shared helper functions live in :mod:`tests.helpers`; ``one_error_line`` is re-exported here
for modules that still import it from ``tests.conftest``.
"""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner, Result

from regimen.cli import cli
from tests import schema_check
from tests.helpers import one_error_line

__all__ = ["one_error_line"]

# Every JSON document a test produces through the command line (this fixture's runner and any
# other CliRunner) is validated against its published schema; a mismatch fails that test.
schema_check.install()


@pytest.fixture
def run() -> object:
    """Run the CLI in-process: ``run("bed", "10x2Gy")`` -> click Result."""
    runner = CliRunner()

    def _run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run


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

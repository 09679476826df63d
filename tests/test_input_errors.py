"""The invalid-input corpus: every case in tests/data/invalid/cases.toml is refused cleanly.

Each case is a ``regimen`` command line (run in-process from tests/data/invalid, so file paths
in messages are the short relative paths written in the case). It must exit 2 with exactly one
line on stderr, equal to the case's ``error``, no traceback, nothing on stdout, and no file
written: not under ``{tmp}`` (where the ``-o`` cases point) and not in the corpus folder.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from regimen.cli import cli

CORPUS = Path(__file__).resolve().parent / "data" / "invalid"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))[
    "case"
]
MIN_CASES = 60


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_invalid_input_is_refused_with_one_line(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    monkeypatch.chdir(CORPUS)
    args = [a.replace("{tmp}", str(out_dir)) for a in case["args"]]
    expected = case["error"].replace("{tmp}", str(out_dir))
    before = _tree(CORPUS)

    result = CliRunner().invoke(cli, args, prog_name="regimen", catch_exceptions=False)

    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [expected]
    assert result.exit_code == 2
    assert result.stdout == ""
    assert list(out_dir.iterdir()) == [], "an output file was written for bad input"
    assert _tree(CORPUS) == before, "a file was written into the corpus folder"


def test_corpus_is_large_enough_and_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) >= MIN_CASES
    assert len(set(ids)) == len(ids), "duplicate case ids"
    for case in CASES:
        assert set(case) == {"id", "args", "error"}, case["id"]
        assert case["args"] and all(isinstance(a, str) for a in case["args"]), case["id"]
        assert case["error"].startswith("error: ") and "\n" not in case["error"], case["id"]


def test_every_corpus_file_is_used() -> None:
    # Every file of every folder of the corpus (an argument may carry it after "=").
    used = {part for c in CASES for a in c["args"] for part in (a, a.partition("=")[2])}
    files = {
        str(p.relative_to(CORPUS))
        for p in CORPUS.rglob("*")
        if p.is_file() and p.parent != CORPUS
    }
    assert files, "no corpus files found"
    assert files - used == set(), "corpus files no case refers to"

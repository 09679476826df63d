"""README.md cannot drift: every ``regimen`` command line it shows runs, as written.

The commands are read from the README's fenced code blocks (the quick start's
``.venv/bin/regimen ...`` commands, Usage, Exports, the batch example); a backslash at the end
of a line continues the command, ``# ...`` is a comment. Each runs in-process (the quick start's
through the installed console script) in a fresh folder holding what the README tells a reader
to have: a copy of ``regimens/``, the AE log the README shows as ``log.csv``, and a
``cohort.csv`` (as the README shows it; see :data:`COHORT`). A command
that reads a file an earlier command of its block wrote (``check-ics plan.ics``, ``--force``)
runs after the earlier commands of its block, as a reader following the README would.

Each must exit 0 (the README shows no command whose check fails), print no traceback, and do
what the README's text says it does (:data:`CLAIMS`). Every test file or data file the README
and the testing docs name must exist, so a rename cannot leave them pointing nowhere.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner, Result

from regimen.cli import cli
from regimen.loading import bundled_ids
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


class Command(NamedTuple):
    block: str  # the heading of the README section the block is in
    index: int  # position of the command within its block
    argv: tuple[str, ...]  # after "regimen"
    line: str  # as written in the README (continuations joined)


def _fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(section heading, block text) for every ``` fenced block, in order."""
    blocks: list[tuple[str, str]] = []
    heading, body, inside = "", [], False
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append((heading, "\n".join(body)))
            inside, body = not inside, []
        elif inside:
            body.append(line)
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    return blocks


def _commands(text: str) -> list[Command]:
    out: list[Command] = []
    for heading, block in _fenced_blocks(text):
        joined = re.sub(r"\\\n\s*", "", block)
        found: list[tuple[tuple[str, ...], str]] = []
        for line in joined.splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if not words or Path(words[0]).name != "regimen":
                    continue
                found.append((tuple(words[1:]), part.split(" #")[0].strip()))
        out += [Command(heading, i, argv, line) for i, (argv, line) in enumerate(found)]
    return out


COMMANDS = _commands(README)
QUICK_START = [c for c in COMMANDS if c.block == "Quick start"]
OTHERS = [c for c in COMMANDS if c.block != "Quick start"]


def _id(c: Command) -> str:
    """``usage-3-validate``: the section's first word that is not an article, position, command."""
    section = next(w for w in re.findall(r"[a-z]+", c.block.lower()) if w not in ("a", "the"))
    return f"{section}-{c.index + 1}-{c.argv[0]}"


def _shown_block(after: str) -> str:
    """The fenced block that follows the README sentence beginning with ``after``."""
    start = README.index(after)
    return _fenced_blocks(README[start:])[0][1] + "\n"


#: The AE log the README shows ("An AE log is a CSV with ..."); the commands call it log.csv.
AE_LOG = _shown_block("An AE log is a CSV")
#: cohort.csv, as the README shows it under "A whole clinic at once".
COHORT = _shown_block("`cohort.csv` has `patient,regimen,start`")


def _folder(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "regimens", tmp_path / "regimens")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    (tmp_path / "log.csv").write_text(AE_LOG, encoding="utf-8")
    (tmp_path / "cohort.csv").write_text(COHORT, encoding="utf-8")
    return tmp_path


def _expand(argv: tuple[str, ...], cwd: Path) -> list[str]:
    """Expand globs (``regimens/*.toml``) as the shell would, relative to ``cwd``."""
    out: list[str] = []
    for word in argv:
        if any(ch in word for ch in "*?["):
            matches = sorted(glob.glob(word, root_dir=cwd))
            assert matches, f"{word} matches nothing"
            out += matches
        else:
            out.append(word)
    return out


def _run(argv: tuple[str, ...], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(cwd)
    return CliRunner().invoke(cli, _expand(argv, cwd), catch_exceptions=False)


# --- what the README's text says each command does ----------------------------------------------

#: A trailing zero ("12.0 mg") is never printed: "Output follows ISMP safe notation: `12 mg`".
TRAILING_ZERO = re.compile(r"\b\d+\.0+ ?(mg|mcg|g|Gy|cGy)\b")


def _json_out(r: Result, cwd: Path) -> None:
    json.loads(r.stdout)  # "--format json"


def _lists_bundled(r: Result, cwd: Path) -> None:
    # "regimen list  # bundled regimens"
    assert [line.split()[0] for line in r.stdout.splitlines()] == bundled_ids()


def _shows_regimen(r: Result, cwd: Path) -> None:
    # "courses, dose levels, rules, sources"
    for word in ("dose levels", "rule:", "400 cGy", "700 cGy", "12 mg"):
        assert word in r.stdout, word


def _validates(r: Result, cwd: Path) -> None:
    # "strict load + declared figures": one "ok" per bundled file
    assert r.stdout.count(": ok") == len(glob.glob("regimens/*.toml", root_dir=cwd))


def _warns_above_6_gy(r: Result, cwd: Path) -> None:
    # "Above 6 Gy per fraction the text output warns that plain LQ may overestimate"
    assert "may overestimate" in r.stdout + r.stderr


def _lq_l(r: Result, cwd: Path) -> None:
    # "`--model lq-l --transition-dose Q` selects Astrahan's LQ-L model"
    assert "LQ-L" in r.stdout and "may overestimate" not in r.stdout + r.stderr


def _csv_file(r: Result, cwd: Path) -> None:
    # "Rows end with CRLF" (RFC 4180); one row per event, then the decisions of the replay
    data = (cwd / "plan.csv").read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 1
    kinds = {row["kind"] for row in csv.DictReader(io.StringIO(data.decode()))}
    assert {"dose", "held", "decision"} <= kinds


def _ics_file(r: Result, cwd: Path) -> None:
    data = (cwd / "plan.ics").read_text(encoding="utf-8")
    assert data.startswith("BEGIN:VCALENDAR") and "RRULE" not in data  # "never a recurrence rule"


def _timed_ics_file(r: Result, cwd: Path) -> None:
    # "all-day events unless `--time` and `--tz` are given (then with a VTIMEZONE)"
    data = (cwd / "plan.ics").read_text(encoding="utf-8")
    assert "BEGIN:VTIMEZONE" in data and "TZID:Asia/Shanghai" in data


def _html_file(name: str) -> Callable[[Result, Path], None]:
    def check(r: Result, cwd: Path) -> None:
        page = (cwd / name).read_text(encoding="utf-8")
        assert page.lstrip().lower().startswith("<!doctype html")

    return check


def _batch(r: Result, cwd: Path) -> None:
    # "`summary.csv` lists every row's status"; one calendar per patient
    with (cwd / "calendars" / "summary.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["patient"] for row in rows] == ["P001", "P002"]
    assert sorted(p.name for p in (cwd / "calendars").glob("*.ics")) == ["P001.ics", "P002.ics"]


#: README line (as written, continuations joined) -> checks of what the README says it does.
CLAIMS: dict[str, tuple[Callable[[Result, Path], None], ...]] = {
    "regimen list": (_lists_bundled,),
    "regimen show lms-rt-anlotinib": (_shows_regimen,),
    "regimen validate regimens/*.toml": (_validates,),
    'regimen bed "10x400cGy + 3x700cGy" --alpha-beta 10Gy --alpha-beta 3Gy': (_warns_above_6_gy,),
    'regimen bed "50.4 Gy/28" --alpha-beta 10Gy --reference-dose 200cGy --format json': (
        _json_out,
    ),
    'regimen bed "3x20Gy" --alpha-beta 10Gy --model lq-l --transition-dose 6Gy': (_lq_l,),
    "regimen calendar anlotinib-sts --start 2018-09-20 --cycles 3 --format json": (_json_out,),
    "regimen calendar anlotinib-sts --start 2022-01-03 --cycles 3 --ae-log log.csv -o plan.csv "
    "--format csv": (_csv_file,),
    "regimen calendar lms-rt-anlotinib --start 2022-05-16 --cycles 6 --format ics -o plan.ics": (
        _ics_file,
    ),
    "regimen calendar lms-rt-anlotinib --start 2022-05-16 --cycles 6 --format ics -o plan.ics "
    "--force --time 08:00 --tz Asia/Shanghai --reminder 07:30": (_timed_ics_file,),
    "regimen calendar lms-rt-anlotinib --start 2022-05-16 --cycles 6 --format html -o plan.html": (
        _html_file("plan.html"),
    ),
    "regimen calendar anlotinib-sts --start 2018-09-20 --cycles 3 --format html --lang zh "
    "-o plan-zh.html": (_html_file("plan-zh.html"),),
    "regimen batch cohort.csv --output-dir calendars --format ics --jobs 2": (_batch,),
}


def _normal(line: str) -> str:
    return " ".join(line.split())


# --- the tests ----------------------------------------------------------------------------------


def test_the_readme_shows_the_commands_it_documents() -> None:
    """The extraction finds every block: the quick start's two, Usage, Exports and batch."""
    assert len(QUICK_START) == 2
    blocks = {c.block for c in OTHERS}
    assert {"Usage", "A whole clinic at once"} <= blocks
    assert any(b.startswith("Exports") for b in blocks)
    commands = {c.argv[0] for c in COMMANDS}
    assert commands >= {"list", "show", "validate", "bed", "isoeffect", "dose", "calendar"}
    assert commands >= {"check-ics", "batch"}
    lines = {_normal(c.line) for c in COMMANDS}
    assert set(CLAIMS) <= lines, set(CLAIMS) - lines


@pytest.mark.parametrize("command", OTHERS, ids=[_id(c) for c in OTHERS])
def test_readme_command_runs_as_written(
    command: Command, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = _folder(tmp_path)
    for earlier in [c for c in OTHERS if c.block == command.block and c.index < command.index]:
        r = _run(earlier.argv, cwd, monkeypatch)
        assert r.exit_code == 0, (earlier.line, r.stderr)
    r = _run(command.argv, cwd, monkeypatch)
    assert r.exit_code == 0, (command.line, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stdout or any(w in command.argv for w in ("-o", "--output-dir"))
    assert not TRAILING_ZERO.search(r.stdout), TRAILING_ZERO.search(r.stdout)
    for check in CLAIMS.get(_normal(command.line), ()):
        check(r, cwd)


@pytest.mark.parametrize("command", QUICK_START, ids=[_id(c) for c in QUICK_START])
def test_quick_start_command_runs_as_written(command: Command, tmp_path: Path) -> None:
    """The quick start's ``.venv/bin/regimen ...``, through the installed console script."""
    exe = Path(sys.executable).parent / "regimen"
    argv = [str(exe)] if exe.exists() else [sys.executable, "-m", "regimen"]
    done = subprocess.run(  # noqa: S603 - our own console script and the README's arguments
        [*argv, *command.argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (command.line, done.stderr)
    assert not done.stderr
    # "the calendar of the bundled lms-rt-anlotinib regimen (IMRT 400 cGy x 10, a 700 cGy x 3
    # stereotactic boost, then two 21-day cycles of anlotinib 12 mg) and its dose summary"
    for word in ("400 cGy", "700 cGy", "12 mg"):
        assert word in done.stdout, word
    assert not TRAILING_ZERO.search(done.stdout)


# --- file names the documentation gives -----------------------------------------------------------

DOCS = ("README.md", "docs/testing.md", "docs/design.md", ".ci/run", "pyproject.toml")


@pytest.mark.parametrize("doc", DOCS)
def test_every_test_file_the_docs_name_exists(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    named = set(re.findall(r"tests/[\w./-]*\w", text))
    named |= {f"tests/{n}" for n in re.findall(r"(?<![/\w])(test_\w+\.py)", text)}
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert not missing, f"{doc} names files that do not exist: {missing}"

"""Fuzzing the CLI in-process: every run succeeds or exits 2 with one line, never a traceback.

Hypothesis generates argument lists, mutated regimen files, AE logs and expressions. The CI run
is derandomized (a fixed seed) with a few thousand cases in under a minute; set
REGIMEN_FUZZ_EXAMPLES (e.g. 20000) for a long run with fresh randomness.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimen.cli import cli

LONG = int(os.environ.get("REGIMEN_FUZZ_EXAMPLES", "0"))
EXAMPLES = LONG or 400
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
ROOT = Path(__file__).resolve().parents[1]
BUNDLED = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "regimens").glob("*.toml")}
RUNNER = CliRunner()

TOKENS = [
    "10x400cGy",
    "3 x 7 Gy",
    "50.4 Gy/28",
    "50.4Gy/28f",
    "2.5x2Gy",
    "10x400mg",
    "0x2Gy",
    "10x0Gy",
    "1e308Gy",
    "nanGy",
    "x",
    "+",
    "/",
    "10x2Sv",
    "10Gy",
    "3Gy",
    "0Gy",
    "-3Gy",
    "200cGy",
    "2 rad",
    "1 J/kg",
    "12 mg",
    "0.5mg",
    "2022-05-16",
    "2022-02-30",
    "03/04/2022",
    "10000-01-01",
    "0",
    "-1",
    "25",
    "10000000",
    "lq",
    "lq-l",
    "text",
    "json",
    "csv",
    "ics",
    "html",
    "--alpha-beta",
    "--reference-dose",
    "--model",
    "--transition-dose",
    "--overall-time",
    "--kickoff",
    "--k",
    "--dprolif",
    "--dose-per-fraction",
    "--fractions",
    "--start",
    "--cycles",
    "--holidays",
    "CN",
    "XX",
    "--course-start",
    "anlotinib=2022-06-01",
    "radiotherapy=2022-05-01",
    "--start-dose",
    "anlotinib=10mg",
    "anlotinib=9mg",
    "--format",
    "--time",
    "08:00",
    "25:00",
    "--tz",
    "Asia/Shanghai",
    "Mars/Olympus",
    "--reminder",
    "--with-drug-names",
    "--plan-id",
    "--generated-at",
    "2022-01-01T00:00:00Z",
    "yesterday",
    "30d",
    "28d",
    "0.9Gy/d",
    "-1Gy/d",
    "--treat-makeup-days",
    "",
    " ",
    "é",
    "中文",
    "\x00",
    *BUNDLED,
]
COMMANDS = ["bed", "isoeffect", "dose", "calendar", "show", "validate", "list", "check-ics"]


def _check(argv: list[str]) -> None:
    result = RUNNER.invoke(cli, argv, catch_exceptions=True)
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr, (argv, result.stderr)
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) >= 1, argv
        assert lines[-1].startswith("error: "), (argv, result.stderr)
        if argv and argv[0] != "validate" and "--help" not in argv:
            assert len(lines) == 1, (argv, result.stderr)


@SETTINGS
@given(cmd=st.sampled_from(COMMANDS), rest=st.lists(st.sampled_from(TOKENS), max_size=8))
def test_fuzz_argv(cmd: str, rest: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [cmd, *rest]
        if cmd == "calendar" and "-o" not in argv:
            argv += ["-o", str(Path(tmp) / "out")]
        _check(argv)


EXPR_ALPHABET = "0123456789 x+/.-eEGycmgSvf×*"


@SETTINGS
@given(expr=st.text(alphabet=EXPR_ALPHABET, max_size=24), ab=st.sampled_from(["10Gy", "3 Gy"]))
def test_fuzz_expressions(expr: str, ab: str) -> None:
    _check(["bed", expr, "--alpha-beta", ab, "--format", "json"])
    _check(["isoeffect", expr, "--fractions", "5", "--alpha-beta", ab])


VALUES = [
    '"abc"',
    "1e308",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "2.7",
    "true",
    "[]",
    "[1, 2]",
    "{}",
    '"12 mg"',
    '"400 cGy"',
    '"21 d"',
    '"0 d"',
    '"1-30"',
    '"0-3"',
    '"any"',
    '"hold"',
    '"lower"',
    "10000000",
    '"2022-01-01"',
    "2022-01-01",
    '"中文"',
    '""',
]


@SETTINGS
@given(
    rid=st.sampled_from(sorted(BUNDLED)),
    edits=st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.sampled_from(["value", "delete", "dup", "junk"]),
            st.sampled_from(VALUES),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_fuzz_regimen_files(rid: str, edits: list[tuple[int, str, str]]) -> None:
    lines = BUNDLED[rid].splitlines()
    for pos, kind, value in edits:
        i = pos % len(lines)
        if kind == "value" and "=" in lines[i]:
            lines[i] = lines[i].split("=", 1)[0] + "= " + value
        elif kind == "delete":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        else:
            lines.insert(i, value)
        if not lines:
            lines = [""]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{rid}.toml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        _check(["validate", str(path)])
        _check(
            [
                "calendar",
                str(path),
                "--start",
                "2022-05-16",
                "--cycles",
                "2",
                "-o",
                str(Path(tmp) / "out.txt"),
            ]
        )


TERMS = ["hand-foot skin reaction", "Hypertension", "bleeding", "diarrhoea", "wibble", "", "any"]
DATES = [
    "2022-01-02",
    "2022-01-05",
    "2022-01-10",
    "2022-01-12",
    "2022-01-20",
    "2022-02-30",
    "03/04/2022",
    "2022-1-5",
    "10000-01-01",
    "",
]
GRADES = ["0", "1", "2", "3", "4", "5", "6", "-1", "2.5", "x", ""]


@SETTINGS
@given(
    header=st.sampled_from(
        [
            "date,term,grade",
            "date,term,grade,note",
            "date,term,grade,course",
            "date,term",
            "term,date,grade",
            "",
            "date,term,grade,extra",
        ]
    ),
    rows=st.lists(
        st.tuples(
            st.sampled_from(DATES),
            st.sampled_from(TERMS),
            st.sampled_from(GRADES),
            st.sampled_from(["", "anlotinib", "pembrolizumab", "nope"]),
        ),
        max_size=6,
    ),
    rid=st.sampled_from(["anlotinib-sts", "anlotinib-pembrolizumab", "lms-rt-anlotinib"]),
)
def test_fuzz_ae_logs(header: str, rows: list[tuple[str, str, str, str]], rid: str) -> None:
    body = "\n".join(",".join(r) for r in rows)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "log.csv"
        log.write_text(f"{header}\n{body}\n", encoding="utf-8")
        _check(
            [
                "calendar",
                rid,
                "--start",
                "2022-01-03",
                "--cycles",
                "2",
                "--ae-log",
                str(log),
                "--format",
                "json",
                "-o",
                str(Path(tmp) / "out.json"),
            ]
        )
        _check(["dose", rid, "--start", "2022-01-03", "--cycles", "2", "--ae-log", str(log)])

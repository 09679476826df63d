"""The calendar CSV opens in a spreadsheet as data (OWASP CSV injection, RFC 4180), and carries
the decisions of the AE replay.

Expected cells come from the rules: OWASP's "CSV Injection" page (prefix a text cell that
starts with = + - @ tab or CR with a single quote) and RFC 4180 (CRLF row ends; a field with a
comma, quote, CR or LF is quoted).
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen.export import csvsafe


def _cli(run, tmp_path, log_text: str, *extra: str):
    log = tmp_path / "log.csv"
    log.write_text(log_text, encoding="utf-8")
    return run(
        "calendar",
        "anlotinib-sts",
        "--start",
        "2022-01-03",
        "--cycles",
        "2",
        "--ae-log",
        str(log),
        "--format",
        "csv",
        *extra,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_text_cells_starting_a_formula_are_neutralised(value: str, expected: str) -> None:
    assert csvsafe.cell(value) == expected


def test_numbers_stay_numbers() -> None:
    text = csvsafe.render(["n", "x"], [[-1, 2.5]])
    assert text == "n,x\r\n-1,2.5\r\n"


def test_regression_a_lone_cr_cannot_forge_a_row() -> None:
    text = csvsafe.render(["patient", "status"], [["a\rb,ok", "error"]])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["patient", "status"], ["a\rb,ok", "error"]]
    assert text.endswith("\r\n") and text.count("\r\n") == 2


@given(st.lists(st.lists(st.text(max_size=12), min_size=3, max_size=3), max_size=6))
def test_property_every_row_reads_back_as_written_and_safe(rows: list[list[str]]) -> None:
    text = csvsafe.render(["a", "b", "c"], rows)
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert len(back) == len(rows) + 1
    for written, read in zip(rows, back[1:], strict=True):
        for w, r in zip(written, read, strict=True):
            assert not r.startswith(csvsafe.FORMULA_TRIGGERS)
            assert r in (w, "'" + w)


def test_regression_calendar_csv_uses_crlf_and_carries_decisions(run, tmp_path) -> None:
    r = _cli(
        run,
        tmp_path,
        "date,term,grade,note\n2022-01-07,epistaxis,2,=HYPERLINK(\"x\")\n"
        "2022-01-12,epistaxis,1,\n",
    )
    assert r.exit_code == 0, r.stderr
    text = r.stdout_bytes.decode("utf-8")  # click's Result.stdout turns CRLF into LF
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    decisions = [row for row in rows if row["kind"] == "decision"]
    # Written rules (docs/dose-modification.md, bundled bleeding rule): grade 2 epistaxis at
    # 12 mg holds; the grade 1 row on 2022-01-12 resumes one level lower, at 10 mg.
    assert [(d["date"], d["action"], d["dose_before"], d["dose_after"]) for d in decisions] == [
        ("2022-01-07", "hold", "12 mg", ""),
        ("2022-01-12", "resume", "12 mg", "10 mg"),
    ]
    assert decisions[0]["note"] == "'=HYPERLINK(\"x\")"
    assert decisions[0]["source_kind"] == "consensus"
    assert decisions[0]["rule"] and decisions[0]["reason"]
    events = [row for row in rows if row["kind"] != "decision"]
    assert all(row["action"] == "" for row in events)
    held = [row["date"] for row in events if row["kind"] == "held"]
    assert held == ["2022-01-07", "2022-01-08", "2022-01-09", "2022-01-10", "2022-01-11"]

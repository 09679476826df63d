"""iCalendar export, checked the way real clients see it.

The lint (regimen.icslint) checks the bytes against RFC 5545; then three independent readers
(icalendar, ical, recurring-ical-events) and the khal calendar client must each see exactly the
plan's events on the plan's dates.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from regimen.drugs import MAX_CYCLES
from regimen.export.ics import content_line
from regimen.files import MAX_INPUT_BYTES
from regimen.icslint import MAX_ICS_BYTES, lint
from regimen.loading import bundled_ids, load_regimen
from tests.helpers import (
    ICS_STAMP,
    khal_config,
    khal_import,
    khal_list,
    one_error_line,
    read_back,
)

STAMP = ICS_STAMP
HFSR_CYCLE3 = (
    "date,term,grade\n2022-07-18,hand-foot skin reaction,3\n2022-07-20,hand-foot skin reaction,1\n"
)


def _body(rid: str) -> list[str]:
    """--height and --weight for a regimen with a course dosed per m² (issue 12), else none."""
    from regimen.app import per_area_courses

    return ["--height", "170cm", "--weight", "70kg"] if per_area_courses(load_regimen(rid)) else []


def _ics(run, tmp_path: Path, *argv: str, name: str = "plan.ics") -> bytes:
    out = tmp_path / name
    r = run("calendar", *argv, "--format", "ics", "--generated-at", STAMP, "-o", str(out))
    assert r.exit_code == 0, r.stderr
    return out.read_bytes()


def _plan_json(run, *argv: str) -> dict:
    r = run("calendar", *argv, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _plan_events(run, *argv: str) -> list[dict]:
    """Every event of the plan, held days included (each is an event of the .ics)."""
    return list(_plan_json(run, *argv)["events"])


def _event_key(e: dict) -> tuple:
    """What an event is (the issue: a re-export keeps it under its UID, wherever it moves)."""
    return (e["course"], e.get("fraction"), e.get("cycle"), e.get("day"))


def expected_dates(run, argv: list[str], log: Path | None) -> list[str]:
    """The start dates the .ics must hold, from the plan's JSON (not from the exporter):
    one per plan event (held days included), one "stopped" event per discontinued course and,
    with a log, one cancelled event per event of the plan without the log that this plan no
    longer has (at the date it was planned), and one cancelled stop per course not stopped
    whose hold could have stopped it "as the log stood" (its first such hold's date plus the
    maximum hold)."""
    if log is None:
        return sorted(e["date"] for e in _plan_events(run, *argv))
    plan = _plan_json(run, *argv, "--ae-log", str(log))
    base = [e for e in _plan_events(run, *argv) if e["kind"] != "held"]
    keys = {_event_key(e) for e in plan["events"]}
    dates = [e["date"] for e in plan["events"]]
    stopped = {s["course"] for s in plan["status"] if s["discontinued_on"]}
    dates += [s["discontinued_on"] for s in plan["status"] if s["discontinued_on"]]
    dates += [e["date"] for e in base if _event_key(e) not in keys]
    withdrawn: dict[str, str] = {}
    for d in plan["decisions"]:
        limit = re.search(r"discontinue if not recovered within (\d+) d", d["rule"] or "")
        if d["action"] == "hold" and limit and d["course"] not in stopped:
            date = dt.date.fromisoformat(d["date"]) + dt.timedelta(days=int(limit[1]))
            withdrawn[d["course"]] = min(withdrawn.get(d["course"], "9999"), date.isoformat())
    return sorted(dates + list(withdrawn.values()))


def _vevent_blocks(data: bytes) -> list[str]:
    text = data.decode().replace("\r\n ", "")
    return text.split("BEGIN:VEVENT")[1:]


def _prop(block: str, name: str) -> str:
    for line in block.split("\r\n"):
        if line.split(";")[0].split(":")[0] == name:
            value = line.split(":", 1)[1]
            return value.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")
    raise AssertionError(f"{name} missing")


# --- every bundled regimen, every variant -----------------------------------------------------

LOGS = Path(__file__).parent / "data" / "ae_logs"
TIMED = ("--time", "08:00", "--tz", "Asia/Shanghai", "--reminder", "07:30")
VARIANTS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "plain": ((), None),
    "named": (("--with-drug-names",), None),
    "timed": (TIMED, None),
    "log-hold-across-day1": ((), "hold-across-day1.csv"),
    "log-bleed-hold-recover": ((), "bleed-hold-recover.csv"),
    "log-no-recovery-waits": ((), "no-recovery-waits.csv"),
    "log-stop-grade4-named-timed": (("--with-drug-names", *TIMED), "stop-grade4.csv"),
}
CASES = [
    pytest.param(rid, variant, id=f"{rid}-{variant}")
    for rid in bundled_ids()
    for variant, (_, log) in VARIANTS.items()
    if log is None or load_regimen(rid).drugs
]


@pytest.mark.parametrize(("rid", "variant"), CASES)
def test_bundled_regimens_pass_lint_and_parsers(
    run, tmp_path: Path, rid: str, variant: str
) -> None:
    """Issue item 6: with and without drug names, timed with a reminder, with an AE log: the
    file passes check-ics and three readers see exactly the expected events."""
    extra, log_name = VARIANTS[variant]
    argv = [rid, "--start", "2022-05-16", "--cycles", "3", *_body(rid)]
    log = LOGS / log_name if log_name else None
    data = _ics(run, tmp_path, *argv, *extra, *(["--ae-log", str(log)] if log else []))
    expected = expected_dates(run, argv, log)
    assert lint(data, len(expected)) == []
    r = run("check-ics", str(tmp_path / "plan.ics"), "--events", str(len(expected)))
    assert r.exit_code == 0, r.stderr
    for reader, got in read_back(data).items():
        assert got == expected, reader


def test_acceptance_lms_six_cycles(run, tmp_path: Path) -> None:
    argv = ["lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "6"]
    data = _ics(run, tmp_path, *argv)
    blocks = _vevent_blocks(data)
    fractions = [b for b in blocks if _prop(b, "SUMMARY").startswith("Radiotherapy")]
    doses = [b for b in blocks if _prop(b, "SUMMARY").startswith("Treatment day")]
    assert (len(fractions), len(doses)) == (13, 84)
    assert lint(data, 97) == []
    r = run("check-ics", str(tmp_path / "plan.ics"), "--events", "97")
    assert r.exit_code == 0
    assert r.stdout.strip().endswith(": ok")


@pytest.mark.slow
def test_khal_imports_and_lists(run, tmp_path: Path) -> None:
    base = khal_config(tmp_path, ["plan"])
    argv = ["lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "6"]
    _ics(run, tmp_path, *argv)
    khal_import(base, tmp_path / "plan.ics", "plan")
    lines = khal_list(base, "2022-05-01", "2022-12-31", "{start-date} {title}")
    expected = _plan_events(run, *argv)
    assert len(lines) == len(expected) == 97
    assert lines[0] == "2022-05-16 Radiotherapy 1 of 13"
    assert "2022-06-02 Treatment day: cycle 1, day 1" in lines
    assert sorted(x.split()[0] for x in lines) == sorted(e["date"] for e in expected)


@pytest.mark.slow
@pytest.mark.parametrize("rid", ["gemcitabine-docetaxel", "doxorubicin", "pazopanib", "everolimus"])
def test_khal_reads_the_issue_12_regimens(run, tmp_path: Path, rid: str) -> None:
    """Issue 12 acceptance: the calendars of the new bundled regimens read back in khal, every
    event on its date (two cycles; the body-size regimens with 170 cm and 70 kg)."""
    base = khal_config(tmp_path, ["plan"])
    argv = [rid, "--start", "2022-01-03", "--cycles", "2", *_body(rid)]
    _ics(run, tmp_path, *argv)
    khal_import(base, tmp_path / "plan.ics", "plan")
    lines = khal_list(base, "2022-01-01", "2022-12-31", "{start-date} {title}")
    expected = _plan_events(run, *argv)
    assert len(lines) == len(expected) > 0
    assert sorted(x.split()[0] for x in lines) == sorted(e["date"] for e in expected)


def test_byte_identical_with_source_date_epoch(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1650000000")
    argv = [
        "calendar",
        "lms-rt-anlotinib",
        "--start",
        "2022-05-16",
        "--cycles",
        "6",
        "--format",
        "ics",
    ]
    assert run(*argv, "-o", str(tmp_path / "a.ics")).exit_code == 0
    assert run(*argv, "-o", str(tmp_path / "b.ics")).exit_code == 0
    a, b = (tmp_path / "a.ics").read_bytes(), (tmp_path / "b.ics").read_bytes()
    assert a == b
    assert b"DTSTAMP:20220415T052000Z" in a


def test_dose_change_keeps_uids_of_unchanged_events(run, tmp_path: Path) -> None:
    argv = ["lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "6"]
    plain = _ics(run, tmp_path, *argv, name="plain.ics")
    log = tmp_path / "log.csv"
    log.write_text(HFSR_CYCLE3, encoding="utf-8")  # cycle 3 day 1 is 2022-07-14
    changed = _ics(run, tmp_path, *argv, "--ae-log", str(log), name="changed.ics")

    def by_uid(data: bytes) -> dict[str, tuple[str, str, str]]:
        return {
            _prop(b, "UID"): (_prop(b, "SUMMARY"), _prop(b, "DTSTART"), _prop(b, "SEQUENCE"))
            for b in _vevent_blocks(data)
        }

    before, after = by_uid(plain), by_uid(changed)
    assert set(before) == set(after)  # every event is still there, under its UID
    for uid, (summary, start, seq) in before.items():
        assert seq == "0"  # no AE log: SEQUENCE 0
        if summary.startswith(
            ("Radiotherapy", "Treatment day: cycle 1,", "Treatment day: cycle 2,")
        ):
            # dated before the first AE row (2022-07-18): no row can have touched them
            assert after[uid] == (summary, start, "0")
    by_summary = {v[0]: (uid, v) for uid, v in before.items()}
    # cycle 3 days 5 and 6 (2022-07-18, 19) are held: the same UIDs now say "no dose", and
    # one row (2022-07-18) is dated on or before them: SEQUENCE 1
    for day, date in ((5, "20220718"), (6, "20220719")):
        uid, _ = by_summary[f"Treatment day: cycle 3, day {day}"]
        assert after[uid] == ("No dose today (on hold)", date, "1")
    # cycle 3 day 7 onwards is 10 mg after the hold; both rows are dated on or before it
    uid, _ = by_summary["Treatment day: cycle 3, day 9"]
    assert after[uid] == ("Treatment day: cycle 3, day 9", "20220722", "2")
    held = [b for b in _vevent_blocks(changed) if _prop(b, "DTSTART") == "20220718"]
    assert "HOLD" in _prop(held[0], "DESCRIPTION")
    desc = [
        b for b in _vevent_blocks(changed) if _prop(b, "SUMMARY") == "Treatment day: cycle 3, day 7"
    ]
    assert desc
    assert "RESUME" in _prop(desc[0], "DESCRIPTION")


def test_no_drug_names_in_summary_unless_asked(run, tmp_path: Path) -> None:
    for rid in bundled_ids():
        argv = [rid, "--start", "2022-05-16", "--cycles", "2", *_body(rid)]
        data = _ics(run, tmp_path, *argv, name=f"{rid}.ics")
        for block in _vevent_blocks(data):
            summary = _prop(block, "SUMMARY").lower()
            assert "anlotinib" not in summary
            assert "pembrolizumab" not in summary
            assert _prop(block, "CLASS") == "PRIVATE"
    named = _ics(
        run,
        tmp_path,
        "anlotinib-pembrolizumab",
        "--start",
        "2022-05-16",
        "--cycles",
        "1",
        "--with-drug-names",
        name="named.ics",
    )
    summaries = [_prop(b, "SUMMARY") for b in _vevent_blocks(named)]
    assert "Anlotinib 12 mg: cycle 1, day 1" in summaries
    assert "Pembrolizumab 100 mg: cycle 1, day 1" in summaries


def test_timed_events_with_vtimezone(run, tmp_path: Path) -> None:
    data = _ics(
        run,
        tmp_path,
        "lms-rt-anlotinib",
        "--start",
        "2022-05-16",
        "--cycles",
        "1",
        "--time",
        "08:00",
        "--tz",
        "Asia/Shanghai",
        "--reminder",
        "07:30",
    )
    text = data.decode()
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
    assert "TZID:Asia/Shanghai" in text
    assert "DTSTART;TZID=Asia/Shanghai:20220516T080000" in text
    assert "TRIGGER;RELATED=START:-PT30M" in text
    assert lint(data) == []


def test_all_day_reminder_fires_on_the_day(run, tmp_path: Path) -> None:
    data = _ics(
        run,
        tmp_path,
        "anlotinib-sts",
        "--start",
        "2022-05-16",
        "--cycles",
        "1",
        "--reminder",
        "07:30",
    )
    assert "TRIGGER;RELATED=START:PT7H30M" in data.decode()
    assert "TRIGGER;RELATED=START:-" not in data.decode()


def test_bad_zone_one_line(run, tmp_path: Path) -> None:
    out = tmp_path / "x.ics"
    line = one_error_line(
        run(
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "2022-05-16",
            "--cycles",
            "1",
            "--format",
            "ics",
            "--time",
            "08:00",
            "--tz",
            "Mars/Olympus",
            "-o",
            str(out),
        )
    )
    assert (
        line == "error: --tz: unknown time zone 'Mars/Olympus'; use an IANA name like Asia/Shanghai"
    )
    assert not out.exists()


def test_lint_catches_what_lenient_parsers_accept() -> None:
    good = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        b"DTSTAMP:20220101T000000Z\r\nDTSTART;VALUE=DATE:20220102\r\n"
        b"DTEND;VALUE=DATE:20220103\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert lint(good, 1) == []
    assert any("DTEND is not after" in p for p in lint(good.replace(b"20220103", b"20220101")))
    assert any("UID appears 0" in p for p in lint(good.replace(b"UID:a\r\n", b"")))
    assert any("CRLF" in p for p in lint(good.replace(b"\r\n", b"\n")))
    assert any(
        "TZID" in p
        for p in lint(
            good.replace(
                b"DTSTART;VALUE=DATE:20220102\r\nDTEND;VALUE=DATE:20220103",
                b"DTSTART;TZID=Asia/Shanghai:20220102T080000\r\nDTEND;TZID=Asia/Shanghai:20220102T083000",
            )
        )
    )
    assert any(
        "floating" in p
        for p in lint(
            good.replace(
                b"DTSTART;VALUE=DATE:20220102\r\nDTEND;VALUE=DATE:20220103",
                b"DTSTART:20220102T080000\r\nDTEND:20220102T083000",
            )
        )
    )
    assert any(
        "RRULE" in p for p in lint(good.replace(b"UID:a\r\n", b"UID:a\r\nRRULE:FREQ=DAILY\r\n"))
    )
    assert any("octets" in p for p in lint(good.replace(b"UID:a", b"UID:" + b"a" * 80)))
    assert any("the plan has 2" in p for p in lint(good, 2))


GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize(("fmt", "suffix"), [("ics", "ics"), ("html", "html")])
def test_golden(run, tmp_path: Path, update_golden: bool, fmt: str, suffix: str) -> None:
    log = tmp_path / "log.csv"
    log.write_text(HFSR_CYCLE3, encoding="utf-8")
    extra = ["--generated-at", STAMP] if fmt == "ics" else []
    out = tmp_path / f"out.{suffix}"
    r = run(
        "calendar",
        "lms-rt-anlotinib",
        "--start",
        "2022-05-16",
        "--cycles",
        "3",
        "--ae-log",
        str(log),
        "--format",
        fmt,
        *extra,
        "-o",
        str(out),
    )
    assert r.exit_code == 0, r.stderr
    golden = GOLDEN / f"lms-rt-anlotinib-ae.{suffix}"
    if update_golden:
        golden.write_bytes(out.read_bytes())
    assert out.read_bytes() == golden.read_bytes(), (
        f"{golden.name} differs; review the diff and rerun with --update-golden if intended"
    )


# --- issue item 3: one line writer ------------------------------------------------------------

# Text around the fold point: escapes (\n, \, \; \,) and multi-byte characters at every offset.
FOLD_TEXT = st.lists(
    st.sampled_from(["a", " ", "\n", "\\", ";", ",", "é", "中", "😀", "\r\n"]), max_size=200
).map("".join)


def _physical_lines(line: str) -> list[bytes]:
    return line.encode("utf-8").split(b"\r\n")


@given(prefix=st.integers(min_value=0, max_value=80), value=FOLD_TEXT)
def test_regression_fold_never_splits_an_escape_or_a_character(prefix: int, value: str) -> None:
    """RFC 5545 3.1: at most 75 octets a line, never inside a UTF-8 sequence; icalendar issue
    1501: a fold between the backslash and the n of an escaped newline makes Google Calendar
    drop the event, so a fold never splits an escape either."""
    line = content_line("SUMMARY", "x" * prefix + value, text=True)
    parts = _physical_lines(line)
    for i, part in enumerate(parts):
        assert len(part) <= 75
        part.decode("utf-8")  # each physical line is whole UTF-8 by itself
        if i:
            assert part[:1] == b" "
        body = part[1:] if i else part
        # an odd run of backslashes at the end of a line would be a split escape
        assert (len(body) - len(body.rstrip(b"\\"))) % 2 == 0
    escaped = line.replace("\r\n ", "").split(":", 1)[1]
    # RFC 5545 3.3.11: \\ \; \, and \n (or \N) are the only escapes
    unescaped = re.sub(r"\\([\\;,nN])", lambda m: {"n": "\n", "N": "\n"}.get(m[1], m[1]), escaped)
    assert unescaped == ("x" * prefix + value).replace("\r\n", "\n")


def test_regression_writer_never_emits_control_characters() -> None:
    """Defence in depth: a control character (C0 but the escaped newline, DEL, C1), a lone CR
    or a lone surrogate that reaches the writer is written as U+FFFD, never as itself."""
    value = "a\x07b\rc\x85d\x7fe\x1b[2Jf\x00g\td\ud800h\ni"
    for text in (True, False):
        line = content_line("SUMMARY", value, text=text)
        assert not re.search("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]", line)
        assert "\r" not in line.replace("\r\n ", "")
        line.encode("utf-8")
    escaped = content_line("SUMMARY", value, text=True)
    assert escaped == ("SUMMARY:a\ufffdb\ufffdc\ufffdd\ufffde\ufffd[2Jf\ufffdg\ufffdd\ufffdh\\ni")


def test_regression_calendar_name_is_folded_and_escaped(run, tmp_path: Path) -> None:
    """NAME and X-WR-CALNAME go through the writer: with --with-drug-names the regimen's
    name (over 75 octets, with commas) is folded and escaped, so check-ics passes."""
    data = _ics(
        run, tmp_path, "lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "1",
        "--with-drug-names",
    )  # fmt: skip
    assert lint(data) == []
    name = load_regimen("lms-rt-anlotinib").name
    assert len(f"NAME:{name}".encode()) > 75
    unfolded = data.decode().replace("\r\n ", "")
    escaped = name.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    assert f"\r\nNAME:{escaped}\r\n" in unfolded
    assert f"\r\nX-WR-CALNAME:{escaped}\r\n" in unfolded
    assert run("check-ics", str(tmp_path / "plan.ics")).exit_code == 0


# --- issue item 4: check-ics ------------------------------------------------------------------


def test_regression_check_ics_lf_file_is_one_finding(run, tmp_path: Path) -> None:
    data = _ics(run, tmp_path, "anlotinib-sts", "--start", "2022-05-16", "--cycles", "1")
    lf = tmp_path / "lf.ics"
    lf.write_bytes(data.replace(b"\r\n", b"\n"))
    r = run("check-ics", str(lf))
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [f"{lf}: uses LF line ends; RFC 5545 requires CRLF"]
    assert r.stdout == ""


def test_regression_check_ics_reports_controls_without_echoing_them(run, tmp_path: Path) -> None:
    good = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        b"DTSTAMP:20220101T000000Z\r\nDTSTART;VALUE=DATE:20220102\r\n"
        b"DTEND;VALUE=DATE:20220103\r\nSUMMARY:ok\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    bad = good.replace(b"SUMMARY:ok", b"SUMMARY:o\x1b[2Jk\x07\rx\ny")
    path = tmp_path / "bad.ics"
    path.write_bytes(bad)
    r = run("check-ics", str(path))
    assert r.exit_code == 1
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    lines = r.stderr.splitlines()
    assert f"{path}: line 9: bare LF inside the line; lines must end with CRLF" in lines
    assert f"{path}: line 9: bare CR inside the line; lines must end with CRLF" in lines
    assert f"{path}: line 9: control character U+0007, U+001B in content" in lines
    # a long value quoted in a finding is cut, and escaped
    long = good.replace(b"UID:a", b"UID:a\r\nDTSTAMP:2022" + b"\x1bX" * 5000)
    path.write_bytes(long)
    r = run("check-ics", str(path))
    assert r.exit_code == 1
    assert "\x1b" not in r.stderr
    assert max(len(x) for x in r.stderr.splitlines()) < 300
    # a file of many bad lines: a bounded number of findings
    many = good.replace(b"SUMMARY:ok", b"\r\n".join([b"X-A:" + b"a" * 80] * 1000))
    path.write_bytes(many)
    r = run("check-ics", str(path))
    lines = r.stderr.splitlines()
    assert len(lines) == 101
    assert lines[-1] == f"{path}: ... and 900 more findings"


def test_regression_lint_finds_a_fold_inside_an_escape() -> None:
    good = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:a\r\n"
        b"DTSTAMP:20220101T000000Z\r\nDTSTART;VALUE=DATE:20220102\r\n"
        b"DESCRIPTION:one\\\r\n ntwo\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert lint(good) == ["line 9: folded inside a backslash escape"]
    assert lint(good.replace(b"one\\\r\n n", b"one\\n\r\n ")) == []


def test_check_ics_reads_through_read_input(run, tmp_path: Path) -> None:
    """A FIFO, a folder or a file over the limit is one error line (exit 2), never a hang."""
    fifo = tmp_path / "pipe.ics"
    os.mkfifo(fifo)
    assert "is not a regular file" in one_error_line(run("check-ics", str(fifo)))
    assert "is a directory" in one_error_line(run("check-ics", str(tmp_path)))
    big = tmp_path / "big.ics"
    with big.open("wb") as f:
        f.truncate(MAX_ICS_BYTES + 1)
    assert f"is over {MAX_ICS_BYTES} bytes" in one_error_line(run("check-ics", str(big)))


def test_check_ics_limit_holds_regimens_largest_file(run, tmp_path: Path) -> None:
    """The largest plan regimen lays out (MAX_CYCLES cycles of two drugs, timed, named) is
    under the check-ics limit and passes it."""
    data = _ics(
        run, tmp_path, "anlotinib-pembrolizumab", "--start", "2022-01-03",
        "--cycles", str(MAX_CYCLES), "--with-drug-names", *TIMED,
    )  # fmt: skip
    assert MAX_INPUT_BYTES < len(data) < MAX_ICS_BYTES
    assert run("check-ics", str(tmp_path / "plan.ics")).exit_code == 0


# --- issue item 5: options --------------------------------------------------------------------

CAL = ["calendar", "anlotinib-sts", "--start", "2022-05-16", "--cycles", "1", "--format", "ics"]


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (["--time", "0\u00b2:00", "--tz", "Asia/Shanghai"], "--time"),  # superscript two
        (["--time", "\u0660\u0668:00", "--tz", "Asia/Shanghai"], "--time"),  # Arabic-Indic
        (["--reminder", "07:3\u00b2"], "--reminder"),
        (["--time", "08:00", "--tz", ""], "--tz"),  # '' was read as "not given"
        (["--reminder", ""], "--reminder"),
        (["--time", "08:00", "--tz", "Asia/Shanghai", "--reminder", "08:01"], "--reminder"),
    ],
)
def test_regression_option_hardening(run, tmp_path: Path, argv: list[str], where: str) -> None:
    """ASCII digits only (0² passed str.isdigit() and crashed with exit 3), an empty --tz is
    refused (it silently dropped the time), a reminder after a timed event is refused."""
    out = tmp_path / "x.ics"
    line = one_error_line(run(*CAL, *argv, "-o", str(out)))
    assert line.startswith(f"error: {where}: ")
    assert not out.exists()


def test_reminder_at_the_event_time_is_allowed(run, tmp_path: Path) -> None:
    data = _ics(
        run, tmp_path, "anlotinib-sts", "--start", "2022-05-16", "--cycles", "1",
        "--time", "08:00", "--tz", "Asia/Shanghai", "--reminder", "08:00",
    )  # fmt: skip
    assert "TRIGGER;RELATED=START:PT0S" in data.decode()

"""iCalendar export, checked the way real clients see it.

The lint (regimen.icslint) checks the bytes against RFC 5545; then three independent readers
(icalendar, ical, recurring-ical-events) and the khal calendar client must each see exactly the
plan's events on the plan's dates.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from regimen.icslint import lint
from regimen.loading import bundled_ids
from tests.conftest import one_error_line

STAMP = "2022-05-01T00:00:00Z"
HFSR_CYCLE3 = (
    "date,term,grade\n2022-07-18,hand-foot skin reaction,3\n2022-07-20,hand-foot skin reaction,1\n"
)


def _ics(run, tmp_path: Path, *argv: str, name: str = "plan.ics") -> bytes:
    out = tmp_path / name
    r = run("calendar", *argv, "--format", "ics", "--generated-at", STAMP, "-o", str(out))
    assert r.exit_code == 0, r.stderr
    return out.read_bytes()


def _plan_events(run, *argv: str) -> list[dict]:
    r = run("calendar", *argv, "--format", "json")
    return [e for e in json.loads(r.stdout)["events"] if e["kind"] != "held"]


def _vevent_blocks(data: bytes) -> list[str]:
    text = data.decode().replace("\r\n ", "")
    return text.split("BEGIN:VEVENT")[1:]


def _prop(block: str, name: str) -> str:
    for line in block.split("\r\n"):
        if line.split(";")[0].split(":")[0] == name:
            value = line.split(":", 1)[1]
            return value.replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")
    raise AssertionError(f"{name} missing")


@pytest.mark.parametrize("rid", bundled_ids())
def test_bundled_regimens_pass_lint_and_parsers(run, tmp_path: Path, rid: str) -> None:
    argv = [rid, "--start", "2022-05-16", "--cycles", "3"]
    data = _ics(run, tmp_path, *argv)
    expected = _plan_events(run, *argv)
    assert lint(data, len(expected)) == []

    import icalendar
    import recurring_ical_events
    from ical.calendar_stream import IcsCalendarStream

    cal = icalendar.Calendar.from_ical(data)
    assert len(list(cal.walk("VEVENT"))) == len(expected)
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    assert len(strict.events) == len(expected)
    expanded = recurring_ical_events.of(cal).between(dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    got = sorted(str(e["DTSTART"].dt) for e in expanded)
    assert got == sorted(e["date"] for e in expected)


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
    khal = shutil.which("khal") or str(Path(sys.executable).parent / "khal")
    if not Path(khal).exists():
        pytest.skip("khal is not installed (pip install khal)")
    argv = ["lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "6"]
    data = _ics(run, tmp_path, *argv)
    ics_path = tmp_path / "plan.ics"
    assert ics_path.read_bytes() == data
    (tmp_path / "cal").mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n[[plan]]\npath = {tmp_path / 'cal'}\ntype = calendar\n"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "local_timezone = UTC\ndefault_timezone = UTC\n"
        f"[default]\ndefault_calendar = plan\n[sqlite]\npath = {tmp_path / 'khal.db'}\n",
        encoding="utf-8",
    )
    base = [khal, "-c", str(config)]
    subprocess.run([*base, "import", "--batch", str(ics_path)], check=True, timeout=120)  # noqa: S603
    listed = subprocess.run(  # noqa: S603
        [
            *base,
            "list",
            "2022-05-01",
            "2022-12-31",
            "--format",
            "{start-date} {title}",
            "--day-format",
            "",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split("\n")
    lines = [x for x in listed if x.strip()]
    expected = _plan_events(run, *argv)
    assert len(lines) == len(expected) == 97
    assert lines[0] == "2022-05-16 Radiotherapy 1 of 13"
    assert "2022-06-02 Treatment day: cycle 1, day 1" in lines
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

    def by_summary(data: bytes) -> dict[str, tuple[str, str, str]]:
        return {
            _prop(b, "SUMMARY"): (_prop(b, "UID"), _prop(b, "DTSTART"), _prop(b, "SEQUENCE"))
            for b in _vevent_blocks(data)
        }

    before, after = by_summary(plain), by_summary(changed)
    for summary, (uid, start, _) in before.items():
        if summary.startswith(
            ("Radiotherapy", "Treatment day: cycle 1,", "Treatment day: cycle 2,")
        ):
            assert after[summary] == (uid, start, "0")
    # cycle 3 day 8 onwards is 10 mg after the held days: same UID, raised SEQUENCE
    assert after["Treatment day: cycle 3, day 9"][0] == before["Treatment day: cycle 3, day 9"][0]
    assert after["Treatment day: cycle 3, day 9"][2] == "1"
    # held days are not events; the decision is in the next event's DESCRIPTION
    assert "Treatment day: cycle 3, day 5" not in after
    desc = [
        b for b in _vevent_blocks(changed) if _prop(b, "SUMMARY") == "Treatment day: cycle 3, day 7"
    ]
    assert desc
    assert "RESUME" in _prop(desc[0], "DESCRIPTION")


def test_no_drug_names_in_summary_unless_asked(run, tmp_path: Path) -> None:
    for rid in bundled_ids():
        data = _ics(run, tmp_path, rid, "--start", "2022-05-16", "--cycles", "2", name=f"{rid}.ics")
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

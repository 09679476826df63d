"""CLI acceptance of the calendar engine, dose modification and dose summary.

Dates: Zhao et al. (Cancer Res J 2022;10(2):26-29) started anlotinib 12 mg once daily, days 1-14
every 3 weeks, on 20 September 2018; Li et al. (Front Oncol 2025;15:1490941) gave IMRT
400 cGy x 10 then a 700 cGy x 3 boost from May 2022. The 2022 Dragon Boat Festival (a Chinese
public holiday) fell on Friday 3 June 2022.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from tests.helpers import README_AE_LOG, one_error_line


def _json(run, *argv: str) -> dict:
    r = run(*argv)
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def _days(start: str, end: str) -> list[str]:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [(a + dt.timedelta(days=i)).isoformat() for i in range((b - a).days + 1)]


def test_anlotinib_sts_three_cycles(run) -> None:
    data = _json(
        run,
        "calendar",
        "anlotinib-sts",
        "--start",
        "2018-09-20",
        "--cycles",
        "3",
        "--format",
        "json",
    )
    doses = [e for e in data["events"] if e["kind"] == "dose"]
    assert len(doses) == 42
    assert {json.dumps(e["dose"]) for e in doses} == {json.dumps({"value": 12, "unit": "mg"})}
    day1 = {e["cycle"]: e["date"] for e in doses if e["day"] == 1}
    assert day1 == {1: "2018-09-20", 2: "2018-10-11", 3: "2018-11-01"}
    assert all(1 <= e["day"] <= 14 for e in doses)


def test_lms_rt_then_anlotinib(run) -> None:
    data = _json(
        run,
        "calendar",
        "lms-rt-anlotinib",
        "--start",
        "2022-05-16",
        "--cycles",
        "2",
        "--format",
        "json",
    )
    fractions = [e for e in data["events"] if e["kind"] == "fraction"]
    imrt = [e["date"] for e in fractions if e["technique"] == "IMRT"]
    boost = [e["date"] for e in fractions if e["technique"] == "Stereotactic boost"]
    assert imrt == [*_days("2022-05-16", "2022-05-20"), *_days("2022-05-23", "2022-05-27")]
    assert boost == ["2022-05-30", "2022-05-31", "2022-06-01"]
    first_drug = next(e for e in data["events"] if e["course"] == "anlotinib")
    assert (first_drug["date"], first_drug["cycle"], first_drug["day"]) == ("2022-06-02", 1, 1)


def test_lms_holidays_cn(run) -> None:
    data = _json(
        run,
        "calendar",
        "lms-rt-anlotinib",
        "--start",
        "2022-05-23",
        "--cycles",
        "1",
        "--holidays",
        "CN",
        "--format",
        "json",
    )
    fractions = [e for e in data["events"] if e["kind"] == "fraction"]
    assert "2022-06-03" not in [e["date"] for e in fractions]
    assert fractions[9]["date"] == "2022-06-06"
    assert fractions[9]["technique"] == "IMRT"
    assert data["skipped"][0]["date"] == "2022-06-03"


def test_text_states_the_assumed_interval(run) -> None:
    out = run("calendar", "lms-rt-anlotinib", "--start", "2022-05-16", "--cycles", "1").stdout
    assert "does not state the interval" in out
    assert "2022-05-21 Sat  no treatment" in out


def test_course_start_overrides(run) -> None:
    data = _json(
        run,
        "calendar",
        "lms-rt-anlotinib",
        "--start",
        "2022-05-16",
        "--cycles",
        "1",
        "--course-start",
        "anlotinib=2022-06-13",
        "--format",
        "json",
    )
    first_drug = next(e for e in data["events"] if e["course"] == "anlotinib")
    assert first_drug["date"] == "2022-06-13"


def test_ae_log_hold_and_reduce(run, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(README_AE_LOG, encoding="utf-8")
    argv = ["anlotinib-sts", "--start", "2022-01-03", "--cycles", "3", "--ae-log", str(log)]
    data = _json(run, "calendar", *argv, "--format", "json")
    by_date = {e["date"]: e for e in data["events"]}
    for d in _days("2022-01-03", "2022-01-09"):
        assert by_date[d]["dose"] == {"value": 12, "unit": "mg"}
    for d in _days("2022-01-10", "2022-01-13"):
        assert by_date[d]["kind"] == "held"
        assert by_date[d]["dose"] is None
    for d in _days("2022-01-14", "2022-01-16"):
        assert by_date[d]["dose"] == {"value": 10, "unit": "mg"}
    assert (by_date["2022-01-24"]["cycle"], by_date["2022-01-24"]["day"]) == (2, 1)
    assert by_date["2022-01-24"]["dose"] == {"value": 10, "unit": "mg"}
    actions = [(d["date"], d["action"]) for d in data["decisions"]]
    assert actions == [("2022-01-10", "hold"), ("2022-01-14", "resume")]
    dose = _json(run, "dose", *argv, "--format", "json")
    drug = dose["drugs"][0]
    # 7 x 12 mg + 3 x 10 mg + 2 x 14 x 10 mg = 84 + 30 + 280 = 394 mg
    assert drug["delivered_total"] == {"value": 394, "unit": "mg"}
    assert drug["planned_total"] == {"value": 504, "unit": "mg"}
    assert drug["current_dose"] == {"value": 10, "unit": "mg"}
    assert drug["next_cycle_start"] == "2022-03-07"
    # docs/dose-modification.md, "Relative dose intensity": three 21-day cycles started, so the
    # period is 2022-01-03..2022-03-06 (63 d); (394 mg / 63 d) / (168 mg / 21 d) = 78.2%
    assert drug["status"] == "active"
    assert drug["relative_dose_intensity"] == pytest.approx(394 / 63 / (168 / 21), abs=1e-6)
    basis = drug["rdi_basis"]
    assert basis["standard_dose_per_cycle"] == {"value": 168, "unit": "mg"}
    assert (basis["period_start"], basis["period_end"]) == ("2022-01-03", "2022-03-06")
    assert basis["period"] == {"value": 63, "unit": "d"}
    # as of a held day: on hold, no current dose, 7 x 12 mg over cycle 1 = 50%
    held = _json(run, "dose", *argv, "--as-of", "2022-01-12", "--format", "json")["drugs"][0]
    assert (held["as_of"], held["status"], held["current_dose"]) == ("2022-01-12", "on_hold", None)
    assert held["delivered_total"] == {"value": 84, "unit": "mg"}
    assert held["relative_dose_intensity"] == pytest.approx(0.5)
    assert {"cycle": 1, "strength": {"value": 10, "unit": "mg"}, "count": 3} in drug["dispense"]


def test_rdi_is_against_the_protocol_dose_whatever_the_start_dose(run) -> None:
    # docs/dose-modification.md, "Relative dose intensity": 10 mg days 1-14 for two cycles is
    # (280 mg / 42 d) / (168 mg / 21 d) = 83.3% of the 12 mg protocol
    argv = ["anlotinib-sts", "--start", "2022-01-03", "--cycles", "2"]
    data = _json(run, "dose", *argv, "--start-dose", "anlotinib=10mg", "--format", "json")
    drug = data["drugs"][0]
    assert drug["delivered_total"] == {"value": 280, "unit": "mg"}
    assert drug["relative_dose_intensity"] == pytest.approx(280 / 42 / (168 / 21), abs=1e-6)
    assert drug["rdi_basis"]["standard_dose_per_cycle"] == {"value": 168, "unit": "mg"}


def test_reduction_at_lowest_level_discontinues_with_label_reason(run, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(README_AE_LOG, encoding="utf-8")
    r = run(
        "calendar",
        "anlotinib-sts",
        "--start",
        "2022-01-03",
        "--cycles",
        "2",
        "--start-dose",
        "anlotinib=8mg",
        "--ae-log",
        str(log),
    )
    assert r.exit_code == 0, r.stderr
    lines = [x for x in r.stdout.splitlines() if "decision:" in x]
    assert len(lines) == 2
    # new rule: a resume-lower hold at the lowest level discontinues on the AE date, no hold
    # (docs/dose-modification.md, "One drug course, day by day" 3; rows after it: "Nothing
    # vanishes")
    assert "DISCONTINUE" in lines[0] and "on 2022-01-10" in lines[0]
    assert "anlotinib label [label]" in lines[0]
    assert "NO EFFECT" in lines[1] and "after discontinuation on 2022-01-10" in lines[1]
    data = _json(
        run,
        "calendar",
        "anlotinib-sts",
        "--start",
        "2022-01-03",
        "--cycles",
        "2",
        "--start-dose",
        "anlotinib=8mg",
        "--ae-log",
        str(log),
        "--format",
        "json",
    )
    stop, after = data["decisions"]
    assert (stop["date"], stop["action"]) == ("2022-01-10", "discontinue")
    assert stop["source"] == {"key": "label", "kind": "label"}
    assert (after["date"], after["action"]) == ("2022-01-14", "no effect")
    # new rule: no day is marked held (docs/dose-modification.md, "One drug course" 3)
    assert max(e["date"] for e in data["events"]) == "2022-01-09"
    assert all(e["kind"] != "held" for e in data["events"])


def test_csv_one_row_per_event(run) -> None:
    r = run(
        "calendar", "anlotinib-sts", "--start", "2018-09-20", "--cycles", "2", "--format", "csv"
    )
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == 28
    assert rows[0]["label"] == "C1D1"
    assert rows[0]["dose_value"] == "12"


def test_dose_without_start_is_radiotherapy_only(run) -> None:
    data = _json(run, "dose", "pelvic-postop-rt", "--format", "json")
    assert data["radiotherapy"]["total_dose"] == {"value": 50.4, "unit": "Gy"}
    assert data["drugs"] == []


def test_dose_overall_time_from_calendar(run) -> None:
    data = _json(
        run,
        "dose",
        "pelvic-postop-rt",
        "--start",
        "2012-12-03",
        "--alpha-beta",
        "10Gy",
        "--format",
        "json",
    )
    # 28 weekday fractions from Monday 3 December 2012 end on Wednesday 9 January 2013: T = 37 d
    assert data["radiotherapy"]["overall_time"] == {"value": 37, "unit": "d"}


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        ("date,term,grade\n2022-02-30,hypertension,3\n", "line 2: '2022-02-30' is not a real date"),
        (
            "date,term,grade\n2022-01-10,hypertension,7\n",
            "line 2: grade must be 0-5 (CTCAE), got 7",
        ),
        ("date,term\n2022-01-10,hypertension\n", "line 1: missing column 'grade'"),
    ],
)
def test_bad_ae_log(run, tmp_path: Path, log: str, expected: str) -> None:
    path = tmp_path / "log.csv"
    path.write_text(log, encoding="utf-8")
    out = tmp_path / "out.json"
    line = one_error_line(
        run(
            "calendar",
            "anlotinib-sts",
            "--start",
            "2022-01-03",
            "--cycles",
            "1",
            "--ae-log",
            str(path),
            "--format",
            "json",
            "-o",
            str(out),
        )
    )
    assert line.startswith(f"error: {path}: {expected}")
    assert not out.exists()


def test_unknown_term_without_any_rule(run, tmp_path: Path) -> None:
    # pelvic-postop-rt has no drug course and no rule; an unknown term is an input error
    # whatever the rules (docs/dose-modification.md, "Terms")
    path = tmp_path / "log.csv"
    path.write_text("date,term,grade\n2012-12-05,wibble,2\n", encoding="utf-8")
    line = one_error_line(
        run("calendar", "pelvic-postop-rt", "--start", "2012-12-03", "--ae-log", str(path))
    )
    assert "line 2: unknown adverse-event term 'wibble'" in line
    assert "closest CTCAE terms: " in line


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--course-start", "nope=2022-01-01"],
            "error: --course-start: no course 'nope' in anlotinib-sts (courses: anlotinib)",
        ),
        (
            ["--holidays", "XX"],
            "error: --holidays: unknown country code 'XX' (use an ISO 3166 code such as CN, US, "
            "GB)",
        ),
        (
            ["--start-dose", "anlotinib=9mg"],
            "error: --start-dose anlotinib: 9 mg is not a dose level of anlotinib (12 mg, 10 mg, "
            "8 mg)",
        ),
    ],
)
def test_bad_options(run, tmp_path: Path, argv: list[str], expected: str) -> None:
    out = tmp_path / "out.txt"
    r = run(
        "calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "1", *argv, "-o", str(out)
    )
    assert one_error_line(r) == expected
    assert not out.exists()


def test_ambiguous_start_date_refused(run) -> None:
    line = one_error_line(
        run("calendar", "anlotinib-sts", "--start", "03/04/2022", "--cycles", "1")
    )
    assert line == (
        "error: --start: '03/04/2022' is not an ISO date; write YYYY-MM-DD (e.g. 2022-05-16)"
    )


def test_open_ended_lays_out_six_cycles_by_default(run) -> None:
    r = run("calendar", "anlotinib-sts", "--start", "2022-01-03")
    assert r.exit_code == 0
    assert "6 cycles laid out by default, use --cycles N" in r.stdout
    assert "cycle 6 day 14" in r.stdout


def test_output_never_clobbers(run, tmp_path: Path) -> None:
    out = tmp_path / "plan.txt"
    argv = ["calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "1", "-o", str(out)]
    assert run(*argv).exit_code == 0
    first = out.read_bytes()
    out.write_bytes(b"user data")
    line = one_error_line(run(*argv))
    assert line == f"error: --output {out}: already exists; use --force to replace it"
    assert out.read_bytes() == b"user data"
    assert run(*argv, "--force").exit_code == 0
    assert out.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["plan.txt"]


def test_treat_makeup_days(run) -> None:
    # China's 2022 National Day holiday ran 1-7 October with Saturday 8 and Sunday 9 October as
    # official make-up working days (State Council General Office notice, December 2021).
    argv = [
        "calendar",
        "pelvic-postop-rt",
        "--start",
        "2022-09-26",
        "--holidays",
        "CN",
        "--format",
        "json",
    ]
    plain = [e["date"] for e in _json(run, *argv)["events"]]
    makeup = [e["date"] for e in _json(run, *argv, "--treat-makeup-days")["events"]]
    assert "2022-10-08" not in plain
    assert not any("2022-10-01" <= d <= "2022-10-07" for d in plain + makeup)
    assert makeup[5:7] == ["2022-10-08", "2022-10-09"]
    assert len(plain) == len(makeup) == 28


def test_dose_time_corrected_bed_uses_calendar_overall_time(run) -> None:
    data = _json(
        run,
        "dose",
        "pelvic-postop-rt",
        "--start",
        "2012-12-03",
        "--tumour-alpha-beta",
        "10Gy",
        "--kickoff",
        "28d",
        "--dprolif",
        "0.6Gy/d",
        "--format",
        "json",
    )
    rt = data["radiotherapy"]
    assert rt["overall_time"] == {"value": 37, "unit": "d"}
    # BED10 = 50.4 * (1 + 1.8/10) = 59.472 Gy; K = 0.6 * 1.2 = 0.72 Gy/d; minus 0.72 * 9
    (result,) = rt["results"]
    assert result["tissue"] == "tumour"
    assert result["time_corrected_bed"]["value"] == pytest.approx(59.472 - 6.48)
    # EQD2 = 52.992 / 1.2 = 44.16 Gy
    assert result["time_corrected_eqd2"]["value"] == pytest.approx(44.16)


def test_course_column_attributes_a_row(run, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "date,term,grade,course\n2022-01-04,colitis,3,pembrolizumab\n"
        "2022-01-20,colitis,1,pembrolizumab\n",
        encoding="utf-8",
    )
    data = _json(
        run,
        "calendar",
        "anlotinib-pembrolizumab",
        "--start",
        "2022-01-03",
        "--cycles",
        "2",
        "--ae-log",
        str(log),
        "--format",
        "json",
    )
    assert {d["course"] for d in data["decisions"]} == {"pembrolizumab"}
    anlotinib = [e for e in data["events"] if e["course"] == "anlotinib"]
    assert all(e["kind"] == "dose" for e in anlotinib)
    pembro = [e for e in data["events"] if e["course"] == "pembrolizumab"]
    # held on 2022-01-04 (after cycle 1 day 1) until 2022-01-20; planned cycle 2 day 1
    # (2022-01-24) is after recovery, so it stays; the same 100 mg (no reductions)
    assert [(e["date"], e["kind"]) for e in pembro] == [
        ("2022-01-03", "dose"),
        ("2022-01-24", "dose"),
    ]
    assert pembro[1]["dose"] == {"value": 100, "unit": "mg"}


def test_regression_continue_rule_does_not_end_a_hold(run, tmp_path: Path) -> None:
    # Found by mutation testing: hypertension grade 3 starts a hold; a later grade 2 row matched
    # the 'grade 1-2 continue' rule and was recorded as CONTINUE on a held day.
    log = tmp_path / "log.csv"
    log.write_text(
        "date,term,grade\n2024-03-06,hypertension,3\n2024-03-08,hypertension,2\n"
        "2024-03-12,hypertension,1\n",
        encoding="utf-8",
    )
    data = _json(
        run,
        "calendar",
        "anlotinib-sts",
        "--start",
        "2024-03-04",
        "--cycles",
        "1",
        "--ae-log",
        str(log),
        "--format",
        "json",
    )
    actions = [(d["date"], d["action"]) for d in data["decisions"]]
    assert actions == [
        ("2024-03-06", "hold"),
        ("2024-03-08", "continue hold"),
        ("2024-03-12", "resume"),
    ]
    by_date = {e["date"]: e for e in data["events"]}
    assert by_date["2024-03-08"]["kind"] == "held"
    assert by_date["2024-03-12"]["dose"] == {"value": 10, "unit": "mg"}


def test_regression_ae_rows_before_start_but_after_an_earlier_course_start(
    run, tmp_path: Path
) -> None:
    # Found by mutation testing: --course-start may place a course before --start; AE rows
    # dated in that gap were refused as 'before the plan's start'.
    log = tmp_path / "log.csv"
    log.write_text(
        "date,term,grade\n2024-02-28,hypertension,3\n2024-03-01,hypertension,1\n", encoding="utf-8"
    )
    data = _json(
        run,
        "calendar",
        "anlotinib-sts",
        "--start",
        "2024-03-04",
        "--course-start",
        "anlotinib=2024-02-26",
        "--cycles",
        "1",
        "--ae-log",
        str(log),
        "--format",
        "json",
    )
    assert [d["action"] for d in data["decisions"]] == ["hold", "resume"]
    assert data["events"][0]["date"] == "2024-02-26"

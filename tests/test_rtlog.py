"""The radiotherapy treatment log (issue 13, items 2 and 3 in part): parsing, laying the
fractions, overall time T, planned against actual dose, and the exports.

Every expected value is worked out by hand from the rules in the issue and the brief:

* The acceptance course (tests/data/rtlog/rt-35x2.toml): 35 x 2 Gy Monday to Friday from Monday
  2026-10-05 is 7 weeks of 5, so the last fraction is Friday 2026-11-20 and T = 46 d (elapsed:
  last - first). With the week 2026-11-02..06 missed (5 missed rows) and no compensation, 20
  fractions were given by 2026-10-30 and the remaining 15 run 2026-11-09 .. 2026-11-27 (three
  weeks of 5): T = 53 d; inclusive T counts both ends: 47 d and 54 d.
* BED = n d (1 + d / (alpha/beta)); EQD2 = BED / (1 + 2 Gy / (alpha/beta)); BED_T = BED -
  K x max(0, T - T_k) (Fowler, Br J Radiol 1989;62:679). Incomplete repair (Thames 1985): for
  m = 2 fractions 6 h apart and T1/2 = 1.5 h, theta = 2^-(6/1.5) = 1/16 and H_2 = theta = 0.0625.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from regimen.cli import cli
from regimen.errors import InputError, LoadError
from regimen.loading import load_regimen
from regimen.regimen import Regimen
from regimen.rtlog import (
    overall_days,
    overall_time,
    parse_rt_log,
    record,
    refusal,
)
from regimen.schedule import Plan, build_plan
from regimen.units import magnitude, quantity

DATA = Path(__file__).resolve().parent / "data" / "rtlog"
COURSE = DATA / "rt-35x2.toml"
START = dt.date(2026, 10, 5)
D = dt.date


def _reg() -> Regimen:
    return load_regimen(str(COURSE))


def _log(text: str, regimen: Regimen | None = None) -> Any:
    return parse_rt_log(text, "log.csv", regimen or _reg())


def _plan(text: str, regimen: Regimen | None = None, **options: Any) -> Plan:
    reg = regimen or _reg()
    return build_plan(reg, START, rt_log=_log(text, reg), **options)


MISSED_WEEK = "date,status,reason\n" + "".join(
    f"2026-11-0{d},missed,machine fault\n" for d in range(2, 7)
)


def _fractions(plan: Plan, course: str = "rt") -> list[Any]:
    return [e for e in plan.course_events(course) if e.kind == "fraction"]


def _given_dates(plan: Plan) -> list[dt.date]:
    return [e.date for e in _fractions(plan) if e.status != "missed"]


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), prog_name="regimen", catch_exceptions=False)


# --- the acceptance scenario -----------------------------------------------------------------


def test_acceptance_plan_without_a_log_ends_2026_11_20_with_t_46_days() -> None:
    plan = build_plan(_reg(), START)
    dates = _given_dates(plan)
    assert (len(dates), dates[0], dates[-1]) == (35, D(2026, 10, 5), D(2026, 11, 20))
    assert plan.overall_time("rt") == 46
    assert {e.status for e in _fractions(plan)} == {"planned"}


def test_acceptance_missed_week_moves_the_last_15_fractions_to_11_09_through_11_27() -> None:
    plan = _plan(MISSED_WEEK)
    events = _fractions(plan)
    missed = [e for e in events if e.status == "missed"]
    assert [e.date for e in missed] == [D(2026, 11, d) for d in range(2, 7)]
    assert {e.fraction for e in missed} == {21}  # the fraction due each of those days
    assert all(e.dose is None and e.reason == "machine fault" for e in missed)
    remaining = [e for e in events if e.date > D(2026, 11, 6)]
    assert [e.fraction for e in remaining] == list(range(21, 36))
    weekdays = [D(2026, 11, 9) + dt.timedelta(days=i) for i in range(19)]
    assert [e.date for e in remaining] == [d for d in weekdays if d.weekday() < 5]
    assert remaining[-1].date == D(2026, 11, 27)
    assert plan.overall_time("rt") == 53
    # Fractions 1-20 have no row: laid as planned, and a note says so.
    assert [e.status for e in events[:20]] == ["planned"] * 20
    assert any("20 treatment days" in n for n in plan.notes)


@pytest.mark.parametrize(
    ("convention", "planned", "actual"), [("elapsed", 46, 53), ("inclusive", 47, 54)]
)
def test_overall_time_planned_against_actual_names_its_convention(
    convention: Any, planned: int, actual: int
) -> None:
    plan = _plan(MISSED_WEEK)
    base = build_plan(_reg(), START)
    t = overall_time(plan, base, "rt", convention)
    assert t is not None
    assert (t.planned, t.actual, t.convention) == (planned, actual, convention)
    assert (t.planned_last, t.actual_last) == (D(2026, 11, 20), D(2026, 11, 27))


def test_overall_days_conventions() -> None:
    assert overall_days(D(2026, 10, 5), D(2026, 10, 5)) == 0
    assert overall_days(D(2026, 10, 5), D(2026, 10, 5), "inclusive") == 1


def test_calendar_json_fractions_carry_status_and_overall_time() -> None:
    result = _run(
        "calendar", str(COURSE), "--start", "2026-10-05", "--rt-log",
        str(DATA / "missed-week.csv"), "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    statuses = [e["status"] for e in data["events"]]
    assert statuses.count("missed") == 5 and statuses.count("planned") == 35
    missed = next(e for e in data["events"] if e["status"] == "missed")
    assert missed == {
        "date": "2026-11-02",
        "course": "rt",
        "kind": "fraction",
        "label": "Radiotherapy 21 of 35: missed",
        "dose": None,
        "fraction": 21,
        "phase": 1,
        "technique": "IMRT",
        "status": "missed",
        "session": 1,
        "reason": "machine fault",
    }
    assert data["overall_time"] == [
        {
            "course": "rt",
            "planned": {"value": 46, "unit": "d"},
            "actual": {"value": 53, "unit": "d"},
            "convention": "elapsed",
            "planned_first_fraction": "2026-10-05",
            "planned_last_fraction": "2026-11-20",
            "actual_first_fraction": "2026-10-05",
            "actual_last_fraction": "2026-11-27",
        }
    ]


def test_calendar_json_without_a_log_marks_every_fraction_planned() -> None:
    result = _run("calendar", str(COURSE), "--start", "2026-10-05", "--format", "json")
    data = json.loads(result.stdout)
    assert {e["status"] for e in data["events"]} == {"planned"}
    assert "overall_time" not in data


def test_calendar_text_shows_missed_and_delivered_fractions(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "date,status,dose,reason\n2026-10-05,delivered,,\n2026-10-06,delivered,1.8 Gy,"
        "skin reaction\n2026-10-07,missed,,machine fault\n",
        encoding="utf-8",
    )
    result = _run("calendar", str(COURSE), "--start", "2026-10-05", "--rt-log", str(log))
    lines = result.stdout.splitlines()
    assert "2026-10-05 Mon  rt: Radiotherapy 1 of 35: 2 Gy, delivered" in lines
    assert (
        "2026-10-06 Tue  rt: Radiotherapy 2 of 35: 1.8 Gy, delivered (planned 2 Gy; skin "
        "reaction)" in lines
    )
    assert "2026-10-07 Wed  rt: fraction 3 of 35: MISSED (machine fault)" in lines
    assert "2026-10-08 Thu  rt: Radiotherapy 3 of 35: 2 Gy" in lines
    assert "rt:   planned: 2026-11-20 - 2026-10-05 = 46 d" in lines
    assert "rt:   actual:  2026-11-23 - 2026-10-05 = 49 d" in lines


def test_inclusive_convention_on_the_calendar_adds_one_day() -> None:
    result = _run(
        "calendar", str(COURSE), "--start", "2026-10-05", "--rt-log",
        str(DATA / "missed-week.csv"), "--time-convention", "inclusive",
    )  # fmt: skip
    assert "rt:   planned: 2026-11-20 - 2026-10-05 + 1 d = 47 d" in result.stdout
    assert "rt:   actual:  2026-11-27 - 2026-10-05 + 1 d = 54 d" in result.stdout


def test_csv_carries_status() -> None:
    result = _run(
        "calendar", str(COURSE), "--start", "2026-10-05", "--rt-log",
        str(DATA / "missed-week.csv"), "--format", "csv",
    )  # fmt: skip
    rows = result.stdout.splitlines()
    assert rows[0].endswith(",status")
    assert rows[1].endswith(",planned")
    assert sum(r.endswith(",missed") for r in rows) == 5


# --- dose: planned against actual -------------------------------------------------------------


def test_dose_json_missed_week_tumour_bed_t_and_eqd2_t() -> None:
    # Tumour alpha/beta 10 Gy, K 0.9 Gy/d, T_k 28 d: BED = 35 x 2 x 1.2 = 84 Gy.
    # Planned BED_T = 84 - 0.9 x (46 - 28) = 67.8 Gy, EQD2_T = 67.8 / 1.2 = 56.5 Gy.
    # Actual BED_T = 84 - 0.9 x (53 - 28) = 61.5 Gy, EQD2_T = 61.5 / 1.2 = 51.25 Gy.
    result = _run(
        "dose", str(COURSE), "--start", "2026-10-05", "--rt-log", str(DATA / "missed-week.csv"),
        "--tumour-alpha-beta", "10Gy", "--alpha-beta", "3Gy", "--kickoff", "28d", "--k", "0.9Gy/d",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    ot = data["overall_time"]
    assert (ot["planned"], ot["actual"], ot["convention"]) == (
        {"value": 46, "unit": "d"},
        {"value": 53, "unit": "d"},
        "elapsed",
    )
    rec = data["treatment_record"]
    assert (rec["delivered"], rec["missed"], rec["planned"]) == (0, 5, 35)
    tumour, late = rec["results"]
    assert tumour["tissue"] == "tumour" and late["tissue"] == "other"
    assert tumour["planned"]["bed_t"]["value"] == pytest.approx(67.8)
    assert tumour["planned"]["eqd2_t"]["value"] == pytest.approx(56.5)
    assert tumour["actual"]["bed_t"]["value"] == pytest.approx(61.5)
    assert tumour["actual"]["eqd2_t"]["value"] == pytest.approx(51.25)
    assert tumour["actual"]["overall_time"] == {"value": 53, "unit": "d"}
    # Late tissue, alpha/beta 3 Gy: BED = 70 x (1 + 2/3) = 116.67 Gy either way, no BED_T.
    assert late["actual"]["bed"]["value"] == pytest.approx(70 * 5 / 3)
    assert late["actual"]["bed_t"] is None
    # The plan's own block keeps the planned T.
    assert data["radiotherapy"]["overall_time"] == {"value": 46, "unit": "d"}


def test_dose_text_shows_t_planned_and_actual_with_formulas() -> None:
    result = _run(
        "dose", str(COURSE), "--start", "2026-10-05", "--rt-log", str(DATA / "missed-week.csv"),
        "--tumour-alpha-beta", "10Gy", "--kickoff", "28d", "--k", "0.9Gy/d",
    )  # fmt: skip
    text = result.stdout
    assert "Overall treatment time T (elapsed: last - first fraction date, in days):" in text
    assert "  actual:  2026-11-27 - 2026-10-05 = 53 d" in text
    assert (
        "    actual: BED_T = BED - K x max(0, T - T_k) = 84 Gy - 0.9 Gy/d x max(0, 53 d - 28 d)"
        " = 61.5 Gy; EQD2_T = BED_T / (1 + 2 Gy / 10 Gy) = 51.25 Gy" in text
    )


def test_dose_without_a_log_has_equal_planned_and_actual_time_and_no_record() -> None:
    result = _run("dose", str(COURSE), "--start", "2026-10-05", "--format", "json")
    data = json.loads(result.stdout)
    assert (
        data["overall_time"]["planned"]
        == data["overall_time"]["actual"]
        == {
            "value": 46,
            "unit": "d",
        }
    )
    assert data["treatment_record"] is None


def test_a_changed_fraction_dose_counts_in_the_actual_bed() -> None:
    # 34 x 2 Gy + 1 x 1.8 Gy at alpha/beta 10 Gy: 34 x 2 x 1.2 + 1.8 x 1.18 = 81.6 + 2.124.
    reg = _reg()
    plan = _plan("date,status,dose\n2026-10-07,delivered,1.8 Gy\n", reg)
    rec = record(plan, build_plan(reg, START), "rt", [(quantity(10, "Gy"), "tumour")])
    r = rec.results[0]
    assert magnitude(r.planned.bed, "Gy") == pytest.approx(84)
    assert magnitude(r.actual.bed, "Gy") == pytest.approx(83.724)
    assert magnitude(r.actual.eqd2, "Gy") == pytest.approx(83.724 / 1.2)
    assert [(t.fractions, magnitude(t.dose, "Gy")) for t in r.actual.terms] == [
        (2, 2.0),
        (1, 1.8),
        (32, 2.0),
    ]
    assert rec.delivered == 1


def _bid_log() -> str:
    rows = ["date,status,dose,session,time,reason"]
    rows += [f"2026-11-0{d},missed,,,,machine fault" for d in range(2, 7)]
    rows += [
        f"2026-11-{d:02d},delivered,,{s},{t},"
        for d in range(9, 14)
        for s, t in ((1, "08:00"), (2, "14:00"))
    ]
    return "\n".join(rows) + "\n"


def test_twice_daily_week_catches_up_and_ends_on_the_planned_day() -> None:
    plan = _plan(_bid_log())
    given = [e for e in _fractions(plan) if e.status != "missed"]
    nov9 = [e for e in given if e.date == D(2026, 11, 9)]
    assert [(e.fraction, e.session, e.clock) for e in nov9] == [
        (21, 1, dt.time(8, 0)),
        (22, 2, dt.time(14, 0)),
    ]
    assert given[-1].date == D(2026, 11, 20) and given[-1].fraction == 35
    assert plan.overall_time("rt") == 46


def test_twice_daily_late_bed_includes_thames_h_and_tumour_keeps_its_eqd2_t() -> None:
    # Late alpha/beta 3 Gy, T1/2 1.5 h, 6 h apart: H_2 = 0.0625 on 5 days (10 fractions).
    # BED = 25 x 2 x (1 + 2/3) + 10 x 2 x (1 + 2 x 1.0625 / 3) = 83.333 + 34.1667 = 117.5 Gy;
    # EQD2 = 117.5 / (5/3) = 70.5 Gy (planned 70 Gy). Tumour (10 Gy, K 0.9, T_k 28): T is 46 d
    # either way, so BED_T = 84 - 16.2 = 67.8 Gy planned and actual: no loss.
    from regimen.rt_report import TimeCorrection

    reg = _reg()
    plan = _plan(_bid_log(), reg)
    time = TimeCorrection(quantity(46, "d"), quantity(28, "d"), k=quantity(0.9, "Gy/d"))
    rec = record(
        plan,
        build_plan(reg, START),
        "rt",
        [(quantity(10, "Gy"), "tumour"), (quantity(3, "Gy"), "other")],
        time=time,
        repair_half_time=quantity(1.5, "h"),
    )
    assert [(r.date, r.fractions, round(r.h, 12)) for r in rec.repair_days] == [
        (D(2026, 11, d), 2, 0.0625) for d in range(9, 14)
    ]
    tumour, late = rec.results
    assert magnitude(tumour.actual.bed, "Gy") == pytest.approx(84)
    assert tumour.actual.bed_t is not None and tumour.planned.bed_t is not None
    assert magnitude(tumour.actual.bed_t, "Gy") == pytest.approx(67.8)
    assert magnitude(tumour.planned.bed_t, "Gy") == pytest.approx(67.8)
    assert magnitude(late.actual.bed, "Gy") == pytest.approx(117.5)
    assert magnitude(late.actual.eqd2, "Gy") == pytest.approx(70.5)
    assert magnitude(late.planned.eqd2, "Gy") == pytest.approx(70)


def test_twice_daily_without_a_repair_half_time_is_refused_not_defaulted() -> None:
    reg = _reg()
    plan = _plan(_bid_log(), reg)
    with pytest.raises(InputError, match="repair half-time"):
        record(plan, build_plan(reg, START), "rt", [(quantity(3, "Gy"), "other")])


# --- holidays, weekends and phases ------------------------------------------------------------


def test_holidays_move_the_plan_and_a_row_on_one_needs_allow_holidays() -> None:
    # US federal holidays in the course: Columbus Day Mon 2026-10-12, Veterans Day Wed
    # 2026-11-11. 35 weekdays Oct 5..Nov 20 less those 2 = 33 fractions, then Nov 23 and 24:
    # T = 50 d. A fraction delivered on Veterans Day: the last moves to Nov 23, T = 49 d.
    reg = _reg()
    base = build_plan(reg, START, holidays_country="US")
    assert _given_dates(base)[-1] == D(2026, 11, 24) and base.overall_time("rt") == 50
    row = "date,status\n2026-11-11,delivered\n"
    with pytest.raises(LoadError) as info:
        _plan(row, reg, holidays_country="US")
    assert str(info.value) == (
        "log.csv: line 2: 2026-11-11 is a public holiday (Veterans Day), not a treatment day; "
        "add --allow-holidays to log a fraction on it"
    )
    plan = _plan(row, reg, holidays_country="US", allow_holidays=True)
    assert _given_dates(plan)[-1] == D(2026, 11, 23) and plan.overall_time("rt") == 49


def test_a_weekend_row_needs_allow_weekends() -> None:
    reg = _reg()
    row = "date,status\n2026-11-07,delivered\n"
    with pytest.raises(LoadError, match="2026-11-07 is a Saturday, not a treatment day"):
        _plan(MISSED_WEEK + "2026-11-07,delivered,\n", reg)
    plan = _plan(row, reg, allow_weekends=True)
    sat = [e for e in _fractions(plan) if e.date == D(2026, 11, 7)]
    assert [(e.fraction, e.status) for e in sat] == [(26, "delivered")]  # 25 weekdays before
    assert _given_dates(plan)[-1] == D(2026, 11, 19)


def test_refusal_rules() -> None:
    sat, mon = D(2026, 11, 7), D(2026, 11, 9)
    assert refusal(mon, None, False, False, False) is None
    assert refusal(sat, None, True, False, False) is None  # the phase treats that day
    assert refusal(sat, None, False, True, False) is None
    assert "Saturday" in (refusal(sat, None, False, False, True) or "")
    assert "holiday (X)" in (refusal(mon, "X", False, False, False) or "")
    assert refusal(mon, "X", False, False, True) is None


def test_li_2025_case_13_fractions_then_a_pause_numbers_through_phases() -> None:
    # lms-rt-anlotinib (Li 2025): IMRT 400 cGy x 10 then a boost 700 cGy x 3, from Monday
    # 2022-01-03. 10 delivered (Jan 3..14), a pause for skin ulceration on Jan 17..19 (3 missed
    # rows), then the boost's 3 fractions on Jan 20, 21 and 24: T = 21 d (planned Jan 19: 16 d);
    # anlotinib starts the day after the last boost fraction.
    reg = load_regimen("lms-rt-anlotinib")
    days = [D(2022, 1, d) for d in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)]
    text = "date,status,reason\n" + "".join(f"{d.isoformat()},delivered,\n" for d in days)
    text += "".join(f"2022-01-{d},missed,skin ulceration\n" for d in (17, 18, 19))
    plan = build_plan(reg, D(2022, 1, 3), rt_log=parse_rt_log(text, "li.csv", reg))
    rt = _fractions(plan, "radiotherapy")
    boost = [e for e in rt if e.phase == 2 and e.status != "missed"]
    assert [(e.date, e.status) for e in boost] == [
        (D(2022, 1, 20), "planned"),
        (D(2022, 1, 21), "planned"),
        (D(2022, 1, 24), "planned"),
    ]
    assert boost[0].label == "Radiotherapy 11 of 13 (Stereotactic boost 1 of 3)"
    missed = [e for e in rt if e.status == "missed"]
    assert [e.label for e in missed] == [
        "Radiotherapy 11 of 13 (Stereotactic boost 1 of 3): missed"
    ] * 3
    assert plan.overall_time("radiotherapy") == 21
    assert plan.course_first["anlotinib"] == D(2022, 1, 25)
    # A 14th delivered fraction is more than planned.
    more = text.replace("missed,skin ulceration", "delivered,") + "2022-01-20,delivered,\n"
    with pytest.raises(LoadError, match=r"line 15: .*delivers more fractions than planned"):
        build_plan(reg, D(2022, 1, 3), rt_log=parse_rt_log(more, "li.csv", reg))


# --- parser refusals (one line each) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "log.csv: is empty; expected a header 'date,status'"),
        ("date\n2026-10-05\n", "missing column 'status'"),
        ("date,status,status\n", "a column is named twice"),
        ("date,status\n2026-10-05\n", "line 2: has 1 fields; the header has 2"),
        ("date,status\n2026-13-05,delivered\n", "line 2: '2026-13-05' is not a real date"),
        ("date,status\n2201-01-05,delivered\n", "line 2: 2201-01-05 is outside"),
        ("date,status,dose\n2026-10-05,delivered,2 Sv\n", "line 2: dose: "),
        (
            "date,status,dose\n2026-10-05,delivered,0 Gy\n",
            "line 2: dose: must be greater than zero",
        ),
        ("date,status,session\n2026-10-05,delivered,4\n", "session must be 1, 2 or 3, got '4'"),
        ("date,status,time\n2026-10-05,delivered,25:00\n", "time must be HH:MM (24-hour)"),
        ("date,status,course\n2026-10-05,delivered,x\n", "course 'x' is not a radiotherapy"),
        (
            "date,status\n2026-10-06,delivered\n2026-10-05,delivered\n",
            "line 3: rows must be in date and session order",
        ),
        (
            "date,status,session,time\n2026-10-05,delivered,2,14:00\n",
            "line 2: session 2 on 2026-10-05 without session 1",
        ),
        (
            "date,status,session,time\n2026-10-05,delivered,1,\n2026-10-05,delivered,2,15:00\n",
            "line 2: session 1 on 2026-10-05 needs a time (HH:MM): the day has 2 sessions",
        ),
        (
            "date,status,session,time\n2026-10-05,delivered,1,15:00\n2026-10-05,delivered,2,09:00\n",
            "line 3: session 2 on 2026-10-05 at 09:00 is not after session 1 (15:00)",
        ),
        (
            "date,status,session,time\n2026-10-05,delivered,1,08:00\n2026-10-05,delivered,2,13:30\n",
            "line 3: session 2 on 2026-10-05 at 13:30 is 5 h 30 min after session 1 (08:00)",
        ),
    ],
)
def test_parser_refusals(text: str, message: str) -> None:
    with pytest.raises(LoadError) as info:
        _log(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_sessions_7_hours_apart_are_a_warning_and_a_missed_session_needs_no_interval() -> None:
    log = _log(
        "date,status,session,time\n2026-10-05,delivered,1,08:00\n2026-10-05,delivered,2,15:00\n"
        "2026-10-06,delivered,1,08:00\n2026-10-06,missed,2,10:00\n"
    )
    assert log.warnings == (
        "log.csv: line 3: sessions 1 and 2 on 2026-10-05 are 7 h apart (less than 8 h: "
        "late-tissue repair may be incomplete; the incomplete-repair factor accounts for it)",
    )
    assert _log("date,status,session,time\n2026-10-05,delivered,1,08:00\n"
                "2026-10-05,delivered,2,16:00\n").warnings == ()  # fmt: skip


def test_a_missed_row_after_the_last_fraction_is_refused() -> None:
    reg = load_regimen("pelvic-postop-rt")  # 28 fractions: the last planned on 2026-11-11
    with pytest.raises(LoadError, match=r"line 2: .*a missed row after the last fraction"):
        build_plan(
            reg, START, rt_log=parse_rt_log("date,status\n2026-11-13,missed\n", "l.csv", reg)
        )


def test_a_regimen_with_several_radiotherapy_courses_needs_the_course_column() -> None:
    text = COURSE.read_text(encoding="utf-8")
    text += (
        text.split("[[courses]]", 1)[1]
        .replace('id = "rt"', 'id = "boost"')
        .join(["\n[[courses]]", ""])
    )
    from regimen.loading import parse_regimen

    reg = parse_regimen(text, "two.toml", "two")
    with pytest.raises(LoadError, match="course is empty: two has several radiotherapy"):
        parse_rt_log("date,status\n2026-10-05,delivered\n", "l.csv", reg)
    log = parse_rt_log("date,status,course\n2026-10-05,missed,boost\n", "l.csv", reg)
    assert log.rows_for("rt") == () and len(log.rows_for("boost")) == 1


# --- ics ---------------------------------------------------------------------------------------


def _vevents(text: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for block in text.replace("\r\n ", "").split("BEGIN:VEVENT")[1:]:
        item = {}
        for line in block.splitlines():
            key, _, value = line.partition(":")
            item[key.split(";")[0]] = value
        out.append(item)
    return out


def test_ics_missed_days_are_events_of_their_own_and_moved_fractions_keep_their_uid() -> None:
    args = ["calendar", str(COURSE), "--start", "2026-10-05", "--format", "ics",
            "--generated-at", "2026-01-01T00:00:00Z"]  # fmt: skip
    first = _vevents(_run(*args).stdout)
    second = _vevents(_run(*args, "--rt-log", str(DATA / "missed-week.csv")).stdout)
    assert len(first) == 35 and len(second) == 40
    uid = {e["SUMMARY"]: e for e in first}
    after = {e["UID"]: e for e in second}
    # Fraction 21 keeps its UID, moved from 2026-11-02 to 11-09; SEQUENCE = RT-log rows dated
    # on or before the later of the two dates = 5. Fraction 1 (before any row): 0.
    f21 = after[uid["Radiotherapy 21 of 35"]["UID"]]
    assert (f21["DTSTART"], f21["SEQUENCE"]) == ("20261109", "5")
    assert "Moved from 2026-11-02" in f21["DESCRIPTION"]
    assert after[uid["Radiotherapy 1 of 35"]["UID"]]["SEQUENCE"] == "0"
    missed = [e for e in second if e["SUMMARY"] == "Radiotherapy missed"]
    assert [(e["DTSTART"], e["SEQUENCE"]) for e in missed] == [
        (f"202611{d:02d}", str(d - 1)) for d in range(2, 7)
    ]
    assert len({e["UID"] for e in second}) == 40
    assert all(e["TRANSP"] == "TRANSPARENT" for e in missed)


def test_html_shows_missed_days() -> None:
    result = _run(
        "calendar", str(COURSE), "--start", "2026-10-05", "--rt-log",
        str(DATA / "missed-week.csv"), "--format", "html",
    )  # fmt: skip
    assert result.stdout.count('class="item held missed"') == 5
    assert "(machine fault)" in result.stdout


def test_cli_weekend_row_is_one_line_exit_2() -> None:
    result = _run(
        "calendar", str(COURSE), "--start", "2026-10-05", "--rt-log",
        str(DATA / "invalid-weekend.csv"),
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {DATA / 'invalid-weekend.csv'}: line 2: 2026-10-10 is a Saturday, not a "
        "treatment day; add --allow-weekends to log a weekend fraction"
    ]
    ok = _run(
        "calendar", str(COURSE), "--start", "2026-10-05", "--rt-log",
        str(DATA / "invalid-weekend.csv"), "--allow-weekends",
    )  # fmt: skip
    assert ok.exit_code == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,status\n2026-10-05,given\n", "line 2: status must be delivered or missed"),
        ("date,status,dose\n2026-10-05,missed,2 Gy\n", "line 2: a missed row has no dose"),
        ("date,status,reason\n2026-10-05,missed,a\x1bb\n", "line 2: reason holds a control"),
        (
            "date,status,session\n2026-10-05,delivered,2\n",
            "line 2: session 2 needs a time (HH:MM)",
        ),
        (
            "date,status,session,time\n2026-10-05,delivered,1,08:00\n"
            "2026-10-05,delivered,1,15:00\n",
            "line 3: duplicate row: session 1 on 2026-10-05 is already recorded (line 2)",
        ),
    ],
)
def test_more_parser_refusals(text: str, message: str) -> None:
    with pytest.raises(LoadError) as info:
        _log(text)
    assert message in str(info.value)


def test_a_regimen_without_radiotherapy_has_no_rt_log() -> None:
    with pytest.raises(LoadError, match="anlotinib-sts has no radiotherapy course"):
        parse_rt_log("date,status\n2026-10-05,delivered\n", "l.csv", load_regimen("anlotinib-sts"))


def test_a_row_before_the_first_planned_fraction_is_refused() -> None:
    # Start on Saturday 2026-10-03: the first planned fraction is Monday 2026-10-05.
    reg = _reg()
    log = parse_rt_log("date,status\n2026-10-03,delivered\n", "l.csv", reg)
    with pytest.raises(LoadError) as info:
        build_plan(reg, D(2026, 10, 3), rt_log=log, allow_weekends=True)
    assert str(info.value) == (
        "l.csv: line 2: 2026-10-03 is before the first planned fraction of rt (2026-10-05)"
    )


def test_record_text_and_json_show_the_incomplete_repair_factor() -> None:
    from regimen.rtlog import record_data, record_lines

    reg = _reg()
    plan = _plan(_bid_log(), reg)
    rec = record(
        plan,
        build_plan(reg, START),
        "rt",
        [(quantity(3, "Gy"), "other")],
        repair_half_time=quantity(1.5, "h"),
    )
    lines = record_lines(rec)
    assert (
        "    2026-11-09: m = 2, dt = 6 h (shortest interval of the day), T1/2 = 1.5 h: "
        "H_2 = 0.0625" in lines
    )
    assert (
        "    actual: BED = 20 x 2 Gy x (1 + 2 Gy / 3 Gy) + 10 x 2 Gy x (1 + 2 Gy x (1 + 0.0625) / "
        "3 Gy) + 5 x 2 Gy x (1 + 2 Gy / 3 Gy) = 117.5 Gy" in lines
    )
    data = record_data(rec)
    assert data is not None
    assert data["incomplete_repair"][0] == {  # type: ignore[index]
        "date": "2026-11-09",
        "fractions": 2,
        "h": pytest.approx(0.0625),
        "interval": {"value": 6, "unit": "h"},
        "repair_half_time": {"value": 1.5, "unit": "h"},
    }


# ---------------------------------------------------------------------------------------------
# fields and branches the mutation run found unpinned (worked out by hand from the same rules)


def test_a_missed_first_day_is_left_out_of_t() -> None:
    # Monday 2026-10-05 missed: the first fraction is given on Tuesday 10-06 and the 35th on
    # Monday 2026-11-23 (the plan shifts by one treatment day); T = 11-23 - 10-06 = 48 d, not
    # 11-23 - 10-05 = 49 d.
    plan = _plan("date,status,reason\n2026-10-05,missed,machine fault\n")
    assert plan.overall_time("rt") == 48
    missed = [e for e in _fractions(plan) if e.status == "missed"]
    expected = [(D(2026, 10, 5), "machine fault", None)]
    assert [(e.date, e.reason, e.clock) for e in missed] == expected
    given = [e for e in _fractions(plan) if e.status != "missed"]
    assert given[0].date == D(2026, 10, 6) and given[-1].date == D(2026, 11, 23)
    assert len(given) == 35


def test_a_missed_session_keeps_its_time_and_reason() -> None:
    # A twice-daily day logged as one delivered session and one missed second session at 14:30.
    text = (
        "date,status,session,time,reason\n"
        "2026-10-05,delivered,1,08:00,\n"
        "2026-10-05,missed,2,14:30,patient unwell\n"
    )
    plan = _plan(text, allow_weekends=False)
    missed = [e for e in _fractions(plan) if e.status == "missed"]
    assert [(e.date, e.session, e.reason) for e in missed] == [
        (D(2026, 10, 5), 2, "patient unwell")
    ]
    assert missed[0].clock is not None and missed[0].clock.strftime("%H:%M") == "14:30"
    planned = [e for e in _fractions(plan) if e.status == "planned"]
    assert all(e.reason == "" and e.clock is None for e in planned)


def test_unlogged_days_before_the_last_row_are_noted_only_when_there_are_some() -> None:
    # Rows on 10-05 and 10-07 only: 10-06 has no row and is shown as planned, with a note.
    gap = _plan("date,status\n2026-10-05,delivered\n2026-10-07,delivered\n")
    assert [n for n in gap.notes if "no row" in n] == [
        "rt: 1 treatment day before the RT log's last row of the course has no row: their "
        "fractions are shown as planned"
    ]
    # Rows on 10-05 and 10-09: 10-06, 10-07 and 10-08 have none.
    three = _plan("date,status\n2026-10-05,delivered\n2026-10-09,delivered\n")
    assert [n for n in three.notes if "no row" in n] == [
        "rt: 3 treatment days before the RT log's last row of the course have no row: their "
        "fractions are shown as planned"
    ]
    # Every treatment day up to the last row logged: no such note.
    full = _plan("date,status\n2026-10-05,delivered\n2026-10-06,delivered\n")
    assert not any("have no row" in n for n in full.notes)


EVERY_DAY = (DATA / "rt-35x2.toml").read_text("utf-8").replace(
    'treatment_days = "weekdays"', 'treatment_days = "every day"'
)


def test_an_every_day_phase_accepts_a_weekend_row_without_allow_weekends() -> None:
    from regimen.loading import parse_regimen

    assert 'treatment_days = "every day"' in EVERY_DAY
    reg = parse_regimen(EVERY_DAY, "rt.toml", "rt")
    plan = _plan("date,status\n2026-10-10,delivered\n", regimen=reg)  # a Saturday
    delivered = [e for e in _fractions(plan) if e.status == "delivered"]
    assert [e.date for e in delivered] == [D(2026, 10, 10)]
    # The same row on a weekdays phase is refused without --allow-weekends.
    with pytest.raises((InputError, LoadError), match="2026-10-10 is a Saturday"):
        _plan("date,status\n2026-10-10,delivered\n")

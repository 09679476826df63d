"""Phases of two or three fractions a day in regimen files (issue 13, item 3).

Expected values are worked out by hand from the rules of the issue and the brief:

* Thames's factor (Thames 1985; Joiner and van der Kogel 2018, ch. 10): theta =
  exp(-ln 2 x dt / T1/2), H_m = (2/m) x (theta / (1 - theta)) x (m - (1 - theta^m) / (1 - theta)).
  dt = 6 h, T1/2 = 1.5 h: theta = 2^-4 = 1/16 = 0.0625; H_2 = theta = 0.0625 (issue acceptance);
  H_3 = (4 theta + 2 theta^2) / 3 = (0.25 + 0.0078125) / 3 = 0.0859375.
* BED = n d (1 + d (1 + H_m) / (alpha/beta)); EQD2 = BED / (1 + 2 Gy / (alpha/beta)).
  30 x 1.5 Gy, 2 a day 6 h apart, alpha/beta 3 Gy, T1/2 1.5 h: BED = 45 x (1 + 1.5 x 1.0625 / 3)
  = 45 x 1.53125 = 68.90625 Gy; EQD2 = 68.90625 / (5/3) = 41.34375 Gy. Tumour alpha/beta 10 Gy,
  full repair: BED = 45 x 1.15 = 51.75 Gy.
  36 x 1.5 Gy, 3 a day 6 h apart (a CHART-like example), alpha/beta 3 Gy: BED = 54 x (1 + 1.5 x
  1.0859375 / 3) = 54 x 1.54296875 = 83.3203125 Gy.
* Dates: 30 fractions, 2 a day, Monday to Friday from Monday 2026-10-05: 15 treatment days,
  5-9, 12-16 and 19-23 October; T = 2026-10-23 - 2026-10-05 = 18 d (elapsed). 36 fractions, 3
  a day, every day from 2026-10-05: 12 days, the last 2026-10-16, T = 11 d.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from regimen.cli import cli
from regimen.errors import InputError
from regimen.loading import load_regimen
from regimen.radiotherapy import Phase
from regimen.rt_report import bed_report
from regimen.rtlog import parse_rt_log, record
from regimen.schedule import build_plan
from regimen.units import magnitude, quantity

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "bid-45gy-30.toml"
MON = dt.date(2026, 10, 5)
WARNING = (
    "3D-CRT twice daily: 2 fractions a day, 6 h apart: less than 8 h between fractions, "
    "late-responding tissue may not have repaired as fully as the incomplete-repair factor "
    "assumes (under 6 h is refused; 8 h or more is the safer choice)"
)
NOT_COMPUTED = (
    "not computed: the phase gives 2 fractions a day 6 h apart; give --late-tissue or "
    "--repair-half-time"
)

TID = """
name = "CHART-like example"

[sources.ex]
title = "example"
kind = "local"
citation = "An example, not a protocol"

[[courses]]
id = "rt"
type = "radiotherapy"
source = "ex"

  [[courses.phases]]
  technique = "TID"
  fractions = 36
  dose_per_fraction = "1.5 Gy"
  treatment_days = "every day"
  fractions_per_day = 3
  interval = "6 h"
"""


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args), prog_name="regimen", catch_exceptions=False)


def _tid(tmp_path: Path) -> Path:
    path = tmp_path / "tid.toml"
    path.write_text(TID, encoding="utf-8")
    return path


def _gy(q: Any) -> float:
    return float(magnitude(q, "Gy"))


# --- the file keys -------------------------------------------------------------------------------


def test_example_phase_reads_fractions_per_day_and_interval() -> None:
    phase = load_regimen(str(EXAMPLE)).radiotherapy[0].phases[0]
    assert phase.fractions_per_day == 2
    assert magnitude(phase.interval, "h") == 6
    assert phase.per_day_text == "2 fractions a day, 6 h apart"


def test_phase_defaults_to_one_fraction_a_day() -> None:
    phase = Phase(10, quantity(2, "Gy"))
    assert (phase.fractions_per_day, phase.interval, phase.warning()) == (1, None, None)
    assert phase.per_day_text == "one fraction per treatment day"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fractions_per_day": 2}, "interval: is required with fractions_per_day = 2"),
        ({"interval": quantity(6, "h")}, "interval: only applies with fractions_per_day = 2 or 3"),
        (
            {"fractions_per_day": 2, "interval": quantity(5.5, "h")},
            "interval: 5.5 h between fractions is too short: fractions of one day must be at "
            "least 6 h apart",
        ),
        (
            {"fractions_per_day": 4, "interval": quantity(6, "h")},
            "fractions_per_day: must be 1, 2 or 3, got 4",
        ),
        (
            {"fractions_per_day": 3, "interval": quantity(12, "h")},
            "interval: 3 fractions 12 h apart do not fit in one day",
        ),
    ],
)
def test_phase_refusals(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as err:
        Phase(12, quantity(1.5, "Gy"), "X", **kwargs)
    assert str(err.value).startswith(message)


def test_phase_fractions_must_fill_whole_days() -> None:
    with pytest.raises(InputError) as err:
        Phase(31, quantity(1.5, "Gy"), "X", fractions_per_day=2, interval=quantity(6, "h"))
    assert str(err.value) == (
        "fractions: 31 fractions at 2 a day leave a day with fewer: give a multiple of 2"
    )


def test_regression_eight_hours_apart_is_not_warned() -> None:
    phase = Phase(30, quantity(1.5, "Gy"), "X", fractions_per_day=2, interval=quantity(8, "h"))
    assert phase.warning() is None


# --- the calendar ----------------------------------------------------------------------------


def test_bid_phase_from_a_monday_gives_two_fractions_a_day_and_t_18_days() -> None:
    plan = build_plan(load_regimen(str(EXAMPLE)), MON)
    fractions = [e for e in plan.events if e.kind == "fraction"]
    assert [e.fraction for e in fractions] == list(range(1, 31))
    days = sorted({e.date for e in fractions})
    expected = [MON + dt.timedelta(days=w * 7 + d) for w in range(3) for d in range(5)]
    assert days == expected
    assert all(sum(1 for e in fractions if e.date == d) == 2 for d in days)
    assert [(e.session, e.fraction) for e in fractions[:2]] == [(1, 1), (2, 2)]
    assert plan.overall_time("rt") == 18
    assert plan.warnings == (WARNING,)


def test_thrice_daily_every_day_ends_on_day_12(tmp_path: Path) -> None:
    plan = build_plan(load_regimen(str(_tid(tmp_path))), MON)
    fractions = [e for e in plan.events if e.kind == "fraction"]
    assert len(fractions) == 36
    assert fractions[-1].date == dt.date(2026, 10, 16)
    assert [e.session for e in fractions[:3]] == [1, 2, 3]
    assert plan.overall_time("rt") == 11


def test_calendar_text_csv_json_show_each_session() -> None:
    args = ["calendar", str(EXAMPLE), "--start", "2026-10-05"]
    text = _run(*args).output
    assert (
        "2026-10-05 Mon  rt: Radiotherapy 1 of 30, session 1 of 2 that day: 1.5 Gy; "
        "rt: Radiotherapy 2 of 30, session 2 of 2 that day: 1.5 Gy"
    ) in text
    assert f"Warning: {WARNING}" in text
    csv = _run(*args, "--format", "csv").output.splitlines()
    assert csv[2].startswith(
        '2026-10-05,Mon,rt,fraction,"Radiotherapy 2 of 30, session 2 of 2 that day",2,'
    )
    data = json.loads(_run(*args, "--format", "json").output)
    first = [e for e in data["events"] if e.get("kind") == "fraction"][:2]
    assert [(e["date"], e["fraction"], e["session"]) for e in first] == [
        ("2026-10-05", 1, 1),
        ("2026-10-05", 2, 2),
    ]
    assert WARNING in data["warnings"]


def test_ics_one_event_per_fraction_with_distinct_uids_and_timed_sessions() -> None:
    ics = _run(
        "calendar",
        str(EXAMPLE),
        "--start",
        "2026-10-05",
        "--format",
        "ics",
        "--generated-at",
        "2026-01-01T00:00:00Z",
        "--time",
        "08:00",
        "--tz",
        "Europe/London",
    ).output
    lines = ics.splitlines()
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(uids) == len(set(uids)) == 30
    starts = [line for line in lines if line.startswith("DTSTART;TZID")]
    # Session 2 is the phase's interval (6 h) after session 1's 08:00.
    assert starts[:2] == [
        "DTSTART;TZID=Europe/London:20261005T080000",
        "DTSTART;TZID=Europe/London:20261005T140000",
    ]
    assert "SUMMARY:Radiotherapy 2 of 30 (session 2 of the day)" in lines


def test_html_shows_both_fractions_of_a_day() -> None:
    html = _run("calendar", str(EXAMPLE), "--start", "2026-10-05", "--format", "html").output
    assert "RT 1 of 30" in html and "RT 2 of 30" in html


# --- show and validate -------------------------------------------------------------------------


def test_show_and_validate_say_two_fractions_a_day_six_hours_apart() -> None:
    shown = _run("show", str(EXAMPLE)).output
    assert "phase 1: 3D-CRT twice daily, 30 x 1.5 Gy, 2 fractions a day, 6 h apart" in shown
    assert f"warning: {WARNING}" in shown
    result = _run("validate", str(EXAMPLE))
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{EXAMPLE}: ok",
        f"{EXAMPLE}: rt phase 1: 2 fractions a day, 6 h apart",
        f"{EXAMPLE}: warning: {WARNING}",
    ]


# --- dose ------------------------------------------------------------------------------------


def test_late_bed_includes_h_and_tumour_assumes_full_repair() -> None:
    phases = load_regimen(str(EXAMPLE)).radiotherapy[0].phases
    report = bed_report(
        phases,
        [quantity(3, "Gy")],
        tumour_alpha_betas=[quantity(10, "Gy")],
        repair_half_time=quantity(1.5, "h"),
    )
    tumour, late = report.results
    assert report.phase_repairs[0] is not None and report.phase_repairs[0].h == 0.0625
    assert _gy(late.bed.value) == pytest.approx(68.90625, abs=1e-9)
    assert _gy(late.eqd2) == pytest.approx(41.34375, abs=1e-9)
    assert late.repair_applied and not tumour.repair_applied
    assert _gy(tumour.bed.value) == pytest.approx(51.75, abs=1e-9)


def test_thrice_daily_late_bed_uses_h3(tmp_path: Path) -> None:
    phases = load_regimen(str(_tid(tmp_path))).radiotherapy[0].phases
    report = bed_report(phases, [quantity(3, "Gy")], repair_half_time=quantity(1.5, "h"))
    assert report.phase_repairs[0] is not None
    assert report.phase_repairs[0].h == pytest.approx(0.0859375, abs=1e-12)
    assert _gy(report.results[0].bed.value) == pytest.approx(83.3203125, abs=1e-9)


def test_dose_text_without_a_repair_half_time_says_not_computed() -> None:
    result = _run("dose", str(EXAMPLE), "--alpha-beta", "3Gy", "--tumour-alpha-beta", "10Gy")
    assert result.exit_code == 0
    assert f"  BED, EQD2: {NOT_COMPUTED}" in result.output
    assert "68.91" not in result.output and "H_m" in result.output
    assert "30 x 1.5 Gy x (1 + 1.5 Gy / 10 Gy) = 51.75 Gy" in result.output


def test_dose_json_late_result_is_null_with_why() -> None:
    result = _run("dose", str(EXAMPLE), "--alpha-beta", "3Gy", "--format", "json")
    rt = json.loads(result.output)["radiotherapy"]
    assert rt["results"] == [
        {
            "alpha_beta": {"value": 3, "unit": "Gy"},
            "bed": None,
            "eqd2": None,
            "why": NOT_COMPUTED,
            "tissue": "other",
            "preset": None,
        }
    ]
    assert rt["phases"][0]["incomplete_repair"] is None
    assert rt["phases"][0]["interval"] == {"value": 6, "unit": "h"}


def test_dose_with_repair_half_time_shows_h_and_the_formula() -> None:
    args = ["dose", str(EXAMPLE), "--alpha-beta", "3Gy", "--repair-half-time", "1.5h"]
    text = _run(*args).output
    assert "theta = exp(-ln 2 x dt / T1/2) = exp(-ln 2 x 6 h / 1.5 h) = 0.0625" in text
    assert "30 x 1.5 Gy x (1 + 1.5 Gy x (1 + 0.0625) / 3 Gy) = 68.91 Gy" in text
    data = json.loads(_run(*args, "--format", "json").output)["radiotherapy"]
    assert data["results"][0]["bed"] == {"value": 68.90625, "unit": "Gy"}
    assert data["results"][0]["incomplete_repair_applied"] is True
    repair = data["phases"][0]["incomplete_repair"]
    assert (repair["h"], repair["repair_half_time"]) == (0.0625, {"value": 1.5, "unit": "h"})


def test_dose_late_tissue_preset_gives_the_repair_half_time() -> None:
    # rectum-late: alpha/beta 3 Gy, repair half-time 1.5 h (the preset's values).
    data = json.loads(
        _run("dose", str(EXAMPLE), "--late-tissue", "rectum-late", "--format", "json").output
    )["radiotherapy"]
    assert data["results"][0]["bed"] == {"value": 68.90625, "unit": "Gy"}
    assert data["phases"][0]["incomplete_repair"]["repair_half_time_preset"]["name"] == (
        "rectum-late"
    )


def test_dose_with_start_shows_the_interval_warning_once() -> None:
    args = ["dose", str(EXAMPLE), "--alpha-beta", "3Gy", "--repair-half-time", "1.5h"]
    text = _run(*args, "--start", "2026-10-05").output
    assert text.count(WARNING) == 1
    assert "2026-10-23 - 2026-10-05 = 18 d" in text


# --- the RT log ------------------------------------------------------------------------------


def test_record_of_a_bid_phase_uses_logged_times_and_the_phase_interval() -> None:
    # 2026-10-05 logged 8 h apart: theta = 2^-(8/1.5); the other 14 days are laid as planned,
    # 6 h apart (H_2 = 0.0625). Planned: 30 fractions with H 0.0625 = 68.90625 Gy.
    reg = load_regimen(str(EXAMPLE))
    text = "date,status,session,time\n2026-10-05,delivered,1,08:00\n2026-10-05,delivered,2,16:00\n"
    plan = build_plan(reg, MON, rt_log=parse_rt_log(text, "log.csv", reg))
    baseline = build_plan(reg, MON)
    rec = record(
        plan, baseline, "rt", [(quantity(3, "Gy"), "other")], repair_half_time=quantity(1.5, "h")
    )
    assert len(rec.repair_days) == 15
    assert rec.repair_days[0].h == pytest.approx(2 ** (-8 / 1.5), abs=1e-12)
    assert {r.h for r in rec.repair_days[1:]} == {0.0625}
    result = rec.results[0]
    assert _gy(result.planned.bed) == pytest.approx(68.90625, abs=1e-9)
    theta = 2 ** (-8 / 1.5)
    actual = 2 * 1.5 * (1 + 1.5 * (1 + theta) / 3) + 28 * 1.5 * (1 + 1.5 * 1.0625 / 3)
    assert _gy(result.actual.bed) == pytest.approx(actual, abs=1e-9)


def test_regression_record_with_planned_bid_days_needs_no_logged_times() -> None:
    # Before: a planned twice-daily day (no clock) made min() of no intervals fail.
    result = _run(
        "dose",
        str(EXAMPLE),
        "--start",
        "2026-10-05",
        "--alpha-beta",
        "3Gy",
        "--repair-half-time",
        "1.5h",
        "--rt-log",
        str(ROOT / "examples" / "bid-rt-log.csv"),
    )
    assert result.exit_code == 0, result.output
    assert "Treatment record of rt" in result.output


def test_regression_gap_refuses_a_course_with_a_twice_daily_phase() -> None:
    # gap works out late BED fraction by fraction with H only on its own twice-daily days: on a
    # twice-daily phase it would understate the plan's late BED (67.5 Gy instead of 68.91 Gy).
    result = CliRunner().invoke(
        cli,
        [
            "gap",
            str(EXAMPLE),
            "--start",
            "2026-10-05",
            "--rt-log",
            str(ROOT / "examples" / "bid-rt-log.csv"),
            "--tissue",
            "hnscc",
            "--late-tissue",
            "rectum-late",
        ],
        prog_name="regimen",
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: gap: rt has a phase of 2 fractions a day: gap compensation works on courses "
        "of one fraction a day only"
    )

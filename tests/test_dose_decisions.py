"""Dose decisions against the written rules of docs/dose-modification.md.

Two suites, both worked out by hand from the rules and the regimen files, never from the code's
output:

1. Scenarios (``tests/data/scenarios/ae_scenarios.toml``), written from docs/dose-modification.md
   and the regimens' rules alone, by someone who did not read the code, before the program was
   run on it (its header lists the conventions chosen where the rules are silent). Each scenario
   gives, per course, the doses and held days as runs of dates, the actual day 1s, the status and
   discontinuation date, and the decisions in order; ``test_scenario_worked_by_hand`` checks the
   plan (regimen.schedule with regimen.modification) against them.
2. Regression tests for the wrong doses, dates and decisions a pharmacist found (issue 9): one
   test per defect, named after it, run through the command line as a user would. Expected
   values come from the rules and the regimen files (anlotinib-sts: 12 -> 10 -> 8 mg once daily,
   days 1-14 of 21; bleeding grade 2 hold until grade 1 or lower then one level lower, at most
   14 d; other grade 3 hold then one level lower; grade 4-5 stop), each computation written
   beside its number.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from regimen.loading import load_regimen, parse_ae_log
from regimen.modification import DecisionKind
from regimen.schedule import Plan, build_plan
from regimen.units import AMOUNT, format_quantity, parse_quantity
from tests.helpers import one_error_line

# =============================================================================================
# 1. Scenarios worked out by hand (tests/data/scenarios/ae_scenarios.toml)

DATA = Path(__file__).parent / "data" / "scenarios" / "ae_scenarios.toml"
SCENARIOS: list[dict[str, Any]] = tomllib.loads(DATA.read_text(encoding="utf-8"))["scenario"]


def _runs(items: list[tuple[dt.date, str]]) -> list[str]:
    """Consecutive dates with the same text as ``FIRST..LAST TEXT`` (or ``DATE TEXT``)."""
    out: list[str] = []
    run: list[tuple[dt.date, str]] = []
    for date, text in [*items, (dt.date.max, "\0")]:
        if run and (text != run[-1][1] or (date - run[-1][0]).days != 1):
            first, last = run[0][0], run[-1][0]
            span = first.isoformat() if first == last else f"{first}..{last}"
            out.append(f"{span} {run[0][1]}".rstrip())
            run = []
        run.append((date, text))
    return out


def _plan(s: dict[str, Any]) -> Plan:
    reg = load_regimen(s["regimen"])
    start = dt.date.fromisoformat(s["start"])
    rows = parse_ae_log(s["ae_log"].strip() + "\n", s["id"], reg, start)
    doses = {}
    if s.get("start_dose"):
        cid, _, value = s["start_dose"].partition("=")
        doses[cid] = parse_quantity(value, AMOUNT, "start_dose")
    return build_plan(reg, start, cycles=s["cycles"], start_doses=doses, adverse_events=rows)


def _decision(d: Any) -> str:
    text = f"{d.date.isoformat()} {d.action}"
    if d.kind in (DecisionKind.RESUME, DecisionKind.REDUCE) and d.dose_after is not None:
        text += f" {format_quantity(d.dose_after)}"
    return text


def _observed(plan: Plan, course: str) -> dict[str, Any]:
    events = plan.course_events(course)
    out: dict[str, Any] = {
        "decisions": [_decision(d) for d in plan.decisions if d.course == course],
    }
    if course in plan.outcomes:
        outcome = plan.outcomes[course]
        last = plan.last_date or plan.start
        out["doses"] = _runs(
            [(e.date, format_quantity(e.dose)) for e in events if e.kind == "dose" and e.dose]
        )
        out["held"] = _runs([(e.date, "") for e in events if e.kind == "held"])
        out["day1"] = [c.day1.isoformat() for c in plan.cycles if c.course == course]
        out["status"] = plan.status(course, last).value
        stop = outcome.discontinued_on
        out["discontinued_on"] = stop.isoformat() if stop else ""
    return out


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_scenario_worked_by_hand(scenario: dict[str, Any]) -> None:
    plan = _plan(scenario)
    for course, expect in scenario["expect"].items():
        observed = _observed(plan, course)
        wanted = {k: v for k, v in expect.items() if k in observed}
        assert {k: observed[k] for k in wanted} == wanted, scenario["worked"]
    assert len(plan.needs_review) == scenario.get("needs_review", 0)


def test_the_table_covers_what_the_issue_asks() -> None:
    """At least 40 scenarios, over every bundled regimen with an AE-driven drug course."""
    assert len(SCENARIOS) >= 40
    assert {s["regimen"] for s in SCENARIOS} == {
        "anlotinib-sts",
        "anlotinib-pembrolizumab",
        "lms-rt-anlotinib",
    }
    kinds = {
        d.split()[1] if d.split()[1] != "continue" else " ".join(d.split()[1:3])
        for s in SCENARIOS
        for e in s["expect"].values()
        for d in e.get("decisions", [])
    }
    for kind in ("hold", "resume", "discontinue", "delay", "waiting"):
        assert kind in kinds

# =============================================================================================
# 2. Regression tests of issue 9, through the command line


def _log(tmp_path: Path, rows: str, name: str = "log.csv") -> str:
    path = tmp_path / name
    path.write_text(rows, encoding="utf-8")
    return str(path)


def _json(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _dates(data: Any, course: str, kind: str) -> list[str]:
    return [e["date"] for e in data["events"] if e["course"] == course and e["kind"] == kind]


# 1 ---------------------------------------------------------------------------------------------
def test_hold_lower_rule_at_the_lowest_level_discontinues_on_the_ae_date(run, tmp_path):
    log = _log(tmp_path, "date,term,grade\n2022-10-07,epistaxis,2\n")
    data = _json(
        run(
            "calendar",
            "anlotinib-sts",
            "--start",
            "2022-10-03",
            "--cycles",
            "2",
            "--start-dose",
            "anlotinib=8mg",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    # 8 mg is the lowest level: resuming one level lower is impossible -> stop on 2022-10-07.
    assert _dates(data, "anlotinib", "dose") == [
        "2022-10-03",
        "2022-10-04",
        "2022-10-05",
        "2022-10-06",
    ]
    assert _dates(data, "anlotinib", "held") == []
    assert [(d["date"], d["action"]) for d in data["decisions"]] == [("2022-10-07", "discontinue")]


# 2 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "term",
    ["upper gastrointestinal hemorrhage", "melena", "GI bleed", "tumor bleeding", "nosebleed"],
)
def test_unlisted_bleeding_terms_fall_under_the_bleeding_rule_not_the_catch_all(
    run, tmp_path, term
):
    log = _log(tmp_path, f"date,term,grade\n2022-01-05,{term},2\n2022-01-08,{term},1\n")
    data = _json(
        run(
            "calendar",
            "anlotinib-sts",
            "--start",
            "2022-01-03",
            "--cycles",
            "1",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    # bleeding grade 2: hold 01-05..01-07, resume one level lower (10 mg) on 01-08.
    assert [(d["date"], d["action"]) for d in data["decisions"]] == [
        ("2022-01-05", "hold"),
        ("2022-01-08", "resume"),
    ]
    assert data["decisions"][1]["dose_after"] == {"value": 10, "unit": "mg"}
    assert data["decisions"][1]["dose_before"] == {"value": 12, "unit": "mg"}


@pytest.mark.parametrize(
    ("term", "grade", "named"),
    [
        ("xyzzy", 2, "unknown adverse-event term 'xyzzy'"),
        ("hemorrage", 2, "hemorrhage"),
        ("Alopecia", 3, "defines no grade 3 for Alopecia (grades 1-2"),
        ("Fatigue", 4, "defines no grade 4 for Fatigue"),
    ],
)
def test_unknown_terms_and_undefined_grades_are_input_errors(run, tmp_path, term, grade, named):
    log = _log(tmp_path, f"date,term,grade\n2022-01-05,{term},{grade}\n")
    line = one_error_line(
        run("calendar", "anlotinib-sts", "--start", "2022-01-03", "--ae-log", log)
    )
    assert "line 2" in line and named in line


def test_decisions_carry_the_ctcae_term_and_meddra_code(run, tmp_path):
    log = _log(tmp_path, "date,term,grade\n2022-01-05,nosebleed,1\n")
    data = _json(
        run(
            "calendar",
            "anlotinib-sts",
            "--start",
            "2022-01-03",
            "--cycles",
            "1",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    d = data["decisions"][0]
    # NCI CTCAE v5.0: Epistaxis, MedDRA 10015090.
    assert (d["term"], d["ctcae_term"], d["meddra_code"]) == ("nosebleed", "Epistaxis", "10015090")


# 3 ---------------------------------------------------------------------------------------------
def test_pneumonitis_grade_2_withholds_pembrolizumab_per_the_label(run, tmp_path):
    log = _log(tmp_path, "date,term,grade,course\n2022-01-05,pneumonitis,2,pembrolizumab\n")
    data = _json(
        run(
            "calendar",
            "anlotinib-pembrolizumab",
            "--start",
            "2022-01-03",
            "--cycles",
            "2",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    # Withheld from 01-05: the cycle 2 infusion planned for 01-24 is not given.
    assert _dates(data, "pembrolizumab", "dose") == ["2022-01-03"]
    first = data["decisions"][0]
    assert (first["action"], first["source"]["kind"]) == ("hold", "label")


def _bundled_text(regimen_id: str) -> str:
    """The bundled file's text, found as the loader finds it (works from any folder)."""
    from regimen.loading import _bundled_folder

    return (_bundled_folder() / f"{regimen_id}.toml").read_text(encoding="utf-8")


def test_a_row_no_rule_covers_is_kept_and_needs_review(run, tmp_path):
    regimen = tmp_path / "r.toml"
    text = _bundled_text("anlotinib-sts")
    # Keep only the bleeding rules: a hypertension row then has no rule at all.
    regimen.write_text(text.split('  [[courses.rules]]\n  term = "any"')[0], encoding="utf-8")
    log = _log(tmp_path, "date,term,grade\n2022-01-05,Hypertension,2\n")
    data = _json(
        run(
            "calendar",
            str(regimen),
            "--start",
            "2022-01-03",
            "--cycles",
            "1",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    assert [d["action"] for d in data["decisions"]] == ["no rule"]
    assert data["needs_review"][0]["date"] == "2022-01-05"
    text_out = run(
        "calendar", str(regimen), "--start", "2022-01-03", "--cycles", "1", "--ae-log", log
    ).stdout
    assert "Needs clinician review (1):" in text_out


# 4 ---------------------------------------------------------------------------------------------
def test_rows_after_the_last_laid_out_cycle_extend_the_plan(run, tmp_path):
    # 2 cycles end 2022-02-13; cycle 3 runs 02-14..03-06, so a row on 03-01 is inside cycle 3.
    log = _log(tmp_path, "date,term,grade\n2022-03-01,Hypertension,4\n")
    data = _json(
        run(
            "dose",
            "anlotinib-sts",
            "--start",
            "2022-01-03",
            "--cycles",
            "2",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    drug = data["drugs"][0]
    assert (drug["status"], drug["discontinued_on"], drug["current_dose"]) == (
        "discontinued",
        "2022-03-01",
        None,
    )
    assert drug["next_cycle_start"] is None
    # 3 cycles x 14 days x 12 mg = 504 mg delivered (the row came after the last dose of C3).
    assert drug["delivered_total"] == {"value": 504, "unit": "mg"}


# 5 ---------------------------------------------------------------------------------------------
def test_an_ae_during_radiotherapy_before_the_first_dose_never_reduces_the_drug(run, tmp_path):
    # lms-rt-anlotinib from 2022-05-16: anlotinib day 1 is 2022-06-02 (after the boost).
    log = _log(
        tmp_path,
        "date,term,grade\n2022-05-20,radiation dermatitis,3\n2022-05-27,radiation dermatitis,1\n",
    )
    data = _json(
        run(
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "2022-05-16",
            "--cycles",
            "1",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    doses = [e for e in data["events"] if e["course"] == "anlotinib" and e["kind"] == "dose"]
    assert doses[0]["date"] == "2022-06-02"
    assert {e["dose"]["value"] for e in doses} == {12}


def test_an_ae_row_can_be_attributed_to_the_radiotherapy(run, tmp_path):
    log = _log(tmp_path, "date,term,grade,course\n2022-05-20,radiation dermatitis,3,radiotherapy\n")
    data = _json(
        run(
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "2022-05-16",
            "--cycles",
            "1",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    assert [(d["course"], d["action"]) for d in data["decisions"]] == [("radiotherapy", "recorded")]
    assert data["needs_review"][0]["course"] == "radiotherapy"
    assert _dates(data, "anlotinib", "dose")[0] == "2022-06-02"


# 6 ---------------------------------------------------------------------------------------------
def test_dose_tells_the_calendars_story_during_a_hold(run, tmp_path):
    log = _log(tmp_path, "date,term,grade\n2022-01-10,Hypertension,3\n")
    data = _json(
        run(
            "dose",
            "anlotinib-sts",
            "--start",
            "2022-01-03",
            "--cycles",
            "1",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    drug = data["drugs"][0]
    assert (drug["status"], drug["current_dose"], drug["next_cycle_start"]) == (
        "on_hold",
        None,
        None,
    )
    # local grade 3 rule: resumes one level lower, 10 mg.
    assert drug["resume_dose"] == {"value": 10, "unit": "mg"}
    text = run(
        "dose", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "1", "--ae-log", log
    ).stdout
    assert "on hold since 2022-01-10 (Hypertension grade 3)" in text
    assert "resumes at 10 mg" in text
    assert "current dose" not in text


# 7 ---------------------------------------------------------------------------------------------
def test_two_grade_3_aes_on_one_day_are_one_interruption_and_one_reduction(run, tmp_path):
    log = _log(
        tmp_path,
        "date,term,grade\n2022-01-05,Hypertension,3\n2022-01-05,Diarrhea,3\n"
        "2022-01-08,Hypertension,1\n2022-01-10,Diarrhea,1\n",
    )
    data = _json(
        run(
            "calendar",
            "anlotinib-sts",
            "--start",
            "2022-01-03",
            "--cycles",
            "1",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    doses = {
        e["dose"]["value"]
        for e in data["events"]
        if e["kind"] == "dose" and e["date"] >= "2022-01-10"
    }
    assert doses == {10}  # 12 -> 10 mg once, not 12 -> 8 mg


# 8 ---------------------------------------------------------------------------------------------
def test_a_maximum_hold_running_out_says_it_rests_on_a_missing_row(run, tmp_path):
    log = _log(tmp_path, "date,term,grade\n2022-01-05,epistaxis,2\n")
    data = _json(
        run(
            "calendar",
            "anlotinib-sts",
            "--start",
            "2022-01-03",
            "--cycles",
            "1",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    stop = data["decisions"][-1]
    # 2022-01-05 + 14 d = 2022-01-19.
    assert (stop["date"], stop["action"]) == ("2022-01-19", "discontinue")
    assert "no recovery row" in stop["reason"] and "as the log stands" in stop["reason"]


# 9 ---------------------------------------------------------------------------------------------
def test_repopulation_correction_is_never_applied_to_late_tissue(run):
    result = run(
        "bed",
        "35x2Gy",
        "--tumour-alpha-beta",
        "10Gy",
        "--alpha-beta",
        "3Gy",
        "--overall-time",
        "46d",
        "--kickoff",
        "28d",
        "--k",
        "0.9Gy/d",
        "--format",
        "json",
    )
    tumour, late = _json(result)["results"]
    # BED = 70 x 1.2 = 84 Gy; BED_T = 84 - 0.9 x (46 - 28) = 67.8 Gy; EQD2_T = 67.8 / 1.2 = 56.5 Gy.
    assert tumour["tissue"] == "tumour"
    assert tumour["time_corrected_bed"]["value"] == pytest.approx(67.8, abs=1e-9)
    assert tumour["time_corrected_eqd2"]["value"] == pytest.approx(56.5, abs=1e-9)
    # 70 x (1 + 2/3) = 116.6667 Gy, with no time correction.
    assert late["tissue"] == "other"
    assert late["bed"]["value"] == pytest.approx(116.6666666667, abs=1e-9)
    assert "time_corrected_bed" not in late


def test_a_time_correction_without_a_tumour_alpha_beta_is_a_usage_error(run):
    line = one_error_line(
        run(
            "bed",
            "35x2Gy",
            "--alpha-beta",
            "3Gy",
            "--overall-time",
            "46d",
            "--kickoff",
            "28d",
            "--dprolif",
            "0.6Gy/d",
        )
    )
    assert "--tumour-alpha-beta" in line


# 10 --------------------------------------------------------------------------------------------
def _variant(tmp_path: Path, old: str, new: str) -> str:
    text = _bundled_text("anlotinib-sts")
    assert old in text
    path = tmp_path / "variant.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return str(path)


def test_twice_daily_totals_count_both_doses(run, tmp_path):
    path = _variant(tmp_path, 'frequency = "once daily"', 'frequency = "twice daily"')
    drug = _json(run("dose", path, "--start", "2022-01-03", "--cycles", "1", "--format", "json"))[
        "drugs"
    ][0]
    # 12 mg x 2 a day x 14 days = 336 mg.
    assert drug["planned_total"] == {"value": 336, "unit": "mg"}
    assert drug["dispense"] == [{"cycle": 1, "strength": {"value": 12, "unit": "mg"}, "count": 28}]


def test_a_frequency_outside_the_allow_list_is_a_load_error(run, tmp_path):
    path = _variant(tmp_path, 'frequency = "once daily"', 'frequency = "three times a week"')
    line = one_error_line(run("show", path))
    assert "frequency" in line and "'three times a week'" in line


# 11 --------------------------------------------------------------------------------------------
def test_a_dose_level_the_strengths_cannot_make_is_a_load_error(run, tmp_path):
    path = _variant(tmp_path, 'strengths = ["12 mg", "10 mg", "8 mg"]', 'strengths = ["12 mg"]')
    line = one_error_line(run("show", path))
    assert "dose level 10 mg cannot be made" in line


# 12 --------------------------------------------------------------------------------------------
def test_rdi_is_measured_against_the_protocol_not_the_start_dose(run):
    drug = _json(
        run(
            "dose",
            "anlotinib-sts",
            "--start",
            "2022-01-03",
            "--cycles",
            "1",
            "--start-dose",
            "anlotinib=10mg",
            "--format",
            "json",
        )
    )["drugs"][0]
    # (140 mg / 21 d) / (168 mg / 21 d) = 0.8333.
    assert drug["relative_dose_intensity"] == pytest.approx(140 / 168, abs=1e-6)
    assert drug["rdi_basis"]["standard_dose_per_cycle"] == {"value": 168, "unit": "mg"}


def test_rdi_and_delivered_doses_count_only_doses_up_to_the_as_of_date(run, tmp_path):
    log = _log(
        tmp_path,
        "date,term,grade\n2022-01-10,hand-foot skin reaction,3\n"
        "2022-01-14,hand-foot skin reaction,1\n",
    )
    args = (
        "dose",
        "anlotinib-sts",
        "--start",
        "2022-01-03",
        "--cycles",
        "2",
        "--ae-log",
        log,
        "--format",
        "json",
    )
    drug = _json(run(*args))["drugs"][0]
    # 7 x 12 (01-03..01-09) + 3 x 10 (01-14..01-16) + 14 x 10 (C2) = 84 + 30 + 140 = 254 mg;
    # RDI = (254 / 42 d) / (168 / 21 d) = 254 / 336 = 0.7560.
    assert drug["delivered_total"] == {"value": 254, "unit": "mg"}
    assert drug["relative_dose_intensity"] == pytest.approx(254 / 336, abs=1e-6)
    early = _json(run(*args, "--as-of", "2022-01-12"))["drugs"][0]
    # As of 01-12 (on hold): 84 mg delivered over cycle 1 (21 d): (84 / 21) / (168 / 21) = 0.5.
    assert (early["status"], early["delivered_total"]["value"]) == ("on_hold", 84)
    assert early["relative_dose_intensity"] == pytest.approx(0.5, abs=1e-6)


# 13 --------------------------------------------------------------------------------------------
def test_the_printable_calendar_says_nothing_about_a_drug_before_it_starts(run, tmp_path):
    # A bleed during radiotherapy that recovers on 06-03 (the 14th day of the hold), after
    # anlotinib's planned day 1 (06-02): day 1 waits, then moves to 06-03.
    log = _log(tmp_path, "date,term,grade\n2022-05-20,epistaxis,2\n2022-06-03,epistaxis,1\n")
    page = run(
        "calendar",
        "lms-rt-anlotinib",
        "--start",
        "2022-05-16",
        "--cycles",
        "1",
        "--ae-log",
        log,
        "--format",
        "html",
    ).stdout
    import re

    cells = dict(re.findall(r'<td data-date="([0-9-]+)">(.*?)</td>', page))
    assert [d for d, cell in cells.items() if d < "2022-06-02" and "anlotinib" in cell] == []
    assert 'data-state="waiting"' in cells["2022-06-02"]
    assert 'data-state="dose"' in cells["2022-06-03"]


def test_days_after_a_discontinuation_read_stopped_not_rest_day(run, tmp_path):
    log = _log(tmp_path, "date,term,grade\n2022-01-05,Hypertension,4\n")
    text = run(
        "calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "1", "--ae-log", log
    ).stdout
    assert "2022-01-05 Wed  anlotinib: stopped (discontinued on 2022-01-05)" in text
    assert "rest day" not in text


# 14 --------------------------------------------------------------------------------------------
def test_isoeffect_warns_above_6_gy_and_shows_the_rounded_schedules_bed(run):
    out = run("isoeffect", "30x2Gy", "--fractions", "1", "--alpha-beta", "10Gy").stdout
    assert "Warning: 22.2947 Gy per fraction is above 6 Gy" in out
    out = run("isoeffect", "30x2Gy", "--dose-per-fraction", "3Gy", "--alpha-beta", "3Gy").stdout
    # 17 x 3 x (1 + 3/3) = 102 Gy.
    assert "BED of the rounded schedule = 17 x 3 Gy x (1 + 3 Gy / 3 Gy) = 102 Gy" in out


def test_treat_makeup_days_without_holidays_warns(run):
    data = _json(
        run(
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "2022-05-16",
            "--cycles",
            "1",
            "--treat-makeup-days",
            "--format",
            "json",
        )
    )
    assert any("--treat-makeup-days has no effect" in w for w in data["warnings"])


def test_course_start_that_overlaps_a_sequential_course_warns(run):
    data = _json(
        run(
            "calendar",
            "lms-rt-anlotinib",
            "--start",
            "2022-05-16",
            "--cycles",
            "1",
            "--course-start",
            "anlotinib=2022-05-20",
            "--format",
            "json",
        )
    )
    assert any("overlaps them" in w for w in data["warnings"])


def test_combination_cycles_drifting_apart_warns(run, tmp_path):
    log = _log(
        tmp_path,
        "date,term,grade,course\n2022-01-20,Hypertension,3,anlotinib\n"
        "2022-01-27,Hypertension,1,anlotinib\n",
    )
    data = _json(
        run(
            "calendar",
            "anlotinib-pembrolizumab",
            "--start",
            "2022-01-03",
            "--cycles",
            "2",
            "--ae-log",
            log,
            "--format",
            "json",
        )
    )
    # anlotinib's cycle 2 day 1 moves from 01-24 to 01-27; pembrolizumab's stays on 01-24.
    assert any("drifted apart" in w and "2022-01-27" in w for w in data["warnings"])


def test_holidays_beyond_the_announced_years_are_not_shown_as_fact(run):
    data = _json(
        run(
            "calendar",
            "pelvic-postop-rt",
            "--start",
            "2030-01-07",
            "--holidays",
            "CN",
            "--format",
            "json",
        )
    )
    assert any("announced year by year" in w for w in data["warnings"])


@pytest.mark.parametrize("text", ["x\x1b[2Jy", "a\rb", "\u202eevil"])
def test_control_characters_in_an_ae_note_are_refused(run, tmp_path, text):
    # The note is now printed with its decision: it must not carry terminal or calendar control.
    log = _log(tmp_path, f'date,term,grade,note\n2022-01-05,Hypertension,2,"{text}"\n')
    line = one_error_line(run("calendar", "anlotinib-sts", "--start", "2022-01-03",
                              "--ae-log", log))
    assert "line 2: note holds a control or bidirectional-override character" in line

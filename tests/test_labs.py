"""Blood counts and organ function: the lab log and per-day lab rules (issue 12, item 5).

Every expected date and dose is worked out by hand from the written rules in
docs/dose-modification.md, "Blood counts and organ function", and from the label table the
bundled gemcitabine-docetaxel file cites (gemcitabine label, ovarian-cancer table: day 8 ANC at
least 1.5 and platelets at least 100 x 10^9/L full dose; ANC 1 to 1.49 or platelets 75 to 99:
50%; lower: hold; day 1 below the full-dose counts: delay. Docetaxel label: no docetaxel with
neutrophils below 1500 cells/mm3, 1.5 x 10^9/L).

The test regimen ``DRUG`` below (flat 1000 mg, days 1 and 8 of 21-day cycles) has a day-1 rule
(full, else delay) and a day-8 rule (full; 75%; hold; otherwise discontinue), both with a 3-day
window, and an AE rule holding for any grade 3-4 event until grade 1. Start Monday 2022-01-03:
cycle 1 day 1 is 01-03, day 8 01-10; cycle 2 day 1 01-24, day 8 01-31.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from decimal import Decimal
from pathlib import Path

import pytest

from regimen.errors import LoadError
from regimen.labrules import (
    LabAction,
    LabResult,
    evaluate,
    parse_action,
    parse_condition,
    percent_dose,
)
from regimen.loading import parse_ae_log, parse_lab_log, parse_regimen
from regimen.modification import DecisionKind
from regimen.schedule import DayKind, Status, build_plan
from regimen.units import magnitude, quantity

DATA = Path(__file__).parent / "data" / "labs"
START = dt.date(2022, 1, 3)

DRUG = """
name = "Lab test drug"

[sources.label]
kind = "label"
title = "Test label"
citation = "Test label table"

[sources.local]
kind = "local"
citation = "Test AE rule"

[[courses]]
id = "drug"
type = "drug"
drug = "testdrug"
route = "intravenous"
frequency = "once daily"
dose_levels = ["1000 mg", "800 mg"]
dosing_days = "1, 8"
cycle_length = "21 d"

  [[courses.rules]]
  term = "any"
  grades = "3-4"
  action = "hold"
  until_grade = 1
  resume = "same"
  source = "local"

  [[courses.lab_rules]]
  days = "1"
  window = "3 d"
  source = "label"
  bands = [
    { when = "anc >= 1.5 and platelets >= 100", action = "full" },
    { when = "otherwise", action = "delay" },
  ]

  [[courses.lab_rules]]
  days = "8"
  window = "3 d"
  source = "label"
  bands = [
    { when = "anc >= 1.5 and platelets >= 100", action = "full" },
    { when = "anc >= 1.0 and platelets >= 75", action = "75%" },
    { when = "anc >= 0.5 and platelets >= 50", action = "hold" },
    { when = "otherwise", action = "discontinue" },
  ]
"""

REGIMEN = parse_regimen(DRUG, "drug.toml", "labdrug")


def d(month: int, day: int) -> dt.date:
    return dt.date(2022, month, day)


def counts(date: dt.date, anc: str, platelets: str = "150") -> list[LabResult]:
    return [
        LabResult(date, "anc", Decimal(anc), "10^9/L"),
        LabResult(date, "platelets", Decimal(platelets), "10^9/L"),
    ]


OK_DAY1 = counts(d(1, 3), "2.0")


def plan_with(results: list[LabResult], cycles: int = 2, **kwargs: object):
    return build_plan(REGIMEN, START, cycles=cycles, lab_results=results, **kwargs)  # type: ignore[arg-type]


def doses(plan) -> list[tuple[dt.date, str, float | None]]:
    return [
        (e.date, e.kind, None if e.dose is None else magnitude(e.dose, "mg")) for e in plan.events
    ]


def lab_decisions(plan) -> list[tuple[dt.date, str]]:
    return [(x.date, x.action) for x in plan.decisions if x.action.startswith("lab: ")]


# ---------------------------------------------------------------------------------------------
# the grammar


def test_condition_and_clauses_in_words() -> None:
    c = parse_condition("anc >= 1.0 and platelets > 75")
    assert c.describe() == "ANC at least 1 10^9/L and platelets above 75 10^9/L"
    assert parse_condition("alt <= 100 or bilirubin < 30 umol/L").describe() == (
        "ALT at most 100 U/L or bilirubin below 30 umol/L"
    )
    assert parse_condition("otherwise").otherwise


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("anc => 1.5", "is not a clause like 'anc >= 1.5'"),
        ("neutrophils >= 1.5", "unknown test 'neutrophils'"),
        ("anc >= 1.5 and anc < 3", "names anc twice"),
        ("anc >= 1.5 mg/dL", "unit 'mg/dL' is not one for anc"),
        ("creatinine < 1.5", "creatinine is measured in mg/dL or umol/L: write the unit"),
        ("anc >= 1.5 and platelets >= 100 or alt < 50", "mixes 'and' and 'or'"),
        ("__import__('os') >= 1", "is not a clause"),
    ],
)
def test_condition_refusals(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_condition(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("full", (LabAction.FULL, None)),
        ("75%", (LabAction.PERCENT, 75)),
        ("1%", (LabAction.PERCENT, 1)),
        ("hold", (LabAction.HOLD, None)),
        ("delay", (LabAction.DELAY, None)),
        ("discontinue", (LabAction.DISCONTINUE, None)),
    ],
)
def test_actions(text: str, expected: tuple[LabAction, int | None]) -> None:
    assert parse_action(text) == expected


@pytest.mark.parametrize("text", ["100%", "0%", "75 %", "half", "reduce"])
def test_action_refusals(text: str) -> None:
    with pytest.raises(ValueError, match=r"must be|1% to 99%"):
        parse_action(text)


def test_clause_boundaries_and_unit_conversion() -> None:
    # Bilirubin 1.5 mg/dL is 1.5 x 17.1 = 25.65 umol/L: 25.65 umol/L meets "at most 1.5 mg/dL",
    # 25.7 does not. Creatinine 1 mg/dL is 88.42 umol/L.
    rule = parse_condition("bilirubin <= 1.5 mg/dL")
    at = {"bilirubin": LabResult(d(1, 3), "bilirubin", Decimal("25.65"), "umol/L")}
    assert rule.holds(at)
    at = {"bilirubin": LabResult(d(1, 3), "bilirubin", Decimal("25.7"), "umol/L")}
    assert not rule.holds(at)
    cr = parse_condition("creatinine < 88.42 umol/L")
    assert not cr.holds({"creatinine": LabResult(d(1, 3), "creatinine", Decimal(1), "mg/dL")})
    assert cr.holds({"creatinine": LabResult(d(1, 3), "creatinine", Decimal("0.99"), "mg/dL")})
    # >= and > at the threshold itself
    anc = {"anc": LabResult(d(1, 3), "anc", Decimal("1.5"), "10^9/L")}
    assert parse_condition("anc >= 1.5").holds(anc)
    assert not parse_condition("anc > 1.5").holds(anc)
    assert parse_condition("anc <= 1.5").holds(anc)
    assert not parse_condition("anc < 1.5").holds(anc)


def test_percent_of_a_bsa_dose_rounds_to_a_tenth_of_a_mg() -> None:
    # 1636.3 mg x 75% = 1227.225 mg -> 1227.2 mg; x 50% = 818.15 -> 818.2 mg (halves up).
    assert magnitude(percent_dose(quantity(1636.3, "mg"), 75), "mg") == 1227.2
    assert magnitude(percent_dose(quantity(1636.3, "mg"), 50), "mg") == 818.2
    assert magnitude(percent_dose(quantity(181.8, "mg"), 75), "mg") == 136.4  # 136.35


# ---------------------------------------------------------------------------------------------
# the engine, on the test regimen


def test_full_dose_on_day_8() -> None:
    plan = plan_with(OK_DAY1 + counts(d(1, 9), "1.6", "120"), cycles=1)
    assert doses(plan) == [(d(1, 3), "dose", 1000), (d(1, 10), "dose", 1000)]
    assert lab_decisions(plan) == [(d(1, 3), "lab: full dose"), (d(1, 10), "lab: full dose")]
    day8 = plan.decisions[1]
    assert day8.reason == (
        "cycle 1 day 8: full dose: ANC 1.6 10^9/L on 2022-01-09, platelets 120 10^9/L on "
        "2022-01-09 meet 'ANC at least 1.5 10^9/L and platelets at least 100 10^9/L' (lab rule "
        "for day 8; source: Test label [label])"
    )
    assert day8.source is not None and day8.source.key == "label" and not day8.review


def test_75_percent_on_day_8_is_that_day_only() -> None:
    plan = plan_with(OK_DAY1 + counts(d(1, 10), "1.2", "120") + counts(d(1, 24), "2"))
    # 1000 mg x 75% = 750 mg on 01-10 only; cycle 2 day 1 (01-24) at 1000 mg again.
    assert doses(plan)[:3] == [
        (d(1, 3), "dose", 1000),
        (d(1, 10), "dose", 750),
        (d(1, 24), "dose", 1000),
    ]
    e = plan.events[1]
    assert magnitude(e.level_dose, "mg") == 1000 and e.lab_percent == 75
    reduced = [x for x in plan.decisions if x.kind is DecisionKind.LAB_REDUCED]
    assert len(reduced) == 1
    assert magnitude(reduced[0].dose_before, "mg") == 1000
    assert magnitude(reduced[0].dose_after, "mg") == 750
    assert reduced[0].reason.startswith(
        "cycle 1 day 8: 75% of 1000 mg = 750 mg (to the nearest 0.1 mg), this day only: ANC 1.2"
    )
    assert e.lab_reason == reduced[0].reason
    # The dose in force stays the level: the percentage was that day's only.
    assert magnitude(plan.dose_in_force("drug", d(1, 11)), "mg") == 1000
    assert magnitude(plan.dose_in_force("drug", d(1, 10)), "mg") == 1000
    # Totals count what was given: 1000 + 750 + 1000 (+ cycle 2 day 8, no result: 1000).
    from regimen.drug_report import drug_summary

    assert magnitude(drug_summary(plan, "drug").delivered_total, "mg") == 3750


def test_hold_day_8_and_the_cycle_goes_on() -> None:
    plan = plan_with(OK_DAY1 + counts(d(1, 10), "0.7", "120") + counts(d(1, 24), "2"))
    assert doses(plan)[:3] == [
        (d(1, 3), "dose", 1000),
        (d(1, 10), "held", None),
        (d(1, 24), "dose", 1000),
    ]
    assert plan.events[1].lab_reason.startswith("cycle 1 day 8: hold this day's dose")
    assert plan.day_state("drug", d(1, 10)).kind is DayKind.HELD
    assert plan.day_state("drug", d(1, 11)).kind is DayKind.REST
    assert (d(1, 10), "lab: hold day") in lab_decisions(plan)
    assert plan.cycles[1].day1 == d(1, 24)


def test_discontinue_on_day_8() -> None:
    plan = plan_with(OK_DAY1 + counts(d(1, 10), "0.3", "120"))
    assert doses(plan) == [(d(1, 3), "dose", 1000)]
    assert plan.discontinued == {"drug": d(1, 10)}
    stop = plan.decisions[-1]
    assert stop.kind is DecisionKind.LAB_DISCONTINUE and stop.date == d(1, 10)
    assert stop.dose_after is None
    assert plan.day_state("drug", d(1, 24)).kind is DayKind.STOPPED
    assert plan.status("drug", d(1, 10)) is Status.DISCONTINUED


def test_delay_then_recover() -> None:
    # Cycle 2 day 1 planned 01-24: ANC 1.1 then (same 3-day window) nothing better until 01-28,
    # whose counts meet the full band: day 1 moves to 01-28, day 8 to 02-04.
    results = (
        OK_DAY1
        + counts(d(1, 10), "1.6", "120")
        + counts(d(1, 24), "1.1")
        + counts(d(1, 28), "1.7", "160")
        + counts(d(2, 4), "1.6", "110")
    )
    plan = plan_with(results)
    assert doses(plan) == [
        (d(1, 3), "dose", 1000),
        (d(1, 10), "dose", 1000),
        (d(1, 28), "dose", 1000),
        (d(2, 4), "dose", 1000),
    ]
    assert [(c.number, c.planned_day1, c.day1) for c in plan.cycles] == [
        (1, d(1, 3), d(1, 3)),
        (2, d(1, 24), d(1, 28)),
    ]
    assert lab_decisions(plan) == [
        (d(1, 3), "lab: full dose"),
        (d(1, 10), "lab: full dose"),
        (d(1, 24), "lab: delay"),
        (d(1, 28), "lab: full dose"),
        (d(2, 4), "lab: full dose"),
    ]
    moved = next(x for x in plan.decisions if x.date == d(1, 28))
    assert moved.reason.endswith(
        "; cycle 2 day 1 moved from 2022-01-24 to 2022-01-28 (waited for counts)"
    )
    for day in (24, 25, 26, 27):
        assert plan.day_state("drug", d(1, day)).kind is DayKind.WAITING
    assert plan.day_state("drug", d(1, 28)).kind is DayKind.DOSE


def test_delay_waiting_for_counts_stops_the_plan() -> None:
    plan = plan_with(OK_DAY1 + counts(d(1, 10), "1.6", "120") + counts(d(1, 24), "1.1"))
    assert doses(plan) == [(d(1, 3), "dose", 1000), (d(1, 10), "dose", 1000)]
    assert [c.number for c in plan.cycles] == [1]
    assert lab_decisions(plan)[-2:] == [(d(1, 24), "lab: delay"), (d(1, 24), "lab: waiting")]
    waiting = plan.decisions[-1]
    assert waiting.reason == (
        "cycle 2 day 1 (planned 2022-01-24) is waiting for counts: the lab log has no ANC and "
        "platelets result after 2022-01-24 that meets a full-dose band; no later cycles are laid "
        "out until it does"
    )
    assert plan.outcomes["drug"].waiting_from == d(1, 24)
    assert plan.day_state("drug", d(1, 30)).kind is DayKind.WAITING
    assert plan.status("drug", d(1, 30)) is Status.WAITING


def test_delay_waits_for_a_full_band_not_just_any_later_result() -> None:
    # A later ANC of 1.2 (not full) is walked to, and the plan then waits.
    plan = plan_with(
        OK_DAY1 + counts(d(1, 10), "1.6", "120") + counts(d(1, 24), "1.1") + counts(d(1, 26), "1.2")
    )
    assert [c.number for c in plan.cycles] == [1]
    assert plan.decisions[-1].kind is DecisionKind.LAB_WAITING
    assert "after 2022-01-26" in plan.decisions[-1].reason


def test_regression_day_8_without_an_anc_needs_review_never_a_default() -> None:
    """Acceptance: a day-8 dose whose rule needs an ANC the lab log lacks is a 'needs review'
    entry, never a silent default."""
    plan = plan_with(OK_DAY1, cycles=1)
    assert doses(plan) == [(d(1, 3), "dose", 1000), (d(1, 10), "dose", 1000)]
    review = plan.needs_review
    assert [(x.date, x.action) for x in review] == [(d(1, 10), "lab: no result")]
    assert review[0].review == (
        "no ANC or platelets result dated 2022-01-07 to 2022-01-10 in the lab log: the lab rule "
        "of drug for day 8 needs one (source: Test label [label]); 1000 mg laid as planned, not "
        "assumed"
    )


def test_one_missing_test_is_enough_for_review() -> None:
    plan = plan_with([*OK_DAY1, LabResult(d(1, 10), "anc", Decimal("2"), "10^9/L")], cycles=1)
    (review,) = plan.needs_review
    assert review.review.startswith("no platelets result dated 2022-01-07 to 2022-01-10")
    assert review.reason.endswith("(results found: ANC 2 10^9/L on 2022-01-10)")


def test_result_outside_the_window() -> None:
    # Window 3 d before 01-10: 01-07 to 01-10. Counts of 01-06 do not count, of 01-07 do.
    outside = plan_with(OK_DAY1 + counts(d(1, 6), "2", "150"), cycles=1)
    assert [x.action for x in outside.needs_review] == ["lab: no result"]
    inside = plan_with(OK_DAY1 + counts(d(1, 7), "2", "150"), cycles=1)
    assert inside.needs_review == ()
    # A result dated after the dose day never counts.
    later = plan_with(OK_DAY1 + counts(d(1, 11), "2", "150"), cycles=1)
    assert [x.date for x in later.needs_review] == [d(1, 10)]


def test_latest_result_in_the_window_wins() -> None:
    # 01-08: ANC 2 (full), 01-10: ANC 1.2 (75%): the latest, 1.2, decides.
    plan = plan_with(OK_DAY1 + counts(d(1, 8), "2") + counts(d(1, 10), "1.2"), cycles=1)
    assert doses(plan)[1] == (d(1, 10), "dose", 750)


def test_ae_hold_wins_over_lab_rule() -> None:
    ae_log = parse_ae_log("date,term,grade\n2022-01-08,diarrhea,3\n", "ae.csv", REGIMEN)
    plan = plan_with(OK_DAY1 + counts(d(1, 10), "0.3", "120"), cycles=1, adverse_events=ae_log)
    # On AE hold on 01-10: the day is held and the lab rule (which would discontinue) is not
    # evaluated.
    assert doses(plan) == [(d(1, 3), "dose", 1000), (d(1, 10), "held", None)]
    assert lab_decisions(plan) == [(d(1, 3), "lab: full dose")]
    assert plan.discontinued == {}


def test_without_a_lab_log_one_warning() -> None:
    plan = build_plan(REGIMEN, START, cycles=1)
    assert plan.warnings == (
        "blood-count rules of drug (label) not applied: no lab log given (--lab-log FILE); every "
        "dose is laid as planned",
    )
    assert lab_decisions(plan) == []


def test_empty_lab_log_every_covered_day_needs_review() -> None:
    plan = plan_with([], cycles=2)
    assert [(x.date, x.action) for x in plan.needs_review] == [
        (d(1, 3), "lab: no result"),
        (d(1, 10), "lab: no result"),
        (d(1, 24), "lab: no result"),
        (d(1, 31), "lab: no result"),
    ]
    assert plan.warnings == ()


def test_evaluate_is_pure() -> None:
    rule = REGIMEN.drugs[0].lab_rules[1]
    by = {"anc": (OK_DAY1[0],), "platelets": (OK_DAY1[1],)}
    outcome = evaluate(rule, by, d(1, 3), 8)
    assert outcome.action is LabAction.FULL and outcome.used == tuple(OK_DAY1)
    assert evaluate(rule, by, d(1, 10), 8).action is LabAction.NO_RESULT


# ---------------------------------------------------------------------------------------------
# the lab log


def test_lab_log_parsing() -> None:
    text = (
        "date,test,value,note\n"
        "# a comment line\n"
        "2022-01-10,anc,1.2 10^9/L,before the infusion\n"
        "2022-01-03,creatinine,80 umol/L,\n"
        "2022-01-03,bilirubin,0.9 mg/dL,\n"
        "2022-01-03,alt,45 U/L,\n"
        "2022-01-03,platelets,85 10^9/L,\n"
        "2022-01-03,platelets,85.0 10^9/L,repeated\n"
    )
    rows = parse_lab_log(text, "L.csv")
    assert [(r.date.isoformat(), r.test, str(r.value), r.unit, r.line) for r in rows] == [
        ("2022-01-10", "anc", "1.2", "10^9/L", 3),
        ("2022-01-03", "creatinine", "80", "umol/L", 4),
        ("2022-01-03", "bilirubin", "0.9", "mg/dL", 5),
        ("2022-01-03", "alt", "45", "U/L", 6),
        ("2022-01-03", "platelets", "85", "10^9/L", 7),
    ]
    assert rows[0].note == "before the infusion"


def test_lab_log_problems_all_at_once() -> None:
    text = "date,test,value\n2022-01-03,anc,1.2\n2022-01-03,hb,12 g/dL\n1899-12-31,anc,1 10^9/L\n"
    with pytest.raises(LoadError) as info:
        parse_lab_log(text, "L.csv")
    assert str(info.value) == (
        "L.csv: line 2: value: must be a number and a unit like \"1.2 10^9/L\", got '1.2'; "
        "line 3: unknown test 'hb' (use one of creatinine, anc, platelets, bilirubin, alt); "
        "line 4: 1899-12-31 is outside 1900-01-01..2200-12-31"
    )


def test_regression_patient_lab_value_without_unit_is_not_read_as_unit_dot_1() -> None:
    """'2.1' was split into the number 2 and the unit '.1'."""
    from regimen.patient import parse_lab

    with pytest.raises(ValueError, match=r'must be a number and a unit like "1.2 10\^9/L"'):
        parse_lab(d(1, 3), "anc", "2.1")
    assert parse_lab(d(1, 3), "anc", "2.1 10^9/L").value == Decimal("2.1")


# ---------------------------------------------------------------------------------------------
# the command line and every output, on the bundled gemcitabine-docetaxel

ARGS = ["--start", "2022-01-03", "--cycles", "2", "--height", "170cm", "--weight", "70kg"]
BSA = math.sqrt(170 * 70 / 3600)  # Mosteller: 1.81812 m2


def _json(run, regimen: str, *extra: str) -> dict:
    r = run("calendar", regimen, *ARGS, *extra, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_acceptance_day_8_without_anc_is_needs_review_in_json(run) -> None:
    data = _json(run, "gemcitabine-docetaxel", "--lab-log", str(DATA / "day1-only.csv"))
    review = [(x["date"], x["course"]) for x in data["needs_review"]]
    assert review == [
        ("2022-01-10", "gemcitabine"),
        ("2022-01-10", "docetaxel"),
        ("2022-01-24", "gemcitabine"),
        ("2022-01-31", "gemcitabine"),
        ("2022-01-31", "docetaxel"),
    ]
    assert data["needs_review"][0]["why"].startswith(
        "no ANC or platelets result dated 2022-01-09 to 2022-01-10 in the lab log"
    )
    # Laid as planned, not assumed: 1636.3 and 181.8 mg, and the decisions say so.
    day8 = [e for e in data["events"] if e["date"] == "2022-01-10"]
    assert [(e["course"], e["kind"], e["dose"]["value"]) for e in day8] == [
        ("gemcitabine", "dose", 1636.3),
        ("docetaxel", "dose", 181.8),
    ]
    no_result = [x for x in data["decisions"] if x["action"] == "lab: no result"]
    assert len(no_result) == 5 and all(x["needs_review"] for x in no_result)
    assert data["decisions"][0]["action"] == "lab: full dose"
    assert data["decisions"][0]["source"] == {"key": "gemcitabine-label", "kind": "label"}


def test_bundled_label_rules_day_8_50_percent_and_docetaxel_held(run) -> None:
    data = _json(run, "gemcitabine-docetaxel", "--lab-log", str(DATA / "day8-low.csv"))
    day8 = {e["course"]: e for e in data["events"] if e["date"] == "2022-01-10"}
    # ANC 1.2 (1 to 1.49): gemcitabine 50% of 1636.3 mg = 818.15 -> 818.2 mg; docetaxel held.
    gem = day8["gemcitabine"]
    assert gem["dose"] == {"value": 818.2, "unit": "mg"}
    assert gem["level_dose"] == {"value": 1636.3, "unit": "mg"}
    assert gem["lab"]["percent"] == 50
    assert gem["basis"]["per"] == {"value": 900, "unit": "mg/m2"}
    calculated = 0.5 * 900 * BSA
    assert gem["calculated_dose"]["value"] == pytest.approx(calculated, abs=1e-6)
    assert gem["deviation_percent"] == pytest.approx(
        100 * (818.2 - calculated) / calculated, abs=1e-6
    )
    assert day8["docetaxel"]["kind"] == "held" and day8["docetaxel"]["dose"] is None
    assert day8["docetaxel"]["lab"]["reason"].startswith("cycle 1 day 8: hold this day's dose")
    actions = [(x["date"], x["course"], x["action"]) for x in data["decisions"]][:4]
    assert actions == [
        ("2022-01-03", "gemcitabine", "lab: full dose"),
        ("2022-01-10", "gemcitabine", "lab: reduced dose"),
        ("2022-01-10", "docetaxel", "lab: hold day"),
        ("2022-01-24", "gemcitabine", "lab: no result"),
    ]
    assert data["warnings"] == []


def test_percentage_of_a_bsa_dose_json(run) -> None:
    data = _json(run, str(DATA / "gem-75.toml"), "--lab-log", str(DATA / "day8-low.csv"))
    day8 = next(e for e in data["events"] if e["date"] == "2022-01-10")
    # 900 mg/m2 x 1.81812 m2 = 1636.3 mg (nearest 0.1 mg); 75% of it: 1227.225 -> 1227.2 mg.
    # The calculated dose of the day: 75% x 900 mg/m2 x BSA, unrounded; deviation against it.
    calculated = 0.75 * 900 * BSA
    assert day8["dose"] == {"value": 1227.2, "unit": "mg"}
    assert day8["level_dose"] == {"value": 1636.3, "unit": "mg"}
    assert day8["basis"]["per"] == {"value": 900, "unit": "mg/m2"}
    assert day8["calculated_dose"]["value"] == pytest.approx(calculated, abs=1e-6)
    assert day8["deviation_percent"] == pytest.approx(
        100 * (1227.2 - calculated) / calculated, abs=1e-6
    )
    assert day8["lab"] == {
        "percent": 75,
        "reason": (
            "cycle 1 day 8: 75% of 1636.3 mg = 1227.2 mg (to the nearest 0.1 mg), this day "
            "only: ANC 1.2 10^9/L on 2022-01-10 (lab log line 5), platelets 120 10^9/L on "
            "2022-01-10 (lab log line 6) meet 'ANC at least 1 10^9/L and platelets at least 75 "
            "10^9/L' (lab rule for day 8; source: test [local])"
        ),
    }


def test_no_lab_log_warning_in_every_output(run) -> None:
    warning = (
        "blood-count rules of gemcitabine (label) and docetaxel (label) not applied: no lab log "
        "given (--lab-log FILE); every dose is laid as planned"
    )
    assert warning in _json(run, "gemcitabine-docetaxel")["warnings"]
    text = run("calendar", "gemcitabine-docetaxel", *ARGS)
    assert f"Warning: {warning}" in text.stdout
    dose = run("dose", "gemcitabine-docetaxel", *ARGS)
    assert warning in dose.stdout


def test_every_output_shows_a_lab_decision(run, tmp_path: Path) -> None:
    log = str(DATA / "day8-low.csv")
    text = run("calendar", "gemcitabine-docetaxel", *ARGS, "--lab-log", log).stdout
    assert (
        "gemcitabine: cycle 1 day 8: 818.2 mg (50% of 1636.3 mg on lab results, this day only)"
        in text
    )
    assert "docetaxel: cycle 1 day 8: HELD, no dose (lab rule)" in text
    assert "decision: gemcitabine: LAB: REDUCED DOSE (1636.3 mg to 818.2 mg). cycle 1 day 8" in text
    assert "decision: docetaxel: LAB: HOLD DAY (181.8 mg held)." in text
    # The basis lines stay those of the levels (no line for the 50% amount).
    assert text.count("x BSA") == 2

    rows = list(
        csv.DictReader(
            io.StringIO(
                run(
                    "calendar", "gemcitabine-docetaxel", *ARGS, "--lab-log", log, "--format", "csv"
                ).stdout
            )
        )
    )
    reduced = [r for r in rows if r["action"] == "lab: reduced dose"]
    assert [(r["date"], r["dose_before"], r["dose_after"], r["source"]) for r in reduced] == [
        ("2022-01-10", "1636.3 mg", "818.2 mg", "gemcitabine-label")
    ]
    event = [r for r in rows if r["kind"] == "dose" and r["date"] == "2022-01-10"]
    assert [(r["course"], r["dose_value"]) for r in event] == [("gemcitabine", "818.2")]

    html = run("calendar", "gemcitabine-docetaxel", *ARGS, "--lab-log", log, "--format", "html")
    assert html.exit_code == 0, html.stderr
    assert "blood test results: 818.2 mg on this day only" in html.stdout
    assert "blood test results: no dose on this day" in html.stdout

    ics = run(
        "calendar",
        "gemcitabine-docetaxel",
        *ARGS,
        "--lab-log",
        log,
        "--format",
        "ics",
        "--generated-at",
        "2022-01-01T00:00:00Z",
    )
    assert ics.exit_code == 0, ics.stderr
    unfolded = ics.stdout.replace("\r\n ", "")
    assert "LAB: REDUCED DOSE (1636.3 mg to 818.2 mg)" in unfolded

    dose = run("dose", "gemcitabine-docetaxel", *ARGS, "--lab-log", log, "--format", "json")
    assert dose.exit_code == 0, dose.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("date,test,value\n2022-01-03,anc,1.2\n", "line 2: value: must be a number and a unit"),
        ("date,test,value\n2022-01-03,wbc,4 10^9/L\n", "line 2: unknown test 'wbc'"),
        ("date,test,value\n2022-01-03,anc,1 10^9/L\n2022-01-03,anc,2 10^9/L\n", "line 3: anc on"),
        ("date,term,grade\n2022-01-03,diarrhea,2\n", "line 1: missing column 'test', 'value'"),
        ("date,test,value\n2201-01-01,anc,1 10^9/L\n", "line 2: 2201-01-01 is outside"),
    ],
)
def test_cli_lab_log_errors_are_one_line_naming_file_and_line(
    run, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "L.csv"
    path.write_text(content, encoding="utf-8")
    r = run("calendar", "gemcitabine-docetaxel", *ARGS, "--lab-log", str(path))
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: {message}"), lines
    assert "Traceback" not in r.stderr


def test_cli_lab_log_needs_start(run) -> None:
    r = run("dose", "gemcitabine-docetaxel", "--lab-log", str(DATA / "day1-only.csv"))
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: --lab-log: needs --start"


# ---------------------------------------------------------------------------------------------
# every field of the engine's lab decisions and events (surviving mutants of schedule.py)


def test_lab_decisions_carry_the_dose_and_the_cycle() -> None:
    delayed = plan_with(OK_DAY1 + counts(d(1, 10), "1.6", "120") + counts(d(1, 24), "1.1"))
    delay, waiting = delayed.decisions[-2:]
    assert delay.kind is DecisionKind.LAB_DELAY and magnitude(delay.dose_before, "mg") == 1000
    assert delay.reason.startswith("cycle 2 day 1 delayed: ANC 1.1 10^9/L on 2022-01-24")
    assert waiting.kind is DecisionKind.LAB_WAITING
    assert magnitude(waiting.dose_before, "mg") == 1000 and waiting.dose_after is None
    assert delayed.outcomes["drug"].open_hold == "waiting for counts"
    stopped = plan_with(OK_DAY1 + counts(d(1, 10), "0.3", "120"))
    stop = stopped.decisions[-1]
    assert magnitude(stop.dose_before, "mg") == 1000
    assert stop.reason.startswith("cycle 1 day 8: ")


def test_lab_events_label_and_reason() -> None:
    held = plan_with(OK_DAY1 + counts(d(1, 10), "0.7", "120"), cycles=1)
    assert [(e.label, e.kind) for e in held.events] == [("C1D1", "dose"), ("C1D8 held", "held")]
    full = plan_with(OK_DAY1 + counts(d(1, 10), "1.6", "120"), cycles=1)
    # A full-dose day is not a changed dose: no lab reason on the event (the decision explains).
    assert [e.lab_reason for e in full.events] == ["", ""]
    assert [e.lab_percent for e in full.events] == [None, None]


DAY1_PERCENT = DRUG.replace(
    '''    { when = "anc >= 1.5 and platelets >= 100", action = "full" },
    { when = "otherwise", action = "delay" },''',
    '''    { when = "anc >= 1.5 and platelets >= 100", action = "full" },
    { when = "anc >= 1.0 and platelets >= 100", action = "75%" },
    { when = "otherwise", action = "delay" },''',
)


def test_a_waiting_day_1_needs_a_full_band_even_where_a_percentage_band_exists() -> None:
    # Day-1 rule: full; 75%; else delay. On 01-24 ANC 0.8 delays day 1; on 01-26 ANC 1.2 would
    # give 75% on a day 1 that is not waiting, but a waiting day 1 waits for a full band
    # (docs/dose-modification.md), which 01-27's ANC 1.6 meets: day 1 is 01-27 at 1000 mg.
    reg = parse_regimen(DAY1_PERCENT, "drug.toml", "labdrug")
    assert "75%" in DAY1_PERCENT
    results = (
        OK_DAY1
        + counts(d(1, 10), "1.6", "120")
        + counts(d(1, 24), "0.8")
        + counts(d(1, 26), "1.2", "150")
        + counts(d(1, 27), "1.6", "150")
    )
    plan = build_plan(reg, START, cycles=2, lab_results=results)
    assert [(c.number, c.day1) for c in plan.cycles] == [(1, d(1, 3)), (2, d(1, 27))]
    assert doses(plan)[2] == (d(1, 27), "dose", 1000)
    # Not waiting, the same 1.2 on day 1 gives 75%.
    plan = build_plan(reg, START, cycles=2, lab_results=OK_DAY1 + counts(d(1, 10), "1.6", "120")
                      + counts(d(1, 24), "1.2", "150"))  # fmt: skip
    assert doses(plan)[2] == (d(1, 24), "dose", 750)

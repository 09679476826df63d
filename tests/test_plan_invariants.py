"""Invariants every plan keeps, whatever the start, the cycles and the AE log.

The plans come from the calendar engine (regimen.schedule), the dose-modification replay
(regimen.modification) and the drug summary (regimen.drug_report), drawn at random by Hypothesis.
Invariants: dose and held events fall on dosing days of their cycle; no date is both held and
dosed; the dose never rises; delivered totals are the sum of the dose events; day 1s are at least
a cycle length apart; every radiotherapy fraction appears exactly once on a treatment day;
with no AE log delivered equals planned; discontinuation is final. The scenarios with exact
dates are in test_schedule.py. Slow: left out of the mutation run (docs/testing.md).

AE logs are random rows (date on or after the plan's start, a term from a short list, a grade
CTCAE defines for it or 0) kept in date order with no duplicate (date, term), as
``regimen.loading.parse_ae_log`` requires.
Hypothesis keeps no example database (``database=None``) so the suite leaves no files behind.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from functools import cache

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regimen.drug_report import drug_summary
from regimen.drugs import DrugCourse
from regimen.loading import parse_ae_log
from regimen.modification import AdverseEvent
from regimen.radiotherapy import RadiotherapyCourse
from regimen.schedule import Plan, build_plan
from regimen.terms import resolve
from tests.helpers import bundled, day, in_mg

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
RT_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

DRUG_REGIMENS = ("anlotinib-sts", "anlotinib-pembrolizumab", "lms-rt-anlotinib")
RT_REGIMENS = ("lms-rt-anlotinib", "pelvic-postop-rt")
AE_TERMS = ("hand-foot skin reaction", "hypertension", "bleeding", "diarrhoea")
#: CTCAE grades 0-5, drawn more often from 0-3 so that holds also recover before a grade 4
#: discontinues the drug.
GRADES = st.one_of(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=5))


def drug_courses(plan: Plan) -> tuple[DrugCourse, ...]:
    return plan.regimen.drugs


def kinds(plan: Plan, course_id: str, kind: str) -> list:
    return [e for e in plan.course_events(course_id) if e.kind == kind]


# ---------------------------------------------------------------------------------------------
# strategies

starts = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 12, 31))
rt_starts = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 10, 31))
n_cycles = st.integers(min_value=1, max_value=4)


def grades_of(term: str) -> st.SearchStrategy[int]:
    """GRADES, less those CTCAE does not define for the term (HFSR has grades 1-3 only)."""
    resolved = resolve(term)
    assert resolved is not None, term
    return GRADES.filter(resolved.grade_defined)


@st.composite
def ae_logs(draw, start: dt.date, horizon: int = 80) -> tuple[AdverseEvent, ...]:
    """Random AE rows on or after ``start``, in date order, no duplicate (date, term).

    The log ends with a grade 0 row for every term on a date after all the others, so every
    hold (even one with no maximum length) recovers at some date: an open hold on a planned day
    1 otherwise stops the plan ``waiting`` (tested separately below). The closing date is often
    after the plan's end, so rows after the horizon (which extend the plan) are covered.
    """
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(min_value=0, max_value=horizon), st.sampled_from(AE_TERMS)
            ).flatmap(lambda r: st.tuples(st.just(r[0]), st.just(r[1]), grades_of(r[1]))),
            max_size=14,
            unique_by=lambda r: (r[0], r[1]),
        )
    )
    rows.sort(key=lambda r: (r[0], AE_TERMS.index(r[1])))
    last = max((r[0] for r in rows), default=0)
    close = draw(st.integers(min_value=last + 1, max_value=last + 40))
    rows += [(close, term, 0) for term in AE_TERMS]
    return tuple(
        AdverseEvent(day(off, start), term, grade, resolve(term)) for off, term, grade in rows
    )


@st.composite
def plans_with_log(draw) -> Plan:
    """A drug regimen laid from a random start with a random AE log and start dose."""
    name = draw(st.sampled_from(DRUG_REGIMENS))
    regimen = bundled(name)
    start = draw(starts)
    log = draw(ae_logs(start))
    cycles = draw(n_cycles)
    start_doses = {}
    for c in regimen.drugs:
        if draw(st.booleans()):
            start_doses[c.id] = draw(st.sampled_from(c.dose_levels))
    return build_plan(regimen, start, cycles=cycles, adverse_events=log, start_doses=start_doses)


@st.composite
def plans_without_log(draw) -> Plan:
    name = draw(st.sampled_from(DRUG_REGIMENS))
    regimen = bundled(name)
    start_doses = {c.id: draw(st.sampled_from(c.dose_levels)) for c in regimen.drugs}
    return build_plan(regimen, draw(starts), cycles=draw(n_cycles), start_doses=start_doses)


def test_ae_log_strategy_rows_are_a_valid_log():
    """The generated rows are what parse_ae_log would accept (date order, no duplicates)."""
    regimen = bundled("anlotinib-sts")

    @settings(max_examples=20, deadline=None, database=None)
    @given(data=st.data())
    def check(data):
        start = data.draw(starts)
        rows = data.draw(ae_logs(start))
        text = "date,term,grade\n" + "".join(
            f"{r.date.isoformat()},{r.term},{r.grade}\n" for r in rows
        )
        parsed = parse_ae_log(text, "log.csv", regimen)
        assert [(a.date, a.resolved.key, a.grade) for a in parsed] == [
            (a.date, a.resolved.key, a.grade) for a in rows
        ]

    check()


# ---------------------------------------------------------------------------------------------
# 1. no dose event on an off day


@SETTINGS
@given(plan=plans_with_log())
def test_dose_and_held_events_fall_on_dosing_days(plan):
    for course in drug_courses(plan):
        for e in plan.course_events(course.id):
            assert e.kind in ("dose", "held")
            assert e.day in course.dosing_days, e
            assert 1 <= e.cycle <= plan.cycles_planned[course.id]
            assert plan.cycle_day(course.id, e.date) == (e.cycle, e.day), e
            assert e.label.startswith(f"C{e.cycle}D{e.day}")


# ---------------------------------------------------------------------------------------------
# 2. no dose on a held day


@SETTINGS
@given(plan=plans_with_log())
def test_no_dose_on_a_held_day(plan):
    for course in drug_courses(plan):
        events = plan.course_events(course.id)
        dates = [e.date for e in events]
        assert dates == sorted(dates)
        assert len(set(dates)) == len(dates), "two events of one course on one date"
        held = plan.held_dates[course.id]
        dosed = {e.date for e in events if e.kind == "dose"}
        held_events = {e.date for e in events if e.kind == "held"}
        assert not dosed & held_events
        assert not dosed & held
        assert held_events <= held
        for e in events:
            assert (e.dose is None) == (e.kind == "held")


# ---------------------------------------------------------------------------------------------
# 3. the dose never rises


@SETTINGS
@given(plan=plans_with_log())
def test_dose_never_rises(plan):
    for course in drug_courses(plan):
        doses = [in_mg(e.dose) for e in kinds(plan, course.id, "dose")]
        assert all(b <= a for a, b in itertools.pairwise(doses)), doses
        levels = {in_mg(q) for q in course.dose_levels}
        assert set(doses) <= levels
        if doses:
            assert doses[0] <= in_mg(plan.start_doses[course.id])
        for d in plan.decisions:
            if d.course == course.id and d.dose_before is not None and d.dose_after is not None:
                assert in_mg(d.dose_after) <= in_mg(d.dose_before), d
        if course.id in plan.final_dose and doses:
            assert in_mg(plan.final_dose[course.id]) <= doses[-1]


# ---------------------------------------------------------------------------------------------
# 4. cumulative dose equals the sum of daily doses


@SETTINGS
@given(plan=plans_with_log())
def test_delivered_total_is_the_sum_of_dose_events(plan):
    for course in drug_courses(plan):
        doses = kinds(plan, course.id, "dose")
        summary = drug_summary(plan, course.id)
        assert in_mg(summary.delivered_total) == pytest.approx(
            math.fsum(in_mg(e.dose) for e in doses), abs=1e-9
        )
        assert summary.dosing_days_delivered == len(doses)
        assert summary.cycles_started == len([c for c in plan.cycles if c.course == course.id])
        # Every planned dosing day is accounted for, as a dose or a held day, unless stopped.
        held = kinds(plan, course.id, "held")
        total = plan.cycles_planned[course.id] * len(course.dosing_days)
        if course.id in plan.discontinued:
            assert len(doses) + len(held) <= total
        else:
            assert len(doses) + len(held) == total
            assert summary.cycles_started == plan.cycles_planned[course.id]


# ---------------------------------------------------------------------------------------------
# 5. cycle day 1s never come closer than the cycle length


def _day1s(plan: Plan, course_id: str) -> list[dt.date]:
    cycles = [c for c in plan.cycles if c.course == course_id]
    assert [c.number for c in cycles] == list(range(1, len(cycles) + 1))
    return [c.day1 for c in cycles]


@SETTINGS
@given(plan=plans_with_log())
def test_day1s_at_least_a_cycle_apart(plan):
    for course in drug_courses(plan):
        day1s = _day1s(plan, course.id)
        for a, b in itertools.pairwise(day1s):
            assert (b - a).days >= course.cycle_length, (a, b)
        for c in plan.cycles:
            if c.course == course.id:
                assert c.day1 >= c.planned_day1


@SETTINGS
@given(plan=plans_without_log())
def test_day1s_exactly_a_cycle_apart_without_ae_log(plan):
    for course in drug_courses(plan):
        day1s = _day1s(plan, course.id)
        assert len(day1s) == plan.cycles_planned[course.id]
        for a, b in itertools.pairwise(day1s):
            assert (b - a).days == course.cycle_length, (a, b)
        for c in plan.cycles:
            if c.course == course.id:
                assert c.day1 == c.planned_day1


# ---------------------------------------------------------------------------------------------
# 6. every planned fraction appears exactly once


@cache
def cn_year(year: int):
    return holidays.country_holidays("CN", years=year)


def cn_holiday(date: dt.date) -> bool:
    return date in cn_year(date.year)


def cn_makeup(date: dt.date) -> bool:
    return date in getattr(cn_year(date.year), "weekend_workdays", set())


def treats(date: dt.date, country: str | None, makeup: bool) -> bool:
    """Oracle for a weekdays phase: Mon-Fri less holidays, plus make-up days if asked."""
    if date.weekday() >= 5:
        return makeup and country == "CN" and cn_makeup(date)
    return not (country == "CN" and cn_holiday(date))


@RT_SETTINGS
@given(
    name=st.sampled_from(RT_REGIMENS),
    start=rt_starts,
    country=st.sampled_from([None, "CN"]),
    makeup=st.booleans(),
)
def test_every_fraction_appears_exactly_once_on_a_treatment_day(name, start, country, makeup):
    regimen = bundled(name)
    plan = build_plan(regimen, start, cycles=1, holidays_country=country, treat_makeup_days=makeup)
    for course in regimen.radiotherapy:
        assert isinstance(course, RadiotherapyCourse)
        fractions = kinds(plan, course.id, "fraction")
        n = course.fractions
        assert [e.fraction for e in fractions] == list(range(1, n + 1))
        assert all(e.fractions_total == n for e in fractions)
        dates = [e.date for e in fractions]
        assert all(a < b for a, b in itertools.pairwise(dates))
        assert dates[0] >= start
        for d in dates:
            if d.weekday() >= 5:
                assert makeup and country == "CN" and cn_makeup(d), d
            if country == "CN":
                assert not cn_holiday(d), d
        # Back to back: no treatment day between the start and the last fraction is skipped.
        d = start
        expected = []
        while len(expected) < n:
            if treats(d, country, makeup):
                expected.append(d)
            d = day(1, d)
        assert dates == expected
        # Phases are laid in order, each with its own fraction count.
        phases = [e.phase for e in fractions]
        assert phases == sorted(phases)
        assert [phases.count(i) for i in range(1, len(course.phases) + 1)] == [
            p.fractions for p in course.phases
        ]
        assert plan.overall_time(course.id) == (dates[-1] - dates[0]).days
        # Anlotinib after radiotherapy (gap 1 d) starts the day after the last fraction.
        for drug in regimen.drugs:
            rule = regimen.start_rule(drug.id)
            if rule.after == course.id:
                assert plan.course_first[drug.id] == day(rule.gap, dates[-1])


# ---------------------------------------------------------------------------------------------
# 7. no AE log: delivered == planned


@SETTINGS
@given(plan=plans_without_log())
def test_without_ae_log_delivered_equals_planned(plan):
    assert not plan.decisions
    assert not plan.discontinued
    for course in drug_courses(plan):
        summary = drug_summary(plan, course.id)
        doses = kinds(plan, course.id, "dose")
        assert not kinds(plan, course.id, "held")
        assert not plan.held_dates[course.id]
        assert len(doses) == plan.cycles_planned[course.id] * len(course.dosing_days)
        assert summary.dosing_days_delivered == summary.dosing_days_planned == len(doses)
        assert in_mg(summary.delivered_total) == pytest.approx(in_mg(summary.planned_total))
        start_mg = in_mg(plan.start_doses[course.id])
        assert all(in_mg(e.dose) == start_mg for e in doses)
        assert in_mg(plan.final_dose[course.id]) == start_mg
        # new rule: RDI is against the protocol's standard dose (the regimen file's start level,
        # whatever --start-dose says) (docs/dose-modification.md, "Relative dose intensity")
        assert summary.relative_dose_intensity == pytest.approx(start_mg / in_mg(course.start_dose))


# ---------------------------------------------------------------------------------------------
# 8. discontinuation is final


@SETTINGS
@given(plan=plans_with_log())
def test_discontinuation_is_final(plan):
    for course in drug_courses(plan):
        stops = [
            d.date for d in plan.decisions if d.course == course.id and d.action == "discontinue"
        ]
        assert len(stops) <= 1
        if not stops:
            assert course.id not in plan.discontinued
            continue
        stop = stops[0]
        assert plan.discontinued[course.id] == stop
        assert course.id not in plan.final_dose
        events = plan.course_events(course.id)
        assert not [e for e in events if e.kind == "dose" and e.date > stop]
        # Nothing at all is given or scheduled from the discontinuation date on.
        assert not [e for e in events if e.date >= stop]
        assert not [c for c in plan.cycles if c.course == course.id and c.day1 > stop]
        # new rule: later rows are listed, as ``no effect`` (docs/dose-modification.md,
        # "Nothing vanishes")
        later = [d for d in plan.decisions if d.course == course.id and d.date > stop]
        assert all(d.action == "no effect" and d.dose_after is None for d in later), later
        assert drug_summary(plan, course.id).next_cycle_start is None


# ---------------------------------------------------------------------------------------------
# 9. nothing vanishes: every row is a decision of every drug course it applies to


@SETTINGS
@given(plan=plans_with_log())
def test_every_row_is_listed_for_every_drug_course(plan):
    # docs/dose-modification.md, "Nothing vanishes" (the generated rows name no course, so they
    # apply to every drug course)
    rows = {d.event for d in plan.decisions if d.event is not None}
    for course in drug_courses(plan):
        listed = [d.event for d in plan.decisions if d.course == course.id and d.event is not None]
        assert set(listed) == rows, course.id
        # a row no rule covers needs review; nothing else the bundled rules decide does,
        # apart from rules marked for review
        for d in plan.decisions:
            if d.course == course.id and d.action == "no rule":
                assert d.review, d

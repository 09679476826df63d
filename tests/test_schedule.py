"""regimen.schedule: the calendar engine on exact dates, against its docstring and the regimens.

Placement, treatment days and T follow the regimen.schedule module docstring: the first course
starts on ``start``; ``after = X`` starts ``gap`` days after X's last treatment day; ``with = X``
on X's first day; radiotherapy treats one fraction per weekday less public holidays (plus
official make-up working days when asked); T = last fraction - first fraction [Fowler1989].
Drug days, holds and delays follow regimen.modification. The regimens are the bundled files:

* ``lms-rt-anlotinib``: IMRT 400 cGy x 10 + stereotactic boost 700 cGy x 3, then anlotinib
  12 mg days 1-14 of 21-day cycles from the day after the last boost fraction (Li et al. 2025).
* ``pelvic-postop-rt``: 50.4 Gy in 28 fractions of 1.8 Gy (Zhao et al. 2022).
* ``anlotinib-sts`` and ``anlotinib-pembrolizumab``: anlotinib 12 / 10 / 8 mg days 1-14 of
  21 d (Zou et al.; label), pembrolizumab 100 mg day 1 of 21 d starting with anlotinib.

China's public holidays and make-up working days are those of the State Council General Office
notices on the 2023 and 2024 holiday arrangements (2024: Spring Festival 10-17 February with
make-up days Sunday 4 and Sunday 18 February; National Day 1-7 October with make-up days Sunday
29 September and Saturday 12 October; 2023: Mid-Autumn and National Day 29 September - 6
October), as the ``holidays`` package lists them: it lists a holiday falling on a weekend only
when it is a statutory day (Sunday 1 October 2023), not the weekend days inside a holiday week.
See docs/testing.md for the mutation score these tests reach.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from regimen.drug_report import drug_summary
from regimen.drugs import DrugCourse
from regimen.errors import InputError, LoadError, UnitError
from regimen.loading import parse_ae_log
from regimen.modification import Action, AdverseEvent, Resume, Rule
from regimen.radiotherapy import Phase, RadiotherapyCourse, TreatmentDays
from regimen.regimen import Regimen, StartRule
from regimen.schedule import (
    MAX_DATE,
    MIN_DATE,
    Cycle,
    DayKind,
    DayState,
    Event,
    Plan,
    Status,
    TreatmentDayCalendar,
    build_plan,
)
from regimen.sources import SourceKind
from regimen.terms import ANY
from regimen.units import magnitude, quantity
from tests.helpers import LOCAL, MON, README_AE_LOG, ae, bundled, day, in_mg, input_error, mg


def dates(plan: Plan, course: str, kind: str) -> list[dt.date]:
    return [e.date for e in plan.course_events(course) if e.kind == kind]


def weekdays_from(start: dt.date, n: int) -> list[dt.date]:
    out, d = [], start
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d += dt.timedelta(days=1)
    return out


# ---------------------------------------------------------------------------------------------
# Radiotherapy then anlotinib (lms-rt-anlotinib)


def test_lms_radiotherapy_fractions_fall_on_weekdays_back_to_back():
    plan = build_plan(bundled("lms-rt-anlotinib"), MON, cycles=2)
    fractions = plan.course_events("radiotherapy")
    assert [e.date for e in fractions] == weekdays_from(MON, 13)
    assert [e.fraction for e in fractions] == list(range(1, 14))
    assert {e.fractions_total for e in fractions} == {13}
    assert [e.phase for e in fractions] == [1] * 10 + [2] * 3
    assert [e.dose for e in fractions] == [quantity(400, "cGy")] * 10 + [quantity(700, "cGy")] * 3
    assert fractions[0].label == "Radiotherapy 1 of 13 (IMRT 1 of 10)"
    assert fractions[10].label == "Radiotherapy 11 of 13 (Stereotactic boost 1 of 3)"
    assert fractions[12].technique == "Stereotactic boost"
    # T = last - first = Wed 20 March - Mon 4 March = 16 d.
    assert plan.overall_time("radiotherapy") == 16
    assert plan.overall_time("anlotinib") is None


def test_lms_anlotinib_starts_the_day_after_the_last_boost_fraction():
    plan = build_plan(bundled("lms-rt-anlotinib"), MON, cycles=2)
    first = dt.date(2024, 3, 21)  # the day after Wed 20 March
    assert plan.course_first == {"radiotherapy": MON, "anlotinib": first}
    assert plan.cycles == (
        Cycle("anlotinib", 1, first, first),
        Cycle("anlotinib", 2, day(21, first), day(21, first)),
    )
    doses = plan.course_events("anlotinib")
    assert [e.date for e in doses] == [day(n, first) for n in range(14)] + [
        day(21 + n, first) for n in range(14)
    ]
    assert {e.dose for e in doses} == {mg(12)}
    assert (doses[0].label, doses[0].cycle, doses[0].day) == ("C1D1", 1, 1)
    assert (doses[-1].label, doses[-1].cycle, doses[-1].day) == ("C2D14", 2, 14)
    assert plan.notes == (
        "anlotinib: Assumed: the paper does not state the interval; day 1 is the day after "
        "the last boost fraction.",
    )
    assert plan.start == MON and plan.regimen is bundled("lms-rt-anlotinib")
    assert plan.first_date == MON and plan.last_date == day(34, first)
    assert plan.final_dose == {"anlotinib": mg(12)} and plan.discontinued == {}
    assert plan.cycles_planned == {"anlotinib": 2}
    assert plan.start_doses == {"anlotinib": mg(12)}
    assert plan.decisions == () and plan.skipped == ()


def test_course_start_override_moves_the_course_and_its_followers():
    plan = build_plan(
        bundled("lms-rt-anlotinib"),
        MON,
        cycles=1,
        course_starts={"anlotinib": dt.date(2024, 4, 1)},
    )
    assert plan.course_first["anlotinib"] == dt.date(2024, 4, 1)
    assert plan.notes == ()  # the assumed interval no longer applies


def test_single_phase_labels_have_no_phase_part():
    plan = build_plan(bundled("pelvic-postop-rt"), MON)
    events = plan.course_events("radiotherapy")
    assert [e.label for e in events[:2]] == ["Radiotherapy 1 of 28", "Radiotherapy 2 of 28"]
    assert events[0].technique == "External beam (technique not stated)"
    # 28 weekdays from Monday 4 March: 5 full weeks + 3 days, ending Wed 10 April: T = 37 d.
    assert plan.overall_time("radiotherapy") == 37


# ---------------------------------------------------------------------------------------------
# Public holidays and make-up working days (China, 2024 National Day)


def test_cn_national_day_is_skipped_and_recorded():
    plan = build_plan(bundled("pelvic-postop-rt"), dt.date(2024, 9, 23), holidays_country="CN")
    fractions = dates(plan, "radiotherapy", "fraction")
    skipped = [s.date for s in plan.skipped]
    assert skipped == [dt.date(2024, 10, d) for d in (1, 2, 3, 4, 7)]
    assert not set(skipped) & set(fractions)
    assert all(d.weekday() < 5 for d in fractions)
    assert plan.skipped[0].course == "radiotherapy"
    assert plan.skipped[0].reason == "public holiday: National Day"
    # 28 fractions from Mon 23 September less five holiday weekdays end Wed 6 November.
    assert fractions[-1] == dt.date(2024, 11, 6)
    assert plan.holidays_country == "CN" and plan.treat_makeup_days is False


def test_cn_make_up_working_days_are_treated_when_asked():
    plan = build_plan(
        bundled("pelvic-postop-rt"),
        dt.date(2024, 9, 23),
        holidays_country="CN",
        treat_makeup_days=True,
    )
    fractions = dates(plan, "radiotherapy", "fraction")
    assert [d for d in fractions if d.weekday() >= 5] == [
        dt.date(2024, 9, 29),
        dt.date(2024, 10, 12),
    ]
    assert fractions[-1] == dt.date(2024, 11, 4)  # two fractions earlier than without
    assert plan.treat_makeup_days is True


def test_cn_spring_festival_weekend_holidays_are_not_recorded_for_weekday_phases():
    # Spring Festival 2024 in the holidays package: Sat 10 - Fri 16 February; the make-up
    # working days Sun 4 and Sun 18 February are not treated unless asked.
    plan = build_plan(bundled("pelvic-postop-rt"), dt.date(2024, 2, 5), holidays_country="CN")
    assert [s.date for s in plan.skipped] == [dt.date(2024, 2, d) for d in range(12, 17)]
    fractions = dates(plan, "radiotherapy", "fraction")
    assert fractions[4:6] == [dt.date(2024, 2, 9), dt.date(2024, 2, 19)]


def test_a_plan_may_start_on_a_make_up_working_day():
    # Sunday 29 September 2024 is a make-up working day: treated as the very first day asked.
    sunday = dt.date(2024, 9, 29)
    plan = build_plan(
        bundled("pelvic-postop-rt"), sunday, holidays_country="CN", treat_makeup_days=True
    )
    assert plan.first_date == sunday
    assert TreatmentDayCalendar("CN", treat_makeup_days=True).makeup_day(sunday)
    assert TreatmentDayCalendar("CN").treats(sunday, TreatmentDays.WEEKDAYS) is False


def test_without_a_country_holidays_are_ordinary_weekdays():
    plan = build_plan(bundled("pelvic-postop-rt"), dt.date(2024, 9, 23))
    fractions = dates(plan, "radiotherapy", "fraction")
    assert dt.date(2024, 10, 1) in fractions and plan.skipped == ()
    assert plan.holidays_country is None


def test_treatment_day_calendar():
    cn = TreatmentDayCalendar("CN", treat_makeup_days=True)
    weekdays, every_day = TreatmentDays.WEEKDAYS, TreatmentDays.EVERY_DAY
    national_day, sunday_makeup = dt.date(2024, 10, 1), dt.date(2024, 9, 29)
    plain_saturday, plain_tuesday = dt.date(2024, 10, 19), dt.date(2024, 10, 15)
    assert cn.holiday(national_day) == "National Day" and cn.holiday(plain_tuesday) is None
    assert cn.makeup_day(sunday_makeup) and not cn.makeup_day(plain_saturday)
    assert not cn.treats(national_day, weekdays) and not cn.treats(national_day, every_day)
    assert cn.treats(sunday_makeup, weekdays) and not cn.treats(plain_saturday, weekdays)
    assert cn.treats(plain_saturday, every_day) and cn.treats(plain_tuesday, weekdays)
    cn_no_makeup = TreatmentDayCalendar("CN")
    assert not cn_no_makeup.treats(sunday_makeup, weekdays)
    none = TreatmentDayCalendar(None, treat_makeup_days=True)
    assert none.holiday(national_day) is None and not none.makeup_day(sunday_makeup)
    assert none.treats(national_day, weekdays) and not none.treats(sunday_makeup, weekdays)
    assert none.treats(plain_saturday, every_day)


def test_unknown_country_code_is_refused():
    assert input_error(lambda: TreatmentDayCalendar("XX")) == (
        "--holidays: unknown country code 'XX' (use an ISO 3166 code such as CN, US, GB)"
    )


def every_day_regimen(n: int = 10) -> Regimen:
    phase = Phase(n, quantity(2, "Gy"), "SBRT", TreatmentDays.EVERY_DAY)
    return Regimen("daily", "Daily radiotherapy", (RadiotherapyCourse("rt", (phase,)),))


def test_every_day_phases_treat_weekends_but_not_holidays():
    # From Wed 27 September 2023 in China. The holidays package lists Fri 29 September
    # (Mid-Autumn), Sun 1 October (National Day, on a weekend) and Mon 2 - Fri 6 October;
    # Sat 30 September and the make-up working days 7-8 October are not holidays.
    start = dt.date(2023, 9, 27)
    plan = build_plan(every_day_regimen(), start, holidays_country="CN")
    fractions = dates(plan, "rt", "fraction")
    assert fractions == [
        dt.date(2023, 9, 27),
        dt.date(2023, 9, 28),
        dt.date(2023, 9, 30),
        *(dt.date(2023, 10, d) for d in range(7, 14)),
    ]
    skipped = [s.date for s in plan.skipped]
    assert skipped == [dt.date(2023, 9, 29), *(dt.date(2023, 10, d) for d in range(1, 7))]
    assert plan.skipped[1].reason == "public holiday: National Day"
    no_country = build_plan(every_day_regimen(), start)
    assert dates(no_country, "rt", "fraction") == [day(n, start) for n in range(10)]


def test_weekday_phases_record_only_weekday_holidays_as_skipped():
    # Same holidays from Mon 25 September 2023: Sunday 1 October is a weekend day anyway.
    plan = build_plan(bundled("pelvic-postop-rt"), dt.date(2023, 9, 25), holidays_country="CN")
    skipped = [s.date for s in plan.skipped]
    assert skipped == [dt.date(2023, 9, 29), *(dt.date(2023, 10, d) for d in range(2, 7))]


# ---------------------------------------------------------------------------------------------
# Drug courses: cycles, start doses, with = X


def test_pembrolizumab_starts_with_anlotinib_and_sorts_after_it_on_shared_days():
    plan = build_plan(bundled("anlotinib-pembrolizumab"), MON, cycles=2)
    assert plan.course_first == {"anlotinib": MON, "pembrolizumab": MON}
    assert dates(plan, "pembrolizumab", "dose") == [MON, day(21)]
    assert [(e.date, e.course) for e in plan.events[:2]] == [
        (MON, "anlotinib"),
        (MON, "pembrolizumab"),
    ]
    assert plan.final_dose == {"anlotinib": mg(12), "pembrolizumab": mg(100)}


def test_start_dose_override_and_course_with_a_fixed_number_of_cycles():
    plan = build_plan(bundled("anlotinib-sts"), MON, cycles=1, start_doses={"anlotinib": mg(10)})
    assert {e.dose for e in plan.events} == {mg(10)}
    assert plan.start_doses == {"anlotinib": mg(10)} and plan.final_dose == {"anlotinib": mg(10)}
    course = DrugCourse(
        id="drug",
        drug="drug",
        route="oral",
        frequency="once daily",
        dose_levels=(mg(5),),
        dosing_days=range(1, 8),
        cycle_length=14,
        cycles=3,
    )
    plan = build_plan(Regimen("r", "R", (course,)), MON)
    assert plan.cycles_planned == {"drug": 3} and len(plan.cycles) == 3
    assert len(plan.events) == 21


def test_cycle_day_counts_rest_days_and_is_none_outside_a_cycle():
    # HFSR grade 3 on C1D10 holds; recovery on Thu 28 March moves C2D1 from Mon 25 March.
    plan = build_plan(
        bundled("anlotinib-sts"),
        MON,
        cycles=2,
        adverse_events=[ae(day(9), "HFSR", 3), ae(day(24), "HFSR", 1)],
    )
    assert plan.cycle_day("anlotinib", MON) == (1, 1)
    assert plan.cycle_day("anlotinib", day(14)) == (1, 15)  # first rest day
    assert plan.cycle_day("anlotinib", day(20)) == (1, 21)
    assert plan.cycle_day("anlotinib", day(21)) is None  # waiting for recovery
    assert plan.cycle_day("anlotinib", day(23)) is None
    assert plan.cycle_day("anlotinib", day(24)) == (2, 1)
    assert plan.cycle_day("anlotinib", day(44)) == (2, 21)
    assert plan.cycle_day("anlotinib", day(45)) is None  # after the last cycle
    assert plan.cycle_day("anlotinib", day(-1)) is None  # before the first
    lms = build_plan(bundled("lms-rt-anlotinib"), MON, cycles=1)
    assert lms.cycle_day("radiotherapy", MON) is None  # radiotherapy has no cycles


def weekly_drug(**kw) -> DrugCourse:
    return DrugCourse(
        id="drug",
        drug="drug",
        route="oral",
        frequency="once every 7 days",
        dose_levels=(mg(5),),
        dosing_days=(1,),
        cycle_length=7,
        **kw,
    )


def test_a_plan_of_the_maximum_1000_cycles_and_its_cycle_days():
    plan = build_plan(Regimen("r", "R", (weekly_drug(),)), MON, cycles=1000)
    assert len(plan.cycles) == 1000 and plan.cycles_planned == {"drug": 1000}
    assert plan.cycle_day("drug", day(7 * 999)) == (1000, 1)
    assert plan.cycle_day("drug", day(7 * 99 + 3)) == (100, 4)
    assert plan.cycle_day("drug", day(7 * 1000)) is None


def test_cycle_end():
    assert Cycle("anlotinib", 1, MON, MON).end(21) == day(20)
    assert Cycle("anlotinib", 2, MON, day(3)).end(1) == day(3)


# ---------------------------------------------------------------------------------------------
# The AE log on the calendar


def test_hold_mid_cycle_then_recovery_after_planned_day_1_delays_the_next_cycle():
    plan = build_plan(
        bundled("anlotinib-sts"),
        MON,
        cycles=2,
        adverse_events=[ae(day(9), "HFSR", 3), ae(day(24), "HFSR", 1)],
    )
    held = [e for e in plan.events if e.kind == "held"]
    assert [e.date for e in held] == [day(n) for n in range(9, 14)]
    assert (held[0].label, held[0].dose, held[0].cycle, held[0].day) == ("C1D10 held", None, 1, 10)
    assert sorted(plan.held_dates["anlotinib"]) == [day(n) for n in range(9, 24)]
    assert [(d.date, d.action) for d in plan.decisions] == [
        (day(9), "hold"),
        (day(24), "resume"),
        (day(24), "delay"),
    ]
    assert plan.cycles[1] == Cycle("anlotinib", 2, day(21), day(24))
    assert plan.decisions[2].reason == (
        "cycle 2 day 1 moved from 2024-03-25 to 2024-03-28: on hold on the planned day 1 (HFSR "
        "grade 3 since 2024-03-13, until grade 1 or lower)"
    )
    cycle_2 = [e for e in plan.events if e.cycle == 2]
    assert [e.date for e in cycle_2] == [day(24 + n) for n in range(14)]
    assert {e.dose for e in cycle_2} == {mg(10)}  # resumed one level lower
    assert plan.final_dose == {"anlotinib": mg(10)}
    # a moved day 1, not a waiting one (the log shows the recovery): no waiting date
    assert plan.outcomes["anlotinib"].waiting_from is None
    # day states and status: a held dosing day, a rest day on hold, the days day 1 waits
    held_day = plan.day_state("anlotinib", day(9))
    assert (held_day.kind, held_day.event, held_day.cycle, held_day.day) == (
        DayKind.HELD,
        held[0],
        1,
        10,
    )
    assert plan.day_state("anlotinib", day(16)).kind is DayKind.REST_ON_HOLD
    assert plan.day_state("anlotinib", day(22)).kind is DayKind.WAITING
    assert plan.day_state("anlotinib", day(3)).kind is DayKind.DOSE
    assert plan.day_state("anlotinib", day(60)).kind is DayKind.ENDED
    assert [plan.status("anlotinib", day(n)) for n in (8, 9, 22, 24)] == [
        Status.ACTIVE,
        Status.ON_HOLD,
        Status.WAITING,
        Status.ACTIVE,
    ]
    assert [plan.dose_in_force("anlotinib", day(n)) for n in (8, 9, 22, 24)] == [
        mg(12),
        None,
        None,
        mg(10),
    ]


def test_hold_on_planned_day_1_recovering_on_that_day_moves_nothing():
    plan = build_plan(
        bundled("anlotinib-sts"),
        MON,
        cycles=2,
        adverse_events=[ae(day(15), "HFSR", 3), ae(day(21), "HFSR", 1)],
    )
    assert plan.cycles[1] == Cycle("anlotinib", 2, day(21), day(21))
    assert [d.action for d in plan.decisions] == ["hold", "resume"]  # no delay
    assert dates(plan, "anlotinib", "held") == []  # the hold fell on rest days only


def test_hold_that_nothing_in_the_log_can_end_stops_the_plan_waiting():
    plan = build_plan(
        bundled("anlotinib-sts"), MON, cycles=3, adverse_events=[ae(day(9), "HFSR", 3)]
    )
    assert [(d.date, d.action) for d in plan.decisions] == [(day(9), "hold"), (day(21), "waiting")]
    assert plan.decisions[1].reason == (
        "cycle 2 day 1 (planned 2024-03-25) waits for recovery (HFSR grade 3 since 2024-03-13, "
        "until grade 1 or lower); no later cycles are laid out until the AE log shows it"
    )
    # the plan's last date is its last decision: the waiting cycle 2 day 1
    assert len(plan.cycles) == 1 and plan.last_date == day(21)
    assert dates(plan, "anlotinib", "held")[-1] == day(13)
    # final_dose is the level the drug resumes at while a hold is open: one level lower
    assert plan.final_dose == {"anlotinib": mg(10)} and plan.discontinued == {}
    assert plan.outcomes["anlotinib"].open_hold == (
        "HFSR grade 3 since 2024-03-13, until grade 1 or lower"
    )
    # the waiting decision's date: the planned cycle 2 day 1 (Mon 25 March)
    assert plan.outcomes["anlotinib"].waiting_from == day(21)
    assert plan.outcomes["anlotinib"].course == "anlotinib"
    assert max(plan.held_dates["anlotinib"]) == day(21)
    # docs/dose-modification.md, "Cycles" and "Status": days of a held or waiting course read
    # "on hold"; a day 1 that waits for recovery is ``waiting``
    assert plan.day_state("anlotinib", day(15)).kind is DayKind.REST_ON_HOLD
    assert plan.status("anlotinib", day(15)) is Status.ON_HOLD
    assert plan.day_state("anlotinib", day(30)).kind is DayKind.WAITING
    assert plan.status("anlotinib", day(30)) is Status.WAITING
    assert plan.dose_in_force("anlotinib", day(30)) is None


def test_hold_on_day_1_with_a_later_row_waits_for_that_row():
    # The hold starts on C1D1, before the first dose: day 1 waits. A later row that cannot end
    # it (diarrhoea grade 0) keeps the engine walking until its date; then, with nothing left
    # in the log that could end the hold, the plan stops with C1D1 waiting.
    plan = build_plan(
        bundled("anlotinib-sts"),
        MON,
        cycles=2,
        adverse_events=[ae(MON, "HFSR", 3), ae(day(14), "diarrhoea", 0)],
    )
    # new rule: nothing vanishes, the grade 0 row is recorded (during the hold as continue hold:
    # it ends no hold) (docs/dose-modification.md, "Nothing vanishes"; "One drug course" 1)
    assert [(d.date, d.action) for d in plan.decisions] == [
        (MON, "hold"),
        (MON, "waiting"),
        (day(14), "continue hold"),
    ]
    assert sorted(plan.held_dates["anlotinib"]) == [day(n) for n in range(15)]
    assert plan.events == () and plan.cycles == ()
    # the plan's first and last dates are its decisions'
    assert plan.first_date == MON and plan.last_date == day(14)
    assert plan.status("anlotinib", MON) is Status.WAITING


def test_bleeding_without_recovery_discontinues_after_the_14_day_maximum():
    plan = build_plan(
        bundled("anlotinib-sts"), MON, cycles=3, adverse_events=[ae(day(3), "epistaxis", 2)]
    )
    assert plan.discontinued == {"anlotinib": day(17)} and plan.final_dose == {}
    assert [(d.date, d.action) for d in plan.decisions] == [
        (day(3), "hold"),
        (day(17), "discontinue"),
    ]
    assert dates(plan, "anlotinib", "dose") == [day(n) for n in range(3)]
    assert dates(plan, "anlotinib", "held") == [day(n) for n in range(3, 14)]
    assert len(plan.cycles) == 1


def test_stopping_at_the_lowest_level_cites_the_label():
    # Started at 8 mg (the lowest level); HFSR grade 3 resolves, but "resume one level lower"
    # is impossible: the anlotinib label says to stop permanently if 8 mg is not tolerated.
    plan = build_plan(
        bundled("anlotinib-sts"),
        MON,
        cycles=2,
        start_doses={"anlotinib": mg(8)},
        adverse_events=[ae(day(2), "HFSR", 3), ae(day(6), "HFSR", 1)],
    )
    # new rule: it stops on the AE date, no day is held, and the later row has no effect
    # (docs/dose-modification.md, "One drug course" 3 and "Nothing vanishes")
    assert plan.discontinued == {"anlotinib": day(2)}
    stop, after = plan.decisions
    assert (stop.date, stop.action, stop.source.key) == (day(2), "discontinue", "label")
    assert (after.date, after.action) == (day(6), "no effect")
    assert dates(plan, "anlotinib", "dose") == [MON, day(1)]
    assert dates(plan, "anlotinib", "held") == [] and plan.held_dates["anlotinib"] == frozenset()
    assert plan.day_state("anlotinib", day(3)).kind is DayKind.STOPPED
    assert plan.status("anlotinib", day(2)) is Status.DISCONTINUED


def test_discontinuation_before_the_first_dose_leaves_no_events():
    plan = build_plan(
        bundled("anlotinib-sts"), MON, cycles=2, adverse_events=[ae(MON, "hypertension", 4)]
    )
    assert plan.events == () and plan.discontinued == {"anlotinib": MON}
    # docs/dose-modification.md, "Before the first dose": not started, decision on the AE date
    assert [(d.date, d.action) for d in plan.decisions] == [(MON, "discontinue")]
    assert plan.first_date == plan.last_date == MON  # the decision's date
    assert plan.course_first == {"anlotinib": MON}


def test_ae_rows_during_radiotherapy_count_for_the_drug_that_follows():
    # Bleeding grade 2 on day 10 of radiotherapy (Thu 14 March); anlotinib's planned day 1 is
    # Thu 21 March; recovery on Mon 25 March: day 1 moves there.
    plan = build_plan(
        bundled("lms-rt-anlotinib"),
        MON,
        cycles=1,
        adverse_events=[ae(day(10), "bleeding", 2), ae(day(21), "bleeding", 1)],
    )
    assert plan.cycles == (Cycle("anlotinib", 1, dt.date(2024, 3, 21), day(21)),)
    # new rule: a row before the first dose never reduces; the course starts at its start dose
    # (docs/dose-modification.md, "Before the first dose")
    assert {e.dose for e in plan.course_events("anlotinib")} == {mg(12)}
    assert [(d.date, d.action) for d in plan.decisions] == [
        (day(10), "hold"),
        (day(21), "resume"),
        (day(21), "delay"),
    ]
    # docs/dose-modification.md, "Cycles": the hold in force on the planned day 1 moves it
    assert plan.decisions[2].reason == (
        "cycle 1 day 1 moved from 2024-03-21 to 2024-03-25: on hold on the planned day 1 "
        "(bleeding grade 2 since 2024-03-14, until grade 1 or lower)"
    )
    # held dates start at the course's first day (Thu 21 March), not during radiotherapy
    assert sorted(plan.held_dates["anlotinib"]) == [day(n) for n in range(17, 21)]
    assert plan.day_state("anlotinib", day(12)).kind is DayKind.NOT_STARTED
    # Radiotherapy is not a drug course: the rows do not touch it.
    assert dates(plan, "radiotherapy", "fraction") == weekdays_from(MON, 13)


def continue_only_drug(cycles: int | None = 2) -> DrugCourse:
    """10 / 5 mg days 1-7 of 14; its only rule: any grade 1-4 continue."""
    return DrugCourse(
        id="drug",
        drug="drug",
        route="oral",
        frequency="once daily",
        dose_levels=(mg(10), mg(5)),
        dosing_days=range(1, 8),
        cycle_length=14,
        cycles=cycles,
        rules=(Rule(ANY, 1, 4, Action.CONTINUE, LOCAL),),
    )


def test_before_the_first_dose_grade_3_under_a_continue_rule_delays_day_1_for_review():
    # docs/dose-modification.md, "Before the first dose": a grade >= 3 row whose rule says
    # continue waits for grade <= 1, delays day 1 to its recovery row, and is listed for review;
    # the course starts at its start dose
    regimen = Regimen("r", "R", (continue_only_drug(),))
    rows = [ae(MON, "hypertension", 3), ae(day(1), "hypertension", 2), ae(day(3), "HTN", 1)]
    plan = build_plan(regimen, MON, adverse_events=rows)
    assert [(d.date, d.action) for d in plan.decisions] == [
        (MON, "hold"),
        (day(1), "continue hold"),
        (day(3), "resume"),
        (day(3), "delay"),
    ]
    assert plan.cycles[0] == Cycle("drug", 1, MON, day(3))
    assert dates(plan, "drug", "dose")[0] == day(3)
    assert {e.dose for e in plan.course_events("drug")} == {mg(10)}
    (review,) = plan.needs_review
    assert review.date == MON and "grade 3 before the first dose" in review.review
    assert plan.cycles[1] == Cycle("drug", 2, day(17), day(17))  # later cycles move with it


def test_before_the_first_dose_grade_2_under_a_continue_rule_changes_nothing():
    regimen = Regimen("r", "R", (continue_only_drug(),))
    plan = build_plan(regimen, MON, adverse_events=[ae(MON, "hypertension", 2)])
    assert [(d.date, d.action) for d in plan.decisions] == [(MON, "continue")]
    assert plan.cycles[0] == Cycle("drug", 1, MON, MON) and plan.needs_review == ()
    assert dates(plan, "drug", "dose")[0] == MON


def test_rows_after_a_course_with_a_fixed_number_of_cycles_have_no_effect():
    # docs/dose-modification.md, "Nothing vanishes": a course with a fixed number of cycles is
    # not extended; rows after its end are listed as ``no effect``
    regimen = Regimen("r", "R", (continue_only_drug(cycles=2),))
    plan = build_plan(regimen, MON, adverse_events=[ae(day(40), "hypertension", 2)])
    assert plan.cycles_planned == {"drug": 2} and len(plan.cycles) == 2 and plan.notes == ()
    (d,) = plan.decisions
    assert (d.date, d.action, d.dose_after) == (day(40), "no effect", None)
    assert d.reason == (
        "hypertension grade 2 on 2024-04-13: after the last cycle of drug (ended 2024-03-31): "
        "no effect on the plan"
    )
    # docs/dose-modification.md, "Status": completed once the last cycle has ended
    assert plan.status("drug", day(40)) is Status.COMPLETED


def test_rows_after_the_horizon_of_an_open_ended_course_extend_it_and_say_so():
    # docs/dose-modification.md, "Nothing vanishes": the plan is extended cycle by cycle until
    # every row is inside it. Two 21-day cycles end Sun 14 April; a row on 2 May is in cycle 3.
    plan = build_plan(
        bundled("anlotinib-sts"), MON, cycles=2, adverse_events=[ae(day(59), "fatigue", 1)]
    )
    assert plan.cycles_planned == {"anlotinib": 3} and len(plan.cycles) == 3
    assert plan.outcomes["anlotinib"].cycles_requested == 2
    assert [(d.date, d.action) for d in plan.decisions] == [(day(59), "continue")]
    assert plan.notes == (
        "anlotinib: the AE log runs to 2024-05-02: 3 cycles laid out instead of 2",
    )


def test_a_row_naming_a_radiotherapy_course_is_recorded_for_review_and_touches_no_drug():
    # docs/dose-modification.md, "One drug course, day by day": recorded against the
    # radiotherapy, listed for clinician review, no drug changes
    rows = [ae(day(2), "radiation dermatitis", 3, course="radiotherapy", line=2)]
    plan = build_plan(bundled("lms-rt-anlotinib"), MON, cycles=1, adverse_events=rows)
    (d,) = plan.decisions
    assert (d.date, d.course, d.action, d.dose_before, d.dose_after) == (
        day(2),
        "radiotherapy",
        "recorded",
        None,
        None,
    )
    assert d.event == rows[0] and plan.needs_review == (d,)
    assert d.reason == (
        "radiation dermatitis grade 3 on 2024-03-06 (line 2): recorded against radiotherapy; "
        "regimen changes no radiotherapy automatically"
    )
    assert d.review == (
        "radiation dermatitis grade 3 during radiotherapy: no rule changes radiotherapy"
    )
    assert plan.held_dates["anlotinib"] == frozenset()
    assert len(dates(plan, "anlotinib", "dose")) == 14
    assert dates(plan, "radiotherapy", "fraction") == weekdays_from(MON, 13)


def test_a_maximum_hold_running_past_the_horizon_still_discontinues_on_start_plus_max():
    # docs/dose-modification.md, "One drug course" 3 (maximum hold): no recovery row dated on
    # or before hold start + 14 d, so the drug is discontinued on hold start + 14 d. Epistaxis
    # grade 2 on C2D13 (Sat 6 April); two cycles end Sun 14 April; 6 April + 14 d = 20 April.
    plan = build_plan(
        bundled("anlotinib-sts"), MON, cycles=2, adverse_events=[ae(day(33), "epistaxis", 2)]
    )
    assert plan.discontinued == {"anlotinib": day(47)}
    assert [(d.date, d.action) for d in plan.decisions] == [
        (day(33), "hold"),
        (day(47), "discontinue"),
    ]
    assert plan.status("anlotinib", day(47)) is Status.DISCONTINUED


def test_status_before_the_first_day_of_a_course():
    # docs/dose-modification.md, "Status, as of a date": before the course's first day (here
    # radiotherapy day 1; anlotinib starts after the boost) the status is ``not_started``.
    plan = build_plan(bundled("lms-rt-anlotinib"), MON, cycles=1)
    assert plan.status("anlotinib", MON) is Status.NOT_STARTED


def test_ae_rows_attributed_to_one_course_leave_the_other_alone():
    plan = build_plan(
        bundled("anlotinib-pembrolizumab"),
        MON,
        cycles=1,
        adverse_events=[ae(day(2), "diarrhoea", 4, course="pembrolizumab")],
    )
    assert plan.discontinued == {"pembrolizumab": day(2)}
    assert plan.final_dose == {"anlotinib": mg(12)}
    assert len(dates(plan, "anlotinib", "dose")) == 14


def test_a_row_without_course_applies_to_every_drug_in_course_order():
    plan = build_plan(
        bundled("anlotinib-pembrolizumab"),
        MON,
        cycles=1,
        adverse_events=[ae(day(2), "diarrhoea", 4)],
    )
    assert [(d.date, d.course, d.action) for d in plan.decisions] == [
        (day(2), "anlotinib", "discontinue"),
        (day(2), "pembrolizumab", "discontinue"),
    ]


def test_a_course_after_a_drug_starts_gap_days_after_its_last_dose():
    drug = DrugCourse(
        id="drug",
        drug="drug",
        route="oral",
        frequency="once daily",
        dose_levels=(mg(5),),
        dosing_days=(1, 2, 3),
        cycle_length=7,
        rules=(
            Rule(ANY, 3, 3, Action.HOLD, LOCAL, until_grade=1, resume=Resume.SAME),
            Rule(ANY, 4, 5, Action.DISCONTINUE, LOCAL),
        ),
    )
    rt = RadiotherapyCourse("rt", (Phase(2, quantity(2, "Gy")),))
    regimen = Regimen("r", "R", (drug, rt), starts={"rt": StartRule(after="drug", gap=3)})
    plan = build_plan(regimen, MON, cycles=2)
    # Last dose on C2D3 = Wed 13 March; 3 days later is Sat 16 March; first weekday Mon 18.
    assert plan.course_first["rt"] == day(14)
    # Held dosing days are not treatment days: the last dose (C2D1, Mon 11 March) counts.
    held = build_plan(regimen, MON, cycles=2, adverse_events=[ae(day(8), "hypertension", 3)])
    assert dates(held, "drug", "held") == [day(8), day(9)]
    assert held.course_first["rt"] == day(10)  # Mon 11 + 3 = Thu 14 March
    # A drug stopped before its first dose (held on day 1, grade 4 the next day): the course
    # after it counts from the stop.
    rows = [ae(MON, "hypertension", 3), ae(day(1), "hypertension", 4)]
    stopped = build_plan(regimen, MON, cycles=2, adverse_events=rows)
    assert stopped.events[0].course == "rt"
    assert stopped.course_first["rt"] == day(4)  # stopped Tue 5 March + 3 = Fri 8 March
    # A drug still waiting on its first day 1 gave nothing: the course after counts from the
    # drug's own start.
    waiting = build_plan(regimen, MON, cycles=2, adverse_events=[ae(MON, "hypertension", 3)])
    assert dates(waiting, "drug", "dose") == [] and waiting.discontinued == {}
    assert waiting.course_first["rt"] == day(3)


def test_warnings_name_options_without_effect_overlaps_and_drifting_cycles():
    sts, lms = bundled("anlotinib-sts"), bundled("lms-rt-anlotinib")
    assert build_plan(sts, MON, cycles=1, treat_makeup_days=True).warnings == (
        "--treat-makeup-days has no effect without --holidays CC (make-up working days come "
        "from a country's holiday calendar)",
    )
    pelvic = bundled("pelvic-postop-rt")
    assert build_plan(pelvic, MON, holidays_country="US", treat_makeup_days=True).warnings == (
        "--treat-makeup-days has no effect: the holiday data of US lists no official weekend "
        "make-up working days",
    )
    assert build_plan(sts, MON, cycles=1, holidays_country="CN").warnings == (
        "--holidays has no effect: anlotinib-sts has no radiotherapy course (drug cycles run on "
        "calendar days)",
    )
    overlap = build_plan(lms, MON, cycles=1, course_starts={"anlotinib": day(5)})
    assert overlap.warnings == (
        "--course-start anlotinib=2024-03-09 is on or before the last treatment day of "
        "radiotherapy (2024-03-20): the regimen gives them one after the other, this plan "
        "overlaps them",
    )
    # China's holidays are announced year by year: dates far beyond the data are estimates
    (estimate,) = build_plan(pelvic, dt.date(2150, 9, 2), holidays_country="CN").warnings
    assert estimate.startswith(
        "the public holidays and make-up working days of CN are officially announced year by "
        "year; the holiday data confirms them up to "
    )
    assert estimate.endswith(
        "so radiotherapy dates in 2150 use estimated holidays: confirm them when the official "
        "calendar is published"
    )
    # anlotinib held across its cycle 2 day 1, pembrolizumab (started with it) not
    rows = [ae(day(15), "HFSR", 3, "anlotinib"), ae(day(24), "HFSR", 1, "anlotinib")]
    combo = build_plan(bundled("anlotinib-pembrolizumab"), MON, cycles=2, adverse_events=rows)
    assert combo.warnings == (
        "pembrolizumab and anlotinib start together but their cycles have drifted apart: cycle "
        "2 day 1 is 2024-03-25 for pembrolizumab and 2024-03-28 for anlotinib (each course "
        "keeps its own cycles after a hold); needs clinician review",
    )


# ---------------------------------------------------------------------------------------------
# What build_plan refuses


def test_dates_outside_the_supported_range_are_refused():
    sts = bundled("anlotinib-sts")
    assert input_error(lambda: build_plan(sts, dt.date(1899, 12, 31), cycles=1)) == (
        "--start: 1899-12-31 is outside 1900-01-01..2200-12-31"
    )
    assert build_plan(sts, MIN_DATE, cycles=1).first_date == MIN_DATE
    assert (
        input_error(
            lambda: build_plan(sts, MON, cycles=1, course_starts={"anlotinib": dt.date(2201, 1, 1)})
        )
        == "--course-start anlotinib: 2201-01-01 is outside 1900-01-01..2200-12-31"
    )
    # A plan that would run past 2200-12-31 is refused rather than laid out.
    assert input_error(lambda: build_plan(sts, dt.date(2200, 12, 1), cycles=2)) == (
        "plan: 2201-01-01 is outside 1900-01-01..2200-12-31"
    )
    last = build_plan(sts, MAX_DATE - dt.timedelta(days=21), cycles=1)
    assert last.last_date == MAX_DATE - dt.timedelta(days=8)


def test_unknown_course_ids_are_refused():
    sts = bundled("anlotinib-sts")
    with pytest.raises(InputError):
        build_plan(sts, MON, cycles=1, course_starts={"nope": MON})
    with pytest.raises(InputError):
        build_plan(sts, MON, cycles=1, start_doses={"nope": mg(10)})


def test_start_dose_only_for_drug_courses_and_only_a_dose_level():
    lms = bundled("lms-rt-anlotinib")
    assert (
        input_error(lambda: build_plan(lms, MON, cycles=1, start_doses={"radiotherapy": mg(10)}))
        == "--start-dose radiotherapy: 'radiotherapy' is not a drug course"
    )
    with pytest.raises(InputError) as err:
        build_plan(lms, MON, cycles=1, start_doses={"anlotinib": mg(11)})
    assert err.value.where == "--start-dose anlotinib"
    with pytest.raises(UnitError) as unit_err:
        build_plan(lms, MON, cycles=1, start_doses={"anlotinib": quantity(10, "Gy")})
    assert unit_err.value.where == "--start-dose anlotinib"


@pytest.mark.parametrize("n", [0, 1001])
def test_cycles_must_be_between_1_and_1000(n):
    assert input_error(lambda: build_plan(bundled("anlotinib-sts"), MON, cycles=n)) == (
        f"--cycles: must be between 1 and 1000, got {n}"
    )


def test_open_ended_course_defaults_to_six_cycles_and_says_so():
    plan = build_plan(bundled("anlotinib-sts"), MON)
    assert plan.cycles_planned == {"anlotinib": 6}
    assert len([c for c in plan.cycles if c.course == "anlotinib"]) == 6
    assert plan.notes == (
        "anlotinib: open-ended (until progression or unacceptable toxicity); 6 cycles laid out "
        "by default, use --cycles N for another horizon",
    )
    assert build_plan(bundled("anlotinib-sts"), MON, cycles=2).notes == ()


def test_ae_rows_before_the_start_are_refused_with_their_line():
    rows = [ae(MON, "HFSR", 1, line=2), ae(day(-1), "HFSR", 1, line=3)]
    sts = bundled("anlotinib-sts")
    assert input_error(lambda: build_plan(sts, MON, cycles=1, adverse_events=rows)) == (
        "AE log: line 3: 2024-03-03 is before the plan's start (2024-03-04)"
    )


def test_cycles_for_a_radiotherapy_only_regimen_is_noted_not_ignored_silently():
    plan = build_plan(bundled("pelvic-postop-rt"), MON, cycles=3)
    assert plan.notes == ("--cycles 3 has no effect: pelvic-postop-rt has no drug course",)
    assert build_plan(bundled("pelvic-postop-rt"), MON).notes == ()


def test_dose_changes_flag_the_first_dose_at_a_new_level():
    # the README's AE log: 12 mg until 2022-01-09, held 01-10..01-13, 10 mg from 01-14
    sts = bundled("anlotinib-sts")
    rows = parse_ae_log(README_AE_LOG, "log.csv", sts)
    plan = build_plan(sts, dt.date(2022, 1, 3), cycles=2, adverse_events=rows)
    assert plan.dose_changes() == frozenset({(dt.date(2022, 1, 14), "anlotinib")})
    assert build_plan(sts, dt.date(2022, 1, 3), cycles=2).dose_changes() == frozenset()
    # fraction events carry doses too (cGy), but only drug doses are compared
    lms = build_plan(bundled("lms-rt-anlotinib"), dt.date(2022, 5, 16), cycles=1)
    assert lms.dose_changes() == frozenset()


# ---------------------------------------------------------------------------------------------
# Day states and status, field by field (docs/dose-modification.md, "Cycles" and "Status")


def test_day_states_name_the_course_the_date_and_the_cycle_day():
    # HFSR grade 3 on C1D10 (Wed 13 March) holds; recovery on Thu 28 March moves C2D1 there
    # from Mon 25 March. Cycle 1: 4-24 March (doses 4-17 March, held from 13 March); cycle 2:
    # 28 March - 17 April (doses 28 March - 10 April at 10 mg).
    plan = build_plan(
        bundled("anlotinib-sts"),
        MON,
        cycles=2,
        adverse_events=[ae(day(9), "HFSR", 3), ae(day(24), "HFSR", 1)],
    )
    a = "anlotinib"
    c1d4 = Event(day(3), a, "dose", mg(12), "C1D4", cycle=1, day=4)
    assert plan.day_state(a, day(3)) == DayState(a, day(3), DayKind.DOSE, c1d4, 1, 4)
    assert plan.day_state(a, day(16)) == DayState(a, day(16), DayKind.REST_ON_HOLD, cycle=1, day=17)
    assert plan.day_state(a, day(22)) == DayState(a, day(22), DayKind.WAITING)
    assert plan.day_state(a, day(40)) == DayState(a, day(40), DayKind.REST, cycle=2, day=17)
    assert plan.day_state(a, day(60)) == DayState(a, day(60), DayKind.ENDED)
    # asked twice (the second answer comes from the per-course index), the same answer
    assert plan.day_state(a, day(3)) == DayState(a, day(3), DayKind.DOSE, c1d4, 1, 4)
    # stopped on Wed 6 March at the lowest level: "stopped" from that day, with the date
    stopped = build_plan(
        bundled("anlotinib-sts"),
        MON,
        cycles=2,
        start_doses={a: mg(8)},
        adverse_events=[ae(day(2), "HFSR", 3)],
    )
    assert stopped.day_state(a, day(3)) == DayState(a, day(3), DayKind.STOPPED, since=day(2))
    # lms-rt-anlotinib: anlotinib starts Thu 21 March, after the radiotherapy
    lms = build_plan(bundled("lms-rt-anlotinib"), MON, cycles=1)
    assert lms.day_state(a, day(12)) == DayState(a, day(12), DayKind.NOT_STARTED)


def test_a_course_with_a_fixed_number_of_cycles_is_completed_on_the_last_day_of_its_last():
    # docs/dose-modification.md, "Status": ``completed`` once the last cycle of a course with a
    # fixed number of cycles has ended, else ``active``. Three 14-day cycles from Mon 4 March:
    # cycle 3 runs Mon 1 - Sun 14 April (days 28-41); its last day is the day it ends (the
    # date "after the course ended" counts from, see Cycle.end).
    plan = build_plan(Regimen("r", "R", (continue_only_drug(cycles=3),)), MON)
    status = {n: plan.status("drug", day(n)) for n in (20, 28, 30, 37, 39, 40, 41, 42, 60)}
    assert status == {
        20: Status.ACTIVE,  # cycle 2 day 7
        28: Status.ACTIVE,  # cycle 3 day 1
        30: Status.ACTIVE,
        37: Status.ACTIVE,  # cycle 3 day 10, a rest day
        39: Status.ACTIVE,
        40: Status.ACTIVE,  # cycle 3 day 13
        41: Status.COMPLETED,  # cycle 3 day 14, its last day
        42: Status.COMPLETED,
        60: Status.COMPLETED,
    }


def test_an_open_ended_course_is_never_completed():
    # docs/dose-modification.md, "Status": ``completed`` is only for a course with a fixed
    # number of cycles; anlotinib-sts is open-ended: after its laid-out cycle it is ``active``.
    plan = build_plan(bundled("anlotinib-sts"), MON, cycles=1)
    assert plan.day_state("anlotinib", day(30)).kind is DayKind.ENDED
    assert plan.status("anlotinib", day(30)) is Status.ACTIVE


# ---------------------------------------------------------------------------------------------
# Placement overrides, radiotherapy-only logs, horizons and holiday estimates


def test_course_start_override_of_a_course_that_follows_nothing():
    # The module docstring: ``course_starts`` overrides any start rule, also the first course's.
    plan = build_plan(bundled("anlotinib-sts"), MON, cycles=1, course_starts={"anlotinib": day(3)})
    assert plan.course_first == {"anlotinib": day(3)} and plan.warnings == ()
    assert dates(plan, "anlotinib", "dose")[0] == day(3)


def test_course_start_override_on_the_last_treatment_day_of_the_course_it_follows_warns():
    # lms-rt-anlotinib: the last boost fraction is Wed 20 March; a start on that day overlaps
    # it ("on or before"), a start the day after does not.
    lms = bundled("lms-rt-anlotinib")
    same_day = build_plan(lms, MON, cycles=1, course_starts={"anlotinib": day(16)})
    assert same_day.warnings == (
        "--course-start anlotinib=2024-03-20 is on or before the last treatment day of "
        "radiotherapy (2024-03-20): the regimen gives them one after the other, this plan "
        "overlaps them",
    )
    assert build_plan(lms, MON, cycles=1, course_starts={"anlotinib": day(17)}).warnings == ()


def test_a_row_without_a_course_in_a_radiotherapy_only_regimen_is_recorded_for_review():
    # docs/dose-modification.md, "Nothing vanishes" and "One drug course": with no drug course
    # to apply to, the row is recorded against the radiotherapy and listed for review.
    plan = build_plan(
        bundled("pelvic-postop-rt"), MON, adverse_events=[ae(day(2), "radiation dermatitis", 2)]
    )
    (d,) = plan.decisions
    assert (d.date, d.course, d.action, d.dose_after) == (day(2), "radiotherapy", "recorded", None)
    assert plan.needs_review == (d,)
    assert d.reason == (
        "radiation dermatitis grade 2 on 2024-03-06: recorded against radiotherapy; regimen "
        "changes no radiotherapy automatically"
    )


def test_rows_after_the_horizon_extend_a_fixed_course_up_to_its_own_number_of_cycles():
    # docs/dose-modification.md, "Nothing vanishes": --cycles 2 for a 3-cycle course; a row on
    # Wed 3 April (day 30, cycle 3 day 3) extends the plan to its third and last cycle.
    regimen = Regimen("r", "R", (continue_only_drug(cycles=3),))
    plan = build_plan(regimen, MON, cycles=2, adverse_events=[ae(day(30), "hypertension", 2)])
    assert plan.cycles_planned == {"drug": 3} and len(plan.cycles) == 3
    assert plan.notes == ("drug: the AE log runs to 2024-04-03: 3 cycles laid out instead of 2",)
    assert [(d.date, d.action) for d in plan.decisions] == [(day(30), "continue")]


def test_a_row_after_the_last_of_three_cycles_names_the_day_the_course_ended():
    # Three 14-day cycles from Mon 4 March end Sun 14 April; a row on Tue 23 April has no effect.
    regimen = Regimen("r", "R", (continue_only_drug(cycles=3),))
    plan = build_plan(regimen, MON, adverse_events=[ae(day(50), "hypertension", 2)])
    (d,) = plan.decisions
    assert d.reason == (
        "hypertension grade 2 on 2024-04-23: after the last cycle of drug (ended 2024-04-14): "
        "no effect on the plan"
    )


def test_holiday_estimates_are_flagged_only_beyond_the_confirmed_year_and_name_each_year():
    pelvic = bundled("pelvic-postop-rt")
    confirmed = TreatmentDayCalendar("CN").confirmed_until()
    assert confirmed is not None
    # fractions in the last confirmed year (and in 2024) use announced holidays: no warning
    assert build_plan(pelvic, dt.date(confirmed, 3, 2), holidays_country="CN").warnings == ()
    assert build_plan(pelvic, dt.date(2024, 9, 23), holidays_country="CN").warnings == ()
    # 28 fractions from Tue 1 December 2150 run into January 2151: both years are estimates
    (estimate,) = build_plan(pelvic, dt.date(2150, 12, 1), holidays_country="CN").warnings
    assert estimate.endswith(
        "so radiotherapy dates in 2150, 2151 use estimated holidays: confirm them when the "
        "official calendar is published"
    )


def test_make_up_working_days_of_another_country_are_treated_without_a_warning():
    # Hungary's 2024 working-day arrangement: Saturday 3 August is worked in exchange for
    # Monday 19 August. From Mon 29 July, with --treat-makeup-days, that Saturday is a treatment
    # day, and the option has an effect, so there is no "no effect" warning; 2024 is an
    # announced year, so no estimate warning either.
    plan = build_plan(
        bundled("pelvic-postop-rt"),
        dt.date(2024, 7, 29),
        holidays_country="HU",
        treat_makeup_days=True,
    )
    fractions = dates(plan, "radiotherapy", "fraction")
    assert dt.date(2024, 8, 3) in fractions and dt.date(2024, 8, 19) not in fractions
    assert plan.warnings == ()


# --- a maximum hold still open after a fixed course's last cycle ------------------------------
# docs/dose-modification.md, "Maximum hold": a hold with a maximum runs out on hold start + D
# days "as the log stands", also past the laid-out cycles; a recovery row dated on or before
# that day ends it; a later row changes nothing. Course: 10 -> 5 mg, days 1-7 of 14, 2 cycles
# from Monday 2024-03-04, so cycle 2 runs 2024-03-18 to 2024-03-31. Epistaxis grade 2 on
# 2024-03-20 (C2D3) holds until grade 1 or lower, at most 14 d: the deadline is 2024-04-03.


def _fixed_course_with_max_hold() -> Regimen:
    drug = DrugCourse(
        id="drug",
        drug="drug",
        route="oral",
        frequency="once daily",
        dose_levels=(quantity(10, "mg"), quantity(5, "mg")),
        dosing_days=range(1, 8),
        cycle_length=14,
        cycles=2,
        rules=(
            Rule(
                "bleeding",
                2,
                2,
                Action.HOLD,
                LOCAL,
                until_grade=1,
                resume=Resume.LOWER,
                max_hold_days=14,
            ),
            Rule(ANY, 0, 2, Action.CONTINUE, LOCAL),
        ),
    )
    return Regimen("r", "R", (drug,))


EPISTAXIS_C2D3 = ae(dt.date(2024, 3, 20), "epistaxis", 2)


def _actions(rows: list[AdverseEvent]) -> tuple[dict[str, dt.date], list[tuple[str, str]]]:
    plan = build_plan(_fixed_course_with_max_hold(), MON, adverse_events=rows)
    return dict(plan.discontinued), [(d.date.isoformat(), d.action) for d in plan.decisions]


def test_regression_max_hold_runs_out_after_the_last_cycle_even_with_a_later_row() -> None:
    # Before the fix an unrelated row on 2024-05-01 left the hold open for ever.
    stopped, actions = _actions([EPISTAXIS_C2D3, ae(dt.date(2024, 5, 1), "fatigue", 1)])
    assert stopped == {"drug": dt.date(2024, 4, 3)}
    assert actions == [
        ("2024-03-20", "hold"),
        ("2024-04-03", "discontinue"),
        ("2024-05-01", "no effect"),
    ]


def test_max_hold_after_the_last_cycle_without_later_rows() -> None:
    stopped, actions = _actions([EPISTAXIS_C2D3])
    assert stopped == {"drug": dt.date(2024, 4, 3)}
    assert actions == [("2024-03-20", "hold"), ("2024-04-03", "discontinue")]


@pytest.mark.parametrize("day", [dt.date(2024, 4, 2), dt.date(2024, 4, 3)], ids=["d13", "d14"])
def test_regression_recovery_after_the_last_cycle_ends_the_hold(day: dt.date) -> None:
    # Before the fix a recovery row after the last cycle was "no effect" and the hold ran out.
    stopped, actions = _actions([EPISTAXIS_C2D3, ae(day, "epistaxis", 1)])
    assert stopped == {}
    assert actions == [("2024-03-20", "hold"), (day.isoformat(), "resume")]


def test_recovery_the_day_after_the_max_hold_comes_too_late() -> None:
    stopped, actions = _actions([EPISTAXIS_C2D3, ae(dt.date(2024, 4, 4), "epistaxis", 1)])
    assert stopped == {"drug": dt.date(2024, 4, 3)}
    assert actions == [
        ("2024-03-20", "hold"),
        ("2024-04-03", "discontinue"),
        ("2024-04-04", "no effect"),
    ]


# ---------------------------------------------------------------------------------------------
# Scenarios with exact dates (the acceptance criteria of the calendar issue)

ANLOTINIB = "anlotinib"


def kinds(plan: Plan, course_id: str, kind: str) -> list[Event]:
    return [e for e in plan.course_events(course_id) if e.kind == kind]


def _day1s(plan: Plan, course_id: str) -> list[dt.date]:
    cycles = [c for c in plan.cycles if c.course == course_id]
    assert [c.number for c in cycles] == list(range(1, len(cycles) + 1))
    return [c.day1 for c in cycles]


def anlotinib_plan(start: dt.date, log: str = "", cycles: int = 3, **kw) -> Plan:
    """anlotinib-sts from ``start``; ``log`` is an AE log's rows (its header optional)."""
    regimen = bundled("anlotinib-sts")
    if log and not log.startswith("date,"):
        log = "date,term,grade\n" + log
    rows = parse_ae_log(log, "log.csv", regimen) if log else ()
    return build_plan(regimen, start, cycles=cycles, adverse_events=rows, **kw)


def by_date(plan: Plan) -> dict[dt.date, tuple[str, float | None]]:
    return {
        e.date: (e.kind, None if e.dose is None else in_mg(e.dose))
        for e in plan.course_events(ANLOTINIB)
    }


def test_zhao_2018_three_cycles():
    # Acceptance: Zhao et al. 2022 started anlotinib 12 mg d1-14 q3w on 20 September 2018;
    # 3 cycles give 42 dose events of 12 mg, C2D1 on 2018-10-11, C3D1 on 2018-11-01.
    plan = anlotinib_plan(dt.date(2018, 9, 20))
    doses = kinds(plan, ANLOTINIB, "dose")
    assert len(doses) == 42
    assert {in_mg(e.dose) for e in doses} == {12.0}
    assert _day1s(plan, ANLOTINIB) == [
        dt.date(2018, 9, 20),
        dt.date(2018, 10, 11),
        dt.date(2018, 11, 1),
    ]
    assert doses[0].date == dt.date(2018, 9, 20) and doses[0].label == "C1D1"
    assert doses[13].date == dt.date(2018, 10, 3) and doses[13].label == "C1D14"
    assert in_mg(drug_summary(plan, ANLOTINIB).delivered_total) == 504.0


def test_hfsr_hold_and_resume_one_level_lower():
    # Acceptance: log 2022-01-10 HFSR 3 / 2022-01-14 HFSR 1 from 2022-01-03 for 3 cycles:
    # 12 mg 01-03..01-09, held 01-10..01-13, 10 mg 01-14..01-16, C2D1 2022-01-24 at 10 mg,
    # 394 mg delivered.
    plan = anlotinib_plan(dt.date(2022, 1, 3), README_AE_LOG)
    events = by_date(plan)
    jan = [dt.date(2022, 1, d) for d in range(1, 32)]
    assert all(events[d] == ("dose", 12.0) for d in jan[2:9])  # 01-03..01-09
    assert all(events[d] == ("held", None) for d in jan[9:13])  # 01-10..01-13
    assert all(events[d] == ("dose", 10.0) for d in jan[13:16])  # 01-14..01-16
    assert all(d not in events for d in jan[16:23])  # rest days 01-17..01-23
    assert _day1s(plan, ANLOTINIB)[1] == dt.date(2022, 1, 24)
    assert events[dt.date(2022, 1, 24)] == ("dose", 10.0)
    assert plan.held_dates[ANLOTINIB] == frozenset(jan[9:13])
    summary = drug_summary(plan, ANLOTINIB)
    assert in_mg(summary.delivered_total) == 394.0
    assert in_mg(plan.final_dose[ANLOTINIB]) == 10.0
    assert [(d.date, d.action) for d in plan.decisions] == [
        (dt.date(2022, 1, 10), "hold"),
        (dt.date(2022, 1, 14), "resume"),
    ]


def test_hold_on_planned_day1_moves_that_cycle_and_later_ones():
    # Acceptance: a hold still in force on a planned day 1 moves that day 1 to the recovery
    # date and every later cycle moves with it. HFSR 3 on C1D18 (2022-01-20), recovery on
    # 2022-01-28, four days after the planned C2D1 (2022-01-24).
    plan = anlotinib_plan(
        dt.date(2022, 1, 3),
        "2022-01-20,hand-foot skin reaction,3\n2022-01-28,hand-foot skin reaction,1\n",
    )
    cycles = [c for c in plan.cycles if c.course == ANLOTINIB]
    assert [(c.planned_day1, c.day1) for c in cycles] == [
        (dt.date(2022, 1, 3), dt.date(2022, 1, 3)),
        (dt.date(2022, 1, 24), dt.date(2022, 1, 28)),
        (dt.date(2022, 2, 18), dt.date(2022, 2, 18)),
    ]
    events = by_date(plan)
    assert not [d for d in events if dt.date(2022, 1, 17) <= d < dt.date(2022, 1, 28)]
    assert events[dt.date(2022, 1, 28)] == ("dose", 10.0)
    assert plan.cycle_day(ANLOTINIB, dt.date(2022, 1, 28)) == (2, 1)
    assert not kinds(plan, ANLOTINIB, "held")  # the hold fell on rest days and the delay
    delays = [d for d in plan.decisions if d.action == "delay"]
    assert len(delays) == 1 and delays[0].date == dt.date(2022, 1, 28)
    assert "2022-01-24" in delays[0].reason
    assert len(kinds(plan, ANLOTINIB, "dose")) == 42
    assert in_mg(drug_summary(plan, ANLOTINIB).delivered_total) == 14 * 12 + 28 * 10


def test_bleeding_grade2_without_recovery_discontinues_after_14_days():
    # Acceptance: the consensus bleeding grade 2 hold (max 14 d) with no recovery row
    # discontinues the drug on hold start + 14 d.
    plan = anlotinib_plan(dt.date(2022, 1, 3), "2022-01-05,bleeding,2\n")
    assert plan.discontinued[ANLOTINIB] == dt.date(2022, 1, 19)
    stop = [d for d in plan.decisions if d.action == "discontinue"]
    assert len(stop) == 1
    assert stop[0].rule is not None and stop[0].rule.max_hold_days == 14
    assert stop[0].source is not None and stop[0].source.kind is SourceKind.CONSENSUS
    assert "within 14 d" in stop[0].reason
    assert [e.date for e in kinds(plan, ANLOTINIB, "dose")] == [
        dt.date(2022, 1, 3),
        dt.date(2022, 1, 4),
    ]
    assert len(kinds(plan, ANLOTINIB, "held")) == 12  # C1D3..C1D14
    assert max(e.date for e in plan.course_events(ANLOTINIB)) == dt.date(2022, 1, 16)
    assert len(_day1s(plan, ANLOTINIB)) == 1


def test_bleeding_recovery_on_the_last_day_of_the_max_hold_still_counts():
    # Module docstring: a recovery row dated on hold start + N still counts as recovery.
    plan = anlotinib_plan(dt.date(2022, 1, 3), "2022-01-05,bleeding,2\n2022-01-19,bleeding,1\n")
    assert ANLOTINIB not in plan.discontinued
    assert in_mg(plan.final_dose[ANLOTINIB]) == 10.0
    assert [d.action for d in plan.decisions] == ["hold", "resume"]


def test_grade3_at_lowest_level_then_recovery_discontinues_citing_label():
    # Acceptance: a grade-3 AE at 8 mg (the lowest level) then recovery discontinues the
    # drug (resume one level lower is impossible), citing the label.
    plan = anlotinib_plan(dt.date(2022, 1, 3), README_AE_LOG, start_doses={ANLOTINIB: mg(8)})
    # new rule: the drug stops on the AE date, with no hold; the recovery row has no effect
    # (docs/dose-modification.md, "One drug course" 3 and "Nothing vanishes")
    assert plan.discontinued[ANLOTINIB] == dt.date(2022, 1, 10)
    stop, after = plan.decisions
    assert stop.action == "discontinue" and stop.date == dt.date(2022, 1, 10)
    assert (after.action, after.date) == ("no effect", dt.date(2022, 1, 14))
    assert not kinds(plan, ANLOTINIB, "held")
    assert "label" in stop.reason
    assert "anlotinib label" in stop.reason and "lowest dose" in stop.reason
    assert stop.source is not None and stop.source.kind is SourceKind.LABEL
    doses = kinds(plan, ANLOTINIB, "dose")
    assert [e.date for e in doses] == [dt.date(2022, 1, d) for d in range(3, 10)]
    assert {in_mg(e.dose) for e in doses} == {8.0}
    assert in_mg(drug_summary(plan, ANLOTINIB).delivered_total) == 56.0


def test_open_hold_on_a_planned_day1_still_gives_a_plan():
    # The README's AE log without its recovery row: the usual state of a log on the day a
    # grade 3 AE is recorded. Cycle 1 must still be laid out, days 8-14 held.
    plan = anlotinib_plan(dt.date(2022, 1, 3), "2022-01-10,hand-foot skin reaction,3\n")
    events = by_date(plan)
    assert all(events[dt.date(2022, 1, d)] == ("dose", 12.0) for d in range(3, 10))
    assert all(events[dt.date(2022, 1, d)] == ("held", None) for d in range(10, 17))
    assert not [d for d, (kind, _) in events.items() if kind == "dose" and d > dt.date(2022, 1, 9)]
    waiting = [d for d in plan.decisions if d.action == "waiting"]
    assert len(waiting) == 1
    assert waiting[0].date == dt.date(2022, 1, 24)
    assert "waits for recovery" in waiting[0].reason


def test_rows_after_the_last_cycle_on_several_dates_are_each_listed_as_no_effect() -> None:
    # "Nothing vanishes": with no hold open, every row after the last cycle (2024-03-31) is
    # listed, whatever its date.
    stopped, actions = _actions(
        [ae(dt.date(2024, 4, 10), "fatigue", 1), ae(dt.date(2024, 4, 20), "fatigue", 2)]
    )
    assert stopped == {}
    assert actions == [("2024-04-10", "no effect"), ("2024-04-20", "no effect")]


# ---------------------------------------------------------------------------------------------
# Courses that share their cycles (start = { with = X, same_cycle = true }): gemcitabine-
# docetaxel, whose docetaxel day 8 belongs to gemcitabine's cycle. Expected by hand from the
# regimen file and the lab rules of docs/dose-modification.md: cycle 2 day 1 is planned on
# 2022-01-03 + 21 d = 2022-01-24; an ANC of 1.3 (below 1.5) that day delays gemcitabine's day
# 1 until the next result meeting the full band (2022-01-26); docetaxel's cycle 2 moves with it,
# so its day 8 is 2022-01-26 + 7 d = 2022-02-02 (on its own it would stay 2022-01-31).

GT_LABS = (
    "date,test,value\n"
    "2022-01-03,anc,2.4 10^9/L\n2022-01-03,platelets,210 10^9/L\n"
    "2022-01-10,anc,2.0 10^9/L\n2022-01-10,platelets,160 10^9/L\n"
    "2022-01-24,anc,1.3 10^9/L\n2022-01-24,platelets,190 10^9/L\n"
)
GT_RECOVERED = "2022-01-26,anc,1.8 10^9/L\n2022-01-26,platelets,200 10^9/L\n"


def _gt_plan(labs: str, same_cycle: bool = True, cycles: int = 2) -> Plan:
    from importlib.resources import files

    from regimen.dosing import resolve
    from regimen.loading import parse_lab_log, parse_regimen
    from regimen.measurements import Measurements

    # The bundled file as the loader finds it (mutmut runs the tests from another folder).
    text = (files("regimen.regimens") / "gemcitabine-docetaxel.toml").read_text("utf-8")
    if not same_cycle:
        text = text.replace(', same_cycle = true }', " }")
    reg = parse_regimen(text, "gt.toml", "gemcitabine-docetaxel")
    body = Measurements(height=quantity(170, "cm"), weight=quantity(70, "kg"))
    reg, _ = resolve(reg, body, dt.date(2022, 1, 3), {}, "mosteller")
    results = parse_lab_log(labs, "labs.csv")
    return build_plan(reg, dt.date(2022, 1, 3), cycles=cycles, lab_results=results)


def _doses(plan: Plan, course: str) -> list[tuple[dt.date, int | None, int | None]]:
    return [(e.date, e.cycle, e.day) for e in plan.course_events(course) if e.kind == "dose"]


def test_shared_cycle_moves_with_the_delayed_day_1() -> None:
    plan = _gt_plan(GT_LABS + GT_RECOVERED)
    assert _doses(plan, "docetaxel") == [
        (dt.date(2022, 1, 10), 1, 8),
        (dt.date(2022, 2, 2), 2, 8),
    ]
    assert [(c.number, c.planned_day1, c.day1) for c in plan.cycles if c.course == "docetaxel"] \
        == [(1, dt.date(2022, 1, 3), dt.date(2022, 1, 3)),
            (2, dt.date(2022, 1, 24), dt.date(2022, 1, 26))]  # fmt: skip
    moved = [d for d in plan.decisions if d.course == "docetaxel" and d.action == "delay"]
    assert len(moved) == 1 and moved[0].date == dt.date(2022, 1, 26)
    assert moved[0].reason == (
        "cycle 2 day 1 moved from 2022-01-24 to 2022-01-26 with cycle 2 of gemcitabine (the "
        "two share their cycles)"
    )
    assert magnitude(moved[0].dose_before, "mg") == magnitude(moved[0].dose_after, "mg") == 181.8
    assert plan.outcomes["docetaxel"].held == frozenset(
        {dt.date(2022, 1, 24), dt.date(2022, 1, 25)}
    )
    assert plan.day_state("docetaxel", dt.date(2022, 1, 25)).kind is DayKind.WAITING
    assert not any("drifted apart" in w for w in plan.warnings)


def test_without_same_cycle_the_courses_drift_and_say_so() -> None:
    plan = _gt_plan(GT_LABS + GT_RECOVERED, same_cycle=False)
    assert _doses(plan, "docetaxel")[1] == (dt.date(2022, 1, 31), 2, 8)
    assert any("drifted apart" in w for w in plan.warnings)


def test_shared_cycle_waits_when_the_other_course_waits() -> None:
    plan = _gt_plan(GT_LABS, cycles=3)
    assert _doses(plan, "docetaxel") == [(dt.date(2022, 1, 10), 1, 8)]
    waits = [d for d in plan.decisions if d.course == "docetaxel" and d.action == "waiting"]
    assert [(w.date, w.dose_after) for w in waits] == [(dt.date(2022, 1, 24), None)]
    assert magnitude(waits[0].dose_before, "mg") == 181.8
    assert waits[0].reason == (
        "cycle 2 day 1 (planned 2022-01-24) waits with cycle 2 of gemcitabine (the two share "
        "their cycles); no later cycles are laid out until it starts"
    )
    assert plan.status("docetaxel", dt.date(2022, 1, 24)) is Status.WAITING
    assert plan.outcomes["docetaxel"].waiting_from == dt.date(2022, 1, 24)
    assert plan.outcomes["docetaxel"].open_hold == "waiting with gemcitabine"


def test_shared_cycle_on_time_changes_nothing() -> None:
    # Counts fine on every day 1: both courses keep their planned days, no delay decision.
    labs = GT_LABS.replace("2022-01-24,anc,1.3", "2022-01-24,anc,1.6")
    plan = _gt_plan(labs)
    assert _doses(plan, "docetaxel") == [(dt.date(2022, 1, 10), 1, 8), (dt.date(2022, 1, 31), 2, 8)]
    assert not [d for d in plan.decisions if d.course == "docetaxel" and d.action == "delay"]
    assert plan.outcomes["docetaxel"].held == frozenset()


# --- phases of two or three fractions a day (issue 13, item 3) --------------------------------
# The module docstring's rule: a phase with m fractions a day lays m fractions (sessions 1..m)
# on each treatment day, never running into the next phase, which starts on a day of its own;
# with an RT log, a logged day of such a phase has a row for each fraction the plan lays then.
# Monday 2026-10-05 starts every course here (Monday-Friday: 5-9, 12-16 October).

BID_MON = dt.date(2026, 10, 5)


def _bid_regimen(*phases: Phase) -> Regimen:
    return Regimen("bid", "BID", (RadiotherapyCourse("rt", phases),))


def _bid(n: int, technique: str = "BID", m: int = 2, hours: float = 8) -> Phase:
    return Phase(
        n,
        quantity(1.5, "Gy"),
        technique,
        fractions_per_day=m,
        interval=quantity(hours, "h"),
    )


def _bid_log(regimen: Regimen, text: str) -> Plan:
    from regimen.rtlog import parse_rt_log

    log = parse_rt_log(text, "log.csv", regimen)
    return build_plan(regimen, BID_MON, rt_log=log)


def _log_error(call: Callable[[], object]) -> str:
    """The message of the LoadError ``call()`` raises (``file: line N: what``)."""
    with pytest.raises(LoadError) as err:
        call()
    return str(err.value)


def _rt_rows(plan: Plan) -> list[tuple[dt.date, int | None, int | None, int | None, str]]:
    return [
        (e.date, e.fraction, e.phase, e.session, e.label)
        for e in plan.course_events("rt")
        if e.kind == "fraction"
    ]


def test_bid_phase_lays_two_sessions_a_day_then_a_daily_phase_starts_a_new_day() -> None:
    plan = build_plan(_bid_regimen(_bid(4), Phase(2, quantity(2, "Gy"), "Boost")), BID_MON)
    d = dt.date
    assert _rt_rows(plan) == [
        (d(2026, 10, 5), 1, 1, 1, "Radiotherapy 1 of 6 (BID 1 of 4), session 1 of 2 that day"),
        (d(2026, 10, 5), 2, 1, 2, "Radiotherapy 2 of 6 (BID 2 of 4), session 2 of 2 that day"),
        (d(2026, 10, 6), 3, 1, 1, "Radiotherapy 3 of 6 (BID 3 of 4), session 1 of 2 that day"),
        (d(2026, 10, 6), 4, 1, 2, "Radiotherapy 4 of 6 (BID 4 of 4), session 2 of 2 that day"),
        (d(2026, 10, 7), 5, 2, None, "Radiotherapy 5 of 6 (Boost 1 of 2)"),
        (d(2026, 10, 8), 6, 2, None, "Radiotherapy 6 of 6 (Boost 2 of 2)"),
    ]
    assert plan.overall_time("rt") == 3
    assert plan.warnings == ()  # 8 h apart: no warning


def test_daily_phase_then_thrice_daily_phase_starts_on_the_next_day() -> None:
    reg = _bid_regimen(Phase(1, quantity(2, "Gy"), "Daily"), _bid(3, "TID", 3, 6))
    plan = build_plan(reg, BID_MON)
    assert [(e.date.day, e.fraction, e.session) for e in plan.events] == [
        (5, 1, None),
        (6, 2, 1),
        (6, 3, 2),
        (6, 4, 3),
    ]
    assert plan.events[2].label == "Radiotherapy 3 of 4 (TID 2 of 3), session 2 of 3 that day"
    warning = (
        "TID: 3 fractions a day, 6 h apart: less than 8 h between fractions, late-responding "
        "tissue may not have repaired as fully as the incomplete-repair factor assumes (under "
        "6 h is refused; 8 h or more is the safer choice)"
    )
    assert plan.warnings == (warning,)


def test_bid_log_missed_session_leaves_a_last_day_of_one_fraction() -> None:
    # Session 2 of Monday missed: fraction 2 is due again on Tuesday (sessions 1 and 2 give
    # fractions 2 and 3); fraction 4, the phase's last, is alone on Wednesday (session 1, no
    # "of the day" text); the boost starts on Thursday.
    reg = _bid_regimen(_bid(4), Phase(1, quantity(2, "Gy"), "Boost"))
    text = "date,status,session,time\n2026-10-05,delivered,1,08:00\n2026-10-05,missed,2,16:00\n"
    plan = _bid_log(reg, text)
    rows = [
        (e.date.day, e.fraction, e.session, e.status)
        for e in plan.course_events("rt")
        if e.kind == "fraction"
    ]
    assert rows == [
        (5, 1, 1, "delivered"),
        (5, 2, 2, "missed"),
        (6, 2, 1, "planned"),
        (6, 3, 2, "planned"),
        (7, 4, 1, "planned"),
        (8, 5, None, "planned"),
    ]
    assert plan.course_events("rt")[4].label == "Radiotherapy 4 of 5 (BID 4 of 4)"


@pytest.mark.parametrize(
    ("rows", "line", "count"),
    [
        ("2026-10-05,delivered,1,08:00\n", 2, 1),
        (
            "2026-10-05,delivered,1,08:00\n2026-10-05,delivered,2,16:00\n"
            "2026-10-05,delivered,3,23:00\n",
            4,
            3,
        ),
    ],
)
def test_bid_logged_day_needs_a_row_for_each_fraction(rows: str, line: int, count: int) -> None:
    reg = _bid_regimen(_bid(4))
    message = _log_error(lambda: _bid_log(reg, "date,status,session,time\n" + rows))
    assert message == (
        f"log.csv: line {line}: the rows on 2026-10-05 ({count}) are not the 2 fractions BID "
        "gives that day (2 fractions a day, 8 h apart): log each session, delivered or missed"
    )


def test_bid_logged_day_names_an_unnamed_phase_by_its_number() -> None:
    reg = _bid_regimen(Phase(1, quantity(2, "Gy"), "Daily"), _bid(2, ""))
    text = "date,status\n2026-10-05,delivered\n2026-10-06,delivered\n"
    assert _log_error(lambda: _bid_log(reg, text)) == (
        "log.csv: line 3: the rows on 2026-10-06 (1) are not the 2 fractions phase 2 gives "
        "that day (2 fractions a day, 8 h apart): log each session, delivered or missed"
    )


def test_bid_logged_day_with_both_sessions_and_a_daily_day_with_two_are_laid() -> None:
    # A once-daily phase may still log two sessions on a day (compensation): no check there.
    reg = _bid_regimen(Phase(2, quantity(2, "Gy"), "Daily"), _bid(2))
    text = (
        "date,status,session,time\n2026-10-05,delivered,1,08:00\n2026-10-05,delivered,2,16:00\n"
        "2026-10-06,delivered,1,08:00\n2026-10-06,delivered,2,16:00\n"
    )
    plan = _bid_log(reg, text)
    assert [(e.date.day, e.fraction, e.session) for e in plan.events] == [
        (5, 1, 1),
        (5, 2, 2),
        (6, 3, 1),
        (6, 4, 2),
    ]


def test_bid_rows_beyond_the_last_fraction_are_more_than_planned() -> None:
    reg = _bid_regimen(_bid(2))
    text = (
        "date,status,session,time\n2026-10-05,delivered,1,08:00\n2026-10-05,delivered,2,16:00\n"
        "2026-10-06,delivered,1,08:00\n2026-10-06,delivered,2,16:00\n"
    )
    assert _log_error(lambda: _bid_log(reg, text)) == (
        "log.csv: line 4: rt plans 2 fractions, all given or planned before this row: the log "
        "delivers more fractions than planned"
    )

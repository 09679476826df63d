"""Drug courses on a plan: totals planned and delivered, dispensing per cycle, relative dose
intensity with its basis, and the status, hold and resume dose as of a date.

Everything clinical that an output shows about a drug course is computed here, so exporters
only format.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import cast

import attrs

from regimen.drugs import DrugCourse, make_dose
from regimen.errors import InputError
from regimen.modification import Decision, DecisionKind
from regimen.schedule import Plan, Status
from regimen.units import (
    Amount,
    Quantity,
    magnitude,
    quantity,
    to_unit,
    unit_symbol,
)

#: alpha/beta values shown when the user gives none [Gy] (tumour/early 10 Gy, late 3 Gy).



@attrs.frozen
class Dispense:
    """Units of one strength to dispense for one cycle."""

    cycle: int
    strength: Amount
    count: int


@attrs.frozen
class RdiBasis:
    """What a relative dose intensity is measured against (for the text's formula and JSON)."""

    standard_per_cycle: Amount  # the protocol's dose per cycle [mg]
    cycle_length: int  # [d]
    period_start: dt.date
    period_end: dt.date
    delivered: Amount  # in the period, on or before the as-of date [mg]

    @property
    def period_days(self) -> int:
        """Days in the period, both ends included."""
        return (self.period_end - self.period_start).days + 1

    @property
    def period_weeks(self) -> float:
        """The period in weeks [wk]."""
        return self.period_days / 7

    @property
    def cycle_weeks(self) -> float:
        """The cycle length in weeks [wk]."""
        return self.cycle_length / 7


@attrs.frozen
class DrugSummary:
    """Planned against delivered figures of one drug course in a plan, as of a date."""

    course: str
    drug: str
    as_of: dt.date
    status: Status
    planned_total: Amount
    delivered_total: Amount
    dosing_days_planned: int
    dosing_days_delivered: int
    dispense: tuple[Dispense, ...]
    dosage_form: str
    relative_dose_intensity: float | None
    rdi_basis: RdiBasis | None
    current_dose: Amount | None
    next_cycle_start: dt.date | None
    discontinued_on: dt.date | None
    cycles_planned: int
    cycles_started: int
    #: While on hold: what the hold is and the dose it resumes at.
    hold: str = ""
    resume_dose: Amount | None = None
    #: While waiting: the cycle whose day 1 waits.
    waiting_cycle: int | None = None


def units_for_dose(dose: Amount, strengths: Sequence[Amount]) -> tuple[Amount, int] | None:
    """The strength giving ``dose`` as whole units of one strength, in the fewest units.

    >>> from regimen.units import quantity as q, format_quantity
    >>> s, n = units_for_dose(q(10, "mg"), [q(12, "mg"), q(10, "mg"), q(8, "mg")])
    >>> format_quantity(s), n
    ('10 mg', 1)
    >>> units_for_dose(q(5, "mg"), [q(12, "mg")]) is None
    True
    """
    made = make_dose(dose, strengths)
    if made is None or len(made) != 1:
        return None
    return made[0]


def drug_summary(plan: Plan, course_id: str, as_of: dt.date | None = None) -> DrugSummary:
    """Planned and delivered totals, dispensing, dose intensity and status of one drug course.

    *Planned* is the plan's start dose on every dose of the laid-out cycles. *Delivered* counts
    the doses of the plan dated on or before ``as_of`` (default: the plan's last date); held
    days give nothing. Relative dose intensity is against the protocol's standard dose (the
    regimen file's start level), whatever ``--start-dose`` says::

        RDI = (delivered / period) / (standard dose per cycle / cycle length)

    over the period from the first cycle's day 1 to the last day of the last cycle started on
    or before ``as_of`` (docs/dose-modification.md).
    """
    course = plan.regimen.course(course_id)
    if not isinstance(course, DrugCourse):
        raise InputError(f"{course_id!r} is not a drug course")
    outcome = plan.outcomes[course_id]
    when = as_of if as_of is not None else (plan.last_date or plan.start)
    per_day = course.schedule.doses_per_day
    events = plan.course_events(course_id)
    doses = [e for e in events if e.kind == "dose" and e.dose is not None]
    given = [e for e in doses if e.date <= when]
    n_cycles = outcome.cycles_laid
    cycles = [c for c in plan.cycles if c.course == course_id]
    started = [c for c in cycles if c.day1 <= when]
    planned_doses = n_cycles * course.doses_per_cycle
    planned_mg = planned_doses * magnitude(outcome.start_dose, "mg")
    delivered_mg = math.fsum(magnitude(e.dose, "mg") for e in given if e.dose is not None) * per_day
    unit = unit_symbol(course.start_dose)

    dispense: list[Dispense] = []
    # Each dose goes to its cycle in one pass (not one pass over the doses per cycle), and each
    # distinct dose is made up from the strengths once per course, not once per dose.
    by_cycle: dict[int | None, list[Quantity]] = {}
    for e in doses:
        if e.dose is not None:
            by_cycle.setdefault(e.cycle, []).append(e.dose)
    for c in cycles:
        per_strength: dict[float, tuple[Amount, int]] = {}
        for dose in by_cycle.get(c.number, ()):
            made = _made(course, dose) if course.strengths else None
            for strength, count in made or ():
                key = magnitude(strength, "mg")
                q, n = per_strength.get(key, (strength, 0))
                per_strength[key] = (q, n + count * per_day)
        for key in sorted(per_strength, reverse=True):
            q, n = per_strength[key]
            dispense.append(Dispense(c.number, q, n))

    rdi: float | None = None
    basis: RdiBasis | None = None
    standard = magnitude(course.start_dose, "mg") * course.doses_per_cycle
    if started and standard > 0:
        end = started[-1].end(course.cycle_length)
        basis = RdiBasis(
            standard_per_cycle=to_unit(quantity(standard, "mg"), unit),
            cycle_length=course.cycle_length,
            period_start=started[0].day1,
            period_end=end,
            delivered=to_unit(quantity(delivered_mg, "mg"), unit),
        )
        rdi = (delivered_mg / basis.period_days) / (standard / course.cycle_length)

    status = plan.status(course_id, when)
    stopped = outcome.discontinued_on if status is Status.DISCONTINUED else None
    next_start = None
    if status in (Status.ACTIVE, Status.NOT_STARTED):
        later = [c.day1 for c in cycles if c.day1 > when]
        if later:
            next_start = later[0]
        elif cycles and (course.cycles is None or len(cycles) < course.cycles):
            after = cycles[-1].day1 + dt.timedelta(days=course.cycle_length)
            # Past the laid-out cycles the plan knows no later day 1: none rather than a guess.
            next_start = after if after > when else None
    hold, resume = "", None
    if status is Status.ON_HOLD or status is Status.WAITING:
        hold, resume = _hold_as_of(plan, course_id, when)
    waiting_cycle = None
    if status is Status.WAITING:
        waiting_cycle = len(cycles) + 1
    return DrugSummary(
        course=course_id,
        drug=course.drug,
        as_of=when,
        status=status,
        planned_total=to_unit(quantity(planned_mg, "mg"), unit),
        delivered_total=to_unit(quantity(delivered_mg, "mg"), unit),
        dosing_days_planned=n_cycles
        * sum(1 for d in course.dosing_days if course.is_dosing_day(d)),
        dosing_days_delivered=len(given),
        dispense=tuple(dispense),
        dosage_form=course.dosage_form,
        relative_dose_intensity=rdi,
        rdi_basis=basis,
        current_dose=plan.dose_in_force(course_id, when),
        next_cycle_start=next_start,
        discontinued_on=stopped,
        cycles_planned=n_cycles,
        cycles_started=len(started),
        hold=hold,
        resume_dose=resume,
        waiting_cycle=waiting_cycle,
    )


#: A dose made up from strengths: (strength, units) pairs, or None when none makes it.
Made = tuple[tuple[Amount, int], ...] | None

#: id(course) -> (the course, its doses made up from its strengths, keyed by unit and
#: magnitude). Keyed by id: hashing a frozen course would hash its pint quantities. The course is
#: kept in the entry, so its id cannot be reused while the entry lives.
_MADE_DOSES: dict[int, tuple[DrugCourse, dict[tuple[str, float], Made]]] = {}
#: Courses remembered at most (a batch has a few regimens; a long test run makes many).
_MADE_COURSES = 64


def _made(course: DrugCourse, dose: Quantity) -> Made:
    """:func:`make_dose` of ``dose`` from the course's strengths, worked out once per course and
    dose (it depends on neither the patient nor the plan)."""
    entry = _MADE_DOSES.get(id(course))
    if entry is None or entry[0] is not course:
        if len(_MADE_DOSES) >= _MADE_COURSES:
            _MADE_DOSES.clear()
        entry = _MADE_DOSES[id(course)] = (course, {})
    key = (unit_symbol(dose), float(dose.magnitude))
    memo = entry[1]
    if key not in memo:
        # A drug course's events carry amounts (Event.dose also holds radiotherapy doses).
        memo[key] = make_dose(cast("Amount", dose), course.strengths)
    return memo[key]


def _hold_as_of(plan: Plan, course_id: str, when: dt.date) -> tuple[str, Amount | None]:
    """The hold in force on ``when`` as words, and the dose it resumes at."""
    outcome = plan.outcomes[course_id]
    opened: list[Decision] = []
    resume: Amount | None = None
    for d in plan.decisions:
        if d.course != course_id:
            continue
        if d.date <= when:
            if d.kind is DecisionKind.HOLD:
                opened.append(d)
            elif d.kind is DecisionKind.RESUME:
                opened = []
        elif d.kind is DecisionKind.RESUME and resume is None:
            resume = d.dose_after
    if resume is None:
        resume = outcome.final_dose
    words = "; ".join(
        f"on hold since {d.date.isoformat()} ({d.event.term} grade {d.event.grade}), until "
        f"grade {d.rule.until_grade if d.rule and d.rule.until_grade is not None else 1} or lower"
        for d in opened
        if d.event is not None
    )
    return words, resume

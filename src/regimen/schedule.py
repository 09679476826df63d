"""The calendar engine: lays a regimen on real dates and replays an AE log.

Pure: the caller passes the start date, options and AE rows; nothing here reads a clock or a
file. The result is a :class:`Plan`, an ordered, immutable list of events (one per fraction,
dosing day and held dosing day) plus every dose decision with its reason.

Placement
    The first course starts on ``start``; a course whose start rule says ``after = X`` starts
    ``gap`` days after X's last treatment day; ``with = X`` starts on X's first day;
    ``course_starts`` overrides any of these.
Radiotherapy
    One fraction per treatment day, phases back to back: Monday to Friday by default, less the
    public holidays of ``holidays_country``; with ``treat_makeup_days`` also on the official
    weekend make-up working days (China's adjusted working days).
Drugs
    Every calendar day of the cycle's dosing days. Holds, reductions, resumptions,
    discontinuation and moved day 1s follow :mod:`regimen.modification`.

Overall treatment time T of a radiotherapy course is the number of days from its first to its
last fraction (last - first), the convention of Fowler (Br J Radiol 1989;62:679): 30 fractions
Monday-Friday over 6 weeks give T = 39 d.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from regimen.drugs import MAX_CYCLES, DrugCourse
from regimen.errors import InputError
from regimen.model import Regimen
from regimen.modification import AdverseEvent, Decision, DoseState
from regimen.radiotherapy import RadiotherapyCourse, TreatmentDays
from regimen.units import Quantity, magnitude

EventKind = Literal["fraction", "dose", "held"]

#: Cycles laid out for an open-ended course when no number is given: 6 cycles of 21 days is
#: 18 weeks, two response assessments at the usual every-6-weeks interval.
DEFAULT_OPEN_ENDED_CYCLES = 6

#: The latest date a plan may reach; beyond it a horizon is refused as absurd.
MAX_DATE = dt.date(2200, 12, 31)
MIN_DATE = dt.date(1900, 1, 1)


@attrs.frozen
class Event:
    """One dated event of a plan."""

    date: dt.date
    course: str
    kind: EventKind
    dose: Quantity | None
    label: str
    fraction: int | None = None  # 1-based within the course
    fractions_total: int | None = None
    phase: int | None = None  # 1-based
    technique: str = ""
    cycle: int | None = None
    day: int | None = None


@attrs.frozen
class Cycle:
    """A drug cycle as placed: its planned and actual day 1 and its last day."""

    course: str
    number: int
    planned_day1: dt.date
    day1: dt.date

    def end(self, length: int) -> dt.date:
        """The cycle's last day (day ``length``)."""
        return self.day1 + dt.timedelta(days=length - 1)


@attrs.frozen
class Skipped:
    """A weekday on which radiotherapy did not treat, and why."""

    date: dt.date
    course: str
    reason: str


@attrs.frozen
class Plan:
    """A regimen laid on dates."""

    regimen: Regimen
    start: dt.date
    events: tuple[Event, ...]
    decisions: tuple[Decision, ...]
    cycles: tuple[Cycle, ...]
    skipped: tuple[Skipped, ...]
    course_first: Mapping[str, dt.date]
    discontinued: Mapping[str, dt.date]
    final_dose: Mapping[str, Quantity]
    notes: tuple[str, ...]
    cycles_planned: Mapping[str, int]
    start_doses: Mapping[str, Quantity]
    held_dates: Mapping[str, frozenset[dt.date]]
    holidays_country: str | None = None
    treat_makeup_days: bool = False
    _cache: dict[str, list[tuple[dt.date, int]]] = attrs.field(
        factory=dict, eq=False, repr=False, init=False
    )
    _events_cache: dict[str, tuple[Event, ...]] = attrs.field(
        factory=dict, eq=False, repr=False, init=False
    )

    def cycle_day(self, course_id: str, date: dt.date) -> tuple[int, int] | None:
        """(cycle, day) of a drug course on ``date``, rest days included; None outside.

        A binary search over the course's day 1s, so a calendar of many cycles stays linear.
        """
        course = self.regimen.course(course_id)
        length = getattr(course, "cycle_length", None)
        if length is None:
            return None
        starts = self._day1s(course_id)
        i = bisect.bisect_right(starts, (date, 10**9)) - 1
        if i < 0:
            return None
        day1, number = starts[i]
        day = (date - day1).days + 1
        return (number, day) if day <= length else None

    def _day1s(self, course_id: str) -> list[tuple[dt.date, int]]:
        cache: dict[str, list[tuple[dt.date, int]]] = self._cache
        if course_id not in cache:
            cache[course_id] = sorted(
                (c.day1, c.number) for c in self.cycles if c.course == course_id
            )
        return cache[course_id]

    def dose_changes(self) -> frozenset[tuple[dt.date, str]]:
        """(date, course) of every dose given at a different level from the course's
        previous dose: where a patient's calendar must flag the change."""
        changed: set[tuple[dt.date, str]] = set()
        last: dict[str, float] = {}
        for e in self.events:
            if e.kind == "dose" and e.dose is not None:
                mg = magnitude(e.dose, "mg")
                if e.course in last and last[e.course] != mg:
                    changed.add((e.date, e.course))
                last[e.course] = mg
        return frozenset(changed)

    def course_events(self, course_id: str) -> tuple[Event, ...]:
        """Events of one course, in date order."""
        key = f"events:{course_id}"
        cache: dict[str, tuple[Event, ...]] = self._events_cache
        if key not in cache:
            cache[key] = tuple(e for e in self.events if e.course == course_id)
        return cache[key]

    def overall_time(self, course_id: str) -> int | None:
        """T [d] of a radiotherapy course: last fraction date - first fraction date."""
        dates = [e.date for e in self.course_events(course_id) if e.kind == "fraction"]
        return (max(dates) - min(dates)).days if dates else None

    @property
    def first_date(self) -> dt.date | None:
        """The first event's date."""
        return self.events[0].date if self.events else None

    @property
    def last_date(self) -> dt.date | None:
        """The last event's date."""
        return self.events[-1].date if self.events else None


class TreatmentDayCalendar:
    """Which days radiotherapy may treat on: weekdays, less holidays, plus make-up days."""

    def __init__(self, country: str | None = None, treat_makeup_days: bool = False) -> None:
        self.country = country
        self.treat_makeup_days = treat_makeup_days
        self._years: dict[int, Any] = {}
        if country is not None:
            import holidays

            if country not in holidays.list_supported_countries():
                raise InputError(
                    f"unknown country code {country!r} (use an ISO 3166 code such as CN, US, GB)",
                    where="--holidays",
                )

    def _load(self, year: int) -> Any:
        if year not in self._years:
            import holidays

            self._years[year] = holidays.country_holidays(str(self.country), years=year)
        return self._years[year]

    def holiday(self, date: dt.date) -> str | None:
        """The public holiday on ``date``, if any."""
        if self.country is None:
            return None
        name = self._load(date.year).get(date)
        return str(name) if name else None

    def makeup_day(self, date: dt.date) -> bool:
        """Whether ``date`` is an official weekend working day (make-up day)."""
        if self.country is None:
            return False
        return date in getattr(self._load(date.year), "weekend_workdays", set())

    def treats(self, date: dt.date, rule: TreatmentDays) -> bool:
        """Whether a phase with ``rule`` treats on ``date``."""
        if rule is TreatmentDays.EVERY_DAY:
            return self.holiday(date) is None if self.country else True
        if date.weekday() >= 5:
            return self.treat_makeup_days and self.makeup_day(date)
        return self.holiday(date) is None


def _check_date(date: dt.date, where: str) -> None:
    if not MIN_DATE <= date <= MAX_DATE:
        raise InputError(
            f"{date.isoformat()} is outside {MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}",
            where=where,
        )


def _day(d: dt.date, n: int = 1) -> dt.date:
    out = d + dt.timedelta(days=n)
    _check_date(out, "plan")
    return out


def build_plan(
    regimen: Regimen,
    start: dt.date,
    *,
    course_starts: Mapping[str, dt.date] | None = None,
    start_doses: Mapping[str, Quantity] | None = None,
    cycles: int | None = None,
    holidays_country: str | None = None,
    treat_makeup_days: bool = False,
    adverse_events: Sequence[AdverseEvent] = (),
) -> Plan:
    """Lay ``regimen`` on dates from ``start`` (see the module docstring).

    Parameters
    ----------
    course_starts : mapping of course id -> date
        Overrides the placement of those courses.
    start_doses : mapping of course id -> Quantity
        Start a drug course at another of its dose levels [mg].
    cycles : int, optional
        Number of cycles for every drug course (required for open-ended courses).
    adverse_events : sequence of AdverseEvent
        The AE log, in date order.
    """
    course_starts = dict(course_starts or {})
    start_doses = dict(start_doses or {})
    _check_date(start, "--start")
    for cid, date in course_starts.items():
        regimen.course(cid)  # unknown ids are an error
        _check_date(date, f"--course-start {cid}")
    for cid in start_doses:
        if not isinstance(regimen.course(cid), DrugCourse):
            raise InputError(f"{cid!r} is not a drug course", where=f"--start-dose {cid}")
    if cycles is not None and not 1 <= cycles <= MAX_CYCLES:
        raise InputError(f"must be between 1 and {MAX_CYCLES}, got {cycles}", where="--cycles")
    earliest = min([start, *course_starts.values()])
    for ae in adverse_events:
        if ae.date < earliest:
            raise InputError(
                f"line {ae.line}: {ae.date.isoformat()} is before the plan's start "
                f"({earliest.isoformat()})",
                where="AE log",
            )

    calendar = TreatmentDayCalendar(holidays_country, treat_makeup_days)
    events: list[Event] = []
    decisions: list[Decision] = []
    all_cycles: list[Cycle] = []
    skipped: list[Skipped] = []
    first: dict[str, dt.date] = {}
    last: dict[str, dt.date] = {}
    discontinued: dict[str, dt.date] = {}
    final_dose: dict[str, Quantity] = {}
    planned_cycles: dict[str, int] = {}
    start_levels: dict[DrugCourse, int] = {}
    held: dict[str, frozenset[dt.date]] = {}
    notes: list[str] = []

    for course in regimen.courses:
        rule = regimen.start_rule(course.id)
        if course.id in course_starts:
            begin = course_starts[course.id]
        elif rule.after is not None:
            begin = _day(last[rule.after], rule.gap)
            if rule.note:
                notes.append(f"{course.id}: {rule.note}")
        elif rule.with_course is not None:
            begin = first[rule.with_course]
        else:
            begin = start
        if isinstance(course, RadiotherapyCourse):
            evs, skips = _radiotherapy(course, begin, calendar)
            skipped.extend(skips)
        else:
            n = cycles if cycles is not None else course.cycles
            if n is None:
                n = DEFAULT_OPEN_ENDED_CYCLES
                notes.append(
                    f"{course.id}: open-ended (until progression or unacceptable toxicity); "
                    f"{n} cycles laid out by default, use --cycles N for another horizon"
                )
            planned_cycles[course.id] = n
            level = (
                course.level_index(start_doses[course.id], f"--start-dose {course.id}")
                if course.id in start_doses
                else course.level_index(course.start_dose)
            )
            start_levels[course] = level
            rows = [a for a in adverse_events if a.course in (None, course.id)]
            evs, cyc, state, held_days = _drug(course, begin, n, level, rows)
            held[course.id] = frozenset(held_days)
            all_cycles.extend(cyc)
            decisions.extend(state.decisions)
            if state.discontinued_on is not None:
                discontinued[course.id] = state.discontinued_on
            else:
                final_dose[course.id] = state.dose
        events.extend(evs)
        first[course.id] = evs[0].date if evs else begin
        given = [e.date for e in evs if e.kind != "held"] or [e.date for e in evs]
        last[course.id] = max(given) if given else discontinued.get(course.id, begin)

    if cycles is not None and not regimen.drugs:
        notes.append(f"--cycles {cycles} has no effect: {regimen.id} has no drug course")
    order = {c.id: i for i, c in enumerate(regimen.courses)}
    events.sort(key=lambda e: (e.date, order[e.course]))
    decisions.sort(key=lambda d: (d.date, order[d.course]))
    return Plan(
        regimen=regimen,
        start=start,
        events=tuple(events),
        decisions=tuple(decisions),
        cycles=tuple(all_cycles),
        skipped=tuple(skipped),
        course_first=first,
        discontinued=discontinued,
        final_dose=final_dose,
        notes=tuple(notes),
        cycles_planned=planned_cycles,
        start_doses={c.id: c.dose_levels[lv] for c, lv in start_levels.items()},
        held_dates=held,
        holidays_country=holidays_country,
        treat_makeup_days=treat_makeup_days,
    )


def _radiotherapy(
    course: RadiotherapyCourse, begin: dt.date, calendar: TreatmentDayCalendar
) -> tuple[list[Event], list[Skipped]]:
    events: list[Event] = []
    skipped: list[Skipped] = []
    date = begin
    number = 0
    total = course.fractions
    for p_index, phase in enumerate(course.phases, start=1):
        for k in range(1, phase.fractions + 1):
            while not calendar.treats(date, phase.treatment_days):
                name = calendar.holiday(date)
                if name and (phase.treatment_days is TreatmentDays.EVERY_DAY or date.weekday() < 5):
                    skipped.append(Skipped(date, course.id, f"public holiday: {name}"))
                date = _day(date)
            number += 1
            technique = phase.technique or f"Phase {p_index}"
            label = f"Radiotherapy {number} of {total}"
            if len(course.phases) > 1:
                label += f" ({technique} {k} of {phase.fractions})"
            events.append(
                Event(
                    date=date,
                    course=course.id,
                    kind="fraction",
                    dose=phase.dose_per_fraction,
                    label=label,
                    fraction=number,
                    fractions_total=total,
                    phase=p_index,
                    technique=technique,
                )
            )
            date = _day(date)
    return events, skipped


def _drug(
    course: DrugCourse,
    begin: dt.date,
    n_cycles: int,
    level: int,
    rows: Iterable[AdverseEvent],
) -> tuple[list[Event], list[Cycle], DoseState, set[dt.date]]:
    state = DoseState(
        course=course.id,
        levels=course.dose_levels,
        level=level,
        rules=course.rules,
        label_source=course.label_source,
    )
    pending = sorted(rows, key=lambda a: a.date)
    events: list[Event] = []
    cycles: list[Cycle] = []
    held: set[dt.date] = set()
    # Rows dated before the course's first day (e.g. during radiotherapy) still count: an
    # unresolved hold delays day 1, a reduction lowers the starting dose.
    date = min([begin, *(a.date for a in pending)])
    cycle, day = 1, 1
    planned_day1 = begin
    waiting = False
    while state.active and cycle <= n_cycles:
        while pending and pending[0].date == date:
            state.apply(pending.pop(0))
        state.tick(date)
        if not state.active:
            break
        if state.holding:
            held.add(date)
        if date < begin:
            date = _day(date)
            continue
        if day == 1 and not waiting and state.holding:
            waiting = True
        if waiting:
            if state.holding:
                if not pending and not state.hold_can_end:
                    # Nothing in the log can end this hold: the next cycle waits for a
                    # recovery row, so the plan stops here instead of guessing.
                    state.waiting(planned_day1, cycle)
                    break
                date = _day(date)
                continue
            waiting = False
            if date != planned_day1:
                state.delay(planned_day1, date, cycle)
        if day == 1:
            cycles.append(Cycle(course.id, cycle, planned_day1, date))
        if course.is_dosing_day(day):
            label = f"C{cycle}D{day}"
            if state.holding:
                events.append(
                    Event(date, course.id, "held", None, f"{label} held", cycle=cycle, day=day)
                )
            else:
                events.append(
                    Event(date, course.id, "dose", state.dose, label, cycle=cycle, day=day)
                )
        day += 1
        date = _day(date)
        if day > course.cycle_length:
            day = 1
            cycle += 1
            planned_day1 = date
    return events, cycles, state, held

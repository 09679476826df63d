"""The calendar engine: lays a regimen on real dates and replays an AE log.

Pure: the caller passes the start date, options and AE rows; nothing here reads a clock or a
file. The result is a :class:`Plan`, an ordered, immutable list of events (one per fraction,
dosing day and held dosing day) plus every dose decision with its reason.

Placement
    The first course starts on ``start``; a course whose start rule says ``after = X`` starts
    ``gap`` days after X's last treatment day; ``with = X`` starts on X's first day;
    ``course_starts`` overrides any of these.
Radiotherapy
    One fraction per treatment day (a twice- or thrice-daily phase: its 2 or 3, sessions 1..m,
    each phase starting on a day of its own), phases back to back: Monday to Friday by default,
    less the public holidays of ``holidays_country``; with ``treat_makeup_days`` also on the
    official weekend make-up working days (China's adjusted working days).
Drugs
    Every calendar day of the cycle's dosing days. Holds, reductions, resumptions,
    discontinuation and moved day 1s follow :mod:`regimen.modification`.

Overall treatment time T of a radiotherapy course is the number of days from its first to its
last fraction (last - first), the convention of Fowler (Br J Radiol 1989;62:679): 30 fractions
Monday-Friday over 6 weeks give T = 39 d.
"""

from __future__ import annotations

import bisect
import collections
import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from regimen.cumulative import Ledger
from regimen.drugs import MAX_CYCLES, DrugCourse
from regimen.errors import InputError
from regimen.labrules import (
    LabAction,
    LabDesk,
    LabResult,
    by_test,
    lab_decision,
    percent_dose,
    unapplied_warning,
    waiting_decision,
)
from regimen.modification import AdverseEvent, Decision, DecisionKind, DoseState
from regimen.radiotherapy import Phase, RadiotherapyCourse, TreatmentDays
from regimen.regimen import Regimen
from regimen.rtlog import RtLog, RtRow, refusal
from regimen.units import Amount, Quantity, magnitude

EventKind = Literal["fraction", "dose", "held"]
#: A fraction's status: laid as planned, delivered (an RT-log row) or missed (an RT-log row).
FractionStatus = Literal["planned", "delivered", "missed"]

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
    dose: Quantity | None  # a dose per fraction (Gy, cGy) or a drug amount (mg, mcg, g)
    label: str
    fraction: int | None = None  # 1-based within the course
    fractions_total: int | None = None
    phase: int | None = None  # 1-based
    technique: str = ""
    cycle: int | None = None
    day: int | None = None
    #: A dose a lab rule changed: ``dose`` is the amount given, ``level_dose`` the dose in force
    #: it is ``lab_percent`` % of; ``lab_reason`` says why (also on a day a lab rule held).
    level_dose: Quantity | None = None
    lab_percent: int | None = None
    lab_reason: str = ""
    #: A fraction's status (None for drug events); a missed fraction's ``fraction`` is the one
    #: that was due, ``dose`` None and ``reason`` the RT log's; ``session`` and ``clock`` (the
    #: time of day) come from the RT log.
    status: FractionStatus | None = None
    session: int | None = None
    clock: dt.time | None = None
    reason: str = ""


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


class DayKind(enum.Enum):
    """What a drug course does on one date: the one answer every exporter renders."""

    DOSE = "dose"
    HELD = "held"  # a dosing day with no dose: on hold
    REST = "rest"  # a rest day of a cycle
    REST_ON_HOLD = "rest on hold"
    WAITING = "waiting"  # between cycles, on hold: the next day 1 waits for recovery
    STOPPED = "stopped"  # on or after the discontinuation date
    NOT_STARTED = "not started"  # before the course's first day
    ENDED = "ended"  # after the last laid-out cycle


@attrs.frozen
class DayState:
    """The state of one drug course on one date."""

    course: str
    date: dt.date
    kind: DayKind
    event: Event | None = None
    cycle: int | None = None
    day: int | None = None
    #: For STOPPED: the discontinuation date.
    since: dt.date | None = None


class Status(enum.Enum):
    """Where a drug course stands on a date (``dose`` JSON ``status``)."""

    NOT_STARTED = "not_started"
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    WAITING = "waiting"
    DISCONTINUED = "discontinued"
    COMPLETED = "completed"


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
    outcomes: Mapping[str, DrugOutcome]
    notes: tuple[str, ...]
    #: Things a person should see (an option with no effect, cycles drifting apart...).
    warnings: tuple[str, ...] = ()
    holidays_country: str | None = None
    treat_makeup_days: bool = False
    #: Each drug course's cumulative dose for the patient (set by the application, which
    #: knows the patient's prior exposure and flags; empty when not computed).
    cumulative: tuple[Ledger, ...] = ()
    #: The RT log the fractions were laid with (None: laid as planned).
    rt_log: RtLog | None = None
    _cache: dict[str, list[tuple[dt.date, int]]] = attrs.field(
        factory=dict, eq=False, repr=False, init=False
    )
    _events_cache: dict[str, tuple[Event, ...]] = attrs.field(
        factory=dict, eq=False, repr=False, init=False
    )
    _by_day: dict[str, dict[dt.date, Event]] = attrs.field(
        factory=dict, eq=False, repr=False, init=False
    )

    @property
    def discontinued(self) -> dict[str, dt.date]:
        """Drug course id -> discontinuation date."""
        return {
            c: o.discontinued_on for c, o in self.outcomes.items() if o.discontinued_on is not None
        }

    @property
    def final_dose(self) -> dict[str, Amount]:
        """Drug course id -> the dose level in force at the end (not discontinued)."""
        return {c: o.final_dose for c, o in self.outcomes.items() if o.discontinued_on is None}

    @property
    def cycles_planned(self) -> dict[str, int]:
        """Drug course id -> cycles laid out."""
        return {c: o.cycles_laid for c, o in self.outcomes.items()}

    @property
    def start_doses(self) -> dict[str, Amount]:
        """Drug course id -> the dose the plan starts at."""
        return {c: o.start_dose for c, o in self.outcomes.items()}

    @property
    def held_dates(self) -> dict[str, frozenset[dt.date]]:
        """Drug course id -> dates on hold."""
        return {c: o.held for c, o in self.outcomes.items()}

    @property
    def needs_review(self) -> tuple[Decision, ...]:
        """Every decision the rules or the data do not settle, in date order."""
        return tuple(d for d in self.decisions if d.review)

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

    def day_state(self, course_id: str, date: dt.date) -> DayState:
        """What drug course ``course_id`` does on ``date`` (see :class:`DayKind`)."""
        outcome = self.outcomes[course_id]
        by_day = self._by_day.get(course_id)
        if by_day is None:
            by_day = {e.date: e for e in self.course_events(course_id)}
            self._by_day[course_id] = by_day
        event = by_day.get(date)
        if event is not None:
            kind = DayKind.DOSE if event.kind == "dose" else DayKind.HELD
            return DayState(course_id, date, kind, event, event.cycle, event.day)
        stop = outcome.discontinued_on
        if stop is not None and date >= stop:
            return DayState(course_id, date, DayKind.STOPPED, since=stop)
        cd = self.cycle_day(course_id, date)
        if cd is not None:
            kind = DayKind.REST_ON_HOLD if date in outcome.held else DayKind.REST
            return DayState(course_id, date, kind, cycle=cd[0], day=cd[1])
        if date < outcome.begin:
            return DayState(course_id, date, DayKind.NOT_STARTED)
        if date in outcome.held or (date > outcome.walked_to and outcome.open_hold):
            return DayState(course_id, date, DayKind.WAITING)
        return DayState(course_id, date, DayKind.ENDED)

    def status(self, course_id: str, as_of: dt.date) -> Status:
        """Where drug course ``course_id`` stands on ``as_of``."""
        outcome = self.outcomes[course_id]
        if outcome.discontinued_on is not None and outcome.discontinued_on <= as_of:
            return Status.DISCONTINUED
        state = self.day_state(course_id, as_of)
        if state.kind is DayKind.WAITING:
            return Status.WAITING
        if state.kind in (DayKind.HELD, DayKind.REST_ON_HOLD):
            return Status.ON_HOLD
        if state.kind is DayKind.NOT_STARTED:
            return Status.NOT_STARTED
        course = self.regimen.course(course_id)
        fixed = getattr(course, "cycles", None)
        cycles = self._day1s(course_id)
        length = int(getattr(course, "cycle_length", 1))
        if (
            fixed is not None
            and outcome.cycles_laid >= fixed
            and len(cycles) >= fixed
            and as_of >= cycles[-1][0] + dt.timedelta(days=length - 1)
        ):
            return Status.COMPLETED
        return Status.ACTIVE

    def dose_in_force(self, course_id: str, as_of: dt.date) -> Amount | None:
        """The dose level in force on ``as_of`` (None while on hold, waiting or stopped)."""
        if self.status(course_id, as_of) not in (Status.ACTIVE, Status.NOT_STARTED):
            return None
        dose = self.outcomes[course_id].start_dose
        for d in self.decisions:
            if (
                d.course == course_id
                and d.date <= as_of
                and d.dose_after is not None
                and d.kind not in _LAB_DAY_ONLY
            ):
                dose = d.dose_after
        return dose

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
        """T [d] of a radiotherapy course: last fraction date - first fraction date (missed
        fractions left out)."""
        dates = [
            e.date
            for e in self.course_events(course_id)
            if e.kind == "fraction" and e.status != "missed"
        ]
        return (max(dates) - min(dates)).days if dates else None

    @property
    def first_date(self) -> dt.date | None:
        """The first date of the plan: its first event or decision."""
        dates = [d.date for d in self.decisions[:1]] + [e.date for e in self.events[:1]]
        return min(dates) if dates else None

    @property
    def last_date(self) -> dt.date | None:
        """The last date of the plan: its last event or decision."""
        dates = [d.date for d in self.decisions[-1:]] + [e.date for e in self.events[-1:]]
        return max(dates) if dates else None


#: Lab decisions whose dose is the day's only: the dose in force does not change.
_LAB_DAY_ONLY = frozenset({DecisionKind.LAB_REDUCED})

#: A year every supported holiday data set covers, to ask what kind of calendar a country has.
_REFERENCE_YEAR = 2024


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

    def has_makeup_days(self) -> bool:
        """Whether the country's holiday data has official weekend make-up working days."""
        if self.country is None:
            return False
        data = self._load(_REFERENCE_YEAR)
        return bool(getattr(data, "weekend_workdays", None))

    def confirmed_until(self) -> int | None:
        """For a country whose holidays are announced year by year (with make-up working
        days), the last year its data holds announced dates; None otherwise."""
        if not self.has_makeup_days():
            return None
        announced = getattr(self._load(_REFERENCE_YEAR), "special_public_holidays", None) or {}
        years = [y for y in announced if isinstance(y, int)]
        return max(years) if years else None

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
    start_doses: Mapping[str, Amount] | None = None,
    cycles: int | None = None,
    holidays_country: str | None = None,
    treat_makeup_days: bool = False,
    adverse_events: Sequence[AdverseEvent] = (),
    lab_results: Sequence[LabResult] | None = None,
    rt_log: RtLog | None = None,
    allow_weekends: bool = False,
    allow_holidays: bool = False,
) -> Plan:
    """Lay ``regimen`` on dates from ``start`` (see the module docstring).

    Parameters
    ----------
    course_starts : mapping of course id -> date
        Overrides the placement of those courses.
    start_doses : mapping of course id -> Amount
        Start a drug course at another of its dose levels [mg].
    cycles : int, optional
        Number of cycles for every drug course (required for open-ended courses).
    adverse_events : sequence of AdverseEvent
        The AE log, in date order.
    lab_results : sequence of LabResult, optional
        The lab log; None (no log) leaves lab rules unapplied, with one warning.
    rt_log : RtLog, optional
        The radiotherapy treatment log (:mod:`regimen.rtlog`); ``allow_weekends`` and
        ``allow_holidays`` let its rows fall on weekend days and public holidays.
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
    outcomes: dict[str, DrugOutcome] = {}
    notes: list[str] = []
    warnings = _option_warnings(regimen, calendar, treat_makeup_days)
    warnings += [w for c in regimen.radiotherapy for w in c.warnings]
    warnings += list(rt_log.warnings) if rt_log else []
    labs = None if lab_results is None else by_test(lab_results)
    if labs is None:
        unapplied = unapplied_warning([(c.id, c.lab_rules) for c in regimen.drugs])
        warnings += [unapplied] if unapplied else []

    for course in regimen.courses:
        rule = regimen.start_rule(course.id)
        if course.id in course_starts:
            begin = course_starts[course.id]
            if rule.after is not None and begin <= last[rule.after]:
                warnings.append(
                    f"--course-start {course.id}={begin.isoformat()} is on or before the last "
                    f"treatment day of {rule.after} ({last[rule.after].isoformat()}): the "
                    f"regimen gives them one after the other, this plan overlaps them"
                )
        elif rule.after is not None:
            begin = _day(last[rule.after], rule.gap)
            if rule.note:
                notes.append(f"{course.id}: {rule.note}")
        elif rule.with_course is not None:
            begin = first[rule.with_course]
        else:
            begin = start
        if isinstance(course, RadiotherapyCourse):
            log = _Log(rt_log, allow_weekends, allow_holidays) if rt_log else None
            evs, skips = _radiotherapy(course, begin, calendar, log)
            skipped.extend(skips)
            notes.extend(log.notes if log else [])
            rows = [
                a
                for a in adverse_events
                if a.course == course.id or (a.course is None and not regimen.drugs)
            ]
            decisions.extend(_recorded(course.id, rows))
        else:
            n = cycles if cycles is not None else course.cycles
            if n is None:
                n = DEFAULT_OPEN_ENDED_CYCLES
                notes.append(
                    f"{course.id}: open-ended (until progression or unacceptable toxicity); "
                    f"{n} cycles laid out by default, use --cycles N for another horizon"
                )
            level = (
                course.level_index(start_doses[course.id], f"--start-dose {course.id}")
                if course.id in start_doses
                else course.level_index(course.start_dose)
            )
            rows = [a for a in adverse_events if a.course in (None, course.id)]
            desk = None if labs is None else LabDesk(course.lab_rules, labs)
            pacer = rule.with_course if rule.same_cycle else None
            paced = tuple(
                c.day1 for c in sorted(all_cycles, key=lambda c: c.number) if c.course == pacer
            )
            waits = pacer is not None and outcomes[pacer].waiting_from is not None
            evs, cyc, state, outcome = _drug(
                course, begin, n, level, rows, desk, (pacer, paced, waits)
            )
            if outcome.cycles_laid > n:
                notes.append(
                    f"{course.id}: the AE log runs to {rows[-1].date.isoformat()}: "
                    f"{outcome.cycles_laid} cycles laid out instead of {n}"
                )
            outcomes[course.id] = outcome
            all_cycles.extend(cyc)
            decisions.extend(state.decisions)
        events.extend(evs)
        first[course.id] = evs[0].date if evs else begin
        given = [e.date for e in evs if e.kind != "held"] or [e.date for e in evs]
        stopped = outcomes[course.id].discontinued_on if course.id in outcomes else None
        last[course.id] = max(given) if given else (stopped or begin)

    if cycles is not None and not regimen.drugs:
        notes.append(f"--cycles {cycles} has no effect: {regimen.id} has no drug course")
    warnings += _holiday_warnings(calendar, events)
    warnings += _drift_warnings(regimen, all_cycles)
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
        outcomes=outcomes,
        notes=tuple(notes),
        warnings=tuple(warnings),
        holidays_country=holidays_country,
        treat_makeup_days=treat_makeup_days,
        rt_log=rt_log,
    )


def _recorded(course_id: str, rows: Sequence[AdverseEvent]) -> list[Decision]:
    """AE rows attributed to a radiotherapy course: recorded, never acted on."""
    return [
        Decision(
            a.date,
            course_id,
            DecisionKind.RECORDED,
            None,
            None,
            f"{a.describe()}: recorded against {course_id}; regimen changes no radiotherapy "
            "automatically",
            a,
            review=f"{a.term} grade {a.grade} during radiotherapy: no rule changes radiotherapy",
        )
        for a in rows
    ]


def _option_warnings(
    regimen: Regimen, calendar: TreatmentDayCalendar, treat_makeup_days: bool
) -> list[str]:
    out: list[str] = []
    country = calendar.country
    if treat_makeup_days and country is None:
        out.append(
            "--treat-makeup-days has no effect without --holidays CC (make-up working days "
            "come from a country's holiday calendar)"
        )
    elif treat_makeup_days and not calendar.has_makeup_days():
        out.append(
            f"--treat-makeup-days has no effect: the holiday data of {country} lists no "
            "official weekend make-up working days"
        )
    if country is not None and not regimen.radiotherapy:
        out.append(
            f"--holidays has no effect: {regimen.id} has no radiotherapy course (drug cycles "
            "run on calendar days)"
        )
    return out


def _holiday_warnings(calendar: TreatmentDayCalendar, events: Sequence[Event]) -> list[str]:
    """Holiday arrangements announced year by year (China's) are estimates beyond the last
    announced year: say so rather than show them as fact."""
    confirmed = calendar.confirmed_until()
    if confirmed is None:
        return []
    years = sorted(
        {e.date.year for e in events if e.kind == "fraction" and e.date.year > confirmed}
    )
    if not years:
        return []
    return [
        f"the public holidays and make-up working days of {calendar.country} are officially "
        f"announced year by year; the holiday data confirms them up to {confirmed}, so "
        f"radiotherapy dates in {', '.join(map(str, years))} use estimated holidays: confirm "
        "them when the official calendar is published"
    ]


def _drift_warnings(regimen: Regimen, cycles: Sequence[Cycle]) -> list[str]:
    """A course that starts ``with`` another keeps its own cycles: say when their day 1s part."""
    out: list[str] = []
    for course in regimen.drugs:
        partner = regimen.start_rule(course.id).with_course
        if partner is None:
            continue
        mine = {c.number: c.day1 for c in cycles if c.course == course.id}
        theirs = {c.number: c.day1 for c in cycles if c.course == partner}
        for number in sorted(set(mine) & set(theirs)):
            if mine[number] != theirs[number]:
                out.append(
                    f"{course.id} and {partner} start together but their cycles have drifted "
                    f"apart: cycle {number} day 1 is {mine[number].isoformat()} for "
                    f"{course.id} and {theirs[number].isoformat()} for {partner} (each course "
                    "keeps its own cycles after a hold); needs clinician review"
                )
                break
    return out


class _Log:
    """An RT log being laid: its rows of one course at a time, the options that let a row fall
    on a non-treatment day, and the notes laying it leaves."""

    def __init__(self, log: RtLog, allow_weekends: bool, allow_holidays: bool) -> None:
        self.log = log
        self.allow = (allow_weekends, allow_holidays)
        self.notes: list[str] = []

    def rows(self, course_id: str) -> collections.deque[RtRow]:
        return collections.deque(self.log.rows_for(course_id))

    def check(self, row: RtRow, calendar: TreatmentDayCalendar, rule: TreatmentDays) -> None:
        """Refuse ``row`` on a day the phase does not treat (unless allowed)."""
        weekend_ok = rule is TreatmentDays.EVERY_DAY or calendar.treats(row.date, rule)
        why = refusal(row.date, calendar.holiday(row.date), weekend_ok, *self.allow)
        if why is not None:
            raise self.log.error(row, why)


def _radiotherapy(
    course: RadiotherapyCourse,
    begin: dt.date,
    calendar: TreatmentDayCalendar,
    log: _Log | None = None,
) -> tuple[list[Event], list[Skipped]]:
    """One fraction a treatment day from ``begin`` (a phase with m a day: m, sessions 1..m,
    never running into the next phase); with an RT log, a day with rows gets those rows instead
    (delivered: the next fraction with its dose; missed: the fraction due, shown missed), on
    any day the log may use (:meth:`_Log.check`); a day of a phase with m a day needs a row for
    each fraction the plan lays that day."""
    events: list[Event] = []
    skipped: list[Skipped] = []
    slots = [
        (p_index, phase, k)
        for p_index, phase in enumerate(course.phases, start=1)
        for k in range(1, phase.fractions + 1)
    ]
    total = course.fractions
    rows: collections.deque[RtRow] = log.rows(course.id) if log else collections.deque()
    date = begin
    while not calendar.treats(date, slots[0][1].treatment_days):
        date = _day(date)
    if rows and rows[0].date < date:
        assert log is not None  # noqa: S101 - rows come from a log
        raise log.log.error(
            rows[0],
            f"{rows[0].date.isoformat()} is before the first planned fraction of {course.id} "
            f"({date.isoformat()})",
        )
    date = begin
    number = 0
    unlogged = 0
    while number < total or rows:
        p_index, phase, k = slots[min(number, total - 1)]
        if rows and rows[0].date == date:
            assert log is not None  # noqa: S101 - rows come from a log
            if number < total and phase.fractions_per_day > 1:
                _check_day(log.log, rows, _per_day(phase, k), phase, p_index)
            while rows and rows[0].date == date:
                row = rows.popleft()
                if number >= total:
                    what = (
                        "delivers more fractions than planned"
                        if row.status == "delivered"
                        else "has a missed row after the last fraction"
                    )
                    raise log.log.error(
                        row,
                        f"{course.id} plans {total} fractions, all given or planned before "
                        f"this row: the log {what}",
                    )
                p_index, phase, k = slots[number]
                log.check(row, calendar, phase.treatment_days)
                if row.status == "missed":
                    events.append(_fraction(course, date, number + 1, p_index, phase, k, row))
                    continue
                number += 1
                planned = _fraction(course, date, number, p_index, phase, k)
                events.append(
                    attrs.evolve(
                        planned,
                        dose=row.dose or phase.dose_per_fraction,
                        status="delivered",
                        session=row.session,
                        clock=row.time,
                        reason=row.reason,
                    )
                )
        elif number >= total:
            date = rows[0].date  # only rows beyond the last fraction are left: refused above
            continue
        elif calendar.treats(date, phase.treatment_days):
            unlogged += bool(rows)
            several, count = phase.fractions_per_day > 1, _per_day(phase, k)
            for session in range(1, count + 1):
                number += 1
                p_index, phase, k = slots[number - 1]
                events.append(
                    _fraction(
                        course, date, number, p_index, phase, k, None, session * several, count
                    )
                )
        else:
            name = calendar.holiday(date)
            if name and (phase.treatment_days is TreatmentDays.EVERY_DAY or date.weekday() < 5):
                skipped.append(Skipped(date, course.id, f"public holiday: {name}"))
        date = _day(date)
    if unlogged and log is not None:
        days, verb = ("treatment day", "has") if unlogged == 1 else ("treatment days", "have")
        log.notes.append(
            f"{course.id}: {unlogged} {days} before the RT log's last row of the course {verb} "
            "no row: their fractions are shown as planned"
        )
    return events, skipped


def _per_day(phase: Phase, k: int) -> int:
    """Fractions laid on a treatment day whose first is the ``k``-th of ``phase``: its
    fractions a day, fewer when the phase has fewer left (it never runs into the next)."""
    return min(phase.fractions_per_day, phase.fractions - k + 1)


def _check_day(
    log: RtLog, rows: collections.deque[RtRow], expected: int, phase: Phase, p_index: int
) -> None:
    """A logged day of a phase with several fractions a day has a row for each (delivered or
    missed): a fraction the log leaves out of such a day is not moved silently."""
    day = [r for r in rows if r.date == rows[0].date]
    if len(day) != expected:
        name = phase.technique or f"phase {p_index}"
        raise log.error(
            day[-1],
            f"the rows on {day[0].date.isoformat()} ({len(day)}) are not the {expected} "
            f"fractions {name} gives that day ({phase.per_day_text}): log each session, "
            "delivered or missed",
        )


def _fraction(
    course: RadiotherapyCourse,
    date: dt.date,
    number: int,
    p_index: int,
    phase: Phase,
    k: int,
    missed: RtRow | None = None,
    session: int = 0,
    of: int = 1,
) -> Event:
    """Fraction ``number`` (the ``k``-th of phase ``p_index``) on ``date``, planned or missed;
    planned in a phase of several fractions a day, session ``session`` (0: none) of the ``of``
    laid that day."""
    technique = phase.technique or f"Phase {p_index}"
    label = f"Radiotherapy {number} of {course.fractions}"
    if len(course.phases) > 1:
        label += f" ({technique} {k} of {phase.fractions})"
    if of > 1:
        label += f", session {session} of {of} that day"
    return Event(
        date=date,
        course=course.id,
        kind="fraction",
        dose=None if missed else phase.dose_per_fraction,
        label=label + (": missed" if missed else ""),
        fraction=number,
        fractions_total=course.fractions,
        phase=p_index,
        technique=technique,
        status="missed" if missed else "planned",
        session=missed.session if missed else (session or None),
        clock=missed.time if missed else None,
        reason=missed.reason if missed else "",
    )


@attrs.frozen
class DrugOutcome:
    """How the replay of one drug course ended, and what it needs to answer day states."""

    course: str
    start_dose: Amount
    #: Cycles asked for (``--cycles`` or the course's own) and cycles laid out (more when
    #: AE-log rows run beyond the horizon).
    cycles_requested: int
    cycles_laid: int
    begin: dt.date
    #: The last date the replay walked through.
    walked_to: dt.date
    discontinued_on: dt.date | None
    #: The level in force at the end (the level it resumes at when a hold is open).
    final_dose: Amount
    #: Dates on hold from the course's first day on (held dosing days, rest days on hold, days
    #: a day 1 waits).
    held: frozenset[dt.date]
    #: The holds still in force at the end, as words ("" when none).
    open_hold: str = ""
    #: The date of a ``waiting`` decision: a day 1 that waits for a recovery row.
    waiting_from: dt.date | None = None


def _drug(
    course: DrugCourse,
    begin: dt.date,
    n_cycles: int,
    level: int,
    rows: Iterable[AdverseEvent],
    desk: LabDesk | None = None,
    paced: tuple[str | None, tuple[dt.date, ...], bool] = (None, (), False),
) -> tuple[list[Event], list[Cycle], DoseState, DrugOutcome]:
    state = DoseState(
        course=course.id,
        levels=course.dose_levels,
        level=level,
        rules=course.rules,
        label_source=course.label_source,
    )
    pending = collections.deque(sorted(rows, key=lambda a: a.date))
    events: list[Event] = []
    cycles: list[Cycle] = []
    held: set[dt.date] = set()
    # Rows dated before the course's first day (e.g. during radiotherapy) are replayed too:
    # they cannot change the dose (nothing was given), but a hold delays day 1.
    date = min([begin, *(a.date for a in pending)])
    cycle, day = 1, 1
    planned_day1 = begin
    waiting = False
    waiting_for = ""
    waiting_from: dt.date | None = None
    # A course sharing the cycles of another (``same_cycle``): that course's day 1 of each
    # cycle, which this course's day 1 waits for, and whether that course ends waiting.
    pacer, pace, pace_waits = paced
    # A day 1 that waits for counts (a lab rule's delay): the date the wait began.
    lab_delay: dt.date | None = None
    lab_waiting = ""
    # Rows after the horizon extend it, up to the course's own number of cycles if it has one.
    ceiling = MAX_CYCLES if course.cycles is None else max(course.cycles, n_cycles)
    laid = n_cycles
    last = date
    while state.active:
        if cycle > laid:
            if not pending or cycle > ceiling:
                break
            laid = cycle
        last = date
        while pending and pending[0].date == date:
            state.apply(pending.popleft())
        state.settle(date)
        if not state.active:
            break
        if date < begin:
            date = _day(date)
            continue
        if state.holding:
            held.add(date)
        if day == 1 and not waiting and state.holding:
            waiting, waiting_for = True, state.hold_text()
        if waiting:
            if state.holding:
                if not pending and not state.hold_can_end:
                    # Nothing in the log can end this hold: the next cycle waits for a
                    # recovery row, so the plan stops here instead of guessing a date.
                    state.waiting(planned_day1, cycle)
                    waiting_from = planned_day1
                    break
                date = _day(date)
                continue
            waiting = False
            if date != planned_day1:
                state.delay(planned_day1, date, cycle, waiting_for)
        if day == 1 and pace_waits and cycle > len(pace):
            # The shared cycle's day 1 waits for recovery or counts that the logs do not show:
            # this course waits with it, and the plan stops here.
            state.decisions.append(
                Decision(
                    planned_day1,
                    course.id,
                    DecisionKind.WAITING,
                    state.dose,
                    None,
                    f"cycle {cycle} day 1 (planned {planned_day1.isoformat()}) waits with "
                    f"cycle {cycle} of {pacer} (the two share their cycles); no later cycles "
                    "are laid out until it starts",
                )
            )
            waiting_from, lab_waiting = planned_day1, f"waiting with {pacer}"
            held.add(date)
            break
        if day == 1 and cycle <= len(pace) and date < pace[cycle - 1]:
            # The shared cycle's day 1 has moved: wait for it, as for a hold.
            held.add(date)
            date = _day(date)
            continue
        if day == 1 and cycle <= len(pace) and date != planned_day1:
            state.decisions.append(
                Decision(
                    date,
                    course.id,
                    DecisionKind.DELAY,
                    state.dose,
                    state.dose,
                    f"cycle {cycle} day 1 moved from {planned_day1.isoformat()} to "
                    f"{date.isoformat()} with cycle {cycle} of {pacer} (the two share their "
                    "cycles)",
                )
            )
        lab = None
        if desk is not None and not state.holding and course.is_dosing_day(day):
            lab = desk.evaluate(day, date, delaying=lab_delay is not None)
        if lab is not None and lab.action is LabAction.DELAY:
            held.add(date)
            if lab_delay is None:
                lab_delay = date
                state.decisions.append(lab_decision(course.id, lab, state.dose, None, cycle))
            if not lab.later:
                # No later result can end the wait: the plan stops here, as for an AE hold.
                wait = waiting_decision(course.id, lab, planned_day1, cycle, state.dose)
                state.decisions.append(wait)
                waiting_from, lab_waiting = planned_day1, "waiting for counts"
                break
            date = _day(date)
            continue
        if lab is not None and lab.action is LabAction.DISCONTINUE:
            state.decisions.append(lab_decision(course.id, lab, state.dose, None, cycle))
            state.discontinued_on = date
            break
        if day == 1:
            cycles.append(Cycle(course.id, cycle, planned_day1, date))
        if course.is_dosing_day(day):
            label = f"C{cycle}D{day}"
            if state.holding:
                events.append(
                    Event(date, course.id, "held", None, f"{label} held", cycle=cycle, day=day)
                )
            elif lab is not None and lab.action is LabAction.HOLD:
                decision = lab_decision(course.id, lab, state.dose, None, cycle)
                state.decisions.append(decision)
                events.append(
                    Event(
                        date,
                        course.id,
                        "held",
                        None,
                        f"{label} held",
                        cycle=cycle,
                        day=day,
                        lab_reason=decision.reason,
                    )
                )
            else:
                dose, level_dose, percent, why = state.dose, None, None, ""
                if lab is not None:
                    if lab.percent is not None:
                        level_dose, percent = state.dose, lab.percent
                        dose = percent_dose(level_dose, percent)
                    moved = planned_day1 if lab_delay else None
                    decision = lab_decision(course.id, lab, state.dose, dose, cycle, moved)
                    state.decisions.append(decision)
                    why = decision.reason if percent is not None else ""
                events.append(
                    Event(
                        date,
                        course.id,
                        "dose",
                        dose,
                        label,
                        cycle=cycle,
                        day=day,
                        level_dose=level_dose,
                        lab_percent=percent,
                        lab_reason=why,
                    )
                )
                state.started = True
        lab_delay = None
        day += 1
        date = _day(date)
        if day > course.cycle_length:
            day = 1
            cycle += 1
            planned_day1 = date
    # Rows after the course's last cycle. A hold still open at the end goes on: a row can end
    # it (recovery) or run into it, and a maximum hold runs out on its own date, before any
    # later row and whether or not later rows exist. Other rows change nothing.
    while pending:
        today = pending[0].date
        deadline = state.hold_deadline if state.active else None
        if deadline is not None and deadline < today:
            state.settle(deadline)
        if state.active and not state.holding:
            ended = cycles[-1].end(course.cycle_length)
            why = f"after the last cycle of {course.id} (ended {ended.isoformat()})"
            while pending and pending[0].date == today:
                state.no_effect(pending.popleft(), why)
            continue
        while pending and pending[0].date == today:
            state.apply(pending.popleft())
        state.settle(today)
    deadline = state.hold_deadline if state.active else None
    if deadline is not None:
        # A maximum hold still running when the log ends runs out all the same.
        state.settle(deadline)
    outcome = DrugOutcome(
        course=course.id,
        start_dose=course.dose_levels[level],
        cycles_requested=n_cycles,
        cycles_laid=laid,
        begin=begin,
        walked_to=last,
        discontinued_on=state.discontinued_on,
        final_dose=state.resume_dose,
        held=frozenset(held),
        open_hold=state.hold_text() or lab_waiting,
        waiting_from=waiting_from,
    )
    return events, cycles, state, outcome

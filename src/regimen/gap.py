"""Gap compensation: what an unscheduled interruption costs and how to make it up.

Pure: a plan laid with an RT log (:func:`regimen.schedule.build_plan` with ``rt_log``), the same
plan without the log, the tissues' parameters and the options in; the compensation options out,
each worked out on the real calendar (weekdays, public holidays, make-up days) of the plan.

The decision point is the RT log's last row of the course: every fraction dated on or before it
that is not missed was given (delivered, or a treatment day without a row, which the engine
lays as planned and notes); the remaining fractions start the day after it. The options, in
the order the guidance on unscheduled interruptions ranks them (see :data:`RANKING_SOURCE`):

``weekend`` / ``holiday``
    Treat on weekend days (``holiday``: public holidays; with ``allow_weekends`` weekend days
    too) after the gap, as few and as early as needed so the course ends on its planned last
    date, with the planned dose per fraction.
``twice-daily``
    Two fractions a day, ``bid_interval`` apart (at least 6 h; 6 to 8 h warned), on the first
    treatment days after the gap, as few days as needed to end on the planned last date (at most
    ``max_bid_days``). Late-tissue BED carries Thames's H_2 on those days
    (:func:`regimen.radiobiology.thames_h`); the repair half-time must be given (never a
    default). Tumour BED assumes full repair between fractions (not credited).
``higher-dose``
    The remaining fractions on the treatment days left before the planned last date, fewer of
    them, each with the dose that keeps the plan's tumour BED_T, rounded up to 0.01 Gy; when
    that raises the late-tissue EQD2 above the plan's, the dose that keeps the plan's late EQD2
    instead, rounded down to 0.01 Gy, and the tumour loss shown (Hendry 1996's methods 2b and
    2a). Only for remaining fractions of one dose.
``extra-fractions``
    The planned dose per fraction, fractions added on the next treatment days until the tumour
    EQD2_T is at least the plan's (each added day lengthens T; iterated on real dates).
``none``
    Carry on without compensation: the reference.

An option that cannot reach its aim (too few weekend days before the planned last date, more
twice-daily days than allowed) is not available and says why; where it can still be laid, its
closest schedule (ending late) is given beside it for comparison.

Time correction of the tumour, from the preset (or the options) and named: with Dprolif (Gy/d
of EQD2), EQD2_T = EQD2 - Dprolif x max(0, T - T_k) and BED_T = EQD2_T x (1 + 2 Gy / (α/β));
with K (Gy/d of BED), BED_T = BED - K x max(0, T - T_k) and EQD2_T = BED_T / (1 + 2 Gy / (α/β)).
The rate is never converted into the other.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

import attrs

from regimen import radiobiology as rb
from regimen.errors import InputError
from regimen.radiotherapy import MAX_FRACTIONS, RadiotherapyCourse, TreatmentDays
from regimen.rt_report import GIVEN, Origin
from regimen.rtlog import MIN_INTERVAL_H, WARN_INTERVAL_H, Convention, overall_days
from regimen.schedule import MAX_DATE, Event, Plan, TreatmentDayCalendar
from regimen.units import Dose, DoseRate, Duration, format_quantity, magnitude, quantity

Method = Literal["weekend", "holiday", "twice-daily", "higher-dose", "extra-fractions", "none"]
#: The options in the order they are ranked (``none`` last: the reference).
METHODS: tuple[Method, ...] = (
    "weekend",
    "holiday",
    "twice-daily",
    "higher-dose",
    "extra-fractions",
    "none",
)

#: Where the ranking comes from: said in every output.
RANKING_SOURCE = (
    "The options are ranked as the Royal College of Radiologists' guidance on unscheduled "
    "interruptions ranks them (Timely delivery of radical radiotherapy, 4th edition, 2019). "
    "Its text could not be read here: the ranking is taken from secondary sources, Hendry JH "
    "et al., Clin Oncol 1996;8(5):297-307 (doi:10.1016/S0936-6555(05)80715-0; abstract read: "
    "weekend treatment preferred (method 1a), then two fractions a day 6 to 8 h apart (1b), "
    "then a larger dose per fraction, late-isoeffective with a tumour loss (2a) or "
    "tumour-isoeffective with more late effect (2b), then a longer overall time), and Dale RG "
    "et al., Clin Oncol 2002;14:382-393 (doi:10.1053/clon.2002.0111; abstract read)."
)

#: Doses compared as equal within this [Gy] (float noise, far below any clinical difference).
TOLERANCE_GY = 1e-9
#: Dose per fraction steps of the higher-dose option [Gy].
ROUNDING_STEP = Decimal("0.01")
#: The most fractions the extra-fractions option may add.
MAX_EXTRA = MAX_FRACTIONS
#: The default interval between the two fractions of a twice-daily day [h].
DEFAULT_BID_INTERVAL_H = 6


@attrs.frozen
class Fraction:
    """One fraction of a schedule: its date, session of the day, dose, and the late tissue's
    incomplete-repair factor H_m of its day (0 on a day with one fraction)."""

    date: dt.date
    dose: Dose
    session: int = 1
    h: float = 0.0

    @property
    def gy(self) -> float:
        """The dose [Gy]."""
        return magnitude(self.dose, "Gy")


@attrs.frozen
class Rate:
    """The tumour's repopulation rate as the preset (or the user) gives it: Dprolif (Gy/d of
    EQD2) or K (Gy/d of BED), never converted into the other."""

    name: Literal["dprolif", "k"]
    value: DoseRate
    origin: Origin = GIVEN

    @property
    def gy_per_day(self) -> float:
        """The rate [Gy/d]."""
        return magnitude(self.value, "Gy/d")


@attrs.frozen
class Tissues:
    """The tumour's alpha/beta, repopulation rate and kick-off time, and the late tissue's
    alpha/beta and repair half-time (None when not known: twice-daily is then not offered),
    each with where it came from."""

    tumour_alpha_beta: Dose
    rate: Rate
    kickoff: Duration
    late_alpha_beta: Dose
    repair_half_time: Duration | None = None
    tumour_origin: Origin = GIVEN
    kickoff_origin: Origin = GIVEN
    late_origin: Origin = GIVEN
    half_time_origin: Origin = GIVEN

    @property
    def tumour_ab(self) -> float:
        """Tumour alpha/beta [Gy]."""
        return magnitude(self.tumour_alpha_beta, "Gy")

    @property
    def late_ab(self) -> float:
        """Late tissue alpha/beta [Gy]."""
        return magnitude(self.late_alpha_beta, "Gy")

    @property
    def kickoff_days(self) -> float:
        """T_k [d]."""
        return magnitude(self.kickoff, "d")


@attrs.frozen
class Settings:
    """What the user allows: weekend and holiday treatment, twice-daily days (at most
    ``max_bid_days``, ``bid_interval`` apart) and the convention of T."""

    allow_weekends: bool = False
    allow_holidays: bool = False
    max_bid_days: int | None = None
    bid_interval: Duration = attrs.field(factory=lambda: quantity(DEFAULT_BID_INTERVAL_H, "h"))
    convention: Convention = "elapsed"


@attrs.frozen
class Term:
    """``fractions`` fractions of ``dose`` with incomplete-repair factor ``h`` (for the text)."""

    fractions: int
    dose: Dose
    h: float = 0.0


@attrs.frozen
class Tumour:
    """Tumour BED and EQD2 (full repair between fractions) and, corrected for repopulation over
    T, BED_T and EQD2_T [Gy]; ``lost`` is rate x max(0, T - T_k) in the rate's own units."""

    terms: tuple[Term, ...]
    bed: float
    eqd2: float
    overall_time: int
    lost: float
    bed_t: float
    eqd2_t: float


@attrs.frozen
class Late:
    """Late-tissue BED (with H_m on days with two fractions) and EQD2 [Gy]."""

    terms: tuple[Term, ...]
    bed: float
    eqd2: float


@attrs.frozen
class HigherDose:
    """How the higher-dose option chose its dose per fraction [Gy]: the tumour BED the new
    fractions must give (the plan's BED_T plus the repopulation over the new T, less the BED
    given) and, when the rounded-up dose raises the late EQD2 above the plan's, the late BED
    left (the plan's less the BED given)."""

    fractions: int
    overall_time: int
    tumour_bed_given: float
    tumour_bed_needed: float
    tumour_exact: float  # keeps the plan's tumour BED_T
    tumour_rounded: float  # tumour_exact rounded up to 0.01 Gy
    late_eqd2_if_rounded_up: float
    late_exact: float | None  # keeps the plan's late EQD2 (when the rounded-up dose exceeds it)
    chosen: float
    rounding: Literal["up", "down"]
    late_bed_given: float = 0.0
    late_bed_left: float | None = None


@attrs.frozen
class Option:
    """One compensation option: whether it is available and why not, its new fractions (from
    the day after the decision point), last fraction, T, and doses (None when it cannot be
    laid at all); ``closest`` is True when it is shown although it misses its aim."""

    method: Method
    available: bool
    why: str = ""
    fractions: tuple[Fraction, ...] = ()
    last_fraction: dt.date | None = None
    overall_time: int | None = None
    tumour: Tumour | None = None
    late: Late | None = None
    closest: bool = False
    #: The weekend or holiday days it treats on, the days with two fractions, and the
    #: fractions it adds (extra-fractions).
    extra_days: tuple[dt.date, ...] = ()
    bid_days: tuple[dt.date, ...] = ()
    added: int = 0
    higher: HigherDose | None = None
    #: H_2 on its twice-daily days.
    h: float | None = None

    def repair_cost(self, late_ab: float) -> float:
        """The late BED [Gy] incomplete repair adds on the twice-daily days: the sum over their
        fractions of d x d x H_2 / (alpha/beta) (Thames 1985)."""
        return math.fsum(f.gy * f.gy * f.h for f in self.fractions if f.h) / late_ab


@attrs.frozen
class GapReport:
    """Everything ``regimen gap`` shows."""

    regimen: str
    course: str
    log: str
    tissues: Tissues
    settings: Settings
    #: The plan (without the log): its fractions, T and doses.
    planned: tuple[Fraction, ...]
    plan_tumour: Tumour
    plan_late: Late
    #: The decision point (the log's last row of the course) and the fractions given up to it.
    decision: dt.date
    given: tuple[Fraction, ...]
    delivered: int
    missed: int
    unlogged: int
    remaining: int
    options: tuple[Option, ...]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def first_fraction(self) -> dt.date:
        """The course's first fraction (given, or planned when none was given yet)."""
        return (self.given or self.planned)[0].date

    @property
    def planned_last(self) -> dt.date:
        """The plan's last fraction."""
        return self.planned[-1].date

    def option(self, method: Method) -> Option:
        """The option of ``method``."""
        return next(o for o in self.options if o.method == method)


# ---------------------------------------------------------------------------------------------
# dosimetry


def _terms(fractions: Sequence[Fraction], with_h: bool) -> tuple[Term, ...]:
    """Consecutive fractions of one dose (and one H, for late tissue) grouped, in order."""
    out: list[Term] = []
    for f in fractions:
        h = f.h if with_h else 0.0
        last = out[-1] if out else None
        if last is not None and last.h == h and magnitude(last.dose, "Gy") == f.gy:
            out[-1] = attrs.evolve(last, fractions=last.fractions + 1)
        else:
            out.append(Term(1, f.dose, h))
    return tuple(out)


def _bed(terms: Sequence[Term], ab: float) -> float:
    """BED = sum of n d (1 + d (1 + H) / (alpha/beta)) [Gy] (Thames; H = 0 is plain LQ)."""
    parts = []
    for t in terms:
        d = magnitude(t.dose, "Gy")
        parts.append(t.fractions * d * (1 + d * (1 + t.h) / ab))
    return math.fsum(parts)


def tumour_dose(
    fractions: Sequence[Fraction], first: dt.date, tissues: Tissues, convention: Convention
) -> Tumour:
    """Tumour BED, EQD2, T (from ``first`` to the last fraction) and BED_T, EQD2_T."""
    ab = tissues.tumour_ab
    terms = _terms(fractions, with_h=False)
    bed = _bed(terms, ab)
    eqd2 = bed / (1 + 2 / ab)
    overall = overall_days(first, fractions[-1].date, convention)
    lost = tissues.rate.gy_per_day * max(0.0, overall - tissues.kickoff_days)
    if tissues.rate.name == "dprolif":
        eqd2_t = eqd2 - lost
        bed_t = eqd2_t * (1 + 2 / ab)
    else:
        bed_t = bed - lost
        eqd2_t = bed_t / (1 + 2 / ab)
    return Tumour(terms, bed, eqd2, overall, lost, bed_t, eqd2_t)


def late_dose(fractions: Sequence[Fraction], tissues: Tissues) -> Late:
    """Late-tissue BED (each fraction with its day's H_m) and EQD2."""
    ab = tissues.late_ab
    terms = _terms(fractions, with_h=True)
    bed = _bed(terms, ab)
    return Late(terms, bed, bed / (1 + 2 / ab))


# ---------------------------------------------------------------------------------------------
# the calendar


def _next(date: dt.date) -> dt.date:
    if date >= MAX_DATE:
        raise InputError(f"the schedule would run past {MAX_DATE.isoformat()}", where="gap")
    return date + dt.timedelta(days=1)


def _lay(
    slots: Sequence[tuple[Dose, TreatmentDays]],
    start: dt.date,
    calendar: TreatmentDayCalendar,
    extra: Callable[[dt.date], bool] = lambda d: False,
    bid_days: frozenset[dt.date] = frozenset(),
    bid_h: float = 0.0,
) -> tuple[Fraction, ...]:
    """``slots`` (dose, treatment days) laid from ``start``: one fraction on each treatment day
    or ``extra`` day, two on a ``bid_days`` day (the second session, both with ``bid_h``)."""
    out: list[Fraction] = []
    date = start
    i = 0
    while i < len(slots):
        dose, rule = slots[i]
        if calendar.treats(date, rule) or extra(date):
            two = date in bid_days and i + 1 < len(slots)
            h = bid_h if two else 0.0
            out.append(Fraction(date, dose, 1, h))
            i += 1
            if two:
                out.append(Fraction(date, slots[i][0], 2, h))
                i += 1
        date = _next(date)
    return tuple(out)


def _treatment_days(
    start: dt.date, end: dt.date, calendar: TreatmentDayCalendar, rule: TreatmentDays
) -> list[dt.date]:
    """The treatment days from ``start`` to ``end``, both included."""
    out = []
    date = start
    while date <= end:
        if calendar.treats(date, rule):
            out.append(date)
        date = _next(date)
    return out


def _days(start: dt.date, end: dt.date, keep: Callable[[dt.date], bool]) -> list[dt.date]:
    out = []
    date = start
    while date <= end:
        if keep(date):
            out.append(date)
        date = _next(date)
    return out


# ---------------------------------------------------------------------------------------------
# the report


def gap_report(
    plan: Plan,
    baseline: Plan,
    tissues: Tissues,
    settings: Settings | None = None,
    course_id: str | None = None,
) -> GapReport:
    """Every compensation option for the gap in ``plan`` (laid with its RT log) against
    ``baseline`` (the same plan without the log); see the module docstring."""
    settings = settings or Settings()
    log = plan.rt_log
    if log is None:
        raise InputError("gap compensation needs the RT log (--rt-log)", where="--rt-log")
    courses = plan.regimen.radiotherapy
    if course_id is None:
        if len(courses) != 1:
            raise InputError(
                f"{plan.regimen.id} has {len(courses)} radiotherapy courses; gap compensation "
                "works on one",
                where="gap",
            )
        course_id = courses[0].id
    course = plan.regimen.course(course_id)
    assert isinstance(course, RadiotherapyCourse)  # noqa: S101 - a radiotherapy course
    several = [p for p in course.phases if p.fractions_per_day > 1]
    if several:
        raise InputError(
            f"{course_id} has a phase of {several[0].fractions_per_day} fractions a day: gap "
            "compensation works on courses of one fraction a day only",
            where="gap",
        )
    hours = magnitude(settings.bid_interval, "h")
    if not hours >= MIN_INTERVAL_H:
        raise InputError(
            f"{format_quantity(settings.bid_interval)} between the fractions of a day is too "
            f"short: at least {MIN_INTERVAL_H} h is needed for repair",
            where="--bid-interval",
        )
    if settings.max_bid_days is not None and settings.max_bid_days < 0:
        raise InputError("must not be negative", where="--max-bid-days")
    rows = log.rows_for(course_id)
    if not rows:
        raise InputError(f"has no row for {course_id}", where=log.where)
    decision = rows[-1].date
    events = [e for e in plan.course_events(course_id) if e.kind == "fraction"]
    planned = tuple(
        Fraction(e.date, _dose(e), 1)
        for e in baseline.course_events(course_id)
        if e.kind == "fraction"
    )
    past = [e for e in events if e.date <= decision and e.status != "missed"]
    given = _given(past, tissues, log.where)
    slots = [
        (phase.dose_per_fraction, phase.treatment_days)
        for phase in course.phases
        for _ in range(phase.fractions)
    ]
    remaining = slots[len(given) :]
    first = (given or planned)[0].date
    plan_tumour = tumour_dose(planned, planned[0].date, tissues, settings.convention)
    plan_late = late_dose(planned, tissues)
    ctx = _Context(
        calendar=TreatmentDayCalendar(plan.holidays_country, plan.treat_makeup_days),
        tissues=tissues,
        settings=settings,
        given=given,
        remaining=tuple(remaining),
        start=_next(decision),
        first=first,
        planned_last=planned[-1].date,
        plan_tumour=plan_tumour,
        plan_late=plan_late,
        carry_on=tuple(
            Fraction(e.date, _dose(e), e.session or 1)
            for e in events
            if e.date > decision and e.status != "missed"
        ),
        holidays=plan.holidays_country is not None,
    )
    options = (
        _weekend(ctx),
        _holiday(ctx),
        _twice_daily(ctx),
        _higher_dose(ctx),
        _extra_fractions(ctx),
        ctx.evaluate("none", ctx.carry_on),
    )
    unlogged = sum(1 for e in past if e.status == "planned")
    warnings = list(plan.warnings)
    if hours < WARN_INTERVAL_H and options[2].bid_days:
        warnings.append(
            f"twice-daily fractions {format_quantity(settings.bid_interval)} apart: less than "
            f"{WARN_INTERVAL_H} h, late-tissue repair may be incomplete (the incomplete-repair "
            "factor accounts for it)"
        )
    return GapReport(
        regimen=plan.regimen.id,
        course=course_id,
        log=log.where,
        tissues=tissues,
        settings=settings,
        planned=planned,
        plan_tumour=plan_tumour,
        plan_late=plan_late,
        decision=decision,
        given=given,
        delivered=sum(1 for e in events if e.status == "delivered"),
        missed=sum(1 for e in events if e.status == "missed"),
        unlogged=unlogged,
        remaining=len(remaining),
        options=options,
        warnings=tuple(warnings),
        notes=tuple(plan.notes),
    )


def _dose(e: Event) -> Dose:
    assert e.dose is not None  # noqa: S101 - a fraction that is not missed has its dose
    return e.dose  # type: ignore[return-value]


def _given(past: Sequence[Event], tissues: Tissues, where: str) -> tuple[Fraction, ...]:
    """The fractions given up to the decision point, each with its day's H_m (a day with two or
    three logged fractions: the shortest interval of the day; needs the repair half-time)."""
    days: dict[dt.date, list[Event]] = {}
    for e in past:
        days.setdefault(e.date, []).append(e)
    out: list[Fraction] = []
    for date, day in days.items():
        h = 0.0
        if len(day) > 1:
            if tissues.repair_half_time is None:
                raise InputError(
                    f"has {len(day)} fractions on {date.isoformat()}: the late-tissue BED needs "
                    "the tissue's repair half-time for the incomplete-repair factor "
                    "(--repair-half-time or --late-tissue); there is no default",
                    where=where,
                )
            clocks = sorted(e.clock for e in day if e.clock is not None)
            gaps = [
                (b.hour * 60 + b.minute - a.hour * 60 - a.minute) / 60
                for a, b in itertools.pairwise(clocks)
            ]
            h = rb.thames_h(len(day), quantity(min(gaps), "h"), tissues.repair_half_time)
        out += [Fraction(date, _dose(e), e.session or 1, h) for e in day]
    return tuple(out)


@attrs.frozen
class _Context:
    calendar: TreatmentDayCalendar
    tissues: Tissues
    settings: Settings
    given: tuple[Fraction, ...]
    remaining: tuple[tuple[Dose, TreatmentDays], ...]
    start: dt.date
    first: dt.date
    planned_last: dt.date
    plan_tumour: Tumour
    plan_late: Late
    carry_on: tuple[Fraction, ...]
    holidays: bool

    def evaluate(
        self, method: Method, new: Sequence[Fraction], why: str = "", **extra: object
    ) -> Option:
        """An option laying ``new`` after the given fractions (available unless ``why``)."""
        every = (*self.given, *new)
        if not every:
            return Option(method, False, why or "the course has no fraction")
        tumour = tumour_dose(every, self.first, self.tissues, self.settings.convention)
        return Option(
            method,
            not why,
            why,
            tuple(new),
            every[-1].date,
            tumour.overall_time,
            tumour,
            late_dose(every, self.tissues),
            closest=bool(why),
            **extra,  # type: ignore[arg-type]
        )

    def on_time(self, new: Sequence[Fraction]) -> bool:
        return not new or new[-1].date <= self.planned_last

    def not_needed(self, method: Method) -> Option | None:
        """Unavailable as not needed when carrying on already ends on the planned last date,
        or as impossible when no fraction remains."""
        if not self.remaining:
            return Option(method, False, "no fraction remains after the RT log's last row")
        if self.on_time(self.carry_on):
            return Option(
                method,
                False,
                "not needed: carrying on ends on the planned last date "
                f"({self.planned_last.isoformat()})",
            )
        return None

    def rule(self) -> TreatmentDays:
        return self.remaining[0][1]


def _late(ctx: _Context, new: Sequence[Fraction]) -> str:
    """The end of a "why" for an option laid late: its last date and how late."""
    last = new[-1].date
    return f"it would end on {last.isoformat()}, {(last - ctx.planned_last).days} d late"


def _extra_days_option(
    ctx: _Context, method: Method, candidates: Sequence[dt.date], keep: Callable[[dt.date], bool]
) -> Option:
    """As few of ``candidates`` (in date order) as end the course on its planned last date;
    when all of them are too few, the closest schedule (every ``keep`` day on)."""
    for k in range(1, len(candidates) + 1):
        chosen = frozenset(candidates[:k])
        new = _lay(ctx.remaining, ctx.start, ctx.calendar, chosen.__contains__)
        if ctx.on_time(new):
            return ctx.evaluate(method, new, extra_days=tuple(sorted(chosen)))
    new = _lay(ctx.remaining, ctx.start, ctx.calendar, keep)
    used = tuple(f.date for f in new if not ctx.calendar.treats(f.date, ctx.rule()))
    kind = "weekend" if method == "weekend" else "weekend or holiday"
    if method == "holiday" and not ctx.settings.allow_weekends:
        kind = "holiday"
    why = (
        f"the {len(candidates)} {kind} days from {ctx.start.isoformat()} to the planned last "
        f"date ({ctx.planned_last.isoformat()}) are too few for the {len(ctx.remaining)} "
        f"remaining fractions: treating on every {kind} day, {_late(ctx, new)}"
    )
    return ctx.evaluate(method, new, why, extra_days=used)


def _weekend(ctx: _Context) -> Option:
    done = ctx.not_needed("weekend")
    if done is not None:
        return done
    if all(rule is TreatmentDays.EVERY_DAY for _, rule in ctx.remaining):
        return Option("weekend", False, "the course already treats every day of the week")
    if not ctx.settings.allow_weekends:
        return Option("weekend", False, "no weekend treatment allowed: give --allow-weekends")
    allow_holidays = ctx.settings.allow_holidays

    def keep(d: dt.date) -> bool:
        return d.weekday() >= 5 and (ctx.calendar.holiday(d) is None or allow_holidays)

    def candidate(d: dt.date) -> bool:
        return keep(d) and not ctx.calendar.treats(d, ctx.rule())

    return _extra_days_option(
        ctx, "weekend", _days(ctx.start, ctx.planned_last, candidate), candidate
    )


def _holiday(ctx: _Context) -> Option:
    done = ctx.not_needed("holiday")
    if done is not None:
        return done
    if not ctx.holidays:
        return Option(
            "holiday", False, "no public holidays are known: give --holidays with a country code"
        )
    if not ctx.settings.allow_holidays:
        return Option("holiday", False, "no holiday treatment allowed: give --allow-holidays")
    weekends = ctx.settings.allow_weekends

    def public(d: dt.date) -> bool:
        return ctx.calendar.holiday(d) is not None and (d.weekday() < 5 or weekends)

    def keep(d: dt.date) -> bool:
        return public(d) or (weekends and d.weekday() >= 5)

    def candidate(d: dt.date) -> bool:
        return keep(d) and not ctx.calendar.treats(d, ctx.rule())

    if not _days(ctx.start, ctx.planned_last, public):
        return Option(
            "holiday",
            False,
            f"no public holiday falls between {ctx.start.isoformat()} and the planned last "
            f"date ({ctx.planned_last.isoformat()})"
            + ("" if weekends else " on a weekday (weekend days need --allow-weekends)"),
        )
    return _extra_days_option(
        ctx, "holiday", _days(ctx.start, ctx.planned_last, candidate), candidate
    )


def _twice_daily(ctx: _Context) -> Option:
    done = ctx.not_needed("twice-daily")
    if done is not None:
        return done
    half = ctx.tissues.repair_half_time
    if half is None:
        return Option(
            "twice-daily",
            False,
            "the late tissue's repair half-time is needed for the incomplete-repair factor: "
            "give --repair-half-time or a --late-tissue preset with one (there is no default)",
        )
    h = rb.thames_h(2, ctx.settings.bid_interval, half)
    days = _treatment_days(ctx.start, ctx.planned_last, ctx.calendar, ctx.rule())
    if not days:
        return Option(
            "twice-daily",
            False,
            f"no treatment day is left from {ctx.start.isoformat()} to the planned last date "
            f"({ctx.planned_last.isoformat()})",
        )
    needed = len(ctx.remaining) - len(days)
    cap = ctx.settings.max_bid_days
    allowed = len(days) if cap is None else min(cap, len(days))
    if needed <= allowed:
        bid = frozenset(days[:needed])
        new = _lay(ctx.remaining, ctx.start, ctx.calendar, bid_days=bid, bid_h=h)
        if ctx.on_time(new):
            return ctx.evaluate("twice-daily", new, bid_days=tuple(sorted(bid)), h=h)
    bid = frozenset(days[:allowed])
    new = _lay(ctx.remaining, ctx.start, ctx.calendar, bid_days=bid, bid_h=h)
    if cap is not None and cap < needed <= len(days):
        why = (
            f"needs {needed} twice-daily days to end on the planned last date "
            f"({ctx.planned_last.isoformat()}); --max-bid-days {cap} allows {cap}: with "
            f"{allowed}, {_late(ctx, new)}"
        )
    else:
        why = (
            f"two fractions on each of the {len(days)} treatment days left before the planned "
            f"last date ({ctx.planned_last.isoformat()}) are too few for the "
            f"{len(ctx.remaining)} remaining fractions: with {allowed} twice-daily days, "
            + _late(ctx, new)
        )
    return ctx.evaluate("twice-daily", new, why, bid_days=tuple(sorted(bid)), h=h)


def _round(value: float, rounding: Literal["up", "down"]) -> float:
    """``value`` [Gy] rounded up or down to 0.01 Gy (exact in decimal)."""
    step = Decimal(repr(value)).quantize(
        ROUNDING_STEP, rounding=ROUND_CEILING if rounding == "up" else ROUND_FLOOR
    )
    return float(step)


def _solve(bed: float, n: int, ab: float) -> float:
    """d with n d (1 + d / (alpha/beta)) = bed (the positive root, stable form)."""
    per = bed / n
    return 2 * per / (1 + math.sqrt(1 + 4 * per / ab))


def _higher_dose(ctx: _Context) -> Option:
    done = ctx.not_needed("higher-dose")
    if done is not None:
        return done
    doses = {magnitude(d, "Gy") for d, _ in ctx.remaining}
    if len(doses) != 1:
        return Option(
            "higher-dose",
            False,
            "the remaining fractions belong to phases of different doses per fraction; raise "
            "each phase's dose by hand",
        )
    days = _treatment_days(ctx.start, ctx.planned_last, ctx.calendar, ctx.rule())
    if not days:
        return Option(
            "higher-dose",
            False,
            f"no treatment day is left from {ctx.start.isoformat()} to the planned last date "
            f"({ctx.planned_last.isoformat()})",
        )
    n = len(days)
    t = ctx.tissues
    ab_t, ab_l = t.tumour_ab, t.late_ab
    overall = overall_days(ctx.first, days[-1], ctx.settings.convention)
    lost = t.rate.gy_per_day * max(0.0, overall - t.kickoff_days)
    # BED the remaining n fractions must give so that the tumour's BED_T is the plan's.
    given_bed = _bed(_terms(ctx.given, with_h=False), ab_t)
    if t.rate.name == "dprolif":
        target = (ctx.plan_tumour.eqd2_t + lost) * (1 + 2 / ab_t)
    else:
        target = ctx.plan_tumour.bed_t + lost
    need = target - given_bed
    if need <= 0:
        return Option("higher-dose", False, "the fractions given already reach the plan's BED_T")
    exact = _solve(need, n, ab_t)
    up = _round(exact, "up")

    def lay(d: float) -> tuple[Fraction, ...]:
        return tuple(Fraction(day, quantity(d, "Gy")) for day in days)

    late_up = late_dose((*ctx.given, *lay(up)), t).eqd2
    head = (n, overall, given_bed, need, exact, up, late_up)
    if late_up <= ctx.plan_late.eqd2 + TOLERANCE_GY:
        choice = HigherDose(*head, None, up, "up")
    else:
        late_given = _bed(_terms(ctx.given, with_h=True), ab_l)
        allowed = ctx.plan_late.bed - late_given
        if allowed <= 0:
            return Option(
                "higher-dose", False, "the fractions given already reach the plan's late EQD2"
            )
        late_exact = _solve(allowed, n, ab_l)
        down = _round(late_exact, "down")
        if down <= 0:
            return Option("higher-dose", False, "no dose per fraction keeps the plan's late EQD2")
        choice = HigherDose(*head, late_exact, down, "down", late_given, allowed)
    return ctx.evaluate("higher-dose", lay(choice.chosen), higher=choice)


def _extra_fractions(ctx: _Context) -> Option:
    if not ctx.remaining:
        return Option("extra-fractions", False, "no fraction remains after the RT log's last row")
    new = list(ctx.carry_on)
    target = ctx.plan_tumour.eqd2_t - TOLERANCE_GY
    if ctx.evaluate("extra-fractions", new).tumour.eqd2_t >= target:  # type: ignore[union-attr]
        return Option(
            "extra-fractions",
            False,
            "not needed: carrying on keeps the plan's tumour EQD2_T",
        )
    dose, rule = ctx.remaining[-1]
    date = new[-1].date if new else ctx.start
    for added in range(1, MAX_EXTRA + 1):
        date = _next(date)
        while not ctx.calendar.treats(date, rule):
            date = _next(date)
        new.append(Fraction(date, dose))
        option = ctx.evaluate("extra-fractions", new, added=added)
        if option.tumour is not None and option.tumour.eqd2_t >= target:
            return option
    return ctx.evaluate(
        "extra-fractions",
        new,
        f"{MAX_EXTRA} added fractions of {format_quantity(dose)} do not bring the tumour "
        "EQD2_T back to the plan's: repopulation outpaces them",
        added=MAX_EXTRA,
    )

"""The radiotherapy treatment log: what was delivered and what was missed, fraction by fraction.

A CSV file, read as strictly as the AE log (:func:`regimen.loading.parse_ae_log`)::

    date,status,dose,session,time,reason,course
    2026-11-02,missed,,,,machine fault,
    2026-11-09,delivered,,1,08:00,,
    2026-11-09,delivered,,2,14:00,,

``date`` and ``status`` (``delivered`` or ``missed``) are required; ``dose`` is a dose per
fraction with its unit when it differs from the plan (never on a missed row); ``session`` (1, 2
or 3) numbers the fractions of one day, and every row of a day with two or more sessions needs
its ``time`` (HH:MM, 24-hour); ``reason`` says why (shown with a missed fraction); ``course`` is
the radiotherapy course's id, needed only when the regimen has several.

What the log cannot know without the plan (a row on a weekend or a public holiday, a row before
the course's first day, more fractions than planned) is checked where the fractions are laid
(:func:`regimen.schedule.build_plan`), with the same ``file: line N: what`` messages.

Laying a course with a log (the engine's rule): a day with rows gets exactly those rows (a
delivered row is the next fraction, with its dose; a missed row shows the fraction that was due
as missed); a treatment day without a row gets the next fraction as planned (status
``planned``), before the last logged date as after it, so the remaining fractions run on the
next treatment days after the last logged date, one a day.

Overall time T (:func:`overall_days`): ``elapsed`` = last - first fraction date in days (RCR,
Fowler), the default; ``inclusive`` counts both ends (+1 d).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import attrs

from regimen.errors import InputError, LoadError, RegimenError
from regimen.files import CONTROL_RE
from regimen.units import (
    DOSE,
    Dose,
    DoseRate,
    Duration,
    Quantity,
    format_number,
    format_quantity,
    magnitude,
    parse_quantity,
    quantity,
    require,
    to_json,
    to_unit,
)

if TYPE_CHECKING:
    from regimen.regimen import Regimen
    from regimen.rt_report import TimeCorrection
    from regimen.schedule import Event, Plan

Status = Literal["delivered", "missed"]
Convention = Literal["elapsed", "inclusive"]

COLUMNS = ("date", "status")
OPTIONAL = ("dose", "session", "time", "reason", "course")
STATUSES: tuple[Status, ...] = ("delivered", "missed")
CONVENTIONS: tuple[Convention, ...] = ("elapsed", "inclusive")
#: The most rows a log may hold (a course has at most 200 fractions a phase).
MAX_ROWS = 5_000
#: Sessions (fractions) a day may hold.
MAX_SESSIONS = 3
#: Two sessions of one day must be at least this far apart [h]; below WARN_INTERVAL_H, a warning.
MIN_INTERVAL_H = 6
WARN_INTERVAL_H = 8

_HHMM_RE = re.compile(r"[0-9]{2}:[0-9]{2}", re.ASCII)
_SESSION_RE = re.compile(r"[0-9]+", re.ASCII)


@attrs.frozen
class RtRow:
    """One row of the log."""

    date: dt.date
    status: Status
    #: The dose per fraction given, when the row says it differs from the plan.
    dose: Dose | None
    session: int  # 1 when not given
    time: dt.time | None
    reason: str
    course: str | None
    line: int


@attrs.frozen
class RtLog:
    """A parsed log: its rows in (date, session) order, how messages name it, and warnings
    (sessions 6 to 8 h apart)."""

    where: str
    rows: tuple[RtRow, ...]
    warnings: tuple[str, ...] = ()

    def rows_for(self, course_id: str) -> tuple[RtRow, ...]:
        """The rows of one course (a row without a course belongs to the regimen's only
        radiotherapy course: the parser refuses it when there are several)."""
        return tuple(r for r in self.rows if r.course in (None, course_id))

    def error(self, row: RtRow, what: str) -> LoadError:
        """A ``file: line N: what`` error about ``row``."""
        return LoadError(self.where, [(f"line {row.line}", what)])


def overall_days(first: dt.date, last: dt.date, convention: Convention = "elapsed") -> int:
    """T [d] from the first to the last fraction date: ``elapsed`` (last - first, RCR and
    Fowler), ``inclusive`` (both ends counted, + 1 d).

    >>> overall_days(dt.date(2026, 10, 5), dt.date(2026, 11, 20))
    46
    >>> overall_days(dt.date(2026, 10, 5), dt.date(2026, 11, 20), "inclusive")
    47
    """
    elapsed = (last - first).days
    return elapsed + 1 if convention == "inclusive" else elapsed


def convention_formula(convention: Convention) -> str:
    """The words of T's formula under ``convention``."""
    if convention == "inclusive":
        return "last - first fraction date + 1 d, both ends counted"
    return "last - first fraction date, in days"


def load_rt_log(path: Path, regimen: Regimen, where: str | None = None) -> RtLog:
    """Read an RT log file (byte limit, UTF-8, no binary: :func:`regimen.loading.read_text`)."""
    from regimen.loading import read_text

    name = where or str(path)
    try:
        text = read_text(path, "RT log")
    except RegimenError as exc:
        raise InputError(exc.what, where=name) from None
    return parse_rt_log(text, name, regimen)


def parse_rt_log(text: str, where: str, regimen: Regimen) -> RtLog:
    """Parse RT-log CSV text; every problem is reported at once as ``file: line N: what``."""
    from regimen.loading import csv_table

    names, rows = csv_table(text, where, COLUMNS, OPTIONAL, MAX_ROWS)
    courses = tuple(c.id for c in regimen.radiotherapy)
    problems: list[tuple[str, str]] = []
    parsed: list[RtRow] = []
    for line, raw in rows:
        try:
            if len(raw) != len(names):
                raise InputError(f"has {len(raw)} fields; the header has {len(names)}")
            cells = dict(zip(names, (c.strip() for c in raw), strict=True))
            row = _row(cells, line, regimen, courses)
            if parsed and (row.date, row.session) < (parsed[-1].date, parsed[-1].session):
                before = parsed[-1]
                raise InputError(
                    f"rows must be in date and session order; {row.date.isoformat()} session "
                    f"{row.session} comes after {before.date.isoformat()} session {before.session}"
                )
        except RegimenError as exc:
            problems.append((f"line {line}", exc.what))
            continue
        parsed.append(row)
    if problems:
        raise LoadError(where, problems)
    warnings = _check_days(parsed, where)
    return RtLog(where, tuple(parsed), tuple(warnings))


def _row(cells: dict[str, str], line: int, regimen: Regimen, courses: Sequence[str]) -> RtRow:
    from regimen.loading import parse_date
    from regimen.schedule import MAX_DATE, MIN_DATE

    bad = [k for k in _columns(cells) if CONTROL_RE.search(cells[k])]
    if bad:
        raise InputError(f"{bad[0]} holds a control or bidirectional-override character")
    date = parse_date(cells["date"])
    if not MIN_DATE <= date <= MAX_DATE:
        raise InputError(
            f"{date.isoformat()} is outside {MIN_DATE.isoformat()}..{MAX_DATE.isoformat()}"
        )
    status = cells["status"].lower()
    if status not in STATUSES:
        raise InputError(f"status must be delivered or missed, got {cells['status']!r}")
    dose = None
    if cells.get("dose"):
        if status == "missed":
            raise InputError("a missed row has no dose; leave dose empty")
        try:
            dose = parse_quantity(cells["dose"], DOSE, "dose")
        except RegimenError as exc:
            raise InputError(f"dose: {exc.what}") from None
    session = 1
    if cells.get("session"):
        text = cells["session"]
        if not _SESSION_RE.fullmatch(text) or not 1 <= int(text) <= MAX_SESSIONS:
            raise InputError(f"session must be 1, 2 or 3, got {text!r}")
        session = int(text)
    time = None
    if cells.get("time"):
        text = cells["time"]
        if not _HHMM_RE.fullmatch(text) or int(text[:2]) > 23 or int(text[3:]) > 59:
            raise InputError(f"time must be HH:MM (24-hour), got {text!r}")
        time = dt.time(int(text[:2]), int(text[3:]))
    if session > 1 and time is None:
        raise InputError(
            f"session {session} needs a time (HH:MM): sessions of one day must be at least "
            f"{MIN_INTERVAL_H} h apart"
        )
    course = cells.get("course") or None
    if course is not None and course not in courses:
        known = ", ".join(courses) or "none"
        raise InputError(
            f"course {course!r} is not a radiotherapy course of {regimen.id} (radiotherapy "
            f"courses: {known})"
        )
    if course is None and len(courses) > 1:
        raise InputError(
            f"course is empty: {regimen.id} has several radiotherapy courses "
            f"({', '.join(courses)}); say which"
        )
    if not courses:
        raise InputError(f"{regimen.id} has no radiotherapy course")
    return RtRow(date, status, dose, session, time, cells.get("reason", ""), course, line)


def _columns(cells: dict[str, str]) -> list[str]:
    """The row's columns in the order messages check them."""
    return [k for k in (*COLUMNS, *OPTIONAL) if k in cells]


def _check_days(rows: Sequence[RtRow], where: str) -> list[str]:
    """Sessions of one day: no duplicate, numbered from 1 without a gap, each with its time
    when the day has several, in time order, delivered ones at least 6 h apart (a warning
    below 8 h). Problems are reported at once; warnings returned."""
    problems: list[tuple[str, str]] = []
    warnings: list[str] = []
    days: dict[tuple[dt.date, str | None], list[RtRow]] = {}
    for r in rows:
        days.setdefault((r.date, r.course), []).append(r)
    for (date, _course), day in days.items():
        on = date.isoformat()
        seen: dict[int, RtRow] = {}
        for r in day:
            if r.session in seen:
                problems.append(
                    (
                        f"line {r.line}",
                        f"duplicate row: session {r.session} on {on} is already recorded "
                        f"(line {seen[r.session].line})",
                    )
                )
                continue
            if r.session != len(seen) + 1:
                problems.append(
                    (
                        f"line {r.line}",
                        f"session {r.session} on {on} without session {len(seen) + 1}",
                    )
                )
                continue
            seen[r.session] = r
            if len(day) > 1 and r.time is None:
                problems.append(
                    (
                        f"line {r.line}",
                        f"session {r.session} on {on} needs a time (HH:MM): the day has "
                        f"{len(day)} sessions",
                    )
                )
        if problems or len(day) < 2:
            continue
        given = [r for r in day if r.status == "delivered"]
        for a, b in itertools.pairwise(day):
            assert a.time is not None and b.time is not None  # noqa: S101 - checked above
            if b.time <= a.time:
                problems.append(
                    (
                        f"line {b.line}",
                        f"session {b.session} on {on} at {b.time:%H:%M} is not after session "
                        f"{a.session} ({a.time:%H:%M})",
                    )
                )
        if problems:
            continue
        for a, b in itertools.pairwise(given):
            assert a.time is not None and b.time is not None  # noqa: S101 - checked above
            hours = interval_hours(a, b)
            gap = _hours_text(hours)
            if hours < MIN_INTERVAL_H:
                problems.append(
                    (
                        f"line {b.line}",
                        f"session {b.session} on {on} at {b.time:%H:%M} is {gap} after session "
                        f"{a.session} ({a.time:%H:%M}); fractions of one day must be at least "
                        f"{MIN_INTERVAL_H} h apart",
                    )
                )
            elif hours < WARN_INTERVAL_H:
                warnings.append(
                    f"{where}: line {b.line}: sessions {a.session} and {b.session} on {on} are "
                    f"{gap} apart (less than {WARN_INTERVAL_H} h: late-tissue repair may be "
                    "incomplete; the incomplete-repair factor accounts for it)"
                )
    if problems:
        problems.sort(key=lambda p: int(p[0].split()[1]))
        raise LoadError(where, problems)
    return warnings


def interval_hours(a: RtRow, b: RtRow) -> float:
    """Hours from session ``a`` to session ``b`` of one day (both with a time)."""
    assert a.time is not None and b.time is not None  # noqa: S101 - called with times
    minutes = (b.time.hour * 60 + b.time.minute) - (a.time.hour * 60 + a.time.minute)
    return minutes / 60


def _hours_text(hours: float) -> str:
    whole, rest = divmod(round(hours * 60), 60)
    return f"{whole} h" if not rest else f"{whole} h {rest} min"


def refusal(
    date: dt.date,
    holiday: str | None,
    weekend_ok: bool,
    allow_weekends: bool,
    allow_holidays: bool,
) -> str | None:
    """Why a row may not fall on ``date`` (None when it may): a weekend day the phase does not
    treat without ``--allow-weekends``, a public holiday without ``--allow-holidays``.

    ``holiday`` is the holiday's name (None on other days); ``weekend_ok`` says the phase
    treats on this weekend day anyway (every-day phases, official make-up working days).
    """
    if date.weekday() >= 5 and not weekend_ok and not allow_weekends:
        day = date.strftime("%A")
        return (
            f"{date.isoformat()} is a {day}, not a treatment day; add --allow-weekends to "
            "log a weekend fraction"
        )
    if holiday is not None and not allow_holidays:
        return (
            f"{date.isoformat()} is a public holiday ({holiday}), not a treatment day; add "
            "--allow-holidays to log a fraction on it"
        )
    return None


# ---------------------------------------------------------------------------------------------
# the record: overall time and dose, planned against actual


@attrs.frozen
class OverallTime:
    """T of one radiotherapy course, planned (the plan without the log) and actual (with it:
    delivered and still-planned fractions, missed ones left out), under ``convention``."""

    course: str
    convention: Convention
    planned: int
    planned_first: dt.date
    planned_last: dt.date
    actual: int
    actual_first: dt.date
    actual_last: dt.date


def _given(plan: Plan, course_id: str) -> list[Event]:
    return [
        e for e in plan.course_events(course_id) if e.kind == "fraction" and e.status != "missed"
    ]


def overall_time(
    plan: Plan, baseline: Plan | None, course_id: str, convention: Convention = "elapsed"
) -> OverallTime | None:
    """T of ``course_id`` in ``plan`` (actual) and ``baseline`` (planned; the plan itself when
    None); None when the course has no fraction."""
    actual = [e.date for e in _given(plan, course_id)]
    planned = [e.date for e in _given(baseline or plan, course_id)]
    if not actual or not planned:
        return None
    return OverallTime(
        course_id,
        convention,
        overall_days(planned[0], planned[-1], convention),
        planned[0],
        planned[-1],
        overall_days(actual[0], actual[-1], convention),
        actual[0],
        actual[-1],
    )


def overall_time_lines(t: OverallTime) -> list[str]:
    """T in words with its formula, planned and actual."""
    plus = " + 1 d" if t.convention == "inclusive" else ""
    return [
        f"Overall treatment time T ({t.convention}: {convention_formula(t.convention)}):",
        f"  planned: {t.planned_last.isoformat()} - {t.planned_first.isoformat()}{plus} = "
        f"{t.planned} d",
        f"  actual:  {t.actual_last.isoformat()} - {t.actual_first.isoformat()}{plus} = "
        f"{t.actual} d",
    ]


def overall_time_data(t: OverallTime | None) -> dict[str, object] | None:
    """The ``overall_time`` JSON object: ``{"planned": Q, "actual": Q, "convention", ...}``."""
    if t is None:
        return None
    return {
        "course": t.course,
        "planned": {"value": t.planned, "unit": "d"},
        "actual": {"value": t.actual, "unit": "d"},
        "convention": t.convention,
        "planned_first_fraction": t.planned_first.isoformat(),
        "planned_last_fraction": t.planned_last.isoformat(),
        "actual_first_fraction": t.actual_first.isoformat(),
        "actual_last_fraction": t.actual_last.isoformat(),
    }


@attrs.frozen
class RepairDay:
    """A day with two or three fractions: Thames's factor for its shortest interval."""

    date: dt.date
    fractions: int
    interval: Duration  # [h]
    h: float


@attrs.frozen
class Term:
    """``n`` fractions of ``dose`` given with incomplete-repair factor ``h`` (0: full repair)."""

    fractions: int
    dose: Dose
    h: float


@attrs.frozen
class Dosimetry:
    """BED, EQD2 and (tumour, when asked) BED_T and EQD2_T of one schedule for one alpha/beta."""

    terms: tuple[Term, ...]
    bed: Dose
    eqd2: Dose
    overall_time: int
    bed_t: Dose | None = None
    eqd2_t: Dose | None = None


@attrs.frozen
class RecordResult:
    """Planned against actual for one alpha/beta."""

    alpha_beta: Dose
    tissue: str  # "tumour" or "other"
    planned: Dosimetry
    actual: Dosimetry
    k: DoseRate | None = None


@attrs.frozen
class Record:
    """What ``dose`` shows of a course laid with an RT log."""

    course: str
    where: str
    time: OverallTime
    delivered: int
    missed: int
    still_planned: int
    repair_days: tuple[RepairDay, ...]
    repair_half_time: Duration | None
    results: tuple[RecordResult, ...]
    kickoff: Duration | None = None


def record(
    plan: Plan,
    baseline: Plan,
    course_id: str,
    given: Sequence[tuple[Dose, str]],
    convention: Convention = "elapsed",
    time: TimeCorrection | None = None,
    repair_half_time: Duration | None = None,
) -> Record:
    """Planned (``baseline``) against actual (``plan``, laid with the RT log) for each
    ``(alpha/beta, tissue)`` in ``given``.

    Actual BED sums every fraction given or still planned, with its own dose; on a day with
    two or three fractions, late-responding ("other") tissue gets Thames's factor H_m for the
    day's shortest interval and ``repair_half_time`` (an error without one: never a silent
    default); a tumour's BED is computed with full repair between fractions (its repair is not
    credited). BED_T (tumour, with ``time``) uses each schedule's own T.
    """

    assert plan.rt_log is not None  # noqa: S101 - a record needs a log
    t = overall_time(plan, baseline, course_id, convention)
    if t is None:
        raise InputError(f"{course_id} has no fraction", where=plan.rt_log.where)
    events = plan.course_events(course_id)
    where = plan.rt_log.where
    repair = _repair_days(plan, course_id, repair_half_time, where)
    h_of = {r.date: r.h for r in repair}
    h_planned = {r.date: r.h for r in _repair_days(baseline, course_id, repair_half_time, where)}
    results = []
    for ab, tissue in given:
        late = tissue != "tumour"
        planned_terms = _terms(
            [
                (e.dose, h_planned.get(e.date, 0.0) if late else 0.0)
                for e in _given(baseline, course_id)
            ]
        )
        actual_terms = _terms(
            [(e.dose, h_of.get(e.date, 0.0) if late else 0.0) for e in _given(plan, course_id)]
        )
        k = time.k_for(ab) if time is not None and tissue == "tumour" else None
        results.append(
            RecordResult(
                ab,
                tissue,
                _dosimetry(planned_terms, ab, t.planned, time, k),
                _dosimetry(actual_terms, ab, t.actual, time, k),
                k,
            )
        )
    return Record(
        course_id,
        plan.rt_log.where,
        t,
        sum(1 for e in events if e.status == "delivered"),
        sum(1 for e in events if e.status == "missed"),
        sum(1 for e in events if e.status == "planned"),
        tuple(repair),
        repair_half_time,
        tuple(results),
        time.kickoff_time if time is not None else None,
    )


def _repair_days(plan: Plan, course_id: str, half: Duration | None, where: str) -> list[RepairDay]:
    """Thames's factor of each day of ``plan`` with two or three fractions given or planned:
    the day's shortest interval between logged times, or the phase's own interval for
    fractions laid as planned (a phase of several a day); an error without a repair half-time
    (never a silent default)."""
    from regimen.radiobiology import thames_h
    from regimen.radiotherapy import RadiotherapyCourse

    course = plan.regimen.course(course_id)
    assert isinstance(course, RadiotherapyCourse)  # noqa: S101 - fractions are radiotherapy's
    days: dict[dt.date, list[Event]] = {}
    for e in _given(plan, course_id):
        days.setdefault(e.date, []).append(e)
    repair: list[RepairDay] = []
    for date, day in days.items():
        if len(day) < 2:
            continue
        if half is None:
            raise InputError(
                f"has {len(day)} fractions on {date.isoformat()}: the late-tissue BED needs "
                "the tissue's repair half-time for the incomplete-repair factor (--repair-half-"
                "time or --late-tissue); there is no default",
                where=where,
            )
        clocks = sorted(e.clock for e in day if e.clock is not None)
        gaps = [
            (b.hour * 60 + b.minute - a.hour * 60 - a.minute) / 60
            for a, b in itertools.pairwise(clocks)
        ]
        if len(clocks) < len(day):  # laid as planned: the phase's interval
            phase = course.phases[(day[0].phase or 1) - 1]
            assert phase.interval is not None  # noqa: S101 - several a day need one
            gaps = [magnitude(phase.interval, "h")]
        interval = quantity(min(gaps), "h")
        repair.append(RepairDay(date, len(day), interval, thames_h(len(day), interval, half)))
    return repair


def _terms(fractions: Sequence[tuple[Quantity | None, float]]) -> tuple[Term, ...]:
    """Consecutive fractions of one dose and one factor, grouped (in order)."""
    out: list[Term] = []
    for q, h in fractions:
        dose = require(q, DOSE, "dose per fraction")
        last = out[-1] if out else None
        if last is not None and last.h == h and magnitude(last.dose, "Gy") == magnitude(dose, "Gy"):
            out[-1] = attrs.evolve(last, fractions=last.fractions + 1)
        else:
            out.append(Term(1, dose, h))
    return tuple(out)


def _dosimetry(
    terms: Sequence[Term],
    alpha_beta: Dose,
    overall: int,
    time: TimeCorrection | None,
    k: DoseRate | None,
) -> Dosimetry:
    from regimen import radiobiology as rb
    from regimen.radiotherapy import Phase

    beds = [rb.bed_incomplete_repair([Phase(t.fractions, t.dose)], alpha_beta, t.h) for t in terms]
    total = beds[0]
    for b in beds[1:]:
        total = total + b
    bed_t = eqd2_t = None
    if time is not None and k is not None:
        corrected = rb.time_corrected_bed(total, quantity(overall, "d"), time.kickoff_time, k)
        bed_t, eqd2_t = corrected.value, rb.eqd(corrected)
    return Dosimetry(tuple(terms), total.value, rb.eqd(total), overall, bed_t, eqd2_t)


def _gy(q: Quantity, places: int = 2) -> str:
    return format_quantity(to_unit(require(q, DOSE), "Gy"), places)


def _term_text(t: Term, ab: str) -> str:
    d = _gy(t.dose, 4)
    if t.h:
        return f"{t.fractions} x {d} x (1 + {d} x (1 + {format_number(t.h, 4)}) / {ab})"
    return f"{t.fractions} x {d} x (1 + {d} / {ab})"


def _dosimetry_lines(
    name: str, ds: Dosimetry, ab: str, rec: Record, k: DoseRate | None
) -> list[str]:
    terms = " + ".join(_term_text(t, ab) for t in ds.terms)
    out = [f"    {name}: BED = {terms} = {_gy(ds.bed)}"]
    out.append(
        f"    {name}: EQD2 = BED / (1 + 2 Gy / {ab}) = {_gy(ds.bed)} / (1 + 2 Gy / {ab}) = "
        f"{_gy(ds.eqd2)}"
    )
    if ds.bed_t is not None and ds.eqd2_t is not None and k is not None and rec.kickoff:
        tk = format_quantity(rec.kickoff)
        out.append(
            f"    {name}: BED_T = BED - K x max(0, T - T_k) = {_gy(ds.bed)} - "
            f"{format_quantity(k, 4)} x max(0, {ds.overall_time} d - {tk}) = {_gy(ds.bed_t)}; "
            f"EQD2_T = BED_T / (1 + 2 Gy / {ab}) = {_gy(ds.eqd2_t)}"
        )
    return out


def record_lines(rec: Record) -> list[str]:
    """The record as text: T, the log's counts, the incomplete-repair factor of each day with
    several fractions, and per alpha/beta the BED and EQD2 (and BED_T, EQD2_T) planned against
    actual, each formula with its numbers."""
    out = [
        f"Treatment record of {rec.course} (RT log {rec.where}): planned against actual",
        f"  fractions: {rec.delivered} delivered, {rec.missed} missed, {rec.still_planned} "
        "still planned or not in the log",
    ]
    if rec.repair_days:
        assert rec.repair_half_time is not None  # noqa: S101 - required for repair days
        half = format_quantity(rec.repair_half_time)
        out.append(
            "  incomplete repair (Thames), late-responding tissue only: theta = exp(-ln2 x dt / "
            "T1/2), H_m = (2/m) x (theta / (1 - theta)) x (m - (1 - theta^m) / (1 - theta))"
        )
        for day in rec.repair_days:
            out.append(
                f"    {day.date.isoformat()}: m = {day.fractions}, dt = "
                f"{format_quantity(day.interval)}"
                f" (shortest interval of the day), T1/2 = {half}: H_{day.fractions} = "
                f"{format_number(day.h, 4)}"
            )
    for r in rec.results:
        ab = format_quantity(to_unit(r.alpha_beta, "Gy"), 4)
        tissue = " (tumour: full repair between fractions assumed)" if r.tissue == "tumour" else ""
        out.append(f"  α/β = {ab}{tissue}")
        out += _dosimetry_lines("planned", r.planned, ab, rec, r.k)
        out += _dosimetry_lines("actual", r.actual, ab, rec, r.k)
    return out


def _q(q: Quantity | None) -> dict[str, object] | None:
    return None if q is None else to_json(to_unit(require(q, DOSE), "Gy"), 10)


def _dosimetry_data(ds: Dosimetry) -> dict[str, object]:
    return {
        "overall_time": {"value": ds.overall_time, "unit": "d"},
        "bed": _q(ds.bed),
        "eqd2": _q(ds.eqd2),
        "bed_t": _q(ds.bed_t),
        "eqd2_t": _q(ds.eqd2_t),
        "fractions": [
            {"fractions": t.fractions, "dose": to_json(t.dose), "h": t.h} for t in ds.terms
        ],
    }


def record_data(rec: Record | None) -> dict[str, object] | None:
    """The ``treatment_record`` JSON object of ``dose`` (None without an RT log)."""
    if rec is None:
        return None
    return {
        "course": rec.course,
        "delivered": rec.delivered,
        "missed": rec.missed,
        "planned": rec.still_planned,
        "incomplete_repair": [
            {
                "date": r.date.isoformat(),
                "fractions": r.fractions,
                "h": r.h,
                "interval": to_json(r.interval),
                "repair_half_time": to_json(rec.repair_half_time)
                if rec.repair_half_time is not None
                else None,
            }
            for r in rec.repair_days
        ],
        "results": [
            {
                "alpha_beta": to_json(r.alpha_beta),
                "tissue": r.tissue,
                "k": to_json(r.k) if r.k is not None else None,
                "planned": _dosimetry_data(r.planned),
                "actual": _dosimetry_data(r.actual),
            }
            for r in rec.results
        ],
    }

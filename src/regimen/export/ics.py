"""iCalendar export (RFC 5545) of a plan, right by construction.

* One explicit VEVENT per fraction and per dosing day; never RRULE, EXDATE or RECURRENCE-ID
  (a weekday RRULE with COUNT and EXDATE silently drops fractions in real clients). Held days
  are not events; the decisions since a course's previous event go in the DESCRIPTION of its
  next event.
* All-day events (``VALUE=DATE``, DTEND exclusive) by default; with ``time`` and ``tz``, timed
  events with a TZID and a matching VTIMEZONE placed before the first event. Never floating.
* Deterministic: UIDs are uuid5 over stable keys (regimen id, plan id, course, kind, cycle/day
  or fraction number), so a re-export after a dose change keeps the UIDs of unchanged events;
  DTSTAMP is the ``generated_at`` passed in; SEQUENCE is 1 for events whose date or dose differ
  from the ``baseline`` plan (the same plan without the AE log), else 0.
* Private by default: SUMMARY is neutral ("Treatment day: cycle 2, day 3", "Radiotherapy 4 of
  13"); drug names and doses go in SUMMARY only with ``with_drug_names``; CLASS:PRIVATE; no
  patient identifier.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import attrs

from regimen import __version__
from regimen.drugs import DrugCourse
from regimen.errors import InputError
from regimen.export.calendar import decision_text
from regimen.schedule import Event, Plan
from regimen.units import format_quantity

#: Namespace for event UIDs (uuid5 of the project's URL-like name).
UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://regimen.invalid/ics")
#: Length of a timed event [min].
EVENT_MINUTES = 30


@attrs.frozen
class IcsOptions:
    """Options of the iCalendar export (all validated by :func:`options`)."""

    generated_at: dt.datetime
    time: dt.time | None = None
    tz: str | None = None
    reminder: dt.time | None = None
    with_drug_names: bool = False
    plan_id: str = ""


def parse_hhmm(text: str, where: str) -> dt.time:
    """``08:00`` -> time(8, 0); anything else is an error naming the option."""
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise InputError(f"expected HH:MM (24-hour), got {text!r}", where=where)
    hour, minute = int(parts[0]), int(parts[1])
    if hour > 23 or minute > 59:
        raise InputError(f"expected HH:MM (24-hour), got {text!r}", where=where)
    return dt.time(hour, minute)


def check_zone(name: str) -> str:
    """An IANA zone name (``Asia/Shanghai``) that this machine knows; else an error."""
    if "/" not in name and name != "UTC":
        raise InputError(
            f"unknown time zone {name!r}; use an IANA name like Asia/Shanghai", where="--tz"
        )
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {name!r}; use an IANA name like Asia/Shanghai", where="--tz"
        ) from None
    return name


def options(
    generated_at: dt.datetime,
    time: str | None = None,
    tz: str | None = None,
    reminder: str | None = None,
    with_drug_names: bool = False,
    plan_id: str = "",
) -> IcsOptions:
    """Validate raw option values into :class:`IcsOptions`."""
    if generated_at.tzinfo is None:
        raise InputError("the generation time must be timezone-aware (UTC)", where="--generated-at")
    if (time is None) != (tz is None):
        raise InputError(
            "--time and --tz go together (timed events are never floating)",
            where="--time" if time is None else "--tz",
        )
    return IcsOptions(
        generated_at=generated_at.astimezone(dt.UTC),
        time=parse_hhmm(time, "--time") if time else None,
        tz=check_zone(tz) if tz else None,
        reminder=parse_hhmm(reminder, "--reminder") if reminder else None,
        with_drug_names=with_drug_names,
        plan_id=plan_id,
    )


def event_key(plan: Plan, e: Event, plan_id: str = "") -> str:
    """The stable key of an event: what it *is*, not when or how much."""
    what = f"fraction/{e.fraction}" if e.kind == "fraction" else f"dose/{e.cycle}/{e.day}"
    return f"{plan.regimen.id}|{plan_id}|{e.course}|{what}"


def event_uid(plan: Plan, e: Event, plan_id: str = "") -> str:
    """uuid5 over :func:`event_key`."""
    return f"{uuid.uuid5(UID_NAMESPACE, event_key(plan, e, plan_id))}@regimen"


def _category(plan: Plan, course_id: str, with_names: bool) -> str:
    course = plan.regimen.course(course_id)
    if not isinstance(course, DrugCourse):
        return "Radiotherapy"
    if with_names:
        return course.drug.capitalize()
    return f"Treatment ({course.route})"


def _summary(plan: Plan, e: Event, with_names: bool) -> str:
    course = plan.regimen.course(e.course)
    if e.kind == "fraction":
        assert e.fraction is not None  # noqa: S101 - fraction events carry their number
        text = f"Radiotherapy {e.fraction} of {e.fractions_total}"
        if with_names and e.dose is not None:
            text += f": {format_quantity(e.dose)} {e.technique}"
        return text
    label = f"cycle {e.cycle}, day {e.day}"
    if with_names and isinstance(course, DrugCourse) and e.dose is not None:
        return f"{course.drug.capitalize()} {format_quantity(e.dose)}: {label}"
    return f"Treatment day: {label}"


def _description(plan: Plan, e: Event, decisions: list[str]) -> str:
    course = plan.regimen.course(e.course)
    lines: list[str] = []
    if e.kind == "fraction" and e.dose is not None:
        lines.append(f"{e.label}: {format_quantity(e.dose)}")
    elif isinstance(course, DrugCourse) and e.dose is not None:
        how = f"{course.route} {course.frequency}"
        lines.append(
            f"{course.drug.capitalize()} {format_quantity(e.dose)} {how}"
            + (f", {course.instruction}" if course.instruction else "")
            + f" (cycle {e.cycle}, day {e.day})."
        )
        if course.missed_dose:
            lines.append(f"Missed dose: {course.missed_dose}")
        if course.when_to_call:
            lines.append(course.when_to_call)
    if decisions:
        lines.append("Changes since the last treatment day:")
        lines.extend(f"- {d}" for d in decisions)
    return "\n".join(lines)


def fold(line: str) -> str:
    r"""Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence.

    >>> [len(p) for p in fold("A" * 80).split("\r\n ")]
    [75, 5]
    """
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts = []
    start, limit = 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: back off to the sequence start
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # continuation lines begin with one space
    parts.append(data[start:])
    return "\r\n ".join(p.decode("utf-8") for p in parts)


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 3.3.11 requires."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _date(d: dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _local(t: dt.datetime) -> str:
    return f"{_date(t)}T{t.hour:02d}{t.minute:02d}{t.second:02d}"


def _duration(td: dt.timedelta) -> str:
    sign = "-" if td < dt.timedelta(0) else ""
    minutes = abs(int(td.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    body = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return f"{sign}PT{body or '0S'}"


def render(plan: Plan, opts: IcsOptions, baseline: Plan | None = None) -> str:
    """The plan as an iCalendar file (CRLF line ends, folded at 75 octets).

    Content lines are assembled here rather than through ``icalendar``'s component tree,
    which spends most of its time folding character by character (about 6,000 events a
    second); ``icalendar`` still builds the VTIMEZONE, and the tests read every file back with
    ``icalendar``, ``ical``, ``recurring-ical-events`` and ``khal``.
    """
    name = f"{plan.regimen.name}" if opts.with_drug_names else "Treatment calendar"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//regimen//regimen {__version__}//EN",
        "CALSCALE:GREGORIAN",
        f"NAME:{_text(name)}",
        f"X-WR-CALNAME:{_text(name)}",
    ]
    events = [e for e in plan.events if e.kind != "held"]
    if opts.tz is not None and events:
        import icalendar

        first, last = events[0].date, events[-1].date + dt.timedelta(days=1)
        tz = icalendar.Timezone.from_tzid(opts.tz, first_date=first, last_date=last)
        lines.extend(tz.to_ical().decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1])

    base: dict[str, tuple[dt.date, str]] = {}
    if baseline is not None:
        for b in baseline.events:
            if b.kind != "held":
                base[event_key(baseline, b, opts.plan_id)] = (b.date, _dose_text(b))

    pending: dict[str, list[str]] = {}
    decisions = sorted(plan.decisions, key=lambda d: d.date)
    di = 0
    stamp = opts.generated_at.astimezone(dt.UTC).replace(microsecond=0)
    dtstamp = f"DTSTAMP:{_local(stamp)}Z"
    transp = "TRANSPARENT" if opts.time is None else "OPAQUE"
    alarm: list[str] = []
    if opts.reminder is not None:
        remind = dt.timedelta(hours=opts.reminder.hour, minutes=opts.reminder.minute)
        if opts.time is not None:
            # Timed event: the offset from the event's start to the reminder time that day.
            remind -= dt.timedelta(hours=opts.time.hour, minutes=opts.time.minute)
        # For an all-day event the start is the day's midnight, so the positive offset fires
        # on the day itself, never the night before.
        alarm = [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:Treatment reminder",
            f"TRIGGER;RELATED=START:{_duration(remind)}",
            "END:VALARM",
        ]
    for e in events:
        while di < len(decisions) and decisions[di].date <= e.date:
            d = decisions[di]
            pending.setdefault(d.course, []).append(f"{d.date.isoformat()}: {decision_text(d)}")
            di += 1
        key = event_key(plan, e, opts.plan_id)
        seq = 1 if key in base and base[key] != (e.date, _dose_text(e)) else 0
        lines.append("BEGIN:VEVENT")
        lines.append(f"UID:{event_uid(plan, e, opts.plan_id)}")
        lines.append(dtstamp)
        if opts.tz is not None and opts.time is not None:
            start = dt.datetime.combine(e.date, opts.time)
            end = start + dt.timedelta(minutes=EVENT_MINUTES)
            lines.append(f"DTSTART;TZID={opts.tz}:{_local(start)}")
            lines.append(f"DTEND;TZID={opts.tz}:{_local(end)}")
        else:
            lines.append(f"DTSTART;VALUE=DATE:{_date(e.date)}")
            lines.append(f"DTEND;VALUE=DATE:{_date(e.date + dt.timedelta(days=1))}")
        lines.append(f"SEQUENCE:{seq}")
        lines.append(fold(f"SUMMARY:{_text(_summary(plan, e, opts.with_drug_names))}"))
        description = _description(plan, e, pending.pop(e.course, []))
        if description:
            lines.append(fold(f"DESCRIPTION:{_text(description)}"))
        lines.append(fold(f"CATEGORIES:{_text(_category(plan, e.course, opts.with_drug_names))}"))
        lines.append("CLASS:PRIVATE")
        lines.append(f"TRANSP:{transp}")
        lines.extend(alarm)
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def _dose_text(e: Event) -> str:
    return format_quantity(e.dose) if e.dose is not None else ""

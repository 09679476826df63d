"""iCalendar export (RFC 5545) of a plan, right by construction.

* One explicit VEVENT per fraction and per dosing day; never RRULE, EXDATE or RECURRENCE-ID
  (a weekday RRULE with COUNT and EXDATE silently drops fractions in real clients).
* Re-exports update, never strand. A held dosing day is an event of its own, "No dose today
  (on hold)", whether or not the plan had a baseline, so a first export that already includes a
  hold is honest too. A discontinued drug course gets a "Treatment stopped" event on its stop
  date. With a ``baseline`` (the same plan without the AE log), every baseline event that is no
  longer given as planned is still in the file under its UID: held, moved to its new date, or
  ``STATUS:CANCELLED`` with a SUMMARY that no longer says to take anything ("Cancelled:
  treatment stopped"), so importing the re-export over the first export replaces each old
  "take a dose" event. The decisions since a course's previous event go in the DESCRIPTION of
  its next event (dose, no-dose or stopped event).
* All-day events (``VALUE=DATE``, DTEND exclusive) by default; with ``time`` and ``tz``, timed
  events with a TZID and a matching VTIMEZONE placed before the first event. Never floating. A
  timed reminder may not come after its event.
* Deterministic: UIDs are uuid5 over stable keys (regimen id, plan id, course, kind, cycle/day
  or fraction number; the stop event's key is its course and ``stopped``), so a re-export keeps
  the UID of every event, changed or not, and ``--plan-id`` keeps two patients' events apart in
  one calendar (the id itself never appears in the file: uuid5 is a one-way hash). DTSTAMP is
  the ``generated_at`` passed in.
* SEQUENCE: without an AE log every event has SEQUENCE 0. With a log, an event's SEQUENCE is the
  number of distinct AE-log rows (told apart by their line) dated on or before the later of its
  date in this plan and its date in the baseline, so an event no row can have touched stays 0
  and a later export from a longer log never lowers it. Cancelled, "no dose" and stop events
  follow the same rule, with at least 1. RT-log rows count like AE-log rows: a fraction moved
  by missed days, or delivered as logged, gets a SEQUENCE above the one it had before the log.
  A missed fraction is an event of its own, "Radiotherapy missed", keyed by its date and
  session (the fraction that was due keeps its fraction-number UID on its new date).
  Limitations: editing an existing row instead of adding
  one does not raise SEQUENCE; and a row added with a date earlier than rows already exported
  (a back-dated row) that cancels an event an earlier export had moved later can give it a lower
  SEQUENCE than that export did (clients that replace by UID, as khal does, are not affected).
* One line writer (:func:`content_line`) for every property, the VTIMEZONE's included: it
  escapes TEXT values (RFC 5545 3.3.11), replaces any control character (C0, DEL, C1, a lone CR,
  a lone surrogate) that reaches it with U+FFFD instead of writing it, and folds at 75 octets
  without splitting a UTF-8 sequence or a backslash escape.
* A feed (``feed_url``, :func:`check_feed_url`): the RFC 7986 calendar properties a
  subscription needs, NAME (always written), DESCRIPTION, REFRESH-INTERVAL (:data:`REFRESH`),
  SOURCE (the URL) and COLOR (:data:`FEED_COLOR`), plus X-PUBLISHED-TTL, the same interval
  for clients that read only that; the events and their UIDs and SEQUENCEs are the same with
  or without it, so a client refreshing the feed updates each event in place.
* Private by default: SUMMARY is neutral ("Treatment day: cycle 2, day 3", "Radiotherapy 4 of
  13", "No dose today (on hold)", "Treatment stopped"); drug names and doses go in SUMMARY and
  the calendar's name only with ``with_drug_names``; CLASS:PRIVATE; no patient identifier.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import re
import uuid
import zoneinfo
from typing import Literal

import attrs

from regimen import __version__
from regimen.drugs import DrugCourse
from regimen.errors import InputError
from regimen.export.calendar import basis_lines, decision_text, per_area_levels
from regimen.export.words import Words
from regimen.files import printable
from regimen.modification import AdverseEvent, DecisionKind
from regimen.radiotherapy import RadiotherapyCourse
from regimen.schedule import Event, Plan
from regimen.units import Quantity, format_quantity, magnitude

#: Namespace for event UIDs (uuid5 of the project's URL-like name).
UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://regimen.invalid/ics")
#: Length of a timed event [min].
EVENT_MINUTES = 30
#: Longest content line in octets, CRLF excluded (RFC 5545 3.1).
FOLD_OCTETS = 75

_HHMM_RE = re.compile(r"[0-9]{2}:[0-9]{2}", re.ASCII)
#: What the writer never emits: C0 (the newline is escaped before this applies), DEL, C1 and
#: lone surrogates (which cannot be encoded as UTF-8).
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
#: The units a fold may not split: a backslash escape, else one character.
_TOKEN_RE = re.compile(r"\\.|.", re.DOTALL)

#: How often a subscribed client should fetch the feed again (RFC 7986 REFRESH-INTERVAL): the
#: plan changes with AE-log and RT-log rows, entered at most a few times a day in clinic, so a
#: change made at a visit reaches the phone by the next morning's dose; a shorter interval only
#: adds load on the hospital's server (and many clients poll on their own schedule anyway).
REFRESH = "PT12H"
#: The feed's COLOR (RFC 7986 5.9: a CSS3 color name): calm and legible in light and dark themes.
FEED_COLOR = "teal"
#: The feed's DESCRIPTION: neutral, like the SUMMARY lines (no drug, no patient).
FEED_DESCRIPTION = (
    "Treatment calendar made by regimen. It updates when the treatment plan changes; "
    "follow your care team's instructions if they differ."
)
#: The longest feed URL accepted [characters] (the limit browsers and servers commonly keep).
MAX_URL = 2000
#: The characters RFC 3986 allows in a URI (a percent sign only before two hex digits).
_URI_CHARS_RE = re.compile(r"(?:[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=-]|%[0-9A-Fa-f]{2})*", re.ASCII)

ItemKind = Literal["fraction", "dose", "held", "stopped", "cancelled", "unstopped"]


@attrs.frozen
class IcsOptions:
    """Options of the iCalendar export (all validated by :func:`options`)."""

    generated_at: dt.datetime
    time: dt.time | None = None
    tz: str | None = None
    reminder: dt.time | None = None
    with_drug_names: bool = False
    plan_id: str = ""
    #: The address the calendar is published at (a feed); "" for a plain file.
    feed_url: str = ""


def check_feed_url(url: str, where: str = "--feed-url") -> str:
    """``url`` unchanged if a feed may be published at it: an absolute ``https`` (or ``http``,
    for a server inside the hospital's network) URL with a host, no user name or password, no
    space, control or non-ASCII character (percent-encode those, RFC 3986), at most
    :data:`MAX_URL` characters; else a one-line error.

    >>> check_feed_url("https://calendars.example.org/p/3f9c.ics")
    'https://calendars.example.org/p/3f9c.ics'
    >>> check_feed_url("https://")
    Traceback (most recent call last):
    ...
    regimen.errors.InputError: --feed-url: 'https://' has no host
    """
    from urllib.parse import urlsplit

    if not url:
        raise InputError("is empty; give the https:// address the calendar is published at", where)
    if len(url) > MAX_URL:
        raise InputError(f"is {len(url)} characters long; at most {MAX_URL}", where)
    if _CONTROL_RE.search(url):
        raise InputError("holds a control character", where)
    shown = printable(url if len(url) <= 40 else url[:40] + "...")
    if not _URI_CHARS_RE.fullmatch(url):
        raise InputError(
            f"'{shown}' holds a space or a character a URL may not hold; percent-encode it "
            "(RFC 3986)",
            where,
        )
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("https", "http"):
        raise InputError(f"must begin with https:// (or http://), got '{shown}'", where)
    if "@" in parts.netloc:
        raise InputError(
            "holds a user name or password (user:password@); a feed address must not carry "
            "credentials",
            where,
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise InputError(f"'{shown}' has an invalid port", where) from None
    if not parts.hostname:
        raise InputError(f"'{shown}' has no host", where)
    return url


def parse_hhmm(text: str, where: str) -> dt.time:
    """``08:00`` -> time(8, 0); anything else (other digits than ASCII 0-9 included) is an
    error naming the option."""
    if not _HHMM_RE.fullmatch(text) or int(text[:2]) > 23 or int(text[3:]) > 59:
        shown = printable(text if len(text) <= 20 else text[:20] + "...")
        raise InputError(f"expected HH:MM (24-hour), got '{shown}'", where=where)
    return dt.time(int(text[:2]), int(text[3:]))


def check_zone(name: str) -> str:
    """An IANA zone name (``Asia/Shanghai``) that this machine knows; else an error."""
    shown = printable(name if len(name) <= 40 else name[:40] + "...")
    if not name:
        raise InputError("is empty; use an IANA name like Asia/Shanghai", where="--tz")
    if "/" not in name and name != "UTC":
        raise InputError(
            f"unknown time zone '{shown}'; use an IANA name like Asia/Shanghai", where="--tz"
        )
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone '{shown}'; use an IANA name like Asia/Shanghai", where="--tz"
        ) from None
    return name


def options(
    generated_at: dt.datetime,
    time: str | None = None,
    tz: str | None = None,
    reminder: str | None = None,
    with_drug_names: bool = False,
    plan_id: str = "",
    feed_url: str | None = None,
) -> IcsOptions:
    """Validate raw option values into :class:`IcsOptions`.

    An empty value is a value (``--tz ''`` is refused, never read as "not given").
    """
    if generated_at.tzinfo is None:
        raise InputError("the generation time must be timezone-aware (UTC)", where="--generated-at")
    if (time is None) != (tz is None):
        raise InputError(
            "--time and --tz go together (timed events are never floating)",
            where="--time" if time is None else "--tz",
        )
    at = parse_hhmm(time, "--time") if time is not None else None
    zone = check_zone(tz) if tz is not None else None
    remind = parse_hhmm(reminder, "--reminder") if reminder is not None else None
    if at is not None and remind is not None and remind > at:
        raise InputError(
            f"{remind:%H:%M} is after the event at {at:%H:%M} (--time); "
            "give a reminder time no later than --time",
            where="--reminder",
        )
    return IcsOptions(
        generated_at=generated_at.astimezone(dt.UTC),
        time=at,
        tz=zone,
        reminder=remind,
        with_drug_names=with_drug_names,
        plan_id=plan_id,
        feed_url=check_feed_url(feed_url) if feed_url is not None else "",
    )


def event_key(plan: Plan, e: Event, plan_id: str = "") -> str:
    """The stable key of an event: what it *is*, not when or how much (a held day has the
    key of the dose it replaces)."""
    what = f"fraction/{e.fraction}" if e.kind == "fraction" else f"dose/{e.cycle}/{e.day}"
    if e.status == "missed":
        # The fraction that was due is given later under its own key: a missed day is an
        # event of its own, keyed by its date and session.
        what += f"/missed/{e.date.isoformat()}/{e.session or 1}"
    return f"{plan.regimen.id}|{plan_id}|{e.course}|{what}"


def stop_key(plan: Plan, course: str, plan_id: str = "") -> str:
    """The stable key of a course's "Treatment stopped" event."""
    return f"{plan.regimen.id}|{plan_id}|{course}|stopped"


def _uid(key: str) -> str:
    """``uuid5(UID_NAMESPACE, key)`` as text, plus ``@regimen``.

    The same SHA-1 and the same version and variant bits as :func:`uuid.uuid5`, without
    building a :class:`uuid.UUID` (a fifth of a batch's rendering time went there).
    """
    digest = bytearray(
        hashlib.sha1(_NAMESPACE_BYTES + key.encode("utf-8"), usedforsecurity=False).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}@regimen"


_NAMESPACE_BYTES = UID_NAMESPACE.bytes


def event_uid(plan: Plan, e: Event, plan_id: str = "") -> str:
    """uuid5 over :func:`event_key`."""
    return _uid(event_key(plan, e, plan_id))


# --- the one line writer -------------------------------------------------------------------


def escape_text(value: str) -> str:
    r"""A TEXT value escaped as RFC 5545 3.3.11 requires (a CRLF or LF becomes ``\n``).

    >>> escape_text("a;b,c\\d\r\ne")
    'a\\;b\\,c\\\\d\\ne'
    """
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    r"""Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence or a
    backslash escape (a ``\n`` split across lines makes Google Calendar drop the event).

    >>> [len(p) for p in fold("A" * 80).split("\r\n ")]
    [75, 5]
    >>> fold("A" * 74 + "\\n").split("\r\n ")
    ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '\\n']
    """
    if line.isascii():
        return _fold_ascii(line)
    if len(line.encode("utf-8")) <= FOLD_OCTETS:
        return line
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, FOLD_OCTETS
    for token in _TOKEN_RE.findall(line):
        n = len(token.encode("utf-8"))
        if size + n > limit and current:
            parts.append("".join(current))
            current, size, limit = [], 0, FOLD_OCTETS - 1  # continuation lines begin with " "
        current.append(token)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


#: A backslash escape: where it starts, a fold may not fall one character later.
_ESCAPE_RE = re.compile(r"\\.", re.DOTALL)


def _fold_ascii(line: str) -> str:
    """:func:`fold` for an ASCII line, where a character is one octet: the same cuts as the
    token walk (each part as long as it can be without splitting an escape), found by slicing
    instead of encoding every character."""
    size = len(line)
    if size <= FOLD_OCTETS:
        return line
    # Positions just after an escape's backslash: no part may end there. Escapes are found
    # left to right without overlap, as the token walk reads them.
    inside = {m.start() + 1 for m in _ESCAPE_RE.finditer(line)} if "\\" in line else set()
    parts: list[str] = []
    start, limit = 0, FOLD_OCTETS
    while size - start > limit:
        end = start + limit
        if end in inside:
            end -= 1
        parts.append(line[start:end])
        start, limit = end, FOLD_OCTETS - 1  # continuation lines begin with " "
    parts.append(line[start:])
    return "\r\n ".join(parts)


def content_line(name: str, value: str, params: str = "", *, text: bool = False) -> str:
    """One property as a folded content line: ``NAME;PARAMS:VALUE``.

    ``text``: ``value`` is TEXT and is escaped. Whatever the value, a control character (C0
    other than an escaped newline, DEL, C1, a lone CR) or a lone surrogate is written as U+FFFD,
    never as itself: the loader refuses them at input, this is the last line of defence.

    Memoised (a pure function of its arguments): a cohort's calendars repeat the same
    summaries, descriptions and categories patient after patient. The memo is bounded, so
    memory stays flat however many patients a batch has.
    """
    return _content_line(name, value, params, text)


@functools.lru_cache(maxsize=4096)
def _content_line(name: str, value: str, params: str, text: bool) -> str:
    if text:
        value = escape_text(value)
    head = f"{name};{params}" if params else name
    line = _CONTROL_RE.sub("\ufffd", f"{head}:{value}")
    return fold(line)


# --- words -----------------------------------------------------------------------------------


def _drug(plan: Plan, course_id: str) -> str:
    course = plan.regimen.course(course_id)
    return course.drug if isinstance(course, DrugCourse) else course_id


def _category(plan: Plan, course_id: str, with_names: bool) -> str:
    course = plan.regimen.course(course_id)
    if not isinstance(course, DrugCourse):
        return "Radiotherapy"
    if with_names:
        return course.drug.capitalize()
    return f"Treatment ({course.route})"


def _later_session(plan: Plan, e: Event) -> dt.timedelta:
    """How long after the day's first fraction a planned fraction of a phase of several a day
    is given: (session - 1) x the phase's interval (zero otherwise)."""
    if e.kind != "fraction" or e.status != "planned" or not e.session or e.clock is not None:
        return dt.timedelta(0)
    course = plan.regimen.course(e.course)
    assert isinstance(course, RadiotherapyCourse)  # noqa: S101 - fractions are radiotherapy's
    interval = course.phases[(e.phase or 1) - 1].interval
    if interval is None:
        return dt.timedelta(0)
    return dt.timedelta(hours=magnitude(interval, "h") * (e.session - 1))


def _summary(plan: Plan, e: Event, with_names: bool) -> str:
    course = plan.regimen.course(e.course)
    if e.status == "missed":
        return "Radiotherapy missed"
    if e.kind == "fraction":
        assert e.fraction is not None  # noqa: S101 - fraction events carry their number
        text = f"Radiotherapy {e.fraction} of {e.fractions_total}"
        if e.status == "planned" and e.session:
            text += f" (session {e.session} of the day)"
        if with_names and e.dose is not None:
            text += f": {format_quantity(e.dose)} {e.technique}"
        return text
    if e.kind == "held":
        if with_names:
            return f"{_drug(plan, e.course).capitalize()}: no dose today (on hold)"
        return "No dose today (on hold)"
    label = f"cycle {e.cycle}, day {e.day}"
    if with_names and isinstance(course, DrugCourse) and e.dose is not None:
        return f"{course.drug.capitalize()} {format_quantity(e.dose)}: {label}"
    return f"Treatment day: {label}"


def _basis(plan: Plan, course: DrugCourse, dose: Quantity) -> list[str]:
    """The dose-basis line of ``dose``'s level (``basis_lines``, one line per level the plan
    uses, in the order of ``per_area_levels``); every line if they cannot be paired."""
    lines = basis_lines(plan, course.id)
    levels = per_area_levels(plan, course) if lines else []
    if len(lines) != len(levels):
        return lines
    level = course.level_index(dose)
    return [line for line, q in zip(lines, levels, strict=True) if course.level_index(q) == level]


def _changes(decisions: list[str]) -> list[str]:
    if not decisions:
        return []
    return ["Changes since the last treatment day:", *(f"- {d}" for d in decisions)]


def _description(plan: Plan, e: Event, decisions: list[str], moved_from: dt.date | None) -> str:
    course = plan.regimen.course(e.course)
    lines: list[str] = []
    if e.status == "missed":
        why = f" ({e.reason})" if e.reason else ""
        lines.append(
            f"Radiotherapy fraction {e.fraction} of {e.fractions_total} was not given on this "
            f"day{why}. It is given on a later treatment day."
        )
    elif e.kind == "fraction" and e.dose is not None:
        lines.append(f"{e.label}: {format_quantity(e.dose)}")
    elif e.kind == "held":
        lines.append(
            f"On hold: no {_drug(plan, e.course)} today (cycle {e.cycle}, day {e.day}). "
            "Do not take a dose."
        )
        if isinstance(course, DrugCourse) and course.when_to_call:
            lines.append(course.when_to_call)
    elif isinstance(course, DrugCourse) and e.dose is not None:
        infusion = Words("en").infusion(course)
        how = f"{course.route} {course.frequency}" if infusion is None else infusion
        lines.append(
            f"{course.drug.capitalize()} {format_quantity(e.dose)} {how}"
            + (f", {course.instruction}" if course.instruction else "")
            + f" (cycle {e.cycle}, day {e.day})."
        )
        level = e.level_dose if e.level_dose is not None else e.dose  # a lab rule's N% day
        lines.extend(f"Dose basis: {line}" for line in _basis(plan, course, level))
        if course.missed_dose:
            lines.append(f"Missed dose: {course.missed_dose}")
        if course.when_to_call:
            lines.append(course.when_to_call)
    if moved_from is not None:
        lines.append(f"Moved from {moved_from.isoformat()}, the date first planned.")
    lines.extend(_changes(decisions))
    return "\n".join(lines)


# --- what the file holds ---------------------------------------------------------------------


@attrs.frozen
class _Item:
    """One VEVENT to write."""

    date: dt.date
    course: str
    kind: ItemKind
    key: str
    seq: int
    #: The plan's event (dose, held, fraction) or the baseline's (cancelled); None for a stop.
    event: Event | None = None
    moved_from: dt.date | None = None


class _RowCounter:
    """Distinct AE-log and RT-log rows dated on or before a date (the SEQUENCE rule)."""

    def __init__(self, plan: Plan) -> None:
        rows: dict[object, AdverseEvent] = {}
        for d in plan.decisions:
            if d.event is not None:
                # Rows are told apart by their line; a row without one by its content.
                rows[d.event.line or d.event] = d.event
        rt = plan.rt_log.rows if plan.rt_log is not None else ()
        self.dates = sorted([r.date for r in rows.values()] + [r.date for r in rt])

    def upto(self, date: dt.date) -> int:
        return bisect.bisect_right(self.dates, date)


def _items(plan: Plan, baseline: Plan | None, plan_id: str) -> list[_Item]:
    rows = _RowCounter(plan)
    base: dict[str, Event] = {}
    if baseline is not None:
        for b in baseline.events:
            if b.kind != "held":
                base[event_key(baseline, b, plan_id)] = b
    items: list[_Item] = []
    seen: set[str] = set()
    for e in plan.events:
        key = event_key(plan, e, plan_id)
        seen.add(key)
        was = base.get(key)
        latest = max(e.date, was.date) if was is not None else e.date
        seq = rows.upto(latest)
        if e.kind == "held":
            seq = max(seq, 1)
        moved = was.date if was is not None and was.date != e.date else None
        items.append(_Item(e.date, e.course, e.kind, key, seq, e, moved))
    stopped = plan.discontinued
    for course, date in stopped.items():
        key = stop_key(plan, course, plan_id)
        items.append(_Item(date, course, "stopped", key, max(rows.upto(date), 1)))
    for course, date in _provisional_stops(plan).items():
        if course not in stopped:
            key = stop_key(plan, course, plan_id)
            items.append(_Item(date, course, "unstopped", key, max(rows.upto(date), 1)))
    for key, b in base.items():
        if key not in seen:
            seq = max(rows.upto(b.date), 1)
            items.append(_Item(b.date, b.course, "cancelled", key, seq, b))
    order = {c.id: i for i, c in enumerate(plan.regimen.courses)}
    rank = {"fraction": 0, "dose": 0, "held": 0, "stopped": 1, "unstopped": 1, "cancelled": 2}
    items.sort(key=lambda i: (i.date, order[i.course], rank[i.kind]))
    return items


def _provisional_stops(plan: Plan) -> dict[str, dt.date]:
    """Drug course -> the first date an export from a shorter log may have shown it stopped.

    A hold with a maximum length discontinues "as the log stands" when no recovery row comes
    in time; a later row can undo that. The stop event's UID must then still be in the file, or
    the old "Treatment stopped" would strand in the patient's calendar.
    """
    out: dict[str, dt.date] = {}
    for d in plan.decisions:
        if d.kind is DecisionKind.HOLD and d.rule is not None and d.rule.max_hold_days:
            date = d.date + dt.timedelta(days=d.rule.max_hold_days)
            out[d.course] = min(out.get(d.course, date), date)
    return out


def _stop_words(plan: Plan, item: _Item, with_names: bool, decisions: list[str]) -> tuple[str, str]:
    drug = _drug(plan, item.course)
    summary = f"{drug.capitalize()} stopped" if with_names else "Treatment stopped"
    lines = [
        f"{drug.capitalize()} was stopped on {item.date.isoformat()}. Do not take any more "
        f"{drug} unless the clinic tells you to.",
        *_changes(decisions),
    ]
    return summary, "\n".join(lines)


def _cancel_words(plan: Plan, item: _Item, with_names: bool) -> tuple[str, str]:
    drug = _drug(plan, item.course)
    if item.kind == "unstopped":
        summary = (
            f"Cancelled: {drug} not stopped" if with_names else "Cancelled: treatment not stopped"
        )
        description = (
            f"Cancelled. An earlier calendar showed {drug} stopping on this day because no "
            "recovery had been recorded yet. Recovery is now recorded: follow your treatment "
            "days."
        )
        return summary, description
    assert item.event is not None  # noqa: S101 - a cancelled item is a baseline event
    e = item.event
    stop = plan.discontinued.get(item.course)
    day = f"cycle {e.cycle}, day {e.day}" if e.kind != "fraction" else e.label
    if stop is not None:
        summary = f"Cancelled: {drug} stopped" if with_names else "Cancelled: treatment stopped"
        why = f"{drug.capitalize()} was stopped on {stop.isoformat()}"
    else:
        summary = f"Cancelled: {drug} on hold" if with_names else "Cancelled: treatment on hold"
        why = f"{drug.capitalize()} is on hold until the clinic confirms recovery"
    description = (
        f"Cancelled. {why}: no dose on this day first planned as {day}. Do not take a dose."
    )
    return summary, description


# --- the file --------------------------------------------------------------------------------


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


def _vtimezone(tzid: str, first: dt.date, last: dt.date) -> list[str]:
    """The VTIMEZONE ``icalendar`` builds, re-written line by line through the writer."""
    import icalendar

    tz = icalendar.Timezone.from_tzid(tzid, first_date=first, last_date=last)
    out: list[str] = []
    for line in tz.to_ical().decode("utf-8").replace("\r\n ", "").split("\r\n"):
        if line:
            head, _, value = line.partition(":")  # no quoted parameter in a VTIMEZONE
            name, _, params = head.partition(";")
            out.append(content_line(name, value, params))
    return out


def render(plan: Plan, opts: IcsOptions, baseline: Plan | None = None) -> str:
    """The plan as an iCalendar file (CRLF line ends, folded at 75 octets).

    ``baseline``: the same plan without the AE log; its events no longer given as planned are
    written too (held, moved or cancelled; see the module docstring).

    Content lines are assembled here rather than through ``icalendar``'s component tree,
    which spends most of its time folding character by character (about 6,000 events a
    second); ``icalendar`` still builds the VTIMEZONE, and the tests read every file back with
    ``icalendar``, ``ical``, ``recurring-ical-events`` and ``khal``.
    """
    names = opts.with_drug_names
    name = f"{plan.regimen.name}" if names else "Treatment calendar"
    lines = [
        content_line("BEGIN", "VCALENDAR"),
        content_line("VERSION", "2.0"),
        content_line("PRODID", f"-//regimen//regimen {__version__}//EN"),
        content_line("CALSCALE", "GREGORIAN"),
        content_line("NAME", name, text=True),
        content_line("X-WR-CALNAME", name, text=True),
    ]
    if opts.feed_url:
        lines += [
            content_line("DESCRIPTION", FEED_DESCRIPTION, text=True),
            content_line("REFRESH-INTERVAL", REFRESH, "VALUE=DURATION"),
            content_line("X-PUBLISHED-TTL", REFRESH),
            content_line("SOURCE", opts.feed_url, "VALUE=URI"),
            content_line("COLOR", FEED_COLOR),
        ]
    items = _items(plan, baseline, opts.plan_id)
    timed = opts.tz is not None and opts.time is not None
    if opts.tz is not None and items:
        first, last = items[0].date, max(i.date for i in items) + dt.timedelta(days=1)
        lines.extend(_vtimezone(opts.tz, first, last))

    pending: dict[str, list[str]] = {}
    decisions = sorted(plan.decisions, key=lambda d: d.date)
    di = 0
    stamp = opts.generated_at.astimezone(dt.UTC).replace(microsecond=0)
    dtstamp = content_line("DTSTAMP", f"{_local(stamp)}Z")
    remind: dt.timedelta | None = None
    if opts.reminder is not None:
        remind = dt.timedelta(hours=opts.reminder.hour, minutes=opts.reminder.minute)
        if opts.time is not None:
            # Timed event: the offset from the event's start to the reminder time that day
            # (never after the start: options() refuses that).
            remind -= dt.timedelta(hours=opts.time.hour, minutes=opts.time.minute)
        # For an all-day event the start is the day's midnight, so the positive offset fires
        # on the day itself, never the night before.
    for item in items:
        while di < len(decisions) and decisions[di].date <= item.date:
            d = decisions[di]
            pending.setdefault(d.course, []).append(f"{d.date.isoformat()}: {decision_text(d)}")
            di += 1
        status = ""
        alarm_text = "Treatment reminder"
        if item.kind == "stopped":
            summary, description = _stop_words(plan, item, names, pending.pop(item.course, []))
            alarm_text = "Treatment stopped"
        elif item.kind in ("cancelled", "unstopped"):
            summary, description = _cancel_words(plan, item, names)
            status = "CANCELLED"
        else:
            assert item.event is not None  # noqa: S101 - a plan event
            summary = _summary(plan, item.event, names)
            description = _description(
                plan, item.event, pending.pop(item.course, []), item.moved_from
            )
            if item.kind == "held":
                alarm_text = "No dose today (on hold)"
        if item is items[0] and plan.warnings:  # the plan's warnings, once, on its first event
            said = "\n".join(["Warnings:", *(f"- {text}" for text in plan.warnings)])
            description = f"{description}\n\n{said}" if description else said
        lines.append(content_line("BEGIN", "VEVENT"))
        lines.append(content_line("UID", _uid(item.key)))
        lines.append(dtstamp)
        if timed:
            assert opts.time is not None and opts.tz is not None  # noqa: S101 - timed
            start = dt.datetime.combine(item.date, opts.time)
            if item.event is not None:
                start += _later_session(plan, item.event)
            end = start + dt.timedelta(minutes=EVENT_MINUTES)
            lines.append(content_line("DTSTART", _local(start), f"TZID={opts.tz}"))
            lines.append(content_line("DTEND", _local(end), f"TZID={opts.tz}"))
        else:
            lines.append(content_line("DTSTART", _date(item.date), "VALUE=DATE"))
            end_date = item.date + dt.timedelta(days=1)
            lines.append(content_line("DTEND", _date(end_date), "VALUE=DATE"))
        lines.append(content_line("SEQUENCE", str(item.seq)))
        if status:
            lines.append(content_line("STATUS", status))
        lines.append(content_line("SUMMARY", summary, text=True))
        if description:
            lines.append(content_line("DESCRIPTION", description, text=True))
        category = _category(plan, item.course, names)
        lines.append(content_line("CATEGORIES", category, text=True))
        lines.append(content_line("CLASS", "PRIVATE"))
        missed = item.event is not None and item.event.status == "missed"
        busy = timed and item.kind in ("fraction", "dose") and not missed
        lines.append(content_line("TRANSP", "OPAQUE" if busy else "TRANSPARENT"))
        if remind is not None and item.kind not in ("cancelled", "unstopped") and not missed:
            lines.extend(
                [
                    content_line("BEGIN", "VALARM"),
                    content_line("ACTION", "DISPLAY"),
                    content_line("DESCRIPTION", alarm_text, text=True),
                    content_line("TRIGGER", _duration(remind), "RELATED=START"),
                    content_line("END", "VALARM"),
                ]
            )
        lines.append(content_line("END", "VEVENT"))
    lines.append(content_line("END", "VCALENDAR"))
    return "\r\n".join(lines) + "\r\n"

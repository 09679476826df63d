"""A strict RFC 5545 lint for the files regimen writes (``regimen check-ics PATH``).

The Python iCalendar parsers are lenient (they invent missing UIDs and DTSTAMPs and accept DTEND
before DTSTART), so "it parsed" proves little. This checks the text itself:

* CRLF line ends; no content line over 75 octets; no fold inside a UTF-8 sequence;
* VERSION and PRODID exactly once; METHOD absent or PUBLISH;
* every VEVENT has one UID and one DTSTAMP in UTC; UIDs unique;
* DTSTART and DTEND of one value type (DATE or DATE-TIME) with DTEND after DTSTART; no
  floating times;
* every TZID used is defined by a VTIMEZONE that comes before the first VEVENT;
* no RRULE, RDATE, EXDATE or RECURRENCE-ID;
* optionally, the number of VEVENTs equals the plan's.

>>> lint(b"BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nEND:VCALENDAR\\r\\n")
['PRODID appears 0 times; expected once']
"""

from __future__ import annotations

import datetime as dt
import re

_PARAM_RE = re.compile(r'([A-Za-z0-9-]+)=("[^"]*"|[^;:]*)')


def _split(line: str) -> tuple[str, dict[str, str], str]:
    """``NAME;P=V:value`` -> (NAME, {P: V}, value)."""
    i = 0
    in_quotes = False
    while i < len(line):
        c = line[i]
        if c == '"':
            in_quotes = not in_quotes
        elif c == ":" and not in_quotes:
            break
        i += 1
    head, value = line[:i], line[i + 1 :]
    name, _, params_text = head.partition(";")
    params = {k.upper(): v.strip('"') for k, v in _PARAM_RE.findall(params_text)}
    return name.upper(), params, value


def _parse_dt(value: str, params: dict[str, str]) -> tuple[str, dt.datetime | dt.date] | None:
    kind = params.get("VALUE", "DATE-TIME").upper()
    try:
        if kind == "DATE":
            return "DATE", dt.datetime.strptime(value, "%Y%m%d").date()  # noqa: DTZ007
        if value.endswith("Z"):
            return "UTC", dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        stamp = dt.datetime.strptime(value, "%Y%m%dT%H%M%S")  # noqa: DTZ007 - TZID applies
        return ("TZID" if "TZID" in params else "FLOATING"), stamp
    except ValueError:
        return None


def lint(data: bytes, expected_events: int | None = None) -> list[str]:
    """Problems found in an iCalendar file's bytes; an empty list means it passes."""
    problems: list[str] = []
    if not data:
        return ["file is empty"]
    raw_lines = data.split(b"\r\n")
    if raw_lines[-1] != b"":
        problems.append("file does not end with CRLF")
    raw_lines = raw_lines[:-1] if raw_lines[-1] == b"" else raw_lines
    for n, raw in enumerate(raw_lines, 1):
        if b"\n" in raw or b"\r" in raw:
            problems.append(f"line {n}: bare LF or CR; lines must end with CRLF")
        if len(raw) > 75:
            problems.append(f"line {n}: {len(raw)} octets; at most 75 allowed")
        if raw[:1] in (b" ", b"\t") and len(raw) > 1 and 0x80 <= raw[1] <= 0xBF:
            problems.append(f"line {n}: folded inside a UTF-8 sequence")
    # unfold
    logical: list[tuple[int, str]] = []
    for n, raw in enumerate(raw_lines, 1):
        if raw[:1] in (b" ", b"\t") and logical:
            start, prev = logical[-1]
            logical[-1] = (start, prev + raw[1:].decode("utf-8", "replace"))
        else:
            logical.append((n, raw.decode("utf-8", "replace")))
    try:
        b"".join(raw_lines).decode("utf-8")
    except UnicodeDecodeError:
        problems.append("not valid UTF-8 once unfolded")

    counts: dict[str, int] = {}
    tzids_defined: set[str] = set()
    tzids_used: set[str] = set()
    uids: dict[str, int] = {}
    stack: list[str] = []
    event: dict[str, list[tuple[int, dict[str, str], str]]] | None = None
    events = 0
    first_event_line: int | None = None
    tz_after_event = False
    for n, line in logical:
        name, params, value = _split(line)
        if name == "BEGIN":
            stack.append(value.upper())
            if value.upper() == "VEVENT":
                event = {}
                events += 1
                if first_event_line is None:
                    first_event_line = n
            if value.upper() == "VTIMEZONE" and first_event_line is not None:
                tz_after_event = True
            continue
        if name == "END":
            if not stack or stack[-1] != value.upper():
                problems.append(f"line {n}: END:{value} does not close {stack[-1:] or 'nothing'}")
            else:
                stack.pop()
            if value.upper() == "VEVENT" and event is not None:
                problems.extend(_check_event(event, uids))
                event = None
            continue
        where = stack[-1] if stack else ""
        if where == "VCALENDAR":
            counts[name] = counts.get(name, 0) + 1
            if name == "METHOD" and value.upper() != "PUBLISH":
                problems.append(f"line {n}: METHOD:{value}; only PUBLISH (or none) is allowed")
        if where == "VTIMEZONE" and name == "TZID":
            tzids_defined.add(value)
        if "TZID" in params:
            tzids_used.add(params["TZID"])
        if where == "VEVENT" and event is not None:
            event.setdefault(name, []).append((n, params, value))
    if stack:
        problems.append(f"unclosed component(s): {', '.join(stack)}")
    for prop in ("VERSION", "PRODID"):
        if counts.get(prop, 0) != 1:
            problems.append(f"{prop} appears {counts.get(prop, 0)} times; expected once")
    for tzid in sorted(tzids_used - tzids_defined):
        problems.append(f"TZID {tzid!r} is used but no VTIMEZONE defines it")
    if tz_after_event:
        problems.append("a VTIMEZONE comes after the first VEVENT")
    if expected_events is not None and events != expected_events:
        problems.append(f"{events} events; the plan has {expected_events}")
    return problems


def _check_event(
    event: dict[str, list[tuple[int, dict[str, str], str]]], uids: dict[str, int]
) -> list[str]:
    problems: list[str] = []
    first = min((v[0][0] for v in event.values()), default=0)
    at = f"VEVENT at line {first}"
    for prop in ("UID", "DTSTAMP", "DTSTART"):
        if len(event.get(prop, [])) != 1:
            problems.append(f"{at}: {prop} appears {len(event.get(prop, []))} times; expected once")
    for prop in ("RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"):
        if prop in event:
            problems.append(f"{at}: {prop} is not allowed (one explicit event per treatment)")
    if len(event.get("UID", [])) == 1:
        uid = event["UID"][0][2]
        if uid in uids:
            problems.append(f"{at}: UID {uid} repeats the event at line {uids[uid]}")
        uids[uid] = first
    if len(event.get("DTSTAMP", [])) == 1:
        _, params, value = event["DTSTAMP"][0]
        parsed = _parse_dt(value, params)
        if parsed is None or parsed[0] != "UTC":
            problems.append(f"{at}: DTSTAMP {value!r} must be a UTC date-time (…Z)")
    start = end = None
    if len(event.get("DTSTART", [])) == 1:
        _, params, value = event["DTSTART"][0]
        start = _parse_dt(value, params)
        if start is None:
            problems.append(f"{at}: DTSTART {value!r} is not a valid date or date-time")
    if len(event.get("DTEND", [])) == 1:
        _, params, value = event["DTEND"][0]
        end = _parse_dt(value, params)
        if end is None:
            problems.append(f"{at}: DTEND {value!r} is not a valid date or date-time")
    elif "DTEND" in event:
        problems.append(f"{at}: DTEND appears more than once")
    for label, parsed in (("DTSTART", start), ("DTEND", end)):
        if parsed is not None and parsed[0] == "FLOATING":
            problems.append(f"{at}: {label} is a floating time (no TZID, no Z)")
    if start is not None and end is not None:
        if (start[0] == "DATE") != (end[0] == "DATE"):
            problems.append(f"{at}: DTSTART and DTEND are of different value types")
        elif start[0] == end[0] and not end[1] > start[1]:
            problems.append(f"{at}: DTEND is not after DTSTART")
    return problems

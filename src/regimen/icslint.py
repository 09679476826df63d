"""A strict RFC 5545 lint for the files regimen writes (``regimen check-ics PATH``).

The Python iCalendar parsers are lenient (they invent missing UIDs and DTSTAMPs and accept DTEND
before DTSTART), so "it parsed" proves little. This checks the text itself:

* CRLF line ends (a file with LF line ends only is one finding, not one per line); no bare CR
  or LF inside a line; no control character in content (C0 other than tab, DEL, C1); no content
  line over 75 octets; no fold inside a UTF-8 sequence or a backslash escape;
* VERSION and PRODID exactly once; METHOD absent or PUBLISH;
* every VEVENT has one UID and one DTSTAMP in UTC; UIDs unique;
* DTSTART and DTEND of one value type (DATE or DATE-TIME) with DTEND after DTSTART; no
  floating times;
* every TZID used is defined by a VTIMEZONE that comes before the first VEVENT;
* no RRULE, RDATE, EXDATE or RECURRENCE-ID;
* the RFC 7986 calendar properties of a feed (``--feed-url``), where present, at most once
  each: REFRESH-INTERVAL with ``VALUE=DURATION`` and a positive duration, SOURCE an absolute
  ``http(s)`` URI, COLOR a CSS3 color name;
* optionally, the number of VEVENTs equals the plan's.

A finding never echoes the file at length: a value quoted in one is cut to
:data:`SHOWN_CHARS` characters and its control characters are shown as escapes; past
:data:`MAX_FINDINGS` findings, the rest are only counted. The command
reads at most :data:`MAX_ICS_BYTES` through :func:`regimen.files.read_input`, so a larger file, a
FIFO or a device is one error and never parsed. The limit is 20 MB, not the 1 MB of the other
inputs: regimen's own largest file (1,000 cycles of anlotinib plus pembrolizumab, timed, with
drug names: 15,000 events) is about 12 MB, and check-ics must pass regimen's own files.

>>> lint(b"BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nEND:VCALENDAR\\r\\n")
['PRODID appears 0 times; expected once']
"""

from __future__ import annotations

import datetime as dt
import re

from regimen.files import printable

#: The largest file ``check-ics`` reads [bytes].
MAX_ICS_BYTES = 20_000_000
#: The most characters of a value a finding quotes.
SHOWN_CHARS = 40
#: The most findings listed; the rest are counted.
MAX_FINDINGS = 100
#: Control characters content may not hold (RFC 5545 3.1 CONTROL, plus C1); tab is allowed.
_CONTROL_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")

_PARAM_RE = re.compile(r'([A-Za-z0-9-]+)=("[^"]*"|[^;:]*)')

#: A DURATION value (RFC 5545 3.3.6).
_DUR_TIME = r"T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S)"
_DURATION_RE = re.compile(rf"[+-]?P(?:[0-9]+W|[0-9]+D(?:{_DUR_TIME})?|{_DUR_TIME})", re.ASCII)
#: An absolute http(s) URI: the characters RFC 3986 allows, a host, no user information.
_FEED_URI_RE = re.compile(
    r"https?://[A-Za-z0-9._~!$&'()*+,;=:%\[\]-]+(?:[/?#][A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]*)?",
    re.ASCII | re.IGNORECASE,
)
#: The CSS3 color names (CSS Color Module Level 3, 4.3 extended color keywords), which RFC 7986
#: 5.9 COLOR takes.
_CSS3_NAMES = """
    aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite
    gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
    lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
    lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
    lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
    magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
    mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
    mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
    palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
    powderblue purple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell
    sienna silver skyblue slateblue slategray slategrey snow springgreen steelblue tan teal
    thistle tomato turquoise violet wheat white whitesmoke yellow yellowgreen
"""
CSS3_COLORS = frozenset(_CSS3_NAMES.split())


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


def show(value: str) -> str:
    """``value`` as a finding quotes it: at most :data:`SHOWN_CHARS` characters, control and
    bidirectional characters escaped, in single quotes."""
    cut = value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "..."
    return f"'{printable(cut)}'"


def _physical(raw_lines: list[bytes]) -> list[str]:
    """Findings about the physical lines: line ends, controls, length, folds."""
    problems: list[str] = []
    for n, raw in enumerate(raw_lines, 1):
        if b"\n" in raw:
            problems.append(f"line {n}: bare LF inside the line; lines must end with CRLF")
        if b"\r" in raw:
            problems.append(f"line {n}: bare CR inside the line; lines must end with CRLF")
        codes = sorted({ord(c) for c in _CONTROL_RE.findall(raw.decode("utf-8", "replace"))})
        codes = [c for c in codes if c not in (0x0A, 0x0D)]  # reported above
        if codes:
            listed = ", ".join(f"U+{c:04X}" for c in codes[:5])
            more = f" and {len(codes) - 5} more" if len(codes) > 5 else ""
            problems.append(f"line {n}: control character {listed}{more} in content")
        if len(raw) > 75:
            problems.append(f"line {n}: {len(raw)} octets; at most 75 allowed")
        if raw[:1] in (b" ", b"\t") and n > 1:
            if len(raw) > 1 and 0x80 <= raw[1] <= 0xBF:
                problems.append(f"line {n}: folded inside a UTF-8 sequence")
            previous = raw_lines[n - 2]
            trailing = len(previous) - len(previous.rstrip(b"\\"))
            if trailing % 2 == 1:
                problems.append(f"line {n}: folded inside a backslash escape")
    return problems


def lint(data: bytes, expected_events: int | None = None) -> list[str]:
    """Problems found in an iCalendar file's bytes; an empty list means it passes."""
    if not data:
        return ["file is empty"]
    if b"\r\n" not in data and b"\n" in data:
        # Every line would be one finding: say it once, and check no further.
        return ["uses LF line ends; RFC 5545 requires CRLF"]
    problems: list[str] = []
    raw_lines = data.split(b"\r\n")
    if raw_lines[-1] != b"":
        problems.append("file does not end with CRLF")
    raw_lines = raw_lines[:-1] if raw_lines[-1] == b"" else raw_lines
    problems.extend(_physical(raw_lines))
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
    feed: dict[str, list[tuple[int, dict[str, str], str]]] = {}
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
                problems.append(
                    f"line {n}: END:{show(value)} does not close "
                    + (show(stack[-1]) if stack else "anything")
                )
            else:
                stack.pop()
            if value.upper() == "VEVENT" and event is not None:
                problems.extend(_check_event(event, uids))
                event = None
            continue
        where = stack[-1] if stack else ""
        if where == "VCALENDAR":
            counts[name] = counts.get(name, 0) + 1
            if name in _FEED_PROPERTIES:
                feed.setdefault(name, []).append((n, params, value))
            if name == "METHOD" and value.upper() != "PUBLISH":
                problems.append(
                    f"line {n}: METHOD:{show(value)}; only PUBLISH (or none) is allowed"
                )
        if where == "VTIMEZONE" and name == "TZID":
            tzids_defined.add(value)
        if "TZID" in params:
            tzids_used.add(params["TZID"])
        if where == "VEVENT" and event is not None:
            event.setdefault(name, []).append((n, params, value))
    if stack:
        problems.append(f"unclosed component(s): {', '.join(show(c) for c in stack[:5])}")
    for prop in ("VERSION", "PRODID"):
        if counts.get(prop, 0) != 1:
            problems.append(f"{prop} appears {counts.get(prop, 0)} times; expected once")
    problems.extend(_check_feed(feed))
    for tzid in sorted(tzids_used - tzids_defined):
        problems.append(f"TZID {show(tzid)} is used but no VTIMEZONE defines it")
    if tz_after_event:
        problems.append("a VTIMEZONE comes after the first VEVENT")
    if expected_events is not None and events != expected_events:
        problems.append(f"{events} events; the plan has {expected_events}")
    if len(problems) > MAX_FINDINGS:
        more = len(problems) - MAX_FINDINGS
        problems = [*problems[:MAX_FINDINGS], f"... and {more} more findings"]
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
            problems.append(f"{at}: UID {show(uid)} repeats the event at line {uids[uid]}")
        uids[uid] = first
    if len(event.get("DTSTAMP", [])) == 1:
        _, params, value = event["DTSTAMP"][0]
        parsed = _parse_dt(value, params)
        if parsed is None or parsed[0] != "UTC":
            problems.append(f"{at}: DTSTAMP {show(value)} must be a UTC date-time (ending in Z)")
    start = end = None
    if len(event.get("DTSTART", [])) == 1:
        _, params, value = event["DTSTART"][0]
        start = _parse_dt(value, params)
        if start is None:
            problems.append(f"{at}: DTSTART {show(value)} is not a valid date or date-time")
    if len(event.get("DTEND", [])) == 1:
        _, params, value = event["DTEND"][0]
        end = _parse_dt(value, params)
        if end is None:
            problems.append(f"{at}: DTEND {show(value)} is not a valid date or date-time")
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


_FEED_PROPERTIES = ("REFRESH-INTERVAL", "SOURCE", "COLOR")


def _check_feed(feed: dict[str, list[tuple[int, dict[str, str], str]]]) -> list[str]:
    """RFC 7986's REFRESH-INTERVAL (5.7), SOURCE (5.8) and COLOR (5.9) of the calendar."""
    problems: list[str] = []
    for prop, found in feed.items():
        if len(found) > 1:
            problems.append(f"line {found[1][0]}: {prop} appears {len(found)} times; at most once")
        n, params, value = found[0]
        if prop == "REFRESH-INTERVAL":
            if params.get("VALUE", "").upper() != "DURATION":
                problems.append(f"line {n}: REFRESH-INTERVAL needs VALUE=DURATION (RFC 7986 5.7)")
            match = _DURATION_RE.fullmatch(value)
            if not match or value.startswith("-") or not any(c in "123456789" for c in value):
                problems.append(
                    f"line {n}: REFRESH-INTERVAL {show(value)} is not a positive duration"
                )
        elif prop == "SOURCE":
            if params.get("VALUE", "URI").upper() != "URI" or not _FEED_URI_RE.fullmatch(value):
                problems.append(
                    f"line {n}: SOURCE {show(value)} is not an absolute http(s) URI without "
                    "user information"
                )
        elif value.lower() not in CSS3_COLORS:
            problems.append(f"line {n}: COLOR {show(value)} is not a CSS3 color name")
    return problems

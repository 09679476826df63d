"""Calendar feeds (issue 14 item 5): ``--feed-url`` adds RFC 7986's calendar properties (NAME,
DESCRIPTION, REFRESH-INTERVAL;VALUE=DURATION, SOURCE, COLOR) so a calendar can be published as a
subscription; the file still passes ``check-ics``, reads back in ``icalendar`` and ``ical`` with
the properties, and its events (UIDs, SEQUENCE) are those of the same export without a feed.

Expected values come from RFC 7986 (5.1 NAME, 5.2 DESCRIPTION, 5.7 REFRESH-INTERVAL with
VALUE=DURATION required, 5.8 SOURCE a URI, 5.9 COLOR a CSS3 color name), RFC 5545 (3.3.6
durations, 3.1 folding) and RFC 3986 (URI characters, user information, percent-encoding).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from regimen.icslint import lint
from tests.helpers import ICS_STAMP, README_AE_LOG, one_error_line, read_back

Run = Callable[..., Result]

URL = "https://example.org/p.ics"
CALENDAR = ["calendar", "anlotinib-sts", "--start", "2022-01-03", "--cycles", "2"]
ICS = ["--format", "ics", "--generated-at", ICS_STAMP]


def _ics(run: Run, tmp_path: Path, *extra: str, name: str = "p.ics") -> bytes:
    target = tmp_path / name
    result = run(*CALENDAR, *ICS, *extra, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    return target.read_bytes()


def _calendar_lines(data: bytes) -> list[str]:
    """The VCALENDAR's own content lines (unfolded), before its first component."""
    text = data.decode("utf-8").replace("\r\n ", "")
    head = text.split("BEGIN:VEVENT", 1)[0]
    return [line for line in head.split("\r\n") if line]


def _events(data: bytes) -> list[str]:
    text = data.decode("utf-8")
    return ["BEGIN:VEVENT" + part.split("END:VEVENT")[0] for part in text.split("BEGIN:VEVENT")[1:]]


def test_feed_passes_check_ics_and_reads_back_with_rfc7986_properties(
    run: Run, tmp_path: Path
) -> None:
    """Issue 14's acceptance: `calendar ... --format ics --feed-url https://example.org/p.ics`
    passes check-ics and reads back in icalendar with the RFC 7986 properties."""
    import icalendar

    data = _ics(run, tmp_path, "--feed-url", URL)
    check = run("check-ics", str(tmp_path / "p.ics"))
    assert check.exit_code == 0, check.stderr
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["NAME"]) == "Treatment calendar"  # neutral, as without a feed
    assert str(cal["DESCRIPTION"]).startswith("Treatment calendar made by regimen.")
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert cal["REFRESH-INTERVAL"].dt == dt.timedelta(hours=12)
    assert str(cal["SOURCE"]) == URL
    assert str(cal["COLOR"]) == "teal"  # a CSS3 color name (CSS Color Level 3, 4.3)
    # the same through icalendar's RFC 7986 accessors and the strict `ical` reader
    assert cal.calendar_name == "Treatment calendar"
    assert cal.refresh_interval == dt.timedelta(hours=12)
    assert cal.color == "teal"
    from ical.calendar_stream import IcsCalendarStream

    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    assert strict.refresh_interval == dt.timedelta(hours=12)
    assert strict.source == URL
    assert strict.color == "teal"


def test_feed_properties_once_each_on_the_calendar(run: Run, tmp_path: Path) -> None:
    lines = _calendar_lines(_ics(run, tmp_path, "--feed-url", URL))
    names = [line.split(":", 1)[0] for line in lines]
    for name in (
        "NAME",
        "DESCRIPTION",
        "REFRESH-INTERVAL;VALUE=DURATION",
        "SOURCE;VALUE=URI",
        "COLOR",
        "X-PUBLISHED-TTL",
    ):
        assert names.count(name) == 1, name
    assert f"SOURCE;VALUE=URI:{URL}" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT12H" in lines
    assert "X-PUBLISHED-TTL:PT12H" in lines  # the same interval, for clients reading only this


def test_without_feed_url_no_feed_properties(run: Run, tmp_path: Path) -> None:
    names = {line.split(":")[0].split(";")[0] for line in _calendar_lines(_ics(run, tmp_path))}
    assert names.isdisjoint({"DESCRIPTION", "REFRESH-INTERVAL", "SOURCE", "COLOR"})


def test_feed_description_is_escaped_and_folded(run: Run, tmp_path: Path) -> None:
    """The DESCRIPTION holds a ';' (escaped, RFC 5545 3.3.11) and is longer than a line (folded
    at 75 octets, 3.1): it goes through the one line writer."""
    raw = _ics(run, tmp_path, "--feed-url", URL).decode("utf-8")
    head = raw.split("BEGIN:VEVENT", 1)[0]
    assert "DESCRIPTION:" in head and "\\;" in head.replace("\r\n ", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in head.split("\r\n"))


def test_feed_keeps_events_uids_and_sequence(run: Run, tmp_path: Path) -> None:
    """Re-export semantics are unchanged: with an AE log (SEQUENCE above 0, held days), the
    events with a feed are byte for byte those without."""
    log = tmp_path / "ae.csv"
    log.write_text(README_AE_LOG, encoding="utf-8")
    plain = _ics(run, tmp_path, "--ae-log", str(log), name="plain.ics")
    feed = _ics(run, tmp_path, "--ae-log", str(log), "--feed-url", URL, name="feed.ics")
    assert _events(feed) == _events(plain)
    assert any("SEQUENCE:1" in e for e in _events(feed))
    assert read_back(feed) == read_back(plain)


def test_longest_feed_url_is_folded_and_passes(run: Run, tmp_path: Path) -> None:
    url = "https://example.org/" + "a" * (2000 - len("https://example.org/"))
    assert len(url) == 2000
    data = _ics(run, tmp_path, "--feed-url", url)
    assert lint(data) == []
    assert f"SOURCE;VALUE=URI:{url}" in _calendar_lines(data)


@pytest.mark.parametrize(
    "url",
    [
        "http://intranet.hospital.example/feeds/p.ics",  # http: a server inside the network
        "https://example.org:8443/f/p.ics?t=3f9c&v=2",
        "https://example.org/a%20b.ics",
        "HTTPS://EXAMPLE.ORG/P.ICS",
    ],
)
def test_accepted_feed_urls(run: Run, tmp_path: Path, url: str) -> None:
    data = _ics(run, tmp_path, "--feed-url", url)
    assert lint(data) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("", "is empty"),
        ("ftp://example.org/p.ics", "must begin with https:// (or http://)"),
        ("webcal://example.org/p.ics", "must begin with https:// (or http://)"),
        ("example.org/p.ics", "must begin with https:// (or http://)"),
        ("https://user:secret@example.org/p.ics", "a feed address must not carry credentials"),
        ("https://user@example.org/p.ics", "a feed address must not carry credentials"),
        ("https://example.org/a b.ics", "percent-encode it"),
        ("https://example.org/é.ics", "percent-encode it"),
        ("https://example.org/%zz.ics", "percent-encode it"),
        ("https://example.org/\x07.ics", "holds a control character"),
        ("https://example.org/\x85.ics", "holds a control character"),
        ("https://example.org:http/p.ics", "has an invalid port"),
        ("https:///p.ics", "has no host"),
        ("https://example.org/" + "a" * 1981, "is 2001 characters long; at most 2000"),
    ],
)
def test_refused_feed_urls_are_one_line(run: Run, url: str, expected: str) -> None:
    line = one_error_line(run(*CALENDAR, *ICS, "--feed-url", url))
    assert line.startswith("error: --feed-url: ")
    assert expected in line
    assert "\x07" not in line and "\x85" not in line


def test_feed_url_needs_ics(run: Run) -> None:
    line = one_error_line(run(*CALENDAR, "--format", "json", "--feed-url", URL))
    assert line == "error: --feed-url: only applies with --format ics"


# --- batch -----------------------------------------------------------------------------------


def _cohort(tmp_path: Path) -> Path:
    cohort = tmp_path / "cohort.csv"
    cohort.write_text(
        "patient,regimen,start\nP-001,anlotinib-sts,2022-01-03\n张三,lms-rt-anlotinib,2022-05-16\n",
        encoding="utf-8",
    )
    return cohort


def test_batch_feed_names_each_patients_own_address(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    template = "https://cal.example.org/feeds/{patient}.ics"
    result = run(
        "batch", str(_cohort(tmp_path)), "--output-dir", str(out), "--feed-url", template,
        "--generated-at", ICS_STAMP,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    # 张 is UTF-8 E5 BC A0 and 三 E4 B8 89, percent-encoded (RFC 3986 2.5)
    expected = {
        "P-001.ics": "https://cal.example.org/feeds/P-001.ics",
        "张三.ics": "https://cal.example.org/feeds/%E5%BC%A0%E4%B8%89.ics",
    }
    for name, url in expected.items():
        data = (out / name).read_bytes()
        assert f"SOURCE;VALUE=URI:{url}" in _calendar_lines(data)
        assert run("check-ics", str(out / name)).exit_code == 0


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("https://cal.example.org/p.ics", "must hold {patient} exactly once"),
        ("https://cal.example.org/{patient}/{patient}.ics", "must hold {patient} exactly once"),
        ("ftp://cal.example.org/{patient}.ics", "must begin with https://"),
    ],
)
def test_batch_feed_template_refusals(
    run: Run, tmp_path: Path, template: str, expected: str
) -> None:
    """One address for every patient would make each phone load the same file: refused."""
    out = tmp_path / "out"
    line = one_error_line(
        run("batch", str(_cohort(tmp_path)), "--output-dir", str(out), "--feed-url", template)
    )
    assert line.startswith("error: --feed-url: ") and expected in line
    assert not (out / "summary.csv").exists()


def test_batch_feed_needs_ics(run: Run, tmp_path: Path) -> None:
    line = one_error_line(
        run(
            "batch", str(_cohort(tmp_path)), "--output-dir", str(tmp_path / "o"),
            "--format", "json", "--feed-url", "https://x.example/{patient}.ics",
        )
    )  # fmt: skip
    assert line == "error: --feed-url: only applies with --format ics"


# --- check-ics on the feed properties ------------------------------------------------------


def _with(data: bytes, *lines: str) -> bytes:
    """``data`` with ``lines`` added to the calendar, after its VERSION."""
    extra = "".join(f"{line}\r\n" for line in lines).encode("utf-8")
    return data.replace(b"VERSION:2.0\r\n", b"VERSION:2.0\r\n" + extra, 1)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (("REFRESH-INTERVAL:PT12H",), "REFRESH-INTERVAL needs VALUE=DURATION (RFC 7986 5.7)"),
        (("REFRESH-INTERVAL;VALUE=DURATION:12 hours",), "is not a positive duration"),
        (("REFRESH-INTERVAL;VALUE=DURATION:-PT12H",), "is not a positive duration"),
        (("REFRESH-INTERVAL;VALUE=DURATION:PT0S",), "is not a positive duration"),
        (("REFRESH-INTERVAL;VALUE=DURATION:P1DT",), "is not a positive duration"),
        (("SOURCE;VALUE=URI:ftp://example.org/p.ics",), "is not an absolute http(s) URI"),
        (("SOURCE;VALUE=URI:https://u:p@example.org/p.ics",), "without user information"),
        (("SOURCE;VALUE=TEXT:https://example.org/p.ics",), "is not an absolute http(s) URI"),
        (("COLOR:blurple",), "COLOR 'blurple' is not a CSS3 color name"),
        (("COLOR:#008080",), "is not a CSS3 color name"),
        (("COLOR:teal", "COLOR:red"), "COLOR appears 2 times; at most once"),
    ],
)
def test_check_ics_finds_broken_feed_properties(
    run: Run, tmp_path: Path, lines: tuple[str, ...], expected: str
) -> None:
    data = _with(_ics(run, tmp_path), *lines)
    found = lint(data)
    assert any(expected in f for f in found), found


@pytest.mark.parametrize(
    "lines",
    [
        ("REFRESH-INTERVAL;VALUE=DURATION:P1W",),
        ("REFRESH-INTERVAL;VALUE=DURATION:P1DT12H",),
        ("SOURCE:https://example.org/p.ics",),  # VALUE=URI is optional for SOURCE
        ("COLOR:DarkSlateGrey",),  # CSS color names are case-insensitive
    ],
)
def test_check_ics_accepts_valid_feed_properties(
    run: Run, tmp_path: Path, lines: tuple[str, ...]
) -> None:
    assert lint(_with(_ics(run, tmp_path), *lines)) == []

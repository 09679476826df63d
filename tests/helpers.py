"""Helpers shared by the test modules: import them from here, never copy them.

* Command line: :func:`one_error_line` (the one-line error contract of docs/design.md).
* Dates, doses and AE rows for the clinical core (``test_modification``, ``test_schedule``,
  ``test_plan_invariants``): :data:`MON`, :func:`day`, :func:`mg`, :func:`in_mg`, :func:`ae`,
  :func:`bundled`, :func:`bundled_drug`, :func:`input_error`, :data:`LOCAL`.
* The README's adverse-event log (:data:`README_AE_LOG`): the one clinical scenario most suites
  use, written once.
* iCalendar read back by real readers and the khal client (``test_ics``,
  ``test_ics_reexport``): :func:`read_back`, :func:`khal_config`, :func:`khal_import`,
  :func:`khal_list`.

Fixtures (``run``, ``update_golden``) live in ``conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from regimen.drugs import DrugCourse
from regimen.errors import InputError
from regimen.loading import load_regimen
from regimen.modification import AdverseEvent
from regimen.regimen import Regimen
from regimen.sources import Source, SourceKind
from regimen.terms import resolve
from regimen.units import magnitude, quantity

if TYPE_CHECKING:
    from click.testing import Result

ROOT = Path(__file__).resolve().parents[1]

# --- the command line ---------------------------------------------------------------------------


def one_error_line(result: Result) -> str:
    """Assert the run failed with exit 2 and exactly one stderr line; return that line."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr
    return lines[0]


# --- dates, doses and AE rows -------------------------------------------------------------------

#: A Monday with no public holiday in the following weeks (CN, US): day 0 of the core tests.
MON = dt.date(2024, 3, 4)

#: A local rule source, as a department would write it.
LOCAL = Source("local", SourceKind.LOCAL, "Local department policy", title="local policy")


def day(n: int, start: dt.date = MON) -> dt.date:
    """The date ``n`` days after ``start`` (day 0 is ``start``)."""
    return start + dt.timedelta(days=n)


def mg(value: float) -> Any:
    """A dose in milligrams."""
    return quantity(value, "mg")


def in_mg(dose: Any) -> float:
    """A dose quantity as a number of milligrams."""
    return float(magnitude(dose, "mg"))


@cache
def bundled(name: str) -> Regimen:
    """A bundled regimen, loaded once per test session."""
    return load_regimen(name)


def bundled_drug(regimen: str, course: str) -> DrugCourse:
    """One drug course of a bundled regimen."""
    found = bundled(regimen).course(course)
    assert isinstance(found, DrugCourse)
    return found


def ae(
    when: int | dt.date, term: str, grade: int, course: str | None = None, line: int = 0
) -> AdverseEvent:
    """An AE row on a date (or on ``day(when)``), its term resolved as the loader resolves it."""
    resolved = resolve(term)
    assert resolved is not None, term
    date = day(when) if isinstance(when, int) else when
    return AdverseEvent(date, term, grade, resolved, course=course, line=line)


def input_error(call: Callable[[], object]) -> str:
    """The message of the InputError ``call()`` raises."""
    with pytest.raises(InputError) as err:
        call()
    return str(err.value)


# --- the README's AE log ------------------------------------------------------------------------

#: The AE log README.md shows ("Calendars and adverse events"): hand-foot skin reaction grade 3
#: on 2022-01-10, recovered (grade 1) on 2022-01-14. On anlotinib-sts from 2022-01-03 (12 mg
#: days 1-14 of 21): 12 mg 01-03..01-09, held 01-10..01-13, 10 mg from 01-14.
README_AE_LOG = (
    "date,term,grade\n2022-01-10,hand-foot skin reaction,3\n2022-01-14,hand-foot skin reaction,1\n"
)

# --- iCalendar: real readers and a real client --------------------------------------------------

#: The DTSTAMP (``--generated-at``) of the iCalendar tests.
ICS_STAMP = "2022-05-01T00:00:00Z"


def read_back(data: bytes) -> dict[str, list[str]]:
    """Start dates of the VEVENTs as icalendar, ical and recurring-ical-events read them."""
    import icalendar
    import recurring_ical_events
    from ical.calendar_stream import IcsCalendarStream

    def day(value: object) -> str:
        return str(value.date() if isinstance(value, dt.datetime) else value)

    cal = icalendar.Calendar.from_ical(data)
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    expanded = recurring_ical_events.of(cal).between(dt.date(2000, 1, 1), dt.date(2100, 1, 1))
    return {
        "icalendar": sorted(day(e["DTSTART"].dt) for e in cal.walk("VEVENT")),
        "ical": sorted(day(e.dtstart) for e in strict.events),
        "recurring-ical-events": sorted(day(e["DTSTART"].dt) for e in expanded),
    }


def khal_config(tmp_path: Path, calendars: Sequence[str]) -> list[str]:
    """``[khal, -c, conf]`` for a configuration with one vdir calendar per name (UTC)."""
    khal = shutil.which("khal") or str(Path(sys.executable).parent / "khal")
    if not Path(khal).exists():
        pytest.skip("khal is not installed (pip install khal)")
    sections = ""
    for name in calendars:
        (tmp_path / "vdir" / name).mkdir(parents=True)
        sections += f"[[{name}]]\npath = {tmp_path / 'vdir' / name}\ntype = calendar\n"
    config = tmp_path / "khal.conf"
    config.write_text(
        f"[calendars]\n{sections}"
        "[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n"
        "local_timezone = UTC\ndefault_timezone = UTC\n"
        f"[default]\ndefault_calendar = {calendars[0]}\n"
        f"[sqlite]\npath = {tmp_path / 'khal.db'}\n",
        encoding="utf-8",
    )
    return [khal, "-c", str(config)]


def khal_import(base: list[str], path: Path, calendar: str) -> None:
    """``khal import --batch`` (an event whose UID is already there is replaced)."""
    subprocess.run(  # noqa: S603
        [*base, "import", "--batch", "-a", calendar, str(path)], check=True, timeout=120
    )


def khal_list(base: list[str], first: str, last: str, fmt: str) -> list[str]:
    """``khal list`` of every calendar, one line per event (no day headings)."""
    listed = subprocess.run(  # noqa: S603
        [*base, "list", first, last, "--format", fmt, "--day-format", ""],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout.split("\n")
    return [x for x in listed if x.strip()]

"""Every output of one plan tells the same story, day by day.

Each bundled regimen is rendered with each AE log of ``tests/data/ae_logs`` as text, HTML, JSON
and iCalendar. For every date and drug course, the state each output shows (dose, held, rest,
rest on hold, waiting, stopped) must be the state ``Plan.day_state`` gives, so no exporter can
decide a day by itself (issue 9, item 13: the text and HTML calendars once disagreed).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from regimen.errors import RegimenError
from regimen.export import render_plan
from regimen.export.ics import options as ics_options
from regimen.loading import bundled_ids, load_ae_log, load_regimen
from regimen.measurements import Measurements
from regimen.regimen import Regimen
from regimen.schedule import DayKind, Plan, build_plan

LOGS = sorted((Path(__file__).parent / "data" / "ae_logs").glob("*.csv"))
START = dt.date(2022, 5, 16)
STAMP = dt.datetime(2022, 5, 1, tzinfo=dt.UTC)


def _flat(reg: Regimen) -> Regimen:
    """``reg`` with its courses dosed per m² made flat for a 170 cm, 70 kg patient (issue 12),
    as ``regimen calendar --height 170cm --weight 70kg`` does before laying out the plan."""
    from regimen import app
    from regimen.units import quantity

    body = Measurements(height=quantity(170, "cm"), weight=quantity(70, "kg"))
    req = app.Request(reg, START, measurements=body)
    return app.resolve_bsa(req)[0] if app.per_area_courses(reg) else reg


def _plans() -> list[tuple[str, str, Plan]]:
    out = []
    for rid in bundled_ids():
        reg = _flat(load_regimen(rid))
        out.append((rid, "no-log", build_plan(reg, START, cycles=2)))
        for log in LOGS:
            try:
                rows = load_ae_log(log, reg, START)
            except RegimenError:
                continue  # e.g. a course column naming a course this regimen lacks
            out.append((rid, log.stem, build_plan(reg, START, cycles=2, adverse_events=rows)))
    return out


PLANS = _plans()
IDS = [f"{rid}-{log}" for rid, log, _ in PLANS]
BASELINES = {rid: plan for rid, log, plan in PLANS if log == "no-log"}

#: How the text calendar words each state (export/calendar.day_text).
TEXT_PATTERNS = (
    (DayKind.HELD, re.compile(r"HELD, no dose")),
    (DayKind.REST_ON_HOLD, re.compile(r"rest day, on hold")),
    (DayKind.REST, re.compile(r"rest day$")),
    (DayKind.WAITING, re.compile(r"on hold: the next cycle")),
    (DayKind.STOPPED, re.compile(r"stopped \(discontinued on")),
    (DayKind.DOSE, re.compile(r"^cycle \d+ day \d+: \d")),
)
SHOWN = {
    DayKind.DOSE,
    DayKind.HELD,
    DayKind.REST,
    DayKind.REST_ON_HOLD,
    DayKind.WAITING,
    DayKind.STOPPED,
}


def _text_states(text: str, drugs: list[str]) -> dict[tuple[dt.date, str], DayKind]:
    states: dict[tuple[dt.date, str], DayKind] = {}
    for line in text.splitlines():
        m = re.match(r"^(\d{4}-\d{2}-\d{2}) \w{3}  (.*)$", line)
        if not m:
            continue
        date = dt.date.fromisoformat(m.group(1))
        for part in m.group(2).split("; "):
            course, _, what = part.partition(": ")
            if course not in drugs:
                continue
            kinds = [k for k, pattern in TEXT_PATTERNS if pattern.search(what)]
            assert len(kinds) == 1, f"{date} {course}: cannot tell the state of {what!r}"
            states[(date, course)] = kinds[0]
    return states


def _html_states(page: str) -> dict[tuple[dt.date, str], DayKind]:
    states: dict[tuple[dt.date, str], DayKind] = {}
    for date, cell in re.findall(r'<td data-date="([0-9-]+)">(.*?)</td>', page):
        for course, state in re.findall(r'data-course="([^"]+)" data-state="([^"]+)"', cell):
            states[(dt.date.fromisoformat(date), course)] = DayKind(state)
    return states


@pytest.mark.parametrize("plan", [p for _, _, p in PLANS], ids=IDS)
def test_text_html_json_and_ics_agree_with_the_plan_day_by_day(plan: Plan) -> None:
    drugs = [c.id for c in plan.regimen.drugs]
    first, last = plan.first_date, plan.last_date
    assert first is not None and last is not None
    expected = {}
    for n in range((last - first).days + 1):
        date = first + dt.timedelta(days=n)
        for cid in drugs:
            kind = plan.day_state(cid, date).kind
            if kind in SHOWN:
                expected[(date, cid)] = kind
    text = _text_states(render_plan("text", plan), drugs)
    html = _html_states(render_plan("html", plan))
    assert text == expected
    # The HTML grid shows whole months; inside the plan's dates it must say what the text says.
    assert {k: v for k, v in html.items() if first <= k[0] <= last} == expected
    for (date, course), kind in html.items():
        assert kind is plan.day_state(course, date).kind
    data = json.loads(render_plan("json", plan))
    events = {
        (dt.date.fromisoformat(e["date"]), e["course"]): DayKind(e["kind"])
        for e in data["events"]
        if e["course"] in drugs
    }
    assert events == {k: v for k, v in expected.items() if v in (DayKind.DOSE, DayKind.HELD)}
    # iCalendar: a dose event on every dose day, a "no dose" event on every held day, a stop
    # event on the stop date; with the baseline, cancelled events only where nothing is given.
    baseline = BASELINES[plan.regimen.id] if plan.decisions else None
    ics = render_plan(
        "ics", plan, opts=ics_options(STAMP, None, None, None, True, ""), baseline=baseline
    )
    import icalendar

    course_of = {c.drug.capitalize(): c.id for c in plan.regimen.drugs}
    shown: dict[tuple[dt.date, str], DayKind] = {}
    for vevent in icalendar.Calendar.from_ical(ics).walk("VEVENT"):
        category = vevent.categories[0] if vevent.categories else ""
        if category not in course_of:
            continue  # radiotherapy
        key = (vevent.DTSTART, course_of[category])
        summary = str(vevent["SUMMARY"])
        if vevent.get("STATUS") == "CANCELLED":
            assert summary.startswith("Cancelled: ")
            if not summary.endswith(" not stopped"):  # a withdrawn stop can fall on any day
                assert plan.day_state(key[1], key[0]).kind not in (DayKind.DOSE, DayKind.HELD)
            continue
        if summary.endswith(" stopped"):
            kind = DayKind.STOPPED
        elif summary.endswith("no dose today (on hold)"):
            kind = DayKind.HELD
        else:
            assert re.search(r" \d+(\.\d+)? mg: cycle \d+, day \d+$", summary), summary
            kind = DayKind.DOSE
        assert key not in shown, f"two events for {key}"
        shown[key] = kind
    stops = {(date, course): DayKind.STOPPED for course, date in plan.discontinued.items()}
    assert shown == {
        **{k: v for k, v in expected.items() if v in (DayKind.DOSE, DayKind.HELD)},
        **stops,
    }
    for date, course in stops:
        assert plan.day_state(course, date).kind is DayKind.STOPPED


def test_the_corpus_of_logs_reaches_every_state() -> None:
    """The agreement test means something only if the logs produce every kind of day."""
    seen = set()
    for _, _, plan in PLANS:
        first, last = plan.first_date, plan.last_date
        assert first is not None and last is not None
        for n in range((last - first).days + 1):
            for c in plan.regimen.drugs:
                seen.add(plan.day_state(c.id, first + dt.timedelta(days=n)).kind)
    assert seen >= SHOWN

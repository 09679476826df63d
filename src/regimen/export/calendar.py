"""Calendar exporters: text, CSV and JSON renderings of a :class:`~regimen.schedule.Plan`.

Pure and deterministic: ``render_*(plan) -> str``. Nothing clinical is computed here; day
labels, holds and decisions all come from the plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from regimen.drugs import DrugCourse
from regimen.modification import Decision
from regimen.schedule import Event, Plan
from regimen.units import Quantity, format_quantity, to_json

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _dates(plan: Plan) -> list[dt.date]:
    dates = [e.date for e in plan.events] + [d.date for d in plan.decisions]
    if not dates:
        return []
    first, last = min(dates), max(dates)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _fmt(q: Quantity | None) -> str:
    return "none" if q is None else format_quantity(q)


def event_text(plan: Plan, e: Event) -> str:
    """One event as words: ``Radiotherapy 4 of 13 (IMRT 4 of 10): 400 cGy``."""
    course = plan.regimen.course(e.course)
    if e.kind == "fraction":
        return f"{e.label}: {_fmt(e.dose)}"
    if e.kind == "held":
        return f"cycle {e.cycle} day {e.day}: HELD, no dose"
    assert isinstance(course, DrugCourse)  # noqa: S101 - dose events belong to drug courses
    how = f"{course.route} {course.frequency}"
    if course.instruction:
        how += f" {course.instruction}"
    return f"cycle {e.cycle} day {e.day}: {_fmt(e.dose)} {how}"


def decision_text(d: Decision) -> str:
    """One decision on one line, with its reason."""
    change = f"{_fmt(d.dose_before)} -> {_fmt(d.dose_after)}"
    if d.action in ("hold", "continue hold"):
        change = f"{_fmt(d.dose_before)} held"
    return f"{d.course}: {d.action.upper()} ({change}). {d.reason}"


def render_text(plan: Plan) -> str:
    """Every date from the first to the last event, rest days included, with decisions."""
    reg = plan.regimen
    out = [f"{reg.id}: {reg.name}", f"Start: {plan.start.isoformat()}"]
    if plan.holidays_country:
        extra = " (treating on official make-up working days)" if plan.treat_makeup_days else ""
        out.append(f"Radiotherapy skips public holidays of {plan.holidays_country}{extra}")
    for note in plan.notes:
        out.append(f"Note: {note}")
    out.append("")
    by_date: dict[dt.date, list[Event]] = {}
    for e in plan.events:
        by_date.setdefault(e.date, []).append(e)
    decisions: dict[dt.date, list[Decision]] = {}
    for d in plan.decisions:
        decisions.setdefault(d.date, []).append(d)
    skipped = {s.date: s for s in plan.skipped}
    drug_ids = [c.id for c in reg.drugs]
    for date in _dates(plan):
        parts = [f"{e.course}: {event_text(plan, e)}" for e in by_date.get(date, [])]
        busy = {e.course for e in by_date.get(date, [])}
        for cid in drug_ids:
            if cid in busy:
                continue
            on_hold = date in plan.held_dates.get(cid, frozenset())
            cd = plan.cycle_day(cid, date)
            if cd is not None:
                state = "on hold, rest day" if on_hold else "rest day"
                parts.append(f"{cid}: cycle {cd[0]} day {cd[1]}: {state}")
            elif on_hold and plan.course_first.get(cid, date) <= date:
                parts.append(f"{cid}: on hold, next cycle day 1 waits for recovery")
        if date in skipped:
            parts.append(f"{skipped[date].course}: no fraction ({skipped[date].reason})")
        line = f"{date.isoformat()} {WEEKDAYS[date.weekday()]}  "
        out.append(line + ("; ".join(parts) if parts else "no treatment"))
        for d in decisions.get(date, []):
            out.append(f"    decision: {decision_text(d)}")
    return "\n".join(out) + "\n"


CSV_COLUMNS = (
    "date",
    "weekday",
    "course",
    "kind",
    "label",
    "fraction",
    "cycle",
    "day",
    "dose_value",
    "dose_unit",
)


def render_csv(plan: Plan) -> str:
    """One row per event (fractions, dosing days, held dosing days)."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in plan.events:
        dose = to_json(e.dose) if e.dose is not None else {"value": "", "unit": ""}
        writer.writerow(
            (
                e.date.isoformat(),
                WEEKDAYS[e.date.weekday()],
                e.course,
                e.kind,
                e.label,
                e.fraction or "",
                e.cycle or "",
                e.day or "",
                dose["value"],
                dose["unit"],
            )
        )
    return buf.getvalue()


def event_data(e: Event) -> dict[str, Any]:
    """The JSON contract for one event."""
    item: dict[str, Any] = {
        "date": e.date.isoformat(),
        "course": e.course,
        "kind": e.kind,
        "label": e.label,
        "dose": to_json(e.dose) if e.dose is not None else None,
    }
    if e.fraction is not None:
        item["fraction"] = e.fraction
        item["phase"] = e.phase
        item["technique"] = e.technique
    else:
        item["cycle"] = e.cycle
        item["day"] = e.day
    return item


def decision_data(d: Decision) -> dict[str, Any]:
    """The JSON contract for one decision."""
    return {
        "date": d.date.isoformat(),
        "course": d.course,
        "term": d.event.term if d.event else None,
        "grade": d.event.grade if d.event else None,
        "action": d.action,
        "dose_before": to_json(d.dose_before) if d.dose_before is not None else None,
        "dose_after": to_json(d.dose_after) if d.dose_after is not None else None,
        "reason": d.reason,
        "rule": d.rule.describe() if d.rule else None,
        "source": ({"key": d.source.key, "kind": d.source.kind.value} if d.source else None),
    }


def plan_data(plan: Plan) -> dict[str, Any]:
    """The ``calendar`` JSON contract (DESIGN.md) plus notes and skipped days."""
    return {
        "regimen": plan.regimen.id,
        "start": plan.start.isoformat(),
        "events": [event_data(e) for e in plan.events],
        "decisions": [decision_data(d) for d in plan.decisions],
        "skipped": [
            {"date": s.date.isoformat(), "course": s.course, "reason": s.reason}
            for s in plan.skipped
        ],
        "notes": list(plan.notes),
    }


def render_json(plan: Plan) -> str:
    """The plan as JSON text."""
    import json

    return json.dumps(plan_data(plan), indent=2, ensure_ascii=False) + "\n"

"""Calendar exporters: text, CSV and JSON renderings of a :class:`~regimen.schedule.Plan`.

Pure and deterministic: ``render_*(plan) -> str``. Nothing clinical is computed here; day
labels, holds and decisions all come from the plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from regimen.drugs import DEFAULT_DOSE_STEP_MG, DrugCourse
from regimen.modification import Decision, DecisionKind
from regimen.schedule import DayKind, DayState, Event, Plan
from regimen.units import Quantity, format_number, format_quantity, quantity, to_json

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _dates(plan: Plan) -> list[dt.date]:
    first, last = plan.first_date, plan.last_date
    if first is None or last is None:
        return []
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _fmt(q: Quantity | None) -> str:
    return "none" if q is None else format_quantity(q)


def event_text(plan: Plan, e: Event) -> str:
    """One event as words: ``Radiotherapy 4 of 13 (IMRT 4 of 10): 400 cGy``."""
    course = plan.regimen.course(e.course)
    if e.kind == "fraction":
        return f"{e.label}: {_fmt(e.dose)}"
    if e.kind == "held":
        return f"cycle {e.cycle} day {e.day}: HELD, no dose (on hold)"
    assert isinstance(course, DrugCourse)  # noqa: S101 - dose events belong to drug courses
    how = f"{course.route} {course.frequency}"
    if course.instruction:
        how += f" {course.instruction}"
    return f"cycle {e.cycle} day {e.day}: {_fmt(e.dose)} {how}"


def _people(q: Quantity, places: int = 4) -> str:
    """A quantity for people: ``900 mg/m²`` (UCUM's ``mg/m2`` and ``m2`` written with ²)."""
    return format_quantity(q, places).replace("m2", "m²")


def per_area_levels(plan: Plan, course: DrugCourse) -> list[Quantity]:
    """The mg levels of a course dosed per m2 that the plan gives, in order of first use (the
    start level when no dose is given)."""
    seen: list[Quantity] = []
    for e in plan.course_events(course.id):
        if e.kind != "dose" or e.dose is None:
            continue
        if not any(course.level_index(q) == course.level_index(e.dose) for q in seen):
            seen.append(e.dose)
    return seen or [course.start_dose]


def basis_lines(plan: Plan, course_id: str) -> list[str]:
    """How each dose level of a course dosed per m2 was calculated, one line per level used:
    ``gemcitabine 900 mg/m² x BSA 1.82 m² (Mosteller; 170 cm, 70 kg on 2022-01-03) =
    1636.3 mg``. Empty for a flat course."""
    from regimen.bodysize import METHOD_NAMES

    course = plan.regimen.course(course_id)
    if not isinstance(course, DrugCourse) or course.bsa_basis is None:
        return []
    b = course.bsa_basis
    measured = (
        f"{METHOD_NAMES.get(b.method, b.method)}; {format_quantity(b.height, 2)}, "
        f"{format_quantity(b.weight, 2)} on {b.measured_on.isoformat()}"
    )
    return [
        f"{course.id} {_people(b.per_level(course, dose))} x BSA {_people(b.bsa, 2)} "
        f"({measured}) = {format_quantity(b.calculated(course, dose), 2)}, given as "
        f"{format_quantity(dose)} ({format_number(b.deviation_percent(course, dose), 4)}%, "
        f"nearest {format_quantity(quantity(float(DEFAULT_DOSE_STEP_MG), 'mg'))}; the regimen "
        "gives no rounding rule)"
        for dose in per_area_levels(plan, course)
    ]


def day_text(plan: Plan, state: DayState) -> str | None:
    """What a drug course does on a day, in words (None: nothing to show)."""
    kind = state.kind
    if state.event is not None:
        return event_text(plan, state.event)
    if kind is DayKind.REST:
        return f"cycle {state.cycle} day {state.day}: rest day"
    if kind is DayKind.REST_ON_HOLD:
        return f"cycle {state.cycle} day {state.day}: rest day, on hold"
    if kind is DayKind.WAITING:
        return "on hold: the next cycle's day 1 waits for recovery"
    if kind is DayKind.STOPPED:
        assert state.since is not None  # noqa: S101 - a stopped day has its date
        return f"stopped (discontinued on {state.since.isoformat()})"
    return None


def decision_text(d: Decision) -> str:
    """One decision on one line, with its reason."""
    if d.kind in (DecisionKind.HOLD, DecisionKind.CONTINUE_HOLD, DecisionKind.WAITING):
        change = f"{_fmt(d.dose_before)} held"
    elif d.kind in (DecisionKind.RECORDED, DecisionKind.NO_EFFECT):
        change = "no change"
    else:
        change = f"{_fmt(d.dose_before)} to {_fmt(d.dose_after)}"
    text = f"{d.course}: {d.action.upper()} ({change}). {d.reason}"
    if d.event is not None and d.event.note:
        text += f" Note: {d.event.note}"
    if d.review:
        text += " NEEDS CLINICIAN REVIEW."
    return text


def review_lines(plan: Plan) -> list[str]:
    """The "Needs clinician review" block (empty when nothing needs review)."""
    items = plan.needs_review
    if not items:
        return []
    out = ["", f"Needs clinician review ({len(items)}):"]
    for d in items:
        out.append(f"  - {d.date.isoformat()} {d.course}: {d.review}")
    return out


def status_lines(plan: Plan, as_of: dt.date | None = None) -> list[str]:
    """One line per drug course: where it stands on ``as_of`` (default: the plan's last date)."""
    from regimen.drug_report import drug_summary
    from regimen.export.dose import STATUS_WORDS

    out: list[str] = []
    for course in plan.regimen.drugs:
        s = drug_summary(plan, course.id, as_of)
        line = f"{course.id} on {s.as_of.isoformat()}: {STATUS_WORDS[s.status]}"
        if s.discontinued_on is not None:
            line += f" (discontinued on {s.discontinued_on.isoformat()})"
        if s.hold:
            line += f"; {s.hold}"
        if s.resume_dose is not None:
            line += f"; resumes at {format_quantity(s.resume_dose)}"
        if s.current_dose is not None:
            line += f"; current dose {format_quantity(s.current_dose)}"
        if s.next_cycle_start is not None:
            line += f"; next cycle day 1 {s.next_cycle_start.isoformat()}"
        out.append(line)
    return ["", "Status:", *(f"  {line}" for line in out)] if out else []


def render_text(plan: Plan, as_of: dt.date | None = None) -> str:
    """Every date from the first to the last event, rest days included, with decisions, the
    status of each drug course and the decisions that need review."""
    reg = plan.regimen
    out = [f"{reg.id}: {reg.name}", f"Start: {plan.start.isoformat()}"]
    if plan.holidays_country:
        extra = " (treating on official make-up working days)" if plan.treat_makeup_days else ""
        out.append(f"Radiotherapy skips public holidays of {plan.holidays_country}{extra}")
    for note in plan.notes:
        out.append(f"Note: {note}")
    for warning in plan.warnings:
        out.append(f"Warning: {warning}")
    basis = [line for course in reg.drugs for line in basis_lines(plan, course.id)]
    if basis:
        out.append("Dose basis (body surface area):")
        out += [f"  {line}" for line in basis]
    out.append("")
    rt_events: dict[dt.date, list[Event]] = {}
    for e in plan.events:
        if e.kind == "fraction":
            rt_events.setdefault(e.date, []).append(e)
    decisions: dict[dt.date, list[Decision]] = {}
    for d in plan.decisions:
        decisions.setdefault(d.date, []).append(d)
    skipped = {s.date: s for s in plan.skipped}
    for date in _dates(plan):
        parts = [f"{e.course}: {event_text(plan, e)}" for e in rt_events.get(date, [])]
        for course in reg.drugs:
            text = day_text(plan, plan.day_state(course.id, date))
            if text is not None:
                parts.append(f"{course.id}: {text}")
        if date in skipped:
            parts.append(f"{skipped[date].course}: no fraction ({skipped[date].reason})")
        line = f"{date.isoformat()} {WEEKDAYS[date.weekday()]}  "
        out.append(line + ("; ".join(parts) if parts else "no treatment"))
        for d in decisions.get(date, []):
            out.append(f"    decision: {decision_text(d)}")
    out += status_lines(plan, as_of)
    out += review_lines(plan)
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
    "action",
    "term",
    "ctcae_term",
    "grade",
    "note",
    "dose_before",
    "dose_after",
    "rule",
    "source",
    "source_kind",
    "needs_review",
    "reason",
)


def render_csv(plan: Plan) -> str:
    """The plan as one spreadsheet-safe table (RFC 4180, CRLF; see :mod:`.csvsafe`).

    Shape (documented in the README): one row per event (``kind`` ``fraction``, ``dose`` or
    ``held``), then one row per decision of the AE replay (``kind`` ``decision``), each part in
    date order. Event rows leave the decision columns empty; decision rows leave ``label`` to
    ``dose_unit`` empty and say what was decided in ``action`` (``hold``, ``reduce``,
    ``no rule``...), with the AE row's term and grade, the rule, its source and the reason.
    ``dose_value`` is a number and ``dose_unit`` a UCUM code;
    ``dose_before``/``dose_after`` are written with their unit (``12 mg``); ``needs_review`` is
    ``yes`` or empty.
    """
    from regimen.export import csvsafe

    rows: list[tuple[object, ...]] = []
    blank_decision = ("",) * 12
    for e in plan.events:
        dose = to_json(e.dose) if e.dose is not None else {"value": "", "unit": ""}
        rows.append(
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
                *blank_decision,
            )
        )
    for d in sorted(plan.decisions, key=lambda d: d.date):
        ae = d.event
        rows.append(
            (
                d.date.isoformat(),
                WEEKDAYS[d.date.weekday()],
                d.course,
                "decision",
                "",
                "",
                "",
                "",
                "",
                "",
                d.action,
                ae.term if ae else "",
                ae.ctcae_term if ae else "",
                ae.grade if ae else "",
                ae.note if ae else "",
                format_quantity(d.dose_before) if d.dose_before is not None else "",
                format_quantity(d.dose_after) if d.dose_after is not None else "",
                d.rule.describe() if d.rule else "",
                d.source.key if d.source else "",
                d.source.kind.value if d.source else "",
                "yes" if d.review else "",
                " ".join(d.reason.split()),
            )
        )
    return csvsafe.render(CSV_COLUMNS, rows)


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


def basis_data(plan: Plan, e: Event) -> dict[str, Any]:
    """The extra JSON fields of a dose event of a course dosed per m2 (empty otherwise):
    ``calculated_dose`` (mg, unrounded), ``basis`` (per-m2 level, BSA, method, measurements),
    ``rounding`` (to the nearest 0.1 mg while the regimen gives no rounding rule) and
    ``deviation_percent`` (of the dose given from the calculated dose)."""
    if e.kind != "dose" or e.dose is None:
        return {}
    course = plan.regimen.course(e.course)
    if not isinstance(course, DrugCourse) or course.bsa_basis is None:
        return {}
    b = course.bsa_basis
    return {
        "calculated_dose": to_json(b.calculated(course, e.dose)),
        "basis": {
            "kind": "bsa",
            "per": to_json(b.per_level(course, e.dose)),
            "bsa": to_json(b.bsa),
            "method": b.method,
            "height": to_json(b.height),
            "weight": to_json(b.weight),
            "measured_on": b.measured_on.isoformat(),
        },
        "rounding": {
            "kind": "nearest",
            "step": to_json(quantity(float(DEFAULT_DOSE_STEP_MG), "mg")),
            "why": "the regimen gives no rounding rule: doses to the nearest 0.1 mg",
        },
        "deviation_percent": round(b.deviation_percent(course, e.dose), 6),
    }


def decision_data(d: Decision) -> dict[str, Any]:
    """The JSON contract for one decision."""
    return {
        "date": d.date.isoformat(),
        "course": d.course,
        "term": d.event.term if d.event else None,
        "ctcae_term": d.event.ctcae_term if d.event else None,
        "meddra_code": d.event.meddra_code if d.event else None,
        "grade": d.event.grade if d.event else None,
        "note": d.event.note if d.event and d.event.note else None,
        "action": d.action,
        "dose_before": to_json(d.dose_before) if d.dose_before is not None else None,
        "dose_after": to_json(d.dose_after) if d.dose_after is not None else None,
        "reason": d.reason,
        "rule": d.rule.describe() if d.rule else None,
        "source": ({"key": d.source.key, "kind": d.source.kind.value} if d.source else None),
        "needs_review": bool(d.review),
    }


def review_data(plan: Plan) -> list[dict[str, Any]]:
    """The top-level ``needs_review`` list: date, course, term, grade, why."""
    return [
        {
            "date": d.date.isoformat(),
            "course": d.course,
            "term": d.event.term if d.event else None,
            "grade": d.event.grade if d.event else None,
            "why": d.review,
        }
        for d in plan.needs_review
    ]


def status_data(plan: Plan, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Each drug course's status on ``as_of`` (the ``dose`` JSON's fields of the same name)."""
    from regimen.drug_report import drug_summary

    out = []
    for course in plan.regimen.drugs:
        s = drug_summary(plan, course.id, as_of)
        out.append(
            {
                "course": course.id,
                "as_of": s.as_of.isoformat(),
                "status": s.status.value,
                "current_dose": to_json(s.current_dose) if s.current_dose is not None else None,
                "next_cycle_start": (
                    s.next_cycle_start.isoformat() if s.next_cycle_start else None
                ),
                "discontinued_on": s.discontinued_on.isoformat() if s.discontinued_on else None,
            }
        )
    return out


def plan_data(plan: Plan, as_of: dt.date | None = None) -> dict[str, Any]:
    """The ``calendar`` JSON contract (docs/design.md) plus notes and skipped days."""
    return {
        "regimen": plan.regimen.id,
        "start": plan.start.isoformat(),
        "events": [event_data(e) | basis_data(plan, e) for e in plan.events],
        "decisions": [decision_data(d) for d in plan.decisions],
        "skipped": [
            {"date": s.date.isoformat(), "course": s.course, "reason": s.reason}
            for s in plan.skipped
        ],
        "notes": list(plan.notes),
        "warnings": list(plan.warnings),
        "needs_review": review_data(plan),
        "status": status_data(plan, as_of),
    }


def render_json(plan: Plan, as_of: dt.date | None = None) -> str:
    """The plan as JSON text."""
    import json

    return json.dumps(plan_data(plan, as_of), indent=2, ensure_ascii=False) + "\n"

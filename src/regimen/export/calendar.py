"""Calendar exporters: text, CSV and JSON renderings of a :class:`~regimen.schedule.Plan`.

Pure and deterministic: ``render_*(plan) -> str``. Nothing clinical is computed here; day
labels, holds and decisions all come from the plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from regimen.dosing import LevelDose
from regimen.drugs import DEFAULT_DOSE_STEP_MG, DrugCourse
from regimen.modification import Decision, DecisionKind
from regimen.radiotherapy import RadiotherapyCourse
from regimen.rtlog import Convention, overall_time, overall_time_data, overall_time_lines
from regimen.schedule import DayKind, DayState, Event, Plan
from regimen.units import Quantity, format_number, format_quantity, magnitude, quantity, to_json

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
        return fraction_text(plan, e)
    if e.kind == "held":
        why = "lab rule" if e.lab_reason else "on hold"
        return f"cycle {e.cycle} day {e.day}: HELD, no dose ({why})"
    assert isinstance(course, DrugCourse)  # noqa: S101 - dose events belong to drug courses
    dose = _fmt(e.dose)
    if e.level_dose is not None:
        dose += f" ({e.lab_percent}% of {_fmt(e.level_dose)} on lab results, this day only)"
    return f"cycle {e.cycle} day {e.day}: {dose} {how_given(course)}"


def fraction_text(plan: Plan, e: Event) -> str:
    """A fraction as words: ``Radiotherapy 4 of 13: 400 cGy``; from an RT log, ``fraction 14
    of 35: MISSED (machine fault)`` or ``Radiotherapy 3 of 35: 1.8 Gy, delivered (planned
    2 Gy; session 2 at 14:00)``."""
    when = f"session {e.session}" if e.session and (e.session > 1 or e.clock) else ""
    if e.clock is not None:
        when += f" at {e.clock:%H:%M}"
    if e.status == "missed":
        why = "; ".join(x for x in (e.reason, when) if x)
        missed = f"fraction {e.fraction} of {e.fractions_total}: MISSED"
        return missed + (f" ({why})" if why else "")
    text = f"{e.label}: {_fmt(e.dose)}"
    if e.status != "delivered":
        return text
    course = plan.regimen.course(e.course)
    assert isinstance(course, RadiotherapyCourse)  # noqa: S101 - fractions are radiotherapy's
    planned = course.phases[(e.phase or 1) - 1].dose_per_fraction
    notes = [] if e.dose == planned else [f"planned {format_quantity(planned)}"]
    notes += [x for x in (when, e.reason) if x]
    return f"{text}, delivered" + (f" ({'; '.join(notes)})" if notes else "")


def how_given(course: DrugCourse) -> str:
    """How a drug course is given, in English: ``oral once daily before breakfast``, or for an
    intravenous course given once a dosing day ``as one intravenous infusion on day 8 of each
    21-day cycle, as an infusion in the day unit`` (:meth:`Words.infusion`)."""
    from regimen.export.words import Words

    infusion = Words("en").infusion(course)
    if infusion is None:
        how = f"{course.route} {course.frequency}"
        return f"{how} {course.instruction}" if course.instruction else how
    return f"{infusion}, {course.instruction}" if course.instruction else infusion


def _people(q: Quantity, places: int = 4) -> str:
    """A quantity for people: ``900 mg/m²`` (UCUM's ``mg/m2`` and ``m2`` written with ²)."""
    return format_quantity(q, places).replace("m2", "m²")


def per_area_levels(plan: Plan, course: DrugCourse) -> list[Quantity]:
    """The mg levels of a course dosed by body size that the plan gives, in order of first use
    (the start level when no dose is given): the order of :func:`basis_lines`."""
    from regimen.dosing import levels_used

    return [level for level, _ in levels_used(plan, course)]


def _size_text(course: DrugCourse, level: LevelDose) -> str:
    """The calculation of one level, numbers in: ``900 mg/m² x BSA 1.82 m² (Mosteller; 170 cm,
    70 kg on 2022-01-03)``, ``1.5 mg/kg x 70 kg (actual weight on 2022-01-03)``, ``AUC 5 x (GFR
    125 mL/min + 25 mL/min) (Calvert; ...)``."""
    from regimen.bodysize import METHOD_NAMES, NON_RENAL_CLEARANCE_ML_MIN
    from regimen.dosing import AucBasis, BsaBasis
    from regimen.drugs import format_level

    b = course.basis
    on = b.measured_on.isoformat() if b is not None else ""
    if isinstance(b, BsaBasis):
        w = b.dosing_weight
        weight = f"{format_quantity(b.weight, 2)} on {on}"
        if w.basis != "actual":
            weight += f", the {w.basis} weight {format_quantity(w.used, 2)} used"
        size = f"{METHOD_NAMES.get(b.method, b.method)}; {format_quantity(b.height, 2)}, {weight}"
        if b.capped and b.cap is not None:
            size = (
                f"capped at {_people(b.cap)} by {b.cap_from}: {_people(b.bsa_calculated, 2)} by "
                f"{size}"
            )
        return f"{_people(level.per)} x BSA {_people(b.bsa, 2)} ({size})"
    if isinstance(b, AucBasis):
        c = b.crcl
        if b.cap is None:
            cap = "no cap"
        elif b.capped:
            cap = f"capped at {format_quantity(b.cap)}"
        else:
            cap = f"not above the cap of {format_quantity(b.cap)}"
        weight = format_quantity(c.weight.used, 2)
        if c.weight.basis != "actual":
            weight = f"the {c.weight.basis} weight {weight}"
        scr = format_quantity(c.scr, 2)
        if c.floored:
            scr += f" raised to the floor of {format_quantity(c.scr_used, 2)}"
        gfr = (
            f"GFR by Cockcroft-Gault {format_quantity(c.crcl, 2)}, {cap}; {c.sex}, {c.age} years, "
            f"{weight} on {on}, serum creatinine {scr} on {b.scr_on.isoformat()}"
        )
        return (
            f"{format_level(level.per)} x (GFR {format_quantity(b.gfr_used, 2)} + "
            f"{format_number(NON_RENAL_CLEARANCE_ML_MIN)} mL/min) (Calvert; {gfr})"
        )
    assert b is not None  # noqa: S101 - called for a resolved course
    w = b.weight
    how = f"{w.basis} weight"
    if w.basis != "actual" and w.ideal is not None:
        how += f": Devine ideal {format_quantity(w.ideal, 2)}"
        if w.basis == "adjusted":
            how += f" + 0.4 x ({format_quantity(w.actual, 2)} - {format_quantity(w.ideal, 2)})"
        if w.below_ideal:
            how += ", below it: the actual weight"
        how += f"; {format_quantity(w.actual, 2)}"
    return f"{_people(level.per)} x {format_quantity(w.used, 2)} ({how} on {on})"


def basis_text(course: DrugCourse, level: LevelDose, review: bool = True) -> str:
    """How one level came to its dose, in words: ``900 mg/m² x BSA 1.82 m² (Mosteller; 170 cm,
    70 kg on 2022-01-03) = 1636.31 mg, given as 1640 mg (+0.2257%, nearest 10 mg, within
    10%)``; a dose that needs review ends with ``NEEDS REVIEW: why``."""
    from regimen.dosing import signed_percent

    text = (
        f"{_size_text(course, level)} = {format_quantity(level.calculated, 2)}, given as "
        f"{format_quantity(level.given)} ({signed_percent(level.deviation_percent)}, "
        f"{level.rule})"
    )
    return text + _review_text(level) if review else text


def _review_text(level: LevelDose) -> str:
    return ". NEEDS REVIEW: the rounding rule's dose was not used" if level.review else ""


def basis_lines(plan: Plan, course_id: str) -> list[str]:
    """How each dose level of a course dosed by body size was calculated, one line per level
    the plan gives, in order of first use (:func:`per_area_levels`): ``gemcitabine 900 mg/m² x
    BSA 1.82 m² (Mosteller; 170 cm, 70 kg on 2022-01-03) = 1636.31 mg, given as 1636.3 mg
    (-0.0004%, nearest 0.1 mg; the regimen gives no rounding rule), from cycle 1 day 1``.
    Empty for a flat course."""
    from regimen.dosing import levels_used

    course = plan.regimen.course(course_id)
    if not isinstance(course, DrugCourse) or course.basis is None:
        return []
    out = []
    for dose, first in levels_used(plan, course):
        level = course.basis.level(course, dose)
        line = f"{course.id} {basis_text(course, level, review=False)}"
        if first is not None:
            line += f", from cycle {first.cycle} day {first.day}"
        out.append(line + _review_text(level))
    return out


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


_HELD_KINDS = (
    DecisionKind.HOLD,
    DecisionKind.CONTINUE_HOLD,
    DecisionKind.WAITING,
    DecisionKind.LAB_HOLD,
    DecisionKind.LAB_DELAY,
    DecisionKind.LAB_WAITING,
)


def _sentence(text: str) -> str:
    """``text`` ending as a sentence (a lab reason ends without a full stop)."""
    return text if not text or text.endswith((".", ")", "!", "?")) else text + "."


def decision_text(d: Decision) -> str:
    """One decision on one line, with its reason."""
    if d.kind in _HELD_KINDS:
        change = f"{_fmt(d.dose_before)} held"
    elif d.kind in (DecisionKind.RECORDED, DecisionKind.NO_EFFECT):
        change = "no change"
    else:
        change = f"{_fmt(d.dose_before)} to {_fmt(d.dose_after)}"
    text = f"{d.course}: {d.action.upper()} ({change}). {_sentence(d.reason)}"
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


def render_text(
    plan: Plan,
    as_of: dt.date | None = None,
    baseline: Plan | None = None,
    convention: Convention = "elapsed",
) -> str:
    """Every date from the first to the last event, rest days included, with decisions, the
    status of each drug course and the decisions that need review; with an RT log, each
    radiotherapy course's overall time T planned (``baseline``) against actual."""
    reg = plan.regimen
    out = [f"{reg.id}: {reg.name}", f"Start: {plan.start.isoformat()}"]
    if plan.rt_log is not None:
        out.append(f"RT log: {plan.rt_log.where}")
        for rt in reg.radiotherapy:
            t = overall_time(plan, baseline, rt.id, convention)
            out += [f"{rt.id}: {line}" for line in overall_time_lines(t)] if t else []
    if plan.holidays_country:
        extra = " (treating on official make-up working days)" if plan.treat_makeup_days else ""
        out.append(f"Radiotherapy skips public holidays of {plan.holidays_country}{extra}")
    for note in plan.notes:
        out.append(f"Note: {note}")
    for warning in plan.warnings:
        out.append(f"Warning: {warning}")
    basis = [line for course in reg.drugs for line in basis_lines(plan, course.id)]
    if basis:
        out.append("Dose basis (body size):")
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
    "calculated_dose",
    "dose_basis",
    "status",
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
    ``yes`` or empty. A dose row of a course dosed by body size ends with the
    ``calculated_dose`` (a number in ``dose_unit``, unrounded to six decimals: ``1636.306817``;
    on a day a lab rule changed, that percentage of the level's) and the ``dose_basis`` of the
    level in words (:func:`basis_text`); both are empty on every other row.
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
                *_csv_basis(plan, e),
                e.status or "",
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
                "",
                "",
                "",
            )
        )
    return csvsafe.render(CSV_COLUMNS, rows)


def _csv_basis(plan: Plan, e: Event) -> tuple[str, str]:
    """The ``calculated_dose`` and ``dose_basis`` cells of an event row (empty unless a dose
    of a course dosed by body size; for a day a lab rule changed, those of its level)."""
    from regimen.dosing import day_dose

    course = plan.regimen.course(e.course)
    if not isinstance(course, DrugCourse):
        return "", ""
    day = day_dose(course, e)
    if day is None:
        return "", ""
    return format_number(magnitude(day.calculated, "mg"), 6), basis_text(course, day.level)


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
        item["status"] = e.status
        if e.session is not None:
            item["session"] = e.session
        if e.clock is not None:
            item["time"] = f"{e.clock:%H:%M}"
        if e.reason:
            item["reason"] = e.reason
    else:
        item["cycle"] = e.cycle
        item["day"] = e.day
    if e.lab_reason:
        item["level_dose"] = to_json(e.level_dose) if e.level_dose is not None else None
        item["lab"] = {"percent": e.lab_percent, "reason": e.lab_reason}
    return item


def basis_data(plan: Plan, e: Event) -> dict[str, Any]:
    """The extra JSON fields of a dose event of a course dosed by body size (empty otherwise):
    ``calculated_dose`` (mg, unrounded), ``basis`` (the level and what it was multiplied by:
    ``kind`` ``bsa``, ``weight`` or ``auc``), ``rounding`` (the rule, its tolerance, and why a
    dose needs review) and ``deviation_percent`` (of the dose given from the calculated one).
    Looked up by the event's level (``Event.level_dose`` for a day a lab rule changed)."""
    from regimen.dosing import day_dose

    course = plan.regimen.course(e.course)
    if not isinstance(course, DrugCourse):
        return {}
    day = day_dose(course, e)
    if day is None:
        return {}
    return {
        "calculated_dose": to_json(day.calculated),
        "basis": _basis_json(course, day.level),
        "rounding": _rounding_json(course, day.level),
        "deviation_percent": round(day.deviation_percent, 6),
    }


def _basis_json(course: DrugCourse, lv: LevelDose) -> dict[str, Any]:
    from regimen.dosing import AucBasis, BsaBasis

    b = course.basis
    assert b is not None  # noqa: S101 - called for a resolved course
    on = b.measured_on.isoformat()
    if isinstance(b, BsaBasis):
        return {
            "kind": "bsa",
            "per": to_json(lv.per),
            "bsa": to_json(b.bsa),
            "method": b.method,
            "height": to_json(b.height),
            "weight": to_json(b.weight),
            "weight_basis": b.dosing_weight.basis,
            "weight_used": to_json(b.dosing_weight.used),
            "measured_on": on,
            "bsa_calculated": to_json(b.bsa_calculated),
            "bsa_cap": to_json(b.cap) if b.cap is not None else None,
            "bsa_cap_from": b.cap_from or None,
            "capped": b.capped,
        }
    if isinstance(b, AucBasis):
        c = b.crcl
        auc = float(lv.per.magnitude)
        return {
            "kind": "auc",
            "auc": int(auc) if auc.is_integer() else auc,
            "gfr": to_json(c.crcl),
            "gfr_used": to_json(b.gfr_used),
            "gfr_cap": to_json(b.cap) if b.cap is not None else None,
            "capped": b.capped,
            "formula": "calvert",
            "gfr_formula": "cockcroft-gault",
            "age": c.age,
            "sex": c.sex,
            "weight_basis": c.weight.basis,
            "weight_used": to_json(c.weight.used),
            "scr": to_json(c.scr),
            "scr_used": to_json(c.scr_used),
            "scr_floor": to_json(c.scr_floor) if c.scr_floor is not None else None,
            "measured_on": on,
            "scr_on": b.scr_on.isoformat(),
        }
    w = b.weight
    return {
        "kind": "weight",
        "per": to_json(lv.per),
        "weight_used": to_json(w.used),
        "weight_basis": w.basis,
        "weight": to_json(w.actual),
        "ideal_weight": to_json(w.ideal) if w.ideal is not None else None,
        "measured_on": on,
    }


def _rounding_json(course: DrugCourse, lv: LevelDose) -> dict[str, Any]:
    r = lv.rounding
    nearest = to_json(quantity(float(DEFAULT_DOSE_STEP_MG), "mg"))
    if r is None:
        return {
            "kind": "nearest",
            "step": nearest,
            "rule": lv.rule,
            "why": "the regimen gives no rounding rule: doses to the nearest 0.1 mg",
            "tolerance_percent": None,
            "needs_review": None,
        }
    out: dict[str, Any] = {
        "kind": r.kind,
        "rule": lv.rule,
        "tolerance_percent": r.tolerance_percent,
    }
    if r.step is not None:
        out["step"] = to_json(r.step)
    if r.units:
        out["units"] = [to_json(u) for u in r.units]
        out["made_of"] = [{"size": to_json(s), "count": n} for s, n in lv.made_of]
    if r.bands is not None:
        out["table"] = r.bands.key
        band = lv.band
        out["band"] = (
            None
            if band is None
            else {"from": to_json(band.low), "to": to_json(band.high), "dose": to_json(band.dose)}
        )
    out["needs_review"] = lv.review or None
    if lv.review:
        out["given_instead"] = {"kind": "nearest", "step": nearest}
        out["proposed"] = to_json(lv.proposed) if lv.proposed is not None else None
    return out


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


def plan_data(
    plan: Plan,
    as_of: dt.date | None = None,
    baseline: Plan | None = None,
    convention: Convention = "elapsed",
) -> dict[str, Any]:
    """The ``calendar`` JSON contract (docs/design.md) plus notes and skipped days; with an RT
    log, ``overall_time`` (one object per radiotherapy course, planned against actual)."""
    extra: dict[str, Any] = {}
    if plan.rt_log is not None:
        extra["overall_time"] = [
            overall_time_data(overall_time(plan, baseline, c.id, convention))
            for c in plan.regimen.radiotherapy
        ]
    return extra | {
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
        # Each drug course's codes as its regimen file gives them (null: the drug has none in
        # that system); courses without a codes table are left out.
        "codes": {c.id: c.codes.to_json() for c in plan.regimen.drugs if c.codes.given()},
    }


def render_json(
    plan: Plan,
    as_of: dt.date | None = None,
    baseline: Plan | None = None,
    convention: Convention = "elapsed",
) -> str:
    """The plan as JSON text."""
    import json

    data = plan_data(plan, as_of, baseline, convention)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

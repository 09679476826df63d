"""``regimen dose``: the dose summary as text or JSON (pure formatting of a DoseReport)."""

from __future__ import annotations

import json
from typing import Any

from regimen.cumulative import Ledger
from regimen.dose_report import DoseReport
from regimen.drug_report import DrugSummary
from regimen.export import rt_report as rt_export
from regimen.export.calendar import basis_lines, review_data, review_lines
from regimen.rtlog import overall_time_data, overall_time_lines, record_data, record_lines
from regimen.schedule import Plan, Status
from regimen.units import format_number, format_quantity, to_json

#: Words for each status in text.
STATUS_WORDS = {
    Status.NOT_STARTED: "not started yet",
    Status.ACTIVE: "active",
    Status.ON_HOLD: "on hold",
    Status.WAITING: "waiting for recovery",
    Status.DISCONTINUED: "discontinued",
    Status.COMPLETED: "completed",
}


def _drug_data(s: DrugSummary) -> dict[str, Any]:
    basis = s.rdi_basis
    return {
        "course": s.course,
        "drug": s.drug,
        "as_of": s.as_of.isoformat(),
        "status": s.status.value,
        "planned_total": to_json(s.planned_total),
        "delivered_total": to_json(s.delivered_total),
        "dosing_days_planned": s.dosing_days_planned,
        "dosing_days_delivered": s.dosing_days_delivered,
        "dispense": [
            {"cycle": d.cycle, "strength": to_json(d.strength), "count": d.count}
            for d in s.dispense
        ],
        "dosage_form": s.dosage_form,
        "relative_dose_intensity": (
            None if s.relative_dose_intensity is None else round(s.relative_dose_intensity, 6)
        ),
        "rdi_basis": (
            None
            if basis is None
            else {
                "standard_dose_per_cycle": to_json(basis.standard_per_cycle),
                "cycle_length": {"value": basis.cycle_length, "unit": "d"},
                "period_start": basis.period_start.isoformat(),
                "period_end": basis.period_end.isoformat(),
                "period": {"value": basis.period_days, "unit": "d"},
                "delivered_in_period": to_json(basis.delivered),
            }
        ),
        "current_dose": to_json(s.current_dose) if s.current_dose is not None else None,
        "next_cycle_start": s.next_cycle_start.isoformat() if s.next_cycle_start else None,
        "discontinued_on": s.discontinued_on.isoformat() if s.discontinued_on else None,
        "hold": s.hold or None,
        "resume_dose": to_json(s.resume_dose) if s.resume_dose is not None else None,
        "waiting_cycle": s.waiting_cycle,
        "cycles_planned": s.cycles_planned,
        "cycles_started": s.cycles_started,
    }


def _ledger(plan: Plan | None, course: str) -> Ledger | None:
    if plan is None:
        return None
    return next((book for book in plan.cumulative if book.course == course), None)


def cumulative_data(book: Ledger | None) -> dict[str, Any] | None:
    """The ``cumulative`` object of a drug in ``dose`` JSON (None without a plan)."""
    if book is None:
        return None
    c = book.first_crossing
    limit = book.limit
    return {
        "total": to_json(book.total) if book.total is not None else None,
        "planned": to_json(book.planned),
        "prior": to_json(book.prior) if book.prior is not None else None,
        "prior_state": book.prior_state.replace(" ", "_"),
        "limit": to_json(limit.dose) if limit is not None else None,
        "limit_basis": limit.basis() if limit is not None else None,
        "limit_source": (
            None
            if limit is None
            else {"key": limit.source.key, "kind": limit.source.kind.value}
        ),
        "limit_confirmed": None if limit is None else not limit.unconfirmed,
        "checkable": book.checkable,
        "first_crossing": (
            None
            if c is None
            else {
                "cycle": c.cycle,
                "day": c.day,
                "date": c.date.isoformat(),
                "total": to_json(c.total),
            }
        ),
        "why": list(book.why),
    }


def _cumulative_lines(book: Ledger | None) -> list[str]:
    if book is None:
        return []
    prior = {
        "given": format_quantity(book.prior) if book.prior is not None else "",
        "unknown": "unknown",
        "not given": "not given",
    }[book.prior_state]
    total = _people(book.total) if book.total is not None else "unknown"
    out = [
        f"  cumulative: {total} (this plan {_people(book.planned)}; prior {_people_text(prior)})"
    ]
    if book.limit is not None:
        out.append(f"  lifetime limit: {_people_text(book.limit.basis())}")
        c = book.first_crossing
        if c is not None:
            out.append(
                f"  first dose that would cross it: cycle {c.cycle} day {c.day} on "
                f"{c.date.isoformat()} (cumulative {_people(c.total)})"
            )
        elif book.total is None:
            out.append(f"  limit cannot be checked: {'; '.join(book.why)}")
        else:
            out.append("  no planned dose crosses it")
    return out


def _people_text(text: str) -> str:
    return text.replace("mg/m2", "mg/m²")


def _people(q: Any) -> str:
    return _people_text(format_quantity(q))


def dose_data(report: DoseReport) -> dict[str, Any]:
    """The ``dose`` JSON contract (docs/design.md)."""
    rt: dict[str, Any] | None = None
    if report.radiotherapy is not None:
        rt = rt_export.bed_data(report.radiotherapy)
        if report.overall_time is not None:
            rt["overall_time"] = {"value": report.overall_time, "unit": "d"}
            rt["first_fraction"] = report.rt_first.isoformat() if report.rt_first else None
            rt["last_fraction"] = report.rt_last.isoformat() if report.rt_last else None
    plan = report.plan
    return {
        "regimen": report.regimen.id,
        "radiotherapy": rt,
        "overall_time": overall_time_data(report.time),
        "treatment_record": record_data(report.record),
        "drugs": [
            _drug_data(s) | {"cumulative": cumulative_data(_ledger(plan, s.course))}
            for s in report.drugs
        ],
        "warnings": list(plan.warnings) if plan is not None else [],
        "needs_review": review_data(plan) if plan is not None else [],
    }


def render_json(report: DoseReport) -> str:
    """The dose summary as JSON text."""
    return json.dumps(dose_data(report), indent=2, ensure_ascii=False) + "\n"


def _status_lines(s: DrugSummary) -> list[str]:
    out = [f"  status on {s.as_of.isoformat()}: {STATUS_WORDS[s.status]}"]
    if s.status is Status.DISCONTINUED and s.discontinued_on is not None:
        out.append(f"  discontinued on {s.discontinued_on.isoformat()}")
    elif s.status is Status.ON_HOLD:
        resume = format_quantity(s.resume_dose) if s.resume_dose is not None else "unknown"
        out.append(f"  {s.hold}; resumes at {resume} when recovered")
    elif s.status is Status.WAITING:
        out.append(f"  cycle {s.waiting_cycle} day 1 waits for recovery ({s.hold})")
    if s.current_dose is not None:
        out.append(f"  current dose: {format_quantity(s.current_dose)}")
    if s.next_cycle_start is not None:
        out.append(f"  next cycle day 1: {s.next_cycle_start.isoformat()}")
    return out


def _rdi_lines(s: DrugSummary) -> list[str]:
    b = s.rdi_basis
    if b is None or s.relative_dose_intensity is None:
        return []
    return [
        f"  relative dose intensity = (delivered / period) / (standard dose per cycle / cycle "
        f"length) = ({format_quantity(b.delivered)} / {format_number(b.period_weeks, 2)} wk) / "
        f"({format_quantity(b.standard_per_cycle)} / {format_number(b.cycle_weeks, 2)} wk) = "
        f"{format_number(100 * s.relative_dose_intensity, 1)}%",
        f"    (period {b.period_start.isoformat()} to {b.period_end.isoformat()}, "
        f"{b.period_days} d; the standard dose is the protocol's start level, whatever "
        "--start-dose says)",
    ]


def render_text(report: DoseReport) -> str:
    """The dose summary as text, formulas substituted."""
    out = [f"Dose summary: {report.regimen.id}", ""]
    plan = report.plan
    if plan is not None:
        out += [f"Warning: {w}" for w in plan.warnings]
        out += [f"Note: {n}" for n in plan.notes]
        if plan.warnings or plan.notes:
            out.append("")
    if report.radiotherapy is not None:
        out.append(rt_export.bed_text(report.radiotherapy, title="Radiotherapy").rstrip("\n"))
        if report.time is not None and (
            report.record is not None or report.time.convention != "elapsed"
        ):
            out += overall_time_lines(report.time)
        elif report.overall_time is not None and report.rt_first and report.rt_last:
            out.append(
                f"Overall treatment time T = last - first fraction = {report.rt_last.isoformat()}"
                f" - {report.rt_first.isoformat()} = {report.overall_time} d"
            )
        out.append("")
        if report.record is not None:
            out += [*record_lines(report.record), ""]
    if report.plan is None and report.regimen.drugs:
        out.append("Drug totals need a start date: add --start YYYY-MM-DD (and --cycles N).")
    for s in report.drugs:
        out.append(s.course if s.course == s.drug else f"{s.course} ({s.drug})")
        if plan is not None:
            out += [f"  dose basis: {line}" for line in basis_lines(plan, s.course)]
        out.append(
            f"  planned:   {format_quantity(s.planned_total)} over {s.dosing_days_planned} "
            f"dosing days ({s.cycles_planned} cycles)"
        )
        out.append(
            f"  delivered: {format_quantity(s.delivered_total)} over {s.dosing_days_delivered} "
            f"dosing days on or before {s.as_of.isoformat()} ({s.cycles_started} cycles started)"
        )
        out += _rdi_lines(s)
        out += _cumulative_lines(_ledger(plan, s.course))
        out += _status_lines(s)
        if s.dispense:
            out.append(f"  {s.dosage_form}s to dispense per cycle (what is taken):")
            for d in s.dispense:
                out.append(
                    f"    cycle {d.cycle}: {d.count} x {format_quantity(d.strength)} "
                    f"{s.dosage_form}s"
                )
        out.append("")
    if plan is not None:
        out += review_lines(plan)
    return "\n".join(out).rstrip("\n") + "\n"

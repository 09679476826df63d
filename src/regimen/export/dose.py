"""``regimen dose``: the dose summary as text or JSON (pure formatting of a DoseReport)."""

from __future__ import annotations

import json
from typing import Any

from regimen.export import arith
from regimen.summary import DoseReport, DrugSummary
from regimen.units import format_number, format_quantity, to_json


def _drug_data(s: DrugSummary) -> dict[str, Any]:
    return {
        "course": s.course,
        "drug": s.drug,
        "planned_total": to_json(s.planned_total),
        "delivered_total": to_json(s.delivered_total),
        "dosing_days_planned": s.dosing_days_planned,
        "dosing_days_delivered": s.dosing_days_delivered,
        "dispense": [
            {"cycle": d.cycle, "strength": to_json(d.strength), "count": d.count}
            for d in s.dispense
        ],
        "relative_dose_intensity": (
            None if s.relative_dose_intensity is None else round(s.relative_dose_intensity, 6)
        ),
        "current_dose": to_json(s.current_dose) if s.current_dose is not None else None,
        "next_cycle_start": s.next_cycle_start.isoformat() if s.next_cycle_start else None,
        "discontinued_on": s.discontinued_on.isoformat() if s.discontinued_on else None,
        "cycles_planned": s.cycles_planned,
        "cycles_started": s.cycles_started,
    }


def dose_data(report: DoseReport) -> dict[str, Any]:
    """The ``dose`` JSON contract (DESIGN.md)."""
    rt: dict[str, Any] | None = None
    if report.radiotherapy is not None:
        rt = arith.bed_data(report.radiotherapy)
        if report.overall_time is not None:
            rt["overall_time"] = {"value": report.overall_time, "unit": "d"}
            rt["first_fraction"] = report.rt_first.isoformat() if report.rt_first else None
            rt["last_fraction"] = report.rt_last.isoformat() if report.rt_last else None
    return {
        "regimen": report.regimen.id,
        "radiotherapy": rt,
        "drugs": [_drug_data(s) for s in report.drugs],
    }


def render_json(report: DoseReport) -> str:
    """The dose summary as JSON text."""
    return json.dumps(dose_data(report), indent=2, ensure_ascii=False) + "\n"


def render_text(report: DoseReport) -> str:
    """The dose summary as text, formulas substituted."""
    out = [f"Dose summary: {report.regimen.id}", ""]
    if report.radiotherapy is not None:
        out.append(arith.bed_text(report.radiotherapy, title="Radiotherapy").rstrip("\n"))
        if report.overall_time is not None and report.rt_first and report.rt_last:
            out.append(
                f"Overall treatment time T = last - first fraction = {report.rt_last.isoformat()}"
                f" - {report.rt_first.isoformat()} = {report.overall_time} d"
            )
        out.append("")
    if report.plan is None and report.regimen.drugs:
        out.append("Drug totals need a start date: add --start YYYY-MM-DD (and --cycles N).")
    for s in report.drugs:
        out.append(s.course if s.course == s.drug else f"{s.course} ({s.drug})")
        out.append(
            f"  planned:   {format_quantity(s.planned_total)} over {s.dosing_days_planned} "
            f"dosing days ({s.cycles_planned} cycles)"
        )
        out.append(
            f"  delivered: {format_quantity(s.delivered_total)} over {s.dosing_days_delivered} "
            f"dosing days ({s.cycles_started} cycles started)"
        )
        if s.relative_dose_intensity is not None:
            out.append(
                f"  relative dose intensity: {format_number(100 * s.relative_dose_intensity, 1)}%"
            )
        if s.discontinued_on is not None:
            out.append(f"  discontinued on {s.discontinued_on.isoformat()}")
        else:
            if s.current_dose is not None:
                out.append(f"  current dose: {format_quantity(s.current_dose)}")
            if s.next_cycle_start is not None:
                out.append(f"  next cycle day 1: {s.next_cycle_start.isoformat()}")
        if s.dispense:
            out.append("  dispense:")
            for d in s.dispense:
                out.append(f"    cycle {d.cycle}: {d.count} x {format_quantity(d.strength)}")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"

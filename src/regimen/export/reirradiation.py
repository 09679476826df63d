"""Text and JSON renderings of the re-irradiation report (``regimen reirradiation``).

Pure formatting of :class:`regimen.reirradiation.ReirradiationReport`: the text writes every
formula with its numbers (per course BED and EQD2, the sums, the recovery term, each check and
the budget's solve), so a physicist can paste it into a chart.
"""

from __future__ import annotations

import json
from typing import Any

from regimen.reirradiation import (
    AB,
    BUDGET_STEP_GY,
    Budget,
    CheckResult,
    Course,
    CourseResult,
    ReirradiationReport,
    interval_text,
    metric_text,
)
from regimen.units import Dose, format_number, format_quantity, magnitude, quantity, to_json

#: Places for derived values (BED, EQD) in text: 0.01 Gy.
DERIVED_PLACES = 2
#: Places for numbers in JSON.
JSON_PLACES = 10


def _gy(q: Dose, places: int = 4) -> str:
    return format_quantity(quantity(magnitude(q, "Gy"), "Gy"), places)


def _g(value: float, places: int = DERIVED_PLACES) -> str:
    return format_quantity(quantity(value, "Gy"), places)


def _course_lines(index: int, r: CourseResult, ab: str) -> list[str]:
    c = r.course
    head = f"Course {index + 1}, {c.date}"
    if c.name:
        head += f": {c.name}"
    schedule = " + ".join(str(p) for p in c.prescription)
    total = " + ".join(_gy(p.total_dose) for p in c.prescription)
    head += f", {schedule}" + (f" = {total}" if len(c.prescription) == 1 else f" ({total})")
    lines = [head]
    if c.metric_dose is not None:
        p = c.phases[0]
        lines.append(
            f"  Dose to the structure: d = metric dose / n = {_gy(c.metric_dose)} / "
            f"{p.fractions} = {_gy(p.dose_per_fraction)} per fraction"
        )
    for i, (p, term) in enumerate(zip(c.phases, r.terms, strict=True)):
        n, d = p.fractions, _gy(p.dose_per_fraction)
        name = f"  {p.technique or f'Phase {i + 1}'}: " if len(c.phases) > 1 else "  "
        lines.append(
            f"{name}BED = n x d x (1 + d / ({AB})) = {n} x {d} x (1 + {d} / {ab})"
            f" = {_gy(term, DERIVED_PLACES)}"
        )
    if len(c.phases) > 1:
        lines.append(
            "  BED = "
            + " + ".join(_gy(t, DERIVED_PLACES) for t in r.terms)
            + f" = {_gy(r.bed.value, DERIVED_PLACES)}"
        )
    lines.append(
        f"  EQD2 = BED / (1 + 2 Gy / ({AB})) = {_gy(r.bed.value, DERIVED_PLACES)} / "
        f"(1 + 2 Gy / {ab}) = {_gy(r.eqd2, DERIVED_PLACES)}"
    )
    if r.recovery is not None:
        rec = r.recovery
        lines.append(
            f"  Recovery stated: r = {format_number(rec.fraction)} of this course's dose taken as "
            f"recovered ({rec.reason}); counted: EQD2 x (1 - r) = {_gy(r.eqd2, DERIVED_PLACES)} x "
            f"(1 - {format_number(rec.fraction)}) = "
            f"{_g(r.counted_eqd2)}"
        )
    else:
        lines.append("  Recovery: none stated; counted in full")
    if c.source is not None:
        lines.append(f"  Source: {c.source.title or c.source.key}")
    if c.note:
        lines.append(f"  Note: {' '.join(c.note.split())}")
    return lines


def _named(c: Course) -> str:
    return f"{c.name} ({c.date})" if c.name else str(c.date)


def _check_line(c: CheckResult) -> str:
    verdict = "within" if c.passed else "NOT within"
    return f"  {verdict}: {c.limit.text}: {c.detail}"


def _budget_lines(b: Budget, report: ReirradiationReport) -> list[str]:
    lines = ["", f"Budget for {b.fractions} more fraction{'s' if b.fractions != 1 else ''}"]
    n = b.fractions
    for c in b.constraints:
        a = _gy(c.alpha_beta)
        lim, used = _g(c.limit), _g(c.used)
        if c.quantity == "eqd2":
            left = (
                f"BED left = (limit - used) x (1 + 2 Gy / ({AB})) = ({lim} - {used}) x "
                f"(1 + 2 Gy / {a}) = {_g(c.bed_left)}"
            )
        else:
            left = f"BED left = limit - used = {lim} - {used} = {_g(c.bed_left)}"
        lines.append(f"  {c.name} ({c.detail}, {AB} = {a}):")
        lines.append(f"    {left}")
        if c.bed_left > 0:
            lines.append(
                f"    d = ({AB} / 2) x (sqrt(1 + 4 x BED left / (n x {AB})) - 1) = ({a} / 2) x "
                f"(sqrt(1 + 4 x {_g(c.bed_left)} / ({n} x {a})) - 1) = "
                f"{_g(c.dose_per_fraction, 4)} per fraction"
            )
        else:
            lines.append("    nothing is left: no further dose within this limit")
    lines.append(f"  Binding limit: {b.binding.name}")
    if b.available:
        d = _g(b.dose_per_fraction)
        lines.append(
            f"  Largest dose per fraction: {d} ({_g(b.dose_per_fraction_exact, 4)} rounded "
            f"down to {format_number(BUDGET_STEP_GY)} Gy, so no limit is exceeded); "
            f"{n} x {d} = {_g(b.total_dose)}"
        )
        lines.append(
            f"  Cumulative EQD2 at {AB} = {_gy(report.alpha_beta)} with it (and the stated "
            f"recovery): {_g(b.cumulative_eqd2)}"
        )
    else:
        lines.append(
            f"  No further dose: less than {format_number(BUDGET_STEP_GY)} Gy per fraction is "
            "left within the binding limit"
        )
    return lines


def render_text(report: ReirradiationReport, where: str = "") -> str:
    """The report as text, formulas with numbers substituted."""
    rec = report.record
    ab = _gy(report.alpha_beta)
    head = f"Re-irradiation of the {rec.structure}" if rec.structure else "Re-irradiation"
    lines = [head]
    if rec.endpoint:
        lines.append(f"Endpoint: {rec.endpoint}")
    lines.append(f"Dose metric: {metric_text(rec.metric)}")
    if where:
        lines.append(f"From: {where}")
    if rec.note:
        lines.append(f"Record note: {' '.join(rec.note.split())}")
    lines.append(f"Model: linear-quadratic (LQ), every course at {AB} = {ab}")
    for i, r in enumerate(report.courses):
        lines.append("")
        if r.interval is not None:
            prev = report.courses[i - 1].course
            lines.append(
                f"Interval from {_named(prev)} to {_named(r.course)}: "
                f"{interval_text(r.interval)}; shown, never turned into recovery"
            )
        lines.extend(_course_lines(i, r, ab))
    lines.append("")
    lines.append("Cumulative")
    beds = [_gy(r.bed.value, DERIVED_PLACES) for r in report.courses]
    eqd2s = [_gy(r.eqd2, DERIVED_PLACES) for r in report.courses]
    lines.append(f"  BED = {' + '.join(beds)} = {_g(report.bed)}")
    lines.append(f"  EQD2 = {' + '.join(eqd2s)} = {_g(report.eqd2)}")
    if report.recovery_applied:
        terms = [
            f"{_gy(r.eqd2, DERIVED_PLACES)} x (1 - "
            f"{format_number(r.recovery.fraction if r.recovery else 0)})"
            for r in report.courses
        ]
        lines.append(
            f"  EQD2 with the stated recovery = sum of EQD2 x (1 - r) = {' + '.join(terms)} = "
            f"{_g(report.eqd2_with_recovery)}"
        )
        lines.append(f"  BED with the stated recovery = {_g(report.bed_with_recovery)}")
    else:
        lines.append(
            "  No recovery applied: every course is counted in full (none was stated with "
            "--recovery); the interval between courses is not turned into recovery."
        )
    if report.limit is not None:
        verdict = "within" if report.limit_check else "NOT within"
        lines.append(
            f"  --limit: cumulative EQD2 with the stated recovery {_g(report.eqd2_with_recovery)}"
            f" is {verdict} {_gy(report.limit)}"
        )
    sets = list(dict.fromkeys(c.set for c in report.checks))
    for cs in sets:
        lines.append("")
        lines.append(f"Check {cs.name}: {cs.title}, {AB} = {_gy(cs.alpha_beta)}")
        lines.append(f"  Source: {cs.citation}")
        lines.append(f"  Confirmed: {cs.confirmed}")
        lines.extend(_check_line(c) for c in report.checks if c.set is cs)
        lines.extend(f"  Note: {n}" for n in cs.notes)
    if report.budget is not None:
        lines.extend(_budget_lines(report.budget, report))
    if report.warnings:
        lines.append("")
        lines.extend(f"Warning: {w}" for w in report.warnings)
    if report.notes:
        lines.append("")
        lines.extend(f"Note: {n}" for n in report.notes)
    lines.append("")
    lines.append(
        f"BED and EQD2 are in Gy of the {AB} named; a sum of courses is meaningful only in one "
        f"{AB} and one dose metric."
    )
    return "\n".join(lines) + "\n"


def _q(value: float, unit: str = "Gy") -> dict[str, object]:
    if unit == "Gy":
        return to_json(quantity(value, "Gy"), JSON_PLACES)
    number = round(value, JSON_PLACES)
    return {"value": int(number) if float(number).is_integer() else number, "unit": unit}


_UNITS = {"bed": "Gy", "eqd2": "Gy", "months": "mo", "ratio": "1"}


def _check_data(c: CheckResult) -> dict[str, Any]:
    unit = _UNITS[c.limit.quantity]
    return {
        "name": c.name,
        "set": c.set.name,
        "passed": c.passed,
        "limit": _q(c.limit.value, unit),
        "value": _q(c.value, unit),
        "quantity": c.limit.quantity,
        "alpha_beta": _q(c.set.alpha_beta_gy),
        "course": c.course or None,
        "detail": c.detail,
        "source": c.set.citation,
    }


def _budget_data(b: Budget) -> dict[str, Any]:
    return {
        "fractions": b.fractions,
        "dose_per_fraction": _q(b.dose_per_fraction),
        "dose_per_fraction_exact": _q(b.dose_per_fraction_exact),
        "rounding": "down to 0.01 Gy",
        "total_dose": _q(b.total_dose),
        "available": b.available,
        "binding": b.binding.name,
        "cumulative_eqd2": _q(b.cumulative_eqd2) if b.available else None,
        "constraints": [
            {
                "name": c.name,
                "alpha_beta": _q(magnitude(c.alpha_beta, "Gy")),
                "quantity": c.quantity,
                "limit": _q(c.limit),
                "used": _q(c.used),
                "bed_left": _q(c.bed_left),
                "dose_per_fraction": _q(c.dose_per_fraction),
            }
            for c in b.constraints
        ],
        "warnings": list(b.warnings),
    }


def render_data(report: ReirradiationReport) -> dict[str, Any]:
    """The ``reirradiation`` JSON contract (docs/design.md)."""
    rec = report.record
    courses = []
    for r in report.courses:
        c = r.course
        gap = r.interval
        courses.append(
            {
                "name": c.name or None,
                "date": str(c.date),
                "phases": [
                    {"fractions": p.fractions, "dose_per_fraction": to_json(p.dose_per_fraction)}
                    for p in c.prescription
                ],
                "metric_dose": _q(magnitude(c.metric_dose, "Gy")) if c.metric_dose else None,
                "bed": _q(r.bed.gy),
                "eqd2": _q(magnitude(r.eqd2, "Gy")),
                "recovery": r.recovery.fraction if r.recovery else None,
                "recovery_reason": r.recovery.reason if r.recovery else None,
                "interval_from_previous": None
                if gap is None
                else {
                    "days_min": gap.days_min,
                    "days_max": gap.days_max,
                    "months_min": gap.months_min,
                    "months_max": gap.months_max,
                },
                "source": c.source.key if c.source else None,
            }
        )
    checks = [_check_data(c) for c in report.checks]
    if report.limit is not None:
        checks.append(
            {
                "name": "limit: cumulative EQD2 with the stated recovery",
                "set": None,
                "passed": bool(report.limit_check),
                "limit": _q(magnitude(report.limit, "Gy")),
                "value": _q(report.eqd2_with_recovery),
                "quantity": "eqd2",
                "alpha_beta": _q(magnitude(report.alpha_beta, "Gy")),
                "course": None,
                "detail": (
                    f"cumulative EQD2 with the stated recovery at {AB} "
                    f"{_gy(report.alpha_beta)} = {_g(report.eqd2_with_recovery)}, limit "
                    f"{_gy(report.limit)}"
                ),
                "source": "--limit (given by the user)",
            }
        )
    return {
        "structure": rec.structure or None,
        "endpoint": rec.endpoint or None,
        "metric": rec.metric,
        "origin": rec.origin,
        "alpha_beta": _q(magnitude(report.alpha_beta, "Gy")),
        "courses": courses,
        "cumulative": {
            "bed": _q(report.bed),
            "eqd2": _q(report.eqd2),
            "bed_with_recovery": _q(report.bed_with_recovery),
            "eqd2_with_recovery": _q(report.eqd2_with_recovery),
        },
        "recovery_applied": report.recovery_applied,
        "checks": checks,
        "budget": _budget_data(report.budget) if report.budget is not None else None,
        "warnings": list(report.warnings),
        "notes": list(report.notes),
    }


def render_json(report: ReirradiationReport) -> str:
    """The report as JSON text."""
    return json.dumps(render_data(report), indent=2, ensure_ascii=False) + "\n"

"""Declared-figure checks (``regimen validate``): a regimen file's declared totals against the
arithmetic.
"""

from __future__ import annotations

from regimen import radiobiology as rb
from regimen.drugs import DrugCourse
from regimen.radiotherapy import RadiotherapyCourse
from regimen.regimen import Regimen
from regimen.units import (
    format_quantity,
    magnitude,
    quantity,
    to_unit,
    unit_symbol,
)

#: alpha/beta values shown when the user gives none [Gy] (tumour/early 10 Gy, late 3 Gy).


def check_declared(regimen: Regimen) -> list[str]:
    """Compare every declared figure in a regimen with the arithmetic; return the mismatches."""
    problems = []
    for i, c in enumerate(regimen.courses):
        if isinstance(c, RadiotherapyCourse) and c.declared_total is not None:
            actual = rb.physical_dose(c.phases)
            if abs(magnitude(actual, "Gy") - magnitude(c.declared_total, "Gy")) > 1e-9:
                problems.append(
                    f"courses[{i}].declared_total: declares {format_quantity(c.declared_total)} "
                    f"but the phases add up to "
                    f"{format_quantity(to_unit(actual, unit_symbol(c.declared_total)))} ("
                    + " + ".join(str(p) for p in c.phases)
                    + ")"
                )
        if isinstance(c, DrugCourse) and c.declared_cycle_total is not None:
            days = len(c.dosing_days)
            actual_mg = magnitude(c.start_dose, "mg") * days
            if abs(actual_mg - magnitude(c.declared_cycle_total, "mg")) > 1e-9:
                problems.append(
                    f"courses[{i}].declared_cycle_total: declares "
                    f"{format_quantity(c.declared_cycle_total)} but "
                    f"{format_quantity(c.start_dose)} on {days} days is "
                    f"{format_quantity(quantity(actual_mg, 'mg'))}"
                )
    return problems

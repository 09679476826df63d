"""Dose summaries: the radiotherapy arithmetic report, isoeffect reports, declared-figure checks.

Everything clinical that an output shows is computed here (or below), so exporters only format.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from regimen import radiobiology as rb
from regimen.drugs import DrugCourse
from regimen.errors import InputError
from regimen.model import Regimen
from regimen.radiotherapy import Phase, RadiotherapyCourse
from regimen.units import (
    Quantity,
    format_quantity,
    magnitude,
    quantity,
    to_unit,
    unit_symbol,
)

#: alpha/beta values shown when the user gives none [Gy] (tumour/early 10 Gy, late 3 Gy).
DEFAULT_ALPHA_BETAS = (10, 3)


@attrs.frozen
class TimeCorrection:
    """Overall-time correction inputs: T, T_k and K (already in BED units per day)."""

    overall_time: Quantity
    kickoff_time: Quantity
    k: Quantity | None = None
    dprolif: Quantity | None = None

    def __attrs_post_init__(self) -> None:
        if (self.k is None) == (self.dprolif is None):
            raise InputError("give exactly one of --k or --dprolif with --overall-time")

    def k_for(self, alpha_beta: Quantity) -> Quantity:
        """K in BED units per day for this alpha/beta."""
        if self.k is not None:
            return self.k
        assert self.dprolif is not None  # noqa: S101 - guaranteed by the validator
        return rb.k_from_dprolif(self.dprolif, alpha_beta)


@attrs.frozen
class PhaseTerm:
    """One phase's BED term for one alpha/beta."""

    phase: Phase
    bed: Quantity  # [Gy]
    linear: bool  # True when LQ-L's linear branch was used


@attrs.frozen
class BedResult:
    """BED and EQD for one alpha/beta."""

    alpha_beta: Quantity
    terms: tuple[PhaseTerm, ...]
    bed: rb.Bed
    eqd2: Quantity
    eqd: Quantity | None  # EQD at the reference dose, when one was asked for
    corrected: rb.Bed | None  # time-corrected BED, when asked
    k: Quantity | None


@attrs.frozen
class BedReport:
    """Everything ``regimen bed`` shows."""

    phases: tuple[Phase, ...]
    total_dose: Quantity
    results: tuple[BedResult, ...]
    model: rb.Model
    transition_dose: Quantity | None
    reference_dose: Quantity | None
    time: TimeCorrection | None
    warnings: tuple[str, ...]


def bed_report(
    phases: Sequence[Phase],
    alpha_betas: Sequence[Quantity],
    reference_dose: Quantity | None = None,
    model: rb.Model = "lq",
    transition_dose: Quantity | None = None,
    time: TimeCorrection | None = None,
) -> BedReport:
    """Compute the BED/EQD report of a course for each alpha/beta (never summed across them)."""
    abs_ = list(alpha_betas) or [quantity(v, "Gy") for v in DEFAULT_ALPHA_BETAS]
    results = []
    for ab in abs_:
        terms = []
        for p in phases:
            per = rb.bed_per_fraction(p.dose_per_fraction, ab, model, transition_dose)
            linear = (
                model == "lq-l"
                and transition_dose is not None
                and magnitude(p.dose_per_fraction, "Gy") > magnitude(transition_dose, "Gy")
            )
            terms.append(PhaseTerm(p, quantity(p.fractions * per, "Gy"), linear))
        b = rb.bed(phases, ab, model, transition_dose)
        corrected = k = None
        if time is not None:
            k = time.k_for(ab)
            corrected = rb.time_corrected_bed(b, time.overall_time, time.kickoff_time, k)
        results.append(
            BedResult(
                alpha_beta=ab,
                terms=tuple(terms),
                bed=b,
                eqd2=rb.eqd(b),
                eqd=rb.eqd(b, reference_dose) if reference_dose is not None else None,
                corrected=corrected,
                k=k,
            )
        )
    warnings = []
    if model == "lq":
        for p in rb.above_lq_threshold(phases):
            warnings.append(
                f"{p.technique or str(p)}: {format_quantity(p.dose_per_fraction)} per fraction is "
                f"above {rb.LQ_WARNING_THRESHOLD_GY:g} Gy, where the plain LQ model may "
                "overestimate effect; consider --model lq-l --transition-dose Q"
            )
    return BedReport(
        phases=tuple(phases),
        total_dose=rb.physical_dose(phases),
        results=tuple(results),
        model=model,
        transition_dose=transition_dose,
        reference_dose=reference_dose,
        time=time,
        warnings=tuple(warnings),
    )


@attrs.frozen
class IsoeffectReport:
    """Everything ``regimen isoeffect`` shows."""

    phases: tuple[Phase, ...]
    target: rb.Bed
    dose_per_fraction: Quantity
    fractions_exact: float
    fractions: int
    rounding: str
    total_dose: Quantity
    solved: str  # "fractions" or "dose_per_fraction"


def isoeffect_report(
    phases: Sequence[Phase],
    alpha_beta: Quantity,
    dose_per_fraction: Quantity | None = None,
    fractions: int | None = None,
) -> IsoeffectReport:
    """Solve for the fractions (given a dose per fraction) or the dose per fraction (given a
    number of fractions) that match the BED of ``phases``."""
    if (dose_per_fraction is None) == (fractions is None):
        raise InputError("give exactly one of --dose-per-fraction or --fractions")
    target = rb.bed(phases, alpha_beta)
    if dose_per_fraction is not None:
        sol = rb.fractions_for_bed(target, dose_per_fraction)
        total = quantity(sol.rounded * magnitude(dose_per_fraction, "Gy"), "Gy")
        return IsoeffectReport(
            tuple(phases),
            target,
            dose_per_fraction,
            sol.exact,
            sol.rounded,
            sol.rounding,
            total,
            "fractions",
        )
    assert fractions is not None  # noqa: S101 - one of the two is given
    d = rb.dose_per_fraction_for_bed(target, fractions)
    total = quantity(fractions * magnitude(d, "Gy"), "Gy")
    return IsoeffectReport(
        tuple(phases), target, d, float(fractions), fractions, "exact", total, "dose_per_fraction"
    )


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

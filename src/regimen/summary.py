"""Dose summaries: the radiotherapy arithmetic report, isoeffect reports, declared-figure checks.

Everything clinical that an output shows is computed here (or below), so exporters only format.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal

import attrs

from regimen import radiobiology as rb
from regimen.drugs import DrugCourse
from regimen.errors import InputError
from regimen.model import Regimen
from regimen.radiotherapy import MAX_FRACTIONS, Phase, RadiotherapyCourse
from regimen.schedule import Plan
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
            raise InputError("give exactly one of --k or --dprolif", where="--k")

    @property
    def applies(self) -> bool:
        """Whether repopulation is corrected for at all (T > T_k)."""
        return magnitude(self.overall_time, "d") > magnitude(self.kickoff_time, "d")

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
        if sol.rounded > MAX_FRACTIONS:
            raise InputError(
                f"{format_quantity(dose_per_fraction)} per fraction needs {sol.rounded} "
                f"fractions, more than the limit of {MAX_FRACTIONS}",
                where="--dose-per-fraction",
            )
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


# ---------------------------------------------------------------------------------------------
# drug courses on a plan


@attrs.frozen
class Dispense:
    """Units of one strength to dispense for one cycle."""

    cycle: int
    strength: Quantity
    count: int


@attrs.frozen
class DrugSummary:
    """Planned against delivered figures of one drug course in a plan."""

    course: str
    drug: str
    planned_total: Quantity
    delivered_total: Quantity
    dosing_days_planned: int
    dosing_days_delivered: int
    dispense: tuple[Dispense, ...]
    relative_dose_intensity: float | None
    current_dose: Quantity | None
    next_cycle_start: dt.date | None
    discontinued_on: dt.date | None
    cycles_planned: int
    cycles_started: int


def units_for_dose(dose: Quantity, strengths: Sequence[Quantity]) -> tuple[Quantity, int] | None:
    """The strength giving ``dose`` as whole units of one strength, in the fewest units.

    >>> from regimen.units import quantity as q, format_quantity
    >>> s, n = units_for_dose(q(10, "mg"), [q(12, "mg"), q(10, "mg"), q(8, "mg")])
    >>> format_quantity(s), n
    ('10 mg', 1)
    >>> units_for_dose(q(5, "mg"), [q(12, "mg")]) is None
    True
    """
    want = Decimal(repr(magnitude(dose, "mg")))
    best: tuple[Quantity, int] | None = None
    for s in strengths:
        size = Decimal(repr(magnitude(s, "mg")))
        count, rest = divmod(want, size)
        if rest == 0 and count >= 1 and (best is None or count < best[1]):
            best = (s, int(count))
    return best


def drug_summary(plan: Plan, course_id: str) -> DrugSummary:
    """Planned and delivered totals, dispensing and dose intensity of one drug course.

    *Planned* is the same course with no AE log: the starting dose on every dosing day of the
    planned cycles. *Delivered* counts the dose events of the plan (held days give nothing).
    Relative dose intensity is (delivered / days from the first dose to the end of the last
    cycle started) / (planned / planned cycles x cycle length).
    """
    course = plan.regimen.course(course_id)
    if not isinstance(course, DrugCourse):
        raise InputError(f"{course_id!r} is not a drug course")
    events = plan.course_events(course_id)
    doses = [e for e in events if e.kind == "dose" and e.dose is not None]
    n_cycles = plan.cycles_planned[course_id]
    cycles = [c for c in plan.cycles if c.course == course_id]
    first_planned = _first_planned_dose(plan, course_id, course)
    planned_days = n_cycles * len(course.dosing_days)
    planned_mg = planned_days * magnitude(first_planned, "mg")
    delivered_mg = math.fsum(magnitude(e.dose, "mg") for e in doses)
    unit = unit_symbol(course.start_dose)

    dispense: list[Dispense] = []
    for c in cycles:
        per_dose: dict[float, tuple[Quantity, int]] = {}
        for e in doses:
            if e.cycle == c.number and e.dose is not None:
                key = magnitude(e.dose, "mg")
                q, n = per_dose.get(key, (e.dose, 0))
                per_dose[key] = (q, n + 1)
        for q, n in per_dose.values():
            choice = units_for_dose(q, course.strengths) if course.strengths else None
            if choice is None:
                continue
            strength, per_day = choice
            dispense.append(Dispense(c.number, strength, per_day * n))

    rdi: float | None = None
    if doses and cycles and planned_mg > 0:
        span = (cycles[-1].end(course.cycle_length) - doses[0].date).days + 1
        planned_span = n_cycles * course.cycle_length
        rdi = (delivered_mg / span) / (planned_mg / planned_span)

    stopped = plan.discontinued.get(course_id)
    next_start = None
    if stopped is None and cycles:
        next_start = cycles[-1].day1 + dt.timedelta(days=course.cycle_length)
    return DrugSummary(
        course=course_id,
        drug=course.drug,
        planned_total=to_unit(quantity(planned_mg, "mg"), unit),
        delivered_total=to_unit(quantity(delivered_mg, "mg"), unit),
        dosing_days_planned=planned_days,
        dosing_days_delivered=len(doses),
        dispense=tuple(dispense),
        relative_dose_intensity=rdi,
        current_dose=plan.final_dose.get(course_id),
        next_cycle_start=next_start,
        discontinued_on=stopped,
        cycles_planned=n_cycles,
        cycles_started=len(cycles),
    )


def _first_planned_dose(plan: Plan, course_id: str, course: DrugCourse) -> Quantity:
    """The starting dose of the plan (``--start-dose`` or the course's start level)."""
    return plan.start_doses.get(course_id, course.start_dose)


@attrs.frozen
class DoseReport:
    """Everything ``regimen dose`` shows."""

    regimen: Regimen
    radiotherapy: BedReport | None
    overall_time: int | None
    rt_first: dt.date | None
    rt_last: dt.date | None
    drugs: tuple[DrugSummary, ...]
    plan: Plan | None


def dose_report(
    regimen: Regimen,
    alpha_betas: Sequence[Quantity] = (),
    plan: Plan | None = None,
    reference_dose: Quantity | None = None,
    time: TimeCorrection | None = None,
) -> DoseReport:
    """The dose summary of a regimen; drug figures and the overall time need a plan."""
    rt = regimen.radiotherapy
    report = None
    overall = None
    first = last = None
    if rt:
        course = rt[0]
        if plan is not None:
            overall = plan.overall_time(course.id)
            dates = [e.date for e in plan.course_events(course.id)]
            first, last = (min(dates), max(dates)) if dates else (None, None)
        report = bed_report(course.phases, alpha_betas, reference_dose, "lq", None, time)
    drugs = tuple(drug_summary(plan, c.id) for c in regimen.drugs) if plan is not None else ()
    return DoseReport(regimen, report, overall, first, last, drugs, plan)

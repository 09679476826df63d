"""The report of ``regimen dose``: the radiotherapy arithmetic (:mod:`regimen.rt_report`) and each
drug course's summary (:mod:`regimen.drug_report`) of one regimen and plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import attrs

#: alpha/beta values shown when the user gives none [Gy] (tumour/early 10 Gy, late 3 Gy).
from regimen.drug_report import DrugSummary, drug_summary
from regimen.regimen import Regimen
from regimen.rt_report import BedReport, TimeCorrection, bed_report
from regimen.schedule import Plan
from regimen.units import (
    Dose,
)


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
    alpha_betas: Sequence[Dose] = (),
    plan: Plan | None = None,
    reference_dose: Dose | None = None,
    time: TimeCorrection | None = None,
    tumour_alpha_betas: Sequence[Dose] = (),
    as_of: dt.date | None = None,
) -> DoseReport:
    """The dose summary of a regimen; drug figures and the overall time need a plan.

    Drug figures are as of ``as_of`` (default: the plan's last date)."""
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
        report = bed_report(
            course.phases, alpha_betas, reference_dose, "lq", None, time, tumour_alpha_betas
        )
    drugs = (
        tuple(drug_summary(plan, c.id, as_of) for c in regimen.drugs) if plan is not None else ()
    )
    return DoseReport(regimen, report, overall, first, last, drugs, plan)

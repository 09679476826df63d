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
from regimen.rt_report import GIVEN, BedReport, Origin, TimeCorrection, bed_report
from regimen.rtlog import Convention, OverallTime, Record, overall_time, record
from regimen.schedule import Plan
from regimen.units import (
    Dose,
    Duration,
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
    #: T planned (without the RT log) and actual (with it), under its convention; with a log,
    #: ``overall_time``, ``rt_first`` and ``rt_last`` are the plan's (planned) and ``record``
    #: holds the dose planned against actual.
    time: OverallTime | None = None
    record: Record | None = None


def dose_report(
    regimen: Regimen,
    alpha_betas: Sequence[Dose] = (),
    plan: Plan | None = None,
    reference_dose: Dose | None = None,
    time: TimeCorrection | None = None,
    tumour_alpha_betas: Sequence[Dose] = (),
    as_of: dt.date | None = None,
    baseline: Plan | None = None,
    convention: Convention = "elapsed",
    repair_half_time: Duration | None = None,
    tumour_origins: Sequence[Origin] = (),
    other_origins: Sequence[Origin] = (),
    half_time_origin: Origin = GIVEN,
) -> DoseReport:
    """The dose summary of a regimen; drug figures and the overall time need a plan.

    Drug figures are as of ``as_of`` (default: the plan's last date). With an RT log (the
    plan's), ``baseline`` is the plan without it: the radiotherapy figures are the plan's and
    :func:`regimen.rtlog.record` sets planned against actual (``repair_half_time`` for days
    with two or more fractions). A phase of 2 or 3 fractions a day gets Thames's H_m in its
    late-tissue BED from ``repair_half_time`` (not computed without one); its interval warning,
    shown with the plan's warnings when there is a plan, is not repeated."""
    rt = regimen.radiotherapy
    report = None
    overall = None
    first = last = None
    t = rec = None
    if rt:
        course = rt[0]
        if plan is not None:
            t = overall_time(plan, baseline, course.id, convention)
            if t is not None:
                overall, first, last = t.planned, t.planned_first, t.planned_last
        report = bed_report(
            course.phases,
            alpha_betas,
            reference_dose,
            "lq",
            None,
            time,
            tumour_alpha_betas,
            tumour_origins=tumour_origins,
            other_origins=other_origins,
            repair_half_time=repair_half_time,
            half_time_origin=half_time_origin,
        )
        if plan is not None:
            kept = tuple(w for w in report.warnings if w not in plan.warnings)
            report = attrs.evolve(report, warnings=kept)
        if plan is not None and plan.rt_log is not None:
            given = [(r.alpha_beta, r.tissue) for r in report.results]
            rec = record(
                plan, baseline or plan, course.id, given, convention, time, repair_half_time
            )
    drugs = (
        tuple(drug_summary(plan, c.id, as_of) for c in regimen.drugs) if plan is not None else ()
    )
    return DoseReport(regimen, report, overall, first, last, drugs, plan, t, rec)

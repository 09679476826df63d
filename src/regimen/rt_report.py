"""Radiotherapy arithmetic reports: BED and EQD2 for each alpha/beta (tumour or other tissue),
the time-corrected BED, isoeffect solves, and the LQ warnings an output must show.

Everything clinical that an output shows is computed here (or in :mod:`regimen.radiobiology`),
so exporters only format.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from regimen import radiobiology as rb
from regimen.errors import InputError
from regimen.radiotherapy import MAX_FRACTIONS, Phase
from regimen.units import (
    Dose,
    DoseRate,
    Duration,
    format_quantity,
    magnitude,
    quantity,
)

#: alpha/beta values shown when the user gives none [Gy] (tumour/early 10 Gy, late 3 Gy).


DEFAULT_ALPHA_BETAS = (10, 3)


@attrs.frozen
class Origin:
    """Where a parameter came from: given by the user, or a tissue preset (its name and the
    citation of the value, ``Withers 1988 [primary]``, with ``, unconfirmed`` when it is)."""

    preset: str | None = None
    cite: str = ""
    source: str = ""
    origin: str = ""
    confirmed: bool = True

    def text(self) -> str:
        """``given`` or ``preset hnscc: Withers 1988 [primary]``."""
        return "given" if self.preset is None else f"preset {self.preset}: {self.cite}"


GIVEN = Origin()

#: Fractions closer than this are refused, and closer than the warning limit warned [h]
#: (RCR: at least 6 h between fractions given the same day).
MIN_INTERVAL_H = 6.0
WARN_INTERVAL_H = 8.0


@attrs.frozen
class IncompleteRepair:
    """m fractions a day ``interval`` apart, repair half-time T1/2, and Thames's H_m."""

    fractions_per_day: int
    interval: Duration
    repair_half_time: Duration
    half_time_origin: Origin
    theta: float
    h: float


def incomplete_repair(
    fractions_per_day: int,
    interval: Duration | None,
    repair_half_time: Duration | None,
    half_time_origin: Origin = GIVEN,
) -> IncompleteRepair:
    """H_m for ``fractions_per_day`` fractions ``interval`` apart.

    The interval is required and at least 6 h (refused below; :func:`bed_report` warns below
    8 h); the repair half-time is required (from the user or a late-tissue preset, never a
    default).
    """
    if interval is None:
        raise InputError(
            f"{fractions_per_day} fractions a day need the time between them (e.g. 6h)",
            where="--interval",
        )
    if repair_half_time is None:
        raise InputError(
            f"{fractions_per_day} fractions a day need the late tissue's repair half-time: give "
            "--repair-half-time (e.g. 1.5h) or --late-tissue NAME with one",
            where="--repair-half-time",
        )
    hours = magnitude(interval, "h")
    if hours < MIN_INTERVAL_H:
        raise InputError(
            f"{format_quantity(interval)} between fractions is too short: at least "
            f"{MIN_INTERVAL_H:g} h is needed for repair",
            where="--interval",
        )
    h = rb.thames_h(fractions_per_day, interval, repair_half_time)
    theta = math.pow(2.0, -hours / magnitude(repair_half_time, "h"))
    return IncompleteRepair(
        fractions_per_day, interval, repair_half_time, half_time_origin, theta, h
    )


@attrs.frozen
class TimeCorrection:
    """Overall-time correction inputs: T, T_k and K (already in BED units per day)."""

    overall_time: Duration
    kickoff_time: Duration
    k: DoseRate | None = None
    dprolif: DoseRate | None = None
    rate_origin: Origin = GIVEN
    kickoff_origin: Origin = GIVEN

    def __attrs_post_init__(self) -> None:
        if (self.k is None) == (self.dprolif is None):
            raise InputError("give exactly one of --k or --dprolif", where="--k")

    @property
    def applies(self) -> bool:
        """Whether repopulation is corrected for at all (T > T_k)."""
        return magnitude(self.overall_time, "d") > magnitude(self.kickoff_time, "d")

    def k_for(self, alpha_beta: Dose) -> DoseRate:
        """K in BED units per day for this alpha/beta."""
        if self.k is not None:
            return self.k
        assert self.dprolif is not None  # noqa: S101 - guaranteed by the validator
        return rb.k_from_dprolif(self.dprolif, alpha_beta)


@attrs.frozen
class PhaseTerm:
    """One phase's BED term for one alpha/beta."""

    phase: Phase
    bed: Dose  # [Gy]
    linear: bool  # True when LQ-L's linear branch was used
    #: The phase's own incomplete repair (a regimen phase of 2 or 3 fractions a day), when its
    #: BED includes H_m.
    repair: IncompleteRepair | None = None


@attrs.frozen
class NotComputed:
    """A result that cannot be computed without a value the user must give (never a default):
    the late-tissue BED of a phase with several fractions a day and no repair half-time."""

    alpha_beta: Dose
    tissue: str
    origin: Origin
    why: str


@attrs.frozen
class BedResult:
    """BED and EQD for one alpha/beta.

    ``tissue`` is ``"tumour"`` for an alpha/beta given as the tumour's (the only results the
    repopulation correction touches) and ``"other"`` otherwise (late-responding or unstated
    tissue: correcting it for repopulation would understate its BED, the unsafe direction).
    """

    alpha_beta: Dose
    terms: tuple[PhaseTerm, ...]
    bed: rb.Bed
    eqd2: Dose
    eqd: Dose | None  # EQD at the reference dose, when one was asked for
    corrected: rb.Bed | None  # time-corrected BED, when asked (tumour only)
    k: DoseRate | None
    tissue: str = "other"
    corrected_eqd2: Dose | None = None  # BED_T / (1 + 2 Gy / (alpha/beta))
    corrected_eqd: Dose | None = None  # BED_T / (1 + x / (alpha/beta)) at the reference dose
    origin: Origin = GIVEN  # where the alpha/beta came from
    #: Whether ``bed`` includes Thames's H_m (other tissue with fractions closer than a day).
    repair_applied: bool = False
    #: A tumour's BED and EQD2 with H_m, shown beside its primary BED (which has none).
    with_repair: rb.Bed | None = None
    with_repair_eqd2: Dose | None = None


@attrs.frozen
class BedReport:
    """Everything ``regimen bed`` shows."""

    phases: tuple[Phase, ...]
    total_dose: Dose
    results: tuple[BedResult, ...]
    model: rb.Model
    transition_dose: Dose | None
    reference_dose: Dose | None
    time: TimeCorrection | None
    warnings: tuple[str, ...]
    repair: IncompleteRepair | None = None
    #: Per phase, its incomplete repair (a regimen phase with 2 or 3 fractions a day and a
    #: repair half-time; None otherwise); empty when no phase has several fractions a day.
    phase_repairs: tuple[IncompleteRepair | None, ...] = ()
    #: Results not computed, and why (late tissue of such a phase without a repair half-time).
    not_computed: tuple[NotComputed, ...] = ()

    @property
    def several_a_day(self) -> bool:
        """Whether a phase gives more than one fraction a day (a regimen's own phases)."""
        return any(p.fractions_per_day > 1 for p in self.phases)


def _phase_repairs(
    phases: Sequence[Phase], half: Duration | None, origin: Origin
) -> tuple[IncompleteRepair | None, ...]:
    """Each phase's incomplete repair: for one with 2 or 3 fractions a day and a repair
    half-time, Thames's H_m at the phase's interval; None otherwise."""
    if half is None:
        return tuple(None for _ in phases)
    return tuple(
        incomplete_repair(p.fractions_per_day, p.interval, half, origin)
        if p.fractions_per_day > 1
        else None
        for p in phases
    )


def not_computed_why(phases: Sequence[Phase]) -> str:
    """Why a late-tissue result of ``phases`` is not computed without a repair half-time."""
    several = [(i, p) for i, p in enumerate(phases, 1) if p.fractions_per_day > 1]
    i, p = several[0]
    name = "the phase" if len(phases) == 1 else f"phase {i} ({p.technique or p})"
    gap = format_quantity(p.interval) if p.interval is not None else "?"
    return (
        f"not computed: {name} gives {p.fractions_per_day} fractions a day {gap} apart; give "
        "--late-tissue or --repair-half-time"
    )


def bed_report(
    phases: Sequence[Phase],
    alpha_betas: Sequence[Dose],
    reference_dose: Dose | None = None,
    model: rb.Model = "lq",
    transition_dose: Dose | None = None,
    time: TimeCorrection | None = None,
    tumour_alpha_betas: Sequence[Dose] = (),
    repair: IncompleteRepair | None = None,
    tumour_origins: Sequence[Origin] = (),
    other_origins: Sequence[Origin] = (),
    repair_half_time: Duration | None = None,
    half_time_origin: Origin = GIVEN,
) -> BedReport:
    """Compute the BED/EQD report of a course for each alpha/beta (never summed across them).

    A regimen's phase with 2 or 3 fractions a day (``Phase.fractions_per_day``, its own
    interval): other tissue's BED of that phase includes H_m for ``repair_half_time``; without
    one, other tissue's result is not computed (:class:`NotComputed`), never H = 0. A tumour's
    BED assumes full repair between fractions, as for one fraction a day.

    The overall-time correction ``time`` applies only to ``tumour_alpha_betas``; it is an
    error to ask for it with none. With ``repair`` (fractions closer than a day), the BED of
    other tissue includes Thames's H_m (the larger, safe figure for late effects); a tumour's
    BED does not (its repair half-time is not the late tissue's), and its BED with H_m is
    shown beside it. ``*_origins`` say where each alpha/beta came from (default: given).
    """
    if repair is not None and model != "lq":
        raise InputError(
            "incomplete repair is computed with the LQ model only", where="--fractions-per-day"
        )
    if time is not None and not tumour_alpha_betas:
        raise InputError(
            "the repopulation correction applies only to a tumour: give its alpha/beta with "
            "--tumour-alpha-beta",
            where="--k" if time.k is not None else "--dprolif",
        )

    def origins(given: Sequence[Origin], n: int) -> list[Origin]:
        return [given[i] if i < len(given) else GIVEN for i in range(n)]

    given = [(ab, "tumour") for ab in tumour_alpha_betas] + [(ab, "other") for ab in alpha_betas]
    where = origins(tumour_origins, len(tumour_alpha_betas)) + origins(
        other_origins, len(alpha_betas)
    )
    if not given:
        given = [(quantity(v, "Gy"), "other") for v in DEFAULT_ALPHA_BETAS]
        where = [GIVEN] * len(given)
    several = repair is None and any(p.fractions_per_day > 1 for p in phases)
    if several and model != "lq":
        raise InputError(
            "incomplete repair is computed with the LQ model only", where="--fractions-per-day"
        )
    own = _phase_repairs(phases, repair_half_time, half_time_origin) if several else ()
    results = []
    skipped = []
    for (ab, tissue), origin in zip(given, where, strict=True):
        if several and tissue == "other" and repair_half_time is None:
            skipped.append(NotComputed(ab, tissue, origin, not_computed_why(phases)))
            continue
        applied = repair is not None and tissue == "other"
        mine = own if tissue == "other" else ()
        terms = []
        for i, p in enumerate(phases):
            phase_repair = mine[i] if mine else None
            active = phase_repair if phase_repair is not None else (repair if applied else None)
            if active is not None:
                per = rb.bed_incomplete_repair([p], ab, active.h).gy / p.fractions
            else:
                per = rb.bed_per_fraction(p.dose_per_fraction, ab, model, transition_dose)
            linear = (
                model == "lq-l"
                and transition_dose is not None
                and magnitude(p.dose_per_fraction, "Gy") > magnitude(transition_dose, "Gy")
            )
            terms.append(PhaseTerm(p, quantity(p.fractions * per, "Gy"), linear, phase_repair))
        if applied:
            assert repair is not None  # noqa: S101 - applied implies repair
            b = rb.bed_incomplete_repair(phases, ab, repair.h)
        elif any(r is not None for r in mine):
            parts = [
                rb.bed_incomplete_repair([p], ab, r.h) if r is not None else rb.bed([p], ab)
                for p, r in zip(phases, mine, strict=True)
            ]
            b = parts[0]
            for part in parts[1:]:
                b = b + part
            applied = True
        else:
            b = rb.bed(phases, ab, model, transition_dose)
        with_repair = with_repair_eqd2 = None
        if repair is not None and tissue == "tumour":
            with_repair = rb.bed_incomplete_repair(phases, ab, repair.h)
            with_repair_eqd2 = rb.eqd(with_repair)
        corrected = k = corrected_eqd2 = corrected_eqd = None
        if time is not None and tissue == "tumour":
            k = time.k_for(ab)
            corrected = rb.time_corrected_bed(b, time.overall_time, time.kickoff_time, k)
            corrected_eqd2 = rb.eqd(corrected)
            if reference_dose is not None:
                corrected_eqd = rb.eqd(corrected, reference_dose)
        results.append(
            BedResult(
                alpha_beta=ab,
                terms=tuple(terms),
                bed=b,
                eqd2=rb.eqd(b),
                eqd=rb.eqd(b, reference_dose) if reference_dose is not None else None,
                corrected=corrected,
                k=k,
                tissue=tissue,
                corrected_eqd2=corrected_eqd2,
                corrected_eqd=corrected_eqd,
                origin=origin,
                repair_applied=applied,
                with_repair=with_repair,
                with_repair_eqd2=with_repair_eqd2,
            )
        )
    warnings = [w for p in phases if (w := p.warning()) is not None]
    if repair is not None and magnitude(repair.interval, "h") < WARN_INTERVAL_H:
        warnings.append(
            f"{format_quantity(repair.interval)} between fractions is less than "
            f"{WARN_INTERVAL_H:g} h: late-responding tissue may not have repaired as fully as "
            "H_m assumes (intervals under 6 h are refused; 8 h or more is the safer choice)"
        )
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
        repair=repair,
        phase_repairs=own,
        not_computed=tuple(skipped),
    )


@attrs.frozen
class IsoeffectReport:
    """Everything ``regimen isoeffect`` shows."""

    phases: tuple[Phase, ...]
    target: rb.Bed
    dose_per_fraction: Dose
    fractions_exact: float
    fractions: int
    rounding: str
    total_dose: Dose
    solved: str  # "fractions" or "dose_per_fraction"
    #: BED of the schedule actually given (the rounded number of fractions), same alpha/beta.
    rounded_bed: rb.Bed | None = None
    warnings: tuple[str, ...] = ()


def isoeffect_report(
    phases: Sequence[Phase],
    alpha_beta: Dose,
    dose_per_fraction: Dose | None = None,
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
        rounded = rb.bed(
            [Phase(fractions=sol.rounded, dose_per_fraction=dose_per_fraction)], alpha_beta
        )
        return IsoeffectReport(
            tuple(phases),
            target,
            dose_per_fraction,
            sol.exact,
            sol.rounded,
            sol.rounding,
            total,
            "fractions",
            rounded,
            _lq_warnings(dose_per_fraction),
        )
    assert fractions is not None  # noqa: S101 - one of the two is given
    d = rb.dose_per_fraction_for_bed(target, fractions)
    total = quantity(fractions * magnitude(d, "Gy"), "Gy")
    return IsoeffectReport(
        tuple(phases),
        target,
        d,
        float(fractions),
        fractions,
        "exact",
        total,
        "dose_per_fraction",
        None,
        _lq_warnings(d),
    )


def _lq_warnings(dose_per_fraction: Dose) -> tuple[str, ...]:
    """The plain-LQ warning for a solved or given dose per fraction above the threshold."""
    if magnitude(dose_per_fraction, "Gy") <= rb.LQ_WARNING_THRESHOLD_GY:
        return ()
    return (
        f"{format_quantity(dose_per_fraction, 4)} per fraction is above "
        f"{rb.LQ_WARNING_THRESHOLD_GY:g} Gy, where the plain LQ model may overestimate effect: "
        "the isoeffective schedule is uncertain",
    )

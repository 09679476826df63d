"""Doses by body size: a course dosed per m2, per kg or by AUC resolved into mg for one plan,
rounded by the regimen's own rule within a tolerance, with the basis of every dose kept.

The engine (:mod:`regimen.schedule`) sees mg only: :func:`resolve` turns each course dosed by
body size into a course in mg before the plan is built, from the patient's
:class:`~regimen.measurements.Measurements` (never a default: a value a course needs and the
measurements lack is an error naming it), and leaves on the course a basis
(:class:`BsaBasis`, :class:`WeightBasis`, :class:`AucBasis`) that says, level by level, how the
dose came about (:class:`LevelDose`). The exporters only format it.

Bases
-----
* ``bsa``: level [mg/m2] x BSA [m2] (:func:`regimen.bodysize.bsa_report`, the method of the
  request), the BSA capped where the course, the regimen or ``--bsa-cap`` sets a cap (the
  option wins over the file; no cap otherwise).
* ``weight``: level [mg/kg] x the course's ``weight_basis`` weight (actual by default, as ASCO
  recommends [ASCO2012]; ideal by Devine; adjusted = ideal + 0.4 x (actual - ideal); see
  :func:`regimen.bodysize.dosing_weight`).
* ``auc``: Calvert [Calvert1989], dose [mg] = AUC [mg/mL x min] x (GFR + 25) [mL/min], the GFR
  a Cockcroft-Gault creatinine clearance [Cockcroft1976] capped at 125 mL/min [FDA2010] unless
  the course sets ``gfr_cap`` (a clearance, or ``"none"``), with an optional ``scr_floor``.

Rounding (a course's ``rounding`` table)
----------------------------------------
* none: to the nearest 0.1 mg (:data:`regimen.drugs.DEFAULT_DOSE_STEP_MG`), as before;
* ``step``: the nearest multiple of the step, halves up (1635 mg to the nearest 10 mg is
  1640 mg);
* ``units``: the nearest amount made of whole vials or tablets of the listed sizes; a dose
  exactly between two such amounts goes to the lower one (decided for regimen: the smaller
  dose is the safer of two equally near ones, and wastes no more drug);
* ``bands``: a band table of the regimen file (``[bands.NAME]``) with the NHS England national
  dose-banding semantics [NHSBands]: each row covers calculated doses from ``from`` (included)
  up to ``to`` (excluded; the tables' "To (A)" column, for systems that round up on the step
  between two bands) and gives one banded dose; the table's ``tolerance`` is the largest
  deviation of a banded dose from any dose of its range, checked when the file is read (the
  national tables keep within 6% for standard chemotherapy, 10% for biologicals [NICE-KTT22]).

The tolerance of a step or units rule is ``tolerance`` (default 10%, the threshold HOPA's
position statement designates as acceptable for routine care [HOPA2018]); a band table carries
its own. A rounded dose is never silently given outside it: the dose then falls back to the
nearest 0.1 mg of the calculated dose and the level carries a "needs review" text that every
output repeats (the basis line, JSON ``rounding.needs_review``, the plan's warnings), as does a
calculated dose that no band of the table covers.

References
----------
.. [HOPA2018] Fahrenbruch R, Kintzel P, Bott AM, et al. Dose rounding of biologic and cytotoxic
   anticancer agents: a position statement of the Hematology/Oncology Pharmacy Association.
   J Oncol Pract. 2018;14(3):e130-e136 ("rounding ... within 10% of the ordered dose is
   designated as acceptable for routine clinical care").
.. [NHSBands] NHS England Chemotherapy Dose Standardisation, National Dose Banding Table -
   Single Container (master bands and ranges: "From >=", "To (A) <", "To (B) <=", band dose,
   variance below and above in percent), https://docslib.org/download/100960/.
.. [NICE-KTT22] NICE. Chemotherapy dose standardisation, key therapeutic topic KTT22: "the
   discrete dose bands lie within 6% of the patient's calculated dose for standard
   chemotherapy drugs and 10% for biological drugs".
.. [ASCO2012], [Calvert1989], [Cockcroft1976], [FDA2010]: see :mod:`regimen.bodysize`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

import attrs

from regimen.bodysize import (
    BSA_METHODS,
    DEFAULT_GFR_CAP_ML_MIN,
    CrclReport,
    DosingWeight,
    bsa_report,
    calvert_report,
    crcl_report,
    dosing_weight,
)
from regimen.errors import InputError, RegimenError
from regimen.sources import Source
from regimen.units import (
    AMOUNT,
    AREA,
    TARGET_AUC,
    Amount,
    Area,
    Clearance,
    Kind,
    Length,
    Mass,
    Quantity,
    format_number,
    format_quantity,
    magnitude,
    parse_quantity,
    quantity,
    require,
)

if TYPE_CHECKING:
    from regimen.drugs import DrugCourse
    from regimen.measurements import Measurements
    from regimen.regimen import Course, Regimen
    from regimen.schedule import Event, Plan

#: The tolerance of a step or units rounding rule when the course gives none [%] (HOPA2018).
DEFAULT_TOLERANCE_PERCENT = 10.0
#: The largest tolerance a regimen file may give [%]: beyond it a "rounding" is a new dose.
MAX_TOLERANCE_PERCENT = 20.0
#: The most steps of the sizes' common divisor a whole-units search goes through (a guard).
_MAX_UNIT_STEPS = 200_000


def parse_percent(value: object, where: str = "tolerance") -> float:
    """``"10%"`` as 10.0: a percentage above 0 and at most :data:`MAX_TOLERANCE_PERCENT`.

    >>> parse_percent("5%"), parse_percent(" 7.5 % ")
    (5.0, 7.5)
    """
    m = _PERCENT_RE.match(value) if isinstance(value, str) else None
    if m is None:
        raise InputError(f"must be a percentage like '10%', got {value!r}", where=where)
    number = float(m.group(1))
    if not 0 < number <= MAX_TOLERANCE_PERCENT:
        raise InputError(
            f"must be above 0% and at most {format_number(MAX_TOLERANCE_PERCENT)}%, got "
            f"{m.string.strip()!r}",
            where=where,
        )
    return number


_PERCENT_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$", re.ASCII)


_AUC_RE = re.compile(r"^\s*AUC\s*([0-9]+(?:\.[0-9]+)?)\s*$", re.IGNORECASE | re.ASCII)


def parse_level(value: object, kind: Kind, where: str = "dose") -> Quantity:
    """A dose level of ``kind`` as written in a regimen file or ``--start-dose``: a quantity
    (``900 mg/m2``, ``1.5mg/kg``, ``12 mg``) or, for a target AUC, ``AUC 5`` / ``AUC5``.

    >>> from regimen.units import format_quantity as f
    >>> f(parse_level("AUC5", TARGET_AUC)), f(parse_level("AUC 4.5", TARGET_AUC))
    ('5 AUC', '4.5 AUC')
    """
    if kind is TARGET_AUC and isinstance(value, str):
        m = _AUC_RE.match(value)
        if m is not None:
            value = f"{m.group(1)} AUC"
    return parse_quantity(value, kind, where)


# ---------------------------------------------------------------------------------------------
# rounding rules (declared in the regimen file)


def _mg(q: Quantity) -> float:
    return magnitude(require(q, AMOUNT), "mg")


def _worst_deviation(low: float, high: float, dose: float) -> float:
    """The largest |dose - x| / x over calculated doses x from ``low`` up to ``high`` [%]."""
    return 100 * max(abs(dose - low) / low, abs(dose - high) / high)


@attrs.frozen
class Band:
    """One row of a band table: calculated doses from ``low`` (included) up to ``high``
    (excluded) are given as ``dose``."""

    low: Amount
    high: Amount
    dose: Amount

    def covers(self, calculated_mg: float) -> bool:
        """Whether a calculated dose [mg] falls in this band."""
        return _mg(self.low) <= calculated_mg < _mg(self.high)

    def text(self) -> str:
        """``2.5 mg to under 2.7 mg: 2.6 mg``."""
        return (
            f"{format_quantity(self.low)} to under {format_quantity(self.high)}: "
            f"{format_quantity(self.dose)}"
        )


@attrs.frozen
class BandTable:
    """A dose-band table of a regimen file (``[bands.KEY]``): rows in increasing order, none
    overlapping (gaps are allowed: a dose in a gap is not banded), each band's dose within
    ``tolerance`` [%] of every calculated dose of its range [NHSBands]."""

    key: str
    rows: tuple[Band, ...]
    tolerance: float
    source: Source | None = None
    note: str = ""

    def __attrs_post_init__(self) -> None:
        from regimen.drugs import FieldError

        if not self.rows:
            raise FieldError("needs at least one row", "rows")
        for i, row in enumerate(self.rows, 1):
            low, high, dose = _mg(row.low), _mg(row.high), _mg(row.dose)
            if not low < high:
                raise FieldError(
                    f"row {i}: 'from' ({format_quantity(row.low)}) must be below 'to' "
                    f"({format_quantity(row.high)})",
                    "rows",
                )
            worst = _worst_deviation(low, high, dose)
            if worst > self.tolerance + 1e-9:
                raise FieldError(
                    f"row {i} ({row.text()}) gives a calculated dose a deviation of up to "
                    f"{format_number(worst, 2)}%, beyond the table's tolerance of "
                    f"{format_number(self.tolerance)}%",
                    "rows",
                )
        for i, (a, b) in enumerate(itertools.pairwise(self.rows), 2):
            if _mg(b.low) < _mg(a.high):
                raise FieldError(
                    f"row {i} ({b.text()}) overlaps or comes before row {i - 1} ({a.text()}): "
                    "rows go up without overlapping",
                    "rows",
                )

    def band_for(self, calculated: Amount) -> Band | None:
        """The band covering ``calculated`` (None outside every band)."""
        value = _mg(calculated)
        return next((row for row in self.rows if row.covers(value)), None)

    @property
    def low(self) -> Amount:
        """The lowest dose the table covers."""
        return self.rows[0].low

    @property
    def high(self) -> Amount:
        """The dose the table covers up to (excluded)."""
        return self.rows[-1].high


@attrs.frozen
class Rounding:
    """A course's rounding rule: exactly one of ``step``, ``units`` and ``bands``, with the
    tolerance [%] of a step or units rule (None: :data:`DEFAULT_TOLERANCE_PERCENT`)."""

    step: Amount | None = None
    units: tuple[Amount, ...] = ()
    bands: BandTable | None = None
    tolerance: float | None = None

    def __attrs_post_init__(self) -> None:
        from regimen.drugs import FieldError

        given = [n for n, v in (("step", self.step), ("units", self.units), ("bands", self.bands))
                 if v]  # fmt: skip
        if len(given) != 1:
            raise FieldError("give exactly one of 'step', 'units' or 'bands'", "rounding")
        if self.bands is not None and self.tolerance is not None:
            raise FieldError(
                f"a band table carries its own tolerance ({format_number(self.bands.tolerance)}% "
                f"in {self.bands.key!r}): remove 'tolerance'",
                "tolerance",
            )
        if self.step is not None:
            require(self.step, AMOUNT, "step")
        sizes = [_micrograms(require(u, AMOUNT, "units")) for u in self.units]
        if len(set(sizes)) != len(sizes):
            raise FieldError("lists a size twice", "units")
        if any(s < 1 for s in sizes):
            raise FieldError("sizes must be at least 1 mcg", "units")

    @property
    def kind(self) -> str:
        """``step``, ``units`` or ``band``."""
        return "step" if self.step is not None else "units" if self.units else "band"

    @property
    def tolerance_percent(self) -> float:
        """The tolerance that applies [%]: the band table's, the rule's, or 10%."""
        if self.bands is not None:
            return self.bands.tolerance
        return DEFAULT_TOLERANCE_PERCENT if self.tolerance is None else self.tolerance

    def words(self, form: str = "unit") -> str:
        """``nearest 10 mg``, ``nearest whole 100 mg and 20 mg vials``, ``band table X``."""
        if self.step is not None:
            return f"nearest {format_quantity(self.step)}"
        if self.units:
            sizes = " and ".join(format_quantity(u) for u in self.units)
            return f"nearest whole {sizes} {form}s"
        assert self.bands is not None  # noqa: S101 - one of the three
        return f"band table {self.bands.key}"


def _micrograms(q: Amount) -> int:
    return round(_mg(q) * 1000)


def nearest_units(calculated: Amount, sizes: Sequence[Amount]) -> Amount | None:
    """The amount nearest to ``calculated`` that whole units of ``sizes`` make (at least one
    unit); of two equally near amounts the lower. None when the search would be too long.

    >>> from regimen.units import quantity as q, format_quantity as f
    >>> f(nearest_units(q(1636.3, "mg"), [q(100, "mg"), q(20, "mg")]))
    '1640 mg'
    >>> f(nearest_units(q(150, "mg"), [q(100, "mg")]))  # 100 and 200 mg: the lower
    '100 mg'
    >>> f(nearest_units(q(30, "mg"), [q(100, "mg")]))  # never nothing: one vial
    '100 mg'
    """
    ug = sorted({_micrograms(s) for s in sizes})
    step = math.gcd(*ug)
    want = _mg(calculated) * 1000 / step
    top = math.floor(want) + ug[-1] // step
    if top > _MAX_UNIT_STEPS:
        return None
    ks = [u // step for u in ug]
    reach = bytearray(top + 1)
    reach[0] = 1
    for n in range(1, top + 1):
        reach[n] = any(k <= n and reach[n - k] for k in ks)
    below = next((n for n in range(min(math.floor(want), top), 0, -1) if reach[n]), None)
    above = next((n for n in range(math.ceil(want), top + 1) if reach[n] and n > 0), None)
    if below is None and above is None:  # pragma: no cover - the largest size is in reach
        return None
    nearer_below = above is None or (below is not None and want - below <= above - want)
    chosen = below if nearer_below else above
    assert chosen is not None  # noqa: S101 - one of them is set
    return quantity(Decimal(chosen * step) / 1000, "mg")


# ---------------------------------------------------------------------------------------------
# resolved bases: how each level became a dose


@attrs.frozen
class LevelDose:
    """One dose level of a course dosed by body size, resolved for a plan.

    ``per`` is the level as written (900 mg/m2, 1.5 mg/kg, AUC 5); ``calculated`` the dose it
    comes to, unrounded; ``given`` the dose given. ``rule`` says how ``given`` was reached
    (``nearest 10 mg``); ``rounding`` is the course's rule (None: nearest 0.1 mg by default);
    ``band`` the band used; ``proposed`` the dose the rule gave when it was refused (outside
    the tolerance) and ``review`` why, in words ("" when nothing needs review).
    """

    per: Quantity
    calculated: Amount
    given: Amount
    rule: str
    rounding: Rounding | None = None
    band: Band | None = None
    proposed: Amount | None = None
    review: str = ""
    made_of: tuple[tuple[Amount, int], ...] = ()

    @property
    def deviation_percent(self) -> float:
        """How far the dose given lies from the calculated one, in percent of the latter."""
        calc = _mg(self.calculated)
        return 100 * (_mg(self.given) - calc) / calc

    @property
    def fallback(self) -> bool:
        """Whether the rule's dose was refused and the dose is to the nearest 0.1 mg."""
        return bool(self.review)


@attrs.frozen(kw_only=True)
class _Basis:
    levels: tuple[LevelDose, ...]
    measured_on: dt.date
    #: Things every output repeats (a capped BSA, the calculators' warnings).
    warnings: tuple[str, ...] = ()

    def level(self, course: DrugCourse, dose: Quantity) -> LevelDose:
        """The level that gave ``dose`` (one of ``course``'s mg levels)."""
        return self.levels[course.level_index(dose)]

    def per_level(self, course: DrugCourse, dose: Quantity) -> Quantity:
        """The level as written (mg/m2, mg/kg, AUC) that gave ``dose``."""
        return self.level(course, dose).per

    def calculated(self, course: DrugCourse, dose: Quantity) -> Amount:
        """The unrounded dose the level of ``dose`` calculates to."""
        return self.level(course, dose).calculated

    def deviation_percent(self, course: DrugCourse, dose: Quantity) -> float:
        """How far ``dose`` lies from the calculated one, in percent of the latter."""
        calc = _mg(self.calculated(course, dose))
        return 100 * (_mg(dose) - calc) / calc


@attrs.frozen(kw_only=True)
class BsaBasis(_Basis):
    """A course dosed per m2: level x ``bsa`` (capped at ``cap`` when ``capped``; the BSA the
    formula gave is ``bsa_calculated``), from ``height`` and ``weight`` by ``method``."""

    kind = "bsa"
    bsa: Area
    bsa_calculated: Area
    method: str
    height: Length
    weight: Mass
    dosing_weight: DosingWeight
    cap: Area | None = None
    cap_from: str = ""
    capped: bool = False


@attrs.frozen(kw_only=True)
class WeightBasis(_Basis):
    """A course dosed per kg: level x the ``weight`` basis's weight used."""

    kind = "weight"
    weight: DosingWeight


@attrs.frozen(kw_only=True)
class AucBasis(_Basis):
    """A course dosed by AUC: Calvert on the Cockcroft-Gault estimate ``crcl``, capped at
    ``cap`` (None: no cap) and ``gfr_used``; ``scr_on`` is the creatinine's date."""

    kind = "auc"
    crcl: CrclReport
    cap: Clearance | None
    gfr_used: Clearance
    capped: bool
    scr_on: dt.date


ResolvedBasis: TypeAlias = BsaBasis | WeightBasis | AucBasis


# ---------------------------------------------------------------------------------------------
# resolution


def round_level(
    per: Quantity, calculated: Amount, rounding: Rounding | None, form: str
) -> LevelDose:
    """The dose given for ``calculated`` by ``rounding`` (see the module docstring)."""
    from regimen.drugs import DEFAULT_DOSE_STEP_MG, make_dose, round_dose

    default = round_dose(calculated)
    nearest = f"nearest {format_quantity(quantity(DEFAULT_DOSE_STEP_MG, 'mg'))}"
    if rounding is None:
        rule = f"{nearest}; the regimen gives no rounding rule"
        return LevelDose(per, calculated, default, rule)
    tolerance = rounding.tolerance_percent
    words = rounding.words(form)
    band: Band | None = None
    proposed: Amount | None
    if rounding.step is not None:
        proposed = round_dose(calculated, Decimal(repr(_mg(rounding.step))))
    elif rounding.units:
        proposed = nearest_units(calculated, rounding.units)
    else:
        assert rounding.bands is not None  # noqa: S101 - one of the three
        band = rounding.bands.band_for(calculated)
        proposed = band.dose if band is not None else None
        if band is not None:
            words = f"band {band.text()} of table {rounding.bands.key}"
    calc = _mg(calculated)
    tol = f"{format_number(tolerance)}%"
    if proposed is None or _mg(proposed) <= 0:
        if rounding.bands is not None:
            t = rounding.bands
            why = (
                f"{format_quantity(calculated, 2)} is outside every band of table {t.key} "
                f"({format_quantity(t.low)} to under {format_quantity(t.high)})"
            )
        elif rounding.units:
            why = f"{words} cannot be worked out for {format_quantity(calculated, 2)}"
        else:
            why = f"{words} would give no dose for {format_quantity(calculated, 2)}"
    else:
        deviation = 100 * (_mg(proposed) - calc) / calc
        if abs(deviation) <= tolerance + 1e-9:
            made = (make_dose(proposed, rounding.units) or ()) if rounding.units else ()
            return LevelDose(
                per,
                calculated,
                proposed,
                f"{words}, within {tol}",
                rounding,
                band,
                made_of=made,
            )
        why = (
            f"{words} would give {format_quantity(proposed)} ({signed_percent(deviation)}), "
            f"beyond the tolerance of {tol}"
        )
    review = f"{why}: given to the {nearest} instead; needs clinician review"
    return LevelDose(
        per, calculated, default, f"{nearest}: {why}", rounding, band, proposed, review
    )


def signed_percent(value: float, places: int = 4) -> str:
    """``+0.2257%``, ``-0.0004%``, ``0%`` (a deviation, its sign always written).

    >>> signed_percent(0.22573), signed_percent(-0.00042), signed_percent(0.0)
    ('+0.2257%', '-0.0004%', '0%')
    """
    text = format_number(value, places)
    return f"{'+' if text not in ('0', '-0') and not text.startswith('-') else ''}{text}%"


def _needed(field: str, course: DrugCourse) -> InputError:
    from regimen.drugs import BASIS_WORDS, FieldError

    return FieldError(f"needed for {course.id} ({BASIS_WORDS[course.dose_basis]})", field)


#: The request fields a body-size error may name (the CLI maps each to its option).
_FIELDS = ("height", "weight", "sex", "age", "scr", "bsa_method", "bsa_cap")


def _as_field(exc: RegimenError, fallback: str) -> InputError:
    from regimen.drugs import FieldError

    field = exc.where if exc.where in _FIELDS else fallback
    return FieldError(exc.what, field)


def _bsa_basis(
    course: DrugCourse,
    m: Measurements,
    measured_on: dt.date,
    method: str,
    cap_option: Area | None,
) -> tuple[Area, BsaBasis]:
    """The BSA of a course dosed per m2 (capped where a cap is set) and its basis so far."""
    for field, value in (("height", m.height), ("weight", m.weight)):
        if value is None:
            raise _needed(field, course)
    assert m.height is not None and m.weight is not None  # noqa: S101 - checked above
    basis = course.weight_basis
    if basis != "actual" and m.sex is None:
        raise _needed("sex", course)
    try:
        report = bsa_report(
            m.height,
            m.weight,
            method,  # type: ignore[arg-type]
            basis,  # type: ignore[arg-type]
            m.sex if basis != "actual" else None,
        )
    except RegimenError as exc:
        raise _as_field(exc, "bsa_method") from None
    cap, cap_from = (
        (cap_option, "--bsa-cap")
        if cap_option is not None
        else (
            course.bsa_cap,
            "the regimen",
        )
    )
    bsa = report.bsa
    capped = cap is not None and magnitude(report.bsa, "m2") > magnitude(cap, "m2")
    if capped and cap is not None:
        bsa = cap
    warnings = [f"{course.id}: {w}" for w in report.warnings]
    if capped:
        warnings.append(
            f"{course.id}: the BSA is capped at {_people(cap)} ({cap_from}): the formula gives "
            f"{_people(report.bsa, 2)}, the doses are calculated on {_people(bsa)}"
        )
    return bsa, BsaBasis(
        levels=(),
        measured_on=measured_on,
        warnings=tuple(warnings),
        bsa=bsa,
        bsa_calculated=report.bsa,
        method=method,
        height=m.height,
        weight=m.weight,
        dosing_weight=report.weight,
        cap=cap,
        cap_from=cap_from if cap is not None else "",
        capped=capped,
    )


def _people(q: Quantity | None, places: int = 4) -> str:
    return "none" if q is None else format_quantity(q, places).replace("m2", "m²")


def _weight_basis(course: DrugCourse, m: Measurements, measured_on: dt.date) -> WeightBasis:
    if m.weight is None:
        raise _needed("weight", course)
    if course.weight_basis != "actual":
        for field, value in (("height", m.height), ("sex", m.sex)):
            if value is None:
                raise _needed(field, course)
    try:
        w = dosing_weight(m.weight, course.weight_basis, m.height, m.sex)  # type: ignore[arg-type]
    except RegimenError as exc:
        raise _as_field(exc, "weight") from None
    warnings = []
    if w.below_ideal:
        warnings.append(
            f"{course.id}: the actual weight is below the ideal weight: the actual weight is used"
        )
    return WeightBasis(levels=(), measured_on=measured_on, warnings=tuple(warnings), weight=w)


def _crcl(course: DrugCourse, m: Measurements) -> CrclReport:
    needed: list[tuple[str, object]] = [
        ("weight", m.weight),
        ("age", m.age),
        ("sex", m.sex),
        ("scr", m.scr),
    ]
    if course.weight_basis != "actual":
        needed.append(("height", m.height))
    for field, value in needed:
        if value is None:
            raise _needed(field, course)
    assert m.weight is not None and m.age is not None and m.scr is not None  # noqa: S101
    try:
        return crcl_report(
            m.age,
            m.sex,
            m.weight,
            m.scr,
            m.height,
            course.weight_basis,  # type: ignore[arg-type]
            course.scr_floor,
        )
    except RegimenError as exc:
        raise _as_field(exc, "scr") from None


def _course_words(warning: str) -> str:
    """A calculator's warning with its option named as the course key it is in a regimen."""
    return warning.replace("--scr-floor 0.7mg/dL", 'scr_floor = "0.7 mg/dL" on the course').replace(
        "--weight-basis adjusted", 'weight_basis = "adjusted" on the course'
    )


def _gfr_cap(course: DrugCourse) -> Clearance | None:
    if course.gfr_cap == "none":
        return None
    if course.gfr_cap is None:
        return quantity(DEFAULT_GFR_CAP_ML_MIN, "mL/min")
    return course.gfr_cap


def _resolve_course(
    course: DrugCourse,
    m: Measurements,
    start: dt.date,
    method: str,
    cap_option: Area | None,
) -> DrugCourse:
    """``course`` (dosed by body size) in mg, with its basis."""
    from regimen.drugs import FieldError, format_level, per_area_dose

    measured = m.weight_on or start
    form = course.dosage_form if course.dosage_form != "unit" else "unit"
    levels: list[LevelDose] = []
    basis: ResolvedBasis
    if course.dose_basis == "bsa":
        bsa, basis = _bsa_basis(course, m, measured, method, cap_option)
        for per in course.dose_levels:
            calc = per_area_dose(per, bsa)
            levels.append(round_level(per, calc, course.rounding, form))
    elif course.dose_basis == "weight":
        basis = _weight_basis(course, m, measured)
        for per in course.dose_levels:
            calc = quantity(magnitude(per, "mg/kg") * magnitude(basis.weight.used, "kg"), "mg")
            levels.append(round_level(per, calc, course.rounding, form))
    else:
        crcl = _crcl(course, m)
        cap = _gfr_cap(course)
        report = None
        for per in course.dose_levels:
            try:
                report = calvert_report(float(per.magnitude), estimate=crcl, cap=cap)
            except RegimenError as exc:  # pragma: no cover - the course checked its levels
                raise FieldError(exc.what, "dose_levels", course.id) from None
            levels.append(round_level(per, report.dose, course.rounding, form))
        assert report is not None  # noqa: S101 - a course has a level
        warnings = [f"{course.id}: {_course_words(w)}" for w in crcl.warnings]
        if report.capped and cap is not None:
            warnings.append(
                f"{course.id}: the Cockcroft-Gault GFR {format_quantity(crcl.crcl, 2)} is "
                f"capped at {format_quantity(cap)}"
            )
        basis = AucBasis(
            levels=(),
            measured_on=measured,
            warnings=tuple(warnings),
            crcl=crcl,
            cap=cap,
            gfr_used=report.gfr_used,
            capped=report.capped,
            scr_on=m.scr_on or start,
        )
    basis = attrs.evolve(basis, levels=tuple(levels))
    for a, b in itertools.pairwise(levels):
        if _mg(b.given) >= _mg(a.given):
            raise InputError(
                f"the levels {format_level(a.per)} and {format_level(b.per)} come to "
                f"{format_quantity(a.given)} and {format_quantity(b.given)} ({b.rule}): the "
                "lower level would not reduce the dose; give the course another rounding rule",
                where=course.id,
            )
    start_level = course.start_level
    index = None if start_level is None else course.level_index(start_level)
    return attrs.evolve(
        course,
        dose_levels=tuple(level.given for level in levels),
        start_level=None if index is None else levels[index].given,
        basis=basis,
    )


def resolve(
    regimen: Regimen,
    measurements: Measurements,
    start: dt.date,
    start_doses: Mapping[str, Quantity],
    bsa_method: str = "mosteller",
    bsa_cap: Area | None = None,
) -> tuple[Regimen, dict[str, Amount]]:
    """``regimen`` with every course dosed by body size made a course in mg for one plan, and
    the start doses (given in each course's own basis) in mg.

    Measurements are those in force on ``start`` (quick-check options are taken as measured
    then). A value a course needs and ``measurements`` lacks is an error naming it; a height or
    weight given as an option for a regimen with no course dosed by body size, or a BSA cap for
    one with no course dosed per m2, is an error too (it would do nothing).
    """
    from regimen.drugs import DrugCourse, FieldError

    pending = [c for c in regimen.drugs if c.unresolved]
    if measurements.origin == "options" and not pending:
        for field, value in (("height", measurements.height), ("weight", measurements.weight)):
            if value is not None:
                raise FieldError(
                    "only applies to a regimen with a course dosed by body size (per m², per "
                    f"kg or by AUC; none in {regimen.id})",
                    field,
                )
    if bsa_cap is not None:
        require(bsa_cap, AREA, "bsa_cap")
        if not any(c.dose_basis == "bsa" for c in pending):
            raise FieldError(
                f"only applies to a regimen with a course dosed per m² (none in {regimen.id})",
                "bsa_cap",
            )
    if any(c.dose_basis == "bsa" for c in pending) and bsa_method not in BSA_METHODS:
        raise FieldError(
            f"must be one of {', '.join(BSA_METHODS)}, got {bsa_method!r}", "bsa_method"
        )
    courses: list[Course] = []
    for course in regimen.courses:
        if isinstance(course, DrugCourse) and course.unresolved:
            courses.append(_resolve_course(course, measurements, start, bsa_method, bsa_cap))
        else:
            courses.append(course)
    resolved = attrs.evolve(regimen, courses=tuple(courses))
    doses: dict[str, Amount] = {}
    for cid, given in start_doses.items():
        before = regimen.course(cid)
        after = resolved.course(cid)
        if isinstance(before, DrugCourse) and before.unresolved:
            assert isinstance(after, DrugCourse)  # noqa: S101 - the same course, resolved
            doses[cid] = after.dose_levels[before.level_index(given, f"start_dose {cid}")]
        else:
            doses[cid] = require(given, AMOUNT, "start_dose")
    return resolved, doses


# ---------------------------------------------------------------------------------------------
# what a plan gives


def event_level(e: Event) -> Quantity | None:
    """The dose level an event's dose comes from: the level itself, or the level a lab rule's
    part of it was taken from (``Event.level_dose``, when the engine sets one)."""
    level = getattr(e, "level_dose", None)
    return level if level is not None else e.dose


@attrs.frozen
class DayDose:
    """How one dose event of a course dosed by body size came about: its ``level``, the dose
    ``calculated`` for that day (the level's, unrounded, times a lab rule's percentage on a day
    one changed it) and the dose given's deviation from it, in percent."""

    level: LevelDose
    calculated: Amount
    deviation_percent: float


def day_dose(course: DrugCourse, e: Event) -> DayDose | None:
    """The :class:`DayDose` of dose event ``e`` of ``course`` (None for another event or a
    course not dosed by body size).

    >>> import datetime as dt
    >>> from regimen.schedule import Event
    >>> from regimen.units import quantity as q
    >>> day_dose(None, Event(dt.date(2022, 1, 3), "x", "held", None, "C1D1 held")) is None
    True
    """
    level = event_level(e)
    if e.kind != "dose" or e.dose is None or level is None or course.basis is None:
        return None
    lv = course.basis.level(course, level)
    calculated = _mg(lv.calculated) * (e.lab_percent or 100) / 100
    deviation = 100 * (_mg(e.dose) - calculated) / calculated
    return DayDose(lv, quantity(calculated, "mg"), deviation)


def levels_used(plan: Plan, course: DrugCourse) -> list[tuple[Quantity, Event | None]]:
    """The mg levels of a resolved course the plan gives, in order of first use, each with
    its first dose event (the start level and None when no dose is given)."""
    seen: list[tuple[Quantity, Event | None]] = []
    indexes: set[int] = set()
    for e in plan.course_events(course.id):
        level = event_level(e)
        if e.kind != "dose" or level is None:
            continue
        try:
            i = course.level_index(level)
        except RegimenError:
            continue
        if i not in indexes:
            indexes.add(i)
            seen.append((course.dose_levels[i], e))
    return seen or [(course.start_dose, None)]


def plan_warnings(plan: Plan) -> tuple[str, ...]:
    """What the resolution of each course says to every output: the calculators' warnings, a
    capped BSA or GFR, and every level the plan gives whose rounding needs review."""
    from regimen.drugs import format_level

    out: list[str] = []
    for course in plan.regimen.drugs:
        basis = course.basis
        if basis is None:
            continue
        out += basis.warnings
        for dose, _ in levels_used(plan, course):
            level = basis.level(course, dose)
            if level.review:
                out.append(f"needs clinician review: {course.id} {format_level(level.per)}: "
                           f"{level.review}")  # fmt: skip
    return tuple(out)

"""Drug courses: dose levels, dosing days within a cycle, cycle length, dispensing strengths.

>>> from regimen.units import quantity as q
>>> c = DrugCourse(id="anlotinib", drug="anlotinib", route="oral", frequency="once daily",
...                dose_levels=(q(12, "mg"), q(10, "mg"), q(8, "mg")), dosing_days=range(1, 15),
...                cycle_length=21)
>>> c.start_dose, len(c.dosing_days), c.is_dosing_day(15)
(<Quantity(12.0, 'milligram')>, 14, False)
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import attrs

from regimen.cumulative import LifetimeLimit
from regimen.dosing import ResolvedBasis, Rounding
from regimen.errors import InputError, RegimenError
from regimen.labrules import LabRule
from regimen.modification import Rule
from regimen.sources import Source
from regimen.units import (
    AMOUNT,
    AREA,
    CLEARANCE,
    CREATININE,
    DOSE_PER_AREA,
    DOSE_PER_MASS,
    TARGET_AUC,
    Amount,
    Area,
    Clearance,
    Creatinine,
    Kind,
    Quantity,
    format_number,
    format_quantity,
    magnitude,
    quantity,
    require,
    unit_symbol,
)

#: The most cycles any plan will lay out; more is refused rather than exhausting memory.
MAX_CYCLES = 1000
#: The longest cycle accepted [d].
MAX_CYCLE_LENGTH = 365


class FieldError(InputError):
    """A bad value of one field of a model. ``field`` names it, so a file reader can place the
    problem at its own key path; the message's ``where`` is ``owner.field`` (``field`` alone
    without an owner), as before."""

    def __init__(self, what: str, field: str, owner: str = "") -> None:
        super().__init__(what, where=f"{owner}.{field}" if owner else field)
        self.field = field


@contextlib.contextmanager
def _field(owner: str, field: str) -> Iterator[None]:
    """Any :class:`RegimenError` inside becomes a :class:`FieldError` of ``owner.field``."""
    try:
        yield
    except FieldError:
        raise
    except RegimenError as exc:
        raise FieldError(exc.what, field, owner) from None


@attrs.frozen
class Frequency:
    """How often a dose is taken on the dosing days of a cycle.

    ``doses_per_day`` multiplies every total; ``every`` is 1 for every dosing day and 2 for
    every other one.
    """

    text: str
    doses_per_day: int
    every: int = 1


#: The frequencies a regimen file may state, written out (ISMP: never "qd", "bid", "QOD").
FREQUENCIES: dict[str, Frequency] = {
    f.text: f
    for f in (
        Frequency("once daily", 1),
        Frequency("twice daily", 2),
        Frequency("three times daily", 3),
        Frequency("four times daily", 4),
        Frequency("every other day", 1, 2),
    )
}

_ONCE_EVERY = re.compile(r"^once every ([0-9]{1,3}) days$")


def parse_frequency(text: str, cycle_length: int, dosing_days: tuple[int, ...]) -> Frequency:
    """The :class:`Frequency` a regimen file's ``frequency`` names.

    ``once every N days`` is accepted for a course given on one day of an N-day cycle.

    >>> parse_frequency("twice daily", 21, (1, 2)).doses_per_day
    2
    >>> parse_frequency("once every 21 days", 21, (1,)).doses_per_day
    1
    """
    if text in FREQUENCIES:
        return FREQUENCIES[text]
    m = _ONCE_EVERY.match(text)
    if m is not None:
        if int(m.group(1)) == cycle_length and len(dosing_days) == 1:
            return Frequency(text, 1)
        raise InputError(
            f"{text!r} needs one dosing day in a {m.group(1)}-day cycle "
            f"(this course: {days_text(dosing_days)} of {cycle_length}-day cycles)"
        )
    allowed = ", ".join(repr(f) for f in FREQUENCIES)
    raise InputError(
        f"unknown frequency {text!r} (use one of {allowed}, or 'once every N days' for one dose "
        "per N-day cycle)"
    )


def _mg(q: Amount) -> float:
    return magnitude(q, "mg")


#: How a course's dose levels are written: a flat amount (mg), per body surface area (mg/m2),
#: per body weight (mg/kg) or as a target AUC (Calvert, ``AUC 5``); :mod:`regimen.dosing`
#: resolves every basis but ``flat`` into mg for one plan.
DOSE_BASES = ("flat", "bsa", "weight", "auc")

#: The kind of a course's levels, by dose basis (before the plan resolves them into mg).
BASIS_KINDS: dict[str, Kind] = {
    "flat": AMOUNT,
    "bsa": DOSE_PER_AREA,
    "weight": DOSE_PER_MASS,
    "auc": TARGET_AUC,
}

#: How each basis is said in messages: "dosed per m²".
BASIS_WORDS = {
    "flat": "dosed in mg",
    "bsa": "dosed per m²",
    "weight": "dosed per kg",
    "auc": "dosed by AUC, Calvert with Cockcroft-Gault",
}

_PER_UNITS = ("mg/m2", "mg/kg", "AUC")


def _is_per_area(q: Quantity) -> bool:
    return unit_symbol(q) == "mg/m2"


def _level_value(q: Quantity) -> float:
    """A dose level's magnitude in its own kind's unit (mg; mg/m2, mg/kg or AUC for a course
    dosed by body size)."""
    unit = unit_symbol(q)
    return magnitude(q, unit) if unit in _PER_UNITS else magnitude(q, "mg")


def format_level(q: Quantity) -> str:
    """A dose level as written: ``900 mg/m2``, ``1.5 mg/kg``, ``AUC 5``, ``12 mg``."""
    if unit_symbol(q) == "AUC":
        return f"AUC {format_number(float(q.magnitude))}"
    return format_quantity(q)


#: A dose calculated per m2 is given to the nearest 0.1 mg when the regimen gives no rounding
#: rule of its own: the precision a dose is written and prepared to, never more digits than
#: that (decided for regimen). A regimen's own rule (``rounding``) is :mod:`regimen.dosing`'s.
DEFAULT_DOSE_STEP_MG = Decimal("0.1")


def round_dose(dose: Amount, step_mg: Decimal = DEFAULT_DOSE_STEP_MG) -> Amount:
    """``dose`` to the nearest ``step_mg`` (halves up), exactly in decimal.

    >>> from regimen.units import quantity as q, format_quantity as f
    >>> f(round_dose(q(1636.306817, "mg"))), f(round_dose(q(181.85, "mg")))
    ('1636.3 mg', '181.9 mg')
    """
    exact = Decimal(repr(magnitude(dose, "mg")))
    steps = (exact / step_mg).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return quantity(float(steps * step_mg), "mg")


def per_area_dose(per: Quantity, bsa: Area) -> Amount:
    """``per`` x ``bsa`` in mg, through the unit registry (mg/m2 x m2 is mg), unrounded.

    >>> from regimen.units import quantity as q, format_quantity as f
    >>> f(per_area_dose(q(900, "mg/m2"), q(2, "m2")))
    '1800 mg'
    """
    product = require(per, DOSE_PER_AREA) * require(bsa, AREA)
    return quantity(float(product.to("mg").magnitude), "mg")


#: The code systems a drug course's ``codes`` table may name, in the order they are written
#: out: (the shape of a code, the shape in words, the FHIR system URL). HemOnc has no system
#: URL here: none could be confirmed, so its ids go into JSON but not into FHIR.
CODE_SYSTEMS: dict[str, tuple[str, str, str]] = {
    "hemonc": (r"[1-9][0-9]{0,8}", "a HemOnc concept id (digits)", ""),
    "ncit": (
        r"C[1-9][0-9]{0,7}",
        "an NCI Thesaurus code (C and digits, e.g. C1234)",
        "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl",
    ),
    "atc": (
        r"[A-Z][0-9]{2}[A-Z]{2}[0-9]{2}",
        "a 7-character ATC code of a substance (e.g. L01BC05)",
        "http://www.whocc.no/atc",
    ),
    "rxnorm": (
        r"[1-9][0-9]{0,9}",
        "an RxNorm RxCUI (digits)",
        "http://www.nlm.nih.gov/research/umls/rxnorm",
    ),
    "snomed": (
        r"[1-9][0-9]{5,17}",
        "a SNOMED CT concept id (6 to 18 digits with its check digit)",
        "http://snomed.info/sct",
    ),
}
#: Written for a system in which the drug has no code (checked by whoever wrote the file):
#: regimen then says "no RxNorm code" instead of leaving the reader to wonder.
NO_CODE = "none"
#: How each system is named in text.
CODE_SYSTEM_NAMES = {
    "hemonc": "HemOnc",
    "ncit": "NCIt",
    "atc": "ATC",
    "rxnorm": "RxNorm",
    "snomed": "SNOMED CT",
}

_VERHOEFF_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VERHOEFF_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_ok(digits: str) -> bool:
    """Whether ``digits`` ends in its Verhoeff check digit (SNOMED CT identifiers do).

    >>> verhoeff_ok("2363"), verhoeff_ok("2364"), verhoeff_ok("404684003")
    (True, False, True)
    """
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _VERHOEFF_D[c][_VERHOEFF_P[i % 8][int(ch)]]
    return c == 0


def check_code(system: str, value: str) -> str:
    """``value`` as a code of ``system`` (or :data:`NO_CODE`), or an error naming the shape.

    >>> check_code("atc", "L01BC05"), check_code("rxnorm", "none")
    ('L01BC05', 'none')
    >>> check_code("ncit", "1234")
    Traceback (most recent call last):
    ...
    regimen.errors.InputError: '1234' is not an NCI Thesaurus code (C and digits, e.g. C1234)
    """
    if system not in CODE_SYSTEMS:
        raise InputError(f"unknown code system {system!r} (use {', '.join(CODE_SYSTEMS)})")
    if value == NO_CODE:
        return value
    shape, words, _ = CODE_SYSTEMS[system]
    if not re.fullmatch(shape, value, re.ASCII):
        raise InputError(f"{value!r} is not {words}")
    # SNOMED CT: partition 00 or 10 (a concept) before the check digit, and the check digit.
    if system == "snomed" and (value[-3:-1] not in ("00", "10") or not verhoeff_ok(value)):
        raise InputError(f"{value!r} is not {words}")
    return value


@attrs.frozen
class Codes:
    """A drug's codes in other terminologies, as its regimen file gives them (regimen never
    looks one up or makes one up). ``""``: not given; :data:`NO_CODE`: the file says the drug
    has none in that system."""

    hemonc: str = ""
    ncit: str = ""
    atc: str = ""
    rxnorm: str = ""
    snomed: str = ""

    def given(self) -> list[tuple[str, str]]:
        """(system, code or :data:`NO_CODE`) for every system the file names, in order."""
        return [(s, getattr(self, s)) for s in CODE_SYSTEMS if getattr(self, s)]

    def codes(self) -> list[tuple[str, str]]:
        """(system, code) of the real codes (not :data:`NO_CODE`)."""
        return [(s, v) for s, v in self.given() if v != NO_CODE]

    def none_in(self) -> list[str]:
        """The systems the file says the drug has no code in."""
        return [s for s, v in self.given() if v == NO_CODE]

    def to_json(self) -> dict[str, str | None]:
        """``{"atc": "L01BC05", "rxnorm": null}``: null where the drug has no code."""
        return {s: (None if v == NO_CODE else v) for s, v in self.given()}


def _days(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(value)))


@attrs.frozen
class DrugCourse:
    """A drug given in cycles.

    Parameters
    ----------
    id : str
        The course id used on the command line (``--start-dose anlotinib=10mg``).
    drug, route, frequency : str
        ``"anlotinib"``, ``"oral"``, ``"once daily"`` (written out; never "qd").
    dose_levels : tuple of Amount
        [mg, mcg or g] (``dose_basis`` "bsa": [mg/m2] until a plan resolves them), strictly
        decreasing; the first is the starting level unless
        ``start_level`` says otherwise. One level means no reductions: hold or stop only.
    dosing_days : tuple of int
        Days of the cycle on which a dose is given (1-based), e.g. 1..14.
    cycle_length : int
        [d], e.g. 21.
    cycles : int or None
        Planned number of cycles; None means open-ended (the caller sets a horizon).
    start_level : Amount or None
        The starting dose, one of ``dose_levels``.
    instruction : str
        Patient-facing timing, e.g. ``"before breakfast"``.
    missed_dose : str
        Patient-facing rule for a missed dose.
    strengths : tuple of Amount
        Dosage-form strengths available for dispensing.
    rules : tuple of Rule
        Dose-modification rules (see :mod:`regimen.modification`).
    declared_cycle_total : Amount or None
        A per-cycle total stated by the source, checked by ``validate``.
    label_source : Source or None
        The label cited when a reduction at the lowest level discontinues the drug.
    drug_zh, instruction_zh, missed_dose_zh, when_to_call_zh : str
        The drug name and patient texts in Chinese, when the regimen file gives them.
    source : Source or None
        The source the regimen file cites for the course as a whole, when it cites one.
    dose_basis : str
        ``"flat"`` (levels in mg), ``"bsa"`` (mg/m2), ``"weight"`` (mg/kg) or ``"auc"``
        (target AUC, Calvert).
    basis : ResolvedBasis or None
        Set on a course dosed by body size once resolved for a plan (levels now in mg): how
        each level became its dose (:mod:`regimen.dosing`). ``bsa_basis`` is the same for a
        course dosed per m2 (None otherwise).
    weight_basis : str
        The weight a course dosed per kg or by AUC (Cockcroft-Gault), or the BSA, is worked
        out on: ``"actual"`` (the default, as ASCO recommends), ``"ideal"`` (Devine) or
        ``"adjusted"`` (ideal + 0.4 x excess).
    gfr_cap, scr_floor : Clearance or "none" or None; Creatinine or None
        For an AUC course: the cap on the estimated GFR (None: 125 mL/min, FDA 2010; "none":
        no cap) and an optional floor under the serum creatinine.
    bsa_cap : Area or None
        For a course dosed per m2: the largest BSA a dose is calculated on (None: no cap).
    rounding : Rounding or None
        The course's rounding rule and tolerance (None: nearest 0.1 mg).
    """

    id: str
    drug: str
    route: str
    frequency: str
    dose_levels: tuple[Amount, ...] = attrs.field()
    dosing_days: tuple[int, ...] = attrs.field(converter=_days)
    cycle_length: int
    cycles: int | None = None
    start_level: Amount | None = None
    instruction: str = ""
    missed_dose: str = ""
    when_to_call: str = ""
    strengths: tuple[Amount, ...] = attrs.field(default=())
    rules: tuple[Rule, ...] = attrs.field(default=())
    declared_cycle_total: Amount | None = None
    label_source: Source | None = None
    name: str = ""
    #: What one unit of a strength is, for dispensing text: capsule, tablet, vial or unit.
    dosage_form: str = "unit"
    #: Chinese patient texts given by the regimen file (``--lang zh``); "" when not given.
    drug_zh: str = ""
    instruction_zh: str = ""
    missed_dose_zh: str = ""
    when_to_call_zh: str = ""
    source: Source | None = None
    dose_basis: str = "flat"
    basis: ResolvedBasis | None = None
    #: Blood-count and organ-function rules (:mod:`regimen.labrules`), applied with a lab log.
    lab_rules: tuple[LabRule, ...] = ()
    #: Lifetime (cumulative) dose limits with their sources (:mod:`regimen.cumulative`).
    lifetime_limits: tuple[LifetimeLimit, ...] = ()
    weight_basis: str = "actual"
    gfr_cap: Clearance | Literal["none"] | None = None
    scr_floor: Creatinine | None = None
    bsa_cap: Area | None = None
    rounding: Rounding | None = None
    #: The drug's codes in other terminologies (``codes`` in the regimen file).
    codes: Codes = Codes()

    @property
    def per_area(self) -> bool:
        """Whether the levels are still per m2 (a BSA course not yet resolved for a plan)."""
        return self.dose_basis == "bsa" and self.basis is None

    @property
    def unresolved(self) -> bool:
        """Whether the levels are still in the course's own basis (mg/m2, mg/kg, AUC): a course
        dosed by body size not yet resolved for a plan."""
        return self.dose_basis != "flat" and self.basis is None

    @property
    def level_kind(self) -> Kind:
        """The kind of :attr:`dose_levels` now: the basis's own until resolved, then mg."""
        return BASIS_KINDS.get(self.dose_basis, AMOUNT) if self.unresolved else AMOUNT

    @property
    def bsa_basis(self) -> ResolvedBasis | None:
        """The resolved basis of a course dosed per m2 (None for any other course)."""
        return self.basis if self.dose_basis == "bsa" else None

    @property
    def schedule(self) -> Frequency:
        """The parsed :attr:`frequency` (checked when the course is built)."""
        return parse_frequency(self.frequency, self.cycle_length, self.dosing_days)

    @property
    def doses_per_cycle(self) -> int:
        """Doses taken in a full cycle (dosing days x doses per day)."""
        days = sum(1 for d in self.dosing_days if self.is_dosing_day(d))
        return days * self.schedule.doses_per_day

    def __attrs_post_init__(self) -> None:
        owner = self.id
        if not self.dose_levels:
            raise FieldError("needs at least one dose level", "dose_levels", owner)
        if self.dose_basis not in DOSE_BASES:
            raise FieldError(
                f"must be one of {', '.join(map(repr, DOSE_BASES))}, got {self.dose_basis!r}",
                "dose_basis",
                owner,
            )
        kind = self.level_kind
        with _field(owner, "dose_levels"):
            for q in self.dose_levels:
                self._check_level(q, kind)
        if self.unresolved:
            for name, given in (
                ("strengths", self.strengths),
                ("declared_cycle_total", self.declared_cycle_total),
            ):
                if given:
                    raise FieldError(
                        f"is not supported yet for a course {BASIS_WORDS[self.dose_basis]} "
                        f"(dose_basis {self.dose_basis!r})",
                        name,
                        owner,
                    )
        self._check_basis_keys()
        mgs = [_level_value(q) for q in self.dose_levels]
        if any(b >= a for a, b in itertools.pairwise(mgs)):
            raise FieldError(
                "dose levels must be strictly decreasing (no re-escalation), got "
                + ", ".join(format_level(q) for q in self.dose_levels),
                "dose_levels",
                owner,
            )
        if not 1 <= self.cycle_length <= MAX_CYCLE_LENGTH:
            raise FieldError(
                f"must be between 1 and {MAX_CYCLE_LENGTH} d, got {self.cycle_length} d",
                "cycle_length",
                owner,
            )
        if not self.dosing_days:
            raise FieldError("needs at least one dosing day", "dosing_days", owner)
        bad = [d for d in self.dosing_days if not 1 <= d <= self.cycle_length]
        if bad:
            raise FieldError(
                f"day {bad[0]} is outside the {self.cycle_length}-day cycle", "dosing_days", owner
            )
        if self.cycles is not None and not 1 <= self.cycles <= MAX_CYCLES:
            raise FieldError(
                f"must be between 1 and {MAX_CYCLES}, got {self.cycles}", "cycles", owner
            )
        if self.start_level is not None:
            with _field(owner, "start_level"):
                self.level_index(self.start_level)
        with _field(owner, "strengths"):
            for q in self.strengths:
                require(q, AMOUNT)
        with _field(owner, "frequency"):
            self.schedule  # noqa: B018 - validates the frequency
        if self.strengths:
            for q in self.dose_levels:
                if make_dose(q, self.strengths) is None:
                    raise FieldError(
                        f"dose level {format_quantity(q)} cannot be made from the strengths "
                        + ", ".join(format_quantity(s) for s in self.strengths),
                        "strengths",
                        owner,
                    )

    def _check_level(self, q: Quantity, kind: Kind) -> None:
        """One dose level is of the kind the course's basis needs (said in its words)."""
        examples = {"bsa": "'900 mg/m2'", "weight": "'1.5 mg/kg'", "auc": "'AUC 5'"}
        if not hasattr(q, "_units"):
            require(q, kind)  # a bare number or another object: its own message
        unit = unit_symbol(q)
        if self.unresolved and unit != kind.canonical:
            raise InputError(
                f"{format_level(q)}: a course with dose_basis {self.dose_basis!r} gives its "
                f"levels in {kind.canonical} (e.g. {examples[self.dose_basis]})"
            )
        if self.dose_basis == "flat" and unit in _PER_UNITS:
            basis = {"mg/m2": "bsa", "mg/kg": "weight", "AUC": "auc"}[unit]
            raise InputError(
                f"{format_level(q)} is {BASIS_WORDS[basis].removeprefix('dosed ')}: add "
                f'dose_basis = "{basis}" to the course, or give the levels in mg'
            )
        require(q, kind)
        if unit == "AUC":
            from regimen.bodysize import check_auc

            check_auc(float(q.magnitude))

    def _check_basis_keys(self) -> None:
        """The keys of one basis are refused on a course of another."""
        from regimen.bodysize import MAX_GFR_ML_MIN, SCR_MG_DL, WEIGHT_BASES

        owner, basis = self.id, self.dose_basis
        if self.weight_basis not in WEIGHT_BASES:
            raise FieldError(
                f"must be one of {', '.join(map(repr, WEIGHT_BASES))}, got "
                f"{self.weight_basis!r}",
                "weight_basis",
                owner,
            )
        only = (
            ("weight_basis", self.weight_basis != "actual", ("bsa", "weight", "auc")),
            ("gfr_cap", self.gfr_cap is not None, ("auc",)),
            ("scr_floor", self.scr_floor is not None, ("auc",)),
            ("bsa_cap", self.bsa_cap is not None, ("bsa",)),
            ("rounding", self.rounding is not None, ("bsa", "weight", "auc")),
        )
        for name, given, bases in only:
            if given and basis not in bases:
                allowed = " or ".join(repr(b) for b in bases)
                raise FieldError(
                    f"only applies to a course with dose_basis {allowed} (this one: {basis!r})",
                    name,
                    owner,
                )
        if isinstance(self.gfr_cap, str):
            if self.gfr_cap != "none":
                raise FieldError(
                    f"must be a clearance like '125 mL/min' or 'none', got {self.gfr_cap!r}",
                    "gfr_cap",
                    owner,
                )
        elif self.gfr_cap is not None:
            with _field(owner, "gfr_cap"):
                cap = magnitude(require(self.gfr_cap, CLEARANCE), "mL/min")
                if cap > MAX_GFR_ML_MIN:
                    raise InputError(
                        f"{format_quantity(self.gfr_cap)} is above "
                        f"{format_number(MAX_GFR_ML_MIN)} mL/min, not a plausible GFR cap"
                    )
        if self.scr_floor is not None:
            with _field(owner, "scr_floor"):
                floor = magnitude(require(self.scr_floor, CREATININE), "mg/dL")
                low, high = SCR_MG_DL
                if not low <= floor <= high:
                    raise InputError(
                        f"{format_quantity(self.scr_floor)} is not a plausible creatinine "
                        f"floor (accepted: {format_number(low)} to {format_number(high)} mg/dL)"
                    )
        if self.bsa_cap is not None:
            with _field(owner, "bsa_cap"):
                require(self.bsa_cap, AREA)

    def level_index(self, dose: Quantity, where: str = "dose") -> int:
        """Index of ``dose`` in :attr:`dose_levels`; an error if it is not one of them."""
        require(dose, self.level_kind, where)
        for i, level in enumerate(self.dose_levels):
            if abs(_level_value(level) - _level_value(dose)) < 1e-9:
                return i
        raise InputError(
            f"{format_level(dose)} is not a dose level of {self.id} ("
            + ", ".join(format_level(q) for q in self.dose_levels)
            + ")",
            where=where,
        )

    @property
    def start_dose(self) -> Amount:
        """The starting dose."""
        return self.start_level if self.start_level is not None else self.dose_levels[0]

    @property
    def can_reduce(self) -> bool:
        """Whether the course has lower dose levels to reduce to."""
        return len(self.dose_levels) > 1

    def is_dosing_day(self, day: int) -> bool:
        """Whether ``day`` of the cycle (1-based) is a dosing day (every other dosing day for
        ``every other day``)."""
        if day not in self.dosing_days:
            return False
        every = _EVERY.get(self.frequency, 1)
        return every == 1 or (day - self.dosing_days[0]) % every == 0

    def dosing_days_text(self) -> str:
        """``days 1-14 of 21-day cycles`` / ``day 1 of 21-day cycles``."""
        return f"{days_text(self.dosing_days)} of {self.cycle_length}-day cycles"


_EVERY = {f.text: f.every for f in FREQUENCIES.values()}


def make_dose(dose: Amount, strengths: Sequence[Amount]) -> tuple[tuple[Amount, int], ...] | None:
    """Whole units of the listed strengths that make ``dose`` exactly, in the fewest units
    (ties: the larger strengths first); None when no combination does.

    >>> from regimen.units import quantity as q, format_quantity as f
    >>> [(f(s), n) for s, n in make_dose(q(10, "mg"), [q(12, "mg"), q(10, "mg"), q(8, "mg")])]
    [('10 mg', 1)]
    >>> [(f(s), n) for s, n in make_dose(q(20, "mg"), [q(12, "mg"), q(8, "mg")])]
    [('12 mg', 1), ('8 mg', 1)]
    >>> make_dose(q(5, "mg"), [q(12, "mg")]) is None
    True
    """
    want = _micrograms(dose)
    sizes = sorted({_micrograms(s): s for s in strengths}.items(), reverse=True)
    if want <= 0 or not sizes:
        return None
    step = math.gcd(want, *(size for size, _ in sizes))
    target = want // step
    if target > _MAX_STEPS:
        return None
    # Fewest units by dynamic programming over the amount in steps of the common divisor.
    best: list[tuple[int, ...] | None] = [()] + [None] * target
    for amount in range(1, target + 1):
        for i, (size, _) in enumerate(sizes):
            k = size // step
            prev = best[amount - k] if k <= amount else None
            current = best[amount]
            if prev is not None and (current is None or len(prev) + 1 < len(current)):
                best[amount] = (*prev, i)
    found = best[target]
    if found is None:
        return None
    counts = collections.Counter(found)
    return tuple((sizes[i][1], counts[i]) for i in sorted(counts))


#: The most steps of the strengths' common divisor a dose may need (a guard, not a limit met
#: in practice: 12 mg from 12, 10 and 8 mg capsules is 6 steps of 2 mg).
_MAX_STEPS = 100_000


def _micrograms(q: Amount) -> int:
    return round(_mg(q) * 1000)


def day_runs(days: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive days as ``(first, last)`` runs, in order.

    >>> day_runs((1, 2, 3, 8, 15))
    [(1, 3), (8, 8), (15, 15)]
    """
    runs: list[tuple[int, int]] = []
    for d in days:
        if runs and d == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def days_text(days: tuple[int, ...]) -> str:
    """Compact day ranges: ``(1, ..., 14)`` -> ``days 1-14``; ``(1,)`` -> ``day 1``.

    >>> days_text((1, 2, 3, 8, 15))
    'days 1-3, 8, 15'
    """
    runs = [f"{a}-{b}" if b > a else f"{a}" for a, b in day_runs(days)]
    label = "day" if len(days) == 1 else "days"
    return f"{label} {', '.join(runs)}"

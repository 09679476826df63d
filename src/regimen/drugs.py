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
import datetime as dt
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import ROUND_HALF_UP, Decimal

import attrs

from regimen.cumulative import LifetimeLimit
from regimen.errors import InputError, RegimenError
from regimen.modification import Rule
from regimen.sources import Source
from regimen.units import (
    AMOUNT,
    AREA,
    DOSE_PER_AREA,
    Amount,
    Area,
    Length,
    Mass,
    Quantity,
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


#: How a course's dose levels are written: a flat amount (mg) or per body surface area (mg/m2).
DOSE_BASES = ("flat", "bsa")


def _is_per_area(q: Quantity) -> bool:
    return unit_symbol(q) == "mg/m2"


def _level_value(q: Quantity) -> float:
    """A dose level's magnitude in its own kind's unit (mg, or mg/m2 for a BSA course)."""
    return magnitude(q, "mg/m2") if _is_per_area(q) else magnitude(q, "mg")


@attrs.frozen
class BsaBasis:
    """How a course dosed per m2 became a flat dose for one plan: the per-m2 levels, the body
    surface area and the measurements it came from (taken on ``measured_on``, the start date).

    ``levels[i]`` of the course (mg) is ``per_levels[i]`` x ``bsa``, unrounded.
    """

    per_levels: tuple[Quantity, ...]
    bsa: Area
    method: str
    height: Length
    weight: Mass
    measured_on: dt.date

    def per_level(self, course: DrugCourse, dose: Quantity) -> Quantity:
        """The per-m2 level that gave ``dose`` (one of ``course``'s mg levels)."""
        return self.per_levels[course.level_index(dose)]

    def calculated(self, course: DrugCourse, dose: Quantity) -> Amount:
        """The unrounded dose the level of ``dose`` calculates to (level x BSA)."""
        return per_area_dose(self.per_level(course, dose), self.bsa)

    def deviation_percent(self, course: DrugCourse, dose: Quantity) -> float:
        """How far the dose given lies from the calculated one, in percent of the latter."""
        calc = magnitude(self.calculated(course, dose), "mg")
        return 100 * (magnitude(dose, "mg") - calc) / calc


#: A dose calculated per m2 is given to the nearest 0.1 mg when the regimen gives no rounding
#: rule of its own: the precision a dose is written and prepared to, never more digits than
#: that (decided for regimen; a regimen's own rounding rule is not supported yet).
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
        ``"flat"`` (levels in mg) or ``"bsa"`` (levels per m2 of body surface area).
    bsa_basis : BsaBasis or None
        Set on a BSA course resolved for a plan (levels now in mg): the per-m2 levels and the
        BSA they were multiplied by.
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
    bsa_basis: BsaBasis | None = None
    #: Lifetime (cumulative) dose limits with their sources (:mod:`regimen.cumulative`).
    lifetime_limits: tuple[LifetimeLimit, ...] = ()

    @property
    def per_area(self) -> bool:
        """Whether the levels are still per m2 (a BSA course not yet resolved for a plan)."""
        return self.dose_basis == "bsa" and self.bsa_basis is None

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
                f"must be 'flat' or 'bsa', got {self.dose_basis!r}", "dose_basis", owner
            )
        kind = DOSE_PER_AREA if self.per_area else AMOUNT
        with _field(owner, "dose_levels"):
            for q in self.dose_levels:
                if self.dose_basis == "bsa" and not _is_per_area(q) and self.per_area:
                    raise InputError(
                        f"{format_quantity(q)}: a course with dose_basis 'bsa' gives its levels "
                        "in mg/m2 (e.g. '900 mg/m2')"
                    )
                if self.dose_basis == "flat" and _is_per_area(q):
                    raise InputError(
                        f'{format_quantity(q)} is per m2: add dose_basis = "bsa" to the '
                        "course, or give the levels in mg"
                    )
                require(q, kind)
        if self.per_area:
            for name, given in (
                ("strengths", self.strengths),
                ("declared_cycle_total", self.declared_cycle_total),
            ):
                if given:
                    raise FieldError(
                        "is not supported yet for a course dosed per m2 (dose_basis 'bsa')",
                        name,
                        owner,
                    )
        mgs = [_level_value(q) for q in self.dose_levels]
        if any(b >= a for a, b in itertools.pairwise(mgs)):
            raise FieldError(
                "dose levels must be strictly decreasing (no re-escalation), got "
                + ", ".join(format_quantity(q) for q in self.dose_levels),
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

    def level_index(self, dose: Quantity, where: str = "dose") -> int:
        """Index of ``dose`` in :attr:`dose_levels`; an error if it is not one of them."""
        require(dose, DOSE_PER_AREA if self.per_area else AMOUNT, where)
        for i, level in enumerate(self.dose_levels):
            if abs(_level_value(level) - _level_value(dose)) < 1e-9:
                return i
        raise InputError(
            f"{format_quantity(dose)} is not a dose level of {self.id} ("
            + ", ".join(format_quantity(q) for q in self.dose_levels)
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

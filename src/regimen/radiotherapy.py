"""Radiotherapy models: phases, courses, and the fractionation expression parser.

A :class:`Phase` is a block of equal fractions delivered one per treatment day; a
:class:`RadiotherapyCourse` is its phases in order. Both are frozen and hold pint quantities.

Expressions (used by the CLI) join phases with ``+``; each phase is ``N x DOSE``
(``10x400cGy``, ``10 x 4 Gy``, ``3 × 7 Gy``) or ``TOTAL/N`` (``50.4 Gy/28``, ``50.4Gy/28f``).

>>> [str(p) for p in parse_expression("10x400cGy + 3 x 7 Gy")]
['10 x 400 cGy', '3 x 7 Gy']
>>> [str(p) for p in parse_expression("50.4 Gy/28")]
['28 x 1.8 Gy']
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal
from typing import cast

import attrs

from regimen.errors import ExpressionError, InputError, RegimenError
from regimen.sources import Source
from regimen.units import (
    DOSE,
    DURATION,
    Dose,
    Duration,
    format_quantity,
    magnitude,
    parse_quantity,
    quantity,
    require,
)

#: The most fractions one phase may have; more is a typo, not a treatment.
MAX_FRACTIONS = 200
#: The most fractions a phase may give in one day (twice- or thrice-daily).
MAX_FRACTIONS_PER_DAY = 3
#: Fractions of one day closer than this are refused, closer than the warning limit warned [h]
#: (RCR: at least 6 h between fractions given the same day).
MIN_INTERVAL_H = 6
WARN_INTERVAL_H = 8


class TreatmentDays(enum.Enum):
    """Which calendar days a radiotherapy phase may treat on."""

    WEEKDAYS = "weekdays"  # Monday to Friday, less public holidays when asked
    EVERY_DAY = "every day"


def _check_fractions(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"must be a whole number, got {value!r}", where="fractions")
    if not 1 <= value <= MAX_FRACTIONS:
        raise InputError(f"must be between 1 and {MAX_FRACTIONS}, got {value}", where="fractions")


def _check_dose(instance: object, attribute: attrs.Attribute[Dose], value: Dose) -> None:
    require(value, DOSE, "dose per fraction")
    if not value.magnitude > 0:
        raise InputError("must be greater than zero", where="dose per fraction")


def interval_problem(fractions_per_day: int, interval: Duration | None) -> tuple[str, str] | None:
    """``(key, what)`` when ``fractions_per_day`` and ``interval`` do not go together: more
    than one fraction a day needs an interval of at least 6 h that lets the day's fractions
    fit in one day; one fraction a day takes none."""
    if isinstance(fractions_per_day, bool) or not isinstance(fractions_per_day, int):
        return "fractions_per_day", f"must be a whole number, got {fractions_per_day!r}"
    if not 1 <= fractions_per_day <= MAX_FRACTIONS_PER_DAY:
        return "fractions_per_day", f"must be 1, 2 or 3, got {fractions_per_day}"
    if fractions_per_day == 1:
        if interval is not None:
            return "interval", "only applies with fractions_per_day = 2 or 3"
        return None
    if interval is None:
        return (
            "interval",
            f"is required with fractions_per_day = {fractions_per_day} (the time between the "
            "fractions of a day, e.g. '6 h')",
        )
    hours = magnitude(require(interval, DURATION, "interval"), "h")
    if hours < MIN_INTERVAL_H:
        return (
            "interval",
            f"{format_quantity(interval)} between fractions is too short: fractions of one day "
            f"must be at least {MIN_INTERVAL_H} h apart",
        )
    if (fractions_per_day - 1) * hours >= 24:
        return (
            "interval",
            f"{fractions_per_day} fractions {format_quantity(interval)} apart do not fit in one "
            "day",
        )
    return None


@attrs.frozen
class Phase:
    """One block of equal fractions.

    Parameters
    ----------
    fractions : int
        Number of fractions, 1-200.
    dose_per_fraction : Dose
        [Gy or cGy], kept in the unit it was written in.
    technique : str
        E.g. ``"IMRT"``, ``"Stereotactic boost"``.
    treatment_days : TreatmentDays
        The days it may treat on (scheduling).
    source : Source or None
        The source the regimen file cites for the phase, when it cites one.
    fractions_per_day : int
        1 (default), 2 or 3 fractions each treatment day; ``fractions`` is then a multiple of
        it, and the phase starts on a day of its own.
    interval : Duration or None
        The time between the fractions of one day [h]: required with more than one a day, at
        least 6 h (6 to 8 h is warned: :meth:`warning`).
    """

    fractions: int = attrs.field(validator=_check_fractions)
    dose_per_fraction: Dose = attrs.field(validator=_check_dose)
    technique: str = ""
    treatment_days: TreatmentDays = TreatmentDays.WEEKDAYS
    source: Source | None = None
    fractions_per_day: int = 1
    interval: Duration | None = None

    def __attrs_post_init__(self) -> None:
        problem = interval_problem(self.fractions_per_day, self.interval)
        if problem is not None:
            raise InputError(problem[1], where=problem[0])
        if self.fractions % self.fractions_per_day:
            raise InputError(
                f"{self.fractions} fractions at {self.fractions_per_day} a day leave a day with "
                f"fewer: give a multiple of {self.fractions_per_day}",
                where="fractions",
            )

    @property
    def per_day_text(self) -> str:
        """``2 fractions a day, 6 h apart`` (``one fraction per treatment day`` for one)."""
        if self.fractions_per_day == 1 or self.interval is None:
            return "one fraction per treatment day"
        return f"{self.fractions_per_day} fractions a day, {format_quantity(self.interval)} apart"

    def warning(self) -> str | None:
        """The warning of an interval from 6 to 8 h (None otherwise)."""
        if self.interval is None or magnitude(self.interval, "h") >= WARN_INTERVAL_H:
            return None
        name = self.technique or str(self)
        return (
            f"{name}: {self.per_day_text}: less than {WARN_INTERVAL_H} h between fractions, "
            "late-responding tissue may not have repaired as fully as the incomplete-repair "
            f"factor assumes (under {MIN_INTERVAL_H} h is refused; {WARN_INTERVAL_H} h or more "
            "is the safer choice)"
        )

    @property
    def total_dose(self) -> Dose:
        """n x d, in the unit of the dose per fraction (exact in decimal)."""
        d = Decimal(repr(float(self.dose_per_fraction.magnitude)))
        # The unit is the dose's own (Gy or cGy), spelt by pint: a dose, though mypy sees a str.
        unit = str(format(self.dose_per_fraction.units, "~"))
        return cast("Dose", quantity(d * self.fractions, unit))

    def __str__(self) -> str:
        return f"{self.fractions} x {format_quantity(self.dose_per_fraction)}"


@attrs.frozen
class RadiotherapyCourse:
    """Ordered radiotherapy phases delivered back to back, each its fractions a treatment day.

    ``declared_total`` is a figure the source states (e.g. ``6100 cGy``) that ``validate``
    checks against the arithmetic; ``source`` is the source the regimen file cites for the
    course, when it cites one.
    """

    id: str
    phases: tuple[Phase, ...] = attrs.field()
    declared_total: Dose | None = None
    name: str = ""
    source: Source | None = None

    @phases.validator
    def _phases_not_empty(
        self, attribute: attrs.Attribute[tuple[Phase, ...]], value: tuple[Phase, ...]
    ) -> None:
        if not value:
            raise InputError("a radiotherapy course needs at least one phase", where=self.id)

    @property
    def fractions(self) -> int:
        """Planned fractions over all phases."""
        return sum(p.fractions for p in self.phases)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Each phase's interval warning (6 to 8 h between the fractions of a day)."""
        return tuple(w for p in self.phases if (w := p.warning()) is not None)


_NX_RE = re.compile(r"^\s*(?P<n>[^x×*]+?)\s*[x×*]\s*(?P<dose>.+?)\s*$", re.IGNORECASE)
_TOTAL_RE = re.compile(
    r"^\s*(?P<total>[^/]+?)\s*/\s*(?P<n>[^/]+?)\s*(?:f|fx|fr)?\s*$", re.IGNORECASE
)
_INT_RE = re.compile(r"^[0-9]+$")


def _fraction_count(text: str, expr: str) -> int:
    text = text.strip()
    if not _INT_RE.match(text):
        raise ExpressionError(
            f"the number of fractions must be a whole number, got {text!r} in {expr!r}",
            where="expression",
        )
    n = int(text)
    if not 1 <= n <= MAX_FRACTIONS:
        raise ExpressionError(
            f"the number of fractions must be between 1 and {MAX_FRACTIONS}, got {n} in {expr!r}",
            where="expression",
        )
    return n


def parse_expression(expr: str) -> tuple[Phase, ...]:
    """Parse a fractionation expression into phases (see the module docstring).

    >>> parse_expression("2.5x2Gy")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    regimen.errors.ExpressionError: expression: the number of fractions must be a whole number, ...
    """
    if not isinstance(expr, str) or not expr.strip():
        raise ExpressionError(
            "empty fractionation expression; write e.g. '10x400cGy'", where="expression"
        )
    phases: list[Phase] = []
    parts = expr.split("+")
    for index, part in enumerate(parts, start=1):
        if not part.strip():
            raise ExpressionError(f"empty phase {index} in {expr!r}", where="expression")
        technique = f"Phase {index}" if len(parts) > 1 else ""
        m = _NX_RE.match(part)
        try:
            if m is not None:
                n = _fraction_count(m.group("n"), expr)
                dose = parse_quantity(m.group("dose"), DOSE, "expression")
                phases.append(Phase(n, dose, technique))
                continue
            m = _TOTAL_RE.match(part)
            if m is not None:
                n = _fraction_count(m.group("n"), expr)
                total = parse_quantity(m.group("total"), DOSE, "expression")
                per = Decimal(repr(float(total.magnitude))) / n
                unit = str(format(total.units, "~"))
                phases.append(Phase(n, cast("Dose", quantity(per, unit)), technique))
                continue
        except ExpressionError:
            raise
        except RegimenError as exc:
            raise ExpressionError(f"{exc.what} (in {expr!r})", where="expression") from None
        raise ExpressionError(
            f"cannot read phase {part.strip()!r}; write 'N x DOSE' (10x400cGy) or 'TOTAL/N' "
            "(50.4 Gy/28)",
            where="expression",
        )
    return tuple(phases)

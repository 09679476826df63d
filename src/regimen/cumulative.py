"""Cumulative and lifetime dose: what a plan adds to a patient's prior exposure, against the
drug's lifetime limit, and the first planned dose that would cross it.

A drug course may carry lifetime limits (``[[courses.lifetime_limits]]`` in a regimen file),
each with its source: a limit without flags always applies, a limit with flags applies when the
patient has any of them (doxorubicin: 550 mg/m2; 400 mg/m2 after cardiac irradiation). The
lowest limit that applies is the one checked. The ledger counts the patient's prior exposure
(:attr:`regimen.measurements.Measurements.prior`) and every planned administration of the
plan, in the limit's unit (mg/m2 for a limit per m2); a prior exposure that is unknown, or in
mg for a limit per m2, makes the limit uncheckable, and the ledger says so instead of counting
it as zero.

>>> from regimen.units import quantity as q
>>> crossing_index([q(75, "mg/m2")] * 6, q(225, "mg/m2"), q(400, "mg/m2"))
2
>>> crossing_index([q(75, "mg/m2")] * 6, q(0, "mg/m2"), q(550, "mg/m2")) is None
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from regimen.sources import Source
from regimen.units import Quantity, format_quantity, magnitude, quantity, unit_symbol

if TYPE_CHECKING:
    from regimen.drugs import DrugCourse
    from regimen.measurements import Measurements
    from regimen.schedule import Event, Plan


@attrs.frozen
class LifetimeLimit:
    """A lifetime (cumulative) dose limit of a drug, in mg or mg/m2.

    ``flags``: the limit applies when the patient has any of these flags (empty: always).
    ``unconfirmed``: why the value could not be confirmed from its source ("" when it was);
    every output that uses the limit repeats it.
    """

    dose: Quantity
    source: Source
    flags: tuple[str, ...] = ()
    note: str = ""
    unconfirmed: str = ""

    @property
    def unit(self) -> str:
        """``mg/m2`` or ``mg``."""
        return "mg/m2" if unit_symbol(self.dose) == "mg/m2" else "mg"

    def basis(self) -> str:
        """``550 mg/m2 (source: Doxorubicin label [label])`` / ``400 mg/m2 with
        prior-cardiac-irradiation (...)``, with ``; unconfirmed: ...`` when it is."""
        when = f" with {' or '.join(self.flags)}" if self.flags else ""
        sure = f"; unconfirmed: {self.unconfirmed}" if self.unconfirmed else ""
        return f"{format_quantity(self.dose)}{when} ({self.source.short()}{sure})"


@attrs.frozen
class Crossing:
    """The first planned administration after which the total would exceed the limit."""

    cycle: int | None
    day: int | None
    date: dt.date
    total: Quantity


@attrs.frozen
class Ledger:
    """One drug course's cumulative dose for one plan.

    ``planned``: the sum of this plan's administrations (``unit``); ``prior``: the patient's
    prior exposure (None: not given, or unknown — ``prior_state`` says which); ``total``:
    prior + planned, None when it cannot be known; ``limit``: the lowest limit that applies;
    ``first_crossing``: None when no planned dose crosses it, or it cannot be checked;
    ``why``: why the limit cannot be checked, or what the total leaves out (empty when it is
    complete).
    """

    course: str
    drug: str
    unit: str
    planned: Quantity
    prior: Quantity | None
    prior_state: str  # "given", "unknown", "not given"
    total: Quantity | None
    limit: LifetimeLimit | None
    first_crossing: Crossing | None
    why: tuple[str, ...] = ()

    @property
    def checkable(self) -> bool:
        """Whether the limit (if any) could be checked against a known total."""
        return self.limit is not None and self.total is not None

    def warnings(self) -> list[str]:
        """What every output must say: a crossing before it happens, an uncheckable limit."""
        out: list[str] = []
        if self.limit is None:
            return out
        if self.first_crossing is not None:
            c = self.first_crossing
            out.append(
                f"needs clinician review: {self.drug} lifetime limit "
                f"{self.limit.basis()}: cycle {c.cycle} day {c.day} on {c.date.isoformat()} "
                "would bring the "
                f"cumulative dose to {format_quantity(c.total)}"
                + (f" (prior {format_quantity(self.prior)})" if self.prior is not None else "")
                + ", above the limit"
            )
        elif self.total is None:
            out.append(
                f"needs clinician review: {self.drug} lifetime limit {self.limit.basis()} "
                f"cannot be checked: {'; '.join(self.why)}"
            )
        elif self.prior_state == "not given":
            out.append(
                f"{self.drug}: no prior {self.drug} exposure was given (--prior "
                f"{self.drug}=AMOUNT or a patient file), so the cumulative "
                f"{format_quantity(self.total)} counts this plan only; lifetime limit "
                f"{self.limit.basis()}"
            )
        elif self.limit.unconfirmed:
            out.append(
                f"{self.drug} lifetime limit {format_quantity(self.limit.dose)} is unconfirmed: "
                f"{self.limit.unconfirmed}"
            )
        return out


def applicable_limit(
    limits: Sequence[LifetimeLimit], flags: frozenset[str]
) -> LifetimeLimit | None:
    """The lowest limit that applies to a patient with ``flags`` (None: no limit).

    >>> from regimen.sources import SourceKind
    >>> from regimen.units import quantity as q
    >>> s = Source("label", SourceKind.LABEL, "a label")
    >>> both = [LifetimeLimit(q(550, "mg/m2"), s), LifetimeLimit(q(400, "mg/m2"), s, ("x",))]
    >>> format_quantity(applicable_limit(both, frozenset()).dose)
    '550 mg/m2'
    >>> format_quantity(applicable_limit(both, frozenset({"x"})).dose)
    '400 mg/m2'
    """
    fitting = [lim for lim in limits if not lim.flags or flags & set(lim.flags)]
    if not fitting:
        return None
    return min(fitting, key=lambda lim: magnitude(lim.dose, lim.unit))


def crossing_index(doses: Sequence[Quantity], prior: Quantity, limit: Quantity) -> int | None:
    """The index of the first dose after which ``prior`` + the doses so far exceed ``limit``
    (reaching it exactly does not cross); None when none does. Summed in decimal, so 0.1 x 3
    is exactly 0.3."""
    unit = unit_symbol(limit)
    total = _exact(prior, unit)
    cap = _exact(limit, unit)
    for i, dose in enumerate(doses):
        total += _exact(dose, unit)
        if total > cap:
            return i
    return None


def _exact(q: Quantity, unit: str) -> Decimal:
    """``q`` in ``unit`` as the decimal its float prints as (0.1 is 0.1, not 0.1000...0055)."""
    return Decimal(repr(magnitude(q, unit)))


def _administered(course: DrugCourse, e: Event, unit: str) -> Quantity | None:
    """What one dose event adds in ``unit``: mg, or mg/m2 for a course dosed per m2 (its per-m2
    level, scaled when the day's dose is a fraction of the level); None when a dose in mg cannot
    be expressed per m2 (a flat course against a per-m2 limit)."""
    assert e.dose is not None  # noqa: S101 - dose events carry a dose
    if unit == "mg":
        return quantity(magnitude(e.dose, "mg"), "mg")
    basis = course.bsa_basis
    if basis is None:
        return None
    level = e.level_dose or e.dose
    per = basis.per_level(course, level)
    fraction = magnitude(e.dose, "mg") / magnitude(level, "mg")
    return quantity(magnitude(per, "mg/m2") * fraction, "mg/m2")


def ledger(plan: Plan, course_id: str, measurements: Measurements) -> Ledger:
    """The cumulative dose of ``course_id`` in ``plan`` for a patient with ``measurements``:
    in the unit of the limit that applies (mg/m2 or mg), in mg for a drug without a limit."""
    from regimen.drugs import DrugCourse

    course = plan.regimen.course(course_id)
    assert isinstance(course, DrugCourse)  # noqa: S101 - called for drug courses
    limit = applicable_limit(course.lifetime_limits, measurements.flags)
    unit = limit.unit if limit is not None else "mg"
    events = [e for e in plan.course_events(course_id) if e.kind == "dose"]
    why: list[str] = []
    doses: list[Quantity] = []
    for e in events:
        given = _administered(course, e, unit)
        if given is None:
            why.append(
                f"{course.id} is dosed in mg: its doses cannot be counted in mg/m2 without the "
                "BSA on each day"
            )
            break
        doses.append(given)
    planned = quantity(sum(magnitude(d, unit) for d in doses), unit)
    drug = course.drug
    prior_state = "not given"
    prior: Quantity | None = None
    if drug in measurements.prior:
        prior = measurements.prior[drug]
        prior_state = "given" if prior is not None else "unknown"
        if prior is None:
            why.append(f"the prior {drug} exposure is unknown ({measurements.origin})")
        elif (unit_symbol(prior) == "mg/m2") != (unit == "mg/m2"):
            why.append(
                f"the prior {drug} exposure is {format_quantity(prior)}: it cannot be counted "
                f"in {unit} (the BSA at the time is needed)"
            )
            prior = None
    total: Quantity | None = None
    crossing: Crossing | None = None
    if not why:
        base = prior if prior is not None else quantity(0, unit)
        total = quantity(magnitude(base, unit) + magnitude(planned, unit), unit)
        if limit is not None:
            i = crossing_index(doses, base, limit.dose)
            if i is not None:
                e = events[i]
                reached = magnitude(base, unit) + sum(magnitude(d, unit) for d in doses[: i + 1])
                crossing = Crossing(e.cycle, e.day, e.date, quantity(reached, unit))
    return Ledger(
        course=course.id,
        drug=drug,
        unit=unit,
        planned=planned,
        prior=prior,
        prior_state=prior_state,
        total=total,
        limit=limit,
        first_crossing=crossing,
        why=tuple(why),
    )


def ledgers(plan: Plan, measurements: Measurements) -> tuple[Ledger, ...]:
    """The ledger of every drug course of ``plan``."""
    return tuple(ledger(plan, c.id, measurements) for c in plan.regimen.drugs)

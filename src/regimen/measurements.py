"""What a plan's body-size doses and lifetime limits are computed from: the patient's
measurements on the start date, clinical flags and prior exposures.

A :class:`Measurements` comes from the command line's quick-check options (taken as measured on
the start date, :func:`from_options`) or from a patient file (dated values, the one in force on
the start date, :func:`from_patient`); the dose resolution (:mod:`regimen.dosing`) and the
cumulative ledger read it and never default a missing value: a dose that needs a value it lacks
is an error naming the value.

Which values a regimen needs follows from its courses' dose bases (:data:`BASIS_NEEDS`): a
course dosed per m2 needs the height and the weight. From a patient file:

* the weight in force on the start date is the latest dated weight on or before it (a weight
  dated after the start is not used for it, only for the weight-change check below);
* the age is in whole years on the start date, from a full ``birth_date``, or from a partial
  one, or from ``age`` and ``age_on``: these may give only a range (born in 1977: 44 or 45 on
  2022-01-03), which is an error only when a dose needs the age;
* the creatinine is the latest creatinine lab on or before the start date;
* ``prior``: the file's anthracycline ledger (:func:`regimen.patient.anthracycline_ledger`,
  ``None`` when any part is unknown) and its other exposures, drug by drug.

Two checks, and the figures they rest on (source kind in brackets):

* **Stale weight** [local]: a needed weight measured more than :data:`WEIGHT_MAX_AGE_DAYS` (30)
  days before the start date is an error unless the caller accepts it (``--accept-stale``); a
  regimen may set its own limit (top-level ``weight_max_age = "14 d"``). The 30 days are a
  local default, not taken from a guideline. The BSA is computed once, from the weight in force
  on the start date; later cycles keep that dose.
* **Weight change** [local]: a later cycle of a course dosed by body size whose day 1 comes on
  or after a weight that differs by :data:`WEIGHT_CHANGE_PERCENT` (10%) or more from the weight
  of cycle 1 is flagged for recalculation (a warning that needs clinician review). 10% is the
  threshold oncology services commonly use for adults (e.g. the institutions answering on the
  APHON forum, 2022: "10% in adults and 5% in pediatrics"); we could not confirm it in an ASCO
  or HOPA guideline text, so it is marked local.

Both reach every output through the plan's warnings (:func:`with_warnings`).
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from regimen.errors import InputError
from regimen.units import Creatinine, Length, Mass, Quantity

if TYPE_CHECKING:
    from regimen.patient import Patient
    from regimen.regimen import Regimen
    from regimen.schedule import Plan

#: Default oldest weight a dose may be computed from [days before the start date] (local).
WEIGHT_MAX_AGE_DAYS = 30
#: Change of weight since cycle 1 that flags a later cycle for recalculation [%] (local).
WEIGHT_CHANGE_PERCENT = Decimal(10)
#: The patient values each dose basis needs (a basis not listed needs none); a weight basis
#: other than the actual weight (ideal, adjusted) also needs :data:`WEIGHT_BASIS_NEEDS`.
BASIS_NEEDS: dict[str, tuple[str, ...]] = {
    "bsa": ("height", "weight"),
    "weight": ("weight",),
    "auc": ("sex", "age", "weight", "scr"),
}
WEIGHT_BASIS_NEEDS = ("height", "sex")
#: How a dose basis is named in messages.
BASIS_WORDS: dict[str, str] = {
    "bsa": "dosed per m²",
    "weight": "dosed per kg",
    "auc": "dosed by AUC",
}
#: How each value is named in messages.
VALUE_WORDS = {
    "height": "height",
    "weight": "weight",
    "sex": "sex",
    "age": "age",
    "scr": "serum creatinine",
}


# Dataclasses, not attrs: the application imports this module at start-up, and --help stays
# light (tests/test_startup.py).


@dataclasses.dataclass(frozen=True)
class DatedWeight:
    """A body weight and the date it was measured."""

    date: dt.date
    weight: Mass


@dataclasses.dataclass(frozen=True)
class Measurements:
    """The patient values one plan uses. ``None`` is "not given", never zero.

    ``weight`` is the weight in force on the plan's start date, measured on ``weight_on``;
    ``weights`` are every dated weight known (a patient file's, for the weight-change check);
    ``age`` is in whole years on the start date (``age_range``: the lowest and highest it can
    be when the record gives only a range; then ``age`` is None); ``prior`` maps a drug to its
    prior cumulative exposure (mg/m2 or mg; ``None`` is "unknown", which makes a lifetime limit
    uncheckable); ``origin`` names where the values came from (``options`` or the patient
    file's name) and ``notes`` say anything the outputs must repeat (e.g. a stale weight
    accepted).
    """

    height: Length | None = None
    weight: Mass | None = None
    weight_on: dt.date | None = None
    weights: tuple[DatedWeight, ...] = ()
    sex: str | None = None
    age: int | None = None
    scr: Creatinine | None = None
    scr_on: dt.date | None = None
    flags: frozenset[str] = frozenset()
    prior: Mapping[str, Quantity | None] = dataclasses.field(default_factory=dict)
    origin: str = "options"
    notes: tuple[str, ...] = ()
    age_range: tuple[int, int] | None = None

    @property
    def empty(self) -> bool:
        """Whether nothing body-size related was given (no height, weight, sex, age, creatinine)."""
        return all(v is None for v in (self.height, self.weight, self.sex, self.age, self.scr))


# ---------------------------------------------------------------------------------------------
# what a regimen needs


def needs(regimen: Regimen) -> dict[str, str]:
    """The patient values ``regimen``'s doses need -> the first course needing each, in words
    (``{"height": "gemcitabine (dosed per m²)", ...}``); empty for a flat-dosed regimen."""
    out: dict[str, str] = {}
    for course in regimen.drugs:
        basis = course.dose_basis
        values = BASIS_NEEDS.get(basis, ())
        if "weight" in values and getattr(course, "weight_basis", "actual") != "actual":
            values = (*values, *WEIGHT_BASIS_NEEDS)
        for value in values:
            out.setdefault(value, f"{course.id} ({BASIS_WORDS.get(basis, basis)})")
    return out


def _bases_needing(value: str) -> str:
    words = dict.fromkeys(BASIS_WORDS[b] for b, vs in BASIS_NEEDS.items() if value in vs)
    items = list(words)
    text = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
    if value in WEIGHT_BASIS_NEEDS:
        text += ", or on an ideal or adjusted weight"
    return text


# ---------------------------------------------------------------------------------------------
# quick-check options


def _field_error(what: str, field: str, detail: str = "") -> InputError:
    from regimen.app import FieldError

    return FieldError(what, field, detail)


def parse_flags(values: Iterable[str], field: str = "flag") -> frozenset[str]:
    """Flag names, each one of :data:`regimen.patient.FLAGS`; an unknown one lists them."""
    from regimen.patient import FLAGS

    seen: set[str] = set()
    for flag in values:
        if flag not in FLAGS:
            raise _field_error(f"unknown flag {flag!r}; allowed: {', '.join(FLAGS)}", field)
        if flag in seen:
            raise _field_error(f"{flag!r} given twice", field)
        seen.add(flag)
    return frozenset(seen)


def parse_prior(values: Iterable[str], field: str = "prior") -> dict[str, Quantity | None]:
    """``DRUG=AMOUNT`` items (``doxorubicin=225mg/m2``, ``doxorubicin=300mg``,
    ``doxorubicin=unknown``) -> {drug: amount or None (unknown)}. Drug names are lower-cased and
    their aliases resolved (ADM -> doxorubicin) as in a patient file."""
    from regimen.errors import RegimenError
    from regimen.patient import DRUG_ALIASES, amount_or_unknown

    out: dict[str, Quantity | None] = {}
    for item in values:
        name, sep, amount = item.partition("=")
        if not sep or not name.strip() or not amount.strip():
            raise _field_error(
                f"expected DRUG=AMOUNT (e.g. doxorubicin=225mg/m2 or doxorubicin=unknown), got "
                f"{item!r}",
                field,
            )
        drug = DRUG_ALIASES.get(name.strip().lower(), name.strip().lower())
        if drug in out:
            raise _field_error("given twice", field, drug)
        try:
            out[drug] = amount_or_unknown(amount.strip())
        except RegimenError as exc:
            raise _field_error(exc.what, field, drug) from None
    return out


def from_options(
    regimen: Regimen,
    start: dt.date,
    *,
    height: Length | None = None,
    weight: Mass | None = None,
    sex: str | None = None,
    age: int | None = None,
    scr: Creatinine | None = None,
    prior: Sequence[str] = (),
    flags: Sequence[str] = (),
) -> Measurements:
    """The quick-check options as :class:`Measurements`, every value taken as measured on
    ``start``. A sex, age or creatinine given for a regimen whose doses do not use it is an
    error (it would do nothing); the height and weight are checked by the dose resolution.
    ``prior`` and ``flags`` are for the lifetime ledger and always accepted."""
    needed = needs(regimen)
    for name, value in (("sex", sex), ("age", age), ("scr", scr)):
        if value is not None and name not in needed:
            raise _field_error(
                f"only applies to a regimen with a course {_bases_needing(name)} (none in "
                f"{regimen.id})",
                name,
            )
    return Measurements(
        height=height,
        weight=weight,
        weight_on=start if weight is not None else None,
        weights=(DatedWeight(start, weight),) if weight is not None else (),
        sex=sex,
        age=age,
        scr=scr,
        scr_on=start if scr is not None else None,
        flags=parse_flags(flags),
        prior=parse_prior(prior),
        origin="options",
    )


# ---------------------------------------------------------------------------------------------
# a patient file


def _bounds(date: object) -> tuple[dt.date, dt.date]:
    """The first and last day a partial date (``2012``, ``2012-12``, ``2012-12-05``) can be."""
    from regimen.patient import PartialDate

    assert isinstance(date, PartialDate)  # noqa: S101 - the patient model's type
    if date.day is not None and date.month is not None:
        day = dt.date(date.year, date.month, date.day)
        return day, day
    if date.month is not None:
        last = calendar.monthrange(date.year, date.month)[1]
        return dt.date(date.year, date.month, 1), dt.date(date.year, date.month, last)
    return dt.date(date.year, 1, 1), dt.date(date.year, 12, 31)


def years_before(date: dt.date, years: int) -> dt.date:
    """``date`` moved back ``years`` years (29 February to the 28th in a common year)."""
    try:
        return date.replace(year=date.year - years)
    except ValueError:
        return date.replace(year=date.year - years, day=28)


def age_on(birth: dt.date, on: dt.date) -> int:
    """Whole years from ``birth`` to ``on`` (a birthday counts on the day itself).

    >>> age_on(dt.date(1977, 5, 10), dt.date(2022, 5, 9)), age_on(dt.date(1977, 5, 10), dt.date(2022, 5, 10))
    (44, 45)
    """  # noqa: E501
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def age_range(patient: Patient, on: dt.date) -> tuple[int, int] | None:
    """The lowest and highest age in whole years the record allows on ``on`` (equal when it is
    known exactly); ``None`` when the record gives no birth date and no dated age.

    A birth date known to the month or year spans that month or year; an ``age`` A on
    ``age_on`` D means born after D less A + 1 years and on or before D less A years."""
    if patient.birth_date is not None:
        earliest, latest = _bounds(patient.birth_date)
    elif patient.age is not None and patient.age_on is not None:
        first, last = _bounds(patient.age_on)
        earliest = years_before(first, patient.age + 1) + dt.timedelta(days=1)
        latest = years_before(last, patient.age)
    else:
        return None
    return age_on(latest, on), age_on(earliest, on)


def _need(needed: Mapping[str, str], value: str) -> str:
    return f"{needed[value]} needs the {VALUE_WORDS[value]}"


def _in_force(
    items: Sequence[tuple[dt.date, Quantity]],
    start: dt.date,
) -> list[tuple[dt.date, Quantity]]:
    """The items dated on the latest date on or before ``start`` (several: the same day)."""
    before = [item for item in items if item[0] <= start]
    if not before:
        return []
    latest = max(d for d, _ in before)
    return [item for item in before if item[0] == latest]


def _one(
    found: list[tuple[dt.date, Quantity]], where: str, what: str, needed: bool
) -> tuple[dt.date, Quantity] | None:
    from regimen.units import format_quantity, magnitude, unit_symbol

    if not found:
        return None
    values = {magnitude(q, unit_symbol(found[0][1])) for _, q in found}
    if needed and len(values) > 1:
        shown = ", ".join(format_quantity(q) for _, q in found)
        raise InputError(
            f"{len(found)} different {what}s dated {found[0][0].isoformat()} ({shown}); keep the "
            "one to dose from",
            where=where,
        )
    return found[-1]


def from_patient(
    patient: Patient,
    start: dt.date,
    name: str,
    regimen: Regimen | None = None,
    *,
    prior: Sequence[str] = (),
    flags: Sequence[str] = (),
    accept_stale: bool = False,
    accept_option: str | None = "--accept-stale",
) -> Measurements:
    """The values of a patient file in force on ``start``, as :class:`Measurements`.

    ``name`` names the file in messages (``error: NAME: weights: ...``). With ``regimen``, every
    value its doses need must be there (an error naming the value and the file otherwise) and a
    needed weight may not be older than the regimen's limit (``weight_max_age``, default
    :data:`WEIGHT_MAX_AGE_DAYS`) unless ``accept_stale``; ``accept_option`` is how the caller
    accepts a stale weight (named in the message; None: it cannot). ``prior`` and ``flags``
    (command-line items) add to the file's; a drug whose prior exposure both give is an error.
    Values the regimen does not use are read but never required: a patient file is a record.
    """
    from regimen.units import CREATININE, LENGTH, MASS, format_quantity, parse_quantity, require

    needed = needs(regimen) if regimen is not None else {}

    def at(key: str) -> str:
        return f"{name}: {key}"

    # height
    height = require(patient.height, LENGTH, "height") if patient.height is not None else None
    if height is None and "height" in needed:
        raise InputError(f"not in the patient file; {_need(needed, 'height')}", where=at("height"))

    # weights: the one in force on the start date, and every dated weight
    dated = sorted(
        ((w.date, require(w.weight, MASS, "weight")) for w in patient.weights),
        key=lambda item: item[0],
    )
    weights = tuple(DatedWeight(d, q) for d, q in dated)
    found = _one(_in_force(dated, start), at("weights"), "weight", "weight" in needed)
    weight = require(found[1], MASS, "weight") if found is not None else None
    weight_on = found[0] if found is not None else None
    notes: list[str] = []
    if "weight" in needed:
        if found is None:
            later = f"; the first is dated {dated[0][0].isoformat()}" if dated else ""
            what = (
                f"no weight dated on or before the start date {start.isoformat()}{later}"
                if dated
                else "no weight in the patient file"
            )
            raise InputError(f"{what}; {_need(needed, 'weight')}", where=at("weights"))
        assert weight is not None and weight_on is not None  # noqa: S101 - found above
        notes += _stale_notes(
            weight, weight_on, start, regimen, at("weights"), accept_stale, accept_option
        )

    # age on the start date
    ages = age_range(patient, start)
    if ages is not None and ages[1] < 0:
        key = "birth_date" if patient.birth_date is not None else "age_on"
        raise InputError(
            f"the patient is not yet born on the start date {start.isoformat()}", where=at(key)
        )
    age = ages[0] if ages is not None and ages[0] == ages[1] else None
    if age is None and "age" in needed:
        raise _age_error(patient, start, ages, needed, at)

    # serum creatinine
    labs = [
        (lab.date, parse_quantity(f"{lab.value} {lab.unit}", CREATININE, "creatinine"))
        for lab in sorted(patient.labs, key=lambda lab: lab.date)
        if lab.test == "creatinine"
    ]
    found_scr = _one(_in_force(labs, start), at("labs"), "creatinine value", "scr" in needed)
    scr, scr_on = (found_scr[1], found_scr[0]) if found_scr is not None else (None, None)
    if scr is None and "scr" in needed:
        raise InputError(
            f"no serum creatinine dated on or before the start date {start.isoformat()}; "
            f"{_need(needed, 'scr')}",
            where=at("labs"),
        )

    if patient.sex is None and "sex" in needed:
        raise InputError(f"not in the patient file; {_need(needed, 'sex')}", where=at("sex"))

    # prior exposure and flags: the file's, and the command line's added
    known = file_prior(patient)
    extra = parse_prior(prior)
    for drug, amount in extra.items():
        if drug in known:
            recorded = known[drug]
            shown = format_quantity(recorded) if recorded is not None else "unknown"
            raise _field_error(
                f"the patient file {name} already records prior {drug} ({shown}); give it in "
                "one place",
                "prior",
                drug,
            )
        known[drug] = amount
    extra_flags = parse_flags(flags)
    return Measurements(
        height=height,
        weight=weight,
        weight_on=weight_on,
        weights=weights,
        sex=patient.sex,
        age=age,
        age_range=ages if age is None else None,
        scr=require(scr, CREATININE, "scr") if scr is not None else None,
        scr_on=scr_on,
        flags=frozenset(patient.flags) | extra_flags,
        prior=known,
        origin=name,
        notes=tuple(notes),
    )


def _age_error(
    patient: Patient,
    start: dt.date,
    ages: tuple[int, int] | None,
    needed: Mapping[str, str],
    at: Callable[[str], str],
) -> InputError:
    need = _need(needed, "age")
    on = start.isoformat()
    if ages is None and patient.age is not None:
        return InputError(
            f"{patient.age} is not dated, so the age on the start date {on} is unknown; add "
            f"age_on (the date it was recorded) or give birth_date; {need}",
            where=at("age"),
        )
    if ages is None:
        return InputError(f"not in the patient file (age or birth_date); {need}", where=at("age"))
    key, given = (
        ("birth_date", f"born {patient.birth_date}")
        if patient.birth_date is not None
        else ("age_on", f"{patient.age} on {patient.age_on}")
    )
    return InputError(
        f"gives the age on the start date {on} only as {ages[0]} to {ages[1]} ({given}); "
        f"{need} in whole years: give the full date",
        where=at(key),
    )


def _stale_notes(
    weight: Mass,
    weight_on: dt.date,
    start: dt.date,
    regimen: Regimen | None,
    where: str,
    accept_stale: bool,
    accept_option: str | None,
) -> list[str]:
    """An error for a weight older than the limit, or the note saying it was accepted."""
    from regimen.units import format_quantity

    own = getattr(regimen, "weight_max_age", None)
    limit = own if own is not None else WEIGHT_MAX_AGE_DAYS
    days = (start - weight_on).days
    if days <= limit:
        return []
    if not accept_stale:
        whose = " (the regimen's weight_max_age)" if own is not None else ""
        fix = (
            f"weigh the patient, or give {accept_option}" if accept_option else "weigh the patient"
        )
        raise InputError(
            f"the latest weight ({format_quantity(weight)} on {weight_on.isoformat()}) is "
            f"{days} d older than the start date {start.isoformat()}; the limit is {limit} d"
            f"{whose} ({fix})",
            where=where,
        )
    how = f" ({accept_option})" if accept_option else ""
    return [f"weight of {weight_on.isoformat()} ({days} d before the start) accepted as stale{how}"]


def file_prior(patient: Patient) -> dict[str, Quantity | None]:
    """A patient file's prior exposure, drug by drug: the anthracycline ledger's totals (None
    when any part is unknown) and every other exposure listed, summed when all its amounts are
    known and of one kind (mg or mg/m2), else None."""
    from regimen.patient import anthracycline_ledger
    from regimen.units import kind_of, magnitude, quantity, unit_symbol

    out: dict[str, Quantity | None] = {e.name: e.total for e in anthracycline_ledger(patient)}
    others: dict[str, list[Quantity | None]] = {}
    for exposure in patient.exposures:
        if exposure.drug not in out:
            others.setdefault(exposure.drug, []).append(exposure.amount)
    for drug, amounts in others.items():
        known = [q for q in amounts if q is not None]
        if len(known) != len(amounts) or len({kind_of(q) for q in known}) != 1:
            out[drug] = None
            continue
        unit = unit_symbol(known[0])
        out[drug] = quantity(sum(magnitude(q, unit) for q in known), unit)
    return out


# ---------------------------------------------------------------------------------------------
# the plan's warnings


def weight_change_warnings(plan: Plan, m: Measurements) -> tuple[str, ...]:
    """A needs-review warning for each later cycle of a course dosed by body weight or size
    whose day 1 comes on or after a weight dated after the start that differs by
    :data:`WEIGHT_CHANGE_PERCENT` or more from the weight of cycle 1 (the weight in force on the
    start date). Courses flagged for the same cycle, date and weight share one warning.

    ``gemcitabine, docetaxel: cycle 3 (2022-02-14): weight 62 kg on 2022-02-10 is 11.4% below
    the 70 kg of cycle 1 (2022-01-03): recalculate the dose; needs clinician review``
    """
    from regimen.units import format_number, format_quantity, magnitude

    if m.weight is None or m.weight_on is None:
        return ()
    later = [w for w in m.weights if w.date > plan.start]
    if not later:
        return ()
    weighed = {c.id for c in plan.regimen.drugs if "weight" in BASIS_NEEDS.get(c.dose_basis, ())}
    base = Decimal(repr(magnitude(m.weight, "kg")))
    first = {c.course: c.day1 for c in plan.cycles if c.number == 1}
    found: dict[str, list[str]] = {}
    for cycle in plan.cycles:
        if cycle.course not in weighed or cycle.number == 1:
            continue
        before = [w for w in later if w.date <= cycle.day1]
        if not before:
            continue
        w = before[-1]
        now = Decimal(repr(magnitude(w.weight, "kg")))
        change = (now - base) / base * 100
        if abs(change) < WEIGHT_CHANGE_PERCENT:
            continue
        direction = "below" if change < 0 else "above"
        one = first.get(cycle.course, plan.start).isoformat()
        text = (
            f"cycle {cycle.number} ({cycle.day1.isoformat()}): weight "
            f"{format_quantity(w.weight)} on {w.date.isoformat()} is "
            f"{format_number(abs(change), 1)}% {direction} the {format_quantity(m.weight)} of "
            f"cycle 1 ({one}): recalculate the dose; needs clinician review"
        )
        found.setdefault(text, []).append(cycle.course)
    return tuple(f"{', '.join(courses)}: {text}" for text, courses in found.items())


def plan_warnings(plan: Plan, m: Measurements) -> tuple[str, ...]:
    """What the outputs must say about the measurements: ``m.notes`` (a stale weight accepted)
    and the weight-change warnings."""
    return (*m.notes, *weight_change_warnings(plan, m))


def with_warnings(plan: Plan, m: Measurements) -> Plan:
    """``plan`` with :func:`plan_warnings` added to its warnings (the path every output shows)."""
    import attrs

    extra = plan_warnings(plan, m)
    if not extra:
        return plan
    return attrs.evolve(plan, warnings=(*plan.warnings, *extra))

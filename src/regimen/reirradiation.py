"""Re-irradiation: what a tissue has already had, summed in one alpha/beta, checked against
published limits, and the largest dose per fraction a new course may still have.

Pure library: record text in, a :class:`ReirradiationReport` out; no file, no clock.

Rules that keep the sum honest:

* Every course's BED is computed phase by phase at the one alpha/beta of the endpoint
  (:func:`regimen.radiobiology.bed`), EQD2 = BED / (1 + 2 Gy / (alpha/beta)), and the courses
  are added as they are: **no recovery** unless the user states one for a named prior course,
  with its reason (:class:`Recovery`). The time between courses is shown and never turned into
  recovery by itself.
* A constraint set (:data:`CONSTRAINT_SETS`) is data with its citation; each limit is a pure
  check on the courses, computed at the set's own alpha/beta (recomputed from the courses'
  fractionation when the record's differs, and said so), on the plain sums its source used.
* The budget (:func:`budget`) solves n d (1 + d/(alpha/beta)) = BED left for every limit that
  binds the new course and keeps the smallest d, rounded **down** to 0.01 Gy.

References
----------
.. [Nieder2006] Nieder C, et al. Update of human spinal cord reirradiation tolerance based on
   additional data from 38 patients. Int J Radiat Oncol Biol Phys. 2006;66(5):1446-1449
   (PubMed 17084560; the co-authors and DOI were not read here, so they are not cited).
.. [Sahgal2021] Sahgal A, Chang JH, Ma L, et al. Spinal cord dose tolerance to stereotactic
   body radiation therapy. Int J Radiat Oncol Biol Phys. 2021;110(1):124-136 (HyTEC).
   doi:10.1016/j.ijrobp.2019.09.038 (PubMed 31606528).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
import tomllib
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import attrs
from dateutil.relativedelta import relativedelta

from regimen import radiobiology as rb
from regimen.drugs import FieldError
from regimen.errors import InputError, LoadError, RegimenError
from regimen.loading import (
    SOURCE,
    Key,
    KeyPath,
    Table,
    _At,
    _count,
    _key_path,
    _Named,
    _quantity,
    _Reader,
    _Tables,
    _text,
    _toml_message,
    _unsafe_text,
    refuse_control,
)
from regimen.patient import PartialDate, Patient, parse_partial_date
from regimen.radiotherapy import MAX_FRACTIONS, Phase, parse_expression
from regimen.sources import Source
from regimen.units import DOSE, Dose, format_number, format_quantity, magnitude, quantity

#: The most courses a record may list.
MAX_COURSES = 50
#: The budget's dose per fraction is rounded down to this step [Gy].
BUDGET_STEP_GY = 0.01
#: The dose metrics a record may name (``cc`` is read, and written ``cm³``: ISMP).
_METRIC_RE = re.compile(
    r"^(?:Dmax|Pmax|Dmean|mean|prescription|D(?P<num>[0-9]+(?:\.[0-9]+)?)(?P<unit>cc|cm3|cm³|mL|%))$"
)
_FRACTION_RE = re.compile(r"^[0-9]+(?:\.[0-9]+)?$", re.ASCII)


# ---------------------------------------------------------------------------------------------
# the record


@attrs.frozen
class Course:
    """One dated course to the structure.

    ``phases`` are the doses **at the structure** by the record's metric (the prescription's,
    unless ``metric_dose`` says otherwise: then one phase of ``metric_dose / fractions``);
    ``prescription`` the phases as prescribed.
    """

    date: PartialDate
    phases: tuple[Phase, ...]
    prescription: tuple[Phase, ...]
    name: str = ""
    metric_dose: Dose | None = None
    source: Source | None = None
    note: str = ""

    @property
    def label(self) -> str:
        """The course's name, or its date when it has none (``--course``)."""
        return self.name or str(self.date)

    @property
    def fractions(self) -> int:
        return sum(p.fractions for p in self.phases)


@attrs.frozen
class Record:
    """A re-irradiation record: the structure, the endpoint's alpha/beta (None: not given),
    the dose metric and the dated courses in date order."""

    structure: str
    alpha_beta: Dose | None
    metric: str
    courses: tuple[Course, ...]
    endpoint: str = ""
    sources: dict[str, Source] = attrs.field(factory=dict)
    note: str = ""
    origin: str = "record"  # "record", "--course", "--patient"


def metric_text(metric: str) -> str:
    """The metric as printed: ``D0.03cc`` is written ``D0.03 cm³`` (ISMP: no ``cc``)."""
    m = _METRIC_RE.match(metric)
    if m is None or m.group("num") is None:
        return metric
    unit = {"%": "%", "mL": " mL"}.get(m.group("unit"), " cm³")
    return f"D{m.group('num')}{unit}"


def _metric(value: Any, at: _At) -> str:
    text = _text(value, at)
    if not _METRIC_RE.match(text):
        raise InputError(
            "must be a dose metric: Dmax, Pmax, Dmean, mean, prescription or a volume metric "
            f"like D0.03cc, D2cc, D2mL or D50%; got {text!r}"
        )
    return text


def _course_date(value: Any, at: _At | None = None) -> PartialDate:
    date = value if isinstance(value, PartialDate) else parse_partial_date(value)
    if date.month is None:
        raise InputError(
            f"must be YYYY-MM-DD or YYYY-MM (the month is needed for the interval between "
            f"courses), got {str(date)!r}"
        )
    return date


def _expression(value: Any, at: _At) -> tuple[Phase, ...]:
    return parse_expression(_text(value, at))


def _alpha_beta(value: Any, at: _At) -> Dose:
    return quantity(magnitude(_quantity(DOSE)(value, at), "Gy"), "Gy")


def _source_ref(value: Any, at: _At) -> Source:
    from regimen.patient import _source_ref as patient_source_ref

    return patient_source_ref(value, at)


def structure_phases(
    prescription: tuple[Phase, ...], metric_dose: Dose | None
) -> tuple[Phase, ...]:
    """The phases at the structure: the prescription's, or one phase of ``metric_dose / n``
    (refused for a course of several phases: which phase gave what is not known)."""
    if metric_dose is None:
        return prescription
    if len(prescription) != 1:
        raise FieldError(
            "applies to a course of one phase (the share of each phase is not known); "
            "write each phase as its own course",
            "metric_dose",
        )
    n = prescription[0].fractions
    per = quantity(magnitude(metric_dose, "Gy") / n, "Gy")
    return (Phase(n, per, prescription[0].technique),)


def _course(
    date: PartialDate,
    name: str,
    expression: tuple[Phase, ...] | None,
    dose_per_fraction: Dose | None,
    fractions: int | None,
    metric_dose: Dose | None,
    source: Source | None,
    note: str,
) -> Course:
    if expression is None:
        assert dose_per_fraction is not None and fractions is not None  # noqa: S101 - checked
        expression = (Phase(fractions, dose_per_fraction),)
    return Course(
        date=date,
        phases=structure_phases(expression, metric_dose),
        prescription=expression,
        name=name,
        metric_dose=metric_dose,
        source=source,
        note=note,
    )


def _course_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    if not all(k in values for k in ("expression", "dose_per_fraction", "fractions")):
        return  # a key with a problem of its own, already reported
    has_expr = values.get("expression") is not None
    split = [k for k in ("dose_per_fraction", "fractions") if values.get(k) is not None]
    if has_expr and split:
        yield (split[0],), "give either 'expression' or 'dose_per_fraction' and 'fractions'"
    elif not has_expr and len(split) == 1:
        other = "fractions" if split == ["dose_per_fraction"] else "dose_per_fraction"
        yield (other,), f"is required with '{split[0]}'"
    elif not has_expr and not split:
        yield (
            (),
            (
                "give the fractionation: 'expression' (\"28x1.8Gy\") or 'dose_per_fraction' and "
                "'fractions'"
            ),
        )


COURSE = Table(
    (
        Key("date", _course_date, required=True),
        Key("name", _text, default=""),
        Key("expression", _expression),
        Key("dose_per_fraction", _quantity(DOSE)),
        Key("fractions", _count(1, MAX_FRACTIONS)),
        Key("metric_dose", _quantity(DOSE)),
        Key("source", _source_ref),
        Key("note", _text, default="", multiline=True),
    ),
    model=_course,
    check=_course_check,
)


def _record(courses: tuple[Course, ...], sources: dict[str, Any] | None, **fields: Any) -> Record:
    return Record(courses=courses, sources=dict(sources or {}), **fields)


def _record_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    courses = values.get("courses") or ()
    if len(courses) > MAX_COURSES:
        yield ("courses",), f"has more than {MAX_COURSES} courses"
        return
    for i, problem in order_problems(tuple(c.date for c in courses)):
        yield ("courses", i, "date"), problem


RECORD = Table(
    (
        Key(
            "structure", _text, required='is required (the organ or structure, e.g. "spinal cord")'
        ),
        Key("endpoint", _text, default=""),
        Key(
            "alpha_beta",
            _alpha_beta,
            required='is required (the endpoint\'s alpha/beta, e.g. "2 Gy")',
        ),
        Key("metric", _metric, required="is required (Dmax, D0.03cc, D2cc, mean, prescription...)"),
        Key("note", _text, default="", multiline=True),
        Key("sources", _Named(SOURCE, "must be a table of [sources.KEY] tables")),
        Key(
            "courses",
            _Tables(
                COURSE, "must be an array of tables ([[courses]])", "needs at least one course"
            ),
            required="is required (at least one [[courses]] table)",
        ),
    ),
    model=_record,
    check=_record_check,
)


def parse_record(text: str, where: str) -> Record:
    """Parse re-irradiation record TOML text strictly (every problem at once, ``file: key.path:
    what``); ``where`` names the file in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(where, [("", _toml_message(exc, text))]) from None
    unsafe = list(_unsafe_text(data, ()))
    reader = _Reader()
    record = reader.table(data, (), RECORD)[1]
    problems = unsafe + reader.problems
    if problems or not isinstance(record, Record):
        raise LoadError(where, [(_key_path(p) or "(top level)", m) for p, m in problems])
    return record


def _bounds(date: PartialDate) -> tuple[dt.date, dt.date]:
    """The first and last day a date known to the month (or the day) may be."""
    assert date.month is not None  # noqa: S101 - a course date has its month
    if date.day is not None:
        day = dt.date(date.year, date.month, date.day)
        return day, day
    first = dt.date(date.year, date.month, 1)
    return first, first + relativedelta(months=1) - dt.timedelta(days=1)


def order_problems(dates: Sequence[PartialDate]) -> Iterator[tuple[int, str]]:
    """``(index, problem)`` for each date not after the one before it (dates known to the
    month: the whole month must be after; two courses never share a date)."""
    for i in range(1, len(dates)):
        if _bounds(dates[i])[0] <= _bounds(dates[i - 1])[1]:
            yield (
                i,
                (
                    f"{dates[i]} is not after the previous course's date ({dates[i - 1]}); list "
                    "the courses in date order, one date each"
                ),
            )


def course_option(text: str) -> Course:
    """``--course DATE=EXPR`` (``2012-12-01=28x1.8Gy``): a course named by its date."""
    where = "--course"
    date_text, sep, expr = text.partition("=")
    if not sep or not date_text.strip() or not expr.strip():
        raise InputError(f"write DATE=EXPR (e.g. 2012-12-01=28x1.8Gy), got {text!r}", where=where)
    try:
        date = _course_date(date_text.strip())
        phases = parse_expression(expr)
    except RegimenError as exc:
        raise InputError(exc.what, where=f"{where} {date_text.strip()}") from None
    return Course(date=date, phases=phases, prescription=phases)


def courses_from_patient(patient: Patient, site: str, where: str) -> tuple[Course, ...]:
    """The radiotherapy lines of ``site`` in a patient file, as courses of prescribed dose
    (d = total dose / fractions). A missing date, total dose or fraction count is an error
    naming the line, never assumed."""
    lines = [(i, ln) for i, ln in enumerate(patient.lines) if ln.kind == "radiotherapy"]
    sites = sorted({ln.site for _, ln in lines if ln.site})
    chosen = [(i, ln) for i, ln in lines if ln.site == site]
    if not chosen:
        known = ", ".join(map(repr, sites)) if sites else "none"
        raise InputError(
            f"no radiotherapy line of site {site!r} in {where} (sites: {known})", where="--site"
        )
    courses = []
    for i, ln in chosen:
        at = f"{where}: lines[{i}] ({ln.treatment})"
        missing = [
            name
            for name, value in (
                ("start", ln.start),
                ("total_dose", ln.total_dose),
                ("fractions", ln.fractions),
            )
            if value is None
        ]
        if missing:
            raise InputError(
                f"{' and '.join(missing)} not given; re-irradiation needs each course's date, "
                "total dose and fractions (never assumed)",
                where=at,
            )
        assert ln.start is not None and ln.total_dose is not None and ln.fractions is not None  # noqa: S101
        try:
            date = _course_date(ln.start)
            per = quantity(magnitude(ln.total_dose, "Gy") / ln.fractions, "Gy")
            phases = (Phase(ln.fractions, per),)
        except RegimenError as exc:
            raise InputError(exc.what, where=at) from None
        courses.append(
            Course(
                date=date,
                phases=phases,
                prescription=phases,
                name=ln.treatment,
                source=ln.source,
                note=ln.note,
            )
        )
    return tuple(courses)


def in_date_order(courses: Sequence[Course], where: str) -> tuple[Course, ...]:
    """Courses from the command line or a patient file, sorted by date; two whose dates
    overlap (the same day, or a month holding the other's day) are a one-line error."""
    ordered = sorted(courses, key=lambda c: _bounds(c.date))
    for a, b in itertools.pairwise(ordered):
        if _bounds(b.date)[0] <= _bounds(a.date)[1]:
            raise InputError(
                f"two courses dated {a.date} and {b.date}: which came first is not known; "
                "give each course its own date",
                where=where,
            )
    return tuple(ordered)


# ---------------------------------------------------------------------------------------------
# recovery


@attrs.frozen
class Recovery:
    """A stated recovery: ``fraction`` (0 to 1) of a prior course's dose taken as recovered,
    and why."""

    course: str
    fraction: float
    reason: str


def parse_recovery(text: str) -> Recovery:
    """``--recovery COURSE=FRACTION:REASON`` (``2012-12-01=0.25:more than 2 years; ...``)."""
    where = "--recovery"
    course, sep, rest = text.partition("=")
    course = course.strip()
    number, colon, reason = rest.partition(":")
    number, reason = number.strip(), reason.strip()
    if not sep or not course:
        raise InputError(
            f'write COURSE=FRACTION:"reason" (e.g. 2012-12-01=0.25:"more than 2 years"), '
            f"got {text!r}",
            where=where,
        )
    where = f"--recovery {course}"
    if number.endswith("%"):
        raise InputError(
            f"write the recovered fraction from 0 to 1 (0.25), not a percentage ({number})",
            where=where,
        )
    if not _FRACTION_RE.match(number.lstrip("-")):
        raise InputError(f"the fraction must be a number from 0 to 1, got {number!r}", where=where)
    value = float(number)
    if not 0 <= value <= 1:
        raise InputError(
            f"the fraction must be from 0 to 1 (the share of the course's dose recovered), "
            f"got {number}",
            where=where,
        )
    if not colon or not reason:
        raise InputError(
            'needs its reason after a colon: COURSE=FRACTION:"reason" (a recovery is never '
            "assumed without one)",
            where=where,
        )
    refuse_control(reason, where)
    return Recovery(course, value, reason)


def _match_recoveries(
    courses: Sequence[Course], recoveries: Sequence[Recovery], budgeting: bool
) -> dict[int, Recovery]:
    out: dict[int, Recovery] = {}
    for r in recoveries:
        where = f"--recovery {r.course}"
        hits = [i for i, c in enumerate(courses) if r.course in (c.label, str(c.date))]
        if not hits:
            known = ", ".join(c.label for c in courses)
            raise InputError(f"no course of that name or date (courses: {known})", where=where)
        if len(hits) > 1:
            raise InputError("names more than one course; use the course's name", where=where)
        i = hits[0]
        if i in out:
            raise InputError("recovery is already stated for this course", where=where)
        if i == len(courses) - 1 and not budgeting:
            raise InputError(
                "is the latest course: recovery is stated for a prior course, the dose the "
                "tissue has recovered from before a later one",
                where=where,
            )
        out[i] = r
    return out


# ---------------------------------------------------------------------------------------------
# constraint sets


LimitKind = Literal["course", "reirradiation", "cumulative", "ratio", "interval"]


@attrs.frozen
class Limit:
    """One limit of a constraint set.

    ``kind``: ``course`` (every course), ``reirradiation`` (the latest course, after a prior
    one), ``cumulative`` (the sum of all courses), ``ratio`` (latest / cumulative, EQD2) or
    ``interval`` (whole months between courses: ``course`` between every two, else before the
    latest). ``quantity`` is ``bed`` or ``eqd2`` (at the set's alpha/beta) for a dose limit.
    """

    kind: LimitKind
    value: float  # Gy, months or a ratio
    quantity: Literal["bed", "eqd2", "months", "ratio"]
    text: str
    between: Literal["every", "last"] = "every"


@attrs.frozen
class ConstraintSet:
    """A published set of re-irradiation limits, with its citation and how it was confirmed."""

    name: str
    title: str
    structure: str
    alpha_beta_gy: float
    citation: str
    confirmed: str
    limits: tuple[Limit, ...]
    metrics: tuple[str, ...] = ()  # the metrics its limits are for (empty: any)
    max_fractions: int | None = None  # the re-irradiation course's fractions it covers
    notes: tuple[str, ...] = ()

    @property
    def alpha_beta(self) -> Dose:
        return quantity(self.alpha_beta_gy, "Gy")


NIEDER_2006 = ConstraintSet(
    name="nieder-2006",
    title="Nieder 2006, spinal cord re-irradiation",
    structure="spinal cord (cervical and thoracic)",
    alpha_beta_gy=2.0,
    citation=(
        "Nieder C, et al. Update of human spinal cord reirradiation tolerance based on "
        "additional data from 38 patients. Int J Radiat Oncol Biol Phys. 2006;66(5):1446-1449. "
        "PubMed 17084560"
    ),
    confirmed=(
        "confirmed from the abstract (PubMed 17084560): the risk of myelopathy appears small "
        "after at most 135.5 Gy2 when the interval is not shorter than 6 months and each course "
        "is at most 98 Gy2; Gy2 is BED at alpha/beta 2 Gy (50 Gy in 2 Gy fractions = 100 Gy2)"
    ),
    limits=(
        Limit("course", 98.0, "bed", "each course at most 98 Gy2 (BED, α/β 2 Gy)"),
        Limit("cumulative", 135.5, "bed", "cumulative at most 135.5 Gy2 (BED, α/β 2 Gy)"),
        Limit("interval", 6.0, "months", "at least 6 months between courses"),
    ),
    notes=(
        "Nieder's Gy2 are BED at alpha/beta 2 Gy, not EQD2: 98 Gy2 is an EQD2 of 49 Gy and "
        "135.5 Gy2 one of 67.75 Gy",
        "the source used alpha/beta 2 Gy for the cervical and thoracic cord and 4 Gy for the "
        "lumbar cord; this set is the former",
        "the limits are on plain sums (no recovery), as the source computed them",
    ),
)

HYTEC_SPINE_SBRT = ConstraintSet(
    name="hytec-spine-sbrt",
    title="HyTEC (Sahgal 2021), spinal cord re-irradiation with SBRT",
    structure="thecal sac (spinal cord)",
    alpha_beta_gy=2.0,
    citation=(
        "Sahgal A, Chang JH, Ma L, et al. Spinal cord dose tolerance to stereotactic body "
        "radiation therapy. Int J Radiat Oncol Biol Phys. 2021;110(1):124-136. "
        "doi:10.1016/j.ijrobp.2019.09.038"
    ),
    confirmed=(
        "confirmed from the abstract (PubMed 31606528): for re-irradiation SBRT in 1 to 5 "
        "fractions, factors associated with a lower risk of myelopathy are a cumulative thecal "
        "sac EQD2 (alpha/beta 2 Gy) Dmax of at most 70 Gy, an SBRT thecal sac EQD2 Dmax of at "
        "most 25 Gy, an SBRT to cumulative EQD2 Dmax ratio of at most 0.5 and at least 5 "
        "months before re-irradiation"
    ),
    limits=(
        Limit(
            "reirradiation",
            25.0,
            "eqd2",
            "re-irradiation (SBRT) course at most 25 Gy EQD2 (α/β 2 Gy)",
        ),
        Limit("cumulative", 70.0, "eqd2", "cumulative at most 70 Gy EQD2 (α/β 2 Gy)"),
        Limit("ratio", 0.5, "ratio", "SBRT EQD2 at most 0.5 of the cumulative EQD2"),
        Limit("interval", 5.0, "months", "at least 5 months before re-irradiation", "last"),
    ),
    metrics=("Dmax", "Pmax"),
    max_fractions=5,
    notes=(
        "the limits are for the thecal sac point maximum (Pmax) of SBRT in 1 to 5 fractions "
        "after conventional radiotherapy, on plain sums (no recovery), as reported",
    ),
)

#: The constraint sets ``--check`` may name.
CONSTRAINT_SETS: dict[str, ConstraintSet] = {s.name: s for s in (NIEDER_2006, HYTEC_SPINE_SBRT)}


def constraint_set(name: str) -> ConstraintSet:
    """The set called ``name``, or a one-line error listing the known ones."""
    if name not in CONSTRAINT_SETS:
        raise InputError(
            f"unknown constraint set {name!r} (known: {', '.join(CONSTRAINT_SETS)})",
            where="--check",
        )
    return CONSTRAINT_SETS[name]


# ---------------------------------------------------------------------------------------------
# the report


@attrs.frozen
class Interval:
    """The time between two course dates; a range when a date is known to the month only."""

    earlier: PartialDate
    later: PartialDate
    days_min: int
    days_max: int
    months_min: int  # whole calendar months in the shortest possible interval
    months_max: int

    @property
    def exact(self) -> bool:
        return self.days_min == self.days_max


def whole_months(start: dt.date, end: dt.date) -> int:
    """The largest k with start + k months on or before end (a month after Jan 31 is Feb 28)."""
    k = (end.year - start.year) * 12 + end.month - start.month
    while k > 0 and start + relativedelta(months=k) > end:
        k -= 1
    return max(k, 0)


def interval(earlier: PartialDate, later: PartialDate) -> Interval:
    """Days and whole months from ``earlier`` to ``later`` (shortest and longest possible)."""
    e_first, e_last = _bounds(earlier)
    l_first, l_last = _bounds(later)
    return Interval(
        earlier,
        later,
        (l_first - e_last).days,
        (l_last - e_first).days,
        whole_months(e_last, l_first),
        whole_months(e_first, l_last),
    )


@attrs.frozen
class CourseResult:
    """One course's BED and EQD2 at the report's alpha/beta, its stated recovery and the
    interval from the course before it."""

    course: Course
    terms: tuple[Dose, ...]  # BED of each phase [Gy]
    bed: rb.Bed
    eqd2: Dose
    recovery: Recovery | None = None
    interval: Interval | None = None

    @property
    def kept(self) -> float:
        """1 - recovery fraction: the share of the course's dose still counted."""
        return 1.0 - (self.recovery.fraction if self.recovery else 0.0)

    @property
    def counted_eqd2(self) -> float:
        """The course's EQD2 still counted after its stated recovery [Gy]: EQD2 x (1 - r)."""
        return magnitude(self.eqd2, "Gy") * self.kept


@attrs.frozen
class CheckResult:
    """One limit checked: ``value`` against ``limit`` (Gy, months or a ratio)."""

    set: ConstraintSet
    limit: Limit
    passed: bool
    value: float
    detail: str  # the arithmetic, with its numbers
    course: str = ""  # the course the value is of (each course: the highest)

    @property
    def name(self) -> str:
        return f"{self.set.name}: {self.limit.text}"


@attrs.frozen
class BudgetConstraint:
    """One limit on the new course, as the BED at its alpha/beta the new course may have."""

    name: str
    alpha_beta: Dose
    limit: float  # Gy (BED or EQD2 as ``quantity``)
    quantity: Literal["bed", "eqd2"]
    used: float  # what earlier courses use of it, same quantity [Gy]
    bed_left: float  # BED at ``alpha_beta`` the new course may have [Gy]
    dose_per_fraction: float  # exact solution [Gy]; 0 when nothing is left
    detail: str


@attrs.frozen
class Budget:
    """The largest dose per fraction for ``fractions`` more fractions within every limit."""

    fractions: int
    constraints: tuple[BudgetConstraint, ...]
    binding: BudgetConstraint
    dose_per_fraction_exact: float  # [Gy]
    dose_per_fraction: float  # rounded down to 0.01 Gy [Gy]
    available: bool
    cumulative_eqd2: float  # the report's cumulative EQD2 with recovery plus the new course [Gy]
    warnings: tuple[str, ...] = ()

    @property
    def total_dose(self) -> float:
        return round(self.fractions * self.dose_per_fraction, 10)


@attrs.frozen
class ReirradiationReport:
    """Everything ``regimen reirradiation`` shows."""

    record: Record
    alpha_beta: Dose
    courses: tuple[CourseResult, ...]
    bed: float  # cumulative BED, no recovery [Gy]
    eqd2: float  # cumulative EQD2, no recovery [Gy]
    bed_with_recovery: float
    eqd2_with_recovery: float
    checks: tuple[CheckResult, ...]
    budget: Budget | None
    limit: Dose | None  # --limit: cumulative EQD2 (with recovery) at the report's alpha/beta
    limit_check: bool | None  # whether the cumulative EQD2 with recovery is within --limit
    warnings: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def recovery_applied(self) -> bool:
        return any(c.recovery is not None and c.recovery.fraction > 0 for c in self.courses)


def _course_bed(course: Course, alpha_beta: Dose) -> tuple[tuple[Dose, ...], rb.Bed]:
    terms = tuple(
        quantity(p.fractions * rb.bed_per_fraction(p.dose_per_fraction, alpha_beta), "Gy")
        for p in course.phases
    )
    return terms, rb.bed(course.phases, alpha_beta)


def _eqd2_gy(bed_gy: float, ab: float) -> float:
    return bed_gy / (1 + 2 / ab)


def _fmt(gy: float) -> str:
    return format_quantity(quantity(gy, "Gy"), 2)


def _check_set(
    cs: ConstraintSet, courses: Sequence[Course], metric: str
) -> tuple[list[CheckResult], list[str], list[str]]:
    """Every limit of ``cs`` that the courses can be checked against; warnings and notes."""
    ab = cs.alpha_beta
    beds = [rb.bed(c.phases, ab).gy for c in courses]
    eqd2s = [_eqd2_gy(b, cs.alpha_beta_gy) for b in beds]
    results: list[CheckResult] = []
    warnings: list[str] = []
    notes: list[str] = []
    ab_text = format_quantity(ab)
    for lim in cs.limits:
        values = beds if lim.quantity == "bed" else eqd2s
        what = "BED" if lim.quantity == "bed" else "EQD2"
        if lim.kind == "course":
            i = max(range(len(courses)), key=lambda k: values[k])
            value = values[i]
            detail = (
                f"highest course {what} at {AB} {ab_text}: {courses[i].label} "
                f"{_fmt(value)}, limit {_fmt(lim.value)}"
            )
            results.append(
                CheckResult(cs, lim, value <= lim.value, value, detail, courses[i].label)
            )
        elif lim.kind == "cumulative":
            value = math.fsum(values)
            detail = (
                f"cumulative {what} at {AB} {ab_text} = "
                + " + ".join(_fmt(v) for v in values)
                + f" = {_fmt(value)}, limit {_fmt(lim.value)}"
            )
            results.append(CheckResult(cs, lim, value <= lim.value, value, detail))
        elif len(courses) < 2:
            notes.append(f"{cs.name}: {lim.text}: not checked, there is only one course")
        elif lim.kind == "reirradiation":
            value = values[-1]
            detail = (
                f"re-irradiation course {courses[-1].label}: {what} at {AB} {ab_text} = "
                f"{_fmt(value)}, limit {_fmt(lim.value)}"
            )
            results.append(
                CheckResult(cs, lim, value <= lim.value, value, detail, courses[-1].label)
            )
        elif lim.kind == "ratio":
            total = math.fsum(eqd2s)
            value = eqd2s[-1] / total
            detail = (
                f"{courses[-1].label} EQD2 / cumulative EQD2 = {_fmt(eqd2s[-1])} / "
                f"{_fmt(total)} = {format_number(value, 3)}, limit {lim.value:g}"
            )
            results.append(
                CheckResult(cs, lim, value <= lim.value, value, detail, courses[-1].label)
            )
        else:  # interval
            pairs = range(1, len(courses)) if lim.between == "every" else [len(courses) - 1]
            gaps = [(k, interval(courses[k - 1].date, courses[k].date)) for k in pairs]
            k, gap = min(gaps, key=lambda g: g[1].months_min)
            value = float(gap.months_min)
            uncertain = not gap.exact and gap.months_max >= lim.value > gap.months_min
            detail = (
                f"{courses[k - 1].label} to {courses[k].label}: {interval_text(gap)}, "
                f"limit {lim.value:g} months"
            )
            if uncertain:
                detail += " (not confirmed: a date is known to the month only)"
            results.append(
                CheckResult(cs, lim, value >= lim.value, value, detail, courses[k].label)
            )
    if cs.metrics and metric not in cs.metrics:
        warnings.append(
            f"{cs.name}: its limits are for the {' or '.join(cs.metrics)} of the "
            f"{cs.structure}; this record's metric is {metric_text(metric)}"
        )
    if cs.max_fractions is not None and len(courses) > 1:
        n = courses[-1].fractions
        if n > cs.max_fractions:
            warnings.append(
                f"{cs.name}: its limits are for a re-irradiation course of 1 to "
                f"{cs.max_fractions} fractions; {courses[-1].label} has {n}"
            )
    return results, warnings, notes


AB = "α/β"


def interval_text(gap: Interval) -> str:
    """``975 d (32 months)``, or a range when a date is known to the month only."""
    if gap.exact:
        return f"{gap.days_min} d ({gap.months_min} whole months)"
    months = (
        f"{gap.months_min} whole months"
        if gap.months_min == gap.months_max
        else f"{gap.months_min} to {gap.months_max} whole months"
    )
    return f"{gap.days_min} to {gap.days_max} d ({months}; a date is known to the month only)"


def budget(
    courses: Sequence[CourseResult],
    alpha_beta: Dose,
    fractions: int,
    limit: Dose | None,
    sets: Sequence[ConstraintSet],
) -> Budget:
    """The largest dose per fraction for ``fractions`` more fractions such that every limit
    holds: ``limit`` (cumulative EQD2 with the stated recovery, at ``alpha_beta``) and each
    set's limits on a new course (plain sums at the set's alpha/beta, as its source). Each
    limit gives the BED the new course may have; n d (1 + d/(alpha/beta)) = BED is solved for
    d (:func:`regimen.radiobiology.dose_per_fraction_for_bed`); the smallest d is rounded down
    to 0.01 Gy, so no limit is exceeded."""
    ab = magnitude(alpha_beta, "Gy")
    found: list[BudgetConstraint] = []

    def add(
        name: str, ab_q: Dose, lim: float, qty: Literal["bed", "eqd2"], used: float, how: str
    ) -> None:
        a = magnitude(ab_q, "Gy")
        left = lim - used
        bed_left = left if qty == "bed" else left * (1 + 2 / a)
        d = 0.0
        if bed_left > 0:
            d = magnitude(
                rb.dose_per_fraction_for_bed(rb.Bed(quantity(bed_left, "Gy"), ab_q), fractions),
                "Gy",
            )
        found.append(BudgetConstraint(name, ab_q, lim, qty, used, bed_left, d, how))

    if limit is not None:
        used = math.fsum(magnitude(c.eqd2, "Gy") * c.kept for c in courses)
        add(
            "--limit",
            alpha_beta,
            magnitude(limit, "Gy"),
            "eqd2",
            used,
            "cumulative EQD2 with the stated recovery",
        )
    warnings: list[str] = []
    for cs in sets:
        beds = [rb.bed(c.course.phases, cs.alpha_beta).gy for c in courses]
        eqd2s = [_eqd2_gy(b, cs.alpha_beta_gy) for b in beds]
        for lim in cs.limits:
            if lim.quantity not in ("bed", "eqd2") and lim.kind != "ratio":
                continue
            name = f"{cs.name}: {lim.text}"
            if lim.kind in ("course", "reirradiation"):
                add(
                    name,
                    cs.alpha_beta,
                    lim.value,
                    "bed" if lim.quantity == "bed" else "eqd2",
                    0.0,
                    "the new course alone",
                )
            elif lim.kind == "cumulative":
                values = beds if lim.quantity == "bed" else eqd2s
                add(
                    name,
                    cs.alpha_beta,
                    lim.value,
                    "bed" if lim.quantity == "bed" else "eqd2",
                    math.fsum(values),
                    "earlier courses plus the new one, no recovery",
                )
            else:  # ratio: new / (prior + new) at most r, so new at most prior x r / (1 - r)
                prior = math.fsum(eqd2s)
                add(
                    name,
                    cs.alpha_beta,
                    prior * lim.value / (1 - lim.value),
                    "eqd2",
                    0.0,
                    f"at most {lim.value:g} of the cumulative EQD2: new EQD2 at most "
                    f"{_fmt(prior)} x {lim.value:g} / (1 - {lim.value:g})",
                )
        if cs.max_fractions is not None and fractions > cs.max_fractions:
            warnings.append(
                f"{cs.name}: its limits are for a re-irradiation course of 1 to "
                f"{cs.max_fractions} fractions, not {fractions}"
            )
    if not found:
        raise InputError(
            "needs --limit Q or --check NAME (the limit to keep within)", where="--budget-fractions"
        )
    binding = min(found, key=lambda c: c.dose_per_fraction)
    exact = binding.dose_per_fraction
    steps = math.floor(exact / BUDGET_STEP_GY + 1e-9)
    d = round(steps * BUDGET_STEP_GY, 2)
    # Never above a limit: step down should the float floor have met a limit from above.
    while d > 0 and any(
        fractions * d * (1 + d / magnitude(c.alpha_beta, "Gy")) > c.bed_left * (1 + 1e-12)
        for c in found
    ):
        d = round(d - BUDGET_STEP_GY, 2)
    d = max(d, 0.0)
    available = d > 0
    after = math.fsum(magnitude(c.eqd2, "Gy") * c.kept for c in courses)
    if available:
        after += _eqd2_gy(fractions * d * (1 + d / ab), ab)
        if d > rb.LQ_WARNING_THRESHOLD_GY:
            warnings.append(
                f"{_fmt(d)} per fraction is above {rb.LQ_WARNING_THRESHOLD_GY:g} Gy, where the "
                "plain LQ model may overestimate effect"
            )
    return Budget(fractions, tuple(found), binding, exact, d, available, after, tuple(warnings))


def reirradiation_report(
    record: Record,
    recoveries: Sequence[Recovery] = (),
    checks: Sequence[str] = (),
    budget_fractions: int | None = None,
    limit: Dose | None = None,
) -> ReirradiationReport:
    """Per-course and cumulative BED and EQD2 at the record's alpha/beta, the stated
    recoveries, the named checks and the budget."""
    if record.alpha_beta is None:
        raise InputError("is required: the alpha/beta of the endpoint", where="--alpha-beta")
    if not record.courses:
        raise InputError("give at least one course", where="--course")
    sets = []
    for name in checks:
        cs = constraint_set(name)
        if cs in sets:
            raise InputError(f"{name} is named twice", where="--check")
        sets.append(cs)
    if budget_fractions is not None and not 1 <= budget_fractions <= MAX_FRACTIONS:
        raise InputError(
            f"must be between 1 and {MAX_FRACTIONS}, got {budget_fractions}",
            where="--budget-fractions",
        )
    ab_q = record.alpha_beta
    ab = magnitude(ab_q, "Gy")
    matched = _match_recoveries(record.courses, recoveries, budget_fractions is not None)
    results: list[CourseResult] = []
    for i, course in enumerate(record.courses):
        terms, b = _course_bed(course, ab_q)
        gap = interval(record.courses[i - 1].date, course.date) if i else None
        results.append(CourseResult(course, terms, b, rb.eqd(b), matched.get(i), gap))
    bed = math.fsum(r.bed.gy for r in results)
    eqd2 = math.fsum(magnitude(r.eqd2, "Gy") for r in results)
    bed_rec = math.fsum(r.bed.gy * r.kept for r in results)
    eqd2_rec = math.fsum(r.counted_eqd2 for r in results)
    found: list[CheckResult] = []
    warnings: list[str] = []
    notes: list[str] = []
    for cs in sets:
        if not math.isclose(cs.alpha_beta_gy, ab):
            notes.append(
                f"{cs.name}: recomputed from each course's fractionation at {AB} "
                f"{format_quantity(cs.alpha_beta)} (the source's), not the record's "
                f"{format_quantity(ab_q)}"
            )
        got, warn, note = _check_set(cs, record.courses, record.metric)
        found += got
        warnings += warn
        notes += note
        if recoveries:
            notes.append(
                f"{cs.name}: checked on plain sums without the stated recovery, as the source's "
                "limits were derived"
            )
    if record.origin == "--patient":
        notes.append(
            "--patient: each line's dose per fraction is its total dose / fractions (equal "
            "fractions), the prescribed dose, not a dose to an organ"
        )
    for r in results:
        for p in rb.above_lq_threshold(r.course.phases):
            warnings.append(
                f"{r.course.label}: {format_quantity(p.dose_per_fraction)} per fraction is above "
                f"{rb.LQ_WARNING_THRESHOLD_GY:g} Gy, where the plain LQ model may overestimate "
                "effect"
            )
    plan = None
    if budget_fractions is not None:
        plan = budget(results, ab_q, budget_fractions, limit, sets)
        warnings += plan.warnings
        if sets:
            notes.append(
                "budget: the new course has no date, so no interval limit is checked for it"
            )
    limit_check = None if limit is None else eqd2_rec <= magnitude(limit, "Gy")
    return ReirradiationReport(
        record=record,
        alpha_beta=ab_q,
        courses=tuple(results),
        bed=bed,
        eqd2=eqd2,
        bed_with_recovery=bed_rec,
        eqd2_with_recovery=eqd2_rec,
        checks=tuple(found),
        budget=plan,
        limit=limit,
        limit_check=limit_check,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )

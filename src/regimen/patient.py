"""The patient file: measurements, labs, flags, prior exposures and the treatment history.

A patient file is TOML, read as strictly as a regimen file and by the same machinery
(:mod:`regimen.loading`: one :class:`~regimen.loading.Table` per table, every problem reported
at once as ``file: key.path: what``, control characters refused). It never identifies the
patient: a ``name``, ``mrn`` or similar key anywhere is refused (:data:`IDENTIFYING_KEYS`).

Every value carries its unit; anything the file does not give is ``None`` here and ``unknown``
in every output, never zero. Dates of the history may be partial (``2012``, ``2012-12``,
``2012-12-05``, :class:`PartialDate`) and are printed as written: no day is invented.

Labs: serum creatinine is a quantity of the one registry (mg/dL or umol/L). The other tests
(ANC, platelets, bilirubin, ALT) are stored as a decimal and a unit checked against the
per-test list :data:`LAB_UNITS` (``10^9/L``, ``mg/dL`` or ``umol/L``, ``U/L``); they are kept
out of the registry on purpose: ``umol/L`` is already serum creatinine there (one unit, one
kind), and bilirubin's factor differs (17.1, not 88.42). Dosing from them comes later.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from regimen.errors import InputError, LoadError, RegimenError
from regimen.loading import (
    SOURCE,
    Key,
    KeyPath,
    Table,
    _At,
    _count,
    _identifier,
    _key_path,
    _Named,
    _one_of,
    _quantity,
    _Reader,
    _Ref,
    _safe_text,
    _Tables,
    _text,
    _text_list,
    _toml_message,
    _unsafe_text,
    bundled_ids,
    read_text,
)
from regimen.sources import Source
from regimen.units import (
    AMOUNT,
    CREATININE,
    DOSE,
    DOSE_PER_AREA,
    LENGTH,
    MASS,
    Quantity,
    kind_of,
    parse_quantity,
)

#: Clinical flags a patient file may set (``flags = ["prior-cardiac-irradiation"]``).
FLAGS = (
    "prior-cardiac-irradiation",  # the heart in a radiotherapy field (anthracycline limit)
    "prior-anthracycline",  # anthracycline exposure outside the listed lines
    "prior-mediastinal-irradiation",
    "concomitant-cardiotoxic-therapy",  # e.g. cyclophosphamide, trastuzumab (anthracycline limit)
    "heart-failure",
    "renal-impairment",
    "hepatic-impairment",
    "pregnant",
    "breastfeeding",
)
#: Keys that would identify the patient: refused anywhere in the file.
IDENTIFYING_KEYS = frozenset(
    {
        "name",
        "patient",
        "patient_name",
        "first_name",
        "last_name",
        "surname",
        "given_name",
        "initials",
        "mrn",
        "medical_record_number",
        "hospital_number",
        "nhs_number",
        "ssn",
        "national_id",
        "address",
        "phone",
        "email",
    }
)
#: The units accepted for each lab test (creatinine through the registry).
LAB_UNITS: dict[str, tuple[str, ...]] = {
    "creatinine": CREATININE.units,
    "anc": ("10^9/L",),
    "platelets": ("10^9/L",),
    "bilirubin": ("mg/dL", "umol/L"),
    "alt": ("U/L",),
}
LAB_TESTS = tuple(LAB_UNITS)
LINE_TYPES = ("surgery", "radiotherapy", "systemic", "local", "other")
SEXES = ("female", "male")
#: Anthracyclines (and the anthracenedione mitoxantrone) the ledger sums, each on its own:
#: no conversion to doxorubicin equivalents is made here.
ANTHRACYCLINES = (
    "doxorubicin",
    "liposomal doxorubicin",
    "epirubicin",
    "daunorubicin",
    "idarubicin",
    "mitoxantrone",
)
#: Other names of doxorubicin a record may use (the Zhao case writes "ADM").
DRUG_ALIASES = {"adriamycin": "doxorubicin", "adm": "doxorubicin"}
MAX_AGE = 120
MAX_LINES = 200

_PARTIAL_RE = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")
#: A number and a unit; the number is taken whole (``2.1`` alone is no number and unit ``.1``).
_NUMBER_UNIT_RE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)(?![0-9.])\s*(\S+)\s*$", re.ASCII)


@attrs.frozen(order=True)
class PartialDate:
    """A date known to the year, the month or the day; printed as written (``2012-12``)."""

    year: int
    month: int | None = None
    day: int | None = None

    def __str__(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    @property
    def sort_key(self) -> tuple[int, int, int]:
        return self.year, self.month or 0, self.day or 0


def parse_partial_date(value: Any) -> PartialDate:
    """``"2012"``, ``"2012-12"``, ``"2012-12-05"`` or a TOML date; nothing else."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return PartialDate(value.year, value.month, value.day)
    if not isinstance(value, str) or not (m := _PARTIAL_RE.match(value.strip())):
        raise InputError(
            f"must be a date written YYYY, YYYY-MM or YYYY-MM-DD (as far as it is known), "
            f"got {value!r}"
        )
    year, month, day = (int(g) if g else None for g in m.groups())
    assert year is not None  # noqa: S101 - the pattern requires a year
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise InputError(f"{value.strip()!r} is not a real date") from None
    if year < 1900:
        raise InputError(f"{value.strip()!r} is before 1900")
    return PartialDate(year, month, day)


def _partial(value: Any, at: _At) -> PartialDate:
    return parse_partial_date(value)


def _full_date(value: Any, at: _At) -> dt.date:
    date = parse_partial_date(value)
    if date.day is None or date.month is None:
        raise InputError(f"must be a date to the day (YYYY-MM-DD), got {str(date)!r}")
    return dt.date(date.year, date.month, date.day)


# ---------------------------------------------------------------------------------------------
# models


@attrs.frozen
class Weight:
    date: dt.date
    weight: Quantity


@attrs.frozen
class Lab:
    """One lab value: ``value`` in ``unit`` (a unit of :data:`LAB_UNITS` for ``test``)."""

    date: dt.date
    test: str
    value: Decimal
    unit: str


@attrs.frozen
class Exposure:
    """A prior exposure outside the listed lines: ``amount`` None is unknown."""

    drug: str
    amount: Quantity | None
    note: str = ""
    source: Source | None = None


@attrs.frozen
class Dose:
    """A drug of a systemic line: its dose and schedule as the record gives them, and the
    cumulative amount given in the line (``cumulative`` None is unknown)."""

    drug: str
    dose: Quantity | None = None
    schedule: str = ""
    cumulative: Quantity | None = None


@attrs.frozen
class TreatmentLine:
    """One line of the history; None is unknown (never zero)."""

    kind: str
    treatment: str
    start: PartialDate | None = None
    end: PartialDate | None = None
    regimen: str | None = None
    drugs: tuple[str, ...] = ()
    cycles: int | None = None
    doses: tuple[Dose, ...] = ()
    site: str | None = None
    total_dose: Quantity | None = None
    fractions: int | None = None
    stopped: str | None = None
    note: str = ""
    source: Source | None = None


@attrs.frozen
class Patient:
    """A patient file. No name, no record number: nothing here identifies the patient."""

    sex: str | None = None
    age: int | None = None
    age_on: PartialDate | None = None
    birth_date: PartialDate | None = None
    height: Quantity | None = None
    weights: tuple[Weight, ...] = ()
    labs: tuple[Lab, ...] = ()
    flags: tuple[str, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    lines: tuple[TreatmentLine, ...] = ()
    sources: dict[str, Source] = attrs.field(factory=dict)
    note: str = ""


# ---------------------------------------------------------------------------------------------
# checks and declarations


def _drug(value: Any, at: _At) -> str:
    text = _text(value, at).lower()
    return DRUG_ALIASES.get(text, text)


def _drug_list(value: Any, at: _At) -> tuple[str, ...]:
    drugs = tuple(DRUG_ALIASES.get(d.lower(), d.lower()) for d in _text_list(value, at))
    if len(set(drugs)) != len(drugs):
        raise InputError("lists a drug twice")
    return drugs


def _amount_or_per_area(value: Any, at: _At) -> Quantity:
    """``"300 mg"`` or ``"225 mg/m2"``."""
    kind = DOSE_PER_AREA if isinstance(value, str) and value.rstrip().endswith("/m2") else AMOUNT
    return parse_quantity(value, kind)


def _amount_or_unknown(value: Any, at: _At) -> Quantity | None:
    if value == "unknown":
        return None
    if isinstance(value, str) and not _NUMBER_UNIT_RE.match(value):
        raise InputError(
            f'must be an amount like "225 mg/m2" or "300 mg", or "unknown"; got {value!r}'
        )
    return _amount_or_per_area(value, at)


def amount_or_unknown(value: str) -> Quantity | None:
    """A prior exposure as written on a command line: ``"225mg/m2"``, ``"300 mg"`` or
    ``"unknown"`` (None), checked as an exposure's ``amount`` in a patient file."""
    return _amount_or_unknown(value, None)  # type: ignore[arg-type]


def _flags(value: Any, at: _At) -> tuple[str, ...]:
    flags = _text_list(value, at)
    for flag in flags:
        if flag not in FLAGS:
            raise InputError(f"unknown flag {flag!r}; allowed: {', '.join(FLAGS)}")
    if len(set(flags)) != len(flags):
        raise InputError("lists a flag twice")
    return flags


def _age(value: Any, at: _At) -> int:
    return int(_count(0, MAX_AGE)(value, at))


def _regimen_id(value: Any, at: _At) -> str:
    rid = _identifier(value, at)
    if rid not in bundled_ids():
        raise InputError(
            f"{rid!r} is not a bundled regimen ({', '.join(bundled_ids())}); "
            "describe the line in 'treatment' instead"
        )
    return rid


def parse_lab(date: dt.date, test: str, value: str) -> Lab:
    """One lab value as a patient file or a lab log writes it (``"1.2 10^9/L"``), checked
    against :data:`LAB_UNITS`; a problem is a :class:`~regimen.drugs.FieldError` of ``value``."""
    m = _NUMBER_UNIT_RE.match(value)
    units = LAB_UNITS[test]
    if m is None:
        raise _field("value", f'must be a number and a unit like "1.2 {units[0]}", got {value!r}')
    number, unit = Decimal(m.group(1)), m.group(2)
    if test == "creatinine":
        try:
            parse_quantity(value, CREATININE)
        except RegimenError as exc:
            raise _field("value", exc.what) from None
    elif unit not in units:
        raise _field("value", f"unit {unit!r} is not one for {test}; write {' or '.join(units)}")
    if number <= 0 and test != "anc":
        raise _field("value", f"must be greater than zero, got {value!r}")
    return Lab(date, test, number, unit)


def _field(name: str, what: str) -> Exception:
    from regimen.drugs import FieldError

    return FieldError(what, name)


def _line_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    start, end = values.get("start"), values.get("end")
    if start is not None and end is not None and end.sort_key < start.sort_key:
        yield ("end",), f"{end} is before the start ({start})"


_SOURCES = _Ref("sources", "source")


def _source_ref(value: Any, at: _At) -> Source:
    """The key of a ``[sources.KEY]`` table of the file (which must have one)."""
    if "sources" not in at.reader.named:
        raise InputError("refers to a source, but the file has no [sources.KEY] table")
    source: Source = _SOURCES(value, at)
    return source


DOSE_TABLE = Table(
    (
        Key("drug", _drug, required=True),
        Key("dose", _amount_or_per_area),
        Key("schedule", _safe_text, default=""),
        Key("cumulative", _amount_or_per_area),
    ),
    model=Dose,
)

_COMMON_LINE_KEYS = (
    Key("type", _one_of(LINE_TYPES), required=True, to="kind"),
    Key("treatment", _safe_text, required=True),
    Key("start", _partial),
    Key("end", _partial),
    Key("stopped", _safe_text),
    Key("note", _text, default="", multiline=True),
    Key("source", _source_ref),
)

SYSTEMIC = Table(
    (
        Key("regimen", _regimen_id),
        Key("drugs", _drug_list, default=()),
        Key("cycles", _count(1, 1000)),
        Key(
            "doses", _Tables(DOSE_TABLE, "must be an array of tables ([[lines.doses]])"), default=()
        ),
    ),
    model=TreatmentLine,
)
RADIOTHERAPY = Table(
    (
        Key("site", _text, required=True),
        Key("total_dose", _quantity(DOSE)),
        Key("fractions", _count(1, 1000)),
    ),
    model=TreatmentLine,
)
PROCEDURE = Table((), model=TreatmentLine)

LINE = Table(
    _COMMON_LINE_KEYS,
    tag="type",
    variants={
        "surgery": PROCEDURE,
        "radiotherapy": RADIOTHERAPY,
        "systemic": SYSTEMIC,
        "local": PROCEDURE,
        "other": PROCEDURE,
    },
    check=_line_check,
)
WEIGHT = Table(
    (Key("date", _full_date, required=True), Key("weight", _quantity(MASS), required=True)),
    model=Weight,
)
LAB = Table(
    (
        Key("date", _full_date, required=True),
        Key("test", _one_of(LAB_TESTS), required=True),
        Key("value", _text, required=True),
    ),
    model=parse_lab,
)
EXPOSURE = Table(
    (
        Key("drug", _drug, required=True),
        Key(
            "amount",
            _amount_or_unknown,
            required='is required ("225 mg/m2", "300 mg" or "unknown")',
        ),
        Key("note", _text, default="", multiline=True),
        Key("source", _source_ref),
    ),
    model=Exposure,
)


def _patient_check(values: dict[str, Any]) -> Iterator[tuple[KeyPath, str]]:
    if values.get("age") is not None and values.get("birth_date") is not None:
        yield ("age",), "give either 'age' or 'birth_date', not both"
    if values.get("age_on") is not None and values.get("age") is None:
        yield ("age_on",), "only applies with 'age'"


def _patient(
    lines: list[tuple[dict[str, Any], Any]], sources: dict[str, Any] | None, **fields: Any
) -> Patient:
    from regimen.loading import _AlreadyReported

    if any(line is None for _, line in lines):
        raise _AlreadyReported("a line")
    # In the order written: a line with an unknown start cannot be placed by date.
    return Patient(lines=tuple(line for _, line in lines), sources=dict(sources or {}), **fields)


PATIENT = Table(
    (
        Key("sex", _one_of(SEXES)),
        Key("age", _age),
        Key("age_on", _partial),
        Key("birth_date", _partial),
        Key("height", _quantity(LENGTH)),
        Key("flags", _flags, default=()),
        Key("note", _text, default="", multiline=True),
        Key("sources", _Named(SOURCE, "must be a table of [sources.KEY] tables")),
        Key("weights", _Tables(WEIGHT, "must be an array of tables ([[weights]])"), default=()),
        Key("labs", _Tables(LAB, "must be an array of tables ([[labs]])"), default=()),
        Key(
            "exposures",
            _Tables(EXPOSURE, "must be an array of tables ([[exposures]])"),
            default=(),
        ),
        Key(
            "lines",
            _Tables(LINE, "must be an array of tables ([[lines]])", whole=False),
            default=[],
        ),
    ),
    model=_patient,
    check=_patient_check,
)


# ---------------------------------------------------------------------------------------------
# loading


def load_patient(path: str | Path) -> Patient:
    """Load a patient file strictly (every problem at once, ``file: key.path: what``)."""
    where = str(path)
    return parse_patient(read_text(Path(path), "patient file"), where)


def parse_patient(text: str, where: str) -> Patient:
    """Parse patient-file TOML text; ``where`` names the file in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LoadError(where, [("", _toml_message(exc, text))]) from None
    unsafe = list(_unsafe_text(data, ()))
    identifying = list(_identifying(data, ()))
    reader = _Reader()
    patient = reader.table(_without_identifying(data), (), PATIENT)[1]
    problems = identifying + unsafe + reader.problems
    if problems or not isinstance(patient, Patient):
        raise LoadError(where, [(_key_path(p) or "(top level)", m) for p, m in problems])
    if len(patient.lines) > MAX_LINES:
        raise LoadError(where, [("lines", f"has more than {MAX_LINES} lines")])
    return patient


def _identifying(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in IDENTIFYING_KEYS:
                yield (
                    (*path, key),
                    "identifies the patient; a patient file must not name or identify anyone "
                    "(remove it)",
                )
            else:
                yield from _identifying(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _identifying(item, (*path, i))


def _without_identifying(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_identifying(v)
            for k, v in value.items()
            if not (isinstance(k, str) and k.lower() in IDENTIFYING_KEYS)
        }
    if isinstance(value, list):
        return [_without_identifying(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------
# cumulative ledgers: what the record adds up to, and why a total is unknown


@attrs.frozen
class LedgerEntry:
    """One drug's (or one site's) cumulative total. ``total`` is None when any part is
    unknown; ``recorded`` is the sum of the parts that are known (None if none is); ``why``
    says, part by part, what the record does not give."""

    name: str
    total: Quantity | None
    recorded: Quantity | None
    why: tuple[str, ...]
    when: tuple[str, ...] = ()
    fractions: int | None = None


def _describe(line: TreatmentLine) -> str:
    return f"{line.treatment} ({line.start or 'date unknown'})"


def anthracycline_ledger(patient: Patient) -> tuple[LedgerEntry, ...]:
    """Cumulative anthracycline exposure in mg/m2, drug by drug (no equivalence conversion)."""
    parts: dict[str, list[tuple[Quantity | None, str, str]]] = {}
    for line in patient.lines:
        given = {d.drug: d for d in line.doses}
        for drug in dict.fromkeys((*line.drugs, *given)):
            if drug not in ANTHRACYCLINES:
                continue
            cumulative = given[drug].cumulative if drug in given else None
            cycles = f"{line.cycles} cycles" if line.cycles else "cycles unknown"
            why = f"{_describe(line)}: {cycles}, cumulative dose not given in the record"
            parts.setdefault(drug, []).append((cumulative, why, str(line.start or "unknown")))
    for exp in patient.exposures:
        if exp.drug in ANTHRACYCLINES:
            why = f"prior exposure to {exp.drug}: amount unknown"
            parts.setdefault(exp.drug, []).append((exp.amount, why, "prior"))
    if "prior-anthracycline" in patient.flags and not any(
        e.drug in ANTHRACYCLINES for e in patient.exposures
    ):
        why = "flag prior-anthracycline: drug and amount not recorded"
        parts.setdefault("anthracycline (drug not recorded)", []).append((None, why, "prior"))
    return tuple(_entry(name, items, "mg/m2") for name, items in parts.items())


def radiotherapy_ledger(patient: Patient) -> tuple[LedgerEntry, ...]:
    """Cumulative radiotherapy dose and fractions per site, as the record gives them."""
    parts: dict[str, list[tuple[Quantity | None, str, str]]] = {}
    fractions: dict[str, int | None] = {}
    for line in patient.lines:
        if line.kind != "radiotherapy" or line.site is None:
            continue
        site = line.site
        why = f"{_describe(line)}: total dose not given in the record"
        parts.setdefault(site, []).append((line.total_dose, why, str(line.start or "unknown")))
        known = fractions.get(site, 0)
        fractions[site] = (
            None if known is None or line.fractions is None else known + line.fractions
        )
    entries = []
    for site, items in parts.items():
        entry = _entry(site, items, "Gy")
        missing = [
            f"{_describe(rt)}: fractions not given in the record"
            for rt in patient.lines
            if rt.kind == "radiotherapy" and rt.site == site and rt.fractions is None
        ]
        entries.append(attrs.evolve(entry, fractions=fractions[site], why=(*entry.why, *missing)))
    return tuple(entries)


def _entry(name: str, items: list[tuple[Quantity | None, str, str]], unit: str) -> LedgerEntry:
    from regimen.units import magnitude, quantity

    known = [q for q, _, _ in items if q is not None]
    why: list[str] = []
    for q, reason, _ in items:
        if q is None:
            why.append(reason)
        elif unit == "mg/m2" and kind_of(q) is not DOSE_PER_AREA:
            why.append(
                reason.replace(
                    "cumulative dose not given in the record",
                    "given in mg, not mg/m2 (the BSA at the time is needed)",
                ).replace("amount unknown", "given in mg, not mg/m2")
            )
    summable = [q for q in known if unit != "mg/m2" or kind_of(q) is DOSE_PER_AREA]
    recorded = quantity(sum(magnitude(q, unit) for q in summable), unit) if summable else None
    return LedgerEntry(
        name=name,
        total=None if why else recorded,
        recorded=recorded,
        why=tuple(why),
        when=tuple(w for _, _, w in items),
    )

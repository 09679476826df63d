"""FHIR R4: a dated plan as a ``collection`` Bundle, a regimen as a PlanDefinition.

Standard library only (json, hashlib, uuid): building FHIR needs no extra package, and nothing
here is imported unless ``--format fhir`` is asked for. What goes where (docs/design.md, "FHIR"):

* **PlanDefinition** (the regimen, as written in its file): one action per course, with the
  ``timing-daysOfCycle`` extension on a drug course's action, its dose levels in the action's
  ``documentation``, one nested action per cycle (one for "each cycle" when open-ended) or per
  radiotherapy phase, and the sources as ``relatedArtifact`` citations.
* **CarePlan** (the dated plan): ``intent`` plan, ``instantiatesCanonical`` the PlanDefinition,
  ``period`` the plan's first to last date, one activity per request below.
* **ServiceRequest**, one per radiotherapy phase: its fraction dates in
  ``occurrenceTiming.event``, the number of fractions in the CodeX Radiation Therapy extension
  ``codexrt-radiotherapy-fractions-prescribed`` and the dose per fraction in a note.
* **MedicationRequest**, one per drug, cycle and run of dosing days given at one dose (a held
  day or a changed dose starts a new run): UCUM ``doseQuantity`` and ``timing.repeat``.
* **AdverseEvent**, one per AE-log row: the term with the MedDRA code NCI publishes with its
  CTCAE term, and the CTCAE grade in the ``ae-grade`` extension of HL7's Adverse Event Clinical
  Research R4 backport (NCIt grade codes); R4's own ``severity`` (mild, moderate, severe) is
  not a CTCAE grade and is left out.

Everything is a ``draft`` with intent ``plan``: regimen proposes a plan for a clinician to
review; it orders nothing. No profile is claimed (``meta.profile`` is never written). Ids are
UUID 5 of what they stand for (the regimen's content, the plan's regimen, start date and
plan id, the course, cycle and first day...), so the same inputs give the same bytes; there is
no timestamp unless one is given, and no patient identifier unless ``subject`` is given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from regimen.drugs import CODE_SYSTEM_NAMES, CODE_SYSTEMS, DrugCourse, days_text, format_level
from regimen.errors import InputError
from regimen.radiotherapy import RadiotherapyCourse, TreatmentDays
from regimen.units import Quantity, format_quantity, to_json, unit_symbol

if TYPE_CHECKING:
    from regimen.modification import AdverseEvent
    from regimen.regimen import Regimen
    from regimen.schedule import Event, Plan

#: The namespace of every id regimen writes into FHIR (a fixed UUID 4, chosen once).
NAMESPACE = uuid.UUID("4f0b5a8e-3c7d-4e0a-9d61-2b8f1c6a7e53")

UCUM = "http://unitsofmeasure.org"
MEDDRA = "http://terminology.hl7.org/CodeSystem/mdr"
NCIT = "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl"
DAYS_OF_CYCLE = "http://hl7.org/fhir/StructureDefinition/timing-daysOfCycle"
#: CodeX Radiation Therapy (STU 2): a positiveInt on a ServiceRequest, "the number of
#: prescribed fractions in this scope", for example a phase prescription. The IG's dose
#: extension (codexrt-radiotherapy-dose-prescribed-to-volume) needs a BodyStructure for the
#: volume, which regimen does not have, so the dose per fraction goes into a note instead.
FRACTIONS_PRESCRIBED = (
    "http://hl7.org/fhir/us/codex-radiation-therapy/StructureDefinition/"
    "codexrt-radiotherapy-fractions-prescribed"
)
#: Adverse Event Clinical Research R4 Backport (HL7, STU 1): the grade of an adverse event,
#: preferably from the value set adverse-event-clinical-research-grades (NCIt codes below).
AE_GRADE = "http://hl7.org/fhir/uv/ae-research-backport-ig/StructureDefinition/ae-grade"
#: HL7 Terminology value set adverse-event-clinical-research-grades (version 1.0.0).
GRADE_CODES = {
    1: ("C41338", "Grade 1 Mild Adverse Event"),
    2: ("C41339", "Grade 2 Moderate Adverse Event"),
    3: ("C41340", "Grade 3 Severe Adverse Event"),
    4: ("C41337", "Grade 4 Life Threatening or Disabling Adverse Event"),
    5: ("C48275", "Grade 5 Death Related to Adverse Event"),
}
AE_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
PLAN_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"

#: regimen's unit -> (UCUM code, unit as shown). ``mcg`` is shown as mcg (ISMP), coded ug.
UCUM_CODES = {
    "mg": ("mg", "mg"),
    "mcg": ("ug", "mcg"),
    "g": ("g", "g"),
    "Gy": ("Gy", "Gy"),
    "cGy": ("cGy", "cGy"),
    "mg/m2": ("mg/m2", "mg/m2"),
    "mg/kg": ("mg/kg", "mg/kg"),
}

#: What a ``--subject`` may be: a relative reference to a Patient or a Group, or an absolute
#: http(s) URL ending in one (RFC 3986 characters only; ids as FHIR allows them).
_RELATIVE_RE = re.compile(r"(Patient|Group)/[A-Za-z0-9\-.]{1,64}", re.ASCII)
_ABSOLUTE_RE = re.compile(
    r"https?://[A-Za-z0-9\-._~%!$&'()*+,;=:@\[\]]+(/[A-Za-z0-9\-._~%!$&'()*+,;=:@]+)*"
    r"/(Patient|Group)/[A-Za-z0-9\-.]{1,64}",
    re.ASCII,
)


def check_subject(value: str) -> str:
    """``value`` when it is a reference regimen may write as the plan's subject.

    >>> check_subject("Patient/123")
    'Patient/123'
    >>> check_subject("Patient/1 2")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    regimen.errors.InputError: subject: must be a FHIR reference like Patient/123 or an ...
    """
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InputError("holds a control character", where="subject")
    if not (_RELATIVE_RE.fullmatch(value) or _ABSOLUTE_RE.fullmatch(value)):
        shown = value if len(value) <= 60 else value[:60] + "..."
        raise InputError(
            "must be a FHIR reference like Patient/123 or an absolute URL ending in "
            f"Patient/ID or Group/ID, got {shown!r}",
            where="subject",
        )
    return value


def _uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


def _urn(rid: str) -> str:
    return f"urn:uuid:{rid}"


def _number(q: Quantity) -> int | float:
    value: int | float = to_json(q)["value"]  # type: ignore[assignment]
    return value


def ucum_quantity(q: Quantity) -> dict[str, Any]:
    """``q`` as a FHIR Quantity in UCUM: ``{"value", "unit", "system", "code"}``."""
    symbol = unit_symbol(q)
    if symbol not in UCUM_CODES:
        raise InputError(f"no UCUM code for the unit {symbol!r}", where="format fhir")
    code, shown = UCUM_CODES[symbol]
    return {"value": _number(q), "unit": shown, "system": UCUM, "code": code}


def medication_concept(course: DrugCourse) -> dict[str, Any]:
    """The drug as a CodeableConcept: a coding for every code its regimen file gives (in
    systems with a FHIR URL), and its name as text."""
    coding = [
        {"system": CODE_SYSTEMS[system][2], "code": code}
        for system, code in course.codes.codes()
        if CODE_SYSTEMS[system][2]
    ]
    out: dict[str, Any] = {"coding": coding} if coding else {}
    out["text"] = course.drug
    return out


def no_code_words(course: DrugCourse) -> list[str]:
    """``["anlotinib: no RxNorm code"]``: what the regimen file says the drug has no code in."""
    return [f"{course.drug}: no {CODE_SYSTEM_NAMES[s]} code" for s in course.codes.none_in()]


# ---------------------------------------------------------------------------------------------
# the PlanDefinition


def _sources(regimen: Regimen) -> list[dict[str, Any]]:
    out = []
    for key, source in regimen.sources.items():
        item: dict[str, Any] = {"type": "citation", "label": key}
        if source.title:
            item["display"] = source.title
        item["citation"] = source.citation
        if source.url:
            item["url"] = source.url
        elif source.doi:
            item["url"] = f"https://doi.org/{source.doi}"
        out.append(item)
    return out


def _days_extension(days: Sequence[int]) -> dict[str, Any]:
    return {
        "url": DAYS_OF_CYCLE,
        "extension": [{"url": "day", "valueInteger": d} for d in days],
    }


def _infusion(course: DrugCourse) -> str | None:
    """``as one intravenous infusion on days 1 and 8 of each 21-day cycle`` for a course given
    as one infusion a dosing day (None otherwise): "once daily" misreads such a course."""
    from regimen.export.words import Words

    return Words("en").infusion(course)


def _drug_action(course: DrugCourse) -> dict[str, Any]:
    levels = [format_level(q) for q in course.dose_levels]
    start = format_level(course.start_level or course.dose_levels[0])
    cycles = (
        f"{course.cycles} cycles"
        if course.cycles is not None
        else "open-ended (until progression or unacceptable toxicity)"
    )
    infusion = _infusion(course)
    text = (
        f"{course.drug} {start} {infusion}, {cycles}"
        if infusion is not None
        else f"{course.drug} {start} {course.route} {course.frequency}, "
        f"{days_text(course.dosing_days)} of {course.cycle_length}-day cycles, {cycles}"
    )
    documentation = [
        {
            "type": "documentation",
            "display": f"dose level {i}{' (start)' if lv == start else ''}: {lv}",
        }
        for i, lv in enumerate(levels, start=1)
    ]
    documentation += [{"type": "documentation", "display": w} for w in no_code_words(course)]
    if course.cycles is not None:
        nested = [
            {"title": f"Cycle {n}", "textEquivalent": f"cycle {n} of {course.cycles}: {text}"}
            for n in range(1, course.cycles + 1)
        ]
    else:
        nested = [{"title": "Each cycle", "textEquivalent": text}]
    repeat: dict[str, Any] = {"frequency": 1, "period": course.cycle_length, "periodUnit": "d"}
    if course.cycles is not None:
        repeat = {"count": course.cycles, **repeat}
    action: dict[str, Any] = {
        "id": f"course-{course.id}",
        "extension": [_days_extension(course.dosing_days)],
        "title": course.name or course.drug,
        "textEquivalent": text,
        "code": [medication_concept(course)],
        "documentation": documentation,
        "timingTiming": {"repeat": repeat},
        "action": nested,
    }
    return action


def _rt_action(course: RadiotherapyCourse) -> dict[str, Any]:
    phases = []
    for i, phase in enumerate(course.phases, start=1):
        days = "every day" if phase.treatment_days is TreatmentDays.EVERY_DAY else "weekdays"
        name = phase.technique or f"Phase {i}"
        phases.append(
            {
                "id": f"course-{course.id}-phase-{i}",
                "title": name,
                "textEquivalent": (
                    f"{name}: {phase.fractions} fractions of "
                    f"{format_quantity(phase.dose_per_fraction)} "
                    f"({format_quantity(phase.total_dose)}), {days}"
                ),
            }
        )
    total = " + ".join(str(p) for p in course.phases)
    return {
        "id": f"course-{course.id}",
        "title": course.name or "Radiotherapy",
        "textEquivalent": f"radiotherapy {total}, {course.fractions} fractions",
        "action": phases,
    }


def plan_definition(regimen: Regimen) -> dict[str, Any]:
    """The PlanDefinition of ``regimen`` (its id is a UUID 5 of its own content)."""
    body: dict[str, Any] = {
        "status": "draft",
        "type": {
            "coding": [
                {"system": PLAN_TYPE, "code": "clinical-protocol", "display": "Clinical Protocol"}
            ]
        },
        "title": regimen.name,
    }
    if regimen.description:
        body["description"] = regimen.description
    body["relatedArtifact"] = _sources(regimen)
    body["action"] = [
        _drug_action(c) if isinstance(c, DrugCourse) else _rt_action(c) for c in regimen.courses
    ]
    digest = hashlib.sha256(
        json.dumps([regimen.id, body], sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    rid = _uid("PlanDefinition", digest)
    return {
        "resourceType": "PlanDefinition",
        "id": rid,
        "url": _urn(rid),
        "name": _computable_name(regimen.id),
        **body,
    }


def _computable_name(regimen_id: str) -> str:
    """``lms-rt-anlotinib`` -> ``LmsRtAnlotinib`` (a name a machine can use, FHIR's cnl-0)."""
    words = re.split(r"[^A-Za-z0-9]+", regimen_id)
    name = "".join(w[:1].upper() + w[1:] for w in words if w)
    return name if name[:1].isalpha() else f"Regimen{name}"


def render_definition(regimen: Regimen) -> str:
    """``regimen show --format fhir``: the PlanDefinition alone, as JSON text."""
    return _dumps(plan_definition(regimen))


# ---------------------------------------------------------------------------------------------
# the dated plan


def _subject(subject: str | None) -> dict[str, Any]:
    if subject is None:
        return {"display": "patient not identified (no --subject given)"}
    return {"reference": subject}


def _runs(events: Sequence[Event], daily: bool = False) -> list[list[Event]]:
    """A cycle's events split into runs: consecutive dose events at one dose, evenly spaced
    (a held day, a changed dose or a change of spacing starts a new run; with ``daily``, any
    day that does not follow the run's last day does)."""
    runs: list[list[Event]] = []
    current: list[Event] = []
    for e in events:
        if e.kind != "dose" or e.dose is None:
            if current:
                runs.append(current)
            current = []
            continue
        if current:
            last = current[-1]
            step = (e.date - last.date).days
            same_step = len(current) < 2 or step == (last.date - current[-2].date).days
            if last.dose != e.dose or not same_step or (daily and step != 1):
                runs.append(current)
                current = []
        current.append(e)
    if current:
        runs.append(current)
    return runs


def _medication_request(
    course: DrugCourse, cycle: int, run: list[Event], key: Sequence[str], links: dict[str, Any]
) -> dict[str, Any]:
    first, last = run[0], run[-1]
    dose = first.dose
    assert dose is not None  # noqa: S101 - runs hold dose events only
    per_day = course.schedule.doses_per_day
    # Days apart (1: every day); runs of a course taken several times a day are consecutive.
    step = (run[1].date - first.date).days if len(run) > 1 else 1
    repeat: dict[str, Any] = {
        "boundsPeriod": {"start": first.date.isoformat(), "end": last.date.isoformat()},
        "count": len(run) * per_day,
        "frequency": per_day,
        "period": step,
        "periodUnit": "d",
    }
    days = tuple(e.day for e in run if e.day is not None)
    how = _infusion(course) or f"{course.route} {course.frequency}"
    text = (
        f"{format_quantity(dose)} {how}, "
        f"{first.date.isoformat()} to {last.date.isoformat()} "
        f"(cycle {cycle}, {days_text(days)})"
    )
    if first.lab_percent is not None:
        text += f"; {first.lab_percent}% of the dose level: {first.lab_reason}"
    rid = _uid("MedicationRequest", *key, course.id, str(cycle), first.date.isoformat())
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": "draft",
        "intent": "plan",
        "medicationCodeableConcept": medication_concept(course),
        "subject": links["subject"],
        "basedOn": [{"reference": links["careplan"]}],
        "groupIdentifier": {"value": f"{course.id} cycle {cycle}"},
        "dosageInstruction": [
            {
                "sequence": 1,
                "text": text,
                "timing": {"repeat": repeat},
                "route": {"text": course.route},
                "doseAndRate": [{"doseQuantity": ucum_quantity(dose)}],
            }
        ],
    }
    notes = no_code_words(course)
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def _service_requests(
    plan: Plan, course: RadiotherapyCourse, key: Sequence[str], links: dict[str, Any]
) -> list[dict[str, Any]]:
    out = []
    for i, phase in enumerate(course.phases, start=1):
        dates = [
            e.date.isoformat()
            for e in plan.course_events(course.id)
            if e.kind == "fraction" and e.phase == i and e.status != "missed"
        ]
        name = phase.technique or f"Phase {i}"
        per = format_quantity(phase.dose_per_fraction)
        out.append(
            {
                "resourceType": "ServiceRequest",
                "id": _uid("ServiceRequest", *key, course.id, str(i)),
                "extension": [{"url": FRACTIONS_PRESCRIBED, "valuePositiveInt": phase.fractions}],
                "status": "draft",
                "intent": "plan",
                "code": {"text": f"Radiotherapy, {name}"},
                "subject": links["subject"],
                "basedOn": [{"reference": links["careplan"]}],
                "occurrenceTiming": {"event": dates},
                "note": [
                    {
                        "text": (
                            f"{name}: {phase.fractions} fractions of {per} "
                            f"({format_quantity(phase.total_dose)}); {len(dates)} fraction "
                            "dates in this plan"
                        )
                    }
                ],
            }
        )
    return out


def _adverse_event(
    ae: AdverseEvent, index: int, key: Sequence[str], links: dict[str, Any]
) -> dict[str, Any]:
    grade: dict[str, Any] = {"text": f"CTCAE v5.0 grade {ae.grade}"}
    if ae.grade in GRADE_CODES:
        code, display = GRADE_CODES[ae.grade]
        grade = {"coding": [{"system": NCIT, "code": code, "display": display}], **grade}
    event: dict[str, Any] = {}
    if ae.meddra_code and ae.ctcae_term:
        event["coding"] = [{"system": MEDDRA, "code": ae.meddra_code, "display": ae.ctcae_term}]
    event["text"] = ae.term
    resource: dict[str, Any] = {
        "resourceType": "AdverseEvent",
        "id": _uid("AdverseEvent", *key, str(index), ae.date.isoformat(), ae.term, str(ae.grade)),
        "extension": [{"url": AE_GRADE, "valueCodeableConcept": grade}],
        "actuality": "actual",
        "event": event,
        "subject": links["subject"],
        "date": ae.date.isoformat(),
    }
    outcome = {0: ("resolved", "Resolved"), 5: ("fatal", "Fatal")}.get(ae.grade)
    if outcome is not None:
        resource["outcome"] = {
            "coding": [{"system": AE_OUTCOME, "code": outcome[0], "display": outcome[1]}]
        }
    return resource


def bundle(
    plan: Plan,
    definition: Regimen | None = None,
    adverse_events: Iterable[AdverseEvent] = (),
    subject: str | None = None,
    generated_at: dt.datetime | None = None,
    plan_id: str = "",
) -> dict[str, Any]:
    """The Bundle of ``plan`` (see the module docstring). ``definition``: the regimen as its
    file gives it (the plan's own has its doses per m2 already worked out in mg)."""
    if subject is not None:
        check_subject(subject)
    pd = plan_definition(definition or plan.regimen)
    key = ("plan", plan.regimen.id, plan.start.isoformat(), plan_id)
    careplan_id = _uid("CarePlan", *key)
    links = {"subject": _subject(subject), "careplan": _urn(careplan_id)}
    requests: list[dict[str, Any]] = []
    for course in plan.regimen.courses:
        if isinstance(course, RadiotherapyCourse):
            requests += _service_requests(plan, course, key, links)
            continue
        events = plan.course_events(course.id)
        for cycle in sorted({e.cycle for e in events if e.cycle is not None}):
            in_cycle = [e for e in events if e.cycle == cycle]
            for run in _runs(in_cycle, daily=course.schedule.doses_per_day > 1):
                requests.append(_medication_request(course, cycle, run, key, links))
    rows = sorted(adverse_events, key=lambda a: (a.date, a.line))
    aes = [_adverse_event(a, i, key, links) for i, a in enumerate(rows, start=1)]
    careplan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": careplan_id,
        "instantiatesCanonical": [pd["url"]],
        "status": "draft",
        "intent": "plan",
        "title": plan.regimen.name,
        "subject": links["subject"],
    }
    first, last = plan.first_date, plan.last_date
    if first is not None and last is not None:
        careplan["period"] = {"start": first.isoformat(), "end": last.isoformat()}
    careplan["activity"] = [{"reference": {"reference": _urn(r["id"])}} for r in requests]
    resources = [pd, careplan, *requests, *aes]
    out: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": _uid("Bundle", *key),
        "type": "collection",
    }
    if generated_at is not None:
        stamp = generated_at.astimezone(dt.UTC).replace(microsecond=0)
        out["timestamp"] = stamp.isoformat().replace("+00:00", "Z")
    out["entry"] = [{"fullUrl": _urn(r["id"]), "resource": r} for r in resources]
    return out


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render(
    plan: Plan,
    definition: Regimen | None = None,
    adverse_events: Iterable[AdverseEvent] = (),
    subject: str | None = None,
    generated_at: dt.datetime | None = None,
    plan_id: str = "",
) -> str:
    """The plan as a FHIR R4 Bundle, JSON text (``calendar --format fhir``)."""
    return _dumps(bundle(plan, definition, adverse_events, subject, generated_at, plan_id))

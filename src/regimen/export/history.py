"""``regimen history``: a patient's treatment timeline and cumulative ledgers, as text or JSON.

Formats only: the ledgers are worked out in :mod:`regimen.patient`. Whatever the record does
not give is written ``unknown`` (``null`` in JSON), never zero; partial dates are written as
they were given (``2012-12``). No name is ever printed: the patient file holds none.
"""

from __future__ import annotations

import json
from typing import Any

from regimen.patient import (
    LedgerEntry,
    PartialDate,
    Patient,
    TreatmentLine,
    anthracycline_ledger,
    radiotherapy_ledger,
)
from regimen.units import Quantity, format_quantity, to_json

UNKNOWN = "unknown"


def _q(q: Quantity | None) -> str:
    return format_quantity(q) if q is not None else UNKNOWN


def _d(d: PartialDate | None) -> str:
    return str(d) if d is not None else UNKNOWN


def _line_text(line: TreatmentLine) -> list[str]:
    head = f"{_d(line.start)} to {_d(line.end)}" if line.end else _d(line.start)
    out = [f"  {head}  {line.kind}: {line.treatment}"]
    if line.regimen:
        out.append(f"      regimen: {line.regimen}")
    if line.kind == "radiotherapy":
        fx = f"{line.fractions} fractions" if line.fractions else "fractions unknown"
        out.append(f"      site: {line.site}; total dose {_q(line.total_dose)}; {fx}")
    if line.kind == "systemic":
        drugs = ", ".join(line.drugs) if line.drugs else UNKNOWN
        cycles = str(line.cycles) if line.cycles else UNKNOWN
        out.append(f"      drugs: {drugs}; cycles: {cycles}")
        if line.doses:
            for dose in line.doses:
                schedule = f", {dose.schedule}" if dose.schedule else ""
                total = f"; cumulative {_q(dose.cumulative)}"
                out.append(f"      dose: {dose.drug} {_q(dose.dose)}{schedule}{total}")
        else:
            out.append(f"      doses: {UNKNOWN}")
        out.append(f"      end: {_d(line.end)}; reason stopped: {line.stopped or UNKNOWN}")
    if line.note:
        out.append(f"      note: {' '.join(line.note.split())}")
    return out


def _ledger_text(entry: LedgerEntry) -> list[str]:
    if entry.total is not None:
        total = format_quantity(entry.total)
    elif entry.recorded is not None:
        total = f"{UNKNOWN} (at least {format_quantity(entry.recorded)} recorded)"
    else:
        total = UNKNOWN
    fx = ""
    if entry.fractions is not None:
        fx = f" in {entry.fractions} fractions"
    elif any("fractions" in w for w in entry.why):
        fx = f", fractions {UNKNOWN}"
    out = [f"  {entry.name}: {total}{fx} ({', '.join(entry.when)})"]
    out += [f"      {UNKNOWN}: {why}" for why in entry.why]
    return out


def render_text(patient: Patient, where: str) -> str:
    """The timeline, then the anthracycline and radiotherapy ledgers."""
    age = (
        f"age {patient.age}" + (f" on {patient.age_on}" if patient.age_on else " (date unknown)")
        if patient.age is not None
        else f"birth date {patient.birth_date}"
        if patient.birth_date
        else f"age {UNKNOWN}"
    )
    height = _q(patient.height)
    lines = [
        f"Treatment history: {where}",
        f"Patient: sex {patient.sex or UNKNOWN}, {age}, height {height}",
        f"Flags: {', '.join(patient.flags) if patient.flags else 'none recorded'}",
        "",
        "Timeline (as recorded; unknown = not given in the record)",
    ]
    if not patient.lines:
        lines.append("  no treatment lines recorded")
    for line in patient.lines:
        lines += _line_text(line)
    lines += ["", "Cumulative anthracyclines (mg/m², each drug on its own)"]
    anthracyclines = anthracycline_ledger(patient)
    lines += [t for e in anthracyclines for t in _ledger_text(e)] or ["  none recorded"]
    lines += ["", "Radiotherapy by site"]
    radiotherapy = radiotherapy_ledger(patient)
    lines += [t for e in radiotherapy for t in _ledger_text(e)] or ["  none recorded"]
    if patient.sources:
        lines += ["", "Sources"]
        lines += [f"  {key}: {src.citation}" for key, src in patient.sources.items()]
    return "\n".join(lines) + "\n"


def _qj(q: Quantity | None) -> dict[str, object] | None:
    return to_json(q, 6) if q is not None else None


def _dj(d: PartialDate | None) -> str | None:
    return str(d) if d is not None else None


def _entry_json(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "total": _qj(entry.total),
        "recorded": _qj(entry.recorded),
        "fractions": entry.fractions,
        "dates": list(entry.when),
        "unknown_because": list(entry.why),
    }


def render_json(patient: Patient, where: str) -> str:
    """The JSON contract (docs/design.md): ``null`` is unknown, dates as recorded."""
    data = {
        "file": where,
        "patient": {
            "sex": patient.sex,
            "age": patient.age,
            "age_on": _dj(patient.age_on),
            "birth_date": _dj(patient.birth_date),
            "height": _qj(patient.height),
            "weights": [
                {"date": w.date.isoformat(), "weight": _qj(w.weight)} for w in patient.weights
            ],
            "labs": [
                {
                    "date": lab.date.isoformat(),
                    "test": lab.test,
                    "value": {"value": float(lab.value), "unit": lab.unit},
                }
                for lab in patient.labs
            ],
            "flags": list(patient.flags),
            "exposures": [
                {"drug": e.drug, "amount": _qj(e.amount), "note": e.note} for e in patient.exposures
            ],
        },
        "lines": [
            {
                "type": line.kind,
                "treatment": line.treatment,
                "regimen": line.regimen,
                "start": _dj(line.start),
                "end": _dj(line.end),
                "drugs": list(line.drugs),
                "cycles": line.cycles,
                "doses": [
                    {
                        "drug": d.drug,
                        "dose": _qj(d.dose),
                        "schedule": d.schedule or None,
                        "cumulative": _qj(d.cumulative),
                    }
                    for d in line.doses
                ],
                "site": line.site,
                "total_dose": _qj(line.total_dose),
                "fractions": line.fractions,
                "stopped": line.stopped,
                "note": line.note,
                "source": line.source.key if line.source is not None else None,
            }
            for line in patient.lines
        ],
        "ledgers": {
            "anthracyclines": [_entry_json(e) for e in anthracycline_ledger(patient)],
            "radiotherapy": [_entry_json(e) for e in radiotherapy_ledger(patient)],
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

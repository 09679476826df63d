"""Text and JSON renderings of the body-size calculators (``bsa``, ``crcl``, ``calvert``).

Pure formatting of reports computed in :mod:`regimen.bodysize`. The text form writes each
formula with the numbers substituted, so a pharmacist can check it by hand; it shows BSA to
0.01 m², weights to 0.01 kg, clearances to 0.1 mL/min and the carboplatin dose to the whole mg.
JSON keeps six decimals, in UCUM units (``m2``, ``kg``, ``cm``, ``mg``, ``mL/min``, ``mg/dL``).
"""

from __future__ import annotations

import json
from typing import Any

from regimen.bodysize import (
    ADJUSTMENT_FACTOR,
    CM_PER_INCH,
    DEVINE_BASE_KG,
    DEVINE_KG_PER_INCH,
    FEMALE_FACTOR,
    METHOD_NAMES,
    NON_RENAL_CLEARANCE_ML_MIN,
    BsaReport,
    CalvertReport,
    CrclReport,
    DosingWeight,
)
from regimen.units import (
    CREATININE_UMOL_PER_MG_DL,
    Quantity,
    format_number,
    format_quantity,
    magnitude,
    to_json,
    unit_symbol,
)

#: Decimals in text: BSA, weights, clearances, the dose.
BSA_PLACES = 2
WEIGHT_PLACES = 2
CLEARANCE_PLACES = 1
DOSE_PLACES = 0
#: Decimals of every number in JSON.
JSON_PLACES = 6


def _n(value: float, places: int = 4) -> str:
    return format_number(value, places)


def _q(q: Quantity, places: int = 4) -> str:
    """A quantity for people: ``µmol/L`` rather than UCUM's ``umol/L``, ``m²`` for ``m2``."""
    text = format_quantity(q, places)
    return text.replace("umol/L", "µmol/L").replace(" m2", " m²")


def _weight_lines(w: DosingWeight) -> list[str]:
    lines: list[str] = []
    if w.ideal is not None and w.height is not None and w.sex is not None:
        h = _n(magnitude(w.height, "cm"))
        base = _n(DEVINE_BASE_KG[w.sex])
        per = _n(DEVINE_KG_PER_INCH)
        lines.append(
            f"Ideal body weight (Devine, {w.sex}) = {base} kg + {per} kg x (height in inches - 60)"
            f" = {base} kg + {per} kg x ({h} cm / {_n(CM_PER_INCH)} - 60)"
            f" = {_q(w.ideal, WEIGHT_PLACES)}"
        )
    if w.adjusted is not None and w.ideal is not None:
        ideal, actual = _q(w.ideal, WEIGHT_PLACES), _q(w.actual)
        lines.append(
            f"Adjusted body weight = ideal + {_n(ADJUSTMENT_FACTOR)} x (actual - ideal)"
            f" = {ideal} + {_n(ADJUSTMENT_FACTOR)} x ({actual} - {ideal})"
            f" = {_q(w.adjusted, WEIGHT_PLACES)}"
        )
    if w.basis == "actual":
        how = "actual body weight"
    elif w.below_ideal:
        how = f"actual body weight, below the ideal: not the {w.basis} body weight"
    else:
        how = f"{w.basis} body weight"
    lines.append(f"Weight used: {_q(w.used, WEIGHT_PLACES)} ({how})")
    return lines


def _bsa_formula(method: str, h: str, w: str, grams: str) -> tuple[str, str]:
    """The formula of ``method`` in words and with the numbers (height cm, weight kg)."""
    return {
        "mosteller": ("sqrt(height x weight / 3600)", f"sqrt({h} x {w} / 3600)"),
        "dubois": (
            "0.007184 x weight^0.425 x height^0.725",
            f"0.007184 x {w}^0.425 x {h}^0.725",
        ),
        "haycock": (
            "0.024265 x weight^0.5378 x height^0.3964",
            f"0.024265 x {w}^0.5378 x {h}^0.3964",
        ),
        "gehan-george": (
            "0.0235 x weight^0.51456 x height^0.42246",
            f"0.0235 x {w}^0.51456 x {h}^0.42246",
        ),
        "boyd": (
            "0.0003207 x height^0.3 x grams^(0.7285 - 0.0188 x log10(grams))",
            f"0.0003207 x {h}^0.3 x {grams}^(0.7285 - 0.0188 x log10({grams}))",
        ),
    }[method]


def bsa_text(report: BsaReport) -> str:
    """The ``bsa`` report as text, formulas with numbers substituted."""
    h_cm = magnitude(report.height, "cm")
    lines = [f"Height {_n(h_cm)} cm, weight {_q(report.weight.actual)}"]
    lines.extend(_weight_lines(report.weight))
    kg = magnitude(report.weight.used, "kg")
    words, numbers = _bsa_formula(report.method, _n(h_cm), _n(kg, WEIGHT_PLACES), _n(kg * 1000, 1))
    lines.append(
        f"BSA ({METHOD_NAMES[report.method]}; height in cm, weight in kg) = {words}"
        f" = {numbers} = {_q(report.bsa, BSA_PLACES)}"
    )
    lines.extend(f"Warning: {w}" for w in report.warnings)
    return "\n".join(lines) + "\n"


def _json_q(q: Quantity, unit: str | None = None) -> dict[str, object]:
    from regimen.units import to_unit

    return to_json(to_unit(q, unit) if unit else q, JSON_PLACES)


def bsa_data(report: BsaReport) -> dict[str, Any]:
    """The ``bsa`` JSON contract (docs/design.md)."""
    return {
        "bsa": _json_q(report.bsa),
        "method": report.method,
        "weight_basis": report.weight.basis,
        "weight_used": _json_q(report.weight.used),
        "height": _json_q(report.height, "cm"),
        "weight": _json_q(report.weight.actual),
        "warnings": list(report.warnings),
    }


def bsa_json(report: BsaReport) -> str:
    """The ``bsa`` report as JSON text."""
    return json.dumps(bsa_data(report), indent=2, ensure_ascii=False) + "\n"


def _crcl_lines(r: CrclReport, name: str = "CrCl") -> list[str]:
    lines = _weight_lines(r.weight)
    if unit_symbol(r.scr) == "umol/L":
        lines.append(
            f"Serum creatinine {_q(r.scr)} = {_n(magnitude(r.scr, 'umol/L'))}"
            f" / {_n(float(CREATININE_UMOL_PER_MG_DL))}"
            f" = {_n(magnitude(r.scr, 'mg/dL'))} mg/dL"
        )
    if r.floored and r.scr_floor is not None:
        lines.append(
            f"Serum creatinine {_n(magnitude(r.scr, 'mg/dL'))} mg/dL is below the floor of "
            f"{_n(magnitude(r.scr_floor, 'mg/dL'))} mg/dL: the floor is used"
        )
    scr = _q(r.scr_used)
    w = _q(r.weight.used, WEIGHT_PLACES)
    female_words = f" x {_n(FEMALE_FACTOR)} (female)" if r.sex == "female" else ""
    female = f" x {_n(FEMALE_FACTOR)}" if r.sex == "female" else ""
    lines.append(
        f"{name} (Cockcroft-Gault) = (140 - age) x weight / (72 x SCr){female_words}"
        f" = (140 - {r.age}) x {w} / (72 x {scr}){female}"
        f" = {_q(r.crcl, CLEARANCE_PLACES)}"
    )
    return lines


def crcl_text(report: CrclReport) -> str:
    """The ``crcl`` report as text, formulas with numbers substituted."""
    lines = [
        f"Age {report.age} years, {report.sex}, weight {_q(report.weight.actual)}, "
        f"serum creatinine {_q(report.scr)}"
    ]
    lines.extend(_crcl_lines(report))
    lines.extend(f"Warning: {w}" for w in report.warnings)
    return "\n".join(lines) + "\n"


def crcl_data(report: CrclReport) -> dict[str, Any]:
    """The ``crcl`` JSON contract (docs/design.md)."""
    return {
        "crcl": _json_q(report.crcl),
        "formula": "cockcroft-gault",
        "weight_used": _json_q(report.weight.used),
        "scr_used": _json_q(report.scr_used),
        "warnings": list(report.warnings),
    }


def crcl_json(report: CrclReport) -> str:
    """The ``crcl`` report as JSON text."""
    return json.dumps(crcl_data(report), indent=2, ensure_ascii=False) + "\n"


def calvert_text(report: CalvertReport) -> str:
    """The ``calvert`` report as text, formulas with numbers substituted."""
    auc = _n(report.auc)
    lines = [f"Target AUC {auc} mg/mL x min"]
    if report.estimate is not None:
        lines.extend(_crcl_lines(report.estimate, "GFR = CrCl"))
    else:
        lines.append(f"GFR {_q(report.gfr, CLEARANCE_PLACES)} (given)")
    gfr = _q(report.gfr, CLEARANCE_PLACES)
    if report.cap is None:
        lines.append("GFR not capped (--no-gfr-cap)")
    elif report.capped:
        lines.append(
            f"GFR capped at {_q(report.cap)} (FDA 2010): {gfr} is above the cap, "
            f"{_q(report.cap)} is used"
        )
    else:
        lines.append(f"GFR {gfr} is not above the cap of {_q(report.cap)}")
    used = _q(report.gfr_used, CLEARANCE_PLACES)
    non_renal = _n(NON_RENAL_CLEARANCE_ML_MIN)
    lines.append(
        f"Dose (Calvert) = AUC x (GFR + {non_renal} mL/min) = {auc} x ({used} + {non_renal} mL/min)"
        f" = {_q(report.dose, DOSE_PLACES)}"
    )
    lines.extend(f"Warning: {w}" for w in report.warnings)
    return "\n".join(lines) + "\n"


def calvert_data(report: CalvertReport) -> dict[str, Any]:
    """The ``calvert`` JSON contract (docs/design.md)."""
    auc = round(report.auc, JSON_PLACES)
    return {
        "dose": _json_q(report.dose),
        "auc": int(auc) if auc.is_integer() else auc,
        "gfr": _json_q(report.gfr),
        "gfr_used": _json_q(report.gfr_used),
        "capped": report.capped,
        "warnings": list(report.warnings),
    }


def calvert_json(report: CalvertReport) -> str:
    """The ``calvert`` report as JSON text."""
    return json.dumps(calvert_data(report), indent=2, ensure_ascii=False) + "\n"

"""Body-size and renal-function calculators: BSA, dosing weight, creatinine clearance, Calvert.

Two layers, as in :mod:`regimen.radiobiology` and :mod:`regimen.rt_report`:

* pure formulas on floats in the units the papers use (cm, kg, mg/dL, mL/min), each with its
  equation and reference, reading no file and no clock;
* reports (:func:`bsa_report`, :func:`crcl_report`, :func:`calvert_report`) that take
  quantities of the one registry (:mod:`regimen.units`), refuse implausible input with a
  one-line :class:`~regimen.errors.InputError` naming the field, and hold every number an
  output shows, so the exporters (:mod:`regimen.export.bodysize`) only format.

Implausible input is refused, never silently used: a height outside 30 to 250 cm, a weight
outside 0.5 to 400 kg, a height and weight whose BMI is below 5 or above 150 kg/m2 (swapped or
mistyped values), an age outside 18 to 120 years (Cockcroft-Gault is an adult equation), a
serum creatinine outside 0.1 to 30 mg/dL, a GFR or GFR cap above 250 mL/min, an AUC above
10 mg/mL x min. Values that are possible but call for a second look are computed and warned
about (a creatinine below 0.7 mg/dL with no floor, an overweight patient on actual weight for
Cockcroft-Gault, Devine below 5 ft).

References
----------
.. [Mosteller1987] Mosteller RD. Simplified calculation of body-surface area. N Engl J Med.
   1987;317(17):1098.
.. [DuBois1916] Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if
   height and weight be known. Arch Intern Med. 1916;17:863-871.
.. [Haycock1978] Haycock GB, Schwartz GJ, Wisotsky DH. Geometric method for measuring body
   surface area: a height-weight formula validated in infants, children, and adults. J Pediatr.
   1978;93(1):62-66.
.. [Gehan1970] Gehan EA, George SL. Estimation of human body surface area from height and
   weight. Cancer Chemother Rep. 1970;54(4):225-235.
.. [Boyd1935] Boyd E. The Growth of the Surface Area of the Human Body. University of
   Minnesota Press; 1935.
.. [Devine1974] Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm. 1974;8:650-655.
.. [Cockcroft1976] Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum
   creatinine. Nephron. 1976;16(1):31-41.
.. [Calvert1989] Calvert AH, Newell DR, Gumbrell LA, et al. Carboplatin dosage: prospective
   evaluation of a simple formula based on renal function. J Clin Oncol. 1989;7(11):1748-1756.
.. [FDA2010] U.S. Food and Drug Administration. Carboplatin dosing (communication to the
   oncology community on IDMS-measured serum creatinine), October 2010: cap the estimated GFR
   at 125 mL/min, so the maximum dose is target AUC x 150 mL/min.
.. [NCCN] NCCN Chemotherapy Order Templates, Appendix B, "Carboplatin dosing in adults"
   (adjusted body weight for BMI of 25 kg/m2 or more; a minimum creatinine of 0.7 mg/dL).
.. [ASCO2012] Griggs JJ, Mangu PB, Anderson H, et al. Appropriate chemotherapy dosing for
   obese adult patients with cancer: ASCO clinical practice guideline. J Clin Oncol.
   2012;30(13):1553-1561 (full, actual body weight for BSA).
"""

from __future__ import annotations

import math
from typing import Literal, get_args

import attrs

from regimen.errors import InputError
from regimen.units import (
    Amount,
    Area,
    Clearance,
    Creatinine,
    Length,
    Mass,
    format_number,
    format_quantity,
    magnitude,
    quantity,
)

BsaMethod = Literal["mosteller", "dubois", "haycock", "gehan-george", "boyd"]
WeightBasis = Literal["actual", "ideal", "adjusted"]
Sex = Literal["female", "male"]

BSA_METHODS: tuple[str, ...] = get_args(BsaMethod)
WEIGHT_BASES: tuple[str, ...] = get_args(WeightBasis)
SEXES: tuple[str, ...] = get_args(Sex)

#: The name each BSA method is printed under.
METHOD_NAMES = {
    "mosteller": "Mosteller",
    "dubois": "DuBois and DuBois",
    "haycock": "Haycock",
    "gehan-george": "Gehan and George",
    "boyd": "Boyd",
}

#: Plausible ranges; outside them a value is refused (see the module docstring).
HEIGHT_CM = (30.0, 250.0)
WEIGHT_KG = (0.5, 400.0)
BMI_KG_M2 = (5.0, 150.0)
AGE_YEARS = (18, 120)
SCR_MG_DL = (0.1, 30.0)
MAX_GFR_ML_MIN = 250.0
MAX_AUC = 10.0

#: Devine [Devine1974]: 60 inches (5 ft) and 2.3 kg per inch above it.
CM_PER_INCH = 2.54
DEVINE_BASE_KG = {"male": 50.0, "female": 45.5}
DEVINE_KG_PER_INCH = 2.3
#: Adjusted body weight: ideal + 0.4 x excess [NCCN].
ADJUSTMENT_FACTOR = 0.4
#: Cockcroft-Gault's factor for women [Cockcroft1976].
FEMALE_FACTOR = 0.85
#: Calvert's non-renal clearance [Calvert1989] and the FDA's cap on an estimated GFR [FDA2010].
NON_RENAL_CLEARANCE_ML_MIN = 25.0
DEFAULT_GFR_CAP_ML_MIN = 125.0
#: Below this creatinine [mg/dL] Cockcroft-Gault may overestimate clearance [NCCN].
LOW_SCR_MG_DL = 0.7
#: At or above this BMI [kg/m2] NCCN suggests an adjusted weight for Cockcroft-Gault.
OVERWEIGHT_BMI = 25.0


# =============================================================================================
# Pure formulas


def mosteller(height_cm: float, weight_kg: float) -> float:
    r"""BSA [m2] by Mosteller [Mosteller1987].

    .. math:: \mathrm{BSA} = \sqrt{\frac{H_\mathrm{cm} \, W_\mathrm{kg}}{3600}}

    >>> round(mosteller(170, 70), 3)
    1.818
    """
    return math.sqrt(height_cm * weight_kg / 3600)


def dubois(height_cm: float, weight_kg: float) -> float:
    r"""BSA [m2] by DuBois and DuBois [DuBois1916].

    .. math:: \mathrm{BSA} = 0.007184 \, W_\mathrm{kg}^{0.425} \, H_\mathrm{cm}^{0.725}
    """
    return float(0.007184 * weight_kg**0.425 * height_cm**0.725)


def haycock(height_cm: float, weight_kg: float) -> float:
    r"""BSA [m2] by Haycock [Haycock1978].

    .. math:: \mathrm{BSA} = 0.024265 \, W_\mathrm{kg}^{0.5378} \, H_\mathrm{cm}^{0.3964}
    """
    return float(0.024265 * weight_kg**0.5378 * height_cm**0.3964)


def gehan_george(height_cm: float, weight_kg: float) -> float:
    r"""BSA [m2] by Gehan and George [Gehan1970].

    .. math:: \mathrm{BSA} = 0.0235 \, W_\mathrm{kg}^{0.51456} \, H_\mathrm{cm}^{0.42246}
    """
    return float(0.0235 * weight_kg**0.51456 * height_cm**0.42246)


def boyd(height_cm: float, weight_kg: float) -> float:
    r"""BSA [m2] by Boyd [Boyd1935], weight in grams.

    .. math:: \mathrm{BSA} = 0.0003207 \, H_\mathrm{cm}^{0.3} \,
              W_\mathrm{g}^{\,0.7285 - 0.0188 \log_{10} W_\mathrm{g}}
    """
    grams = weight_kg * 1000
    exponent = 0.7285 - 0.0188 * math.log10(grams)
    return float(0.0003207 * height_cm**0.3 * grams**exponent)


_BSA = {
    "mosteller": mosteller,
    "dubois": dubois,
    "haycock": haycock,
    "gehan-george": gehan_george,
    "boyd": boyd,
}


def bsa_m2(height_cm: float, weight_kg: float, method: BsaMethod = "mosteller") -> float:
    """BSA [m2] by ``method`` (Mosteller by default)."""
    try:
        formula = _BSA[method]
    except KeyError:
        raise InputError(
            f"must be one of {', '.join(BSA_METHODS)}, got {method!r}", where="method"
        ) from None
    return formula(height_cm, weight_kg)


def ideal_body_weight_kg(height_cm: float, sex: Sex) -> float:
    r"""Ideal body weight [kg] by Devine [Devine1974].

    .. math:: \mathrm{IBW} = 50\ \mathrm{kg}\ (\text{male}) \text{ or } 45.5\ \mathrm{kg}\
              (\text{female}) + 2.3\ \mathrm{kg} \times (H_\mathrm{in} - 60)

    with :math:`H_\mathrm{in} = H_\mathrm{cm} / 2.54`. Applied as written below 60 inches too
    (the reports warn there).

    >>> round(ideal_body_weight_kg(177.8, "male"), 6)  # 70 in
    73.0
    """
    return DEVINE_BASE_KG[sex] + DEVINE_KG_PER_INCH * (height_cm / CM_PER_INCH - 60)


def adjusted_body_weight_kg(ideal_kg: float, actual_kg: float) -> float:
    r"""Adjusted body weight [kg]: ideal plus 0.4 of the excess over it [NCCN].

    .. math:: \mathrm{AdjBW} = \mathrm{IBW} + 0.4\,(W - \mathrm{IBW})
    """
    return ideal_kg + ADJUSTMENT_FACTOR * (actual_kg - ideal_kg)


def cockcroft_gault(age_years: int, weight_kg: float, scr_mg_dl: float, sex: Sex) -> float:
    r"""Creatinine clearance [mL/min] by Cockcroft and Gault [Cockcroft1976].

    .. math:: \mathrm{CrCl} = \frac{(140 - \mathrm{age})\, W_\mathrm{kg}}{72\,
              \mathrm{SCr}_\mathrm{mg/dL}} \times 0.85\ (\text{female})

    >>> round(cockcroft_gault(50, 80, 1.0, "male"), 6)
    100.0
    """
    crcl = (140 - age_years) * weight_kg / (72 * scr_mg_dl)
    return crcl * FEMALE_FACTOR if sex == "female" else crcl


def calvert_dose_mg(auc: float, gfr_ml_min: float) -> float:
    r"""Carboplatin dose [mg] by Calvert [Calvert1989].

    .. math:: \mathrm{dose} = \mathrm{AUC} \times (\mathrm{GFR} + 25\ \mathrm{mL/min})

    >>> calvert_dose_mg(6, 125)
    900.0
    """
    return float(auc * (gfr_ml_min + NON_RENAL_CLEARANCE_ML_MIN))


# =============================================================================================
# Checked inputs


def _number(value: float, where: str, unit: str, low: float, high: float, what: str) -> float:
    if not math.isfinite(value) or not (low <= value <= high):
        raise InputError(
            f"{_plain(value)} {unit} is not a plausible {what} (accepted: {_plain(low)} to "
            f"{_plain(high)} {unit})",
            where=where,
        )
    return value


def _plain(value: float) -> str:
    return format_number(value, 4) if math.isfinite(value) else str(value)


def _height_cm(height: Length) -> float:
    return _number(magnitude(height, "cm"), "height", "cm", *HEIGHT_CM, "height")


def _weight_kg(weight: Mass, where: str = "weight") -> float:
    return _number(magnitude(weight, "kg"), where, "kg", *WEIGHT_KG, "body weight")


def check_age(age: int) -> int:
    """An age [years] Cockcroft-Gault may be used at: a whole number from 18 to 120."""
    if isinstance(age, bool) or not isinstance(age, int):
        raise InputError(f"must be a whole number of years, got {age!r}", where="age")
    low, high = AGE_YEARS
    if age > high:
        raise InputError(f"{age} years is over {high}, not a plausible age", where="age")
    if age < low:
        raise InputError(
            f"{age} years is under {low}: Cockcroft-Gault is an adult equation (use a "
            "paediatric method)",
            where="age",
        )
    return age


def check_sex(sex: str | None, needed_for: str) -> Sex:
    """``female`` or ``male``; ``needed_for`` says why it is asked for when missing."""
    if sex is None:
        raise InputError(f"needed for {needed_for}", where="sex")
    if sex == "female":
        return "female"
    if sex == "male":
        return "male"
    raise InputError(f"must be female or male, got {sex!r}", where="sex")


def _scr_mg_dl(scr: Creatinine, where: str = "scr") -> float:
    value = magnitude(scr, "mg/dL")
    low, high = SCR_MG_DL
    if not (low <= value <= high):
        raise InputError(
            f"{_plain(value)} mg/dL is not a plausible serum creatinine (accepted: {_plain(low)} "
            f"to {_plain(high)} mg/dL, {_plain(low * 88.42)} to {_plain(high * 88.42)} umol/L)",
            where=where,
        )
    return value


def _bmi(height_cm: float, weight_kg: float) -> float:
    bmi = weight_kg / (height_cm / 100) ** 2
    low, high = BMI_KG_M2
    if not (low <= bmi <= high):
        raise InputError(
            f"{_plain(height_cm)} cm and {_plain(weight_kg)} kg give a BMI of "
            f"{format_bmi(bmi)} kg/m2, not a plausible body (are height and weight swapped, or in "
            "other units?)",
            where="weight",
        )
    return bmi


def format_bmi(bmi: float) -> str:
    """A BMI as printed: one decimal."""
    return format_number(bmi, 1)


# =============================================================================================
# Reports


@attrs.frozen
class DosingWeight:
    """The weight a calculation uses, and how it was chosen.

    ``ideal`` and ``adjusted`` are set whenever they were worked out (basis ``ideal`` or
    ``adjusted``); ``used`` is the weight the formula takes. When the actual weight is below
    the ideal one, ``used`` is the actual weight whatever the basis (never dose on a weight the
    patient does not have) and ``below_ideal`` is True.
    """

    basis: WeightBasis
    actual: Mass
    used: Mass
    height: Length | None = None
    sex: Sex | None = None
    ideal: Mass | None = None
    adjusted: Mass | None = None
    below_ideal: bool = False


def dosing_weight(
    weight: Mass,
    basis: WeightBasis = "actual",
    height: Length | None = None,
    sex: str | None = None,
) -> DosingWeight:
    """The weight used for ``basis``: actual (the default, ASCO), ideal (Devine) or adjusted
    (ideal + 0.4 x excess). Ideal and adjusted need the height and the sex."""
    actual = _weight_kg(weight)
    if basis == "actual":
        return DosingWeight("actual", weight, weight, height)
    if basis not in WEIGHT_BASES:
        raise InputError(
            f"must be one of {', '.join(WEIGHT_BASES)}, got {basis!r}", where="weight_basis"
        )
    if height is None:
        raise InputError(f"needed for the {basis} body weight (Devine)", where="height")
    h = _height_cm(height)
    s = check_sex(sex, f"the {basis} body weight (Devine)")
    ideal = ideal_body_weight_kg(h, s)
    if ideal <= 0:
        raise InputError(
            f"{_plain(h)} cm is too short for Devine's ideal body weight (it would be "
            f"{_plain(ideal)} kg)",
            where="height",
        )
    adjusted = adjusted_body_weight_kg(ideal, actual) if basis == "adjusted" else None
    target = ideal if basis == "ideal" else adjusted_body_weight_kg(ideal, actual)
    below = actual < ideal
    used = weight if below else quantity(target, "kg")
    return DosingWeight(
        basis,
        weight,
        used,
        height,
        s,
        quantity(ideal, "kg"),
        quantity(adjusted, "kg") if adjusted is not None else None,
        below,
    )


def _weight_warnings(w: DosingWeight) -> list[str]:
    out = []
    if w.height is not None and w.ideal is not None and magnitude(w.height, "cm") < 60 * 2.54:
        out.append(
            "height below 152.4 cm (5 ft): Devine's ideal body weight is extrapolated below "
            "the heights it was made for"
        )
    if w.below_ideal and w.ideal is not None:
        out.append(
            f"the actual weight is below the ideal weight ({_kg(w.ideal)}): the actual weight "
            "is used"
        )
    return out


def _kg(q: Mass) -> str:
    return format_quantity(q, 2)


@attrs.frozen
class BsaReport:
    """Everything ``regimen bsa`` shows."""

    height: Length
    weight: DosingWeight
    method: BsaMethod
    bsa: Area
    bmi: float
    warnings: tuple[str, ...] = ()


def bsa_report(
    height: Length,
    weight: Mass,
    method: BsaMethod = "mosteller",
    basis: WeightBasis = "actual",
    sex: str | None = None,
) -> BsaReport:
    """BSA by ``method`` on the ``basis`` weight (actual by default, as ASCO recommends)."""
    h = _height_cm(height)
    bmi = _bmi(h, _weight_kg(weight))
    if basis == "actual" and sex is not None:
        raise InputError("only applies with --weight-basis ideal or adjusted", where="sex")
    w = dosing_weight(weight, basis, height, sex)
    value = bsa_m2(h, magnitude(w.used, "kg"), method)
    return BsaReport(height, w, method, quantity(value, "m2"), bmi, tuple(_weight_warnings(w)))


@attrs.frozen
class CrclReport:
    """Everything ``regimen crcl`` shows (and the GFR estimate of ``regimen calvert``)."""

    age: int
    sex: Sex
    weight: DosingWeight
    scr: Creatinine  # as given
    scr_used: Creatinine  # in mg/dL, after the floor
    scr_floor: Creatinine | None
    floored: bool
    crcl: Clearance
    bmi: float | None
    warnings: tuple[str, ...] = ()


def crcl_report(
    age: int,
    sex: str | None,
    weight: Mass,
    scr: Creatinine,
    height: Length | None = None,
    basis: WeightBasis = "actual",
    scr_floor: Creatinine | None = None,
) -> CrclReport:
    """Cockcroft-Gault creatinine clearance, on the ``basis`` weight, with an optional floor
    under the serum creatinine (a creatinine below it is raised to it)."""
    a = check_age(age)
    s = check_sex(sex, "Cockcroft-Gault (0.85 for women)")
    actual = _weight_kg(weight)
    bmi = _bmi(_height_cm(height), actual) if height is not None else None
    w = dosing_weight(weight, basis, height, s)
    measured = _scr_mg_dl(scr)
    floor = _scr_mg_dl(scr_floor, "scr_floor") if scr_floor is not None else None
    floored = floor is not None and measured < floor
    used = floor if floored and floor is not None else measured
    value = cockcroft_gault(a, magnitude(w.used, "kg"), used, s)
    warnings = _weight_warnings(w)
    if floor is None and measured < LOW_SCR_MG_DL:
        warnings.append(
            f"serum creatinine below {_plain(LOW_SCR_MG_DL)} mg/dL may overestimate the "
            f"clearance (NCCN: consider a minimum of {_plain(LOW_SCR_MG_DL)} mg/dL, "
            f"--scr-floor {_plain(LOW_SCR_MG_DL)}mg/dL)"
        )
    if bmi is not None and basis == "actual" and bmi >= OVERWEIGHT_BMI:
        warnings.append(
            f"BMI {format_bmi(bmi)} kg/m2 is 25 or more: NCCN suggests considering the "
            "adjusted body weight (--weight-basis adjusted)"
        )
    return CrclReport(
        a,
        s,
        w,
        scr,
        quantity(used, "mg/dL"),
        scr_floor,
        floored,
        quantity(value, "mL/min"),
        bmi,
        tuple(warnings),
    )


@attrs.frozen
class CalvertReport:
    """Everything ``regimen calvert`` shows."""

    auc: float
    gfr: Clearance  # given, or estimated by Cockcroft-Gault
    estimate: CrclReport | None  # the estimate, when the GFR was not given
    cap: Clearance | None  # None with --no-gfr-cap
    gfr_used: Clearance
    capped: bool
    dose: Amount
    warnings: tuple[str, ...] = ()


def check_auc(auc: float) -> float:
    """A target AUC [mg/mL x min]: finite, above zero, at most 10."""
    if isinstance(auc, bool) or not isinstance(auc, (int, float)) or not math.isfinite(auc):
        raise InputError(f"must be a number, got {auc!r}", where="auc")
    if auc <= 0:
        raise InputError(f"must be greater than zero, got {_plain(auc)}", where="auc")
    if auc > MAX_AUC:
        raise InputError(
            f"{_plain(auc)} mg/mL x min is above {_plain(MAX_AUC)}, beyond the AUCs the "
            "Calvert formula is used for",
            where="auc",
        )
    return float(auc)


def _gfr(q: Clearance, where: str) -> float:
    value = magnitude(q, "mL/min")
    if not (0 < value <= MAX_GFR_ML_MIN):
        raise InputError(
            f"{_plain(value)} mL/min is not a plausible GFR (at most "
            f"{_plain(MAX_GFR_ML_MIN)} mL/min)",
            where=where,
        )
    return value


def calvert_report(
    auc: float,
    gfr: Clearance | None = None,
    estimate: CrclReport | None = None,
    cap: Clearance | None = None,
) -> CalvertReport:
    """Carboplatin dose by Calvert from a given GFR or a Cockcroft-Gault ``estimate`` (exactly
    one), the GFR capped at ``cap`` (pass None for no cap; the CLI's default is 125 mL/min)."""
    target = check_auc(auc)
    if (gfr is None) == (estimate is None):
        raise InputError("give either a GFR or the inputs of its estimate", where="gfr")
    if gfr is not None:
        source, value = gfr, _gfr(gfr, "gfr")
    else:
        assert estimate is not None  # noqa: S101 - one of the two is given
        source, value = estimate.crcl, magnitude(estimate.crcl, "mL/min")
    limit = _gfr(cap, "gfr_cap") if cap is not None else None
    capped = limit is not None and value > limit
    used = limit if capped and limit is not None else value
    return CalvertReport(
        target,
        source,
        estimate,
        cap,
        quantity(used, "mL/min"),
        capped,
        quantity(calvert_dose_mg(target, used), "mg"),
        estimate.warnings if estimate is not None else (),
    )
